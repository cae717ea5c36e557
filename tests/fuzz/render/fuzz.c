/*
 * Markdown rendering with media references: render_markdown() on any body
 * (valid UTF-8, at most BODY_MAX bytes, as Post checks before), with a
 * Media stand-in that knows the ids whose first digit is even and not the
 * others (one id in sixteen fails, as when Media is down). The render runs
 * as Post runs it, in a child under a budget (RENDER_BUDGET_MS): a body
 * over it must be refused as too costly, never hang the harness; a slow
 * path in this process (the lookups, the placeholders) is a finding
 * (libFuzzer's -timeout). "#!rep\n" inputs (fuzz.h) reach the 1 MiB limit
 * from a few bytes. What the child runs is not in libFuzzer's coverage.
 *
 * What must hold: good input renders, bad input is refused before any
 * lookup; each distinct id is looked up once; the media list and the
 * unresolved count agree with the lookups; the excerpt is short valid
 * UTF-8; and the HTML is safe: every tag and attribute one the renderer
 * writes, every attribute quoted and without markup, no script URL.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

/* Post's default render_budget. */
#define RENDER_BUDGET_MS	2000
#include "post/post.h"
#include "util.h"

/* The lookups of one render. */
struct fake_media {
	char	 ids[MEDIA_REFS_MAX][UUID_LEN + 1];
	size_t	 n;
	size_t	 found, failed;
};

/* Metadata as Media sends it, with an alt text that must be escaped. */
static const char meta_fmt[] =
    "{\"id\":\"%s\",\"width\":%d,\"height\":900,\"alt\":\"\\\"><script>alert(1)</script>\","
    "\"urls\":{\"original\":\"/media/%s/original\",\"variants\":{"
    "\"320\":\"/media/%s/w/320.webp\",\"1280\":\"/media/%s/w/1280.webp\"}}}";

static enum media_result
fake_lookup(void *arg, const char *id, struct media_info *out)
{
	struct fake_media	*m = arg;
	char			 json[sizeof(meta_fmt) + 4 * UUID_LEN];
	size_t			 i;

	FUZZ_ASSERT(uuid_valid(id), "looked up \"%s\"", id);
	for (i = 0; i < m->n; i++)
		FUZZ_ASSERT(strcmp(m->ids[i], id) != 0, "%s looked up twice", id);
	FUZZ_ASSERT(m->n < MEDIA_REFS_MAX, "more than %d lookups", MEDIA_REFS_MAX);
	memcpy(m->ids[m->n++], id, UUID_LEN + 1);
	if (id[0] == 'f') {
		m->failed++;
		return MEDIA_FAILED;
	}
	if (strchr("13579bd", id[0]) != NULL)
		return MEDIA_UNKNOWN;
	snprintf(json, sizeof(json), meta_fmt, id, id[0] == '0' ? 200 : 1600, id, id, id);
	FUZZ_ASSERT(media_info_parse(json, strlen(json), out) == 0, "%s", json);
	m->found++;
	return MEDIA_FOUND;
}

/* Decodes the character references of an attribute value (as a browser would) into out. */
static void
attr_decode(const char *s, size_t len, char *out, size_t outlen)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
		{ "colon;", ':' }, { "Tab;", '\t' }, { "NewLine;", '\n' },
	};
	size_t	 i, o = 0, k;
	char	*end;
	long	 c;

	for (i = 0; i < len && o + 1 < outlen; i++) {
		if (s[i] != '&') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 < len && s[i + 1] == '#') {
			c = (s[i + 2] == 'x' || s[i + 2] == 'X') ? strtol(s + i + 3, &end, 16) :
			    strtol(s + i + 2, &end, 10);
			if (end <= s + len && end > s + i + 2) {
				out[o++] = c > 0 && c < 128 ? (char)c : '?';
				i = (size_t)(end - s) - (end < s + len && *end == ';' ? 0 : 1);
				continue;
			}
		}
		for (k = 0; k < sizeof(named) / sizeof(named[0]); k++)
			if (strncmp(s + i + 1, named[k].name, strlen(named[k].name)) == 0)
				break;
		if (k < sizeof(named) / sizeof(named[0])) {
			out[o++] = named[k].c;
			i += strlen(named[k].name);
		} else
			out[o++] = '&';
	}
	out[o] = '\0';
}

/* Returns whether a URL attribute value would run script (or load a file) in a browser. */
static bool
url_unsafe(const char *v, size_t len)
{
	static const char *const images[] = { "png", "gif", "jpeg", "webp" };
	char	 raw[512], url[512];
	size_t	 i, o = 0, k;

	attr_decode(v, len < 400 ? len : 400, raw, sizeof(raw));
	/* Browsers skip leading blanks and controls, and tabs and newlines anywhere. */
	for (i = 0; raw[i] != '\0'; i++) {
		if ((o == 0 && (unsigned char)raw[i] <= ' ') || raw[i] == '\t' || raw[i] == '\n' ||
		    raw[i] == '\r')
			continue;
		url[o++] = (char)tolower((unsigned char)raw[i]);
	}
	url[o] = '\0';
	if (strncmp(url, "javascript:", 11) == 0 || strncmp(url, "vbscript:", 9) == 0 ||
	    strncmp(url, "file:", 5) == 0)
		return true;
	if (strncmp(url, "data:", 5) != 0)
		return false;
	for (k = 0; k < sizeof(images) / sizeof(images[0]); k++)
		if (strncmp(url + 5, "image/", 6) == 0 &&
		    strncmp(url + 11, images[k], strlen(images[k])) == 0)
			return false;
	return true;
}

