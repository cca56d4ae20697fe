/*
 * test_policy: the role table, the login-name and generic-name rules,
 * who may grant what, expiry, renewal, revoke, and the audit rows every
 * grant, revoke and refusal leaves. Every time is passed in; nothing
 * sleeps. Only synthetic people.
 */
#include "config.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "audit.h"
#include "fconfig.h"
#include "ferr.h"
#include "policy.h"
#include "station.h"
#include "store.h"

#define T0 ((int64_t)1790000000)	/* 2026-09-21 */
#define DAY ((int64_t)86400)
#define NROWS_MAX 64

static const struct policy_actor admin = { "casey", true };
static const struct policy_actor sup = { "sam", false };

/* ---- fixture ---------------------------------------------------------- */

struct fixture {
	char *tmp;
	struct fulfil_config *cfg;
	struct station *s;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	tu_init();
	assert_non_null(f);
	f->cfg = tu_station_config(&f->tmp);
	f->s = tu_station_start(f->cfg);
	assert_non_null(f->s->audit);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tu_station_stop(f->s, f->cfg, f->tmp);
	free(f);
	return 0;
}

static int
grant(struct fixture *f, const struct policy_actor *by, const char *user,
    enum role role, int days, int64_t now, struct ferr *err)
{
	return policy_grant(f->s->store, f->s->audit, by, user, role, days,
	    now, err);
}

static int
revoke(struct fixture *f, const struct policy_actor *by, const char *user,
    enum role role, int64_t now, struct ferr *err)
{
	return policy_revoke(f->s->store, f->s->audit, by, user, role, 0, now,
	    err);
}

/* Make sam a supervisor (granted by the administrator at T0). */
static void
make_supervisor(struct fixture *f)
{
	struct ferr err = { 0 };

	assert_int_equal(grant(f, &admin, sup.name, ROLE_SUPERVISOR, 30, T0,
	    &err), 0);
}

/* ---- audit rows, copied out -------------------------------------------- */

struct row {
	int kind, result;
	int64_t count, at;
	char actor[64], subject[64], role[32];
	bool has_actor, has_subject, has_role;
};

struct rows {
	struct row v[NROWS_MAX];
	size_t n;
};

static void
copy_field(char *dst, size_t len, const char *src, bool *has)
{
	*has = src != NULL;
	dst[0] = '\0';
	if (src != NULL)
		snprintf(dst, len, "%s", src);
}

static int
collect_row(void *ctx, const struct audit_row *ar)
{
	struct rows *rs = ctx;
	struct row *r;

	assert_true(rs->n < NROWS_MAX);
	r = &rs->v[rs->n++];
	r->kind = ar->kind;
	r->result = ar->result;
	r->count = ar->count;
	r->at = ar->at;
	copy_field(r->actor, sizeof r->actor, ar->actor, &r->has_actor);
	copy_field(r->subject, sizeof r->subject, ar->subject,
	    &r->has_subject);
	copy_field(r->role, sizeof r->role, ar->role, &r->has_role);
	return 0;
}

/* The audit rows of the given kinds (0: the policy kinds), oldest first. */
static void
policy_rows(struct fixture *f, struct rows *out)
{
	struct rows all = { .n = 0 };
	struct ferr err = { 0 };
	size_t i;

	out->n = 0;
	assert_int_equal(audit_list(f->s->audit, 0, collect_row, &all, &err),
	    0);
	for (i = 0; i < all.n; i++)
		if (all.v[i].kind == AUDIT_ROLE_GRANTED ||
		    all.v[i].kind == AUDIT_ROLE_REVOKED ||
		    all.v[i].kind == AUDIT_GRANT_REFUSED)
			out->v[out->n++] = all.v[i];
}

static int64_t
grant_count(struct fixture *f)
{
	sqlite3_stmt *q;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store),
	    "SELECT count(*) FROM grants", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* ---- the role table --------------------------------------------------- */

