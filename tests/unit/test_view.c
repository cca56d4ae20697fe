/*
 * test_view: the role x field table and the order views built from it.
 *
 * The table is checked against the rules of issue 4 written out here
 * once more (not read back from the table). Views are built from orders
 * whose every value is unique synthetic text; for every role and
 * combination of roles, no value of a hidden or print-only field, and no
 * full value of a masked field, is anywhere in the view's locked buffer
 * or in what any accessor returns. Masks, multi-role union, the auditor,
 * the supervisor's reveal, hostile strings, the workflow slots and the
 * label preview are covered too. Only synthetic people.
 */
#include "config.h"	/* _GNU_SOURCE: memmem */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "display.h"
#include "ferr.h"
#include "orders.h"
#include "policy.h"
#include "secret.h"
#include "view.h"

#define PICK ROLE_BIT(ROLE_PICKER)
#define PACK ROLE_BIT(ROLE_PACKER)
#define DISP ROLE_BIT(ROLE_DISPATCHER)
#define SUP ROLE_BIT(ROLE_SUPERVISOR)
#define AUD ROLE_BIT(ROLE_AUDITOR)
#define ALL_ROLES (PICK | PACK | DISP | SUP | AUD)

#define SHIP_BY ((int64_t)1790000000)	/* 2026-09-21 14:13 UTC */

/* ---- a synthetic order ------------------------------------------------- */

/* Writable copies, so a test can overwrite the order after the view. */
struct fixture {
	char id[32], ref[32], status[16], service[32];
	char sku[2][32], ean[2][32], title[2][64], bin[2][32];
	char name[64], line1[64], line2[64], city[64], region[64];
	char postcode[32], country[8], phone[32], email[64], gift[128];
	struct order_item items[2];
	struct order o;
};

static void
fixture_init(struct fixture *f)
{
	size_t i;

	memset(f, 0, sizeof *f);
	strcpy(f->id, "ORD-QV-77031");
	strcpy(f->ref, "114-7770311-0000001");
	strcpy(f->status, "unshipped");
	strcpy(f->service, "Expedited");
	strcpy(f->sku[0], "SKU-QQ-881");
	strcpy(f->ean[0], "5099999000017");
	strcpy(f->title[0], "Quokka plush toy");
	strcpy(f->bin[0], "Z-99-01");
	strcpy(f->sku[1], "SKU-QQ-882");
	strcpy(f->ean[1], "5099999000024");
	strcpy(f->title[1], "Narwhal mug");
	strcpy(f->bin[1], "Z-99-02");
	strcpy(f->name, "Zebedee Quillfeather");
	strcpy(f->line1, "17 Xylophone Mews");
	strcpy(f->line2, "Flat 9q Wobblecourt");
	strcpy(f->city, "Vexhampton");
	strcpy(f->region, "Wyvernshire");
	strcpy(f->postcode, "QX7 4JW");
	strcpy(f->country, "GB");
	strcpy(f->phone, "+44 7700 900461");
	strcpy(f->email, "zebedee.q@example.invalid");
	strcpy(f->gift, "Happy birthday from Auntie Persimmon");
	for (i = 0; i < 2; i++) {
		f->items[i].sku = f->sku[i];
		f->items[i].ean = f->ean[i];
		f->items[i].title = f->title[i];
		f->items[i].bin = f->bin[i];
		f->items[i].qty = (long)i + 3;
	}
	f->o.id = f->id;
	f->o.ref = f->ref;
	f->o.status = f->status;
	f->o.service = f->service;
	f->o.ship_by = SHIP_BY;
	f->o.updated_at = SHIP_BY - 86400;
	f->o.nitems = 2;
	f->o.items = f->items;
	f->o.ship_to.name = f->name;
	f->o.ship_to.line1 = f->line1;
	f->o.ship_to.line2 = f->line2;
	f->o.ship_to.city = f->city;
	f->o.ship_to.region = f->region;
	f->o.ship_to.postcode = f->postcode;
	f->o.ship_to.country = f->country;
	f->o.ship_to.phone = f->phone;
	f->o.buyer_email = f->email;
	f->o.gift_message = f->gift;
}

/* The raw value of a field in the fixture, or NULL (numbers, flags). */
static const char *
fixture_value(const struct fixture *f, enum order_field fld, size_t item)
{
	switch (fld) {
	case FIELD_ID:
		return f->id;
	case FIELD_REF:
		return f->ref;
	case FIELD_SERVICE:
		return f->service;
	case FIELD_ITEM_SKU:
		return f->sku[item];
	case FIELD_ITEM_EAN:
		return f->ean[item];
	case FIELD_ITEM_TITLE:
		return f->title[item];
	case FIELD_ITEM_BIN:
		return f->bin[item];
	case FIELD_NAME:
		return f->name;
	case FIELD_LINE1:
		return f->line1;
	case FIELD_LINE2:
		return f->line2;
	case FIELD_CITY:
		return f->city;
	case FIELD_REGION:
		return f->region;
	case FIELD_POSTCODE:
		return f->postcode;
	case FIELD_PHONE:
		return f->phone;
	case FIELD_BUYER_EMAIL:
		return f->email;
	case FIELD_GIFT_MESSAGE:
		return f->gift;
	default:
		return NULL;
	}
}

