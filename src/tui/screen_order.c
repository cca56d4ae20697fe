/*
 * screen_order: one order, as the person's roles may see it. Scans count
 * items (workflow_scan), F6 takes the next step, F8 records an
 * exception, F5 prints the dispatch label (a reprint asks why), F4
 * shows the label's layout as this role may see it (masked), Esc goes
 * back.
 *
 * Owns the order_view it opened (view_open: built by core for the roles
 * the person holds NOW; the screen never sees struct order) and frees it
 * on every way out. Must never: draw a field the view does not hold;
 * decide whether a scan or step is right (workflow does); keep the view
 * after it returns.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferr.h"
#include "i18n.h"
#include "policy.h"
#include "secret.h"
#include "screens.h"
#include "station.h"
#include "ui.h"
#include "view.h"
#include "workflow.h"

struct order_screen {
	struct order_view *v;
	char id[ORDER_ID_MAX + 1];
	struct workflow_progress p;	/* large: on the heap */
	bool have_p;
	bool preview;			/* F4: the label layout, masked */
	enum ui_act pending;		/* an alert or logout to act on */
};

static const char *
step_name(enum workflow_step st)
{
	switch (st) {
	case WF_STEP_PICK:
		return _("pick");
	case WF_STEP_PACK:
		return _("pack");
	case WF_STEP_LABEL:
		return _("label");
	case WF_STEP_SHIP:
		return _("ship");
	default:
		return _("none");
	}
}

/* Reload counts and state from the core; false when refused. */
static bool
order_reload(struct ui *ui, struct order_screen *o)
{
	struct ferr err = { 0 };
	size_t i, n;

	o->have_p = false;
	if (workflow_progress(ui_station(ui), ui_user(ui), o->id, ui_now(),
	    &o->p, &err) != 0) {
		ui_message(ui, UI_ERROR, err.msg);
		return false;
	}
	o->have_p = true;
	n = view_nitems(o->v);
	for (i = 0; i < n && i < o->p.nlines; i++)
		(void)view_set_verified(o->v, i, o->p.lines[i].count);
	(void)view_set_state(o->v, _(workflow_state_name(o->p.state)));
	(void)view_set_box(o->v, o->p.box[0] != '\0' ? o->p.box : NULL);
	(void)view_set_weight(o->v, o->p.weight_g);
	return true;
}

/*
 * The label as it will print, field by field, as this view may show it:
 * the recipient's lines masked (or VIEW_MASK), never the address itself.
 */
static void
order_draw_preview(struct ui *ui, struct order_screen *o, int row)
{
	const struct fulfil_config *cfg = ui_config(ui);
	const struct order_view *v = o->v;
	int rows = ui_body_rows(ui);
	char line[512];
	const char *t;
	size_t i, n = view_label_lines(v);

	ui_put(ui, row++, 0, UI_DIM, false, _("Label preview (F4 hides it)"),
	    0);
	if (cfg->printer.sender != NULL && row < rows) {
		snprintf(line, sizeof line, _("From: %s"), cfg->printer.sender);
		ui_put(ui, row++, 0, UI_NEUTRAL, false, line, 0);
	}
	for (i = 0; i < n && row < rows; i++) {
		snprintf(line, sizeof line, "%s %s", i == 0 ? _("To:") : "   ",
		    view_label_line(v, i));
		ui_put(ui, row++, 0, UI_NEUTRAL, i == 0, line, 0);
	}
	t = view_text(v, FIELD_REF);
	if (t != NULL && row < rows) {
		snprintf(line, sizeof line, _("Ref %s  (barcode)"), t);
		ui_put(ui, row++, 0, UI_NEUTRAL, false, line, 0);
	}
	if (row < rows) {
		snprintf(line, sizeof line, _("Items %ld"), o->p.total);
		ui_put(ui, row++, 0, UI_NEUTRAL, false, line, 0);
	}
	secret_wipe(line, sizeof line);	/* it held the masked recipient */
}

