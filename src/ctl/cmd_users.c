/*
 * cmd_users: fulfilctl users, grant, revoke and unlock.
 *
 * Argument parsing and output over the policy and lockout modules; the
 * rules (who may receive a role, how long it lasts, what is audited) are
 * theirs. The actor recorded is the OS user running fulfilctl, acting as
 * the administrator.
 *
 * Exit codes: 0 done; 1 the core refused or failed (a policy refusal, a
 * role not held, a name not locked); 2 a malformed argument (also when the
 * core finds it malformed: a bad login name, days out of range) or a
 * configuration error. Never echoes an argument that failed the login-name
 * rules: it may be hostile, or a password typed in the wrong place.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "ctl.h"
#include "ferr.h"
#include "i18n.h"
#include "lockout.h"
#include "policy.h"
#include "station.h"
#include "supervise.h"
#include "workflow.h"

/* ---- helpers ---------------------------------------------------------- */

/* "fulfilctl: CMD: MSG", and the exit code for a core result. */
static int
ctl_users_fail(const char *cmd, const struct ferr *err)
{
	fprintf(stderr, "fulfilctl: %s: %s\n", cmd, err->msg[0] ? err->msg :
	    ferr_name(err->code));
	switch (err->code) {
	case FULFIL_EINVAL:
	case FULFIL_ECONFIG:
	case FULFIL_EKEY:
		return CTL_EXIT_USAGE;
	default:
		return CTL_EXIT_FAILED;
	}
}

/* "picker, packer, ..." from the role table. */
static void
ctl_role_list(char *buf, size_t len)
{
	int r;

	buf[0] = '\0';
	for (r = 1; r <= ROLE_MAX; r++) {
		const char *n = policy_role_name((enum role)r);

		if (n == NULL)
			continue;
		if (buf[0] != '\0')
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, n, len - strlen(buf) - 1);
	}
}

static int
ctl_parse_role(const char *cmd, const char *arg, enum role *role)
{
	char roles[128];

	if (policy_role_parse(arg, role) == 0)
		return 0;
	ctl_role_list(roles, sizeof roles);
	return ctl_usage_error(cmd, _("ROLE: unknown role; the roles are %s"),
	    roles);
}

/* "#" + 16 hex digits: how the audit log shows a name it does not know. */
static bool
ctl_is_hex_name(const char *arg)
{
	size_t i;

	if (arg[0] != '#')
		return false;
	for (i = 1; i <= 16; i++)
		if (strchr("0123456789abcdefABCDEF", arg[i]) == NULL ||
		    arg[i] == '\0')
			return false;
	return arg[17] == '\0';
}

/* USER as an argument: named in usage errors, never echoed. */
static int
ctl_parse_user(const char *cmd, const char *arg, bool hex_ok)
{
	struct ferr err = { 0 };

	if (hex_ok && ctl_is_hex_name(arg))
		return 0;
	if (policy_login_name_check(arg, &err) == 0)
		return 0;
	return ctl_usage_error(cmd, _("USER: %s"), err.msg);
}

static int
ctl_parse_days(const char *cmd, const char *arg, int *days)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 ||
	    v > INT_MAX)
		return ctl_usage_error(cmd, _("--days: expected a whole number "
		    "of days (1 to %d)"), POLICY_MAX_DAYS);
	*days = (int)v;
	return 0;
}

/* Options of grant (--days), revoke and unlock (--reason). */
struct ctl_user_opts {
	int *days;		/* NULL: no --days */
	enum workflow_table reasons;	/* 0: no --reason */
	int *reason;		/* the code; 0 when not given */
};

/* --reason NAME: a name of the reason table, into its code. */
static int
ctl_parse_reason(const char *cmd, const struct ctl_user_opts *o,
    const char *name)
{
	struct workflow_code wc;
	size_t i;

	for (i = 0; workflow_code_info(o->reasons, i, &wc); i++) {
		if (strcmp(wc.name, name) == 0) {
			*o->reason = wc.code;
			return 0;
		}
	}
	return ctl_usage_error(cmd, _("unknown reason '%s' (see 'fulfilctl "
	    "%s --help')"), ctl_shown(name), cmd);
}

/*
 * Positional arguments into pos[npos] (exactly), --days N and --reason
 * NAME where o allows them. Anything else is a usage error naming it.
 */
