/* H.264 parameter sets and slice headers against what x264 writes and
 * FFmpeg's trace_headers bitstream filter reads back, plus damaged input.
 *
 * The byte arrays are NAL units (header byte first, emulation prevention in)
 * cut from streams made with the ffmpeg CLI (libx264 core 164):
 *   base: ffmpeg -f lavfi -i testsrc=size=640x360:rate=25 -frames:v 3 -pix_fmt yuv420p
 *           -c:v libx264 -profile:v baseline -bsf:v h264_mp4toannexb -f h264 base.h264
 *   high: same at 1280x720 with -profile:v high
 *   il:   1920x1080 -flags +ildct+ilme -x264-params interlaced=1 (MBAFF, crop 8)
 *   cqm:  320x240 -x264-params cqm4=6,..,21:cqm8=<64 values> (scaling lists in the PPS)
 *   h444: 320x240 -pix_fmt yuv444p -profile:v high444
 *   h10:  320x240 -pix_fmt yuv420p10le -profile:v high10
 * Slices are the first 16 bytes of the unit (enough for the header). Expected
 * values come from `ffmpeg -i x.h264 -c copy -bsf:v trace_headers -f null -`,
 * avcC bytes from the avcC box ffmpeg writes when muxing the stream to MP4. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/bits.h"
#include "media/h264.h"

#include "h264_vectors.h"

#define PARSE_SPS(arr, s) cr_assert_eq(vg_h264_sps_parse(arr, sizeof(arr), s), 0)

Test(h264, baseline_640x360_sps_is_cropped_to_360_not_368)
{
    struct vg_h264_sps s;
    PARSE_SPS(base_sps, &s);
    cr_expect_eq(s.profile_idc, 66);
    cr_expect_eq(s.constraint_flags, 0xc0);
    cr_expect_eq(s.level_idc, 30);
    cr_expect_eq(s.sps_id, 0);
    cr_expect_eq(s.chroma_format_idc, 1);
    cr_expect_eq(s.bit_depth_luma, 8);
    cr_expect_eq(s.log2_max_frame_num, 4);
    cr_expect_eq(s.pic_order_cnt_type, 2);
    cr_expect_eq(s.max_num_ref_frames, 3);
    cr_expect(s.frame_mbs_only_flag);
    cr_expect_eq(s.mb_width, 40);
    cr_expect_eq(s.mb_height, 23);
    cr_expect_eq(s.crop_bottom, 8);
    cr_expect_eq(s.width, 640);
    cr_expect_eq(s.height, 360);
    cr_expect(s.vui_present);
    cr_expect_eq(s.sar_width, 1);
    cr_expect_eq(s.sar_height, 1);
    cr_expect(s.timing_info_present);
    cr_expect_eq(s.num_units_in_tick, 1);
    cr_expect_eq(s.time_scale, 50);
    cr_expect_not(s.fixed_frame_rate_flag);
}

Test(h264, high_720p_sps_has_poc_type_0_and_no_crop)
{
    struct vg_h264_sps s;
    PARSE_SPS(high_sps, &s);
    cr_expect_eq(s.profile_idc, 100);
    cr_expect_eq(s.constraint_flags, 0);
    cr_expect_eq(s.level_idc, 31);
    cr_expect_eq(s.chroma_format_idc, 1);
    cr_expect_eq(s.bit_depth_luma, 8);
    cr_expect_eq(s.bit_depth_chroma, 8);
    cr_expect_not(s.seq_scaling_matrix_present_flag);
    cr_expect_eq(s.pic_order_cnt_type, 0);
    cr_expect_eq(s.log2_max_poc_lsb, 6);
    cr_expect_eq(s.max_num_ref_frames, 4);
    cr_expect_eq(s.mb_width, 80);
    cr_expect_eq(s.mb_height, 45);
    cr_expect_eq(s.width, 1280);
    cr_expect_eq(s.height, 720);
    cr_expect_eq(s.time_scale, 50);
}

Test(h264, interlaced_1080_crops_in_field_units)
{
    struct vg_h264_sps s;
    PARSE_SPS(il_sps, &s);
    cr_expect_not(s.frame_mbs_only_flag);
    cr_expect(s.mb_adaptive_frame_field_flag);
    cr_expect_eq(s.mb_width, 120);
    cr_expect_eq(s.mb_height, 68);  /* 34 map units, two fields */
    cr_expect_eq(s.crop_bottom, 8); /* offset 2 x 2 (4:2:0) x 2 (fields) */
    cr_expect_eq(s.width, 1920);
    cr_expect_eq(s.height, 1080);
}

