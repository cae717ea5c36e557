/*
 * More than one instance: two quire-post processes, each on its own TCP
 * address like two hosts, behind one web server (lighttpd: two hosts in one
 * fastcgi.server entry; Apache: mod_proxy_balancer with two fcgi://
 * members), as the README's two-host example. Under a wrk load of 10
 * seconds one instance is killed: no request may be lost beyond those in
 * flight on it. The count is printed for the record.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "client.h"
#include "proc.h"

#define CONNECTIONS	8	/* wrk's: at most this many requests are in flight */

/* Returns whether something accepts on 127.0.0.1:port. */
static bool
port_answers(int port)
{
	struct sockaddr_in	 sa;
	int			 fd, ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return false;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* Starts quire-post --listen 127.0.0.1:port. Returns its pid once it accepts. */
static pid_t
start_post(int port)
{
	char	 prog[1100], spec[64];
	char	*argv[] = { prog, "--config", test_stack.conf, "--listen", spec, "--workers", "2",
		    NULL };
	pid_t	 pid;
	int	 i;

	snprintf(prog, sizeof(prog), "%s/quire-post", test_stack.build);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	pid = spawn(argv, false, SIGTERM, test_stack.program_log);
	ck_assert_int_gt(pid, 0);
	for (i = 0; i < 100 && !port_answers(port); i++)
		usleep(50000);
	ck_assert_msg(port_answers(port), "quire-post on %d did not come up", port);
	return pid;
}

/* Returns the number after label in wrk's output, or 0. */
static long
wrk_figure(const char *out, const char *label)
{
	const char *p = strstr(out, label);

	return p != NULL ? strtol(p + strlen(label), NULL, 10) : 0;
}

/* Returns the number of requests wrk made ("  88129 requests in 10.10s"), or 0. */
static long
wrk_requests(const char *out)
{
	const char *p = strstr(out, " requests in ");

	if (p == NULL)
		return 0;
	while (p > out && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtol(p, NULL, 10);
}

START_TEST(one_of_two_instances_killed_under_load)
{
	struct http_resp r;
	char		 routes[2048], url[256], path[200], *tok, out[8192];
	int		 pa = stack_free_port(), pb = stack_free_port(), pw = stack_free_port();
	int		 fds[2], i;
	long		 total, non2xx, errors;
	ssize_t		 n, len = 0;
	pid_t		 a, b, web, wrk;

	a = start_post(pa);
	b = start_post(pb);
	if (test_stack.apache)
		snprintf(routes, sizeof(routes),
		    "<Proxy \"balancer://quire-post\">\n"
		    "\tBalancerMember \"fcgi://127.0.0.1:%d\"\n"
		    "\tBalancerMember \"fcgi://127.0.0.1:%d\"\n"
		    "</Proxy>\n"
		    "<LocationMatch \"^/posts\">\n"
		    "\tSetHandler \"proxy:balancer://quire-post\"\n"
		    "\tRequire all granted\n"
		    "</LocationMatch>\n", pa, pb);
	else
		snprintf(routes, sizeof(routes),
		    "server.modules += ( \"mod_fastcgi\" )\n"
		    "fastcgi.server = ( \"/posts\" => (\n"
		    "\t( \"host\" => \"127.0.0.1\", \"port\" => %d, \"check-local\" => \"disable\" ),\n"
		    "\t( \"host\" => \"127.0.0.1\", \"port\" => %d, \"check-local\" => \"disable\" ),\n"
		    ") )\n", pa, pb);
	web = web_start_extra(&test_stack, "two-posts", pw, routes);
	ck_assert_int_gt(web, 0);

	tok = new_user("author", (char[65]){ 0 }, NULL);
	ck_assert_int_eq(api("POST", "/posts", tok, "{\"title\":\"Two hosts\",\"body\":\"Load.\","
	    "\"status\":\"published\"}", &r), 201);
	snprintf(path, sizeof(path), "/posts/%s", resp_str(&r, "slug"));
	http_resp_free(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", pw, path);
	ck_assert_int_eq(http_request("GET", url, NULL, NULL, 0, &r), 200);
	http_resp_free(&r);

	/* wrk for 10 s; after 3 s, one instance dies without warning. */
	ck_assert_int_eq(pipe(fds), 0);
	if ((wrk = fork()) == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		execlp("wrk", "wrk", "-t2", "-c" "8", "-d10s", url, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	sleep(3);
	/* The whole instance, master and workers, as if its host went down. */
	ck_assert_int_eq(kill(-a, SIGKILL), 0);
	waitpid(a, NULL, 0);
	while ((n = read(fds[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
		len += n;
	out[len] = '\0';
	close(fds[0]);
	waitpid(wrk, NULL, 0);
	total = wrk_requests(out);
	non2xx = wrk_figure(out, "Non-2xx or 3xx responses: ");
	errors = wrk_figure(out, "read ") + wrk_figure(out, "write ") +
	    wrk_figure(out, "timeout ") + wrk_figure(out, "connect ");
	fprintf(stderr, "two Post instances behind %s, one killed under load: %ld requests, "
	    "%ld lost (%ld non-2xx, %ld socket errors; at most %d were in flight)\n",
	    test_stack.apache ? "Apache" : "lighttpd", total, non2xx + errors, non2xx, errors,
	    CONNECTIONS);
	ck_assert_msg(total > 1000, "wrk output:\n%s", out);
	ck_assert_int_le(non2xx + errors, CONNECTIONS);

	/* And the survivor goes on alone. */
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(http_request("GET", url, NULL, NULL, 0, &r), 200);
		http_resp_free(&r);
	}
	stop_process(web, SIGTERM, 5000, true);
	stop_process(b, SIGTERM, 5000, true);
	free(tok);
}
END_TEST

static Suite *
scale_suite(void)
{
	Suite	*s = suite_create("scale");
	TCase	*t = tcase_create("two-instances");

	tcase_set_timeout(t, 90);
	tcase_add_test(t, one_of_two_instances_killed_under_load);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return client_main(scale_suite(), NULL, NULL);
}
