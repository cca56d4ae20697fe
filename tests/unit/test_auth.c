/*
 * test_auth: logging in through real PAM (pam_matrix via
 * pam_start_confdir, no root, no LD_PRELOAD): good and bad passwords,
 * unknown users answered exactly like bad passwords, the app's lockout
 * around PAM (with an injected clock), restarts, unlock, roles, accounts
 * of another service, expired passwords, the conversation's limits and
 * sanitising, hostile names, and no typed secret on disk.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <security/pam_appl.h>

#include "testutil.h"
#include "pamtest.h"

#include "audit.h"
#include "auth.h"
#include "fconfig.h"
#include "ferr.h"
#include "lockout.h"
#include "policy.h"
#include "station.h"
#include "store.h"

/* The injected clock starts at the real time (the audit log prunes by it). */
static int64_t t0;
#define T0 t0
#define MAXF 3
#define WINDOW 900
#define LOCKFOR 600

#define ADA_PW "Correct-Horse-1"
#define BOB_PW "Battery-Staple-2"
#define CY_PW "Tr0ub4dor-3"
#define DEE_PW "Other-Service-4"
#define WRONG_PW "Wrong-Guess-9"

static const struct pt_user users[] = {
	{ "ada", ADA_PW, NULL },
	{ "bob", BOB_PW, NULL },
	{ "cy", CY_PW, NULL },		/* no role */
	{ "dee", DEE_PW, "otherservice" },	/* not for fulfil */
	{ NULL, NULL, NULL },
};

struct fixture {
	char *tmp;
	char *svcdir;
	struct fulfil_config *cfg;
	struct station *s;
	int backend_calls;
};

static void
reopen(struct fixture *f)
{
	struct ferr err = { 0 };

	station_close(f->s);
	f->s = NULL;
	if (station_open(f->cfg, false, &f->s, &err) != 0)
		fail_msg("station_open: %s", err.msg);
}

static void
grant(struct fixture *f, const char *user, enum role role)
{
	struct policy_actor by = { .name = "opsadmin", .admin = true };
	struct ferr err = { 0 };

	if (policy_grant(f->s->store, f->s->audit, &by, user, role, 30,
	    T0 - 100, &err) != 0)
		fail_msg("policy_grant: %s", err.msg);
}

/* Use the service dir svcdir (replacing the current one). */
static void
use_service_dir(struct fixture *f, char *svcdir)
{
	assert_non_null(svcdir);
	free(f->svcdir);
	f->svcdir = svcdir;
	free(f->cfg->auth.pam_confdir);
	f->cfg->auth.pam_confdir = strdup(svcdir);
	assert_non_null(f->cfg->auth.pam_confdir);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct station_init_result res;
	struct ferr err = { 0 };

	tu_init();
	assert_non_null(f);
	t0 = (int64_t)time(NULL);
	*state = f;
	f->cfg = tu_station_config(&f->tmp);
	if (pt_matrix_module() == NULL)
		return 0;
	free(f->cfg->auth.pam_service);
	f->cfg->auth.pam_service = strdup(PT_SERVICE);
	f->cfg->auth.max_failures = MAXF;
	f->cfg->auth.failure_window = WINDOW;
	f->cfg->auth.lockout = LOCKFOR;
	use_service_dir(f, pt_service_dir_users(f->tmp, users));
	if (station_init(f->cfg, &res, &err) != 0)
		fail_msg("station_init: %s", err.msg);
	reopen(f);
	grant(f, "ada", ROLE_PICKER);
	grant(f, "bob", ROLE_PACKER);
	grant(f, "bob", ROLE_DISPATCHER);
	grant(f, "dee", ROLE_PICKER);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tu_station_stop(f->s, f->cfg, f->tmp);
	free(f->svcdir);
	free(f);
	return 0;
}

/* The real PAM backend, counting how often it is asked. */
static enum auth_result
counting_backend(void *bctx, const struct auth_pam_params *p,
    auth_conv_fn conv, void *ctx, char *pam_user, size_t pam_user_len)
{
	struct fixture *f = bctx;

	f->backend_calls++;
	return auth_backend_pam(NULL, p, conv, ctx, pam_user, pam_user_len);
}

/* One login answering the password prompt with pw (NULL: cancel). */
static enum auth_result
login(struct fixture *f, const char *user, const char *pw, int64_t now,
    struct pt_conv *c, struct auth_session *sess)
{
	static struct pt_conv local;
	static const char *answer[1];
	struct auth_session lsess;
	struct ferr err = { 0 };

