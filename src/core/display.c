/*
 * display: the sanitiser between untrusted text and the screen.
 *
 * Owns the rules of display.h (what is replaced, dropped or kept), a
 * strict UTF-8 decoder of its own (no mbrtowc, so the process locale does
 * not matter), the private C.UTF-8 locale that wcwidth() runs in, and the
 * cutting of text to a number of columns.
 *
 * Must never: let a control character, an escape sequence or a bidi
 * control through, split a character or separate it from its marks,
 * write past the caller's buffer, keep a copy of what it sanitises (the
 * text may be PII: it goes only into the caller's buffer or a secret), or
 * include curses.
 */
#include "config.h"

#include <locale.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "display.h"
#include "ferr.h"
#include "i18n.h"
#include "secret.h"

/* What the decoder hands back for a maximal ill-formed subpart. */
#define CP_INVALID 0xffffffffu
#define CP_REPLACEMENT 0xfffdu
#define CP_ESC 0x1bu

/* ---- the private UTF-8 locale ------------------------------------------ */

static pthread_once_t display_once = PTHREAD_ONCE_INIT;
static locale_t display_locale = (locale_t)0;

static void
display_locale_load(void)
{
	static const char *const names[] = {
		"C.UTF-8", "C.utf8", "en_US.UTF-8", "en_US.utf8",
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		display_locale = newlocale(LC_CTYPE_MASK, names[i],
		    (locale_t)0);
		if (display_locale != (locale_t)0)
			return;
	}
}

static locale_t
display_locale_get(void)
{
	(void)pthread_once(&display_once, display_locale_load);
	return display_locale;
}

int
display_init(struct ferr *err)
{
	if (display_locale_get() == (locale_t)0)
		return ferr_set(err, FULFIL_ECONFIG, _("no UTF-8 locale "
		    "(C.UTF-8) is installed: characters outside ASCII are "
		    "shown as replacement characters"));
	return 0;
}

/* Runs wcwidth() in the private locale for the span of one call. */
struct display_loc {
	locale_t old;
	bool on;
};

static void
display_loc_enter(struct display_loc *l)
{
	locale_t loc = display_locale_get();

	l->on = loc != (locale_t)0;
	if (l->on)
		l->old = uselocale(loc);
}

static void
display_loc_leave(struct display_loc *l)
{
	if (l->on)
		(void)uselocale(l->old);
}

/* Columns of a printable code point, -1 for one wcwidth rejects. */
static int
display_cp_width(const struct display_loc *l, uint32_t cp)
{
	if (cp == CP_REPLACEMENT)
		return 1;
	if (cp >= 0x20 && cp < 0x7f)
		return 1;
	if (!l->on || cp > 0x10ffff)
		return -1;
	return wcwidth((wchar_t)cp);
}

/* ---- decoding ---------------------------------------------------------- */

/*
 * One code point from s (len >= 1 bytes): returns the bytes it took.
 * An ill-formed sequence yields CP_INVALID for its maximal subpart: the
 * lead byte and the continuation bytes that were still possible, so a
 * truncated sequence is one replacement and an overlong form or a
 * surrogate (whose second byte is already out of range) one per byte.
 */
static size_t
display_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		need = 1;
		c = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		need = 2;
		c = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (b == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 3;
		c = b & 0x07;
		if (b == 0xf0)
			lo = 0x90;	/* no overlong forms */
		else if (b == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else {
		*cp = CP_INVALID;	/* 80-C1, F5-FF: never a lead byte */
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*cp = CP_INVALID;
			return i;
		}
		c = c << 6 | (s[i] & 0x3fu);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need + 1;
}

size_t
display_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t r;

	if (n == 0)
		return 0;
	r = display_decode(s, n, cp);
	return *cp == CP_INVALID ? 0 : r;
}

static size_t
display_encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- classes ----------------------------------------------------------- */

/* Line and paragraph breaks and tabs: a field is one line. */
static bool
display_is_break(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 || cp == 0x2028 ||
	    cp == 0x2029;
}

