/*
 * fulfil: the terminal. Until the terminal issue lands this program only
 * hardens itself, prints its version and exits; administration is
 * fulfilctl's. It never touches the cache yet.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ferr.h"
#include "i18n.h"
#include "proc.h"

int
main(int argc, char **argv)
{
	struct ferr err = { 0 };

	i18n_init();
	if (proc_harden(&err) != 0) {
		fprintf(stderr, "fulfil: %s\n", err.msg);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf(_("usage: fulfil [--config FILE] | --version\n"));
		printf(_("The terminal screens are not built yet; use fulfilctl.\n"));
		return 0;
	}
	printf("fulfil %s\n", PACKAGE_VERSION);
	printf(_("The terminal screens are not built yet; use fulfilctl.\n"));
	return 0;
}
