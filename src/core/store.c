/*
 * store: the sqlite connection of the encrypted order cache.
 *
 * Owns <dir>/cache.db (and its -wal and -shm files): the checks on the
 * data dir and those files (private to this account), the connection and
 * its pragmas, the schema version and the migrations, the cache of
 * prepared statements and the transaction helpers.
 *
 * Never sees plaintext customer data: callers bind sealed blobs only.
 * Never loosens a file mode, never follows a symlink to the database, and
 * a read-only open never writes (no migration, no journal-mode change).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ferr.h"
#include "i18n.h"
#include "store.h"

#ifndef SQLITE_OPEN_NOFOLLOW
#define SQLITE_OPEN_NOFOLLOW 0
#endif

#define STORE_BUSY_TIMEOUT_MS 5000

struct store_cached_stmt {
	const char *sql; /* the caller's literal: the cache key */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	char *dir;
	char *path;
	int flags;
	int schema;
	struct store_cached_stmt *stmts;
	size_t nstmts, capstmts;
};

/*
 * Connection settings, applied in order on every open. Each is set and
 * then read back: a pragma that sqlite silently ignores is an error.
 * Those marked write are skipped for a read-only connection.
 */
static const struct {
	const char *set;
	const char *get;
	const char *want;
	int write;
} store_pragmas[] = {
    {"PRAGMA trusted_schema = OFF", "PRAGMA trusted_schema", "0", 0},
    {"PRAGMA cell_size_check = ON", "PRAGMA cell_size_check", "1", 0},
    {"PRAGMA secure_delete = ON", "PRAGMA secure_delete", "1", 0},
    {"PRAGMA temp_store = MEMORY", "PRAGMA temp_store", "2", 0},
    {"PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1", 0},
    {"PRAGMA synchronous = FULL", "PRAGMA synchronous", "2", 0},
    {"PRAGMA journal_mode = WAL", "PRAGMA journal_mode", "wal", 1},
};

/*
 * Schema migrations: migration N brings the schema from N - 1 to N and
 * runs in its own transaction together with its row in schema_version.
 * Append only; never edit a migration that has shipped.
 */
