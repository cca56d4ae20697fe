/*
 * test_monitor: the privileged PAM monitor, the terminal's relay to it,
 * a hostile terminal on the raw socket, and proc_drop_privileges.
 *
 * Both halves run as the test's user (root in CI, so the drop to nobody
 * is exercised in forked children). PAM is pam_matrix through
 * pam_start_confdir; pam_exec writing its log= marker file shows whether
 * the monitor ran PAM at all; pam_echo shows info messages and PAM_TTY.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "pamtest.h"

#include "auth.h"
#include "fconfig.h"
#include "ferr.h"
#include "monitor.h"
#include "proc.h"
#include "secret.h"

/* Synthetic people and passwords. */
static const struct pt_user people[] = {
	{ "ada", "Correct-Horse-1", NULL },
	{ "grace", "Battery-Staple-2", NULL },
	{ "linus", "Penguin-Tux-3", "otherservice" },
	{ NULL, NULL, NULL },
};

/* Typed in the tests but in no passdb. */
static const char *const wrong_passwords[] = {
	"Wrong-Guess-77", "Not-My-Pass-88", "Secret-Typo-99",
};

/* Wire sizes, as doc/privsep.md gives them. */
#define W_LOGIN_START_MAX (1 + 2 + AUTH_USER_MAX + 2 + MONITOR_TTY_MAX + 2 + \
	MONITOR_RHOST_MAX)
#define W_CONV_REPLY_MAX (1 + 2 + AUTH_REPLY_MAX)
#define W_IN_MAX 1024

struct fixture {
	char *tmp;		/* the work dir, scanned for passwords */
	char *pamtmp;		/* passdb + pam.d */
	char *pamdir;
	char *marker;		/* pam_exec's log: PAM ran */
	struct fulfil_config *cfg;
	struct monitor *mon;
};

/* ---- fixtures ------------------------------------------------------- */

static int
fixture_new(void **state, const char *extra_before)
{
	struct fixture *f = calloc(1, sizeof *f);
	char *before = NULL;

	tu_init();
	assert_non_null(f);
	*state = f;
	assert_non_null(f->tmp = tu_mkdtemp());
	assert_non_null(f->pamtmp = tu_mkdtemp());
	assert_non_null(f->marker = tu_path(f->tmp, "pam-ran"));
	assert_non_null(f->cfg = config_new_defaults());
	if (pt_matrix_module() == NULL)
		return 0;	/* the tests skip */
	assert_true(asprintf(&before,
	    "auth     optional  pam_exec.so quiet log=%s /usr/bin/true\n%s",
	    f->marker, extra_before != NULL ? extra_before : "") > 0);
	f->pamdir = pt_service_dir_custom(f->pamtmp, people, before, NULL,
	    NULL);
	free(before);
	assert_non_null(f->pamdir);
	free(f->cfg->auth.pam_service);
	assert_non_null(f->cfg->auth.pam_service = strdup(PT_SERVICE));
	free(f->cfg->auth.pam_confdir);
	assert_non_null(f->cfg->auth.pam_confdir = strdup(f->pamdir));
	return 0;
}

static int
setup(void **state)
{
	return fixture_new(state, NULL);
}

/* The service also echoes PAM_TTY and PAM_RHOST as an info message. */
static int
setup_echo(void **state)
{
	return fixture_new(state,
	    "auth     optional  pam_echo.so station tty=%t rhost=%H\n");
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->mon != NULL)
		monitor_stop(f->mon);
	tu_rmtree(f->tmp);
	tu_rmtree(f->pamtmp);
	free(f->tmp);
	free(f->pamtmp);
	free(f->pamdir);
	free(f->marker);
	config_free(f->cfg);
	free(f);
	return 0;
}

static void
start_monitor(struct fixture *f)
{
	struct ferr err = { 0 };

	assert_int_equal(monitor_start(f->cfg, &f->mon, &err), 0);
	assert_non_null(f->mon);
	assert_true(monitor_pid(f->mon) > 0);
	assert_true(monitor_socket(f->mon) >= 0);
}

