/*
 * media-variant: how long Media takes to make an 800-pixel-wide variant of a
 * 4000x3000 JPEG, and the peak RSS of the process doing it, each against
 * vipsthumbnail (Debian's libvips-tools) on the same file in the same run.
 * A measurement, never a test: it prints figures and fails only when it
 * cannot measure.
 *
 *   media-variant [RUNS]        (default 5; the median run counts)
 *
 * Each run is a fresh process (fork), so its peak RSS (getrusage of the
 * child) is that of one variant made from scratch, like a worker's first
 * miss. The worker also holds the original read from PostgreSQL: its size is
 * added to Media's figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wand/MagickWand.h>

#include "media/media.h"
#include "text.h"
#include "times.h"

#define WIDTH		800
#define SOURCE_W	4000
#define SOURCE_H	3000
#define MAX_RUNS	21

/* One run's figures. */
struct run {
	double	 ms;
	long	 rss_kib;
};

/* Writes a 4000x3000 photo-like JPEG (plasma fractal, quality 90) to path. Returns 0 or -1. */
static int
make_source(const char *path)
{
	MagickWand	*w = NewMagickWand();
	int		 rc;

	MagickSetSize(w, SOURCE_W, SOURCE_H);
	rc = MagickReadImage(w, "plasma:fractal") == MagickTrue &&
	    MagickSetImageFormat(w, "JPEG") == MagickTrue &&
	    MagickSetImageCompressionQuality(w, 90) == MagickTrue &&
	    MagickWriteImage(w, path) == MagickTrue ? 0 : -1;
	DestroyMagickWand(w);
	return rc;
}

/* Reads a whole file. Returns a buffer to free, or NULL. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f = fopen(path, "rb");
	unsigned char	*p = NULL;
	long		 n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	} else
		*len = (size_t)n;
	if (f != NULL)
		fclose(f);
	return p;
}

/* In a child: makes the variant as quire-media does. Exits 0 or 1. */
static void
media_child(const unsigned char *data, size_t len)
{
	struct media_conf	 conf = { .max_pixels = 50000000, .max_side = 16384,
	    .quality = 82, .magick_memory = 256, .magick_map = 512, .magick_disk = 1024 };
	struct img_out		 out;
	int			 rc;

	image_init(&conf);
	rc = image_variant(data, len, IMG_JPEG, WIDTH, IMG_JPEG, 82, &out) == IMG_OK &&
	    out.width == WIDTH ? 0 : 1;
	image_out_free(&out);
	_exit(rc);
}

/*
 * Runs one measurement in a fresh process: Media's code path on data, or
 * vipsthumbnail on path. Returns 0 with *r set, or -1.
 */
static int
measure(bool vips, const unsigned char *data, size_t len, const char *path, struct run *r)
{
	struct rusage	 ru;
	int64_t		 t0 = time_mono_usec();
	int		 status;
	pid_t		 pid;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (!vips)
			media_child(data, len);
		execlp("vipsthumbnail", "vipsthumbnail", path, "--size", "800",
		    "-o", "/tmp/quire-bench-vips.jpg[Q=82,strip]", (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	r->ms = (double)(time_mono_usec() - t0) / 1000.0;
	r->rss_kib = ru.ru_maxrss;
	return 0;
}

/* qsort comparison of runs by time. */
static int
cmp_run(const void *a, const void *b)
{
	double x = ((const struct run *)a)->ms, y = ((const struct run *)b)->ms;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	const char	*path = "/tmp/quire-bench-4000x3000.jpg";
	struct run	 media[MAX_RUNS], vips[MAX_RUNS];
	unsigned char	*data;
	size_t		 len = 0;
	long long	 runs = 5;
	long		 media_rss = 0, vips_rss = 0;
	int		 i;

	if (argc > 1 && text_parse_int(argv[1], 1, MAX_RUNS, &runs) == -1) {
		fprintf(stderr, "usage: media-variant [RUNS: 1-%d]\n", MAX_RUNS);
		return 2;
	}
	MagickWandGenesis();
	if (make_source(path) == -1 || (data = slurp(path, &len)) == NULL) {
		fprintf(stderr, "media-variant: cannot make %s\n", path);
		return 1;
	}
	MagickWandTerminus();
	/* Interleaved, so that both see the same machine load. */
	for (i = 0; i < runs; i++) {
		if (measure(false, data, len, path, &media[i]) == -1 ||
		    measure(true, data, len, path, &vips[i]) == -1) {
			fprintf(stderr, "media-variant: a run failed (is vipsthumbnail installed?)\n");
			return 1;
		}
		if (media[i].rss_kib > media_rss)
			media_rss = media[i].rss_kib;
		if (vips[i].rss_kib > vips_rss)
			vips_rss = vips[i].rss_kib;
	}
	qsort(media, (size_t)runs, sizeof(media[0]), cmp_run);
	qsort(vips, (size_t)runs, sizeof(vips[0]), cmp_run);
	media_rss += (long)(len / 1024);	/* the original a worker holds from the database */
	printf("%-44s %10s %10s %8s\n", "800-px variant of a 4000x3000 JPEG", "median ms",
	    "peak RSS", "ratio");
	printf("%-44s %10.1f %7ld MiB %8s\n", "vipsthumbnail", vips[runs / 2].ms,
	    vips_rss / 1024, "1.00");
	printf("%-44s %10.1f %7ld MiB %7.2fx   (target <= 1.3x, <= 100 MiB)\n",
	    "quire-media (MagickWand, jpeg:size hint)", media[runs / 2].ms, media_rss / 1024,
	    media[runs / 2].ms / vips[runs / 2].ms);
	printf("(%lld runs each, source %zu bytes)\n", runs, len);
	free(data);
	unlink(path);
	unlink("/tmp/quire-bench-vips.jpg");
	return 0;
}
