/*
 * test_lockout: the app's own lockout: counting within the window, the
 * lock and its expiry, unlock, restarts, reset on success, unknown names
 * counted like known ones (and never stored in clear), the spray alert
 * and the names the audit log shows.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "testutil.h"

#include "audit.h"
#include "fconfig.h"
#include "ferr.h"
#include "lockout.h"
#include "policy.h"
#include "station.h"
#include "store.h"

/* The injected clock starts at the real time (the audit log prunes by it). */
static int64_t t0;
#define T0 t0
#define MAXF 3
#define WINDOW 900
#define LOCKFOR 600

struct fixture {
	char *tmp;
	struct fulfil_config *cfg;
	struct station *s;
};

static void
reopen(struct fixture *f)
{
	struct ferr err = { 0 };

	station_close(f->s);
	f->s = NULL;
	if (station_open(f->cfg, false, &f->s, &err) != 0)
		fail_msg("station_open: %s", err.msg);
}

static void
grant(struct fixture *f, const char *user)
{
	struct policy_actor by = { .name = "opsadmin", .admin = true };
	struct ferr err = { 0 };

	if (policy_grant(f->s->store, f->s->audit, &by, user, ROLE_PICKER, 30,
	    T0 - 10, &err) != 0)
		fail_msg("policy_grant: %s", err.msg);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct station_init_result res;
	struct ferr err = { 0 };

	tu_init();
	assert_non_null(f);
	t0 = (int64_t)time(NULL);
	f->cfg = tu_station_config(&f->tmp);
	f->cfg->auth.max_failures = MAXF;
	f->cfg->auth.failure_window = WINDOW;
	f->cfg->auth.lockout = LOCKFOR;
	if (station_init(f->cfg, &res, &err) != 0)
		fail_msg("station_init: %s", err.msg);
	reopen(f);
	grant(f, "ada");
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

/* One failure; asserts it worked and returns whether it locked. */
static bool
fail_once(struct fixture *f, const char *name, int64_t now, bool *spray)
{
	struct ferr err = { 0 };
	bool locked = false, sp = false;

	if (lockout_failure(f->s, name, now, &locked, &sp, &err) != 0)
		fail_msg("lockout_failure: %s", err.msg);
	if (spray != NULL)
		*spray = sp;
	return locked;
}

static int
state_of(struct fixture *f, const char *name, int64_t now)
{
	int64_t until;

	return lockout_state(f->s, name, now, &until);
}

/* The failures column of the only row (these tests fail one name). */
static int64_t
only_row_failures(struct fixture *f)
{
	sqlite3_stmt *q;
	int64_t n = -1;
	int rows = 0;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->s->store),
	    "SELECT failures FROM lockout", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		n = sqlite3_column_int64(q, 0);
		rows++;
	}
	sqlite3_finalize(q);
	assert_true(rows <= 1);
	return n;
}

static void
test_counts_and_locks_at_max(void **state)
{
	struct fixture *f = *state;
	int64_t until;
	struct tu_rows r;
	int i;

	assert_int_equal(state_of(f, "ada", T0), LOCKOUT_OPEN);
	assert_false(fail_once(f, "ada", T0, NULL));
	assert_int_equal(only_row_failures(f), 1);
	assert_false(fail_once(f, "ada", T0 + 10, NULL));
	assert_int_equal(only_row_failures(f), 2);
	assert_int_equal(state_of(f, "ada", T0 + 10), LOCKOUT_OPEN);
	assert_true(fail_once(f, "ada", T0 + 20, NULL));
	assert_int_equal(lockout_state(f->s, "ada", T0 + 20, &until),
	    LOCKOUT_LOCKED);
	assert_int_equal(until, T0 + 20 + LOCKFOR);

	tu_audit_rows(f->s->audit, &r);
	assert_int_equal(tu_count_kind(&r, AUDIT_ACCOUNT_LOCKED), 1);
	i = tu_last_kind(&r, AUDIT_ACCOUNT_LOCKED);
	assert_string_equal(r.subject[i], "ada");
	assert_int_equal(r.count[i], MAXF);
}

