/*
 * monitor: the privileged PAM monitor and the terminal's relay to it
 * (privilege separation as OpenSSH does it; see monitor.h and
 * doc/privsep.md).
 *
 * Owns the monitor process, the socketpair between it and the terminal,
 * and the wire protocol: one message per SOCK_SEQPACKET datagram, its
 * type the first byte, each type with a direction and a size range in
 * one table. The monitor answers exactly one request, LOGIN_START, and
 * during a login only the reply or cancel to the prompt it just sent.
 * Anything else makes it send MON_ERROR and exit.
 *
 * The monitor must never take the PAM service or confdir from the
 * terminal, never run PAM for a malformed request, never touch the cache,
 * the screen or order data, and never keep a password outside locked
 * memory: a reply lives only in struct secret buffers, wiped after use,
 * on both sides.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "auth.h"
#include "fconfig.h"
#include "ferr.h"
#include "i18n.h"
#include "monitor.h"
#include "policy.h"
#include "secret.h"

struct monitor {
	int fd;			/* the terminal's end of the socketpair */
	pid_t pid;		/* the monitor */
	bool broken;		/* dead or misbehaving: every login fails */
};

/*
 * Wire format. Strings are a 16-bit big-endian length and that many
 * bytes (no NUL inside, none at the end); integers are big-endian.
 *   LOGIN_START   type user tty rhost     (tty, rhost: empty = not set)
 *   CONV_REPLY    type reply              (to a message: empty = seen)
 *   CONV_CANCEL   type
 *   CONV_PROMPT   type style(u8) text
 *   CONV_MESSAGE  type style(u8) text
 *   LOGIN_RESULT  type result(u32) pam_user
 *   ERROR         type
 */
#define MON_STR_HDR 2
#define MON_LOGIN_START_MIN (1 + MON_STR_HDR + 1 + MON_STR_HDR + MON_STR_HDR)
#define MON_LOGIN_START_MAX (1 + 3 * MON_STR_HDR + AUTH_USER_MAX + \
	MONITOR_TTY_MAX + MONITOR_RHOST_MAX)
#define MON_CONV_REPLY_MAX (1 + MON_STR_HDR + AUTH_REPLY_MAX)
#define MON_CONV_TEXT_MIN (1 + 1 + MON_STR_HDR)
#define MON_CONV_TEXT_MAX (MON_CONV_TEXT_MIN + AUTH_MSG_MAX)
#define MON_LOGIN_RESULT_MIN (1 + 4 + MON_STR_HDR)
#define MON_LOGIN_RESULT_MAX (MON_LOGIN_RESULT_MIN + AUTH_USER_MAX)

/* Receive buffers: the largest message of each direction. */
#define MON_TO_MONITOR_MAX MON_CONV_REPLY_MAX
#define MON_TO_TERMINAL_MAX MON_CONV_TEXT_MAX
_Static_assert(MON_LOGIN_START_MAX <= MON_TO_MONITOR_MAX,
    "receive buffer too small for LOGIN_START");
_Static_assert(MON_LOGIN_RESULT_MAX <= MON_TO_TERMINAL_MAX,
    "receive buffer too small for LOGIN_RESULT");

enum mon_dir {
	MON_TO_MONITOR,
	MON_TO_TERMINAL,
};

/* The fixed table of allowed messages. */
static const struct mon_msg_info {
	enum monitor_msg_type type;
	enum mon_dir dir;
	size_t min, max;	/* whole message, type byte included */
} mon_msgs[] = {
	{ MON_LOGIN_START, MON_TO_MONITOR, MON_LOGIN_START_MIN,
	    MON_LOGIN_START_MAX },
	{ MON_CONV_REPLY, MON_TO_MONITOR, 1 + MON_STR_HDR,
	    MON_CONV_REPLY_MAX },
	{ MON_CONV_CANCEL, MON_TO_MONITOR, 1, 1 },
	{ MON_CONV_PROMPT, MON_TO_TERMINAL, MON_CONV_TEXT_MIN,
	    MON_CONV_TEXT_MAX },
	{ MON_CONV_MESSAGE, MON_TO_TERMINAL, MON_CONV_TEXT_MIN,
	    MON_CONV_TEXT_MAX },
	{ MON_LOGIN_RESULT, MON_TO_TERMINAL, MON_LOGIN_RESULT_MIN,
	    MON_LOGIN_RESULT_MAX },
	{ MON_ERROR, MON_TO_TERMINAL, 1, 1 },
};

