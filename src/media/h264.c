#include "media/h264.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/bits.h"

/* Real SPS/PPS are tens of bytes (a few hundred with scaling lists and HRD);
 * a longer one is damaged. Slice headers are read from a prefix of the unit. */
#define PARAM_MAX 4096
#define SLICE_HEADER_MAX 2048

int vg_h264_nal_type(const uint8_t *nal, size_t len)
{
    if (len < 1)
        return -EINVAL;
    return nal[0] & 0x1f;
}

bool vg_h264_is_keyframe(enum vg_nal_format fmt, const uint8_t *au, size_t len)
{
    size_t cursor = 0, start, n;
    while (vg_nal_next(fmt, au, len, &cursor, &start, &n) == 1) {
        if ((au[start] & 0x1f) == VG_H264_NAL_IDR)
            return true;
    }
    return false;
}

/* Unescapes a parameter set (whole) or a slice (a prefix) into rbsp, which
 * holds cap bytes. */
static int load_rbsp(const uint8_t *nal, size_t len, int type, bool whole, uint8_t *rbsp,
                     size_t cap, size_t *ret_len)
{
    if (!nal || len < 1 || (nal[0] & 0x1f) != type)
        return -EINVAL;
    if (len > cap) {
        if (whole)
            return -EBADMSG;
        len = cap;
    }
    return vg_nal_unescape(nal, len, rbsp, cap, ret_len);
}

/* Profiles whose SPS carries chroma format, bit depths and scaling lists. */
static bool high_profile(unsigned p)
{
    static const uint8_t high[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};
    for (size_t i = 0; i < sizeof(high); i++) {
        if (p == high[i])
            return true;
    }
    return false;
}

/* scaling_list(): only the deltas matter to us, to step over them. */
static int skip_scaling_list(struct vg_bitreader *br, unsigned size)
{
    int last = 8, next = 8;
    for (unsigned j = 0; j < size && next != 0; j++) {
        int32_t delta = vg_bitreader_se(br);
        if (delta < -128 || delta > 127)
            return -EBADMSG;
        next = (last + delta + 256) % 256;
        if (next != 0)
            last = next;
    }
    return br->overrun ? -EBADMSG : 0;
}

static int skip_scaling_lists(struct vg_bitreader *br, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        if (vg_bitreader_flag(br)) {
            int r = skip_scaling_list(br, i < 6 ? 16 : 64);
            if (r < 0)
                return r;
        }
    }
    return br->overrun ? -EBADMSG : 0;
}

static const uint8_t sar_table[17][2] = {
    {0, 0},   {1, 1},   {12, 11}, {10, 11}, {16, 11},  {40, 33}, {24, 11}, {20, 11}, {32, 11},
    {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3},   {3, 2},   {2, 1},
};

/* VUI up to the timing info. Cameras ship VUIs that are cut short or padded
 * oddly and the picture decodes without it, so a damaged VUI is ignored rather
 * than failing the SPS. */
