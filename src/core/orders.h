/*
 * orders: the order model, ingest (import and sync share it), lookup.
 *
 * Plain columns hold only operational data (id, ref, status, workflow
 * state, ship-by, service, item count, timestamps); the rest of an order
 * (items, recipient, phone, e-mail, gift message) is sealed under the
 * order's own DEK. A decrypted order lives in one locked buffer that is
 * wiped by order_free(). Messages name the order id and the field, never
 * a value. This header is for core modules: the UI gets views (policy).
 */
#ifndef FULFIL_ORDERS_H
#define FULFIL_ORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "ferr.h"

struct store;

/* Limits that validation enforces (documented in doc/cache-format.md). */
#define ORDER_ID_MAX 64
#define ORDER_TEXT_MAX 256	/* names, address lines, titles */
#define ORDER_GIFT_MAX 1024
#define ORDER_ITEMS_MAX 500
#define ORDER_QTY_MAX 9999
#define ORDERS_FILE_MAX (256u * 1024 * 1024)

struct order_item {
	const char *sku, *ean, *title, *bin;
	long qty;
};

struct order_address {
	const char *name, *line1, *line2, *city, *region, *postcode, *country,
	    *phone;
};

struct order {
	/* Plain (also in columns). */
	const char *id, *ref, *status, *service;
	int64_t ship_by, updated_at, delivered_at;	/* unix seconds; 0 = none */
	/* Sealed. Strings point into locked memory; NULL when absent. */
	size_t nitems;
	const struct order_item *items;
	struct order_address ship_to;
	const char *buyer_email, *gift_message;
};

/* Called once per rejected order: msg names order id/index and field. */
typedef void (*orders_reject_fn)(void *ctx, const char *msg);

struct orders_ingest_stats {
	size_t received;	/* orders in the input */
	size_t imported;	/* new orders */
	size_t updated;		/* replaced by a newer updated_at */
	size_t unchanged;	/* same or older updated_at: ignored */
	size_t rejected;	/* failed validation: reported, not stored */
};

/*
 * Ingest a document {"orders":[ORDER...]} (the import file and the sync
 * page share it): every order is validated, bad ones are reported through
 * reject and skipped, the good ones are upserted (newer updated_at wins)
 * in one transaction. A document that is not valid JSON of that shape is
 * FULFIL_EINVAL and nothing is written. Errors after validation roll the
 * whole transaction back.
 */
int orders_import_buffer(struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, const char *buf, size_t len,
    orders_reject_fn reject, void *ctx, struct orders_ingest_stats *stats,
    struct ferr *err);

/*
 * Ingest the "orders" array of a sync page inside the caller's open
 * transaction (so the page and the sync cursor commit together). The
 * validation is orders_import_buffer's, but stricter: one rejected order
 * (each is reported through reject) refuses the whole page with
 * FULFIL_EINVAL and nothing is written. Outside a transaction:
 * FULFIL_ESTATE. On error the caller rolls back.
 */
struct json_t;
int orders_ingest_page(struct store *st, const struct kek *kek,
    enum fulfil_cipher cipher, const struct json_t *orders,
    orders_reject_fn reject, void *ctx, struct orders_ingest_stats *stats,
    struct ferr *err);

/*
 * Find an order by id or ref and decrypt it. FULFIL_ENOTFOUND when there
 * is no such order (or its data was wiped: FULFIL_ESTATE); FULFIL_ECRYPTO
 * naming the order id when its sealed data fails authentication.
 * Caller frees with order_free().
 */
int orders_find(struct store *st, const struct kek *kek, const char *id_or_ref,
    struct order **out, struct ferr *err);
void order_free(struct order *o);

struct orders_counts {
	int64_t orders;		/* rows, wiped ones included */
	int64_t with_pii;	/* rows still holding sealed data */
	int64_t oldest_pii_age_s;	/* now - oldest import of those; -1: none */
	int64_t by_cipher[3];	/* sealed rows per enum fulfil_cipher */
};
int orders_counts(struct store *st, int64_t now, struct orders_counts *c,
    struct ferr *err);

#endif
