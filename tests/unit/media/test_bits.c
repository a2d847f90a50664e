/* Bit reader and writer: Exp-Golomb codes, byte boundaries, and what happens
 * at the end of the buffer (flags, never a crash). */
#include <criterion/criterion.h>
#include <string.h>

#include "media/bits.h"

Test(bits, reads_fields_across_byte_boundaries)
{
    const uint8_t b[] = {0xa5, 0x0f, 0xde, 0xad, 0xbe, 0xef};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect_eq(vg_bitreader_u(&br, 4), 0xa);
    cr_expect_eq(vg_bitreader_u(&br, 8), 0x50);
    cr_expect_eq(vg_bitreader_u(&br, 4), 0xf);
    cr_expect_eq(vg_bitreader_u(&br, 32), 0xdeadbeef);
    cr_expect_not(br.overrun);
    cr_expect_eq(vg_bitreader_left(&br), 0);
}

Test(bits, u0_reads_nothing)
{
    const uint8_t b[] = {0xff};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect_eq(vg_bitreader_u(&br, 0), 0);
    cr_expect_eq(br.pos, 0);
    cr_expect_not(br.overrun);
}

Test(bits, u32_at_an_odd_offset_keeps_every_bit)
{
    const uint8_t b[] = {0x7f, 0xff, 0xff, 0xff, 0x80};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect_eq(vg_bitreader_u(&br, 1), 0);
    cr_expect_eq(vg_bitreader_u(&br, 32), 0xffffffff);
    cr_expect_eq(vg_bitreader_u(&br, 7), 0);
    cr_expect_not(br.overrun);
}

Test(bits, reading_past_the_end_returns_zero_and_sets_overrun)
{
    const uint8_t b[] = {0xff};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect_eq(vg_bitreader_u(&br, 9), 0);
    cr_expect(br.overrun);
    /* Sticky: even a read that would have fit before now returns 0. */
    cr_expect_eq(vg_bitreader_u(&br, 1), 0);
    cr_expect_eq(vg_bitreader_left(&br), 0);
}

Test(bits, more_than_32_bits_is_an_overrun)
{
    const uint8_t b[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect_eq(vg_bitreader_u(&br, 33), 0);
    cr_expect(br.overrun);
}

Test(bits, empty_buffer_overruns_on_first_read)
{
    struct vg_bitreader br;
    vg_bitreader_init(&br, NULL, 0);
    cr_expect_eq(vg_bitreader_ue(&br), 0);
    cr_expect(br.overrun);
    cr_expect_not(vg_bitreader_more_rbsp_data(&br));
}

Test(bits, ue_decodes_the_exp_golomb_table)
{
    /* 1 010 011 00100 00101 00110 00111 0001000 -> 0..7 */
    const uint8_t b[] = {0xa6, 0x42, 0x98, 0xe2, 0x04};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    for (uint32_t want = 0; want < 8; want++)
        cr_expect_eq(vg_bitreader_ue(&br), want);
    cr_expect_not(br.overrun);
}

Test(bits, se_alternates_positive_and_negative)
{
    /* codeNum 0..4 -> 0, 1, -1, 2, -2 */
    const uint8_t b[] = {0xa6, 0x42, 0x80};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    const int32_t want[] = {0, 1, -1, 2, -2};
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq(vg_bitreader_se(&br), want[i]);
}

Test(bits, ue_with_31_leading_zeros_gives_the_largest_value)
{
    uint8_t buf[16];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    vg_bitwriter_ue(&bw, UINT32_MAX - 1);
    cr_expect_eq(bw.pos, 63);
    struct vg_bitreader br;
    vg_bitreader_init(&br, buf, vg_bitwriter_len(&bw));
    cr_expect_eq(vg_bitreader_ue(&br), UINT32_MAX - 1);
    cr_expect_not(br.overrun);
}

Test(bits, ue_with_32_leading_zeros_is_an_overrun_not_a_wrap)
{
    const uint8_t b[] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect_eq(vg_bitreader_ue(&br), 0);
    cr_expect(br.overrun);
}

Test(bits, ue_cut_off_after_its_prefix_is_an_overrun)
{
    const uint8_t b[] = {0x00, 0x01}; /* 15 zeros, the marker, no suffix */
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect_eq(vg_bitreader_ue(&br), 0);
    cr_expect(br.overrun);
}

Test(bits, skip_past_the_end_is_an_overrun)
{
    const uint8_t b[] = {0x12, 0x34};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    vg_bitreader_skip(&br, 16);
    cr_expect_not(br.overrun);
    vg_bitreader_skip(&br, 1);
    cr_expect(br.overrun);
}

Test(bits, more_rbsp_data_stops_at_the_stop_bit)
{
    const uint8_t b[] = {0xd0}; /* 1 1 0 1(stop) 0000 */
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect(vg_bitreader_more_rbsp_data(&br));
    vg_bitreader_skip(&br, 3);
    cr_expect_not(vg_bitreader_more_rbsp_data(&br));
}

Test(bits, more_rbsp_data_looks_past_trailing_zero_bytes)
{
    const uint8_t b[] = {0x60, 0x00, 0x00}; /* 0 1 1(stop) then cabac_zero_words */
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    vg_bitreader_skip(&br, 1);
    cr_expect(vg_bitreader_more_rbsp_data(&br));
    vg_bitreader_skip(&br, 1);
    cr_expect_not(vg_bitreader_more_rbsp_data(&br));
}

Test(bits, more_rbsp_data_is_false_without_any_stop_bit)
{
    const uint8_t b[] = {0, 0, 0};
    struct vg_bitreader br;
    vg_bitreader_init(&br, b, sizeof(b));
    cr_expect_not(vg_bitreader_more_rbsp_data(&br));
}

Test(bits, writer_and_reader_agree_on_every_code)
{
    const uint32_t ues[] = {0, 1, 2, 3, 7, 8, 255, 256, 65535, 1u << 31, UINT32_MAX - 1};
    const int32_t ses[] = {0, 1, -1, 2, -2, 127, -128, INT32_MAX, -INT32_MAX};
    uint8_t buf[128];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(ues) / sizeof(ues[0]); i++) {
        vg_bitwriter_ue(&bw, ues[i]);
        vg_bitwriter_u(&bw, 3, 5);
    }
    for (size_t i = 0; i < sizeof(ses) / sizeof(ses[0]); i++)
        vg_bitwriter_se(&bw, ses[i]);
    vg_bitwriter_u(&bw, 32, 0xcafebabe);
    vg_bitwriter_rbsp_trailing(&bw);
    cr_assert_not(bw.overflow);

    struct vg_bitreader br;
    vg_bitreader_init(&br, buf, vg_bitwriter_len(&bw));
    for (size_t i = 0; i < sizeof(ues) / sizeof(ues[0]); i++) {
        cr_expect_eq(vg_bitreader_ue(&br), ues[i]);
        cr_expect_eq(vg_bitreader_u(&br, 3), 5);
    }
    for (size_t i = 0; i < sizeof(ses) / sizeof(ses[0]); i++)
        cr_expect_eq(vg_bitreader_se(&br), ses[i]);
    cr_expect_eq(vg_bitreader_u(&br, 32), 0xcafebabe);
    cr_expect_not(vg_bitreader_more_rbsp_data(&br));
    cr_expect_not(br.overrun);
}

