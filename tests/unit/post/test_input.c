/* Unit tests of input.c: the values of post fields, RFC 3339 dates, tags, status. */
#include <stdlib.h>
#include <string.h>

#include "post/post.h"
#include "nitems.h"
#include "suites.h"

/* Reads the JSON text body (create or not). Returns 0, or the error's HTTP status. */
static int
read_input(const char *text, bool create, struct post_input *in, struct input_error *e)
{
	json_t	*j = json_loads(text, 0, NULL);
	int	 rc;

	ck_assert_msg(j != NULL, "bad test JSON: %s", text);
	rc = post_input_read(j, create, in, e);
	json_decref(j);
	return rc == 0 ? 0 : err_info(e->code)->status;
}

/* Asserts that text is refused with status and code, its message naming field. */
static void
refused(const char *text, bool create, int status, enum err code, const char *field)
{
	struct post_input	 in;
	struct input_error	 e;

	ck_assert_int_eq(read_input(text, create, &in, &e), status);
	ck_assert_str_eq(err_info(e.code)->code, err_info(code)->code);
	ck_assert_msg(strstr(e.msg, field) != NULL, "%s: \"%s\" names no %s", text, e.msg, field);
}

START_TEST(a_full_post_reads)
{
	struct post_input	 in;
	struct input_error	 e;
	json_t			*j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s,s,s], s:s}",
				    "title", "T\xc3\xaftle", "body", "line\n\tmore\r\n", "slug", "my-post",
				    "status", "scheduled", "published_at", "2030-01-02T03:04:05.678+02:00",
				    "tags", "a", "b", "a", "excerpt", "Short.");

	ck_assert_int_eq(post_input_read(j, true, &in, &e), 0);
	ck_assert_str_eq(in.title, "T\xc3\xaftle");
	ck_assert_str_eq(in.body, "line\n\tmore\r\n");
	ck_assert_str_eq(in.slug, "my-post");
	ck_assert_str_eq(in.status, "scheduled");
	ck_assert(in.has_published_at);
	ck_assert_str_eq(in.published_at, "2030-01-02T01:04:05Z");	/* in UTC */
	ck_assert_int_eq(json_array_size(in.tags), 2);			/* no repeats */
	ck_assert_str_eq(json_string_value(json_array_get(in.tags, 1)), "b");
	ck_assert_str_eq(in.excerpt, "Short.");
	post_input_free(&in);
	json_decref(j);
}
END_TEST

START_TEST(nulls_and_absences)
{
	struct post_input	 in;
	struct input_error	 e;

	ck_assert_int_eq(read_input("{\"published_at\":null,\"excerpt\":null}", false, &in, &e), 0);
	ck_assert(in.has_published_at);
	ck_assert_str_eq(in.published_at, "");
	ck_assert(in.excerpt_null);
	ck_assert_ptr_null(in.excerpt);
	ck_assert_ptr_null(in.title);
	ck_assert_ptr_null(in.tags);
	post_input_free(&in);
	ck_assert_int_eq(read_input("{\"title\":\"t\",\"body\":\"\",\"tags\":[]}", true, &in, &e), 0);
	ck_assert_int_eq(json_array_size(in.tags), 0);
	post_input_free(&in);
}
END_TEST

START_TEST(titles)
{
	char	 json[2000];
	size_t	 i;

	refused("{\"title\":\"\",\"body\":\"\"}", true, 400, ERR_INVALID_FIELD, "title");
	refused("{\"title\":\"  \",\"body\":\"\"}", true, 400, ERR_INVALID_FIELD, "title");
	refused("{\"title\":\"a\\tb\",\"body\":\"\"}", true, 400, ERR_CONTROL_CHARACTER, "title");
	refused("{\"title\":\"a\\u007fb\",\"body\":\"\"}", true, 400, ERR_CONTROL_CHARACTER, "title");
	refused("{\"body\":\"\"}", true, 400, ERR_MISSING_FIELD, "title");
	/* 300 characters of two bytes each: fine; 301: too long. */
	strcpy(json, "{\"body\":\"\",\"title\":\"");
	for (i = 0; i < 300; i++)
		strcat(json, "\xc3\xa9");
	strcat(json, "\"}");
	{
		struct post_input in;
		struct input_error e;

		ck_assert_int_eq(read_input(json, true, &in, &e), 0);
		post_input_free(&in);
	}
	json[strlen(json) - 2] = '\0';
	strcat(json, "x\"}");
	refused(json, true, 400, ERR_INVALID_FIELD, "title");
}
END_TEST

