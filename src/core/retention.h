/*
 * retention: forgetting customers. Wipe on delivery (crypto-shredding of
 * one order), the retention sweep (delivered, cancelled, 30-day cap after
 * shipment, stale-PII alerts), key epochs (KEK rotation with crash
 * recovery) and purge --all with a signed deletion certificate.
 *
 * Every function takes the clock (now, unix seconds) from the caller, so
 * tests can run a month in a millisecond. Nothing here ever reads or
 * writes customer data: it deletes sealed blobs and wrapped keys unread.
 * See doc/crypto-format.md ("Key rotation") and doc/certificate-format.md.
 */
#ifndef FULFIL_RETENTION_H
#define FULFIL_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fconfig.h"
#include "ferr.h"

struct station;

/* Why an order was wiped: stored in the tombstone (orders.wipe_reason). */
enum retention_reason {
	RETENTION_DELIVERED = 1,
	RETENTION_CANCELLED = 2,
	RETENTION_CAP = 3,	/* 30 days after shipment */
	RETENTION_MANUAL = 4,	/* purge --order / --delivered */
	RETENTION_REMOTE = 5,	/* OMS wipe */
};

/* The hard cap of R8: no PII later than this after shipment. */
#define RETENTION_CAP_AFTER_SHIPMENT (30 * 86400)

/* "delivered", "cancelled", "cap", "manual", "remote"; "?" otherwise. */
const char *retention_reason_name(enum retention_reason why);

/*
 * Wipe one order: in one transaction (secure_delete is on for every
 * connection) set its wrapped DEK and sealed blob to NULL, keep the
 * PII-free row as the tombstone (final state, wiped_at = now, reason),
 * drop its scan counts and verify overrides, and log AUDIT_ORDER_WIPED
 * (actor may be NULL: the station itself); then checkpoint the WAL with
 * TRUNCATE. Called inside the caller's open transaction it joins it and
 * does NOT checkpoint: call retention_checkpoint() after your commit.
 * FULFIL_ENOTFOUND: no such order; FULFIL_ESTATE: it was already wiped
 * (nothing changed). A checkpoint that cannot run (another connection is
 * reading) is FULFIL_EDB after the wipe has committed.
 */
int retention_wipe_order(struct station *s, const char *order_id,
    enum retention_reason why, const char *actor, int64_t now,
    struct ferr *err);

/* Checkpoint the WAL with TRUNCATE (after wipes inside your transaction). */
int retention_checkpoint(struct station *s, struct ferr *err);

struct retention_stats {
	size_t wiped_delivered;	/* delivered + [cache] retain_after_delivery */
	size_t wiped_cancelled;
	size_t wiped_cap;	/* shipped over 30 days ago, never delivered */
	size_t stale_alerts;	/* never shipped, older than stale_pii_after:
				   alerted now (an alert repeats daily) */
	size_t stale_orders;	/* all such orders right now (kept, not wiped) */
	size_t shipped_marked;	/* orders whose shipment time was recorded */
};

/*
 * The sweep: at start-up, after each sync or import, and hourly. Wipes
 * (as retention_wipe_order, all in one transaction, one checkpoint)
 * every order holding customer data that is delivered and past
 * retain_after_delivery (never more than 30 days), cancelled, or shipped
 * more than 30 days ago without a delivery (AUDIT_RETENTION_CAP alert
 * too). Orders never shipped and imported more than [cache]
 * stale_pii_after ago raise AUDIT_STALE_PII (at most once a day per
 * order): they are kept. Also records when each order was first seen
 * shipped (the start of the cap). st may be NULL. Needs a writable
 * station; must not run inside a transaction.
 */
int retention_sweep(struct station *s, int64_t now, struct retention_stats *st,
    struct ferr *err);

/*
 * purge --delivered: wipe every delivered order still holding data now,
 * whatever retain_after_delivery says (reason manual), in one
 * transaction and one checkpoint. *count gets how many.
 */
int retention_purge_delivered(struct station *s, const char *actor,
    int64_t now, size_t *count, struct ferr *err);

/* What the retention rules say right now (for report and status). */
struct retention_due {
	int64_t with_pii;		/* orders still holding customer data */
	int64_t past_wipe_time;		/* must be 0 (R8): a sweep is overdue */
	int64_t stale;			/* never shipped, older than stale_pii_after */
	int64_t oldest_pii_age_s;	/* -1: none */
	int64_t wiped;			/* tombstones */
	int64_t last_sweep;		/* unix seconds; -1: never */
};
int retention_due(struct station *s, int64_t now, struct retention_due *d,
    struct ferr *err);

/* ---- key epochs --------------------------------------------------------- */

/*
 * Rotate the KEK now (fulfilctl rekey): create <key>.new (epoch + 1,
 * fsync'ed file and directory), re-wrap every live DEK and re-seal every
 * station secret under it in one transaction, then destroy the old key
 * (overwrite, fsync, rename the new one over it, fsync the directory).
 * Afterwards s holds the new KEK. A key given as credential:NAME cannot
 * be rotated by fulfil: FULFIL_EPERM with a message saying so. Logs
 * AUDIT_KEY_ROTATED (count = new epoch). Not inside a transaction.
 */
int retention_rekey(struct station *s, const char *actor, int64_t now,
    struct ferr *err);

