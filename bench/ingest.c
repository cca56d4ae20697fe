/*
 * ingest: how fast fulfil's encrypted cache takes in and gives back
 * orders, next to the same work without encryption, in the same run.
 *
 * In one private temporary directory (removed at the end) it runs, for
 * each cipher: the reference plain-sqlite pipeline (benchutil), fulfil's
 * pipeline (crypto + store + orders_import_buffer / orders_find), and the
 * raw AEAD of libsodium on the same plaintexts, and prints every figure
 * next to the reference it is compared with. Owns nothing but its
 * temporary directory; never prints order data (only counts and times),
 * never exits non-zero because a target was missed.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "benchutil.h"
#include "crypto.h"
#include "ferr.h"
#include "orders.h"
#include "proc.h"
#include "store.h"

#define TARGET_ORDERS_PER_S 20000.0
#define TARGET_TIME_RATIO 1.2
#define TARGET_P99_US 200.0
#define WARMUP_ORDERS 1000
#define WARMUP_LOOKUPS 1000
#define NROWS_PLAIN 4
#define NROWS_RAW 2

struct opts {
	size_t orders, lookups, batch, repeat;
	int cipher_given;
	enum fulfil_cipher cipher;
	int json, kv;
};

/* One pipeline's measurements. */
struct run {
	double ingest_s;
	double *us; /* per lookup, sorted after the run */
	double p50, p99, mean;
};

/* The raw AEAD reference: per-order means. */
struct raw {
	double seal_us, open_us, pt_bytes;
};

/* Each figure of every repetition; the section reports the medians. */
struct reps {
	size_t n;
	double ingest_s[BU_REPEAT_MAX], p50[BU_REPEAT_MAX], p99[BU_REPEAT_MAX],
	    mean[BU_REPEAT_MAX];
};

struct raw_reps {
	size_t n;
	double seal_us[BU_REPEAT_MAX], open_us[BU_REPEAT_MAX],
	    pt_bytes[BU_REPEAT_MAX];
};

struct section {
	enum fulfil_cipher cipher;
	struct reps plain_reps, fulfil_reps;
	struct raw_reps raw_reps;
	struct run plain, fulfil; /* medians */
	struct raw raw;           /* medians */
	struct bu_row rows[NROWS_PLAIN], raw_rows[NROWS_RAW];
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ingest [--orders N] [--lookups N] [--batch N] [--repeat N]"
	    "\n              [--cipher auto|aes256gcm|xchacha20poly1305]"
	    " [--json | --kv]\n"
	    "Imports N orders into a fresh fulfil cache and into plain sqlite,"
	    " looks up\nrandom ones by ref, and compares the two (and the raw"
	    " cipher) in one run.\nWithout --cipher both ciphers are measured."
	    " Each pipeline runs --repeat times\n(default %d), alternating"
	    " with its reference; figures are medians. Exit status 0\neven"
	    " when a target is missed (see the verdict column).\n",
	    BU_DEFAULT_REPEAT);
}

/* The shared options, plus --cipher as fulfil's enum. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	struct bu_opts b;
	int r;

	memset(o, 0, sizeof *o);
	if ((r = bu_parse_opts(argc, argv, 1, usage, &b)) != 0)
		return r;
	o->orders = b.orders;
	o->lookups = b.lookups;
	o->batch = b.batch;
	o->repeat = b.repeat;
	o->json = b.json;
	o->kv = b.kv;
	if (b.cipher != NULL) {
		if (crypto_cipher_parse(b.cipher, &o->cipher) != 0) {
			usage(stderr);
			return -1;
		}
		o->cipher_given = 1;
	}
	return 0;
}

static void
run_finish(struct run *r, size_t n)
{
	r->mean = bu_mean(r->us, n);
	bu_sort(r->us, n);
	r->p50 = bu_percentile(r->us, n, 50.0);
	r->p99 = bu_percentile(r->us, n, 99.0);
}

static void
reps_add(struct reps *rp, const struct run *r)
{
	rp->ingest_s[rp->n] = r->ingest_s;
	rp->p50[rp->n] = r->p50;
	rp->p99[rp->n] = r->p99;
	rp->mean[rp->n] = r->mean;
	rp->n++;
}

static void
reps_median(const struct reps *rp, struct run *r)
{
	r->ingest_s = bu_median(rp->ingest_s, rp->n);
	r->p50 = bu_median(rp->p50, rp->n);
	r->p99 = bu_median(rp->p99, rp->n);
	r->mean = bu_median(rp->mean, rp->n);
}

/* ------------------------------------------------------- plain pipeline */

