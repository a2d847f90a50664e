/* RTCP compound packets (proto/rtcp.h): a compound like Chromium sends
 * (RR + REMB + NACK + PLI) and an SR + SDES + BYE one, written byte by byte
 * from RFC 3550, RFC 4585, RFC 5104 and the REMB draft; every builder's
 * output parsed back; NACK packing (runs, the 65535 -> 0 wrap, gaps over
 * 16, duplicates); damaged input (cut at every length, bad version, length
 * past the end, padding, zero lengths); the NTP helpers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "proto/rtcp.h"

#define MAX_SEEN 16

static struct vg_rtcp_packet seen[MAX_SEEN];
static size_t n_seen;
static int fn_result;

static void setup(void)
{
    n_seen = 0;
    fn_result = 0;
}

TestSuite(rtcp, .init = setup);

static int collect(void *arg, const struct vg_rtcp_packet *p)
{
    (void)arg;
    cr_assert_lt(n_seen, MAX_SEEN);
    seen[n_seen++] = *p;
    return fn_result;
}

static int parse(const uint8_t *buf, size_t len, bool strict)
{
    n_seen = 0;
    return vg_rtcp_parse(buf, len, strict, collect, NULL);
}

/* Hand-written packets keep one field per line, as the RFCs draw them. */

/* RR + REMB + NACK + PLI, as a Chromium receiver of SSRC 0x11223344 sends
 * them (its own SSRC 0xfa17fa17; REMB and FIR put 0 as media source). */
/* clang-format off */
static const uint8_t chromium[] = {
    /* RR: V=2 RC=1, PT 201, length 7 */
    0x81, 0xc9, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17,
    0x11, 0x22, 0x33, 0x44, /* source */
    0x10,                   /* fraction lost 16/256 */
    0xff, 0xff, 0xfe,       /* cumulative lost -2 (duplicates outnumber losses) */
    0x00, 0x01, 0x02, 0x03, /* extended highest sequence: 1 cycle, 0x0203 */
    0x00, 0x00, 0x00, 0x40, /* jitter */
    0x12, 0x34, 0x56, 0x78, /* LSR */
    0x00, 0x01, 0x00, 0x00, /* DLSR: 1 s */
    /* REMB: V=2 FMT=15, PT 206, length 5 */
    0x8f, 0xce, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17, 0x00, 0x00, 0x00, 0x00, 'R', 'E', 'M', 'B',
    0x01,             /* one SSRC */
    0x0e, 0xdc, 0x6c, /* exp 3, mantissa 0x2dc6c = 187500: 1.5 Mbit/s */
    0x11, 0x22, 0x33, 0x44,
    /* NACK: V=2 FMT=1, PT 205, length 4 */
    0x81, 0xcd, 0x00, 0x04, 0xfa, 0x17, 0xfa, 0x17, 0x11, 0x22, 0x33, 0x44,
    0x03, 0xe8, 0x00, 0x05, /* PID 1000, BLP bits 0 and 2: 1001, 1003 */
    0xff, 0xff, 0x00, 0x01, /* PID 65535, BLP bit 0: 0 */
    /* PLI: V=2 FMT=1, PT 206, length 2 */
    0x81, 0xce, 0x00, 0x02, 0xfa, 0x17, 0xfa, 0x17, 0x11, 0x22, 0x33, 0x44,
};
/* clang-format on */
/* Where each packet of it ends. */
static const size_t chromium_ends[] = {32, 56, 76, 88};

