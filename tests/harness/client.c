#include "client.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "proc.h"
#include "encode.h"
#include "secret.h"

struct stack test_stack;

/*
 * What the client allocated for the running test (see client.h): the
 * contents of each struct http_resp it filled, found by the struct's address
 * (compared, never read through: the struct may be gone with its function),
 * and the strings login() returned. client_release() frees them all, at the
 * latest when the process exits.
 */
struct owned_resp {
	uintptr_t		 key;		/* the address of the struct http_resp */
	char			*headers;	/* its headers.data, body.data and json */
	char			*body;
	json_t			*json;
	struct owned_resp	*next;
};

struct owned_str {
	char			*s;
	struct owned_str	*next;
};

static struct owned_resp	*owned_resps;
static struct owned_str		*owned_strs;
static size_t			 owned_n;
static bool			 owned_at_exit;

/* Has client_release() run at exit, once: forked children inherit it. */
static void
owned_init(void)
{
	if (owned_at_exit)
		return;
	if (atexit(client_release) != 0) {
		fprintf(stderr, "client: atexit failed\n");
		abort();
	}
	owned_at_exit = true;
}

/* Frees what the client filled the struct http_resp at key with, if anything. */
static void
owned_resp_release(uintptr_t key)
{
	struct owned_resp	**pp, *o;

	for (pp = &owned_resps; (o = *pp) != NULL; pp = &o->next) {
		if (o->key != key)
			continue;
		*pp = o->next;
		free(o->headers);
		free(o->body);
		json_decref(o->json);
		free(o);
		owned_n--;
		return;
	}
}

/*
 * Makes the contents of r owned by the running test, in place of what r held
 * before (freed now: the request is over, so nothing of it is still read).
 */
static void
owned_resp_add(struct http_resp *r)
{
	struct owned_resp	*o;

	owned_init();
	owned_resp_release((uintptr_t)r);
	if ((o = malloc(sizeof(*o))) == NULL) {
		fprintf(stderr, "client: out of memory\n");
		abort();
	}
	o->key = (uintptr_t)r;
	o->headers = r->headers.data;
	o->body = r->body.data;
	o->json = r->json;
	o->next = owned_resps;
	owned_resps = o;
	owned_n++;
}

/* Returns s (NULL: fails the test), now owned by the running test. */
static const char *
owned_str_add(char *s)
{
	struct owned_str	*o;

	owned_init();
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(o = malloc(sizeof(*o)));
	o->s = s;
	o->next = owned_strs;
	owned_strs = o;
	owned_n++;
	return s;
}

void
client_release(void)
{
	struct owned_resp	*r;
	struct owned_str	*s;

	while ((r = owned_resps) != NULL)
		owned_resp_release(r->key);
	while ((s = owned_strs) != NULL) {
		owned_strs = s->next;
		free(s->s);
		free(s);
		owned_n--;
	}
}

size_t
client_owned(void)
{
	return owned_n;
}

/* libcurl write callback: appends to a buf. */
static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	return buf_append(arg, p, size * n) == 0 ? size * n : 0;
}

long
http_request(const char *method, const char *url, const char *const *headers,
    const char *body, size_t len, struct http_resp *out)
{
	return http_request_from(NULL, method, url, headers, body, len, out);
}

/*
 * Sends the request on the handle c (reset first), from the local address
 * source when not NULL. Returns the status, or -1.
 */
static long
request_on(CURL *c, const char *source, const char *method, const char *url,
    const char *const *headers, const char *body, size_t len, struct http_resp *out);

long
http_request_from(const char *source, const char *method, const char *url,
    const char *const *headers, const char *body, size_t len, struct http_resp *out)
{
	CURL	*c;
	long	 status;

	if ((c = curl_easy_init()) == NULL) {
		http_resp_free(out);
		out->status = -1;
		return -1;
	}
	status = request_on(c, source, method, url, headers, body, len, out);
	curl_easy_cleanup(c);
	return status;
}

long
http_request_on(CURL *c, const char *method, const char *url, const char *const *headers,
    const char *body, size_t len, struct http_resp *out)
{
	return request_on(c, NULL, method, url, headers, body, len, out);
}

