/*
 * policy: roles, who holds them, and the check every action makes.
 *
 * Owns the role table (name, what the role is for, who may grant it), the
 * login-name rules, the list of generic names no role may be granted to,
 * the grants table of the cache (user, role, granted_by, granted_at,
 * expires_at) and the rule that a grant is valid for the half-open
 * interval [granted_at, expires_at): at the second of expiry it no longer
 * counts. Also owns the role x field table: for every order field, how
 * each role sees it, whether it is PII, where it is stored and how it is
 * disposed of; views (view.c) and `fulfilctl fields` both read it, so
 * what is enforced and what is documented cannot drift.
 *
 * Must never: allow on an error (policy_check fails closed), show a
 * field that is not in the table (unknown fields are hidden), write a grant
 * or a revoke without its audit row in the same transaction, let a
 * refusal go unaudited, or echo a name that failed the login-name rules
 * into a message or the audit log (it may be hostile, or a password typed
 * in the wrong field).
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "ferr.h"
#include "i18n.h"
#include "policy.h"
#include "store.h"

/* Accounts below this uid (and the overflow uid) are system accounts. */
#define POLICY_MIN_UID 1000
#define POLICY_NOBODY_UID 65534
#define POLICY_PWBUF_MAX (1 << 20)
#define POLICY_DAY 86400

/* Who may grant and revoke a role. */
enum policy_granter {
	GRANTED_BY_SUPERVISOR,	/* a supervisor, or the administrator */
	GRANTED_BY_ADMIN,	/* only the administrator (fulfilctl) */
};

static const struct policy_role_def {
	enum role role;
	const char *name;	/* stored in grants.role and audit.role */
	const char *description;	/* N_() */
	enum policy_granter granter;
} policy_roles_table[] = {
	{ ROLE_PICKER, "picker", N_("takes orders and scans items at the "
	    "bins"), GRANTED_BY_SUPERVISOR },
	{ ROLE_PACKER, "packer", N_("verifies items, boxes and weighs "
	    "orders"), GRANTED_BY_SUPERVISOR },
	{ ROLE_DISPATCHER, "dispatcher", N_("prints dispatch labels and "
	    "confirms shipment"), GRANTED_BY_SUPERVISOR },
	{ ROLE_SUPERVISOR, "supervisor", N_("grants the floor roles, unlocks "
	    "accounts, handles exceptions"), GRANTED_BY_ADMIN },
	{ ROLE_AUDITOR, "auditor", N_("reads the security log and the "
	    "compliance report"), GRANTED_BY_ADMIN },
};

#define POLICY_NROLES (sizeof policy_roles_table / sizeof policy_roles_table[0])

/*
 * Names that are not one person's: administrative and default accounts,
 * roles, places and devices. Compared case-insensitively, also with
 * trailing digits and separators removed ("Station-02" is "station").
 */
static const char *const policy_generic_names[] = {
	"admin", "administrator", "root", "superuser", "sysadmin", "shared",
	"station", "terminal", "kiosk", "scanner", "handheld", "test",
	"tester", "testing", "guest", "user", "users", "operator", "picker",
	"packer", "dispatcher", "supervisor", "auditor", "manager",
	"warehouse", "demo", "default", "fulfil", "fulfilment", "nobody",
	"service", "support", "helpdesk", "temp", "staff", "team", "shift",
	"everyone", "anonymous", "pi", "ubuntu", "debian",
};

static const struct policy_role_def *
policy_role_def(enum role r)
{
	size_t i;

	for (i = 0; i < POLICY_NROLES; i++)
		if (policy_roles_table[i].role == r)
			return &policy_roles_table[i];
	return NULL;
}

const char *
policy_role_name(enum role r)
{
	const struct policy_role_def *d = policy_role_def(r);

	return d != NULL ? d->name : NULL;
}

const char *
policy_role_description(enum role r)
{
	const struct policy_role_def *d = policy_role_def(r);

	return d != NULL ? _(d->description) : NULL;
}

