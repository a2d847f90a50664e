#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

bool vg_text_clean(const char *s, size_t maxlen)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
        if (n >= maxlen || *p < 0x20 || *p == 0x7f)
            return false;
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
