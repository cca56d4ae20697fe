/*
 * test_printer: the two transports. A printer stand-in in a thread on
 * 127.0.0.1 (port 0) records what arrives and can answer ~HS; the tests
 * compare the bytes, and check refusals: a closed port (connection
 * refused), a full accept queue (connect timeout), a reader that never
 * reads (write timeout, bounded), ~HS reporting paper out, pause, head
 * open or ribbon out (refused with the condition named and nothing but
 * "~HS" sent), a ~HS that is never answered or is garbage; device: on a
 * regular file, a symlink to a character device, a FIFO with and
 * without a reader and a directory (refused, nothing written, no hang),
 * /dev/null (accepted); URIs that are no transport. No message may
 * carry a byte of the label. Small timeouts; no timed assertions.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "testutil.h"

#include "ferr.h"
#include "printer.h"

#define STX "\x02"
#define ETX "\x03"
#define HS(b, c, o, p) \
	STX "030," b "," c ",1218,000,0,0,0,000,0,0,0" ETX "\r\n" \
	STX "001,0," o "," p ",0,2,6,0,00000000,1,000" ETX "\r\n" \
	STX "1234,0" ETX "\r\n"

static const char label[] = "^XA^FO10,10^A0N,30,30^FH^FDSYNTHETIC-NAME^FS^XZ";

/* ---- the stand-in ---------------------------------------------------- */

struct standin {
	int lfd;
	int port;
	const char *answer;	/* sent once "~HS" arrived; NULL: never */
	size_t answer_len;
	unsigned char *got;
	size_t len, cap;
	pthread_t th;
};

static int
listen_local(int *port, int rcvbuf, int backlog)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (rcvbuf > 0)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof rcvbuf), 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void *
standin_run(void *arg)
{
	struct standin *s = arg;
	bool answered = false;
	int c = accept(s->lfd, NULL, NULL);

	if (c < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (s->len == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 65536;
			s->got = realloc(s->got, s->cap);
			if (s->got == NULL)
				break;
		}
		n = read(c, s->got + s->len, s->cap - s->len);
		if (n <= 0)
			break;
		s->len += (size_t)n;
		if (!answered && s->answer != NULL && s->len >= 3 &&
		    memmem(s->got, s->len, "~HS", 3) != NULL) {
			answered = true;
			if (write(c, s->answer, s->answer_len) < 0)
				break;
		}
	}
	close(c);
	return NULL;
}

static void
standin_start(struct standin *s, const char *answer)
{
	memset(s, 0, sizeof *s);
	s->lfd = listen_local(&s->port, 0, 4);
	s->answer = answer;
	s->answer_len = answer != NULL ? strlen(answer) : 0;
	assert_int_equal(pthread_create(&s->th, NULL, standin_run, s), 0);
}

