/*
 * The HTML context scanner of the template engine: it follows the literal
 * text of a template the way an HTML5 tokenizer would (text, tags,
 * attributes and their quotes, comments, raw-text elements, JSON data
 * blocks), so each {{value}} gets the escaping of the place it stands in,
 * and a value where no escaping is safe is refused at parse time. Values
 * cannot change the state: what they write is escaped for it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "esc.h"
#include "nitems.h"
#include "tmpl_int.h"

/* Elements whose text is not markup: escaped text (RCDATA) or raw text. */
static const char *const rcdata_elements[] = { "title", "textarea" };
static const char *const raw_elements[] = {
	"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"
};
/* Attributes that hold a URL. */
static const char *const url_attributes[] = {
	"action", "background", "cite", "codebase", "data", "formaction", "href", "icon",
	"longdesc", "manifest", "ping", "poster", "profile", "src", "usemap", "xlink:href",
	"xml:base"
};
/* Script types whose text is JSON. */
static const char *const json_types[] = { "application/ld+json", "application/json" };

/* Returns whether name[0..len) is one of list[0..n). */
static bool
in_list(const char *name, size_t len, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], name, len) == 0)
			return true;
	return false;
}

#define IN_LIST(name, len, list) in_list(name, len, list, nitems(list))

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Returns whether c may be in a URL scheme after its first letter. */
static bool
scheme_char(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

/* Appends c (lowercased) to name, keeping what fits. */
static void
name_add(char *name, size_t *len, size_t size, char c)
{
	if (*len + 1 < size)
		name[(*len)++] = lower(c);
	else
		*len = size;	/* too long: matches no known name */
}

void
hctx_init(struct hctx *h)
{
	memset(h, 0, sizeof(*h));
	h->st = H_TEXT;
	h->line = 1;
}

/* The '>' of a tag: back to text, or into the text of a raw element. */
static void
tag_end(struct hctx *h)
{
	size_t	 i;
	bool	 json = false;

	h->st = H_TEXT;
	if (h->end_tag || h->taglen >= HNAME_MAX)
		return;
	if (IN_LIST(h->tag, h->taglen, rcdata_elements))
		h->raw = HR_RCDATA;
	else if (IN_LIST(h->tag, h->taglen, raw_elements)) {
		h->raw = HR_OTHER;
		if (h->taglen == 6 && memcmp(h->tag, "script", 6) == 0 && !h->type_dynamic)
			for (i = 0; i < nitems(json_types); i++)
				json = json || (strlen(json_types[i]) == h->typelen &&
				    strncasecmp(h->type, json_types[i], h->typelen) == 0);
		if (json)
			h->raw = HR_JSON;
	} else
		return;
	h->st = H_RAW;
	h->rawmatch = h->bangmatch = 0;
	h->json_str = h->json_esc = false;
}

/* A new tag: its name begins with c. */
static void
tag_begin(struct hctx *h, char c, bool end_tag)
{
	h->st = H_TAG_NAME;
	h->end_tag = end_tag;
	h->taglen = h->typelen = 0;
	h->type_dynamic = false;
	name_add(h->tag, &h->taglen, sizeof(h->tag), c);
}

/* A new attribute: its name begins with c. */
static void
attr_begin(struct hctx *h, char c)
{
	h->st = H_ATTR_NAME;
	h->attrlen = 0;
	name_add(h->attr_name, &h->attrlen, sizeof(h->attr_name), c);
}

/* The '=' after an attribute name: what its value is. */
static void
value_begin(struct hctx *h)
{
	const char	*n = h->attr_name;
	size_t		 len = h->attrlen;

	h->st = H_BEFORE_VALUE;
	if ((len >= 2 && n[0] == 'o' && n[1] == 'n') || (len == 5 && memcmp(n, "style", 5) == 0) ||
	    (len == 6 && memcmp(n, "srcdoc", 6) == 0))
		h->attr = HA_NONE;
	else if (len < HNAME_MAX && IN_LIST(n, len, url_attributes))
		h->attr = HA_URL;
	else if ((len == 6 && memcmp(n, "srcset", 6) == 0) ||
	    (len == 11 && memcmp(n, "imagesrcset", 11) == 0))
		h->attr = HA_SRCSET;
	else
		h->attr = HA_PLAIN;
	h->in_type = h->taglen == 6 && memcmp(h->tag, "script", 6) == 0 && len == 4 &&
	    memcmp(n, "type", 4) == 0;
	if (h->in_type)
		h->typelen = 0;
	h->url_after = h->url_sch = false;
	h->url = HU_OPEN;
	h->urlheadlen = 0;
}

/*
 * One literal character of an attribute value. Returns 0, or -1 with err
 * set when a ':' would turn a value into a URL scheme.
 */
static int
value_char(struct hctx *h, char c, char *err, size_t errlen)
{
	if (h->in_type)
		name_add(h->type, &h->typelen, sizeof(h->type), c);
	if (h->attr == HA_SRCSET) {
		/* A value after a comma starts a candidate. */
		if (c == ',')
			h->url_after = false;
		else if (!is_space(c))
			h->url_after = true;
		return 0;
	}
	if (h->attr != HA_URL)
		return 0;
	if (!is_space(c))
		h->url_after = true;
	if (h->url_sch && c == ':') {
		snprintf(err, errlen, "a ':' after a value in a URL attribute would make the value "
		    "its scheme");
		return -1;
	}
	if (c == '/' || c == '?' || c == '#')
		h->url_sch = false;
	if (h->url != HU_OPEN || (h->urlheadlen == 0 && is_space(c)))
		return 0;
	if (c == ':') {
		char	 scheme[sizeof(h->urlhead) + 1];

		memcpy(scheme, h->urlhead, h->urlheadlen);
		scheme[h->urlheadlen] = ':';
		h->url = esc_url_allowed(scheme, h->urlheadlen + 1) ? HU_OK : HU_BAD;
	}
	else if (!scheme_char(c) || (h->urlheadlen == 0 && !is_alpha(c)))
		h->url = HU_OK;		/* no scheme can come */
	else if (h->urlheadlen < sizeof(h->urlhead))
		h->urlhead[h->urlheadlen++] = c;
	else
		h->url = HU_BAD;	/* longer than any scheme allowed */
	return 0;
}

/* One character in a raw element; returns whether it ended the element's text. */
static bool
raw_char(struct hctx *h, char c)
{
	if (h->raw == HR_JSON) {
		if (h->json_esc)
			h->json_esc = false;
		else if (h->json_str && c == '\\')
			h->json_esc = true;
		else if (c == '"')
			h->json_str = !h->json_str;
	}
	if (h->rawmatch == 2 + h->taglen) {
		if (is_space(c) || c == '/' || c == '>') {
			h->st = H_TAG_NAME;	/* the end tag, whose name is read */
			h->end_tag = true;
			return true;
		}
		h->rawmatch = 0;
	}
	if ((h->rawmatch == 0 && c == '<') || (h->rawmatch == 1 && c == '/') ||
	    (h->rawmatch >= 2 && lower(c) == h->tag[h->rawmatch - 2]))
		h->rawmatch++;
	else
		h->rawmatch = c == '<' ? 1 : 0;
	return false;
}

int
hctx_scan(struct hctx *h, const char *s, size_t len, uint32_t line, char *err, size_t errlen)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < len; i++) {
		c = s[i];
again:
		switch (h->st) {
		case H_TEXT:
			if (c == '<') {
				h->st = H_TAG_OPEN;
				h->line = line;
			}
			break;
		case H_TAG_OPEN:
			if (is_alpha(c))
				tag_begin(h, c, false);
			else if (c == '/')
				h->st = H_END_TAG_OPEN;
			else if (c == '!')
				h->st = H_MARKUP;
			else if (c == '?')
				h->st = H_BOGUS;
			else {
				h->st = H_TEXT;
				goto again;
			}
			break;
		case H_END_TAG_OPEN:
			if (is_alpha(c))
				tag_begin(h, c, true);
			else
				h->st = c == '>' ? H_TEXT : H_BOGUS;
			break;
		case H_MARKUP:
			if (c == '-')
				h->st = H_MARKUP_DASH;
			else {
				h->st = H_BOGUS;
				goto again;
			}
			break;
		case H_MARKUP_DASH:
			if (c == '-') {
				h->st = H_COMMENT;
				h->dashes = 2;	/* so "<!-->" closes, as in HTML */
			} else {
				h->st = H_BOGUS;
				goto again;
			}
			break;
		case H_COMMENT:
			if (c == '>' && (h->dashes >= 2 || h->dashes == -1))
				h->st = H_TEXT;
			else if (c == '-')
				h->dashes = h->dashes < 0 ? 1 : h->dashes + 1;
			else
				h->dashes = c == '!' && h->dashes >= 2 ? -1 : 0;	/* "--!>" */
			break;
		case H_BOGUS:
			if (c == '>')
				h->st = H_TEXT;
			break;
		case H_TAG_NAME:
			if (is_space(c))
				h->st = H_IN_TAG;
			else if (c == '/')
				h->st = H_SELF_CLOSING;
			else if (c == '>')
				tag_end(h);
			else
				name_add(h->tag, &h->taglen, sizeof(h->tag), c);
			break;
		case H_IN_TAG:
		case H_AFTER_ATTR_NAME:
			if (is_space(c))
				break;
			if (c == '/')
				h->st = H_SELF_CLOSING;
			else if (c == '>')
				tag_end(h);
			else if (c == '=' && h->st == H_AFTER_ATTR_NAME)
				value_begin(h);
			else
				attr_begin(h, c);
			break;
		case H_ATTR_NAME:
			if (is_space(c))
				h->st = H_AFTER_ATTR_NAME;
			else if (c == '/')
				h->st = H_SELF_CLOSING;
			else if (c == '>')
				tag_end(h);
			else if (c == '=')
				value_begin(h);
			else
				name_add(h->attr_name, &h->attrlen, sizeof(h->attr_name), c);
			break;
		case H_BEFORE_VALUE:
			if (is_space(c))
				break;
			if (c == '"')
				h->st = H_VALUE_DQ;
			else if (c == '\'')
				h->st = H_VALUE_SQ;
			else if (c == '>')
				tag_end(h);
			else {
				h->st = H_VALUE_UQ;
				goto again;
			}
			break;
		case H_VALUE_DQ:
		case H_VALUE_SQ:
			if (c == (h->st == H_VALUE_DQ ? '"' : '\'')) {
				h->st = H_IN_TAG;
				h->in_type = false;
			} else if (value_char(h, c, err, errlen) == -1)
				return -1;
			break;
		case H_VALUE_UQ:
			if (is_space(c) || c == '>') {
				h->st = H_IN_TAG;
				h->in_type = false;
				goto again;
			}
			if (value_char(h, c, err, errlen) == -1)
				return -1;
			break;
		case H_SELF_CLOSING:
			if (c == '>')
				tag_end(h);
			else {
				h->st = H_IN_TAG;
				goto again;
			}
			break;
		case H_RAW:
			if (raw_char(h, c))
				goto again;
			if (h->raw != HR_RCDATA && h->taglen == 6 && memcmp(h->tag, "script", 6) == 0) {
				h->bangmatch = c == "<!--"[h->bangmatch] ? h->bangmatch + 1 :
				    c == '<' ? 1 : 0;
				if (h->bangmatch == 4) {
					snprintf(err, errlen, "\"<!--\" inside <script> is not supported");
					return -1;
				}
			}
			break;
		}
		if (c == '\n')
			line++;
	}
	return 0;
}

