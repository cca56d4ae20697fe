/*
 * screen_super: the supervisor's screens, reached from home with F2:
 * people and roles (grant, revoke, unlock), the exceptions queue
 * (resolve), the reveal of one order's customer data with a reason, and
 * the override of an order's scan verification.
 *
 * Owns only what it draws: copies of login names, order ids and codes
 * (never order text), and, while a revealed order is on the screen, that
 * order's view, freed (wiped) the moment the screen is left, whichever
 * way (Esc, F10, idle, a signal).
 *
 * Every decision is the core's (policy.h, lockout.h, workflow.h,
 * view.h): this module asks, and shows the answer's message. The order
 * itself is decrypted (orders_find) only after workflow_reveal said
 * WF_R_REVEAL_OK, and only to build the view, then freed at once.
 * Must never: include curses, sqlite, sodium or curl; keep a revealed
 * view past its screen; draw a string but through the framework (ui_put,
 * ui_message, the dialogs), which sanitises it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "display.h"
#include "ferr.h"
#include "i18n.h"
#include "lockout.h"
#include "orders.h"
#include "policy.h"
#include "screens.h"
#include "secret.h"
#include "station.h"
#include "supervise.h"
#include "ui.h"
#include "view.h"
#include "workflow.h"

#define SP_PEOPLE_MAX 256
#define SP_EXC_MAX 256
#define SP_NAME_CAP (POLICY_LOGIN_NAME_MAX + 1)
#define SP_LINE 256
#define SP_CODES_MAX 16

/* ---- common helpers ----------------------------------------------------- */

/* The act a nested wait gave, as a handler of this screen returns it. */
static enum ui_act
sp_pass(enum ui_act a)
{
	return a == UI_LOGOUT || a == UI_QUIT ? a : UI_STAY;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" of t in local time. */
static void
sp_time(int64_t t, bool minutes, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, minutes ? "%Y-%m-%d %H:%M" : "%Y-%m-%d",
	    &tm) == 0)
		snprintf(buf, len, "?");
}

/*
 * May the person at the screen act as a supervisor now (role held, not
 * locked)? Shows why not. A locked person is logged out.
 */
static enum ui_act
sp_allowed(struct ui *ui, bool *ok)
{
	struct policy_actor by = { ui_user(ui), false };
	struct ferr err = { 0 };
	bool locked = false;

	*ok = false;
	if (supervise_may_act(ui_station(ui), &by, ui_now(), &locked,
	    &err) == 0) {
		*ok = true;
		return UI_STAY;
	}
	if (locked)
		return ui_alert(ui, _("Account locked"),
		    _("Your account is locked; you are logged out")) ==
		    UI_QUIT ? UI_QUIT : UI_LOGOUT;
	ui_message(ui, UI_ERROR, err.msg);
	return UI_STAY;
}

/* Ask yes or no: *yes when the first item was chosen. */
static enum ui_act
sp_confirm(struct ui *ui, const char *title, const char *yes, bool *ok)
{
	const char *items[2];
	size_t chosen = 1;
	enum ui_act a;

	*ok = false;
	items[0] = yes;
	items[1] = _("Cancel");
	a = ui_choose(ui, title, items, 2, &chosen);
	if (a == UI_DONE && chosen == 0)
		*ok = true;
	return a == UI_DONE || a == UI_BACK ? UI_STAY : a;
}

/* Choose a code of table t: *code, or 0 when none was chosen. */
static enum ui_act
sp_choose_code(struct ui *ui, enum workflow_table t, const char *title,
    int *code)
{
	struct workflow_code c;
	const char *items[SP_CODES_MAX];
	int codes[SP_CODES_MAX];
	size_t n, chosen = 0;
	enum ui_act a;

	*code = 0;
	for (n = 0; n < SP_CODES_MAX && workflow_code_info(t, n, &c); n++) {
		items[n] = _(c.text);
		codes[n] = c.code;
	}
	if (n == 0)
		return UI_STAY;
	a = ui_choose(ui, title, items, n, &chosen);
	if (a == UI_DONE && chosen < n)
		*code = codes[chosen];
	return a == UI_DONE || a == UI_BACK ? UI_STAY : a;
}

/* Show a workflow outcome; UI_LOGOUT when it locked the person. */
static enum ui_act
sp_outcome(struct ui *ui, int r, const struct workflow_outcome *out,
    const struct ferr *err)
{
	const char *msg = out->msg[0] != '\0' ? out->msg : err->msg;

	if (out->fx & WF_FX_LOGOUT)
		return ui_alert(ui, _("Account locked"), msg) == UI_QUIT ?
		    UI_QUIT : UI_LOGOUT;
	if (out->fx & WF_FX_ALERT)
		return sp_pass(ui_alert(ui, _("Order blocked"), msg));
	ui_message(ui, r < 0 ? UI_ERROR : UI_OK, msg[0] != '\0' ? msg :
	    ferr_name(r));
	return UI_STAY;
}

/* ---- people and roles ------------------------------------------------- */

struct sp_person {
	char name[SP_NAME_CAP];
	unsigned roles;			/* held now */
	unsigned expired;		/* grants kept but expired */
	int64_t expires[ROLE_MAX + 1];
	bool locked;
	int64_t locked_until;
};

