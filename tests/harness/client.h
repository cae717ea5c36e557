/*
 * client: real HTTP against the test stack (libcurl), and the main() every
 * integration test program shares.
 *
 * Ownership: what the client allocates belongs to the running test and is
 * freed when it ends (the process of a forked test exits; the client frees
 * all at exit), so tests free neither responses nor the tokens of login(),
 * admin_token() and new_user(); tests run in process share one owner.
 * Filling a struct http_resp frees what that struct (known by its address)
 * held before, once the request is sent, so one struct serves a loop of any
 * length; a pointer into a response (its body, json, http_resp_str()) holds
 * until that struct is filled again or freed, or its function returns, and a
 * copy of the struct is no second owner. http_resp_free() frees one at once.
 */
#ifndef QUIRE_CLIENT_H
#define QUIRE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <check.h>
#include <curl/curl.h>
#include <jansson.h>

#include "auth/auth.h"	/* USERNAME_MAX */
#include "buf.h"
#include "forge.h"
#include "stack.h"
#include "encode.h"

#define ADMIN_USER	"admin"
#define ADMIN_PASSWORD	"admin-password-for-tests"
#define USER_PASSWORD	"a-long-enough-password"

/* The stack the tests of this program run against (set up by client_main). */
extern struct stack test_stack;

struct http_resp {
	long		 status;
	struct buf	 headers;	/* the raw header block */
	struct buf	 body;
	json_t		*json;		/* the body parsed when it is JSON, else NULL */
};

/*
 * Sends method url with headers (a NULL-terminated list of "Name: value", or
 * NULL) and body[0..len) (NULL: none; may point into out's last response).
 * Returns the status (also in out), or -1 when no answer came. Fills out
 * (uninitialised, or a response to replace), owned by the running test.
 */
long		 http_request(const char *method, const char *url, const char *const *headers,
		    const char *body, size_t len, struct http_resp *out);
/*
 * http_request() from the local address source ("127.0.0.2": any of
 * 127.0.0.0/8 is this machine's), as another client would connect; NULL:
 * the system's choice (127.0.0.1).
 */
long		 http_request_from(const char *source, const char *method, const char *url,
		    const char *const *headers, const char *body, size_t len,
		    struct http_resp *out);
/*
 * http_request() on the handle c, which keeps its connections open between
 * calls (a client that uses keep-alive). The caller cleans c up.
 */
long		 http_request_on(CURL *c, const char *method, const char *url,
		    const char *const *headers, const char *body, size_t len,
		    struct http_resp *out);
/*
 * Frees a response now, rather than when the test ends or the struct is
 * filled again; out is empty afterwards, and freeing it again does nothing.
 */
void		 http_resp_free(struct http_resp *);
/*
 * Frees all the client allocated so far (called at exit in every process
 * that used the client, a forked test's included; any time before is fine).
 */
void		 client_release(void);
/* Returns how many responses and strings the client holds for the running test. */
size_t		 client_owned(void);

/*
 * Returns the value of the last header name of the response (case-insensitive),
 * copied into buf, or NULL when absent.
 */
const char	*http_header(const struct http_resp *, const char *name, char *buf, size_t len);

/*
 * Calls the stack: method path, with "Authorization: Bearer token" when token
 * is not NULL, and json as an application/json body when not NULL. Returns
 * the status.
 */
long		 api(const char *method, const char *path, const char *token, const char *json,
		    struct http_resp *out);
/* api() with one more header ("If-Match: \"…\""), or none when header is NULL. */
long		 api_with(const char *method, const char *path, const char *token,
		    const char *json, const char *header, struct http_resp *out);
/* api_with() from the local address source (see http_request_from). */
long		 api_from(const char *source, const char *method, const char *path,
		    const char *token, const char *json, const char *header,
		    struct http_resp *out);
/* api_with() to another web server than the stack's: base is "http://HOST:PORT". */
long		 api_at(const char *base, const char *method, const char *path,
		    const char *token, const char *json, const char *header,
		    struct http_resp *out);

