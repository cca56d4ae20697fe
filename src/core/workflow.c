/*
 * workflow: the order workflow of the station (see workflow.h).
 *
 * Owns orders.state (the local workflow state), the tables of schema
 * migration 3 (scans, verify_overrides, exceptions, reveals,
 * rate_events), the rules of each step (role, state, scan verification,
 * open exceptions, cancelled and wiped orders), scan matching and the
 * double-fire filter, the code tables (exception kinds, resolutions,
 * override and reveal reasons), the rate limits on refused scans and
 * PII reveals, and the events it queues in the outbox.
 *
 * Every action re-checks the person's lock state and role at its own
 * time, and writes its change, its outbox row and its audit row in one
 * transaction, or nothing. A refusal writes only what the refusal itself
 * records (an action-refused or scan-refused audit row, a rate event, an
 * anomaly lock) and commits that.
 *
 * Must never: put order text (names, addresses, phones, e-mails, gift
 * text, item titles) into a message, a table, the outbox or the audit
 * log; echo a scanned code that does not have the shape of a SKU/EAN or
 * that occurs in the order's customer data; keep the free text of a
 * reveal anywhere but the reveals table; take a step without its outbox
 * and audit rows.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "display.h"
#include "fconfig.h"
#include "ferr.h"
#include "i18n.h"
#include "label.h"
#include "lockout.h"
#include "orders.h"
#include "policy.h"
#include "printer.h"
#include "secret.h"
#include "station.h"
#include "store.h"
#include "workflow.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* rate_events.kind (stored; append only). */
enum wf_rate_kind {
	WF_RATE_SCAN = 1,	/* a refused scan */
	WF_RATE_REPRINT = 2,	/* a label printed again */
};

/* Bytes of a scanned code shown in a message before "...". */
#define WF_CODE_SHOWN 32
/* The station secret reveal texts are sealed under, and their size. */
#define WF_REVEAL_KEY "reveal-text"
#define WF_REVEAL_SEALED_MAX (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + \
	WORKFLOW_REVEAL_TEXT_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES)
/* Bytes of an idempotency key: 128 random bits. */
#define WF_IDEM_BYTES 16

/* The state names are stored (orders.state) and are the outbox events. */
static const char *const wf_state_names[] = {
	N_("queued"),
	N_("picked"),
	N_("packed"),
	N_("labelled"),
	N_("shipped"),
};

static const struct workflow_code wf_exception_kinds[] = {
	{ WF_EXC_SHORT_PICK, "short-pick",
	    N_("short pick: fewer items in the bin than the order needs") },
	{ WF_EXC_DAMAGED, "damaged", N_("an item is damaged") },
	{ WF_EXC_WRONG_ITEM, "wrong-item",
	    N_("the bin holds a different item") },
	{ WF_EXC_OTHER, "other", N_("another problem: a supervisor decides") },
};

static const struct workflow_code wf_resolutions[] = {
	{ WF_RES_CONTINUE, "continue",
	    N_("fixed: go on with the counts so far") },
	{ WF_RES_RECOUNT, "recount",
	    N_("fixed: scan this step's items again") },
};

static const struct workflow_code wf_override_reasons[] = {
	{ WF_OVR_UNREADABLE, "unreadable",
	    N_("a barcode is damaged or unreadable") },
	{ WF_OVR_NO_BARCODE, "no-barcode", N_("an item has no barcode") },
	{ WF_OVR_SCANNER, "scanner-fault", N_("the scanner is faulty") },
	{ WF_OVR_CHECKED, "checked-by-eye",
	    N_("the supervisor checked the items by eye") },
};

static const struct workflow_code wf_reveal_reasons[] = {
	{ WF_REV_CARRIER, "carrier", N_("the carrier needs a detail") },
	{ WF_REV_ADDRESS, "address",
	    N_("the address looks wrong or incomplete") },
	{ WF_REV_CUSTOMER, "customer", N_("a customer service request") },
	{ WF_REV_INCIDENT, "incident", N_("an incident investigation") },
};

static const struct workflow_code wf_revoke_reasons[] = {
	{ WF_RVK_LEFT, "left", N_("the person left or moved on") },
	{ WF_RVK_CHANGE, "job-change", N_("the person's job changed") },
	{ WF_RVK_REVIEW, "review", N_("the access review found it not needed") },
	{ WF_RVK_SECURITY, "security", N_("a security concern") },
};

static const struct workflow_code wf_unlock_reasons[] = {
	{ WF_UNL_VERIFIED, "verified", N_("identity checked in person") },
	{ WF_UNL_MISTYPED, "mistyped", N_("mistyped password, no attack seen") },
	{ WF_UNL_SCANNER, "scanner", N_("a scanner or badge fault") },
	{ WF_UNL_REVIEWED, "reviewed",
	    N_("the unusual use was looked into and cleared") },
};

static const struct workflow_code wf_reprint_reasons[] = {
	{ WF_RPR_JAMMED, "jammed", N_("the label jammed or tore") },
	{ WF_RPR_SMUDGED, "unreadable",
	    N_("the print or its barcode is unreadable") },
	{ WF_RPR_LOST, "spoiled", N_("the label was lost or spoiled") },
	{ WF_RPR_PRINTER, "printer-fault",
	    N_("printer fault: nothing came out") },
};

static const struct {
	enum workflow_table t;
	const struct workflow_code *codes;
	size_t n;
} wf_tables[] = {
	{ WF_TABLE_EXCEPTION, wf_exception_kinds, NELEM(wf_exception_kinds) },
	{ WF_TABLE_RESOLUTION, wf_resolutions, NELEM(wf_resolutions) },
	{ WF_TABLE_OVERRIDE, wf_override_reasons, NELEM(wf_override_reasons) },
	{ WF_TABLE_REVEAL, wf_reveal_reasons, NELEM(wf_reveal_reasons) },
	{ WF_TABLE_REVOKE, wf_revoke_reasons, NELEM(wf_revoke_reasons) },
	{ WF_TABLE_UNLOCK, wf_unlock_reasons, NELEM(wf_unlock_reasons) },
	{ WF_TABLE_REPRINT, wf_reprint_reasons, NELEM(wf_reprint_reasons) },
};

/* The return code and terminal effects of each refusal. */
static const struct {
	enum workflow_result result;
	int code;
	unsigned fx;
} wf_refusals[] = {
	{ WF_R_WRONG_ITEM, FULFIL_ENOTFOUND, WF_FX_BEEP },
	{ WF_R_OVER_COUNT, FULFIL_EINVAL, WF_FX_BEEP },
	{ WF_R_NOT_VERIFIED, FULFIL_ESTATE, WF_FX_BEEP },
	{ WF_R_NO_SCAN, FULFIL_ESTATE, WF_FX_BEEP },
	{ WF_R_WRONG_STATE, FULFIL_ESTATE, WF_FX_BEEP },
	{ WF_R_EXCEPTION, FULFIL_ESTATE, WF_FX_BEEP },
	{ WF_R_CANCELLED, FULFIL_ESTATE, WF_FX_BEEP | WF_FX_ALERT },
	{ WF_R_WIPED, FULFIL_ESTATE, WF_FX_BEEP | WF_FX_ALERT },
	{ WF_R_ROLE, FULFIL_EPERM, WF_FX_BEEP },
	{ WF_R_LOCKED, FULFIL_EPERM, WF_FX_BEEP | WF_FX_LOGOUT },
	{ WF_R_RATE_LOCKED, FULFIL_EPERM, WF_FX_BEEP | WF_FX_LOGOUT },
	{ WF_R_BAD_INPUT, FULFIL_EINVAL, WF_FX_BEEP },
	{ WF_R_NOT_FOUND, FULFIL_ENOTFOUND, WF_FX_BEEP },
	{ WF_R_NO_PRINTER, FULFIL_ESTATE, WF_FX_BEEP },
	{ WF_R_PRINT_FAILED, FULFIL_EIO, WF_FX_BEEP },
};

/* ---- SQL ---------------------------------------------------------------- */

static const char sql_order_row[] =
    "SELECT state, status = 'cancelled', sealed IS NULL,"
    " (SELECT id FROM exceptions WHERE order_id = ?1"
    "  AND resolved_at IS NULL ORDER BY id LIMIT 1),"
    " (SELECT kind FROM exceptions WHERE order_id = ?1"
    "  AND resolved_at IS NULL ORDER BY id LIMIT 1)"
    " FROM orders WHERE id = ?1";
static const char sql_set_state[] =
    "UPDATE orders SET state = ?2 WHERE id = ?1 AND state = ?3";
static const char sql_outbox[] =
    "INSERT INTO outbox (order_id, event, at, user, tracking, idem_key,"
    " attempts, next_attempt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0)";
static const char sql_counts[] =
    "SELECT line, count FROM scans WHERE order_id = ?1 AND step = ?2";
static const char sql_count_add[] =
    "INSERT INTO scans (order_id, step, line, count) VALUES (?1, ?2, ?3, 1)"
    " ON CONFLICT (order_id, step, line) DO UPDATE SET count = count + 1";
static const char sql_counts_clear[] =
    "DELETE FROM scans WHERE order_id = ?1 AND step = ?2";
static const char sql_scans_drop[] = "DELETE FROM scans WHERE order_id = ?1";
static const char sql_override_get[] =
    "SELECT 1 FROM verify_overrides WHERE order_id = ?1 AND step = ?2";
static const char sql_override_put[] =
    "INSERT INTO verify_overrides (order_id, step, by_user, at, reason)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (order_id, step) DO UPDATE"
    " SET by_user = excluded.by_user, at = excluded.at,"
    " reason = excluded.reason";
static const char sql_overrides_drop[] =
    "DELETE FROM verify_overrides WHERE order_id = ?1";
static const char sql_exc_insert[] =
    "INSERT INTO exceptions (order_id, kind, state, raised_by, raised_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_exc_get[] =
    "SELECT order_id FROM exceptions WHERE id = ?1 AND resolved_at IS NULL";
static const char sql_exc_resolve[] =
    "UPDATE exceptions SET resolved_by = ?2, resolved_at = ?3,"
    " resolution = ?4 WHERE id = ?1 AND resolved_at IS NULL";
