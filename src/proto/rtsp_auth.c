#include "proto/rtsp_auth.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == ',';
}

/* Copies a token or quoted string at *p into out (unescaping \x) and moves *p
 * past it. Returns 0 or -EINVAL (unterminated quote, too long). */
static int take_value(const char **p, const char *end, char *out, size_t cap)
{
    const char *s = *p;
    size_t n = 0;
    if (s < end && *s == '"') {
        s++;
        while (s < end && *s != '"') {
            if (*s == '\\' && s + 1 < end)
                s++;
            if (n + 1 >= cap)
                return -EINVAL;
            out[n++] = *s++;
        }
        if (s == end)
            return -EINVAL;
        s++;
    } else {
        while (s < end && !is_blank(*s)) {
            if (n + 1 >= cap)
                return -EINVAL;
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    *p = s;
    return 0;
}

/* A quoted-string may not hold quotes or control characters: user names and
 * realms come from config and servers, and must not end the header early. */
static bool quotable(const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    }
    return true;
}

struct challenge {
    char realm[128], nonce[128], opaque[128], algorithm[32], qop[64], stale[8];
};

static int parse_params(const char *p, const char *end, struct challenge *c)
{
    while (p < end) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            break;
        const char *name = p;
        while (p < end && *p != '=' && !is_blank(*p))
            p++;
        if (p == end || *p != '=')
            return -EINVAL;
        size_t nlen = (size_t)(p - name);
        p++;
        char value[256];
        if (take_value(&p, end, value, sizeof(value)) < 0)
            return -EINVAL;
        struct {
            const char *name;
            char *dst;
            size_t cap;
        } known[] = {
            {"realm", c->realm, sizeof(c->realm)},
            {"nonce", c->nonce, sizeof(c->nonce)},
            {"opaque", c->opaque, sizeof(c->opaque)},
            {"algorithm", c->algorithm, sizeof(c->algorithm)},
            {"qop", c->qop, sizeof(c->qop)},
            {"stale", c->stale, sizeof(c->stale)},
        };
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            if (strlen(known[i].name) == nlen && strncasecmp(name, known[i].name, nlen) == 0) {
                if (strlen(value) >= known[i].cap)
                    return -EINVAL;
                memcpy(known[i].dst, value, strlen(value) + 1);
            }
        }
    }
    return 0;
}

/* "auth" among a comma-separated qop list such as "auth,auth-int". */
static bool offers_auth(const char *qop)
{
    for (const char *p = qop; *p;) {
        size_t n = strcspn(p, ", ");
        if (n == 4 && strncasecmp(p, "auth", 4) == 0)
            return true;
        p += n;
        p += strspn(p, ", ");
    }
    return false;
}

int vg_rtsp_auth_challenge(struct vg_rtsp_auth *a, struct vg_span value)
{
    const char *p = value.base, *end = value.base + value.len;
    size_t scheme_len = 0;
    while (scheme_len < value.len && p[scheme_len] != ' ' && p[scheme_len] != '\t')
        scheme_len++;
    struct vg_span scheme = {p, scheme_len};
    if (vg_span_ieq(scheme, "Basic")) {
        if (a->scheme == VG_RTSP_AUTH_NONE)
            a->scheme = VG_RTSP_AUTH_BASIC;
        return 0;
    }
    if (!vg_span_ieq(scheme, "Digest"))
        return -ENOTSUP;
    struct challenge c = {0};
    if (parse_params(p + scheme_len, end, &c) < 0 || !c.nonce[0] || !quotable(c.realm) ||
        !quotable(c.nonce) || !quotable(c.opaque))
        return -EINVAL;
    bool sha256;
    if (!c.algorithm[0] || strcasecmp(c.algorithm, "MD5") == 0)
        sha256 = false;
    else if (strcasecmp(c.algorithm, "SHA-256") == 0)
        sha256 = true;
    else
        return -ENOTSUP;
    if (c.qop[0] && !offers_auth(c.qop))
        return -ENOTSUP; /* auth-int only */
    if (a->scheme == VG_RTSP_AUTH_DIGEST && a->sha256 && !sha256)
        return 0; /* keep the stronger one already chosen */
    a->scheme = VG_RTSP_AUTH_DIGEST;
    a->sha256 = sha256;
    a->qop_auth = c.qop[0] != '\0';
    a->stale = strcasecmp(c.stale, "true") == 0;
    memcpy(a->realm, c.realm, sizeof(a->realm));
    memcpy(a->nonce, c.nonce, sizeof(a->nonce));
    memcpy(a->opaque, c.opaque, sizeof(a->opaque));
    a->nc = 0;
    return 0;
}