Test(h264, high10_and_high444_report_bit_depth_and_chroma_format)
{
    struct vg_h264_sps s;
    PARSE_SPS(h10_sps, &s);
    cr_expect_eq(s.profile_idc, 110);
    cr_expect_eq(s.bit_depth_luma, 10);
    cr_expect_eq(s.bit_depth_chroma, 10);
    cr_expect_eq(s.width, 320);
    cr_expect_eq(s.height, 240);
    PARSE_SPS(h444_sps, &s);
    cr_expect_eq(s.profile_idc, 244);
    cr_expect_eq(s.chroma_format_idc, 3);
    cr_expect_not(s.separate_colour_plane_flag);
    cr_expect_eq(s.width, 320);
    cr_expect_eq(s.height, 240);
    cr_expect_eq(s.time_scale, 60);
}

Test(h264, baseline_pps_fields)
{
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    PARSE_SPS(base_sps, &s);
    cr_assert_eq(vg_h264_pps_parse(base_pps, sizeof(base_pps), &s, &p), 0);
    cr_expect_eq(p.pps_id, 0);
    cr_expect_eq(p.sps_id, 0);
    cr_expect_not(p.entropy_coding_mode_flag);
    cr_expect_not(p.bottom_field_pic_order_in_frame_present_flag);
    cr_expect_eq(p.num_slice_groups, 1);
    cr_expect_eq(p.num_ref_idx_l0_default_active, 3);
    cr_expect_eq(p.num_ref_idx_l1_default_active, 1);
    cr_expect_not(p.weighted_pred_flag);
    cr_expect_eq(p.weighted_bipred_idc, 0);
    cr_expect_eq(p.pic_init_qp, 23);
    cr_expect_eq(p.pic_init_qs, 26);
    cr_expect_eq(p.chroma_qp_index_offset, -2);
    cr_expect(p.deblocking_filter_control_present_flag);
    cr_expect_not(p.constrained_intra_pred_flag);
    cr_expect_not(p.redundant_pic_cnt_present_flag);
    cr_expect_not(p.transform_8x8_mode_flag);
    cr_expect_eq(p.second_chroma_qp_index_offset, -2);
}

Test(h264, high_pps_reads_the_transform_8x8_tail)
{
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    PARSE_SPS(high_sps, &s);
    cr_assert_eq(vg_h264_pps_parse(high_pps, sizeof(high_pps), &s, &p), 0);
    cr_expect(p.entropy_coding_mode_flag);
    cr_expect(p.weighted_pred_flag);
    cr_expect_eq(p.weighted_bipred_idc, 2);
    cr_expect(p.transform_8x8_mode_flag);
    cr_expect_not(p.pic_scaling_matrix_present_flag);
    cr_expect_eq(p.second_chroma_qp_index_offset, -2);
    PARSE_SPS(h444_sps, &s);
    cr_assert_eq(vg_h264_pps_parse(h444_pps, sizeof(h444_pps), &s, &p), 0);
    cr_expect_eq(p.second_chroma_qp_index_offset, 4);
}

