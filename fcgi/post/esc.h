/*
 * esc: escaping of text for each place of an HTML page it can go: HTML text
 * and quoted attribute values, whole URLs and URL parts in attributes, the
 * srcset list, and JSON strings inside a <script> data block. Each is pure
 * on (s, len), treats ill-formed UTF-8 as U+FFFD, and returns 0, or -1 when
 * memory runs out (b then holds part of the text: discard it).
 */
#ifndef QUIRE_ESC_H
#define QUIRE_ESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* What a URL that may not go in a page (javascript:, data:, …) becomes. */
#define ESC_URL_BLOCKED	"about:invalid#blocked"

/*
 * Returns the length (1 to 4) of the well-formed UTF-8 sequence at s[0..n)
 * and its code point in *cp, or 0 when there is none (ill-formed, cut
 * short, an overlong form, a surrogate, or n is 0).
 */
size_t	esc_utf8_next(const char *s, size_t n, uint32_t *cp);

/*
 * HTML text, RCDATA (<title>) and quoted attribute values: & < > " ' become
 * entities; control characters other than tab, LF and CR, C1 controls and
 * noncharacters (all parse errors in HTML) become U+FFFD.
 */
int	esc_html(struct buf *, const char *s, size_t len);

/*
 * A whole URL in a quoted URL attribute (href, src, …): characters that
 * cannot stand in a URL are percent-encoded (a '%' that starts no %XX
 * escape too), then the result is checked: a URL with a scheme other than
 * http, https or mailto (javascript:, data:, vbscript:, …) becomes
 * ESC_URL_BLOCKED. The output holds no quote, '<' or '>', and '&' as &amp;.
 */
int	esc_url(struct buf *, const char *s, size_t len);

/* Returns whether esc_url() would keep s[0..len) (relative, or http, https, mailto). */
bool	esc_url_allowed(const char *s, size_t len);

/*
 * A part of a URL after its start (a path segment, a query value): every
 * byte but ASCII letters, digits and - . _ ~ is percent-encoded.
 */
int	esc_url_part(struct buf *, const char *s, size_t len);

/*
 * A srcset value: each candidate ("url 640w") keeps a URL that esc_url()
 * allows, written as esc_url() writes it, and a width or density
 * descriptor; a candidate with any other URL or descriptor is left out.
 */
int	esc_srcset(struct buf *, const char *s, size_t len);

/*
 * The inside of a JSON string in a <script> data block: JSON escapes, with
 * < > & ' as \u003c \u003e \u0026 \u0027 (so no "</script" or "<!--" can
 * appear), U+2028, U+2029, C1 controls and noncharacters as \u escapes.
 */
int	esc_json_str(struct buf *, const char *s, size_t len);

#endif
