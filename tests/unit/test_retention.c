/*
 * test_retention: wipe on delivery really erases (a byte search of
 * cache.db, -wal and -shm finds no wiped blob, wrapped DEK or PII), the
 * tombstone stays, the sweep's rules under an injected clock (delivered +
 * retain_after_delivery, cancelled, the 30-day cap with its alert, the
 * stale-PII alert), key epochs (a saved wrapped DEK is dead after a
 * rotation; every live order still opens; crash recovery), purge --all
 * and its certificate. Under both ciphers where the CPU has them.
 *
 * All people and addresses here are synthetic.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "testutil.h"

#include "audit.h"
#include "crypto.h"
#include "fconfig.h"
#include "ferr.h"
#include "orders.h"
#include "report.h"
#include "retention.h"
#include "retention_files.h"
#include "secret.h"
#include "station.h"
#include "store.h"

#define DAY 86400
#define NORD 8

/* ---- fixtures ----------------------------------------------------------- */

struct fx {
	char *tmp;
	struct fulfil_config *cfg;
	struct station *s;
	enum fulfil_cipher cipher;
};

static int
fx_setup_cipher(void **state, enum fulfil_cipher c)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->cfg = tu_station_config(&f->tmp);
	f->cfg->cache.cipher = c;
	f->cipher = c;
	f->s = tu_station_start(f->cfg);
	*state = f;
	return 0;
}

static int
fx_setup(void **state)
{
	return fx_setup_cipher(state, tu_cipher());
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	station_close(f->s);
	config_free(f->cfg);
	tu_rmtree(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}

static void
fmt_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	assert_non_null(gmtime_r(&tt, &tm));
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The synthetic PII of order i, field k (0 name, 1 street, 2 phone, 3 mail). */
static void
pii_of(int i, int k, char *buf, size_t len)
{
	switch (k) {
	case 0:
		snprintf(buf, len, "Quorra Fenwhistle-%03d", i);
		break;
	case 1:
		snprintf(buf, len, "%03d Brambleweft Lane", i);
		break;
	case 2:
		snprintf(buf, len, "+44 7700 9%05d", i);
		break;
	default:
		snprintf(buf, len, "quorra.%03d@example.invalid", i);
		break;
	}
}

/* One order of the import format; status and times as given. */
static void
order_json(char *buf, size_t len, int i, const char *status, int64_t updated,
    int64_t delivered)
{
	char up[32], dl[40], name[64], street[64], phone[64], mail[64];

	fmt_time(updated, up, sizeof up);
	if (delivered > 0) {
		dl[0] = '"';
		fmt_time(delivered, dl + 1, sizeof dl - 2);
		strcat(dl, "\"");
	} else
		snprintf(dl, sizeof dl, "null");
	pii_of(i, 0, name, sizeof name);
	pii_of(i, 1, street, sizeof street);
	pii_of(i, 2, phone, sizeof phone);
	pii_of(i, 3, mail, sizeof mail);
	snprintf(buf, len,
	    "{\"id\":\"R-%03d\",\"ref\":\"114-000-%03d\",\"status\":\"%s\","
	    "\"ship_by\":\"2026-11-23T17:00:00Z\",\"service\":\"Standard\","
	    "\"updated_at\":\"%s\",\"delivered_at\":%s,"
	    "\"items\":[{\"sku\":\"MUG-%03d\",\"ean\":\"5012345678900\","
	    "\"title\":\"Teal mug\",\"qty\":1,\"bin\":\"A-01-03\"}],"
	    "\"ship_to\":{\"name\":\"%s\",\"line1\":\"%s\",\"line2\":\"\","
	    "\"city\":\"Wexlingham\",\"region\":\"\",\"postcode\":\"ZX9 8QW\","
	    "\"country\":\"GB\",\"phone\":\"%s\"},"
	    "\"buyer_email\":\"%s\",\"gift_message\":\"\"}",
	    i, i, status, up, dl, i, name, street, phone, mail);
}

/* Import orders first..last (inclusive) with one status. */
static void
import_range(struct fx *f, int first, int last, const char *status,
    int64_t updated, int64_t delivered)
{
	struct orders_ingest_stats st;
	struct ferr err = { 0 };
	size_t cap = 1024 * (size_t)(last - first + 2), off;
	char *doc = malloc(cap);
	int i;

	assert_non_null(doc);
	off = (size_t)snprintf(doc, cap, "{\"orders\":[");
	for (i = first; i <= last; i++) {
		if (i > first)
			doc[off++] = ',';
		order_json(doc + off, cap - off, i, status, updated, delivered);
		off += strlen(doc + off);
	}
	snprintf(doc + off, cap - off, "]}");
	if (orders_import_buffer(f->s->store, f->s->kek, f->s->cipher, doc,
	    strlen(doc), NULL, NULL, &st, &err) != 0)
		fail_msg("import: %s", err.msg);
	assert_int_equal(st.rejected, 0);
	free(doc);
}

static void
order_id(int i, char *buf, size_t len)
{
	snprintf(buf, len, "R-%03d", i);
}

/* A copy of an order's column (dek or sealed); NULL when it is NULL. */
static unsigned char *
column_copy(struct fx *f, const char *col, int i, size_t *len)
{
	sqlite3_stmt *q;
	unsigned char *out = NULL;
	char sql[128], id[16];

	order_id(i, id, sizeof id);
	snprintf(sql, sizeof sql, "SELECT %s FROM orders WHERE id = ?1", col);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store), sql, -1, &q,
	    NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	*len = (size_t)sqlite3_column_bytes(q, 0);
	if (sqlite3_column_type(q, 0) != SQLITE_NULL) {
		assert_non_null(out = malloc(*len));
		memcpy(out, sqlite3_column_blob(q, 0), *len);
	}
	sqlite3_finalize(q);
	return out;
}

static int64_t
query_int(struct fx *f, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store), sql, -1, &q,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* Does the data dir (cache.db, -wal, -shm) hold any 16-byte window of b? */
static bool
dir_holds_blob(struct fx *f, const unsigned char *b, size_t len)
{
	size_t offs[3], i;

	assert_true(len >= 48);
	offs[0] = 12;		/* the nonce */
	offs[1] = len / 2;	/* ciphertext */
	offs[2] = len - 16;	/* the tag */
	for (i = 0; i < 3; i++)
		if (tu_tree_contains(f->cfg->cache.dir, b + offs[i], 16))
			return true;
	return false;
}

