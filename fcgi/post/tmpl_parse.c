/*
 * Parsing templates into their compiled form (a flat array of ops, each
 * section knowing where its body ends, each value its escaping), and sets
 * of templates whose partials are linked by pointer. See tmpl.h for the
 * syntax; tmpl_html.c decides the escaping of each value.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "tmpl_int.h"

#define NAME_MAX_LEN	128	/* bytes of a value's name */

struct open_section {
	size_t		 op;		/* index of its OP_SECTION or OP_INVERTED */
	struct hctx	 h;		/* the HTML context where it began */
};

struct parser {
	struct tmpl		*t;
	const char		*s;
	size_t			 len;
	size_t			 pos;		/* where lines were counted up to */
	uint32_t		 line;		/* the line of pos */
	struct hctx		 h;
	struct open_section	 open[TMPL_NEST_MAX];
	size_t			 nopen;
	char			*err;
	size_t			 errlen;
};

struct tmpl_set {
	struct tmpl	*t[TMPL_SET_MAX];
	char		*name[TMPL_SET_MAX];
	size_t		 n;
};

/* Sets err to "file:line: message". Returns -1. */
static int __attribute__((format(printf, 3, 4)))
parse_error(struct parser *p, uint32_t line, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%u: %s", p->t->name, line, msg);
	return -1;
}

/* Returns the line of offset off (>= the last one asked). */
static uint32_t
line_at(struct parser *p, size_t off)
{
	const char	*nl;

	while ((nl = memchr(p->s + p->pos, '\n', off - p->pos)) != NULL) {
		p->line++;
		p->pos = (size_t)(nl - p->s) + 1;
	}
	p->pos = off;
	return p->line;
}

/* Appends an op. Returns its index, or -1 with err set. */
static long
op_add(struct parser *p, enum tmpl_op_kind kind, uint32_t line, size_t off, size_t len)
{
	struct tmpl	*t = p->t;
	struct tmpl_op	*ops;
	size_t		 cap;

	if (t->nops == t->cap) {
		cap = t->cap ? t->cap * 2 : 32;
		if ((ops = realloc(t->ops, cap * sizeof(*ops))) == NULL)
			return parse_error(p, line, "out of memory");
		t->ops = ops;
		t->cap = cap;
	}
	memset(&t->ops[t->nops], 0, sizeof(t->ops[0]));
	t->ops[t->nops].kind = kind;
	t->ops[t->nops].line = line;
	t->ops[t->nops].off = (uint32_t)off;
	t->ops[t->nops].len = (uint32_t)len;
	return (long)t->nops++;
}

/* Adds the literal text s[from..to), scanned as HTML. Returns 0 or -1. */
static int
text_add(struct parser *p, size_t from, size_t to)
{
	uint32_t	 line;
	char		 msg[200];

	if (from >= to)
		return 0;
	line = line_at(p, from);
	if (hctx_scan(&p->h, p->s + from, to - from, line, msg, sizeof(msg)) == -1)
		return parse_error(p, p->h.line, "%s", msg);
	return op_add(p, OP_TEXT, line, from, to - from) == -1 ? -1 : 0;
}

/* Returns whether n[0..len) is a value's name: "." or dotted words of [A-Za-z0-9_-]. */
static bool
name_ok(const char *n, size_t len, bool dots)
{
	size_t	 i;

	if (len == 1 && n[0] == '.')
		return dots;
	if (len == 0 || len > NAME_MAX_LEN || n[0] == '.' || n[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		if (n[i] == '.') {
			if (!dots || n[i + 1] == '.')
				return false;
		} else if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		    (n[i] >= '0' && n[i] <= '9') || n[i] == '_' || n[i] == '-'))
			return false;
	}
	return true;
}

/*
 * Whether the tag at s[open..close+2) stands alone on its line; if so sets
 * *from to the line's start and *to past its end.
 */
static bool
standalone(const struct parser *p, size_t text_start, size_t open, size_t close, size_t *from,
    size_t *to)
{
	size_t	 a = open, b = close + 2;

	while (a > text_start && (p->s[a - 1] == ' ' || p->s[a - 1] == '\t'))
		a--;
	/* At a line's start; a tag just before on the line leaves a '}' there. */
	if (a > 0 && p->s[a - 1] != '\n')
		return false;
	while (b < p->len && (p->s[b] == ' ' || p->s[b] == '\t'))
		b++;
	if (b < p->len && p->s[b] == '\r' && b + 1 < p->len && p->s[b + 1] == '\n')
		b++;
	if (b < p->len && p->s[b] != '\n')
		return false;
	*from = a;
	*to = b < p->len ? b + 1 : b;
	return true;
}

