/*
 * login: the terminal's login flow and the line-mode terminal it runs on
 * today (see login.h).
 *
 * Owns the User: prompt and the cleaning of what is typed there, the
 * terminal's side of the PAM conversation (PAM's text shown through the
 * display sanitiser, answers read into locked memory), what the person
 * sees after a login, the wait for Enter or idle_logout while someone is
 * logged in, and the logout (audit row through auth_logout, then a
 * cleared screen). The line-mode part
 * owns the terminal's modes (echo off for a password, restored on every
 * path and from the signal handlers) and a self-pipe that wakes a read
 * when a stopping signal arrives.
 *
 * Must never: echo or keep a password outside a struct secret (answers
 * are read straight into locked memory and wiped), show text from PAM or
 * the keyboard that could drive the terminal, show a name that failed,
 * tell an unknown name from a wrong password (the core answers both
 * alike; this module shows only the result's text), or leave the
 * terminal without echo. Decides nothing about who may log in.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "display.h"
#include "ferr.h"
#include "i18n.h"
#include "login.h"
#include "policy.h"
#include "secret.h"

/* Clear the screen and the scrollback (ED 2, then ED 3). */
#define LOGIN_CLEAR "\033[H\033[2J\033[3J"

/* ---- the flow -------------------------------------------------------- */

void
login_clean_name(struct secret *name)
{
	size_t i, o = 0;
	unsigned char c;

	if (name == NULL || name->data == NULL)
		return;
	for (i = 0; i < name->len; i++) {
		c = name->data[i];
		if (c < 0x20 || c == 0x7f)
			continue;
		name->data[o++] = c;
	}
	if (o < name->len)
		secret_wipe(name->data + o, name->len - o);
	name->len = o;
	if (name->cap > o)
		name->data[o] = '\0';
}

/*
 * What was kept of an overlong line: every control character (NUL too)
 * becomes '?', so it stays LOGIN_NAME_MAX bytes long, which no login
 * name can be: the core refuses it, whatever it held.
 */
static void
login_mask_name(struct secret *name)
{
	size_t i;

	for (i = 0; i < name->len; i++)
		if (name->data[i] < 0x20 || name->data[i] == 0x7f)
			name->data[i] = '?';
}

/*
 * Show text from PAM (or an error message) line by line, each line
 * through the display sanitiser: nothing in it can move the cursor,
 * change colours or reorder text.
 */
static void
login_show_safe(const struct login *l, const char *text)
{
	char line[AUTH_MSG_MAX + 1];
	const char *nl;
	size_t n;

	do {
		nl = strchr(text, '\n');
		n = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (display_fit(text, n, DISPLAY_COLS_ANY, line, sizeof line,
		    NULL) != 0)
			line[0] = '\0';
		l->ui->show(l->ui->ctx, line);
		if (nl != NULL)
			text = nl + 1;
	} while (nl != NULL && *text != '\0');
}

enum login_read
login_ask_name(const struct login *l, struct secret *name)
{
	enum login_read r;

	for (;;) {
		r = l->ui->read_line(l->ui->ctx, _("User: "), false, -1, name,
		    LOGIN_NAME_MAX);
		if (r == LOGIN_READ_TOOLONG) {
			login_mask_name(name);
			return r;
		}
		if (r != LOGIN_READ_LINE)
			return r;
		login_clean_name(name);
		if (name->len > 0)
			return r;
	}
}

int
login_conv(void *ctx, enum auth_msg_style style, const char *msg,
    struct secret **reply)
{
	const struct login *l = ctx;
	char shown[AUTH_MSG_MAX + 1];
	struct secret *answer;
	enum login_read r;

