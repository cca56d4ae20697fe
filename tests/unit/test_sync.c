/*
 * test_sync: the parts of sync that need no server: the backoff with
 * jitter, Retry-After parsing and clamping, the token file checks, and
 * orders_ingest_page (a page is stored whole or not at all, inside the
 * caller's transaction). The protocol against a TLS server is tested by
 * the shell tests in tests/sync with the fake OMS.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "fconfig.h"
#include "ferr.h"
#include "orders.h"
#include "station.h"
#include "store.h"
#include "sync.h"
#include "testutil.h"

static void
test_backoff(void **state)
{
	static const struct {
		int64_t attempts;
		int64_t lo, hi;
	} cases[] = {
		{ 0, 2, 5 },	/* treated as 1 */
		{ 1, 2, 5 },
		{ 2, 5, 10 },
		{ 3, 10, 20 },
		{ 5, 40, 80 },
		{ 10, 1280, 2560 },
		{ 11, 1800, 3600 },	/* capped */
		{ 1000, 1800, 3600 },
	};
	static const uint32_t rnds[] = { 0, 1, 7, 12345, 0x7fffffffu,
	    0xffffffffu };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (j = 0; j < sizeof rnds / sizeof rnds[0]; j++) {
			int64_t d = sync_backoff(cases[i].attempts, rnds[j]);

			if (d < cases[i].lo || d > cases[i].hi)
				fail_msg("attempts %lld rnd %u: %lld not in "
				    "[%lld, %lld]", (long long)cases[i].attempts,
				    rnds[j], (long long)d,
				    (long long)cases[i].lo,
				    (long long)cases[i].hi);
		}
		/* The ends of the range are reachable. */
		assert_int_equal(sync_backoff(cases[i].attempts, 0),
		    cases[i].lo);
	}
}

static void
test_retry_after(void **state)
{
	static const struct {
		const char *value;
		int64_t want;
	} cases[] = {
		{ NULL, 60 },
		{ "", 60 },
		{ "7", 7 },
		{ " 30\r\n", 30 },
		{ "0", SYNC_RETRY_AFTER_MIN },
		{ "-5", 60 },
		{ "999999", SYNC_RETRY_AFTER_MAX },
		{ "99999999999999999999999", SYNC_RETRY_AFTER_MAX },
		{ "12abc", 60 },
		{ "soon", 60 },
		/* now is 2026-11-22T10:00:00Z below */
		{ "Sun, 22 Nov 2026 10:02:00 GMT", 120 },
		{ "Sun, 22 Nov 2026 09:00:00 GMT", SYNC_RETRY_AFTER_MIN },
		{ "Mon, 23 Nov 2026 10:00:00 GMT", SYNC_RETRY_AFTER_MAX },
	};
	const int64_t now = 1795341600;	/* 2026-11-22T10:00:00Z */
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t got = sync_retry_after(cases[i].value, now);

		if (got != cases[i].want)
			fail_msg("Retry-After \"%s\": %lld, wanted %lld",
			    cases[i].value ? cases[i].value : "(none)",
			    (long long)got, (long long)cases[i].want);
	}
}

struct fixture {
	char *tmp;
	struct fulfil_config *cfg;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	f->cfg = tu_station_config(&f->tmp);
	*state = f;
	return f->cfg != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	config_free(f->cfg);
	tu_rmtree(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}

static void
set_token(struct fixture *f, const char *text, int mode)
{
	char *p = tu_path(f->tmp, "token");

	unlink(p);
	assert_int_equal(tu_write_file(p, text, strlen(text), mode), 0);
	free(f->cfg->sync.token_file);
	f->cfg->sync.token_file = p;
}

/* The token file: refusals name the file, never show the token. */
static void
test_token_file(void **state)
{
	static const struct {
		const char *text;
		int mode;
		int want;
		const char *msg;
	} cases[] = {
		{ "s3cr3t-Token_1\n", 0600, 0, NULL },
		{ "s3cr3t-Token_1", 0400, 0, NULL },
		{ "s3cr3t-Token_1\n", 0640, FULFIL_EPERM,
		    "readable by group or others (mode 640); chmod 600 it" },
		{ "s3cr3t-Token_1\n", 0604, FULFIL_EPERM, "mode 604" },
		{ "", 0600, FULFIL_ECONFIG, "not one bearer token" },
		{ "s3cr3t Token\n", 0600, FULFIL_ECONFIG, "not one bearer token" },
		{ "s3cr3t\r\nX-Evil: 1\n", 0600, FULFIL_ECONFIG,
		    "not one bearer token" },
	};
	struct fixture *f = *state;
	struct sync *sy = NULL;
	struct ferr err;
	size_t i;

	free(f->cfg->sync.url);
	f->cfg->sync.url = strdup("https://127.0.0.1:1/api");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ferr_clear(&err);
		set_token(f, cases[i].text, cases[i].mode);
		assert_int_equal(sync_new(f->cfg, &sy, &err), cases[i].want);
		if (cases[i].want == 0) {
			assert_non_null(sy);
			sync_free(sy);
			sy = NULL;
			continue;
		}
		assert_null(sy);
		assert_non_null(strstr(err.msg, cases[i].msg));
		assert_non_null(strstr(err.msg, f->cfg->sync.token_file));
		assert_null(strstr(err.msg, "s3cr3t"));
	}
	/* A FIFO with no writer is refused at once (the open must not
	 * wait for one). */
	{
		char *fifo = tu_path(f->tmp, "token.fifo");

		assert_int_equal(mkfifo(fifo, 0600), 0);
		free(f->cfg->sync.token_file);
		f->cfg->sync.token_file = fifo;
		ferr_clear(&err);
		assert_int_equal(sync_new(f->cfg, &sy, &err), FULFIL_ECONFIG);
		assert_null(sy);
		assert_non_null(strstr(err.msg, "not a regular file"));
	}
}

