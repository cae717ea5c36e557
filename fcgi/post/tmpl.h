/*
 * tmpl: a small mustache-like template engine that escapes by default, for
 * the reader pages.
 *
 * Syntax (a subset of mustache):
 *   {{name}} {{a.b.c}} {{.}}	a value, escaped for where it stands
 *   {{#name}}…{{/name}}		a section: once per item of a list, once with a
 *				map, once when a value is true, non-empty, non-zero
 *   {{^name}}…{{/name}}		an inverted section: when the section would not render
 *   {{>name}}			a partial: another template of the same set
 *   {{! comment }}
 * A line holding nothing but one section, close, partial or comment tag
 * is left out of the output. There is no {{{name}}}, {{&name}} nor
 * delimiter change: a template cannot turn escaping off.
 *
 * Escaping is decided when the template is parsed, from where each {{name}}
 * stands in the HTML: text and quoted attribute values are HTML-escaped; a
 * value that starts a URL attribute (href, src, action, …) is a URL whose
 * scheme must be http, https or mailto (or none); a value further into a
 * URL attribute is percent-encoded; srcset keeps only such URLs and their
 * descriptors; inside <script type="application/ld+json"> a value is a JSON
 * string (or a whole JSON value outside quotes) with < > & as \u escapes.
 * A value goes out unescaped only in HTML text and only when the data marks
 * it as safe HTML (tmpl_put_html: the post HTML cmark made in safe mode).
 * Values anywhere else (unquoted attributes, on* and style attributes,
 * srcdoc, tag and attribute names, comments, <style>, other scripts) are
 * errors when the template is parsed.
 */
#ifndef QUIRE_TMPL_H
#define QUIRE_TMPL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define TMPL_SOURCE_MAX		(256 * 1024)	/* bytes of one template */
#define TMPL_NEST_MAX		32		/* sections open at once in one template */
#define TMPL_PARTIAL_DEPTH	8		/* partials inside partials */
#define TMPL_STACK_MAX		64		/* sections open at once while rendering */
#define TMPL_SET_MAX		64		/* templates in a set */
#define TMPL_NAME_MAX		64		/* bytes of a template's name */
#define TMPL_JSON_DEPTH		16		/* lists and maps inside each other in JSON */

/* The data of one page: a tree of values in one arena. */
struct tmpl_data;
struct tmpl_val;

/* Returns new empty data (its root is a map), or NULL when memory runs out. */
struct tmpl_data *tmpl_data_new(void);
void		 tmpl_data_free(struct tmpl_data *);
/* Returns the root map. */
struct tmpl_val	*tmpl_data_root(struct tmpl_data *);
/* Returns whether an allocation failed while the data was built (rendering it then fails). */
bool		 tmpl_data_failed(const struct tmpl_data *);

/*
 * Sets key of map (replacing a value it had); strings are copied into the
 * data. A NULL string sets null. When memory runs out the data is marked
 * failed; the functions that return a map or list then return a stand-in
 * that takes further calls, so a builder needs to check only once at the end.
 */
void	 tmpl_put_text(struct tmpl_data *, struct tmpl_val *map, const char *key, const char *s);
void	 tmpl_put_textn(struct tmpl_data *, struct tmpl_val *map, const char *key, const char *s,
	    size_t len);
void	 tmpl_put_textf(struct tmpl_data *, struct tmpl_val *map, const char *key,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Safe HTML: written as it is in HTML text, escaped anywhere else. Only for cmark's safe output. */
void	 tmpl_put_html(struct tmpl_data *, struct tmpl_val *map, const char *key, const char *html);
void	 tmpl_put_bool(struct tmpl_data *, struct tmpl_val *map, const char *key, bool);
void	 tmpl_put_int(struct tmpl_data *, struct tmpl_val *map, const char *key, long long);
/* Sets key to a new empty map or list and returns it. */
struct tmpl_val *tmpl_put_map(struct tmpl_data *, struct tmpl_val *map, const char *key);
struct tmpl_val *tmpl_put_list(struct tmpl_data *, struct tmpl_val *map, const char *key);
/* Appends a new empty map, or a text, to list; returns the map. */
struct tmpl_val *tmpl_add_map(struct tmpl_data *, struct tmpl_val *list);
void	 tmpl_add_text(struct tmpl_data *, struct tmpl_val *list, const char *s);

/* A compiled template, and a set of them whose partials point at each other. */
struct tmpl;
struct tmpl_set;

/*
 * Parses text[0..len) into a compiled template; name is the file name for
 * messages. Pure: looks at nothing but its arguments (partials are found
 * later by tmpl_set_link). Returns 0 and *out (free with tmpl_free), or -1
 * with "name:line: message" in err (bad syntax, an unclosed or mismatched
 * section, a value where HTML allows none, not UTF-8, too large, too deep).
 */
int	 tmpl_parse(const char *name, const char *text, size_t len, struct tmpl **out, char *err,
	    size_t errlen);
void	 tmpl_free(struct tmpl *);

/* Returns a new empty set, or NULL when memory runs out. */
struct tmpl_set	*tmpl_set_new(void);
/* Frees the set and every template in it. */
void		 tmpl_set_free(struct tmpl_set *);
/*
 * Adds t to the set as name (what {{>name}} refers to); the set takes t
 * over, also on error. Returns 0, or -1 with err set (a name given twice,
 * too many templates, out of memory).
 */
int	 tmpl_set_add(struct tmpl_set *, const char *name, struct tmpl *t, char *err,
	    size_t errlen);
/*
 * Resolves every {{>name}} of the set. Returns 0, or -1 with
 * "file:line: message" in err: a partial that is not in the set, or a
 * partial that includes itself (through others or not).
 */
int	 tmpl_set_link(struct tmpl_set *, char *err, size_t errlen);
/* Returns the template called name, or NULL. */
const struct tmpl *tmpl_set_get(const struct tmpl_set *, const char *name);

/* Bounds of one rendering. */
struct tmpl_limits {
	size_t	 output_max;	/* bytes appended (a last value may pass it before the check) */
	size_t	 steps_max;	/* tags and texts walked, counting every repeat */
};

/*
 * Renders t (of a linked set) with data, appending to out. Returns 0, or -1
 * with "file:line: message" in err (output or steps past the limits, too
 * deep, out of memory, data that failed to build); out then holds part of a
 * page, which the caller discards.
 */
int	 tmpl_render(const struct tmpl *t, const struct tmpl_data *, const struct tmpl_limits *,
	    struct buf *out, char *err, size_t errlen);

#endif
