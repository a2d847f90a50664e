/* RTP payloads to access units: H.264 single NAL / STAP-A / FU-A, H.265
 * single / AP / FU, AAC AU headers (several AUs, fragments), G.711, unit
 * boundaries (marker, timestamp change), loss and damage (drop until a
 * keyframe, counted), limits, and the fmtp helpers (sprop-parameter-sets,
 * AAC config). The round trip packetizes Annex B access units the way
 * cameras do (single NAL up to 1200 bytes, FU-A beyond) and expects the
 * same bytes back. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/nal.h"
#include "proto/rtp_depack.h"

#include "../media/h264_vectors.h"
/* Both vector files have a high_sps; the H.265 one is not used here. */
#define high_sps h265_high_sps_unused
#include "../media/h265_vectors.h"
#undef high_sps

#define MAX_UNITS 64

struct unit {
    uint8_t *data;
    size_t len;
    uint32_t ts;
};

static struct vg_rtp_depack d;
static struct unit units[MAX_UNITS];
static size_t n_units;
static uint16_t seq;
static int emit_result; /* what collect() returns */

static int collect(void *arg, const uint8_t *data, size_t len, uint32_t ts)
{
    (void)arg;
    cr_assert_lt(n_units, MAX_UNITS);
    units[n_units].data = malloc(len ? len : 1);
    cr_assert_not_null(units[n_units].data);
    memcpy(units[n_units].data, data, len);
    units[n_units].len = len;
    units[n_units].ts = ts;
    n_units++;
    return emit_result;
}

static void setup(void)
{
    memset(&d, 0, sizeof(d));
    n_units = 0;
    seq = 1000;
    emit_result = 0;
}

static void teardown(void)
{
    for (size_t i = 0; i < n_units; i++)
        free(units[i].data);
    vg_rtp_depack_done(&d);
}

TestSuite(rtp_depack, .init = setup, .fini = teardown);

static struct vg_span span(const char *s)
{
    return (struct vg_span){s, strlen(s)};
}

static void init(enum vg_codec codec, const char *fmtp)
{
    cr_assert_eq(vg_rtp_depack_init(&d, codec, span(fmtp)), 0);
}

/* Feeds one packet with the next sequence number. */
static int push(const uint8_t *payload, size_t len, uint32_t ts, bool marker)
{
    struct vg_rtp_packet p = {
        .pt = 96, .marker = marker, .seq = seq++, .ts = ts, .payload = payload, .payload_len = len};
    return vg_rtp_depack_push(&d, &p, collect, NULL);
}

#define PUSH(arr, ts, marker) push(arr, sizeof(arr), ts, marker)

/* 00 00 00 01 + nal, for comparing with what comes out. */
static size_t annexb(uint8_t *out, const uint8_t *nal, size_t len)
{
    memcpy(out, "\0\0\0\1", 4);
    memcpy(out + 4, nal, len);
    return 4 + len;
}

static void expect_unit(size_t i, const uint8_t *data, size_t len, uint32_t ts)
{
    cr_assert_lt(i, n_units, "unit %zu not emitted", i);
    cr_expect_eq(units[i].len, len, "unit %zu is %zu bytes, not %zu", i, units[i].len, len);
    cr_expect_eq(units[i].ts, ts);
    if (units[i].len == len)
        cr_expect_eq(memcmp(units[i].data, data, len), 0, "unit %zu differs", i);
}

/* ---------------------------------------------------------------- H.264 */

Test(rtp_depack, h264_single_nal_unit_becomes_annexb_unit)
{
    init(VG_CODEC_H264, "packetization-mode=1");
    cr_assert_eq(PUSH(base_idr, 3000, true), 0);
    uint8_t want[64];
    size_t n = annexb(want, base_idr, sizeof(base_idr));
    cr_assert_eq(n_units, 1);
    expect_unit(0, want, n, 3000);
}

Test(rtp_depack, padding_alone_is_neither_a_loss_nor_a_unit)
{
    init(VG_CODEC_H264, "packetization-mode=1");
    cr_assert_eq(PUSH(base_idr, 3000, true), 0);
    cr_assert_eq(push(base_idr, 0, 3000, false), 0); /* a bandwidth probe: padding only */
    cr_assert_eq(PUSH(base_p, 6000, true), 0);
    cr_expect_eq(n_units, 2);
    cr_expect_eq(d.lost_packets, 0);
    cr_expect_not(d.wait_key);
}

Test(rtp_depack, opus_packets_are_frames)
{
    init(VG_CODEC_OPUS, "minptime=10;useinbandfec=1");
    const uint8_t a[] = {0xfc, 1, 2}, b[] = {0xfc, 3};
    cr_assert_eq(PUSH(a, 960, true), 0);
    cr_assert_eq(PUSH(b, 1920, true), 0);
    cr_assert_eq(n_units, 2);
    expect_unit(0, a, sizeof(a), 960);
    expect_unit(1, b, sizeof(b), 1920);
}

Test(rtp_depack, h264_stap_a_becomes_one_unit_with_every_nal)
{
    init(VG_CODEC_H264, "");
    uint8_t stap[128], want[128];
    size_t n = 0, w = 0;
    stap[n++] = 0x78; /* NRI 3, type 24 */
    const uint8_t *nals[] = {base_sps, base_pps, base_idr};
    size_t lens[] = {sizeof(base_sps), sizeof(base_pps), sizeof(base_idr)};
    for (size_t i = 0; i < 3; i++) {
        stap[n++] = (uint8_t)(lens[i] >> 8);
        stap[n++] = (uint8_t)lens[i];
        memcpy(stap + n, nals[i], lens[i]);
        n += lens[i];
        w += annexb(want + w, nals[i], lens[i]);
    }
    cr_assert_eq(push(stap, n, 90000, true), 0);
    cr_assert_eq(n_units, 1);
    expect_unit(0, want, w, 90000);
}

