/*
 * retention_purge: purge --all (and the OMS's remote wipe) and deletion
 * certificates (see retention.h and doc/certificate-format.md).
 *
 * Owns the files it leaves in the data dir: station.pub (the station's
 * public signing key), audit-anchor (the audit chain's last link),
 * purge-pending.json (the signed certificate while the erasure runs) and
 * deletion-certificate.json (its copy once the erasure is done). The
 * certificate is signed before the keys go (the signing key is sealed
 * under the KEK) but released only after every file it names is gone, so
 * a crash leaves either an intact station or a pending purge that any
 * later purge --all finishes; station_open refuses a pending purge.
 *
 * Must never: put PII in a certificate (counts, ids of keys and the
 * station only), release a certificate before the erasure it states is
 * done, or leave the KEK while removing the cache (keys go first).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "crypto.h"
#include "ferr.h"
#include "i18n.h"
#include "retention.h"
#include "retention_files.h"
#include "secret.h"
#include "station.h"
#include "store.h"

#define CERT_FORMAT "fulfil-deletion-certificate-1"
#define CERT_METHOD "cryptographic erase, NIST SP 800-88"
#define CERT_MAX (64 * 1024)

enum { PURGE_NSTEPS = 6 };

static void
purge_progress(retention_progress_fn fn, void *ctx, int step,
    const char *what)
{
	if (fn != NULL)
		fn(ctx, step, PURGE_NSTEPS, what);
}

static int
purge_path(const char *dir, const char *name, char *buf, size_t len,
    struct ferr *err)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		return ferr_set(err, FULFIL_EINVAL, _("path is too long"));
	return 0;
}

bool
retention_purge_pending(const struct fulfil_config *cfg)
{
	char path[PATH_MAX];
	struct stat sb;

	if (purge_path(cfg->cache.dir, RETENTION_PENDING_FILE, path,
	    sizeof path, NULL) != 0)
		return false;
	return lstat(path, &sb) == 0;
}

static void
purge_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
purge_nomem(struct ferr *err)
{
	return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
}

/* Write a JSON value to a file durably; mode 0600 (public, still ours). */
static int
purge_write_json(const char *path, const json_t *v, struct ferr *err)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *line = NULL;
	int r;

	if (text == NULL || asprintf(&line, "%s\n", text) < 0) {
		free(text);
		return purge_nomem(err);
	}
	free(text);
	r = retention_file_write(path, line, strlen(line), 0600, err);
	free(line);
	return r;
}

/* ---- signing ------------------------------------------------------------ */

/* The bytes signed: the certificate object, compact, keys sorted. */
static char *
purge_canonical(const json_t *cert)
{
	return json_dumps(cert, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENSURE_ASCII);
}

static int
purge_sign(json_t *cert, const struct secret *sk, json_t **doc,
    struct ferr *err)
{
	unsigned char sig[crypto_sign_BYTES];
	char sighex[2 * crypto_sign_BYTES + 1];
	char *text;

	if ((text = purge_canonical(cert)) == NULL)
		return purge_nomem(err);
	crypto_sign_detached(sig, NULL, (const unsigned char *)text,
	    strlen(text), sk->data);
	free(text);
	sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
	*doc = json_pack("{s:O,s:s,s:s}", "certificate", cert,
	    "signature_alg", "Ed25519", "signature", sighex);
	return *doc != NULL ? 0 : purge_nomem(err);
}

/* ---- the purge ---------------------------------------------------------- */

struct purge_facts {
	char station_id[33];
	char pkhex[65];
	char fpr[65];
	uint32_t epoch;
	int64_t orders, erased;
	char *head;		/* audit_head meta: "SEQ:MAC" */
};

