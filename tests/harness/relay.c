#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stack.h"

/* Returns a socket address for 127.0.0.1:port. */
static struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/* Writes all of p[0..n) to fd. Returns 0 or -1. */
static int
write_all(int fd, const char *p, ssize_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, (size_t)n)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

/* Copies bytes both ways between a and b until either side closes. */
static void
pump(int a, int b)
{
	struct pollfd	 pfd[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
	char		 chunk[16384];
	ssize_t		 n;
	int		 i;

	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n <= 0 || write_all(pfd[1 - i].fd, chunk, n) == -1)
				return;
		}
	}
}

/* The relaying process: one child per connection. Never returns. */
static void
serve(int lfd, int target_port)
{
	struct sockaddr_in	 sa = loopback(target_port);
	int			 cfd, tfd;

	signal(SIGCHLD, SIG_IGN);	/* connection children reap themselves */
	for (;;) {
		if ((cfd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (fork() == 0) {
			close(lfd);
			if ((tfd = socket(AF_INET, SOCK_STREAM, 0)) != -1 &&
			    connect(tfd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				pump(cfd, tfd);
			_exit(0);
		}
		close(cfd);
	}
}

int
relay_init(struct relay *r)
{
	r->pid = 0;
	return (r->port = stack_free_port()) == -1 ? -1 : 0;
}

int
relay_open(struct relay *r, int target_port)
{
	struct sockaddr_in	 sa = loopback(r->port);
	pid_t			 parent = getpid();
	int			 lfd, one = 1;

	if (r->pid > 0)
		return 0;
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(lfd, 64) == -1) {
		fprintf(stderr, "relay: port %d: %s\n", r->port, strerror(errno));
		if (lfd != -1)
			close(lfd);
		return -1;
	}
	if ((r->pid = fork()) == -1) {
		close(lfd);
		r->pid = 0;
		return -1;
	}
	if (r->pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		serve(lfd, target_port);
	}
	setpgid(r->pid, r->pid);
	close(lfd);
	return 0;
}

void
relay_close(struct relay *r)
{
	if (r->pid <= 0)
		return;
	kill(-r->pid, SIGKILL);		/* the relay and its connections */
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
}