/* What a receive gave. */
enum mon_rx {
	MON_RX_OK,
	MON_RX_EOF,		/* the peer closed its end */
	MON_RX_BAD,		/* not in the table, or the wrong size */
	MON_RX_SYS,		/* the socket failed */
};

/* The results a LOGIN_RESULT may carry. */
static const enum auth_result mon_results[] = {
	AUTH_OK, AUTH_FAILED, AUTH_LOCKED, AUTH_EXPIRED, AUTH_NO_ROLE,
	AUTH_ERROR,
};

/* ---- encoding ------------------------------------------------------- */

struct mon_rd {
	const unsigned char *p;
	size_t left;
	bool bad;
};

struct mon_wr {
	unsigned char *p;
	size_t cap, len;
	bool bad;
};

static uint8_t
mon_rd_u8(struct mon_rd *r)
{
	if (r->bad || r->left < 1) {
		r->bad = true;
		return 0;
	}
	r->left--;
	return *r->p++;
}

static uint32_t
mon_rd_u32(struct mon_rd *r)
{
	uint32_t v;

	if (r->bad || r->left < 4) {
		r->bad = true;
		return 0;
	}
	v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];
	r->p += 4;
	r->left -= 4;
	return v;
}

/* A string of at most max bytes without NUL; points into the message. */
static const unsigned char *
mon_rd_bytes(struct mon_rd *r, size_t max, size_t *n)
{
	const unsigned char *s;
	size_t len;

	*n = 0;
	if (r->bad || r->left < MON_STR_HDR) {
		r->bad = true;
		return NULL;
	}
	len = (size_t)r->p[0] << 8 | r->p[1];
	if (len > max || len > r->left - MON_STR_HDR) {
		r->bad = true;
		return NULL;
	}
	s = r->p + MON_STR_HDR;
	if (len > 0 && memchr(s, '\0', len) != NULL) {
		r->bad = true;
		return NULL;
	}
	r->p += MON_STR_HDR + len;
	r->left -= MON_STR_HDR + len;
	*n = len;
	return s;
}

/* The same, copied into out (max + 1 bytes) and NUL-terminated. */
static void
mon_rd_str(struct mon_rd *r, size_t max, char *out)
{
	const unsigned char *s;
	size_t n;

	out[0] = '\0';
	if ((s = mon_rd_bytes(r, max, &n)) == NULL)
		return;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Everything read, nothing left over. */
static bool
mon_rd_done(const struct mon_rd *r)
{
	return !r->bad && r->left == 0;
}

static void
mon_wr_u8(struct mon_wr *w, uint8_t v)
{
	if (w->bad || w->cap - w->len < 1) {
		w->bad = true;
		return;
	}
	w->p[w->len++] = v;
}

static void
mon_wr_u32(struct mon_wr *w, uint32_t v)
{
	if (w->bad || w->cap - w->len < 4) {
		w->bad = true;
		return;
	}
	w->p[w->len++] = (unsigned char)(v >> 24);
	w->p[w->len++] = (unsigned char)(v >> 16);
	w->p[w->len++] = (unsigned char)(v >> 8);
	w->p[w->len++] = (unsigned char)v;
}

static void
mon_wr_bytes(struct mon_wr *w, const void *s, size_t n)
{
	if (w->bad || n > 0xffff || w->cap - w->len < MON_STR_HDR + n) {
		w->bad = true;
		return;
	}
	w->p[w->len++] = (unsigned char)(n >> 8);
	w->p[w->len++] = (unsigned char)n;
	if (n > 0)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

/* Bytes of s to send when at most max fit: cut at a UTF-8 boundary. */
static size_t
mon_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* ---- the socket ----------------------------------------------------- */

static const struct mon_msg_info *
mon_msg_info(unsigned char type, enum mon_dir dir)
{
	size_t i;

	for (i = 0; i < sizeof mon_msgs / sizeof mon_msgs[0]; i++)
		if ((unsigned char)mon_msgs[i].type == type &&
		    mon_msgs[i].dir == dir)
			return &mon_msgs[i];
	return NULL;
}

/*
 * One message travelling in direction dir, into buf (cap bytes, at least
 * the largest such message). A datagram longer than cap, one carrying
 * descriptors, an unknown type or a size outside the type's range is
 * MON_RX_BAD. A zero-length datagram reads as the end, like EOF.
 */
static enum mon_rx
mon_recv(int fd, enum mon_dir dir, unsigned char *buf, size_t cap,
    size_t *len)
{
	const struct mon_msg_info *mi;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;

	*len = 0;
	for (;;) {
		memset(&mh, 0, sizeof mh);
		iov.iov_base = buf;
		iov.iov_len = cap;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) >= 0)
			break;
		if (errno != EINTR)
			return MON_RX_SYS;
	}
	if (n == 0)
		return MON_RX_EOF;
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
		return MON_RX_BAD;
	if ((mi = mon_msg_info(buf[0], dir)) == NULL)
		return MON_RX_BAD;
	if ((size_t)n < mi->min || (size_t)n > mi->max)
		return MON_RX_BAD;
	*len = (size_t)n;
	return MON_RX_OK;
}

