/* Access units to RTP packets (proto/rtp_pack.h), checked two ways.
 *
 * Round trip: every unit packed here goes through vg_rtp_parse() and the
 * receiving side's depacketizer (proto/rtp_depack.h); what comes out must be
 * the input NAL units with start codes, parameter sets first for a keyframe.
 * Every packet is checked on the way: at most 12 + budget bytes, sequence
 * numbers consecutive, one timestamp, the marker on the last packet only.
 *
 * Against libavformat's "rtp" muxer (FFmpeg's packetizer, with packet_size
 * 1212 so its payload budget is our 1200, and skip_rtcp): for the same access
 * unit both must give the same number of packets with the same payloads and
 * markers. FFmpeg aggregates every run of small NAL units into a STAP-A / AP
 * while RFC 6184 mode 1 as we use it sends each alone, so the units compared
 * are those where the two designs agree: one small NAL unit; one NAL unit of
 * 5000 bytes (FU-A / FU); a keyframe whose parameter sets (in band for
 * FFmpeg, from the avcC / hvcC for us) precede a 5000-byte IDR / IRAP. One
 * byte is allowed to differ, and only in the H.264 keyframe: FFmpeg writes
 * the STAP-A header as a bare 24 (NRI 0), where RFC 6184 5.7 asks for the
 * highest NRI of the units inside, so there only the type bits of that byte
 * are compared. Headers (random SSRC and sequence start) are not compared. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "proto/rtp.h"
#include "proto/rtp_depack.h"
#include "proto/rtp_pack.h"

#include "../media/h264_vectors.h"
#define high_sps h265_high_sps_unused
#include "../media/h265_vectors.h"
#undef high_sps

#define MAX_PKTS 64
#define MAX_UNITS 8
#define BIG 5000

struct pkts {
    uint8_t data[MAX_PKTS][VG_RTP_PACKET_MAX];
    size_t len[MAX_PKTS];
    bool marker[MAX_PKTS];
    size_t n;
};

struct unit {
    uint8_t *data;
    size_t len;
    uint32_t ts;
};

static struct pkts out;
static struct unit units[MAX_UNITS];
static size_t n_units;
static int emit_result;
static struct vg_rtp_depack depack;
static uint8_t big[BIG];

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16) | 1; /* never 00, as in an escaped NAL unit */
    }
}

static void setup(void)
{
    memset(&out, 0, sizeof(out));
    memset(&depack, 0, sizeof(depack));
    n_units = 0;
    emit_result = 0;
}

static void teardown(void)
{
    for (size_t i = 0; i < n_units; i++)
        free(units[i].data);
    vg_rtp_depack_done(&depack);
}

TestSuite(rtp_pack, .init = setup, .fini = teardown);

static int collect(void *arg, const uint8_t *pkt, size_t len, bool marker)
{
    struct pkts *p = arg;
    cr_assert_lt(p->n, MAX_PKTS);
    cr_assert_leq(len, VG_RTP_PACKET_MAX);
    memcpy(p->data[p->n], pkt, len);
    p->len[p->n] = len;
    p->marker[p->n] = marker;
    p->n++;
    return emit_result;
}

static int on_unit(void *arg, const uint8_t *data, size_t len, uint32_t ts)
{
    (void)arg;
    cr_assert_lt(n_units, MAX_UNITS);
    units[n_units].data = malloc(len);
    cr_assert_not_null(units[n_units].data);
    memcpy(units[n_units].data, data, len);
    units[n_units].len = len;
    units[n_units].ts = ts;
    n_units++;
    return 0;
}

#define NAL(arr) ((struct vg_nal_ref){arr, sizeof(arr)})

/* Length-prefixed units, as a vg_frame holds them. */
static size_t lp_frame(uint8_t *buf, size_t cap, const struct vg_nal_ref *nals, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_leq(4 + nals[i].len, cap - len);
        buf[len] = (uint8_t)(nals[i].len >> 24);
        buf[len + 1] = (uint8_t)(nals[i].len >> 16);
        buf[len + 2] = (uint8_t)(nals[i].len >> 8);
        buf[len + 3] = (uint8_t)nals[i].len;
        memcpy(buf + len + 4, nals[i].base, nals[i].len);
        len += 4 + nals[i].len;
    }
    return len;
}

static size_t annexb_append(uint8_t *buf, size_t len, size_t cap, const struct vg_nal_ref *nals,
                            size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cr_assert_leq(4 + nals[i].len, cap - len);
        memcpy(buf + len, "\0\0\0\1", 4);
        memcpy(buf + len + 4, nals[i].base, nals[i].len);
        len += 4 + nals[i].len;
    }
    return len;
}

static struct vg_rtp_packer packer(enum vg_codec codec, uint16_t seq, size_t max_payload)
{
    struct vg_rtp_packer p;
    cr_assert_eq(vg_rtp_packer_init(&p, codec, 96, 0x11223344, seq, max_payload), 0);
    return p;
}

/* Packs one unit, checks every packet, feeds them to the depacketizer and
 * expects the unit back: ps first (for a keyframe), then nals, in Annex B. */
