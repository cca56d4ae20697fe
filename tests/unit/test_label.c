/*
 * test_label: the dispatch label. Every label rendered here is parsed
 * back by a small ZPL (or EPL2) tokenizer of the test's own: the raw
 * stream is printable ASCII, holds exactly one ^XA...^XZ (N...P1), only
 * commands the renderer emits (the same sequence of commands as a benign
 * label with the same fields present), ^PW/^LL/q/Q match the dpi, every
 * ^FH field decodes to sanitised UTF-8 that fits the label width, the
 * recipient and ref come back exactly, and the barcode's data is the ref.
 * Hostile names and addresses (^XZ^XA^FDpwned, ~JR, ~PS, _1F, control
 * bytes, ESC and C1 sequences, 5 KB lines, right-to-left text, invalid
 * UTF-8, quotes and backslashes for EPL) at both densities in both
 * languages; missing fields, bad refs and bad dpis give named errors
 * that carry no value.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "display.h"
#include "ferr.h"
#include "label.h"
#include "orders.h"
#include "secret.h"

#define MAX_TOKENS 256
#define MAX_FIELDS 64

/* ---- a ZPL tokenizer of the test's own --------------------------------- */

struct ztok {
	char cmd[3];		/* "XA", "FO", "A0", ... */
	const char *param;	/* into the stream */
	size_t plen;
};

struct zfield {
	int x, y, h, w;		/* from ^FO and ^A0 (0: none) */
	bool fh, barcode;
	char *text;		/* decoded, NUL-terminated (malloc) */
	size_t len;
};

struct zlabel {
	struct ztok tok[MAX_TOKENS];
	size_t ntok;
	struct zfield f[MAX_FIELDS];
	size_t nf;
	int pw, ll, ci, xa, xz;
};

/* Commands the renderer emits; anything else in a stream is injected. */
static const char *const zpl_known[] = {
	"XA", "CI", "PW", "LL", "LH", "FO", "A0", "FH", "FD", "FS", "GB",
	"BY", "BC", "XZ",
};

static bool
zpl_is_known(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof zpl_known / sizeof zpl_known[0]; i++)
		if (strcmp(cmd, zpl_known[i]) == 0)
			return true;
	return false;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode ^FH data (indicator '_'): _XX -> byte. Fails on a bad escape. */