static int
plain_run(const char *dir, const char *name, const struct bu_workload *w,
    struct run *r)
{
	char *path = bu_path(dir, name);
	struct bu_plain *p;
	int rc = -1;

	if ((p = bu_plain_open(path, NULL)) == NULL)
		goto out;
	if (bu_plain_ingest(p, w, &r->ingest_s) != 0 ||
	    bu_plain_lookups(p, w, r->us) != 0)
		goto out;
	run_finish(r, w->nlookups);
	rc = 0;
out:
	bu_plain_close(p);
	free(path);
	return rc;
}

/* ------------------------------------------------------ fulfil pipeline */

struct rejects {
	size_t n;
};

static void
on_reject(void *ctx, const char *msg)
{
	struct rejects *rj = ctx;

	/* msg names the order id and the field, never a value. */
	if (rj->n++ < 5)
		fprintf(stderr,
		    "ingest: fulfil rejected a generated order: "
		    "%s\n",
		    msg);
}

static int
fulfil_run(const char *dir, const char *name, enum fulfil_cipher cipher,
    const struct bu_workload *w, struct run *r)
{
	char *keyname = NULL, *keypath = NULL, *cachedir;
	struct store *st = NULL;
	struct kek *kek = NULL;
	struct ferr err = {0, ""};
	struct rejects rj = {0};
	double t0;
	size_t k, i;
	int rc = -1;

	cachedir = bu_path(dir, name);
	if (asprintf(&keyname, "%s.key", name) < 0)
		goto out;
	keypath = bu_path(dir, keyname);
	if (crypto_kek_create(keypath, 1, &err) != 0 ||
	    crypto_kek_load(keypath, &kek, &err) != 0 ||
	    store_open(cachedir, STORE_CREATE, &st, &err) != 0)
		goto fail;

	t0 = bu_now();
	for (k = 0; k < w->nbatches; k++) {
		struct orders_ingest_stats s;

		memset(&s, 0, sizeof s);
		if (orders_import_buffer(st, kek, cipher, w->batches[k].json,
		        w->batches[k].len, on_reject, &rj, &s, &err) != 0)
			goto fail;
		if (s.imported != w->batches[k].norders || s.rejected != 0) {
			fprintf(stderr,
			    "ingest: batch %zu: fulfil imported "
			    "%zu of %zu orders (%zu rejected); the benchmark "
			    "is void\n",
			    k, s.imported, w->batches[k].norders, s.rejected);
			goto out;
		}
	}
	r->ingest_s = bu_now() - t0;

	for (i = 0; i < w->nlookups; i++) {
		struct order *o = NULL;
		int ok;

		t0 = bu_now();
		if (orders_find(st, kek, w->lookups[i], &o, &err) != 0)
			goto fail;
		ok = o->ref != NULL && strcmp(o->ref, w->lookups[i]) == 0 &&
		     o->nitems > 0 && o->ship_to.name != NULL;
		order_free(o);
		r->us[i] = (bu_now() - t0) * 1e6;
		if (!ok) {
			fprintf(stderr,
			    "ingest: lookup %zu returned the wrong "
			    "order\n",
			    i);
			goto out;
		}
	}
	run_finish(r, w->nlookups);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "ingest: fulfil pipeline: %s\n", err.msg);
out:
	store_close(st);
	crypto_kek_free(kek);
	free(keyname);
	free(keypath);
	free(cachedir);
	return rc;
}

/* ---------------------------------------------------- raw AEAD reference */

/*
 * What fulfil's crypto must do per order at the least, straight through
 * libsodium: a random DEK, the PII plaintext sealed under it, the DEK
 * sealed under the KEK (both with the order id as associated data and a
 * random nonce); and to look one up, both opened. The plaintexts are the
 * plain pipeline's: each order's PII part as compact JSON. With AES the
 * KEK's key schedule is computed once (aes != NULL), as fulfil does.
 */
