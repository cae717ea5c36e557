#include "fcgi_client.h"
#include "forge.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { FCGI_BEGIN_REQUEST = 1, FCGI_END_REQUEST = 3, FCGI_PARAMS = 4, FCGI_STDIN = 5,
	FCGI_STDOUT = 6 };

int
fcgi_connect(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Writes all of p. Returns 0 or -1. */
static int
write_all(int fd, const void *p, size_t len)
{
	const char	*c = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, c, len)) <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends one record of type with content[0..len) (len < 65536). Returns 0 or -1. */
static int
record(int fd, int type, const void *content, size_t len)
{
	unsigned char	 h[8] = { 1, (unsigned char)type, 0, 1, (unsigned char)(len >> 8),
			    (unsigned char)len, 0, 0 };

	return write_all(fd, h, 8) == 0 && write_all(fd, content, len) == 0 ? 0 : -1;
}

/* Appends a FastCGI name-value length (1 or 4 bytes). */
static void
put_len(struct buf *b, size_t len)
{
	unsigned char	 l[4] = { (unsigned char)(len >> 24 | 0x80), (unsigned char)(len >> 16),
			    (unsigned char)(len >> 8), (unsigned char)len };

	if (len < 128) {
		l[0] = (unsigned char)len;
		buf_append(b, l, 1);
	} else
		buf_append(b, l, 4);
}

int
fcgi_begin(int fd, char *const params[])
{
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };	/* responder */
	struct buf	 b = BUF_INIT;
	const char	*eq;
	size_t		 i, nlen;
	int		 rc;

	for (i = 0; params[i] != NULL; i++) {
		if ((eq = strchr(params[i], '=')) == NULL)
			continue;
		nlen = (size_t)(eq - params[i]);
		put_len(&b, nlen);
		put_len(&b, strlen(eq + 1));
		buf_append(&b, params[i], nlen);
		buf_puts(&b, eq + 1);
	}
	rc = record(fd, FCGI_BEGIN_REQUEST, begin, sizeof(begin)) == 0 &&
	    record(fd, FCGI_PARAMS, b.data, b.len) == 0 &&
	    record(fd, FCGI_PARAMS, "", 0) == 0 ? 0 : -1;
	buf_free(&b);
	return rc;
}

int
fcgi_stdin(int fd, const void *data, size_t len)
{
	return record(fd, FCGI_STDIN, data, len);
}

/* Reads exactly len bytes. Returns 0 or -1. */
static int
read_all(int fd, void *p, size_t len)
{
	char	*c = p;
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, c, len)) <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fcgi_read_response(int fd, struct buf *out)
{
	unsigned char	 h[8];
	char		 content[65536 + 256];
	size_t		 len;

	for (;;) {
		if (read_all(fd, h, 8) == -1)
			return -1;
		len = (size_t)h[4] << 8 | h[5];
		if (read_all(fd, content, len + h[6]) == -1)
			return -1;
		if (h[1] == FCGI_STDOUT)
			buf_append(out, content, len);
		else if (h[1] == FCGI_END_REQUEST)
			return 0;
	}
}

long
fcgi_call(const char *sock, const char *method, const char *uri, const char *token,
    const char *json, struct buf *out)
{
	char		 m[64], u[1024], auth[AUTH_HEADER_SIZE], len[64];
	char		*params[7];
	size_t		 n = 0, blen = json != NULL ? strlen(json) : 0;
	long		 status = -1;
	int		 fd;

	if ((fd = fcgi_connect(sock)) == -1)
		return -1;
	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	params[n++] = m;
	params[n++] = u;
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "HTTP_AUTHORIZATION=Bearer %s", token);
		params[n++] = auth;
	}
	if (json != NULL) {
		snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", blen);
		params[n++] = "CONTENT_TYPE=application/json";
		params[n++] = len;
	}
	params[n] = NULL;
	if (fcgi_begin(fd, params) == -1 || (blen > 0 && fcgi_stdin(fd, json, blen) == -1) ||
	    fcgi_stdin(fd, "", 0) == -1 || fcgi_read_response(fd, out) == -1 ||
	    sscanf(buf_str(out), "Status: %ld", &status) != 1)
		status = -1;
	close(fd);
	return status;
}

const char *
fcgi_body(const struct buf *response)
{
	const char	*p = strstr(buf_str(response), "\r\n\r\n");

	return p != NULL ? p + 4 : "";
}
