/*
 * ingest_sqlcipher: the SQLCipher peer of bench/ingest.
 *
 * Runs benchutil's plain pipeline twice against libsqlcipher in one
 * process: without a key (the reference: SQLCipher's own sqlite,
 * unencrypted) and with a random raw key (PRAGMA key = "x'...'", cipher
 * defaults, whole-database page encryption). Same generated batches,
 * same lookup keys, same pragmas as bench/ingest, so run.sh can set
 * fulfil's figures next to SQLCipher's. It cannot link fulfil's core
 * (SQLCipher exports the same sqlite3_* symbols as sqlite). Owns only
 * its temporary directory; prints counts and times, never order data.
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_MALLOC_USABLE_SIZE
#include <malloc.h>
#endif

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "benchutil.h"

#define WARMUP_ORDERS 1000
#define WARMUP_LOOKUPS 1000
#define NROWS 4


struct run {
	double ingest_s;
	double *us;
	double p50, p99, mean;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ingest_sqlcipher [--orders N] [--lookups N] [--batch N]"
	    " [--repeat N]\n                        [--json | --kv]\n"
	    "The plain pipeline of bench/ingest on SQLCipher, keyed, next to"
	    " the same\nlibrary without a key, in one run; --repeat rounds"
	    " (default %d), medians.\n",
	    BU_DEFAULT_REPEAT);
}

/*
 * The same process set-up as fulfil's proc_harden(), so both pipelines
 * pay what bench/ingest's pay: umask 077, libsodium initialised, and
 * jansson wiping every block it frees.
 */
static void
wiping_free(void *p)
{
#ifdef HAVE_MALLOC_USABLE_SIZE
	if (p != NULL)
		sodium_memzero(p, malloc_usable_size(p));
#endif
	free(p);
}

static int
setup_process(void)
{
	umask(077);
	if (sodium_init() < 0)
		return -1;
	json_set_alloc_funcs(malloc, wiping_free);
	return 0;
}

/* "PRAGMA key = \"x'<64 hex>'\"" with a fresh random key. */
static char *
random_key_pragma(void)
{
	unsigned char key[32];
	char hex[65], *sql;

	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	if (asprintf(&sql, "PRAGMA key = \"x'%s'\"", hex) < 0)
		sql = NULL;
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	return sql;
}

/* A database that SQLCipher really encrypted has no sqlite header. */
static int
file_is_plain_sqlite(const char *path)
{
	char head[16];
	int fd, plain = 0;

	if ((fd = open(path, O_RDONLY)) < 0)
		return 0;
	if (read(fd, head, sizeof head) == (ssize_t)sizeof head)
		plain = memcmp(head, "SQLite format 3", 16) == 0;
	close(fd);
	return plain;
}

struct cipher_info {
	char version[64], cipher[64], page_size[32];
};

static void
query_info(struct bu_plain *p, struct cipher_info *ci)
{
	static const struct {
		const char *sql;
		size_t off;
	} q[] = {
	    {"PRAGMA cipher_version", offsetof(struct cipher_info, version)},
	    {"PRAGMA cipher", offsetof(struct cipher_info, cipher)},
	    {"PRAGMA cipher_page_size",
	        offsetof(struct cipher_info, page_size)},
	};
	size_t i;

	for (i = 0; i < sizeof q / sizeof q[0]; i++) {
		char *dst = (char *)ci + q[i].off;
		char *v = bu_plain_query_text(p, q[i].sql);

		snprintf(dst, 32, "%s", v ? v : "?");
		free(v);
	}
}

/*
 * One pipeline run into dir/name: key_pragma NULL for the unkeyed
 * reference. Checks that a keyed database really is encrypted.
 */
static int
run_pipeline(const char *dir, const char *name, const char *key_pragma,
    const struct bu_workload *w, struct run *r, struct cipher_info *ci)
{
	char *path = bu_path(dir, name);
	struct bu_plain *p;
	int rc = -1;

	if ((p = bu_plain_open(path, key_pragma)) == NULL)
		goto out;
	if (key_pragma != NULL && ci != NULL)
		query_info(p, ci);
	if (bu_plain_ingest(p, w, &r->ingest_s) != 0 ||
	    bu_plain_lookups(p, w, r->us) != 0)
		goto out;
	r->mean = bu_mean(r->us, w->nlookups);
	bu_sort(r->us, w->nlookups);
	r->p50 = bu_percentile(r->us, w->nlookups, 50.0);
	r->p99 = bu_percentile(r->us, w->nlookups, 99.0);
	rc = 0;
out:
	bu_plain_close(p);
	if (rc == 0 && key_pragma != NULL && file_is_plain_sqlite(path)) {
		fputs("ingest_sqlcipher: the keyed database is not encrypted "
		      "(is this really SQLCipher?)\n",
		    stderr);
		rc = -1;
	}
	free(path);
	return rc;
}