/* Every other C0 control, DEL and C1 control. */
static bool
display_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Bidi controls and invisible format characters, dropped. */
static const struct {
	uint32_t lo, hi;
} display_format_ranges[] = {
	{ 0x061c, 0x061c },	/* ARABIC LETTER MARK */
	{ 0x180e, 0x180e },	/* MONGOLIAN VOWEL SEPARATOR */
	{ 0x200b, 0x200f },	/* ZWSP, ZWNJ, ZWJ, LRM, RLM */
	{ 0x202a, 0x202e },	/* LRE, RLE, PDF, LRO, RLO */
	{ 0x2060, 0x2069 },	/* WJ, invisible operators, LRI..PDI */
	{ 0xfe00, 0xfe0f },	/* variation selectors */
	{ 0xfeff, 0xfeff },	/* BOM / ZWNBSP */
	{ 0xfff9, 0xfffb },	/* interlinear annotation */
	{ 0xe0000, 0xe007f },	/* tags */
	{ 0xe0100, 0xe01ef },	/* variation selectors supplement */
};

static bool
display_is_format(uint32_t cp)
{
	size_t i;

	for (i = 0; i < sizeof display_format_ranges /
	    sizeof display_format_ranges[0]; i++)
		if (cp >= display_format_ranges[i].lo &&
		    cp <= display_format_ranges[i].hi)
			return true;
	return false;
}

bool
display_cp_forbidden(uint32_t cp)
{
	return display_is_break(cp) || display_is_control(cp) ||
	    display_is_format(cp);
}

/* ESC P, X, ], ^, _ (and their C1 forms) open a string up to ST. */
static bool
display_is_string_intro(uint32_t cp)
{
	return cp == 'P' || cp == 'X' || cp == ']' || cp == '^' || cp == '_';
}

static bool
display_is_c1_string_intro(uint32_t cp)
{
	return cp == 0x90 || cp == 0x98 || cp == 0x9d || cp == 0x9e ||
	    cp == 0x9f;
}

/* ---- the engine -------------------------------------------------------- */

enum display_state {
	ST_TEXT,
	ST_ESC,		/* after ESC */
	ST_ESC_INTER,	/* ESC, then intermediates 0x20-0x2F */
	ST_CSI,		/* ESC [ or U+009B, then parameters */
	ST_STRING,	/* OSC, DCS, SOS, PM, APC body */
	ST_STRING_ESC,	/* ESC inside a string: ST if '\' follows */
};

/*
 * The output side. dst NULL only measures. The last boundary between
 * characters at which the text plus the ellipsis still fits is kept, so
 * a cut can go back to it.
 */
struct display_emit {
	unsigned char *dst;
	size_t cap, maxcols;
	size_t len, cols;
	size_t safe_len, safe_cols;
	unsigned marks;		/* after the last base character */
	bool base;		/* a base character was written */
	bool gap;		/* the last character written was a break */
	bool cut;		/* stopped: the rest did not fit */
};

/* Close the cluster before a new base character: maybe a cut point. */
static void
display_emit_boundary(struct display_emit *e)
{
	if (e->cols + 1 <= e->maxcols && e->len + 4 <= e->cap) {
		e->safe_len = e->len;
		e->safe_cols = e->cols;
	}
}

static void
display_emit_cut(struct display_emit *e)
{
	static const unsigned char ell[] = DISPLAY_ELLIPSIS;

	e->len = e->safe_len;
	e->cols = e->safe_cols;
	if (e->maxcols >= 1 && e->cap >= 4 && e->cols + 1 <= e->maxcols &&
	    e->len + 4 <= e->cap) {
		if (e->dst != NULL)
			memcpy(e->dst + e->len, ell, 3);
		e->len += 3;
		e->cols += 1;
	}
	e->cut = true;
}

