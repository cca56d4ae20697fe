/*
 * test_supervise: grant, revoke and unlock through the supervisor's
 * checks: a locked supervisor, a person without the role, a revoke or
 * unlock without a reason or with an unknown one are refused and change
 * nothing; the reason reaches the audit row; the administrator may act
 * without a reason.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "audit.h"
#include "fconfig.h"
#include "ferr.h"
#include "lockout.h"
#include "policy.h"
#include "station.h"
#include "supervise.h"
#include "workflow.h"

#define T0 ((int64_t)1790000000)

static const struct policy_actor admin = { "casey", true };
static const struct policy_actor sup = { "sam", false };
static const struct policy_actor pia = { "pia", false };

struct fixture {
	char *tmp;
	struct fulfil_config *cfg;
	struct station *s;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct ferr err = { 0 };

	tu_init();
	assert_non_null(f);
	f->cfg = tu_station_config(&f->tmp);
	f->s = tu_station_start(f->cfg);
	if (supervise_grant(f->s, &admin, "sam", ROLE_SUPERVISOR, 30, T0,
	    &err) != 0 ||
	    supervise_grant(f->s, &admin, "pia", ROLE_PICKER, 30, T0,
	    &err) != 0)
		fail_msg("grant: %s", err.msg);
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
lock_state(struct fixture *f, const char *name, int64_t now)
{
	int64_t until = 0;

	return lockout_state(f->s, name, now, &until);
}

/* Lock name by failed logins. */
static void
lock(struct fixture *f, const char *name, int64_t now)
{
	struct ferr err = { 0 };
	bool locked = false, spray = false;
	int i;

	for (i = 0; i < f->cfg->auth.max_failures; i++)
		if (lockout_failure(f->s, name, now, &locked, &spray,
		    &err) != 0)
			fail_msg("lockout_failure: %s", err.msg);
	assert_true(locked);
}

struct last_row {
	int kind;
	int64_t count;
	char actor[72];
};

/* The newest audit row. */
static struct last_row
last(struct fixture *f)
{
	static struct tu_rows r;
	struct last_row l = { 0 };

	tu_audit_rows(f->s->audit, &r);
	assert_true(r.n > 0);
	l.kind = r.kind[r.n - 1];
	l.count = r.count[r.n - 1];
	snprintf(l.actor, sizeof l.actor, "%s", r.actor[r.n - 1]);
	return l;
}

static void
test_person_needs_role(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };

	assert_int_equal(supervise_grant(f->s, &pia, "pat", ROLE_PACKER, 30,
	    T0 + 1, &err), FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "supervisor role"));
	/* The refusal leaves a trace. */
	assert_int_equal(last(f).kind, AUDIT_ACTION_REFUSED);
	assert_string_equal(last(f).actor, "pia");
	assert_int_equal(policy_check(f->s->store, "pat", ROLE_PACKER,
	    T0 + 2), POLICY_DENY);
	assert_int_equal(supervise_revoke(f->s, &pia, "sam", ROLE_SUPERVISOR,
	    WF_RVK_SECURITY, T0 + 1, &err), FULFIL_EPERM);
}

static void
test_locked_supervisor_refused(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };

	lock(f, "sam", T0 + 10);
	assert_int_equal(supervise_grant(f->s, &sup, "pat", ROLE_PACKER, 30,
	    T0 + 11, &err), FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "locked"));
	assert_int_equal(policy_check(f->s->store, "pat", ROLE_PACKER,
	    T0 + 12), POLICY_DENY);
	assert_int_equal(supervise_revoke(f->s, &sup, "pia", ROLE_PICKER,
	    WF_RVK_LEFT, T0 + 11, &err), FULFIL_EPERM);
	assert_int_equal(policy_check(f->s->store, "pia", ROLE_PICKER,
	    T0 + 12), POLICY_ALLOW);
	/* A locked supervisor cannot unlock themself either. */
	assert_int_equal(supervise_unlock(f->s, &sup, "sam", WF_UNL_VERIFIED,
	    T0 + 11, &err), FULFIL_EPERM);
	assert_int_equal(lock_state(f, "sam", T0 + 12),
	    LOCKOUT_LOCKED);
}

static void
test_reason_required(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };

	assert_int_equal(supervise_revoke(f->s, &sup, "pia", ROLE_PICKER, 0,
	    T0 + 1, &err), FULFIL_EINVAL);
	assert_non_null(strstr(err.msg, "reason"));
	assert_int_equal(supervise_revoke(f->s, &sup, "pia", ROLE_PICKER, 99,
	    T0 + 1, &err), FULFIL_EINVAL);
	assert_non_null(strstr(err.msg, "99"));
	assert_int_equal(policy_check(f->s->store, "pia", ROLE_PICKER,
	    T0 + 2), POLICY_ALLOW);
	lock(f, "pia", T0 + 3);
	assert_int_equal(supervise_unlock(f->s, &sup, "pia", 0, T0 + 4, &err),
	    FULFIL_EINVAL);
	/* An unlock code is no revoke code. */
	assert_int_equal(supervise_unlock(f->s, &sup, "pia", 0x7f, T0 + 4,
	    &err), FULFIL_EINVAL);
	assert_int_equal(lock_state(f, "pia", T0 + 5),
	    LOCKOUT_LOCKED);
}

static void
test_reason_audited(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };
	struct last_row l;

	assert_int_equal(supervise_revoke(f->s, &sup, "pia", ROLE_PICKER,
	    WF_RVK_CHANGE, T0 + 1, &err), 0);
	l = last(f);
	assert_int_equal(l.kind, AUDIT_ROLE_REVOKED);
	assert_int_equal(l.count, WF_RVK_CHANGE);
	assert_string_equal(l.actor, "sam");
	assert_int_equal(policy_check(f->s->store, "pia", ROLE_PICKER,
	    T0 + 2), POLICY_DENY);

	lock(f, "pia", T0 + 3);
	assert_int_equal(supervise_unlock(f->s, &sup, "pia", WF_UNL_MISTYPED,
	    T0 + 4, &err), 0);
	l = last(f);
	assert_int_equal(l.kind, AUDIT_ACCOUNT_UNLOCKED);
	assert_int_equal(l.count, WF_UNL_MISTYPED);
	assert_int_equal(lock_state(f, "pia", T0 + 5),
	    LOCKOUT_OPEN);
}

static void
test_admin_without_reason(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };

	lock(f, "sam", T0 + 1);
	assert_int_equal(supervise_unlock(f->s, &admin, "sam", 0, T0 + 2,
	    &err), 0);
	assert_int_equal(last(f).count, -1);
	assert_int_equal(supervise_revoke(f->s, &admin, "pia", ROLE_PICKER, 0,
	    T0 + 3, &err), 0);
	assert_int_equal(supervise_revoke(f->s, &admin, "sam",
	    ROLE_SUPERVISOR, 12345, T0 + 3, &err), FULFIL_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_person_needs_role, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_locked_supervisor_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reason_required, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reason_audited, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_admin_without_reason,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("supervise", tests, NULL, NULL);
}