static int
raw_seal(enum fulfil_cipher c, unsigned char *ct, unsigned long long *clen,
    const unsigned char *pt, size_t ptlen, const char *ad, unsigned char *nonce,
    const unsigned char *key, const crypto_aead_aes256gcm_state *aes)
{
	if (c == FULFIL_CIPHER_AES256GCM) {
		randombytes_buf(nonce, crypto_aead_aes256gcm_NPUBBYTES);
		if (aes != NULL)
			return crypto_aead_aes256gcm_encrypt_afternm(ct, clen,
			    pt, ptlen, (const unsigned char *)ad, strlen(ad),
			    NULL, nonce, aes);
		return crypto_aead_aes256gcm_encrypt(ct, clen, pt, ptlen,
		    (const unsigned char *)ad, strlen(ad), NULL, nonce, key);
	}
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	return crypto_aead_xchacha20poly1305_ietf_encrypt(ct, clen, pt, ptlen,
	    (const unsigned char *)ad, strlen(ad), NULL, nonce, key);
}

static int
raw_open(enum fulfil_cipher c, unsigned char *pt, const unsigned char *ct,
    unsigned long long clen, const char *ad, const unsigned char *nonce,
    const unsigned char *key, const crypto_aead_aes256gcm_state *aes)
{
	unsigned long long ptlen;

	if (c == FULFIL_CIPHER_AES256GCM && aes != NULL)
		return crypto_aead_aes256gcm_decrypt_afternm(pt, &ptlen, NULL,
		    ct, clen, (const unsigned char *)ad, strlen(ad), nonce,
		    aes);
	if (c == FULFIL_CIPHER_AES256GCM)
		return crypto_aead_aes256gcm_decrypt(pt, &ptlen, NULL, ct, clen,
		    (const unsigned char *)ad, strlen(ad), nonce, key);
	return crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &ptlen, NULL, ct,
	    clen, (const unsigned char *)ad, strlen(ad), nonce, key);
}

struct raw_order {
	char *id;
	char *pt;
	size_t ptlen;
	unsigned char *ct;
	unsigned long long ctlen;
	unsigned char nonce[24], dek_nonce[24];
	unsigned char wrapped[CRYPTO_KEY_BYTES + 16];
	unsigned long long wlen;
};

/* Plaintexts of one batch (untimed): PII part as compact JSON. */
static size_t
raw_prepare(const struct bu_batch *b, struct raw_order *ro)
{
	static const char *const pii_keys[] = {
	    "items",
	    "ship_to",
	    "buyer_email",
	    "gift_message",
	};
	json_error_t jerr;
	json_t *root, *arr, *o, *pii;
	size_t i, j, n;

	root = json_loadb(b->json, b->len, 0, &jerr);
	arr = json_object_get(root, "orders");
	n = json_array_size(arr);
	for (i = 0; i < n; i++) {
		o = json_array_get(arr, i);
		pii = json_object();
		for (j = 0; j < sizeof pii_keys / sizeof pii_keys[0]; j++) {
			json_t *v = json_object_get(o, pii_keys[j]);

			if (v != NULL)
				json_object_set(pii, pii_keys[j], v);
		}
		ro[i].pt = json_dumps(pii, JSON_COMPACT);
		ro[i].ptlen = ro[i].pt ? strlen(ro[i].pt) : 0;
		ro[i].id = strdup(json_string_value(json_object_get(o, "id")));
		ro[i].ct = malloc(ro[i].ptlen + 16);
		json_decref(pii);
		if (ro[i].pt == NULL || ro[i].id == NULL || ro[i].ct == NULL) {
			fputs("ingest: out of memory\n", stderr);
			exit(1);
		}
	}
	json_decref(root);
	return n;
}

static void
raw_release(struct raw_order *ro, size_t n)
{
	void (*jfree)(void *);
	json_malloc_t jmalloc;
	size_t i;

	json_get_alloc_funcs(&jmalloc, &jfree);
	for (i = 0; i < n; i++) {
		jfree(ro[i].pt);
		free(ro[i].id);
		free(ro[i].ct);
	}
}