static void
test_window_expiry_starts_new_window(void **state)
{
	struct fixture *f = *state;

	assert_false(fail_once(f, "ada", T0, NULL));
	assert_false(fail_once(f, "ada", T0 + 1, NULL));
	/* The window has passed: this one starts a new count. */
	assert_false(fail_once(f, "ada", T0 + WINDOW, NULL));
	assert_int_equal(only_row_failures(f), 1);
	assert_false(fail_once(f, "ada", T0 + WINDOW + 1, NULL));
	assert_true(fail_once(f, "ada", T0 + WINDOW + 2, NULL));
}

static void
test_locked_until_lockout_passes(void **state)
{
	struct fixture *f = *state;
	int64_t t = T0;
	int i;

	for (i = 0; i < MAXF; i++)
		fail_once(f, "ada", t, NULL);
	assert_int_equal(state_of(f, "ada", t + LOCKFOR - 1), LOCKOUT_LOCKED);
	assert_int_equal(state_of(f, "ada", t + LOCKFOR), LOCKOUT_OPEN);
	/* After the lock, one failure does not lock again at once. */
	assert_false(fail_once(f, "ada", t + LOCKFOR + 1, NULL));
	assert_int_equal(only_row_failures(f), 1);
}

static void
test_unlock(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };
	struct tu_rows r;
	int i;

	assert_int_equal(lockout_unlock(f->s, "opsadmin", "ada", 0, T0, &err),
	    FULFIL_ENOTFOUND);
	for (i = 0; i < MAXF; i++)
		fail_once(f, "ada", T0, NULL);
	assert_int_equal(lockout_unlock(f->s, "opsadmin", "ada", 0, T0 + 5, &err),
	    0);
	assert_int_equal(state_of(f, "ada", T0 + 5), LOCKOUT_OPEN);
	assert_int_equal(only_row_failures(f), -1);
	assert_int_equal(lockout_unlock(f->s, "opsadmin", "ada", 0, T0 + 6, &err),
	    FULFIL_ENOTFOUND);
	tu_audit_rows(f->s->audit, &r);
	i = tu_last_kind(&r, AUDIT_ACCOUNT_UNLOCKED);
	assert_true(i >= 0);
	assert_string_equal(r.actor[i], "opsadmin");
	assert_string_equal(r.subject[i], "ada");
	assert_int_equal(tu_count_kind(&r, AUDIT_ACCOUNT_UNLOCKED), 1);

	/* A hostile name is refused without echoing it. */
	assert_int_equal(lockout_unlock(f->s, "opsadmin", "a\x1b[2Jb", 0, T0,
	    &err), FULFIL_EINVAL);
	assert_null(strstr(err.msg, "\x1b"));
}

static void
test_unlock_unknown_by_shown_name(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };
	char shown[33];
	struct tu_rows r;
	int i;

	for (i = 0; i < MAXF; i++)
		fail_once(f, "nobody-here", T0, NULL);
	assert_int_equal(lockout_display_name(f->s, "nobody-here", shown,
	    &err), 0);
	assert_int_equal(shown[0], '#');
	assert_int_equal(lockout_unlock(f->s, "opsadmin", shown, 0, T0 + 1, &err),
	    0);
	assert_int_equal(state_of(f, "nobody-here", T0 + 1), LOCKOUT_OPEN);
	tu_audit_rows(f->s->audit, &r);
	i = tu_last_kind(&r, AUDIT_ACCOUNT_UNLOCKED);
	assert_string_equal(r.subject[i], shown);
}

static void
test_lock_survives_restart(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < MAXF; i++)
		fail_once(f, "ada", T0, NULL);
	for (i = 0; i < MAXF; i++)
		fail_once(f, "nobody-here", T0, NULL);
	reopen(f);
	assert_int_equal(state_of(f, "ada", T0 + 1), LOCKOUT_LOCKED);
	assert_int_equal(state_of(f, "nobody-here", T0 + 1), LOCKOUT_LOCKED);
	assert_int_equal(state_of(f, "ada", T0 + LOCKFOR), LOCKOUT_OPEN);
}