static void
display_emit_bytes(struct display_emit *e, const unsigned char *b, size_t n)
{
	if (e->dst != NULL)
		memcpy(e->dst + e->len, b, n);
	e->len += n;
}

/* A character of width w (0: a mark on the last base). */
static void
display_emit_cp(struct display_emit *e, uint32_t cp, int w)
{
	unsigned char b[4];
	size_t n = display_encode(cp, b);

	if (w == 0) {
		if (!e->base || e->marks >= DISPLAY_MARKS_MAX)
			return;
		if (e->len + n + 1 > e->cap) {
			display_emit_cut(e);
			return;
		}
		display_emit_bytes(e, b, n);
		e->marks++;
		return;
	}
	display_emit_boundary(e);
	if (e->cols + (size_t)w > e->maxcols || e->len + n + 1 > e->cap) {
		display_emit_cut(e);
		return;
	}
	display_emit_bytes(e, b, n);
	e->cols += (size_t)w;
	e->base = true;
	e->marks = 0;
	e->gap = false;
}

/* A code point of the text (not inside an escape sequence). */
static enum display_state
display_text(struct display_emit *e, const struct display_loc *l,
    uint32_t cp)
{
	int w;

	if (cp == CP_INVALID) {
		display_emit_cp(e, CP_REPLACEMENT, 1);
		return ST_TEXT;
	}
	if (cp == CP_ESC)
		return ST_ESC;
	if (cp == 0x9b)
		return ST_CSI;
	if (display_is_c1_string_intro(cp))
		return ST_STRING;
	if (display_is_break(cp)) {
		if (!e->gap) {
			display_emit_cp(e, ' ', 1);
			e->gap = true;
		}
		return ST_TEXT;
	}
	if (display_is_control(cp) || display_is_format(cp))
		return ST_TEXT;
	w = display_cp_width(l, cp);
	if (w < 0)
		display_emit_cp(e, CP_REPLACEMENT, 1);
	else
		display_emit_cp(e, cp, w);
	return ST_TEXT;
}

/* One step of the escape-sequence machine; false: reprocess cp as text. */
static bool
display_escape(enum display_state *st, uint32_t cp)
{
	switch (*st) {
	case ST_ESC:
		if (cp == '[')
			*st = ST_CSI;
		else if (display_is_string_intro(cp))
			*st = ST_STRING;
		else if (cp >= 0x20 && cp <= 0x2f)
			*st = ST_ESC_INTER;
		else if (cp >= 0x30 && cp <= 0x7e)
			*st = ST_TEXT;
		else
			break;
		return true;
	case ST_ESC_INTER:
		if (cp >= 0x20 && cp <= 0x2f)
			return true;
		if (cp >= 0x30 && cp <= 0x7e) {
			*st = ST_TEXT;
			return true;
		}
		break;
	case ST_CSI:
		if (cp >= 0x20 && cp <= 0x3f)
			return true;
		if (cp >= 0x40 && cp <= 0x7e) {
			*st = ST_TEXT;
			return true;
		}
		break;
	case ST_STRING:
		if (cp == 0x07 || cp == 0x9c || cp == 0x18 || cp == 0x1a)
			*st = ST_TEXT;
		else if (cp == CP_ESC)
			*st = ST_STRING_ESC;
		return true;	/* everything else is swallowed */
	case ST_STRING_ESC:
		if (cp == '\\') {
			*st = ST_TEXT;
			return true;
		}
		/* A terminal ends the string and starts a new sequence. */
		*st = ST_ESC;
		return display_escape(st, cp);
	case ST_TEXT:
		break;
	}
	*st = ST_TEXT;
	return false;
}

static void
display_run(const unsigned char *s, size_t len, struct display_emit *e)
{
	struct display_loc l;
	enum display_state st = ST_TEXT;
	size_t i = 0;
	uint32_t cp;

	display_loc_enter(&l);
	while (i < len && !e->cut) {
		i += display_decode(s + i, len - i, &cp);
		if (st != ST_TEXT && display_escape(&st, cp))
			continue;
		st = display_text(e, &l, cp);
	}
	display_loc_leave(&l);
}

