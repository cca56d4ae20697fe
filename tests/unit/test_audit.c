/*
 * test_audit: the tamper-evident log. The chain verifies; every edit,
 * deletion, insertion and reordering made with plain SQL is found at the
 * right seq; an attacker without the key cannot re-chain; free text is
 * refused in every field and writes nothing; pruning keeps verification
 * working; the syslog mirror sends the documented datagram and survives a
 * missing daemon; doc/audit-format.md agrees with the kinds table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "testutil.h"

#include "audit.h"
#include "crypto.h"
#include "fconfig.h"
#include "ferr.h"
#include "secret.h"
#include "station.h"
#include "store.h"

#define DAY 86400
#define T0 1700000000	/* the injected clock of these tests */
#define NSAMPLE 10

struct fx {
	char *tmp;
	struct fulfil_config *cfg;
	struct kek *kek;
	struct store *st;
	struct audit *a;
	enum fulfil_cipher cipher;
};

/* Ten events touching every field; row 5 (index 4) has them all. */
static const struct audit_event sample[NSAMPLE] = {
	{ AUDIT_STATION_INIT, "root", NULL, NULL, NULL, -1, 0 },
	{ AUDIT_ORDERS_IMPORTED, "root", NULL, NULL, NULL, 300, 0 },
	{ AUDIT_LOGIN_FAILED, "#0123456789abcdef", NULL, NULL, NULL, -1, -7 },
	{ AUDIT_LOGIN_OK, "pat.picker", NULL, NULL, NULL, -1, 0 },
	{ AUDIT_ROLE_GRANTED, "sam.super", "pat.picker", "ORD-1001",
	    "picker", 90, 0 },
	{ AUDIT_ACTION_REFUSED, "pat.picker", NULL, "ORD-1002", "dispatcher",
	    -1, FULFIL_EPERM },
	{ AUDIT_ACCOUNT_LOCKED, NULL, "pat.picker", NULL, NULL, 5, 0 },
	{ AUDIT_TAMPER_FOUND, "root", NULL, "ORD-1003", NULL, 1,
	    FULFIL_ECRYPTO },
	{ AUDIT_ROLE_REVOKED, "sam.super", "pat.picker", NULL, "picker", -1,
	    0 },
	{ AUDIT_LOGOUT, "pat.picker", NULL, NULL, NULL, 0, 0 },
};

static void
fx_open_audit(struct fx *f, bool readonly)
{
	struct ferr err = { 0 };

	if (audit_new(f->st, f->kek, STATION_SOURCE_CTL, f->cfg, readonly,
	    &f->a, &err) != 0)
		fail_msg("audit_new: %s", err.msg);
}

/* A fresh store and KEK, and the log opened on them. */
static struct fx *
fx_new(enum fulfil_cipher cipher)
{
	struct fx *f = calloc(1, sizeof *f);
	struct ferr err = { 0 };
	char *dir, *key;

	assert_non_null(f);
	assert_non_null(f->tmp = tu_mkdtemp());
	assert_non_null(f->cfg = config_new_defaults());
	f->cipher = cipher;
	f->cfg->cache.cipher = cipher;
	f->cfg->audit.syslog = false;
	dir = tu_path(f->tmp, "data");
	key = tu_path(f->tmp, "cache.key");
	assert_int_equal(crypto_kek_create(key, 1, &err), 0);
	assert_int_equal(crypto_kek_load(key, &f->kek, &err), 0);
	assert_int_equal(store_open(dir, STORE_CREATE, &f->st, &err), 0);
	free(dir);
	free(key);
	fx_open_audit(f, false);
	return f;
}

static void
fx_free(struct fx *f)
{
	if (f == NULL)
		return;
	audit_free(f->a);
	store_close(f->st);
	crypto_kek_free(f->kek);
	config_free(f->cfg);
	tu_rmtree(f->tmp);
	free(f->tmp);
	free(f);
}

static int
setup(void **state)
{
	(void)state;
	tu_init();
	return 0;
}

static void
log_ok(struct fx *f, const struct audit_event *ev, int64_t at)
{
	struct ferr err = { 0 };

	if (audit_log(f->a, ev, at, &err) != 0)
		fail_msg("audit_log: %s", err.msg);
}

static void
log_sample(struct fx *f, int64_t base, int64_t step)
{
	size_t i;

	for (i = 0; i < NSAMPLE; i++)
		log_ok(f, &sample[i], base + (int64_t)i * step);
}

static void
sql(struct fx *f, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(store_db(f->st), q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("sql failed: %s: %s", q, msg ? msg : "?");
}

static int64_t
sql_int(struct fx *f, const char *q)
{
	sqlite3_stmt *stmt;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->st), q, -1, &stmt,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static char *
meta(struct fx *f, const char *key)
{
	char *v = NULL;

	assert_int_equal(store_meta_get(f->st, key, &v, NULL), 0);
	return v;
}

static struct audit_verify_result
verify(struct fx *f)
{
	struct audit_verify_result res;
	struct ferr err = { 0 };

	if (audit_verify(f->a, &res, &err) != 0)
		fail_msg("audit_verify: %s", err.msg);
	return res;
}

static void
expect_ok(struct fx *f, int64_t rows)
{
	struct audit_verify_result res = verify(f);

	if (!res.ok)
		fail_msg("chain broken at seq %lld: %s",
		    (long long)res.first_bad_seq, res.why);
	assert_int_equal(res.rows, rows);
	assert_int_equal(res.first_bad_seq, -1);
}

static void
expect_broken(struct fx *f, int64_t seq, const char *why, const char *what)
{
	struct audit_verify_result res = verify(f);

	if (res.ok)
		fail_msg("%s: the chain still verifies", what);
	if (res.first_bad_seq != seq || strstr(res.why, why) == NULL)
		fail_msg("%s: broken at seq %lld (%s), wanted seq %lld (%s)",
		    what, (long long)res.first_bad_seq, res.why,
		    (long long)seq, why);
}

/* Untouched: the chain verifies, with each cipher sealing the key. */
static void
test_chain_verifies(void **state)
{
	enum fulfil_cipher ciphers[2];
	size_t n = tu_ciphers(ciphers), i;
	char *head;

	(void)state;
	for (i = 0; i < n; i++) {
		struct fx *f = fx_new(ciphers[i]);

		expect_ok(f, 0);	/* a log never written is intact */
		head = meta(f, "audit_head");	/* and its head says so */
		assert_non_null(head);
		assert_int_equal(strncmp(head, "0:", 2), 0);
		free(head);
		log_sample(f, T0, 60);
		expect_ok(f, NSAMPLE);
		assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"),
		    NSAMPLE);
		assert_int_equal(sql_int(f, "SELECT max(seq) FROM audit"),
		    NSAMPLE);
		head = meta(f, "audit_head");
		assert_non_null(head);
		assert_int_equal(strncmp(head, "10:", 3), 0);
		assert_int_equal(strlen(head), 3 + 64);
		free(head);
		/* the key is sealed, never stored in the clear */
		head = meta(f, "audit_key");
		assert_non_null(head);
		assert_true(strlen(head) > 64);
		free(head);
		/* reopening (same key from meta) keeps it verifying */
		audit_free(f->a);
		fx_open_audit(f, true);
		expect_ok(f, NSAMPLE);
		fx_free(f);
	}
}

