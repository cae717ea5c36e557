#include "standalone.h"

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fcgi_client.h"
#include "proc.h"

#define MAX_WORKERS	64

pid_t
standalone_start(const char *build, const char *name, const char *conf, const char *sock,
    int workers, const char *log)
{
	char	 prog[4096], spec[4096], n[16];
	char	*argv[] = { prog, "--config", (char *)conf, "--listen", spec, "--workers", n,
		    "--socket-group", "www-data", NULL };
	pid_t	 pid;
	int	 i, fd;

	xsnprintf(prog, sizeof(prog), "%s/quire-%s", build, name);
	xsnprintf(spec, sizeof(spec), "unix:%s", sock);
	xsnprintf(n, sizeof(n), "%d", workers);
	if (geteuid() != 0)
		argv[7] = NULL;	/* not root: the socket keeps our group */
	if ((pid = spawn(argv, false, SIGTERM, log)) == -1)
		return -1;
	for (i = 0; i < 400; i++) {
		if ((fd = fcgi_connect(sock)) != -1) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		usleep(50000);
	}
	fprintf(stderr, "standalone: quire-%s did not come up on %s\n", name, sock);
	stop_process(pid, SIGTERM, 5000, true);
	return -1;
}

int
standalone_worker_pids(pid_t master, pid_t *out, int max)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[300], line[512], *paren;
	FILE		*f;
	int		 n = 0, ppid;
	char		 state;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL && (paren = strrchr(line, ')')) != NULL &&
		    sscanf(paren + 1, " %c %d", &state, &ppid) == 2 && ppid == master &&
		    state != 'Z') {
			if (n < max)
				out[n] = atoi(de->d_name);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

int
standalone_replace_workers(pid_t master, int n)
{
	pid_t	 old[MAX_WORKERS], now[MAX_WORKERS];
	int	 nold, nnow, i, j, tries;
	bool	 fresh;

	nold = standalone_worker_pids(master, old, MAX_WORKERS);
	if (nold > MAX_WORKERS)
		nold = MAX_WORKERS;
	for (i = 0; i < nold; i++)
		kill(old[i], SIGKILL);
	/* The master replaces at most one worker a second. */
	for (tries = 0; tries < 300; tries++) {
		nnow = standalone_worker_pids(master, now, MAX_WORKERS);
		fresh = nnow == n;
		for (i = 0; fresh && i < nnow; i++)
			for (j = 0; j < nold; j++)
				if (now[i] == old[j])
					fresh = false;
		if (fresh)
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "standalone: the workers of %d were not replaced\n", (int)master);
	return -1;
}
