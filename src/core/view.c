/*
 * view: builds struct order_view, the only form in which the terminal
 * sees an order.
 *
 * Owns the layout of a view (one locked buffer: the header, the item
 * lines and every string), the masks of the recipient's name and
 * postcode, and the workflow slots (state, box, weight, tracking,
 * verified counts) the workflow fills in place.
 *
 * Must never: hold a field the role x field table hides for the view's
 * roles (nor a print-only one), hold an unmasked value of a masked field
 * (the full value exists only in scratch secret memory while the mask is
 * made, and is wiped with it), keep a pointer into the struct order it
 * was built from, put a value into a message, or decide visibility on its
 * own: policy_field_visibility() is the only source.
 */
#include "config.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "display.h"
#include "ferr.h"
#include "i18n.h"
#include "orders.h"
#include "policy.h"
#include "secret.h"
#include "station.h"
#include "view.h"

#define VIEW_NUM_MAX 24		/* a long as text */
#define VIEW_TIME_MAX 32	/* "YYYY-MM-DD HH:MM" */
#define VIEW_MASK_OUT_MAX 128	/* a masked name or postcode, bytes */
#define VIEW_DISTRICT_MAX 4	/* characters of a postcode district */
/* Bytes of n columns of sanitised text at most: 4 per character. */
#define VIEW_SLOT(cols) ((cols) * 4 + 1)

/* The item fields, in the order of struct view_item's text[]. */
static const enum order_field view_item_fields[] = {
	FIELD_ITEM_SKU, FIELD_ITEM_EAN, FIELD_ITEM_TITLE, FIELD_ITEM_BIN,
	FIELD_ITEM_QTY,
};
#define VIEW_ITEM_FIELDS \
	(sizeof view_item_fields / sizeof view_item_fields[0])

/* The recipient block of the label, in print order. */
static const enum order_field view_label_fields[] = {
	FIELD_NAME, FIELD_LINE1, FIELD_LINE2, FIELD_CITY, FIELD_REGION,
	FIELD_POSTCODE, FIELD_COUNTRY,
};

_Static_assert(sizeof view_label_fields / sizeof view_label_fields[0] <=
    VIEW_LABEL_LINES_MAX, "label preview lines");

struct view_item {
	const char *text[VIEW_ITEM_FIELDS];
	long qty;		/* -1: hidden */
	long verified;
};

/* Lives at the start of its own locked buffer, with everything else. */
struct order_view {
	struct secret *sec;	/* the buffer this struct is in */
	unsigned roles;
	bool revealed;
	unsigned char vis[FIELD_COUNT];
	const char *text[FIELD_COUNT];
	int64_t ship_by;
	int gift;
	size_t nitems;
	struct view_item *items;
	size_t nlabel;
	const char *label[VIEW_LABEL_LINES_MAX];
	char ship_by_text[VIEW_TIME_MAX];
	char count_text[VIEW_NUM_MAX];
	char state[VIEW_SLOT(VIEW_STATE_COLS)];
	char box[VIEW_SLOT(VIEW_BOX_COLS)];
	char weight[VIEW_NUM_MAX + 8];
	char tracking[VIEW_SLOT(VIEW_TRACKING_COLS)];
};

/*
 * The builder runs twice: once to count the bytes (base NULL), once to
 * write them into the buffer of exactly that size.
 */
struct view_build {
	unsigned char *base;	/* NULL: only count */
	size_t off, cap;
	bool overflow;		/* pass 2 needed more than counted */
	const struct order *o;
	char *in;		/* scratch (locked): the value to mask */
	size_t incap;
	char *out;		/* scratch (locked): its mask */
};

static void *
view_alloc(struct view_build *b, size_t n, size_t align)
{
	void *p;

	b->off = (b->off + align - 1) / align * align;
	if (b->base == NULL) {
		b->off += n;
		return NULL;
	}
	if (n > b->cap || b->off > b->cap - n) {
		b->overflow = true;
		return NULL;
	}
	p = b->base + b->off;
	b->off += n;
	return p;
}

