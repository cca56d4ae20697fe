/*
 * fileio: the two file primitives that durable writes share (the key
 * file, erasure's files): write everything, and make a directory entry
 * durable. No policy here; callers decide what to write where.
 */
#ifndef FULFIL_FILEIO_H
#define FULFIL_FILEIO_H

#include <stddef.h>

#include "ferr.h"

/* Write all n bytes (EINTR retried); 0, or -1 with errno set. */
int fileio_write_all(int fd, const void *p, size_t n);

/*
 * fsync the directory that holds path (absolute), so an entry created,
 * renamed or removed there is durable. FULFIL_EINVAL for a relative or
 * too long path, FULFIL_EIO naming the directory.
 */
int fileio_fsync_dir(const char *path, struct ferr *err);

#endif
