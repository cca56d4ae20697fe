/*
 * workflow: an order's way through the station, and the rules of each
 * step (DESIGN.md "Order workflow", UX.md "The scan is the main input").
 *
 *   queued --pick--> picked --pack--> packed --label--> labelled
 *          --ship--> shipped
 *
 * pick needs the picker role, pack the packer role, label and ship the
 * dispatcher role; ship needs a tracking number. pick and pack are gated
 * on scan verification: every item line counted to its quantity AT THAT
 * STEP (the packer verifies for themself; the picker's counts do not
 * carry over), unless a supervisor lifted the gate (workflow_override).
 * Every call re-checks the person's role (policy_check) and lock state
 * (lockout_state) at its own `now`, so a revoke or a lock takes effect at
 * the person's next action. A step writes, in one transaction, the state
 * change, its outbox event (idempotency key: 128 random bits, hex) and
 * its audit row (AUDIT_ORDER_STEP, count = the new state's number); a
 * refused step writes none of them.
 *
 * Cancelled orders (OMS status "cancelled") and orders whose customer
 * data was wiped refuse every step, scan, exception and reveal with
 * WF_R_CANCELLED / WF_R_WIPED and WF_FX_ALERT: the screen holding the
 * order shows a blocking alert. An order with an open exception
 * (workflow_exception_raise) takes no step and no scan until a
 * supervisor resolves it.
 *
 * Nothing here returns or stores order text: results carry counts, line
 * indexes, order ids, codes from the tables below and translated
 * messages that name the order id, a line number and (when it has the
 * shape of a SKU or EAN and is no part of the order's customer data) the
 * scanned code, never a name, address, title or gift text.
 *
 * Conventions: functions return 0 or a negative FULFIL_E* code. Every
 * action fills *out (never NULL) with a distinct result and the message
 * to show; when it is refused it also returns < 0 and puts the same
 * message into *err (nothing was done except the audit or rate rows the
 * refusal itself writes). A call that returns 0 did what out->result
 * says. `now` is unix seconds; scans take `now_ms`, milliseconds of any
 * monotonic clock whose seconds part is also the wall clock the rest of
 * the station uses (unix milliseconds are right).
 */
#ifndef FULFIL_WORKFLOW_H
#define FULFIL_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferr.h"
#include "orders.h"
#include "policy.h"

struct station;

/* Local workflow states: orders.state holds the name. */
enum workflow_state {
	WF_STATE_QUEUED = 0,
	WF_STATE_PICKED = 1,
	WF_STATE_PACKED = 2,
	WF_STATE_LABELLED = 3,
	WF_STATE_SHIPPED = 4,
};

/* Steps: step N moves an order from state N - 1 into state N. */
enum workflow_step {
	WF_STEP_NONE = 0,	/* shipped: nothing follows */
	WF_STEP_PICK = 1,	/* picker, scan-verified */
	WF_STEP_PACK = 2,	/* packer, scan-verified */
	WF_STEP_LABEL = 3,	/* dispatcher, after the label printed */
	WF_STEP_SHIP = 4,	/* dispatcher, with a tracking number */
};

/* "queued", "picked", ... (also the outbox event names); NULL if none. */
const char *workflow_state_name(enum workflow_state st);
/* The step an order in state st takes next (WF_STEP_NONE once shipped). */
enum workflow_step workflow_next_step(enum workflow_state st);
/* The role step needs; 0 for WF_STEP_NONE or a value that is no step. */
enum role workflow_step_role(enum workflow_step step);