Test(h264, pps_scaling_lists_are_stepped_over_exactly)
{
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    PARSE_SPS(cqm_sps, &s);
    cr_assert_eq(vg_h264_pps_parse(cqm_pps, sizeof(cqm_pps), &s, &p), 0);
    cr_expect(p.pic_scaling_matrix_present_flag);
    cr_expect(p.transform_8x8_mode_flag);
    cr_expect_eq(p.second_chroma_qp_index_offset, -2);
    /* Cut inside the lists: truncation, not a misread. */
    cr_expect_eq(vg_h264_pps_parse(cqm_pps, 60, &s, &p), -EBADMSG);
}

Test(h264, pps_ids_and_a_pps_for_another_sps)
{
    unsigned pps_id = 9, sps_id = 9;
    cr_assert_eq(vg_h264_pps_ids(high_pps, sizeof(high_pps), &pps_id, &sps_id), 0);
    cr_expect_eq(pps_id, 0);
    cr_expect_eq(sps_id, 0);
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    PARSE_SPS(high_sps, &s);
    s.sps_id = 1;
    cr_expect_eq(vg_h264_pps_parse(high_pps, sizeof(high_pps), &s, &p), -ENOENT);
    cr_expect_eq(vg_h264_pps_parse(high_pps, sizeof(high_pps), NULL, &p), -EINVAL);
}

static void parse_slice(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
                        const uint8_t *nal, size_t len, struct vg_h264_slice *ret)
{
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    unsigned pps_id = 99;
    cr_assert_eq(vg_h264_sps_parse(sps, sps_len, &s), 0);
    cr_assert_eq(vg_h264_pps_parse(pps, pps_len, &s, &p), 0);
    cr_assert_eq(vg_h264_slice_pps_id(nal, len, &pps_id), 0);
    cr_expect_eq(pps_id, 0);
    cr_assert_eq(vg_h264_slice_parse(nal, len, &s, &p, ret), 0);
}

#define SLICE(prefix, nal, ret)                                                                    \
    parse_slice(prefix##_sps, sizeof(prefix##_sps), prefix##_pps, sizeof(prefix##_pps), nal,       \
                sizeof(nal), ret)

Test(h264, baseline_idr_slice_marks_after_idr_pic_id)
{
    struct vg_h264_slice sl;
    SLICE(base, base_idr, &sl);
    cr_expect(sl.idr);
    cr_expect_eq(sl.nal_ref_idc, 3);
    cr_expect_eq(sl.first_mb_in_slice, 0);
    cr_expect_eq(sl.slice_type, 7);
    cr_expect_eq(sl.frame_num, 0);
    cr_expect_eq(sl.idr_pic_id, 0);
    cr_expect(sl.has_dec_ref_pic_marking);
    cr_expect_eq(sl.dec_ref_pic_marking_bit, 22);
    cr_expect_not(sl.no_output_of_prior_pics_flag);
    cr_expect_not(sl.long_term_reference_flag);
}

Test(h264, baseline_p_slice_with_ref_idx_override)
{
    struct vg_h264_slice sl;
    SLICE(base, base_p, &sl);
    cr_expect_not(sl.idr);
    cr_expect_eq(sl.nal_ref_idc, 2);
    cr_expect_eq(sl.slice_type, 5);
    cr_expect_eq(sl.frame_num, 1);
    cr_expect_eq(sl.num_ref_idx_l0_active, 1);
    cr_expect_eq(sl.dec_ref_pic_marking_bit, 22);
}

Test(h264, high_slices_with_poc_lsb_weights_and_b_frames)
{
    struct vg_h264_slice sl;
    SLICE(high, high_idr, &sl);
    cr_expect_eq(sl.pic_order_cnt_lsb, 0);
    cr_expect_eq(sl.dec_ref_pic_marking_bit, 28);
    SLICE(high, high_p, &sl); /* P with an explicit (empty) weight table */
    cr_expect_eq(sl.frame_num, 1);
    cr_expect_eq(sl.pic_order_cnt_lsb, 4);
    cr_expect_eq(sl.dec_ref_pic_marking_bit, 32);
    SLICE(high, high_b, &sl); /* non-reference B: no marking at all */
    cr_expect_eq(sl.slice_type, 6);
    cr_expect_eq(sl.nal_ref_idc, 0);
    cr_expect_eq(sl.pic_order_cnt_lsb, 2);
    cr_expect_eq(sl.num_ref_idx_l1_active, 1);
    cr_expect_not(sl.has_dec_ref_pic_marking);
}