static int
ctl_parse_args(const char *cmd, int argc, char **argv, const char **pos,
    int npos, const struct ctl_user_opts *o)
{
	int *days = o != NULL ? o->days : NULL;
	bool reasons = o != NULL && o->reasons != 0;
	int i, n = 0, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (reasons && strcmp(a, "--reason") == 0) {
			if (i + 1 >= argc)
				return ctl_usage_error(cmd, _("--reason needs "
				    "a reason name"));
			if ((rc = ctl_parse_reason(cmd, o, argv[++i])) != 0)
				return rc;
		} else if (reasons && strncmp(a, "--reason=", 9) == 0) {
			if ((rc = ctl_parse_reason(cmd, o, a + 9)) != 0)
				return rc;
		} else if (days != NULL && strcmp(a, "--days") == 0) {
			if (i + 1 >= argc)
				return ctl_usage_error(cmd, _("--days needs a "
				    "number of days"));
			if ((rc = ctl_parse_days(cmd, argv[++i], days)) != 0)
				return rc;
		} else if (days != NULL && strncmp(a, "--days=", 7) == 0) {
			if ((rc = ctl_parse_days(cmd, a + 7, days)) != 0)
				return rc;
		} else if (a[0] == '-' && a[1] != '\0') {
			return ctl_usage_error(cmd, _("unknown option '%s' "
			    "(see 'fulfilctl %s --help')"), ctl_shown(a), cmd);
		} else if (n < npos) {
			pos[n++] = a;
		} else {
			return ctl_usage_error(cmd, _("unexpected argument "
			    "'%s' (see 'fulfilctl %s --help')"), ctl_shown(a),
			    cmd);
		}
	}
	if (n < npos)
		return ctl_command_usage(cmd, CTL_EXIT_USAGE);
	return 0;
}

static const char *
ctl_time_text(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

static const char *
ctl_time_rfc3339(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

/* Open the station for a command; its audit log must be there. */
static int
ctl_users_open(struct ctl *c, const char *cmd, bool readonly,
    struct station **s)
{
	struct ferr err = { 0 };

	if (station_open(c->cfg, readonly, s, &err) != 0)
		return ctl_fail(&err);
	if (!readonly && (*s)->audit == NULL) {
		ferr_set(&err, FULFIL_ESTATE, _("the station's audit log is "
		    "not open"));
		station_close(*s);
		*s = NULL;
		return ctl_users_fail(cmd, &err);
	}
	return 0;
}

/* ---- users ------------------------------------------------------------ */

/* Everything known about one person, collected before printing. */
struct ctl_person {
	char *user;
	json_t *roles;		/* array of role objects */
	int64_t locked_until;	/* 0: not locked */
};

struct ctl_people {
	struct ctl_person *v;
	size_t n, cap;
	int64_t now;
};

static struct ctl_person *
ctl_person_get(struct ctl_people *p, const char *user)
{
	struct ctl_person *nv;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].user, user) == 0)
			return &p->v[i];
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;

		if ((nv = realloc(p->v, ncap * sizeof *nv)) == NULL)
			return NULL;
		p->v = nv;
		p->cap = ncap;
	}
	nv = &p->v[p->n];
	nv->user = strdup(user);
	nv->roles = json_array();
	nv->locked_until = 0;
	if (nv->user == NULL || nv->roles == NULL) {
		free(nv->user);
		json_decref(nv->roles);
		return NULL;
	}
	p->n++;
	return nv;
}

static void
ctl_people_free(struct ctl_people *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].user);
		json_decref(p->v[i].roles);
	}
	free(p->v);
}

static int
ctl_people_add_grant(void *ctx, const struct policy_grant_info *g)
{
	struct ctl_people *p = ctx;
	struct ctl_person *who;
	char at[32], until[32];
	json_t *o;

	if ((who = ctl_person_get(p, g->user)) == NULL)
		return FULFIL_ENOMEM;
	o = json_pack("{s:s,s:s,s:s,s:s,s:b}",
	    "role", policy_role_name(g->role),
	    "granted_by", g->granted_by,
	    "granted_at", ctl_time_rfc3339(g->granted_at, at, sizeof at),
	    "expires_at", ctl_time_rfc3339(g->expires_at, until, sizeof until),
	    "expired", g->expired);
	if (o == NULL || json_array_append_new(who->roles, o) != 0)
		return FULFIL_ENOMEM;
	return 0;
}

