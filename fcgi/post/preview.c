/*
 * POST /posts/preview: a Markdown body rendered exactly as a save renders
 * it (the same checks, render_budget, Media behind the breaker), for the
 * writer's desk. Nothing is stored: no post, no revision, no page.
 */
#include <string.h>

#include "nitems.h"
#include "post.h"

static const struct field preview_fields[1] = {
	{ "body", JSON_STRING, true, false },
};

/*
 * POST /posts/preview (author, editor, admin)
 * {"body"}
 * 200 {"html","excerpt","warnings"} with Cache-Control: no-store (warnings
 * as a save gives them, [] when none); 400 (invalid_json, unknown_field,
 * missing_field, invalid_type, control_character, invalid_field for a bad
 * media reference); 401; 403; 413 (a body over 1 MiB, or a request over
 * max_body); 415; 422 body_too_complex (over render_budget); 500.
 */
void
h_post_preview(struct req *r)
{
	struct input_error	 e;
	struct render		 out = { 0 };
	json_t			*body, *v;

	if ((body = req_json(r)) == NULL)
		return;
	if (req_check_fields(r, body, preview_fields,
	    nitems(preview_fields)) == -1)
		goto out;
	v = json_object_get(body, "body");
	if (post_body_check(v, &e) == -1) {
		resp_error(r, e.code, "%s", e.msg);
		goto out;
	}
	if (post_render_write(r, json_string_value(v), json_string_length(v), &out) == -1)
		goto out;
	resp_json(r, 200, json_pack("{s:s, s:s, s:O}", "html", out.html, "excerpt",
	    out.excerpt, "warnings", out.warnings));
	resp_header(r, "Cache-Control", "no-store");
out:
	render_free(&out);
	json_decref(body);
}