/* Medians over the rounds of one pipeline. */
struct reps {
	size_t n;
	double ingest_s[BU_REPEAT_MAX], p50[BU_REPEAT_MAX], p99[BU_REPEAT_MAX];
};

static void
reps_add(struct reps *rp, const struct run *r)
{
	rp->ingest_s[rp->n] = r->ingest_s;
	rp->p50[rp->n] = r->p50;
	rp->p99[rp->n] = r->p99;
	rp->n++;
}

static void
reps_median(const struct reps *rp, struct run *r)
{
	r->ingest_s = bu_median(rp->ingest_s, rp->n);
	r->p50 = bu_median(rp->p50, rp->n);
	r->p99 = bu_median(rp->p99, rp->n);
}

static void
print_spread(const char *what, const double *v, size_t n)
{
	size_t i;

	printf("  rounds, %s:", what);
	for (i = 0; i < n; i++)
		printf(" %.*f", v[i] >= 10 ? 1 : 2, v[i]);
	printf("\n");
}

/*
 * The rounds: each a fresh unkeyed and a fresh keyed database (a new
 * random key each round), taking turns to go first.
 */
static int
run_rounds(const struct bu_opts *o, const char *dir, const struct bu_workload *w,
    struct reps *plain, struct reps *keyed, struct cipher_info *ci)
{
	struct run r = {0, NULL, 0, 0, 0};
	char *rdir = NULL, *key = NULL;
	size_t k, j;
	int rc = -1;

	if ((r.us = calloc(w->nlookups, sizeof(double))) == NULL)
		return -1;
	for (k = 0; k < o->repeat; k++) {
		rdir = bu_path(dir, "round");
		if (mkdir(rdir, 0700) != 0 ||
		    (key = random_key_pragma()) == NULL)
			goto out;
		for (j = 0; j < 2; j++) {
			if ((j == 0) == (k % 2 == 0)) {
				bu_progress("ingest_sqlcipher", "round %zu/%zu: SQLCipher without "
				         "a key",
				    k + 1, o->repeat);
				if (run_pipeline(rdir, "plain.db", NULL, w, &r,
				        NULL) != 0)
					goto out;
				reps_add(plain, &r);
			} else {
				bu_progress("ingest_sqlcipher", "round %zu/%zu: SQLCipher with a "
				         "raw key",
				    k + 1, o->repeat);
				if (run_pipeline(
				        rdir, "keyed.db", key, w, &r, ci) != 0)
					goto out;
				reps_add(keyed, &r);
			}
		}
		sodium_memzero(key, strlen(key));
		free(key);
		key = NULL;
		bu_rmtree(rdir);
		free(rdir);
		rdir = NULL;
	}
	rc = 0;
out:
	if (key != NULL) {
		sodium_memzero(key, strlen(key));
		free(key);
	}
	if (rdir != NULL) {
		bu_rmtree(rdir);
		free(rdir);
	}
	free(r.us);
	return rc;
}

