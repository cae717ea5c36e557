/*
 * The reader site's settings: GET /posts/settings (anyone) and PATCH
 * /posts/settings (admin, If-Match), one row of post.settings. A change
 * deletes every stored page: the title, navigation and language are on
 * each, and posts_per_page cuts every list anew. Every node hears of it
 * (NOTIFY ALL) in the transaction of the change; this one deletes after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nitems.h"
#include "post.h"
#include "text.h"

#define TITLE_CHARS		200
#define DESCRIPTION_CHARS	500
#define LANGUAGE_MAX		35
#define LABEL_CHARS		40
#define NAV_URL_MAX		500

static const struct field settings_fields[5] = {
	{ "title", JSON_STRING, false, false },
	{ "description", JSON_STRING, false, false },
	{ "language", JSON_STRING, false, false },
	{ "posts_per_page", JSON_INTEGER, false, false },
	{ "navigation", JSON_ARRAY, false, false },
};

void
site_conf_default(struct site_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->title = strdup("Quire");
	c->description = strdup("");
	c->language = strdup("en");
	c->per_page = 10;
}

void
site_conf_free(struct site_conf *c)
{
	free(c->title);
	free(c->description);
	free(c->language);
	json_decref(c->nav_json);
	memset(c, 0, sizeof(*c));
}

int
site_conf_read(struct site_conf *c, PGresult *res)
{
	json_t	*item;
	size_t	 i;

	memset(c, 0, sizeof(*c));
	c->title = strdup(PQgetvalue(res, 0, STC_TITLE));
	c->description = strdup(PQgetvalue(res, 0, STC_DESCRIPTION));
	c->language = strdup(PQgetvalue(res, 0, STC_LANGUAGE));
	if (text_parse_int(PQgetvalue(res, 0, STC_PER_PAGE), 1, 50, &c->per_page) == -1)
		c->per_page = 10;
	text_parse_int(PQgetvalue(res, 0, STC_VERSION), 1, INT32_MAX, &c->version);
	c->nav_json = json_loads(PQgetvalue(res, 0, STC_NAVIGATION), 0, NULL);
	json_array_foreach(c->nav_json, i, item) {
		const char *label = json_string_value(json_object_get(item, "label"));
		const char *url = json_string_value(json_object_get(item, "url"));

		if (label == NULL || url == NULL || c->nnav == SETTINGS_NAV_MAX)
			continue;
		c->nav[c->nnav].label = label;
		c->nav[c->nnav].url = url;
		c->nnav++;
	}
	if (c->title == NULL || c->description == NULL || c->language == NULL) {
		site_conf_free(c);
		return -1;
	}
	return 0;
}

/* Returns whether s[0..len) is n ASCII characters of class (a: letters, d: digits, x: both). */
static bool
chars_of(const char *s, size_t len, char class)
{
	const char	*alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const char	*digit = "0123456789";
	size_t		 i;

	for (i = 0; i < len; i++) {
		bool a = strchr(alpha, s[i]) != NULL, d = strchr(digit, s[i]) != NULL;

		if (s[i] == '\0' || (class == 'a' && !a) || (class == 'd' && !d) ||
		    (class == 'x' && !a && !d))
			return false;
	}
	return true;
}

/*
 * Returns whether tag is a well-formed BCP 47 language tag of the common
 * shape: language (2-3 letters), then an optional script (4 letters), an
 * optional region (2 letters or 3 digits) and variants (5-8 alphanumerics,
 * or a digit and 3 alphanumerics), separated by '-'.
 */
static bool
language_ok(const char *tag)
{
	const char	*p = tag, *end;
	size_t		 len;
	int		 stage = 0;	/* 0 language, 1 script, 2 region, 3 variants */

	if (strlen(tag) > LANGUAGE_MAX)
		return false;
	for (;;) {
		end = strchr(p, '-');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (stage == 0) {
			if ((len != 2 && len != 3) || !chars_of(p, len, 'a'))
				return false;
			stage = 1;
		} else if (stage == 1 && len == 4 && chars_of(p, len, 'a'))
			stage = 2;
		else if (stage <= 2 && ((len == 2 && chars_of(p, len, 'a')) ||
		    (len == 3 && chars_of(p, len, 'd'))))
			stage = 3;
		else if ((len >= 5 && len <= 8 && chars_of(p, len, 'x')) ||
		    (len == 4 && chars_of(p, 1, 'd') && chars_of(p, len, 'x')))
			stage = 3;
		else
			return false;
		if (end == NULL)
			return true;
		p = end + 1;
	}
}

