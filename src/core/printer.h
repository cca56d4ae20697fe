/*
 * printer: the two transports a label may take, and nothing else (R11).
 *
 *   tcp://HOST:PORT   raw socket printing (port 9100): connect with a
 *                     timeout, write everything with a write timeout,
 *                     close. Optionally ask ~HS (host status) first and
 *                     refuse to print when the printer reports paper
 *                     out, head open, ribbon out or paused.
 *   device:/dev/...   a character device (e.g. /dev/usb/lp0), opened
 *                     O_WRONLY|O_NOFOLLOW|O_CLOEXEC|O_NOCTTY and refused
 *                     unless fstat says S_ISCHR (a regular file, a FIFO or
 *                     a symlink would keep the label somewhere).
 *
 * CUPS, lpd, ipp and file targets are refused by the configuration
 * (config.c parse_printer) because they spool jobs to disk; printer_send
 * refuses them again. Nothing is retried behind the caller's back: one
 * call, one attempt. Messages name the printer URI and what went wrong,
 * never a byte of the label.
 */
#ifndef FULFIL_PRINTER_H
#define FULFIL_PRINTER_H

#include <stdbool.h>
#include <stddef.h>

#include "ferr.h"

#define PRINTER_CONNECT_TIMEOUT_MS 3000
#define PRINTER_IO_TIMEOUT_MS 5000

struct printer_opts {
	int connect_timeout_ms;	/* <= 0: PRINTER_CONNECT_TIMEOUT_MS */
	int io_timeout_ms;	/* <= 0: PRINTER_IO_TIMEOUT_MS; per write/read */
	bool host_status;	/* tcp: ask ~HS before printing */
};

/* What ~HS reported (PRINTER_ST_* bits); 0 when ready. */
#define PRINTER_ST_PAPER_OUT 0x1u
#define PRINTER_ST_PAUSED 0x2u
#define PRINTER_ST_HEAD_OPEN 0x4u
#define PRINTER_ST_RIBBON_OUT 0x8u

/*
 * Send len bytes of buf to the printer at uri in one attempt. 0 when all
 * were written and the connection closed cleanly. FULFIL_EIO naming the
 * printer for: refused or unreachable, timed out (connect or a stalled
 * write), short write, a host status that is not ready (*status says
 * which; the label is not sent). FULFIL_EPERM for a device that is not
 * a character device; FULFIL_ECONFIG for a URI that is no transport.
 * *sent (may be NULL) is the number of bytes written; *status (may be
 * NULL) the PRINTER_ST_* bits of the last host status, 0 if not asked.
 */
int printer_send(const char *uri, const struct printer_opts *opts,
    const void *buf, size_t len, size_t *sent, unsigned *status,
    struct ferr *err);

#endif
