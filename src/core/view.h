/*
 * view: what the terminal may show of one order (struct order_view),
 * built by core for the roles of the person at the screen.
 *
 * A view holds only the fields the role x field table (policy.h) lets
 * those roles see, each sanitised for display (display.h) and masked
 * where the table says masked:
 *   ship_to.name      initials: "J. D*****" (first and last word; one
 *                     word "M*****"; any script: the first character of
 *                     the word with its marks);
 *   ship_to.postcode  its district and " ***": the part before the first
 *                     space ("SW1A 1AA" -> "SW1A ***"), else for GB-style
 *                     codes without a space all but the inward three
 *                     ("SW1A1AA" -> "SW1A ***"), else the first half; at
 *                     most 4 characters.
 * Print-only and hidden fields are not in the view at all: the label is
 * rendered by core from the order, not from a view. Everything a view
 * holds (the header included) lives in ONE locked buffer wiped by
 * view_free(); nothing in it points back to the struct order it was
 * built from. Strings are NUL-terminated UTF-8 of one line, to be fitted
 * to the screen with display_cut().
 */
#ifndef FULFIL_VIEW_H
#define FULFIL_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferr.h"
#include "policy.h"

struct order;
struct order_view;
struct station;

/* What a masked value ends in, and what stands for a print-only line. */
#define VIEW_MASK "*****"

/* Longest workflow texts kept (columns; longer ones end in the ellipsis). */
#define VIEW_STATE_COLS 16
#define VIEW_BOX_COLS 32
#define VIEW_TRACKING_COLS 64

/* Lines of the label preview at most (name, 2 lines, city, region, ...). */
#define VIEW_LABEL_LINES_MAX 7

/*
 * Build the view of o for a person holding role_mask (ROLE_BIT()s) and
 * revealed (a supervisor's reveal of this one order, already checked and
 * audited by the caller). Caller frees with view_free().
 * FULFIL_EPERM when role_mask sees no order field (an auditor alone, or
 * no role), or when revealed is set without ROLE_SUPERVISOR in the mask;
 * FULFIL_EINVAL for a NULL order; FULFIL_ENOMEM.
 */
int view_new(const struct order *o, unsigned role_mask, bool revealed,
    struct order_view **out, struct ferr *err);

/*
 * Find the order id_or_ref in the station's cache (orders_find), build
 * its view for role_mask (view_new) and free the order: the terminal's
 * only way to an order, so it never holds a struct order. Errors as
 * orders_find and view_new.
 */
int view_open(struct station *s, const char *id_or_ref, unsigned role_mask,
    bool revealed, struct order_view **out, struct ferr *err);

/* Wipe and free; NULL is fine. Every pointer from the view dies with it. */
void view_free(struct order_view *v);

unsigned view_roles(const struct order_view *v);
bool view_revealed(const struct order_view *v);

/* How this view shows field f (policy_field_visibility of its roles). */
enum field_vis view_vis(const struct order_view *v, enum order_field f);

/*
 * The text of an order-level field as the screen shows it: sanitised,
 * masked when masked. NULL when the field is hidden or print-only, when
 * the order has no value (line2, region, phone, ... may be absent; state,
 * box, weight and tracking until set), and for item fields and
 * FIELD_GIFT (see view_gift). FIELD_SHIP_BY is local time
 * "YYYY-MM-DD HH:MM", FIELD_ITEM_COUNT the number of item lines,
 * FIELD_WEIGHT "1.250 kg".
 */
const char *view_text(const struct order_view *v, enum order_field f);

/* Ship-by as unix seconds (for sorting); 0 when hidden or none. */
int64_t view_ship_by(const struct order_view *v);

/* 1: the order carries a gift message, 0: it does not, -1: hidden. */
int view_gift(const struct order_view *v);

/* Item lines the view holds: the order's, or 0 when no item field shows. */
size_t view_nitems(const struct order_view *v);

/*
 * Item i's FIELD_ITEM_SKU, _EAN, _TITLE, _BIN or _QTY (as text) as the
 * screen shows it; NULL when hidden, absent, i out of range or f not an
 * item field.
 */
const char *view_item_text(const struct order_view *v, size_t i,
    enum order_field f);

/* Item i's quantity; -1 when hidden or i out of range. */
long view_item_qty(const struct order_view *v, size_t i);

/*
 * Verified counts, filled by the workflow as items are scanned: 0 after
 * view_new. set: FULFIL_EINVAL unless i < view_nitems() and
 * 0 <= n <= the item's quantity. get: -1 for i out of range.
 */
int view_set_verified(struct order_view *v, size_t i, long n);
long view_item_verified(const struct order_view *v, size_t i);

/*
 * Workflow data the order struct does not carry, set by the workflow
 * (not PII; sanitised and cut to VIEW_*_COLS all the same). A field this
 * view hides is not stored and the call still returns 0; NULL clears.
 * weight is in grams (>= 0; negative clears). FULFIL_EINVAL for a NULL
 * view.
 */
int view_set_state(struct order_view *v, const char *state);
int view_set_box(struct order_view *v, const char *box);
int view_set_weight(struct order_view *v, long grams);
int view_set_tracking(struct order_view *v, const char *tracking);

/*
 * The address block of the dispatch label as this view may preview it:
 * one line per label field of the recipient the order has (name, line1,
 * line2, city, region, postcode, country) that the view does not hide,
 * shown, masked, or VIEW_MASK for a print-only line. 0 lines for a role
 * that prints nothing. NULL past the end.
 */
size_t view_label_lines(const struct order_view *v);
const char *view_label_line(const struct order_view *v, size_t i);

/*
 * For tests: the locked buffer the view lives in (every byte of it), so
 * a test can prove that no hidden value is anywhere in the view.
 */
void view_memory(const struct order_view *v, const void **p, size_t *n);

#endif
