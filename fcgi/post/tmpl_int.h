/* Internals of the template engine shared by its files (tmpl_*.c); not for other callers. */
#ifndef QUIRE_TMPL_INT_H
#define QUIRE_TMPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tmpl.h"

enum tmpl_kind {
	TV_NULL,
	TV_BOOL,
	TV_INT,
	TV_TEXT,
	TV_HTML,	/* safe HTML */
	TV_LIST,
	TV_MAP
};

struct tmpl_node;

struct tmpl_val {
	enum tmpl_kind	 kind;
	union {
		bool		 b;
		long long	 i;
		struct {
			const char	*s;
			size_t		 len;
		}		 str;
		struct {
			struct tmpl_node *head, *tail;
			size_t		 n;
		}		 kids;	/* TV_LIST items, TV_MAP fields */
	}		 u;
};

/* A field of a map (key set) or an item of a list (key NULL). */
struct tmpl_node {
	const char		*key;
	size_t			 keylen;
	struct tmpl_val		 val;
	struct tmpl_node	*next;
};

/* Escaping contexts, decided at parse time (tmpl_html.c). */
enum tmpl_esc {
	ESC_TEXT,	/* HTML text: safe HTML raw, the rest escaped */
	ESC_RCDATA,	/* <title>, <textarea>, and quoted attributes: everything escaped */
	ESC_URL,	/* the start of a URL attribute */
	ESC_URL_PART,	/* further into a URL attribute */
	ESC_SRCSET,	/* a srcset attribute */
	ESC_JSON,	/* a JSON data block, outside strings: a whole JSON value */
	ESC_JSON_STR	/* inside a JSON string */
};

enum tmpl_op_kind {
	OP_TEXT,
	OP_VAR,
	OP_SECTION,
	OP_INVERTED,
	OP_PARTIAL
};

struct tmpl_op {
	enum tmpl_op_kind	 kind;
	enum tmpl_esc		 esc;		/* OP_VAR */
	uint32_t		 line;
	uint32_t		 off, len;	/* OP_TEXT: the text; others: the name; in src */
	uint32_t		 end;		/* sections: the index of the op after the body */
	const struct tmpl	*partial;	/* OP_PARTIAL, once linked */
};

struct tmpl {
	char		*name;
	char		*src;		/* a copy of the source */
	struct tmpl_op	*ops;
	size_t		 nops, cap;
};

/* Where the HTML scanner stands (tmpl_html.c). */
enum hstate {
	H_TEXT,
	H_TAG_OPEN,		/* after '<' */
	H_END_TAG_OPEN,		/* after "</" */
	H_MARKUP,		/* after "<!" */
	H_MARKUP_DASH,		/* after "<!-" */
	H_COMMENT,
	H_BOGUS,		/* <!DOCTYPE …>, <?…>, </…> that is not a tag: until '>' */
	H_TAG_NAME,
	H_IN_TAG,		/* before an attribute name, or after a quoted value */
	H_ATTR_NAME,
	H_AFTER_ATTR_NAME,
	H_BEFORE_VALUE,
	H_VALUE_DQ,
	H_VALUE_SQ,
	H_VALUE_UQ,
	H_SELF_CLOSING,		/* after '/' in a tag */
	H_RAW			/* inside an element whose text is not markup */
};

enum hattr {
	HA_PLAIN,
	HA_URL,
	HA_SRCSET,
	HA_NONE			/* no value may go in it: on*, style, srcdoc */
};

enum hraw {
	HR_RCDATA,		/* title, textarea: escaped text */
	HR_JSON,		/* script type=application/ld+json or application/json */
	HR_OTHER		/* script, style, and the like: no value may go in */
};

/* What is known of the scheme of the URL being written in an attribute. */
enum hurl {
	HU_OPEN,		/* maybe a scheme so far: the literal text is in urlhead */
	HU_OK,			/* none, or http, https, mailto: values may follow */
	HU_BAD			/* another scheme (javascript:…): no value may follow */
};

#define HNAME_MAX	24

struct hctx {
	enum hstate	 st;
	enum hattr	 attr;
	enum hraw	 raw;
	bool		 url_after;	/* a URL attribute's value has begun */
	bool		 url_sch;	/* a value may have begun a scheme: no ':' may follow */
	enum hurl	 url;
	char		 urlhead[HNAME_MAX];
	size_t		 urlheadlen;
	size_t		 bangmatch;	/* in a script: bytes of "<!--" matched */
	bool		 end_tag;
	bool		 json_str, json_esc;
	int		 dashes;	/* in a comment: '-' in a row */
	size_t		 rawmatch;	/* in H_RAW: bytes of "</name" matched */
	char		 tag[HNAME_MAX], attr_name[HNAME_MAX], type[HNAME_MAX + 8];
	size_t		 taglen, attrlen, typelen;
	bool		 type_dynamic;	/* a value went into the script's type */
	bool		 in_type;	/* in the value of a script's type attribute */
	uint32_t	 line;		/* the line the current construct began on */
};

/* Starts a scanner in HTML text. */
void	 hctx_init(struct hctx *);
/*
 * Moves the scanner over literal text s[0..len) starting at line. Returns
 * 0, or -1 with a message in err (without the file and line).
 */
int	 hctx_scan(struct hctx *, const char *s, size_t len, uint32_t line, char *err,
	    size_t errlen);
/* What a tag means in the scanner's current state. */
enum hplace {
	HP_ANY,		/* HTML text: values, sections, partials */
	HP_VALUE,	/* values and sections, escaped as *esc */
	HP_SECTION,	/* sections only: inside a tag, or text that takes no value */
	HP_NOTHING	/* nothing but comments */
};
/* Returns what may stand at the scanner's place, and the escaping of a value there. */
enum hplace hctx_place(const struct hctx *, enum tmpl_esc *esc, const char **why);
/* Notes that a value was written where hctx_place() allowed it. */
void	 hctx_value(struct hctx *);
/*
 * Joins the state after a section's body (b) into the state before it (a),
 * for the text that follows either way. Returns 0, or -1 when no single
 * state fits both.
 */
int	 hctx_join(struct hctx *a, const struct hctx *b);
/* Returns 0 when the scanner is back in HTML text, else -1 with what is left open in err. */
int	 hctx_end(const struct hctx *, char *err, size_t errlen);

#endif