	answer[0] = pw;
	if (c == NULL)
		c = &local;
	if (sess == NULL)
		sess = &lsess;
	pt_conv_init(c, answer, 1);
	return auth_login(f->s, counting_backend, f, user, "tty7", NULL,
	    pt_conv_fn, c, now, sess, &err);
}

/* The last audit row (there must be one). */
static int
last_row(struct fixture *f, struct tu_rows *r)
{
	tu_audit_rows(f->s->audit, r);
	assert_true(r->n > 0);
	return (int)r->n - 1;
}

#define REQUIRE(f) do { (void)(f); PT_REQUIRE_MATRIX(); } while (0)

static void
test_good_password(void **state)
{
	struct fixture *f = *state;
	struct auth_session sess;
	struct pt_conv c;
	struct tu_rows r;
	int i;

	REQUIRE(f);
	assert_int_equal(login(f, "ada", ADA_PW, T0, &c, &sess), AUTH_OK);
	assert_string_equal(sess.user, "ada");
	assert_int_equal(sess.roles, ROLE_BIT(ROLE_PICKER));
	assert_int_equal(sess.login_at, T0);
	assert_int_equal(c.next, 1);
	assert_int_equal(c.style[0], AUTH_PROMPT_ECHO_OFF);
	i = last_row(f, &r);
	assert_int_equal(r.kind[i], AUDIT_LOGIN_OK);
	assert_string_equal(r.actor[i], "ada");

	assert_int_equal(login(f, "bob", BOB_PW, T0, NULL, &sess), AUTH_OK);
	assert_int_equal(sess.roles,
	    ROLE_BIT(ROLE_PACKER) | ROLE_BIT(ROLE_DISPATCHER));
	assert_string_equal(auth_result_text(AUTH_OK), "Logged in");
}

static void
test_bad_and_unknown_alike(void **state)
{
	struct fixture *f = *state;
	struct auth_session sess;
	struct pt_conv bad, unknown;
	enum auth_result rb, ru;
	struct tu_rows r;
	int i;

	REQUIRE(f);
	rb = login(f, "ada", WRONG_PW, T0, &bad, &sess);
	assert_int_equal(rb, AUTH_FAILED);
	assert_string_equal(sess.user, "");
	assert_int_equal(sess.roles, 0);
	ru = login(f, "zed", ADA_PW, T0, &unknown, &sess);
	assert_int_equal(ru, AUTH_FAILED);
	assert_string_equal(auth_result_text(rb), auth_result_text(ru));
	assert_string_equal(auth_result_text(rb), "Login failed");
	/* The same conversation: one password prompt, nothing else. */
	assert_int_equal(bad.nshown, unknown.nshown);
	assert_int_equal(bad.style[0], unknown.style[0]);
	assert_string_equal(bad.shown[0], unknown.shown[0]);

	i = last_row(f, &r);
	assert_int_equal(r.kind[i], AUDIT_LOGIN_FAILED);
	assert_int_equal(r.kind[i - 1], AUDIT_LOGIN_FAILED);
	assert_int_equal(r.result[i], r.result[i - 1]);
	assert_string_equal(r.actor[i - 1], "ada");
	/* Not known: not in clear. */
	assert_int_equal(r.actor[i][0], '#');
}

static void
test_lockout_refuses_right_password(void **state)
{
	struct fixture *f = *state;
	struct pt_conv c;
	struct tu_rows r;
	int i, calls;

	REQUIRE(f);
	for (i = 0; i < MAXF; i++)
		assert_int_equal(login(f, "ada", WRONG_PW, T0 + i, NULL, NULL),
		    AUTH_FAILED);
	calls = f->backend_calls;
	assert_int_equal(login(f, "ada", ADA_PW, T0 + MAXF, &c, NULL),
	    AUTH_LOCKED);
	assert_int_equal(f->backend_calls, calls);	/* PAM not asked */
	assert_int_equal(c.nshown, 0);
	assert_string_equal(auth_result_text(AUTH_LOCKED),
	    "Account locked; ask a supervisor");
	i = last_row(f, &r);
	assert_int_equal(r.kind[i], AUDIT_LOGIN_LOCKED);
	assert_string_equal(r.actor[i], "ada");
	assert_int_equal(r.kind[i - 1], AUDIT_ACCOUNT_LOCKED);

	/* Locked until the lockout has passed, then the password works. */
	assert_int_equal(login(f, "ada", ADA_PW, T0 + MAXF - 1 + LOCKFOR - 1,
	    NULL, NULL), AUTH_LOCKED);
	assert_int_equal(login(f, "ada", ADA_PW, T0 + MAXF - 1 + LOCKFOR,
	    NULL, NULL), AUTH_OK);
}