static char *
fh_decode(const char *p, size_t n, size_t *outlen)
{
	char *out = malloc(n + 1);
	size_t i, o = 0;

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		if (p[i] == '_') {
			int hi, lo;

			assert_true(i + 2 < n);
			hi = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			assert_true(hi >= 0 && lo >= 0);
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = p[i];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static void
zpl_parse(const unsigned char *s, size_t n, struct zlabel *z)
{
	size_t i = 0;
	int x = 0, y = 0, h = 0, w = 0;
	bool fh = false, bc = false;

	memset(z, 0, sizeof *z);
	/* Raw stream: printable ASCII and newlines only. */
	for (i = 0; i < n; i++)
		if (!(s[i] == '\n' || (s[i] >= 0x20 && s[i] < 0x7f)))
			fail_msg("raw byte 0x%02x at %zu", s[i], i);
	i = 0;
	while (i < n) {
		struct ztok *t;
		size_t j;

		if (s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] != '^' && s[i] != '~')
			fail_msg("text outside a command at %zu", i);
		if (s[i] == '~')
			fail_msg("a ~ command in the stream at %zu", i);
		assert_true(i + 2 < n);
		assert_true(z->ntok < MAX_TOKENS);
		t = &z->tok[z->ntok++];
		t->cmd[0] = (char)s[i + 1];
		t->cmd[1] = (char)s[i + 2];
		t->cmd[2] = '\0';
		if (!zpl_is_known(t->cmd))
			fail_msg("unknown command ^%s", t->cmd);
		for (j = i + 3; j < n && s[j] != '^' && s[j] != '~'; j++)
			;
		t->param = (const char *)s + i + 3;
		t->plen = j - i - 3;
		while (t->plen > 0 && t->param[t->plen - 1] == '\n')
			t->plen--;
		i = j;

		if (strcmp(t->cmd, "XA") == 0)
			z->xa++;
		else if (strcmp(t->cmd, "XZ") == 0)
			z->xz++;
		else if (strcmp(t->cmd, "PW") == 0)
			z->pw = atoi(t->param);
		else if (strcmp(t->cmd, "LL") == 0)
			z->ll = atoi(t->param);
		else if (strcmp(t->cmd, "CI") == 0)
			z->ci = atoi(t->param);
		else if (strcmp(t->cmd, "FO") == 0)
			assert_int_equal(sscanf(t->param, "%d,%d", &x, &y), 2);
		else if (strcmp(t->cmd, "A0") == 0)
			assert_int_equal(sscanf(t->param, "N,%d,%d", &h, &w),
			    2);
		else if (strcmp(t->cmd, "FH") == 0)
			fh = true;
		else if (strcmp(t->cmd, "BC") == 0)
			bc = true;
		else if (strcmp(t->cmd, "FD") == 0) {
			struct zfield *f;

			assert_true(z->nf < MAX_FIELDS);
			f = &z->f[z->nf++];
			f->x = x;
			f->y = y;
			f->h = h;
			f->w = w;
			f->fh = fh;
			f->barcode = bc;
			if (fh)
				f->text = fh_decode(t->param, t->plen,
				    &f->len);
			else {
				f->text = strndup(t->param, t->plen);
				f->len = t->plen;
			}
		} else if (strcmp(t->cmd, "FS") == 0) {
			x = y = h = w = 0;
			fh = bc = false;
		}
	}
}

static void
zlabel_free(struct zlabel *z)
{
	size_t i;

	for (i = 0; i < z->nf; i++) {
		secret_wipe(z->f[i].text, z->f[i].len);
		free(z->f[i].text);
	}
}

/* The invariants every ZPL label has. */
static void
zpl_check(const struct zlabel *z, int dpi, const char *ref)
{
	int pw = dpi == 300 ? 1218 : 812, ll = dpi == 300 ? 1827 : 1218;
	size_t i, barcodes = 0;

	assert_int_equal(z->xa, 1);
	assert_int_equal(z->xz, 1);
	assert_string_equal(z->tok[0].cmd, "XA");
	assert_string_equal(z->tok[z->ntok - 1].cmd, "XZ");
	assert_int_equal(z->pw, pw);
	assert_int_equal(z->ll, ll);
	assert_int_equal(z->ci, 28);
	for (i = 0; i < z->nf; i++) {
		const struct zfield *f = &z->f[i];

		if (f->barcode) {
			barcodes++;
			assert_string_equal(f->text, ref);
			continue;
		}
		/* Every text field: escaped, sanitised, inside the label. */
		assert_true(f->fh);
		assert_true(f->w > 0 && f->h > 0);
		assert_int_equal(display_sanitized_len(f->text, f->len),
		    f->len);
		assert_int_equal(strlen(f->text), f->len);
		if (f->x + label_text_width(LABEL_ZPL, f->w, f->text,
		    f->len) > pw)
			fail_msg("field %zu at x %d overflows %d dots", i,
			    f->x, pw);
		assert_true(f->y + f->h <= ll);
	}
	assert_int_equal(barcodes, 1);
	/* Text fields that share columns do not share rows. */
	for (i = 0; i < z->nf; i++) {
		size_t j;

		for (j = 0; j < z->nf; j++) {
			const struct zfield *a = &z->f[i], *b = &z->f[j];

			if (i == j || a->barcode || b->barcode || a->y > b->y ||
			    (a->y == b->y && a->x != b->x))
				continue;
			if (a->y == b->y && a->x == b->x && i != j)
				fail_msg("fields %zu and %zu share a place", i,
				    j);
			if (a->x <= b->x + 0 && a->y + a->h > b->y &&
			    b->x < a->x + label_text_width(LABEL_ZPL, a->w,
			    a->text, a->len))
				fail_msg("fields %zu and %zu overlap", i, j);
		}
	}
}

static bool
zpl_has_text(const struct zlabel *z, const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < z->nf; i++)
		if (!z->f[i].barcode && z->f[i].len == len &&
		    memcmp(z->f[i].text, text, len) == 0)
			return true;
	return false;
}

/* Command names of a label in order, as one string "XA CI PW ...". */
static void
zpl_shape(const struct zlabel *z, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < z->ntok && o + 4 < cap; i++) {
		memcpy(out + o, z->tok[i].cmd, 2);
		out[o + 2] = ' ';
		o += 3;
	}
	out[o] = '\0';
}