/* One SQL change to the log, and where verification must find it. */
struct tamper_case {
	const char *what;
	const char *sql;
	int64_t seq;
	const char *why;
};

static const struct tamper_case tamper_cases[] = {
	/* every column of row 5 */
	{ "edit at", "UPDATE audit SET at = at + 1 WHERE seq = 5", 5,
	    "mac mismatch" },
	{ "edit kind", "UPDATE audit SET kind = 21 WHERE seq = 5", 5,
	    "mac mismatch" },
	{ "edit source", "UPDATE audit SET source = 'fulfil' WHERE seq = 5",
	    5, "mac mismatch" },
	{ "edit actor", "UPDATE audit SET actor = 'sam.other' WHERE seq = 5",
	    5, "mac mismatch" },
	{ "clear actor", "UPDATE audit SET actor = NULL WHERE seq = 5", 5,
	    "mac mismatch" },
	{ "empty actor", "UPDATE audit SET actor = '' WHERE seq = 5", 5,
	    "mac mismatch" },
	{ "edit subject", "UPDATE audit SET subject = 'kim' WHERE seq = 5",
	    5, "mac mismatch" },
	{ "edit order_id", "UPDATE audit SET order_id = 'ORD-9' WHERE seq = 5",
	    5, "mac mismatch" },
	{ "set order_id", "UPDATE audit SET order_id = 'ORD-9' WHERE seq = 4",
	    4, "mac mismatch" },
	{ "edit role", "UPDATE audit SET role = 'supervisor' WHERE seq = 5",
	    5, "mac mismatch" },
	{ "edit count", "UPDATE audit SET count = 365 WHERE seq = 5", 5,
	    "mac mismatch" },
	{ "clear count", "UPDATE audit SET count = NULL WHERE seq = 5", 5,
	    "mac mismatch" },
	{ "set count", "UPDATE audit SET count = 1 WHERE seq = 4", 4,
	    "mac mismatch" },
	{ "edit result", "UPDATE audit SET result = 0 WHERE seq = 6", 6,
	    "mac mismatch" },
	{ "edit mac", "UPDATE audit SET mac = zeroblob(32) WHERE seq = 5", 5,
	    "mac mismatch" },
	{ "short mac", "UPDATE audit SET mac = zeroblob(31) WHERE seq = 5", 5,
	    "malformed row" },
	/* same bytes, other types: still refused */
	{ "actor as blob",
	    "UPDATE audit SET actor = CAST(actor AS BLOB) WHERE seq = 5", 5,
	    "malformed row" },
	{ "count -1 for none", "UPDATE audit SET count = -1 WHERE seq = 4", 4,
	    "malformed row" },
	{ "at as real", "UPDATE audit SET at = at + 0.5 WHERE seq = 5", 5,
	    "malformed row" },
	{ "edit seq", "UPDATE audit SET seq = 100 WHERE seq = 5", 5,
	    "seq 5 is missing" },
	/* deletions */
	{ "delete middle", "DELETE FROM audit WHERE seq = 5", 5,
	    "seq 5 is missing" },
	{ "delete range", "DELETE FROM audit WHERE seq BETWEEN 4 AND 7", 4,
	    "seq 4 to 7 are missing" },
	{ "delete first", "DELETE FROM audit WHERE seq = 1", 1,
	    "seq 1 is missing" },
	{ "delete last", "DELETE FROM audit WHERE seq = 10", 10,
	    "head names seq 10" },
	{ "delete last three", "DELETE FROM audit WHERE seq >= 8", 8,
	    "head names seq 10" },
	{ "delete all", "DELETE FROM audit", 1, "head names seq 10" },
	{ "delete all and the head", "DELETE FROM audit;"
	    "DELETE FROM meta WHERE key = 'audit_head'", 1,
	    "head is missing" },
	/* insertions */
	{ "append", "INSERT INTO audit SELECT 11, at, kind, source, actor, "
	    "subject, order_id, role, count, result, mac FROM audit "
	    "WHERE seq = 10", 11, "mac mismatch" },
	{ "insert middle",
	    "UPDATE audit SET seq = seq + 1000 WHERE seq >= 5;"
	    "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000;"
	    "INSERT INTO audit SELECT 5, at, kind, source, actor, subject, "
	    "order_id, role, count, result, mac FROM audit WHERE seq = 4", 5,
	    "mac mismatch" },
	{ "insert below start", "INSERT INTO audit SELECT 0, at, kind, "
	    "source, actor, subject, order_id, role, count, result, mac "
	    "FROM audit WHERE seq = 1", 0, "at or before the anchor" },
	/* reordering */
	{ "swap two rows",
	    "UPDATE audit SET seq = -3 WHERE seq = 3;"
	    "UPDATE audit SET seq = 3 WHERE seq = 6;"
	    "UPDATE audit SET seq = 6 WHERE seq = -3", 3, "mac mismatch" },
	{ "swap neighbours",
	    "UPDATE audit SET seq = -8 WHERE seq = 8;"
	    "UPDATE audit SET seq = 8 WHERE seq = 9;"
	    "UPDATE audit SET seq = 9 WHERE seq = -8", 8, "mac mismatch" },
	{ "swap contents",
	    "UPDATE audit SET at = (SELECT at FROM audit WHERE seq = 2) "
	    "WHERE seq = 7", 7, "mac mismatch" },
	/* the head */
	{ "drop head", "DELETE FROM meta WHERE key = 'audit_head'", 11,
	    "head is missing" },
	{ "garble head", "UPDATE meta SET value = 'ten' WHERE key = "
	    "'audit_head'", 11, "head is malformed" },
	{ "forge head mac", "UPDATE meta SET value = '10:' || "
	    "hex(zeroblob(32)) WHERE key = 'audit_head'", 10,
	    "does not vouch" },
	{ "forge anchor", "INSERT INTO audit_anchor (id, seq, mac, pruned_at) "
	    "SELECT 1, 3, mac, 0 FROM audit WHERE seq = 3;"
	    "DELETE FROM audit WHERE seq <= 3", 4, "anchor" },
};

