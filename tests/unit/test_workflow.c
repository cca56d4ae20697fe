/*
 * test_workflow: the order workflow: every step allowed and refused by
 * role, a revoke taking effect at the next action, the step's state
 * change, outbox row and audit row together or not at all (also when a
 * write fails half-way), scan-to-verify (SKU, EAN/GTIN, GS1, control
 * characters, wrong item, over-count, the 150 ms double fire, each step
 * verifying for itself, F6 gated, the supervisor's override), cancelled
 * and wiped orders, exceptions, the PII reveal and its rate limit, the
 * refused-scan rate limit, the picker queue, and no PII in any message,
 * audit row, outbox row or file.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "testutil.h"

#include "audit.h"
#include "fconfig.h"
#include "ferr.h"
#include "lockout.h"
#include "orders.h"
#include "policy.h"
#include "station.h"
#include "store.h"
#include "workflow.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The injected clock starts at the real time (the audit log prunes by it). */
static int64_t t0;
#define MS(t) ((int64_t)(t) * 1000)

/* People: one per role, one with every floor role, none. */
#define PICKER "pia"
#define PACKER "pete"
#define DISPATCHER "dora"
#define SUPERVISOR "sue"
#define AUDITOR "aud"
#define MULTI "mo"
#define NOBODY "nemo"

struct fixture {
	char *tmp;
	struct fulfil_config *cfg;
	struct station *s;
	struct workflow_scanner sc;
};

/* ---- synthetic PII: every string is unique to these tests ----------------- */

#define PII_MAX 128
static char pii[PII_MAX][96];
static int pii_owner[PII_MAX];	/* the p of the order it belongs to */
static size_t npii;

static const char *pii_add(int owner, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *
pii_add(int owner, const char *fmt, ...)
{
	va_list ap;

	assert_true(npii < PII_MAX);
	va_start(ap, fmt);
	vsnprintf(pii[npii], sizeof pii[0], fmt, ap);
	va_end(ap);
	pii_owner[npii] = owner;
	return pii[npii++];
}

/* No PII string inside text. */
static void
assert_no_pii(const char *text)
{
	size_t i;

	if (text == NULL)
		return;
	for (i = 0; i < npii; i++)
		if (strstr(text, pii[i]) != NULL)
			fail_msg("PII \"%s\" found in \"%s\"", pii[i], text);
}

/* ---- orders --------------------------------------------------------------- */

struct titem {
	const char *sku, *ean;
	int qty;
};

static json_t *
order_json(const char *id, const char *ship_by, const char *status,
    const char *updated, const char *service, int p, const struct titem *it,
    size_t nit)
{
	json_t *items = json_array();
	size_t i;

	for (i = 0; i < nit; i++) {
		json_t *j = json_pack("{s:s, s:s, s:i, s:s}", "sku", it[i].sku,
		    "title", pii_add(p, "Zorblax gadget %d", p * 10 + (int)i),
		    "qty", it[i].qty, "bin", "B-01-02");

		if (it[i].ean != NULL)
			json_object_set_new(j, "ean", json_string(it[i].ean));
		json_array_append_new(items, j);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o,"
	    " s:{s:s, s:s, s:s, s:s, s:s, s:s},"
	    " s:s, s:s}",
	    "id", id, "ref", id + 2, "status", status, "ship_by", ship_by,
	    "service", service, "updated_at", updated, "items", items,
	    "ship_to",
	    "name", pii_add(p, "Quenby Zarkowitz%d", p),
	    "line1", pii_add(p, "%d1 Imaginary Crescent", p),
	    "city", pii_add(p, "Vrellsby%d", p),
	    "postcode", pii_add(p, "ZX%d 4QQ", p),
	    "country", "GB",
	    "phone", pii_add(p, "+44 7700 9004%d0", p),
	    "buyer_email", pii_add(p, "quenby%d@example.invalid", p),
	    "gift_message", pii_add(p, "Happy Zorbday number %d", p));
}

static void
import_doc(struct fixture *f, json_t *arr)
{
	struct orders_ingest_stats st;
	struct ferr err = { 0 };
	json_t *doc = json_pack("{s:o}", "orders", arr);
	char *txt = json_dumps(doc, JSON_COMPACT);

	assert_non_null(txt);
	if (orders_import_buffer(f->s->store, f->s->kek, f->s->cipher, txt,
	    strlen(txt), NULL, NULL, &st, &err) != 0)
		fail_msg("import: %s", err.msg);
	assert_int_equal(st.rejected, 0);
	free(txt);
	json_decref(doc);
}

static const struct titem items_1001[] = {
	{ "MUG-BLU", "5012345678900", 2 },
	{ "TEA-GRN", "4006381333931", 1 },
};
static const struct titem items_one[] = { { "BOX-SML", "96385074", 1 } };
static const struct titem items_dup[] = {
	{ "PEN-RED", NULL, 1 },
	{ "PEN-RED", NULL, 2 },
};

/*
 * A-1001: 2 lines (3 items), the usual subject.
 * A-1002, A-1003: one item each, earlier and later ship-by.
 * A-1004: cancelled later; A-1005: wiped later; A-1006: two lines of
 * the same SKU.
 */
static void
import_orders(struct fixture *f)
{
	json_t *arr = json_array();

	json_array_append_new(arr, order_json("A-1001",
	    "2026-11-23T17:00:00Z", "unshipped", "2026-11-22T08:00:00Z",
	    "Standard", 1, items_1001, NELEM(items_1001)));
	json_array_append_new(arr, order_json("A-1002",
	    "2026-11-23T09:00:00Z", "unshipped", "2026-11-22T08:00:00Z",
	    "Express", 2, items_one, NELEM(items_one)));
	json_array_append_new(arr, order_json("A-1003",
	    "2026-11-24T09:00:00Z", "unshipped", "2026-11-22T08:00:00Z",
	    "Next\x1b[2J\xe2\x80\xae" "Day", 3, items_one, NELEM(items_one)));
	json_array_append_new(arr, order_json("A-1004",
	    "2026-11-22T12:00:00Z", "unshipped", "2026-11-22T08:00:00Z",
	    "Standard", 4, items_one, NELEM(items_one)));
	json_array_append_new(arr, order_json("A-1005",
	    "2026-11-22T13:00:00Z", "unshipped", "2026-11-22T08:00:00Z",
	    "Standard", 5, items_one, NELEM(items_one)));
	json_array_append_new(arr, order_json("A-1006",
	    "2026-11-25T13:00:00Z", "unshipped", "2026-11-22T08:00:00Z",
	    "Standard", 6, items_dup, NELEM(items_dup)));
	import_doc(f, arr);
}

static void
cancel_order(struct fixture *f, const char *id, int p)
{
	json_t *arr = json_array();

	json_array_append_new(arr, order_json(id, "2026-11-22T12:00:00Z",
	    "cancelled", "2026-11-22T09:00:00Z", "Standard", p, items_one,
	    NELEM(items_one)));
	import_doc(f, arr);
}

/* ---- database helpers --------------------------------------------------- */

static void sql_exec(struct fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sql_exec(struct fixture *f, const char *fmt, ...)
{
	char sql[512];
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	if (sqlite3_exec(store_db(f->s->store), sql, NULL, NULL, &msg) !=
	    SQLITE_OK)
		fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
}

static int64_t sql_int(struct fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int64_t
sql_int(struct fixture *f, const char *fmt, ...)
{
	char sql[512];
	sqlite3_stmt *q;
	int64_t v = -1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store), sql, -1,
	    &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static void
sql_text(struct fixture *f, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *q;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store), sql, -1,
	    &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		snprintf(buf, len, "%s",
		    (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
}

static void
set_state(struct fixture *f, const char *id, const char *state)
{
	sql_exec(f, "UPDATE orders SET state = '%s' WHERE id = '%s'", state,
	    id);
}

static int64_t
outbox_rows(struct fixture *f, const char *id)
{
	return sql_int(f, "SELECT count(*) FROM outbox WHERE order_id = '%s'",
	    id);
}

/* ---- audit rows ------------------------------------------------------------ */

/* The audit log's rows; no text in any of them is PII. */
static struct tu_rows *
audit_rows(struct fixture *f)
{
	static struct tu_rows r;
	size_t i;

	tu_audit_rows(f->s->audit, &r);
	for (i = 0; i < r.n; i++) {
		assert_no_pii(r.actor[i]);
		assert_no_pii(r.subject[i]);
		assert_no_pii(r.order[i]);
		assert_no_pii(r.role[i]);
	}
	return &r;
}

/* ---- fixture ---------------------------------------------------------------- */

static void
grant(struct fixture *f, const char *user, enum role role)
{
	struct policy_actor by = { .name = "opsadmin", .admin = true };
	struct ferr err = { 0 };

	if (policy_grant(f->s->store, f->s->audit, &by, user, role, 30,
	    t0 - 100, &err) != 0)
		fail_msg("policy_grant %s: %s", user, err.msg);
}

static void
revoke_role(struct fixture *f, const char *user, enum role role, int64_t now)
{
	struct policy_actor by = { .name = "opsadmin", .admin = true };
	struct ferr err = { 0 };

	if (policy_revoke(f->s->store, f->s->audit, &by, user, role, 0, now,
	    &err) != 0)
		fail_msg("policy_revoke %s: %s", user, err.msg);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct station_init_result res;
	struct ferr err = { 0 };

	tu_init();
	assert_non_null(f);
	t0 = (int64_t)time(NULL);
	npii = 0;
	assert_non_null(f->tmp = tu_mkdtemp());
	assert_non_null(f->cfg = config_new_defaults());
	free(f->cfg->cache.dir);
	free(f->cfg->cache.key);
	f->cfg->cache.dir = tu_path(f->tmp, "data");
	f->cfg->cache.key = tu_path(f->tmp, "cache.key");
	f->cfg->cache.cipher = tu_cipher();
	f->cfg->auth.max_failures = 3;
	f->cfg->auth.failure_window = 900;
	f->cfg->auth.lockout = 600;
	f->cfg->audit.syslog = false;
	/* A character device: labels print and go nowhere. */
	f->cfg->printer.uri = strdup("device:/dev/null");
	if (station_init(f->cfg, &res, &err) != 0)
		fail_msg("station_init: %s", err.msg);
	if (station_open(f->cfg, false, &f->s, &err) != 0)
		fail_msg("station_open: %s", err.msg);
	grant(f, PICKER, ROLE_PICKER);
	grant(f, PACKER, ROLE_PACKER);
	grant(f, DISPATCHER, ROLE_DISPATCHER);
	grant(f, SUPERVISOR, ROLE_SUPERVISOR);
	grant(f, AUDITOR, ROLE_AUDITOR);
	grant(f, MULTI, ROLE_PICKER);
	grant(f, MULTI, ROLE_PACKER);
	grant(f, MULTI, ROLE_DISPATCHER);
	import_orders(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tu_station_stop(f->s, f->cfg, f->tmp);
	free(f);
	return 0;
}

/* ---- calling the workflow ------------------------------------------------- */

/* Every call's outcome: messages checked for PII and shape. */
static void
check_outcome(int r, const struct workflow_outcome *out,
    const struct ferr *err)
{
	const char *p;

	assert_no_pii(out->msg);
	assert_no_pii(err->msg);
	for (p = out->msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control character in \"%s\"", out->msg);
	if (r == 0) {
		assert_true(out->result >= WF_R_DONE &&
		    out->result <= WF_R_ALLOWED);
	} else {
		assert_true(r < 0);
		assert_true(out->result >= WF_R_WRONG_ITEM);
		assert_int_equal(err->code, r);
		assert_string_equal(err->msg, out->msg);
		assert_true(out->msg[0] != '\0');
	}
}

static int
scan_at(struct fixture *f, const char *user, const char *order,
    const char *code, int64_t ms, struct workflow_outcome *out)
{
	struct ferr err = { 0 };
	int r;

	r = workflow_scan(f->s, user, &f->sc, order, code, ms, out, &err);
	check_outcome(r, out, &err);
	return r;
}

/* Scans spaced well apart, so none is a double fire. */
static int64_t scan_clock;

static int
scan(struct fixture *f, const char *user, const char *order,
    const char *code, struct workflow_outcome *out)
{
	scan_clock += 1000;
	return scan_at(f, user, order, code, MS(t0) + scan_clock, out);
}

static int
advance(struct fixture *f, const char *user, const char *order,
    enum workflow_step step, const char *tracking,
    struct workflow_outcome *out)
{
	struct ferr err = { 0 };
	int r;

	/* The label step is taken by printing the label. */
	if (step == WF_STEP_LABEL && tracking == NULL)
		r = workflow_print(f->s, user, order, 0, t0 + 10, out, &err);
	else
		r = workflow_advance(f->s, user, order, step, tracking,
		    t0 + 10, out, &err);
	check_outcome(r, out, &err);
	return r;
}

/* Scan every item of A-1001 (3 items) as user. */
static void
verify_1001(struct fixture *f, const char *user)
{
	struct workflow_outcome out;

	assert_int_equal(scan(f, user, "A-1001", "MUG-BLU", &out), 0);
	assert_int_equal(scan(f, user, "A-1001", "MUG-BLU", &out), 0);
	assert_int_equal(scan(f, user, "A-1001", "TEA-GRN", &out), 0);
	assert_true(out.complete);
}

/* ---- tests: steps and roles ----------------------------------------------- */

static const char *const people[] = {
	PICKER, PACKER, DISPATCHER, SUPERVISOR, AUDITOR, NOBODY,
};

/* Which person may take each step. */
static const struct {
	enum workflow_step step;
	const char *before, *after, *who, *event;
	const char *tracking;
	const char *role;
} step_table[] = {
	{ WF_STEP_PICK, "queued", "picked", PICKER, "picked", NULL,
	    "picker" },
	{ WF_STEP_PACK, "picked", "packed", PACKER, "packed", NULL,
	    "packer" },
	{ WF_STEP_LABEL, "packed", "labelled", DISPATCHER, "labelled", NULL,
	    "dispatcher" },
	{ WF_STEP_SHIP, "labelled", "shipped", DISPATCHER, "shipped",
	    "1Z999AA10123456784", "dispatcher" },
};

static void
test_steps_by_role(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct tu_rows *r;
	char buf[128];
	size_t i, j;
	int64_t box, steps, refused;

	for (i = 0; i < NELEM(step_table); i++) {
		for (j = 0; j < NELEM(people); j++) {
			const char *who = people[j];
			bool allowed = strcmp(who, step_table[i].who) == 0;
			int rc;

			set_state(f, "A-1002", step_table[i].before);
			/* Verification is tested elsewhere: lift it. */
			sql_exec(f, "INSERT OR REPLACE INTO verify_overrides"
			    " VALUES ('A-1002', %d, 'sue', 0, 1)",
			    (int)step_table[i].step);
			box = outbox_rows(f, "A-1002");
			r = audit_rows(f);
			steps = (int64_t)tu_count_kind(r, AUDIT_ORDER_STEP);
			refused = (int64_t)tu_count_kind(r, AUDIT_ACTION_REFUSED);
			rc = advance(f, who, "A-1002", step_table[i].step,
			    step_table[i].tracking, &out);
			r = audit_rows(f);
			if (!allowed) {
				assert_int_equal(rc, FULFIL_EPERM);
				assert_int_equal(out.result, WF_R_ROLE);
				assert_int_equal(outbox_rows(f, "A-1002"), box);
				assert_int_equal(tu_count_kind(r,
				    AUDIT_ORDER_STEP), steps);
				sql_text(f, "SELECT state FROM orders WHERE"
				    " id = 'A-1002'", buf, sizeof buf);
				assert_string_equal(buf,
				    step_table[i].before);
				/* An authorisation refusal is audited. */
				if (strcmp(who, NOBODY) != 0) {
					int k = tu_last_kind(r,
					    AUDIT_ACTION_REFUSED);

					assert_int_equal(tu_count_kind(r,
					    AUDIT_ACTION_REFUSED),
					    refused + 1);
					assert_string_equal(r->actor[k], who);
					assert_string_equal(r->order[k],
					    "A-1002");
					assert_string_equal(r->role[k],
					    step_table[i].role);
				}
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(out.result, WF_R_DONE);
			assert_int_equal(out.state, (int)step_table[i].step);
			assert_int_equal(outbox_rows(f, "A-1002"), box + 1);
			assert_int_equal(tu_count_kind(r, AUDIT_ORDER_STEP),
			    steps + 1);
			{
				int k = tu_last_kind(r, AUDIT_ORDER_STEP);

				assert_string_equal(r->actor[k], who);
				assert_string_equal(r->order[k], "A-1002");
				assert_string_equal(r->role[k],
				    step_table[i].role);
				assert_int_equal(r->count[k],
				    (int)step_table[i].step);
				assert_int_equal(r->result[k], 0);
			}
			sql_text(f, "SELECT state FROM orders WHERE"
			    " id = 'A-1002'", buf, sizeof buf);
			assert_string_equal(buf, step_table[i].after);
			sql_text(f, "SELECT event || '|' || user || '|' ||"
			    " attempts || '|' || next_attempt || '|' ||"
			    " coalesce(tracking, '-') || '|' || length(idem_key)"
			    " || '|' || (at - strftime('%s', 'now') < 600)"
			    " FROM outbox ORDER BY seq DESC LIMIT 1", buf,
			    sizeof buf);
			{
				char want[128];

				snprintf(want, sizeof want,
				    "%s|%s|0|0|%s|32|1", step_table[i].event,
				    who, step_table[i].tracking != NULL ?
				    step_table[i].tracking : "-");
				assert_string_equal(buf, want);
			}
			/*
			 * The same step again is in the wrong state now; F5
			 * again on a labelled order is a reprint, which needs
			 * a reason.
			 */
			rc = advance(f, who, "A-1002", step_table[i].step,
			    step_table[i].tracking, &out);
			if (step_table[i].step == WF_STEP_LABEL) {
				assert_int_equal(rc, FULFIL_EINVAL);
				assert_int_equal(out.result, WF_R_BAD_INPUT);
			} else {
				assert_int_equal(rc, FULFIL_ESTATE);
				assert_int_equal(out.result,
				    WF_R_WRONG_STATE);
			}
		}
	}
	/* Idempotency keys are unique hex. */
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT idem_key) FROM"
	    " outbox"), sql_int(f, "SELECT count(*) FROM outbox"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM outbox WHERE"
	    " idem_key GLOB '*[^0-9a-f]*'"), 0);
}

static void
test_wrong_state_and_input(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;

	/* Steps out of order. */
	assert_int_equal(advance(f, DISPATCHER, "A-1001", WF_STEP_LABEL,
	    NULL, &out), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_WRONG_STATE);
	assert_string_equal(out.msg,
	    "Order A-1001 is queued: only a packed order gets a label");
	assert_int_equal(advance(f, PACKER, "A-1001", WF_STEP_PACK, NULL,
	    &out), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_WRONG_STATE);
	/* No such step, order, or a tracking where none belongs. */
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_NONE, NULL,
	    &out), FULFIL_EINVAL);
	assert_int_equal(out.result, WF_R_BAD_INPUT);
	assert_int_equal(advance(f, PICKER, "A-1001", (enum workflow_step)9,
	    NULL, &out), FULFIL_EINVAL);
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, "1Z",
	    &out), FULFIL_EINVAL);
	assert_int_equal(advance(f, PICKER, "B-404", WF_STEP_PICK, NULL,
	    &out), FULFIL_ENOTFOUND);
	assert_int_equal(out.result, WF_R_NOT_FOUND);
	assert_string_equal(out.msg, "No order B-404");
	assert_int_equal(advance(f, PICKER, "bad id\x1b[2J", WF_STEP_PICK,
	    NULL, &out), FULFIL_ENOTFOUND);
	assert_string_equal(out.msg, "No such order");
	assert_int_equal(outbox_rows(f, "A-1001"), 0);
}

