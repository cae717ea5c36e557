#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* snprintf that refuses to truncate: a path too long for the harness ends the run. */
void
xsnprintf(char *out, size_t size, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "stack: a path is too long: %s\n", out);
		exit(1);
	}
}

/* The unprivileged user PostgreSQL runs as when we are root, or NULL. */
const struct passwd *
pg_user(void)
{
	if (geteuid() != 0)
		return NULL;
	return getpwnam("postgres");
}

/* Gives path to the PostgreSQL user when we are root. Returns 0 or -1. */
int
give_to_pg(const char *path)
{
	const struct passwd *pw = pg_user();

	if (geteuid() == 0 && pw == NULL) {
		fprintf(stderr, "stack: running as root needs the 'postgres' user "
		    "(from the postgresql-15 package)\n");
		return -1;
	}
	if (pw != NULL && chown(path, pw->pw_uid, pw->pw_gid) == -1) {
		fprintf(stderr, "stack: chown %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Makes a directory if it is missing. Returns 0 or -1 with a message. */
int
make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		fprintf(stderr, "stack: mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Forks and execs argv: in its own process group, killed with pdeathsig if
 * we die, as the PostgreSQL user when as_pg, with stdout and stderr sent to
 * log (appended) when not NULL. Returns the pid, or -1.
 */
pid_t
spawn(char *const argv[], bool as_pg, int pdeathsig, const char *log)
{
	const struct passwd	*pw = as_pg ? pg_user() : NULL;
	pid_t			 parent = getpid(), pid;
	int			 fd;

	if ((pid = fork()) == -1) {
		perror("stack: fork");
		return -1;
	}
	if (pid > 0) {
		setpgid(pid, pid);
		return pid;
	}
	setpgid(0, 0);
	if (log != NULL && (fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (pw != NULL && (setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)) {
		perror("stack: setuid postgres");
		_exit(127);
	}
	/* Set after setuid, which clears it; then make sure the parent still lives. */
	if (pdeathsig != 0) {
		prctl(PR_SET_PDEATHSIG, pdeathsig);
		if (getppid() != parent)
			_exit(1);
	}
	execv(argv[0], argv);
	fprintf(stderr, "stack: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Waits for pid. Returns its exit status, or -1 when it did not exit normally. */
int
wait_exit(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Writes text to path (replacing it). Returns 0 or -1 with a message. */
int
write_file(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "stack: write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Prints the last lines of a log file, to explain a failed start. */
void
print_tail(const char *path)
{
	char	 cmd[4096];
	int	 rc;

	fprintf(stderr, "---- %s ----\n", path);
	xsnprintf(cmd, sizeof(cmd), "tail -n 30 '%s' >&2", path);
	rc = system(cmd);
	(void)rc;
}

int
stop_process(pid_t pid, int sig, int timeout_ms, bool group)
{
	int	 i, rc = 0;

	if (pid <= 0)
		return 0;
	kill(pid, sig);
	for (i = 0; i < timeout_ms / 10 && waitpid(pid, NULL, WNOHANG) != pid; i++)
		usleep(10000);
	if (i == timeout_ms / 10) {
		kill(group ? -pid : pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rc = -1;
	}
	if (group) {
		/* What it spawned shares its process group. */
		kill(-pid, SIGTERM);
		for (i = 0; i < 500 && kill(-pid, 0) == 0; i++)
			usleep(10000);
		kill(-pid, SIGKILL);
	}
	return rc;
}

/*
 * Waits up to timeout_ms until pid sleeps in system call nr. Returns 0, or -1
 * when it did not happen within the deadline or pid is gone.
 */
int
proc_wait_syscall(pid_t pid, long nr, int timeout_ms)
{
	char	 path[64];
	FILE	*f;
	long	 got;
	int	 i, n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	for (i = 0; i < timeout_ms / 10; i++) {
		if ((f = fopen(path, "r")) == NULL)
			return -1;
		n = fscanf(f, "%ld", &got);
		fclose(f);
		if (n == 1 && got == nr)
			return 0;
		usleep(10000);
	}
	return -1;
}

/*
 * Returns whether sig is in the hexadecimal signal mask of line "Name:\tHEX"
 * of /proc/PID/status when line starts with name.
 */
static bool
status_mask_has(const char *line, const char *name, int sig)
{
	size_t			 len = strlen(name);
	unsigned long long	 mask;

	if (strncmp(line, name, len) != 0 || sscanf(line + len, "%llx", &mask) != 1)
		return false;
	return (mask >> (sig - 1)) & 1;
}

/*
 * Waits up to timeout_ms until sig is pending for pid (its own or its thread
 * group's pending set). Returns 0, or -1 when it did not happen or pid is gone.
 */
int
proc_wait_pending(pid_t pid, int sig, int timeout_ms)
{
	char	 path[64], line[256];
	FILE	*f;
	bool	 pending = false;
	int	 i;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	for (i = 0; i < timeout_ms / 10 && !pending; i++) {
		if ((f = fopen(path, "r")) == NULL)
			return -1;
		while (!pending && fgets(line, sizeof(line), f) != NULL)
			pending = status_mask_has(line, "SigPnd:", sig) ||
			    status_mask_has(line, "ShdPnd:", sig);
		fclose(f);
		if (!pending)
			usleep(10000);
	}
	return pending ? 0 : -1;
}
