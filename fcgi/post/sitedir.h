/*
 * sitedir: the site directory, where reader pages are stored as files that
 * the web server sends by itself (web-conf/). Derived state only: deleting
 * any of it is always safe, Post renders a missing page on the next miss.
 *
 *   ROOT/index.html			/
 *   ROOT/{slug}/index.html		/{slug}/
 *   ROOT/tag/{t}/feed.atom …		paths laid out like the URLs
 *   ROOT/.gz/…			the gzip of each page, laid out the same way: the
 *				web server's document root for clients that take
 *				gzip (a switch of folder, no per-request work)
 *   ROOT/.tmp/			files being written (renamed into place when whole)
 *   ROOT/.trash/		folders being removed (renamed here first: atomic)
 *   ROOT/.generation		a byte longer after every change, before it deletes
 *
 * The write/render race: a render that read the database before a change
 * committed must not leave its stale page after the change deleted the old
 * one. A change renews the generation after its commit and before it
 * deletes; a render reads the generation before its data and again once its
 * file is in place, and removes the file when it changed. Either the
 * deletion comes after the file is in place, or the render sees the new
 * generation. A file that only grows (appends are atomic between
 * processes), read with stat: no two generations are alike, and a page made
 * costs two system calls rather than a round trip to the database.
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
#define SITEDIR_GZ		".gz"	/* the folder of the gzip copies */

struct sitedir {
	char		 root[1024];	/* absolute, without a trailing '/' */
	unsigned	 serial;	/* of the names this process gives in .trash */
	bool		 trash;		/* this process put something in .trash */
	bool		 chmod;		/* the umask would take read access from others */
	int		 fd;		/* the root, for paths relative to it (O_PATH) */
	void		*zs;		/* the gzip compressor (libdeflate), made once */
};

/* What sitedir_store() wrote, to unstore it. */
struct sitedir_stored {
	size_t	 size;		/* bytes of the file */
	size_t	 gz_size;	/* bytes of its gzip copy; 0: none */
	dev_t	 dev;
	ino_t	 ino, gz_ino;
};

/*
 * Makes root (and its parents), root/.gz, root/.tmp and root/.trash when
 * missing, and checks that root can be written. Returns 0, or -1 with err
 * set. Free with sitedir_close(), which also takes a zeroed struct that was
 * never opened (a program whose start failed before it got here).
 */
int	 sitedir_open(struct sitedir *, const char *root, char *err, size_t errlen);
void	 sitedir_close(struct sitedir *);

/* Returns whether rel is a path these functions accept (see above). */
bool	 sitedir_rel_ok(const char *rel);

/*
 * Compresses data[0..len) with gzip (libdeflate level 1) into out (emptied first).
 * Returns 0, or -1 when memory runs out.
 */
int	 sitedir_gzip(struct sitedir *, const char *data, size_t len, struct buf *out);

/*
 * Stores data at rel and gz (gzlen bytes; NULL: none, and an older copy is
 * removed) at .gz/rel, readable by all, modified now (the web servers' ETags
 * change with every store): each written to .tmp, then renamed into place,
 * the gzip copy first. Makes the parent folders. Returns 0 with *out filled,
 * or -1 (errno set; nothing half-written stays).
 */
int	 sitedir_store(struct sitedir *, const char *rel, const char *data, size_t len,
	    const char *gz, size_t gzlen, struct sitedir_stored *out);

/* Removes what sitedir_store() wrote at rel, unless another store replaced it since. */
void	 sitedir_unstore(struct sitedir *, const char *rel, const struct sitedir_stored *);

/*
 * Removes rel and its gzip copy: a folder ("tag/x/") is renamed into .trash
 * at once (the next request misses) and deleted by sitedir_purge(); a file
 * is unlinked. What is missing already counts as removed. Returns 0 or -1.
 */
int	 sitedir_remove(struct sitedir *, const char *rel);

/*
 * Removes every entry of root and of .gz but keep[0..n) (names) and the
 * private folders, as sitedir_remove() does. Returns 0 or -1.
 */
int	 sitedir_clear(struct sitedir *, const char *const *keep, size_t n);

/* Deletes what waits in .trash. */
void	 sitedir_purge(struct sitedir *);

/* A generation of the site directory (see above). */
struct sitedir_gen {
	ino_t	 ino;
	off_t	 size;
};

/* Reads the current generation (zeros when there is none yet). */
void	 sitedir_generation(const struct sitedir *, struct sitedir_gen *);
/* Returns whether two generations are the same. */
bool	 sitedir_gen_same(const struct sitedir_gen *, const struct sitedir_gen *);
/* Moves to the next generation. Returns 0 or -1. */
int	 sitedir_bump(struct sitedir *);

/* Returns whether rel is a file of the site directory. */
bool	 sitedir_exists(const struct sitedir *, const char *rel);

/* Appends the file at rel to out (at most max bytes). Returns 0 or -1. */
int	 sitedir_read(const struct sitedir *, const char *rel, size_t max, struct buf *out);

#endif