static int
purge_count(struct store *st, const char *sql, int64_t *out, struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if ((q = store_stmt(st, sql, err)) == NULL)
		return FULFIL_EDB;
	if (sqlite3_step(q) == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	else
		r = store_error(st, err, _("counting orders"));
	sqlite3_reset(q);
	return r;
}

static int
purge_gather(struct station *s, struct purge_facts *f, struct ferr *err)
{
	char *v = NULL;
	int r;

	if ((r = store_meta_get(s->store, "station_id", &v, err)) != 0)
		return r;
	snprintf(f->station_id, sizeof f->station_id, "%s", v ? v : "");
	free(v);
	crypto_kek_fingerprint(s->kek, f->fpr);
	f->epoch = crypto_kek_epoch(s->kek);
	if ((r = purge_count(s->store, "SELECT count(*) FROM orders",
	    &f->orders, err)) != 0)
		return r;
	return purge_count(s->store, "SELECT count(*) FROM orders"
	    " WHERE dek IS NOT NULL OR sealed IS NOT NULL", &f->erased, err);
}

/* station.pub and audit-anchor: what stays. */
static int
purge_keep_files(const struct fulfil_config *cfg, const struct purge_facts *f,
    int64_t now, struct ferr *err)
{
	char path[PATH_MAX], when[32];
	const char *colon = f->head ? strchr(f->head, ':') : NULL;
	json_t *v;
	int r;

	purge_time(now, when, sizeof when);
	if ((r = purge_path(cfg->cache.dir, RETENTION_PUBKEY_FILE, path,
	    sizeof path, err)) != 0)
		return r;
	v = json_pack("{s:s,s:s,s:s}", "station_id", f->station_id,
	    "signature_alg", "Ed25519", "public_key", f->pkhex);
	if (v == NULL)
		return purge_nomem(err);
	r = purge_write_json(path, v, err);
	json_decref(v);
	if (r != 0)
		return r;
	if ((r = purge_path(cfg->cache.dir, RETENTION_ANCHOR_FILE, path,
	    sizeof path, err)) != 0)
		return r;
	v = json_pack("{s:s,s:I,s:s,s:s}", "station_id", f->station_id,
	    "audit_seq", (json_int_t)(colon ? strtoll(f->head, NULL, 10) : 0),
	    "audit_head_mac", colon ? colon + 1 : "", "at", when);
	if (v == NULL)
		return purge_nomem(err);
	r = purge_write_json(path, v, err);
	json_decref(v);
	return r;
}

static json_t *
purge_cert_body(const struct fulfil_config *cfg, const struct purge_facts *f,
    int64_t now, const char *actor, enum retention_reason why)
{
	const char *colon = f->head ? strchr(f->head, ':') : NULL;
	bool cred = crypto_kek_spec_is_credential(cfg->cache.key);
	char when[32];
	json_t *keys;

	purge_time(now, when, sizeof when);
	keys = json_pack("[{s:s,s:I,s:s,s:s,s:b}]", "kind", "kek",
	    "epoch", (json_int_t)f->epoch, "fingerprint", f->fpr,
	    "fingerprint_alg", "BLAKE2b-256 (doc/crypto-format.md)",
	    "destroyed", !cred);
	if (keys == NULL)
		return NULL;
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:I,s:I,s:I,s:o,"
	    "s:[s,s,s],s:{s:I,s:s},s:s,s:s}",
	    "format", CERT_FORMAT,
	    "station_id", f->station_id,
	    "issued_at", when,
	    "reason", retention_reason_name(why),
	    "actor", actor != NULL ? json_string(actor) : json_null(),
	    "method", CERT_METHOD,
	    "orders", (json_int_t)f->orders,
	    "orders_erased", (json_int_t)f->erased,
	    "data_keys_destroyed", (json_int_t)f->erased,
	    "keys_destroyed", keys,
	    "files_removed", "cache.db", "cache.db-wal", "cache.db-shm",
	    "audit_anchor", "seq",
	    (json_int_t)(colon ? strtoll(f->head, NULL, 10) : 0),
	    "mac", colon ? colon + 1 : "",
	    "kek_note", cred ? "the KEK is a systemd credential: fulfil "
	    "destroyed every data key and the cache, but the credential "
	    "itself must be removed from the credential store" :
	    "the KEK file was overwritten, synced and unlinked",
	    "public_key", f->pkhex);
}