static void parse_vui(const struct vg_bitreader *at, struct vg_h264_sps *s)
{
    struct vg_bitreader b = *at;
    unsigned sar_w = 0, sar_h = 0;
    if (vg_bitreader_flag(&b)) { /* aspect_ratio_info_present_flag */
        unsigned idc = vg_bitreader_u(&b, 8);
        if (idc == 255) {
            sar_w = vg_bitreader_u(&b, 16);
            sar_h = vg_bitreader_u(&b, 16);
        } else if (idc < 17) {
            sar_w = sar_table[idc][0];
            sar_h = sar_table[idc][1];
        }
    }
    if (vg_bitreader_flag(&b))     /* overscan_info_present_flag */
        vg_bitreader_skip(&b, 1);  /* overscan_appropriate_flag */
    if (vg_bitreader_flag(&b)) {   /* video_signal_type_present_flag */
        vg_bitreader_skip(&b, 4);  /* video_format, video_full_range_flag */
        if (vg_bitreader_flag(&b)) /* colour_description_present_flag */
            vg_bitreader_skip(&b, 24);
    }
    if (vg_bitreader_flag(&b)) { /* chroma_loc_info_present_flag */
        vg_bitreader_ue(&b);
        vg_bitreader_ue(&b);
    }
    bool timing = vg_bitreader_flag(&b);
    uint32_t tick = 0, scale = 0;
    bool fixed = false;
    if (timing) {
        tick = vg_bitreader_u(&b, 32);
        scale = vg_bitreader_u(&b, 32);
        fixed = vg_bitreader_flag(&b);
    }
    if (b.overrun)
        return;
    s->sar_width = sar_w;
    s->sar_height = sar_h;
    s->timing_info_present = timing && tick > 0 && scale > 0;
    if (s->timing_info_present) {
        s->num_units_in_tick = tick;
        s->time_scale = scale;
        s->fixed_frame_rate_flag = fixed;
    }
}

static int parse_poc(struct vg_bitreader *br, struct vg_h264_sps *s)
{
    s->pic_order_cnt_type = vg_bitreader_ue(br);
    if (s->pic_order_cnt_type > 2)
        return -EBADMSG;
    if (s->pic_order_cnt_type == 0) {
        uint32_t v = vg_bitreader_ue(br);
        if (v > 12)
            return -EBADMSG;
        s->log2_max_poc_lsb = v + 4;
    } else if (s->pic_order_cnt_type == 1) {
        s->delta_pic_order_always_zero_flag = vg_bitreader_flag(br);
        s->offset_for_non_ref_pic = vg_bitreader_se(br);
        s->offset_for_top_to_bottom_field = vg_bitreader_se(br);
        s->num_ref_frames_in_poc_cycle = vg_bitreader_ue(br);
        if (s->num_ref_frames_in_poc_cycle > 255)
            return -EBADMSG;
        for (unsigned i = 0; i < s->num_ref_frames_in_poc_cycle; i++)
            s->offset_for_ref_frame[i] = vg_bitreader_se(br);
    }
    return 0;
}

/* Frame size and cropping (7.4.2.1.1): crop units depend on the chroma
 * sampling and on whether pictures are coded as fields. */
static int parse_size(struct vg_bitreader *br, struct vg_h264_sps *s)
{
    uint32_t w = vg_bitreader_ue(br), map_h = vg_bitreader_ue(br);
    s->frame_mbs_only_flag = vg_bitreader_flag(br);
    if (!s->frame_mbs_only_flag)
        s->mb_adaptive_frame_field_flag = vg_bitreader_flag(br);
    s->direct_8x8_inference_flag = vg_bitreader_flag(br);
    uint64_t crop[4] = {0, 0, 0, 0};
    if (vg_bitreader_flag(br)) {
        for (unsigned i = 0; i < 4; i++)
            crop[i] = vg_bitreader_ue(br);
    }
    if (br->overrun)
        return -EBADMSG;
    unsigned field_factor = s->frame_mbs_only_flag ? 1 : 2;
    if (w >= VG_H264_MAX_MBS || map_h >= VG_H264_MAX_MBS ||
        ((uint64_t)map_h + 1) * field_factor > VG_H264_MAX_MBS)
        return -EBADMSG;
    s->mb_width = w + 1;
    s->mb_height = (map_h + 1) * field_factor;

    unsigned cat = s->separate_colour_plane_flag ? 0 : s->chroma_format_idc;
    unsigned unit_x = (cat == 1 || cat == 2) ? 2 : 1;
    unsigned unit_y = (cat == 1 ? 2 : 1) * field_factor;
    uint64_t cw = (crop[0] + crop[1]) * unit_x, ch = (crop[2] + crop[3]) * unit_y;
    if (cw >= s->mb_width * 16u || ch >= s->mb_height * 16u)
        return -EBADMSG;
    s->crop_left = (unsigned)(crop[0] * unit_x);
    s->crop_right = (unsigned)(crop[1] * unit_x);
    s->crop_top = (unsigned)(crop[2] * unit_y);
    s->crop_bottom = (unsigned)(crop[3] * unit_y);
    s->width = s->mb_width * 16 - (unsigned)cw;
    s->height = s->mb_height * 16 - (unsigned)ch;
    return 0;
}