/* Stop the monitor and return its exit code (asserting it exited). */
static int
stop_monitor(struct fixture *f)
{
	int st = monitor_stop_status(f->mon);

	f->mon = NULL;
	assert_true(st != -1);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static bool
pam_ran(const struct fixture *f)
{
	return access(f->marker, F_OK) == 0;
}

static void
forget_pam_ran(const struct fixture *f)
{
	(void)unlink(f->marker);
}

/* One login through the relay; *pu gets PAM_USER. */
static enum auth_result
relay_login(struct fixture *f, const char *user, const char *tty,
    const char *rhost, auth_conv_fn conv, void *ctx, char *pu, size_t pulen)
{
	struct auth_pam_params p = {
		.service = "not-this-one",	/* the monitor ignores these */
		.confdir = "/nonexistent/pam.d",
		.user = user,
		.tty = tty,
		.rhost = rhost,
	};

	return monitor_backend(f->mon, &p, conv, ctx, pu, pulen);
}

/* ---- logins through the monitor ------------------------------------- */

static void
test_good_password(void **state)
{
	struct fixture *f = *state;
	const char *const answers[] = { "Correct-Horse-1" };
	char pu[AUTH_USER_MAX + 1] = "junk";
	struct pt_conv c;

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	pt_conv_init(&c, answers, 1);
	assert_int_equal(relay_login(f, "ada", "tty7", NULL, pt_conv_fn, &c,
	    pu, sizeof pu), AUTH_OK);
	assert_string_equal(pu, "ada");
	assert_int_equal(c.next, 1);
	assert_int_equal(c.cancels, 0);
	assert_true(c.nshown >= 1);
	assert_int_equal(c.style[c.nshown - 1], AUTH_PROMPT_ECHO_OFF);
	assert_true(pam_ran(f));
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
}

static void
test_bad_password_and_unknown_user(void **state)
{
	struct fixture *f = *state;
	const char *const bad[] = { "Wrong-Guess-77" };
	char pu[AUTH_USER_MAX + 1] = "junk";
	struct pt_conv c;

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	pt_conv_init(&c, bad, 1);
	assert_int_equal(relay_login(f, "ada", "tty7", NULL, pt_conv_fn, &c,
	    pu, sizeof pu), AUTH_FAILED);
	assert_string_equal(pu, "");
	assert_int_equal(c.next, 1);

	strcpy(pu, "junk");
	pt_conv_init(&c, bad, 1);
	assert_int_equal(relay_login(f, "nosuchperson", "tty7", NULL,
	    pt_conv_fn, &c, pu, sizeof pu), AUTH_FAILED);
	assert_string_equal(pu, "");
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
	assert_false(tu_tree_contains(f->tmp, "Wrong-Guess-77", 14));
	assert_false(tu_tree_contains(f->pamtmp, "Wrong-Guess-77", 14));
}

/* A kiosk: one person after another on one monitor. */
static void
test_kiosk_logins_in_a_row(void **state)
{
	static const struct {
		const char *user;
		const char *answer;	/* NULL: the person cancels */
		enum auth_result want;
	} rows[] = {
		{ "ada", "Correct-Horse-1", AUTH_OK },
		{ "grace", "Wrong-Guess-77", AUTH_FAILED },
		{ "grace", "Battery-Staple-2", AUTH_OK },
		{ "nobody-here", "Not-My-Pass-88", AUTH_FAILED },
		{ "ada", NULL, AUTH_FAILED },
		{ "linus", "Penguin-Tux-3", AUTH_FAILED }, /* other service */
		{ "ada", "Secret-Typo-99", AUTH_FAILED },
		{ "ada", "Correct-Horse-1", AUTH_OK },
	};
	struct fixture *f = *state;
	char pu[AUTH_USER_MAX + 1];
	struct pt_conv c;
	const char *answers[1];
	size_t i;

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		answers[0] = rows[i].answer;
		pt_conv_init(&c, answers, 1);
		strcpy(pu, "junk");
		if (relay_login(f, rows[i].user, "tty1", "rf-12.example",
		    pt_conv_fn, &c, pu, sizeof pu) != rows[i].want)
			fail_msg("row %zu: unexpected result", i);
		assert_string_equal(pu, rows[i].want == AUTH_OK ?
		    rows[i].user : "");
	}
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);

	/* Nothing typed reaches a file; wrong ones are in no file at all. */
	for (i = 0; i < sizeof people / sizeof people[0] - 1; i++)
		assert_false(tu_tree_contains(f->tmp, people[i].password,
		    strlen(people[i].password)));
	for (i = 0; i < sizeof wrong_passwords / sizeof wrong_passwords[0];
	    i++) {
		assert_false(tu_tree_contains(f->tmp, wrong_passwords[i],
		    strlen(wrong_passwords[i])));
		assert_false(tu_tree_contains(f->pamtmp, wrong_passwords[i],
		    strlen(wrong_passwords[i])));
	}
}