Test(rtp_depack, h264_stap_a_with_bad_sizes_is_damage)
{
    init(VG_CODEC_H264, "");
    const uint8_t past_end[] = {0x78, 0x00, 0x09, 0x67, 0x42};
    const uint8_t zero_size[] = {0x78, 0x00, 0x00, 0x00, 0x01, 0x68};
    const uint8_t cut_size[] = {0x78, 0x00, 0x01, 0x68, 0x00};
    const uint8_t empty[] = {0x78};
    cr_expect_eq(PUSH(past_end, 1, true), -EINVAL);
    cr_expect_eq(PUSH(zero_size, 2, true), -EINVAL);
    cr_expect_eq(PUSH(cut_size, 3, true), -EINVAL);
    cr_expect_eq(PUSH(empty, 4, true), -EINVAL);
    cr_expect_eq(n_units, 0);
    cr_expect_eq(d.dropped_units, 4);
}

/* Splits nal into FU-A payloads of at most chunk data bytes. */
static size_t fu_a(const uint8_t *nal, size_t len, size_t chunk, uint8_t out[][1500],
                   size_t *out_len, size_t max)
{
    size_t n = 0;
    for (size_t off = 1; off < len; off += chunk) {
        cr_assert_lt(n, max);
        size_t take = len - off < chunk ? len - off : chunk;
        out[n][0] = (uint8_t)((nal[0] & 0xe0) | 28);
        out[n][1] = (uint8_t)(nal[0] & 0x1f);
        if (off == 1)
            out[n][1] |= 0x80;
        if (off + take == len)
            out[n][1] |= 0x40;
        memcpy(out[n] + 2, nal + off, take);
        out_len[n] = 2 + take;
        n++;
    }
    return n;
}

static uint8_t big_idr[3000];

static void fill(uint8_t *buf, size_t len, uint8_t header, uint32_t seed)
{
    buf[0] = header;
    for (size_t i = 1; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16) | 1; /* never 00, as in an escaped NAL unit */
    }
}

Test(rtp_depack, h264_fu_a_across_three_packets_rebuilds_the_nal_header)
{
    init(VG_CODEC_H264, "packetization-mode=1");
    fill(big_idr, sizeof(big_idr), 0x65, 1);
    uint8_t pkts[3][1500];
    size_t lens[3];
    cr_assert_eq(fu_a(big_idr, sizeof(big_idr), 1200, pkts, lens, 3), 3);
    cr_expect_eq(pkts[0][0], 0x7c); /* NRI 3, FU-A */
    cr_expect_eq(pkts[0][1], 0x85); /* S, IDR */
    cr_expect_eq(pkts[2][1], 0x45); /* E, IDR */
    cr_assert_eq(push(pkts[0], lens[0], 7, false), 0);
    cr_assert_eq(push(pkts[1], lens[1], 7, false), 0);
    cr_expect_eq(n_units, 0);
    cr_assert_eq(push(pkts[2], lens[2], 7, true), 0);
    static uint8_t want[sizeof(big_idr) + 4];
    size_t n = annexb(want, big_idr, sizeof(big_idr));
    cr_assert_eq(n_units, 1);
    expect_unit(0, want, n, 7);
    cr_expect_eq(units[0].data[4], 0x65);
}

Test(rtp_depack, h264_marker_ends_the_unit)
{
    init(VG_CODEC_H264, "");
    cr_assert_eq(PUSH(base_sps, 100, false), 0);
    cr_assert_eq(PUSH(base_pps, 100, false), 0);
    cr_expect_eq(n_units, 0);
    cr_assert_eq(PUSH(base_idr, 100, true), 0);
    cr_assert_eq(n_units, 1);
    uint8_t want[128];
    size_t w = annexb(want, base_sps, sizeof(base_sps));
    w += annexb(want + w, base_pps, sizeof(base_pps));
    w += annexb(want + w, base_idr, sizeof(base_idr));
    expect_unit(0, want, w, 100);
    cr_assert_eq(PUSH(base_p, 3700, true), 0);
    cr_expect_eq(n_units, 2);
}

Test(rtp_depack, h264_timestamp_change_ends_the_unit_without_marker)
{
    init(VG_CODEC_H264, "");
    cr_assert_eq(PUSH(base_idr, 100, false), 0);
    cr_expect_eq(n_units, 0);
    cr_assert_eq(PUSH(base_p, 3700, false), 0);
    cr_assert_eq(n_units, 1);
    uint8_t want[64];
    expect_unit(0, want, annexb(want, base_idr, sizeof(base_idr)), 100);
    cr_assert_eq(PUSH(base_p, 7300, false), 0);
    cr_assert_eq(n_units, 2);
    expect_unit(1, want, annexb(want, base_p, sizeof(base_p)), 3700);
    cr_expect_eq(d.dropped_units, 0);
}