bool
policy_role_admin_only(enum role r)
{
	const struct policy_role_def *d = policy_role_def(r);

	return d == NULL || d->granter == GRANTED_BY_ADMIN;
}

int
policy_role_parse(const char *s, enum role *out)
{
	size_t i;

	if (s == NULL)
		return FULFIL_EINVAL;
	for (i = 0; i < POLICY_NROLES; i++) {
		if (strcmp(s, policy_roles_table[i].name) == 0) {
			*out = policy_roles_table[i].role;
			return 0;
		}
	}
	return FULFIL_EINVAL;
}

static bool
policy_name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
policy_login_name_check(const char *name, struct ferr *err)
{
	size_t i, len;

	if (name == NULL || name[0] == '\0')
		return ferr_set(err, FULFIL_EINVAL,
		    _("the login name is empty"));
	/* Never walk further than one byte past the limit. */
	len = strnlen(name, POLICY_LOGIN_NAME_MAX + 1);
	if (len > POLICY_LOGIN_NAME_MAX)
		return ferr_set(err, FULFIL_EINVAL,
		    _("the login name is longer than %d bytes"),
		    POLICY_LOGIN_NAME_MAX);
	for (i = 0; i < len; i++)
		if (!policy_name_char_ok((unsigned char)name[i]))
			return ferr_set(err, FULFIL_EINVAL, _("the login name "
			    "may hold only letters, digits, '.', '_' and '-'"));
	if (name[0] == '-' || name[0] == '.')
		return ferr_set(err, FULFIL_EINVAL, _("the login name must not "
		    "start with '-' or '.'"));
	return 0;
}

bool
policy_name_is_generic(const char *name)
{
	size_t i, len;

	if (name == NULL)
		return false;
	len = strnlen(name, POLICY_LOGIN_NAME_MAX + 1);
	if (len > POLICY_LOGIN_NAME_MAX)
		return false;	/* not a login name at all */
	while (len > 0 && (strchr("0123456789._-", name[len - 1]) != NULL))
		len--;
	if (len == 0)
		return false;
	for (i = 0; i < sizeof policy_generic_names /
	    sizeof policy_generic_names[0]; i++)
		if (strlen(policy_generic_names[i]) == len &&
		    strncasecmp(name, policy_generic_names[i], len) == 0)
			return true;
	return false;
}

/*
 * Is name a system account on this host? FULFIL_EPERM when it resolves
 * to uid < 1000 (or nobody), 0 when it does not resolve or is a person's,
 * FULFIL_EIO when the lookup itself failed (fail closed).
 */
int
policy_system_account_check(const char *name, struct ferr *err)
{
	struct passwd pw, *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len = sz > 0 ? (size_t)sz : 4096;
	char *buf = NULL, *nbuf;
	int e, r = 0;

	for (;;) {
		if ((nbuf = realloc(buf, len)) == NULL) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			goto out;
		}
		buf = nbuf;
		e = getpwnam_r(name, &pw, buf, len, &res);
		if (e != ERANGE || len >= POLICY_PWBUF_MAX)
			break;
		len *= 2;
	}
	if (res == NULL) {
		/* Not found is 0 or one of these (getpwnam_r(3)). */
		if (e == 0 || e == ENOENT || e == ESRCH || e == EBADF ||
		    e == EPERM)
			goto out;
		r = ferr_set(err, FULFIL_EIO, _("cannot look up login name "
		    "'%s' in the account database: %s"), name, strerror(e));
		goto out;
	}
	if (pw.pw_uid < POLICY_MIN_UID || pw.pw_uid == POLICY_NOBODY_UID)
		r = ferr_set(err, FULFIL_EPERM, _("'%s' is a system account "
		    "(uid %u); roles go only to people's own accounts (uid %d "
		    "or above)"), name, (unsigned)pw.pw_uid, POLICY_MIN_UID);
out:
	free(buf);
	return r;
}