static void
order_draw(struct ui *ui, void *ctx)
{
	struct order_screen *o = ctx;
	const struct order_view *v = o->v;
	char line[512];
	const char *t, *t2, *t3;
	int row = 0, rows = ui_body_rows(ui), x;
	size_t i, n;
	bool small = ui_small(ui);

	t = view_text(v, FIELD_REF);
	snprintf(line, sizeof line, _("Order %s"), o->id);
	x = ui_put(ui, row, 0, UI_NEUTRAL, true, line, 0);
	if (t != NULL && !small) {
		snprintf(line, sizeof line, _("  ref %s"), t);
		ui_put(ui, row, x, UI_NEUTRAL, false, line, 0);
	}
	row++;
	if (o->have_p) {
		if (o->p.step == WF_STEP_NONE)
			snprintf(line, sizeof line, "%s",
			    _(workflow_state_name(o->p.state)));
		else if (o->p.scans)
			snprintf(line, sizeof line, _("%s; next %s %ld/%ld"),
			    _(workflow_state_name(o->p.state)),
			    step_name(o->p.step), o->p.counted, o->p.total);
		else
			snprintf(line, sizeof line, _("%s; next %s"),
			    _(workflow_state_name(o->p.state)),
			    step_name(o->p.step));
		ui_put(ui, row++, 0, o->p.verified ? UI_OK : UI_ATTENTION,
		    false, line, 0);
		if (o->p.exception_id != 0)
			ui_put(ui, row++, 0, UI_ERROR, false,
			    _("Exception open: waiting for a supervisor"), 0);
	}
	t = view_text(v, FIELD_SHIP_BY);
	t2 = view_text(v, FIELD_SERVICE);
	if (t != NULL || t2 != NULL) {
		snprintf(line, sizeof line, _("Ship by %s  %s"),
		    t != NULL ? t : "-", t2 != NULL ? t2 : "");
		ui_put(ui, row++, 0, UI_NEUTRAL, false, line, 0);
	}
	/* The recipient as this role may see it (masked for dispatchers). */
	t = view_text(v, FIELD_NAME);
	t2 = view_text(v, FIELD_POSTCODE);
	t3 = view_text(v, FIELD_COUNTRY);
	if (t != NULL || t2 != NULL || t3 != NULL) {
		snprintf(line, sizeof line, _("To: %s  %s  %s"),
		    t != NULL ? t : "", t2 != NULL ? t2 : "",
		    t3 != NULL ? t3 : "");
		ui_put(ui, row++, 0, UI_NEUTRAL, false, line, 0);
	}
	if (view_gift(v) == 1)
		ui_put(ui, row++, 0, UI_ATTENTION, false, _("Gift"), 0);
	t = view_text(v, FIELD_BOX);
	t2 = view_text(v, FIELD_WEIGHT);
	if (t != NULL || t2 != NULL) {
		snprintf(line, sizeof line, _("Box %s  %s"),
		    t != NULL ? t : "-", t2 != NULL ? t2 : "");
		ui_put(ui, row++, 0, UI_NEUTRAL, false, line, 0);
	}
	t = view_text(v, FIELD_TRACKING);
	if (t != NULL) {
		snprintf(line, sizeof line, _("Tracking %s"), t);
		ui_put(ui, row++, 0, UI_NEUTRAL, false, line, 0);
	}
	if (o->preview) {
		secret_wipe(line, sizeof line);
		order_draw_preview(ui, o, row);
		return;
	}
	n = view_nitems(v);
	if (n > 0 && row < rows)
		ui_put(ui, row++, 0, UI_DIM, false, small ?
		    _("Qty Bin     Done SKU") :
		    _("Qty  Bin         Done   SKU            Item"), 0);
	for (i = 0; i < n && row < rows; i++, row++) {
		const char *bin = view_item_text(v, i, FIELD_ITEM_BIN);
		const char *sku = view_item_text(v, i, FIELD_ITEM_SKU);
		const char *title = view_item_text(v, i, FIELD_ITEM_TITLE);
		long qty = view_item_qty(v, i);
		long done = view_item_verified(v, i);
		bool full = qty >= 0 && done >= qty;
		char cnt[48];

		snprintf(cnt, sizeof cnt, "%ld/%ld", done < 0 ? 0 : done,
		    qty < 0 ? 0 : qty);
		/* Quantity and bin first: where the eye lands. */
		snprintf(line, sizeof line, "%-3ld", qty < 0 ? 0 : qty);
		x = ui_put(ui, row, 0, UI_NEUTRAL, true, line, 4);
		x = small ? 4 : 5;
		ui_put(ui, row, x, UI_NEUTRAL, true, bin != NULL ? bin : "-",
		    small ? 7 : 11);
		x += small ? 8 : 12;
		ui_put(ui, row, x, full ? UI_OK : UI_NEUTRAL, full, cnt,
		    small ? 5 : 6);
		x += small ? 5 : 7;
		x += ui_put(ui, row, x, UI_NEUTRAL, false,
		    sku != NULL ? sku : "", small ? 0 : 14);
		if (!small && title != NULL)
			ui_put(ui, row, 5 + 12 + 7 + 15, UI_NEUTRAL, false,
			    title, 0);
	}
	secret_wipe(line, sizeof line);	/* it held the recipient as shown */
}

