#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

static bool slug_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool vg_slug_valid(const char *s)
{
    if (!s || !s[0] || s[0] == '-')
        return false;
    size_t n = 0;
    for (; s[n]; n++) {
        if (n >= VG_SLUG_MAX - 1 || !slug_char(s[n]))
            return false;
    }
    return s[n - 1] != '-';
}

int vg_slug_from_name(const char *name, char *out, size_t outlen)
{
    if (!name || outlen < 2)
        return -EINVAL;
    size_t limit = outlen < VG_SLUG_MAX ? outlen : VG_SLUG_MAX;
    size_t n = 0;
    bool dash = false;
    for (const char *p = name; *p && n + 1 < limit; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && n > 0 && n + 2 < limit)
                out[n++] = '-';
            dash = false;
            out[n++] = c;
        } else {
            dash = true;
        }
    }
    out[n] = '\0';
    return n > 0 ? 0 : -EINVAL;
}

int vg_strlcpy(char *out, size_t outlen, const char *src)
{
    if (outlen == 0)
        return -ENOSPC;
    size_t n = strlen(src);
    if (n >= outlen) {
        memcpy(out, src, outlen - 1);
        out[outlen - 1] = '\0';
        return -ENOSPC;
    }
    memcpy(out, src, n + 1);
    return 0;
}

char *vg_strdup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Length of the UTF-8 sequence at p (2..4), or 0 when it is malformed, overlong,
 * a surrogate or beyond U+10FFFF. */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned cp;
    size_t len;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
        cp = p[0] & 0x1fu;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        cp = p[0] & 0x0fu;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

bool vg_text_clean(const char *s, size_t maxlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (p[n]) {
        if (n >= maxlen || p[n] < 0x20 || p[n] == 0x7f)
            return false;
        if (p[n] < 0x80) {
            n++;
            continue;
        }
        size_t len = utf8_seq(p + n);
        if (len == 0 || n + len > maxlen)
            return false;
        n += len;
    }
    return true;
}

void vg_time_format(long long unix_seconds, char *out, size_t outlen)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, outlen, "%lld", unix_seconds);
}

void vg_time_format_ms(long long unix_ms, char *out, size_t outlen)
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    char base[24];
    if (unix_ms < 0 || !gmtime_r(&t, &tm) ||
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        snprintf(out, outlen, "%lld", unix_ms);
    else
        snprintf(out, outlen, "%s.%03dZ", base, (int)(unix_ms % 1000));
}

int vg_disk_space(const char *path, uint64_t *ret_total, uint64_t *ret_avail)
{
    struct statvfs vfs;
    if (statvfs(path, &vfs) < 0)
        return -errno;
    uint64_t block = vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize;
    *ret_total = (uint64_t)vfs.f_blocks * block;
    *ret_avail = (uint64_t)vfs.f_bavail * block;
    return 0;
}