int vg_h264_sps_parse(const uint8_t *nal, size_t len, struct vg_h264_sps *ret)
{
    uint8_t rbsp[PARAM_MAX];
    size_t n;
    int r = load_rbsp(nal, len, VG_H264_NAL_SPS, true, rbsp, sizeof(rbsp), &n);
    if (r < 0)
        return r;
    struct vg_bitreader br;
    vg_bitreader_init(&br, rbsp + 1, n - 1);
    /* Large (offset_for_ref_frame), so build in place only on success. */
    struct vg_h264_sps s;
    memset(&s, 0, sizeof(s));
    s.profile_idc = (uint8_t)vg_bitreader_u(&br, 8);
    s.constraint_flags = (uint8_t)vg_bitreader_u(&br, 8);
    s.level_idc = (uint8_t)vg_bitreader_u(&br, 8);
    s.sps_id = vg_bitreader_ue(&br);
    if (br.overrun || s.sps_id > 31)
        return -EBADMSG;
    s.chroma_format_idc = 1;
    s.bit_depth_luma = s.bit_depth_chroma = 8;
    if (high_profile(s.profile_idc)) {
        s.chroma_format_idc = vg_bitreader_ue(&br);
        if (s.chroma_format_idc > 3)
            return -EBADMSG;
        if (s.chroma_format_idc == 3)
            s.separate_colour_plane_flag = vg_bitreader_flag(&br);
        uint32_t bdl = vg_bitreader_ue(&br), bdc = vg_bitreader_ue(&br);
        if (bdl > 6 || bdc > 6)
            return -EBADMSG;
        s.bit_depth_luma = 8 + bdl;
        s.bit_depth_chroma = 8 + bdc;
        vg_bitreader_skip(&br, 1); /* qpprime_y_zero_transform_bypass_flag */
        s.seq_scaling_matrix_present_flag = vg_bitreader_flag(&br);
        if (s.seq_scaling_matrix_present_flag) {
            r = skip_scaling_lists(&br, s.chroma_format_idc != 3 ? 8 : 12);
            if (r < 0)
                return r;
        }
    }
    uint32_t v = vg_bitreader_ue(&br);
    if (v > 12)
        return -EBADMSG;
    s.log2_max_frame_num = v + 4;
    r = parse_poc(&br, &s);
    if (r < 0)
        return r;
    s.max_num_ref_frames = vg_bitreader_ue(&br);
    if (s.max_num_ref_frames > 16)
        return -EBADMSG;
    s.gaps_in_frame_num_allowed_flag = vg_bitreader_flag(&br);
    r = parse_size(&br, &s);
    if (r < 0)
        return r;
    s.vui_present = vg_bitreader_flag(&br);
    if (br.overrun)
        return -EBADMSG;
    if (s.vui_present)
        parse_vui(&br, &s);
    memcpy(ret, &s, sizeof(s));
    return 0;
}

int vg_h264_pps_ids(const uint8_t *nal, size_t len, unsigned *ret_pps_id, unsigned *ret_sps_id)
{
    uint8_t rbsp[16];
    size_t n;
    int r = load_rbsp(nal, len, VG_H264_NAL_PPS, false, rbsp, sizeof(rbsp), &n);
    if (r < 0)
        return r;
    struct vg_bitreader br;
    vg_bitreader_init(&br, rbsp + 1, n - 1);
    uint32_t pps_id = vg_bitreader_ue(&br), sps_id = vg_bitreader_ue(&br);
    if (br.overrun || pps_id > 255 || sps_id > 31)
        return -EBADMSG;
    *ret_pps_id = pps_id;
    *ret_sps_id = sps_id;
    return 0;
}

