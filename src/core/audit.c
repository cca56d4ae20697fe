/*
 * audit: the tamper-evident security log (see audit.h and
 * doc/audit-format.md).
 *
 * Owns the audit and audit_anchor tables, the meta keys audit_key (the
 * MAC key, sealed under the KEK), audit_head and audit_anchor_mac, the one
 * table of event kinds (name, syslog level, description) and the syslog
 * mirror. Every row is MAC'd (keyed BLAKE2b-256) over the previous row's
 * MAC and its own canonical bytes; the head in meta vouches for the newest
 * row, the anchor for the last pruned one.
 *
 * It never accepts free text from order data: every text field is checked
 * to be a login name, an order id or a role name before anything is
 * written, and messages name the field, never the value. It never heals a
 * broken chain: a row is appended after the newest row only when the head
 * vouches for it, otherwise with a gap that verification reports.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "crypto.h"
#include "fconfig.h"
#include "ferr.h"
#include "i18n.h"
#include "policy.h"
#include "secret.h"
#include "station.h"
#include "store.h"

#define AUDIT_MAC_BYTES 32
#define AUDIT_KEY_NAME "audit_key"
#define AUDIT_HEAD_KEY "audit_head"
#define AUDIT_ANCHOR_KEY "audit_anchor_mac"
#define AUDIT_HEAD_DOMAIN "audit-head"
#define AUDIT_ANCHOR_DOMAIN "audit-anchor"
#define AUDIT_SOURCE_MAX 16
#define AUDIT_ORDER_MAX 64
#define AUDIT_HASH_NAME_LEN 17	/* "#" + 16 lower-case hex digits */
#define AUDIT_NULL_LEN 0xffffffffu
#define AUDIT_SYSLOG_MAX 1024
#define AUDIT_HEAD_MAX 96	/* "SEQ:" + 64 hex digits */

/*
 * The kinds. Security-relevant ones go to syslog at warning or above
 * (R13); doc/audit-format.md holds this same table and test_audit checks
 * that the two agree.
 */
static const struct audit_kind_info audit_kinds[] = {
	{ AUDIT_STATION_INIT, "station-init", LOG_NOTICE, "notice",
	    N_("the station's cache and keys were created (fulfilctl init)") },
	{ AUDIT_ORDERS_IMPORTED, "orders-imported", LOG_INFO, "info",
	    N_("orders stored by import or sync; count: how many") },
	{ AUDIT_ORDERS_REJECTED, "orders-rejected", LOG_NOTICE, "notice",
	    N_("orders refused by validation; count: how many") },
	{ AUDIT_TAMPER_FOUND, "tamper-found", LOG_ERR, "err",
	    N_("sealed order data failed authentication; order, or count") },
	{ AUDIT_LOGIN_OK, "login-ok", LOG_INFO, "info",
	    N_("a person logged in; actor") },
	{ AUDIT_LOGIN_FAILED, "login-failed", LOG_WARNING, "warning",
	    N_("a login failed: bad password or unknown name; actor") },
	{ AUDIT_LOGIN_LOCKED, "login-locked", LOG_WARNING, "warning",
	    N_("a login was refused because the name is locked; actor") },
	{ AUDIT_PASSWORD_EXPIRED, "password-expired", LOG_NOTICE, "notice",
	    N_("the password is right but expired: no login; actor") },
	{ AUDIT_ACCOUNT_LOCKED, "account-locked", LOG_WARNING, "warning",
	    N_("a name was locked after failed logins; subject, count") },
	{ AUDIT_ACCOUNT_UNLOCKED, "account-unlocked", LOG_NOTICE, "notice",
	    N_("a locked name was unlocked; actor, subject") },
	{ AUDIT_SPRAY_ALERT, "spray-alert", LOG_ALERT, "alert",
	    N_("failures of many names at this station; count: names") },
	{ AUDIT_LOGOUT, "logout", LOG_INFO, "info",
	    N_("a person logged out or was logged out; actor") },
	{ AUDIT_NO_ROLE, "no-role", LOG_NOTICE, "notice",
	    N_("authenticated but holds no role: no session; actor") },
	{ AUDIT_ROLE_GRANTED, "role-granted", LOG_NOTICE, "notice",
	    N_("a role was granted; actor, subject, role, count: days") },
	{ AUDIT_ROLE_REVOKED, "role-revoked", LOG_NOTICE, "notice",
	    N_("a role was revoked; actor, subject, role") },
	{ AUDIT_GRANT_REFUSED, "grant-refused", LOG_WARNING, "warning",
	    N_("a grant or revoke was refused; actor, subject, role, result") },
	{ AUDIT_ACTION_REFUSED, "action-refused", LOG_NOTICE, "notice",
	    N_("an action needed a role the person lacks; actor, role, "
	       "order") },
	{ AUDIT_PRUNED, "pruned", LOG_INFO, "info",
	    N_("rows older than [audit] retain were dropped; count: rows") },
	{ AUDIT_CHAIN_BROKEN, "chain-broken", LOG_CRIT, "crit",
	    N_("verification found the log altered; count: first bad seq") },
	{ AUDIT_ORDER_STEP, "order-step", LOG_INFO, "info",
	    N_("an order took a workflow step; actor, role, order, count: new "
	       "state (1 picked, 2 packed, 3 labelled, 4 shipped)") },
	{ AUDIT_SCAN_REFUSED, "scan-refused", LOG_NOTICE, "notice",
	    N_("a scan was refused; actor, role, order, count: refusals in "
	       "the window, result: -7 not in the order, -1 over-count") },
	{ AUDIT_EXCEPTION, "exception", LOG_NOTICE, "notice",
	    N_("an exception was recorded on an order; actor, role, order, "
	       "count: exception kind") },
	{ AUDIT_EXCEPTION_RESOLVED, "exception-resolved", LOG_NOTICE,
	    "notice", N_("a supervisor resolved an order's exception; actor, "
	       "order, count: resolution") },
	{ AUDIT_OVERRIDE, "verify-override", LOG_NOTICE, "notice",
	    N_("a supervisor lifted scan verification of a step; actor, "
	       "role: of the step, order, count: reason code") },
	{ AUDIT_PII_REVEAL, "pii-reveal", LOG_NOTICE, "notice",
	    N_("a supervisor revealed one order's customer data; actor, "
	       "order, count: reason code") },
	{ AUDIT_ANOMALY_LOCK, "anomaly-lock", LOG_WARNING, "warning",
	    N_("a person was locked for anomalous use (reveals or refused "
	       "scans above a rate); subject, count: events in the window") },
	{ AUDIT_LANGUAGE_SET, "language-set", LOG_INFO, "info",
	    N_("a person's language was set; actor, subject") },
	{ AUDIT_LABEL_PRINTED, "label-printed", LOG_INFO, "info",
	    N_("a dispatch label was printed; actor, role, order, count: "
	       "bytes sent (the printer is in the prints table)") },
	{ AUDIT_LABEL_REPRINTED, "label-reprinted", LOG_NOTICE, "notice",
	    N_("a dispatch label was printed again, with a reason; actor, "
	       "role, order, count: bytes sent") },
	{ AUDIT_PRINT_FAILED, "print-failed", LOG_NOTICE, "notice",
	    N_("a label could not be printed; actor, role, order, count: "
	       "bytes sent, result: error code") },
	{ AUDIT_ORDER_WIPED, "order-wiped", LOG_INFO, "info",
	    N_("an order's customer data was erased, its tombstone kept; "
	       "actor, order, count: reason (1 delivered, 2 cancelled, "
	       "3 30-day cap, 4 purge, 5 OMS wipe)") },
	{ AUDIT_RETENTION_CAP, "retention-cap", LOG_WARNING, "warning",
	    N_("an order shipped 30 days ago was never reported delivered "
	       "and was erased by the cap; order, count: days since "
	       "shipment") },
	{ AUDIT_STALE_PII, "stale-pii", LOG_WARNING, "warning",
	    N_("an order never shipped holds customer data longer than "
	       "[cache] stale_pii_after; order, count: days since import") },
	{ AUDIT_KEY_ROTATED, "key-rotated", LOG_NOTICE, "notice",
	    N_("the key-encryption key was replaced and the old one "
	       "destroyed; actor, count: new epoch") },
	{ AUDIT_REKEY_RECOVERED, "rekey-recovered", LOG_WARNING, "warning",
	    N_("a key rotation interrupted by a crash was finished or rolled "
	       "back; count: epoch in force, result: 0 finished, -11 rolled "
	       "back") },
	{ AUDIT_PURGE_ALL, "purge-all", LOG_NOTICE, "notice",
	    N_("purge --all began: every key and the cache are destroyed; "
	       "actor, count: orders erased") },
	{ AUDIT_REMOTE_WIPE, "remote-wipe", LOG_ALERT, "alert",
	    N_("the OMS ordered this station wiped; count: orders erased") },
	{ AUDIT_SYNC_PAGE_REFUSED, "sync-page-refused", LOG_WARNING, "warning",
	    N_("sync refused a page from the order system; count: orders "
	       "failing validation, result") },
	{ AUDIT_SYNC_AUTH_REFUSED, "sync-auth-refused", LOG_ALERT, "alert",
	    N_("the order system refused the station's credentials and sync "
	       "stopped; count: HTTP status") },
};