Test(rtp_depack, h264_loss_inside_fu_a_drops_until_the_next_idr)
{
    init(VG_CODEC_H264, "packetization-mode=1");
    cr_assert_eq(PUSH(base_idr, 0, true), 0);
    cr_assert_eq(n_units, 1);

    static uint8_t big_p[3000];
    fill(big_p, sizeof(big_p), 0x41, 2);
    uint8_t pkts[3][1500];
    size_t lens[3];
    cr_assert_eq(fu_a(big_p, sizeof(big_p), 1200, pkts, lens, 3), 3);
    cr_assert_eq(push(pkts[0], lens[0], 3600, false), 0);
    seq++; /* the middle fragment is lost */
    cr_assert_eq(push(pkts[2], lens[2], 3600, true), 0);
    cr_expect_eq(d.lost_packets, 1);
    cr_expect_eq(n_units, 1);
    cr_expect(d.wait_key);

    /* Whole, but it refers to the lost picture. */
    cr_assert_eq(PUSH(base_p, 7200, true), 0);
    cr_expect_eq(n_units, 1);
    /* Parameter sets alone pass: the IDR that follows will need them. */
    cr_assert_eq(PUSH(base_sps, 10800, true), 0);
    cr_expect_eq(n_units, 2);
    cr_expect(d.wait_key);
    cr_assert_eq(PUSH(base_idr, 10800, true), 0);
    cr_expect_eq(n_units, 3);
    cr_expect_not(d.wait_key);
    cr_assert_eq(PUSH(base_p, 14400, true), 0);
    cr_expect_eq(n_units, 4);
    cr_expect_eq(d.dropped_units, 2);
    cr_expect_eq(d.lost_packets, 1);
}

Test(rtp_depack, h264_loss_before_a_first_slice_keeps_that_unit)
{
    init(VG_CODEC_H264, "");
    cr_assert_eq(PUSH(base_p, 0, true), 0);
    seq += 3; /* a whole P frame lost */
    /* base_idr's first_mb_in_slice is 0 (0x88: first bit 1): a picture starts here. */
    cr_assert_eq(PUSH(base_idr, 7200, true), 0);
    cr_expect_eq(n_units, 2);
    cr_expect_eq(d.lost_packets, 3);
    cr_expect_eq(d.dropped_units, 0);
    cr_expect_not(d.wait_key);
}

Test(rtp_depack, h264_loss_before_a_later_slice_skips_that_unit)
{
    init(VG_CODEC_H264, "");
    cr_assert_eq(PUSH(base_p, 0, true), 0);
    seq++;
    /* An IDR slice with first_mb_in_slice != 0: its picture's first slice was lost. */
    const uint8_t second_slice[] = {0x65, 0x44, 0x22, 0x11};
    cr_assert_eq(PUSH(second_slice, 3600, false), 0);
    cr_assert_eq(PUSH(second_slice, 3600, true), 0);
    cr_expect_eq(n_units, 1);
    cr_expect_eq(d.dropped_units, 1);
    cr_assert_eq(PUSH(base_idr, 7200, true), 0);
    cr_expect_eq(n_units, 2);
}

Test(rtp_depack, h264_loss_before_stap_a_with_sps_keeps_that_unit)
{
    init(VG_CODEC_H264, "");
    cr_assert_eq(PUSH(base_idr, 0, true), 0);
    seq += 2;
    uint8_t stap[64];
    size_t n = 0;
    stap[n++] = 0x78;
    stap[n++] = 0;
    stap[n++] = sizeof(base_sps);
    memcpy(stap + n, base_sps, sizeof(base_sps));
    n += sizeof(base_sps);
    cr_assert_eq(push(stap, n, 7200, false), 0);
    cr_assert_eq(PUSH(base_idr, 7200, true), 0);
    cr_expect_eq(n_units, 2);
    cr_expect_eq(d.dropped_units, 0);
    cr_expect_not(d.wait_key);
}

Test(rtp_depack, h264_loss_before_fu_a_keeps_it_only_from_a_first_slice_start)
{
    init(VG_CODEC_H264, "");
    cr_assert_eq(PUSH(base_idr, 0, true), 0);
    fill(big_idr, sizeof(big_idr), 0x65, 3);
    big_idr[1] = 0x88; /* first_mb_in_slice 0 */
    uint8_t pkts[3][1500];
    size_t lens[3];
    cr_assert_eq(fu_a(big_idr, sizeof(big_idr), 1200, pkts, lens, 3), 3);
    /* Lost before a middle fragment: its unit is skipped. */
    seq++;
    cr_assert_eq(push(pkts[1], lens[1], 3600, false), 0);
    cr_assert_eq(push(pkts[2], lens[2], 3600, true), 0);
    cr_expect_eq(n_units, 1);
    cr_expect_eq(d.dropped_units, 1);
    /* Lost before a start fragment of a first slice: kept. */
    seq++;
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(push(pkts[i], lens[i], 7200, i == 2), 0);
    cr_expect_eq(n_units, 2);
    cr_expect_eq(d.dropped_units, 1);
    cr_expect_eq(d.lost_packets, 2);
}

Test(rtp_depack, h264_fu_end_without_start_is_damage)
{
    init(VG_CODEC_H264, "");
    const uint8_t end[] = {0x7c, 0x45, 1, 2, 3};
    const uint8_t middle[] = {0x7c, 0x05, 1, 2, 3};
    cr_expect_eq(PUSH(middle, 10, false), -EINVAL);
    /* The rest of that unit is skipped quietly. */
    cr_expect_eq(PUSH(end, 10, true), 0);
    cr_expect_eq(n_units, 0);
    cr_expect_eq(d.dropped_units, 1);
    cr_expect(d.wait_key);
    cr_expect_eq(PUSH(end, 20, true), -EINVAL);
    cr_expect_eq(d.dropped_units, 2);
}