/* Each tamper, applied to an intact log and rolled back afterwards. */
static void
test_tamper_found(void **state)
{
	struct fx *f = fx_new(tu_cipher());
	size_t i;

	(void)state;
	log_sample(f, T0, 60);
	expect_ok(f, NSAMPLE);
	for (i = 0; i < sizeof tamper_cases / sizeof tamper_cases[0]; i++) {
		const struct tamper_case *c = &tamper_cases[i];

		sql(f, "SAVEPOINT tamper");
		sql(f, c->sql);
		expect_broken(f, c->seq, c->why, c->what);
		sql(f, "ROLLBACK TO tamper");
		sql(f, "RELEASE tamper");
		expect_ok(f, NSAMPLE);
	}
	fx_free(f);
}

/* The canonical bytes exactly as doc/audit-format.md gives them. */
struct canon_buf {
	unsigned char b[1024];
	size_t n;
};

static void
put_le(struct canon_buf *c, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		c->b[c->n++] = (unsigned char)(v >> (8 * i));
}

static void
put_text(struct canon_buf *c, sqlite3_stmt *stmt, int col)
{
	size_t n;

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL) {
		put_le(c, 0xffffffffu, 4);
		return;
	}
	n = (size_t)sqlite3_column_bytes(stmt, col);
	put_le(c, n, 4);
	memcpy(c->b + c->n, sqlite3_column_text(stmt, col), n);
	c->n += n;
}

/*
 * Re-chain every row from the documented layout with key (NULL: an
 * unkeyed hash), rewriting mac and, when head is set, the head too.
 * check: compare with the stored macs instead of writing.
 */
static void
rechain(struct fx *f, const unsigned char *key, size_t keylen, bool head,
    bool check)
{
	unsigned char prev[32] = { 0 }, mac[32];
	sqlite3_stmt *stmt, *upd;
	char hex[65], value[128];
	int64_t seq = 0;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->st), "SELECT seq, at, "
	    "kind, source, actor, subject, order_id, role, count, result, mac "
	    "FROM audit ORDER BY seq", -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->st), "UPDATE audit "
	    "SET mac = ?1 WHERE seq = ?2", -1, &upd, NULL), SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		struct canon_buf c = { .n = 0 };
		crypto_generichash_state h;
		int col;

		seq = sqlite3_column_int64(stmt, 0);
		put_le(&c, (uint64_t)seq, 8);
		put_le(&c, (uint64_t)sqlite3_column_int64(stmt, 1), 8);
		put_le(&c, (uint64_t)sqlite3_column_int64(stmt, 2), 4);
		for (col = 3; col <= 7; col++)
			put_text(&c, stmt, col);
		put_le(&c, sqlite3_column_type(stmt, 8) == SQLITE_NULL ?
		    UINT64_MAX : (uint64_t)sqlite3_column_int64(stmt, 8), 8);
		put_le(&c, (uint64_t)sqlite3_column_int64(stmt, 9), 4);
		crypto_generichash_init(&h, key, keylen, 32);
		crypto_generichash_update(&h, prev, 32);
		crypto_generichash_update(&h, c.b, c.n);
		crypto_generichash_final(&h, mac, 32);
		if (check) {
			assert_int_equal(sqlite3_column_bytes(stmt, 10), 32);
			assert_memory_equal(sqlite3_column_blob(stmt, 10), mac,
			    32);
		} else {
			sqlite3_reset(upd);
			sqlite3_bind_blob(upd, 1, mac, 32, SQLITE_TRANSIENT);
			sqlite3_bind_int64(upd, 2, seq);
			assert_int_equal(sqlite3_step(upd), SQLITE_DONE);
		}
		memcpy(prev, mac, 32);
	}
	sqlite3_finalize(stmt);
	sqlite3_finalize(upd);
	if (head) {
		crypto_generichash_state h;

		crypto_generichash_init(&h, key, keylen, 32);
		crypto_generichash_update(&h, (const unsigned char *)
		    "audit-head", 10);
		{
			struct canon_buf c = { .n = 0 };

			put_le(&c, (uint64_t)seq, 8);
			crypto_generichash_update(&h, c.b, c.n);
		}
		crypto_generichash_update(&h, prev, 32);
		crypto_generichash_final(&h, mac, 32);
		sodium_bin2hex(hex, sizeof hex, mac, 32);
		snprintf(value, sizeof value, "%lld:%s", (long long)seq, hex);
		if (check) {
			char *have = meta(f, "audit_head");

			assert_string_equal(have, value);
			free(have);
		} else {
			assert_int_equal(store_meta_set(f->st, "audit_head",
			    value, NULL), 0);
		}
	}
}

/*
 * The documented layout reproduces the stored MACs with the real key;
 * an attacker who edits a row and re-chains without that key (unkeyed,
 * or with a key of their own) is caught at the edited row. With the real
 * key the rewrite passes: the KEK is what protects the log (documented).
 */
