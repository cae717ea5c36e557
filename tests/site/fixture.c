/*
 * quire-site-fixture: renders a demo blog through a theme into a folder laid
 * out as the site directory will be (index.html per path, assets under
 * their fingerprinted names), for looking at the theme and for the
 * screenshots (make screenshots). Post bodies go through the real Markdown
 * renderer with a stand-in for Media.
 *
 *   quire-site-fixture THEME_DIR OUT_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "post/post.h"
#include "post/site.h"

#define HARBOUR	"6f1c2a7e-3b1d-4c2e-9a5f-0d8e7b6c5a41"
#define DESK	"0b9e4d2c-7a6f-4e1b-8c3d-5f2a1e0d9c87"
#define DAY	86400

static const struct tmpl_limits limits = { 8 << 20, 1000000 };

/* Media as the demo has it: two images, each 1600 wide, variants as Media makes them. */
static enum media_result
demo_media(void *arg, const char *id, struct media_info *out)
{
	static const long long	 widths[] = { 320, 640, 1280 };
	const char		*alt = strcmp(id, HARBOUR) == 0 ? "Boats resting on still water "
				    "in a harbour at dawn" : "A desk by a window, a notebook open "
				    "beside a cup of tea";
	size_t			 i;
	char			 url[128];

	(void)arg;
	if (strcmp(id, HARBOUR) != 0 && strcmp(id, DESK) != 0)
		return MEDIA_UNKNOWN;
	memset(out, 0, sizeof(*out));
	out->width = 1600;
	out->height = strcmp(id, HARBOUR) == 0 ? 1000 : 1067;
	out->alt = strdup(alt);
	snprintf(url, sizeof(url), "/media/%s/original", id);
	out->original = strdup(url);
	out->variants = calloc(3, sizeof(*out->variants));
	out->nvariants = 3;
	for (i = 0; i < 3; i++) {
		out->variants[i].width = widths[i];
		snprintf(url, sizeof(url), "/media/%s/w/%lld.webp", id, widths[i]);
		out->variants[i].url = strdup(url);
	}
	return MEDIA_FOUND;
}

struct demo_post {
	const char	*slug, *title, *excerpt, *md;
	const char	*tags[3];
	int		 days_ago;
};

static const struct demo_post demo_posts[] = {
	{ "boring-software", "The case for boring software",
	  "The tools that last are rarely the exciting ones. Notes on choosing dependencies you "
	  "will still understand in ten years.",
	  "The tools that last are rarely the exciting ones. The database I trust most is older "
	  "than some of my colleagues, and the web server in front of this blog has not surprised "
	  "me in years. That is not an accident; it is the whole point.\n\n"
	  "![](media:" HARBOUR ")\n\n"
	  "## What boring buys you\n\n"
	  "Boring software has been run by thousands of people before you, in more configurations "
	  "than you will ever try. Its failure modes are written down. When it breaks at three in "
	  "the morning, someone has already asked your question, and someone else has answered "
	  "it.\n\n"
	  "> The best code is the code you do not have to think about while you are thinking "
	  "about something else.\n\n"
	  "None of this means standing still. It means spending your *novelty budget* where it "
	  "earns something: on the problem only you are solving, not on the plumbing everyone "
	  "shares. A cron job and a `COPY` into PostgreSQL will outlive most pipelines.\n\n"
	  "## A short checklist\n\n"
	  "1. Can you explain what it does in one sentence?\n"
	  "2. Will it still build from source in five years?\n"
	  "3. When it fails, does it fail loudly, and in one place?\n\n"
	  "If the answers are yes, it is probably boring enough.\n\n"
	  "    $ apt-get install postgresql lighttpd\n"
	  "    $ make check\n\n"
	  "Start there, and let the interesting parts be [yours](https://example.org/).\n\n"
	  "![](media:" DESK ")\n",
	  { "software", "essays", NULL }, 2 },
	{ "a-week-without-notifications", "A week without notifications",
	  "I turned off every badge, banner and buzz for seven days. The world did not end; my "
	  "afternoons came back.",
	  "I turned off every badge, banner and buzz for seven days.\n\n"
	  "The first day was the strangest. I kept reaching for a phone that had nothing to say.\n",
	  { "habits", NULL, NULL }, 9 },
	{ "paper-notebooks-scale", "Paper notebooks scale better than you think",
	  "An index, page numbers and a pen: a note system that has survived three jobs, two "
	  "moves and no migrations.",
	  "An index, page numbers and a pen.\n", { "tools", "habits", NULL }, 17 },
	{ "small-tools", "Small tools for small problems",
	  "Not every itch needs a framework. Forty lines of shell, kept in a folder called bin, "
	  "have done more for me than most apps.",
	  "Not every itch needs a framework.\n", { "tools", "software", NULL }, 30 },
	{ "on-reading-slowly", "On reading slowly",
	  "Some books ask to be finished. The good ones ask to be lived with for a while.",
	  "Some books ask to be finished.\n", { "essays", NULL, NULL }, 44 },
	{ "writing-in-public-quietly", "Writing in public, quietly",
	  "A blog without analytics, comments or a newsletter pop-up, and why that is fine.",
	  "A blog without analytics.\n", { "essays", NULL, NULL }, 61 },
	{ "why-no-comments", "Why this blog has no comments",
	  "Write to me instead. Letters are slower, kinder and much better spelt.",
	  "Write to me instead.\n", { NULL, NULL, NULL }, 80 },
};

