#include "node.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "proc.h"
#include "standalone.h"

#define NODE_WORKERS	2

static const char *const node_programs[STACK_MAX_PROGRAMS] = { "auth", "post", "media" };

/*
 * Writes n->conf: the stack's configuration with the node's own Media
 * cache and reader site directory, auth_url and media_url at the node's web
 * server, and media_conf after [media]. Returns 0, or -1 with a message.
 */
static int
write_node_conf(const struct stack *s, const struct node *n, const char *media_conf)
{
	struct buf	 in = BUF_INIT, out = BUF_INIT;
	char		 err[256], section[64] = "";
	const char	*line, *next, *p;
	int		 rc = -1;

	if (buf_read_file(&in, s->conf, 1 << 20, err, sizeof(err)) == -1) {
		fprintf(stderr, "node: %s\n", err);
		return -1;
	}
	for (line = buf_str(&in); *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		next += *next == '\n';
		p = line + strspn(line, " \t");
		if (*p == '[' && sscanf(p, "[%63[a-z0-9_]]", section) != 1)
			section[0] = '\0';
		if (strcmp(section, "media") == 0 && strncmp(p, "cache_dir", 9) == 0)
			buf_printf(&out, "cache_dir = %s\n", n->cache);
		else if (strcmp(section, "post") == 0 && strncmp(p, "site_dir", 8) == 0)
			buf_printf(&out, "site_dir = %s\n", n->site);
		else if (section[0] == '\0' && strncmp(p, "auth_url", 8) == 0)
			buf_printf(&out, "auth_url = %s\n", n->base_url);
		else if (strcmp(section, "post") == 0 && strncmp(p, "media_url", 9) == 0)
			buf_printf(&out, "media_url = %s\n", n->base_url);
		else
			buf_append(&out, line, (size_t)(next - line));
		if (*p == '[' && strcmp(section, "media") == 0 && media_conf != NULL)
			buf_puts(&out, media_conf);
	}
	if (buf_str(&out)[0] != '\0')
		rc = write_file(n->conf, buf_str(&out));
	buf_free(&in);
	buf_free(&out);
	return rc;
}

int
node_start(struct stack *s, struct node *n, const char *name, const char *media_conf,
    bool web_sees_cache)
{
	char	 run[1100], sock[1200], web_cache[1100], routes[8192];
	size_t	 i;

	memset(n, 0, sizeof(*n));
	xsnprintf(n->dir, sizeof(n->dir), "%s/%s", s->var, name);
	xsnprintf(n->conf, sizeof(n->conf), "%s/quire.conf", n->dir);
	xsnprintf(n->cache, sizeof(n->cache), "%s/media-cache", n->dir);
	xsnprintf(n->site, sizeof(n->site), "%s/site", n->dir);
	xsnprintf(n->log, sizeof(n->log), "%s/programs.log", n->dir);
	xsnprintf(run, sizeof(run), "%s/run", n->dir);
	xsnprintf(web_cache, sizeof(web_cache), "%s/%s", n->dir,
	    web_sees_cache ? "media-cache" : "web-cache");
	if ((n->port = stack_free_port()) == -1)
		return -1;
	xsnprintf(n->base_url, sizeof(n->base_url), "http://127.0.0.1:%d", n->port);
	if (make_dir(n->dir, 0755) == -1 || make_dir(run, 0755) == -1 ||
	    make_dir(n->cache, 0755) == -1 || make_dir(web_cache, 0755) == -1 ||
	    make_dir(n->site, 0755) == -1 ||
	    write_node_conf(s, n, media_conf) == -1)
		return -1;
	for (i = 0; i < STACK_MAX_PROGRAMS; i++) {
		xsnprintf(sock, sizeof(sock), "%s/%s.sock", run, node_programs[i]);
		if ((n->program_pids[i] = standalone_start(s->build, node_programs[i], n->conf,
		    sock, NODE_WORKERS, n->log)) == -1) {
			n->program_pids[i] = 0;
			print_tail(n->log);
			node_stop(n);
			return -1;
		}
	}
	web_routes(s, run, web_cache, n->site, routes, sizeof(routes));
	if ((n->web_pid = web_start_extra(s, name, n->port, routes)) == -1) {
		n->web_pid = 0;
		fprintf(stderr, "node: the web server of %s did not start\n", name);
		print_tail(s->web_log);
		node_stop(n);
		return -1;
	}
	return 0;
}

void
node_stop(struct node *n)
{
	size_t	 i;

	stop_process(n->web_pid, SIGTERM, 10000, true);
	n->web_pid = 0;
	for (i = 0; i < STACK_MAX_PROGRAMS; i++) {
		stop_process(n->program_pids[i], SIGTERM, 10000, true);
		n->program_pids[i] = 0;
	}
}
