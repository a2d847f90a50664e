#include "proto/rtp_pack.h"

#include <errno.h>
#include <string.h>

#include "core/bytes.h"

#define HEADER_LEN 12

enum {
    H264_STAP_A = 24,
    H264_FU_A = 28,
    H265_AP = 48,
    H265_FU = 49,
};

/* What one vg_rtp_pack_frame() call writes with: the packet is assembled in
 * place behind its header, so each payload byte is copied once. */
struct out {
    struct vg_rtp_packer *p;
    uint32_t ts;
    vg_rtp_packet_fn *emit;
    void *arg;
    int count;
    uint8_t pkt[VG_RTP_PACKET_MAX];
};

static bool is_video(enum vg_codec c)
{
    return c == VG_CODEC_H264 || c == VG_CODEC_H265;
}

static size_t nal_header_len(enum vg_codec c)
{
    return c == VG_CODEC_H264 ? 1 : 2;
}

int vg_rtp_packer_init(struct vg_rtp_packer *p, enum vg_codec codec, uint8_t pt, uint32_t ssrc,
                       uint16_t seq, size_t max_payload)
{
    switch (codec) {
    case VG_CODEC_H264:
    case VG_CODEC_H265:
    case VG_CODEC_PCMA:
    case VG_CODEC_PCMU:
    case VG_CODEC_OPUS:
        break;
    default:
        return -ENOTSUP;
    }
    if (max_payload == 0)
        max_payload = VG_RTP_PAYLOAD_DEFAULT;
    if (pt > 127 || max_payload < VG_RTP_PAYLOAD_MIN || max_payload > VG_RTP_PAYLOAD_MAX)
        return -EINVAL;
    *p = (struct vg_rtp_packer){
        .codec = codec, .pt = pt, .ssrc = ssrc, .seq = seq, .max_payload = max_payload};
    return 0;
}

/* Puts the header in front of the payload_len bytes already at pkt + 12 and
 * hands the packet over. */
static int send_packet(struct out *o, size_t payload_len, bool marker)
{
    struct vg_rtp_packer *p = o->p;
    o->pkt[0] = 0x80; /* version 2, no padding, no extension, no CSRCs */
    o->pkt[1] = (uint8_t)((marker ? 0x80 : 0) | p->pt);
    vg_put16(o->pkt + VG_RTP_OFF_SEQ, p->seq);
    vg_put32(o->pkt + VG_RTP_OFF_TS, o->ts);
    vg_put32(o->pkt + VG_RTP_OFF_SSRC, p->ssrc);
    int r = o->emit(o->arg, o->pkt, HEADER_LEN + payload_len, marker);
    if (r < 0)
        return r;
    p->seq++;
    o->count++;
    return 0;
}

/* The payload formats use these types for their own packets, so a NAL unit
 * of such a type would be misread by the receiver (H.264 0 and 30..31 are
 * even ignored by it). */
static bool reserved_type(enum vg_codec c, const uint8_t *nal)
{
    if (c == VG_CODEC_H264) {
        unsigned type = nal[0] & 0x1fu;
        return type == 0 || type >= H264_STAP_A;
    }
    return ((nal[0] >> 1) & 0x3fu) >= H265_AP;
}

static int check_nal(enum vg_codec c, const uint8_t *nal, size_t len)
{
    if (len < nal_header_len(c) || reserved_type(c, nal))
        return -EINVAL;
    return 0;
}

/* Checks every unit of the frame and finds where the last one starts (its
 * last packet gets the marker). *ret_last is left alone when there is none. */
static int scan_frame(enum vg_codec c, const uint8_t *frame, size_t len, size_t *ret_units,
                      size_t *ret_last)
{
    size_t cur = 0, start, n, units = 0, last = 0;
    for (;;) {
        int r = vg_nal_lp_next(frame, len, &cur, &start, &n);
        if (r < 0)
            return -EINVAL;
        if (r == 0)
            break;
        if (check_nal(c, frame + start, n) < 0)
            return -EINVAL;
        units++;
        last = start;
    }
    *ret_units = units;
    if (units > 0)
        *ret_last = last;
    return 0;
}

static int check_param_sets(enum vg_codec c, const struct vg_rtp_param_sets *ps, size_t max)
{
    if (ps->count > VG_RTP_PARAM_SETS_MAX)
        return -EINVAL;
    for (size_t i = 0; i < ps->count; i++) {
        if (!ps->nal[i].base || check_nal(c, ps->nal[i].base, ps->nal[i].len) < 0)
            return -EINVAL;
        /* Fragmenting a parameter set is legal but no encoder makes one
         * this big: it is more likely garbage than a picture setup. */
        if (ps->nal[i].len > max)
            return -E2BIG;
    }
    return 0;
}

