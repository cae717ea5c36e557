/*
 * The configuration file: cfg_parse() of any text (expanded when it starts
 * with "#!rep\n", up to cfg_load()'s 1 MiB), then cfg_read() of keys of
 * every type in each section and cfg_check_unused(), as srv_ctx_open()
 * does.
 *
 * What must hold: a refusal names its line (or says the text is not
 * UTF-8); a value read has no blanks around it and no line break, a number
 * is within its range, a boolean is 0 or 1; a value read, written back as
 * "key = value", reads back the same.
 */
#include <stddef.h>
#include <string.h>

#include "cfg.h"
#include "fuzz.h"

struct settings {
	const char	*database, *public_keys, *widths;
	long long	 max_body, workers;
	int		 debug;
};

#define KEY(name, type, def, min, max, field) \
	{ name, type, def, min, max, offsetof(struct settings, field) }

static const struct cfg_key keys[] = {
	KEY("database", CFG_STR, "dbname=quire", 0, 0, database),
	KEY("public_keys", CFG_STR, "/etc/quire/keys", 0, 0, public_keys),
	KEY("widths", CFG_STR, "320,640", 0, 0, widths),
	KEY("max_body", CFG_INT, "65536", 1024, 1073741824, max_body),
	KEY("workers", CFG_INT, "1", 1, 64, workers),
	KEY("debug", CFG_BOOL, "no", 0, 0, debug),
};

/* Checks a string value v of key, and that "key = v" reads back as v. */
static void
check_value(const char *key, const char *v)
{
	struct buf	 text = BUF_INIT;
	struct cfg	*c;
	char		 err[256];
	size_t		 len = strlen(v);

	FUZZ_ASSERT(strchr(v, '\n') == NULL && (len == 0 || (v[0] != ' ' && v[0] != '\t' &&
	    v[len - 1] != ' ' && v[len - 1] != '\t' && v[len - 1] != '\r')),
	    "%s reads as \"%s\"", key, v);
	buf_printf(&text, "%s = %s\n", key, v);
	c = cfg_parse(text.data, text.len, err, sizeof(err));
	FUZZ_ASSERT(c != NULL && strcmp(cfg_get(c, "auth", key), v) == 0,
	    "\"%s\" does not read back: %s", buf_str(&text), c == NULL ? err : cfg_get(c, "", key));
	cfg_free(c);
	buf_free(&text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = { "auth", "post", "media", "" };
	struct settings	 s;
	struct cfg	*c;
	char		*text, err[256] = "";
	size_t		 len, i;

	text = fuzz_input(data, size, 1024 * 1024, false, &len);
	if ((c = cfg_parse(text, len, err, sizeof(err))) == NULL) {
		FUZZ_ASSERT(strncmp(err, "line ", 5) == 0 || strstr(err, "UTF-8") != NULL,
		    "refused with \"%s\"", err);
		goto out;
	}
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		memset(&s, 0, sizeof(s));
		if (cfg_read(c, sections[i], keys, sizeof(keys) / sizeof(keys[0]), &s, err,
		    sizeof(err)) == 0) {
			FUZZ_ASSERT(s.max_body >= 1024 && s.max_body <= 1073741824 &&
			    s.workers >= 1 && s.workers <= 64 && (s.debug == 0 || s.debug == 1),
			    "[%s] read out of range", sections[i]);
			check_value("database", s.database);
			check_value("widths", s.widths);
		} else
			FUZZ_ASSERT(err[0] == '[', "[%s] refused with \"%s\"", sections[i], err);
		if (cfg_check_unused(c, sections[i], err, sizeof(err)) == -1)
			FUZZ_ASSERT(strncmp(err, "line ", 5) == 0, "unused: \"%s\"", err);
	}
	cfg_free(c);
out:
	free(text);
	return 0;
}
