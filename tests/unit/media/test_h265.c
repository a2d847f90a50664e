/* H.265 parameter sets against what x265 writes and FFmpeg reads back.
 *
 * The byte arrays are NAL units (2-byte header first, emulation prevention
 * in) cut from streams made with the ffmpeg CLI (libx265 3.5):
 *   m720: ffmpeg -f lavfi -i testsrc=size=1280x720:rate=25 -frames:v 3 -pix_fmt yuv420p
 *           -c:v libx265 -f hevc m720.h265
 *   m360: same at 640x360
 *   odd:  634x354 (coded 640x360, conformance window right 3 and bottom 3)
 *   tl:   320x240 -x265-params temporal-layers=1 (two sub-layers)
 *   m10:  320x240 -pix_fmt yuv420p10le (Main 10)
 *   high: 320x240 -x265-params high-tier=1:level-idc=5.1
 * Expected fields come from `ffmpeg -i x.h265 -c copy -bsf:v trace_headers
 * -f null -`, hvcC bytes from the box `ffmpeg -c copy -tag:v hvc1 x.mp4`
 * writes, codec strings from the rules MP4Box follows (ISO/IEC 14496-15 E.3). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/bits.h"
#include "media/h265.h"

#include "h265_vectors.h"

#define PARSE(arr, s) cr_assert_eq(vg_h265_sps_parse(arr, sizeof(arr), s), 0)

Test(h265, main_720p_sps_fields)
{
    struct vg_h265_sps s;
    PARSE(m720_sps, &s);
    cr_expect_eq(s.vps_id, 0);
    cr_expect_eq(s.max_sub_layers, 1);
    cr_expect(s.temporal_id_nesting_flag);
    cr_expect_eq(s.profile_space, 0);
    cr_expect_not(s.tier_flag);
    cr_expect_eq(s.profile_idc, 1);
    cr_expect_eq(s.profile_compatibility_flags, 0x60000000);
    cr_expect_arr_eq(s.constraint_flags, ((const uint8_t[]){0x90, 0, 0, 0, 0, 0}), 6);
    cr_expect_eq(s.level_idc, 93);
    cr_expect_eq(s.sps_id, 0);
    cr_expect_eq(s.chroma_format_idc, 1);
    cr_expect_eq(s.pic_width, 1280);
    cr_expect_eq(s.pic_height, 720);
    cr_expect_eq(s.width, 1280);
    cr_expect_eq(s.height, 720);
    cr_expect_eq(s.bit_depth_luma, 8);
    cr_expect_eq(s.bit_depth_chroma, 8);
    cr_expect_eq(s.log2_max_poc_lsb, 8);
}

Test(h265, conformance_window_crops_in_chroma_units)
{
    struct vg_h265_sps s;
    PARSE(odd_sps, &s);
    cr_expect_eq(s.pic_width, 640);
    cr_expect_eq(s.pic_height, 360);
    cr_expect_eq(s.conf_right, 6);
    cr_expect_eq(s.conf_bottom, 6);
    cr_expect_eq(s.width, 634);
    cr_expect_eq(s.height, 354);
    PARSE(m360_sps, &s);
    cr_expect_eq(s.width, 640);
    cr_expect_eq(s.height, 360);
}

Test(h265, sub_layers_are_stepped_over)
{
    struct vg_h265_sps s;
    PARSE(tl_sps, &s);
    cr_expect_eq(s.max_sub_layers, 2);
    cr_expect_not(s.temporal_id_nesting_flag);
    cr_expect_eq(s.level_idc, 60);
    cr_expect_eq(s.width, 320);
    cr_expect_eq(s.height, 240);
    cr_expect_eq(s.log2_max_poc_lsb, 8);
}

Test(h265, main10_bit_depths)
{
    struct vg_h265_sps s;
    PARSE(m10_sps, &s);
    cr_expect_eq(s.profile_idc, 2);
    cr_expect_eq(s.bit_depth_luma, 10);
    cr_expect_eq(s.bit_depth_chroma, 10);
}

static void expect_codec(const struct vg_h265_sps *s, const char *want)
{
    char out[48];
    cr_assert_eq(vg_h265_codec_string(s, out, sizeof(out)), 0);
    cr_expect_str_eq(out, want);
}

Test(h265, codec_strings_follow_annex_e)
{
    struct vg_h265_sps s;
    PARSE(m720_sps, &s);
    expect_codec(&s, "hvc1.1.6.L93.90");
    PARSE(m360_sps, &s);
    expect_codec(&s, "hvc1.1.6.L63.90");
    PARSE(m10_sps, &s);
    expect_codec(&s, "hvc1.2.4.L60.90");
    PARSE(high_sps, &s);
    expect_codec(&s, "hvc1.1.6.H153.90");
}

Test(h265, codec_string_profile_space_and_constraint_bytes)
{
    struct vg_h265_sps s = {0};
    s.profile_space = 2;
    s.profile_idc = 4;
    s.profile_compatibility_flags = 0x08000000; /* flag 4 */
    s.level_idc = 120;
    expect_codec(&s, "hvc1.B4.10.L120.0"); /* the first constraint byte is always there */
    s.constraint_flags[0] = 0xb0;
    s.constraint_flags[2] = 0x01;
    expect_codec(&s, "hvc1.B4.10.L120.B0.0.1");
    char out[32];
    cr_expect_eq(vg_h265_codec_string(&s, out, 12), -ENOSPC);
    cr_expect_eq(vg_h265_codec_string(&s, out, 20), -ENOSPC); /* cut in the constraint bytes */
}