/* What a call did or why it was refused. */
enum workflow_result {
	WF_R_NONE = 0,
	/* Done: the call returned 0. */
	WF_R_DONE = 1,		/* a step was taken: out->state is the new one */
	WF_R_COUNTED = 2,	/* a scan counted one item; see out->complete */
	WF_R_IGNORED = 3,	/* identical scan within WORKFLOW_DUP_MS, or an
				   empty one: nothing done, nothing to show */
	WF_R_RECORDED = 4,	/* exception raised/resolved, override kept */
	WF_R_REVEAL_OK = 5,	/* reveal allowed and recorded: show the view */
	WF_R_ALLOWED = 6,	/* workflow_check: the step may be taken now */
	/* Refused: the call returned < 0. */
	WF_R_WRONG_ITEM = 20,	/* scanned code is in no line (ENOTFOUND) */
	WF_R_OVER_COUNT = 21,	/* every matching line is complete (EINVAL) */
	WF_R_NOT_VERIFIED = 22,	/* step before all lines verified (ESTATE) */
	WF_R_NO_SCAN = 23,	/* the order's next step verifies no scans */
	WF_R_WRONG_STATE = 24,	/* not that step now (ESTATE) */
	WF_R_EXCEPTION = 25,	/* an exception is open on the order (ESTATE) */
	WF_R_CANCELLED = 26,	/* the OMS cancelled the order (ESTATE) */
	WF_R_WIPED = 27,	/* its customer data was wiped (ESTATE) */
	WF_R_ROLE = 28,		/* the person lacks the role now (EPERM) */
	WF_R_LOCKED = 29,	/* the person's account is locked (EPERM) */
	WF_R_RATE_LOCKED = 30,	/* this call went over a rate: now locked */
	WF_R_BAD_INPUT = 31,	/* tracking, code, reason or text (EINVAL) */
	WF_R_NOT_FOUND = 32,	/* no such order or exception (ENOTFOUND) */
	WF_R_ERROR = 33,	/* database, memory or key failure: err says */
	WF_R_NO_PRINTER = 34,	/* this station prints nothing (ESTATE) */
	WF_R_PRINT_FAILED = 35,	/* the printer refused, or is not ready (EIO) */
};

/* How the terminal reacts (out->fx). */
#define WF_FX_BEEP 0x1u		/* beep (and flash where it can) */
#define WF_FX_ALERT 0x2u	/* blocking alert on the order's screen */
#define WF_FX_LOGOUT 0x4u	/* end the session: the person is locked */

#define WORKFLOW_MSG_MAX FERR_MSG_MAX

/* The result of every action. */
struct workflow_outcome {
	enum workflow_result result;
	unsigned fx;			/* WF_FX_* */
	char msg[WORKFLOW_MSG_MAX];	/* translated, PII-free; "" for IGNORED */
	enum workflow_state state;	/* the order's state after the call */
	/* Scans: */
	int line;			/* item index counted/matched; -1: none */
	long count, qty;		/* that line's count at this step, of qty */
	long remaining;			/* items still to verify at this step */
	bool complete;			/* every line is verified now */
	/* workflow_exception_raise: the new exception's id. */
	int64_t exception_id;
};

/* ---- scan-to-verify ---------------------------------------------------- */

#define WORKFLOW_DUP_MS 150	/* identical scans this close are one scan */
#define WORKFLOW_CODE_MAX 128	/* bytes of a scanned code that are kept */
#define WORKFLOW_SCAN_FAIL_LIMIT 20	/* refused scans within ... */
#define WORKFLOW_SCAN_FAIL_WINDOW 600	/* ... seconds lock the person */

/*
 * One scan input (one per terminal session): remembers the last scan for
 * the double-fire check. Zero it to start (or workflow_scanner_reset,
 * which also wipes it: do so at logout).
 */
struct workflow_scanner {
	bool have;
	int64_t last_ms;
	char order_id[ORDER_ID_MAX + 1];
	char code[WORKFLOW_CODE_MAX + 1];
};
void workflow_scanner_reset(struct workflow_scanner *sc);

/*
 * A scan (the text a keyboard-wedge scanner typed before Enter) on the
 * open order order_id. Control characters are stripped first (C0, DEL,
 * C1, so GS1 group separators take no part in the match), then leading
 * and trailing spaces. The code then matches an item line by SKU (ASCII
 * case-insensitive, caps lock on a wedge inverts case) or by EAN/UPC as
 * GTIN (8, 12, 13 or 14 digits, compared zero-padded to 14), also inside
 * a GS1 element string that starts with AI 01 (optionally after an AIM
 * symbology identifier such as "]C1"). An identical code on the same
 * order within WORKFLOW_DUP_MS of the last scan that was not itself
 * ignored is WF_R_IGNORED (a clock going backwards never ignores).
 *
 * The order's next step must be pick (picker) or pack (packer); each
 * step counts for itself. The first line that matches and is not yet
 * complete is counted (WF_R_COUNTED; out->line, count, qty, remaining,
 * complete). Refused, with a beep: no line matches (WF_R_WRONG_ITEM),
 * every matching line is complete (WF_R_OVER_COUNT). Each refused scan
 * is audited (AUDIT_SCAN_REFUSED) and counted: the
 * WORKFLOW_SCAN_FAIL_LIMIT-th within WORKFLOW_SCAN_FAIL_WINDOW locks the
 * person (lockout_anomaly) and is WF_R_RATE_LOCKED with WF_FX_LOGOUT.
 * Also refused: WF_R_NO_SCAN (packed, labelled, shipped), WF_R_ROLE
 * (audited as action-refused), WF_R_LOCKED, WF_R_CANCELLED, WF_R_WIPED,
 * WF_R_EXCEPTION, WF_R_NOT_FOUND. A code that is empty after stripping
 * is WF_R_IGNORED. The messages name a scanned code only when it has the
 * shape of a SKU/EAN (printable ASCII without spaces or '@', cut at 32
 * bytes) and is no part of the order's customer data; else "a code".
 * The UI clears its input field after every call, whatever the result.
 */
