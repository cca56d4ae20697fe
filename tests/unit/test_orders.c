/*
 * test_orders: ingest, validation, upsert, lookup, tamper detection and
 * the no-plaintext-on-disk promise of the order cache, under both
 * ciphers; the sealed-data codec against malformed input; and the pool
 * of locked buffers that decrypted orders live in (secret_pool_*).
 *
 * All people, addresses and messages here are synthetic.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "testutil.h"

#include "crypto.h"
#include "ferr.h"
#include "orders.h"
#include "orders_codec.h"
#include "secret.h"
#include "store.h"

/* ---- synthetic data --------------------------------------------------- */

#define ESC "\x1b"
#define COLTXT(stmt, i) ((const char *)sqlite3_column_text((stmt), (i)))

/* Strings that must never reach a message or the disk in plaintext. */
static const char *const pii[] = {
    "Zoë Quillfeather-Ångström",
    "O'Tamsin ^FDhack^FS ~JA Vexley",
    ESC "[31mRedrum Person" ESC "[0m",
    /* Hebrew */
    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd7\x99\xd7\xa8\xd7\x95\xd7\x9f",
    "\xe2\x80\xae"
    "Reversed Orla Nimbus", /* U+202E RLO */
    "17 Quibbleton Crescent",
    "Flat 4b, Mirrowby House",
    "Wexlingham-on-Sea",
    "Glimmershire",
    "ZX9 8QW",
    "+44 7700 900123",
    "orla.nimbus@example.invalid",
    "Happy birthday, Tamsin! " ESC "]0;owned\x07 love from Quorra",
    "Sapphire Teapot of Synthesis",
    "Secret Unknown Key Value",
    "Synthia Longname-Zed",
};

enum {
	PII_NAME,
	PII_NAME_ZPL,
	PII_NAME_ESC,
	PII_NAME_RTL,
	PII_NAME_BIDI,
	PII_LINE1,
	PII_LINE2,
	PII_CITY,
	PII_REGION,
	PII_POSTCODE,
	PII_PHONE,
	PII_EMAIL,
	PII_GIFT,
	PII_TITLE,
	PII_UNKNOWN,
	PII_LONG,
};

#define NPII (sizeof pii / sizeof pii[0])

static void
assert_no_pii(const char *msg)
{
	size_t i;

	for (i = 0; i < NPII; i++)
		if (strstr(msg, pii[i]) != NULL)
			fail_msg(
			    "message contains synthetic PII #%zu: %s", i, msg);
	/* Pieces of the long name, in case a message quotes part of it. */
	if (strstr(msg, "Synthia") != NULL || strstr(msg, "Quill") != NULL ||
	    strstr(msg, "Nimbus") != NULL || strstr(msg, "Redrum") != NULL)
		fail_msg("message contains synthetic PII: %s", msg);
}

/* A full, valid order; name is the recipient (one of pii[]). */
static json_t *
order_json(
    const char *id, const char *ref, const char *updated_at, const char *name)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:n,"
	                      " s:[{s:s, s:s, s:s, s:i, s:s}, {s:s, s:s, s:i}],"
	                      " s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s},"
	                      " s:s, s:s}",
	    "id", id, "ref", ref, "status", "unshipped", "ship_by",
	    "2026-11-23T17:00:00Z", "service", "Standard", "updated_at",
	    updated_at, "delivered_at", "items", "sku", "MUG-BLU", "ean",
	    "5012345678900", "title", pii[PII_TITLE], "qty", 2, "bin",
	    "A-01-03", "sku", "TEA-\xc3\xa9", "title", "Tea \t towel\r\n",
	    "qty", 9999, "ship_to", "name", name, "line1", pii[PII_LINE1],
	    "line2", pii[PII_LINE2], "city", pii[PII_CITY], "region",
	    pii[PII_REGION], "postcode", pii[PII_POSTCODE], "country", "GB",
	    "phone", pii[PII_PHONE], "buyer_email", pii[PII_EMAIL],
	    "gift_message", pii[PII_GIFT]);

	assert_non_null(o);
	return o;
}

/* A small valid order with only the required fields. */
static json_t *
order_min(const char *id)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s,"
	              " s:[{s:s, s:s, s:i}], s:{s:s, s:s, s:s, s:s, s:s}}",
	        "id", id, "ref", id, "status", "unshipped", "ship_by",
	        "2026-11-23T17:00:00Z", "service", "Std", "updated_at",
	        "2026-11-22T08:00:00Z", "items", "sku", "S", "title", "T",
	        "qty", 1, "ship_to", "name", "N", "line1", "L", "city", "C",
	        "postcode", "P", "country", "GB");

	assert_non_null(o);
	return o;
}

static json_t *
doc_of(size_t n, ...)
{
	json_t *arr = json_array();
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_int_equal(
		    json_array_append_new(arr, va_arg(ap, json_t *)), 0);
	va_end(ap);
	return json_pack("{s:o}", "orders", arr);
}

/* ---- fixture ---------------------------------------------------------- */

struct fx {
	char *tmp, *dir, *keypath;
	struct store *st;
	struct kek *kek;
	enum fulfil_cipher cipher;
};

static void
fx_open(struct fx *f, enum fulfil_cipher cipher)
{
	struct ferr err = {0};

	memset(f, 0, sizeof *f);
	f->cipher = cipher;
	assert_non_null(f->tmp = tu_mkdtemp());
	assert_non_null(f->dir = tu_path(f->tmp, "data"));
	assert_non_null(f->keypath = tu_path(f->tmp, "cache.key"));
	if (crypto_kek_create(f->keypath, 1, &err) != 0 ||
	    crypto_kek_load(f->keypath, &f->kek, &err) != 0)
		fail_msg("key: %s", err.msg);
	if (store_open(f->dir, STORE_CREATE, &f->st, &err) != 0)
		fail_msg("store: %s", err.msg);
}

static void
fx_close(struct fx *f)
{
	store_close(f->st);
	crypto_kek_free(f->kek);
	tu_rmtree(f->tmp);
	free(f->tmp);
	free(f->dir);
	free(f->keypath);
	memset(f, 0, sizeof *f);
}

/*
 * Run body once per cipher, each time on a fresh cache and key. The
 * cache in use lives in the body, so teardown removes it when an
 * assertion ends the test early.
 */
struct body {
	void (*fn)(struct fx *f);
	struct fx f;
};

static void
test_both(void **state)
{
	struct body *b = *state;
	enum fulfil_cipher c[2];
	size_t i, n = tu_ciphers(c);

	for (i = 0; i < n; i++) {
		fx_open(&b->f, c[i]);
		b->fn(&b->f);
		fx_close(&b->f);
	}
}

static int
teardown_both(void **state)
{
	struct body *b = *state;

	if (b->f.tmp != NULL)
		fx_close(&b->f);
	return 0;
}

/* ---- import helpers --------------------------------------------------- */

struct rejects {
	char *msg[16];
	size_t n;
};

static void
collect(void *ctx, const char *msg)
{
	struct rejects *rj = ctx;

	assert_no_pii(msg);
	if (rj == NULL)
		return;
	if (rj->n < sizeof rj->msg / sizeof rj->msg[0])
		assert_non_null(rj->msg[rj->n] = strdup(msg));
	rj->n++;
}

static void
rejects_free(struct rejects *rj)
{
	size_t i;

	for (i = 0; i < rj->n && i < sizeof rj->msg / sizeof rj->msg[0]; i++)
		free(rj->msg[i]);
	memset(rj, 0, sizeof *rj);
}

static int
import_buf(struct fx *f, const char *buf, size_t len,
    struct orders_ingest_stats *s, struct rejects *rj, struct ferr *err)
{
	int r;

	ferr_clear(err);
	r = orders_import_buffer(
	    f->st, f->kek, f->cipher, buf, len, collect, rj, s, err);
	assert_no_pii(err->msg);
	return r;
}

static int
import_str(struct fx *f, const char *json, struct orders_ingest_stats *s,
    struct rejects *rj, struct ferr *err)
{
	return import_buf(f, json, strlen(json), s, rj, err);
}

/* Import doc (consumed) and return the result. */
static int
import_doc(struct fx *f, json_t *doc, struct orders_ingest_stats *s,
    struct rejects *rj, struct ferr *err)
{
	char *txt = json_dumps(doc, JSON_COMPACT);
	int r;

	assert_non_null(txt);
	json_decref(doc);
	r = import_buf(f, txt, strlen(txt), s, rj, err);
	free(txt);
	return r;
}

static void
assert_stats(const struct orders_ingest_stats *s, size_t received,
    size_t imported, size_t updated, size_t unchanged, size_t rejected)
{
	assert_int_equal(s->received, received);
	assert_int_equal(s->imported, imported);
	assert_int_equal(s->updated, updated);
	assert_int_equal(s->unchanged, unchanged);
	assert_int_equal(s->rejected, rejected);
}

