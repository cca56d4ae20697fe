/*
 * station: opening a station's cache for work (see station.h).
 *
 * Owns the order of the start-up checks: configuration -> cipher -> KEK
 * (file safety) -> cache -> "is this the KEK the cache was made with".
 * The last check runs before anything is written, so a wrong key can
 * never add data the right key cannot read. Also owns the station's
 * identity: its random id and its Ed25519 signing key (sealed under the
 * KEK; used for deletion certificates). Opens the audit log with the
 * station, in the same mode, prunes it on writable opens and records
 * station-init; names the OS user running the program, whom fulfilctl
 * records as the actor. Never handles order data.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "crypto.h"
#include "ferr.h"
#include "i18n.h"
#include "policy.h"
#include "retention.h"
#include "secret.h"
#include "station.h"
#include "orders.h"
#include "store.h"

_Static_assert(STATION_USER_MAX == POLICY_LOGIN_NAME_MAX + 1,
    "STATION_USER_MAX holds a login name and its NUL");

#define KEK_CHECK_ID "kek-check"
#define KEK_CHECK_TEXT "fulfil kek check v1"
#define SIGNING_KEY_ID "station-signing-key"

static int
station_hex_decode(const char *hex, unsigned char *out, size_t max, size_t *len)
{
	if (sodium_hex2bin(out, max, hex, strlen(hex), NULL, len, NULL) != 0)
		return FULFIL_EINVAL;
	return 0;
}

/* Is the KEK the one the cache was made with? FULFIL_ENOTFOUND: no check yet. */
static int
station_check_kek(struct store *st, const struct kek *kek, struct ferr *err)
{
	unsigned char blob[sizeof KEK_CHECK_TEXT + CRYPTO_SEAL_OVERHEAD];
	struct secret *pt = NULL;
	char *hex = NULL;
	size_t len;
	int r;

	if ((r = store_meta_get(st, "kek_check", &hex, err)) != 0)
		return r;
	if (hex == NULL)
		return FULFIL_ENOTFOUND;
	if (station_hex_decode(hex, blob, sizeof blob, &len) != 0) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("the cache's key check value is malformed"));
		goto out;
	}
	if ((pt = secret_new(sizeof KEK_CHECK_TEXT)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if (crypto_kek_open(kek, KEK_CHECK_ID, blob, len, pt, NULL) != 0 ||
	    pt->len != sizeof KEK_CHECK_TEXT - 1 ||
	    memcmp(pt->data, KEK_CHECK_TEXT, pt->len) != 0) {
		r = ferr_set(err, FULFIL_EKEY,
		    _("the key (epoch %u) is not the key this cache was created "
		      "with; nothing was changed"), crypto_kek_epoch(kek));
		goto out;
	}
	r = 0;
out:
	secret_free(pt);
	free(hex);
	return r;
}

int
station_kek_opens(struct store *st, const struct kek *kek, struct ferr *err)
{
	return station_check_kek(st, kek, err);
}

static int
station_meta_set_sealed(struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, const char *key, const char *id,
    const unsigned char *pt, size_t ptlen, struct ferr *err)
{
	unsigned char blob[256 + CRYPTO_SEAL_OVERHEAD];
	char hex[2 * sizeof blob + 1];
	size_t len;
	int r;

	if (ptlen > 256)
		return ferr_set(err, FULFIL_EINVAL, _("station secret too large"));
	if ((r = crypto_kek_seal(kek, cipher, id, pt, ptlen, blob, &len, err)) != 0)
		return r;
	sodium_bin2hex(hex, sizeof hex, blob, len);
	return store_meta_set(st, key, hex, err);
}

int
station_secret_get(struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, const char *name, bool create,
    struct secret **out, struct ferr *err)
{
	unsigned char blob[CRYPTO_KEY_BYTES + CRYPTO_SEAL_OVERHEAD];
	struct secret *sec = NULL;
	char *hex = NULL;
	size_t len;
	int r;

	*out = NULL;
	if ((sec = secret_new(CRYPTO_KEY_BYTES)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	if ((r = store_meta_get(st, name, &hex, err)) != 0)
		goto out;
	if (hex == NULL) {
		if (!create) {
			r = ferr_set(err, FULFIL_ENOTFOUND,
			    _("station secret '%s' does not exist"), name);
			goto out;
		}
		randombytes_buf(sec->data, CRYPTO_KEY_BYTES);
		sec->len = CRYPTO_KEY_BYTES;
		if ((r = station_meta_set_sealed(st, kek, cipher, name, name,
		    sec->data, sec->len, err)) != 0)
			goto out;
	} else {
		if (station_hex_decode(hex, blob, sizeof blob, &len) != 0) {
			r = ferr_set(err, FULFIL_EINVAL,
			    _("station secret '%s' is malformed"), name);
			goto out;
		}
		if ((r = crypto_kek_open(kek, name, blob, len, sec, err)) != 0)
			goto out;
		if (sec->len != CRYPTO_KEY_BYTES) {
			r = ferr_set(err, FULFIL_EINVAL,
			    _("station secret '%s' has the wrong length"), name);
			goto out;
		}
	}
	*out = sec;
	sec = NULL;
out:
	secret_free(sec);
	free(hex);
	return r;
}

static int
station_make_identity(struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, struct station_init_result *res, struct ferr *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char id[16];
	char pkhex[2 * sizeof pk + 1], idhex[2 * sizeof id + 1], now[32];
	struct secret *sk = NULL;
	char *have = NULL;
	int r;

	if ((r = store_meta_get(st, "station_id", &have, err)) != 0)
		return r;
	if (have == NULL) {
		randombytes_buf(id, sizeof id);
		sodium_bin2hex(idhex, sizeof idhex, id, sizeof id);
		if ((r = store_meta_set(st, "station_id", idhex, err)) != 0)
			return r;
		snprintf(now, sizeof now, "%lld", (long long)time(NULL));
		if ((r = store_meta_set(st, "created_at", now, err)) != 0)
			return r;
		snprintf(res->station_id, sizeof res->station_id, "%s", idhex);
	} else {
		snprintf(res->station_id, sizeof res->station_id, "%s", have);
		free(have);
		have = NULL;
	}

	if ((r = store_meta_get(st, "signing_pk", &have, err)) != 0)
		return r;
	if (have != NULL) {
		free(have);
		return 0;
	}
	if ((sk = secret_new(crypto_sign_SECRETKEYBYTES)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	crypto_sign_keypair(pk, sk->data);
	sk->len = crypto_sign_SECRETKEYBYTES;
	r = station_meta_set_sealed(st, kek, cipher, "signing_sk", SIGNING_KEY_ID,
	    sk->data, sk->len, err);
	secret_free(sk);
	if (r != 0)
		return r;
	sodium_bin2hex(pkhex, sizeof pkhex, pk, sizeof pk);
	if ((r = store_meta_set(st, "signing_pk", pkhex, err)) != 0)
		return r;
	res->created_signing_key = true;
	return 0;
}

int
station_os_user(char out[STATION_USER_MAX], struct ferr *err)
{
	struct passwd pw, *found = NULL;
	uid_t uid = geteuid();
	long max = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len = max > 0 ? (size_t)max : 16384;
	char *buf;
	int r;

	out[0] = '\0';
	if ((buf = malloc(len)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	r = getpwuid_r(uid, &pw, buf, len, &found);
	if (r != 0 || found == NULL || pw.pw_name == NULL ||
	    policy_login_name_check(pw.pw_name, NULL) != 0) {
		r = ferr_set(err, FULFIL_EPERM, _("the user running this "
		    "(uid %lu) has no login name fulfil accepts, so the audit "
		    "log cannot name who acted"), (unsigned long)uid);
		goto out;
	}
	snprintf(out, STATION_USER_MAX, "%s", pw.pw_name);
	r = 0;
out:
	free(buf);
	return r;
}

/* Log station-init for actor, inside the caller's transaction. */
static int
station_audit_init(const struct fulfil_config *cfg, struct store *st,
    const struct kek *kek, const char *actor, struct ferr *err)
{
	struct audit_event ev = {
		.kind = AUDIT_STATION_INIT, .actor = actor, .count = -1,
	};
	struct audit *au = NULL;
	int r;

	if ((r = audit_new(st, kek, STATION_SOURCE_CTL, cfg, false, &au,
	    err)) != 0)
		return r;
	r = audit_log(au, &ev, (int64_t)time(NULL), err);
	audit_free(au);
	return r;
}

int
station_init(const struct fulfil_config *cfg, struct station_init_result *res,
    struct ferr *err)
{
	struct station_init_result none = { 0 };
	struct kek *kek = NULL;
	struct store *st = NULL;
	enum fulfil_cipher cipher;
	struct stat sb;
	char *dbpath = NULL, *spec = NULL, actor[STATION_USER_MAX];
	bool in_tx = false, need_check;
	int r;

	*res = none;
	if ((r = crypto_cipher_resolve(cfg->cache.cipher, &cipher, err)) != 0)
		return r;
	if ((r = station_os_user(actor, err)) != 0)
		return r;
	if (retention_purge_pending(cfg))
		return ferr_set(err, FULFIL_ESTATE, _("a purge --all of %s was "
		    "interrupted; run 'fulfilctl purge --all --certificate "
		    "FILE' to finish it before a new init"), cfg->cache.dir);
	/* A rotation a crash interrupted is finished or rolled back first. */
	if ((r = retention_rekey_recover(cfg, false, &spec, err)) != 0)
		return r;
	free(spec);

	if (!crypto_kek_spec_is_credential(cfg->cache.key) &&
	    lstat(cfg->cache.key, &sb) != 0) {
		if (errno != ENOENT)
			return ferr_set(err, FULFIL_EIO, _("key file %s: %s"),
			    cfg->cache.key, strerror(errno));
		if ((r = crypto_kek_create(cfg->cache.key, 1, err)) != 0)
			return r;
		res->created_key = true;
	}
	if ((r = crypto_kek_load(cfg->cache.key, &kek, err)) != 0)
		return r;

	res->created_dir = lstat(cfg->cache.dir, &sb) != 0 && errno == ENOENT;
	if (asprintf(&dbpath, "%s/%s", cfg->cache.dir, STORE_DB_NAME) < 0) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	res->created_db = lstat(dbpath, &sb) != 0;
	if ((r = store_open(cfg->cache.dir, STORE_CREATE, &st, err)) != 0)
		goto out;

	/* Check the key before any write: a wrong KEK adds nothing. */
	r = station_check_kek(st, kek, err);
	if (r != 0 && r != FULFIL_ENOTFOUND)
		goto out;
	need_check = r == FULFIL_ENOTFOUND;
	if ((r = store_begin(st, err)) != 0)
		goto out;
	in_tx = true;
	if (need_check && (r = station_meta_set_sealed(st, kek, cipher,
	    "kek_check", KEK_CHECK_ID, (const unsigned char *)KEK_CHECK_TEXT,
	    sizeof KEK_CHECK_TEXT - 1, err)) != 0)
		goto out;
	if ((r = station_make_identity(st, kek, cipher, res, err)) != 0)
		goto out;
	if ((res->created_dir || res->created_key || res->created_db ||
	    res->created_signing_key) &&
	    (r = station_audit_init(cfg, st, kek, actor, err)) != 0)
		goto out;
	if ((r = store_commit(st, err)) != 0)
		goto out;
	in_tx = false;
out:
	if (in_tx)
		store_rollback(st);
	store_close(st);
	crypto_kek_free(kek);
	free(dbpath);
	return r;
}

int
station_open(const struct fulfil_config *cfg, bool readonly,
    struct station **out, struct ferr *err)
{
	return station_open_as(cfg, STATION_SOURCE_CTL, readonly, out, err);
}

int
station_open_as(const struct fulfil_config *cfg, const char *source,
    bool readonly, struct station **out, struct ferr *err)
{
	struct station *s;
	struct ferr perr;
	char *spec = NULL;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	s->cfg = cfg;
	if ((r = crypto_cipher_resolve(cfg->cache.cipher, &s->cipher, err)) != 0)
		goto fail;
	if (retention_purge_pending(cfg)) {
		r = ferr_set(err, FULFIL_ESTATE, _("a purge --all of %s was "
		    "interrupted; nothing here opens any more: run 'fulfilctl "
		    "purge --all --certificate FILE' to finish it"),
		    cfg->cache.dir);
		goto fail;
	}
	/* A rotation a crash interrupted is finished or rolled back first. */
	if ((r = retention_rekey_recover(cfg, readonly, &spec, err)) != 0)
		goto fail;
	r = crypto_kek_load(spec != NULL ? spec : cfg->cache.key, &s->kek,
	    err);
	free(spec);
	if (r != 0)
		goto fail;
	if ((r = store_open(cfg->cache.dir,
	    readonly ? STORE_READONLY : 0, &s->store, err)) != 0) {
		if (r == FULFIL_ENOTFOUND)
			ferr_set(err, r, _("no cache in %s; run 'fulfilctl init' "
			    "first"), cfg->cache.dir);
		goto fail;
	}
	if ((r = station_check_kek(s->store, s->kek, err)) != 0) {
		if (r == FULFIL_ENOTFOUND)
			r = ferr_set(err, FULFIL_ESTATE, _("the cache in %s is not "
			    "initialised; run 'fulfilctl init' first"),
			    cfg->cache.dir);
		goto fail;
	}
	if ((r = audit_new(s->store, s->kek, source, cfg, readonly,
	    &s->audit, err)) != 0)
		goto fail;
	/* A break in the part to prune keeps every row, as evidence. */
	if (!readonly && (r = audit_prune(s->audit, (int64_t)time(NULL), NULL,
	    &perr)) != 0 && r != FULFIL_ECRYPTO) {
		if (err != NULL)
			*err = perr;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	station_close(s);
	return r;
}

void
station_close(struct station *s)
{
	if (s == NULL)
		return;
	audit_free(s->audit);
	store_close(s->store);
	crypto_kek_free(s->kek);
	free(s);
}

int
station_outbox_depth(struct station *s, int64_t *n, struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	*n = -1;
	if ((q = store_stmt(s->store, "SELECT count(*) FROM outbox",
	    err)) == NULL)
		return FULFIL_EDB;
	if (sqlite3_step(q) == SQLITE_ROW)
		*n = sqlite3_column_int64(q, 0);
	else
		r = store_error(s->store, err, _("counting the outbox"));
	sqlite3_reset(q);
	return r;
}

int
station_last_sync(struct station *s, int64_t *t, struct ferr *err)
{
	char *v = NULL;
	int r;

	*t = -1;
	if ((r = store_meta_get(s->store, "last_sync", &v, err)) != 0)
		return r;
	if (v != NULL)
		*t = strtoll(v, NULL, 10);
	free(v);
	return 0;
}

int
station_status(struct station *s, int64_t now, struct station_status *out,
    struct ferr *err)
{
	char *v = NULL;
	int r;

	memset(out, 0, sizeof *out);
	out->cipher = s->cipher;
	out->key_epoch = crypto_kek_epoch(s->kek);
	out->schema = store_schema_version(s->store);
	out->last_sync = -1;
	if ((r = orders_counts(s->store, now, &out->counts, err)) != 0 ||
	    (r = station_outbox_depth(s, &out->outbox, err)) != 0)
		return r;
	if ((r = store_meta_get(s->store, "station_id", &v, err)) != 0)
		return r;
	snprintf(out->station_id, sizeof out->station_id, "%s", v ? v : "");
	free(v);
	return station_last_sync(s, &out->last_sync, err);
}

int
station_verify_orders(struct station *s, station_bad_fn bad, void *ctx,
    size_t *checked, size_t *failed, struct ferr *err)
{
	sqlite3_stmt *q;
	struct ferr oerr;
	char **ids = NULL;
	size_t n = 0, cap = 0, i;
	int r = 0, step;

	*checked = *failed = 0;
	/* Collect ids first: orders_find uses the same connection. */
	if ((q = store_stmt(s->store,
	    "SELECT id FROM orders WHERE sealed IS NOT NULL ORDER BY id",
	    err)) == NULL)
		return FULFIL_EDB;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == cap) {
			char **grown;

			cap = cap ? cap * 2 : 256;
			if ((grown = realloc(ids, cap * sizeof *ids)) == NULL) {
				r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
				goto out;
			}
			ids = grown;
		}
		if ((ids[n] = strdup((const char *)sqlite3_column_text(q, 0))) ==
		    NULL) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			goto out;
		}
		n++;
	}
	if (step != SQLITE_DONE) {
		r = store_error(s->store, err, _("listing orders"));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct order *o = NULL;

		(*checked)++;
		if (orders_find(s->store, s->kek, ids[i], &o, &oerr) != 0) {
			(*failed)++;
			if (bad != NULL)
				bad(ctx, ids[i], &oerr);
		}
		order_free(o);
	}
out:
	sqlite3_reset(q);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return r;
}

/* The id a meta key's sealed value is bound to (see station_init). */
static const char *
station_sealed_id(const char *key)
{
	if (strcmp(key, "kek_check") == 0)
		return KEK_CHECK_ID;
	if (strcmp(key, "signing_sk") == 0)
		return SIGNING_KEY_ID;
	return key;
}

struct station_meta_row {
	char *key;
	unsigned char *blob;
	size_t len;
};

static void
station_meta_rows_free(struct station_meta_row *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].blob);
	}
	free(v);
}

/* The meta rows whose value is a hex-encoded sealed value. */
static int
station_sealed_rows(struct store *st, struct station_meta_row **out,
    size_t *n, struct ferr *err)
{
	struct station_meta_row *v = NULL;
	sqlite3_stmt *q;
	size_t cap = 0, len;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((q = store_stmt(st, "SELECT key, value FROM meta ORDER BY key",
	    err)) == NULL)
		return FULFIL_EDB;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(q, 0);
		const char *hex = (const char *)sqlite3_column_text(q, 1);
		size_t hlen = hex != NULL ? strlen(hex) : 0;
		unsigned char *blob;

		if (key == NULL || hlen < 8 || hlen % 2 != 0 ||
		    strncmp(hex, "46554c53", 8) != 0)	/* "FULS" */
			continue;
		if ((blob = malloc(hlen / 2)) == NULL) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			break;
		}
		if (station_hex_decode(hex, blob, hlen / 2, &len) != 0 ||
		    crypto_sealed_info(blob, len, NULL, NULL) != 0) {
			free(blob);
			continue;
		}
		if (*n == cap) {
			struct station_meta_row *g;

			cap = cap ? cap * 2 : 8;
			if ((g = realloc(v, cap * sizeof *v)) == NULL) {
				free(blob);
				r = ferr_set(err, FULFIL_ENOMEM,
				    _("out of memory"));
				break;
			}
			v = g;
		}
		v[*n].blob = blob;
		v[*n].len = len;
		if ((v[*n].key = strdup(key)) == NULL) {
			free(blob);
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			break;
		}
		(*n)++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(st, err, _("reading the meta table"));
	sqlite3_reset(q);
	if (r != 0) {
		station_meta_rows_free(v, *n);
		*n = 0;
		return r;
	}
	*out = v;
	return 0;
}

int
station_reseal_secrets(struct store *st, const struct kek *old,
    const struct kek *new, enum fulfil_cipher cipher, size_t *count,
    struct ferr *err)
{
	struct station_meta_row *v = NULL;
	struct secret *pt = NULL;
	size_t n = 0, i;
	int r;

	*count = 0;
	if ((r = station_sealed_rows(st, &v, &n, err)) != 0)
		return r;
	if ((pt = secret_new(256)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *id = station_sealed_id(v[i].key);

		if ((r = crypto_kek_open(old, id, v[i].blob, v[i].len, pt,
		    err)) != 0) {
			ferr_prefix(err, _("station secret '%s'"), v[i].key);
			goto out;
		}
		if ((r = station_meta_set_sealed(st, new, cipher, v[i].key, id,
		    pt->data, pt->len, err)) != 0)
			goto out;
		secret_clear(pt);
		(*count)++;
	}
out:
	secret_free(pt);
	station_meta_rows_free(v, n);
	return r;
}

int
station_signing_key(struct station *s, struct secret **sk, char pkhex[65],
    struct ferr *err)
{
	unsigned char blob[crypto_sign_SECRETKEYBYTES + CRYPTO_SEAL_OVERHEAD];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	struct secret *k = NULL;
	char *hex = NULL;
	size_t len;
	int r;

	*sk = NULL;
	pkhex[0] = '\0';
	if ((r = store_meta_get(s->store, "signing_sk", &hex, err)) != 0)
		return r;
	if (hex == NULL)
		return ferr_set(err, FULFIL_ENOTFOUND,
		    _("the station has no signing key; run 'fulfilctl init'"));
	if (station_hex_decode(hex, blob, sizeof blob, &len) != 0) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("the station's signing key is malformed"));
		goto out;
	}
	if ((k = secret_new(crypto_sign_SECRETKEYBYTES)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if ((r = crypto_kek_open(s->kek, SIGNING_KEY_ID, blob, len, k,
	    err)) != 0)
		goto out;
	if (k->len != crypto_sign_SECRETKEYBYTES) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("the station's signing key has the wrong length"));
		goto out;
	}
	crypto_sign_ed25519_sk_to_pk(pk, k->data);
	sodium_bin2hex(pkhex, 65, pk, sizeof pk);
	*sk = k;
	k = NULL;
out:
	secret_free(k);
	free(hex);
	return r;
}
