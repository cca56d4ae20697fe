/*
 * supervise: grant, revoke and unlock, each behind the checks of the
 * person acting (supervise.h). Owns no state: it asks lockout and policy
 * and then calls them. Must never act for a locked person or one without
 * the supervisor role, and never take a revoke or unlock without a
 * reason from a person at a screen. A refused person is audited.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "ferr.h"
#include "i18n.h"
#include "lockout.h"
#include "policy.h"
#include "station.h"
#include "supervise.h"
#include "workflow.h"

/*
 * A person refused the supervisor's work leaves a trace, as a refused
 * workflow step does (AUDIT_ACTION_REFUSED, role supervisor). Returns
 * the refusal (err keeps its message), or the audit log's error.
 */
static int
supervise_refused(struct station *s, const struct policy_actor *by,
    int64_t now, struct ferr *err)
{
	struct audit_event ev = {
		.kind = AUDIT_ACTION_REFUSED,
		.actor = by->name,
		.role = policy_role_name(ROLE_SUPERVISOR),
		.count = -1,
		.result = FULFIL_EPERM,
	};
	struct ferr aerr = { 0 };

	if (s->audit != NULL && audit_log(s->audit, &ev, now, &aerr) != 0)
		return ferr_set(err, aerr.code, "%s", aerr.msg);
	return FULFIL_EPERM;
}

int
supervise_may_act(struct station *s, const struct policy_actor *by,
    int64_t now, bool *locked, struct ferr *err)
{
	int64_t until = 0;
	bool dummy;

	if (locked == NULL)
		locked = &dummy;
	*locked = false;
	if (by == NULL || by->name == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("no acting login name given"));
	if (by->admin)
		return 0;
	if (lockout_state(s, by->name, now, &until) != LOCKOUT_OPEN) {
		*locked = true;
		ferr_set(err, FULFIL_EPERM,
		    _("your account is locked; nothing was changed"));
	} else if (policy_check(s->store, by->name, ROLE_SUPERVISOR, now) !=
	    POLICY_ALLOW) {
		ferr_set(err, FULFIL_EPERM, _("this needs the supervisor "
		    "role, which you do not hold now"));
	} else {
		return 0;
	}
	return supervise_refused(s, by, now, err);
}

/* A reason code of table t; 0 only for the administrator. */
static int
supervise_reason_check(const struct policy_actor *by, enum workflow_table t,
    int reason, struct ferr *err)
{
	if (reason == 0 && by->admin)
		return 0;
	if (reason == 0)
		return ferr_set(err, FULFIL_EINVAL, _("a reason is needed"));
	if (workflow_code_name(t, reason) == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("unknown reason code %d"),
		    reason);
	return 0;
}

int
supervise_grant(struct station *s, const struct policy_actor *by,
    const char *user, enum role role, int days, int64_t now,
    struct ferr *err)
{
	int r;

	if ((r = supervise_may_act(s, by, now, NULL, err)) != 0)
		return r;
	return policy_grant(s->store, s->audit, by, user, role, days, now,
	    err);
}

int
supervise_revoke(struct station *s, const struct policy_actor *by,
    const char *user, enum role role, int reason, int64_t now,
    struct ferr *err)
{
	int r;

	if ((r = supervise_may_act(s, by, now, NULL, err)) != 0 ||
	    (r = supervise_reason_check(by, WF_TABLE_REVOKE, reason,
	    err)) != 0)
		return r;
	return policy_revoke(s->store, s->audit, by, user, role, reason, now,
	    err);
}

int
supervise_unlock(struct station *s, const struct policy_actor *by,
    const char *name, int reason, int64_t now, struct ferr *err)
{
	int r;

	if ((r = supervise_may_act(s, by, now, NULL, err)) != 0 ||
	    (r = supervise_reason_check(by, WF_TABLE_UNLOCK, reason,
	    err)) != 0)
		return r;
	return lockout_unlock(s, by->name, name, reason, now, err);
}