/* Returns whether the word s[0..len) is in the NULL-terminated list. */
static bool
word_in(const char *s, size_t len, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && memcmp(*list, s, len) == 0)
			return true;
	return false;
}

/*
 * Checks that html holds only the markup cmark and render.c write: known
 * tags and attributes, quoted values without markup, no script URLs, and
 * no '>' outside a tag.
 */
static void
check_html(const char *html, const char *md)
{
	static const char *const tags[] = { "p", "blockquote", "ul", "ol", "li", "pre", "code",
	    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "em", "strong", "a", "img", NULL };
	static const char *const attrs[] = { "href", "title", "src", "srcset", "alt", "width",
	    "height", "class", "start", NULL };
	static const char omitted[] = "<!-- raw HTML omitted -->";
	const char	*p = html, *name, *val, *q;
	size_t		 n;

	for (; *p != '\0'; p++) {
		FUZZ_ASSERT(*p != '>', "a stray '>' at %zu of %.300s\nfrom %.300s",
		    (size_t)(p - html), html, md);
		if (*p != '<')
			continue;
		if (strncmp(p, omitted, strlen(omitted)) == 0) {
			p += strlen(omitted) - 1;
			continue;
		}
		name = ++p;
		if (*p == '/')
			name = ++p;
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");
		FUZZ_ASSERT(word_in(name, n, tags), "the tag <%.*s> in %.300s\nfrom %.300s",
		    (int)n, name, html, md);
		p += n;
		for (;;) {
			p += strspn(p, " ");
			if (*p == '>' || strncmp(p, "/>", 2) == 0)
				break;
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz");
			FUZZ_ASSERT(n > 0 && word_in(p, n, attrs) && p[n] == '=' && p[n + 1] == '"',
			    "a bad attribute at \"%.40s\" in %.300s\nfrom %.300s", p, html, md);
			name = p;
			val = p + n + 2;
			q = strchr(val, '"');
			FUZZ_ASSERT(q != NULL, "an unterminated attribute in %.300s", html);
			FUZZ_ASSERT(memchr(val, '<', (size_t)(q - val)) == NULL &&
			    memchr(val, '>', (size_t)(q - val)) == NULL,
			    "markup in the attribute \"%.*s\" of %.300s\nfrom %.300s",
			    (int)(q - val), val, html, md);
			if (strncmp(name, "href=", 5) == 0 || strncmp(name, "src=", 4) == 0)
				FUZZ_ASSERT(!url_unsafe(val, (size_t)(q - val)),
				    "a script URL \"%.*s\" in %.300s\nfrom %.300s", (int)(q - val),
				    val, html, md);
			p = q + 1;
		}
		if (*p == '/')
			p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_media	 m = { .n = 0 };
	struct render		 out;
	char			*md, err[256] = "";
	size_t			 len, i, unresolved = 0;
	enum render_result	 rc;

	md = fuzz_input(data, size, BODY_MAX, true, &len);
	/* What Post lets through (input.c): valid UTF-8, no controls but blanks. */
	if (!utf8_valid(md, len) || has_control(md, len, true))
		goto out;
	rc = render_markdown(md, len, RENDER_BUDGET_MS, fake_lookup, &m, &out, err, sizeof(err));
	FUZZ_ASSERT(rc != RENDER_FAILED, "render_markdown failed: %s", err);
	if (rc != RENDER_OK) {
		FUZZ_ASSERT(m.n == 0 && err[0] != '\0', "refused after %zu lookups: %s", m.n, err);
		goto out;
	}
	FUZZ_ASSERT(out.html != NULL && out.excerpt != NULL && json_is_array(out.media),
	    "a render without html, excerpt or media");
	FUZZ_ASSERT(json_array_size(out.media) == m.n, "%zu media for %zu lookups",
	    json_array_size(out.media), m.n);
	for (i = 0; i < m.n; i++) {
		json_t *o = json_array_get(out.media, i);
		const char *state = json_string_value(json_object_get(o, "state"));

		FUZZ_ASSERT(state != NULL, "a media entry without state");
		unresolved += strcmp(state, "resolved") != 0;
	}
	FUZZ_ASSERT(out.unresolved == m.n - m.found && unresolved == out.unresolved,
	    "unresolved %zu (list: %zu) of %zu lookups, %zu found", out.unresolved, unresolved,
	    m.n, m.found);
	FUZZ_ASSERT(utf8_valid(out.excerpt, strlen(out.excerpt)) &&
	    utf8_length(out.excerpt) <= EXCERPT_AUTO + 1 && strchr(out.excerpt, '\n') == NULL,
	    "the excerpt \"%s\"", out.excerpt);
	FUZZ_ASSERT(utf8_valid(out.html, strlen(out.html)), "HTML that is not UTF-8");
	check_html(out.html, md);
	render_free(&out);
out:
	free(md);
	return 0;
}