/* Returns whether url may be a navigation link: a site path, or an http(s) URL with a host. */
static bool
nav_url_ok(const char *url)
{
	size_t		 len = strlen(url);
	const char	*host;

	if (len == 0 || len > NAV_URL_MAX || text_has_control(url, len, false) ||
	    strpbrk(url, " \"<>\\") != NULL)
		return false;
	if (url[0] == '/')
		return url[1] != '/';
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return false;
	return *host != '\0' && *host != '/' && *host != '?' && *host != '#';
}

/* Checks a one-line text of min..max characters. Returns NULL or a message in msg. */
static const char *
line_check(const char *name, json_t *v, size_t min, size_t max, char *msg, size_t len)
{
	const char	*s = json_string_value(v);
	size_t		 n;

	if (s == NULL)
		snprintf(msg, len, "\"%s\" is a string", name);
	else if (text_has_control(s, json_string_length(v), false))
		snprintf(msg, len, "\"%s\" holds a control character", name);
	else if ((n = utf8_length(s)) < min || n > max)
		snprintf(msg, len, "\"%s\" is %zu to %zu characters", name, min, max);
	else if (min > 0 && strspn(s, " ") == strlen(s))
		snprintf(msg, len, "\"%s\" is blank", name);
	else
		return NULL;
	return msg;
}

/* Checks the navigation: at most 20 {"label","url"} objects. */
static const char *
nav_check(json_t *v, char *msg, size_t len)
{
	json_t		*item;
	const char	*url;
	char		 name[64];
	size_t		 i;

	if (!json_is_array(v) || json_array_size(v) > SETTINGS_NAV_MAX) {
		snprintf(msg, len, "\"navigation\" is a list of at most %d links",
		    SETTINGS_NAV_MAX);
		return msg;
	}
	json_array_foreach(v, i, item) {
		if (!json_is_object(item) || json_object_size(item) != 2 ||
		    json_object_get(item, "label") == NULL || json_object_get(item, "url") == NULL) {
			snprintf(msg, len, "\"navigation[%zu]\" is an object of exactly \"label\" "
			    "and \"url\"", i);
			return msg;
		}
		snprintf(name, sizeof(name), "navigation[%zu].label", i);
		if (line_check(name, json_object_get(item, "label"), 1, LABEL_CHARS, msg, len))
			return msg;
		url = json_string_value(json_object_get(item, "url"));
		if (url == NULL || !nav_url_ok(url)) {
			snprintf(msg, len, "\"navigation[%zu].url\" is a path of this site (/about/) "
			    "or an http or https URL, of at most %d bytes", i, NAV_URL_MAX);
			return msg;
		}
	}
	return NULL;
}

const char *
settings_check(const char *name, json_t *v, char *msg, size_t len)
{
	if (strcmp(name, "title") == 0)
		return line_check(name, v, 1, TITLE_CHARS, msg, len);
	if (strcmp(name, "description") == 0)
		return line_check(name, v, 0, DESCRIPTION_CHARS, msg, len);
	if (strcmp(name, "language") == 0) {
		if (json_is_string(v) && language_ok(json_string_value(v)))
			return NULL;
		snprintf(msg, len, "\"language\" is a BCP 47 language tag such as en, fr-CA or "
		    "zh-Hant-TW");
		return msg;
	}
	if (strcmp(name, "posts_per_page") == 0) {
		if (json_is_integer(v) && json_integer_value(v) >= 1 &&
		    json_integer_value(v) <= 50)
			return NULL;
		snprintf(msg, len, "\"posts_per_page\" is an integer from 1 to 50");
		return msg;
	}
	if (strcmp(name, "navigation") == 0)
		return nav_check(v, msg, len);
	snprintf(msg, len, "unknown field \"%s\"", name);
	return msg;
}

/* Writes the settings' ETag for version into out. */
static void
settings_etag(long long version, char out[ETAG_MAX])
{
	snprintf(out, ETAG_MAX, "\"settings.%lld\"", version);
}

/* Answers status with the settings in row 0 of res (S_SITE_STATE) and their ETag. */
static void
settings_answer(struct req *r, int status, PGresult *res)
{
	char		 etag[ETAG_MAX];
	long long	 version = 0, per_page = 0;
	json_t		*nav = json_loads(PQgetvalue(res, 0, STC_NAVIGATION), 0, NULL);

	text_parse_int(PQgetvalue(res, 0, STC_VERSION), 0, INT32_MAX, &version);
	text_parse_int(PQgetvalue(res, 0, STC_PER_PAGE), 0, 50, &per_page);
	settings_etag(version, etag);
	resp_json(r, status, json_pack("{s:s, s:s, s:s, s:I, s:o, s:s}",
	    "title", PQgetvalue(res, 0, STC_TITLE),
	    "description", PQgetvalue(res, 0, STC_DESCRIPTION),
	    "language", PQgetvalue(res, 0, STC_LANGUAGE),
	    "posts_per_page", (json_int_t)per_page,
	    "navigation", nav != NULL ? nav : json_array(),
	    "updated_at", PQgetvalue(res, 0, STC_UPDATED)));
	resp_header(r, "ETag", "%s", etag);
	resp_header(r, "Cache-Control", "no-cache");
}