static void
test_rechain_needs_key(void **state)
{
	unsigned char mine[32];
	struct secret *key = NULL;
	struct fx *f = fx_new(tu_cipher());
	struct ferr err = { 0 };

	(void)state;
	log_sample(f, T0, 60);
	assert_int_equal(station_secret_get(f->st, f->kek, f->cipher,
	    "audit_key", false, &key, &err), 0);
	rechain(f, key->data, key->len, true, true);

	sql(f, "SAVEPOINT t");
	sql(f, "UPDATE audit SET actor = 'sam.other' WHERE seq = 5");
	rechain(f, NULL, 0, true, false);
	expect_broken(f, 1, "mac mismatch", "unkeyed re-chain");
	sql(f, "ROLLBACK TO t");

	randombytes_buf(mine, sizeof mine);
	sql(f, "UPDATE audit SET actor = 'sam.other' WHERE seq = 5");
	rechain(f, mine, sizeof mine, true, false);
	expect_broken(f, 1, "mac mismatch", "re-chain with another key");
	sql(f, "ROLLBACK TO t");

	/* keep the real MACs of rows 1-4: the break is at the edit */
	sql(f, "UPDATE audit SET actor = 'sam.other' WHERE seq = 5");
	expect_broken(f, 5, "mac mismatch", "plain edit");
	sql(f, "ROLLBACK TO t");

	sql(f, "UPDATE audit SET actor = 'sam.other' WHERE seq = 5");
	rechain(f, key->data, key->len, true, false);
	expect_ok(f, NSAMPLE);
	sql(f, "ROLLBACK TO t");
	sql(f, "RELEASE t");
	expect_ok(f, NSAMPLE);
	secret_free(key);
	fx_free(f);
}

/*
 * Hostile values for every text field: refused, nothing written. An order
 * id is any 1..64 printable ASCII without spaces, as import accepts them
 * (so every stored order can be audited): "%n" and "#..." are valid ids,
 * inert because no value is ever used as a format.
 */
static void
test_free_text_refused(void **state)
{
	char big[4097], *head_before, *head_after;
	const char *hostile[] = {
		"Jane Doe", "jane\x1b[2Jdoe", big, "j\xc3\x28ne", "%n%n%n",
		"", "jane\ndoe", "#0123456789ABCDEF", "#0123456789abcde",
		"12 Example Street", "Jane\tDoe", "p\xc2\x9bicker",
	};
	struct fx *f = fx_new(tu_cipher());
	struct ferr err;
	size_t i, field;

	(void)state;
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	log_sample(f, T0, 60);
	head_before = meta(f, "audit_head");
	for (field = 0; field < 4; field++) {
		for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
			struct audit_event ev = {
				AUDIT_LOGIN_OK, "pat.picker", NULL, NULL, NULL,
				-1, 0,
			};
			const char **slot[] = { &ev.actor, &ev.subject,
			    &ev.order_id, &ev.role };

			if (field == 2 && (hostile[i][0] == '#' ||
			    hostile[i][0] == '%'))
				continue;
			*slot[field] = hostile[i];
			ferr_clear(&err);
			if (audit_log(f->a, &ev, T0 + 999, &err) !=
			    FULFIL_EINVAL)
				fail_msg("field %zu value %zu accepted", field,
				    i);
			assert_int_equal(err.code, FULFIL_EINVAL);
			assert_null(strstr(err.msg, hostile[i][0] ?
			    hostile[i] : "\x01"));
			assert_null(strstr(err.msg, "Jane"));
			assert_null(strstr(err.msg, "%n"));
		}
	}
	/* a 65-byte order id, an unknown kind and a bad count too */
	{
		struct audit_event ev = { AUDIT_TAMPER_FOUND, NULL, NULL,
		    "ORD-000000000000000000000000000000000000000000000000000000"
		    "0000000", NULL, -1, 0 };

		assert_int_equal(strlen(ev.order_id), 65);
		assert_int_equal(audit_log(f->a, &ev, T0, &err), FULFIL_EINVAL);
		ev.order_id = NULL;
		ev.kind = 99;
		assert_int_equal(audit_log(f->a, &ev, T0, &err), FULFIL_EINVAL);
		ev.kind = 0;
		assert_int_equal(audit_log(f->a, &ev, T0, &err), FULFIL_EINVAL);
		ev.kind = AUDIT_TAMPER_FOUND;
		ev.count = -2;
		assert_int_equal(audit_log(f->a, &ev, T0, &err), FULFIL_EINVAL);
		assert_int_equal(audit_log(f->a, NULL, T0, &err),
		    FULFIL_EINVAL);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), NSAMPLE);
	head_after = meta(f, "audit_head");
	assert_string_equal(head_before, head_after);
	expect_ok(f, NSAMPLE);
	assert_false(tu_tree_contains(f->tmp, "Jane", 4));
	assert_false(tu_tree_contains(f->tmp, "Example Street", 14));
	free(head_before);
	free(head_after);

	/* the accepted shapes, for contrast */
	{
		struct audit_event ev = { AUDIT_LOGIN_FAILED,
		    "#fedcba9876543210", "A.b_c-9", "ORD-1001/x:y", "auditor",
		    0, 0 };

		log_ok(f, &ev, T0 + 1000);
		expect_ok(f, NSAMPLE + 1);
	}
	fx_free(f);
}