static void
test_role_table(void **state)
{
	static const struct {
		const char *name;
		enum role role;
		bool admin_only;
	} roles[] = {
		{ "picker", ROLE_PICKER, false },
		{ "packer", ROLE_PACKER, false },
		{ "dispatcher", ROLE_DISPATCHER, false },
		{ "supervisor", ROLE_SUPERVISOR, true },
		{ "auditor", ROLE_AUDITOR, true },
	};
	static const char *bad[] = { "", "Picker", "PACKER", "admin",
	    "picker ", " picker", "pick", "pickers", "root", "%n" };
	enum role r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		r = 0;
		assert_int_equal(policy_role_parse(roles[i].name, &r), 0);
		assert_int_equal(r, roles[i].role);
		assert_string_equal(policy_role_name(roles[i].role),
		    roles[i].name);
		assert_non_null(policy_role_description(roles[i].role));
		assert_int_equal(policy_role_admin_only(roles[i].role),
		    roles[i].admin_only);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(policy_role_parse(bad[i], &r), FULFIL_EINVAL);
	assert_int_equal(policy_role_parse(NULL, &r), FULFIL_EINVAL);
	assert_null(policy_role_name((enum role)0));
	assert_null(policy_role_name((enum role)(ROLE_MAX + 1)));
	assert_true(policy_role_admin_only((enum role)0));
	assert_true(POLICY_ALLOW != POLICY_DENY);
	assert_true(POLICY_ALLOW != 0 && POLICY_ALLOW != 1);
}

/* ---- login names ------------------------------------------------------ */

static void
test_login_name_rules(void **state)
{
	static const struct {
		const char *name;
		bool ok;
		const char *why;	/* part of the message when refused */
	} cases[] = {
		{ "ada", true, NULL },
		{ "a", true, NULL },
		{ "Ada.Lovelace", true, NULL },
		{ "ada_l-2", true, NULL },
		{ "0ada", true, NULL },
		{ "_ada", true, NULL },
		{ "abcdefghijklmnopqrstuvwxyz012345", true, NULL },	/* 32 */
		{ "abcdefghijklmnopqrstuvwxyz0123456", false, "longer" },
		{ "", false, "empty" },
		{ "-ada", false, "start" },
		{ ".ada", false, "start" },
		{ "ada lovelace", false, "only letters" },
		{ "ada\nroot", false, "only letters" },
		{ "ada\033[31m", false, "only letters" },
		{ "%n%n%s", false, "only letters" },
		{ "ada\xff\xfe", false, "only letters" },
		{ "ad\xc3\xa9le", false, "only letters" },	/* UTF-8 */
		{ "ada/../root", false, "only letters" },
		{ "ada@example", false, "only letters" },
		{ "ada\tx", false, "only letters" },
	};
	struct ferr err;
	char *huge;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		if (cases[i].ok) {
			assert_int_equal(policy_login_name_check(cases[i].name,
			    &err), 0);
			continue;
		}
		assert_int_equal(policy_login_name_check(cases[i].name, &err),
		    FULFIL_EINVAL);
		assert_int_equal(err.code, FULFIL_EINVAL);
		assert_non_null(strstr(err.msg, cases[i].why));
		if (strlen(cases[i].name) >= 3)
			assert_null(strstr(err.msg, cases[i].name));
	}
	memset(&err, 0, sizeof err);
	assert_int_equal(policy_login_name_check(NULL, &err), FULFIL_EINVAL);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(policy_login_name_check("ada", NULL), 0);
	assert_int_equal(policy_login_name_check("-", NULL), FULFIL_EINVAL);

	/* 4 KB of valid characters, and of hostile ones. */
	assert_non_null(huge = malloc(4097));
	memset(huge, 'a', 4096);
	huge[4096] = '\0';
	memset(&err, 0, sizeof err);
	assert_int_equal(policy_login_name_check(huge, &err), FULFIL_EINVAL);
	assert_non_null(strstr(err.msg, "longer"));
	assert_null(strstr(err.msg, "aaaa"));
	memset(huge, '%', 4096);
	assert_int_equal(policy_login_name_check(huge, &err), FULFIL_EINVAL);
	assert_false(policy_name_is_generic(huge));
	free(huge);
}