static const char sql_exc_open[] =
    "SELECT id, order_id, kind, state, raised_by, raised_at FROM exceptions"
    " WHERE resolved_at IS NULL ORDER BY raised_at, id";
static const char sql_rate_add[] =
    "INSERT INTO rate_events (user, kind, at) VALUES (?1, ?2, ?3)";
static const char sql_rate_count[] =
    "SELECT count(*) FROM rate_events WHERE user = ?1 AND kind = ?2"
    " AND at > ?3";
static const char sql_rate_prune[] =
    "DELETE FROM rate_events WHERE kind = ?1 AND at <= ?2";
static const char sql_reveal_count[] =
    "SELECT count(*) FROM reveals WHERE user = ?1 AND at > ?2";
static const char sql_reveal_add[] =
    "INSERT INTO reveals (user, order_id, at, reason, reason_text)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_reveal_list[] =
    "SELECT seq, user, order_id, at, reason, reason_text FROM reveals"
    " WHERE at >= ?1 ORDER BY seq";
static const char sql_order_stop[] =
    "SELECT id, status = 'cancelled', sealed IS NULL FROM orders"
    " WHERE id = ?1 OR ref = ?1 ORDER BY id = ?1 DESC LIMIT 1";
static const char sql_packing_get[] =
    "SELECT coalesce(box, ''), coalesce(weight_g, -1) FROM packing"
    " WHERE order_id = ?1";
static const char sql_packing_put[] =
    "INSERT INTO packing (order_id, box, weight_g, by_user, at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (order_id) DO UPDATE SET"
    " box = coalesce(excluded.box, box),"
    " weight_g = coalesce(excluded.weight_g, weight_g),"
    " by_user = excluded.by_user, at = excluded.at";
static const char sql_print_add[] =
    "INSERT INTO prints (order_id, at, user, printer, bytes, reprint)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static const char sql_queue[] =
    "SELECT id, ref, ship_by, service, item_count FROM orders"
    " WHERE state = 'queued' AND status <> 'cancelled'"
    " AND sealed IS NOT NULL AND NOT EXISTS (SELECT 1 FROM exceptions e"
    "  WHERE e.order_id = orders.id AND e.resolved_at IS NULL)"
    " ORDER BY ship_by, id LIMIT ?1";

/* ---- names and tables ------------------------------------------------ */

const char *
workflow_state_name(enum workflow_state st)
{
	if ((int)st < 0 || (size_t)st >= NELEM(wf_state_names))
		return NULL;
	return wf_state_names[st];
}

static int
wf_state_parse(const char *s, enum workflow_state *out)
{
	size_t i;

	for (i = 0; s != NULL && i < NELEM(wf_state_names); i++) {
		if (strcmp(s, wf_state_names[i]) == 0) {
			*out = (enum workflow_state)i;
			return 0;
		}
	}
	return FULFIL_EINVAL;
}

enum workflow_step
workflow_next_step(enum workflow_state st)
{
	switch (st) {
	case WF_STATE_QUEUED:
		return WF_STEP_PICK;
	case WF_STATE_PICKED:
		return WF_STEP_PACK;
	case WF_STATE_PACKED:
		return WF_STEP_LABEL;
	case WF_STATE_LABELLED:
		return WF_STEP_SHIP;
	default:
		return WF_STEP_NONE;
	}
}

enum role
workflow_step_role(enum workflow_step step)
{
	switch (step) {
	case WF_STEP_PICK:
		return ROLE_PICKER;
	case WF_STEP_PACK:
		return ROLE_PACKER;
	case WF_STEP_LABEL:
	case WF_STEP_SHIP:
		return ROLE_DISPATCHER;
	default:
		return (enum role)0;
	}
}

static bool
wf_step_scans(enum workflow_step step)
{
	return step == WF_STEP_PICK || step == WF_STEP_PACK;
}

/* The translated name of a state, for messages. */
static const char *
wf_state_word(enum workflow_state st)
{
	const char *n = workflow_state_name(st);

	return n != NULL ? _(n) : "?";
}

static const struct workflow_code *
wf_table_find(enum workflow_table t, size_t *n)
{
	size_t i;

	for (i = 0; i < NELEM(wf_tables); i++) {
		if (wf_tables[i].t == t) {
			*n = wf_tables[i].n;
			return wf_tables[i].codes;
		}
	}
	*n = 0;
	return NULL;
}

bool
workflow_code_info(enum workflow_table t, size_t i, struct workflow_code *out)
{
	const struct workflow_code *codes;
	size_t n;

	codes = wf_table_find(t, &n);
	if (codes == NULL || i >= n || out == NULL)
		return false;
	*out = codes[i];
	return true;
}

static const struct workflow_code *
wf_code_find(enum workflow_table t, int code)
{
	const struct workflow_code *codes;
	size_t i, n;

	codes = wf_table_find(t, &n);
	for (i = 0; codes != NULL && i < n; i++)
		if (codes[i].code == code)
			return &codes[i];
	return NULL;
}

const char *
workflow_code_name(enum workflow_table t, int code)
{
	const struct workflow_code *c = wf_code_find(t, code);

	return c != NULL ? c->name : NULL;
}

/* ---- outcomes ---------------------------------------------------------- */

/* One action in progress. */
struct wf_act {
	struct station *s;
	const char *user;
	const char *order_id;
	int64_t now;			/* unix seconds */
	struct workflow_outcome *out;
	struct ferr *e;			/* never NULL */
	bool keep;	/* a refusal wrote rows that must be committed */
	bool dry;	/* workflow_check: write nothing at all */
	bool tx;	/* a transaction is open */
	/* The order's plain row, after wf_load. */
	enum workflow_state state;
	bool cancelled, wiped;
	int64_t exc_id;
	int exc_kind;
};

static void
wf_outcome_init(struct workflow_outcome *out)
{
	memset(out, 0, sizeof *out);
	out->result = WF_R_NONE;
	out->line = -1;
}

static void wf_vmsg(struct workflow_outcome *out, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
wf_vmsg(struct workflow_outcome *out, const char *fmt, va_list ap)
{
	vsnprintf(out->msg, sizeof out->msg, fmt, ap);
}

/* A refusal: out and the error get the result, code and message. */
static int wf_refuse(struct wf_act *a, enum workflow_result res,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
wf_refuse(struct wf_act *a, enum workflow_result res, const char *fmt, ...)
{
	va_list ap;
	size_t i;
	int code = FULFIL_ESTATE;

	a->out->result = res;
	a->out->fx = WF_FX_BEEP;
	for (i = 0; i < NELEM(wf_refusals); i++) {
		if (wf_refusals[i].result == res) {
			code = wf_refusals[i].code;
			a->out->fx = wf_refusals[i].fx;
			break;
		}
	}
	va_start(ap, fmt);
	wf_vmsg(a->out, fmt, ap);
	va_end(ap);
	return ferr_set(a->e, code, "%s", a->out->msg);
}

/* What was done. */
static void wf_done(struct wf_act *a, enum workflow_result res,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
wf_done(struct wf_act *a, enum workflow_result res, const char *fmt, ...)
{
	va_list ap;

	a->out->result = res;
	a->out->fx = 0;
	va_start(ap, fmt);
	wf_vmsg(a->out, fmt, ap);
	va_end(ap);
}

/* ---- input checks -------------------------------------------------- */

/* 1..ORDER_ID_MAX bytes of printable ASCII without spaces. */
static bool
wf_id_ok(const char *id)
{
	size_t i, n;

	if (id == NULL)
		return false;
	n = strnlen(id, ORDER_ID_MAX + 1);
	if (n < 1 || n > ORDER_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e)
			return false;
	return true;
}

/* Tracking: 1..64 bytes of 0x20-0x7e, no space at either end. */
static bool
wf_tracking_ok(const char *t)
{
	size_t i, n;

	if (t == NULL)
		return false;
	n = strnlen(t, WORKFLOW_TRACKING_MAX + 1);
	if (n < 1 || n > WORKFLOW_TRACKING_MAX || t[0] == ' ' ||
	    t[n - 1] == ' ')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] > 0x7e)
			return false;
	return true;
}

/* A reveal's reason text: see workflow_reveal in workflow.h. */
static bool
wf_reason_text_ok(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n, i, len;
	uint32_t cp;
	bool visible = false;

	if (text == NULL)
		return false;
	n = strnlen(text, WORKFLOW_REVEAL_TEXT_MAX + 1);
	if (n < 1 || n > WORKFLOW_REVEAL_TEXT_MAX)
		return false;
	for (i = 0; i < n; i += len) {
		if ((len = display_utf8_next(p + i, n - i, &cp)) == 0 ||
		    display_cp_forbidden(cp))
			return false;
		if (cp != ' ')
			visible = true;
	}
	return visible;
}

/*
 * Strip a scanned code into out (cap bytes): C0 controls, DEL and C1
 * controls (as UTF-8) go, then leading and trailing spaces. Bytes past
 * cap - 1 are dropped and *cut set.
 */
static void
wf_code_clean(const char *raw, char *out, size_t cap, bool *cut)
{
	const unsigned char *p = (const unsigned char *)raw;
	size_t n = 0, start = 0;

	*cut = false;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			continue;
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p++;
			continue;
		}
		if (n + 1 >= cap) {
			*cut = true;
			continue;
		}
		out[n++] = (char)*p;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	while (out[start] == ' ')
		start++;
	if (start > 0)
		memmove(out, out + start, n - start + 1);
}

static bool
wf_all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* digits[0..n) (n <= 14) left-padded with zeros to a GTIN-14. */
static void
wf_pad14(const char *digits, size_t n, char out[15])
{
	memset(out, '0', 14 - n);
	memcpy(out + 14 - n, digits, n);
	out[14] = '\0';
}

/*
 * The GTIN-14 a scanned code carries: an EAN-8, UPC-A, EAN-13 or
 * GTIN-14 of digits, or a GS1 element string starting with AI 01,
 * either optionally after an AIM symbology identifier ("]C1").
 */