static void
test_source_and_readonly(void **state)
{
	struct audit_event ev = { AUDIT_LOGOUT, "pat.picker", NULL, NULL, NULL,
	    -1, 0 };
	struct fx *f = fx_new(tu_cipher());
	struct audit *other = NULL;
	struct ferr err = { 0 };
	int64_t pruned;

	(void)state;
	assert_int_equal(audit_new(f->st, f->kek, "Fulfil ctl", f->cfg, false,
	    &other, &err), FULFIL_EINVAL);
	assert_null(other);
	assert_int_equal(audit_new(f->st, f->kek, "", f->cfg, false, &other,
	    &err), FULFIL_EINVAL);
	log_ok(f, &ev, T0);
	audit_free(f->a);
	fx_open_audit(f, true);
	assert_int_equal(audit_log(f->a, &ev, T0, &err), FULFIL_ESTATE);
	assert_int_equal(audit_prune(f->a, T0, &pruned, &err), FULFIL_ESTATE);
	expect_ok(f, 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), 1);
	audit_free(f->a);
	f->a = NULL;

	/* read-only without a key: only a never-used log is intact */
	sql(f, "DELETE FROM meta WHERE key = 'audit_key'");
	fx_open_audit(f, true);
	expect_broken(f, 1, "key is missing", "key removed");
	audit_free(f->a);
	sql(f, "DELETE FROM audit; DELETE FROM meta WHERE key = 'audit_head'");
	fx_open_audit(f, true);
	expect_ok(f, 0);
	audit_free(f->a);
	/* an altered key does not open: read-only reports, writable refuses */
	fx_open_audit(f, false);
	log_ok(f, &ev, T0);
	audit_free(f->a);
	f->a = NULL;
	sql(f, "UPDATE meta SET value = substr(value, 1, 20) || "
	    "CASE substr(value, 21, 1) WHEN '0' THEN '1' ELSE '0' END || "
	    "substr(value, 22) WHERE key = 'audit_key'");
	fx_open_audit(f, true);
	expect_broken(f, 1, "does not open", "key altered");
	audit_free(f->a);
	f->a = NULL;
	assert_int_equal(audit_new(f->st, f->kek, "fulfilctl", f->cfg, false,
	    &f->a, &err), FULFIL_ECRYPTO);
	assert_null(f->a);
	fx_free(f);
}

/* A row written in a caller's transaction goes with it. */
static void
test_caller_transaction(void **state)
{
	struct fx *f = fx_new(tu_cipher());
	struct ferr err = { 0 };

	(void)state;
	log_sample(f, T0, 60);
	assert_int_equal(store_begin(f->st, &err), 0);
	log_ok(f, &sample[3], T0 + 1000);
	assert_int_equal(sqlite3_get_autocommit(store_db(f->st)), 0);
	store_rollback(f->st);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), NSAMPLE);
	expect_ok(f, NSAMPLE);
	assert_int_equal(store_begin(f->st, &err), 0);
	log_ok(f, &sample[3], T0 + 1000);
	assert_int_equal(store_commit(f->st, &err), 0);
	expect_ok(f, NSAMPLE + 1);
	assert_int_equal(sqlite3_get_autocommit(store_db(f->st)), 1);
	fx_free(f);
}

/* A cut tail or a lost head is not healed by the next append. */
static void
test_append_keeps_break(void **state)
{
	struct fx *f = fx_new(tu_cipher());

	(void)state;
	log_sample(f, T0, 60);
	sql(f, "DELETE FROM audit WHERE seq >= 9");
	log_ok(f, &sample[0], T0 + 1000);
	assert_int_equal(sql_int(f, "SELECT max(seq) FROM audit"), 11);
	expect_broken(f, 9, "seq 9 to 10 are missing", "cut tail, appended");
	fx_free(f);

	f = fx_new(tu_cipher());
	log_sample(f, T0, 60);
	sql(f, "DELETE FROM audit WHERE seq = 10;"
	    "DELETE FROM meta WHERE key = 'audit_head'");
	log_ok(f, &sample[0], T0 + 1000);
	assert_int_equal(sql_int(f, "SELECT max(seq) FROM audit"), 11);
	expect_broken(f, 10, "seq 10 is missing", "lost head, appended");
	fx_free(f);
}

/* audit_log_broken records a break once, not on every run. */
static void
test_log_broken(void **state)
{
	struct fx *f = fx_new(tu_cipher());
	struct audit_verify_result res;
	struct ferr err = { 0 };
	bool logged;

	(void)state;
	log_sample(f, T0, 60);
	res = verify(f);
	assert_int_equal(audit_log_broken(f->a, &res, "root", T0, &logged,
	    &err), 0);
	assert_false(logged);
	sql(f, "UPDATE audit SET result = 1 WHERE seq = 3");
	res = verify(f);
	assert_false(res.ok);
	assert_int_equal(audit_log_broken(f->a, &res, "root", T0 + 5, &logged,
	    &err), 0);
	assert_true(logged);
	assert_int_equal(sql_int(f, "SELECT kind FROM audit WHERE seq = 11"),
	    AUDIT_CHAIN_BROKEN);
	assert_int_equal(sql_int(f, "SELECT count FROM audit WHERE seq = 11"),
	    3);
	res = verify(f);
	assert_int_equal(res.first_bad_seq, 3);	/* appending hid nothing */
	assert_int_equal(audit_log_broken(f->a, &res, "root", T0 + 6, &logged,
	    &err), 0);
	assert_false(logged);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), 11);
	assert_int_equal(audit_log_broken(f->a, &res, "no body", T0 + 6,
	    &logged, &err), 0);	/* same break: nothing to validate */
	fx_free(f);
}

