/* Passwords: yescrypt hashes (libxcrypt), and the rules for usernames and passwords. */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "encode.h"
#include "secret.h"
#include "text.h"

char *
password_hash(const char *password, long long cost)
{
	struct crypt_data	*data;
	char			*setting, *out = NULL;
	const char		*h;

	if ((setting = crypt_gensalt_ra("$y$", (unsigned long)cost, NULL, 0)) == NULL)
		return NULL;
	/* struct crypt_data is 32 KiB: never on the stack. */
	if ((data = calloc(1, sizeof(*data))) != NULL) {
		h = crypt_rn(password, setting, data, sizeof(*data));
		if (h != NULL && h[0] != '*')
			out = strdup(h);
		free(data);
	}
	free(setting);
	return out;
}

bool
password_check(const char *password, const char *hash)
{
	struct crypt_data	*data;
	const char		*h;
	bool			 ok = false;
	size_t			 len = strlen(hash);

	if ((data = calloc(1, sizeof(*data))) == NULL)
		return false;
	h = crypt_rn(password, hash, data, sizeof(*data));
	if (h != NULL && h[0] != '*' && strlen(h) == len)
		ok = secret_equal(h, hash, len);
	free(data);
	return ok;
}

/* Returns the length of a hash's method and parameters ("$y$j9T$"), or 0. */
static size_t
params_len(const char *hash)
{
	const char	*p = hash;
	int		 n;

	for (n = 0; n < 3; n++) {
		if ((p = strchr(p, '$')) == NULL)
			return 0;
		p++;
	}
	return (size_t)(p - hash);
}

bool
password_outdated(const char *hash, long long cost)
{
	char	*setting;
	size_t	 len;
	bool	 outdated = true;

	if ((setting = crypt_gensalt_ra("$y$", (unsigned long)cost, NULL, 0)) == NULL)
		return false;	/* cannot tell: leave it */
	len = params_len(setting);
	if (len > 0 && params_len(hash) == len && strncmp(hash, setting, len) == 0)
		outdated = false;
	free(setting);
	return outdated;
}

int
username_check(const char *u, struct input_error *e)
{
	size_t	 len = strlen(u);

	if (text_has_control(u, len, false))
		return input_fail(e, ERR_CONTROL_CHARACTER, "username holds a control character");
	if (len < USERNAME_MIN || len > USERNAME_MAX ||
	    strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != len)
		return input_fail(e, ERR_INVALID_USERNAME,
		    "a username is 3 to 64 of a-z, 0-9, '_', '.' and '-'");
	return 0;
}

int
display_name_check(const char *in, char out[TOK_DISPLAY_NAME_MAX + 1], struct input_error *e)
{
	size_t	 len = strlen(in);

	if (!utf8_valid(in, len))
		return input_fail(e, ERR_INVALID_FIELD, "display_name is not valid UTF-8");
	if (text_has_control(in, len, false))
		return input_fail(e, ERR_INVALID_FIELD, "display_name holds a control character");
	while (*in == ' ')
		in++, len--;
	while (len > 0 && in[len - 1] == ' ')
		len--;
	if (len == 0)
		return input_fail(e, ERR_INVALID_FIELD, "display_name is empty: give a name, "
		    "or null for the username");
	if (len > TOK_DISPLAY_NAME_MAX || utf8_count(in, len) > DISPLAY_NAME_MAX)
		return input_fail(e, ERR_INVALID_FIELD, "display_name has at most %d characters",
		    DISPLAY_NAME_MAX);
	memcpy(out, in, len);
	out[len] = '\0';
	return 0;
}

int
password_rules_check(const char *p, long long min_length, struct input_error *e)
{
	const char	*why;

	if ((long long)utf8_length(p) < min_length)
		why = "the password is too short";
	else if (strlen(p) > PASSWORD_MAX_BYTES)
		why = "the password is too long";
	else
		return 0;
	return input_fail(e, ERR_WEAK_PASSWORD, "%s: a password has %lld to %d characters", why,
	    min_length, PASSWORD_MAX_BYTES);
}

int
password_generate(char out[PASSWORD_GENERATED_MAX], long long min_length)
{
	unsigned char	 raw[PASSWORD_GENERATED_RAW];
	size_t		 n = 16;

	/* base64url: 4 characters for every 3 bytes, rounded up. */
	while (n < sizeof(raw) && b64url_encoded_len(n) < (size_t)min_length)
		n++;
	if (secret_random(raw, n) == -1)
		return -1;
	b64url_encode(raw, n, out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}