#define AUDIT_NKINDS (sizeof audit_kinds / sizeof audit_kinds[0])

/* The text fields of a row, in canonical order. */
enum {
	AUDIT_T_SOURCE,
	AUDIT_T_ACTOR,
	AUDIT_T_SUBJECT,
	AUDIT_T_ORDER,
	AUDIT_T_ROLE,
	AUDIT_NTEXT
};

/* A row as the MAC sees it. */
struct audit_canon {
	int64_t seq, at, count;
	uint32_t kind;
	int32_t result;
	const unsigned char *text[AUDIT_NTEXT];	/* NULL: absent */
	size_t len[AUDIT_NTEXT];
};

/* The end of the chain: the newest row, or the anchor, or the start. */
struct audit_link {
	int64_t seq;	/* 0 at the start */
	unsigned char mac[AUDIT_MAC_BYTES];
};

struct audit {
	struct store *st;
	struct secret *key;	/* NULL: read-only without a usable key */
	bool key_missing;	/* read-only and no audit_key in meta */
	bool readonly;
	char source[AUDIT_SOURCE_MAX + 1];
	int64_t retain;
	bool syslog;
	char *syslog_path;
	int syslog_fd;
	unsigned long syslog_failures;
};

static const struct audit_kind_info *
audit_kind_find(int kind)
{
	size_t i;

	for (i = 0; i < AUDIT_NKINDS; i++)
		if (audit_kinds[i].kind == kind)
			return &audit_kinds[i];
	return NULL;
}

const char *
audit_kind_name(int kind)
{
	const struct audit_kind_info *k = audit_kind_find(kind);

	return k != NULL ? k->name : NULL;
}

bool
audit_kind_info(size_t i, struct audit_kind_info *out)
{
	if (i >= AUDIT_NKINDS || out == NULL)
		return false;
	*out = audit_kinds[i];
	return true;
}

unsigned long
audit_syslog_failures(const struct audit *a)
{
	return a != NULL ? a->syslog_failures : 0;
}

/* Validation: every text field has one shape, checked before any write. */