/* The SQL of this module (cached by address in the store). */
static const char sql_grant_expiry[] =
    "SELECT expires_at FROM grants WHERE user = ?1 AND role = ?2";
static const char sql_grant_upsert[] =
    "INSERT INTO grants (user, role, granted_by, granted_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user, role) DO UPDATE SET "
    "granted_by = excluded.granted_by, granted_at = excluded.granted_at, "
    "expires_at = excluded.expires_at";
static const char sql_grant_delete[] =
    "DELETE FROM grants WHERE user = ?1 AND role = ?2";
static const char sql_grant_roles[] =
    "SELECT role FROM grants WHERE user = ?1 AND expires_at > ?2"
    " AND typeof(expires_at) = 'integer'";
static const char sql_grant_known[] =
    "SELECT 1 FROM grants WHERE user = ?1 LIMIT 1";
static const char sql_grant_all[] =
    "SELECT user, role, granted_by, granted_at, expires_at FROM grants "
    "ORDER BY user, role";

/* The audit row of a refusal; its own transaction. */
static void
policy_audit_refusal(struct audit *au, const struct policy_actor *by,
    const char *user, enum role role, int64_t count, int code, int64_t now,
    struct ferr *err)
{
	struct audit_event ev = {
		.kind = AUDIT_GRANT_REFUSED,
		.actor = NULL,
		.subject = NULL,
		.order_id = NULL,
		.role = policy_role_name(role),
		.count = count,
		.result = code,
	};
	struct ferr aerr = { 0 };
	char why[FERR_MSG_MAX];

	/* Only names that passed the rules reach the log. */
	if (by != NULL && policy_login_name_check(by->name, NULL) == 0)
		ev.actor = by->name;
	if (policy_login_name_check(user, NULL) == 0)
		ev.subject = user;
	if (au == NULL || audit_log(au, &ev, now, &aerr) != 0) {
		/* Keep the refusal's code; say the log missed it. */
		if (err != NULL) {
			memcpy(why, err->msg, sizeof why);
			ferr_set(err, code, _("%s (the refusal could not be "
			    "audited: %s)"), why, au == NULL ?
			    _("no audit log") : aerr.msg);
		}
	}
}

/*
 * Inside the transaction: a supervisor must hold the role right now, and
 * only the administrator touches the roles kept for it.
 */
static int
policy_authority_check(struct store *st, const struct policy_actor *by,
    enum role role, bool grant, int64_t now, struct ferr *err)
{
	if (by->admin)
		return 0;
	if (policy_role_admin_only(role))
		return ferr_set(err, FULFIL_EPERM, grant ?
		    _("only the administrator (fulfilctl) may grant the %s "
		    "role") : _("only the administrator (fulfilctl) may revoke "
		    "the %s role"), policy_role_name(role));
	if (policy_check(st, by->name, ROLE_SUPERVISOR, now) != POLICY_ALLOW)
		return ferr_set(err, FULFIL_EPERM, _("'%s' does not hold the "
		    "supervisor role"), by->name);
	return 0;
}

/*
 * The checks a grant or revoke makes before it writes, in the order a
 * person would want to hear about them: malformed input, authority,
 * then (grants only) who may receive a role.
 */
static int
policy_precheck(struct store *st, const struct policy_actor *by,
    const char *user, enum role role, bool grant, int days, int64_t now,
    struct ferr *err)
{
	int r;

	if (by == NULL || policy_login_name_check(by->name, NULL) != 0)
		return ferr_set(err, FULFIL_EINVAL, _("the acting login name "
		    "is not a valid login name"));
	if ((r = policy_login_name_check(user, err)) != 0)
		return r;
	if (policy_role_def(role) == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("unknown role"));
	if (grant && (days < 1 || days > POLICY_MAX_DAYS))
		return ferr_set(err, FULFIL_EINVAL, _("a grant lasts 1 to %d "
		    "days"), POLICY_MAX_DAYS);
	if ((r = policy_authority_check(st, by, role, grant, now, err)) != 0)
		return r;
	if (!grant)
		return 0;
	if (strcmp(by->name, user) == 0)
		return ferr_set(err, FULFIL_EPERM, _("nobody may grant a role "
		    "to themself; another person must grant it"));
	if (policy_name_is_generic(user))
		return ferr_set(err, FULFIL_EPERM, _("'%s' is a generic name; "
		    "roles go only to one person's own login"), user);
	return policy_system_account_check(user, err);
}

