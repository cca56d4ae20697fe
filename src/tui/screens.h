/*
 * screens: the terminal's screens (screen_*.c), each built on ui.h.
 * Screens only draw and read keys: every decision is the core's
 * (workflow.h, view.h, policy.h). None of them includes curses.
 *
 * Every screen function is a wait: it returns UI_BACK (back to the
 * screen before), UI_LOGOUT (F10, idle, the person was locked) or
 * UI_QUIT (a signal), and frees every view it held before it returns.
 */
#ifndef FULFIL_SCREENS_H
#define FULFIL_SCREENS_H

#include "ui.h"

struct login_ui;

/* screen_login.c: the struct login_ui of login.h drawn with ui. */
/*
 * The login screen; notice (may be "" or NULL, borrowed for the
 * program's life) is shown line by line above User: after every clear.
 */
const struct login_ui *screen_login_ui(struct ui *ui, const char *notice);

/*
 * screen_home.c: the home screen of the person logged in (ui_session),
 * by role: picker queue; packer/dispatcher "Scan an order"; auditor
 * nothing. Returns when the person logs out (UI_LOGOUT) or a signal
 * (UI_QUIT).
 */
enum ui_act screen_home(struct ui *ui);

/*
 * screen_order.c: the order id_or_ref (scanned or chosen) for the
 * person logged in. The view is built by core for their roles and freed
 * before this returns. UI_BACK back to home.
 */
enum ui_act screen_order(struct ui *ui, const char *id_or_ref);

/* screen_help.c: the keys of screen s (its table and the global keys). */
enum ui_act screen_help(struct ui *ui, const struct ui_screen *s);

/*
 * screen_super.c (the supervisor helper's): the supervisor's screens,
 * reached from home with F2 by people holding ROLE_SUPERVISOR. Who it
 * is for: ui_user(ui), ui_roles(ui), ui_station(ui). Returns UI_BACK
 * to home, UI_LOGOUT or UI_QUIT.
 */
enum ui_act screen_super(struct ui *ui);

#endif
