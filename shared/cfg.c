#include "cfg.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

#define CFG_MAX_FILE	(1024 * 1024)

struct cfg_entry {
	char	*section;	/* "" for global keys */
	char	*key;
	char	*value;
	int	 line;
	bool	 used;
};

struct cfg {
	struct cfg_entry *entries;
	size_t		  n;
	char		 *text;	/* one copy of the file; entries point into it */
};

/* Trims leading and trailing blanks in place. Returns the new start. */
static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Returns whether s is a valid section or key name: [a-z0-9_]+. */
static bool
name_valid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static struct cfg_entry *
cfg_find(const struct cfg *c, const char *section, const char *key)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->entries[i].section, section) == 0 &&
		    strcmp(c->entries[i].key, key) == 0)
			return &c->entries[i];
	return NULL;
}

/* Orders pointers to entries by section, key, then line. */
static int
entry_cmp(const void *a, const void *b)
{
	const struct cfg_entry	*x = *(const struct cfg_entry *const *)a;
	const struct cfg_entry	*y = *(const struct cfg_entry *const *)b;
	int			 d;

	if ((d = strcmp(x->section, y->section)) != 0 || (d = strcmp(x->key, y->key)) != 0)
		return d;
	return (x->line > y->line) - (x->line < y->line);
}

/*
 * Finds the earliest line that sets a key its section set before, by
 * sorting (a file of many keys is read in n log n, not n squared). Returns
 * 1 with that line named in err, 0 when there is none, or -1 with err set
 * when memory runs out.
 */
static int
repeated_key(const struct cfg *c, char *err, size_t errlen)
{
	const struct cfg_entry	**v, *first = NULL;
	size_t			  i;

	if (c->n < 2)
		return 0;
	if ((v = malloc(c->n * sizeof(*v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < c->n; i++)
		v[i] = &c->entries[i];
	qsort(v, c->n, sizeof(*v), entry_cmp);
	for (i = 1; i < c->n; i++)
		if (strcmp(v[i]->section, v[i - 1]->section) == 0 &&
		    strcmp(v[i]->key, v[i - 1]->key) == 0 &&
		    (first == NULL || v[i]->line < first->line))
			first = v[i];
	if (first != NULL)
		snprintf(err, errlen, "line %d: '%s' is set twice in %s%s%s", first->line,
		    first->key, *first->section ? "[" : "the global part", first->section,
		    *first->section ? "]" : "");
	free(v);
	return first != NULL;
}

struct cfg *
cfg_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct cfg	*c;
	char		*line, *next, *eq, *key, *section = "";
	size_t		 cap = 0;
	int		 lineno = 0;
	void		*p;

	if (memchr(text, '\0', len) != NULL || !utf8_valid(text, len)) {
		snprintf(err, errlen, "the file is not UTF-8 text");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->text = malloc(len + 1)) == NULL)
		goto oom;
	memcpy(c->text, text, len);
	c->text[len] = '\0';

	for (line = c->text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line = trim(line);
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			size_t l = strlen(line);
			if (line[l - 1] != ']') {
				snprintf(err, errlen, "line %d: a section header ends with ']'", lineno);
				goto syntax;
			}
			line[l - 1] = '\0';
			section = trim(line + 1);
			if (!name_valid(section)) {
				snprintf(err, errlen, "line %d: bad section name", lineno);
				goto syntax;
			}
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "line %d: expected 'key = value'", lineno);
			goto syntax;
		}
		*eq = '\0';
		key = trim(line);
		if (!name_valid(key)) {
			snprintf(err, errlen, "line %d: bad key name '%s'", lineno, key);
			goto syntax;
		}
		if (c->n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((p = realloc(c->entries, cap * sizeof(*c->entries))) == NULL)
				goto oom;
			c->entries = p;
		}
		c->entries[c->n++] = (struct cfg_entry){ section, key, trim(eq + 1), lineno, false };
	}
	if (repeated_key(c, err, errlen) != 0)
		goto fail;
	return c;
syntax:
	/* A key set twice on an earlier line is the first fault. */
	repeated_key(c, err, errlen);
	goto fail;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	cfg_free(c);
	return NULL;
}

struct cfg *
cfg_load(const char *path, char *err, size_t errlen)
{
	struct buf	 b = BUF_INIT;
	struct cfg	*c = NULL;
	char		 perr[200];

	if (buf_read_file(&b, path, CFG_MAX_FILE, err, errlen) == 0 &&
	    (c = cfg_parse(buf_str(&b), b.len, perr, sizeof(perr))) == NULL)
		snprintf(err, errlen, "%s: %s", path, perr);
	buf_free(&b);
	return c;
}

void
cfg_free(struct cfg *c)
{
	if (c == NULL)
		return;
	free(c->entries);
	free(c->text);
	free(c);
}

