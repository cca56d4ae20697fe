/*
 * test_display: the display sanitiser. Table-driven: escape sequences
 * (CSI, OSC 52, OSC 8, DCS, two-byte ESC, C1 forms), \r, \b, DEL, C1
 * controls as UTF-8 and as raw bytes, every bidi and invisible format
 * character, every kind of invalid UTF-8, wide CJK, combining marks,
 * emoji; cutting to exact widths with wide characters at the boundary;
 * empty and 1 MB inputs; and properties every output must have (valid
 * UTF-8, no control, no format character, idempotent), also over
 * pseudo-random input.
 */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "display.h"
#include "ferr.h"
#include "secret.h"

#define R DISPLAY_REPLACEMENT
#define ELL DISPLAY_ELLIPSIS
/* A literal and its length (it may hold NUL bytes). */
#define B(s) (s), (sizeof(s) - 1)

struct san_case {
	const char *name;
	const char *in;
	size_t inlen;
	const char *want;
	size_t cols;
};

static const struct san_case san_cases[] = {
	{ "empty", B(""), "", 0 },
	{ "plain ASCII", B("Hello, World"), "Hello, World", 12 },
	{ "space kept", B(" a  b "), " a  b ", 6 },
	/* escape sequences go whole */
	{ "CSI colour", B("\x1b[31mRed\x1b[0m"), "Red", 3 },
	{ "CSI clear + home", B("A\x1b[2J\x1b[HB"), "AB", 2 },
	{ "CSI private mode", B("\x1b[?1049hX\x1b[?25l"), "X", 1 },
	{ "CSI cursor up", B("one\x1b[1Atwo"), "onetwo", 6 },
	{ "CSI with intermediate", B("a\x1b[1 qb"), "ab", 2 },
	{ "OSC 52 clipboard, BEL", B("x\x1b]52;c;SGVsbG8=\x07y"), "xy", 2 },
	{ "OSC 52 clipboard, ST", B("x\x1b]52;c;SGVsbG8=\x1b\\y"), "xy", 2 },
	{ "OSC 0 title unterminated", B("x\x1b]0;owned"), "x", 1 },
	{ "OSC 8 hyperlink", B("\x1b]8;;https://evil.example/\x1b\\click"
	    "\x1b]8;;\x1b\\"), "click", 5 },
	{ "OSC ended by ESC + other", B("a\x1b]0;t\x1b" "cb"), "ab", 2 },
	{ "OSC aborted by CAN", B("a\x1b]0;t\x18" "b"), "ab", 2 },
	{ "DCS sixel", B("\x1bPq#0;2;0;0;0~~\x1b\\ok"), "ok", 2 },
	{ "APC, PM, SOS", B("\x1b_a\x1b\\\x1b^b\x1b\\\x1bX" "c\x1b\\d"), "d",
	    1 },
	{ "ESC c (reset)", B("a\x1b" "cb"), "ab", 2 },
	{ "ESC 7 / ESC 8", B("a\x1b" "7b\x1b" "8c"), "abc", 3 },
	{ "ESC ( 0 charset", B("a\x1b(0b"), "ab", 2 },
	{ "ESC # 8 screen fill", B("a\x1b#8b"), "ab", 2 },
	{ "ESC at the end", B("abc\x1b"), "abc", 3 },
	{ "CSI at the end", B("abc\x1b[3"), "abc", 3 },
	{ "ESC ESC [", B("a\x1b\x1b[31mb"), "ab", 2 },
	{ "CSI aborted by a control", B("a\x1b[3\nb"), "a b", 3 },
	{ "ESC then non-ASCII", B("a\x1b\xc3\xa9"), "a\xc3\xa9", 2 },
	/* C0, DEL */
	{ "CR", B("abc\rXYZ"), "abc XYZ", 7 },
	{ "CRLF", B("a\r\nb"), "a b", 3 },
	{ "blank lines", B("a\r\n\r\n\tb"), "a b", 3 },
	{ "TAB", B("a\tb"), "a b", 3 },
	{ "VT FF", B("a\x0b\x0c" "b"), "a b", 3 },
	{ "backspaces", B("abc\b\b\bXYZ"), "abcXYZ", 6 },
	{ "NUL and BEL", B("a\0b\x07" "c"), "abc", 3 },
	{ "other C0", B("\x01\x02\x0e\x0f\x10\x1a\x1c\x1d\x1e\x1f" "z"), "z",
	    1 },
	{ "DEL", B("a\x7f" "b"), "ab", 2 },
	/* C1 as UTF-8 */
	{ "C1 CSI U+009B", B("a\xc2\x9b" "31mb"), "ab", 2 },
	{ "C1 OSC U+009D to ST U+009C", B("a\xc2\x9d" "0;t\xc2\x9c" "b"),
	    "ab", 2 },
	{ "C1 DCS U+0090", B("a\xc2\x90q\x07" "b"), "ab", 2 },
	{ "C1 NEL U+0085", B("a\xc2\x85" "b"), "a b", 3 },
	{ "C1 PAD U+0080", B("a\xc2\x80" "b"), "ab", 2 },
	{ "C1 IND..ST", B("a\xc2\x84\xc2\x88\xc2\x8d\xc2\x8e\xc2\x9a" "b"),
	    "ab", 2 },
	/* C1 as raw bytes: invalid UTF-8, never a control */
	{ "raw 0x9B", B("a\x9b" "31mb"), "a" R "31mb", 6 },
	{ "raw 0x85", B("a\x85" "b"), "a" R "b", 3 },
	{ "raw 0x9D", B("a\x9d" "0;x"), "a" R "0;x", 5 },
	/* other line breaks */
	{ "U+2028 U+2029", B("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c"), "a b c",
	    5 },
	/* invalid UTF-8: one U+FFFD per maximal ill-formed subpart */
	{ "lone continuation", B("\x80"), R, 1 },
	{ "two continuations", B("\xbf\xbf"), R R, 2 },
	{ "overlong 2-byte C0", B("\xc0\xaf"), R R, 2 },
	{ "overlong 2-byte C1", B("\xc1\xbf"), R R, 2 },
	{ "overlong 3-byte", B("\xe0\x80\xaf"), R R R, 3 },
	{ "overlong 4-byte", B("\xf0\x80\x80\xaf"), R R R R, 4 },
	{ "surrogate high", B("\xed\xa0\x80"), R R R, 3 },
	{ "surrogate low", B("\xed\xbf\xbf"), R R R, 3 },
	{ "past U+10FFFF", B("\xf4\x90\x80\x80"), R R R R, 4 },
	{ "lead F5", B("\xf5\x80\x80\x80"), R R R R, 4 },
	{ "FE FF", B("\xfe\xff"), R R, 2 },
	{ "truncated 2-byte at end", B("a\xc3"), "a" R, 2 },
	{ "truncated 3-byte", B("\xe2\x82x"), R "x", 2 },
	{ "truncated 4-byte", B("\xf0\x9f\x98!"), R "!", 2 },
	{ "truncated 3-byte at end", B("\xe0\xa0"), R, 1 },
	{ "lead then lead", B("\xc3\xc3\xa9"), R "\xc3\xa9", 2 },
	{ "noncharacter U+FFFE", B("a\xef\xbf\xbe" "b"), "a" R "b", 3 },
	{ "noncharacter U+FDD0", B("\xef\xb7\x90"), R, 1 },
	{ "unassigned U+0378", B("\xcd\xb8"), R, 1 },
	{ "literal U+FFFD kept", B(R "x"), R "x", 2 },
	/* width */
	{ "Latin-1", B("caf\xc3\xa9"), "caf\xc3\xa9", 4 },
	{ "CJK wide", B("\xe4\xb8\xad\xe6\x96\x87"), "\xe4\xb8\xad\xe6\x96\x87",
	    4 },
	{ "fullwidth A", B("\xef\xbc\xa1"), "\xef\xbc\xa1", 2 },
	{ "Hangul", B("\xed\x95\x9c"), "\xed\x95\x9c", 2 },
	{ "emoji", B("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80", 2 },
	{ "combining acute", B("e\xcc\x81"), "e\xcc\x81", 1 },
	{ "combining without base", B("\xcc\x81" "abc"), "abc", 3 },
	{ "combining after a dropped ESC keeps its base",
	    B("e\x1b[0m\xcc\x81"), "e\xcc\x81", 1 },
	{ "stacked marks capped", B("a\xcc\x81\xcc\x82\xcc\x83\xcc\x84"
	    "\xcc\x85\xcc\x86\xcc\x87"), "a\xcc\x81\xcc\x82\xcc\x83\xcc\x84",
	    1 },
	{ "emoji ZWJ sequence split", B("\xf0\x9f\x91\xa8\xe2\x80\x8d"
	    "\xf0\x9f\x91\xa9"), "\xf0\x9f\x91\xa8\xf0\x9f\x91\xa9", 4 },
	{ "emoji + VS16", B("\xe2\x9d\xa4\xef\xb8\x8f"), "\xe2\x9d\xa4", 1 },
	{ "tag characters", B("a\xf3\xa0\x81\x81\xf3\xa0\x81\xbf" "b"), "ab",
	    2 },
	/* bidi: the "Trojan Source" reordering */
	{ "RLO inside a name", B("abc\xe2\x80\xae" "fed"), "abcfed", 6 },
	{ "RLI .. PDI", B("\xe2\x81\xa7" "x\xe2\x81\xa9"), "x", 1 },
	{ "Arabic kept", B("\xd8\xb9\xd9\x84\xd9\x8a"),
	    "\xd8\xb9\xd9\x84\xd9\x8a", 3 },
};

/* Every character display.h promises to drop (bidi and invisible). */
static const uint32_t format_cps[] = {
	0x061c, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a,
	0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2061, 0x2062, 0x2063,
	0x2064, 0x2065, 0x2066, 0x2067, 0x2068, 0x2069, 0xfe00, 0xfe0f,
	0xfeff, 0xfff9, 0xfffa, 0xfffb, 0xe0001, 0xe0020, 0xe007f, 0xe0100,
	0xe01ef,
};

static size_t
enc(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A strict decoder of the test's own; -1 on invalid input. */
static int
dec(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char b = s[0];
	int n, i;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf)
		n = 2, c = b & 0x1f;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3, c = b & 0x0f;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4, c = b & 0x07;
	else
		return -1;
	if ((size_t)n > len)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return n;
}

/*
 * What every output must be: valid UTF-8, no C0/C1 control, DEL or
 * format character, no mark at the start. Returns a reason or NULL.
 */
static const char *
unclean(const char *s, size_t len)
{
	size_t i = 0, k;
	uint32_t cp;
	int n;

	if (strlen(s) != len)
		return "length or embedded NUL";
	while (i < len) {
		if ((n = dec((const unsigned char *)s + i, len - i, &cp)) < 0)
			return "invalid UTF-8";
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return "control character";
		if (cp == 0x2028 || cp == 0x2029)
			return "line separator";
		for (k = 0; k < sizeof format_cps / sizeof format_cps[0]; k++)
			if (cp == format_cps[k])
				return "format character";
		if ((cp >= 0xe0000 && cp <= 0xe007f) || (cp >= 0xfe00 &&
		    cp <= 0xfe0f))
			return "format character";
		if (i == 0 && cp >= 0x300 && cp <= 0x36f)
			return "mark without base";
		i += (size_t)n;
	}
	return NULL;
}

static void
assert_clean(const char *what, const char *s, size_t len)
{
	const char *why = unclean(s, len);

	if (why != NULL)
		fail_msg("%s: output not clean: %s", what, why);
}

/* Sanitise into a fresh heap buffer of the documented bound. */
static char *
sanitize(const char *in, size_t len, struct display_out *o)
{
	char *buf = malloc(DISPLAY_BOUND(len));

	assert_non_null(buf);
	assert_int_equal(display_sanitize(in, len, buf, DISPLAY_BOUND(len),
	    o), 0);
	return buf;
}

static void
test_cases(void **state)
{
	struct display_out o, o2;
	size_t i;
	char *out, *again;

	(void)state;
	for (i = 0; i < sizeof san_cases / sizeof san_cases[0]; i++) {
		const struct san_case *c = &san_cases[i];

		out = sanitize(c->in, c->inlen, &o);
		if (strcmp(out, c->want) != 0 || o.len != strlen(c->want) ||
		    o.cols != c->cols || o.cut)
			fail_msg("case '%s': len %zu cols %zu cut %d", c->name,
			    o.len, o.cols, (int)o.cut);
		assert_clean(c->name, out, o.len);
		assert_int_equal(display_sanitized_len(c->in, c->inlen), o.len);
		assert_int_equal(display_width(out), c->cols);
		/* Sanitising a sanitised string changes nothing. */
		again = sanitize(out, o.len, &o2);
		if (strcmp(again, out) != 0 || o2.cols != o.cols)
			fail_msg("case '%s': not idempotent", c->name);
		free(again);
		free(out);
	}
}

static void
test_every_format_char(void **state)
{
	char in[16], out[DISPLAY_BOUND(sizeof in)];
	struct display_out o;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof format_cps / sizeof format_cps[0]; i++) {
		n = 0;
		in[n++] = 'a';
		n += enc(format_cps[i], in + n);
		in[n++] = 'b';
		assert_int_equal(display_sanitize(in, n, out, sizeof out, &o),
		    0);
		if (strcmp(out, "ab") != 0 || o.cols != 2)
			fail_msg("U+%04X was not dropped", format_cps[i]);
		/* Alone, at the start and at the end too. */
		assert_int_equal(display_sanitized_len(in + 1, n - 2), 0);
	}
}

