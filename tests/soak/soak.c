/*
 * quire-soak: `make soak`, never part of `make check`. Starts a private
 * stack, as the tests and the benchmark do, and sends it mixed traffic for
 * SOAK_SECONDS from SOAK_CLIENTS processes, each on keep-alive connections:
 * reads, writes, uploads, logins and bad input, chosen at random by the
 * weights of actions[] below. Every SOAK_SAMPLE seconds it samples each
 * program's processes: resident memory (VmRSS) and open files.
 *
 * It fails when any answer is a 5xx or does not come, when a program's
 * process exits or is replaced, or when a program's RSS or open files grew
 * by 5 % or more from the end of the warm-up (SOAK_WARMUP seconds) to the
 * end (each the median of a minute of samples, so that memory a request
 * holds for a moment does not count). It prints a table of the actions
 * (with answers outside what each expects, for the record) and one of the
 * programs.
 *
 * Settings (environment): SOAK_SECONDS (600), SOAK_WARMUP (60), SOAK_CLIENTS
 * (4), SOAK_PROCS (processes per program, 2), SOAK_SAMPLE (5), QUIRE_WEB
 * (lighttpd or apache), QUIRE_BUILD (build).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "nitems.h"
#include "proc.h"
#include "text.h"
#include "times.h"

#define SEED_POSTS	20	/* published posts everyone reads */
#define SEED_MEDIA	3	/* images everyone reads, and their variants */
#define KEPT		8	/* posts a client keeps before deleting its oldest */
#define KEPT_MEDIA	2	/* images, of SEED_MEDIA different ones: uploads that are new, and not */
#define MAX_CLIENTS	32
#define MAX_SAMPLES	100000
#define MAX_PIDS	64
#define GROWTH_LIMIT	0.05
#define WINDOW_SECONDS	60	/* at each end, the median of the samples of a minute counts */
#define MAX_WINDOW	600

static const char *const program_names[] = { "quire-auth", "quire-post", "quire-media" };
#define NPROGRAMS	3

/* What the setup made, shared by every client. */
static struct {
	char	 slugs[SEED_POSTS][130];
	char	 media[SEED_MEDIA][UUID_LEN + 1];
	char	*png[SEED_MEDIA];	/* the bytes of three images of different sizes */
	size_t	 png_len[SEED_MEDIA];
} seed;

/* A client's own state. */
struct client {
	CURL		*curl;
	unsigned	 rand;
	char		 name[USERNAME_MAX + 1];
	char		 token[TOK_MAX_LEN + 1];
	char		 refresh[256];
	char		 posts[KEPT][UUID_LEN + 1];	/* its posts, oldest first */
	int		 nposts;
	char		 media[KEPT][UUID_LEN + 1];
	int		 nmedia;
	struct tally	*tally;
	int		 reported;
};

enum outcome { OUT_OK, OUT_4XX, OUT_5XX, OUT_NONE, OUT_UNEXPECTED, NOUTCOMES };

struct action {
	const char	*name;
	int		 weight;
	void		(*run)(struct client *, int);
};

/* Counts per action (the index into actions[]) and outcome; one per client, shared. */
struct tally {
	long	 n[32][NOUTCOMES];
};

/* Sends a request on the client's connection; the token when auth, extra headers. */
static long
call(struct client *c, const char *method, const char *path, bool auth, const char *ct,
    const char *body, size_t len, const char *extra, struct http_resp *r)
{
	char		 url[2048], authz[4300], type[128];
	const char	*headers[4];
	size_t		 n = 0;

	snprintf(url, sizeof(url), "%s%s", test_stack.base_url, path);
	if (auth) {
		snprintf(authz, sizeof(authz), "Authorization: Bearer %s", c->token);
		headers[n++] = authz;
	}
	if (ct != NULL) {
		snprintf(type, sizeof(type), "Content-Type: %s", ct);
		headers[n++] = type;
	}
	if (extra != NULL)
		headers[n++] = extra;
	headers[n] = NULL;
	return http_request_on(c->curl, method, url, headers, body, len, r);
}