static int
policy_stmt_error(struct store *st, struct ferr *err)
{
	return err != NULL && err->code != 0 ? err->code :
	    store_error(st, err, _("preparing a statement"));
}

int
policy_grant(struct store *st, struct audit *au,
    const struct policy_actor *by, const char *user, enum role role, int days,
    int64_t now, struct ferr *err)
{
	struct audit_event ev = { 0 };
	sqlite3_stmt *q;
	int r;

	if (au == NULL)
		return ferr_set(err, FULFIL_ESTATE, _("no audit log: grants "
		    "are only made with an audit row"));
	if ((r = policy_precheck(st, by, user, role, true, days, now,
	    err)) != 0)
		goto refused;
	if ((r = store_begin(st, err)) != 0)
		return r;
	/* Again inside: a revoke may have committed in between. */
	if ((r = policy_authority_check(st, by, role, true, now, err)) != 0) {
		store_rollback(st);
		goto refused;
	}
	if ((q = store_stmt(st, sql_grant_upsert, err)) == NULL) {
		r = policy_stmt_error(st, err);
		goto fail;
	}
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, policy_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, by->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now);
	sqlite3_bind_int64(q, 5, now + (int64_t)days * POLICY_DAY);
	if (sqlite3_step(q) != SQLITE_DONE) {
		r = store_error(st, err, _("storing a grant"));
		sqlite3_reset(q);
		goto fail;
	}
	sqlite3_reset(q);
	ev.kind = AUDIT_ROLE_GRANTED;
	ev.actor = by->name;
	ev.subject = user;
	ev.role = policy_role_name(role);
	ev.count = days;
	ev.result = 0;
	if ((r = audit_log(au, &ev, now, err)) != 0)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return r;
refused:
	policy_audit_refusal(au, by, user, role, days, r, now, err);
	return r;
}

int
policy_revoke(struct store *st, struct audit *au,
    const struct policy_actor *by, const char *user, enum role role,
    int reason, int64_t now, struct ferr *err)
{
	struct audit_event ev = { 0 };
	sqlite3_stmt *q;
	int r;

	if (au == NULL)
		return ferr_set(err, FULFIL_ESTATE, _("no audit log: revokes "
		    "are only made with an audit row"));
	if ((r = policy_precheck(st, by, user, role, false, 0, now,
	    err)) != 0)
		goto refused;
	if ((r = store_begin(st, err)) != 0)
		return r;
	if ((r = policy_authority_check(st, by, role, false, now, err)) != 0) {
		store_rollback(st);
		goto refused;
	}
	if ((q = store_stmt(st, sql_grant_delete, err)) == NULL) {
		r = policy_stmt_error(st, err);
		goto fail;
	}
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, policy_role_name(role), -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		r = store_error(st, err, _("removing a grant"));
		sqlite3_reset(q);
		goto fail;
	}
	sqlite3_reset(q);
	if (sqlite3_changes(store_db(st)) == 0) {
		store_rollback(st);
		r = ferr_set(err, FULFIL_ENOTFOUND, _("'%s' does not hold the "
		    "%s role"), user, policy_role_name(role));
		goto refused;
	}
	ev.kind = AUDIT_ROLE_REVOKED;
	ev.actor = by->name;
	ev.subject = user;
	ev.role = policy_role_name(role);
	ev.count = reason > 0 ? reason : -1;
	ev.result = 0;
	if ((r = audit_log(au, &ev, now, err)) != 0)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return r;