static void expect_hvcc(const struct vg_nal_ref *nals, size_t count, const uint8_t *want,
                        size_t want_len)
{
    uint8_t out[512];
    size_t n = 0;
    cr_assert_eq(vg_h265_hvcc(nals, count, out, sizeof(out), &n), 0);
    cr_assert_eq(n, want_len);
    cr_expect_arr_eq(out, want, want_len);
}

#define REF(a)                                                                                     \
    {                                                                                              \
        a, sizeof(a)                                                                               \
    }

Test(h265, hvcc_matches_ffmpeg)
{
    const struct vg_nal_ref m720[] = {REF(m720_vps), REF(m720_sps), REF(m720_pps)};
    expect_hvcc(m720, 3, m720_hvcc, sizeof(m720_hvcc));
    const struct vg_nal_ref m360[] = {REF(m360_vps), REF(m360_sps), REF(m360_pps)};
    expect_hvcc(m360, 3, m360_hvcc, sizeof(m360_hvcc));
    /* Two temporal layers, not nested. */
    const struct vg_nal_ref tl[] = {REF(tl_vps), REF(tl_sps), REF(m720_pps)};
    expect_hvcc(tl, 3, tl_hvcc, sizeof(tl_hvcc));
}

Test(h265, hvcc_groups_units_by_type_whatever_the_order)
{
    const struct vg_nal_ref shuffled[] = {REF(m720_pps), REF(m720_sps), REF(m720_vps)};
    expect_hvcc(shuffled, 3, m720_hvcc, sizeof(m720_hvcc));
}

Test(h265, hvcc_puts_sei_in_an_incomplete_array)
{
    const uint8_t sei[] = {0x4e, 0x01, 0x05, 0x01, 0xaa, 0x80};
    const struct vg_nal_ref nals[] = {REF(sei), REF(m720_vps), REF(m720_sps), REF(m720_pps)};
    uint8_t out[512];
    size_t n = 0;
    cr_assert_eq(vg_h265_hvcc(nals, 4, out, sizeof(out), &n), 0);
    cr_assert_eq(n, sizeof(m720_hvcc) + 3 + 2 + sizeof(sei));
    cr_expect_eq(out[22], 4); /* numOfArrays */
    size_t tail = sizeof(m720_hvcc);
    cr_expect_eq(out[tail], 39); /* array_completeness 0, type 39 */
    cr_expect_eq(out[tail + 2], 1);
    cr_expect_eq(out[tail + 4], sizeof(sei));
    cr_expect_arr_eq(out + tail + 5, sei, sizeof(sei));
}

Test(h265, hvcc_needs_every_parameter_set_and_room)
{
    uint8_t out[512];
    size_t n = 55;
    const struct vg_nal_ref no_vps[] = {REF(m720_sps), REF(m720_pps)};
    cr_expect_eq(vg_h265_hvcc(no_vps, 2, out, sizeof(out), &n), -EINVAL);
    const struct vg_nal_ref slice[] = {REF(m720_vps), REF(m720_sps), REF(m720_pps), REF(m720_idr)};
    cr_expect_eq(vg_h265_hvcc(slice, 4, out, sizeof(out), &n), -EINVAL);
    const struct vg_nal_ref ok[] = {REF(m720_vps), REF(m720_sps), REF(m720_pps)};
    cr_expect_eq(vg_h265_hvcc(ok, 3, out, sizeof(m720_hvcc) - 1, &n), -ENOSPC);
    const struct vg_nal_ref empty[] = {{m720_vps, 0}, REF(m720_sps), REF(m720_pps)};
    cr_expect_eq(vg_h265_hvcc(empty, 3, out, sizeof(out), &n), -EINVAL);
    cr_expect_eq(n, 55);
}

