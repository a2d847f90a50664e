#include "http/rec_params.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *ret)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *ret = v;
    return true;
}

/* Reads 1..18 digits into *ret. */
static bool number(const char **p, uint64_t *ret)
{
    uint64_t v = 0;
    int n = 0;
    while (**p >= '0' && **p <= '9') {
        if (++n > 18)
            return false;
        v = v * 10 + (uint64_t)(**p - '0');
        (*p)++;
    }
    *ret = v;
    return n > 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

static int parse_rfc3339(const char *p, int64_t *ret_ms)
{
    int y, mo, d, h, mi, s, ms = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return -EINVAL;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -EINVAL;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
        !digits(&p, 2, &s))
        return -EINVAL;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3)
                ms = ms * 10 + (*p - '0');
        if (n == 0 || n > 9)
            return -EINVAL;
        for (; n < 3; n++)
            ms *= 10;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
            return -EINVAL;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -EINVAL;
    }
    if (*p || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 ||
        mi > 59 || s > 60)
        return -EINVAL;
    int64_t secs =
        days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - (int64_t)offset_min * 60;
    if (secs < 0)
        return -EINVAL;
    *ret_ms = secs * 1000 + ms;
    return 0;
}

int vg_parse_time_ms(const char *s, int64_t *ret_ms)
{
    if (!s || !*s)
        return -EINVAL;
    const char *p = s;
    uint64_t v;
    if (number(&p, &v) && *p == '\0') {
        if (v > (uint64_t)VG_TIME_MS_MAX)
            return -EINVAL;
        *ret_ms = (int64_t)v;
        return 0;
    }
    int64_t ms;
    int r = parse_rfc3339(s, &ms);
    if (r < 0 || ms > VG_TIME_MS_MAX)
        return -EINVAL;
    *ret_ms = ms;
    return 0;
}

int vg_parse_range(const char *header, uint64_t size, uint64_t *ret_first, uint64_t *ret_last)
{
    const char *p = header;
    uint64_t a = 0, b = 0;
    if (!p || strncmp(p, "bytes=", 6) != 0)
        return -EINVAL;
    p += 6;
    while (*p == ' ')
        p++;
    if (*p == '-') {
        p++;
        if (!number(&p, &b) || *p)
            return -EINVAL;
        if (b == 0 || size == 0)
            return -ERANGE;
        *ret_first = b >= size ? 0 : size - b;
        *ret_last = size - 1;
        return 0;
    }
    if (!number(&p, &a) || *p++ != '-')
        return -EINVAL;
    bool open = *p == '\0';
    if (!open && (!number(&p, &b) || *p))
        return -EINVAL;
    if (!open && b < a)
        return -EINVAL; /* RFC 9110: an invalid range is ignored */
    if (a >= size)
        return -ERANGE;
    *ret_first = a;
    *ret_last = open || b >= size ? size - 1 : b;
    return 0;
}
