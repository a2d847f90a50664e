/* NAL framing: Annex B and length-prefixed iteration, conversion both ways,
 * and emulation prevention, including the awkward edges (empty units, start
 * codes only, 0x03 at the very end). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "media/nal.h"

struct unit {
    size_t start, len;
};

static size_t collect(enum vg_nal_format fmt, const uint8_t *buf, size_t len, struct unit *u,
                      size_t max, int *ret_last)
{
    size_t cursor = 0, n = 0, start, ulen;
    int r;
    for (;;) {
        r = vg_nal_next(fmt, buf, len, &cursor, &start, &ulen);
        if (r != 1 || n == max)
            break;
        u[n].start = start;
        u[n].len = ulen;
        n++;
    }
    if (ret_last)
        *ret_last = r;
    return n;
}

Test(nal, annexb_yields_units_after_3_and_4_byte_start_codes)
{
    const uint8_t s[] = {0, 0, 0, 1, 0x67, 0xaa, 0, 0, 1, 0x68, 0xbb, 0xcc, 0, 0, 0, 1, 0x65, 0x01};
    struct unit u[4];
    cr_assert_eq(collect(VG_NAL_ANNEXB, s, sizeof(s), u, 4, NULL), 3);
    cr_expect_eq(u[0].start, 4);
    cr_expect_eq(u[0].len, 2);
    cr_expect_eq(u[1].start, 9);
    cr_expect_eq(u[1].len, 3); /* the 4-byte start code's leading zero is not part of it */
    cr_expect_eq(u[2].start, 16);
    cr_expect_eq(u[2].len, 2);
}

Test(nal, annexb_skips_bytes_before_the_first_start_code)
{
    const uint8_t s[] = {0x12, 0x34, 0x00, 0x01, 0, 0, 1, 0x09, 0xf0};
    struct unit u[2];
    cr_assert_eq(collect(VG_NAL_ANNEXB, s, sizeof(s), u, 2, NULL), 1);
    cr_expect_eq(u[0].start, 7);
    cr_expect_eq(u[0].len, 2);
}

Test(nal, annexb_drops_trailing_zero_bytes)
{
    const uint8_t s[] = {0, 0, 1, 0x41, 0x9a, 0, 0, 0, 0};
    struct unit u[2];
    cr_assert_eq(collect(VG_NAL_ANNEXB, s, sizeof(s), u, 2, NULL), 1);
    cr_expect_eq(u[0].len, 2);
}

Test(nal, annexb_skips_zero_length_units)
{
    const uint8_t s[] = {0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0x09, 0x10, 0, 0, 1};
    struct unit u[4];
    cr_assert_eq(collect(VG_NAL_ANNEXB, s, sizeof(s), u, 4, NULL), 1);
    cr_expect_eq(u[0].start, 10);
    cr_expect_eq(u[0].len, 2);
}

Test(nal, annexb_of_start_codes_only_has_no_units)
{
    const uint8_t s[] = {0, 0, 1, 0, 0, 0, 1, 0, 0, 1};
    struct unit u[2];
    cr_expect_eq(collect(VG_NAL_ANNEXB, s, sizeof(s), u, 2, NULL), 0);
}

Test(nal, annexb_without_any_start_code_has_no_units)
{
    const uint8_t s[] = {0x67, 0x42, 0x00, 0x00, 0x02, 0x00};
    struct unit u[2];
    cr_expect_eq(collect(VG_NAL_ANNEXB, s, sizeof(s), u, 2, NULL), 0);
    cr_expect_eq(collect(VG_NAL_ANNEXB, s, 0, u, 2, NULL), 0);
    cr_expect_eq(collect(VG_NAL_ANNEXB, s, 2, u, 2, NULL), 0);
}

Test(nal, annexb_cursor_at_the_end_stays_there)
{
    const uint8_t s[] = {0, 0, 1, 0x09};
    size_t cursor = sizeof(s), start = 99, len = 99;
    cr_expect_eq(vg_nal_annexb_next(s, sizeof(s), &cursor, &start, &len), 0);
    cr_expect_eq(cursor, sizeof(s));
    cr_expect_eq(start, 99); /* outputs untouched when nothing is found */
}