/* Fragments that give a masked value away when found whole. */
static const char *const name_parts[] = { "Zebedee", "Quillfeather",
	"ebedee", "uillfeather" };
static const char *const postcode_parts[] = { "QX7 4JW", "4JW", "QX74JW" };

/* ---- the rules of issue 4, written out independently ------------------- */

#define H VIS_HIDDEN
#define P VIS_PRINT_ONLY
#define M VIS_MASKED
#define S VIS_SHOWN

static const struct {
	enum order_field f;
	enum field_vis pick, pack, disp, sup, aud, reveal;
} rules[] = {
	{ FIELD_ID, S, S, S, S, H, S },
	{ FIELD_REF, S, S, S, S, H, S },
	{ FIELD_STATUS, S, S, S, S, H, S },
	{ FIELD_STATE, S, S, S, S, H, S },
	{ FIELD_SHIP_BY, S, S, S, S, H, S },
	{ FIELD_SERVICE, S, S, S, S, H, S },
	{ FIELD_ITEM_COUNT, S, S, S, S, H, S },
	{ FIELD_ITEM_SKU, S, S, H, S, H, S },
	{ FIELD_ITEM_EAN, S, S, H, S, H, S },
	{ FIELD_ITEM_TITLE, S, S, H, S, H, S },
	{ FIELD_ITEM_QTY, S, S, H, S, H, S },
	{ FIELD_ITEM_BIN, S, S, H, S, H, S },
	{ FIELD_NAME, H, H, M, M, H, S },
	{ FIELD_LINE1, H, H, P, P, H, S },
	{ FIELD_LINE2, H, H, P, P, H, S },
	{ FIELD_CITY, H, H, P, P, H, S },
	{ FIELD_REGION, H, H, P, P, H, S },
	{ FIELD_POSTCODE, H, H, M, M, H, S },
	{ FIELD_COUNTRY, H, H, S, S, H, S },
	{ FIELD_PHONE, H, H, H, H, H, S },
	{ FIELD_BUYER_EMAIL, H, H, H, H, H, S },
	{ FIELD_GIFT, H, S, H, S, H, S },
	{ FIELD_GIFT_MESSAGE, H, H, H, H, H, S },
	{ FIELD_BOX, H, S, S, S, H, S },
	{ FIELD_WEIGHT, H, S, S, S, H, S },
	{ FIELD_TRACKING, H, H, S, S, H, S },
};

#undef H
#undef P
#undef M
#undef S

static enum field_vis
rule_for(size_t i, unsigned mask, bool revealed)
{
	enum field_vis v = VIS_HIDDEN;

	if ((mask & PICK) && rules[i].pick > v)
		v = rules[i].pick;
	if ((mask & PACK) && rules[i].pack > v)
		v = rules[i].pack;
	if ((mask & DISP) && rules[i].disp > v)
		v = rules[i].disp;
	if ((mask & SUP) && rules[i].sup > v)
		v = rules[i].sup;
	if ((mask & AUD) && rules[i].aud > v)
		v = rules[i].aud;
	if (revealed && (mask & SUP) && rules[i].reveal > v)
		v = rules[i].reveal;
	return v;
}

/* ---- the table --------------------------------------------------------- */