static const struct {
	int version;
	const char *sql;
} store_migrations[] = {
    {1, "CREATE TABLE meta ("
        " key TEXT PRIMARY KEY,"
        " value TEXT NOT NULL);"
        "CREATE TABLE orders ("
        " id TEXT PRIMARY KEY,"
        " ref TEXT NOT NULL,"
        " status TEXT NOT NULL,"                 /* from the OMS */
        " state TEXT NOT NULL DEFAULT 'queued'," /* local workflow */
        " ship_by INTEGER NOT NULL,"
        " service TEXT NOT NULL,"
        " item_count INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL,"
        " delivered_at INTEGER,"
        " imported_at INTEGER NOT NULL,"
        " cipher INTEGER,"
        " epoch INTEGER,"
        " dek BLOB,"     /* wrapped DEK; NULL once wiped */
        " sealed BLOB);" /* sealed data; NULL once wiped */
        "CREATE INDEX orders_ref ON orders(ref);"
        "CREATE TABLE outbox ("
        " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " order_id TEXT NOT NULL,"
        " event TEXT NOT NULL,"
        " at INTEGER NOT NULL,"
        " user TEXT NOT NULL,"
        " tracking TEXT,"
        " idem_key TEXT NOT NULL UNIQUE,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX outbox_order ON outbox(order_id);"},
    /* People, lockout and the audit log (see doc/audit-format.md). */
    {2, "CREATE TABLE grants ("
        " user TEXT NOT NULL,"
        " role TEXT NOT NULL,"
        " granted_by TEXT NOT NULL,"
        " granted_at INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL,"
        " PRIMARY KEY (user, role));"
        /*
         * Keyed by a keyed hash of the login name: a name typed at the
         * User: prompt can be a password typed in the wrong field.
         */
        "CREATE TABLE lockout ("
        " name_key BLOB PRIMARY KEY,"
        " failures INTEGER NOT NULL DEFAULT 0,"
        " window_start INTEGER NOT NULL DEFAULT 0,"
        " last_failure INTEGER NOT NULL DEFAULT 0,"
        " locked_until INTEGER NOT NULL DEFAULT 0,"
        " reason INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE audit ("
        " seq INTEGER PRIMARY KEY,"
        " at INTEGER NOT NULL,"
        " kind INTEGER NOT NULL,"
        " source TEXT NOT NULL,"   /* fulfil | fulfilctl | sync */
        " actor TEXT,"             /* login or OS user acting */
        " subject TEXT,"           /* the person acted on */
        " order_id TEXT,"
        " role TEXT,"
        " count INTEGER,"
        " result INTEGER NOT NULL,"
        " mac BLOB NOT NULL);"     /* keyed BLAKE2b chain */
        "CREATE INDEX audit_at ON audit(at);"
        "CREATE TABLE audit_anchor ("
        " id INTEGER PRIMARY KEY CHECK (id = 1),"
        " seq INTEGER NOT NULL,"   /* last pruned row */
        " mac BLOB NOT NULL,"      /* its mac: the chain goes on from it */
        " pruned_at INTEGER NOT NULL);"},
    /*
     * The order workflow (workflow.c): plain operational data only,
     * counts, line indexes, codes and login names, never order text.
     */
    {3, "CREATE TABLE scans ("              /* verified counts */
        " order_id TEXT NOT NULL,"
        " step INTEGER NOT NULL,"           /* 1 pick, 2 pack */
        " line INTEGER NOT NULL,"           /* index of the order's item */
        " count INTEGER NOT NULL,"
        " PRIMARY KEY (order_id, step, line));"
        "CREATE TABLE verify_overrides ("   /* a supervisor lifted a gate */
        " order_id TEXT NOT NULL,"
        " step INTEGER NOT NULL,"
        " by_user TEXT NOT NULL,"
        " at INTEGER NOT NULL,"
        " reason INTEGER NOT NULL,"
        " PRIMARY KEY (order_id, step));"
        "CREATE TABLE exceptions ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " order_id TEXT NOT NULL,"
        " kind INTEGER NOT NULL,"
        " state TEXT NOT NULL,"             /* the order's, when raised */
        " raised_by TEXT NOT NULL,"
        " raised_at INTEGER NOT NULL,"
        " resolved_by TEXT,"
        " resolved_at INTEGER,"
        " resolution INTEGER);"
        "CREATE INDEX exceptions_order ON exceptions(order_id);"
        "CREATE TABLE reveals ("            /* PII reveals (R3, R5) */
        " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " user TEXT NOT NULL,"
        " order_id TEXT NOT NULL,"
        " at INTEGER NOT NULL,"
        " reason INTEGER NOT NULL,"
        " reason_text TEXT NOT NULL);"      /* validated, at most 120 bytes */
        "CREATE INDEX reveals_user ON reveals(user, at);"
        "CREATE TABLE rate_events ("        /* anomalous-use counters (R2) */
        " user TEXT NOT NULL,"
        " kind INTEGER NOT NULL,"           /* 1 refused scan */
        " at INTEGER NOT NULL);"
        "CREATE INDEX rate_events_user ON rate_events(user, kind, at);"
        "CREATE INDEX orders_queue ON orders(state, ship_by);"},
    /* 4: per-person settings (people.h): the language shown after login. */
    {4, "CREATE TABLE people ("
        " user TEXT PRIMARY KEY,"
        " language TEXT NOT NULL);"},
    /*
     * 5: the print log (workflow_print): which printer got how many bytes
     * of which order's label, and why a reprint. Never label content.
     */
    {5, "CREATE TABLE prints ("
        " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " order_id TEXT NOT NULL,"
        " at INTEGER NOT NULL,"
        " user TEXT NOT NULL,"
        " printer TEXT NOT NULL,"     /* [printer] uri: no PII */
        " bytes INTEGER NOT NULL,"
        " reprint INTEGER NOT NULL);"  /* 0, or a WF_TABLE_REPRINT code */
        "CREATE INDEX prints_order ON prints(order_id);"},
    /*
     * 6: retention (retention.c). A wiped order keeps its PII-free row as
     * the tombstone; the guard refuses a DEK wrapped under a KEK older
     * than the epoch in force (a process that missed a rotation).
     */
    {6, "ALTER TABLE orders ADD COLUMN shipped_at INTEGER;"
        "ALTER TABLE orders ADD COLUMN wiped_at INTEGER;"
        "ALTER TABLE orders ADD COLUMN wipe_reason INTEGER;"
        "ALTER TABLE orders ADD COLUMN final_state TEXT;"
        "ALTER TABLE orders ADD COLUMN stale_alert_at INTEGER;"
        "CREATE INDEX orders_pii ON orders(status) WHERE sealed IS NOT NULL;"
        "CREATE TRIGGER orders_epoch_insert BEFORE INSERT ON orders"
        " WHEN NEW.dek IS NOT NULL AND NEW.epoch < coalesce((SELECT"
        " CAST(value AS INTEGER) FROM meta WHERE key = 'kek_epoch'), 0)"
        " BEGIN SELECT RAISE(ABORT, 'order data key wrapped under a"
        " retired key epoch; reopen the station'); END;"
        "CREATE TRIGGER orders_epoch_update BEFORE UPDATE OF dek ON orders"
        " WHEN NEW.dek IS NOT NULL AND NEW.epoch < coalesce((SELECT"
        " CAST(value AS INTEGER) FROM meta WHERE key = 'kek_epoch'), 0)"
        " BEGIN SELECT RAISE(ABORT, 'order data key wrapped under a"
        " retired key epoch; reopen the station'); END;"},
    /* 7: the packer's box and parcel weight (workflow_pack_info). */
    {7, "CREATE TABLE packing ("
        " order_id TEXT PRIMARY KEY,"
        " box TEXT,"
        " weight_g INTEGER,"
        " by_user TEXT NOT NULL,"
        " at INTEGER NOT NULL);"},
};

