#include "http.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "srv.h"
#include "util.h"

struct req_mem {
	struct req_mem	*next;
	max_align_t	 data[];
};

/* Returns whether s is an acceptable X-Request-Id: 1-64 of [A-Za-z0-9._:-]. */
static bool
request_id_valid(const char *s)
{
	size_t	 i;

	if (s == NULL || *s == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (i == REQ_ID_MAX || !(isalnum((unsigned char)s[i]) || strchr("._:-", s[i])))
			return false;
	return true;
}

int
req_init(struct req *r, struct ctx *ctx, char **env, body_reader read, void *arg)
{
	const char	*uri, *q, *rid;
	unsigned char	 raw[12];
	uint32_t	 count;
	size_t		 len;

	memset(r, 0, sizeof(*r));
	r->start_usec = mono_usec();
	r->ctx = ctx;
	r->env = env;
	r->read = read;
	r->read_arg = arg;
	if ((r->method = req_env(r, "REQUEST_METHOD")) == NULL)
		r->method = "GET";
	r->head = strcmp(r->method, "HEAD") == 0;
	if ((r->query = req_env(r, "QUERY_STRING")) == NULL)
		r->query = "";
	/* lighttpd and Apache split SCRIPT_NAME differently: route on REQUEST_URI. */
	if ((uri = req_env(r, "REQUEST_URI")) == NULL &&
	    (uri = req_env(r, "SCRIPT_NAME")) == NULL)
		uri = "/";
	len = (q = strchr(uri, '?')) != NULL ? (size_t)(q - uri) : strlen(uri);
	if ((r->path = req_strndup(r, uri, len)) == NULL)
		return -1;
	rid = req_env(r, "HTTP_X_REQUEST_ID");
	if (request_id_valid(rid))
		snprintf(r->request_id, sizeof(r->request_id), "%s", rid);
	else {
		/* A random prefix per worker and a counter: unique without a syscall. */
		memcpy(raw, ctx->request_prefix, 8);
		count = ctx->request_count++;
		raw[8] = (unsigned char)(count >> 24);
		raw[9] = (unsigned char)(count >> 16);
		raw[10] = (unsigned char)(count >> 8);
		raw[11] = (unsigned char)count;
		hex_encode(raw, sizeof(raw), r->request_id);
	}
	return 0;
}

void
req_free(struct req *r)
{
	struct req_mem *m, *next;

	for (m = r->mem; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	buf_free(&r->body);
	buf_free(&r->headers);
	buf_free(&r->out);
	memset(r, 0, sizeof(*r));
}

const char *
req_env(const struct req *r, const char *name)
{
	size_t	 len = strlen(name);
	char	**e;

	if (r->env == NULL)
		return NULL;
	for (e = r->env; *e != NULL; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

void *
req_alloc(struct req *r, size_t n)
{
	struct req_mem *m;

	if (n > SIZE_MAX - sizeof(*m) || (m = calloc(1, sizeof(*m) + n)) == NULL)
		return NULL;
	m->next = r->mem;
	r->mem = m;
	return m->data;
}

char *
req_strndup(struct req *r, const char *s, size_t len)
{
	char	*p;

	if ((p = req_alloc(r, len + 1)) != NULL)
		memcpy(p, s, len);
	return p;
}

const char *
req_param(const struct req *r, size_t i)
{
	return i < r->nparams ? r->params[i] : "";
}

const char *
req_id_param(struct req *r, const char *what)
{
	char	*id = r->nparams > 0 ? r->params[0] : NULL;
	size_t	 i;

	if (!uuid_valid(id)) {
		resp_error(r, ERR_INVALID_ID, "a %s id is a UUID", what);
		return NULL;
	}
	for (i = 0; i < UUID_LEN; i++)
		id[i] = (char)tolower((unsigned char)id[i]);
	return id;
}

int
req_query(struct req *r, const char *name, const char **value)
{
	const char	*p = r->query, *amp, *eq;
	size_t		 klen, vlen, nlen = strlen(name);
	char		*key, *val;

	while (*p != '\0') {
		amp = strchr(p, '&');
		klen = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', klen);
		vlen = eq != NULL ? klen - (size_t)(eq - p) - 1 : 0;
		if (eq != NULL)
			klen = (size_t)(eq - p);
		if ((key = req_alloc(r, klen + 1)) == NULL ||
		    percent_decode(p, klen, key, true) < 0)
			return -1;
		if (strlen(key) == nlen && strcmp(key, name) == 0) {
			if ((val = req_alloc(r, vlen + 1)) == NULL ||
			    (eq != NULL && percent_decode(eq + 1, vlen, val, true) < 0))
				return -1;
			*value = val;
			return 0;
		}
		p += (eq != NULL ? klen + 1 + vlen : klen);
		if (*p == '&')
			p++;
	}
	return 1;
}

int
req_read_body(struct req *r, size_t max)
{
	const char	*cl = req_env(r, "CONTENT_LENGTH");
	long long	 want = 0;
	bool		 sized = cl != NULL && *cl != '\0';
	char		 chunk[16384];
	size_t		 left;
	int		 n;

	if (r->body_read)
		return 0;
	if (sized && parse_int(cl, 0, (long long)1 << 40, &want) == -1) {
		resp_error(r, ERR_INCOMPLETE_BODY, "Content-Length is not a number");
		return -1;
	}
	/* Never trust the client's length for an allocation: check it first. */
	if ((unsigned long long)want > max) {
		resp_error(r, ERR_BODY_TOO_LARGE, "the body is larger than %zu bytes", max);
		return -1;
	}
	/*
	 * Without a length (Apache passes a long chunked body on as it comes),
	 * the body is what comes before the end of the stream, one byte past
	 * max at most.
	 */
	while (sized ? (long long)r->body.len < want : r->body.len <= max) {
		left = sized ? (size_t)want - r->body.len : max + 1 - r->body.len;
		n = r->read(r->read_arg, chunk, (int)(left < sizeof(chunk) ? left : sizeof(chunk)));
		if (n <= 0)
			break;
		if (buf_append(&r->body, chunk, (size_t)n) == -1) {
			resp_error(r, ERR_INTERNAL, "out of memory");
			return -1;
		}
	}
	if (!sized && r->body.len > max) {
		resp_error(r, ERR_BODY_TOO_LARGE, "the body is larger than %zu bytes", max);
		return -1;
	}
	if (sized && (long long)r->body.len != want) {
		resp_error(r, ERR_INCOMPLETE_BODY, "the body ended after %zu of %lld bytes",
		    r->body.len, want);
		return -1;
	}
	r->body_read = true;
	return 0;
}

/* Returns whether a Content-Type is application/json, with at most a utf-8 charset. */
static bool
content_type_json(const char *ct)
{
	const char	*p;
	size_t		 len;

	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return false;
	p = ct + 16;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return true;
	if (*p++ != ';')
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "charset=", 8) != 0)
		return false;
	p += 8;
	if (*p == '"')
		p++;
	if (strncasecmp(p, "utf-8", 5) != 0)
		return false;
	p += 5;
	len = strlen(p);
	return len == 0 || (len == 1 && *p == '"');
}

json_t *
req_json(struct req *r)
{
	json_error_t	 jerr;
	json_t		*j;

	if (!content_type_json(req_env(r, "CONTENT_TYPE"))) {
		resp_error(r, ERR_UNSUPPORTED_MEDIA_TYPE, "the body must be application/json");
		return NULL;
	}
	if (req_read_body(r, (size_t)r->ctx->conf.max_body) == -1)
		return NULL;
	if (!utf8_valid(buf_str(&r->body), r->body.len)) {
		resp_error(r, ERR_INVALID_UTF8, "the body is not valid UTF-8");
		return NULL;
	}
	j = json_loadb(buf_str(&r->body), r->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		switch (json_error_code(&jerr)) {
		case json_error_duplicate_key:
			resp_error(r, ERR_DUPLICATE_KEY, "a key appears twice in an object: %s",
			    jerr.text);
			break;
		case json_error_invalid_utf8:
			resp_error(r, ERR_INVALID_UTF8, "the body is not valid UTF-8");
			break;
		default:
			resp_error(r, ERR_INVALID_JSON, "the body is not valid JSON: %s at line %d",
			    jerr.text, jerr.line);
			break;
		}
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		resp_error(r, ERR_EXPECTED_OBJECT, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* Returns a word for a JSON type, for messages. */
static const char *
type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:	return "an integer";
	case JSON_REAL:		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:	return "a boolean";
	case JSON_NULL:		return "null";
	}
	return "a value";
}

int
req_check_fields(struct req *r, json_t *obj, const struct field *fields, size_t n)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	bool		 ok;

	json_object_foreach(obj, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		if (i == n) {
			resp_error(r, ERR_UNKNOWN_FIELD, "unknown field \"%s\"",
			    strlen(key) <= 64 ? key : "(a long name)");
			return -1;
		}
		if (json_is_null(v) && fields[i].nullable)
			continue;
		ok = fields[i].type == JSON_TRUE ? json_is_boolean(v) :
		    fields[i].type == JSON_REAL ? json_is_number(v) :
		    json_typeof(v) == fields[i].type;
		if (!ok) {
			resp_error(r, ERR_INVALID_TYPE, "field \"%s\" must be %s", key,
			    type_name(fields[i].type));
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		if (fields[i].required && json_object_get(obj, fields[i].name) == NULL) {
			resp_error(r, ERR_MISSING_FIELD, "field \"%s\" is required", fields[i].name);
			return -1;
		}
	}
	return 0;
}

const char *
req_string_field(struct req *r, json_t *obj, const char *name, size_t max)
{
	json_t	*v = json_object_get(obj, name);

	if (v == NULL || !json_is_string(v))
		return NULL;
	if (has_control(json_string_value(v), json_string_length(v), false)) {
		resp_error(r, ERR_CONTROL_CHARACTER, "field \"%s\" holds a control character",
		    name);
		return NULL;
	}
	if (json_string_length(v) > max) {
		resp_error(r, ERR_INVALID_FIELD, "field \"%s\" is longer than %zu bytes", name, max);
		return NULL;
	}
	return json_string_value(v);
}

bool
etag_matches(const char *header, const char *etag, bool weak)
{
	const char	*p = header, *end;
	size_t		 len = strlen(etag);
	bool		 is_weak;

	if (header == NULL)
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strcmp(p, "*") == 0)
		return true;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		is_weak = strncmp(p, "W/", 2) == 0;
		if (is_weak)
			p += 2;
		if (*p != '"')
			return false;
		if ((end = strchr(p + 1, '"')) == NULL)
			return false;
		/* Strong comparison (If-Match): a weak tag never matches; the next may. */
		if ((weak || !is_weak) && (size_t)(end + 1 - p) == len && strncmp(p, etag, len) == 0)
			return true;
		p = end + 1;
	}
	return false;
}

/* Returns whether the parameters p[0..len) of a list item give it the weight 0 (q=0, q=0.000). */
static bool
zero_weight(const char *p, size_t len)
{
	const char	*end = p + len, *q;

	for (q = p; q + 1 < end; q++) {
		if ((*q != 'q' && *q != 'Q') || (q > p && q[-1] != ';' && q[-1] != ' ' &&
		    q[-1] != '\t'))
			continue;
		for (q++; q < end && (*q == ' ' || *q == '\t'); q++)
			;
		if (q >= end || *q++ != '=')
			return false;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || *q++ != '0')
			return false;
		if (q < end && *q == '.')
			for (q++; q < end && *q == '0'; q++)
				;
		return q >= end || *q == ' ' || *q == '\t' || *q == ';';
	}
	return false;
}