static void
test_unknown_user_locks_too(void **state)
{
	struct fixture *f = *state;
	int i;

	REQUIRE(f);
	for (i = 0; i < MAXF; i++)
		assert_int_equal(login(f, "zed", WRONG_PW, T0, NULL, NULL),
		    AUTH_FAILED);
	assert_int_equal(login(f, "zed", WRONG_PW, T0, NULL, NULL),
	    AUTH_LOCKED);
}

static void
test_lock_survives_restart_and_unlock(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };
	struct tu_rows r;
	int i;

	REQUIRE(f);
	for (i = 0; i < MAXF; i++)
		login(f, "ada", WRONG_PW, T0, NULL, NULL);
	reopen(f);
	assert_int_equal(login(f, "ada", ADA_PW, T0 + 1, NULL, NULL),
	    AUTH_LOCKED);
	assert_int_equal(lockout_unlock(f->s, "opsadmin", "ada", 0, T0 + 2, &err),
	    0);
	i = last_row(f, &r);
	assert_int_equal(r.kind[i], AUDIT_ACCOUNT_UNLOCKED);
	assert_int_equal(login(f, "ada", ADA_PW, T0 + 3, NULL, NULL), AUTH_OK);
}

static void
test_success_resets_count(void **state)
{
	struct fixture *f = *state;
	int i;

	REQUIRE(f);
	for (i = 0; i < MAXF - 1; i++)
		login(f, "ada", WRONG_PW, T0, NULL, NULL);
	assert_int_equal(login(f, "ada", ADA_PW, T0 + 1, NULL, NULL), AUTH_OK);
	for (i = 0; i < MAXF - 1; i++)
		login(f, "ada", WRONG_PW, T0 + 2, NULL, NULL);
	assert_int_equal(login(f, "ada", ADA_PW, T0 + 3, NULL, NULL), AUTH_OK);
}

static void
test_no_role(void **state)
{
	struct fixture *f = *state;
	struct auth_session sess;
	struct tu_rows r;
	int i;

	REQUIRE(f);
	assert_int_equal(login(f, "cy", CY_PW, T0, NULL, &sess), AUTH_NO_ROLE);
	assert_string_equal(sess.user, "");
	assert_string_equal(auth_result_text(AUTH_NO_ROLE),
	    "No role granted; ask a supervisor");
	i = last_row(f, &r);
	assert_int_equal(r.kind[i], AUDIT_NO_ROLE);
	assert_string_equal(r.actor[i], "cy");
	/* An expired grant is no role either. */
	assert_int_equal(login(f, "ada", ADA_PW, T0 + 31 * 86400, NULL, &sess),
	    AUTH_NO_ROLE);
}

static void
test_other_service_account(void **state)
{
	struct fixture *f = *state;

	REQUIRE(f);
	/* dee's password is right, but pam_acct_mgmt refuses the service. */
	assert_int_equal(login(f, "dee", DEE_PW, T0, NULL, NULL), AUTH_FAILED);
}

static void
test_reply_limits(void **state)
{
	struct fixture *f = *state;
	char big[AUTH_REPLY_MAX + 2], *pw;
	struct pt_user long_users[] = {
		{ "lee", NULL, NULL },
		{ "bob", "", NULL },
		{ NULL, NULL, NULL },
	};
	int i;

	REQUIRE(f);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(login(f, "ada", big, T0, NULL, NULL), AUTH_FAILED);
	big[AUTH_REPLY_MAX] = '\0';	/* the longest allowed: just wrong */
	assert_int_equal(login(f, "ada", big, T0, NULL, NULL), AUTH_FAILED);
	/* Refused answers count like wrong passwords. */
	big[AUTH_REPLY_MAX] = 'x';
	for (i = 2; i < MAXF; i++)
		login(f, "ada", big, T0, NULL, NULL);
	assert_int_equal(login(f, "ada", ADA_PW, T0, NULL, NULL), AUTH_LOCKED);

	/*
	 * A password of exactly AUTH_REPLY_MAX bytes works; one byte more is
	 * refused even when it is the right one.
	 */
	memset(big, 'y', sizeof big - 1);
	big[AUTH_REPLY_MAX] = '\0';
	long_users[0].password = big;
	tu_rmtree(f->svcdir);
	use_service_dir(f, pt_service_dir_users(f->tmp, long_users));
	grant(f, "lee", ROLE_PICKER);
	assert_int_equal(login(f, "lee", big, T0, NULL, NULL), AUTH_OK);
	big[AUTH_REPLY_MAX] = 'y';
	tu_rmtree(f->svcdir);
	use_service_dir(f, pt_service_dir_users(f->tmp, long_users));
	assert_int_equal(login(f, "lee", big, T0, NULL, NULL), AUTH_FAILED);

	/* An empty password is no password, even where the module takes it. */
	pw = strdup("");
	assert_int_equal(login(f, "bob", pw, T0, NULL, NULL), AUTH_FAILED);
	free(pw);
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct pt_conv c;

	REQUIRE(f);
	assert_int_equal(login(f, "ada", NULL, T0, &c, NULL), AUTH_FAILED);
	assert_int_equal(c.cancels, 1);
}

