/*
 * benchutil: what the benchmarks share, so that every pipeline they
 * compare does the same work on the same input.
 *
 * - a deterministic generator of realistic synthetic orders, as the
 *   {"orders":[...]} batches that fulfilctl import reads;
 * - the reference "plain" pipeline (sqlite with the cache's pragmas, no
 *   encryption), compiled against whichever sqlite the program links:
 *   plain sqlite in bench/ingest, SQLCipher in bench/ingest_sqlcipher;
 * - timing (CLOCK_MONOTONIC), percentiles, the machine description and
 *   the result table.
 *
 * Links sqlite3 and jansson only: never fulfil's core (the SQLCipher
 * program cannot), never gettext.
 */
#ifndef FULFIL_BENCHUTIL_H
#define FULFIL_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Fixed seeds: the same run generates the same orders and lookup keys. */
#define BU_SEED_ORDERS UINT64_C(0x66756c66696c0001)
#define BU_SEED_LOOKUPS UINT64_C(0x66756c66696c0002)
#define BU_SEED_WARMUP UINT64_C(0x66756c66696c0003)

/* Defaults of the options every benchmark takes. */
#define BU_DEFAULT_ORDERS 100000
#define BU_DEFAULT_LOOKUPS 20000
#define BU_DEFAULT_BATCH 1000

/* Deterministic PRNG (splitmix64): no libc rand, no time seeds. */
struct bu_rng {
	uint64_t s;
};
void bu_rng_seed(struct bu_rng *r, uint64_t seed);
uint64_t bu_rng_next(struct bu_rng *r);
uint32_t bu_rng_below(struct bu_rng *r, uint32_t n); /* [0, n) */

/* One {"orders":[...]} document. */
struct bu_batch {
	char *json;
	size_t len;
	size_t norders;
};

/*
 * A workload: norders orders in batches of at most batch, generated from
 * seed, with ids "<prefix>-NNNNNNN", plus nlookups refs of those orders
 * picked by a PRNG seeded with BU_SEED_LOOKUPS.
 */
struct bu_workload {
	size_t norders, batch, nbatches, nlookups;
	struct bu_batch *batches;
	char **refs;          /* refs[i]: ref of order i */
	const char **lookups; /* nlookups pointers into refs */
	size_t json_bytes;    /* sum of batch lengths */
};

/* 0, or -1 with a message on stderr (out of memory). */
int bu_workload_make(struct bu_workload *w, const char *id_prefix,
    size_t norders, size_t batch, size_t nlookups, uint64_t seed);
void bu_workload_free(struct bu_workload *w);

/* Timing. */
double bu_now(void); /* seconds, CLOCK_MONOTONIC */
void bu_sort(double *v, size_t n);
/* Nearest-rank percentile (p in 0..100) of an ascending array. */
double bu_percentile(const double *sorted, size_t n, double p);
double bu_mean(const double *v, size_t n);
/* Median of n values (n >= 1); v is not changed. */
double bu_median(const double *v, size_t n);

/*
 * Repeated runs: every pipeline runs --repeat times (default 3, at most
 * BU_REPEAT_MAX), alternating with its reference, and each figure is the
 * median over the runs.
 */
#define BU_DEFAULT_REPEAT 3
#define BU_REPEAT_MAX 15

/* "2026-11-23T17:00:00Z" -> unix seconds; 0 or -1. */
int bu_parse_time(const char *s, int64_t *out);

/* Online cores, CPU model, file system of path, for the report header. */
struct bu_machine {
	long cores;
	char cpu[128];
	char fs[32];
	char load[32];     /* 1, 5, 15 min load average at the start */
	char load_end[32]; /* the caller fills it in at the end */
};
void bu_machine_describe(struct bu_machine *m, const char *path);
/* "0.52 0.40 0.31" from /proc/loadavg, or "unknown". */
void bu_loadavg(char out[32]);