static const char *
view_copy(struct view_build *b, const char *s, size_t n)
{
	char *p;

	if ((p = view_alloc(b, n + 1, 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* The sanitised copy of s; NULL for an absent (NULL or empty) value. */
static const char *
view_sanitized(struct view_build *b, const char *s)
{
	size_t len, n;
	char *p;

	if (s == NULL || s[0] == '\0')
		return NULL;
	len = strlen(s);
	n = display_sanitized_len(s, len);
	if ((p = view_alloc(b, n + 1, 1)) == NULL)
		return NULL;
	(void)display_sanitize(s, len, p, n + 1, NULL);
	return p;
}

/* ---- masks ------------------------------------------------------------- */

/* Bytes of a word separator at s (space, NBSP, ideographic space). */
static size_t
view_sep_len(const char *s, size_t len)
{
	if (len >= 1 && s[0] == ' ')
		return 1;
	if (len >= 2 && memcmp(s, "\xc2\xa0", 2) == 0)
		return 2;
	if (len >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

/* Append n bytes to out (cap bytes, NUL kept); false when full. */
static bool
view_put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > cap)
		return false;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return true;
}

/*
 * "John Ronald Doe" -> "J. D*****", "Madonna" -> "M*****", "" ->
 * "*****": the first character of the first and of the last word.
 */
static size_t
view_mask_name(const char *s, size_t len, char *out, size_t cap)
{
	size_t i = 0, k, first = 0, last = 0, nwords = 0, n = 0;
	bool in_word = false;

	while (i < len) {
		if ((k = view_sep_len(s + i, len - i)) > 0) {
			i += k;
			in_word = false;
			continue;
		}
		if (!in_word) {
			if (nwords++ == 0)
				first = i;
			last = i;
			in_word = true;
		}
		i += display_char_len(s + i, len - i);
	}
	out[0] = '\0';
	if (nwords > 0)
		(void)view_put(out, cap, &n, s + first,
		    display_char_len(s + first, len - first));
	if (nwords > 1) {
		(void)view_put(out, cap, &n, ". ", 2);
		(void)view_put(out, cap, &n, s + last,
		    display_char_len(s + last, len - last));
	}
	(void)view_put(out, cap, &n, VIEW_MASK, strlen(VIEW_MASK));
	return n;
}

/* Countries whose postcodes are GB-style (outward + 3-character inward). */
static bool
view_gb_style(const char *country)
{
	static const char *const cc[] = { "GB", "GG", "JE", "IM" };
	size_t i;

	if (country == NULL)
		return false;
	for (i = 0; i < sizeof cc / sizeof cc[0]; i++)
		if (strcmp(country, cc[i]) == 0)
			return true;
	return false;
}

static bool
view_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
view_is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* "SW1A 1AA" -> "SW1A ***"; see view.h for the rule. */
static size_t
view_mask_postcode(const char *s, size_t len, const char *country,
    char *out, size_t cap)
{
	size_t i, k, end, nchars = 0, keep, n = 0;
	bool space = false;

	while (len > 0 && (k = view_sep_len(s, len)) > 0) {
		s += k;
		len -= k;
	}
	while (len > 0 && s[len - 1] == ' ')
		len--;
	for (i = 0; i < len; i += k) {
		if (view_sep_len(s + i, len - i) > 0)
			space = true;
		k = display_char_len(s + i, len - i);
		nchars++;
	}
	if (space) {
		keep = SIZE_MAX;	/* up to the first separator */
	} else if (view_gb_style(country) && len == nchars && len >= 5 &&
	    view_is_digit(s[len - 3]) && view_is_alpha(s[len - 2]) &&
	    view_is_alpha(s[len - 1])) {
		keep = len - 3;
	} else {
		keep = nchars / 2;
	}
	if (keep > VIEW_DISTRICT_MAX)
		keep = VIEW_DISTRICT_MAX;
	for (end = 0; end < len && keep > 0; keep--) {
		if (view_sep_len(s + end, len - end) > 0)
			break;
		end += display_char_len(s + end, len - end);
	}
	out[0] = '\0';
	(void)view_put(out, cap, &n, s, end);
	if (n > 0)
		(void)view_put(out, cap, &n, " ", 1);
	(void)view_put(out, cap, &n, "***", 3);
	return n;
}

static const char *
view_masked(struct view_build *b, enum order_field f, const char *s)
{
	struct display_out d;
	size_t n;

	if (f != FIELD_NAME && f != FIELD_POSTCODE)
		return VIEW_MASK;	/* no mask of its own: nothing of it */
	(void)display_sanitize(s, strlen(s), b->in, b->incap, &d);
	if (f == FIELD_NAME)
		n = view_mask_name(b->in, d.len, b->out, VIEW_MASK_OUT_MAX);
	else
		n = view_mask_postcode(b->in, d.len, b->o->ship_to.country,
		    b->out, VIEW_MASK_OUT_MAX);
	return view_copy(b, b->out, n);
}

/* ---- building ---------------------------------------------------------- */

/* Field f's value as the view holds it (vis says how). */
static const char *
view_field(struct view_build *b, enum field_vis vis, enum order_field f,
    const char *raw)
{
	if (raw == NULL || raw[0] == '\0')
		return NULL;
	switch (vis) {
	case VIS_SHOWN:
		return view_sanitized(b, raw);
	case VIS_MASKED:
		return view_masked(b, f, raw);
	case VIS_PRINT_ONLY:
	case VIS_HIDDEN:
		break;
	}
	return NULL;
}

static bool
view_on_screen(enum field_vis v)
{
	return v == VIS_SHOWN || v == VIS_MASKED;
}

static const char *
view_order_raw(const struct order *o, enum order_field f)
{
	switch (f) {
	case FIELD_ID:
		return o->id;
	case FIELD_REF:
		return o->ref;
	case FIELD_STATUS:
		return o->status;
	case FIELD_SERVICE:
		return o->service;
	case FIELD_NAME:
		return o->ship_to.name;
	case FIELD_LINE1:
		return o->ship_to.line1;
	case FIELD_LINE2:
		return o->ship_to.line2;
	case FIELD_CITY:
		return o->ship_to.city;
	case FIELD_REGION:
		return o->ship_to.region;
	case FIELD_POSTCODE:
		return o->ship_to.postcode;
	case FIELD_COUNTRY:
		return o->ship_to.country;
	case FIELD_PHONE:
		return o->ship_to.phone;
	case FIELD_BUYER_EMAIL:
		return o->buyer_email;
	case FIELD_GIFT_MESSAGE:
		return o->gift_message;
	default:
		return NULL;	/* not a text of struct order */
	}
}

static const char *
view_item_raw(const struct order_item *it, enum order_field f)
{
	switch (f) {
	case FIELD_ITEM_SKU:
		return it->sku;
	case FIELD_ITEM_EAN:
		return it->ean;
	case FIELD_ITEM_TITLE:
		return it->title;
	case FIELD_ITEM_BIN:
		return it->bin;
	default:
		return NULL;
	}
}

static void
view_fill_items(struct view_build *b, struct order_view *v)
{
	const struct order *o = b->o;
	struct view_item *items;
	char num[VIEW_NUM_MAX];
	const char *t;
	size_t i, j;
	bool any = false;

	for (j = 0; j < VIEW_ITEM_FIELDS; j++)
		any = any || view_on_screen(v->vis[view_item_fields[j]]);
	v->nitems = 0;
	v->items = NULL;
	if (!any || o->nitems == 0 || o->items == NULL)
		return;
	items = view_alloc(b, o->nitems * sizeof *items,
	    alignof(struct view_item));
	for (i = 0; i < o->nitems; i++) {
		for (j = 0; j < VIEW_ITEM_FIELDS; j++) {
			enum order_field f = view_item_fields[j];

			if (f == FIELD_ITEM_QTY) {
				(void)snprintf(num, sizeof num, "%ld",
				    o->items[i].qty);
				t = view_field(b, v->vis[f], f, num);
			} else {
				t = view_field(b, v->vis[f], f,
				    view_item_raw(&o->items[i], f));
			}
			if (items != NULL)
				items[i].text[j] = t;
		}
		if (items != NULL) {
			items[i].qty = view_on_screen(v->vis[FIELD_ITEM_QTY]) ?
			    o->items[i].qty : -1;
			items[i].verified = 0;
		}
	}
	v->items = items;
	v->nitems = o->nitems;
}

static void
view_fill_label(struct order_view *v, const struct order *o)
{
	const struct policy_field *pf;
	const char *raw;
	size_t i;

	v->nlabel = 0;
	for (i = 0; i < sizeof view_label_fields / sizeof view_label_fields[0];
	    i++) {
		enum order_field f = view_label_fields[i];

		pf = policy_field_get(f);
		raw = view_order_raw(o, f);
		if (pf == NULL || !pf->label || raw == NULL || raw[0] == '\0' ||
		    v->vis[f] == VIS_HIDDEN)
			continue;
		if (v->vis[f] == VIS_PRINT_ONLY)
			v->label[v->nlabel++] = VIEW_MASK;
		else if (v->text[f] != NULL)
			v->label[v->nlabel++] = v->text[f];
	}
}

static void
view_fill(struct view_build *b, struct order_view *v, unsigned roles,
    bool revealed)
{
	const struct order *o = b->o;
	struct tm tm;
	time_t t;
	size_t i;

	v->roles = roles;
	v->revealed = revealed;
	for (i = 0; i < FIELD_COUNT; i++)
		v->vis[i] = (unsigned char)policy_field_visibility(
		    (enum order_field)i, roles, revealed);
	for (i = 0; i < FIELD_COUNT; i++) {
		enum order_field f = (enum order_field)i;

		v->text[i] = view_field(b, (enum field_vis)v->vis[i], f,
		    view_order_raw(o, f));
	}
	v->ship_by = 0;
	if (view_on_screen(v->vis[FIELD_SHIP_BY]) && o->ship_by != 0) {
		v->ship_by = o->ship_by;
		t = (time_t)o->ship_by;
		if (localtime_r(&t, &tm) != NULL &&
		    strftime(v->ship_by_text, sizeof v->ship_by_text,
		    "%Y-%m-%d %H:%M", &tm) > 0)
			v->text[FIELD_SHIP_BY] = v->ship_by_text;
	}
	if (view_on_screen(v->vis[FIELD_ITEM_COUNT])) {
		(void)snprintf(v->count_text, sizeof v->count_text, "%zu",
		    o->nitems);
		v->text[FIELD_ITEM_COUNT] = v->count_text;
	}
	v->gift = -1;
	if (view_on_screen(v->vis[FIELD_GIFT]))
		v->gift = o->gift_message != NULL && o->gift_message[0] != '\0';
	view_fill_items(b, v);
	view_fill_label(v, o);
}

/* Scratch for masking: a sanitised name or postcode, then its mask. */
static struct secret *
view_scratch_new(const struct order *o, size_t *incap)
{
	const char *s[] = { o->ship_to.name, o->ship_to.postcode };
	size_t i, n = 0, m;
	struct secret *sec;

	for (i = 0; i < sizeof s / sizeof s[0]; i++) {
		m = s[i] != NULL ? display_sanitized_len(s[i], strlen(s[i])) :
		    0;
		if (m > n)
			n = m;
	}
	*incap = n + 1;
	if ((sec = secret_pool_get(*incap + VIEW_MASK_OUT_MAX)) == NULL)
		return NULL;
	return sec;
}

int
view_new(const struct order *o, unsigned role_mask, bool revealed,
    struct order_view **out, struct ferr *err)
{
	struct order_view counted, *v = NULL;
	struct view_build b;
	struct secret *scratch = NULL, *sec = NULL;
	size_t lead;
	int r = 0;

	*out = NULL;
	if (o == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("no order to show"));
	if (!policy_sees_orders(role_mask))
		return ferr_set(err, FULFIL_EPERM, _("these roles see no "
		    "order data"));
	if (revealed && !policy_may_reveal(role_mask))
		return ferr_set(err, FULFIL_EPERM, _("only a supervisor may "
		    "reveal an order's customer data"));

	memset(&b, 0, sizeof b);
	b.o = o;
	if ((scratch = view_scratch_new(o, &b.incap)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	b.in = (char *)scratch->data;
	b.out = b.in + b.incap;

	/* Pass 1: count. The header's fields go to a throwaway copy. */
	memset(&counted, 0, sizeof counted);
	b.off = sizeof(struct order_view);
	view_fill(&b, &counted, role_mask, revealed);
	secret_wipe(&counted, sizeof counted);

	/* Pass 2: write into one buffer, the header at its aligned start. */
	if ((sec = secret_pool_get(b.off + alignof(max_align_t))) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	lead = (alignof(max_align_t) - (uintptr_t)sec->data %
	    alignof(max_align_t)) % alignof(max_align_t);
	b.base = sec->data + lead;
	b.cap = sec->cap - lead;
	b.off = sizeof(struct order_view);
	v = (struct order_view *)(void *)b.base;
	memset(v, 0, sizeof *v);
	v->sec = sec;
	view_fill(&b, v, role_mask, revealed);
	if (b.overflow) {
		r = ferr_set(err, FULFIL_ESTATE, _("order view: the layout "
		    "did not fit its buffer"));
		goto out;
	}
	sec->len = lead + b.off;
	*out = v;
	v = NULL;
	sec = NULL;
out:
	secret_pool_put(scratch);
	secret_pool_put(sec);
	return r;
}

void
view_free(struct order_view *v)
{
	if (v != NULL)
		secret_pool_put(v->sec);	/* wipes every byte, v too */
}

/* ---- access ------------------------------------------------------------ */

unsigned
view_roles(const struct order_view *v)
{
	return v != NULL ? v->roles : 0;
}

bool
view_revealed(const struct order_view *v)
{
	return v != NULL && v->revealed;
}

enum field_vis
view_vis(const struct order_view *v, enum order_field f)
{
	if (v == NULL || (size_t)f >= FIELD_COUNT)
		return VIS_HIDDEN;
	return (enum field_vis)v->vis[f];
}

/* Index of an item field in struct view_item's text[]; -1: not one. */
static int
view_item_slot(enum order_field f)
{
	size_t j;

	for (j = 0; j < VIEW_ITEM_FIELDS; j++)
		if (view_item_fields[j] == f)
			return (int)j;
	return -1;
}

const char *
view_text(const struct order_view *v, enum order_field f)
{
	if (v == NULL || (size_t)f >= FIELD_COUNT || f == FIELD_GIFT ||
	    view_item_slot(f) >= 0)
		return NULL;
	return v->text[f];
}

int64_t
view_ship_by(const struct order_view *v)
{
	return v != NULL ? v->ship_by : 0;
}

int
view_gift(const struct order_view *v)
{
	return v != NULL ? v->gift : -1;
}

size_t
view_nitems(const struct order_view *v)
{
	return v != NULL ? v->nitems : 0;
}

const char *
view_item_text(const struct order_view *v, size_t i, enum order_field f)
{
	int j = view_item_slot(f);

	if (v == NULL || i >= v->nitems || j < 0)
		return NULL;
	return v->items[i].text[j];
}

long
view_item_qty(const struct order_view *v, size_t i)
{
	if (v == NULL || i >= v->nitems)
		return -1;
	return v->items[i].qty;
}

int
view_set_verified(struct order_view *v, size_t i, long n)
{
	long max;

	if (v == NULL || i >= v->nitems || n < 0)
		return FULFIL_EINVAL;
	max = v->items[i].qty >= 0 ? v->items[i].qty : ORDER_QTY_MAX;
	if (n > max)
		return FULFIL_EINVAL;
	v->items[i].verified = n;
	return 0;
}

long
view_item_verified(const struct order_view *v, size_t i)
{
	if (v == NULL || i >= v->nitems)
		return -1;
	return v->items[i].verified;
}

/* A workflow text into its slot, if the view shows field f. */
static int
view_set_slot(struct order_view *v, enum order_field f, const char *s,
    char *slot, size_t cap, size_t cols)
{
	secret_wipe(slot, cap);
	v->text[f] = NULL;
	if (s == NULL || s[0] == '\0' || !view_on_screen(v->vis[f]))
		return 0;
	if (v->vis[f] == VIS_MASKED) {
		v->text[f] = VIEW_MASK;
		return 0;
	}
	(void)display_fit(s, strlen(s), cols, slot, cap, NULL);
	v->text[f] = slot;
	return 0;
}

int
view_set_state(struct order_view *v, const char *state)
{
	if (v == NULL)
		return FULFIL_EINVAL;
	return view_set_slot(v, FIELD_STATE, state, v->state, sizeof v->state,
	    VIEW_STATE_COLS);
}

int
view_set_box(struct order_view *v, const char *box)
{
	if (v == NULL)
		return FULFIL_EINVAL;
	return view_set_slot(v, FIELD_BOX, box, v->box, sizeof v->box,
	    VIEW_BOX_COLS);
}

int
view_set_tracking(struct order_view *v, const char *tracking)
{
	if (v == NULL)
		return FULFIL_EINVAL;
	return view_set_slot(v, FIELD_TRACKING, tracking, v->tracking,
	    sizeof v->tracking, VIEW_TRACKING_COLS);
}

int
view_set_weight(struct order_view *v, long grams)
{
	char num[sizeof v->weight];

	if (v == NULL)
		return FULFIL_EINVAL;
	if (grams < 0)
		return view_set_slot(v, FIELD_WEIGHT, NULL, v->weight,
		    sizeof v->weight, sizeof v->weight);
	(void)snprintf(num, sizeof num, "%ld.%03ld kg", grams / 1000,
	    grams % 1000);
	return view_set_slot(v, FIELD_WEIGHT, num, v->weight,
	    sizeof v->weight, sizeof v->weight);
}

size_t
view_label_lines(const struct order_view *v)
{
	return v != NULL ? v->nlabel : 0;
}

const char *
view_label_line(const struct order_view *v, size_t i)
{
	if (v == NULL || i >= v->nlabel)
		return NULL;
	return v->label[i];
}

void
view_memory(const struct order_view *v, const void **p, size_t *n)
{
	*p = v != NULL ? v->sec->data : NULL;
	*n = v != NULL ? v->sec->cap : 0;
}

int
view_open(struct station *s, const char *id_or_ref, unsigned role_mask,
    bool revealed, struct order_view **out, struct ferr *err)
{
	struct order *o = NULL;
	int r;

	*out = NULL;
	if (s == NULL || id_or_ref == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("no order given"));
	if ((r = orders_find(s->store, s->kek, id_or_ref, &o, err)) != 0)
		return r;
	r = view_new(o, role_mask, revealed, out, err);
	order_free(o);
	return r;
}