static void
test_messages_sanitised(void **state)
{
	struct fixture *f = *state;
	static const char motd[] =
	    "Welcome\x1b[31m red\x07 bell\xff\xfe end\t!";
	char *motdpath, *nologin, *before, longmsg[3000];
	struct pt_conv c;
	size_t i, j;

	REQUIRE(f);
	motdpath = tu_path(f->tmp, "motd");
	nologin = tu_path(f->tmp, "nologin");
	assert_int_equal(tu_write_file(motdpath, motd, strlen(motd), 0644), 0);
	memset(longmsg, 'L', sizeof longmsg);
	memcpy(longmsg, "Notice \x9b\xc2\x9b", 10);
	assert_int_equal(tu_write_file(nologin, longmsg, sizeof longmsg,
	    0644), 0);
	assert_int_not_equal(asprintf(&before,
	    "auth optional pam_echo.so file=%s\n"
	    "auth optional pam_nologin.so file=%s\n", motdpath, nologin), -1);
	tu_rmtree(f->svcdir);
	use_service_dir(f, pt_service_dir_custom(f->tmp, users, before, NULL,
	    NULL));

	assert_int_equal(login(f, "ada", ADA_PW, T0, &c, NULL), AUTH_OK);
	assert_true(pt_conv_saw(&c, AUTH_MSG_INFO,
	    "Welcome?[31m red? bell?? end !"));
	assert_true(pt_conv_saw(&c, AUTH_MSG_ERROR, "Notice ??LLL"));
	for (i = 0; i < c.nshown; i++) {
		assert_true(strlen(c.shown[i]) <= AUTH_MSG_MAX);
		for (j = 0; c.shown[i][j] != '\0'; j++) {
			unsigned char ch = (unsigned char)c.shown[i][j];

			assert_true(ch >= 0x20 || ch == '\n');
			assert_true(ch != 0x7f);
		}
	}
	/* The long message was cut, not dropped. */
	assert_true(pt_conv_saw(&c, AUTH_MSG_ERROR, "LLLL"));
	free(before);
	free(motdpath);
	free(nologin);
}

static void
test_expired_password(void **state)
{
	struct fixture *f = *state;
	struct auth_session sess;
	struct pt_conv c;
	struct tu_rows r;
	int i;

	REQUIRE(f);
	/*
	 * pam_matrix cannot expire a password; Linux-PAM's own pam_stress
	 * with "expired" answers pam_acct_mgmt with PAM_NEW_AUTHTOK_REQD.
	 */
	tu_rmtree(f->svcdir);
	use_service_dir(f, pt_service_dir_custom(f->tmp, users, NULL, NULL,
	    "account required pam_stress.so expired\n"));
	assert_int_equal(login(f, "ada", ADA_PW, T0, &c, &sess), AUTH_EXPIRED);
	assert_string_equal(sess.user, "");
	assert_true(pt_conv_saw(&c, AUTH_MSG_ERROR, "expired"));
	assert_string_equal(auth_result_text(AUTH_EXPIRED), "Password expired");
	i = last_row(f, &r);
	assert_int_equal(r.kind[i], AUDIT_PASSWORD_EXPIRED);
	assert_string_equal(r.actor[i], "ada");
	/* A wrong password still fails as before, and is counted. */
	assert_int_equal(login(f, "ada", WRONG_PW, T0, NULL, NULL),
	    AUTH_FAILED);
	/* Expired logins are not failures: no lock from them. */
	for (i = 0; i < MAXF; i++)
		assert_int_equal(login(f, "bob", BOB_PW, T0, NULL, NULL),
		    AUTH_EXPIRED);
}