Test(nal, lp_yields_units_and_skips_empty_ones)
{
    const uint8_t s[] = {0, 0, 0, 2, 0x67, 0x42, 0, 0, 0, 0, 0, 0, 0, 1, 0x68};
    struct unit u[4];
    int last;
    cr_assert_eq(collect(VG_NAL_LP, s, sizeof(s), u, 4, &last), 2);
    cr_expect_eq(last, 0);
    cr_expect_eq(u[0].start, 4);
    cr_expect_eq(u[0].len, 2);
    cr_expect_eq(u[1].start, 14);
    cr_expect_eq(u[1].len, 1);
}

Test(nal, lp_with_a_length_past_the_end_is_ebadmsg)
{
    const uint8_t s[] = {0, 0, 0, 1, 0x09, 0, 0, 0, 9, 0x65};
    struct unit u[4];
    int last;
    cr_expect_eq(collect(VG_NAL_LP, s, sizeof(s), u, 4, &last), 1);
    cr_expect_eq(last, -EBADMSG);
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x65};
    cr_expect_eq(collect(VG_NAL_LP, huge, sizeof(huge), u, 4, &last), 0);
    cr_expect_eq(last, -EBADMSG);
}

Test(nal, lp_with_a_cut_off_prefix_is_ebadmsg)
{
    const uint8_t s[] = {0, 0, 0, 1, 0x09, 0, 0};
    struct unit u[4];
    int last;
    cr_expect_eq(collect(VG_NAL_LP, s, sizeof(s), u, 4, &last), 1);
    cr_expect_eq(last, -EBADMSG);
}

Test(nal, annexb_converts_to_4_byte_lengths)
{
    const uint8_t s[] = {0, 0, 0, 1, 0x67, 0xaa, 0, 0, 1, 0x68, 0xbb, 0xcc, 0, 0, 1, 0x65};
    const uint8_t want[] = {0, 0, 0, 2, 0x67, 0xaa, 0, 0, 0, 3, 0x68, 0xbb, 0xcc, 0, 0, 0, 1, 0x65};
    uint8_t out[64];
    size_t n = 0;
    cr_assert_eq(vg_nal_annexb_to_lp(s, sizeof(s), out, sizeof(out), &n), 0);
    cr_assert_eq(n, sizeof(want));
    cr_expect_arr_eq(out, want, sizeof(want));
    /* Exactly enough room works; one byte less does not. */
    cr_expect_eq(vg_nal_annexb_to_lp(s, sizeof(s), out, sizeof(want), &n), 0);
    size_t keep = 1234;
    cr_expect_eq(vg_nal_annexb_to_lp(s, sizeof(s), out, sizeof(want) - 1, &keep), -ENOSPC);
    cr_expect_eq(keep, 1234);
}

Test(nal, lp_converts_back_to_4_byte_start_codes)
{
    const uint8_t s[] = {0, 0, 0, 2, 0x67, 0xaa, 0, 0, 0, 1, 0x65};
    const uint8_t want[] = {0, 0, 0, 1, 0x67, 0xaa, 0, 0, 0, 1, 0x65};
    uint8_t out[16];
    size_t n = 0;
    cr_assert_eq(vg_nal_lp_to_annexb(s, sizeof(s), out, sizeof(out), &n), 0);
    cr_assert_eq(n, sizeof(want));
    cr_expect_arr_eq(out, want, sizeof(want));
    cr_expect_eq(vg_nal_lp_to_annexb(s, sizeof(s), out, sizeof(want) - 1, &n), -ENOSPC);
    cr_expect_eq(vg_nal_lp_to_annexb(s, sizeof(s) - 1, out, sizeof(out), &n), -EBADMSG);
}

Test(nal, empty_input_converts_to_empty_output)
{
    const uint8_t in[1] = {0};
    uint8_t out[1];
    size_t n = 99;
    cr_expect_eq(vg_nal_annexb_to_lp(in, 0, out, 0, &n), 0);
    cr_expect_eq(n, 0);
    n = 99;
    cr_expect_eq(vg_nal_lp_to_annexb(in, 0, out, 0, &n), 0);
    cr_expect_eq(n, 0);
}

static void expect_escape(const uint8_t *rbsp, size_t len, const uint8_t *want, size_t want_len)
{
    uint8_t out[64], back[64];
    size_t n = 0, m = 0;
    cr_assert_eq(vg_nal_escape(rbsp, len, out, sizeof(out), &n), 0);
    cr_assert_eq(n, want_len);
    cr_expect_arr_eq(out, want, want_len);
    cr_assert(n <= VG_NAL_ESCAPED_MAX(len));
    cr_assert_eq(vg_nal_unescape(out, n, back, sizeof(back), &m), 0);
    cr_assert_eq(m, len);
    cr_expect_arr_eq(back, rbsp, len);
}