int vg_h264_pps_parse(const uint8_t *nal, size_t len, const struct vg_h264_sps *sps,
                      struct vg_h264_pps *ret)
{
    uint8_t rbsp[PARAM_MAX];
    size_t n;
    int r = load_rbsp(nal, len, VG_H264_NAL_PPS, true, rbsp, sizeof(rbsp), &n);
    if (r < 0)
        return r;
    if (!sps)
        return -EINVAL;
    struct vg_bitreader br;
    vg_bitreader_init(&br, rbsp + 1, n - 1);
    struct vg_h264_pps p;
    memset(&p, 0, sizeof(p));
    p.pps_id = vg_bitreader_ue(&br);
    p.sps_id = vg_bitreader_ue(&br);
    if (br.overrun || p.pps_id > 255 || p.sps_id > 31)
        return -EBADMSG;
    if (p.sps_id != sps->sps_id)
        return -ENOENT;
    p.entropy_coding_mode_flag = vg_bitreader_flag(&br);
    p.bottom_field_pic_order_in_frame_present_flag = vg_bitreader_flag(&br);
    uint32_t groups = vg_bitreader_ue(&br);
    if (groups > 7)
        return -EBADMSG;
    if (groups > 0)
        return -ENOTSUP;
    p.num_slice_groups = 1;
    uint32_t l0 = vg_bitreader_ue(&br), l1 = vg_bitreader_ue(&br);
    if (l0 > 31 || l1 > 31)
        return -EBADMSG;
    p.num_ref_idx_l0_default_active = l0 + 1;
    p.num_ref_idx_l1_default_active = l1 + 1;
    p.weighted_pred_flag = vg_bitreader_flag(&br);
    p.weighted_bipred_idc = vg_bitreader_u(&br, 2);
    int32_t qp = vg_bitreader_se(&br), qs = vg_bitreader_se(&br), cqp = vg_bitreader_se(&br);
    int qp_bd_offset = 6 * ((int)sps->bit_depth_luma - 8);
    if (p.weighted_bipred_idc > 2 || qp < -(26 + qp_bd_offset) || qp > 25 || qs < -26 || qs > 25 ||
        cqp < -12 || cqp > 12)
        return -EBADMSG;
    p.pic_init_qp = 26 + qp;
    p.pic_init_qs = 26 + qs;
    p.chroma_qp_index_offset = cqp;
    p.deblocking_filter_control_present_flag = vg_bitreader_flag(&br);
    p.constrained_intra_pred_flag = vg_bitreader_flag(&br);
    p.redundant_pic_cnt_present_flag = vg_bitreader_flag(&br);
    p.second_chroma_qp_index_offset = cqp;
    if (br.overrun)
        return -EBADMSG;
    if (vg_bitreader_more_rbsp_data(&br)) {
        p.transform_8x8_mode_flag = vg_bitreader_flag(&br);
        p.pic_scaling_matrix_present_flag = vg_bitreader_flag(&br);
        if (p.pic_scaling_matrix_present_flag) {
            unsigned extra = p.transform_8x8_mode_flag ? (sps->chroma_format_idc != 3 ? 2 : 6) : 0;
            r = skip_scaling_lists(&br, 6 + extra);
            if (r < 0)
                return r;
        }
        int32_t c2 = vg_bitreader_se(&br);
        if (br.overrun || c2 < -12 || c2 > 12)
            return -EBADMSG;
        p.second_chroma_qp_index_offset = c2;
    }
    *ret = p;
    return 0;
}