START_TEST(bodies)
{
	struct post_input	 in;
	struct input_error	 e;
	char			*big = malloc(BODY_MAX + 2);
	json_t			*j;

	refused("{\"title\":\"t\"}", true, 400, ERR_MISSING_FIELD, "body");
	refused("{\"title\":\"t\",\"body\":\"a\\u0002b\"}", true, 400, ERR_CONTROL_CHARACTER, "body");
	refused("{\"title\":\"t\",\"body\":\"a\\u001bb\"}", true, 400, ERR_CONTROL_CHARACTER, "body");
	memset(big, 'a', BODY_MAX + 1);
	big[BODY_MAX + 1] = '\0';
	j = json_pack("{s:s, s:s}", "title", "t", "body", big);
	ck_assert_int_eq(post_input_read(j, true, &in, &e), -1);
	ck_assert_int_eq(err_info(e.code)->status, 413);
	json_decref(j);
	big[BODY_MAX] = '\0';
	j = json_pack("{s:s, s:s}", "title", "t", "body", big);
	ck_assert_int_eq(post_input_read(j, true, &in, &e), 0);
	post_input_free(&in);
	json_decref(j);
	free(big);
}
END_TEST

START_TEST(tags)
{
	struct post_input	 in;
	struct input_error	 e;

	refused("{\"tags\":[\"\"]}", false, 400, ERR_INVALID_FIELD, "tags");
	refused("{\"tags\":[\"a\\nb\"]}", false, 400, ERR_CONTROL_CHARACTER, "tags");
	refused("{\"tags\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}", false, 400,
	    ERR_INVALID_FIELD, "tags");
	refused("{\"tags\":[\"a\",2]}", false, 400, ERR_INVALID_TYPE, "tags");
	refused("{\"tags\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\","
	    "\"13\",\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\"]}", false, 400,
	    ERR_INVALID_FIELD, "tags");
	/* 40 characters, 20 tags: the limits themselves are fine. */
	ck_assert_int_eq(read_input("{\"tags\":[\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}", false, &in, &e), 0);
	post_input_free(&in);
	ck_assert_int_eq(read_input("{\"tags\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\","
	    "\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"1\"]}",
	    false, &in, &e), 400);	/* 21 entries, even with a repeat */
}
END_TEST

START_TEST(dates_statuses_slugs)
{
	struct post_input	 in;
	struct input_error	 e;
	const char		*bad[] = { "yesterday", "2026-11-26", "2026-11-26 06:14:52Z",
	    "2026-11-26T06:14:52", "2026-02-29T00:00:00Z", "2026-11-26T24:00:00Z",
	    "2026-11-26T06:14:52+2:00", "2026-11-26T06:14:52Zjunk", "" };
	char			 json[128];
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(json, sizeof(json), "{\"published_at\":\"%s\"}", bad[i]);
		refused(json, false, 400, ERR_INVALID_FIELD, "published_at");
	}
	ck_assert_int_eq(read_input("{\"published_at\":\"2024-02-29t23:59:60z\"}", false, &in, &e),
	    0);
	ck_assert_str_eq(in.published_at, "2024-02-29T23:59:59Z");
	post_input_free(&in);
	refused("{\"status\":\"live\"}", false, 400, ERR_INVALID_FIELD, "status");
	refused("{\"status\":\"Draft\"}", false, 400, ERR_INVALID_FIELD, "status");
	refused("{\"slug\":\"Bad Slug\"}", false, 400, ERR_INVALID_SLUG, "slug");
	refused("{\"slug\":\"health\"}", false, 400, ERR_RESERVED_SLUG, "slug");
	refused("{\"slug\":\"tag\"}", false, 400, ERR_RESERVED_SLUG, "slug");
	refused("{\"slug\":\"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\"}", false, 400,
	    ERR_INVALID_SLUG, "slug");
	refused("{\"kind\":\"article\"}", false, 400, ERR_INVALID_FIELD, "kind");
	refused("{}", false, 400, ERR_MISSING_FIELD, "nothing");
	refused("{\"excerpt\":\"a\\nb\"}", false, 400, ERR_CONTROL_CHARACTER, "excerpt");
}
END_TEST

START_TEST(scheduled_needs_a_time_to_come)
{
	struct input_error	 e;

	ck_assert_int_eq(post_status_check("scheduled", "", 0, true, 1000, &e), -1);
	ck_assert_int_eq(e.code, ERR_MISSING_FIELD);
	ck_assert_int_eq(post_status_check("scheduled", "x", 1000, true, 1000, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID_FIELD);
	ck_assert_int_eq(post_status_check("scheduled", "x", 1001, true, 1000, &e), 0);
	/* Kept from before, a past time is no error: the post is published by now. */
	ck_assert_int_eq(post_status_check("scheduled", "x", 10, false, 1000, &e), 0);
	ck_assert_int_eq(post_status_check("published", "", 0, true, 1000, &e), 0);
	ck_assert_int_eq(post_status_check("draft", "", 0, true, 1000, &e), 0);
}
END_TEST

Suite *
input_suite(void)
{
	Suite	*s = suite_create("input");
	TCase	*t = tcase_create("input");

	tcase_add_test(t, a_full_post_reads);
	tcase_add_test(t, nulls_and_absences);
	tcase_add_test(t, titles);
	tcase_add_test(t, bodies);
	tcase_add_test(t, tags);
	tcase_add_test(t, dates_statuses_slugs);
	tcase_add_test(t, scheduled_needs_a_time_to_come);
	suite_add_tcase(s, t);
	return s;
}