Test(nal, escape_inserts_03_before_bytes_that_would_make_a_start_code)
{
    expect_escape((const uint8_t[]){0, 0, 0}, 3, (const uint8_t[]){0, 0, 3, 0}, 4);
    expect_escape((const uint8_t[]){0, 0, 1}, 3, (const uint8_t[]){0, 0, 3, 1}, 4);
    expect_escape((const uint8_t[]){0, 0, 2}, 3, (const uint8_t[]){0, 0, 3, 2}, 4);
    expect_escape((const uint8_t[]){0, 0, 3}, 3, (const uint8_t[]){0, 0, 3, 3}, 4);
    expect_escape((const uint8_t[]){0, 0, 4}, 3, (const uint8_t[]){0, 0, 4}, 3);
    expect_escape((const uint8_t[]){0, 0, 0, 0, 0, 0}, 6,
                  (const uint8_t[]){0, 0, 3, 0, 0, 3, 0, 0, 3}, 9);
}

Test(nal, escape_protects_a_final_pair_of_zeros)
{
    expect_escape((const uint8_t[]){0x80, 0, 0}, 3, (const uint8_t[]){0x80, 0, 0, 3}, 4);
    expect_escape((const uint8_t[]){0x80, 0}, 2, (const uint8_t[]){0x80, 0}, 2);
}

Test(nal, escape_reports_enospc)
{
    const uint8_t rbsp[] = {0, 0, 1};
    uint8_t out[3];
    size_t n = 7;
    cr_expect_eq(vg_nal_escape(rbsp, sizeof(rbsp), out, sizeof(out), &n), -ENOSPC);
    cr_expect_eq(n, 7);
}

Test(nal, unescape_removes_emulation_bytes_including_one_at_the_end)
{
    const uint8_t nal[] = {0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3};
    const uint8_t want[] = {0x67, 0, 0, 1, 0, 0, 0, 0};
    uint8_t out[16];
    size_t n = 0;
    cr_assert_eq(vg_nal_unescape(nal, sizeof(nal), out, sizeof(out), &n), 0);
    cr_assert_eq(n, sizeof(want));
    cr_expect_arr_eq(out, want, sizeof(want));
}

Test(nal, unescape_keeps_an_03_that_follows_a_removed_one)
{
    const uint8_t nal[] = {0, 0, 3, 3};
    uint8_t out[4];
    size_t n = 0;
    cr_assert_eq(vg_nal_unescape(nal, sizeof(nal), out, sizeof(out), &n), 0);
    cr_assert_eq(n, 3);
    cr_expect_arr_eq(out, ((const uint8_t[]){0, 0, 3}), 3);
}

Test(nal, unescape_works_in_place)
{
    uint8_t buf[] = {0x41, 0, 0, 3, 0, 0x9a, 0, 0, 3, 2};
    size_t n = 0;
    cr_assert_eq(vg_nal_unescape(buf, sizeof(buf), buf, sizeof(buf), &n), 0);
    cr_assert_eq(n, 8);
    cr_expect_arr_eq(buf, ((const uint8_t[]){0x41, 0, 0, 0, 0x9a, 0, 0, 2}), 8);
}

Test(nal, unescape_reports_enospc_before_writing)
{
    const uint8_t nal[] = {1, 2, 3};
    uint8_t out[2] = {9, 9};
    size_t n = 7;
    cr_expect_eq(vg_nal_unescape(nal, sizeof(nal), out, sizeof(out), &n), -ENOSPC);
    cr_expect_eq(n, 7);
    cr_expect_eq(out[0], 9);
}

/* x264's SPS for 640x360 baseline (see test_h264.c): two emulation bytes. */
static const uint8_t real_sps[] = {
    0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00,
    0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x0f, 0x16, 0x2e, 0x48,
};

Test(nal, real_sps_unescapes_and_escapes_back_to_the_same_bytes)
{
    uint8_t rbsp[64], nal[64];
    size_t n = 0, m = 0;
    cr_assert_eq(vg_nal_unescape(real_sps, sizeof(real_sps), rbsp, sizeof(rbsp), &n), 0);
    cr_expect_eq(n, sizeof(real_sps) - 2);
    cr_assert_eq(vg_nal_escape(rbsp, n, nal, sizeof(nal), &m), 0);
    cr_assert_eq(m, sizeof(real_sps));
    cr_expect_arr_eq(nal, real_sps, sizeof(real_sps));
}