int vg_h264_slice_pps_id(const uint8_t *nal, size_t len, unsigned *ret_pps_id)
{
    uint8_t rbsp[32];
    size_t n;
    int t = vg_h264_nal_type(nal, len);
    if (t != VG_H264_NAL_SLICE && t != VG_H264_NAL_IDR)
        return -EINVAL;
    int r = load_rbsp(nal, len, t, false, rbsp, sizeof(rbsp), &n);
    if (r < 0)
        return r;
    struct vg_bitreader br;
    vg_bitreader_init(&br, rbsp + 1, n - 1);
    vg_bitreader_ue(&br); /* first_mb_in_slice */
    uint32_t type = vg_bitreader_ue(&br), pps_id = vg_bitreader_ue(&br);
    if (br.overrun || type > 9 || pps_id > 255)
        return -EBADMSG;
    *ret_pps_id = pps_id;
    return 0;
}

/* ref_pic_list_modification() for one list: pairs ended by idc 3, at most one
 * per reference index plus the terminator. */
static int skip_list_modification(struct vg_bitreader *br)
{
    if (!vg_bitreader_flag(br))
        return 0;
    for (unsigned i = 0; i <= 33; i++) {
        uint32_t idc = vg_bitreader_ue(br);
        if (br->overrun || idc > 3)
            return -EBADMSG;
        if (idc == 3)
            return 0;
        vg_bitreader_ue(br); /* abs_diff_pic_num_minus1 or long_term_pic_num */
    }
    return -EBADMSG;
}

static int skip_pred_weight_table(struct vg_bitreader *br, const struct vg_h264_sps *sps,
                                  const struct vg_h264_slice *s)
{
    bool chroma = !sps->separate_colour_plane_flag && sps->chroma_format_idc != 0;
    if (vg_bitreader_ue(br) > 7) /* luma_log2_weight_denom */
        return -EBADMSG;
    if (chroma && vg_bitreader_ue(br) > 7)
        return -EBADMSG;
    unsigned lists = s->slice_type % 5 == VG_H264_SLICE_B ? 2 : 1;
    for (unsigned l = 0; l < lists; l++) {
        unsigned count = l == 0 ? s->num_ref_idx_l0_active : s->num_ref_idx_l1_active;
        for (unsigned i = 0; i < count && !br->overrun; i++) {
            if (vg_bitreader_flag(br)) {
                vg_bitreader_se(br);
                vg_bitreader_se(br);
            }
            if (chroma && vg_bitreader_flag(br)) {
                for (unsigned j = 0; j < 4; j++)
                    vg_bitreader_se(br);
            }
        }
    }
    return br->overrun ? -EBADMSG : 0;
}

/* From slice_type on to the reference lists: the part whose presence depends
 * on the picture structure and on the PPS. */
