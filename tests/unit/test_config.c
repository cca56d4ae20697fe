/*
 * test_config: the INI parser, every key's validation, defaults, the
 * choice of file ($FULFIL_CONFIG, default path), durations, and that the
 * man page and the sample file agree with the key table.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "fconfig.h"
#include "ferr.h"

#define DAY 86400
#define PIN_A "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define PIN_B "sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="

static char *tmpdir;

static int
setup(void **state)
{
	(void)state;
	tu_init();
	unsetenv("FULFIL_CONFIG");
	tmpdir = tu_mkdtemp();
	return tmpdir == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmtree(tmpdir);
	free(tmpdir);
	return 0;
}

/* Write text (len bytes) to a fresh file in tmpdir; caller frees. */
static char *
write_conf(const char *name, const char *text, size_t len)
{
	char *path = tu_path(tmpdir, name);

	assert_non_null(path);
	assert_int_equal(tu_write_file(path, text, len, 0600), 0);
	return path;
}

/* Load text as a file; returns the code, err filled. */
static int
load_text(const char *text, size_t len, struct fulfil_config **cfg,
    struct ferr *err, char **pathp)
{
	char *path = write_conf("fulfil.conf", text, len);
	int r;

	ferr_clear(err);
	*cfg = NULL;
	r = config_load(path, cfg, err);
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return r;
}

enum vt { V_STR, V_I64, V_INT, V_BOOL, V_CIPHER };

#define F(f) offsetof(struct fulfil_config, f)

struct good_case {
	const char *text;
	enum vt type;
	size_t off;
	const char *s;		/* V_STR: expected string, NULL for unset */
	int64_t i;		/* others */
};