static int64_t
count_rows(struct fx *f, const char *where)
{
	char sql[256];
	sqlite3_stmt *stmt;
	int64_t n;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM orders%s%s",
	    where ? " WHERE " : "", where ? where : "");
	assert_int_equal(
	    sqlite3_prepare_v2(store_db(f->st), sql, -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

static void
sql(struct fx *f, const char *q)
{
	if (sqlite3_exec(store_db(f->st), q, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(store_db(f->st)));
}

static struct order *
find_ok(struct fx *f, const char *q)
{
	struct order *o = NULL;
	struct ferr err = {0};

	if (orders_find(f->st, f->kek, q, &o, &err) != 0)
		fail_msg("orders_find(%s): %s", q, err.msg);
	assert_non_null(o);
	return o;
}

static int
find_fails(struct fx *f, const char *q, struct ferr *err)
{
	struct order *o = (struct order *)1;
	int r;

	ferr_clear(err);
	r = orders_find(f->st, f->kek, q, &o, err);
	assert_int_not_equal(r, 0);
	assert_null(o);
	assert_no_pii(err->msg);
	return r;
}

/* ---- round trip ------------------------------------------------------- */

static void
check_full_order(const struct order *o, const char *id, const char *name)
{
	assert_string_equal(o->id, id);
	assert_string_equal(o->status, "unshipped");
	assert_string_equal(o->service, "Standard");
	assert_int_equal(o->ship_by, 1795453200);
	assert_int_equal(o->delivered_at, 0);
	assert_int_equal(o->nitems, 2);
	assert_string_equal(o->items[0].sku, "MUG-BLU");
	assert_string_equal(o->items[0].ean, "5012345678900");
	assert_string_equal(o->items[0].title, pii[PII_TITLE]);
	assert_int_equal(o->items[0].qty, 2);
	assert_string_equal(o->items[0].bin, "A-01-03");
	assert_string_equal(o->items[1].sku, "TEA-\xc3\xa9");
	assert_null(o->items[1].ean);
	assert_string_equal(o->items[1].title, "Tea \t towel\r\n");
	assert_int_equal(o->items[1].qty, 9999);
	assert_null(o->items[1].bin);
	/* Byte-exact, escape sequences, ZPL carets and bidi included. */
	assert_string_equal(o->ship_to.name, name);
	assert_string_equal(o->ship_to.line1, pii[PII_LINE1]);
	assert_string_equal(o->ship_to.line2, pii[PII_LINE2]);
	assert_string_equal(o->ship_to.city, pii[PII_CITY]);
	assert_string_equal(o->ship_to.region, pii[PII_REGION]);
	assert_string_equal(o->ship_to.postcode, pii[PII_POSTCODE]);
	assert_string_equal(o->ship_to.country, "GB");
	assert_string_equal(o->ship_to.phone, pii[PII_PHONE]);
	assert_string_equal(o->buyer_email, pii[PII_EMAIL]);
	assert_string_equal(o->gift_message, pii[PII_GIFT]);
}

static void
body_round_trip(struct fx *f)
{
	static const int names[] = {
	    PII_NAME,
	    PII_NAME_ZPL,
	    PII_NAME_ESC,
	    PII_NAME_RTL,
	    PII_NAME_BIDI,
	};
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	struct order *o;
	char id[16], ref[32];
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(id, sizeof id, "RT-%zu", i);
		snprintf(ref, sizeof ref, "114-000000%zu", i);
		json_array_append_new(arr,
		    order_json(id, ref, "2026-11-22T08:00:00Z", pii[names[i]]));
	}
	assert_int_equal(
	    import_doc(f, json_pack("{s:o}", "orders", arr), &s, &rj, &err), 0);
	assert_stats(&s, 5, 5, 0, 0, 0);
	assert_int_equal(rj.n, 0);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(id, sizeof id, "RT-%zu", i);
		snprintf(ref, sizeof ref, "114-000000%zu", i);
		o = find_ok(f, id);
		check_full_order(o, id, pii[names[i]]);
		assert_string_equal(o->ref, ref);
		assert_int_equal(o->updated_at, 1795334400);
		order_free(o);
		/* By ref, the same order. */
		o = find_ok(f, ref);
		assert_string_equal(o->id, id);
		check_full_order(o, id, pii[names[i]]);
		order_free(o);
	}
	order_free(NULL);
}

static void
body_minimal_order(struct fx *f)
{
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	struct order *o;

	assert_int_equal(
	    import_doc(f, doc_of(1, order_min("M-1")), &s, &rj, &err), 0);
	assert_stats(&s, 1, 1, 0, 0, 0);
	o = find_ok(f, "M-1");
	assert_string_equal(o->ship_to.name, "N");
	assert_null(o->ship_to.line2);
	assert_null(o->ship_to.region);
	assert_null(o->ship_to.phone);
	assert_null(o->buyer_email);
	assert_null(o->gift_message);
	assert_int_equal(o->nitems, 1);
	assert_null(o->items[0].ean);
	assert_null(o->items[0].bin);
	order_free(o);
}

static void
body_plain_columns(struct fx *f)
{
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	sqlite3_stmt *stmt;
	enum fulfil_cipher c;
	uint32_t epoch;
	json_t *o =
	    order_json("PC-1", "114-PC", "2026-11-22T08:00:00Z", pii[PII_NAME]);
	time_t before = time(NULL);

	json_object_set_new(o, "status", json_string("delivered"));
	json_object_set_new(
	    o, "delivered_at", json_string("2024-02-29T23:59:59.999-05:30"));
	assert_int_equal(import_doc(f, doc_of(1, o), &s, &rj, &err), 0);
	assert_int_equal(
	    sqlite3_prepare_v2(store_db(f->st),
	        "SELECT ref, status, state, ship_by, service, item_count,"
	        " updated_at, delivered_at, imported_at, cipher, epoch, sealed,"
	        " length(dek) FROM orders WHERE id = 'PC-1'",
	        -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal(COLTXT(stmt, 0), "114-PC");
	assert_string_equal(COLTXT(stmt, 1), "delivered");
	assert_string_equal(COLTXT(stmt, 2), "queued");
	assert_int_equal(sqlite3_column_int64(stmt, 3), 1795453200);
	assert_string_equal(COLTXT(stmt, 4), "Standard");
	assert_int_equal(sqlite3_column_int64(stmt, 5), 2);
	assert_int_equal(sqlite3_column_int64(stmt, 6), 1795334400);
	assert_int_equal(sqlite3_column_int64(stmt, 7), 1709270999);
	assert_true(sqlite3_column_int64(stmt, 8) >= before);
	assert_int_equal(sqlite3_column_int(stmt, 9), (int)f->cipher);
	assert_int_equal(
	    sqlite3_column_int64(stmt, 10), crypto_kek_epoch(f->kek));
	/* The sealed blob records the same algorithm and epoch. */
	assert_int_equal(
	    crypto_sealed_info(sqlite3_column_blob(stmt, 11),
	        (size_t)sqlite3_column_bytes(stmt, 11), &c, &epoch),
	    0);
	assert_int_equal(c, f->cipher);
	assert_int_equal(epoch, crypto_kek_epoch(f->kek));
	assert_true(sqlite3_column_int(stmt, 12) > CRYPTO_KEY_BYTES);
	sqlite3_finalize(stmt);
}

/* ---- timestamps ------------------------------------------------------- */

static void
body_dates(struct fx *f)
{
	static const struct {
		const char *s;
		int64_t want; /* -1: rejected */
	} cases[] = {
	    {"2026-11-23T17:00:00Z", 1795453200},
	    {"2026-11-23T19:00:00+02:00", 1795453200},
	    {"2026-11-23t17:00:00z", 1795453200},
	    {"2024-02-29T23:59:59.999-05:30", 1709270999},
	    {"2000-03-01T00:00:00Z", 951868800},
	    {"1970-01-01T00:00:01Z", 1},
	    {"9999-12-31T23:59:59Z", 253402300799},
	    {"2026-11-23T17:00:00.123456789Z", 1795453200},
	    {"2026-11-23", -1},
	    {"2026-11-23T17:00:00", -1},
	    {"2026-11-23 17:00:00Z", -1},
	    {"2026-13-01T00:00:00Z", -1},
	    {"2026-00-01T00:00:00Z", -1},
	    {"2025-02-29T00:00:00Z", -1},
	    {"2026-04-31T00:00:00Z", -1},
	    {"2026-11-23T24:00:00Z", -1},
	    {"2026-11-23T17:60:00Z", -1},
	    {"2026-11-23T17:00:61Z", -1},
	    {"2026-11-23T17:00:00.Z", -1},
	    {"2026-11-23T17:00:00+2:00", -1},
	    {"2026-11-23T17:00:00+02:60", -1},
	    {"2026-11-23T17:00:00+0200", -1},
	    {"2026-11-23T17:00:00ZZ", -1},
	    {"+2026-11-23T17:00:00Z", -1},
	    {"2026-1a-23T17:00:00Z", -1},
	    {"", -1},
	};
	struct orders_ingest_stats s;
	struct ferr err;
	char id[16];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rejects rj = {0};
		json_t *o;

		snprintf(id, sizeof id, "D-%zu", i);
		o = order_min(id);
		json_object_set_new(o, "ship_by", json_string(cases[i].s));
		assert_int_equal(import_doc(f, doc_of(1, o), &s, &rj, &err), 0);
		if (cases[i].want < 0) {
			assert_int_equal(s.rejected, 1);
			assert_int_equal(rj.n, 1);
			assert_non_null(strstr(
			    rj.msg[0], ": ship_by: not an RFC 3339 date-time"));
		} else {
			struct order *ord;

			if (s.imported != 1)
				fail_msg("%s: %s", cases[i].s,
				    rj.n ? rj.msg[0] : "?");
			ord = find_ok(f, id);
			assert_int_equal(ord->ship_by, cases[i].want);
			order_free(ord);
		}
		rejects_free(&rj);
	}
}

/* ---- validation ------------------------------------------------------- */

/* Set (value != NULL) or delete a field of an order by path. */
static void
set_path(json_t *o, const char *path, json_t *value)
{
	char buf[128], *tok, *next, *br;
	json_t *cur = o;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = buf; tok != NULL; tok = next) {
		if ((next = strchr(tok, '.')) != NULL)
			*next++ = '\0';
		br = strchr(tok, '[');
		if (br != NULL) {
			*br = '\0';
			cur = json_object_get(cur, tok);
			cur = json_array_get(cur, (size_t)atoi(br + 1));
			assert_non_null(cur);
			continue;
		}
		if (next == NULL) {
			if (value == NULL)
				json_object_del(cur, tok);
			else
				json_object_set_new(cur, tok, value);
			return;
		}
		cur = json_object_get(cur, tok);
		assert_non_null(cur);
	}
}

struct vcase {
	const char *path; /* NULL: replace the whole order */
	const char *json; /* the new value; NULL: delete the key */
	size_t longlen;   /* >0: a string of that many bytes instead */
	const char *want; /* the reject message, exactly */
};

static json_t *
vcase_value(const struct vcase *c)
{
	json_error_t jerr;
	json_t *v;

	if (c->longlen > 0) {
		char *s = malloc(c->longlen);

		assert_non_null(s);
		memset(s, 'x', c->longlen);
		v = json_stringn(s, c->longlen);
		free(s);
		return v;
	}
	if (c->json == NULL)
		return NULL;
	v = json_loads(c->json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (v == NULL)
		fail_msg("bad test value %s", c->json);
	return v;
}

static const struct vcase reject_cases[] = {
    {NULL, "42", 0, "orders[1]: must be an object"},
    {NULL, "[]", 0, "orders[1]: must be an object"},
    {"id", NULL, 0, "orders[1]: id: missing"},
    {"id", "null", 0, "orders[1]: id: missing"},
    {"id", "42", 0, "orders[1]: id: must be a string"},
    {"id", "\"\"", 0, "orders[1]: id: must not be empty"},
    {"id", "\"V 1\"", 0,
        "orders[1]: id: only printable ASCII without spaces is allowed"},
    {"id", "\"V-\\u00e9\"", 0,
        "orders[1]: id: only printable ASCII without spaces is allowed"},
    {"id", "\"V-\\u001b\"", 0,
        "orders[1]: id: only printable ASCII without spaces is allowed"},
    {"id", "\"V\\u0000-1\"", 0, "orders[1]: id: contains a NUL byte"},
    {"id", NULL, 65, "orders[1]: id: too long (65 bytes, at most 64)"},
    {"ref", NULL, 0, "order V-1: ref: missing"},
    {"ref", "\"a\\tb\"", 0,
        "order V-1: ref: only printable ASCII without spaces is allowed"},
    {"ref", NULL, 65, "order V-1: ref: too long (65 bytes, at most 64)"},
    {"status", NULL, 0, "order V-1: status: missing"},
    {"status", "1", 0, "order V-1: status: must be a string"},
    {"status", "\"lost\"", 0,
        "order V-1: status: must be one of "
        "unshipped, shipped, delivered, cancelled"},
    {"status", "\"shipped\\u0000\"", 0,
        "order V-1: status: must be "
        "one of unshipped, shipped, delivered, cancelled"},
    {"ship_by", NULL, 0, "order V-1: ship_by: missing"},
    {"ship_by", "1795453200", 0,
        "order V-1: ship_by: must be a string (RFC 3339 date-time)"},
    {"updated_at", "\"yesterday\"", 0,
        "order V-1: updated_at: not an RFC 3339 date-time"},
    {"updated_at", NULL, 0, "order V-1: updated_at: missing"},
    {"delivered_at", "0", 0,
        "order V-1: delivered_at: must be a "
        "string (RFC 3339 date-time)"},
    {"delivered_at", "\"2026-11-23T17:00:00Z\\u0000\"", 0,
        "order V-1: delivered_at: not an RFC 3339 date-time"},
    {"service", NULL, 0, "order V-1: service: missing"},
    {"service", NULL, 65,
        "order V-1: service: too long (65 bytes, at most 64)"},
    {"service", "{}", 0, "order V-1: service: must be a string"},
    {"items", NULL, 0, "order V-1: items: missing"},
    {"items", "{}", 0, "order V-1: items: must be an array"},
    {"items", "[]", 0, "order V-1: items: must have 1 to 500 entries (has 0)"},
    {"items", "[1]", 0, "order V-1: items[0]: must be an object"},
    {"items[1].sku", NULL, 0, "order V-1: items[1].sku: missing"},
    {"items[0].sku", "\"A\\u001bB\"", 0,
        "order V-1: items[0].sku: contains control characters"},
    {"items[0].sku", "\"A\\u0085B\"", 0,
        "order V-1: items[0].sku: contains control characters"},
    {"items[0].sku", "\"A\\u007fB\"", 0,
        "order V-1: items[0].sku: contains control characters"},
    {"items[0].sku", NULL, 65,
        "order V-1: items[0].sku: too long (65 bytes, at most 64)"},
    {"items[0].ean", "\"12345\"", 0,
        "order V-1: items[0].ean: too short (5 bytes, at least 8)"},
    {"items[0].ean", "\"123456789012345\"", 0,
        "order V-1: items[0].ean: too long (15 bytes, at most 14)"},
    {"items[0].ean", "\"1234567X\"", 0,
        "order V-1: items[0].ean: must be 8 to 14 digits"},
    {"items[0].ean", "5012345678900", 0,
        "order V-1: items[0].ean: must be a string"},
    {"items[0].title", NULL, 0, "order V-1: items[0].title: missing"},
    {"items[0].title", NULL, 257,
        "order V-1: items[0].title: too long (257 bytes, at most 256)"},
    {"items[0].title", "\"a\\u0000b\"", 0,
        "order V-1: items[0].title: contains a NUL byte"},
    {"items[0].qty", NULL, 0, "order V-1: items[0].qty: missing"},
    {"items[0].qty", "0", 0,
        "order V-1: items[0].qty: must be an integer from 1 to 9999"},
    {"items[0].qty", "-1", 0,
        "order V-1: items[0].qty: must be an integer from 1 to 9999"},
    {"items[0].qty", "10000", 0,
        "order V-1: items[0].qty: must be an integer from 1 to 9999"},
    {"items[0].qty", "2.0", 0,
        "order V-1: items[0].qty: must be an integer from 1 to 9999"},
    {"items[0].qty", "\"2\"", 0,
        "order V-1: items[0].qty: must be an integer from 1 to 9999"},
    {"items[0].bin", "\"A\\nB\"", 0,
        "order V-1: items[0].bin: contains control characters"},
    {"items[0].bin", NULL, 33,
        "order V-1: items[0].bin: too long (33 bytes, at most 32)"},
    {"ship_to", NULL, 0, "order V-1: ship_to: missing"},
    {"ship_to", "\"x\"", 0, "order V-1: ship_to: must be an object"},
    {"ship_to.name", NULL, 0, "order V-1: ship_to.name: missing"},
    {"ship_to.name", "42", 0, "order V-1: ship_to.name: must be a string"},
    {"ship_to.name", "\"\"", 0, "order V-1: ship_to.name: must not be empty"},
    {"ship_to.name", NULL, 257,
        "order V-1: ship_to.name: too long (257 bytes, at most 256)"},
    {"ship_to.name", "\"Synthia\\u0000Longname-Zed\"", 0,
        "order V-1: ship_to.name: contains a NUL byte"},
    {"ship_to.line1", "[]", 0, "order V-1: ship_to.line1: must be a string"},
    {"ship_to.city", "null", 0, "order V-1: ship_to.city: missing"},
    {"ship_to.line2", "true", 0, "order V-1: ship_to.line2: must be a string"},
    {"ship_to.region", NULL, 257,
        "order V-1: ship_to.region: too long (257 bytes, at most 256)"},
    {"ship_to.postcode", NULL, 33,
        "order V-1: ship_to.postcode: too long (33 bytes, at most 32)"},
    {"ship_to.country", "\"gb\"", 0,
        "order V-1: ship_to.country: must be two letters A-Z"},
    {"ship_to.country", "\"GBR\"", 0,
        "order V-1: ship_to.country: too long (3 bytes, at most 2)"},
    {"ship_to.country", "\"G\"", 0,
        "order V-1: ship_to.country: too short (1 bytes, at least 2)"},
    {"ship_to.phone", NULL, 33,
        "order V-1: ship_to.phone: too long (33 bytes, at most 32)"},
    {"buyer_email", NULL, 257,
        "order V-1: buyer_email: too long (257 bytes, at most 256)"},
    {"buyer_email", "7", 0, "order V-1: buyer_email: must be a string"},
    {"gift_message", NULL, 1025,
        "order V-1: gift_message: too long (1025 bytes, at most 1024)"},
    {"gift_message", "{\"a\":1}", 0,
        "order V-1: gift_message: must be a string"},
};

/* Each bad order is rejected by name, its neighbours still import. */
static void
body_reject_table(struct fx *f)
{
	struct orders_ingest_stats s;
	struct ferr err;
	struct order *o;
	char good[16];
	size_t i;

	for (i = 0; i < sizeof reject_cases / sizeof reject_cases[0]; i++) {
		const struct vcase *c = &reject_cases[i];
		struct rejects rj = {0};
		json_t *bad = order_json("V-1", "114-V", "2026-11-22T08:00:00Z",
		           pii[PII_NAME]),
		       *v = vcase_value(c);

		if (c->path == NULL) {
			json_decref(bad);
			bad = v;
		} else {
			set_path(bad, c->path, v);
		}
		snprintf(good, sizeof good, "G-%zu", i);
		assert_int_equal(
		    import_doc(f,
		        doc_of(3, order_min(good), bad, order_min("G-last")),
		        &s, &rj, &err),
		    0);
		if (rj.n != 1 || strcmp(rj.msg[0], c->want) != 0)
			fail_msg("case %zu (%s): got \"%s\", want \"%s\"", i,
			    c->path ? c->path : "(order)",
			    rj.n ? rj.msg[0] : "no message", c->want);
		assert_int_equal(s.received, 3);
		assert_int_equal(s.rejected, 1);
		assert_int_equal(s.imported + s.unchanged, 2);
		/* The bad order left no trace; the good one is there. */
		assert_int_equal(find_fails(f, "V-1", &err), FULFIL_ENOTFOUND);
		o = find_ok(f, good);
		order_free(o);
		rejects_free(&rj);
	}
	assert_int_equal(count_rows(f, NULL),
	    (int64_t)(sizeof reject_cases / sizeof reject_cases[0]) + 1);
}

static const struct vcase accept_cases[] = {
    {"delivered_at", "null", 0, NULL},
    {"delivered_at", NULL, 0, NULL},
    {"delivered_at", "\"2026-11-30T10:00:00+01:00\"", 0, NULL},
    {"status", "\"shipped\"", 0, NULL},
    {"status", "\"delivered\"", 0, NULL},
    {"status", "\"cancelled\"", 0, NULL},
    {"id", NULL, 64, NULL},
    {"id", "\"~!\\\"#$%&'()*+,-./:;<=>?@[\\\\]^_`{|}\"", 0, NULL},
    {"ref", NULL, 64, NULL},
    {"service", NULL, 64, NULL},
    {"items[0].ean", "\"12345678\"", 0, NULL},
    {"items[0].ean", "\"12345678901234\"", 0, NULL},
    {"items[0].ean", "null", 0, NULL},
    {"items[0].bin", NULL, 0, NULL},
    {"items[0].bin", NULL, 32, NULL},
    {"items[0].sku", NULL, 64, NULL},
    {"items[0].qty", "1", 0, NULL},
    {"items[0].title", NULL, 256, NULL},
    {"items[0].title", "\"\\u001b[2J\\u0007^XA~JA\\u202e\"", 0, NULL},
    {"ship_to.name", NULL, 256, NULL},
    {"ship_to.line2", "null", 0, NULL},
    {"ship_to.region", NULL, 0, NULL},
    {"ship_to.phone", "null", 0, NULL},
    {"ship_to.postcode", NULL, 32, NULL},
    {"buyer_email", NULL, 256, NULL},
    {"buyer_email", "\"\"", 0, NULL},
    {"gift_message", NULL, 1024, NULL},
    {"gift_message", "null", 0, NULL},
    /* Unknown keys are ignored (and, below, never stored). */
    {"loyalty_tier", "\"gold\"", 0, NULL},
    {"ship_to.extra", "[1, 2]", 0, NULL},
    {"items[0].colour", "{\"a\": null}", 0, NULL},
};

static void
body_accept_table(struct fx *f)
{
	struct orders_ingest_stats s;
	struct ferr err;
	size_t i;

	for (i = 0; i < sizeof accept_cases / sizeof accept_cases[0]; i++) {
		const struct vcase *c = &accept_cases[i];
		struct rejects rj = {0};
		json_t *o = order_json("W-1", "114-W", "2026-11-22T08:00:00Z",
		           pii[PII_NAME]),
		       *v = vcase_value(c);

		set_path(o, c->path, v);
		/* Drop any row of an earlier case (same id). */
		sql(f, "DELETE FROM orders");
		assert_int_equal(import_doc(f, doc_of(1, o), &s, &rj, &err), 0);
		if (s.imported != 1)
			fail_msg("case %zu (%s): %s", i, c->path,
			    rj.n ? rj.msg[0] : "not imported");
		rejects_free(&rj);
	}
	/* Limits count bytes: 128 two-byte letters fit, 129 do not. */
	for (i = 128; i <= 129; i++) {
		struct rejects rj = {0};
		char name[2 * 129 + 1];
		json_t *o = order_min("MB-1");
		size_t k;

		for (k = 0; k < i; k++)
			memcpy(name + 2 * k, "\xc3\xa9", 2);
		name[2 * i] = '\0';
		json_object_set_new(
		    json_object_get(o, "ship_to"), "name", json_string(name));
		assert_int_equal(import_doc(f, doc_of(1, o), &s, &rj, &err), 0);
		if (i == 128) {
			assert_int_equal(s.imported, 1);
		} else {
			assert_int_equal(rj.n, 1);
			assert_string_equal(rj.msg[0],
			    "order MB-1: ship_to.name:"
			    " too long (258 bytes, at most 256)");
		}
		sql(f, "DELETE FROM orders");
		rejects_free(&rj);
	}
}

static void
body_unknown_keys_not_stored(struct fx *f)
{
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	json_t *o =
	    order_json("U-1", "114-U", "2026-11-22T08:00:00Z", pii[PII_NAME]);

	json_object_set_new(o, "buyer_name", json_string(pii[PII_UNKNOWN]));
	json_object_set_new(json_object_get(o, "ship_to"), "note",
	    json_string(pii[PII_UNKNOWN]));
	assert_int_equal(import_doc(f, doc_of(1, o), &s, &rj, &err), 0);
	assert_stats(&s, 1, 1, 0, 0, 0);
	/* Something to scan: the db or its WAL holds the plain id. */
	assert_true(tu_tree_contains(f->dir, "U-1", 3));
	assert_false(tu_tree_contains(
	    f->dir, pii[PII_UNKNOWN], strlen(pii[PII_UNKNOWN])));
}

/* ---- hostile documents ------------------------------------------------ */

static void
body_document_errors(struct fx *f)
{
	static const struct {
		const char *json;
		const char *want; /* substring of the error */
	} cases[] = {
	    {"", "line"},
	    {"{\"orders\":[{\"id\":\"H-1\",\"ref\":\"R\",\"status\":\"unsh",
	        "unexpected end of input"},
	    {"{\"orders\":[", "unexpected end of input"},
	    {"{\"orders\":[]} x", "data after the document"},
	    {"{\"orders\":[{\"id\":\"H-1\" \"ref\":1}]}", "syntax error"},
	    {"{\"orders\":[], \"orders\":[]}", "duplicate key"},
	    {"{\"orders\":[{\"id\":\"H-1\",\"id\":\"H-2\"}]}", "duplicate key"},
	    {"{\"orders\":[{\"a\\u0000b\":1}]}", "NUL byte in a key"},
	    {"{\"orders\":[{\"qty\":1e99999}]}", ""},
	    {"{\"orders\":[{\"qty\":123456789012345678901234567890}]}",
	        "number out of range"},
	    {"[]", "expected an object with an \"orders\" array"},
	    {"\"orders\"", "expected an object with an \"orders\" array"},
	    {"42", "expected an object with an \"orders\" array"},
	    {"null", "expected an object with an \"orders\" array"},
	    {"{}", "expected an object with an \"orders\" array"},
	    {"{\"orders\":{}}", "expected an object"},
	    {"{\"orders\":null}", "expected an object"},
	    {"{\"orders\":\"[]\"}", "expected an object"},
	    {"{\"Orders\":[]}", "expected an object"},
	};
	struct orders_ingest_stats s;
	struct ferr err;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rejects rj = {0};

		memset(&s, 0xff, sizeof s);
		if (import_str(f, cases[i].json, &s, &rj, &err) !=
		    FULFIL_EINVAL)
			fail_msg("case %zu: not EINVAL", i);
		if (strstr(err.msg, cases[i].want) == NULL ||
		    strncmp(err.msg, "order document: ", 16) != 0)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg,
			    cases[i].want);
		assert_stats(&s, 0, 0, 0, 0, 0);
		assert_int_equal(rj.n, 0);
	}
	assert_int_equal(count_rows(f, NULL), 0);
}