refused:
	policy_audit_refusal(au, by, user, role, -1, r, now, err);
	return r;
}

int
policy_check(struct store *st, const char *user, enum role role,
    int64_t now)
{
	struct ferr err = { 0 };
	sqlite3_stmt *q;
	int rc, verdict = POLICY_DENY;

	if (st == NULL || policy_login_name_check(user, NULL) != 0 ||
	    policy_role_def(role) == NULL)
		return POLICY_DENY;
	if ((q = store_stmt(st, sql_grant_expiry, &err)) == NULL)
		return POLICY_DENY;
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, policy_role_name(role), -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	/* Valid for [granted_at, expires_at): expires_at itself is out. */
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_INTEGER &&
	    now < sqlite3_column_int64(q, 0))
		verdict = POLICY_ALLOW;
	sqlite3_reset(q);
	return verdict;
}

int
policy_roles(struct store *st, const char *user, int64_t now,
    unsigned *mask, struct ferr *err)
{
	sqlite3_stmt *q;
	enum role role;
	int rc, r = 0;

	*mask = 0;
	if ((r = policy_login_name_check(user, err)) != 0)
		return r;
	if ((q = store_stmt(st, sql_grant_roles, err)) == NULL)
		return policy_stmt_error(st, err);
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		/* A role this program does not know gives nothing. */
		if (policy_role_parse((const char *)sqlite3_column_text(q, 0),
		    &role) == 0)
			*mask |= ROLE_BIT(role);
	}
	if (rc != SQLITE_DONE) {
		*mask = 0;
		r = store_error(st, err, _("reading grants"));
	}
	sqlite3_reset(q);
	return r;
}

bool
policy_knows(struct store *st, const char *user)
{
	sqlite3_stmt *q;
	bool known;

	if (st == NULL || policy_login_name_check(user, NULL) != 0)
		return false;
	if ((q = store_stmt(st, sql_grant_known, NULL)) == NULL)
		return false;
	sqlite3_bind_text(q, 1, user, -1, SQLITE_STATIC);
	known = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_reset(q);
	return known;
}

/* One grants row copied out of sqlite, so fn may use the store. */
struct policy_row {
	char *user, *granted_by;
	enum role role;
	int64_t granted_at, expires_at;
};

static void
policy_rows_free(struct policy_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].user);
		free(rows[i].granted_by);
	}
	free(rows);
}

static int
policy_read_rows(struct store *st, struct policy_row **out, size_t *nout,
    struct ferr *err)
{
	struct policy_row *rows = NULL, *nrows, *pr;
	size_t n = 0, cap = 0;
	sqlite3_stmt *q;
	const char *u, *by, *role;
	int rc, r = 0;

	if ((q = store_stmt(st, sql_grant_all, err)) == NULL)
		return policy_stmt_error(st, err);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		u = (const char *)sqlite3_column_text(q, 0);
		role = (const char *)sqlite3_column_text(q, 1);
		by = (const char *)sqlite3_column_text(q, 2);
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nrows = realloc(rows, cap * sizeof *rows)) ==
			    NULL) {
				r = ferr_set(err, FULFIL_ENOMEM,
				    _("out of memory"));
				goto out;
			}
			rows = nrows;
		}
		pr = &rows[n++];
		memset(pr, 0, sizeof *pr);
		/* Written only by policy_grant: anything else was edited. */
		if (policy_login_name_check(u, NULL) != 0 ||
		    policy_login_name_check(by, NULL) != 0 ||
		    policy_role_parse(role, &pr->role) != 0) {
			r = ferr_set(err, FULFIL_EINVAL, _("the grants table "
			    "holds a row this program did not write"));
			goto out;
		}
		pr->granted_at = sqlite3_column_int64(q, 3);
		pr->expires_at = sqlite3_column_int64(q, 4);
		if ((pr->user = strdup(u)) == NULL ||
		    (pr->granted_by = strdup(by)) == NULL) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		r = store_error(st, err, _("reading grants"));
