/*
 * fuzz: what the libFuzzer harnesses of tests/fuzz share.
 *
 * Each harness is one file, tests/fuzz/NAME/fuzz.c: it hands the input to
 * one parser and checks what must hold of the result with FUZZ_ASSERT. A
 * failed check aborts, and libFuzzer reports it like a sanitizer's report or
 * a timeout: as a finding, with the input saved.
 *
 * Inputs that begin with "#!rep\n" are expanded first (fuzz_input), so that
 * a few bytes can stand for the large, repetitive bodies that make a parser
 * slow: each following line is "COUNT*PIECE" (or PIECE, once), PIECE with
 * the escapes \n \r \t \\ \0 \xHH, and \# for the repetition's index as 12
 * decimal digits (distinct keys, distinct ids). After "#!max\n" the counts
 * are proportions: all of them are multiplied by one factor so that the
 * whole is as large as the harness allows, where a cost that grows faster
 * than the input shows most (a seed "1*>\n1*![](media:…)" is half a body
 * of '>' and half of images).
 */
#ifndef QUIRE_FUZZ_H
#define QUIRE_FUZZ_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "http.h"
#include "srv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts with a message when cond is false: a finding. */
#define FUZZ_ASSERT(cond, ...) do {						\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: invariant failed: %s\n  ", __FILE__,	\
		    __LINE__, #cond);						\
		fprintf(stderr, __VA_ARGS__);					\
		fputc('\n', stderr);						\
		abort();							\
	}									\
} while (0)

#define FUZZ_REP_MAGIC	"#!rep\n"
#define FUZZ_MAX_MAGIC	"#!max\n"	/* as long as FUZZ_REP_MAGIC */

/* Decodes the PIECE of one expansion line [p, end) into out. Returns 0, or -1 when out of memory. */
static inline int
fuzz_piece(const char *p, const char *end, struct buf *out, size_t index)
{
	char	 c, hex[3] = { 0 }, num[16];

	for (; p < end; p++) {
		if (*p != '\\' || p + 1 == end) {
			if (buf_append(out, p, 1) == -1)
				return -1;
			continue;
		}
		switch ((c = *++p)) {
		case 'n':	c = '\n'; break;
		case 'r':	c = '\r'; break;
		case 't':	c = '\t'; break;
		case '0':	c = '\0'; break;
		case '#':
			snprintf(num, sizeof(num), "%012zu", index % 1000000000000u);
			if (buf_puts(out, num) == -1)
				return -1;
			continue;
		case 'x':
			if (end - p >= 3) {
				hex[0] = p[1];
				hex[1] = p[2];
				c = (char)strtol(hex, NULL, 16);
				p += 2;
			}
			break;
		default:
			break;
		}
		if (buf_append(out, &c, 1) == -1)
			return -1;
	}
	return 0;
}

/*
 * Reads the count of the line at *p (up to eol): "N*" moves *p past it and
 * sets *starred; else the count is 1.
 */
static inline unsigned long
fuzz_count(const char **p, const char *eol, bool *starred)
{
	const char	*star = memchr(*p, '*', (size_t)(eol - *p));
	unsigned long	 n;

	*starred = star != NULL && star > *p &&
	    strspn(*p, "0123456789") == (size_t)(star - *p);
	if (!*starred)
		return 1;
	n = strtoul(*p, NULL, 10);
	*p = star + 1;
	return n;
}

/*
 * Returns the factor by which the counts of the starred lines of an
 * expansion s[0..len) (after its magic line) are multiplied so that the
 * whole fills max bytes ("#!max"), at least 1.
 */
static inline unsigned long
fuzz_scale(const char *s, size_t len, size_t max)
{
	const char	*p = (const char *)memchr(s, '\n', len) + 1, *end = s + len, *eol;
	struct buf	 piece = BUF_INIT;
	unsigned long	 n, k;
	size_t		 fixed = 0, scaled = 0;
	bool		 starred;

	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		n = fuzz_count(&p, eol, &starred);
		buf_reset(&piece);
		if (fuzz_piece(p, eol, &piece, 0) == -1)
			abort();
		if (!starred)
			fixed += piece.len;
		else if (piece.len > 0)
			scaled += n == 0 ? 0 : n > max / piece.len ? max : n * piece.len;
		if (fixed > max || scaled > max || eol == end)
			break;
	}
	buf_free(&piece);
	k = scaled > 0 && fixed < max ? (unsigned long)((max - fixed) / scaled) : 1;
	return k > 0 ? k : 1;
}

