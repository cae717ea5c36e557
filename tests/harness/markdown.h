/* markdown: the Markdown bodies the render-cost tests send, and a counter for their HTML. */
#ifndef QUIRE_MARKDOWN_H
#define QUIRE_MARKDOWN_H

#include <stddef.h>

/* Returns how many times needle occurs in s (memmem: linear, even under ASan). */
size_t	 count_of(const char *s, const char *needle);
/*
 * Returns issue 10 item 1a's body (to free): 524,000 ">" and " x", then
 * 10,928 lines "![](media:ID)": 1 MiB with a UUID.
 */
char	*md_deep_images(const char *id);
/* Returns issue 10 item 1b's body (to free): "![[]()" repeated up to max bytes. */
char	*md_quadratic(size_t max);

#endif
