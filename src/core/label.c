/*
 * label: the dispatch label in ZPL II or EPL2, rendered into locked memory.
 *
 * Owns the layout of the 4x6 in label (one table of slots, in dots at
 * 203 dpi and scaled by 3/2 for 300 dpi, i.e. 8 and 12 dots/mm), the
 * measuring and cutting of text by the width of the printer font, and
 * the escaping of field data for each language:
 *   ZPL  every field is ^FH^FD...^FS under ^CI28; every byte outside
 *        0x20-0x7e and the bytes ^ ~ _ \ become _XX, so the raw stream
 *        holds no byte of field data that a printer could read as a
 *        command prefix, an escape or a control;
 *   EPL  every field is a quoted string; " and \ are escaped, controls
 *        never reach it, and anything that is not ASCII becomes '?'
 *        (EPL2's fonts have no UTF-8).
 * Before either, text goes through the display sanitiser: invalid UTF-8
 * is replaced, controls, escape sequences and bidi controls are dropped,
 * line breaks become spaces. The order ref is printed as text and as
 * Code 128 and must be of the characters Code 128 (subset B) carries
 * without any printer-specific meaning; anything else is refused.
 *
 * Everything that holds field text (the label, the scratch space of the
 * sanitiser, a character being measured) is a struct secret or wiped
 * stack memory. The module never logs, never writes a file, and its
 * messages name the field, never its value.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "display.h"
#include "ferr.h"
#include "i18n.h"
#include "label.h"
#include "orders.h"
#include "secret.h"

/* Dots at 203 dpi (8 dots/mm); 300 dpi (12 dots/mm) is 3/2 of these. */
#define L_PW 812
#define L_LL 1218
#define L_MARGIN 30

/* What a label usually takes: one pooled locked page. */
#define L_INITIAL_CAP 4096

/* Code 128 subset B: 11 modules a symbol, start + check + stop(13). */
#define C128_MODULES(n) (11 * ((n) + 2) + 13)
#define C128_QUIET 10		/* modules of quiet zone each side */

/* Layout slots: where each piece of text goes and in which font. */
enum l_slot {
	SL_SENDER,
	SL_SHIPTO,
	SL_NAME,
	SL_LINE1,
	SL_LINE2,
	SL_CITY,
	SL_POSTCODE,
	SL_COUNTRY,
	SL_SERVICE,
	SL_SHIPBY,
	SL_ITEMS,
	SL_WEIGHT,
	SL_TRACKING,
	SL_ORDER,
	SL_REF,
	SL_NSLOTS
};

/*
 * x, y and width budget in dots at 203 dpi; ZPL font 0 height and width
 * in dots at 203 dpi; EPL2 font number and multipliers (EPL2's fonts
 * keep roughly the same physical size at both densities).
 */
struct l_style {
	int x, y, maxw;
	int zh, zw;
	int ef, ehm, evm;
};

static const struct l_style l_styles[SL_NSLOTS] = {
	[SL_SENDER] = { L_MARGIN, 28, L_PW - 2 * L_MARGIN, 24, 22, 2, 1, 1 },
	[SL_SHIPTO] = { L_MARGIN, 80, 300, 24, 22, 2, 1, 1 },
	[SL_NAME] = { L_MARGIN, 112, L_PW - 2 * L_MARGIN, 56, 50, 4, 2, 2 },
	[SL_LINE1] = { L_MARGIN, 180, L_PW - 2 * L_MARGIN, 40, 36, 4, 1, 1 },
	[SL_LINE2] = { L_MARGIN, 228, L_PW - 2 * L_MARGIN, 40, 36, 4, 1, 1 },
	[SL_CITY] = { L_MARGIN, 276, L_PW - 2 * L_MARGIN, 40, 36, 4, 1, 1 },
	[SL_POSTCODE] = { L_MARGIN, 330, L_PW - 2 * L_MARGIN, 100, 90,
	    4, 3, 3 },
	[SL_COUNTRY] = { L_MARGIN, 440, L_PW - 2 * L_MARGIN, 80, 72,
	    4, 3, 3 },
	[SL_SERVICE] = { L_MARGIN, 560, L_PW - 2 * L_MARGIN, 44, 40,
	    3, 2, 2 },
	[SL_SHIPBY] = { L_MARGIN, 618, L_PW - 2 * L_MARGIN, 32, 28, 3, 1, 1 },
	[SL_ITEMS] = { L_MARGIN, 658, 360, 32, 28, 3, 1, 1 },
	[SL_WEIGHT] = { 420, 658, L_PW - L_MARGIN - 420, 32, 28, 3, 1, 1 },
	[SL_TRACKING] = { L_MARGIN, 698, L_PW - 2 * L_MARGIN, 32, 28,
	    3, 1, 1 },
	[SL_ORDER] = { L_MARGIN, 760, L_PW - 2 * L_MARGIN, 28, 26, 3, 1, 1 },
	[SL_REF] = { L_MARGIN, 796, L_PW - 2 * L_MARGIN, 40, 36, 4, 1, 1 },
};