static int send_single(struct out *o, const uint8_t *nal, size_t len, bool marker)
{
    memcpy(o->pkt + HEADER_LEN, nal, len);
    return send_packet(o, len, marker);
}

/* STAP-A / AP header from the units it carries: RFC 6184 5.7 wants F set if
 * any F is and the highest NRI; RFC 7798 4.4.2 the lowest LayerId and TID. */
static void aggregation_header(enum vg_codec c, const struct vg_rtp_param_sets *ps, uint8_t *hdr)
{
    if (c == VG_CODEC_H264) {
        uint8_t f = 0, nri = 0;
        for (size_t i = 0; i < ps->count; i++) {
            const uint8_t b = ps->nal[i].base[0];
            f |= b & 0x80;
            nri = (b & 0x60) > nri ? (b & 0x60) : nri;
        }
        hdr[0] = (uint8_t)(f | nri | H264_STAP_A);
        return;
    }
    uint8_t f = 0;
    unsigned layer = 63, tid = 7;
    for (size_t i = 0; i < ps->count; i++) {
        const uint8_t *b = ps->nal[i].base;
        unsigned l = (unsigned)(b[0] & 1) << 5 | b[1] >> 3;
        f |= b[0] & 0x80;
        layer = l < layer ? l : layer;
        tid = (b[1] & 7u) < tid ? (b[1] & 7u) : tid;
    }
    hdr[0] = (uint8_t)(f | H265_AP << 1 | layer >> 5);
    hdr[1] = (uint8_t)((layer & 0x1f) << 3 | tid);
}

/* Parameter sets never end the unit: a frame with NAL units follows. */
static int send_param_sets(struct out *o, const struct vg_rtp_param_sets *ps)
{
    enum vg_codec c = o->p->codec;
    size_t need = nal_header_len(c);
    for (size_t i = 0; i < ps->count; i++)
        need += 2 + ps->nal[i].len;
    /* An aggregation packet needs two units at least (RFC 7798 4.4.2). */
    if (ps->count >= 2 && need <= o->p->max_payload) {
        uint8_t *w = o->pkt + HEADER_LEN;
        aggregation_header(c, ps, w);
        w += nal_header_len(c);
        for (size_t i = 0; i < ps->count; i++) {
            vg_put16(w, (uint16_t)ps->nal[i].len);
            memcpy(w + 2, ps->nal[i].base, ps->nal[i].len);
            w += 2 + ps->nal[i].len;
        }
        return send_packet(o, need, false);
    }
    for (size_t i = 0; i < ps->count; i++) {
        int r = send_single(o, ps->nal[i].base, ps->nal[i].len, false);
        if (r < 0)
            return r;
    }
    return 0;
}

/* FU-A (RFC 6184 5.8) or FU (RFC 7798 4.4.3): the NAL header is replaced by
 * an indicator / payload header of type 28 / 49 that keeps its other bits,
 * and a FU header with start, end and the original type. */
static int send_fragments(struct out *o, const uint8_t *nal, size_t len, bool last)
{
    enum vg_codec c = o->p->codec;
    size_t hl = nal_header_len(c), fu_len = hl + 1;
    uint8_t hdr[3], type;
    if (c == VG_CODEC_H264) {
        hdr[0] = (uint8_t)((nal[0] & 0xe0) | H264_FU_A);
        type = nal[0] & 0x1f;
    } else {
        hdr[0] = (uint8_t)((nal[0] & 0x81) | H265_FU << 1);
        hdr[1] = nal[1];
        type = (nal[0] >> 1) & 0x3f;
    }
    const uint8_t *data = nal + hl;
    size_t left = len - hl, chunk = o->p->max_payload - fu_len;
    bool first = true;
    while (left > 0) {
        size_t take = left < chunk ? left : chunk;
        bool end = take == left;
        hdr[fu_len - 1] = (uint8_t)((first ? 0x80 : 0) | (end ? 0x40 : 0) | type);
        memcpy(o->pkt + HEADER_LEN, hdr, fu_len);
        memcpy(o->pkt + HEADER_LEN + fu_len, data, take);
        int r = send_packet(o, fu_len + take, end && last);
        if (r < 0)
            return r;
        data += take;
        left -= take;
        first = false;
    }
    return 0;
}