/*
 * Counts the answer of action a: a 5xx or none is a failure (its first few
 * are printed), a status not among want (a 0-terminated list) is unexpected.
 */
static void
tally(struct client *c, int a, const char *what, const struct http_resp *r, const int *want)
{
	enum outcome	 o;
	int		 i;

	if (r->status < 0)
		o = OUT_NONE;
	else if (r->status >= 500)
		o = OUT_5XX;
	else if (r->status >= 400)
		o = OUT_4XX;
	else
		o = OUT_OK;
	c->tally->n[a][o]++;
	for (i = 0; want[i] != 0 && want[i] != r->status; i++)
		;
	if (want[i] == 0 && o != OUT_5XX && o != OUT_NONE)
		c->tally->n[a][OUT_UNEXPECTED]++;
	if ((o == OUT_5XX || o == OUT_NONE || want[i] == 0) && c->reported++ < 10)
		fprintf(stderr, "soak: %s: %ld %.300s\n", what, r->status, buf_str(&r->body));
}

#define WANT(...)	((const int[]){ __VA_ARGS__, 0 })

/* Returns a random number below n. */
static int
pick(struct client *c, int n)
{
	return (int)(rand_r(&c->rand) % (unsigned)n);
}

/* GETs path (with the client's token when auth), which must answer 200. */
static void
get_ok(struct client *c, int a, const char *path, bool auth)
{
	struct http_resp r;

	call(c, "GET", path, auth, NULL, NULL, 0, NULL, &r);
	tally(c, a, path, &r, WANT(200));
	http_resp_free(&r);
}

static void
read_post(struct client *c, int a)
{
	char	 path[200];

	snprintf(path, sizeof(path), "/posts/%s", seed.slugs[pick(c, SEED_POSTS)]);
	get_ok(c, a, path, pick(c, 4) == 0);
}

static void
list_posts(struct client *c, int a)
{
	static const char *const queries[] = { "/posts?page=1", "/posts?page=2&per_page=5",
	    "/posts?tag=soak", "/posts?q=otters", "/posts?status=any" };
	int	 q = pick(c, 5);

	get_ok(c, a, queries[q], q == 4);
}

static void
feed(struct client *c, int a)
{
	get_ok(c, a, "/posts/feed.atom", false);
}

static void
media_item(struct client *c, int a)
{
	char	 path[100];

	snprintf(path, sizeof(path), "/media/%s", seed.media[pick(c, SEED_MEDIA)]);
	get_ok(c, a, path, false);
}

static void
variant(struct client *c, int a)
{
	static const char *const names[] = { "w/320.webp", "w/320.jpg", "original" };
	char	 path[120];

	snprintf(path, sizeof(path), "/media/%s/%s", seed.media[pick(c, SEED_MEDIA)],
	    names[pick(c, 3)]);
	get_ok(c, a, path, false);
}

static void
me(struct client *c, int a)
{
	get_ok(c, a, "/auth/me", true);
}

/* Deletes the client's oldest post or image (kind "posts" or "media"). */
static void
drop_oldest(struct client *c, int a, const char *kind, char list[KEPT][UUID_LEN + 1], int *n)
{
	struct http_resp r;
	char		 path[100];

	snprintf(path, sizeof(path), "/%s/%s", kind, list[0]);
	call(c, "DELETE", path, true, NULL, NULL, 0, NULL, &r);
	tally(c, a, path, &r, WANT(204));
	http_resp_free(&r);
	memmove(list[0], list[1], (size_t)(KEPT - 1) * 37);
	(*n)--;
}

static void
write_post(struct client *c, int a)
{
	struct http_resp r;
	char		 body[600];
	const char	*id;

	if (c->nposts == KEPT)
		drop_oldest(c, a, "posts", c->posts, &c->nposts);
	snprintf(body, sizeof(body), "{\"title\":\"Soak %u\",\"body\":\"About *otters*, again.\\n\\n"
	    "![an image](media:%s)\",\"tags\":[\"soak\"],\"status\":\"%s\"}",
	    (unsigned)rand_r(&c->rand), seed.media[pick(c, SEED_MEDIA)],
	    pick(c, 2) ? "published" : "draft");
	call(c, "POST", "/posts", true, "application/json", body, strlen(body), NULL, &r);
	tally(c, a, "POST /posts", &r, WANT(201));
	if (r.status == 201 && (id = http_resp_str(&r, "id")) != NULL)
		snprintf(c->posts[c->nposts++], 37, "%s", id);
	http_resp_free(&r);
}