static void
test_hostile_names(void **state)
{
	struct fixture *f = *state;
	static char huge[4097];
	const char *const names[] = {
		huge, "ada\n", "ada\x1b[2J", "%n%n%n%s", "\xff\xfe\xfd",
		"ad\xc3", "", "ada bob", "-ada", ".ada", "ada\x7f",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "\xc2\x9b" "ada",
	};
	struct pt_conv c;
	struct tu_rows r;
	size_t i, before;
	int last;

	REQUIRE(f);
	memset(huge, 'A', sizeof huge - 1);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		int calls = f->backend_calls;

		tu_audit_rows(f->s->audit, &r);
		before = tu_count_kind(&r, AUDIT_LOGIN_FAILED);

		assert_int_equal(login(f, names[i], ADA_PW, T0, &c, NULL),
		    AUTH_FAILED);
		assert_int_equal(f->backend_calls, calls);
		/* Asked for a password like any name. */
		assert_int_equal(c.nshown, 1);
		assert_int_equal(c.style[0], AUTH_PROMPT_ECHO_OFF);
		tu_audit_rows(f->s->audit, &r);
		assert_int_equal(tu_count_kind(&r, AUDIT_LOGIN_FAILED),
		    before + 1);
		last = tu_last_kind(&r, AUDIT_LOGIN_FAILED);
		assert_string_equal(r.actor[last], "");
		assert_int_equal(r.result[last], AUTH_FAILED);
	}
	/* A NULL name too. */
	assert_int_equal(login(f, NULL, ADA_PW, T0, NULL, NULL), AUTH_FAILED);
}

/* Test backends: PAM that maps the name, and one that returns junk. */
static enum auth_result
mapping_backend(void *bctx, const struct auth_pam_params *p,
    auth_conv_fn conv, void *ctx, char *pam_user, size_t pam_user_len)
{
	(void)bctx, (void)p, (void)conv, (void)ctx;
	snprintf(pam_user, pam_user_len, "%s", "mallory");
	return AUTH_OK;
}

static enum auth_result
junk_backend(void *bctx, const struct auth_pam_params *p, auth_conv_fn conv,
    void *ctx, char *pam_user, size_t pam_user_len)
{
	(void)bctx, (void)p, (void)conv, (void)ctx;
	snprintf(pam_user, pam_user_len, "%s", p->user);
	return (enum auth_result)1;
}

static void
test_backend_oddities(void **state)
{
	struct fixture *f = *state;
	static const auth_backend_fn backends[] = {
		mapping_backend, junk_backend,
	};
	struct auth_session sess;
	struct ferr err = { 0 };
	struct pt_conv c;
	struct tu_rows r;
	size_t i;
	int last;

	REQUIRE(f);
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		pt_conv_init(&c, NULL, 0);
		assert_int_equal(auth_login(f->s, backends[i], NULL, "ada",
		    NULL, NULL, pt_conv_fn, &c, T0, &sess, &err), AUTH_ERROR);
		assert_string_equal(sess.user, "");
		last = last_row(f, &r);
		assert_int_equal(r.kind[last], AUDIT_LOGIN_FAILED);
		assert_int_equal(r.result[last], AUTH_ERROR);
	}
	assert_string_equal(auth_result_text(AUTH_ERROR), "Login error");
	assert_string_equal(auth_result_text((enum auth_result)0),
	    "Login error");
}

static void
test_pam_direct(void **state)
{
	struct fixture *f = *state;
	struct auth_pam_params p = {
		.service = PT_SERVICE,
		.user = "ada",
		.tty = "tty7",
		.rhost = "127.0.0.1",
	};
	char pam_user[AUTH_USER_MAX + 1];
	struct pt_conv c;
	static const char *const ok[] = { ADA_PW };
	char *missing;

	REQUIRE(f);
	p.confdir = f->svcdir;
	pt_conv_init(&c, ok, 1);
	assert_int_equal(auth_pam_login(&p, pt_conv_fn, &c, pam_user,
	    sizeof pam_user), AUTH_OK);
	assert_string_equal(pam_user, "ada");
	/* A name too long for the caller's buffer is an error, not a cut. */
	pt_conv_init(&c, ok, 1);
	assert_int_equal(auth_pam_login(&p, pt_conv_fn, &c, pam_user, 3),
	    AUTH_ERROR);
	assert_string_equal(pam_user, "");
	/* A service no file names falls to "other": pam_deny. */
	p.service = "nosuchservice";
	pt_conv_init(&c, ok, 1);
	assert_int_not_equal(auth_pam_login(&p, pt_conv_fn, &c, pam_user,
	    sizeof pam_user), AUTH_OK);
	/* A confdir that does not exist never logs anyone in. */
	p.service = PT_SERVICE;
	missing = tu_path(f->tmp, "no-such-dir");
	p.confdir = missing;
	pt_conv_init(&c, ok, 1);
	assert_int_not_equal(auth_pam_login(&p, pt_conv_fn, &c, pam_user,
	    sizeof pam_user), AUTH_OK);
	free(missing);
	assert_int_equal(auth_pam_login(NULL, pt_conv_fn, &c, pam_user,
	    sizeof pam_user), AUTH_ERROR);
}