static void
test_tracking(void **state)
{
	static const struct {
		const char *tracking;
		bool ok;
	} cases[] = {
		{ NULL, false },
		{ "", false },
		{ " 1Z999", false },
		{ "1Z999 ", false },
		{ "1Z\x01" "999", false },
		{ "1Z\xc3\x84" "99", false },
		{ "1Z\x7f", false },
		{ "12345678901234567890123456789012345678901234567890123456789"
		  "012345", false },	/* 65 */
		{ "12345678901234567890123456789012345678901234567890123456789"
		  "01234", true },	/* 64 */
		{ "1Z 999 AA1 01 2345 6784", true },
		{ "A", true },
	};
	struct fixture *f = *state;
	struct workflow_outcome out;
	char buf[80];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		set_state(f, "A-1002", "labelled");
		if (!cases[i].ok) {
			assert_int_equal(advance(f, DISPATCHER, "A-1002",
			    WF_STEP_SHIP, cases[i].tracking, &out),
			    FULFIL_EINVAL);
			assert_int_equal(out.result, WF_R_BAD_INPUT);
			continue;
		}
		assert_int_equal(advance(f, DISPATCHER, "A-1002", WF_STEP_SHIP,
		    cases[i].tracking, &out), 0);
		sql_text(f, "SELECT tracking FROM outbox ORDER BY seq DESC"
		    " LIMIT 1", buf, sizeof buf);
		assert_string_equal(buf, cases[i].tracking);
	}
	assert_int_equal(outbox_rows(f, "A-1002"), 3);
}

