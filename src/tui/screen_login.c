/*
 * screen_login: the login screen, as the struct login_ui the login flow
 * (login.h) talks through, drawn with ui.
 *
 * Owns nothing but the glue: User: and Password: on the input line (a
 * hidden answer is not drawn at all, not even as asterisks), PAM's
 * messages and the outcome as lines above it, typed text copied straight
 * into the caller's secret and wiped from the input line.
 *
 * Must never: draw a hidden answer; keep an answer outside locked memory;
 * decide who may log in (the core does).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fconfig.h"
#include "i18n.h"
#include "login.h"
#include "screens.h"
#include "secret.h"
#include "ui.h"

struct screen_login {
	struct ui *ui;
	struct login_ui lui;
	const char *notice;	/* [auth] login_notice's text, or NULL */
};

static struct screen_login screen_login_one;

static enum login_read
screen_login_read(void *ctx, const char *prompt, bool hidden,
    int64_t timeout_ms, struct secret *out, size_t max)
{
	struct ui *ui = ctx;
	size_t len;
	bool toolong;
	int r;

	if (secret_reserve(out, max + 1) != 0)
		return LOGIN_READ_ERROR;
	secret_clear(out);
	r = ui_read_line(ui, _("fulfil: log in"), prompt, hidden, timeout_ms,
	    (char *)out->data, max + 1, &len, &toolong);
	if (r != LOGIN_READ_LINE) {
		secret_clear(out);
		return (enum login_read)r;
	}
	out->len = len;
	return toolong ? LOGIN_READ_TOOLONG : LOGIN_READ_LINE;
}

static void
screen_login_show(void *ctx, const char *text)
{
	ui_login_show(ctx, text);
}

/* Clear the screen, then show the site's notice again, line by line. */
static void
screen_login_clear(void *ctx)
{
	const char *p = screen_login_one.notice, *nl;
	char line[CONFIG_NOTICE_MAX + 1];
	size_t n;

	ui_login_clear(ctx);
	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		memcpy(line, p, n < sizeof line ? n : sizeof line - 1);
		line[n < sizeof line ? n : sizeof line - 1] = '\0';
		ui_login_show(ctx, line);
		p = nl != NULL ? nl + 1 : p + n;
	}
}

static void
screen_login_discard(void *ctx)
{
	ui_discard_input(ctx);
}

const struct login_ui *
screen_login_ui(struct ui *ui, const char *notice)
{
	struct screen_login *s = &screen_login_one;

	s->ui = ui;
	s->notice = notice != NULL && notice[0] != '\0' ? notice : NULL;
	s->lui.read_line = screen_login_read;
	s->lui.show = screen_login_show;
	s->lui.clear = screen_login_clear;
	s->lui.discard_input = screen_login_discard;
	s->lui.ctx = ui;
	return &s->lui;
}