static void round_trip(struct vg_rtp_packer *pk, const struct vg_nal_ref *nals, size_t n, bool key,
                       const struct vg_rtp_param_sets *ps, uint32_t ts)
{
    static uint8_t frame[4 * BIG], want[4 * BIG];
    size_t len = lp_frame(frame, sizeof(frame), nals, n), want_len = 0;
    if (key && ps)
        want_len = annexb_append(want, 0, sizeof(want), ps->nal, ps->count);
    want_len = annexb_append(want, want_len, sizeof(want), nals, n);

    uint16_t seq0 = pk->seq;
    size_t first = out.n, units_before = n_units;
    int r = vg_rtp_pack_frame(pk, frame, len, key, ps, ts, collect, &out);
    cr_assert_geq(r, 1, "pack: %d", r);
    cr_assert_eq((size_t)r, out.n - first);
    cr_expect_eq(pk->seq, (uint16_t)(seq0 + r));
    for (size_t i = first; i < out.n; i++) {
        struct vg_rtp_packet p;
        cr_assert_leq(out.len[i], VG_RTP_HEADER_MIN + pk->max_payload, "packet %zu: %zu bytes", i,
                      out.len[i]);
        cr_assert_eq(vg_rtp_parse(out.data[i], out.len[i], &p), 0);
        cr_expect_eq(p.seq, (uint16_t)(seq0 + (i - first)));
        cr_expect_eq(p.ts, ts);
        cr_expect_eq(p.pt, pk->pt);
        cr_expect_eq(p.ssrc, pk->ssrc);
        cr_expect_eq(p.csrc_count, 0);
        cr_expect_not(p.has_ext);
        cr_expect_eq(p.marker, i == out.n - 1, "marker on packet %zu of %zu", i - first, out.n);
        cr_expect_eq(out.marker[i], p.marker);
        cr_assert_eq(vg_rtp_depack_push(&depack, &p, on_unit, NULL), 0);
    }
    cr_assert_eq(n_units, units_before + 1);
    struct unit *u = &units[n_units - 1];
    cr_assert_eq(u->len, want_len, "unit of %zu bytes, %zu expected", u->len, want_len);
    cr_expect_eq(memcmp(u->data, want, want_len), 0);
    cr_expect_eq(u->ts, ts);
}

static void depack_init(enum vg_codec codec)
{
    const char *fmtp = codec == VG_CODEC_H264 ? "packetization-mode=1" : "";
    cr_assert_eq(vg_rtp_depack_init(&depack, codec, (struct vg_span){fmtp, strlen(fmtp)}), 0);
}

/* ---------------------------------------------------------------- H.264 */

Test(rtp_pack, h264_small_nal_unit_goes_alone_with_the_marker)
{
    depack_init(VG_CODEC_H264);
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 4000, 0);
    struct vg_nal_ref nals[] = {NAL(base_p)};
    round_trip(&pk, nals, 1, false, NULL, 3600);
    cr_assert_eq(out.n, 1);
    cr_expect_eq(out.len[0], 12 + sizeof(base_p));
    /* clang-format off */
    static const uint8_t header[12] = {
        0x80, 0x80 | 96,        /* version 2; marker, PT 96 */
        0x0f, 0xa0,             /* sequence 4000 */
        0x00, 0x00, 0x0e, 0x10, /* timestamp 3600 */
        0x11, 0x22, 0x33, 0x44, /* SSRC */
    };
    /* clang-format on */
    cr_expect_arr_eq(out.data[0], header, 12);
    cr_expect_arr_eq(out.data[0] + 12, base_p, sizeof(base_p));
}

Test(rtp_pack, h264_nal_unit_of_5000_bytes_goes_as_fu_a)
{
    depack_init(VG_CODEC_H264);
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 1, 0);
    big[0] = 0x65; /* NRI 3, IDR */
    fill(big + 1, BIG - 1, 7);
    struct vg_nal_ref nals[] = {{big, BIG}};
    round_trip(&pk, nals, 1, false, NULL, 90000);
    /* 4999 bytes after the NAL header, 1198 per fragment. */
    cr_assert_eq(out.n, 5);
    for (size_t i = 0; i < out.n; i++) {
        cr_expect_eq(out.data[i][12], 0x7c); /* NRI 3, FU-A */
        uint8_t fu = (uint8_t)((i == 0 ? 0x80 : 0) | (i == 4 ? 0x40 : 0) | 5);
        cr_expect_eq(out.data[i][13], fu, "FU header %zu: %02x", i, out.data[i][13]);
        cr_expect_eq(out.len[i], i < 4 ? 12u + 1200 : 12u + 2 + 4999 - 4 * 1198);
    }
}

Test(rtp_pack, h264_budget_boundary_is_single_at_the_budget_and_fu_a_past_it)
{
    depack_init(VG_CODEC_H264);
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 0, 100);
    big[0] = 0x41;
    fill(big + 1, 100, 3);
    struct vg_nal_ref at[] = {{big, 100}};
    round_trip(&pk, at, 1, false, NULL, 0);
    cr_expect_eq(out.n, 1);
    struct vg_nal_ref past[] = {{big, 101}};
    round_trip(&pk, past, 1, false, NULL, 3000);
    cr_expect_eq(out.n, 3);
    cr_expect_eq(out.len[1], 12u + 100);
    cr_expect_eq(out.len[2], 12u + 2 + 2);
}