Test(rtp_depack, h264_fu_start_while_another_is_open_is_damage)
{
    init(VG_CODEC_H264, "");
    const uint8_t start[] = {0x7c, 0x85, 0x88, 2, 3};
    cr_assert_eq(PUSH(start, 10, false), 0);
    cr_expect_eq(PUSH(start, 10, false), -EINVAL);
    cr_expect_eq(d.dropped_units, 1);
    /* A single NAL unit inside an open FU is damage as well. */
    cr_assert_eq(PUSH(start, 20, false), 0);
    cr_expect_eq(PUSH(base_sps, 20, false), -EINVAL);
    /* And a marker on a fragment that is not the end. */
    cr_assert_eq(PUSH(start, 30, true), -EINVAL);
    cr_expect_eq(n_units, 0);
    cr_expect_eq(d.dropped_units, 3);
}

Test(rtp_depack, h264_timestamp_change_inside_fu_drops_the_unit)
{
    init(VG_CODEC_H264, "");
    const uint8_t start[] = {0x7c, 0x85, 0x88, 2, 3};
    cr_assert_eq(PUSH(start, 10, false), 0);
    cr_assert_eq(PUSH(base_idr, 20, true), 0);
    cr_assert_eq(n_units, 1);
    cr_expect_eq(units[0].ts, 20);
    cr_expect_eq(d.dropped_units, 1);
}

Test(rtp_depack, h264_interleaved_packet_types_are_unsupported)
{
    init(VG_CODEC_H264, "packetization-mode=1");
    const uint8_t types[] = {25, 26, 27, 29};
    for (size_t i = 0; i < sizeof(types); i++) {
        const uint8_t pkt[] = {(uint8_t)(0x60 | types[i]), 0x00, 0x04, 0x67, 0x42, 0x00, 0x1e};
        cr_expect_eq(PUSH(pkt, 100 * (i + 1), true), -EINVAL, "type %u", types[i]);
    }
    cr_expect_eq(n_units, 0);
    cr_expect_eq(d.dropped_units, 4);
}

Test(rtp_depack, h264_undefined_types_are_ignored)
{
    init(VG_CODEC_H264, "");
    const uint8_t t0[] = {0x00, 1}, t30[] = {0x1e, 1}, t31[] = {0x1f, 1};
    cr_expect_eq(PUSH(t0, 1, false), 0);
    cr_expect_eq(PUSH(t30, 1, false), 0);
    cr_expect_eq(PUSH(base_idr, 1, false), 0);
    cr_expect_eq(PUSH(t31, 1, true), 0);
    cr_assert_eq(n_units, 1);
    uint8_t want[64];
    expect_unit(0, want, annexb(want, base_idr, sizeof(base_idr)), 1);
    cr_expect_eq(push(NULL, 0, 2, true), 0); /* padding only */
    cr_expect_eq(n_units, 1);
}

Test(rtp_depack, h264_packetization_mode_2_is_not_supported)
{
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_H264, span("packetization-mode=2")), -ENOTSUP);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_H264, span("packetization-mode=x")), -EINVAL);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_H264, span("packetization-mode=0")), 0);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_NONE, span("")), -ENOTSUP);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_NONE, span("")), -ENOTSUP);
}

Test(rtp_depack, duplicates_are_ignored_and_a_restart_resynchronizes)
{
    init(VG_CODEC_H264, "");
    cr_assert_eq(PUSH(base_idr, 0, true), 0);
    seq--;
    cr_assert_eq(PUSH(base_idr, 0, true), 0); /* the same packet again */
    cr_expect_eq(n_units, 1);
    cr_expect_eq(d.lost_packets, 0);
    seq = 20000; /* the camera restarted with a new sequence */
    cr_assert_eq(PUSH(base_idr, 50000, true), 0);
    cr_expect_eq(n_units, 2);
    cr_assert_eq(PUSH(base_p, 53600, true), 0);
    cr_expect_eq(n_units, 3);
}

Test(rtp_depack, sequence_wraps_without_loss)
{
    init(VG_CODEC_H264, "");
    seq = 0xfffe;
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(PUSH(i == 0 ? base_idr : base_p, 3600 * i, true), 0);
    cr_expect_eq(n_units, 4);
    cr_expect_eq(d.lost_packets, 0);
}

Test(rtp_depack, emit_error_stops_and_is_passed_on)
{
    init(VG_CODEC_H264, "");
    emit_result = -ECANCELED;
    cr_expect_eq(PUSH(base_idr, 0, true), -ECANCELED);
    emit_result = 0;
    cr_expect_eq(PUSH(base_p, 3600, true), 0);
    cr_expect_eq(n_units, 2);
}

Test(rtp_depack, unit_past_the_limit_is_dropped_without_a_huge_allocation)
{
    init(VG_CODEC_H264, "");
    enum { CHUNK = 60000 };
    static uint8_t pkt[CHUNK + 2];
    memset(pkt + 2, 0xab, CHUNK);
    pkt[0] = 0x7c;
    size_t sent = 0;
    int r = 0;
    unsigned i;
    for (i = 0; sent <= VG_RTP_UNIT_MAX + (size_t)CHUNK; i++) {
        pkt[1] = i == 0 ? 0x85 : 0x05;
        r = push(pkt, sizeof(pkt), 90, false);
        if (r != 0)
            break;
        sent += CHUNK;
    }
    cr_expect_eq(r, -E2BIG);
    cr_expect_leq(d.cap, VG_RTP_UNIT_MAX);
    cr_expect_eq(d.dropped_units, 1);
    /* The rest of it is skipped quietly, and the next unit is waited for. */
    pkt[1] = 0x05;
    cr_expect_eq(push(pkt, sizeof(pkt), 90, false), 0);
    pkt[1] = 0x45;
    cr_expect_eq(push(pkt, sizeof(pkt), 90, true), 0);
    cr_expect_eq(n_units, 0);
    cr_assert_eq(PUSH(base_idr, 180, true), 0);
    cr_expect_eq(n_units, 1);
}