static void
test_generic_names(void **state)
{
	static const struct {
		const char *name;
		bool generic;
	} cases[] = {
		{ "admin", true }, { "Admin", true }, { "ADMINISTRATOR", true },
		{ "root", true }, { "shared", true }, { "station", true },
		{ "Station-02", true }, { "station7", true }, { "test", true },
		{ "test_1", true }, { "guest", true }, { "user", true },
		{ "user1", true }, { "operator", true }, { "packer", true },
		{ "picker-3", true }, { "dispatcher", true },
		{ "supervisor", true }, { "auditor", true },
		{ "warehouse", true }, { "kiosk", true }, { "demo", true },
		{ "default", true }, { "fulfil", true }, { "nobody", true },
		{ "service", true }, { "support", true }, { "temp", true },
		{ "staff", true }, { "team", true },
		{ "ada", false }, { "sam", false }, { "rootkit", false },
		{ "tempest", false }, { "administration1x", false },
		{ "stationmaster", false }, { "ted", false }, { "1234", false },
		{ "u", false }, { "teams-lead", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (policy_name_is_generic(cases[i].name) != cases[i].generic)
			fail_msg("'%s': generic should be %d", cases[i].name,
			    cases[i].generic);
	}
	assert_false(policy_name_is_generic(NULL));
	assert_false(policy_name_is_generic(""));
}

/* ---- who may receive a role ------------------------------------------- */

static void
test_grant_refusals(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *user;
		int code;
		const char *why;
	} cases[] = {
		{ "root", FULFIL_EPERM, "generic" },
		{ "admin", FULFIL_EPERM, "generic" },
		{ "Station-1", FULFIL_EPERM, "generic" },
		{ "shared", FULFIL_EPERM, "generic" },
		{ "casey", FULFIL_EPERM, "themself" },	/* the admin itself */
		{ "", FULFIL_EINVAL, "empty" },
		{ "bad name", FULFIL_EINVAL, "only letters" },
		{ "%n%n%n%n", FULFIL_EINVAL, "only letters" },
		{ "ada\033]0;x\007", FULFIL_EINVAL, "only letters" },
		{ "\xc0\xafroot", FULFIL_EINVAL, "only letters" },
		{ "-rf", FULFIL_EINVAL, "start" },
	};
	struct ferr err;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(grant(f, &admin, cases[i].user, ROLE_PICKER,
		    30, T0, &err), cases[i].code);
		if (strstr(err.msg, cases[i].why) == NULL)
			fail_msg("case %zu: message '%s'", i, err.msg);
		assert_false(policy_knows(f->s->store, cases[i].user));
		assert_int_equal(policy_check(f->s->store, cases[i].user,
		    ROLE_PICKER, T0), POLICY_DENY);
	}
	assert_int_equal(grant_count(f), 0);
}

static void
test_system_accounts(void **state)
{
	struct fixture *f = *state;
	static const char *system[] = { "daemon", "bin", "sys", "mail" };
	struct ferr err;
	size_t i, tried = 0;

	for (i = 0; i < sizeof system / sizeof system[0]; i++) {
		struct passwd *pw = getpwnam(system[i]);

		if (pw == NULL || pw->pw_uid >= 1000)
			continue;	/* not a system account on this host */
		tried++;
		memset(&err, 0, sizeof err);
		assert_int_equal(grant(f, &admin, system[i], ROLE_PACKER, 30,
		    T0, &err), FULFIL_EPERM);
		assert_non_null(strstr(err.msg, "system account"));
		assert_false(policy_knows(f->s->store, system[i]));
	}
	/* Debian always has daemon (1) and bin (2). */
	assert_true(tried >= 2);
	/* A name that does not resolve is a person managed elsewhere. */
	assert_null(getpwnam("zq-synthetic-ada"));
	memset(&err, 0, sizeof err);
	assert_int_equal(grant(f, &admin, "zq-synthetic-ada", ROLE_PACKER, 30,
	    T0, &err), 0);
	assert_int_equal(policy_check(f->s->store, "zq-synthetic-ada",
	    ROLE_PACKER, T0), POLICY_ALLOW);
}

static void
test_self_grant(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };

	make_supervisor(f);
	/* Not even the administrator, whatever the role. */
	assert_int_equal(grant(f, &admin, "casey", ROLE_SUPERVISOR, 30, T0,
	    &err), FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "themself"));
	/* A supervisor may grant picker, but not to themself. */
	memset(&err, 0, sizeof err);
	assert_int_equal(grant(f, &sup, "sam", ROLE_PICKER, 30, T0, &err),
	    FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "themself"));
	assert_int_equal(policy_check(f->s->store, "sam", ROLE_PICKER, T0),
	    POLICY_DENY);
	assert_int_equal(policy_check(f->s->store, "casey", ROLE_SUPERVISOR,
	    T0), POLICY_DENY);
}

