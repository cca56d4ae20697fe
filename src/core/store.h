/*
 * store: the sqlite connection of the cache.
 *
 * Owns the database file <dir>/cache.db, its pragmas (secure_delete,
 * temp_store=MEMORY, WAL, foreign_keys, synchronous=FULL), the schema
 * version and migrations, prepared-statement cache and transactions.
 * The data dir is 0700, files 0600 (the program's umask is 077).
 * Never stores plaintext customer data: callers hand it sealed blobs.
 */
#ifndef FULFIL_STORE_H
#define FULFIL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "ferr.h"

#define STORE_DB_NAME "cache.db"

enum store_flags {
	STORE_CREATE = 1 << 0,	/* create dir (0700) and database if missing */
	STORE_READONLY = 1 << 1,
};

struct store;

/*
 * Open (and with STORE_CREATE, create) the cache in dir and migrate it to
 * the current schema. A dir that group or others can access is refused
 * (FULFIL_EPERM), as is a missing one without STORE_CREATE
 * (FULFIL_ENOTFOUND). Caller closes with store_close().
 */
int store_open(const char *dir, int flags, struct store **out, struct ferr *err);
void store_close(struct store *st);

/* The connection, for core modules only (src/tui and src/ctl never). */
sqlite3 *store_db(struct store *st);
const char *store_dir(const struct store *st);
int store_schema_version(struct store *st);
/* The schema version this program migrates to. */
int store_schema_latest(void);

/*
 * A prepared statement for sql, kept open for the store's life and reset
 * and unbound before it is handed out. sql must be a string literal (it is
 * cached by address). NULL on error (err set).
 */
sqlite3_stmt *store_stmt(struct store *st, const char *sql, struct ferr *err);
/* Statements in that cache (for tests). */
size_t store_stmt_count(const struct store *st);

/* Transactions: begin is BEGIN IMMEDIATE; rollback never fails loudly. */
int store_begin(struct store *st, struct ferr *err);
int store_commit(struct store *st, struct ferr *err);
void store_rollback(struct store *st);

/* Run SQL without results (no bound values). */
int store_exec(struct store *st, const char *sql, struct ferr *err);

/* FULFIL_EDB with sqlite's message, prefixed with what we were doing. */
int store_error(struct store *st, struct ferr *err, const char *doing);

/*
 * The meta table (station id, sync cursor, ...). get: *value malloc'd, or
 * NULL when the key is absent (still 0). set: value NULL deletes the key.
 */
int store_meta_get(struct store *st, const char *key, char **value, struct ferr *err);
int store_meta_set(struct store *st, const char *key, const char *value, struct ferr *err);

/* Checkpoint the WAL with TRUNCATE (after wipes). */
int store_checkpoint(struct store *st, struct ferr *err);

#endif