/* Packetizes an Annex B access unit as cameras do (single NAL unit up to
 * mtu bytes, FU-A beyond) and feeds it; marker on the last packet. */
static void send_access_unit(const uint8_t *au, size_t len, uint32_t ts, size_t mtu)
{
    static uint8_t pkts[64][1500];
    size_t lens[64], n = 0, cursor = 0, start, nal_len;
    while (vg_nal_annexb_next(au, len, &cursor, &start, &nal_len) == 1) {
        if (nal_len <= mtu) {
            cr_assert_lt(n, 64);
            memcpy(pkts[n], au + start, nal_len);
            lens[n++] = nal_len;
        } else {
            n += fu_a(au + start, nal_len, mtu - 2, pkts + n, lens + n, 64 - n);
        }
    }
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(push(pkts[i], lens[i], ts, i + 1 == n), 0);
}

Test(rtp_depack, h264_round_trip_gives_the_access_units_back)
{
    init(VG_CODEC_H264, "packetization-mode=1");
    /* NAL sizes around the 1200-byte boundary and well past it. */
    const size_t sizes[][3] = {{1200, 0, 0}, {1201, 5, 0}, {2398, 2399, 1}, {9000, 40, 1199}};
    static uint8_t aus[4][16384];
    size_t au_len[4];
    for (size_t a = 0; a < 4; a++) {
        size_t w = 0;
        if (a == 0) {
            w += annexb(aus[a] + w, high_sps, sizeof(high_sps));
            w += annexb(aus[a] + w, high_pps, sizeof(high_pps));
        }
        for (size_t i = 0; i < 3 && sizes[a][i] > 0; i++) {
            memcpy(aus[a] + w, "\0\0\0\1", 4);
            fill(aus[a] + w + 4, sizes[a][i], a == 0 ? 0x65 : 0x41, (uint32_t)(a * 3 + i));
            w += 4 + sizes[a][i];
        }
        au_len[a] = w;
        send_access_unit(aus[a], w, (uint32_t)(a * 3000), 1200);
    }
    cr_assert_eq(n_units, 4);
    for (size_t a = 0; a < 4; a++)
        expect_unit(a, aus[a], au_len[a], (uint32_t)(a * 3000));
    cr_expect_eq(d.dropped_units, 0);
}

/* ---------------------------------------------------------------- H.265 */

Test(rtp_depack, h265_aggregation_and_fragmentation)
{
    init(VG_CODEC_H265, "sprop-max-don-diff=0");
    uint8_t ap[256], want[8192];
    size_t n = 0, w = 0;
    ap[n++] = 48 << 1; /* AP */
    ap[n++] = 0x01;
    const uint8_t *nals[] = {m720_vps, m720_sps, m720_pps};
    size_t lens[] = {sizeof(m720_vps), sizeof(m720_sps), sizeof(m720_pps)};
    for (size_t i = 0; i < 3; i++) {
        ap[n++] = (uint8_t)(lens[i] >> 8);
        ap[n++] = (uint8_t)lens[i];
        memcpy(ap + n, nals[i], lens[i]);
        n += lens[i];
        w += annexb(want + w, nals[i], lens[i]);
    }
    cr_assert_eq(push(ap, n, 1000, false), 0);

    /* An IDR_W_RADL (19) of 2500 bytes in FUs of 1200. */
    static uint8_t idr[2500];
    fill(idr, sizeof(idr), 19 << 1, 9);
    idr[1] = 0x01;
    idr[2] |= 0x80; /* first_slice_segment_in_pic_flag */
    memcpy(want + w, "\0\0\0\1", 4);
    memcpy(want + w + 4, idr, sizeof(idr));
    w += 4 + sizeof(idr);
    uint8_t pkt[1300];
    for (size_t off = 2; off < sizeof(idr); off += 1200) {
        size_t take = sizeof(idr) - off < 1200 ? sizeof(idr) - off : 1200;
        pkt[0] = (uint8_t)((idr[0] & 0x81) | (49 << 1));
        pkt[1] = idr[1];
        pkt[2] = (uint8_t)(19 | (off == 2 ? 0x80 : 0) | (off + take == sizeof(idr) ? 0x40 : 0));
        memcpy(pkt + 3, idr + off, take);
        cr_assert_eq(push(pkt, 3 + take, 1000, off + take == sizeof(idr)), 0);
    }
    cr_assert_eq(n_units, 1);
    expect_unit(0, want, w, 1000);
    /* The NAL header is rebuilt from the FU header's type. */
    cr_expect_eq(units[0].data[w - sizeof(idr)], 0x26);
    cr_expect_eq(units[0].data[w - sizeof(idr) + 1], 0x01);
}

Test(rtp_depack, h265_loss_waits_for_an_irap_picture)
{
    init(VG_CODEC_H265, "");
    const uint8_t trail[] = {0x02, 0x01, 0xd0, 0x11}; /* TRAIL_R, first slice */
    const uint8_t cra[] = {0x2a, 0x01, 0xaf, 0x22};   /* CRA (21), first slice */
    cr_assert_eq(PUSH(cra, 0, true), 0);
    seq++;
    cr_assert_eq(PUSH(trail, 7200, true), 0);
    cr_expect_eq(n_units, 1);
    cr_expect_eq(d.dropped_units, 1);
    cr_assert_eq(PUSH(cra, 10800, true), 0);
    cr_expect_eq(n_units, 2);
}