#define STORE_NMIGRATIONS (sizeof store_migrations / sizeof store_migrations[0])
#define STORE_SCHEMA_LATEST (store_migrations[STORE_NMIGRATIONS - 1].version)

int
store_error(struct store *st, struct ferr *err, const char *doing)
{
	const char *why = (st != NULL && st->db != NULL)
	                      ? sqlite3_errmsg(st->db)
	                      : _("no database connection");

	return ferr_set(err, FULFIL_EDB, "%s: %s", doing, why);
}

static int
store_check_dir(const char *dir, int flags, struct ferr *err)
{
	struct stat sb;

	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT)
			return ferr_set(err, FULFIL_EIO, _("data dir %s: %s"),
			    dir, strerror(errno));
		if (!(flags & STORE_CREATE) || (flags & STORE_READONLY))
			return ferr_set(err, FULFIL_ENOTFOUND,
			    _("data dir %s does not exist"), dir);
		/* The parent must exist: never create a path of dirs. */
		if (mkdir(dir, 0700) != 0)
			return ferr_set(err, FULFIL_EIO,
			    _("cannot create data dir %s: %s"), dir,
			    strerror(errno));
		if (stat(dir, &sb) != 0)
			return ferr_set(err, FULFIL_EIO, _("data dir %s: %s"),
			    dir, strerror(errno));
	}
	if (!S_ISDIR(sb.st_mode))
		return ferr_set(err, FULFIL_EPERM,
		    _("data dir %s is not a directory"), dir);
	if (sb.st_uid != geteuid())
		return ferr_set(err, FULFIL_EPERM,
		    _("data dir %s is owned by uid %lu, not by this account "
		      "(uid %lu)"),
		    dir, (unsigned long)sb.st_uid, (unsigned long)geteuid());
	if ((sb.st_mode & 077) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("data dir %s is open to group or others (mode %04o); "
		      "chmod 700 it"),
		    dir, (unsigned)(sb.st_mode & 07777));
	return 0;
}

