/*
 * secret: locked, wiped-on-free buffers for keys and decrypted order data.
 * Owns every sodium_malloc of the program; nothing else frees them.
 *
 * Also owns a small pool of such buffers for hot paths (a lookup makes
 * and drops one arena per order). The pool must never keep a buffer that
 * has not been wiped in full, never hand one out that is smaller than
 * asked, and never grow past SECRET_POOL_KEEP buffers of at most
 * SECRET_POOL_CAP_MAX bytes (they stay locked in RAM while kept).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ferr.h"
#include "secret.h"

struct secret *
secret_new(size_t cap)
{
	struct secret *s;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	/* sodium_malloc(0) is legal but keep a real page behind every secret. */
	if ((s->data = sodium_malloc(cap ? cap : 1)) == NULL) {
		free(s);
		return NULL;
	}
	sodium_memzero(s->data, cap ? cap : 1);
	s->cap = cap;
	return s;
}

int
secret_reserve(struct secret *s, size_t cap)
{
	unsigned char *p;

	if (cap <= s->cap)
		return 0;
	if ((p = sodium_malloc(cap)) == NULL)
		return FULFIL_ENOMEM;
	sodium_memzero(p, cap);
	if (s->len > 0)
		memcpy(p, s->data, s->len);
	sodium_free(s->data);	/* sodium_free wipes before it unmaps */
	s->data = p;
	s->cap = cap;
	return 0;
}

void
secret_clear(struct secret *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s->data, s->cap ? s->cap : 1);
	s->len = 0;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->data);
	free(s);
}

void
secret_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		sodium_memzero(p, n);
}

/* ---- pool ------------------------------------------------------------- */

/*
 * The kept buffers: static, so a program that exits with buffers still
 * kept shows them to LeakSanitizer as reachable, not leaked (their bytes
 * are sodium_malloc'ed, hence mmap'ed, and wiped already).
 */
static struct {
	pthread_mutex_t lock;
	struct secret *kept[SECRET_POOL_KEEP];
	size_t n;
} secret_pool = {PTHREAD_MUTEX_INITIALIZER, {NULL}, 0};

/*
 * sodium_malloc puts a 16-byte canary in front of the block and the
 * block against the guard page at the end of whole pages: a new pooled
 * buffer gets all the bytes those pages hold anyway, so that later
 * requests of a similar size find it big enough. The result stays a
 * multiple of 16, which keeps the block 16-byte aligned.
 */
#define SECRET_CANARY_BYTES 16

static size_t
secret_pool_round(size_t cap)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t page = ps > 0 ? (size_t)ps : 4096, r;

	if (cap > SECRET_POOL_CAP_MAX)
		return cap;
	r = (cap + SECRET_CANARY_BYTES + page - 1) / page * page -
	    SECRET_CANARY_BYTES;
	return r <= SECRET_POOL_CAP_MAX ? r : cap;
}

struct secret *
secret_pool_get(size_t cap)
{
	struct secret *s = NULL;
	size_t i, best = SECRET_POOL_KEEP;

	pthread_mutex_lock(&secret_pool.lock);
	for (i = 0; i < secret_pool.n; i++)
		if (secret_pool.kept[i]->cap >= cap &&
		    (best == SECRET_POOL_KEEP ||
		        secret_pool.kept[i]->cap < secret_pool.kept[best]->cap))
			best = i;
	if (best != SECRET_POOL_KEEP) {
		s = secret_pool.kept[best];
		secret_pool.kept[best] = secret_pool.kept[--secret_pool.n];
		secret_pool.kept[secret_pool.n] = NULL;
	}
	pthread_mutex_unlock(&secret_pool.lock);
	if (s != NULL)
		return s; /* wiped by secret_pool_put, len 0 */
	return secret_new(secret_pool_round(cap));
}

void
secret_pool_put(struct secret *s)
{
	struct secret *drop = NULL;
	size_t i, small;

	if (s == NULL)
		return;
	if (s->cap > SECRET_POOL_CAP_MAX) {
		secret_free(s);
		return;
	}
	secret_clear(s); /* all cap bytes, before anyone else can see it */
	pthread_mutex_lock(&secret_pool.lock);
	if (secret_pool.n < SECRET_POOL_KEEP) {
		secret_pool.kept[secret_pool.n++] = s;
	} else {
		/* Full: keep the bigger buffers, they fit more requests. */
		small = 0;
		for (i = 1; i < secret_pool.n; i++)
			if (secret_pool.kept[i]->cap <
			    secret_pool.kept[small]->cap)
				small = i;
		if (secret_pool.kept[small]->cap < s->cap) {
			drop = secret_pool.kept[small];
			secret_pool.kept[small] = s;
		} else {
			drop = s;
		}
	}
	pthread_mutex_unlock(&secret_pool.lock);
	secret_free(drop);
}

void
secret_pool_drain(void)
{
	struct secret *kept[SECRET_POOL_KEEP];
	size_t i, n;

	pthread_mutex_lock(&secret_pool.lock);
	n = secret_pool.n;
	memcpy(kept, secret_pool.kept, n * sizeof kept[0]);
	memset(secret_pool.kept, 0, sizeof secret_pool.kept);
	secret_pool.n = 0;
	pthread_mutex_unlock(&secret_pool.lock);
	for (i = 0; i < n; i++)
		secret_free(kept[i]);
}

size_t
secret_pool_size(void)
{
	size_t n;

	pthread_mutex_lock(&secret_pool.lock);
	n = secret_pool.n;
	pthread_mutex_unlock(&secret_pool.lock);
	return n;
}