/*
 * Rotate when the KEK's epoch is older than [cache] key_epoch (the epoch's
 * start is meta kek_epoch_at, set at rotation, or the station's creation).
 * *rotated says whether it did. A credential: key is never rotated here
 * (no error; report shows the overdue epoch). fulfilctl calls it on every
 * writable open that changes orders; the terminal calls it at start-up
 * and hourly.
 */
int retention_rotate_if_due(struct station *s, const char *actor, int64_t now,
    bool *rotated, struct ferr *err);

/*
 * When another process rotated the key (meta kek_epoch is newer than the
 * key in s), load the key file again and take it up in s->kek, after
 * checking it opens the cache. *reloaded says whether it did. A process
 * that keeps a station open for long (the terminal, sync) calls it before
 * work that unwraps keys, or at least hourly: with the old key it can
 * neither open orders nor store new ones (the epoch triggers refuse).
 */
int retention_kek_refresh(struct station *s, bool *reloaded,
    struct ferr *err);

/*
 * The terminal's upkeep, in one call: retention_kek_refresh, the sweep
 * (stats into st, may be NULL), then retention_rotate_if_due (*rotated,
 * may be NULL). Call at start-up, hourly and after each sync.
 */
int retention_upkeep(struct station *s, const char *actor, int64_t now,
    struct retention_stats *st, bool *rotated, struct ferr *err);

/* Seconds since the current epoch began (-1 when unknown). */
int retention_epoch_age(struct station *s, int64_t now, int64_t *age,
    struct ferr *err);

/*
 * Finish or roll back a rotation a crash interrupted (see
 * doc/crypto-format.md, "Key rotation"). station_open_as() calls it
 * before it loads the key; with readonly nothing is changed and *spec_out
 * (malloc'd, or NULL for cfg->cache.key) names the key file that opens
 * the cache right now. Writable: afterwards exactly one key file is left.
 */
int retention_rekey_recover(const struct fulfil_config *cfg, bool readonly,
    char **spec_out, struct ferr *err);

/* ---- purge --all -------------------------------------------------------- */

/* Files purge --all keeps in the data dir (doc/certificate-format.md). */
#define RETENTION_PUBKEY_FILE "station.pub"
#define RETENTION_ANCHOR_FILE "audit-anchor"
#define RETENTION_PENDING_FILE "purge-pending.json"
#define RETENTION_CERT_COPY "deletion-certificate.json"

struct retention_purge_result {
	int64_t orders;			/* rows in the cache */
	int64_t orders_erased;		/* of those, still holding data */
	int64_t keys_destroyed;		/* DEKs + KEKs */
	bool kek_destroyed;		/* false: a credential: key stays */
	bool resumed;			/* finished an interrupted purge */
};

/* Progress callback: step i of n, a short translated label. */
typedef void (*retention_progress_fn)(void *ctx, int step, int nsteps,
    const char *what);

/*
 * purge --all: sign a deletion certificate (station id, time, counts,
 * method, fingerprints of the keys destroyed; no PII) with the station's
 * Ed25519 key, keep it pending in the data dir, destroy the KEK (and any
 * rotation leftovers), remove cache.db, -wal and -shm, then write the
 * certificate to certificate_path (fsync'ed) and keep a copy in the data
 * dir as RETENTION_CERT_COPY. Keeps only station.pub and audit-anchor.
 * certificate_path may be NULL (remote wipe): *cert_json (malloc'd, may
 * be NULL if not wanted) receives the certificate for sync to POST.
 * The station s is consumed: it is closed here whatever happens (the
 * caller must not use or close it). Writes nothing to the terminal but
 * through progress. why is RETENTION_MANUAL or RETENTION_REMOTE.
 */
int retention_purge_all(struct station *s, const char *certificate_path,
    int64_t now, const char *actor, enum retention_reason why,
    retention_progress_fn progress, void *pctx, char **cert_json,
    struct retention_purge_result *res, struct ferr *err);

/*
 * Finish a purge --all a crash interrupted, without a station (its key
 * may already be gone). FULFIL_ENOTFOUND: no purge is pending in cfg's
 * data dir. Same outputs as retention_purge_all.
 */
int retention_purge_resume(const struct fulfil_config *cfg,
    const char *certificate_path, retention_progress_fn progress, void *pctx,
    char **cert_json, struct retention_purge_result *res, struct ferr *err);

/* Is a purge pending in cfg's data dir? */
bool retention_purge_pending(const struct fulfil_config *cfg);

/*
 * Verify a certificate (the file's bytes) against the station public key
 * in hex (64 chars), or, when pubkey_hex is NULL, the station.pub kept in
 * cfg's data dir. 0: valid; FULFIL_ECRYPTO: the signature does not match;
 * FULFIL_EINVAL: not a certificate.
 */
int retention_certificate_verify(const struct fulfil_config *cfg,
    const char *text, size_t len, const char *pubkey_hex, struct ferr *err);

/* ---- the test hook ------------------------------------------------------ */

/*
 * A crash point: when $FULFIL_TEST_CRASH_AT is N (read with
 * secure_getenv, so never in a setuid or AT_SECURE process) the Nth
 * crash point reached kills the process with SIGKILL. It gives a user no
 * power beyond kill -9 of a process they started themselves. Used by the
 * tests of rotation and purge --all (doc/security.md).
 */
void retention_crash_point(void);

#endif