struct sp_people {
	struct ui *ui;
	struct sp_person p[SP_PEOPLE_MAX];
	size_t n;
	int64_t unknown_locked;
	char sel[SP_NAME_CAP];		/* selected name; "" none */
	bool loaded;
};

static struct sp_person *
sp_person_get(struct sp_people *pp, const char *name, bool add)
{
	size_t i;

	for (i = 0; i < pp->n; i++)
		if (strcmp(pp->p[i].name, name) == 0)
			return &pp->p[i];
	if (!add || pp->n >= SP_PEOPLE_MAX ||
	    strlen(name) >= sizeof pp->p[0].name)
		return NULL;
	memset(&pp->p[pp->n], 0, sizeof pp->p[0]);
	snprintf(pp->p[pp->n].name, sizeof pp->p[0].name, "%s", name);
	return &pp->p[pp->n++];
}

static int
sp_people_grant(void *ctx, const struct policy_grant_info *g)
{
	struct sp_people *pp = ctx;
	struct sp_person *p;

	if (g->role < ROLE_PICKER || g->role > ROLE_MAX ||
	    (p = sp_person_get(pp, g->user, true)) == NULL)
		return 0;
	if (g->expired) {
		p->expired |= ROLE_BIT(g->role);
	} else {
		p->roles |= ROLE_BIT(g->role);
		p->expires[g->role] = g->expires_at;
	}
	return 0;
}

static int
sp_people_lock(void *ctx, const char *name, int64_t locked_until)
{
	struct sp_people *pp = ctx;
	struct sp_person *p;

	if ((p = sp_person_get(pp, name, true)) != NULL) {
		p->locked = true;
		p->locked_until = locked_until;
	}
	return 0;
}

static void
sp_people_load(struct sp_people *pp)
{
	struct station *st = ui_station(pp->ui);
	struct ferr err = { 0 };
	int64_t now = ui_now();

	pp->n = 0;
	pp->unknown_locked = 0;
	pp->loaded = true;
	if (policy_list(st->store, now, sp_people_grant, pp, &err) != 0 ||
	    lockout_list(st, now, sp_people_lock, pp, &pp->unknown_locked,
	    &err) != 0)
		ui_message(pp->ui, UI_ERROR, err.msg);
	ui_dirty(pp->ui);
}

/* "picker to 2027-02-20, packer to ..." (or short names when small). */
static void
sp_roles_text(const struct sp_person *p, bool small, char *buf, size_t len)
{
	char day[32];
	size_t off = 0;
	int r, k;

	buf[0] = '\0';
	for (r = ROLE_PICKER; r <= ROLE_MAX; r++) {
		if (!(p->roles & ROLE_BIT(r)))
			continue;
		if (small) {
			k = snprintf(buf + off, len - off, "%s%s",
			    off > 0 ? "," : "", policy_role_name((enum role)r));
		} else {
			sp_time(p->expires[r], false, day, sizeof day);
			k = snprintf(buf + off, len - off, _("%s%s to %s"),
			    off > 0 ? ", " : "", policy_role_name((enum role)r),
			    day);
		}
		if (k < 0 || (size_t)k >= len - off)
			return;
		off += (size_t)k;
	}
	if (off == 0)
		snprintf(buf, len, "%s", p->expired != 0 ? _("(expired)") :
		    _("(no role)"));
}

static void
sp_people_draw(struct ui *ui, void *ctx)
{
	struct sp_people *pp = ctx;
	const struct sp_person *p;
	char line[SP_LINE], roles[SP_LINE], until[32];
	int rows = ui_body_rows(ui), cols = ui_body_cols(ui), row, namew;
	size_t i, first = 0, sel = SIZE_MAX;
	bool small = ui_small(ui);

	if (!pp->loaded)
		sp_people_load(pp);
	namew = small ? 10 : 16;
	for (i = 0; i < pp->n; i++)
		if (strcmp(pp->p[i].name, pp->sel) == 0)
			sel = i;
	row = 0;
	ui_put(ui, row, 0, UI_DIM, false, _("Name"), namew);
	ui_put(ui, row, namew + 2, UI_DIM, false, _("Roles"), 0);
	row++;
	if (pp->n == 0)
		ui_put(ui, row, 0, UI_NEUTRAL, false, _("Nobody holds a role"),
		    0);
	if (sel != SIZE_MAX && rows > 3 && sel >= (size_t)(rows - 3))
		first = sel - (size_t)(rows - 3) + 1;
	for (i = first; i < pp->n && row < rows - 1; i++, row++) {
		p = &pp->p[i];
		ui_put(ui, row, 0, i == sel ? UI_ATTENTION : UI_NEUTRAL,
		    i == sel, i == sel ? ">" : " ", 1);
		ui_put(ui, row, 1, UI_NEUTRAL, i == sel, p->name, namew);
		sp_roles_text(p, small, roles, sizeof roles);
		if (p->locked) {
			sp_time(p->locked_until, true, until, sizeof until);
			if (small)
				snprintf(line, sizeof line, "%s %s",
				    _("LOCKED"), roles);
			else
				snprintf(line, sizeof line, _("LOCKED until "
				    "%s; %s"), until, roles);
		} else {
			snprintf(line, sizeof line, "%s", roles);
		}
		ui_put(ui, row, namew + 2, p->locked ? UI_ERROR : UI_NEUTRAL,
		    p->locked, line, cols - namew - 2);
	}
	if (pp->unknown_locked > 0) {
		snprintf(line, sizeof line, _("%lld unknown names locked"),
		    (long long)pp->unknown_locked);
		ui_put(ui, rows - 1, 0, UI_DIM, false, line, 0);
	} else if (pp->sel[0] != '\0' && sel == SIZE_MAX) {
		snprintf(line, sizeof line, _("Selected: %s (no role)"),
		    pp->sel);
		ui_put(ui, rows - 1, 0, UI_ATTENTION, false, line, 0);
	}
}