Test(h264, interlaced_slices_carry_field_flag_and_bottom_delta)
{
    struct vg_h264_slice sl;
    SLICE(il, il_idr, &sl);
    cr_expect_not(sl.field_pic_flag);
    cr_expect_eq(sl.pic_order_cnt_lsb, 1);
    cr_expect_eq(sl.delta_pic_order_cnt_bottom, -1);
    cr_expect_eq(sl.dec_ref_pic_marking_bit, 32);
    SLICE(il, il_bref, &sl); /* reference B */
    cr_expect_eq(sl.slice_type, 6);
    cr_expect_eq(sl.pic_order_cnt_lsb, 3);
    cr_expect_eq(sl.dec_ref_pic_marking_bit, 35);
}

Test(h264, adaptive_ref_pic_marking_is_not_supported)
{
    uint8_t nal[sizeof(base_p)];
    memcpy(nal, base_p, sizeof(nal));
    nal[2] |= 0x02; /* bit 22: adaptive_ref_pic_marking_mode_flag */
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    struct vg_h264_slice sl;
    PARSE_SPS(base_sps, &s);
    cr_assert_eq(vg_h264_pps_parse(base_pps, sizeof(base_pps), &s, &p), 0);
    cr_expect_eq(vg_h264_slice_parse(nal, sizeof(nal), &s, &p, &sl), -ENOTSUP);
}

Test(h264, slice_naming_another_pps_is_enoent)
{
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    struct vg_h264_slice sl;
    PARSE_SPS(base_sps, &s);
    cr_assert_eq(vg_h264_pps_parse(base_pps, sizeof(base_pps), &s, &p), 0);
    p.pps_id = 3;
    cr_expect_eq(vg_h264_slice_parse(base_idr, sizeof(base_idr), &s, &p, &sl), -ENOENT);
    cr_expect_eq(vg_h264_slice_parse(base_sps, sizeof(base_sps), &s, &p, &sl), -EINVAL);
}

Test(h264, truncated_slice_header_is_ebadmsg)
{
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    struct vg_h264_slice sl;
    PARSE_SPS(high_sps, &s);
    cr_assert_eq(vg_h264_pps_parse(high_pps, sizeof(high_pps), &s, &p), 0);
    for (size_t n = 0; n < 5; n++)
        cr_expect_lt(vg_h264_slice_parse(high_p, n, &s, &p, &sl), 0, "prefix %zu", n);
}

Test(h264, nal_type_and_keyframe_detection_in_both_framings)
{
    cr_expect_eq(vg_h264_nal_type(base_idr, sizeof(base_idr)), 5);
    cr_expect_eq(vg_h264_nal_type(base_idr, 0), -EINVAL);
    const uint8_t annexb_key[] = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 0x88};
    const uint8_t annexb_p[] = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x41, 0x9a};
    const uint8_t lp_key[] = {0, 0, 0, 2, 0x06, 0x05, 0, 0, 0, 2, 0x65, 0x88};
    const uint8_t lp_p[] = {0, 0, 0, 2, 0x41, 0x9a};
    const uint8_t lp_bad[] = {0, 0, 0, 9, 0x65, 0x88};
    cr_expect(vg_h264_is_keyframe(VG_NAL_ANNEXB, annexb_key, sizeof(annexb_key)));
    cr_expect_not(vg_h264_is_keyframe(VG_NAL_ANNEXB, annexb_p, sizeof(annexb_p)));
    cr_expect(vg_h264_is_keyframe(VG_NAL_LP, lp_key, sizeof(lp_key)));
    cr_expect_not(vg_h264_is_keyframe(VG_NAL_LP, lp_p, sizeof(lp_p)));
    cr_expect_not(vg_h264_is_keyframe(VG_NAL_LP, lp_bad, sizeof(lp_bad)));
    cr_expect_not(vg_h264_is_keyframe(VG_NAL_LP, lp_key, 0));
}

