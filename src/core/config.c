/*
 * config: the INI file of DESIGN.md, read once into struct fulfil_config.
 *
 * Owns a small INI reader of its own, the one table of keys (cfg_keys:
 * section, name, type, place in the struct, range, default) and the
 * validator of every value type. config_new_defaults() and the parser walk
 * the same table; tests/unit/test_config.c checks doc/fulfil.conf.5 and
 * data/fulfil.conf against it, so the documentation cannot drift.
 *
 * It must never accept a relative path, a sync URL other than https://, a
 * printer target that spools to disk, a retention above its cap or any
 * value it does not understand; never copy raw bytes of the file into a
 * message (names are escaped, values are not echoed); and never open any
 * file but the configuration itself: the paths it returns are checked for
 * form here, for existence and permissions by the modules that use them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fconfig.h"
#include "i18n.h"

#define CFG_LINE_MAX 4096		/* bytes per line, newline excluded */
#define CFG_FILE_MAX (1024 * 1024)	/* bytes per file */
#define CFG_PATH_MAX 4095		/* bytes of a path value */
#define CFG_URL_MAX 2048
#define CFG_CREDENTIAL_MAX 64
#define CFG_PINS_MAX 16
#define CFG_PIN_B64_LEN 44		/* base64 of a 32-byte SHA-256 */
#define CFG_WHY_MAX 256
#define CFG_SHOW_MAX 64			/* bytes of a name shown in a message */
#define CFG_SHOW_PATH_MAX 256		/* bytes of the file name shown */
#define CFG_SUN_PATH_MAX 107		/* sizeof sun_path - 1 on Linux */

#define MINUTE 60
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define WEEK (7 * DAY)

enum cfg_type {
	CFG_PATH,	/* absolute path */
	CFG_STRING,	/* free text, no control characters */
	CFG_NAME,	/* [A-Za-z0-9._-], not starting with . or - */
	CFG_DURATION,	/* config_parse_duration, seconds in int64_t */
	CFG_INT,	/* decimal, int */
	CFG_BOOL,
	CFG_CIPHER,
	CFG_URL,	/* https:// only */
	CFG_KEYSPEC,	/* absolute path or credential:NAME */
	CFG_PRINTER,	/* tcp://HOST:PORT or device:/path */
	CFG_PINS,	/* sha256//BASE64[;sha256//BASE64...] */
	CFG_LANGUAGE,	/* zpl | epl (enum label_language) */
	CFG_DPI,	/* 203 | 300 */
	CFG_NTYPES
};

/* An empty value leaves the key unset (NULL); otherwise empty is an error. */
#define CFG_OPTIONAL 0x1

/*
 * One configuration key. min/max bound a duration (seconds) or an integer,
 * and the length in bytes of a string value (max 0: the type's own limit).
 * def is the default exactly as it would be written in the file ("" for
 * unset or empty); it goes through the same parser as the file's values.
 */
struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	unsigned flags;
	size_t offset;
	int64_t min, max;
	const char *def;
	const char *help;	/* N_(): one line, for listings */
	const char *note;	/* N_(): why a range is what it is, or NULL */
};

#define OFF(f) offsetof(struct fulfil_config, f)