static void
test_success_resets(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };
	int i;

	for (i = 0; i < MAXF - 1; i++)
		fail_once(f, "ada", T0, NULL);
	assert_int_equal(lockout_success(f->s, "ada", T0 + 1, &err), 0);
	assert_int_equal(only_row_failures(f), -1);
	for (i = 0; i < MAXF - 1; i++)
		assert_false(fail_once(f, "ada", T0 + 2, NULL));
	assert_int_equal(state_of(f, "ada", T0 + 2), LOCKOUT_OPEN);

	/* A success does not lift a lock. */
	assert_true(fail_once(f, "ada", T0 + 3, NULL));
	assert_int_equal(lockout_success(f->s, "ada", T0 + 4, &err), 0);
	assert_int_equal(state_of(f, "ada", T0 + 4), LOCKOUT_LOCKED);
}

static void
test_unknown_counted_like_known(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = { "ada", "zed", "x\xff\x01%n" };
	int64_t until[3];
	size_t n;
	int i;

	for (n = 0; n < 3; n++) {
		for (i = 0; i < MAXF - 1; i++)
			assert_false(fail_once(f, names[n], T0 + i, NULL));
		assert_int_equal(state_of(f, names[n], T0 + 5), LOCKOUT_OPEN);
		assert_true(fail_once(f, names[n], T0 + MAXF - 1, NULL));
		assert_int_equal(lockout_state(f->s, names[n], T0 + 5,
		    &until[n]), LOCKOUT_LOCKED);
	}
	assert_int_equal(until[0], until[1]);
	assert_int_equal(until[1], until[2]);
}

static void
test_spray_alert_once_per_window(void **state)
{
	struct fixture *f = *state;
	char name[32];
	bool spray;
	struct tu_rows r;
	int i;

	for (i = 0; i < LOCKOUT_SPRAY_NAMES - 1; i++) {
		snprintf(name, sizeof name, "sprayed%02d", i);
		fail_once(f, name, T0 + i, &spray);
		assert_false(spray);
	}
	snprintf(name, sizeof name, "sprayed%02d", i);
	fail_once(f, name, T0 + i, &spray);
	assert_true(spray);
	/* More names in the same window: no second alert. */
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "more%02d", i);
		fail_once(f, name, T0 + 20 + i, &spray);
		assert_false(spray);
	}
	tu_audit_rows(f->s->audit, &r);
	assert_int_equal(tu_count_kind(&r, AUDIT_SPRAY_ALERT), 1);
	assert_int_equal(r.count[tu_last_kind(&r, AUDIT_SPRAY_ALERT)],
	    LOCKOUT_SPRAY_NAMES);

	/* A window later, a new burst raises a new alert. */
	for (i = 0; i < LOCKOUT_SPRAY_NAMES; i++) {
		snprintf(name, sizeof name, "later%02d", i);
		fail_once(f, name, T0 + 2 * WINDOW + i, &spray);
		assert_int_equal(spray, i == LOCKOUT_SPRAY_NAMES - 1);
	}
	tu_audit_rows(f->s->audit, &r);
	assert_int_equal(tu_count_kind(&r, AUDIT_SPRAY_ALERT), 2);
}

static void
test_few_names_are_no_spray(void **state)
{
	struct fixture *f = *state;
	bool spray;
	struct tu_rows r;
	int i;

	/* Many failures of few names is not a spray. */
	for (i = 0; i < 3 * LOCKOUT_SPRAY_NAMES; i++) {
		fail_once(f, i % 2 ? "ada" : "zed", T0 + i, &spray);
		assert_false(spray);
	}
	tu_audit_rows(f->s->audit, &r);
	assert_int_equal(tu_count_kind(&r, AUDIT_SPRAY_ALERT), 0);
}

