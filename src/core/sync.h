/*
 * sync: the station's side of the protocol with the order-management
 * system (DESIGN.md "Sync protocol", doc/sync-protocol.md).
 *
 * One run pushes the outbox (workflow events, in order per order, each
 * with its idempotency key), pulls order pages from the cursor on (each
 * page validated completely, then stored with the new cursor in one
 * transaction), obeys a remote wipe, and pushes security alerts taken
 * from the audit log. HTTPS only, TLS 1.2 or newer, peer and host always
 * verified. Messages name the request and the HTTP status or the TLS
 * problem, never a response body.
 */
#ifndef FULFIL_SYNC_H
#define FULFIL_SYNC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fconfig.h"
#include "ferr.h"

struct station;

/* Largest response body accepted (bytes); a bigger one fails the request. */
#define SYNC_BODY_MAX (32u * 1024 * 1024)
/* Retry-After is clamped into this range (seconds). */
#define SYNC_RETRY_AFTER_MIN 1
#define SYNC_RETRY_AFTER_MAX 3600
/* Backoff of a failed event: SYNC_BACKOFF_BASE * 2^(attempts-1), capped. */
#define SYNC_BACKOFF_BASE 5
#define SYNC_BACKOFF_MAX 3600

/* Progress of a run, for long pulls. */
struct sync_progress {
	size_t pages;		/* pages stored so far */
	size_t orders;		/* orders received so far */
	size_t events;		/* events pushed so far */
};
typedef void (*sync_progress_fn)(void *ctx, const struct sync_progress *p);

struct sync_options {
	/* The clock (unix seconds); NULL: time(). Tests inject their own. */
	int64_t (*now)(void *ctx);
	void *clock_ctx;
	sync_progress_fn progress;	/* may be NULL */
	void *progress_ctx;
	/* Checked between requests and by transfers: non-zero stops. */
	volatile sig_atomic_t *stop;
};

struct sync_result {
	size_t pages, received, imported, updated, unchanged;
	size_t wiped;			/* orders whose customer data sync wiped */
	size_t events_pushed;		/* 2xx or 409 */
	size_t events_failed;		/* tried this run, kept for later */
	size_t events_waiting;		/* not due yet (backoff) */
	size_t alerts_pushed;
	int64_t outbox;			/* events left in the outbox */
	int http_status;		/* of the request that failed; 0: none */
	int64_t retry_after;		/* server asked to wait (429): seconds */
	bool online;			/* the server answered */
	bool auth_refused;		/* 401/403: sync stopped */
	bool remote_wipe;		/* the cache was erased on order */
	bool complete;			/* pull reached has_more false */
};

struct sync;

/*
 * A client for cfg's [sync] section: reads the bearer token (token_file
 * must not be readable by group or others: FULFIL_EPERM; kept in locked
 * memory) and sets up one TLS connection that later runs reuse.
 * FULFIL_ECONFIG when sync is not configured. Caller frees with
 * sync_free().
 */
int sync_new(const struct fulfil_config *cfg, struct sync **out,
    struct ferr *err);
void sync_free(struct sync *sy);

/*
 * One run against station *sp (opened with STATION_SOURCE_SYNC by the
 * terminal's background sync). A remote wipe consumes the station:
 * *sp is then NULL (res->remote_wipe) and the caller must not close it. Returns 0 when every request of the run
 * succeeded (the outbox may still hold events waiting for their
 * backoff), else the first error: FULFIL_EIO for transport, TLS and
 * HTTP errors (res->http_status, res->retry_after), FULFIL_EPERM when
 * the server refused the credentials (res->auth_refused; audited),
 * FULFIL_EINVAL for a page refused by validation (audited; nothing of it
 * written). Whatever was stored before the error stays stored.
 */
int sync_run(struct sync *sy, struct station **sp,
    const struct sync_options *opt, struct sync_result *res, struct ferr *err);

/*
 * The wait before retrying an event that failed attempts times (>= 1):
 * exponential with jitter, in [d/2, d] for d = base * 2^(attempts-1)
 * capped at SYNC_BACKOFF_MAX. rnd is a uniform random 32-bit value.
 */
int64_t sync_backoff(int64_t attempts, uint32_t rnd);

/*
 * A Retry-After header value (delta-seconds or an HTTP date) as seconds
 * from now, clamped to [SYNC_RETRY_AFTER_MIN, SYNC_RETRY_AFTER_MAX];
 * absent or unparsable: 60.
 */
int64_t sync_retry_after(const char *value, int64_t now);

/*
 * The terminal's background thread: its own station (own sqlite
 * connection, STATION_SOURCE_SYNC), never touching the screen. With
 * [sync] url it syncs every [sync] interval (the UI reads
 * sync_bg_status()); with or without it, it runs retention_upkeep at
 * start and hourly (sweep, key rotation when the epoch is due), so the
 * terminal's own station must take up a rotated key
 * (retention_kek_refresh) before work that unwraps keys.
 */
enum sync_state {
	SYNC_OFF,		/* not configured or not started */
	SYNC_STARTING,
	SYNC_ONLINE,		/* the last run reached the server */
	SYNC_OFFLINE,		/* the last run could not */
	SYNC_AUTH_STOPPED,	/* 401/403: stopped until restart */
};

struct sync_status {
	enum sync_state state;
	int64_t last_sync;	/* unix seconds of the last complete run; -1 */
	int64_t outbox;		/* events waiting; -1: unknown */
	size_t pulled;		/* orders received in the running pull */
	bool pulling;
};

int sync_bg_start(const struct fulfil_config *cfg, struct ferr *err);
void sync_bg_stop(void);
void sync_bg_status(struct sync_status *out);
/* A short translated name of a state ("online", "offline", ...). */
const char *sync_state_label(enum sync_state state);
/* The status line's text: "online 10:42", "offline", "pulling 1500"... */
void sync_bg_label(char *buf, size_t len);

#endif
