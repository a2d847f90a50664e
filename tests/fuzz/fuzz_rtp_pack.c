/* RTP packetizing over arbitrary bytes, checked by depacketizing. The first
 * byte picks the payload budget (bits 1..7) and whether the unit is a
 * keyframe (bit 0); the rest is a length-prefixed frame, packed as H.264 and
 * as H.265 with fixed parameter sets. Checked: no crash or hang, return
 * values among those documented, every packet within the budget, parsed back
 * with consecutive sequence numbers and the marker on the last one only, and
 * for every frame the packer accepts, the depacketizer gives back exactly
 * its NAL units in Annex B (parameter sets first for a keyframe): anything
 * else abort()s.
 *
 * Seeds (corpus/rtp_pack/): small units, a unit past the budget, several
 * units with a keyframe flag, damaged length prefixes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/nal.h"
#include "proto/rtp.h"
#include "proto/rtp_depack.h"
#include "proto/rtp_pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (64u << 10)

struct check {
    struct vg_rtp_depack d;
    size_t max_payload;
    uint16_t next_seq;
    uint32_t ts;
    size_t packets;
    bool marker_seen;
    const uint8_t *want; /* the expected Annex B unit */
    size_t want_len;
    size_t units;
};

static int on_unit(void *arg, const uint8_t *data, size_t len, uint32_t ts)
{
    struct check *c = arg;
    if (c->units++ > 0 || ts != c->ts || len != c->want_len || memcmp(data, c->want, len) != 0)
        abort();
    return 0;
}

static int on_packet(void *arg, const uint8_t *pkt, size_t len, bool marker)
{
    struct check *c = arg;
    struct vg_rtp_packet p;
    if (len > VG_RTP_HEADER_MIN + c->max_payload || c->marker_seen)
        abort();
    if (vg_rtp_parse(pkt, len, &p) != 0 || p.marker != marker || p.seq != c->next_seq ||
        p.ts != c->ts || p.payload_len == 0)
        abort();
    c->next_seq++;
    c->packets++;
    c->marker_seen = marker;
    if (vg_rtp_depack_push(&c->d, &p, on_unit, c) != 0)
        abort();
    return 0;
}

/* The frame in Annex B after the parameter sets; 0 when it has no units. */
static size_t expected(const uint8_t *frame, size_t len, const struct vg_rtp_param_sets *ps,
                       uint8_t *out)
{
    size_t n = 0, cur = 0, start, nal_len;
    for (size_t i = 0; ps && i < ps->count; i++) {
        memcpy(out + n, "\0\0\0\1", 4);
        memcpy(out + n + 4, ps->nal[i].base, ps->nal[i].len);
        n += 4 + ps->nal[i].len;
    }
    size_t before = n;
    while (vg_nal_lp_next(frame, len, &cur, &start, &nal_len) == 1) {
        memcpy(out + n, "\0\0\0\1", 4);
        memcpy(out + n + 4, frame + start, nal_len);
        n += 4 + nal_len;
    }
    return n > before ? n : 0;
}

static void run(enum vg_codec codec, const uint8_t *frame, size_t len, bool key, size_t max_payload,
                const struct vg_rtp_param_sets *ps, uint8_t *want)
{
    static const char mode1[] = "packetization-mode=1";
    struct vg_span fmtp = {mode1, codec == VG_CODEC_H264 ? sizeof(mode1) - 1 : 0};
    struct vg_rtp_packer pk;
    struct check c = {.max_payload = max_payload, .next_seq = 65533, .ts = 0x89abcdef};
    if (vg_rtp_packer_init(&pk, codec, 96, 0x1234, c.next_seq, max_payload) != 0)
        abort();
    if (vg_rtp_depack_init(&c.d, codec, fmtp) != 0)
        abort();
    c.want = want;
    c.want_len = expected(frame, len, key ? ps : NULL, want);
    int r = vg_rtp_pack_frame(&pk, frame, len, key, ps, c.ts, on_packet, &c);
    if (r < 0) {
        /* Refused before anything went out. */
        if ((r != -EINVAL && r != -E2BIG) || c.packets != 0)
            abort();
    } else {
        bool empty = c.want_len == 0;
        if ((size_t)r != c.packets || (empty ? r != 0 || c.units != 0 : c.units != 1) ||
            (!empty && !c.marker_seen) || pk.seq != c.next_seq)
            abort();
    }
    vg_rtp_depack_done(&c.d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Real parameter sets (a Baseline 640x360 SPS and PPS; x265 720p VPS,
     * SPS, PPS), so the aggregation packet fits the default budget only. */
    static const uint8_t sps264[] = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9,
                                     0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00,
                                     0x03, 0x00, 0x32, 0x0f, 0x16, 0x2e, 0x48};
    static const uint8_t pps264[] = {0x68, 0xcb, 0x83, 0xcb, 0x20};
    static const uint8_t vps265[] = {0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60,
                                     0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03,
                                     0x00, 0x00, 0x03, 0x00, 0x5d, 0x95, 0x98, 0x09};
    static const uint8_t sps265[] = {0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00,
                                     0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d,
                                     0xa0, 0x02, 0x80, 0x80, 0x2d, 0x16, 0x59, 0x59, 0xa4};
    static const uint8_t pps265[] = {0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40};
    const struct vg_rtp_param_sets ps264 = {
        .nal = {{sps264, sizeof(sps264)}, {pps264, sizeof(pps264)}}, .count = 2};
    const struct vg_rtp_param_sets ps265 = {
        .nal = {{vps265, sizeof(vps265)}, {sps265, sizeof(sps265)}, {pps265, sizeof(pps265)}},
        .count = 3};
    if (size < 1 || size > INPUT_MAX)
        return 0;
    bool key = data[0] & 1;
    /* 16..1024 in steps of 8, and the default for 0. */
    size_t max_payload = data[0] >> 1 ? VG_RTP_PAYLOAD_MIN + 8 * (size_t)((data[0] >> 1) - 1)
                                      : VG_RTP_PAYLOAD_DEFAULT;
    /* An exact-size copy, so that reading past the frame is caught. */
    size_t len = size - 1;
    uint8_t *frame = malloc(len ? len : 1);
    /* The frame with start codes for length prefixes, after the sets. */
    uint8_t *want = malloc(size + 256);
    if (!frame || !want)
        goto out;
    memcpy(frame, data + 1, len);
    run(VG_CODEC_H264, frame, len, key, max_payload, &ps264, want);
    run(VG_CODEC_H265, frame, len, key, max_payload, &ps265, want);
out:
    free(frame);
    free(want);
    return 0;
}
