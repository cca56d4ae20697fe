/*
 * proc: process-wide safety that both programs set up before anything else.
 */
#ifndef FULFIL_PROC_H
#define FULFIL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "ferr.h"

/*
 * Disable core dumps (RLIMIT_CORE = 0 and PR_SET_DUMPABLE = 0), set the
 * umask to 077 so every file the program creates is private, initialise
 * libsodium and make jansson wipe what it frees. Call once at start-up,
 * before any key or order is touched.
 */
int proc_harden(struct ferr *err);

/* What proc_drop_privileges did. */
struct proc_drop_result {
	bool dropped;		/* false: not root, nothing was changed */
	uid_t uid;		/* the ids the process now runs with */
	gid_t gid;
};

/*
 * Become service_user for good. Only when the process holds root (any of
 * its real, effective or saved user ids is 0): look the account up
 * (getpwnam_r), set its supplementary groups (initgroups), then
 * setresgid and setresuid to it, set PR_SET_NO_NEW_PRIVS, and verify that
 * all three user and group ids are the account's and that setuid(0) and
 * setgid(0) now fail. Without root it changes nothing and says so
 * (res->dropped false). As root with service_user NULL or empty, or naming
 * an account with uid 0, it refuses (FULFIL_EPERM): the terminal never
 * runs as root. An unknown account is FULFIL_ECONFIG. On any error the
 * caller must exit: the ids may be half changed. res may be NULL.
 *
 * The terminal calls monitor_start() first (the monitor keeps root), then
 * this, and only then opens the cache (see monitor.h).
 */
int proc_drop_privileges(const char *service_user,
    struct proc_drop_result *res, struct ferr *err);

#endif