static const struct good_case good_cases[] = {
	/* [cache] */
	{ "[cache]\ndir = /srv/fulfil\n", V_STR, F(cache.dir), "/srv/fulfil",
	    0 },
	{ "[cache]\ndir = /var/lib/fulfil dir\n", V_STR, F(cache.dir),
	    "/var/lib/fulfil dir", 0 },
	{ "[cache]\nkey = /etc/fulfil/other.key\n", V_STR, F(cache.key),
	    "/etc/fulfil/other.key", 0 },
	{ "[cache]\nkey = credential:fulfil.kek\n", V_STR, F(cache.key),
	    "credential:fulfil.kek", 0 },
	{ "[cache]\nkey = credential:A-b_c.9\n", V_STR, F(cache.key),
	    "credential:A-b_c.9", 0 },
	{ "[cache]\ncipher = auto\n", V_CIPHER, F(cache.cipher), NULL,
	    FULFIL_CIPHER_AUTO },
	{ "[cache]\ncipher = aes256gcm\n", V_CIPHER, F(cache.cipher), NULL,
	    FULFIL_CIPHER_AES256GCM },
	{ "[cache]\ncipher = xchacha20poly1305\n", V_CIPHER, F(cache.cipher),
	    NULL, FULFIL_CIPHER_XCHACHA20POLY1305 },
	{ "[cache]\nretain_after_delivery = 0d\n", V_I64,
	    F(cache.retain_after_delivery), NULL, 0 },
	{ "[cache]\nretain_after_delivery = 30d\n", V_I64,
	    F(cache.retain_after_delivery), NULL, 30 * DAY },
	{ "[cache]\nretain_after_delivery = 720h\n", V_I64,
	    F(cache.retain_after_delivery), NULL, 30 * DAY },
	{ "[cache]\nretain_after_delivery = 2w\n", V_I64,
	    F(cache.retain_after_delivery), NULL, 14 * DAY },
	{ "[cache]\nkey_epoch = 1h\n", V_I64, F(cache.key_epoch), NULL, 3600 },
	{ "[cache]\nkey_epoch = 30d\n", V_I64, F(cache.key_epoch), NULL,
	    30 * DAY },
	/* [auth] */
	{ "[auth]\npam_service = fulfil-test\n", V_STR, F(auth.pam_service),
	    "fulfil-test", 0 },
	{ "[auth]\npam_service = a.b_c\n", V_STR, F(auth.pam_service),
	    "a.b_c", 0 },
	{ "[auth]\npam_confdir = /tmp/pam.d\n", V_STR, F(auth.pam_confdir),
	    "/tmp/pam.d", 0 },
	{ "[auth]\npam_confdir =\n", V_STR, F(auth.pam_confdir), NULL, 0 },
	{ "[auth]\nservice_user = _fulfil\n", V_STR, F(auth.service_user),
	    "_fulfil", 0 },
	{ "[auth]\nmax_failures = 1\n", V_INT, F(auth.max_failures), NULL, 1 },
	{ "[auth]\nmax_failures = 100\n", V_INT, F(auth.max_failures), NULL,
	    100 },
	{ "[auth]\nfailure_window = 1s\n", V_I64, F(auth.failure_window),
	    NULL, 1 },
	{ "[auth]\nfailure_window = 1d\n", V_I64, F(auth.failure_window),
	    NULL, DAY },
	{ "[auth]\nlockout = 7d\n", V_I64, F(auth.lockout), NULL, 7 * DAY },
	{ "[auth]\nlockout = 1w\n", V_I64, F(auth.lockout), NULL, 7 * DAY },
	{ "[auth]\nidle_logout = 3s\n", V_I64, F(auth.idle_logout), NULL, 3 },
	/* [sync] */
	{ "[sync]\nurl = https://oms.example.com/api/v1\n", V_STR,
	    F(sync.url), "https://oms.example.com/api/v1", 0 },
	{ "[sync]\nurl = https://127.0.0.1:8443/\n", V_STR, F(sync.url),
	    "https://127.0.0.1:8443", 0 },
	{ "[sync]\nurl = HTTPS://[::1]:443/api\n", V_STR, F(sync.url),
	    "HTTPS://[::1]:443/api", 0 },
	{ "[sync]\nurl =\n", V_STR, F(sync.url), NULL, 0 },
	{ "[sync]\nca_file = /etc/fulfil/ca.pem\n", V_STR, F(sync.ca_file),
	    "/etc/fulfil/ca.pem", 0 },
	{ "[sync]\nca_file =\n", V_STR, F(sync.ca_file), NULL, 0 },
	{ "[sync]\npinned_pubkey = " PIN_A "\n", V_STR, F(sync.pinned_pubkey),
	    PIN_A, 0 },
	{ "[sync]\npinned_pubkey = " PIN_A ";" PIN_B "\n", V_STR,
	    F(sync.pinned_pubkey), PIN_A ";" PIN_B, 0 },
	{ "[sync]\ntoken_file = /etc/fulfil/token\n", V_STR,
	    F(sync.token_file), "/etc/fulfil/token", 0 },
	{ "[sync]\nclient_cert = /etc/fulfil/c.pem\n", V_STR,
	    F(sync.client_cert), "/etc/fulfil/c.pem", 0 },
	{ "[sync]\nclient_cert = /c.pem\nclient_key = /k.pem\n", V_STR,
	    F(sync.client_key), "/k.pem", 0 },
	{ "[sync]\ninterval = 1s\n", V_I64, F(sync.interval), NULL, 1 },
	{ "[sync]\ninterval = 1d\n", V_I64, F(sync.interval), NULL, DAY },
	/* [printer] */
	{ "[printer]\nuri = tcp://printer.example:9100\n", V_STR,
	    F(printer.uri), "tcp://printer.example:9100", 0 },
	{ "[printer]\nuri = tcp://127.0.0.1:1\n", V_STR, F(printer.uri),
	    "tcp://127.0.0.1:1", 0 },
	{ "[printer]\nuri = tcp://[::1]:65535\n", V_STR, F(printer.uri),
	    "tcp://[::1]:65535", 0 },
	{ "[printer]\nuri = device:/dev/usb/lp0\n", V_STR, F(printer.uri),
	    "device:/dev/usb/lp0", 0 },
	{ "[printer]\nuri =\n", V_STR, F(printer.uri), NULL, 0 },
	{ "[printer]\nsender = Example Ltd, Unit 4, EX1 2MP, GB\n", V_STR,
	    F(printer.sender), "Example Ltd, Unit 4, EX1 2MP, GB", 0 },
	{ "[printer]\nsender = Bäckerei Müller GmbH, Köln\n", V_STR,
	    F(printer.sender), "Bäckerei Müller GmbH, Köln", 0 },
	{ "[printer]\nsender =\n", V_STR, F(printer.sender), "", 0 },
	/* [audit] */
	{ "[audit]\nretain = 1d\n", V_I64, F(audit.retain), NULL, DAY },
	{ "[audit]\nretain = 366d\n", V_I64, F(audit.retain), NULL, 366 * DAY },
	{ "[audit]\nsyslog = no\n", V_BOOL, F(audit.syslog), NULL, 0 },
	{ "[audit]\nsyslog = off\n", V_BOOL, F(audit.syslog), NULL, 0 },
	{ "[audit]\nsyslog = false\n", V_BOOL, F(audit.syslog), NULL, 0 },
	{ "[audit]\nsyslog = 0\n", V_BOOL, F(audit.syslog), NULL, 0 },
	{ "[audit]\nsyslog = No\n", V_BOOL, F(audit.syslog), NULL, 0 },
	{ "[audit]\nsyslog = yes\n", V_BOOL, F(audit.syslog), NULL, 1 },
	{ "[audit]\nsyslog = on\n", V_BOOL, F(audit.syslog), NULL, 1 },
	{ "[audit]\nsyslog = true\n", V_BOOL, F(audit.syslog), NULL, 1 },
	{ "[audit]\nsyslog = 1\n", V_BOOL, F(audit.syslog), NULL, 1 },
	{ "[audit]\nsyslog_socket = /run/systemd/journal/dev-log\n", V_STR,
	    F(audit.syslog_socket), "/run/systemd/journal/dev-log", 0 },
	/* 107 bytes: the most a unix socket address holds */
	{ "[audit]\nsyslog_socket = /"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789012345\n", V_STR,
	    F(audit.syslog_socket), "/"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789012345", 0 },
	/* comments and whitespace */
	{ "; comment\n# comment\n\n[audit]\n  retain\t=\t7d  \n", V_I64,
	    F(audit.retain), NULL, 7 * DAY },
	{ "[audit]\r\nretain = 7d\r\n", V_I64, F(audit.retain), NULL,
	    7 * DAY },
	{ "[audit]\nretain = 7d", V_I64, F(audit.retain), NULL, 7 * DAY },
	{ "\xef\xbb\xbf[audit]\nretain = 7d\n", V_I64, F(audit.retain), NULL,
	    7 * DAY },
	{ "  [ audit ]   ; the log\nretain = 7d   ; a week\n", V_I64,
	    F(audit.retain), NULL, 7 * DAY },
	{ "[audit]\nretain = 7d\t; tab before the comment\n", V_I64,
	    F(audit.retain), NULL, 7 * DAY },
	{ "[sync]\nurl =   ; no sync\n", V_STR, F(sync.url), NULL, 0 },
	{ "[printer]\nsender = A;B #1\n", V_STR, F(printer.sender), "A;B #1",
	    0 },
	{ "[cache]\n[audit]\n[cache]\nkey_epoch = 2d\n", V_I64,
	    F(cache.key_epoch), NULL, 2 * DAY },
	{ "[cache]\ndir=/x\n", V_STR, F(cache.dir), "/x", 0 },
	{ "[printer]\nsender = a = b\n", V_STR, F(printer.sender), "a = b",
	    0 },
	{ "[printer]\nlanguage = epl\n", V_INT, F(printer.language), NULL,
	    LABEL_EPL },
	{ "[printer]\nlanguage = zpl\n", V_INT, F(printer.language), NULL,
	    LABEL_ZPL },
	{ "[printer]\ndpi = 300\n", V_INT, F(printer.dpi), NULL, 300 },
	{ "[printer]\ndpi = 203\n", V_INT, F(printer.dpi), NULL, 203 },
	{ "[printer]\nhost_status = yes\n", V_BOOL, F(printer.host_status),
	    NULL, 1 },
	{ "[printer]\nhost_status = off\n", V_BOOL, F(printer.host_status),
	    NULL, 0 },
};

static void
check_good(const struct good_case *c, const struct fulfil_config *cfg)
{
	const char *base = (const char *)cfg + c->off;

	switch (c->type) {
	case V_STR:
		if (c->s == NULL)
			assert_null(*(char *const *)base);
		else
			assert_string_equal(*(char *const *)base, c->s);
		break;
	case V_I64:
		assert_int_equal(*(const int64_t *)base, c->i);
		break;
	case V_INT:
		assert_int_equal(*(const int *)base, c->i);
		break;
	case V_BOOL:
		assert_int_equal(*(const bool *)base, c->i);
		break;
	case V_CIPHER:
		assert_int_equal(*(const enum fulfil_cipher *)base, c->i);
		break;
	}
}

static void
test_good_values(void **state)
{
	struct fulfil_config *cfg;
	struct ferr err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
		const struct good_case *c = &good_cases[i];
		int r = load_text(c->text, strlen(c->text), &cfg, &err, NULL);

		if (r != 0)
			fail_msg("good case %zu: %s", i, err.msg);
		check_good(c, cfg);
		config_free(cfg);
	}
}