/* React to an outcome's effects; the act the screen returns. */
static enum ui_act
order_fx(struct ui *ui, struct order_screen *o,
    const struct workflow_outcome *out)
{
	enum ui_act a;

	if (out->fx & WF_FX_LOGOUT) {
		ui_message(ui, UI_ERROR, out->msg);
		ui_bell(ui);
		a = ui_alert(ui, _("Logged out"), out->msg);
		return a == UI_QUIT ? UI_QUIT : UI_LOGOUT;
	}
	if (out->fx & WF_FX_ALERT) {
		ui_bell(ui);
		a = ui_alert(ui, _("Stop: this order cannot go on"), out->msg);
		if (a == UI_DONE)
			a = UI_BACK;
		return a;
	}
	if (out->fx & WF_FX_BEEP)
		ui_bell(ui);
	(void)o;
	return UI_STAY;
}

static enum ui_act
order_input(struct ui *ui, void *ctx, const char *text)
{
	struct order_screen *o = ctx;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	enum ui_act a;
	int r;

	memset(&out, 0, sizeof out);
	r = workflow_scan(ui_station(ui), ui_user(ui), ui_scanner(ui), o->id,
	    text, ui_now_ms(), &out, &err);
	if (out.result == WF_R_IGNORED)
		return UI_STAY;
	(void)order_reload(ui, o);
	ui_message(ui, r == 0 ? UI_OK : UI_ERROR, out.msg[0] != '\0' ?
	    out.msg : err.msg);
	if ((a = order_fx(ui, o, &out)) != UI_STAY)
		return a;
	if (r == 0 && out.complete)
		ui_message(ui, UI_OK, _("All items verified: F6 confirms"));
	return UI_STAY;
}

static enum ui_act
order_confirm(struct ui *ui, void *ctx)
{
	struct order_screen *o = ctx;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	char tracking[WORKFLOW_TRACKING_MAX + 1] = "";
	enum workflow_step step;
	enum ui_act a;
	int r;

	if (!order_reload(ui, o))
		return UI_STAY;
	step = o->p.step;
	if (step == WF_STEP_NONE) {
		ui_message(ui, UI_ATTENTION, _("Nothing left to do on this "
		    "order"));
		return UI_STAY;
	}
	if (step == WF_STEP_LABEL) {
		ui_message(ui, UI_ATTENTION, _("Print the label first (F5)"));
		return UI_STAY;
	}
	if (step == WF_STEP_SHIP) {
		a = ui_prompt(ui, _("Tracking number:"), false, tracking,
		    sizeof tracking);
		if (a != UI_DONE)
			return a == UI_BACK ? UI_STAY : a;
	}
	memset(&out, 0, sizeof out);
	r = workflow_advance(ui_station(ui), ui_user(ui), o->id, step,
	    step == WF_STEP_SHIP ? tracking : NULL, ui_now(), &out, &err);
	(void)order_reload(ui, o);
	ui_message(ui, r == 0 ? UI_OK : UI_ERROR, out.msg[0] != '\0' ?
	    out.msg : err.msg);
	if ((a = order_fx(ui, o, &out)) != UI_STAY)
		return a;
	return r == 0 ? UI_BACK : UI_STAY;
}

