/*
 * test_store: the sqlite connection of the cache: pragmas, data dir and
 * file modes, migrations, read-only opens, transactions, the meta table
 * and the prepared-statement cache.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testutil.h"

#include "ferr.h"
#include "store.h"

struct fixture {
	char *tmp; /* private temp dir, removed at teardown */
	char *dir; /* tmp/data: the data dir under test */
	char *db;  /* dir/cache.db */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_non_null(f->tmp = tu_mkdtemp());
	assert_non_null(f->dir = tu_path(f->tmp, "data"));
	assert_non_null(f->db = tu_path(f->dir, STORE_DB_NAME));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tu_rmtree(f->tmp);
	free(f->tmp);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

static struct store *
open_ok(const char *dir, int flags)
{
	struct store *st = NULL;
	struct ferr err = {0};
	int r;

	r = store_open(dir, flags, &st, &err);
	if (r != 0)
		fail_msg("store_open(%s): %d %s", dir, r, err.msg);
	assert_non_null(st);
	return st;
}

/* First column of a one-row query as text (caller frees); NULL: no row. */
static char *
query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	char *out = NULL;

	assert_int_equal(
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		out = strdup(sqlite3_column_text(stmt, 0) != NULL
		                 ? (const char *)sqlite3_column_text(stmt, 0)
		                 : "(null)");
	sqlite3_finalize(stmt);
	return out;
}