	*reply = NULL;
	if (msg == NULL)
		msg = "";
	switch (style) {
	case AUTH_MSG_ERROR:
	case AUTH_MSG_INFO:
		if (login_stop_signal() != 0)
			return -1;
		login_show_safe(l, msg);
		return 0;
	case AUTH_PROMPT_ECHO_OFF:
	case AUTH_PROMPT_ECHO_ON:
		break;
	default:
		return -1;
	}
	/* A prompt is one line. */
	if (display_fit(msg, strlen(msg), DISPLAY_COLS_ANY, shown,
	    sizeof shown, NULL) != 0)
		return -1;
	if ((answer = secret_new(AUTH_REPLY_MAX + 1)) == NULL)
		return -1;
	r = l->ui->read_line(l->ui->ctx, shown, style == AUTH_PROMPT_ECHO_OFF,
	    -1, answer, AUTH_REPLY_MAX);
	if (r != LOGIN_READ_LINE) {
		/* Too long, end of input, a signal: cancel the login. */
		secret_free(answer);
		return -1;
	}
	*reply = answer;
	return 0;
}

enum auth_result
login_attempt(const struct login *l, const char *name, int64_t now,
    struct auth_session *out, struct ferr *err)
{
	return auth_login(l->station, l->backend, l->bctx, name, l->tty, NULL,
	    login_conv, (void *)l, now, out, err);
}

int
login_session_text(const struct auth_session *s, char *buf, size_t len)
{
	char roles[128] = "";
	const char *name;
	size_t o = 0;
	int r, n;

	for (r = ROLE_PICKER; r <= ROLE_MAX; r++) {
		if ((s->roles & ROLE_BIT(r)) == 0 ||
		    (name = policy_role_name((enum role)r)) == NULL)
			continue;
		n = snprintf(roles + o, sizeof roles - o, "%s%s",
		    o > 0 ? ", " : "", name);
		if (n < 0 || (size_t)n >= sizeof roles - o)
			return FULFIL_EINVAL;
		o += (size_t)n;
	}
	n = snprintf(buf, len, _("Logged in as %s (%s)"), s->user, roles);
	if (n < 0 || (size_t)n >= len)
		return FULFIL_EINVAL;
	return 0;
}

void
login_show_result(const struct login *l, enum auth_result r,
    const struct auth_session *s, const struct ferr *err)
{
	char text[AUTH_USER_MAX + 192];

	if (r == AUTH_OK && login_session_text(s, text, sizeof text) == 0) {
		l->ui->show(l->ui->ctx, text);
		l->ui->show(l->ui->ctx, _("Press Enter to log out"));
		return;
	}
	/* The same text for a wrong password and an unknown name. */
	l->ui->show(l->ui->ctx, auth_result_text(r));
	if (r == AUTH_ERROR && err != NULL && err->msg[0] != '\0')
		login_show_safe(l, err->msg);
}

enum login_read
login_wait_logout(const struct login *l)
{
	struct secret *line;
	enum login_read r;
	int64_t ms;

	if ((line = secret_new(LOGIN_NAME_MAX + 1)) == NULL)
		return LOGIN_READ_ERROR;
	ms = l->idle_logout > 0 && l->idle_logout < INT64_MAX / 1000 ?
	    l->idle_logout * 1000 : -1;
	/* Hidden: nothing typed now stays on the screen. */
	r = l->ui->read_line(l->ui->ctx, NULL, true, ms, line, LOGIN_NAME_MAX);
	secret_free(line);
	if (r == LOGIN_READ_TOOLONG || r == LOGIN_READ_EOF)
		r = LOGIN_READ_LINE;
	return r;
}

int
login_end(const struct login *l, struct auth_session *s, int64_t now,
    struct ferr *err)
{
	int r;

	r = auth_logout(l->station, s, now, err);
	l->ui->clear(l->ui->ctx);
	l->ui->discard_input(l->ui->ctx);
	return r;
}

