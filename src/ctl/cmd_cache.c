/*
 * cmd_cache: fulfilctl init, import, status and check.
 *
 * Reads order files into locked memory (they hold customer data) and hands
 * them to the core; prints counts and ids only, never order contents.
 * Records what import and check found in the audit log, with the OS user
 * running fulfilctl as the actor (counts only, never order data).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "ctl.h"
#include "crypto.h"
#include "ferr.h"
#include "i18n.h"
#include "orders.h"
#include "secret.h"
#include "station.h"

/* Parse a command's only option, --json; anything else is a usage error. */
static int
ctl_parse_json_flag(const char *cmd, int argc, char **argv, bool *json)
{
	int i;

	*json = false;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else
			return ctl_usage_error(cmd, _("unexpected argument '%s'"),
			    ctl_shown(argv[i]));
	}
	return CTL_EXIT_OK;
}

int
cmd_init(struct ctl *c, int argc, char **argv)
{
	struct station_init_result res;
	struct ferr err = { 0 };

	if (argc != 1)
		return ctl_usage_error("init", _("unexpected argument '%s'"),
		    ctl_shown(argv[1]));
	if (station_init(c->cfg, &res, &err) != 0)
		return ctl_fail(&err);
	printf(_("data dir:  %s (%s)\n"), c->cfg->cache.dir,
	    res.created_dir ? _("created") : _("exists"));
	printf(_("key:       %s (%s)\n"), c->cfg->cache.key,
	    res.created_key ? _("created") : _("exists"));
	printf(_("cache:     %s (%s)\n"), "cache.db",
	    res.created_db ? _("created") : _("exists"));
	printf(_("station:   %s%s\n"), res.station_id,
	    res.created_signing_key ? _(" (new signing key)") : "");
	if (!res.created_key && !res.created_db && !res.created_dir &&
	    !res.created_signing_key)
		printf(_("already initialised; nothing changed\n"));
	return CTL_EXIT_OK;
}

/* Read all of fd into locked memory, refusing more than max bytes. */
static int
ctl_read_locked(int fd, const char *name, size_t max, struct secret **out,
    struct ferr *err)
{
	struct secret *buf;
	ssize_t n;