/* ---- EPL2 ---------------------------------------------------------------- */

struct elabel {
	int q, ql, n, p1, nlines;
	char *text[MAX_FIELDS];	/* decoded A strings */
	int x[MAX_FIELDS], y[MAX_FIELDS], font[MAX_FIELDS], hm[MAX_FIELDS],
	    vm[MAX_FIELDS];
	size_t na;
	char barcode[128];
	char shape[1024];
};

/* The quoted string at p (after the opening quote); decoded into out. */
static void
epl_unquote(const char *p, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\\') {
			assert_true(i + 1 < n);
			out[o++] = p[++i];
		} else if (p[i] == '"') {
			/* The closing quote must be the last byte. */
			assert_int_equal(i, n - 1);
			break;
		} else {
			out[o++] = p[i];
		}
	}
	assert_true(i == n - 1 && p[i] == '"');
	out[o] = '\0';
}

static void
epl_parse(const unsigned char *s, size_t n, struct elabel *e)
{
	size_t i, start = 0;

	memset(e, 0, sizeof *e);
	for (i = 0; i < n; i++)
		if (!(s[i] == '\n' || (s[i] >= 0x20 && s[i] < 0x7f)))
			fail_msg("raw byte 0x%02x at %zu", s[i], i);
	for (i = 0; i <= n; i++) {
		const char *l = (const char *)s + start;
		size_t len = i - start, sl = strlen(e->shape);
		char tag[4] = "";

		if (i < n && s[i] != '\n')
			continue;
		start = i + 1;
		if (len == 0)
			continue;
		e->nlines++;
		if (len == 1 && l[0] == 'N') {
			e->n++;
			strcpy(tag, "N");
		} else if (len == 2 && memcmp(l, "P1", 2) == 0) {
			e->p1++;
			strcpy(tag, "P1");
		} else if (l[0] == 'q') {
			e->q = atoi(l + 1);
			strcpy(tag, "q");
		} else if (l[0] == 'Q') {
			e->ql = atoi(l + 1);
			strcpy(tag, "Q");
		} else if (len > 2 && memcmp(l, "LO", 2) == 0) {
			strcpy(tag, "LO");
		} else if (l[0] == 'A' || l[0] == 'B') {
			const char *q = memchr(l, '"', len);
			char *buf;
			int x, y, rot, f, hm, vm;

			assert_non_null(q);
			buf = calloc(1, len);
			assert_non_null(buf);
			epl_unquote(q + 1, len - (size_t)(q - l) - 1, buf);
			if (l[0] == 'A') {
				assert_int_equal(sscanf(l, "A%d,%d,%d,%d,%d,%d,N,",
				    &x, &y, &rot, &f, &hm, &vm), 6);
				assert_true(e->na < MAX_FIELDS);
				e->x[e->na] = x;
				e->y[e->na] = y;
				e->font[e->na] = f;
				e->hm[e->na] = hm;
				e->vm[e->na] = vm;
				e->text[e->na++] = buf;
				strcpy(tag, "A");
			} else {
				assert_true(strlen(buf) < sizeof e->barcode);
				strcpy(e->barcode, buf);
				free(buf);
				strcpy(tag, "B");
			}
		} else {
			fail_msg("unknown EPL line %d", e->nlines);
		}
		if (sl + 4 < sizeof e->shape)
			snprintf(e->shape + sl, sizeof e->shape - sl, "%s ",
			    tag);
	}
}

static void
elabel_free(struct elabel *e)
{
	size_t i;

	for (i = 0; i < e->na; i++)
		free(e->text[i]);
}

