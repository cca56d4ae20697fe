/*
 * ui: the terminal's screen framework, and the ONLY user of curses.
 *
 * A screen is a struct ui_screen: a title, a key table (key, label N_(),
 * handler), a draw function for its body and, when it takes scans, a
 * handler for the always-focused input line. ui_run() draws the frame
 * around it (top line: who, roles, station status, outbox depth; the
 * message line; the input line; the key bar made from the key table),
 * reads keys and calls the handlers until one of them ends the screen.
 *
 * Layout (rows): 0 top line; 1 title; 2 .. rows-4 the body
 * (ui_body_rows()); rows-3 the message; rows-2 the input line; rows-1
 * the key bar. Usable from 40x16; larger terminals get more body.
 *
 * Keys: F1..F12 come as UI_KEY_F(n), also typed as Esc then a digit
 * (Esc 1..9 = F1..F9, Esc 0 = F10). Handled by ui_run for every screen
 * unless the screen's table binds them: F1 help (screen_help), F10 log
 * out (UI_LOGOUT), Esc back (UI_BACK). Enter hands the input line to
 * screen->input, then clears it, accepted or not.
 *
 * Every string drawn goes through display_fit (core display.h) and is
 * cut to the columns left: callers pass any text. Idle logout ([auth]
 * idle_logout), SIGTERM/SIGHUP/SIGINT/SIGQUIT and resize are handled
 * inside every wait (ui_run, ui_prompt, ui_choose, ui_alert, ui_read):
 * they return UI_LOGOUT (idle) or UI_QUIT (a signal) and the screens
 * unwind, each freeing its views on the way out.
 */
#ifndef FULFIL_UI_H
#define FULFIL_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferr.h"

struct ui;
struct station;
struct auth_session;
struct workflow_scanner;
struct fulfil_config;

/* Keys, independent of curses. */
#define UI_KEY_NONE 0
#define UI_KEY_ENTER '\n'
#define UI_KEY_ESC 0x1b
#define UI_KEY_F(n) (0x10000 + (n))	/* F1 .. F12 */

/* What a handler (or a wait) tells the screen. */
enum ui_act {
	UI_STAY = 0,	/* go on with this screen */
	UI_DONE,	/* the dialog or screen finished its job */
	UI_BACK,	/* Esc: back to the screen before */
	UI_LOGOUT,	/* log out (F10, idle, WF_FX_LOGOUT) */
	UI_QUIT,	/* a signal: end the program */
};

/* Tones; never colour alone: each also has an attribute. */
enum ui_tone {
	UI_NEUTRAL = 0,
	UI_OK,		/* green / bold */
	UI_ATTENTION,	/* yellow / reverse */
	UI_ERROR,	/* red / bold reverse; messages also beep + flash */
	UI_DIM,		/* labels (A_DIM where it exists, else normal) */
};

typedef enum ui_act (*ui_key_fn)(struct ui *ui, void *ctx);

/* One row of a screen's key table. label is N_() (ui translates it). */
/* Entries of a static table (key tables of the screens). */
#define UI_NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct ui_key {
	int key;		/* UI_KEY_F(n), UI_KEY_ESC, ... */
	const char *label;	/* N_("Confirm"); NULL: not on the key bar */
	ui_key_fn fn;		/* called with the screen's ctx */
	unsigned roles;		/* ROLE_BIT()s it is for; 0: everyone. Keys
				   of roles the person lacks are not on
				   the bar and do nothing */
};

struct ui_screen {
	const char *title;		/* N_(); translated by ui */
	const struct ui_key *keys;
	size_t nkeys;
	/* Draw the body (rows 0 .. ui_body_rows() - 1); may be NULL. */
	void (*draw)(struct ui *ui, void *ctx);
	/*
	 * Enter on the input line (text: what was typed, controls
	 * stripped, NUL-terminated). NULL: the screen has no input line.
	 */
	enum ui_act (*input)(struct ui *ui, void *ctx, const char *text);
	const char *input_label;	/* N_("Scan"); NULL: "Scan" */
	void *ctx;
};

/* ---- life ------------------------------------------------------------ */

