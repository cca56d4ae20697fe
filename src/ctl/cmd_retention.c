/*
 * cmd_retention: fulfilctl purge, rekey, verify-certificate and report,
 * and the upkeep every fulfilctl command that changes orders runs
 * (retention sweep, key rotation when due).
 *
 * Argument parsing and output only: the rules are in core/retention*.c
 * and core/report.c. Prints counts, order ids, key fingerprints and file
 * names, never order contents. Progress goes to stderr and only when it
 * is a terminal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "ferr.h"
#include "i18n.h"
#include "report.h"
#include "retention.h"
#include "station.h"

#define CERT_READ_MAX (64 * 1024)

int
ctl_upkeep(struct station *s, const char *actor, struct ferr *err)
{
	struct retention_stats st;
	int64_t now = (int64_t)time(NULL);
	size_t wiped;
	bool rotated;
	int r;

	if ((r = retention_sweep(s, now, &st, err)) != 0)
		return r;
	wiped = st.wiped_delivered + st.wiped_cancelled + st.wiped_cap;
	if (wiped > 0)
		printf(ngettext("wiped %zu order (%zu delivered, %zu cancelled, "
		    "%zu past the 30-day cap)\n", "wiped %zu orders (%zu "
		    "delivered, %zu cancelled, %zu past the 30-day cap)\n",
		    wiped), wiped, st.wiped_delivered, st.wiped_cancelled,
		    st.wiped_cap);
	if (st.stale_alerts > 0)
		fprintf(stderr, ngettext("fulfilctl: warning: %zu order never "
		    "shipped holds customer data longer than stale_pii_after "
		    "(see fulfilctl report)\n", "fulfilctl: warning: %zu "
		    "orders never shipped hold customer data longer than "
		    "stale_pii_after (see fulfilctl report)\n",
		    st.stale_orders), st.stale_orders);
	if ((r = retention_rotate_if_due(s, actor, now, &rotated, err)) != 0)
		return r;
	return 0;
}

/* ---- purge -------------------------------------------------------------- */

static void
ctl_progress(void *ctx, int step, int nsteps, const char *what)
{
	(void)ctx;
	fprintf(stderr, "\r\033[K[%d/%d] %s", step, nsteps, what);
	if (step == nsteps)
		fputc('\n', stderr);
	fflush(stderr);
}

static int
ctl_purge_all(struct ctl *c, const char *actor, const char *cert)
{
	struct retention_purge_result res;
	struct station *s = NULL;
	struct ferr err = { 0 };
	retention_progress_fn progress = isatty(STDERR_FILENO) ?
	    ctl_progress : NULL;
	int r;

	if (retention_purge_pending(c->cfg))
		r = retention_purge_resume(c->cfg, cert, progress, NULL, NULL,
		    &res, &err);
	else {
		if (station_open(c->cfg, false, &s, &err) != 0)
			return ctl_fail(&err);
		/* purge_all consumes s. */
		r = retention_purge_all(s, cert, (int64_t)time(NULL), actor,
		    RETENTION_MANUAL, progress, NULL, NULL, &res, &err);
	}
	if (r != 0) {
		ferr_prefix(&err, "purge");
		return ctl_fail(&err);
	}
	if (res.resumed)
		printf(_("finished an interrupted purge\n"));
	printf(ngettext("erased %lld order holding customer data (of %lld)\n",
	    "erased %lld orders holding customer data (of %lld)\n",
	    (unsigned long)res.orders_erased), (long long)res.orders_erased,
	    (long long)res.orders);
	if (res.kek_destroyed)
		printf(_("every key destroyed\n"));
	else
		fprintf(stderr, _("fulfilctl: purge: the key is a systemd "
		    "credential: every data key and the cache are gone, but "
		    "remove the credential itself from the credential store "
		    "(the certificate says so)\n"));
	printf(_("certificate: %s\n"), cert);
	return CTL_EXIT_OK;
}

