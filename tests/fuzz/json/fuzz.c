/*
 * JSON bodies: req_json() of any body (the input after its first line,
 * expanded when it starts with "#!rep\n") sent with any Content-Type (the
 * first line), then req_check_fields() and req_string_field() on what it
 * takes, as every handler does.
 *
 * What must hold: a body taken is a JSON object of valid UTF-8 without a
 * repeated key (written out and read again strictly, it is the same); a
 * body refused gets a 4xx in the error shape; the field checks take only
 * known names of the right types, and a string field only within its
 * limits.
 */
#include <string.h>

#include "fuzz.h"
#include "util.h"

#define MAX_BODY	65536	/* the default max_body */

static const struct field fields[] = {
	{ "title", JSON_STRING, false, false },
	{ "count", JSON_INTEGER, false, true },
	{ "ratio", JSON_REAL, false, false },
	{ "on", JSON_TRUE, false, false },
	{ "tags", JSON_ARRAY, false, false },
	{ "meta", JSON_OBJECT, false, true },
};

/* Checks req_check_fields() against the object it passed or refused. */
static void
check_fields(struct req *r, json_t *obj)
{
	const char	*key, *s;
	json_t		*v;
	size_t		 i, n = sizeof(fields) / sizeof(fields[0]);
	bool		 ok = true;

	json_object_foreach(obj, key, v) {
		for (i = 0; i < n && strcmp(key, fields[i].name) != 0; i++)
			;
		if (i == n)
			ok = false;
		else if (!(json_is_null(v) && fields[i].nullable))
			ok = ok && (fields[i].type == JSON_TRUE ? json_is_boolean(v) :
			    fields[i].type == JSON_REAL ? json_is_number(v) :
			    json_typeof(v) == fields[i].type);
	}
	if (req_check_fields(r, obj, fields, n) == 0) {
		FUZZ_ASSERT(ok && r->status == 0, "fields taken that are unknown or mistyped");
		s = req_string_field(r, obj, "title", 16);
		v = json_object_get(obj, "title");
		if (s != NULL)
			FUZZ_ASSERT(json_string_length(v) <= 16 && strlen(s) == json_string_length(v) &&
			    !has_control(s, strlen(s), false), "the title \"%s\" is taken", s);
		else if (v != NULL)
			fuzz_check_error(r);
	} else {
		FUZZ_ASSERT(!ok, "good fields refused");
		FUZZ_ASSERT(r->status == 400, "bad fields answer %d", r->status);
		fuzz_check_error(r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx ctx = { .conf = { .max_body = MAX_BODY } };
	const uint8_t	*nl = memchr(data, '\n', size);
	size_t		 ctlen = nl != NULL ? (size_t)(nl - data) : 0, len;
	char		*ct = fuzz_str(data, ctlen), *body, *env[3], *text;
	char		 ctenv[128], clenv[64];
	struct fuzz_body b;
	struct req	 r;
	json_t		*j, *again;

	body = fuzz_input(nl != NULL ? nl + 1 : data, nl != NULL ? size - ctlen - 1 : size,
	    2 * MAX_BODY, false, &len);
	snprintf(ctenv, sizeof(ctenv), "CONTENT_TYPE=%.100s", ct);
	snprintf(clenv, sizeof(clenv), "CONTENT_LENGTH=%zu", len);
	env[0] = ctenv;
	env[1] = clenv;
	env[2] = NULL;
	b = (struct fuzz_body){ body, len, 0 };
	fuzz_req(&r, &ctx, env, &b);
	if ((j = req_json(&r)) == NULL) {
		FUZZ_ASSERT(r.status == 400 || r.status == 413 || r.status == 415,
		    "a refused body answers %d", r.status);
		fuzz_check_error(&r);
	} else {
		FUZZ_ASSERT(r.status == 0 && json_is_object(j) && len <= MAX_BODY &&
		    utf8_valid(body, len), "a body taken: status %d, %zu bytes", r.status, len);
		if ((text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
			abort();
		again = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		FUZZ_ASSERT(json_equal(j, again), "%s does not read back the same", text);
		json_decref(again);
		free(text);
		check_fields(&r, j);
		json_decref(j);
	}
	req_free(&r);
	free(body);
	free(ct);
	return 0;
}
