/*
 * ui: the screen framework of the terminal (see ui.h), and the only
 * module that includes curses.
 *
 * Owns curses (alternate screen, colours or their monochrome fallback),
 * the frame every screen is drawn in (top line, title, message, input
 * line, key bar), the keys (F-keys and Esc+digit), the input line, the
 * idle timer, and the signal handlers that stop every wait.
 *
 * Must never: draw a string that did not go through display_fit; echo a
 * hidden answer; keep what was typed after Enter (the input line is
 * wiped); decide anything about an order or a person (the core does).
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "auth.h"
#include "display.h"
#include "fconfig.h"
#include "ferr.h"
#include "i18n.h"
#include "login.h"
#include "policy.h"
#include "screens.h"
#include "retention.h"
#include "secret.h"
#include "station.h"
#include "sync.h"
#include "ui.h"
#include "workflow.h"

#define UI_INPUT_MAX 512	/* bytes of the input line */
#define UI_LOGIN_LINES 8	/* lines the login screen keeps */
#define UI_TICK_MS 200		/* how often a wait looks at signals */
#define UI_ESC_MS 600		/* Esc then a digit within this */
#define UI_KEY_STOP (-2)	/* a wait ended by a signal */
#define UI_KEY_IDLE (-3)	/* a wait ended by idle_logout */
#define UI_KEY_TIMEOUT (-4)	/* a wait's own deadline passed */
#define UI_KEY_RESIZED (-5)

enum { PAIR_OK = 1, PAIR_ATTN, PAIR_ERR, PAIR_DIM };

/* What was typed or shown: in locked memory. */
struct ui_text {
	char msg[512];				/* the message line */
	char in[UI_INPUT_MAX + 1];		/* the input line */
	char login[UI_LOGIN_LINES][AUTH_MSG_MAX + 1];	/* login lines */
};

struct ui {
	const struct fulfil_config *cfg;
	struct station *st;
	struct auth_session *sess;
	struct workflow_scanner scanner;
	SCREEN *scr;
	bool colour;
	int64_t last_input_ms;
	const struct ui_screen *cur;
	bool dirty;
	enum ui_tone msg_tone;
	size_t inlen;
	size_t nlogin;
	struct secret *mem;	/* holds *t: locked, wiped on free */
	struct ui_text *t;
	char sync_label[48];	/* background sync, as last drawn */
};

static volatile sig_atomic_t ui_stop;
static bool ui_taken;

static const int ui_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define UI_NSIG (sizeof ui_signals / sizeof ui_signals[0])

static void
ui_on_signal(int sig)
{
	if (ui_stop == 0)
		ui_stop = sig;
	login_note_signal(sig);
}

int
ui_stop_signal(void)
{
	return (int)ui_stop;
}

int64_t
ui_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ui_now(void)
{
	return (int64_t)time(NULL);
}

/* ---- life ------------------------------------------------------------ */

int
ui_open(const struct fulfil_config *cfg, struct station *st, struct ui **out,
    struct ferr *err)
{
	struct sigaction sa;
	struct ui *ui;
	size_t i;

