/*
 * Browser sessions: the refresh token in a cookie instead of the body.
 *
 * A client asks for one with the header "X-Quire-Session: cookie" on
 * POST /auth/login; the refresh token then goes out only as
 *   Set-Cookie: quire_refresh=…; Path=/auth; Max-Age=…; HttpOnly; SameSite=Strict[; Secure]
 * and /auth/refresh and /auth/logout take it from the Cookie header when
 * they carry that same header. The header is the CSRF defence: a cross-site
 * form cannot send it, and a cross-site script cannot either without a CORS
 * preflight that Auth never approves. A request whose Origin (or
 * Sec-Fetch-Site) names another site is refused all the same.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"

#define SESSION_HEADER	"HTTP_X_QUIRE_SESSION"

bool
browser_session(const struct req *r)
{
	const char *v = req_env(r, SESSION_HEADER);

	return v != NULL && strcasecmp(v, "cookie") == 0;
}

/* Returns whether the site is served over https (the web server's HTTPS, or cookie_secure). */
static bool
browser_https(const struct req *r)
{
	const char *v = req_env(r, "HTTPS");

	return auth_conf(r)->cookie_secure || (v != NULL && strcasecmp(v, "on") == 0);
}

/*
 * Returns whether origin ("scheme://host[:port]") is this site: the scheme
 * the request came in by and its Host header.
 */
static bool
same_origin(const struct req *r, const char *origin)
{
	const char	*host = req_env(r, "HTTP_HOST");
	const char	*scheme = browser_https(r) ? "https://" : "http://";
	size_t		 n = strlen(scheme);

	if (host == NULL || *host == '\0' || strncasecmp(origin, scheme, n) != 0)
		return false;
	return strcasecmp(origin + n, host) == 0;
}

int
browser_check_site(struct req *r)
{
	const char	*origin = req_env(r, "HTTP_ORIGIN");
	const char	*site = req_env(r, "HTTP_SEC_FETCH_SITE");

	if (origin != NULL && !same_origin(r, origin)) {
		resp_error(r, ERR_CROSS_SITE_REQUEST, "a browser session is used from its own site "
		    "only; this request comes from %s", strcmp(origin, "null") == 0 ?
		    "an opaque origin" : "another origin");
		return -1;
	}
	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
		resp_error(r, ERR_CROSS_SITE_REQUEST, "a browser session is used from its own site "
		    "only; this request is %s", site);
		return -1;
	}
	return 0;
}

const char *
browser_cookie_token(const struct req *r, char token[REFRESH_TOKEN_LEN + 1])
{
	const char	*p = req_env(r, "HTTP_COOKIE"), *v, *end;
	static const char name[] = BROWSER_COOKIE "=";

	/* "a=1; quire_refresh=TOKEN; b=2": the first pair of that name. */
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > sizeof(name) - 1 && strncmp(p, name, sizeof(name) - 1) == 0) {
			v = p + sizeof(name) - 1;
			while (end > v && end[-1] == ' ')
				end--;
			if ((size_t)(end - v) != REFRESH_TOKEN_LEN)
				return NULL;
			memcpy(token, v, REFRESH_TOKEN_LEN);
			token[REFRESH_TOKEN_LEN] = '\0';
			return token;
		}
		p = end;
	}
	return NULL;
}

bool
browser_has_cookie(const struct req *r)
{
	const char	*p = req_env(r, "HTTP_COOKIE");
	const char	*at;

	for (at = p; at != NULL && (at = strstr(at, BROWSER_COOKIE "=")) != NULL; at++)
		if (at == p || at[-1] == ' ' || at[-1] == ';')
			return true;
	return false;
}

int
browser_set_cookie(struct req *r, const char *token)
{
	return resp_header(r, "Set-Cookie", BROWSER_COOKIE "=%s; Path=/auth; Max-Age=%lld; "
	    "HttpOnly; SameSite=Strict%s", token != NULL ? token : "",
	    token != NULL ? auth_conf(r)->refresh_ttl : 0LL, browser_https(r) ? "; Secure" : "");
}