enum hplace
hctx_place(const struct hctx *h, enum tmpl_esc *esc, const char **why)
{
	*esc = ESC_TEXT;
	*why = "a template tag cannot stand inside a tag name, an attribute name or an "
	    "unquoted attribute value (put a space before it, or quote the value)";
	switch (h->st) {
	case H_TEXT:
		return HP_ANY;
	case H_IN_TAG:
		*why = "only sections can stand between attributes";
		return HP_SECTION;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		switch (h->attr) {
		case HA_NONE:
			*why = "a value cannot go in an event handler, style or srcdoc attribute";
			return HP_SECTION;
		case HA_URL:
			if (h->url == HU_BAD) {
				*why = "a value cannot go in a URL whose scheme is not http, https "
				    "or mailto";
				return HP_SECTION;
			}
			*esc = h->url_after ? ESC_URL_PART : ESC_URL;
			return HP_VALUE;
		case HA_SRCSET:
			*esc = h->url_after ? ESC_URL_PART : ESC_SRCSET;
			return HP_VALUE;
		case HA_PLAIN:
			*esc = ESC_RCDATA;
			return HP_VALUE;
		}
		return HP_NOTHING;
	case H_RAW:
		switch (h->raw) {
		case HR_RCDATA:
			*esc = ESC_RCDATA;
			return HP_VALUE;
		case HR_JSON:
			*esc = h->json_str ? ESC_JSON_STR : ESC_JSON;
			return HP_VALUE;
		case HR_OTHER:
			*why = "a value cannot go inside <script>, <style> or an element like them "
			    "(only in <script type=\"application/ld+json\">)";
			return HP_SECTION;
		}
		return HP_NOTHING;
	case H_COMMENT:
		*why = "a value cannot go in an HTML comment";
		return HP_SECTION;
	case H_TAG_OPEN:
	case H_END_TAG_OPEN:
	case H_MARKUP:
	case H_MARKUP_DASH:
	case H_BOGUS:
	case H_TAG_NAME:
	case H_ATTR_NAME:
	case H_AFTER_ATTR_NAME:
	case H_BEFORE_VALUE:
	case H_VALUE_UQ:
	case H_SELF_CLOSING:
		return HP_NOTHING;
	}
	return HP_NOTHING;
}

