/*
 * supervise: the supervisor's actions on people (grant, revoke, unlock),
 * with every check the rule needs in one place, so that neither the
 * terminal nor fulfilctl can forget one.
 *
 * A person (by->admin false) acts only while holding the supervisor role
 * and while not locked, both checked at `now`; revoke and unlock need a
 * reason from WF_TABLE_REVOKE / WF_TABLE_UNLOCK (UX.md: irreversible
 * actions ask for a reason), which the audit row keeps as its count. The
 * administrator (fulfilctl, by->admin true) may give reason 0 (none).
 * Refusals: FULFIL_EPERM (locked, no supervisor role: audited as
 * action-refused, role supervisor), FULFIL_EINVAL
 * (missing or unknown reason), and whatever policy_grant, policy_revoke
 * and lockout_unlock refuse; the message says which.
 */
#ifndef FULFIL_SUPERVISE_H
#define FULFIL_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>

#include "ferr.h"
#include "policy.h"

struct station;

/*
 * May by act as a supervisor now (the check each call below makes
 * first)? 0, or FULFIL_EPERM (audited) with *locked (may be NULL) saying
 * whether it was for a lock (the screen then logs the person out).
 */
int supervise_may_act(struct station *s, const struct policy_actor *by,
    int64_t now, bool *locked, struct ferr *err);

int supervise_grant(struct station *s, const struct policy_actor *by,
    const char *user, enum role role, int days, int64_t now,
    struct ferr *err);
int supervise_revoke(struct station *s, const struct policy_actor *by,
    const char *user, enum role role, int reason, int64_t now,
    struct ferr *err);
int supervise_unlock(struct station *s, const struct policy_actor *by,
    const char *name, int reason, int64_t now, struct ferr *err);

#endif
