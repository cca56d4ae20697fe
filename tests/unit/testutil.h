/*
 * testutil: shared helpers for the cmocka unit tests (temporary dirs,
 * key files, file scanning). Include after cmocka's prerequisites.
 */
#ifndef FULFIL_TESTUTIL_H
#define FULFIL_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include "crypto.h"

/* A fresh private directory under $TMPDIR (or /tmp); caller frees. */
char *tu_mkdtemp(void);

/* rm -rf path (no symlink following). */
void tu_rmtree(const char *path);

/* path = dir + "/" + name; caller frees. */
char *tu_path(const char *dir, const char *name);

/* Write len bytes to path with mode (O_CREAT|O_TRUNC). 0 or -1. */
int tu_write_file(const char *path, const void *buf, size_t len, int mode);

/* Read a whole file; caller frees; *len set. NULL on error. */
char *tu_read_file(const char *path, size_t *len);

/* Does any regular file under dir contain needle (len bytes)? */
bool tu_tree_contains(const char *dir, const void *needle, size_t len);

/* The cipher under test: $FULFIL_TEST_CIPHER or auto-resolved. */
enum fulfil_cipher tu_cipher(void);

/* Both concrete ciphers the machine supports (n = 1 or 2). */
size_t tu_ciphers(enum fulfil_cipher out[2]);

struct fulfil_config;
struct station;

/*
 * A test station's configuration: a fresh private dir (*tmp, the caller's
 * to tu_rmtree and free) holding the data dir and key path, the cipher
 * under test, syslog off; every other key at its default. Caller frees.
 */
struct fulfil_config *tu_station_config(char **tmp);

/* station_init then a writable station_open, failing the test on error. */
struct station *tu_station_start(const struct fulfil_config *cfg);

/* The other end: close s, remove and free tmp, free cfg (each may be NULL). */
void tu_station_stop(struct station *s, struct fulfil_config *cfg, char *tmp);

/* A unix datagram socket bound at path (a syslog stand-in). */
int tu_bind_dgram(const char *path);

/* The next datagram, NUL-terminated in buf; NULL when none is waiting. */
char *tu_recv_dgram(int fd, char *buf, size_t len);

/* The rows of an audit log, as the tests look at them. */
#define TU_ROWS_MAX 512
struct tu_rows {
	size_t n;
	int kind[TU_ROWS_MAX];
	char actor[TU_ROWS_MAX][72], subject[TU_ROWS_MAX][72];
	char order[TU_ROWS_MAX][72], role[TU_ROWS_MAX][16];
	int64_t count[TU_ROWS_MAX];
	int result[TU_ROWS_MAX];
};
struct audit;
/* Every row of a's log, oldest first, into *r ("" for a NULL text). */
void tu_audit_rows(struct audit *a, struct tu_rows *r);
size_t tu_count_kind(const struct tu_rows *r, int kind);
/* Index of the last row of kind; -1 when there is none. */
int tu_last_kind(const struct tu_rows *r, int kind);

/* proc_harden() once, asserting success. */
void tu_init(void);

#endif