static void
epl_check(const struct elabel *e, int dpi, const char *ref)
{
	int pw = dpi == 300 ? 1218 : 812, ll = dpi == 300 ? 1827 : 1218;
	size_t i, k;

	assert_int_equal(e->n, 1);
	assert_int_equal(e->p1, 1);
	assert_true(strncmp(e->shape, "N q Q ", 6) == 0);
	assert_true(strlen(e->shape) >= 3 &&
	    strcmp(e->shape + strlen(e->shape) - 3, "P1 ") == 0);
	assert_int_equal(e->q, pw);
	assert_int_equal(e->ql, ll);
	assert_string_equal(e->barcode, ref);
	for (i = 0; i < e->na; i++) {
		size_t n = strlen(e->text[i]);
		long w = label_text_width(LABEL_EPL,
		    label_epl_pitch(dpi, e->font[i]) * e->hm[i], e->text[i], n);

		for (k = 0; k < n; k++)
			assert_true(e->text[i][k] >= 0x20 &&
			    e->text[i][k] < 0x7f);
		if (e->x[i] + w > pw)
			fail_msg("EPL field %zu overflows", i);
	}
	/* Fields in the same column do not overlap (EPL2 cell heights). */
	for (i = 0; i < e->na; i++) {
		static const int hs[2][5] = {
			{ 12, 16, 20, 24, 48 },	/* 203 dpi */
			{ 20, 28, 36, 44, 80 },	/* 300 dpi */
		};
		int h = hs[dpi == 300][e->font[i] - 1] * e->vm[i];

		for (k = 0; k < e->na; k++)
			if (k != i && e->x[k] == e->x[i] && e->y[k] > e->y[i] &&
			    e->y[i] + h > e->y[k])
				fail_msg("EPL fields %zu and %zu overlap at %d "
				    "dpi", i, k, dpi);
		assert_true(e->y[i] + h <= ll);
	}
}

static bool
epl_has_text(const struct elabel *e, const char *text)
{
	size_t i;

	for (i = 0; i < e->na; i++)
		if (strcmp(e->text[i], text) == 0)
			return true;
	return false;
}

/* ---- data ---------------------------------------------------------------- */

static const char REF[] = "114-1234567-1234567";

static void
benign(struct label_data *d)
{
	memset(d, 0, sizeof *d);
	d->sender = "Example Ltd, Unit 4, Example Park, EX1 2MP, GB";
	d->name = "Ada Testperson";
	d->line1 = "1 Example Street";
	d->line2 = "Flat 2";
	d->city = "Testville";
	d->region = "Exampleshire";
	d->postcode = "EX1 2MP";
	d->country = "GB";
	d->service = "Standard";
	d->order_id = "A-1001";
	d->ref = REF;
	d->tracking = "TRK000111222GB";
	d->items = 3;
	d->weight_g = 1250;
	d->ship_by = 1795453200;
}

static struct secret *
render(enum label_language lang, int dpi, const struct label_data *d)
{
	struct secret *s = NULL;
	struct ferr err;

	ferr_clear(&err);
	if (label_render(lang, dpi, d, &s, &err) != 0)
		fail_msg("label_render: %s", err.msg);
	assert_non_null(s);
	assert_true(s->len > 0 && s->len <= s->cap);
	return s;
}

static const int dpis[] = { LABEL_DPI_203, LABEL_DPI_300 };

static void
test_benign(void **state)
{
	struct label_data d;
	struct zlabel z;
	struct elabel e;
	size_t i;

	(void)state;
	benign(&d);
	for (i = 0; i < 2; i++) {
		struct secret *s = render(LABEL_ZPL, dpis[i], &d);

		zpl_parse(s->data, s->len, &z);
		zpl_check(&z, dpis[i], REF);
		assert_true(zpl_has_text(&z, "Ada Testperson", 14));
		assert_true(zpl_has_text(&z, "1 Example Street", 16));
		assert_true(zpl_has_text(&z, "EX1 2MP", 7));
		assert_true(zpl_has_text(&z, "GB", 2));
		assert_true(zpl_has_text(&z, "Testville, Exampleshire", 23));
		assert_true(zpl_has_text(&z, "Ref: 114-1234567-1234567", 24));
		assert_true(zpl_has_text(&z, "Tracking: TRK000111222GB", 24));
		assert_true(zpl_has_text(&z, "Items: 3", 8));
		assert_true(zpl_has_text(&z, "Weight: 1.250 kg", 16));
		assert_true(zpl_has_text(&z, "Ship by: 2026-11-23", 19));
		assert_true(zpl_has_text(&z, "Service: Standard", 17));
		zlabel_free(&z);
		secret_free(s);

		s = render(LABEL_EPL, dpis[i], &d);
		epl_parse(s->data, s->len, &e);
		epl_check(&e, dpis[i], REF);
		assert_true(epl_has_text(&e, "Ada Testperson"));
		assert_true(epl_has_text(&e, "EX1 2MP"));
		assert_true(epl_has_text(&e, "Ref: 114-1234567-1234567"));
		elabel_free(&e);
		secret_free(s);
	}
}

