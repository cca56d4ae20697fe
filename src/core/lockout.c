/*
 * lockout: the app's own account lockout (see lockout.h).
 *
 * Owns the lockout table of the cache and the station secret "name_key":
 * every login name, known or not, well-formed or not, is counted under
 * name_key = keyed BLAKE2b-256(name) with that secret, so a password
 * typed at the User: prompt never reaches the disk. Owns the rules: the
 * failure window, the lock, its expiry, the reset on success, the unlock,
 * the spray alert (deduplicated through the meta key "spray_alert_at"),
 * the lock for anomalous use (lockout_anomaly; its callers count the
 * events) and the pruning of stale rows.
 *
 * Must never: store a login name that the station does not know (in the
 * table, a message or the audit log), answer OPEN on an error
 * (lockout_state fails closed), change a row without its audit row in the
 * same transaction, or call PAM (fulfilctl links this module).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "ferr.h"
#include "i18n.h"
#include "lockout.h"
#include "policy.h"
#include "secret.h"
#include "station.h"
#include "store.h"

#define LOCKOUT_KEY_NAME "name_key"
#define LOCKOUT_KEY_BYTES 32
#define LOCKOUT_SPRAY_META "spray_alert_at"
/* Hex digits of the name key shown for names the station does not know. */
#define LOCKOUT_SHOWN_HEX 16

/* lockout.reason: why a row is locked (append only; stored). */
enum lockout_reason {
	LOCKOUT_REASON_NONE = 0,
	LOCKOUT_REASON_FAILURES = 1,	/* max_failures within the window */
	LOCKOUT_REASON_ANOMALY = 2,	/* anomalous use (lockout_anomaly) */
};

static const char sql_row[] =
    "SELECT failures, window_start, locked_until FROM lockout"
    " WHERE name_key = ?1";
static const char sql_locked_until[] =
    "SELECT locked_until FROM lockout WHERE name_key = ?1";
static const char sql_upsert[] =
    "INSERT INTO lockout (name_key, failures, window_start, last_failure,"
    " locked_until, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (name_key) DO UPDATE SET failures = excluded.failures,"
    " window_start = excluded.window_start,"
    " last_failure = excluded.last_failure,"
    " locked_until = excluded.locked_until, reason = excluded.reason";
static const char sql_anomaly[] =
    "INSERT INTO lockout (name_key, failures, window_start, last_failure,"
    " locked_until, reason) VALUES (?1, 0, ?2, ?2, ?3, ?4)"
    " ON CONFLICT (name_key) DO UPDATE SET"
    " last_failure = excluded.last_failure,"
    " reason = excluded.reason,"
    " locked_until = max(locked_until, excluded.locked_until)";
static const char sql_touch[] =
    "UPDATE lockout SET last_failure = ?2 WHERE name_key = ?1";
static const char sql_prune[] =
    "DELETE FROM lockout WHERE locked_until <= ?1 AND last_failure <= ?2";
static const char sql_recent[] =
    "SELECT count(*) FROM lockout WHERE last_failure > ?1";
static const char sql_success[] =
    "DELETE FROM lockout WHERE name_key = ?1 AND locked_until <= ?2";
static const char sql_unlock[] =
    "DELETE FROM lockout WHERE name_key = ?1 AND locked_until > ?2";
static const char sql_unlock_prefix[] =
    "DELETE FROM lockout WHERE substr(lower(hex(name_key)), 1, 16) = ?1"
    " AND locked_until > ?2";
static const char sql_count_locked[] =
    "SELECT count(*) FROM lockout WHERE locked_until > ?1";

static bool
lockout_readonly(struct station *s)
{
	return sqlite3_db_readonly(store_db(s->store), "main") == 1;
}

/*
 * Begin a transaction unless the caller already runs one (then the
 * caller commits, and our changes go with its audit rows). *own says
 * whether lockout_tx_end must commit.
 */
static int
lockout_tx_begin(struct station *s, bool *own, struct ferr *err)
{
	*own = sqlite3_get_autocommit(store_db(s->store)) != 0;
	return *own ? store_begin(s->store, err) : 0;
}

