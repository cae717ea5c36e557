/*
 * The cache directory: derived files only, laid out like their URLs
 * (DIR/media/ID/w/640.webp for /media/ID/w/640.webp), so that the web server
 * serves a hit itself. Files appear whole (temporary file, fsync, rename)
 * or not at all; deleting the directory loses nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media.h"

int
cache_path(char *out, size_t size, const char *dir, const char *id, const char *name)
{
	int	 n;

	n = snprintf(out, size, "%s/media/%s%s%s", dir, id, *name != '\0' ? "/" : "", name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Creates every missing directory above the last '/' of path. Returns 0 or -1. */
static int
make_parents(const char *path)
{
	char	 buf[PATH_MAX];
	char	*p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((p = strrchr(buf, '/')) == NULL || p == buf)
		return 0;
	*p = '\0';
	if (mkdir(buf, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) == -1 && errno != EEXIST ? -1 : 0;
}

int
cache_write(const char *path, const void *data, size_t len, time_t mtime)
{
	char			 tmp[PATH_MAX];
	const char		*p = data;
	struct timespec		 times[2] = { { mtime, 0 }, { mtime, 0 } };
	ssize_t			 n;
	int			 fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (make_parents(path) == -1 || (fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return -1;
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	/* Same mtime and size as last time: the web server's ETag survives a rebuild. */
	if (fchmod(fd, 0644) == -1 || futimens(fd, times) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
cache_lock(const char *path)
{
	char	 lock[PATH_MAX];
	int	 fd;

	if (snprintf(lock, sizeof(lock), "%s.lock", path) >= (int)sizeof(lock)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (make_parents(lock) == -1 ||
	    (fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

void
cache_unlock(int fd)
{
	if (fd != -1)
		close(fd);	/* releases the flock */
}

/* nftw callback: removes one entry, deepest first. */
static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

int
cache_remove_item(const char *dir, const char *id)
{
	char	 path[PATH_MAX];

	if (cache_path(path, sizeof(path), dir, id, "") == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

int
cache_ready(const char *dir)
{
	char	 path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/media/x", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (make_parents(path) == -1)
		return -1;
	path[strlen(path) - 2] = '\0';
	return access(path, W_OK | X_OK);
}