/* Optional fields: absent ones are not printed, and nothing breaks. */
static void
test_optional(void **state)
{
	struct label_data d;
	struct zlabel z;
	struct secret *s;
	size_t i;

	(void)state;
	benign(&d);
	d.sender = NULL;
	d.line2 = "";
	d.region = NULL;
	d.tracking = NULL;
	d.weight_g = -1;
	d.ship_by = 0;
	d.service = NULL;
	d.order_id = NULL;
	s = render(LABEL_ZPL, LABEL_DPI_203, &d);
	zpl_parse(s->data, s->len, &z);
	zpl_check(&z, LABEL_DPI_203, REF);
	assert_true(zpl_has_text(&z, "Testville", 9));
	for (i = 0; i < z.nf; i++) {
		assert_null(strstr(z.f[i].text, "Tracking"));
		assert_null(strstr(z.f[i].text, "Weight"));
		assert_null(strstr(z.f[i].text, "From"));
		assert_null(strstr(z.f[i].text, "Ship by"));
	}
	zlabel_free(&z);
	secret_free(s);
	/* weight 0 g is recorded: printed */
	d.weight_g = 0;
	s = render(LABEL_ZPL, LABEL_DPI_203, &d);
	zpl_parse(s->data, s->len, &z);
	assert_true(zpl_has_text(&z, "Weight: 0.000 kg", 16));
	zlabel_free(&z);
	secret_free(s);
}

/* Which field of label_data a hostile case sets. */
enum hfield { H_NAME, H_LINE1, H_LINE2, H_CITY, H_POSTCODE, H_COUNTRY,
    H_SERVICE, H_TRACKING, H_SENDER };

struct hostile_case {
	const char *what;
	enum hfield field;
	const char *in;
	const char *zpl_want;	/* exact decoded ZPL field, or NULL */
	const char *epl_want;	/* exact EPL field, or NULL */
};

static char long_a[5121], long_w[5121], long_at[5121], long_cjk[3 * 1700 + 1],
    long_marks[3 * 1700 + 1], long_esc[5121];

static const struct hostile_case hostile_cases[] = {
	{ "ZPL end and start in a name", H_NAME, "^XZ^XA^FDpwned",
	    "^XZ^XA^FDpwned", "^XZ^XA^FDpwned" },
	{ "~JR", H_NAME, "~JR", "~JR", "~JR" },
	{ "~PS", H_LINE1, "~PS", "~PS", "~PS" },
	{ "_1F (an ^FH escape)", H_LINE2, "_1F", "_1F", "_1F" },
	{ "hex indicator and backslash", H_CITY, "\\_5E\\", "\\_5E\\",
	    "\\_5E\\" },
	{ "control bytes", H_NAME, "Ada\x01\x02\x7f\x1f Test", "Ada Test",
	    "Ada Test" },
	{ "CR LF in a name", H_NAME, "Ada\r\n^XZ", "Ada ^XZ", "Ada ^XZ" },
	{ "ESC CSI and OSC", H_NAME, "\x1b[31mAda\x1b]52;c;Zm9v\x07",
	    "Ada", "Ada" },
	{ "C1 CSI as UTF-8", H_LINE1, "A\xc2\x9b" "2JB", "AB", "AB" },
	{ "raw C1 byte", H_LINE1, "A\x9b" "B", "A\xef\xbf\xbd" "B", "A?B" },
	{ "invalid UTF-8", H_CITY, "Bad\xff\xc0\xaf!",
	    "Bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!", "Bad???" "!" },
	{ "RTL override", H_NAME,
	    "\xe2\x80\xae\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\xe2\x80\xac",
	    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "????" },
	{ "isolates", H_LINE2, "\xe2\x81\xa7" "abc" "\xe2\x81\xa9", "abc",
	    "abc" },
	{ "quotes for EPL", H_SERVICE, "\"\nP1\nN\n\"",
	    "Service: \" P1 N \"", "Service: \" P1 N \"" },
	{ "postcode", H_POSTCODE, "^XZ", "^XZ", "^XZ" },
	{ "country", H_COUNTRY, "~HS", "~HS", "~HS" },
	{ "tracking", H_TRACKING, "^FS^XZ~JA", "Tracking: ^FS^XZ~JA",
	    "Tracking: ^FS^XZ~JA" },
	{ "sender", H_SENDER, "~PS^XA", "From: ~PS^XA", "From: ~PS^XA" },
	{ "5 KB of a", H_LINE1, long_a, NULL, NULL },
	{ "5 KB of W", H_NAME, long_w, NULL, NULL },
	{ "5 KB of @ in the postcode", H_POSTCODE, long_at, NULL, NULL },
	{ "wide CJK", H_COUNTRY, long_cjk, NULL, NULL },
	{ "combining marks", H_LINE2, long_marks, NULL, NULL },
	{ "5 KB of escapes", H_CITY, long_esc, NULL, NULL },
};