static void
test_every_control(void **state)
{
	char in[8], out[32];
	struct display_out o;
	uint32_t cp;
	size_t n;

	(void)state;
	/* Every C0, DEL and C1 between two letters: a space or nothing. */
	for (cp = 0; cp < 0xa0; cp++) {
		if (cp >= 0x20 && cp < 0x7f)
			continue;
		n = 0;
		in[n++] = 'a';
		n += enc(cp, in + n);
		in[n++] = 'b';
		assert_int_equal(display_sanitize(in, n, out, sizeof out, &o),
		    0);
		assert_clean("control", out, o.len);
		/* The ones that open a sequence may swallow the 'b'. */
		if (strcmp(out, "ab") != 0 && strcmp(out, "a b") != 0 &&
		    strcmp(out, "a") != 0)
			fail_msg("U+%04X gave '%s'", cp, out);
		if (cp == 0x1b || cp == 0x9b || cp == 0x90 || cp == 0x98 ||
		    cp == 0x9d || cp == 0x9e || cp == 0x9f)
			continue;
		if (strcmp(out, (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 ?
		    "a b" : "ab") != 0)
			fail_msg("U+%04X gave '%s'", cp, out);
	}
}

struct fit_case {
	const char *in;
	size_t maxcols, cap;
	const char *want;
	size_t cols;
	bool cut;
};

#define CJK3 "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97"	/* 6 columns */
#define SMILE "\xf0\x9f\x98\x80"
#define EACUTE "e\xcc\x81"

static const struct fit_case fit_cases[] = {
	{ "abcdef", 6, 64, "abcdef", 6, false },
	{ "abcdef", 7, 64, "abcdef", 6, false },
	{ "abcdef", 5, 64, "abcd" ELL, 5, true },
	{ "abcdef", 2, 64, "a" ELL, 2, true },
	{ "abcdef", 1, 64, ELL, 1, true },
	{ "abcdef", 0, 64, "", 0, true },
	{ "", 0, 64, "", 0, false },
	{ "", 5, 1, "", 0, false },
	/* wide characters at the boundary: never split, may be one short */
	{ CJK3, 6, 64, CJK3, 6, false },
	{ CJK3, 5, 64, "\xe4\xb8\xad\xe6\x96\x87" ELL, 5, true },
	{ CJK3, 4, 64, "\xe4\xb8\xad" ELL, 3, true },
	{ CJK3, 3, 64, "\xe4\xb8\xad" ELL, 3, true },
	{ CJK3, 2, 64, ELL, 1, true },
	{ CJK3, 1, 64, ELL, 1, true },
	{ "a\xe4\xb8\xad", 2, 64, "a" ELL, 2, true },
	{ "a\xe4\xb8\xad", 3, 64, "a\xe4\xb8\xad", 3, false },
	{ SMILE SMILE, 3, 64, SMILE ELL, 3, true },
	{ SMILE SMILE, 4, 64, SMILE SMILE, 4, false },
	/* a character keeps its marks */
	{ EACUTE EACUTE EACUTE, 2, 64, EACUTE ELL, 2, true },
	{ EACUTE EACUTE EACUTE, 3, 64, EACUTE EACUTE EACUTE, 3, false },
	/* the byte limit cuts the same way */
	{ "abcdef", 99, 7, "abcdef", 6, false },
	{ "abcdef", 99, 6, "ab" ELL, 3, true },
	{ "abcdef", 99, 5, "a" ELL, 2, true },
	{ "abcdef", 99, 4, ELL, 1, true },
	{ "abcdef", 99, 3, "", 0, true },
	{ "abcdef", 99, 1, "", 0, true },
	{ EACUTE EACUTE, 99, 6, ELL, 1, true },
	{ EACUTE EACUTE, 99, 7, EACUTE EACUTE, 2, false },
	{ EACUTE EACUTE EACUTE, 99, 7, EACUTE ELL, 2, true },
	/* controls are gone before widths count */
	{ "\x1b[31mabc\x1b[0m", 3, 64, "abc", 3, false },
	{ "a\r\nbcd", 3, 64, "a " ELL, 3, true },
};

static void
test_fit(void **state)
{
	char buf[64];
	struct display_out o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof fit_cases / sizeof fit_cases[0]; i++) {
		const struct fit_case *c = &fit_cases[i];

		memset(buf, 'Z', sizeof buf);
		assert_int_equal(display_fit(c->in, strlen(c->in), c->maxcols,
		    buf, c->cap, &o), 0);
		if (strcmp(buf, c->want) != 0 || o.cols != c->cols ||
		    o.cut != c->cut || o.len != strlen(c->want))
			fail_msg("fit case %zu: got '%s' cols %zu cut %d", i,
			    buf, o.cols, (int)o.cut);
		assert_true(o.cols <= c->maxcols);
		assert_true(o.len < c->cap);
		/* Nothing past the buffer's cap was touched. */
		if (c->cap < sizeof buf)
			assert_int_equal(buf[c->cap], 'Z');
		assert_clean("fit", buf, o.len);
	}
}

