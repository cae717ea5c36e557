/*
 * The site directory: atomic stores (write to .tmp, rename into place),
 * removal by renaming into .trash, and the gzip made once per stored file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "sitedir.h"

/* Writes root/rel (and suffix) into path. Returns 0, or -1 when it does not fit. */
static int
full_path(const struct sitedir *sd, const char *rel, const char *suffix, char *path,
    size_t size)
{
	int	 n = snprintf(path, size, "%s/%s%s", sd->root, rel, suffix);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Makes path and its parents (mode 0755). Returns 0 or -1. */
static int
mkdirs(char *path)
{
	char	*p;

	for (p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0755) == -1 && errno != EEXIST ? -1 : 0;
}

int
sitedir_open(struct sitedir *sd, const char *root, char *err, size_t errlen)
{
	char	 path[1100];
	size_t	 len = strlen(root);

	memset(sd, 0, sizeof(*sd));
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (root[0] != '/' || len >= sizeof(sd->root)) {
		snprintf(err, errlen, "[post] site_dir: an absolute path, not '%s'", root);
		return -1;
	}
	memcpy(sd->root, root, len);
	sd->root[len] = '\0';
	snprintf(path, sizeof(path), "%s/.tmp", sd->root);
	if (mkdirs(path) == -1 || (snprintf(path, sizeof(path), "%s/.trash", sd->root),
	    mkdir(path, 0755) == -1 && errno != EEXIST) || access(path, W_OK) == -1) {
		snprintf(err, errlen, "[post] site_dir %s: %s", sd->root, strerror(errno));
		return -1;
	}
	return 0;
}

bool
sitedir_rel_ok(const char *rel)
{
	const char	*seg = rel;
	size_t		 len = strlen(rel), n;

	if (len == 0 || len >= SITEDIR_REL_MAX ||
	    strspn(rel, "abcdefghijklmnopqrstuvwxyz0123456789._-/") != len)
		return false;
	while (*seg != '\0') {
		n = strcspn(seg, "/");
		if (n == 0 || seg[0] == '.')
			return false;
		seg += n;
		if (*seg == '/')
			seg++;
	}
	return true;
}

int
sitedir_gzip(const char *data, size_t len, struct buf *out)
{
	z_stream	 z;
	uLong		 bound;
	int		 rc;

	buf_reset(out);
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer; memLevel 8 as zlib's default. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)len);
	if (out->cap < bound + 1) {
		char *p = realloc(out->data, bound + 1);

		if (p == NULL) {
			deflateEnd(&z);
			return -1;
		}
		out->data = p;
		out->cap = bound + 1;
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	out->len = rc == Z_STREAM_END ? z.total_out : 0;
	out->data[out->len] = '\0';
	deflateEnd(&z);
	if (rc != Z_STREAM_END)
		return -1;
	if (out->len * 100 > len * (100 - SITEDIR_GZ_GAIN)) {
		buf_reset(out);
		return 1;
	}
	return 0;
}

/*
 * Writes data[0..len) to a new file in .tmp, mode 0644, with mtime. Writes
 * its path into tmp and its inode into *ino. Returns 0, or -1 (nothing left).
 */
static int
write_tmp(const struct sitedir *sd, const char *data, size_t len, time_t mtime, char *tmp,
    size_t size, dev_t *dev, ino_t *ino)
{
	struct timespec	 ts[2] = { { mtime, 0 }, { mtime, 0 } };
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd, saved;

	if (snprintf(tmp, size, "%s/.tmp/page-XXXXXX", sd->root) >= (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) == -1 || futimens(fd, ts) == -1 || fstat(fd, &st) == -1)
		goto fail;
	*dev = st.st_dev;
	*ino = st.st_ino;
	if (close(fd) == -1) {
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

/*
 * Renames tmp to path, making path's parent folders when missing (also when
 * a removal took them away meanwhile). Returns 0, or -1 with tmp removed.
 */
static int
put_in_place(const char *tmp, char *path)
{
	char	*slash;
	int	 attempt, saved;

	for (attempt = 0; attempt < 3; attempt++) {
		if (rename(tmp, path) == 0)
			return 0;
		if (errno != ENOENT || (slash = strrchr(path, '/')) == NULL)
			break;
		*slash = '\0';
		saved = mkdirs(path);
		*slash = '/';
		if (saved == -1)
			break;
	}
	saved = errno;
	unlink(tmp);
	errno = saved;
	return -1;
}

int
sitedir_store(struct sitedir *sd, const char *rel, const char *data, size_t len,
    const char *gz, size_t gzlen, time_t mtime, struct sitedir_stored *out)
{
	char	 tmp[1100], tmp_gz[1100], path[1100], path_gz[1100];
	dev_t	 dev;

	memset(out, 0, sizeof(*out));
	if (!sitedir_rel_ok(rel) || rel[strlen(rel) - 1] == '/') {
		errno = EINVAL;
		return -1;
	}
	if (full_path(sd, rel, "", path, sizeof(path)) == -1 ||
	    full_path(sd, rel, ".gz", path_gz, sizeof(path_gz)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (gz != NULL) {
		if (write_tmp(sd, gz, gzlen, mtime, tmp_gz, sizeof(tmp_gz), &dev,
		    &out->gz_ino) == -1)
			return -1;
		if (write_tmp(sd, data, len, mtime, tmp, sizeof(tmp), &out->dev, &out->ino) == -1) {
			unlink(tmp_gz);
			return -1;
		}
		if (put_in_place(tmp_gz, path_gz) == -1) {
			unlink(tmp);
			return -1;
		}
		out->gz_size = gzlen;
	} else {
		if (write_tmp(sd, data, len, mtime, tmp, sizeof(tmp), &out->dev, &out->ino) == -1)
			return -1;
		if (unlink(path_gz) == -1 && errno != ENOENT) {
			unlink(tmp);
			return -1;
		}
	}
	if (put_in_place(tmp, path) == -1)
		return -1;
	out->mtime = mtime;
	out->size = len;
	return 0;
}

/* Unlinks path when it is still the file dev/ino. */
static void
unlink_same(const char *path, dev_t dev, ino_t ino)
{
	struct stat	 st;

	if (stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
}

void
sitedir_unstore(struct sitedir *sd, const char *rel, const struct sitedir_stored *s)
{
	char	 path[1100];

	if (full_path(sd, rel, "", path, sizeof(path)) == 0)
		unlink_same(path, s->dev, s->ino);
	if (s->gz_size > 0 && full_path(sd, rel, ".gz", path, sizeof(path)) == 0)
		unlink_same(path, s->dev, s->gz_ino);
}

/* Renames root/name (a folder or a file) into .trash. Returns 0 or -1. */
static int
trash(struct sitedir *sd, const char *path)
{
	char	 dest[1100];

	snprintf(dest, sizeof(dest), "%s/.trash/%ld-%u", sd->root, (long)getpid(), sd->serial++);
	if (rename(path, dest) == -1)
		return errno == ENOENT ? 0 : -1;
	sd->trash = true;
	return 0;
}

int
sitedir_remove(struct sitedir *sd, const char *rel)
{
	char	 path[1100];
	size_t	 len = strlen(rel);

	if (!sitedir_rel_ok(rel)) {
		errno = EINVAL;
		return -1;
	}
	if (rel[len - 1] == '/') {
		if (snprintf(path, sizeof(path), "%s/%.*s", sd->root, (int)(len - 1), rel) >=
		    (int)sizeof(path))
			return -1;
		return trash(sd, path);
	}
	if (full_path(sd, rel, "", path, sizeof(path)) == -1 ||
	    (unlink(path) == -1 && errno != ENOENT) ||
	    full_path(sd, rel, ".gz", path, sizeof(path)) == -1 ||
	    (unlink(path) == -1 && errno != ENOENT))
		return -1;
	return 0;
}

int
sitedir_clear(struct sitedir *sd, const char *const *keep, size_t n)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[1100];
	size_t		 i;
	int		 rc = 0;

	if ((d = opendir(sd->root)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < n && strcmp(de->d_name, keep[i]) != 0; i++)
			;
		if (i < n)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", sd->root, de->d_name) >=
		    (int)sizeof(path) || trash(sd, path) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

/* nftw callback: removes one entry (children come first). */
static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	if (ftw->level == 0)
		return 0;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
sitedir_purge(struct sitedir *sd)
{
	char	 path[1100];

	if (!sd->trash)
		return;
	sd->trash = false;
	snprintf(path, sizeof(path), "%s/.trash", sd->root);
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
sitedir_read(const struct sitedir *sd, const char *rel, size_t max, struct buf *out)
{
	char	 path[1100], err[64];

	if (full_path(sd, rel, "", path, sizeof(path)) == -1)
		return -1;
	return buf_read_file(out, path, max, err, sizeof(err));
}

bool
sitedir_exists(const struct sitedir *sd, const char *rel)
{
	struct stat	 st;
	char		 path[1100];

	return full_path(sd, rel, "", path, sizeof(path)) == 0 && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode);
}