static int parse_poc_and_refs(struct vg_bitreader *br, const struct vg_h264_sps *sps,
                              const struct vg_h264_pps *pps, struct vg_h264_slice *s)
{
    unsigned kind = s->slice_type % 5;
    if (sps->pic_order_cnt_type == 0) {
        s->pic_order_cnt_lsb = vg_bitreader_u(br, sps->log2_max_poc_lsb);
        if (pps->bottom_field_pic_order_in_frame_present_flag && !s->field_pic_flag)
            s->delta_pic_order_cnt_bottom = vg_bitreader_se(br);
    }
    if (sps->pic_order_cnt_type == 1 && !sps->delta_pic_order_always_zero_flag) {
        s->delta_pic_order_cnt[0] = vg_bitreader_se(br);
        if (pps->bottom_field_pic_order_in_frame_present_flag && !s->field_pic_flag)
            s->delta_pic_order_cnt[1] = vg_bitreader_se(br);
    }
    if (pps->redundant_pic_cnt_present_flag) {
        s->redundant_pic_cnt = vg_bitreader_ue(br);
        if (s->redundant_pic_cnt > 127)
            return -EBADMSG;
    }
    if (kind == VG_H264_SLICE_B)
        vg_bitreader_skip(br, 1); /* direct_spatial_mv_pred_flag */
    if (kind == VG_H264_SLICE_P || kind == VG_H264_SLICE_SP || kind == VG_H264_SLICE_B) {
        s->num_ref_idx_l0_active = pps->num_ref_idx_l0_default_active;
        if (kind == VG_H264_SLICE_B)
            s->num_ref_idx_l1_active = pps->num_ref_idx_l1_default_active;
        if (vg_bitreader_flag(br)) { /* num_ref_idx_active_override_flag */
            uint32_t l0 = vg_bitreader_ue(br);
            uint32_t l1 = kind == VG_H264_SLICE_B ? vg_bitreader_ue(br) : 0;
            if (l0 > 31 || l1 > 31)
                return -EBADMSG;
            s->num_ref_idx_l0_active = l0 + 1;
            if (kind == VG_H264_SLICE_B)
                s->num_ref_idx_l1_active = l1 + 1;
        }
    }
    int r = 0;
    if (kind != VG_H264_SLICE_I && kind != VG_H264_SLICE_SI)
        r = skip_list_modification(br);
    if (r == 0 && kind == VG_H264_SLICE_B)
        r = skip_list_modification(br);
    if (r < 0)
        return r;
    if ((pps->weighted_pred_flag && (kind == VG_H264_SLICE_P || kind == VG_H264_SLICE_SP)) ||
        (pps->weighted_bipred_idc == 1 && kind == VG_H264_SLICE_B))
        r = skip_pred_weight_table(br, sps, s);
    return r;
}

int vg_h264_slice_parse(const uint8_t *nal, size_t len, const struct vg_h264_sps *sps,
                        const struct vg_h264_pps *pps, struct vg_h264_slice *ret)
{
    uint8_t rbsp[SLICE_HEADER_MAX];
    size_t n;
    int t = vg_h264_nal_type(nal, len);
    if (t != VG_H264_NAL_SLICE && t != VG_H264_NAL_IDR)
        return -EINVAL;
    if (!sps || !pps)
        return -EINVAL;
    int r = load_rbsp(nal, len, t, false, rbsp, sizeof(rbsp), &n);
    if (r < 0)
        return r;
    struct vg_bitreader br;
    vg_bitreader_init(&br, rbsp, n);
    struct vg_h264_slice s;
    memset(&s, 0, sizeof(s));
    s.nal_ref_idc = (vg_bitreader_u(&br, 8) >> 5) & 3;
    s.nal_unit_type = (unsigned)t;
    s.idr = t == VG_H264_NAL_IDR;
    s.first_mb_in_slice = vg_bitreader_ue(&br);
    s.slice_type = vg_bitreader_ue(&br);
    s.pps_id = vg_bitreader_ue(&br);
    if (br.overrun || s.slice_type > 9 || s.pps_id > 255 ||
        s.first_mb_in_slice >= sps->mb_width * sps->mb_height)
        return -EBADMSG;
    if (s.pps_id != pps->pps_id || pps->sps_id != sps->sps_id)
        return -ENOENT;
    if (sps->separate_colour_plane_flag)
        s.colour_plane_id = vg_bitreader_u(&br, 2);
    s.frame_num = vg_bitreader_u(&br, sps->log2_max_frame_num);
    if (!sps->frame_mbs_only_flag) {
        s.field_pic_flag = vg_bitreader_flag(&br);
        if (s.field_pic_flag)
            s.bottom_field_flag = vg_bitreader_flag(&br);
    }
    if (s.idr) {
        s.idr_pic_id = vg_bitreader_ue(&br);
        if (s.idr_pic_id > 65535)
            return -EBADMSG;
    }
    r = parse_poc_and_refs(&br, sps, pps, &s);
    if (r < 0)
        return r;
    if (s.nal_ref_idc != 0) {
        s.has_dec_ref_pic_marking = true;
        s.dec_ref_pic_marking_bit = br.pos;
        if (s.idr) {
            s.no_output_of_prior_pics_flag = vg_bitreader_flag(&br);
            s.long_term_reference_flag = vg_bitreader_flag(&br);
        } else if (vg_bitreader_flag(&br)) {
            /* Memory management operations: not needed by anything we do. */
            return br.overrun ? -EBADMSG : -ENOTSUP;
        }
    }
    if (br.overrun)
        return -EBADMSG;
    *ret = s;
    return 0;
}