/* Edits one of its posts with the ETag just read; a stale one once in a while (412). */
static void
edit_post(struct client *c, int a)
{
	struct http_resp r;
	char		 path[100], etag[200], ifmatch[220], body[200];
	bool		 stale = pick(c, 5) == 0;

	if (c->nposts == 0) {
		write_post(c, a);
		return;
	}
	snprintf(path, sizeof(path), "/posts/%s", c->posts[pick(c, c->nposts)]);
	call(c, "GET", path, true, NULL, NULL, 0, NULL, &r);
	tally(c, a, path, &r, WANT(200));
	if (http_header(&r, "ETag", etag, sizeof(etag)) == NULL)
		snprintf(etag, sizeof(etag), "\"none\"");
	http_resp_free(&r);
	snprintf(ifmatch, sizeof(ifmatch), "If-Match: %s", stale ? "\"stale.1.1\"" : etag);
	snprintf(body, sizeof(body), "{\"body\":\"Edited %u times, about **otters**.\"}",
	    (unsigned)rand_r(&c->rand));
	call(c, "PATCH", path, true, "application/json", body, strlen(body), ifmatch, &r);
	tally(c, a, "PATCH", &r, stale ? WANT(412) : WANT(200));
	http_resp_free(&r);
}

/* Uploads one of the images (the same bytes again give 200), and makes a variant. */
static void
upload(struct client *c, int a)
{
	struct http_resp r;
	char		 path[100];
	const char	*id;
	int		 i = pick(c, SEED_MEDIA), k;

	if (c->nmedia == KEPT_MEDIA)
		drop_oldest(c, a, "media", c->media, &c->nmedia);
	call(c, "POST", "/media?alt=soak", true, "image/png", seed.png[i], seed.png_len[i], NULL,
	    &r);
	tally(c, a, "POST /media", &r, WANT(200, 201));
	if (r.status == 201 && (id = http_resp_str(&r, "id")) != NULL) {
		snprintf(c->media[c->nmedia++], 37, "%s", id);
		snprintf(path, sizeof(path), "/media/%s/w/320.webp", id);
		get_ok(c, a, path, false);
	} else if (r.status == 200 && (id = http_resp_str(&r, "id")) != NULL) {
		for (k = 0; k < c->nmedia && strcmp(c->media[k], id) != 0; k++)
			;
		if (k == c->nmedia)
			snprintf(c->media[c->nmedia++], 37, "%s", id);
	}
	http_resp_free(&r);
}

/* POSTs body to path (login or refresh), which must answer 200; keeps the new tokens. */
static void
take_tokens(struct client *c, int a, const char *path, const char *body)
{
	struct http_resp r;

	call(c, "POST", path, false, "application/json", body, strlen(body), NULL, &r);
	tally(c, a, path, &r, WANT(200));
	if (r.status == 200) {
		snprintf(c->token, sizeof(c->token), "%s", http_resp_str(&r, "access_token"));
		snprintf(c->refresh, sizeof(c->refresh), "%s", http_resp_str(&r, "refresh_token"));
	}
	http_resp_free(&r);
}

/* Logs in with the right password. */
static void
log_in(struct client *c, int a)
{
	char	 body[200];

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", c->name,
	    USER_PASSWORD);
	take_tokens(c, a, "/auth/login", body);
}

static void
refresh(struct client *c, int a)
{
	char	 body[400];

	if (c->refresh[0] == '\0') {
		log_in(c, a);
		return;
	}
	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", c->refresh);
	take_tokens(c, a, "/auth/refresh", body);
}

