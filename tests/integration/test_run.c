/*
 * `make run` again: quire-stack itself (what `make run` starts), three
 * times on one var directory, each time on another port, behind the web
 * server of QUIRE_WEB. What follows from the command line (here the port,
 * and with it the URL Post reaches Media by) must follow it on every run;
 * the keys, the data, the admin and the user's own settings must stay. A
 * var/quire.conf written before local.conf existed is taken over: the
 * user's settings kept, the stale derived ones dropped.
 *
 * And the admin commands the Makefile documents for the dev stack (make
 * migrate-status, make migrate, make admin-password), run as documented
 * against a running stack, and refused with a clear message when it is not.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"
#include "nitems.h"
#include "proc.h"

#define UP_TIMEOUT	60	/* seconds for a run to answer every health check */

static char	 var[] = "/tmp/quire-test-XXXXXX";

/* Starts quire-stack on port and waits until every program answers. Returns its pid. */
static pid_t
run_stack(int port)
{
	static const char *const health[] = { "/auth/health", "/posts/health", "/media/health" };
	char		 prog[600], sport[16], log[600];
	const char	*web = getenv("QUIRE_WEB") != NULL ? getenv("QUIRE_WEB") : "lighttpd";
	char		*argv[] = { prog, "--var", var, "--port", sport, "--build",
		    test_stack.build, "--web", (char *)web, NULL };
	size_t		 up = 0;
	pid_t		 pid;
	int		 i;

	snprintf(prog, sizeof(prog), "%s/quire-stack", test_stack.build);
	snprintf(sport, sizeof(sport), "%d", port);
	snprintf(log, sizeof(log), "%s/log/stack.log", var);
	snprintf(test_stack.base_url, sizeof(test_stack.base_url), "http://127.0.0.1:%d", port);
	ck_assert_int_gt(pid = spawn(argv, false, SIGTERM, log), 0);
	for (i = 0; i < UP_TIMEOUT * 10 && up < 3; i++) {
		if (http_status_on(port, health[up]) == 200)
			up++;
		else
			usleep(100000);
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
	}
	if (up < 3)
		print_tail(log);
	ck_assert_msg(up == 3, "make run on port %d did not come up", port);
	return pid;
}

/* Stops a run as Ctrl-C does. */
static void
stop_stack(pid_t pid)
{
	ck_assert_int_eq(stop_process(pid, SIGINT, 60000, true), 0);
}

/* Returns a free port other than those of earlier runs. */
static int
new_port(int not1, int not2)
{
	int	 port, i;

	for (i = 0; i < 100; i++)
		if ((port = stack_free_port()) > 0 && port != not1 && port != not2)
			return port;
	ck_abort_msg("no free port");
	return -1;
}

/* Writes a published post showing media item mid; returns its first media reference's state. */
static const char *
post_image_state(const char *token, const char *mid)
{
	static char	 state[32];
	struct http_resp r;
	char		 json[300];
	const char	*s;

	snprintf(json, sizeof(json), "{\"title\":\"An image on port %d\",\"body\":\"![a gradient]"
	    "(media:%s)\",\"status\":\"published\"}", atoi(strrchr(test_stack.base_url, ':') + 1),
	    mid);
	ck_assert_int_eq(api("POST", "/posts", token, json, &r), 201);
	s = json_string_value(json_object_get(json_array_get(json_object_get(r.json, "media"), 0),
	    "state"));
	snprintf(state, sizeof(state), "%s", s != NULL ? s : "(none)");
	return state;
}

/*
 * Returns whether Post refuses a body of 3000 bytes as too large (413), as
 * with [post] max_body = 2000 (the default takes 4 MiB).
 */
static bool
post_body_limit_small(const char *token)
{
	struct http_resp r;
	char		 body[3100];
	int		 status;

	memcpy(body, "{\"title\":\"", 10);
	memset(body + 10, 'x', 3000);
	memcpy(body + 3010, "\"}", 3);
	status = api("POST", "/posts", token, body, &r);
	return status == 413;
}

/* Returns the contents of var/name (to free), or NULL when it does not exist. */
static char *
var_file(const char *name)
{
	struct buf	 b = BUF_INIT;
	char		 path[600], err[200];

	snprintf(path, sizeof(path), "%s/%s", var, name);
	if (buf_read_file(&b, path, 1 << 20, err, sizeof(err)) == -1)
		return NULL;
	return b.data != NULL ? b.data : strdup("");
}