static void
test_supervisor_limits(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum role role;
		int code;
	} cases[] = {
		{ ROLE_PICKER, 0 },
		{ ROLE_PACKER, 0 },
		{ ROLE_DISPATCHER, 0 },
		{ ROLE_SUPERVISOR, FULFIL_EPERM },
		{ ROLE_AUDITOR, FULFIL_EPERM },
	};
	const struct policy_actor pat = { "pat", false };
	struct ferr err;
	size_t i;

	make_supervisor(f);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(grant(f, &sup, "ada", cases[i].role, 30,
		    T0 + 1, &err), cases[i].code);
		assert_int_equal(policy_check(f->s->store, "ada", cases[i].role,
		    T0 + 1), cases[i].code == 0 ? POLICY_ALLOW : POLICY_DENY);
		if (cases[i].code != 0)
			assert_non_null(strstr(err.msg, "administrator"));
	}
	/* ... and revoke only those too. */
	assert_int_equal(grant(f, &admin, "ada", ROLE_AUDITOR, 30, T0 + 2,
	    &err), 0);
	memset(&err, 0, sizeof err);
	assert_int_equal(revoke(f, &sup, "ada", ROLE_AUDITOR, T0 + 3, &err),
	    FULFIL_EPERM);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_AUDITOR,
	    T0 + 3), POLICY_ALLOW);
	assert_int_equal(revoke(f, &sup, "ada", ROLE_PACKER, T0 + 3, &err), 0);

	/* A picker is not a supervisor: may grant nothing. */
	memset(&err, 0, sizeof err);
	assert_int_equal(grant(f, &admin, "pat", ROLE_PICKER, 30, T0, &err),
	    0);
	assert_int_equal(grant(f, &pat, "lin", ROLE_PICKER, 30, T0 + 4,
	    &err), FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "does not hold the supervisor role"));
	assert_int_equal(revoke(f, &pat, "ada", ROLE_PICKER, T0 + 4, &err),
	    FULFIL_EPERM);

	/* A supervisor whose grant expired (30 days) may grant nothing. */
	memset(&err, 0, sizeof err);
	assert_int_equal(grant(f, &sup, "lin", ROLE_PICKER, 30, T0 + 30 * DAY,
	    &err), FULFIL_EPERM);
	assert_false(policy_knows(f->s->store, "lin"));
	/* Nor one whose grant was revoked. */
	make_supervisor(f);
	assert_int_equal(revoke(f, &admin, "sam", ROLE_SUPERVISOR, T0 + 5,
	    &err), 0);
	assert_int_equal(grant(f, &sup, "lin", ROLE_PICKER, 30, T0 + 6, &err),
	    FULFIL_EPERM);
	assert_false(policy_knows(f->s->store, "lin"));
}

/* ---- time ------------------------------------------------------------- */

static void
test_days_bounds(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int days;
		int code;
	} cases[] = {
		{ 0, FULFIL_EINVAL }, { -1, FULFIL_EINVAL },
		{ POLICY_MAX_DAYS + 1, FULFIL_EINVAL },
		{ INT_MAX, FULFIL_EINVAL }, { INT_MIN, FULFIL_EINVAL },
		{ 1, 0 }, { POLICY_DEFAULT_DAYS, 0 }, { POLICY_MAX_DAYS, 0 },
	};
	struct ferr err;
	size_t i;

	assert_int_equal(POLICY_DEFAULT_DAYS, 90);
	assert_int_equal(POLICY_MAX_DAYS, 365);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER,
		    cases[i].days, T0, &err), cases[i].code);
		if (cases[i].code != 0) {
			assert_non_null(strstr(err.msg, "1 to 365 days"));
			continue;
		}
		/* Valid until exactly days later, not a second more. */
		assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER,
		    T0 + cases[i].days * DAY - 1), POLICY_ALLOW);
		assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER,
		    T0 + cases[i].days * DAY), POLICY_DENY);
	}
}

struct listed {
	struct policy_grant_info v[16];
	char users[16][40], by[16][40];
	size_t n;
};

static int
collect_grant(void *ctx, const struct policy_grant_info *g)
{
	struct listed *l = ctx;

	assert_true(l->n < 16);
	l->v[l->n] = *g;
	snprintf(l->users[l->n], sizeof l->users[0], "%s", g->user);
	snprintf(l->by[l->n], sizeof l->by[0], "%s", g->granted_by);
	l->n++;
	return 0;
}