static void
test_table_shape(void **state)
{
	const struct policy_field *pf;
	enum order_field f;
	size_t i, j;

	(void)state;
	assert_int_equal(sizeof rules / sizeof rules[0], FIELD_COUNT);
	for (i = 0; i < FIELD_COUNT; i++) {
		assert_int_equal(rules[i].f, (enum order_field)i);
		assert_non_null(pf = policy_field_at(i));
		assert_int_equal(pf->field, (enum order_field)i);
		assert_ptr_equal(policy_field_get((enum order_field)i), pf);
		assert_int_equal(policy_field_parse(pf->name, &f), 0);
		assert_int_equal(f, pf->field);
		assert_non_null(pf->title);
		assert_non_null(pf->purpose);
		assert_true(strlen(pf->purpose) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(policy_field_at(j)->name,
			    pf->name);
		/* Item fields, and only they, are one per item line. */
		assert_int_equal(pf->item, strncmp(pf->name, "items.", 6) == 0);
	}
	assert_null(policy_field_at(FIELD_COUNT));
	assert_null(policy_field_get((enum order_field)FIELD_COUNT));
	assert_null(policy_field_get((enum order_field)-1));
	assert_int_equal(policy_field_parse("ship_to.shoe_size", &f),
	    FULFIL_EINVAL);
	assert_int_equal(policy_field_parse(NULL, &f), FULFIL_EINVAL);
	assert_int_equal(policy_field_parse("ship_to.name", &f), 0);
	assert_int_equal(f, FIELD_NAME);
	assert_string_equal(policy_vis_name(VIS_PRINT_ONLY), "print-only");
	assert_string_equal(policy_pii_name(FIELD_PII_YES), "yes");
	assert_string_equal(policy_store_name(FIELD_STORE_SEALED), "sealed");
	assert_string_equal(policy_dispose_name(FIELD_DISPOSE_SHRED),
	    "shredded");
}

static void
test_table_rules(void **state)
{
	const struct policy_field *pf;
	unsigned mask;
	size_t i;
	int rev;

	(void)state;
	/* Every mask of the five roles, with and without a reveal. */
	for (i = 0; i < FIELD_COUNT; i++) {
		for (mask = 0; mask <= ALL_ROLES; mask += 2) {
			for (rev = 0; rev < 2; rev++) {
				enum field_vis want = rule_for(i, mask, rev);
				enum field_vis got = policy_field_visibility(
				    rules[i].f, mask, rev);

				if (got != want)
					fail_msg("field %s mask %#x reveal %d: "
					    "%d, wanted %d",
					    policy_field_at(i)->name, mask, rev,
					    (int)got, (int)want);
			}
		}
	}
	for (i = 0; i < FIELD_COUNT; i++) {
		pf = policy_field_at(i);
		/* No PII on a picker's or a packer's screen, nor printed. */
		if (pf->pii == FIELD_PII_YES) {
			assert_int_equal(policy_field_visibility(pf->field,
			    PICK | PACK, false), VIS_HIDDEN);
			assert_int_equal(pf->stored, FIELD_STORE_SEALED);
			assert_int_equal(pf->disposed, FIELD_DISPOSE_SHRED);
		}
		/* Plain columns never hold PII. */
		if (pf->stored == FIELD_STORE_PLAIN)
			assert_int_equal(pf->pii, FIELD_PII_NO);
		/* Auditors see nothing, even with the reveal flag. */
		assert_int_equal(policy_field_visibility(pf->field, AUD, true),
		    VIS_HIDDEN);
		/* A reveal without the supervisor role adds nothing. */
		assert_int_equal(policy_field_visibility(pf->field,
		    ALL_ROLES & ~SUP, true), policy_field_visibility(pf->field,
		    ALL_ROLES & ~SUP, false));
		/* Unknown bits and no role: nothing. */
		assert_int_equal(policy_field_visibility(pf->field,
		    1u | 1u << 6 | 1u << 31, true), VIS_HIDDEN);
		assert_int_equal(policy_field_visibility(pf->field, 0, true),
		    VIS_HIDDEN);
		/* Print-only only where the label carries it. */
		if (policy_field_visibility(pf->field, ALL_ROLES, false) ==
		    VIS_PRINT_ONLY)
			assert_true(pf->label);
	}
	assert_int_equal(policy_field_visibility((enum order_field)FIELD_COUNT,
	    ALL_ROLES, true), VIS_HIDDEN);
	/* The dispatcher's label carries the address; the picker's nothing. */
	assert_true(policy_field_printable(FIELD_LINE1, DISP, false));
	assert_true(policy_field_printable(FIELD_NAME, DISP, false));
	assert_false(policy_field_printable(FIELD_PHONE, DISP, false));
	assert_false(policy_field_printable(FIELD_LINE1, PICK | PACK, false));
	assert_false(policy_field_printable(FIELD_BOX, SUP, true));
	assert_true(policy_may_reveal(SUP | PICK));
	assert_false(policy_may_reveal(ALL_ROLES & ~SUP));
	assert_false(policy_sees_orders(AUD));
	assert_false(policy_sees_orders(0));
	assert_true(policy_sees_orders(PICK));
	assert_true(policy_sees_orders(AUD | PACK));
}

/* The union of roles is, per field, the most permissive of them. */
static void
test_table_union(void **state)
{
	unsigned a, b;
	size_t i;
	enum field_vis va, vb, vu;

	(void)state;
	for (i = 0; i < FIELD_COUNT; i++)
		for (a = 0; a <= ALL_ROLES; a += 2)
			for (b = 0; b <= ALL_ROLES; b += 2) {
				va = policy_field_visibility(rules[i].f, a,
				    false);
				vb = policy_field_visibility(rules[i].f, b,
				    false);
				vu = policy_field_visibility(rules[i].f, a | b,
				    false);
				assert_int_equal(vu, va > vb ? va : vb);
			}
}

/* ---- views ------------------------------------------------------------- */

static bool
mem_has(const void *hay, size_t n, const char *needle)
{
	return needle != NULL && needle[0] != '\0' &&
	    memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* Every string the view hands out, joined (NUL-separated) for searching. */
struct outputs {
	char buf[16384];
	size_t len;
};

static void
outputs_add(struct outputs *o, const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s) + 1;
	assert_true(o->len + n <= sizeof o->buf);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* Also checks that every string is clean: no control, valid one line. */
static void
outputs_collect(const struct order_view *v, struct outputs *o)
{
	const char *s;
	size_t i, j;

	o->len = 0;
	for (i = 0; i < FIELD_COUNT + 2; i++) {
		s = view_text(v, (enum order_field)i);
		if (s != NULL) {
			assert_int_equal(display_sanitized_len(s, strlen(s)),
			    strlen(s));
			for (j = 0; s[j] != '\0'; j++)
				assert_true((unsigned char)s[j] >= 0x20 &&
				    s[j] != 0x7f);
		}
		outputs_add(o, s);
	}
	for (i = 0; i < view_nitems(v) + 1; i++)
		for (j = 0; j < FIELD_COUNT; j++)
			outputs_add(o, view_item_text(v, i,
			    (enum order_field)j));
	for (i = 0; i <= view_label_lines(v); i++)
		outputs_add(o, view_label_line(v, i));
}

/*
 * The heart of it: for a view of the fixture, every value the view's
 * roles may not see on screen is in neither its memory nor its outputs.
 */
static void
assert_view_keeps_secrets(const struct fixture *f, const struct order_view *v,
    unsigned mask, bool revealed)
{
	struct outputs *out = calloc(1, sizeof *out);
	const void *mem;
	const char *val;
	size_t memlen, i, k, it;
	enum field_vis want;

	assert_non_null(out);
	view_memory(v, &mem, &memlen);
	assert_non_null(mem);
	outputs_collect(v, out);
	for (i = 0; i < FIELD_COUNT; i++) {
		want = rule_for(i, mask, revealed);
		assert_int_equal(view_vis(v, rules[i].f), want);
		for (it = 0; it < 2; it++) {
			val = fixture_value(f, rules[i].f, it);
			if (val == NULL)
				continue;
			if (want == VIS_SHOWN) {
				if (!mem_has(out->buf, out->len, val))
					fail_msg("mask %#x: shown field %s "
					    "missing", mask,
					    policy_field_at(i)->name);
				continue;
			}
			if (mem_has(mem, memlen, val) ||
			    mem_has(out->buf, out->len, val))
				fail_msg("mask %#x reveal %d: the value of %s "
				    "is in the view", mask, (int)revealed,
				    policy_field_at(i)->name);
		}
	}
	/* Not even a whole word of a masked name or postcode. */
	if (rule_for(FIELD_NAME, mask, revealed) != VIS_SHOWN)
		for (k = 0; k < sizeof name_parts / sizeof name_parts[0]; k++)
			assert_false(mem_has(mem, memlen, name_parts[k]) ||
			    mem_has(out->buf, out->len, name_parts[k]));
	if (rule_for(FIELD_POSTCODE, mask, revealed) != VIS_SHOWN)
		for (k = 0; k < sizeof postcode_parts /
		    sizeof postcode_parts[0]; k++)
			assert_false(mem_has(mem, memlen, postcode_parts[k]) ||
			    mem_has(out->buf, out->len, postcode_parts[k]));
	free(out);
}

static void
test_every_role_mask(void **state)
{
	struct fixture f;
	struct order_view *v;
	struct ferr err;
	unsigned mask;
	int rev;

	(void)state;
	fixture_init(&f);
	for (mask = 0; mask <= ALL_ROLES; mask += 2) {
		for (rev = 0; rev < 2; rev++) {
			int r = view_new(&f.o, mask, rev, &v, &err);

			if ((mask & ~AUD) == 0 || (rev && !(mask & SUP))) {
				assert_int_equal(r, FULFIL_EPERM);
				assert_null(v);
				continue;
			}
			assert_int_equal(r, 0);
			assert_int_equal(view_roles(v), mask);
			assert_int_equal(view_revealed(v), rev);
			assert_view_keeps_secrets(&f, v, mask, rev);
			view_free(v);
		}
	}
}

static void
test_auditor_sees_nothing(void **state)
{
	struct fixture f;
	struct order_view *v;
	struct ferr err = { 0 };

	(void)state;
	fixture_init(&f);
	assert_int_equal(view_new(&f.o, AUD, false, &v, &err), FULFIL_EPERM);
	assert_null(v);
	assert_int_equal(err.code, FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "no order data"));
	assert_null(strstr(err.msg, f.id));
	assert_int_equal(view_new(&f.o, AUD, true, &v, &err), FULFIL_EPERM);
	assert_int_equal(view_new(&f.o, 0, false, &v, &err), FULFIL_EPERM);
	/* The accessors of no view give nothing. */
	assert_null(view_text(NULL, FIELD_ID));
	assert_int_equal(view_vis(NULL, FIELD_ID), VIS_HIDDEN);
	assert_int_equal(view_nitems(NULL), 0);
	assert_int_equal(view_gift(NULL), -1);
	view_free(NULL);
}

static void
test_picker(void **state)
{
	struct fixture f;
	struct order_view *v;

	(void)state;
	fixture_init(&f);
	assert_int_equal(view_new(&f.o, PICK, false, &v, NULL), 0);
	assert_string_equal(view_text(v, FIELD_ID), "ORD-QV-77031");
	assert_string_equal(view_text(v, FIELD_SERVICE), "Expedited");
	assert_string_equal(view_text(v, FIELD_SHIP_BY), "2026-09-21 14:13");
	assert_int_equal(view_ship_by(v), SHIP_BY);
	assert_string_equal(view_text(v, FIELD_ITEM_COUNT), "2");
	assert_int_equal(view_nitems(v), 2);
	assert_string_equal(view_item_text(v, 1, FIELD_ITEM_BIN), "Z-99-02");
	assert_string_equal(view_item_text(v, 0, FIELD_ITEM_TITLE),
	    "Quokka plush toy");
	assert_string_equal(view_item_text(v, 1, FIELD_ITEM_QTY), "4");
	assert_int_equal(view_item_qty(v, 0), 3);
	assert_null(view_item_text(v, 2, FIELD_ITEM_SKU));
	assert_null(view_item_text(v, 0, FIELD_NAME));
	assert_int_equal(view_item_qty(v, 2), -1);
	/* Nothing of the recipient, not even the gift flag. */
	assert_null(view_text(v, FIELD_NAME));
	assert_null(view_text(v, FIELD_POSTCODE));
	assert_null(view_text(v, FIELD_COUNTRY));
	assert_int_equal(view_gift(v), -1);
	assert_int_equal(view_label_lines(v), 0);
	assert_null(view_label_line(v, 0));
	/* Item fields are not order-level texts. */
	assert_null(view_text(v, FIELD_ITEM_SKU));
	assert_null(view_text(v, FIELD_GIFT));
	view_free(v);
}

static void
test_packer(void **state)
{
	struct fixture f;
	struct order_view *v;

	(void)state;
	fixture_init(&f);
	assert_int_equal(view_new(&f.o, PACK, false, &v, NULL), 0);
	assert_int_equal(view_gift(v), 1);
	assert_int_equal(view_vis(v, FIELD_GIFT_MESSAGE), VIS_HIDDEN);
	assert_null(view_text(v, FIELD_GIFT_MESSAGE));
	assert_int_equal(view_nitems(v), 2);
	view_free(v);
	/* No gift message: the flag says so. */
	f.o.gift_message = NULL;
	assert_int_equal(view_new(&f.o, PACK, false, &v, NULL), 0);
	assert_int_equal(view_gift(v), 0);
	view_free(v);
	f.gift[0] = '\0';
	f.o.gift_message = f.gift;
	assert_int_equal(view_new(&f.o, PACK, false, &v, NULL), 0);
	assert_int_equal(view_gift(v), 0);
	view_free(v);
}

static void
test_dispatcher(void **state)
{
	static const char *const want_label[] = {
		"Z. Q*****", VIEW_MASK, VIEW_MASK, VIEW_MASK, VIEW_MASK,
		"QX7 ***", "GB",
	};
	struct fixture f;
	struct order_view *v;
	size_t i;

	(void)state;
	fixture_init(&f);
	assert_int_equal(view_new(&f.o, DISP, false, &v, NULL), 0);
	assert_string_equal(view_text(v, FIELD_NAME), "Z. Q*****");
	assert_string_equal(view_text(v, FIELD_POSTCODE), "QX7 ***");
	assert_string_equal(view_text(v, FIELD_COUNTRY), "GB");
	assert_int_equal(view_vis(v, FIELD_LINE1), VIS_PRINT_ONLY);
	assert_null(view_text(v, FIELD_LINE1));
	assert_null(view_text(v, FIELD_CITY));
	assert_null(view_text(v, FIELD_PHONE));
	assert_int_equal(view_nitems(v), 0);
	assert_string_equal(view_text(v, FIELD_ITEM_COUNT), "2");
	assert_int_equal(view_label_lines(v), 7);
	for (i = 0; i < 7; i++)
		assert_string_equal(view_label_line(v, i), want_label[i]);
	assert_null(view_label_line(v, 7));
	view_free(v);
	/* Absent optional lines leave no line in the preview. */
	f.o.ship_to.line2 = NULL;
	f.region[0] = '\0';
	assert_int_equal(view_new(&f.o, DISP, false, &v, NULL), 0);
	assert_int_equal(view_label_lines(v), 5);
	assert_string_equal(view_label_line(v, 4), "GB");
	view_free(v);
}

static void
test_supervisor_reveal(void **state)
{
	struct fixture f;
	struct order_view *v;
	struct ferr err;

	(void)state;
	fixture_init(&f);
	assert_int_equal(view_new(&f.o, SUP, false, &v, NULL), 0);
	assert_string_equal(view_text(v, FIELD_NAME), "Z. Q*****");
	assert_null(view_text(v, FIELD_PHONE));
	assert_null(view_text(v, FIELD_GIFT_MESSAGE));
	assert_int_equal(view_nitems(v), 2);
	assert_int_equal(view_gift(v), 1);
	assert_false(view_revealed(v));
	view_free(v);

	assert_int_equal(view_new(&f.o, SUP, true, &v, NULL), 0);
	assert_true(view_revealed(v));
	assert_string_equal(view_text(v, FIELD_NAME), f.name);
	assert_string_equal(view_text(v, FIELD_LINE1), f.line1);
	assert_string_equal(view_text(v, FIELD_POSTCODE), f.postcode);
	assert_string_equal(view_text(v, FIELD_PHONE), f.phone);
	assert_string_equal(view_text(v, FIELD_BUYER_EMAIL), f.email);
	assert_string_equal(view_text(v, FIELD_GIFT_MESSAGE), f.gift);
	assert_int_equal(view_label_lines(v), 7);
	assert_string_equal(view_label_line(v, 1), f.line1);
	view_free(v);

	/* Only a supervisor reveals. */
	assert_int_equal(view_new(&f.o, DISP | PACK | PICK, true, &v, &err),
	    FULFIL_EPERM);
	assert_null(v);
	assert_null(strstr(err.msg, f.name));
}

static void
test_multi_role(void **state)
{
	struct fixture f;
	struct order_view *v;

	(void)state;
	fixture_init(&f);
	/* A picker who also dispatches: items and the masked recipient. */
	assert_int_equal(view_new(&f.o, PICK | DISP, false, &v, NULL), 0);
	assert_int_equal(view_nitems(v), 2);
	assert_string_equal(view_item_text(v, 0, FIELD_ITEM_SKU),
	    "SKU-QQ-881");
	assert_string_equal(view_text(v, FIELD_NAME), "Z. Q*****");
	assert_int_equal(view_vis(v, FIELD_LINE1), VIS_PRINT_ONLY);
	assert_int_equal(view_gift(v), -1);
	view_free(v);
	/* An auditor who also packs sees what a packer sees. */
	assert_int_equal(view_new(&f.o, AUD | PACK, false, &v, NULL), 0);
	assert_int_equal(view_gift(v), 1);
	assert_null(view_text(v, FIELD_NAME));
	view_free(v);
}

struct mask_case {
	const char *name, *postcode, *country;
	const char *want_name, *want_postcode;
};

static const struct mask_case mask_cases[] = {
	{ "John Doe", "SW1A 1AA", "GB", "J. D*****", "SW1A ***" },
	{ "John Ronald Reuel Tolkien", "SW1A1AA", "GB", "J. T*****",
	    "SW1A ***" },
	{ "Madonna", "M1 1AE", "GB", "M*****", "M1 ***" },
	{ "  Jane   Q   Public  ", "EC1A1BB", "GB", "J. P*****", "EC1A ***" },
	{ "Ann\xc2\xa0Lee", "W1A0AX", "GB", "A. L*****", "W1A ***" },
	{ "\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e", "100-0001",
	    "JP", "\xe5\xb1\xb1. \xe5\xa4\xaa*****", "100- ***" },
	{ "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e", "1000001", "JP",
	    "\xe5\xb1\xb1*****", "100 ***" },
	{ "E\xcc\x81mile Zola", "75001", "FR", "E\xcc\x81. Z*****", "75 ***" },
	{ "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf \xd8\xb9\xd9\x84\xd9\x8a",
	    "11511", "EG", "\xd9\x85. \xd8\xb9*****", "11 ***" },
	{ "\x1b[31mEvil\x1b[0m Name", "\x1b[2JAB1 2CD", "GB", "E. N*****",
	    "AB1 ***" },
	{ "\xe2\x80\xae" "eoD nhoJ", "K1A 0B1", "CA", "e. n*****",
	    "K1A ***" },
	{ "\x1b[0m", "1", "DE", "*****", "***" },
	{ "Bo\r\nLee", "10115", "DE", "B. L*****", "10 ***" },
	{ "Ana Lima", "94105-1234", "US", "A. L*****", "9410 ***" },
	{ "Ana Lima", " sw1a 1aa ", "GB", "A. L*****", "sw1a ***" },
	{ "Ana Lima", "1012 AB", "NL", "A. L*****", "1012 ***" },
	{ "Ana Lima", "SW1A1AA", "FR", "A. L*****", "SW1 ***" },
	{ "\xff\xfe Ana", "ABCDEFGHIJ K", "IE", "\xef\xbf\xbd. A*****",
	    "ABCD ***" },
};

static void
test_masks(void **state)
{
	struct fixture f;
	struct order_view *v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof mask_cases / sizeof mask_cases[0]; i++) {
		fixture_init(&f);
		f.o.ship_to.name = mask_cases[i].name;
		f.o.ship_to.postcode = mask_cases[i].postcode;
		f.o.ship_to.country = mask_cases[i].country;
		assert_int_equal(view_new(&f.o, DISP, false, &v, NULL), 0);
		if (strcmp(view_text(v, FIELD_NAME),
		    mask_cases[i].want_name) != 0 ||
		    strcmp(view_text(v, FIELD_POSTCODE),
		    mask_cases[i].want_postcode) != 0)
			fail_msg("mask case %zu: '%s' '%s'", i,
			    view_text(v, FIELD_NAME),
			    view_text(v, FIELD_POSTCODE));
		view_free(v);
	}
}

