/*
 * orders: ingest (import and sync share it), validation, upsert, lookup
 * and counts of the order cache.
 *
 * Owns the rules for what an ORDER document may contain (DESIGN.md,
 * doc/cache-format.md), which fields are plain columns and which are
 * sealed, the upsert rules, and the locked arena a decrypted order lives
 * in until order_free() (taken from the secret pool, given back wiped).
 *
 * Must never: put a value from an order (anything but its id or its
 * index) into a message, show jansson's error text (it quotes the input),
 * store an unknown key, give PII back to an order whose data was wiped,
 * or hold decrypted data anywhere but struct secret memory.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "crypto.h"
#include "ferr.h"
#include "i18n.h"
#include "orders.h"
#include "orders_codec.h"
#include "secret.h"
#include "store.h"

#define ORDER_DATE_MAX 64 /* bytes of an RFC 3339 string */
#define ORDER_MSG_MAX 512 /* label + path + what fit */
#define ORDER_WHAT_MAX 192

/* ---- validation ------------------------------------------------------- */

enum text_flags {
	TF_REQUIRED = 1 << 0,
	TF_IDCHARS = 1 << 1, /* printable ASCII 0x21-0x7e only */
	TF_NOCTRL = 1 << 2,  /* no C0/C1 control characters, no DEL */
	TF_COUNTRY = 1 << 3, /* two letters A-Z */
	TF_DIGITS = 1 << 4,  /* ASCII digits only */
};

struct text_rule {
	const char *key;
	size_t min, max; /* bytes; min applies when present */
	unsigned flags;
	size_t off; /* of the const char * it fills */
};

static const struct text_rule rules_order[] = {
    {"service", 1, 64, TF_REQUIRED, offsetof(struct order, service)},
    {"buyer_email", 0, 256, 0, offsetof(struct order, buyer_email)},
    {"gift_message", 0, ORDER_GIFT_MAX, 0,
        offsetof(struct order, gift_message)},
};

static const struct text_rule rules_ship_to[] = {
    {"name", 1, ORDER_TEXT_MAX, TF_REQUIRED,
        offsetof(struct order_address, name)},
    {"line1", 1, ORDER_TEXT_MAX, TF_REQUIRED,
        offsetof(struct order_address, line1)},
    {"line2", 0, ORDER_TEXT_MAX, 0, offsetof(struct order_address, line2)},
    {"city", 1, ORDER_TEXT_MAX, TF_REQUIRED,
        offsetof(struct order_address, city)},
    {"region", 0, ORDER_TEXT_MAX, 0, offsetof(struct order_address, region)},
    {"postcode", 1, 32, TF_REQUIRED, offsetof(struct order_address, postcode)},
    {"country", 2, 2, TF_REQUIRED | TF_COUNTRY,
        offsetof(struct order_address, country)},
    {"phone", 0, 32, 0, offsetof(struct order_address, phone)},
};

static const struct text_rule rules_item[] = {
    {"sku", 1, 64, TF_REQUIRED | TF_NOCTRL, offsetof(struct order_item, sku)},
    {"ean", 8, 14, TF_DIGITS, offsetof(struct order_item, ean)},
    {"title", 1, ORDER_TEXT_MAX, TF_REQUIRED,
        offsetof(struct order_item, title)},
    {"bin", 0, 32, TF_NOCTRL, offsetof(struct order_item, bin)},
};

