#include "load.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int
load_start(struct load *l, const char *script, const char *url, int seconds, int connections)
{
	char	 dur[16], conns[16];
	int	 fds[2];

	snprintf(dur, sizeof(dur), "%ds", seconds);
	snprintf(conns, sizeof(conns), "%d", connections);
	if (pipe(fds) == -1)
		return -1;
	if ((l->pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (l->pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (script != NULL)
			execlp("wrk", "wrk", "-t2", "-c", conns, "-d", dur, "--timeout", "10s",
			    "-s", script, url, (char *)NULL);
		else
			execlp("wrk", "wrk", "-t2", "-c", conns, "-d", dur, "--timeout", "10s",
			    url, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	l->fd = fds[0];
	return 0;
}

int
load_wait(struct load *l, char *out, size_t len)
{
	size_t	 got = 0;
	ssize_t	 n;
	char	 sink[4096];
	int	 status;

	/* Read to the end, keeping what fits. */
	while ((n = read(l->fd, got + 1 < len ? out + got : sink,
	    got + 1 < len ? len - 1 - got : sizeof(sink))) > 0)
		if (got + 1 < len)
			got += (size_t)n;
	if (len > 0)
		out[got] = '\0';
	close(l->fd);
	if (waitpid(l->pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