static bool
wf_code_gtin(const char *code, char out[15])
{
	const char *p = code;
	size_t n = strlen(code);

	if (n >= 3 && p[0] == ']' && isalpha((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2])) {
		p += 3;
		n -= 3;
	}
	if ((n == 8 || n == 12 || n == 13 || n == 14) && wf_all_digits(p, n)) {
		wf_pad14(p, n, out);
		return true;
	}
	if (n >= 16 && p[0] == '0' && p[1] == '1' &&
	    wf_all_digits(p + 2, 14)) {
		wf_pad14(p + 2, 14, out);
		return true;
	}
	return false;
}

static bool
wf_ascii_caseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

static bool
wf_item_matches(const struct order_item *it, const char *code,
    bool have_gtin, const char *gtin)
{
	char g[15];
	size_t n;

	if (it->sku != NULL && wf_ascii_caseeq(it->sku, code))
		return true;
	if (!have_gtin || it->ean == NULL)
		return false;
	n = strlen(it->ean);
	if (n < 1 || n > 14 || !wf_all_digits(it->ean, n))
		return false;
	wf_pad14(it->ean, n, g);
	return strcmp(g, gtin) == 0;
}

/* ASCII letters and digits of s, lower-cased, into out (cap bytes). */
static void
wf_fold(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'A' && c <= 'Z')
			out[n++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c >= 0x80)
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

/* Does the folded code overlap the folded text (either inside the other)? */
static bool
wf_overlaps(const char *fcode, const char *text)
{
	char ft[ORDER_GIFT_MAX + 1];	/* customer data: wiped below */
	size_t nc = strlen(fcode), nt;
	bool hit;

	if (text == NULL)
		return false;
	wf_fold(text, ft, sizeof ft);
	nt = strlen(ft);
	hit = (nc >= 3 && strstr(ft, fcode) != NULL) ||
	    (nt >= 4 && strstr(fcode, ft) != NULL);
	sodium_memzero(ft, sizeof ft);
	return hit;
}

/* Is the code part of the order's customer data (or the other way)? */
static bool
wf_in_customer_data(const struct order *o, const char *code)
{
	const struct order_address *a = &o->ship_to;
	const char *fields[] = {
		a->name, a->line1, a->line2, a->city, a->region, a->postcode,
		a->phone, o->buyer_email, o->gift_message,
	};
	char fcode[WORKFLOW_CODE_MAX + 1];
	size_t i;
	bool hit = false;

	wf_fold(code, fcode, sizeof fcode);
	if (fcode[0] == '\0')
		return false;
	for (i = 0; i < NELEM(fields) && !hit; i++)
		hit = wf_overlaps(fcode, fields[i]);
	for (i = 0; i < o->nitems && !hit; i++)
		hit = wf_overlaps(fcode, o->items[i].title);
	sodium_memzero(fcode, sizeof fcode);
	return hit;
}

/*
 * How a message names a scanned code: the code itself when it has the
 * shape of a SKU or EAN (printable ASCII, no spaces, no '@') and is no
 * part of the order's customer data, cut at WF_CODE_SHOWN bytes; else
 * a neutral word.
 */
static void
wf_code_label(const char *code, const struct order *o, char *buf,
    size_t len)
{
	size_t i, n = strlen(code);
	bool shown = n >= 1;

	for (i = 0; i < n && shown; i++)
		shown = (unsigned char)code[i] > 0x20 &&
		    (unsigned char)code[i] < 0x7f && code[i] != '@';
	if (shown && o != NULL && wf_in_customer_data(o, code))
		shown = false;
	if (!shown)
		snprintf(buf, len, "%s", _("a code"));
	else if (n > WF_CODE_SHOWN)
		snprintf(buf, len, "%.*s...", WF_CODE_SHOWN, code);
	else
		snprintf(buf, len, "%s", code);
}

/* ---- database helpers ------------------------------------------------ */

static int
wf_stmt(struct wf_act *a, const char *sql, sqlite3_stmt **q)
{
	if ((*q = store_stmt(a->s->store, sql, a->e)) == NULL)
		return a->e->code != 0 ? a->e->code : FULFIL_EDB;
	return 0;
}

/* Step a write statement to its end. */
static int
wf_run(struct wf_act *a, sqlite3_stmt *q, const char *doing)
{
	int r = 0;

	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(a->s->store, a->e, doing);
	sqlite3_reset(q);
	return r;
}

static int
wf_audit(struct wf_act *a, int kind, enum role role, int64_t count,
    int result)
{
	struct audit_event ev = {
		.kind = kind,
		.actor = a->user,
		.order_id = a->order_id,
		.role = role != 0 ? policy_role_name(role) : NULL,
		.count = count,
		.result = result,
	};

	if (a->s->audit == NULL)
		return ferr_set(a->e, FULFIL_ESTATE,
		    _("the audit log is not open"));
	return audit_log(a->s->audit, &ev, a->now, a->e);
}

static int
wf_begin(struct wf_act *a)
{
	int r;

	if (a->dry)
		return 0;
	if ((r = store_begin(a->s->store, a->e)) == 0)
		a->tx = true;
	return r;
}

/* Commit what was done (or what a refusal recorded), else roll back. */
static int
wf_end(struct wf_act *a, int r)
{
	struct ferr ce = { 0 };

	if (!a->tx)
		return r;
	a->tx = false;
	if (r == 0 || a->keep) {
		if (store_commit(a->s->store, &ce) != 0) {
			a->out->result = WF_R_NONE;
			return ferr_set(a->e, ce.code, "%s", ce.msg);
		}
		return r;
	}
	store_rollback(a->s->store);
	return r;
}

/* ---- the checks of every action ------------------------------------------ */

/* The person: a valid name, not locked now. */
static int
wf_person(struct wf_act *a)
{
	int64_t until;

	if (a->user == NULL || policy_login_name_check(a->user, NULL) != 0)
		return wf_refuse(a, WF_R_ROLE,
		    _("Refused: not a person this station knows"));
	if (lockout_state(a->s, a->user, a->now, &until) != LOCKOUT_OPEN)
		return wf_refuse(a, WF_R_LOCKED,
		    _("Your account is locked: ask a supervisor"));
	return 0;
}

