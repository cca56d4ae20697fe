/*
 * test_people: per-person settings (people.h) and the language switch of
 * i18n.h: every shipped language round-trips, anything else is refused
 * without a row or an audit entry, names are checked and never echoed,
 * clearing works, each change is audited; i18n_use_language refuses
 * malformed codes and i18n_use_station_language restores LANGUAGE.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "fconfig.h"
#include "i18n.h"
#include "people.h"
#include "station.h"
#include "testutil.h"

#define NOW 1795000000

struct fixture {
	char *tmp;
	struct fulfil_config *cfg;
	struct station *s;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tu_init();
	f->cfg = tu_station_config(&f->tmp);
	assert_non_null(f->cfg);
	f->s = tu_station_start(f->cfg);
	assert_non_null(f->s);
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

/* Audit rows of kind AUDIT_LANGUAGE_SET. */
static int
count_row(void *ctx, const struct audit_row *row)
{
	if (row->kind == AUDIT_LANGUAGE_SET)
		(*(int *)ctx)++;
	return 0;
}

static int
language_rows(struct fixture *f)
{
	struct ferr err = { 0 };
	int n = 0;

	assert_int_equal(audit_list(f->s->audit, 0, count_row, &n, &err), 0);
	return n;
}

static void
test_shipped_languages(void **state)
{
	struct fixture *f = *state;
	const struct people_lang_info *l;
	struct ferr err = { 0 };
	char buf[PEOPLE_LANG_MAX];
	size_t i, n;

	l = people_languages(&n);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_int_equal(people_set_language(f->s->store, f->s->audit,
		    "sam.admin", "pia.picker", l[i].code, NOW, &err), 0);
		assert_int_equal(people_language(f->s->store, "pia.picker",
		    buf, sizeof buf, &err), 0);
		assert_string_equal(buf, l[i].code);
	}
	assert_int_equal(language_rows(f), 3);
	assert_int_equal(people_language(f->s->store, "nobody.else", buf,
	    sizeof buf, &err), 0);
	assert_string_equal(buf, "");
}

static void
test_refused(void **state)
{
	static const struct {
		const char *user, *lang;
		const char *msg;
	} cases[] = {
		{ "pia.picker", "xx", "unknown language" },
		{ "pia.picker", "EN", "unknown language" },
		{ "pia.picker", "pl_PL", "unknown language" },
		{ "pia.picker", "pl\n", "unknown language" },
		{ "pia.picker", "../pl", "unknown language" },
		{ "bad name", "pl", "login name" },
		{ "-pia", "pl", "login name" },
		{ "", "pl", "login name" },
	};
	struct fixture *f = *state;
	char buf[PEOPLE_LANG_MAX];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ferr err = { 0 };

		assert_int_equal(people_set_language(f->s->store, f->s->audit,
		    "sam.admin", cases[i].user, cases[i].lang, NOW, &err),
		    FULFIL_EINVAL);
		assert_non_null(strstr(err.msg, cases[i].msg));
		if (cases[i].user[0] != '\0')
			assert_null(strstr(err.msg, cases[i].user));
	}
	assert_int_equal(language_rows(f), 0);
	assert_int_equal(people_language(f->s->store, "pia.picker", buf,
	    sizeof buf, NULL), 0);
	assert_string_equal(buf, "");
}

static void
test_clear_and_small_buffer(void **state)
{
	struct fixture *f = *state;
	struct ferr err = { 0 };
	char buf[PEOPLE_LANG_MAX], tiny[1];

	assert_int_equal(people_set_language(f->s->store, f->s->audit,
	    "sam.admin", "pat.packer", "es", NOW, &err), 0);
	assert_int_equal(people_language(f->s->store, "pat.packer", tiny, 0,
	    &err), FULFIL_EINVAL);
	assert_int_equal(people_language(f->s->store, "pat.packer", tiny,
	    sizeof tiny, &err), 0);
	assert_string_equal(tiny, "");	/* does not fit: nothing */
	assert_int_equal(people_set_language(f->s->store, f->s->audit,
	    "sam.admin", "pat.packer", "", NOW + 1, &err), 0);
	assert_int_equal(people_language(f->s->store, "pat.packer", buf,
	    sizeof buf, &err), 0);
	assert_string_equal(buf, "");
	assert_int_equal(language_rows(f), 2);
}

static void
test_i18n_switch(void **state)
{
	static const char *const bad[] = {
		"../pl", "pl/..", "pl:es", "p l", "pl\n", "plplplplplplplplpl",
	};
	const char *v;
	size_t i;

	(void)state;
	setenv("LANGUAGE", "es", 1);
	i18n_init();
	assert_int_equal(i18n_use_language("pl"), 0);
	assert_non_null(v = getenv("LANGUAGE"));
	assert_string_equal(v, "pl");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(i18n_use_language(bad[i]), -1);
		assert_string_equal(getenv("LANGUAGE"), "pl");
	}
	assert_int_equal(i18n_use_station_language(), 0);
	assert_string_equal(getenv("LANGUAGE"), "es");
	assert_int_equal(i18n_use_language(""), 0);	/* the station's */
	assert_string_equal(getenv("LANGUAGE"), "es");
	unsetenv("LANGUAGE");
	i18n_init();
	assert_int_equal(i18n_use_language("pl"), 0);
	assert_int_equal(i18n_use_station_language(), 0);
	assert_null(getenv("LANGUAGE"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shipped_languages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_and_small_buffer,
		    setup, teardown),
		cmocka_unit_test(test_i18n_switch),
	};

	return cmocka_run_group_tests_name("people", tests, NULL, NULL);
}
