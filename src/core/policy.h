/*
 * policy: roles and who holds them (grants), the checks every action
 * makes, and the role x field table: which order fields each role sees,
 * and how (hidden, print-only, masked, shown).
 *
 * Grants carry who granted them, when, and when they expire (default 90
 * days, at most 365); an expired grant does not count. Refused: grants to
 * system accounts (uid < 1000 where the name resolves), to generic names,
 * and to oneself. Supervisors grant and revoke picker, packer and
 * dispatcher; only the administrator (fulfilctl) grants supervisor and
 * auditor. Every grant, revoke and refusal is audited.
 */
#ifndef FULFIL_POLICY_H
#define FULFIL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "ferr.h"

struct store;
struct audit;

enum role {
	ROLE_PICKER = 1,
	ROLE_PACKER = 2,
	ROLE_DISPATCHER = 3,
	ROLE_SUPERVISOR = 4,
	ROLE_AUDITOR = 5,
};
#define ROLE_MAX ROLE_AUDITOR
#define ROLE_BIT(r) (1u << (unsigned)(r))

#define POLICY_DEFAULT_DAYS 90
#define POLICY_MAX_DAYS 365
#define POLICY_LOGIN_NAME_MAX 32

/* Distinctive results of policy_check: a flipped bit is not an ALLOW. */
#define POLICY_ALLOW 0x41a110e5
#define POLICY_DENY 0x0de41ed0

/* "picker", ...; NULL for a value that is not a role. */
const char *policy_role_name(enum role r);
/* FULFIL_EINVAL for anything but an exact role name. */
int policy_role_parse(const char *s, enum role *out);
/* What the role is for (translated); NULL for a value that is not a role. */
const char *policy_role_description(enum role r);
/* Only the administrator grants it (supervisor, auditor; and non-roles). */
bool policy_role_admin_only(enum role r);

/*
 * A login name fulfil accepts: 1..32 bytes of [A-Za-z0-9._-], not
 * starting with '-' or '.'. FULFIL_EINVAL with a message that does not
 * echo the name (it may be hostile, or a password typed in the wrong field).
 */
int policy_login_name_check(const char *name, struct ferr *err);

/*
 * 0 unless name resolves (getpwnam_r) to a system account: uid below 1000,
 * or nobody (FULFIL_EPERM). A failed lookup is FULFIL_EIO: callers refuse.
 */
int policy_system_account_check(const char *name, struct ferr *err);

/* admin, root, shared, station, test, guest, user, ... (case-insensitive). */
bool policy_name_is_generic(const char *name);

/* Who is acting: a logged-in person, or the administrator (fulfilctl). */
struct policy_actor {
	const char *name;	/* login name, or the OS user for fulfilctl */
	bool admin;		/* true only for fulfilctl */
};

int policy_grant(struct store *st, struct audit *au,
    const struct policy_actor *by, const char *user, enum role role, int days,
    int64_t now, struct ferr *err);
/* reason: a WF_TABLE_REVOKE code (0: none), the audit row's count. */
int policy_revoke(struct store *st, struct audit *au,
    const struct policy_actor *by, const char *user, enum role role,
    int reason, int64_t now, struct ferr *err);

/*
 * Does user hold role (unexpired) right now? POLICY_ALLOW or POLICY_DENY
 * (also on any error). Called for every action, so a revoke takes effect
 * at the person's next action.
 */
int policy_check(struct store *st, const char *user, enum role role,
    int64_t now);

/* The roles user holds now, as ROLE_BIT()s. */
int policy_roles(struct store *st, const char *user, int64_t now,
    unsigned *mask, struct ferr *err);

/* Does the station know this name (has it ever held a grant)? */
bool policy_knows(struct store *st, const char *user);

struct policy_grant_info {
	const char *user;
	enum role role;
	const char *granted_by;
	int64_t granted_at, expires_at;
	bool expired;
};
typedef int (*policy_grant_fn)(void *ctx, const struct policy_grant_info *g);

/*
 * Every grant, by user then role name; expired ones included (flagged).
 * Rows are read before fn is called, so fn may use the store; fn
 * returning non-zero stops the walk and that value is returned.
 */
int policy_list(struct store *st, int64_t now, policy_grant_fn fn, void *ctx,
    struct ferr *err);

/* ---- the role x field table ------------------------------------------- */

/*
 * Every field of an order, in the order of the table (and of
 * `fulfilctl fields`). Item fields are one per item line.
 */