	if ((buf = secret_new(1 << 20)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	for (;;) {
		if (buf->len == buf->cap) {
			if (buf->cap >= max) {
				secret_free(buf);
				return ferr_set(err, FULFIL_EINVAL,
				    _("%s: larger than %zu MiB; split it"), name,
				    max >> 20);
			}
			if (secret_reserve(buf, buf->cap * 2 > max ? max :
			    buf->cap * 2) != 0) {
				secret_free(buf);
				return ferr_set(err, FULFIL_ENOMEM,
				    _("out of memory"));
			}
		}
		n = read(fd, buf->data + buf->len, buf->cap - buf->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			secret_free(buf);
			return ferr_set(err, FULFIL_EIO, _("%s: %s"), name,
			    strerror(e));
		}
		if (n == 0)
			break;
		buf->len += (size_t)n;
	}
	*out = buf;
	return 0;
}

/* Log one counted event by actor (the OS user) on an open station. */
static int
ctl_audit_count(struct station *s, const char *actor, int kind,
    int64_t count, int result, struct ferr *err)
{
	struct audit_event ev = {
		.kind = kind, .actor = actor, .count = count, .result = result,
	};

	return audit_log(s->audit, &ev, (int64_t)time(NULL), err);
}

static void
ctl_print_reject(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "fulfilctl: import: %s\n", msg);
}

int
cmd_import(struct ctl *c, int argc, char **argv)
{
	struct orders_ingest_stats stats = { 0 };
	struct station *s = NULL;
	struct secret *buf = NULL;
	struct ferr err = { 0 };
	char actor[STATION_USER_MAX];
	const char *name;
	int fd = -1, rc;

	if (argc != 2)
		return ctl_command_usage("import", CTL_EXIT_USAGE);
	if (station_os_user(actor, &err) != 0)
		return ctl_fail(&err);
	name = argv[1];
	if (strcmp(name, "-") == 0) {
		fd = STDIN_FILENO;
		name = _("standard input");
	} else if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
		ferr_set(&err, FULFIL_EIO, _("import: %s: %s"), name,
		    strerror(errno));
		return ctl_fail(&err);
	}
	rc = ctl_read_locked(fd, name, ORDERS_FILE_MAX, &buf, &err);
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc != 0) {
		ferr_prefix(&err, "import");
		return ctl_fail(&err);
	}
	if (station_open(c->cfg, false, &s, &err) != 0) {
		rc = ctl_fail(&err);
		goto out;
	}
	if (orders_import_buffer(s->store, s->kek, s->cipher,
	    (const char *)buf->data, buf->len, ctl_print_reject, NULL, &stats,
	    &err) != 0) {
		ferr_prefix(&err, "import: %s", name);
		rc = ctl_fail(&err);
		goto out;
	}
	printf(ngettext("imported %zu order\n", "imported %zu orders\n",
	    stats.imported + stats.updated), stats.imported + stats.updated);
	printf(_("received %zu: %zu new, %zu updated, %zu unchanged, "
	    "%zu rejected\n"), stats.received, stats.imported, stats.updated,
	    stats.unchanged, stats.rejected);
	rc = stats.rejected > 0 ? CTL_EXIT_FAILED : CTL_EXIT_OK;
	if (ctl_audit_count(s, actor, AUDIT_ORDERS_IMPORTED,
	    (int64_t)(stats.imported + stats.updated), 0, &err) != 0 ||
	    (stats.rejected > 0 && ctl_audit_count(s, actor,
	    AUDIT_ORDERS_REJECTED, (int64_t)stats.rejected, FULFIL_EINVAL,
	    &err) != 0)) {
		ferr_prefix(&err, "import");
		(void)ctl_fail(&err);
		rc = CTL_EXIT_FAILED;
	}
	/* An order that arrived delivered or cancelled goes at once. */
	if (ctl_upkeep(s, actor, &err) != 0) {
		ferr_prefix(&err, "import");
		(void)ctl_fail(&err);
		rc = CTL_EXIT_FAILED;
	}
out:
	station_close(s);
	secret_free(buf);
	return rc;
}