Test(h265, nal_types_parameter_sets_and_keyframes)
{
    cr_expect_eq(vg_h265_nal_type(m720_vps, sizeof(m720_vps)), 32);
    cr_expect_eq(vg_h265_nal_type(m720_idr, sizeof(m720_idr)), 20);
    cr_expect_eq(vg_h265_nal_type(m720_idr, 1), -EINVAL);
    cr_expect(vg_h265_is_parameter_set(32));
    cr_expect(vg_h265_is_parameter_set(34));
    cr_expect_not(vg_h265_is_parameter_set(39));
    cr_expect(vg_h265_is_irap(16));
    cr_expect(vg_h265_is_irap(21));
    cr_expect(vg_h265_is_irap(23));
    cr_expect_not(vg_h265_is_irap(24));
    cr_expect_not(vg_h265_is_irap(1));
    const uint8_t cra[] = {0, 0, 1, 0x46, 0x01, 0x50, 0, 0, 1, 0x2a, 0x01, 0xaf};
    const uint8_t trail[] = {0, 0, 0, 2, 0x46, 0x01, 0, 0, 0, 2, 0x02, 0x01};
    cr_expect(vg_h265_is_keyframe(VG_NAL_ANNEXB, cra, sizeof(cra)));
    cr_expect_not(vg_h265_is_keyframe(VG_NAL_LP, trail, sizeof(trail)));
    cr_expect_not(vg_h265_is_keyframe(VG_NAL_ANNEXB, cra, 9));
}

Test(h265, track_params_fill_size_codec_and_hvcc)
{
    struct vg_track_params t = {0};
    cr_assert_eq(vg_h265_track_params(m720_vps, sizeof(m720_vps), m720_sps, sizeof(m720_sps),
                                      m720_pps, sizeof(m720_pps), &t),
                 0);
    cr_expect_eq(t.codec, VG_CODEC_H265);
    cr_expect_eq(t.timescale, 90000);
    cr_expect_eq(t.width, 1280);
    cr_expect_eq(t.height, 720);
    cr_expect_str_eq(t.codec_string, "hvc1.1.6.L93.90");
    cr_assert_eq(t.config_len, sizeof(m720_hvcc));
    cr_expect_arr_eq(t.config, m720_hvcc, sizeof(m720_hvcc));
    free(t.config);
}

Test(h265, track_params_leave_the_track_alone_on_error)
{
    struct vg_track_params t = {0};
    cr_expect_eq(vg_h265_track_params(m720_vps, sizeof(m720_vps), m720_sps, 10, m720_pps,
                                      sizeof(m720_pps), &t),
                 -EBADMSG);
    cr_expect_eq(vg_h265_track_params(m720_sps, sizeof(m720_sps), m720_sps, sizeof(m720_sps),
                                      m720_pps, sizeof(m720_pps), &t),
                 -EINVAL);
    cr_expect_eq(t.codec, VG_CODEC_NONE);
    cr_expect_null(t.config);
}

/* ---- damaged and synthetic input ---- */

struct fake_sps {
    uint32_t sub_layers_minus1, sps_id, chroma, w, h;
    bool conf;
    uint32_t win[4];
    uint32_t bit_depth_minus8;
};

static const struct fake_sps fake_default = {.chroma = 1, .w = 320, .h = 240};

static size_t make_sps(const struct fake_sps *f, uint8_t *out, size_t cap)
{
    uint8_t rbsp[256];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, rbsp, sizeof(rbsp));
    vg_bitwriter_u(&bw, 16, 0x4201);
    vg_bitwriter_u(&bw, 4, 0);
    vg_bitwriter_u(&bw, 3, f->sub_layers_minus1);
    vg_bitwriter_u(&bw, 1, 1);
    vg_bitwriter_u(&bw, 8, 0x01);        /* space 0, main tier, Main */
    vg_bitwriter_u(&bw, 32, 0x60000000); /* compatible with Main and Main 10 */
    vg_bitwriter_u(&bw, 16, 0x9000);
    vg_bitwriter_u(&bw, 32, 0);
    vg_bitwriter_u(&bw, 8, 90);
    for (uint32_t i = 0; i < f->sub_layers_minus1 && i < 7; i++)
        vg_bitwriter_u(&bw, 2, 3); /* sub-layer profile and level present */
    for (uint32_t i = f->sub_layers_minus1; i > 0 && i < 8; i++)
        vg_bitwriter_u(&bw, 2, 0);
    for (uint32_t i = 0; i < f->sub_layers_minus1 && i < 7; i++) {
        vg_bitwriter_u(&bw, 32, 0xffffffff); /* 88 bits of sub-layer profile */
        vg_bitwriter_u(&bw, 32, 0xffffffff);
        vg_bitwriter_u(&bw, 24, 0xffffff);
        vg_bitwriter_u(&bw, 8, 0xff); /* sub-layer level */
    }
    vg_bitwriter_ue(&bw, f->sps_id);
    vg_bitwriter_ue(&bw, f->chroma);
    if (f->chroma == 3)
        vg_bitwriter_u(&bw, 1, 0);
    vg_bitwriter_ue(&bw, f->w);
    vg_bitwriter_ue(&bw, f->h);
    vg_bitwriter_u(&bw, 1, f->conf);
    for (unsigned i = 0; f->conf && i < 4; i++)
        vg_bitwriter_ue(&bw, f->win[i]);
    vg_bitwriter_ue(&bw, f->bit_depth_minus8);
    vg_bitwriter_ue(&bw, f->bit_depth_minus8);
    vg_bitwriter_ue(&bw, 4);
    vg_bitwriter_rbsp_trailing(&bw);
    cr_assert_not(bw.overflow);
    size_t n = 0;
    cr_assert_eq(vg_nal_escape(rbsp, vg_bitwriter_len(&bw), out, cap, &n), 0);
    return n;
}