Test(rtp_pack, h264_several_nal_units_each_alone_marker_on_the_last)
{
    depack_init(VG_CODEC_H264);
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 65534, 0);
    big[0] = 0x41;
    fill(big + 1, 2999, 11);
    static const uint8_t sei[] = {0x06, 0x05, 0x01, 0x42, 0x80};
    struct vg_nal_ref nals[] = {NAL(sei), NAL(base_p), {big, 3000}, NAL(base_p)};
    round_trip(&pk, nals, 4, false, NULL, 1234567);
    cr_assert_eq(out.n, 6); /* sei, p, 3 fragments, p */
    cr_expect_arr_eq(out.data[0] + 12, sei, sizeof(sei));
    cr_expect_eq(out.data[2][12] & 0x1f, 28);
    cr_expect_eq(out.data[4][13], 0x40 | 1); /* the FU-A's end: not the unit's */
    cr_expect_not(out.marker[4]);
    cr_expect(out.marker[5]);
    /* Sequence numbers wrapped 65535 -> 0 on the way. */
    cr_expect_eq(pk.seq, 4);
}

Test(rtp_pack, h264_keyframe_sends_sps_and_pps_first_in_one_stap_a)
{
    depack_init(VG_CODEC_H264);
    struct vg_rtp_param_sets ps;
    cr_assert_eq(vg_rtp_param_sets_from_config(VG_CODEC_H264, base_avcc, sizeof(base_avcc), &ps),
                 0);
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 100, 0);
    struct vg_nal_ref nals[] = {NAL(base_idr)};
    round_trip(&pk, nals, 1, true, &ps, 0);
    cr_assert_eq(out.n, 2);
    const uint8_t *stap = out.data[0] + 12;
    cr_expect_eq(stap[0], 0x78); /* highest NRI (3, from the SPS 0x67), STAP-A */
    cr_expect_eq(stap[1] << 8 | stap[2], sizeof(base_sps));
    cr_expect_arr_eq(stap + 3, base_sps, sizeof(base_sps));
    cr_expect_eq(out.len[0], 12 + 1 + 2 + sizeof(base_sps) + 2 + sizeof(base_pps));
    cr_expect_not(out.marker[0]);

    /* The next picture is no keyframe: no parameter sets. */
    struct vg_nal_ref p[] = {NAL(base_p)};
    round_trip(&pk, p, 1, false, &ps, 3000);
    cr_expect_eq(out.n, 3);
}

Test(rtp_pack, h264_parameter_sets_that_do_not_fit_together_go_one_by_one)
{
    depack_init(VG_CODEC_H264);
    struct vg_nal_ref sets[] = {NAL(base_sps), NAL(base_pps)};
    struct vg_rtp_param_sets ps = {.count = 2};
    memcpy(ps.nal, sets, sizeof(sets));
    /* 1 + 2 + 25 + 2 + 5 = 35 bytes do not fit in 32. */
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 100, 32);
    struct vg_nal_ref nals[] = {NAL(base_idr)};
    round_trip(&pk, nals, 1, true, &ps, 0);
    cr_assert_eq(out.n, 3);
    cr_expect_arr_eq(out.data[0] + 12, base_sps, sizeof(base_sps));
    cr_expect_arr_eq(out.data[1] + 12, base_pps, sizeof(base_pps));

    /* A lone parameter set is never aggregated (an AP needs two units). */
    ps.count = 1;
    struct vg_rtp_packer big_budget = packer(VG_CODEC_H264, pk.seq, 0);
    round_trip(&big_budget, nals, 1, true, &ps, 3000);
    cr_assert_eq(out.n, 5);
    cr_expect_arr_eq(out.data[3] + 12, base_sps, sizeof(base_sps));
}

Test(rtp_pack, units_in_a_row_come_back_one_by_one)
{
    depack_init(VG_CODEC_H264);
    struct vg_rtp_param_sets ps;
    cr_assert_eq(vg_rtp_param_sets_from_config(VG_CODEC_H264, base_avcc, sizeof(base_avcc), &ps),
                 0);
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 65530, 0);
    big[0] = 0x65;
    fill(big + 1, BIG - 1, 5);
    struct vg_nal_ref key[] = {{big, BIG}};
    struct vg_nal_ref p[] = {NAL(base_p)};
    for (uint32_t i = 0; i < 4; i++) {
        if (i % 2 == 0)
            round_trip(&pk, key, 1, true, &ps, i * 3000);
        else
            round_trip(&pk, p, 1, false, &ps, i * 3000);
    }
    cr_expect_eq(n_units, 4);
    cr_expect_eq(depack.lost_packets, 0);
    cr_expect_eq(depack.dropped_units, 0);
}

/* ---------------------------------------------------------------- H.265 */

Test(rtp_pack, h265_small_nal_unit_goes_alone)
{
    depack_init(VG_CODEC_H265);
    struct vg_rtp_packer pk = packer(VG_CODEC_H265, 7, 0);
    struct vg_nal_ref nals[] = {NAL(m720_trail)};
    round_trip(&pk, nals, 1, false, NULL, 5);
    cr_assert_eq(out.n, 1);
    cr_expect_arr_eq(out.data[0] + 12, m720_trail, sizeof(m720_trail));
}