static void
make_long(void)
{
	size_t i;

	memset(long_a, 'a', sizeof long_a - 1);
	memset(long_w, 'W', sizeof long_w - 1);
	memset(long_at, '@', sizeof long_at - 1);
	for (i = 0; i + 3 < sizeof long_cjk; i += 3)
		memcpy(long_cjk + i, "\xe4\xb8\xad", 3);
	for (i = 0; i + 3 < sizeof long_marks; i += 3)
		memcpy(long_marks + i, "e\xcc\x81", 3);
	for (i = 0; i + 1 < sizeof long_esc; i++)
		long_esc[i] = "^~_\\"[i % 4];
}

static void
set_field(struct label_data *d, enum hfield f, const char *v)
{
	switch (f) {
	case H_NAME: d->name = v; break;
	case H_LINE1: d->line1 = v; break;
	case H_LINE2: d->line2 = v; break;
	case H_CITY: d->city = v; d->region = NULL; break;
	case H_POSTCODE: d->postcode = v; break;
	case H_COUNTRY: d->country = v; break;
	case H_SERVICE: d->service = v; break;
	case H_TRACKING: d->tracking = v; break;
	case H_SENDER: d->sender = v; break;
	}
}

static void
test_hostile(void **state)
{
	struct label_data good, bad;
	char shape_good[1024], shape_bad[1024];
	size_t i, k;

	(void)state;
	make_long();
	for (i = 0; i < sizeof hostile_cases / sizeof hostile_cases[0]; i++) {
		const struct hostile_case *c = &hostile_cases[i];

		for (k = 0; k < 2; k++) {
			struct zlabel zg, zb;
			struct elabel eg, eb;
			struct secret *sg, *sb;

			benign(&good);
			if (c->field == H_CITY)
				good.region = NULL;
			benign(&bad);
			set_field(&bad, c->field, c->in);

			sg = render(LABEL_ZPL, dpis[k], &good);
			sb = render(LABEL_ZPL, dpis[k], &bad);
			zpl_parse(sg->data, sg->len, &zg);
			zpl_parse(sb->data, sb->len, &zb);
			zpl_check(&zb, dpis[k], REF);
			/* Same commands as a benign label: nothing injected. */
			zpl_shape(&zg, shape_good, sizeof shape_good);
			zpl_shape(&zb, shape_bad, sizeof shape_bad);
			if (strcmp(shape_good, shape_bad) != 0)
				fail_msg("%s at %d dpi: commands differ",
				    c->what, dpis[k]);
			if (c->zpl_want != NULL &&
			    !zpl_has_text(&zb, c->zpl_want,
			    strlen(c->zpl_want)))
				fail_msg("%s at %d dpi: text not found",
				    c->what, dpis[k]);
			zlabel_free(&zg);
			zlabel_free(&zb);
			secret_free(sg);
			secret_free(sb);

			sg = render(LABEL_EPL, dpis[k], &good);
			sb = render(LABEL_EPL, dpis[k], &bad);
			epl_parse(sg->data, sg->len, &eg);
			epl_parse(sb->data, sb->len, &eb);
			epl_check(&eb, dpis[k], REF);
			if (strcmp(eg.shape, eb.shape) != 0)
				fail_msg("%s at %d dpi: EPL lines differ",
				    c->what, dpis[k]);
			if (c->epl_want != NULL && !epl_has_text(&eb,
			    c->epl_want))
				fail_msg("%s at %d dpi: EPL text not found",
				    c->what, dpis[k]);
			elabel_free(&eg);
			elabel_free(&eb);
			secret_free(sg);
			secret_free(sb);
		}
	}
}