/* Send one whole message; 0 or -1 (the peer is gone or the socket broke). */
static int
mon_send(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) >= 0)
			return (size_t)n == len ? 0 : -1;
		if (errno != EINTR)
			return -1;
	}
}

/*
 * Is something waiting from the peer? 1: a message, 0: nothing, -1: the
 * peer is gone. Used where the protocol says the peer must be silent.
 */
static int
mon_pending(int fd)
{
	unsigned char b;
	ssize_t n;

	for (;;) {
		if ((n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT)) > 0)
			return 1;
		if (n == 0)
			return -1;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* ---- the monitor (privileged side) ---------------------------------- */

struct mon_server {
	int fd;
	const char *service;	/* the monitor's own copy of the config */
	const char *confdir;
	struct secret *rx;	/* locked: a reply is received here */
	bool violated;		/* the terminal broke the protocol */
	bool gone;		/* the terminal went away */
};

/* Wipe the receive buffer after every message. */
static void
mon_server_wipe(struct mon_server *s)
{
	secret_wipe(s->rx->data, s->rx->cap);
}

/* The terminal must be silent now; note what it did instead. */
static bool
mon_server_may_speak(struct mon_server *s)
{
	switch (mon_pending(s->fd)) {
	case 0:
		return true;
	case 1:
		s->violated = true;
		return false;
	default:
		s->gone = true;
		return false;
	}
}

/*
 * The conversation PAM (through auth_pam_login) holds in the monitor:
 * each prompt or message goes to the terminal, and exactly one answer
 * comes back (CONV_REPLY, empty for a message, or CONV_CANCEL).
 */
static int
mon_relay_conv(void *ctx, enum auth_msg_style style, const char *msg,
    struct secret **reply)
{
	struct mon_server *s = ctx;
	unsigned char out[MON_CONV_TEXT_MAX];
	struct mon_wr w = { out, sizeof out, 0, false };
	struct mon_rd r;
	const unsigned char *ans;
	struct secret *sec;
	size_t len, n;
	bool prompt;
	int rc = -1;

	if (reply != NULL)
		*reply = NULL;
	if (s->violated || s->gone)
		return -1;
	switch (style) {
	case AUTH_PROMPT_ECHO_OFF:
	case AUTH_PROMPT_ECHO_ON:
		prompt = true;
		break;
	case AUTH_MSG_ERROR:
	case AUTH_MSG_INFO:
		prompt = false;
		break;
	default:
		return -1;
	}
	if (prompt && reply == NULL)
		return -1;
	if (msg == NULL)
		msg = "";
	mon_wr_u8(&w, prompt ? MON_CONV_PROMPT : MON_CONV_MESSAGE);
	mon_wr_u8(&w, (uint8_t)style);
	mon_wr_bytes(&w, msg, mon_cut(msg, AUTH_MSG_MAX));
	if (w.bad || !mon_server_may_speak(s))
		return -1;
	if (mon_send(s->fd, out, w.len) != 0) {
		s->gone = true;
		return -1;
	}
	switch (mon_recv(s->fd, MON_TO_MONITOR, s->rx->data, s->rx->cap,
	    &len)) {
	case MON_RX_OK:
		break;
	case MON_RX_BAD:
		s->violated = true;
		goto out;
	default:
		s->gone = true;
		goto out;
	}
	r.p = s->rx->data + 1;
	r.left = len - 1;
	r.bad = false;
	switch (s->rx->data[0]) {
	case MON_CONV_CANCEL:
		if (!mon_rd_done(&r))
			s->violated = true;
		goto out;
	case MON_CONV_REPLY:
		ans = mon_rd_bytes(&r, AUTH_REPLY_MAX, &n);
		if (!mon_rd_done(&r) || (!prompt && n > 0)) {
			s->violated = true;
			goto out;
		}
		break;
	default:		/* LOGIN_START during a login */
		s->violated = true;
		goto out;
	}
	if (prompt) {
		if ((sec = secret_new(n + 1)) == NULL)
			goto out;
		if (n > 0)
			memcpy(sec->data, ans, n);
		sec->len = n;
		*reply = sec;
	}
	rc = 0;
out:
	mon_server_wipe(s);
	return rc;
}

/*
 * A name the monitor will hand to PAM: fulfil's login-name rule and not a
 * system account (policy.h), which can never hold a role. A terminal that
 * has been taken over must not get a password oracle for root. A failed
 * account lookup refuses too.
 */
static bool
mon_user_allowed(const char *user)
{
	return policy_login_name_check(user, NULL) == 0 &&
	    policy_system_account_check(user, NULL) == 0;
}

/* A refused name still gets a password prompt, like an unknown one. */
static void
mon_ask_and_drop(struct mon_server *s)
{
	struct secret *reply = NULL;

	(void)mon_relay_conv(s, AUTH_PROMPT_ECHO_OFF, _("Password: "), &reply);
	secret_free(reply);
}

/* Answer one LOGIN_START (already received in s->rx, len bytes). */
static void
mon_serve_login(struct mon_server *s, size_t len)
{
	char user[AUTH_USER_MAX + 1], tty[MONITOR_TTY_MAX + 1];
	char rhost[MONITOR_RHOST_MAX + 1], pam_user[AUTH_USER_MAX + 1];
	unsigned char out[MON_LOGIN_RESULT_MAX];
	struct mon_wr w = { out, sizeof out, 0, false };
	struct auth_pam_params p;
	enum auth_result res;
	struct mon_rd r;

	r.p = s->rx->data + 1;
	r.left = len - 1;
	r.bad = false;
	mon_rd_str(&r, AUTH_USER_MAX, user);
	mon_rd_str(&r, MONITOR_TTY_MAX, tty);
	mon_rd_str(&r, MONITOR_RHOST_MAX, rhost);
	mon_server_wipe(s);
	if (!mon_rd_done(&r)) {
		s->violated = true;
		return;
	}
	memset(pam_user, 0, sizeof pam_user);
	if (mon_user_allowed(user)) {
		memset(&p, 0, sizeof p);
		p.service = s->service;
		p.confdir = s->confdir;
		p.user = user;
		p.tty = tty[0] != '\0' ? tty : NULL;
		p.rhost = rhost[0] != '\0' ? rhost : NULL;
		res = auth_pam_login(&p, mon_relay_conv, s, pam_user,
		    sizeof pam_user);
	} else {
		mon_ask_and_drop(s);	/* like an unknown user; no PAM */
		res = AUTH_FAILED;
	}
	if (s->violated || s->gone)
		return;
	if (res != AUTH_OK)
		pam_user[0] = '\0';
	mon_wr_u8(&w, MON_LOGIN_RESULT);
	mon_wr_u32(&w, (uint32_t)res);
	mon_wr_bytes(&w, pam_user, strnlen(pam_user, AUTH_USER_MAX));
	if (w.bad || !mon_server_may_speak(s))
		return;
	if (mon_send(s->fd, out, w.len) != 0)
		s->gone = true;
}

/* Messages read and dropped after a violation, at most. */
#define MON_DRAIN_MAX 64

/* Serve logins until the terminal goes away; the exit status. */
static int
mon_serve(struct mon_server *s)
{
	unsigned char err = MON_ERROR;
	size_t len;

	for (;;) {
		switch (mon_recv(s->fd, MON_TO_MONITOR, s->rx->data,
		    s->rx->cap, &len)) {
		case MON_RX_OK:
			break;
		case MON_RX_EOF:
			return MONITOR_EXIT_OK;
		case MON_RX_BAD:
			s->violated = true;
			goto violated;
		default:
			return MONITOR_EXIT_ERROR;
		}
		if (s->rx->data[0] != MON_LOGIN_START) {
			s->violated = true;
			goto violated;
		}
		mon_serve_login(s, len);
		if (s->violated)
			goto violated;
		if (s->gone)
			return MONITOR_EXIT_OK;
	}
violated:
	/*
	 * Read what the terminal queued (a little of it) so that leaving
	 * does not reset the connection before it reads our MON_ERROR.
	 */
	for (len = 0; len < MON_DRAIN_MAX; len++)
		if (recv(s->fd, s->rx->data, s->rx->cap, MSG_DONTWAIT) <= 0)
			break;
	mon_server_wipe(s);
	(void)mon_send(s->fd, &err, 1);
	return MONITOR_EXIT_PROTOCOL;
}

/* Close every descriptor above 'from'. */
static void
mon_close_from(int from)
{
	struct rlimit rl;
	long max;
	int fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)from, ~0u, 0u) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur > max)
		max = (long)rl.rlim_cur;
	if (max < 0 || max > INT32_MAX)
		max = 65536;
	for (fd = from; fd < max; fd++)
		(void)close(fd);
}