out:
	sqlite3_reset(q);
	if (r != 0) {
		policy_rows_free(rows, n);
		return r;
	}
	*out = rows;
	*nout = n;
	return 0;
}

int
policy_list(struct store *st, int64_t now, policy_grant_fn fn, void *ctx,
    struct ferr *err)
{
	struct policy_grant_info g;
	struct policy_row *rows = NULL;
	size_t i, n = 0;
	int r;

	if ((r = policy_read_rows(st, &rows, &n, err)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		g.user = rows[i].user;
		g.role = rows[i].role;
		g.granted_by = rows[i].granted_by;
		g.granted_at = rows[i].granted_at;
		g.expires_at = rows[i].expires_at;
		g.expired = now >= rows[i].expires_at;
		if ((r = fn(ctx, &g)) != 0)
			break;
	}
	policy_rows_free(rows, n);
	return r;
}

/* ---- the role x field table ------------------------------------------- */

#define H VIS_HIDDEN
#define P VIS_PRINT_ONLY
#define M VIS_MASKED
#define S VIS_SHOWN
/* One row's columns: picker, packer, dispatcher, supervisor, auditor. */
#define ROLES(pi, pa, di, su, au) { [ROLE_PICKER] = (pi), \
	[ROLE_PACKER] = (pa), [ROLE_DISPATCHER] = (di), \
	[ROLE_SUPERVISOR] = (su), [ROLE_AUDITOR] = (au) }

/*
 * The one table. Pickers: items, bins, quantities, ship-by, service.
 * Packers: what pickers see, box, weight and the gift flag (never its
 * text). Dispatchers: the order, box, weight, tracking, a masked
 * recipient (initials, postcode district, country); the address is
 * print-only (it goes on the label). Supervisors: what all three see
 * (exceptions need the items); a reveal with a reason shows one order's
 * PII. Auditors: no order data at all (they read the audit log).
 */