static int
raw_run(enum fulfil_cipher c, const struct bu_workload *w, struct raw *out)
{
	unsigned char kek[CRYPTO_KEY_BYTES], dek[CRYPTO_KEY_BYTES];
	unsigned char dek2[CRYPTO_KEY_BYTES];
	struct raw_order *ro = calloc(w->batch, sizeof *ro);
	double seal_s = 0, open_s = 0, bytes = 0, t0;
	crypto_aead_aes256gcm_state *aes = NULL;
	unsigned char *pt = NULL;
	size_t k, i, n, total = 0, maxpt = 0;
	int rc = -1;

	if (ro == NULL)
		return -1;
	randombytes_buf(kek, sizeof kek);
	if (c == FULFIL_CIPHER_AES256GCM) {
		/* sodium_malloc: the state must be 16-byte aligned. */
		if ((aes = sodium_malloc(sizeof *aes)) == NULL)
			goto out;
		crypto_aead_aes256gcm_beforenm(aes, kek);
	}
	for (k = 0; k < w->nbatches; k++) {
		n = raw_prepare(&w->batches[k], ro);
		for (i = 0; i < n; i++) {
			bytes += (double)ro[i].ptlen;
			if (ro[i].ptlen > maxpt)
				maxpt = ro[i].ptlen;
		}
		free(pt);
		if ((pt = malloc(maxpt + 1)) == NULL)
			goto out;

		t0 = bu_now();
		for (i = 0; i < n; i++) {
			randombytes_buf(dek, sizeof dek);
			if (raw_seal(c, ro[i].ct, &ro[i].ctlen,
			        (const unsigned char *)ro[i].pt, ro[i].ptlen,
			        ro[i].id, ro[i].nonce, dek, NULL) != 0 ||
			    raw_seal(c, ro[i].wrapped, &ro[i].wlen, dek,
			        sizeof dek, ro[i].id, ro[i].dek_nonce, kek,
			        aes) != 0)
				goto out;
		}
		seal_s += bu_now() - t0;

		t0 = bu_now();
		for (i = 0; i < n; i++) {
			if (raw_open(c, dek2, ro[i].wrapped, ro[i].wlen,
			        ro[i].id, ro[i].dek_nonce, kek, aes) != 0 ||
			    raw_open(c, pt, ro[i].ct, ro[i].ctlen, ro[i].id,
			        ro[i].nonce, dek2, NULL) != 0)
				goto out;
		}
		open_s += bu_now() - t0;
		raw_release(ro, n);
		total += n;
	}
	out->seal_us = seal_s / (double)total * 1e6;
	out->open_us = open_s / (double)total * 1e6;
	out->pt_bytes = bytes / (double)total;
	rc = 0;
out:
	if (rc != 0)
		fputs("ingest: raw AEAD reference failed\n", stderr);
	sodium_memzero(kek, sizeof kek);
	sodium_memzero(dek, sizeof dek);
	sodium_memzero(dek2, sizeof dek2);
	if (aes != NULL)
		sodium_free(aes);
	free(pt);
	free(ro);
	return rc;
}

/* -------------------------------------------------------------- driver */

static int
warm_up(const char *dir, enum fulfil_cipher c, const struct bu_workload *ww)
{
	struct run r = {0, NULL, 0, 0, 0};
	char *warm = bu_path(dir, "warm-up");
	int rc = -1;

	if ((r.us = calloc(ww->nlookups, sizeof *r.us)) == NULL ||
	    mkdir(warm, 0700) != 0)
		goto out;
	if (plain_run(warm, "plain.db", ww, &r) == 0 &&
	    fulfil_run(warm, "cache", c, ww, &r) == 0)
		rc = 0;
out:
	bu_rmtree(warm);
	free(warm);
	free(r.us);
	return rc;
}

/*
 * One cipher: warm-up, then o->repeat rounds of the plain pipeline, the
 * fulfil pipeline and the raw AEAD, alternating which of plain and fulfil
 * goes first, each in a fresh database that is removed straight after.
 */
