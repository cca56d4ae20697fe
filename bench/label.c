/*
 * label: how much rendering a dispatch label costs on top of sending it.
 *
 * A printer stand-in runs in a thread on 127.0.0.1 (port 0): it accepts
 * connections one after another, reads each to the end, discards the
 * bytes and closes. Two pipelines take turns, --repeat rounds each, over
 * --labels synthetic labels (ZPL, --dpi):
 *   floor   printer_send of bytes rendered before the clock started;
 *   fulfil  label_render + printer_send + giving the buffer back.
 * Each is timed per label (connect, write, close included); the report
 * has p50 and p99 of both and their ratio, target <= 2x at p50.
 *
 * Owns nothing but its socket and thread; prints counts and times only,
 * never label text (all of it synthetic anyway); never exits non-zero
 * because a target was missed.
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "benchutil.h"
#include "ferr.h"
#include "label.h"
#include "printer.h"
#include "proc.h"
#include "secret.h"

#define DEFAULT_LABELS 10000
#define WARMUP_LABELS 200
#define TARGET_RATIO 2.0
#define NROWS 2
#define SEED_LABELS UINT64_C(0x66756c66696c0004)

struct opts {
	size_t labels, repeat;
	int dpi, kv;
};

struct standin {
	int lfd, port;
	volatile int stop;
	pthread_t th;
};

/* One synthetic label: its data and its strings. */
struct item {
	struct label_data d;
	char name[48], line1[64], city[32], postcode[16], ref[24], id[24],
	    tracking[24];
	unsigned char *bytes;	/* pre-rendered, for the floor */
	size_t len;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: label [--labels N] [--repeat N] [--dpi 203|300] "
	    "[--kv]\n"
	    "  render + send N dispatch labels (default %d) to a printer "
	    "stand-in on 127.0.0.1,\n"
	    "  next to sending the same bytes without rendering\n",
	    DEFAULT_LABELS);
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "labels", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "dpi", required_argument, NULL, 'd' },
		{ "kv", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	o->labels = DEFAULT_LABELS;
	o->repeat = BU_DEFAULT_REPEAT;
	o->dpi = LABEL_DPI_203;
	o->kv = 0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->labels = strtoul(optarg, &end, 10);
			if (*end != '\0' || o->labels == 0)
				goto bad;
			break;
		case 'r':
			o->repeat = strtoul(optarg, &end, 10);
			if (*end != '\0' || o->repeat == 0 ||
			    o->repeat > BU_REPEAT_MAX)
				goto bad;
			break;
		case 'd':
			o->dpi = atoi(optarg);
			if (o->dpi != LABEL_DPI_203 && o->dpi != LABEL_DPI_300)
				goto bad;
			break;
		case 'k':
			o->kv = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return 0;
bad:
	usage(stderr);
	return -1;
}

static void *
standin_run(void *arg)
{
	struct standin *s = arg;
	char buf[65536];

	while (!s->stop) {
		int c = accept(s->lfd, NULL, NULL);

		if (c < 0)
			continue;
		while (read(c, buf, sizeof buf) > 0)
			;
		close(c);
	}
	return NULL;
}

static int
standin_start(struct standin *s)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;

	memset(s, 0, sizeof *s);
	if ((s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(s->lfd, 64) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->th, NULL, standin_run, s) == 0 ? 0 : -1;
}