/* The UI cancels at the password prompt; the monitor carries on. */
static void
test_ui_cancels(void **state)
{
	struct fixture *f = *state;
	const char *const none[] = { NULL };
	const char *const good[] = { "Correct-Horse-1" };
	char pu[AUTH_USER_MAX + 1];
	struct pt_conv c;

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	pt_conv_init(&c, none, 1);
	assert_int_equal(relay_login(f, "ada", NULL, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_FAILED);
	assert_int_equal(c.cancels, 1);
	assert_string_equal(pu, "");

	pt_conv_init(&c, good, 1);
	assert_int_equal(relay_login(f, "ada", NULL, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_OK);
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
}

/* Info messages reach the UI; PAM_TTY and PAM_RHOST reach PAM. */
static void
test_info_messages(void **state)
{
	struct fixture *f = *state;
	const char *const good[] = { "Correct-Horse-1" };
	char pu[AUTH_USER_MAX + 1];
	struct pt_conv c;

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	pt_conv_init(&c, good, 1);
	assert_int_equal(relay_login(f, "ada", "tty7", "rf-12.example",
	    pt_conv_fn, &c, pu, sizeof pu), AUTH_OK);
	assert_true(pt_conv_saw(&c, AUTH_MSG_INFO, "station"));
	assert_true(pt_conv_saw(&c, AUTH_MSG_INFO, "tty=tty7"));
	assert_true(pt_conv_saw(&c, AUTH_MSG_INFO, "rhost=rf-12.example"));
	assert_true(pt_conv_saw(&c, AUTH_PROMPT_ECHO_OFF, ""));
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
}

/* A UI that cancels as soon as it is shown a message. */
struct cancel_conv {
	int calls;
};

static int
cancel_on_message(void *ctx, enum auth_msg_style style, const char *msg,
    struct secret **reply)
{
	struct cancel_conv *c = ctx;

	(void)style;
	(void)msg;
	(void)reply;
	c->calls++;
	return -1;
}

static void
test_ui_cancels_on_message(void **state)
{
	struct fixture *f = *state;
	const char *const good[] = { "Correct-Horse-1" };
	struct cancel_conv cc = { 0 };
	char pu[AUTH_USER_MAX + 1];
	struct pt_conv c;

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	assert_int_equal(relay_login(f, "ada", "tty7", NULL, cancel_on_message,
	    &cc, pu, sizeof pu), AUTH_FAILED);
	/* Cancelled once; later turns are cancelled without asking again. */
	assert_int_equal(cc.calls, 1);

	pt_conv_init(&c, good, 1);
	assert_int_equal(relay_login(f, "ada", "tty7", NULL, pt_conv_fn, &c,
	    pu, sizeof pu), AUTH_OK);
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
}

/* Names the terminal should never send still fail cleanly. */
static void
test_hostile_names(void **state)
{
	/* The monitor refuses these without PAM, after a dummy prompt. */
	static const char *const refused[] = {
		"ada\nroot", "\x1b[2Jada", "%n%n%s", "\xff\xfe\xc0", "-ada",
		"ada grace", "root", "daemon", "nobody",
	};
	struct fixture *f = *state;
	const char *const good[] = { "Correct-Horse-1" };
	const char *const bad[] = { "Wrong-Guess-77" };
	char pu[AUTH_USER_MAX + 1], big[4097], tty[MONITOR_TTY_MAX + 2];
	struct pt_conv c;
	size_t i;

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	/* Too long or empty: the relay refuses before the monitor. */
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	pt_conv_init(&c, bad, 1);
	assert_int_equal(relay_login(f, big, NULL, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_FAILED);
	assert_int_equal(relay_login(f, "", NULL, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_FAILED);
	assert_int_equal(c.nshown, 0);

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		forget_pam_ran(f);
		pt_conv_init(&c, bad, 1);
		strcpy(pu, "junk");
		if (relay_login(f, refused[i], "tty7", NULL, pt_conv_fn, &c, pu,
		    sizeof pu) != AUTH_FAILED)
			fail_msg("refused name %zu: not AUTH_FAILED", i);
		assert_string_equal(pu, "");
		if (pam_ran(f))
			fail_msg("refused name %zu reached PAM", i);
		/* Asked for a password all the same, like an unknown name. */
		assert_int_equal(c.nshown, 1);
		assert_int_equal(c.style[0], AUTH_PROMPT_ECHO_OFF);
		assert_int_equal(c.next, 1);
	}

	/* A tty too long is the terminal's error; the monitor is fine. */
	memset(tty, 't', sizeof tty - 1);
	tty[sizeof tty - 1] = '\0';
	assert_int_equal(relay_login(f, "ada", tty, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_ERROR);

	forget_pam_ran(f);
	pt_conv_init(&c, good, 1);
	assert_int_equal(relay_login(f, "ada", NULL, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_OK);
	assert_true(pam_ran(f));
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
}

/* A monitor that died fails this login and every later one. */
static void
test_dead_monitor(void **state)
{
	struct fixture *f = *state;
	const char *const good[] = { "Correct-Horse-1" };
	char pu[AUTH_USER_MAX + 1];
	struct pt_conv c;
	int st;

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	assert_int_equal(kill(monitor_pid(f->mon), SIGKILL), 0);
	pt_conv_init(&c, good, 1);
	assert_int_equal(relay_login(f, "ada", NULL, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_ERROR);
	assert_int_equal(c.nshown, 0);
	assert_int_equal(relay_login(f, "ada", NULL, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_ERROR);
	st = monitor_stop_status(f->mon);
	f->mon = NULL;
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
}

/* The monitor holds its socket on fd 3, /dev/null on 0-2, nothing else. */
static void
test_monitor_descriptors(void **state)
{
	struct fixture *f = *state;
	const char *const good[] = { "Correct-Horse-1" };
	char pu[AUTH_USER_MAX + 1], path[64], link[PATH_MAX];
	char *secretfile;
	struct pt_conv c;
	struct stat sb;
	bool nul_ok;
	ssize_t n;
	int fd, i;

	PT_REQUIRE_MATRIX();
	secretfile = tu_path(f->tmp, "open-before-start");
	fd = open(secretfile, O_CREAT | O_RDWR, 0600);	/* no CLOEXEC */
	assert_true(fd >= 0);
	/*
	 * proc_harden made us non-dumpable, which hides a process's fds
	 * from anyone but root; let this one monitor be readable.
	 */
	assert_int_equal(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	start_monitor(f);
	assert_int_equal(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
	/* One login: the monitor has finished setting itself up. */
	pt_conv_init(&c, good, 1);
	assert_int_equal(relay_login(f, "ada", NULL, NULL, pt_conv_fn, &c, pu,
	    sizeof pu), AUTH_OK);
	/* /dev/null, or where it is no device, pipes (see monitor.c). */
	nul_ok = stat("/dev/null", &sb) == 0 && S_ISCHR(sb.st_mode);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/proc/%ld/fd/%d",
		    (long)monitor_pid(f->mon), i);
		n = readlink(path, link, sizeof link - 1);
		assert_true(n > 0);
		link[n] = '\0';
		if (nul_ok)
			assert_string_equal(link, "/dev/null");
		else
			assert_non_null(strstr(link, "pipe:"));
	}
	snprintf(path, sizeof path, "/proc/%ld/fd/3",
	    (long)monitor_pid(f->mon));
	n = readlink(path, link, sizeof link - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_non_null(strstr(link, "socket:"));
	for (i = 4; i < 64; i++) {
		snprintf(path, sizeof path, "/proc/%ld/fd/%d",
		    (long)monitor_pid(f->mon), i);
		if (access(path, F_OK) == 0)
			fail_msg("the monitor holds fd %d", i);
	}
	close(fd);
	free(secretfile);
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
}

/* ---- a hostile terminal on the raw socket --------------------------- */

static size_t
put_str(unsigned char *p, const char *s, size_t n)
{
	p[0] = (unsigned char)(n >> 8);
	p[1] = (unsigned char)n;
	memcpy(p + 2, s, n);
	return 2 + n;
}

/* A LOGIN_START with these fields (lengths as given), into buf. */
static size_t
login_start(unsigned char *buf, const char *user, size_t ulen,
    const char *tty, size_t tlen, const char *rhost, size_t rlen)
{
	size_t n = 0;

	buf[n++] = MON_LOGIN_START;
	n += put_str(buf + n, user, ulen);
	n += put_str(buf + n, tty, tlen);
	n += put_str(buf + n, rhost, rlen);
	return n;
}

static void
raw_send(struct fixture *f, const void *buf, size_t len)
{
	assert_int_equal(send(monitor_socket(f->mon), buf, len, MSG_NOSIGNAL),
	    (ssize_t)len);
}

/* The next message from the monitor into buf; its length (0 = EOF). */
static size_t
raw_recv(struct fixture *f, unsigned char *buf, size_t cap)
{
	ssize_t n;

	do
		n = recv(monitor_socket(f->mon), buf, cap, 0);
	while (n < 0 && errno == EINTR);
	assert_true(n >= 0);
	return (size_t)n;
}

/* The monitor refuses: MON_ERROR, then it is gone, exit status 3. */
static void
expect_refused(struct fixture *f)
{
	unsigned char in[W_IN_MAX];

	assert_int_equal(raw_recv(f, in, sizeof in), 1);
	assert_int_equal(in[0], MON_ERROR);
	assert_int_equal(raw_recv(f, in, sizeof in), 0);
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_PROTOCOL);
}

enum attack {
	ATTACK_BYTES,		/* send bytes as one message */
	ATTACK_WITH_FD,		/* a valid LOGIN_START carrying a descriptor */
};

static void
send_with_fd(struct fixture *f, const void *buf, size_t len)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	int fd = STDIN_FILENO;

	memset(&mh, 0, sizeof mh);
	memset(&ctl, 0, sizeof ctl);
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.space;
	mh.msg_controllen = sizeof ctl.space;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	assert_int_equal(sendmsg(monitor_socket(f->mon), &mh, MSG_NOSIGNAL),
	    (ssize_t)len);
}

/*
 * Requests outside the table: each makes the monitor answer MON_ERROR and
 * exit with MONITOR_EXIT_PROTOCOL, and none runs PAM.
 */
static void
test_protocol_attacks(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[8192], user[AUTH_USER_MAX + 1];
	unsigned char tty[MONITOR_TTY_MAX], rhost[MONITOR_RHOST_MAX];
	size_t n;
	enum {
		A_GARBAGE, A_UNKNOWN_TYPE, A_WRONG_DIRECTION, A_OVERSIZED,
		A_ONE_BYTE_TOO_MANY, A_TRUNCATED, A_USER_TOO_LONG,
		A_NUL_IN_USER, A_EXTRA_SERVICE_BYTES, A_EXTRA_FIELD,
		A_REPLY_WITHOUT_PROMPT, A_CANCEL_WITHOUT_PROMPT, A_WITH_FD,
		A_TYPE_ONLY, A_COUNT
	} a;

	PT_REQUIRE_MATRIX();
	memset(user, 'u', sizeof user);
	memset(tty, 't', sizeof tty);
	memset(rhost, 'r', sizeof rhost);
	for (a = 0; a < A_COUNT; a++) {
		forget_pam_ran(f);
		start_monitor(f);
		memset(buf, 0, sizeof buf);
		switch (a) {
		case A_GARBAGE:
			memcpy(buf, "\xff\x00garbage", 9);
			raw_send(f, buf, 9);
			break;
		case A_UNKNOWN_TYPE:
			buf[0] = 0x7f;
			n = 1 + put_str(buf + 1, "ada", 3);
			raw_send(f, buf, n);
			break;
		case A_WRONG_DIRECTION:	/* a monitor's message, sent to it */
			buf[0] = MON_LOGIN_RESULT;
			buf[1] = 0x4f;
			buf[2] = 0x4b;
			buf[3] = 0x2a;
			buf[4] = 0x61;
			n = 5 + put_str(buf + 5, "ada", 3);
			raw_send(f, buf, n);
			break;
		case A_OVERSIZED:
			n = login_start(buf, "ada", 3, "", 0, "", 0);
			raw_send(f, buf, sizeof buf);
			break;
		case A_ONE_BYTE_TOO_MANY:
			n = login_start(buf, (char *)user, AUTH_USER_MAX,
			    (char *)tty, sizeof tty, (char *)rhost,
			    sizeof rhost);
			assert_int_equal(n, W_LOGIN_START_MAX);
			buf[n++] = 'x';
			raw_send(f, buf, n);
			break;
		case A_TRUNCATED:	/* says 10 bytes of user, has 3 */
			buf[0] = MON_LOGIN_START;
			buf[1] = 0;
			buf[2] = 10;
			memcpy(buf + 3, "ada", 3);
			buf[6] = 0;
			buf[7] = 0;
			buf[8] = 0;
			buf[9] = 0;
			raw_send(f, buf, 10);
			break;
		case A_USER_TOO_LONG:
			n = login_start(buf, (char *)user, AUTH_USER_MAX + 1,
			    "", 0, "", 0);
			raw_send(f, buf, n);
			break;
		case A_NUL_IN_USER:
			n = login_start(buf, "ada\0x", 5, "", 0, "", 0);
			raw_send(f, buf, n);
			break;
		case A_EXTRA_SERVICE_BYTES:
			/* A terminal trying to choose the PAM stack. */
			n = login_start(buf, "ada", 3, "tty7", 4, "", 0);
			memcpy(buf + n, "fulfil\0/tmp/evil/pam.d", 22);
			raw_send(f, buf, n + 22);
			break;
		case A_EXTRA_FIELD:
			n = login_start(buf, "ada", 3, "tty7", 4, "", 0);
			n += put_str(buf + n, "/tmp/evil/pam.d", 15);
			raw_send(f, buf, n);
			break;
		case A_REPLY_WITHOUT_PROMPT:
			buf[0] = MON_CONV_REPLY;
			n = 1 + put_str(buf + 1, "Correct-Horse-1", 15);
			raw_send(f, buf, n);
			break;
		case A_CANCEL_WITHOUT_PROMPT:
			buf[0] = MON_CONV_CANCEL;
			raw_send(f, buf, 1);
			break;
		case A_WITH_FD:
			n = login_start(buf, "ada", 3, "", 0, "", 0);
			send_with_fd(f, buf, n);
			break;
		case A_TYPE_ONLY:
			buf[0] = MON_LOGIN_START;
			raw_send(f, buf, 1);
			break;
		default:
			fail();
		}
		expect_refused(f);
		if (pam_ran(f))
			fail_msg("attack %d: the monitor ran PAM", (int)a);
	}
	/* The marker works: a valid request does run PAM. */
	start_monitor(f);
	n = login_start(buf, "ada", 3, "", 0, "", 0);
	raw_send(f, buf, n);
	n = raw_recv(f, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal(buf[0], MON_CONV_PROMPT);
	assert_true(pam_ran(f));
	buf[0] = MON_CONV_CANCEL;
	raw_send(f, buf, 1);
	n = raw_recv(f, buf, sizeof buf);
	assert_int_equal(buf[0], MON_LOGIN_RESULT);
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
	assert_false(tu_tree_contains(f->tmp, "Correct-Horse-1", 15));
}

/* An empty datagram reads as the end: the monitor leaves quietly. */
static void
test_empty_message_ends(void **state)
{
	struct fixture *f = *state;
	unsigned char in[16];

	PT_REQUIRE_MATRIX();
	start_monitor(f);
	raw_send(f, "", 0);
	assert_int_equal(raw_recv(f, in, sizeof in), 0);
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);
	assert_false(pam_ran(f));
}

/* Up to the first prompt, as a well-behaved terminal. */
static void
raw_until_prompt(struct fixture *f, unsigned char *in, size_t cap)
{
	unsigned char buf[W_LOGIN_START_MAX];
	size_t n = login_start(buf, "ada", 3, "tty7", 4, "", 0);

	raw_send(f, buf, n);
	n = raw_recv(f, in, cap);
	assert_true(n >= 4);
	assert_int_equal(in[0], MON_CONV_PROMPT);
	assert_int_equal(in[1], AUTH_PROMPT_ECHO_OFF);
}

/* Out of turn during a login: the monitor refuses and leaves. */
static void
test_protocol_attacks_mid_login(void **state)
{
	struct fixture *f = *state;
	unsigned char in[W_IN_MAX], buf[W_CONV_REPLY_MAX + 16];
	char big[AUTH_REPLY_MAX + 1];
	size_t n;

	PT_REQUIRE_MATRIX();
	/* A second LOGIN_START instead of the answer. */
	start_monitor(f);
	raw_until_prompt(f, in, sizeof in);
	n = login_start(buf, "grace", 5, "", 0, "", 0);
	raw_send(f, buf, n);
	expect_refused(f);

	/* An answer longer than AUTH_REPLY_MAX. */
	start_monitor(f);
	raw_until_prompt(f, in, sizeof in);
	memset(big, 'p', sizeof big);
	buf[0] = MON_CONV_REPLY;
	n = 1 + put_str(buf + 1, big, sizeof big);
	raw_send(f, buf, n);
	expect_refused(f);

	/* A cancel with bytes after it. */
	start_monitor(f);
	raw_until_prompt(f, in, sizeof in);
	memcpy(buf, "\x03zz", 3);
	raw_send(f, buf, 3);
	expect_refused(f);

	/*
	 * Two answers to one prompt: the second is waiting when the monitor
	 * wants to speak. (The monitor is stopped while both are queued.)
	 */
	start_monitor(f);
	raw_until_prompt(f, in, sizeof in);
	assert_int_equal(kill(monitor_pid(f->mon), SIGSTOP), 0);
	buf[0] = MON_CONV_REPLY;
	n = 1 + put_str(buf + 1, "Wrong-Guess-77", 14);
	raw_send(f, buf, n);
	raw_send(f, buf, n);
	assert_int_equal(kill(monitor_pid(f->mon), SIGCONT), 0);
	expect_refused(f);

	/* An answer sent before the prompt it would answer. */
	forget_pam_ran(f);
	start_monitor(f);
	assert_int_equal(kill(monitor_pid(f->mon), SIGSTOP), 0);
	n = login_start(buf, "ada", 3, "", 0, "", 0);
	raw_send(f, buf, n);
	buf[0] = MON_CONV_REPLY;
	n = 1 + put_str(buf + 1, "Wrong-Guess-77", 14);
	raw_send(f, buf, n);
	assert_int_equal(kill(monitor_pid(f->mon), SIGCONT), 0);
	expect_refused(f);
	assert_false(tu_tree_contains(f->tmp, "Wrong-Guess-77", 14));
	assert_false(tu_tree_contains(f->pamtmp, "Wrong-Guess-77", 14));
}

/* With pam_echo: a message must be acknowledged with an empty reply. */
static void
test_message_ack_rules(void **state)
{
	struct fixture *f = *state;
	unsigned char in[W_IN_MAX], buf[64];
	size_t n;

	PT_REQUIRE_MATRIX();
	/* A well-behaved terminal: ack, answer, result. */
	start_monitor(f);
	n = login_start(buf, "ada", 3, "tty7", 4, "", 0);
	raw_send(f, buf, n);
	n = raw_recv(f, in, sizeof in);
	assert_int_equal(in[0], MON_CONV_MESSAGE);
	assert_int_equal(in[1], AUTH_MSG_INFO);
	buf[0] = MON_CONV_REPLY;
	n = 1 + put_str(buf + 1, "", 0);
	raw_send(f, buf, n);
	n = raw_recv(f, in, sizeof in);
	assert_int_equal(in[0], MON_CONV_PROMPT);
	n = 1 + put_str(buf + 1, "Correct-Horse-1", 15);
	raw_send(f, buf, n);
	n = raw_recv(f, in, sizeof in);
	assert_int_equal(n, 1 + 4 + 2 + 3);
	assert_int_equal(in[0], MON_LOGIN_RESULT);
	assert_memory_equal(in + 1, "\x4f\x4b\x2a\x61", 4);
	assert_memory_equal(in + 5, "\x00\x03" "ada", 5);
	assert_int_equal(stop_monitor(f), MONITOR_EXIT_OK);

	/* An answer to a message is refused. */
	start_monitor(f);
	n = login_start(buf, "ada", 3, "tty7", 4, "", 0);
	raw_send(f, buf, n);
	n = raw_recv(f, in, sizeof in);
	assert_int_equal(in[0], MON_CONV_MESSAGE);
	buf[0] = MON_CONV_REPLY;
	n = 1 + put_str(buf + 1, "Correct-Horse-1", 15);
	raw_send(f, buf, n);
	expect_refused(f);
}

/* ---- the privileged monitor with a dropped terminal ----------------- */

#define CHILD_CHECK(cond, code)                                              \
	do {                                                                  \
		if (!(cond))                                                  \
			_exit(code);                                          \
	} while (0)

/* Run fn in a child; its exit code. */
static int
in_child(void (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static bool
is_root(void)
{
	return geteuid() == 0;
}

static uid_t
nobody_uid(gid_t *gid)
{
	struct passwd *pw = getpwnam("nobody");

	if (pw == NULL)
		return (uid_t)-1;
	*gid = pw->pw_gid;
	return pw->pw_uid;
}

/* The uid a process runs as, from /proc/PID/status ("Uid: r e s f"). */
static long
proc_uid_of(pid_t pid)
{
	char path[64], line[256];
	long r = -1, e = -1;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -2;
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "Uid: %ld %ld", &r, &e) == 2)
			break;
	fclose(fp);
	return r == e ? e : -3;
}

/* Where root is needed and the tests are not root (CI runs as root). */
static void
note_not_root(const char *what)
{
	fprintf(stderr, "# not root: %s is checked only when run as root\n",
	    what);
}

/*
 * The station's start-up: monitor, drop, then logins. As root the
 * terminal becomes nobody and the monitor stays root; otherwise the drop
 * is a no-op and both halves run as the test's user.
 */
static void
child_monitor_then_drop(void *arg)
{
	struct fixture *f = arg;
	const char *const good[] = { "Correct-Horse-1" };
	const char *const bad[] = { "Wrong-Guess-77" };
	struct proc_drop_result res;
	struct ferr err = { 0 };
	char pu[AUTH_USER_MAX + 1];
	struct pt_conv c;
	bool root = is_root();
	uid_t me = geteuid();
	gid_t gid;
	uid_t uid = nobody_uid(&gid);
	int st;

	/* 1. the monitor, 2. the drop, 3. only then anything else. */
	CHILD_CHECK(monitor_start(f->cfg, &f->mon, &err) == 0, 10);
	CHILD_CHECK(proc_drop_privileges("nobody", &res, &err) == 0, 11);
	if (root) {
		CHILD_CHECK(res.dropped && res.uid == uid, 12);
		CHILD_CHECK(getuid() == uid && geteuid() == uid, 13);
		CHILD_CHECK(proc_uid_of(getpid()) == (long)uid, 14);
		CHILD_CHECK(proc_uid_of(monitor_pid(f->mon)) == 0, 15);
		/* The terminal cannot read the PAM service dir. */
		CHILD_CHECK(access(f->pamdir, R_OK) != 0, 16);
	} else {
		CHILD_CHECK(!res.dropped && res.uid == me, 12);
		CHILD_CHECK(proc_uid_of(monitor_pid(f->mon)) == (long)me, 15);
	}
	pt_conv_init(&c, good, 1);
	CHILD_CHECK(relay_login(f, "ada", "tty7", NULL, pt_conv_fn, &c, pu,
	    sizeof pu) == AUTH_OK, 17);
	CHILD_CHECK(strcmp(pu, "ada") == 0, 18);
	pt_conv_init(&c, bad, 1);
	CHILD_CHECK(relay_login(f, "grace", "tty7", NULL, pt_conv_fn, &c, pu,
	    sizeof pu) == AUTH_FAILED, 19);
	/* A dropped terminal cannot signal its root monitor. */
	if (root)
		CHILD_CHECK(kill(monitor_pid(f->mon), SIGKILL) != 0 &&
		    errno == EPERM, 20);
	st = monitor_stop_status(f->mon);
	f->mon = NULL;
	CHILD_CHECK(st != -1 && WIFEXITED(st) &&
	    WEXITSTATUS(st) == MONITOR_EXIT_OK, 21);
}

static void
test_monitor_then_drop(void **state)
{
	struct fixture *f = *state;

	PT_REQUIRE_MATRIX();
	if (!is_root())
		note_not_root("a root monitor with a dropped terminal");
	assert_int_equal(in_child(child_monitor_then_drop, f), 0);
}

/* ---- proc_drop_privileges ------------------------------------------- */

/* Not root: nothing to drop, nothing to refuse, and it says so. */
static void
child_drop_is_noop(void *arg)
{
	struct proc_drop_result res;
	struct ferr err = { 0 };
	uid_t uid = geteuid();

	(void)arg;
	CHILD_CHECK(uid != 0, 30);
	memset(&res, 0xff, sizeof res);
	CHILD_CHECK(proc_drop_privileges("nobody", &res, &err) == 0, 31);
	CHILD_CHECK(!res.dropped && res.uid == uid && res.gid == getegid(),
	    32);
	CHILD_CHECK(geteuid() == uid, 33);
	memset(&res, 0xff, sizeof res);
	CHILD_CHECK(proc_drop_privileges(NULL, &res, &err) == 0, 34);
	CHILD_CHECK(!res.dropped, 35);
	CHILD_CHECK(proc_drop_privileges("", NULL, &err) == 0, 36);
}

static void
child_drop_to_nobody(void *arg)
{
	struct proc_drop_result res;
	struct ferr err = { 0 };
	uid_t r, e, s;
	gid_t rg, eg, sg, gid;
	uid_t uid = nobody_uid(&gid);

	(void)arg;
	CHILD_CHECK(uid != (uid_t)-1 && uid != 0, 10);
	CHILD_CHECK(proc_drop_privileges("nobody", &res, &err) == 0, 11);
	CHILD_CHECK(res.dropped, 12);
	CHILD_CHECK(res.uid == uid && res.gid == gid, 13);
	CHILD_CHECK(getuid() == uid && geteuid() == uid, 14);
	CHILD_CHECK(getgid() == gid && getegid() == gid, 15);
	CHILD_CHECK(getresuid(&r, &e, &s) == 0 && r == uid && e == uid &&
	    s == uid, 16);
	CHILD_CHECK(getresgid(&rg, &eg, &sg) == 0 && rg == gid && eg == gid &&
	    sg == gid, 17);
	CHILD_CHECK(setuid(0) != 0 && errno == EPERM, 18);
	CHILD_CHECK(seteuid(0) != 0, 19);
	CHILD_CHECK(setgid(0) != 0, 20);
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, 21);
	/* Now unprivileged: a second call is a no-op and says so. */
	child_drop_is_noop(NULL);
}

static void
test_drop_to_service_account(void **state)
{
	(void)state;
	tu_init();
	if (is_root()) {
		assert_int_equal(in_child(child_drop_to_nobody, NULL), 0);
	} else {
		note_not_root("the drop to nobody");
		assert_int_equal(in_child(child_drop_is_noop, NULL), 0);
	}
}

struct refusal {
	const char *user;
	int code;
	const char *needle;
};

static void
child_drop_refused(void *arg)
{
	const struct refusal *rf = arg;
	struct proc_drop_result res;
	struct ferr err = { 0 };

	CHILD_CHECK(proc_drop_privileges(rf->user, &res, &err) == rf->code,
	    10);
	CHILD_CHECK(err.code == rf->code, 11);
	CHILD_CHECK(strstr(err.msg, rf->needle) != NULL, 12);
	CHILD_CHECK(!res.dropped, 13);
	CHILD_CHECK(getuid() == 0 && geteuid() == 0, 14);
}

/* As root: no service_user, root itself, an unknown account: refused. */
static void
test_drop_refusals(void **state)
{
	static const struct refusal rows[] = {
		{ NULL, FULFIL_EPERM, "service_user" },
		{ "", FULFIL_EPERM, "service_user" },
		{ "root", FULFIL_EPERM, "root" },
		{ "fulfil-no-such-account", FULFIL_ECONFIG,
		    "fulfil-no-such-account" },
	};
	size_t i;

	(void)state;
	tu_init();
	if (!is_root()) {
		note_not_root("refusing to stay root");
		assert_int_equal(in_child(child_drop_is_noop, NULL), 0);
		return;
	}
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (in_child(child_drop_refused, (void *)&rows[i]) != 0)
			fail_msg("row %zu: not refused as expected", i);
}

/* Become nobody by hand, then proc_drop_privileges has nothing to do. */
static void
child_become_nobody_then_noop(void *arg)
{
	gid_t gid;
	uid_t uid = nobody_uid(&gid);

	(void)arg;
	if (geteuid() == 0) {
		CHILD_CHECK(uid != (uid_t)-1, 40);
		CHILD_CHECK(setgroups(0, NULL) == 0, 41);
		CHILD_CHECK(setresgid(gid, gid, gid) == 0, 42);
		CHILD_CHECK(setresuid(uid, uid, uid) == 0, 43);
	}
	child_drop_is_noop(NULL);
}

static void
test_drop_not_root_is_noop(void **state)
{
	(void)state;
	tu_init();
	assert_int_equal(in_child(child_become_nobody_then_noop, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_password, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_bad_password_and_unknown_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kiosk_logins_in_a_row,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_cancels, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_info_messages,
		    setup_echo, teardown),
		cmocka_unit_test_setup_teardown(test_ui_cancels_on_message,
		    setup_echo, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dead_monitor, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_monitor_descriptors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_attacks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty_message_ends,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_protocol_attacks_mid_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_ack_rules,
		    setup_echo, teardown),
		cmocka_unit_test_setup_teardown(test_monitor_then_drop, setup,
		    teardown),
		cmocka_unit_test(test_drop_to_service_account),
		cmocka_unit_test(test_drop_refusals),
		cmocka_unit_test(test_drop_not_root_is_noop),
	};

	return cmocka_run_group_tests_name("monitor", tests, NULL, NULL);
}
