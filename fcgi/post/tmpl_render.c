/*
 * Rendering a compiled template: a walk over its ops with a stack of
 * contexts, each value written with the escaping its op was given at parse
 * time. Bounded in output, steps, stack depth and partial depth.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "esc.h"
#include "tmpl_int.h"

struct walk {
	const struct tmpl_limits *lim;
	struct buf		*out;
	size_t			 start;		/* out->len when rendering began */
	size_t			 steps;
	const struct tmpl_val	*stack[TMPL_STACK_MAX];
	size_t			 depth;
	int			 partials;
	char			*err;
	size_t			 errlen;
};

/* Sets err to "file:line: message". Returns -1. */
static int __attribute__((format(printf, 4, 5)))
walk_error(struct walk *w, const struct tmpl *t, uint32_t line, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[200];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s:%u: %s", t->name, line, msg);
	return -1;
}

/* Returns the field key[0..len) of map v, or NULL. */
static const struct tmpl_val *
map_get(const struct tmpl_val *v, const char *key, size_t len)
{
	const struct tmpl_node	*n;

	if (v->kind != TV_MAP)
		return NULL;
	for (n = v->u.kids.head; n != NULL; n = n->next)
		if (n->keylen == len && memcmp(n->key, key, len) == 0)
			return &n->val;
	return NULL;
}

/*
 * Returns the value of name[0..len): "." is the top of the stack; a.b.c is
 * a looked up from the top down, then b and c inside it. NULL when missing.
 */
static const struct tmpl_val *
lookup(const struct walk *w, const char *name, size_t len)
{
	const struct tmpl_val	*v = NULL;
	const char		*dot, *end = name + len;
	size_t			 d, seg;

	if (len == 1 && name[0] == '.')
		return w->stack[w->depth - 1];
	dot = memchr(name, '.', len);
	seg = dot != NULL ? (size_t)(dot - name) : len;
	for (d = w->depth; d > 0 && v == NULL; d--)
		v = map_get(w->stack[d - 1], name, seg);
	while (v != NULL && dot != NULL) {
		name = dot + 1;
		dot = memchr(name, '.', (size_t)(end - name));
		seg = dot != NULL ? (size_t)(dot - name) : (size_t)(end - name);
		v = map_get(v, name, seg);
	}
	return v;
}

/* Returns whether a section over v renders (at least once). */
static bool
truthy(const struct tmpl_val *v)
{
	if (v == NULL)
		return false;
	switch (v->kind) {
	case TV_NULL:	return false;
	case TV_BOOL:	return v->u.b;
	case TV_INT:	return v->u.i != 0;
	case TV_TEXT:
	case TV_HTML:	return v->u.str.len > 0;
	case TV_LIST:	return v->u.kids.n > 0;
	case TV_MAP:	return true;
	}
	return false;
}

/* Appends v as a whole JSON value (lists and maps deeper than depth as null). Returns 0 or -1. */
static int
json_value(struct buf *b, const struct tmpl_val *v, int depth)
{
	const struct tmpl_node	*n;

	if (v == NULL)
		return buf_puts(b, "null");
	switch (v->kind) {
	case TV_NULL:
		return buf_puts(b, "null");
	case TV_BOOL:
		return buf_puts(b, v->u.b ? "true" : "false");
	case TV_INT:
		return buf_printf(b, "%lld", v->u.i);
	case TV_TEXT:
	case TV_HTML:
		return buf_puts(b, "\"") == -1 || esc_json_str(b, v->u.str.s, v->u.str.len) == -1 ||
		    buf_puts(b, "\"") == -1 ? -1 : 0;
	case TV_LIST:
	case TV_MAP:
		if (depth == 0)
			return buf_puts(b, "null");
		if (buf_puts(b, v->kind == TV_LIST ? "[" : "{") == -1)
			return -1;
		for (n = v->u.kids.head; n != NULL; n = n->next) {
			if (n != v->u.kids.head && buf_puts(b, ",") == -1)
				return -1;
			if (n->key != NULL && (buf_puts(b, "\"") == -1 ||
			    esc_json_str(b, n->key, n->keylen) == -1 || buf_puts(b, "\":") == -1))
				return -1;
			if (json_value(b, &n->val, depth - 1) == -1)
				return -1;
		}
		return buf_puts(b, v->kind == TV_LIST ? "]" : "}");
	}
	return 0;
}