Test(rtp_pack, h265_nal_unit_of_5000_bytes_goes_as_fu)
{
    depack_init(VG_CODEC_H265);
    struct vg_rtp_packer pk = packer(VG_CODEC_H265, 7, 0);
    big[0] = 0x26; /* IDR_W_RADL */
    big[1] = 0x01;
    fill(big + 2, BIG - 2, 9);
    struct vg_nal_ref nals[] = {{big, BIG}};
    round_trip(&pk, nals, 1, false, NULL, 5);
    /* 4998 bytes after the 2-byte header, 1197 per fragment. */
    cr_assert_eq(out.n, 5);
    for (size_t i = 0; i < out.n; i++) {
        cr_expect_eq(out.data[i][12], 49 << 1);
        cr_expect_eq(out.data[i][13], 0x01); /* layer 0, TID 1, as in the NAL unit */
        uint8_t fu = (uint8_t)((i == 0 ? 0x80 : 0) | (i == 4 ? 0x40 : 0) | 19);
        cr_expect_eq(out.data[i][14], fu);
    }
    cr_expect_eq(out.len[4], 12u + 3 + 4998 - 4 * 1197);
}

Test(rtp_pack, h265_keyframe_sends_vps_sps_pps_first_in_one_ap)
{
    depack_init(VG_CODEC_H265);
    struct vg_rtp_param_sets ps;
    cr_assert_eq(vg_rtp_param_sets_from_config(VG_CODEC_H265, m720_hvcc, sizeof(m720_hvcc), &ps),
                 0);
    cr_assert_eq(ps.count, 3);
    struct vg_rtp_packer pk = packer(VG_CODEC_H265, 0, 0);
    struct vg_nal_ref nals[] = {NAL(m720_idr), NAL(m720_trail)};
    round_trip(&pk, nals, 2, true, &ps, 0);
    cr_assert_eq(out.n, 3);
    const uint8_t *ap = out.data[0] + 12;
    cr_expect_eq(ap[0], 48 << 1);
    cr_expect_eq(ap[1], 0x01);
    cr_expect_eq(ap[2] << 8 | ap[3], sizeof(m720_vps));
    cr_expect_arr_eq(ap + 4, m720_vps, sizeof(m720_vps));
}

Test(rtp_pack, h265_aggregation_header_takes_the_lowest_layer_and_tid)
{
    depack_init(VG_CODEC_H265);
    /* A VPS with TID 2 and layer 1, an SPS with TID 1 and layer 0. */
    static const uint8_t vps[] = {0x40, 0x0a, 0x0c, 0x01};
    static const uint8_t sps[] = {0x42, 0x01, 0x01, 0x01};
    struct vg_rtp_param_sets ps = {.nal = {NAL(vps), NAL(sps)}, .count = 2};
    struct vg_rtp_packer pk = packer(VG_CODEC_H265, 0, 0);
    struct vg_nal_ref nals[] = {NAL(m720_idr)};
    round_trip(&pk, nals, 1, true, &ps, 0);
    cr_expect_eq(out.data[0][12], 0x60);
    cr_expect_eq(out.data[0][13], 0x01);
}

/* ---------------------------------------------------------------- audio */

Test(rtp_pack, audio_frame_goes_as_is_without_marker)
{
    static const uint8_t pcma[160] = {0xd5, 0xd5, 0x55};
    struct vg_rtp_packer pk = packer(VG_CODEC_PCMA, 9, 0);
    pk.pt = 8;
    cr_assert_eq(vg_rtp_pack_frame(&pk, pcma, sizeof(pcma), true, NULL, 160, collect, &out), 1);
    struct vg_rtp_packet p;
    cr_assert_eq(vg_rtp_parse(out.data[0], out.len[0], &p), 0);
    cr_expect_eq(p.pt, 8);
    cr_expect_not(p.marker);
    cr_expect_eq(p.seq, 9);
    cr_expect_eq(p.payload_len, sizeof(pcma));
    cr_expect_arr_eq(p.payload, pcma, sizeof(pcma));
    cr_expect_eq(pk.seq, 10);

    static const uint8_t opus[] = {0xfc, 0xff, 0xfe};
    struct vg_rtp_packer op = packer(VG_CODEC_OPUS, 0, 0);
    cr_assert_eq(vg_rtp_pack_frame(&op, opus, sizeof(opus), false, NULL, 960, collect, &out), 1);
    cr_expect_arr_eq(out.data[1] + 12, opus, sizeof(opus));
}

Test(rtp_pack, audio_empty_or_over_budget_is_refused)
{
    static uint8_t frame[1300];
    struct vg_rtp_packer pk = packer(VG_CODEC_PCMU, 9, 0);
    cr_expect_eq(vg_rtp_pack_frame(&pk, frame, 0, false, NULL, 0, collect, &out), -EINVAL);
    cr_expect_eq(vg_rtp_pack_frame(&pk, frame, 1201, false, NULL, 0, collect, &out), -E2BIG);
    cr_expect_eq(vg_rtp_pack_frame(&pk, frame, 1200, false, NULL, 0, collect, &out), 1);
    cr_expect_eq(out.n, 1);
    cr_expect_eq(pk.seq, 10);
}

/* ---------------------------------------------------------------- refusals */