static void
test_revoke_midway(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct tu_rows *r;
	int k;

	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out), 0);
	revoke_role(f, PICKER, ROLE_PICKER, t0 + 1);
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out),
	    FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_ROLE);
	assert_string_equal(out.msg,
	    "Refused: this needs the picker role, which you do not hold now");
	r = audit_rows(f);
	k = tu_last_kind(r, AUDIT_ACTION_REFUSED);
	assert_true(k >= 0);
	assert_string_equal(r->actor[k], PICKER);
	assert_string_equal(r->role[k], "picker");
	/* The refused scan did not count. */
	assert_int_equal(sql_int(f, "SELECT sum(count) FROM scans"), 1);

	/* Granted again, verified in full, revoked before F6. */
	grant(f, PICKER, ROLE_PICKER);
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out), 0);
	assert_int_equal(scan(f, PICKER, "A-1001", "TEA-GRN", &out), 0);
	assert_true(out.complete);
	revoke_role(f, PICKER, ROLE_PICKER, t0 + 5);
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_ROLE);
	assert_int_equal(outbox_rows(f, "A-1001"), 0);
	/* Another picker can confirm the counts already made. */
	assert_int_equal(advance(f, MULTI, "A-1001", WF_STEP_PICK, NULL,
	    &out), 0);

	/* An expired grant counts as none. */
	assert_int_equal(workflow_advance(f->s, MULTI, "A-1001", WF_STEP_PACK,
	    NULL, t0 + 40 * 86400, &out, NULL), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_ROLE);
}

/* A write that fails half-way leaves nothing: state, audit, outbox. */
static void
test_rollback(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	struct tu_rows *r;
	size_t before, steps;
	char buf[32];

	verify_1001(f, PICKER);
	r = audit_rows(f);
	before = r->n;
	steps = tu_count_kind(r, AUDIT_ORDER_STEP);
	sql_exec(f, "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON"
	    " main.outbox BEGIN SELECT RAISE(ABORT, 'forced'); END");
	assert_int_equal(workflow_advance(f->s, PICKER, "A-1001",
	    WF_STEP_PICK, NULL, t0 + 10, &out, &err), FULFIL_EDB);
	assert_int_equal(out.result, WF_R_ERROR);
	assert_int_equal(err.code, FULFIL_EDB);
	assert_non_null(strstr(out.msg, "forced"));
	sql_text(f, "SELECT state FROM orders WHERE id = 'A-1001'", buf,
	    sizeof buf);
	assert_string_equal(buf, "queued");
	assert_int_equal(outbox_rows(f, "A-1001"), 0);
	r = audit_rows(f);
	assert_int_equal(r->n, before);
	assert_int_equal(tu_count_kind(r, AUDIT_ORDER_STEP), steps);

	/* Fails at the audit row: the state change goes too. */
	sql_exec(f, "DROP TRIGGER fail_outbox");
	sql_exec(f, "CREATE TEMP TRIGGER fail_audit BEFORE INSERT ON"
	    " main.audit BEGIN SELECT RAISE(ABORT, 'forced'); END");
	assert_int_equal(workflow_advance(f->s, PICKER, "A-1001",
	    WF_STEP_PICK, NULL, t0 + 10, &out, &err), FULFIL_EDB);
	sql_text(f, "SELECT state FROM orders WHERE id = 'A-1001'", buf,
	    sizeof buf);
	assert_string_equal(buf, "queued");
	assert_int_equal(outbox_rows(f, "A-1001"), 0);
	sql_exec(f, "DROP TRIGGER fail_audit");

	/* Nothing was left half-done: the step now goes through. */
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), 0);
	assert_int_equal(outbox_rows(f, "A-1001"), 1);
	r = audit_rows(f);
	assert_int_equal(tu_count_kind(r, AUDIT_ORDER_STEP), steps + 1);
	{
		struct audit_verify_result vr;

		assert_int_equal(audit_verify(f->s->audit, &vr, &err), 0);
		assert_true(vr.ok);
	}
}

/* ---- tests: scans ------------------------------------------------------------ */

static void
test_scan_sku_and_ean(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;

	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out), 0);
	assert_int_equal(out.result, WF_R_COUNTED);
	assert_int_equal(out.line, 0);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.qty, 2);
	assert_int_equal(out.remaining, 2);
	assert_false(out.complete);
	assert_int_equal(out.fx, 0);
	assert_string_equal(out.msg, "Line 1: 1 of 2; 2 more items to scan");
	/* EAN-13. */
	assert_int_equal(scan(f, PICKER, "A-1001", "5012345678900", &out), 0);
	assert_int_equal(out.line, 0);
	assert_int_equal(out.count, 2);
	assert_string_equal(out.msg, "Line 1: 2 of 2; 1 more item to scan");
	/* The same EAN as GTIN-14 (zero-padded): over-count on line 1. */
	assert_int_equal(scan(f, PICKER, "A-1001", "05012345678900", &out),
	    FULFIL_EINVAL);
	assert_int_equal(out.result, WF_R_OVER_COUNT);
	assert_int_equal(out.fx, WF_FX_BEEP);
	assert_int_equal(out.line, 0);
	assert_string_equal(out.msg, "Scanned 05012345678900: line 1 already"
	    " has all 2; expected 1 more item");
	/* SKU in another case (caps lock on the wedge). */
	assert_int_equal(scan(f, PICKER, "A-1001", "tea-grn", &out), 0);
	assert_int_equal(out.line, 1);
	assert_true(out.complete);
	assert_int_equal(out.remaining, 0);
	assert_string_equal(out.msg,
	    "Line 2: 1 of 1; every item is verified: press F6");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM scans WHERE"
	    " order_id = 'A-1001' AND step = 1"), 2);

	/* EAN-8 and UPC-A / GS1 forms on the next order. */
	assert_int_equal(scan(f, PICKER, "A-1002", "96385074", &out), 0);
	assert_true(out.complete);
	assert_int_equal(scan(f, PICKER, "A-1003", "]E0" "96385074", &out),
	    0);
	assert_true(out.complete);
	/* Duplicate SKU lines fill the first line, then the next. */
	assert_int_equal(scan(f, PICKER, "A-1006", "PEN-RED", &out), 0);
	assert_int_equal(out.line, 0);
	assert_int_equal(scan(f, PICKER, "A-1006", "PEN-RED", &out), 0);
	assert_int_equal(out.line, 1);
	assert_int_equal(scan(f, PICKER, "A-1006", "PEN-RED", &out), 0);
	assert_int_equal(out.line, 1);
	assert_true(out.complete);
	assert_int_equal(scan(f, PICKER, "A-1006", "PEN-RED", &out),
	    FULFIL_EINVAL);
	assert_int_equal(out.result, WF_R_OVER_COUNT);
}