/* A long line is cut with "..." and what is kept is its start. */
static void
test_cut(void **state)
{
	struct label_data d;
	struct zlabel z;
	struct secret *s;
	size_t i, k;
	bool found = false;

	(void)state;
	make_long();
	for (k = 0; k < 2; k++) {
		benign(&d);
		d.line1 = long_a;
		s = render(LABEL_ZPL, dpis[k], &d);
		assert_true(s->len < 4096);
		zpl_parse(s->data, s->len, &z);
		zpl_check(&z, dpis[k], REF);
		for (i = 0; i < z.nf; i++) {
			const struct zfield *f = &z.f[i];

			if (f->len < 20 || f->text[0] != 'a')
				continue;
			found = true;
			assert_string_equal(f->text + f->len - 3, "...");
			assert_int_equal(strspn(f->text, "a"), f->len - 3);
			/* cut by width, not at an arbitrary byte count:
			 * one more 'a' would not fit */
			assert_true(f->x + label_text_width(LABEL_ZPL, f->w,
			    "a", 1) * (long)(f->len - 2) +
			    label_text_width(LABEL_ZPL, f->w, "...", 3) >
			    (dpis[k] == 300 ? 1218 : 812) - (dpis[k] == 300 ?
			    45 : 30));
		}
		assert_true(found);
		zlabel_free(&z);
		secret_free(s);
	}
}

struct missing_case {
	size_t off;
	const char *field;
};

static const struct missing_case missing_cases[] = {
	{ offsetof(struct label_data, name), "name" },
	{ offsetof(struct label_data, line1), "line1" },
	{ offsetof(struct label_data, postcode), "postcode" },
	{ offsetof(struct label_data, country), "country" },
	{ offsetof(struct label_data, ref), "ref" },
};

static void
test_missing(void **state)
{
	static const char *const empties[] = { NULL, "", "\x01\x1b[0m",
	    "\xe2\x80\xae" };
	static struct secret dummy;
	struct label_data d;
	struct secret *s;
	struct ferr err;
	char want[64];
	size_t i, k, l;

	(void)state;
	for (l = 0; l < 2; l++) {
		for (i = 0; i < sizeof missing_cases /
		    sizeof missing_cases[0]; i++) {
			for (k = 0; k < sizeof empties / sizeof empties[0];
			    k++) {
				benign(&d);
				*(const char **)((char *)&d +
				    missing_cases[i].off) = empties[k];
				s = &dummy;
				ferr_clear(&err);
				assert_int_equal(label_render(
				    (enum label_language)l, LABEL_DPI_203, &d,
				    &s, &err), FULFIL_EINVAL);
				assert_null(s);
				snprintf(want, sizeof want, "field %s is",
				    missing_cases[i].field);
				assert_non_null(strstr(err.msg, want));
			}
		}
	}
}

