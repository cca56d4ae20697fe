/*
 * station: one station's cache opened for work: configuration, KEK,
 * database and the cipher in force. Both programs go through it, so the
 * checks at start (key file safety, KEK matches the cache) cannot be
 * skipped by one of them.
 */
#ifndef FULFIL_STATION_H
#define FULFIL_STATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "fconfig.h"
#include "ferr.h"
#include "orders.h"

struct store;
struct audit;

struct station {
	const struct fulfil_config *cfg;	/* borrowed */
	struct kek *kek;
	struct store *store;
	enum fulfil_cipher cipher;	/* resolved: never AUTO */
	struct audit *audit;	/* the security log; read-only with store */
};

/* The program names the audit log records as an event's source. */
#define STATION_SOURCE_TERMINAL "fulfil"
#define STATION_SOURCE_CTL "fulfilctl"
#define STATION_SOURCE_SYNC "sync"

struct station_init_result {
	bool created_dir, created_key, created_db, created_signing_key;
	char station_id[33];
};

/*
 * fulfilctl init: create the data dir (0700), the KEK file if absent,
 * the schema, the station id and the Ed25519 signing key (sealed under the
 * KEK). Idempotent: a second run changes nothing and says so in *res.
 * A run that created anything logs AUDIT_STATION_INIT (source fulfilctl,
 * actor station_os_user()) in the same transaction; a user without a
 * valid login name cannot initialise (FULFIL_EPERM, nothing created).
 */
int station_init(const struct fulfil_config *cfg, struct station_init_result *res,
    struct ferr *err);

/*
 * Open an initialised station: load the KEK, open the cache, and check
 * that this KEK is the one the cache was made with (FULFIL_EKEY before
 * anything is written if not), then open the audit log (s->audit) in the
 * same mode. source is what the log records as the program writing
 * (STATION_SOURCE_*). readonly: open the cache read-only (status); the
 * log can then be listed and verified but not written. A writable open
 * also prunes the log to [audit] retain; when the part to prune does not
 * verify, nothing is pruned and the open goes on (audit --verify reports
 * the break). Caller closes with station_close().
 */
int station_open_as(const struct fulfil_config *cfg, const char *source,
    bool readonly, struct station **out, struct ferr *err);

/* station_open_as() with source STATION_SOURCE_CTL (fulfilctl, tests). */
int station_open(const struct fulfil_config *cfg, bool readonly,
    struct station **out, struct ferr *err);
void station_close(struct station *s);

/*
 * The login name of the OS user running this program (effective uid),
 * which fulfilctl records as the actor of what it does. FULFIL_EPERM
 * when the uid has no passwd entry or its name is not one fulfil accepts
 * (policy_login_name_check); the message gives the uid, not the name.
 */
#define STATION_USER_MAX 33	/* POLICY_LOGIN_NAME_MAX + NUL */
int station_os_user(char out[STATION_USER_MAX], struct ferr *err);

/*
 * A station secret: 32 random bytes kept in the meta table under name,
 * sealed under the KEK (kind station). Created on first use when create
 * is true (inside the caller's transaction, if any), else
 * FULFIL_ENOTFOUND. *out is the caller's to secret_free().
 */
int station_secret_get(struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, const char *name, bool create,
    struct secret **out, struct ferr *err);

/*
 * Key rotation (retention.c): re-seal every value the meta table holds
 * sealed under old (the KEK check, the signing key, station secrets) under
 * new, inside the caller's transaction. A sealed value that does not open
 * under old stops it (FULFIL_ECRYPTO naming the meta key): a rotation
 * must never drop a secret. *count gets how many were re-sealed.
 */
int station_reseal_secrets(struct store *st, const struct kek *old,
    const struct kek *new, enum fulfil_cipher cipher, size_t *count,
    struct ferr *err);

/*
 * Does kek open this cache's key check? 0 yes, FULFIL_EKEY no,
 * FULFIL_ENOTFOUND no check stored yet (not initialised).
 */
int station_kek_opens(struct store *st, const struct kek *kek,
    struct ferr *err);

/*
 * The station's Ed25519 signing key (*sk, caller secret_free()s it) and
 * its public key as 64 hex digits, for deletion certificates.
 */
int station_signing_key(struct station *s, struct secret **sk,
    char pkhex[65], struct ferr *err);

/* What `fulfilctl status` shows; no customer data in it. */
struct station_status {
	char station_id[33];
	enum fulfil_cipher cipher;	/* the cipher new data is sealed with */
	uint32_t key_epoch;
	int schema;
	struct orders_counts counts;
	int64_t outbox;			/* events not yet pushed */
	int64_t last_sync;		/* unix seconds; -1: never */
};
int station_status(struct station *s, int64_t now, struct station_status *out,
    struct ferr *err);

/* Unix seconds of the last complete sync ("last_sync" in meta); -1: never. */
int station_last_sync(struct station *s, int64_t *t, struct ferr *err);

/* Events waiting in the outbox (-1 on error): one count, no order scan. */
int station_outbox_depth(struct station *s, int64_t *n, struct ferr *err);

/* Called for each order whose sealed data does not open; err says why. */
typedef void (*station_bad_fn)(void *ctx, const char *order_id,
    const struct ferr *err);

/*
 * Decrypt every order that still holds data, in memory only, and report
 * those that fail (tampered, wrong key, corrupt). *failed > 0 is the
 * caller's to report; the return value is for errors of the check itself.
 */
int station_verify_orders(struct station *s, station_bad_fn bad, void *ctx,
    size_t *checked, size_t *failed, struct ferr *err);

#endif