int
login_run(const struct login *l, struct ferr *err)
{
	struct auth_session sess;
	struct secret *name;
	struct ferr aerr;
	enum auth_result res;
	enum login_read rd;
	int r = 0;

	memset(&sess, 0, sizeof sess);
	if ((name = secret_new(LOGIN_NAME_MAX + 1)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	l->ui->clear(l->ui->ctx);
	for (;;) {
		rd = login_ask_name(l, name);
		if (rd == LOGIN_READ_EOF)	/* end the User: line */
			l->ui->show(l->ui->ctx, "");
		if (rd == LOGIN_READ_EOF || rd == LOGIN_READ_STOP)
			break;
		if (rd != LOGIN_READ_LINE && rd != LOGIN_READ_TOOLONG) {
			r = ferr_set(err, FULFIL_EIO,
			    _("cannot read from the terminal"));
			break;
		}
		/*
		 * A line too long to be a name is answered like any other
		 * name that is not an account: its first bytes go to
		 * auth_login, which refuses them as a name.
		 */
		ferr_clear(&aerr);
		res = login_attempt(l, (const char *)name->data,
		    (int64_t)time(NULL), &sess, &aerr);
		secret_clear(name);
		if (login_stop_signal() != 0 && res != AUTH_OK)
			break;
		login_show_result(l, res, &sess, &aerr);
		if (res != AUTH_OK)
			continue;
		rd = login_wait_logout(l);
		ferr_clear(&aerr);
		if (login_end(l, &sess, (int64_t)time(NULL), &aerr) != 0) {
			r = ferr_set(err, aerr.code, "%s", aerr.msg);
			break;
		}
		if (rd == LOGIN_READ_STOP)
			break;
		if (rd == LOGIN_READ_ERROR) {
			r = ferr_set(err, FULFIL_EIO,
			    _("cannot read from the terminal"));
			break;
		}
	}
	secret_free(name);
	if (r != 0)
		return r;
	return login_stop_signal();
}

/* ---- the line-mode terminal ------------------------------------------ */

/* The stopping signals, and SIGTSTP (ignored) last. */
static const int login_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	SIGTSTP };
#define LOGIN_NSIG (sizeof login_signals / sizeof login_signals[0])

struct login_tty {
	int in, out;
	struct termios saved;	/* the modes we found */
	struct termios line;	/* ours: canonical, echo */
	struct sigaction old[LOGIN_NSIG];
	struct login_ui ui;
};

/* What the signal handler may touch. */
static volatile sig_atomic_t login_stop;
static int login_wake[2] = { -1, -1 };	/* self-pipe: read, write end */
static int login_sig_fd = -1;		/* the terminal to restore */
static struct termios login_sig_saved;
static bool login_taken;

int
login_stop_signal(void)
{
	return (int)login_stop;
}

static void
login_on_signal(int sig)
{
	int saved_errno = errno;
	ssize_t n;

	if (login_stop == 0)
		login_stop = sig;
	/*
	 * Async-signal-safe, and done again as the flow ends: the modes we
	 * found, and nothing half-typed (a password) left for whoever reads
	 * the terminal next.
	 */
	if (login_sig_fd >= 0) {
		(void)tcsetattr(login_sig_fd, TCSANOW, &login_sig_saved);
		(void)tcflush(login_sig_fd, TCIFLUSH);
	}
	if (login_wake[1] >= 0) {
		n = write(login_wake[1], "x", 1);
		(void)n;
	}
	errno = saved_errno;
}

/* Write all of s to the terminal; errors are dropped (nothing to do). */
static void
login_tty_write(const struct login_tty *t, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(t->out, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void
login_tty_puts(const struct login_tty *t, const char *s)
{
	login_tty_write(t, s, strlen(s));
}

static void
login_tty_show(void *ctx, const char *text)
{
	struct login_tty *t = ctx;

	login_tty_puts(t, text);
	login_tty_puts(t, "\n");
}

static void
login_tty_clear(void *ctx)
{
	login_tty_puts(ctx, LOGIN_CLEAR);
}

static void
login_tty_discard(void *ctx)
{
	struct login_tty *t = ctx;

	(void)tcflush(t->in, TCIFLUSH);
}

/* Milliseconds on the monotonic clock. */
static int64_t
login_ms_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until the terminal can be read: 1 readable, 0 timed out (deadline
 * < 0: never), -1 a stopping signal, -2 an error.
 */
static int
login_tty_wait(const struct login_tty *t, int64_t deadline)
{
	struct pollfd p[2];
	int64_t left;
	int n, ms;

	for (;;) {
		if (login_stop != 0)
			return -1;
		ms = -1;
		if (deadline >= 0) {
			left = deadline - login_ms_now();
			if (left <= 0)
				return 0;
			ms = left > 60000 ? 60000 : (int)left;
		}
		p[0].fd = t->in;
		p[0].events = POLLIN;
		p[1].fd = login_wake[0];
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		n = poll(p, 2, ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -2;
		}
		if (login_stop != 0)
			return -1;
		if (p[0].revents != 0)
			return 1;
	}
}

/* Read the rest of an overlong line and forget it. */
static enum login_read
login_tty_drain(const struct login_tty *t)
{
	char junk[64];
	ssize_t n;
	int w;

	for (;;) {
		if ((w = login_tty_wait(t, -1)) != 1) {
			secret_wipe(junk, sizeof junk);
			return w == -1 ? LOGIN_READ_STOP : LOGIN_READ_ERROR;
		}
		n = read(t->in, junk, sizeof junk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || memchr(junk, '\n', (size_t)n) != NULL)
			break;
	}
	secret_wipe(junk, sizeof junk);
	return LOGIN_READ_TOOLONG;
}

/*
 * Read one line into out (canonical mode: a read never goes past the end
 * of a line). The bytes go straight into out's locked memory.
 */
static enum login_read
login_tty_read(const struct login_tty *t, int64_t deadline,
    struct secret *out, size_t max)
{
	unsigned char *nl;
	ssize_t n;
	int w;

	for (;;) {
		if ((w = login_tty_wait(t, deadline)) != 1)
			return w == 0 ? LOGIN_READ_TIMEOUT : w == -1 ?
			    LOGIN_READ_STOP : LOGIN_READ_ERROR;
		n = read(t->in, out->data + out->len, max + 1 - out->len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return LOGIN_READ_ERROR;
		}
		if (n == 0)	/* end of input (^D, or the line hung up) */
			return out->len == 0 ? LOGIN_READ_EOF : LOGIN_READ_LINE;
		nl = memchr(out->data + out->len, '\n', (size_t)n);
		out->len += (size_t)n;
		if (nl != NULL) {
			/* At most max bytes before it: we read max + 1. */
			out->len = (size_t)(nl - out->data);
			return LOGIN_READ_LINE;
		}
		if (out->len > max)
			return login_tty_drain(t);
	}
}

static enum login_read
login_tty_read_line(void *ctx, const char *prompt, bool hidden,
    int64_t timeout_ms, struct secret *out, size_t max)
{
	struct login_tty *t = ctx;
	struct termios mode;
	enum login_read r;
	int64_t deadline = -1;

	secret_clear(out);
	if (secret_reserve(out, max + 1) != 0)
		return LOGIN_READ_ERROR;
	if (login_stop != 0)
		return LOGIN_READ_STOP;
	if (timeout_ms >= 0)
		deadline = login_ms_now() + timeout_ms;
	if (hidden) {
		/*
		 * Echo off before the prompt shows, so nothing typed after it
		 * is seen; what was typed before it (and echoed) is dropped.
		 */
		mode = t->line;
		mode.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
		if (tcsetattr(t->in, TCSAFLUSH, &mode) != 0)
			return LOGIN_READ_ERROR;
	}
	if (prompt != NULL)
		login_tty_puts(t, prompt);
	r = login_tty_read(t, deadline, out, max);
	if (hidden) {
		(void)tcsetattr(t->in, TCSANOW, &t->line);
		login_tty_puts(t, "\n");	/* Enter was not echoed */
	}
	if (r == LOGIN_READ_TOOLONG && out->len > max) {
		secret_wipe(out->data + max, out->len - max);
		out->len = max;
	}
	if (r != LOGIN_READ_LINE && r != LOGIN_READ_TOOLONG)
		secret_clear(out);
	else
		out->data[out->len] = '\0';
	return r;
}

int
login_tty_name(int fd, char *buf, size_t len, struct ferr *err)
{
	const char *name;
	size_t n;

	if ((name = ttyname(fd)) == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("cannot name the terminal: %s"), strerror(errno));
	if (strncmp(name, "/dev/", 5) == 0)
		name += 5;
	n = strlen(name);
	if (n == 0 || n > LOGIN_TTY_NAME_MAX || n >= len)
		return ferr_set(err, FULFIL_EINVAL,
		    _("the terminal's name is too long"));
	memcpy(buf, name, n + 1);
	return 0;
}

static void
login_tty_unsignal(struct login_tty *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)sigaction(login_signals[i], &t->old[i], NULL);
}

int
login_tty_open(int in, int out, struct login_tty **tp, struct ferr *err)
{
	struct login_tty *t;
	struct sigaction sa;
	size_t i;
	int r;

	*tp = NULL;
	if (login_taken)
		return ferr_set(err, FULFIL_ESTATE,
		    _("the terminal is already taken"));
	if (!isatty(in) || !isatty(out))
		return ferr_set(err, FULFIL_EINVAL,
		    _("fulfil needs a terminal"));
	if ((t = calloc(1, sizeof *t)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	t->in = in;
	t->out = out;
	if (tcgetattr(in, &t->saved) != 0) {
		r = ferr_set(err, FULFIL_EIO,
		    _("cannot read the terminal's modes: %s"), strerror(errno));
		goto fail;
	}
	if (pipe2(login_wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		r = ferr_set(err, FULFIL_EIO, _("cannot make a pipe: %s"),
		    strerror(errno));
		goto fail;
	}
	login_stop = 0;
	login_sig_saved = t->saved;
	login_sig_fd = in;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < LOGIN_NSIG; i++)
		sigaddset(&sa.sa_mask, login_signals[i]);
	sa.sa_flags = 0;	/* no SA_RESTART: a blocked call returns */
	for (i = 0; i < LOGIN_NSIG; i++) {
		sa.sa_handler = login_signals[i] == SIGTSTP ? SIG_IGN :
		    login_on_signal;
		if (sigaction(login_signals[i], &sa, &t->old[i]) != 0) {
			r = ferr_set(err, FULFIL_EIO,
			    _("cannot set a signal handler: %s"),
			    strerror(errno));
			login_tty_unsignal(t, i);
			goto fail_pipe;
		}
	}

	/* Sane line modes, whatever the last program left. */
	t->line = t->saved;
	t->line.c_lflag |= ICANON | ECHO | ECHOE | ECHOK | ECHOCTL;
	t->line.c_lflag &= ~(tcflag_t)ECHONL;
	t->line.c_iflag |= ICRNL;
	t->line.c_iflag &= ~(tcflag_t)(INLCR | IGNCR);
	t->line.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(in, TCSANOW, &t->line) != 0) {
		r = ferr_set(err, FULFIL_EIO,
		    _("cannot set the terminal's modes: %s"), strerror(errno));
		login_tty_unsignal(t, LOGIN_NSIG);
		goto fail_pipe;
	}
	t->ui.read_line = login_tty_read_line;
	t->ui.show = login_tty_show;
	t->ui.clear = login_tty_clear;
	t->ui.discard_input = login_tty_discard;
	t->ui.ctx = t;
	login_taken = true;
	*tp = t;
	return 0;
fail_pipe:
	login_sig_fd = -1;
	(void)close(login_wake[0]);
	(void)close(login_wake[1]);
	login_wake[0] = login_wake[1] = -1;
fail:
	free(t);
	return r;
}

const struct login_ui *
login_tty_ui(struct login_tty *t)
{
	return &t->ui;
}

void
login_tty_close(struct login_tty *t)
{
	if (t == NULL)
		return;
	(void)tcsetattr(t->in, TCSANOW, &t->saved);
	(void)tcflush(t->in, TCIFLUSH);	/* nothing left for the next */
	login_tty_unsignal(t, LOGIN_NSIG);
	login_sig_fd = -1;
	(void)close(login_wake[0]);
	(void)close(login_wake[1]);
	login_wake[0] = login_wake[1] = -1;
	login_taken = false;
	free(t);
}
