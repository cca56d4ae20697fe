/*
 * fileio: write-all and directory fsync, shared by the key file (crypto)
 * and erasure (retention_files). Owns nothing; never logs; messages name
 * paths, never file contents.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "i18n.h"

int
fileio_write_all(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fileio_fsync_dir(const char *path, struct ferr *err)
{
	char dir[PATH_MAX];
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;
	size_t n;
	int fd, r = 0;

	if (path == NULL || path[0] != '/' || slash == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("%s is not an absolute path"), path != NULL ? path : "");
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof dir)
		return ferr_set(err, FULFIL_EINVAL, _("path is too long"));
	memcpy(dir, path, n);
	dir[n] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return ferr_set(err, FULFIL_EIO,
		    _("cannot open directory %s: %s"), dir, strerror(errno));
	if (fsync(fd) != 0)
		r = ferr_set(err, FULFIL_EIO, _("cannot sync directory %s: %s"),
		    dir, strerror(errno));
	close(fd);
	return r;
}
