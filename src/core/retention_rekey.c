/*
 * retention_rekey: key epochs. Rotates the key-encryption key: a new key
 * file next to the old one, every live DEK re-wrapped and every station
 * secret re-sealed under it in one transaction, then the old key
 * overwritten and replaced. Also finishes or rolls back a rotation a crash
 * interrupted (see doc/crypto-format.md, "Key rotation").
 *
 * Owns the files <key>.new (the next epoch's key while a rotation runs)
 * and the meta keys kek_epoch, kek_epoch_at and rekey. The state on disk
 * decides everything: whichever key opens the cache's key check is the
 * key in force; a rotation never deletes a key file before the cache
 * opens with the other one.
 *
 * Must never: lose a live order (every DEK is re-wrapped before the old
 * key goes), leave two valid keys after a writable open, touch a
 * credential: key (systemd owns it), or unwrap anything but DEKs and
 * station secrets (order data stays sealed under its own DEK).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "crypto.h"
#include "ferr.h"
#include "fileio.h"
#include "i18n.h"
#include "retention.h"
#include "retention_files.h"
#include "secret.h"
#include "station.h"
#include "store.h"

#define NEW_SUFFIX ".new"

static int
rekey_new_path(const char *key, char *buf, size_t len, struct ferr *err)
{
	if ((size_t)snprintf(buf, len, "%s%s", key, NEW_SUFFIX) >= len)
		return ferr_set(err, FULFIL_ECONFIG,
		    _("key file path is too long"));
	return 0;
}

static bool
rekey_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* ---- the rotation ------------------------------------------------------- */

struct rekey_row {
	char *id;
	unsigned char *dek;
	size_t len;
};

static void
rekey_rows_free(struct rekey_row *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].dek);
	}
	free(v);
}

/* Every live wrapped DEK (not secret: wrapped) into memory. */
static int
rekey_collect(struct store *st, struct rekey_row **out, size_t *n,
    struct ferr *err)
{
	struct rekey_row *v = NULL;
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((q = store_stmt(st, "SELECT id, dek FROM orders"
	    " WHERE dek IS NOT NULL ORDER BY id", err)) == NULL)
		return FULFIL_EDB;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(q, 1);

		if (*n == cap) {
			struct rekey_row *g;

			cap = cap ? cap * 2 : 256;
			if ((g = realloc(v, cap * sizeof *v)) == NULL) {
				r = ferr_set(err, FULFIL_ENOMEM,
				    _("out of memory"));
				break;
			}
			v = g;
		}
		v[*n].id = strdup((const char *)sqlite3_column_text(q, 0));
		v[*n].dek = malloc(len ? len : 1);
		v[*n].len = len;
		if (v[*n].id == NULL || v[*n].dek == NULL) {
			free(v[*n].id);
			free(v[*n].dek);
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			break;
		}
		memcpy(v[*n].dek, sqlite3_column_blob(q, 1), len);
		(*n)++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(st, err, _("listing data keys"));
	sqlite3_reset(q);
	if (r != 0) {
		rekey_rows_free(v, *n);
		*n = 0;
		return r;
	}
	*out = v;
	return 0;
}

static const char sql_rewrap[] =
    "UPDATE orders SET dek = ?2, epoch = ?3 WHERE id = ?1";

/* Re-wrap every live DEK from old to new (inside the transaction). */
static int
rekey_rewrap(struct station *s, const struct kek *nk, size_t *count,
    struct ferr *err)
{
	unsigned char out[CRYPTO_WRAPPED_DEK_MAX];
	struct rekey_row *v = NULL;
	struct secret *dek = NULL;
	sqlite3_stmt *q;
	size_t n = 0, i, outlen;
	int r;

	*count = 0;
	if ((r = rekey_collect(s->store, &v, &n, err)) != 0)
		return r;
	if ((dek = secret_new(CRYPTO_KEY_BYTES)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = crypto_dek_unwrap(s->kek, v[i].id, v[i].dek, v[i].len,
		    dek, err)) != 0) {
			ferr_prefix(err, _("order %s"), v[i].id);
			goto out;
		}
		r = crypto_dek_wrap(nk, s->cipher, dek, v[i].id, out, &outlen,
		    err);
		secret_clear(dek);
		if (r != 0)
			goto out;
		if ((q = store_stmt(s->store, sql_rewrap, err)) == NULL) {
			r = FULFIL_EDB;
			goto out;
		}
		sqlite3_bind_text(q, 1, v[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 2, out, (int)outlen, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)crypto_kek_epoch(nk));
		r = sqlite3_step(q) == SQLITE_DONE ? 0 :
		    store_error(s->store, err, _("re-wrapping a data key"));
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
		if (r != 0)
			goto out;
		(*count)++;
		retention_crash_point();
	}
