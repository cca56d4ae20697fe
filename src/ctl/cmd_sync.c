/*
 * cmd_sync: fulfilctl sync [--once].
 *
 * Argument parsing, progress on a terminal and the summary; the protocol
 * is the core's sync module. Without --once it runs every [sync]
 * interval until SIGTERM or SIGINT. Prints counts only, never order data.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ferr.h"
#include "i18n.h"
#include "station.h"
#include "sync.h"

static volatile sig_atomic_t sync_stop;

static void
on_signal(int sig)
{
	(void)sig;
	sync_stop = 1;
}

struct progress {
	bool tty;
	bool shown;
};

static void
show_progress(void *ctx, const struct sync_progress *p)
{
	struct progress *pr = ctx;

	if (!pr->tty)
		return;
	fprintf(stderr, _("\rsync: %zu orders in %zu pages, %zu events pushed"),
	    p->orders, p->pages, p->events);
	fflush(stderr);
	pr->shown = true;
}

static void
print_result(const struct sync_result *res)
{
	printf(_("pulled %zu orders in %zu pages (%zu new, %zu updated, "
	    "%zu unchanged); pushed %zu events, %zu alerts; outbox %lld\n"),
	    res->received, res->pages, res->imported, res->updated,
	    res->unchanged, res->events_pushed, res->alerts_pushed,
	    (long long)res->outbox);
	if (res->wiped > 0 && !res->remote_wipe)
		printf(_("customer data wiped from %zu orders (delivered or "
		    "cancelled)\n"), res->wiped);
	fflush(stdout);
}

/* Sleep secs unless a signal stops us first. */
static void
nap(int64_t secs)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int64_t i;

	for (i = 0; i < secs * 10 && !sync_stop; i++)
		nanosleep(&ts, NULL);
}

int
cmd_sync(struct ctl *c, int argc, char **argv)
{
	struct sync_options opt = { 0 };
	struct progress pr = { 0 };
	struct sync_result res;
	struct sigaction sa;
	struct station *s = NULL;
	struct sync *sy = NULL;
	struct ferr err = { 0 };
	char actor[STATION_USER_MAX];
	bool once = false;
	int i, r, code = CTL_EXIT_OK;
	int64_t wait;

	if (ctl_wants_help(argc, argv))
		return ctl_command_usage("sync", CTL_EXIT_OK);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			once = true;
		else
			return ctl_usage_error("sync",
			    _("unexpected argument '%s'"), ctl_shown(argv[i]));
	}
	if (station_os_user(actor, &err) != 0 ||
	    (r = sync_new(c->cfg, &sy, &err)) != 0)
		return ctl_fail(&err);
	if (station_open_as(c->cfg, STATION_SOURCE_SYNC, false, &s,
	    &err) != 0) {
		code = ctl_fail(&err);
		goto out;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pr.tty = isatty(STDERR_FILENO) == 1;
	opt.progress = show_progress;
	opt.progress_ctx = &pr;
	opt.stop = &sync_stop;
	for (;;) {
		ferr_clear(&err);
		pr.shown = false;
		r = sync_run(sy, &s, &opt, &res, &err);
		if (pr.shown)
			fputc('\n', stderr);
		print_result(&res);
		if (res.remote_wipe)
			printf(_("remote wipe: the cache was erased as the order "
			    "system asked\n"));
		if (r != 0) {
			fprintf(stderr, "fulfilctl: sync: %s\n", err.msg);
			code = CTL_EXIT_FAILED;
		} else {
			code = CTL_EXIT_OK;
		}
		/* The sweep ran after each page; this adds the key epoch. */
		ferr_clear(&err);
		if (s != NULL && ctl_upkeep(s, actor, &err) != 0) {
			fprintf(stderr, "fulfilctl: sync: %s\n", err.msg);
			code = CTL_EXIT_FAILED;
		}
		if (once || sync_stop || res.auth_refused || s == NULL)
			break;
		wait = c->cfg->sync.interval;
		if (res.retry_after > wait)
			wait = res.retry_after;
		nap(wait);
		if (sync_stop)
			break;
	}
	/* Stopped by a signal between runs: that is how the loop ends. */
	if (sync_stop && !once && !res.auth_refused)
		code = CTL_EXIT_OK;
out:
	station_close(s);
	sync_free(sy);
	return code;
}