/* ---- interface --------------------------------------------------------- */

int
display_fit(const char *src, size_t len, size_t maxcols, char *dst,
    size_t cap, struct display_out *out)
{
	struct display_emit e;

	if ((src == NULL && len > 0) || (dst == NULL && cap > 0))
		return FULFIL_EINVAL;
	memset(&e, 0, sizeof e);
	e.dst = (unsigned char *)dst;
	e.cap = cap;
	e.maxcols = maxcols;
	if (len > 0)
		display_run((const unsigned char *)src, len, &e);
	if (cap > 0)
		dst[e.len] = '\0';
	if (out != NULL) {
		out->len = e.len;
		out->cols = e.cols;
		out->cut = e.cut;
	}
	return 0;
}

int
display_sanitize(const char *src, size_t len, char *dst, size_t cap,
    struct display_out *out)
{
	return display_fit(src, len, DISPLAY_COLS_ANY, dst, cap, out);
}

size_t
display_sanitized_len(const char *src, size_t len)
{
	struct display_emit e;

	if (src == NULL || len == 0)
		return 0;
	memset(&e, 0, sizeof e);
	e.cap = (size_t)-1;
	e.maxcols = DISPLAY_COLS_ANY;
	display_run((const unsigned char *)src, len, &e);
	return e.len;
}

struct secret *
display_secret_new(const char *src, size_t len, size_t maxcols)
{
	struct display_out o;
	struct secret *s;
	size_t cap;

	if (src == NULL && len > 0)
		return NULL;
	/* A cut part plus the ellipsis is at most 2 bytes longer. */
	cap = display_sanitized_len(src, len) + 3 + 1;
	if ((s = secret_new(cap)) == NULL)
		return NULL;
	(void)display_fit(src, len, maxcols, (char *)s->data, cap, &o);
	s->len = o.len;
	return s;
}

/* Columns of the character at s; *n its bytes. */
static size_t
display_char_cols(const struct display_loc *l, const unsigned char *s,
    size_t len, size_t *n)
{
	uint32_t cp;
	int w;

	*n = display_decode(s, len, &cp);
	if (cp == CP_INVALID)
		return 1;
	w = display_cp_width(l, cp);
	return w < 0 ? 1 : (size_t)w;
}

size_t
display_width(const char *s)
{
	struct display_loc l;
	size_t i = 0, len, n, cols = 0;

	if (s == NULL)
		return 0;
	len = strlen(s);
	display_loc_enter(&l);
	while (i < len) {
		cols += display_char_cols(&l, (const unsigned char *)s + i,
		    len - i, &n);
		i += n;
	}
	display_loc_leave(&l);
	return cols;
}

bool
display_cut(const char *s, size_t cols, size_t *nbytes)
{
	struct display_loc l;
	size_t i = 0, len, n, w, used = 0, safe = 0;
	bool cut = false;

	len = s != NULL ? strlen(s) : 0;
	display_loc_enter(&l);
	while (i < len) {
		w = display_char_cols(&l, (const unsigned char *)s + i,
		    len - i, &n);
		if (w > 0) {
			if (used + 1 <= cols)
				safe = i;	/* the ellipsis fits here */
			if (used + w > cols) {
				cut = true;
				break;
			}
			used += w;
		}
		i += n;
	}
	display_loc_leave(&l);
	*nbytes = cut ? safe : len;
	return cut;
}

size_t
display_char_len(const char *s, size_t len)
{
	struct display_loc l;
	size_t i, n;

	if (s == NULL || len == 0)
		return 0;
	display_loc_enter(&l);
	(void)display_char_cols(&l, (const unsigned char *)s, len, &i);
	while (i < len && display_char_cols(&l, (const unsigned char *)s + i,
	    len - i, &n) == 0)
		i += n;
	display_loc_leave(&l);
	return i;
}