static void
test_hostile_strings(void **state)
{
	struct fixture f;
	struct order_view *v;
	struct outputs *out = calloc(1, sizeof *out);
	size_t i;

	(void)state;
	assert_non_null(out);
	fixture_init(&f);
	strcpy(f.title[0], "Mug\x1b]52;c;cm0gLXJmIH4=\x07 \xe2\x80\xae" "eulB");
	strcpy(f.bin[0], "A-01\r\n\x1b[2J\x1b[H");
	strcpy(f.sku[1], "SKU\xc2\x9b" "31m-9\xff");
	strcpy(f.service, "Std\x1b[5m\x7f\b");
	strcpy(f.name, "Evil\x1b[8m Person\xe2\x81\xa6");
	assert_int_equal(view_new(&f.o, SUP, true, &v, NULL), 0);
	assert_string_equal(view_item_text(v, 0, FIELD_ITEM_TITLE),
	    "Mug eulB");
	assert_string_equal(view_item_text(v, 0, FIELD_ITEM_BIN), "A-01 ");
	assert_string_equal(view_item_text(v, 1, FIELD_ITEM_SKU),
	    "SKU-9" DISPLAY_REPLACEMENT);
	assert_string_equal(view_text(v, FIELD_SERVICE), "Std");
	assert_string_equal(view_text(v, FIELD_NAME), "Evil Person");
	outputs_collect(v, out);	/* asserts every output is clean */
	for (i = 0; i < out->len; i++)
		assert_true(out->buf[i] == '\0' ||
		    (unsigned char)out->buf[i] >= 0x20);
	view_free(v);
	free(out);
}