static void
test_prune(void **state)
{
	struct fx *f = fx_new(tu_cipher());
	struct ferr err = { 0 };
	int64_t pruned, now;
	char *anchor;

	(void)state;
	f->cfg->audit.retain = 5 * DAY;
	audit_free(f->a);
	fx_open_audit(f, false);
	log_sample(f, T0, DAY);		/* rows 1-10 at T0 .. T0 + 9d */
	now = T0 + 8 * DAY + 10;	/* cutoff T0 + 3d + 10: rows 1-4 old */
	assert_int_equal(audit_prune(f->a, now, &pruned, &err), 0);
	assert_int_equal(pruned, 4);
	assert_int_equal(sql_int(f, "SELECT min(seq) FROM audit"), 5);
	assert_int_equal(sql_int(f, "SELECT seq FROM audit_anchor"), 4);
	assert_int_equal(sql_int(f, "SELECT kind FROM audit WHERE seq = 11"),
	    AUDIT_PRUNED);
	assert_int_equal(sql_int(f, "SELECT count FROM audit WHERE seq = 11"),
	    4);
	expect_ok(f, 7);
	anchor = meta(f, "audit_anchor_mac");
	assert_non_null(anchor);
	free(anchor);

	/* nothing more to prune: no event either */
	assert_int_equal(audit_prune(f->a, now, &pruned, &err), 0);
	assert_int_equal(pruned, 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), 7);

	/* the anchor is checked like any row */
	sql(f, "SAVEPOINT t");
	sql(f, "UPDATE audit_anchor SET seq = 3");
	expect_broken(f, 5, "anchor", "anchor seq edited");
	sql(f, "ROLLBACK TO t");
	sql(f, "UPDATE audit_anchor SET mac = zeroblob(32)");
	expect_broken(f, 5, "anchor", "anchor mac edited");
	sql(f, "ROLLBACK TO t");
	sql(f, "UPDATE audit_anchor SET pruned_at = 0");
	expect_broken(f, 5, "anchor", "anchor time edited");
	sql(f, "ROLLBACK TO t");
	sql(f, "DELETE FROM audit_anchor");
	expect_broken(f, 5, "anchor", "anchor deleted");
	sql(f, "ROLLBACK TO t");
	sql(f, "DELETE FROM meta WHERE key = 'audit_anchor_mac'");
	expect_broken(f, 5, "anchor", "anchor mac meta deleted");
	sql(f, "ROLLBACK TO t");
	sql(f, "DELETE FROM audit WHERE seq = 5");
	expect_broken(f, 5, "seq 5 is missing", "first row after the anchor");
	sql(f, "ROLLBACK TO t");
	sql(f, "INSERT INTO audit SELECT 2, at, kind, source, actor, subject,"
	    " order_id, role, count, result, mac FROM audit WHERE seq = 5");
	expect_broken(f, 2, "at or before the anchor", "row below anchor");
	sql(f, "ROLLBACK TO t");
	sql(f, "RELEASE t");
	expect_ok(f, 7);

	/* a break in the part to prune: nothing is pruned */
	sql(f, "UPDATE audit SET count = 7 WHERE seq = 7");
	assert_int_equal(audit_prune(f->a, T0 + 20 * DAY, &pruned, &err),
	    FULFIL_ECRYPTO);
	assert_non_null(strstr(err.msg, "seq 7"));
	assert_int_equal(pruned, 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), 7);
	assert_int_equal(sql_int(f, "SELECT seq FROM audit_anchor"), 4);
	sql(f, "UPDATE audit SET count = 5 WHERE seq = 7");
	expect_ok(f, 7);

	/* everything old: all rows go, the chain goes on from the anchor */
	assert_int_equal(audit_prune(f->a, T0 + 30 * DAY, &pruned, &err), 0);
	assert_int_equal(pruned, 7);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), 1);
	assert_int_equal(sql_int(f, "SELECT seq FROM audit_anchor"), 11);
	expect_ok(f, 1);
	log_ok(f, &sample[4], T0 + 30 * DAY);
	expect_ok(f, 2);
	assert_int_equal(sql_int(f, "SELECT max(seq) FROM audit"), 13);
	fx_free(f);
}

/* A clock that went back: only the old prefix is pruned, no holes. */
static void
test_prune_prefix_only(void **state)
{
	struct fx *f = fx_new(tu_cipher());
	struct ferr err = { 0 };
	int64_t pruned;

	(void)state;
	f->cfg->audit.retain = DAY;
	audit_free(f->a);
	fx_open_audit(f, false);
	log_ok(f, &sample[0], T0);
	log_ok(f, &sample[1], T0 + 10 * DAY);	/* seq 2: new */
	log_ok(f, &sample[2], T0 + 1);		/* seq 3: old, after a new */
	assert_int_equal(audit_prune(f->a, T0 + 5 * DAY, &pruned, &err), 0);
	assert_int_equal(pruned, 1);
	assert_int_equal(sql_int(f, "SELECT min(seq) FROM audit"), 2);
	expect_ok(f, 3);
	fx_free(f);
}

struct collected {
	int64_t seqs[64];
	size_t n;
	bool saw_order;
};

static int
collect(void *ctx, const struct audit_row *row)
{
	struct collected *c = ctx;

	c->seqs[c->n++] = row->seq;
	if (row->seq == 5) {
		assert_int_equal(row->kind, AUDIT_ROLE_GRANTED);
		assert_string_equal(row->source, "fulfilctl");
		assert_string_equal(row->actor, "sam.super");
		assert_string_equal(row->subject, "pat.picker");
		assert_string_equal(row->order_id, "ORD-1001");
		assert_string_equal(row->role, "picker");
		assert_int_equal(row->count, 90);
		c->saw_order = true;
	}
	if (row->seq == 1) {
		assert_null(row->subject);
		assert_int_equal(row->count, -1);
	}
	return 0;
}

static int
stop_at_two(void *ctx, const struct audit_row *row)
{
	struct collected *c = ctx;

	c->seqs[c->n++] = row->seq;
	return c->n == 2 ? 1 : 0;
}

static void
test_list(void **state)
{
	struct fx *f = fx_new(tu_cipher());
	struct collected c = { .n = 0 };
	struct ferr err = { 0 };

	(void)state;
	log_sample(f, T0, 60);
	assert_int_equal(audit_list(f->a, 0, collect, &c, &err), 0);
	assert_int_equal(c.n, NSAMPLE);
	assert_true(c.saw_order);
	assert_int_equal(c.seqs[0], 1);
	assert_int_equal(c.seqs[9], 10);
	memset(&c, 0, sizeof c);
	assert_int_equal(audit_list(f->a, T0 + 6 * 60, collect, &c, &err), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.seqs[0], 7);
	memset(&c, 0, sizeof c);
	assert_int_equal(audit_list(f->a, T0 + 3600, collect, &c, &err), 0);
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof c);
	assert_int_equal(audit_list(f->a, 0, stop_at_two, &c, &err), 0);
	assert_int_equal(c.n, 2);
	fx_free(f);
}

