#include "core/url.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define URL_MAX 2048

static const char *const allowed_schemes[] = {"rtsp",  "rtsps", "rtmp", "http",
                                              "https", "file",  "demo"};

/* Length of the scheme (letters before ':'), or 0 when there is none. */
static size_t scheme_len(const char *url)
{
    size_t n = 0;
    while ((url[n] >= 'a' && url[n] <= 'z') || (url[n] >= 'A' && url[n] <= 'Z') ||
           (n > 0 &&
            ((url[n] >= '0' && url[n] <= '9') || url[n] == '+' || url[n] == '.' || url[n] == '-')))
        n++;
    return url[n] == ':' ? n : 0;
}

bool vg_url_is_webrtc(const char *url)
{
    return url && strcmp(url, VG_URL_WEBRTC) == 0;
}

/* True for any URL whose scheme is webrtc, valid or not. */
static bool webrtc_scheme(const char *url)
{
    return scheme_len(url) == 6 && strncasecmp(url, "webrtc", 6) == 0;
}

bool vg_url_scheme_allowed(const char *url)
{
    if (!url)
        return false;
    if (webrtc_scheme(url))
        return vg_url_is_webrtc(url);
    size_t n = scheme_len(url);
    if (n == 0)
        return false;
    for (size_t i = 0; i < sizeof(allowed_schemes) / sizeof(allowed_schemes[0]); i++) {
        if (strlen(allowed_schemes[i]) == n && strncasecmp(url, allowed_schemes[i], n) == 0)
            return true;
    }
    return false;
}

/* Finds the authority of "scheme://authority/...": [*ret_start, *ret_end). */
static bool authority(const char *url, const char **ret_start, const char **ret_end)
{
    size_t n = scheme_len(url);
    if (n == 0 || strncmp(url + n, "://", 3) != 0)
        return false;
    const char *start = url + n + 3;
    const char *end = start + strcspn(start, "/?#");
    *ret_start = start;
    *ret_end = end;
    return true;
}

/* Within the authority, the '@' that ends the userinfo (the last one), or NULL. */
static const char *userinfo_at(const char *start, const char *end)
{
    const char *at = NULL;
    for (const char *p = start; p < end; p++) {
        if (*p == '@')
            at = p;
    }
    return at;
}

int vg_url_validate(const char *url, const char **ret_reason)
{
    if (!url || !url[0]) {
        *ret_reason = "URL is empty";
        return -EINVAL;
    }
    size_t len = strlen(url);
    if (len > URL_MAX) {
        *ret_reason = "URL is longer than 2048 characters";
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) {
            *ret_reason = "URL contains spaces or control characters";
            return -EINVAL;
        }
    }
    /* Nothing may follow the colon: a suffix would be a second spelling of the
     * same camera type, and nothing would read it. */
    if (webrtc_scheme(url)) {
        if (!vg_url_is_webrtc(url)) {
            *ret_reason = "a webrtc URL is exactly 'webrtc:' (lowercase, nothing after the colon)";
            return -EINVAL;
        }
        return 0;
    }
    if (!vg_url_scheme_allowed(url)) {
        *ret_reason = "URL scheme must be rtsp, rtsps, rtmp, http, https, file or demo, or the "
                      "URL exactly 'webrtc:'";
        return -EINVAL;
    }
    if (strncasecmp(url, "demo:", 5) == 0) {
        if (!url[5]) {
            *ret_reason = "demo URL needs a clip name, e.g. demo:1";
            return -EINVAL;
        }
        return 0;
    }
    if (strncasecmp(url, "file:", 5) == 0) {
        if (strncmp(url + 5, "///", 3) != 0) {
            *ret_reason = "file URL must be file:///absolute/path";
            return -EINVAL;
        }
        return 0;
    }
    const char *start, *end;
    if (!authority(url, &start, &end)) {
        *ret_reason = "URL must look like scheme://host/path";
        return -EINVAL;
    }
    const char *at = userinfo_at(start, end);
    const char *host = at ? at + 1 : start;
    if (host >= end || *host == ':') {
        *ret_reason = "URL has no host";
        return -EINVAL;
    }
    return 0;
}

/* Returns the ':' separating user from password inside the userinfo, or NULL. */
static const char *password_colon(const char *url, const char **ret_at)
{
    const char *start, *end;
    if (!authority(url, &start, &end))
        return NULL;
    const char *at = userinfo_at(start, end);
    if (!at)
        return NULL;
    const char *colon = memchr(start, ':', (size_t)(at - start));
    if (!colon)
        return NULL;
    *ret_at = at;
    return colon;
}

