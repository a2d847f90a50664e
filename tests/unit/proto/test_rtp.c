/* RTP fixed header: fields read byte by byte, CSRCs and header extension
 * stepped over, padding removed, and every way a packet can run past its end. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "proto/rtp.h"

Test(rtp, parses_plain_header_and_payload)
{
    const uint8_t pkt[] = {0x80, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
                           0x01, 0x02, 0x03, 0x04, 0x65, 0x88, 0x84};
    struct vg_rtp_packet p;
    cr_assert_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), 0);
    cr_expect_eq(p.pt, 96);
    cr_expect(p.marker);
    cr_expect_eq(p.seq, 0x1234);
    cr_expect_eq(p.ts, 0xdeadbeef);
    cr_expect_eq(p.ssrc, 0x01020304);
    cr_expect_eq(p.csrc_count, 0);
    cr_expect_not(p.has_ext);
    cr_expect_eq(p.payload, pkt + 12);
    cr_expect_eq(p.payload_len, 3);
}

Test(rtp, skips_csrcs)
{
    const uint8_t pkt[] = {
        0x82, 0x08, 0,    1,    0,    0,    0,    0,    0, 0, 0, 9, /* CC 2, PT 8, seq 1, SSRC 9 */
        0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb,             /* two CSRCs */
        0xd5, 0xd5,                                                 /* payload */
    };
    struct vg_rtp_packet p;
    cr_assert_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), 0);
    cr_expect_eq(p.pt, 8);
    cr_expect_not(p.marker);
    cr_expect_eq(p.csrc_count, 2);
    cr_expect_eq(p.payload, pkt + 20);
    cr_expect_eq(p.payload_len, 2);
}

Test(rtp, exposes_header_extension_after_csrcs)
{
    /* One CSRC, then a one-byte-header extension (0xbede) of one word. */
    const uint8_t pkt[] = {
        0x91, 0x6f, 0xff, 0xff, 0, 0, 0x10, 0, 0, 0, 0, 1, /* X, CC 1, PT 111, seq 65535 */
        0xcc, 0xcc, 0xcc, 0xcc,                            /* CSRC */
        0xbe, 0xde, 0x00, 0x01,                            /* extension header: 1 word */
        0x10, 0x42, 0x00, 0x00,                            /* extension data */
        0x7c, 0x85,
    };
    struct vg_rtp_packet p;
    cr_assert_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), 0);
    cr_expect_eq(p.pt, 111);
    cr_expect_eq(p.seq, 0xffff);
    cr_expect(p.has_ext);
    cr_expect_eq(p.ext_profile, 0xbede);
    cr_expect_eq(p.ext, pkt + 20);
    cr_expect_eq(p.ext_len, 4);
    cr_expect_eq(p.payload, pkt + 24);
    cr_expect_eq(p.payload_len, 2);
}

Test(rtp, removes_padding)
{
    const uint8_t pkt[] = {0xa0, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0x9a, 0, 0, 3};
    struct vg_rtp_packet p;
    cr_assert_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), 0);
    cr_expect_eq(p.payload_len, 2);
    cr_expect_eq(p.payload[0], 0x41);
}

Test(rtp, accepts_packet_of_padding_only)
{
    const uint8_t pkt[] = {0xa0, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4};
    struct vg_rtp_packet p;
    cr_assert_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), 0);
    cr_expect_eq(p.payload_len, 0);
}

Test(rtp, rejects_padding_longer_than_payload)
{
    const uint8_t pkt[] = {0xa0, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0x9a, 4};
    struct vg_rtp_packet p;
    cr_expect_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), -EINVAL);
    /* Padding may not reach back into the header either. */
    const uint8_t zero[] = {0xa0, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0x9a, 0};
    cr_expect_eq(vg_rtp_parse(zero, sizeof(zero), &p), -EINVAL);
}

Test(rtp, rejects_padding_bit_without_payload_byte)
{
    const uint8_t pkt[] = {0xa0, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1};
    struct vg_rtp_packet p;
    cr_expect_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), -EINVAL);
}

Test(rtp, rejects_too_short)
{
    const uint8_t pkt[] = {0x80, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0};
    struct vg_rtp_packet p;
    for (size_t n = 0; n < sizeof(pkt); n++)
        cr_expect_eq(vg_rtp_parse(pkt, n, &p), -EINVAL, "length %zu", n);
    cr_expect_eq(vg_rtp_parse(NULL, 0, &p), -EINVAL);
}

Test(rtp, rejects_versions_other_than_2)
{
    uint8_t pkt[] = {0x80, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x41};
    struct vg_rtp_packet p;
    for (unsigned v = 0; v < 4; v++) {
        pkt[0] = (uint8_t)(v << 6);
        cr_expect_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), v == 2 ? 0 : -EINVAL, "version %u", v);
    }
}

Test(rtp, rejects_csrcs_past_the_end)
{
    const uint8_t pkt[] = {0x83, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    struct vg_rtp_packet p;
    cr_expect_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), -EINVAL);
}

Test(rtp, rejects_extension_past_the_end)
{
    const uint8_t cut_header[] = {0x90, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0};
    const uint8_t cut_data[] = {0x90, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0,
                                0xbe, 0xde, 0, 2, 1, 2, 3, 4, 5, 6, 7};
    struct vg_rtp_packet p;
    cr_expect_eq(vg_rtp_parse(cut_header, sizeof(cut_header), &p), -EINVAL);
    cr_expect_eq(vg_rtp_parse(cut_data, sizeof(cut_data), &p), -EINVAL);
}

Test(rtp, leaves_output_alone_on_error)
{
    const uint8_t pkt[] = {0x40, 0x60, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x41};
    struct vg_rtp_packet p = {.seq = 77};
    cr_assert_eq(vg_rtp_parse(pkt, sizeof(pkt), &p), -EINVAL);
    cr_expect_eq(p.seq, 77);
}

Test(rtp, sequence_order_wraps_around)
{
    cr_expect(vg_rtp_seq_after(1, 0));
    cr_expect(vg_rtp_seq_after(0, 0xffff));
    cr_expect(vg_rtp_seq_after(10, 0xfff0));
    cr_expect_not(vg_rtp_seq_after(0xffff, 0));
    cr_expect_not(vg_rtp_seq_after(5, 5));
    cr_expect_not(vg_rtp_seq_after(0x8000, 0));
}
