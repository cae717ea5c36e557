#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "markdown.h"

size_t
count_of(const char *s, const char *needle)
{
	const char	*end = s + strlen(s);
	size_t		 n = 0, len = strlen(needle);

	for (; (s = memmem(s, (size_t)(end - s), needle, len)) != NULL; s += len)
		n++;
	return n;
}

char *
md_deep_images(const char *id)
{
	struct buf	 md = BUF_INIT;
	size_t		 i;

	for (i = 0; i < 524000; i++)
		buf_puts(&md, ">");
	buf_puts(&md, " x\n");
	for (i = 0; i < 10928; i++)
		buf_printf(&md, "![](media:%s)\n", id);
	return md.data;
}

char *
md_quadratic(size_t max)
{
	char	*md = malloc(max + 1);
	size_t	 i;

	if (md == NULL)
		return NULL;
	for (i = 0; i + 6 <= max; i += 6)
		memcpy(md + i, "![[]()", 6);
	md[i] = '\0';
	return md;
}