bool
http_accepts_gzip(const char *ae)
{
	const char	*p = ae, *coding;
	size_t		 len, clen;
	bool		 taken = false;

	if (ae == NULL)
		return false;
	while (*p != '\0') {
		len = strcspn(p, ",");
		coding = p + strspn(p, " \t");
		clen = strcspn(coding, " \t;,");
		if ((clen == 4 && strncasecmp(coding, "gzip", 4) == 0) ||
		    (clen == 6 && strncasecmp(coding, "x-gzip", 6) == 0))
			taken = !zero_weight(coding + clen, len - (size_t)(coding - p) - clen);
		p += len;
		if (*p == ',')
			p++;
	}
	return taken;
}

/* Returns whether c may be inside an entity tag's quotes (RFC 9110 etagc). */
static bool
etagc(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

bool
etag_list_valid(const char *header)
{
	const char	*p = header;
	size_t		 tags = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '*') {
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		return *p == '\0';
	}
	/* #entity-tag: empty elements between commas are allowed, as RFC 9110 says. */
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return tags > 0;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p++ != '"')
			return false;
		while (etagc((unsigned char)*p))
			p++;
		if (*p++ != '"')
			return false;
		tags++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ',' && *p != '\0')
			return false;
	}
}

int
req_etag_header(struct req *r, const char *name, const char **value)
{
	const char	*header = strcmp(name, "HTTP_IF_MATCH") == 0 ? "If-Match" :
			    "If-None-Match";

	if ((*value = req_env(r, name)) == NULL || etag_list_valid(*value))
		return 0;
	resp_error(r, ERR_INVALID_PRECONDITION, "%s must be * or a list of quoted ETags, "
	    "such as \"abc\" or W/\"abc\", as sent in ETag", header);
	*value = NULL;
	return -1;
}

