/*
 * expand: writes the bytes a harness sees for an input ("#!rep\n" and
 * "#!max\n" inputs expanded, see fuzz.h; others as they are), so that a
 * finding can be replayed elsewhere, e.g. sent as a request body with curl.
 * MAX is the harness's limit (default 1 MiB, Post's body limit); for the
 * harnesses whose first line is a header, give the rest.
 *
 *   build/fuzz/expand tests/fuzz/render/seeds/deep-quote.rep > body.md
 */
#include <stdio.h>

#include "fuzz.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct buf	 in = BUF_INIT;
	char		 err[256], *out;
	size_t		 len, max = 1048576;
	long long	 n;
	int		 rc;

	if (argc == 3 && parse_int(argv[2], 1, (long long)1 << 30, &n) == 0)
		max = (size_t)n;
	else if (argc != 2) {
		fprintf(stderr, "usage: expand FILE [MAX]\n");
		return 2;
	}
	if (buf_read_file(&in, argv[1], (size_t)64 << 20, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	out = fuzz_input((const uint8_t *)buf_str(&in), in.len, max, false, &len);
	rc = fwrite(out, 1, len, stdout) == len ? 0 : 1;
	free(out);
	buf_free(&in);
	return rc;
}
