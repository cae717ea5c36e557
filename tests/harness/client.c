#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "proc.h"
#include "encode.h"
#include "secret.h"

struct stack test_stack;

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

	memset(out, 0, sizeof(*out));
	out->status = -1;
	if ((c = curl_easy_init()) == NULL)
		return -1;
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
	return out->status;
}

void
http_resp_free(struct http_resp *r)
{
	buf_free(&r->headers);
	buf_free(&r->body);
	json_decref(r->json);
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

char *
login(const char *username, const char *password)
{
	struct http_resp	 r;
	json_t			*body;
	char			*json, *token;

	body = json_pack("{s:s, s:s}", "username", username, "password", password);
	json = json_dumps(body, 0);
	json_decref(body);
	api("POST", "/auth/login", NULL, json, &r);
	free(json);
	ck_assert_msg(r.status == 200, "login %s: %ld %s", username, r.status, buf_str(&r.body));
	token = strdup(http_resp_str(&r, "access_token"));
	http_resp_free(&r);
	return token;
}

char *
admin_token(void)
{
	return login(ADMIN_USER, ADMIN_PASSWORD);
}

char *
new_user(const char *role, char name[USERNAME_MAX + 1], char id[UUID_LEN + 1])
{
	static unsigned	 serial;
	struct http_resp r;
	char		*admin, json[512];
	unsigned char	 raw[4];

	secret_random(raw, sizeof(raw));
	snprintf(name, 65, "u%d-%u-%02x%02x%02x%02x", (int)getpid(), serial++, raw[0], raw[1],
	    raw[2], raw[3]);
	snprintf(json, sizeof(json), "{\"username\":\"%s\",\"password\":\"%s\",\"role\":\"%s\"}",
	    name, USER_PASSWORD, role);
	admin = admin_token();
	api("POST", "/auth/users", admin, json, &r);
	free(admin);
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