static void
test_expiry(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int64_t at;
		int verdict;
	} cases[] = {
		{ T0, POLICY_ALLOW },		/* the second of the grant */
		{ T0 + 10 * DAY - 1, POLICY_ALLOW },
		{ T0 + 10 * DAY, POLICY_DENY },	/* expires_at: no longer */
		{ T0 + 10 * DAY + 1, POLICY_DENY },
		{ T0 + 400 * DAY, POLICY_DENY },
	};
	struct listed l = { .n = 0 };
	struct ferr err = { 0 };
	unsigned mask;
	size_t i;

	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 10, T0, &err),
	    0);
	assert_int_equal(grant(f, &admin, "ada", ROLE_PACKER, 20, T0, &err),
	    0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER,
		    cases[i].at), cases[i].verdict);

	/* An expired grant gives no role, but the person stays known. */
	assert_int_equal(policy_roles(f->s->store, "ada", T0 + 5 * DAY, &mask,
	    &err), 0);
	assert_int_equal(mask, ROLE_BIT(ROLE_PICKER) | ROLE_BIT(ROLE_PACKER));
	assert_int_equal(policy_roles(f->s->store, "ada", T0 + 10 * DAY, &mask,
	    &err), 0);
	assert_int_equal(mask, ROLE_BIT(ROLE_PACKER));
	assert_int_equal(policy_roles(f->s->store, "ada", T0 + 20 * DAY, &mask,
	    &err), 0);
	assert_int_equal(mask, 0);
	assert_true(policy_knows(f->s->store, "ada"));

	assert_int_equal(policy_list(f->s->store, T0 + 15 * DAY, collect_grant,
	    &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.users[0], "ada");
	assert_int_equal(l.v[0].role, ROLE_PACKER);	/* by role name */
	assert_false(l.v[0].expired);
	assert_int_equal(l.v[0].expires_at, T0 + 20 * DAY);
	assert_int_equal(l.v[1].role, ROLE_PICKER);
	assert_true(l.v[1].expired);
	assert_string_equal(l.by[1], "casey");
	assert_int_equal(l.v[1].granted_at, T0);
	assert_int_equal(l.v[1].expires_at, T0 + 10 * DAY);
}

static void
test_regrant_renews(void **state)
{
	struct fixture *f = *state;
	struct listed l = { .n = 0 };
	struct ferr err = { 0 };

	make_supervisor(f);
	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 10, T0, &err),
	    0);
	/* Renewed by the supervisor five days later: a new term from then. */
	assert_int_equal(grant(f, &sup, "ada", ROLE_PICKER, 10, T0 + 5 * DAY,
	    &err), 0);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER,
	    T0 + 12 * DAY), POLICY_ALLOW);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER,
	    T0 + 15 * DAY), POLICY_DENY);
	/* Renewing an expired grant brings it back. */
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER,
	    T0 + 20 * DAY), POLICY_DENY);
	/* (sam's own 30 days are over by then: only the administrator.) */
	assert_int_equal(grant(f, &sup, "ada", ROLE_PICKER, 3, T0 + 31 * DAY,
	    &err), FULFIL_EPERM);
	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 3, T0 + 40 * DAY,
	    &err), 0);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER,
	    T0 + 41 * DAY), POLICY_ALLOW);

	assert_int_equal(policy_list(f->s->store, T0 + 41 * DAY, collect_grant,
	    &l, &err), 0);
	assert_int_equal(l.n, 2);	/* ada picker, sam supervisor */
	assert_string_equal(l.users[0], "ada");
	assert_string_equal(l.by[0], "casey");
	assert_int_equal(l.v[0].granted_at, T0 + 40 * DAY);
	assert_int_equal(l.v[0].expires_at, T0 + 43 * DAY);
	assert_string_equal(l.users[1], "sam");
	assert_true(l.v[1].expired);
}