static int
run_section(const struct opts *o, const char *dir, struct section *s,
    const struct bu_workload *w, const struct bu_workload *ww)
{
	const char *cn = crypto_cipher_name(s->cipher);
	struct run pl = {0, NULL, 0, 0, 0}, fu = {0, NULL, 0, 0, 0};
	struct raw raw;
	char *cdir = NULL;
	size_t k, j;
	int rc = -1, fulfil_first;

	pl.us = calloc(w->nlookups, sizeof(double));
	fu.us = calloc(w->nlookups, sizeof(double));
	if (pl.us == NULL || fu.us == NULL)
		goto out;
	bu_progress("ingest", "%s: warm-up", cn);
	if (warm_up(dir, s->cipher, ww) != 0)
		goto out;
	for (k = 0; k < o->repeat; k++) {
		fulfil_first = (int)(k % 2);
		cdir = bu_path(dir, cn);
		if (mkdir(cdir, 0700) != 0)
			goto out;
		for (j = 0; j < 2; j++) {
			if ((j == 0) == !fulfil_first) {
				bu_progress("ingest", "%s: round %zu/%zu: plain sqlite", cn,
				    k + 1, o->repeat);
				if (plain_run(cdir, "plain.db", w, &pl) != 0)
					goto out;
			} else {
				bu_progress("ingest", "%s: round %zu/%zu: fulfil", cn, k + 1,
				    o->repeat);
				if (fulfil_run(
				        cdir, "cache", s->cipher, w, &fu) != 0)
					goto out;
			}
		}
		bu_progress("ingest", "%s: round %zu/%zu: raw AEAD", cn, k + 1, o->repeat);
		if (raw_run(s->cipher, w, &raw) != 0)
			goto out;
		reps_add(&s->plain_reps, &pl);
		reps_add(&s->fulfil_reps, &fu);
		s->raw_reps.seal_us[s->raw_reps.n] = raw.seal_us;
		s->raw_reps.open_us[s->raw_reps.n] = raw.open_us;
		s->raw_reps.pt_bytes[s->raw_reps.n] = raw.pt_bytes;
		s->raw_reps.n++;
		bu_rmtree(cdir);
		free(cdir);
		cdir = NULL;
	}
	reps_median(&s->plain_reps, &s->plain);
	reps_median(&s->fulfil_reps, &s->fulfil);
	s->raw.seal_us = bu_median(s->raw_reps.seal_us, s->raw_reps.n);
	s->raw.open_us = bu_median(s->raw_reps.open_us, s->raw_reps.n);
	s->raw.pt_bytes = bu_median(s->raw_reps.pt_bytes, s->raw_reps.n);
	rc = 0;
out:
	if (cdir != NULL) {
		bu_rmtree(cdir);
		free(cdir);
	}
	free(pl.us);
	free(fu.us);
	return rc;
}

static void
section_rows(struct section *s, size_t norders)
{
	double n = (double)norders;
	struct bu_row *r = s->rows, *x = s->raw_rows;

	r[0] = (struct bu_row){"ingest_orders_per_s", "ingest, orders/s",
	    BU_RATE, n / s->fulfil.ingest_s, n / s->plain.ingest_s,
	    BU_VALUE_AT_LEAST, TARGET_ORDERS_PER_S};
	r[1] = (struct bu_row){"ingest_seconds", "ingest, total s", BU_COST,
	    s->fulfil.ingest_s, s->plain.ingest_s, BU_RATIO_AT_MOST,
	    TARGET_TIME_RATIO};
	r[2] = (struct bu_row){"lookup_p50_us", "lookup p50, µs", BU_COST,
	    s->fulfil.p50, s->plain.p50, BU_INFO, 0};
	r[3] = (struct bu_row){"lookup_p99_us", "lookup p99, µs", BU_COST,
	    s->fulfil.p99, s->plain.p99, BU_VALUE_AT_MOST, TARGET_P99_US};
	x[0] = (struct bu_row){"crypto_ingest_us", "ingest, extra µs/order",
	    BU_COST, (s->fulfil.ingest_s - s->plain.ingest_s) / n * 1e6,
	    s->raw.seal_us, BU_INFO, 0};
	x[1] = (struct bu_row){"crypto_lookup_us", "lookup mean, extra µs",
	    BU_COST, s->fulfil.mean - s->plain.mean, s->raw.open_us, BU_INFO,
	    0};
}

