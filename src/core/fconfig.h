/*
 * config: the INI file of DESIGN.md, read once into one struct.
 *
 * Every key has a safe default; an unknown section or key, a duplicate
 * key, a bad value, a relative path, an http:// sync URL or a
 * retain_after_delivery over 30 days is an error naming file, line and key.
 * (The name config.h is taken by autoconf's header, hence fconfig.h.)
 */
#ifndef FULFIL_FCONFIG_H
#define FULFIL_FCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "ferr.h"
#include "label.h"

#define CONFIG_DEFAULT_PATH FULFIL_SYSCONFDIR "/fulfil/fulfil.conf"
#define CONFIG_MAX_RETAIN_AFTER_DELIVERY (30 * 86400)

struct fulfil_config {
	char *path;			/* file read, or NULL: defaults only */
	struct {
		char *dir;		/* /var/lib/fulfil */
		char *key;		/* /etc/fulfil/cache.key or credential:NAME */
		enum fulfil_cipher cipher;	/* auto */
		int64_t retain_after_delivery;	/* seconds, 0 .. 30d */
		int64_t key_epoch;		/* seconds, 1d */
		int64_t stale_pii_after;	/* seconds, 14d */
	} cache;
	struct {
		char *pam_service;	/* fulfil */
		char *pam_confdir;	/* NULL: the system's /etc/pam.d */
		char *service_user;	/* fulfil */
		int max_failures;	/* 5 */
		int64_t failure_window;	/* 15m */
		int64_t lockout;	/* 15m */
		int64_t idle_logout;	/* 2m */
		char *login_notice;	/* NULL: none; text shown at User: */
	} auth;
	struct {
		char *url;		/* NULL: no sync */
		char *ca_file;
		char *pinned_pubkey;
		char *token_file;
		char *client_cert;
		char *client_key;
		int64_t interval;	/* 60s */
		int page_size;		/* 500 orders per pull request */
		int64_t timeout;	/* 60s: whole request */
		int64_t connect_timeout;	/* 10s */
	} sync;
	struct {
		char *uri;		/* NULL: this station prints nothing */
		char *sender;
		enum label_language language;	/* zpl */
		int dpi;		/* 203 (or 300) */
		bool host_status;	/* no: ask ~HS before each label */
	} printer;
	struct {
		int64_t retain;		/* 90d */
		bool syslog;		/* yes */
		char *syslog_socket;	/* /dev/log */
	} audit;
};

/*
 * Read the configuration. path NULL means $FULFIL_CONFIG, else
 * CONFIG_DEFAULT_PATH; only that implicit default may be absent (then all
 * defaults apply). On success *out is the caller's to config_free().
 */
int config_load(const char *path, struct fulfil_config **out, struct ferr *err);

/*
 * The login notice ([auth] login_notice): a short text the login screen
 * shows above User: (a site's terms of use; the demo's people). At most
 * CONFIG_NOTICE_MAX bytes and CONFIG_NOTICE_LINES lines; the file must
 * be a regular file (no symlink) that group and others cannot write. On
 * success buf (cap > CONFIG_NOTICE_MAX) holds it, NUL-terminated; the
 * screen sanitises it when it draws. FULFIL_ECONFIG naming the key.
 */
#define CONFIG_NOTICE_MAX 1024
#define CONFIG_NOTICE_LINES 6
int config_notice_read(const struct fulfil_config *cfg, char *buf, size_t cap,
    struct ferr *err);

/* The built-in defaults, as config_load would give without a file. */
struct fulfil_config *config_new_defaults(void);

void config_free(struct fulfil_config *cfg);

/*
 * "90s", "15m", "2h", "1d", "1w" (one number, one unit, no spaces) into
 * seconds. 0 or FULFIL_EINVAL.
 */
int config_parse_duration(const char *s, int64_t *secs);

/* Format seconds back as the largest exact unit ("1d", "90s"). */
void config_format_duration(int64_t secs, char *buf, size_t len);

/*
 * The table of keys, for listings, documentation and tests. All strings
 * are static; help is untranslated (pass it through gettext to show it).
 */
struct config_key_info {
	const char *section;	/* "cache" */
	const char *key;	/* "retain_after_delivery" */
	const char *type;	/* "path", "duration", "integer", "url", ... */
	const char *def;	/* default as written in the file; "" = unset */
	bool optional;		/* an empty value leaves it unset (NULL) */
	bool ranged;		/* min/max bound the value (durations: s) */
	int64_t min, max;	/* else: length limits in bytes, where known */
	const char *help;
};

/* Entry i of the key table into *out; false when i is past the end. */
bool config_key_info(size_t i, struct config_key_info *out);

#endif