/* Enter: select the person typed (a new name too, for a first grant). */
static enum ui_act
sp_people_input(struct ui *ui, void *ctx, const char *text)
{
	struct sp_people *pp = ctx;
	struct ferr err = { 0 };

	if (text[0] == '\0')
		return UI_STAY;
	if (policy_login_name_check(text, &err) != 0) {
		ui_message(ui, UI_ERROR, err.msg);
		return UI_STAY;
	}
	snprintf(pp->sel, sizeof pp->sel, "%s", text);
	ui_message(ui, UI_NEUTRAL, sp_person_get(pp, text, false) != NULL ?
	    _("Selected: F2 grant, F3 revoke, F4 unlock") :
	    _("Not on the list: F2 grants a first role"));
	ui_dirty(ui);
	return UI_STAY;
}

/* The selected name, or ask for one. *name "" when none was given. */
static enum ui_act
sp_people_name(struct ui *ui, struct sp_people *pp, char *name, size_t cap)
{
	struct ferr err = { 0 };
	enum ui_act a;

	if (pp->sel[0] != '\0') {
		snprintf(name, cap, "%s", pp->sel);
		return UI_STAY;
	}
	name[0] = '\0';
	a = ui_prompt(ui, _("Name:"), false, name, cap);
	if (a != UI_DONE) {
		name[0] = '\0';
		return sp_pass(a);
	}
	if (name[0] != '\0' && policy_login_name_check(name, &err) != 0) {
		ui_message(ui, UI_ERROR, err.msg);
		name[0] = '\0';
	}
	return UI_STAY;
}

/* The roles a supervisor may grant or revoke. */
static const enum role sp_grantable[] = {
	ROLE_PICKER, ROLE_PACKER, ROLE_DISPATCHER,
};
#define SP_NGRANTABLE (sizeof sp_grantable / sizeof sp_grantable[0])

static enum ui_act
sp_people_grant_key(struct ui *ui, void *ctx)
{
	struct sp_people *pp = ctx;
	struct station *st = ui_station(ui);
	struct policy_actor by = { ui_user(ui), false };
	struct ferr err = { 0 };
	const char *items[SP_NGRANTABLE];
	char name[SP_NAME_CAP], days[16], msg[SP_LINE];
	size_t i, chosen = 0;
	enum ui_act a;
	long d = POLICY_DEFAULT_DAYS;
	char *end;
	bool ok;

	if ((a = sp_allowed(ui, &ok)) != UI_STAY || !ok)
		return a;
	if ((a = sp_people_name(ui, pp, name, sizeof name)) != UI_STAY ||
	    name[0] == '\0')
		return a;
	for (i = 0; i < SP_NGRANTABLE; i++)
		items[i] = policy_role_name(sp_grantable[i]);
	snprintf(msg, sizeof msg, _("Grant %s which role?"), name);
	a = ui_choose(ui, msg, items, SP_NGRANTABLE, &chosen);
	if (a != UI_DONE || chosen >= SP_NGRANTABLE)
		return sp_pass(a);
	snprintf(msg, sizeof msg, _("Days (Enter: %d):"), POLICY_DEFAULT_DAYS);
	days[0] = '\0';
	a = ui_prompt(ui, msg, false, days, sizeof days);
	if (a != UI_DONE)
		return sp_pass(a);
	if (days[0] != '\0') {
		d = strtol(days, &end, 10);
		if (*end != '\0' || d < 1 || d > POLICY_MAX_DAYS) {
			snprintf(msg, sizeof msg, _("A grant lasts 1 to %d "
			    "days"), POLICY_MAX_DAYS);
			ui_message(ui, UI_ERROR, msg);
			return UI_STAY;
		}
	}
	if (supervise_grant(st, &by, name, sp_grantable[chosen], (int)d,
	    ui_now(), &err) != 0) {
		ui_message(ui, UI_ERROR, err.msg);
	} else {
		snprintf(msg, sizeof msg, _("Granted %s to %s for %ld days"),
		    policy_role_name(sp_grantable[chosen]), name, d);
		ui_message(ui, UI_OK, msg);
	}
	sp_people_load(pp);
	return UI_STAY;
}

