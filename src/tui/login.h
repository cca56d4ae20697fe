/*
 * login: the terminal's login flow, drawn by the curses login screen
 * (screens.h: screen_login_ui).
 *
 * The flow (login_run and the steps it is made of) talks to the person
 * only through a struct login_ui: read a line (shown or hidden), show a
 * line, clear the screen. Every decision (is the name an account, the password right, the
 * name locked, a role held; what is audited) is the core's (auth.h);
 * this module asks, cleans what was typed and shows the outcome.
 */
#ifndef FULFIL_LOGIN_H
#define FULFIL_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "ferr.h"
#include "secret.h"

struct station;

/* Bytes read at User:. A longer line is read to its end and refused. */
#define LOGIN_NAME_MAX 256

/* Longest PAM_TTY name login_tty_name gives (the monitor's limit). */
#define LOGIN_TTY_NAME_MAX 64

/* What reading a line gave. */
enum login_read {
	LOGIN_READ_LINE = 1,	/* a whole line, its end not included */
	LOGIN_READ_TOOLONG,	/* over max bytes: read to its end, cut */
	LOGIN_READ_EOF,		/* end of input before any byte */
	LOGIN_READ_TIMEOUT,
	LOGIN_READ_STOP,	/* a signal asked the program to stop */
	LOGIN_READ_ERROR,
};

/* The screen the flow talks through. */
struct login_ui {
	/*
	 * Show prompt (NULL: none), then read one line into out: at most
	 * max bytes, NUL-terminated (not counted in out->len). hidden: what
	 * is typed is not shown (a password). timeout_ms < 0: no limit.
	 * LOGIN_READ_TOOLONG leaves the first max bytes in out; any other
	 * result but LOGIN_READ_LINE leaves out empty (wiped).
	 */
	enum login_read (*read_line)(void *ctx, const char *prompt,
	    bool hidden, int64_t timeout_ms, struct secret *out, size_t max);
	/* Show text on a line of its own (the caller made it safe). */
	void (*show)(void *ctx, const char *text);
	/* Clear the screen and what it could scroll back to. */
	void (*clear)(void *ctx);
	/* Drop what was typed but not read yet. */
	void (*discard_input)(void *ctx);
	void *ctx;
};

/* One station's login: what login_run needs. All borrowed. */
struct login {
	struct station *station;
	auth_backend_fn backend;	/* monitor_backend in fulfil */
	void *bctx;
	const char *tty;		/* PAM_TTY, or NULL */
	const struct login_ui *ui;
	int64_t idle_logout;		/* seconds ([auth] idle_logout) */
	/*
	 * While someone is logged in: the screens (NULL: show the welcome
	 * and wait for Enter, login_wait_logout). Returns as
	 * login_wait_logout: LOGIN_READ_LINE (logged out), _TIMEOUT (idle),
	 * _STOP (a signal) or _ERROR. login_run logs out after it.
	 */
	enum login_read (*session)(void *sctx, struct auth_session *s);
	void *sctx;
};

/*
 * The login loop: User:, the PAM conversation, the outcome; while
 * someone is logged in, wait for Enter or idle_logout, then log out
 * (audited) and clear the screen. Returns 0 at end of input at User:,
 * the number of the signal that stopped it, or a negative FULFIL_E*
 * code when the terminal or the cache failed (err says which).
 */
int login_run(const struct login *l, struct ferr *err);

/*
 * Ask "User: " until a line that is not empty once cleaned
 * (login_clean_name). Result as read_line; on LOGIN_READ_LINE name holds
 * the cleaned, NUL-terminated text. On LOGIN_READ_TOOLONG it holds the
 * first LOGIN_NAME_MAX bytes with each control character (NUL too) as
 * '?': too long to be a name whatever was typed, it is answered like
 * any name that is not an account. name must hold LOGIN_NAME_MAX + 1
 * bytes.
 */
enum login_read login_ask_name(const struct login *l, struct secret *name);

/*
 * Drop every control character (C0 and DEL) of a typed name in place:
 * also the CR/LF a badge scanner may end the name with.
 */
void login_clean_name(struct secret *name);

/*
 * The auth_conv_fn of a login (ctx: the const struct login). PAM's text
 * goes through the display sanitiser (display.h) before it is shown, a
 * message line by line; a prompt's answer is read into a new secret.
 */
int login_conv(void *ctx, enum auth_msg_style style, const char *msg,
    struct secret **reply);

/*
 * One login attempt for name at time now, through the login's backend
 * (auth_login). *out is filled on AUTH_OK.
 */
enum auth_result login_attempt(const struct login *l, const char *name,
    int64_t now, struct auth_session *out, struct ferr *err);

/*
 * Show the outcome: "Logged in as NAME (ROLE, ...)" and how to log out,
 * or the result's text (auth_result_text), with the reason of an error.
 */
void login_show_result(const struct login *l, enum auth_result r,
    const struct auth_session *s, const struct ferr *err);

/* "Logged in as ada (picker, packer)" into buf; FULFIL_EINVAL if cut. */
int login_session_text(const struct auth_session *s, char *buf, size_t len);

/*
 * While someone is logged in: wait for Enter. LOGIN_READ_LINE (Enter,
 * or end of input), LOGIN_READ_TIMEOUT (idle_logout passed),
 * LOGIN_READ_STOP or LOGIN_READ_ERROR.
 */
enum login_read login_wait_logout(const struct login *l);

/*
 * Log out: the audit row (auth_logout), then clear the screen and drop
 * typed-ahead input, whatever the audit gave (its error is returned).
 */
int login_end(const struct login *l, struct auth_session *s, int64_t now,
    struct ferr *err);

/* ---- signals and the terminal's name --------------------------------- */

/* The signal that asked the program to stop, or 0. */
int login_stop_signal(void);

/*
 * Record that sig asks the program to stop (async-signal-safe): for the
 * curses screens' signal handlers (ui.c).
 */
void login_note_signal(int sig);

/*
 * The terminal's name as PAM_TTY wants it: ttyname(fd) without "/dev/"
 * ("pts/3"). FULFIL_EINVAL when fd is no terminal or the name is longer
 * than LOGIN_TTY_NAME_MAX or len.
 */
int login_tty_name(int fd, char *buf, size_t len, struct ferr *err);

#endif
