#include "media/nal.h"

#include <errno.h>
#include <string.h>

#include "core/bytes.h"

/* Position of the next 00 00 01 at or after from, or len. */
static size_t find_start_code(const uint8_t *buf, size_t len, size_t from)
{
    size_t i = from + 2;
    while (i < len) {
        const uint8_t *one = memchr(buf + i, 0x01, len - i);
        if (!one)
            return len;
        i = (size_t)(one - buf);
        if (buf[i - 1] == 0 && buf[i - 2] == 0)
            return i - 2;
        i++;
    }
    return len;
}

int vg_nal_annexb_next(const uint8_t *buf, size_t len, size_t *cursor, size_t *ret_start,
                       size_t *ret_len)
{
    size_t pos = *cursor;
    while (pos < len) {
        size_t sc = find_start_code(buf, len, pos);
        if (sc >= len)
            break;
        size_t start = sc + 3;
        size_t next = find_start_code(buf, len, start);
        size_t end = next;
        /* Zeros before a start code are the 4-byte form or trailing_zero_8bits;
         * a unit itself never ends in 0x00 (its last byte holds the stop bit,
         * or is the 0x03 after a cabac_zero_word). */
        while (end > start && buf[end - 1] == 0)
            end--;
        pos = next;
        if (end > start) {
            *cursor = pos;
            *ret_start = start;
            *ret_len = end - start;
            return 1;
        }
    }
    *cursor = len;
    return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int vg_nal_lp_next(const uint8_t *buf, size_t len, size_t *cursor, size_t *ret_start,
                   size_t *ret_len)
{
    size_t pos = *cursor;
    while (pos < len) {
        if (len - pos < 4)
            return -EBADMSG;
        uint32_t n = vg_be32(buf + pos);
        if (n > len - pos - 4)
            return -EBADMSG;
        size_t start = pos + 4;
        pos = start + n;
        if (n > 0) {
            *cursor = pos;
            *ret_start = start;
            *ret_len = n;
            return 1;
        }
    }
    *cursor = pos;
    return 0;
}

int vg_nal_next(enum vg_nal_format fmt, const uint8_t *buf, size_t len, size_t *cursor,
                size_t *ret_start, size_t *ret_len)
{
    if (fmt == VG_NAL_ANNEXB)
        return vg_nal_annexb_next(buf, len, cursor, ret_start, ret_len);
    return vg_nal_lp_next(buf, len, cursor, ret_start, ret_len);
}

int vg_nal_unescape(const uint8_t *in, size_t len, uint8_t *out, size_t outcap, size_t *ret_len)
{
    size_t need = 0;
    unsigned zeros = 0;
    for (size_t i = 0; i < len; i++) {
        if (zeros >= 2 && in[i] == 0x03) {
            zeros = 0;
            continue;
        }
        zeros = in[i] == 0 ? zeros + 1 : 0;
        need++;
    }
    if (need > outcap)
        return -ENOSPC;
    /* Second pass writes; the write index never passes the read index, so
     * in-place works. */
    size_t o = 0;
    zeros = 0;
    for (size_t i = 0; i < len; i++) {
        if (zeros >= 2 && in[i] == 0x03) {
            zeros = 0;
            continue;
        }
        zeros = in[i] == 0 ? zeros + 1 : 0;
        out[o++] = in[i];
    }
    *ret_len = o;
    return 0;
}

int vg_nal_escape(const uint8_t *in, size_t len, uint8_t *out, size_t outcap, size_t *ret_len)
{
    size_t o = 0;
    unsigned zeros = 0;
    for (size_t i = 0; i < len; i++) {
        if (zeros >= 2 && in[i] <= 0x03) {
            if (o == outcap)
                return -ENOSPC;
            out[o++] = 0x03;
            zeros = 0;
        }
        if (o == outcap)
            return -ENOSPC;
        out[o++] = in[i];
        zeros = in[i] == 0 ? zeros + 1 : 0;
    }
    /* A final 00 00 would join the next start code. */
    if (zeros >= 2) {
        if (o == outcap)
            return -ENOSPC;
        out[o++] = 0x03;
    }
    *ret_len = o;
    return 0;
}

int vg_nal_annexb_to_lp(const uint8_t *in, size_t len, uint8_t *out, size_t outcap, size_t *ret_len)
{
    size_t cursor = 0, start, n, o = 0;
    while (vg_nal_annexb_next(in, len, &cursor, &start, &n) == 1) {
        if (n > UINT32_MAX)
            return -E2BIG;
        if (outcap - o < 4 || outcap - o - 4 < n)
            return -ENOSPC;
        put_be32(out + o, (uint32_t)n);
        memcpy(out + o + 4, in + start, n);
        o += 4 + n;
    }
    *ret_len = o;
    return 0;
}

int vg_nal_lp_to_annexb(const uint8_t *in, size_t len, uint8_t *out, size_t outcap, size_t *ret_len)
{
    static const uint8_t sc[4] = {0, 0, 0, 1};
    size_t cursor = 0, start, n, o = 0;
    for (;;) {
        int r = vg_nal_lp_next(in, len, &cursor, &start, &n);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        if (outcap - o < 4 || outcap - o - 4 < n)
            return -ENOSPC;
        memcpy(out + o, sc, 4);
        memcpy(out + o + 4, in + start, n);
        o += 4 + n;
    }
    *ret_len = o;
    return 0;
}
