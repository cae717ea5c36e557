/*
 * Loading a theme from a list of folders, each file taken from the first
 * folder that has it (so an owner overrides the shipped theme file by
 * file): the page templates, the partials, and the assets, each asset
 * named with a fingerprint of its contents so it can be cached for a year.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/sha.h>

#include "site.h"
#include "nitems.h"
#include "encode.h"

const char *const theme_pages[8] = {
	"home", "post", "page", "tag", "author", "search", "404", "503"
};

#define NAMES_MAX	64	/* files listed in one folder of a theme */
/*
 * The version of the page model (site.c), mixed into a theme's hash: a
 * Quire whose pages show other data renders every stored page anew.
 */
#define SITE_MODEL_VERSION	"2"

/* Returns whether name is a file name a theme may use: [a-z0-9][a-z0-9._-]*, with a '.'. */
static bool
file_name_ok(const char *name, size_t max)
{
	size_t	 i, len = strlen(name);

	if (len == 0 || len >= max || !((name[0] >= 'a' && name[0] <= 'z') ||
	    (name[0] >= '0' && name[0] <= '9')) || strchr(name, '.') == NULL)
		return false;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return false;
	return true;
}

/* Writes dir/sub/name (dir/name when sub is "") into path. Returns 0, or -1 when it does not fit. */
static int
path_join(char *path, size_t size, const char *dir, const char *sub, const char *name)
{
	int	 n = snprintf(path, size, "%s%s%s/%s", dir, *sub ? "/" : "", sub, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Returns whether path is a regular file. */
static bool
is_file(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Finds name in sub of the first of dirs that has it; writes its path.
 * Returns 0, or -1 when none has it.
 */
static int
theme_find(const char *const *dirs, size_t n, const char *sub, const char *name, char *path,
    size_t size)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (path_join(path, size, dirs[i], sub, name) == 0 && is_file(path))
			return 0;
	return -1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Lists the names with suffix in sub of every folder of dirs, each once,
 * sorted, into names (up to NAMES_MAX, to free). Returns how many, or -1
 * with err set.
 */
static long
theme_list(const char *const *dirs, size_t n, const char *sub, const char *suffix,
    char *names[NAMES_MAX], char *err, size_t errlen)
{
	char		 path[1024];
	DIR		*d;
	struct dirent	*de;
	size_t		 i, k, count = 0, slen = strlen(suffix), len;

	for (i = 0; i < n; i++) {
		if (path_join(path, sizeof(path), dirs[i], "", sub) == -1) {
			snprintf(err, errlen, "%s: path too long", dirs[i]);
			goto fail;
		}
		if ((d = opendir(path)) == NULL) {
			if (errno == ENOENT)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len <= slen ||
			    strcmp(de->d_name + len - slen, suffix) != 0)
				continue;
			for (k = 0; k < count && strcmp(names[k], de->d_name) != 0; k++)
				;
			if (k < count)
				continue;
			if (count == NAMES_MAX || !file_name_ok(de->d_name, 64) ||
			    (names[count] = strdup(de->d_name)) == NULL) {
				snprintf(err, errlen, "%s/%s: %s", path, de->d_name, count ==
				    NAMES_MAX ? "too many files" : "a name other than "
				    "[a-z0-9][a-z0-9._-]* with a '.'");
				closedir(d);
				goto fail;
			}
			count++;
		}
		closedir(d);
	}
	qsort(names, count, sizeof(names[0]), name_cmp);
	return (long)count;
fail:
	for (k = 0; k < count; k++)
		free(names[k]);
	return -1;
}

/* Appends "name sha256(data)" to sums, what the theme's hash is made of. */
static void
sum_add(struct buf *sums, const char *name, const char *data, size_t len)
{
	unsigned char	 digest[SHA256_DIGEST_LENGTH];
	char		 hex[2 * SHA256_DIGEST_LENGTH + 1];

	SHA256((const unsigned char *)data, len, digest);
	hex_encode(digest, sizeof(digest), hex);
	buf_printf(sums, "%s %s\n", name, hex);
}

/*
 * Reads, parses and adds the template at path to the set as name, and its
 * sum to sums. Returns 0 or -1.
 */
static int
theme_add(struct tmpl_set *set, const char *path, const char *name, struct buf *sums,
    char *err, size_t errlen)
{
	struct buf	 src = BUF_INIT;
	struct tmpl	*t;
	int		 rc;

	if (buf_read_file(&src, path, TMPL_SOURCE_MAX, err, errlen) == -1) {
		buf_free(&src);
		return -1;
	}
	sum_add(sums, name, buf_str(&src), src.len);
	rc = tmpl_parse(path, buf_str(&src), src.len, &t, err, errlen);
	buf_free(&src);
	if (rc == -1)
		return -1;
	return tmpl_set_add(set, name, t, err, errlen);
}

/* Reads the asset at path into a, its URL fingerprinted. Returns 0 or -1. */
static int
theme_asset(struct theme_asset *a, const char *path, const char *name, char *err, size_t errlen)
{
	unsigned char	 digest[SHA256_DIGEST_LENGTH];
	char		 hex[2 * SHA256_DIGEST_LENGTH + 1], *p;
	const char	*dot = strrchr(name, '.');
	int		 n;

	if (buf_read_file(&a->data, path, THEME_ASSET_MAX, err, errlen) == -1)
		return -1;
	SHA256((const unsigned char *)buf_str(&a->data), a->data.len, digest);
	hex_encode(digest, sizeof(digest), hex);
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->key, sizeof(a->key), "%s", name);
	for (p = a->key; *p != '\0'; p++)
		if (*p == '.' || *p == '-')
			*p = '_';
	n = snprintf(a->url, sizeof(a->url), "/assets/%.*s.%.*s%s", (int)(dot - name), name,
	    THEME_FINGERPRINT, hex, dot);
	if (n < 0 || (size_t)n >= sizeof(a->url)) {
		snprintf(err, errlen, "%s: name too long", path);
		return -1;
	}
	return 0;
}

int
theme_load(const char *const *dirs, size_t n, struct theme **out, char *err, size_t errlen)
{
	struct theme	*t;
	struct buf	 sums = BUF_INIT;
	unsigned char	 digest[SHA256_DIGEST_LENGTH];
	char		 path[1024], tname[TMPL_NAME_MAX], *names[NAMES_MAX];
	size_t		 i;
	long		 count = 0, k;
	int		 rc = -1;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL || (t->set = tmpl_set_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		theme_free(t);
		return -1;
	}
	for (i = 0; i < nitems(theme_pages); i++) {
		snprintf(tname, sizeof(tname), "%s.html", theme_pages[i]);
		if (theme_find(dirs, n, "", tname, path, sizeof(path)) == -1) {
			snprintf(err, errlen, "%s: no such template in %s%s", tname, dirs[0],
			    n > 1 ? " or the folders after it" : "");
			goto out;
		}
		if (theme_add(t->set, path, theme_pages[i], &sums, err, errlen) == -1)
			goto out;
	}
	if ((count = theme_list(dirs, n, "partials", ".html", names, err, errlen)) == -1)
		goto out;
	for (k = 0; k < count; k++) {
		snprintf(tname, sizeof(tname), "%.*s", (int)(strlen(names[k]) - 5), names[k]);
		if (theme_find(dirs, n, "partials", names[k], path, sizeof(path)) == -1 ||
		    theme_add(t->set, path, tname, &sums, err, errlen) == -1)
			goto out;
	}
	if (tmpl_set_link(t->set, err, errlen) == -1)
		goto out;
	for (k = 0; k < count; k++)
		free(names[k]);
	if ((count = theme_list(dirs, n, "assets", "", names, err, errlen)) == -1)
		goto out;
	for (k = 0; k < count && (size_t)k < THEME_ASSETS_MAX; k++) {
		if (theme_find(dirs, n, "assets", names[k], path, sizeof(path)) == -1 ||
		    theme_asset(&t->assets[k], path, names[k], err, errlen) == -1)
			goto out;
		buf_printf(&sums, "%s\n", t->assets[k].url);
		t->nassets++;
	}
	if (count > THEME_ASSETS_MAX) {
		snprintf(err, errlen, "%s/assets: more than %d files", dirs[0], THEME_ASSETS_MAX);
		goto out;
	}
	if (buf_puts(&sums, "model " SITE_MODEL_VERSION "\n") == -1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	SHA256((const unsigned char *)sums.data, sums.len, digest);
	hex_encode(digest, sizeof(digest), t->hash);
	rc = 0;
out:
	buf_free(&sums);
	for (k = 0; k < count; k++)
		free(names[k]);
	if (rc == 0)
		*out = t;
	else
		theme_free(t);
	return rc;
}

void
theme_free(struct theme *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	tmpl_set_free(t->set);
	for (i = 0; i < t->nassets; i++)
		buf_free(&t->assets[i].data);
	free(t);
}