/* Input a client gets wrong, each with the 4xx it must get. */
static void
bad_input(struct client *c, int a)
{
	static char	 big[200 * 1024];
	struct http_resp r;
	char		 path[100];

	switch (pick(c, 10)) {
	case 0:
		call(c, "POST", "/posts", true, "application/json", "{\"title\":", 9, NULL, &r);
		tally(c, a, "bad json", &r, WANT(400));
		break;
	case 1:
		call(c, "POST", "/posts", true, "application/json",
		    "{\"title\":\"t\",\"body\":\"b\",\"nope\":1}", 33, NULL, &r);
		tally(c, a, "unknown field", &r, WANT(400));
		break;
	case 2:
		call(c, "GET", "/media/not-a-uuid", false, NULL, NULL, 0, NULL, &r);
		tally(c, a, "bad id", &r, WANT(400));
		break;
	case 3:
		call(c, "GET", "/posts?per_page=1000", false, NULL, NULL, 0, NULL, &r);
		tally(c, a, "bad query", &r, WANT(400));
		break;
	case 4:
		call(c, "GET", "/auth/me", false, NULL, NULL, 0,
		    "Authorization: Bearer eyJhbGciOiJub25lIn0.e30.", &r);
		tally(c, a, "bad token", &r, WANT(401));
		break;
	case 5:
		snprintf(path, sizeof(path), "{\"username\":\"nobody-%s\",\"password\":\"wrong\"}",
		    c->name);
		call(c, "POST", "/auth/login", false, "application/json", path, strlen(path), NULL,
		    &r);
		tally(c, a, "wrong password", &r, WANT(401, 429));
		break;
	case 6:
		call(c, "POST", "/media", true, "image/png", "not an image at all", 19, NULL, &r);
		tally(c, a, "not an image", &r, WANT(415));
		break;
	case 7:
		memset(big, ' ', sizeof(big));
		call(c, "POST", "/auth/login", false, "application/json", big, sizeof(big), NULL,
		    &r);
		tally(c, a, "too large", &r, WANT(413));
		break;
	case 8:
		call(c, "GET", "/posts/no-such-post-anywhere", false, NULL, NULL, 0, NULL, &r);
		tally(c, a, "no such post", &r, WANT(404));
		break;
	default:
		call(c, "DELETE", "/posts/00000000-0000-4000-8000-000000000000", true, NULL, NULL,
		    0, NULL, &r);
		tally(c, a, "delete nothing", &r, WANT(404));
		break;
	}
	http_resp_free(&r);
}

/* What the clients do, and how often (weights, per mille). */
static const struct action actions[] = {
	{ "read a post",		300,	read_post },
	{ "list posts",			110,	list_posts },
	{ "feed",			20,	feed },
	{ "media item",			100,	media_item },
	{ "variant or original",	150,	variant },
	{ "who am I",			60,	me },
	{ "write a post",		60,	write_post },
	{ "edit a post",		50,	edit_post },
	{ "upload an image",		15,	upload },
	{ "log in",			5,	log_in },
	{ "refresh",			5,	refresh },
	{ "bad input",			125,	bad_input },
};

#define NACTIONS	(nitems(actions))
_Static_assert(NACTIONS <= sizeof(((struct tally *)0)->n) / sizeof(((struct tally *)0)->n[0]),
    "struct tally counts too few actions");

/* One client until the deadline (time_mono_usec). Exits. */
static void __attribute__((noreturn))
client_run_until(struct client *c, int64_t deadline)
{
	int	 total = 0, r, a;
	size_t	 i;

	for (i = 0; i < NACTIONS; i++)
		total += actions[i].weight;
	if ((c->curl = curl_easy_init()) == NULL)
		_exit(1);
	while (time_mono_usec() < deadline) {
		r = pick(c, total);
		for (a = 0; r >= actions[a].weight; a++)
			r -= actions[a].weight;
		actions[a].run(c, a);
	}
	curl_easy_cleanup(c->curl);
	_exit(0);
}

/* One sample of every program: its processes' RSS (KiB) and open files. */
struct sample {
	double	 t;	/* seconds since the start */
	long	 rss[NPROGRAMS];
	long	 fds[NPROGRAMS];
	long	 procs[NPROGRAMS];
};

