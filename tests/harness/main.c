/*
 * quire-stack: `make run`. Starts the whole stack on 127.0.0.1 with its data
 * in var/ (kept between runs) and stops everything on Ctrl-C.
 *
 *   quire-stack --var DIR --port N --build DIR [--web lighttpd|apache]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stack.h"

static volatile sig_atomic_t stop, child;

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		child = 1;
	else
		stop = 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "var", required_argument, NULL, 'v' },
		{ "port", required_argument, NULL, 'p' },
		{ "build", required_argument, NULL, 'b' },
		{ "web", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct stack_opts	 o = { .var = "var", .build = "build", .port = 8080, .dev = true };
	struct stack		 s;
	struct sigaction	 sa;
	sigset_t		 block, old;
	int			 ch;
	pid_t			 pid;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'v': o.var = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'b': o.build = optarg; break;
		case 'w': o.web = optarg; break;
		default:
			fprintf(stderr, "usage: quire-stack [--var DIR] [--port N] [--build DIR] "
			    "[--web lighttpd|apache]\n");
			return 2;
		}
	}
	if (o.port <= 0 || o.port > 65535) {
		fprintf(stderr, "quire-stack: bad port\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (stack_start(&s, &o) == -1)
		return 1;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGCHLD, &sa, NULL);
	printf("\nQuire is running on %s (data in %s). Ctrl-C stops it.\n"
	    "  curl %s/auth/health\n\n", s.base_url, s.var, s.base_url);
	fflush(stdout);
	while (!stop) {
		sigsuspend(&old);
		if (!child)
			continue;
		child = 0;
		/* lighttpd or PostgreSQL exiting on its own ends the run too. */
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
			if (pid == s.web_pid || pid == s.pg_pid) {
				fprintf(stderr, "quire-stack: %s exited\n",
				    pid == s.pg_pid ? "PostgreSQL" : s.apache ? "Apache" : "lighttpd");
				if (pid == s.web_pid)
					s.web_pid = 0;
				else
					s.pg_pid = 0;
				stop = 1;
			}
		}
	}
	printf("\nStopping...\n");
	stack_stop(&s);
	return 0;
}