Test(rtp_depack, h265_loss_before_ap_with_vps_or_fu_start_keeps_that_unit)
{
    init(VG_CODEC_H265, "");
    const uint8_t cra[] = {0x2a, 0x01, 0xaf, 0x22};
    cr_assert_eq(PUSH(cra, 0, true), 0);
    seq++;
    uint8_t ap[64];
    size_t n = 0;
    ap[n++] = 48 << 1;
    ap[n++] = 0x01;
    ap[n++] = 0;
    ap[n++] = sizeof(m720_vps);
    memcpy(ap + n, m720_vps, sizeof(m720_vps));
    n += sizeof(m720_vps);
    cr_assert_eq(push(ap, n, 3600, false), 0);
    cr_assert_eq(PUSH(cra, 3600, true), 0);
    cr_expect_eq(n_units, 2);
    seq++;
    const uint8_t fu_start[] = {49 << 1, 0x01, 0x80 | 21, 0xaf, 0x22};
    const uint8_t fu_end[] = {49 << 1, 0x01, 0x40 | 21, 0x33};
    cr_assert_eq(PUSH(fu_start, 7200, false), 0);
    cr_assert_eq(PUSH(fu_end, 7200, true), 0);
    cr_expect_eq(n_units, 3);
    cr_expect_eq(d.dropped_units, 0);
    cr_expect_not(d.wait_key);
}

Test(rtp_depack, h265_paci_and_bad_packets_are_damage)
{
    init(VG_CODEC_H265, "");
    const uint8_t paci[] = {50 << 1, 0x01, 0x00, 0x00, 0x26, 0x01, 0xaf};
    const uint8_t short_fu[] = {49 << 1, 0x01};
    const uint8_t bad_ap[] = {48 << 1, 0x01, 0x00, 0x01, 0x40};
    const uint8_t one_byte[] = {0x26};
    cr_expect_eq(PUSH(paci, 1, true), -EINVAL);
    cr_expect_eq(PUSH(short_fu, 2, true), -EINVAL);
    cr_expect_eq(PUSH(bad_ap, 3, true), -EINVAL);
    cr_expect_eq(PUSH(one_byte, 4, true), -EINVAL);
    const uint8_t unspecified[] = {60 << 1, 0x01, 0x00};
    cr_expect_eq(PUSH(unspecified, 5, true), 0);
    cr_expect_eq(n_units, 0);
}

Test(rtp_depack, h265_with_decoding_order_numbers_is_not_supported)
{
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_H265, span("sprop-max-don-diff=2")), -ENOTSUP);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_H265, span("sprop-max-don-diff=")), -EINVAL);
}

/* ------------------------------------------------------------------ AAC */

static const char aac_hbr[] = "streamtype=5; profile-level-id=15; mode=AAC-hbr; config=1190; "
                              "SizeLength=13; IndexLength=3; IndexDeltaLength=3";

/* AU-headers-length, then 16-bit headers (13-bit size, 3-bit index 0), then AUs. */
static size_t aac_packet(uint8_t *out, const size_t *sizes, size_t n, uint8_t fill_byte,
                         size_t data_len)
{
    size_t w = 0;
    out[w++] = (uint8_t)((n * 16) >> 8);
    out[w++] = (uint8_t)(n * 16);
    for (size_t i = 0; i < n; i++) {
        out[w++] = (uint8_t)(sizes[i] >> 5);
        out[w++] = (uint8_t)((sizes[i] & 0x1f) << 3);
    }
    for (size_t i = 0; i < data_len; i++)
        out[w++] = (uint8_t)(fill_byte + i);
    return w;
}

Test(rtp_depack, aac_one_au_per_packet)
{
    init(VG_CODEC_AAC, aac_hbr);
    uint8_t pkt[512];
    size_t sizes[] = {371};
    size_t n = aac_packet(pkt, sizes, 1, 0x21, 371);
    cr_assert_eq(push(pkt, n, 48000, true), 0);
    cr_assert_eq(n_units, 1);
    expect_unit(0, pkt + 4, 371, 48000);
}

Test(rtp_depack, aac_three_aus_per_packet_get_their_own_timestamps)
{
    init(VG_CODEC_AAC, aac_hbr);
    uint8_t pkt[1024];
    size_t sizes[] = {200, 7, 300};
    size_t n = aac_packet(pkt, sizes, 3, 0x10, 507);
    cr_assert_eq(push(pkt, n, 0xfffffc00u, true), 0);
    cr_assert_eq(n_units, 3);
    expect_unit(0, pkt + 8, 200, 0xfffffc00u);
    expect_unit(1, pkt + 208, 7, 0); /* wraps like the RTP clock */
    expect_unit(2, pkt + 215, 300, 1024);
}

Test(rtp_depack, aac_fragmented_au_is_reassembled)
{
    init(VG_CODEC_AAC, aac_hbr);
    static uint8_t au[3000], pkt[1300];
    fill(au, sizeof(au), 0x21, 4);
    size_t sizes[] = {sizeof(au)};
    for (size_t off = 0; off < sizeof(au); off += 1200) {
        size_t take = sizeof(au) - off < 1200 ? sizeof(au) - off : 1200;
        size_t n = aac_packet(pkt, sizes, 1, 0, 0);
        memcpy(pkt + n, au + off, take);
        cr_assert_eq(push(pkt, n + take, 5000, off + take == sizeof(au)), 0);
    }
    cr_assert_eq(n_units, 1);
    expect_unit(0, au, sizeof(au), 5000);
}

Test(rtp_depack, aac_fragment_lost_drops_the_au)
{
    init(VG_CODEC_AAC, aac_hbr);
    uint8_t pkt[1300];
    size_t sizes[] = {2000};
    size_t n = aac_packet(pkt, sizes, 1, 1, 1000);
    cr_assert_eq(push(pkt, n, 0, false), 0);
    seq++;
    cr_assert_eq(push(pkt, n, 1024, false), 0); /* looks like a new start */
    cr_expect_eq(d.dropped_units, 1);
    cr_expect_eq(push(pkt, n, 1024, true), 0);
    cr_expect_eq(n_units, 1);
    /* A last fragment without its start. */
    cr_expect_eq(push(pkt, n, 2048, true), -EINVAL);
    cr_expect_eq(n_units, 1);
}