static void
test_nothing_typed_is_stored(void **state)
{
	struct fixture *f = *state;
	static const char *const typed[] = {
		WRONG_PW, "Pw-In-User-Box-7", "Another-Miss-8",
	};
	struct ferr err = { 0 };
	char *data;
	size_t i;

	REQUIRE(f);
	login(f, "ada", ADA_PW, T0, NULL, NULL);
	login(f, "ada", WRONG_PW, T0, NULL, NULL);
	login(f, "Pw-In-User-Box-7", ADA_PW, T0, NULL, NULL);
	login(f, "zed", "Another-Miss-8", T0, NULL, NULL);
	login(f, "cy", CY_PW, T0, NULL, NULL);
	assert_int_equal(store_checkpoint(f->s->store, &err), 0);
	station_close(f->s);
	f->s = NULL;
	/* The passdb holds the right passwords; nothing else may. */
	data = tu_path(f->tmp, "data");
	assert_false(tu_tree_contains(data, ADA_PW, strlen(ADA_PW)));
	assert_false(tu_tree_contains(data, CY_PW, strlen(CY_PW)));
	for (i = 0; i < sizeof typed / sizeof typed[0]; i++)
		assert_false(tu_tree_contains(f->tmp, typed[i],
		    strlen(typed[i])));
	free(data);
	reopen(f);
}

/*
 * With the syslog mirror on (a socket of the test's own), logins good,
 * bad, unknown and locked reach syslog at the right levels, and nothing
 * typed as a password is in any datagram.
 */
static void
test_syslog_carries_no_password(void **state)
{
	struct fixture *f = *state;
	static const char *const typed[] = {
		ADA_PW, WRONG_PW, "Pw-In-User-Box-7", "Another-Miss-8",
	};
	char *sock, buf[2048];
	size_t i, n = 0, warnings = 0;
	int fd;

	REQUIRE(f);
	sock = tu_path(f->tmp, "log.sock");
	fd = tu_bind_dgram(sock);
	free(f->cfg->audit.syslog_socket);
	f->cfg->audit.syslog_socket = sock;
	f->cfg->audit.syslog = true;
	reopen(f);
	login(f, "ada", ADA_PW, T0, NULL, NULL);
	login(f, "Pw-In-User-Box-7", ADA_PW, T0, NULL, NULL);
	login(f, "zed", "Another-Miss-8", T0, NULL, NULL);
	for (i = 0; i < MAXF; i++)
		login(f, "ada", WRONG_PW, T0 + 1, NULL, NULL);
	while (tu_recv_dgram(fd, buf, sizeof buf) != NULL) {
		size_t k;

		n++;
		for (k = 0; k < sizeof typed / sizeof typed[0]; k++)
			assert_null(strstr(buf, typed[k]));
		/* authpriv (10) * 8 + warning (4) */
		if (strncmp(buf, "<84>", 4) == 0)
			warnings++;
	}
	assert_true(n >= 6);		/* every login is in syslog */
	assert_true(warnings >= 4);	/* failures and the lock: warning */
	close(fd);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_password),
		T(test_bad_and_unknown_alike),
		T(test_lockout_refuses_right_password),
		T(test_unknown_user_locks_too),
		T(test_lock_survives_restart_and_unlock),
		T(test_success_resets_count),
		T(test_no_role),
		T(test_other_service_account),
		T(test_reply_limits),
		T(test_cancel),
		T(test_messages_sanitised),
		T(test_expired_password),
		T(test_hostile_names),
		T(test_backend_oddities),
		T(test_pam_direct),
		T(test_nothing_typed_is_stored),
		T(test_syslog_carries_no_password),
	};

	if (pt_skip_all_without_matrix())
		return 0;
	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