/* Read the order's plain row into a. */
static int
wf_load(struct wf_act *a)
{
	sqlite3_stmt *q;
	const char *state;
	int rc, r;

	if (!wf_id_ok(a->order_id))
		return wf_refuse(a, WF_R_NOT_FOUND, _("No such order"));
	if ((r = wf_stmt(a, sql_order_row, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return wf_refuse(a, WF_R_NOT_FOUND, _("No order %s"),
		    a->order_id);
	}
	if (rc != SQLITE_ROW) {
		r = store_error(a->s->store, a->e, _("reading an order"));
		sqlite3_reset(q);
		return r;
	}
	state = (const char *)sqlite3_column_text(q, 0);
	if (wf_state_parse(state, &a->state) != 0) {
		sqlite3_reset(q);
		return ferr_set(a->e, FULFIL_EDB,
		    _("order %s has an unknown workflow state"), a->order_id);
	}
	a->cancelled = sqlite3_column_int(q, 1) != 0;
	a->wiped = sqlite3_column_int(q, 2) != 0;
	a->exc_id = sqlite3_column_int64(q, 3);
	a->exc_kind = sqlite3_column_int(q, 4);
	sqlite3_reset(q);
	a->out->state = a->state;
	return 0;
}

/* Cancelled and wiped orders stop everything: a blocking alert. */
static int
wf_gate_live(struct wf_act *a)
{
	if (a->cancelled)
		return wf_refuse(a, WF_R_CANCELLED,
		    _("Order %s was cancelled: stop, and put its items aside "
		      "for a supervisor"), a->order_id);
	if (a->wiped)
		return wf_refuse(a, WF_R_WIPED,
		    _("Order %s no longer holds its data: it cannot be "
		      "worked on"), a->order_id);
	return 0;
}

static int
wf_gate_exception(struct wf_act *a)
{
	if (a->exc_id != 0)
		return wf_refuse(a, WF_R_EXCEPTION,
		    _("Order %s has an open exception: a supervisor must "
		      "resolve it"), a->order_id);
	return 0;
}

/*
 * Does the person hold role now? A refusal is audited (action-refused)
 * unless this is a dry run.
 */
static int
wf_need_role(struct wf_act *a, enum role role)
{
	int r;

	if (policy_check(a->s->store, a->user, role, a->now) == POLICY_ALLOW)
		return 0;
	if (!a->dry) {
		if ((r = wf_audit(a, AUDIT_ACTION_REFUSED, role, -1,
		    FULFIL_EPERM)) != 0)
			return r;
		a->keep = true;
	}
	return wf_refuse(a, WF_R_ROLE,
	    _("Refused: this needs the %s role, which you do not hold now"),
	    policy_role_name(role));
}

/* Does the person hold any of the floor roles or supervisor now? */
static bool
wf_any_role(struct wf_act *a)
{
	static const enum role roles[] = {
		ROLE_PICKER, ROLE_PACKER, ROLE_DISPATCHER, ROLE_SUPERVISOR,
	};
	size_t i;

	for (i = 0; i < NELEM(roles); i++)
		if (policy_check(a->s->store, a->user, roles[i], a->now) ==
		    POLICY_ALLOW)
			return true;
	return false;
}

/* ---- counts ---------------------------------------------------------------- */

/* counts[0..n) of step from the scans table (lines past n are ignored). */
static int
wf_counts_read(struct wf_act *a, enum workflow_step step, long *counts,
    size_t n)
{
	sqlite3_stmt *q;
	int rc, r;

	memset(counts, 0, n * sizeof *counts);
	if ((r = wf_stmt(a, sql_counts, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (int)step);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t line = sqlite3_column_int64(q, 0);

		if (line >= 0 && (uint64_t)line < n)
			counts[line] = (long)sqlite3_column_int64(q, 1);
	}
	r = rc == SQLITE_DONE ? 0 :
	    store_error(a->s->store, a->e, _("reading scan counts"));
	sqlite3_reset(q);
	return r;
}

static int
wf_overridden(struct wf_act *a, enum workflow_step step, bool *yes)
{
	sqlite3_stmt *q;
	int rc, r;

	*yes = false;
	if ((r = wf_stmt(a, sql_override_get, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (int)step);
	rc = sqlite3_step(q);
	*yes = rc == SQLITE_ROW;
	r = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 :
	    store_error(a->s->store, a->e, _("reading overrides"));
	sqlite3_reset(q);
	return r;
}

/* Items still to count at a step: sum of what each line lacks. */
static long
wf_remaining(const struct order *o, const long *counts)
{
	long rem = 0;
	size_t i;

	for (i = 0; i < o->nitems; i++)
		if (counts[i] < o->items[i].qty)
			rem += o->items[i].qty - counts[i];
	return rem;
}

static int
wf_open_order(struct wf_act *a, struct order **o)
{
	return orders_find(a->s->store, a->s->kek, a->order_id, o, a->e);
}

/* Pick/pack: every line counted at step, or a supervisor's override. */
static int
wf_gate_verified(struct wf_act *a, enum workflow_step step)
{
	struct order *o = NULL;
	long *counts = NULL;
	bool over;
	int r;

	if ((r = wf_overridden(a, step, &over)) != 0 || over)
		return r;
	if ((r = wf_open_order(a, &o)) != 0)
		return r;
	if ((counts = calloc(o->nitems + 1, sizeof *counts)) == NULL) {
		r = ferr_set(a->e, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if ((r = wf_counts_read(a, step, counts, o->nitems)) != 0)
		goto out;
	a->out->remaining = wf_remaining(o, counts);
	if (a->out->remaining > 0)
		r = wf_refuse(a, WF_R_NOT_VERIFIED,
		    ngettext("Order %s: %ld item is not verified yet; scan it "
		             "or ask a supervisor",
		             "Order %s: %ld items are not verified yet; scan "
		             "them or ask a supervisor",
		             (unsigned long)a->out->remaining),
		    a->order_id, a->out->remaining);
	else
		a->out->complete = true;
out:
	free(counts);
	order_free(o);
	return r;
}

/* ---- steps --------------------------------------------------------- */

/* Every check of a step; nothing written but a role refusal's audit. */
static int
wf_step_gate(struct wf_act *a, enum workflow_step step)
{
	enum workflow_state before;
	int r;

	if (step < WF_STEP_PICK || step > WF_STEP_SHIP)
		return wf_refuse(a, WF_R_BAD_INPUT, _("No such step"));
	before = (enum workflow_state)(step - 1);
	if ((r = wf_person(a)) != 0 || (r = wf_load(a)) != 0 ||
	    (r = wf_gate_live(a)) != 0 ||
	    (r = wf_need_role(a, workflow_step_role(step))) != 0 ||
	    (r = wf_gate_exception(a)) != 0)
		return r;
	if (a->state != before)
		return wf_refuse(a, WF_R_WRONG_STATE,
		    _("Order %s is %s: it cannot be %s now"), a->order_id,
		    wf_state_word(a->state),
		    wf_state_word((enum workflow_state)step));
	if (wf_step_scans(step))
		return wf_gate_verified(a, step);
	return 0;
}

static int
wf_outbox(struct wf_act *a, const char *event, const char *tracking)
{
	unsigned char raw[WF_IDEM_BYTES];
	char key[2 * WF_IDEM_BYTES + 1];
	sqlite3_stmt *q;
	int r;

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(key, sizeof key, raw, sizeof raw);
	if ((r = wf_stmt(a, sql_outbox, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, a->now);
	sqlite3_bind_text(q, 4, a->user, -1, SQLITE_STATIC);
	if (tracking != NULL)
		sqlite3_bind_text(q, 5, tracking, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, key, -1, SQLITE_TRANSIENT);
	return wf_run(a, q, _("queueing an event in the outbox"));
}

static int
wf_drop_order_rows(struct wf_act *a)
{
	static const char *const sqls[] = { sql_scans_drop, sql_overrides_drop };
	sqlite3_stmt *q;
	size_t i;
	int r;

	for (i = 0; i < NELEM(sqls); i++) {
		if ((r = wf_stmt(a, sqls[i], &q)) != 0)
			return r;
		sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
		if ((r = wf_run(a, q, _("dropping scan counts"))) != 0)
			return r;
	}
	return 0;
}

/* The state change, its outbox event and its audit row. */
static int
wf_step_write(struct wf_act *a, enum workflow_step step,
    const char *tracking)
{
	enum workflow_state after = (enum workflow_state)step;
	const char *event = workflow_state_name(after);
	sqlite3_stmt *q;
	int r;

	if ((r = wf_stmt(a, sql_set_state, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, workflow_state_name(a->state), -1,
	    SQLITE_STATIC);
	if ((r = wf_run(a, q, _("changing an order's state"))) != 0)
		return r;
	if (sqlite3_changes(store_db(a->s->store)) != 1)
		return ferr_set(a->e, FULFIL_EDB,
		    _("order %s changed while it was being updated"),
		    a->order_id);
	if ((r = wf_audit(a, AUDIT_ORDER_STEP, workflow_step_role(step),
	    (int64_t)after, 0)) != 0 ||
	    (r = wf_outbox(a, event, tracking)) != 0)
		return r;
	if (step == WF_STEP_SHIP && (r = wf_drop_order_rows(a)) != 0)
		return r;
	a->state = after;
	a->out->state = after;
	switch (step) {
	case WF_STEP_PICK:
		wf_done(a, WF_R_DONE, _("Order %s picked"), a->order_id);
		break;
	case WF_STEP_PACK:
		wf_done(a, WF_R_DONE, _("Order %s packed"), a->order_id);
		break;
	case WF_STEP_LABEL:
		wf_done(a, WF_R_DONE, _("Order %s labelled"), a->order_id);
		break;
	default:
		wf_done(a, WF_R_DONE, _("Order %s shipped"), a->order_id);
		break;
	}
	return 0;
}

/* After a refusal or error: out and the caller's err agree. */
static int
wf_finish(struct wf_act *a, int r, struct ferr *err)
{
	if (r == 0)
		return 0;
	if (a->out->result == WF_R_NONE || a->out->result < WF_R_WRONG_ITEM) {
		a->out->result = WF_R_ERROR;
		a->out->fx = WF_FX_BEEP;
		snprintf(a->out->msg, sizeof a->out->msg, "%s", a->e->msg);
	}
	if (err != NULL)
		*err = *a->e;
	return r;
}

static void
wf_act_init(struct wf_act *a, struct station *s, const char *user,
    const char *order_id, int64_t now, struct workflow_outcome *out,
    struct ferr *e)
{
	memset(a, 0, sizeof *a);
	memset(e, 0, sizeof *e);
	wf_outcome_init(out);
	a->s = s;
	a->user = user;
	a->order_id = order_id;
	a->now = now;
	a->out = out;
	a->e = e;
}

int
workflow_advance(struct station *s, const char *user, const char *order_id,
    enum workflow_step step, const char *tracking, int64_t now,
    struct workflow_outcome *out, struct ferr *err)
{
	struct wf_act a;
	struct ferr e;
	int r;

	wf_act_init(&a, s, user, order_id, now, out, &e);
	if (step == WF_STEP_SHIP ? !wf_tracking_ok(tracking) : tracking != NULL)
		return wf_finish(&a, wf_refuse(&a, WF_R_BAD_INPUT,
		    step == WF_STEP_SHIP ?
		    _("The tracking number must be 1 to 64 printable ASCII "
		      "characters") :
		    _("Only shipping takes a tracking number")), err);
	if (step == WF_STEP_LABEL)
		return wf_finish(&a, wf_refuse(&a, WF_R_WRONG_STATE,
		    _("Print the label (F5): printing it labels the order")),
		    err);
	if ((r = wf_begin(&a)) == 0 && (r = wf_step_gate(&a, step)) == 0)
		r = wf_step_write(&a, step, tracking);
	return wf_finish(&a, wf_end(&a, r), err);
}

int
workflow_order_stop(struct station *s, const char *id_or_ref,
    char id_out[ORDER_ID_MAX + 1], bool *cancelled, bool *wiped,
    struct ferr *err)
{
	sqlite3_stmt *q;
	int rc, r = 0;

	id_out[0] = '\0';
	*cancelled = *wiped = false;
	if (id_or_ref == NULL || (q = store_stmt(s->store, sql_order_stop,
	    err)) == NULL)
		return id_or_ref == NULL ? ferr_set(err, FULFIL_EINVAL,
		    _("No such order")) : FULFIL_EDB;
	sqlite3_bind_text(q, 1, id_or_ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		snprintf(id_out, ORDER_ID_MAX + 1, "%s",
		    (const char *)sqlite3_column_text(q, 0));
		*cancelled = sqlite3_column_int(q, 1) != 0;
		*wiped = sqlite3_column_int(q, 2) != 0;
	} else if (rc == SQLITE_DONE) {
		r = ferr_set(err, FULFIL_ENOTFOUND, _("No such order"));
	} else {
		r = store_error(s->store, err, _("reading an order"));
	}
	sqlite3_reset(q);
	return r;
}

int
workflow_check(struct station *s, const char *user, const char *order_id,
    enum workflow_step step, int64_t now, struct workflow_outcome *out,
    struct ferr *err)
{
	struct wf_act a;
	struct ferr e;
	int r;

	wf_act_init(&a, s, user, order_id, now, out, &e);
	a.dry = true;
	if ((r = wf_step_gate(&a, step)) == 0)
		wf_done(&a, WF_R_ALLOWED, "%s", "");
	return wf_finish(&a, r, err);
}

/* ---- scans --------------------------------------------------------------- */

void
workflow_scanner_reset(struct workflow_scanner *sc)
{
	if (sc != NULL)
		sodium_memzero(sc, sizeof *sc);
}

/* Is this the wedge firing the same scan again? Remembers it if not. */
static bool
wf_double_fire(struct workflow_scanner *sc, const char *order_id,
    const char *code, int64_t now_ms)
{
	int64_t d = now_ms - sc->last_ms;

	if (sc->have && d >= 0 && d <= WORKFLOW_DUP_MS &&
	    strcmp(sc->order_id, order_id) == 0 && strcmp(sc->code, code) == 0)
		return true;
	sc->have = true;
	sc->last_ms = now_ms;
	snprintf(sc->order_id, sizeof sc->order_id, "%s", order_id);
	snprintf(sc->code, sizeof sc->code, "%s", code);
	return false;
}

/* "expected N more items" / "every item is verified". */
static void
wf_expect_text(long remaining, char *buf, size_t len)
{
	if (remaining > 0)
		snprintf(buf, len, ngettext("expected %ld more item",
		    "expected %ld more items", (unsigned long)remaining),
		    remaining);
	else
		snprintf(buf, len, "%s",
		    _("every item is already verified: press F6"));
}

/*
 * Record a refused scan: audit it, count it, and lock the person at the
 * limit. *locked when this one locked them.
 */
static int
wf_scan_refused(struct wf_act *a, enum role role, int result, bool *locked)
{
	sqlite3_stmt *q;
	int64_t n = 0, since = a->now - WORKFLOW_SCAN_FAIL_WINDOW;
	int r;

	*locked = false;
	if ((r = wf_stmt(a, sql_rate_prune, &q)) != 0)
		return r;
	sqlite3_bind_int(q, 1, WF_RATE_SCAN);
	sqlite3_bind_int64(q, 2, since);
	if ((r = wf_run(a, q, _("counting refused scans"))) != 0)
		return r;
	if ((r = wf_stmt(a, sql_rate_add, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->user, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, WF_RATE_SCAN);
	sqlite3_bind_int64(q, 3, a->now);
	if ((r = wf_run(a, q, _("counting refused scans"))) != 0)
		return r;
	if ((r = wf_stmt(a, sql_rate_count, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->user, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, WF_RATE_SCAN);
	sqlite3_bind_int64(q, 3, since);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	else
		r = store_error(a->s->store, a->e, _("counting refused scans"));
	sqlite3_reset(q);
	if (r != 0 || (r = wf_audit(a, AUDIT_SCAN_REFUSED, role, n,
	    result)) != 0)
		return r;
	if (n >= WORKFLOW_SCAN_FAIL_LIMIT) {
		if ((r = lockout_anomaly(a->s, a->user, n, a->now, a->e)) != 0)
			return r;
		*locked = true;
	}
	a->keep = true;
	return 0;
}

/* Match the cleaned code against the order and count it, or refuse. */
static int
wf_scan_match(struct wf_act *a, enum workflow_step step, const char *code,
    bool cut)
{
	struct order *o = NULL;
	long *counts = NULL;
	char gtin[15], label[WF_CODE_SHOWN + 32], expect[96];
	bool have_gtin, matched = false, locked;
	enum role role = workflow_step_role(step);
	sqlite3_stmt *q;
	size_t i, hit = 0;
	int r, result;

	if ((r = wf_open_order(a, &o)) != 0)
		return r;
	if ((counts = calloc(o->nitems + 1, sizeof *counts)) == NULL) {
		r = ferr_set(a->e, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if ((r = wf_counts_read(a, step, counts, o->nitems)) != 0)
		goto out;
	have_gtin = !cut && wf_code_gtin(code, gtin);
	for (i = 0; i < o->nitems && !cut; i++) {
		if (!wf_item_matches(&o->items[i], code, have_gtin, gtin))
			continue;
		if (!matched)
			hit = i;
		matched = true;
		if (counts[i] < o->items[i].qty) {
			hit = i;
			break;
		}
	}
	if (matched && counts[hit] < o->items[hit].qty) {
		if ((r = wf_stmt(a, sql_count_add, &q)) != 0)
			goto out;
		sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, (int)step);
		sqlite3_bind_int64(q, 3, (int64_t)hit);
		if ((r = wf_run(a, q, _("counting a scan"))) != 0)
			goto out;
		counts[hit]++;
		a->out->line = (int)hit;
		a->out->count = counts[hit];
		a->out->qty = o->items[hit].qty;
		a->out->remaining = wf_remaining(o, counts);
		a->out->complete = a->out->remaining == 0;
		if (a->out->complete)
			snprintf(expect, sizeof expect, "%s",
			    _("every item is verified: press F6"));
		else
			snprintf(expect, sizeof expect,
			    ngettext("%ld more item to scan",
			    "%ld more items to scan",
			    (unsigned long)a->out->remaining),
			    a->out->remaining);
		wf_done(a, WF_R_COUNTED, _("Line %zu: %ld of %ld; %s"),
		    hit + 1, a->out->count, a->out->qty, expect);
		goto out;
	}

	/* Refused: wrong item or over-count. */
	a->out->remaining = wf_remaining(o, counts);
	wf_code_label(code, o, label, sizeof label);
	wf_expect_text(a->out->remaining, expect, sizeof expect);
	result = matched ? FULFIL_EINVAL : FULFIL_ENOTFOUND;
	if ((r = wf_scan_refused(a, role, result, &locked)) != 0)
		goto out;
	if (locked) {
		r = wf_refuse(a, WF_R_RATE_LOCKED,
		    _("Too many refused scans: your account is locked; ask a "
		      "supervisor"));
	} else if (matched) {
		a->out->line = (int)hit;
		a->out->count = counts[hit];
		a->out->qty = o->items[hit].qty;
		r = wf_refuse(a, WF_R_OVER_COUNT,
		    _("Scanned %s: line %zu already has all %ld; %s"), label,
		    hit + 1, o->items[hit].qty, expect);
	} else {
		r = wf_refuse(a, WF_R_WRONG_ITEM,
		    _("Scanned %s: not in order %s; %s"), label, a->order_id,
		    expect);
	}
out:
	free(counts);
	order_free(o);
	return r;
}

int
workflow_scan(struct station *s, const char *user,
    struct workflow_scanner *sc, const char *order_id, const char *code,
    int64_t now_ms, struct workflow_outcome *out, struct ferr *err)
{
	char clean[WORKFLOW_CODE_MAX + 1];
	enum workflow_step step;
	struct wf_act a;
	struct ferr e;
	bool cut;
	int r;

	wf_act_init(&a, s, user, order_id, now_ms / 1000, out, &e);
	if (sc == NULL || code == NULL)
		return wf_finish(&a, wf_refuse(&a, WF_R_BAD_INPUT,
		    _("No scan given")), err);
	wf_code_clean(code, clean, sizeof clean, &cut);
	if (clean[0] == '\0') {
		wf_done(&a, WF_R_IGNORED, "%s", "");
		return 0;
	}
	if (!wf_id_ok(order_id))
		return wf_finish(&a, wf_refuse(&a, WF_R_NOT_FOUND,
		    _("No such order")), err);
	if (wf_double_fire(sc, order_id, clean, now_ms)) {
		wf_done(&a, WF_R_IGNORED, "%s", "");
		sodium_memzero(clean, sizeof clean);
		return 0;
	}
	if ((r = wf_person(&a)) == 0 && (r = wf_begin(&a)) == 0 &&
	    (r = wf_load(&a)) == 0 && (r = wf_gate_live(&a)) == 0) {
		step = workflow_next_step(a.state);
		if (!wf_step_scans(step))
			r = wf_refuse(&a, WF_R_NO_SCAN,
			    _("Order %s is %s: there is nothing to scan on it "
			      "now"), order_id, wf_state_word(a.state));
		else if ((r = wf_need_role(&a, workflow_step_role(step))) ==
		    0 && (r = wf_gate_exception(&a)) == 0)
			r = wf_scan_match(&a, step, clean, cut);
	}
	sodium_memzero(clean, sizeof clean);
	return wf_finish(&a, wf_end(&a, r), err);
}

/* ---- progress --------------------------------------------------------- */

static int wf_packing_read(struct wf_act *a, char *box, size_t cap,
    long *weight_g);

static int
wf_progress_fill(struct wf_act *a, struct workflow_progress *p)
{
	struct order *o = NULL;
	long *counts = NULL;
	size_t i;
	int r;

	p->state = a->state;
	p->step = workflow_next_step(a->state);
	p->role = workflow_step_role(p->step);
	p->cancelled = a->cancelled;
	p->wiped = a->wiped;
	p->exception_id = a->exc_id;
	p->exception_kind = a->exc_kind;
	p->scans = wf_step_scans(p->step);
	if (p->scans && (r = wf_overridden(a, p->step, &p->overridden)) != 0)
		return r;
	if ((r = wf_packing_read(a, p->box, sizeof p->box, &p->weight_g)) != 0)
		return r;
	if (a->wiped)
		return 0;
	if ((r = wf_open_order(a, &o)) != 0)
		return r;
	if ((counts = calloc(o->nitems + 1, sizeof *counts)) == NULL) {
		r = ferr_set(a->e, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if (p->scans && (r = wf_counts_read(a, p->step, counts,
	    o->nitems)) != 0)
		goto out;
	p->nlines = o->nitems < ORDER_ITEMS_MAX ? o->nitems : ORDER_ITEMS_MAX;
	for (i = 0; i < p->nlines; i++) {
		p->lines[i].qty = o->items[i].qty;
		p->lines[i].count = counts[i];
		p->total += o->items[i].qty;
		p->counted += counts[i] < o->items[i].qty ? counts[i] :
		    o->items[i].qty;
	}
	p->verified = !p->scans || p->overridden || p->counted == p->total;
out:
	free(counts);
	order_free(o);
	return r;
}

int
workflow_progress(struct station *s, const char *user, const char *order_id,
    int64_t now, struct workflow_progress *p, struct ferr *err)
{
	struct workflow_outcome out;
	struct wf_act a;
	struct ferr e;
	int r;

	memset(p, 0, sizeof *p);
	wf_act_init(&a, s, user, order_id, now, &out, &e);
	a.dry = true;
	if ((r = wf_person(&a)) == 0) {
		if (!wf_any_role(&a))
			r = wf_refuse(&a, WF_R_ROLE,
			    _("Refused: you hold no role that works on "
			      "orders now"));
		else if ((r = wf_load(&a)) == 0)
			r = wf_progress_fill(&a, p);
	}
	if (r != 0 && err != NULL)
		*err = e;
	return r;
}

/* ---- exceptions ------------------------------------------------------ */

int
workflow_exception_raise(struct station *s, const char *user,
    const char *order_id, int kind, int64_t now,
    struct workflow_outcome *out, struct ferr *err)
{
	const struct workflow_code *k;
	enum workflow_step step;
	enum role role;
	sqlite3_stmt *q;
	struct wf_act a;
	struct ferr e;
	int r;

	wf_act_init(&a, s, user, order_id, now, out, &e);
	if ((k = wf_code_find(WF_TABLE_EXCEPTION, kind)) == NULL)
		return wf_finish(&a, wf_refuse(&a, WF_R_BAD_INPUT,
		    _("Not an exception kind")), err);
	if ((r = wf_person(&a)) != 0 || (r = wf_begin(&a)) != 0 ||
	    (r = wf_load(&a)) != 0 || (r = wf_gate_live(&a)) != 0)
		goto out;
	step = workflow_next_step(a.state);
	if (step == WF_STEP_NONE) {
		r = wf_refuse(&a, WF_R_WRONG_STATE,
		    _("Order %s is %s: it takes no exception"), order_id,
		    wf_state_word(a.state));
		goto out;
	}
	role = workflow_step_role(step);
	if (policy_check(s->store, user, ROLE_SUPERVISOR, now) ==
	    POLICY_ALLOW)
		role = ROLE_SUPERVISOR;
	else if ((r = wf_need_role(&a, role)) != 0)
		goto out;
	if ((r = wf_gate_exception(&a)) != 0 ||
	    (r = wf_stmt(&a, sql_exc_insert, &q)) != 0)
		goto out;
	sqlite3_bind_text(q, 1, order_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, kind);
	sqlite3_bind_text(q, 3, workflow_state_name(a.state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(q, 4, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, now);
	if ((r = wf_run(&a, q, _("recording an exception"))) != 0)
		goto out;
	out->exception_id = sqlite3_last_insert_rowid(store_db(s->store));
	if ((r = wf_audit(&a, AUDIT_EXCEPTION, role, kind, 0)) != 0)
		goto out;
	wf_done(&a, WF_R_RECORDED,
	    _("Order %s: exception recorded (%s); a supervisor will resolve "
	      "it"), order_id, _(k->text));
out:
	return wf_finish(&a, wf_end(&a, r), err);
}

int
workflow_exception_resolve(struct station *s, const char *user,
    int64_t exception_id, int resolution, int64_t now,
    struct workflow_outcome *out, struct ferr *err)
{
	char order_id[ORDER_ID_MAX + 1];
	enum workflow_step step;
	sqlite3_stmt *q;
	struct wf_act a;
	struct ferr e;
	int rc, r;

	wf_act_init(&a, s, user, NULL, now, out, &e);
	if (wf_code_find(WF_TABLE_RESOLUTION, resolution) == NULL)
		return wf_finish(&a, wf_refuse(&a, WF_R_BAD_INPUT,
		    _("Not a resolution")), err);
	if ((r = wf_person(&a)) != 0 || (r = wf_begin(&a)) != 0)
		goto out;
	if ((r = wf_stmt(&a, sql_exc_get, &q)) != 0)
		goto out;
	sqlite3_bind_int64(q, 1, exception_id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(order_id, sizeof order_id, "%s",
		    (const char *)sqlite3_column_text(q, 0));
	else if (rc != SQLITE_DONE)
		r = store_error(s->store, &e, _("reading an exception"));
	sqlite3_reset(q);
	if (r != 0)
		goto out;
	if (rc != SQLITE_ROW) {
		r = wf_refuse(&a, WF_R_NOT_FOUND,
		    _("No open exception %lld"), (long long)exception_id);
		goto out;
	}
	a.order_id = order_id;
	if ((r = wf_need_role(&a, ROLE_SUPERVISOR)) != 0 ||
	    (r = wf_load(&a)) != 0 || (r = wf_stmt(&a, sql_exc_resolve,
	    &q)) != 0)
		goto out;
	sqlite3_bind_int64(q, 1, exception_id);
	sqlite3_bind_text(q, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int(q, 4, resolution);
	if ((r = wf_run(&a, q, _("resolving an exception"))) != 0)
		goto out;
	step = workflow_next_step(a.state);
	if (resolution == WF_RES_RECOUNT && wf_step_scans(step)) {
		if ((r = wf_stmt(&a, sql_counts_clear, &q)) != 0)
			goto out;
		sqlite3_bind_text(q, 1, order_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, (int)step);
		if ((r = wf_run(&a, q, _("clearing scan counts"))) != 0)
			goto out;
	}
	if ((r = wf_audit(&a, AUDIT_EXCEPTION_RESOLVED, ROLE_SUPERVISOR,
	    resolution, 0)) != 0)
		goto out;
	wf_done(&a, WF_R_RECORDED, _("Exception %lld on order %s resolved"),
	    (long long)exception_id, order_id);
out:
	return wf_finish(&a, wf_end(&a, r), err);
}

/* The open exceptions, copied out before the callbacks run. */
struct wf_exc_list {
	struct workflow_exception_info *v;
	char (*ids)[ORDER_ID_MAX + 1];
	char (*by)[POLICY_LOGIN_NAME_MAX + 1];
	size_t n, cap;
};

static int
wf_exc_push(struct wf_exc_list *l, sqlite3_stmt *q)
{
	struct workflow_exception_info *e;
	const char *state;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		void *v, *ids, *by;

		v = realloc(l->v, ncap * sizeof *l->v);
		if (v != NULL)
			l->v = v;
		ids = realloc(l->ids, ncap * sizeof *l->ids);
		if (ids != NULL)
			l->ids = ids;
		by = realloc(l->by, ncap * sizeof *l->by);
		if (by != NULL)
			l->by = by;
		if (v == NULL || ids == NULL || by == NULL)
			return FULFIL_ENOMEM;
		l->cap = ncap;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(q, 0);
	snprintf(l->ids[l->n], sizeof l->ids[0], "%s",
	    (const char *)sqlite3_column_text(q, 1));
	e->kind = sqlite3_column_int(q, 2);
	state = (const char *)sqlite3_column_text(q, 3);
	if (wf_state_parse(state, &e->state) != 0)
		e->state = WF_STATE_QUEUED;
	snprintf(l->by[l->n], sizeof l->by[0], "%s",
	    (const char *)sqlite3_column_text(q, 4));
	e->raised_at = sqlite3_column_int64(q, 5);
	l->n++;
	return 0;
}

int
workflow_exceptions_open(struct station *s, const char *user, int64_t now,
    workflow_exception_fn fn, void *ctx, struct ferr *err)
{
	struct wf_exc_list l = { 0 };
	struct workflow_outcome out;
	sqlite3_stmt *q;
	struct wf_act a;
	struct ferr e;
	size_t i;
	int rc, r;

	wf_act_init(&a, s, user, NULL, now, &out, &e);
	a.dry = true;
	if ((r = wf_person(&a)) != 0)
		goto out;
	if (policy_check(s->store, user, ROLE_SUPERVISOR, now) !=
	    POLICY_ALLOW) {
		r = wf_refuse(&a, WF_R_ROLE,
		    _("Refused: this needs the %s role, which you do not hold "
		      "now"), policy_role_name(ROLE_SUPERVISOR));
		goto out;
	}
	if ((r = wf_stmt(&a, sql_exc_open, &q)) != 0)
		goto out;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if ((r = wf_exc_push(&l, q)) != 0)
			break;
	if (r == FULFIL_ENOMEM)
		ferr_set(&e, r, _("out of memory"));
	else if (rc != SQLITE_DONE)
		r = store_error(s->store, &e, _("reading exceptions"));
	sqlite3_reset(q);
	for (i = 0; r == 0 && i < l.n; i++) {
		l.v[i].order_id = l.ids[i];
		l.v[i].raised_by = l.by[i];
		r = fn(ctx, &l.v[i]);
	}
out:
	free(l.v);
	free(l.ids);
	free(l.by);
	if (r < 0 && err != NULL)
		*err = e;
	return r;
}

/* ---- override ------------------------------------------------------- */

int
workflow_override(struct station *s, const char *user, const char *order_id,
    int reason, int64_t now, struct workflow_outcome *out, struct ferr *err)
{
	enum workflow_step step;
	sqlite3_stmt *q;
	struct wf_act a;
	struct ferr e;
	int r;

	wf_act_init(&a, s, user, order_id, now, out, &e);
	if (wf_code_find(WF_TABLE_OVERRIDE, reason) == NULL)
		return wf_finish(&a, wf_refuse(&a, WF_R_BAD_INPUT,
		    _("Not an override reason")), err);
	if ((r = wf_person(&a)) != 0 || (r = wf_begin(&a)) != 0 ||
	    (r = wf_load(&a)) != 0 || (r = wf_gate_live(&a)) != 0 ||
	    (r = wf_need_role(&a, ROLE_SUPERVISOR)) != 0)
		goto out;
	step = workflow_next_step(a.state);
	if (!wf_step_scans(step)) {
		r = wf_refuse(&a, WF_R_NO_SCAN,
		    _("Order %s is %s: there is nothing to scan on it now"),
		    order_id, wf_state_word(a.state));
		goto out;
	}
	if ((r = wf_gate_exception(&a)) != 0 ||
	    (r = wf_stmt(&a, sql_override_put, &q)) != 0)
		goto out;
	sqlite3_bind_text(q, 1, order_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (int)step);
	sqlite3_bind_text(q, 3, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now);
	sqlite3_bind_int(q, 5, reason);
	if ((r = wf_run(&a, q, _("recording an override"))) != 0 ||
	    (r = wf_audit(&a, AUDIT_OVERRIDE, workflow_step_role(step), reason,
	    0)) != 0)
		goto out;
	out->complete = true;
	wf_done(&a, WF_R_RECORDED,
	    _("Order %s: scan verification of this step lifted"), order_id);
out:
	return wf_finish(&a, wf_end(&a, r), err);
}

/* ---- PII reveal ------------------------------------------------------ */

/* Reveals by the person within the window, before this one. */
static int
wf_reveal_count(struct wf_act *a, int64_t *n)
{
	sqlite3_stmt *q;
	int r;

	*n = 0;
	if ((r = wf_stmt(a, sql_reveal_count, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, a->now - WORKFLOW_REVEAL_WINDOW);
	if (sqlite3_step(q) == SQLITE_ROW)
		*n = sqlite3_column_int64(q, 0);
	else
		r = store_error(a->s->store, a->e, _("counting reveals"));
	sqlite3_reset(q);
	return r;
}

/* The associated data of a sealed reveal text: its row. */
static size_t
wf_reveal_ad(const char *user, const char *order_id, int64_t at,
    unsigned char *ad, size_t cap)
{
	int n = snprintf((char *)ad, cap, "fulfil-reveal-1|%s|%s|%lld",
	    user != NULL ? user : "", order_id != NULL ? order_id : "",
	    (long long)at);

	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

/* Seal text: out = nonce || ciphertext, *outlen bytes (WF_REVEAL_SEALED_MAX). */
static int
wf_reveal_seal(struct station *s, const char *user, const char *order_id,
    int64_t at, const char *text, unsigned char *out, size_t *outlen,
    struct ferr *err)
{
	unsigned char ad[160];
	struct secret *key = NULL;
	unsigned long long clen = 0;
	size_t adlen, tlen = strlen(text);
	int r;

	if ((r = station_secret_get(s->store, s->kek, s->cipher, WF_REVEAL_KEY,
	    true, &key, err)) != 0)
		return r;
	adlen = wf_reveal_ad(user, order_id, at, ad, sizeof ad);
	randombytes_buf(out, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
	    (const unsigned char *)text, tlen, ad, adlen, NULL, out,
	    key->data);
	*outlen = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
	secret_free(key);
	return 0;
}

/* Open a sealed reveal text into pt (NUL-terminated); -1 when it fails. */
static int
wf_reveal_open(const struct secret *key, const char *user,
    const char *order_id, int64_t at, const void *in, size_t inlen,
    struct secret *pt)
{
	const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	const size_t ab = crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned char ad[160];
	unsigned long long plen = 0;
	size_t adlen;

	if (in == NULL || inlen < nb + ab ||
	    inlen - nb - ab > WORKFLOW_REVEAL_TEXT_MAX ||
	    secret_reserve(pt, inlen - nb - ab + 1) != 0)
		return -1;
	adlen = wf_reveal_ad(user, order_id, at, ad, sizeof ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt->data, &plen, NULL,
	    (const unsigned char *)in + nb, inlen - nb, ad, adlen,
	    (const unsigned char *)in, key->data) != 0)
		return -1;
	pt->data[plen] = '\0';
	pt->len = (size_t)plen;
	return 0;
}

static int
wf_reveal_record(struct wf_act *a, int reason, const char *text)
{
	unsigned char sealed[WF_REVEAL_SEALED_MAX];
	size_t slen = 0;
	sqlite3_stmt *q;
	int r;

	/* Old reveals go with the retention sweep (retention.c). */
	if ((r = wf_stmt(a, sql_reveal_add, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, a->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, a->now);
	sqlite3_bind_int(q, 4, reason);
	if ((r = wf_reveal_seal(a->s, a->user, a->order_id, a->now, text,
	    sealed, &slen, a->e)) != 0) {
		sqlite3_reset(q);
		return r;
	}
	sqlite3_bind_blob(q, 5, sealed, (int)slen, SQLITE_TRANSIENT);
	if ((r = wf_run(a, q, _("recording a reveal"))) != 0)
		return r;
	return wf_audit(a, AUDIT_PII_REVEAL, ROLE_SUPERVISOR, reason, 0);
}

int
workflow_reveals(struct station *s, int64_t since, workflow_reveal_fn fn,
    void *ctx, size_t *bad, struct ferr *err)
{
	struct workflow_reveal_row row;
	struct secret *key = NULL, *pt = NULL;
	sqlite3_stmt *q;
	size_t nbad = 0;
	int rc, r;

	if (bad != NULL)
		*bad = 0;
	r = station_secret_get(s->store, s->kek, s->cipher, WF_REVEAL_KEY,
	    false, &key, err);
	if (r == FULFIL_ENOTFOUND)	/* no reveal was ever recorded */
		return 0;
	if (r != 0)
		return r;
	if ((pt = secret_new(WORKFLOW_REVEAL_TEXT_MAX + 1)) == NULL) {
		secret_free(key);
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	}
	if ((q = store_stmt(s->store, sql_reveal_list, err)) == NULL) {
		r = FULFIL_EDB;
		goto out;
	}
	sqlite3_bind_int64(q, 1, since);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(&row, 0, sizeof row);
		row.seq = sqlite3_column_int64(q, 0);
		row.user = (const char *)sqlite3_column_text(q, 1);
		row.order_id = (const char *)sqlite3_column_text(q, 2);
		row.at = sqlite3_column_int64(q, 3);
		row.reason = sqlite3_column_int(q, 4);
		if (wf_reveal_open(key, row.user, row.order_id, row.at,
		    sqlite3_column_blob(q, 5),
		    (size_t)sqlite3_column_bytes(q, 5), pt) == 0)
			row.text = (const char *)pt->data;
		else
			nbad++;
		r = fn(ctx, &row);
		secret_clear(pt);
		if (r != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_error(s->store, err, _("reading reveals"));
	sqlite3_reset(q);
out:
	secret_free(pt);
	secret_free(key);
	if (bad != NULL)
		*bad = nbad;
	return r;
}

int
workflow_reveal(struct station *s, const char *user, const char *order_id,
    int reason, const char *text, int64_t now, struct workflow_outcome *out,
    struct ferr *err)
{
	struct wf_act a;
	struct ferr e;
	int64_t n;
	int r;

	wf_act_init(&a, s, user, order_id, now, out, &e);
	if (wf_code_find(WF_TABLE_REVEAL, reason) == NULL)
		return wf_finish(&a, wf_refuse(&a, WF_R_BAD_INPUT,
		    _("Choose a reason for the reveal")), err);
	if (!wf_reason_text_ok(text))
		return wf_finish(&a, wf_refuse(&a, WF_R_BAD_INPUT,
		    _("Say why in 1 to %d characters of plain text"),
		    WORKFLOW_REVEAL_TEXT_MAX), err);
	if ((r = wf_person(&a)) != 0 || (r = wf_begin(&a)) != 0 ||
	    (r = wf_load(&a)) != 0 || (r = wf_gate_live(&a)) != 0 ||
	    (r = wf_need_role(&a, ROLE_SUPERVISOR)) != 0 ||
	    (r = wf_reveal_count(&a, &n)) != 0)
		goto out;
	if (n >= WORKFLOW_REVEAL_LIMIT) {
		if ((r = lockout_anomaly(s, user, n + 1, now, &e)) != 0)
			goto out;
		a.keep = true;
		r = wf_refuse(&a, WF_R_RATE_LOCKED,
		    _("Too many reveals within an hour: your account is "
		      "locked"));
		goto out;
	}
	if ((r = wf_reveal_record(&a, reason, text)) != 0)
		goto out;
	wf_done(&a, WF_R_REVEAL_OK,
	    _("Order %s: customer data shown; this reveal is recorded"),
	    order_id);
out:
	return wf_finish(&a, wf_end(&a, r), err);
}

/* ---- box and weight ------------------------------------------------------ */

int
workflow_weight_parse(const char *text, long *grams)
{
	long kg = 0, frac = 0;
	int digits = 0, fdigits = 0;
	const char *p = text;

	if (p == NULL)
		return FULFIL_EINVAL;
	for (; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
		kg = kg * 10 + (*p - '0');
	if (*p == '.' || *p == ',') {
		for (p++; *p >= '0' && *p <= '9' && fdigits < 3; p++, fdigits++)
			frac = frac * 10 + (*p - '0');
		if (fdigits == 0)
			return FULFIL_EINVAL;
	}
	if (*p != '\0' || digits + fdigits == 0)
		return FULFIL_EINVAL;
	for (; fdigits < 3; fdigits++)
		frac *= 10;
	*grams = kg * 1000 + frac;
	return *grams >= 1 && *grams <= WORKFLOW_WEIGHT_MAX_G ? 0 :
	    FULFIL_EINVAL;
}

/* The packing row of a's order into box/weight ("" and -1 when none). */
static int
wf_packing_read(struct wf_act *a, char *box, size_t cap, long *weight_g)
{
	sqlite3_stmt *q;
	int rc, r;

	box[0] = '\0';
	*weight_g = -1;
	if ((r = wf_stmt(a, sql_packing_get, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		snprintf(box, cap, "%s",
		    (const char *)sqlite3_column_text(q, 0));
		*weight_g = (long)sqlite3_column_int64(q, 1);
	} else if (rc != SQLITE_DONE) {
		r = store_error(a->s->store, a->e, _("reading box and weight"));
	}
	sqlite3_reset(q);
	return r;
}

static bool
wf_box_ok(const char *box)
{
	size_t i;

	for (i = 0; box[i] != '\0'; i++)
		if (box[i] <= 0x20 || box[i] >= 0x7f || i >= WORKFLOW_BOX_MAX)
			return false;
	return i > 0;
}

int
workflow_pack_info(struct station *s, const char *user,
    const char *order_id, const char *box, long weight_g, int64_t now,
    struct workflow_outcome *out, struct ferr *err)
{
	struct wf_act a;
	struct ferr e;
	sqlite3_stmt *q;
	int r;

	wf_act_init(&a, s, user, order_id, now, out, &e);
	if ((box != NULL && !wf_box_ok(box)) || (weight_g != -1 &&
	    (weight_g < 1 || weight_g > WORKFLOW_WEIGHT_MAX_G)) ||
	    (box == NULL && weight_g == -1))
		return wf_finish(&a, wf_refuse(&a, WF_R_BAD_INPUT,
		    _("A box is a code of 1 to %d characters; a weight is "
		      "0.001 to %d kg"), WORKFLOW_BOX_MAX,
		    WORKFLOW_WEIGHT_MAX_G / 1000), err);
	if ((r = wf_person(&a)) != 0 || (r = wf_begin(&a)) != 0 ||
	    (r = wf_load(&a)) != 0 || (r = wf_gate_live(&a)) != 0 ||
	    (r = wf_need_role(&a, ROLE_PACKER)) != 0 ||
	    (r = wf_gate_exception(&a)) != 0)
		goto out;
	if (a.state != WF_STATE_PICKED && a.state != WF_STATE_PACKED) {
		r = wf_refuse(&a, WF_R_WRONG_STATE, _("Order %s is %s: box and "
		    "weight are recorded while it is packed"), order_id,
		    wf_state_word(a.state));
		goto out;
	}
	if ((r = wf_stmt(&a, sql_packing_put, &q)) != 0)
		goto out;
	sqlite3_bind_text(q, 1, order_id, -1, SQLITE_STATIC);
	if (box != NULL)
		sqlite3_bind_text(q, 2, box, -1, SQLITE_STATIC);
	if (weight_g != -1)
		sqlite3_bind_int64(q, 3, weight_g);
	sqlite3_bind_text(q, 4, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, now);
	if ((r = wf_run(&a, q, _("recording box and weight"))) != 0)
		goto out;
	out->state = a.state;
	wf_done(&a, WF_R_RECORDED, _("Order %s: box and weight recorded"),
	    order_id);
out:
	return wf_finish(&a, wf_end(&a, r), err);
}

/* ---- the dispatch label ------------------------------------------------ */

/* Count one reprint; *locked when it went over the limit (nothing sent). */
static int
wf_reprint_rate(struct wf_act *a, bool *locked)
{
	sqlite3_stmt *q;
	int64_t n = 0, since = a->now - WORKFLOW_REPRINT_WINDOW;
	int r;

	*locked = false;
	if ((r = wf_stmt(a, sql_rate_prune, &q)) != 0)
		return r;
	sqlite3_bind_int(q, 1, WF_RATE_REPRINT);
	sqlite3_bind_int64(q, 2, since);
	if ((r = wf_run(a, q, _("counting reprints"))) != 0 ||
	    (r = wf_stmt(a, sql_rate_count, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->user, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, WF_RATE_REPRINT);
	sqlite3_bind_int64(q, 3, since);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	else
		r = store_error(a->s->store, a->e, _("counting reprints"));
	sqlite3_reset(q);
	if (r != 0)
		return r;
	if (n >= WORKFLOW_REPRINT_LIMIT) {
		if ((r = lockout_anomaly(a->s, a->user, n + 1, a->now,
		    a->e)) != 0)
			return r;
		*locked = true;	/* lockout_anomaly committed the lock */
	}
	return 0;
}

/* The checks before anything is printed (no transaction is open). */
static int
wf_print_gate(struct wf_act *a, int reprint)
{
	bool locked;
	int r;

	if (a->s->cfg->printer.uri == NULL)
		return wf_refuse(a, WF_R_NO_PRINTER,
		    _("Printing is not configured on this station"));
	if ((r = wf_person(a)) != 0 || (r = wf_load(a)) != 0 ||
	    (r = wf_gate_live(a)) != 0 ||
	    (r = wf_need_role(a, ROLE_DISPATCHER)) != 0 ||
	    (r = wf_gate_exception(a)) != 0)
		return r;
	if (a->state == WF_STATE_LABELLED && reprint == 0)
		return wf_refuse(a, WF_R_BAD_INPUT, _("Order %s is labelled "
		    "already: a reprint needs a reason"), a->order_id);
	if (a->state == WF_STATE_PACKED && reprint != 0)
		return wf_refuse(a, WF_R_BAD_INPUT, _("Order %s has no label "
		    "yet: print it first"), a->order_id);
	if (a->state != WF_STATE_PACKED && a->state != WF_STATE_LABELLED)
		return wf_refuse(a, WF_R_WRONG_STATE, _("Order %s is %s: only "
		    "a packed order gets a label"), a->order_id,
		    wf_state_word(a->state));
	if (reprint == 0)
		return 0;
	if (wf_code_find(WF_TABLE_REPRINT, reprint) == NULL)
		return wf_refuse(a, WF_R_BAD_INPUT,
		    _("Choose a reason for the reprint"));
	if ((r = wf_reprint_rate(a, &locked)) != 0)
		return r;
	if (locked)
		return wf_refuse(a, WF_R_RATE_LOCKED, _("Too many reprints "
		    "within an hour: your account is locked"));
	return 0;
}

/* Render the label in locked memory. Caller frees *out (secret_free). */
static int
wf_label_render(struct wf_act *a, struct secret **out)
{
	const struct fulfil_config *cfg = a->s->cfg;
	struct label_data d;
	struct order *o = NULL;
	char box[WORKFLOW_BOX_MAX + 1];
	int r;

	if ((r = orders_find(a->s->store, a->s->kek, a->order_id, &o,
	    a->e)) != 0)
		return r;
	label_data_from_order(&d, o, cfg->printer.sender);
	if ((r = wf_packing_read(a, box, sizeof box, &d.weight_g)) != 0)
		goto out;
	r = label_render(cfg->printer.language, cfg->printer.dpi, &d, out,
	    a->e);
out:
	secret_wipe(&d, sizeof d);
	order_free(o);
	return r;
}

/* What a successful print writes (inside the transaction). */
static int
wf_print_record(struct wf_act *a, int reprint, size_t bytes)
{
	sqlite3_stmt *q;
	int r;

	/* Old prints go with the retention sweep (retention.c). */
	if ((r = wf_stmt(a, sql_print_add, &q)) != 0)
		return r;
	sqlite3_bind_text(q, 1, a->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, a->now);
	sqlite3_bind_text(q, 3, a->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, a->s->cfg->printer.uri, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, (int64_t)bytes);
	sqlite3_bind_int(q, 6, reprint);
	if ((r = wf_run(a, q, _("recording a print"))) != 0 ||
	    (r = wf_audit(a, reprint != 0 ? AUDIT_LABEL_REPRINTED :
	    AUDIT_LABEL_PRINTED, ROLE_DISPATCHER, (int64_t)bytes, 0)) != 0)
		return r;
	if (reprint != 0) {
		if ((r = wf_stmt(a, sql_rate_add, &q)) != 0)
			return r;
		sqlite3_bind_text(q, 1, a->user, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, WF_RATE_REPRINT);
		sqlite3_bind_int64(q, 3, a->now);
		return wf_run(a, q, _("counting reprints"));
	}
	return wf_step_write(a, WF_STEP_LABEL, NULL);
}

int
workflow_print(struct station *s, const char *user, const char *order_id,
    int reprint, int64_t now, struct workflow_outcome *out,
    struct ferr *err)
{
	const struct fulfil_config *cfg = s->cfg;
	struct printer_opts po = { 0, 0, cfg->printer.host_status };
	struct secret *label = NULL;
	struct wf_act a;
	struct ferr e, pe = { 0 };
	unsigned status = 0;
	size_t sent = 0;
	int r;

	wf_act_init(&a, s, user, order_id, now, out, &e);
	/* Checked, rendered and sent outside a transaction: a slow printer
	 * must not hold the cache's write lock. */
	if ((r = wf_print_gate(&a, reprint)) != 0)
		return wf_finish(&a, r, err);
	if ((r = wf_label_render(&a, &label)) != 0)
		return wf_finish(&a, r, err);
	(void)printer_send(cfg->printer.uri, &po, label->data, label->len,
	    &sent, &status, &pe);
	out->count = (long)sent;
	secret_free(label);
	if ((r = wf_begin(&a)) != 0)
		return wf_finish(&a, r, err);
	if (pe.code != 0) {
		/* The refusal is kept only with its audit row. */
		if ((r = wf_audit(&a, AUDIT_PRINT_FAILED, ROLE_DISPATCHER,
		    (int64_t)sent, pe.code)) == 0) {
			a.keep = true;
			r = wf_refuse(&a, WF_R_PRINT_FAILED,
			    _("Not printed: %s"), pe.msg);
		}
		return wf_finish(&a, wf_end(&a, r), err);
	}
	/* Again inside: the order may have moved while it printed. */
	if ((r = wf_load(&a)) == 0 && (r = wf_gate_live(&a)) == 0 &&
	    a.state != (reprint == 0 ? WF_STATE_PACKED : WF_STATE_LABELLED))
		r = wf_refuse(&a, WF_R_WRONG_STATE, _("Order %s changed while "
		    "its label printed"), order_id);
	if (r == 0 && (r = wf_print_record(&a, reprint, sent)) == 0) {
		if (reprint != 0)
			wf_done(&a, WF_R_DONE, _("Order %s: label printed "
			    "again"), order_id);
		else
			wf_done(&a, WF_R_DONE, _("Order %s: label printed; "
			    "labelled"), order_id);
	}
	return wf_finish(&a, wf_end(&a, r), err);
}

/* ---- picker queue ------------------------------------------------------ */

int
workflow_queue(struct station *s, const char *user, int64_t now,
    struct workflow_queue_entry *out, size_t cap, size_t *n,
    struct ferr *err)
{
	struct workflow_outcome oc;
	struct workflow_queue_entry *q1;
	sqlite3_stmt *q;
	struct wf_act a;
	struct ferr e;
	const char *v;
	int rc, r;

	*n = 0;
	wf_act_init(&a, s, user, NULL, now, &oc, &e);
	a.dry = true;
	if ((r = wf_person(&a)) != 0)
		goto out;
	if (policy_check(s->store, user, ROLE_PICKER, now) != POLICY_ALLOW) {
		r = wf_refuse(&a, WF_R_ROLE,
		    _("Refused: this needs the %s role, which you do not hold "
		      "now"), policy_role_name(ROLE_PICKER));
		goto out;
	}
	if (cap == 0 || (r = wf_stmt(&a, sql_queue, &q)) != 0)
		goto out;
	sqlite3_bind_int64(q, 1, cap > INT64_MAX ? INT64_MAX : (int64_t)cap);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
		q1 = &out[*n];
		memset(q1, 0, sizeof *q1);
		v = (const char *)sqlite3_column_text(q, 0);
		snprintf(q1->id, sizeof q1->id, "%s", v != NULL ? v : "");
		v = (const char *)sqlite3_column_text(q, 1);
		snprintf(q1->ref, sizeof q1->ref, "%s", v != NULL ? v : "");
		if (!wf_id_ok(q1->id) || !wf_id_ok(q1->ref))
			continue;	/* orders never stores such rows */
		q1->ship_by = sqlite3_column_int64(q, 2);
		v = (const char *)sqlite3_column_text(q, 3);
		display_fit(v != NULL ? v : "",
		    (size_t)sqlite3_column_bytes(q, 3), WORKFLOW_SERVICE_COLS,
		    q1->service, sizeof q1->service, NULL);
		q1->item_count = sqlite3_column_int64(q, 4);
		(*n)++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_error(s->store, &e, _("reading the queue"));
	sqlite3_reset(q);
out:
	if (r != 0 && err != NULL)
		*err = e;
	return r;
}
