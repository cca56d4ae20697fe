/*
 * orders_codec: encode and decode the sealed part of an order.
 *
 * Owns the byte layout of an order's sealed data (doc/cache-format.md,
 * "Sealed order data"): a header, then records of tag, length, bytes and
 * a NUL terminator. Encoding writes into locked memory; decoding points
 * the struct order into the buffer it is given.
 *
 * Must never: copy decoded data anywhere else, trust a length it has not
 * checked against the buffer, or put any byte of the data into a message.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "ferr.h"
#include "i18n.h"
#include "orders.h"
#include "orders_codec.h"
#include "secret.h"

#define CODEC_MAGIC "FORD"
#define CODEC_MAGIC_LEN 4
#define CODEC_OFF_VERSION 4
#define CODEC_OFF_NITEMS 8
#define CODEC_OFF_LENGTH 12 /* of the whole encoding, header included */
#define CODEC_HDR_LEN 16
#define CODEC_REC_OVERHEAD 6 /* tag, u32 length, NUL */

enum codec_tag {
	TAG_NAME = 0x01,
	TAG_LINE1 = 0x02,
	TAG_LINE2 = 0x03,
	TAG_CITY = 0x04,
	TAG_REGION = 0x05,
	TAG_POSTCODE = 0x06,
	TAG_COUNTRY = 0x07,
	TAG_PHONE = 0x08,
	TAG_EMAIL = 0x09,
	TAG_GIFT = 0x0a,
	TAG_ITEM = 0x20, /* starts an item: payload u32 LE qty */
	TAG_SKU = 0x21,
	TAG_EAN = 0x22,
	TAG_TITLE = 0x23,
	TAG_BIN = 0x24,
};

enum { SCOPE_ORDER, SCOPE_ITEM };

/* Where each string record goes, and whether it must be there. */
static const struct codec_field {
	enum codec_tag tag;
	int scope;
	int required;
	size_t off; /* in struct order (SCOPE_ORDER) or order_item */
} codec_fields[] = {
    {TAG_NAME, SCOPE_ORDER, 1, offsetof(struct order, ship_to.name)},
    {TAG_LINE1, SCOPE_ORDER, 1, offsetof(struct order, ship_to.line1)},
    {TAG_LINE2, SCOPE_ORDER, 0, offsetof(struct order, ship_to.line2)},
    {TAG_CITY, SCOPE_ORDER, 1, offsetof(struct order, ship_to.city)},
    {TAG_REGION, SCOPE_ORDER, 0, offsetof(struct order, ship_to.region)},
    {TAG_POSTCODE, SCOPE_ORDER, 1, offsetof(struct order, ship_to.postcode)},
    {TAG_COUNTRY, SCOPE_ORDER, 1, offsetof(struct order, ship_to.country)},
    {TAG_PHONE, SCOPE_ORDER, 0, offsetof(struct order, ship_to.phone)},
    {TAG_EMAIL, SCOPE_ORDER, 0, offsetof(struct order, buyer_email)},
    {TAG_GIFT, SCOPE_ORDER, 0, offsetof(struct order, gift_message)},
    {TAG_SKU, SCOPE_ITEM, 1, offsetof(struct order_item, sku)},
    {TAG_EAN, SCOPE_ITEM, 0, offsetof(struct order_item, ean)},
    {TAG_TITLE, SCOPE_ITEM, 1, offsetof(struct order_item, title)},
    {TAG_BIN, SCOPE_ITEM, 0, offsetof(struct order_item, bin)},
};

#define NFIELDS (sizeof codec_fields / sizeof codec_fields[0])

static const char **
codec_slot(const struct codec_field *f, struct order *o, struct order_item *it)
{
	char *base = f->scope == SCOPE_ORDER ? (char *)o : (char *)it;

	return (const char **)(void *)(base + f->off);
}

static const char *
codec_get(const struct codec_field *f, const struct order *o,
    const struct order_item *it)
{
	const char *base =
	    f->scope == SCOPE_ORDER ? (const char *)o : (const char *)it;
	const char *const *slot =
	    (const char *const *)(const void *)(base + f->off);

	return *slot;
}