static void
assert_query(sqlite3 *db, const char *sql, const char *want)
{
	char *got = query_text(db, sql);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg(
		    "%s: got %s, want %s", sql, got ? got : "no row", want);
	free(got);
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static bool
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* Run SQL on the cache file through a connection of our own. */
static void
raw_exec(const char *db, const char *sql)
{
	sqlite3 *h;

	assert_int_equal(
	    sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	sqlite3_close(h);
}

static void
test_create_modes(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	char *wal, *shm;
	mode_t old;

	/* Even a careless umask must not make the cache readable. */
	old = umask(022);
	st = open_ok(f->dir, STORE_CREATE);
	umask(old);
	assert_int_equal(mode_of(f->dir), 0700);
	assert_int_equal(mode_of(f->db), 0600);
	assert_non_null(wal = tu_path(f->dir, STORE_DB_NAME "-wal"));
	assert_non_null(shm = tu_path(f->dir, STORE_DB_NAME "-shm"));
	assert_int_equal(store_meta_set(st, "k", "v", NULL), 0);
	assert_true(exists(wal));
	assert_int_equal(mode_of(wal), 0600);
	assert_int_equal(mode_of(shm), 0600);
	assert_string_equal(store_dir(st), f->dir);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_true(store_schema_latest() >= 1);
	store_close(st);
	free(wal);
	free(shm);
}

static void
test_pragmas(void **state)
{
	static const struct {
		const char *sql, *want;
	} cases[] = {
	    {"PRAGMA secure_delete", "1"},
	    {"PRAGMA temp_store", "2"},
	    {"PRAGMA journal_mode", "wal"},
	    {"PRAGMA foreign_keys", "1"},
	    {"PRAGMA synchronous", "2"},
	    {"PRAGMA busy_timeout", "5000"},
	    {"PRAGMA trusted_schema", "0"},
	    {"PRAGMA cell_size_check", "1"},
	};
	struct fixture *f = *state;
	struct store *st;
	size_t i;
	int pass;

	/* On creation and on a reopen of an existing cache. */
	for (pass = 0; pass < 2; pass++) {
		st = open_ok(f->dir, STORE_CREATE);
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
			assert_query(store_db(st), cases[i].sql, cases[i].want);
		store_close(st);
	}
}

static void
test_schema(void **state)
{
	static const char *const tables[] = {
	    "meta",
	    "orders",
	    "outbox",
	    "schema_version",
	};
	static const char *const order_cols =
	    "id,ref,status,state,ship_by,service,item_count,updated_at,"
	    "delivered_at,imported_at,cipher,epoch,dek,sealed,"
	    "shipped_at,wiped_at,wipe_reason,final_state,stale_alert_at";
	static const char *const outbox_cols =
	    "seq,order_id,event,at,user,tracking,idem_key,attempts,"
	    "next_attempt";
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	char sql[256];
	size_t i;

	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		snprintf(sql, sizeof sql,
		    "SELECT count(*) FROM sqlite_schema"
		    " WHERE type = 'table' AND name = '%s'",
		    tables[i]);
		assert_query(store_db(st), sql, "1");
	}
	assert_query(store_db(st),
	    "SELECT group_concat(name) FROM"
	    " (SELECT name FROM pragma_table_info('orders') ORDER BY cid)",
	    order_cols);
	assert_query(store_db(st),
	    "SELECT group_concat(name) FROM"
	    " (SELECT name FROM pragma_table_info('outbox') ORDER BY cid)",
	    outbox_cols);
	assert_query(store_db(st),
	    "SELECT count(*) FROM sqlite_schema"
	    " WHERE type = 'index' AND tbl_name = 'orders'"
	    " AND sql LIKE '%(ref)%'",
	    "1");
	/* The workflow state defaults to queued. */
	assert_int_equal(
	    store_exec(st,
	        "INSERT INTO orders (id, ref, status,"
	        " ship_by, service, item_count, updated_at, imported_at) VALUES"
	        " ('T-1', 'R-1', 'unshipped', 1, 'Standard', 1, 1, 1)",
	        NULL),
	    0);
	assert_query(store_db(st), "SELECT state FROM orders WHERE id = 'T-1'",
	    "queued");
	store_close(st);
}

static void
test_migrations_idempotent(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	char latest[16];
	int i;

	snprintf(latest, sizeof latest, "%d", store_schema_latest());
	for (i = 0; i < 3; i++) {
		st = open_ok(f->dir, i == 0 ? STORE_CREATE : 0);
		assert_int_equal(
		    store_schema_version(st), store_schema_latest());
		/* One row per migration, never re-applied. */
		assert_query(store_db(st),
		    "SELECT count(*) FROM schema_version", latest);
		assert_query(store_db(st),
		    "SELECT max(version) FROM schema_version", latest);
		if (i == 0)
			assert_int_equal(
			    store_meta_set(st, "station", "S-1", NULL), 0);
		store_close(st);
	}
	/* Data written before a reopen is still there. */
	st = open_ok(f->dir, 0);
	assert_query(store_db(st),
	    "SELECT value FROM meta WHERE key ="
	    " 'station'",
	    "S-1");
	store_close(st);
}

static void
test_two_connections(void **state)
{
	struct fixture *f = *state;
	struct store *a = open_ok(f->dir, STORE_CREATE);
	struct store *b = open_ok(f->dir, STORE_CREATE);
	char *v = NULL;

	assert_int_equal(store_meta_set(a, "k", "from-a", NULL), 0);
	assert_int_equal(store_meta_get(b, "k", &v, NULL), 0);
	assert_non_null(v);
	assert_string_equal(v, "from-a");
	free(v);
	store_close(a);
	store_close(b);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	struct ferr err = {0};

	store_close(st);
	raw_exec(f->db, "INSERT INTO schema_version (version, applied_at)"
	                " VALUES (999, 0)");
	st = NULL;
	assert_int_equal(store_open(f->dir, 0, &st, &err), FULFIL_EDB);
	assert_null(st);
	assert_non_null(strstr(err.msg, "999"));
	assert_non_null(strstr(err.msg, "newer"));
	/* Read-only says the same, and so does STORE_CREATE. */
	assert_int_equal(
	    store_open(f->dir, STORE_READONLY, &st, &err), FULFIL_EDB);
	assert_int_equal(
	    store_open(f->dir, STORE_CREATE, &st, &err), FULFIL_EDB);
	assert_null(st);
}

static void
test_dir_modes(void **state)
{
	static const struct {
		mode_t mode;
		int code;
	} cases[] = {
	    {0700, 0},
	    {0755, FULFIL_EPERM},
	    {0750, FULFIL_EPERM},
	    {0710, FULFIL_EPERM},
	    {0701, FULFIL_EPERM},
	    {0707, FULFIL_EPERM},
	};
	struct fixture *f = *state;
	struct store *st;
	struct ferr err;
	size_t i;

	st = open_ok(f->dir, STORE_CREATE);
	store_close(st);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(chmod(f->dir, cases[i].mode), 0);
		st = NULL;
		ferr_clear(&err);
		/* STORE_CREATE never repairs an existing dir's mode. */
		assert_int_equal(
		    store_open(f->dir, STORE_CREATE, &st, &err), cases[i].code);
		if (cases[i].code != 0) {
			assert_null(st);
			assert_non_null(strstr(err.msg, "chmod 700"));
			assert_non_null(strstr(err.msg, f->dir));
			assert_int_equal(mode_of(f->dir), cases[i].mode);
		}
		store_close(st);
	}
	assert_int_equal(chmod(f->dir, 0700), 0);
}