/* A syntax error reports where, never what. */
static void
body_truncated(struct fx *f)
{
	struct orders_ingest_stats s;
	struct ferr err;
	json_t *d = doc_of(2,
	    order_json("T-1", "114-T1", "2026-11-22T08:00:00Z", pii[PII_NAME]),
	    order_json("T-2", "114-T2", "2026-11-22T08:00:00Z", pii[PII_LONG]));
	char *txt = json_dumps(d, JSON_INDENT(1));
	size_t len = strlen(txt), cut;

	json_decref(d);
	/* Cut at many places: never an import, never a quote of the input. */
	for (cut = 0; cut < len - 1; cut += 7) {
		struct rejects rj = {0};

		assert_int_equal(
		    import_buf(f, txt, cut, &s, &rj, &err), FULFIL_EINVAL);
		assert_non_null(strstr(err.msg, "line"));
		assert_non_null(strstr(err.msg, "column"));
		assert_int_equal(rj.n, 0);
	}
	assert_int_equal(count_rows(f, NULL), 0);
	/* The whole document imports. */
	assert_int_equal(import_buf(f, txt, len, &s, NULL, &err), 0);
	assert_int_equal(s.imported, 2);
	free(txt);
}

static void
body_invalid_utf8(struct fx *f)
{
	static const char *const bad[] = {
	    "\xc3\x28",
	    "\xff",
	    "\xed\xa0\x80",
	    "\xe2\x82",
	    "\xc0\xaf",
	};
	struct orders_ingest_stats s;
	struct ferr err;
	char doc[512];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct rejects rj = {0};

		/* A good order first: the whole document is refused. */
		snprintf(doc, sizeof doc,
		    "{\"orders\":[{\"id\":\"OK-1\"},"
		    "{\"id\":\"U-1\",\"ship_to\":{\"name\":\"Zo%s\"}}]}",
		    bad[i]);
		assert_int_equal(
		    import_str(f, doc, &s, &rj, &err), FULFIL_EINVAL);
		assert_non_null(strstr(err.msg, "invalid UTF-8"));
		assert_null(strstr(err.msg, "Zo"));
		assert_int_equal(rj.n, 0);
	}
	/* Lone surrogates in escapes are no better. */
	assert_int_equal(import_str(f, "{\"orders\":[{\"id\":\"\\ud800\"}]}",
	                     &s, NULL, &err),
	    FULFIL_EINVAL);
	assert_int_equal(count_rows(f, NULL), 0);
}