Test(rtp_pack, init_checks_codec_payload_type_and_budget)
{
    struct vg_rtp_packer p = {.seq = 77};
    cr_expect_eq(vg_rtp_packer_init(&p, VG_CODEC_AAC, 96, 1, 0, 0), -ENOTSUP);
    cr_expect_eq(vg_rtp_packer_init(&p, VG_CODEC_NONE, 96, 1, 0, 0), -ENOTSUP);
    cr_expect_eq(vg_rtp_packer_init(&p, VG_CODEC_H264, 128, 1, 0, 0), -EINVAL);
    cr_expect_eq(vg_rtp_packer_init(&p, VG_CODEC_H264, 96, 1, 0, VG_RTP_PAYLOAD_MIN - 1), -EINVAL);
    cr_expect_eq(vg_rtp_packer_init(&p, VG_CODEC_H264, 96, 1, 0, VG_RTP_PAYLOAD_MAX + 1), -EINVAL);
    cr_expect_eq(p.seq, 77, "untouched on failure");
    cr_assert_eq(vg_rtp_packer_init(&p, VG_CODEC_H265, 127, 5, 6, 0), 0);
    cr_expect_eq(p.max_payload, VG_RTP_PAYLOAD_DEFAULT);
    cr_assert_eq(vg_rtp_packer_init(&p, VG_CODEC_H264, 0, 5, 6, VG_RTP_PAYLOAD_MAX), 0);
}

static int pack(struct vg_rtp_packer *pk, const uint8_t *frame, size_t len, bool key,
                const struct vg_rtp_param_sets *ps)
{
    return vg_rtp_pack_frame(pk, frame, len, key, ps, 0, collect, &out);
}

Test(rtp_pack, damaged_frame_emits_nothing)
{
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 500, 0);
    uint8_t frame[64];
    struct vg_nal_ref nals[] = {NAL(base_idr), NAL(base_p)};
    size_t len = lp_frame(frame, sizeof(frame), nals, 2);
    /* Cut anywhere but after a whole unit. */
    for (size_t cut = 1; cut < len; cut++) {
        if (cut == 4 + sizeof(base_idr))
            continue;
        cr_expect_eq(pack(&pk, frame, cut, false, NULL), -EINVAL, "cut at %zu", cut);
    }
    /* A length one byte too long. */
    frame[4 + sizeof(base_idr) + 3]++;
    cr_expect_eq(pack(&pk, frame, len, false, NULL), -EINVAL);
    cr_expect_eq(out.n, 0);
    cr_expect_eq(pk.seq, 500);
}

Test(rtp_pack, reserved_nal_types_are_refused)
{
    struct vg_rtp_packer h264 = packer(VG_CODEC_H264, 0, 0);
    struct vg_rtp_packer h265 = packer(VG_CODEC_H265, 0, 0);
    uint8_t frame[16];
    for (unsigned type = 0; type < 32; type++) {
        uint8_t nal[2] = {(uint8_t)(0x60 | type), 0x80};
        struct vg_nal_ref n[] = {NAL(nal)};
        size_t len = lp_frame(frame, sizeof(frame), n, 1);
        int want = type == 0 || type >= 24 ? -EINVAL : 1;
        out.n = 0;
        cr_expect_eq(pack(&h264, frame, len, false, NULL), want, "H.264 type %u", type);
    }
    for (unsigned type = 0; type < 64; type++) {
        uint8_t nal[3] = {(uint8_t)(type << 1), 0x01, 0x80};
        struct vg_nal_ref n[] = {NAL(nal)};
        size_t len = lp_frame(frame, sizeof(frame), n, 1);
        int want = type >= 48 ? -EINVAL : 1;
        out.n = 0;
        cr_expect_eq(pack(&h265, frame, len, false, NULL), want, "H.265 type %u", type);
    }
    /* An H.265 unit shorter than its 2-byte header. */
    static const uint8_t one[] = {0, 0, 0, 1, 0x02};
    cr_expect_eq(pack(&h265, one, sizeof(one), false, NULL), -EINVAL);
}

Test(rtp_pack, frame_without_nal_units_emits_nothing)
{
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 3, 0);
    struct vg_rtp_param_sets ps = {.nal = {NAL(base_sps), NAL(base_pps)}, .count = 2};
    static const uint8_t empty_units[] = {0, 0, 0, 0, 0, 0, 0, 0};
    cr_expect_eq(pack(&pk, empty_units, sizeof(empty_units), true, &ps), 0);
    cr_expect_eq(pack(&pk, NULL, 0, true, &ps), 0);
    cr_expect_eq(out.n, 0);
    cr_expect_eq(pk.seq, 3);
}

Test(rtp_pack, parameter_set_over_the_budget_is_e2big)
{
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 3, 20);
    struct vg_rtp_param_sets ps = {.nal = {NAL(base_sps), NAL(base_pps)}, .count = 2};
    uint8_t frame[32];
    struct vg_nal_ref nals[] = {NAL(base_idr)};
    size_t len = lp_frame(frame, sizeof(frame), nals, 1);
    cr_expect_eq(pack(&pk, frame, len, true, &ps), -E2BIG); /* the SPS is 25 bytes */
    cr_expect_eq(out.n, 0);
    /* Not a keyframe: the parameter sets are not needed. */
    cr_expect_eq(pack(&pk, frame, len, false, &ps), 1);
    struct vg_rtp_param_sets bad = {.nal = {{base_sps, 0}}, .count = 1};
    cr_expect_eq(pack(&pk, frame, len, true, &bad), -EINVAL);
    bad.count = VG_RTP_PARAM_SETS_MAX + 1;
    cr_expect_eq(pack(&pk, frame, len, true, &bad), -EINVAL);
}