/* Horizontal rules (y at 203 dpi) and the barcode. */
static const int l_rules[] = { 64, 540, 742 };
#define L_RULE_THICK 3
#define L_BARCODE_Y 856
#define L_BARCODE_H 200
#define L_MODULE 2		/* Code 128 module at 203 dpi; 3 at 300 */

/*
 * Advance widths of printable ASCII in thousandths of the font width:
 * those of Helvetica, which are at least those of the printers' own
 * font 0 (CG Triumvirate Bold Condensed) and of the renderers seen.
 */
static const unsigned short l_ascii_w[95] = {
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333,	/*  !"#$%&'() */
	389, 584, 278, 333, 278, 278, 556, 556, 556, 556,	/* *+,-./0123 */
	556, 556, 556, 556, 556, 556, 278, 278, 584, 584,	/* 456789:;<= */
	584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,	/* >?@ABCDEFG */
	722, 278, 500, 667, 556, 833, 722, 778, 667, 778,	/* HIJKLMNOPQ */
	722, 667, 611, 722, 667, 944, 667, 667, 611, 278,	/* RSTUVWXYZ[ */
	278, 278, 469, 556, 333, 556, 556, 500, 556, 556,	/* \]^_`abcde */
	278, 556, 556, 222, 222, 500, 222, 833, 556, 556,	/* fghijklmno */
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500,	/* pqrstuvwxy */
	500, 334, 260, 334, 584,				/* z{|}~ */
};

/* Anything else: a whole em per column, plus a little to spare. */
#define L_WIDE_W 1100
#define L_SAFETY_PERMILLE 1060	/* measured widths are scaled by this */

/* EPL2 character pitch in dots (cell + gap), fonts 1-5, at 203 and 300. */
static const int l_epl_pitch[2][5] = {
	{ 10, 12, 14, 16, 36 },
	{ 14, 18, 22, 26, 52 },
};

/* The output and what it takes to write it. */
struct l_out {
	enum label_language lang;
	int dpi;
	struct secret *s;	/* the label */
	struct secret *scratch;	/* sanitised field text */
	int err;		/* first failure: FULFIL_ENOMEM */
};

static int
l_scale(const struct l_out *o, int v)
{
	return o->dpi == LABEL_DPI_300 ? v * 3 / 2 : v;
}

static bool
l_reserve(struct l_out *o, size_t more)
{
	size_t want, cap;

	if (o->err != 0)
		return false;
	if (more > SIZE_MAX / 2 - o->s->len) {
		o->err = FULFIL_ENOMEM;
		return false;
	}
	want = o->s->len + more;
	if (want <= o->s->cap)
		return true;
	cap = o->s->cap > 0 ? o->s->cap : L_INITIAL_CAP;
	while (cap < want)
		cap *= 2;
	if (secret_reserve(o->s, cap) != 0) {
		o->err = FULFIL_ENOMEM;
		return false;
	}
	return true;
}

static void
l_put(struct l_out *o, const char *p, size_t n)
{
	if (!l_reserve(o, n))
		return;
	memcpy(o->s->data + o->s->len, p, n);
	o->s->len += n;
}

static void
l_puts(struct l_out *o, const char *p)
{
	l_put(o, p, strlen(p));
}

/* Commands and numbers only: never field data (it would pass the stack). */
static void
l_cmd(struct l_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
l_cmd(struct l_out *o, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf) {
		o->err = FULFIL_EINVAL;
		return;
	}
	l_put(o, buf, (size_t)n);
}

/* ---- measuring --------------------------------------------------------- */

/* Width of one sanitised character at s[0..n) in thousandths of an em. */
static unsigned
l_char_permille(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	char one[8];
	size_t cols;

	if (n == 1 && c >= 0x20 && c < 0x7f)
		return l_ascii_w[c - 0x20];
	if (n >= sizeof one)
		return 2 * L_WIDE_W;
	memcpy(one, s, n);
	one[n] = '\0';
	cols = display_width(one);
	secret_wipe(one, sizeof one);
	return cols >= 2 ? 2 * L_WIDE_W : L_WIDE_W;
}