/*
 * GET /posts/settings (anyone)
 * 200 {"title","description","language","posts_per_page","navigation",
 * "updated_at"} with ETag; 304 for a matching If-None-Match; 503.
 */
void
h_settings_get(struct req *r)
{
	PGresult	*res;
	enum db_status	 st;
	long long	 version = 0;
	char		 etag[ETAG_MAX];

	if ((st = db_exec0(r->ctx->db, S_SITE_STATE, &res)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	text_parse_int(PQgetvalue(res, 0, STC_VERSION), 0, INT32_MAX, &version);
	settings_etag(version, etag);
	if (etag_matches(req_env(r, "HTTP_IF_NONE_MATCH"), etag, true)) {
		resp_empty(r, 304);
		resp_header(r, "ETag", "%s", etag);
		resp_header(r, "Cache-Control", "no-cache");
	} else
		settings_answer(r, 200, res);
	PQclear(res);
}

/* Returns the JSON text of field name of body (to free), or NULL when absent. */
static char *
field_text(json_t *body, const char *name)
{
	json_t	*v = json_object_get(body, name);

	if (v == NULL)
		return NULL;
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/*
 * PATCH /posts/settings (admin) with If-Match
 * {"title"?,"description"?,"language"?,"posts_per_page"?,"navigation"?}
 * 200 with the settings and their new ETag; every stored page is deleted.
 * 400 (unknown_field, invalid_type, invalid_field naming the field,
 * missing_field when empty); 401; 403; 412 stale If-Match; 413; 415; 428
 * without If-Match; 503.
 */
void
h_settings_patch(struct req *r)
{
	static const char *const names[5] = { "title", "description", "language",
	    "posts_per_page", "navigation" };
	const char	*if_match = req_env(r, "HTTP_IF_MATCH"), *why;
	struct db	*db = r->ctx->db;
	struct inval	 inv = { BUF_INIT, true, BUF_INIT, 0 };
	PGresult	*cur = NULL, *upd = NULL;
	json_t		*body = NULL, *v;
	enum db_status	 st;
	char		 etag[ETAG_MAX], msg[256], *vals[5] = { NULL };
	long long	 version = 0;
	size_t		 i;

	if (if_match == NULL) {
		resp_error(r, ERR_PRECONDITION_REQUIRED, "a change needs If-Match with the "
		    "settings' ETag, so that no one else's change is lost");
		return;
	}
	if ((body = req_json(r)) == NULL || req_check_fields(r, body, settings_fields,
	    nitems(settings_fields)) == -1)
		goto out;
	if (json_object_size(body) == 0) {
		resp_error(r, ERR_MISSING_FIELD, "nothing to change: give at least one field");
		goto out;
	}
	for (i = 0; i < 5; i++) {
		if ((v = json_object_get(body, names[i])) == NULL)
			continue;
		if ((why = settings_check(names[i], v, msg, sizeof(msg))) != NULL) {
			resp_error(r, ERR_INVALID_FIELD, "%s", why);
			goto out;
		}
		if ((vals[i] = field_text(body, names[i])) == NULL) {
			resp_error(r, ERR_INTERNAL, "out of memory");
			goto out;
		}
	}
	if ((st = db_exec0(db, S_SITE_STATE, &cur)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	text_parse_int(PQgetvalue(cur, 0, STC_VERSION), 0, INT32_MAX, &version);
	settings_etag(version, etag);
	if (!etag_matches(if_match, etag, false)) {
		resp_error(r, ERR_PRECONDITION_FAILED, "the settings changed since: read them "
		    "again (their ETag is %s)", etag);
		goto out;
	}
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_SETTINGS_UPDATE, &upd, vals[0], vals[1], vals[2], vals[3],
	    vals[4], PQgetvalue(cur, 0, STC_VERSION))) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	if (PQntuples(upd) == 0) {
		db_rollback(db);
		resp_error(r, ERR_PRECONDITION_FAILED, "the settings changed while this change "
		    "was made; read them again");
		goto out;
	}
	PQclear(cur);
	cur = NULL;
	if ((st = site_tell(r->ctx, &inv)) != DB_OK || (st = db_commit(db)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	site_forget(r->ctx, &inv);
	if ((st = db_exec0(db, S_SITE_STATE, &cur)) != DB_OK)
		resp_db_error(r, st);
	else
		settings_answer(r, 200, cur);
out:
	for (i = 0; i < 5; i++)
		free(vals[i]);
	inval_free(&inv);
	PQclear(cur);
	PQclear(upd);
	json_decref(body);
}
