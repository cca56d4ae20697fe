/*
 * retention_files: durable file operations for erasure (see
 * retention_files.h).
 *
 * Owns nothing but the files it is handed. Never follows a symlink,
 * never writes a file it did not open with O_NOFOLLOW, and never reads
 * what it overwrites (a key file's text is the key).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ferr.h"
#include "fileio.h"
#include "i18n.h"
#include "retention_files.h"

int
retention_file_overwrite(const char *path, struct ferr *err)
{
	unsigned char buf[4096];
	struct stat sb;
	off_t left;
	int fd, r = 0;

	/* A 0400 key file: its owner may make it writable first. */
	if (lstat(path, &sb) != 0)
		return ferr_set(err, errno == ENOENT ? FULFIL_ENOTFOUND :
		    FULFIL_EIO, _("%s: %s"), path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return ferr_set(err, FULFIL_EPERM,
		    _("%s is not a regular file"), path);
	(void)chmod(path, 0600);
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ferr_set(err, FULFIL_EIO, _("cannot overwrite %s: %s"),
		    path, strerror(errno));
	for (left = sb.st_size; left > 0; left -= (off_t)sizeof buf) {
		size_t n = left < (off_t)sizeof buf ? (size_t)left : sizeof buf;

		randombytes_buf(buf, n);
		if (fileio_write_all(fd, buf, n) != 0) {
			r = ferr_set(err, FULFIL_EIO,
			    _("cannot overwrite %s: %s"), path,
			    strerror(errno));
			break;
		}
	}
	if (r == 0 && fsync(fd) != 0)
		r = ferr_set(err, FULFIL_EIO, _("cannot sync %s: %s"), path,
		    strerror(errno));
	close(fd);
	sodium_memzero(buf, sizeof buf);
	return r;
}

int
retention_file_remove(const char *path, struct ferr *err)
{
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			return 0;
		return ferr_set(err, FULFIL_EIO, _("cannot remove %s: %s"),
		    path, strerror(errno));
	}
	return fileio_fsync_dir(path, err);
}

int
retention_file_destroy(const char *path, struct ferr *err)
{
	struct stat sb;
	int r;

	if (lstat(path, &sb) != 0 && errno == ENOENT)
		return 0;
	if ((r = retention_file_overwrite(path, err)) != 0)
		return r;
	return retention_file_remove(path, err);
}

int
retention_file_write(const char *path, const void *buf, size_t len,
    int mode, struct ferr *err)
{
	char tmp[PATH_MAX];
	int fd, r = 0;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return ferr_set(err, FULFIL_EINVAL, _("path is too long"));
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, mode);
	if (fd < 0)
		return ferr_set(err, FULFIL_EIO, _("cannot create %s: %s"),
		    tmp, strerror(errno));
	if (fchmod(fd, (mode_t)mode) != 0 ||
	    fileio_write_all(fd, buf, len) != 0 || fsync(fd) != 0)
		r = ferr_set(err, FULFIL_EIO, _("cannot write %s: %s"), tmp,
		    strerror(errno));
	if (close(fd) != 0 && r == 0)
		r = ferr_set(err, FULFIL_EIO, _("cannot write %s: %s"), tmp,
		    strerror(errno));
	if (r == 0 && rename(tmp, path) != 0)
		r = ferr_set(err, FULFIL_EIO, _("cannot rename %s: %s"), tmp,
		    strerror(errno));
	if (r != 0) {
		(void)unlink(tmp);
		return r;
	}
	return fileio_fsync_dir(path, err);
}

int
retention_dir_lock(const char *dir, bool wait, int *fd, struct ferr *err)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int tries = wait ? 200 : 1, d;

	*fd = -1;
	if ((d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return ferr_set(err, errno == ENOENT ? FULFIL_ENOTFOUND :
		    FULFIL_EIO, _("data dir %s: %s"), dir, strerror(errno));
	while (flock(d, LOCK_EX | LOCK_NB) != 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || --tries <= 0) {
			close(d);
			return ferr_set(err, FULFIL_ESTATE,
			    _("another process is rotating the key or purging "
			      "%s; try again"), dir);
		}
		nanosleep(&pause, NULL);
	}
	*fd = d;
	return 0;
}

void
retention_dir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}
