/*
 * The fields of a post as a client writes them (POST /posts, PATCH
 * /posts/{id}): their types are checked by req_check_fields(), their values
 * here, each refusal with its own code and the field named.
 */
#include <stdio.h>
#include <string.h>

#include "post.h"
#include "text.h"
#include "times.h"

const struct field post_fields[8] = {
	{ "title", JSON_STRING, false, false },
	{ "body", JSON_STRING, false, false },
	{ "slug", JSON_STRING, false, false },
	{ "status", JSON_STRING, false, false },
	{ "published_at", JSON_STRING, false, true },
	{ "tags", JSON_ARRAY, false, false },
	{ "excerpt", JSON_STRING, false, true },
	{ "kind", JSON_STRING, false, false },
};

/*
 * Checks that s (len bytes) holds no control character, but tab, LF and CR
 * when multiline. Returns 0, or -1 with e set (400 control_character).
 */
static int
no_controls(const char *name, const char *s, size_t len, bool multiline, struct input_error *e)
{
	if (text_has_control(s, len, multiline))
		return input_fail(e, ERR_CONTROL_CHARACTER, "field \"%s\" holds a control character",
		    name);
	return 0;
}

/* Checks a one-line text field of 1..max characters. Returns 0 or -1 with e set. */
static int
check_line(const char *name, json_t *v, size_t min, size_t max, struct input_error *e)
{
	const char	*s = json_string_value(v);
	size_t		 n;

	if (no_controls(name, s, json_string_length(v), false, e) == -1)
		return -1;
	n = utf8_length(s);
	if (n < min || n > max)
		return input_fail(e, ERR_INVALID_FIELD, "field \"%s\" is %zu to %zu characters", name,
		    min, max);
	return 0;
}

/* Checks the title: 1..TITLE_MAX characters, not only blanks. */
static int
check_title(json_t *v, struct input_error *e)
{
	const char	*s = json_string_value(v);

	if (check_line("title", v, 1, TITLE_MAX, e) == -1)
		return -1;
	if (strspn(s, " ") == strlen(s))
		return input_fail(e, ERR_INVALID_FIELD, "field \"title\" is blank");
	return 0;
}

int
post_body_check(json_t *v, struct input_error *e)
{
	if (json_string_length(v) > BODY_MAX)
		return input_fail(e, ERR_BODY_TOO_LARGE, "field \"body\" is larger than %d bytes (1 MiB)",
		    BODY_MAX);
	return no_controls("body", json_string_value(v), json_string_length(v), true, e);
}

/*
 * Checks the tags (0..TAGS_MAX strings of 1..TAG_MAX characters) and
 * returns a new array without repeats, or NULL with e set.
 */
static json_t *
read_tags(json_t *v, struct input_error *e)
{
	json_t	*out, *t, *u;
	size_t	 i, j;

	if (json_array_size(v) > TAGS_MAX) {
		input_fail(e, ERR_INVALID_FIELD, "field \"tags\" holds at most %d tags", TAGS_MAX);
		return NULL;
	}
	if ((out = json_array()) == NULL) {
		input_fail(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	json_array_foreach(v, i, t) {
		if (!json_is_string(t)) {
			input_fail(e, ERR_INVALID_TYPE, "field \"tags\" must be an array of strings");
			goto fail;
		}
		if (check_line("tags", t, 1, TAG_MAX, e) == -1)
			goto fail;
		json_array_foreach(out, j, u)
			if (json_equal(t, u))
				break;
		if (j == json_array_size(out))
			json_array_append(out, t);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

int
post_input_read(json_t *body, bool create, struct post_input *in, struct input_error *e)
{
	json_t		*v;
	const char	*why;

	memset(in, 0, sizeof(*in));
	if (create && json_object_get(body, "title") == NULL)
		return input_fail(e, ERR_MISSING_FIELD, "field \"title\" is required");
	if (create && json_object_get(body, "body") == NULL)
		return input_fail(e, ERR_MISSING_FIELD, "field \"body\" is required");
	if (!create && json_object_size(body) == 0)
		return input_fail(e, ERR_MISSING_FIELD, "nothing to change: give at least one field");
	if ((v = json_object_get(body, "title")) != NULL) {
		if (check_title(v, e) == -1)
			return -1;
		in->title = json_string_value(v);
	}
	if ((v = json_object_get(body, "body")) != NULL) {
		if (post_body_check(v, e) == -1)
			return -1;
		in->body = json_string_value(v);
	}
	if ((v = json_object_get(body, "slug")) != NULL) {
		in->slug = json_string_value(v);
		/* A slug-shaped word that is no id, yet refused, is one the site keeps. */
		if ((why = slug_invalid(in->slug)) != NULL && slug_shaped(in->slug) &&
		    !uuid_valid(in->slug))
			return input_fail(e, ERR_RESERVED_SLUG, "field \"slug\": the slug \"%s\" is "
			    "taken by the site's own pages (/%s/); choose another", in->slug,
			    in->slug);
		if (why != NULL)
			return input_fail(e, ERR_INVALID_SLUG, "field \"slug\": %s", why);
	}
	if ((v = json_object_get(body, "kind")) != NULL) {
		in->kind = json_string_value(v);
		if (strcmp(in->kind, "post") != 0 && strcmp(in->kind, "page") != 0)
			return input_fail(e, ERR_INVALID_FIELD, "field \"kind\" is post (in lists and "
			    "feeds) or page (its own URL only)");
	}
	if ((v = json_object_get(body, "status")) != NULL) {
		in->status = json_string_value(v);
		if (strcmp(in->status, "draft") != 0 && strcmp(in->status, "published") != 0 &&
		    strcmp(in->status, "scheduled") != 0)
			return input_fail(e, ERR_INVALID_FIELD, "field \"status\" is one of draft, "
			    "published, scheduled");
	}
	if ((v = json_object_get(body, "published_at")) != NULL) {
		in->has_published_at = true;
		if (json_is_string(v)) {
			if (time_parse_rfc3339(json_string_value(v), &in->published_time) == -1)
				return input_fail(e, ERR_INVALID_FIELD, "field \"published_at\" is an "
				    "RFC 3339 date-time, such as 2026-11-26T06:14:52Z");
			time_rfc3339(in->published_time, in->published_at);
		}
	}
	if ((v = json_object_get(body, "excerpt")) != NULL) {
		in->excerpt_null = json_is_null(v);
		if (!in->excerpt_null) {
			if (check_line("excerpt", v, 0, EXCERPT_MAX, e) == -1)
				return -1;
			in->excerpt = json_string_value(v);
		}
	}
	if ((v = json_object_get(body, "tags")) != NULL && (in->tags = read_tags(v, e)) == NULL)
		return -1;
	return 0;
}

void
post_input_free(struct post_input *in)
{
	json_decref(in->tags);
	memset(in, 0, sizeof(*in));
}

int
post_status_check(const char *status, const char *published_at, time_t when, bool asked,
    time_t now, struct input_error *e)
{
	if (strcmp(status, "scheduled") != 0 || !asked)
		return 0;
	if (*published_at == '\0')
		return input_fail(e, ERR_MISSING_FIELD, "a scheduled post needs \"published_at\"");
	if (when <= now)
		return input_fail(e, ERR_INVALID_FIELD, "\"published_at\" of a scheduled post must be "
		    "in the future");
	return 0;
}