/* A cache file, when it exists: regular, ours, private. */
static int
store_check_file(const char *path, int *exists, struct ferr *err)
{
	struct stat sb;

	*exists = 0;
	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		return ferr_set(
		    err, FULFIL_EIO, _("%s: %s"), path, strerror(errno));
	}
	*exists = 1;
	if (!S_ISREG(sb.st_mode))
		return ferr_set(
		    err, FULFIL_EPERM, _("%s is not a regular file"), path);
	if (sb.st_uid != geteuid())
		return ferr_set(err, FULFIL_EPERM,
		    _("%s is owned by uid %lu, not by this account (uid %lu)"),
		    path, (unsigned long)sb.st_uid, (unsigned long)geteuid());
	if ((sb.st_mode & 077) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("%s is open to group or others (mode %04o); "
		      "chmod 600 it"),
		    path, (unsigned)(sb.st_mode & 07777));
	return 0;
}

static int
store_check_files(const char *path, int *db_exists, struct ferr *err)
{
	static const char *const suffixes[] = {"-wal", "-shm"};
	char buf[4096];
	size_t i;
	int r, exists;

	if ((r = store_check_file(path, db_exists, err)) != 0)
		return r;
	for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		if ((size_t)snprintf(buf, sizeof buf, "%s%s", path,
		        suffixes[i]) >= sizeof buf)
			return ferr_set(
			    err, FULFIL_EINVAL, _("data dir path is too long"));
		if ((r = store_check_file(buf, &exists, err)) != 0)
			return r;
	}
	return 0;
}

/*
 * Create an empty database file 0600 ourselves, so its mode does not
 * depend on the umask of whoever calls us; sqlite gives the -wal and
 * -shm files the same mode.
 */
static int
store_create_file(const char *path, struct ferr *err)
{
	int fd;

	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ferr_set(err, FULFIL_EIO, _("cannot create %s: %s"),
		    path, strerror(errno));
	if (fchmod(fd, 0600) != 0) {
		int e = errno;

		close(fd);
		unlink(path);
		return ferr_set(err, FULFIL_EIO, _("cannot create %s: %s"),
		    path, strerror(e));
	}
	close(fd);
	return 0;
}

/* Run a one-row query and copy its first column as text into buf. */
static int
store_query_text(
    struct store *st, const char *sql, char *buf, size_t len, struct ferr *err)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *v;
	int rc;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return store_error(st, err, sql);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if ((v = sqlite3_column_text(stmt, 0)) != NULL)
			snprintf(buf, len, "%s", (const char *)v);
	} else if (rc != SQLITE_DONE) {
		store_error(st, err, sql);
		sqlite3_finalize(stmt);
		return FULFIL_EDB;
	}
	sqlite3_finalize(stmt);
	return 0;
}

static int
store_apply_pragmas(struct store *st, struct ferr *err)
{
	char got[32];
	size_t i;
	int r;

	for (i = 0; i < sizeof store_pragmas / sizeof store_pragmas[0]; i++) {
		if (store_pragmas[i].write && (st->flags & STORE_READONLY))
			continue;
		if ((r = store_query_text(
		         st, store_pragmas[i].set, got, sizeof got, err)) != 0)
			return r;
		if ((r = store_query_text(
		         st, store_pragmas[i].get, got, sizeof got, err)) != 0)
			return r;
		if (strcmp(got, store_pragmas[i].want) != 0)
			return ferr_set(err, FULFIL_EDB,
			    _("%s: sqlite kept \"%s\" (wanted \"%s\")"),
			    store_pragmas[i].set, got, store_pragmas[i].want);
	}
	return 0;
}

/* The schema version recorded in the database; 0 when it has none. */
static int
store_read_version(struct store *st, int *version, struct ferr *err)
{
	char buf[32];
	int r;

	*version = 0;
	if ((r = store_query_text(st,
	         "SELECT count(*) FROM sqlite_schema"
	         " WHERE type = 'table' AND name = 'schema_version'",
	         buf, sizeof buf, err)) != 0)
		return r;
	if (strcmp(buf, "0") == 0)
		return 0;
	if ((r = store_query_text(st,
	         "SELECT coalesce(max(version), 0) FROM schema_version", buf,
	         sizeof buf, err)) != 0)
		return r;
	*version = atoi(buf);
	return 0;
}