/* Lower-case hex digest of the NUL-terminated text. out holds 65 bytes. */
static int hash_hex(bool sha256, const char *text, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(text, strlen(text), md, &len, sha256 ? EVP_sha256() : EVP_md5(), NULL))
        return -EIO;
    sodium_bin2hex(out, 65, md, len);
    return 0;
}

/* Appends to out[*used..cap), keeping it NUL-terminated. Returns 0 or -E2BIG. */
static int __attribute__((format(printf, 4, 5)))
appendf(char *out, size_t cap, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *used)
        return -E2BIG;
    *used += (size_t)n;
    return 0;
}

static int digest_answer(struct vg_rtsp_auth *a, const char *user, const char *pass,
                         const char *method, const char *uri, char *out, size_t cap)
{
    if (!quotable(user) || !quotable(uri))
        return -EINVAL;
    char text[1024], ha1[65], ha2[65], response[65], cnonce[17] = "";
    int n = snprintf(text, sizeof(text), "%s:%s:%s", user, a->realm, pass);
    if (n < 0 || (size_t)n >= sizeof(text) || hash_hex(a->sha256, text, ha1) < 0)
        return -E2BIG;
    n = snprintf(text, sizeof(text), "%s:%s", method, uri);
    if (n < 0 || (size_t)n >= sizeof(text) || hash_hex(a->sha256, text, ha2) < 0)
        return -E2BIG;
    char nc[9] = "";
    if (a->qop_auth) {
        unsigned char raw[8];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(cnonce, sizeof(cnonce), raw, sizeof(raw));
        snprintf(nc, sizeof(nc), "%08x", ++a->nc);
        n = snprintf(text, sizeof(text), "%s:%s:%s:%s:auth:%s", ha1, a->nonce, nc, cnonce, ha2);
    } else {
        n = snprintf(text, sizeof(text), "%s:%s:%s", ha1, a->nonce, ha2);
    }
    if (n < 0 || (size_t)n >= sizeof(text) || hash_hex(a->sha256, text, response) < 0)
        return -E2BIG;
    size_t used = 0;
    int r = appendf(out, cap, &used,
                    "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
                    "response=\"%s\"",
                    user, a->realm, a->nonce, uri, response);
    if (r == 0 && a->sha256)
        r = appendf(out, cap, &used, ", algorithm=SHA-256");
    if (r == 0 && a->opaque[0])
        r = appendf(out, cap, &used, ", opaque=\"%s\"", a->opaque);
    if (r == 0 && a->qop_auth)
        r = appendf(out, cap, &used, ", qop=auth, nc=%s, cnonce=\"%s\"", nc, cnonce);
    return r;
}

int vg_rtsp_auth_answer(struct vg_rtsp_auth *a, const char *user, const char *pass,
                        const char *method, const char *uri, char *out, size_t cap)
{
    if (a->scheme == VG_RTSP_AUTH_DIGEST)
        return digest_answer(a, user, pass, method, uri, out, cap);
    if (a->scheme != VG_RTSP_AUTH_BASIC)
        return -EINVAL;
    char plain[512];
    int n = snprintf(plain, sizeof(plain), "%s:%s", user, pass);
    if (n < 0 || (size_t)n >= sizeof(plain))
        return -E2BIG;
    size_t need = 6 + sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_ORIGINAL);
    if (need > cap)
        return -E2BIG;
    memcpy(out, "Basic ", 6);
    sodium_bin2base64(out + 6, cap - 6, (const unsigned char *)plain, (size_t)n,
                      sodium_base64_VARIANT_ORIGINAL);
    return 0;
}