Test(rtcp, chromium_compound_decodes_every_packet)
{
    cr_assert_eq(parse(chromium, sizeof(chromium), false), 4);
    cr_assert_eq(n_seen, 4);

    const struct vg_rtcp_packet *rr = &seen[0];
    cr_expect_eq(rr->kind, VG_RTCP_KIND_RR);
    cr_expect_eq(rr->ssrc, 0xfa17fa17);
    cr_assert_eq(rr->n_blocks, 1);
    const struct vg_rtcp_report_block *b = &rr->blocks[0];
    cr_expect_eq(b->ssrc, 0x11223344);
    cr_expect_eq(b->fraction_lost, 16);
    cr_expect_eq(b->cumulative_lost, -2);
    cr_expect_eq(b->highest_seq, 0x00010203);
    cr_expect_eq(b->jitter, 64);
    cr_expect_eq(b->lsr, 0x12345678);
    cr_expect_eq(b->dlsr, 65536);

    const struct vg_rtcp_packet *remb = &seen[1];
    cr_expect_eq(remb->kind, VG_RTCP_KIND_REMB);
    cr_expect_eq(remb->remb_bps, 1500000);
    cr_assert_eq(remb->n_items, 1);
    cr_expect_eq(vg_rtcp_ssrc_at(remb, 0), 0x11223344);

    const struct vg_rtcp_packet *nack = &seen[2];
    cr_expect_eq(nack->kind, VG_RTCP_KIND_NACK);
    cr_expect_eq(nack->ssrc, 0xfa17fa17);
    cr_expect_eq(nack->media_ssrc, 0x11223344);
    cr_expect_eq(nack->n_items, 2);
    uint16_t lost[8];
    cr_assert_eq(vg_rtcp_nack_lost(nack, lost, 8), 5);
    cr_expect_arr_eq(lost, ((uint16_t[]){1000, 1001, 1003, 65535, 0}), 5 * sizeof(uint16_t));

    const struct vg_rtcp_packet *pli = &seen[3];
    cr_expect_eq(pli->kind, VG_RTCP_KIND_PLI);
    cr_expect_eq(pli->ssrc, 0xfa17fa17);
    cr_expect_eq(pli->media_ssrc, 0x11223344);
}

/* SR with one block, SDES CNAME, BYE with a reason. */
/* clang-format off */
static const uint8_t sender[] = {
    0x81, 0xc8, 0x00, 0x0c, 0x01, 0x02, 0x03, 0x04, /* SR, RC 1, length 12 */
    0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00, /* NTP 3913056000.5 */
    0x00, 0x01, 0x5f, 0x90,                         /* RTP 90000 */
    0x00, 0x00, 0x00, 0x64,                         /* 100 packets */
    0x00, 0x01, 0x86, 0xa0,                         /* 100000 octets */
    0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x80, 0x00, 0x00, /* block: cumulative lost -8388608 */
    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* SDES: SC 1, length 3: SSRC, CNAME "ab", end, pad */
    0x81, 0xca, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 'a', 'b', 0x00, 0x00, 0x00, 0x00,
    /* BYE: SC 1, length 3: SSRC, reason "bye" */
    0x81, 0xcb, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04, 0x03, 'b', 'y', 'e',
};
/* clang-format on */

Test(rtcp, sender_report_sdes_and_bye_decode)
{
    cr_assert_eq(parse(sender, sizeof(sender), true), 3);
    const struct vg_rtcp_packet *sr = &seen[0];
    cr_expect_eq(sr->kind, VG_RTCP_KIND_SR);
    cr_expect_eq(sr->ssrc, 0x01020304);
    cr_expect_eq(sr->sr.ntp, (uint64_t)3913056000u << 32 | 0x80000000u);
    cr_expect_eq(sr->sr.rtp_ts, 90000);
    cr_expect_eq(sr->sr.packets, 100);
    cr_expect_eq(sr->sr.octets, 100000);
    cr_assert_eq(sr->n_blocks, 1);
    cr_expect_eq(sr->blocks[0].ssrc, 0x0a0b0c0d);
    cr_expect_eq(sr->blocks[0].cumulative_lost, -8388608);
    cr_expect_eq(sr->blocks[0].highest_seq, 0x1000);
    cr_expect_eq(seen[1].kind, VG_RTCP_KIND_SDES);
    cr_expect_eq(seen[2].kind, VG_RTCP_KIND_BYE);
    cr_assert_eq(seen[2].n_items, 1);
    cr_expect_eq(vg_rtcp_ssrc_at(&seen[2], 0), 0x01020304);
}