static enum ui_act
sp_people_revoke_key(struct ui *ui, void *ctx)
{
	struct sp_people *pp = ctx;
	struct station *st = ui_station(ui);
	struct policy_actor by = { ui_user(ui), false };
	struct ferr err = { 0 };
	const struct sp_person *p;
	const char *items[SP_NGRANTABLE];
	enum role roles[SP_NGRANTABLE];
	char name[SP_NAME_CAP], msg[SP_LINE], yes[SP_LINE];
	size_t i, n = 0, chosen = 0;
	int reason = 0;
	enum ui_act a;
	bool ok;

	if ((a = sp_allowed(ui, &ok)) != UI_STAY || !ok)
		return a;
	if ((a = sp_people_name(ui, pp, name, sizeof name)) != UI_STAY ||
	    name[0] == '\0')
		return a;
	p = sp_person_get(pp, name, false);
	for (i = 0; i < SP_NGRANTABLE; i++) {
		if (p != NULL && (p->roles & ROLE_BIT(sp_grantable[i]))) {
			roles[n] = sp_grantable[i];
			items[n++] = policy_role_name(sp_grantable[i]);
		}
	}
	if (n == 0) {
		snprintf(msg, sizeof msg, _("%s holds no role you may revoke"),
		    name);
		ui_message(ui, UI_ATTENTION, msg);
		return UI_STAY;
	}
	snprintf(msg, sizeof msg, _("Revoke which role of %s?"), name);
	a = ui_choose(ui, msg, items, n, &chosen);
	if (a != UI_DONE || chosen >= n)
		return sp_pass(a);
	snprintf(msg, sizeof msg, _("Revoke %s from %s now?"),
	    policy_role_name(roles[chosen]), name);
	snprintf(yes, sizeof yes, _("Revoke %s"),
	    policy_role_name(roles[chosen]));
	if ((a = sp_confirm(ui, msg, yes, &ok)) != UI_STAY)
		return a;
	if (ok && (a = sp_choose_code(ui, WF_TABLE_REVOKE, _("Why?"),
	    &reason)) != UI_STAY)
		return a;
	if (!ok || reason == 0) {
		ui_message(ui, UI_NEUTRAL, _("Nothing revoked"));
		return UI_STAY;
	}
	if (supervise_revoke(st, &by, name, roles[chosen], reason, ui_now(),
	    &err) != 0) {
		ui_message(ui, UI_ERROR, err.msg);
	} else {
		snprintf(msg, sizeof msg, _("Revoked %s from %s"),
		    policy_role_name(roles[chosen]), name);
		ui_message(ui, UI_OK, msg);
	}
	sp_people_load(pp);
	return UI_STAY;
}

static enum ui_act
sp_people_unlock_key(struct ui *ui, void *ctx)
{
	struct sp_people *pp = ctx;
	struct station *st = ui_station(ui);
	struct policy_actor by = { ui_user(ui), false };
	struct ferr err = { 0 };
	char name[SP_NAME_CAP], msg[SP_LINE];
	enum ui_act a;
	int64_t until = 0;
	int reason = 0;
	bool ok;

	if ((a = sp_allowed(ui, &ok)) != UI_STAY || !ok)
		return a;
	if ((a = sp_people_name(ui, pp, name, sizeof name)) != UI_STAY ||
	    name[0] == '\0')
		return a;
	if (lockout_state(st, name, ui_now(), &until) != LOCKOUT_LOCKED) {
		snprintf(msg, sizeof msg, _("%s is not locked"), name);
		ui_message(ui, UI_ATTENTION, msg);
		return UI_STAY;
	}
	snprintf(msg, sizeof msg, _("Unlock %s now?"), name);
	if ((a = sp_confirm(ui, msg, _("Unlock"), &ok)) != UI_STAY)
		return a;
	if (ok && (a = sp_choose_code(ui, WF_TABLE_UNLOCK, _("Why?"),
	    &reason)) != UI_STAY)
		return a;
	if (!ok || reason == 0) {
		ui_message(ui, UI_NEUTRAL, _("Still locked"));
		return UI_STAY;
	}
	if (supervise_unlock(st, &by, name, reason, ui_now(), &err) != 0) {
		ui_message(ui, UI_ERROR, err.msg);
	} else {
		snprintf(msg, sizeof msg, _("Unlocked %s"), name);
		ui_message(ui, UI_OK, msg);
	}
	sp_people_load(pp);
	return UI_STAY;
}

static const struct ui_key sp_people_keys[] = {
	{ UI_KEY_F(2), N_("Grant"), sp_people_grant_key },
	{ UI_KEY_F(3), N_("Revoke"), sp_people_revoke_key },
	{ UI_KEY_F(4), N_("Unlock"), sp_people_unlock_key },
	{ UI_KEY_ESC, N_("Back"), NULL },
	{ UI_KEY_F(10), N_("Log out"), NULL },
	{ UI_KEY_F(1), N_("Help"), NULL },
};

static enum ui_act
sp_people(struct ui *ui)
{
	struct sp_people *pp;
	struct ui_screen s;
	enum ui_act a;

	/* Large: keep it off the stack. */
	if ((pp = calloc(1, sizeof *pp)) == NULL) {
		ui_message(ui, UI_ERROR, _("out of memory"));
		return UI_STAY;
	}
	pp->ui = ui;
	s = (struct ui_screen){
		.title = N_("People and roles"),
		.keys = sp_people_keys,
		.nkeys = UI_NELEM(sp_people_keys),
		.draw = sp_people_draw,
		.input = sp_people_input,
		.input_label = N_("Name:"),
		.ctx = pp,
	};
	a = ui_run(ui, &s);
	free(pp);
	return sp_pass(a);
}

/* ---- exceptions --------------------------------------------------------- */

