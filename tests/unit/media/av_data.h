/* Real audio and video for tests, from the files in tests/unit/media/data:
 * H.264 access units as an MP4 sample carries them, raw AAC frames, and the
 * codec configs that go with them. Needs Criterion (it asserts). */
#pragma once

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert_gt(n, 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Annex B → access units of length-prefixed NAL units without parameter sets
 * or AUDs, plus the first SPS and PPS: the least a source would do. */
struct access_unit {
    size_t off, len;
    bool key;
};

struct h264_stream {
    uint8_t *data; /* access units, back to back */
    size_t len;
    struct access_unit au[128];
    size_t count;
    const uint8_t *sps, *pps;
    size_t sps_len, pps_len;
};

static size_t next_start_code(const uint8_t *d, size_t len, size_t from)
{
    for (size_t i = from; i + 3 <= len; i++)
        if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1)
            return i;
    return len;
}

static void h264_split(const uint8_t *d, size_t len, struct h264_stream *s)
{
    memset(s, 0, sizeof(*s));
    s->data = malloc(len * 2 + 64);
    cr_assert_not_null(s->data);
    bool open = false, has_vcl = false;
    size_t at = next_start_code(d, len, 0);
    while (at < len) {
        size_t start = at + 3;
        size_t end = next_start_code(d, len, start);
        at = end;
        while (end > start && d[end - 1] == 0) /* the next 4-byte start code */
            end--;
        if (end == start)
            continue;
        const uint8_t *nal = d + start;
        size_t n = end - start;
        unsigned type = nal[0] & 0x1f;
        bool vcl = type == 1 || type == 5;
        bool first_slice = vcl && n > 1 && (nal[1] & 0x80); /* first_mb_in_slice == 0 */
        if (open && has_vcl && (first_slice || type == 6 || type == 7 || type == 8 || type == 9)) {
            s->au[s->count].len = s->len - s->au[s->count].off;
            s->count++;
            open = false;
        }
        if (!open) {
            cr_assert_lt(s->count, 128);
            s->au[s->count] = (struct access_unit){.off = s->len};
            open = true;
            has_vcl = false;
        }
        if (type == 7 && !s->sps) {
            s->sps = nal;
            s->sps_len = n;
        }
        if (type == 8 && !s->pps) {
            s->pps = nal;
            s->pps_len = n;
        }
        if (type == 7 || type == 8 || type == 9)
            continue;
        has_vcl |= vcl;
        if (type == 5)
            s->au[s->count].key = true;
        uint8_t *o = s->data + s->len;
        o[0] = (uint8_t)(n >> 24);
        o[1] = (uint8_t)(n >> 16);
        o[2] = (uint8_t)(n >> 8);
        o[3] = (uint8_t)n;
        memcpy(o + 4, nal, n);
        s->len += 4 + n;
    }
    if (open && has_vcl) {
        s->au[s->count].len = s->len - s->au[s->count].off;
        s->count++;
    }
    cr_assert_not_null(s->sps);
    cr_assert_not_null(s->pps);
}

static size_t make_avcc(const struct h264_stream *s, uint8_t *out, size_t cap)
{
    size_t n = 11 + s->sps_len + s->pps_len;
    cr_assert_leq(n, cap);
    uint8_t *o = out;
    *o++ = 1;
    *o++ = s->sps[1]; /* profile_idc */
    *o++ = s->sps[2]; /* constraint flags */
    *o++ = s->sps[3]; /* level_idc */
    *o++ = 0xFF;      /* 4-byte lengths */
    *o++ = 0xE1;      /* one SPS */
    *o++ = (uint8_t)(s->sps_len >> 8);
    *o++ = (uint8_t)s->sps_len;
    memcpy(o, s->sps, s->sps_len);
    o += s->sps_len;
    *o++ = 1;
    *o++ = (uint8_t)(s->pps_len >> 8);
    *o++ = (uint8_t)s->pps_len;
    memcpy(o, s->pps, s->pps_len);
    return n;
}

/* Raw AAC frames from ADTS, and the AudioSpecificConfig its header implies. */
struct aac_stream {
    const uint8_t *frame[128];
    size_t frame_len[128];
    size_t count;
    uint8_t asc[2];
    unsigned rate, channels;
};

static void adts_split(const uint8_t *d, size_t len, struct aac_stream *s)
{
    static const unsigned rates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                     22050, 16000, 12000, 11025, 8000,  7350};
    memset(s, 0, sizeof(*s));
    size_t at = 0;
    while (at + 7 <= len) {
        const uint8_t *h = d + at;
        cr_assert(h[0] == 0xFF && (h[1] & 0xF6) == 0xF0, "ADTS sync at %zu", at);
        size_t hdr = (h[1] & 1) ? 7 : 9;
        size_t flen = (size_t)(h[3] & 3) << 11 | (size_t)h[4] << 3 | h[5] >> 5;
        cr_assert(flen > hdr && at + flen <= len);
        unsigned aot = (h[2] >> 6) + 1, sfi = (h[2] >> 2) & 0xf;
        unsigned ch = (h[2] & 1u) << 2 | h[3] >> 6;
        if (s->count == 0) {
            s->asc[0] = (uint8_t)(aot << 3 | sfi >> 1);
            s->asc[1] = (uint8_t)((sfi & 1) << 7 | ch << 3);
            s->rate = rates[sfi];
            s->channels = ch;
        }
        cr_assert_lt(s->count, 128);
        s->frame[s->count] = h + hdr;
        s->frame_len[s->count] = flen - hdr;
        s->count++;
        at += flen;
    }
}