/* F5: the dispatch label; on a labelled order a reprint, with a reason. */
static enum ui_act
order_print(struct ui *ui, void *ctx)
{
	struct order_screen *o = ctx;
	struct workflow_outcome out;
	struct workflow_code c;
	struct ferr err = { 0 };
	const char *items[8];
	int codes[8], reprint = 0;
	size_t n = 0, chosen = 0;
	enum ui_act a;
	int r;

	if (!order_reload(ui, o))
		return UI_STAY;
	if (o->p.state == WF_STATE_LABELLED) {
		while (n < 8 && workflow_code_info(WF_TABLE_REPRINT, n, &c)) {
			items[n] = _(c.text);
			codes[n] = c.code;
			n++;
		}
		a = ui_choose(ui, _("Print again: why?"), items, n, &chosen);
		if (a != UI_DONE)
			return a == UI_BACK ? UI_STAY : a;
		reprint = codes[chosen];
	}
	memset(&out, 0, sizeof out);
	r = workflow_print(ui_station(ui), ui_user(ui), o->id, reprint,
	    ui_now(), &out, &err);
	(void)order_reload(ui, o);
	ui_message(ui, r == 0 ? UI_OK : UI_ERROR, out.msg[0] != '\0' ?
	    out.msg : err.msg);
	if ((a = order_fx(ui, o, &out)) != UI_STAY)
		return a;
	if (r == 0 && reprint == 0)
		ui_message(ui, UI_OK, _("Label printed: F6 ships with the "
		    "tracking number"));
	return UI_STAY;
}

/* F3: the packer records the box (a scan) and the parcel's weight. */
static enum ui_act
order_pack_info(struct ui *ui, void *ctx)
{
	struct order_screen *o = ctx;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	char box[WORKFLOW_BOX_MAX + 2] = "", kg[16] = "";
	long grams = -1;
	enum ui_act a;
	int r;

	a = ui_prompt(ui, _("Box (scan it; Enter: keep):"), false, box,
	    sizeof box);
	if (a != UI_DONE)
		return a == UI_BACK ? UI_STAY : a;
	a = ui_prompt(ui, _("Weight in kg (Enter: keep):"), false, kg,
	    sizeof kg);
	if (a != UI_DONE)
		return a == UI_BACK ? UI_STAY : a;
	if (kg[0] != '\0' && workflow_weight_parse(kg, &grams) != 0) {
		ui_bell(ui);
		ui_message(ui, UI_ERROR, _("A weight is in kg, e.g. 1.25"));
		return UI_STAY;
	}
	if (box[0] == '\0' && grams < 0)
		return UI_STAY;
	memset(&out, 0, sizeof out);
	r = workflow_pack_info(ui_station(ui), ui_user(ui), o->id,
	    box[0] != '\0' ? box : NULL, grams, ui_now(), &out, &err);
	(void)order_reload(ui, o);
	ui_message(ui, r == 0 ? UI_OK : UI_ERROR, out.msg[0] != '\0' ?
	    out.msg : err.msg);
	return order_fx(ui, o, &out);
}

/* F4: show or hide the label's layout (masked as the view is). */
static enum ui_act
order_preview(struct ui *ui, void *ctx)
{
	struct order_screen *o = ctx;

	if (view_label_lines(o->v) == 0) {
		ui_message(ui, UI_ATTENTION, _("Your role prints no labels"));
		return UI_STAY;
	}
	o->preview = !o->preview;
	ui_dirty(ui);
	return UI_STAY;
}

static enum ui_act
order_exception(struct ui *ui, void *ctx)
{
	struct order_screen *o = ctx;
	struct workflow_code c;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	const char *items[16];
	int codes[16];
	size_t n = 0, chosen = 0;
	enum ui_act a;
	int r;

	while (n < 16 && workflow_code_info(WF_TABLE_EXCEPTION, n, &c)) {
		items[n] = _(c.text);
		codes[n] = c.code;
		n++;
	}
	a = ui_choose(ui, _("Exception: why?"), items, n, &chosen);
	if (a != UI_DONE)
		return a == UI_BACK ? UI_STAY : a;
	memset(&out, 0, sizeof out);
	r = workflow_exception_raise(ui_station(ui), ui_user(ui), o->id,
	    codes[chosen], ui_now(), &out, &err);
	(void)order_reload(ui, o);
	ui_message(ui, r == 0 ? UI_OK : UI_ERROR, out.msg[0] != '\0' ?
	    out.msg : err.msg);
	return order_fx(ui, o, &out);
}

static enum ui_act
order_back(struct ui *ui, void *ctx)
{
	(void)ui;
	(void)ctx;
	return UI_BACK;
}

