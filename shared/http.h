/*
 * http: one request and its response.
 *
 * A struct req lives for one request; everything request-scoped hangs off it
 * (decoded parameters, the body, the response) and req_free() releases it in
 * one place. Handlers read the request with req_* and answer with resp_*;
 * the server loop writes the response and the log line.
 */
#ifndef QUIRE_HTTP_H
#define QUIRE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "errors.h"
#include "tok.h"

#define REQ_MAX_PARAMS	4
#define REQ_ID_MAX	64

struct ctx;
struct req;

/* A request handler: it always leaves a response in the req. */
typedef void (*handler_fn)(struct req *);

/* One route: method and path pattern ("/auth/users/{id}") to a handler. */
struct route {
	const char	*method;	/* "GET" also answers HEAD */
	const char	*pattern;	/* literal segments and {name} segments */
	handler_fn	 handler;
	enum role	 min_role;	/* ROLE_ANON: public */
};

/* Reads up to n body bytes into p. Returns the count, 0 at the end, -1 on error. */
typedef int (*body_reader)(void *arg, char *p, int n);

struct req_mem;

struct req {
	struct ctx		*ctx;
	char			**env;		/* CGI-style "NAME=value" strings, borrowed */
	body_reader		 read;
	void			*read_arg;

	const char		*method;
	char			*path;		/* REQUEST_URI before '?', owned */
	const char		*query;		/* QUERY_STRING, borrowed; "" when none */
	char			 request_id[REQ_ID_MAX + 1];
	bool			 head;		/* HEAD: the body is not sent */
	int64_t			 start_usec;

	const struct route	*route;
	char			*params[REQ_MAX_PARAMS];	/* decoded {name} segments */
	size_t			 nparams;
	const struct claims	*claims;	/* NULL when anonymous */
	struct claims		 claims_buf;

	struct buf		 body;
	bool			 body_read;
	struct req_mem		*mem;		/* request-scoped allocations */

	int			 status;	/* 0 until a response is set */
	const char		*content_type;	/* static string */
	struct buf		 headers;	/* "Name: value\r\n" lines */
	struct buf		 out;		/* response body */
	bool			 cache_control;	/* a handler set Cache-Control */
	bool			 sendfile;	/* the web server sends the body */
};

/*
 * Sets up r for a request whose CGI parameters are env (borrowed for the
 * request's life) and whose body comes from read(arg). Returns 0, or -1 when
 * memory runs out. Free with req_free().
 */
int		 req_init(struct req *r, struct ctx *, char **env, body_reader read, void *arg);
void		 req_free(struct req *);

/* Returns the CGI parameter name ("HTTP_IF_MATCH"), or NULL. Borrowed. */
const char	*req_env(const struct req *, const char *name);

/* Returns n zeroed bytes freed with the request, or NULL. */
void		*req_alloc(struct req *, size_t n);
/* Returns a copy of s[0..len) freed with the request, or NULL. */
char		*req_strndup(struct req *, const char *s, size_t len);

/* Returns route parameter i (decoded), borrowed from the request. */
const char	*req_param(const struct req *, size_t i);
/*
 * Returns the first route parameter as an id: a UUID, lowercased (borrowed
 * from the request), or NULL with 400 invalid_id set ("a <what> id is a
 * UUID"), so that nothing malformed reaches the database.
 */
const char	*req_id_param(struct req *, const char *what);

/*
 * Finds query parameter name. Returns 0 and sets *value (decoded, borrowed
 * from the request), 1 when absent, or -1 when the query string is malformed
 * (a bad %-escape or an encoded NUL).
 */
int		 req_query(struct req *, const char *name, const char **value);

/*
 * Reads the whole body (to the end of the stream when CONTENT_LENGTH is
 * not set), refusing more than max bytes. Returns 0, or -1 with
 * the error response already set: 413 body_too_large, 400 incomplete_body.
 */
int		 req_read_body(struct req *, size_t max);

/*
 * Reads a JSON object body: Content-Type application/json (charset utf-8
 * allowed), at most the program's max_body bytes, valid UTF-8, no duplicate
 * keys. Returns a new reference, or NULL with the error response set (415,
 * 413, 400 invalid_json / invalid_utf8 / duplicate_key / expected_object).
 */
json_t		*req_json(struct req *);

/* One field of a JSON object body. */
struct field {
	const char	*name;
	json_type	 type;		/* JSON_TRUE stands for any boolean */
	bool		 required;
	bool		 nullable;	/* null is accepted as well */
};

/*
 * Checks obj against fields[0..n): unknown names (400 unknown_field), missing
 * required ones (400 missing_field), wrong types (400 invalid_type naming the
 * field). Returns 0, or -1 with the error response set.
 */
int		 req_check_fields(struct req *, json_t *obj, const struct field *, size_t n);

/*
 * Returns the string field name of obj if it is well-formed text: no control
 * characters (400 control_character) and at most max bytes (400
 * invalid_field). Returns NULL with the response set on error, and NULL
 * without a response when the field is absent or null (check r->status).
 */
const char	*req_string_field(struct req *, json_t *obj, const char *name, size_t max);

/*
 * Returns whether an If-None-Match / If-Match header value (a list of
 * entity tags, or "*") names etag (quoted, as sent in ETag). With weak set
 * (If-None-Match), W/ prefixes are ignored, as RFC 9110 says.
 */
bool		 etag_matches(const char *header, const char *etag, bool weak);
/*
 * Returns whether an If-Match / If-None-Match value is well-formed: "*", or
 * a comma-separated list of at least one entity tag ("x", W/"x").
 */
bool		 etag_list_valid(const char *header);
/*
 * Reads the precondition header name ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH")
 * into *value (NULL when absent). Returns 0, or -1 with 400
 * invalid_precondition when it is not etag_list_valid(): a malformed value
 * is not a stale one.
 */
int		 req_etag_header(struct req *, const char *name, const char **value);

/*
 * Returns whether an Accept-Encoding value (NULL: none) names gzip (or
 * x-gzip) with a weight above zero, as the web servers decide when they
 * send a stored .gz ("*" does not count).
 */
bool		 http_accepts_gzip(const char *accept_encoding);

/* Sets the status and a JSON body (the reference is taken over; NULL: 500). */
void		 resp_json(struct req *, int status, json_t *body);
/* Sets an error response in the shared shape. Earlier headers are dropped. */
void		 resp_error(struct req *, enum err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Sets a response without a body (204, 304, 301 with a Location header). */
void		 resp_empty(struct req *, int status);
/* Sets a response with a body of the given type (a static string). */
void		 resp_body(struct req *, int status, const char *content_type,
		    const char *data, size_t len);
/*
 * Adds a header. A value holding CR or LF is refused (and logged), so that no
 * input can split the response. Returns 0 or -1.
 */
int		 resp_header(struct req *, const char *name, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Answers 200 with the file at path sent by the web server (X-Sendfile), so
 * the bytes never pass through FastCGI. content_type is a static string.
 */
void		 resp_sendfile(struct req *, const char *path, const char *content_type);

/*
 * Serialises the response (CGI "Status:" form, headers, then body) into out.
 * Returns 0 or -1 when memory runs out.
 */
int		 resp_serialize(const struct req *, struct buf *out);

#endif