struct sp_exc {
	int64_t id;
	char order[ORDER_ID_MAX + 1];
	int kind;
	enum workflow_state state;
	char by[SP_NAME_CAP];
	int64_t at;
};

struct sp_excs {
	struct ui *ui;
	struct sp_exc e[SP_EXC_MAX];
	size_t n, sel;
	bool loaded;
};

static int
sp_excs_one(void *ctx, const struct workflow_exception_info *e)
{
	struct sp_excs *xs = ctx;
	struct sp_exc *x;

	if (xs->n >= SP_EXC_MAX)
		return 0;
	x = &xs->e[xs->n++];
	x->id = e->id;
	snprintf(x->order, sizeof x->order, "%s", e->order_id);
	x->kind = e->kind;
	x->state = e->state;
	snprintf(x->by, sizeof x->by, "%s", e->raised_by);
	x->at = e->raised_at;
	return 0;
}

static void
sp_excs_load(struct sp_excs *xs)
{
	struct ferr err = { 0 };

	xs->n = 0;
	xs->loaded = true;
	if (workflow_exceptions_open(ui_station(xs->ui), ui_user(xs->ui),
	    ui_now(), sp_excs_one, xs, &err) != 0)
		ui_message(xs->ui, UI_ERROR, err.msg);
	if (xs->sel >= xs->n)
		xs->sel = 0;
	ui_dirty(xs->ui);
}

static const char *
sp_code_text(enum workflow_table t, int code)
{
	struct workflow_code c;
	size_t i;

	for (i = 0; workflow_code_info(t, i, &c); i++)
		if (c.code == code)
			return _(c.text);
	return "?";
}

static void
sp_excs_draw(struct ui *ui, void *ctx)
{
	struct sp_excs *xs = ctx;
	const struct sp_exc *x;
	char line[SP_LINE], when[32];
	int rows = ui_body_rows(ui), row = 0;
	size_t i, first = 0;
	bool small = ui_small(ui);

	if (!xs->loaded)
		sp_excs_load(xs);
	if (xs->n == 0) {
		ui_put(ui, 0, 0, UI_OK, false, _("No open exceptions"), 0);
		return;
	}
	/* Small: two lines an exception. */
	if (small) {
		if (rows >= 4 && xs->sel >= (size_t)(rows / 2))
			first = xs->sel - (size_t)(rows / 2) + 1;
		for (i = first; i < xs->n && row + 1 < rows; i++) {
			x = &xs->e[i];
			snprintf(line, sizeof line, "%zu %s", i + 1, x->order);
			ui_put(ui, row, 0, i == xs->sel ? UI_ATTENTION :
			    UI_NEUTRAL, i == xs->sel, line, 0);
			sp_time(x->at, true, when, sizeof when);
			snprintf(line, sizeof line, "  %s, %s",
			    sp_code_text(WF_TABLE_EXCEPTION, x->kind), x->by);
			ui_put(ui, row + 1, 0, UI_NEUTRAL, false, line, 0);
			row += 2;
		}
		return;
	}
	if (rows >= 3 && xs->sel >= (size_t)(rows - 1))
		first = xs->sel - (size_t)(rows - 1) + 1;
	for (i = first; i < xs->n && row < rows; i++, row++) {
		x = &xs->e[i];
		sp_time(x->at, true, when, sizeof when);
		snprintf(line, sizeof line, "%c%2zu %-16s %-8s %-10s %s",
		    i == xs->sel ? '>' : ' ', i + 1, x->order,
		    workflow_state_name(x->state) != NULL ?
		    _(workflow_state_name(x->state)) : "?", x->by, when);
		ui_put(ui, row, 0, i == xs->sel ? UI_ATTENTION : UI_NEUTRAL,
		    i == xs->sel, line, 0);
		ui_put(ui, row, 58, UI_NEUTRAL, false,
		    sp_code_text(WF_TABLE_EXCEPTION, x->kind), 0);
	}
}

/* Enter: select by list number or order id. */
static enum ui_act
sp_excs_input(struct ui *ui, void *ctx, const char *text)
{
	struct sp_excs *xs = ctx;
	char *end;
	long k;
	size_t i;

	if (text[0] == '\0')
		return UI_STAY;
	for (i = 0; i < xs->n; i++) {
		if (strcmp(xs->e[i].order, text) == 0) {
			xs->sel = i;
			ui_dirty(ui);
			return UI_STAY;
		}
	}
	k = strtol(text, &end, 10);
	if (*end == '\0' && k >= 1 && (size_t)k <= xs->n) {
		xs->sel = (size_t)k - 1;
		ui_dirty(ui);
		return UI_STAY;
	}
	ui_message(ui, UI_ERROR, _("No open exception with that number or "
	    "order"));
	return UI_STAY;
}

static enum ui_act
sp_excs_resolve_key(struct ui *ui, void *ctx)
{
	struct sp_excs *xs = ctx;
	struct workflow_outcome out;
	struct ferr err = { 0 };
	char title[SP_LINE];
	enum ui_act a;
	int code, r;

	if (xs->n == 0 || xs->sel >= xs->n) {
		ui_message(ui, UI_ATTENTION, _("No open exceptions"));
		return UI_STAY;
	}
	snprintf(title, sizeof title, _("Resolve the exception on %s"),
	    xs->e[xs->sel].order);
	if ((a = sp_choose_code(ui, WF_TABLE_RESOLUTION, title, &code)) !=
	    UI_STAY || code == 0)
		return a;
	memset(&out, 0, sizeof out);
	r = workflow_exception_resolve(ui_station(ui), ui_user(ui),
	    xs->e[xs->sel].id, code, ui_now(), &out, &err);
	a = sp_outcome(ui, r, &out, &err);
	sp_excs_load(xs);
	return a;
}