/*
 * One request of a table-driven test and the error it must get: method path
 * with json as its body (NULL: none), answered status with the error code in
 * the shared shape (ck_error), and a message naming mentions (NULL: any).
 */
struct api_case {
	const char	*method;
	const char	*path;
	const char	*json;
	int		 status;
	const char	*code;
	const char	*mentions;
};

/*
 * Sends each of the n cases with token (NULL: none) and one more header as
 * api_with() (NULL: none), and asserts its answer; a failure names the case.
 */
void		 api_expect_errors(const char *token, const char *header,
		    const struct api_case *cases, size_t n);

/* Returns the string member name of the response's JSON (borrowed), or NULL. */
const char	*http_resp_str(const struct http_resp *, const char *name);
/* Returns the error code of an error response, or "" (borrowed). */
const char	*http_resp_error_code(const struct http_resp *);

/* Asserts an error response: status, code, and the shared error shape. */
#define ck_error(r, st, code) do {						\
	ck_assert_msg((r)->status == (st), "status %ld, wanted %d: %s", (r)->status,	\
	    (st), buf_str(&(r)->body));						\
	ck_assert_str_eq(http_resp_error_code(r), (code));				\
	ck_assert_int_eq(json_integer_value(json_object_get(			\
	    json_object_get((r)->json, "error"), "status")), (st));		\
	ck_assert_ptr_nonnull(json_string_value(json_object_get(		\
	    json_object_get((r)->json, "error"), "message")));			\
} while (0)

/*
 * Returns how many lines of the programs' log (their stderr: lighttpd's error
 * log, or the log of the programs the stack runs for Apache) hold needle.
 */
int		 program_log_count(const char *needle);
/*
 * Waits until at least n lines of the programs' log hold needle (an event,
 * within PROC_EVENT_TIMEOUT_MS, else the test fails). Returns their number.
 */
int		 program_log_wait(const char *needle, int n);
/* Returns how many lines of the file at path hold needle (0 when it cannot be read). */
int		 log_count(const char *path, const char *needle);

/*
 * Logs in and returns the access token, failing the test on error. The
 * token, like those of admin_token() and new_user(), is the running test's:
 * valid until the test ends (client_release()), not to free.
 */
const char	*login(const char *username, const char *password);
/* Logs in the stack's admin and returns the access token (the test's). */
const char	*admin_token(void);
/*
 * Creates a user with a fresh unique name, the role given and USER_PASSWORD.
 * Writes the name and, when id is not NULL, the id.
 * Returns an access token for the new user (the test's).
 */
const char	*new_user(const char *role, char name[USERNAME_MAX + 1], char id[UUID_LEN + 1]);

/*
 * Runs sql (with $1 = param when not NULL) on the stack's primary as role
 * ("postgres": the superuser), failing the test unless it succeeds.
 * Returns the first value of the answer as a number, 0 when it has no row.
 */
long long	 db_number(const char *role, const char *sql, const char *param);

/* Writes a fresh word ("w" and 12 hex digits) to tell a test's data apart. */
void		 unique_word(char out[16]);
/*
 * Uploads a PNG of width x height (a gradient made by make_png.py) to Media
 * as token's. Returns the status, with the item id copied to id on 200 or 201.
 */
long		 upload_png(const char *token, int width, int height, char id[UUID_LEN + 1]);

/*
 * The whole test program: starts the stack (extra_conf added to quire.conf),
 * runs suite (when not NULL; each test in a child process), then in_process
 * (when not NULL: tests that stop and start the stack's servers, which only
 * the process that started them can do), stops the stack, and fails on any
 * test failure or any sanitizer report. Returns the exit status.
 */
int		 client_main(Suite *suite, Suite *in_process, const char *extra_conf);
/* client_main() with the stack's options (build and admin are filled in). */
int		 client_run(Suite *suite, Suite *in_process, struct stack_opts *o);

#endif
