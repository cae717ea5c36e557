#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bound.h"
#include "util.h"

/*
 * The child: limits itself, runs fn, writes its output to fd and ends
 * without running the parent's exit handlers (libpq, FastCGI, sanitizers).
 */
static void
child_run(bound_fn fn, void *arg, int64_t budget_ms, int fd, pid_t parent)
{
	struct buf	 out = BUF_INIT;
	struct rlimit	 cpu;
	size_t		 off = 0;
	ssize_t		 n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(2);
	cpu.rlim_cur = (rlim_t)((budget_ms + 999) / 1000);
	cpu.rlim_max = cpu.rlim_cur + 1;
	if (setrlimit(RLIMIT_CPU, &cpu) == -1 || fn(arg, &out) == -1)
		_exit(1);
	while (off < out.len) {
		if ((n = write(fd, out.data + off, out.len - off)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		off += (size_t)n;
	}
	_exit(0);
}

/*
 * Reads fd into out until its end or the deadline (monotonic microseconds).
 * Returns 1 at the end, 0 at the deadline, -1 on error.
 */
static int
collect(int fd, int64_t deadline, struct buf *out)
{
	struct pollfd	 p = { .fd = fd, .events = POLLIN };
	char		 chunk[65536];
	int64_t		 left;
	ssize_t		 n;
	int		 rc;

	for (;;) {
		if ((left = deadline - mono_usec()) <= 0)
			return 0;
		if ((rc = poll(&p, 1, (int)((left + 999) / 1000))) == -1 && errno != EINTR)
			return -1;
		if (rc <= 0)
			continue;
		if ((n = read(fd, chunk, sizeof(chunk))) == 0)
			return 1;
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (buf_append(out, chunk, (size_t)n) == -1)
			return -1;
	}
}

enum bound_result
bound_run(bound_fn fn, void *arg, int64_t budget_ms, struct buf *out, char *err,
    size_t errlen)
{
	int64_t		 deadline = mono_usec() + budget_ms * 1000;
	pid_t		 parent = getpid(), pid;
	int		 fds[2], status = 0, got;
	enum bound_result rc;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
		return BOUND_FAILED;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "cannot fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return BOUND_FAILED;
	}
	if (pid == 0) {
		close(fds[0]);
		child_run(fn, arg, budget_ms, fds[1], parent);
	}
	close(fds[1]);
	got = collect(fds[0], deadline, out);
	close(fds[0]);
	if (got != 1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	/* With SIGCHLD ignored there is no status: the output alone tells. */
	if (got == -1) {
		snprintf(err, errlen, "cannot read the child's output");
		rc = BOUND_FAILED;
	} else if (got == 0 || (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU ||
	    WTERMSIG(status) == SIGKILL)))
		rc = BOUND_OVER;
	else if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
		snprintf(err, errlen, "the child failed (%s %d)", WIFSIGNALED(status) ?
		    "signal" : "exit status", WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
		rc = BOUND_FAILED;
	} else
		rc = BOUND_OK;
	if (rc != BOUND_OK)
		buf_reset(out);
	return rc;
}