int workflow_scan(struct station *s, const char *user,
    struct workflow_scanner *sc, const char *order_id, const char *code,
    int64_t now_ms, struct workflow_outcome *out, struct ferr *err);

/* ---- steps --------------------------------------------------------- */

#define WORKFLOW_TRACKING_MAX 64

/*
 * Take step on order_id (F6 for pick and pack: pass progress.step, so a
 * second press cannot take the following step). tracking is required
 * for WF_STEP_SHIP (printable ASCII 0x20-0x7e, 1..64 bytes, not starting
 * or ending with a space) and must be NULL for the other steps. Refused:
 * WF_R_ROLE, WF_R_LOCKED, WF_R_CANCELLED, WF_R_WIPED, WF_R_EXCEPTION,
 * WF_R_WRONG_STATE (the order is not in the state before step),
 * WF_R_NOT_VERIFIED (pick/pack: out->remaining items still to scan),
 * WF_R_BAD_INPUT, WF_R_NOT_FOUND. WF_STEP_LABEL is taken only by
 * printing (workflow_print): advance refuses it (WF_R_WRONG_STATE, "print
 * the label"). A refusal for want of the role is
 * audited (AUDIT_ACTION_REFUSED). Shipping also drops the order's scan
 * counts and overrides (no longer needed).
 */
int workflow_advance(struct station *s, const char *user,
    const char *order_id, enum workflow_step step, const char *tracking,
    int64_t now, struct workflow_outcome *out, struct ferr *err);

/* ---- the dispatch label (F5) ------------------------------------------ */

#define WORKFLOW_REPRINT_LIMIT 5	/* reprints per person within ... */
#define WORKFLOW_REPRINT_WINDOW 3600	/* ... seconds; one more locks */

/*
 * Print order_id's dispatch label on the station's printer ([printer]
 * uri, language, dpi, host_status) and, for a first print, take the
 * label step: packed -> labelled. Only a dispatcher prints (R10, R11),
 * and only a packed order (scan verification of the pack step complete
 * or lifted by a supervisor) or, as a reprint, a labelled one.
 *
 * reprint is 0 for the first print and a WF_TABLE_REPRINT code for a
 * reprint (required then). Reprints change no state and are limited:
 * the WORKFLOW_REPRINT_LIMIT+1-th within WORKFLOW_REPRINT_WINDOW locks
 * the person (lockout_anomaly; WF_R_RATE_LOCKED, WF_FX_LOGOUT) and
 * prints nothing.
 *
 * The order is decrypted into locked memory, the label rendered into a
 * locked buffer (label.h) and sent in one attempt (printer.h), then
 * wiped. Success writes, in one transaction, the prints row (order id,
 * printer URI, byte count, reprint code), its audit row
 * (AUDIT_LABEL_PRINTED / AUDIT_LABEL_REPRINTED, count = bytes) and, for
 * a first print, the label step (state, outbox event, step audit).
 * A failed send writes only AUDIT_PRINT_FAILED (count = bytes sent) and
 * is WF_R_PRINT_FAILED with the printer's message: the order stays as it
 * was and nothing is retried. Also refused: WF_R_NO_PRINTER, WF_R_ROLE,
 * WF_R_LOCKED, WF_R_CANCELLED, WF_R_WIPED, WF_R_EXCEPTION,
 * WF_R_WRONG_STATE, WF_R_BAD_INPUT (a reprint code on a first print or
 * none on a reprint), WF_R_NOT_FOUND. out->count is the bytes sent.
 * Nothing here or in the messages carries a byte of the label.
 */
int workflow_print(struct station *s, const char *user, const char *order_id,
    int reprint, int64_t now, struct workflow_outcome *out,
    struct ferr *err);

/*
 * Would workflow_advance(step) be allowed now (tracking aside)? Same
 * checks, nothing written (not even a refusal's audit row): for the key
 * bar, and for the label path to ask before it prints. WF_R_ALLOWED.
 */