static bool
dir_holds_pii(struct fx *f, int i)
{
	char v[64];
	int k;

	for (k = 0; k < 4; k++) {
		pii_of(i, k, v, sizeof v);
		if (tu_tree_contains(f->cfg->cache.dir, v, strlen(v)))
			return true;
	}
	return false;
}

static void
open_ok(struct fx *f, int i)
{
	struct order *o = NULL;
	struct ferr err = { 0 };
	char id[16], name[64];

	order_id(i, id, sizeof id);
	if (orders_find(f->s->store, f->s->kek, id, &o, &err) != 0)
		fail_msg("order %s does not open: %s", id, err.msg);
	pii_of(i, 0, name, sizeof name);
	assert_string_equal(o->ship_to.name, name);
	order_free(o);
}

static void
open_wiped(struct fx *f, int i)
{
	struct order *o = NULL;
	struct ferr err = { 0 };
	char id[16];

	order_id(i, id, sizeof id);
	assert_int_equal(orders_find(f->s->store, f->s->kek, id, &o, &err),
	    FULFIL_ESTATE);
	assert_non_null(strstr(err.msg, "wiped"));
	assert_null(o);
}

/* Count audit rows of a kind (optionally for an order). */
static int64_t
audit_count(struct fx *f, int kind, const char *order)
{
	sqlite3_stmt *q;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store),
	    "SELECT count(*) FROM audit WHERE kind = ?1"
	    " AND (?2 IS NULL OR order_id = ?2)", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_int(q, 1, kind);
	if (order != NULL)
		sqlite3_bind_text(q, 2, order, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* ---- forensics ---------------------------------------------------------- */

/*
 * Import NORD orders, remember each one's sealed blob and wrapped DEK,
 * deliver half of them (an import with status delivered and a newer
 * updated_at, as sync does: it stores new blobs, remembered too), sweep,
 * then search every byte of cache.db, -wal and -shm, with the station
 * open and after it is closed: no trace of the delivered half, and the
 * other half still opens.
 */
static void
run_forensics(enum fulfil_cipher c)
{
	struct retention_stats st;
	struct ferr err = { 0 };
	unsigned char *b[2][2][NORD + 1];	/* [import][sealed, dek][i] */
	size_t blen[2][2][NORD + 1];
	int64_t now = (int64_t)time(NULL);
	void *state;
	struct fx *f;
	int i, k, v, pass;

	memset(b, 0, sizeof b);
	fx_setup_cipher(&state, c);
	f = state;
	import_range(f, 1, NORD, "unshipped", now - 3600, 0);
	assert_int_equal(retention_checkpoint(f->s, &err), 0);
	for (i = 1; i <= NORD; i++) {
		b[0][0][i] = column_copy(f, "sealed", i, &blen[0][0][i]);
		b[0][1][i] = column_copy(f, "dek", i, &blen[0][1][i]);
		/* The search can find them: they are there before the wipe. */
		assert_true(dir_holds_blob(f, b[0][0][i], blen[0][0][i]));
		assert_true(tu_tree_contains(f->cfg->cache.dir, b[0][1][i],
		    blen[0][1][i]));
	}
	/* Delivered: the odd ones, through the same path sync uses. */
	for (i = 1; i <= NORD; i += 2) {
		import_range(f, i, i, "delivered", now - 60, now - 120);
		b[1][0][i] = column_copy(f, "sealed", i, &blen[1][0][i]);
		b[1][1][i] = column_copy(f, "dek", i, &blen[1][1][i]);
		assert_non_null(b[1][0][i]);
	}
	assert_int_equal(retention_sweep(f->s, now, &st, &err), 0);
	assert_int_equal(st.wiped_delivered, NORD / 2);
	assert_int_equal(st.wiped_cancelled + st.wiped_cap, 0);
	for (pass = 0; pass < 2; pass++) {
		for (i = 1; i <= NORD; i++) {
			bool gone = i % 2 == 1;

			for (v = 0; v < 2; v++) {
				if (b[v][0][i] == NULL)
					continue;
				assert_int_equal(!dir_holds_blob(f, b[v][0][i],
				    blen[v][0][i]), gone);
				assert_int_equal(!tu_tree_contains(
				    f->cfg->cache.dir, b[v][1][i],
				    blen[v][1][i]), gone);
			}
			assert_false(dir_holds_pii(f, i));
		}
		if (pass == 0) {
			/* Again with the station closed. */
			station_close(f->s);
			f->s = NULL;
		}
	}
	f->s = tu_station_start(f->cfg);
	for (i = 1; i <= NORD; i++) {
		if (i % 2 == 1)
			open_wiped(f, i);
		else
			open_ok(f, i);
	}
	for (v = 0; v < 2; v++)
		for (k = 0; k < 2; k++)
			for (i = 0; i <= NORD; i++)
				free(b[v][k][i]);
	fx_teardown(&state);
}

/*
 * The blobs stored by the delivered import are the ones the wipe must
 * erase: remember those and search for them while the station is open
 * (WAL truncated by the wipe's checkpoint) and after it is closed.
 */
static void
run_forensics_exact(enum fulfil_cipher c)
{
	struct ferr err = { 0 };
	unsigned char *sealed[NORD + 1], *dek[NORD + 1];
	size_t slen[NORD + 1], dlen[NORD + 1];
	int64_t now = (int64_t)time(NULL);
	char id[16];
	void *state;
	struct fx *f;
	int i;

	fx_setup_cipher(&state, c);
	f = state;
	import_range(f, 1, NORD, "unshipped", now - 3600, 0);
	for (i = 1; i <= NORD; i++) {
		sealed[i] = column_copy(f, "sealed", i, &slen[i]);
		dek[i] = column_copy(f, "dek", i, &dlen[i]);
	}
	assert_int_equal(retention_checkpoint(f->s, &err), 0);
	for (i = 1; i <= NORD; i += 2) {
		order_id(i, id, sizeof id);
		assert_int_equal(retention_wipe_order(f->s, id,
		    RETENTION_MANUAL, NULL, now, &err), 0);
	}
	/* Open station, WAL checkpointed: cache.db, -wal, -shm. */
	for (i = 1; i <= NORD; i++) {
		bool gone = i % 2 == 1;

		assert_int_equal(!dir_holds_blob(f, sealed[i], slen[i]), gone);
		assert_int_equal(!tu_tree_contains(f->cfg->cache.dir, dek[i],
		    dlen[i]), gone);
		assert_int_equal(!dir_holds_pii(f, i), true);
		if (gone)
			open_wiped(f, i);
		else
			open_ok(f, i);
	}
	assert_int_equal(query_int(f, "SELECT count(*) FROM orders"), NORD);
	assert_int_equal(query_int(f, "SELECT count(*) FROM orders WHERE"
	    " wiped_at IS NOT NULL AND wipe_reason = 4 AND"
	    " final_state = 'queued' AND sealed IS NULL AND dek IS NULL"),
	    NORD / 2);
	assert_int_equal(audit_count(f, AUDIT_ORDER_WIPED, NULL), NORD / 2);
	assert_int_equal(query_int(f, "PRAGMA freelist_count") >= 0, 1);
	for (i = 1; i <= NORD; i++) {
		free(sealed[i]);
		free(dek[i]);
	}
	fx_teardown(&state);
}

static void
test_forensics(void **state)
{
	enum fulfil_cipher cs[2];
	size_t n = tu_ciphers(cs), i;

	(void)state;
	for (i = 0; i < n; i++) {
		run_forensics(cs[i]);
		run_forensics_exact(cs[i]);
	}
}


/*
 * A big order's sealed blob spills into overflow pages; the wipe frees
 * them to sqlite's freelist. secure_delete must have zeroed them: no
 * 16-byte window of the blob is left anywhere in the data dir.
 */
static void
test_forensics_overflow(void **state)
{
	struct fx *f = *state;
	struct orders_ingest_stats st;
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL);
	size_t cap = 256 * 1024, off, len, i, hits = 0;
	unsigned char *blob;
	char up[32], *doc = malloc(cap);
	int k;

	assert_non_null(doc);
	fmt_time(now - 60, up, sizeof up);
	off = (size_t)snprintf(doc, cap, "{\"orders\":[{\"id\":\"BIG-1\","
	    "\"ref\":\"114-BIG\",\"status\":\"unshipped\","
	    "\"ship_by\":\"2026-11-23T17:00:00Z\",\"service\":\"Standard\","
	    "\"updated_at\":\"%s\",\"items\":[", up);
	for (k = 0; k < 300; k++)
		off += (size_t)snprintf(doc + off, cap - off, "%s{\"sku\":"
		    "\"SKU-%04d\",\"title\":\"Heirloom ceramic teapot number "
		    "%04d in speckled glaze\",\"qty\":1,\"bin\":\"B-%04d\"}",
		    k ? "," : "", k, k, k);
	snprintf(doc + off, cap - off, "],\"ship_to\":{\"name\":\"Ysolde "
	    "Quarrington-Big\",\"line1\":\"9 Larkspur Row\",\"city\":"
	    "\"Wexlingham\",\"postcode\":\"ZX9 8QW\",\"country\":\"GB\"},"
	    "\"buyer_email\":\"ysolde.big@example.invalid\"}]}");
	if (orders_import_buffer(f->s->store, f->s->kek, f->s->cipher, doc,
	    strlen(doc), NULL, NULL, &st, &err) != 0)
		fail_msg("import: %s", err.msg);
	free(doc);
	import_range(f, 1, 1, "unshipped", now - 60, 0);
	assert_int_equal(retention_checkpoint(f->s, &err), 0);
	blob = NULL;
	{
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store),
		    "SELECT sealed FROM orders WHERE id = 'BIG-1'", -1, &q,
		    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		len = (size_t)sqlite3_column_bytes(q, 0);
		assert_non_null(blob = malloc(len));
		memcpy(blob, sqlite3_column_blob(q, 0), len);
		sqlite3_finalize(q);
	}
	assert_true(len > 3 * 4096);	/* it needs overflow pages */
	assert_true(tu_tree_contains(f->cfg->cache.dir, blob + len / 2, 16));
	assert_int_equal(query_int(f, "PRAGMA freelist_count"), 0);
	assert_int_equal(retention_wipe_order(f->s, "BIG-1",
	    RETENTION_DELIVERED, NULL, now, &err), 0);
	assert_true(query_int(f, "PRAGMA freelist_count") >= 3);
	for (i = 12; i + 16 <= len; i += 512)
		hits += tu_tree_contains(f->cfg->cache.dir, blob + i, 16);
	assert_int_equal(hits, 0);
	assert_false(tu_tree_contains(f->cfg->cache.dir, "Quarrington", 11));
	open_ok(f, 1);
	free(blob);
}