enum order_field {
	FIELD_ID,
	FIELD_REF,
	FIELD_STATUS,		/* the OMS's status */
	FIELD_STATE,		/* the local workflow step */
	FIELD_SHIP_BY,
	FIELD_SERVICE,
	FIELD_ITEM_COUNT,
	FIELD_ITEM_SKU,
	FIELD_ITEM_EAN,
	FIELD_ITEM_TITLE,
	FIELD_ITEM_QTY,
	FIELD_ITEM_BIN,
	FIELD_NAME,		/* ship_to.name */
	FIELD_LINE1,
	FIELD_LINE2,
	FIELD_CITY,
	FIELD_REGION,
	FIELD_POSTCODE,
	FIELD_COUNTRY,
	FIELD_PHONE,
	FIELD_BUYER_EMAIL,
	FIELD_GIFT,		/* the flag: is there a gift message */
	FIELD_GIFT_MESSAGE,
	FIELD_BOX,
	FIELD_WEIGHT,
	FIELD_TRACKING,
};
#define FIELD_COUNT ((size_t)FIELD_TRACKING + 1)

/*
 * How a role sees a field. Ordered: a larger value shows more, and a
 * person holding several roles gets, per field, the largest of them.
 *   hidden      not in the view, not printed;
 *   print-only  not on the screen (the view holds no value), but on the
 *               dispatch label when the field is a label field;
 *   masked      on the screen masked ("J. D*****", "SW1A ***"), on the
 *               label in full when it is a label field;
 *   shown       on the screen as it is (sanitised).
 */
enum field_vis {
	VIS_HIDDEN = 0,
	VIS_PRINT_ONLY = 1,
	VIS_MASKED = 2,
	VIS_SHOWN = 3,
};

/*
 * PII: yes identifies, contacts or locates a person; linked is about a
 * person only together with the recipient (what they bought, the
 * country), and is kept sealed with it; no is operational.
 */
enum field_pii {
	FIELD_PII_NO,
	FIELD_PII_LINKED,
	FIELD_PII_YES,
};

/* Where the cache keeps a field. */
enum field_store {
	FIELD_STORE_PLAIN,	/* a plain column (never PII) */
	FIELD_STORE_SEALED,	/* in the order's AEAD blob, under its DEK */
	FIELD_STORE_DERIVED,	/* not stored: computed from sealed data */
};

/* How a field is disposed of. */
enum field_dispose {
	FIELD_DISPOSE_TOMBSTONE,	/* kept in the PII-free tombstone */
	FIELD_DISPOSE_SHRED,		/* DEK + blob wiped at delivery */
	FIELD_DISPOSE_VIEW,		/* only in a view: wiped with it */
};

struct policy_field {
	enum order_field field;
	const char *name;	/* stable: "ship_to.name", "items.sku", ... */
	const char *title;	/* N_(): a short label for screens */
	const char *purpose;	/* N_(): why fulfil holds it */
	enum field_pii pii;
	enum field_store stored;
	enum field_dispose disposed;
	bool item;		/* one per item line */
	bool label;		/* the dispatch label carries it */
	enum field_vis role[ROLE_MAX + 1];	/* by enum role; [0] unused */
	enum field_vis reveal;	/* a supervisor's, after a reveal */
};

/*
 * The table, in enum order: policy_field_at(i) for i < FIELD_COUNT, NULL
 * past the end (the iterator of `fulfilctl fields`). policy_field_get
 * is the entry of one field, NULL for a value that is not a field.
 */
const struct policy_field *policy_field_at(size_t i);
const struct policy_field *policy_field_get(enum order_field f);

/* By stable name; FULFIL_EINVAL for anything else. */
int policy_field_parse(const char *name, enum order_field *out);

/*
 * How a person holding role_mask (ROLE_BIT()s) sees field f: the most
 * permissive of the roles held. revealed raises it to the field's reveal
 * column, and only when role_mask holds ROLE_SUPERVISOR (the caller has
 * checked and audited the reveal). VIS_HIDDEN for an unknown field or
 * an empty mask: the table fails closed.
 */
enum field_vis policy_field_visibility(enum order_field f, unsigned role_mask,
    bool revealed);

/* Does the dispatch label of such a person carry f (label && not hidden)? */
bool policy_field_printable(enum order_field f, unsigned role_mask,
    bool revealed);

/* May role_mask reveal one order's PII (with a reason)? Supervisors. */
bool policy_may_reveal(unsigned role_mask);

/* Does role_mask see any order field at all (auditors alone do not)? */
bool policy_sees_orders(unsigned role_mask);

/* Stable names for output (untranslated): "hidden", "print-only", ... */
const char *policy_vis_name(enum field_vis v);
/* "no", "linked", "yes" */
const char *policy_pii_name(enum field_pii p);
/* "plain", "sealed", "derived" */
const char *policy_store_name(enum field_store s);
/* "tombstone", "shredded", "view" */
const char *policy_dispose_name(enum field_dispose d);
/* Translated one-line descriptions of the same. */
const char *policy_store_description(enum field_store s);
const char *policy_dispose_description(enum field_dispose d);

#endif
