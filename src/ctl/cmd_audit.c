/*
 * cmd_audit: fulfilctl audit [--verify] [--since WHEN] [--json], and
 * fulfilctl reveals [--since WHEN] [--json] (the PII reveals, with their
 * reason texts opened: evidence for an investigation, R5 and R16).
 *
 * Lists the security log as a table or JSON, and checks its MAC chain.
 * Opens the station read-only; opens it for writing only to record a
 * break that --verify found (as a chain-broken event, which the core
 * does not repeat for the same break). Every stored text is printed
 * with each byte that is not printable ASCII written as \xHH, so an
 * altered row cannot drive the terminal. Never decides anything itself:
 * what is intact and what is recorded is the audit module's call.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "ctl.h"
#include "fconfig.h"
#include "ferr.h"
#include "i18n.h"
#include "station.h"
#include "workflow.h"

#define CTL_AUDIT_SHOW_MAX 64	/* bytes of a stored text shown */
#define CTL_AUDIT_SHOW_BUF (4 * CTL_AUDIT_SHOW_MAX + 4)

struct ctl_audit_opts {
	bool verify, json, has_since;
	int64_t since;
};

/* Parse exactly n decimal digits at s. */
static bool
ctl_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * YYYY-MM-DD, or an RFC 3339 time YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|
 * -HH:MM), into unix seconds. A day that does not exist is refused.
 */
static bool
ctl_parse_time(const char *s, int64_t *out)
{
	struct tm tm, back;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	const char *p = s + 10;
	time_t t;

	if (strlen(s) < 10 || !ctl_digits(s, 4, &y) || s[4] != '-' ||
	    !ctl_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !ctl_digits(s + 8, 2, &d))
		return false;
	if (*p != '\0') {
		if ((*p != 'T' && *p != 't') || !ctl_digits(p + 1, 2, &h) ||
		    p[3] != ':' || !ctl_digits(p + 4, 2, &mi) || p[6] != ':' ||
		    !ctl_digits(p + 7, 2, &sec))
			return false;
		p += 9;
		if (*p == '.') {
			if (p[1] < '0' || p[1] > '9')
				return false;
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		}
		if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
			sign = 0;
		else if ((*p == '+' || *p == '-') &&
		    ctl_digits(p + 1, 2, &oh) && p[3] == ':' &&
		    ctl_digits(p + 4, 2, &om) && p[6] == '\0')
			sign = *p == '+' ? 1 : -1;
		else
			return false;
		if (h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
			return false;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
	    back.tm_mday != d || back.tm_mon != mo - 1)
		return false;
	*out = (int64_t)t + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec) -
	    sign * (oh * 3600 + om * 60);
	return true;
}

/* WHEN: a time, a date, or a duration ago (config_parse_duration). */
static bool
ctl_parse_when(const char *s, int64_t now, int64_t *out)
{
	int64_t secs;

	if (config_parse_duration(s, &secs) == 0) {
		*out = secs >= now ? 0 : now - secs;
		return true;
	}
	return ctl_parse_time(s, out);
}

static int
ctl_audit_args(const char *cmd, int argc, char **argv, int64_t now,
    struct ctl_audit_opts *o)
{
	const char *when = NULL;
	int i;

	memset(o, 0, sizeof *o);
	for (i = 1; i < argc; i++) {
		if (strcmp(cmd, "audit") == 0 &&
		    strcmp(argv[i], "--verify") == 0)
			o->verify = true;
		else if (strcmp(argv[i], "--json") == 0)
			o->json = true;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			when = argv[++i];
		else if (strncmp(argv[i], "--since=", 8) == 0)
			when = argv[i] + 8;
		else if (strcmp(argv[i], "--since") == 0)
			return ctl_usage_error(cmd,
			    _("--since needs a value"));
		else
			return ctl_usage_error(cmd,
			    _("unexpected argument '%s'"), ctl_shown(argv[i]));
	}
	if (when != NULL) {
		if (o->verify)
			return ctl_usage_error(cmd, _("--since does not "
			    "apply to --verify, which checks the whole log"));
		if (!ctl_parse_when(when, now, &o->since))
			return ctl_usage_error(cmd, _("--since: give an "
			    "RFC 3339 time (2026-11-22T08:00:00Z), a date "
			    "(2026-11-22) or a duration ago (24h, 7d)"));
		o->has_since = true;
	}
	return CTL_EXIT_OK;
}