/* Destroy keys and cache files; the crash points are the test's. */
static int
purge_destroy(const struct fulfil_config *cfg, retention_progress_fn progress,
    void *pctx, struct ferr *err)
{
	static const char *const dbfiles[] = {
		STORE_DB_NAME "-wal", STORE_DB_NAME "-shm", STORE_DB_NAME,
	};
	char path[PATH_MAX];
	size_t i;
	int r;

	purge_progress(progress, pctx, 3, _("destroying the key"));
	if (!crypto_kek_spec_is_credential(cfg->cache.key)) {
		if ((size_t)snprintf(path, sizeof path, "%s.new",
		    cfg->cache.key) >= sizeof path)
			return ferr_set(err, FULFIL_EINVAL,
			    _("path is too long"));
		if ((r = retention_file_destroy(path, err)) != 0)
			return r;
		retention_crash_point();
		if ((r = retention_file_destroy(cfg->cache.key, err)) != 0)
			return r;
		retention_crash_point();
	}
	purge_progress(progress, pctx, 4, _("removing the cache"));
	for (i = 0; i < sizeof dbfiles / sizeof dbfiles[0]; i++) {
		if ((r = purge_path(cfg->cache.dir, dbfiles[i], path,
		    sizeof path, err)) != 0 ||
		    (r = retention_file_destroy(path, err)) != 0)
			return r;
		retention_crash_point();
	}
	return 0;
}

/* Release the certificate: FILE, the kept copy, then no more pending. */
static int
purge_release(const struct fulfil_config *cfg, const char *cert_path,
    const json_t *doc, char **cert_json, struct ferr *err)
{
	char path[PATH_MAX];
	int r;

	if (cert_path != NULL && (r = purge_write_json(cert_path, doc,
	    err)) != 0)
		return r;
	retention_crash_point();
	if ((r = purge_path(cfg->cache.dir, RETENTION_CERT_COPY, path,
	    sizeof path, err)) != 0 ||
	    (r = purge_write_json(path, doc, err)) != 0)
		return r;
	retention_crash_point();
	if ((r = purge_path(cfg->cache.dir, RETENTION_PENDING_FILE, path,
	    sizeof path, err)) != 0 ||
	    (r = retention_file_remove(path, err)) != 0)
		return r;
	if (cert_json != NULL &&
	    (*cert_json = json_dumps(doc, JSON_INDENT(2) |
	    JSON_SORT_KEYS)) == NULL)
		return purge_nomem(err);
	return 0;
}

static void
purge_result_from(const json_t *doc, struct retention_purge_result *res,
    bool resumed)
{
	const json_t *c = json_object_get(doc, "certificate");
	const json_t *kek = json_array_get(json_object_get(c,
	    "keys_destroyed"), 0);

	memset(res, 0, sizeof *res);
	res->orders = json_integer_value(json_object_get(c, "orders"));
	res->orders_erased = json_integer_value(json_object_get(c,
	    "orders_erased"));
	res->kek_destroyed = json_is_true(json_object_get(kek, "destroyed"));
	res->keys_destroyed = res->orders_erased +
	    (res->kek_destroyed ? 1 : 0);
	res->resumed = resumed;
}

/*
 * The steps a purge and a resumed one share once nothing opens the
 * station: destroy the keys and the cache, release the certificate,
 * report.
 */
static int
purge_finish(const struct fulfil_config *cfg, const char *cert_path,
    const json_t *doc, char **cert_json, struct retention_purge_result *res,
    bool resumed, retention_progress_fn progress, void *pctx,
    struct ferr *err)
{
	int r;

	if ((r = purge_destroy(cfg, progress, pctx, err)) != 0)
		return r;
	purge_progress(progress, pctx, 5, _("writing the certificate"));
	if ((r = purge_release(cfg, cert_path, doc, cert_json, err)) != 0)
		return r;
	purge_result_from(doc, res, resumed);
	purge_progress(progress, pctx, 6, _("done"));
	return 0;
}

static int
purge_log(struct station *s, enum retention_reason why, const char *actor,
    int64_t erased, int64_t now, struct ferr *err)
{
	struct audit_event ev = {
		.kind = why == RETENTION_REMOTE ? AUDIT_REMOTE_WIPE :
		    AUDIT_PURGE_ALL,
		.actor = actor, .count = erased,
	};

	return audit_log(s->audit, &ev, now, err);
}