/* Appends text to var/name. */
static void
var_append(const char *name, const char *text)
{
	char	 path[600];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", var, name);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(each_run_follows_its_command_line_and_keeps_the_rest)
{
	struct http_resp r;
	char		 mid[UUID_LEN + 1], old[4096], *local, *again;
	const char	*author;
	int		 a = new_port(0, 0), b, c;
	pid_t		 pid;

	/* First run: the image resolves through Media, reached at this run's port. */
	pid = run_stack(a);
	author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	ck_assert_int_eq(upload_png(author, 400, 300, mid), 201);
	ck_assert_str_eq(post_image_state(author, mid), "resolved");
	ck_assert(!post_body_limit_small(author));
	stop_stack(pid);

	/* The user sets something of their own between runs. */
	var_append("local.conf", "[post]\nmax_body = 2000\n");
	ck_assert_ptr_nonnull(local = var_file("local.conf"));

	/* Second run, another port: Post reaches Media there, not at the first port. */
	pid = run_stack(b = new_port(a, 0));
	ck_assert_str_eq(post_image_state(author, mid), "resolved");
	/* The keys (the token of the first run is still good), the admin, the data stay. */
	ck_assert_int_eq(api("GET", "/auth/me", author, NULL, &r), 200);
	admin_token();
	ck_assert(post_body_limit_small(author));
	ck_assert_str_eq(again = var_file("local.conf"), local);
	free(again);
	stop_stack(pid);

	/*
	 * A quire.conf as the stack wrote it before there was local.conf: a
	 * user's edit among derived keys of the second run. The third run moves
	 * the edit to local.conf and derives the rest again.
	 */
	test_stack.port = b;
	snprintf(test_stack.pg_socket_dir, sizeof(test_stack.pg_socket_dir), "%s/pg-socket", var);
	snprintf(old, sizeof(old),
	    "# Written by the Quire dev stack (tests/harness/stack.c). Edit to try a\n"
	    "# setting; delete it to get the defaults back. Keys: see README.md.\n"
	    "public_keys = %s/keys/public\n\n"
	    "[auth]\ndatabase = %s\nprivate_key = %s/keys/private.pem\n\n"
	    "[post]\ndatabase = host=%s port=5432 dbname=quire user=quire_post\n"
	    "public_url = http://127.0.0.1:%d\nmedia_url = http://127.0.0.1:%d\n"
	    "max_body = 2000\n\n"
	    "[media]\ndatabase = host=%s port=5432 dbname=quire user=quire_media\n"
	    "cache_dir = %s/media-cache\n",
	    var, stack_dsn(&test_stack, "quire_auth"), var, test_stack.pg_socket_dir, b, b,
	    test_stack.pg_socket_dir, var);
	snprintf(test_stack.conf, sizeof(test_stack.conf), "%s/quire.conf", var);
	ck_assert_int_eq(write_file(test_stack.conf, old), 0);
	snprintf(test_stack.conf, sizeof(test_stack.conf), "%s/local.conf", var);
	ck_assert_int_eq(unlink(test_stack.conf), 0);
	pid = run_stack(c = new_port(a, b));
	ck_assert_str_eq(post_image_state(author, mid), "resolved");
	ck_assert(post_body_limit_small(author));
	free(local);
	ck_assert_ptr_nonnull(local = var_file("local.conf"));
	ck_assert_ptr_nonnull(strstr(local, "max_body = 2000\n"));
	ck_assert_ptr_null(strstr(local, "media_url"));
	ck_assert_ptr_null(strstr(local, "database"));
	stop_stack(pid);
	free(local);
}
END_TEST

/*
 * Runs `make TARGET` (then VARS) in the checkout as a user would, with this
 * test's var directory and build, apart from any make running the tests;
 * env is prefixed (NAME=value …, or "env -u NAME"). Writes stdout and stderr to
 * out. Returns the exit status.
 */
static int
run_make(const char *env, const char *target, const char *vars, struct buf *out)
{
	char	 cmd[2048], line[1024];
	FILE	*p;
	int	 status;

	snprintf(cmd, sizeof(cmd), "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL %s make "
	    "--no-print-directory %s VAR=%s BUILD=%s SAN=%d %s 2>&1", env, target, var,
	    test_stack.build,
	    strstr(test_stack.build, "san") != NULL, vars);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	buf_reset(out);
	while (fgets(line, sizeof(line), p) != NULL)
		buf_puts(out, line);
	status = pclose(p);
	ck_assert_msg(WIFEXITED(status), "%s", cmd);
	return WEXITSTATUS(status);
}

/* Asserts that out has a line "SCHEMA: FILE applied" for every migration in sql/. */
static void
ck_all_applied(const struct buf *out)
{
	static const char *const schemas[] = { "auth", "post", "media" };
	struct dirent	*de;
	DIR		*d;
	char		 path[300], line[600];
	size_t		 i, n = 0;

	for (i = 0; i < nitems(schemas); i++) {
		snprintf(path, sizeof(path), "sql/%s", schemas[i]);
		ck_assert_ptr_nonnull(d = opendir(path));
		while ((de = readdir(d)) != NULL) {
			if (strstr(de->d_name, ".sql") == NULL)
				continue;
			snprintf(line, sizeof(line), "%s: %s applied\n", schemas[i], de->d_name);
			ck_assert_msg(strstr(buf_str(out), line) != NULL, "no \"%s\" in:\n%s",
			    line, buf_str(out));
			n++;
		}
		closedir(d);
	}
	ck_assert_uint_gt(n, 0);
	ck_assert_ptr_null(strstr(buf_str(out), "pending"));
}

/* Waits until token is refused (401) by GET /auth/me: revoked. */
static void
ck_refused_soon(const char *token)
{
	struct http_resp r;
	long		 st;
	int		 i;

	for (i = 0; ; i++) {
		st = api("GET", "/auth/me", token, NULL, &r);
		if (st == 401)
			return;
		ck_assert_int_eq(st, 200);
		ck_assert_msg(i < PROC_EVENT_TIMEOUT_MS / 50, "the token is still accepted");
		usleep(50000);
	}
}

START_TEST(admin_commands_work_on_the_dev_stack)
{
	struct http_resp r;
	struct buf	 out = BUF_INIT;
	char		 password[200];
	const char	*tok;
	const char	*p;
	pid_t		 pid;

	pid = run_stack(new_port(0, 0));
	tok = admin_token();

	/* make migrate-status: every migration of the checkout's sql/ applied, none pending. */
	ck_assert_msg(run_make("", "migrate-status", "", &out) == 0, "%s", buf_str(&out));
	ck_all_applied(&out);
	/* make migrate: nothing to do. */
	ck_assert_msg(run_make("", "migrate", "", &out) == 0, "%s", buf_str(&out));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "auth: up to date"));

	/* make admin-password: a new password, printed once; the old one and the admin's tokens go. */
	ck_assert_msg(run_make("-u QUIRE_ADMIN_PASSWORD", "admin-password", "", &out) == 0, "%s",
	    buf_str(&out));
	ck_assert_msg((p = strstr(buf_str(&out), "New password of '" ADMIN_USER "': ")) != NULL,
	    "%s", buf_str(&out));
	ck_assert_int_eq(sscanf(p + strlen("New password of '" ADMIN_USER "': "), "%199s",
	    password), 1);
	login(ADMIN_USER, password);
	ck_assert_int_eq(api("POST", "/auth/login", NULL, "{\"username\":\"" ADMIN_USER "\","
	    "\"password\":\"" ADMIN_PASSWORD "\"}", &r), 401);
	ck_error(&r, 401, "invalid_credentials");
	ck_refused_soon(tok);

	/* Back to the tests' password (QUIRE_ADMIN_PASSWORD), for any user by name (ADMIN=). */
	ck_assert_msg(run_make("QUIRE_ADMIN_PASSWORD=" ADMIN_PASSWORD, "admin-password",
	    "ADMIN=" ADMIN_USER, &out) == 0, "%s", buf_str(&out));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "from QUIRE_ADMIN_PASSWORD"));
	admin_token();
	ck_assert_int_ne(run_make("", "admin-password", "ADMIN=nobody-by-that-name", &out), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "there is no user named 'nobody-by-that-name'"));
	stop_stack(pid);

	/* Without a running stack, each says so. */
	ck_assert_int_ne(run_make("", "migrate-status", "", &out), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "The dev stack is not running"));
	buf_free(&out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("run");
	TCase	*t = tcase_create("again");
	SRunner	*sr;
	char	 cmd[100];
	int	 failed, reports;

	if (mkdtemp(var) == NULL || chmod(var, 0755) == -1) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "%s/log", var);
	if (make_dir(cmd, 0755) == -1)
		return 1;
	snprintf(test_stack.var, sizeof(test_stack.var), "%s", var);
	snprintf(test_stack.build, sizeof(test_stack.build), "%s",
	    getenv("QUIRE_BUILD") != NULL ? getenv("QUIRE_BUILD") : "build");
	setenv("QUIRE_ADMIN_USER", ADMIN_USER, 1);
	setenv("QUIRE_ADMIN_PASSWORD", ADMIN_PASSWORD, 1);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(t, 300);
	tcase_add_test(t, each_run_follows_its_command_line_and_keeps_the_rest);
	tcase_add_test(t, admin_commands_work_on_the_dev_stack);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	reports = stack_sanitizer_reports(&test_stack);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", var);
	if (system(cmd) != 0)
		failed++;
	curl_global_cleanup();
	return failed == 0 && reports == 0 ? 0 : 1;
}