static void
body_huge_name(struct fx *f)
{
	size_t n = 10u * 1024 * 1024, plen = strlen(pii[PII_LONG]), i;
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	char *name = malloc(n);
	json_t *o;

	assert_non_null(name);
	for (i = 0; i < n; i++)
		name[i] = pii[PII_LONG][i % plen];
	o = order_json("BIG-1", "114-BIG", "2026-11-22T08:00:00Z", "x");
	json_object_set_new(
	    json_object_get(o, "ship_to"), "name", json_stringn(name, n));
	free(name);
	assert_int_equal(
	    import_doc(f, doc_of(2, o, order_min("OK-1")), &s, &rj, &err), 0);
	assert_stats(&s, 2, 1, 0, 0, 1);
	assert_int_equal(rj.n, 1);
	assert_string_equal(rj.msg[0], "order BIG-1: ship_to.name: too long "
	                               "(10485760 bytes, at most 256)");
	assert_int_equal(count_rows(f, "id = 'BIG-1'"), 0);
	assert_false(tu_tree_contains(f->dir, pii[PII_LONG], plen));
	rejects_free(&rj);
}

static void
body_many_items(struct fx *f)
{
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	json_t *o = order_min("IT-1"), *items = json_array(), *o2;
	struct order *ord;
	size_t i;

	for (i = 0; i < 100000; i++)
		json_array_append_new(
		    items, json_pack("{s:s, s:s, s:i}", "sku", "S", "title",
		               pii[PII_TITLE], "qty", 1));
	json_object_set_new(o, "items", items);
	/* Exactly ORDER_ITEMS_MAX is fine. */
	o2 = order_min("IT-2");
	items = json_array();
	for (i = 0; i < ORDER_ITEMS_MAX; i++)
		json_array_append_new(
		    items, json_pack("{s:s, s:s, s:i}", "sku", "S", "title",
		               pii[PII_TITLE], "qty", (int)i + 1));
	json_object_set_new(o2, "items", items);
	assert_int_equal(import_doc(f, doc_of(2, o, o2), &s, &rj, &err), 0);
	assert_stats(&s, 2, 1, 0, 0, 1);
	assert_string_equal(rj.msg[0], "order IT-1: items: must have 1 to 500 "
	                               "entries (has 100000)");
	ord = find_ok(f, "IT-2");
	assert_int_equal(ord->nitems, ORDER_ITEMS_MAX);
	for (i = 0; i < ORDER_ITEMS_MAX; i++) {
		assert_int_equal(ord->items[i].qty, (long)i + 1);
		assert_string_equal(ord->items[i].title, pii[PII_TITLE]);
	}
	order_free(ord);
	rejects_free(&rj);
}