/* ---- wipe_order --------------------------------------------------------- */

static void
test_wipe_errors(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL);

	import_range(f, 1, 2, "unshipped", now - 60, 0);
	assert_int_equal(retention_wipe_order(f->s, "NOPE-1",
	    RETENTION_MANUAL, NULL, now, &err), FULFIL_ENOTFOUND);
	assert_non_null(strstr(err.msg, "NOPE-1"));
	assert_int_equal(retention_wipe_order(f->s, "R-001", 99, NULL, now,
	    &err), FULFIL_EINVAL);
	assert_int_equal(retention_wipe_order(f->s, "", RETENTION_MANUAL, NULL,
	    now, &err), FULFIL_EINVAL);
	assert_int_equal(retention_wipe_order(f->s, "R-001", RETENTION_MANUAL,
	    NULL, now, &err), 0);
	assert_int_equal(retention_wipe_order(f->s, "R-001", RETENTION_MANUAL,
	    NULL, now, &err), FULFIL_ESTATE);
	assert_non_null(strstr(err.msg, "already wiped"));
	assert_int_equal(audit_count(f, AUDIT_ORDER_WIPED, "R-001"), 1);
	/* A re-import of a wiped order does not bring its data back. */
	import_range(f, 1, 1, "unshipped", now + 60, 0);
	open_wiped(f, 1);
	open_ok(f, 2);
	assert_string_equal(retention_reason_name(RETENTION_CAP), "cap");
	assert_string_equal(retention_reason_name(0), "?");
}

