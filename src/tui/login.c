/*
 * login: the terminal's login flow (see login.h), drawn by the curses
 * login screen (screen_login.c).
 *
 * Owns the User: prompt and the cleaning of what is typed there, the
 * terminal's side of the PAM conversation (PAM's text shown through the
 * display sanitiser, answers read into locked memory), what the person
 * sees after a login, the wait for Enter or idle_logout while someone is
 * logged in (the screens, or a wait for Enter or idle_logout), and the
 * logout (audit row through auth_logout, then a cleared screen).
 *
 * Must never: echo or keep a password outside a struct secret (answers
 * are read straight into locked memory and wiped), show text from PAM or
 * the keyboard that could drive the terminal, show a name that failed,
 * tell an unknown name from a wrong password (the core answers both
 * alike; this module shows only the result's text). Decides nothing
 * about who may log in.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "display.h"
#include "ferr.h"
#include "i18n.h"
#include "login.h"
#include "policy.h"
#include "secret.h"

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
	/* Nobody stands at a Password: prompt for ever: idle ends it. */
	r = l->ui->read_line(l->ui->ctx, shown, style == AUTH_PROMPT_ECHO_OFF,
	    l->idle_logout > 0 ? l->idle_logout * 1000 : -1, answer,
	    AUTH_REPLY_MAX);
	if (r == LOGIN_READ_TIMEOUT)
		l->ui->clear(l->ui->ctx);	/* the name typed goes too */
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
		if (res != AUTH_OK || l->session == NULL)
			login_show_result(l, res, &sess, &aerr);
		if (res != AUTH_OK)
			continue;
		rd = l->session != NULL ? l->session(l->sctx, &sess) :
		    login_wait_logout(l);
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

/* ---- signals and the terminal's name --------------------------------- */

/* Set by the screens' signal handlers (ui.c), through login_note_signal. */
static volatile sig_atomic_t login_stop;

int
login_stop_signal(void)
{
	return (int)login_stop;
}

void
login_note_signal(int sig)
{
	if (login_stop == 0)
		login_stop = sig;
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