Test(rtp_pack, frame_over_the_cap_is_e2big)
{
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 3, 0);
    /* Refused on its length alone: the bytes are never read. */
    cr_expect_eq(pack(&pk, big, (size_t)VG_RTP_FRAME_MAX + 1, false, NULL), -E2BIG);
}

Test(rtp_pack, emit_error_stops_the_unit_and_is_returned)
{
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 10, 0);
    static uint8_t frame[BIG + 4];
    big[0] = 0x65;
    fill(big + 1, BIG - 1, 1);
    struct vg_nal_ref nals[] = {{big, BIG}};
    size_t len = lp_frame(frame, sizeof(frame), nals, 1);
    emit_result = -EPIPE;
    cr_expect_eq(pack(&pk, frame, len, false, NULL), -EPIPE);
    cr_expect_eq(out.n, 1);
    cr_expect_eq(pk.seq, 10, "the refused packet does not count");
}

/* ---------------------------------------------------------------- rewrite */

Test(rtp_pack, rewrite_patches_payload_type_sequence_and_ssrc_only)
{
    struct vg_rtp_packer pk = packer(VG_CODEC_H264, 10, 0);
    struct vg_nal_ref nals[] = {NAL(base_p)};
    uint8_t frame[32];
    size_t len = lp_frame(frame, sizeof(frame), nals, 1);
    cr_assert_eq(pack(&pk, frame, len, false, NULL), 1);
    uint8_t copy[VG_RTP_PACKET_MAX];
    memcpy(copy, out.data[0], out.len[0]);
    vg_rtp_rewrite(copy, 102, 0xbeef, 0xcafef00d);
    struct vg_rtp_packet p;
    cr_assert_eq(vg_rtp_parse(copy, out.len[0], &p), 0);
    cr_expect_eq(p.pt, 102);
    cr_expect(p.marker);
    cr_expect_eq(p.seq, 0xbeef);
    cr_expect_eq(p.ssrc, 0xcafef00d);
    cr_expect_eq(p.ts, 0);
    cr_expect_eq(p.payload_len, sizeof(base_p));
    cr_expect_arr_eq(p.payload, base_p, sizeof(base_p));
    cr_expect_eq(copy[0], out.data[0][0]);
    cr_expect_arr_eq(copy + VG_RTP_OFF_TS, out.data[0] + VG_RTP_OFF_TS, 4);
}

/* ---------------------------------------------------------------- config */

Test(rtp_pack, param_sets_from_avcc_are_sps_then_pps_inside_the_record)
{
    struct vg_rtp_param_sets ps;
    cr_assert_eq(vg_rtp_param_sets_from_config(VG_CODEC_H264, base_avcc, sizeof(base_avcc), &ps),
                 0);
    cr_assert_eq(ps.count, 2);
    cr_expect_eq(ps.nal[0].len, sizeof(base_sps));
    cr_expect_arr_eq(ps.nal[0].base, base_sps, sizeof(base_sps));
    cr_expect_eq(ps.nal[1].len, sizeof(base_pps));
    cr_expect_arr_eq(ps.nal[1].base, base_pps, sizeof(base_pps));
    cr_expect(ps.nal[0].base > base_avcc && ps.nal[1].base < base_avcc + sizeof(base_avcc));
}

Test(rtp_pack, param_sets_from_hvcc_come_vps_sps_pps_whatever_the_array_order)
{
    struct vg_rtp_param_sets ps;
    cr_assert_eq(vg_rtp_param_sets_from_config(VG_CODEC_H265, tl_hvcc, sizeof(tl_hvcc), &ps), 0);
    cr_assert_eq(ps.count, 3);
    cr_expect_arr_eq(ps.nal[0].base, tl_vps, sizeof(tl_vps));
    cr_expect_arr_eq(ps.nal[2].base, m720_pps, sizeof(m720_pps));

    /* Arrays reordered PPS, SEI, SPS, VPS. */
    static const uint8_t vps[] = {0x40, 0x01, 0xaa};
    static const uint8_t sps[] = {0x42, 0x01, 0xbb};
    static const uint8_t pps[] = {0x44, 0x01, 0xcc};
    uint8_t rec[64] = {1};
    size_t n = 22;
    rec[n++] = 4;
    const struct {
        uint8_t type;
        const uint8_t *nal;
    } arrays[] = {{34, pps}, {39, pps}, {33, sps}, {32, vps}};
    for (size_t i = 0; i < 4; i++) {
        rec[n++] = (uint8_t)(0x80 | arrays[i].type);
        rec[n++] = 0;
        rec[n++] = 1;
        rec[n++] = 0;
        rec[n++] = 3;
        memcpy(rec + n, arrays[i].nal, 3);
        n += 3;
    }
    cr_assert_eq(vg_rtp_param_sets_from_config(VG_CODEC_H265, rec, n, &ps), 0);
    cr_assert_eq(ps.count, 3);
    cr_expect_arr_eq(ps.nal[0].base, vps, 3);
    cr_expect_arr_eq(ps.nal[1].base, sps, 3);
    cr_expect_arr_eq(ps.nal[2].base, pps, 3);
}

