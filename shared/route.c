#include "route.h"

#include <stdbool.h>
#include <string.h>

#include "encode.h"

/*
 * Matches path against pattern, decoding {name} segments into scratch.
 * Returns the number of parameters, or -1 when it does not match.
 */
static int
pattern_match(const char *pattern, const char *path, char *scratch, char **params)
{
	const char	*pe, *se;
	size_t		 plen, slen;
	int		 np = 0;
	long		 dlen;

	while (*pattern == '/' && *path == '/') {
		pattern++;
		path++;
		pe = strchr(pattern, '/');
		se = strchr(path, '/');
		plen = pe != NULL ? (size_t)(pe - pattern) : strlen(pattern);
		slen = se != NULL ? (size_t)(se - path) : strlen(path);
		if (plen >= 2 && pattern[0] == '{' && pattern[plen - 1] == '}') {
			if (slen == 0 || np == REQ_MAX_PARAMS ||
			    (dlen = percent_decode(path, slen, scratch, false)) < 0 ||
			    memchr(scratch, '/', (size_t)dlen) != NULL)
				return -1;
			params[np++] = scratch;
			scratch += dlen + 1;
		} else if (plen != slen || memcmp(pattern, path, plen) != 0)
			return -1;
		pattern += plen;
		path += slen;
	}
	return *pattern == '\0' && *path == '\0' ? np : -1;
}

/* Returns whether a route's method accepts the request's. */
static bool
method_match(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	    (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

/* Appends m to a comma-separated list unless it is there already. */
static void
allow_add(struct buf *allow, const char *m)
{
	const char	*p = buf_str(allow);
	size_t		 len = strlen(m);

	while ((p = strstr(p, m)) != NULL) {
		if ((p == buf_str(allow) || p[-1] == ' ') && (p[len] == ',' || p[len] == '\0'))
			return;
		p += len;
	}
	if (allow->len > 0)
		buf_puts(allow, ", ");
	buf_puts(allow, m);
}

enum route_result
route_match(const struct route *routes, size_t n, const char *method, const char *path,
    const struct route **found, char *scratch, char *params[REQ_MAX_PARAMS],
    size_t *nparams, struct buf *allow)
{
	bool	 path_known = false;
	size_t	 i;
	int	 np;

	for (i = 0; i < n; i++) {
		if ((np = pattern_match(routes[i].pattern, path, scratch, params)) < 0)
			continue;
		if (method_match(routes[i].method, method)) {
			*found = &routes[i];
			*nparams = (size_t)np;
			return ROUTE_FOUND;
		}
		path_known = true;
	}
	if (!path_known)
		return ROUTE_NOT_FOUND;
	for (i = 0; i < n; i++) {
		if (pattern_match(routes[i].pattern, path, scratch, params) < 0)
			continue;
		allow_add(allow, routes[i].method);
		if (strcmp(routes[i].method, "GET") == 0)
			allow_add(allow, "HEAD");
	}
	return ROUTE_BAD_METHOD;
}