Test(rtp_depack, aac_fragmented_au_cut_short_is_dropped)
{
    init(VG_CODEC_AAC, aac_hbr);
    uint8_t pkt[1300];
    size_t sizes[] = {2000}, two[] = {10, 10};
    size_t n = aac_packet(pkt, sizes, 1, 1, 1000);
    cr_assert_eq(push(pkt, n, 0, false), 0);
    /* The next AU starts before this one ended. */
    size_t m = aac_packet(pkt, two, 2, 0, 20);
    cr_expect_eq(push(pkt, m, 1024, true), 0);
    cr_expect_eq(n_units, 2);
    cr_expect_eq(d.dropped_units, 1);
    /* A packet of several AUs in the middle of a fragmented one. */
    n = aac_packet(pkt, sizes, 1, 1, 1000);
    cr_assert_eq(push(pkt, n, 2048, false), 0);
    m = aac_packet(pkt, two, 2, 0, 20);
    cr_expect_eq(push(pkt, m, 2048, true), -EINVAL);
    cr_expect_eq(d.dropped_units, 2);
    cr_expect_eq(n_units, 2);
}

Test(rtp_depack, aac_damaged_headers_are_rejected)
{
    init(VG_CODEC_AAC, aac_hbr);
    uint8_t pkt[512];
    size_t sizes[] = {10, 10};
    size_t n = aac_packet(pkt, sizes, 2, 0, 19); /* one byte short */
    cr_expect_eq(push(pkt, n, 0, true), -EINVAL);
    n = aac_packet(pkt, sizes, 2, 0, 21); /* one byte too many */
    cr_expect_eq(push(pkt, n, 1024, true), -EINVAL);
    const uint8_t past_end[] = {0x00, 0x40, 0x01, 0x40};
    cr_expect_eq(PUSH(past_end, 2048, true), -EINVAL);
    const uint8_t no_headers[] = {0x00, 0x00, 0x01};
    cr_expect_eq(PUSH(no_headers, 3072, true), -EINVAL);
    const uint8_t odd_bits[] = {0x00, 0x11, 0x01, 0x40, 0x00, 0xaa};
    cr_expect_eq(PUSH(odd_bits, 4096, true), -EINVAL);
    const uint8_t interleaved[] = {0x00, 0x10, 0x00, 0x09, 0xaa};
    cr_expect_eq(PUSH(interleaved, 5120, true), -EINVAL);
    const uint8_t tiny[] = {0x00};
    cr_expect_eq(PUSH(tiny, 6144, true), -EINVAL);
    cr_expect_eq(n_units, 0);
}

Test(rtp_depack, aac_needs_sizelength_and_plain_au_headers)
{
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_AAC, span("mode=AAC-hbr;config=1190")), -EINVAL);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_AAC, span("sizelength=0")), -EINVAL);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_AAC, span("sizelength=33")), -EINVAL);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_AAC, span("sizelength=13;ctsdeltalength=16")),
                 -ENOTSUP);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_AAC, span("sizelength=13;ctsdeltalength=0")), 0);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_AAC, span("sizelength=13;dtsdeltalength=-1")),
                 -EINVAL);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_AAC, span("mode=CELP-cbr;sizelength=6")),
                 -ENOTSUP);
    cr_expect_eq(vg_rtp_depack_init(&d, VG_CODEC_AAC, span("mode=AAC-lbr;sizelength=6")), 0);
    cr_expect_eq(d.size_length, 6);
    cr_expect_eq(d.index_length, 0);
}

Test(rtp_depack, aac_lbr_headers_of_one_byte)
{
    init(VG_CODEC_AAC, "mode=AAC-lbr;sizelength=6;indexlength=2;indexdeltalength=2");
    const uint8_t pkt[] = {0x00, 0x10, 0x0c, 0x08, 1, 2, 3, 4, 5};
    cr_assert_eq(PUSH(pkt, 100, true), 0);
    cr_assert_eq(n_units, 2);
    expect_unit(0, pkt + 4, 3, 100);
    expect_unit(1, pkt + 7, 2, 1124);
}

/* ---------------------------------------------------------------- G.711 */

Test(rtp_depack, g711_payload_passes_as_is)
{
    const uint8_t alaw[] = {0xd5, 0xd5, 0x55, 0x54, 0xd4};
    init(VG_CODEC_PCMA, "");
    cr_assert_eq(PUSH(alaw, 160, false), 0);
    cr_assert_eq(PUSH(alaw, 320, true), 0);
    cr_assert_eq(n_units, 2);
    expect_unit(0, alaw, sizeof(alaw), 160);
    expect_unit(1, alaw, sizeof(alaw), 320);
    vg_rtp_depack_done(&d);
    init(VG_CODEC_PCMU, "");
    cr_assert_eq(PUSH(alaw, 480, false), 0);
    cr_expect_eq(n_units, 3);
    cr_expect_eq(push(alaw, 0, 640, false), 0); /* padding only: no unit */
    cr_expect_eq(n_units, 3);
}

/* ---------------------------------------------------------- fmtp helpers */

/* base_sps and base_pps in Annex B. */
static size_t base_sets(uint8_t *out)
{
    size_t n = annexb(out, base_sps, sizeof(base_sps));
    return n + annexb(out + n, base_pps, sizeof(base_pps));
}