static void
test_regrant_by_supervisor_records_granter(void **state)
{
	struct fixture *f = *state;
	struct listed l = { .n = 0 };
	struct ferr err = { 0 };

	make_supervisor(f);
	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 10, T0, &err),
	    0);
	assert_int_equal(grant(f, &sup, "ada", ROLE_PICKER, 60, T0 + DAY,
	    &err), 0);
	assert_int_equal(policy_list(f->s->store, T0 + DAY, collect_grant, &l,
	    &err), 0);
	assert_string_equal(l.users[0], "ada");
	assert_string_equal(l.by[0], "sam");
	assert_int_equal(l.v[0].granted_at, T0 + DAY);
	assert_int_equal(l.v[0].expires_at, T0 + 61 * DAY);
}

/* ---- revoke ----------------------------------------------------------- */

static void
test_revoke_takes_effect_at_next_action(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };
	unsigned mask;

	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 30, T0, &err),
	    0);
	assert_int_equal(grant(f, &admin, "ada", ROLE_PACKER, 30, T0, &err),
	    0);
	/* A running session checks before each action. */
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER, T0 + 60),
	    POLICY_ALLOW);
	assert_int_equal(revoke(f, &admin, "ada", ROLE_PICKER, T0 + 61, &err),
	    0);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER, T0 + 61),
	    POLICY_DENY);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PACKER, T0 + 61),
	    POLICY_ALLOW);
	assert_int_equal(policy_roles(f->s->store, "ada", T0 + 61, &mask,
	    &err), 0);
	assert_int_equal(mask, ROLE_BIT(ROLE_PACKER));

	/* Revoking a role not held is an error, and audited as a refusal. */
	memset(&err, 0, sizeof err);
	assert_int_equal(revoke(f, &admin, "ada", ROLE_PICKER, T0 + 62, &err),
	    FULFIL_ENOTFOUND);
	assert_non_null(strstr(err.msg, "does not hold"));
	assert_int_equal(revoke(f, &admin, "ada", ROLE_PACKER, T0 + 63, &err),
	    0);
	/* No grant row left: the station no longer knows the name. */
	assert_false(policy_knows(f->s->store, "ada"));
}

static void
test_revoke_of_other_connection_seen(void **state)
{
	struct fixture *f = *state;
	struct station *other = NULL;
	struct ferr err = { 0 };

	/* fulfilctl revokes through its own connection while fulfil runs. */
	assert_int_equal(grant(f, &admin, "ada", ROLE_DISPATCHER, 30, T0, &err),
	    0);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_DISPATCHER, T0),
	    POLICY_ALLOW);
	assert_int_equal(station_open(f->cfg, false, &other, &err), 0);
	assert_int_equal(policy_revoke(other->store, other->audit, &admin,
	    "ada", ROLE_DISPATCHER, 0, T0 + 1, &err), 0);
	station_close(other);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_DISPATCHER,
	    T0 + 2), POLICY_DENY);
}

/* ---- fail closed ------------------------------------------------------ */

static void
test_check_fails_closed(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };
	char huge[4097];
	unsigned mask = 99;

	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 30, T0, &err),
	    0);
	assert_int_equal(policy_check(NULL, "ada", ROLE_PICKER, T0),
	    POLICY_DENY);
	assert_int_equal(policy_check(f->s->store, NULL, ROLE_PICKER, T0),
	    POLICY_DENY);
	assert_int_equal(policy_check(f->s->store, "ada", (enum role)0, T0),
	    POLICY_DENY);
	assert_int_equal(policy_check(f->s->store, "ada", (enum role)99, T0),
	    POLICY_DENY);
	assert_int_equal(policy_check(f->s->store, "ADA", ROLE_PICKER, T0),
	    POLICY_DENY);
	assert_int_equal(policy_check(f->s->store, "ada%", ROLE_PICKER, T0),
	    POLICY_DENY);
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	assert_int_equal(policy_check(f->s->store, huge, ROLE_PICKER, T0),
	    POLICY_DENY);
	assert_false(policy_knows(f->s->store, huge));
	assert_false(policy_knows(NULL, "ada"));
	assert_int_equal(policy_roles(f->s->store, huge, T0, &mask, &err),
	    FULFIL_EINVAL);
	assert_int_equal(mask, 0);

	/* A grants row of a role this program does not know counts for none. */
	assert_int_equal(store_exec(f->s->store, "UPDATE grants SET role = "
	    "'Picker' WHERE user = 'ada'", &err), 0);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER, T0),
	    POLICY_DENY);
	assert_int_equal(policy_roles(f->s->store, "ada", T0, &mask, &err), 0);
	assert_int_equal(mask, 0);
	/* A non-integer expiry counts for nothing either. */
	assert_int_equal(store_exec(f->s->store, "UPDATE grants SET role = "
	    "'picker', expires_at = 'never' WHERE user = 'ada'", &err), 0);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER, T0),
	    POLICY_DENY);
	assert_int_equal(policy_roles(f->s->store, "ada", T0, &mask, &err), 0);
	assert_int_equal(mask, 0);
}