static void
codec_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)((v >> 24) & 0xff);
}

static uint32_t
codec_get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

size_t
orders_codec_size(const struct order *o)
{
	const char *s;
	size_t n = CODEC_HDR_LEN, i, k;

	for (k = 0; k < NFIELDS; k++)
		if (codec_fields[k].scope == SCOPE_ORDER &&
		    (s = codec_get(&codec_fields[k], o, NULL)) != NULL)
			n += CODEC_REC_OVERHEAD + strlen(s);
	for (i = 0; i < o->nitems; i++) {
		n += CODEC_REC_OVERHEAD + 4;
		for (k = 0; k < NFIELDS; k++)
			if (codec_fields[k].scope == SCOPE_ITEM &&
			    (s = codec_get(
			         &codec_fields[k], NULL, &o->items[i])) != NULL)
				n += CODEC_REC_OVERHEAD + strlen(s);
	}
	return n;
}

static unsigned char *
codec_put_rec(unsigned char *p, enum codec_tag tag, const void *v, size_t len)
{
	*p++ = (unsigned char)tag;
	codec_put_le32(p, (uint32_t)len);
	p += 4;
	memcpy(p, v, len);
	p += len;
	*p++ = '\0';
	return p;
}

static unsigned char *
codec_put_fields(unsigned char *p, int scope, const struct order *o,
    const struct order_item *it)
{
	const char *s;
	size_t k;

	for (k = 0; k < NFIELDS; k++)
		if (codec_fields[k].scope == scope &&
		    (s = codec_get(&codec_fields[k], o, it)) != NULL)
			p = codec_put_rec(p, codec_fields[k].tag, s, strlen(s));
	return p;
}

int
orders_codec_encode(const struct order *o, struct secret *out, struct ferr *err)
{
	unsigned char qty[4], *p;
	size_t need, oldlen, i;
	int r;

	if (o->nitems > UINT32_MAX)
		return ferr_set(err, FULFIL_EINVAL, _("too many items"));
	need = orders_codec_size(o);
	if (need > UINT32_MAX)
		return ferr_set(err, FULFIL_EINVAL, _("order data too large"));
	oldlen = out->len;
	if ((r = secret_reserve(out, need)) != 0)
		return ferr_set(err, r, _("out of locked memory"));
	p = out->data;
	memcpy(p, CODEC_MAGIC, CODEC_MAGIC_LEN);
	p[CODEC_OFF_VERSION] = ORDERS_CODEC_VERSION;
	p[5] = p[6] = p[7] = 0;
	codec_put_le32(p + CODEC_OFF_NITEMS, (uint32_t)o->nitems);
	codec_put_le32(p + CODEC_OFF_LENGTH, (uint32_t)need);
	p += CODEC_HDR_LEN;
	p = codec_put_fields(p, SCOPE_ORDER, o, NULL);
	for (i = 0; i < o->nitems; i++) {
		long q = o->items[i].qty;

		codec_put_le32(qty,
		    q < 0 || (unsigned long)q > UINT32_MAX ? 0 : (uint32_t)q);
		p = codec_put_rec(p, TAG_ITEM, qty, sizeof qty);
		p = codec_put_fields(p, SCOPE_ITEM, NULL, &o->items[i]);
	}
	out->len = (size_t)(p - out->data);
	if (out->len != need)
		return ferr_set(err, FULFIL_ESTATE,
		    _("order data changed while it was encoded"));
	/* Leave nothing of a longer previous order behind the new one. */
	if (oldlen > out->len)
		sodium_memzero(out->data + out->len, oldlen - out->len);
	return 0;
}

static const struct codec_field *
codec_field_by_tag(unsigned tag)
{
	size_t k;

	for (k = 0; k < NFIELDS; k++)
		if ((unsigned)codec_fields[k].tag == tag)
			return &codec_fields[k];
	return NULL;
}

static int
codec_malformed(struct ferr *err, const char *why, size_t off)
{
	return ferr_set(err, FULFIL_EINVAL,
	    _("sealed order data is malformed (%s at byte %zu)"), why, off);
}