/* Inside the caller's transaction the wipe joins it: a rollback undoes it. */
static void
test_wipe_joins_transaction(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL);

	import_range(f, 1, 2, "unshipped", now - 60, 0);
	assert_int_equal(store_begin(f->s->store, &err), 0);
	assert_int_equal(retention_wipe_order(f->s, "R-001",
	    RETENTION_DELIVERED, NULL, now, &err), 0);
	store_rollback(f->s->store);
	open_ok(f, 1);
	assert_int_equal(audit_count(f, AUDIT_ORDER_WIPED, NULL), 0);
	assert_int_equal(store_begin(f->s->store, &err), 0);
	assert_int_equal(retention_wipe_order(f->s, "R-002",
	    RETENTION_REMOTE, NULL, now, &err), 0);
	assert_int_equal(store_commit(f->s->store, &err), 0);
	assert_int_equal(retention_checkpoint(f->s, &err), 0);
	open_wiped(f, 2);
	assert_int_equal(query_int(f, "SELECT wipe_reason FROM orders WHERE"
	    " id = 'R-002'"), RETENTION_REMOTE);
	/* The sweep refuses to run inside a transaction. */
	assert_int_equal(store_begin(f->s->store, &err), 0);
	assert_int_equal(retention_sweep(f->s, now, NULL, &err),
	    FULFIL_ESTATE);
	store_rollback(f->s->store);
}

/* Scan counts and overrides of a wiped order go; exceptions stay. */
static void
test_wipe_drops_rows(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL);

	import_range(f, 1, 1, "unshipped", now - 60, 0);
	assert_int_equal(store_exec(f->s->store,
	    "INSERT INTO scans VALUES ('R-001', 1, 0, 1);"
	    "INSERT INTO verify_overrides VALUES ('R-001', 1, 'sup', 1, 2);"
	    "INSERT INTO exceptions (order_id, kind, state, raised_by,"
	    " raised_at) VALUES ('R-001', 1, 'queued', 'pat', 1);", &err), 0);
	assert_int_equal(retention_wipe_order(f->s, "R-001",
	    RETENTION_CANCELLED, NULL, now, &err), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM scans"), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM verify_overrides"),
	    0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM exceptions"), 1);
}

/* Reveals and prints older than [audit] retain go with the sweep. */
static void
test_sweep_prunes_records(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL);
	int64_t old = now - f->cfg->audit.retain - 60;
	char sql[512];

	snprintf(sql, sizeof sql,
	    "INSERT INTO reveals (user, order_id, at, reason, reason_text)"
	    " VALUES ('sue', 'R-001', %lld, 1, x'00'), ('sue', 'R-002', %lld,"
	    " 1, x'00');"
	    "INSERT INTO prints (order_id, at, user, printer, bytes, reprint)"
	    " VALUES ('R-001', %lld, 'dan', 'device:/dev/null', 9, 0),"
	    " ('R-002', %lld, 'dan', 'device:/dev/null', 9, 0);",
	    (long long)old, (long long)now, (long long)old, (long long)now);
	assert_int_equal(store_exec(f->s->store, sql, &err), 0);
	assert_int_equal(retention_sweep(f->s, now, NULL, &err), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM reveals"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM reveals WHERE"
	    " order_id = 'R-002'"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM prints"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM prints WHERE"
	    " order_id = 'R-002'"), 1);
}

/* ---- the sweep ---------------------------------------------------------- */

struct sweep_case {
	const char *what;
	const char *status;
	int64_t updated_ago;	/* before t0 */
	int64_t delivered_ago;	/* before t0; 0: none */
	int64_t retain;		/* retain_after_delivery */
	int64_t at;		/* sweep at t0 + at */
	bool wiped;
	int why;
	int cap_alert;
};

static const struct sweep_case sweep_cases[] = {
	{ "delivered, retain 0", "delivered", 60, 120, 0, 0, true, 1, 0 },
	{ "delivered, retain 2d, at 1d", "delivered", 60, 120, 2 * DAY, DAY,
	    false, 0, 0 },
	{ "delivered, retain 2d, at 2d", "delivered", 60, 120, 2 * DAY,
	    2 * DAY, true, 1, 0 },
	{ "delivered without time: from updated_at", "delivered", 60, 0,
	    DAY, DAY - 61, false, 0, 0 },
	{ "delivered without time, a day later", "delivered", 60, 0, DAY,
	    DAY, true, 1, 0 },
	{ "cancelled: at once", "cancelled", 60, 0, 30 * DAY, 0, true, 2, 0 },
	{ "unshipped: kept", "unshipped", 60, 0, 0, 29 * DAY, false, 0, 0 },
	{ "shipped 29 days ago: kept", "shipped", 29 * DAY, 0, 0, 0, false, 0,
	    0 },
	{ "shipped 30 days ago: the cap", "shipped", 30 * DAY, 0, 0, 0, true,
	    3, 1 },
	{ "shipped today, swept 31 days on", "shipped", 60, 0, 0, 31 * DAY,
	    true, 3, 1 },
};