static void
body_duplicate_ids(struct fx *f)
{
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	struct order *o;
	json_t *bad;

	/* D-1 exists before; the document then holds it twice. */
	assert_int_equal(
	    import_doc(f,
	        doc_of(1, order_json("D-1", "114-D1", "2026-11-22T08:00:00Z",
	                      pii[PII_NAME])),
	        &s, &rj, &err),
	    0);
	bad = order_min("D-1");
	json_object_del(bad, "service"); /* invalid as well */
	assert_int_equal(import_doc(f,
	                     doc_of(4,
	                         order_json("D-1", "114-D1",
	                             "2026-11-23T08:00:00Z", pii[PII_NAME_ZPL]),
	                         order_min("D-2"), bad, order_min("D-3")),
	                     &s, &rj, &err),
	    0);
	assert_stats(&s, 4, 2, 0, 0, 2);
	assert_int_equal(rj.n, 2);
	assert_string_equal(
	    rj.msg[0], "order D-1: duplicate id in this document");
	assert_string_equal(
	    rj.msg[1], "order D-1: duplicate id in this document");
	/* The stored D-1 was not touched. */
	o = find_ok(f, "D-1");
	assert_string_equal(o->ship_to.name, pii[PII_NAME]);
	assert_int_equal(o->updated_at, 1795334400);
	order_free(o);
	rejects_free(&rj);
}

static void
body_empty_and_many(struct fx *f)
{
	struct orders_ingest_stats s;
	struct orders_counts c;
	struct ferr err;
	json_t *arr;
	char id[16];
	size_t i, n = 20000;

	assert_int_equal(import_str(f, "{\"orders\":[]}", &s, NULL, &err), 0);
	assert_stats(&s, 0, 0, 0, 0, 0);
	/* Extra top-level keys (a sync page's cursor) are ignored. */
	assert_int_equal(import_str(f,
	                     "{\"orders\":[], \"cursor\":\"c\","
	                     " \"has_more\":false}",
	                     &s, NULL, &err),
	    0);
	arr = json_array();
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "N-%zu", i);
		json_array_append_new(arr, order_min(id));
	}
	json_array_append_new(arr, json_string("not an order"));
	assert_int_equal(
	    import_doc(f, json_pack("{s:o}", "orders", arr), &s, NULL, &err),
	    0);
	assert_stats(&s, n + 1, n, 0, 0, 1);
	assert_int_equal(orders_counts(f->st, time(NULL), &c, &err), 0);
	assert_int_equal(c.orders, (int64_t)n);
	assert_int_equal(c.with_pii, (int64_t)n);
	assert_int_equal(c.by_cipher[f->cipher], (int64_t)n);
}

/* Messages never carry a value from the order (collect checks each). */
static void
body_messages_have_no_values(struct fx *f)
{
	static const char *const fields[] = {
	    "name",
	    "line1",
	    "line2",
	    "city",
	    "region",
	    "postcode",
	    "phone",
	};
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	json_t *arr = json_array(), *o, *st;
	char id[16], *big = malloc(300);
	size_t i;

	assert_non_null(big);
	/* Each field too long, made of a synthetic name; must not leak. */
	for (i = 0; i < 300; i++)
		big[i] = pii[PII_LONG][i % strlen(pii[PII_LONG])];
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		snprintf(id, sizeof id, "L-%zu", i);
		o = order_json(id, id, "2026-11-22T08:00:00Z", pii[PII_NAME]);
		st = json_object_get(o, "ship_to");
		json_object_set_new(st, fields[i], json_stringn(big, 300));
		json_array_append_new(arr, o);
	}
	o = order_json("L-e", "L-e", "2026-11-22T08:00:00Z", pii[PII_NAME]);
	json_object_set_new(o, "buyer_email", json_stringn(big, 300));
	json_array_append_new(arr, o);
	o = order_json("L-t", "L-t", "2026-11-22T08:00:00Z", pii[PII_NAME]);
	json_object_set_new(json_array_get(json_object_get(o, "items"), 0),
	    "title", json_stringn(big, 300));
	json_array_append_new(arr, o);
	/* A bad id made of PII is not echoed either. */
	o = order_min("x");
	json_object_set_new(o, "id", json_string(pii[PII_NAME]));
	json_array_append_new(arr, o);
	assert_int_equal(
	    import_doc(f, json_pack("{s:o}", "orders", arr), &s, &rj, &err), 0);
	assert_int_equal(s.rejected, sizeof fields / sizeof fields[0] + 3);
	assert_int_equal(rj.n, s.rejected);
	assert_string_equal(rj.msg[rj.n - 1],
	    "orders[9]: id: only printable "
	    "ASCII without spaces is allowed");
	free(big);
	rejects_free(&rj);
}

/* ---- upsert ----------------------------------------------------------- */

static void
fetch_blob(
    struct fx *f, const char *id, const char *col, unsigned char **p, size_t *n)
{
	char q[128];
	sqlite3_stmt *stmt;