/* The syslog mirror: one datagram per event, as documented. */
static void
expect_dgram(int fd, int pri, int64_t at, const char *rest)
{
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char buf[2048], want[1024];
	time_t t = (time_t)at;
	struct tm tm;

	assert_non_null(localtime_r(&t, &tm));
	snprintf(want, sizeof want, "<%d>%s %2d %02d:%02d:%02d fulfil[%ld]: %s",
	    pri, months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (long)getpid(), rest);
	if (tu_recv_dgram(fd, buf, sizeof buf) == NULL)
		fail_msg("no datagram for: %s", rest);
	assert_string_equal(buf, want);
}

static void
test_syslog_mirror(void **state)
{
	struct audit_event pii = { AUDIT_LOGIN_FAILED, "Jane Doe", NULL, NULL,
	    NULL, -1, 0 };
	struct fx *f = fx_new(tu_cipher());
	struct ferr err = { 0 };
	char *path, buf[2048];
	int64_t pruned;
	int fd;

	(void)state;
	path = tu_path(f->tmp, "log.sock");
	fd = tu_bind_dgram(path);
	f->cfg->audit.syslog = true;
	free(f->cfg->audit.syslog_socket);
	f->cfg->audit.syslog_socket = strdup(path);
	audit_free(f->a);
	fx_open_audit(f, false);

	assert_int_equal(audit_log(f->a, &pii, T0, &err), FULFIL_EINVAL);
	log_sample(f, T0, 60);
	expect_dgram(fd, LOG_AUTHPRIV | LOG_NOTICE, T0, "audit seq=1 "
	    "kind=station-init source=fulfilctl actor=root result=0");
	assert_int_equal(LOG_AUTHPRIV | LOG_NOTICE, 85);
	expect_dgram(fd, 86, T0 + 60, "audit seq=2 kind=orders-imported "
	    "source=fulfilctl actor=root count=300 result=0");
	expect_dgram(fd, 84, T0 + 120, "audit seq=3 kind=login-failed "
	    "source=fulfilctl actor=#0123456789abcdef result=-7");
	expect_dgram(fd, 86, T0 + 180, "audit seq=4 kind=login-ok "
	    "source=fulfilctl actor=pat.picker result=0");
	expect_dgram(fd, 85, T0 + 240, "audit seq=5 kind=role-granted "
	    "source=fulfilctl actor=sam.super subject=pat.picker "
	    "order=ORD-1001 role=picker count=90 result=0");
	expect_dgram(fd, 85, T0 + 300, "audit seq=6 kind=action-refused "
	    "source=fulfilctl actor=pat.picker order=ORD-1002 role=dispatcher "
	    "result=-8");
	expect_dgram(fd, 84, T0 + 360, "audit seq=7 kind=account-locked "
	    "source=fulfilctl subject=pat.picker count=5 result=0");
	expect_dgram(fd, 83, T0 + 420, "audit seq=8 kind=tamper-found "
	    "source=fulfilctl actor=root order=ORD-1003 count=1 result=-6");
	expect_dgram(fd, 85, T0 + 480, "audit seq=9 kind=role-revoked "
	    "source=fulfilctl actor=sam.super subject=pat.picker role=picker "
	    "result=0");
	expect_dgram(fd, 86, T0 + 540, "audit seq=10 kind=logout "
	    "source=fulfilctl actor=pat.picker count=0 result=0");
	assert_null(tu_recv_dgram(fd, buf, sizeof buf));	/* no PII datagram */
	assert_int_equal(audit_syslog_failures(f->a), 0);

	/* a pruning is mirrored too, after its commit */
	f->cfg->audit.retain = DAY;
	audit_free(f->a);
	fx_open_audit(f, false);
	assert_int_equal(audit_prune(f->a, T0 + 2 * DAY, &pruned, &err), 0);
	expect_dgram(fd, 86, T0 + 2 * DAY, "audit seq=11 kind=pruned "
	    "source=fulfilctl count=10 result=0");
	assert_false(tu_tree_contains(f->tmp, "Jane", 4));

	/* every kind's level: warning or above for the security ones */
	{
		static const struct {
			int kind, pri;
		} levels[] = {
			{ AUDIT_LOGIN_LOCKED, 84 }, { AUDIT_SPRAY_ALERT, 81 },
			{ AUDIT_GRANT_REFUSED, 84 },
			{ AUDIT_CHAIN_BROKEN, 82 },
		};
		size_t i;

		for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
			struct audit_event ev = { levels[i].kind, NULL, NULL,
			    NULL, NULL, -1, 0 };

			log_ok(f, &ev, T0 + 3 * DAY);
			assert_non_null(tu_recv_dgram(fd, buf, sizeof buf));
			if (atoi(buf + 1) != levels[i].pri)
				fail_msg("kind %d sent as <%d>", levels[i].kind,
				    atoi(buf + 1));
		}
	}
	close(fd);

	/* no daemon: the event is stored, the failure counted */
	assert_int_equal(unlink(path), 0);
	log_ok(f, &sample[3], T0 + 3 * DAY);
	assert_int_equal(audit_syslog_failures(f->a), 1);
	free(f->cfg->audit.syslog_socket);
	f->cfg->audit.syslog_socket = strdup("/nonexistent/fulfil-test/log");
	audit_free(f->a);
	fx_open_audit(f, false);
	log_ok(f, &sample[3], T0 + 3 * DAY);
	log_ok(f, &sample[4], T0 + 3 * DAY);
	assert_int_equal(audit_syslog_failures(f->a), 2);
	expect_ok(f, 8);
	free(path);
	fx_free(f);
}

/* A daemon that does not read: sending never blocks the event. */
static void
test_syslog_never_blocks(void **state)
{
	struct fx *f = fx_new(tu_cipher());
	char *path;
	int fd, i;

	(void)state;
	path = tu_path(f->tmp, "full.sock");
	fd = tu_bind_dgram(path);
	f->cfg->audit.syslog = true;
	free(f->cfg->audit.syslog_socket);
	f->cfg->audit.syslog_socket = strdup(path);
	audit_free(f->a);
	fx_open_audit(f, false);
	/* the receive queue of a unix datagram socket holds few hundred */
	for (i = 0; i < 2000 && audit_syslog_failures(f->a) == 0; i++)
		log_ok(f, &sample[i % NSAMPLE], T0 + i);
	assert_true(audit_syslog_failures(f->a) > 0);
	log_ok(f, &sample[0], T0 + 5000);
	expect_ok(f, i + 1);
	close(fd);
	free(path);
	fx_free(f);
}