/* A fresh private (0700) directory under $TMPDIR or /tmp; caller frees. */
char *bu_mkdtemp(const char *tag);
/* rm -rf path, without following symlinks. */
void bu_rmtree(const char *path);
/* dir + "/" + name; caller frees. */
char *bu_path(const char *dir, const char *name);

/*
 * The plain pipeline. bu_plain_open creates the database at path with the
 * cache's pragmas (WAL, synchronous=FULL, secure_delete=ON,
 * temp_store=MEMORY, foreign_keys=ON, cell_size_check=ON,
 * trusted_schema=OFF) and the cache's table, the PII part stored as JSON
 * text. key_pragma, when not NULL, is run first (SQLCipher:
 * "PRAGMA key = \"x'...'\"").
 */
struct bu_plain;
struct bu_plain *bu_plain_open(const char *path, const char *key_pragma);
void bu_plain_close(struct bu_plain *p);
/* The library behind the connection ("3.40.1"). */
const char *bu_plain_libversion(void);
/* Run SQL returning one text value (e.g. PRAGMA cipher_version); NULL
 * when it returns no row. Result malloc'd. */
char *bu_plain_query_text(struct bu_plain *p, const char *sql);

/*
 * Import every batch of w: each parsed with json_loadb, each order's
 * plain fields into columns, its PII part json_dumps'ed into one text
 * column, upserted (newer updated_at wins), one transaction per batch,
 * prepared statements kept open. *seconds: wall time of the whole import.
 * 0, or -1 with a message on stderr.
 */
int bu_plain_ingest(
    struct bu_plain *p, const struct bu_workload *w, double *seconds);

/*
 * Look up every key of w->lookups by ref (select + json_loads of the
 * stored text), timing each; us[i] gets microseconds (unsorted).
 */
int bu_plain_lookups(
    struct bu_plain *p, const struct bu_workload *w, double *us);

/*
 * The result table. Every figure has a named reference measured in the
 * same run; ratio = fulfil cost / reference cost (orders/s inverted), so
 * below 1.00x fulfil is the faster one.
 */
enum bu_kind {
	BU_RATE, /* higher is better (orders/s) */
	BU_COST, /* lower is better (seconds, microseconds) */
};
enum bu_check {
	BU_INFO,           /* no target */
	BU_VALUE_AT_LEAST, /* value >= target */
	BU_VALUE_AT_MOST,  /* value <= target */
	BU_RATIO_AT_MOST,  /* ratio <= target */
};
struct bu_row {
	const char *key;    /* machine name: "ingest_orders_per_s" */
	const char *figure; /* "ingest, orders/s" */
	enum bu_kind kind;
	double value, ref;
	enum bu_check check;
	double target;
};
double bu_row_ratio(const struct bu_row *r);
/* "ok", "MISSED" or "-" (no target). */
const char *bu_row_verdict(const struct bu_row *r);
void bu_table_print(FILE *f, const char *value_name, const char *ref_name,
    const struct bu_row *rows, size_t n);
/* "kv <section> <key> <value> <ref> <ratio> <verdict>" lines for run.sh. */
void bu_table_kv(
    FILE *f, const char *section, const struct bu_row *rows, size_t n);


/* Options shared by bench/ingest and bench/ingest_sqlcipher. */
struct bu_opts {
	size_t orders, lookups, batch, repeat;
	const char *cipher;	/* --cipher NAME, or NULL (only with_cipher) */
	int json, kv;
};

/*
 * Parse the shared options (--orders --lookups --batch --repeat --json
 * --kv --help, and --cipher when with_cipher). 0: parsed; 1: --help was
 * printed with usage(stdout); -1: bad options, usage(stderr) printed.
 */
int bu_parse_opts(int argc, char **argv, int with_cipher,
    void (*usage)(FILE *), struct bu_opts *o);

/* "PROG: message" on stderr: what a long run is doing. */
void bu_progress(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