static const char *
ctl_time_rfc3339(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t < 0 || gmtime_r(&tt, &tm) == NULL)
		return NULL;
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int
ctl_status_json(const struct station_status *st)
{
	json_t *o, *ciphers;
	char tbuf[32];
	const char *last;
	char *text;

	last = ctl_time_rfc3339(st->last_sync, tbuf, sizeof tbuf);
	ciphers = json_pack("{s:I,s:I}",
	    crypto_cipher_name(FULFIL_CIPHER_AES256GCM),
	    (json_int_t)st->counts.by_cipher[FULFIL_CIPHER_AES256GCM],
	    crypto_cipher_name(FULFIL_CIPHER_XCHACHA20POLY1305),
	    (json_int_t)st->counts.by_cipher[FULFIL_CIPHER_XCHACHA20POLY1305]);
	o = json_pack("{s:s,s:I,s:I,s:o,s:s,s:o,s:I,s:o,s:I,s:i}",
	    "station_id", st->station_id,
	    "orders", (json_int_t)st->counts.orders,
	    "orders_with_pii", (json_int_t)st->counts.with_pii,
	    "oldest_pii_age_s", st->counts.oldest_pii_age_s < 0 ? json_null() :
		json_integer(st->counts.oldest_pii_age_s),
	    "cipher", crypto_cipher_name(st->cipher),
	    "ciphers_in_use", ciphers,
	    "key_epoch", (json_int_t)st->key_epoch,
	    "last_sync", last ? json_string(last) : json_null(),
	    "outbox", (json_int_t)st->outbox,
	    "schema_version", st->schema);
	if (o == NULL || (text = json_dumps(o, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(o);
		fprintf(stderr, "fulfilctl: status: %s\n", _("out of memory"));
		return CTL_EXIT_FAILED;
	}
	printf("%s\n", text);
	free(text);
	json_decref(o);
	return CTL_EXIT_OK;
}

static void
ctl_status_text(const struct fulfil_config *cfg, const struct station_status *st)
{
	char tbuf[32], age[32];
	const char *last = ctl_time_rfc3339(st->last_sync, tbuf, sizeof tbuf);

	printf(_("station:        %s\n"), st->station_id);
	printf(_("data dir:       %s\n"), cfg->cache.dir);
	printf(_("orders:         %lld (%lld holding customer data)\n"),
	    (long long)st->counts.orders, (long long)st->counts.with_pii);
	if (st->counts.oldest_pii_age_s >= 0) {
		snprintf(age, sizeof age, "%llds",
		    (long long)st->counts.oldest_pii_age_s);
		printf(_("oldest data:    %s\n"), age);
	}
	printf(_("cipher:         %s (key epoch %u)\n"),
	    crypto_cipher_name(st->cipher), st->key_epoch);
	printf(_("last sync:      %s\n"), last ? last : _("never"));
	printf(_("outbox:         %lld event(s) to push\n"),
	    (long long)st->outbox);
}

int
cmd_status(struct ctl *c, int argc, char **argv)
{
	struct station_status st;
	struct station *s = NULL;
	struct ferr err = { 0 };
	bool json;
	int rc;

	if ((rc = ctl_parse_json_flag("status", argc, argv, &json)) != 0)
		return rc;
	if (station_open(c->cfg, true, &s, &err) != 0)
		return ctl_fail(&err);
	if (station_status(s, (int64_t)time(NULL), &st, &err) != 0) {
		rc = ctl_fail(&err);
		goto out;
	}
	if (json)
		rc = ctl_status_json(&st);
	else {
		ctl_status_text(c->cfg, &st);
		rc = CTL_EXIT_OK;
	}
out:
	station_close(s);
	return rc;
}

struct ctl_check {
	bool json;
	json_t *bad;
};

/*
 * Record that check found failed orders: the check itself runs on a
 * read-only open, so this opens the station for writing once more.
 */
static int
ctl_check_audit(struct ctl *c, size_t failed, struct ferr *err)
{
	char actor[STATION_USER_MAX];
	struct station *s = NULL;
	int r;

	if ((r = station_os_user(actor, err)) != 0 ||
	    (r = station_open(c->cfg, false, &s, err)) != 0)
		return r;
	r = ctl_audit_count(s, actor, AUDIT_TAMPER_FOUND, (int64_t)failed,
	    FULFIL_ECRYPTO, err);
	station_close(s);
	return r;
}

static void
ctl_check_bad(void *ctx, const char *order_id, const struct ferr *err)
{
	struct ctl_check *cc = ctx;

	if (cc->json)
		json_array_append_new(cc->bad, json_pack("{s:s,s:s}", "order",
		    order_id, "error", ferr_name(err->code)));
	else
		fprintf(stderr, "fulfilctl: check: %s\n", err->msg);
}

int
cmd_check(struct ctl *c, int argc, char **argv)
{
	struct ctl_check cc = { 0 };
	struct station *s = NULL;
	struct ferr err = { 0 };
	size_t checked, failed;
	int rc;

	if ((rc = ctl_parse_json_flag("check", argc, argv, &cc.json)) != 0)
		return rc;
	if (station_open(c->cfg, true, &s, &err) != 0)
		return ctl_fail(&err);
	cc.bad = json_array();
	if (station_verify_orders(s, ctl_check_bad, &cc, &checked, &failed,
	    &err) != 0) {
		rc = ctl_fail(&err);
		goto out;
	}
	if (cc.json) {
		json_t *o = json_pack("{s:I,s:I,s:O}", "checked",
		    (json_int_t)checked, "failed", (json_int_t)failed, "bad",
		    cc.bad);
		char *text = o ? json_dumps(o, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) : NULL;

		if (text != NULL)
			printf("%s\n", text);
		free(text);
		json_decref(o);
	} else
		printf(_("checked %zu orders: %zu failed\n"), checked, failed);
	rc = failed > 0 ? CTL_EXIT_FAILED : CTL_EXIT_OK;
	if (failed > 0) {
		station_close(s);
		s = NULL;
		if (ctl_check_audit(c, failed, &err) != 0) {
			ferr_prefix(&err, "check");
			(void)ctl_fail(&err);
		}
	}
out:
	json_decref(cc.bad);
	station_close(s);
	return rc;
}
