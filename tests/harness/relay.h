/*
 * relay: a TCP relay from a port of its own to a target port on 127.0.0.1.
 * A test points a program at the relay, then opens and closes it to cut the
 * program off from a service (connections refused) and bring it back,
 * without touching the service itself.
 */
#ifndef QUIRE_RELAY_H
#define QUIRE_RELAY_H

#include <sys/types.h>

struct relay {
	int	 port;		/* where the relay listens when open */
	pid_t	 pid;		/* the relaying process; 0 when closed */
};

/* Picks a free port for r, closed until relay_open(). Returns 0 or -1. */
int	relay_init(struct relay *r);
/*
 * Starts relaying connections to target_port in a child process (which dies
 * with the caller). Returns 0 once the port accepts connections, or -1.
 */
int	relay_open(struct relay *r, int target_port);
/* Stops relaying: open connections are cut and the port refuses new ones. */
void	relay_close(struct relay *r);

#endif