/* Dots a character of the given width takes in font 0 of width font_w. */
static long
l_permille_dots(unsigned permille, int font_w)
{
	return ((long)permille * font_w * L_SAFETY_PERMILLE + 999999) /
	    1000000;
}

/* Dots one character takes in the given slot's font. */
static long
l_char_dots(const struct l_out *o, const struct l_style *st, const char *s,
    size_t n)
{
	if (o->lang == LABEL_EPL)
		return (long)label_epl_pitch(o->dpi, st->ef) * st->ehm;
	return l_permille_dots(l_char_permille(s, n), l_scale(o, st->zw));
}

/* Length of the sanitised character at s (len bytes left), >= 1. */
static size_t
l_next(const char *s, size_t len)
{
	uint32_t cp;
	size_t n = display_utf8_next((const unsigned char *)s, len, &cp);

	return n > 0 ? n : 1;	/* cannot happen: the text is sanitised */
}

long
label_text_width(enum label_language lang, int font_w, const char *s,
    size_t len)
{
	long w = 0;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = l_next(s + i, len - i);
		if (lang == LABEL_EPL)
			w += font_w;
		else
			w += l_permille_dots(l_char_permille(s + i, n), font_w);
	}
	return w;
}

int
label_epl_pitch(int dpi, int font)
{
	if (font < 1 || font > 5)
		return 0;
	return l_epl_pitch[dpi == LABEL_DPI_300][font - 1];
}

/* ---- escaping ---------------------------------------------------------- */

static const char l_hex[] = "0123456789ABCDEF";

static bool
l_zpl_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '^' && c != '~' && c != '_' &&
	    c != '\\';
}

/* n bytes of text into a ^FH field: _XX for everything not plain. */
static void
l_zpl_escape(struct l_out *o, const char *s, size_t n)
{
	unsigned char *d;
	size_t i;

	if (!l_reserve(o, n * 3))
		return;
	d = o->s->data + o->s->len;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (l_zpl_plain(c)) {
			*d++ = c;
		} else {
			*d++ = '_';
			*d++ = (unsigned char)l_hex[c >> 4];
			*d++ = (unsigned char)l_hex[c & 0xf];
		}
	}
	o->s->len = (size_t)(d - o->s->data);
}

/*
 * n bytes of sanitised text into an EPL2 quoted string: printable ASCII
 * stays (" and \ escaped), each other character becomes one '?'.
 */
static void
l_epl_escape(struct l_out *o, const char *s, size_t n)
{
	unsigned char *d;
	size_t i, k;

	if (!l_reserve(o, n * 2))
		return;
	d = o->s->data + o->s->len;
	for (i = 0; i < n; i += k) {
		unsigned char c = (unsigned char)s[i];

		k = l_next(s + i, n - i);
		if (k == 1 && c >= 0x20 && c < 0x7f) {
			if (c == '"' || c == '\\')
				*d++ = '\\';
			*d++ = c;
		} else {
			*d++ = '?';
		}
	}
	o->s->len = (size_t)(d - o->s->data);
}

/* ---- fields ------------------------------------------------------------ */