static const struct cfg_key cfg_keys[] = {
	{ "cache", "dir", CFG_PATH, 0, OFF(cache.dir), 1, CFG_PATH_MAX,
	    "/var/lib/fulfil",
	    N_("directory of the encrypted cache (0700)"), NULL },
	{ "cache", "key", CFG_KEYSPEC, 0, OFF(cache.key), 1, CFG_PATH_MAX,
	    "/etc/fulfil/cache.key",
	    N_("key-encryption key: a 0400 key file or credential:NAME"),
	    NULL },
	{ "cache", "cipher", CFG_CIPHER, 0, OFF(cache.cipher), 0, 0, "auto",
	    N_("AEAD cipher for new sealed values"), NULL },
	{ "cache", "retain_after_delivery", CFG_DURATION, 0,
	    OFF(cache.retain_after_delivery), 0,
	    CONFIG_MAX_RETAIN_AFTER_DELIVERY, "0d",
	    N_("how long customer data stays after delivery"),
	    N_("customer data may not be kept more than 30 days after "
	       "delivery") },
	{ "cache", "key_epoch", CFG_DURATION, 0, OFF(cache.key_epoch), HOUR,
	    30 * DAY, "1d",
	    N_("how often the key-encryption key is replaced"), NULL },
	{ "cache", "stale_pii_after", CFG_DURATION, 0,
	    OFF(cache.stale_pii_after), HOUR, 365 * DAY, "14d",
	    N_("an order never shipped that holds customer data longer "
	       "than this raises a stale-PII alert"), NULL },

	{ "auth", "pam_service", CFG_NAME, 0, OFF(auth.pam_service), 1, 64,
	    "fulfil", N_("PAM service name"), NULL },
	{ "auth", "pam_confdir", CFG_PATH, CFG_OPTIONAL, OFF(auth.pam_confdir),
	    0, CFG_PATH_MAX, "",
	    N_("directory of PAM service files instead of the system's "
	       "(tests)"), NULL },
	{ "auth", "service_user", CFG_NAME, 0, OFF(auth.service_user), 1, 32,
	    "fulfil", N_("account the terminal runs as when started as root"),
	    NULL },
	{ "auth", "max_failures", CFG_INT, 0, OFF(auth.max_failures), 1, 100,
	    "5", N_("failed logins within failure_window that lock an account"),
	    NULL },
	{ "auth", "failure_window", CFG_DURATION, 0, OFF(auth.failure_window),
	    1, DAY, "15m", N_("window in which failed logins are counted"),
	    NULL },
	{ "auth", "lockout", CFG_DURATION, 0, OFF(auth.lockout), 1, 7 * DAY,
	    "15m", N_("how long a locked account stays locked"), NULL },
	{ "auth", "idle_logout", CFG_DURATION, 0, OFF(auth.idle_logout), 1,
	    DAY, "2m", N_("idle time after which the screen logs out"), NULL },
	{ "auth", "login_notice", CFG_PATH, CFG_OPTIONAL,
	    OFF(auth.login_notice), 0, CFG_PATH_MAX, "",
	    N_("text file shown on the login screen (at most 6 lines)"),
	    NULL },

	{ "sync", "url", CFG_URL, CFG_OPTIONAL, OFF(sync.url), 0, CFG_URL_MAX,
	    "", N_("base https:// URL of the order-management system"), NULL },
	{ "sync", "ca_file", CFG_PATH, CFG_OPTIONAL, OFF(sync.ca_file), 0,
	    CFG_PATH_MAX, "", N_("extra CA bundle (PEM)"), NULL },
	{ "sync", "pinned_pubkey", CFG_PINS, CFG_OPTIONAL,
	    OFF(sync.pinned_pubkey), 0, 0, "",
	    N_("pinned server public keys: sha256//BASE64;..."), NULL },
	{ "sync", "token_file", CFG_PATH, CFG_OPTIONAL, OFF(sync.token_file),
	    0, CFG_PATH_MAX, "", N_("file holding the bearer token"), NULL },
	{ "sync", "client_cert", CFG_PATH, CFG_OPTIONAL,
	    OFF(sync.client_cert), 0, CFG_PATH_MAX, "",
	    N_("TLS client certificate (PEM)"), NULL },
	{ "sync", "client_key", CFG_PATH, CFG_OPTIONAL, OFF(sync.client_key),
	    0, CFG_PATH_MAX, "", N_("private key of client_cert (PEM)"),
	    NULL },
	{ "sync", "interval", CFG_DURATION, 0, OFF(sync.interval), 1, DAY,
	    "60s", N_("time between two pulls"), NULL },
	{ "sync", "page_size", CFG_INT, 0, OFF(sync.page_size), 1, 1000,
	    "500", N_("orders asked for in one pull request"), NULL },
	{ "sync", "timeout", CFG_DURATION, 0, OFF(sync.timeout), 1, HOUR,
	    "60s", N_("longest time one request to the order system may "
	    "take"), NULL },
	{ "sync", "connect_timeout", CFG_DURATION, 0,
	    OFF(sync.connect_timeout), 1, 300, "10s",
	    N_("longest time to connect to the order system"), NULL },

	{ "printer", "uri", CFG_PRINTER, CFG_OPTIONAL, OFF(printer.uri), 0,
	    CFG_PATH_MAX, "",
	    N_("label printer: tcp://HOST:PORT or device:/path"), NULL },
	{ "printer", "sender", CFG_STRING, 0, OFF(printer.sender), 0, 256, "",
	    N_("sender line printed on dispatch labels"), NULL },
	{ "printer", "language", CFG_LANGUAGE, 0, OFF(printer.language), 0, 0,
	    "zpl", N_("printer language: zpl (ZPL II) or epl (EPL2)"), NULL },
	{ "printer", "dpi", CFG_DPI, 0, OFF(printer.dpi), 0, 0, "203",
	    N_("print density of the label printer: 203 or 300"), NULL },
	{ "printer", "host_status", CFG_BOOL, 0, OFF(printer.host_status), 0,
	    0, "no", N_("ask the printer's host status (~HS) before each "
	    "label and refuse when it is not ready"), NULL },

	{ "audit", "retain", CFG_DURATION, 0, OFF(audit.retain), DAY,
	    366 * DAY, "90d", N_("how long audit events are kept"), NULL },
	{ "audit", "syslog", CFG_BOOL, 0, OFF(audit.syslog), 0, 0, "yes",
	    N_("also send audit events to syslog (authpriv)"), NULL },
	{ "audit", "syslog_socket", CFG_PATH, 0, OFF(audit.syslog_socket), 1,
	    CFG_SUN_PATH_MAX, "/dev/log",
	    N_("unix datagram socket of the local syslog daemon"),
	    NULL },
};

#define CFG_NKEYS (sizeof cfg_keys / sizeof cfg_keys[0])

/* Why a value was refused: a translated reason, no value in it. */
struct cfg_why {
	char msg[CFG_WHY_MAX];
};

typedef int (*cfg_parse_fn)(const struct cfg_key *k, const char *v,
    void *field, struct cfg_why *why);