/*
 * Expands the lines of s[0..len) after its magic line into out, each
 * starred count multiplied by scale, up to max bytes (the rest is cut).
 * Returns 0, or -1 when out of memory.
 */
static inline int
fuzz_expand(const char *s, size_t len, size_t max, unsigned long scale, struct buf *out)
{
	const char	*p = (const char *)memchr(s, '\n', len) + 1, *end = s + len, *eol;
	struct buf	 piece = BUF_INIT;
	unsigned long	 count, i;
	bool		 indexed, starred;

	for (; p < end && out->len < max; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		count = fuzz_count(&p, eol, &starred);
		if (starred)
			count = count > ULONG_MAX / scale ? ULONG_MAX : count * scale;
		indexed = memmem(p, (size_t)(eol - p), "\\#", 2) != NULL;
		for (i = 0; i < count && out->len < max; i++) {
			if ((i == 0 || indexed) && (buf_reset(&piece),
			    fuzz_piece(p, eol, &piece, i)) == -1)
				goto oom;
			if (piece.len == 0)
				break;
			if (buf_append(out, piece.data, piece.len) == -1)
				goto oom;
		}
		if (eol == end)
			break;
	}
	if (out->len > max) {
		out->len = max;
		out->data[max] = '\0';
	}
	buf_free(&piece);
	return 0;
oom:
	buf_free(&piece);
	return -1;
}

/*
 * Returns a copy of the input (to free), expanded when it asks for it,
 * exactly *len bytes long, so that a read past its end is caught; with nul
 * a NUL follows them (for parsers of strings).
 */
static inline char *
fuzz_input(const uint8_t *data, size_t size, size_t max, bool nul, size_t *len)
{
	const size_t	 magic = strlen(FUZZ_REP_MAGIC);
	struct buf	 b = BUF_INIT;
	const char	*src = (const char *)data;
	char		*out;
	bool		 rep, fill;

	*len = size;
	rep = size >= magic && memcmp(data, FUZZ_REP_MAGIC, magic) == 0;
	fill = size >= magic && memcmp(data, FUZZ_MAX_MAGIC, magic) == 0;
	if (rep || fill) {
		if (fuzz_expand(src, size, max, fill ? fuzz_scale(src, size, max) : 1, &b) == -1)
			abort();
		src = buf_str(&b);
		*len = b.len;
	}
	if ((out = malloc(*len + (nul ? 1 : 0) + (*len == 0))) == NULL)
		abort();
	memcpy(out, src, *len);
	if (nul)
		out[*len] = '\0';
	buf_free(&b);
	return out;
}

/* Returns a NUL-terminated copy of data (to free); it may hold other NULs. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A request body in memory, read in pieces as from a socket. */
struct fuzz_body {
	const char	*p;
	size_t		 len, off;
};

static inline int
fuzz_body_read(void *arg, char *out, int n)
{
	struct fuzz_body *b = arg;
	size_t		 k = b->len - b->off;

	if (k > (size_t)n)
		k = (size_t)n;
	memcpy(out, b->p + b->off, k);
	b->off += k;
	return (int)k;
}

/* Sets up r as a request of env ("NAME=value" strings, NULL last) and body. */
static inline void
fuzz_req(struct req *r, struct ctx *ctx, char **env, struct fuzz_body *body)
{
	if (req_init(r, ctx, env, fuzz_body_read, body) == -1)
		abort();
}

/* Checks that r holds an error response in the one shape, with a 4xx status. */
static inline void
fuzz_check_error(const struct req *r)
{
	json_t	*j, *e;

	FUZZ_ASSERT(r->status >= 400 && r->status < 500, "status %d", r->status);
	j = json_loadb(buf_str(&r->out), r->out.len, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_ASSERT(j != NULL, "the error body is not JSON: %s", buf_str(&r->out));
	e = json_object_get(j, "error");
	FUZZ_ASSERT(json_is_string(json_object_get(e, "code")) &&
	    json_is_string(json_object_get(e, "message")) &&
	    json_integer_value(json_object_get(e, "status")) == r->status,
	    "not the error shape: %s", buf_str(&r->out));
	json_decref(j);
}

#endif