static const struct ui_key order_keys[] = {
	{ UI_KEY_F(1), N_("Help"), NULL },
	{ UI_KEY_F(3), N_("Box/kg"), order_pack_info,
	    ROLE_BIT(ROLE_PACKER) },
	{ UI_KEY_F(4), N_("Preview"), order_preview,
	    ROLE_BIT(ROLE_DISPATCHER) | ROLE_BIT(ROLE_SUPERVISOR) },
	{ UI_KEY_F(5), N_("Print"), order_print, ROLE_BIT(ROLE_DISPATCHER) },
	{ UI_KEY_F(6), N_("Confirm"), order_confirm },
	{ UI_KEY_F(8), N_("Exception"), order_exception },
	{ UI_KEY_F(10), N_("Log out"), NULL },
	{ UI_KEY_ESC, N_("Back"), order_back },
};

/* Does s look like an order id or ref (safe to echo)? */
static bool
looks_like_code(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '@' || i >= 32)
			return false;
	return i > 0;
}

/*
 * The order asked for has no customer data left (delivered, cancelled,
 * purged): a blocking alert, the cancelled one telling the person to put
 * it aside. Frees o.
 */
static enum ui_act
order_stopped(struct ui *ui, struct order_screen *o, const char *id_or_ref)
{
	struct ferr err = { 0 };
	bool cancelled = false, wiped = true;
	enum ui_act a;

	(void)workflow_order_stop(ui_station(ui), id_or_ref, o->id, &cancelled,
	    &wiped, &err);
	free(o);
	ui_bell(ui);
	a = ui_alert(ui, _("Stop: this order cannot go on"), cancelled ?
	    _("This order was cancelled: put it aside") :
	    _("This order's data was wiped"));
	return a == UI_DONE ? UI_BACK : a;
}

enum ui_act
screen_order(struct ui *ui, const char *id_or_ref)
{
	struct order_screen *o;
	struct ferr err = { 0 };
	struct ui_screen s;
	unsigned roles = 0;
	const char *id;
	enum ui_act a = UI_BACK;
	char msg[FERR_MSG_MAX + 64];
	int r;

	if ((o = calloc(1, sizeof *o)) == NULL) {
		ui_message(ui, UI_ERROR, _("out of memory"));
		return UI_BACK;
	}
	/* The roles held now: a revoke takes effect at the next order. */
	if (policy_roles(ui_station(ui)->store, ui_user(ui), ui_now(), &roles,
	    &err) != 0 || (roles &= ui_roles(ui)) == 0) {
		ui_message(ui, UI_ERROR, _("Refused: you no longer hold a "
		    "role; ask a supervisor"));
		goto out;
	}
	if (!policy_sees_orders(roles)) {
		ui_message(ui, UI_ERROR, _("Your role cannot open orders."));
		goto out;
	}
	r = view_open(ui_station(ui), id_or_ref, roles, false, &o->v, &err);
	if (r != 0) {
		if (r == FULFIL_ENOTFOUND && looks_like_code(id_or_ref))
			snprintf(msg, sizeof msg, _("No order %s: scan an order "
			    "id or ref"), id_or_ref);
		else if (r == FULFIL_ENOTFOUND)
			snprintf(msg, sizeof msg, _("No such order: scan an "
			    "order id or ref"));
		else if (r == FULFIL_ESTATE)
			return order_stopped(ui, o, id_or_ref);
		else
			snprintf(msg, sizeof msg, "%s", err.msg);
		ui_message(ui, UI_ERROR, msg);
		goto out;
	}
	id = view_text(o->v, FIELD_ID);
	snprintf(o->id, sizeof o->id, "%s", id != NULL ? id : id_or_ref);
	if (!order_reload(ui, o))
		goto out;
	if (o->p.cancelled || o->p.wiped) {
		ui_bell(ui);
		a = ui_alert(ui, _("Stop: this order cannot go on"),
		    o->p.cancelled ? _("This order was cancelled: put it "
		    "aside") : _("This order's data was wiped"));
		if (a == UI_DONE)
			a = UI_BACK;
		goto out;
	}
	s = (struct ui_screen){
		.title = N_("Order"),
		.keys = order_keys,
		.nkeys = UI_NELEM(order_keys),
		.draw = order_draw,
		.input = order_input,
		.input_label = N_("Scan:"),
		.ctx = o,
	};
	a = ui_run(ui, &s);
out:
	view_free(o->v);
	secret_wipe(o, sizeof *o);
	free(o);
	return a;
}