const char *
cfg_get(struct cfg *c, const char *section, const char *key)
{
	struct cfg_entry *e;

	if ((e = cfg_find(c, section, key)) == NULL)
		e = cfg_find(c, "", key);
	if (e == NULL)
		return NULL;
	e->used = true;
	return e->value;
}

/* Parses a boolean word. Returns 0 or 1, or -1 when it is not one. */
static int
parse_bool(const char *v)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

int
cfg_read(struct cfg *c, const char *section, const struct cfg_key *keys, size_t n,
    void *base, char *err, size_t errlen)
{
	const char	*v;
	long long	 num;
	int		 b;
	size_t		 i;

	for (i = 0; i < n; i++) {
		const struct cfg_key *k = &keys[i];
		char *dst = (char *)base + k->off;

		if ((v = cfg_get(c, section, k->name)) == NULL && (v = k->def) == NULL) {
			snprintf(err, errlen, "[%s] %s: required, and not set", section, k->name);
			return -1;
		}
		switch (k->type) {
		case CFG_STR:
			memcpy(dst, &v, sizeof(v));
			break;
		case CFG_INT:
			if (text_parse_int(v, k->min, k->max, &num) == -1) {
				snprintf(err, errlen, "[%s] %s: '%s' is not a whole number from %lld to %lld",
				    section, k->name, v, k->min, k->max);
				return -1;
			}
			memcpy(dst, &num, sizeof(num));
			break;
		case CFG_BOOL:
			if ((b = parse_bool(v)) == -1) {
				snprintf(err, errlen, "[%s] %s: '%s' is not yes or no", section, k->name, v);
				return -1;
			}
			memcpy(dst, &b, sizeof(b));
			break;
		}
	}
	return 0;
}

int
cfg_check_unused(const struct cfg *c, const char *section, char *err, size_t errlen)
{
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		if (!c->entries[i].used && strcmp(c->entries[i].section, section) == 0) {
			snprintf(err, errlen, "line %d: unknown key '%s' in [%s]",
			    c->entries[i].line, c->entries[i].key, section);
			return -1;
		}
	}
	return 0;
}

/* Writes s to f in double quotes, with " and \ escaped. Returns 0 or -1. */
static int
print_quoted(FILE *f, const char *s)
{
	if (putc('"', f) == EOF)
		return -1;
	for (; *s != '\0'; s++)
		if (((*s == '"' || *s == '\\') && putc('\\', f) == EOF) || putc(*s, f) == EOF)
			return -1;
	return putc('"', f) == EOF ? -1 : 0;
}

/*
 * Writes the value of key k to f: the one in the settings struct at base,
 * or its default when base is NULL. Returns 0, or -1 with err set (a
 * default that is not a valid value, or a failed write).
 */
static int
print_value(FILE *f, const struct cfg_key *k, const void *base, char *err, size_t errlen)
{
	const char	*src = base != NULL ? (const char *)base + k->off : NULL;
	const char	*s;
	long long	 num;
	int		 b, rc = 0;

	if (base == NULL && k->def == NULL)
		return fputs("required", f) == EOF ? -1 : 0;
	switch (k->type) {
	case CFG_STR:
		if (src != NULL)
			memcpy(&s, src, sizeof(s));
		else
			s = k->def;
		rc = print_quoted(f, s);
		break;
	case CFG_INT:
		if (src != NULL)
			memcpy(&num, src, sizeof(num));
		else if (text_parse_int(k->def, k->min, k->max, &num) == -1)
			goto bad_default;
		rc = fprintf(f, "%lld", num) < 0 ? -1 : 0;
		break;
	case CFG_BOOL:
		if (src != NULL)
			memcpy(&b, src, sizeof(b));
		else if ((b = parse_bool(k->def)) == -1)
			goto bad_default;
		rc = fputs(b ? "yes" : "no", f) == EOF ? -1 : 0;
		break;
	}
	return rc;
bad_default:
	snprintf(err, errlen, "%s: its default '%s' is not one of its values", k->name, k->def);
	return -1;
}

/* Returns the name --print-config gives type. */
static const char *
type_name(enum cfg_type type)
{
	switch (type) {
	case CFG_STR:
		return "str";
	case CFG_INT:
		return "int";
	case CFG_BOOL:
		return "bool";
	}
	return "?";
}

int
cfg_print(FILE *f, const char *marker, const struct cfg_key *keys, size_t n,
    const void *base, char *err, size_t errlen)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		const struct cfg_key *k = &keys[i];

		if (fprintf(f, "%s %s %s ", marker, k->name, type_name(k->type)) < 0)
			goto write_error;
		if (print_value(f, k, base, err, errlen) == -1) {
			if (ferror(f))
				goto write_error;
			return -1;
		}
		if (k->type == CFG_INT && fprintf(f, " %lld..%lld", k->min, k->max) < 0)
			goto write_error;
		if (putc('\n', f) == EOF)
			goto write_error;
	}
	return 0;
write_error:
	snprintf(err, errlen, "cannot write the key table");
	return -1;
}
