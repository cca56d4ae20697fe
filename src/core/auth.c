/*
 * auth: logging a person in through PAM (see auth.h and doc/pam.md).
 *
 * Owns one PAM transaction per login (auth_pam_login) and its
 * conversation, the mapping of PAM's codes to the distinctive auth
 * results, and the station login (auth_login): name check, the app's
 * lockout, the backend, the PAM_USER check, the role check and the audit
 * row of every outcome; and the audit row of a logout (auth_logout).
 *
 * Must never: keep a reply after it has been handed to PAM (every copy
 * is wiped, and on error freed, on every path), show or log a login name
 * that failed the name rules or a password, let an unknown name and a bad
 * password be told apart (same result, same text, same audit kind), ask
 * PAM about a locked name, or log anyone in on an error (fail closed).
 * No UI here: the caller's conversation callback shows and asks.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#include "audit.h"
#include "auth.h"
#include "display.h"
#include "ferr.h"
#include "i18n.h"
#include "lockout.h"
#include "policy.h"
#include "secret.h"
#include "station.h"
#include "store.h"

/* The conversation's state: the UI's callback and whether it failed. */
struct auth_conv_ctx {
	auth_conv_fn ui;
	void *ctx;
	bool failed;	/* the UI cancelled, or an answer was refused */
};

/*
 * PAM's codes as auth results. Failures a person can cause (a wrong
 * password, an unknown or barred account, a refused answer) are
 * AUTH_FAILED; anything else (the PAM stack or the system broke) is
 * AUTH_ERROR, also for codes not listed here.
 */
static const struct {
	int pam;
	enum auth_result result;
} auth_pam_codes[] = {
	{ PAM_SUCCESS, AUTH_OK },
	{ PAM_AUTH_ERR, AUTH_FAILED },
	{ PAM_USER_UNKNOWN, AUTH_FAILED },
	{ PAM_MAXTRIES, AUTH_FAILED },
	{ PAM_CRED_INSUFFICIENT, AUTH_FAILED },
	{ PAM_PERM_DENIED, AUTH_FAILED },
	{ PAM_ACCT_EXPIRED, AUTH_FAILED },
	{ PAM_CRED_EXPIRED, AUTH_FAILED },
	{ PAM_AUTHTOK_ERR, AUTH_FAILED },
	{ PAM_CONV_ERR, AUTH_FAILED },
	{ PAM_AUTHINFO_UNAVAIL, AUTH_ERROR },
	{ PAM_SYSTEM_ERR, AUTH_ERROR },
	{ PAM_BUF_ERR, AUTH_ERROR },
	{ PAM_SERVICE_ERR, AUTH_ERROR },
	{ PAM_OPEN_ERR, AUTH_ERROR },
	{ PAM_SYMBOL_ERR, AUTH_ERROR },
	{ PAM_ABORT, AUTH_ERROR },
	{ PAM_IGNORE, AUTH_ERROR },
	{ PAM_BAD_ITEM, AUTH_ERROR },
};

static const struct {
	enum auth_result result;
	const char *text;	/* N_() */
} auth_texts[] = {
	{ AUTH_OK, N_("Logged in") },
	{ AUTH_FAILED, N_("Login failed") },
	{ AUTH_LOCKED, N_("Account locked; ask a supervisor") },
	{ AUTH_EXPIRED, N_("Password expired") },
	{ AUTH_NO_ROLE, N_("No role granted; ask a supervisor") },
	{ AUTH_ERROR, N_("Login error") },
};

const char *
auth_result_text(enum auth_result r)
{
	size_t i;

	for (i = 0; i < sizeof auth_texts / sizeof auth_texts[0]; i++)
		if (auth_texts[i].result == r)
			return _(auth_texts[i].text);
	return _("Login error");
}

static enum auth_result
auth_from_pam(int rc)
{
	size_t i;

	for (i = 0; i < sizeof auth_pam_codes / sizeof auth_pam_codes[0]; i++)
		if (auth_pam_codes[i].pam == rc)
			return auth_pam_codes[i].result;
	return AUTH_ERROR;
}

/* Characters a message may not carry: controls and direction overrides. */
static bool
auth_unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x2028 || c == 0x2029;
}

/*
 * A PAM message as the UI may show it: at most AUTH_MSG_MAX bytes (cut on
 * a character boundary), newlines kept, tabs as spaces, every other
 * control character, direction override and invalid UTF-8 byte as '?'.
 */