/* Handles one tag, s[open..close) being what is between the braces. Returns 0 or -1. */
static int
tag_add(struct parser *p, size_t open, size_t close, uint32_t line)
{
	const char		*s = p->s, *why;
	char			 sigil = s[open];
	size_t			 a, b;
	enum hplace		 place;
	enum tmpl_esc		 esc;
	struct open_section	*o;
	struct tmpl_op		*op;
	long			 i;

	if (sigil == '!')
		return 0;
	if (sigil == '{' || sigil == '&')
		return parse_error(p, line, "{{%c…}} is not supported: every value is escaped, and "
		    "only the data can mark one as safe HTML", sigil);
	if (sigil == '=')
		return parse_error(p, line, "changing the delimiters is not supported");
	a = open + (strchr("#^/>", sigil) != NULL && sigil != '\0' ? 1 : 0);
	b = close;
	while (a < b && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	if (!name_ok(s + a, b - a, sigil != '>'))
		return parse_error(p, line, "\"%.*s\" is not a name (letters, digits, '_', '-'%s)",
		    (int)(b - a > 40 ? 40 : b - a), s + a, sigil != '>' ? ", '.' between them" : "");
	place = hctx_place(&p->h, &esc, &why);
	switch (sigil) {
	case '#':
	case '^':
		if (place == HP_NOTHING)
			return parse_error(p, line, "%s", why);
		if (p->nopen == TMPL_NEST_MAX)
			return parse_error(p, line, "sections nested deeper than %d", TMPL_NEST_MAX);
		if ((i = op_add(p, sigil == '#' ? OP_SECTION : OP_INVERTED, line, a, b - a)) == -1)
			return -1;
		p->open[p->nopen].op = (size_t)i;
		p->open[p->nopen].h = p->h;
		p->nopen++;
		return 0;
	case '/':
		if (p->nopen == 0)
			return parse_error(p, line, "{{/%.*s}} closes no section", (int)(b - a), s + a);
		o = &p->open[p->nopen - 1];
		op = &p->t->ops[o->op];
		if (op->len != b - a || memcmp(s + op->off, s + a, b - a) != 0)
			return parse_error(p, line, "{{/%.*s}} closes {{%c%.*s}} of line %u",
			    (int)(b - a), s + a, op->kind == OP_SECTION ? '#' : '^', (int)op->len,
			    s + op->off, op->line);
		if (place == HP_NOTHING)
			return parse_error(p, line, "%s", why);
		if (hctx_join(&o->h, &p->h) == -1)
			return parse_error(p, line, "the section {{%c%.*s}} of line %u ends in "
			    "another place of the HTML than it began (a tag, attribute, comment or "
			    "element it opens must close inside it)", op->kind == OP_SECTION ? '#' :
			    '^', (int)op->len, s + op->off, op->line);
		p->h = o->h;
		op->end = (uint32_t)p->t->nops;
		p->nopen--;
		return 0;
	case '>':
		if (place != HP_ANY)
			return parse_error(p, line, "a partial can only stand in HTML text");
		return op_add(p, OP_PARTIAL, line, a, b - a) == -1 ? -1 : 0;
	}
	if (place != HP_ANY && place != HP_VALUE)
		return parse_error(p, line, "%s", why);
	if ((i = op_add(p, OP_VAR, line, a, b - a)) == -1)
		return -1;
	p->t->ops[i].esc = esc;
	hctx_value(&p->h);
	return 0;
}

/* Returns the offset of the first byte of s[0..len) that is not well-formed UTF-8 or is NUL, or len. */
static size_t
utf8_bad(const char *s, size_t len)
{
	size_t		 i = 0, n;
	uint32_t	 cp;

	while (i < len) {
		if ((n = esc_utf8_next(s + i, len - i, &cp)) == 0 || cp == 0)
			return i;
		i += n;
	}
	return len;
}

/* Parses p->s into p->t. Returns 0 or -1 with err set. */
static int
parse(struct parser *p)
{
	const char	*s = p->s, *o, *c;
	size_t		 text_start = 0, open, close, from, to, bad;
	uint32_t	 line;

	if ((bad = utf8_bad(s, p->len)) < p->len)
		return parse_error(p, line_at(p, bad), "not UTF-8 (or a NUL byte)");
	hctx_init(&p->h);
	for (;;) {
		o = memmem(s + text_start, p->len - text_start, "{{", 2);
		if (o == NULL)
			break;
		open = (size_t)(o - s);
		if ((c = memmem(o + 2, p->len - open - 2, "}}", 2)) == NULL)
			return parse_error(p, line_at(p, open), "a \"{{\" with no \"}}\"");
		close = (size_t)(c - s);
		if (close == open + 2)
			return parse_error(p, line_at(p, open), "an empty tag");
		if (strchr("#^/>!", s[open + 2]) == NULL ||
		    !standalone(p, text_start, open, close, &from, &to)) {
			from = open;
			to = close + 2;
		}
		if (text_add(p, text_start, from) == -1)
			return -1;
		line = line_at(p, open);
		if (tag_add(p, open + 2, close, line) == -1)
			return -1;
		text_start = to;
	}
	if (text_add(p, text_start, p->len) == -1)
		return -1;
	if (p->nopen > 0) {
		struct tmpl_op *op = &p->t->ops[p->open[p->nopen - 1].op];

		return parse_error(p, op->line, "{{%c%.*s}} is not closed",
		    op->kind == OP_SECTION ? '#' : '^', (int)op->len, s + op->off);
	}
	{
		char	 msg[200];

		if (hctx_end(&p->h, msg, sizeof(msg)) == -1)
			return parse_error(p, p->h.line, "%s", msg);
	}
	return 0;
}

int
tmpl_parse(const char *name, const char *text, size_t len, struct tmpl **out, char *err,
    size_t errlen)
{
	struct parser	 p;
	struct tmpl	*t;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL || (t->name = strdup(name)) == NULL ||
	    (t->src = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "%s:1: out of memory", name);
		tmpl_free(t);
		return -1;
	}
	memcpy(t->src, text, len);
	t->src[len] = '\0';
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.s = t->src;
	p.len = len;
	p.line = 1;
	p.err = err;
	p.errlen = errlen;
	if (len > TMPL_SOURCE_MAX) {
		parse_error(&p, 1, "larger than %d bytes", TMPL_SOURCE_MAX);
		tmpl_free(t);
		return -1;
	}
	if (parse(&p) == -1) {
		tmpl_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->src);
	free(t->ops);
	free(t);
}

