/* RTSP credentials: challenges as cameras send them, Digest answers checked
 * against values computed independently, Basic, and refusals. */
#include <criterion/criterion.h>
#include <errno.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "proto/rtsp_auth.h"

static int challenge(struct vg_rtsp_auth *a, const char *v)
{
    return vg_rtsp_auth_challenge(a, (struct vg_span){v, strlen(v)});
}

/* The value of key="..." or key=... in an Authorization header. */
static void field(const char *h, const char *key, char *out, size_t cap)
{
    char pat[32];
    snprintf(pat, sizeof(pat), " %s=", key);
    const char *p = strstr(h, pat);
    cr_assert_not_null(p, "no %s in %s", key, h);
    p += strlen(pat);
    bool quoted = *p == '"';
    p += quoted;
    size_t n = strcspn(p, quoted ? "\"" : ",");
    cr_assert_lt(n, cap);
    memcpy(out, p, n);
    out[n] = '\0';
}

static void md5_hex(const char *s, char out[33])
{
    unsigned char md[16];
    unsigned len;
    EVP_Digest(s, strlen(s), md, &len, EVP_md5(), NULL);
    sodium_bin2hex(out, 33, md, 16);
}

Test(rtsp_auth, digest_without_qop_matches_rfc_2069_computation)
{
    struct vg_rtsp_auth a = {0};
    cr_assert_eq(challenge(&a, "Digest realm=\"testrealm@host.com\", "
                               "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\""),
                 0);
    char h[1024];
    cr_assert_eq(vg_rtsp_auth_answer(&a, "Mufasa", "Circle Of Life", "DESCRIBE",
                                     "rtsp://cam/stream", h, sizeof(h)),
                 0);
    char resp[80];
    field(h, "response", resp, sizeof(resp));
    cr_expect_str_eq(resp, "7aa09493b4a2b7b048e44a5ce3d8acc6");
    cr_expect(strncmp(h, "Digest username=\"Mufasa\"", 24) == 0, "%s", h);
    cr_expect_null(strstr(h, "qop"));
}

Test(rtsp_auth, digest_sha256_is_preferred_and_computed)
{
    struct vg_rtsp_auth a = {0};
    cr_assert_eq(challenge(&a, "Digest realm=\"testrealm@host.com\", "
                               "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", algorithm=SHA-256"),
                 0);
    /* A later MD5 challenge does not replace it. */
    cr_assert_eq(challenge(&a, "Digest realm=\"r\", nonce=\"n\""), 0);
    char h[1024], resp[80];
    cr_assert_eq(vg_rtsp_auth_answer(&a, "Mufasa", "Circle Of Life", "DESCRIBE",
                                     "rtsp://cam/stream", h, sizeof(h)),
                 0);
    field(h, "response", resp, sizeof(resp));
    cr_expect_str_eq(resp, "79de2f7f979d943803f41440e201330b6955d9206dd6b2030ea1bcb6a08f413c");
    cr_expect_not_null(strstr(h, "algorithm=SHA-256"));
}

Test(rtsp_auth, digest_with_qop_auth_counts_nonces_and_checks_out)
{
    struct vg_rtsp_auth a = {0};
    cr_assert_eq(challenge(&a, "Digest realm=\"cam\", qop=\"auth,auth-int\", nonce=\"abc\", "
                               "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""),
                 0);
    char h[1024], nc[16], cnonce[40], resp[40], opaque[64];
    for (int round = 1; round <= 2; round++) {
        cr_assert_eq(vg_rtsp_auth_answer(&a, "admin", "pa:ss", "SETUP", "rtsp://c/s/trackID=1", h,
                                         sizeof(h)),
                     0);
        field(h, "nc", nc, sizeof(nc));
        field(h, "cnonce", cnonce, sizeof(cnonce));
        field(h, "response", resp, sizeof(resp));
        field(h, "opaque", opaque, sizeof(opaque));
        char want_nc[16];
        snprintf(want_nc, sizeof(want_nc), "%08x", round);
        cr_expect_str_eq(nc, want_nc);
        cr_expect_str_eq(opaque, "5ccc069c403ebaf9f0171e9517f40e41");
        char ha1[33], ha2[33], text[512], want[33];
        md5_hex("admin:cam:pa:ss", ha1);
        md5_hex("SETUP:rtsp://c/s/trackID=1", ha2);
        snprintf(text, sizeof(text), "%s:abc:%s:%s:auth:%s", ha1, nc, cnonce, ha2);
        md5_hex(text, want);
        cr_expect_str_eq(resp, want);
    }
}

Test(rtsp_auth, basic_encodes_user_and_password)
{
    struct vg_rtsp_auth a = {0};
    cr_assert_eq(challenge(&a, "Basic realm=\"IPCAM\""), 0);
    char h[256];
    cr_assert_eq(
        vg_rtsp_auth_answer(&a, "Aladdin", "open sesame", "DESCRIBE", "rtsp://x/", h, sizeof(h)),
        0);
    cr_expect_str_eq(h, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

Test(rtsp_auth, digest_wins_over_basic_in_any_order)
{
    struct vg_rtsp_auth a = {0};
    cr_assert_eq(challenge(&a, "Digest realm=\"r\", nonce=\"n\""), 0);
    cr_assert_eq(challenge(&a, "Basic realm=\"r\""), 0);
    cr_expect_eq(a.scheme, VG_RTSP_AUTH_DIGEST);
}

Test(rtsp_auth, notes_a_stale_nonce)
{
    struct vg_rtsp_auth a = {0};
    cr_assert_eq(challenge(&a, "Digest realm=\"r\", nonce=\"n2\", stale=TRUE"), 0);
    cr_expect(a.stale);
}

Test(rtsp_auth, refuses_what_it_cannot_answer)
{
    struct vg_rtsp_auth a = {0};
    cr_expect_eq(challenge(&a, "Negotiate abc"), -ENOTSUP);
    cr_expect_eq(challenge(&a, "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess-xyz"),
                 -ENOTSUP);
    cr_expect_eq(challenge(&a, "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""), -ENOTSUP);
    cr_expect_eq(challenge(&a, "Digest realm=\"r\""), -EINVAL); /* no nonce */
    cr_expect_eq(challenge(&a, "Digest realm=\"unterminated, nonce=\"n\""), -EINVAL);
    cr_expect_eq(challenge(&a, "Digest realm=\"a\\\"b\", nonce=\"n\""), -EINVAL); /* quote inside */
    cr_expect_eq(challenge(&a, "Digest realm"), -EINVAL);
    cr_expect_eq(a.scheme, VG_RTSP_AUTH_NONE);
    char h[64];
    cr_expect_eq(vg_rtsp_auth_answer(&a, "u", "p", "DESCRIBE", "rtsp://x/", h, sizeof(h)), -EINVAL);
}

Test(rtsp_auth, user_names_cannot_break_the_header)
{
    struct vg_rtsp_auth a = {0};
    cr_assert_eq(challenge(&a, "Digest realm=\"r\", nonce=\"n\""), 0);
    char h[512];
    cr_expect_eq(
        vg_rtsp_auth_answer(&a, "evil\"\r\nX: y", "p", "DESCRIBE", "rtsp://x/", h, sizeof(h)),
        -EINVAL);
    cr_expect_eq(vg_rtsp_auth_answer(&a, "u", "p", "DESCRIBE", "rtsp://x/", h, 40), -E2BIG);
}