static enum ui_act
sp_excs_refresh_key(struct ui *ui, void *ctx)
{
	sp_excs_load(ctx);
	ui_message(ui, UI_NEUTRAL, _("Queue reloaded"));
	return UI_STAY;
}

static const struct ui_key sp_excs_keys[] = {
	{ UI_KEY_F(6), N_("Resolve"), sp_excs_resolve_key },
	{ UI_KEY_F(7), N_("Reload"), sp_excs_refresh_key },
	{ UI_KEY_ESC, N_("Back"), NULL },
	{ UI_KEY_F(10), N_("Log out"), NULL },
	{ UI_KEY_F(1), N_("Help"), NULL },
};

static enum ui_act
sp_exceptions(struct ui *ui)
{
	struct sp_excs *xs;
	struct ui_screen s;
	enum ui_act a;

	if ((xs = calloc(1, sizeof *xs)) == NULL) {
		ui_message(ui, UI_ERROR, _("out of memory"));
		return UI_STAY;
	}
	xs->ui = ui;
	s = (struct ui_screen){
		.title = N_("Open exceptions"),
		.keys = sp_excs_keys,
		.nkeys = UI_NELEM(sp_excs_keys),
		.draw = sp_excs_draw,
		.input = sp_excs_input,
		.input_label = N_("Number or order:"),
		.ctx = xs,
	};
	a = ui_run(ui, &s);
	free(xs);
	return sp_pass(a);
}

/* ---- a revealed order -------------------------------------------------- */

struct sp_shown {
	struct order_view *v;
	char id[ORDER_ID_MAX + 1];
	size_t top;			/* first line drawn */
	size_t nlines;			/* lines at the last draw */
};

/* The fields of a revealed order, recipient first. */
static const enum order_field sp_shown_fields[] = {
	FIELD_NAME, FIELD_LINE1, FIELD_LINE2, FIELD_CITY, FIELD_REGION,
	FIELD_POSTCODE, FIELD_COUNTRY, FIELD_PHONE, FIELD_BUYER_EMAIL,
	FIELD_GIFT_MESSAGE, FIELD_REF, FIELD_STATE, FIELD_SHIP_BY,
	FIELD_SERVICE,
};
#define SP_NSHOWN (sizeof sp_shown_fields / sizeof sp_shown_fields[0])

static void
sp_shown_draw(struct ui *ui, void *ctx)
{
	struct sp_shown *sh = ctx;
	const struct policy_field *pf;
	const char *t, *qty, *sku, *title;
	char qbuf[32];
	int rows = ui_body_rows(ui), row = 0, labw;
	size_t i, line = 0;

	labw = ui_small(ui) ? 9 : 14;
	/* The order it is, always on top; the rest pages (F7). */
	ui_put(ui, row, 0, UI_DIM, false, _("Order"), labw);
	ui_put(ui, row++, labw + 1, UI_NEUTRAL, true, sh->id, 0);
	for (i = 0; i < SP_NSHOWN; i++) {
		if ((t = view_text(sh->v, sp_shown_fields[i])) == NULL)
			continue;
		if (line++ < sh->top || row >= rows)
			continue;
		pf = policy_field_get(sp_shown_fields[i]);
		ui_put(ui, row, 0, UI_DIM, false, pf != NULL ? _(pf->title) :
		    "", labw);
		ui_put(ui, row, labw + 1, UI_ATTENTION, false, t, 0);
		row++;
	}
	for (i = 0; i < view_nitems(sh->v); i++) {
		if (line++ < sh->top || row >= rows)
			continue;
		qty = view_item_text(sh->v, i, FIELD_ITEM_QTY);
		sku = view_item_text(sh->v, i, FIELD_ITEM_SKU);
		title = view_item_text(sh->v, i, FIELD_ITEM_TITLE);
		snprintf(qbuf, sizeof qbuf, "%s x", qty != NULL ? qty : "?");
		ui_put(ui, row, 0, UI_NEUTRAL, true, qbuf, labw);
		ui_put(ui, row, labw + 1, UI_NEUTRAL, false, sku != NULL ?
		    sku : "", 0);
		if (title != NULL && !ui_small(ui))
			ui_put(ui, row, labw + 1 + 22, UI_NEUTRAL, false, title,
			    0);
		row++;
	}
	sh->nlines = line;
}

static enum ui_act
sp_shown_more_key(struct ui *ui, void *ctx)
{
	struct sp_shown *sh = ctx;
	size_t page = (size_t)(ui_body_rows(ui) > 2 ? ui_body_rows(ui) - 1 :
	    1);

	sh->top = sh->top + page < sh->nlines ? sh->top + page : 0;
	ui_dirty(ui);
	return UI_STAY;
}

static const struct ui_key sp_shown_keys[] = {
	{ UI_KEY_F(7), N_("More"), sp_shown_more_key },
	{ UI_KEY_ESC, N_("Back"), NULL },
	{ UI_KEY_F(10), N_("Log out"), NULL },
	{ UI_KEY_F(1), N_("Help"), NULL },
};