static void
test_dir_missing(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct ferr err = {0};
	char *deep;

	/* No STORE_CREATE: not found, nothing created. */
	assert_int_equal(store_open(f->dir, 0, &st, &err), FULFIL_ENOTFOUND);
	assert_null(st);
	assert_false(exists(f->dir));
	/* Read-only never creates, even when asked to. */
	assert_int_equal(
	    store_open(f->dir, STORE_CREATE | STORE_READONLY, &st, &err),
	    FULFIL_ENOTFOUND);
	assert_false(exists(f->dir));
	/* STORE_CREATE makes one dir, not a path of them. */
	assert_non_null(deep = tu_path(f->dir, "sub"));
	assert_int_equal(store_open(deep, STORE_CREATE, &st, &err), FULFIL_EIO);
	assert_false(exists(f->dir));
	free(deep);
	/* A dir without a database: not found unless STORE_CREATE. */
	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(store_open(f->dir, 0, &st, &err), FULFIL_ENOTFOUND);
	assert_false(exists(f->db));
	/* A file where the dir should be. */
	assert_int_equal(rmdir(f->dir), 0);
	assert_int_equal(tu_write_file(f->dir, "x", 1, 0600), 0);
	assert_int_equal(
	    store_open(f->dir, STORE_CREATE, &st, &err), FULFIL_EPERM);
	assert_null(st);
	assert_int_equal(unlink(f->dir), 0);
	assert_int_equal(
	    store_open("", STORE_CREATE, &st, &err), FULFIL_EINVAL);
}

static void
test_file_checks(void **state)
{
	static const struct {
		const char *name;
		mode_t mode;
	} cases[] = {
	    {STORE_DB_NAME, 0644},
	    {STORE_DB_NAME, 0640},
	    {STORE_DB_NAME, 0602},
	    {STORE_DB_NAME "-wal", 0644},
	    {STORE_DB_NAME "-shm", 0660},
	};
	struct fixture *f = *state;
	struct store *st;
	struct ferr err;
	size_t i;

	st = open_ok(f->dir, STORE_CREATE);
	store_close(st); /* the last close removes -wal and -shm */
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *p = tu_path(f->dir, cases[i].name);
		bool made = !exists(p);

		if (made)
			assert_int_equal(tu_write_file(p, "", 0, 0600), 0);
		assert_int_equal(chmod(p, cases[i].mode), 0);
		st = NULL;
		ferr_clear(&err);
		assert_int_equal(
		    store_open(f->dir, STORE_CREATE, &st, &err), FULFIL_EPERM);
		assert_null(st);
		assert_non_null(strstr(err.msg, cases[i].name));
		assert_int_equal(mode_of(p), cases[i].mode);
		if (made)
			assert_int_equal(unlink(p), 0);
		else
			assert_int_equal(chmod(p, 0600), 0);
		free(p);
	}
	st = open_ok(f->dir, 0);
	store_close(st);
}

static void
test_symlink_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct ferr err = {0};
	char *real, *wal;

	assert_int_equal(mkdir(f->dir, 0700), 0);
	/* A database that is a symlink (even to a good file) is refused. */
	assert_non_null(real = tu_path(f->tmp, "elsewhere.db"));
	assert_int_equal(tu_write_file(real, "", 0, 0600), 0);
	assert_int_equal(symlink(real, f->db), 0);
	assert_int_equal(
	    store_open(f->dir, STORE_CREATE, &st, &err), FULFIL_EPERM);
	assert_null(st);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(unlink(f->db), 0);
	/* So is a -wal symlink planted next to a good database. */
	assert_non_null(wal = tu_path(f->dir, STORE_DB_NAME "-wal"));
	assert_int_equal(symlink(real, wal), 0);
	assert_int_equal(
	    store_open(f->dir, STORE_CREATE, &st, &err), FULFIL_EPERM);
	assert_int_equal(unlink(wal), 0);
	free(real);
	free(wal);
}

static void
test_not_a_database(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct ferr err = {0};
	char junk[4096];

	memset(junk, 'x', sizeof junk);
	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(tu_write_file(f->db, junk, sizeof junk, 0600), 0);
	assert_int_equal(
	    store_open(f->dir, STORE_CREATE, &st, &err), FULFIL_EDB);
	assert_null(st);
	assert_non_null(strstr(err.msg, STORE_DB_NAME));
}