	snprintf(q, sizeof q, "SELECT %s FROM orders WHERE id = ?1", col);
	assert_int_equal(
	    sqlite3_prepare_v2(store_db(f->st), q, -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	*n = (size_t)sqlite3_column_bytes(stmt, 0);
	assert_non_null(*p = malloc(*n ? *n : 1));
	if (*n)
		memcpy(*p, sqlite3_column_blob(stmt, 0), *n);
	sqlite3_finalize(stmt);
}

static void
store_blob(struct fx *f, const char *id, const char *col,
    const unsigned char *p, size_t n)
{
	char q[128];
	sqlite3_stmt *stmt;

	snprintf(q, sizeof q, "UPDATE orders SET %s = ?2 WHERE id = ?1", col);
	assert_int_equal(
	    sqlite3_prepare_v2(store_db(f->st), q, -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, p, (int)n, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(store_db(f->st)), 1);
	sqlite3_finalize(stmt);
}

static char *
column_text(struct fx *f, const char *id, const char *col)
{
	unsigned char *p;
	size_t n;
	char *s;

	fetch_blob(f, id, col, &p, &n);
	assert_non_null(s = calloc(1, n + 1));
	memcpy(s, p, n);
	free(p);
	return s;
}

static void
body_upsert(struct fx *f)
{
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;
	struct order *o;
	unsigned char *dek0, *dek1;
	size_t n0, n1;
	char *imp0, *imp1, *state;
	json_t *j;

	assert_int_equal(import_doc(f,
	                     doc_of(2,
	                         order_json("UP-1", "114-UP1",
	                             "2026-11-22T08:00:00Z", pii[PII_NAME]),
	                         order_min("UP-2")),
	                     &s, &rj, &err),
	    0);
	assert_stats(&s, 2, 2, 0, 0, 0);
	sql(f, "UPDATE orders SET state = 'packed' WHERE id = 'UP-1'");
	sql(f, "UPDATE orders SET imported_at = 1000 WHERE id = 'UP-1'");
	fetch_blob(f, "UP-1", "dek", &dek0, &n0);
	imp0 = column_text(f, "UP-1", "imported_at");

	/* Same updated_at: unchanged, even with other content. */
	assert_int_equal(
	    import_doc(f,
	        doc_of(1, order_json("UP-1", "114-UP1", "2026-11-22T08:00:00Z",
	                      pii[PII_NAME_ZPL])),
	        &s, &rj, &err),
	    0);
	assert_stats(&s, 1, 0, 0, 1, 0);
	/* Older: unchanged (the same instant in another offset is older). */
	assert_int_equal(
	    import_doc(f,
	        doc_of(1, order_json("UP-1", "114-UP1",
	                      "2026-11-22T09:59:59+02:00", pii[PII_NAME_ZPL])),
	        &s, &rj, &err),
	    0);
	assert_stats(&s, 1, 0, 0, 1, 0);
	o = find_ok(f, "UP-1");
	assert_string_equal(o->ship_to.name, pii[PII_NAME]);
	order_free(o);

	/* Newer: replaced, with a fresh DEK; workflow state kept. */
	j = order_json(
	    "UP-1", "114-UP1-B", "2026-11-22T08:00:01Z", pii[PII_NAME_RTL]);
	json_object_set_new(j, "status", json_string("cancelled"));
	json_object_set_new(j, "items",
	    json_pack(
	        "[{s:s, s:s, s:i}]", "sku", "NEW", "title", "New", "qty", 3));
	json_object_del(j, "gift_message");
	assert_int_equal(
	    import_doc(f, doc_of(2, j, order_min("UP-3")), &s, &rj, &err), 0);
	assert_stats(&s, 2, 1, 1, 0, 0);
	o = find_ok(f, "UP-1");
	assert_string_equal(o->ship_to.name, pii[PII_NAME_RTL]);
	assert_string_equal(o->ref, "114-UP1-B");
	assert_string_equal(o->status, "cancelled");
	assert_int_equal(o->updated_at, 1795334401);
	assert_int_equal(o->nitems, 1);
	assert_string_equal(o->items[0].sku, "NEW");
	assert_null(o->gift_message);
	order_free(o);
	assert_non_null(state = column_text(f, "UP-1", "state"));
	assert_string_equal(state, "packed");
	free(state);
	assert_int_equal(count_rows(f, "id = 'UP-1' AND item_count = 1"), 1);
	fetch_blob(f, "UP-1", "dek", &dek1, &n1);
	assert_false(n0 == n1 && memcmp(dek0, dek1, n0) == 0);
	imp1 = column_text(f, "UP-1", "imported_at");
	assert_string_equal(imp0, imp1);
	free(dek0);
	free(dek1);
	free(imp0);
	free(imp1);

	/* Wiped stays wiped: a newer version never brings PII back. */
	sql(f, "UPDATE orders SET dek = NULL, sealed = NULL, cipher = NULL,"
	       " epoch = NULL WHERE id = 'UP-2'");
	j = order_min("UP-2");
	json_object_set_new(
	    j, "updated_at", json_string("2027-01-01T00:00:00Z"));
	assert_int_equal(import_doc(f, doc_of(1, j), &s, &rj, &err), 0);
	assert_stats(&s, 1, 0, 0, 1, 0);
	assert_int_equal(count_rows(f, "id = 'UP-2' AND sealed IS NULL AND"
	                               " dek IS NULL"),
	    1);
	assert_int_equal(find_fails(f, "UP-2", &err), FULFIL_ESTATE);
	assert_string_equal(err.msg, "order UP-2: customer data was wiped");
	assert_int_equal(count_rows(f, NULL), 3);
}

static void
body_rollback(struct fx *f)
{
	struct orders_ingest_stats s;
	struct rejects rj = {0};
	struct ferr err;

	assert_int_equal(
	    import_doc(f, doc_of(1, order_min("RB-0")), &s, &rj, &err), 0);
	/* A database failure on the third order, after two were written. */
	sql(f, "CREATE TRIGGER boom BEFORE INSERT ON orders"
	       " WHEN NEW.id = 'RB-3' BEGIN SELECT RAISE(ABORT, 'boom'); END");
	memset(&s, 0xff, sizeof s);
	assert_int_equal(import_doc(f,
	                     doc_of(4, order_min("RB-1"), order_min("RB-2"),
	                         order_min("RB-3"), json_integer(42)),
	                     &s, &rj, &err),
	    FULFIL_EDB);
	assert_non_null(strstr(err.msg, "boom"));
	assert_int_equal(s.received, 4);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.imported, 0);
	assert_int_equal(s.updated, 0);
	assert_int_equal(s.unchanged, 0);
	assert_int_equal(count_rows(f, NULL), 1);
	/* The connection is usable afterwards. */
	sql(f, "DROP TRIGGER boom");
	assert_int_equal(
	    import_doc(f, doc_of(1, order_min("RB-1")), &s, &rj, &err), 0);
	assert_int_equal(s.imported, 1);
	rejects_free(&rj);
}

static void
body_readonly_store(struct fx *f)
{
	struct orders_ingest_stats s;
	struct ferr err = {0};
	struct store *ro = NULL;
	struct order *o = NULL;
	json_t *d = doc_of(1, order_min("RO-2"));
	char *txt;

	assert_int_equal(
	    import_doc(f, doc_of(1, order_min("RO-1")), &s, NULL, &err), 0);
	assert_int_equal(store_open(f->dir, STORE_READONLY, &ro, &err), 0);
	/* Reading works; writing is a database error, nothing changes. */
	assert_int_equal(orders_find(ro, f->kek, "RO-1", &o, &err), 0);
	order_free(o);
	txt = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	assert_int_equal(orders_import_buffer(ro, f->kek, f->cipher, txt,
	                     strlen(txt), NULL, NULL, &s, &err),
	    FULFIL_EDB);
	assert_int_equal(s.received, 1);
	assert_int_equal(s.imported, 0);
	free(txt);
	store_close(ro);
	assert_int_equal(count_rows(f, NULL), 1);
}

/* ---- lookup ----------------------------------------------------------- */

static void
body_lookup(struct fx *f)
{
	struct orders_ingest_stats s;
	struct ferr err;
	struct order *o;
	json_t *a = order_min("LK-1"), *b = order_min("LK-2"),
	       *c = order_min("LK-3");

	json_object_set_new(a, "ref", json_string("114-SHARED"));
	json_object_set_new(b, "ref", json_string("114-SHARED"));
	json_object_set_new(c, "ref", json_string("LK-1")); /* an id */
	assert_int_equal(import_doc(f, doc_of(3, a, b, c), &s, NULL, &err), 0);
	assert_int_equal(s.imported, 3);
	/* An id wins over a ref that looks like it. */
	o = find_ok(f, "LK-1");
	assert_string_equal(o->id, "LK-1");
	order_free(o);
	assert_int_equal(find_fails(f, "114-SHARED", &err), FULFIL_EINVAL);
	assert_string_equal(err.msg, "ref matches 2 orders; scan the order id");
	o = find_ok(f, "LK-2");
	assert_string_equal(o->ref, "114-SHARED");
	order_free(o);
	assert_int_equal(find_fails(f, "LK-404", &err), FULFIL_ENOTFOUND);
	assert_string_equal(err.msg, "no order with id or ref LK-404");
	/* A query that is not id-shaped is not echoed. */
	assert_int_equal(find_fails(f, pii[PII_NAME], &err), FULFIL_ENOTFOUND);
	assert_string_equal(err.msg, "no such order");
	assert_int_equal(find_fails(f, "", &err), FULFIL_EINVAL);
}

/* The exact count of an ambiguous ref, and an id that is one too. */
static void
body_lookup_refs(struct fx *f)
{
	struct orders_ingest_stats s;
	struct ferr err;
	struct order *o;
	json_t *a = order_min("RF-1"), *b = order_min("RF-2"),
	       *c = order_min("RF-3"), *d = order_min("RF-4"),
	       *e = order_min("RF-5");

	json_object_set_new(a, "ref", json_string("114-TRIPLE"));
	json_object_set_new(b, "ref", json_string("114-TRIPLE"));
	json_object_set_new(c, "ref", json_string("114-TRIPLE"));
	/* Two refs name the id RF-5: the id still wins. */
	json_object_set_new(d, "ref", json_string("RF-5"));
	json_object_set_new(e, "ref", json_string("RF-5"));
	assert_int_equal(
	    import_doc(f, doc_of(5, a, b, c, d, e), &s, NULL, &err), 0);
	assert_int_equal(s.imported, 5);
	assert_int_equal(find_fails(f, "114-TRIPLE", &err), FULFIL_EINVAL);
	assert_string_equal(err.msg, "ref matches 3 orders; scan the order id");
	o = find_ok(f, "RF-5");
	assert_string_equal(o->id, "RF-5");
	order_free(o);
	o = find_ok(f, "RF-4");
	assert_string_equal(o->id, "RF-4");
	assert_string_equal(o->ref, "RF-5");
	order_free(o);
	/* Down to one order with the ref: found by it. */
	sql(f, "UPDATE orders SET ref = 'X-1' WHERE id IN ('RF-1', 'RF-2')");
	o = find_ok(f, "114-TRIPLE");
	assert_string_equal(o->id, "RF-3");
	order_free(o);
	/* A wiped order found by ref says so, like one found by id. */
	sql(f, "UPDATE orders SET dek = NULL, sealed = NULL WHERE id = 'RF-3'");
	assert_int_equal(find_fails(f, "114-TRIPLE", &err), FULFIL_ESTATE);
	assert_string_equal(err.msg, "order RF-3: customer data was wiped");
}

/* A decrypted order's arena goes back to the pool wiped in full. */
static void
body_lookup_pool(struct fx *f)
{
	struct orders_ingest_stats s;
	struct ferr err;
	struct order *o, *o2;
	struct secret *a;
	json_t *doc;
	int i;

	doc = doc_of(2,
	    order_json(
	        "PL-1", "114-PL1", "2026-11-22T08:00:00Z", pii[PII_NAME]),
	    order_json(
	        "PL-2", "114-PL2", "2026-11-22T08:00:00Z", pii[PII_LONG]));
	assert_int_equal(import_doc(f, doc, &s, NULL, &err), 0);
	secret_pool_drain();
	assert_int_equal(secret_pool_size(), 0);
	o = find_ok(f, "PL-1");
	check_full_order(o, "PL-1", pii[PII_NAME]);
	order_free(o);
	assert_int_equal(secret_pool_size(), 1);
	/* The one buffer kept is the arena: no byte of the order is left. */
	a = secret_pool_get(1);
	assert_non_null(a);
	assert_int_equal(secret_pool_size(), 0);
	assert_int_equal(a->len, 0);
	assert_true(sodium_is_zero(a->data, a->cap));
	secret_pool_put(a);
	/* Lookups one after another reuse it; two at once need two. */
	for (i = 0; i < 5; i++) {
		o = find_ok(f, i % 2 ? "114-PL1" : "PL-2");
		order_free(o);
		assert_int_equal(secret_pool_size(), 1);
	}
	o = find_ok(f, "PL-1");
	o2 = find_ok(f, "PL-2");
	check_full_order(o2, "PL-2", pii[PII_LONG]);
	assert_int_equal(secret_pool_size(), 0);
	order_free(o2);
	order_free(o);
	assert_int_equal(secret_pool_size(), 2);
	/* A failed lookup gives its arena back too. */
	sql(f, "UPDATE orders SET sealed = dek WHERE id = 'PL-1'");
	assert_int_equal(find_fails(f, "PL-1", &err), FULFIL_ECRYPTO);
	assert_int_equal(secret_pool_size(), 2);
	secret_pool_drain();
	assert_int_equal(secret_pool_size(), 0);
}

static void
body_counts(struct fx *f)
{
	struct orders_ingest_stats s;
	struct orders_counts c;
	struct ferr err;
	int64_t now = time(NULL);

	assert_int_equal(orders_counts(f->st, now, &c, &err), 0);
	assert_int_equal(c.orders, 0);
	assert_int_equal(c.with_pii, 0);
	assert_int_equal(c.oldest_pii_age_s, -1);
	assert_int_equal(
	    import_doc(f,
	        doc_of(3, order_min("C-1"), order_min("C-2"), order_min("C-3")),
	        &s, NULL, &err),
	    0);
	sql(f, "UPDATE orders SET imported_at = imported_at - 500"
	       " WHERE id = 'C-2'");
	sql(f, "UPDATE orders SET imported_at = imported_at - 900,"
	       " dek = NULL, sealed = NULL WHERE id = 'C-3'");
	assert_int_equal(orders_counts(f->st, now + 10, &c, &err), 0);
	assert_int_equal(c.orders, 3);
	assert_int_equal(c.with_pii, 2);
	assert_true(c.oldest_pii_age_s >= 510 && c.oldest_pii_age_s <= 520);
	assert_int_equal(c.by_cipher[f->cipher], 2);
	assert_int_equal(c.by_cipher[FULFIL_CIPHER_AUTO], 0);
}

/* ---- tamper ----------------------------------------------------------- */

static void
import_three(struct fx *f)
{
	struct orders_ingest_stats s;
	struct ferr err;

	assert_int_equal(
	    import_doc(f,
	        doc_of(3,
	            order_json(
	                "T-1", "114-T1", "2026-11-22T08:00:00Z", pii[PII_NAME]),
	            order_json("T-2", "114-T2", "2026-11-22T08:00:00Z",
	                pii[PII_NAME_ESC]),
	            order_json("T-3", "114-T3", "2026-11-22T08:00:00Z",
	                pii[PII_NAME_RTL])),
	        &s, NULL, &err),
	    0);
	assert_int_equal(s.imported, 3);
}

static void
assert_tampered(struct fx *f, const char *id)
{
	struct ferr err;
	char want[128];

	assert_int_equal(find_fails(f, id, &err), FULFIL_ECRYPTO);
	snprintf(want, sizeof want, "order %s: ", id);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("%s: %s", id, err.msg);
}

static void
assert_opens(struct fx *f, const char *id)
{
	struct order *o = find_ok(f, id);

	assert_string_equal(o->id, id);
	order_free(o);
}

static void
body_tamper_flip(struct fx *f)
{
	static const char *const cols[] = {"sealed", "dek"};
	unsigned char *orig, *p;
	struct ferr err;
	struct order *o;
	size_t n, pos, c, step;

	import_three(f);
	for (c = 0; c < 2; c++) {
		fetch_blob(f, "T-2", cols[c], &orig, &n);
		assert_non_null(p = malloc(n));
		/* Header, nonce, ciphertext, tag: every kind of byte. */
		step = n / 23 ? n / 23 : 1;
		for (pos = 0; pos < n; pos += (pos < 40 ? 1 : step)) {
			memcpy(p, orig, n);
			p[pos] ^= 0x01;
			store_blob(f, "T-2", cols[c], p, n);
			assert_tampered(f, "T-2");
			assert_int_equal(
			    find_fails(f, "T-2", &err), FULFIL_ECRYPTO);
			if (strcmp(err.msg,
			        "order T-2: sealed data failed "
			        "authentication (tampered, or another key)") !=
			    0)
				fail_msg(
				    "%s byte %zu: %s", cols[c], pos, err.msg);
		}
		/* Truncated, extended, emptied. */
		store_blob(f, "T-2", cols[c], orig, n - 1);
		assert_tampered(f, "T-2");
		memcpy(p, orig, n);
		store_blob(f, "T-2", cols[c], orig, n / 2);
		assert_tampered(f, "T-2");
		store_blob(f, "T-2", cols[c], p, 0);
		assert_tampered(f, "T-2");
		store_blob(f, "T-2", cols[c], orig, n);
		assert_opens(f, "T-1");
		assert_opens(f, "T-2");
		assert_opens(f, "T-3");
		free(orig);
		free(p);
	}
	/* The one flipped byte only breaks its own order. */
	fetch_blob(f, "T-2", "sealed", &orig, &n);
	orig[n / 2] ^= 0x80;
	store_blob(f, "T-2", "sealed", orig, n);
	assert_tampered(f, "T-2");
	assert_opens(f, "T-1");
	assert_opens(f, "T-3");
	o = find_ok(f, "114-T3");
	assert_string_equal(o->id, "T-3");
	order_free(o);
	free(orig);
}

static void
swap_col(struct fx *f, const char *a, const char *b, const char *col)
{
	unsigned char *pa, *pb;
	size_t na, nb;

	fetch_blob(f, a, col, &pa, &na);
	fetch_blob(f, b, col, &pb, &nb);
	store_blob(f, a, col, pb, nb);
	store_blob(f, b, col, pa, na);
	free(pa);
	free(pb);
}

static void
body_tamper_swap(struct fx *f)
{
	import_three(f);
	swap_col(f, "T-1", "T-2", "sealed");
	assert_tampered(f, "T-1");
	assert_tampered(f, "T-2");
	assert_opens(f, "T-3");
	swap_col(f, "T-1", "T-2", "sealed");
	assert_opens(f, "T-1");

	swap_col(f, "T-1", "T-2", "dek");
	assert_tampered(f, "T-1");
	assert_tampered(f, "T-2");
	assert_opens(f, "T-3");
	/* Both swapped together: still bound to their ids. */
	swap_col(f, "T-1", "T-2", "sealed");
	assert_tampered(f, "T-1");
	assert_tampered(f, "T-2");
	swap_col(f, "T-1", "T-2", "sealed");
	swap_col(f, "T-1", "T-2", "dek");
	assert_opens(f, "T-1");
	assert_opens(f, "T-2");

	/* Sealed data in the DEK column and the other way round. */
	sql(f, "UPDATE orders SET dek = sealed, sealed = dek WHERE id = 'T-3'");
	assert_tampered(f, "T-3");
	sql(f, "UPDATE orders SET dek = sealed, sealed = dek WHERE id = 'T-3'");
	assert_opens(f, "T-3");

	/* A missing DEK, or an item count that disagrees with the data. */
	sql(f, "UPDATE orders SET dek = NULL WHERE id = 'T-1'");
	assert_tampered(f, "T-1");
	sql(f, "UPDATE orders SET item_count = 1 WHERE id = 'T-3'");
	assert_tampered(f, "T-3");
	assert_opens(f, "T-2");
}

static void
body_wrong_kek(struct fx *f)
{
	static const uint32_t epochs[] = {1, 2};
	struct ferr err = {0};
	struct kek *real = f->kek, *other;
	char *path;
	size_t i;

	import_three(f);
	for (i = 0; i < sizeof epochs / sizeof epochs[0]; i++) {
		char name[32];

		snprintf(name, sizeof name, "other-%zu.key", i);
		assert_non_null(path = tu_path(f->tmp, name));
		if (crypto_kek_create(path, epochs[i], &err) != 0 ||
		    crypto_kek_load(path, &other, &err) != 0)
			fail_msg("%s", err.msg);
		f->kek = other;
		assert_tampered(f, "T-1");
		assert_tampered(f, "T-2");
		f->kek = real;
		crypto_kek_free(other);
		free(path);
	}
	assert_opens(f, "T-1");
}

/* ---- nothing in plaintext on disk -------------------------------------- */

static void
body_no_plaintext(struct fx *f)
{
	static const int names[] = {
	    PII_NAME,
	    PII_NAME_ZPL,
	    PII_NAME_ESC,
	    PII_NAME_RTL,
	    PII_NAME_BIDI,
	};
	struct orders_ingest_stats s;
	struct ferr err;
	json_t *arr = json_array();
	char id[16], *wal;
	size_t i, k, pass;

	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "P-%04zu", i);
		json_array_append_new(
		    arr, order_json(id, id, "2026-11-22T08:00:00Z",
		             pii[names[i % (sizeof names / sizeof names[0])]]));
	}
	assert_int_equal(
	    import_doc(f, json_pack("{s:o}", "orders", arr), &s, NULL, &err),
	    0);
	assert_int_equal(s.imported, 200);
	/* Update them all once, so old versions exist in the WAL too. */
	arr = json_array();
	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "P-%04zu", i);
		json_array_append_new(arr,
		    order_json(id, id, "2026-11-22T09:00:00Z", pii[PII_NAME]));
	}
	assert_int_equal(
	    import_doc(f, json_pack("{s:o}", "orders", arr), &s, NULL, &err),
	    0);
	assert_int_equal(s.updated, 200);

	assert_non_null(wal = tu_path(f->dir, STORE_DB_NAME "-wal"));
	for (pass = 0; pass < 2; pass++) {
		/* pass 0: open, with a live WAL; pass 1: closed. */
		if (pass == 1) {
			store_close(f->st);
			f->st = NULL;
		} else {
			struct stat sb;

			assert_int_equal(stat(wal, &sb), 0);
			assert_true(sb.st_size > 0);
		}
		/* The scan has something to find: the plain ids are there. */
		assert_true(tu_tree_contains(f->dir, "P-0199", 6));
		assert_true(tu_tree_contains(f->dir, "Standard", 8));
		for (k = 0; k < NPII; k++)
			if (tu_tree_contains(f->dir, pii[k], strlen(pii[k])))
				fail_msg("pass %zu: PII #%zu found on disk",
				    pass, k);
		/* Item titles and the gift text, in pieces, too. */
		assert_false(tu_tree_contains(f->dir, "Teapot", 6));
		assert_false(tu_tree_contains(f->dir, "Quibbleton", 10));
		assert_false(tu_tree_contains(f->dir, "Tea \t towel", 11));
	}
	assert_int_equal(store_open(f->dir, 0, &f->st, &err), 0);
	free(wal);
}

