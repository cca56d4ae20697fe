/*
 * testutil: helpers shared by the unit tests (see testutil.h).
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"

#include "audit.h"

#include "fconfig.h"
#include "ferr.h"
#include "proc.h"
#include "station.h"

char *
tu_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&p, "%s/fulfil-test.XXXXXX", tmp) < 0)
		return NULL;
	if (mkdtemp(p) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
tu_rmtree(const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &sb) != 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *sub;

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if ((sub = tu_path(path, de->d_name)) != NULL) {
				tu_rmtree(sub);
				free(sub);
			}
		}
		closedir(d);
	}
	rmdir(path);
}

char *
tu_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

int
tu_write_file(const char *path, const void *buf, size_t len, int mode)
{
	int fd;
	ssize_t n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) < 0)
		return -1;
	n = write(fd, buf, len);
	if (close(fd) != 0 || n < 0 || (size_t)n != len)
		return -1;
	return chmod(path, (mode_t)mode);
}

char *
tu_read_file(const char *path, size_t *len)
{
	FILE *f;
	char *buf = NULL;
	long sz;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	if ((buf = malloc((size_t)sz + 1)) == NULL)
		goto out;
	if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[sz] = '\0';
	if (len != NULL)
		*len = (size_t)sz;
out:
	fclose(f);
	return buf;
}

bool
tu_tree_contains(const char *dir, const void *needle, size_t len)
{
	DIR *d;
	struct dirent *de;
	bool found = false;

	if ((d = opendir(dir)) == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		struct stat sb;
		char *sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((sub = tu_path(dir, de->d_name)) == NULL)
			continue;
		if (lstat(sub, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				found = tu_tree_contains(sub, needle, len);
			} else if (S_ISREG(sb.st_mode)) {
				size_t n;
				char *buf = tu_read_file(sub, &n);

				if (buf != NULL && n >= len &&
				    memmem(buf, n, needle, len) != NULL)
					found = true;
				free(buf);
			}
		}
		free(sub);
	}
	closedir(d);
	return found;
}

enum fulfil_cipher
tu_cipher(void)
{
	const char *s = getenv("FULFIL_TEST_CIPHER");
	enum fulfil_cipher want = FULFIL_CIPHER_AUTO, got;

	if (s != NULL && *s != '\0')
		assert_int_equal(crypto_cipher_parse(s, &want), 0);
	assert_int_equal(crypto_cipher_resolve(want, &got, NULL), 0);
	return got;
}

size_t
tu_ciphers(enum fulfil_cipher out[2])
{
	enum fulfil_cipher c;
	size_t n = 0;

	if (crypto_cipher_resolve(FULFIL_CIPHER_AES256GCM, &c, NULL) == 0)
		out[n++] = c;
	out[n++] = FULFIL_CIPHER_XCHACHA20POLY1305;
	return n;
}

void
tu_init(void)
{
	struct ferr err;

	assert_int_equal(proc_harden(&err), 0);
}

struct fulfil_config *
tu_station_config(char **tmp)
{
	struct fulfil_config *cfg;

	assert_non_null(*tmp = tu_mkdtemp());
	assert_non_null(cfg = config_new_defaults());
	free(cfg->cache.dir);
	free(cfg->cache.key);
	assert_non_null(cfg->cache.dir = tu_path(*tmp, "data"));
	assert_non_null(cfg->cache.key = tu_path(*tmp, "cache.key"));
	cfg->cache.cipher = tu_cipher();
	cfg->audit.syslog = false;
	return cfg;
}

struct station *
tu_station_start(const struct fulfil_config *cfg)
{
	struct station_init_result res;
	struct station *s = NULL;
	struct ferr err = { 0 };

	if (station_init(cfg, &res, &err) != 0)
		fail_msg("station_init: %s", err.msg);
	if (station_open(cfg, false, &s, &err) != 0)
		fail_msg("station_open: %s", err.msg);
	return s;
}

int
tu_bind_dgram(const char *path)
{
	struct sockaddr_un addr;
	int fd;

	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof addr.sun_path);
	memcpy(addr.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	return fd;
}

char *
tu_recv_dgram(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

void
tu_station_stop(struct station *s, struct fulfil_config *cfg, char *tmp)
{
	station_close(s);
	if (tmp != NULL)
		tu_rmtree(tmp);
	free(tmp);
	config_free(cfg);
}

/* ---- audit rows ---------------------------------------------------------- */

static int
tu_collect(void *ctx, const struct audit_row *row)
{
	struct tu_rows *r = ctx;
	size_t i = r->n;

	if (i >= TU_ROWS_MAX)
		return 0;
	r->kind[i] = row->kind;
	snprintf(r->actor[i], sizeof r->actor[0], "%s",
	    row->actor != NULL ? row->actor : "");
	snprintf(r->subject[i], sizeof r->subject[0], "%s",
	    row->subject != NULL ? row->subject : "");
	snprintf(r->order[i], sizeof r->order[0], "%s",
	    row->order_id != NULL ? row->order_id : "");
	snprintf(r->role[i], sizeof r->role[0], "%s",
	    row->role != NULL ? row->role : "");
	r->count[i] = row->count;
	r->result[i] = row->result;
	r->n++;
	return 0;
}

void
tu_audit_rows(struct audit *a, struct tu_rows *r)
{
	struct ferr err = { 0 };

	memset(r, 0, sizeof *r);
	if (audit_list(a, 0, tu_collect, r, &err) != 0)
		fail_msg("audit_list: %s", err.msg);
}

size_t
tu_count_kind(const struct tu_rows *r, int kind)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->kind[i] == kind;
	return n;
}

int
tu_last_kind(const struct tu_rows *r, int kind)
{
	int i;

	for (i = (int)r->n - 1; i >= 0; i--)
		if (r->kind[i] == kind)
			return i;
	return -1;
}