/*
 * The order id_ revealed: build the view (the reveal was allowed and
 * recorded), show it until the screen is left, then wipe it.
 */
static enum ui_act
sp_show_revealed(struct ui *ui, const char *id)
{
	struct station *st = ui_station(ui);
	struct order *o = NULL;
	struct sp_shown sh;
	struct ui_screen s;
	struct ferr err = { 0 };
	unsigned roles = 0;
	enum ui_act a;
	int r;

	memset(&sh, 0, sizeof sh);
	snprintf(sh.id, sizeof sh.id, "%s", id);
	if ((r = policy_roles(st->store, ui_user(ui), ui_now(), &roles,
	    &err)) != 0 ||
	    (r = orders_find(st->store, st->kek, id, &o, &err)) != 0) {
		ui_message(ui, UI_ERROR, err.msg);
		return UI_STAY;
	}
	if (strcmp(o->id, id) != 0) {
		/* A ref that names another order: not the one revealed. */
		order_free(o);
		ui_message(ui, UI_ERROR, _("No such order"));
		return UI_STAY;
	}
	r = view_new(o, roles, true, &sh.v, &err);
	order_free(o);
	if (r != 0) {
		ui_message(ui, UI_ERROR, err.msg);
		return UI_STAY;
	}
	s = (struct ui_screen){
		.title = N_("Customer data (recorded)"),
		.keys = sp_shown_keys,
		.nkeys = UI_NELEM(sp_shown_keys),
		.draw = sp_shown_draw,
		.ctx = &sh,
	};
	a = ui_run(ui, &s);
	view_free(sh.v);
	sh.v = NULL;
	ui_dirty(ui);
	return sp_pass(a);
}

/* ---- reveal and override: an order id, a reason, the core's answer ----- */

static bool
sp_order_id_ok(struct ui *ui, const char *text)
{
	if (text[0] == '\0')
		return false;
	if (strlen(text) > ORDER_ID_MAX) {
		ui_message(ui, UI_ERROR, _("No such order"));
		return false;
	}
	return true;
}

static enum ui_act
sp_reveal_input(struct ui *ui, void *ctx, const char *text)
{
	struct workflow_outcome out;
	struct ferr err = { 0 };
	char id[ORDER_ID_MAX + 1], title[SP_LINE], reason[4 *
	    WORKFLOW_REVEAL_TEXT_MAX + 8];
	enum ui_act a;
	int code, r;
	bool ok;

	(void)ctx;
	if (!sp_order_id_ok(ui, text))
		return UI_STAY;
	snprintf(id, sizeof id, "%s", text);
	snprintf(title, sizeof title, _("Why reveal order %s?"), id);
	if ((a = sp_choose_code(ui, WF_TABLE_REVEAL, title, &code)) !=
	    UI_STAY || code == 0)
		return a;
	reason[0] = '\0';
	a = ui_prompt(ui, _("Reason:"), false, reason, sizeof reason);
	if (a != UI_DONE) {
		secret_wipe(reason, sizeof reason);
		return sp_pass(a);
	}
	snprintf(title, sizeof title, _("Reveal %s? It is recorded"), id);
	if ((a = sp_confirm(ui, title, _("Reveal"), &ok)) != UI_STAY ||
	    !ok) {
		secret_wipe(reason, sizeof reason);
		if (a == UI_STAY)
			ui_message(ui, UI_NEUTRAL, _("Nothing revealed"));
		return a;
	}
	memset(&out, 0, sizeof out);
	r = workflow_reveal(ui_station(ui), ui_user(ui), id, code, reason,
	    ui_now(), &out, &err);
	secret_wipe(reason, sizeof reason);
	if (r != 0 || out.result != WF_R_REVEAL_OK)
		return sp_outcome(ui, r < 0 ? r : FULFIL_EPERM, &out, &err);
	a = sp_show_revealed(ui, id);
	if (a == UI_STAY)
		ui_message(ui, UI_NEUTRAL, _("Customer data hidden again"));
	return a;
}

static enum ui_act
sp_override_input(struct ui *ui, void *ctx, const char *text)
{
	struct workflow_outcome out;
	struct ferr err = { 0 };
	char id[ORDER_ID_MAX + 1], title[SP_LINE];
	enum ui_act a;
	int code, r;
	bool ok;

	(void)ctx;
	if (!sp_order_id_ok(ui, text))
		return UI_STAY;
	snprintf(id, sizeof id, "%s", text);
	snprintf(title, sizeof title, _("Why lift scan checks on %s?"), id);
	if ((a = sp_choose_code(ui, WF_TABLE_OVERRIDE, title, &code)) !=
	    UI_STAY || code == 0)
		return a;
	snprintf(title, sizeof title, _("Override %s? It is recorded"), id);
	if ((a = sp_confirm(ui, title, _("Override"), &ok)) != UI_STAY ||
	    !ok) {
		if (a == UI_STAY)
			ui_message(ui, UI_NEUTRAL, _("Nothing changed"));
		return a;
	}
	memset(&out, 0, sizeof out);
	r = workflow_override(ui_station(ui), ui_user(ui), id, code, ui_now(),
	    &out, &err);
	return sp_outcome(ui, r, &out, &err);
}