int workflow_check(struct station *s, const char *user, const char *order_id,
    enum workflow_step step, int64_t now, struct workflow_outcome *out,
    struct ferr *err);

/*
 * What stops an order, without opening it: by id or ref, *cancelled (OMS
 * status) and *wiped (its customer data is gone: delivered, cancelled or
 * purged), the id into id_out. For the screen that was asked to open an
 * order whose data is gone: a cancelled one gets the blocking alert.
 * FULFIL_ENOTFOUND when there is no such order.
 */
int workflow_order_stop(struct station *s, const char *id_or_ref,
    char id_out[ORDER_ID_MAX + 1], bool *cancelled, bool *wiped,
    struct ferr *err);

/* Counts of one item line at the current step. */
struct workflow_line {
	long qty;
	long count;
};

/* ---- box and weight (the packer) ------------------------------------ */

#define WORKFLOW_BOX_MAX 32		/* bytes of a box code */
#define WORKFLOW_WEIGHT_MAX_G 70000	/* 70 kg: a parcel, not a pallet */

/*
 * "1.25", "0,8", "12" (kilograms, '.' or ',', up to 3 decimals) into
 * grams, 1..WORKFLOW_WEIGHT_MAX_G. 0 or FULFIL_EINVAL.
 */
int workflow_weight_parse(const char *text, long *grams);

/*
 * The packer records the box (a code: printable ASCII without spaces,
 * 1..WORKFLOW_BOX_MAX bytes; NULL keeps the one recorded) and the
 * parcel's weight (grams, 1..WORKFLOW_WEIGHT_MAX_G; -1 keeps it) of an
 * order that is picked or packed (not yet labelled). Operational data,
 * never PII: kept plain in the packing table; the label prints the
 * weight, the screens of packers, dispatchers and supervisors show
 * both. Refused: WF_R_ROLE (a packer's work), WF_R_LOCKED,
 * WF_R_CANCELLED, WF_R_WIPED, WF_R_EXCEPTION, WF_R_WRONG_STATE,
 * WF_R_BAD_INPUT, WF_R_NOT_FOUND. WF_R_RECORDED when done.
 */
int workflow_pack_info(struct station *s, const char *user,
    const char *order_id, const char *box, long weight_g, int64_t now,
    struct workflow_outcome *out, struct ferr *err);

/* Where an order stands, for the order screen (no order text). */
struct workflow_progress {
	enum workflow_state state;
	enum workflow_step step;	/* next; WF_STEP_NONE when shipped */
	enum role role;			/* who takes it; 0 when none */
	bool cancelled, wiped;
	bool scans;			/* step is verified by scans */
	bool overridden;		/* a supervisor lifted this step's gate */
	bool verified;			/* every line counted, or overridden */
	int64_t exception_id;		/* the open exception; 0: none */
	int exception_kind;		/* its WF_EXC_*; 0: none */
	long total, counted;		/* items (sum of qty), counted at step */
	char box[WORKFLOW_BOX_MAX + 1];	/* the packer's box; "" when none */
	long weight_g;			/* the parcel's weight; -1 when none */
	size_t nlines;			/* 0 when wiped */
	struct workflow_line lines[ORDER_ITEMS_MAX];	/* by item index */
};

/*
 * Fill *p for order_id (a person holding picker, packer, dispatcher or
 * supervisor now; else FULFIL_EPERM). p is large: keep it off small
 * stacks. FULFIL_ENOTFOUND when there is no such order.
 */
int workflow_progress(struct station *s, const char *user,
    const char *order_id, int64_t now, struct workflow_progress *p,
    struct ferr *err);

/* ---- code tables -------------------------------------------------------- */

enum workflow_table {
	WF_TABLE_EXCEPTION = 1,	/* exception kinds (F8) */
	WF_TABLE_RESOLUTION = 2,	/* how a supervisor closes one */
	WF_TABLE_OVERRIDE = 3,	/* why verification is lifted */
	WF_TABLE_REVEAL = 4,	/* why PII is revealed */
	WF_TABLE_REVOKE = 5,	/* why a role is revoked (supervise.h) */
	WF_TABLE_UNLOCK = 6,	/* why an account is unlocked (supervise.h) */
	WF_TABLE_REPRINT = 7,	/* why a label is printed again */
};

enum workflow_exception_kind {
	WF_EXC_SHORT_PICK = 1,
	WF_EXC_DAMAGED = 2,
	WF_EXC_WRONG_ITEM = 3,
	WF_EXC_OTHER = 4,
};

