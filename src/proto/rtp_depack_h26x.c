/* H.264 (RFC 6184, packetization modes 0 and 1) and H.265 (RFC 7798 without
 * DONL) payloads to Annex B access units. The two differ only in the NAL
 * header (one byte or two), where the type sits in it, and the numbers of the
 * aggregation and fragmentation types. */
#include <errno.h>
#include <string.h>

#include "proto/rtp_depack_impl.h"

#include "core/bytes.h"

enum {
    H264_STAP_A = 24,
    H264_FU_A = 28,
    H265_AP = 48,
    H265_FU = 49,
    H265_PACI = 50,
};

static bool is_h264(const struct vg_rtp_depack *d)
{
    return d->codec == VG_CODEC_H264;
}

/* NAL header bytes. */
static size_t header_len(const struct vg_rtp_depack *d)
{
    return is_h264(d) ? 1 : 2;
}

static unsigned nal_type(const struct vg_rtp_depack *d, uint8_t byte0)
{
    return is_h264(d) ? byte0 & 0x1fu : (byte0 >> 1) & 0x3fu;
}

/* Notes what a NAL unit of this type adds to the unit being assembled. */
static void classify(struct vg_rtp_depack *d, unsigned type)
{
    if (is_h264(d)) {
        d->picture = d->picture || (type >= 1 && type <= 5);
        d->key = d->key || type == 5; /* IDR */
    } else {
        d->picture = d->picture || type < 32;
        d->key = d->key || (type >= 16 && type <= 23); /* IRAP, as media/ingest counts them */
    }
}

/* Appends a start code, the NAL header hdr and data: a whole NAL unit, or the
 * start of a fragmented one. A NAL unit while a fragmented one is still open
 * means the open one lost its end. */
static int append_nal(struct vg_rtp_depack *d, const uint8_t *hdr, const uint8_t *data, size_t n)
{
    static const uint8_t start_code[4] = {0, 0, 0, 1};
    size_t hl = header_len(d);
    if (d->in_fu)
        return -EINVAL;
    int r = vg_rtp_depack_reserve(d, sizeof(start_code) + hl + n);
    if (r < 0)
        return r;
    memcpy(d->buf + d->len, start_code, sizeof(start_code));
    memcpy(d->buf + d->len + sizeof(start_code), hdr, hl);
    if (n > 0)
        memcpy(d->buf + d->len + sizeof(start_code) + hl, data, n);
    d->len += sizeof(start_code) + hl + n;
    classify(d, nal_type(d, hdr[0]));
    return 0;
}

/* STAP-A / AP: NAL units, each after a 16-bit size, from p + off on. */
static int aggregate(struct vg_rtp_depack *d, const uint8_t *p, size_t len, size_t off)
{
    size_t hl = header_len(d);
    if (off >= len)
        return -EINVAL;
    while (off < len) {
        if (len - off < 2)
            return -EINVAL;
        size_t n = vg_be16(p + off);
        off += 2;
        if (n < hl || n > len - off)
            return -EINVAL;
        int r = append_nal(d, p + off, p + off + hl, n - hl);
        if (r < 0)
            return r;
        off += n;
    }
    return 0;
}

/* FU-A / FU: hdr is the rebuilt NAL header, used when start is set. */
static int fragment(struct vg_rtp_depack *d, const uint8_t *hdr, bool start, bool end,
                    const uint8_t *data, size_t n)
{
    int r;
    if (start) {
        /* Start and end together is forbidden but unambiguous: a whole NAL unit. */
        r = append_nal(d, hdr, data, n);
        if (r < 0)
            return r;
        d->in_fu = !end;
        return 0;
    }
    if (!d->in_fu)
        return -EINVAL; /* its start is missing */
    r = vg_rtp_depack_reserve(d, n);
    if (r < 0)
        return r;
    if (n > 0)
        memcpy(d->buf + d->len, data, n);
    d->len += n;
    d->in_fu = !end;
    return 0;
}

static int payload_h264(struct vg_rtp_depack *d, const uint8_t *p, size_t len)
{
    if (len < 1)
        return -EINVAL;
    unsigned type = p[0] & 0x1f;
    if (type >= 1 && type <= 23)
        return append_nal(d, p, p + 1, len - 1);
    switch (type) {
    case H264_STAP_A:
        return aggregate(d, p, len, 1);
    case H264_FU_A: {
        if (len < 2)
            return -EINVAL;
        /* F and NRI from the indicator, the type from the FU header. */
        uint8_t hdr = (uint8_t)((p[0] & 0xe0) | (p[1] & 0x1f));
        return fragment(d, &hdr, p[1] & 0x80, p[1] & 0x40, p + 2, len - 2);
    }
    case 0:
    case 30:
    case 31:
        return 0; /* undefined types are to be ignored (RFC 6184 5.2) */
    default:
        return -EINVAL; /* STAP-B, MTAP16, MTAP24, FU-B: interleaved mode only */
    }
}

