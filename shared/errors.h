/*
 * errors: every error any Quire program answers with, and its HTTP status.
 * The mapping lives here and nowhere else; keep err_table in errors.c in
 * sync with this enum.
 */
#ifndef QUIRE_ERRORS_H
#define QUIRE_ERRORS_H

enum err {
	/* request shape */
	ERR_NOT_FOUND,
	ERR_METHOD_NOT_ALLOWED,
	ERR_BODY_TOO_LARGE,
	ERR_INCOMPLETE_BODY,
	ERR_UNSUPPORTED_MEDIA_TYPE,
	ERR_INVALID_JSON,
	ERR_DUPLICATE_KEY,
	ERR_INVALID_UTF8,
	ERR_EXPECTED_OBJECT,
	ERR_UNKNOWN_FIELD,
	ERR_MISSING_FIELD,
	ERR_INVALID_TYPE,
	ERR_INVALID_FIELD,
	ERR_INVALID_QUERY,
	ERR_INVALID_ID,
	ERR_CONTROL_CHARACTER,
	ERR_INVALID_PRECONDITION,
	/* identity */
	ERR_MISSING_TOKEN,
	ERR_INVALID_TOKEN,
	ERR_FORBIDDEN,
	ERR_INVALID_CREDENTIALS,
	ERR_INVALID_REFRESH_TOKEN,
	ERR_TOO_MANY_ATTEMPTS,
	ERR_CROSS_SITE_REQUEST,
	/* auth data */
	ERR_INVALID_USERNAME,
	ERR_WEAK_PASSWORD,
	ERR_INVALID_ROLE,
	ERR_USERNAME_TAKEN,
	ERR_LAST_ADMIN,
	/* media data */
	ERR_INVALID_MULTIPART,
	ERR_EMPTY_BODY,
	ERR_UNSUPPORTED_IMAGE,
	ERR_INVALID_IMAGE,
	ERR_IMAGE_TOO_LARGE,
	/* post data */
	ERR_INVALID_SLUG,
	ERR_SLUG_TAKEN,
	ERR_RESERVED_SLUG,
	ERR_BODY_TOO_COMPLEX,
	/* concurrency */
	ERR_CONFLICT,
	ERR_PRECONDITION_FAILED,
	ERR_PRECONDITION_REQUIRED,
	/* the server's side */
	ERR_UNAVAILABLE,
	ERR_INTERNAL,
	ERR__COUNT
};

struct err_info {
	int		 status;	/* HTTP status */
	const char	*code;		/* snake_case code in the error body */
};

/* Returns the status and code of e. */
const struct err_info *err_info(enum err e);

/* Returns the reason phrase of an HTTP status ("Not Found"), or "Unknown". */
const char *http_reason(int status);

#endif