enum workflow_resolution {
	WF_RES_CONTINUE = 1,	/* fixed: the order goes on, counts kept */
	WF_RES_RECOUNT = 2,	/* the current step's counts start again */
};

enum workflow_override_reason {
	WF_OVR_UNREADABLE = 1,	/* barcode damaged or unreadable */
	WF_OVR_NO_BARCODE = 2,	/* the item carries no barcode */
	WF_OVR_SCANNER = 3,	/* scanner fault */
	WF_OVR_CHECKED = 4,	/* checked by eye by the supervisor */
};

enum workflow_reveal_reason {
	WF_REV_CARRIER = 1,	/* the carrier needs a detail */
	WF_REV_ADDRESS = 2,	/* the address looks wrong or incomplete */
	WF_REV_CUSTOMER = 3,	/* customer service request */
	WF_REV_INCIDENT = 4,	/* incident investigation */
};

enum workflow_revoke_reason {
	WF_RVK_LEFT = 1,	/* the person left or moved on */
	WF_RVK_CHANGE = 2,	/* the person's job changed */
	WF_RVK_REVIEW = 3,	/* the access review found it not needed */
	WF_RVK_SECURITY = 4,	/* a security concern */
};

enum workflow_unlock_reason {
	WF_UNL_VERIFIED = 1,	/* identity checked in person */
	WF_UNL_MISTYPED = 2,	/* the person mistyped; no attack seen */
	WF_UNL_SCANNER = 3,	/* a scanner or badge fault caused it */
	WF_UNL_REVIEWED = 4,	/* the anomaly was looked into and cleared */
};

enum workflow_reprint_reason {
	WF_RPR_JAMMED = 1,	/* the label jammed or tore */
	WF_RPR_SMUDGED = 2,	/* print unreadable or barcode does not scan */
	WF_RPR_LOST = 3,	/* the label was lost or spoiled */
	WF_RPR_PRINTER = 4,	/* printer fault: nothing came out */
};

struct workflow_code {
	int code;		/* stored and audited (count) */
	const char *name;	/* stable: "short-pick" */
	const char *text;	/* untranslated (N_): show _(text) */
};

/* Entry i of table t; false past the end or for an unknown table. */
bool workflow_code_info(enum workflow_table t, size_t i,
    struct workflow_code *out);
/* The name of code in table t; NULL when it is not in the table. */
const char *workflow_code_name(enum workflow_table t, int code);

/* ---- exceptions (F8) ----------------------------------------------- */

/*
 * Record an exception of kind (WF_TABLE_EXCEPTION) on order_id, raised
 * by a person holding the role of the order's next step, or a
 * supervisor. Refused: shipped (WF_R_WRONG_STATE), cancelled, wiped, an
 * exception already open (WF_R_EXCEPTION), unknown kind (BAD_INPUT).
 * Audited (AUDIT_EXCEPTION, count = kind). WF_R_RECORDED, exception_id.
 */
int workflow_exception_raise(struct station *s, const char *user,
    const char *order_id, int kind, int64_t now,
    struct workflow_outcome *out, struct ferr *err);

/*
 * Close an open exception (supervisor) with a resolution
 * (WF_TABLE_RESOLUTION); WF_RES_RECOUNT also clears the current step's
 * counts. Allowed on cancelled and wiped orders too (clears the queue).
 * Audited (AUDIT_EXCEPTION_RESOLVED). WF_R_NOT_FOUND when exception_id is
 * not open.
 */
int workflow_exception_resolve(struct station *s, const char *user,
    int64_t exception_id, int resolution, int64_t now,
    struct workflow_outcome *out, struct ferr *err);

/* An open exception, for the supervisor queue (no order text). */
struct workflow_exception_info {
	int64_t id;
	const char *order_id;
	int kind;			/* WF_EXC_* */
	enum workflow_state state;	/* the order's, when raised */
	const char *raised_by;		/* login name */
	int64_t raised_at;
};
typedef int (*workflow_exception_fn)(void *ctx,
    const struct workflow_exception_info *e);

/*
 * The open exceptions, oldest first (supervisor now, else FULFIL_EPERM).
 * Strings are valid during the callback; rows are read before fn runs,
 * so fn may call workflow functions; non-zero from fn stops the walk and
 * is returned.
 */
int workflow_exceptions_open(struct station *s, const char *user,
    int64_t now, workflow_exception_fn fn, void *ctx, struct ferr *err);

