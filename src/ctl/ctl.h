/*
 * ctl: fulfilctl's commands. Argument parsing and output only; every
 * decision is made by src/core.
 */
#ifndef FULFIL_CTL_H
#define FULFIL_CTL_H

#include <stdbool.h>

#include "fconfig.h"
#include "ferr.h"

/* Exit codes of the DESIGN.md contract. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1,	/* the operation failed */
	CTL_EXIT_USAGE = 2,	/* usage or configuration error */
};

struct ctl {
	const char *config_path;	/* --config, or NULL */
	struct fulfil_config *cfg;	/* loaded before a command runs */
};

struct ctl_command {
	const char *name;
	const char *args;	/* usage after the name */
	const char *summary;	/* N_() text */
	int (*run)(struct ctl *c, int argc, char **argv);
};

/* The command table (fulfilctl.c); ends with a NULL name. */
extern const struct ctl_command ctl_commands[];

/* Print "fulfilctl: MSG" on stderr; returns the exit code for err->code. */
int ctl_fail(const struct ferr *err);

/* Print "fulfilctl: CMD: MSG" (usage errors) and return CTL_EXIT_USAGE. */
/*
 * An argument as an error message may echo it: itself when it is at most
 * 64 bytes of printable ASCII without spaces, else "(not shown)" (it may
 * be anything: escape sequences, a password typed in the wrong place).
 */
const char *ctl_shown(const char *arg);
int ctl_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print "usage: fulfilctl CMD ARGS" for one command and return code. */
int ctl_command_usage(const char *name, int code);

/* True when argv holds --help/-h; commands call it first. */
bool ctl_wants_help(int argc, char **argv);

int cmd_init(struct ctl *c, int argc, char **argv);
int cmd_import(struct ctl *c, int argc, char **argv);
int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_check(struct ctl *c, int argc, char **argv);
int cmd_users(struct ctl *c, int argc, char **argv);	/* cmd_users.c */
int cmd_grant(struct ctl *c, int argc, char **argv);
int cmd_revoke(struct ctl *c, int argc, char **argv);
int cmd_unlock(struct ctl *c, int argc, char **argv);
int cmd_audit(struct ctl *c, int argc, char **argv);	/* cmd_audit.c */
int cmd_reveals(struct ctl *c, int argc, char **argv);	/* cmd_audit.c */
int cmd_fields(struct ctl *c, int argc, char **argv);	/* cmd_fields.c */
int cmd_language(struct ctl *c, int argc, char **argv);	/* cmd_people.c */
int cmd_sync(struct ctl *c, int argc, char **argv);	/* cmd_sync.c */
int cmd_purge(struct ctl *c, int argc, char **argv);	/* cmd_retention.c */
int cmd_rekey(struct ctl *c, int argc, char **argv);
int cmd_verify_certificate(struct ctl *c, int argc, char **argv);
int cmd_report(struct ctl *c, int argc, char **argv);

struct station;
/*
 * The upkeep of every fulfilctl command that changes orders, on its
 * writable station: the retention sweep (prints what it wiped) and the
 * key rotation when the epoch is due (cmd_retention.c).
 */
int ctl_upkeep(struct station *s, const char *actor, struct ferr *err);

#endif
