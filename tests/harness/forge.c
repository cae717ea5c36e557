#include "forge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "buf.h"
#include "encode.h"

/* Appends the base64url form of data[0..len) to b. */
static void
append_b64(struct buf *b, const void *data, size_t len)
{
	char	*tmp = malloc(b64url_encoded_len(len) + 1);

	b64url_encode(data, len, tmp);
	buf_puts(b, tmp);
	free(tmp);
}

/* Signs data with an EC key; writes the raw 64-byte R||S. Returns 0 or -1. */
static int
es256_sign(EVP_PKEY *key, const char *data, size_t len, unsigned char out[64])
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 der[80];
	const unsigned char *p = der;
	size_t		 der_len = sizeof(der);
	ECDSA_SIG	*sig = NULL;
	int		 rc = -1;

	if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)data, len) == 1 &&
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) != NULL &&
	    BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) == 32 &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) == 32)
		rc = 0;
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	return rc;
}

char *
forge_token(const char *header, const char *payload, EVP_PKEY *key, const char *secret,
    size_t secret_len)
{
	struct buf	 b = BUF_INIT;
	unsigned char	 sig[64];
	unsigned int	 mac_len = 32;

	append_b64(&b, header, strlen(header));
	buf_puts(&b, ".");
	append_b64(&b, payload, strlen(payload));
	if (key != NULL) {
		if (es256_sign(key, b.data, b.len, sig) == -1) {
			buf_free(&b);
			return NULL;
		}
		buf_puts(&b, ".");
		append_b64(&b, sig, 64);
	} else if (secret != NULL) {
		HMAC(EVP_sha256(), secret, (int)secret_len, (unsigned char *)b.data, b.len, sig,
		    &mac_len);
		buf_puts(&b, ".");
		append_b64(&b, sig, mac_len);
	} else
		buf_puts(&b, ".");
	return b.data;
}

EVP_PKEY *
forge_load_key(const char *path)
{
	FILE		*f = fopen(path, "r");
	EVP_PKEY	*k;

	if (f == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

char *
forge_claims(const char *sub, const char *role, const char *iss, const char *aud_json,
    long long iat, long long nbf, long long exp)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":%s,\"iat\":%lld,\"nbf\":%lld,"
	    "\"exp\":%lld,\"jti\":\"forged\",\"role\":\"%s\",\"name\":\"forger\"}",
	    iss, sub, aud_json, iat, nbf, exp, role);
	return b.data;
}
