/*
 * printer: the transports a label may take to the printer, and no other.
 *
 * Owns the parsing of a printer URI (tcp://HOST:PORT, device:/PATH), one
 * socket or one file descriptor per call, the optional ~HS host-status
 * query and its parsing (ZPL II "Host Status Return": three
 * <STX>...<ETX><CR><LF> strings; string 1 field 2 is the paper-out flag,
 * field 3 the pause flag; string 2 field 3 the head-up flag, field 4
 * the ribbon-out flag).
 *
 * Must never: retry behind the caller's back, write to anything but a
 * socket or a character device (a regular file, a FIFO or a symlink
 * would keep the label), block without a timeout on a network printer,
 * raise SIGPIPE, or put a byte of the label (or of the printer's
 * answer) into a message: messages name the URI and the failure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/sockios.h>

#include "ferr.h"
#include "i18n.h"
#include "printer.h"
#include "secret.h"

#define P_SHOW_MAX 128		/* bytes of the URI shown in a message */
#define P_HOST_MAX 255
#define P_HS_MAX 1024		/* bytes of a ~HS answer read at most */
#define P_DRAIN_SLICE_MS 20	/* how often the end of a send is checked */

struct p_ctx {
	char show[P_SHOW_MAX + 4];	/* the URI, safe to print */
	int connect_ms, io_ms;
	bool host_status;
	size_t *sent;
	unsigned *status;
	struct ferr *err;
};