/* Drops any response set so far. */
static void
resp_reset(struct req *r)
{
	buf_reset(&r->headers);
	buf_reset(&r->out);
	r->cache_control = false;
	r->sendfile = false;
	r->content_type = NULL;
}

int
resp_header(struct req *r, const char *name, const char *fmt, ...)
{
	struct buf	 v = BUF_INIT;
	va_list		 ap;
	int		 rc = -1;

	va_start(ap, fmt);
	if (buf_vprintf(&v, fmt, ap) == -1)
		goto out;
	if (strpbrk(buf_str(&v), "\r\n") != NULL || memchr(v.data, '\0', v.len) != NULL) {
		log_msg("refused a %s header holding a line break", name);
		goto out;
	}
	if (strcasecmp(name, "Cache-Control") == 0)
		r->cache_control = true;
	rc = buf_printf(&r->headers, "%s: %s\r\n", name, buf_str(&v));
out:
	va_end(ap);
	buf_free(&v);
	return rc;
}

void
resp_json(struct req *r, int status, json_t *body)
{
	char	*s;

	if (body == NULL || (s = json_dumps(body, JSON_COMPACT)) == NULL) {
		json_decref(body);
		resp_error(r, ERR_INTERNAL, "out of memory");
		return;
	}
	json_decref(body);
	r->status = status;
	r->content_type = "application/json";
	buf_reset(&r->out);
	buf_puts(&r->out, s);
	free(s);
}

