/*
 * Route matching and path decoding: route_match() of any method (the
 * input's first line) and path (the rest) against the route tables of the
 * three programs (their patterns as in fcgi/NAME/main.c), with a scratch
 * buffer of exactly the size srv_dispatch() gives it.
 *
 * What must hold: a route found takes the method (GET also HEAD) and has
 * as many parameters as {name} segments, each non-empty without '/';
 * written back with escapes into its pattern, the path finds the same
 * route and parameters; a 405 lists methods, never the one asked; a path no
 * pattern knows is unknown for every method.
 */
#include <string.h>

#include "fuzz.h"
#include "route.h"

#define R(m, p)	{ m, p, NULL, ROLE_ANON }

static const struct route auth[] = {
	R("POST", "/auth/login"), R("POST", "/auth/refresh"), R("POST", "/auth/logout"),
	R("GET", "/auth/me"), R("GET", "/auth/jwks.json"), R("GET", "/auth/health"),
	R("POST", "/auth/users"), R("GET", "/auth/users"), R("GET", "/auth/users/{id}"),
	R("PATCH", "/auth/users/{id}"), R("DELETE", "/auth/users/{id}"),
};
static const struct route post[] = {
	R("GET", "/posts"), R("POST", "/posts"), R("GET", "/posts/feed.atom"),
	R("GET", "/posts/health"), R("GET", "/posts/{id}"), R("PATCH", "/posts/{id}"),
	R("DELETE", "/posts/{id}"), R("GET", "/posts/{id}/revisions"),
};
static const struct route media[] = {
	R("POST", "/media"), R("GET", "/media"), R("GET", "/media/health"),
	R("GET", "/media/{id}"), R("PATCH", "/media/{id}"), R("DELETE", "/media/{id}"),
	R("GET", "/media/{id}/original"), R("GET", "/media/{id}/w/{name}"),
};

static const struct {
	const struct route	*routes;
	size_t			 n;
} tables[] = {
	{ auth, sizeof(auth) / sizeof(auth[0]) },
	{ post, sizeof(post) / sizeof(post[0]) },
	{ media, sizeof(media) / sizeof(media[0]) },
};

/* Matches path with a scratch buffer of exactly srv_dispatch()'s size. */
static enum route_result
match(const struct route *routes, size_t n, const char *method, const char *path,
    const struct route **found, char **scratch, char *params[REQ_MAX_PARAMS], size_t *np,
    struct buf *allow)
{
	if ((*scratch = malloc(strlen(path) + REQ_MAX_PARAMS)) == NULL)
		abort();
	return route_match(routes, n, method, path, found, *scratch, params, np, allow);
}

/* Writes the pattern of route with params, every byte of them %-escaped, into b. */
static void
rebuild(struct buf *b, const char *pattern, char *const params[], size_t np)
{
	const char	*p = pattern, *open;
	size_t		 i = 0, k;

	while ((open = strchr(p, '{')) != NULL) {
		buf_append(b, p, (size_t)(open - p));
		FUZZ_ASSERT(i < np, "fewer parameters than {} in %s", pattern);
		for (k = 0; params[i][k] != '\0'; k++)
			buf_printf(b, "%%%02X", (unsigned char)params[i][k]);
		i++;
		p = strchr(open, '}') + 1;
	}
	buf_puts(b, p);
	FUZZ_ASSERT(i == np, "%zu parameters for the %zu {} of %s", np, i, pattern);
}

/* Checks one table against method and path. */
static void
check_table(const struct route *routes, size_t n, const char *method, const char *path)
{
	const struct route	*found = NULL, *again = NULL;
	char			*scratch, *scratch2, *params[REQ_MAX_PARAMS], *params2[REQ_MAX_PARAMS];
	struct buf		 allow = BUF_INIT, allow2 = BUF_INIT, back = BUF_INIT;
	size_t			 np, np2, i;
	enum route_result	 rr, rr2;

	rr = match(routes, n, method, path, &found, &scratch, params, &np, &allow);
	switch (rr) {
	case ROUTE_FOUND:
		FUZZ_ASSERT(found >= routes && found < routes + n && (strcmp(found->method,
		    method) == 0 || (strcmp(method, "HEAD") == 0 &&
		    strcmp(found->method, "GET") == 0)), "%s %s finds %s %s", method, path,
		    found->method, found->pattern);
		for (i = 0; i < np; i++)
			FUZZ_ASSERT(params[i][0] != '\0' && strchr(params[i], '/') == NULL,
			    "%s %s: parameter %zu is \"%s\"", method, path, i, params[i]);
		rebuild(&back, found->pattern, params, np);
		rr2 = match(routes, n, method, buf_str(&back), &again, &scratch2, params2, &np2,
		    &allow2);
		FUZZ_ASSERT(rr2 == ROUTE_FOUND && again == found && np2 == np,
		    "%s %s finds %s, but written back as %s it does not", method, path,
		    found->pattern, buf_str(&back));
		for (i = 0; i < np; i++)
			FUZZ_ASSERT(strcmp(params[i], params2[i]) == 0, "parameter %zu: \"%s\", then "
			    "\"%s\"", i, params[i], params2[i]);
		free(scratch2);
		break;
	case ROUTE_BAD_METHOD:
		FUZZ_ASSERT(allow.len > 0, "405 without methods for %s %s", method, path);
		buf_printf(&back, ", %s, ", buf_str(&allow));
		buf_printf(&allow2, ", %s, ", method);
		FUZZ_ASSERT(strstr(buf_str(&back), buf_str(&allow2)) == NULL,
		    "405 for %s %s allows %s", method, path, buf_str(&allow));
		break;
	case ROUTE_NOT_FOUND:
		FUZZ_ASSERT(match(routes, n, "GET", path, &again, &scratch2, params2, &np2, &allow2) ==
		    ROUTE_NOT_FOUND && (free(scratch2), match(routes, n, "DELETE", path, &again,
		    &scratch2, params2, &np2, &allow2) == ROUTE_NOT_FOUND),
		    "%s %s is unknown, not for every method", method, path);
		free(scratch2);
		break;
	}
	free(scratch);
	buf_free(&allow);
	buf_free(&allow2);
	buf_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	char		*method, *path;
	size_t		 i;

	if (nl != NULL) {
		method = fuzz_str(data, (size_t)(nl - data));
		path = fuzz_str(nl + 1, size - (size_t)(nl + 1 - data));
	} else {
		method = fuzz_str((const uint8_t *)"GET", 3);
		path = fuzz_str(data, size);
	}
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		check_table(tables[i].routes, tables[i].n, method, path);
	free(method);
	free(path);
	return 0;
}
