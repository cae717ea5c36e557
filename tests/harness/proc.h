/* proc: the processes and files of the test harness (children, logs, paths). */
#ifndef QUIRE_PROC_H
#define QUIRE_PROC_H

#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* snprintf that refuses to truncate: a path too long for the harness ends the run. */
void	xsnprintf(char *out, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The unprivileged user PostgreSQL runs as when we are root, or NULL. */
const struct passwd *pg_user(void);
/* Gives path to the PostgreSQL user when we are root. Returns 0 or -1. */
int	give_to_pg(const char *path);
/* Makes a directory if it is missing. Returns 0 or -1 with a message. */
int	make_dir(const char *path, mode_t mode);
/* Writes text to path (replacing it). Returns 0 or -1 with a message. */
int	write_file(const char *path, const char *text);
/* Prints the last lines of a log file, to explain a failure. */
void	print_tail(const char *path);

/*
 * Forks and execs argv: in its own process group, killed with pdeathsig if
 * we die, as the PostgreSQL user when as_pg, with stdout and stderr sent to
 * log (appended) when not NULL. Returns the pid, or -1.
 */
pid_t	spawn(char *const argv[], bool as_pg, int pdeathsig, const char *log);
/* Waits for pid. Returns its exit status, or -1 when it did not exit normally. */
int	wait_exit(pid_t pid);
/*
 * Sends sig to pid and waits up to timeout_ms for it to exit, then kills it.
 * With group, whatever is left in its process group is stopped too.
 * Returns 0, or -1 when it had to be killed.
 */
int	stop_process(pid_t pid, int sig, int timeout_ms, bool group);

/* How long a test waits for an event before it fails: generous, never what decides it. */
#define PROC_EVENT_TIMEOUT_MS	30000

/*
 * Waits up to timeout_ms until pid sleeps in system call nr (SYS_read…),
 * read from /proc/PID/syscall: an event to wait on instead of a pause.
 * Returns 0, or -1 when it did not happen (or pid is gone).
 */
int	proc_wait_syscall(pid_t pid, long nr, int timeout_ms);
/*
 * Waits up to timeout_ms until sig is pending for pid (sent, blocked, not yet
 * handled), read from /proc/PID/status. Returns 0, or -1.
 */
int	proc_wait_pending(pid_t pid, int sig, int timeout_ms);

#endif