/* A stored text for output: printable ASCII, the rest as \xHH. */
static const char *
ctl_audit_clean(const char *s, char *buf)
{
	size_t i, o = 0;

	if (s == NULL)
		return NULL;
	for (i = 0; s[i] != '\0' && i < CTL_AUDIT_SHOW_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\') {
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			buf[o++] = (char)c;
		} else {
			snprintf(buf + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	if (s[i] != '\0') {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static const char *
ctl_audit_time(int64_t at, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)at;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)at);
	return buf;
}

static const char *
ctl_audit_kind(int kind, char *buf, size_t len)
{
	const char *name = audit_kind_name(kind);

	if (name != NULL)
		return name;
	snprintf(buf, len, "kind-%d", kind);
	return buf;
}

struct ctl_audit_list {
	bool json;
	json_t *rows;
	size_t n;
};

/* The columns of one row, cleaned; shared by both outputs. */
struct ctl_audit_cols {
	char time[32], kind[32];
	char source[CTL_AUDIT_SHOW_BUF], actor[CTL_AUDIT_SHOW_BUF];
	char subject[CTL_AUDIT_SHOW_BUF], order[CTL_AUDIT_SHOW_BUF];
	char role[CTL_AUDIT_SHOW_BUF];
	const char *kp, *sp, *ap, *subp, *op, *rp;
};

static void
ctl_audit_cols(const struct audit_row *row, struct ctl_audit_cols *c)
{
	ctl_audit_time(row->at, c->time, sizeof c->time);
	c->kp = ctl_audit_kind(row->kind, c->kind, sizeof c->kind);
	c->sp = ctl_audit_clean(row->source, c->source);
	c->ap = ctl_audit_clean(row->actor, c->actor);
	c->subp = ctl_audit_clean(row->subject, c->subject);
	c->op = ctl_audit_clean(row->order_id, c->order);
	c->rp = ctl_audit_clean(row->role, c->role);
}

static int
ctl_audit_row(void *ctx, const struct audit_row *row)
{
	struct ctl_audit_list *l = ctx;
	struct ctl_audit_cols c;
	char count[24];
	json_t *o;

	ctl_audit_cols(row, &c);
	l->n++;
	if (l->json) {
		o = json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:i}",
		    "seq", (json_int_t)row->seq, "time", c.time, "kind", c.kp,
		    "source", c.sp, "actor", c.ap, "subject", c.subp,
		    "order", c.op, "role", c.rp,
		    "count", row->count < 0 ? json_null() :
			json_integer(row->count),
		    "result", row->result);
		if (o == NULL || json_array_append_new(l->rows, o) != 0)
			return FULFIL_ENOMEM;
		return 0;
	}
	snprintf(count, sizeof count, "%lld", (long long)row->count);
	printf("%6lld  %-20s  %-16s  %-9s  %-12s  %-12s  %-12s  %-10s  %5s  "
	    "%d\n", (long long)row->seq, c.time, c.kp, c.sp ? c.sp : "-",
	    c.ap ? c.ap : "-", c.subp ? c.subp : "-", c.op ? c.op : "-",
	    c.rp ? c.rp : "-", row->count < 0 ? "-" : count, row->result);
	return 0;
}