static void
test_readonly(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	struct ferr err = {0};
	const struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	struct stat before, after;
	size_t len0, len1;
	char *c0, *c1, *v = NULL;

	assert_int_equal(store_meta_set(st, "k", "v", NULL), 0);
	store_close(st);
	/* Back-date the file, so any write would show in its mtime. */
	assert_int_equal(utimensat(AT_FDCWD, f->db, old, 0), 0);
	assert_int_equal(stat(f->db, &before), 0);
	assert_int_equal(before.st_mtime, 1000000000);
	assert_non_null(c0 = tu_read_file(f->db, &len0));

	st = open_ok(f->dir, STORE_READONLY);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_int_equal(store_meta_get(st, "k", &v, NULL), 0);
	assert_non_null(v);
	assert_string_equal(v, "v");
	free(v);
	assert_int_equal(store_meta_set(st, "k", "w", &err), FULFIL_EDB);
	assert_int_equal(
	    store_exec(st, "CREATE TABLE t (x)", &err), FULFIL_EDB);
	store_close(st);

	assert_int_equal(stat(f->db, &after), 0);
	assert_non_null(c1 = tu_read_file(f->db, &len1));
	assert_int_equal(len0, len1);
	assert_memory_equal(c0, c1, len0);
	assert_int_equal(before.st_mtime, after.st_mtime);
	assert_int_equal(mode_of(f->db), 0600);
	free(c0);
	free(c1);
}

static void
test_readonly_no_migration(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct ferr err = {0};
	size_t len0, len1;
	char *c0, *c1;

	/* A database from before any migration (or from an old version). */
	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(tu_write_file(f->db, "", 0, 0600), 0);
	raw_exec(f->db, "PRAGMA journal_mode = DELETE;"
	                " CREATE TABLE unrelated (x)");
	assert_non_null(c0 = tu_read_file(f->db, &len0));
	assert_int_equal(
	    store_open(f->dir, STORE_READONLY, &st, &err), FULFIL_ESTATE);
	assert_null(st);
	assert_non_null(strstr(err.msg, "read-only"));
	assert_non_null(c1 = tu_read_file(f->db, &len1));
	assert_int_equal(len0, len1);
	assert_memory_equal(c0, c1, len0);
	free(c0);
	free(c1);
	/* A read-write open migrates it. */
	st = open_ok(f->dir, 0);
	assert_int_equal(store_schema_version(st), store_schema_latest());
	assert_query(store_db(st), "PRAGMA journal_mode", "wal");
	store_close(st);
}

static void
test_transactions(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	struct ferr err = {0};
	char *v = NULL;

	/* Rolled back: gone. */
	assert_int_equal(store_begin(st, NULL), 0);
	assert_int_equal(store_meta_set(st, "a", "1", NULL), 0);
	store_rollback(st);
	assert_int_equal(store_meta_get(st, "a", &v, NULL), 0);
	assert_null(v);
	/* Committed: there, also for another connection. */
	assert_int_equal(store_begin(st, NULL), 0);
	assert_int_equal(store_meta_set(st, "a", "2", NULL), 0);
	assert_int_equal(store_commit(st, NULL), 0);
	store_close(st);
	st = open_ok(f->dir, 0);
	assert_int_equal(store_meta_get(st, "a", &v, NULL), 0);
	assert_non_null(v);
	assert_string_equal(v, "2");
	free(v);
	/* No nesting; a rollback outside a transaction is harmless. */
	assert_int_equal(store_begin(st, NULL), 0);
	assert_int_equal(store_begin(st, &err), FULFIL_EDB);
	assert_int_equal(err.code, FULFIL_EDB);
	assert_non_null(strstr(err.msg, "transaction"));
	store_rollback(st);
	store_rollback(st);
	assert_int_equal(store_commit(st, &err), FULFIL_EDB);
	/* A failing statement inside a transaction, then rollback. */
	assert_int_equal(store_begin(st, NULL), 0);
	assert_int_equal(store_meta_set(st, "b", "1", NULL), 0);
	assert_int_equal(
	    store_exec(st, "INSERT INTO nosuchtable VALUES (1)", &err),
	    FULFIL_EDB);
	assert_non_null(strstr(err.msg, "nosuchtable"));
	store_rollback(st);
	assert_int_equal(store_meta_get(st, "b", &v, NULL), 0);
	assert_null(v);
	store_close(st);
}

