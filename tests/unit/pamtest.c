/*
 * pamtest: PAM test service dirs (pam_matrix) and a scripted conversation
 * for the unit tests (see pamtest.h). Writes only under the test's temp
 * dir; the passwords it writes are synthetic.
 */
#include "config.h"

#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "pamtest.h"

#include "secret.h"

const char *
pt_matrix_module(void)
{
	const char *m = getenv("PAM_MATRIX_MODULE");

	if (m == NULL || m[0] != '/' || access(m, R_OK) != 0)
		return NULL;
	return m;
}

void
pt_note_skip(void)
{
	fprintf(stderr, "# skipped: pam_matrix not found "
	    "(set PAM_MATRIX_MODULE; Debian: libpam-wrapper)\n");
}

bool
pt_skip_all_without_matrix(void)
{
	if (pt_matrix_module() != NULL)
		return false;
	printf("1..0 # SKIP pam_matrix not found (set PAM_MATRIX_MODULE; "
	    "Debian: libpam-wrapper)\n");
	fflush(stdout);
	return true;
}

char *
pt_passdb_path(const char *tmpdir)
{
	return tu_path(tmpdir, "passdb");
}

/* Append s to the growing string *buf (NULL-safe on failure). */
static int
pt_append(char **buf, const char *s)
{
	char *n;

	if (*buf == NULL)
		return -1;
	if (asprintf(&n, "%s%s", *buf, s) < 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	free(*buf);
	*buf = n;
	return 0;
}

/* s with every "@PASSDB@" replaced by passdb; caller frees. */
static char *
pt_subst(const char *s, const char *passdb)
{
	static const char tag[] = "@PASSDB@";
	char *out = strdup("");
	const char *p;

	while (out != NULL && (p = strstr(s, tag)) != NULL) {
		char *piece = strndup(s, (size_t)(p - s));

		if (piece == NULL) {
			free(out);
			return NULL;
		}
		pt_append(&out, piece);
		pt_append(&out, passdb);
		free(piece);
		s = p + sizeof tag - 1;
	}
	pt_append(&out, s);
	return out;
}

static int
pt_write_text(const char *dir, const char *name, const char *text, int mode)
{
	char *path = tu_path(dir, name);
	int r;

	if (path == NULL)
		return -1;
	r = tu_write_file(path, text, strlen(text), mode);
	free(path);
	return r;
}

static int
pt_write_passdb(const char *passdb, const struct pt_user *users)
{
	char *text = strdup(""), *line;
	size_t i;
	int r;

	for (i = 0; text != NULL && users[i].user != NULL; i++) {
		if (asprintf(&line, "%s:%s:%s\n", users[i].user,
		    users[i].password, users[i].service != NULL ?
		    users[i].service : PT_SERVICE) < 0) {
			free(text);
			return -1;
		}
		pt_append(&text, line);
		secret_wipe(line, strlen(line));
		free(line);
	}
	if (text == NULL)
		return -1;
	r = tu_write_file(passdb, text, strlen(text), 0600);
	secret_wipe(text, strlen(text));
	free(text);
	return r;
}

char *
pt_service_dir_custom(const char *tmpdir, const struct pt_user *users,
    const char *extra_before, const char *extra_auth,
    const char *extra_account)
{
	const char *mod = pt_matrix_module();
	char *passdb = NULL, *dir = NULL, *text = NULL, *line = NULL, *x;
	const char *extra[3] = { extra_before, extra_auth, extra_account };
	static const char other[] =
	    "auth     required  pam_deny.so\n"
	    "account  required  pam_deny.so\n"
	    "password required  pam_deny.so\n"
	    "session  required  pam_deny.so\n";
	int i;

	if (mod == NULL)
		return NULL;
	if ((passdb = pt_passdb_path(tmpdir)) == NULL ||
	    (dir = tu_path(tmpdir, "pam.d")) == NULL)
		goto fail;
	if (pt_write_passdb(passdb, users) != 0)
		goto fail;
	if (mkdir(dir, 0700) != 0)
		goto fail;
	text = strdup("# written by tests/unit/pamtest.c\n");
	for (i = 0; i < 3; i++) {
		if (extra[i] != NULL) {
			if ((x = pt_subst(extra[i], passdb)) == NULL)
				goto fail;
			pt_append(&text, x);
			free(x);
		}
		if (i == 2)
			break;
		if (asprintf(&line, "%-8s required  %s passdb=%s\n",
		    i == 0 ? "auth" : "account", mod, passdb) < 0) {
			line = NULL;
			goto fail;
		}
		pt_append(&text, line);
		free(line);
		line = NULL;
	}
	if (text == NULL)
		goto fail;
	if (pt_write_text(dir, PT_SERVICE, text, 0644) != 0 ||
	    pt_write_text(dir, "other", other, 0644) != 0)
		goto fail;
	free(text);
	free(passdb);
	return dir;
fail:
	free(line);
	free(text);
	free(passdb);
	free(dir);
	return NULL;
}

char *
pt_service_dir_users(const char *tmpdir, const struct pt_user *users)
{
	return pt_service_dir_custom(tmpdir, users, NULL, NULL, NULL);
}

char *
pt_service_dir(const char *tmpdir, const char *const users[][2])
{
	struct pt_user *u;
	size_t n, i;
	char *dir;

	for (n = 0; users[n][0] != NULL; n++)
		;
	if ((u = calloc(n + 1, sizeof *u)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		u[i].user = users[i][0];
		u[i].password = users[i][1];
	}
	dir = pt_service_dir_users(tmpdir, u);
	free(u);
	return dir;
}

void
pt_conv_init(struct pt_conv *c, const char *const *answers, size_t n)
{
	memset(c, 0, sizeof *c);
	c->answers = answers;
	c->nanswers = n;
}

int
pt_conv_fn(void *ctx, enum auth_msg_style style, const char *msg,
    struct secret **reply)
{
	struct pt_conv *c = ctx;
	const char *a;
	size_t len;

	if (c->nshown < PT_CONV_MAX) {
		c->style[c->nshown] = style;
		snprintf(c->shown[c->nshown], sizeof c->shown[0], "%s",
		    msg != NULL ? msg : "");
		c->nshown++;
	}
	if (style != AUTH_PROMPT_ECHO_OFF && style != AUTH_PROMPT_ECHO_ON)
		return 0;
	if (c->next >= c->nanswers || (a = c->answers[c->next]) == NULL) {
		c->next++;
		c->cancels++;
		return -1;
	}
	c->next++;
	len = strlen(a);
	if ((*reply = secret_new(len + 1)) == NULL)
		return -1;
	memcpy((*reply)->data, a, len);
	(*reply)->len = len;
	return 0;
}

bool
pt_conv_saw(const struct pt_conv *c, enum auth_msg_style style,
    const char *needle)
{
	size_t i;

	for (i = 0; i < c->nshown; i++)
		if (c->style[i] == style && strstr(c->shown[i], needle) != NULL)
			return true;
	return false;
}
