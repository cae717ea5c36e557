/* Unit tests of feed.c's XML and doc.c's stored JSON, ETags and statuses. */
#include <string.h>

#include "post/post.h"
#include "suites.h"

START_TEST(xml_escaping)
{
	struct buf	 b = BUF_INIT;

	xml_escape(&b, "<a href=\"x\">Fish & 'Chips'</a> ]]>");
	ck_assert_str_eq(buf_str(&b), "&lt;a href=&quot;x&quot;&gt;Fish &amp; &apos;Chips&apos;"
	    "&lt;/a&gt; ]]&gt;");
	buf_reset(&b);
	/* Characters XML 1.0 forbids become U+FFFD; tab, LF, CR and the rest stay. */
	xml_escape(&b, "a\x01" "b\x1f" "c\td\ne\rf\x7f\xc2\x85\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd"
	    "\xe6\x97\xa5");
	ck_assert_str_eq(buf_str(&b), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\td\ne\rf\x7f\xc2\x85"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xe6\x97\xa5");
	buf_reset(&b);
	xml_escape(&b, "");
	ck_assert_str_eq(buf_str(&b), "");
	xml_escape(&b, "\xef");		/* a lone lead byte at the end reads no further */
	ck_assert_uint_eq(b.len, 1);
	buf_free(&b);
}
END_TEST

START_TEST(feed_entries_escape_everything)
{
	struct buf		 b = BUF_INIT;
	struct feed_entry	 e = {
		.id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", .slug = "fish",
		.title = "<b>Fish</b> & \"Chips\"", .excerpt = "x < y",
		.html = "<p>a &amp; b</p>", .author = "ann<", .tags = "[\"t&t\",\"q\\\"q\"]",
		.published = "2026-11-26T06:14:52Z", .updated = "2026-11-27T06:14:52Z",
	};

	const struct feed_paths paths = { "/posts/feed.atom", "/feed.atom", "/" };

	feed_open(&b, "https://blog.example.org", &paths, "My \"blog\"", "2026-11-27T06:14:52Z");
	feed_add(&b, "https://blog.example.org", &e);
	feed_close(&b);
	ck_assert_int_eq(strncmp(buf_str(&b), "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://blog.example.org/\">", 107),
	    0);
	ck_assert_ptr_nonnull(strstr(b.data, "<id>https://blog.example.org/posts/feed.atom</id>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<title type=\"text\">My &quot;blog&quot;</title>"));
	/* The same feed (id) as the API's, served at the site's own URL. */
	ck_assert_ptr_nonnull(strstr(b.data, "<link rel=\"self\" type=\"application/atom+xml\" "
	    "href=\"https://blog.example.org/feed.atom\"/>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<link rel=\"alternate\" type=\"text/html\" "
	    "href=\"https://blog.example.org/\"/>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<id>urn:uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	    "</id>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<title type=\"text\">&lt;b&gt;Fish&lt;/b&gt; &amp; "
	    "&quot;Chips&quot;</title>"));
	/* An entry's page is the reader site's. */
	ck_assert_ptr_nonnull(strstr(b.data, "<link rel=\"alternate\" type=\"text/html\" "
	    "href=\"https://blog.example.org/fish/\"/>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<published>2026-11-26T06:14:52Z</published>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<name>ann&lt;</name>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<category term=\"t&amp;t\"/>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<category term=\"q&quot;q\"/>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<summary type=\"text\">x &lt; y</summary>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<content type=\"html\">&lt;p&gt;a &amp;amp; b&lt;/p&gt;"
	    "</content>"));
	ck_assert_str_eq(b.data + b.len - 8, "</feed>\n");
	buf_free(&b);
}
END_TEST

START_TEST(stored_json_gets_its_status_in_front)
{
	struct buf	 b = BUF_INIT;
	json_t		*j;

	post_doc_emit(&b, "scheduled", "{\"id\":\"x\",\"n\":1}", 16);
	ck_assert_str_eq(buf_str(&b), "{\"status\":\"scheduled\",\"id\":\"x\",\"n\":1}");
	ck_assert_ptr_nonnull(j = json_loads(buf_str(&b), JSON_REJECT_DUPLICATES, NULL));
	json_decref(j);
	buf_free(&b);
}
END_TEST

START_TEST(etags_name_their_post)
{
	char	 etag[ETAG_MAX], id[UUID_LEN + 1];

	post_etag("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "12", "3", etag);
	ck_assert_str_eq(etag, "\"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.12.3\"");
	ck_assert_int_eq(post_etag_id(etag, id), 0);
	ck_assert_str_eq(id, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	ck_assert_int_eq(post_etag_id("", id), -1);
	ck_assert_int_eq(post_etag_id("\"feed-0123\"", id), -1);
	ck_assert_int_eq(post_etag_id("\"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4dx1.1\"", id), -1);
	ck_assert_int_eq(post_etag_id("\"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g.1.1\"", id), -1);
	ck_assert_str_eq(post_status("draft", true), "draft");
	ck_assert_str_eq(post_status("scheduled", true), "published");
	ck_assert_str_eq(post_status("scheduled", false), "scheduled");
	ck_assert_str_eq(post_status("published", false), "scheduled");
}
END_TEST

Suite *
feed_suite(void)
{
	Suite	*s = suite_create("feed");
	TCase	*t = tcase_create("feed");

	tcase_add_test(t, xml_escaping);
	tcase_add_test(t, feed_entries_escape_everything);
	tcase_add_test(t, stored_json_gets_its_status_in_front);
	tcase_add_test(t, etags_name_their_post);
	suite_add_tcase(s, t);
	return s;
}