static void
test_scan_wrong_item(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct tu_rows *r;
	int k;

	assert_int_equal(scan(f, PICKER, "A-1001", "SKU-4411", &out),
	    FULFIL_ENOTFOUND);
	assert_int_equal(out.result, WF_R_WRONG_ITEM);
	assert_int_equal(out.fx, WF_FX_BEEP);
	assert_int_equal(out.remaining, 3);
	assert_string_equal(out.msg,
	    "Scanned SKU-4411: not in order A-1001; expected 3 more items");
	/* An EAN of another order's item. */
	assert_int_equal(scan(f, PICKER, "A-1001", "96385074", &out),
	    FULFIL_ENOTFOUND);
	/* A long code is cut in the message. */
	assert_int_equal(scan(f, PICKER, "A-1001",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", &out), FULFIL_ENOTFOUND);
	assert_string_equal(out.msg, "Scanned ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "012345...: not in order A-1001; expected 3 more items");
	/* Text that is not SKU-shaped is not echoed. */
	assert_int_equal(scan(f, PICKER, "A-1001", "two words", &out),
	    FULFIL_ENOTFOUND);
	assert_string_equal(out.msg,
	    "Scanned a code: not in order A-1001; expected 3 more items");
	assert_int_equal(scan(f, PICKER, "A-1001", "x@example.invalid", &out),
	    FULFIL_ENOTFOUND);
	assert_string_equal(out.msg,
	    "Scanned a code: not in order A-1001; expected 3 more items");
	/* Nothing was counted; every refusal is audited. */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM scans"), 0);
	r = audit_rows(f);
	assert_int_equal(tu_count_kind(r, AUDIT_SCAN_REFUSED), 5);
	k = tu_last_kind(r, AUDIT_SCAN_REFUSED);
	assert_string_equal(r->actor[k], PICKER);
	assert_string_equal(r->order[k], "A-1001");
	assert_string_equal(r->role[k], "picker");
	assert_int_equal(r->count[k], 5);
	assert_int_equal(r->result[k], FULFIL_ENOTFOUND);

	/* Over-count is audited with its own result. */
	verify_1001(f, PICKER);
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out),
	    FULFIL_EINVAL);
	assert_string_equal(out.msg, "Scanned MUG-BLU: line 1 already has all"
	    " 2; every item is already verified: press F6");
	r = audit_rows(f);
	assert_int_equal(r->result[tu_last_kind(r, AUDIT_SCAN_REFUSED)],
	    FULFIL_EINVAL);
	/* Once verified, a wrong item says so. */
	assert_int_equal(scan(f, PICKER, "A-1001", "SKU-4411", &out),
	    FULFIL_ENOTFOUND);
	assert_string_equal(out.msg, "Scanned SKU-4411: not in order A-1001;"
	    " every item is already verified: press F6");
}

static void
test_scan_double_fire(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	int64_t t = MS(t0) + 5000;

	assert_int_equal(scan_at(f, PICKER, "A-1001", "MUG-BLU", t, &out), 0);
	assert_int_equal(out.count, 1);
	/* Within 150 ms: the same scan again, ignored. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "MUG-BLU", t + 1, &out),
	    0);
	assert_int_equal(out.result, WF_R_IGNORED);
	assert_string_equal(out.msg, "");
	assert_int_equal(scan_at(f, PICKER, "A-1001", "MUG-BLU", t + 150,
	    &out), 0);
	assert_int_equal(out.result, WF_R_IGNORED);
	/* 151 ms after the counted one: a second item. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "MUG-BLU", t + 151,
	    &out), 0);
	assert_int_equal(out.result, WF_R_COUNTED);
	assert_int_equal(out.count, 2);
	assert_int_equal(sql_int(f, "SELECT count FROM scans WHERE line = 0"),
	    2);
	/* The same code with control characters is the same scan. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "MUG-BLU\r\n", t + 200,
	    &out), 0);
	assert_int_equal(out.result, WF_R_IGNORED);
	/* A different code within 150 ms is a scan of its own. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "TEA-GRN", t + 210,
	    &out), 0);
	assert_int_equal(out.result, WF_R_COUNTED);
	/* A refused scan fired twice is refused (and audited) once. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "SKU-4411", t + 1000,
	    &out), FULFIL_ENOTFOUND);
	assert_int_equal(scan_at(f, PICKER, "A-1001", "SKU-4411", t + 1100,
	    &out), 0);
	assert_int_equal(out.result, WF_R_IGNORED);
	assert_int_equal(tu_count_kind(audit_rows(f), AUDIT_SCAN_REFUSED), 1);
	/* A clock that went backwards never ignores. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "SKU-4411", t + 900,
	    &out), FULFIL_ENOTFOUND);
	/* Another order: not the same scan. */
	assert_int_equal(scan_at(f, PICKER, "A-1002", "SKU-4411", t + 901,
	    &out), FULFIL_ENOTFOUND);
	assert_int_equal(tu_count_kind(audit_rows(f), AUDIT_SCAN_REFUSED), 3);
	/* After a reset nothing is remembered. */
	workflow_scanner_reset(&f->sc);
	assert_false(f->sc.have);
	assert_int_equal(scan_at(f, PICKER, "A-1002", "SKU-4411", t + 902,
	    &out), FULFIL_ENOTFOUND);
}

static void
test_scan_control_characters(void **state)
{
	static const struct {
		const char *code;
		int line;	/* -1: refused as wrong item; -2: ignored */
	} cases[] = {
		{ "MUG-BLU\r", 0 },
		{ "\x1d" "MUG-BLU\n", 0 },
		{ "\x02" "TEA-GRN\x03", 1 },
		{ "\xc2\x9b" "MUG-BLU", 0 },		/* C1 CSI */
		{ "  MUG-BLU\t ", 0 },
		{ "MUG\x1d-BLU", 0 },			/* GS inside */
		{ "\x1d\x1d\r\n", -2 },			/* nothing left */
		{ "", -2 },
		{ "\x1b[2J", -1 },			/* ESC gone, "[2J" */
		{ "\xff\xfe", -1 },
		{ "SKU\x1b]0;title\x07", -1 },
	};
	struct fixture *f = *state;
	struct workflow_outcome out;
	char big[4096];
	size_t i;
	int r;

	for (i = 0; i < NELEM(cases); i++) {
		sql_exec(f, "DELETE FROM scans");
		r = scan(f, PICKER, "A-1001", cases[i].code, &out);
		if (cases[i].line >= 0) {
			assert_int_equal(r, 0);
			assert_int_equal(out.result, WF_R_COUNTED);
			assert_int_equal(out.line, cases[i].line);
		} else if (cases[i].line == -2) {
			assert_int_equal(r, 0);
			assert_int_equal(out.result, WF_R_IGNORED);
		} else {
			assert_int_equal(r, FULFIL_ENOTFOUND);
			assert_int_equal(out.result, WF_R_WRONG_ITEM);
			assert_null(strchr(out.msg, '\x1b'));
		}
	}
	/* GS1-128 with AI 01 (GTIN), a group separator and a lot number. */
	sql_exec(f, "DELETE FROM scans");
	assert_int_equal(scan(f, PICKER, "A-1001",
	    "]C1" "0105012345678900" "\x1d" "10LOT42", &out), 0);
	assert_int_equal(out.line, 0);
	assert_int_equal(scan(f, PICKER, "A-1001",
	    "0104006381333931" "\x1d" "17261231", &out), 0);
	assert_int_equal(out.line, 1);
	/* Hostile lengths never crash and never match. */
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (i = 0; i < sizeof big - 1; i += 7)
		big[i] = '\x1d';
	assert_int_equal(scan(f, PICKER, "A-1001", big, &out),
	    FULFIL_ENOTFOUND);
	memcpy(big, "MUG-BLU", 7);
	assert_int_equal(scan(f, PICKER, "A-1001", big, &out),
	    FULFIL_ENOTFOUND);
}

static void
test_f6_gated_each_step_verifies(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct workflow_progress *p = calloc(1, sizeof *p);
	struct ferr err = { 0 };

	assert_non_null(p);
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_NOT_VERIFIED);
	assert_int_equal(out.remaining, 3);
	assert_string_equal(out.msg, "Order A-1001: 3 items are not verified"
	    " yet; scan them or ask a supervisor");
	assert_int_equal(workflow_check(f->s, PICKER, "A-1001", WF_STEP_PICK,
	    t0, &out, &err), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_NOT_VERIFIED);
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out), 0);
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out), 0);
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), FULFIL_ESTATE);
	assert_string_equal(out.msg, "Order A-1001: 1 item is not verified"
	    " yet; scan it or ask a supervisor");
	assert_int_equal(scan(f, PICKER, "A-1001", "TEA-GRN", &out), 0);
	assert_int_equal(workflow_check(f->s, PICKER, "A-1001", WF_STEP_PICK,
	    t0, &out, &err), 0);
	assert_int_equal(out.result, WF_R_ALLOWED);
	/* A check writes nothing, not even for a person without the role. */
	assert_int_equal(workflow_check(f->s, PACKER, "A-1001", WF_STEP_PICK,
	    t0, &out, &err), FULFIL_EPERM);
	assert_int_equal(tu_count_kind(audit_rows(f), AUDIT_ACTION_REFUSED), 0);
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), 0);
	assert_string_equal(out.msg, "Order A-1001 picked");

	/* The packer verifies for themself: the picker's counts stay apart. */
	assert_int_equal(workflow_progress(f->s, PACKER, "A-1001", t0, p,
	    &err), 0);
	assert_int_equal(p->state, WF_STATE_PICKED);
	assert_int_equal(p->step, WF_STEP_PACK);
	assert_int_equal(p->role, ROLE_PACKER);
	assert_true(p->scans);
	assert_false(p->verified);
	assert_int_equal(p->nlines, 2);
	assert_int_equal(p->total, 3);
	assert_int_equal(p->counted, 0);
	assert_int_equal(advance(f, PACKER, "A-1001", WF_STEP_PACK, NULL,
	    &out), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_NOT_VERIFIED);
	assert_int_equal(out.remaining, 3);
	/* The picker's scans are done: a picker cannot scan at pack. */
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out),
	    FULFIL_EPERM);
	verify_1001(f, PACKER);
	assert_int_equal(workflow_progress(f->s, PACKER, "A-1001", t0, p,
	    &err), 0);
	assert_true(p->verified);
	assert_int_equal(p->lines[0].qty, 2);
	assert_int_equal(p->lines[0].count, 2);
	assert_int_equal(p->lines[1].count, 1);
	assert_int_equal(sql_int(f, "SELECT sum(count) FROM scans WHERE step"
	    " = 1"), 3);
	assert_int_equal(sql_int(f, "SELECT sum(count) FROM scans WHERE step"
	    " = 2"), 3);
	assert_int_equal(advance(f, PACKER, "A-1001", WF_STEP_PACK, NULL,
	    &out), 0);
	/* Packed: the next step verifies nothing by scan. */
	assert_int_equal(scan(f, DISPATCHER, "A-1001", "MUG-BLU", &out),
	    FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_NO_SCAN);
	assert_int_equal(workflow_check(f->s, DISPATCHER, "A-1001",
	    WF_STEP_LABEL, t0, &out, &err), 0);
	assert_int_equal(workflow_print(f->s, DISPATCHER, "A-1001", 0,
	    t0 + 20, &out, &err), 0);
	assert_int_equal(out.state, WF_STATE_LABELLED);
	assert_int_equal(advance(f, DISPATCHER, "A-1001", WF_STEP_SHIP,
	    "TRK-0001", &out), 0);
	/* Shipping drops the counts. */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM scans WHERE"
	    " order_id = 'A-1001'"), 0);
	assert_int_equal(workflow_progress(f->s, DISPATCHER, "A-1001", t0, p,
	    &err), 0);
	assert_int_equal(p->step, WF_STEP_NONE);
	assert_int_equal(p->role, 0);
	/* Auditors and strangers see no progress. */
	assert_int_equal(workflow_progress(f->s, AUDITOR, "A-1001", t0, p,
	    &err), FULFIL_EPERM);
	assert_int_equal(workflow_progress(f->s, NOBODY, "A-1001", t0, p,
	    &err), FULFIL_EPERM);
	free(p);
}

static void
test_multi_role_person(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;

	assert_int_equal(scan(f, MULTI, "A-1002", "BOX-SML", &out), 0);
	assert_int_equal(advance(f, MULTI, "A-1002", WF_STEP_PICK, NULL, &out),
	    0);
	/* A second F6 meant for pick cannot take the pack step. */
	assert_int_equal(advance(f, MULTI, "A-1002", WF_STEP_PICK, NULL, &out),
	    FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_WRONG_STATE);
	assert_int_equal(scan(f, MULTI, "A-1002", "BOX-SML", &out), 0);
	assert_int_equal(advance(f, MULTI, "A-1002", WF_STEP_PACK, NULL, &out),
	    0);
	assert_int_equal(advance(f, MULTI, "A-1002", WF_STEP_LABEL, NULL,
	    &out), 0);
	assert_int_equal(advance(f, MULTI, "A-1002", WF_STEP_SHIP, "T-1",
	    &out), 0);
	assert_int_equal(outbox_rows(f, "A-1002"), 4);
}

static void
test_override(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	struct tu_rows *r;
	int k;

	/* Only a supervisor, with a reason from the table. */
	assert_int_equal(workflow_override(f->s, PICKER, "A-1001",
	    WF_OVR_UNREADABLE, t0, &out, &err), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_ROLE);
	assert_int_equal(workflow_override(f->s, SUPERVISOR, "A-1001", 99, t0,
	    &out, &err), FULFIL_EINVAL);
	assert_int_equal(out.result, WF_R_BAD_INPUT);
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out), 0);
	assert_int_equal(workflow_override(f->s, SUPERVISOR, "A-1001",
	    WF_OVR_NO_BARCODE, t0 + 1, &out, &err), 0);
	assert_int_equal(out.result, WF_R_RECORDED);
	r = audit_rows(f);
	k = tu_last_kind(r, AUDIT_OVERRIDE);
	assert_true(k >= 0);
	assert_string_equal(r->actor[k], SUPERVISOR);
	assert_string_equal(r->order[k], "A-1001");
	assert_string_equal(r->role[k], "picker");
	assert_int_equal(r->count[k], WF_OVR_NO_BARCODE);
	/* The pick step may now be taken; the pack step is gated again. */
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), 0);
	assert_int_equal(advance(f, PACKER, "A-1001", WF_STEP_PACK, NULL,
	    &out), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_NOT_VERIFIED);
	/* The supervisor does not take the step for the packer. */
	assert_int_equal(workflow_override(f->s, SUPERVISOR, "A-1001",
	    WF_OVR_SCANNER, t0 + 2, &out, &err), 0);
	assert_int_equal(advance(f, SUPERVISOR, "A-1001", WF_STEP_PACK, NULL,
	    &out), FULFIL_EPERM);
	assert_int_equal(advance(f, PACKER, "A-1001", WF_STEP_PACK, NULL,
	    &out), 0);
	/* Nothing to lift once packed. */
	assert_int_equal(workflow_override(f->s, SUPERVISOR, "A-1001",
	    WF_OVR_SCANNER, t0 + 3, &out, &err), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_NO_SCAN);
	assert_int_equal(tu_count_kind(audit_rows(f), AUDIT_OVERRIDE), 2);
}