static void
test_sweep_rules(void **state)
{
	struct fx *f = *state;
	struct retention_stats st;
	struct ferr err = { 0 };
	int64_t t0 = (int64_t)time(NULL);
	size_t i;

	for (i = 0; i < sizeof sweep_cases / sizeof sweep_cases[0]; i++) {
		const struct sweep_case *c = &sweep_cases[i];
		struct retention_due d;
		char id[16], sql[128];
		int n = (int)i + 1;

		f->cfg->cache.retain_after_delivery = c->retain;
		import_range(f, n, n, c->status, t0 - c->updated_ago,
		    c->delivered_ago ? t0 - c->delivered_ago : 0);
		/* First sweep at t0 records shipment times. */
		assert_int_equal(retention_sweep(f->s, t0, &st, &err), 0);
		if (c->at != 0)
			assert_int_equal(retention_sweep(f->s, t0 + c->at, &st,
			    &err), 0);
		order_id(n, id, sizeof id);
		if (c->wiped)
			open_wiped(f, n);
		else
			open_ok(f, n);
		assert_int_equal(retention_due(f->s, t0 + c->at, &d, &err), 0);
		assert_int_equal(d.past_wipe_time, 0);
		snprintf(sql, sizeof sql, "SELECT coalesce(wipe_reason, 0) FROM"
		    " orders WHERE id = '%s'", id);
		if (query_int(f, sql) != c->why)
			fail_msg("%s: reason %" PRId64 ", wanted %d", c->what,
			    query_int(f, sql), c->why);
		assert_int_equal(audit_count(f, AUDIT_RETENTION_CAP, id),
		    c->cap_alert);
		/* Wipe what is left so cases do not interact. */
		if (!c->wiped)
			assert_int_equal(retention_wipe_order(f->s, id,
			    RETENTION_MANUAL, NULL, t0, &err), 0);
	}
}

/* Past the wipe time without a sweep: retention_due says so (R8). */
static void
test_due_counts(void **state)
{
	struct fx *f = *state;
	struct retention_stats st;
	struct retention_due d;
	struct ferr err = { 0 };
	int64_t t0 = (int64_t)time(NULL);

	import_range(f, 1, 3, "unshipped", t0 - 60, 0);
	import_range(f, 4, 4, "delivered", t0 - 60, t0 - 60);
	import_range(f, 5, 5, "shipped", t0 - 31 * DAY, 0);
	assert_int_equal(retention_due(f->s, t0, &d, &err), 0);
	assert_int_equal(d.with_pii, 5);
	assert_int_equal(d.past_wipe_time, 2);
	assert_int_equal(d.stale, 0);
	assert_int_equal(d.last_sweep, -1);
	assert_true(d.oldest_pii_age_s >= 0);
	assert_int_equal(retention_sweep(f->s, t0, &st, &err), 0);
	assert_int_equal(st.wiped_delivered, 1);
	assert_int_equal(st.wiped_cap, 1);
	assert_int_equal(retention_due(f->s, t0, &d, &err), 0);
	assert_int_equal(d.with_pii, 3);
	assert_int_equal(d.past_wipe_time, 0);
	assert_int_equal(d.wiped, 2);
	assert_int_equal(d.last_sweep, t0);
}

/* Never shipped, older than stale_pii_after: alerted daily, never wiped. */
static void
test_stale_alert(void **state)
{
	struct fx *f = *state;
	struct retention_stats st;
	struct retention_due d;
	struct ferr err = { 0 };
	int64_t t0 = (int64_t)time(NULL);

	f->cfg->cache.stale_pii_after = 14 * DAY;
	import_range(f, 1, 2, "unshipped", t0 - 60, 0);
	assert_int_equal(retention_sweep(f->s, t0 + 13 * DAY, &st, &err), 0);
	assert_int_equal(st.stale_alerts, 0);
	assert_int_equal(retention_sweep(f->s, t0 + 15 * DAY, &st, &err), 0);
	assert_int_equal(st.stale_alerts, 2);
	assert_int_equal(st.stale_orders, 2);
	assert_int_equal(audit_count(f, AUDIT_STALE_PII, "R-001"), 1);
	/* Not again within the day, again the next day. */
	assert_int_equal(retention_sweep(f->s, t0 + 15 * DAY + 3600, &st,
	    &err), 0);
	assert_int_equal(st.stale_alerts, 0);
	assert_int_equal(st.stale_orders, 2);
	assert_int_equal(retention_sweep(f->s, t0 + 16 * DAY, &st, &err), 0);
	assert_int_equal(st.stale_alerts, 2);
	assert_int_equal(audit_count(f, AUDIT_STALE_PII, "R-001"), 2);
	open_ok(f, 1);
	open_ok(f, 2);
	assert_int_equal(retention_due(f->s, t0 + 16 * DAY, &d, &err), 0);
	assert_int_equal(d.stale, 2);
	assert_int_equal(d.past_wipe_time, 0);
}

/* Already delivered or cancelled on arrival: the next sweep wipes it. */
static void
test_import_already_final(void **state)
{
	struct fx *f = *state;
	struct retention_stats st;
	struct ferr err = { 0 };
	int64_t t0 = (int64_t)time(NULL);

	import_range(f, 1, 1, "delivered", t0 - 60, t0 - 60);
	import_range(f, 2, 2, "cancelled", t0 - 60, 0);
	import_range(f, 3, 3, "unshipped", t0 - 60, 0);
	assert_int_equal(retention_sweep(f->s, t0, &st, &err), 0);
	assert_int_equal(st.wiped_delivered, 1);
	assert_int_equal(st.wiped_cancelled, 1);
	open_wiped(f, 1);
	open_wiped(f, 2);
	open_ok(f, 3);
	assert_int_equal(query_int(f, "SELECT count(*) FROM orders WHERE"
	    " final_state = 'delivered' AND wipe_reason = 1"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM orders WHERE"
	    " final_state = 'cancelled' AND wipe_reason = 2"), 1);
}

/* Shipped locally (the ship step's outbox row): the cap counts from it. */
static void
test_cap_from_local_ship(void **state)
{
	struct fx *f = *state;
	struct retention_stats st;
	struct ferr err = { 0 };
	int64_t t0 = (int64_t)time(NULL);
	char sql[256];

	import_range(f, 1, 1, "unshipped", t0 - 60, 0);
	snprintf(sql, sizeof sql, "UPDATE orders SET state = 'shipped';"
	    "INSERT INTO outbox (order_id, event, at, user, idem_key) VALUES"
	    " ('R-001', 'shipped', %" PRId64 ", 'pat', 'k1');", t0 - 10 * DAY);
	assert_int_equal(store_exec(f->s->store, sql, &err), 0);
	assert_int_equal(retention_sweep(f->s, t0, &st, &err), 0);
	assert_int_equal(st.shipped_marked, 1);
	assert_int_equal(query_int(f, "SELECT shipped_at FROM orders"),
	    t0 - 10 * DAY);
	assert_int_equal(retention_sweep(f->s, t0 + 19 * DAY, &st, &err), 0);
	open_ok(f, 1);
	assert_int_equal(retention_sweep(f->s, t0 + 20 * DAY, &st, &err), 0);
	assert_int_equal(st.wiped_cap, 1);
	open_wiped(f, 1);
	assert_int_equal(audit_count(f, AUDIT_RETENTION_CAP, "R-001"), 1);
}


