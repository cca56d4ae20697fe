/*
 * report: compliance evidence for R1-R16 (see report.h).
 *
 * One table of rules, each with a function that measures it from the
 * cache, the configuration and the audit log. Owns no data: it only
 * reads. Must never put order contents into the report (it reads counts,
 * times, login names of staff and settings, never sealed data) and never
 * call a rule ok that it did not measure: unmeasurable rules are "info".
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "audit.h"
#include "crypto.h"
#include "fconfig.h"
#include "ferr.h"
#include "i18n.h"
#include "lockout.h"
#include "policy.h"
#include "report.h"
#include "retention.h"
#include "station.h"
#include "store.h"

#define DAY 86400
#define GRANT_MAX_DAYS 90

enum report_status { REPORT_OK, REPORT_VIOLATED, REPORT_INFO };

static const char *const report_status_names[] = {
	"ok", "violated", "info",
};

struct report_ctx {
	struct station *s;
	int64_t now;
	json_t *ev;		/* this rule's evidence */
	struct ferr *err;
};

typedef int (*report_fn)(struct report_ctx *c, enum report_status *st);

static int
report_int(struct report_ctx *c, const char *sql, int64_t a1, int64_t *out)
{
	sqlite3_stmt *q;
	int r = 0;

	*out = 0;
	if ((q = store_stmt(c->s->store, sql, c->err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, a1);
	if (sqlite3_step(q) == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	else
		r = store_error(c->s->store, c->err, _("building the report"));
	sqlite3_reset(q);
	return r;
}

static void
report_set(struct report_ctx *c, const char *key, int64_t v)
{
	json_object_set_new(c->ev, key, json_integer((json_int_t)v));
}

static void
report_str(struct report_ctx *c, const char *key, const char *v)
{
	json_object_set_new(c->ev, key, v ? json_string(v) : json_null());
}

static void
report_time(struct report_ctx *c, const char *key, int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		json_object_set_new(c->ev, key, json_null());
		return;
	}
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(c->ev, key, json_string(buf));
}

/* R1: no shared, generic or system accounts hold a role. */
static int
report_r1(struct report_ctx *c, enum report_status *st)
{
	json_t *bad = json_array();
	sqlite3_stmt *q;
	int64_t people = 0;
	int rc, r = 0;

	if ((q = store_stmt(c->s->store,
	    "SELECT DISTINCT user FROM grants ORDER BY user", c->err)) ==
	    NULL) {
		json_decref(bad);
		return FULFIL_EDB;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(q, 0);

		people++;
		if (u != NULL && (policy_name_is_generic(u) ||
		    policy_system_account_check(u, NULL) == FULFIL_EPERM))
			json_array_append_new(bad, json_string(u));
	}
	if (rc != SQLITE_DONE)
		r = store_error(c->s->store, c->err, _("building the report"));
	sqlite3_reset(q);
	report_set(c, "people_with_roles", people);
	*st = json_array_size(bad) > 0 ? REPORT_VIOLATED : REPORT_OK;
	json_object_set_new(c->ev, "shared_or_system_accounts", bad);
	return r;
}

static int
report_count_lock(void *ctx, const char *name, int64_t until)
{
	(void)name;
	(void)until;
	(*(int64_t *)ctx)++;
	return 0;
}

/* R2 and R13: lockouts and alerts. */
static const char sql_alerts_24h[] =
    "SELECT count(*) FROM audit WHERE at >= ?1 AND kind IN"
    " (11, 12, 14, 16, 46, 81, 82, 86)";
static const char sql_locks_24h[] =
    "SELECT count(*) FROM audit WHERE at >= ?1 AND kind IN (14, 16, 46)";

static int
report_r2(struct report_ctx *c, enum report_status *st)
{
	int64_t locked = 0, unknown = 0, n;
	int r;

	if ((r = lockout_list(c->s, c->now, report_count_lock, &locked,
	    &unknown, c->err)) != 0)
		return r;
	report_set(c, "locked_accounts", locked + unknown);
	if ((r = report_int(c, sql_locks_24h, c->now - DAY, &n)) != 0)
		return r;
	report_set(c, "lock_events_24h", n);
	report_set(c, "max_failures", c->s->cfg->auth.max_failures);
	report_set(c, "failure_window_s", c->s->cfg->auth.failure_window);
	report_set(c, "lockout_s", c->s->cfg->auth.lockout);
	*st = REPORT_OK;
	return 0;
}

/* R3: PII fields and the roles that see them; reveals. */
static int
report_r3(struct report_ctx *c, enum report_status *st)
{
	const struct policy_field *pf;
	int64_t pii = 0, picker = 0, n;
	size_t i;
	int r;

	for (i = 0; (pf = policy_field_at(i)) != NULL; i++) {
		if (pf->pii != FIELD_PII_YES)
			continue;
		pii++;
		if (policy_field_visibility(pf->field, ROLE_BIT(ROLE_PICKER),
		    false) != VIS_HIDDEN ||
		    policy_field_visibility(pf->field, ROLE_BIT(ROLE_AUDITOR),
		    false) != VIS_HIDDEN)
			picker++;
	}
	report_set(c, "pii_fields", pii);
	report_set(c, "pii_fields_shown_to_picker_or_auditor", picker);
	if ((r = report_int(c, "SELECT count(*) FROM reveals WHERE at >= ?1",
	    c->now - DAY, &n)) != 0)
		return r;
	report_set(c, "pii_reveals_24h", n);
	*st = picker > 0 ? REPORT_VIOLATED : REPORT_OK;
	return 0;
}

/* R4: grants expire within 90 days. */
static int
report_r4(struct report_ctx *c, enum report_status *st)
{
	int64_t active, longer, expired;
	int r;

	if ((r = report_int(c, "SELECT count(*) FROM grants"
	    " WHERE expires_at > ?1", c->now, &active)) != 0 ||
	    (r = report_int(c, "SELECT count(*) FROM grants"
	    " WHERE expires_at > ?1 + 90 * 86400", c->now, &longer)) != 0 ||
	    (r = report_int(c, "SELECT count(*) FROM grants"
	    " WHERE expires_at <= ?1", c->now, &expired)) != 0)
		return r;
	report_set(c, "active_grants", active);
	report_set(c, "grants_beyond_90_days", longer);
	report_set(c, "expired_grants", expired);
	*st = longer > 0 ? REPORT_VIOLATED : REPORT_OK;
	return 0;
}

/* R5: every reveal has a reason. */
static int
report_r5(struct report_ctx *c, enum report_status *st)
{
	int64_t all, none;
	int r;

	if ((r = report_int(c, "SELECT count(*) FROM reveals WHERE at >= ?1",
	    c->now - 90 * DAY, &all)) != 0 ||
	    (r = report_int(c, "SELECT count(*) FROM reveals WHERE at >= ?1"
	    " AND (reason = 0 OR length(reason_text) = 0)", c->now - 90 * DAY,
	    &none)) != 0)
		return r;
	report_set(c, "reveals_90d", all);
	report_set(c, "reveals_without_reason", none);
	*st = none > 0 ? REPORT_VIOLATED : REPORT_OK;
	return 0;
}

/* R6: the cipher, the ciphers in use, the key epoch and its age. */
static int
report_r6(struct report_ctx *c, enum report_status *st)
{
	const struct fulfil_config *cfg = c->s->cfg;
	struct orders_counts oc;
	int64_t age;
	bool cred = crypto_kek_spec_is_credential(cfg->cache.key);
	int r;

	if ((r = orders_counts(c->s->store, c->now, &oc, c->err)) != 0 ||
	    (r = retention_epoch_age(c->s, c->now, &age, c->err)) != 0)
		return r;
	report_str(c, "cipher", crypto_cipher_name(c->s->cipher));
	report_set(c, "sealed_aes256gcm",
	    oc.by_cipher[FULFIL_CIPHER_AES256GCM]);
	report_set(c, "sealed_xchacha20poly1305",
	    oc.by_cipher[FULFIL_CIPHER_XCHACHA20POLY1305]);
	report_str(c, "key", cred ? "systemd credential" : "key file 0400");
	report_set(c, "key_epoch", crypto_kek_epoch(c->s->kek));
	report_set(c, "key_epoch_age_s", age);
	report_set(c, "key_epoch_limit_s", cfg->cache.key_epoch);
	/* One epoch of grace: the rotation runs hourly once due. */
	*st = !cred && age > 2 * cfg->cache.key_epoch ? REPORT_VIOLATED :
	    REPORT_OK;
	return 0;
}

static int
report_r7(struct report_ctx *c, enum report_status *st)
{
	const char *url = c->s->cfg->sync.url;

	report_str(c, "sync_url_scheme", url == NULL ? NULL :
	    strncmp(url, "https://", 8) == 0 ? "https" : "other");
	report_str(c, "tls_minimum", "1.2");
	report_str(c, "pinned_pubkey", c->s->cfg->sync.pinned_pubkey ?
	    "yes" : "no");
	*st = url != NULL && strncmp(url, "https://", 8) != 0 ?
	    REPORT_VIOLATED : REPORT_OK;
	return 0;
}

/* R8: nothing past its wipe time; the oldest PII. */
static int
report_r8(struct report_ctx *c, enum report_status *st)
{
	struct retention_due d;
	int r;

	if ((r = retention_due(c->s, c->now, &d, c->err)) != 0)
		return r;
	report_set(c, "orders_with_pii", d.with_pii);
	report_set(c, "orders_past_wipe_time", d.past_wipe_time);
	report_set(c, "stale_unshipped_orders", d.stale);
	json_object_set_new(c->ev, "oldest_pii_age_s",
	    d.oldest_pii_age_s < 0 ? json_null() :
	    json_integer((json_int_t)d.oldest_pii_age_s));
	report_set(c, "tombstones", d.wiped);
	report_time(c, "last_sweep", d.last_sweep);
	report_set(c, "retain_after_delivery_s",
	    c->s->cfg->cache.retain_after_delivery);
	*st = d.past_wipe_time > 0 ? REPORT_VIOLATED : REPORT_OK;
	return 0;
}

static int
report_r9(struct report_ctx *c, enum report_status *st)
{
	report_str(c, "audit", "typed events only, no free text");
	report_str(c, "temp_store", "memory");
	report_str(c, "core_dumps", "disabled at start");
	*st = REPORT_INFO;
	return 0;
}

static int
report_r10(struct report_ctx *c, enum report_status *st)
{
	report_str(c, "pii_export_command", "none");
	report_str(c, "printer", c->s->cfg->printer.uri != NULL ?
	    "configured" : "none");
	*st = REPORT_INFO;
	return 0;
}

static int
report_r11(struct report_ctx *c, enum report_status *st)
{
	const char *u = c->s->cfg->printer.uri;

	report_str(c, "printer_transport", u == NULL ? NULL :
	    strncmp(u, "tcp://", 6) == 0 ? "tcp" :
	    strncmp(u, "device:", 7) == 0 ? "device" : "other");
	*st = u != NULL && strncmp(u, "tcp://", 6) != 0 &&
	    strncmp(u, "device:", 7) != 0 ? REPORT_VIOLATED : REPORT_OK;
	return 0;
}

/* R12: the chain verifies; the span of the log. */
static int
report_r12(struct report_ctx *c, enum report_status *st)
{
	struct audit_verify_result v;
	int64_t first, last, rows;
	int r;

	if ((r = audit_verify(c->s->audit, &v, c->err)) != 0 ||
	    (r = report_int(c, "SELECT coalesce(min(at), 0) FROM audit"
	    " WHERE ?1 = ?1", 0, &first)) != 0 ||
	    (r = report_int(c, "SELECT coalesce(max(at), 0) FROM audit"
	    " WHERE ?1 = ?1", 0, &last)) != 0 ||
	    (r = report_int(c, "SELECT count(*) FROM audit WHERE ?1 = ?1", 0,
	    &rows)) != 0)
		return r;
	json_object_set_new(c->ev, "chain_verified", json_boolean(v.ok));
	if (!v.ok)
		report_set(c, "first_bad_seq", v.first_bad_seq);
	report_set(c, "rows", rows);
	report_time(c, "oldest", first);
	report_time(c, "newest", last);
	report_set(c, "retain_s", c->s->cfg->audit.retain);
	report_str(c, "syslog", c->s->cfg->audit.syslog ? "yes" : "no");
	*st = v.ok ? REPORT_OK : REPORT_VIOLATED;
	return 0;
}

static int
report_r13(struct report_ctx *c, enum report_status *st)
{
	int64_t n;
	int r;

	if ((r = report_int(c, sql_alerts_24h, c->now - DAY, &n)) != 0)
		return r;
	report_set(c, "alerts_24h", n);
	report_str(c, "syslog", c->s->cfg->audit.syslog ? "authpriv" : "off");
	report_str(c, "oms_alerts", c->s->cfg->sync.url ? "yes" : "no");
	*st = REPORT_INFO;
	return 0;
}

static int
report_r14(struct report_ctx *c, enum report_status *st)
{
	int64_t n;
	int r;

	if ((r = report_int(c, "SELECT count(*) FROM audit WHERE kind IN"
	    " (85, 86) AND ?1 = ?1", 0, &n)) != 0)
		return r;
	report_str(c, "method", "cryptographic erase, NIST SP 800-88");
	report_str(c, "command", "fulfilctl purge --all --certificate FILE");
	report_set(c, "purges_logged", n);
	*st = REPORT_INFO;
	return 0;
}

static int
report_r15(struct report_ctx *c, enum report_status *st)
{
	const struct policy_field *pf;
	int64_t n = 0, pii = 0;
	size_t i;

	for (i = 0; (pf = policy_field_at(i)) != NULL; i++) {
		n++;
		pii += pf->pii != FIELD_PII_NO;
	}
	report_set(c, "fields", n);
	report_set(c, "pii_or_linked_fields", pii);
	report_str(c, "inventory", "fulfilctl fields");
	*st = REPORT_INFO;
	return 0;
}

static int
report_r16(struct report_ctx *c, enum report_status *st)
{
	int64_t rows;
	int r;

	if ((r = report_int(c, "SELECT count(*) FROM audit WHERE ?1 = ?1", 0,
	    &rows)) != 0)
		return r;
	report_set(c, "audit_rows", rows);
	report_str(c, "export", "fulfilctl audit --since WHEN --json");
	*st = REPORT_INFO;
	return 0;
}

static const struct {
	const char *rule;
	const char *title;
	report_fn fn;
} report_rules[] = {
	{ "R1", N_("a unique login per person"), report_r1 },
	{ "R2", N_("lockout on failed logins and anomalous use"), report_r2 },
	{ "R3", N_("least privilege for PII"), report_r3 },
	{ "R4", N_("access reviewed every 90 days"), report_r4 },
	{ "R5", N_("a reason for every PII access"), report_r5 },
	{ "R6", N_("PII encrypted at rest, keys rotated"), report_r6 },
	{ "R7", N_("encryption in transit"), report_r7 },
	{ "R8", N_("PII removed after delivery, at most 30 days"), report_r8 },
	{ "R9", N_("no PII in logs or files"), report_r9 },
	{ "R10", N_("no PII on removable media"), report_r10 },
	{ "R11", N_("printed PII only on labels, no spool"), report_r11 },
	{ "R12", N_("tamper-evident security log"), report_r12 },
	{ "R13", N_("alerts on suspicious activity"), report_r13 },
	{ "R14", N_("deletion on request, certified"), report_r14 },
	{ "R15", N_("records of processing"), report_r15 },
	{ "R16", N_("evidence for incident response"), report_r16 },
};

int
report_build(struct station *s, int64_t now, json_t **out, bool *violated,
    struct ferr *err)
{
	struct report_ctx c = { .s = s, .now = now, .err = err };
	json_t *doc = NULL, *rules;
	char *id = NULL, when[32];
	struct tm tm;
	time_t tt = (time_t)now;
	size_t i;
	int r;

	*out = NULL;
	*violated = false;
	if ((r = store_meta_get(s->store, "station_id", &id, err)) != 0)
		return r;
	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(when, sizeof when, "?");
	else
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	rules = json_array();
	doc = json_pack("{s:s,s:s,s:o}", "station_id", id ? id : "",
	    "generated_at", when, "rules", rules);
	free(id);
	if (doc == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	for (i = 0; i < sizeof report_rules / sizeof report_rules[0]; i++) {
		enum report_status st = REPORT_INFO;

		c.ev = json_object();
		if ((r = report_rules[i].fn(&c, &st)) != 0) {
			json_decref(c.ev);
			json_decref(doc);
			return r;
		}
		if (st == REPORT_VIOLATED)
			*violated = true;
		json_array_append_new(rules, json_pack("{s:s,s:s,s:s,s:o}",
		    "rule", report_rules[i].rule,
		    "title", _(report_rules[i].title),
		    "status", report_status_names[st], "evidence", c.ev));
	}
	json_object_set_new(doc, "violated", json_boolean(*violated));
	*out = doc;
	return 0;
}