/* ---- the codec -------------------------------------------------------- */

static struct secret *
encode_sample(struct order *o, struct order_item items[2])
{
	struct secret *buf = secret_new(16);

	memset(o, 0, sizeof *o);
	memset(items, 0, 2 * sizeof *items);
	items[0].sku = "A";
	items[0].title = pii[PII_TITLE];
	items[0].ean = "12345678";
	items[0].qty = 3;
	items[1].sku = "B";
	items[1].title = "t";
	items[1].bin = "Z-9";
	items[1].qty = 1;
	o->nitems = 2;
	o->items = items;
	o->ship_to.name = pii[PII_NAME_ESC];
	o->ship_to.line1 = pii[PII_LINE1];
	o->ship_to.city = pii[PII_CITY];
	o->ship_to.postcode = pii[PII_POSTCODE];
	o->ship_to.country = "GB";
	o->gift_message = pii[PII_GIFT];
	assert_non_null(buf);
	assert_int_equal(orders_codec_encode(o, buf, NULL), 0);
	assert_int_equal(buf->len, orders_codec_size(o));
	return buf;
}

static void
test_codec_round_trip(void **state)
{
	struct order o, d;
	struct order_item items[2], out[8];
	struct secret *buf;

	(void)state;
	buf = encode_sample(&o, items);
	memset(&d, 0, sizeof d);
	assert_int_equal(
	    orders_codec_decode(buf->data, buf->len, &d, out, 8, NULL), 0);
	assert_int_equal(d.nitems, 2);
	assert_ptr_equal(d.items, out);
	assert_string_equal(d.ship_to.name, o.ship_to.name);
	assert_string_equal(d.gift_message, o.gift_message);
	assert_null(d.buyer_email);
	assert_null(d.ship_to.line2);
	assert_string_equal(out[0].title, pii[PII_TITLE]);
	assert_string_equal(out[0].ean, "12345678");
	assert_null(out[0].bin);
	assert_int_equal(out[0].qty, 3);
	assert_string_equal(out[1].bin, "Z-9");
	/* Decoded strings point into the buffer: no copies. */
	assert_true(
	    (const unsigned char *)d.ship_to.name >= buf->data &&
	    (const unsigned char *)d.ship_to.name < buf->data + buf->len);
	/* Too little room for the items. */
	assert_int_equal(
	    orders_codec_decode(buf->data, buf->len, &d, out, 1, NULL),
	    FULFIL_EINVAL);
	secret_free(buf);
}