/* ---- key epochs --------------------------------------------------------- */

static char *
key_new_path(struct fx *f)
{
	char *p = malloc(strlen(f->cfg->cache.key) + 5);

	assert_non_null(p);
	sprintf(p, "%s.new", f->cfg->cache.key);
	return p;
}

static bool
path_exists(const char *p)
{
	struct stat sb;

	return lstat(p, &sb) == 0;
}

/* Try to unwrap dek for id with every key file under the station's dir. */
static int
unwrap_with_any_key(struct fx *f, const char *id, const unsigned char *dek,
    size_t len)
{
	static const char *const names[] = {
		"cache.key", "cache.key.new", "cache.key.tmp", "cache.key.old",
	};
	struct secret *out = secret_new(CRYPTO_KEY_BYTES);
	size_t i;
	int opened = 0;

	assert_non_null(out);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *p = tu_path(f->tmp, names[i]);
		struct kek *k = NULL;

		if (crypto_kek_load(p, &k, NULL) == 0) {
			if (crypto_dek_unwrap(k, id, dek, len, out, NULL) == 0)
				opened++;
			crypto_kek_free(k);
		}
		free(p);
	}
	secret_free(out);
	return opened;
}

static void
integrity_ok(struct fx *f)
{
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store),
	    "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
	sqlite3_finalize(q);
}

static void
audit_chain_ok(struct fx *f)
{
	struct audit_verify_result v;
	struct ferr err = { 0 };

	assert_int_equal(audit_verify(f->s->audit, &v, &err), 0);
	if (!v.ok)
		fail_msg("audit chain: %s", v.why);
}

/*
 * Save a wrapped DEK, wipe the order, rotate: the saved copy opens with
 * no key on the station; every live order still opens; secrets survive.
 */
static void
test_rekey_kills_saved_dek(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	struct secret *sk = NULL;
	unsigned char *dek;
	size_t len;
	char fpr0[65], fpr1[65], pk[65], *np;
	int64_t now = (int64_t)time(NULL);
	int i;

	import_range(f, 1, 4, "unshipped", now - 60, 0);
	dek = column_copy(f, "dek", 1, &len);
	assert_non_null(dek);
	/* The copy opens while its key lives. */
	assert_int_equal(unwrap_with_any_key(f, "R-001", dek, len), 1);
	assert_int_equal(retention_wipe_order(f->s, "R-001", RETENTION_MANUAL,
	    NULL, now, &err), 0);
	assert_int_equal(unwrap_with_any_key(f, "R-001", dek, len), 1);
	crypto_kek_fingerprint(f->s->kek, fpr0);
	assert_int_equal(crypto_kek_epoch(f->s->kek), 1);
	if (retention_rekey(f->s, NULL, now, &err) != 0)
		fail_msg("rekey: %s", err.msg);
	crypto_kek_fingerprint(f->s->kek, fpr1);
	assert_string_not_equal(fpr0, fpr1);
	assert_int_equal(crypto_kek_epoch(f->s->kek), 2);
	assert_int_equal(unwrap_with_any_key(f, "R-001", dek, len), 0);
	assert_false(tu_tree_contains(f->tmp, dek, len));
	np = key_new_path(f);
	assert_false(path_exists(np));
	free(np);
	for (i = 2; i <= 4; i++)
		open_ok(f, i);
	assert_int_equal(query_int(f, "SELECT count(*) FROM orders WHERE"
	    " dek IS NOT NULL AND epoch = 2"), 3);
	assert_int_equal(station_signing_key(f->s, &sk, pk, &err), 0);
	secret_free(sk);
	assert_int_equal(audit_count(f, AUDIT_KEY_ROTATED, NULL), 1);
	audit_chain_ok(f);
	integrity_ok(f);
	/* A fresh open with the rotated file works, and the log verifies. */
	station_close(f->s);
	f->s = tu_station_start(f->cfg);
	for (i = 2; i <= 4; i++)
		open_ok(f, i);
	audit_chain_ok(f);
	free(dek);
}

/* A process that missed the rotation cannot store orders it would lose. */
static void
test_rekey_stale_process(void **state)
{
	struct fx *f = *state;
	struct orders_ingest_stats st;
	struct station *old = NULL;
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL);
	char doc[2048];
	bool reloaded;

	import_range(f, 1, 1, "unshipped", now - 60, 0);
	assert_int_equal(station_open(f->cfg, false, &old, &err), 0);
	assert_int_equal(retention_rekey(f->s, NULL, now, &err), 0);
	strcpy(doc, "{\"orders\":[");
	order_json(doc + strlen(doc), sizeof doc - 20, 2, "unshipped",
	    now - 60, 0);
	strcat(doc, "]}");
	assert_int_not_equal(orders_import_buffer(old->store, old->kek,
	    old->cipher, doc, strlen(doc), NULL, NULL, &st, &err), 0);
	assert_non_null(strstr(err.msg, "retired key epoch"));
	/* Taking up the new key, it stores and opens orders again. */
	assert_int_equal(retention_kek_refresh(old, &reloaded, &err), 0);
	assert_true(reloaded);
	assert_int_equal(crypto_kek_epoch(old->kek), 2);
	assert_int_equal(orders_import_buffer(old->store, old->kek,
	    old->cipher, doc, strlen(doc), NULL, NULL, &st, &err), 0);
	assert_int_equal(retention_kek_refresh(old, &reloaded, &err), 0);
	assert_false(reloaded);
	station_close(old);
	open_ok(f, 1);
	open_ok(f, 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM orders"), 2);
}

static void
test_rekey_credential_refused(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	char *saved = f->cfg->cache.key;

	f->cfg->cache.key = (char *)"credential:fulfil-kek";
	assert_int_equal(retention_rekey(f->s, NULL, 0, &err), FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "systemd credential"));
	f->cfg->cache.key = saved;
}

