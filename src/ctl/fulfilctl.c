/*
 * fulfilctl: the administration CLI. Parses the global options, loads the
 * configuration and dispatches through one command table, from which
 * --help is also printed. Holds no rules of its own.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fconfig.h"
#include "ferr.h"
#include "i18n.h"
#include "proc.h"

const struct ctl_command ctl_commands[] = {
	{ "init", "", N_("create the data dir, key, schema and station identity"),
	    cmd_init },
	{ "import", "FILE|-", N_("import orders from a JSON file or stdin"),
	    cmd_import },
	{ "status", "[--json]", N_("show the cache: orders, customer data, "
	    "cipher, sync, outbox"), cmd_status },
	{ "check", "[--json]", N_("decrypt every order in memory and report "
	    "any that fail authentication"), cmd_check },
	{ "users", "[--json]", N_("list people with their roles, expiry and "
	    "lock state"), cmd_users },
	{ "grant", "USER ROLE [--days N]", N_("grant a role (picker, packer, "
	    "dispatcher, supervisor, auditor) for N days (default 90)"),
	    cmd_grant },
	{ "revoke", "USER ROLE [--reason left|job-change|review|security]",
	    N_("revoke a role at once, also in a running "
	    "session"), cmd_revoke },
	{ "unlock", "USER [--reason verified|mistyped|scanner|reviewed]",
	    N_("unlock a person locked after failed logins"),
	    cmd_unlock },
	{ "audit", "[--verify] [--since WHEN] [--json]", N_("show the security "
	    "log; --verify checks its hash chain"), cmd_audit },
	{ "reveals", "[--since WHEN] [--json]", N_("the PII reveals with "
	    "their reasons and texts, for an investigation"), cmd_reveals },
	{ "fields", "[--json]", N_("the inventory of order fields: PII or not, "
	    "who sees them how, where stored, how disposed"), cmd_fields },
	{ "language", "USER [en|pl|es|default]", N_("show or set the language "
	    "a person's screens use after login"), cmd_language },
	{ "purge", "--order ID | --delivered | --all --certificate FILE",
	    N_("erase customer data now; --all destroys every key and the "
	    "cache and writes a signed deletion certificate"), cmd_purge },
	{ "rekey", "", N_("replace the key-encryption key now (a new key "
	    "epoch) and destroy the old one"), cmd_rekey },
	{ "verify-certificate", "FILE [--pubkey HEX]", N_("check a deletion "
	    "certificate's signature against the station's public key"),
	    cmd_verify_certificate },
	{ "report", "[--json]", N_("compliance evidence, one entry per rule "
	    "R1-R16; exit 1 if a rule is violated now"), cmd_report },
	{ "sync", "[--once]", N_("pull orders from the order system, push the "
	    "outbox and alerts; without --once every [sync] interval"),
	    cmd_sync },
	{ NULL, NULL, NULL, NULL },
};

static void
ctl_print_help(FILE *f)
{
	const struct ctl_command *cmd;

	fprintf(f, _("usage: fulfilctl [--config FILE] COMMAND [ARGS]\n"));
	fprintf(f, _("       fulfilctl --help | --version\n\n"));
	fprintf(f, _("commands:\n"));
	for (cmd = ctl_commands; cmd->name != NULL; cmd++)
		fprintf(f, "  %-8s %s\n  %-8s   %s\n", cmd->name, cmd->args,
		    "", _(cmd->summary));
	fprintf(f, _("\nexit status: 0 success, 1 the operation failed, "
	    "2 usage or configuration error\n"));
	fprintf(f, _("configuration: --config FILE, else $FULFIL_CONFIG, "
	    "else %s\n"), CONFIG_DEFAULT_PATH);
}

int
ctl_fail(const struct ferr *err)
{
	fprintf(stderr, "fulfilctl: %s\n", err->msg[0] ? err->msg :
	    ferr_name(err->code));
	switch (err->code) {
	case FULFIL_ECONFIG:
	case FULFIL_EPERM:
	case FULFIL_EKEY:
		return CTL_EXIT_USAGE;
	default:
		return CTL_EXIT_FAILED;
	}
}

int
ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fulfilctl: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_EXIT_USAGE;
}

int
ctl_command_usage(const char *name, int code)
{
	const struct ctl_command *cmd;
	FILE *f = code == CTL_EXIT_OK ? stdout : stderr;

	for (cmd = ctl_commands; cmd->name != NULL; cmd++) {
		if (strcmp(cmd->name, name) != 0)
			continue;
		fprintf(f, _("usage: fulfilctl [--config FILE] %s %s\n"),
		    cmd->name, cmd->args);
		fprintf(f, "%s\n", _(cmd->summary));
		break;
	}
	return code;
}

bool
ctl_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

/*
 * An unexpected argument as a usage error may show it: only when it is
 * short printable ASCII (it is not a login name, so it is not checked as
 * one, but it may still be anything).
 */
const char *
ctl_shown(const char *arg)
{
	size_t i;

	for (i = 0; arg[i] != '\0'; i++)
		if (i >= 64 || (unsigned char)arg[i] < 0x21 ||
		    (unsigned char)arg[i] > 0x7e)
			return _("(not shown)");
	return arg;
}

int
main(int argc, char **argv)
{
	const struct ctl_command *cmd;
	struct ctl c = { 0 };
	struct ferr err = { 0 };
	int i, r;

	i18n_init();
	if (proc_harden(&err) != 0)
		return ctl_fail(&err);

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			ctl_print_help(stdout);
			return CTL_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("fulfilctl %s\n", PACKAGE_VERSION);
			return CTL_EXIT_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			c.config_path = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			c.config_path = argv[i] + 9;
		} else {
			fprintf(stderr, _("fulfilctl: unknown option '%s'\n"),
			    ctl_shown(argv[i]));
			ctl_print_help(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		ctl_print_help(stderr);
		return CTL_EXIT_USAGE;
	}
	for (cmd = ctl_commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[i]) == 0)
			break;
	if (cmd->name == NULL) {
		fprintf(stderr, _("fulfilctl: unknown command '%s' (see "
		    "'fulfilctl --help')\n"), ctl_shown(argv[i]));
		return CTL_EXIT_USAGE;
	}
	if (ctl_wants_help(argc - i, argv + i))
		return ctl_command_usage(cmd->name, CTL_EXIT_OK);
	if (config_load(c.config_path, &c.cfg, &err) != 0)
		return ctl_fail(&err);
	r = cmd->run(&c, argc - i, argv + i);
	config_free(c.cfg);
	return r;
}