static void
test_fit_every_width(void **state)
{
	/* Mixed narrow, wide and marked text cut at every width. */
	static const char in[] = "a" CJK3 "b" EACUTE SMILE "c\xd8\xb9";
	char buf[128];
	struct display_out o;
	size_t w, total = display_sanitized_len(in, sizeof in - 1), nb;

	(void)state;
	assert_int_equal(total, sizeof in - 1);
	for (w = 0; w <= 16; w++) {
		assert_int_equal(display_fit(in, sizeof in - 1, w, buf,
		    sizeof buf, &o), 0);
		assert_true(o.cols <= w);
		assert_int_equal(display_width(buf), o.cols);
		assert_clean("every width", buf, o.len);
		if (o.cut && w == 0) {
			assert_int_equal(o.len, 0);
			assert_true(display_cut(in, w, &nb));
			assert_int_equal(nb, 0);
		} else if (o.cut) {
			/* The kept part is a prefix of whole characters. */
			assert_true(o.len >= 3);
			assert_memory_equal(buf + o.len - 3, ELL, 3);
			assert_memory_equal(buf, in, o.len - 3);
			/* At most one column short. */
			assert_true(o.cols + 1 >= w);
			assert_true(display_cut(in, w, &nb));
			assert_int_equal(nb, o.len - 3);
		} else {
			assert_string_equal(buf, in);
			assert_false(display_cut(in, w, &nb));
			assert_int_equal(nb, sizeof in - 1);
		}
	}
}