int
retention_purge_all(struct station *s, const char *certificate_path,
    int64_t now, const char *actor, enum retention_reason why,
    retention_progress_fn progress, void *pctx, char **cert_json,
    struct retention_purge_result *res, struct ferr *err)
{
	struct retention_purge_result none;
	const struct fulfil_config *cfg = s->cfg;
	struct purge_facts f;
	struct secret *sk = NULL;
	json_t *body = NULL, *doc = NULL;
	char path[PATH_MAX];
	int r, lock = -1;

	if (res == NULL)
		res = &none;
	memset(res, 0, sizeof *res);
	memset(&f, 0, sizeof f);
	if (cert_json != NULL)
		*cert_json = NULL;
	if (why != RETENTION_MANUAL && why != RETENTION_REMOTE) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("purge --all is manual or remote, not %s"),
		    retention_reason_name(why));
		goto out;
	}
	if (sqlite3_get_autocommit(store_db(s->store)) == 0) {
		r = ferr_set(err, FULFIL_ESTATE,
		    _("purge --all cannot run inside a transaction"));
		goto out;
	}
	/* No rotation may move key files while they are destroyed. */
	if ((r = retention_dir_lock(cfg->cache.dir, true, &lock, err)) != 0)
		goto out;
	purge_progress(progress, pctx, 1, _("signing the certificate"));
	if ((r = purge_gather(s, &f, err)) != 0 ||
	    (r = station_signing_key(s, &sk, f.pkhex, err)) != 0 ||
	    (r = purge_log(s, why, actor, f.erased, now, err)) != 0 ||
	    (r = store_meta_get(s->store, "audit_head", &f.head, err)) != 0)
		goto out;
	retention_crash_point();
	if ((body = purge_cert_body(cfg, &f, now, actor, why)) == NULL) {
		r = purge_nomem(err);
		goto out;
	}
	if ((r = purge_sign(body, sk, &doc, err)) != 0)
		goto out;
	secret_free(sk);
	sk = NULL;
	purge_progress(progress, pctx, 2, _("keeping the public key and the "
	    "audit anchor"));
	if ((r = purge_keep_files(cfg, &f, now, err)) != 0)
		goto out;
	retention_crash_point();
	if ((r = purge_path(cfg->cache.dir, RETENTION_PENDING_FILE, path,
	    sizeof path, err)) != 0 ||
	    (r = purge_write_json(path, doc, err)) != 0)
		goto out;
	retention_crash_point();
	/* From here on nothing opens: close before the files go. */
	audit_free(s->audit);
	s->audit = NULL;
	store_close(s->store);
	s->store = NULL;
	r = purge_finish(cfg, certificate_path, doc, cert_json, res, false,
	    progress, pctx, err);
out:
	secret_free(sk);
	free(f.head);
	json_decref(body);
	json_decref(doc);
	station_close(s);
	retention_dir_unlock(lock);
	return r;
}

static int
purge_load_json(const char *path, json_t **out, struct ferr *err)
{
	json_error_t jerr;

	*out = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (*out == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("%s: not valid JSON (line %d, column %d)"), path,
		    jerr.line, jerr.column);
	return 0;
}

int
retention_purge_resume(const struct fulfil_config *cfg,
    const char *certificate_path, retention_progress_fn progress, void *pctx,
    char **cert_json, struct retention_purge_result *res, struct ferr *err)
{
	struct retention_purge_result none;
	char path[PATH_MAX];
	json_t *doc = NULL;
	int r, lock = -1;

	if (res == NULL)
		res = &none;
	memset(res, 0, sizeof *res);
	if (cert_json != NULL)
		*cert_json = NULL;
	if (!retention_purge_pending(cfg))
		return ferr_set(err, FULFIL_ENOTFOUND,
		    _("no purge is pending in %s"), cfg->cache.dir);
	if ((r = retention_dir_lock(cfg->cache.dir, true, &lock, err)) != 0)
		return r;
	if ((r = purge_path(cfg->cache.dir, RETENTION_PENDING_FILE, path,
	    sizeof path, err)) != 0 ||
	    (r = purge_load_json(path, &doc, err)) != 0)
		goto out;
	if (!json_is_object(json_object_get(doc, "certificate"))) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("%s is not a pending certificate"), path);
		goto out;
	}
	purge_progress(progress, pctx, 2, _("finishing an interrupted purge"));
	r = purge_finish(cfg, certificate_path, doc, cert_json, res, true,
	    progress, pctx, err);
