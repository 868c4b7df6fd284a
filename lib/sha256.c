/* sha256.c - SHA-256 hex digests over OpenSSL. */
#include <openssl/evp.h>

#include "srw.h"

char *
srw_sha256_hex(const void *data, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (!EVP_Digest(data, n, md, &len, EVP_sha256(), NULL))
		srw_die(SRW_EX_SOFTWARE, "sha256 failed");
	for (i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}