Test(rtcp, unknown_types_and_formats_come_as_other)
{
    /* clang-format off */
    static const uint8_t buf[] = {
        /* APP, subtype 0, length 2: SSRC, name */
        0x80, 0xcc, 0x00, 0x02, 0, 0, 0, 1, 'a', 'b', 'c', 'd',
        /* XR (207), length 1 */
        0x80, 0xcf, 0x00, 0x01, 0, 0, 0, 1,
        /* transport-cc (RTPFB FMT 15), length 2, no FCI worth reading here */
        0x8f, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2,
        /* AFB that is not REMB */
        0x8f, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 'X', 'Y', 'Z', 'W',
        /* SLI (PSFB FMT 2), length 1: too short to be a feedback message, but
         * not decoded, so not damage */
        0x82, 0xce, 0x00, 0x01, 0, 0, 0, 1,
    };
    /* clang-format on */
    cr_assert_eq(parse(buf, sizeof(buf), false), 5);
    for (size_t i = 0; i < n_seen; i++)
        cr_expect_eq(seen[i].kind, VG_RTCP_KIND_OTHER, "packet %zu", i);
    cr_expect_eq(seen[0].pt, VG_RTCP_APP);
    cr_expect_eq(seen[2].count, 15);
}

Test(rtcp, fir_entries_decode)
{
    /* clang-format off */
    static const uint8_t fir[] = {
        0x84, 0xce, 0x00, 0x06, 0xfa, 0x17, 0xfa, 0x17, 0, 0, 0, 0, /* FIR, length 6 */
        0x11, 0x22, 0x33, 0x44, 0x07, 0, 0, 0,                         /* seq nr 7 */
        0x55, 0x66, 0x77, 0x88, 0xff, 0, 0, 0,
    };
    /* clang-format on */
    cr_assert_eq(parse(fir, sizeof(fir), false), 1);
    cr_expect_eq(seen[0].kind, VG_RTCP_KIND_FIR);
    cr_assert_eq(seen[0].n_items, 2);
    uint32_t ssrc;
    uint8_t seq;
    vg_rtcp_fir_at(&seen[0], 1, &ssrc, &seq);
    cr_expect_eq(ssrc, 0x55667788);
    cr_expect_eq(seq, 255);
}

Test(rtcp, remb_bitrate_saturates_instead_of_wrapping)
{
    /* clang-format off */
    uint8_t remb[] = {0x8f, 0xce, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B',
                      0x00, 0xff, 0xff, 0xff};
    /* clang-format on */
    /* exp 63, mantissa 0x3ffff */
    cr_assert_eq(parse(remb, sizeof(remb), false), 1);
    cr_expect_eq(seen[0].remb_bps, UINT64_MAX);
    cr_expect_eq(seen[0].n_items, 0);
    /* exp 46 with the largest mantissa still fits exactly. */
    remb[17] = 46 << 2 | 3;
    cr_assert_eq(parse(remb, sizeof(remb), false), 1);
    cr_expect_eq(seen[0].remb_bps, (uint64_t)0x3ffff << 46);
    /* exp 47 with mantissa 1 fits too. */
    remb[17] = 47 << 2;
    remb[18] = 0;
    remb[19] = 1;
    cr_assert_eq(parse(remb, sizeof(remb), false), 1);
    cr_expect_eq(seen[0].remb_bps, (uint64_t)1 << 47);
    /* One SSRC announced, none there. */
    remb[16] = 1;
    cr_expect_eq(parse(remb, sizeof(remb), false), -EINVAL);
}

/* ---------------------------------------------------------------- damage */