static int
ctl_people_add_lock(void *ctx, const char *name, int64_t locked_until)
{
	struct ctl_people *p = ctx;
	struct ctl_person *who;

	if ((who = ctl_person_get(p, name)) == NULL)
		return FULFIL_ENOMEM;
	who->locked_until = locked_until;
	return 0;
}

static int
ctl_users_json(const struct ctl_people *p, int64_t unknown_locked)
{
	json_t *o, *users;
	char until[32];
	char *text;
	size_t i;

	if ((users = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < p->n; i++) {
		const struct ctl_person *who = &p->v[i];

		if (json_array_append_new(users, json_pack("{s:s,s:b,s:o,s:O}",
		    "user", who->user,
		    "locked", who->locked_until > 0,
		    "locked_until", who->locked_until > 0 ?
			json_string(ctl_time_rfc3339(who->locked_until, until,
			sizeof until)) : json_null(),
		    "roles", who->roles)) != 0) {
			json_decref(users);
			goto nomem;
		}
	}
	o = json_pack("{s:o,s:I}", "users", users, "unknown_locked",
	    (json_int_t)unknown_locked);
	if (o == NULL || (text = json_dumps(o, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(o);
		goto nomem;
	}
	printf("%s\n", text);
	free(text);
	json_decref(o);
	return CTL_EXIT_OK;
nomem:
	fprintf(stderr, "fulfilctl: users: %s\n", _("out of memory"));
	return CTL_EXIT_FAILED;
}

static void
ctl_users_text(const struct ctl_people *p, int64_t unknown_locked)
{
	char until[32], lock[64];
	size_t i, j;

	if (p->n == 0)
		printf(_("no one holds a role\n"));
	else
		printf("%-16s %-27s %s\n", _("USER"), _("LOCK"),
		    _("ROLES (expiry, granted by)"));
	for (i = 0; i < p->n; i++) {
		const struct ctl_person *who = &p->v[i];

		if (who->locked_until > 0)
			snprintf(lock, sizeof lock, _("locked until %s"),
			    ctl_time_text(who->locked_until, until,
			    sizeof until));
		else
			snprintf(lock, sizeof lock, "%s", _("open"));
		printf("%-16s %-27s ", who->user, lock);
		if (json_array_size(who->roles) == 0)
			printf("%s", _("(no roles)"));
		for (j = 0; j < json_array_size(who->roles); j++) {
			json_t *r = json_array_get(who->roles, j);
			const char *exp = json_string_value(json_object_get(r,
			    "expires_at"));
			char day[11];

			/* The date is enough here; --json has the time. */
			snprintf(day, sizeof day, "%s", exp ? exp : "?");
			printf(json_is_true(json_object_get(r, "expired")) ?
			    _("%s%s expired %s (%s)") : _("%s%s until %s (%s)"),
			    j > 0 ? ", " : "",
			    json_string_value(json_object_get(r, "role")), day,
			    json_string_value(json_object_get(r,
			    "granted_by")));
		}
		putchar('\n');
	}
	printf(_("locked names the station does not know: %lld\n"),
	    (long long)unknown_locked);
}

int
cmd_users(struct ctl *c, int argc, char **argv)
{
	struct ctl_people people = { 0 };
	struct station *s = NULL;
	struct ferr err = { 0 };
	int64_t unknown = 0;
	bool json = false;
	int i, r, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return ctl_usage_error("users", _("unexpected argument "
			    "'%s' (the only option is --json)"),
			    ctl_shown(argv[i]));
	}
	if ((rc = ctl_users_open(c, "users", true, &s)) != 0)
		return rc;
	people.now = (int64_t)time(NULL);
	if ((r = policy_list(s->store, people.now, ctl_people_add_grant,
	    &people, &err)) != 0 ||
	    (r = lockout_list(s, people.now, ctl_people_add_lock, &people,
	    &unknown, &err)) != 0) {
		if (err.code == 0)
			ferr_set(&err, r, _("out of memory"));
		rc = ctl_users_fail("users", &err);
		goto out;
	}
	if (json)
		rc = ctl_users_json(&people, unknown);
	else {
		ctl_users_text(&people, unknown);
		rc = CTL_EXIT_OK;
	}
out:
	ctl_people_free(&people);
	station_close(s);
	return rc;
}

/* ---- grant, revoke ---------------------------------------------------- */

int
cmd_grant(struct ctl *c, int argc, char **argv)
{
	struct policy_actor by = { 0 };
	struct station *s = NULL;
	struct ferr err = { 0 };
	const char *pos[2];
	char me[STATION_USER_MAX], until[32];
	int days = POLICY_DEFAULT_DAYS, rc;
	struct ctl_user_opts o = { &days, 0, NULL };
	int64_t now;
	enum role role;

	if ((rc = ctl_parse_args("grant", argc, argv, pos, 2, &o)) != 0)
		return rc;
	if ((rc = ctl_parse_role("grant", pos[1], &role)) != 0)
		return rc;
	if (station_os_user(me, &err) != 0)
		return ctl_fail(&err);
	if ((rc = ctl_users_open(c, "grant", false, &s)) != 0)
		return rc;
	by.name = me;
	by.admin = true;
	now = (int64_t)time(NULL);
	/* The core checks (and audits) the name and the days too. */
	if (supervise_grant(s, &by, pos[0], role, days, now, &err) != 0) {
		rc = ctl_users_fail("grant", &err);
		goto out;
	}
	printf(_("granted %s to %s until %s\n"), policy_role_name(role),
	    pos[0], ctl_time_text(now + (int64_t)days * 86400, until,
	    sizeof until));
	rc = CTL_EXIT_OK;
out:
	station_close(s);
	return rc;
}

int
cmd_revoke(struct ctl *c, int argc, char **argv)
{
	struct policy_actor by = { 0 };
	struct station *s = NULL;
	struct ferr err = { 0 };
	const char *pos[2];
	char me[STATION_USER_MAX];
	enum role role;
	int rc, reason = 0;
	struct ctl_user_opts o = { NULL, WF_TABLE_REVOKE, &reason };

	if ((rc = ctl_parse_args("revoke", argc, argv, pos, 2, &o)) != 0)
		return rc;
	if ((rc = ctl_parse_role("revoke", pos[1], &role)) != 0)
		return rc;
	if (station_os_user(me, &err) != 0)
		return ctl_fail(&err);
	if ((rc = ctl_users_open(c, "revoke", false, &s)) != 0)
		return rc;
	by.name = me;
	by.admin = true;
	if (supervise_revoke(s, &by, pos[0], role, reason,
	    (int64_t)time(NULL), &err) != 0) {
		rc = ctl_users_fail("revoke", &err);
		goto out;
	}
	printf(_("revoked %s from %s\n"), policy_role_name(role), pos[0]);
	rc = CTL_EXIT_OK;
out:
	station_close(s);
	return rc;
}

/* ---- unlock ----------------------------------------------------------- */

int
cmd_unlock(struct ctl *c, int argc, char **argv)
{
	struct station *s = NULL;
	struct ferr err = { 0 };
	const char *pos[1];
	char me[STATION_USER_MAX];
	struct policy_actor by = { 0 };
	int rc, reason = 0;
	struct ctl_user_opts o = { NULL, WF_TABLE_UNLOCK, &reason };

	if ((rc = ctl_parse_args("unlock", argc, argv, pos, 1, &o)) != 0)
		return rc;
	if ((rc = ctl_parse_user("unlock", pos[0], true)) != 0)
		return rc;
	if (station_os_user(me, &err) != 0)
		return ctl_fail(&err);
	if ((rc = ctl_users_open(c, "unlock", false, &s)) != 0)
		return rc;
	by.name = me;
	by.admin = true;
	if (supervise_unlock(s, &by, pos[0], reason, (int64_t)time(NULL),
	    &err) != 0) {
		if (err.code == FULFIL_ENOTFOUND)
			ferr_set(&err, FULFIL_ENOTFOUND, _("'%s' is not "
			    "locked"), pos[0]);
		rc = ctl_users_fail("unlock", &err);
		goto out;
	}
	printf(_("unlocked %s\n"), pos[0]);
	rc = CTL_EXIT_OK;
out:
	station_close(s);
	return rc;
}
