/*
 * label: the dispatch label, rendered in locked memory (R10, R11).
 *
 * A 4x6 in label in ZPL II (default) or EPL2, at 203 or 300 dpi: sender
 * block, recipient name and address (postcode and country prominent),
 * service, order ref as text and as Code 128, tracking number when known,
 * item count, weight when recorded, ship-by. Every piece of field data is
 * escaped so that no byte of it can become a printer command: ZPL fields
 * go through ^FH hex escaping under ^CI28 (UTF-8), EPL2 fields are quoted
 * with their quotes and backslashes escaped and control bytes dropped.
 * Long lines are cut by measured width so nothing overflows the label.
 *
 * The output buffer is a struct secret (locked, wiped when freed); the
 * label module never writes anywhere else, never logs, and its messages
 * name the field, never its value. See doc/label-format.md.
 */
#ifndef FULFIL_LABEL_H
#define FULFIL_LABEL_H

#include <stddef.h>
#include <stdint.h>

#include "ferr.h"
#include "secret.h"

struct order;

enum label_language {
	LABEL_ZPL = 0,
	LABEL_EPL = 1,
};

/* Print density; the label is 4x6 in (812 x 1218 dots at 203 dpi). */
#define LABEL_DPI_203 203
#define LABEL_DPI_300 300

/*
 * What the label prints. Strings are borrowed (from a decrypted order in
 * locked memory, or the configuration); NULL or "" means absent.
 */
struct label_data {
	const char *sender;	/* [printer] sender, one line */
	const char *name, *line1, *line2, *city, *region, *postcode,
	    *country;
	const char *service;
	const char *order_id;
	const char *ref;	/* text and Code 128 */
	const char *tracking;	/* NULL until known */
	long items;		/* sum of quantities */
	long weight_g;		/* < 0: not recorded */
	int64_t ship_by;	/* unix seconds, printed as UTC date */
};

/* Fill *d from a decrypted order (strings borrowed from o). */
void label_data_from_order(struct label_data *d, const struct order *o,
    const char *sender);

/*
 * Render d into *out (a new secret; caller frees with secret_free, or
 * gives it back with secret_pool_put, which is cheaper in a hot loop),
 * exactly one label (^XA ... ^XZ for ZPL; N ... P1 for EPL2).
 * FULFIL_EINVAL naming the field when a required field (name, line1,
 * postcode, country, ref) is absent (or nothing printable is left of
 * it), dpi is neither 203 nor 300, or the ref holds characters other
 * than LABEL_REF_CHARS or is too long for its barcode; FULFIL_ENOMEM.
 */
int label_render(enum label_language lang, int dpi, const struct label_data *d,
    struct secret **out, struct ferr *err);

/* What an order ref may hold to be printed as Code 128 (subset B). */
#define LABEL_REF_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789-./:+#"

/*
 * The measure the layout cuts text by (for tests and the preview): the
 * width in dots of len bytes of sanitised UTF-8 (what display_fit
 * makes) in ZPL font 0 of character width font_w dots, or for EPL in a
 * fixed font of pitch font_w dots (one pitch per character).
 */
long label_text_width(enum label_language lang, int font_w, const char *s,
    size_t len);

/* EPL2 character pitch in dots of font 1-5 at dpi (multiplier 1); 0 else. */
int label_epl_pitch(int dpi, int font);

/* "zpl" / "epl" <-> enum; label_language_parse returns 0 or FULFIL_EINVAL. */
const char *label_language_name(enum label_language lang);
int label_language_parse(const char *s, enum label_language *out);

#endif