/* Wait for the stand-in to see the end of the connection. */
static void
standin_join(struct standin *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static void
standin_free(struct standin *s)
{
	free(s->got);
}

static char *
uri_for(int port)
{
	char *u = malloc(64);

	assert_non_null(u);
	snprintf(u, 64, "tcp://127.0.0.1:%d", port);
	return u;
}

static const struct printer_opts fast = { 500, 500, false };
static const struct printer_opts fast_hs = { 500, 500, true };

/* ---- tcp ------------------------------------------------------------- */

static void
test_tcp_records(void **state)
{
	struct standin s;
	struct ferr err;
	size_t sent = 99, big = 1024 * 1024, i;
	unsigned st = 99;
	unsigned char *buf;
	char *uri;

	(void)state;
	standin_start(&s, NULL);
	uri = uri_for(s.port);
	ferr_clear(&err);
	if (printer_send(uri, &fast, label, strlen(label), &sent, &st,
	    &err) != 0)
		fail_msg("%s", err.msg);
	standin_join(&s);
	assert_int_equal(sent, strlen(label));
	assert_int_equal(st, 0);
	assert_int_equal(s.len, strlen(label));
	assert_memory_equal(s.got, label, s.len);
	standin_free(&s);
	free(uri);

	/* A big label arrives whole, byte for byte. */
	buf = malloc(big);
	assert_non_null(buf);
	for (i = 0; i < big; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	standin_start(&s, NULL);
	uri = uri_for(s.port);
	if (printer_send(uri, NULL, buf, big, &sent, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	standin_join(&s);
	assert_int_equal(sent, big);
	assert_int_equal(s.len, big);
	assert_memory_equal(s.got, buf, big);
	standin_free(&s);
	free(uri);
	free(buf);
}

static void
test_tcp_refused(void **state)
{
	struct ferr err;
	size_t sent = 99;
	char *uri, want[96];
	int port, fd;

	(void)state;
	fd = listen_local(&port, 0, 1);
	close(fd);	/* nobody listens there now */
	uri = uri_for(port);
	ferr_clear(&err);
	assert_int_equal(printer_send(uri, &fast, label, strlen(label), &sent,
	    NULL, &err), FULFIL_EIO);
	assert_int_equal(err.code, FULFIL_EIO);
	assert_int_equal(sent, 0);
	snprintf(want, sizeof want, "printer %s: cannot connect", uri);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, strerror(ECONNREFUSED)));
	assert_null(strstr(err.msg, "SYNTHETIC"));
	free(uri);
}

/* A listener whose accept queue is full drops the SYN: connect times out. */
static void
test_tcp_connect_timeout(void **state)
{
	struct sockaddr_in a;
	struct ferr err;
	int port, lfd, c[4], i;
	char *uri;

	(void)state;
	lfd = listen_local(&port, 0, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	/* Fill the queue (backlog 0 holds one) with blocking connects. */
	for (i = 0; i < 2; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(c[i] >= 0);
		(void)connect(c[i], (struct sockaddr *)&a, sizeof a);
	}
	usleep(50000);
	uri = uri_for(port);
	ferr_clear(&err);
	assert_int_equal(printer_send(uri, &fast, label, strlen(label), NULL,
	    NULL, &err), FULFIL_EIO);
	if (strstr(err.msg, "no connection within 500 ms") == NULL &&
	    strstr(err.msg, "cannot connect") == NULL)
		fail_msg("%s", err.msg);
	assert_non_null(strstr(err.msg, "nothing was sent"));
	for (i = 0; i < 2; i++)
		close(c[i]);
	close(lfd);
	free(uri);
}

/* A printer that takes the connection and never reads. */
static void
test_tcp_stall(void **state)
{
	struct ferr err;
	size_t big = 32u * 1024 * 1024, sent = 0;
	unsigned char *buf;
	int port, lfd;
	char *uri;

	(void)state;
	lfd = listen_local(&port, 4096, 4);	/* never accepted, never read */
	buf = malloc(big);
	assert_non_null(buf);
	memset(buf, 'S', big);
	memcpy(buf, "SYNTHETIC-NAME", 14);
	uri = uri_for(port);
	ferr_clear(&err);
	assert_int_equal(printer_send(uri, &fast, buf, big, &sent, NULL,
	    &err), FULFIL_EIO);
	assert_true(sent < big);
	assert_non_null(strstr(err.msg, "timed out after 500 ms"));
	assert_non_null(strstr(err.msg, uri));
	assert_non_null(strstr(err.msg, "nothing was retried"));
	assert_null(strstr(err.msg, "SYNTHETIC"));
	assert_null(strstr(err.msg, "SSSS"));
	close(lfd);
	free(buf);
	free(uri);
}

struct hs_case {
	const char *what;
	const char *answer;
	unsigned status;
	const char *want;	/* in the message */
};

static const struct hs_case hs_cases[] = {
	{ "paper out", HS("1", "0", "0", "0"), PRINTER_ST_PAPER_OUT,
	    "is not ready: paper out; nothing was printed" },
	{ "paused", HS("0", "1", "0", "0"), PRINTER_ST_PAUSED,
	    "is not ready: paused" },
	{ "head open", HS("0", "0", "1", "0"), PRINTER_ST_HEAD_OPEN,
	    "is not ready: head open" },
	{ "ribbon out", HS("0", "0", "0", "1"), PRINTER_ST_RIBBON_OUT,
	    "is not ready: ribbon out" },
	{ "all at once", HS("1", "1", "1", "1"), PRINTER_ST_PAPER_OUT |
	    PRINTER_ST_PAUSED | PRINTER_ST_HEAD_OPEN | PRINTER_ST_RIBBON_OUT,
	    "paper out, head open, ribbon out, paused" },
	{ "garbage", STX "x" ETX STX "y" ETX STX "z" ETX, 0,
	    "answer is not one this program understands" },
};

static void
test_host_status_refused(void **state)
{
	struct standin s;
	struct ferr err;
	unsigned st;
	size_t i, sent;
	char *uri;

	(void)state;
	for (i = 0; i < sizeof hs_cases / sizeof hs_cases[0]; i++) {
		const struct hs_case *c = &hs_cases[i];

		standin_start(&s, c->answer);
		uri = uri_for(s.port);
		ferr_clear(&err);
		st = 99;
		sent = 99;
		assert_int_equal(printer_send(uri, &fast_hs, label,
		    strlen(label), &sent, &st, &err), FULFIL_EIO);
		standin_join(&s);
		if (strstr(err.msg, c->want) == NULL)
			fail_msg("%s: \"%s\"", c->what, err.msg);
		assert_non_null(strstr(err.msg, uri));
		if (c->status != 0)
			assert_int_equal(st, c->status);
		assert_int_equal(sent, 0);
		/* Nothing but the question reached the printer. */
		assert_int_equal(s.len, 3);
		assert_memory_equal(s.got, "~HS", 3);
		standin_free(&s);
		free(uri);
	}
}

static void
test_host_status_ok(void **state)
{
	struct standin s;
	struct ferr err;
	unsigned st = 99;
	size_t sent = 0;
	char *uri;

	(void)state;
	standin_start(&s, HS("0", "0", "0", "0"));
	uri = uri_for(s.port);
	ferr_clear(&err);
	if (printer_send(uri, &fast_hs, label, strlen(label), &sent, &st,
	    &err) != 0)
		fail_msg("%s", err.msg);
	standin_join(&s);
	assert_int_equal(st, 0);
	assert_int_equal(sent, strlen(label));
	assert_int_equal(s.len, 3 + strlen(label));
	assert_memory_equal(s.got, "~HS", 3);
	assert_memory_equal(s.got + 3, label, strlen(label));
	standin_free(&s);
	free(uri);

	/* A printer that never answers ~HS: refused after the timeout. */
	standin_start(&s, NULL);
	uri = uri_for(s.port);
	ferr_clear(&err);
	assert_int_equal(printer_send(uri, &fast_hs, label, strlen(label),
	    &sent, &st, &err), FULFIL_EIO);
	standin_join(&s);
	assert_non_null(strstr(err.msg, "no host status (~HS) answer within "
	    "500 ms"));
	assert_int_equal(s.len, 3);
	standin_free(&s);
	free(uri);
}

/* ---- device: ---------------------------------------------------------- */

struct dev_case {
	const char *what;
	int code;
	const char *want;
};

static void
expect_device(const char *path, int code, const char *want)
{
	struct ferr err;
	char uri[512];
	size_t sent = 99;

	snprintf(uri, sizeof uri, "device:%s", path);
	ferr_clear(&err);
	assert_int_equal(printer_send(uri, &fast, label, strlen(label), &sent,
	    NULL, &err), code);
	if (code != 0 && strstr(err.msg, want) == NULL)
		fail_msg("%s: \"%s\"", path, err.msg);
	if (code != 0) {
		assert_int_equal(sent, 0);
		assert_non_null(strstr(err.msg, uri));
		assert_null(strstr(err.msg, "SYNTHETIC"));
	} else {
		assert_int_equal(sent, strlen(label));
	}
}

static void
test_device(void **state)
{
	char *dir = tu_mkdtemp(), *reg, *lnk, *fifo, *missing;
	size_t len = 99;
	char *content;
	int rfd;

	(void)state;
	reg = tu_path(dir, "labels.zpl");
	lnk = tu_path(dir, "lp0");
	fifo = tu_path(dir, "fifo");
	missing = tu_path(dir, "nothing");
	assert_int_equal(tu_write_file(reg, "", 0, 0600), 0);
	assert_int_equal(symlink("/dev/null", lnk), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	expect_device(reg, FULFIL_EPERM, "is a regular file, not a "
	    "character device");
	content = tu_read_file(reg, &len);
	assert_non_null(content);
	assert_int_equal(len, 0);	/* nothing was written */
	free(content);
	expect_device(lnk, FULFIL_EPERM, "is a symbolic link");
	/* A FIFO without a reader: refused at once, no hang. */
	expect_device(fifo, FULFIL_EPERM, "is not a printer device");
	/* With a reader: opened, then refused by fstat. */
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	expect_device(fifo, FULFIL_EPERM, "is a FIFO, not a character "
	    "device");
	assert_int_equal(read(rfd, &len, 1), 0);	/* nothing arrived */
	close(rfd);
	expect_device(dir, FULFIL_EIO, "cannot open");
	expect_device(missing, FULFIL_EIO, "cannot open");
	expect_device("/dev/null", 0, NULL);
	{
		struct ferr err;

		assert_int_equal(printer_send("DEVICE:/dev/null", &fast, label,
		    strlen(label), NULL, NULL, &err), 0);
	}

	tu_rmtree(dir);
	free(dir);
	free(reg);
	free(lnk);
	free(fifo);
	free(missing);
}

static void
test_not_transports(void **state)
{
	static const char *const bad[] = {
		"file:/tmp/labels.zpl", "cups:zebra", "ipp://printer/ipp",
		"lpd://printer/q", "socket://printer:9100", "/dev/usb/lp0",
		"tcpx://127.0.0.1:9100", "zebra",
	};
	static const char *const malformed[] = {
		"tcp://127.0.0.1", "tcp://127.0.0.1:", "tcp://:9100",
		"tcp://127.0.0.1:0", "tcp://127.0.0.1:65536",
		"tcp://127.0.0.1:91x", "tcp://127.0.0.1:9100/path",
		"device:dev/null",
	};
	struct ferr err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ferr_clear(&err);
		assert_int_equal(printer_send(bad[i], &fast, label,
		    strlen(label), NULL, NULL, &err), FULFIL_ECONFIG);
		assert_non_null(strstr(err.msg, "not a transport"));
		assert_non_null(strstr(err.msg, "spool"));
	}
	for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		ferr_clear(&err);
		assert_int_equal(printer_send(malformed[i], &fast, label,
		    strlen(label), NULL, NULL, &err), FULFIL_ECONFIG);
	}
	assert_int_equal(printer_send(NULL, &fast, label, 1, NULL, NULL,
	    &err), FULFIL_ECONFIG);
	assert_int_equal(printer_send("", &fast, label, 1, NULL, NULL,
	    &err), FULFIL_ECONFIG);
	/* Control bytes in a URI never reach a message raw. */
	assert_int_equal(printer_send("x\x1b[2J", &fast, label, 1, NULL, NULL,
	    &err), FULFIL_ECONFIG);
	assert_null(strchr(err.msg, '\x1b'));
}

static int
setup(void **state)
{
	(void)state;
	tu_init();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_records),
		cmocka_unit_test(test_tcp_refused),
		cmocka_unit_test(test_tcp_connect_timeout),
		cmocka_unit_test(test_tcp_stall),
		cmocka_unit_test(test_host_status_refused),
		cmocka_unit_test(test_host_status_ok),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_not_transports),
	};

	return cmocka_run_group_tests_name("printer", tests, setup, NULL);
}