static long
request_on(CURL *c, const char *source, const char *method, const char *url,
    const char *const *headers, const char *body, size_t len, struct http_resp *out)
{
	char			 iface[64];
	struct curl_slist	*list = NULL;
	CURLcode		 rc;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	out->status = -1;
	curl_easy_reset(c);
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		list = curl_slist_append(list, headers[i]);
	/* No "Expect: 100-continue" round trip for bodies. */
	list = curl_slist_append(list, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (source != NULL) {
		snprintf(iface, sizeof(iface), "host!%s", source);
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	else
		fprintf(stderr, "http_request %s %s: %s\n", method, url, curl_easy_strerror(rc));
	curl_slist_free_all(list);
	if (out->body.len > 0)
		out->json = json_loadb(buf_str(&out->body), out->body.len, 0, NULL);
	owned_resp_add(out);
	return out->status;
}

void
http_resp_free(struct http_resp *r)
{
	owned_resp_release((uintptr_t)r);
	memset(r, 0, sizeof(*r));
}

const char *
http_header(const struct http_resp *r, const char *name, char *out, size_t len)
{
	const char	*line = buf_str(&r->headers), *end, *found = NULL;
	size_t		 nlen = strlen(name), vlen;

	for (; *line != '\0'; line = end + (*end == '\n')) {
		end = line + strcspn(line, "\n");
		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':')
			found = line + nlen + 1;
	}
	if (found == NULL)
		return NULL;
	while (*found == ' ')
		found++;
	vlen = strcspn(found, "\r\n");
	if (vlen >= len)
		vlen = len - 1;
	memcpy(out, found, vlen);
	out[vlen] = '\0';
	return out;
}

long
api_with(const char *method, const char *path, const char *token, const char *json,
    const char *header, struct http_resp *out)
{
	return api_from(NULL, method, path, token, json, header, out);
}

/* api_with() from source (NULL: any) to the web server at base. */
static long
api_call(const char *source, const char *base, const char *method, const char *path,
    const char *token, const char *json, const char *header, struct http_resp *out)
{
	char		 url[2048], auth[AUTH_HEADER_SIZE];
	const char	*headers[4];
	size_t		 n = 0;

	snprintf(url, sizeof(url), "%s%s", base, path);
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		headers[n++] = auth;
	}
	if (json != NULL)
		headers[n++] = "Content-Type: application/json";
	if (header != NULL)
		headers[n++] = header;
	headers[n] = NULL;
	return http_request_from(source, method, url, headers, json,
	    json != NULL ? strlen(json) : 0, out);
}

long
api_at(const char *base, const char *method, const char *path, const char *token,
    const char *json, const char *header, struct http_resp *out)
{
	return api_call(NULL, base, method, path, token, json, header, out);
}

long
api_from(const char *source, const char *method, const char *path, const char *token,
    const char *json, const char *header, struct http_resp *out)
{
	return api_call(source, test_stack.base_url, method, path, token, json, header, out);
}

long
api(const char *method, const char *path, const char *token, const char *json,
    struct http_resp *out)
{
	return api_with(method, path, token, json, NULL, out);
}

void
api_expect_errors(const char *token, const char *header, const struct api_case *cases,
    size_t n)
{
	const struct api_case	*c;
	struct http_resp	 r;
	const char		*msg;
	size_t			 i;

	for (i = 0; i < n; i++) {
		c = &cases[i];
		api_with(c->method, c->path, token, c->json, header, &r);
		ck_assert_msg(r.status == c->status &&
		    strcmp(http_resp_error_code(&r), c->code) == 0,
		    "case %zu, %s %s %.200s: %ld %.300s, wanted %d %s", i, c->method, c->path,
		    c->json != NULL ? c->json : "", r.status, buf_str(&r.body), c->status, c->code);
		ck_error(&r, c->status, c->code);
		if (c->mentions == NULL)
			continue;
		msg = json_string_value(json_object_get(json_object_get(r.json, "error"),
		    "message"));
		ck_assert_msg(strstr(msg, c->mentions) != NULL,
		    "case %zu, %s %s %.200s: message \"%s\" names no %s", i, c->method, c->path,
		    c->json != NULL ? c->json : "", msg, c->mentions);
	}
}

const char *
http_resp_str(const struct http_resp *r, const char *name)
{
	return json_string_value(json_object_get(r->json, name));
}

const char *
http_resp_error_code(const struct http_resp *r)
{
	const char *code = json_string_value(json_object_get(json_object_get(r->json, "error"),
	    "code"));

	return code != NULL ? code : "";
}

