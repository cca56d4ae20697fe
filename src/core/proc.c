/*
 * proc: start-up hardening shared by fulfil and fulfilctl.
 * Owns the process-wide settings (core dumps, umask, allocator hooks)
 * and the one-way drop from root to the service account; must run before
 * any secret exists. It must never leave a way back to root: a drop is
 * verified, and a failed one is an error the caller exits on.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
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

/* The longest passwd entry buffer we are willing to allocate. */
#define PROC_PW_BUF_MAX (1024 * 1024)

/* uid and primary gid of the account name, via getpwnam_r. */
static int
proc_lookup_account(const char *name, uid_t *uid, gid_t *gid,
    struct ferr *err)
{
	struct passwd pw, *found = NULL;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len = hint > 0 ? (size_t)hint : 16384;
	char *buf = NULL;
	int e, r;

	for (;;) {
		if ((buf = malloc(len)) == NULL)
			return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		e = getpwnam_r(name, &pw, buf, len, &found);
		if (e != ERANGE || len >= PROC_PW_BUF_MAX)
			break;
		free(buf);
		buf = NULL;
		len *= 2;
	}
	if (e != 0) {
		r = ferr_set(err, FULFIL_EIO,
		    _("cannot look up the service account %.64s: %s"), name,
		    strerror(e));
		goto out;
	}
	if (found == NULL) {
		r = ferr_set(err, FULFIL_ECONFIG,
		    _("[auth] service_user: no account named %.64s"), name);
		goto out;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	r = 0;
out:
	free(buf);
	return r;
}

/* After the drop: every id is the account's and root is out of reach. */
static int
proc_verify_dropped(uid_t uid, gid_t gid, struct ferr *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	gid_t groups[256];
	int i, n;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot read the process ids: %s"), strerror(errno));
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid)
		return ferr_set(err, FULFIL_EPERM,
		    _("dropping privileges left other user or group ids"));
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 ||
	    setegid(0) == 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("root is still reachable after dropping privileges"));
	n = getgroups((int)(sizeof groups / sizeof groups[0]), groups);
	if (n < 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot read the supplementary groups: %s"),
		    strerror(errno));
	for (i = 0; i < n; i++)
		if (groups[i] == 0)
			return ferr_set(err, FULFIL_EPERM,
			    _("the service account is in group root"));
	return 0;
}

int
proc_drop_privileges(const char *service_user, struct proc_drop_result *res,
    struct ferr *err)
{
	struct proc_drop_result dummy;
	uid_t ru, eu, su, uid = 0;
	gid_t gid = 0;
	int r;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof *res);
	if (getresuid(&ru, &eu, &su) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot read the process ids: %s"), strerror(errno));
	if (ru != 0 && eu != 0 && su != 0) {
		/* Not root: nothing to give up, and nothing to refuse. */
		res->uid = eu;
		res->gid = getegid();
		return 0;
	}
	if (service_user == NULL || *service_user == '\0')
		return ferr_set(err, FULFIL_EPERM,
		    _("started as root without [auth] service_user: "
		    "refusing to run the terminal as root"));
	if ((r = proc_lookup_account(service_user, &uid, &gid, err)) != 0)
		return r;
	if (uid == 0 || gid == 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("[auth] service_user %.64s is root or in group root: "
		    "refusing"), service_user);
	/* A saved uid 0 alone cannot set other ids: take it up first. */
	if (eu != 0 && seteuid(0) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot regain root to drop it: %s"), strerror(errno));
	if (initgroups(service_user, gid) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot set the groups of %.64s: %s"), service_user,
		    strerror(errno));
	if (setresgid(gid, gid, gid) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot change group to that of %.64s: %s"), service_user,
		    strerror(errno));
	if (setresuid(uid, uid, uid) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot change user to %.64s: %s"), service_user,
		    strerror(errno));
	if ((r = proc_verify_dropped(uid, gid, err)) != 0)
		return r;
#ifdef HAVE_SYS_PRCTL_H
	/* No exec can ever give these ids back (setuid binaries, caps). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot set no_new_privs: %s"), strerror(errno));
#endif
	res->dropped = true;
	res->uid = uid;
	res->gid = gid;
	return 0;
}