Test(bits, writer_zeroes_the_bytes_it_uses)
{
    uint8_t buf[2];
    memset(buf, 0xff, sizeof(buf));
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    vg_bitwriter_u(&bw, 3, 5);
    vg_bitwriter_rbsp_trailing(&bw);
    cr_expect_eq(buf[0], 0xb0); /* 101 1 0000 */
    cr_expect_eq(buf[1], 0xff); /* untouched */
    cr_expect_eq(vg_bitwriter_len(&bw), 1);
}

Test(bits, writer_align_pads_with_zeros_only_when_needed)
{
    uint8_t buf[2];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    vg_bitwriter_align(&bw);
    cr_expect_eq(bw.pos, 0);
    vg_bitwriter_u(&bw, 1, 1);
    vg_bitwriter_align(&bw);
    cr_expect_eq(bw.pos, 8);
    cr_expect_eq(buf[0], 0x80);
}

Test(bits, writer_past_capacity_sets_overflow_and_keeps_what_fit)
{
    uint8_t buf[1];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    vg_bitwriter_u(&bw, 4, 0xf);
    vg_bitwriter_u(&bw, 5, 0);
    cr_expect(bw.overflow);
    cr_expect_eq(bw.pos, 4);
    cr_expect_eq(buf[0], 0xf0);
    vg_bitwriter_u(&bw, 1, 1); /* would fit, but the writer has failed */
    cr_expect_eq(bw.pos, 4);
}

Test(bits, writer_refuses_values_without_a_code)
{
    uint8_t buf[16];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    vg_bitwriter_se(&bw, INT32_MIN);
    cr_expect(bw.overflow);
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    vg_bitwriter_u(&bw, 33, 0);
    cr_expect(bw.overflow);
}

Test(bits, largest_ue_is_written_with_65_bits_and_read_as_invalid)
{
    uint8_t buf[16];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    vg_bitwriter_ue(&bw, UINT32_MAX);
    cr_expect_not(bw.overflow);
    cr_expect_eq(bw.pos, 65);
    struct vg_bitreader br;
    vg_bitreader_init(&br, buf, vg_bitwriter_len(&bw));
    vg_bitreader_ue(&br);
    cr_expect(br.overrun);
}
