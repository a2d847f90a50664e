#include "proto/rtsp_url.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/bytes.h"

/* Percent-decodes [p, end) into out. Decoded control characters are refused:
 * they would end up in a header. */
static int decode(const char *p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    while (p < end) {
        int c = (unsigned char)*p++;
        if (c == '%') {
            if (end - p < 2 || vg_hex_digit(p[0]) < 0 || vg_hex_digit(p[1]) < 0)
                return -EINVAL;
            c = vg_hex_digit(p[0]) << 4 | vg_hex_digit(p[1]);
            p += 2;
        }
        if (c < 0x20 || c == 0x7f || n + 1 >= cap)
            return -EINVAL;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

static bool clean(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

int vg_rtsp_url_parse(const char *url, struct vg_rtsp_url *ret, const char **ret_error)
{
    size_t len = strlen(url);
    if (len >= VG_RTSP_URL_MAX || !clean(url, len)) {
        *ret_error = "URL too long or with spaces or control characters";
        return -EINVAL;
    }
    if (strncasecmp(url, "rtsp://", 7) != 0) {
        *ret_error = "not an rtsp:// URL";
        return -EINVAL;
    }
    const char *auth = url + 7;
    const char *auth_end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < auth_end; p++) {
        if (*p == '@')
            at = p;
    }
    struct vg_rtsp_url u = {.port = 554};
    const char *host = auth;
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        if (decode(auth, colon ? colon : at, u.user, sizeof(u.user)) < 0 ||
            (colon && decode(colon + 1, at, u.pass, sizeof(u.pass)) < 0)) {
            *ret_error = "bad user name or password in URL";
            return -EINVAL;
        }
        host = at + 1;
    }
    const char *host_end, *port = NULL;
    if (host < auth_end && *host == '[') {
        const char *close = memchr(host, ']', (size_t)(auth_end - host));
        if (!close) {
            *ret_error = "unterminated IPv6 address";
            return -EINVAL;
        }
        host_end = close + 1;
        if (host_end < auth_end && *host_end != ':') {
            *ret_error = "bad port";
            return -EINVAL;
        }
        port = host_end < auth_end ? host_end + 1 : NULL;
        host++;
        host_end = close;
    } else {
        const char *colon = memchr(host, ':', (size_t)(auth_end - host));
        host_end = colon ? colon : auth_end;
        port = colon ? colon + 1 : NULL;
    }
    size_t hlen = (size_t)(host_end - host);
    if (hlen == 0 || hlen >= sizeof(u.host)) {
        *ret_error = "no host in URL";
        return -EINVAL;
    }
    memcpy(u.host, host, hlen);
    if (port && port < auth_end) {
        unsigned v = 0;
        for (const char *p = port; p < auth_end; p++) {
            if (*p < '0' || *p > '9' || v > 6553) {
                *ret_error = "bad port";
                return -EINVAL;
            }
            v = v * 10 + (unsigned)(*p - '0');
        }
        if (v == 0 || v > 65535) {
            *ret_error = "bad port";
            return -EINVAL;
        }
        u.port = v;
    }
    const char *after = at ? at + 1 : auth;
    snprintf(u.url, sizeof(u.url), "rtsp://%s", after);
    *ret = u;
    return 0;
}

int vg_rtsp_url_control(const char *base, struct vg_span control, char *out, size_t cap)
{
    if (!clean(control.base, control.len))
        return -EINVAL;
    int n;
    if (control.len == 0 || vg_span_eq(control, "*"))
        n = snprintf(out, cap, "%s", base);
    else if (control.len >= 7 && strncasecmp(control.base, "rtsp://", 7) == 0)
        n = snprintf(out, cap, "%.*s", (int)control.len, control.base);
    else {
        size_t blen = strlen(base);
        bool slash = blen > 0 && base[blen - 1] == '/';
        n = snprintf(out, cap, "%s%s%.*s", base, slash ? "" : "/", (int)control.len, control.base);
    }
    if (n < 0 || (size_t)n >= cap)
        return -E2BIG;
    return 0;
}