static bool
l_present(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/*
 * Sanitise src (valid UTF-8, one line, no controls) and append it to
 * o->scratch. Returns the bytes appended; 0 when nothing printable is
 * left.
 */
static size_t
l_sanitize(struct l_out *o, const char *src)
{
	struct display_out dout;
	size_t len = strlen(src), have = o->scratch->len;
	size_t cap = have + DISPLAY_BOUND(len);

	if (o->err != 0)
		return 0;
	if (cap > o->scratch->cap && secret_reserve(o->scratch, cap) != 0) {
		o->err = FULFIL_ENOMEM;
		return 0;
	}
	if (display_fit(src, len, DISPLAY_COLS_ANY,
	    (char *)o->scratch->data + have, o->scratch->cap - have,
	    &dout) != 0) {
		o->err = FULFIL_EINVAL;
		return 0;
	}
	o->scratch->len += dout.len;
	return dout.len;
}

static bool
l_reserve_scratch(struct l_out *o, size_t more)
{
	if (o->err != 0)
		return false;
	if (o->scratch->len + more > o->scratch->cap &&
	    secret_reserve(o->scratch, o->scratch->len + more) != 0) {
		o->err = FULFIL_ENOMEM;
		return false;
	}
	return true;
}

static void
l_escape(struct l_out *o, const char *s, size_t n)
{
	if (o->lang == LABEL_ZPL)
		l_zpl_escape(o, s, n);
	else
		l_epl_escape(o, s, n);
}

/*
 * One text field in slot sl: caption (our own ASCII, may be "") then
 * value (already sanitised, vlen bytes), cut by measured width so that
 * caption + value (+ "..." when cut) fit the slot's budget.
 */
static void
l_field_st(struct l_out *o, const struct l_style *st, const char *caption,
    const char *value, size_t vlen)
{
	long budget = l_scale(o, st->maxw), used = 0, dots_dots;
	size_t i, n, keep = 0, clen = strlen(caption);
	bool cut = false;
	int x = l_scale(o, st->x), y = l_scale(o, st->y);

	dots_dots = 3 * l_char_dots(o, st, ".", 1);
	for (i = 0; i < clen; i++)
		used += l_char_dots(o, st, caption + i, 1);
	for (i = 0; i < vlen; i += n) {
		long w;

		n = l_next(value + i, vlen - i);
		w = l_char_dots(o, st, value + i, n);
		if (used + w > budget) {
			cut = true;
			break;
		}
		used += w;
		keep = i + n;
	}
	if (cut) {
		/* Make room for "..." by dropping characters from the end. */
		while (keep > 0 && used + dots_dots > budget) {
			size_t j = 0, last = 0;

			for (j = 0; j < keep; j += l_next(value + j, keep - j))
				last = j;
			used -= l_char_dots(o, st, value + last, keep - last);
			keep = last;
		}
	}
	if (o->lang == LABEL_ZPL) {
		l_cmd(o, "^FO%d,%d^A0N,%d,%d^FH^FD", x, y, l_scale(o, st->zh),
		    l_scale(o, st->zw));
		l_escape(o, caption, clen);
		l_escape(o, value, keep);
		if (cut)
			l_puts(o, "...");
		l_puts(o, "^FS\n");
	} else {
		l_cmd(o, "A%d,%d,0,%d,%d,%d,N,\"", x, y, st->ef, st->ehm,
		    st->evm);
		l_escape(o, caption, clen);
		l_escape(o, value, keep);
		if (cut)
			l_puts(o, "...");
		l_puts(o, "\"\n");
	}
}

static void
l_field(struct l_out *o, enum l_slot sl, const char *caption,
    const char *value, size_t vlen)
{
	l_field_st(o, &l_styles[sl], caption, value, vlen);
}

/* Dots n bytes of sanitised text take in st's font. */
static long
l_dots(const struct l_out *o, const struct l_style *st, const char *s,
    size_t n)
{
	long w = 0;
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = l_next(s + i, n - i);
		w += l_char_dots(o, st, s + i, k);
	}
	return w;
}

/*
 * The ref as text: never cut (it is what a person types when the barcode
 * will not scan), so a long one is set in a narrower font instead. It is
 * of LABEL_REF_CHARS (checked), so it needs no sanitising.
 */
static void
l_ref_text(struct l_out *o, const char *ref)
{
	static const char caption[] = "Ref: ";
	struct l_style st = l_styles[SL_REF];
	size_t n = strlen(ref);

	while (o->lang == LABEL_ZPL && st.zw > st.zh / 3 &&
	    l_dots(o, &st, caption, sizeof caption - 1) +
	    l_dots(o, &st, ref, n) > l_scale(o, st.maxw))
		st.zw--;
	l_field_st(o, &st, caption, ref, n);
}

/* A field of untrusted text: sanitised, then placed. */
static void
l_text(struct l_out *o, enum l_slot sl, const char *caption, const char *src)
{
	size_t n;

	if (!l_present(src))
		return;
	n = l_sanitize(o, src);
	if (n > 0)
		l_field(o, sl, caption, (const char *)o->scratch->data, n);
	secret_clear(o->scratch);
}

/* A field of our own making (numbers, dates). */
static void
l_own(struct l_out *o, enum l_slot sl, const char *text)
{
	l_field(o, sl, "", text, strlen(text));
}

static void
l_rule(struct l_out *o, int y203)
{
	int x = l_scale(o, L_MARGIN), y = l_scale(o, y203);
	int w = l_scale(o, L_PW - 2 * L_MARGIN), t = l_scale(o, L_RULE_THICK);

	if (o->lang == LABEL_ZPL)
		l_cmd(o, "^FO%d,%d^GB%d,%d,%d^FS\n", x, y, w, t, t);
	else
		l_cmd(o, "LO%d,%d,%d,%d\n", x, y, w, t);
}