out:
	sodium_memzero(out, sizeof out);
	secret_free(dek);
	rekey_rows_free(v, n);
	return r;
}

static int
rekey_meta_int(struct store *st, const char *key, int64_t v,
    struct ferr *err)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" PRId64, v);
	return store_meta_set(st, key, buf, err);
}

/* The one transaction: DEKs, secrets, the epoch in force. */
static int
rekey_commit(struct station *s, const struct kek *nk, int64_t now,
    struct ferr *err)
{
	size_t deks, secrets;
	int r;

	if ((r = store_begin(s->store, err)) != 0)
		return r;
	if ((r = rekey_meta_int(s->store, "rekey", crypto_kek_epoch(nk),
	    err)) != 0 ||
	    (r = rekey_rewrap(s, nk, &deks, err)) != 0 ||
	    (r = station_reseal_secrets(s->store, s->kek, nk, s->cipher,
	    &secrets, err)) != 0 ||
	    (r = rekey_meta_int(s->store, "kek_epoch", crypto_kek_epoch(nk),
	    err)) != 0 ||
	    (r = rekey_meta_int(s->store, "kek_epoch_at", now, err)) != 0) {
		store_rollback(s->store);
		return r;
	}
	retention_crash_point();
	return store_commit(s->store, err);
}

/* After the commit: the old key goes, the new one takes its name. */
static int
rekey_swap_files(const char *key, const char *newpath, struct ferr *err)
{
	int r;

	if (rekey_exists(key)) {
		if ((r = retention_file_overwrite(key, err)) != 0)
			return r;
		retention_crash_point();
	}
	if (rename(newpath, key) != 0)
		return ferr_set(err, FULFIL_EIO, _("cannot rename %s to %s: %s"),
		    newpath, key, strerror(errno));
	retention_crash_point();
	if ((r = fileio_fsync_dir(key, err)) != 0)
		return r;
	retention_crash_point();
	return 0;
}

static int
rekey_finish_meta(struct store *st, struct audit *au, int kind,
    const char *actor, int64_t count, int result, int64_t now,
    struct ferr *err)
{
	struct audit_event ev = {
		.kind = kind, .actor = actor, .count = count, .result = result,
	};
	int r;

	if ((r = store_begin(st, err)) != 0)
		return r;
	if ((r = store_meta_set(st, "rekey", NULL, err)) != 0 ||
	    (au != NULL && (r = audit_log(au, &ev, now, err)) != 0)) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, err);
}

static int rekey_locked(struct station *s, const char *actor, int64_t now,
    const char *newpath, struct ferr *err);

int
retention_rekey(struct station *s, const char *actor, int64_t now,
    struct ferr *err)
{
	const char *key = s->cfg->cache.key;
	char newpath[PATH_MAX];
	int r, lock;

	if (crypto_kek_spec_is_credential(key))
		return ferr_set(err, FULFIL_EPERM,
		    _("the key is a systemd credential (%s): fulfil cannot "
		      "replace it; rotate it with systemd-creds and restart "
		      "the service (see doc/security.md)"), key);
	if (sqlite3_get_autocommit(store_db(s->store)) == 0)
		return ferr_set(err, FULFIL_ESTATE,
		    _("a key rotation cannot run inside a transaction"));
	if ((r = rekey_new_path(key, newpath, sizeof newpath, err)) != 0)
		return r;
	if ((r = retention_dir_lock(s->cfg->cache.dir, false, &lock,
	    err)) != 0)
		return r;
	r = rekey_locked(s, actor, now, newpath, err);
	retention_dir_unlock(lock);
	return r;
}