static void expect_avcc(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
                        const uint8_t *want, size_t want_len)
{
    uint8_t out[512];
    size_t n = 0;
    cr_assert_eq(vg_h264_avcc(sps, sps_len, pps, pps_len, out, sizeof(out), &n), 0);
    cr_assert_eq(n, want_len);
    cr_expect_arr_eq(out, want, want_len);
}

Test(h264, avcc_matches_ffmpeg_for_baseline_and_high_profiles)
{
    expect_avcc(base_sps, sizeof(base_sps), base_pps, sizeof(base_pps), base_avcc,
                sizeof(base_avcc));
    expect_avcc(high_sps, sizeof(high_sps), high_pps, sizeof(high_pps), high_avcc,
                sizeof(high_avcc));
    expect_avcc(h10_sps, sizeof(h10_sps), h10_pps, sizeof(h10_pps), h10_avcc, sizeof(h10_avcc));
    expect_avcc(h444_sps, sizeof(h444_sps), h444_pps, sizeof(h444_pps), h444_avcc,
                sizeof(h444_avcc));
}

Test(h264, avcc_refuses_small_buffers_and_wrong_units)
{
    uint8_t out[sizeof(high_avcc)];
    size_t n = 77;
    cr_expect_eq(vg_h264_avcc(high_sps, sizeof(high_sps), high_pps, sizeof(high_pps), out,
                              sizeof(out) - 1, &n),
                 -ENOSPC);
    cr_expect_eq(n, 77);
    cr_expect_eq(
        vg_h264_avcc(high_pps, sizeof(high_pps), high_sps, sizeof(high_sps), out, sizeof(out), &n),
        -EINVAL);
    cr_expect_eq(vg_h264_avcc(high_sps, sizeof(high_sps), high_pps, 0, out, sizeof(out), &n),
                 -EINVAL);
}

Test(h264, codec_strings_are_upper_case_profile_constraints_level)
{
    struct vg_h264_sps s;
    char out[16];
    PARSE_SPS(base_sps, &s);
    cr_assert_eq(vg_h264_codec_string(&s, out, sizeof(out)), 0);
    cr_expect_str_eq(out, "avc1.42C01E");
    PARSE_SPS(high_sps, &s);
    cr_assert_eq(vg_h264_codec_string(&s, out, sizeof(out)), 0);
    cr_expect_str_eq(out, "avc1.64001F");
    cr_expect_eq(vg_h264_codec_string(&s, out, 11), -ENOSPC);
}

Test(h264, track_params_fill_size_codec_and_avcc)
{
    struct vg_track_params t = {0};
    cr_assert_eq(vg_h264_track_params(base_sps, sizeof(base_sps), base_pps, sizeof(base_pps), &t),
                 0);
    cr_expect_eq(t.codec, VG_CODEC_H264);
    cr_expect_eq(t.timescale, 90000);
    cr_expect_eq(t.width, 640);
    cr_expect_eq(t.height, 360);
    cr_expect_str_eq(t.codec_string, "avc1.42C01E");
    cr_assert_eq(t.config_len, sizeof(base_avcc));
    cr_expect_arr_eq(t.config, base_avcc, sizeof(base_avcc));
    free(t.config);
}

