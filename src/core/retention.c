/*
 * retention: wipe on delivery, the retention sweep and what the rules
 * say right now (see retention.h). Key rotation is in retention_rekey.c,
 * purge --all and deletion certificates in retention_purge.c.
 *
 * Owns the tombstone columns of orders (shipped_at, wiped_at,
 * wipe_reason, final_state, stale_alert_at), the meta key last_sweep and
 * the audit kinds 80-89. Deletion here is cryptographic: the wrapped DEK
 * and the sealed blob are set to NULL with secure_delete on (sqlite
 * zeroes the freed cells and pages) and the WAL is truncated; the key
 * epochs then make any copy left elsewhere undecryptable.
 *
 * Must never: open, read or log an order's sealed data; wipe an order
 * the rules do not name; keep customer data silently (a stale order is
 * alerted, not ignored); take the clock from anywhere but the caller.
 */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "ferr.h"
#include "i18n.h"
#include "retention.h"
#include "station.h"
#include "store.h"

#define DAY 86400

static const struct {
	enum retention_reason why;
	const char *name;
} retention_reasons[] = {
	{ RETENTION_DELIVERED, "delivered" },
	{ RETENTION_CANCELLED, "cancelled" },
	{ RETENTION_CAP, "cap" },
	{ RETENTION_MANUAL, "manual" },
	{ RETENTION_REMOTE, "remote" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
retention_reason_name(enum retention_reason why)
{
	size_t i;

	for (i = 0; i < NELEM(retention_reasons); i++)
		if (retention_reasons[i].why == why)
			return retention_reasons[i].name;
	return "?";
}

void
retention_crash_point(void)
{
	static long seen;
	const char *v = secure_getenv("FULFIL_TEST_CRASH_AT");

	if (v == NULL || *v == '\0')
		return;
	if (++seen == strtol(v, NULL, 10))
		(void)kill(getpid(), SIGKILL);
}

/* ---- wipe --------------------------------------------------------------- */

static const char sql_wipe_find[] =
    "SELECT sealed IS NULL AND dek IS NULL FROM orders WHERE id = ?1";
static const char sql_wipe[] =
    "UPDATE orders SET dek = NULL, sealed = NULL, wiped_at = ?2,"
    " wipe_reason = ?3,"
    " final_state = CASE WHEN status IN ('delivered', 'cancelled')"
    "  THEN status ELSE state END"
    " WHERE id = ?1";
static const char sql_drop_scans[] =
    "DELETE FROM scans WHERE order_id = ?1";
static const char sql_drop_overrides[] =
    "DELETE FROM verify_overrides WHERE order_id = ?1";

static int
retention_run(struct store *st, const char *sql, const char *id,
    const char *doing, struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if ((q = store_stmt(st, sql, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(st, err, doing);
	sqlite3_reset(q);
	return r;
}

/* The wipe itself, inside the caller's transaction. */
static int
retention_wipe_in_tx(struct station *s, const char *id,
    enum retention_reason why, const char *actor, int64_t now,
    struct ferr *err)
{
	struct audit_event ev = {
		.kind = AUDIT_ORDER_WIPED, .actor = actor, .order_id = id,
		.count = (int64_t)why,
	};
	struct store *st = s->store;
	sqlite3_stmt *q;
	int rc, r;

	if ((q = store_stmt(st, sql_wipe_find, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return ferr_set(err, FULFIL_ENOTFOUND, _("no order %s"), id);
	}
	if (rc != SQLITE_ROW) {
		r = store_error(st, err, _("looking up an order"));
		sqlite3_reset(q);
		return r;
	}
	rc = sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	if (rc)
		return ferr_set(err, FULFIL_ESTATE,
		    _("order %s: its customer data was already wiped"), id);
	if ((q = store_stmt(st, sql_wipe, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int(q, 3, (int)why);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return store_error(st, err, _("wiping an order"));
	if ((r = retention_run(st, sql_drop_scans, id,
	    _("dropping scan counts"), err)) != 0 ||
	    (r = retention_run(st, sql_drop_overrides, id,
	    _("dropping verify overrides"), err)) != 0)
		return r;
	return audit_log(s->audit, &ev, now, err);
}

int
retention_checkpoint(struct station *s, struct ferr *err)
{
	return store_checkpoint(s->store, err);
}

int
retention_wipe_order(struct station *s, const char *order_id,
    enum retention_reason why, const char *actor, int64_t now,
    struct ferr *err)
{
	bool own_tx;
	int r;

	if (order_id == NULL || *order_id == '\0')
		return ferr_set(err, FULFIL_EINVAL, _("no order id given"));
	if (retention_reason_name(why)[0] == '?')
		return ferr_set(err, FULFIL_EINVAL,
		    _("unknown wipe reason %d"), (int)why);
	own_tx = sqlite3_get_autocommit(store_db(s->store)) != 0;
	if (own_tx && (r = store_begin(s->store, err)) != 0)
		return r;
	r = retention_wipe_in_tx(s, order_id, why, actor, now, err);
	if (!own_tx)
		return r;
	if (r != 0) {
		store_rollback(s->store);
		return r;
	}
	if ((r = store_commit(s->store, err)) != 0)
		return r;
	if ((r = store_checkpoint(s->store, err)) != 0)
		ferr_prefix(err, _("order %s was wiped, but"), order_id);
	return r;
}

/* ---- the sweep ---------------------------------------------------------- */

/*
 * When an order was shipped: the local ship step (outbox, or the audit
 * row when the outbox was pushed), else the OMS record that said so,
 * else now (first seen shipped).
 */
static const char sql_mark_shipped[] =
    "UPDATE orders SET shipped_at = min(?1, coalesce("
    " (SELECT max(at) FROM outbox WHERE order_id = orders.id"
    "  AND event = 'shipped'),"
    " (SELECT min(at) FROM audit WHERE order_id = orders.id"
    "  AND kind = 40 AND count = 4),"
    " CASE WHEN status = 'shipped' THEN updated_at END,"
    " ?1))"
    " WHERE sealed IS NOT NULL AND shipped_at IS NULL"
    " AND (status = 'shipped' OR state = 'shipped')";

/*
 * Orders to wipe now and why: ?1 now, ?2 retain_after_delivery (capped),
 * ?3 the cap after shipment. Delivered without a delivery time counts
 * from its last update.
 */
static const char sql_due[] =
    "SELECT id, CASE"
    " WHEN status = 'cancelled' THEN 2"
    " WHEN status = 'delivered'"
    "  AND coalesce(delivered_at, updated_at) + ?2 <= ?1 THEN 1"
    " WHEN status <> 'delivered' AND shipped_at IS NOT NULL"
    "  AND shipped_at + ?3 <= ?1 THEN 3"
    " END AS why, (?1 - coalesce(shipped_at, ?1)) / 86400"
    " FROM orders WHERE sealed IS NOT NULL AND why IS NOT NULL"
    " ORDER BY id";

/* Never shipped, holding data longer than ?2; alerted daily (?3). */
static const char sql_stale[] =
    "SELECT id, (?1 - imported_at) / 86400,"
    " stale_alert_at IS NULL OR stale_alert_at + ?3 <= ?1"
    " FROM orders WHERE sealed IS NOT NULL AND shipped_at IS NULL"
    " AND status NOT IN ('shipped', 'delivered', 'cancelled')"
    " AND state <> 'shipped' AND imported_at + ?2 <= ?1 ORDER BY id";
static const char sql_stale_mark[] =
    "UPDATE orders SET stale_alert_at = ?2 WHERE id = ?1";

struct retention_id {
	char *id;
	int why;
	int64_t days;
	bool alert;
};

struct retention_ids {
	struct retention_id *v;
	size_t n, cap;
};

static void
retention_ids_free(struct retention_ids *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].id);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int
retention_ids_add(struct retention_ids *l, const char *id, int why,
    int64_t days, bool alert, struct ferr *err)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct retention_id *v = realloc(l->v, cap * sizeof *v);

		if (v == NULL)
			return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n].id = strdup(id != NULL ? id : "")) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	l->v[l->n].why = why;
	l->v[l->n].days = days;
	l->v[l->n].alert = alert;
	l->n++;
	return 0;
}

static int64_t
retention_after_delivery(const struct station *s)
{
	int64_t v = s->cfg->cache.retain_after_delivery;

	if (v < 0)
		v = 0;
	return v > CONFIG_MAX_RETAIN_AFTER_DELIVERY ?
	    CONFIG_MAX_RETAIN_AFTER_DELIVERY : v;
}

static int64_t
retention_stale_after(const struct station *s)
{
	return s->cfg->cache.stale_pii_after > 0 ?
	    s->cfg->cache.stale_pii_after : 14 * DAY;
}

/* Collect the orders the sweep must wipe. */
static int
retention_list_due(struct station *s, int64_t now, struct retention_ids *l,
    struct ferr *err)
{
	sqlite3_stmt *q;
	int rc, r = 0;

	if ((q = store_stmt(s->store, sql_due, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, retention_after_delivery(s));
	sqlite3_bind_int64(q, 3, RETENTION_CAP_AFTER_SHIPMENT);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if ((r = retention_ids_add(l,
		    (const char *)sqlite3_column_text(q, 0),
		    sqlite3_column_int(q, 1), sqlite3_column_int64(q, 2), false,
		    err)) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s->store, err, _("listing orders due a wipe"));
	sqlite3_reset(q);
	return r;
}

static int
retention_list_stale(struct station *s, int64_t now, struct retention_ids *l,
    struct ferr *err)
{
	sqlite3_stmt *q;
	int rc, r = 0;

	if ((q = store_stmt(s->store, sql_stale, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, retention_stale_after(s));
	sqlite3_bind_int64(q, 3, DAY);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if ((r = retention_ids_add(l,
		    (const char *)sqlite3_column_text(q, 0), 0,
		    sqlite3_column_int64(q, 1), sqlite3_column_int(q, 2) != 0,
		    err)) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s->store, err, _("listing stale orders"));
	sqlite3_reset(q);
	return r;
}

static int
retention_alert(struct station *s, int kind, const char *id, int64_t days,
    int64_t now, struct ferr *err)
{
	struct audit_event ev = {
		.kind = kind, .order_id = id, .count = days,
	};

	return audit_log(s->audit, &ev, now, err);
}

static int
retention_run_mark(struct station *s, const char *id, int64_t now,
    struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if ((q = store_stmt(s->store, sql_stale_mark, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(s->store, err, _("recording a stale-data alert"));
	sqlite3_reset(q);
	return r;
}

/*
 * The records kept as long as the audit log ([audit] retain) and no
 * longer, whether or not anyone reveals or prints again: who revealed
 * which order (with the sealed reason) and the print log.
 */
static int
retention_prune_records(struct station *s, int64_t now, struct ferr *err)
{
	static const char *const sqls[] = {
		"DELETE FROM reveals WHERE at < ?1",
		"DELETE FROM prints WHERE at < ?1",
	};
	sqlite3_stmt *q;
	size_t i;
	int rc;

	for (i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
		if ((q = store_stmt(s->store, sqls[i], err)) == NULL)
			return FULFIL_EDB;
		sqlite3_bind_int64(q, 1, now - s->cfg->audit.retain);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE)
			return store_error(s->store, err,
			    _("pruning reveals and prints"));
	}
	return 0;
}

static int
retention_sweep_tx(struct station *s, int64_t now, struct retention_stats *out,
    struct retention_ids *due, struct retention_ids *stale, struct ferr *err)
{
	sqlite3_stmt *q;
	char when[32];
	size_t i;
	int r;

	if ((q = store_stmt(s->store, sql_mark_shipped, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, now);
	r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r != SQLITE_DONE)
		return store_error(s->store, err,
		    _("recording shipment times"));
	out->shipped_marked = (size_t)sqlite3_changes(store_db(s->store));

	if ((r = retention_list_due(s, now, due, err)) != 0)
		return r;
	for (i = 0; i < due->n; i++) {
		const struct retention_id *d = &due->v[i];

		if ((r = retention_wipe_in_tx(s, d->id,
		    (enum retention_reason)d->why, NULL, now, err)) != 0)
			return r;
		switch (d->why) {
		case RETENTION_DELIVERED:
			out->wiped_delivered++;
			break;
		case RETENTION_CANCELLED:
			out->wiped_cancelled++;
			break;
		default:
			out->wiped_cap++;
			if ((r = retention_alert(s, AUDIT_RETENTION_CAP, d->id,
			    d->days, now, err)) != 0)
				return r;
			break;
		}
	}

	if ((r = retention_list_stale(s, now, stale, err)) != 0)
		return r;
	out->stale_orders = stale->n;
	for (i = 0; i < stale->n; i++) {
		if (!stale->v[i].alert)
			continue;
		if ((r = retention_alert(s, AUDIT_STALE_PII, stale->v[i].id,
		    stale->v[i].days, now, err)) != 0 ||
		    (r = retention_run_mark(s, stale->v[i].id, now, err)) != 0)
			return r;
		out->stale_alerts++;
	}
	if ((r = retention_prune_records(s, now, err)) != 0)
		return r;
	snprintf(when, sizeof when, "%" PRId64, now);
	return store_meta_set(s->store, "last_sweep", when, err);
}

int
retention_sweep(struct station *s, int64_t now, struct retention_stats *st,
    struct ferr *err)
{
	struct retention_stats none = { 0 };
	struct retention_ids due = { 0 }, stale = { 0 };
	int r;

	if (st == NULL)
		st = &none;
	memset(st, 0, sizeof *st);
	if (sqlite3_get_autocommit(store_db(s->store)) == 0)
		return ferr_set(err, FULFIL_ESTATE,
		    _("the retention sweep cannot run inside a transaction"));
	if ((r = store_begin(s->store, err)) != 0)
		return r;
	if ((r = retention_sweep_tx(s, now, st, &due, &stale, err)) != 0) {
		store_rollback(s->store);
		memset(st, 0, sizeof *st);
		goto out;
	}
	if ((r = store_commit(s->store, err)) != 0) {
		memset(st, 0, sizeof *st);
		goto out;
	}
	if (due.n > 0 && (r = store_checkpoint(s->store, err)) != 0)
		ferr_prefix(err, _("orders were wiped, but"));
out:
	retention_ids_free(&due);
	retention_ids_free(&stale);
	return r;
}

static const char sql_delivered[] =
    "SELECT id, 4, 0 FROM orders WHERE sealed IS NOT NULL"
    " AND status = 'delivered' AND ?1 = ?1 AND ?2 = ?2 AND ?3 = ?3"
    " ORDER BY id";

int
retention_purge_delivered(struct station *s, const char *actor,
    int64_t now, size_t *count, struct ferr *err)
{
	struct retention_ids l = { 0 };
	sqlite3_stmt *q;
	size_t i;
	int rc, r;

	*count = 0;
	if (sqlite3_get_autocommit(store_db(s->store)) == 0)
		return ferr_set(err, FULFIL_ESTATE,
		    _("purge --delivered cannot run inside a transaction"));
	if ((r = store_begin(s->store, err)) != 0)
		return r;
	if ((q = store_stmt(s->store, sql_delivered, err)) == NULL) {
		r = FULFIL_EDB;
		goto fail;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if ((r = retention_ids_add(&l,
		    (const char *)sqlite3_column_text(q, 0), RETENTION_MANUAL,
		    0, false, err)) != 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = store_error(s->store, err, _("listing delivered orders"));
	sqlite3_reset(q);
	for (i = 0; r == 0 && i < l.n; i++)
		r = retention_wipe_in_tx(s, l.v[i].id, RETENTION_MANUAL, actor,
		    now, err);
	if (r != 0)
		goto fail;
	if ((r = store_commit(s->store, err)) != 0)
		goto out;
	*count = l.n;
	if (l.n > 0 && (r = store_checkpoint(s->store, err)) != 0)
		ferr_prefix(err, _("orders were wiped, but"));
	goto out;
fail:
	store_rollback(s->store);
out:
	retention_ids_free(&l);
	return r;
}

/* ---- what the rules say now --------------------------------------------- */

static const char sql_counts[] =
    "SELECT"
    " count(*) FILTER (WHERE sealed IS NOT NULL),"
    " count(*) FILTER (WHERE sealed IS NULL),"
    " min(imported_at) FILTER (WHERE sealed IS NOT NULL)"
    " FROM orders";
/* The same rules as sql_due, plus orders shipped but not yet marked. */
static const char sql_past_due[] =
    "SELECT count(*) FROM orders WHERE sealed IS NOT NULL AND ("
    " status = 'cancelled'"
    " OR (status = 'delivered'"
    "  AND coalesce(delivered_at, updated_at) + ?2 <= ?1)"
    " OR (status <> 'delivered' AND coalesce(shipped_at,"
    "  CASE WHEN status = 'shipped' THEN updated_at END) + ?3 <= ?1))";
static const char sql_stale_count[] =
    "SELECT count(*) FROM orders WHERE sealed IS NOT NULL"
    " AND shipped_at IS NULL"
    " AND status NOT IN ('shipped', 'delivered', 'cancelled')"
    " AND state <> 'shipped' AND imported_at + ?2 <= ?1";

static int
retention_count(struct station *s, const char *sql, int64_t now, int64_t a2,
    int64_t a3, int64_t *out, struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if ((q = store_stmt(s->store, sql, err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, a2);
	sqlite3_bind_int64(q, 3, a3);
	if (sqlite3_step(q) == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	else
		r = store_error(s->store, err, _("counting orders"));
	sqlite3_reset(q);
	return r;
}

int
retention_due(struct station *s, int64_t now, struct retention_due *d,
    struct ferr *err)
{
	sqlite3_stmt *q;
	char *v = NULL;
	int r;

	memset(d, 0, sizeof *d);
	d->oldest_pii_age_s = -1;
	d->last_sweep = -1;
	if ((q = store_stmt(s->store, sql_counts, err)) == NULL)
		return FULFIL_EDB;
	if (sqlite3_step(q) != SQLITE_ROW) {
		r = store_error(s->store, err, _("counting orders"));
		sqlite3_reset(q);
		return r;
	}
	d->with_pii = sqlite3_column_int64(q, 0);
	d->wiped = sqlite3_column_int64(q, 1);
	if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
		int64_t oldest = sqlite3_column_int64(q, 2);

		d->oldest_pii_age_s = now > oldest ? now - oldest : 0;
	}
	sqlite3_reset(q);
	if ((r = retention_count(s, sql_past_due, now,
	    retention_after_delivery(s), RETENTION_CAP_AFTER_SHIPMENT,
	    &d->past_wipe_time, err)) != 0 ||
	    (r = retention_count(s, sql_stale_count, now,
	    retention_stale_after(s), 0, &d->stale, err)) != 0)
		return r;
	if ((r = store_meta_get(s->store, "last_sweep", &v, err)) != 0)
		return r;
	if (v != NULL)
		d->last_sweep = strtoll(v, NULL, 10);
	free(v);
	return 0;
}