static void
test_display_names(void **state)
{
	struct fixture *f = *state;
	static const char *const unknown[] = {
		"zed", "Correct-Horse-1", "x\x1b[2J", "", "%n%s",
	};
	struct ferr err = { 0 };
	char shown[33], again[33];
	size_t i, j;

	assert_int_equal(lockout_display_name(f->s, "ada", shown, &err), 0);
	assert_string_equal(shown, "ada");
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		assert_int_equal(lockout_display_name(f->s, unknown[i], shown,
		    &err), 0);
		assert_int_equal(strlen(shown), 17);
		assert_int_equal(shown[0], '#');
		for (j = 1; j < 17; j++)
			assert_non_null(strchr("0123456789abcdef", shown[j]));
		assert_int_equal(lockout_display_name(f->s, unknown[i], again,
		    &err), 0);
		assert_string_equal(shown, again);
	}
	assert_int_equal(lockout_display_name(f->s, "zed", shown, &err), 0);
	assert_int_equal(lockout_display_name(f->s, "zee", again, &err), 0);
	assert_string_not_equal(shown, again);
	/* The key is the station's own: it survives a restart. */
	reopen(f);
	assert_int_equal(lockout_display_name(f->s, "zed", again, &err), 0);
	assert_string_equal(shown, again);
}

static void
test_names_never_in_clear(void **state)
{
	struct fixture *f = *state;
	static const char typed[] = "Typed-In-User-Field-42";
	struct ferr err = { 0 };
	int i;

	for (i = 0; i < MAXF; i++)
		fail_once(f, typed, T0 + i, NULL);
	assert_int_equal(lockout_unlock(f->s, "opsadmin", typed, 0, T0 + 5, &err),
	    0);
	fail_once(f, typed, T0 + 6, NULL);
	assert_int_equal(store_checkpoint(f->s->store, &err), 0);
	station_close(f->s);
	f->s = NULL;
	assert_false(tu_tree_contains(f->tmp, typed, strlen(typed)));
	reopen(f);
}

struct listed {
	char names[8][33];
	int64_t until[8];
	size_t n;
};

static int
list_fn(void *ctx, const char *name, int64_t locked_until)
{
	struct listed *l = ctx;

	if (l->n < 8) {
		snprintf(l->names[l->n], 33, "%s", name);
		l->until[l->n++] = locked_until;
	}
	return 0;
}

static void
test_list(void **state)
{
	struct fixture *f = *state;
	struct listed l = { 0 };
	struct ferr err = { 0 };
	int64_t unknown = -1;
	int i;

	assert_int_equal(lockout_list(f->s, T0, list_fn, &l, &unknown, &err),
	    0);
	assert_int_equal(l.n, 0);
	assert_int_equal(unknown, 0);
	grant(f, "bea");
	for (i = 0; i < MAXF; i++) {
		fail_once(f, "ada", T0, NULL);
		fail_once(f, "zed", T0, NULL);
		fail_once(f, "yan", T0, NULL);
		fail_once(f, "bea", T0, NULL);
	}
	assert_int_equal(lockout_unlock(f->s, "opsadmin", "bea", 0, T0, &err), 0);
	assert_int_equal(lockout_list(f->s, T0 + 1, list_fn, &l, &unknown,
	    &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "ada");
	assert_int_equal(l.until[0], T0 + LOCKFOR);
	assert_int_equal(unknown, 2);
	memset(&l, 0, sizeof l);
	assert_int_equal(lockout_list(f->s, T0 + LOCKFOR, list_fn, &l, &unknown,
	    &err), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(unknown, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_and_locks_at_max,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_window_expiry_starts_new_window, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_locked_until_lockout_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unlock_unknown_by_shown_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_survives_restart,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_success_resets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_counted_like_known,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_spray_alert_once_per_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_few_names_are_no_spray,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_display_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names_never_in_clear,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	};

	return cmocka_run_group_tests_name("lockout", tests, NULL, NULL);
}