static int
lockout_tx_end(struct station *s, bool own, int r, struct ferr *err)
{
	if (!own)
		return r;
	if (r != 0) {
		store_rollback(s->store);
		return r;
	}
	return store_commit(s->store, err);
}

/*
 * The name key secret: created on first use (in a transaction of its own
 * when the caller runs none, so two processes cannot each make one),
 * FULFIL_ENOTFOUND when absent and the store is read-only.
 */
static int
lockout_secret(struct station *s, struct secret **key, struct ferr *err)
{
	bool own;
	int r;

	r = station_secret_get(s->store, s->kek, s->cipher, LOCKOUT_KEY_NAME,
	    false, key, err);
	if (r != FULFIL_ENOTFOUND || lockout_readonly(s))
		return r;
	ferr_clear(err);
	if ((r = lockout_tx_begin(s, &own, err)) != 0)
		return r;
	r = station_secret_get(s->store, s->kek, s->cipher, LOCKOUT_KEY_NAME,
	    true, key, err);
	if ((r = lockout_tx_end(s, own, r, err)) != 0) {
		secret_free(*key);
		*key = NULL;
	}
	return r;
}

/* out = keyed BLAKE2b-256 of name (any bytes: hostile names too). */
static int
lockout_name_key(struct station *s, const char *name,
    unsigned char out[LOCKOUT_KEY_BYTES], struct ferr *err)
{
	struct secret *key = NULL;
	int r;

	if (name == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("no login name given"));
	if ((r = lockout_secret(s, &key, err)) != 0)
		return r;
	if (crypto_generichash(out, LOCKOUT_KEY_BYTES,
	    (const unsigned char *)name, strlen(name), key->data,
	    key->len) != 0)
		r = ferr_set(err, FULFIL_ECRYPTO,
		    _("cannot hash a login name"));
	secret_free(key);
	return r;
}

static void
lockout_hex_name(const unsigned char key[LOCKOUT_KEY_BYTES], char out[33])
{
	char hex[LOCKOUT_KEY_BYTES * 2 + 1];

	sodium_bin2hex(hex, sizeof hex, key, LOCKOUT_KEY_BYTES);
	snprintf(out, 33, "#%.*s", LOCKOUT_SHOWN_HEX, hex);
}

/* The display name from a name and its key (already computed). */
static void
lockout_display(struct station *s, const char *name,
    const unsigned char key[LOCKOUT_KEY_BYTES], char out[33])
{
	if (policy_login_name_check(name, NULL) == 0 &&
	    policy_knows(s->store, name))
		snprintf(out, 33, "%s", name);
	else
		lockout_hex_name(key, out);
}

int
lockout_display_name(struct station *s, const char *name, char out[33],
    struct ferr *err)
{
	unsigned char key[LOCKOUT_KEY_BYTES];
	int r;

	out[0] = '\0';
	if ((r = lockout_name_key(s, name, key, err)) != 0)
		return r;
	lockout_display(s, name, key, out);
	return 0;
}

static int
lockout_audit(struct station *s, int kind, const char *actor,
    const char *subject, int64_t count, int result, int64_t now,
    struct ferr *err)
{
	struct audit_event ev = {
		.kind = kind,
		.actor = actor,
		.subject = subject,
		.count = count,
		.result = result,
	};

	if (s->audit == NULL)
		return ferr_set(err, FULFIL_ESTATE,
		    _("the audit log is not open"));
	return audit_log(s->audit, &ev, now, err);
}