/* The view copies: changing or wiping the order afterwards changes nothing. */
static void
test_no_pointer_into_the_order(void **state)
{
	struct fixture f;
	struct order_view *v;
	const void *mem;
	size_t n;

	(void)state;
	fixture_init(&f);
	assert_int_equal(view_new(&f.o, SUP | PICK, false, &v, NULL), 0);
	memset(f.id, 'X', sizeof f.id - 1);
	memset(f.title[0], 'Y', sizeof f.title[0] - 1);
	memset(f.name, 'W', sizeof f.name - 1);
	f.o.nitems = 0;
	assert_string_equal(view_text(v, FIELD_ID), "ORD-QV-77031");
	assert_string_equal(view_item_text(v, 0, FIELD_ITEM_TITLE),
	    "Quokka plush toy");
	assert_string_equal(view_text(v, FIELD_NAME), "Z. Q*****");
	assert_int_equal(view_nitems(v), 2);
	/* Every pointer the view hands out is inside its buffer. */
	view_memory(v, &mem, &n);
	assert_true(view_text(v, FIELD_ID) >= (const char *)mem &&
	    view_text(v, FIELD_ID) < (const char *)mem + n);
	assert_true(view_item_text(v, 1, FIELD_ITEM_BIN) >= (const char *)mem &&
	    view_item_text(v, 1, FIELD_ITEM_BIN) < (const char *)mem + n);
	assert_true((const char *)v >= (const char *)mem &&
	    (const char *)v < (const char *)mem + n);
	view_free(v);
}