static int payload_h265(struct vg_rtp_depack *d, const uint8_t *p, size_t len)
{
    if (len < 2)
        return -EINVAL;
    unsigned type = (p[0] >> 1) & 0x3f;
    if (type < H265_AP)
        return append_nal(d, p, p + 2, len - 2);
    switch (type) {
    case H265_AP:
        return aggregate(d, p, len, 2);
    case H265_FU: {
        if (len < 3)
            return -EINVAL;
        /* F and the layer id's top bit from the payload header, the type
         * from the FU header; the second byte stays. */
        uint8_t hdr[2] = {(uint8_t)((p[0] & 0x81) | ((p[2] & 0x3f) << 1)), p[1]};
        return fragment(d, hdr, p[2] & 0x80, p[2] & 0x40, p + 3, len - 3);
    }
    case H265_PACI:
        return -EINVAL; /* not supported */
    default:
        return 0; /* 51..63 are unspecified: ignored, like H.264's */
    }
}

/* True when the packet visibly starts an access unit: its first NAL unit is
 * an access unit delimiter, the first parameter set (H.264 SPS, H.265 VPS) or
 * the first slice of a picture (first_mb_in_slice == 0, a ue(v) whose first
 * bit is 1; first_slice_segment_in_pic_flag for H.265). */
static bool starts_access_unit(const struct vg_rtp_depack *d, const uint8_t *p, size_t len)
{
    size_t hl = header_len(d);
    if (len < hl)
        return false;
    unsigned type = nal_type(d, p[0]);
    const uint8_t *after = p + hl; /* the byte after the NAL header, if any */
    size_t left = len - hl;
    if (type == (is_h264(d) ? H264_STAP_A : H265_AP)) {
        if (left < 2 + hl || vg_be16(after) < hl)
            return false;
        size_t n = vg_be16(after) < left - 2 ? vg_be16(after) : left - 2;
        type = nal_type(d, after[2]);
        left = n - hl;
        after += 2 + hl;
    } else if (type == (is_h264(d) ? H264_FU_A : H265_FU)) {
        if (left < 1 || !(after[0] & 0x80))
            return false;
        type = after[0] & (is_h264(d) ? 0x1f : 0x3f);
        after++;
        left--;
    }
    bool first_slice = left > 0 && (after[0] & 0x80);
    if (is_h264(d))
        return type == 9 || type == 7 || ((type == 1 || type == 5) && first_slice);
    return type == 35 || type == 32 || (type < 32 && first_slice);
}

/* The unit is damaged: count it, wait for a keyframe, skip its other packets. */
static void drop(struct vg_rtp_depack *d)
{
    d->dropped_units++;
    d->wait_key = true;
    d->len = 0;
    d->in_fu = false;
    d->key = false;
    d->picture = false;
    d->skip = true;
}

void vg_rtp_depack_h26x_loss(struct vg_rtp_depack *d, const struct vg_rtp_packet *p)
{
    bool same = d->in_unit && d->ts == p->ts;
    if (d->in_unit && !d->skip)
        d->dropped_units++;
    vg_rtp_depack_clear(d);
    d->wait_key = true;
    if (same || !starts_access_unit(d, p->payload, p->payload_len)) {
        /* This packet's unit lost its beginning. */
        if (!same)
            d->dropped_units++;
        d->in_unit = true;
        d->ts = p->ts;
        d->skip = true;
    }
}

/* The unit ends: emitted, or dropped while waiting for a keyframe. */
static int finish(struct vg_rtp_depack *d, vg_rtp_unit_fn *emit, void *arg)
{
    int r = 0;
    if (!d->in_unit || d->skip || d->len == 0)
        goto out;
    if (d->in_fu) {
        d->dropped_units++; /* the fragmented NAL unit never ended */
        d->wait_key = true;
        goto out;
    }
    if (d->wait_key) {
        if (d->key) {
            d->wait_key = false;
        } else if (d->picture) {
            d->dropped_units++;
            goto out;
        }
    }
    r = emit(arg, d->buf, d->len, d->ts);
out:
    vg_rtp_depack_clear(d);
    return r;
}

int vg_rtp_depack_h26x_push(struct vg_rtp_depack *d, const struct vg_rtp_packet *p,
                            vg_rtp_unit_fn *emit, void *arg)
{
    int r;
    if (d->in_unit && p->ts != d->ts) {
        r = finish(d, emit, arg);
        if (r < 0)
            return r;
    }
    if (d->skip) {
        if (p->marker)
            vg_rtp_depack_clear(d);
        return 0;
    }
    d->in_unit = true;
    d->ts = p->ts;
    if (is_h264(d))
        r = payload_h264(d, p->payload, p->payload_len);
    else
        r = payload_h265(d, p->payload, p->payload_len);
    if (r == 0 && p->marker && d->in_fu)
        r = -EINVAL; /* the unit ends inside a fragmented NAL unit */
    if (r < 0) {
        drop(d);
        if (p->marker)
            vg_rtp_depack_clear(d);
        return r;
    }
    if (!p->marker)
        return 0;
    return finish(d, emit, arg);
}
