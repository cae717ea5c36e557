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

#include <libdeflate.h>

#include "sitedir.h"

#define GZIP_LEVEL	1	/* libdeflate's: see sitedir_gzip() */

/* Writes root/tree/rel (tree: "" or ".gz/") into path. Returns 0, or -1 when it does not fit. */
static int
full_path(const struct sitedir *sd, const char *tree, const char *rel, char *path, size_t size)
{
	int	 n = snprintf(path, size, "%s/%s%s", sd->root, tree, rel);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Makes the folder path, mode 0755 whatever the umask (chmod). Returns 0 or -1. */
static int
make_folder(const char *path, bool chmod_it)
{
	if (mkdir(path, 0755) == -1)
		return errno == EEXIST ? 0 : -1;
	return chmod_it ? chmod(path, 0755) : 0;
}

/* Makes path and its parents below the first skip bytes. Returns 0 or -1. */
static int
mkdirs(char *path, size_t skip, bool chmod_it)
{
	char	*p;

	for (p = path + skip + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (make_folder(path, chmod_it) == -1) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return make_folder(path, chmod_it);
}

int
sitedir_open(struct sitedir *sd, const char *root, char *err, size_t errlen)
{
	char	 path[1100];
	size_t	 len = strlen(root);
	mode_t	 mask;

	memset(sd, 0, sizeof(*sd));
	sd->fd = -1;
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (root[0] != '/' || len >= sizeof(sd->root)) {
		snprintf(err, errlen, "[post] site_dir: an absolute path, not '%s'", root);
		return -1;
	}
	memcpy(sd->root, root, len);
	sd->root[len] = '\0';
	/* The web server reads them: files 0644 and folders 0755 whatever the umask. */
	umask(mask = umask(0));
	sd->chmod = (mask & 0755) != 0;
	snprintf(path, sizeof(path), "%s/.tmp", sd->root);
	if (mkdirs(path, 0, sd->chmod) == -1 || (snprintf(path, sizeof(path), "%s/" SITEDIR_GZ,
	    sd->root), make_folder(path, sd->chmod) == -1) || (snprintf(path, sizeof(path),
	    "%s/.trash", sd->root), make_folder(path, sd->chmod) == -1) ||
	    access(path, W_OK) == -1 ||
	    (sd->fd = open(sd->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
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
sitedir_gzip(struct sitedir *sd, const char *data, size_t len, struct buf *out)
{
	size_t	 bound, n;
	char	*p;

	buf_reset(out);
	/*
	 * libdeflate, not zlib: a whole buffer at once, one compressor a
	 * process, made once. Measured on a 6.5 KiB post page (make bench's):
	 * zlib level 6, 1545 bytes in 64 us of a worker's CPU on a miss (25 us
	 * in a hot loop); libdeflate level 1, 1566 bytes (1.4 % more) in 20 us
	 * (10); its level 6, 1547 bytes in 32 us (18).
	 */
	if (sd->zs == NULL && (sd->zs = libdeflate_alloc_compressor(GZIP_LEVEL)) == NULL)
		return -1;
	bound = libdeflate_gzip_compress_bound(sd->zs, len);
	if (out->cap < bound + 1) {
		if ((p = realloc(out->data, bound + 1)) == NULL)
			return -1;
		out->data = p;
		out->cap = bound + 1;
	}
	n = libdeflate_gzip_compress(sd->zs, data, len, out->data, bound);
	out->len = n;
	out->data[n] = '\0';
	return n > 0 ? 0 : -1;
}

void
sitedir_close(struct sitedir *sd)
{
	if (sd->zs != NULL) {
		libdeflate_free_compressor(sd->zs);
		sd->zs = NULL;
	}
	/* A zeroed struct never opened has fd 0, which is not its own. */
	if (sd->root[0] != '\0' && sd->fd != -1) {
		close(sd->fd);
		sd->fd = -1;
	}
}

/*
 * Writes data[0..len) to a new file in .tmp (named for this process, pid),
 * readable by all. Writes its path (relative to the root) into tmp and its
 * inode into *ino. Returns 0, or -1 (nothing left). Paths here are relative
 * to the root's descriptor: a miss pays no walk from / for each call.
 */
static int
write_tmp(struct sitedir *sd, long pid, const char *data, size_t len, char *tmp, size_t size,
    dev_t *dev, ino_t *ino)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd, saved;

	if (snprintf(tmp, size, ".tmp/%ld-%u", pid, sd->serial++) >= (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A name left by a process that had this pid before is a leftover. */
	if ((fd = openat(sd->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1 &&
	    errno == EEXIST && unlinkat(sd->fd, tmp, 0) == 0)
		fd = openat(sd->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if ((sd->chmod && fchmod(fd, 0644) == -1) || fstat(fd, &st) == -1)
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
	unlinkat(sd->fd, tmp, 0);
	errno = saved;
	return -1;
}

/*
 * Renames tmp to tree/rel (relative to the root), making its parent
 * folders when missing (also when a removal took them away meanwhile).
 * Returns 0, or -1 with tmp removed.
 */
static int
put_in_place(const struct sitedir *sd, const char *tmp, const char *tree, const char *rel)
{
	char	 path[1100], *dest, *slash;
	int	 attempt, saved;

	if (full_path(sd, tree, rel, path, sizeof(path)) == -1) {
		unlinkat(sd->fd, tmp, 0);
		errno = ENAMETOOLONG;
		return -1;
	}
	dest = path + strlen(sd->root) + 1;
	for (attempt = 0; attempt < 3; attempt++) {
		if (renameat(sd->fd, tmp, sd->fd, dest) == 0)
			return 0;
		if (errno != ENOENT || (slash = strrchr(path, '/')) == NULL)
			break;
		*slash = '\0';
		saved = mkdirs(path, strlen(sd->root), sd->chmod);
		*slash = '/';
		if (saved == -1)
			break;
	}
	saved = errno;
	unlinkat(sd->fd, tmp, 0);
	errno = saved;
	return -1;
}

int
sitedir_store(struct sitedir *sd, const char *rel, const char *data, size_t len,
    const char *gz, size_t gzlen, struct sitedir_stored *out)
{
	char	 tmp[64], tmp_gz[64], path_gz[1100];
	long	 pid = (long)getpid();
	dev_t	 dev;

	memset(out, 0, sizeof(*out));
	if (!sitedir_rel_ok(rel) || rel[strlen(rel) - 1] == '/') {
		errno = EINVAL;
		return -1;
	}
	if (full_path(sd, SITEDIR_GZ "/", rel, path_gz, sizeof(path_gz)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (gz != NULL) {
		if (write_tmp(sd, pid, gz, gzlen, tmp_gz, sizeof(tmp_gz), &dev, &out->gz_ino) == -1)
			return -1;
		if (write_tmp(sd, pid, data, len, tmp, sizeof(tmp), &out->dev, &out->ino) == -1) {
			unlinkat(sd->fd, tmp_gz, 0);
			return -1;
		}
		if (put_in_place(sd, tmp_gz, SITEDIR_GZ "/", rel) == -1) {
			unlinkat(sd->fd, tmp, 0);
			return -1;
		}
		out->gz_size = gzlen;
	} else {
		if (write_tmp(sd, pid, data, len, tmp, sizeof(tmp), &out->dev, &out->ino) == -1)
			return -1;
		if (unlink(path_gz) == -1 && errno != ENOENT) {
			unlinkat(sd->fd, tmp, 0);
			return -1;
		}
	}
	if (put_in_place(sd, tmp, "", rel) == -1)
		return -1;
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

	if (full_path(sd, "", rel, path, sizeof(path)) == 0)
		unlink_same(path, s->dev, s->ino);
	if (s->gz_size > 0 && full_path(sd, SITEDIR_GZ "/", rel, path, sizeof(path)) == 0)
		unlink_same(path, s->dev, s->gz_ino);
}

/* Renames path (a folder or a file) into .trash. Returns 0 or -1. */
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

/* Removes rel (a folder or a file, as sitedir_remove() says) of tree. Returns 0 or -1. */
static int
remove_in(struct sitedir *sd, const char *tree, const char *rel)
{
	char	 path[1100];
	size_t	 len = strlen(rel);

	if (full_path(sd, tree, rel, path, sizeof(path)) == -1)
		return -1;
	if (rel[len - 1] == '/') {
		path[strlen(path) - 1] = '\0';
		return trash(sd, path);
	}
	return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

int
sitedir_remove(struct sitedir *sd, const char *rel)
{
	if (!sitedir_rel_ok(rel)) {
		errno = EINVAL;
		return -1;
	}
	return remove_in(sd, "", rel) == -1 || remove_in(sd, SITEDIR_GZ "/", rel) == -1 ? -1 : 0;
}

/* Removes every entry of root/tree but keep[0..n) and the private folders. Returns 0 or -1. */
static int
clear_in(struct sitedir *sd, const char *tree, const char *const *keep, size_t n)
{
	DIR		*d;
	struct dirent	*de;
	char		 dir[1100], path[1100];
	size_t		 i;
	int		 rc = 0;

	if (full_path(sd, tree, "", dir, sizeof(dir)) == -1 || (d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < n && strcmp(de->d_name, keep[i]) != 0; i++)
			;
		if (i < n)
			continue;
		if (snprintf(path, sizeof(path), "%s%s", dir, de->d_name) >= (int)sizeof(path) ||
		    trash(sd, path) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
sitedir_clear(struct sitedir *sd, const char *const *keep, size_t n)
{
	return clear_in(sd, "", keep, n) == -1 || clear_in(sd, SITEDIR_GZ "/", keep, n) == -1 ?
	    -1 : 0;
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

	if (full_path(sd, "", rel, path, sizeof(path)) == -1)
		return -1;
	return buf_read_file(out, path, max, err, sizeof(err));
}

bool
sitedir_exists(const struct sitedir *sd, const char *rel)
{
	struct stat	 st;
	char		 path[1100];

	return full_path(sd, "", rel, path, sizeof(path)) == 0 && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode);
}

void
sitedir_generation(const struct sitedir *sd, struct sitedir_gen *gen)
{
	struct stat	 st;
	char		 path[1100];

	snprintf(path, sizeof(path), "%s/.generation", sd->root);
	memset(gen, 0, sizeof(*gen));
	if (stat(path, &st) == 0) {
		gen->ino = st.st_ino;
		gen->size = st.st_size;
	}
}

bool
sitedir_gen_same(const struct sitedir_gen *a, const struct sitedir_gen *b)
{
	return a->ino == b->ino && a->size == b->size;
}

int
sitedir_bump(struct sitedir *sd)
{
	char	 path[1100];
	int	 fd, rc;

	snprintf(path, sizeof(path), "%s/.generation", sd->root);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	rc = write(fd, "+", 1) == 1 ? 0 : -1;
	if (close(fd) == -1)
		rc = -1;
	return rc;
}