/*
 * A bad file: the error names line and (when there is one) section and
 * key, and says why (substring).
 */
struct bad_case {
	const char *text;
	unsigned line;
	const char *key;	/* "[sync] url", or NULL for line errors */
	const char *why;
};

static const struct bad_case bad_cases[] = {
	/* structure */
	{ "dir = /x\n", 1, NULL, "dir: key outside any section" },
	{ "[cache]\njust words\n", 2, NULL, "malformed line" },
	{ "[cache]\n= value\n", 2, NULL, "no key before '='" },
	{ "[cache\n", 1, NULL, "malformed section line" },
	{ "[nope]\n", 1, NULL, "unknown section [nope]" },
	{ "[Cache]\n", 1, NULL, "unknown section [Cache]" },
	{ "[cache]\nnope = 1\n", 2, NULL, "[cache] nope: unknown key" },
	{ "[cache]\nDir = /x\n", 2, NULL, "[cache] Dir: unknown key" },
	{ "[cache]\ninterval = 60s\n", 2, NULL,
	    "[cache] interval: unknown key" },
	{ "[cache]\n\ndir = /a\n; again\ndir = /b\n", 5, "[cache] dir",
	    "duplicate key (first set on line 3)" },
	{ "[cache]\ndir = /a\n[audit]\n[cache]\ndir = /a\n", 5, "[cache] dir",
	    "duplicate key (first set on line 2)" },
	{ "[audit]\nsyslog = yes\n\xff\n", 3, NULL, "not valid UTF-8" },
	{ "[printer]\nsender = caf\xc3\n", 2, NULL, "not valid UTF-8" },
	{ "[printer]\nsender = \xc0\xaf\n", 2, NULL, "not valid UTF-8" },
	{ "[printer]\nsender = \xed\xa0\x80\n", 2, NULL, "not valid UTF-8" },
	{ "[printer]\nsender = \xf4\x90\x80\x80\n", 2, NULL,
	    "not valid UTF-8" },
	/* [cache] */
	{ "[cache]\ndir = var/lib/fulfil\n", 2, "[cache] dir",
	    "must be an absolute path" },
	{ "[cache]\ndir =\n", 2, "[cache] dir", "must not be empty" },
	{ "[cache]\nkey =\n", 2, "[cache] key", "must not be empty" },
	{ "[cache]\nkey = cache.key\n", 2, "[cache] key",
	    "absolute path or credential:NAME" },
	{ "[cache]\nkey = credential:\n", 2, "[cache] key",
	    "credential name" },
	{ "[cache]\nkey = credential:a/b\n", 2, "[cache] key",
	    "credential name" },
	{ "[cache]\nkey = credential:..\n", 2, "[cache] key",
	    "credential name" },
	{ "[cache]\nkey = credential:"
	    "12345678901234567890123456789012345678901234567890123456789012345"
	    "\n", 2, "[cache] key", "credential name" },
	{ "[cache]\ncipher = aes\n", 2, "[cache] cipher",
	    "must be auto, aes256gcm or xchacha20poly1305" },
	{ "[cache]\ncipher = AES256GCM\n", 2, "[cache] cipher",
	    "must be auto" },
	{ "[cache]\nretain_after_delivery = 31d\n", 2,
	    "[cache] retain_after_delivery", "must be at most 30d" },
	{ "[cache]\nretain_after_delivery = 2592001s\n", 2,
	    "[cache] retain_after_delivery", "must be at most 30d" },
	{ "[cache]\nretain_after_delivery = 5w\n", 2,
	    "[cache] retain_after_delivery", "more than 30 days" },
	{ "[cache]\nretain_after_delivery = -1d\n", 2,
	    "[cache] retain_after_delivery", "is not a duration" },
	{ "[cache]\nkey_epoch = 59m\n", 2, "[cache] key_epoch",
	    "must be at least 1h" },
	{ "[cache]\nkey_epoch = 31d\n", 2, "[cache] key_epoch",
	    "must be at most 30d" },
	{ "[cache]\nkey_epoch = 0d\n", 2, "[cache] key_epoch",
	    "must be at least 1h" },
	/* [auth] */
	{ "[auth]\npam_service =\n", 2, "[auth] pam_service",
	    "must not be empty" },
	{ "[auth]\npam_service = ../x\n", 2, "[auth] pam_service",
	    "may hold only" },
	{ "[auth]\npam_service = a b\n", 2, "[auth] pam_service",
	    "may hold only" },
	{ "[auth]\npam_service = -x\n", 2, "[auth] pam_service",
	    "must not start" },
	{ "[auth]\npam_confdir = pam.d\n", 2, "[auth] pam_confdir",
	    "absolute path" },
	{ "[auth]\nservice_user =\n", 2, "[auth] service_user",
	    "must not be empty" },
	{ "[auth]\nservice_user = root:x\n", 2, "[auth] service_user",
	    "may hold only" },
	{ "[auth]\nservice_user = 123456789012345678901234567890123\n", 2,
	    "[auth] service_user", "longer than 32 bytes" },
	{ "[auth]\nmax_failures = 0\n", 2, "[auth] max_failures",
	    "must be from 1 to 100" },
	{ "[auth]\nmax_failures = 101\n", 2, "[auth] max_failures",
	    "must be from 1 to 100" },
	{ "[auth]\nmax_failures = 99999999999999999999\n", 2,
	    "[auth] max_failures", "must be from 1 to 100" },
	{ "[auth]\nmax_failures = five\n", 2, "[auth] max_failures",
	    "not a whole number" },
	{ "[auth]\nmax_failures = 5x\n", 2, "[auth] max_failures",
	    "not a whole number" },
	{ "[auth]\nmax_failures = +5\n", 2, "[auth] max_failures",
	    "not a whole number" },
	{ "[auth]\nmax_failures =\n", 2, "[auth] max_failures",
	    "not a whole number" },
	{ "[auth]\nfailure_window = 0s\n", 2, "[auth] failure_window",
	    "must be at least 1s" },
	{ "[auth]\nfailure_window = 25h\n", 2, "[auth] failure_window",
	    "must be at most 1d" },
	{ "[auth]\nlockout = 8d\n", 2, "[auth] lockout", "must be at most 1w" },
	{ "[auth]\nlockout = 15\n", 2, "[auth] lockout", "not a duration" },
	{ "[auth]\nidle_logout = 2 m\n", 2, "[auth] idle_logout",
	    "not a duration" },
	{ "[auth]\nidle_logout = 0m\n", 2, "[auth] idle_logout",
	    "must be at least 1s" },
	/* [sync] */
	{ "[sync]\nurl = http://oms.example.com/api\n", 2, "[sync] url",
	    "http:// is not allowed, use https://" },
	{ "[sync]\nurl = HTTP://oms.example.com/api\n", 2, "[sync] url",
	    "http:// is not allowed, use https://" },
	{ "[sync]\nurl = ftp://oms.example.com/\n", 2, "[sync] url",
	    "must be an https:// URL" },
	{ "[sync]\nurl = oms.example.com\n", 2, "[sync] url",
	    "must be an https:// URL" },
	{ "[sync]\nurl = https:oms.example.com\n", 2, "[sync] url",
	    "must be an https:// URL" },
	{ "[sync]\nurl = https://\n", 2, "[sync] url", "has no host" },
	{ "[sync]\nurl = https:///api\n", 2, "[sync] url", "has no host" },
	{ "[sync]\nurl = https://a b/\n", 2, "[sync] url", "spaces" },
	{ "[sync]\nurl = https://u:p@oms.example.com/\n", 2, "[sync] url",
	    "user name or password" },
	{ "[sync]\nurl = https://oms.example.com/?x=1\n", 2, "[sync] url",
	    "query" },
	{ "[sync]\nurl = https://oms.example.com:0/\n", 2, "[sync] url",
	    "port must be" },
	{ "[sync]\nurl = https://oms.example.com:65536/\n", 2, "[sync] url",
	    "port must be" },
	{ "[sync]\nurl = https://oms.example.com:/\n", 2, "[sync] url",
	    "empty port" },
	{ "[sync]\nurl = https://[::1/\n", 2, "[sync] url", "IPv6" },
	{ "[sync]\nurl = https://oms\xe2\x80\x8b.example/\n", 2, "[sync] url",
	    "host name" },
	{ "[sync]\nurl = https://oms\x01.example/\n", 2, "[sync] url",
	    "control characters" },
	{ "[sync]\nurl = https://oms.example\x7f/\n", 2, "[sync] url",
	    "control characters" },
	{ "[sync]\nurl = https://oms.example/\xc2\x9b\n", 2, "[sync] url",
	    "control characters" },
	{ "[sync]\nca_file = ca.pem\n", 2, "[sync] ca_file", "absolute path" },
	{ "[sync]\ntoken_file = ./token\n", 2, "[sync] token_file",
	    "absolute path" },
	{ "[sync]\nclient_cert = c.pem\n", 2, "[sync] client_cert",
	    "absolute path" },
	{ "[sync]\nclient_key = k.pem\n", 2, "[sync] client_key",
	    "absolute path" },
	{ "[sync]\nclient_key = /k.pem\n", 2, "[sync] client_key",
	    "client_cert is not" },
	{ "[sync]\npinned_pubkey = sha256//short=\n", 2,
	    "[sync] pinned_pubkey", "pin 1 is not" },
	{ "[sync]\npinned_pubkey = " PIN_A ";\n", 2, "[sync] pinned_pubkey",
	    "pin 2 is not" },
	{ "[sync]\npinned_pubkey = " PIN_A ";sha1//"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 2,
	    "[sync] pinned_pubkey", "pin 2 is not" },
	{ "[sync]\npinned_pubkey = sha256//"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*=\n", 2,
	    "[sync] pinned_pubkey", "pin 1 is not" },
	{ "[sync]\npinned_pubkey = /etc/fulfil/server.pub\n", 2,
	    "[sync] pinned_pubkey", "pin 1 is not" },
	{ "[sync]\ninterval = 0s\n", 2, "[sync] interval",
	    "must be at least 1s" },
	{ "[sync]\ninterval = 2d\n", 2, "[sync] interval",
	    "must be at most 1d" },
	/* [printer] */
	{ "[printer]\nuri = /dev/usb/lp0\n", 2, "[printer] uri",
	    "a plain path is not allowed" },
	{ "[printer]\nuri = file:/tmp/labels.zpl\n", 2, "[printer] uri",
	    "keep labels on disk" },
	{ "[printer]\nuri = FILE:///tmp/labels.zpl\n", 2, "[printer] uri",
	    "keep labels on disk" },
	{ "[printer]\nuri = cups:zebra\n", 2, "[printer] uri",
	    "CUPS and lpd spool print jobs to disk; use tcp:// or device:" },
	{ "[printer]\nuri = ipp://printer/ipp/print\n", 2, "[printer] uri",
	    "CUPS and lpd spool print jobs to disk" },
	{ "[printer]\nuri = ipps://printer/ipp/print\n", 2, "[printer] uri",
	    "CUPS and lpd spool print jobs to disk" },
	{ "[printer]\nuri = lpd://printer/queue\n", 2, "[printer] uri",
	    "CUPS and lpd spool print jobs to disk" },
	{ "[printer]\nuri = socket://printer:9100\n", 2, "[printer] uri",
	    "tcp://HOST:PORT" },
	{ "[printer]\nuri = zebra\n", 2, "[printer] uri",
	    "must be tcp://HOST:PORT or device:/path" },
	{ "[printer]\nuri = tcp://printer\n", 2, "[printer] uri",
	    "needs a port" },
	{ "[printer]\nuri = tcp://printer:0\n", 2, "[printer] uri",
	    "port must be" },
	{ "[printer]\nuri = tcp://printer:70000\n", 2, "[printer] uri",
	    "port must be" },
	{ "[printer]\nuri = tcp://printer:91a\n", 2, "[printer] uri",
	    "port must be" },
	{ "[printer]\nuri = tcp://:9100\n", 2, "[printer] uri", "has no host" },
	{ "[printer]\nuri = tcp:printer:9100\n", 2, "[printer] uri",
	    "must be tcp://HOST:PORT" },
	{ "[printer]\nuri = tcp://printer:9100/x\n", 2, "[printer] uri",
	    "without a path" },
	{ "[printer]\nuri = device:dev/usb/lp0\n", 2, "[printer] uri",
	    "absolute path" },
	{ "[printer]\nsender = Example\tLtd\n", 2, "[printer] sender",
	    "control characters" },
	{ "[printer]\nsender = \x1b[2JExample\n", 2, "[printer] sender",
	    "control characters" },
	{ "[printer]\nsender = "
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "x\n", 2, "[printer] sender", "longer than 256 bytes" },
	{ "[printer]\nlanguage = cpcl\n", 2, "[printer] language",
	    "must be zpl (ZPL II) or epl (EPL2)" },
	{ "[printer]\nlanguage = ZPL\n", 2, "[printer] language",
	    "must be zpl" },
	{ "[printer]\nlanguage =\n", 2, "[printer] language",
	    "must be zpl" },
	{ "[printer]\ndpi = 600\n", 2, "[printer] dpi",
	    "must be 203 or 300" },
	{ "[printer]\ndpi = 0203\n", 2, "[printer] dpi",
	    "must be 203 or 300" },
	{ "[printer]\ndpi = 203dpi\n", 2, "[printer] dpi",
	    "must be 203 or 300" },
	{ "[printer]\ndpi =\n", 2, "[printer] dpi", "must be 203 or 300" },
	{ "[printer]\nhost_status = sometimes\n", 2, "[printer] host_status",
	    "must be yes or no" },
	{ "[printer]\nhost_status =\n", 2, "[printer] host_status",
	    "must be yes or no" },
	{ "[printer]\ndpi = 300\ndpi = 203\n", 3, "[printer] dpi",
	    "duplicate key (first set on line 2)" },
	/* [audit] */
	{ "[audit]\nretain = 0d\n", 2, "[audit] retain",
	    "must be at least 1d" },
	{ "[audit]\nretain = 367d\n", 2, "[audit] retain",
	    "must be at most 366d" },
	{ "[audit]\nsyslog = maybe\n", 2, "[audit] syslog",
	    "must be yes or no" },
	{ "[audit]\nsyslog =\n", 2, "[audit] syslog", "must be yes or no" },
	{ "[audit]\nsyslog_socket = dev/log\n", 2, "[audit] syslog_socket",
	    "must be an absolute path" },
	{ "[audit]\nsyslog_socket =\n", 2, "[audit] syslog_socket",
	    "must not be empty" },
	{ "[audit]\nsyslog_socket = /"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4567890123456789012345678901234567890123456\n", 2,
	    "[audit] syslog_socket", "longer than 107 bytes" },
	{ "[audit]\nsyslog_socket = /dev/\x1blog\n", 2,
	    "[audit] syslog_socket", "control characters" },
};