/*
 * Rows policy_grant did not write are refused, not shown: they may hold
 * anything, e.g. terminal escapes for `fulfilctl users`.
 */
static void
test_list_refuses_edited_rows(void **state)
{
	struct fixture *f = *state;
	static const char *edits[] = {
		"UPDATE grants SET role = 'wizard'",
		"UPDATE grants SET user = 'ada' || char(27) || '[2J'",
		"UPDATE grants SET granted_by = '%n'",
		"UPDATE grants SET user = NULL",
	};
	struct listed l;
	struct ferr err;
	size_t i;

	for (i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(store_exec(f->s->store, "DELETE FROM grants",
		    &err), 0);
		assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 30, T0,
		    &err), 0);
		l.n = 0;
		assert_int_equal(policy_list(f->s->store, T0, collect_grant,
		    &l, &err), 0);
		assert_int_equal(l.n, 1);
		/* NOT NULL refuses the last one: then nothing changed. */
		if (store_exec(f->s->store, edits[i], &err) != 0)
			continue;
		l.n = 0;
		assert_int_equal(policy_list(f->s->store, T0, collect_grant,
		    &l, &err), FULFIL_EINVAL);
		assert_int_equal(l.n, 0);
		assert_non_null(strstr(err.msg, "did not write"));
		assert_null(strchr(err.msg, 27));
	}
}

static void
test_no_audit_no_grant(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };

	assert_int_equal(policy_grant(f->s->store, NULL, &admin, "ada",
	    ROLE_PICKER, 30, T0, &err), FULFIL_ESTATE);
	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 30, T0, &err),
	    0);
	assert_int_equal(policy_revoke(f->s->store, NULL, &admin, "ada",
	    ROLE_PICKER, 0, T0, &err), FULFIL_ESTATE);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER, T0),
	    POLICY_ALLOW);
}

/* The grant and its audit row commit together: no row, no grant. */
static void
test_grant_rolls_back_without_audit_row(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };

	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 30, T0, &err),
	    0);
	/* Make every audit insert fail from now on. */
	assert_int_equal(store_exec(f->s->store, "CREATE TRIGGER no_audit "
	    "BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'no'); END",
	    &err), 0);
	assert_int_not_equal(grant(f, &admin, "lin", ROLE_PACKER, 30, T0,
	    &err), 0);
	assert_false(policy_knows(f->s->store, "lin"));
	assert_int_not_equal(revoke(f, &admin, "ada", ROLE_PICKER, T0, &err),
	    0);
	assert_int_equal(policy_check(f->s->store, "ada", ROLE_PICKER, T0),
	    POLICY_ALLOW);
	/* A refusal that could not be audited says so, and keeps its code. */
	memset(&err, 0, sizeof err);
	assert_int_equal(grant(f, &admin, "root", ROLE_PACKER, 30, T0, &err),
	    FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "could not be audited"));
	assert_int_equal(store_exec(f->s->store, "DROP TRIGGER no_audit",
	    &err), 0);
}

/* ---- audit rows ------------------------------------------------------- */

