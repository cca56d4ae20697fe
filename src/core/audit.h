/*
 * audit: the tamper-evident security log.
 *
 * Typed events only: a kind from one table, validated login names, a
 * validated order id, a role name, a count and a result code. No field
 * accepts free text, so customer data cannot reach the log. Each row
 * carries a MAC (keyed BLAKE2b, key sealed under the KEK) over the
 * previous row's MAC and this row's canonical bytes; `audit_verify`
 * finds the first row that was edited, deleted, inserted or reordered.
 * Rows are mirrored to syslog (authpriv) when enabled. See
 * doc/audit-format.md.
 */
#ifndef FULFIL_AUDIT_H
#define FULFIL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferr.h"

/*
 * Naming: libaudit, which libpam loads, exports audit_open() and
 * audit_close(); a function of ours with either name would interpose it
 * and libpam would call ours (a crash in pam_authenticate). Hence
 * audit_new/audit_free, and no new audit_* name without checking
 * `nm -D libaudit.so.1` first.
 */

struct store;
struct kek;
struct fulfil_config;

/* Append only: the numbers are stored. Names and levels are in audit.c. */
enum audit_kind {
	AUDIT_STATION_INIT = 1,
	AUDIT_ORDERS_IMPORTED = 2,	/* count: orders stored */
	AUDIT_ORDERS_REJECTED = 3,	/* count: orders refused by validation */
	AUDIT_TAMPER_FOUND = 4,		/* order_id, or count */
	AUDIT_LOGIN_OK = 10,		/* actor */
	AUDIT_LOGIN_FAILED = 11,	/* actor: bad password or unknown name */
	AUDIT_LOGIN_LOCKED = 12,	/* actor tried while locked */
	AUDIT_PASSWORD_EXPIRED = 13,
	AUDIT_ACCOUNT_LOCKED = 14,	/* subject, count = failures */
	AUDIT_ACCOUNT_UNLOCKED = 15,	/* actor unlocked subject */
	AUDIT_SPRAY_ALERT = 16,		/* count = distinct names failing */
	AUDIT_LOGOUT = 17,
	AUDIT_NO_ROLE = 18,		/* authenticated but holds no role */
	AUDIT_ROLE_GRANTED = 20,	/* actor, subject, role, count = days */
	AUDIT_ROLE_REVOKED = 21,	/* actor, subject, role */
	AUDIT_GRANT_REFUSED = 22,	/* actor, subject, role, result */
	AUDIT_ACTION_REFUSED = 23,	/* actor, role needed, order_id */
	AUDIT_PRUNED = 30,		/* count = rows pruned */
	AUDIT_CHAIN_BROKEN = 31,	/* count = first bad seq */
	/* The order workflow (workflow.h). */
	AUDIT_ORDER_STEP = 40,		/* actor, role, order_id, count = state */
	AUDIT_SCAN_REFUSED = 41,	/* actor, role, order_id, count, result */
	AUDIT_EXCEPTION = 42,		/* actor, role, order_id, count = kind */
	AUDIT_EXCEPTION_RESOLVED = 43,	/* actor, order_id, count = resolution */
	AUDIT_OVERRIDE = 44,		/* actor, role of the step, order_id,
					   count = reason code */
	AUDIT_PII_REVEAL = 45,		/* actor, order_id, count = reason code */
	AUDIT_ANOMALY_LOCK = 46,	/* subject, count = events in window */
	/* People (people.h). */
	AUDIT_LANGUAGE_SET = 50,	/* actor, subject */
	/* Dispatch labels (workflow_print): never a byte of the label. */
	AUDIT_LABEL_PRINTED = 60,	/* actor, role, order_id, count = bytes */
	AUDIT_LABEL_REPRINTED = 61,	/* actor, role, order_id, count = bytes */
	AUDIT_PRINT_FAILED = 62,	/* actor, role, order_id, count = bytes
					   sent, result = FULFIL_E* */
	/* Retention and erasure (retention.h). */
	AUDIT_ORDER_WIPED = 80,		/* actor or none, order_id,
					   count = enum retention_reason */
	AUDIT_RETENTION_CAP = 81,	/* order_id, count = days since shipment */
	AUDIT_STALE_PII = 82,		/* order_id, count = days since import */
	AUDIT_KEY_ROTATED = 83,		/* actor or none, count = new epoch */
	AUDIT_REKEY_RECOVERED = 84,	/* count = epoch in force, result:
					   0 finished, FULFIL_ESTATE rolled back */
	AUDIT_PURGE_ALL = 85,		/* actor, count = orders erased */
	AUDIT_REMOTE_WIPE = 86,		/* count = orders erased */
	/* Sync with the order system (sync.h). */
	AUDIT_SYNC_PAGE_REFUSED = 71,	/* count = orders rejected, result */
	AUDIT_SYNC_AUTH_REFUSED = 72,	/* count = HTTP status (401, 403) */
};