/* ---- the ref and its barcode --------------------------------------------- */

static int
l_check_ref(const char *ref, int dpi, struct ferr *err)
{
	size_t n = strlen(ref), max;
	int pw = dpi == LABEL_DPI_300 ? L_PW * 3 / 2 : L_PW;
	int module = dpi == LABEL_DPI_300 ? L_MODULE * 3 / 2 : L_MODULE;
	int margin = dpi == LABEL_DPI_300 ? L_MARGIN * 3 / 2 : L_MARGIN;

	if (strspn(ref, LABEL_REF_CHARS) != n)
		return ferr_set(err, FULFIL_EINVAL, _("label: the order ref "
		    "has characters Code 128 on the label cannot carry (it "
		    "may hold letters, digits and - . / : + #)"));
	for (max = 0; (C128_MODULES((long)max + 1) + 2 * C128_QUIET) *
	    module <= pw - 2 * margin; max++)
		;
	if (n > max)
		return ferr_set(err, FULFIL_EINVAL, _("label: the order ref "
		    "is longer than the %zu characters its Code 128 barcode "
		    "can take on the label"), max);
	return 0;
}

static void
l_barcode(struct l_out *o, const char *ref)
{
	size_t n = strlen(ref);
	int module = l_scale(o, L_MODULE);
	int width = C128_MODULES((int)n) * module;
	int x = (l_scale(o, L_PW) - width) / 2, y = l_scale(o, L_BARCODE_Y);
	int h = l_scale(o, L_BARCODE_H);

	/* The ref is of LABEL_REF_CHARS: nothing to escape, nothing special. */
	if (o->lang == LABEL_ZPL) {
		l_cmd(o, "^BY%d,3,%d^FO%d,%d^BCN,%d,N,N,N^FD", module, h, x, y,
		    h);
		l_put(o, ref, n);
		l_puts(o, "^FS\n");
	} else {
		l_cmd(o, "B%d,%d,0,1,%d,%d,%d,N,\"", x, y, module, module * 3,
		    h);
		l_put(o, ref, n);
		l_puts(o, "\"\n");
	}
}

/* ---- the label ----------------------------------------------------------- */

static const struct {
	const char *field;
	size_t off;
} l_required[] = {
	{ "name", offsetof(struct label_data, name) },
	{ "line1", offsetof(struct label_data, line1) },
	{ "postcode", offsetof(struct label_data, postcode) },
	{ "country", offsetof(struct label_data, country) },
	{ "ref", offsetof(struct label_data, ref) },
};

static int
l_check(int dpi, const struct label_data *d, struct ferr *err)
{
	size_t i;

	if (dpi != LABEL_DPI_203 && dpi != LABEL_DPI_300)
		return ferr_set(err, FULFIL_EINVAL, _("label: %d dpi is not "
		    "supported (203 or 300)"), dpi);
	for (i = 0; i < sizeof l_required / sizeof l_required[0]; i++) {
		const char *v = *(const char *const *)((const char *)d +
		    l_required[i].off);

		if (!l_present(v) || display_sanitized_len(v, strlen(v)) == 0)
			return ferr_set(err, FULFIL_EINVAL, _("label: required "
			    "field %s is missing or empty"),
			    l_required[i].field);
	}
	return l_check_ref(d->ref, dpi, err);
}

static void
l_header(struct l_out *o)
{
	int pw = l_scale(o, L_PW), ll = l_scale(o, L_LL);

	if (o->lang == LABEL_ZPL) {
		l_puts(o, "^XA\n^CI28\n");
		l_cmd(o, "^PW%d\n^LL%d\n^LH0,0\n", pw, ll);
	} else {
		/* A blank line first ends whatever a previous job left. */
		l_cmd(o, "\nN\nq%d\nQ%d,%d\n", pw, ll, l_scale(o, 24));
	}
}

static void
l_footer(struct l_out *o)
{
	l_puts(o, o->lang == LABEL_ZPL ? "^XZ\n" : "P1\n");
}