static void
auth_sanitise(const char *in, char out[AUTH_MSG_MAX + 1])
{
	const unsigned char *s = (const unsigned char *)(in != NULL ? in : "");
	size_t n = strlen((const char *)s), o = 0, len;
	uint32_t c;

	while (n > 0) {
		len = display_utf8_next(s, n, &c);
		if (len == 0 || (c != '\n' && c != '\t' && auth_unsafe(c))) {
			if (o + 1 > AUTH_MSG_MAX)
				break;
			out[o++] = '?';
			len = len == 0 ? 1 : len;
		} else if (c == '\t') {
			if (o + 1 > AUTH_MSG_MAX)
				break;
			out[o++] = ' ';
		} else {
			if (o + len > AUTH_MSG_MAX)
				break;
			memcpy(out + o, s, len);
			o += len;
		}
		s += len;
		n -= len;
	}
	out[o] = '\0';
}

/* Wipe and free the replies made so far (PAM never sees them). */
static void
auth_drop_replies(struct pam_response *r, int n)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			secret_wipe(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	secret_wipe(r, (size_t)n * sizeof *r);
	free(r);
}

/*
 * Ask the UI one prompt and copy its answer into memory PAM frees with
 * free(). The UI's secret is wiped and freed at once, on every path.
 * Refused: a cancel, no answer, one over AUTH_REPLY_MAX bytes or holding
 * a NUL, and an empty answer to a hidden prompt (no empty passwords, even
 * when a module ignores PAM_DISALLOW_NULL_AUTHTOK).
 */
static int
auth_conv_prompt(struct auth_conv_ctx *c, int style, const char *text,
    char **resp)
{
	char shown[AUTH_MSG_MAX + 1];
	struct secret *reply = NULL;
	int rc = PAM_SUCCESS;

	*resp = NULL;
	auth_sanitise(text, shown);
	if (c->ui(c->ctx, style == PAM_PROMPT_ECHO_OFF ? AUTH_PROMPT_ECHO_OFF :
	    AUTH_PROMPT_ECHO_ON, shown, &reply) != 0 || reply == NULL ||
	    reply->len > AUTH_REPLY_MAX ||
	    (reply->len == 0 && style == PAM_PROMPT_ECHO_OFF) ||
	    (reply->len > 0 && memchr(reply->data, '\0', reply->len) != NULL)) {
		c->failed = true;
		rc = PAM_CONV_ERR;
		goto out;
	}
	if ((*resp = malloc(reply->len + 1)) == NULL) {
		rc = PAM_BUF_ERR;
		goto out;
	}
	if (reply->len > 0)
		memcpy(*resp, reply->data, reply->len);
	(*resp)[reply->len] = '\0';
out:
	secret_free(reply);
	return rc;
}

/* Show an error or info message; the UI may cancel (-1). */
static int
auth_conv_message(struct auth_conv_ctx *c, int style, const char *text)
{
	char shown[AUTH_MSG_MAX + 1];
	struct secret *reply = NULL;
	int r;

	auth_sanitise(text, shown);
	r = c->ui(c->ctx, style == PAM_ERROR_MSG ? AUTH_MSG_ERROR :
	    AUTH_MSG_INFO, shown, &reply);
	secret_free(reply);	/* a message has no answer: drop any */
	if (r != 0) {
		c->failed = true;
		return PAM_CONV_ERR;
	}
	return PAM_SUCCESS;
}

/* The conversation PAM calls (Linux-PAM layout: an array of pointers). */
static int
auth_pam_conv(int num_msg, const struct pam_message **msg,
    struct pam_response **resp, void *appdata)
{
	struct auth_conv_ctx *c = appdata;
	struct pam_response *r = NULL;
	int i, rc = PAM_SUCCESS;

