/*
 * proc: start-up hardening shared by fulfil and fulfilctl.
 * Owns the process-wide settings (core dumps, umask, allocator hooks);
 * must run before any secret exists.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif
#ifdef HAVE_MALLOC_USABLE_SIZE
#include <malloc.h>
#endif

#include <jansson.h>
#include <sodium.h>

#include "ferr.h"
#include "i18n.h"
#include "proc.h"

/*
 * jansson holds decoded order text (names, addresses) in ordinary heap
 * memory while we validate it. Wipe every block it frees so nothing
 * lingers in freed heap pages.
 */
static void
proc_json_free(void *p)
{
#ifdef HAVE_MALLOC_USABLE_SIZE
	if (p != NULL)
		sodium_memzero(p, malloc_usable_size(p));
#endif
	free(p);
}

int
proc_harden(struct ferr *err)
{
	struct rlimit rl = { 0, 0 };

	umask(077);
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return ferr_set(err, FULFIL_EIO, _("cannot disable core dumps: %s"),
		    strerror(errno));
#ifdef HAVE_SYS_PRCTL_H
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return ferr_set(err, FULFIL_EIO,
		    _("cannot mark the process non-dumpable: %s"), strerror(errno));
#endif
	if (sodium_init() < 0)
		return ferr_set(err, FULFIL_ECRYPTO, _("libsodium failed to initialise"));
	json_set_alloc_funcs(malloc, proc_json_free);
	return 0;
}
