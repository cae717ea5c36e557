/*
 * node: another web node of the stack, as a second machine would be: its
 * own web server (of the stack's kind) on its own port, its own instance of
 * each program (standalone, on sockets in var/<name>/run), its own
 * configuration, its own Media cache directory and its own reader site
 * directory (Post's site_dir). Only PostgreSQL is
 * shared with the stack, as it is between machines; the node's Post asks
 * its own web server for Media, and its programs ask it for revocations.
 */
#ifndef QUIRE_NODE_H
#define QUIRE_NODE_H

#include <stdbool.h>
#include <sys/types.h>

#include "stack.h"

struct node {
	char	 dir[1024];	/* var/<name> */
	char	 conf[1100];	/* its quire.conf */
	char	 cache[1100];	/* its Media's cache_dir */
	char	 site[1100];	/* its Post's site_dir, the reader pages it stores */
	char	 log[1100];	/* its programs' output */
	char	 base_url[64];	/* http://127.0.0.1:PORT */
	int	 port;
	pid_t	 web_pid;
	pid_t	 program_pids[STACK_MAX_PROGRAMS];
};

/*
 * Starts node name of the stack s. media_conf holds more [media] lines
 * ("x_sendfile = no\n"), or is NULL. Without web_sees_cache the web server
 * is given an empty directory of its own as Media's cache, as on a host
 * that does not have Media's disk. Returns 0, or -1 with the reason printed
 * (and whatever started stopped).
 */
int	node_start(struct stack *s, struct node *n, const char *name, const char *media_conf,
	    bool web_sees_cache);
/* Stops the node's web server and programs; its files stay in var/<name>. */
void	node_stop(struct node *n);

#endif
