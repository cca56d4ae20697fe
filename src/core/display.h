/*
 * display: the sanitiser every untrusted string passes before it reaches
 * the screen (order fields, PAM messages, login names, scanned codes).
 *
 * What comes out is valid UTF-8 of one line that cannot move the cursor,
 * change colours or reorder text, and whose width in terminal columns is
 * known:
 *   - invalid UTF-8 (stray or truncated sequences, overlong forms,
 *     surrogates, code points past U+10FFFF) becomes U+FFFD, one per
 *     maximal ill-formed subpart (the Unicode / WHATWG rule);
 *   - TAB, LF, VT, FF, CR, NEL (U+0085), U+2028 and U+2029 become a space,
 *     a run of them one space (a field is one line, and "a\nb" must not
 *     read "ab");
 *   - escape sequences are removed whole: ESC [ ... final (CSI), the
 *     string commands ESC ] / P / X / ^ / _ ... up to BEL or ST (OSC 52
 *     and friends; an unterminated one swallows the rest of the string,
 *     as a terminal would), two- and three-byte ESC sequences, and their
 *     C1 forms (U+009B CSI, U+009D OSC, U+0090 DCS, ...);
 *   - every other C0 control, DEL and C1 control (U+0080-U+009F) is
 *     dropped;
 *   - bidi and invisible format characters are dropped: U+061C,
 *     U+180E, U+200B-U+200F, U+202A-U+202E, U+2060-U+2069, U+FEFF,
 *     U+FFF9-U+FFFB, tag characters U+E0000-U+E007F and the variation
 *     selectors (U+FE00-U+FE0F, U+E0100-U+E01EF: terminals disagree on
 *     the width they give, so widths stay exact);
 *   - a code point wcwidth() calls unprintable (unassigned, private
 *     planes' noncharacters) becomes U+FFFD;
 *   - zero-width marks are kept after a base character (at most
 *     DISPLAY_MARKS_MAX per base, so stacked marks cannot paint over
 *     other lines), and dropped where there is no base.
 * Sanitising a sanitised string changes nothing.
 *
 * Widths come from wcwidth() in a private UTF-8 locale (C.UTF-8), so they
 * do not depend on the process's LC_CTYPE; the UI must still run ncursesw
 * in a UTF-8 locale to draw them. Core-only: no curses here.
 */
#ifndef FULFIL_DISPLAY_H
#define FULFIL_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "ferr.h"

struct secret;

/* U+FFFD and U+2026 in UTF-8; both one column wide. */
#define DISPLAY_REPLACEMENT "\xef\xbf\xbd"
#define DISPLAY_ELLIPSIS "\xe2\x80\xa6"

/* Zero-width marks kept after one base character. */
#define DISPLAY_MARKS_MAX 4

/* No column limit (for display_fit). */
#define DISPLAY_COLS_ANY ((size_t)-1)

/*
 * Bytes that always hold the sanitised form of len input bytes, NUL
 * included (each input byte yields at most one U+FFFD).
 */
#define DISPLAY_BOUND(len) ((len) * 3 + 1)

/* What display_fit wrote. */
struct display_out {
	size_t len;	/* bytes in dst, without the NUL */
	size_t cols;	/* terminal columns they take */
	bool cut;	/* the input did not fit and ends in the ellipsis */
};

/*
 * 0 when widths can be measured: a UTF-8 locale (C.UTF-8) could be
 * loaded. Otherwise FULFIL_ECONFIG with a message, and every function
 * below treats each non-ASCII character as U+FFFD (one column), which is
 * safe but not pretty. Programs call it once at start to report the
 * problem; calling it is not required.
 */
int display_init(struct ferr *err);

/*
 * Sanitise len bytes of src (NUL bytes in it are controls) into dst,
 * cap bytes, NUL-terminated whenever cap > 0, taking at most maxcols
 * columns (DISPLAY_COLS_ANY: no limit). When the sanitised text takes
 * more than maxcols columns or more than cap - 1 bytes, it is cut before
 * the first character that does not fit together with a trailing "..."
 * (U+2026, one column, 3 bytes), never inside a character or between a
 * character and its marks; a wide character at the boundary leaves the
 * result one column short. maxcols 0 or cap < 4 with a cut gives "".
 * out may be NULL. Returns 0, or FULFIL_EINVAL when src is NULL with
 * len > 0 or dst is NULL with cap > 0.
 */
int display_fit(const char *src, size_t len, size_t maxcols, char *dst,
    size_t cap, struct display_out *out);

/* display_fit with no column limit and cap = DISPLAY_BOUND(len): no cut. */
int display_sanitize(const char *src, size_t len, char *dst, size_t cap,
    struct display_out *out);

/* Bytes (NUL excluded) the sanitised form of src takes; no output. */
size_t display_sanitized_len(const char *src, size_t len);

/*
 * display_fit into a new secret just big enough, holding the result as a
 * NUL-terminated string (s->len excludes the NUL), for text that came
 * from sealed data: sanitised PII is still PII. Caller frees with
 * secret_free(). NULL when out of memory (or src NULL with len > 0).
 */
struct secret *display_secret_new(const char *src, size_t len,
    size_t maxcols);

/*
 * For a NUL-terminated string that display_* made (or any valid UTF-8):
 * its width in columns. Anything unprintable counts one column, as the
 * U+FFFD it would become.
 */
size_t display_width(const char *s);

/*
 * Where to cut a string display_* made so that it fits cols columns,
 * without copying it (the UI draws in place). When all of s fits,
 * *nbytes = strlen(s) and the result is false. Otherwise *nbytes is the
 * length of the longest prefix of whole characters (marks included)
 * taking at most cols - 1 columns, and the result is true: draw those
 * bytes, then DISPLAY_ELLIPSIS (when cols > 0).
 */
bool display_cut(const char *s, size_t cols, size_t *nbytes);

/*
 * Bytes of the first character of s (len bytes of sanitised text) and
 * of the zero-width marks after it: what an initial is. 0 when len is 0.
 */
size_t display_char_len(const char *s, size_t len);

/*
 * One well-formed UTF-8 character at s[0..n): its length, with the code
 * point in *cp; 0 when the bytes are not one (overlong, surrogate, past
 * U+10FFFF, truncated, not a lead byte, or n == 0). For validators that
 * refuse rather than replace.
 */
size_t display_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Is cp a character the sanitiser never lets through as text: a line or
 * paragraph break or tab, a C0/C1 control or DEL, a bidi control or an
 * invisible format character? (For input that must be refused, not
 * cleaned, such as a reveal's reason.)
 */
bool display_cp_forbidden(uint32_t cp);

#endif