static const char *const order_statuses[] = {
    "unshipped",
    "shipped",
    "delivered",
    "cancelled",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Validation of one order: where its first problem is reported. Nothing
 * is formatted while fields pass: the label ("order A-1001", or
 * "orders[3]" before the id is known to be valid) and the path of the
 * field are put together by v_fail() only.
 */
struct vctx {
	size_t idx;     /* of the order in the document */
	const char *id; /* its id once valid, else NULL */
	char msg[ORDER_MSG_MAX];
};

#define VPATH_NOIDX ((size_t)-1)

/* The object a field is in: NULL for the order itself. */
struct vpath {
	const char *base; /* "items", "ship_to" */
	size_t idx;       /* in base, or VPATH_NOIDX */
};

/* The path of key (NULL: the object itself) under at into buf; 0: none. */
static int
v_path(const struct vpath *at, const char *key, char *buf, size_t len)
{
	const char *dot = key != NULL ? "." : "";

	if (key == NULL)
		key = "";
	if (at == NULL) {
		if (*key == '\0')
			return 0;
		snprintf(buf, len, "%s", key);
	} else if (at->idx == VPATH_NOIDX) {
		snprintf(buf, len, "%s%s%s", at->base, dot, key);
	} else {
		snprintf(buf, len, "%s[%zu]%s%s", at->base, at->idx, dot, key);
	}
	return 1;
}

static int v_fail(struct vctx *v, const struct vpath *at, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
v_fail(struct vctx *v, const struct vpath *at, const char *key, const char *fmt,
    ...)
{
	char label[ORDER_ID_MAX + 32], path[64], what[ORDER_WHAT_MAX];
	va_list ap;

	if (v->id != NULL)
		snprintf(label, sizeof label, _("order %s"), v->id);
	else
		snprintf(label, sizeof label, "orders[%zu]", v->idx);
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (v_path(at, key, path, sizeof path))
		snprintf(
		    v->msg, sizeof v->msg, "%s: %s: %s", label, path, what);
	else
		snprintf(v->msg, sizeof v->msg, "%s: %s", label, what);
	return FULFIL_EINVAL;
}

static int
text_is_id(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* C0 controls, DEL, and C1 controls (U+0080-U+009F as UTF-8). */
static int
text_has_ctrl(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 1;
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

static int
text_is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
text_is_country(const char *s, size_t n)
{
	return n == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' &&
	       s[1] <= 'Z';
}

/*
 * A JSON string field under rule r: *out is its bytes (jansson's copy,
 * NUL-free), or NULL when an optional field is absent or null.
 */
static int
v_text(struct vctx *v, const json_t *obj, const struct vpath *at,
    const struct text_rule *r, const char **out)
{
	const json_t *j = json_object_get(obj, r->key);
	const char *s;
	size_t n;

	*out = NULL;
	if (j == NULL || json_is_null(j)) {
		if (r->flags & TF_REQUIRED)
			return v_fail(v, at, r->key, _("missing"));
		return 0;
	}
	if (!json_is_string(j))
		return v_fail(v, at, r->key, _("must be a string"));
	s = json_string_value(j);
	n = json_string_length(j);
	if (strlen(s) != n)
		return v_fail(v, at, r->key, _("contains a NUL byte"));
	if (n > r->max)
		return v_fail(v, at, r->key,
		    _("too long (%zu bytes, at most %zu)"), n, r->max);
	if (n < r->min) {
		if (n == 0)
			return v_fail(v, at, r->key, _("must not be empty"));
		return v_fail(v, at, r->key,
		    _("too short (%zu bytes, at least %zu)"), n, r->min);
	}
	if ((r->flags & TF_IDCHARS) && !text_is_id(s, n))
		return v_fail(v, at, r->key,
		    _("only printable ASCII without spaces "
		      "is allowed"));
	if ((r->flags & TF_NOCTRL) && text_has_ctrl(s, n))
		return v_fail(v, at, r->key, _("contains control characters"));
	if ((r->flags & TF_DIGITS) && !text_is_digits(s, n))
		return v_fail(v, at, r->key, _("must be %zu to %zu digits"),
		    r->min, r->max);
	if ((r->flags & TF_COUNTRY) && !text_is_country(s, n))
		return v_fail(v, at, r->key, _("must be two letters A-Z"));
	*out = s;
	return 0;
}

/* Validate every rule of a table into the struct at base. */
static int
v_texts(struct vctx *v, const json_t *obj, const struct vpath *at,
    const struct text_rule *rules, size_t nrules, void *base)
{
	size_t i;
	int r;

	for (i = 0; i < nrules; i++) {
		if ((r = v_text(v, obj, at, &rules[i],
		         (const char **)(void *)((char *)base +
		                                 rules[i].off))) != 0)
			return r;
	}
	return 0;
}

static int
digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/*
 * RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm) into
 * unix seconds (the fraction is dropped). 0 or -1.
 */
static int
orders_parse_rfc3339(const char *s, size_t n, int64_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	size_t i = 19;

	if (n < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (s[i] == '.') {
		size_t f = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return -1;
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '+' ? 1 : -1;
		if (n - i != 6 || s[i + 3] != ':' ||
		    digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
		i += 6;
	} else {
		return -1;
	}
	if (i != n)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
	return 0;
}

static int
v_date(struct vctx *v, const json_t *obj, const char *key, int required,
    int64_t *out)
{
	const json_t *j = json_object_get(obj, key);
	const char *s;
	size_t n;

	*out = 0;
	if (j == NULL || json_is_null(j)) {
		if (required)
			return v_fail(v, NULL, key, _("missing"));
		return 0;
	}
	if (!json_is_string(j))
		return v_fail(v, NULL, key,
		    _("must be a string (RFC 3339 "
		      "date-time)"));
	s = json_string_value(j);
	n = json_string_length(j);
	if (n > ORDER_DATE_MAX || strlen(s) != n ||
	    orders_parse_rfc3339(s, n, out) != 0)
		return v_fail(v, NULL, key, _("not an RFC 3339 date-time"));
	return 0;
}

static int
v_status(struct vctx *v, const json_t *obj, const char **out)
{
	const json_t *j = json_object_get(obj, "status");
	size_t i;

	*out = NULL;
	if (j == NULL || json_is_null(j))
		return v_fail(v, NULL, "status", _("missing"));
	if (!json_is_string(j))
		return v_fail(v, NULL, "status", _("must be a string"));
	for (i = 0; i < NELEM(order_statuses); i++)
		if (strcmp(json_string_value(j), order_statuses[i]) == 0 &&
		    json_string_length(j) == strlen(order_statuses[i])) {
			*out = order_statuses[i];
			return 0;
		}
	return v_fail(v, NULL, "status",
	    _("must be one of unshipped, shipped, "
	      "delivered, cancelled"));
}

static int
v_items(struct vctx *v, const json_t *obj, struct order *o,
    struct order_item *items, size_t items_cap)
{
	const json_t *arr = json_object_get(obj, "items"), *ji, *jq;
	struct vpath at = {"items", 0};
	size_t i, n;
	int r;

	if (arr == NULL || json_is_null(arr))
		return v_fail(v, NULL, "items", _("missing"));
	if (!json_is_array(arr))
		return v_fail(v, NULL, "items", _("must be an array"));
	n = json_array_size(arr);
	if (n < 1 || n > ORDER_ITEMS_MAX)
		return v_fail(v, NULL, "items",
		    _("must have 1 to %d entries "
		      "(has %zu)"),
		    ORDER_ITEMS_MAX, n);
	if (n > items_cap)
		return v_fail(v, NULL, "items", _("no room to validate them"));
	for (i = 0; i < n; i++) {
		struct order_item *it = &items[i];

		at.idx = i;
		ji = json_array_get(arr, i);
		if (!json_is_object(ji))
			return v_fail(v, &at, NULL, _("must be an object"));
		memset(it, 0, sizeof *it);
		if ((r = v_texts(
		         v, ji, &at, rules_item, NELEM(rules_item), it)) != 0)
			return r;
		jq = json_object_get(ji, "qty");
		if (jq == NULL || json_is_null(jq))
			return v_fail(v, &at, "qty", _("missing"));
		if (!json_is_integer(jq) || json_integer_value(jq) < 1 ||
		    json_integer_value(jq) > ORDER_QTY_MAX)
			return v_fail(v, &at, "qty",
			    _("must be an integer from 1 to "
			      "%d"),
			    ORDER_QTY_MAX);
		it->qty = (long)json_integer_value(jq);
	}
	o->nitems = n;
	o->items = items;
	return 0;
}

static const struct text_rule rule_id = {
    "id", 1, ORDER_ID_MAX, TF_REQUIRED | TF_IDCHARS, 0};
static const struct text_rule rule_ref = {
    "ref", 1, ORDER_ID_MAX, TF_REQUIRED | TF_IDCHARS, 0};

/* The order's id if it is a valid one, else NULL (no message kept). */
static const char *
order_valid_id(const json_t *jo)
{
	struct vctx v;
	const char *id;

	if (!json_is_object(jo))
		return NULL;
	v.idx = 0; /* a failure formats a message; it is dropped */
	v.id = NULL;
	if (v_text(&v, jo, NULL, &rule_id, &id) != 0)
		return NULL;
	return id;
}

/*
 * Validate one order (index idx in the document) and point o at its
 * values (jansson's strings; items go into items[0..items_cap)).
 * On failure v->msg names the order and the field.
 */
static int
order_parse(const json_t *jo, size_t idx, struct order *o,
    struct order_item *items, size_t items_cap, struct vctx *v)
{
	static const struct vpath at_ship_to = {"ship_to", VPATH_NOIDX};
	const json_t *js;
	int r;

	memset(o, 0, sizeof *o);
	v->idx = idx;
	v->id = NULL;
	if (!json_is_object(jo))
		return v_fail(v, NULL, NULL, _("must be an object"));
	if ((r = v_text(v, jo, NULL, &rule_id, &o->id)) != 0)
		return r;
	v->id = o->id;
	if ((r = v_text(v, jo, NULL, &rule_ref, &o->ref)) != 0 ||
	    (r = v_status(v, jo, &o->status)) != 0 ||
	    (r = v_date(v, jo, "ship_by", 1, &o->ship_by)) != 0 ||
	    (r = v_date(v, jo, "updated_at", 1, &o->updated_at)) != 0 ||
	    (r = v_date(v, jo, "delivered_at", 0, &o->delivered_at)) != 0 ||
	    (r = v_texts(v, jo, NULL, rules_order, NELEM(rules_order), o)) !=
	        0 ||
	    (r = v_items(v, jo, o, items, items_cap)) != 0)
		return r;
	js = json_object_get(jo, "ship_to");
	if (js == NULL || json_is_null(js))
		return v_fail(v, NULL, "ship_to", _("missing"));
	if (!json_is_object(js))
		return v_fail(v, NULL, "ship_to", _("must be an object"));
	return v_texts(v, js, &at_ship_to, rules_ship_to, NELEM(rules_ship_to),
	    &o->ship_to);
}

/* ---- duplicate ids ---------------------------------------------------- */

struct id_ref {
	const char *id;
	size_t idx;
};

static int
id_ref_cmp(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * One look at every order before validation: dup[i] = 1 for every order
 * whose (valid) id occurs more than once, and *nitems = the room the
 * items of all orders can need (orders with too many are rejected).
 */
static int
ingest_scan(const json_t *arr, size_t n, unsigned char *dup, size_t *nitems)
{
	struct id_ref *ids;
	size_t i, k = 0, m;

	*nitems = 0;
	if ((ids = calloc(n ? n : 1, sizeof *ids)) == NULL)
		return FULFIL_ENOMEM;
	for (i = 0; i < n; i++) {
		const json_t *jo = json_array_get(arr, i);
		const char *id = order_valid_id(jo);

		if (id != NULL) {
			ids[k].id = id;
			ids[k].idx = i;
			k++;
		}
		m = json_array_size(json_object_get(jo, "items"));
		if (m <= ORDER_ITEMS_MAX)
			*nitems += m;
	}
	qsort(ids, k, sizeof *ids, id_ref_cmp);
	for (i = 1; i < k; i++)
		if (strcmp(ids[i - 1].id, ids[i].id) == 0)
			dup[ids[i - 1].idx] = dup[ids[i].idx] = 1;
	free(ids);
	return 0;
}

/* ---- document --------------------------------------------------------- */

static const struct {
	enum json_error_code code;
	const char *what;
} json_errors[] = {
    {json_error_invalid_utf8, N_("invalid UTF-8")},
    {json_error_premature_end_of_input, N_("unexpected end of input")},
    {json_error_end_of_input_expected, N_("data after the document")},
    {json_error_invalid_syntax, N_("syntax error")},
    {json_error_null_byte_in_key, N_("NUL byte in a key")},
    {json_error_null_character, N_("NUL byte")},
    {json_error_duplicate_key, N_("duplicate key in an object")},
    {json_error_numeric_overflow, N_("number out of range")},
    {json_error_stack_overflow, N_("nested too deeply")},
    {json_error_out_of_memory, N_("out of memory")},
};

/*
 * jansson's error text can quote the input, so only its code, line and
 * column reach the message.
 */
static int
json_load_error(const json_error_t *jerr, struct ferr *err)
{
	enum json_error_code code = json_error_code(jerr);
	const char *what = N_("not valid JSON");
	size_t i;

	for (i = 0; i < NELEM(json_errors); i++)
		if (json_errors[i].code == code)
			what = json_errors[i].what;
	return ferr_set(err, FULFIL_EINVAL,
	    _("order document: %s at line %d, column %d"), _(what), jerr->line,
	    jerr->column);
}

/* ---- upsert ----------------------------------------------------------- */

/* Per-call scratch: allocated once per import, reused for every order. */
struct ingest {
	struct store *st;
	const struct kek *kek;
	enum fulfil_cipher cipher;
	uint32_t epoch;
	int64_t now;
	struct secret *dek;    /* the order's DEK */
	struct secret *pt;     /* the encoded sealed part */
	unsigned char *sealed; /* ciphertext: not secret */
	size_t sealed_cap;
	unsigned char wrapped[CRYPTO_WRAPPED_DEK_MAX];
	size_t wrapped_len;
};

static const char sql_find_state[] =
    "SELECT updated_at, sealed IS NULL FROM orders WHERE id = ?1";
static const char sql_insert[] =
    "INSERT INTO orders (id, ref, status, ship_by, service, item_count,"
    " updated_at, delivered_at, imported_at, cipher, epoch, dek, sealed)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
/* The local workflow state and the first import time are kept. */
static const char sql_update[] =
    "UPDATE orders SET ref = ?2, status = ?3, ship_by = ?4, service = ?5,"
    " item_count = ?6, updated_at = ?7, delivered_at = ?8, cipher = ?10,"
    " epoch = ?11, dek = ?12, sealed = ?13 WHERE id = ?1";

enum row_state { ROW_NONE, ROW_OLDER, ROW_SAME_OR_NEWER, ROW_WIPED };

static int
ingest_row_state(struct ingest *g, const struct order *o, enum row_state *rs,
    struct ferr *err)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = store_stmt(g->st, sql_find_state, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_text(stmt, 1, o->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_int(stmt, 1))
			*rs = ROW_WIPED;
		else if (sqlite3_column_int64(stmt, 0) < o->updated_at)
			*rs = ROW_OLDER;
		else
			*rs = ROW_SAME_OR_NEWER;
	} else if (rc == SQLITE_DONE) {
		*rs = ROW_NONE;
	} else {
		store_error(g->st, err, _("looking up an order"));
		sqlite3_reset(stmt);
		return FULFIL_EDB;
	}
	sqlite3_reset(stmt);
	return 0;
}

/* Fresh DEK; encode, seal and wrap into g's buffers. */
static int
ingest_seal(struct ingest *g, const struct order *o, size_t *sealed_len,
    struct ferr *err)
{
	size_t need;
	int r;

	if ((r = crypto_dek_generate(g->dek, err)) != 0 ||
	    (r = orders_codec_encode(o, g->pt, err)) != 0)
		return r;
	need = g->pt->len + CRYPTO_SEAL_OVERHEAD;
	if (need > g->sealed_cap) {
		unsigned char *p = realloc(g->sealed, need);

		if (p == NULL)
			return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		g->sealed = p;
		g->sealed_cap = need;
	}
	if ((r = crypto_seal(g->cipher, g->dek->data, g->epoch,
	         CRYPTO_KIND_ORDER, o->id, g->pt->data, g->pt->len, g->sealed,
	         sealed_len, err)) != 0 ||
	    (r = crypto_dek_wrap(g->kek, g->cipher, g->dek, o->id, g->wrapped,
	         &g->wrapped_len, err)) != 0)
		return r;
	return 0;
}

static int
ingest_write(
    struct ingest *g, const struct order *o, int insert, struct ferr *err)
{
	sqlite3_stmt *stmt;
	size_t sealed_len = 0;
	int r;

	if ((r = ingest_seal(g, o, &sealed_len, err)) != 0) {
		ferr_prefix(err, _("order %s"), o->id);
		return r;
	}
	if ((stmt = store_stmt(g->st, insert ? sql_insert : sql_update, err)) ==
	    NULL)
		return FULFIL_EDB;
	sqlite3_bind_text(stmt, 1, o->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, o->ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, o->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, o->ship_by);
	sqlite3_bind_text(stmt, 5, o->service, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)o->nitems);
	sqlite3_bind_int64(stmt, 7, o->updated_at);
	if (o->delivered_at != 0)
		sqlite3_bind_int64(stmt, 8, o->delivered_at);
	if (insert)
		sqlite3_bind_int64(stmt, 9, g->now);
	sqlite3_bind_int(stmt, 10, (int)g->cipher);
	sqlite3_bind_int64(stmt, 11, (sqlite3_int64)g->epoch);
	sqlite3_bind_blob(
	    stmt, 12, g->wrapped, (int)g->wrapped_len, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 13, g->sealed, (int)sealed_len, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_error(g->st, err,
		    insert ? _("storing an order") : _("updating an order"));
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	secret_clear(g->dek);
	return r;
}

static void
ingest_free(struct ingest *g)
{
	secret_free(g->dek);
	secret_free(g->pt);
	free(g->sealed);
	sodium_memzero(g->wrapped, sizeof g->wrapped);
}

static int
ingest_init(struct ingest *g, struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, struct ferr *err)
{
	int r;

	memset(g, 0, sizeof *g);
	g->st = st;
	g->kek = kek;
	g->epoch = crypto_kek_epoch(kek);
	g->now = (int64_t)time(NULL);
	if ((r = crypto_cipher_resolve(cipher, &g->cipher, err)) != 0)
		return r;
	if ((g->dek = secret_new(CRYPTO_KEY_BYTES)) == NULL ||
	    (g->pt = secret_new(4096)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
	return 0;
}

/* ---- import ----------------------------------------------------------- */

/*
 * The validated orders of one document: struct orders pointing at
 * jansson's strings (alive as long as the document) and one pool for all
 * their items, so nothing is parsed twice.
 */
struct parsed {
	struct order *orders;     /* [n] */
	unsigned char *bad;       /* [n]: rejected */
	struct order_item *items; /* the pool */
	size_t nitems, used;
};

static void
parsed_free(struct parsed *p)
{
	free(p->orders);
	free(p->bad);
	free(p->items);
}

/* Validate every order, reporting each bad one; fills p. */
static int
ingest_validate(const json_t *arr, size_t n, struct parsed *p,
    orders_reject_fn reject, void *ctx, size_t *rejected)
{
	struct vctx v;
	size_t i;

	memset(p, 0, sizeof *p);
	if ((p->orders = calloc(n ? n : 1, sizeof *p->orders)) == NULL ||
	    (p->bad = calloc(n ? n : 1, 1)) == NULL ||
	    ingest_scan(arr, n, p->bad, &p->nitems) != 0 ||
	    (p->items = calloc(p->nitems ? p->nitems : 1, sizeof *p->items)) ==
	        NULL)
		return FULFIL_ENOMEM;
	*rejected = 0;
	for (i = 0; i < n; i++) {
		const json_t *jo = json_array_get(arr, i);

		if (p->bad[i]) {
			snprintf(v.msg, sizeof v.msg,
			    _("order %s: duplicate id in this document"),
			    order_valid_id(jo));
		} else if (order_parse(jo, i, &p->orders[i], p->items + p->used,
		               p->nitems - p->used, &v) != 0) {
			p->bad[i] = 1;
		} else {
			p->used += p->orders[i].nitems;
			continue;
		}
		(*rejected)++;
		if (reject != NULL)
			reject(ctx, v.msg);
	}
	return 0;
}

/* Upsert every good order of p (inside the caller's transaction). */
static int
ingest_apply(struct ingest *g, const struct parsed *p, size_t n,
    struct orders_ingest_stats *s, struct ferr *err)
{
	enum row_state rs;
	size_t i;
	int r = 0;

	for (i = 0; i < n; i++) {
		const struct order *o = &p->orders[i];

		if (p->bad[i])
			continue;
		if ((r = ingest_row_state(g, o, &rs, err)) != 0)
			return r;
		switch (rs) {
		case ROW_NONE:
			r = ingest_write(g, o, 1, err);
			s->imported++;
			break;
		case ROW_OLDER:
			r = ingest_write(g, o, 0, err);
			s->updated++;
			break;
		case ROW_SAME_OR_NEWER:
		case ROW_WIPED:
			s->unchanged++;
			break;
		}
		if (r != 0)
			return r;
	}
	return 0;
}

int
orders_import_buffer(struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, const char *buf, size_t len,
    orders_reject_fn reject, void *ctx, struct orders_ingest_stats *stats,
    struct ferr *err)
{
	struct orders_ingest_stats s = {0};
	struct parsed p = {0};
	struct ingest g;
	json_error_t jerr;
	json_t *root = NULL, *arr;
	size_t n;
	int r, in_txn = 0, have_g = 0;

	if (stats != NULL)
		memset(stats, 0, sizeof *stats);
	if (kek == NULL)
		return ferr_set(err, FULFIL_EKEY, _("no key-encryption key"));
	if (buf == NULL || len > ORDERS_FILE_MAX)
		return ferr_set(err, FULFIL_EINVAL,
		    _("order document is larger than %u bytes"),
		    ORDERS_FILE_MAX);
	root = json_loadb(buf, len,
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
	if (root == NULL)
		return json_load_error(&jerr, err);
	arr = json_is_object(root) ? json_object_get(root, "orders") : NULL;
	if (!json_is_array(arr)) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("order document: expected "
		      "an object with an \"orders\" array"));
		goto out;
	}
	n = json_array_size(arr);
	s.received = n;
	have_g = 1; /* ingest_init leaves g freeable whatever happens */
	if ((r = ingest_init(&g, st, kek, cipher, err)) != 0)
		goto out;

	/* Validate everything before writing anything. */
	if (ingest_validate(arr, n, &p, reject, ctx, &s.rejected) != 0) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if (s.rejected < n) {
		if ((r = store_begin(st, err)) != 0)
			goto out;
		in_txn = 1;
	}
	if ((r = ingest_apply(&g, &p, n, &s, err)) != 0)
		goto out;
	if (in_txn) {
		in_txn = 0;
		if ((r = store_commit(st, err)) != 0)
			goto out;
	}
	if (stats != NULL)
		*stats = s;
	r = 0;
out:
	if (in_txn)
		store_rollback(st);
	if (r != 0 && stats != NULL) {
		/* Nothing was written; validation results still stand. */
		stats->received = s.received;
		stats->rejected = s.rejected;
	}
	if (have_g)
		ingest_free(&g);
	parsed_free(&p);
	json_decref(root);
	return r;
}

int
orders_ingest_page(struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, const json_t *orders, orders_reject_fn reject,
    void *ctx, struct orders_ingest_stats *stats, struct ferr *err)
{
	struct orders_ingest_stats s = {0};
	struct parsed p = {0};
	struct ingest g;
	size_t n;
	int r;

	if (stats != NULL)
		memset(stats, 0, sizeof *stats);
	if (kek == NULL)
		return ferr_set(err, FULFIL_EKEY, _("no key-encryption key"));
	if (sqlite3_get_autocommit(store_db(st)))
		return ferr_set(err, FULFIL_ESTATE,
		    _("ingest of a page outside a transaction"));
	if (!json_is_array(orders))
		return ferr_set(err, FULFIL_EINVAL,
		    _("order document: expected "
		      "an object with an \"orders\" array"));
	n = json_array_size(orders);
	s.received = n;
	if ((r = ingest_init(&g, st, kek, cipher, err)) != 0)
		goto out;
	if (ingest_validate(orders, n, &p, reject, ctx, &s.rejected) != 0) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if (s.rejected > 0) {
		r = ferr_set(err, FULFIL_EINVAL,
		    _("%zu of %zu orders failed validation; nothing written"),
		    s.rejected, n);
		goto out;
	}
	r = ingest_apply(&g, &p, n, &s, err);
out:
	if (stats != NULL)
		*stats = s;
	ingest_free(&g);
	parsed_free(&p);
	return r;
}

/* ---- lookup ----------------------------------------------------------- */

/* What orders_find hands out: the order and the arena it points into. */
struct order_buf {
	struct order o; /* first: order_free casts back */
	struct secret *arena;
};

/*
 * A lookup in one statement: the order whose id is ?1, or else the
 * first order whose ref is ?1 together with how many carry that ref (0
 * for a match by id; counted up to 2, which is enough to see that a ref
 * is ambiguous). The NOT EXISTS term keeps the result right whatever
 * order sqlite produces the two arms in; every part is an index search.
 */
static const char sql_find[] =
    "SELECT id, ref, status, service, ship_by, updated_at, delivered_at,"
    " item_count, dek, sealed, 0 FROM orders WHERE id = ?1"
    " UNION ALL"
    " SELECT id, ref, status, service, ship_by, updated_at, delivered_at,"
    " item_count, dek, sealed,"
    " (SELECT count(*) FROM (SELECT 1 FROM orders WHERE ref = ?1 LIMIT 2))"
    " FROM orders WHERE ref = ?1"
    " AND NOT EXISTS (SELECT 1 FROM orders WHERE id = ?1)"
    " LIMIT 1";
/* Only for the message about an ambiguous ref. */
static const char sql_ref_count[] =
    "SELECT count(*) FROM orders WHERE ref = ?1";

enum {
	COL_ID,
	COL_REF,
	COL_STATUS,
	COL_SERVICE,
	COL_SHIP_BY,
	COL_UPDATED,
	COL_DELIVERED,
	COL_ITEMS,
	COL_DEK,
	COL_SEALED,
	COL_REF_MATCHES,
};

#define ARENA_ALIGN 16

static size_t
align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

/* Copy a text column into the arena at *off; returns the copy. */
static const char *
arena_put_text(struct secret *a, size_t *off, sqlite3_stmt *stmt, int col)
{
	const unsigned char *v = sqlite3_column_text(stmt, col);
	size_t n = (size_t)sqlite3_column_bytes(stmt, col);
	char *p = (char *)a->data + *off;

	if (v != NULL)
		memcpy(p, v, n);
	p[n] = '\0';
	*off += n + 1;
	return p;
}

static size_t
text_col_size(sqlite3_stmt *stmt, int col)
{
	(void)sqlite3_column_text(stmt, col); /* convert before measuring */
	return (size_t)sqlite3_column_bytes(stmt, col) + 1;
}

/* A query string that is safe to echo: it has the shape of an id. */
static const char *
printable_query(const char *q)
{
	size_t n = strlen(q);

	return n >= 1 && n <= ORDER_ID_MAX && text_is_id(q, n) ? q : NULL;
}

static int
order_crypto_fail(struct ferr *err, int r, const char *id)
{
	if (r == FULFIL_ECRYPTO || r == FULFIL_EINVAL)
		return ferr_set(err, FULFIL_ECRYPTO,
		    _("order %s: sealed data failed authentication (tampered, "
		      "or another key)"),
		    id);
	return ferr_prefix(err, _("order %s"), id);
}

/* Decrypt the current row of stmt into a new order_buf. */
static int
order_open_row(const struct kek *kek, sqlite3_stmt *stmt,
    struct order_buf **out, struct ferr *err)
{
	struct order_buf *ob = NULL;
	struct secret dekv, ptv;
	struct order_item *items;
	const unsigned char *dek, *sealed;
	size_t deklen, sealed_len, items_cap, plain, off, total;
	const char *id;
	int64_t item_count;
	int r;

	*out = NULL;
	id = (const char *)sqlite3_column_text(stmt, COL_ID);
	if (id == NULL)
		return ferr_set(err, FULFIL_EDB, _("order without an id"));
	if (sqlite3_column_type(stmt, COL_SEALED) == SQLITE_NULL)
		return ferr_set(err, FULFIL_ESTATE,
		    _("order %s: customer data was wiped"), id);
	if (sqlite3_column_type(stmt, COL_DEK) == SQLITE_NULL)
		return ferr_set(err, FULFIL_ECRYPTO,
		    _("order %s: its data key is missing"), id);

	plain = text_col_size(stmt, COL_ID) + text_col_size(stmt, COL_REF) +
	        text_col_size(stmt, COL_STATUS) +
	        text_col_size(stmt, COL_SERVICE);
	dek = sqlite3_column_blob(stmt, COL_DEK);
	deklen = (size_t)sqlite3_column_bytes(stmt, COL_DEK);
	sealed = sqlite3_column_blob(stmt, COL_SEALED);
	sealed_len = (size_t)sqlite3_column_bytes(stmt, COL_SEALED);
	item_count = sqlite3_column_int64(stmt, COL_ITEMS);
	items_cap = sealed_len / ORDERS_CODEC_ITEM_MIN;
	if (items_cap > ORDER_ITEMS_MAX)
		items_cap = ORDER_ITEMS_MAX;

	/*
	 * One locked arena: [DEK][items][plain strings][plaintext]. The
	 * DEK and plaintext parts are handed to crypto as secrets of their
	 * own that are already big enough, so crypto never reallocates them.
	 */
	total = align_up(CRYPTO_KEY_BYTES) +
	        align_up(items_cap * sizeof(struct order_item)) +
	        align_up(plain) + align_up(sealed_len + 1);
	if ((ob = calloc(1, sizeof *ob)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	if ((ob->arena = secret_pool_get(total)) == NULL) {
		free(ob);
		return ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
	}
	off = align_up(CRYPTO_KEY_BYTES);
	items = (struct order_item *)(void *)(ob->arena->data + off);
	off += align_up(items_cap * sizeof(struct order_item));
	ob->o.id = arena_put_text(ob->arena, &off, stmt, COL_ID);
	ob->o.ref = arena_put_text(ob->arena, &off, stmt, COL_REF);
	ob->o.status = arena_put_text(ob->arena, &off, stmt, COL_STATUS);
	ob->o.service = arena_put_text(ob->arena, &off, stmt, COL_SERVICE);
	ob->o.ship_by = sqlite3_column_int64(stmt, COL_SHIP_BY);
	ob->o.updated_at = sqlite3_column_int64(stmt, COL_UPDATED);
	ob->o.delivered_at = sqlite3_column_int64(stmt, COL_DELIVERED);
	off = align_up(off);

	dekv.data = ob->arena->data;
	dekv.len = 0;
	dekv.cap = CRYPTO_KEY_BYTES;
	ptv.data = ob->arena->data + off;
	ptv.len = 0;
	ptv.cap = ob->arena->cap - off;

	if ((r = crypto_dek_unwrap(kek, ob->o.id, dek, deklen, &dekv, err)) !=
	    0) {
		r = order_crypto_fail(err, r, ob->o.id);
		goto fail;
	}
	r = crypto_open(dekv.data, CRYPTO_KIND_ORDER, ob->o.id, sealed,
	    sealed_len, &ptv, err);
	sodium_memzero(dekv.data, CRYPTO_KEY_BYTES); /* done with it */
	if (r != 0) {
		r = order_crypto_fail(err, r, ob->o.id);
		goto fail;
	}
	if (ptv.data != ob->arena->data + off) {
		/* crypto must not have moved it; it cannot, by its size. */
		r = ferr_set(err, FULFIL_ESTATE,
		    _("order %s: internal buffer "
		      "error"),
		    ob->o.id);
		goto fail;
	}
	if ((r = orders_codec_decode(
	         ptv.data, ptv.len, &ob->o, items, items_cap, err)) != 0) {
		ferr_prefix(err, _("order %s"), ob->o.id);
		goto fail;
	}
	if (item_count != (int64_t)ob->o.nitems) {
		r = ferr_set(err, FULFIL_ECRYPTO,
		    _("order %s: its item count "
		      "does not match its sealed data (tampered)"),
		    ob->o.id);
		goto fail;
	}
	*out = ob;
	return 0;
fail:
	secret_pool_put(ob->arena);
	free(ob);
	return r;
}

/* The message for a ref that more than one order carries. */
static int
orders_ambiguous_ref(struct store *st, const char *ref, struct ferr *err)
{
	sqlite3_stmt *stmt;
	long long matches;
	int r;

	if ((stmt = store_stmt(st, sql_ref_count, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_text(stmt, 1, ref, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = store_error(st, err, _("looking up an order"));
		sqlite3_reset(stmt);
		return r;
	}
	matches = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (matches < 2) /* a writer got in between: it was two at least */
		matches = 2;
	return ferr_set(err, FULFIL_EINVAL,
	    _("ref matches %lld orders; scan the order id"), matches);
}

int
orders_find(struct store *st, const struct kek *kek, const char *id_or_ref,
    struct order **out, struct ferr *err)
{
	struct order_buf *ob = NULL;
	sqlite3_stmt *stmt;
	const char *shown;
	int rc, r;

	*out = NULL;
	if (kek == NULL)
		return ferr_set(err, FULFIL_EKEY, _("no key-encryption key"));
	if (id_or_ref == NULL || *id_or_ref == '\0')
		return ferr_set(err, FULFIL_EINVAL,
		    _("no order id or ref "
		      "given"));
	if ((stmt = store_stmt(st, sql_find, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_text(stmt, 1, id_or_ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW &&
	    sqlite3_column_int64(stmt, COL_REF_MATCHES) > 1) {
		sqlite3_reset(stmt);
		return orders_ambiguous_ref(st, id_or_ref, err);
	}
	if (rc == SQLITE_DONE) {
		sqlite3_reset(stmt);
		shown = printable_query(id_or_ref);
		if (shown != NULL)
			return ferr_set(err, FULFIL_ENOTFOUND,
			    _("no order with id or ref %s"), shown);
		return ferr_set(err, FULFIL_ENOTFOUND, _("no such order"));
	}
	if (rc != SQLITE_ROW) {
		r = store_error(st, err, _("looking up an order"));
		sqlite3_reset(stmt);
		return r;
	}
	r = order_open_row(kek, stmt, &ob, err);
	sqlite3_reset(stmt);
	if (r != 0)
		return r;
	*out = &ob->o;
	return 0;
}

void
order_free(struct order *o)
{
	struct order_buf *ob = (struct order_buf *)(void *)o;

	if (ob == NULL)
		return;
	secret_pool_put(ob->arena); /* wiped in full before it is kept */
	sodium_memzero(ob, sizeof *ob);
	free(ob);
}

/* ---- counts ----------------------------------------------------------- */

int
orders_counts(
    struct store *st, int64_t now, struct orders_counts *c, struct ferr *err)
{
	static const char sql_all[] = "SELECT count(*) FROM orders";
	static const char sql_pii[] =
	    "SELECT count(*), min(imported_at) FROM orders"
	    " WHERE sealed IS NOT NULL";
	static const char sql_cipher[] =
	    "SELECT cipher, count(*) FROM orders WHERE sealed IS NOT NULL"
	    " GROUP BY cipher";
	sqlite3_stmt *stmt;
	int rc;

	memset(c, 0, sizeof *c);
	c->oldest_pii_age_s = -1;
	if ((stmt = store_stmt(st, sql_all, err)) == NULL)
		return FULFIL_EDB;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		goto fail;
	c->orders = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);

	if ((stmt = store_stmt(st, sql_pii, err)) == NULL)
		return FULFIL_EDB;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		goto fail;
	c->with_pii = sqlite3_column_int64(stmt, 0);
	if (c->with_pii > 0 && sqlite3_column_type(stmt, 1) != SQLITE_NULL) {
		int64_t oldest = sqlite3_column_int64(stmt, 1);

		c->oldest_pii_age_s = now > oldest ? now - oldest : 0;
	}
	sqlite3_reset(stmt);

	if ((stmt = store_stmt(st, sql_cipher, err)) == NULL)
		return FULFIL_EDB;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(stmt, 0);

		if (k >= 0 && k < (int64_t)NELEM(c->by_cipher))
			c->by_cipher[k] += sqlite3_column_int64(stmt, 1);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(stmt);
	return 0;
fail:
	rc = store_error(st, err, _("counting orders"));
	sqlite3_reset(stmt);
	return rc;
}