/* ---- verification override --------------------------------------------- */

/*
 * A supervisor lifts scan verification of the order's next step (pick
 * or pack) with a reason (WF_TABLE_OVERRIDE): that step may then be
 * taken without every line counted. Audited (AUDIT_OVERRIDE, role: the
 * step's, count: reason). Refused like a scan (cancelled, wiped,
 * exception open, WF_R_NO_SCAN when the next step verifies nothing).
 */
int workflow_override(struct station *s, const char *user,
    const char *order_id, int reason, int64_t now,
    struct workflow_outcome *out, struct ferr *err);

/* ---- PII reveal (R3, R5, R2) ---------------------------------------------- */

#define WORKFLOW_REVEAL_TEXT_MAX 120	/* bytes of the reason text */
#define WORKFLOW_REVEAL_LIMIT 5		/* reveals per person within ... */
#define WORKFLOW_REVEAL_WINDOW 3600	/* ... seconds */

/*
 * May supervisor user see order_id's customer data now? Decides and
 * records; the view module builds the revealed view only after this
 * returned 0 (WF_R_REVEAL_OK). reason is a WF_TABLE_REVEAL code; text
 * is what the supervisor typed: 1..WORKFLOW_REVEAL_TEXT_MAX bytes of
 * valid UTF-8 without control characters (C0, DEL, C1) or bidi
 * controls, not only spaces. Refused: no supervisor role, locked,
 * cancelled or wiped order, bad input. The reveal is audited
 * (AUDIT_PII_REVEAL: actor, order, count = reason code); the free text
 * never enters the audit log: it is kept with the reveal in the
 * reveals table of the cache (evidence for R5), sealed (a person can
 * type a name into it) with XChaCha20-Poly1305 under the station secret
 * "reveal-text" (itself sealed under the KEK), its row (user, order, at)
 * as associated data; the retention sweep drops it after [audit]
 * retain. More than WORKFLOW_REVEAL_LIMIT reveals by one person within WORKFLOW_REVEAL_WINDOW: the one over the limit is
 * refused and locks the person (lockout_anomaly, WF_R_RATE_LOCKED,
 * WF_FX_LOGOUT).
 */
int workflow_reveal(struct station *s, const char *user, const char *order_id,
    int reason, const char *text, int64_t now, struct workflow_outcome *out,
    struct ferr *err);

/* A recorded reveal, for workflow_reveals(); valid during the callback. */
struct workflow_reveal_row {
	int64_t seq, at;
	const char *user, *order_id;
	int reason;		/* WF_TABLE_REVEAL code */
	const char *text;	/* opened; NULL when it fails authentication */
};
typedef int (*workflow_reveal_fn)(void *ctx,
    const struct workflow_reveal_row *row);

/*
 * The reveals with at >= since, oldest first, each reason text opened
 * into locked memory for the callback and wiped after it (fulfilctl
 * reveals: the evidence an investigation asks for). A row whose sealed
 * text does not authenticate (moved between rows, altered) is passed
 * with text NULL and counted in *bad (may be NULL). fn returning
 * non-zero stops.
 */
int workflow_reveals(struct station *s, int64_t since, workflow_reveal_fn fn,
    void *ctx, size_t *bad, struct ferr *err);

/* ---- picker queue ------------------------------------------------------ */

/* Bytes of a queue entry's service: sanitised, at most 24 columns. */
#define WORKFLOW_SERVICE_COLS 24
#define WORKFLOW_SERVICE_CAP (WORKFLOW_SERVICE_COLS * 4 + 4)

/*
 * A queued order, plain columns only, ready to draw: id and ref are
 * printable ASCII (orders validates them), service went through
 * display_fit (cut with an ellipsis past WORKFLOW_SERVICE_COLS).
 */
struct workflow_queue_entry {
	char id[ORDER_ID_MAX + 1];
	char ref[ORDER_ID_MAX + 1];
	int64_t ship_by;
	char service[WORKFLOW_SERVICE_CAP];
	int64_t item_count;			/* item lines */
};

/*
 * The picker's queue (picker now, else FULFIL_EPERM): queued orders
 * that are not cancelled, still hold their data and have no open
 * exception, by ship_by then id; at most cap into out[0..*n). The next
 * order to pick is out[0].
 */
int workflow_queue(struct station *s, const char *user, int64_t now,
    struct workflow_queue_entry *out, size_t cap, size_t *n,
    struct ferr *err);

#endif
