/*
 * screen_home: what a person sees after logging in, by role. Pickers:
 * the next order by ship-by and the queue (workflow_queue); packers and
 * dispatchers: "Scan an order"; auditors: nothing of any order. A scan
 * (order id or ref) opens the order screen; F2 the supervisor's screens
 * for supervisors.
 *
 * Owns the queue it draws (ids, refs, ship-by, service: no PII). Must
 * never: open an order for a role that sees none; hold an order view.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "ferr.h"
#include "i18n.h"
#include "login.h"
#include "policy.h"
#include "screens.h"
#include "ui.h"
#include "workflow.h"

#define HOME_QUEUE_MAX 64

struct home {
	struct ui_key keys[5];
	size_t nkeys;
	bool picker, sees;
	struct workflow_queue_entry q[HOME_QUEUE_MAX];
	size_t nq;
	bool qerr;
};

static void
home_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "-");
}

static void
home_load(struct ui *ui, struct home *h)
{
	struct ferr err = { 0 };

	h->nq = 0;
	h->qerr = false;
	if (!h->picker)
		return;
	if (workflow_queue(ui_station(ui), ui_user(ui), ui_now(), h->q,
	    HOME_QUEUE_MAX, &h->nq, &err) != 0) {
		h->nq = 0;
		h->qerr = true;
	}
}

static void
home_draw(struct ui *ui, void *ctx)
{
	struct home *h = ctx;
	char line[256], when[32];
	int row = 0, rows = ui_body_rows(ui);
	size_t i;

	if (!h->sees) {
		ui_put(ui, row++, 0, UI_ATTENTION, false,
		    _("There is nothing here for your role."), 0);
		ui_put(ui, row++, 0, UI_NEUTRAL, false,
		    _("Your role sees no order data."), 0);
		return;
	}
	if (!h->picker) {
		ui_put(ui, row++, 0, UI_NEUTRAL, true, _("Scan an order"), 0);
		ui_put(ui, row++, 0, UI_DIM, false,
		    _("Order id or marketplace ref, then Enter"), 0);
		return;
	}
	home_load(ui, h);
	if (h->qerr) {
		ui_put(ui, row++, 0, UI_ERROR, false,
		    _("The queue cannot be read now."), 0);
		return;
	}
	if (h->nq == 0) {
		ui_put(ui, row++, 0, UI_OK, false, _("Nothing to pick."), 0);
		ui_put(ui, row++, 0, UI_NEUTRAL, false, _("Scan an order"), 0);
		return;
	}
	home_time(h->q[0].ship_by, when, sizeof when);
	snprintf(line, sizeof line, _("Next: %s  ship by %s"), h->q[0].id,
	    when);
	ui_put(ui, row++, 0, UI_ATTENTION, true, line, 0);
	snprintf(line, sizeof line, _("F6 opens it; or scan an order (%zu "
	    "queued)"), h->nq);
	ui_put(ui, row++, 0, UI_DIM, false, line, 0);
	for (i = 0; i < h->nq && row < rows; i++) {
		home_time(h->q[i].ship_by, when, sizeof when);
		if (ui_small(ui))
			snprintf(line, sizeof line, "%-14s %s", h->q[i].id,
			    when);
		else
			snprintf(line, sizeof line, "%-20s %-12s %lld %s",
			    h->q[i].id, when, (long long)h->q[i].item_count,
			    h->q[i].service);
		ui_put(ui, row++, 0, UI_NEUTRAL, false, line, 0);
	}
}

static enum ui_act
home_after(enum ui_act a)
{
	return a == UI_BACK || a == UI_DONE ? UI_STAY : a;
}

static enum ui_act
home_input(struct ui *ui, void *ctx, const char *text)
{
	struct home *h = ctx;

	if (!h->sees) {
		ui_message(ui, UI_ERROR, _("Your role cannot open orders."));
		return UI_STAY;
	}
	return home_after(screen_order(ui, text));
}

static enum ui_act
home_next(struct ui *ui, void *ctx)
{
	struct home *h = ctx;
	char id[sizeof h->q[0].id];

	home_load(ui, h);
	if (h->nq == 0) {
		ui_message(ui, UI_ATTENTION, _("Nothing to pick."));
		return UI_STAY;
	}
	memcpy(id, h->q[0].id, sizeof id);
	return home_after(screen_order(ui, id));
}

static enum ui_act
home_super(struct ui *ui, void *ctx)
{
	(void)ctx;
	if ((ui_roles(ui) & ROLE_BIT(ROLE_SUPERVISOR)) == 0)
		return UI_STAY;
	return home_after(screen_super(ui));
}

static enum ui_act
home_logout(struct ui *ui, void *ctx)
{
	(void)ui;
	(void)ctx;
	return UI_LOGOUT;
}

static enum ui_act
home_esc(struct ui *ui, void *ctx)
{
	(void)ui;
	(void)ctx;
	return UI_STAY;	/* home is as far back as it goes */
}

enum ui_act
screen_home(struct ui *ui)
{
	static struct home h;
	char text[AUTH_USER_MAX + 192];
	struct ui_screen s;
	unsigned roles = ui_roles(ui);
	enum ui_act a;

	memset(&h, 0, sizeof h);
	h.sees = policy_sees_orders(roles);
	h.picker = (roles & ROLE_BIT(ROLE_PICKER)) != 0;
	h.keys[h.nkeys++] = (struct ui_key){ UI_KEY_F(1), N_("Help"), NULL };
	if (h.picker)
		h.keys[h.nkeys++] = (struct ui_key){ UI_KEY_F(6),
		    N_("Next order"), home_next };
	if ((roles & ROLE_BIT(ROLE_SUPERVISOR)) != 0)
		h.keys[h.nkeys++] = (struct ui_key){ UI_KEY_F(2),
		    N_("Supervisor"), home_super };
	h.keys[h.nkeys++] = (struct ui_key){ UI_KEY_F(10), N_("Log out"),
	    home_logout };
	h.keys[h.nkeys++] = (struct ui_key){ UI_KEY_ESC, NULL, home_esc };
	s = (struct ui_screen){
		.title = N_("Home"),
		.keys = h.keys,
		.nkeys = h.nkeys,
		.draw = home_draw,
		.input = home_input,
		.input_label = N_("Order:"),
		.ctx = &h,
	};
	if (ui_session(ui) != NULL && login_session_text(ui_session(ui), text,
	    sizeof text) == 0)
		ui_message(ui, UI_OK, text);
	a = ui_run(ui, &s);
	memset(&h, 0, sizeof h);
	return a;
}