/* ---- tests: cancelled and wiped ---------------------------------------------- */

static void
test_cancelled_and_wiped(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	struct workflow_progress *p = calloc(1, sizeof *p);
	const struct {
		const char *id;
		enum workflow_result result;
		const char *msg;
	} cases[] = {
		{ "A-1004", WF_R_CANCELLED, "Order A-1004 was cancelled: stop,"
		    " and put its items aside for a supervisor" },
		{ "A-1005", WF_R_WIPED, "Order A-1005 no longer holds its data:"
		    " it cannot be worked on" },
	};
	size_t i, j;

	assert_non_null(p);
	/* Half-way through picking when the OMS cancels it. */
	assert_int_equal(scan(f, PICKER, "A-1004", "96385074", &out), 0);
	cancel_order(f, "A-1004", 4);
	sql_exec(f, "UPDATE orders SET sealed = NULL, dek = NULL WHERE id ="
	    " 'A-1005'");
	for (i = 0; i < NELEM(cases); i++) {
		const char *id = cases[i].id;

		for (j = WF_STEP_PICK; j <= WF_STEP_SHIP; j++) {
			set_state(f, id, step_table[j - 1].before);
			assert_int_equal(advance(f, step_table[j - 1].who, id,
			    (enum workflow_step)j, step_table[j - 1].tracking,
			    &out), FULFIL_ESTATE);
			assert_int_equal(out.result, cases[i].result);
			assert_true(out.fx & WF_FX_ALERT);
			assert_string_equal(out.msg, cases[i].msg);
		}
		set_state(f, id, "queued");
		assert_int_equal(scan(f, PICKER, id, "96385074", &out),
		    FULFIL_ESTATE);
		assert_int_equal(out.result, cases[i].result);
		assert_true(out.fx & WF_FX_ALERT);
		assert_int_equal(workflow_exception_raise(f->s, PICKER, id,
		    WF_EXC_DAMAGED, t0, &out, &err), FULFIL_ESTATE);
		assert_int_equal(out.result, cases[i].result);
		assert_int_equal(workflow_override(f->s, SUPERVISOR, id,
		    WF_OVR_SCANNER, t0, &out, &err), FULFIL_ESTATE);
		assert_int_equal(out.result, cases[i].result);
		assert_int_equal(workflow_reveal(f->s, SUPERVISOR, id,
		    WF_REV_CARRIER, "carrier asks", t0, &out, &err),
		    FULFIL_ESTATE);
		assert_int_equal(out.result, cases[i].result);
		assert_int_equal(workflow_check(f->s, PICKER, id,
		    WF_STEP_PICK, t0, &out, &err), FULFIL_ESTATE);
		assert_int_equal(out.result, cases[i].result);
		assert_int_equal(outbox_rows(f, id), 0);
		assert_int_equal(workflow_progress(f->s, PICKER, id, t0, p,
		    &err), 0);
		assert_int_equal(p->cancelled, i == 0);
		assert_int_equal(p->wiped, i == 1);
	}
	assert_int_equal(p->nlines, 0);
	assert_int_equal(tu_count_kind(audit_rows(f), AUDIT_ORDER_STEP), 0);
	free(p);
}

/* ---- tests: exceptions ------------------------------------------------------ */

struct exc_seen {
	size_t n;
	struct workflow_exception_info e[8];
	char ids[8][ORDER_ID_MAX + 1], by[8][40];
};

static int
exc_collect(void *ctx, const struct workflow_exception_info *e)
{
	struct exc_seen *s = ctx;

	if (s->n < 8) {
		s->e[s->n] = *e;
		snprintf(s->ids[s->n], sizeof s->ids[0], "%s", e->order_id);
		snprintf(s->by[s->n], sizeof s->by[0], "%s", e->raised_by);
		s->n++;
	}
	return 0;
}

static void
test_exceptions(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	struct exc_seen seen;
	struct tu_rows *r;
	int64_t id;
	int k;

	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out), 0);
	/* Only the role of the order's next step (or a supervisor). */
	assert_int_equal(workflow_exception_raise(f->s, PACKER, "A-1001",
	    WF_EXC_SHORT_PICK, t0, &out, &err), FULFIL_EPERM);
	assert_int_equal(workflow_exception_raise(f->s, PICKER, "A-1001", 0,
	    t0, &out, &err), FULFIL_EINVAL);
	assert_int_equal(workflow_exception_raise(f->s, PICKER, "A-1001",
	    WF_EXC_SHORT_PICK, t0 + 1, &out, &err), 0);
	assert_int_equal(out.result, WF_R_RECORDED);
	assert_string_equal(out.msg, "Order A-1001: exception recorded (short"
	    " pick: fewer items in the bin than the order needs); a"
	    " supervisor will resolve it");
	id = out.exception_id;
	assert_true(id > 0);
	r = audit_rows(f);
	k = tu_last_kind(r, AUDIT_EXCEPTION);
	assert_string_equal(r->actor[k], PICKER);
	assert_string_equal(r->role[k], "picker");
	assert_string_equal(r->order[k], "A-1001");
	assert_int_equal(r->count[k], WF_EXC_SHORT_PICK);

	/* The order is held: no scan, no step, no second exception. */
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out),
	    FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_EXCEPTION);
	assert_int_equal(workflow_override(f->s, SUPERVISOR, "A-1001",
	    WF_OVR_CHECKED, t0 + 2, &out, &err), FULFIL_ESTATE);
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_EXCEPTION);
	assert_string_equal(out.msg, "Order A-1001 has an open exception: a"
	    " supervisor must resolve it");
	assert_int_equal(workflow_exception_raise(f->s, SUPERVISOR, "A-1001",
	    WF_EXC_OTHER, t0 + 2, &out, &err), FULFIL_ESTATE);
	/* A supervisor raises on another order. */
	assert_int_equal(workflow_exception_raise(f->s, SUPERVISOR, "A-1002",
	    WF_EXC_DAMAGED, t0 + 3, &out, &err), 0);

	/* The supervisor queue: ids, kinds, who, when; nobody else's. */
	memset(&seen, 0, sizeof seen);
	assert_int_equal(workflow_exceptions_open(f->s, PICKER, t0,
	    exc_collect, &seen, &err), FULFIL_EPERM);
	assert_int_equal(workflow_exceptions_open(f->s, SUPERVISOR, t0 + 4,
	    exc_collect, &seen, &err), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.e[0].id, id);
	assert_string_equal(seen.ids[0], "A-1001");
	assert_int_equal(seen.e[0].kind, WF_EXC_SHORT_PICK);
	assert_int_equal(seen.e[0].state, WF_STATE_QUEUED);
	assert_string_equal(seen.by[0], PICKER);
	assert_int_equal(seen.e[0].raised_at, t0 + 1);
	assert_string_equal(seen.ids[1], "A-1002");
	assert_string_equal(seen.by[1], SUPERVISOR);

	/* Only a supervisor resolves; recount clears the step's counts. */
	assert_int_equal(workflow_exception_resolve(f->s, PICKER, id,
	    WF_RES_CONTINUE, t0 + 5, &out, &err), FULFIL_EPERM);
	assert_int_equal(workflow_exception_resolve(f->s, SUPERVISOR, id, 7,
	    t0 + 5, &out, &err), FULFIL_EINVAL);
	assert_int_equal(workflow_exception_resolve(f->s, SUPERVISOR, id,
	    WF_RES_RECOUNT, t0 + 5, &out, &err), 0);
	assert_int_equal(out.result, WF_R_RECORDED);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM scans WHERE"
	    " order_id = 'A-1001'"), 0);
	assert_int_equal(workflow_exception_resolve(f->s, SUPERVISOR, id,
	    WF_RES_RECOUNT, t0 + 6, &out, &err), FULFIL_ENOTFOUND);
	assert_int_equal(out.result, WF_R_NOT_FOUND);
	r = audit_rows(f);
	k = tu_last_kind(r, AUDIT_EXCEPTION_RESOLVED);
	assert_string_equal(r->actor[k], SUPERVISOR);
	assert_string_equal(r->order[k], "A-1001");
	assert_int_equal(r->count[k], WF_RES_RECOUNT);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM exceptions WHERE"
	    " resolved_by = 'sue' AND resolution = 2 AND resolved_at = %lld",
	    (long long)(t0 + 5)), 1);

	/* The order goes on. */
	verify_1001(f, PICKER);
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), 0);
	/* The packer may raise on a picked order; continue keeps counts. */
	assert_int_equal(scan(f, PACKER, "A-1001", "MUG-BLU", &out), 0);
	assert_int_equal(workflow_exception_raise(f->s, PACKER, "A-1001",
	    WF_EXC_DAMAGED, t0 + 7, &out, &err), 0);
	assert_int_equal(workflow_exception_resolve(f->s, SUPERVISOR,
	    out.exception_id, WF_RES_CONTINUE, t0 + 8, &out, &err), 0);
	assert_int_equal(sql_int(f, "SELECT sum(count) FROM scans WHERE"
	    " order_id = 'A-1001' AND step = 2"), 1);
	memset(&seen, 0, sizeof seen);
	assert_int_equal(workflow_exceptions_open(f->s, SUPERVISOR, t0 + 9,
	    exc_collect, &seen, &err), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.ids[0], "A-1002");
	/* Shipped orders take no exception. */
	set_state(f, "A-1003", "shipped");
	assert_int_equal(workflow_exception_raise(f->s, SUPERVISOR, "A-1003",
	    WF_EXC_OTHER, t0 + 9, &out, &err), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_WRONG_STATE);
}

/* ---- tests: reveal and rate limits ------------------------------------------ */

static char long120[WORKFLOW_REVEAL_TEXT_MAX + 1];
static char long121[WORKFLOW_REVEAL_TEXT_MAX + 2];

static void
test_reveal_input(void **state)
{
	const struct {
		const char *text;
		bool ok;
	} cases[] = {
		{ NULL, false },
		{ "", false },
		{ "   ", false },
		{ "carrier\x1b[31m red", false },
		{ "two\nlines", false },
		{ "tab\there", false },
		{ "bidi \xe2\x80\xae" "evil", false },
		{ "zero\xe2\x80\x8bwidth", false },
		{ "c1 \xc2\x85 nel", false },
		{ "bad \xff byte", false },
		{ "overlong \xc0\xaf", false },
		{ "surrogate \xed\xa0\x80", false },
		{ "cut \xe2\x82", false },
		{ "del\x7f", false },
		{ long121, false },
		{ long120, true },
		{ "Kurier prosi o numer mieszkania, \xc4\x85\xc4\x99", true },
		{ "x", true },
	};
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	size_t i, ok = 0;
	int r;

	memset(long120, 'a', sizeof long120 - 1);
	memset(long121, 'b', sizeof long121 - 1);
	assert_int_equal(strlen(long120), 120);
	assert_int_equal(strlen(long121), 121);
	for (i = 0; i < NELEM(cases); i++) {
		r = workflow_reveal(f->s, SUPERVISOR, "A-1001", WF_REV_CARRIER,
		    cases[i].text, t0 + (int64_t)i * 4000, &out, &err);
		check_outcome(r, &out, &err);
		if (cases[i].ok) {
			assert_int_equal(r, 0);
			assert_int_equal(out.result, WF_R_REVEAL_OK);
			ok++;
		} else {
			assert_int_equal(r, FULFIL_EINVAL);
			assert_int_equal(out.result, WF_R_BAD_INPUT);
		}
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM reveals"),
	    (int64_t)ok);
	/* A reason from the table, a supervisor, an order that exists. */
	assert_int_equal(workflow_reveal(f->s, SUPERVISOR, "A-1001", 0, "x",
	    t0, &out, &err), FULFIL_EINVAL);
	assert_int_equal(workflow_reveal(f->s, DISPATCHER, "A-1001",
	    WF_REV_CARRIER, "x", t0, &out, &err), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_ROLE);
	assert_int_equal(workflow_reveal(f->s, SUPERVISOR, "B-404",
	    WF_REV_CARRIER, "x", t0, &out, &err), FULFIL_ENOTFOUND);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM reveals"),
	    (int64_t)ok);
}