#define NPOSTS	(sizeof(demo_posts) / sizeof(demo_posts[0]))
#define PER_PAGE 5

static const struct site_link nav[] = {
	{ "Essays", "/tag/essays/" }, { "About", "/about/" }, { "Feed", "/feed.atom" },
};

static const struct site_settings settings = {
	"Field Notes", "Essays on slow software, small tools and the craft of making them last.",
	"en", "https://fieldnotes.example", nav, sizeof(nav) / sizeof(nav[0])
};

/* Creates the folders of path (a file path). Exits on error. */
static void
mkdirs(const char *path)
{
	char	 dir[1024], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			fprintf(stderr, "%s: %s\n", dir, strerror(errno));
			exit(1);
		}
		*p = '/';
	}
}

/* Writes data[0..len) to out/rel. Exits on error. */
static void
write_file(const char *out, const char *rel, const char *data, size_t len)
{
	char	 path[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", out, rel);
	mkdirs(path);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* Renders p into out at its path (index.html of it), or at file when given. Exits on error. */
static void
page_write(const struct theme *t, const struct site_page *p, const char *out, const char *file)
{
	struct buf	 html = BUF_INIT, path = BUF_INIT;
	char		 err[512];

	if (site_render(t, &settings, p, &limits, &html, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	if (file == NULL) {
		site_path(p, p->list != NULL ? p->list->page : 1, &path);
		buf_puts(&path, "index.html");
		file = buf_str(&path) + 1;
	}
	write_file(out, file, html.data, html.len);
	buf_free(&html);
	buf_free(&path);
}

int
main(int argc, char **argv)
{
	static struct site_post	 posts[NPOSTS];
	static struct site_tag	 tags[NPOSTS][3];
	static struct site_image harbour = {
		"/media/" HARBOUR "/w/1280.webp", "/media/" HARBOUR "/w/320.webp 320w, /media/"
		HARBOUR "/w/640.webp 640w, /media/" HARBOUR "/w/1280.webp 1280w",
		"Boats resting on still water in a harbour at dawn",
		"/media/" HARBOUR "/w/1280.webp", 1600, 1000
	};
	const time_t		 now = 1795392000;	/* 2026-11-23 */
	struct theme		*theme;
	struct render		 r;
	struct site_list	 list;
	struct site_page	 page;
	struct site_tag		 essays = { "essays", "essays" };
	struct site_post	 about;
	const char		*dirs[1];
	char			 err[512];
	size_t			 i, k, n;

	if (argc != 3) {
		fprintf(stderr, "usage: quire-site-fixture THEME_DIR OUT_DIR\n");
		return 2;
	}
	dirs[0] = argv[1];
	if (theme_load(dirs, 1, &theme, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < theme->nassets; i++)
		write_file(argv[2], theme->assets[i].url + 1, theme->assets[i].data.data,
		    theme->assets[i].data.len);
	for (i = 0; i < NPOSTS; i++) {
		const struct demo_post *d = &demo_posts[i];

		if (render_markdown(d->md, strlen(d->md), 10000, demo_media, NULL, &r, err,
		    sizeof(err)) != RENDER_OK) {
			fprintf(stderr, "%s: %s\n", d->slug, err);
			return 1;
		}
		for (n = 0; n < 3 && d->tags[n] != NULL; n++)
			tags[i][n] = (struct site_tag){ d->tags[n], d->tags[n] };
		posts[i] = (struct site_post){ d->slug, d->title, d->excerpt, r.html, "maren",
		    "Maren Holt", tags[i], n, now - d->days_ago * DAY, now - d->days_ago * DAY,
		    i == 0 ? &harbour : NULL };
		if (i == 0)
			posts[i].updated += 2 * DAY - 3600;
		r.html = NULL;
		render_free(&r);
	}
	/* The home pages, then each post. */
	for (k = 0; k * PER_PAGE < NPOSTS; k++) {
		list = (struct site_list){ posts + k * PER_PAGE, NPOSTS - k * PER_PAGE < PER_PAGE ?
		    NPOSTS - k * PER_PAGE : PER_PAGE, (long long)k + 1,
		    (long long)((NPOSTS + PER_PAGE - 1) / PER_PAGE) };
		page = (struct site_page){ .kind = SITE_HOME, .list = &list };
		page_write(theme, &page, argv[2], NULL);
	}
	for (i = 0; i < NPOSTS; i++) {
		page = (struct site_page){ .kind = SITE_POST, .post = &posts[i] };
		page_write(theme, &page, argv[2], NULL);
	}
	about = (struct site_post){ "about", "About", "Who writes Field Notes, and why.",
	    "<p>I am Maren Holt. I build small, dependable software for a living and write "
	    "about it here, slowly.</p>\n<p>Write to me at <a href=\"mailto:maren@fieldnotes.example\">"
	    "maren@fieldnotes.example</a>.</p>\n", "maren", "Maren Holt", NULL, 0, now - 400 * DAY,
	    now - 400 * DAY, NULL };
	page = (struct site_page){ .kind = SITE_PAGE, .post = &about };
	page_write(theme, &page, argv[2], NULL);
	/* A tag, an author, a search, and the two error pages. */
	list = (struct site_list){ posts, 4, 1, 1 };
	page = (struct site_page){ .kind = SITE_TAG, .list = &list, .tag = &essays };
	page_write(theme, &page, argv[2], NULL);
	list = (struct site_list){ posts, PER_PAGE, 1, 2 };
	page = (struct site_page){ .kind = SITE_AUTHOR, .list = &list, .author = "maren",
	    .author_name = "Maren Holt" };
	page_write(theme, &page, argv[2], NULL);
	list = (struct site_list){ posts + 2, 2, 1, 1 };
	page = (struct site_page){ .kind = SITE_SEARCH, .list = &list, .query = "notebook",
	    .total = 2 };
	page_write(theme, &page, argv[2], "search/index.html");
	page = (struct site_page){ .kind = SITE_NOT_FOUND };
	page_write(theme, &page, argv[2], "404.html");
	page = (struct site_page){ .kind = SITE_UNAVAILABLE };
	page_write(theme, &page, argv[2], "503.html");
	for (i = 0; i < NPOSTS; i++)
		free((char *)posts[i].html);
	theme_free(theme);
	return 0;
}