Test(rtp_pack, param_sets_from_damaged_config_are_refused)
{
    struct vg_rtp_param_sets ps = {.count = 99};
    for (size_t cut = 0; cut < sizeof(base_avcc); cut++)
        cr_expect_eq(vg_rtp_param_sets_from_config(VG_CODEC_H264, base_avcc, cut, &ps), -EINVAL,
                     "avcC cut at %zu", cut);
    for (size_t cut = 0; cut < sizeof(m720_hvcc); cut++)
        cr_expect_eq(vg_rtp_param_sets_from_config(VG_CODEC_H265, m720_hvcc, cut, &ps), -EINVAL,
                     "hvcC cut at %zu", cut);
    cr_expect_eq(ps.count, 99, "untouched on failure");
    uint8_t v2[sizeof(base_avcc)];
    memcpy(v2, base_avcc, sizeof(v2));
    v2[0] = 2;
    cr_expect_eq(vg_rtp_param_sets_from_config(VG_CODEC_H264, v2, sizeof(v2), &ps), -EINVAL);
    cr_expect_eq(vg_rtp_param_sets_from_config(VG_CODEC_AAC, v2, sizeof(v2), &ps), -ENOTSUP);
    /* No PPS. */
    static const uint8_t no_pps[] = {1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 2, 0x67, 0x42, 0};
    cr_expect_eq(vg_rtp_param_sets_from_config(VG_CODEC_H264, no_pps, sizeof(no_pps), &ps),
                 -EINVAL);
    /* 31 SPSs: more than fit. */
    uint8_t many[6 + 31 * 4 + 5] = {1, 0x42, 0xc0, 0x1e, 0xff, 0xe0 | 31};
    size_t n = 6;
    for (size_t i = 0; i < 31; i++) {
        const uint8_t entry[] = {0, 2, 0x67, 0x42};
        memcpy(many + n, entry, 4);
        n += 4;
    }
    const uint8_t pps_list[] = {1, 0, 2, 0x68, 0xce};
    memcpy(many + n, pps_list, sizeof(pps_list));
    n += sizeof(pps_list);
    cr_expect_eq(vg_rtp_param_sets_from_config(VG_CODEC_H264, many, n, &ps), -E2BIG);
}

/* ---------------------------------------------------------------- FFmpeg */

/* What libavformat's rtp muxer wrote: one packet per write callback, since
 * it flushes after each and its buffer is bigger than a packet. */
#if LIBAVFORMAT_VERSION_MAJOR >= 61
static int ff_write(void *opaque, const uint8_t *buf, int size)
#else
static int ff_write(void *opaque, uint8_t *buf, int size)
#endif
{
    struct pkts *p = opaque;
    cr_assert_lt(p->n, MAX_PKTS);
    cr_assert_geq(size, 12);
    cr_assert_leq((size_t)size, VG_RTP_PACKET_MAX);
    memcpy(p->data[p->n], buf, (size_t)size);
    p->len[p->n] = (size_t)size;
    p->marker[p->n] = (buf[1] & 0x80) != 0;
    p->n++;
    return size;
}

/* Packs a length-prefixed access unit with libavformat's RTP muxer. config is
 * the avcC / hvcC record: it tells the muxer the units are length-prefixed. */
static void ffmpeg_pack(enum AVCodecID id, const uint8_t *config, size_t config_len,
                        const uint8_t *frame, size_t len, bool key, struct pkts *ret)
{
    AVFormatContext *oc = NULL;
    AVDictionary *opts = NULL;
    AVPacket *pkt = av_packet_alloc();
    uint8_t *iobuf = av_malloc(4 * VG_RTP_PACKET_MAX);
    cr_assert(pkt && iobuf);
    av_log_set_level(AV_LOG_ERROR);
    cr_assert_geq(avformat_alloc_output_context2(&oc, NULL, "rtp", NULL), 0);
    AVStream *st = avformat_new_stream(oc, NULL);
    cr_assert_not_null(st);
    st->time_base = (AVRational){1, 90000};
    st->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    st->codecpar->codec_id = id;
    st->codecpar->width = 640; /* checked for presence only */
    st->codecpar->height = 360;
    st->codecpar->extradata = av_mallocz(config_len + AV_INPUT_BUFFER_PADDING_SIZE);
    cr_assert_not_null(st->codecpar->extradata);
    memcpy(st->codecpar->extradata, config, config_len);
    st->codecpar->extradata_size = (int)config_len;
    oc->pb = avio_alloc_context(iobuf, 4 * VG_RTP_PACKET_MAX, 1, ret, NULL, ff_write, NULL);
    cr_assert_not_null(oc->pb);
    oc->packet_size = 12 + VG_RTP_PAYLOAD_DEFAULT;
    av_dict_set(&opts, "rtpflags", "skip_rtcp", 0);
    cr_assert_eq(avformat_write_header(oc, &opts), 0);
    av_dict_free(&opts);
    cr_assert_eq(av_new_packet(pkt, (int)len), 0);
    memcpy(pkt->data, frame, len);
    pkt->pts = pkt->dts = 0;
    pkt->stream_index = 0;
    pkt->flags = key ? AV_PKT_FLAG_KEY : 0;
    cr_assert_eq(av_write_frame(oc, pkt), 0);
    cr_assert_eq(av_write_trailer(oc), 0);
    av_packet_free(&pkt);
    av_freep(&oc->pb->buffer);
    avio_context_free(&oc->pb);
    avformat_free_context(oc);
}