static int parse_fake(const struct fake_sps *f, struct vg_h265_sps *s)
{
    uint8_t nal[512];
    size_t n = make_sps(f, nal, sizeof(nal));
    return vg_h265_sps_parse(nal, n, s);
}

Test(h265, synthetic_sps_with_six_sub_layers_parses)
{
    struct fake_sps f = fake_default;
    f.sub_layers_minus1 = 6;
    struct vg_h265_sps s;
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect_eq(s.max_sub_layers, 7);
    cr_expect_eq(s.level_idc, 90);
    cr_expect_eq(s.width, 320);
    cr_expect_eq(s.height, 240);
    f.sub_layers_minus1 = 7; /* reserved value */
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h265, sps_id_above_15_is_ebadmsg)
{
    struct fake_sps f = fake_default;
    struct vg_h265_sps s;
    f.sps_id = 15;
    cr_assert_eq(parse_fake(&f, &s), 0);
    f.sps_id = 16;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h265, huge_zero_and_absurd_dimensions_are_ebadmsg)
{
    struct fake_sps f = fake_default;
    struct vg_h265_sps s;
    f.w = VG_H265_MAX_SIDE;
    cr_assert_eq(parse_fake(&f, &s), 0);
    f.w = VG_H265_MAX_SIDE + 1;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
    f.w = 0;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
    f.w = UINT32_MAX; /* 32 leading zeros */
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h265, conformance_window_as_large_as_the_picture_is_ebadmsg)
{
    struct fake_sps f = fake_default;
    struct vg_h265_sps s;
    f.conf = true;
    f.win[2] = 60;
    f.win[3] = 59;
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect_eq(s.height, 2);
    f.win[3] = 60;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
    f.win[3] = UINT32_MAX - 1;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h265, bit_depth_above_16_is_ebadmsg)
{
    struct fake_sps f = fake_default;
    struct vg_h265_sps s;
    f.bit_depth_minus8 = 8;
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect_eq(s.bit_depth_luma, 16);
    f.bit_depth_minus8 = 9;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h265, truncated_sps_is_ebadmsg_until_the_last_field_read)
{
    /* log2_max_pic_order_cnt_lsb_minus4 ends in NAL byte 24 (two emulation
     * bytes before it); what follows is not read. */
    struct vg_h265_sps s;
    for (size_t n = 0; n < 25; n++) {
        int r = vg_h265_sps_parse(m720_sps, n, &s);
        cr_expect(r == -EBADMSG || (n < 2 && r == -EINVAL), "prefix %zu: %d", n, r);
    }
    for (size_t n = 25; n < sizeof(m720_sps); n++) {
        cr_assert_eq(vg_h265_sps_parse(m720_sps, n, &s), 0, "prefix %zu", n);
        cr_expect_eq(s.width, 1280);
        cr_expect_eq(s.log2_max_poc_lsb, 8);
    }
}

Test(h265, all_one_bits_and_all_zero_bits_are_ebadmsg)
{
    uint8_t nal[40];
    struct vg_h265_sps s;
    memset(nal, 0xff, sizeof(nal));
    nal[0] = 0x42;
    nal[1] = 0x01;
    cr_expect_eq(vg_h265_sps_parse(nal, sizeof(nal), &s), -EBADMSG); /* 8 sub-layers */
    memset(nal + 2, 0, sizeof(nal) - 2);
    cr_expect_eq(vg_h265_sps_parse(nal, sizeof(nal), &s), -EBADMSG);
}

Test(h265, empty_wrong_type_and_oversized_units_are_refused)
{
    struct vg_h265_sps s;
    cr_expect_eq(vg_h265_sps_parse(NULL, 0, &s), -EINVAL);
    cr_expect_eq(vg_h265_sps_parse(m720_vps, sizeof(m720_vps), &s), -EINVAL);
    static uint8_t big[5000];
    memcpy(big, m720_sps, sizeof(m720_sps));
    cr_expect_eq(vg_h265_sps_parse(big, sizeof(big), &s), -EBADMSG);
}