Test(rtp_depack, sprop_parameter_sets_with_padding)
{
    uint8_t out[128];
    int n = vg_rtp_sprop_annexb(
        VG_CODEC_H264,
        span("packetization-mode=1; sprop-parameter-sets=Z0LAHtkAoC/5cBEAAAMAAQAAAwAyDxYuSA==,"
             "aMuDyyA=; profile-level-id=42c01e"),
        out, sizeof(out));
    uint8_t want[128];
    size_t w = base_sets(want);
    cr_assert_eq(n, (int)w);
    cr_expect_eq(memcmp(out, want, w), 0);
}

Test(rtp_depack, sprop_parameter_sets_without_padding)
{
    uint8_t out[128];
    int n = vg_rtp_sprop_annexb(
        VG_CODEC_H264, span("sprop-parameter-sets=Z0LAHtkAoC/5cBEAAAMAAQAAAwAyDxYuSA,,aMuDyyA,;"),
        out, sizeof(out));
    uint8_t want[128];
    size_t w = base_sets(want);
    cr_assert_eq(n, (int)w);
    cr_expect_eq(memcmp(out, want, w), 0);
}

Test(rtp_depack, sprop_h265_sets_come_in_vps_sps_pps_order)
{
    uint8_t out[256], want[256];
    size_t w = annexb(want, m720_vps, sizeof(m720_vps));
    w += annexb(want + w, m720_sps, sizeof(m720_sps));
    w += annexb(want + w, m720_pps, sizeof(m720_pps));
    int n = vg_rtp_sprop_annexb(VG_CODEC_H265,
                                span("sprop-pps=RAHBcrRiQA==;sprop-sps="
                                     "QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WWVmkkyvAWgIAAAMAAgAAAwAy"
                                     "EA;sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ"),
                                out, sizeof(out));
    cr_assert_eq(n, (int)w);
    cr_expect_eq(memcmp(out, want, w), 0);
}

Test(rtp_depack, sprop_rejects_bad_base64)
{
    uint8_t out[128];
    const char *bad[] = {
        "sprop-parameter-sets=Z0L*HtkA",  /* not base64 */
        "sprop-parameter-sets=Z0LAH",     /* 5 characters: a dangling 6 bits */
        "sprop-parameter-sets=Z0I==",     /* padding on a length that is not 4n */
        "sprop-parameter-sets=Z0I===",    /* too much padding */
        "sprop-parameter-sets=Z0=I",      /* padding inside */
        "sprop-parameter-sets=aMuDyyB=",  /* non-zero bits after the last byte */
        "sprop-parameter-sets=Z0LA HtkA", /* blank inside */
        "sprop-parameter-sets==",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(vg_rtp_sprop_annexb(VG_CODEC_H264, span(bad[i]), out, sizeof(out)), -EINVAL,
                     "%s", bad[i]);
}

Test(rtp_depack, sprop_without_parameter_sets_is_empty)
{
    uint8_t out[16];
    cr_expect_eq(vg_rtp_sprop_annexb(VG_CODEC_H264, span("packetization-mode=1"), out, 16), 0);
    cr_expect_eq(vg_rtp_sprop_annexb(VG_CODEC_H264, span("sprop-parameter-sets="), out, 16), 0);
    cr_expect_eq(vg_rtp_sprop_annexb(VG_CODEC_H264, span(""), out, 16), 0);
    cr_expect_eq(vg_rtp_sprop_annexb(VG_CODEC_AAC, span("config=1190"), out, 16), 0);
}

Test(rtp_depack, sprop_too_large_for_the_buffer)
{
    uint8_t out[128];
    size_t need = base_sets(out);
    struct vg_span fmtp =
        span("sprop-parameter-sets=Z0LAHtkAoC/5cBEAAAMAAQAAAwAyDxYuSA==,aMuDyyA=");
    cr_expect_eq(vg_rtp_sprop_annexb(VG_CODEC_H264, fmtp, out, need - 1), -E2BIG);
    cr_expect_eq(vg_rtp_sprop_annexb(VG_CODEC_H264, fmtp, out, 3), -E2BIG);
    cr_expect_eq(vg_rtp_sprop_annexb(VG_CODEC_H264, fmtp, out, need), (int)need);
}

Test(rtp_depack, aac_config_from_hex)
{
    uint8_t out[8];
    cr_assert_eq(vg_rtp_aac_config(span("mode=AAC-hbr; config=1190; sizelength=13"), out, 8), 2);
    cr_expect_eq(out[0], 0x11);
    cr_expect_eq(out[1], 0x90);
    cr_assert_eq(vg_rtp_aac_config(span("config=121056E5fa"), out, 8), 5);
    cr_expect_eq(out[2], 0x56);
    cr_expect_eq(out[3], 0xe5);
    cr_expect_eq(out[4], 0xfa);
}

Test(rtp_depack, aac_config_rejects_bad_hex)
{
    uint8_t out[8] = {0xee};
    cr_expect_eq(vg_rtp_aac_config(span("config=119"), out, 8), -EINVAL);
    cr_expect_eq(vg_rtp_aac_config(span("config=11g0"), out, 8), -EINVAL);
    cr_expect_eq(vg_rtp_aac_config(span("config=0x11"), out, 8), -EINVAL);
    cr_expect_eq(vg_rtp_aac_config(span("config="), out, 8), -EINVAL);
    cr_expect_eq(out[0], 0xee); /* nothing written on failure */
    cr_expect_eq(vg_rtp_aac_config(span("sizelength=13"), out, 8), -ENOENT);
    cr_expect_eq(vg_rtp_aac_config(span("config=1190aabbcc"), out, 4), -E2BIG);
}