/* Returns the number after "name:" in /proc/pid/status, or -1. */
static long
proc_status(pid_t pid, const char *name)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -1;
	size_t	 n = strlen(name);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

/* Returns the number of open files of pid, or -1. */
static long
proc_fds(pid_t pid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*de;
	long		 n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Returns the index in program_names of pid's program, or -1. */
static int
proc_program(pid_t pid)
{
	char	 path[64], comm[64] = "";
	FILE	*f;
	int	 i;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	for (i = 0; i < NPROGRAMS; i++)
		if (strcmp(comm, program_names[i]) == 0)
			return i;
	return -1;
}

/* Samples the programs. Returns false when their processes are not those of first. */
static bool
take_sample(struct sample *s, double t, pid_t first[MAX_PIDS], size_t *nfirst)
{
	pid_t	 pids[MAX_PIDS];
	size_t	 n = stack_program_pids(&test_stack, pids, MAX_PIDS), i;
	int	 p;

	memset(s, 0, sizeof(*s));
	s->t = t;
	for (i = 0; i < n; i++) {
		if ((p = proc_program(pids[i])) == -1)
			continue;
		s->rss[p] += proc_status(pids[i], "VmRSS");
		s->fds[p] += proc_fds(pids[i]);
		s->procs[p]++;
	}
	if (*nfirst == 0) {
		memcpy(first, pids, n * sizeof(pid_t));
		*nfirst = n;
	}
	return n == *nfirst && memcmp(pids, first, n * sizeof(pid_t)) == 0;
}

/* Reads a positive integer from the environment, or def. */
static long long
env_int(const char *name, long long def)
{
	long long	 v;

	return text_parse_int(getenv(name), 1, 10000000, &v) == 0 ? v : def;
}

/* Makes the seed images (make_png.py), posts and media items. */
static void
setup(void)
{
	static const int sizes[SEED_MEDIA][2] = { { 64, 48 }, { 400, 300 }, { 800, 600 } };
	struct http_resp r;
	struct buf	 b = BUF_INIT;
	char		 w[16], h[16], file[600];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		*argv[] = { "/usr/bin/python3", "tests/integration/make_png.py", w, h, file,
		    NULL };
	char		 body[400], err[200];
	int		 i;

	for (i = 0; i < SEED_MEDIA; i++) {
		snprintf(w, sizeof(w), "%d", sizes[i][0]);
		snprintf(h, sizeof(h), "%d", sizes[i][1]);
		snprintf(file, sizeof(file), "%s/tmp/seed-%d.png", test_stack.var, i);
		ck_assert_msg(stack_run(argv) == 0 &&
		    buf_read_file(&b, file, 1 << 24, err, sizeof(err)) == 0, "cannot make %s", file);
		seed.png[i] = b.data;
		seed.png_len[i] = b.len;
		memset(&b, 0, sizeof(b));
		ck_assert_int_eq(upload_png(tok, sizes[i][0], sizes[i][1], seed.media[i]), 201);
	}
	for (i = 0; i < SEED_POSTS; i++) {
		snprintf(body, sizeof(body), "{\"title\":\"Seed %d\",\"body\":\"# Seed %d\\n\\nAbout "
		    "*otters*.\\n\\n![seed](media:%s)\",\"tags\":[\"soak\"],\"status\":\"published\"}",
		    i, i, seed.media[i % SEED_MEDIA]);
		ck_assert_msg(api("POST", "/posts", tok, body, &r) == 201, "seed post: %ld %s",
		    r.status, buf_str(&r.body));
		snprintf(seed.slugs[i], sizeof(seed.slugs[i]), "%s", http_resp_str(&r, "slug"));
		http_resp_free(&r);
	}
}

/*
 * Returns the median of samples[from..from+n) of program p (RSS or files):
 * a sample taken while a request holds memory or a connection for a moment
 * (a password hash holds several MiB), or just after memory went back to
 * the system, is not a trend; the middle of a minute of samples is.
 */
static double
median_of(const struct sample *samples, size_t from, size_t n, int p, bool rss)
{
	long	 v[MAX_WINDOW], tmp;
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		v[i] = rss ? samples[from + i].rss[p] : samples[from + i].fds[p];
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			tmp = v[j];
			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
	}
	return n % 2 ? (double)v[n / 2] : (double)(v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Prints the tables. Returns 0 when the soak held, else 1. */
static int
report(struct tally *tallies, int clients, const struct sample *samples, size_t nsamples,
    long long seconds, long long warmup, long long every, bool same_processes)
{
	long		 sum[NOUTCOMES], total[NOUTCOMES] = { 0 };
	double		 base, end, growth;
	size_t		 a, first, window = (size_t)(WINDOW_SECONDS / every);
	int		 c, o, p, rc = 0;

	if (window < 3)
		window = 3;
	if (window > MAX_WINDOW)
		window = MAX_WINDOW;

	printf("\nQuire soak: %lld s of mixed traffic behind %s, %d clients on keep-alive "
	    "connections, %ld processes per program; warm-up %lld s\n\n",
	    seconds, test_stack.apache ? "Apache" : "lighttpd", clients,
	    (long)env_int("SOAK_PROCS", 2), warmup);
	printf("%-22s %10s %10s %8s %6s %9s %11s\n", "action", "requests", "2xx/3xx", "4xx",
	    "5xx", "no answer", "unexpected");
	for (a = 0; a < NACTIONS; a++) {
		memset(sum, 0, sizeof(sum));
		for (c = 0; c < clients; c++)
			for (o = 0; o < NOUTCOMES; o++)
				sum[o] += tallies[c].n[a][o];
		for (o = 0; o < NOUTCOMES; o++)
			total[o] += sum[o];
		printf("%-22s %10ld %10ld %8ld %6ld %9ld %11ld\n", actions[a].name,
		    sum[OUT_OK] + sum[OUT_4XX] + sum[OUT_5XX] + sum[OUT_NONE], sum[OUT_OK],
		    sum[OUT_4XX], sum[OUT_5XX], sum[OUT_NONE], sum[OUT_UNEXPECTED]);
	}
	printf("%-22s %10ld %10ld %8ld %6ld %9ld %11ld  (%.0f requests/s)\n", "all",
	    total[OUT_OK] + total[OUT_4XX] + total[OUT_5XX] + total[OUT_NONE], total[OUT_OK],
	    total[OUT_4XX], total[OUT_5XX], total[OUT_NONE], total[OUT_UNEXPECTED],
	    (double)(total[OUT_OK] + total[OUT_4XX] + total[OUT_5XX] + total[OUT_NONE]) /
	    (double)seconds);
	if (total[OUT_5XX] + total[OUT_NONE] > 0) {
		printf("FAIL: %ld answers were 5xx or did not come\n",
		    total[OUT_5XX] + total[OUT_NONE]);
		rc = 1;
	}
	for (first = 0; first < nsamples && samples[first].t < (double)warmup; first++)
		;
	if (nsamples < first + 2 * window) {
		printf("FAIL: %zu samples after the warm-up, %zu needed (a minute at each end): "
		    "SOAK_SECONDS is too short\n", nsamples - first, 2 * window);
		return 1;
	}
	printf("\n%-12s %9s  %17s %12s %8s  %19s %12s %8s\n", "program", "processes",
	    "RSS after warm-up", "RSS at end", "growth", "files after warm-up", "files at end",
	    "growth");
	for (p = 0; p < NPROGRAMS; p++) {
		base = median_of(samples, first, window, p, true);
		end = median_of(samples, nsamples - window, window, p, true);
		growth = (end - base) / base;
		printf("%-12s %9ld  %13.1f MiB %8.1f MiB %+7.1f%%", program_names[p],
		    samples[first].procs[p], base / 1024, end / 1024, growth * 100);
		if (growth >= GROWTH_LIMIT)
			rc = 1;
		base = median_of(samples, first, window, p, false);
		end = median_of(samples, nsamples - window, window, p, false);
		printf("  %19.1f %12.1f %+7.1f%%%s\n", base, end, (end - base) / base * 100,
		    growth >= GROWTH_LIMIT || (end - base) / base >= GROWTH_LIMIT ?
		    "  FAIL: grew 5 % or more" : "");
		if ((end - base) / base >= GROWTH_LIMIT)
			rc = 1;
	}
	if (!same_processes) {
		printf("FAIL: a program's process exited or was replaced during the soak\n");
		rc = 1;
	}
	printf("\n%s\n", rc == 0 ? "soak: passed" : "soak: FAILED");
	return rc;
}

START_TEST(mixed_traffic)
{
	long long		 seconds = env_int("SOAK_SECONDS", 600);
	long long		 warmup = env_int("SOAK_WARMUP", 60);
	long long		 every = env_int("SOAK_SAMPLE", 5);
	int			 clients = (int)env_int("SOAK_CLIENTS", 4), i;
	struct tally		*tallies;
	struct sample		*samples;
	struct client		 c;
	pid_t			 pids[MAX_CLIENTS], first[MAX_PIDS];
	size_t			 nsamples = 0, nfirst = 0;
	int64_t			 start, deadline;
	bool			 same = true;

	if (clients > MAX_CLIENTS)
		clients = MAX_CLIENTS;
	tallies = mmap(NULL, sizeof(*tallies) * MAX_CLIENTS, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(tallies, MAP_FAILED);
	ck_assert_ptr_nonnull(samples = calloc(MAX_SAMPLES, sizeof(*samples)));
	setup();
	fprintf(stderr, "soak: %lld s of traffic from %d clients...\n", seconds, clients);
	start = time_mono_usec();
	deadline = start + seconds * 1000000;
	for (i = 0; i < clients; i++) {
		memset(&c, 0, sizeof(c));
		c.rand = (unsigned)(getpid() * 31 + i);
		c.tally = &tallies[i];
		new_user("author", c.name, NULL);
		ck_assert_ptr_nonnull(c.curl = curl_easy_init());
		log_in(&c, 0);
		ck_assert_msg(c.token[0] != '\0', "client %d cannot log in", i);
		curl_easy_cleanup(c.curl);
		c.curl = NULL;
		memset(c.tally, 0, sizeof(*c.tally));
		if ((pids[i] = fork()) == 0)
			client_run_until(&c, deadline);
	}
	while (time_mono_usec() < deadline && nsamples < MAX_SAMPLES - 1) {
		same = take_sample(&samples[nsamples], (double)(time_mono_usec() - start) / 1e6, first,
		    &nfirst) && same;
		if (nsamples % (size_t)(30 / every + 1) == 0)
			fprintf(stderr, "soak: %4.0f s: RSS %.1f, %.1f, %.1f MiB; files %ld, %ld, %ld\n",
			    samples[nsamples].t, samples[nsamples].rss[0] / 1024.0,
			    samples[nsamples].rss[1] / 1024.0, samples[nsamples].rss[2] / 1024.0,
			    samples[nsamples].fds[0], samples[nsamples].fds[1], samples[nsamples].fds[2]);
		nsamples++;
		usleep((useconds_t)(every * 1000000));
	}
	for (i = 0; i < clients; i++)
		waitpid(pids[i], NULL, 0);
	same = take_sample(&samples[nsamples], (double)(time_mono_usec() - start) / 1e6, first,
	    &nfirst) && same;
	nsamples++;
	ck_assert_msg(report(tallies, clients, samples, nsamples, seconds, warmup, every,
	    same) == 0,
	    "the soak did not hold (see the tables)");
	free(samples);
	munmap(tallies, sizeof(*tallies) * MAX_CLIENTS);
}
END_TEST

int
main(void)
{
	struct stack_opts	 o = { 0 };
	Suite			*s = suite_create("soak");
	TCase			*t = tcase_create("mixed");

	o.procs = (int)env_int("SOAK_PROCS", 2);
	tcase_add_test(t, mixed_traffic);
	suite_add_tcase(s, t);
	/* In process: the clients are its children, and it samples the stack it started. */
	return client_run(NULL, s, &o);
}
