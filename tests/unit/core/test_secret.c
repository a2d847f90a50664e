/* Secrets: Argon2id password hashes, random tokens, digests, random passwords. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "core/secret.h"

static void init(void)
{
    cr_assert_eq(vg_secret_init(), 0);
}

TestSuite(secret, .init = init);

static bool base64url_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* ---- password hashes ---- */

Test(secret, password_hash_verifies_the_same_password)
{
    char hash[VG_PWHASH_MAX];
    cr_assert_eq(vg_password_hash("correct horse battery", hash), 0);
    cr_expect(vg_password_verify(hash, "correct horse battery"));
}

Test(secret, password_hash_refuses_a_wrong_password)
{
    char hash[VG_PWHASH_MAX];
    cr_assert_eq(vg_password_hash("correct horse battery", hash), 0);
    cr_expect_not(vg_password_verify(hash, "correct horse batterY"));
    cr_expect_not(vg_password_verify(hash, "correct horse battery "));
    cr_expect_not(vg_password_verify(hash, "correct horse"));
    cr_expect_not(vg_password_verify(hash, ""));
}

Test(secret, password_hash_is_argon2id)
{
    char hash[VG_PWHASH_MAX];
    cr_assert_eq(vg_password_hash("password1", hash), 0);
    cr_expect_eq(strncmp(hash, "$argon2id$", 10), 0, "hash '%s'", hash);
    cr_expect_lt(strlen(hash), (size_t)VG_PWHASH_MAX);
}

Test(secret, password_hash_is_salted)
{
    char a[VG_PWHASH_MAX], b[VG_PWHASH_MAX];
    cr_assert_eq(vg_password_hash("same password", a), 0);
    cr_assert_eq(vg_password_hash("same password", b), 0);
    cr_expect_str_neq(a, b);
    cr_expect(vg_password_verify(a, "same password"));
    cr_expect(vg_password_verify(b, "same password"));
}

Test(secret, password_hash_refuses_passwords_shorter_than_8)
{
    char hash[VG_PWHASH_MAX];
    cr_expect_eq(vg_password_hash("", hash), -EINVAL);
    cr_expect_eq(vg_password_hash("1234567", hash), -EINVAL);
    cr_expect_eq(vg_password_hash("12345678", hash), 0);
}

Test(secret, password_hash_refuses_passwords_longer_than_256)
{
    char hash[VG_PWHASH_MAX];
    char pw[VG_PASSWORD_MAX + 2];
    memset(pw, 'x', sizeof(pw) - 1);
    pw[VG_PASSWORD_MAX + 1] = '\0';
    cr_expect_eq(vg_password_hash(pw, hash), -EINVAL);
    pw[VG_PASSWORD_MAX] = '\0';
    cr_assert_eq(vg_password_hash(pw, hash), 0);
    cr_expect(vg_password_verify(hash, pw));
}

Test(secret, password_verify_refuses_garbage_hashes_and_null)
{
    cr_expect_not(vg_password_verify("", "password1"));
    cr_expect_not(vg_password_verify("password1", "password1"));
    cr_expect_not(vg_password_verify("$argon2id$v=19$m=65536,t=2,p=1$garbage", "password1"));
    cr_expect_not(vg_password_verify(NULL, "password1"));
    char hash[VG_PWHASH_MAX];
    cr_assert_eq(vg_password_hash("password1", hash), 0);
    cr_expect_not(vg_password_verify(hash, NULL));
}

Test(secret, password_verify_refuses_overlong_passwords_without_hashing_them)
{
    char hash[VG_PWHASH_MAX];
    cr_assert_eq(vg_password_hash("password1", hash), 0);
    static char huge[100000];
    memset(huge, 'p', sizeof(huge) - 1);
    cr_expect_not(vg_password_verify(hash, huge));
}

/* ---- tokens ---- */

Test(secret, token_has_prefix_and_43_base64url_characters)
{
    char tok[VG_TOKEN_MAX];
    cr_assert_eq(vg_secret_token("vgt_", tok, sizeof(tok)), 0);
    cr_expect_eq(strncmp(tok, "vgt_", 4), 0);
    cr_expect_eq(strlen(tok), 4 + 43, "token '%s'", tok);
    for (const char *p = tok + 4; *p; p++)
        cr_expect(base64url_char(*p), "token '%s' has '%c'", tok, *p);
}

