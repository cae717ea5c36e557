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
	    access(path, W_OK) == -1) {
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
	z_stream	*z = sd->zs;
	uLong		 bound;
	char		*p;
	int		 rc;

	buf_reset(out);
	/*
	 * One stream a process, reset for each page: making one allocates and
	 * clears some hundred KiB, more than compressing a page costs. Level
	 * 6: level 9 gains nothing on a page (measured). windowBits 15 + 16:
	 * a gzip header and trailer; memLevel 7, not zlib's 8: the same output
	 * for pages of some KiB, half the table to clear.
	 */
	if (z == NULL) {
		if ((z = calloc(1, sizeof(*z))) == NULL)
			return -1;
		if (deflateInit2(z, 6, Z_DEFLATED, 15 + 16, 7, Z_DEFAULT_STRATEGY) != Z_OK) {
			free(z);
			return -1;
		}
		sd->zs = z;
	} else if (deflateReset(z) != Z_OK)
		return -1;
	bound = deflateBound(z, (uLong)len);
	if (out->cap < bound + 1) {
		if ((p = realloc(out->data, bound + 1)) == NULL)
			return -1;
		out->data = p;
		out->cap = bound + 1;
	}
	z->next_in = (Bytef *)(uintptr_t)data;
	z->avail_in = (uInt)len;
	z->next_out = (Bytef *)out->data;
	z->avail_out = (uInt)bound;
	rc = deflate(z, Z_FINISH);
	out->len = rc == Z_STREAM_END ? z->total_out : 0;
	out->data[out->len] = '\0';
	return rc == Z_STREAM_END ? 0 : -1;
}

void
sitedir_close(struct sitedir *sd)
{
	if (sd->zs != NULL) {
		deflateEnd(sd->zs);
		free(sd->zs);
		sd->zs = NULL;
	}
}

/*
 * Writes data[0..len) to a new file in .tmp (named for this process),
 * readable by all. Writes its path into tmp and its inode into *ino.
 * Returns 0, or -1 (nothing left).
 */
static int
write_tmp(struct sitedir *sd, const char *data, size_t len, char *tmp, size_t size,
    dev_t *dev, ino_t *ino)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd, saved;

	if (snprintf(tmp, size, "%s/.tmp/%ld-%u", sd->root, (long)getpid(), sd->serial++) >=
	    (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* A name left by a process that had this pid before is a leftover. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1 &&
	    errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
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
	unlink(tmp);
	errno = saved;
	return -1;
}

/*
 * Renames tmp to path (in the site directory), making path's parent
 * folders when missing (also when a removal took them away meanwhile).
 * Returns 0, or -1 with tmp removed.
 */
static int
put_in_place(const struct sitedir *sd, const char *tmp, char *path)
{
	char	*slash;
	int	 attempt, saved;

	for (attempt = 0; attempt < 3; attempt++) {
		if (rename(tmp, path) == 0)
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
	unlink(tmp);
	errno = saved;
	return -1;
}

int
sitedir_store(struct sitedir *sd, const char *rel, const char *data, size_t len,
    const char *gz, size_t gzlen, struct sitedir_stored *out)
{
	char	 tmp[1100], tmp_gz[1100], path[1100], path_gz[1100];
	dev_t	 dev;

	memset(out, 0, sizeof(*out));
	if (!sitedir_rel_ok(rel) || rel[strlen(rel) - 1] == '/') {
		errno = EINVAL;
		return -1;
	}
	if (full_path(sd, "", rel, path, sizeof(path)) == -1 ||
	    full_path(sd, SITEDIR_GZ "/", rel, path_gz, sizeof(path_gz)) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (gz != NULL) {
		if (write_tmp(sd, gz, gzlen, tmp_gz, sizeof(tmp_gz), &dev, &out->gz_ino) == -1)
			return -1;
		if (write_tmp(sd, data, len, tmp, sizeof(tmp), &out->dev, &out->ino) == -1) {
			unlink(tmp_gz);
			return -1;
		}
		if (put_in_place(sd, tmp_gz, path_gz) == -1) {
			unlink(tmp);
			return -1;
		}
		out->gz_size = gzlen;
	} else {
		if (write_tmp(sd, data, len, tmp, sizeof(tmp), &out->dev, &out->ino) == -1)
			return -1;
		if (unlink(path_gz) == -1 && errno != ENOENT) {
			unlink(tmp);
			return -1;
		}
	}
	if (put_in_place(sd, tmp, path) == -1)
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
