/* notify.c - what outgoing notifications need beyond HTTP: the Lark custom
 * bot's request signature. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "srw.h"

char *
srw_lark_bot_sign(int64_t ts, const char *secret, char *out, size_t outsz)
{
	unsigned char md[EVP_MAX_MD_SIZE], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int mdlen = 0;
	srw_buf key;

	srw_buf_init(&key);
	srw_buf_printf(&key, "%lld\n%s", (long long)ts, secret);
	HMAC(EVP_sha256(), key.s, (int)key.len, (const unsigned char *)"", 0, md, &mdlen);
	/* the key holds the secret: wipe it */
	memset(key.s, 0, key.len);
	srw_buf_free(&key);
	EVP_EncodeBlock(b64, md, (int)mdlen);
	snprintf(out, outsz, "%s", (char *)b64);
	return out;
}
