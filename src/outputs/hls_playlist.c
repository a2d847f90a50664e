/* The pure half of LL-HLS: media playlist text and the names of the hls/
 * resources. Durations print in milliseconds with integer arithmetic, so the
 * text does not depend on the locale. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "outputs/hls.h"

struct text {
    char *out;
    size_t outlen, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->len < t->outlen ? t->outlen - t->len : 0;
    int n = vsnprintf(room ? t->out + t->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

/* 90 kHz ticks as seconds with three decimals, rounded to the millisecond. */
static void put_seconds(struct text *t, uint32_t ticks)
{
    uint64_t ms = ((uint64_t)ticks + VG_VIDEO_TIMESCALE / 2000) / (VG_VIDEO_TIMESCALE / 1000);
    put(t, "%llu.%03u", (unsigned long long)(ms / 1000), (unsigned)(ms % 1000));
}

static void put_map(struct text *t, const struct vg_hls_layout *l, uint32_t gen)
{
    if (gen == l->first_gen)
        put(t, "#EXT-X-MAP:URI=\"init.mp4\"\n");
    else
        put(t, "#EXT-X-MAP:URI=\"init-%u.mp4\"\n", (unsigned)gen);
}

static void put_date(struct text *t, int64_t ms)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&s, &tm))
        return;
    put(t, "#EXT-X-PROGRAM-DATE-TIME:%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\n", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

size_t vg_hls_playlist(const struct vg_hls_layout *l, char *out, size_t outlen)
{
    struct text t = {.out = out, .outlen = outlen};
    if (outlen)
        out[0] = '\0';
    put(&t, "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:%u\n", l->target_duration);
    put(&t, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=");
    put_seconds(&t, 3 * l->part_target);
    put(&t, "\n#EXT-X-PART-INF:PART-TARGET=");
    put_seconds(&t, l->part_target);
    put(&t, "\n#EXT-X-MEDIA-SEQUENCE:%llu\n",
        (unsigned long long)(l->nsegments ? l->segments[0].msn : 0));
    if (l->discontinuity_seq)
        put(&t, "#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n", (unsigned long long)l->discontinuity_seq);

    /* Parts stay listed while their segment ends within three target
     * durations of the live edge: walk back from the edge. */
    uint64_t edge_window = 3ull * l->target_duration * VG_VIDEO_TIMESCALE;
    uint64_t behind = 0; /* from the end of segment i to the live edge */
    unsigned parts_from = l->nsegments;
    for (unsigned i = l->nsegments; i-- > 0;) {
        if (behind >= edge_window)
            break;
        parts_from = i;
        behind += l->segments[i].duration;
    }

    for (unsigned i = 0; i < l->nsegments; i++) {
        const struct vg_hls_segment_info *s = &l->segments[i];
        if (s->discontinuity && i > 0)
            put(&t, "#EXT-X-DISCONTINUITY\n");
        if (i == 0 || s->gen != l->segments[i - 1].gen)
            put_map(&t, l, s->gen);
        put_date(&t, s->start_ms);
        for (unsigned k = 0; i >= parts_from && k < s->nparts; k++) {
            put(&t, "#EXT-X-PART:DURATION=");
            put_seconds(&t, s->parts[k].duration);
            put(&t, ",URI=\"part-%llu-%u.mp4\"%s\n", (unsigned long long)s->msn, k,
                s->parts[k].independent ? ",INDEPENDENT=YES" : "");
        }
        if (s->complete) {
            put(&t, "#EXTINF:");
            put_seconds(&t, s->duration);
            put(&t, ",\nseg-%llu.mp4\n", (unsigned long long)s->msn);
        } else {
            put(&t, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-%llu-%u.mp4\"\n",
                (unsigned long long)s->msn, s->nparts);
        }
    }
    return t.len;
}

int vg_hls_parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
    uint64_t v = 0;
    size_t n = 0;
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        uint64_t d = (uint64_t)(s[n] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -EINVAL;
        v = v * 10 + d;
    }
    if (n == 0 || s[n] != '\0' || (s[0] == '0' && n > 1) || v > max)
        return -EINVAL;
    *ret = v;
    return 0;
}

/* Parses a number of at most max from s up to the first occurrence of stop
 * (which must be there); returns the rest after stop, or NULL. */
static const char *number_until(const char *s, char stop, uint64_t max, uint64_t *ret)
{
    const char *end = strchr(s, stop);
    char digits[24];
    size_t n = end ? (size_t)(end - s) : 0;
    if (!end || n == 0 || n >= sizeof(digits))
        return NULL;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (vg_hls_parse_uint(digits, max, ret) < 0)
        return NULL;
    return end + 1;
}

static bool has_prefix(const char *s, const char *prefix, const char **ret_rest)
{
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n) != 0)
        return false;
    *ret_rest = s + n;
    return true;
}

int vg_hls_parse_name(const char *file, struct vg_hls_name *ret)
{
    struct vg_hls_name n = {0};
    const char *rest;
    uint64_t a, b;
    if (strcmp(file, "index.m3u8") == 0) {
        n.kind = VG_HLS_PLAYLIST;
    } else if (strcmp(file, "init.mp4") == 0) {
        n.kind = VG_HLS_INIT;
    } else if (has_prefix(file, "init-", &rest)) {
        rest = number_until(rest, '.', UINT32_MAX, &a);
        if (!rest || strcmp(rest, "mp4") != 0)
            return -ENOENT;
        n.kind = VG_HLS_INIT;
        n.has_gen = true;
        n.gen = (uint32_t)a;
    } else if (has_prefix(file, "seg-", &rest)) {
        rest = number_until(rest, '.', VG_HLS_MSN_MAX, &a);
        if (!rest || strcmp(rest, "mp4") != 0)
            return -ENOENT;
        n.kind = VG_HLS_SEGMENT;
        n.msn = a;
    } else if (has_prefix(file, "part-", &rest)) {
        rest = number_until(rest, '-', VG_HLS_MSN_MAX, &a);
        if (rest)
            rest = number_until(rest, '.', VG_HLS_PARTS_MAX - 1, &b);
        if (!rest || strcmp(rest, "mp4") != 0)
            return -ENOENT;
        n.kind = VG_HLS_PART;
        n.msn = a;
        n.part = (unsigned)b;
    } else {
        return -ENOENT;
    }
    *ret = n;
    return 0;
}