static void
expect_error(const char *path, int r, const struct ferr *err, unsigned line,
    const char *key, const char *why, size_t idx)
{
	char want[1024];

	if (key != NULL)
		snprintf(want, sizeof want, "%s:%u: %s: ", path, line, key);
	else
		snprintf(want, sizeof want, "%s:%u: ", path, line);
	if (r != FULFIL_ECONFIG || err->code != FULFIL_ECONFIG ||
	    strncmp(err->msg, want, strlen(want)) != 0 ||
	    strstr(err->msg, why) == NULL)
		fail_msg("case %zu: code %d, message \"%s\", "
		    "wanted \"%s...%s\"", idx, r, err->msg, want, why);
}

static void
test_bad_values(void **state)
{
	struct fulfil_config *cfg;
	struct ferr err;
	char *path;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];

		r = load_text(c->text, strlen(c->text), &cfg, &err, &path);
		assert_null(cfg);
		expect_error(path, r, &err, c->line, c->key, c->why, i);
		free(path);
	}
}

static void
assert_defaults(const struct fulfil_config *cfg)
{
	assert_string_equal(cfg->cache.dir, "/var/lib/fulfil");
	assert_string_equal(cfg->cache.key, "/etc/fulfil/cache.key");
	assert_int_equal(cfg->cache.cipher, FULFIL_CIPHER_AUTO);
	assert_int_equal(cfg->cache.retain_after_delivery, 0);
	assert_int_equal(cfg->cache.key_epoch, DAY);
	assert_string_equal(cfg->auth.pam_service, "fulfil");
	assert_null(cfg->auth.pam_confdir);
	assert_string_equal(cfg->auth.service_user, "fulfil");
	assert_int_equal(cfg->auth.max_failures, 5);
	assert_int_equal(cfg->auth.failure_window, 15 * 60);
	assert_int_equal(cfg->auth.lockout, 15 * 60);
	assert_int_equal(cfg->auth.idle_logout, 2 * 60);
	assert_null(cfg->sync.url);
	assert_null(cfg->sync.ca_file);
	assert_null(cfg->sync.pinned_pubkey);
	assert_null(cfg->sync.token_file);
	assert_null(cfg->sync.client_cert);
	assert_null(cfg->sync.client_key);
	assert_int_equal(cfg->sync.interval, 60);
	assert_null(cfg->printer.uri);
	assert_string_equal(cfg->printer.sender, "");
	assert_int_equal(cfg->printer.language, LABEL_ZPL);
	assert_int_equal(cfg->printer.dpi, 203);
	assert_false(cfg->printer.host_status);
	assert_int_equal(cfg->audit.retain, 90 * DAY);
	assert_true(cfg->audit.syslog);
	assert_string_equal(cfg->audit.syslog_socket, "/dev/log");
}

