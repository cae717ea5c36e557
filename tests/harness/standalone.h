/*
 * standalone: a program started on its own (--listen unix:PATH --workers N)
 * rather than by the web server, driven over FastCGI (fcgi_client.h), and
 * its worker processes found and killed, as a crash or an OOM kill would.
 */
#ifndef QUIRE_STANDALONE_H
#define QUIRE_STANDALONE_H

#include <sys/types.h>

/*
 * Starts build/quire-<name> --config conf --listen unix:sock --workers n
 * (as root, the socket's group www-data, for Apache's workers), its output
 * appended to log (NULL: ours). Returns the master's pid once the socket
 * accepts (stop it with stop_process), or -1 with the reason printed.
 */
pid_t	standalone_start(const char *build, const char *name, const char *conf,
	    const char *sock, int workers, const char *log);

/* Returns the number of live children of master, writing up to max pids to out. */
int	standalone_worker_pids(pid_t master, pid_t *out, int max);

/*
 * Kills every worker of master (SIGKILL) and waits until it has n workers
 * again, none of them one that was killed. Returns 0, or -1 when that did
 * not happen within 30 seconds.
 */
int	standalone_replace_workers(pid_t master, int n);

#endif