/*
 * Take the terminal: curses in the alternate screen, colours when the
 * terminal has them, signal handlers (SIGTERM, SIGHUP, SIGINT, SIGQUIT
 * stop every wait; SIGTSTP ignored). One at a time. cfg is borrowed.
 */
int ui_open(const struct fulfil_config *cfg, struct station *st,
    struct ui **out, struct ferr *err);

/* Clear, erase, refresh, endwin: nothing left on the terminal. */
void ui_close(struct ui *ui);

/* The signal that stopped the program, or 0. */
int ui_stop_signal(void);

/* Who is logged in (NULL: nobody); borrowed until set to NULL again. */
void ui_set_session(struct ui *ui, struct auth_session *s);
const struct auth_session *ui_session(const struct ui *ui);
const char *ui_user(const struct ui *ui);	/* "" when nobody */
unsigned ui_roles(const struct ui *ui);		/* ROLE_BIT()s */
struct station *ui_station(struct ui *ui);
struct workflow_scanner *ui_scanner(struct ui *ui);
const struct fulfil_config *ui_config(const struct ui *ui);
int64_t ui_now(void);		/* unix seconds */
int64_t ui_now_ms(void);	/* unix milliseconds */

/*
 * Clear the screen (and erase, refresh) and reset the scanner: what
 * logout, idle and exit do. Views are freed by the screens that hold
 * them as they unwind.
 */
void ui_wipe(struct ui *ui);

/* ---- the loop -------------------------------------------------------- */

/* Run screen s until a handler returns anything but UI_STAY. */
enum ui_act ui_run(struct ui *ui, const struct ui_screen *s);

/* Redraw s's body on the next turn of the loop. */
void ui_dirty(struct ui *ui);

/* The screen ui_run runs now (for help); NULL outside ui_run. */
const struct ui_screen *ui_current(const struct ui *ui);

/* ---- drawing (inside draw) -------------------------------------------- */

int ui_body_rows(const struct ui *ui);
int ui_body_cols(const struct ui *ui);
bool ui_small(const struct ui *ui);	/* fewer than 60 columns */

/*
 * Draw text at body row, col, cut to the columns left (or to maxcols
 * when > 0) with an ellipsis, sanitised by display_fit. Returns the
 * columns drawn. Rows outside the body draw nothing.
 */
int ui_put(struct ui *ui, int row, int col, enum ui_tone tone, bool bold,
    const char *text, int maxcols);

/* The message line: stays until the next key. UI_ERROR beeps + flashes. */
void ui_message(struct ui *ui, enum ui_tone tone, const char *text);

/* beep() + flash(). */
void ui_bell(struct ui *ui);

/* ---- dialogs (each a wait: UI_LOGOUT / UI_QUIT pass through) ---------- */

/*
 * A blocking alert (a cancelled order): title and text until Enter.
 * UI_DONE after Enter.
 */
enum ui_act ui_alert(struct ui *ui, const char *title, const char *text);

/*
 * Ask for a line: prompt on the input line, buf (cap bytes) gets what
 * was typed, controls stripped. hidden: nothing is echoed. UI_DONE on
 * Enter, UI_BACK on Esc.
 */
enum ui_act ui_prompt(struct ui *ui, const char *prompt, bool hidden,
    char *buf, size_t cap);

/*
 * Choose one of n items (already translated), by digit 1..9 or arrows
 * and Enter: *chosen = its index, UI_DONE. Esc: UI_BACK.
 */
enum ui_act ui_choose(struct ui *ui, const char *title,
    const char *const *items, size_t n, size_t *chosen);

/*
 * The login screen's read: like ui_prompt with a time limit (ms, < 0:
 * none) and a secret for the result; for screen_login's login_ui.
 * Returns an enum login_read value (login.h) as int.
 */
int ui_read_line(struct ui *ui, const char *title, const char *prompt,
    bool hidden, int64_t timeout_ms, char *buf, size_t cap, size_t *len,
    bool *toolong);

/* Lines the login screen shows above its prompt (PAM messages). */
void ui_login_show(struct ui *ui, const char *text);
void ui_login_clear(struct ui *ui);
void ui_discard_input(struct ui *ui);

#endif