static void
test_not_configured(void **state)
{
	struct fixture *f = *state;
	struct sync *sy = NULL;
	struct ferr err = { 0 };

	free(f->cfg->sync.url);
	f->cfg->sync.url = NULL;
	assert_int_equal(sync_new(f->cfg, &sy, &err), FULFIL_ECONFIG);
	assert_null(sy);
	assert_non_null(strstr(err.msg, "[sync] url is not set"));
}

static const char good_order[] =
    "{\"id\":\"S-%d\",\"ref\":\"R-%d\",\"status\":\"unshipped\","
    "\"ship_by\":\"2026-11-23T17:00:00Z\",\"service\":\"Standard\","
    "\"updated_at\":\"2026-11-22T08:00:00Z\",\"delivered_at\":null,"
    "\"items\":[{\"sku\":\"MUG\",\"title\":\"Mug\",\"qty\":1}],"
    "\"ship_to\":{\"name\":\"Testy Person\",\"line1\":\"1 Test Road\","
    "\"city\":\"Testville\",\"postcode\":\"TE1 1ST\",\"country\":\"GB\"}}";

static json_t *
page_of(int n, int bad_at)
{
	json_t *arr = json_array();
	char buf[1024];
	int i;

	for (i = 0; i < n; i++) {
		json_t *o;

		snprintf(buf, sizeof buf, good_order, i, i);
		o = json_loads(buf, 0, NULL);
		assert_non_null(o);
		if (i == bad_at)
			json_object_set_new(o, "ship_by", json_integer(5));
		json_array_append_new(arr, o);
	}
	return arr;
}

static int64_t
count_orders(struct station *s)
{
	sqlite3_stmt *q = store_stmt(s->store, "SELECT count(*) FROM orders",
	    NULL);

	assert_non_null(q);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	return sqlite3_column_int64(q, 0);
}

static void
reject_count(void *ctx, const char *msg)
{
	(*(int *)ctx)++;
	assert_non_null(strstr(msg, "ship_by"));
}

/* A page is stored whole, inside the caller's transaction, or not at all. */
static void
test_ingest_page(void **state)
{
	struct fixture *f = *state;
	struct orders_ingest_stats st;
	struct station *s = tu_station_start(f->cfg);
	struct ferr err = { 0 };
	json_t *good = page_of(20, -1), *bad = page_of(20, 13);
	int rejects = 0;

	/* Outside a transaction: refused. */
	assert_int_equal(orders_ingest_page(s->store, s->kek, s->cipher, good,
	    NULL, NULL, &st, &err), FULFIL_ESTATE);

	/* One bad order refuses the page; the caller rolls back. */
	assert_int_equal(store_begin(s->store, &err), 0);
	assert_int_equal(orders_ingest_page(s->store, s->kek, s->cipher, bad,
	    reject_count, &rejects, &st, &err), FULFIL_EINVAL);
	store_rollback(s->store);
	assert_int_equal(rejects, 1);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.received, 20);
	assert_non_null(strstr(err.msg, "1 of 20 orders failed validation"));
	assert_int_equal(count_orders(s), 0);

	/* A good page with the cursor in one transaction. */
	assert_int_equal(store_begin(s->store, &err), 0);
	assert_int_equal(orders_ingest_page(s->store, s->kek, s->cipher, good,
	    NULL, NULL, &st, &err), 0);
	assert_int_equal(store_meta_set(s->store, "sync_cursor", "v20", &err),
	    0);
	assert_int_equal(store_commit(s->store, &err), 0);
	assert_int_equal(st.imported, 20);
	assert_int_equal(count_orders(s), 20);

	/* The same page again: unchanged (same updated_at). */
	assert_int_equal(store_begin(s->store, &err), 0);
	assert_int_equal(orders_ingest_page(s->store, s->kek, s->cipher, good,
	    NULL, NULL, &st, &err), 0);
	assert_int_equal(store_commit(s->store, &err), 0);
	assert_int_equal(st.unchanged, 20);
	assert_int_equal(st.imported + st.updated, 0);

	json_decref(good);
	json_decref(bad);
	station_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test_setup_teardown(test_token_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_configured, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ingest_page, setup,
		    teardown),
	};

	tu_init();
	return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
