/*
 * Post's input checks: post_input_read() (for a create and for a change)
 * on any JSON object whose field types req_check_fields() let through, as
 * read_input() in write.c does. The input is the JSON text (expanded when
 * it starts with "#!rep\n").
 *
 * What must hold: what is taken obeys the rules of each field (title 1 to
 * TITLE_MAX characters without controls and not blank, body at most
 * BODY_MAX bytes, a given slug valid, a known status, at most TAGS_MAX
 * distinct tags of 1 to TAG_MAX characters, an excerpt of at most
 * EXCERPT_MAX characters); published_at is kept in a form that reads back
 * as the same instant; a refusal says why, with a 4xx code.
 */
#include <string.h>

#include "fuzz.h"
#include "post/post.h"
#include "util.h"

/* Checks what post_input_read() took from obj. */
static void
check_taken(json_t *obj, const struct post_input *in, bool create)
{
	json_t	*t, *u;
	size_t	 i, j;
	time_t	 back;

	FUZZ_ASSERT(!create || (in->title != NULL && in->body != NULL), "a create without "
	    "title or body");
	if (in->title != NULL)
		FUZZ_ASSERT(utf8_length(in->title) >= 1 && utf8_length(in->title) <= TITLE_MAX &&
		    !has_control(in->title, strlen(in->title), false) &&
		    strspn(in->title, " ") < strlen(in->title), "the title \"%.300s\"", in->title);
	if (in->body != NULL)
		FUZZ_ASSERT(strlen(in->body) <= BODY_MAX, "a body of %zu bytes", strlen(in->body));
	if (in->slug != NULL)
		FUZZ_ASSERT(slug_invalid(in->slug) == NULL, "the slug \"%s\"", in->slug);
	if (in->status != NULL)
		FUZZ_ASSERT(strcmp(in->status, "draft") == 0 || strcmp(in->status, "published") == 0
		    || strcmp(in->status, "scheduled") == 0, "the status \"%s\"", in->status);
	if (in->has_published_at && in->published_at[0] != '\0')
		FUZZ_ASSERT(parse_rfc3339(in->published_at, &back) == 0 &&
		    back == in->published_time, "published_at %s is kept as \"%s\", which reads "
		    "back as another time", json_string_value(json_object_get(obj, "published_at")),
		    in->published_at);
	if (in->excerpt != NULL)
		FUZZ_ASSERT(utf8_length(in->excerpt) <= EXCERPT_MAX &&
		    !has_control(in->excerpt, strlen(in->excerpt), false), "the excerpt");
	if (in->tags != NULL) {
		FUZZ_ASSERT(json_array_size(in->tags) <= TAGS_MAX, "%zu tags",
		    json_array_size(in->tags));
		json_array_foreach(in->tags, i, t) {
			FUZZ_ASSERT(json_is_string(t) && utf8_length(json_string_value(t)) >= 1 &&
			    utf8_length(json_string_value(t)) <= TAG_MAX, "a tag");
			json_array_foreach(in->tags, j, u)
				FUZZ_ASSERT(i == j || !json_equal(t, u), "the tag %s twice",
				    json_string_value(t));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx ctx;
	struct post_input in;
	struct input_error e;
	struct req	 r;
	char		*text;
	size_t		 len, k;
	json_t		*obj;

	text = fuzz_input(data, size, 4 * BODY_MAX, false, &len);
	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(obj)) {
		fuzz_req(&r, &ctx, NULL, NULL);
		if (req_check_fields(&r, obj, post_fields, 7) == 0) {
			for (k = 0; k < 2; k++) {
				if (post_input_read(obj, k == 0, &in, &e) == 0) {
					check_taken(obj, &in, k == 0);
					post_input_free(&in);
				} else
					FUZZ_ASSERT(e.msg[0] != '\0' && err_info(e.code)->status >= 400 &&
					    err_info(e.code)->status < 500, "refused with %d: %s",
					    e.code, e.msg);
			}
		} else
			fuzz_check_error(&r);
		req_free(&r);
	}
	json_decref(obj);
	free(text);
	return 0;
}