static int
store_check_version(struct store *st, int version, struct ferr *err)
{
	if (version > STORE_SCHEMA_LATEST)
		return ferr_set(err, FULFIL_EDB,
		    _("%s has schema version %d, newer than this program "
		      "knows (%d); use a newer fulfil"),
		    st->path, version, STORE_SCHEMA_LATEST);
	return 0;
}

/* Apply one migration in its own transaction; *version is updated. */
static int
store_migrate_step(struct store *st, int *version, struct ferr *err)
{
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int r;

	if ((r = store_begin(st, err)) != 0)
		return r;
	if ((r = store_exec(st,
	         "CREATE TABLE IF NOT EXISTS schema_version ("
	         " version INTEGER PRIMARY KEY,"
	         " applied_at INTEGER NOT NULL)",
	         err)) != 0)
		goto fail;
	/* Read again under the write lock: another process may have won. */
	if ((r = store_read_version(st, version, err)) != 0 ||
	    (r = store_check_version(st, *version, err)) != 0)
		goto fail;
	for (i = 0; i < STORE_NMIGRATIONS; i++)
		if (store_migrations[i].version == *version + 1)
			break;
	if (i == STORE_NMIGRATIONS)
		return store_commit(st, err);
	if ((r = store_exec(st, store_migrations[i].sql, err)) != 0) {
		ferr_prefix(
		    err, _("schema migration %d"), store_migrations[i].version);
		goto fail;
	}
	if (sqlite3_prepare_v2(st->db,
	        "INSERT INTO schema_version (version, applied_at) VALUES (?1, "
	        "?2)",
	        -1, &stmt, NULL) != SQLITE_OK) {
		r = store_error(st, err, _("recording the schema version"));
		goto fail;
	}
	sqlite3_bind_int(stmt, 1, store_migrations[i].version);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)time(NULL));
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		r = store_error(st, err, _("recording the schema version"));
		sqlite3_finalize(stmt);
		goto fail;
	}
	sqlite3_finalize(stmt);
	if ((r = store_commit(st, err)) != 0)
		return r;
	*version = store_migrations[i].version;
	return 0;
fail:
	store_rollback(st);
	return r;
}

static int
store_migrate(struct store *st, struct ferr *err)
{
	int version, r;

	if ((r = store_read_version(st, &version, err)) != 0 ||
	    (r = store_check_version(st, version, err)) != 0)
		return r;
	if (version < STORE_SCHEMA_LATEST && (st->flags & STORE_READONLY))
		return ferr_set(err, FULFIL_ESTATE,
		    _("%s has schema version %d and needs migrating to %d, "
		      "which a read-only open cannot do"),
		    st->path, version, STORE_SCHEMA_LATEST);
	while (version < STORE_SCHEMA_LATEST) {
		int before = version;

		if ((r = store_migrate_step(st, &version, err)) != 0)
			return r;
		if (version == before)
			break;
	}
	st->schema = version;
	return 0;
}

