/*
 * auth: logging a person in through PAM.
 *
 * auth_pam_login runs one PAM transaction (pam_start or pam_start_confdir,
 * PAM_TTY/PAM_RHOST, pam_authenticate, pam_acct_mgmt, expired-password
 * handling, PAM_USER re-read, pam_end on every path). Its conversation
 * wipes and frees every reply on every path, refuses oversized answers and
 * unknown message styles, and passes info/error text to the UI callback.
 * auth_login wraps a backend (in-process PAM, or the privileged monitor of
 * monitor.h) with the app's lockout, the role check and the audit log.
 * No UI here: the caller supplies the conversation callback.
 */
#ifndef FULFIL_AUTH_H
#define FULFIL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"
#include "secret.h"

struct station;

/* Results are distinctive constants, never 0/1. */
enum auth_result {
	AUTH_OK = 0x4f4b2a61,
	AUTH_FAILED = 0x0bad1061,	/* bad password or unknown user: alike */
	AUTH_LOCKED = 0x10c4ed00,	/* the app's lockout refused it */
	AUTH_EXPIRED = 0x0e4b12ed,	/* password expired: no login */
	AUTH_NO_ROLE = 0x0404e01e,	/* authenticated, holds no role */
	AUTH_ERROR = 0x0e770c0d,	/* PAM or system error */
};

enum auth_msg_style {
	AUTH_PROMPT_ECHO_OFF = 1,	/* a password: never echo */
	AUTH_PROMPT_ECHO_ON = 2,
	AUTH_MSG_ERROR = 3,
	AUTH_MSG_INFO = 4,
};

#define AUTH_REPLY_MAX 512	/* longer answers are refused */
#define AUTH_MSG_MAX 512	/* longer PAM messages are cut */
#define AUTH_USER_MAX 32

/*
 * The UI's side of a conversation. For a prompt it sets *reply to a new
 * secret holding the answer (auth wipes and frees it); for a message it
 * only shows msg. Returns 0, or -1 to cancel the login.
 */
typedef int (*auth_conv_fn)(void *ctx, enum auth_msg_style style,
    const char *msg, struct secret **reply);

struct auth_pam_params {
	const char *service;	/* [auth] pam_service */
	const char *confdir;	/* [auth] pam_confdir or NULL */
	const char *user;
	const char *tty;	/* or NULL */
	const char *rhost;	/* or NULL */
};

/*
 * One PAM login. On AUTH_OK, pam_user (AUTH_USER_MAX + 1 bytes) holds
 * PAM_USER as PAM left it (a module may map names); the caller checks it.
 */
enum auth_result auth_pam_login(const struct auth_pam_params *p,
    auth_conv_fn conv, void *ctx, char *pam_user, size_t pam_user_len);

/* A way to run auth_pam_login: in-process, or relayed to the monitor. */
typedef enum auth_result (*auth_backend_fn)(void *bctx,
    const struct auth_pam_params *p, auth_conv_fn conv, void *ctx,
    char *pam_user, size_t pam_user_len);

/* The in-process backend (bctx unused). */
enum auth_result auth_backend_pam(void *bctx, const struct auth_pam_params *p,
    auth_conv_fn conv, void *ctx, char *pam_user, size_t pam_user_len);

struct auth_session {
	char user[AUTH_USER_MAX + 1];
	unsigned roles;		/* ROLE_BIT()s at login; re-checked per action */
	int64_t login_at;
};

/*
 * A whole login at the station: validate the name, refuse a locked one
 * (without asking PAM), run the backend, record the failure or success in
 * the lockout table, check the person holds a role, audit every outcome.
 * Unknown names and bad passwords give the same result and the same audit
 * kind. tty/rhost go to PAM_TTY/PAM_RHOST.
 */
enum auth_result auth_login(struct station *s, auth_backend_fn backend,
    void *bctx, const char *user, const char *tty, const char *rhost,
    auth_conv_fn conv, void *ctx, int64_t now, struct auth_session *out,
    struct ferr *err);

/*
 * End a session: audit AUDIT_LOGOUT with the person as actor (whether
 * they logged out or were logged out when idle) and clear *session.
 * The session is cleared even when the audit row cannot be written (the
 * person is logged out either way); that error is returned.
 * FULFIL_ESTATE when no one is logged in (an empty session).
 */
int auth_logout(struct station *s, struct auth_session *session,
    int64_t now, struct ferr *err);

/* A short, translated, PII-free text for a result ("Login failed", ...). */
const char *auth_result_text(enum auth_result r);

#endif