static void
test_meta(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	char *v = (char *)"sentinel";

	assert_int_equal(store_meta_get(st, "cursor", &v, NULL), 0);
	assert_null(v);
	assert_int_equal(store_meta_set(st, "cursor", "c1", NULL), 0);
	assert_int_equal(store_meta_set(st, "other", "", NULL), 0);
	assert_int_equal(store_meta_set(st, "cursor", "c2", NULL), 0);
	assert_int_equal(store_meta_get(st, "cursor", &v, NULL), 0);
	assert_non_null(v);
	assert_string_equal(v, "c2");
	free(v);
	assert_int_equal(store_meta_get(st, "other", &v, NULL), 0);
	assert_non_null(v);
	assert_string_equal(v, "");
	free(v);
	assert_query(store_db(st), "SELECT count(*) FROM meta", "2");
	assert_int_equal(store_meta_set(st, "cursor", NULL, NULL), 0);
	assert_int_equal(store_meta_get(st, "cursor", &v, NULL), 0);
	assert_null(v);
	store_close(st);
}

static const char stmt_sql[] = "SELECT ?1";

static void
test_stmt_cache(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	struct ferr err = {0};
	sqlite3_stmt *a, *b;
	size_t n0;

	n0 = store_stmt_count(st);
	assert_non_null(a = store_stmt(st, stmt_sql, NULL));
	assert_int_equal(store_stmt_count(st), n0 + 1);
	assert_int_equal(sqlite3_bind_int(a, 1, 42), SQLITE_OK);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 42);
	/* Left mid-result and bound: handed out again reset and unbound. */
	assert_non_null(b = store_stmt(st, stmt_sql, NULL));
	assert_ptr_equal(a, b);
	assert_int_equal(store_stmt_count(st), n0 + 1);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
	/* Another literal is another statement. */
	assert_non_null(b = store_stmt(st, "SELECT 2", NULL));
	assert_ptr_not_equal(a, b);
	assert_int_equal(store_stmt_count(st), n0 + 2);
	/* Bad SQL: NULL, a database error, nothing cached. */
	assert_null(store_stmt(st, "SELEKT nonsense", &err));
	assert_int_equal(err.code, FULFIL_EDB);
	assert_int_equal(store_stmt_count(st), n0 + 2);
	/* Open statements do not keep close from closing. */
	store_close(st);
}

static void
test_stmt_cache_grows(void **state)
{
	/* More distinct statements than the initial cache holds. */
	static const char *const sqls[] = {
	    "SELECT 1",
	    "SELECT 2",
	    "SELECT 3",
	    "SELECT 4",
	    "SELECT 5",
	    "SELECT 6",
	    "SELECT 7",
	    "SELECT 8",
	    "SELECT 9",
	    "SELECT 10",
	    "SELECT 11",
	    "SELECT 12",
	    "SELECT 13",
	    "SELECT 14",
	    "SELECT 15",
	    "SELECT 16",
	    "SELECT 17",
	    "SELECT 18",
	    "SELECT 19",
	    "SELECT 20",
	};
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	sqlite3_stmt *first[sizeof sqls / sizeof sqls[0]];
	size_t i, n0 = store_stmt_count(st);
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
			sqlite3_stmt *s = store_stmt(st, sqls[i], NULL);

			assert_non_null(s);
			if (pass == 0)
				first[i] = s;
			assert_ptr_equal(s, first[i]);
			assert_int_equal(sqlite3_step(s), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(s, 0), (int)i + 1);
		}
	}
	assert_int_equal(store_stmt_count(st), n0 + 20);
	store_close(st);
}

static void
test_checkpoint(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	char *wal = tu_path(f->dir, STORE_DB_NAME "-wal");
	struct stat sb;

	assert_int_equal(store_meta_set(st, "k", "v", NULL), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 0);
	assert_int_equal(store_checkpoint(st, NULL), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	store_close(st);
	free(wal);
}

static void
test_error_message(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->dir, STORE_CREATE);
	struct ferr err = {0};

	assert_int_equal(
	    store_exec(st, "SELECT * FROM nosuchtable", &err), FULFIL_EDB);
	assert_int_equal(store_error(st, &err, "doing a thing"), FULFIL_EDB);
	assert_int_equal(strncmp(err.msg, "doing a thing: ", 15), 0);
	assert_non_null(strstr(err.msg, "nosuchtable"));
	assert_string_equal(ferr_name(err.code), "database");
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_migrations_idempotent, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_two_connections, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_newer_schema_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dir_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dir_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_symlink_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_not_a_database, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_readonly_no_migration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_stmt_cache_grows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoint, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_error_message, setup, teardown),
	};

	tu_init();
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
