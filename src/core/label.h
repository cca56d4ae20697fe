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
 * Render d into *out (a new secret; caller frees with secret_free),
 * exactly one label (^XA ... ^XZ for ZPL; N ... P1 for EPL2).
 * FULFIL_EINVAL naming the field when a required field (name, line1,
 * postcode, country, ref) is absent or dpi is neither 203 nor 300;
 * FULFIL_ENOMEM.
 */
int label_render(enum label_language lang, int dpi, const struct label_data *d,
    struct secret **out, struct ferr *err);

/* "zpl" / "epl" <-> enum; label_language_parse returns 0 or FULFIL_EINVAL. */
const char *label_language_name(enum label_language lang);
int label_language_parse(const char *s, enum label_language *out);

#endif