static void
standin_stop(struct standin *s, const char *uri)
{
	s->stop = 1;
	/* Wake accept() with one last connection. */
	(void)printer_send(uri, NULL, "", 0, NULL, NULL, NULL);
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static void
make_items(struct item *it, size_t n, uint64_t seed)
{
	static const char *const first[] = { "Ada", "Grace", "Alan", "Edsger",
	    "Barbara", "Donald", "Frances", "Ken" };
	static const char *const last[] = { "Testperson", "Example",
	    "Samplewood", "Placeholder", "Fictional-Name" };
	struct bu_rng r;
	size_t i;

	bu_rng_seed(&r, seed);
	for (i = 0; i < n; i++) {
		struct item *x = &it[i];

		memset(x, 0, sizeof *x);
		snprintf(x->name, sizeof x->name, "%s %s",
		    first[bu_rng_below(&r, 8)], last[bu_rng_below(&r, 5)]);
		snprintf(x->line1, sizeof x->line1, "%u Example Street",
		    bu_rng_below(&r, 500) + 1);
		snprintf(x->city, sizeof x->city, "Testville %u",
		    bu_rng_below(&r, 90) + 10);
		snprintf(x->postcode, sizeof x->postcode, "EX%u %uMP",
		    bu_rng_below(&r, 9) + 1, bu_rng_below(&r, 9) + 1);
		snprintf(x->ref, sizeof x->ref, "114-%07u-%07u",
		    bu_rng_below(&r, 10000000), bu_rng_below(&r, 10000000));
		snprintf(x->id, sizeof x->id, "B-%07zu", i);
		snprintf(x->tracking, sizeof x->tracking, "TRK%09uGB",
		    bu_rng_below(&r, 1000000000));
		x->d.sender = "Example Ltd, Unit 4, Example Park, EX1 2MP, GB";
		x->d.name = x->name;
		x->d.line1 = x->line1;
		x->d.line2 = (i % 3) ? "Flat 2" : NULL;
		x->d.city = x->city;
		x->d.region = "Exampleshire";
		x->d.postcode = x->postcode;
		x->d.country = "GB";
		x->d.service = "Standard";
		x->d.order_id = x->id;
		x->d.ref = x->ref;
		x->d.tracking = (i % 2) ? x->tracking : NULL;
		x->d.items = (long)bu_rng_below(&r, 5) + 1;
		x->d.weight_g = (long)bu_rng_below(&r, 5000);
		x->d.ship_by = 1795453200;
	}
}

/* Pre-render every label for the floor (bytes outside the clock). */
static int
prerender(struct item *it, size_t n, int dpi)
{
	struct secret *s = NULL;
	struct ferr err;
	size_t i;

	for (i = 0; i < n; i++) {
		if (label_render(LABEL_ZPL, dpi, &it[i].d, &s, &err) != 0) {
			fprintf(stderr, "label: %s\n", err.msg);
			return -1;
		}
		if ((it[i].bytes = malloc(s->len)) == NULL) {
			secret_free(s);
			return -1;
		}
		memcpy(it[i].bytes, s->data, s->len);
		it[i].len = s->len;
		secret_pool_put(s);
	}
	return 0;
}

/* One pipeline over every label; us[i] per label. 0 or -1. */
static int
run(const char *uri, struct item *it, size_t n, int dpi, int render,
    double *us)
{
	struct secret *s = NULL;
	struct ferr err;
	size_t i;
	double t0;
	int r;

	for (i = 0; i < n; i++) {
		t0 = bu_now();
		if (render) {
			if (label_render(LABEL_ZPL, dpi, &it[i].d, &s,
			    &err) != 0)
				goto fail;
			r = printer_send(uri, NULL, s->data, s->len, NULL, NULL,
			    &err);
			secret_pool_put(s);
		} else {
			r = printer_send(uri, NULL, it[i].bytes, it[i].len,
			    NULL, NULL, &err);
		}
		if (r != 0)
			goto fail;
		us[i] = (bu_now() - t0) * 1e6;
	}
	return 0;
fail:
	fprintf(stderr, "label: %s\n", err.msg);
	return -1;
}

int
main(int argc, char **argv)
{
	struct standin sd;
	struct opts o;
	struct ferr err = { 0, "" };
	struct item *it = NULL, *warm = NULL;
	struct bu_machine m;
	struct bu_row rows[NROWS];
	double *us = NULL, p50[2][BU_REPEAT_MAX], p99[2][BU_REPEAT_MAX];
	double bytes = 0;
	char uri[64];
	size_t i, k, round;
	int rc = 1, r;

	if (proc_harden(&err) != 0) {
		fprintf(stderr, "label: %s\n", err.msg);
		return 1;
	}
	if ((r = parse_opts(argc, argv, &o)) != 0)
		return r > 0 ? 0 : 2;
	bu_machine_describe(&m, "/tmp");
	if (standin_start(&sd) != 0) {
		perror("label: printer stand-in");
		return 1;
	}
	snprintf(uri, sizeof uri, "tcp://127.0.0.1:%d", sd.port);
	it = calloc(o.labels, sizeof *it);
	warm = calloc(WARMUP_LABELS, sizeof *warm);
	us = calloc(o.labels > WARMUP_LABELS ? o.labels : WARMUP_LABELS,
	    sizeof *us);
	if (it == NULL || warm == NULL || us == NULL)
		goto out;
	bu_progress("label", "rendering %zu labels for the floor", o.labels);
	make_items(it, o.labels, SEED_LABELS);
	make_items(warm, WARMUP_LABELS, BU_SEED_WARMUP);
	if (prerender(it, o.labels, o.dpi) != 0 ||
	    prerender(warm, WARMUP_LABELS, o.dpi) != 0)
		goto out;
	for (i = 0; i < o.labels; i++)
		bytes += (double)it[i].len;
	if (run(uri, warm, WARMUP_LABELS, o.dpi, 0, us) != 0 ||
	    run(uri, warm, WARMUP_LABELS, o.dpi, 1, us) != 0)
		goto out;
	for (round = 0; round < o.repeat; round++) {
		bu_progress("label", "round %zu of %zu", round + 1, o.repeat);
		for (k = 0; k < 2; k++) {
			/* Take turns going first. */
			int render = (int)((k + round) % 2);

			if (run(uri, it, o.labels, o.dpi, render, us) != 0)
				goto out;
			bu_sort(us, o.labels);
			p50[render][round] = bu_percentile(us, o.labels, 50);
			p99[render][round] = bu_percentile(us, o.labels, 99);
		}
	}
	bu_loadavg(m.load_end);
	memset(rows, 0, sizeof rows);
	rows[0] = (struct bu_row){ "label_p50_us", "render + send p50, µs",
	    BU_COST, bu_median(p50[1], o.repeat), bu_median(p50[0], o.repeat),
	    BU_RATIO_AT_MOST, TARGET_RATIO };
	rows[1] = (struct bu_row){ "label_p99_us", "render + send p99, µs",
	    BU_COST, bu_median(p99[1], o.repeat), bu_median(p99[0], o.repeat),
	    BU_INFO, 0 };
	if (o.kv) {
		bu_table_kv(stdout, "label", rows, NROWS);
	} else {
		printf("\ndispatch labels (bench/label)\n");
		printf("  machine:   %ld cores, %s; load %s at the start, %s "
		    "at the end\n", m.cores, m.cpu, m.load, m.load_end);
		printf("  workload:  %zu synthetic ZPL labels at %d dpi "
		    "(%.0f bytes each on average), one\n             "
		    "connection each to a stand-in on 127.0.0.1 that reads "
		    "and discards;\n             %zu rounds, pipelines taking "
		    "turns; medians over the rounds\n", o.labels, o.dpi,
		    bytes / (double)o.labels, o.repeat);
		printf("  floor:     printer_send of the same bytes, rendered "
		    "before the clock started\n");
		bu_table_print(stdout, "fulfil", "send only", rows, NROWS);
		printf("  rounds, p50 µs: fulfil");
		for (round = 0; round < o.repeat; round++)
			printf(" %.1f", p50[1][round]);
		printf("; floor");
		for (round = 0; round < o.repeat; round++)
			printf(" %.1f", p50[0][round]);
		printf("\n  => %s\n", strcmp(bu_row_verdict(&rows[0]),
		    "MISSED") == 0 ? "MISSED: render + send is more than 2x "
		    "the floor" : "target met");
	}
	rc = 0;
out:
	standin_stop(&sd, uri);
	for (i = 0; it != NULL && i < o.labels; i++)
		free(it[i].bytes);
	for (i = 0; warm != NULL && i < WARMUP_LABELS; i++)
		free(warm[i].bytes);
	free(it);
	free(warm);
	free(us);
	secret_pool_drain();
	return rc;
}