static void
test_defaults(void **state)
{
	static const char comments[] = "; nothing\n\n# set\n[sync]\n";
	struct fulfil_config *cfg;
	struct ferr err;
	char *path;

	(void)state;
	cfg = config_new_defaults();
	assert_non_null(cfg);
	assert_null(cfg->path);
	assert_defaults(cfg);
	config_free(cfg);

	/* An empty file and a file of comments give the defaults too. */
	assert_int_equal(load_text("", 0, &cfg, &err, &path), 0);
	assert_string_equal(cfg->path, path);
	assert_defaults(cfg);
	config_free(cfg);
	free(path);
	assert_int_equal(load_text(comments, sizeof comments - 1, &cfg, &err,
	    NULL), 0);
	assert_defaults(cfg);
	config_free(cfg);

	config_free(NULL);
}

/* Keys not in the file keep their defaults; later keys override. */
static void
test_partial_file(void **state)
{
	static const char text[] =
	    "[cache]\ncipher = xchacha20poly1305\n"
	    "[auth]\nidle_logout = 5s\n";
	struct fulfil_config *cfg;
	struct ferr err;

	(void)state;
	assert_int_equal(load_text(text, sizeof text - 1, &cfg, &err, NULL), 0);
	assert_int_equal(cfg->cache.cipher, FULFIL_CIPHER_XCHACHA20POLY1305);
	assert_int_equal(cfg->auth.idle_logout, 5);
	assert_string_equal(cfg->cache.dir, "/var/lib/fulfil");
	assert_int_equal(cfg->auth.max_failures, 5);
	assert_int_equal(cfg->audit.retain, 90 * DAY);
	config_free(cfg);
}