static void
test_audit_rows(void **state)
{
	struct fixture *f = *state;
	static const char *hostile = "ada\033[2J%n";
	struct ferr err = { 0 };
	struct rows rs;
	size_t i;

	assert_int_equal(grant(f, &admin, "ada", ROLE_PICKER, 30, T0, &err),
	    0);
	assert_int_equal(revoke(f, &admin, "ada", ROLE_PICKER, T0 + 1, &err),
	    0);
	assert_int_equal(grant(f, &admin, "root", ROLE_PACKER, 30, T0 + 2,
	    &err), FULFIL_EPERM);
	assert_int_equal(grant(f, &admin, hostile, ROLE_PACKER, 7, T0 + 3,
	    &err), FULFIL_EINVAL);
	assert_int_equal(grant(f, &admin, "ada", ROLE_PACKER, 0, T0 + 4,
	    &err), FULFIL_EINVAL);
	assert_int_equal(revoke(f, &admin, "ada", ROLE_PICKER, T0 + 5, &err),
	    FULFIL_ENOTFOUND);

	policy_rows(f, &rs);
	assert_int_equal(rs.n, 6);
	/* granted: actor, subject, role, count = days */
	assert_int_equal(rs.v[0].kind, AUDIT_ROLE_GRANTED);
	assert_string_equal(rs.v[0].actor, "casey");
	assert_string_equal(rs.v[0].subject, "ada");
	assert_string_equal(rs.v[0].role, "picker");
	assert_int_equal(rs.v[0].count, 30);
	assert_int_equal(rs.v[0].result, 0);
	assert_int_equal(rs.v[0].at, T0);
	/* revoked */
	assert_int_equal(rs.v[1].kind, AUDIT_ROLE_REVOKED);
	assert_string_equal(rs.v[1].actor, "casey");
	assert_string_equal(rs.v[1].subject, "ada");
	assert_string_equal(rs.v[1].role, "picker");
	assert_int_equal(rs.v[1].result, 0);
	/* refused: the code is the result; a valid name is recorded */
	assert_int_equal(rs.v[2].kind, AUDIT_GRANT_REFUSED);
	assert_string_equal(rs.v[2].subject, "root");
	assert_string_equal(rs.v[2].role, "packer");
	assert_int_equal(rs.v[2].result, FULFIL_EPERM);
	assert_int_equal(rs.v[2].count, 30);
	/* a hostile name never reaches the log */
	assert_int_equal(rs.v[3].kind, AUDIT_GRANT_REFUSED);
	assert_false(rs.v[3].has_subject);
	assert_string_equal(rs.v[3].actor, "casey");
	assert_int_equal(rs.v[3].result, FULFIL_EINVAL);
	assert_int_equal(rs.v[4].kind, AUDIT_GRANT_REFUSED);
	assert_int_equal(rs.v[4].count, 0);
	assert_int_equal(rs.v[4].result, FULFIL_EINVAL);
	/* a refused revoke: same kind, no count */
	assert_int_equal(rs.v[5].kind, AUDIT_GRANT_REFUSED);
	assert_int_equal(rs.v[5].count, -1);
	assert_int_equal(rs.v[5].result, FULFIL_ENOTFOUND);
	for (i = 0; i < rs.n; i++)
		assert_null(strstr(rs.v[i].subject, "\033"));
	assert_int_equal(grant_count(f), 0);
}

static void
test_refusal_writes_refused_row_and_no_grant(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const struct policy_actor *by;
		const char *user;
		enum role role;
		int code;
	} cases[] = {
		{ &admin, "guest", ROLE_PICKER, FULFIL_EPERM },
		{ &admin, "daemon", ROLE_PICKER, FULFIL_EPERM },
		{ &admin, "casey", ROLE_AUDITOR, FULFIL_EPERM },
		{ &sup, "ada", ROLE_AUDITOR, FULFIL_EPERM },
		{ &sup, "ada", ROLE_PICKER, FULFIL_EPERM },	/* no grant */
	};
	struct ferr err;
	struct rows rs;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(grant(f, cases[i].by, cases[i].user,
		    cases[i].role, 30, T0, &err), cases[i].code);
		policy_rows(f, &rs);
		assert_int_equal(rs.n, i + 1);
		assert_int_equal(rs.v[i].kind, AUDIT_GRANT_REFUSED);
		assert_string_equal(rs.v[i].actor, cases[i].by->name);
		assert_string_equal(rs.v[i].subject, cases[i].user);
		assert_string_equal(rs.v[i].role,
		    policy_role_name(cases[i].role));
		assert_int_equal(rs.v[i].result, cases[i].code);
		assert_int_equal(grant_count(f), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_table),
		cmocka_unit_test(test_login_name_rules),
		cmocka_unit_test(test_generic_names),
		cmocka_unit_test_setup_teardown(test_grant_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_system_accounts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_self_grant, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_supervisor_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_days_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regrant_renews, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_regrant_by_supervisor_records_granter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_revoke_takes_effect_at_next_action, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_revoke_of_other_connection_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_fails_closed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_refuses_edited_rows,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_audit_no_grant, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_grant_rolls_back_without_audit_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_refusal_writes_refused_row_and_no_grant, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