static int
ctl_audit_show(struct station *s, const struct ctl_audit_opts *o)
{
	struct ctl_audit_list l = { .json = o->json };
	struct ferr err = { 0 };
	char *text;
	int r;

	if (o->json && (l.rows = json_array()) == NULL)
		goto nomem;
	else if (!o->json)
		printf("%6s  %-20s  %-16s  %-9s  %-12s  %-12s  %-12s  %-10s  "
		    "%5s  %s\n", _("SEQ"), _("TIME"), _("KIND"), _("SOURCE"),
		    _("ACTOR"), _("SUBJECT"), _("ORDER"), _("ROLE"),
		    _("COUNT"), _("RESULT"));
	if ((r = audit_list(s->audit, o->has_since ? o->since : 0,
	    ctl_audit_row, &l, &err)) != 0) {
		json_decref(l.rows);
		if (r == FULFIL_ENOMEM)
			goto nomem;
		ferr_prefix(&err, "audit");
		return ctl_fail(&err);
	}
	if (o->json) {
		text = json_dumps(l.rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(l.rows);
		if (text == NULL)
			goto nomem;
		printf("%s\n", text);
		free(text);
	}
	return CTL_EXIT_OK;
nomem:
	fprintf(stderr, "fulfilctl: audit: %s\n", _("out of memory"));
	return CTL_EXIT_FAILED;
}

/* Record the break (as the OS user); a failure is reported, not fatal. */
static void
ctl_audit_record_break(struct ctl *c, const struct audit_verify_result *res)
{
	char actor[STATION_USER_MAX];
	struct station *s = NULL;
	struct ferr err = { 0 };
	bool logged;

	if (station_os_user(actor, &err) != 0 ||
	    station_open(c->cfg, false, &s, &err) != 0 ||
	    audit_log_broken(s->audit, res, actor, (int64_t)time(NULL),
	    &logged, &err) != 0) {
		ferr_prefix(&err, "%s",
		    _("audit: the break could not be recorded"));
		(void)ctl_fail(&err);
	}
	station_close(s);
}

static int
ctl_audit_verify(struct ctl *c, struct station **sp,
    const struct ctl_audit_opts *o)
{
	struct audit_verify_result res;
	struct ferr err = { 0 };
	char why[CTL_AUDIT_SHOW_BUF];
	json_t *j;
	char *text;

	if (audit_verify((*sp)->audit, &res, &err) != 0) {
		ferr_prefix(&err, "audit");
		return ctl_fail(&err);
	}
	ctl_audit_clean(res.why, why);
	if (o->json) {
		j = json_pack("{s:b,s:I,s:o,s:o}", "ok", res.ok,
		    "rows", (json_int_t)res.rows,
		    "first_bad_seq", res.ok ? json_null() :
			json_integer(res.first_bad_seq),
		    "why", res.ok ? json_null() : json_string(why));
		text = j != NULL ? json_dumps(j, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) : NULL;
		if (text != NULL)
			printf("%s\n", text);
		free(text);
		json_decref(j);
	} else if (res.ok) {
		printf(ngettext("audit chain ok: %lld row\n",
		    "audit chain ok: %lld rows\n", (unsigned long)res.rows),
		    (long long)res.rows);
	}
	if (res.ok)
		return CTL_EXIT_OK;
	fprintf(stderr, _("fulfilctl: audit chain broken at seq %lld: %s\n"),
	    (long long)res.first_bad_seq, why);
	/* The read-only handle goes first: recording needs the write lock. */
	station_close(*sp);
	*sp = NULL;
	ctl_audit_record_break(c, &res);
	return CTL_EXIT_FAILED;
}

int
cmd_audit(struct ctl *c, int argc, char **argv)
{
	struct ctl_audit_opts o;
	struct station *s = NULL;
	struct ferr err = { 0 };
	int rc;

	if ((rc = ctl_audit_args("audit", argc, argv, (int64_t)time(NULL),
	    &o)) != 0)
		return rc;
	if (station_open(c->cfg, true, &s, &err) != 0)
		return ctl_fail(&err);
	if (o.verify)
		rc = ctl_audit_verify(c, &s, &o);
	else
		rc = ctl_audit_show(s, &o);
	station_close(s);
	return rc;
}

/* ---- reveals ------------------------------------------------------------ */

struct ctl_reveals {
	bool json;
	json_t *rows;
	int r;
};

static int
ctl_reveal_row(void *ctx, const struct workflow_reveal_row *row)
{
	struct ctl_reveals *l = ctx;
	char when[32], user[CTL_AUDIT_SHOW_MAX * 4 + 4],
	    order[CTL_AUDIT_SHOW_MAX * 4 + 4], text[CTL_AUDIT_SHOW_MAX * 4 + 4];
	const char *reason = workflow_code_name(WF_TABLE_REVEAL, row->reason);
	json_t *o;

	ctl_audit_time(row->at, when, sizeof when);
	ctl_audit_clean(row->user, user);
	ctl_audit_clean(row->order_id, order);
	if (row->text != NULL)
		ctl_audit_clean(row->text, text);
	if (l->json) {
		o = json_pack("{s:I,s:s,s:s,s:s,s:s?,s:s?}", "seq",
		    (json_int_t)row->seq, "time", when, "user", user, "order",
		    order, "reason", reason, "text",
		    row->text != NULL ? text : NULL);
		if (o == NULL || json_array_append_new(l->rows, o) != 0) {
			l->r = CTL_EXIT_FAILED;
			return 1;
		}
		return 0;
	}
	printf("%-6lld %s %-16s %-16s %-10s %s\n", (long long)row->seq, when,
	    user, order, reason != NULL ? reason : "?",
	    row->text != NULL ? text : _("(does not authenticate)"));
	return 0;
}

int
cmd_reveals(struct ctl *c, int argc, char **argv)
{
	struct ctl_reveals l = { 0 };
	struct ctl_audit_opts o;
	struct station *s = NULL;
	struct ferr err = { 0 };
	size_t bad = 0;
	char *text;
	int rc;

	if ((rc = ctl_audit_args("reveals", argc, argv, (int64_t)time(NULL),
	    &o)) != 0)
		return rc;
	if (station_open(c->cfg, true, &s, &err) != 0)
		return ctl_fail(&err);
	l.json = o.json;
	if (l.json && (l.rows = json_array()) == NULL) {
		station_close(s);
		ferr_set(&err, FULFIL_ENOMEM, "%s", _("out of memory"));
		return ctl_fail(&err);
	}
	if (workflow_reveals(s, o.has_since ? o.since : 0, ctl_reveal_row, &l,
	    &bad, &err) != 0) {
		json_decref(l.rows);
		station_close(s);
		return ctl_fail(&err);
	}
	station_close(s);
	if (l.json) {
		text = json_dumps(l.rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(l.rows);
		if (text == NULL)
			return CTL_EXIT_FAILED;
		printf("%s\n", text);
		free(text);
	}
	if (bad > 0) {
		fprintf(stderr, _("fulfilctl reveals: %zu reason texts do not "
		    "authenticate (altered or moved)\n"), bad);
		return CTL_EXIT_FAILED;
	}
	return l.r != 0 ? l.r : CTL_EXIT_OK;
}
