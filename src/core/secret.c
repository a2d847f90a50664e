#include "core/secret.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int vg_secret_init(void)
{
    return sodium_init() < 0 ? -EIO : 0;
}

int vg_secret_token(const char *prefix, char *out, size_t outlen)
{
    unsigned char raw[32];
    char b64[sodium_base64_ENCODED_LEN(sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    int n = snprintf(out, outlen, "%s%s", prefix, b64);
    sodium_memzero(b64, sizeof(b64));
    return n < 0 || (size_t)n >= outlen ? -ENOSPC : 0;
}

void vg_secret_digest(const char *s, char out[VG_DIGEST_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, VG_DIGEST_HEX, h, sizeof(h));
}

bool vg_secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}

int vg_password_hash(const char *password, char out[VG_PWHASH_MAX])
{
    size_t len = strlen(password);
    if (len < VG_PASSWORD_MIN || len > VG_PASSWORD_MAX)
        return -EINVAL;
    if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return -ENOMEM;
    return 0;
}

bool vg_password_verify(const char *hash, const char *password)
{
    if (!hash || !password || strlen(password) > VG_PASSWORD_MAX)
        return false;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void vg_password_random(char *out, size_t len)
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    if (len == 0)
        return;
    for (size_t i = 0; i + 1 < len; i++)
        out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    out[len - 1] = '\0';
}