static int
ctl_purge_usage(const char *msg)
{
	ctl_usage_error("purge", "%s", msg);
	return ctl_command_usage("purge", CTL_EXIT_USAGE);
}

int
cmd_purge(struct ctl *c, int argc, char **argv)
{
	const char *order = NULL, *cert = NULL;
	char actor[STATION_USER_MAX];
	struct station *s = NULL;
	struct ferr err = { 0 };
	bool all = false, delivered = false;
	size_t n = 0;
	int i, modes, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--delivered") == 0)
			delivered = true;
		else if (strcmp(argv[i], "--order") == 0 && i + 1 < argc)
			order = argv[++i];
		else if (strcmp(argv[i], "--certificate") == 0 && i + 1 < argc)
			cert = argv[++i];
		else {
			ctl_usage_error("purge", _("unexpected argument '%s'"),
			    ctl_shown(argv[i]));
			return ctl_command_usage("purge", CTL_EXIT_USAGE);
		}
	}
	modes = (all ? 1 : 0) + (delivered ? 1 : 0) + (order ? 1 : 0);
	if (modes != 1)
		return ctl_purge_usage(_("give exactly one of --order ID, "
		    "--delivered, --all"));
	if (all && cert == NULL)
		return ctl_purge_usage(_("--all needs --certificate FILE"));
	if (!all && cert != NULL)
		return ctl_purge_usage(_("--certificate goes with --all"));
	if (cert != NULL && cert[0] == '\0')
		return ctl_purge_usage(_("--certificate needs a file "
		    "name"));
	/* Checked before anything is destroyed: the keys go first. */
	if (cert != NULL && cert[0] != '/')
		return ctl_purge_usage(_("--certificate needs an absolute "
		    "path"));
	if (station_os_user(actor, &err) != 0)
		return ctl_fail(&err);
	if (all)
		return ctl_purge_all(c, actor, cert);
	if (station_open(c->cfg, false, &s, &err) != 0)
		return ctl_fail(&err);
	if (order != NULL)
		rc = retention_wipe_order(s, order, RETENTION_MANUAL, actor,
		    (int64_t)time(NULL), &err);
	else
		rc = retention_purge_delivered(s, actor, (int64_t)time(NULL),
		    &n, &err);
	if (rc != 0) {
		ferr_prefix(&err, "purge");
		rc = ctl_fail(&err);
		goto out;
	}
	if (order != NULL)
		printf(_("order %s: customer data wiped\n"), order);
	else
		printf(ngettext("wiped %zu delivered order\n",
		    "wiped %zu delivered orders\n", n), n);
	rc = CTL_EXIT_OK;
	if (ctl_upkeep(s, actor, &err) != 0) {
		ferr_prefix(&err, "purge");
		rc = ctl_fail(&err);
	}
out:
	station_close(s);
	return rc;
}

/* ---- rekey -------------------------------------------------------------- */

int
cmd_rekey(struct ctl *c, int argc, char **argv)
{
	char actor[STATION_USER_MAX];
	struct station *s = NULL;
	struct ferr err = { 0 };
	int rc;

	if (argc != 1)
		return ctl_usage_error("rekey", _("unexpected argument '%s'"),
		    ctl_shown(argv[1]));
	if (station_os_user(actor, &err) != 0)
		return ctl_fail(&err);
	if (station_open(c->cfg, false, &s, &err) != 0)
		return ctl_fail(&err);
	if (retention_rekey(s, actor, (int64_t)time(NULL), &err) != 0) {
		ferr_prefix(&err, "rekey");
		rc = ctl_fail(&err);
	} else {
		char fpr[65];

		crypto_kek_fingerprint(s->kek, fpr);
		printf(_("key rotated: epoch %u, fingerprint %s\n"),
		    crypto_kek_epoch(s->kek), fpr);
		rc = CTL_EXIT_OK;
	}
	station_close(s);
	return rc;
}

/* ---- verify-certificate ------------------------------------------------- */

