/*
 * The data a template renders: a tree of values (maps, lists, texts, safe
 * HTML, numbers, booleans) in one arena, freed at once. A failed
 * allocation marks the data and hands out a stand-in, so a page builder
 * checks once, at the end (tmpl_render refuses failed data).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_int.h"

#define CHUNK_SIZE	16384

struct chunk {
	struct chunk	*next;
	size_t		 used, size;
	/* the memory follows, aligned as max_align_t */
	max_align_t	 mem[];
};

struct tmpl_data {
	struct chunk	*chunks;
	struct tmpl_val	 root;
	struct tmpl_val	 scratch;	/* handed out after a failure */
	bool		 failed;
};

struct tmpl_data *
tmpl_data_new(void)
{
	struct tmpl_data *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->root.kind = TV_MAP;
	d->scratch.kind = TV_NULL;
	return d;
}

void
tmpl_data_free(struct tmpl_data *d)
{
	struct chunk	*c, *next;

	if (d == NULL)
		return;
	for (c = d->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(d);
}

struct tmpl_val *
tmpl_data_root(struct tmpl_data *d)
{
	return &d->root;
}

bool
tmpl_data_failed(const struct tmpl_data *d)
{
	return d->failed;
}

/* Returns size bytes of the arena (aligned), or NULL with the data marked failed. */
static void *
arena_alloc(struct tmpl_data *d, size_t size)
{
	struct chunk	*c = d->chunks;
	size_t		 align = sizeof(max_align_t), csize;
	void		*p;

	size = (size + align - 1) / align * align;
	if (c == NULL || c->size - c->used < size) {
		csize = size > CHUNK_SIZE ? size : CHUNK_SIZE;
		if ((c = malloc(sizeof(*c) + csize)) == NULL) {
			d->failed = true;
			return NULL;
		}
		c->size = csize;
		c->used = 0;
		/* A large block goes behind the current chunk, which keeps its room. */
		if (csize > CHUNK_SIZE && d->chunks != NULL) {
			c->next = d->chunks->next;
			d->chunks->next = c;
		} else {
			c->next = d->chunks;
			d->chunks = c;
		}
	}
	p = (char *)c->mem + c->used;
	c->used += size;
	return p;
}

/* Returns a copy of s[0..len) with a NUL in the arena, or NULL. */
static char *
arena_strndup(struct tmpl_data *d, const char *s, size_t len)
{
	char	*p;

	if (len == (size_t)-1 || (p = arena_alloc(d, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Returns the node to append to list or map (key NULL for a list), or NULL. */
static struct tmpl_node *
node_add(struct tmpl_data *d, struct tmpl_val *parent, const char *key)
{
	struct tmpl_node	*n;

	if (parent->kind != TV_LIST && parent->kind != TV_MAP) {
		d->failed = true;	/* the stand-in after a failure, or a misuse */
		return NULL;
	}
	if ((n = arena_alloc(d, sizeof(*n))) == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	if (key != NULL) {
		n->keylen = strlen(key);
		if ((n->key = arena_strndup(d, key, n->keylen)) == NULL)
			return NULL;
	}
	if (parent->u.kids.tail != NULL)
		parent->u.kids.tail->next = n;
	else
		parent->u.kids.head = n;
	parent->u.kids.tail = n;
	parent->u.kids.n++;
	return n;
}

/* Returns the value of key in map to overwrite (added when new), or NULL. */
static struct tmpl_val *
field(struct tmpl_data *d, struct tmpl_val *map, const char *key)
{
	struct tmpl_node	*n;
	size_t			 len = strlen(key);

	if (map->kind != TV_MAP) {
		d->failed = true;
		return NULL;
	}
	for (n = map->u.kids.head; n != NULL; n = n->next)
		if (n->keylen == len && memcmp(n->key, key, len) == 0)
			return &n->val;
	return (n = node_add(d, map, key)) != NULL ? &n->val : NULL;
}

/* Sets v to a string kind of s[0..len) copied, or null when s is NULL. */
static void
put_str(struct tmpl_data *d, struct tmpl_val *v, enum tmpl_kind kind, const char *s, size_t len)
{
	if (v == NULL)
		return;
	if (s == NULL) {
		v->kind = TV_NULL;
		return;
	}
	if ((v->u.str.s = arena_strndup(d, s, len)) == NULL) {
		v->kind = TV_NULL;
		return;
	}
	v->kind = kind;
	v->u.str.len = len;
}

void
tmpl_put_textn(struct tmpl_data *d, struct tmpl_val *map, const char *key, const char *s,
    size_t len)
{
	put_str(d, field(d, map, key), TV_TEXT, s, len);
}

void
tmpl_put_text(struct tmpl_data *d, struct tmpl_val *map, const char *key, const char *s)
{
	tmpl_put_textn(d, map, key, s, s != NULL ? strlen(s) : 0);
}

void
tmpl_put_textf(struct tmpl_data *d, struct tmpl_val *map, const char *key, const char *fmt, ...)
{
	va_list		 ap;
	struct tmpl_val	*v = field(d, map, key);
	int		 n;
	char		*p;

	if (v == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = arena_alloc(d, (size_t)n + 1)) == NULL) {
		d->failed = true;
		v->kind = TV_NULL;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	v->kind = TV_TEXT;
	v->u.str.s = p;
	v->u.str.len = (size_t)n;
}

void
tmpl_put_html(struct tmpl_data *d, struct tmpl_val *map, const char *key, const char *html)
{
	put_str(d, field(d, map, key), TV_HTML, html, html != NULL ? strlen(html) : 0);
}

void
tmpl_put_bool(struct tmpl_data *d, struct tmpl_val *map, const char *key, bool b)
{
	struct tmpl_val	*v = field(d, map, key);

	if (v != NULL) {
		v->kind = TV_BOOL;
		v->u.b = b;
	}
}

void
tmpl_put_int(struct tmpl_data *d, struct tmpl_val *map, const char *key, long long i)
{
	struct tmpl_val	*v = field(d, map, key);

	if (v != NULL) {
		v->kind = TV_INT;
		v->u.i = i;
	}
}

/* Sets v to an empty container of kind; returns v, or the stand-in. */
static struct tmpl_val *
container(struct tmpl_data *d, struct tmpl_val *v, enum tmpl_kind kind)
{
	if (v == NULL) {
		d->scratch.kind = TV_NULL;	/* takes calls, keeps nothing */
		return &d->scratch;
	}
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	return v;
}

struct tmpl_val *
tmpl_put_map(struct tmpl_data *d, struct tmpl_val *map, const char *key)
{
	return container(d, field(d, map, key), TV_MAP);
}

struct tmpl_val *
tmpl_put_list(struct tmpl_data *d, struct tmpl_val *map, const char *key)
{
	return container(d, field(d, map, key), TV_LIST);
}

struct tmpl_val *
tmpl_add_map(struct tmpl_data *d, struct tmpl_val *list)
{
	struct tmpl_node *n = node_add(d, list, NULL);

	return container(d, n != NULL ? &n->val : NULL, TV_MAP);
}

void
tmpl_add_text(struct tmpl_data *d, struct tmpl_val *list, const char *s)
{
	struct tmpl_node *n = node_add(d, list, NULL);

	put_str(d, n != NULL ? &n->val : NULL, TV_TEXT, s, s != NULL ? strlen(s) : 0);
}
