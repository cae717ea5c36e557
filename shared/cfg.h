/*
 * cfg: the INI-style configuration file shared by the three programs.
 *
 *   # comment
 *   public_keys = /etc/quire/keys/public     <- before any section: global
 *   [auth]
 *   database = host=/run/postgresql dbname=quire user=quire_auth
 *
 * A key is looked up in the program's own section first, then among the
 * global keys, then falls back to its default.
 */
#ifndef QUIRE_CFG_H
#define QUIRE_CFG_H

#include <stddef.h>
#include <stdio.h>

struct cfg;

enum cfg_type {
	CFG_STR,	/* stored as const char *, borrowed from the struct cfg */
	CFG_INT,	/* stored as long long, range-checked */
	CFG_BOOL	/* stored as int: yes/no, true/false, on/off, 1/0 */
};

/* One known key of a section, with where to store it in a settings struct. */
struct cfg_key {
	const char	*name;
	enum cfg_type	 type;
	const char	*def;		/* default, parsed like a value; NULL: required */
	long long	 min, max;	/* CFG_INT only */
	size_t		 off;		/* offsetof() in the settings struct */
};

/*
 * A key of the settings struct conf, named as its field:
 * CFG_KEY(struct post_conf, render_budget, CFG_INT, "2000", 50, 60000).
 */
#define CFG_KEY(conf, field, type, def, min, max) \
	{ #field, type, def, min, max, offsetof(conf, field) }

/*
 * Parses text as a configuration. Returns a cfg to free with cfg_free(), or
 * NULL with a message naming the line in err.
 */
struct cfg	*cfg_parse(const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a file. Returns NULL with a message in err on failure. */
struct cfg	*cfg_load(const char *path, char *err, size_t errlen);
void		 cfg_free(struct cfg *);

/*
 * Returns the raw value of key in section (falling back to the global keys),
 * or NULL when it is set nowhere. Borrowed from the cfg.
 */
const char	*cfg_get(struct cfg *, const char *section, const char *key);

/*
 * Fills the settings struct at base from keys[0..n) of section. Returns 0, or
 * -1 with a message naming the key in err (a required key missing, a number
 * out of range, a bad boolean).
 */
int		 cfg_read(struct cfg *, const char *section, const struct cfg_key *keys,
		    size_t n, void *base, char *err, size_t errlen);

/*
 * Checks that every key set in section was read by cfg_read or cfg_get, so a
 * misspelt key is an error rather than silently ignored. Returns 0 or -1 with
 * the first unknown key named in err.
 */
int		 cfg_check_unused(const struct cfg *, const char *section, char *err,
		    size_t errlen);

/*
 * Writes keys[0..n) to f, one line each, in table order, as --print-config
 * shows them (quire.conf(5), KEY TABLES):
 *
 *   MARKER NAME TYPE VALUE [MIN..MAX]
 *
 * MARKER as given ("[post]", "[*]"); TYPE str, int or bool; VALUE the
 * setting in the struct at base (filled by cfg_read), or the key's default
 * when base is NULL: a string in double quotes (a " or \ in it escaped
 * with \), a whole number, yes or no, or the word required for a required
 * key without a value. MIN..MAX follows for an int only. Returns 0, or -1
 * with err set when a default is not a valid value of its key (a fault of
 * the table) or a write fails.
 */
int		 cfg_print(FILE *f, const char *marker, const struct cfg_key *keys,
		    size_t n, const void *base, char *err, size_t errlen);

#endif
