#include "errors.h"

/* Keep in sync with enum err in errors.h. */
static const struct err_info err_table[ERR__COUNT] = {
	[ERR_NOT_FOUND] =		{ 404, "not_found" },
	[ERR_METHOD_NOT_ALLOWED] =	{ 405, "method_not_allowed" },
	[ERR_BODY_TOO_LARGE] =		{ 413, "body_too_large" },
	[ERR_INCOMPLETE_BODY] =		{ 400, "incomplete_body" },
	[ERR_UNSUPPORTED_MEDIA_TYPE] =	{ 415, "unsupported_media_type" },
	[ERR_INVALID_JSON] =		{ 400, "invalid_json" },
	[ERR_DUPLICATE_KEY] =		{ 400, "duplicate_key" },
	[ERR_INVALID_UTF8] =		{ 400, "invalid_utf8" },
	[ERR_EXPECTED_OBJECT] =		{ 400, "expected_object" },
	[ERR_UNKNOWN_FIELD] =		{ 400, "unknown_field" },
	[ERR_MISSING_FIELD] =		{ 400, "missing_field" },
	[ERR_INVALID_TYPE] =		{ 400, "invalid_type" },
	[ERR_INVALID_FIELD] =		{ 400, "invalid_field" },
	[ERR_INVALID_QUERY] =		{ 400, "invalid_query" },
	[ERR_INVALID_ID] =		{ 400, "invalid_id" },
	[ERR_CONTROL_CHARACTER] =	{ 400, "control_character" },
	[ERR_INVALID_PRECONDITION] =	{ 400, "invalid_precondition" },
	[ERR_MISSING_TOKEN] =		{ 401, "missing_token" },
	[ERR_INVALID_TOKEN] =		{ 401, "invalid_token" },
	[ERR_FORBIDDEN] =		{ 403, "forbidden" },
	[ERR_INVALID_CREDENTIALS] =	{ 401, "invalid_credentials" },
	[ERR_INVALID_REFRESH_TOKEN] =	{ 401, "invalid_refresh_token" },
	[ERR_TOO_MANY_ATTEMPTS] =	{ 429, "too_many_attempts" },
	[ERR_CROSS_SITE_REQUEST] =	{ 403, "cross_site_request" },
	[ERR_INVALID_USERNAME] =	{ 400, "invalid_username" },
	[ERR_WEAK_PASSWORD] =		{ 400, "weak_password" },
	[ERR_INVALID_ROLE] =		{ 400, "invalid_role" },
	[ERR_USERNAME_TAKEN] =		{ 409, "username_taken" },
	[ERR_LAST_ADMIN] =		{ 409, "last_admin" },
	[ERR_INVALID_MULTIPART] =	{ 400, "invalid_multipart" },
	[ERR_EMPTY_BODY] =		{ 400, "empty_body" },
	[ERR_UNSUPPORTED_IMAGE] =	{ 415, "unsupported_image" },
	[ERR_INVALID_IMAGE] =		{ 422, "invalid_image" },
	[ERR_IMAGE_TOO_LARGE] =		{ 422, "image_too_large" },
	[ERR_INVALID_SLUG] =		{ 400, "invalid_slug" },
	[ERR_SLUG_TAKEN] =		{ 409, "slug_taken" },
	[ERR_RESERVED_SLUG] =		{ 400, "reserved_slug" },
	[ERR_BODY_TOO_COMPLEX] =	{ 422, "body_too_complex" },
	[ERR_CONFLICT] =		{ 409, "conflict" },
	[ERR_PRECONDITION_FAILED] =	{ 412, "precondition_failed" },
	[ERR_PRECONDITION_REQUIRED] =	{ 428, "precondition_required" },
	[ERR_UNAVAILABLE] =		{ 503, "service_unavailable" },
	[ERR_INTERNAL] =		{ 500, "internal_error" },
};

const struct err_info *
err_info(enum err e)
{
	if ((unsigned)e >= ERR__COUNT || err_table[e].code == 0)
		return &err_table[ERR_INTERNAL];
	return &err_table[e];
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return "Unknown";
}
