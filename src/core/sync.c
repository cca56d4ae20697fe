/*
 * sync: the client of the order-management system (see sync.h and
 * doc/sync-protocol.md).
 *
 * Owns the libcurl handle (https only, redirects included; TLS 1.2 or
 * newer; peer and host verified; optional CA file, pinned keys and client
 * certificate), the bearer token (read from a file no one else can read,
 * kept in locked memory, wiped), the sync cursor and alert cursor (meta
 * keys sync_cursor and sync_alert_seq), the outbox push and the
 * terminal's background sync thread.
 *
 * It must never put a response body, an order field or the token into a
 * message, a log line or a file, never write a page it has not validated
 * completely, never store a page without its cursor (one transaction),
 * and never drop an outbox event: an event leaves the outbox only when
 * the server answered 2xx or 409 for it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "ferr.h"
#include "i18n.h"
#include "orders.h"
#include "retention.h"
#include "secret.h"
#include "station.h"
#include "store.h"
#include "sync.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define SYNC_TOKEN_MAX 4096
#define SYNC_CURSOR_MAX 256
#define SYNC_SMALL_BODY_MAX (64u * 1024)	/* answers to POSTs */
#define SYNC_LOW_SPEED_BYTES 1024L
#define SYNC_LOW_SPEED_TIME_MAX 30
#define SYNC_MAX_REDIRS 3L
#define SYNC_SERVER_ERRORS_MAX 3	/* in a row: the push stops */
#define SYNC_ALERT_BATCH 100
#define SYNC_CERT_TRIES 3
#define SYNC_SWEEP_EVERY 5	/* seconds of pulling between two sweeps */

#define META_CURSOR "sync_cursor"
#define META_ALERT_SEQ "sync_alert_seq"
#define META_LAST_SYNC "last_sync"

struct sync {
	const struct fulfil_config *cfg;
	CURL *curl;
	struct secret *auth;	/* "Authorization: Bearer TOKEN", or NULL */
	struct secret *body;	/* the response body: may hold PII */
	size_t body_max;
	bool body_over;
	char retry_after[64];	/* the Retry-After header of the answer */
	char errbuf[CURL_ERROR_SIZE];
	volatile sig_atomic_t *stop;
	int64_t (*now)(void *);
	void *clock_ctx;
};

/* The audit kinds pushed to {url}/alerts (security alerts). */
static const int alert_kinds[] = {
	AUDIT_TAMPER_FOUND, AUDIT_ACCOUNT_LOCKED, AUDIT_SPRAY_ALERT,
	AUDIT_CHAIN_BROKEN, AUDIT_ANOMALY_LOCK, AUDIT_SYNC_AUTH_REFUSED,
	AUDIT_SYNC_PAGE_REFUSED, AUDIT_RETENTION_CAP, AUDIT_STALE_PII,
	AUDIT_REKEY_RECOVERED,
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
sync_curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t
sy_now(const struct sync *sy)
{
	return sy->now != NULL ? sy->now(sy->clock_ctx) : (int64_t)time(NULL);
}

/* ---- pure helpers ------------------------------------------------------ */

int64_t
sync_backoff(int64_t attempts, uint32_t rnd)
{
	int64_t d = SYNC_BACKOFF_BASE;

	if (attempts < 1)
		attempts = 1;
	while (--attempts > 0 && d < SYNC_BACKOFF_MAX)
		d *= 2;
	if (d > SYNC_BACKOFF_MAX)
		d = SYNC_BACKOFF_MAX;
	/* Full range [d/2, d]: stations that failed together spread out. */
	return d / 2 + (int64_t)(rnd % (uint32_t)(d - d / 2 + 1));
}

static int64_t
clamp_retry(int64_t s)
{
	if (s < SYNC_RETRY_AFTER_MIN)
		return SYNC_RETRY_AFTER_MIN;
	if (s > SYNC_RETRY_AFTER_MAX)
		return SYNC_RETRY_AFTER_MAX;
	return s;
}

int64_t
sync_retry_after(const char *value, int64_t now)
{
	struct tm tm;
	const char *p;
	char *end;
	long long v;

	if (value == NULL)
		return 60;
	while (*value == ' ' || *value == '\t')
		value++;
	if (*value >= '0' && *value <= '9') {
		errno = 0;
		v = strtoll(value, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' ||
		    *end == '\n')
			end++;
		if (errno != 0 || *end != '\0')
			return errno == ERANGE ? SYNC_RETRY_AFTER_MAX : 60;
		return clamp_retry(v);
	}
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
	memset(&tm, 0, sizeof tm);
	p = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (p == NULL)
		return 60;
	return clamp_retry((int64_t)timegm(&tm) - now);
}

const char *
sync_state_label(enum sync_state state)
{
	switch (state) {
	case SYNC_OFF:
		return _("offline");
	case SYNC_STARTING:
		return _("sync starting");
	case SYNC_ONLINE:
		return _("online");
	case SYNC_OFFLINE:
		return _("offline");
	case SYNC_AUTH_STOPPED:
		return _("SYNC REFUSED");
	}
	return "?";
}

static void
format_rfc3339(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}

/* ---- the token --------------------------------------------------------- */

static bool
token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == '+' || c == '/' || c == '=';
}

/*
 * Read token_file into locked memory as a ready header line. The file
 * must be a regular file no one but its owner can read.
 */
