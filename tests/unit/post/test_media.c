/* Unit tests of media_client.c: what Post accepts from Media, and the client's set-up. */
#include <string.h>

#include "post/post.h"
#include "nitems.h"
#include "suites.h"

/* Parses json; returns what media_info_parse returned. */
static int
parse(const char *json, struct media_info *m)
{
	return media_info_parse(json, strlen(json), m);
}

START_TEST(the_contract_parses)
{
	struct media_info	 m;

	ck_assert_int_eq(parse("{\"id\":\"x\",\"width\":700,\"height\":400,\"alt\":\"A cat\","
	    "\"urls\":{\"original\":\"/media/x/original\",\"variants\":{\"700\":\"/media/x/w/700.webp\","
	    "\"320\":\"/media/x/w/320.webp\",\"640\":\"/media/x/w/640.webp\"}}}", &m), 0);
	ck_assert_int_eq(m.width, 700);
	ck_assert_int_eq(m.height, 400);
	ck_assert_str_eq(m.alt, "A cat");
	ck_assert_str_eq(m.original, "/media/x/original");
	ck_assert_uint_eq(m.nvariants, 3);
	ck_assert_int_eq(m.variants[0].width, 320);	/* sorted */
	ck_assert_int_eq(m.variants[2].width, 700);
	ck_assert_str_eq(m.variants[2].url, "/media/x/w/700.webp");
	media_info_free(&m);
	/* The original alone will do. */
	ck_assert_int_eq(parse("{\"width\":1,\"height\":1,\"urls\":{\"original\":\"/o\"}}", &m), 0);
	ck_assert_uint_eq(m.nvariants, 0);
	ck_assert_ptr_null(m.alt);
	media_info_free(&m);
}
END_TEST

START_TEST(anything_else_is_refused_or_skipped)
{
	struct media_info	 m;
	const char		*bad[] = {
		"", "[]", "{\"width\":700,\"height\":400}",
		"{\"width\":0,\"height\":400,\"urls\":{\"original\":\"/o\"}}",
		"{\"width\":\"700\",\"height\":400,\"urls\":{\"original\":\"/o\"}}",
		"{\"width\":700,\"height\":999999999999,\"urls\":{\"original\":\"/o\"}}",
		"{\"width\":700,\"height\":400,\"urls\":{}}",
		"{\"width\":700,\"height\":400,\"urls\":{\"original\":\"javascript:alert(1)\"}}",
		"{\"width\":700,\"height\":400,\"urls\":{\"original\":\"//evil.example/x\"}}",
		"{\"width\":700,\"height\":400,\"urls\":{\"original\":\"/a\\\"onload=\\\"x\"}}",
		"{\"width\":700,\"height\":400,\"urls\":{\"original\":\"/../../etc/passwd\"}}",
		"{\"width\":700,\"width\":1,\"height\":400,\"urls\":{\"original\":\"/o\"}}",
	};
	size_t			 i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(parse(bad[i], &m) == -1, "accepted %s", bad[i]);
	/* Unusable variants are skipped, the usable ones kept. */
	ck_assert_int_eq(parse("{\"width\":700,\"height\":400,\"urls\":{\"variants\":{"
	    "\"abc\":\"/v/a\",\"-5\":\"/v/b\",\"640\":\"http://evil/x\",\"320\":\"/v/320 x\","
	    "\"480\":\"/v/480.webp\",\"960\":7}}}", &m), 0);
	ck_assert_uint_eq(m.nvariants, 1);
	ck_assert_str_eq(m.variants[0].url, "/v/480.webp");
	media_info_free(&m);
}
END_TEST

START_TEST(client_urls)
{
	struct media_client	*c;
	struct media_info	 m;
	char			 err[256];

	ck_assert_ptr_null(media_client_new("ftp://x", 300, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "media_url"));
	ck_assert_ptr_null(media_client_new("127.0.0.1:80", 300, err, sizeof(err)));
	ck_assert_ptr_nonnull(c = media_client_new("http://127.0.0.1:1/", 100, err, sizeof(err)));
	/* Not an id: not asked at all. Port 1 refuses: a failure, quickly. */
	ck_assert_int_eq(media_client_get(c, "../../etc", NULL, &m), MEDIA_UNKNOWN);
	ck_assert_int_eq(media_client_get(c, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", NULL, &m),
	    MEDIA_FAILED);
	media_client_free(c);
}
END_TEST

Suite *
media_suite(void)
{
	Suite	*s = suite_create("media");
	TCase	*t = tcase_create("media");

	tcase_add_test(t, the_contract_parses);
	tcase_add_test(t, anything_else_is_refused_or_skipped);
	tcase_add_test(t, client_urls);
	suite_add_tcase(s, t);
	return s;
}