Test(rtcp, compound_cut_at_every_length_is_refused_between_packets_only)
{
    for (size_t cut = 0; cut < sizeof(chromium); cut++) {
        int want = -EINVAL;
        for (size_t i = 0; i < 4; i++) {
            if (cut == chromium_ends[i])
                want = (int)i + 1;
        }
        cr_expect_eq(parse(chromium, cut, false), want, "cut at %zu", cut);
        if (want < 0)
            cr_expect_eq(n_seen, 0, "nothing delivered from a damaged compound");
    }
}

Test(rtcp, bad_version_anywhere_refuses_the_whole_compound)
{
    uint8_t buf[sizeof(chromium)];
    for (size_t i = 0; i < 4; i++) {
        size_t at = i == 0 ? 0 : chromium_ends[i - 1];
        for (unsigned v = 0; v < 4; v++) {
            if (v == 2)
                continue;
            memcpy(buf, chromium, sizeof(buf));
            buf[at] = (uint8_t)((buf[at] & 0x3f) | v << 6);
            cr_expect_eq(parse(buf, sizeof(buf), false), -EINVAL, "version %u in packet %zu", v, i);
            cr_expect_eq(n_seen, 0);
        }
    }
}

Test(rtcp, length_past_the_end_is_refused)
{
    uint8_t buf[sizeof(chromium)];
    memcpy(buf, chromium, sizeof(buf));
    buf[chromium_ends[2] + 3] = 3; /* the PLI claims 16 bytes, 12 are there */
    cr_expect_eq(parse(buf, sizeof(buf), false), -EINVAL);
    buf[chromium_ends[2] + 3] = 0xff;
    buf[chromium_ends[2] + 2] = 0xff;
    cr_expect_eq(parse(buf, sizeof(buf), false), -EINVAL);
    /* Trailing bytes that cannot hold a header. */
    uint8_t tail[sizeof(chromium) + 3];
    memcpy(tail, chromium, sizeof(chromium));
    memset(tail + sizeof(chromium), 0x80, 3);
    cr_expect_eq(parse(tail, sizeof(tail), false), -EINVAL);
    cr_expect_eq(parse(chromium, 0, false), -EINVAL);
}

Test(rtcp, zero_length_packets_still_move_the_walk_on)
{
    /* 256 headers of 4 bytes each, length field 0: APP packets too short to
     * hold anything, but not decoded, so a walk of 256 steps. */
    static uint8_t buf[1024];
    for (size_t i = 0; i < sizeof(buf); i += 4) {
        buf[i] = 0x80;
        buf[i + 1] = VG_RTCP_APP;
    }
    cr_expect_eq(vg_rtcp_parse(buf, sizeof(buf), false, NULL, NULL), 256);
    size_t cur = 0, steps = 0;
    struct vg_rtcp_packet p;
    while (vg_rtcp_next(buf, sizeof(buf), &cur, &p) == 1)
        steps++;
    cr_expect_eq(steps, 256);
    cr_expect_eq(cur, sizeof(buf));
    /* A zero-length RR has no room for its SSRC: damage, not a loop. */
    static const uint8_t rr0[] = {0x80, 0xc9, 0x00, 0x00};
    cr_expect_eq(parse(rr0, sizeof(rr0), false), -EINVAL);
}

