/*
 * monitor: privilege separation for PAM (OpenSSH's design).
 *
 * pam_unix checks another person's password only as root, and a kiosk
 * checks one person after another. When fulfil starts as root with
 * [auth] service_user set, monitor_start forks a small monitor that keeps
 * root and does nothing but run PAM logins relayed to it over a
 * socketpair: a fixed table of allowed requests, bounded message sizes.
 * The terminal process then drops to the service account (proc.h) before
 * it touches the cache, the screen or any order data. Without root both
 * halves run as the same user, so the relay is always exercised.
 *
 * The order at start-up is fixed:
 *   1. config_load, proc_harden (still root, one thread, nothing open);
 *   2. monitor_start(cfg): the monitor takes its own copy of the PAM
 *      service and confdir now; nothing the terminal sends later can
 *      change them;
 *   3. proc_drop_privileges(cfg->auth.service_user): the terminal becomes
 *      the service account for good;
 *   4. only then station_open (the cache), the screen, sync.
 * Call monitor_start before any thread exists: the monitor is a fork and
 * its PR_SET_PDEATHSIG follows the thread that forked it.
 *
 * The wire protocol is described in doc/privsep.md. Any violation (an
 * unknown type, a message too long, too short or with bytes left over, a
 * message out of turn) makes the monitor send MON_ERROR and exit with
 * MONITOR_EXIT_PROTOCOL; the terminal treats a dead or misbehaving
 * monitor as AUTH_ERROR for this and every later login.
 */
#ifndef FULFIL_MONITOR_H
#define FULFIL_MONITOR_H

#include <sys/types.h>

#include "auth.h"
#include "ferr.h"

struct fulfil_config;
struct monitor;

/* Longest PAM_TTY and PAM_RHOST the terminal may send. */
#define MONITOR_TTY_MAX 64
#define MONITOR_RHOST_MAX 255

/* How the monitor process ends (its exit status). */
#define MONITOR_EXIT_OK 0		/* the terminal closed the socket */
#define MONITOR_EXIT_PROTOCOL 3		/* the terminal broke the protocol */
#define MONITOR_EXIT_ERROR 4		/* a system error in the monitor */

/*
 * Fork the monitor. The caller (the terminal) keeps *out and frees it
 * with monitor_stop(). The monitor uses cfg->auth.pam_service and
 * cfg->auth.pam_confdir as they are now (the caller has already decided
 * whether pam_confdir may be honoured); it never takes them from the
 * terminal. It closes every other descriptor, points stdin, stdout and
 * stderr at /dev/null, keeps its privileges and exits when the terminal
 * goes away.
 */
int monitor_start(const struct fulfil_config *cfg, struct monitor **out,
    struct ferr *err);

/*
 * auth_backend_fn that relays one login to the monitor (bctx: monitor).
 * p->service and p->confdir are ignored: the monitor has its own. A name
 * longer than AUTH_USER_MAX is AUTH_FAILED without asking the monitor; a
 * tty or rhost too long, a dead monitor or any protocol fault is
 * AUTH_ERROR (and every later call is AUTH_ERROR too).
 */
enum auth_result monitor_backend(void *bctx, const struct auth_pam_params *p,
    auth_conv_fn conv, void *ctx, char *pam_user, size_t pam_user_len);

/* Close the socket and reap the monitor. NULL is fine. */
void monitor_stop(struct monitor *m);

/*
 * The same, returning the monitor's wait status (as waitpid gives it), or
 * -1 when it could not be reaped.
 */
int monitor_stop_status(struct monitor *m);

/*
 * For tests that play a hostile terminal: the terminal's end of the
 * socket (owned by m) and the monitor's pid.
 */
int monitor_socket(const struct monitor *m);
pid_t monitor_pid(const struct monitor *m);

/* Message types on the wire (the first byte of every message). */
enum monitor_msg_type {
	MON_LOGIN_START = 1,	/* terminal -> monitor */
	MON_CONV_REPLY = 2,	/* terminal -> monitor */
	MON_CONV_CANCEL = 3,	/* terminal -> monitor */
	MON_CONV_PROMPT = 16,	/* monitor -> terminal */
	MON_CONV_MESSAGE = 17,	/* monitor -> terminal */
	MON_LOGIN_RESULT = 18,	/* monitor -> terminal */
	MON_ERROR = 19,		/* monitor -> terminal, then it exits */
};

#endif