struct cut_case {
	const char *s;
	size_t cols, nbytes;
	bool cut;
};

static const struct cut_case cut_cases[] = {
	{ "abcdef", 6, 6, false },
	{ "abcdef", 5, 4, true },
	{ "abcdef", 1, 0, true },
	{ "abcdef", 0, 0, true },
	{ "", 0, 0, false },
	{ "", 3, 0, false },
	{ CJK3, 6, 9, false },
	{ CJK3, 5, 6, true },
	{ CJK3, 4, 3, true },
	{ CJK3, 2, 0, true },
	{ EACUTE EACUTE, 1, 0, true },
	{ EACUTE EACUTE, 2, 6, false },
	{ "ab" EACUTE, 2, 1, true },
};

static void
test_cut(void **state)
{
	size_t i, nb;
	bool cut;

	(void)state;
	for (i = 0; i < sizeof cut_cases / sizeof cut_cases[0]; i++) {
		nb = 999;
		cut = display_cut(cut_cases[i].s, cut_cases[i].cols, &nb);
		if (cut != cut_cases[i].cut || nb != cut_cases[i].nbytes)
			fail_msg("cut case %zu: cut %d nbytes %zu", i, (int)cut,
			    nb);
	}
	assert_false(display_cut(NULL, 3, &nb));
	assert_int_equal(nb, 0);
}

