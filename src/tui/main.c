/*
 * fulfil: the terminal people log in to at a station.
 *
 * Owns the start-up order and the exit status; the login flow itself is
 * tui/login.c, every rule is the core's. The order is fixed (DESIGN.md
 * "Who may check passwords", doc/privsep.md):
 *
 *   1. i18n_init, proc_harden (no core dumps, umask 077), the options
 *      (--config FILE, --help, --version; anything else: exit 2).
 *   2. config_load (an error: one line on stderr, exit 2).
 *   3. stdin and stdout must be a terminal ("fulfil needs a terminal",
 *      exit 2); its name, for PAM_TTY, is taken now.
 *   4. monitor_start: the PAM monitor is forked; it keeps root when we
 *      were started as root, and its own copy of the PAM settings.
 *      Always started: without root both halves run as one user, and
 *      logins still go through the relay.
 *   5. proc_drop_privileges([auth] service_user): as root the terminal
 *      becomes the service account for good, and refuses to go on as
 *      root without one (exit 2); otherwise nothing changes.
 *   6. station_open_as(STATION_SOURCE_TERMINAL): the cache, only now.
 *   7. the screens (ui_open: curses in the alternate screen), the
 *      background thread (sync_bg_start: its own station and sqlite
 *      connection; sync with [sync] url, retention upkeep hourly either
 *      way; stopped before step 8) and the login loop on them
 *      (login_run, with screen_home while someone is logged in) until
 *      end of input (^D) at User: (exit 0) or SIGINT/SIGTERM/SIGHUP/
 *      SIGQUIT (the person logged out, the screen cleared and given
 *      back, exit 128 + the signal).
 *   8. station_close, monitor_stop, config_free.
 *
 * Must never: touch the cache, read the keyboard or show anything but a
 * start-up error before the drop (step 5) is done; go on as root after
 * it; include curses (ui.c does), sqlite, sodium or curl headers.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fconfig.h"
#include "ferr.h"
#include "i18n.h"
#include "login.h"
#include "monitor.h"
#include "people.h"
#include "proc.h"
#include "retention.h"
#include "screens.h"
#include "station.h"
#include "sync.h"
#include "ui.h"

#define EXIT_FAILED 1	/* the terminal or the cache failed */
#define EXIT_USAGE 2	/* usage, configuration, no terminal, root */

struct opts {
	const char *config;	/* NULL: $FULFIL_CONFIG or the default */
};

static void
usage(FILE *f)
{
	fprintf(f, _("usage: fulfil [--config FILE]\n"
	    "       fulfil --help | --version\n"));
	fprintf(f, _("The terminal of a packing station: log in with your "
	    "own account.\n"));
}

/* Print an argument in an error, non-printable bytes as '?'. */
static void
print_arg(FILE *f, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 64; i++)
		fputc(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?', f);
	if (s[i] != '\0')
		fputs("...", f);
}