static void
print_header(const struct opts *o, const struct bu_machine *m,
    const struct bu_workload *w, const char *dir)
{
	printf("fulfil ingest benchmark (figures compared, in this run, with "
	       "the reference named in each column)\n");
	printf("  machine:   %ld cores, %s; AES-NI for AES-256-GCM: %s\n",
	    m->cores, m->cpu,
	    crypto_aead_aes256gcm_is_available() ? "yes" : "no");
	printf("  load:      %s at the start, %s at the end (1/5/15 min; "
	       "other work on the machine skews figures)\n",
	    m->load, m->load_end);
	printf("  storage:   %s (%s)\n", m->fs, dir);
	printf("  libraries: sqlite %s, libsodium %s, jansson %s\n",
	    sqlite3_libversion(), sodium_version_string(), JANSSON_VERSION);
	printf("  workload:  %zu orders, %.0f bytes of JSON each on average, "
	       "%zu batches of %zu (one transaction each);\n"
	       "             %zu lookups by ref, keys drawn by a fixed-seed "
	       "PRNG; same batches and keys for every pipeline\n",
	    w->norders, (double)w->json_bytes / (double)w->norders, w->nbatches,
	    o->batch, w->nlookups);
	printf("  warm-up:   before each cipher, both pipelines import %d "
	       "other orders and look up %d in a\n"
	       "             throwaway database; not counted\n",
	    WARMUP_ORDERS, WARMUP_LOOKUPS);
	printf(
	    "  rounds:    %zu per cipher, each in fresh databases, plain and "
	    "fulfil taking turns to go\n"
	    "             first; every figure is the median over the rounds\n",
	    o->repeat);
	printf(
	    "  plain:     sqlite with the cache's pragmas (WAL, "
	    "synchronous=FULL, secure_delete=ON,\n"
	    "             temp_store=MEMORY), jansson parse, PII part as JSON "
	    "text, no encryption, no validation;\n"
	    "             same process, so it also pays proc_harden's wiping "
	    "jansson allocator\n");
	printf("  ratio:     fulfil cost / reference cost (orders/s inverted);"
	       " below 1.00x fulfil is faster\n");
}

/* The rounds behind a median, so noise shows. */
static void
print_spread(const char *what, const char *who, const double *v, size_t n)
{
	size_t i;

	printf("  rounds, %s %s:", who, what);
	for (i = 0; i < n; i++)
		printf(" %.*f", v[i] >= 10 ? 1 : 2, v[i]);
	printf("\n");
}

static void
print_section(const struct section *s)
{
	const char *name = crypto_cipher_name(s->cipher);
	size_t i;
	int missed = 0;

	printf("\ncipher %s\n", name);
	bu_table_print(stdout, "fulfil", "plain sqlite", s->rows, NROWS_PLAIN);
	printf(
	    "  crypto share, against raw %s in libsodium on the same "
	    "plaintexts (mean %.0f bytes):\n"
	    "  DEK + seal + wrap %.2f µs/order, unwrap + open %.2f µs/order\n",
	    name, s->raw.pt_bytes, s->raw.seal_us, s->raw.open_us);
	bu_table_print(stdout, "fulfil", "raw AEAD", s->raw_rows, NROWS_RAW);
	print_spread(
	    "ingest s", "fulfil", s->fulfil_reps.ingest_s, s->fulfil_reps.n);
	print_spread(
	    "ingest s", "plain", s->plain_reps.ingest_s, s->plain_reps.n);
	print_spread(
	    "lookup p99 µs", "fulfil", s->fulfil_reps.p99, s->fulfil_reps.n);
	print_spread(
	    "lookup p99 µs", "plain", s->plain_reps.p99, s->plain_reps.n);
	for (i = 0; i < NROWS_PLAIN; i++)
		missed += strcmp(bu_row_verdict(&s->rows[i]), "MISSED") == 0;
	printf("  => %s\n", missed ? "MISSED: at least one target is not met"
	                           : "all targets met");
}

