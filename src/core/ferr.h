/*
 * ferr: the one error convention of fulfil.
 *
 * Functions return 0 or a negative FULFIL_E* code and, when the caller
 * passes a struct ferr, a short human message (already translated).
 * Messages never contain customer data: name the order id, the field,
 * the file and line, never the value.
 */
#ifndef FULFIL_FERR_H
#define FULFIL_FERR_H

enum fulfil_err {
	FULFIL_OK = 0,
	FULFIL_EINVAL = -1,	/* bad input: data, argument, format */
	FULFIL_ECONFIG = -2,	/* configuration file or value */
	FULFIL_ENOMEM = -3,
	FULFIL_EIO = -4,	/* file system or network */
	FULFIL_EDB = -5,	/* sqlite */
	FULFIL_ECRYPTO = -6,	/* authentication failed: tampered or wrong key */
	FULFIL_ENOTFOUND = -7,
	FULFIL_EPERM = -8,	/* unsafe permissions, or not allowed */
	FULFIL_EEXIST = -9,
	FULFIL_EKEY = -10,	/* key missing, malformed or weak */
	FULFIL_ESTATE = -11,	/* not possible in the current state */
};

#define FERR_MSG_MAX 512

struct ferr {
	int code;
	char msg[FERR_MSG_MAX];
};

/*
 * Record an error and return its code, so call sites read
 *   return ferr_set(err, FULFIL_EINVAL, _("..."), ...);
 * err may be NULL. The message is cut at FERR_MSG_MAX - 1 bytes.
 */
int ferr_set(struct ferr *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with more context: "ctx: old message". */
int ferr_prefix(struct ferr *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void ferr_clear(struct ferr *err);

/* A stable lower-case name for a code ("config", "crypto", ...). */
const char *ferr_name(int code);

#endif