static void
l_body(struct l_out *o, const struct label_data *d)
{
	char num[64];
	size_t i;
	struct tm tm;

	l_text(o, SL_SENDER, "From: ", d->sender);
	l_own(o, SL_SHIPTO, "SHIP TO:");
	l_text(o, SL_NAME, "", d->name);
	l_text(o, SL_LINE1, "", d->line1);
	l_text(o, SL_LINE2, "", d->line2);
	/* "City, Region" in one field, each part sanitised on its own. */
	if (l_sanitize(o, l_present(d->city) ? d->city : "") > 0 &&
	    l_present(d->region)) {
		size_t comma = o->scratch->len;

		if (l_reserve_scratch(o, 2)) {
			memcpy(o->scratch->data + comma, ", ", 2);
			o->scratch->len += 2;
			if (l_sanitize(o, d->region) == 0)
				o->scratch->len = comma;
		}
	} else if (l_present(d->region)) {
		l_sanitize(o, d->region);
	}
	if (o->scratch->len > 0)
		l_field(o, SL_CITY, "", (const char *)o->scratch->data,
		    o->scratch->len);
	secret_clear(o->scratch);
	l_text(o, SL_POSTCODE, "", d->postcode);
	l_text(o, SL_COUNTRY, "", d->country);
	l_text(o, SL_SERVICE, "Service: ", d->service);
	if (d->ship_by > 0 && gmtime_r(&(time_t){ (time_t)d->ship_by },
	    &tm) != NULL) {
		snprintf(num, sizeof num, "Ship by: %04d-%02d-%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		l_own(o, SL_SHIPBY, num);
	}
	snprintf(num, sizeof num, "Items: %ld", d->items);
	l_own(o, SL_ITEMS, num);
	if (d->weight_g >= 0) {
		snprintf(num, sizeof num, "Weight: %ld.%03ld kg",
		    d->weight_g / 1000, d->weight_g % 1000);
		l_own(o, SL_WEIGHT, num);
	}
	l_text(o, SL_TRACKING, "Tracking: ", d->tracking);
	l_text(o, SL_ORDER, "Order: ", d->order_id);
	l_ref_text(o, d->ref);
	for (i = 0; i < sizeof l_rules / sizeof l_rules[0]; i++)
		l_rule(o, l_rules[i]);
	l_barcode(o, d->ref);
}

int
label_render(enum label_language lang, int dpi, const struct label_data *d,
    struct secret **out, struct ferr *err)
{
	struct l_out o;
	int r;

	if (out == NULL || d == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("label: no label data"));
	*out = NULL;
	if (lang != LABEL_ZPL && lang != LABEL_EPL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("label: unknown printer language"));
	if ((r = l_check(dpi, d, err)) != 0)
		return r;
	memset(&o, 0, sizeof o);
	o.lang = lang;
	o.dpi = dpi;
	o.s = secret_pool_get(L_INITIAL_CAP);
	o.scratch = secret_pool_get(1024);
	if (o.s == NULL || o.scratch == NULL) {
		secret_pool_put(o.s);
		secret_pool_put(o.scratch);
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	}
	l_header(&o);
	l_body(&o, d);
	l_footer(&o);
	secret_pool_put(o.scratch);
	if (o.err != 0) {
		secret_pool_put(o.s);
		if (o.err == FULFIL_ENOMEM)
			return ferr_set(err, FULFIL_ENOMEM,
			    _("out of memory"));
		return ferr_set(err, o.err, _("label: cannot lay out the "
		    "label"));
	}
	*out = o.s;
	return 0;
}

void
label_data_from_order(struct label_data *d, const struct order *o,
    const char *sender)
{
	size_t i;
	long items = 0;

	memset(d, 0, sizeof *d);
	d->sender = sender;
	d->name = o->ship_to.name;
	d->line1 = o->ship_to.line1;
	d->line2 = o->ship_to.line2;
	d->city = o->ship_to.city;
	d->region = o->ship_to.region;
	d->postcode = o->ship_to.postcode;
	d->country = o->ship_to.country;
	d->service = o->service;
	d->order_id = o->id;
	d->ref = o->ref;
	d->tracking = NULL;
	for (i = 0; i < o->nitems; i++)
		if (o->items[i].qty > 0)
			items += o->items[i].qty;
	d->items = items;
	d->weight_g = -1;
	d->ship_by = o->ship_by;
}

static const char *const l_names[] = {
	[LABEL_ZPL] = "zpl",
	[LABEL_EPL] = "epl",
};

const char *
label_language_name(enum label_language lang)
{
	if ((unsigned)lang < sizeof l_names / sizeof l_names[0])
		return l_names[lang];
	return "?";
}

int
label_language_parse(const char *s, enum label_language *out)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof l_names / sizeof l_names[0]; i++) {
		if (strcmp(s, l_names[i]) == 0) {
			if (out != NULL)
				*out = (enum label_language)i;
			return 0;
		}
	}
	return FULFIL_EINVAL;
}