/* "rounds <cipher> <pipeline> <figure> v1 v2 ..." for run.sh. */
static void
print_rounds_kv(const char *cipher, const char *who, const struct reps *r)
{
	static const char *const names[] = {
	    "ingest_seconds",
	    "lookup_p50_us",
	    "lookup_p99_us",
	};
	const double *v[] = {r->ingest_s, r->p50, r->p99};
	size_t i, k;

	for (k = 0; k < 3; k++) {
		printf("rounds %s %s %s", cipher, who, names[k]);
		for (i = 0; i < r->n; i++)
			printf(" %.6g", v[k][i]);
		printf("\n");
	}
}

static void
emit_kv(const struct opts *o, const struct bu_machine *m,
    const struct bu_workload *w, const struct section *s, size_t ns)
{
	char sec[64];
	size_t i;

	printf("meta cores %ld\n", m->cores);
	printf("meta cpu %s\n", m->cpu);
	printf("meta fs %s\n", m->fs);
	printf("meta load_start %s\n", m->load);
	printf("meta load_end %s\n", m->load_end);
	printf("meta repeat %zu\n", o->repeat);
	printf("meta aesni %s\n",
	    crypto_aead_aes256gcm_is_available() ? "yes" : "no");
	printf("meta sqlite %s\n", sqlite3_libversion());
	printf("meta sodium %s\n", sodium_version_string());
	printf("meta orders %zu\n", w->norders);
	printf("meta lookups %zu\n", w->nlookups);
	printf("meta batch %zu\n", w->batch);
	printf("meta json_bytes_per_order %.0f\n",
	    (double)w->json_bytes / (double)w->norders);
	for (i = 0; i < ns; i++) {
		printf("meta cipher %s\n", crypto_cipher_name(s[i].cipher));
		snprintf(sec, sizeof sec, "fulfil:%s",
		    crypto_cipher_name(s[i].cipher));
		bu_table_kv(stdout, sec, s[i].rows, NROWS_PLAIN);
		snprintf(
		    sec, sizeof sec, "raw:%s", crypto_cipher_name(s[i].cipher));
		bu_table_kv(stdout, sec, s[i].raw_rows, NROWS_RAW);
		print_rounds_kv(crypto_cipher_name(s[i].cipher), "fulfil",
		    &s[i].fulfil_reps);
		print_rounds_kv(
		    crypto_cipher_name(s[i].cipher), "plain", &s[i].plain_reps);
		printf("raw %s %.3f %.3f %.0f\n",
		    crypto_cipher_name(s[i].cipher), s[i].raw.seal_us,
		    s[i].raw.open_us, s[i].raw.pt_bytes);
	}
}

static json_t *
rows_json(const struct bu_row *r, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:f, s:f, s:f, "
		              "s:s}",
		        "key", r[i].key, "figure", r[i].figure, "fulfil",
		        r[i].value, "reference", r[i].ref, "ratio",
		        bu_row_ratio(&r[i]), "verdict", bu_row_verdict(&r[i])));
	return a;
}

static json_t *
doubles_json(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

static json_t *
reps_json(const struct reps *r)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "ingest_s",
	    doubles_json(r->ingest_s, r->n), "lookup_p50_us",
	    doubles_json(r->p50, r->n), "lookup_p99_us",
	    doubles_json(r->p99, r->n), "lookup_mean_us",
	    doubles_json(r->mean, r->n));
}