	if (resp == NULL)
		return PAM_CONV_ERR;
	*resp = NULL;
	if (c == NULL || msg == NULL || num_msg <= 0 ||
	    num_msg > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)num_msg, sizeof *r)) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num_msg && rc == PAM_SUCCESS; i++) {
		if (msg[i] == NULL) {
			rc = PAM_CONV_ERR;
			break;
		}
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			rc = auth_conv_prompt(c, msg[i]->msg_style,
			    msg[i]->msg, &r[i].resp);
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			rc = auth_conv_message(c, msg[i]->msg_style,
			    msg[i]->msg);
			break;
		default:
			/* Binary prompts and the like. */
			rc = PAM_CONV_ERR;
			break;
		}
	}
	if (rc != PAM_SUCCESS) {
		auth_drop_replies(r, num_msg);
		return rc;
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int
auth_pam_start(const struct auth_pam_params *p, const struct pam_conv *conv,
    pam_handle_t **h)
{
	struct stat sb;

	if (p->confdir != NULL) {
		/* libpam fails (and leaks) on a missing dir: refuse it. */
		if (stat(p->confdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			*h = NULL;
			return PAM_SYSTEM_ERR;
		}
#ifdef HAVE_PAM_START_CONFDIR
		return pam_start_confdir(p->service, p->user, conv, p->confdir,
		    h);
#else
		/* Never fall back to the system's stack silently. */
		*h = NULL;
		return PAM_SYSTEM_ERR;
#endif
	}
	return pam_start(p->service, p->user, conv, h);
}

/* Tell the person their password has expired (we never change it). */
static void
auth_tell_expired(auth_conv_fn ui, void *ctx)
{
	struct secret *reply = NULL;

	(void)ui(ctx, AUTH_MSG_ERROR, _("Your password has expired; ask your "
	    "administrator to set a new one. You have not been logged in."),
	    &reply);
	secret_free(reply);
}

enum auth_result
auth_pam_login(const struct auth_pam_params *p, auth_conv_fn conv, void *ctx,
    char *pam_user, size_t pam_user_len)
{
	struct auth_conv_ctx cctx = { .ui = conv, .ctx = ctx };
	struct pam_conv pc = { .conv = auth_pam_conv, .appdata_ptr = &cctx };
	enum auth_result res = AUTH_ERROR;
	pam_handle_t *h = NULL;
	const void *item = NULL;
	int rc;

	if (pam_user != NULL && pam_user_len > 0)
		pam_user[0] = '\0';
	if (p == NULL || p->service == NULL || p->user == NULL ||
	    conv == NULL || pam_user == NULL || pam_user_len == 0)
		return AUTH_ERROR;
	if ((rc = auth_pam_start(p, &pc, &h)) != PAM_SUCCESS || h == NULL) {
		h = NULL;
		goto out;
	}
	if (p->tty != NULL &&
	    (rc = pam_set_item(h, PAM_TTY, p->tty)) != PAM_SUCCESS)
		goto out;
	if (p->rhost != NULL &&
	    (rc = pam_set_item(h, PAM_RHOST, p->rhost)) != PAM_SUCCESS)
		goto out;
	if ((rc = pam_authenticate(h, PAM_DISALLOW_NULL_AUTHTOK)) !=
	    PAM_SUCCESS) {
		res = auth_from_pam(rc);
		goto out;
	}
	rc = pam_acct_mgmt(h, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_NEW_AUTHTOK_REQD || rc == PAM_AUTHTOK_EXPIRED) {
		if (!cctx.failed) {
			auth_tell_expired(conv, ctx);
			res = AUTH_EXPIRED;
		}
		goto out;
	}
	if (rc != PAM_SUCCESS) {
		res = auth_from_pam(rc);
		goto out;
	}
	/* A module may have mapped the name: return what PAM holds now. */
	if ((rc = pam_get_item(h, PAM_USER, &item)) != PAM_SUCCESS ||
	    item == NULL || strlen(item) >= pam_user_len) {
		if (rc == PAM_SUCCESS)
			rc = PAM_SYSTEM_ERR;
		goto out;
	}
	memcpy(pam_user, item, strlen(item) + 1);
	res = AUTH_OK;
out:
	/* A cancelled or refused answer fails, whatever a module said. */
	if (cctx.failed)
		res = AUTH_FAILED;
	if (res != AUTH_OK) {
		pam_user[0] = '\0';
		if (rc == PAM_SUCCESS)
			rc = PAM_AUTH_ERR;	/* for pam_end */
	}
	if (h != NULL)
		pam_end(h, rc);
	return res;
}

enum auth_result
auth_backend_pam(void *bctx, const struct auth_pam_params *p,
    auth_conv_fn conv, void *ctx, char *pam_user, size_t pam_user_len)
{
	(void)bctx;
	return auth_pam_login(p, conv, ctx, pam_user, pam_user_len);
}

static int
auth_audit(struct station *s, int kind, const char *actor, int result,
    int64_t now, struct ferr *err)
{
	struct audit_event ev = {
		.kind = kind,
		.actor = actor,
		.count = -1,
		.result = result,
	};

	if (s->audit == NULL)
		return ferr_set(err, FULFIL_ESTATE,
		    _("the audit log is not open"));
	return audit_log(s->audit, &ev, now, err);
}

/*
 * A malformed name is no account, but it is answered like one: the
 * password is asked for (and dropped), and it fails like a wrong one.
 */
static void
auth_ask_and_drop(auth_conv_fn conv, void *ctx)
{
	struct secret *reply = NULL;

	(void)conv(ctx, AUTH_PROMPT_ECHO_OFF, _("Password: "), &reply);
	secret_free(reply);
}

/* Failed or errored: its audit row and the lockout count, together. */
static enum auth_result
auth_login_failed(struct station *s, const char *user, const char *actor,
    enum auth_result res, int64_t now, struct ferr *err)
{
	bool locked_now, spray;
	int r;

	if ((r = store_begin(s->store, err)) != 0)
		return AUTH_ERROR;
	if ((r = auth_audit(s, AUDIT_LOGIN_FAILED, actor, res, now,
	    err)) != 0 || (r = lockout_failure(s, user, now, &locked_now,
	    &spray, err)) != 0) {
		store_rollback(s->store);
		return AUTH_ERROR;
	}
	if ((r = store_commit(s->store, err)) != 0)
		return AUTH_ERROR;
	if (res == AUTH_ERROR)
		ferr_set(err, FULFIL_ESTATE, _("PAM reported an error; see the "
		    "system log"));
	return res;
}

/* Authenticated: reset the count, check the roles, audit, fill *out. */
static enum auth_result
auth_login_ok(struct station *s, const char *user, int64_t now,
    struct auth_session *out, struct ferr *err)
{
	enum auth_result res;
	unsigned roles = 0;
	int r;

	if ((r = store_begin(s->store, err)) != 0)
		return AUTH_ERROR;
	if ((r = lockout_success(s, user, now, err)) != 0 ||
	    (r = policy_roles(s->store, user, now, &roles, err)) != 0)
		goto fail;
	res = roles == 0 ? AUTH_NO_ROLE : AUTH_OK;
	if ((r = auth_audit(s, res == AUTH_OK ? AUDIT_LOGIN_OK : AUDIT_NO_ROLE,
	    user, res, now, err)) != 0)
		goto fail;
	if ((r = store_commit(s->store, err)) != 0)
		return AUTH_ERROR;
	if (res == AUTH_OK) {
		snprintf(out->user, sizeof out->user, "%s", user);
		out->roles = roles;
		out->login_at = now;
	}
	return res;
fail:
	store_rollback(s->store);
	return AUTH_ERROR;
}

enum auth_result
auth_login(struct station *s, auth_backend_fn backend, void *bctx,
    const char *user, const char *tty, const char *rhost, auth_conv_fn conv,
    void *ctx, int64_t now, struct auth_session *out, struct ferr *err)
{
	struct auth_pam_params p;
	char pam_user[AUTH_USER_MAX + 1] = "", shown[33] = "";
	const char *actor = NULL;
	enum auth_result res;
	int64_t until;
	bool valid;

	ferr_clear(err);
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (s == NULL || backend == NULL || conv == NULL || out == NULL) {
		ferr_set(err, FULFIL_EINVAL, _("auth_login: missing argument"));
		return AUTH_ERROR;
	}
	if (user == NULL)
		user = "";
	valid = policy_login_name_check(user, NULL) == 0;
	if (valid) {
		if (lockout_display_name(s, user, shown, err) != 0)
			return AUTH_ERROR;
		actor = shown;
	}
	if (lockout_state(s, user, now, &until) == LOCKOUT_LOCKED) {
		if (until == 0) {
			ferr_set(err, FULFIL_EDB,
			    _("cannot read the lockout table"));
			return AUTH_ERROR;
		}
		if (auth_audit(s, AUDIT_LOGIN_LOCKED, actor, AUTH_LOCKED, now,
		    err) != 0)
			return AUTH_ERROR;
		return AUTH_LOCKED;
	}
	if (!valid) {
		auth_ask_and_drop(conv, ctx);
		return auth_login_failed(s, user, NULL, AUTH_FAILED, now, err);
	}

	p.service = s->cfg->auth.pam_service;
	p.confdir = s->cfg->auth.pam_confdir;
	p.user = user;
	p.tty = tty;
	p.rhost = rhost;
	res = backend(bctx, &p, conv, ctx, pam_user, sizeof pam_user);
	switch (res) {
	case AUTH_OK:
		/* PAM must have logged in the person whose name was typed. */
		pam_user[sizeof pam_user - 1] = '\0';
		if (strcmp(pam_user, user) != 0)
			return auth_login_failed(s, user, actor, AUTH_ERROR,
			    now, err);
		return auth_login_ok(s, user, now, out, err);
	case AUTH_EXPIRED:
		if (auth_audit(s, AUDIT_PASSWORD_EXPIRED, user, AUTH_EXPIRED,
		    now, err) != 0)
			return AUTH_ERROR;
		return AUTH_EXPIRED;
	case AUTH_FAILED:
		return auth_login_failed(s, user, actor, AUTH_FAILED, now, err);
	default:
		/* AUTH_ERROR, or a value no backend may return. */
		return auth_login_failed(s, user, actor, AUTH_ERROR, now, err);
	}
}

int
auth_logout(struct station *s, struct auth_session *session, int64_t now,
    struct ferr *err)
{
	int r;

	if (s == NULL || session == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("auth_logout: missing argument"));
	if (session->user[0] == '\0')
		return ferr_set(err, FULFIL_ESTATE, _("no one is logged in"));
	r = auth_audit(s, AUDIT_LOGOUT, session->user, 0, now, err);
	memset(session, 0, sizeof *session);
	return r;
}