static void
test_env_precedence(void **state)
{
	char *env_path, *arg_path, *missing;
	struct fulfil_config *cfg = NULL;
	struct ferr err;

	(void)state;
	env_path = write_conf("env.conf", "[auth]\nmax_failures = 7\n", 24);
	arg_path = write_conf("arg.conf", "[auth]\nmax_failures = 9\n", 24);
	missing = tu_path(tmpdir, "missing.conf");

	/* $FULFIL_CONFIG when no path is given */
	assert_int_equal(setenv("FULFIL_CONFIG", env_path, 1), 0);
	assert_int_equal(config_load(NULL, &cfg, &err), 0);
	assert_string_equal(cfg->path, env_path);
	assert_int_equal(cfg->auth.max_failures, 7);
	config_free(cfg);

	/* an explicit path wins over $FULFIL_CONFIG */
	assert_int_equal(config_load(arg_path, &cfg, &err), 0);
	assert_string_equal(cfg->path, arg_path);
	assert_int_equal(cfg->auth.max_failures, 9);
	config_free(cfg);

	/* $FULFIL_CONFIG naming a missing file is an error naming it */
	assert_int_equal(setenv("FULFIL_CONFIG", missing, 1), 0);
	ferr_clear(&err);
	assert_int_equal(config_load(NULL, &cfg, &err), FULFIL_ECONFIG);
	assert_null(cfg);
	assert_non_null(strstr(err.msg, missing));

	/* empty $FULFIL_CONFIG: the default path, which may be absent */
	assert_int_equal(setenv("FULFIL_CONFIG", "", 1), 0);
	if (access(CONFIG_DEFAULT_PATH, F_OK) != 0 && errno == ENOENT) {
		assert_int_equal(config_load(NULL, &cfg, &err), 0);
		assert_null(cfg->path);
		assert_defaults(cfg);
		config_free(cfg);
		unsetenv("FULFIL_CONFIG");
		assert_int_equal(config_load(NULL, &cfg, &err), 0);
		assert_null(cfg->path);
		config_free(cfg);
	}
	unsetenv("FULFIL_CONFIG");
	free(env_path);
	free(arg_path);
	free(missing);
}

static void
test_missing_explicit(void **state)
{
	struct fulfil_config *cfg = NULL;
	struct ferr err;
	char *missing = tu_path(tmpdir, "no-such.conf");

	(void)state;
	ferr_clear(&err);
	assert_int_equal(config_load(missing, &cfg, &err), FULFIL_ECONFIG);
	assert_null(cfg);
	assert_non_null(strstr(err.msg, missing));
	assert_non_null(strstr(err.msg, "no such configuration file"));

	/* a directory is not a configuration file */
	ferr_clear(&err);
	assert_int_equal(config_load(tmpdir, &cfg, &err), FULFIL_ECONFIG);
	assert_non_null(strstr(err.msg, tmpdir));
	assert_non_null(strstr(err.msg, "not a regular file"));

	ferr_clear(&err);
	assert_int_equal(config_load("", &cfg, &err), FULFIL_ECONFIG);
	assert_int_equal(err.code, FULFIL_ECONFIG);
	free(missing);

	/* a file name with an escape in it is shown escaped */
	missing = tu_path(tmpdir, "\x1b[2Jx.conf");
	ferr_clear(&err);
	assert_int_equal(config_load(missing, &cfg, &err), FULFIL_ECONFIG);
	assert_null(strchr(err.msg, '\x1b'));
	assert_non_null(strstr(err.msg, "/\\x1b[2Jx.conf"));
	free(missing);
}

/* A long file name is named in full in a message about a line. */
static void
test_long_path(void **state)
{
	static const char text[] = "[sync]\nurl = http://oms.example/\n";
	char name[161], *dir, *path, want[512];
	struct fulfil_config *cfg = NULL;
	struct ferr err;

	(void)state;
	memset(name, 'd', 160);
	name[160] = '\0';
	dir = tu_path(tmpdir, name);
	assert_non_null(dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	path = tu_path(dir, "fulfil.conf");
	assert_int_equal(tu_write_file(path, text, sizeof text - 1, 0600), 0);
	ferr_clear(&err);
	assert_int_equal(config_load(path, &cfg, &err), FULFIL_ECONFIG);
	snprintf(want, sizeof want,
	    "%s:2: [sync] url: http:// is not allowed, use https://", path);
	assert_string_equal(err.msg, want);
	free(path);
	free(dir);
}

/* Line length, NUL, file size: the limits of the reader itself. */
static void
test_limits(void **state)
{
	struct fulfil_config *cfg;
	struct ferr err;
	char *text, *path;
	size_t n, i;

	(void)state;
	/* a 4096-byte line is fine, 4097 is not */
	text = malloc(8192);
	assert_non_null(text);
	n = (size_t)sprintf(text, "[printer]\n");
	memcpy(text + n, "; ", 2);
	memset(text + n + 2, 'x', 4094);
	text[n + 4096] = '\n';
	assert_int_equal(load_text(text, n + 4097, &cfg, &err, NULL), 0);
	config_free(cfg);
	memset(text + n + 2, 'x', 4095);
	text[n + 4097] = '\n';
	assert_int_equal(load_text(text, n + 4098, &cfg, &err, &path),
	    FULFIL_ECONFIG);
	expect_error(path, FULFIL_ECONFIG, &err, 2, NULL,
	    "longer than 4096 bytes", 0);
	free(path);
	free(text);

	/* a NUL byte */
	{
		static const char nul[] = "[audit]\nretain = 7d\0x\n";

		assert_int_equal(load_text(nul, sizeof nul - 1, &cfg, &err,
		    &path), FULFIL_ECONFIG);
		expect_error(path, FULFIL_ECONFIG, &err, 2, NULL,
		    "NUL byte", 0);
		free(path);
	}

	/* 1 MiB is read, one byte more is refused */
	n = 1024 * 1024;
	text = malloc(n + 1);
	assert_non_null(text);
	for (i = 0; i < n; i += 64) {
		memset(text + i, ' ', 63);
		text[i] = ';';
		text[i + 63] = '\n';
	}
	assert_int_equal(load_text(text, n, &cfg, &err, NULL), 0);
	config_free(cfg);
	text[n] = '\n';
	assert_int_equal(load_text(text, n + 1, &cfg, &err, &path),
	    FULFIL_ECONFIG);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "larger than"));
	free(path);
	free(text);
}