/*
 * Point stdin, stdout and stderr at /dev/null. When /dev/null is not the
 * character device it should be (a broken container can leave a regular
 * file there, and what a module prints must never land on disk), use the
 * two ends of a pipe whose other ends are closed instead: reads see EOF,
 * writes fail. 0 or -1.
 */
static int
mon_child_stdio(void)
{
	struct stat sb;
	int nul, p[2], i;

	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		if (fstat(nul, &sb) == 0 && S_ISCHR(sb.st_mode)) {
			for (i = 0; i <= 2; i++)
				if (nul != i && dup2(nul, i) < 0)
					return -1;
			if (nul > 2)
				(void)close(nul);
			return 0;
		}
		(void)close(nul);
	}
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	for (i = 0; i < 2; i++)	/* keep both ends clear of 0-2 first */
		if (p[i] <= 2 && (p[i] = fcntl(p[i], F_DUPFD_CLOEXEC, 3)) < 0)
			return -1;
	if (dup2(p[0], 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
		return -1;
	if (p[0] > 2)
		(void)close(p[0]);
	if (p[1] > 2)
		(void)close(p[1]);
	return 0;
}

/*
 * The monitor's descriptors: its socket end as fd 3 (close-on-exec),
 * stdin/stdout/stderr on /dev/null, nothing else. The socket fd or -1.
 */
static int
mon_child_fds(int fd)
{
	if (fd <= 2 && (fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -1;
	if (mon_child_stdio() != 0)
		return -1;
	if (fd != 3) {
		if (dup3(fd, 3, O_CLOEXEC) < 0)
			return -1;
		(void)close(fd);
		fd = 3;
	}
	mon_close_from(4);
	return fd;
}

/* Signals: none from the terminal's tty; die with the terminal. */
static int
mon_child_signals(pid_t parent)
{
	static const int ignored[] = {
		SIGPIPE, SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU,
	};
	struct sigaction sa;
	sigset_t none;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		if (sigaction(ignored[i], &sa, NULL) != 0)
			return -1;
	sa.sa_handler = SIG_DFL;
	if (sigaction(SIGTERM, &sa, NULL) != 0)
		return -1;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		return -1;
#ifdef HAVE_SYS_PRCTL_H
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0)
		return -1;
#endif
	/* The terminal may have died before the line above. */
	if (getppid() != parent)
		return -1;
	return 0;
}

/* The monitor process: never returns. */
static void __attribute__((noreturn))
mon_child(int fd, pid_t parent, const struct fulfil_config *cfg)
{
	struct mon_server s;
	int code;

	memset(&s, 0, sizeof s);
	if ((s.fd = mon_child_fds(fd)) < 0 || mon_child_signals(parent) != 0)
		_exit(MONITOR_EXIT_ERROR);
	s.service = cfg->auth.pam_service;
	s.confdir = cfg->auth.pam_confdir;
	if ((s.rx = secret_new(MON_TO_MONITOR_MAX)) == NULL)
		_exit(MONITOR_EXIT_ERROR);
	code = mon_serve(&s);
	secret_free(s.rx);
	(void)close(s.fd);
	_exit(code);
}

int
monitor_start(const struct fulfil_config *cfg, struct monitor **out,
    struct ferr *err)
{
	struct monitor *m;
	int sv[2];
	pid_t parent, pid;

	*out = NULL;
	if (cfg == NULL || cfg->auth.pam_service == NULL ||
	    cfg->auth.pam_service[0] == '\0')
		return ferr_set(err, FULFIL_ECONFIG,
		    _("the PAM monitor needs [auth] pam_service"));
	if ((m = calloc(1, sizeof *m)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		free(m);
		return ferr_set(err, FULFIL_EIO,
		    _("cannot create the PAM monitor's socket: %s"),
		    strerror(errno));
	}
	parent = getpid();
	if ((pid = fork()) < 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		free(m);
		return ferr_set(err, FULFIL_EIO,
		    _("cannot start the PAM monitor: %s"), strerror(errno));
	}
	if (pid == 0) {
		(void)close(sv[0]);
		mon_child(sv[1], parent, cfg);
	}
	(void)close(sv[1]);
	m->fd = sv[0];
	m->pid = pid;
	*out = m;
	return 0;
}

/* ---- the terminal's side -------------------------------------------- */

/* The monitor failed us: no login through it ever again. */
static enum auth_result
mon_broken(struct monitor *m)
{
	m->broken = true;
	return AUTH_ERROR;
}

/* Send CONV_REPLY carrying reply (len bytes) from locked memory. */
static int
mon_send_reply(struct monitor *m, const unsigned char *reply, size_t len)
{
	struct secret *buf;
	struct mon_wr w;
	int rc;

	if ((buf = secret_new(MON_CONV_REPLY_MAX)) == NULL)
		return -1;
	w.p = buf->data;
	w.cap = buf->cap;
	w.len = 0;
	w.bad = false;
	mon_wr_u8(&w, MON_CONV_REPLY);
	mon_wr_bytes(&w, reply, len);
	rc = w.bad ? -1 : mon_send(m->fd, buf->data, w.len);
	secret_free(buf);
	return rc;
}

static int
mon_send_cancel(struct monitor *m)
{
	unsigned char b = MON_CONV_CANCEL;

	return mon_send(m->fd, &b, 1);
}

/*
 * Show one prompt or message from the monitor to the UI and answer it.
 * *cancelled sticks: once the UI cancels, every later turn is cancelled
 * without asking it. 0, or -1 when the socket failed.
 */
static int
mon_relay_turn(struct monitor *m, bool prompt, enum auth_msg_style style,
    const char *text, auth_conv_fn conv, void *ctx, bool *cancelled)
{
	struct secret *reply = NULL;
	int rc;

	if (!*cancelled && conv(ctx, style, text, &reply) != 0)
		*cancelled = true;
	if (!*cancelled && prompt &&
	    (reply == NULL || reply->len > AUTH_REPLY_MAX ||
	    (reply->len > 0 && memchr(reply->data, '\0', reply->len) != NULL)))
		*cancelled = true;	/* no answer, or one PAM cannot take */
	if (*cancelled)
		rc = mon_send_cancel(m);
	else if (prompt)
		rc = mon_send_reply(m, reply->data, reply->len);
	else
		rc = mon_send_reply(m, NULL, 0);
	secret_free(reply);
	return rc;
}

/* A prompt carries a prompt style, a message a message style. */
static bool
mon_style_fits(bool prompt, uint8_t style)
{
	if (prompt)
		return style == AUTH_PROMPT_ECHO_OFF ||
		    style == AUTH_PROMPT_ECHO_ON;
	return style == AUTH_MSG_ERROR || style == AUTH_MSG_INFO;
}

static bool
mon_result_known(uint32_t v)
{
	size_t i;

	for (i = 0; i < sizeof mon_results / sizeof mon_results[0]; i++)
		if ((uint32_t)mon_results[i] == v)
			return true;
	return false;
}

/* Send LOGIN_START; false when the socket failed. */
static bool
mon_send_login_start(struct monitor *m, const struct auth_pam_params *p)
{
	unsigned char out[MON_LOGIN_START_MAX];
	struct mon_wr w = { out, sizeof out, 0, false };
	const char *tty = p->tty != NULL ? p->tty : "";
	const char *rhost = p->rhost != NULL ? p->rhost : "";
	bool ok;

	mon_wr_u8(&w, MON_LOGIN_START);
	mon_wr_bytes(&w, p->user, strlen(p->user));
	mon_wr_bytes(&w, tty, strlen(tty));
	mon_wr_bytes(&w, rhost, strlen(rhost));
	ok = !w.bad && mon_send(m->fd, out, w.len) == 0;
	secret_wipe(out, sizeof out);
	return ok;
}

enum auth_result
monitor_backend(void *bctx, const struct auth_pam_params *p,
    auth_conv_fn conv, void *ctx, char *pam_user, size_t pam_user_len)
{
	struct monitor *m = bctx;
	unsigned char in[MON_TO_TERMINAL_MAX];
	char text[AUTH_MSG_MAX + 1], who[AUTH_USER_MAX + 1];
	enum auth_result res = AUTH_ERROR;
	struct mon_rd r;
	uint32_t v;
	uint8_t style;
	size_t len, ulen;
	bool cancelled = false, prompt;

	if (pam_user != NULL && pam_user_len > 0)
		pam_user[0] = '\0';
	if (m == NULL || p == NULL || p->user == NULL || conv == NULL ||
	    pam_user == NULL || pam_user_len == 0)
		return AUTH_ERROR;
	if (m->broken)
		return AUTH_ERROR;
	ulen = strlen(p->user);
	if (ulen == 0 || ulen > AUTH_USER_MAX)
		return AUTH_FAILED;	/* like an unknown user */
	if ((p->tty != NULL && strlen(p->tty) > MONITOR_TTY_MAX) ||
	    (p->rhost != NULL && strlen(p->rhost) > MONITOR_RHOST_MAX))
		return AUTH_ERROR;
	/* Anything from the monitor before we ask means it is gone. */
	if (mon_pending(m->fd) != 0 || !mon_send_login_start(m, p))
		return mon_broken(m);
	for (;;) {
		if (mon_recv(m->fd, MON_TO_TERMINAL, in, sizeof in, &len) !=
		    MON_RX_OK) {
			res = mon_broken(m);
			break;
		}
		r.p = in + 1;
		r.left = len - 1;
		r.bad = false;
		switch (in[0]) {
		case MON_CONV_PROMPT:
		case MON_CONV_MESSAGE:
			prompt = in[0] == MON_CONV_PROMPT;
			style = mon_rd_u8(&r);
			mon_rd_str(&r, AUTH_MSG_MAX, text);
			if (!mon_rd_done(&r) || !mon_style_fits(prompt, style)) {
				res = mon_broken(m);
				goto out;
			}
			if (mon_relay_turn(m, prompt, style, text, conv, ctx,
			    &cancelled) != 0) {
				res = mon_broken(m);
				goto out;
			}
			continue;
		case MON_LOGIN_RESULT:
			v = mon_rd_u32(&r);
			mon_rd_str(&r, AUTH_USER_MAX, who);
			if (!mon_rd_done(&r) || !mon_result_known(v)) {
				res = mon_broken(m);
				goto out;
			}
			res = (enum auth_result)v;
			if (res == AUTH_OK) {
				if (who[0] == '\0')
					res = mon_broken(m);
				else if (strlen(who) >= pam_user_len)
					res = AUTH_ERROR;
				else
					memcpy(pam_user, who, strlen(who) + 1);
			}
			goto out;
		default:	/* MON_ERROR: the monitor refused us and left */
			res = mon_broken(m);
			goto out;
		}
	}
out:
	secret_wipe(in, sizeof in);
	return res;
}

int
monitor_stop_status(struct monitor *m)
{
	int status = -1;

	if (m == NULL)
		return -1;
	if (m->fd >= 0) {
		(void)shutdown(m->fd, SHUT_RDWR);
		(void)close(m->fd);
	}
	if (m->pid > 0) {
		while (waitpid(m->pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
	}
	free(m);
	return status;
}

void
monitor_stop(struct monitor *m)
{
	(void)monitor_stop_status(m);
}

int
monitor_socket(const struct monitor *m)
{
	return m != NULL ? m->fd : -1;
}

pid_t
monitor_pid(const struct monitor *m)
{
	return m != NULL ? m->pid : -1;
}