static char *splice(const char *url, const char *from, const char *to, const char *middle)
{
    size_t head = (size_t)(from - url), mid = strlen(middle), tail = strlen(to);
    char *out = malloc(head + mid + tail + 1);
    if (!out)
        return NULL;
    memcpy(out, url, head);
    memcpy(out + head, middle, mid);
    memcpy(out + head + mid, to, tail + 1);
    return out;
}

char *vg_url_mask(const char *url)
{
    if (!url)
        return NULL;
    const char *at;
    const char *colon = password_colon(url, &at);
    if (!colon || colon + 1 == at)
        return strdup(url);
    return splice(url, colon + 1, at, VG_MASK);
}

bool vg_url_password(const char *url, const char **ret_start, size_t *ret_len)
{
    const char *at;
    const char *colon = url ? password_colon(url, &at) : NULL;
    if (!colon)
        return false;
    *ret_start = colon + 1;
    *ret_len = (size_t)(at - colon - 1);
    return true;
}

/* Length of the authority's end within url (scheme://user:pass@host:port). */
static size_t authority_end(const char *url)
{
    const char *start, *end;
    return authority(url, &start, &end) ? (size_t)(end - url) : 0;
}

char *vg_url_unmask(const char *in_url, const char *stored_url)
{
    if (!in_url)
        return NULL;
    const char *at, *s_at;
    const char *colon = password_colon(in_url, &at);
    bool masked = colon && (size_t)(at - colon - 1) == strlen(VG_MASK) &&
                  memcmp(colon + 1, VG_MASK, strlen(VG_MASK)) == 0;
    const char *s_colon = masked && stored_url ? password_colon(stored_url, &s_at) : NULL;
    if (!s_colon)
        return strdup(in_url);
    /* The secret goes back only to the same scheme, user, host and port: a client
     * must never be able to send a stored password to a host of its choosing. */
    size_t in_auth = authority_end(in_url), s_auth = authority_end(stored_url);
    size_t head = (size_t)(colon - in_url), s_head = (size_t)(s_colon - stored_url);
    size_t tail = in_auth - (size_t)(at - in_url), s_tail = s_auth - (size_t)(s_at - stored_url);
    if (head != s_head || memcmp(in_url, stored_url, head) != 0 || tail != s_tail ||
        strncasecmp(at, s_at, tail) != 0)
        return strdup(in_url);
    size_t pass_len = (size_t)(s_at - s_colon - 1);
    char *pass = strndup(s_colon + 1, pass_len);
    if (!pass)
        return NULL;
    char *out = splice(in_url, colon + 1, at, pass);
    free(pass);
    return out;
}

char *vg_url_encode_userinfo(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (keep) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

char *vg_url_with_credentials(const char *url, const char *user, const char *pass)
{
    const char *start, *end;
    if (!user || !user[0] || !authority(url, &start, &end) || userinfo_at(start, end))
        return strdup(url);
    char *u = vg_url_encode_userinfo(user);
    char *p = vg_url_encode_userinfo(pass ? pass : "");
    char *out = NULL;
    if (u && p) {
        size_t head = (size_t)(start - url);
        size_t n = head + strlen(u) + 1 + strlen(p) + 1 + strlen(start) + 1;
        out = malloc(n);
        if (out)
            snprintf(out, n, "%.*s%s:%s@%s", (int)head, url, u, p, start);
    }
    free(u);
    free(p);
    return out;
}

int vg_url_file_path(const char *url, const char *media_dir, char *out, size_t cap,
                     const char **ret_reason)
{
    if (strncasecmp(url, "file://", 7) != 0 || url[7] != '/') {
        *ret_reason = "file URL must be file:///absolute/path";
        return -EINVAL;
    }
    if (!media_dir || !media_dir[0]) {
        *ret_reason = "file URLs are off: set streams.media_dir";
        return -EPERM;
    }
    char dir[PATH_MAX], path[PATH_MAX];
    if (!realpath(media_dir, dir)) {
        *ret_reason = "streams.media_dir does not exist";
        return -ENOENT;
    }
    if (!realpath(url + 7, path)) {
        *ret_reason = "no such file";
        return -ENOENT;
    }
    size_t n = strlen(dir);
    bool root = n == 1; /* media_dir "/" allows everything, as asked */
    if (!root && (strncmp(path, dir, n) != 0 || path[n] != '/')) {
        *ret_reason = "the file is outside streams.media_dir";
        return -EPERM;
    }
    if (access(path, R_OK) < 0) {
        *ret_reason = "the file is not readable";
        return -EACCES;
    }
    if (strlen(path) >= cap) {
        *ret_reason = "path too long";
        return -E2BIG;
    }
    memcpy(out, path, strlen(path) + 1);
    return 0;
}