struct reveal_seen {
	size_t n, nnull;
	char last_text[WORKFLOW_REVEAL_TEXT_MAX + 1];
	char last_order[ORDER_ID_MAX + 1];
};

static int
reveal_seen_fn(void *ctx, const struct workflow_reveal_row *row)
{
	struct reveal_seen *rs = ctx;

	rs->n++;
	if (row->text == NULL) {
		rs->nnull++;
		return 0;
	}
	snprintf(rs->last_text, sizeof rs->last_text, "%s", row->text);
	snprintf(rs->last_order, sizeof rs->last_order, "%s", row->order_id);
	return 0;
}

static void
test_reveal_rate_limit(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	const char *text = "customer service ticket 77 asks";
	struct tu_rows *r;
	int64_t until, t = t0;
	int i, k;

	for (i = 0; i < WORKFLOW_REVEAL_LIMIT; i++) {
		assert_int_equal(workflow_reveal(f->s, SUPERVISOR, "A-1001",
		    WF_REV_CUSTOMER, text, t + i * 60, &out, &err), 0);
		assert_int_equal(out.result, WF_R_REVEAL_OK);
	}
	r = audit_rows(f);
	assert_int_equal(tu_count_kind(r, AUDIT_PII_REVEAL),
	    WORKFLOW_REVEAL_LIMIT);
	k = tu_last_kind(r, AUDIT_PII_REVEAL);
	assert_string_equal(r->actor[k], SUPERVISOR);
	assert_string_equal(r->order[k], "A-1001");
	assert_int_equal(r->count[k], WF_REV_CUSTOMER);
	/*
	 * The text is kept with the reveal, sealed (a person can type a
	 * name into it), never in the log; workflow_reveals opens it.
	 */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM reveals WHERE"
	    " typeof(reason_text) = 'blob' AND instr(reason_text, CAST('%s'"
	    " AS BLOB)) = 0", "ticket"), WORKFLOW_REVEAL_LIMIT);
	{
		struct reveal_seen rs = { 0 };
		size_t bad = 9;

		assert_int_equal(workflow_reveals(f->s, 0, reveal_seen_fn, &rs,
		    &bad, &err), 0);
		assert_int_equal(bad, 0);
		assert_int_equal(rs.n, WORKFLOW_REVEAL_LIMIT);
		assert_string_equal(rs.last_text, text);
		assert_string_equal(rs.last_order, "A-1001");
		/* A text moved to another row no longer opens. */
		sql_exec(f, "UPDATE reveals SET reason_text = (SELECT"
		    " reason_text FROM reveals ORDER BY seq LIMIT 1) WHERE seq ="
		    " (SELECT max(seq) FROM reveals)");
		memset(&rs, 0, sizeof rs);
		assert_int_equal(workflow_reveals(f->s, 0, reveal_seen_fn, &rs,
		    &bad, &err), 0);
		assert_int_equal(bad, 1);
		assert_int_equal(rs.nnull, 1);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE"
	    " coalesce(actor, '') || coalesce(subject, '') || coalesce("
	    "order_id, '') || coalesce(role, '') LIKE '%%ticket%%'"), 0);

	/* One more within the hour: refused, and the person is locked. */
	assert_int_equal(workflow_reveal(f->s, SUPERVISOR, "A-1002",
	    WF_REV_CUSTOMER, text, t + 600, &out, &err), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_RATE_LOCKED);
	assert_true(out.fx & WF_FX_LOGOUT);
	assert_int_equal(lockout_state(f->s, SUPERVISOR, t + 601, &until),
	    LOCKOUT_LOCKED);
	assert_int_equal(until, t + 600 + f->cfg->auth.lockout);
	r = audit_rows(f);
	k = tu_last_kind(r, AUDIT_ANOMALY_LOCK);
	assert_true(k >= 0);
	assert_string_equal(r->subject[k], SUPERVISOR);
	assert_int_equal(r->count[k], WORKFLOW_REVEAL_LIMIT + 1);
	assert_int_equal(tu_count_kind(r, AUDIT_PII_REVEAL),
	    WORKFLOW_REVEAL_LIMIT);
	assert_int_equal(sql_int(f, "SELECT reason FROM lockout"), 2);

	/* Locked: every action of the person is refused. */
	assert_int_equal(workflow_reveal(f->s, SUPERVISOR, "A-1002",
	    WF_REV_CUSTOMER, text, t + 602, &out, &err), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_LOCKED);
	assert_true(out.fx & WF_FX_LOGOUT);
	assert_int_equal(workflow_override(f->s, SUPERVISOR, "A-1001",
	    WF_OVR_SCANNER, t + 602, &out, &err), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_LOCKED);
	/* Unlocked by another, but the hour is still full: locked again. */
	assert_int_equal(lockout_unlock(f->s, "opsadmin", SUPERVISOR, 0, t + 700,
	    &err), 0);
	assert_int_equal(workflow_reveal(f->s, SUPERVISOR, "A-1002",
	    WF_REV_CUSTOMER, text, t + 701, &out, &err), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_RATE_LOCKED);
	assert_int_equal(lockout_unlock(f->s, "opsadmin", SUPERVISOR, 0, t + 702,
	    &err), 0);
	/* An hour after the first: room for one again. */
	assert_int_equal(workflow_reveal(f->s, SUPERVISOR, "A-1002",
	    WF_REV_CUSTOMER, text, t + WORKFLOW_REVEAL_WINDOW, &out, &err),
	    0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM reveals"),
	    WORKFLOW_REVEAL_LIMIT + 1);
}

static void
test_scan_rate_limit(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct tu_rows *r;
	int64_t until, base = MS(t0);
	char code[32];
	int i, k;

	/* 19 refused within the window, then the window passes. */
	for (i = 0; i < WORKFLOW_SCAN_FAIL_LIMIT - 1; i++) {
		snprintf(code, sizeof code, "WRONG-%d", i);
		assert_int_equal(scan_at(f, PICKER, "A-1001", code,
		    base + i * 1000, &out), FULFIL_ENOTFOUND);
		assert_int_equal(out.result, WF_R_WRONG_ITEM);
	}
	base += MS(WORKFLOW_SCAN_FAIL_WINDOW) + 60000;
	for (i = 0; i < WORKFLOW_SCAN_FAIL_LIMIT - 1; i++) {
		snprintf(code, sizeof code, "WRONG-%d", i);
		assert_int_equal(scan_at(f, PICKER, "A-1001", code,
		    base + i * 1000, &out), FULFIL_ENOTFOUND);
		assert_int_equal(out.result, WF_R_WRONG_ITEM);
	}
	assert_int_equal(lockout_state(f->s, PICKER, base / 1000 + 30, &until),
	    LOCKOUT_OPEN);
	/* Counted scans in between do not reset the count. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "MUG-BLU", base + 25000,
	    &out), 0);
	/* The 20th within the window locks. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "LAST-ONE",
	    base + 30000, &out), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_RATE_LOCKED);
	assert_true(out.fx & WF_FX_LOGOUT);
	assert_string_equal(out.msg, "Too many refused scans: your account is"
	    " locked; ask a supervisor");
	assert_int_equal(lockout_state(f->s, PICKER, base / 1000 + 31, &until),
	    LOCKOUT_LOCKED);
	r = audit_rows(f);
	k = tu_last_kind(r, AUDIT_ANOMALY_LOCK);
	assert_true(k >= 0);
	assert_string_equal(r->subject[k], PICKER);
	assert_int_equal(r->count[k], WORKFLOW_SCAN_FAIL_LIMIT);
	assert_int_equal(tu_count_kind(r, AUDIT_SCAN_REFUSED),
	    2 * (WORKFLOW_SCAN_FAIL_LIMIT - 1) + 1);
	/* The next scan, even a right one, is refused: log out. */
	assert_int_equal(scan_at(f, PICKER, "A-1001", "MUG-BLU", base + 40000,
	    &out), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_LOCKED);
	assert_int_equal(sql_int(f, "SELECT sum(count) FROM scans"), 1);
	/* Old rate rows are pruned. */
	assert_true(sql_int(f, "SELECT count(*) FROM rate_events") <=
	    WORKFLOW_SCAN_FAIL_LIMIT);
}

static void
test_locked_by_logins(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	struct workflow_queue_entry q[4];
	bool locked, spray;
	size_t n;
	int i;

	for (i = 0; i < f->cfg->auth.max_failures; i++)
		assert_int_equal(lockout_failure(f->s, PICKER, t0, &locked,
		    &spray, &err), 0);
	assert_true(locked);
	assert_int_equal(scan(f, PICKER, "A-1001", "MUG-BLU", &out),
	    FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_LOCKED);
	assert_string_equal(out.msg,
	    "Your account is locked: ask a supervisor");
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_LOCKED);
	assert_int_equal(workflow_queue(f->s, PICKER, t0 + 1, q, 4, &n, &err),
	    FULFIL_EPERM);
	/* Not an accepted name at all. */
	assert_int_equal(scan(f, "bad name", "A-1001", "MUG-BLU", &out),
	    FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_ROLE);
}

/* ---- tests: queue ---------------------------------------------------------------- */