/* The rotation itself, under the lock. */
static int
rekey_locked(struct station *s, const char *actor, int64_t now,
    const char *newpath, struct ferr *err)
{
	const char *key = s->cfg->cache.key;
	struct kek *nk = NULL;
	char fpr_old[65], fpr_new[65];
	int r, rc;

	if (rekey_exists(newpath))
		return ferr_set(err, FULFIL_ESTATE,
		    _("%s exists: an earlier rotation did not finish; open "
		      "the station writable (any fulfilctl command that "
		      "changes it) to finish it first"), newpath);
	if (crypto_kek_epoch(s->kek) == UINT32_MAX)
		return ferr_set(err, FULFIL_ESTATE,
		    _("the key epoch cannot grow any further"));
	if ((r = crypto_kek_create(newpath, crypto_kek_epoch(s->kek) + 1,
	    err)) != 0)
		return r;
	retention_crash_point();
	if ((r = crypto_kek_load(newpath, &nk, err)) != 0)
		goto undo;
	crypto_kek_fingerprint(s->kek, fpr_old);
	crypto_kek_fingerprint(nk, fpr_new);
	if (strcmp(fpr_old, fpr_new) == 0) {
		r = ferr_set(err, FULFIL_ECRYPTO,
		    _("the new key equals the old one"));
		goto undo;
	}
	if ((r = rekey_commit(s, nk, now, err)) != 0) {
		/*
		 * A commit that failed in its last write may still have
		 * landed: the key check decides, never the return code.
		 */
		if (station_kek_opens(s->store, nk, NULL) != 0)
			goto undo;
		ferr_clear(err);
	}
	retention_crash_point();
	/* From here on the cache opens only with nk: go forward. */
	if ((r = rekey_swap_files(key, newpath, err)) != 0)
		goto out;
	crypto_kek_free(s->kek);
	s->kek = nk;
	nk = NULL;
	/* A reader elsewhere may hold the WAL: the rotation stands anyway. */
	rc = store_checkpoint(s->store, err);
	retention_crash_point();
	if ((r = rekey_finish_meta(s->store, s->audit, AUDIT_KEY_ROTATED,
	    actor, (int64_t)crypto_kek_epoch(s->kek), 0, now, err)) == 0 &&
	    rc != 0)
		r = ferr_prefix(err, _("the key was rotated, but"));
	retention_crash_point();
	goto out;
undo:
	/* Nothing was committed under the new key: it goes. */
	(void)retention_file_destroy(newpath, NULL);
out:
	crypto_kek_free(nk);
	return r;
}

/* ---- epochs ------------------------------------------------------------- */

int
retention_epoch_age(struct station *s, int64_t now, int64_t *age,
    struct ferr *err)
{
	char *v = NULL;
	int r;

	*age = -1;
	if ((r = store_meta_get(s->store, "kek_epoch_at", &v, err)) != 0)
		return r;
	if (v == NULL && (r = store_meta_get(s->store, "created_at", &v,
	    err)) != 0)
		return r;
	if (v != NULL) {
		int64_t at = strtoll(v, NULL, 10);

		*age = now > at ? now - at : 0;
	}
	free(v);
	return 0;
}

int
retention_rotate_if_due(struct station *s, const char *actor, int64_t now,
    bool *rotated, struct ferr *err)
{
	int64_t age;
	char *left = NULL;
	int r;

	*rotated = false;
	/* A rotation that committed but crashed before its last step. */
	if ((r = store_meta_get(s->store, "rekey", &left, err)) != 0)
		return r;
	if (left != NULL) {
		free(left);
		if ((r = rekey_finish_meta(s->store, s->audit,
		    AUDIT_REKEY_RECOVERED, NULL,
		    (int64_t)crypto_kek_epoch(s->kek), 0, now, err)) != 0)
			return r;
	}
	if (crypto_kek_spec_is_credential(s->cfg->cache.key))
		return 0;
	if ((r = retention_epoch_age(s, now, &age, err)) != 0)
		return r;
	if (age < 0 || age < s->cfg->cache.key_epoch)
		return 0;
	if ((r = retention_rekey(s, actor, now, err)) != 0)
		return r;
	*rotated = true;
	return 0;
}