static void
test_width_and_char_len(void **state)
{
	(void)state;
	assert_int_equal(display_width(""), 0);
	assert_int_equal(display_width(NULL), 0);
	assert_int_equal(display_width("abc"), 3);
	assert_int_equal(display_width(CJK3), 6);
	assert_int_equal(display_width(EACUTE), 1);
	assert_int_equal(display_width(SMILE "x"), 3);
	/* Anything unprintable counts one column. */
	assert_int_equal(display_width("\x1b\xff"), 2);
	assert_int_equal(display_char_len("", 0), 0);
	assert_int_equal(display_char_len("abc", 3), 1);
	assert_int_equal(display_char_len(EACUTE "x", 4), 3);
	assert_int_equal(display_char_len(CJK3, 9), 3);
	assert_int_equal(display_char_len("e\xcc\x81\xcc\x82" "f", 6), 5);
}

static void
test_arguments(void **state)
{
	char buf[8];
	struct display_out o;

	(void)state;
	assert_int_equal(display_fit(NULL, 1, 5, buf, sizeof buf, &o),
	    FULFIL_EINVAL);
	assert_int_equal(display_fit("a", 1, 5, NULL, 4, &o), FULFIL_EINVAL);
	assert_int_equal(display_fit(NULL, 0, 5, buf, sizeof buf, &o), 0);
	assert_string_equal(buf, "");
	assert_int_equal(display_fit("abc", 3, 5, NULL, 0, NULL), 0);
	assert_int_equal(display_sanitized_len(NULL, 5), 0);
	assert_null(display_secret_new(NULL, 3, DISPLAY_COLS_ANY));
}