void
resp_error(struct req *r, enum err e, const char *fmt, ...)
{
	const struct err_info	*info = err_info(e);
	struct buf		 msg = BUF_INIT;
	va_list			 ap;
	json_t			*body;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	/* A message quoting the client's bytes stays valid UTF-8 for the body. */
	while (msg.len > 0 && !utf8_valid(msg.data, msg.len))
		msg.data[--msg.len] = '\0';
	resp_reset(r);
	switch (e) {
	case ERR_MISSING_TOKEN:
		resp_header(r, "WWW-Authenticate", "Bearer realm=\"quire\"");
		break;
	case ERR_INVALID_TOKEN:
		resp_header(r, "WWW-Authenticate",
		    "Bearer realm=\"quire\", error=\"invalid_token\", error_description=\"%s\"",
		    buf_str(&msg));
		break;
	case ERR_UNAVAILABLE:
		resp_header(r, "Retry-After", "1");
		break;
	default:
		break;
	}
	body = json_pack("{s:{s:s, s:s, s:i}}", "error", "code", info->code,
	    "message", buf_str(&msg), "status", info->status);
	buf_free(&msg);
	if (body == NULL) {
		r->status = 500;
		return;
	}
	resp_json(r, info->status, body);
}

void
resp_empty(struct req *r, int status)
{
	r->status = status;
	r->content_type = NULL;
	buf_reset(&r->out);
}

void
resp_body(struct req *r, int status, const char *content_type, const char *data, size_t len)
{
	r->status = status;
	r->content_type = content_type;
	buf_reset(&r->out);
	if (buf_append(&r->out, data, len) == -1)
		resp_error(r, ERR_INTERNAL, "out of memory");
}

void
resp_sendfile(struct req *r, const char *path, const char *content_type)
{
	resp_empty(r, 200);
	r->content_type = content_type;
	r->sendfile = true;
	resp_header(r, "X-Sendfile", "%s", path);
}

int
resp_serialize(const struct req *r, struct buf *out)
{
	bool	 has_body = r->status != 204 && r->status != 304 && !r->sendfile;
	int	 rc = 0;

	rc |= buf_printf(out, "Status: %d %s\r\n", r->status, http_reason(r->status));
	if (r->content_type != NULL)
		rc |= buf_printf(out, "Content-Type: %s\r\n", r->content_type);
	if (has_body)
		rc |= buf_printf(out, "Content-Length: %zu\r\n", r->out.len);
	rc |= buf_printf(out, "X-Request-Id: %s\r\n", r->request_id);
	rc |= buf_puts(out, "X-Content-Type-Options: nosniff\r\n");
	if (!r->cache_control)
		rc |= buf_puts(out, "Cache-Control: no-store\r\n");
	rc |= buf_append(out, buf_str(&r->headers), r->headers.len);
	rc |= buf_puts(out, "\r\n");
	if (has_body && !r->head)
		rc |= buf_append(out, buf_str(&r->out), r->out.len);
	return rc == 0 ? 0 : -1;
}