/* Appends v escaped as esc says. Returns 0 or -1 (out of memory). */
static int
emit(struct buf *b, const struct tmpl_val *v, enum tmpl_esc esc)
{
	const char	*s;
	size_t		 len;

	if (esc == ESC_JSON)
		return json_value(b, v, TMPL_JSON_DEPTH);
	if (v == NULL)
		return 0;
	switch (v->kind) {
	case TV_NULL:
	case TV_LIST:
	case TV_MAP:
		return 0;
	case TV_BOOL:
	case TV_INT:
		return json_value(b, v, 0);	/* true, false, digits: the same everywhere */
	case TV_TEXT:
	case TV_HTML:
		break;
	}
	s = v->u.str.s;
	len = v->u.str.len;
	switch (esc) {
	case ESC_TEXT:
		return v->kind == TV_HTML ? buf_append(b, s, len) : esc_html(b, s, len);
	case ESC_RCDATA:
		return esc_html(b, s, len);
	case ESC_URL:
		return esc_url(b, s, len);
	case ESC_URL_PART:
		return esc_url_part(b, s, len);
	case ESC_SRCSET:
		return esc_srcset(b, s, len);
	case ESC_JSON:
	case ESC_JSON_STR:
		return esc_json_str(b, s, len);
	}
	return 0;
}

/* Renders ops [from, to) of t. Returns 0 or -1 with err set. */
static int
walk_ops(struct walk *w, const struct tmpl *t, size_t from, size_t to)
{
	const struct tmpl_op	*op;
	const struct tmpl_val	*v;
	const struct tmpl_node	*n;
	size_t			 i;
	int			 rc;

	for (i = from; i < to; i++) {
		op = &t->ops[i];
		if (++w->steps > w->lim->steps_max)
			return walk_error(w, t, op->line, "more than %zu steps", w->lim->steps_max);
		rc = 0;
		switch (op->kind) {
		case OP_TEXT:
			rc = buf_append(w->out, t->src + op->off, op->len);
			break;
		case OP_VAR:
			rc = emit(w->out, lookup(w, t->src + op->off, op->len), op->esc);
			break;
		case OP_SECTION:
		case OP_INVERTED:
			v = lookup(w, t->src + op->off, op->len);
			if (op->kind == OP_INVERTED) {
				if (!truthy(v) && walk_ops(w, t, i + 1, op->end) == -1)
					return -1;
			} else if (truthy(v)) {
				if (w->depth == TMPL_STACK_MAX)
					return walk_error(w, t, op->line, "sections nested deeper "
					    "than %d", TMPL_STACK_MAX);
				n = v->kind == TV_LIST ? v->u.kids.head : NULL;
				do {
					w->stack[w->depth++] = n != NULL ? &n->val : v;
					rc = walk_ops(w, t, i + 1, op->end);
					w->depth--;
					if (rc == -1)
						return -1;
				} while (n != NULL && (n = n->next) != NULL);
			}
			i = op->end - 1;
			break;
		case OP_PARTIAL:
			if (op->partial == NULL)
				return walk_error(w, t, op->line, "the set was not linked");
			if (w->partials == TMPL_PARTIAL_DEPTH)
				return walk_error(w, t, op->line, "partials nested deeper than %d",
				    TMPL_PARTIAL_DEPTH);
			w->partials++;
			rc = walk_ops(w, op->partial, 0, op->partial->nops);
			w->partials--;
			if (rc == -1)
				return -1;
			break;
		}
		if (rc == -1)
			return walk_error(w, t, op->line, "out of memory");
		if (w->out->len - w->start > w->lim->output_max)
			return walk_error(w, t, op->line, "the page is larger than %zu bytes",
			    w->lim->output_max);
	}
	return 0;
}

int
tmpl_render(const struct tmpl *t, const struct tmpl_data *data, const struct tmpl_limits *lim,
    struct buf *out, char *err, size_t errlen)
{
	struct walk	 w;

	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.out = out;
	w.start = out->len;
	w.err = err;
	w.errlen = errlen;
	if (tmpl_data_failed(data)) {
		snprintf(err, errlen, "%s:1: the page's data could not be built (out of memory)",
		    t->name);
		return -1;
	}
	w.stack[w.depth++] = tmpl_data_root((struct tmpl_data *)data);
	return walk_ops(&w, t, 0, t->nops);
}