/* One rotation at a time: the data dir's lock is taken. */
static void
test_rekey_locked_out(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	int fd;

	assert_int_equal(retention_dir_lock(f->cfg->cache.dir, false, &fd,
	    &err), 0);
	assert_int_equal(retention_rekey(f->s, NULL, 0, &err), FULFIL_ESTATE);
	assert_non_null(strstr(err.msg, "another process"));
	retention_dir_unlock(fd);
	assert_int_equal(retention_rekey(f->s, NULL, 0, &err), 0);
}

static void
test_rotate_if_due(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL), age;
	bool rotated;

	f->cfg->cache.key_epoch = DAY;
	import_range(f, 1, 2, "unshipped", now - 60, 0);
	assert_int_equal(retention_rotate_if_due(f->s, NULL, now + 3600,
	    &rotated, &err), 0);
	assert_false(rotated);
	assert_int_equal(retention_rotate_if_due(f->s, NULL, now + DAY + 5,
	    &rotated, &err), 0);
	assert_true(rotated);
	assert_int_equal(crypto_kek_epoch(f->s->kek), 2);
	assert_int_equal(retention_epoch_age(f->s, now + DAY + 5, &age, &err),
	    0);
	assert_int_equal(age, 0);
	assert_int_equal(retention_rotate_if_due(f->s, NULL, now + DAY + 3600,
	    &rotated, &err), 0);
	assert_false(rotated);
	open_ok(f, 1);
	open_ok(f, 2);
}

/*
 * Run fn in a child that SIGKILLs itself at crash point n; f->s is
 * closed here (the caller opens it again). 1: it was killed.
 */
static int
crash_child(struct fx *f, int n, int (*fn)(struct fx *))
{
	char num[16];
	pid_t pid;
	int status;

	/* No sqlite connection may cross a fork: the child opens its own. */
	station_close(f->s);
	f->s = NULL;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		snprintf(num, sizeof num, "%d", n);
		setenv("FULFIL_TEST_CRASH_AT", num, 1);
		if (station_open(f->cfg, false, &f->s, NULL) != 0)
			_exit(4);
		_exit(fn(f) == 0 ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		assert_int_equal(WTERMSIG(status), SIGKILL);
		return 1;
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return 0;
}

static int
child_rekey(struct fx *f)
{
	struct ferr err = { 0 };

	return retention_rekey(f->s, NULL, (int64_t)time(NULL), &err);
}

/*
 * kill -9 at every crash point of a rotation: the next open finishes or
 * rolls back, every live order opens, one key file remains, the
 * database and the audit chain check out.
 */
static void
test_rekey_crash(void **state)
{
	struct fx *f = *state;
	int64_t now = (int64_t)time(NULL);
	uint32_t epoch = 1;
	int n, i, killed = 0;
	char *np = key_new_path(f);

	import_range(f, 1, 6, "unshipped", now - 60, 0);
	assert_int_equal(retention_wipe_order(f->s, "R-006", RETENTION_MANUAL,
	    NULL, now, NULL), 0);
	for (n = 1; n <= 30; n++) {
		/* The child writes; this process must not hold the db open. */
		killed += crash_child(f, n, child_rekey);
		f->s = tu_station_start(f->cfg);
		assert_false(path_exists(np));
		assert_true(crypto_kek_epoch(f->s->kek) == epoch ||
		    crypto_kek_epoch(f->s->kek) == epoch + 1);
		epoch = crypto_kek_epoch(f->s->kek);
		for (i = 1; i <= 5; i++)
			open_ok(f, i);
		open_wiped(f, 6);
		integrity_ok(f);
		audit_chain_ok(f);
	}
	assert_true(killed >= 12);
	assert_true(epoch > 10);
	free(np);
}

/* ---- purge --all -------------------------------------------------------- */

static char *
read_text(const char *path, size_t *len)
{
	char *t = tu_read_file(path, len);

	assert_non_null(t);
	return t;
}

static void
check_purged(struct fx *f, const char *cert)
{
	struct station *s = NULL;
	struct ferr err = { 0 };
	char *db = tu_path(f->cfg->cache.dir, "cache.db");
	char *pub = tu_path(f->cfg->cache.dir, RETENTION_PUBKEY_FILE);
	char *anchor = tu_path(f->cfg->cache.dir, RETENTION_ANCHOR_FILE);
	char *pending = tu_path(f->cfg->cache.dir, RETENTION_PENDING_FILE);
	char *copy = tu_path(f->cfg->cache.dir, RETENTION_CERT_COPY);
	char *text;
	size_t len;
	int i;

	assert_false(path_exists(db));
	assert_false(path_exists(f->cfg->cache.key));
	assert_false(path_exists(pending));
	assert_true(path_exists(pub));
	assert_true(path_exists(anchor));
	assert_true(path_exists(copy));
	assert_int_not_equal(station_open(f->cfg, true, &s, &err), 0);
	assert_null(s);
	for (i = 1; i <= 4; i++)
		assert_false(dir_holds_pii(f, i));
	text = read_text(cert, &len);
	if (retention_certificate_verify(f->cfg, text, len, NULL, &err) != 0)
		fail_msg("certificate: %s", err.msg);
	assert_null(strstr(text, "Fenwhistle"));
	free(text);
	free(db);
	free(pub);
	free(anchor);
	free(pending);
	free(copy);
}

static void
test_purge_all(void **state)
{
	struct fx *f = *state;
	struct retention_purge_result res;
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL);
	char *cert = tu_path(f->tmp, "cert.json"), *text, *json = NULL;
	size_t len, i;

	import_range(f, 1, 4, "unshipped", now - 60, 0);
	assert_int_equal(retention_wipe_order(f->s, "R-004",
	    RETENTION_DELIVERED, NULL, now, &err), 0);
	if (retention_purge_all(f->s, cert, now, NULL, RETENTION_MANUAL, NULL,
	    NULL, &json, &res, &err) != 0)
		fail_msg("purge: %s", err.msg);
	f->s = NULL;	/* consumed */
	assert_int_equal(res.orders, 4);
	assert_int_equal(res.orders_erased, 3);
	assert_true(res.kek_destroyed);
	assert_int_equal(res.keys_destroyed, 4);
	assert_false(res.resumed);
	assert_non_null(json);
	assert_non_null(strstr(json, "NIST SP 800-88"));
	free(json);
	check_purged(f, cert);
	/* One flipped byte anywhere: it no longer verifies. */
	text = read_text(cert, &len);
	for (i = 0; i < len; i += len / 17 + 1) {
		text[i] ^= 0x01;
		assert_int_not_equal(retention_certificate_verify(f->cfg, text,
		    len, NULL, &err), 0);
		text[i] ^= 0x01;
	}
	assert_int_equal(retention_certificate_verify(f->cfg, text, len, NULL,
	    &err), 0);
	/* Another station's key does not verify it. */
	assert_int_equal(retention_certificate_verify(f->cfg, text, len,
	    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	    &err), FULFIL_ECRYPTO);
	free(text);
	free(cert);
}