Test(h264, track_params_leave_the_track_alone_on_error)
{
    struct vg_track_params t = {0};
    cr_expect_eq(vg_h264_track_params(base_sps, 8, base_pps, sizeof(base_pps), &t), -EBADMSG);
    cr_expect_eq(vg_h264_track_params(base_sps, sizeof(base_sps), base_sps, sizeof(base_sps), &t),
                 -EINVAL);
    cr_expect_eq(t.codec, VG_CODEC_NONE);
    cr_expect_null(t.config);
    cr_expect_eq(t.width, 0);
}

/* ---- damaged and synthetic input ---- */

/* An SPS written field by field, for values x264 never produces. */
struct fake_sps {
    unsigned profile;
    uint32_t sps_id;
    unsigned chroma; /* high profiles only */
    bool scaling;    /* eight scaling lists with deltas, one ended early */
    uint32_t poc_type, poc_cycle;
    uint32_t w_minus1, h_minus1;
    bool frame_mbs_only;
    bool crop;
    uint32_t crop_v[4];
};

static const struct fake_sps fake_default = {
    .profile = 100, .chroma = 1, .w_minus1 = 19, .h_minus1 = 14, .frame_mbs_only = true};

static size_t make_sps(const struct fake_sps *f, uint8_t *out, size_t cap)
{
    uint8_t rbsp[1024];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, rbsp, sizeof(rbsp));
    vg_bitwriter_u(&bw, 8, 0x67);
    vg_bitwriter_u(&bw, 8, f->profile);
    vg_bitwriter_u(&bw, 8, 0);
    vg_bitwriter_u(&bw, 8, 40);
    vg_bitwriter_ue(&bw, f->sps_id);
    if (f->profile == 100) {
        vg_bitwriter_ue(&bw, f->chroma);
        if (f->chroma == 3)
            vg_bitwriter_u(&bw, 1, 0);
        vg_bitwriter_ue(&bw, 0);
        vg_bitwriter_ue(&bw, 0);
        vg_bitwriter_u(&bw, 1, 0);
        vg_bitwriter_u(&bw, 1, f->scaling);
        for (unsigned i = 0; f->scaling && i < (f->chroma != 3 ? 8u : 12u); i++) {
            vg_bitwriter_u(&bw, 1, 1);
            if (i == 0) {
                vg_bitwriter_se(&bw, -8); /* nextScale 0: use the default list */
                continue;
            }
            for (unsigned j = 0; j < (i < 6 ? 16u : 64u); j++)
                vg_bitwriter_se(&bw, (int32_t)(j % 7) - 3);
        }
    }
    vg_bitwriter_ue(&bw, 0); /* log2_max_frame_num_minus4 */
    vg_bitwriter_ue(&bw, f->poc_type);
    if (f->poc_type == 0)
        vg_bitwriter_ue(&bw, 2);
    if (f->poc_type == 1) {
        vg_bitwriter_u(&bw, 1, 0);
        vg_bitwriter_se(&bw, -1);
        vg_bitwriter_se(&bw, 2);
        vg_bitwriter_ue(&bw, f->poc_cycle);
        for (uint32_t i = 0; i < f->poc_cycle && i < 300; i++)
            vg_bitwriter_se(&bw, (int32_t)i - 3);
    }
    vg_bitwriter_ue(&bw, 2); /* max_num_ref_frames */
    vg_bitwriter_u(&bw, 1, 0);
    vg_bitwriter_ue(&bw, f->w_minus1);
    vg_bitwriter_ue(&bw, f->h_minus1);
    vg_bitwriter_u(&bw, 1, f->frame_mbs_only);
    if (!f->frame_mbs_only)
        vg_bitwriter_u(&bw, 1, 0);
    vg_bitwriter_u(&bw, 1, 1);
    vg_bitwriter_u(&bw, 1, f->crop);
    for (unsigned i = 0; f->crop && i < 4; i++)
        vg_bitwriter_ue(&bw, f->crop_v[i]);
    vg_bitwriter_u(&bw, 1, 0); /* no VUI */
    vg_bitwriter_rbsp_trailing(&bw);
    cr_assert_not(bw.overflow);
    size_t n = 0;
    cr_assert_eq(vg_nal_escape(rbsp, vg_bitwriter_len(&bw), out, cap, &n), 0);
    return n;
}