/* The URI for a message: printable ASCII, anything else '?', cut. */
static void
p_show(const char *uri, char *out)
{
	size_t i;

	for (i = 0; uri[i] != '\0' && i < P_SHOW_MAX; i++)
		out[i] = (uri[i] >= 0x20 && uri[i] < 0x7f) ? uri[i] : '?';
	if (uri[i] != '\0') {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

static int64_t
p_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, at least 0, at most INT_MAX. */
static int
p_left(int64_t deadline)
{
	int64_t left = deadline - p_now_ms();

	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/*
 * poll fd for events until deadline. 1 ready, 0 timed out, -1 error
 * (errno set).
 */
static int
p_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int r;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, p_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r;
		return 1;
	}
}

/* ---- writing ------------------------------------------------------------- */

/*
 * Write all len bytes to a non-blocking fd, each wait for room bounded by
 * the io timeout. 0, or FULFIL_EIO with a message.
 */
static int
p_write_all(struct p_ctx *c, int fd, bool sock, const void *buf, size_t len,
    size_t *done)
{
	const unsigned char *p = buf;
	ssize_t n;
	int w, e;

	*done = 0;
	while (*done < len) {
		if (sock)
			n = send(fd, p + *done, len - *done, MSG_NOSIGNAL);
		else
			n = write(fd, p + *done, len - *done);
		if (n > 0) {
			*done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			w = p_wait(fd, POLLOUT, p_now_ms() + c->io_ms);
			if (w > 0)
				continue;
			if (w == 0)
				return ferr_set(c->err, FULFIL_EIO,
				    _("printer %s: timed out after %d ms "
				      "waiting to write (%zu of %zu bytes "
				      "sent); nothing was retried"), c->show,
				    c->io_ms, *done, len);
		}
		e = n < 0 ? errno : EIO;
		return ferr_set(c->err, FULFIL_EIO, _("printer %s: write "
		    "failed after %zu of %zu bytes: %s; nothing was retried"),
		    c->show, *done, len, strerror(e));
	}
	return 0;
}

/* ---- tcp ----------------------------------------------------------------- */

/* Split "HOST:PORT" or "[V6]:PORT" (after "tcp://"). 0 or ECONFIG. */
static int
p_split_hostport(struct p_ctx *c, const char *s, char *host, char *port)
{
	const char *colon, *h = s;
	size_t hl;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl > P_HOST_MAX || strchr(colon + 1, '/') != NULL ||
	    strlen(colon + 1) == 0 || strlen(colon + 1) > 5 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
bad:
	return ferr_set(c->err, FULFIL_ECONFIG, _("printer %s: must be "
	    "tcp://HOST:PORT"), c->show);
}

/* Connect to one address before deadline: fd, or -1 with errno. */
static int
p_connect_one(const struct addrinfo *ai, int64_t deadline)
{
	socklen_t el = sizeof(int);
	int fd, r, e = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	r = p_wait(fd, POLLOUT, deadline);
	if (r == 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (r < 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
		goto fail;
	if (e != 0) {
		errno = e;
		goto fail;
	}
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int
p_tcp_connect(struct p_ctx *c, const char *hostport, int *out)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[P_HOST_MAX + 1], port[8];
	int64_t deadline = p_now_ms() + c->connect_ms;
	int r, fd = -1, e = ECONNREFUSED;

	if ((r = p_split_hostport(c, hostport, host, port)) != 0)
		return r;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0)
		return ferr_set(c->err, FULFIL_EIO, _("printer %s: cannot "
		    "resolve the host: %s"), c->show, gai_strerror(r));
	/* One attempt: the addresses of the name in turn, one deadline. */
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if ((fd = p_connect_one(ai, deadline)) < 0)
			e = errno;
		if (fd < 0 && p_left(deadline) == 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (e == ETIMEDOUT)
			return ferr_set(c->err, FULFIL_EIO, _("printer %s: "
			    "no connection within %d ms; nothing was sent"),
			    c->show, c->connect_ms);
		return ferr_set(c->err, FULFIL_EIO, _("printer %s: cannot "
		    "connect: %s; nothing was sent"), c->show, strerror(e));
	}
	*out = fd;
	return 0;
}

/* The n-th (0-based) comma-separated field of s[0..len) is "1"? */
static int
p_flag(const char *s, size_t len, unsigned n)
{
	size_t i = 0, start;
	unsigned f = 0;

	while (f < n && i < len) {
		if (s[i++] == ',')
			f++;
	}
	if (f < n)
		return -1;
	start = i;
	while (i < len && s[i] != ',')
		i++;
	if (i - start != 1 || (s[start] != '0' && s[start] != '1'))
		return -1;
	return s[start] == '1';
}

/*
 * Parse a ~HS answer: three <STX>...<ETX> strings. 0 with *st set, or
 * -1 when the answer is not of that form (yet).
 */
static int
p_hs_parse(const char *buf, size_t len, unsigned *st)
{
	const char *str[3];
	size_t slen[3], i = 0, k = 0;
	int f[4];

	while (k < 3 && i < len) {
		const char *stx = memchr(buf + i, 0x02, len - i), *etx;

		if (stx == NULL)
			return -1;
		etx = memchr(stx, 0x03, len - (size_t)(stx - buf));
		if (etx == NULL)
			return -1;
		str[k] = stx + 1;
		slen[k] = (size_t)(etx - stx - 1);
		k++;
		i = (size_t)(etx - buf) + 1;
	}
	if (k < 3)
		return -1;
	f[0] = p_flag(str[0], slen[0], 1);	/* b: paper out */
	f[1] = p_flag(str[0], slen[0], 2);	/* c: pause */
	f[2] = p_flag(str[1], slen[1], 2);	/* o: head up */
	f[3] = p_flag(str[1], slen[1], 3);	/* p: ribbon out */
	for (i = 0; i < 4; i++)
		if (f[i] < 0)
			return -2;
	*st = (f[0] ? PRINTER_ST_PAPER_OUT : 0) | (f[1] ? PRINTER_ST_PAUSED :
	    0) | (f[2] ? PRINTER_ST_HEAD_OPEN : 0) |
	    (f[3] ? PRINTER_ST_RIBBON_OUT : 0);
	return 0;
}

static const struct {
	unsigned bit;
	const char *what;
} p_conditions[] = {
	{ PRINTER_ST_PAPER_OUT, N_("paper out") },
	{ PRINTER_ST_HEAD_OPEN, N_("head open") },
	{ PRINTER_ST_RIBBON_OUT, N_("ribbon out") },
	{ PRINTER_ST_PAUSED, N_("paused") },
};

/* Ask ~HS and refuse unless ready. 0, or FULFIL_EIO with a message. */
static int
p_host_status(struct p_ctx *c, int fd)
{
	char buf[P_HS_MAX], what[160] = "";
	size_t len = 0, i, done;
	int64_t deadline;
	unsigned st = 0;
	ssize_t n;
	int r, w;

	if ((r = p_write_all(c, fd, true, "~HS", 3, &done)) != 0)
		return ferr_prefix(c->err, "%s", _("asking for host status"));
	deadline = p_now_ms() + c->io_ms;
	for (;;) {
		r = p_hs_parse(buf, len, &st);
		if (r == 0)
			break;
		if (r == -2 || len == sizeof buf)
			return ferr_set(c->err, FULFIL_EIO, _("printer %s: "
			    "its host status (~HS) answer is not one this "
			    "program understands; nothing was printed"),
			    c->show);
		w = p_wait(fd, POLLIN, deadline);
		if (w == 0)
			return ferr_set(c->err, FULFIL_EIO, _("printer %s: no "
			    "host status (~HS) answer within %d ms; nothing "
			    "was printed (is host_status right for this "
			    "printer?)"), c->show, c->io_ms);
		if (w < 0)
			goto readerr;
		n = recv(fd, buf + len, sizeof buf - len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			goto readerr;
		if (n == 0)
			return ferr_set(c->err, FULFIL_EIO, _("printer %s: "
			    "closed the connection before answering host "
			    "status (~HS); nothing was printed"), c->show);
		len += (size_t)n;
	}
	if (c->status != NULL)
		*c->status = st;
	if (st == 0)
		return 0;
	for (i = 0; i < sizeof p_conditions / sizeof p_conditions[0]; i++) {
		if (!(st & p_conditions[i].bit))
			continue;
		if (what[0] != '\0')
			strncat(what, ", ", sizeof what - strlen(what) - 1);
		strncat(what, _(p_conditions[i].what),
		    sizeof what - strlen(what) - 1);
	}
	return ferr_set(c->err, FULFIL_EIO, _("printer %s is not ready: %s; "
	    "nothing was printed"), c->show, what);
readerr:
	r = errno;
	return ferr_set(c->err, FULFIL_EIO, _("printer %s: reading host "
	    "status failed: %s; nothing was printed"), c->show, strerror(r));
}

/*
 * After the last byte: send FIN, then wait (bounded) until the printer
 * closes or has acknowledged every byte, so that close() cannot discard
 * unsent data.
 */
static int
p_tcp_finish(struct p_ctx *c, int fd)
{
	int64_t deadline = p_now_ms() + c->io_ms;
	char sink[256];
	int outq = 0, w;
	ssize_t n;

	if (shutdown(fd, SHUT_WR) != 0 && errno != ENOTCONN)
		goto fail;
	for (;;) {
		if (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq == 0)
			return 0;
		w = p_wait(fd, POLLIN, p_now_ms() + P_DRAIN_SLICE_MS);
		if (w < 0)
			goto fail;
		if (w > 0) {
			n = recv(fd, sink, sizeof sink, 0);
			secret_wipe(sink, sizeof sink);
			if (n == 0)
				return 0;
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				goto fail;
		}
		if (p_left(deadline) == 0)
			return ferr_set(c->err, FULFIL_EIO, _("printer %s: "
			    "did not take the end of the label within %d "
			    "ms; it may not have printed"), c->show,
			    c->io_ms);
	}
fail:
	w = errno;
	return ferr_set(c->err, FULFIL_EIO, _("printer %s: closing the "
	    "connection failed: %s; the label may not have printed"),
	    c->show, strerror(w));
}

static int
p_tcp_send(struct p_ctx *c, const char *hostport, const void *buf,
    size_t len)
{
	size_t done = 0;
	int fd = -1, r;

	if ((r = p_tcp_connect(c, hostport, &fd)) != 0)
		return r;
	if (c->host_status && (r = p_host_status(c, fd)) != 0)
		goto out;
	if ((r = p_write_all(c, fd, true, buf, len, &done)) != 0)
		goto out;
	r = p_tcp_finish(c, fd);
out:
	if (c->sent != NULL)
		*c->sent = done;
	close(fd);
	return r;
}

/* ---- device -------------------------------------------------------------- */

static int
p_device_send(struct p_ctx *c, const char *path, const void *buf, size_t len)
{
	struct stat st;
	size_t done = 0;
	int fd, r, e;

	if (path[0] != '/')
		return ferr_set(c->err, FULFIL_ECONFIG, _("printer %s: must "
		    "be device: followed by an absolute path"), c->show);
	/*
	 * O_NONBLOCK: a FIFO without a reader fails at once (ENXIO) instead
	 * of hanging, and a busy printer cannot block a write forever.
	 */
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			return ferr_set(c->err, FULFIL_EPERM, _("printer %s: "
			    "is a symbolic link; name the character device "
			    "itself; nothing was sent"), c->show);
		if (e == ENXIO)
			return ferr_set(c->err, FULFIL_EPERM, _("printer %s: "
			    "is not a printer device (no device or a FIFO "
			    "without a reader); nothing was sent"), c->show);
		return ferr_set(c->err, FULFIL_EIO, _("printer %s: cannot "
		    "open: %s; nothing was sent"), c->show, strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		r = ferr_set(c->err, FULFIL_EIO, _("printer %s: cannot stat: "
		    "%s; nothing was sent"), c->show, strerror(e));
		goto out;
	}
	if (!S_ISCHR(st.st_mode)) {
		r = ferr_set(c->err, FULFIL_EPERM, _("printer %s: is %s, not "
		    "a character device; refused, a label must not be kept "
		    "anywhere; nothing was sent"), c->show,
		    S_ISREG(st.st_mode) ? _("a regular file") :
		    S_ISFIFO(st.st_mode) ? _("a FIFO") :
		    S_ISSOCK(st.st_mode) ? _("a socket") :
		    S_ISDIR(st.st_mode) ? _("a directory") :
		    _("a block device or other file"));
		goto out;
	}
	r = p_write_all(c, fd, false, buf, len, &done);
out:
	if (c->sent != NULL)
		*c->sent = done;
	if (close(fd) != 0 && r == 0) {
		e = errno;
		r = ferr_set(c->err, FULFIL_EIO, _("printer %s: close "
		    "failed: %s; the label may not have printed"), c->show,
		    strerror(e));
	}
	return r;
}

/* ---- the one entry point ------------------------------------------------- */

int
printer_send(const char *uri, const struct printer_opts *opts,
    const void *buf, size_t len, size_t *sent, unsigned *status,
    struct ferr *err)
{
	struct p_ctx c;

	if (sent != NULL)
		*sent = 0;
	if (status != NULL)
		*status = 0;
	if (uri == NULL || *uri == '\0')
		return ferr_set(err, FULFIL_ECONFIG,
		    _("no printer is configured ([printer] uri)"));
	if (buf == NULL && len > 0)
		return ferr_set(err, FULFIL_EINVAL, _("printer: no label"));
	memset(&c, 0, sizeof c);
	p_show(uri, c.show);
	c.connect_ms = opts != NULL && opts->connect_timeout_ms > 0 ?
	    opts->connect_timeout_ms : PRINTER_CONNECT_TIMEOUT_MS;
	c.io_ms = opts != NULL && opts->io_timeout_ms > 0 ?
	    opts->io_timeout_ms : PRINTER_IO_TIMEOUT_MS;
	c.host_status = opts != NULL && opts->host_status;
	c.sent = sent;
	c.status = status;
	c.err = err;
	/* Schemes are case-insensitive, as config.c reads them. */
	if (strncasecmp(uri, "tcp://", 6) == 0)
		return p_tcp_send(&c, uri + 6, buf, len);
	if (strncasecmp(uri, "device:", 7) == 0)
		return p_device_send(&c, uri + 7, buf, len);
	return ferr_set(err, FULFIL_ECONFIG, _("printer %s: not a transport "
	    "fulfil prints to (tcp://HOST:PORT or device:/PATH; CUPS, lpd, "
	    "ipp and files spool labels to disk)"), c.show);
}