/* The OMS's wipe: no file, the certificate comes back in memory. */
static void
test_purge_remote(void **state)
{
	struct fx *f = *state;
	struct retention_purge_result res;
	struct ferr err = { 0 };
	char *json = NULL;

	import_range(f, 1, 2, "unshipped", (int64_t)time(NULL) - 60, 0);
	assert_int_equal(retention_purge_all(f->s, NULL, (int64_t)time(NULL),
	    NULL, RETENTION_REMOTE, NULL, NULL, &json, &res, &err), 0);
	f->s = NULL;
	assert_non_null(json);
	assert_non_null(strstr(json, "\"remote\""));
	assert_int_equal(retention_certificate_verify(f->cfg, json,
	    strlen(json), NULL, &err), 0);
	free(json);
}

static int
child_purge(struct fx *f)
{
	struct ferr err = { 0 };
	char *cert = tu_path(f->tmp, "cert.json");
	int r;

	r = retention_purge_all(f->s, cert, (int64_t)time(NULL), NULL,
	    RETENTION_MANUAL, NULL, NULL, NULL, NULL, &err);
	free(cert);
	return r;
}

/*
 * kill -9 at each crash point of purge --all: either nothing happened
 * (every order opens, the database checks out) or the purge is pending,
 * nothing opens, and finishing it yields a valid certificate.
 */
static void
test_purge_crash(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	int n, i, killed, pending_seen = 0, intact_seen = 0;
	char *cert = tu_path(f->tmp, "cert.json");

	for (n = 1; n <= 30; n++) {
		struct retention_purge_result res;
		struct station *s = NULL;

		if (f->s == NULL) {
			tu_rmtree(f->cfg->cache.dir);
			f->s = tu_station_start(f->cfg);
		}
		import_range(f, 1, 4, "unshipped", (int64_t)time(NULL) - 60,
		    0);
		killed = crash_child(f, n, child_purge);
		if (!killed) {
			check_purged(f, cert);
			continue;
		}
		if (!retention_purge_pending(f->cfg)) {
			intact_seen++;
			f->s = tu_station_start(f->cfg);
			for (i = 1; i <= 4; i++)
				open_ok(f, i);
			integrity_ok(f);
			audit_chain_ok(f);
			continue;
		}
		pending_seen++;
		assert_int_equal(station_open(f->cfg, true, &s, &err),
		    FULFIL_ESTATE);
		assert_non_null(strstr(err.msg, "purge"));
		if (retention_purge_resume(f->cfg, cert, NULL, NULL, NULL, &res,
		    &err) != 0)
			fail_msg("resume after crash %d: %s", n, err.msg);
		assert_true(res.resumed);
		assert_int_equal(res.orders, 4);
		check_purged(f, cert);
	}
	assert_true(pending_seen >= 5);
	assert_true(intact_seen >= 1);
	free(cert);
}


/* ---- report ------------------------------------------------------------- */

static const char *
report_status_of(json_t *doc, const char *rule)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(doc, "rules"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "rule")),
		    rule) == 0)
			return json_string_value(json_object_get(r, "status"));
	return NULL;
}

/* R8 is violated exactly while an order is past its wipe time. */
static void
test_report_clock(void **state)
{
	struct fx *f = *state;
	struct ferr err = { 0 };
	struct retention_stats st;
	int64_t t0 = (int64_t)time(NULL);
	json_t *doc = NULL;
	bool violated;

	f->cfg->cache.retain_after_delivery = DAY;
	import_range(f, 1, 1, "delivered", t0 - 60, t0 - 60);
	import_range(f, 2, 3, "unshipped", t0 - 60, 0);
	assert_int_equal(report_build(f->s, t0, &doc, &violated, &err), 0);
	assert_false(violated);
	assert_int_equal(json_array_size(json_object_get(doc, "rules")), 16);
	assert_string_equal(report_status_of(doc, "R8"), "ok");
	json_decref(doc);
	assert_int_equal(report_build(f->s, t0 + 2 * DAY, &doc, &violated,
	    &err), 0);
	assert_true(violated);
	assert_string_equal(report_status_of(doc, "R8"), "violated");
	assert_string_equal(report_status_of(doc, "R12"), "ok");
	json_decref(doc);
	assert_int_equal(retention_sweep(f->s, t0 + 2 * DAY, &st, &err), 0);
	assert_int_equal(st.wiped_delivered, 1);
	assert_int_equal(report_build(f->s, t0 + 2 * DAY, &doc, &violated,
	    &err), 0);
	assert_false(violated);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forensics),
		cmocka_unit_test_setup_teardown(test_forensics_overflow,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_prunes_records,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wipe_errors, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_wipe_joins_transaction,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wipe_drops_rows, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_sweep_rules, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_due_counts, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_stale_alert, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_import_already_final,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cap_from_local_ship,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rekey_kills_saved_dek,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rekey_stale_process,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rekey_credential_refused,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rekey_locked_out,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rotate_if_due, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_rekey_crash, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_purge_all, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_purge_remote, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_purge_crash, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_report_clock, fx_setup,
		    fx_teardown),
	};

	tu_init();
	return cmocka_run_group_tests_name("retention", tests, NULL, NULL);
}
