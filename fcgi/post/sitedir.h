/*
 * sitedir: the site directory, where reader pages are stored as files that
 * the web server sends by itself (web-conf/). Derived state only: deleting
 * any of it is always safe, Post renders a missing page on the next miss.
 *
 *   ROOT/index.html, index.html.gz		/
 *   ROOT/{slug}/index.html(.gz)		/{slug}/
 *   ROOT/tag/{t}/feed.atom(.gz) …		paths laid out like the URLs
 *   ROOT/.tmp/		files being written (renamed into place when whole)
 *   ROOT/.trash/	directories being removed (renamed here first: atomic)
 *
 * Paths given to these functions are relative to ROOT ("tag/x/index.html";
 * a directory ends with '/'), made of segments of [a-z0-9._-] that do not
 * start with '.': nothing a client sends reaches the file system otherwise.
 * No database, no clock of its own: unit-tested on a temporary folder.
 */
#ifndef QUIRE_SITEDIR_H
#define QUIRE_SITEDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

#define SITEDIR_REL_MAX		512	/* bytes of a relative path */
#define SITEDIR_GZ_GAIN		5	/* percent a .gz must save to be kept */

struct sitedir {
	char		 root[1024];	/* absolute, without a trailing '/' */
	unsigned	 serial;	/* of the names this process gives in .trash */
	bool		 trash;		/* this process put something in .trash */
};

/* What sitedir_store() wrote: the answer's validators, and what to unstore. */
struct sitedir_stored {
	time_t	 mtime;		/* whole seconds: both files have it */
	size_t	 size;		/* bytes of the file */
	size_t	 gz_size;	/* bytes of the .gz; 0: none (not worth it) */
	dev_t	 dev;
	ino_t	 ino, gz_ino;
};

/*
 * Makes root (and its parents), root/.tmp and root/.trash when missing, and
 * checks that root can be written. Returns 0, or -1 with err set.
 */
int	 sitedir_open(struct sitedir *, const char *root, char *err, size_t errlen);

/* Returns whether rel is a path these functions accept (see above). */
bool	 sitedir_rel_ok(const char *rel);

/*
 * Compresses data[0..len) with gzip (zlib level 9) into out (emptied first).
 * Returns 0, 1 when the result would save less than SITEDIR_GZ_GAIN percent
 * (out then empty), or -1 when memory runs out.
 */
int	 sitedir_gzip(const char *data, size_t len, struct buf *out);

/*
 * Stores data at rel, and gz (gzlen bytes, NULL: none) at rel.gz, both with
 * mtime (whole seconds), readable by all: each written to .tmp, then renamed
 * into place, the .gz first (a hit is decided by the file itself); without
 * gz an older rel.gz is removed first. Makes the parent folders. Returns 0
 * with *out filled, or -1 (errno set; nothing half-written stays).
 */
int	 sitedir_store(struct sitedir *, const char *rel, const char *data, size_t len,
	    const char *gz, size_t gzlen, time_t mtime, struct sitedir_stored *out);

/* Removes what sitedir_store() wrote at rel, unless another store replaced it since. */
void	 sitedir_unstore(struct sitedir *, const char *rel, const struct sitedir_stored *);

/*
 * Removes rel: a folder ("tag/x/") is renamed into .trash at once (the
 * next request misses) and deleted by sitedir_purge(); a file is unlinked,
 * then its .gz. What is missing already counts as removed. Returns 0 or -1.
 */
int	 sitedir_remove(struct sitedir *, const char *rel);

/*
 * Removes every entry of root but keep[0..n) (names) and the private
 * folders, as sitedir_remove() does. Returns 0 or -1.
 */
int	 sitedir_clear(struct sitedir *, const char *const *keep, size_t n);

/* Deletes what waits in .trash. */
void	 sitedir_purge(struct sitedir *);

/* Returns whether rel is a file of the site directory. */
bool	 sitedir_exists(const struct sitedir *, const char *rel);

/* Appends the file at rel to out (at most max bytes). Returns 0 or -1. */
int	 sitedir_read(const struct sitedir *, const char *rel, size_t max, struct buf *out);

#endif