static bool avcc_has_ext(unsigned profile_idc)
{
    return profile_idc != 66 && profile_idc != 77 && profile_idc != 88;
}

int vg_h264_avcc(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
                 uint8_t *out, size_t outcap, size_t *ret_len)
{
    struct vg_h264_sps s;
    int r = vg_h264_sps_parse(sps, sps_len, &s);
    if (r < 0)
        return r;
    if (vg_h264_nal_type(pps, pps_len) != VG_H264_NAL_PPS || pps_len > 0xffff)
        return -EINVAL;
    bool ext = avcc_has_ext(s.profile_idc);
    size_t need = 6 + 2 + sps_len + 1 + 2 + pps_len + (ext ? 4 : 0);
    if (need > outcap)
        return -ENOSPC;
    uint8_t *p = out;
    *p++ = 1; /* configurationVersion */
    *p++ = s.profile_idc;
    *p++ = s.constraint_flags;
    *p++ = s.level_idc;
    *p++ = 0xfc | 3; /* lengthSizeMinusOne */
    *p++ = 0xe0 | 1; /* one SPS */
    *p++ = (uint8_t)(sps_len >> 8);
    *p++ = (uint8_t)sps_len;
    memcpy(p, sps, sps_len);
    p += sps_len;
    *p++ = 1; /* one PPS */
    *p++ = (uint8_t)(pps_len >> 8);
    *p++ = (uint8_t)pps_len;
    memcpy(p, pps, pps_len);
    p += pps_len;
    if (ext) {
        *p++ = (uint8_t)(0xfc | s.chroma_format_idc);
        *p++ = (uint8_t)(0xf8 | (s.bit_depth_luma - 8));
        *p++ = (uint8_t)(0xf8 | (s.bit_depth_chroma - 8));
        *p++ = 0; /* numOfSequenceParameterSetExt */
    }
    *ret_len = (size_t)(p - out);
    return 0;
}

int vg_h264_codec_string(const struct vg_h264_sps *sps, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "avc1.%02X%02X%02X", sps->profile_idc, sps->constraint_flags,
                     sps->level_idc);
    return n < 0 || (size_t)n >= outlen ? -ENOSPC : 0;
}

int vg_h264_track_params(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
                         struct vg_track_params *t)
{
    struct vg_h264_sps s;
    struct vg_h264_pps p;
    char codec[sizeof(t->codec_string)];
    uint8_t *cfg = NULL;
    size_t cfg_len;
    int r = vg_h264_sps_parse(sps, sps_len, &s);
    if (r < 0)
        goto out;
    r = vg_h264_pps_parse(pps, pps_len, &s, &p);
    if (r < 0)
        goto out;
    r = vg_h264_codec_string(&s, codec, sizeof(codec));
    if (r < 0)
        goto out;
    size_t cap = 6 + 2 + sps_len + 1 + 2 + pps_len + 4;
    cfg = malloc(cap);
    if (!cfg) {
        r = -ENOMEM;
        goto out;
    }
    r = vg_h264_avcc(sps, sps_len, pps, pps_len, cfg, cap, &cfg_len);
    if (r < 0)
        goto out;
    r = vg_track_params_set_config(t, cfg, cfg_len);
    if (r < 0)
        goto out;
    t->codec = VG_CODEC_H264;
    t->timescale = VG_VIDEO_TIMESCALE;
    t->width = s.width;
    t->height = s.height;
    memcpy(t->codec_string, codec, sizeof(codec));
out:
    free(cfg);
    return r;
}
