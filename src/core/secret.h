/* Secrets: random tokens, token digests, Argon2id password hashes (libsodium).
 * vg_secret_init() must succeed before any other call. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* 32 random bytes as 43 base64url characters, plus prefix. */
#define VG_TOKEN_MAX 64
/* SHA-256 as 64 hex characters. */
#define VG_DIGEST_HEX 65
/* crypto_pwhash_STRBYTES */
#define VG_PWHASH_MAX 128

#define VG_PASSWORD_MIN 8
#define VG_PASSWORD_MAX 256

/* Returns 0 or -EIO when libsodium cannot start (no entropy source). */
int vg_secret_init(void);

/* Writes prefix + 32 CSPRNG bytes in base64url into out (VG_TOKEN_MAX bytes). */
int vg_secret_token(const char *prefix, char *out, size_t outlen);

/* Writes the hex SHA-256 of s into out (VG_DIGEST_HEX bytes). Tokens are stored
 * only as digests: they carry 256 bits of entropy, so a fast hash is enough. */
void vg_secret_digest(const char *s, char out[VG_DIGEST_HEX]);

/* Constant-time comparison of two NUL-terminated strings of public length. */
bool vg_secret_equal(const char *a, const char *b);

/* Argon2id hash of password into out (VG_PWHASH_MAX bytes). Returns 0, -EINVAL for
 * a password outside VG_PASSWORD_MIN..MAX, or -ENOMEM. */
int vg_password_hash(const char *password, char out[VG_PWHASH_MAX]);

/* True when password matches hash (constant time inside libsodium). */
bool vg_password_verify(const char *hash, const char *password);

/* Fills out with a random password of printable, unambiguous characters. */
void vg_password_random(char *out, size_t len);
