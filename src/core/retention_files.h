/*
 * retention_files: the file operations of erasure, for retention's
 * modules only: overwrite a key file in place, destroy it (overwrite,
 * fsync, unlink, fsync the directory), write a small file durably.
 * See doc/security.md for what overwriting can and cannot promise.
 */
#ifndef FULFIL_RETENTION_FILES_H
#define FULFIL_RETENTION_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "ferr.h"

/* Overwrite the whole file with random bytes and fsync it; it stays. */
int retention_file_overwrite(const char *path, struct ferr *err);

/* Overwrite, fsync, unlink, fsync the directory. A missing file is 0. */
int retention_file_destroy(const char *path, struct ferr *err);

/* Unlink (no overwrite) and fsync the directory; missing is 0. */
int retention_file_remove(const char *path, struct ferr *err);

/*
 * Write len bytes to path through path.tmp (O_EXCL, mode), fsync, rename,
 * fsync the directory: after a crash path holds the old or the new bytes.
 */
int retention_file_write(const char *path, const void *buf, size_t len,
    int mode, struct ferr *err);

/*
 * The rotation lock: flock(2) on the data directory itself, held for a
 * whole rotation, a recovery or a purge --all, so two processes never
 * move key files at once (the kernel drops it when the holder dies).
 * wait: retry for up to about ten seconds, else FULFIL_ESTATE at once.
 * *fd is the caller's to retention_dir_unlock().
 */
int retention_dir_lock(const char *dir, bool wait, int *fd, struct ferr *err);
void retention_dir_unlock(int fd);

#endif