static int parse_fake(const struct fake_sps *f, struct vg_h264_sps *s)
{
    uint8_t nal[2048];
    size_t n = make_sps(f, nal, sizeof(nal));
    return vg_h264_sps_parse(nal, n, s);
}

Test(h264, synthetic_sps_round_trips_through_the_parser)
{
    struct vg_h264_sps s;
    cr_assert_eq(parse_fake(&fake_default, &s), 0);
    cr_expect_eq(s.width, 320);
    cr_expect_eq(s.height, 240);
    cr_expect_eq(s.level_idc, 40);
    cr_expect_not(s.vui_present);
    cr_expect_not(s.timing_info_present);
}

Test(h264, sps_scaling_lists_are_skipped_to_the_right_bit)
{
    struct fake_sps f = fake_default;
    f.scaling = true;
    f.crop = true;
    f.crop_v[3] = 4;
    struct vg_h264_sps s;
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect(s.seq_scaling_matrix_present_flag);
    cr_expect_eq(s.width, 320);
    cr_expect_eq(s.height, 232);
    f.chroma = 3; /* twelve lists for 4:4:4, crop units of one pixel */
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect_eq(s.chroma_format_idc, 3);
    cr_expect_eq(s.height, 236);
}

Test(h264, poc_type_1_cycle_is_read_and_bounded)
{
    struct fake_sps f = fake_default;
    f.poc_type = 1;
    f.poc_cycle = 5;
    struct vg_h264_sps s;
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect_eq(s.pic_order_cnt_type, 1);
    cr_expect_eq(s.offset_for_non_ref_pic, -1);
    cr_expect_eq(s.offset_for_top_to_bottom_field, 2);
    cr_expect_eq(s.num_ref_frames_in_poc_cycle, 5);
    cr_expect_eq(s.offset_for_ref_frame[4], 1);
    cr_expect_eq(s.width, 320);
    f.poc_cycle = 256;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
    f.poc_type = 3;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h264, sps_id_above_31_is_ebadmsg)
{
    struct fake_sps f = fake_default;
    struct vg_h264_sps s;
    f.sps_id = 31;
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect_eq(s.sps_id, 31);
    f.sps_id = 32;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h264, huge_dimensions_are_ebadmsg)
{
    struct fake_sps f = fake_default;
    struct vg_h264_sps s;
    f.w_minus1 = VG_H264_MAX_MBS - 1;
    f.h_minus1 = VG_H264_MAX_MBS - 1;
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect_eq(s.width, 16384);
    f.w_minus1 = VG_H264_MAX_MBS;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
    f.w_minus1 = UINT32_MAX - 1;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
    f = fake_default;
    f.frame_mbs_only = false; /* map units double in height */
    f.h_minus1 = VG_H264_MAX_MBS / 2;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h264, absurd_exp_golomb_length_is_ebadmsg)
{
    struct fake_sps f = fake_default;
    struct vg_h264_sps s;
    f.w_minus1 = UINT32_MAX; /* written with 32 leading zeros */
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h264, crop_as_large_as_the_picture_is_ebadmsg)
{
    struct fake_sps f = fake_default;
    struct vg_h264_sps s;
    f.crop = true;
    f.crop_v[0] = 80; /* 160 of 320 pixels */
    f.crop_v[1] = 79;
    cr_assert_eq(parse_fake(&f, &s), 0);
    cr_expect_eq(s.width, 2);
    f.crop_v[1] = 80;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
    f.crop_v[1] = UINT32_MAX - 1;
    cr_expect_eq(parse_fake(&f, &s), -EBADMSG);
}

