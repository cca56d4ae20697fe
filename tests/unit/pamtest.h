/*
 * pamtest: PAM test services for the unit tests, without root, real
 * accounts or LD_PRELOAD.
 *
 * pt_service_dir writes a service directory for pam_start_confdir()
 * ([auth] pam_confdir) whose `fulfil` file runs pam_matrix (named by
 * absolute path, from $PAM_MATRIX_MODULE) over a passdb of synthetic
 * people; `other` denies. pt_conv_fn is a scripted conversation for
 * auth_conv_fn: it answers prompts from a list and records every
 * message it is shown. Include after testutil.h (cmocka).
 */
#ifndef FULFIL_PAMTEST_H
#define FULFIL_PAMTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

/* The PAM service the test directories define. */
#define PT_SERVICE "fulfil"

/*
 * The absolute path of pam_matrix.so ($PAM_MATRIX_MODULE), or NULL when
 * it is unset or not a readable file.
 */
const char *pt_matrix_module(void);

/*
 * In a cmocka test (a void function): without pam_matrix, note it on
 * stderr and return. Not skip(): cmocka 1.1.5 reports a skipped test as
 * "not ok N # SKIP", which automake's TAP driver counts as a FAIL.
 */
#define PT_REQUIRE_MATRIX()                                                   \
	do {                                                                  \
		if (pt_matrix_module() == NULL) {                             \
			pt_note_skip();                                       \
			return;                                               \
		}                                                             \
	} while (0)
void pt_note_skip(void);

/*
 * For main() of a test program that needs pam_matrix throughout: without
 * it, print the TAP plan "1..0 # SKIP ..." and return true (main then
 * returns 0 and the whole program counts as skipped).
 */
bool pt_skip_all_without_matrix(void);

/* One passdb line: user:password:service (service NULL: PT_SERVICE). */
struct pt_user {
	const char *user;
	const char *password;
	const char *service;
};

/*
 * Write TMPDIR/passdb (0600) with users[][0]:users[][1]:fulfil lines (the
 * list ends with a {NULL, NULL} row) and the service dir TMPDIR/pam.d with
 *   fulfil: auth + account required pam_matrix.so passdb=TMPDIR/passdb
 *   other:  auth + account + password + session required pam_deny.so
 * Returns the service dir (caller frees), NULL on error or without
 * pam_matrix.
 */
char *pt_service_dir(const char *tmpdir, const char *const users[][2]);

/* The same with a service per line (list ends with a row of NULL user). */
char *pt_service_dir_users(const char *tmpdir, const struct pt_user *users);

/*
 * The same, but the `fulfil` file is: extra_before lines, the pam_matrix
 * auth line, extra_auth lines, the pam_matrix account line, extra_account
 * lines (each may be NULL; give whole lines ending in '\n'). The string
 * "@PASSDB@" in them is replaced by the passdb path.
 */
char *pt_service_dir_custom(const char *tmpdir, const struct pt_user *users,
    const char *extra_before, const char *extra_auth,
    const char *extra_account);

/* The passdb path pt_service_dir* wrote for tmpdir (caller frees). */
char *pt_passdb_path(const char *tmpdir);

/*
 * A scripted conversation. Prompts (echo on or off) are answered from
 * answers[] in order; a NULL answer, or running out of answers, cancels
 * (the callback returns -1). Every message and prompt shown is recorded
 * (up to PT_CONV_MAX, each cut at AUTH_MSG_MAX bytes).
 */
#define PT_CONV_MAX 16

struct pt_conv {
	const char *const *answers;
	size_t nanswers;
	size_t next;			/* answers used so far */
	size_t nshown;			/* calls recorded */
	enum auth_msg_style style[PT_CONV_MAX];
	char shown[PT_CONV_MAX][AUTH_MSG_MAX + 1];
	int cancels;			/* times it returned -1 */
};

/* Reset c to answer from answers[0 .. n - 1]. */
void pt_conv_init(struct pt_conv *c, const char *const *answers, size_t n);

/* auth_conv_fn over a struct pt_conv (ctx). */
int pt_conv_fn(void *ctx, enum auth_msg_style style, const char *msg,
    struct secret **reply);

/* Was a message of this style containing needle shown? */
bool pt_conv_saw(const struct pt_conv *c, enum auth_msg_style style,
    const char *needle);

#endif