void
hctx_value(struct hctx *h)
{
	if (h->in_type)
		h->type_dynamic = true;
	if ((h->st != H_VALUE_DQ && h->st != H_VALUE_SQ) ||
	    (h->attr != HA_URL && h->attr != HA_SRCSET))
		return;
	if (h->attr == HA_URL && h->url == HU_OPEN) {
		/* The value may end a scheme that literal text began, or be one. */
		h->url_sch = true;
		h->url = HU_OK;
	}
	h->url_after = true;
}

/* Joins the URL state of b into a. Returns 0 or -1. */
static int
url_join(struct hctx *a, const struct hctx *b)
{
	a->url_after = a->url_after || b->url_after;
	a->url_sch = a->url_sch || b->url_sch;
	if (a->url == HU_BAD || b->url == HU_BAD)
		a->url = HU_BAD;
	else if (a->url == HU_OPEN && b->url == HU_OPEN)
		return a->urlheadlen == b->urlheadlen &&
		    memcmp(a->urlhead, b->urlhead, a->urlheadlen) == 0 ? 0 : -1;
	else if (b->url == HU_OPEN) {
		/* The text that follows may yet make b's start a scheme. */
		a->url = HU_OPEN;
		memcpy(a->urlhead, b->urlhead, b->urlheadlen);
		a->urlheadlen = b->urlheadlen;
	}
	return 0;
}