struct sp_text {
	const char *lines[4];	/* N_() */
};

/*
 * Draw text (trusted: a translated message) from row on, wrapped at
 * spaces to the body's width; a word wider than the body is cut by
 * ui_put. Returns the rows used.
 */
static int
sp_put_wrapped(struct ui *ui, int row, const char *text)
{
	char line[SP_LINE];
	size_t cols = (size_t)(ui_body_cols(ui) > 0 ? ui_body_cols(ui) : 1);
	size_t best, len;
	const char *p = text, *sp;
	int n = 0;

	while (*p != '\0' && row + n < ui_body_rows(ui)) {
		best = 0;
		for (sp = p;; sp++) {
			if (*sp != ' ' && *sp != '\0')
				continue;
			len = (size_t)(sp - p);
			if (len >= sizeof line)
				break;
			memcpy(line, p, len);
			line[len] = '\0';
			if (best > 0 && display_width(line) > cols)
				break;
			best = len;
			if (*sp == '\0' || display_width(line) > cols)
				break;
		}
		if (best == 0)
			best = strnlen(p, sizeof line - 1);
		memcpy(line, p, best);
		line[best] = '\0';
		ui_put(ui, row + n++, 0, UI_NEUTRAL, false, line, 0);
		p += best;
		while (*p == ' ')
			p++;
	}
	return n;
}

static void
sp_text_draw(struct ui *ui, void *ctx)
{
	const struct sp_text *t = ctx;
	size_t i;
	int row = 0;

	for (i = 0; i < 4 && t->lines[i] != NULL; i++)
		row += sp_put_wrapped(ui, row, _(t->lines[i]));
}

static const struct ui_key sp_plain_keys[] = {
	{ UI_KEY_ESC, N_("Back"), NULL },
	{ UI_KEY_F(10), N_("Log out"), NULL },
	{ UI_KEY_F(1), N_("Help"), NULL },
};

static enum ui_act
sp_order_screen(struct ui *ui, const char *title, const struct sp_text *t,
    enum ui_act (*input)(struct ui *, void *, const char *))
{
	struct ui_screen s;

	s = (struct ui_screen){
		.title = title,
		.keys = sp_plain_keys,
		.nkeys = UI_NELEM(sp_plain_keys),
		.draw = sp_text_draw,
		.input = input,
		.input_label = N_("Order:"),
		.ctx = (void *)(uintptr_t)t,
	};
	return sp_pass(ui_run(ui, &s));
}

static const struct sp_text sp_reveal_text = { {
	N_("Scan or type the order id."),
	N_("A reason is asked; it is recorded."),
	N_("Over 5 an hour locks your account."),
	NULL,
} };

static const struct sp_text sp_override_text = { {
	N_("Scan or type the order id."),
	N_("Its next pick or pack may then go on"),
	N_("without every item scanned. Recorded."),
	NULL,
} };

/* ---- the supervisor's menu ---------------------------------------------- */

static enum ui_act
sp_menu_people(struct ui *ui, void *ctx)
{
	(void)ctx;
	return sp_people(ui);
}

static enum ui_act
sp_menu_exceptions(struct ui *ui, void *ctx)
{
	(void)ctx;
	return sp_exceptions(ui);
}

static enum ui_act
sp_menu_reveal(struct ui *ui, void *ctx)
{
	(void)ctx;
	return sp_order_screen(ui, N_("Reveal customer data"),
	    &sp_reveal_text, sp_reveal_input);
}

static enum ui_act
sp_menu_override(struct ui *ui, void *ctx)
{
	(void)ctx;
	return sp_order_screen(ui, N_("Override scan checks"),
	    &sp_override_text, sp_override_input);
}

static const struct ui_key sp_menu_keys[] = {
	{ UI_KEY_F(2), N_("People"), sp_menu_people },
	{ UI_KEY_F(3), N_("Exceptions"), sp_menu_exceptions },
	{ UI_KEY_F(4), N_("Reveal"), sp_menu_reveal },
	{ UI_KEY_F(7), N_("Override"), sp_menu_override },
	{ UI_KEY_ESC, N_("Back"), NULL },
	{ UI_KEY_F(10), N_("Log out"), NULL },
	{ UI_KEY_F(1), N_("Help"), NULL },
};

static void
sp_menu_draw(struct ui *ui, void *ctx)
{
	static const char *const lines[] = {
		N_("F2  People and roles"),
		N_("F3  Open exceptions"),
		N_("F4  Reveal customer data"),
		N_("F7  Override scan checks"),
	};
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ui_put(ui, (int)i, 0, UI_NEUTRAL, false, _(lines[i]), 0);
}

enum ui_act
screen_super(struct ui *ui)
{
	struct ui_screen s;
	enum ui_act a;
	bool ok;

	if ((a = sp_allowed(ui, &ok)) != UI_STAY)
		return a;
	if (!ok)
		return UI_BACK;
	s = (struct ui_screen){
		.title = N_("Supervisor"),
		.keys = sp_menu_keys,
		.nkeys = UI_NELEM(sp_menu_keys),
		.draw = sp_menu_draw,
	};
	a = ui_run(ui, &s);
	return a == UI_LOGOUT || a == UI_QUIT ? a : UI_BACK;
}