/* Ours and FFmpeg's for one unit: ps (ours) travel in band for FFmpeg. */
static void compare_with_ffmpeg(enum vg_codec codec, const uint8_t *config, size_t config_len,
                                const struct vg_nal_ref *nals, size_t n, bool key)
{
    static uint8_t frame[4 * BIG], ff_frame[4 * BIG];
    static struct pkts ff;
    struct vg_rtp_param_sets ps;
    struct vg_nal_ref all[8];
    memset(&ff, 0, sizeof(ff));
    cr_assert_eq(vg_rtp_param_sets_from_config(codec, config, config_len, &ps), 0);
    cr_assert_leq(ps.count + n, 8);
    size_t k = 0;
    for (size_t i = 0; key && i < ps.count; i++)
        all[k++] = ps.nal[i];
    for (size_t i = 0; i < n; i++)
        all[k++] = nals[i];
    size_t len = lp_frame(frame, sizeof(frame), nals, n);
    size_t ff_len = lp_frame(ff_frame, sizeof(ff_frame), all, k);

    struct vg_rtp_packer pk = packer(codec, 0, 0);
    cr_assert_geq(vg_rtp_pack_frame(&pk, frame, len, key, &ps, 0, collect, &out), 1);
    ffmpeg_pack(codec == VG_CODEC_H264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC, config, config_len,
                ff_frame, ff_len, key, &ff);

    cr_assert_eq(out.n, ff.n, "%zu packets here, %zu from FFmpeg", out.n, ff.n);
    for (size_t i = 0; i < out.n; i++) {
        cr_expect_eq(out.len[i], ff.len[i], "packet %zu: %zu bytes here, %zu from FFmpeg", i,
                     out.len[i], ff.len[i]);
        cr_expect_eq(out.marker[i], ff.marker[i], "packet %zu: marker", i);
        if (out.len[i] != ff.len[i])
            continue;
        const uint8_t *a = out.data[i] + 12, *b = ff.data[i] + 12;
        size_t skip = 0;
        if (codec == VG_CODEC_H264 && (a[0] & 0x1f) == 24) {
            cr_expect_eq(b[0] & 0x1f, 24, "packet %zu: STAP-A", i);
            skip = 1; /* FFmpeg's NRI 0 there, ours the highest inside */
        }
        cr_expect_eq(memcmp(a + skip, b + skip, out.len[i] - 12 - skip), 0,
                     "packet %zu: payloads differ", i);
    }
}

Test(rtp_pack, h264_like_ffmpeg_single_nal_unit)
{
    struct vg_nal_ref nals[] = {NAL(base_p)};
    compare_with_ffmpeg(VG_CODEC_H264, base_avcc, sizeof(base_avcc), nals, 1, false);
    cr_expect_eq(out.n, 1);
}

Test(rtp_pack, h264_like_ffmpeg_fu_a_of_5000_bytes)
{
    big[0] = 0x41;
    fill(big + 1, BIG - 1, 21);
    struct vg_nal_ref nals[] = {{big, BIG}};
    compare_with_ffmpeg(VG_CODEC_H264, base_avcc, sizeof(base_avcc), nals, 1, false);
    cr_expect_eq(out.n, 5);
}

Test(rtp_pack, h264_like_ffmpeg_keyframe_with_parameter_sets)
{
    big[0] = 0x65;
    fill(big + 1, BIG - 1, 22);
    struct vg_nal_ref nals[] = {{big, BIG}};
    compare_with_ffmpeg(VG_CODEC_H264, base_avcc, sizeof(base_avcc), nals, 1, true);
    cr_expect_eq(out.n, 6);
}

Test(rtp_pack, h265_like_ffmpeg_single_nal_unit)
{
    struct vg_nal_ref nals[] = {NAL(m720_trail)};
    compare_with_ffmpeg(VG_CODEC_H265, m720_hvcc, sizeof(m720_hvcc), nals, 1, false);
    cr_expect_eq(out.n, 1);
}

Test(rtp_pack, h265_like_ffmpeg_fu_of_5000_bytes)
{
    big[0] = 0x02;
    big[1] = 0x01;
    fill(big + 2, BIG - 2, 23);
    struct vg_nal_ref nals[] = {{big, BIG}};
    compare_with_ffmpeg(VG_CODEC_H265, m720_hvcc, sizeof(m720_hvcc), nals, 1, false);
    cr_expect_eq(out.n, 5);
}

Test(rtp_pack, h265_like_ffmpeg_keyframe_with_parameter_sets)
{
    big[0] = 0x26;
    big[1] = 0x01;
    fill(big + 2, BIG - 2, 24);
    struct vg_nal_ref nals[] = {{big, BIG}};
    compare_with_ffmpeg(VG_CODEC_H265, m720_hvcc, sizeof(m720_hvcc), nals, 1, true);
    cr_expect_eq(out.n, 6);
}