Test(h264, truncated_sps_fails_until_the_vui_which_is_optional)
{
    struct vg_h264_sps s;
    /* The VUI flag is RBSP bit 74, in byte 9; the timing info ends with bit
     * 152, which is in NAL byte 21 (two emulation bytes come before it). */
    for (size_t n = 0; n < 10; n++)
        cr_expect_lt(vg_h264_sps_parse(base_sps, n, &s), 0, "prefix %zu", n);
    for (size_t n = 10; n < sizeof(base_sps); n++) {
        cr_assert_eq(vg_h264_sps_parse(base_sps, n, &s), 0, "prefix %zu", n);
        cr_expect_eq(s.height, 360);
        cr_expect_eq(s.timing_info_present, n >= 22, "prefix %zu", n);
    }
}

Test(h264, sps_of_all_one_bits_is_the_smallest_picture)
{
    /* Every ue(v) of a run of ones is 0: profile 255 (not high), 1x1 MB,
     * crop 0, VUI with SAR 65535:65535 and timing 0xffffffff. */
    uint8_t nal[24];
    memset(nal, 0xff, sizeof(nal));
    nal[0] = 0x67;
    struct vg_h264_sps s;
    cr_assert_eq(vg_h264_sps_parse(nal, sizeof(nal), &s), 0);
    cr_expect_eq(s.width, 16);
    cr_expect_eq(s.height, 16);
    cr_expect_eq(s.sar_width, 65535);
    /* As a PPS: weighted_bipred_idc 3 does not exist. */
    nal[0] = 0x68;
    struct vg_h264_pps p;
    cr_expect_eq(vg_h264_pps_parse(nal, sizeof(nal), &s, &p), -EBADMSG);
}

Test(h264, sps_of_zero_bits_is_ebadmsg)
{
    uint8_t nal[24] = {0x67};
    struct vg_h264_sps s;
    cr_expect_eq(vg_h264_sps_parse(nal, sizeof(nal), &s), -EBADMSG);
}

Test(h264, empty_wrong_type_and_oversized_units_are_refused)
{
    struct vg_h264_sps s;
    cr_expect_eq(vg_h264_sps_parse(base_sps, 0, &s), -EINVAL);
    cr_expect_eq(vg_h264_sps_parse(NULL, 0, &s), -EINVAL);
    cr_expect_eq(vg_h264_sps_parse(base_pps, sizeof(base_pps), &s), -EINVAL);
    static uint8_t big[5000];
    memcpy(big, base_sps, sizeof(base_sps));
    cr_expect_eq(vg_h264_sps_parse(big, sizeof(big), &s), -EBADMSG);
}

Test(h264, pps_with_slice_groups_is_not_supported)
{
    uint8_t rbsp[16], nal[32];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, rbsp, sizeof(rbsp));
    vg_bitwriter_u(&bw, 8, 0x68);
    vg_bitwriter_ue(&bw, 0);
    vg_bitwriter_ue(&bw, 0);
    vg_bitwriter_u(&bw, 2, 0);
    vg_bitwriter_ue(&bw, 1); /* two slice groups */
    vg_bitwriter_ue(&bw, 0); /* slice_group_map_type */
    vg_bitwriter_rbsp_trailing(&bw);
    size_t n = 0;
    cr_assert_eq(vg_nal_escape(rbsp, vg_bitwriter_len(&bw), nal, sizeof(nal), &n), 0);
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    PARSE_SPS(base_sps, &s);
    cr_expect_eq(vg_h264_pps_parse(nal, n, &s, &p), -ENOTSUP);
}

Test(h264, truncated_pps_is_ebadmsg)
{
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    PARSE_SPS(high_sps, &s);
    for (size_t n = 1; n < 4; n++)
        cr_expect_eq(vg_h264_pps_parse(high_pps, n, &s, &p), -EBADMSG, "prefix %zu", n);
}