/* 0 to go on, else the exit status (help, version, a bad option). */
static int
parse_options(int argc, char **argv, struct opts *o, bool *done)
{
	int i;

	*done = false;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			*done = true;
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("fulfil %s\n", PACKAGE_VERSION);
			*done = true;
			return 0;
		} else if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, _("fulfil: --config needs a "
				    "file\n"));
				return EXIT_USAGE;
			}
			o->config = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0 &&
		    argv[i][9] != '\0') {
			o->config = argv[i] + 9;
		} else {
			fputs(_("fulfil: unknown argument: "), stderr);
			print_arg(stderr, argv[i]);
			fputc('\n', stderr);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* One line on stderr; the exit status for err's code. */
static int
fail(const struct ferr *err)
{
	fprintf(stderr, "fulfil: %s\n", err->msg[0] != '\0' ? err->msg :
	    ferr_name(err->code));
	switch (err->code) {
	case FULFIL_ECONFIG:
	case FULFIL_EPERM:
	case FULFIL_EKEY:
		return EXIT_USAGE;
	default:
		return EXIT_FAILED;
	}
}

static bool
started_as_root(void)
{
	uid_t r, e, s;

	if (getresuid(&r, &e, &s) != 0)
		return true;	/* cannot tell: assume the worst */
	return r == 0 || e == 0 || s == 0;
}

/* Steps 4 and 5: the monitor, then the drop. */
static int
separate(const struct fulfil_config *cfg, struct monitor **mon,
    struct ferr *err)
{
	struct proc_drop_result drop;
	int r;

	if (started_as_root() && (cfg->auth.service_user == NULL ||
	    cfg->auth.service_user[0] == '\0'))
		return ferr_set(err, FULFIL_EPERM,
		    _("started as root without [auth] service_user: "
		    "refusing to run the terminal as root"));
	if ((r = monitor_start(cfg, mon, err)) != 0)
		return r;
	if ((r = proc_drop_privileges(cfg->auth.service_user, &drop,
	    err)) != 0)
		return r;
	if (geteuid() == 0 || getuid() == 0)	/* cannot happen */
		return ferr_set(err, FULFIL_EPERM,
		    _("still root after dropping privileges"));
	return 0;
}

/* While someone is logged in: the home screen and what it leads to. */
static enum login_read
session(void *sctx, struct auth_session *s)
{
	struct ui *ui = sctx;
	enum ui_act a;

	ui_set_session(ui, s);
	/* The person's language from now on; the station's at logout. */
	people_use_language(ui_station(ui) != NULL ?
	    ui_station(ui)->store : NULL, s->user);
	a = screen_home(ui);
	i18n_use_station_language();
	ui_set_session(ui, NULL);
	ui_wipe(ui);
	switch (a) {
	case UI_QUIT:
		return LOGIN_READ_STOP;
	case UI_LOGOUT:
		return ui_stop_signal() != 0 ? LOGIN_READ_STOP :
		    LOGIN_READ_LINE;
	default:
		return LOGIN_READ_LINE;
	}
}

static int
run(const struct opts *o)
{
	struct fulfil_config *cfg = NULL;
	struct monitor *mon = NULL;
	struct station *st = NULL;
	struct ui *ui = NULL;
	struct login l;
	struct ferr err = { 0 };
	char ttyname_buf[LOGIN_TTY_NAME_MAX + 1];
	static char notice[CONFIG_NOTICE_MAX + 2];
	int r, status;

	if (config_load(o->config, &cfg, &err) != 0) {
		fprintf(stderr, "fulfil: %s\n", err.msg);
		return EXIT_USAGE;
	}
	/* Read now, as the user that started us (a root-owned file). */
	if (config_notice_read(cfg, notice, sizeof notice, &err) != 0) {
		fprintf(stderr, "fulfil: %s\n", err.msg);
		status = EXIT_USAGE;
		goto out;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "fulfil: %s\n", _("fulfil needs a terminal"));
		status = EXIT_USAGE;
		goto out;
	}
	/* PAM_TTY; without a name (no /dev/pts here?) PAM gets none. */
	if (login_tty_name(STDIN_FILENO, ttyname_buf, sizeof ttyname_buf,
	    NULL) != 0)
		ttyname_buf[0] = '\0';
	if (separate(cfg, &mon, &err) != 0 ||
	    station_open_as(cfg, STATION_SOURCE_TERMINAL, false, &st,
	    &err) != 0 ||
	    retention_upkeep(st, NULL, (int64_t)time(NULL), NULL, NULL,
	    &err) != 0 ||
	    ui_open(cfg, st, &ui, &err) != 0) {
		status = fail(&err);
		goto out;
	}
	/* Background sync and upkeep: own thread and connection, never the
	 * UI's. */
	if (sync_bg_start(cfg, &err) != 0) {
		ui_close(ui);
		status = fail(&err);
		goto out;
	}
	memset(&l, 0, sizeof l);
	l.station = st;
	l.backend = monitor_backend;
	l.bctx = mon;
	l.tty = ttyname_buf[0] != '\0' ? ttyname_buf : NULL;
	l.ui = screen_login_ui(ui, notice);
	l.idle_logout = cfg->auth.idle_logout;
	l.session = session;
	l.sctx = ui;
	r = login_run(&l, &err);
	sync_bg_stop();
	ui_close(ui);
	if (r < 0)
		status = fail(&err);
	else
		status = r > 0 ? 128 + r : 0;
out:
	station_close(st);
	monitor_stop(mon);
	config_free(cfg);
	return status;
}

int
main(int argc, char **argv)
{
	struct opts o = { NULL };
	struct ferr err = { 0 };
	bool done;
	int r;

	i18n_init();
	if (proc_harden(&err) != 0) {
		fprintf(stderr, "fulfil: %s\n", err.msg);
		return EXIT_FAILED;
	}
	if ((r = parse_options(argc, argv, &o, &done)) != 0 || done)
		return r;
	return run(&o);
}