static void
test_codec_malformed(void **state)
{
	struct order o, d;
	struct order_item items[2], out[8];
	struct secret *buf;
	struct ferr err = {0};
	unsigned char *copy;
	size_t n, i, bit;
	uint32_t rnd;
	int r;

	(void)state;
	buf = encode_sample(&o, items);
	n = buf->len;
	/* Every truncation is refused (the copy is exactly len bytes). */
	for (i = 0; i < n; i++) {
		assert_non_null(copy = malloc(i ? i : 1));
		memcpy(copy, buf->data, i);
		r = orders_codec_decode(copy, i, &d, out, 8, &err);
		if (r != FULFIL_EINVAL)
			fail_msg("truncated to %zu: %d", i, r);
		assert_no_pii(err.msg);
		free(copy);
	}
	/* Every single-bit flip either decodes or is refused; no crash. */
	assert_non_null(copy = malloc(n));
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(copy, buf->data, n);
			copy[i] ^= (unsigned char)(1u << bit);
			r = orders_codec_decode(copy, n, &d, out, 8, &err);
			assert_true(r == 0 || r == FULFIL_EINVAL);
		}
	/* Random garbage and random splices. */
	for (i = 0; i < 20000; i++) {
		size_t k, flips;

		memcpy(copy, buf->data, n);
		rnd = randombytes_uniform(4);
		flips = 1 + randombytes_uniform(8);
		for (k = 0; k < flips; k++)
			copy[randombytes_uniform((uint32_t)n)] =
			    (unsigned char)randombytes_uniform(256);
		if (rnd == 0)
			randombytes_buf(copy + 12, n - 12);
		r = orders_codec_decode(copy, n, &d, out, 8, &err);
		assert_true(r == 0 || r == FULFIL_EINVAL);
	}
	/* A huge record length and a huge item count. */
	memcpy(copy, buf->data, n);
	copy[17] = copy[18] = copy[19] = copy[20] = 0xff;
	assert_int_equal(
	    orders_codec_decode(copy, n, &d, out, 8, NULL), FULFIL_EINVAL);
	memcpy(copy, buf->data, n);
	copy[8] = copy[9] = copy[10] = copy[11] = 0xff;
	assert_int_equal(
	    orders_codec_decode(copy, n, &d, out, 8, NULL), FULFIL_EINVAL);
	/* Trailing bytes after the last record. */
	free(copy);
	assert_non_null(copy = malloc(n + 3));
	memcpy(copy, buf->data, n);
	memset(copy + n, 0, 3);
	assert_int_equal(
	    orders_codec_decode(copy, n + 3, &d, out, 8, NULL), FULFIL_EINVAL);
	free(copy);
	assert_int_equal(
	    orders_codec_decode(NULL, 0, &d, out, 8, NULL), FULFIL_EINVAL);
	secret_free(buf);
}

/* ---- main ------------------------------------------------------------- */

#define BOTH(fn) static struct body fn##_b = {fn}
BOTH(body_round_trip);
BOTH(body_minimal_order);
BOTH(body_plain_columns);
BOTH(body_dates);
BOTH(body_reject_table);
BOTH(body_accept_table);
BOTH(body_unknown_keys_not_stored);
BOTH(body_document_errors);
BOTH(body_truncated);
BOTH(body_invalid_utf8);
BOTH(body_huge_name);
BOTH(body_many_items);
BOTH(body_duplicate_ids);
BOTH(body_empty_and_many);
BOTH(body_messages_have_no_values);
BOTH(body_upsert);
BOTH(body_rollback);
BOTH(body_readonly_store);
BOTH(body_lookup);
BOTH(body_lookup_refs);
BOTH(body_lookup_pool);
BOTH(body_counts);
BOTH(body_tamper_flip);
BOTH(body_tamper_swap);
BOTH(body_wrong_kek);
BOTH(body_no_plaintext);

/* ---- the pool of locked buffers -------------------------------------- */

/* A buffer given back is wiped in full and handed out again. */
static void
test_pool_reuse_wiped(void **state)
{
	struct secret *s, *t;
	unsigned char *data;
	size_t cap;

	(void)state;
	secret_pool_drain();
	assert_non_null(s = secret_pool_get(100));
	assert_true(s->cap >= 100);
	assert_int_equal(s->len, 0);
	assert_true(sodium_is_zero(s->data, s->cap));
	memset(s->data, 0xa5, s->cap);
	s->len = s->cap;
	data = s->data;
	cap = s->cap;
	secret_pool_put(s);
	assert_int_equal(secret_pool_size(), 1);
	/* Anything that fits gets the same buffer, every byte zero. */
	assert_non_null(t = secret_pool_get(cap));
	assert_ptr_equal(t, s);
	assert_ptr_equal(t->data, data);
	assert_int_equal(t->cap, cap);
	assert_int_equal(t->len, 0);
	assert_true(sodium_is_zero(t->data, t->cap));
	assert_int_equal(secret_pool_size(), 0);
	/* Bigger than anything kept: a new one, the kept one stays. */
	secret_pool_put(t);
	assert_non_null(s = secret_pool_get(cap + 1));
	assert_ptr_not_equal(s, t);
	assert_true(s->cap >= cap + 1);
	assert_true(sodium_is_zero(s->data, s->cap));
	assert_int_equal(secret_pool_size(), 1);
	secret_free(s); /* secret_free is fine for a pooled buffer */
	secret_pool_put(NULL);
	assert_int_equal(secret_pool_size(), 1);
	secret_pool_drain();
	assert_int_equal(secret_pool_size(), 0);
}

/* At most SECRET_POOL_KEEP kept, none too big, the smallest that fits. */
static void
test_pool_bounds(void **state)
{
	struct secret *s[SECRET_POOL_KEEP + 3], *big, *t;
	size_t i;

	(void)state;
	secret_pool_drain();
	for (i = 0; i < SECRET_POOL_KEEP + 3; i++)
		assert_non_null(s[i] = secret_pool_get(64));
	for (i = 0; i < SECRET_POOL_KEEP + 3; i++)
		secret_pool_put(s[i]);
	assert_int_equal(secret_pool_size(), SECRET_POOL_KEEP);

	/* Too big to keep: freed on the spot. */
	assert_non_null(big = secret_pool_get(SECRET_POOL_CAP_MAX + 1));
	assert_true(big->cap >= SECRET_POOL_CAP_MAX + 1);
	assert_true(sodium_is_zero(big->data, big->cap));
	assert_int_equal(secret_pool_size(), SECRET_POOL_KEEP);
	secret_pool_put(big);
	assert_int_equal(secret_pool_size(), SECRET_POOL_KEEP);

	/* Full: a bigger buffer takes the place of a smaller one. */
	assert_non_null(big = secret_pool_get(SECRET_POOL_CAP_MAX));
	assert_int_equal(big->cap, SECRET_POOL_CAP_MAX);
	secret_pool_put(big);
	assert_int_equal(secret_pool_size(), SECRET_POOL_KEEP);
	assert_non_null(t = secret_pool_get(SECRET_POOL_CAP_MAX));
	assert_ptr_equal(t, big);
	assert_int_equal(secret_pool_size(), SECRET_POOL_KEEP - 1);
	/* Small requests get a small buffer, not the big one. */
	secret_pool_put(t);
	assert_non_null(t = secret_pool_get(1));
	assert_true(t->cap < SECRET_POOL_CAP_MAX);
	secret_pool_put(t);
	secret_pool_drain();
	assert_int_equal(secret_pool_size(), 0);
}

struct pool_worker {
	unsigned seed;
	size_t bad; /* buffers handed out dirty or too small */
};

static void *
pool_worker_run(void *arg)
{
	struct pool_worker *w = arg;
	size_t i, want;
	struct secret *s;

	for (i = 0; i < 2000; i++) {
		w->seed = w->seed * 1103515245u + 12345u;
		want = 1 + (w->seed >> 8) % 9000;
		if ((s = secret_pool_get(want)) == NULL) {
			w->bad++;
			continue;
		}
		if (s->cap < want || s->len != 0 ||
		    !sodium_is_zero(s->data, s->cap))
			w->bad++;
		memset(s->data, 0x5a, want);
		s->len = want;
		secret_pool_put(s);
	}
	return NULL;
}

/* Threads sharing the pool only ever get clean buffers that fit. */
static void
test_pool_threads(void **state)
{
	struct pool_worker w[4];
	pthread_t t[4];
	size_t i;

	(void)state;
	secret_pool_drain();
	for (i = 0; i < 4; i++) {
		w[i].seed = (unsigned)i + 1;
		w[i].bad = 0;
		assert_int_equal(
		    pthread_create(&t[i], NULL, pool_worker_run, &w[i]), 0);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(w[i].bad, 0);
	assert_true(secret_pool_size() <= SECRET_POOL_KEEP);
	secret_pool_drain();
	assert_int_equal(secret_pool_size(), 0);
}

/* clang-format off */
#define T(fn) { #fn, test_both, NULL, teardown_both, &fn##_b }
/* clang-format on */

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(body_round_trip),
	    T(body_minimal_order),
	    T(body_plain_columns),
	    T(body_dates),
	    T(body_reject_table),
	    T(body_accept_table),
	    T(body_unknown_keys_not_stored),
	    T(body_document_errors),
	    T(body_truncated),
	    T(body_invalid_utf8),
	    T(body_huge_name),
	    T(body_many_items),
	    T(body_duplicate_ids),
	    T(body_empty_and_many),
	    T(body_messages_have_no_values),
	    T(body_upsert),
	    T(body_rollback),
	    T(body_readonly_store),
	    T(body_lookup),
	    T(body_lookup_refs),
	    T(body_lookup_pool),
	    T(body_counts),
	    T(body_tamper_flip),
	    T(body_tamper_swap),
	    T(body_wrong_kek),
	    T(body_no_plaintext),
	    cmocka_unit_test(test_codec_round_trip),
	    cmocka_unit_test(test_codec_malformed),
	    cmocka_unit_test(test_pool_reuse_wiped),
	    cmocka_unit_test(test_pool_bounds),
	    cmocka_unit_test(test_pool_threads),
	};

	tu_init();
	return cmocka_run_group_tests_name("orders", tests, NULL, NULL);
}