int
store_open(const char *dir, int flags, struct store **out, struct ferr *err)
{
	struct store *st = NULL;
	int oflags, db_exists, r;

	*out = NULL;
	if (dir == NULL || *dir == '\0')
		return ferr_set(err, FULFIL_EINVAL, _("no data dir given"));
	if ((r = store_check_dir(dir, flags, err)) != 0)
		return r;
	if ((st = calloc(1, sizeof *st)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	st->flags = flags;
	if ((st->dir = strdup(dir)) == NULL ||
	    asprintf(&st->path, "%s/%s", dir, STORE_DB_NAME) < 0) {
		st->path = NULL;
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto fail;
	}
	if ((r = store_check_files(st->path, &db_exists, err)) != 0)
		goto fail;
	if (!db_exists) {
		if (!(flags & STORE_CREATE) || (flags & STORE_READONLY)) {
			r = ferr_set(err, FULFIL_ENOTFOUND,
			    _("no cache database in %s"), dir);
			goto fail;
		}
		if ((r = store_create_file(st->path, err)) != 0)
			goto fail;
	}

	oflags = SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_PRIVATECACHE |
	         SQLITE_OPEN_EXRESCODE;
	oflags |= (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
	                                   : SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(st->path, &st->db, oflags, NULL) != SQLITE_OK) {
		r = store_error(st, err, st->path);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(
	    st->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	if ((r = store_apply_pragmas(st, err)) != 0 ||
	    (r = store_migrate(st, err)) != 0) {
		ferr_prefix(err, "%s", st->path);
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return r;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nstmts; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	free(st->stmts);
	if (st->db != NULL)
		sqlite3_close_v2(st->db);
	free(st->path);
	free(st->dir);
	free(st);
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_dir(const struct store *st)
{
	return st->dir;
}

int
store_schema_version(struct store *st)
{
	return st->schema;
}

int
store_schema_latest(void)
{
	return STORE_SCHEMA_LATEST;
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql, struct ferr *err)
{
	struct store_cached_stmt *c;
	sqlite3_stmt *stmt;
	size_t i;

	for (i = 0; i < st->nstmts; i++) {
		if (st->stmts[i].sql == sql) {
			stmt = st->stmts[i].stmt;
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return stmt;
		}
	}
	if (st->nstmts == st->capstmts) {
		size_t ncap = st->capstmts ? st->capstmts * 2 : 16;

		if ((c = realloc(st->stmts, ncap * sizeof *c)) == NULL) {
			ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			return NULL;
		}
		st->stmts = c;
		st->capstmts = ncap;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	        &stmt, NULL) != SQLITE_OK) {
		store_error(st, err, _("preparing a statement"));
		return NULL;
	}
	st->stmts[st->nstmts].sql = sql;
	st->stmts[st->nstmts].stmt = stmt;
	st->nstmts++;
	return stmt;
}

size_t
store_stmt_count(const struct store *st)
{
	return st->nstmts;
}

int
store_exec(struct store *st, const char *sql, struct ferr *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_error(st, err, _("database"));
	return 0;
}

int
store_begin(struct store *st, struct ferr *err)
{
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_error(st, err, _("starting a transaction"));
	return 0;
}

int
store_commit(struct store *st, struct ferr *err)
{
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int r = store_error(st, err, _("committing a transaction"));

		store_rollback(st);
		return r;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (st == NULL || st->db == NULL || sqlite3_get_autocommit(st->db))
		return;
	(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_meta_get(
    struct store *st, const char *key, char **value, struct ferr *err)
{
	sqlite3_stmt *stmt;
	const unsigned char *v;
	int rc, r = 0;

	*value = NULL;
	if ((stmt = store_stmt(
	         st, "SELECT value FROM meta WHERE key = ?1", err)) == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_text(stmt, 0);
		if ((*value = strdup(v != NULL ? (const char *)v : "")) == NULL)
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	} else if (rc != SQLITE_DONE) {
		r = store_error(st, err, _("reading the meta table"));
	}
	sqlite3_reset(stmt);
	return r;
}

int
store_meta_set(
    struct store *st, const char *key, const char *value, struct ferr *err)
{
	sqlite3_stmt *stmt;
	int r = 0;

	if (value == NULL)
		stmt = store_stmt(st, "DELETE FROM meta WHERE key = ?1", err);
	else
		stmt = store_stmt(st,
		    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
		    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		    err);
	if (stmt == NULL)
		return err != NULL ? err->code : FULFIL_EDB;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (value != NULL)
		sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		r = store_error(st, err, _("writing the meta table"));
	sqlite3_reset(stmt);
	return r;
}

int
store_checkpoint(struct store *st, struct ferr *err)
{
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	        NULL, NULL) != SQLITE_OK)
		return store_error(st, err, _("checkpointing the WAL"));
	return 0;
}
