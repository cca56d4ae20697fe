/*
 * ferr: error codes and caller-owned messages (see ferr.h).
 * Never formats customer data; callers pass ids and field names only.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ferr.h"

int
ferr_set(struct ferr *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

/* Append src to the NUL-terminated dst of size len, cutting if needed. */
static void
ferr_append(char *dst, size_t len, const char *src)
{
	size_t used = strnlen(dst, len - 1), room = len - 1 - used;
	size_t n = strlen(src);

	if (n > room)
		n = room;
	memcpy(dst + used, src, n);
	dst[used + n] = '\0';
}

int
ferr_prefix(struct ferr *err, const char *fmt, ...)
{
	char old[FERR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return FULFIL_EINVAL;
	memcpy(old, err->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	ferr_append(err->msg, sizeof err->msg, ": ");
	ferr_append(err->msg, sizeof err->msg, old);
	return err->code;
}

void
ferr_clear(struct ferr *err)
{
	if (err == NULL)
		return;
	err->code = FULFIL_OK;
	err->msg[0] = '\0';
}

static const struct {
	int code;
	const char *name;
} ferr_names[] = {
	{ FULFIL_OK, "ok" },
	{ FULFIL_EINVAL, "invalid" },
	{ FULFIL_ECONFIG, "config" },
	{ FULFIL_ENOMEM, "memory" },
	{ FULFIL_EIO, "io" },
	{ FULFIL_EDB, "database" },
	{ FULFIL_ECRYPTO, "crypto" },
	{ FULFIL_ENOTFOUND, "not-found" },
	{ FULFIL_EPERM, "permission" },
	{ FULFIL_EEXIST, "exists" },
	{ FULFIL_EKEY, "key" },
	{ FULFIL_ESTATE, "state" },
};

const char *
ferr_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof ferr_names / sizeof ferr_names[0]; i++)
		if (ferr_names[i].code == code)
			return ferr_names[i].name;
	return "unknown";
}