int
main(int argc, char **argv)
{
	struct bu_workload w, ww;
	struct run plain = {0, NULL, 0, 0, 0}, sc = {0, NULL, 0, 0, 0};
	struct run warm = {0, NULL, 0, 0, 0};
	struct reps plain_reps, sc_reps;
	struct cipher_info ci;
	struct bu_machine m;
	struct bu_row rows[NROWS];
	struct bu_opts o;
	char *dir = NULL, *key = NULL, *wdir = NULL;
	double n;
	size_t i;
	int rc = 1, r;

	if (setup_process() != 0) {
		fputs("ingest_sqlcipher: libsodium failed to initialise\n",
		    stderr);
		return 1;
	}
	if ((r = bu_parse_opts(argc, argv, 0, usage, &o)) != 0)
		return r > 0 ? 0 : 2;
	memset(&ci, 0, sizeof ci);
	memset(&plain_reps, 0, sizeof plain_reps);
	memset(&sc_reps, 0, sizeof sc_reps);
	bu_progress("ingest_sqlcipher", "generating %zu orders", o.orders);
	if (bu_workload_make(
	        &w, "B", o.orders, o.batch, o.lookups, BU_SEED_ORDERS) != 0 ||
	    bu_workload_make(&ww, "W", WARMUP_ORDERS, o.batch, WARMUP_LOOKUPS,
	        BU_SEED_WARMUP) != 0)
		return 1;
	if ((warm.us = calloc(ww.nlookups, sizeof(double))) == NULL)
		goto out;
	if ((dir = bu_mkdtemp("sqlcipher")) == NULL ||
	    (key = random_key_pragma()) == NULL)
		goto out;
	bu_machine_describe(&m, dir);

	bu_progress("ingest_sqlcipher", "warm-up");
	wdir = bu_path(dir, "warm-up");
	if (mkdir(wdir, 0700) != 0 ||
	    run_pipeline(wdir, "plain.db", NULL, &ww, &warm, NULL) != 0 ||
	    run_pipeline(wdir, "keyed.db", key, &ww, &warm, NULL) != 0)
		goto out;
	bu_rmtree(wdir);
	if (run_rounds(&o, dir, &w, &plain_reps, &sc_reps, &ci) != 0)
		goto out;
	reps_median(&plain_reps, &plain);
	reps_median(&sc_reps, &sc);
	bu_loadavg(m.load_end);

	n = (double)w.norders;
	rows[0] = (struct bu_row){"ingest_orders_per_s", "ingest, orders/s",
	    BU_RATE, n / sc.ingest_s, n / plain.ingest_s, BU_INFO, 0};
	rows[1] = (struct bu_row){"ingest_seconds", "ingest, total s", BU_COST,
	    sc.ingest_s, plain.ingest_s, BU_INFO, 0};
	rows[2] = (struct bu_row){"lookup_p50_us", "lookup p50, µs", BU_COST,
	    sc.p50, plain.p50, BU_INFO, 0};
	rows[3] = (struct bu_row){"lookup_p99_us", "lookup p99, µs", BU_COST,
	    sc.p99, plain.p99, BU_INFO, 0};

	if (o.kv) {
		printf("meta sqlcipher_version %s\n", ci.version);
		printf("meta sqlcipher_cipher %s\n", ci.cipher);
		printf("meta sqlcipher_page_size %s\n", ci.page_size);
		printf("meta sqlcipher_sqlite %s\n", sqlite3_libversion());
		printf("meta sqlcipher_load_start %s\n", m.load);
		printf("meta sqlcipher_load_end %s\n", m.load_end);
		bu_table_kv(stdout, "sqlcipher", rows, NROWS);
	} else if (o.json) {
		json_t *a = json_array(), *root;

		for (i = 0; i < NROWS; i++)
			json_array_append_new(a,
			    json_pack("{s:s, s:s, s:f, "
			              "s:f, s:f}",
			        "key", rows[i].key, "figure", rows[i].figure,
			        "sqlcipher", rows[i].value, "sqlcipher_no_key",
			        rows[i].ref, "ratio", bu_row_ratio(&rows[i])));
		root = json_pack("{s:{s:I, s:s, s:s, s:s, s:s}, s:{s:s, s:s, "
		                 "s:s, s:s}, s:{s:I, s:I, s:I, s:I}, s:o}",
		    "machine", "cores", (json_int_t)m.cores, "cpu", m.cpu, "fs",
		    m.fs, "load_start", m.load, "load_end", m.load_end,
		    "sqlcipher", "version", ci.version, "cipher", ci.cipher,
		    "page_size", ci.page_size, "sqlite", sqlite3_libversion(),
		    "workload", "orders", (json_int_t)w.norders, "lookups",
		    (json_int_t)w.nlookups, "batch", (json_int_t)w.batch,
		    "repeat", (json_int_t)o.repeat, "figures", a);
		json_dumpf(root, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(root);
	} else {
		printf("SQLCipher peer (same generated orders, lookup keys and "
		       "pragmas as bench/ingest)\n");
		printf("  machine:   %ld cores, %s; storage %s; load %s at the "
		       "start, %s at the end\n",
		    m.cores, m.cpu, m.fs, m.load, m.load_end);
		printf("  library:   SQLCipher %s (sqlite %s), cipher %s, "
		       "page size %s, raw 256-bit key (no KDF)\n",
		    ci.version, sqlite3_libversion(), ci.cipher, ci.page_size);
		printf("  workload:  %zu orders in batches of %zu, %zu "
		       "lookups; warm-up of %d orders not counted;\n"
		       "             %zu rounds taking turns, medians\n",
		    w.norders, w.batch, w.nlookups, WARMUP_ORDERS, o.repeat);
		bu_table_print(stdout, "SQLCipher", "no key", rows, NROWS);
		print_spread("SQLCipher ingest s", sc_reps.ingest_s, sc_reps.n);
		print_spread(
		    "no key ingest s", plain_reps.ingest_s, plain_reps.n);
	}
	rc = 0;
out:
	if (key != NULL) {
		sodium_memzero(key, strlen(key));
		free(key);
	}
	if (dir != NULL)
		bu_rmtree(dir);
	free(dir);
	free(wdir);
	free(warm.us);
	bu_workload_free(&w);
	bu_workload_free(&ww);
	return rc;
}
