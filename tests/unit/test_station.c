/*
 * test_station: init and open, the start-up checks both programs rely on.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "crypto.h"
#include "fconfig.h"
#include "ferr.h"
#include "station.h"

struct fixture {
	char *tmp;
	struct fulfil_config *cfg;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	tu_init();
	assert_non_null(f);
	f->cfg = tu_station_config(&f->tmp);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tu_rmtree(f->tmp);
	free(f->tmp);
	config_free(f->cfg);
	free(f);
	return 0;
}

static void
test_init_creates_everything(void **state)
{
	struct fixture *f = *state;
	struct station_init_result res;
	struct ferr err = { 0 };
	struct stat sb;
	char *db;

	assert_int_equal(station_init(f->cfg, &res, &err), 0);
	assert_true(res.created_dir);
	assert_true(res.created_key);
	assert_true(res.created_db);
	assert_true(res.created_signing_key);
	assert_int_equal(strlen(res.station_id), 32);

	assert_int_equal(stat(f->cfg->cache.dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(stat(f->cfg->cache.key, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0400);
	db = tu_path(f->cfg->cache.dir, "cache.db");
	assert_int_equal(stat(db, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	free(db);
}

static void
test_init_is_idempotent(void **state)
{
	struct fixture *f = *state;
	struct station_init_result a, b;
	struct ferr err = { 0 };

	assert_int_equal(station_init(f->cfg, &a, &err), 0);
	assert_int_equal(station_init(f->cfg, &b, &err), 0);
	assert_false(b.created_dir);
	assert_false(b.created_key);
	assert_false(b.created_db);
	assert_false(b.created_signing_key);
	assert_string_equal(a.station_id, b.station_id);
}

static void
test_open_before_init(void **state)
{
	struct fixture *f = *state;
	struct station *s = NULL;
	struct ferr err = { 0 };

	assert_int_equal(crypto_kek_create(f->cfg->cache.key, 1, &err), 0);
	assert_int_not_equal(station_open(f->cfg, false, &s, &err), 0);
	assert_null(s);
	assert_non_null(strstr(err.msg, "fulfilctl init"));
}

/* Snapshot every file of the data dir to prove a refusal wrote nothing. */
static char *
snapshot(const char *dir, size_t *len)
{
	static const char *names[] = { "cache.db", "cache.db-wal" };
	char *all = NULL;
	size_t i, total = 0;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *p = tu_path(dir, names[i]);
		size_t n = 0;
		char *b = tu_read_file(p, &n);

		free(p);
		if (b == NULL)
			continue;
		assert_non_null(all = realloc(all, total + n + 1));
		memcpy(all + total, b, n);
		total += n;
		free(b);
	}
	*len = total;
	return all;
}

static void
test_wrong_kek_refused_and_nothing_written(void **state)
{
	struct fixture *f = *state;
	struct station_init_result res;
	struct station *s = NULL;
	struct ferr err = { 0 };
	char *before, *after;
	size_t blen, alen;

	assert_int_equal(station_init(f->cfg, &res, &err), 0);
	before = snapshot(f->cfg->cache.dir, &blen);
	assert_non_null(before);

	/* Replace the key with another valid one. */
	assert_int_equal(unlink(f->cfg->cache.key), 0);
	assert_int_equal(crypto_kek_create(f->cfg->cache.key, 1, &err), 0);

	assert_int_equal(station_open(f->cfg, false, &s, &err), FULFIL_EKEY);
	assert_null(s);
	assert_non_null(strstr(err.msg, "not the key this cache was created"));
	assert_int_equal(station_init(f->cfg, &res, &err), FULFIL_EKEY);

	after = snapshot(f->cfg->cache.dir, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(before, after, blen);
	free(before);
	free(after);
}

static void
test_key_mode_0644_refused(void **state)
{
	struct fixture *f = *state;
	struct station_init_result res;
	struct station *s = NULL;
	struct ferr err = { 0 };

	assert_int_equal(station_init(f->cfg, &res, &err), 0);
	assert_int_equal(chmod(f->cfg->cache.key, 0644), 0);
	assert_int_equal(station_open(f->cfg, false, &s, &err), FULFIL_EPERM);
	assert_null(s);
	assert_int_equal(station_init(f->cfg, &res, &err), FULFIL_EPERM);
}

static void
test_status_of_empty_cache(void **state)
{
	struct fixture *f = *state;
	struct station_init_result res;
	struct station_status st;
	struct station *s = NULL;
	struct ferr err = { 0 };

	assert_int_equal(station_init(f->cfg, &res, &err), 0);
	assert_int_equal(station_open(f->cfg, true, &s, &err), 0);
	assert_int_equal(station_status(s, 1000, &st, &err), 0);
	assert_int_equal(st.counts.orders, 0);
	assert_int_equal(st.counts.with_pii, 0);
	assert_int_equal(st.counts.oldest_pii_age_s, -1);
	assert_int_equal(st.outbox, 0);
	assert_int_equal(st.last_sync, -1);
	assert_int_equal(st.key_epoch, 1);
	assert_int_equal(st.cipher, f->cfg->cache.cipher);
	assert_string_equal(st.station_id, res.station_id);
	station_close(s);
}

static void
test_signing_key_is_sealed(void **state)
{
	struct fixture *f = *state;
	struct station_init_result res;
	struct ferr err = { 0 };
	size_t keylen;
	char *key;

	assert_int_equal(station_init(f->cfg, &res, &err), 0);
	/* The key file's bytes must appear nowhere in the data dir. */
	key = tu_read_file(f->cfg->cache.key, &keylen);
	assert_non_null(key);
	assert_false(tu_tree_contains(f->cfg->cache.dir, key, keylen));
	free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_creates_everything,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_is_idempotent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_before_init, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_wrong_kek_refused_and_nothing_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_mode_0644_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_of_empty_cache,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_signing_key_is_sealed,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("station", tests, NULL, NULL);
}
