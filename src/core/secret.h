/*
 * secret: buffers for keys and decrypted customer data.
 *
 * The bytes live in sodium_malloc memory (guard pages, mlock'ed, excluded
 * from core dumps where the kernel allows) and are wiped when freed.
 * The only way a secret dies is secret_free().
 */
#ifndef FULFIL_SECRET_H
#define FULFIL_SECRET_H

#include <stddef.h>

struct secret {
	unsigned char *data;	/* cap bytes, locked; data[len] is not reserved */
	size_t len;		/* bytes in use */
	size_t cap;		/* bytes allocated */
};

/* A zeroed secret of cap bytes (cap may be 0). Caller frees. NULL: no memory. */
struct secret *secret_new(size_t cap);

/* Grow to at least cap bytes, keeping the content; 0 or FULFIL_ENOMEM. */
int secret_reserve(struct secret *s, size_t cap);

/* Wipe the content (len = 0) but keep the allocation for reuse. */
void secret_clear(struct secret *s);

/* Wipe and free; NULL is fine. */
void secret_free(struct secret *s);

/* Wipe ordinary memory (explicit_bzero / sodium_memzero). */
void secret_wipe(void *p, size_t n);

/*
 * A small pool of locked buffers for short-lived secrets that are made
 * and dropped often (the arena of a decrypted order), so that a hot path
 * does not pay for sodium_malloc's mmap + mprotect + mlock every time.
 * Thread-safe. The pool keeps at most SECRET_POOL_KEEP buffers of at most
 * SECRET_POOL_CAP_MAX bytes each, every one wiped (all cap bytes) before
 * it is kept; it holds nothing else.
 */
#define SECRET_POOL_KEEP 8
#define SECRET_POOL_CAP_MAX (64u * 1024)

/*
 * A zeroed secret (len 0) of at least cap bytes: a kept buffer when one
 * is big enough, else a new one (rounded up to fill its locked pages, so
 * s->cap may exceed cap). Caller gives it back with secret_pool_put()
 * (secret_free() is fine too). NULL: no memory.
 */
struct secret *secret_pool_get(size_t cap);

/*
 * Wipe all s->cap bytes of s, then keep it for secret_pool_get(). One
 * bigger than SECRET_POOL_CAP_MAX is freed; when the pool is full, the
 * smaller of s and the smallest kept buffer is freed. NULL is fine.
 */
void secret_pool_put(struct secret *s);

/* Free every kept buffer (they are already wiped). */
void secret_pool_drain(void);

/* How many buffers the pool keeps right now (for tests). */
size_t secret_pool_size(void);

#endif