struct tmpl_set *
tmpl_set_new(void)
{
	return calloc(1, sizeof(struct tmpl_set));
}

void
tmpl_set_free(struct tmpl_set *set)
{
	size_t	 i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		tmpl_free(set->t[i]);
		free(set->name[i]);
	}
	free(set);
}

/* Returns the index of name[0..len) in set, or -1. */
static long
set_find(const struct tmpl_set *set, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		if (strlen(set->name[i]) == len && memcmp(set->name[i], name, len) == 0)
			return (long)i;
	return -1;
}

int
tmpl_set_add(struct tmpl_set *set, const char *name, struct tmpl *t, char *err, size_t errlen)
{
	char	*copy;

	if (set_find(set, name, strlen(name)) != -1) {
		snprintf(err, errlen, "%s:1: a second template called \"%s\"", t->name, name);
		tmpl_free(t);
		return -1;
	}
	if (set->n == TMPL_SET_MAX || strlen(name) >= TMPL_NAME_MAX) {
		snprintf(err, errlen, "%s:1: more than %d templates, or a name longer than %d bytes",
		    t->name, TMPL_SET_MAX, TMPL_NAME_MAX - 1);
		tmpl_free(t);
		return -1;
	}
	if ((copy = strdup(name)) == NULL) {
		snprintf(err, errlen, "%s:1: out of memory", t->name);
		tmpl_free(t);
		return -1;
	}
	set->t[set->n] = t;
	set->name[set->n] = copy;
	set->n++;
	return 0;
}

const struct tmpl *
tmpl_set_get(const struct tmpl_set *set, const char *name)
{
	long	 i = set_find(set, name, strlen(name));

	return i == -1 ? NULL : set->t[i];
}

/*
 * Walks the partials of template i depth first (color: 0 unseen, 1 on the
 * path, 2 done). Returns 0, or -1 with err set at the partial that closes a
 * cycle.
 */
static int
cycle_check(const struct tmpl_set *set, size_t i, unsigned char color[], char *err,
    size_t errlen)
{
	const struct tmpl	*t = set->t[i];
	size_t			 k;
	long			 j;

	color[i] = 1;
	for (k = 0; k < t->nops; k++) {
		if (t->ops[k].kind != OP_PARTIAL)
			continue;
		j = set_find(set, t->src + t->ops[k].off, t->ops[k].len);
		if (color[j] == 1) {
			snprintf(err, errlen, "%s:%u: the partial \"%s\" includes itself", t->name,
			    t->ops[k].line, set->name[j]);
			return -1;
		}
		if (color[j] == 0 && cycle_check(set, (size_t)j, color, err, errlen) == -1)
			return -1;
	}
	color[i] = 2;
	return 0;
}

int
tmpl_set_link(struct tmpl_set *set, char *err, size_t errlen)
{
	unsigned char	 color[TMPL_SET_MAX] = { 0 };
	struct tmpl_op	*op;
	size_t		 i, k;
	long		 j;

	for (i = 0; i < set->n; i++)
		for (k = 0; k < set->t[i]->nops; k++) {
			op = &set->t[i]->ops[k];
			if (op->kind != OP_PARTIAL)
				continue;
			if ((j = set_find(set, set->t[i]->src + op->off, op->len)) == -1) {
				snprintf(err, errlen, "%s:%u: the partial \"%.*s\" does not exist",
				    set->t[i]->name, op->line, (int)op->len, set->t[i]->src + op->off);
				return -1;
			}
			op->partial = set->t[j];
		}
	for (i = 0; i < set->n; i++)
		if (color[i] == 0 && cycle_check(set, i, color, err, errlen) == -1)
			return -1;
	return 0;
}