Test(secret, token_without_prefix_is_43_characters)
{
    char tok[VG_TOKEN_MAX];
    cr_assert_eq(vg_secret_token("", tok, sizeof(tok)), 0);
    cr_expect_eq(strlen(tok), 43);
}

Test(secret, tokens_are_unique)
{
    enum { N = 64 };
    char toks[N][VG_TOKEN_MAX];
    for (int i = 0; i < N; i++) {
        cr_assert_eq(vg_secret_token("t_", toks[i], sizeof(toks[i])), 0);
        for (int j = 0; j < i; j++)
            cr_expect_str_neq(toks[i], toks[j]);
    }
}

Test(secret, token_reports_a_buffer_too_small)
{
    char tok[20];
    cr_expect_eq(vg_secret_token("vgt_", tok, sizeof(tok)), -ENOSPC);
    cr_expect_lt(strlen(tok), sizeof(tok));
}

/* ---- digests and comparison ---- */

Test(secret, digest_is_64_lowercase_hex_characters)
{
    char d[VG_DIGEST_HEX];
    vg_secret_digest("vgt_abc", d);
    cr_expect_eq(strlen(d), 64);
    for (const char *p = d; *p; p++)
        cr_expect((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'), "digest '%s'", d);
}

Test(secret, digest_is_sha256_and_deterministic)
{
    char a[VG_DIGEST_HEX], b[VG_DIGEST_HEX], c[VG_DIGEST_HEX];
    vg_secret_digest("abc", a);
    vg_secret_digest("abc", b);
    vg_secret_digest("abd", c);
    cr_expect_str_eq(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_expect_str_eq(a, b);
    cr_expect_str_neq(a, c);
    vg_secret_digest("", a);
    cr_expect_str_eq(a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(secret, equal_compares_whole_strings)
{
    cr_expect(vg_secret_equal("abc", "abc"));
    cr_expect(vg_secret_equal("", ""));
    cr_expect_not(vg_secret_equal("abc", "abd"));
    cr_expect_not(vg_secret_equal("abc", "ab"));
    cr_expect_not(vg_secret_equal("ab", "abc"));
    cr_expect_not(vg_secret_equal("abc", ""));
    cr_expect_not(vg_secret_equal("", "abc"));
}

/* ---- random passwords ---- */

Test(secret, random_password_has_the_asked_length_and_unambiguous_characters)
{
    static const char ambiguous[] = "0O1lIio";
    char pw[33];
    memset(pw, '#', sizeof(pw));
    vg_password_random(pw, sizeof(pw));
    cr_expect_eq(strlen(pw), 32);
    for (const char *p = pw; *p; p++) {
        cr_expect((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '2' && *p <= '9'),
                  "password '%s' has '%c'", pw, *p);
        cr_expect_null(strchr(ambiguous, *p), "password '%s' has ambiguous '%c'", pw, *p);
    }
}

Test(secret, random_passwords_differ)
{
    char a[21], b[21];
    vg_password_random(a, sizeof(a));
    vg_password_random(b, sizeof(b));
    cr_expect_str_neq(a, b);
}

Test(secret, random_password_respects_tiny_buffers)
{
    char pw[4] = {'#', '#', '#', '#'};
    vg_password_random(pw, 1);
    cr_expect_eq(pw[0], '\0');
    cr_expect_eq(pw[1], '#');
    vg_password_random(pw, 0);
    cr_expect_eq(pw[0], '\0');
    cr_expect_eq(pw[1], '#');
}

Test(secret, random_password_is_long_enough_to_be_hashed)
{
    char pw[VG_PASSWORD_MIN + 1];
    char hash[VG_PWHASH_MAX];
    vg_password_random(pw, sizeof(pw));
    cr_assert_eq(vg_password_hash(pw, hash), 0);
    cr_expect(vg_password_verify(hash, pw));
}