static void
test_queue(void **state)
{
	struct fixture *f = *state;
	struct workflow_queue_entry q[8];
	struct workflow_outcome out;
	struct ferr err = { 0 };
	size_t n, i;

	assert_int_equal(workflow_queue(f->s, PICKER, t0, q, 8, &n, &err), 0);
	assert_int_equal(n, 6);
	/* By ship-by: 1004, 1005, 1002, 1001, 1003, 1006. */
	assert_string_equal(q[0].id, "A-1004");
	assert_string_equal(q[1].id, "A-1005");
	assert_string_equal(q[2].id, "A-1002");
	assert_string_equal(q[2].ref, "1002");
	assert_string_equal(q[2].service, "Express");
	assert_int_equal(q[2].item_count, 1);
	assert_string_equal(q[3].id, "A-1001");
	assert_int_equal(q[3].item_count, 2);
	assert_true(q[3].ship_by < q[4].ship_by);
	assert_string_equal(q[4].id, "A-1003");
	/* Untrusted text is sanitised: no escape, no bidi override. */
	assert_null(strchr(q[4].service, '\x1b'));
	assert_null(strstr(q[4].service, "\xe2\x80\xae"));
	assert_non_null(strstr(q[4].service, "Next"));

	/* Cancelled, wiped, picked and excepted orders leave the queue. */
	cancel_order(f, "A-1004", 4);
	sql_exec(f, "UPDATE orders SET sealed = NULL, dek = NULL WHERE id ="
	    " 'A-1005'");
	assert_int_equal(scan(f, PICKER, "A-1002", "BOX-SML", &out), 0);
	assert_int_equal(advance(f, PICKER, "A-1002", WF_STEP_PICK, NULL,
	    &out), 0);
	assert_int_equal(workflow_exception_raise(f->s, PICKER, "A-1001",
	    WF_EXC_DAMAGED, t0, &out, &err), 0);
	assert_int_equal(workflow_queue(f->s, PICKER, t0, q, 8, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(q[0].id, "A-1003");
	assert_string_equal(q[1].id, "A-1006");
	/* cap: the next order only. */
	assert_int_equal(workflow_queue(f->s, PICKER, t0, q, 1, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(q[0].id, "A-1003");
	/* Resolved: back in the queue, in ship-by order. */
	assert_int_equal(workflow_exception_resolve(f->s, SUPERVISOR,
	    out.exception_id, WF_RES_CONTINUE, t0 + 1, &out, &err), 0);
	assert_int_equal(workflow_queue(f->s, PICKER, t0, q, 8, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(q[0].id, "A-1001");
	/* Pickers only. */
	assert_int_equal(workflow_queue(f->s, PACKER, t0, q, 8, &n, &err),
	    FULFIL_EPERM);
	assert_int_equal(n, 0);
	assert_int_equal(workflow_queue(f->s, AUDITOR, t0, q, 8, &n, &err),
	    FULFIL_EPERM);
	for (i = 0; i < 8; i++)
		assert_no_pii(q[i].service);
}

/* ---- tests: tables and names ----------------------------------------------- */

static void
test_tables(void **state)
{
	static const enum workflow_table tables[] = {
		WF_TABLE_EXCEPTION, WF_TABLE_RESOLUTION, WF_TABLE_OVERRIDE,
		WF_TABLE_REVEAL,
	};
	struct workflow_code c, d;
	size_t t, i, j;

	(void)state;
	for (t = 0; t < NELEM(tables); t++) {
		for (i = 0; workflow_code_info(tables[t], i, &c); i++) {
			assert_true(c.code > 0);
			assert_non_null(c.name);
			assert_non_null(c.text);
			assert_string_equal(workflow_code_name(tables[t],
			    c.code), c.name);
			for (j = 0; j < i; j++) {
				assert_true(workflow_code_info(tables[t], j,
				    &d));
				assert_true(d.code != c.code);
				assert_true(strcmp(d.name, c.name) != 0);
			}
		}
		assert_true(i >= 2);
		assert_null(workflow_code_name(tables[t], 0));
	}
	assert_false(workflow_code_info((enum workflow_table)0, 0, &c));
	assert_string_equal(workflow_code_name(WF_TABLE_EXCEPTION,
	    WF_EXC_SHORT_PICK), "short-pick");
	assert_string_equal(workflow_code_name(WF_TABLE_EXCEPTION,
	    WF_EXC_DAMAGED), "damaged");
	assert_string_equal(workflow_code_name(WF_TABLE_EXCEPTION,
	    WF_EXC_WRONG_ITEM), "wrong-item");
	assert_string_equal(workflow_code_name(WF_TABLE_EXCEPTION,
	    WF_EXC_OTHER), "other");
	assert_string_equal(workflow_state_name(WF_STATE_QUEUED), "queued");
	assert_string_equal(workflow_state_name(WF_STATE_SHIPPED), "shipped");
	assert_null(workflow_state_name((enum workflow_state)5));
	assert_int_equal(workflow_next_step(WF_STATE_QUEUED), WF_STEP_PICK);
	assert_int_equal(workflow_next_step(WF_STATE_LABELLED), WF_STEP_SHIP);
	assert_int_equal(workflow_next_step(WF_STATE_SHIPPED), WF_STEP_NONE);
	assert_int_equal(workflow_step_role(WF_STEP_PICK), ROLE_PICKER);
	assert_int_equal(workflow_step_role(WF_STEP_PACK), ROLE_PACKER);
	assert_int_equal(workflow_step_role(WF_STEP_LABEL), ROLE_DISPATCHER);
	assert_int_equal(workflow_step_role(WF_STEP_SHIP), ROLE_DISPATCHER);
	assert_int_equal(workflow_step_role(WF_STEP_NONE), 0);
}

/* ---- tests: no PII anywhere --------------------------------------------------- */

static void
scan_table(struct fixture *f, const char *table)
{
	char sql[128];
	sqlite3_stmt *q;
	int i;

	snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store), sql, -1,
	    &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		for (i = 0; i < sqlite3_column_count(q); i++)
			if (sqlite3_column_type(q, i) == SQLITE_TEXT)
				assert_no_pii((const char *)
				    sqlite3_column_text(q, i));
	sqlite3_finalize(q);
}

static void
test_no_pii_anywhere(void **state)
{
	static const char *const tables[] = {
		"outbox", "scans", "verify_overrides", "exceptions", "reveals",
		"rate_events", "audit", "meta", "grants",
	};
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	char code[64];
	size_t i;

	/* The whole way, with refusals of every kind on the way. */
	verify_1001(f, PICKER);
	assert_int_equal(advance(f, PICKER, "A-1001", WF_STEP_PICK, NULL,
	    &out), 0);
	assert_int_equal(workflow_exception_raise(f->s, PACKER, "A-1001",
	    WF_EXC_WRONG_ITEM, t0, &out, &err), 0);
	assert_int_equal(workflow_exception_resolve(f->s, SUPERVISOR,
	    out.exception_id, WF_RES_RECOUNT, t0, &out, &err), 0);
	verify_1001(f, PACKER);
	assert_int_equal(advance(f, PACKER, "A-1001", WF_STEP_PACK, NULL,
	    &out), 0);
	assert_int_equal(workflow_reveal(f->s, SUPERVISOR, "A-1001",
	    WF_REV_ADDRESS, "postcode looks short", t0, &out, &err), 0);
	assert_int_equal(workflow_print(f->s, DISPATCHER, "A-1001", 0, t0,
	    &out, &err), 0);
	assert_int_equal(advance(f, DISPATCHER, "A-1001", WF_STEP_SHIP,
	    "1Z999AA10123456784", &out), 0);

	/*
	 * Scanning the customer's own data (a packing slip's barcode) is
	 * refused without echoing it, whatever its shape.
	 */
	for (i = 0; i < npii; i++) {
		char *p, *w;

		if (pii_owner[i] != 2)	/* A-1002's own data */
			continue;
		sql_exec(f, "DELETE FROM rate_events");
		snprintf(code, sizeof code, "%.63s", pii[i]);
		assert_int_equal(scan(f, PACKER, "A-1002", code, &out),
		    FULFIL_EPERM);	/* A-1002 is queued: picker's */
		assert_int_equal(scan(f, PICKER, "A-1002", code, &out),
		    FULFIL_ENOTFOUND);
		/* The same without spaces. */
		for (p = w = code; *p != '\0'; p++)
			if (*p != ' ')
				*w++ = *p;
		*w = '\0';
		assert_int_equal(scan(f, PICKER, "A-1002", code, &out),
		    FULFIL_ENOTFOUND);
		assert_null(strstr(out.msg, code));
		workflow_scanner_reset(&f->sc);
	}
	assert_int_equal(scan(f, PICKER, "A-1002", "ZX2", &out),
	    FULFIL_ENOTFOUND);
	assert_string_equal(out.msg,
	    "Scanned a code: not in order A-1002; expected 1 more item");

	for (i = 0; i < NELEM(tables); i++)
		scan_table(f, tables[i]);
	(void)audit_rows(f);	/* checks every row */
	station_close(f->s);
	f->s = NULL;
	for (i = 0; i < npii; i++)
		if (tu_tree_contains(f->tmp, pii[i], strlen(pii[i])))
			fail_msg("PII \"%s\" is in a file", pii[i]);
	if (station_open(f->cfg, false, &f->s, &err) != 0)
		fail_msg("station_open: %s", err.msg);
}

static void
test_schema(void **state)
{
	static const char *const tables[] = {
		"scans", "verify_overrides", "exceptions", "reveals",
		"rate_events",
	};
	struct fixture *f = *state;
	size_t i;

	assert_true(store_schema_latest() >= 3);
	for (i = 0; i < NELEM(tables); i++)
		assert_int_equal(sql_int(f, "SELECT count(*) FROM sqlite_schema"
		    " WHERE type = 'table' AND name = '%s'", tables[i]), 1);
}

/* ---- tests: the dispatch label ------------------------------------------ */

/* A printer stand-in: one connection on 127.0.0.1, everything it sent. */
struct standin {
	int lfd;
	unsigned short port;
	char uri[64];		/* tcp://127.0.0.1:port, the station's printer */
	pthread_t th;
	char buf[64 * 1024];
	size_t len;
};

static void *
standin_run(void *arg)
{
	struct standin *p = arg;
	ssize_t n;
	int fd;

	if ((fd = accept(p->lfd, NULL, NULL)) < 0)
		return NULL;
	while (p->len < sizeof p->buf &&
	    (n = read(fd, p->buf + p->len, sizeof p->buf - p->len)) > 0)
		p->len += (size_t)n;
	close(fd);
	return NULL;
}

static void
set_printer(struct fixture *f, const char *uri)
{
	free(f->cfg->printer.uri);
	f->cfg->printer.uri = uri != NULL ? strdup(uri) : NULL;
}

/*
 * Listen on 127.0.0.1 port 0 and make it the station's printer;
 * accept_one false: bound and closed again, so the printer refuses.
 */
static void
standin_start(struct fixture *f, struct standin *p, bool accept_one)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;

	memset(p, 0, sizeof *p);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((p->lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(p->lfd, (struct sockaddr *)&a, &al), 0);
	p->port = ntohs(a.sin_port);
	snprintf(p->uri, sizeof p->uri, "tcp://127.0.0.1:%u", p->port);
	set_printer(f, p->uri);
	if (!accept_one) {	/* nobody listens: connection refused */
		close(p->lfd);
		p->lfd = -1;
		return;
	}
	assert_int_equal(listen(p->lfd, 1), 0);
	assert_int_equal(pthread_create(&p->th, NULL, standin_run, p), 0);
}

static void
standin_stop(struct standin *p)
{
	if (p->lfd >= 0) {
		pthread_join(p->th, NULL);
		close(p->lfd);
	}
}

static int
print_label(struct fixture *f, const char *user, const char *order,
    int reprint, int64_t now, struct workflow_outcome *out)
{
	struct ferr err = { 0 };
	int r;

	r = workflow_print(f->s, user, order, reprint, now, out, &err);
	check_outcome(r, out, &err);
	return r;
}

static void
test_print_gates(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;

	set_state(f, "A-1001", "packed");
	/* The label step is only taken by printing. */
	assert_int_equal(advance(f, DISPATCHER, "A-1001", WF_STEP_LABEL, "x",
	    &out), FULFIL_EINVAL);
	{
		struct ferr err = { 0 };

		assert_int_equal(workflow_advance(f->s, DISPATCHER, "A-1001",
		    WF_STEP_LABEL, NULL, t0, &out, &err), FULFIL_ESTATE);
		assert_non_null(strstr(out.msg, "Print the label"));
	}
	/* Only a dispatcher prints. */
	assert_int_equal(print_label(f, PACKER, "A-1001", 0, t0, &out),
	    FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_ROLE);
	assert_int_equal(print_label(f, AUDITOR, "A-1001", 0, t0, &out),
	    FULFIL_EPERM);
	/* A reprint code on a first print; an unknown reason. */
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", WF_RPR_JAMMED,
	    t0, &out), FULFIL_EINVAL);
	assert_int_equal(out.result, WF_R_BAD_INPUT);
	/* Not packed yet. */
	assert_int_equal(print_label(f, DISPATCHER, "A-1002", 0, t0, &out),
	    FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_WRONG_STATE);
	/* No printer: this station prints nothing. */
	set_printer(f, NULL);
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", 0, t0, &out),
	    FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_NO_PRINTER);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prints"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM orders WHERE"
	    " id = 'A-1001' AND state = 'packed'"), 1);
}