static void
test_secret(void **state)
{
	struct secret *s;

	(void)state;
	assert_non_null(s = display_secret_new(B("J\x1b[31mo\xe2\x80\xaehn\r\n"
	    "Doe"), DISPLAY_COLS_ANY));
	assert_string_equal((char *)s->data, "John Doe");
	assert_int_equal(s->len, 8);
	assert_true(s->cap >= 9);
	secret_free(s);
	assert_non_null(s = display_secret_new(B("\xff\xff\xff"), 2));
	assert_string_equal((char *)s->data, R ELL);
	assert_int_equal(s->len, 6);
	secret_free(s);
	assert_non_null(s = display_secret_new(B(""), 5));
	assert_string_equal((char *)s->data, "");
	secret_free(s);
}

/* A hostile megabyte: every output byte still accounted for. */
static void
test_megabyte(void **state)
{
	static const char pat[] = "ok\x1b[31m\xe4\xb8\xad\r\n\xff\xe2\x80\xae"
	    "\xc2\x9b" "2J\x7f\xcc\x81";
	const size_t mb = 1024 * 1024;
	struct display_out o;
	char *in, *out;
	size_t i, n;

	(void)state;
	assert_non_null(in = malloc(mb));
	for (i = 0; i < mb; i += n) {
		n = sizeof pat - 1 < mb - i ? sizeof pat - 1 : mb - i;
		memcpy(in + i, pat, n);
	}
	out = sanitize(in, mb, &o);
	assert_false(o.cut);
	assert_clean("1 MB", out, o.len);
	assert_int_equal(display_sanitized_len(in, mb), o.len);
	assert_int_equal(display_width(out), o.cols);
	free(out);

	/* The worst case of the bound: every byte a replacement. */
	memset(in, 0xff, mb);
	out = sanitize(in, mb, &o);
	assert_int_equal(o.len, 3 * mb);
	assert_int_equal(o.cols, mb);
	free(out);

	/* An unterminated OSC swallows the rest, however long. */
	memset(in, 'x', mb);
	memcpy(in + 1, "\x1b]52;c;", 7);
	out = sanitize(in, mb, &o);
	assert_string_equal(out, "x");
	free(out);

	/* Cut to a screen line: 80 columns out of a megabyte. */
	memset(in, 'y', mb);
	assert_non_null(out = malloc(DISPLAY_BOUND(80)));
	assert_int_equal(display_fit(in, mb, 80, out, DISPLAY_BOUND(80), &o),
	    0);
	assert_true(o.cut);
	assert_int_equal(o.cols, 80);
	assert_int_equal(o.len, 79 + 3);
	free(out);
	free(in);
}