int
log_count(const char *path, const char *needle)
{
	char	 line[4096];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

int
program_log_count(const char *needle)
{
	return log_count(test_stack.program_log, needle);
}

int
program_log_wait(const char *needle, int n)
{
	int	 i, got;

	for (i = 0; (got = program_log_count(needle)) < n; i++) {
		ck_assert_msg(i < PROC_EVENT_TIMEOUT_MS / 20, "%d line(s) of %s hold \"%s\", not %d",
		    got, test_stack.program_log, needle, n);
		usleep(20000);
	}
	return got;
}

const char *
login(const char *username, const char *password)
{
	struct http_resp	 r;
	json_t			*body;
	char			*json;
	const char		*token;

	body = json_pack("{s:s, s:s}", "username", username, "password", password);
	json = json_dumps(body, 0);
	json_decref(body);
	api("POST", "/auth/login", NULL, json, &r);
	free(json);
	ck_assert_msg(r.status == 200, "login %s: %ld %s", username, r.status, buf_str(&r.body));
	token = owned_str_add(strdup(http_resp_str(&r, "access_token")));
	http_resp_free(&r);
	return token;
}

const char *
admin_token(void)
{
	return login(ADMIN_USER, ADMIN_PASSWORD);
}

const char *
new_user(const char *role, char name[USERNAME_MAX + 1], char id[UUID_LEN + 1])
{
	static unsigned	 serial;
	struct http_resp r;
	char		 json[512];
	unsigned char	 raw[4];

	secret_random(raw, sizeof(raw));
	snprintf(name, 65, "u%d-%u-%02x%02x%02x%02x", (int)getpid(), serial++, raw[0], raw[1],
	    raw[2], raw[3]);
	snprintf(json, sizeof(json), "{\"username\":\"%s\",\"password\":\"%s\",\"role\":\"%s\"}",
	    name, USER_PASSWORD, role);
	api("POST", "/auth/users", admin_token(), json, &r);
	ck_assert_msg(r.status == 201, "create user: %ld %s", r.status, buf_str(&r.body));
	if (id != NULL)
		snprintf(id, 37, "%s", http_resp_str(&r, "id"));
	http_resp_free(&r);
	return login(name, USER_PASSWORD);
}

long
upload_png(const char *token, int width, int height, char id[UUID_LEN + 1])
{
	struct http_resp r;
	char		 dir[] = "/tmp/quire-png-XXXXXX", file[64], w[16], h[16], auth[AUTH_HEADER_SIZE];
	char		 url[256], *data;
	char		*argv[] = { "/usr/bin/python3", "tests/integration/make_png.py", w, h, file,
		    NULL };
	const char	*headers[] = { auth, "Content-Type: image/png", NULL };
	long		 size, st;
	FILE		*f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/image.png", dir);
	snprintf(w, sizeof(w), "%d", width);
	snprintf(h, sizeof(h), "%d", height);
	ck_assert_int_eq(stack_run(argv), 0);
	ck_assert_ptr_nonnull(f = fopen(file, "rb"));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	data = malloc((size_t)size);
	ck_assert_int_eq(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	snprintf(url, sizeof(url), "%s/media", test_stack.base_url);
	st = http_request("POST", url, headers, data, (size_t)size, &r);
	if (st == 201 || st == 200)
		snprintf(id, 37, "%s", http_resp_str(&r, "id"));
	http_resp_free(&r);
	free(data);
	unlink(file);
	rmdir(dir);
	return st;
}

int
client_main(Suite *suite, Suite *in_process, const char *extra_conf)
{
	struct stack_opts	 o = { 0 };

	o.extra_conf = extra_conf;
	return client_run(suite, in_process, &o);
}

int
client_run(Suite *suite, Suite *in_process, struct stack_opts *o)
{
	SRunner			*sr;
	int			 failed, reports;

	o->build = getenv("QUIRE_BUILD") != NULL ? getenv("QUIRE_BUILD") : "build";
	o->admin_user = ADMIN_USER;
	o->admin_password = ADMIN_PASSWORD;
	o->web = getenv("QUIRE_WEB");
	o->jit_counted = true;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (stack_start(&test_stack, o) == -1) {
		if (suite != NULL)
			srunner_free(srunner_create(suite));
		if (in_process != NULL)
			srunner_free(srunner_create(in_process));
		return 1;
	}
	failed = 0;
	if (suite != NULL) {
		sr = srunner_create(suite);
		srunner_run_all(sr, CK_NORMAL);
		failed = srunner_ntests_failed(sr);
		srunner_free(sr);
	}
	/* Tests that stop and start the stack's servers must run in its own process. */
	if (in_process != NULL) {
		sr = srunner_create(in_process);
		srunner_set_fork_status(sr, CK_NOFORK);
		srunner_run_all(sr, CK_NORMAL);
		failed += srunner_ntests_failed(sr);
		srunner_free(sr);
	}
	reports = stack_stop(&test_stack);
	if (reports > 0)
		fprintf(stderr, "%d sanitizer report(s) from the programs\n", reports);
	curl_global_cleanup();
	return failed == 0 && reports == 0 ? 0 : 1;
}

void
unique_word(char out[16])
{
	unsigned char	 raw[6];

	secret_random(raw, sizeof(raw));
	out[0] = 'w';
	hex_encode(raw, sizeof(raw), out + 1);
}

long long
db_number(const char *role, const char *sql, const char *param)
{
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, role));
	PGresult	*res;
	long long	 v = 0;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	res = PQexecParams(c, sql, param != NULL ? 1 : 0, NULL, &param, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	PQfinish(c);
	return v;
}