/* A name from the file is shown escaped: no raw escape reaches a tty. */
static void
test_escaped_names(void **state)
{
	static const char key[] = "[cache]\n\x1b[31mevil\\ = 1\n";
	static const char sec[] = "[\x1b]0;title\x07]\n";
	static const char bare[] = "\x1b[2J = 1\n";
	struct fulfil_config *cfg;
	struct ferr err;
	char *path;

	(void)state;
	assert_int_equal(load_text(key, sizeof key - 1, &cfg, &err, &path),
	    FULFIL_ECONFIG);
	expect_error(path, FULFIL_ECONFIG, &err, 2, NULL,
	    "[cache] \\x1b[31mevil\\\\: unknown key", 0);
	assert_null(strchr(err.msg, '\x1b'));
	free(path);

	assert_int_equal(load_text(sec, sizeof sec - 1, &cfg, &err, &path),
	    FULFIL_ECONFIG);
	expect_error(path, FULFIL_ECONFIG, &err, 1, NULL,
	    "unknown section [\\x1b]0", 0);
	assert_null(strchr(err.msg, '\x1b'));
	assert_null(strchr(err.msg, '\x07'));
	free(path);

	assert_int_equal(load_text(bare, sizeof bare - 1, &cfg, &err, &path),
	    FULFIL_ECONFIG);
	assert_null(strchr(err.msg, '\x1b'));
	assert_non_null(strstr(err.msg, "\\x1b[2J"));
	free(path);

	/* a very long unknown name is cut, the message stays short */
	{
		char text[600];

		memcpy(text, "[cache]\n", 8);
		memset(text + 8, 'k', 500);
		memcpy(text + 508, " = 1\n", 5);
		assert_int_equal(load_text(text, 513, &cfg, &err, &path),
		    FULFIL_ECONFIG);
		assert_non_null(strstr(err.msg, "k...: unknown key"));
		free(path);
	}
}

/* pam_confdir is honoured only from a file others cannot write. */
static void
test_pam_confdir_file_mode(void **state)
{
	static const char text[] = "[auth]\npam_confdir = /tmp/pam.d\n";
	struct fulfil_config *cfg;
	struct ferr err;
	char *path;

	(void)state;
	assert_int_equal(load_text(text, sizeof text - 1, &cfg, &err, &path),
	    0);
	config_free(cfg);
	assert_int_equal(chmod(path, 0620), 0);
	ferr_clear(&err);
	assert_int_equal(config_load(path, &cfg, &err), FULFIL_ECONFIG);
	expect_error(path, FULFIL_ECONFIG, &err, 2, "[auth] pam_confdir",
	    "cannot write", 0);
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(config_load(path, &cfg, &err), FULFIL_ECONFIG);
	/* without pam_confdir a 0644 file is fine */
	assert_int_equal(tu_write_file(path, "[auth]\n", 7, 0644), 0);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	config_free(cfg);
	free(path);
}

struct dur_case {
	const char *in;
	int64_t secs;
	const char *out;	/* canonical form */
};

static const struct dur_case dur_good[] = {
	{ "0s", 0, "0s" },
	{ "0d", 0, "0s" },
	{ "1s", 1, "1s" },
	{ "90s", 90, "90s" },
	{ "60s", 60, "1m" },
	{ "15m", 900, "15m" },
	{ "90m", 5400, "90m" },
	{ "2h", 7200, "2h" },
	{ "36h", 129600, "36h" },
	{ "24h", DAY, "1d" },
	{ "1440m", DAY, "1d" },
	{ "1d", DAY, "1d" },
	{ "7d", 7 * DAY, "1w" },
	{ "30d", 30 * DAY, "30d" },
	{ "1w", 7 * DAY, "1w" },
	{ "007s", 7, "7s" },
	{ "9223372036854775807s", INT64_MAX, "9223372036854775807s" },
	{ "15250284452471w", 15250284452471LL * 7 * DAY, "15250284452471w" },
};

static const char *const dur_bad[] = {
	"", "1", "s", "d1", "1 d", " 1d", "1d ", "-1d", "+1d", "1D", "1dd",
	"1.5h", "1h30m", "0x10s", "1y", "1ms",
	"9223372036854775808s",		/* INT64_MAX + 1 */
	"99999999999999999999s",
	"15250284452472w",		/* overflows int64 seconds */
	"106751991167301d",
};

static void
test_durations(void **state)
{
	char buf[32];
	int64_t secs;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof dur_good / sizeof dur_good[0]; i++) {
		secs = -1;
		if (config_parse_duration(dur_good[i].in, &secs) != 0)
			fail_msg("duration \"%s\" refused", dur_good[i].in);
		assert_int_equal(secs, dur_good[i].secs);
		config_format_duration(secs, buf, sizeof buf);
		assert_string_equal(buf, dur_good[i].out);
		/* and the canonical form reads back the same */
		assert_int_equal(config_parse_duration(buf, &secs), 0);
		assert_int_equal(secs, dur_good[i].secs);
	}
	for (i = 0; i < sizeof dur_bad / sizeof dur_bad[0]; i++) {
		secs = 42;
		if (config_parse_duration(dur_bad[i], &secs) != FULFIL_EINVAL)
			fail_msg("duration \"%s\" accepted", dur_bad[i]);
		assert_int_equal(secs, 42);
	}
	assert_int_equal(config_parse_duration(NULL, &secs), FULFIL_EINVAL);

	/* a small buffer is cut, never overrun */
	config_format_duration(123456, buf, 3);
	assert_string_equal(buf, "12");
}

/* Every default in the table goes through its own validator. */
static void
test_table(void **state)
{
	struct config_key_info ki, kj;
	size_t i, j;

	(void)state;
	for (i = 0; config_key_info(i, &ki); i++) {
		assert_non_null(ki.section);
		assert_non_null(ki.key);
		assert_non_null(ki.type);
		assert_non_null(ki.def);
		assert_non_null(ki.help);
		if (ki.ranged)
			assert_true(ki.min <= ki.max);
		for (j = 0; j < i; j++) {
			assert_true(config_key_info(j, &kj));
			assert_false(strcmp(ki.section, kj.section) == 0 &&
			    strcmp(ki.key, kj.key) == 0);
		}
	}
	assert_int_equal(i, 32);
	assert_false(config_key_info(i, &ki));
}

/*
 * The man page lists exactly the table's keys, each with its default and
 * (for numbers and durations) its range, in the form
 *   .SS "[section]"   .TP   .BI "key = " type   Default: \fBdef\fR ...
 */