static int parse_path(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_string(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_name(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_duration(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_int(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_bool(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_cipher(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_url(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_keyspec(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_printer(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_pins(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_language(const struct cfg_key *, const char *, void *,
    struct cfg_why *);
static int parse_dpi(const struct cfg_key *, const char *, void *,
    struct cfg_why *);

static const struct cfg_type_ops {
	const char *name;	/* as in config_key_info and the man page */
	cfg_parse_fn parse;
	bool owns_string;	/* the field is a char * the config frees */
} cfg_types[CFG_NTYPES] = {
	[CFG_PATH] = { "path", parse_path, true },
	[CFG_STRING] = { "string", parse_string, true },
	[CFG_NAME] = { "name", parse_name, true },
	[CFG_DURATION] = { "duration", parse_duration, false },
	[CFG_INT] = { "integer", parse_int, false },
	[CFG_BOOL] = { "boolean", parse_bool, false },
	[CFG_CIPHER] = { "cipher", parse_cipher, false },
	[CFG_URL] = { "url", parse_url, true },
	[CFG_KEYSPEC] = { "key", parse_keyspec, true },
	[CFG_PRINTER] = { "printer", parse_printer, true },
	[CFG_PINS] = { "pins", parse_pins, true },
	[CFG_LANGUAGE] = { "language", parse_language, false },
	[CFG_DPI] = { "dpi", parse_dpi, false },
};

static int
why_set(struct cfg_why *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
why_set(struct cfg_why *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why->msg, sizeof why->msg, fmt, ap);
	va_end(ap);
	return FULFIL_ECONFIG;
}

/*
 * Copy n bytes of s for a message: printable ASCII stays, a backslash is
 * doubled, every other byte becomes \xHH, so no control character or
 * escape sequence from the file can reach a terminal. Cut after max bytes
 * of input with "...". out must hold CFG_SHOW_SIZE(max) bytes.
 */
#define CFG_SHOW_SIZE(max) (4 * (max) + 4)
#define CFG_SHOW_BUF CFG_SHOW_SIZE(CFG_SHOW_MAX)

static void
cfg_show(const char *s, size_t n, size_t max, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static bool
ascii_eq_nocase(const char *a, size_t an, const char *b)
{
	size_t i;

	if (an != strlen(b))
		return false;
	for (i = 0; i < an; i++) {
		unsigned char x = (unsigned char)a[i];
		unsigned char y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, j, k;
	uint32_t cp, min;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* C0 controls, DEL, and C1 controls (U+0080..U+009F) in valid UTF-8. */
static bool
has_control(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return true;
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	}
	return false;
}

static int
set_string(void *field, const char *v)
{
	char **dst = field, *copy = NULL;

	if (v != NULL && (copy = strdup(v)) == NULL)
		return FULFIL_ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static int
check_abs_path(const struct cfg_key *k, const char *v, struct cfg_why *why)
{
	if (v[0] != '/')
		return why_set(why,
		    _("must be an absolute path (starting with /)"));
	if (strlen(v) > (size_t)k->max)
		return why_set(why, _("is longer than %lld bytes"),
		    (long long)k->max);
	return 0;
}

static int
parse_path(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	int r;

	if (*v == '\0') {
		if (k->flags & CFG_OPTIONAL)
			return set_string(field, NULL);
		return why_set(why, _("must not be empty"));
	}
	if ((r = check_abs_path(k, v, why)) != 0)
		return r;
	return set_string(field, v);
}

static int
parse_string(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	if (strlen(v) > (size_t)k->max)
		return why_set(why, _("is longer than %lld bytes"),
		    (long long)k->max);
	return set_string(field, v);
}

static int
parse_name(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	size_t i, n = strlen(v);

	if (n < (size_t)k->min)
		return why_set(why, _("must not be empty"));
	if (n > (size_t)k->max)
		return why_set(why, _("is longer than %lld bytes"),
		    (long long)k->max);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!is_alnum(c) && c != '_' &&
		    (i == 0 || (c != '.' && c != '-')))
			return why_set(why,
			    _("may hold only letters, digits, '.', '_' and "
			      "'-', and must not start with '.' or '-'"));
	}
	return set_string(field, v);
}

static int
parse_duration(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	char lim[32];
	int64_t secs;

	if (config_parse_duration(v, &secs) != 0)
		return why_set(why,
		    _("is not a duration: write one whole number and one "
		      "unit of s, m, h, d or w, without spaces (e.g. 15m)"));
	if (secs < k->min || secs > k->max) {
		bool low = secs < k->min;

		config_format_duration(low ? k->min : k->max, lim, sizeof lim);
		if (k->note != NULL)
			return why_set(why,
			    low ? _("must be at least %s (%s)") :
			    _("must be at most %s (%s)"), lim, _(k->note));
		return why_set(why, low ? _("must be at least %s") :
		    _("must be at most %s"), lim);
	}
	*(int64_t *)field = secs;
	return 0;
}

static int
parse_int(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	long long n;
	char *end;

	if (!((v[0] >= '0' && v[0] <= '9') ||
	    (v[0] == '-' && v[1] >= '0' && v[1] <= '9')))
		return why_set(why, _("is not a whole number"));
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end != '\0')
		return why_set(why, _("is not a whole number"));
	if (errno == ERANGE || n < k->min || n > k->max)
		return why_set(why, _("must be from %lld to %lld"),
		    (long long)k->min, (long long)k->max);
	*(int *)field = (int)n;
	return 0;
}

static const struct {
	const char *word;
	bool value;
} cfg_bools[] = {
	{ "yes", true }, { "no", false },
	{ "true", true }, { "false", false },
	{ "on", true }, { "off", false },
	{ "1", true }, { "0", false },
};

static int
parse_bool(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	size_t i;

	(void)k;
	for (i = 0; i < sizeof cfg_bools / sizeof cfg_bools[0]; i++) {
		if (ascii_eq_nocase(v, strlen(v), cfg_bools[i].word)) {
			*(bool *)field = cfg_bools[i].value;
			return 0;
		}
	}
	return why_set(why, _("must be yes or no (also true/false, on/off, "
	    "1/0)"));
}

/*
 * Parsed here rather than by crypto_cipher_parse() so that config does not
 * depend on crypto; the names are the ones crypto_cipher_name() gives.
 */
static const struct {
	const char *name;
	enum fulfil_cipher cipher;
} cfg_ciphers[] = {
	{ "auto", FULFIL_CIPHER_AUTO },
	{ "aes256gcm", FULFIL_CIPHER_AES256GCM },
	{ "xchacha20poly1305", FULFIL_CIPHER_XCHACHA20POLY1305 },
};

static int
parse_cipher(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	size_t i;

	(void)k;
	for (i = 0; i < sizeof cfg_ciphers / sizeof cfg_ciphers[0]; i++) {
		if (strcmp(v, cfg_ciphers[i].name) == 0) {
			*(enum fulfil_cipher *)field = cfg_ciphers[i].cipher;
			return 0;
		}
	}
	return why_set(why,
	    _("must be auto, aes256gcm or xchacha20poly1305"));
}

/*
 * HOST or HOST:PORT (n bytes at s): a DNS name or IPv4 address of
 * [A-Za-z0-9._-], or an IPv6 literal in brackets; PORT 1-65535.
 */
static int
check_hostport(const char *s, size_t n, bool need_port, struct cfg_why *why)
{
	size_t i, hostlen;
	const char *port = NULL;
	long p = 0;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL || close == s + 1)
			return why_set(why, _("has a malformed IPv6 address"));
		for (i = 1; s + i < close; i++)
			if (!is_alnum((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '.')
				return why_set(why,
				    _("has a malformed IPv6 address"));
		hostlen = (size_t)(close - s) + 1;
	} else {
		for (hostlen = 0; hostlen < n && s[hostlen] != ':'; hostlen++) {
			unsigned char c = (unsigned char)s[hostlen];

			if (!is_alnum(c) && c != '.' && c != '-' && c != '_')
				return why_set(why,
				    _("has a host name with characters other "
				      "than letters, digits, '.', '-' and "
				      "'_'"));
		}
		if (hostlen == 0)
			return why_set(why, _("has no host"));
	}
	if (hostlen < n) {
		if (s[hostlen] != ':')
			return why_set(why, _("has a malformed host"));
		port = s + hostlen + 1;
		if (port == s + n)
			return why_set(why, _("has an empty port"));
		for (i = 0; port + i < s + n; i++) {
			if (port[i] < '0' || port[i] > '9' || i >= 5)
				return why_set(why,
				    _("port must be a number from 1 to "
				      "65535"));
			p = p * 10 + (port[i] - '0');
		}
		if (p < 1 || p > 65535)
			return why_set(why,
			    _("port must be a number from 1 to 65535"));
	} else if (need_port) {
		return why_set(why, _("needs a port: tcp://HOST:PORT (a label "
		    "printer listens on 9100)"));
	}
	return 0;
}

/* Length of a URI scheme at s (letters, digits, + - .) ending in ':'. */
static size_t
scheme_len(const char *s)
{
	size_t n = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	while (is_alnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' ||
	    s[n] == '.')
		n++;
	return s[n] == ':' ? n : 0;
}

static int
parse_url(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	size_t n = strlen(v), sl, alen;
	const char *auth;
	char *copy;
	int r;

	if (n == 0)
		return set_string(field, NULL);
	if (n > (size_t)k->max)
		return why_set(why, _("is longer than %lld bytes"),
		    (long long)k->max);
	sl = scheme_len(v);
	if (sl == 4 && ascii_eq_nocase(v, sl, "http"))
		return why_set(why, _("http:// is not allowed, use https://"));
	if (sl != 5 || !ascii_eq_nocase(v, sl, "https") ||
	    strncmp(v + sl, "://", 3) != 0)
		return why_set(why, _("must be an https:// URL"));
	if (strpbrk(v, " \t") != NULL)
		return why_set(why, _("must not contain spaces"));
	if (strpbrk(v, "?#") != NULL)
		return why_set(why,
		    _("must not contain a query (?) or fragment (#)"));
	auth = v + sl + 3;
	alen = strcspn(auth, "/");
	if (memchr(auth, '@', alen) != NULL)
		return why_set(why, _("must not contain a user name or "
		    "password; use token_file or client_cert"));
	if ((r = check_hostport(auth, alen, false, why)) != 0)
		return r;
	if ((copy = strdup(v)) == NULL)
		return FULFIL_ENOMEM;
	/* One canonical base: requests append "/orders" and the like. */
	while (n > 0 && copy[n - 1] == '/')
		copy[--n] = '\0';
	r = set_string(field, copy);
	free(copy);
	return r;
}

static int
parse_keyspec(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	static const char prefix[] = CRYPTO_CREDENTIAL_PREFIX;
	const char *name;
	size_t i, n;
	int r;

	if (*v == '\0')
		return why_set(why, _("must not be empty"));
	if (strncmp(v, prefix, sizeof prefix - 1) == 0) {
		name = v + sizeof prefix - 1;
		n = strlen(name);
		if (n == 0 || n > CFG_CREDENTIAL_MAX ||
		    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			goto badcred;
		for (i = 0; i < n; i++)
			if (!is_alnum((unsigned char)name[i]) &&
			    name[i] != '.' && name[i] != '_' && name[i] != '-')
				goto badcred;
		return set_string(field, v);
	}
	if (v[0] != '/')
		return why_set(why, _("must be an absolute path or "
		    "credential:NAME"));
	if ((r = check_abs_path(k, v, why)) != 0)
		return r;
	return set_string(field, v);
badcred:
	return why_set(why, _("credential name must be 1 to %d letters, "
	    "digits, '.', '_' or '-'"), CFG_CREDENTIAL_MAX);
}

/* Printer URI schemes refused, and why. */
static const struct {
	const char *scheme;
	const char *why;
} cfg_bad_printers[] = {
	{ "file", N_("file: would keep labels on disk; use tcp:// or "
	    "device:") },
	{ "cups", N_("CUPS and lpd spool print jobs to disk; use tcp:// or "
	    "device:") },
	{ "ipp", N_("CUPS and lpd spool print jobs to disk; use tcp:// or "
	    "device:") },
	{ "ipps", N_("CUPS and lpd spool print jobs to disk; use tcp:// or "
	    "device:") },
	{ "lpd", N_("CUPS and lpd spool print jobs to disk; use tcp:// or "
	    "device:") },
	{ "socket", N_("write a raw socket printer as tcp://HOST:PORT") },
};

static int
parse_printer(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	size_t i, sl, n = strlen(v);
	const char *rest;
	int r;

	if (n == 0)
		return set_string(field, NULL);
	if (n > (size_t)k->max)
		return why_set(why, _("is longer than %lld bytes"),
		    (long long)k->max);
	if (v[0] == '/')
		return why_set(why, _("a plain path is not allowed (a regular "
		    "file would keep labels on disk); write "
		    "device:/dev/usb/lp0 for a printer device"));
	sl = scheme_len(v);
	rest = v + sl + 1;
	if (sl == 3 && ascii_eq_nocase(v, sl, "tcp")) {
		if (strncmp(rest, "//", 2) != 0)
			return why_set(why, _("must be tcp://HOST:PORT"));
		rest += 2;
		if (strchr(rest, '/') != NULL)
			return why_set(why, _("must be tcp://HOST:PORT, "
			    "without a path"));
		if ((r = check_hostport(rest, strlen(rest), true, why)) != 0)
			return r;
		return set_string(field, v);
	}
	if (sl == 6 && ascii_eq_nocase(v, sl, "device")) {
		if (rest[0] != '/' || rest[1] == '/')
			return why_set(why, _("must be device: followed by an "
			    "absolute path, e.g. device:/dev/usb/lp0"));
		if (strpbrk(rest, " \t") != NULL)
			return why_set(why, _("must not contain spaces"));
		return set_string(field, v);
	}
	for (i = 0; sl > 0 &&
	    i < sizeof cfg_bad_printers / sizeof cfg_bad_printers[0]; i++)
		if (ascii_eq_nocase(v, sl, cfg_bad_printers[i].scheme))
			return why_set(why, "%s", _(cfg_bad_printers[i].why));
	return why_set(why, _("must be tcp://HOST:PORT or device:/path"));
}

static bool
is_b64(unsigned char c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

/* libcurl's CURLOPT_PINNEDPUBLICKEY list: sha256//BASE64;sha256//BASE64 */
static int
parse_pins(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	static const char prefix[] = "sha256//";
	const size_t plen = sizeof prefix - 1;
	const char *p = v;
	size_t count = 0, n, i;

	(void)k;
	if (*v == '\0')
		return set_string(field, NULL);
	for (;;) {
		n = strcspn(p, ";");
		count++;
		if (count > CFG_PINS_MAX)
			return why_set(why, _("has more than %d pins"),
			    CFG_PINS_MAX);
		if (n != plen + CFG_PIN_B64_LEN ||
		    strncmp(p, prefix, plen) != 0 ||
		    p[n - 1] != '=')
			goto bad;
		for (i = plen; i < n - 1; i++)
			if (!is_b64((unsigned char)p[i]))
				goto bad;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return set_string(field, v);
bad:
	return why_set(why, _("pin %zu is not sha256// followed by the "
	    "base64 SHA-256 of a public key (44 characters); separate pins "
	    "with ';'"), count);
}

/*
 * Parsed here rather than by label_language_parse() so that config does
 * not depend on label; the names are the ones label_language_name() gives.
 */
static const struct {
	const char *name;
	enum label_language lang;
} cfg_languages[] = {
	{ "zpl", LABEL_ZPL },
	{ "epl", LABEL_EPL },
};

static int
parse_language(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	size_t i;

	(void)k;
	for (i = 0; i < sizeof cfg_languages / sizeof cfg_languages[0]; i++) {
		if (strcmp(v, cfg_languages[i].name) == 0) {
			*(enum label_language *)field = cfg_languages[i].lang;
			return 0;
		}
	}
	return why_set(why, _("must be zpl (ZPL II) or epl (EPL2)"));
}

static int
parse_dpi(const struct cfg_key *k, const char *v, void *field,
    struct cfg_why *why)
{
	(void)k;
	if (strcmp(v, "203") == 0) {
		*(int *)field = LABEL_DPI_203;
		return 0;
	}
	if (strcmp(v, "300") == 0) {
		*(int *)field = LABEL_DPI_300;
		return 0;
	}
	return why_set(why, _("must be 203 or 300 (dots per inch of the "
	    "printer)"));
}

/* The key of the table, or NULL. name is n bytes, not terminated. */
static const struct cfg_key *
cfg_lookup(const char *section, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strlen(cfg_keys[i].name) == n &&
		    memcmp(cfg_keys[i].name, name, n) == 0)
			return &cfg_keys[i];
	return NULL;
}

/* The section's name as it is in the table (static), or NULL. */
static const char *
cfg_section(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (strlen(cfg_keys[i].section) == n &&
		    memcmp(cfg_keys[i].section, name, n) == 0)
			return cfg_keys[i].section;
	return NULL;
}

/* Validate v for key k and store it in cfg. */
static int
cfg_apply(const struct cfg_key *k, const char *v, struct fulfil_config *cfg,
    struct cfg_why *why)
{
	if (!utf8_valid((const unsigned char *)v, strlen(v)))
		return why_set(why, _("is not valid UTF-8"));
	if (has_control(v))
		return why_set(why, _("must not contain control characters"));
	return cfg_types[k->type].parse(k, v, (char *)cfg + k->offset, why);
}

struct fulfil_config *
config_new_defaults(void)
{
	struct fulfil_config *cfg;
	struct cfg_why why;
	size_t i;
	int r;

	if ((cfg = calloc(1, sizeof *cfg)) == NULL)
		return NULL;
	for (i = 0; i < CFG_NKEYS; i++) {
		if ((r = cfg_apply(&cfg_keys[i], cfg_keys[i].def, cfg,
		    &why)) == 0)
			continue;
		config_free(cfg);
		if (r == FULFIL_ENOMEM)
			return NULL;
		abort();	/* a default its own validator refuses */
	}
	return cfg;
}

int
config_notice_read(const struct fulfil_config *cfg, char *buf, size_t cap,
    struct ferr *err)
{
	const char *path = cfg->auth.login_notice;
	struct stat st;
	size_t len = 0, lines = 1, i;
	ssize_t n;
	int fd;

	if (cap == 0)
		return ferr_set(err, FULFIL_EINVAL, _("no room for the notice"));
	buf[0] = '\0';
	if (path == NULL)
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return ferr_set(err, FULFIL_ECONFIG, _("[auth] login_notice: "
		    "cannot open %s: %s"), path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ferr_set(err, FULFIL_ECONFIG, _("[auth] login_notice: "
		    "%s is not a regular file"), path);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		close(fd);
		return ferr_set(err, FULFIL_ECONFIG, _("[auth] login_notice: "
		    "%s may be written by others (mode %03o)"), path,
		    (unsigned)(st.st_mode & 0777));
	}
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (len > CONFIG_NOTICE_MAX || (size_t)st.st_size > CONFIG_NOTICE_MAX)
		return ferr_set(err, FULFIL_ECONFIG, _("[auth] login_notice: "
		    "%s is longer than %d bytes"), path, CONFIG_NOTICE_MAX);
	for (i = 0; i < len; i++)
		if (buf[i] == '\n' && i + 1 < len)
			lines++;
	if (lines > CONFIG_NOTICE_LINES)
		return ferr_set(err, FULFIL_ECONFIG, _("[auth] login_notice: "
		    "%s has more than %d lines"), path, CONFIG_NOTICE_LINES);
	return 0;
}

void
config_free(struct fulfil_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < CFG_NKEYS; i++)
		if (cfg_types[cfg_keys[i].type].owns_string)
			free(*(char **)((char *)cfg + cfg_keys[i].offset));
	free(cfg->path);
	free(cfg);
}

int
config_parse_duration(const char *s, int64_t *secs)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = {
		{ 's', 1 }, { 'm', MINUTE }, { 'h', HOUR }, { 'd', DAY },
		{ 'w', WEEK },
	};
	int64_t n = 0;
	size_t i;

	if (s == NULL || secs == NULL || *s < '0' || *s > '9')
		return FULFIL_EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (INT64_MAX - (*s - '0')) / 10)
			return FULFIL_EINVAL;
		n = n * 10 + (*s - '0');
	}
	if (s[0] == '\0' || s[1] != '\0')
		return FULFIL_EINVAL;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (units[i].unit != s[0])
			continue;
		if (n > INT64_MAX / units[i].secs)
			return FULFIL_EINVAL;
		*secs = n * units[i].secs;
		return 0;
	}
	return FULFIL_EINVAL;
}

void
config_format_duration(int64_t secs, char *buf, size_t len)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = {
		{ 'w', WEEK }, { 'd', DAY }, { 'h', HOUR }, { 'm', MINUTE },
	};
	size_t i;

	if (buf == NULL || len == 0)
		return;
	for (i = 0; secs > 0 && i < sizeof units / sizeof units[0]; i++) {
		if (secs % units[i].secs == 0) {
			snprintf(buf, len, "%lld%c",
			    (long long)(secs / units[i].secs), units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%llds", (long long)secs);
}

bool
config_key_info(size_t i, struct config_key_info *out)
{
	const struct cfg_key *k;

	if (i >= CFG_NKEYS || out == NULL)
		return false;
	k = &cfg_keys[i];
	out->section = k->section;
	out->key = k->name;
	out->type = cfg_types[k->type].name;
	out->def = k->def;
	out->optional = (k->flags & CFG_OPTIONAL) != 0;
	out->ranged = k->type == CFG_DURATION || k->type == CFG_INT;
	out->min = k->min;
	out->max = k->max;
	out->help = k->help;
	return true;
}

/* Everything one parse needs: where we are and what was seen where. */
struct cfg_parse {
	struct fulfil_config *cfg;
	char file[CFG_SHOW_SIZE(CFG_SHOW_PATH_MAX)];	/* escaped path */
	unsigned lineno;
	const char *section;		/* current [section], or NULL */
	unsigned set_at[CFG_NKEYS];	/* line of each key, 0: not set */
	struct ferr *err;
};

static int
line_error(struct cfg_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
line_error(struct cfg_parse *p, const char *fmt, ...)
{
	char what[FERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return ferr_set(p->err, FULFIL_ECONFIG, "%s:%u: %s", p->file,
	    p->lineno, what);
}

static int
key_error(struct cfg_parse *p, const struct cfg_key *k, unsigned line,
    const char *why)
{
	return ferr_set(p->err, FULFIL_ECONFIG, "%s:%u: [%s] %s: %s",
	    p->file, line, k->section, k->name, why);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim spaces and tabs at both ends of s[0..*n), returning the start. */
static char *
trim(char *s, size_t *n)
{
	while (*n > 0 && is_space(s[0])) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_space(s[*n - 1]))
		(*n)--;
	return s;
}

static int
parse_section(struct cfg_parse *p, char *s, size_t n)
{
	char show[CFG_SHOW_BUF];
	const char *sec;
	char *name;
	size_t nn;

	if (n < 2 || s[n - 1] != ']')
		return line_error(p, _("malformed section line: expected "
		    "[name]"));
	nn = n - 2;
	name = trim(s + 1, &nn);
	if ((sec = cfg_section(name, nn)) == NULL) {
		cfg_show(name, nn, CFG_SHOW_MAX, show);
		return line_error(p, _("unknown section [%s]"), show);
	}
	p->section = sec;
	return 0;
}

static int
parse_assignment(struct cfg_parse *p, char *s, size_t n)
{
	char show[CFG_SHOW_BUF];
	const struct cfg_key *k;
	struct cfg_why why;
	char *eq, *name, *value;
	size_t nn, vn, idx;
	int r;

	if ((eq = memchr(s, '=', n)) == NULL)
		return line_error(p, _("malformed line: expected [section], "
		    "key = value or a comment"));
	nn = (size_t)(eq - s);
	name = trim(s, &nn);
	vn = n - (size_t)(eq - s) - 1;
	value = trim(eq + 1, &vn);
	value[vn] = '\0';
	if (nn == 0)
		return line_error(p, _("malformed line: no key before '='"));
	cfg_show(name, nn, CFG_SHOW_MAX, show);
	if (p->section == NULL)
		return line_error(p, _("%s: key outside any section"), show);
	if ((k = cfg_lookup(p->section, name, nn)) == NULL)
		return line_error(p, _("[%s] %s: unknown key"), p->section,
		    show);
	idx = (size_t)(k - cfg_keys);
	if (p->set_at[idx] != 0) {
		char msg[CFG_WHY_MAX];

		snprintf(msg, sizeof msg, _("duplicate key (first set on line "
		    "%u)"), p->set_at[idx]);
		return key_error(p, k, p->lineno, msg);
	}
	p->set_at[idx] = p->lineno;
	if ((r = cfg_apply(k, value, p->cfg, &why)) == FULFIL_ENOMEM)
		return ferr_set(p->err, r, _("out of memory"));
	if (r != 0)
		return key_error(p, k, p->lineno, why.msg);
	return 0;
}

/* One line (n bytes, no newline, writable, s[n] may be overwritten). */
static int
parse_line(struct cfg_parse *p, char *s, size_t n)
{
	size_t i;

	if (n > CFG_LINE_MAX)
		return line_error(p, _("line is longer than %d bytes"),
		    CFG_LINE_MAX);
	if (memchr(s, '\0', n) != NULL)
		return line_error(p, _("line contains a NUL byte"));
	if (!utf8_valid((const unsigned char *)s, n))
		return line_error(p, _("line is not valid UTF-8"));
	if (n > 0 && s[n - 1] == '\r')
		n--;
	s = trim(s, &n);
	if (n == 0 || s[0] == ';' || s[0] == '#')
		return 0;
	/* An inline comment starts at whitespace followed by ';'. */
	for (i = 1; i < n; i++) {
		if (s[i] == ';' && is_space(s[i - 1])) {
			n = i;
			break;
		}
	}
	s = trim(s, &n);
	if (s[0] == '[')
		return parse_section(p, s, n);
	return parse_assignment(p, s, n);
}

/* Checks that span keys, after the whole file was read. */
static int
cfg_check(struct cfg_parse *p, const struct stat *st)
{
	const struct fulfil_config *cfg = p->cfg;
	const struct cfg_key *k;

	if (cfg->sync.client_key != NULL && cfg->sync.client_cert == NULL) {
		k = cfg_lookup("sync", "client_key", strlen("client_key"));
		return key_error(p, k, p->set_at[k - cfg_keys],
		    _("is set but client_cert is not"));
	}
	/*
	 * pam_confdir replaces the system's PAM stack: whoever can write this
	 * file could then log anyone in. Honour it only from a file that only
	 * root or the account running us can write.
	 */
	if (cfg->auth.pam_confdir != NULL &&
	    ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    (st->st_uid != 0 && st->st_uid != geteuid()))) {
		k = cfg_lookup("auth", "pam_confdir", strlen("pam_confdir"));
		return key_error(p, k, p->set_at[k - cfg_keys],
		    _("is honoured only in a file that group and others "
		      "cannot write, owned by root or by the user running "
		      "fulfil"));
	}
	return 0;
}

static int
cfg_parse_buffer(struct cfg_parse *p, char *buf, size_t len,
    const struct stat *st)
{
	char *s = buf, *end = buf + len, *nl;
	int r;

	/* A UTF-8 byte order mark some editors write is not content. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < end) {
		p->lineno++;
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		*nl = '\0';
		if ((r = parse_line(p, s, (size_t)(nl - s))) != 0)
			return r;
		s = nl + 1;
	}
	return cfg_check(p, st);
}

/*
 * Read the whole file at path into *buf (caller frees). ENOENT is
 * reported as FULFIL_ENOTFOUND without a message, so the caller decides.
 */
static int
cfg_read(const char *path, const char *show, char **buf, size_t *len,
    struct stat *st, struct ferr *err)
{
	char *b = NULL;
	size_t n = 0;
	ssize_t got;
	int fd, r = 0, e;

	*buf = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) <
	    0) {
		if (errno == ENOENT)
			return FULFIL_ENOTFOUND;
		e = errno;
		return ferr_set(err, FULFIL_ECONFIG, _("%s: cannot open: %s"),
		    show, strerror(e));
	}
	if (fstat(fd, st) != 0) {
		e = errno;
		r = ferr_set(err, FULFIL_ECONFIG, _("%s: cannot stat: %s"),
		    show, strerror(e));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		r = ferr_set(err, FULFIL_ECONFIG,
		    _("%s: not a regular file"), show);
		goto out;
	}
	if ((b = malloc(CFG_FILE_MAX + 1)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	while (n <= CFG_FILE_MAX) {
		got = read(fd, b + n, CFG_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			r = ferr_set(err, FULFIL_ECONFIG,
			    _("%s: cannot read: %s"), show, strerror(e));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > CFG_FILE_MAX) {
		r = ferr_set(err, FULFIL_ECONFIG,
		    _("%s: larger than %d bytes, refused"), show,
		    CFG_FILE_MAX);
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return r;
}

/* The file to read: path, else $FULFIL_CONFIG, else the default. */
static const char *
cfg_choose_path(const char *path, bool *implicit)
{
	const char *env;

	*implicit = false;
	if (path != NULL)
		return path;
#ifdef __GLIBC__
	env = secure_getenv("FULFIL_CONFIG");
#else
	env = getenv("FULFIL_CONFIG");
#endif
	if (env != NULL && *env != '\0')
		return env;
	*implicit = true;
	return CONFIG_DEFAULT_PATH;
}

int
config_load(const char *path, struct fulfil_config **out, struct ferr *err)
{
	struct cfg_parse p;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	bool implicit;
	int r;

	if (out == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("no place for the "
		    "configuration"));
	*out = NULL;
	memset(&p, 0, sizeof p);
	p.err = err;
	path = cfg_choose_path(path, &implicit);
	cfg_show(path, strlen(path), CFG_SHOW_PATH_MAX, p.file);
	if (*path == '\0')
		return ferr_set(err, FULFIL_ECONFIG,
		    _("empty configuration file name"));
	if ((p.cfg = config_new_defaults()) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	r = cfg_read(path, p.file, &buf, &len, &st, err);
	if (r == FULFIL_ENOTFOUND && implicit) {
		r = 0;
		goto done;
	}
	if (r == FULFIL_ENOTFOUND) {
		r = ferr_set(err, FULFIL_ECONFIG,
		    _("%s: no such configuration file"), p.file);
		goto out;
	}
	if (r != 0)
		goto out;
	if ((p.cfg->path = strdup(path)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if ((r = cfg_parse_buffer(&p, buf, len, &st)) != 0)
		goto out;
done:
	*out = p.cfg;
	p.cfg = NULL;
out:
	free(buf);
	config_free(p.cfg);
	return r;
}
