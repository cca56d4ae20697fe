/*
 * lockout: the app's own account lockout, kept in the cache database so
 * it survives restarts and does not depend on the PAM stack.
 *
 * Counted per login name, known or not, through a keyed hash of the name
 * (the key is sealed under the KEK): a "name" typed at the User: prompt
 * may be a password typed in the wrong field, so names are not stored for
 * failed logins. After [auth] max_failures failures within failure_window
 * the name is locked for lockout; a success resets the count; a
 * supervisor or `fulfilctl unlock` unlocks. Failures of many different
 * names at one station within the window (a spray) raise an alert.
 * Lockouts, unlocks and alerts are audited (and so go to syslog).
 * The clock is always passed in, so tests need no sleeps.
 */
#ifndef FULFIL_LOCKOUT_H
#define FULFIL_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "ferr.h"

struct station;

/* Distinct names failing within failure_window that count as a spray. */
#define LOCKOUT_SPRAY_NAMES 8

/* Locked-state results (distinctive, like auth results). */
#define LOCKOUT_OPEN 0x09e40b3e
#define LOCKOUT_LOCKED 0x10c4ed00

/*
 * The name as the audit log may show it: the login name when the station
 * knows it (policy_knows), else "#" + the first 16 hex digits of its
 * keyed hash. out must hold 33 bytes.
 */
int lockout_display_name(struct station *s, const char *name, char out[33],
    struct ferr *err);

/* LOCKOUT_OPEN or LOCKOUT_LOCKED (also on error: fail closed). */
int lockout_state(struct station *s, const char *name, int64_t now,
    int64_t *locked_until);

/*
 * Record one failed login. *locked_now is set when this failure locked
 * the name; *spray when it completed a spray. Audits what happened.
 */
int lockout_failure(struct station *s, const char *name, int64_t now,
    bool *locked_now, bool *spray, struct ferr *err);

/* A successful login: forget the name's failures. */
int lockout_success(struct station *s, const char *name, int64_t now,
    struct ferr *err);

/*
 * Lock name now for anomalous use (R2: PII reveals, refused scans or
 * label reprints above a rate; the caller counts and decides), for
 * [auth] lockout, with reason "anomaly"; a longer lock already in force
 * is kept. count is the number of events in the caller's window and goes
 * into the AUDIT_ANOMALY_LOCK row (subject: the name as
 * lockout_display_name shows it). Joins the caller's transaction when
 * there is one, so the lock commits with the caller's own rows.
 */
int lockout_anomaly(struct station *s, const char *name, int64_t count,
    int64_t now, struct ferr *err);

/*
 * Unlock name (actor: the supervisor or the OS user of fulfilctl).
 * FULFIL_ENOTFOUND when it was not locked. Audited, with reason (a
 * WF_TABLE_UNLOCK code, 0: none given) as the row's count. Checks no
 * authority: the screens and fulfilctl go through supervise_unlock().
 */
int lockout_unlock(struct station *s, const char *actor, const char *name,
    int reason, int64_t now, struct ferr *err);

/* Names currently locked that the station knows, and how many unknown. */
typedef int (*lockout_fn)(void *ctx, const char *name, int64_t locked_until);
int lockout_list(struct station *s, int64_t now, lockout_fn fn, void *ctx,
    int64_t *unknown_locked, struct ferr *err);

#endif