static void
test_print_sends_and_records(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct standin p;
	struct tu_rows *r;
	int k;

	set_state(f, "A-1001", "packed");
	standin_start(f, &p, true);
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", 0, t0, &out), 0);
	standin_stop(&p);
	assert_int_equal(out.state, WF_STATE_LABELLED);
	assert_true(p.len > 0);
	assert_int_equal((size_t)out.count, p.len);
	/* One label, for this order's recipient, with its ref. */
	{
		const char *xa = memmem(p.buf, p.len, "^XA", 3);

		assert_non_null(xa);
		assert_null(memmem(xa + 3, p.len - (size_t)(xa + 3 - p.buf),
		    "^XA", 3));
	}
	assert_non_null(memmem(p.buf, p.len, "Zarkowitz1", 10));
	assert_null(memmem(p.buf, p.len, "Zarkowitz2", 10));
	assert_non_null(memmem(p.buf, p.len, "1001", 4));
	/* Recorded: printer and bytes, never content; step + outbox. */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prints WHERE"
	    " order_id = 'A-1001' AND user = '%s' AND bytes = %zu AND"
	    " printer = '%s' AND reprint = 0", DISPATCHER, p.len, p.uri), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM outbox WHERE"
	    " order_id = 'A-1001' AND event = 'labelled'"), 1);
	r = audit_rows(f);
	k = tu_last_kind(r, AUDIT_LABEL_PRINTED);
	assert_true(k >= 0);
	assert_int_equal(r->count[k], (int64_t)p.len);
	assert_string_equal(r->order[k], "A-1001");
	assert_string_equal(r->actor[k], DISPATCHER);
	assert_int_equal(tu_count_kind(r, AUDIT_ORDER_STEP), 1);
	/* Pressing F5 again is a reprint: it needs a reason. */
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", 0, t0 + 1,
	    &out), FULFIL_EINVAL);
	assert_non_null(strstr(out.msg, "reason"));
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", 99, t0 + 1,
	    &out), FULFIL_EINVAL);
}

static void
test_print_failure_keeps_order(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct standin p;
	struct tu_rows *r;
	int k;

	set_state(f, "A-1001", "packed");
	standin_start(f, &p, false);
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", 0, t0, &out),
	    FULFIL_EIO);
	assert_int_equal(out.result, WF_R_PRINT_FAILED);
	assert_true(out.fx & WF_FX_BEEP);
	assert_non_null(strstr(out.msg, "Not printed"));
	assert_non_null(strstr(out.msg, p.uri + 6));	/* names the printer */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM orders WHERE"
	    " id = 'A-1001' AND state = 'packed'"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prints"), 0);
	assert_int_equal(outbox_rows(f, "A-1001"), 0);
	r = audit_rows(f);
	k = tu_last_kind(r, AUDIT_PRINT_FAILED);
	assert_true(k >= 0);
	assert_int_equal(r->count[k], 0);
	assert_int_equal(r->result[k], FULFIL_EIO);
	assert_int_equal(tu_count_kind(r, AUDIT_ORDER_STEP), 0);
}

static void
test_reprint_rate_limit(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	int64_t until;
	int i;

	set_state(f, "A-1001", "packed");
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", 0, t0, &out), 0);
	for (i = 0; i < WORKFLOW_REPRINT_LIMIT; i++) {
		assert_int_equal(print_label(f, DISPATCHER, "A-1001",
		    WF_RPR_SMUDGED, t0 + 1 + i, &out), 0);
		assert_int_equal(out.state, WF_STATE_LABELLED);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prints WHERE"
	    " reprint = %d", WF_RPR_SMUDGED), WORKFLOW_REPRINT_LIMIT);
	assert_int_equal(tu_count_kind(audit_rows(f), AUDIT_LABEL_REPRINTED),
	    WORKFLOW_REPRINT_LIMIT);
	/* One more within the hour: locked, nothing printed. */
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", WF_RPR_JAMMED,
	    t0 + 100, &out), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_RATE_LOCKED);
	assert_true(out.fx & WF_FX_LOGOUT);
	assert_int_equal(lockout_state(f->s, DISPATCHER, t0 + 101, &until),
	    LOCKOUT_LOCKED);
	assert_int_equal(tu_count_kind(audit_rows(f), AUDIT_ANOMALY_LOCK), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM prints"),
	    WORKFLOW_REPRINT_LIMIT + 1);
}

/* ---- tests: box and weight ------------------------------------------- */

static void
test_weight_parse(void **state)
{
	static const struct {
		const char *in;
		long grams;	/* -1: refused */
	} t[] = {
		{ "1.25", 1250 }, { "0,8", 800 }, { "12", 12000 },
		{ "0.001", 1 }, { "70", 70000 }, { ".5", 500 },
		{ "", -1 }, { "0", -1 }, { "70.001", -1 }, { "1.2345", -1 },
		{ "-1", -1 }, { "1e3", -1 }, { "1.", -1 }, { "kg", -1 },
		{ "1 ", -1 }, { "1000", -1 },
	};
	size_t i;
	long g;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		g = -7;
		if (t[i].grams < 0) {
			assert_int_equal(workflow_weight_parse(t[i].in, &g),
			    FULFIL_EINVAL);
		} else {
			assert_int_equal(workflow_weight_parse(t[i].in, &g), 0);
			assert_int_equal(g, t[i].grams);
		}
	}
	assert_int_equal(workflow_weight_parse(NULL, &g), FULFIL_EINVAL);
}

static void
test_pack_info(void **state)
{
	struct fixture *f = *state;
	struct workflow_outcome out;
	struct workflow_progress *p = calloc(1, sizeof *p);
	struct ferr err = { 0 };
	struct standin pr;

	assert_non_null(p);
	/* Queued: nothing to record yet; a picker may not. */
	assert_int_equal(workflow_pack_info(f->s, PACKER, "A-1001", "BOX-M2",
	    1250, t0, &out, &err), FULFIL_ESTATE);
	assert_int_equal(out.result, WF_R_WRONG_STATE);
	set_state(f, "A-1001", "picked");
	assert_int_equal(workflow_pack_info(f->s, PICKER, "A-1001", "BOX-M2",
	    1250, t0, &out, &err), FULFIL_EPERM);
	assert_int_equal(out.result, WF_R_ROLE);
	/* Bad input. */
	assert_int_equal(workflow_pack_info(f->s, PACKER, "A-1001", "BOX M2",
	    -1, t0, &out, &err), FULFIL_EINVAL);
	assert_int_equal(workflow_pack_info(f->s, PACKER, "A-1001", NULL,
	    70001, t0, &out, &err), FULFIL_EINVAL);
	assert_int_equal(workflow_pack_info(f->s, PACKER, "A-1001", NULL, -1,
	    t0, &out, &err), FULFIL_EINVAL);
	/* Recorded in two goes: the box, then the weight. */
	assert_int_equal(workflow_pack_info(f->s, PACKER, "A-1001", "BOX-M2",
	    -1, t0, &out, &err), 0);
	assert_int_equal(out.result, WF_R_RECORDED);
	assert_int_equal(workflow_pack_info(f->s, PACKER, "A-1001", NULL, 1250,
	    t0 + 1, &out, &err), 0);
	assert_int_equal(workflow_progress(f->s, PACKER, "A-1001", t0, p,
	    &err), 0);
	assert_string_equal(p->box, "BOX-M2");
	assert_int_equal(p->weight_g, 1250);
	/* The label prints the weight. */
	set_state(f, "A-1001", "packed");
	standin_start(f, &pr, true);
	assert_int_equal(print_label(f, DISPATCHER, "A-1001", 0, t0 + 2,
	    &out), 0);
	standin_stop(&pr);
	assert_non_null(memmem(pr.buf, pr.len, "1.250 kg", 8));
	/* Labelled: too late to change. */
	assert_int_equal(workflow_pack_info(f->s, PACKER, "A-1001", NULL, 900,
	    t0 + 3, &out, &err), FULFIL_ESTATE);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_steps_by_role),
		T(test_wrong_state_and_input),
		T(test_tracking),
		T(test_revoke_midway),
		T(test_rollback),
		T(test_scan_sku_and_ean),
		T(test_scan_wrong_item),
		T(test_scan_double_fire),
		T(test_scan_control_characters),
		T(test_f6_gated_each_step_verifies),
		T(test_multi_role_person),
		T(test_override),
		T(test_cancelled_and_wiped),
		T(test_exceptions),
		T(test_reveal_input),
		T(test_reveal_rate_limit),
		T(test_scan_rate_limit),
		T(test_locked_by_logins),
		T(test_queue),
		T(test_print_gates),
		T(test_print_sends_and_records),
		T(test_print_failure_keeps_order),
		T(test_reprint_rate_limit),
		cmocka_unit_test(test_weight_parse),
		T(test_pack_info),
		cmocka_unit_test(test_tables),
		T(test_no_pii_anywhere),
		T(test_schema),
#undef T
	};

	return cmocka_run_group_tests_name("workflow", tests, NULL, NULL);
}