/* doc/audit-format.md lists exactly the kinds of the code's table. */
static void
test_doc_table(void **state)
{
	struct audit_kind_info k;
	char *text, *line, *next, want[512];
	size_t i, rows = 0;

	(void)state;
	text = tu_read_file(TOP_SRCDIR "/doc/audit-format.md", NULL);
	assert_non_null(text);
	for (i = 0; audit_kind_info(i, &k); i++) {
		assert_string_equal(audit_kind_name(k.kind), k.name);
		snprintf(want, sizeof want, "\n| %d | %s | %s | %s |\n", k.kind,
		    k.name, k.level_name, k.help);
		if (strstr(text, want) == NULL)
			fail_msg("doc/audit-format.md lacks the line%s", want);
		if (k.kind == AUDIT_LOGIN_FAILED ||
		    k.kind == AUDIT_LOGIN_LOCKED ||
		    k.kind == AUDIT_ACCOUNT_LOCKED ||
		    k.kind == AUDIT_SPRAY_ALERT ||
		    k.kind == AUDIT_TAMPER_FOUND ||
		    k.kind == AUDIT_CHAIN_BROKEN ||
		    k.kind == AUDIT_ANOMALY_LOCK ||
		    k.kind == AUDIT_GRANT_REFUSED ||
		    k.kind == AUDIT_SYNC_PAGE_REFUSED ||
		    k.kind == AUDIT_SYNC_AUTH_REFUSED ||
		    k.kind == AUDIT_RETENTION_CAP ||
		    k.kind == AUDIT_STALE_PII ||
		    k.kind == AUDIT_REKEY_RECOVERED ||
		    k.kind == AUDIT_REMOTE_WIPE)
			assert_true(k.level <= LOG_WARNING);
		else
			assert_true(k.level == LOG_INFO ||
			    k.level == LOG_NOTICE);
	}
	assert_false(audit_kind_info(i, &k));
	assert_null(audit_kind_name(0));
	assert_null(audit_kind_name(99));
	for (line = text; line != NULL && *line != '\0'; line = next) {
		char name[64];
		int kind;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (sscanf(line, "| %d | %63[a-z-] | ", &kind, name) == 2)
			rows++;
	}
	assert_int_equal(rows, i);
	free(text);
}

/* The station wiring: init logs station-init; opens carry the log. */
static void
test_station_wiring(void **state)
{
	struct station_init_result res;
	struct station *s = NULL;
	struct store *st = NULL;
	struct fulfil_config *cfg;
	struct audit_verify_result vr;
	struct collected c = { .n = 0 };
	struct ferr err = { 0 };
	char *tmp, user[STATION_USER_MAX];

	(void)state;
	assert_non_null(tmp = tu_mkdtemp());
	assert_non_null(cfg = config_new_defaults());
	free(cfg->cache.dir);
	free(cfg->cache.key);
	cfg->cache.dir = tu_path(tmp, "data");
	cfg->cache.key = tu_path(tmp, "cache.key");
	cfg->cache.cipher = tu_cipher();
	cfg->audit.syslog = false;
	assert_int_equal(station_os_user(user, &err), 0);
	assert_int_equal(station_init(cfg, &res, &err), 0);
	assert_int_equal(station_init(cfg, &res, &err), 0);	/* no-op */

	assert_int_equal(station_open(cfg, true, &s, &err), 0);
	assert_non_null(s->audit);
	assert_int_equal(audit_verify(s->audit, &vr, &err), 0);
	assert_true(vr.ok);
	assert_int_equal(vr.rows, 1);	/* the second init logged nothing */
	assert_int_equal(audit_list(s->audit, 0, collect, &c, &err), 0);
	assert_int_equal(c.n, 1);
	station_close(s);

	assert_int_equal(station_open_as(cfg, STATION_SOURCE_TERMINAL, false,
	    &s, &err), 0);
	{
		struct audit_event ev = { AUDIT_LOGOUT, user, NULL, NULL, NULL,
		    -1, 0 };

		assert_int_equal(audit_log(s->audit, &ev, T0, &err), 0);
	}
	assert_int_equal(sqlite3_get_autocommit(store_db(s->store)), 1);
	station_close(s);
	assert_int_equal(station_open_as(cfg, "Bad Source", false, &s, &err),
	    FULFIL_EINVAL);
	assert_null(s);

	assert_int_equal(store_open(cfg->cache.dir, 0, &st, &err), 0);
	{
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT "
		    "kind, source, actor FROM audit ORDER BY seq", -1, &q,
		    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), AUDIT_STATION_INIT);
		assert_string_equal(sqlite3_column_text(q, 1), "fulfilctl");
		assert_string_equal(sqlite3_column_text(q, 2), user);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), AUDIT_LOGOUT);
		assert_string_equal(sqlite3_column_text(q, 1), "fulfil");
		assert_int_equal(sqlite3_step(q), SQLITE_DONE);
		sqlite3_finalize(q);
		store_close(st);
	}
	config_free(cfg);
	tu_rmtree(tmp);
	free(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_verifies),
		cmocka_unit_test(test_tamper_found),
		cmocka_unit_test(test_rechain_needs_key),
		cmocka_unit_test(test_free_text_refused),
		cmocka_unit_test(test_source_and_readonly),
		cmocka_unit_test(test_caller_transaction),
		cmocka_unit_test(test_append_keeps_break),
		cmocka_unit_test(test_log_broken),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_prune_prefix_only),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_syslog_mirror),
		cmocka_unit_test(test_syslog_never_blocks),
		cmocka_unit_test(test_doc_table),
		cmocka_unit_test(test_station_wiring),
	};

	return cmocka_run_group_tests_name("audit", tests, setup, NULL);
}