int
lockout_state(struct station *s, const char *name, int64_t now,
    int64_t *locked_until)
{
	unsigned char key[LOCKOUT_KEY_BYTES];
	sqlite3_stmt *q;
	int rc, r;

	*locked_until = 0;
	r = lockout_name_key(s, name, key, NULL);
	if (r == FULFIL_ENOTFOUND)
		return LOCKOUT_OPEN;	/* no key yet: nothing counted */
	if (r != 0)
		return LOCKOUT_LOCKED;
	if ((q = store_stmt(s->store, sql_locked_until, NULL)) == NULL)
		return LOCKOUT_LOCKED;
	sqlite3_bind_blob(q, 1, key, sizeof key, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*locked_until = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	sodium_memzero(key, sizeof key);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return LOCKOUT_LOCKED;
	if (*locked_until > now)
		return LOCKOUT_LOCKED;
	*locked_until = 0;
	return LOCKOUT_OPEN;
}

/* Count the names failing within the window; alert once per window. */
static int
lockout_spray_check(struct station *s, int64_t now, bool *spray,
    struct ferr *err)
{
	int64_t window = s->cfg->auth.failure_window, n, at;
	sqlite3_stmt *q;
	char *v = NULL, buf[32];
	int r;

	if ((q = store_stmt(s->store, sql_recent, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, now - window);
	if (sqlite3_step(q) != SQLITE_ROW) {
		r = store_error(s->store, err, _("counting failed logins"));
		sqlite3_reset(q);
		return r;
	}
	n = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (n < LOCKOUT_SPRAY_NAMES)
		return 0;
	if ((r = store_meta_get(s->store, LOCKOUT_SPRAY_META, &v, err)) != 0)
		return r;
	at = v != NULL ? strtoll(v, NULL, 10) : 0;
	free(v);
	if (v != NULL && at <= now && now - at < window)
		return 0;	/* already raised in this window */
	if ((r = lockout_audit(s, AUDIT_SPRAY_ALERT, NULL, NULL, n, 0, now,
	    err)) != 0)
		return r;
	snprintf(buf, sizeof buf, "%lld", (long long)now);
	if ((r = store_meta_set(s->store, LOCKOUT_SPRAY_META, buf, err)) != 0)
		return r;
	*spray = true;
	return 0;
}

/* Forget rows that neither lock nor count any more. */
static int
lockout_prune(struct station *s, int64_t now, struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if ((q = store_stmt(s->store, sql_prune, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, now - s->cfg->auth.failure_window);
	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(s->store, err, _("pruning the lockout table"));
	sqlite3_reset(q);
	return r;
}

/* Count one failure of key; *failures and *locked_now say what it did. */
static int
lockout_count(struct station *s, const unsigned char *key, int64_t now,
    int64_t *failures, bool *locked_now, struct ferr *err)
{
	const struct fulfil_config *cfg = s->cfg;
	int64_t window_start = now, locked_until = 0;
	sqlite3_stmt *q;
	int rc, r = 0;

	*failures = 1;
	if ((q = store_stmt(s->store, sql_row, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_blob(q, 1, key, LOCKOUT_KEY_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*failures = sqlite3_column_int64(q, 0);
		window_start = sqlite3_column_int64(q, 1);
		locked_until = sqlite3_column_int64(q, 2);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(s->store, err,
		    _("reading the lockout table"));

	if (rc == SQLITE_ROW && locked_until > now) {
		/* Still locked (the caller did not ask first): just note it. */
		if ((q = store_stmt(s->store, sql_touch, err)) == NULL)
			return FULFIL_EDB;
		sqlite3_bind_blob(q, 1, key, LOCKOUT_KEY_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, now);
		if (sqlite3_step(q) != SQLITE_DONE)
			r = store_error(s->store, err,
			    _("writing the lockout table"));
		sqlite3_reset(q);
		return r;
	}
	if (rc == SQLITE_DONE || locked_until != 0 || window_start > now ||
	    now - window_start >= cfg->auth.failure_window) {
		/* A new window: first failure, or the last lock has passed. */
		*failures = 1;
		window_start = now;
	} else {
		(*failures)++;
	}
	locked_until = 0;
	if (*failures >= cfg->auth.max_failures) {
		locked_until = now + cfg->auth.lockout;
		*locked_now = true;
	}
	if ((q = store_stmt(s->store, sql_upsert, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_blob(q, 1, key, LOCKOUT_KEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, *failures);
	sqlite3_bind_int64(q, 3, window_start);
	sqlite3_bind_int64(q, 4, now);
	sqlite3_bind_int64(q, 5, locked_until);
	sqlite3_bind_int(q, 6, *locked_now ? LOCKOUT_REASON_FAILURES :
	    LOCKOUT_REASON_NONE);
	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(s->store, err, _("writing the lockout table"));
	sqlite3_reset(q);
	return r;
}

int
lockout_failure(struct station *s, const char *name, int64_t now,
    bool *locked_now, bool *spray, struct ferr *err)
{
	unsigned char key[LOCKOUT_KEY_BYTES];
	char shown[33];
	int64_t failures = 0;
	bool own;
	int r;

	*locked_now = *spray = false;
	if ((r = lockout_tx_begin(s, &own, err)) != 0)
		return r;
	if ((r = lockout_name_key(s, name, key, err)) != 0)
		goto out;
	if ((r = lockout_prune(s, now, err)) != 0 ||
	    (r = lockout_count(s, key, now, &failures, locked_now, err)) != 0)
		goto out;
	if (*locked_now) {
		lockout_display(s, name, key, shown);
		if ((r = lockout_audit(s, AUDIT_ACCOUNT_LOCKED, NULL, shown,
		    failures, LOCKOUT_LOCKED, now, err)) != 0)
			goto out;
	}
	r = lockout_spray_check(s, now, spray, err);
out:
	sodium_memzero(key, sizeof key);
	if ((r = lockout_tx_end(s, own, r, err)) != 0)
		*locked_now = *spray = false;
	return r;
}

int
lockout_success(struct station *s, const char *name, int64_t now,
    struct ferr *err)
{
	unsigned char key[LOCKOUT_KEY_BYTES];
	sqlite3_stmt *q;
	int r;

	if ((r = lockout_name_key(s, name, key, err)) != 0)
		return r;
	if ((q = store_stmt(s->store, sql_success, err)) == NULL) {
		r = FULFIL_EDB;
		goto out;
	}
	sqlite3_bind_blob(q, 1, key, sizeof key, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(s->store, err, _("writing the lockout table"));
	sqlite3_reset(q);
out:
	sodium_memzero(key, sizeof key);
	return r;
}

int
lockout_anomaly(struct station *s, const char *name, int64_t count,
    int64_t now, struct ferr *err)
{
	unsigned char key[LOCKOUT_KEY_BYTES];
	char shown[33];
	sqlite3_stmt *q;
	bool own;
	int r;

	if ((r = lockout_tx_begin(s, &own, err)) != 0)
		return r;
	if ((r = lockout_name_key(s, name, key, err)) != 0)
		goto out;
	if ((q = store_stmt(s->store, sql_anomaly, err)) == NULL) {
		r = FULFIL_EDB;
		goto out;
	}
	sqlite3_bind_blob(q, 1, key, sizeof key, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int64(q, 3, now + s->cfg->auth.lockout);
	sqlite3_bind_int(q, 4, LOCKOUT_REASON_ANOMALY);
	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(s->store, err, _("writing the lockout table"));
	sqlite3_reset(q);
	if (r != 0)
		goto out;
	lockout_display(s, name, key, shown);
	r = lockout_audit(s, AUDIT_ANOMALY_LOCK, NULL, shown,
	    count >= 0 ? count : -1, LOCKOUT_LOCKED, now, err);
out:
	sodium_memzero(key, sizeof key);
	return lockout_tx_end(s, own, r, err);
}

/* "#" followed by exactly 16 lower- or upper-case hex digits. */
static bool
lockout_is_hex_name(const char *name)
{
	size_t i;

	if (name[0] != '#' || strlen(name) != 1 + LOCKOUT_SHOWN_HEX)
		return false;
	for (i = 1; name[i] != '\0'; i++)
		if (strchr("0123456789abcdefABCDEF", name[i]) == NULL)
			return false;
	return true;
}

int
lockout_unlock(struct station *s, const char *actor, const char *name,
    int reason, int64_t now, struct ferr *err)
{
	unsigned char key[LOCKOUT_KEY_BYTES];
	char shown[33];
	sqlite3_stmt *q;
	bool own;
	size_t i;
	int r;

	if (name == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("no login name given"));
	if (!lockout_is_hex_name(name) &&
	    (r = policy_login_name_check(name, err)) != 0)
		return r;
	if ((r = lockout_tx_begin(s, &own, err)) != 0)
		return r;
	if (lockout_is_hex_name(name)) {
		/* An unknown name, as the audit log shows it. */
		for (i = 0; i < sizeof shown - 1 && name[i] != '\0'; i++)
			shown[i] = (char)(name[i] >= 'A' && name[i] <= 'F' ?
			    name[i] - 'A' + 'a' : name[i]);
		shown[i] = '\0';
		q = store_stmt(s->store, sql_unlock_prefix, err);
		if (q == NULL) {
			r = FULFIL_EDB;
			goto out;
		}
		sqlite3_bind_text(q, 1, shown + 1, -1, SQLITE_STATIC);
	} else {
		if ((r = lockout_name_key(s, name, key, err)) != 0)
			goto out;
		lockout_display(s, name, key, shown);
		if ((q = store_stmt(s->store, sql_unlock, err)) == NULL) {
			r = FULFIL_EDB;
			goto out;
		}
		sqlite3_bind_blob(q, 1, key, sizeof key, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(q, 2, now);
	if (sqlite3_step(q) != SQLITE_DONE) {
		r = store_error(s->store, err, _("writing the lockout table"));
		sqlite3_reset(q);
		goto out;
	}
	sqlite3_reset(q);
	if (sqlite3_changes(store_db(s->store)) == 0) {
		r = ferr_set(err, FULFIL_ENOTFOUND,
		    _("that account is not locked"));
		goto out;
	}
	r = lockout_audit(s, AUDIT_ACCOUNT_UNLOCKED, actor, shown,
	    reason > 0 ? reason : -1, 0, now, err);
out:
	sodium_memzero(key, sizeof key);
	return lockout_tx_end(s, own, r, err);
}

/* The distinct users of the grants table (policy_list is by user). */
struct lockout_names {
	char **names;
	size_t n, cap;
	int r;
};

static int
lockout_collect(void *ctx, const struct policy_grant_info *g)
{
	struct lockout_names *ln = ctx;
	char **grown;

	if (ln->n > 0 && strcmp(ln->names[ln->n - 1], g->user) == 0)
		return 0;
	if (ln->n == ln->cap) {
		size_t ncap = ln->cap ? ln->cap * 2 : 16;

		if ((grown = realloc(ln->names, ncap * sizeof *grown)) == NULL)
			return ln->r = FULFIL_ENOMEM;
		ln->names = grown;
		ln->cap = ncap;
	}
	if ((ln->names[ln->n] = strdup(g->user)) == NULL)
		return ln->r = FULFIL_ENOMEM;
	ln->n++;
	return 0;
}

static int
lockout_count_locked(struct station *s, int64_t now, int64_t *n,
    struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	*n = 0;
	if ((q = store_stmt(s->store, sql_count_locked, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, now);
	if (sqlite3_step(q) == SQLITE_ROW)
		*n = sqlite3_column_int64(q, 0);
	else
		r = store_error(s->store, err, _("reading the lockout table"));
	sqlite3_reset(q);
	return r;
}

int
lockout_list(struct station *s, int64_t now, lockout_fn fn, void *ctx,
    int64_t *unknown_locked, struct ferr *err)
{
	struct lockout_names ln = { 0 };
	int64_t total = 0, known = 0, until;
	size_t i;
	int r;

	*unknown_locked = 0;
	if ((r = lockout_count_locked(s, now, &total, err)) != 0)
		return r;
	if (total == 0)
		return 0;
	if ((r = policy_list(s->store, now, lockout_collect, &ln, err)) != 0 ||
	    (r = ln.r) != 0) {
		if (r == FULFIL_ENOMEM)
			ferr_set(err, r, _("out of memory"));
		goto out;
	}
	for (i = 0; i < ln.n; i++) {
		if (lockout_state(s, ln.names[i], now, &until) !=
		    LOCKOUT_LOCKED)
			continue;
		if (until == 0) {
			/* lockout_state failed closed: an error, not a lock. */
			r = ferr_set(err, FULFIL_EDB,
			    _("cannot read the lockout table"));
			goto out;
		}
		known++;
		if ((r = fn(ctx, ln.names[i], until)) != 0)
			goto out;
	}
	*unknown_locked = total - known;
out:
	for (i = 0; i < ln.n; i++)
		free(ln.names[i]);
	free(ln.names);
	return r;
}
