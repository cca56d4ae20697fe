/*
 * proc: process-wide safety that both programs set up before anything else.
 */
#ifndef FULFIL_PROC_H
#define FULFIL_PROC_H

#include "ferr.h"

/*
 * Disable core dumps (RLIMIT_CORE = 0 and PR_SET_DUMPABLE = 0), set the
 * umask to 077 so every file the program creates is private, initialise
 * libsodium and make jansson wipe what it frees. Call once at start-up,
 * before any key or order is touched.
 */
int proc_harden(struct ferr *err);

#endif