static void
test_workflow_slots(void **state)
{
	struct fixture f;
	struct order_view *v;
	char longer[200];

	(void)state;
	fixture_init(&f);
	/* Picker: state shown, box/weight/tracking hidden (not stored). */
	assert_int_equal(view_new(&f.o, PICK, false, &v, NULL), 0);
	assert_null(view_text(v, FIELD_STATE));
	assert_int_equal(view_set_state(v, "picked"), 0);
	assert_string_equal(view_text(v, FIELD_STATE), "picked");
	assert_int_equal(view_set_box(v, "BOX-M"), 0);
	assert_null(view_text(v, FIELD_BOX));
	assert_int_equal(view_set_weight(v, 1250), 0);
	assert_null(view_text(v, FIELD_WEIGHT));
	assert_int_equal(view_set_tracking(v, "TRK-QQ-1"), 0);
	assert_null(view_text(v, FIELD_TRACKING));
	/* Verified counts: 0..qty on an existing line. */
	assert_int_equal(view_item_verified(v, 0), 0);
	assert_int_equal(view_set_verified(v, 0, 3), 0);
	assert_int_equal(view_item_verified(v, 0), 3);
	assert_int_equal(view_set_verified(v, 0, 4), FULFIL_EINVAL);
	assert_int_equal(view_set_verified(v, 0, -1), FULFIL_EINVAL);
	assert_int_equal(view_set_verified(v, 2, 0), FULFIL_EINVAL);
	assert_int_equal(view_item_verified(v, 2), -1);
	assert_int_equal(view_item_verified(v, 0), 3);
	view_free(v);

	/* Packer: box and weight; dispatcher: tracking too. */
	assert_int_equal(view_new(&f.o, PACK | DISP, false, &v, NULL), 0);
	assert_int_equal(view_set_box(v, "BOX-M\x1b[31m"), 0);
	assert_string_equal(view_text(v, FIELD_BOX), "BOX-M");
	assert_int_equal(view_set_weight(v, 1250), 0);
	assert_string_equal(view_text(v, FIELD_WEIGHT), "1.250 kg");
	assert_int_equal(view_set_weight(v, 7), 0);
	assert_string_equal(view_text(v, FIELD_WEIGHT), "0.007 kg");
	assert_int_equal(view_set_weight(v, -1), 0);
	assert_null(view_text(v, FIELD_WEIGHT));
	memset(longer, 'T', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	assert_int_equal(view_set_tracking(v, longer), 0);
	assert_int_equal(display_width(view_text(v, FIELD_TRACKING)),
	    VIEW_TRACKING_COLS);
	assert_int_equal(view_set_tracking(v, NULL), 0);
	assert_null(view_text(v, FIELD_TRACKING));
	view_free(v);

	/* A dispatcher holds no item lines: nothing to verify. */
	assert_int_equal(view_new(&f.o, DISP, false, &v, NULL), 0);
	assert_int_equal(view_set_verified(v, 0, 0), FULFIL_EINVAL);
	view_free(v);
	assert_int_equal(view_set_state(NULL, "x"), FULFIL_EINVAL);
	assert_int_equal(view_set_verified(NULL, 0, 0), FULFIL_EINVAL);
}

/* An order at the limits: 500 lines of long titles, past the pool's cap. */
static void
test_big_order(void **state)
{
	struct order_item *items;
	struct fixture f;
	struct order_view *v;
	char (*titles)[ORDER_TEXT_MAX + 1];
	size_t i;

	(void)state;
	fixture_init(&f);
	assert_non_null(items = calloc(ORDER_ITEMS_MAX, sizeof *items));
	assert_non_null(titles = calloc(ORDER_ITEMS_MAX, sizeof *titles));
	for (i = 0; i < ORDER_ITEMS_MAX; i++) {
		memset(titles[i], 'x', ORDER_TEXT_MAX);
		(void)snprintf(titles[i], 16, "title-%03zu", i);
		titles[i][strlen(titles[i])] = '-';
		items[i] = f.items[0];
		items[i].title = titles[i];
	}
	f.o.items = items;
	f.o.nitems = ORDER_ITEMS_MAX;
	assert_int_equal(view_new(&f.o, PICK, false, &v, NULL), 0);
	assert_int_equal(view_nitems(v), ORDER_ITEMS_MAX);
	for (i = 0; i < ORDER_ITEMS_MAX; i++) {
		assert_string_equal(view_item_text(v, i, FIELD_ITEM_TITLE),
		    titles[i]);
		assert_int_equal(view_set_verified(v, i, 1), 0);
	}
	view_free(v);
	free(titles);
	free(items);
	assert_int_equal(view_new(NULL, PICK, false, &v, NULL),
	    FULFIL_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_table_rules),
		cmocka_unit_test(test_table_union),
		cmocka_unit_test(test_every_role_mask),
		cmocka_unit_test(test_auditor_sees_nothing),
		cmocka_unit_test(test_picker),
		cmocka_unit_test(test_packer),
		cmocka_unit_test(test_dispatcher),
		cmocka_unit_test(test_supervisor_reveal),
		cmocka_unit_test(test_multi_role),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_no_pointer_into_the_order),
		cmocka_unit_test(test_workflow_slots),
		cmocka_unit_test(test_big_order),
	};

	tu_init();
	(void)setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
