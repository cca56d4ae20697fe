/*
 * orders_codec: the byte layout of an order's sealed part (items,
 * recipient, e-mail, gift message), private to the orders module.
 *
 * Encoding writes into a struct secret (locked memory); decoding works in
 * place: every string of the layout is stored with a NUL terminator, so
 * the decoded struct order points straight into the buffer it was given,
 * with no copies on the heap. Decoding checks every length against the
 * buffer and fails with FULFIL_EINVAL on anything malformed, even though
 * the buffer has already been authenticated. Layout: doc/cache-format.md.
 */
#ifndef FULFIL_ORDERS_CODEC_H
#define FULFIL_ORDERS_CODEC_H

#include <stddef.h>

#include "ferr.h"
#include "orders.h"
#include "secret.h"

#define ORDERS_CODEC_VERSION 1

/*
 * The fewest bytes one item takes in the layout (its item record plus
 * the required sku and title records), so a buffer of n bytes holds at
 * most n / ORDERS_CODEC_ITEM_MIN items.
 */
#define ORDERS_CODEC_ITEM_MIN 24

/* Bytes the encoding of o's sealed part takes. */
size_t orders_codec_size(const struct order *o);

/*
 * Encode the sealed part of o (nitems/items, ship_to, buyer_email,
 * gift_message; NULL strings are left out) into out, which is grown as
 * needed and whose len is set. Strings must be NUL-free C strings.
 */
int orders_codec_encode(
    const struct order *o, struct secret *out, struct ferr *err);

/*
 * Decode buf[0..len) into the sealed fields of o (the plain ones are not
 * touched). The strings point into buf, which must outlive o; the items
 * go into items[0..items_cap), and more items than that is FULFIL_EINVAL.
 */
int orders_codec_decode(const unsigned char *buf, size_t len, struct order *o,
    struct order_item *items, size_t items_cap, struct ferr *err);

#endif