/* Pseudo-random bytes (fixed seed) biased to the interesting ones. */
static void
test_random(void **state)
{
	static const unsigned char pool[] = {
		0x1b, '[', ']', '\\', 0x07, 0x9b, 0x9c, 0xc2, 0xe2, 0x80,
		0xae, 0xed, 0xa0, 0xf0, 0x9f, 0x98, 0xcc, 0x81, 0xe4, 0xb8,
		0xad, '\r', '\n', 0x7f, 0xff, 'a', 'P', '0', ';', 0x18,
	};
	unsigned char in[64];
	char out[DISPLAY_BOUND(sizeof in)], again[DISPLAY_BOUND(sizeof in)];
	char cutbuf[32];
	struct display_out o, o2, oc;
	uint32_t x = 0x2545f491u;
	size_t i, j, n;

	(void)state;
	for (i = 0; i < 20000; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		n = x % sizeof in;
		for (j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			in[j] = x % 4 == 0 ? (unsigned char)(x >> 8) :
			    pool[(x >> 8) % sizeof pool];
		}
		assert_int_equal(display_sanitize((char *)in, n, out,
		    sizeof out, &o), 0);
		assert_clean("random", out, o.len);
		assert_int_equal(display_sanitized_len((char *)in, n), o.len);
		assert_int_equal(display_width(out), o.cols);
		assert_int_equal(display_sanitize(out, o.len, again,
		    sizeof again, &o2), 0);
		assert_string_equal(again, out);
		assert_int_equal(display_fit((char *)in, n, x % 12, cutbuf,
		    sizeof cutbuf, &oc), 0);
		assert_clean("random fit", cutbuf, oc.len);
		assert_true(oc.cols <= x % 12);
	}
}

/* Widths do not depend on the process locale. */
static void
test_locale_independent(void **state)
{
	struct display_out o;
	char out[32];

	(void)state;
	assert_int_equal(display_init(NULL), 0);
	assert_non_null(setlocale(LC_ALL, "C"));
	assert_int_equal(display_sanitize(B(CJK3), out, sizeof out, &o), 0);
	assert_string_equal(out, CJK3);
	assert_int_equal(o.cols, 6);
	assert_int_equal(display_width(SMILE), 2);
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	assert_int_equal(display_sanitize(B(CJK3), out, sizeof out, &o), 0);
	assert_int_equal(o.cols, 6);
	assert_non_null(setlocale(LC_ALL, "C"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_format_char),
		cmocka_unit_test(test_every_control),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_fit_every_width),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_width_and_char_len),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_megabyte),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_locale_independent),
	};

	tu_init();
	return cmocka_run_group_tests_name("display", tests, NULL, NULL);
}