static void
emit_json(const struct opts *o, const struct bu_machine *m,
    const struct bu_workload *w, const struct section *s, size_t ns)
{
	json_t *root, *runs = json_array();
	size_t i;

	for (i = 0; i < ns; i++)
		json_array_append_new(runs,
		    json_pack("{s:s, s:o, s:o, s:{s:f,"
		              " s:f, s:f}, s:{s:o, s:o}}",
		        "cipher", crypto_cipher_name(s[i].cipher),
		        "versus_plain", rows_json(s[i].rows, NROWS_PLAIN),
		        "versus_raw_aead", rows_json(s[i].raw_rows, NROWS_RAW),
		        "raw_aead", "seal_us", s[i].raw.seal_us, "open_us",
		        s[i].raw.open_us, "plaintext_bytes", s[i].raw.pt_bytes,
		        "rounds", "fulfil", reps_json(&s[i].fulfil_reps),
		        "plain", reps_json(&s[i].plain_reps)));
	root = json_pack(
	    "{s:{s:I, s:s, s:s, s:b, s:s, s:s}, s:{s:s, s:s},"
	    " s:{s:I, s:I, s:I, s:I, s:f}, s:{s:f, s:f, s:f}, s:o}",
	    "machine", "cores", (json_int_t)m->cores, "cpu", m->cpu, "fs",
	    m->fs, "aesni", crypto_aead_aes256gcm_is_available(), "load_start",
	    m->load, "load_end", m->load_end, "libraries", "sqlite",
	    sqlite3_libversion(), "libsodium", sodium_version_string(),
	    "workload", "orders", (json_int_t)w->norders, "lookups",
	    (json_int_t)w->nlookups, "batch", (json_int_t)w->batch, "repeat",
	    (json_int_t)o->repeat, "json_bytes_per_order",
	    (double)w->json_bytes / (double)w->norders, "targets",
	    "orders_per_s_min", TARGET_ORDERS_PER_S, "time_ratio_max",
	    TARGET_TIME_RATIO, "lookup_p99_us_max", TARGET_P99_US, "runs",
	    runs);
	json_dumpf(root, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(root);
}

int
main(int argc, char **argv)
{
	struct bu_workload w, ww;
	struct section sec[2];
	struct bu_machine m;
	struct ferr err = {0, ""};
	struct opts o;
	enum fulfil_cipher want[2];
	size_t nc = 0, i;
	char *dir = NULL;
	int rc = 1, r;

	if (proc_harden(&err) != 0) {
		fprintf(stderr, "ingest: %s\n", err.msg);
		return 1;
	}
	if ((r = parse_opts(argc, argv, &o)) != 0)
		return r > 0 ? 0 : 2;
	if (o.cipher_given) {
		want[nc++] = o.cipher;
	} else {
		if (crypto_aead_aes256gcm_is_available())
			want[nc++] = FULFIL_CIPHER_AES256GCM;
		want[nc++] = FULFIL_CIPHER_XCHACHA20POLY1305;
	}
	memset(sec, 0, sizeof sec);
	for (i = 0; i < nc; i++)
		if (crypto_cipher_resolve(want[i], &sec[i].cipher, &err) != 0) {
			fprintf(stderr, "ingest: %s\n", err.msg);
			return 2;
		}

	bu_progress("ingest", "generating %zu orders", o.orders);
	if (bu_workload_make(
	        &w, "B", o.orders, o.batch, o.lookups, BU_SEED_ORDERS) != 0 ||
	    bu_workload_make(&ww, "W", WARMUP_ORDERS, o.batch, WARMUP_LOOKUPS,
	        BU_SEED_WARMUP) != 0)
		return 1;
	if ((dir = bu_mkdtemp("ingest")) == NULL)
		goto out;
	bu_machine_describe(&m, dir);

	for (i = 0; i < nc; i++) {
		struct section *s = &sec[i];
		const char *cn = crypto_cipher_name(s->cipher);

		if (run_section(&o, dir, s, &w, &ww) != 0) {
			fprintf(stderr,
			    "ingest: %s: the benchmark could not "
			    "run\n",
			    cn);
			goto out;
		}
		section_rows(s, w.norders);
	}
	bu_loadavg(m.load_end);

	if (o.json) {
		emit_json(&o, &m, &w, sec, nc);
	} else if (o.kv) {
		emit_kv(&o, &m, &w, sec, nc);
	} else {
		print_header(&o, &m, &w, dir);
		for (i = 0; i < nc; i++)
			print_section(&sec[i]);
	}
	rc = 0;
out:
	if (dir != NULL) {
		bu_rmtree(dir);
		free(dir);
	}
	bu_workload_free(&w);
	bu_workload_free(&ww);
	return rc;
}