static void
test_bad_ref_and_dpi(void **state)
{
	static const char *const bad_refs[] = {
		"114^XZ", "114~JR", "114_1F", "A>B", "A B", "ref\"q",
		"Ref\xc3\xa9", "A\\B", "A,B", "A;B",
		"0123456789012345678901234567890",	/* 31: too long */
	};
	struct label_data d;
	struct secret *s = NULL;
	struct ferr err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_refs / sizeof bad_refs[0]; i++) {
		benign(&d);
		d.ref = bad_refs[i];
		ferr_clear(&err);
		assert_int_equal(label_render(LABEL_ZPL, LABEL_DPI_203, &d, &s,
		    &err), FULFIL_EINVAL);
		assert_null(s);
		assert_non_null(strstr(err.msg, "order ref"));
		assert_non_null(strstr(err.msg, "Code 128"));
		assert_null(strstr(err.msg, bad_refs[i]));
	}
	/*
	 * The longest ref the barcode takes, of the widest letter: printed
	 * whole (in a narrower font), never cut, at both dpis, in both
	 * languages.
	 */
	benign(&d);
	d.ref = "WWWWWWWWWWWWWWWWWWWWWWWWWWWWW";
	for (i = 0; i < 2; i++) {
		struct zlabel z;
		struct elabel e;

		s = render(LABEL_ZPL, dpis[i], &d);
		zpl_parse(s->data, s->len, &z);
		zpl_check(&z, dpis[i], d.ref);
		assert_true(zpl_has_text(&z, "Ref: WWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
		    34));
		zlabel_free(&z);
		secret_free(s);
		s = render(LABEL_EPL, dpis[i], &d);
		epl_parse(s->data, s->len, &e);
		epl_check(&e, dpis[i], d.ref);
		assert_true(epl_has_text(&e, "Ref: WWWWWWWWWWWWWWWWWWWWWWWWWWWWW"));
		elabel_free(&e);
		secret_free(s);
	}
	s = NULL;

	benign(&d);
	ferr_clear(&err);
	assert_int_equal(label_render(LABEL_ZPL, 204, &d, &s, &err),
	    FULFIL_EINVAL);
	assert_non_null(strstr(err.msg, "204 dpi"));
	assert_int_equal(label_render((enum label_language)7, 203, &d, &s,
	    &err), FULFIL_EINVAL);
	assert_int_equal(label_render(LABEL_ZPL, 203, NULL, &s, &err),
	    FULFIL_EINVAL);
}

static void
test_from_order(void **state)
{
	struct order_item items[3] = {
		{ "MUG-BLU", "5012345678900", "Blue mug", "A-01-03", 2 },
		{ "TEA", NULL, "Tea", "B-02-01", 5 },
		{ "BAD", NULL, "Bad", NULL, 0 },
	};
	struct order o;
	struct label_data d;

	(void)state;
	memset(&o, 0, sizeof o);
	o.id = "A-1001";
	o.ref = REF;
	o.service = "Express";
	o.ship_by = 1795453200;
	o.nitems = 3;
	o.items = items;
	o.ship_to.name = "Ada Testperson";
	o.ship_to.line1 = "1 Example Street";
	o.ship_to.city = "Testville";
	o.ship_to.postcode = "EX1 2MP";
	o.ship_to.country = "GB";
	o.ship_to.phone = "+44 0000 000000";
	label_data_from_order(&d, &o, "Sender Ltd");
	assert_string_equal(d.sender, "Sender Ltd");
	assert_ptr_equal(d.name, o.ship_to.name);
	assert_ptr_equal(d.line1, o.ship_to.line1);
	assert_null(d.line2);
	assert_ptr_equal(d.postcode, o.ship_to.postcode);
	assert_ptr_equal(d.country, o.ship_to.country);
	assert_ptr_equal(d.ref, o.ref);
	assert_ptr_equal(d.order_id, o.id);
	assert_ptr_equal(d.service, o.service);
	assert_null(d.tracking);
	assert_int_equal(d.items, 7);
	assert_true(d.weight_g < 0);
	assert_int_equal(d.ship_by, o.ship_by);
}

static void
test_language_names(void **state)
{
	enum label_language l = LABEL_EPL;

	(void)state;
	assert_string_equal(label_language_name(LABEL_ZPL), "zpl");
	assert_string_equal(label_language_name(LABEL_EPL), "epl");
	assert_int_equal(label_language_parse("zpl", &l), 0);
	assert_int_equal(l, LABEL_ZPL);
	assert_int_equal(label_language_parse("epl", &l), 0);
	assert_int_equal(l, LABEL_EPL);
	assert_int_equal(label_language_parse("ZPL", &l), FULFIL_EINVAL);
	assert_int_equal(label_language_parse("cpcl", &l), FULFIL_EINVAL);
	assert_int_equal(label_language_parse(NULL, &l), FULFIL_EINVAL);
	assert_int_equal(label_epl_pitch(203, 1), 10);
	assert_int_equal(label_epl_pitch(203, 6), 0);
}

static int
setup(void **state)
{
	(void)state;
	tu_init();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_benign),
		cmocka_unit_test(test_optional),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_bad_ref_and_dpi),
		cmocka_unit_test(test_from_order),
		cmocka_unit_test(test_language_names),
	};

	return cmocka_run_group_tests_name("label", tests, setup, NULL);
}