/* Stable lower-case name ("login-failed"); NULL for an unknown kind. */
const char *audit_kind_name(int kind);

/* One entry of the kinds table, for listings, documentation and tests. */
struct audit_kind_info {
	int kind;
	const char *name;	/* "login-failed" */
	int level;		/* syslog severity (LOG_WARNING, ...) */
	const char *level_name;	/* "warning" */
	const char *help;	/* untranslated: pass it through gettext */
};

/* Entry i of the kinds table into *out; false when i is past the end. */
bool audit_kind_info(size_t i, struct audit_kind_info *out);

/*
 * One event. Every text field is optional (NULL) and validated by
 * audit_log: actor/subject a login name (policy_login_name_check) or
 * "#" + 16 lower-case hex digits (a name the station does not know,
 * see lockout.h); order_id printable ASCII without spaces, at most 64
 * bytes; role one of the role names. Anything else is refused
 * (FULFIL_EINVAL) and nothing is written.
 */
struct audit_event {
	int kind;		/* enum audit_kind */
	const char *actor;
	const char *subject;
	const char *order_id;
	const char *role;
	int64_t count;		/* -1: none */
	int result;		/* 0, a FULFIL_E* code, or an auth result */
};

struct audit;

/*
 * Open the log of a store. source names the program writing ("fulfil",
 * "fulfilctl", "sync"). The MAC key is sealed under the KEK in the
 * meta table; it is created on first use unless readonly. cfg gives
 * [audit] syslog and syslog_socket. Caller closes with audit_free().
 */
int audit_new(struct store *st, const struct kek *kek, const char *source,
    const struct fulfil_config *cfg, bool readonly, struct audit **out,
    struct ferr *err);
void audit_free(struct audit *a);

/*
 * Append one event at time now. Runs inside the caller's transaction when
 * there is one (so a step and its audit row commit together), else in its
 * own. Mirrors the row to syslog after it is stored.
 */
int audit_log(struct audit *a, const struct audit_event *ev, int64_t now,
    struct ferr *err);

struct audit_verify_result {
	bool ok;
	int64_t rows;		/* rows checked */
	int64_t first_bad_seq;	/* -1 when ok */
	char why[128];		/* "mac mismatch", "gap after seq 41", ... */
};

/*
 * Check the whole chain from the anchor (or the start) to the head.
 * Returns 0 when the check ran (res says whether the chain is intact);
 * an error only when it could not run (database, memory).
 */
int audit_verify(struct audit *a, struct audit_verify_result *res,
    struct ferr *err);

/*
 * After audit_verify found a break: log AUDIT_CHAIN_BROKEN (count = the
 * first bad seq, result FULFIL_ECRYPTO) for actor, unless the newest row
 * already reports that same break. *logged says whether a row was
 * written. Nothing to do when res->ok.
 */
int audit_log_broken(struct audit *a, const struct audit_verify_result *res,
    const char *actor, int64_t now, bool *logged, struct ferr *err);

/* Drop rows older than [audit] retain, keeping an anchor; audited. */
int audit_prune(struct audit *a, int64_t now, int64_t *pruned,
    struct ferr *err);

/* A stored row, for listing. Strings are valid during the callback. */
struct audit_row {
	int64_t seq, at;
	int kind;
	const char *source, *actor, *subject, *order_id, *role;
	int64_t count;		/* -1: none */
	int result;
};
typedef int (*audit_row_fn)(void *ctx, const struct audit_row *row);

/* Rows with at >= since (0: all), oldest first; fn returning non-zero stops. */
int audit_list(struct audit *a, int64_t since, audit_row_fn fn, void *ctx,
    struct ferr *err);

/*
 * Datagrams the syslog mirror could not hand to the daemon since open
 * (no socket, daemon busy, ...). Such a failure never fails audit_log:
 * the row in the cache is the record.
 */
unsigned long audit_syslog_failures(const struct audit *a);

#endif
