/*
 * expand: writes the bytes a harness sees for an input file ("#!rep\n"
 * inputs expanded, see fuzz.h; others as they are), so that a finding can
 * be replayed elsewhere, e.g. sent as a request body with curl:
 *
 *   build/fuzz/expand tests/fuzz/render/seeds/deep-quote.rep > body.md
 */
#include <stdio.h>

#include "fuzz.h"

int
main(int argc, char **argv)
{
	struct buf	 in = BUF_INIT;
	char		 err[256], *out;
	size_t		 len;
	int		 rc;

	if (argc != 2) {
		fprintf(stderr, "usage: expand FILE\n");
		return 2;
	}
	if (buf_read_file(&in, argv[1], (size_t)64 << 20, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	out = fuzz_input((const uint8_t *)buf_str(&in), in.len, (size_t)64 << 20, false, &len);
	rc = fwrite(out, 1, len, stdout) == len ? 0 : 1;
	free(out);
	buf_free(&in);
	return rc;
}