static int pack_video(struct out *o, const uint8_t *frame, size_t len, bool key,
                      const struct vg_rtp_param_sets *ps)
{
    enum vg_codec c = o->p->codec;
    size_t units, last = 0;
    int r = scan_frame(c, frame, len, &units, &last);
    if (r < 0)
        return r;
    bool with_ps = key && ps && ps->count > 0;
    if (with_ps) {
        r = check_param_sets(c, ps, o->p->max_payload);
        if (r < 0)
            return r;
    }
    if (units == 0)
        return 0;
    if (with_ps) {
        r = send_param_sets(o, ps);
        if (r < 0)
            return r;
    }
    size_t cur = 0, start, n;
    while (vg_nal_lp_next(frame, len, &cur, &start, &n) == 1) {
        bool is_last = start == last;
        if (n <= o->p->max_payload)
            r = send_single(o, frame + start, n, is_last);
        else
            r = send_fragments(o, frame + start, n, is_last);
        if (r < 0)
            return r;
    }
    return 0;
}

int vg_rtp_pack_frame(struct vg_rtp_packer *p, const uint8_t *frame, size_t len, bool key,
                      const struct vg_rtp_param_sets *ps, uint32_t ts, vg_rtp_packet_fn *emit,
                      void *arg)
{
    struct out o = {.p = p, .ts = ts, .emit = emit, .arg = arg};
    int r;
    if (len > VG_RTP_FRAME_MAX)
        return -E2BIG;
    if (is_video(p->codec)) {
        r = pack_video(&o, frame, len, key, ps);
        if (r < 0)
            return r;
        return o.count;
    }
    if (len == 0)
        return -EINVAL;
    if (len > p->max_payload)
        return -E2BIG;
    r = send_single(&o, frame, len, false);
    if (r < 0)
        return r;
    return o.count;
}

static int add_set(struct vg_rtp_param_sets *s, const uint8_t *nal, size_t len, size_t hl)
{
    if (len < hl)
        return -EINVAL;
    if (s->count == VG_RTP_PARAM_SETS_MAX)
        return -E2BIG;
    s->nal[s->count++] = (struct vg_nal_ref){nal, len};
    return 0;
}

/* One list of {u16 length, NAL unit} entries at d + *pos; the units are kept
 * when keep is set. */
static int unit_list(const uint8_t *d, size_t len, size_t *pos, unsigned count, bool keep,
                     size_t hl, struct vg_rtp_param_sets *s)
{
    size_t at = *pos;
    for (unsigned i = 0; i < count; i++) {
        if (len - at < 2)
            return -EINVAL;
        size_t n = vg_be16(d + at);
        at += 2;
        if (n > len - at)
            return -EINVAL;
        if (keep) {
            int r = add_set(s, d + at, n, hl);
            if (r < 0)
                return r;
        }
        at += n;
    }
    *pos = at;
    return 0;
}

/* AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1): version,
 * profile, compatibility, level, length size, then numOfSequenceParameterSets
 * (low 5 bits) SPSs and numOfPictureParameterSets PPSs, each after a 16-bit
 * length. A high-profile tail after them is not needed here. */
static int from_avcc(const uint8_t *d, size_t len, struct vg_rtp_param_sets *s)
{
    size_t pos = 5;
    if (len < 6 || d[0] != 1)
        return -EINVAL;
    for (unsigned g = 0; g < 2; g++) {
        if (pos >= len)
            return -EINVAL;
        unsigned count = g == 0 ? d[pos] & 0x1fu : d[pos];
        pos++;
        if (count == 0)
            return -EINVAL;
        int r = unit_list(d, len, &pos, count, true, 1, s);
        if (r < 0)
            return r;
    }
    return 0;
}

/* HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1): 22 bytes of
 * header, numOfArrays, then arrays of {completeness and NAL type, u16
 * numNalus, units}. One walk per wanted type puts VPS before SPS before PPS
 * whatever order the writer chose. */
static int from_hvcc(const uint8_t *d, size_t len, struct vg_rtp_param_sets *s)
{
    static const unsigned want[] = {32, 33, 34}; /* VPS, SPS, PPS */
    if (len < 23 || d[0] != 1)
        return -EINVAL;
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        size_t pos = 23, before = s->count;
        for (unsigned a = 0; a < d[22]; a++) {
            if (len - pos < 3)
                return -EINVAL;
            unsigned type = d[pos] & 0x3fu;
            unsigned count = vg_be16(d + pos + 1);
            pos += 3;
            int r = unit_list(d, len, &pos, count, type == want[w], 2, s);
            if (r < 0)
                return r;
        }
        if (s->count == before)
            return -EINVAL;
    }
    return 0;
}

int vg_rtp_param_sets_from_config(enum vg_codec codec, const uint8_t *config, size_t len,
                                  struct vg_rtp_param_sets *ret)
{
    struct vg_rtp_param_sets s = {.count = 0};
    int r;
    if (codec == VG_CODEC_H264)
        r = from_avcc(config, len, &s);
    else if (codec == VG_CODEC_H265)
        r = from_hvcc(config, len, &s);
    else
        r = -ENOTSUP;
    if (r < 0)
        return r;
    *ret = s;
    return 0;
}