static void
test_man_page(void **state)
{
	struct config_key_info ki;
	char *text, *p, *line, *next, section[64] = "", want[128];
	size_t i, found = 0;
	bool seen[64] = { false };

	(void)state;
	text = tu_read_file(TOP_SRCDIR "/doc/fulfil.conf.5", NULL);
	assert_non_null(text);
	for (line = text; line != NULL && *line != '\0'; line = next) {
		char key[64];
		const char *q;
		char *entry_end;
		bool known = false;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (sscanf(line, ".SS \"[%63[a-z]]\"", section) == 1)
			continue;
		if (strncmp(line, ".BI \"", 5) != 0)
			continue;
		q = strstr(line, " = \"");
		assert_non_null(q);
		assert_true((size_t)(q - line - 5) < sizeof key);
		memcpy(key, line + 5, (size_t)(q - line - 5));
		key[q - line - 5] = '\0';
		/* the entry runs until the next .TP, .SS or .SH */
		entry_end = next;
		while (entry_end != NULL && *entry_end != '\0' &&
		    strncmp(entry_end, ".TP", 3) != 0 &&
		    strncmp(entry_end, ".SS", 3) != 0 &&
		    strncmp(entry_end, ".SH", 3) != 0) {
			p = strchr(entry_end, '\n');
			entry_end = p != NULL ? p + 1 : NULL;
		}
		for (i = 0; config_key_info(i, &ki); i++) {
			char saved = '\0';

			if (strcmp(ki.section, section) != 0 ||
			    strcmp(ki.key, key) != 0)
				continue;
			known = true;
			assert_false(seen[i]);
			seen[i] = true;
			found++;
			if (entry_end != NULL) {
				saved = *entry_end;
				*entry_end = '\0';
			}
			if (ki.def[0] != '\0')
				snprintf(want, sizeof want,
				    "Default: \\fB%s\\fR", ki.def);
			else
				snprintf(want, sizeof want, "Default: %s",
				    ki.optional ? "unset" : "empty");
			if (next == NULL || strstr(next, want) == NULL)
				fail_msg("man page: [%s] %s lacks \"%s\"",
				    section, key, want);
			if (ki.ranged) {
				char lo[32], hi[32];

				if (strcmp(ki.type, "duration") == 0) {
					config_format_duration(ki.min, lo,
					    sizeof lo);
					config_format_duration(ki.max, hi,
					    sizeof hi);
				} else {
					snprintf(lo, sizeof lo, "%lld",
					    (long long)ki.min);
					snprintf(hi, sizeof hi, "%lld",
					    (long long)ki.max);
				}
				snprintf(want, sizeof want,
				    "Range: \\fB%s\\fR to \\fB%s\\fR", lo, hi);
				if (strstr(next, want) == NULL)
					fail_msg("man page: [%s] %s lacks "
					    "\"%s\"", section, key, want);
			}
			if (entry_end != NULL)
				*entry_end = saved;
		}
		if (!known)
			fail_msg("man page documents unknown [%s] %s", section,
			    key);
	}
	for (i = 0; config_key_info(i, &ki); i++)
		if (!seen[i])
			fail_msg("man page lacks [%s] %s", ki.section, ki.key);
	assert_int_equal(found, i);
	free(text);
}

/* data/fulfil.conf loads and sets every key of the table explicitly. */
static void
test_sample_file(void **state)
{
	struct config_key_info ki;
	struct fulfil_config *cfg = NULL;
	struct ferr err;
	char *text, *line, *next, section[64] = "";
	bool seen[64] = { false };
	size_t i;

	(void)state;
	ferr_clear(&err);
	if (config_load(TOP_SRCDIR "/data/fulfil.conf", &cfg, &err) != 0)
		fail_msg("data/fulfil.conf: %s", err.msg);
	assert_non_null(cfg->sync.url);
	assert_non_null(cfg->printer.uri);
	assert_true(strncmp(cfg->printer.uri, "tcp://", 6) == 0);
	config_free(cfg);

	text = tu_read_file(TOP_SRCDIR "/data/fulfil.conf", NULL);
	assert_non_null(text);
	for (line = text; line != NULL && *line != '\0'; line = next) {
		char key[64];

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (sscanf(line, "[%63[a-z]]", section) == 1)
			continue;
		if (sscanf(line, "%63[a-z_] =", key) != 1)
			continue;
		for (i = 0; config_key_info(i, &ki); i++)
			if (strcmp(ki.section, section) == 0 &&
			    strcmp(ki.key, key) == 0)
				seen[i] = true;
	}
	for (i = 0; config_key_info(i, &ki); i++)
		if (!seen[i])
			fail_msg("data/fulfil.conf lacks [%s] %s", ki.section,
			    ki.key);
	free(text);
}

/* [auth] login_notice: read at start-up, refused when it is unsafe. */
static void
test_login_notice(void **state)
{
	struct fulfil_config *cfg = config_new_defaults();
	char *tmp = tu_mkdtemp(), *path, *link, buf[CONFIG_NOTICE_MAX + 2];
	char big[CONFIG_NOTICE_MAX + 8];
	struct ferr err = { 0 };
	static const char ok[] = "DEMO station\npia.picker\n";

	(void)state;
	assert_non_null(cfg);
	assert_non_null(tmp);
	path = tu_path(tmp, "notice");
	link = tu_path(tmp, "link");
	/* None configured: empty, fine. */
	assert_int_equal(config_notice_read(cfg, buf, sizeof buf, &err), 0);
	assert_string_equal(buf, "");
	cfg->auth.login_notice = path;
	/* Missing. */
	assert_int_equal(config_notice_read(cfg, buf, sizeof buf, &err),
	    FULFIL_ECONFIG);
	assert_non_null(strstr(err.msg, "login_notice"));
	/* Good. */
	assert_int_equal(tu_write_file(path, ok, strlen(ok), 0644), 0);
	assert_int_equal(config_notice_read(cfg, buf, sizeof buf, &err), 0);
	assert_string_equal(buf, ok);
	/* Writable by others, a symlink, too long, too many lines. */
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(config_notice_read(cfg, buf, sizeof buf, &err),
	    FULFIL_ECONFIG);
	assert_non_null(strstr(err.msg, "written by others"));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(symlink(path, link), 0);
	cfg->auth.login_notice = link;
	assert_int_equal(config_notice_read(cfg, buf, sizeof buf, &err),
	    FULFIL_ECONFIG);
	cfg->auth.login_notice = path;
	memset(big, 'x', sizeof big);
	assert_int_equal(tu_write_file(path, big, sizeof big, 0644), 0);
	assert_int_equal(config_notice_read(cfg, buf, sizeof buf, &err),
	    FULFIL_ECONFIG);
	assert_non_null(strstr(err.msg, "longer than"));
	assert_int_equal(tu_write_file(path, "1\n2\n3\n4\n5\n6\n7\n", 14,
	    0644), 0);
	assert_int_equal(config_notice_read(cfg, buf, sizeof buf, &err),
	    FULFIL_ECONFIG);
	assert_non_null(strstr(err.msg, "lines"));
	cfg->auth.login_notice = NULL;
	config_free(cfg);
	tu_rmtree(tmp);
	free(tmp);
	free(path);
	free(link);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_partial_file),
		cmocka_unit_test(test_env_precedence),
		cmocka_unit_test(test_missing_explicit),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_escaped_names),
		cmocka_unit_test(test_pam_confdir_file_mode),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_login_notice),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_man_page),
		cmocka_unit_test(test_sample_file),
	};

	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