int
hctx_join(struct hctx *a, const struct hctx *b)
{
	if (a->st != b->st)
		return -1;
	if (a->st == H_TEXT)
		return 0;
	if (a->end_tag != b->end_tag || a->taglen != b->taglen ||
	    memcmp(a->tag, b->tag, a->taglen < HNAME_MAX ? a->taglen : HNAME_MAX) != 0 ||
	    a->type_dynamic != b->type_dynamic || a->typelen != b->typelen ||
	    memcmp(a->type, b->type, a->typelen < sizeof(a->type) ? a->typelen : sizeof(a->type))
	    != 0)
		return -1;
	switch (a->st) {
	case H_IN_TAG:
		return 0;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		if (a->attr != b->attr || a->in_type != b->in_type)
			return -1;
		return a->attr == HA_URL || a->attr == HA_SRCSET ? url_join(a, b) : 0;
	case H_RAW:
		return a->raw == b->raw && a->rawmatch == b->rawmatch && a->bangmatch ==
		    b->bangmatch && a->json_str == b->json_str && a->json_esc == b->json_esc ? 0 : -1;
	case H_COMMENT:
		return a->dashes == b->dashes ? 0 : -1;
	case H_TEXT:
	case H_TAG_OPEN:
	case H_END_TAG_OPEN:
	case H_MARKUP:
	case H_MARKUP_DASH:
	case H_BOGUS:
	case H_TAG_NAME:
	case H_ATTR_NAME:
	case H_AFTER_ATTR_NAME:
	case H_BEFORE_VALUE:
	case H_VALUE_UQ:
	case H_SELF_CLOSING:
		break;
	}
	return -1;
}

int
hctx_end(const struct hctx *h, char *err, size_t errlen)
{
	switch (h->st) {
	case H_TEXT:
		return 0;
	case H_COMMENT:
		snprintf(err, errlen, "an HTML comment begun here is not closed");
		break;
	case H_RAW:
		snprintf(err, errlen, "the <%.*s> element begun here is not closed",
		    (int)(h->taglen < HNAME_MAX ? h->taglen : HNAME_MAX - 1), h->tag);
		break;
	case H_VALUE_DQ:
	case H_VALUE_SQ:
		snprintf(err, errlen, "an attribute value in the tag begun here is not closed");
		break;
	case H_TAG_OPEN:
	case H_END_TAG_OPEN:
	case H_MARKUP:
	case H_MARKUP_DASH:
	case H_BOGUS:
	case H_TAG_NAME:
	case H_IN_TAG:
	case H_ATTR_NAME:
	case H_AFTER_ATTR_NAME:
	case H_BEFORE_VALUE:
	case H_VALUE_UQ:
	case H_SELF_CLOSING:
		snprintf(err, errlen, "the tag begun here is not closed");
		break;
	}
	return -1;
}