/* Every required field of one scope is there. */
static int
codec_check_required(int scope, struct order *o, struct order_item *it,
    size_t off, struct ferr *err)
{
	size_t k;

	for (k = 0; k < NFIELDS; k++)
		if (codec_fields[k].scope == scope &&
		    codec_fields[k].required &&
		    *codec_slot(&codec_fields[k], o, it) == NULL)
			return codec_malformed(
			    err, _("a required field is missing"), off);
	return 0;
}

int
orders_codec_decode(const unsigned char *buf, size_t len, struct order *o,
    struct order_item *items, size_t items_cap, struct ferr *err)
{
	const struct codec_field *f;
	struct order_item *it = NULL;
	const char **slot;
	size_t off, nitems, seen = 0, k;
	uint32_t rlen;
	unsigned tag;
	int r;

	if (buf == NULL || len < CODEC_HDR_LEN ||
	    memcmp(buf, CODEC_MAGIC, CODEC_MAGIC_LEN) != 0)
		return codec_malformed(err, _("bad header"), 0);
	if (buf[CODEC_OFF_VERSION] != ORDERS_CODEC_VERSION)
		return codec_malformed(
		    err, _("unknown version"), CODEC_OFF_VERSION);
	if (buf[5] != 0 || buf[6] != 0 || buf[7] != 0)
		return codec_malformed(err, _("reserved bytes set"), 5);
	if (codec_get_le32(buf + CODEC_OFF_LENGTH) != len)
		return codec_malformed(
		    err, _("length does not match"), CODEC_OFF_LENGTH);
	nitems = codec_get_le32(buf + CODEC_OFF_NITEMS);
	if (nitems > items_cap || nitems > ORDER_ITEMS_MAX)
		return codec_malformed(
		    err, _("too many items"), CODEC_OFF_NITEMS);
	for (k = 0; k < NFIELDS; k++)
		if (codec_fields[k].scope == SCOPE_ORDER)
			*codec_slot(&codec_fields[k], o, NULL) = NULL;
	o->nitems = nitems;
	o->items = items;

	for (off = CODEC_HDR_LEN; off < len; off += CODEC_REC_OVERHEAD + rlen) {
		if (len - off < CODEC_REC_OVERHEAD)
			return codec_malformed(err, _("truncated record"), off);
		tag = buf[off];
		rlen = codec_get_le32(buf + off + 1);
		if (rlen > len - off - CODEC_REC_OVERHEAD)
			return codec_malformed(
			    err, _("record overruns the data"), off);
		if (buf[off + 5 + rlen] != '\0')
			return codec_malformed(
			    err, _("unterminated record"), off);
		if (tag == TAG_ITEM) {
			if (it != NULL && (r = codec_check_required(SCOPE_ITEM,
			                       NULL, it, off, err)) != 0)
				return r;
			if (seen == nitems)
				return codec_malformed(
				    err, _("more items than recorded"), off);
			if (rlen != 4)
				return codec_malformed(
				    err, _("bad item record"), off);
			it = &items[seen++];
			memset(it, 0, sizeof *it);
			it->qty = (long)codec_get_le32(buf + off + 5);
			if (it->qty < 1 || it->qty > ORDER_QTY_MAX)
				return codec_malformed(
				    err, _("quantity out of range"), off);
			continue;
		}
		if ((f = codec_field_by_tag(tag)) == NULL)
			return codec_malformed(err, _("unknown record"), off);
		if (f->scope == SCOPE_ITEM && it == NULL)
			return codec_malformed(
			    err, _("item field outside an item"), off);
		if (memchr(buf + off + 5, '\0', rlen) != NULL)
			return codec_malformed(
			    err, _("NUL inside a string"), off);
		slot = codec_slot(f, o, it);
		if (*slot != NULL)
			return codec_malformed(err, _("repeated field"), off);
		*slot = (const char *)(buf + off + 5);
	}
	if (it != NULL &&
	    (r = codec_check_required(SCOPE_ITEM, NULL, it, len, err)) != 0)
		return r;
	if (seen != nitems)
		return codec_malformed(
		    err, _("fewer items than recorded"), len);
	return codec_check_required(SCOPE_ORDER, o, NULL, len, err);
}