static bool
audit_hash_name_ok(const char *s)
{
	size_t i;

	if (s[0] != '#' || strnlen(s, AUDIT_HASH_NAME_LEN + 1) !=
	    AUDIT_HASH_NAME_LEN)
		return false;
	for (i = 1; i < AUDIT_HASH_NAME_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool
audit_name_ok(const char *s)
{
	return audit_hash_name_ok(s) || policy_login_name_check(s, NULL) == 0;
}

static bool
audit_order_ok(const char *s)
{
	size_t i, n = strnlen(s, AUDIT_ORDER_MAX + 1);

	if (n < 1 || n > AUDIT_ORDER_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static bool
audit_role_ok(const char *s)
{
	enum role r;

	return policy_role_parse(s, &r) == 0;
}

/* [a-z][a-z0-9-]*, at most AUDIT_SOURCE_MAX bytes. */
static bool
audit_source_ok(const char *s)
{
	size_t i, n = strnlen(s, AUDIT_SOURCE_MAX + 1);

	if (n < 1 || n > AUDIT_SOURCE_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static int
audit_validate(const struct audit_event *ev, struct ferr *err)
{
	if (ev == NULL || audit_kind_find(ev->kind) == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("audit: unknown event kind"));
	if (ev->actor != NULL && !audit_name_ok(ev->actor))
		return ferr_set(err, FULFIL_EINVAL,
		    _("audit: the actor is not a login name"));
	if (ev->subject != NULL && !audit_name_ok(ev->subject))
		return ferr_set(err, FULFIL_EINVAL,
		    _("audit: the subject is not a login name"));
	if (ev->order_id != NULL && !audit_order_ok(ev->order_id))
		return ferr_set(err, FULFIL_EINVAL,
		    _("audit: the order id is not 1 to %d printable ASCII "
		      "characters without spaces"), AUDIT_ORDER_MAX);
	if (ev->role != NULL && !audit_role_ok(ev->role))
		return ferr_set(err, FULFIL_EINVAL,
		    _("audit: the role is not one of the role names"));
	if (ev->count < -1)
		return ferr_set(err, FULFIL_EINVAL,
		    _("audit: the count is negative"));
	return 0;
}

/* The MACs (layouts in doc/audit-format.md). */

static void
audit_put_u32(crypto_generichash_state *h, uint32_t v)
{
	unsigned char b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	crypto_generichash_update(h, b, sizeof b);
}

static void
audit_put_u64(crypto_generichash_state *h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	crypto_generichash_update(h, b, sizeof b);
}

static void
audit_mac_init(const struct audit *a, crypto_generichash_state *h)
{
	crypto_generichash_init(h, a->key->data, a->key->len, AUDIT_MAC_BYTES);
}

static void
audit_mac_final(crypto_generichash_state *h, unsigned char *out)
{
	crypto_generichash_final(h, out, AUDIT_MAC_BYTES);
	sodium_memzero(h, sizeof *h);
}

static void
audit_row_mac(const struct audit *a, const unsigned char *prev,
    const struct audit_canon *c, unsigned char *out)
{
	crypto_generichash_state h;
	size_t i;

	audit_mac_init(a, &h);
	crypto_generichash_update(&h, prev, AUDIT_MAC_BYTES);
	audit_put_u64(&h, (uint64_t)c->seq);
	audit_put_u64(&h, (uint64_t)c->at);
	audit_put_u32(&h, c->kind);
	for (i = 0; i < AUDIT_NTEXT; i++) {
		if (c->text[i] == NULL) {
			audit_put_u32(&h, AUDIT_NULL_LEN);
			continue;
		}
		audit_put_u32(&h, (uint32_t)c->len[i]);
		crypto_generichash_update(&h, c->text[i], c->len[i]);
	}
	audit_put_u64(&h, (uint64_t)c->count);
	audit_put_u32(&h, (uint32_t)c->result);
	audit_mac_final(&h, out);
}

/* MAC of a (seq, mac) link with a domain: the head and the anchor. */
static void
audit_link_mac(const struct audit *a, const char *domain,
    const struct audit_link *l, int64_t extra, bool has_extra,
    unsigned char *out)
{
	crypto_generichash_state h;

	audit_mac_init(a, &h);
	crypto_generichash_update(&h, (const unsigned char *)domain,
	    strlen(domain));
	audit_put_u64(&h, (uint64_t)l->seq);
	crypto_generichash_update(&h, l->mac, AUDIT_MAC_BYTES);
	if (has_extra)
		audit_put_u64(&h, (uint64_t)extra);
	audit_mac_final(&h, out);
}

/* Reading the chain's state. */

static int
audit_db_error(struct audit *a, struct ferr *err)
{
	return store_error(a->st, err, _("audit log"));
}

/* A 32-byte BLOB column into mac; false for anything else. */
static bool
audit_column_mac(sqlite3_stmt *stmt, int col, unsigned char *mac)
{
	if (sqlite3_column_type(stmt, col) != SQLITE_BLOB ||
	    sqlite3_column_bytes(stmt, col) != AUDIT_MAC_BYTES)
		return false;
	memcpy(mac, sqlite3_column_blob(stmt, col), AUDIT_MAC_BYTES);
	return true;
}

/* Lowest and highest seq in the table; *any false when it is empty. */
static int
audit_seq_range(struct audit *a, bool *any, int64_t *lo, int64_t *hi,
    struct ferr *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = store_stmt(a->st, "SELECT MIN(seq), MAX(seq) FROM audit",
	    err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return audit_db_error(a, err);
	}
	*any = sqlite3_column_type(stmt, 0) != SQLITE_NULL;
	*lo = sqlite3_column_int64(stmt, 0);
	*hi = sqlite3_column_int64(stmt, 1);
	sqlite3_reset(stmt);
	return 0;
}

struct audit_anchor {
	bool present;	/* a row in audit_anchor */
	bool intact;	/* row and meta MAC agree (or both absent) */
	struct audit_link link;
	int64_t pruned_at;
};

static int
audit_anchor_read(struct audit *a, struct audit_anchor *an, struct ferr *err)
{
	unsigned char want[AUDIT_MAC_BYTES], got[AUDIT_MAC_BYTES];
	sqlite3_stmt *stmt;
	char *hex = NULL;
	size_t len;
	bool shaped = false;
	int rc, r;

	memset(an, 0, sizeof *an);
	if ((stmt = store_stmt(a->st, "SELECT seq, mac, pruned_at FROM "
	    "audit_anchor WHERE id = 1", err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		an->present = true;
		shaped = sqlite3_column_type(stmt, 0) == SQLITE_INTEGER &&
		    sqlite3_column_type(stmt, 2) == SQLITE_INTEGER &&
		    audit_column_mac(stmt, 1, an->link.mac);
		an->link.seq = sqlite3_column_int64(stmt, 0);
		an->pruned_at = sqlite3_column_int64(stmt, 2);
		shaped = shaped && an->link.seq > 0;
	} else if (rc != SQLITE_DONE) {
		sqlite3_reset(stmt);
		return audit_db_error(a, err);
	}
	sqlite3_reset(stmt);
	if ((r = store_meta_get(a->st, AUDIT_ANCHOR_KEY, &hex, err)) != 0)
		return r;
	if (!an->present) {
		an->intact = hex == NULL;
		memset(&an->link, 0, sizeof an->link);
	} else if (hex != NULL && shaped && a->key != NULL &&
	    sodium_hex2bin(got, sizeof got, hex, strlen(hex), NULL, &len,
	    NULL) == 0 && len == sizeof got) {
		audit_link_mac(a, AUDIT_ANCHOR_DOMAIN, &an->link, an->pruned_at,
		    true, want);
		an->intact = sodium_memcmp(want, got, sizeof want) == 0;
	}
	free(hex);
	return 0;
}

struct audit_head {
	bool present, parsed, vouches;
	int64_t seq;
};

/* Read the head and check it against the end of the chain. */
static int
audit_head_read(struct audit *a, const struct audit_link *end,
    struct audit_head *hd, struct ferr *err)
{
	unsigned char want[AUDIT_MAC_BYTES], got[AUDIT_MAC_BYTES];
	char *hex = NULL, *colon, *p;
	size_t len;
	long long seq;
	int r;

	memset(hd, 0, sizeof *hd);
	if ((r = store_meta_get(a->st, AUDIT_HEAD_KEY, &hex, err)) != 0)
		return r;
	if (hex == NULL)
		return 0;
	hd->present = true;
	colon = strchr(hex, ':');
	if (colon != NULL && colon != hex && strlen(hex) < AUDIT_HEAD_MAX) {
		for (p = hex; p < colon && *p >= '0' && *p <= '9'; p++)
			;
		errno = 0;
		seq = strtoll(hex, NULL, 10);
		if (p == colon && errno == 0 && seq >= 0 &&
		    sodium_hex2bin(got, sizeof got, colon + 1,
		    strlen(colon + 1), NULL, &len, NULL) == 0 &&
		    len == sizeof got) {
			hd->parsed = true;
			hd->seq = seq;
		}
	}
	if (hd->parsed && hd->seq == end->seq && a->key != NULL) {
		audit_link_mac(a, AUDIT_HEAD_DOMAIN, end, 0, false, want);
		hd->vouches = sodium_memcmp(want, got, sizeof want) == 0;
	}
	free(hex);
	return 0;
}

static int
audit_head_write(struct audit *a, const struct audit_link *end,
    struct ferr *err)
{
	unsigned char mac[AUDIT_MAC_BYTES];
	char hex[2 * AUDIT_MAC_BYTES + 1], value[AUDIT_HEAD_MAX];

	audit_link_mac(a, AUDIT_HEAD_DOMAIN, end, 0, false, mac);
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	snprintf(value, sizeof value, "%lld:%s", (long long)end->seq, hex);
	return store_meta_set(a->st, AUDIT_HEAD_KEY, value, err);
}

/*
 * The end of the chain an append continues from: the newest row, else
 * the anchor (everything pruned), else the start (seq 0, zero MAC).
 */
static int
audit_end(struct audit *a, struct audit_link *end, struct ferr *err)
{
	struct audit_anchor an;
	sqlite3_stmt *stmt;
	int rc, r;

	memset(end, 0, sizeof *end);
	if ((stmt = store_stmt(a->st, "SELECT seq, mac FROM audit "
	    "ORDER BY seq DESC LIMIT 1", err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		end->seq = sqlite3_column_int64(stmt, 0);
		if (!audit_column_mac(stmt, 1, end->mac))
			memset(end->mac, 0, sizeof end->mac);
		sqlite3_reset(stmt);
		return 0;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return audit_db_error(a, err);
	if ((r = audit_anchor_read(a, &an, err)) != 0)
		return r;
	if (an.present)
		*end = an.link;
	return 0;
}

/* Opening and closing. */

int
audit_new(struct store *st, const struct kek *kek, const char *source,
    const struct fulfil_config *cfg, bool readonly, struct audit **out,
    struct ferr *err)
{
	struct audit_link genesis = { 0, { 0 } };
	enum fulfil_cipher cipher;
	struct audit *a;
	char *had = NULL;
	bool own_tx = false;
	int r;

	*out = NULL;
	if (source == NULL || !audit_source_ok(source))
		return ferr_set(err, FULFIL_EINVAL,
		    _("audit: the source is not a program name"));
	if ((r = crypto_cipher_resolve(cfg->cache.cipher, &cipher, err)) != 0)
		return r;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	a->st = st;
	a->readonly = readonly;
	a->syslog_fd = -1;
	snprintf(a->source, sizeof a->source, "%s", source);
	a->retain = cfg->audit.retain;
	a->syslog = cfg->audit.syslog && !readonly;
	if (a->syslog && (a->syslog_path = strdup(
	    cfg->audit.syslog_socket != NULL ? cfg->audit.syslog_socket :
	    "/dev/log")) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto fail;
	}

	r = station_secret_get(st, kek, cipher, AUDIT_KEY_NAME, false, &a->key,
	    NULL);
	if (r == FULFIL_EDB || r == FULFIL_ENOMEM) {
		r = ferr_set(err, r, _("audit: cannot read the log's key"));
		goto fail;
	}
	/* Read-only without a usable key: audit_verify reports it. */
	if (readonly || r == 0) {
		a->key_missing = r == FULFIL_ENOTFOUND;
		*out = a;
		return 0;
	}
	if (r != FULFIL_ENOTFOUND) {
		r = ferr_set(err, FULFIL_ECRYPTO, _("audit: the log's key in "
		    "the cache does not open (altered?); events cannot be "
		    "recorded"));
		goto fail;
	}
	/* Create the key under a write lock, so two programs agree on it. */
	if (sqlite3_get_autocommit(store_db(st))) {
		if ((r = store_begin(st, err)) != 0)
			goto fail;
		own_tx = true;
	}
	if ((r = store_meta_get(st, AUDIT_KEY_NAME, &had, err)) != 0 ||
	    (r = station_secret_get(st, kek, cipher, AUDIT_KEY_NAME, true,
	    &a->key, err)) != 0)
		goto fail;
	/* A new key starts the chain: the head vouches for "no rows yet". */
	if (had == NULL && (r = audit_head_write(a, &genesis, err)) != 0)
		goto fail;
	if (own_tx && (r = store_commit(st, err)) != 0) {
		own_tx = false;
		goto fail;
	}
	free(had);
	*out = a;
	return 0;
fail:
	if (own_tx)
		store_rollback(st);
	free(had);
	audit_free(a);
	return r;
}

void
audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->syslog_fd >= 0)
		close(a->syslog_fd);
	secret_free(a->key);
	free(a->syslog_path);
	free(a);
}

/* The syslog mirror. */

static const char *const audit_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Append to buf at *off; stop quietly when full (the fields are short). */
static void
audit_msg_add(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
audit_msg_add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*off = (size_t)n >= len - *off ? len : *off + (size_t)n;
}

/*
 * One RFC 3164 datagram: <PRI>Mmm dd hh:mm:ss fulfil[PID]: audit ...
 * (no HOSTNAME, as the C library's syslog() sends to the local daemon).
 */
static size_t
audit_syslog_format(const struct audit *a, int64_t seq, int64_t at,
    const struct audit_event *ev, const struct audit_kind_info *k,
    char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)at;
	size_t off = 0;

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	audit_msg_add(buf, len, &off, "<%d>%s %2d %02d:%02d:%02d fulfil[%ld]: "
	    "audit seq=%lld kind=%s source=%s", LOG_AUTHPRIV | k->level,
	    audit_months[tm.tm_mon >= 0 && tm.tm_mon < 12 ? tm.tm_mon : 0],
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)getpid(),
	    (long long)seq, k->name, a->source);
	if (ev->actor != NULL)
		audit_msg_add(buf, len, &off, " actor=%s", ev->actor);
	if (ev->subject != NULL)
		audit_msg_add(buf, len, &off, " subject=%s", ev->subject);
	if (ev->order_id != NULL)
		audit_msg_add(buf, len, &off, " order=%s", ev->order_id);
	if (ev->role != NULL)
		audit_msg_add(buf, len, &off, " role=%s", ev->role);
	if (ev->count >= 0)
		audit_msg_add(buf, len, &off, " count=%lld",
		    (long long)ev->count);
	audit_msg_add(buf, len, &off, " result=%d", ev->result);
	return off < len ? off : len - 1;
}

/* Send without blocking; a failure is counted, never returned. */
static void
audit_syslog_send(struct audit *a, int64_t seq, int64_t at,
    const struct audit_event *ev, const struct audit_kind_info *k)
{
	struct sockaddr_un addr;
	char msg[AUDIT_SYSLOG_MAX];
	size_t n;

	if (!a->syslog)
		return;
	n = audit_syslog_format(a, seq, at, ev, k, msg, sizeof msg);
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	if (strlen(a->syslog_path) >= sizeof addr.sun_path) {
		a->syslog_failures++;
		return;
	}
	memcpy(addr.sun_path, a->syslog_path, strlen(a->syslog_path));
	if (a->syslog_fd < 0 && (a->syslog_fd = socket(AF_UNIX,
	    SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		a->syslog_failures++;
		return;
	}
	if (sendto(a->syslog_fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (const struct sockaddr *)&addr, sizeof addr) != (ssize_t)n)
		a->syslog_failures++;
}

/* Appending. */

/* Where the next row goes: after the end, or past a gap if unvouched. */
static int
audit_next_seq(struct audit *a, const struct audit_link *end, int64_t *next,
    struct ferr *err)
{
	struct audit_head hd;
	int r;

	if ((r = audit_head_read(a, end, &hd, err)) != 0)
		return r;
	if (hd.vouches)
		*next = end->seq + 1;
	else if (hd.parsed && hd.seq > end->seq && hd.seq < INT64_MAX - 1)
		*next = hd.seq + 1;	/* rows were cut: keep the gap */
	else
		*next = end->seq + 2;	/* head lost or forged: make one */
	return 0;
}

static int
audit_insert(struct audit *a, const struct audit_canon *c,
    const unsigned char *mac, struct ferr *err)
{
	sqlite3_stmt *stmt;
	int rc, i;

	if ((stmt = store_stmt(a->st, "INSERT INTO audit (seq, at, kind, "
	    "source, actor, subject, order_id, role, count, result, mac) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	    err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	sqlite3_bind_int64(stmt, 1, c->seq);
	sqlite3_bind_int64(stmt, 2, c->at);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)c->kind);
	for (i = 0; i < AUDIT_NTEXT; i++)
		if (c->text[i] != NULL)
			sqlite3_bind_text(stmt, 4 + i,
			    (const char *)c->text[i], (int)c->len[i],
			    SQLITE_STATIC);
	if (c->count >= 0)
		sqlite3_bind_int64(stmt, 9, c->count);
	sqlite3_bind_int(stmt, 10, c->result);
	sqlite3_bind_blob(stmt, 11, mac, AUDIT_MAC_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE)
		return audit_db_error(a, err);
	return 0;
}

static void
audit_canon_text(struct audit_canon *c, int i, const char *s)
{
	c->text[i] = (const unsigned char *)s;
	c->len[i] = s != NULL ? strlen(s) : 0;
}

/* Append inside the current transaction; *seq_out is the row's seq. */
static int
audit_append(struct audit *a, const struct audit_event *ev, int64_t now,
    int64_t *seq_out, struct ferr *err)
{
	unsigned char mac[AUDIT_MAC_BYTES];
	struct audit_canon c;
	struct audit_link end;
	int r;

	if ((r = audit_end(a, &end, err)) != 0)
		return r;
	memset(&c, 0, sizeof c);
	if ((r = audit_next_seq(a, &end, &c.seq, err)) != 0)
		return r;
	c.at = now;
	c.kind = (uint32_t)ev->kind;
	audit_canon_text(&c, AUDIT_T_SOURCE, a->source);
	audit_canon_text(&c, AUDIT_T_ACTOR, ev->actor);
	audit_canon_text(&c, AUDIT_T_SUBJECT, ev->subject);
	audit_canon_text(&c, AUDIT_T_ORDER, ev->order_id);
	audit_canon_text(&c, AUDIT_T_ROLE, ev->role);
	c.count = ev->count;
	c.result = ev->result;
	audit_row_mac(a, end.mac, &c, mac);
	if ((r = audit_insert(a, &c, mac, err)) != 0)
		return r;
	end.seq = c.seq;
	memcpy(end.mac, mac, sizeof mac);
	if ((r = audit_head_write(a, &end, err)) != 0)
		return r;
	*seq_out = c.seq;
	return 0;
}

static int
audit_writable(const struct audit *a, struct ferr *err)
{
	if (a == NULL || a->readonly || a->key == NULL)
		return ferr_set(err, FULFIL_ESTATE,
		    _("audit: the log is open read-only"));
	return 0;
}

int
audit_log(struct audit *a, const struct audit_event *ev, int64_t now,
    struct ferr *err)
{
	bool own_tx = false;
	int64_t seq;
	int r;

	if ((r = audit_writable(a, err)) != 0)
		return r;
	if ((r = audit_validate(ev, err)) != 0)
		return r;
	if (sqlite3_get_autocommit(store_db(a->st))) {
		if ((r = store_begin(a->st, err)) != 0)
			return r;
		own_tx = true;
	}
	if ((r = audit_append(a, ev, now, &seq, err)) != 0)
		goto out;
	if (own_tx) {
		own_tx = false;
		if ((r = store_commit(a->st, err)) != 0)
			goto out;
	}
	audit_syslog_send(a, seq, now, ev, audit_kind_find(ev->kind));
out:
	if (own_tx)
		store_rollback(a->st);
	return r;
}

/* Verification. */

static void
audit_broken(struct audit_verify_result *res, int64_t seq, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
audit_broken(struct audit_verify_result *res, int64_t seq, const char *fmt,
    ...)
{
	va_list ap;

	res->ok = false;
	res->first_bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof res->why, fmt, ap);
	va_end(ap);
}

static bool
audit_column_is(sqlite3_stmt *stmt, int col, int type, bool nullable)
{
	int t = sqlite3_column_type(stmt, col);

	return t == type || (nullable && t == SQLITE_NULL);
}

/* One stored row into c (pointers into stmt); false when misshapen. */
static bool
audit_canon_from(sqlite3_stmt *stmt, struct audit_canon *c,
    unsigned char *mac)
{
	int64_t kind, result;
	int i;

	memset(c, 0, sizeof *c);
	c->seq = sqlite3_column_int64(stmt, 0);
	if (!audit_column_is(stmt, 1, SQLITE_INTEGER, false) ||
	    !audit_column_is(stmt, 2, SQLITE_INTEGER, false) ||
	    !audit_column_is(stmt, 3, SQLITE_TEXT, false) ||
	    !audit_column_is(stmt, 8, SQLITE_INTEGER, true) ||
	    !audit_column_is(stmt, 9, SQLITE_INTEGER, false) ||
	    !audit_column_mac(stmt, 10, mac))
		return false;
	for (i = 0; i < AUDIT_NTEXT; i++) {
		if (!audit_column_is(stmt, 3 + i, SQLITE_TEXT, true))
			return false;
		if (sqlite3_column_type(stmt, 3 + i) == SQLITE_NULL)
			continue;
		c->text[i] = sqlite3_column_text(stmt, 3 + i);
		c->len[i] = (size_t)sqlite3_column_bytes(stmt, 3 + i);
		if (c->text[i] == NULL)
			return false;
	}
	c->at = sqlite3_column_int64(stmt, 1);
	kind = sqlite3_column_int64(stmt, 2);
	result = sqlite3_column_int64(stmt, 9);
	if (kind < 0 || kind > (int64_t)UINT32_MAX || result < INT32_MIN ||
	    result > INT32_MAX)
		return false;
	c->kind = (uint32_t)kind;
	c->result = (int32_t)result;
	/* audit_log stores "no count" as NULL, never as a negative number */
	if (sqlite3_column_type(stmt, 8) == SQLITE_NULL) {
		c->count = -1;
		return true;
	}
	c->count = sqlite3_column_int64(stmt, 8);
	return c->count >= 0;
}

/* The seq of a break in the anchor: the first row it should vouch for. */
static int
audit_anchor_break(struct audit *a, const struct audit_anchor *an,
    struct audit_verify_result *res, struct ferr *err)
{
	int64_t lo, hi;
	bool any;
	int r;

	if ((r = audit_seq_range(a, &any, &lo, &hi, err)) != 0)
		return r;
	audit_broken(res, any ? lo : an->present ? an->link.seq + 1 : 1,
	    an->present ? _("the anchor of the pruned log does not verify") :
	    _("the anchor of the pruned log is missing"));
	return 0;
}

/*
 * Walk the chain from the anchor (or the start) through seq upto, in seq
 * order, stopping at the first break (res says where and why). *end is
 * the last link that verified.
 */
static int
audit_walk(struct audit *a, int64_t upto, struct audit_verify_result *res,
    struct audit_link *end, struct ferr *err)
{
	unsigned char mac[AUDIT_MAC_BYTES], want[AUDIT_MAC_BYTES];
	struct audit_anchor an;
	struct audit_canon c;
	sqlite3_stmt *stmt;
	int rc, r;

	if ((r = audit_anchor_read(a, &an, err)) != 0)
		return r;
	if (!an.intact)
		return audit_anchor_break(a, &an, res, err);
	*end = an.link;
	if ((stmt = store_stmt(a->st, "SELECT seq, at, kind, source, actor, "
	    "subject, order_id, role, count, result, mac FROM audit "
	    "WHERE seq <= ?1 ORDER BY seq", err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	sqlite3_bind_int64(stmt, 1, upto);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(stmt, 0);

		if (seq <= end->seq) {
			audit_broken(res, seq, _("a row at or before the "
			    "anchor (seq %lld)"), (long long)end->seq);
			break;
		}
		if (seq != end->seq + 1) {
			if (seq == end->seq + 2)
				audit_broken(res, end->seq + 1,
				    _("gap: seq %lld is missing"),
				    (long long)(end->seq + 1));
			else
				audit_broken(res, end->seq + 1,
				    _("gap: seq %lld to %lld are missing"),
				    (long long)(end->seq + 1),
				    (long long)(seq - 1));
			break;
		}
		if (!audit_canon_from(stmt, &c, mac)) {
			audit_broken(res, seq, _("malformed row"));
			break;
		}
		audit_row_mac(a, end->mac, &c, want);
		if (sodium_memcmp(want, mac, sizeof mac) != 0) {
			audit_broken(res, seq, _("mac mismatch (row edited, "
			    "inserted or reordered)"));
			break;
		}
		end->seq = seq;
		memcpy(end->mac, mac, sizeof mac);
		res->rows++;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return audit_db_error(a, err);
	return 0;
}

/* Does the head vouch for the end of the walk? */
static int
audit_check_head(struct audit *a, const struct audit_link *end,
    struct audit_verify_result *res, struct ferr *err)
{
	struct audit_head hd;
	int r;

	if ((r = audit_head_read(a, end, &hd, err)) != 0)
		return r;
	if (!hd.present) {
		audit_broken(res, end->seq + 1, _("the head is missing: rows "
		    "after seq %lld may have been deleted"),
		    (long long)end->seq);
	} else if (!hd.parsed) {
		audit_broken(res, end->seq + 1, _("the head is malformed"));
	} else if (hd.seq != end->seq) {
		audit_broken(res, (hd.seq < end->seq ? hd.seq : end->seq) + 1,
		    _("head mismatch: the log ends at seq %lld but its head "
		      "names seq %lld"), (long long)end->seq,
		    (long long)hd.seq);
	} else if (!hd.vouches) {
		audit_broken(res, end->seq, _("head mismatch: the head does "
		    "not vouch for seq %lld"), (long long)end->seq);
	}
	return 0;
}

int
audit_verify(struct audit *a, struct audit_verify_result *res,
    struct ferr *err)
{
	struct audit_link end;
	struct audit_anchor an;
	struct audit_head hd;
	int64_t lo, hi;
	bool any;
	int r;

	memset(res, 0, sizeof *res);
	res->ok = true;
	res->first_bad_seq = -1;
	if (a->key == NULL) {
		/* Without a key only an empty, never-used log is intact. */
		memset(&end, 0, sizeof end);
		if ((r = audit_seq_range(a, &any, &lo, &hi, err)) != 0 ||
		    (r = audit_anchor_read(a, &an, err)) != 0 ||
		    (r = audit_head_read(a, &end, &hd, err)) != 0)
			return r;
		if (any || an.present || hd.present)
			audit_broken(res, any ? lo : 1, a->key_missing ?
			    _("the log's key is missing from the cache") :
			    _("the log's key does not open"));
		return 0;
	}
	if ((r = audit_walk(a, INT64_MAX, res, &end, err)) != 0)
		return r;
	if (!res->ok)
		return 0;
	return audit_check_head(a, &end, res, err);
}

int
audit_log_broken(struct audit *a, const struct audit_verify_result *res,
    const char *actor, int64_t now, bool *logged, struct ferr *err)
{
	struct audit_event ev = {
		.kind = AUDIT_CHAIN_BROKEN, .actor = actor,
		.count = res->first_bad_seq, .result = FULFIL_ECRYPTO,
	};
	sqlite3_stmt *stmt;
	bool same = false;
	int rc, r;

	*logged = false;
	if (res->ok)
		return 0;
	if ((r = audit_writable(a, err)) != 0)
		return r;
	if ((stmt = store_stmt(a->st, "SELECT kind, count FROM audit "
	    "ORDER BY seq DESC LIMIT 1", err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		same = sqlite3_column_int64(stmt, 0) == AUDIT_CHAIN_BROKEN &&
		    sqlite3_column_type(stmt, 1) == SQLITE_INTEGER &&
		    sqlite3_column_int64(stmt, 1) == res->first_bad_seq;
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return audit_db_error(a, err);
	if (same)
		return 0;
	if ((r = audit_log(a, &ev, now, err)) != 0)
		return r;
	*logged = true;
	return 0;
}

/* Pruning. */

/*
 * The last seq to prune: the end of the longest run of rows, from the
 * oldest, that are all older than cutoff (rows are pruned as a prefix,
 * so a clock that went backwards cannot punch holes). 0: none.
 */
static int
audit_prune_point(struct audit *a, int64_t cutoff, int64_t *last,
    struct ferr *err)
{
	sqlite3_stmt *stmt;
	int64_t lo, hi, keep;
	bool any, keep_any;
	int rc, r;

	*last = 0;
	if ((r = audit_seq_range(a, &any, &lo, &hi, err)) != 0)
		return r;
	if (!any)
		return 0;
	if ((stmt = store_stmt(a->st, "SELECT MIN(seq) FROM audit "
	    "WHERE at >= ?1", err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	sqlite3_bind_int64(stmt, 1, cutoff);
	rc = sqlite3_step(stmt);
	keep_any = rc == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL;
	keep = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return audit_db_error(a, err);
	if (!keep_any)
		*last = hi;
	else if (keep > lo)
		*last = keep - 1;
	return 0;
}

static int
audit_set_anchor(struct audit *a, const struct audit_link *l, int64_t now,
    struct ferr *err)
{
	unsigned char mac[AUDIT_MAC_BYTES];
	char hex[2 * AUDIT_MAC_BYTES + 1];
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = store_stmt(a->st, "INSERT OR REPLACE INTO audit_anchor "
	    "(id, seq, mac, pruned_at) VALUES (1, ?1, ?2, ?3)", err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	sqlite3_bind_int64(stmt, 1, l->seq);
	sqlite3_bind_blob(stmt, 2, l->mac, AUDIT_MAC_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE)
		return audit_db_error(a, err);
	audit_link_mac(a, AUDIT_ANCHOR_DOMAIN, l, now, true, mac);
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	return store_meta_set(a->st, AUDIT_ANCHOR_KEY, hex, err);
}

static int
audit_delete_through(struct audit *a, int64_t last, int64_t *n,
    struct ferr *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = store_stmt(a->st, "DELETE FROM audit WHERE seq <= ?1",
	    err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	sqlite3_bind_int64(stmt, 1, last);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return audit_db_error(a, err);
	*n = sqlite3_changes(store_db(a->st));
	return 0;
}

int
audit_prune(struct audit *a, int64_t now, int64_t *pruned, struct ferr *err)
{
	struct audit_verify_result res;
	struct audit_event ev = { .kind = AUDIT_PRUNED };
	struct audit_link end;
	bool own_tx = false;
	int64_t last, n = 0, seq;
	int r;

	if (pruned != NULL)
		*pruned = 0;
	if ((r = audit_writable(a, err)) != 0)
		return r;
	/* Look before taking the write lock: usually there is nothing. */
	if ((r = audit_prune_point(a, now - a->retain, &last, err)) != 0 ||
	    last == 0)
		return r;
	if (sqlite3_get_autocommit(store_db(a->st))) {
		if ((r = store_begin(a->st, err)) != 0)
			return r;
		own_tx = true;
	}
	if ((r = audit_prune_point(a, now - a->retain, &last, err)) != 0 ||
	    last == 0)
		goto out;
	/* Never launder a break into the anchor: check what goes first. */
	memset(&res, 0, sizeof res);
	res.ok = true;
	if ((r = audit_walk(a, last, &res, &end, err)) != 0)
		goto out;
	if (!res.ok || end.seq != last) {
		r = ferr_set(err, FULFIL_ECRYPTO, _("audit: the chain is "
		    "broken at seq %lld (%s); nothing was pruned"),
		    (long long)(res.ok ? end.seq + 1 : res.first_bad_seq),
		    res.ok ? _("rows missing") : res.why);
		goto out;
	}
	if ((r = audit_delete_through(a, last, &n, err)) != 0 ||
	    (r = audit_set_anchor(a, &end, now, err)) != 0)
		goto out;
	ev.count = n;
	if ((r = audit_append(a, &ev, now, &seq, err)) != 0)
		goto out;
	if (own_tx) {
		own_tx = false;
		if ((r = store_commit(a->st, err)) != 0)
			goto out;
	}
	audit_syslog_send(a, seq, now, &ev, audit_kind_find(ev.kind));
	if (pruned != NULL)
		*pruned = n;
out:
	if (own_tx)
		store_rollback(a->st);
	return r;
}

/* Listing. */

static const char *
audit_column_str(sqlite3_stmt *stmt, int col)
{
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_column_text(stmt, col);
}

int
audit_list(struct audit *a, int64_t since, audit_row_fn fn, void *ctx,
    struct ferr *err)
{
	struct audit_row row;
	sqlite3_stmt *stmt;
	int rc, r = 0;

	if ((stmt = store_stmt(a->st, "SELECT seq, at, kind, source, actor, "
	    "subject, order_id, role, count, result FROM audit "
	    "WHERE at >= ?1 ORDER BY seq", err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	sqlite3_bind_int64(stmt, 1, since == 0 ? INT64_MIN : since);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		memset(&row, 0, sizeof row);
		row.seq = sqlite3_column_int64(stmt, 0);
		row.at = sqlite3_column_int64(stmt, 1);
		row.kind = sqlite3_column_int(stmt, 2);
		row.source = audit_column_str(stmt, 3);
		row.actor = audit_column_str(stmt, 4);
		row.subject = audit_column_str(stmt, 5);
		row.order_id = audit_column_str(stmt, 6);
		row.role = audit_column_str(stmt, 7);
		row.count = sqlite3_column_type(stmt, 8) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(stmt, 8);
		row.result = sqlite3_column_int(stmt, 9);
		if (row.source == NULL)
			row.source = "";
		if ((r = fn(ctx, &row)) != 0)
			break;
	}
	sqlite3_reset(stmt);
	if (r == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
		return audit_db_error(a, err);
	return r > 0 ? 0 : r;
}