static const struct policy_field policy_fields[] = {
	{ FIELD_ID, "id", N_("Order"),
	    N_("find the order; names it in the audit log and to the OMS"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, true, ROLES(S, S, S, S, H), S },
	{ FIELD_REF, "ref", N_("Ref"),
	    N_("the marketplace's order reference, scanned to find the "
	    "order"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, false, ROLES(S, S, S, S, H), S },
	{ FIELD_STATUS, "status", N_("Status"),
	    N_("the OMS's status: a cancelled order is stopped"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, false, ROLES(S, S, S, S, H), S },
	{ FIELD_STATE, "state", N_("Step"),
	    N_("the local workflow step (queued, picked, packed, labelled, "
	    "shipped)"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, false, ROLES(S, S, S, S, H), S },
	{ FIELD_SHIP_BY, "ship_by", N_("Ship by"),
	    N_("the order of the pick queue"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, false, ROLES(S, S, S, S, H), S },
	{ FIELD_SERVICE, "service", N_("Service"),
	    N_("the shipping service: box, label and carrier"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, true, ROLES(S, S, S, S, H), S },
	{ FIELD_ITEM_COUNT, "item_count", N_("Lines"),
	    N_("how many item lines the order has"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, false, ROLES(S, S, S, S, H), S },
	{ FIELD_ITEM_SKU, "items.sku", N_("SKU"),
	    N_("pick and scan-to-verify the item"),
	    FIELD_PII_LINKED, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    true, false, ROLES(S, S, H, S, H), S },
	{ FIELD_ITEM_EAN, "items.ean", N_("EAN"),
	    N_("scan-to-verify the item by its barcode"),
	    FIELD_PII_LINKED, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    true, false, ROLES(S, S, H, S, H), S },
	{ FIELD_ITEM_TITLE, "items.title", N_("Item"),
	    N_("tell the item apart by eye"),
	    FIELD_PII_LINKED, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    true, false, ROLES(S, S, H, S, H), S },
	{ FIELD_ITEM_QTY, "items.qty", N_("Qty"),
	    N_("how many to pick and verify"),
	    FIELD_PII_LINKED, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    true, false, ROLES(S, S, H, S, H), S },
	{ FIELD_ITEM_BIN, "items.bin", N_("Bin"),
	    N_("where to pick the item"),
	    FIELD_PII_LINKED, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    true, false, ROLES(S, S, H, S, H), S },
	{ FIELD_NAME, "ship_to.name", N_("Recipient"),
	    N_("the dispatch label; masked on screen to check the parcel"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, true, ROLES(H, H, M, M, H), S },
	{ FIELD_LINE1, "ship_to.line1", N_("Address"),
	    N_("the dispatch label"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, true, ROLES(H, H, P, P, H), S },
	{ FIELD_LINE2, "ship_to.line2", N_("Address 2"),
	    N_("the dispatch label"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, true, ROLES(H, H, P, P, H), S },
	{ FIELD_CITY, "ship_to.city", N_("City"),
	    N_("the dispatch label"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, true, ROLES(H, H, P, P, H), S },
	{ FIELD_REGION, "ship_to.region", N_("Region"),
	    N_("the dispatch label"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, true, ROLES(H, H, P, P, H), S },
	{ FIELD_POSTCODE, "ship_to.postcode", N_("Postcode"),
	    N_("the dispatch label; its district on screen to sort parcels"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, true, ROLES(H, H, M, M, H), S },
	{ FIELD_COUNTRY, "ship_to.country", N_("Country"),
	    N_("the dispatch label, carrier and customs"),
	    FIELD_PII_LINKED, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, true, ROLES(H, H, S, S, H), S },
	{ FIELD_PHONE, "ship_to.phone", N_("Phone"),
	    N_("a delivery contact from the OMS; shown only on a reveal"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, false, ROLES(H, H, H, H, H), S },
	{ FIELD_BUYER_EMAIL, "buyer_email", N_("E-mail"),
	    N_("received from the OMS; shown only on a reveal"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, false, ROLES(H, H, H, H, H), S },
	{ FIELD_GIFT, "gift", N_("Gift"),
	    N_("tells the packer to add the gift note, without its text"),
	    FIELD_PII_NO, FIELD_STORE_DERIVED, FIELD_DISPOSE_VIEW,
	    false, false, ROLES(H, S, H, S, H), S },
	{ FIELD_GIFT_MESSAGE, "gift_message", N_("Gift message"),
	    N_("the buyer's gift note; shown only on a reveal"),
	    FIELD_PII_YES, FIELD_STORE_SEALED, FIELD_DISPOSE_SHRED,
	    false, false, ROLES(H, H, H, H, H), S },
	{ FIELD_BOX, "box", N_("Box"),
	    N_("the box the packer chose"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, false, ROLES(H, S, S, S, H), S },
	{ FIELD_WEIGHT, "weight", N_("Weight"),
	    N_("the parcel's weight, for the carrier"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, false, ROLES(H, S, S, S, H), S },
	{ FIELD_TRACKING, "tracking", N_("Tracking"),
	    N_("the carrier's tracking number, sent to the OMS at shipment"),
	    FIELD_PII_NO, FIELD_STORE_PLAIN, FIELD_DISPOSE_TOMBSTONE,
	    false, false, ROLES(H, H, S, S, H), S },
};

#undef H
#undef P
#undef M
#undef S
#undef ROLES

_Static_assert(sizeof policy_fields / sizeof policy_fields[0] == FIELD_COUNT,
    "one row per order field");

const struct policy_field *
policy_field_at(size_t i)
{
	return i < FIELD_COUNT ? &policy_fields[i] : NULL;
}

const struct policy_field *
policy_field_get(enum order_field f)
{
	size_t i = (size_t)f;

	/* The table is in enum order (test_view checks it). */
	if (i >= FIELD_COUNT || policy_fields[i].field != f)
		return NULL;
	return &policy_fields[i];
}

int
policy_field_parse(const char *name, enum order_field *out)
{
	size_t i;

	if (name == NULL)
		return FULFIL_EINVAL;
	for (i = 0; i < FIELD_COUNT; i++) {
		if (strcmp(name, policy_fields[i].name) == 0) {
			*out = policy_fields[i].field;
			return 0;
		}
	}
	return FULFIL_EINVAL;
}

enum field_vis
policy_field_visibility(enum order_field f, unsigned role_mask,
    bool revealed)
{
	const struct policy_field *pf = policy_field_get(f);
	enum field_vis v = VIS_HIDDEN;
	unsigned r;

	if (pf == NULL)
		return VIS_HIDDEN;
	for (r = ROLE_PICKER; r <= ROLE_MAX; r++)
		if ((role_mask & ROLE_BIT(r)) != 0 && pf->role[r] > v)
			v = pf->role[r];
	if (revealed && policy_may_reveal(role_mask) && pf->reveal > v)
		v = pf->reveal;
	return v;
}

bool
policy_field_printable(enum order_field f, unsigned role_mask, bool revealed)
{
	const struct policy_field *pf = policy_field_get(f);

	return pf != NULL && pf->label &&
	    policy_field_visibility(f, role_mask, revealed) != VIS_HIDDEN;
}

bool
policy_may_reveal(unsigned role_mask)
{
	return (role_mask & ROLE_BIT(ROLE_SUPERVISOR)) != 0;
}

bool
policy_sees_orders(unsigned role_mask)
{
	size_t i;

	for (i = 0; i < FIELD_COUNT; i++)
		if (policy_field_visibility(policy_fields[i].field, role_mask,
		    false) != VIS_HIDDEN)
			return true;
	return false;
}

const char *
policy_vis_name(enum field_vis v)
{
	switch (v) {
	case VIS_HIDDEN:
		return "hidden";
	case VIS_PRINT_ONLY:
		return "print-only";
	case VIS_MASKED:
		return "masked";
	case VIS_SHOWN:
		return "shown";
	}
	return "hidden";
}

const char *
policy_pii_name(enum field_pii p)
{
	switch (p) {
	case FIELD_PII_NO:
		return "no";
	case FIELD_PII_LINKED:
		return "linked";
	case FIELD_PII_YES:
		return "yes";
	}
	return "yes";
}

const char *
policy_store_name(enum field_store s)
{
	switch (s) {
	case FIELD_STORE_PLAIN:
		return "plain";
	case FIELD_STORE_SEALED:
		return "sealed";
	case FIELD_STORE_DERIVED:
		return "derived";
	}
	return "sealed";
}

const char *
policy_dispose_name(enum field_dispose d)
{
	switch (d) {
	case FIELD_DISPOSE_TOMBSTONE:
		return "tombstone";
	case FIELD_DISPOSE_SHRED:
		return "shredded";
	case FIELD_DISPOSE_VIEW:
		return "view";
	}
	return "shredded";
}

const char *
policy_store_description(enum field_store s)
{
	switch (s) {
	case FIELD_STORE_PLAIN:
		return _("a plain column of the cache");
	case FIELD_STORE_SEALED:
		return _("sealed under the order's own data key");
	case FIELD_STORE_DERIVED:
		return _("not stored: derived from the sealed data");
	}
	return "";
}

const char *
policy_dispose_description(enum field_dispose d)
{
	switch (d) {
	case FIELD_DISPOSE_TOMBSTONE:
		return _("kept in the order's PII-free tombstone");
	case FIELD_DISPOSE_SHRED:
		return _("crypto-shredded: its data key and sealed data are "
		    "deleted at delivery (after retain_after_delivery, at most "
		    "30 days) or cancellation, at the latest 30 days after "
		    "shipment; one key epoch later no key that opens them "
		    "exists (retention.c)");
	case FIELD_DISPOSE_VIEW:
		return _("exists only in a view in locked memory, wiped when "
		    "it closes");
	}
	return "";
}