out:
	json_decref(doc);
	retention_dir_unlock(lock);
	return r;
}

/* ---- verification ------------------------------------------------------- */

static int
purge_station_pubkey(const struct fulfil_config *cfg, char hex[65],
    struct ferr *err)
{
	char path[PATH_MAX];
	const char *pk;
	json_t *v = NULL;
	int r;

	if (cfg == NULL || cfg->cache.dir == NULL)
		return ferr_set(err, FULFIL_ENOTFOUND,
		    _("no public key: give --pubkey"));
	if ((r = purge_path(cfg->cache.dir, RETENTION_PUBKEY_FILE, path,
	    sizeof path, err)) != 0)
		return r;
	if (access(path, F_OK) != 0)
		return ferr_set(err, FULFIL_ENOTFOUND,
		    _("%s does not exist: give the station's public key with "
		      "--pubkey"), path);
	if ((r = purge_load_json(path, &v, err)) != 0)
		return r;
	pk = json_string_value(json_object_get(v, "public_key"));
	if (pk == NULL || strlen(pk) != 64)
		r = ferr_set(err, FULFIL_EINVAL,
		    _("%s holds no Ed25519 public key"), path);
	else
		memcpy(hex, pk, 65);
	json_decref(v);
	return r;
}

int
retention_certificate_verify(const struct fulfil_config *cfg,
    const char *text, size_t len, const char *pubkey_hex, struct ferr *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	char pkhex[65];
	const char *sighex, *alg;
	json_error_t jerr;
	json_t *doc, *cert;
	char *canon = NULL;
	size_t n;
	int r;

	if (len > CERT_MAX)
		return ferr_set(err, FULFIL_EINVAL,
		    _("not a deletion certificate (too large)"));
	if ((doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("not a deletion certificate: invalid JSON at line %d, "
		      "column %d"), jerr.line, jerr.column);
	cert = json_object_get(doc, "certificate");
	sighex = json_string_value(json_object_get(doc, "signature"));
	alg = json_string_value(json_object_get(doc, "signature_alg"));
	if (!json_is_object(cert) || sighex == NULL || alg == NULL ||
	    strcmp(alg, "Ed25519") != 0 || json_object_size(doc) != 3 ||
	    strcmp(json_string_value(json_object_get(cert, "format")) ?
	    json_string_value(json_object_get(cert, "format")) : "",
	    CERT_FORMAT) != 0) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("not a deletion certificate of format %s"), CERT_FORMAT);
		goto out;
	}
	if (pubkey_hex != NULL)
		snprintf(pkhex, sizeof pkhex, "%s", pubkey_hex);
	else if ((r = purge_station_pubkey(cfg, pkhex, err)) != 0)
		goto out;
	if (sodium_hex2bin(pk, sizeof pk, pkhex, strlen(pkhex), NULL, &n,
	    NULL) != 0 || n != sizeof pk) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("the public key is not 64 hex digits"));
		goto out;
	}
	if (sodium_hex2bin(sig, sizeof sig, sighex, strlen(sighex), NULL, &n,
	    NULL) != 0 || n != sizeof sig) {
		r = ferr_set(err, FULFIL_ECRYPTO,
		    _("the signature is malformed"));
		goto out;
	}
	if ((canon = purge_canonical(cert)) == NULL) {
		r = purge_nomem(err);
		goto out;
	}
	if (crypto_sign_verify_detached(sig, (const unsigned char *)canon,
	    strlen(canon), pk) != 0) {
		r = ferr_set(err, FULFIL_ECRYPTO,
		    _("the signature does not match: the certificate was "
		      "altered or signed by another station"));
		goto out;
	}
	r = 0;
out:
	free(canon);
	json_decref(doc);
	return r;
}