int
retention_kek_refresh(struct station *s, bool *reloaded, struct ferr *err)
{
	struct kek *k = NULL;
	char *v = NULL, newpath[PATH_MAX];
	int64_t epoch;
	int r;

	*reloaded = false;
	if ((r = store_meta_get(s->store, "kek_epoch", &v, err)) != 0)
		return r;
	epoch = v != NULL ? strtoll(v, NULL, 10) : 0;
	free(v);
	if (epoch <= (int64_t)crypto_kek_epoch(s->kek))
		return 0;
	/* Mid-rotation elsewhere: the files are settled once K.new is gone. */
	if (crypto_kek_spec_is_credential(s->cfg->cache.key) ||
	    rekey_new_path(s->cfg->cache.key, newpath, sizeof newpath,
	    NULL) != 0 || rekey_exists(newpath))
		return 0;
	if ((r = crypto_kek_load(s->cfg->cache.key, &k, err)) != 0)
		return r;
	if ((r = station_kek_opens(s->store, k, err)) != 0) {
		crypto_kek_free(k);
		return r;
	}
	crypto_kek_free(s->kek);
	s->kek = k;
	*reloaded = true;
	return 0;
}

int
retention_upkeep(struct station *s, const char *actor, int64_t now,
    struct retention_stats *st, bool *rotated, struct ferr *err)
{
	bool reloaded, dummy;
	int r;

	if (rotated == NULL)
		rotated = &dummy;
	*rotated = false;
	if ((r = retention_kek_refresh(s, &reloaded, err)) != 0 ||
	    (r = retention_sweep(s, now, st, err)) != 0)
		return r;
	return retention_rotate_if_due(s, actor, now, rotated, err);
}

/* ---- recovery ----------------------------------------------------------- */

/* Log what recovery did, with the key now in force. */
static int
rekey_recover_log(const struct fulfil_config *cfg, struct store *st,
    const struct kek *k, int result, int64_t now, struct ferr *err)
{
	struct audit *au = NULL;
	int r;

	if ((r = audit_new(st, k, STATION_SOURCE_CTL, cfg, false, &au,
	    err)) != 0)
		return r;
	r = rekey_finish_meta(st, au, AUDIT_REKEY_RECOVERED, NULL,
	    (int64_t)crypto_kek_epoch(k), result, now, err);
	audit_free(au);
	return r;
}

int
retention_rekey_recover(const struct fulfil_config *cfg, bool readonly,
    char **spec_out, struct ferr *err)
{
	const char *key = cfg->cache.key;
	char newpath[PATH_MAX];
	struct kek *nk = NULL, *ok = NULL;
	struct store *st = NULL;
	bool forward;
	int r = 0, lock = -1;

	*spec_out = NULL;
	if (key == NULL || crypto_kek_spec_is_credential(key))
		return 0;
	if ((r = rekey_new_path(key, newpath, sizeof newpath, err)) != 0)
		return r;
	if (!rekey_exists(newpath))
		return 0;
	/* Wait for a rotation that is running; a dead one left no lock. */
	if (!readonly) {
		r = retention_dir_lock(cfg->cache.dir, true, &lock, err);
		if (r == FULFIL_ENOTFOUND)
			return 0;	/* no cache: station_open says so */
		if (r != 0)
			return r;
		if (!rekey_exists(newpath))
			goto out;	/* it finished meanwhile */
	}
	r = store_open(cfg->cache.dir, readonly ? STORE_READONLY : 0, &st,
	    err);
	if (r == FULFIL_ENOTFOUND) {
		r = 0;
		goto out;	/* no cache: station_open says so */
	}
	if (r != 0)
		goto out;
	/* A new key that does not load was never used: crash mid-write. */
	forward = crypto_kek_load(newpath, &nk, NULL) == 0 &&
	    station_kek_opens(st, nk, NULL) == 0;
	if (!forward && (crypto_kek_load(key, &ok, NULL) != 0 ||
	    station_kek_opens(st, ok, NULL) != 0)) {
		r = ferr_set(err, FULFIL_EKEY,
		    _("a key rotation was interrupted and neither %s nor %s "
		      "opens the cache; nothing was changed"), key, newpath);
		goto out;
	}
	if (readonly) {
		if (forward && (*spec_out = strdup(newpath)) == NULL)
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if (forward) {
		if ((r = rekey_swap_files(key, newpath, err)) != 0 ||
		    (r = store_checkpoint(st, err)) != 0 ||
		    (r = rekey_recover_log(cfg, st, nk, 0, time(NULL),
		    err)) != 0)
			goto out;
	} else {
		if ((r = retention_file_destroy(newpath, err)) != 0 ||
		    (r = rekey_recover_log(cfg, st, ok, FULFIL_ESTATE,
		    time(NULL), err)) != 0)
			goto out;
	}
out:
	store_close(st);
	crypto_kek_free(nk);
	crypto_kek_free(ok);
	retention_dir_unlock(lock);
	return r;
}