	*out = NULL;
	if (ui_taken)
		return ferr_set(err, FULFIL_ESTATE, _("the screen is in use"));
	if ((ui = calloc(1, sizeof *ui)) == NULL ||
	    (ui->mem = secret_new(sizeof *ui->t)) == NULL) {
		free(ui);
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	}
	ui->t = (struct ui_text *)(void *)ui->mem->data;
	ui->cfg = cfg;
	ui->st = st;
	/* Ours before curses: it then leaves them alone. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ui_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < UI_NSIG; i++)
		(void)sigaction(ui_signals[i], &sa, NULL);
	(void)signal(SIGTSTP, SIG_IGN);
	if ((ui->scr = newterm(NULL, stdout, stdin)) == NULL) {
		secret_free(ui->mem);
		free(ui);
		return ferr_set(err, FULFIL_EIO,
		    _("cannot use this terminal (is TERM set?)"));
	}
	set_term(ui->scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(1);
	if (has_colors() && start_color() == OK) {
		ui->colour = true;
		(void)use_default_colors();
		init_pair(PAIR_OK, COLOR_GREEN, -1);
		init_pair(PAIR_ATTN, COLOR_YELLOW, -1);
		init_pair(PAIR_ERR, COLOR_RED, -1);
		init_pair(PAIR_DIM, COLOR_CYAN, -1);
	}
	ui->last_input_ms = ui_now_ms();
	ui_taken = true;
	erase();
	refresh();
	*out = ui;
	return 0;
}

void
ui_close(struct ui *ui)
{
	if (ui == NULL)
		return;
	ui_wipe(ui);
	flushinp();
	endwin();
	delscreen(ui->scr);
	workflow_scanner_reset(&ui->scanner);
	secret_free(ui->mem);
	free(ui);
	ui_taken = false;
}

void
ui_set_session(struct ui *ui, struct auth_session *s)
{
	ui->sess = s;
	workflow_scanner_reset(&ui->scanner);
	ui->last_input_ms = ui_now_ms();
}

const struct auth_session *
ui_session(const struct ui *ui)
{
	return ui->sess;
}

const char *
ui_user(const struct ui *ui)
{
	return ui->sess != NULL ? ui->sess->user : "";
}

unsigned
ui_roles(const struct ui *ui)
{
	return ui->sess != NULL ? ui->sess->roles : 0;
}

struct station *
ui_station(struct ui *ui)
{
	return ui->st;
}

struct workflow_scanner *
ui_scanner(struct ui *ui)
{
	return &ui->scanner;
}

const struct fulfil_config *
ui_config(const struct ui *ui)
{
	return ui->cfg;
}

static void
ui_wipe_input(struct ui *ui)
{
	secret_wipe(ui->t->in, sizeof ui->t->in);
	ui->inlen = 0;
}

void
ui_wipe(struct ui *ui)
{
	ui_wipe_input(ui);
	secret_wipe(ui->t->msg, sizeof ui->t->msg);
	secret_wipe(ui->t->login, sizeof ui->t->login);
	ui->nlogin = 0;
	workflow_scanner_reset(&ui->scanner);
	clear();
	erase();
	refresh();
}

void
ui_discard_input(struct ui *ui)
{
	(void)ui;
	flushinp();
}

/* ---- drawing ---------------------------------------------------------- */

static attr_t
ui_attr(const struct ui *ui, enum ui_tone tone)
{
	switch (tone) {
	case UI_OK:
		return A_BOLD | (ui->colour ? COLOR_PAIR(PAIR_OK) : 0);
	case UI_ATTENTION:
		return ui->colour ? A_BOLD | COLOR_PAIR(PAIR_ATTN) : A_REVERSE;
	case UI_ERROR:
		return A_BOLD | A_REVERSE |
		    (ui->colour ? COLOR_PAIR(PAIR_ERR) : 0);
	case UI_DIM:
		return ui->colour ? COLOR_PAIR(PAIR_DIM) : A_NORMAL;
	default:
		return A_NORMAL;
	}
}

/* Draw text at screen row y, column x, in at most cols columns. */
static int
ui_draw_at(int y, int x, attr_t a, const char *text, int cols)
{
	char buf[DISPLAY_BOUND(256)];
	struct display_out o;

	if (text == NULL || cols <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + cols > COLS)
		cols = COLS - x;
	if (display_fit(text, strnlen(text, 256), (size_t)cols, buf,
	    sizeof buf, &o) != 0)
		return 0;
	attrset(a);
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
	secret_wipe(buf, sizeof buf);
	return (int)o.cols;
}

int
ui_body_rows(const struct ui *ui)
{
	(void)ui;
	return LINES > 5 ? LINES - 5 : 0;
}

int
ui_body_cols(const struct ui *ui)
{
	(void)ui;
	return COLS;
}

bool
ui_small(const struct ui *ui)
{
	(void)ui;
	return COLS < 60;
}

int
ui_put(struct ui *ui, int row, int col, enum ui_tone tone, bool bold,
    const char *text, int maxcols)
{
	int cols;

	if (row < 0 || row >= ui_body_rows(ui) || col < 0 || col >= COLS)
		return 0;
	cols = COLS - col;
	if (maxcols > 0 && maxcols < cols)
		cols = maxcols;
	return ui_draw_at(row + 2, col, ui_attr(ui, tone) |
	    (bold ? A_BOLD : 0), text, cols);
}

void
ui_bell(struct ui *ui)
{
	(void)ui;
	beep();
	flash();
}

void
ui_message(struct ui *ui, enum ui_tone tone, const char *text)
{
	ui->msg_tone = tone;
	if (display_fit(text != NULL ? text : "", text != NULL ? strlen(text) :
	    0, DISPLAY_COLS_ANY, ui->t->msg, sizeof ui->t->msg, NULL) != 0)
		ui->t->msg[0] = '\0';
	if (tone == UI_ERROR)
		ui_bell(ui);
	ui->dirty = true;
}

void
ui_dirty(struct ui *ui)
{
	ui->dirty = true;
}

const struct ui_screen *
ui_current(const struct ui *ui)
{
	return ui->cur;
}

/* The key's name on the key bar: "F6", or "Esc". */
static void
ui_key_name(int key, char *buf, size_t len)
{
	if (key >= UI_KEY_F(1) && key <= UI_KEY_F(12))
		snprintf(buf, len, "F%d", key - UI_KEY_F(0));
	else if (key == UI_KEY_ESC)
		snprintf(buf, len, "Esc");
	else if (key == UI_KEY_ENTER)
		snprintf(buf, len, "Enter");
	else
		snprintf(buf, len, "?");
}

static void
ui_draw_top(struct ui *ui)
{
	char line[256], roles[128] = "", sync[48];
	int64_t outbox = -1;
	struct ferr err = { 0 };
	const char *name;
	size_t o = 0;
	int r, n;

	if (ui->sess == NULL) {
		snprintf(line, sizeof line, "fulfil");
	} else {
		for (r = ROLE_PICKER; r <= ROLE_MAX; r++) {
			if ((ui->sess->roles & ROLE_BIT(r)) == 0 ||
			    (name = policy_role_name((enum role)r)) == NULL)
				continue;
			n = snprintf(roles + o, sizeof roles - o, "%s%s",
			    o > 0 ? "," : "", name);
			if (n < 0 || (size_t)n >= sizeof roles - o)
				break;
			o += (size_t)n;
		}
		sync_bg_label(sync, sizeof sync);
		snprintf(ui->sync_label, sizeof ui->sync_label, "%s", sync);
		/* Only the outbox count: the top line is redrawn often. */
		if (ui->st != NULL && station_outbox_depth(ui->st, &outbox,
		    &err) == 0)
			snprintf(line, sizeof line, _("%s (%s) | %s | outbox %lld"),
			    ui->sess->user, roles, sync, (long long)outbox);
		else
			snprintf(line, sizeof line, "%s (%s) | %s",
			    ui->sess->user, roles, sync);
	}
	attrset(A_REVERSE);
	mvhline(0, 0, ' ', COLS);
	attrset(A_NORMAL);
	ui_draw_at(0, 0, A_REVERSE, line, COLS);
}

/* F1 (help) and Esc (back) work on every screen: first to leave the bar. */
static bool
ui_key_universal(int key)
{
	return key == UI_KEY_F(1) || key == UI_KEY_ESC;
}

/* Is k for the person at the screen (one of its roles, or everyone)? */
static bool
ui_key_for(const struct ui *ui, const struct ui_key *k)
{
	return k->roles == 0 || (ui_roles(ui) & k->roles) != 0;
}

/* Is k on the key bar? Universal keys only when with_all. */
static bool
ui_key_shown(const struct ui *ui, const struct ui_key *k, bool with_all)
{
	return k->label != NULL && ui_key_for(ui, k) &&
	    (with_all || !ui_key_universal(k->key));
}

/*
 * Columns the key bar takes: each key's name, a space, its label cut to
 * cut columns (0: whole), a space.
 */
static int
ui_keys_width(const struct ui *ui, const struct ui_screen *s, bool with_all,
    int cut)
{
	char name[16];
	size_t i;
	int w = 0, lw;

	for (i = 0; i < s->nkeys; i++) {
		if (!ui_key_shown(ui, &s->keys[i], with_all))
			continue;
		ui_key_name(s->keys[i].key, name, sizeof name);
		lw = (int)display_width(_(s->keys[i].label));
		if (cut > 0 && lw > cut)
			lw = cut;
		w += (int)strlen(name) + 1 + lw + 1;
	}
	return w;
}

/*
 * The key bar, from the screen's key table. When it does not fit (a
 * 40-column handheld), F1 and Esc leave it first (they work everywhere
 * and help lists them), then every label is cut to the same width, but
 * never below three columns: each key stays named.
 */
static void
ui_draw_keys(struct ui *ui, const struct ui_screen *s)
{
	char name[16], item[96];
	bool with_all = true;
	int x = 0, cut = 0, w;
	size_t i;

	move(LINES - 1, 0);
	clrtoeol();
	if (s == NULL)
		return;
	if (ui_keys_width(ui, s, true, 0) > COLS) {
		with_all = false;
		if (ui_keys_width(ui, s, false, 0) > COLS)
			for (cut = 24; cut > 3 &&
			    ui_keys_width(ui, s, false, cut) > COLS; cut--)
				;
	}
	for (i = 0; i < s->nkeys && x < COLS; i++) {
		if (!ui_key_shown(ui, &s->keys[i], with_all))
			continue;
		ui_key_name(s->keys[i].key, name, sizeof name);
		w = ui_draw_at(LINES - 1, x, A_REVERSE, name, COLS - x);
		x += w;
		x += ui_draw_at(LINES - 1, x, A_NORMAL, " ", COLS - x);
		snprintf(item, sizeof item, "%s", _(s->keys[i].label));
		x += ui_draw_at(LINES - 1, x, A_NORMAL, item,
		    cut > 0 && cut < COLS - x ? cut : COLS - x);
		x += ui_draw_at(LINES - 1, x, A_NORMAL, " ", COLS - x);
	}
}

/* The input line: label, then what was typed (unless hidden). */
static void
ui_draw_input(struct ui *ui, const char *label, bool hidden)
{
	int x;

	move(LINES - 2, 0);
	clrtoeol();
	x = ui_draw_at(LINES - 2, 0, A_BOLD, label, COLS);
	if (x < COLS - 1 && label[0] != '\0')
		x += ui_draw_at(LINES - 2, x, A_NORMAL, " ", 1);
	if (!hidden && ui->inlen > 0) {
		size_t off = 0;
		int room = COLS - x - 1;

		/* Show the end of a long input. */
		while (room > 0 && display_width(ui->t->in + off) > (size_t)room &&
		    off < ui->inlen)
			off += display_char_len(ui->t->in + off, ui->inlen - off);
		x += ui_draw_at(LINES - 2, x, A_NORMAL, ui->t->in + off, room);
	}
	move(LINES - 2, x < COLS ? x : COLS - 1);
}

static void
ui_draw_frame(struct ui *ui, const char *title)
{
	erase();
	ui_draw_top(ui);
	if (title != NULL)
		ui_draw_at(1, 0, A_BOLD, title, COLS);
	if (ui->t->msg[0] != '\0')
		ui_draw_at(LINES - 3, 0, ui_attr(ui, ui->msg_tone), ui->t->msg,
		    COLS);
}

static void
ui_draw_screen(struct ui *ui, const struct ui_screen *s)
{
	ui_draw_frame(ui, s->title != NULL ? _(s->title) : NULL);
	if (s->draw != NULL)
		s->draw(ui, s->ctx);
	ui_draw_keys(ui, s);
	ui_draw_input(ui, s->input != NULL ? _(s->input_label != NULL ?
	    s->input_label : N_("Scan:")) : "", false);
	refresh();
	ui->dirty = false;
}

/* ---- keys ------------------------------------------------------------- */

/*
 * Has the terminal gone (hung up, closed)? getch() then returns ERR at
 * once, forever, which looks like an idle tick; poll tells them apart.
 */
static bool
ui_tty_gone(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	char b;

	if (poll(&p, 1, 0) < 0)
		return errno != EINTR;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return true;
	/* Readable but ncurses read nothing: end of input. */
	return (p.revents & POLLIN) != 0 && read(STDIN_FILENO, &b, 0) == 0 &&
	    isatty(STDIN_FILENO) == 0;
}

/*
 * The next key, or UI_KEY_STOP / UI_KEY_IDLE / UI_KEY_TIMEOUT /
 * UI_KEY_RESIZED. deadline_ms < 0: none but idle.
 */
/* The background sync's state changed: redraw the top line only. */
static void
ui_tick_top(struct ui *ui)
{
	char label[sizeof ui->sync_label];
	int y, x;

	if (ui->sess == NULL)
		return;
	sync_bg_label(label, sizeof label);
	if (strcmp(label, ui->sync_label) == 0)
		return;
	getyx(stdscr, y, x);
	ui_draw_top(ui);
	move(y, x);
	refresh();
}

static int
ui_getkey(struct ui *ui, int64_t deadline_ms)
{
	int64_t now, idle_at = -1;
	int c, d;

	for (;;) {
		if (ui_stop != 0)
			return UI_KEY_STOP;
		now = ui_now_ms();
		if (ui->sess != NULL && ui->cfg != NULL &&
		    ui->cfg->auth.idle_logout > 0)
			idle_at = ui->last_input_ms +
			    ui->cfg->auth.idle_logout * 1000;
		if (idle_at >= 0 && now >= idle_at)
			return UI_KEY_IDLE;
		if (deadline_ms >= 0 && now >= deadline_ms)
			return UI_KEY_TIMEOUT;
		timeout(UI_TICK_MS);
		c = getch();
		if (c == ERR) {
			/* An early ERR: input ended or the terminal hung up. */
			if (ui_now_ms() - now < UI_TICK_MS / 2 && ui_tty_gone())
				return UI_KEY_STOP;
			ui_tick_top(ui);
			continue;
		}
		ui->last_input_ms = ui_now_ms();
		if (c == KEY_RESIZE)
			return UI_KEY_RESIZED;
		if (c >= KEY_F(1) && c <= KEY_F(12))
			return UI_KEY_F(c - KEY_F(0));
		if (c == '\r' || c == '\n' || c == KEY_ENTER)
			return UI_KEY_ENTER;
		if (c != 27)
			return c;
		/* Esc, then perhaps a digit. */
		timeout(UI_ESC_MS);
		d = getch();
		if (d >= '1' && d <= '9')
			return UI_KEY_F(d - '0');
		if (d == '0')
			return UI_KEY_F(10);
		if (d != ERR)
			ungetch(d);
		return UI_KEY_ESC;
	}
}

/* Edit the input line with key c; true when it was an editing key. */
static bool
ui_edit(struct ui *ui, int c)
{
	if (c == KEY_BACKSPACE || c == 127 || c == 8) {
		while (ui->inlen > 0) {
			unsigned char b = (unsigned char)ui->t->in[--ui->inlen];

			ui->t->in[ui->inlen] = '\0';
			if ((b & 0xc0) != 0x80)
				break;
		}
		return true;
	}
	if (c == 21) {		/* ^U */
		ui_wipe_input(ui);
		return true;
	}
	if (c < 0x20 || c > 0xff || c == 0x7f)
		return false;	/* controls, curses keys: not typed text */
	if (ui->inlen < UI_INPUT_MAX) {
		ui->t->in[ui->inlen++] = (char)c;
		ui->t->in[ui->inlen] = '\0';
	}
	return true;
}

static enum ui_act
ui_act_of(int key)
{
	return key == UI_KEY_STOP ? UI_QUIT : UI_LOGOUT;
}

/* ---- the loop --------------------------------------------------------- */

/*
 * Before a screen acts (a key's handler, a submitted line; not on every
 * typed character): the key may have been rotated meanwhile (the upkeep
 * thread, fulfilctl rekey), so take the new one up first.
 */
static void
ui_take_up_key(struct ui *ui)
{
	struct ferr err = { 0 };
	bool reloaded;

	if (ui->st != NULL &&
	    retention_kek_refresh(ui->st, &reloaded, &err) != 0)
		ui_message(ui, UI_ERROR, err.msg);
}

enum ui_act
ui_run(struct ui *ui, const struct ui_screen *s)
{
	const struct ui_screen *prev = ui->cur;
	char text[UI_INPUT_MAX + 1];
	enum ui_act a = UI_STAY;
	size_t i;
	int c;
	bool bound;

	ui->cur = s;
	ui->dirty = true;
	while (a == UI_STAY) {
		if (ui->dirty)
			ui_draw_screen(ui, s);
		c = ui_getkey(ui, -1);
		if (c == UI_KEY_STOP || c == UI_KEY_IDLE) {
			a = ui_act_of(c);
			break;
		}
		if (c == UI_KEY_RESIZED || c == UI_KEY_TIMEOUT) {
			ui->dirty = true;
			continue;
		}
		/* A message stays until the next input. */
		if (ui->t->msg[0] != '\0') {
			ui->t->msg[0] = '\0';
			ui->dirty = true;
		}
		bound = false;
		for (i = 0; i < s->nkeys; i++) {
			if (s->keys[i].key == c && s->keys[i].fn != NULL &&
			    ui_key_for(ui, &s->keys[i])) {
				ui_take_up_key(ui);
				a = s->keys[i].fn(ui, s->ctx);
				bound = true;
				ui->dirty = true;
				break;
			}
		}
		if (bound)
			continue;
		if (c == UI_KEY_F(1)) {
			a = screen_help(ui, s);
			if (a == UI_BACK || a == UI_DONE)
				a = UI_STAY;
			ui->dirty = true;
		} else if (c == UI_KEY_F(10)) {
			a = UI_LOGOUT;
		} else if (c == UI_KEY_ESC) {
			a = UI_BACK;
		} else if (c == UI_KEY_ENTER) {
			if (s->input == NULL || ui->inlen == 0) {
				ui_wipe_input(ui);
				continue;
			}
			memcpy(text, ui->t->in, ui->inlen + 1);
			ui_wipe_input(ui);
			ui->dirty = true;
			ui_take_up_key(ui);
			a = s->input(ui, s->ctx, text);
			secret_wipe(text, sizeof text);
			ui->dirty = true;
		} else if (s->input != NULL && ui_edit(ui, c)) {
			ui_draw_input(ui, _(s->input_label != NULL ?
			    s->input_label : N_("Scan:")), false);
			refresh();
		}
	}
	ui_wipe_input(ui);
	ui->cur = prev;
	return a;
}

/* ---- dialogs ---------------------------------------------------------- */

enum ui_act
ui_alert(struct ui *ui, const char *title, const char *text)
{
	int c;

	for (;;) {
		ui_draw_frame(ui, title);
		attrset(ui_attr(ui, UI_ERROR));
		mvhline(3, 0, ' ', COLS);
		attrset(A_NORMAL);
		ui_draw_at(3, 0, ui_attr(ui, UI_ERROR), text, COLS);
		ui_draw_at(5, 0, A_BOLD, _("Press Enter"), COLS);
		move(LINES - 1, 0);
		clrtoeol();
		ui_draw_at(LINES - 1, 0, A_REVERSE, "Enter", COLS);
		ui_draw_at(LINES - 1, 5, A_NORMAL, _(" OK"), COLS - 5);
		refresh();
		c = ui_getkey(ui, -1);
		if (c == UI_KEY_STOP || c == UI_KEY_IDLE)
			return ui_act_of(c);
		if (c == UI_KEY_F(10))
			return UI_LOGOUT;
		if (c == UI_KEY_ENTER)
			return UI_DONE;
	}
}

/* Read a line on the input row; keys as ui_getkey's specials. */
static int
ui_read(struct ui *ui, const char *title, const char *prompt, bool hidden,
    int64_t deadline)
{
	int c;
	size_t i;

	for (;;) {
		ui_draw_frame(ui, title);
		if (ui->sess == NULL) {
			for (i = 0; i < ui->nlogin; i++)
				ui_draw_at((int)i + 2, 0, A_NORMAL,
				    ui->t->login[i], COLS);
		}
		move(LINES - 1, 0);
		clrtoeol();
		ui_draw_input(ui, prompt, hidden);
		refresh();
		c = ui_getkey(ui, deadline);
		if (c == UI_KEY_RESIZED)
			continue;
		if (c < 0 || c == UI_KEY_ENTER || c == UI_KEY_ESC ||
		    c == UI_KEY_F(10) || c == 4)
			return c;
		if (ui->t->msg[0] != '\0')
			ui->t->msg[0] = '\0';
		/* The login screen's lines stay until the next name is typed. */
		if (ui_edit(ui, c) && !hidden && ui->sess == NULL &&
		    ui->nlogin > 0) {
			secret_wipe(ui->t->login, sizeof ui->t->login);
			ui->nlogin = 0;
		}
	}
}

enum ui_act
ui_prompt(struct ui *ui, const char *prompt, bool hidden, char *buf,
    size_t cap)
{
	const struct ui_screen *s = ui->cur;
	int c;

	ui_wipe_input(ui);
	c = ui_read(ui, s != NULL && s->title != NULL ? _(s->title) : NULL,
	    prompt, hidden, -1);
	if (c == UI_KEY_STOP || c == UI_KEY_IDLE) {
		ui_wipe_input(ui);
		return ui_act_of(c);
	}
	if (c == UI_KEY_F(10)) {
		ui_wipe_input(ui);
		return UI_LOGOUT;
	}
	if (c != UI_KEY_ENTER) {
		ui_wipe_input(ui);
		ui->dirty = true;
		return UI_BACK;
	}
	if (cap > 0) {
		snprintf(buf, cap, "%s", ui->t->in);
	}
	ui_wipe_input(ui);
	ui->dirty = true;
	return UI_DONE;
}

enum ui_act
ui_choose(struct ui *ui, const char *title, const char *const *items,
    size_t n, size_t *chosen)
{
	char line[256];
	size_t sel = 0, i, top;
	int c, rows;

	for (;;) {
		ui_draw_frame(ui, title);
		rows = ui_body_rows(ui);
		top = rows > 0 && sel >= (size_t)rows ? sel - (size_t)rows + 1 :
		    0;
		for (i = top; i < n && (int)(i - top) < rows; i++) {
			snprintf(line, sizeof line, "%zu %s", i + 1, items[i]);
			ui_draw_at((int)(i - top) + 2, 0, i == sel ? A_REVERSE :
			    A_NORMAL, line, COLS);
		}
		move(LINES - 1, 0);
		clrtoeol();
		ui_draw_at(LINES - 1, 0, A_NORMAL,
		    _("1-9 or arrows, Enter: choose  Esc: back"), COLS);
		move(LINES - 2, 0);
		refresh();
		c = ui_getkey(ui, -1);
		if (c == UI_KEY_STOP || c == UI_KEY_IDLE)
			return ui_act_of(c);
		if (c == UI_KEY_F(10))
			return UI_LOGOUT;
		if (c == UI_KEY_ESC) {
			ui->dirty = true;
			return UI_BACK;
		}
		if (c == KEY_UP && sel > 0)
			sel--;
		else if (c == KEY_DOWN && sel + 1 < n)
			sel++;
		else if (c >= '1' && c <= '9' && (size_t)(c - '1') < n) {
			*chosen = (size_t)(c - '1');
			ui->dirty = true;
			return UI_DONE;
		} else if (c == UI_KEY_ENTER && n > 0) {
			*chosen = sel;
			ui->dirty = true;
			return UI_DONE;
		}
	}
}

/* ---- the login screen's pieces ---------------------------------------- */

int
ui_read_line(struct ui *ui, const char *title, const char *prompt,
    bool hidden, int64_t timeout_ms, char *buf, size_t cap, size_t *len,
    bool *toolong)
{
	int64_t deadline = timeout_ms >= 0 ? ui_now_ms() + timeout_ms : -1;
	size_t n;
	int c;

	*len = 0;
	*toolong = false;
	ui_wipe_input(ui);
	c = ui_read(ui, title, prompt != NULL ? prompt : "", hidden, deadline);
	if (c == UI_KEY_STOP) {
		ui_wipe_input(ui);
		return LOGIN_READ_STOP;
	}
	if (c == UI_KEY_IDLE || c == UI_KEY_TIMEOUT) {
		ui_wipe_input(ui);
		return LOGIN_READ_TIMEOUT;
	}
	if (c == 4 && ui->inlen == 0)
		return LOGIN_READ_EOF;
	if (c != UI_KEY_ENTER && c != 4) {
		/* Esc or F10 at a prompt: an empty answer. */
		ui_wipe_input(ui);
	}
	n = ui->inlen;
	if (n > cap - 1) {
		n = cap - 1;
		*toolong = true;
	}
	memcpy(buf, ui->t->in, n);
	buf[n] = '\0';
	*len = n;
	ui_wipe_input(ui);
	return LOGIN_READ_LINE;
}

void
ui_login_show(struct ui *ui, const char *text)
{
	if (ui->nlogin == UI_LOGIN_LINES) {
		memmove(ui->t->login[0], ui->t->login[1],
		    sizeof ui->t->login[0] * (UI_LOGIN_LINES - 1));
		ui->nlogin--;
	}
	if (display_fit(text, strlen(text), DISPLAY_COLS_ANY,
	    ui->t->login[ui->nlogin], sizeof ui->t->login[0], NULL) != 0)
		ui->t->login[ui->nlogin][0] = '\0';
	ui->nlogin++;
}

void
ui_login_clear(struct ui *ui)
{
	secret_wipe(ui->t->login, sizeof ui->t->login);
	ui->nlogin = 0;
	ui_wipe_input(ui);
	secret_wipe(ui->t->msg, sizeof ui->t->msg);
	clear();
	refresh();
}