static int
ctl_read_file(const char *path, char **out, size_t *len, struct ferr *err)
{
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ferr_set(err, FULFIL_EIO, "%s: %s", path,
		    strerror(errno));
	if ((buf = malloc(CERT_READ_MAX + 1)) == NULL) {
		close(fd);
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	}
	while (got <= CERT_READ_MAX &&
	    (n = read(fd, buf + got, CERT_READ_MAX + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	*out = buf;
	*len = got;
	return 0;
}

int
cmd_verify_certificate(struct ctl *c, int argc, char **argv)
{
	const char *file = NULL, *pubkey = NULL;
	struct ferr err = { 0 };
	json_t *doc;
	char *text = NULL;
	size_t len = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pubkey") == 0 && i + 1 < argc)
			pubkey = argv[++i];
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			return ctl_usage_error("verify-certificate",
			    _("unexpected argument '%s'"), ctl_shown(argv[i]));
	}
	if (file == NULL)
		return ctl_command_usage("verify-certificate", CTL_EXIT_USAGE);
	if (ctl_read_file(file, &text, &len, &err) != 0)
		return ctl_fail(&err);
	if (retention_certificate_verify(c->cfg, text, len, pubkey, &err) !=
	    0) {
		free(text);
		ferr_prefix(&err, "%s", file);
		fprintf(stderr, "fulfilctl: %s\n", err.msg);
		return err.code == FULFIL_ENOTFOUND ? CTL_EXIT_USAGE :
		    CTL_EXIT_FAILED;
	}
	doc = json_loadb(text, len, 0, NULL);
	free(text);
	{
		json_t *cert = json_object_get(doc, "certificate");

		printf(_("certificate valid: station %s, issued %s, %lld "
		    "orders erased, method: %s\n"),
		    json_string_value(json_object_get(cert, "station_id")),
		    json_string_value(json_object_get(cert, "issued_at")),
		    (long long)json_integer_value(json_object_get(cert,
		    "orders_erased")),
		    json_string_value(json_object_get(cert, "method")));
	}
	json_decref(doc);
	return CTL_EXIT_OK;
}

/* ---- report ------------------------------------------------------------- */

static void
ctl_report_text(const json_t *doc)
{
	const json_t *rules = json_object_get(doc, "rules"), *rule;
	size_t i;

	printf(_("station %s, %s\n"),
	    json_string_value(json_object_get(doc, "station_id")),
	    json_string_value(json_object_get(doc, "generated_at")));
	json_array_foreach(rules, i, rule) {
		const json_t *ev = json_object_get(rule, "evidence"), *v;
		const char *key;
		char *s;

		printf("%-4s %-9s %s\n",
		    json_string_value(json_object_get(rule, "rule")),
		    json_string_value(json_object_get(rule, "status")),
		    json_string_value(json_object_get(rule, "title")));
		json_object_foreach((json_t *)ev, key, v) {
			s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			printf("       %s: %s\n", key, s ? s : "?");
			free(s);
		}
	}
}

int
cmd_report(struct ctl *c, int argc, char **argv)
{
	struct station *s = NULL;
	struct ferr err = { 0 };
	bool json = false, violated;
	json_t *doc = NULL;
	char *text;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return ctl_usage_error("report",
			    _("unexpected argument '%s'"), ctl_shown(argv[i]));
	}
	if (station_open(c->cfg, true, &s, &err) != 0)
		return ctl_fail(&err);
	if (report_build(s, (int64_t)time(NULL), &doc, &violated, &err) !=
	    0) {
		ferr_prefix(&err, "report");
		rc = ctl_fail(&err);
		goto out;
	}
	if (json) {
		if ((text = json_dumps(doc, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER)) == NULL) {
			rc = CTL_EXIT_FAILED;
			goto out;
		}
		printf("%s\n", text);
		free(text);
	} else
		ctl_report_text(doc);
	if (violated)
		fprintf(stderr, _("fulfilctl: report: a rule is violated right "
		    "now\n"));
	rc = violated ? CTL_EXIT_FAILED : CTL_EXIT_OK;
out:
	json_decref(doc);
	station_close(s);
	return rc;
}