Test(rtcp, known_types_too_short_for_their_counts_are_damage)
{
    /* clang-format off */
    static const uint8_t sr_rc1[] = {0x81, 0xc8, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t rr_rc2[] = {0x82, 0xc9, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t bye_sc2[] = {0x82, 0xcb, 0x00, 0x01, 0, 0, 0, 1};
    static const uint8_t nack_no_fci[] = {0x81, 0xcd, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
    static const uint8_t pli_short[] = {0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1};
    static const uint8_t fir_half[] = {0x84, 0xce, 0x00, 0x03, 0, 0, 0, 1,
                                       0, 0, 0, 0, 0, 0, 0, 2};
    static const uint8_t remb_short[] = {0x8f, 0xce, 0x00, 0x03, 0, 0, 0, 1,
                                         0, 0, 0, 0, 'R', 'E', 'M', 'B'};
    /* clang-format on */
#define DAMAGED(a) cr_expect_eq(parse(a, sizeof(a), false), -EINVAL, #a)
    DAMAGED(sr_rc1);
    DAMAGED(rr_rc2);
    DAMAGED(bye_sc2);
    DAMAGED(nack_no_fci);
    DAMAGED(pli_short);
    DAMAGED(fir_half);
    DAMAGED(remb_short);
#undef DAMAGED
}

Test(rtcp, padding_is_removed_and_checked)
{
    /* A PLI padded by 4: length 3, last byte 4. */
    uint8_t pli[] = {0xa1, 0xce, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4};
    cr_assert_eq(parse(pli, sizeof(pli), false), 1);
    cr_expect_eq(seen[0].media_ssrc, 2);
    /* A NACK padded by 4: the padding is not an FCI entry. */
    uint8_t nack[] = {0xa1, 0xcd, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0, 9, 0, 0, 0, 0, 0, 4};
    cr_assert_eq(parse(nack, sizeof(nack), false), 1);
    cr_expect_eq(seen[0].n_items, 1);
    nack[19] = 0;
    cr_expect_eq(parse(nack, sizeof(nack), false), -EINVAL, "padding count 0");
    nack[19] = 17;
    cr_expect_eq(parse(nack, sizeof(nack), false), -EINVAL, "padding over the packet");
    nack[19] = 8;
    cr_expect_eq(parse(nack, sizeof(nack), false), -EINVAL, "padding eats the FCI");

    /* Padding on a packet that is not the last: RFC 3550 A.2, strict only. */
    uint8_t two[sizeof(pli) + 12];
    memcpy(two, pli, sizeof(pli));
    memcpy(two + sizeof(pli), chromium + chromium_ends[2], 12);
    cr_expect_eq(parse(two, sizeof(two), false), 2);
    two[1] = VG_RTCP_RR; /* so that strict gets as far as the padding */
    two[0] = 0xa0;
    cr_expect_eq(vg_rtcp_parse(two, sizeof(two), false, NULL, NULL), 2);
    cr_expect_eq(vg_rtcp_parse(two, sizeof(two), true, NULL, NULL), -EINVAL);
}

Test(rtcp, strict_wants_sr_or_rr_first_lenient_takes_reduced_size)
{
    const uint8_t *pli = chromium + chromium_ends[2];
    cr_expect_eq(parse(pli, 12, false), 1);
    cr_expect_eq(parse(pli, 12, true), -EINVAL);
    cr_expect_eq(parse(chromium, sizeof(chromium), true), 4);
}

Test(rtcp, callback_error_stops_and_is_returned)
{
    fn_result = -ECANCELED;
    cr_expect_eq(parse(chromium, sizeof(chromium), false), -ECANCELED);
    cr_expect_eq(n_seen, 1);
}

Test(rtcp, oversized_compound_is_refused)
{
    /* Refused on its length alone: the bytes are never read. */
    cr_expect_eq(vg_rtcp_parse(chromium, VG_RTCP_COMPOUND_MAX + 1, false, NULL, NULL), -E2BIG);
}

/* ---------------------------------------------------------------- builders */

/* The one packet in buf, parsed strictly alone. */
static struct vg_rtcp_packet parse_one(const uint8_t *buf, size_t len)
{
    struct vg_rtcp_packet p;
    size_t cur = 0;
    cr_assert_eq(vg_rtcp_next(buf, len, &cur, &p), 1);
    cr_assert_eq(cur, len);
    return p;
}

Test(rtcp, built_sender_report_parses_back)
{
    struct vg_rtcp_sender_info si = {
        .ntp = 0xe93c8e0080000000ull, .rtp_ts = 0xfffffff0, .packets = 3, .octets = 4000};
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(vg_rtcp_build_sr(0xabcdef01, &si, buf, sizeof(buf), &len), 0);
    cr_expect_eq(len, VG_RTCP_SR_LEN);
    cr_expect_arr_eq(buf, ((uint8_t[]){0x80, 0xc8, 0x00, 0x06}), 4);
    struct vg_rtcp_packet p = parse_one(buf, len);
    cr_expect_eq(p.kind, VG_RTCP_KIND_SR);
    cr_expect_eq(p.ssrc, 0xabcdef01);
    cr_expect_eq(p.sr.ntp, si.ntp);
    cr_expect_eq(p.sr.rtp_ts, si.rtp_ts);
    cr_expect_eq(p.sr.packets, 3);
    cr_expect_eq(p.sr.octets, 4000);
    cr_expect_eq(p.n_blocks, 0);
    cr_expect_eq(vg_rtcp_build_sr(1, &si, buf, VG_RTCP_SR_LEN - 1, &len), -ENOSPC);
}

Test(rtcp, built_receiver_report_parses_back)
{
    struct vg_rtcp_report_block rb = {.ssrc = 0x11223344,
                                      .fraction_lost = 255,
                                      .cumulative_lost = -5,
                                      .highest_seq = 0x00020001,
                                      .jitter = 12,
                                      .lsr = 0x8e008000,
                                      .dlsr = 0x00018000};
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(vg_rtcp_build_rr(0xfa17fa17, &rb, buf, sizeof(buf), &len), 0);
    cr_expect_eq(len, VG_RTCP_RR_LEN);
    struct vg_rtcp_packet p = parse_one(buf, len);
    cr_expect_eq(p.kind, VG_RTCP_KIND_RR);
    cr_expect_eq(p.ssrc, 0xfa17fa17);
    cr_assert_eq(p.n_blocks, 1);
    const struct vg_rtcp_report_block *got = &p.blocks[0];
    cr_expect_eq(got->ssrc, rb.ssrc);
    cr_expect_eq(got->fraction_lost, rb.fraction_lost);
    cr_expect_eq(got->cumulative_lost, rb.cumulative_lost);
    cr_expect_eq(got->highest_seq, rb.highest_seq);
    cr_expect_eq(got->jitter, rb.jitter);
    cr_expect_eq(got->lsr, rb.lsr);
    cr_expect_eq(got->dlsr, rb.dlsr);
    /* A cumulative loss past 24 bits is clamped, not wrapped. */
    rb.cumulative_lost = 9000000;
    cr_assert_eq(vg_rtcp_build_rr(1, &rb, buf, sizeof(buf), &len), 0);
    cr_expect_eq(parse_one(buf, len).blocks[0].cumulative_lost, 0x7fffff);
    rb.cumulative_lost = -9000000;
    cr_assert_eq(vg_rtcp_build_rr(1, &rb, buf, sizeof(buf), &len), 0);
    cr_expect_eq(parse_one(buf, len).blocks[0].cumulative_lost, -0x800000);
    /* Without a block: 8 bytes, RC 0. */
    cr_assert_eq(vg_rtcp_build_rr(7, NULL, buf, sizeof(buf), &len), 0);
    cr_expect_eq(len, 8);
    cr_expect_eq(parse_one(buf, len).n_blocks, 0);
    cr_expect_eq(vg_rtcp_build_rr(1, &rb, buf, VG_RTCP_RR_LEN - 1, &len), -ENOSPC);
}

Test(rtcp, built_pli_and_fir_parse_back)
{
    uint8_t buf[64];
    size_t len;
    cr_assert_eq(vg_rtcp_build_pli(1, 0x11223344, buf, sizeof(buf), &len), 0);
    cr_expect_eq(len, VG_RTCP_PLI_LEN);
    struct vg_rtcp_packet p = parse_one(buf, len);
    cr_expect_eq(p.kind, VG_RTCP_KIND_PLI);
    cr_expect_eq(p.ssrc, 1);
    cr_expect_eq(p.media_ssrc, 0x11223344);
    cr_expect_eq(vg_rtcp_build_pli(1, 2, buf, VG_RTCP_PLI_LEN - 1, &len), -ENOSPC);

    cr_assert_eq(vg_rtcp_build_fir(1, 0x11223344, 42, buf, sizeof(buf), &len), 0);
    cr_expect_eq(len, VG_RTCP_FIR_LEN);
    p = parse_one(buf, len);
    cr_expect_eq(p.kind, VG_RTCP_KIND_FIR);
    cr_expect_eq(p.media_ssrc, 0, "RFC 5104: the FCI names the source");
    cr_assert_eq(p.n_items, 1);
    uint32_t ssrc;
    uint8_t seq;
    vg_rtcp_fir_at(&p, 0, &ssrc, &seq);
    cr_expect_eq(ssrc, 0x11223344);
    cr_expect_eq(seq, 42);
    cr_expect_eq(vg_rtcp_build_fir(1, 2, 3, buf, VG_RTCP_FIR_LEN - 1, &len), -ENOSPC);
}

/* Builds a NACK for seqs, checks its entries and that it reports the same
 * numbers back, in order. */
static void nack_round_trip(const uint16_t *seqs, size_t n, const uint16_t *entries,
                            size_t n_entries)
{
    uint8_t buf[256];
    size_t len;
    cr_assert_eq(vg_rtcp_build_nack(5, 6, seqs, n, buf, sizeof(buf), &len), 0);
    cr_assert_eq(len, 12 + 4 * n_entries);
    struct vg_rtcp_packet p = parse_one(buf, len);
    cr_expect_eq(p.kind, VG_RTCP_KIND_NACK);
    cr_expect_eq(p.ssrc, 5);
    cr_expect_eq(p.media_ssrc, 6);
    cr_assert_eq(p.n_items, n_entries);
    for (size_t i = 0; i < n_entries; i++) {
        cr_expect_eq(buf[12 + 4 * i] << 8 | buf[13 + 4 * i], entries[2 * i], "PID %zu", i);
        cr_expect_eq(buf[14 + 4 * i] << 8 | buf[15 + 4 * i], entries[2 * i + 1], "BLP %zu", i);
    }
}

Test(rtcp, nack_packs_runs_into_pid_and_blp)
{
    nack_round_trip((uint16_t[]){100}, 1, (uint16_t[]){100, 0}, 1);
    nack_round_trip((uint16_t[]){100, 101, 103, 116}, 4, (uint16_t[]){100, 0x8005}, 1);
    /* The 65535 -> 0 wrap stays in one entry. */
    nack_round_trip((uint16_t[]){65534, 65535, 0, 1}, 4, (uint16_t[]){65534, 0x0007}, 1);
    /* 17 ahead no longer fits in the BLP. */
    nack_round_trip((uint16_t[]){100, 117, 118, 200}, 4, (uint16_t[]){100, 0, 117, 0x0001, 200, 0},
                    3);
    /* Duplicates cost nothing; out of order costs an entry but loses nothing. */
    nack_round_trip((uint16_t[]){7, 7, 8, 8}, 4, (uint16_t[]){7, 0x0001}, 1);
    nack_round_trip((uint16_t[]){10, 5}, 2, (uint16_t[]){10, 0, 5, 0}, 2);
}

Test(rtcp, nack_of_every_number_in_a_wrapping_window_reports_each_once)
{
    uint16_t seqs[100], lost[200];
    for (size_t i = 0; i < 100; i++)
        seqs[i] = (uint16_t)(65500 + i);
    uint8_t buf[256];
    size_t len;
    cr_assert_eq(vg_rtcp_build_nack(1, 2, seqs, 100, buf, sizeof(buf), &len), 0);
    cr_expect_eq(len, 12 + 4 * 6); /* ceil(100 / 17) entries */
    struct vg_rtcp_packet p = parse_one(buf, len);
    cr_assert_eq(vg_rtcp_nack_lost(&p, lost, 200), 100);
    cr_expect_arr_eq(lost, seqs, sizeof(seqs));
    /* Cut short: the first cap written, the total returned. */
    uint16_t few[3] = {0};
    cr_expect_eq(vg_rtcp_nack_lost(&p, few, 3), 100);
    cr_expect_arr_eq(few, seqs, sizeof(few));
    cr_expect_eq(vg_rtcp_nack_lost(&p, NULL, 0), 100);
}

Test(rtcp, nack_without_room_or_numbers_is_refused)
{
    uint8_t buf[16];
    memset(buf, 0xaa, sizeof(buf));
    size_t len = 99;
    cr_expect_eq(vg_rtcp_build_nack(1, 2, (uint16_t[]){1, 100}, 2, buf, sizeof(buf), &len),
                 -ENOSPC);
    cr_expect_eq(buf[0], 0xaa, "untouched");
    cr_expect_eq(len, 99);
    cr_expect_eq(vg_rtcp_build_nack(1, 2, (uint16_t[]){1}, 0, buf, sizeof(buf), &len), -EINVAL);
    cr_expect_eq(vg_rtcp_build_nack(1, 2, (uint16_t[]){1}, 1, buf, sizeof(buf), &len), 0);
    cr_expect_eq(len, 16);
}

Test(rtcp, builders_concatenate_into_a_strict_compound)
{
    uint8_t buf[128];
    size_t len, total = 0;
    struct vg_rtcp_sender_info si = {.ntp = 1};
    cr_assert_eq(vg_rtcp_build_sr(9, &si, buf, sizeof(buf), &len), 0);
    total += len;
    cr_assert_eq(vg_rtcp_build_pli(9, 10, buf + total, sizeof(buf) - total, &len), 0);
    total += len;
    cr_assert_eq(
        vg_rtcp_build_nack(9, 10, (uint16_t[]){3, 4}, 2, buf + total, sizeof(buf) - total, &len),
        0);
    total += len;
    cr_expect_eq(parse(buf, total, true), 3);
    cr_expect_eq(seen[0].kind, VG_RTCP_KIND_SR);
    cr_expect_eq(seen[1].kind, VG_RTCP_KIND_PLI);
    cr_expect_eq(seen[2].kind, VG_RTCP_KIND_NACK);
}

/* ---------------------------------------------------------------- time */

Test(rtcp, ntp_time_from_realtime_microseconds)
{
    cr_expect_eq(vg_rtcp_ntp_from_us(0), (uint64_t)2208988800u << 32);
    /* 2024-01-01T00:00:00.5Z */
    uint64_t ntp = vg_rtcp_ntp_from_us(1704067200500000);
    cr_expect_eq(ntp, (uint64_t)3913056000u << 32 | 0x80000000u);
    cr_expect_eq(vg_rtcp_ntp_mid32(ntp), (uint32_t)(3913056000u << 16) | 0x8000u);
    /* One microsecond is 4294.97 fraction units. */
    cr_expect_eq((uint32_t)vg_rtcp_ntp_from_us(1), 4294);
    /* Half a second before 1970. */
    cr_expect_eq(vg_rtcp_ntp_from_us(-500000), (uint64_t)2208988799u << 32 | 0x80000000u);
    /* 2036-02-07T06:28:16Z: era 1 starts, the seconds wrap to 0. */
    cr_expect_eq(vg_rtcp_ntp_from_us(2085978496000000), 0);
}

Test(rtcp, dlsr_from_a_delay)
{
    cr_expect_eq(vg_rtcp_dlsr_from_us(1000000), 65536);
    cr_expect_eq(vg_rtcp_dlsr_from_us(500000), 32768);
    cr_expect_eq(vg_rtcp_dlsr_from_us(0), 0);
    cr_expect_eq(vg_rtcp_dlsr_from_us(-3), 0);
    cr_expect_eq(vg_rtcp_dlsr_from_us(65536LL * 1000000), UINT32_MAX);
}
