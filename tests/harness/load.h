/*
 * load: a wrk run in the background (2 threads), its output read when it
 * ends, for tests that change something under load.
 */
#ifndef QUIRE_LOAD_H
#define QUIRE_LOAD_H

#include <stddef.h>
#include <sys/types.h>

struct load {
	pid_t	 pid;
	int	 fd;	/* its output */
};

/*
 * Starts wrk with connections connections for seconds against url, with
 * the Lua script at path script (NULL: none) and a 10-second timeout per
 * request. Returns 0, or -1 when it could not be started.
 */
int	load_start(struct load *, const char *script, const char *url, int seconds,
	    int connections);
/*
 * Waits for wrk to end and copies its output (stdout and stderr, cut to
 * len - 1 bytes) to out. Returns 0, or -1 when it did not exit with 0.
 */
int	load_wait(struct load *, char *out, size_t len);

#endif