static int
sy_read_token(struct sync *sy, const char *path, struct ferr *err)
{
	static const char prefix[] = "Authorization: Bearer ";
	struct secret *tok = NULL;
	struct stat sb;
	ssize_t n;
	size_t i, len;
	int fd, r = 0;

	/* O_NONBLOCK: a FIFO put there must not hang the open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return ferr_set(err, FULFIL_ECONFIG, _("[sync] token_file %s: %s"),
		    path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		r = ferr_set(err, FULFIL_ECONFIG,
		    _("[sync] token_file %s: not a regular file"), path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		r = ferr_set(err, FULFIL_EPERM,
		    _("[sync] token_file %s: readable by group or others "
		      "(mode %03o); chmod 600 it"), path,
		    (unsigned)(sb.st_mode & 0777));
		goto out;
	}
	if ((tok = secret_new(SYNC_TOKEN_MAX + 1)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
		goto out;
	}
	while (tok->len <= SYNC_TOKEN_MAX) {
		n = read(fd, tok->data + tok->len, tok->cap - tok->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = ferr_set(err, FULFIL_EIO, _("[sync] token_file %s: %s"),
			    path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		tok->len += (size_t)n;
	}
	if (tok->len > SYNC_TOKEN_MAX) {
		r = ferr_set(err, FULFIL_ECONFIG,
		    _("[sync] token_file %s: longer than %d bytes"), path,
		    SYNC_TOKEN_MAX);
		goto out;
	}
	len = tok->len;
	while (len > 0 && (tok->data[len - 1] == '\n' ||
	    tok->data[len - 1] == '\r' || tok->data[len - 1] == ' '))
		len--;
	for (i = 0; i < len; i++)
		if (!token_char(tok->data[i]))
			break;
	if (len == 0 || i < len) {
		r = ferr_set(err, FULFIL_ECONFIG,
		    _("[sync] token_file %s: not one bearer token (letters, "
		      "digits, -._~+/=)"), path);
		goto out;
	}
	if ((sy->auth = secret_new(sizeof prefix + len)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
		goto out;
	}
	memcpy(sy->auth->data, prefix, sizeof prefix - 1);
	memcpy(sy->auth->data + sizeof prefix - 1, tok->data, len);
	sy->auth->len = sizeof prefix - 1 + len;
	sy->auth->data[sy->auth->len] = '\0';
out:
	secret_free(tok);
	close(fd);
	return r;
}

/* ---- libcurl ----------------------------------------------------------- */

static size_t
sy_write(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct sync *sy = ctx;
	size_t n = size * nmemb, want;

	if (n > sy->body_max - sy->body->len) {
		sy->body_over = true;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	if (sy->body->len + n + 1 > sy->body->cap) {
		want = sy->body->cap * 2;
		if (want < sy->body->len + n + 1)
			want = sy->body->len + n + 1;
		if (want > sy->body_max + 1)
			want = sy->body_max + 1;
		if (secret_reserve(sy->body, want) != 0)
			return 0;
	}
	memcpy(sy->body->data + sy->body->len, ptr, n);
	sy->body->len += n;
	return n;
}

static size_t
sy_header(char *buf, size_t size, size_t nitems, void *ctx)
{
	static const char name[] = "retry-after:";
	struct sync *sy = ctx;
	size_t n = size * nitems, vlen;

	if (n > sizeof name - 1 &&
	    strncasecmp(buf, name, sizeof name - 1) == 0) {
		vlen = n - (sizeof name - 1);
		if (vlen >= sizeof sy->retry_after)
			vlen = sizeof sy->retry_after - 1;
		memcpy(sy->retry_after, buf + sizeof name - 1, vlen);
		sy->retry_after[vlen] = '\0';
	}
	return n;
}

static int
sy_xfer(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct sync *sy = ctx;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return sy->stop != NULL && *sy->stop ? 1 : 0;
}

#define SETOPT(opt, val)                                                     \
	do {                                                                 \
		if ((cc = curl_easy_setopt(sy->curl, opt, val)) != CURLE_OK) \
			goto fail;                                           \
	} while (0)

static int
sy_setup(struct sync *sy, struct ferr *err)
{
	const struct fulfil_config *cfg = sy->cfg;
	long low = (long)(cfg->sync.timeout < SYNC_LOW_SPEED_TIME_MAX ?
	    cfg->sync.timeout : SYNC_LOW_SPEED_TIME_MAX);
	CURLcode cc;

	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->sync.ca_file != NULL)
		SETOPT(CURLOPT_CAINFO, cfg->sync.ca_file);
	if (cfg->sync.pinned_pubkey != NULL)
		SETOPT(CURLOPT_PINNEDPUBLICKEY, cfg->sync.pinned_pubkey);
	if (cfg->sync.client_cert != NULL)
		SETOPT(CURLOPT_SSLCERT, cfg->sync.client_cert);
	if (cfg->sync.client_key != NULL)
		SETOPT(CURLOPT_SSLKEY, cfg->sync.client_key);
	SETOPT(CURLOPT_CONNECTTIMEOUT, (long)cfg->sync.connect_timeout);
	SETOPT(CURLOPT_TIMEOUT, (long)cfg->sync.timeout);
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, SYNC_LOW_SPEED_BYTES);
	SETOPT(CURLOPT_LOW_SPEED_TIME, low);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(CURLOPT_MAXREDIRS, SYNC_MAX_REDIRS);
	SETOPT(CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SYNC_BODY_MAX);
	SETOPT(CURLOPT_WRITEFUNCTION, sy_write);
	SETOPT(CURLOPT_WRITEDATA, sy);
	SETOPT(CURLOPT_HEADERFUNCTION, sy_header);
	SETOPT(CURLOPT_HEADERDATA, sy);
	SETOPT(CURLOPT_XFERINFOFUNCTION, sy_xfer);
	SETOPT(CURLOPT_XFERINFODATA, sy);
	SETOPT(CURLOPT_NOPROGRESS, 0L);
	SETOPT(CURLOPT_ERRORBUFFER, sy->errbuf);
	SETOPT(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SETOPT(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	return 0;
fail:
	return ferr_set(err, FULFIL_ECONFIG, _("libcurl: %s"),
	    curl_easy_strerror(cc));
}

#undef SETOPT

int
sync_new(const struct fulfil_config *cfg, struct sync **out,
    struct ferr *err)
{
	struct sync *sy;
	int r;

	*out = NULL;
	if (cfg->sync.url == NULL)
		return ferr_set(err, FULFIL_ECONFIG,
		    _("[sync] url is not set: this station does not sync"));
	pthread_once(&curl_once, sync_curl_init);
	if (curl_init_rc != CURLE_OK)
		return ferr_set(err, FULFIL_EIO, _("libcurl: %s"),
		    curl_easy_strerror(curl_init_rc));
	if ((sy = calloc(1, sizeof *sy)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	sy->cfg = cfg;
	if ((sy->body = secret_new(64 * 1024)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
		goto fail;
	}
	if (cfg->sync.token_file != NULL &&
	    (r = sy_read_token(sy, cfg->sync.token_file, err)) != 0)
		goto fail;
	if ((sy->curl = curl_easy_init()) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("libcurl: cannot start"));
		goto fail;
	}
	if ((r = sy_setup(sy, err)) != 0)
		goto fail;
	*out = sy;
	return 0;
fail:
	sync_free(sy);
	return r;
}

void
sync_free(struct sync *sy)
{
	if (sy == NULL)
		return;
	if (sy->curl != NULL)
		curl_easy_cleanup(sy->curl);
	secret_free(sy->auth);
	secret_free(sy->body);
	free(sy);
}

/* Wipe the strings of a header list (the token is in one), then free it. */
static void
headers_free(struct curl_slist *h)
{
	struct curl_slist *p;

	for (p = h; p != NULL; p = p->next)
		if (p->data != NULL)
			sodium_memzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

static int
headers_add(struct curl_slist **h, const char *line)
{
	struct curl_slist *n = curl_slist_append(*h, line);

	if (n == NULL)
		return FULFIL_ENOMEM;
	*h = n;
	return 0;
}

/*
 * One request: method GET (body NULL) or POST of a JSON body to
 * url + path. The answer's body lands in sy->body (at most cap bytes),
 * its status in *status. what names the request in messages ("GET
 * /orders"). Errors here are transport errors: FULFIL_EIO.
 */
static int
sy_request(struct sync *sy, const char *what, const char *path,
    const char *body, const char *idem_key, size_t cap, long *status,
    struct ferr *err)
{
	struct curl_slist *h = NULL;
	char *url = NULL, line[160];
	size_t ulen;
	CURLcode cc;
	int r = 0;

	*status = 0;
	secret_clear(sy->body);
	sy->body_max = cap;
	sy->body_over = false;
	sy->retry_after[0] = '\0';
	sy->errbuf[0] = '\0';
	ulen = strlen(sy->cfg->sync.url) + strlen(path) + 1;
	if ((url = malloc(ulen)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	snprintf(url, ulen, "%s%s", sy->cfg->sync.url, path);
	if (headers_add(&h, "Accept: application/json") != 0 ||
	    (sy->auth != NULL &&
	        headers_add(&h, (const char *)sy->auth->data) != 0) ||
	    (body != NULL &&
	        headers_add(&h, "Content-Type: application/json") != 0)) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	if (idem_key != NULL) {
		snprintf(line, sizeof line, "Idempotency-Key: %s", idem_key);
		if (headers_add(&h, line) != 0) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			goto out;
		}
	}
	curl_easy_setopt(sy->curl, CURLOPT_URL, url);
	curl_easy_setopt(sy->curl, CURLOPT_HTTPHEADER, h);
	if (body != NULL) {
		curl_easy_setopt(sy->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(sy->curl, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(body));
		curl_easy_setopt(sy->curl, CURLOPT_POSTFIELDS, body);
	} else {
		curl_easy_setopt(sy->curl, CURLOPT_HTTPGET, 1L);
	}
	cc = curl_easy_perform(sy->curl);
	curl_easy_setopt(sy->curl, CURLOPT_HTTPHEADER, NULL);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(sy->curl, CURLINFO_RESPONSE_CODE, status);
		goto out;
	}
	secret_clear(sy->body);
	if (sy->body_over || cc == CURLE_FILESIZE_EXCEEDED)
		r = ferr_set(err, FULFIL_EIO,
		    _("%s: the answer is larger than %zu bytes; refused"),
		    what, cap);
	else if (cc == CURLE_ABORTED_BY_CALLBACK)
		r = ferr_set(err, FULFIL_EIO, _("%s: stopped"), what);
	else if (cc == CURLE_SSL_CONNECT_ERROR)
		r = ferr_set(err, FULFIL_EIO,
		    _("%s: TLS handshake failed (TLS 1.2 or newer is "
		      "required): %s"), what,
		    sy->errbuf[0] != '\0' ? sy->errbuf :
		    curl_easy_strerror(cc));
	else if (cc == CURLE_UNSUPPORTED_PROTOCOL)
		r = ferr_set(err, FULFIL_EIO,
		    _("%s: refused to follow a redirect away from https:// "
		      "(%s)"), what, sy->errbuf[0] != '\0' ? sy->errbuf :
		    curl_easy_strerror(cc));
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		r = ferr_set(err, FULFIL_EIO,
		    _("%s: timed out (server too slow or not answering)"),
		    what);
	else
		r = ferr_set(err, FULFIL_EIO, _("%s: %s"), what,
		    sy->errbuf[0] != '\0' ? sy->errbuf :
		    curl_easy_strerror(cc));
out:
	headers_free(h);
	free(url);
	return r;
}

/*
 * An HTTP status that is not success, as an error. 401/403 set
 * res->auth_refused; 429 sets res->retry_after.
 */
static int
sy_status_error(struct sync *sy, const char *what, long status,
    struct sync_result *res, struct ferr *err)
{
	res->http_status = (int)status;
	if (status == 401 || status == 403) {
		res->auth_refused = true;
		return ferr_set(err, FULFIL_EPERM,
		    _("%s: the order system refused this station's "
		      "credentials (HTTP %ld); sync stopped"), what, status);
	}
	if (status == 429) {
		res->retry_after = sync_retry_after(
		    sy->retry_after[0] != '\0' ? sy->retry_after : NULL,
		    sy_now(sy));
		return ferr_set(err, FULFIL_EIO,
		    _("%s: the order system is busy (HTTP 429); retry after "
		      "%lld s"), what, (long long)res->retry_after);
	}
	if (status >= 500 && status <= 599)
		return ferr_set(err, FULFIL_EIO,
		    _("%s: server error (HTTP %ld)"), what, status);
	if (status >= 300 && status <= 399)
		return ferr_set(err, FULFIL_EIO,
		    _("%s: unexpected redirect (HTTP %ld)"), what, status);
	return ferr_set(err, FULFIL_EIO, _("%s: unexpected HTTP status %ld"),
	    what, status);
}

static bool
status_ok(long status)
{
	return (status >= 200 && status <= 299) || status == 409;
}

/* ---- audit helpers ----------------------------------------------------- */

static void
sy_audit(struct station *s, int kind, int64_t count, int result, int64_t now)
{
	struct audit_event ev = {
		.kind = kind, .count = count, .result = result,
	};

	/* The run's own error is what the caller reports. */
	(void)audit_log(s->audit, &ev, now, NULL);
}

/* ---- push: the outbox -------------------------------------------------- */

struct ob_event {
	int64_t seq, at, attempts, next_attempt;
	char *order_id, *event, *user, *tracking, *key;
};

static void
ob_free(struct ob_event *ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ev[i].order_id);
		free(ev[i].event);
		free(ev[i].user);
		free(ev[i].tracking);
		free(ev[i].key);
	}
	free(ev);
}

static char *
col_dup(sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	return t != NULL ? strdup((const char *)t) : NULL;
}

static int
ob_load(struct store *st, struct ob_event **out, size_t *n, struct ferr *err)
{
	struct ob_event *ev = NULL, *p;
	size_t cap = 0, used = 0;
	sqlite3_stmt *q;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((q = store_stmt(st, "SELECT seq, order_id, event, at, user,"
	    " tracking, idem_key, attempts, next_attempt FROM outbox"
	    " ORDER BY seq", err)) == NULL)
		return FULFIL_EDB;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (used == cap) {
			cap = cap ? cap * 2 : 64;
			if ((p = realloc(ev, cap * sizeof *ev)) == NULL) {
				r = ferr_set(err, FULFIL_ENOMEM,
				    _("out of memory"));
				goto out;
			}
			ev = p;
		}
		p = &ev[used++];
		memset(p, 0, sizeof *p);
		p->seq = sqlite3_column_int64(q, 0);
		p->order_id = col_dup(q, 1);
		p->event = col_dup(q, 2);
		p->at = sqlite3_column_int64(q, 3);
		p->user = col_dup(q, 4);
		p->tracking = col_dup(q, 5);
		p->key = col_dup(q, 6);
		p->attempts = sqlite3_column_int64(q, 7);
		p->next_attempt = sqlite3_column_int64(q, 8);
		if (p->order_id == NULL || p->event == NULL ||
		    p->user == NULL || p->key == NULL) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		r = store_error(st, err, _("reading the outbox"));
out:
	sqlite3_reset(q);
	if (r != 0) {
		ob_free(ev, used);
		return r;
	}
	*out = ev;
	*n = used;
	return 0;
}

static int
ob_done(struct store *st, int64_t seq, struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if ((q = store_stmt(st, "DELETE FROM outbox WHERE seq = ?1", err)) ==
	    NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, seq);
	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(st, err, _("removing a pushed event"));
	sqlite3_reset(q);
	return r;
}

static int
ob_later(struct store *st, const struct ob_event *ev, int64_t now,
    struct ferr *err)
{
	sqlite3_stmt *q;
	int r = 0;

	if ((q = store_stmt(st, "UPDATE outbox SET attempts = ?2,"
	    " next_attempt = ?3 WHERE seq = ?1", err)) == NULL)
		return FULFIL_EDB;
	sqlite3_bind_int64(q, 1, ev->seq);
	sqlite3_bind_int64(q, 2, ev->attempts + 1);
	sqlite3_bind_int64(q, 3,
	    now + sync_backoff(ev->attempts + 1, randombytes_random()));
	if (sqlite3_step(q) != SQLITE_DONE)
		r = store_error(st, err, _("recording a failed push"));
	sqlite3_reset(q);
	return r;
}

static char *
ob_json(const struct ob_event *ev)
{
	char at[32];
	json_t *o;
	char *s;

	format_rfc3339(ev->at, at, sizeof at);
	o = json_pack("{s:s, s:s, s:s, s:s}", "event", ev->event, "at", at,
	    "user", ev->user, "key", ev->key);
	if (o == NULL)
		return NULL;
	if (ev->tracking != NULL &&
	    json_object_set_new(o, "tracking", json_string(ev->tracking)) != 0) {
		json_decref(o);
		return NULL;
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static bool
id_in(char **ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

/*
 * Push every due event, oldest first. An event that fails or waits
 * blocks the later events of its order for this run (order per order).
 * Transport errors, 429 and 401/403 end the push; server errors end it
 * after SYNC_SERVER_ERRORS_MAX in a row. Each event is tried at most
 * once per run.
 */
static int
sy_push(struct sync *sy, struct station *s, const struct sync_options *opt,
    struct sync_result *res, struct sync_progress *pg, struct ferr *err)
{
	struct ob_event *ev = NULL;
	char **blocked = NULL, *path = NULL, *esc = NULL, *body = NULL;
	char what[128];
	size_t n = 0, nblocked = 0, i;
	int r, first = 0, server_errors = 0;
	long status;

	if ((r = ob_load(s->store, &ev, &n, err)) != 0)
		return r;
	if (n > 0 && (blocked = calloc(n, sizeof *blocked)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct ob_event *e = &ev[i];
		int64_t now = sy_now(sy);
		size_t plen;

		if (sy->stop != NULL && *sy->stop) {
			r = ferr_set(err, FULFIL_EIO, _("stopped"));
			goto out;
		}
		if (id_in(blocked, nblocked, e->order_id)) {
			res->events_waiting++;
			continue;
		}
		if (e->next_attempt > now) {
			blocked[nblocked++] = e->order_id;
			res->events_waiting++;
			continue;
		}
		curl_free(esc);	/* curl_easy_escape's: libcurl frees it */
		free(body);
		free(path);
		path = body = NULL;
		if ((esc = curl_easy_escape(sy->curl, e->order_id, 0)) == NULL ||
		    (body = ob_json(e)) == NULL) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			goto out;
		}
		plen = strlen(esc) + sizeof "/orders//events";
		if ((path = malloc(plen)) == NULL) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			goto out;
		}
		snprintf(path, plen, "/orders/%s/events", esc);
		snprintf(what, sizeof what, "POST /orders/%s/events",
		    e->order_id);
		r = sy_request(sy, what, path, body, e->key,
		    SYNC_SMALL_BODY_MAX, &status, err);
		if (r != 0) {
			/* Transport: the server is out of reach for now. */
			(void)ob_later(s->store, e, now, NULL);
			res->events_failed++;
			goto out;
		}
		res->online = true;
		if (status_ok(status)) {
			if ((r = ob_done(s->store, e->seq, err)) != 0)
				goto out;
			res->events_pushed++;
			pg->events++;
			server_errors = 0;
			if (opt != NULL && opt->progress != NULL)
				opt->progress(opt->progress_ctx, pg);
			continue;
		}
		if (status == 401 || status == 403 || status == 429) {
			r = sy_status_error(sy, what, status, res, err);
			goto out;
		}
		/* 5xx or an unexpected answer: back off, keep the event. */
		blocked[nblocked++] = e->order_id;
		res->events_failed++;
		if ((r = ob_later(s->store, e, now, err)) != 0)
			goto out;
		if (first == 0)
			first = sy_status_error(sy, what, status, res, err);
		if (++server_errors >= SYNC_SERVER_ERRORS_MAX)
			break;
	}
	r = first;
out:
	curl_free(esc);
	free(body);
	free(path);
	free(blocked);
	ob_free(ev, n);
	return r;
}

/* ---- pull -------------------------------------------------------------- */

struct reject_ctx {
	char first[FERR_MSG_MAX / 2];
};

static void
pull_reject(void *ctx, const char *msg)
{
	struct reject_ctx *rc = ctx;

	if (rc->first[0] == '\0')
		snprintf(rc->first, sizeof rc->first, "%s", msg);
}

static bool
cursor_valid(const char *c, size_t n)
{
	size_t i;

	if (n == 0 || n > SYNC_CURSOR_MAX || strlen(c) != n)
		return false;
	for (i = 0; i < n; i++)
		if (c[i] < 0x21 || c[i] > 0x7e)
			return false;
	return true;
}

/*
 * The envelope of a page: {"orders":[...], "cursor":"...",
 * "has_more":bool, "wipe":bool?}. jansson's message can quote the body:
 * only line and column are shown.
 */
static int
page_parse(const struct secret *body, json_t **root, const json_t **orders,
    const char **cursor, bool *has_more, bool *wipe, struct ferr *err)
{
	json_error_t jerr;
	json_t *j;

	*root = json_loadb((const char *)body->data, body->len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (*root == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("page: not valid JSON (UTF-8) at line %d, column %d"),
		    jerr.line, jerr.column);
	if (!json_is_object(*root))
		return ferr_set(err, FULFIL_EINVAL,
		    _("page: expected a JSON object"));
	j = json_object_get(*root, "wipe");
	if (j != NULL && !json_is_boolean(j))
		return ferr_set(err, FULFIL_EINVAL,
		    _("page: \"wipe\" must be true or false"));
	*wipe = j != NULL && json_is_true(j);
	if (*wipe)
		return 0;
	*orders = json_object_get(*root, "orders");
	if (!json_is_array(*orders))
		return ferr_set(err, FULFIL_EINVAL,
		    _("page: \"orders\" must be an array"));
	j = json_object_get(*root, "has_more");
	if (!json_is_boolean(j))
		return ferr_set(err, FULFIL_EINVAL,
		    _("page: \"has_more\" must be true or false"));
	*has_more = json_is_true(j);
	j = json_object_get(*root, "cursor");
	if (!json_is_string(j) ||
	    !cursor_valid(json_string_value(j), json_string_length(j)))
		return ferr_set(err, FULFIL_EINVAL,
		    _("page: \"cursor\" must be 1 to %d printable ASCII "
		      "characters"), SYNC_CURSOR_MAX);
	*cursor = json_string_value(j);
	return 0;
}

/* Store one validated page and its cursor in one transaction. */
static int
page_store(struct station *s, const json_t *orders, const char *cursor,
    struct reject_ctx *rc, struct orders_ingest_stats *stats, int64_t now,
    struct ferr *err)
{
	int64_t stored;
	int r;

	if ((r = store_begin(s->store, err)) != 0)
		return r;
	if ((r = orders_ingest_page(s->store, s->kek, s->cipher, orders,
	    pull_reject, rc, stats, err)) != 0 ||
	    (r = store_meta_set(s->store, META_CURSOR, cursor, err)) != 0)
		goto fail;
	stored = (int64_t)(stats->imported + stats->updated);
	if (stored > 0) {
		struct audit_event ev = {
			.kind = AUDIT_ORDERS_IMPORTED, .count = stored,
		};

		if ((r = audit_log(s->audit, &ev, now, err)) != 0)
			goto fail;
	}
	return store_commit(s->store, err);
fail:
	store_rollback(s->store);
	return r;
}

static int sy_remote_wipe(struct sync *sy, struct station **sp,
    struct sync_result *res, struct ferr *err);
static int sy_sweep(struct station *s, int64_t now, struct sync_result *res,
    struct ferr *err);

/* The path of the page after cursor (NULL: the first page). */
static int
pull_path(struct sync *sy, const char *cursor, char *path, size_t len,
    struct ferr *err)
{
	char *esc = NULL;

	if (cursor != NULL &&
	    (esc = curl_easy_escape(sy->curl, cursor, 0)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	snprintf(path, len, "/orders?limit=%d%s%s", sy->cfg->sync.page_size,
	    esc != NULL ? "&since=" : "", esc != NULL ? esc : "");
	curl_free(esc);
	return 0;
}

/*
 * The next page is fetched by a helper thread while this one is being
 * validated and stored, so the network and the database overlap. Only
 * one request is ever in flight on the curl handle; the thread owns it
 * (and sy->body, errbuf, retry_after) until pull_fetch_wait().
 */
struct fetch {
	struct sync *sy;
	pthread_t thread;
	bool running;
	char path[SYNC_CURSOR_MAX * 3 + 64];
	long status;
	int r;
	struct ferr err;
};

static void
fetch_run(struct fetch *f)
{
	f->r = sy_request(f->sy, "GET /orders", f->path, NULL, NULL,
	    SYNC_BODY_MAX, &f->status, &f->err);
}

static void *
fetch_main(void *arg)
{
	sigset_t all;

	/* Signals stay the calling program's (only this thread blocks). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	fetch_run(arg);
	return NULL;
}

static void
fetch_start(struct fetch *f)
{
	ferr_clear(&f->err);
	f->running = pthread_create(&f->thread, NULL, fetch_main, f) == 0;
	if (!f->running)	/* no thread: fetch here, later */
		f->r = 1;
}

/* Wait for the fetch; 0 with f->status, or its error in err. */
static int
fetch_wait(struct fetch *f, struct ferr *err)
{
	if (f->running) {
		pthread_join(f->thread, NULL);
		f->running = false;
	} else if (f->r == 1) {
		fetch_run(f);
	}
	if (f->r != 0 && err != NULL)
		*err = f->err;
	return f->r;
}

static int
sy_pull(struct sync *sy, struct station **sp, const struct sync_options *opt,
    struct sync_result *res, struct sync_progress *pg, struct ferr *err)
{
	struct station *s = *sp;
	struct secret *page = NULL;
	struct fetch f = { .sy = sy };
	char *cursor = NULL;
	const char *next = NULL;
	const json_t *orders = NULL;
	json_t *root = NULL;
	bool has_more = true, wipe = false, unswept = false;
	int64_t last_sweep = sy_now(sy);
	int r = 0;

	if ((page = secret_new(64 * 1024)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
	if ((r = store_meta_get(s->store, META_CURSOR, &cursor, err)) != 0 ||
	    (r = pull_path(sy, cursor, f.path, sizeof f.path, err)) != 0)
		goto out;
	f.r = 1;	/* the first page: fetched by fetch_wait itself */
	while (has_more) {
		struct orders_ingest_stats stats = { 0 };
		struct reject_ctx rc = { "" };
		struct secret *t;
		int64_t now;

		if ((r = fetch_wait(&f, err)) != 0)
			goto out;
		res->online = true;
		if (f.status != 200) {
			r = sy_status_error(sy, "GET /orders", f.status, res, err);
			goto out;
		}
		now = sy_now(sy);
		/* The answer becomes this page; the next one lands in sy->body. */
		t = page;
		page = sy->body;
		sy->body = t;
		json_decref(root);
		root = NULL;
		r = page_parse(page, &root, &orders, &next, &has_more, &wipe,
		    err);
		secret_clear(page);
		if (r == 0 && wipe) {
			json_decref(root);
			root = NULL;
			r = sy_remote_wipe(sy, sp, res, err);
			goto out;
		}
		if (r == 0 && has_more && cursor != NULL &&
		    strcmp(cursor, next) == 0)
			r = ferr_set(err, FULFIL_EINVAL,
			    _("page: \"has_more\" with an unchanged cursor"));
		if (r == 0 && has_more && !(sy->stop != NULL && *sy->stop)) {
			if ((r = pull_path(sy, next, f.path, sizeof f.path,
			    err)) != 0)
				goto out;
			fetch_start(&f);
		}
		if (r == 0)
			r = page_store(s, orders, next, &rc, &stats, now, err);
		if (r == FULFIL_EINVAL) {
			if (rc.first[0] != '\0') {
				char why[FERR_MSG_MAX];

				snprintf(why, sizeof why, "%s", err->msg);
				ferr_set(err, FULFIL_EINVAL, "%s (%s)", why,
				    rc.first);
			}
			ferr_prefix(err, _("GET /orders: page refused"));
			sy_audit(s, AUDIT_SYNC_PAGE_REFUSED,
			    (int64_t)stats.rejected, FULFIL_EINVAL, now);
			goto out;
		}
		if (r != 0)
			goto out;
		free(cursor);
		if ((cursor = strdup(next)) == NULL) {
			r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
			goto out;
		}
		/* The page's orders are stored: drop the parsed tree (customer
		 * data in ordinary heap) now, not after the next page's wait. */
		json_decref(root);
		root = NULL;
		next = NULL;
		res->pages++;
		res->received += stats.received;
		res->imported += stats.imported;
		res->updated += stats.updated;
		res->unchanged += stats.unchanged;
		pg->pages++;
		pg->orders += stats.received;
		/*
		 * The sweep (and its WAL checkpoint) every few seconds of a
		 * long pull and once at its end, not after every page.
		 */
		unswept = true;
		if (now - last_sweep >= SYNC_SWEEP_EVERY) {
			if ((r = sy_sweep(s, now, res, err)) != 0)
				goto out;
			unswept = false;
			last_sweep = now;
		}
		if (opt != NULL && opt->progress != NULL)
			opt->progress(opt->progress_ctx, pg);
		if (has_more && sy->stop != NULL && *sy->stop) {
			r = ferr_set(err, FULFIL_EIO, _("stopped"));
			goto out;
		}
	}
	res->complete = true;
out:
	/* A fetch still in flight is waited for and its answer dropped. */
	if (f.running)
		(void)fetch_wait(&f, NULL);
	/* What the stored pages delivered or cancelled loses its data now. */
	if (unswept && *sp != NULL) {
		struct ferr e2 = { 0 };
		int rs = sy_sweep(*sp, sy_now(sy), res, r == 0 ? err : &e2);

		if (r == 0)
			r = rs;
	}
	secret_clear(sy->body);
	json_decref(root);
	secret_free(page);
	free(cursor);
	return r;
}

/*
 * After the stored pages: the retention sweep wipes what they made
 * delivered or cancelled, so their customer data is gone when the sync
 * that reported them ends (also when it ends in an error).
 */
static int
sy_sweep(struct station *s, int64_t now, struct sync_result *res,
    struct ferr *err)
{
	struct retention_stats st;
	int r;

	if ((r = retention_sweep(s, now, &st, err)) != 0)
		return r;
	res->wiped += st.wiped_delivered + st.wiped_cancelled + st.wiped_cap;
	return 0;
}

static int sy_post_alert(struct sync *sy, const char *body, const char *key,
    struct sync_result *res, struct ferr *err);

/*
 * POST a deletion certificate to {url}/alerts as
 * {"type":"wipe-certificate","key":K,"certificate":{...}}, a few times.
 */
static int
sy_post_certificate(struct sync *sy, const char *cert, struct sync_result *res,
    struct ferr *err)
{
	unsigned char h[16];
	char key[64], hex[33];
	json_error_t jerr;
	json_t *c, *doc = NULL;
	char *body = NULL;
	int r = 0, i;

	if ((c = json_loads(cert, 0, &jerr)) == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("the deletion certificate is not JSON"));
	crypto_generichash(h, sizeof h, (const unsigned char *)cert,
	    strlen(cert), NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(key, sizeof key, "wipe-%s", hex);
	doc = json_pack("{s:s, s:s, s:o}", "type", "wipe-certificate", "key",
	    key, "certificate", c);
	if (doc == NULL || (body = json_dumps(doc, JSON_COMPACT)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
		goto out;
	}
	for (i = 0; i < SYNC_CERT_TRIES; i++) {
		if ((r = sy_post_alert(sy, body, key, res, err)) == 0 ||
		    res->auth_refused)
			break;
		if (i + 1 < SYNC_CERT_TRIES)
			sleep(1);
	}
out:
	free(body);
	json_decref(doc);
	return r;
}

/*
 * A page with "wipe": true: erase the cache as purge --all does
 * (audited as remote-wipe, the certificate signed), then push the
 * certificate. The station is consumed whatever happens.
 */
static int
sy_remote_wipe(struct sync *sy, struct station **sp, struct sync_result *res,
    struct ferr *err)
{
	struct retention_purge_result pr;
	char *cert = NULL;
	int r;

	r = retention_purge_all(*sp, NULL, sy_now(sy), NULL, RETENTION_REMOTE,
	    NULL, NULL, &cert, &pr, err);
	*sp = NULL;
	if (r != 0) {
		ferr_prefix(err, _("remote wipe"));
		goto out;
	}
	res->remote_wipe = true;
	res->wiped += (size_t)pr.orders_erased;
	if (cert != NULL && (r = sy_post_certificate(sy, cert, res, err)) != 0)
		ferr_prefix(err, _("the cache was erased, but the deletion "
		    "certificate (kept in the data dir as %s) was not "
		    "delivered"), RETENTION_CERT_COPY);
out:
	if (cert != NULL) {
		sodium_memzero(cert, strlen(cert));
		free(cert);
	}
	return r;
}

/* ---- alerts ------------------------------------------------------------ */

struct alert_row {
	int64_t seq, at, count;
	int kind, result;
	char *actor, *subject, *order_id;
};

static void
alerts_free(struct alert_row *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].actor);
		free(a[i].subject);
		free(a[i].order_id);
	}
	free(a);
}

static int
alerts_load(struct store *st, int64_t after, struct alert_row **out,
    size_t *n, struct ferr *err)
{
	struct alert_row *a;
	sqlite3_stmt *q;
	size_t used = 0, k;
	int rc, r = 0;

	*out = NULL;
	*n = 0;
	if ((a = calloc(SYNC_ALERT_BATCH, sizeof *a)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of memory"));
	if ((q = store_stmt(st, "SELECT seq, at, kind, actor, subject,"
	    " order_id, count, result FROM audit WHERE seq > ?1"
	    " ORDER BY seq", err)) == NULL) {
		free(a);
		return FULFIL_EDB;
	}
	sqlite3_bind_int64(q, 1, after);
	while (used < SYNC_ALERT_BATCH && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int kind = sqlite3_column_int(q, 2);
		bool want = false;

		for (k = 0; k < NELEM(alert_kinds); k++)
			if (alert_kinds[k] == kind)
				want = true;
		if (!want)
			continue;
		a[used].seq = sqlite3_column_int64(q, 0);
		a[used].at = sqlite3_column_int64(q, 1);
		a[used].kind = kind;
		a[used].actor = col_dup(q, 3);
		a[used].subject = col_dup(q, 4);
		a[used].order_id = col_dup(q, 5);
		a[used].count = sqlite3_column_type(q, 6) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(q, 6);
		a[used].result = sqlite3_column_int(q, 7);
		used++;
	}
	if (used < SYNC_ALERT_BATCH && rc != SQLITE_DONE)
		r = store_error(st, err, _("reading the audit log"));
	sqlite3_reset(q);
	if (r != 0) {
		alerts_free(a, used);
		return r;
	}
	*out = a;
	*n = used;
	return 0;
}

static char *
alert_json(const struct alert_row *a, const char *station, char *key,
    size_t keylen)
{
	char at[32];
	json_t *o;
	char *s;

	format_rfc3339(a->at, at, sizeof at);
	snprintf(key, keylen, "alert-%s-%lld", station, (long long)a->seq);
	o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:s}", "type",
	    "security", "kind", audit_kind_name(a->kind), "seq",
	    (json_int_t)a->seq, "at", at, "station", station, "result",
	    a->result, "key", key);
	if (o == NULL)
		return NULL;
	if ((a->actor != NULL &&
	        json_object_set_new(o, "actor", json_string(a->actor)) != 0) ||
	    (a->subject != NULL &&
	        json_object_set_new(o, "subject", json_string(a->subject)) !=
	            0) ||
	    (a->order_id != NULL &&
	        json_object_set_new(o, "order_id", json_string(a->order_id)) !=
	            0) ||
	    (a->count >= 0 &&
	        json_object_set_new(o, "count", json_integer(a->count)) != 0)) {
		json_decref(o);
		return NULL;
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* POST one alert document; 2xx and 409 are done. */
static int
sy_post_alert(struct sync *sy, const char *body, const char *key,
    struct sync_result *res, struct ferr *err)
{
	long status;
	int r;

	if ((r = sy_request(sy, "POST /alerts", "/alerts", body, key,
	    SYNC_SMALL_BODY_MAX, &status, err)) != 0)
		return r;
	res->online = true;
	if (!status_ok(status))
		return sy_status_error(sy, "POST /alerts", status, res, err);
	return 0;
}

/*
 * Push the security alerts of the audit log in order, from the alert
 * cursor on; the cursor moves past an alert once the server took it.
 */
static int
sy_alerts(struct sync *sy, struct station *s, struct sync_result *res,
    struct ferr *err)
{
	struct alert_row *a = NULL;
	char *v = NULL, *body = NULL, key[96], seqbuf[32], station[40];
	int64_t after = 0;
	size_t n = 0, i;
	int r;

	if ((r = store_meta_get(s->store, "station_id", &v, err)) != 0)
		return r;
	snprintf(station, sizeof station, "%s", v != NULL ? v : "unknown");
	free(v);
	v = NULL;
	if ((r = store_meta_get(s->store, META_ALERT_SEQ, &v, err)) != 0)
		return r;
	if (v != NULL)
		after = strtoll(v, NULL, 10);
	free(v);
	for (;;) {
		if ((r = alerts_load(s->store, after, &a, &n, err)) != 0)
			return r;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if ((body = alert_json(&a[i], station, key,
			    sizeof key)) == NULL) {
				r = ferr_set(err, FULFIL_ENOMEM,
				    _("out of memory"));
				goto out;
			}
			r = sy_post_alert(sy, body, key, res, err);
			free(body);
			body = NULL;
			if (r != 0)
				goto out;
			after = a[i].seq;
			snprintf(seqbuf, sizeof seqbuf, "%lld",
			    (long long)after);
			if ((r = store_meta_set(s->store, META_ALERT_SEQ,
			    seqbuf, err)) != 0)
				goto out;
			res->alerts_pushed++;
		}
		alerts_free(a, n);
		a = NULL;
		n = 0;
	}
	r = 0;
out:
	alerts_free(a, n);
	return r;
}

/* ---- a run ------------------------------------------------------------- */

int
sync_run(struct sync *sy, struct station **sp, const struct sync_options *opt,
    struct sync_result *res, struct ferr *err)
{
	struct sync_progress pg = { 0 };
	struct station *s = *sp;
	struct ferr e2 = { 0 };
	bool reloaded;
	char buf[32];
	int r, r2;

	memset(res, 0, sizeof *res);
	res->outbox = -1;
	sy->stop = opt != NULL ? opt->stop : NULL;
	sy->now = opt != NULL ? opt->now : NULL;
	sy->clock_ctx = opt != NULL ? opt->clock_ctx : NULL;

	/* Another process may have rotated the key since we opened. */
	if ((r = retention_kek_refresh(s, &reloaded, err)) != 0)
		goto done;
	/*
	 * Events first: the server should know what the station did. A
	 * push that failed on a server error still lets the pull run; the
	 * first error is the one reported.
	 */
	r = sy_push(sy, s, opt, res, &pg, err);
	if (res->auth_refused || res->retry_after > 0 ||
	    (r != 0 && !res->online))
		goto done;
	r2 = sy_pull(sy, sp, opt, res, &pg, r == 0 ? err : &e2);
	if (r == 0)
		r = r2;
	s = *sp;
	if (s == NULL || res->auth_refused || res->retry_after > 0 ||
	    (r2 != 0 && r2 != FULFIL_EINVAL))
		goto done;
	r2 = sy_alerts(sy, s, res, r == 0 ? err : &e2);
	if (r == 0)
		r = r2;
	if (r == 0 && res->complete) {
		snprintf(buf, sizeof buf, "%lld", (long long)sy_now(sy));
		r = store_meta_set(s->store, META_LAST_SYNC, buf, err);
	}
done:
	if (res->auth_refused && s != NULL)
		sy_audit(s, AUDIT_SYNC_AUTH_REFUSED, res->http_status,
		    FULFIL_EPERM, sy_now(sy));
	if (s != NULL)
		(void)station_outbox_depth(s, &res->outbox, NULL);
	sy->stop = NULL;
	return r;
}

/* ---- background sync (the terminal) ------------------------------------ */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running;
	volatile sig_atomic_t stop;
	const struct fulfil_config *cfg;
	struct sync *sy;
	struct sync_status st;
} bg = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.st = { .state = SYNC_OFF, .last_sync = -1, .outbox = -1 },
};

static void
bg_progress(void *ctx, const struct sync_progress *p)
{
	(void)ctx;
	pthread_mutex_lock(&bg.lock);
	bg.st.pulling = true;
	bg.st.pulled = p->orders;
	pthread_mutex_unlock(&bg.lock);
}

/* Sleep secs or until stopped; true when stopped. */
static bool
bg_wait(int64_t secs)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)secs;
	pthread_mutex_lock(&bg.lock);
	while (!bg.stop &&
	    pthread_cond_timedwait(&bg.cond, &bg.lock, &until) == 0)
		;
	stop = bg.stop != 0;
	pthread_mutex_unlock(&bg.lock);
	return stop;
}

/*
 * Retention's upkeep (take up a rotated key, sweep, rotate when the epoch
 * is due) at most every BG_UPKEEP_EVERY seconds, on the thread's own
 * station: a station without sync still forgets delivered orders and
 * replaces its key on time while the terminal runs.
 */
#define BG_UPKEEP_EVERY 3600

static void
bg_upkeep(struct station *s, int64_t *last)
{
	struct ferr err = { 0 };
	int64_t now = (int64_t)time(NULL);

	if (s == NULL || (*last != 0 && now - *last < BG_UPKEEP_EVERY))
		return;
	*last = now;
	/* A failure is in the audit log where it matters; try next hour. */
	(void)retention_upkeep(s, NULL, now, NULL, NULL, &err);
}

static void *
bg_main(void *arg)
{
	struct sync_options opt = { 0 };
	int64_t last;
	struct sync_result res;
	struct station *s = NULL;
	struct ferr err = { 0 };
	/* The terminal ran the upkeep as it started: the next is due in an
	 * hour. */
	int64_t last_upkeep = (int64_t)time(NULL);
	bool syncing = bg.sy != NULL, wiped = false;
	sigset_t all;
	int64_t wait;
	int r;

	(void)arg;
	/* Signals are the terminal's: never delivered to this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	opt.progress = bg_progress;
	opt.stop = &bg.stop;
	while (!bg.stop) {
		wait = syncing ? bg.cfg->sync.interval : BG_UPKEEP_EVERY;
		if (s == NULL && !wiped && station_open_as(bg.cfg,
		    STATION_SOURCE_SYNC, false, &s, &err) != 0)
			s = NULL;
		bg_upkeep(s, &last_upkeep);
		if (s != NULL && syncing) {
			/* Before the first run: what the last process left. */
			if (bg.st.last_sync < 0 && station_last_sync(s,
			    &last, NULL) == 0) {
				pthread_mutex_lock(&bg.lock);
				bg.st.last_sync = last;
				pthread_mutex_unlock(&bg.lock);
			}
			r = sync_run(bg.sy, &s, &opt, &res, &err);
			pthread_mutex_lock(&bg.lock);
			bg.st.pulling = false;
			if (res.auth_refused)
				bg.st.state = SYNC_AUTH_STOPPED;
			else
				bg.st.state = res.online ? SYNC_ONLINE :
				    SYNC_OFFLINE;
			if (res.outbox >= 0)
				bg.st.outbox = res.outbox;
			if (r == 0 && res.complete)
				bg.st.last_sync = (int64_t)time(NULL);
			pthread_mutex_unlock(&bg.lock);
			/*
			 * 401/403: sync stays stopped until restart (the
			 * upkeep goes on); a remote wipe ends everything.
			 */
			if (res.auth_refused)
				syncing = false;
			if (s == NULL) {
				syncing = false;
				wiped = true;
			}
			if (res.retry_after > wait)
				wait = res.retry_after;
		} else if (syncing) {
			pthread_mutex_lock(&bg.lock);
			bg.st.state = SYNC_OFFLINE;
			pthread_mutex_unlock(&bg.lock);
		}
		if (!syncing && wait < BG_UPKEEP_EVERY)
			wait = BG_UPKEEP_EVERY;
		if (bg_wait(wait))
			break;
	}
	station_close(s);
	return NULL;
}

int
sync_bg_start(const struct fulfil_config *cfg, struct ferr *err)
{
	int r;

	if (bg.running)
		return 0;
	bg.sy = NULL;
	if (cfg->sync.url != NULL && (r = sync_new(cfg, &bg.sy, err)) != 0)
		return r;
	bg.cfg = cfg;
	bg.stop = 0;
	bg.st.state = bg.sy != NULL ? SYNC_STARTING : SYNC_OFF;
	if (pthread_create(&bg.thread, NULL, bg_main, NULL) != 0) {
		sync_free(bg.sy);
		bg.sy = NULL;
		bg.st.state = SYNC_OFF;
		return ferr_set(err, FULFIL_ENOMEM,
		    _("cannot start background sync"));
	}
	bg.running = true;
	return 0;
}

void
sync_bg_stop(void)
{
	if (!bg.running)
		return;
	pthread_mutex_lock(&bg.lock);
	bg.stop = 1;
	pthread_cond_broadcast(&bg.cond);
	pthread_mutex_unlock(&bg.lock);
	pthread_join(bg.thread, NULL);
	sync_free(bg.sy);
	bg.sy = NULL;
	bg.running = false;
	bg.st.state = SYNC_OFF;
}

void
sync_bg_status(struct sync_status *out)
{
	pthread_mutex_lock(&bg.lock);
	*out = bg.st;
	pthread_mutex_unlock(&bg.lock);
}

void
sync_bg_label(char *buf, size_t len)
{
	struct sync_status st;
	struct tm tm;
	time_t t;
	char hm[8] = "";

	sync_bg_status(&st);
	if (st.pulling && st.state != SYNC_AUTH_STOPPED) {
		snprintf(buf, len, _("pulling %zu"), st.pulled);
		return;
	}
	if (st.state == SYNC_ONLINE && st.last_sync > 0) {
		t = (time_t)st.last_sync;
		if (localtime_r(&t, &tm) != NULL)
			strftime(hm, sizeof hm, "%H:%M", &tm);
		snprintf(buf, len, _("online %s"), hm);
		return;
	}
	snprintf(buf, len, "%s", sync_state_label(st.state));
}
