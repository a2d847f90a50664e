/* H.264 (ITU-T H.264 / ISO/IEC 14496-10) parameter sets and slice headers:
 * what a recorder and an MP4/RTP muxer need, not a decoder. Pure; inputs are
 * whole NAL units (header byte first, emulation prevention still in) and are
 * only read. Errors: -EINVAL wrong NAL type or argument, -EBADMSG truncated or
 * out-of-range syntax, -ENOTSUP valid but unsupported, -ENOSPC output too small. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"
#include "media/nal.h"

enum {
    VG_H264_NAL_SLICE = 1,
    VG_H264_NAL_IDR = 5,
    VG_H264_NAL_SEI = 6,
    VG_H264_NAL_SPS = 7,
    VG_H264_NAL_PPS = 8,
    VG_H264_NAL_AUD = 9,
};

enum { VG_H264_SLICE_P = 0, VG_H264_SLICE_B, VG_H264_SLICE_I, VG_H264_SLICE_SP, VG_H264_SLICE_SI };

/* Largest picture side we accept, in macroblocks (16384 pixels), well above
 * what level 6.2 allows; anything bigger is a damaged SPS. */
#define VG_H264_MAX_MBS 1024

struct vg_h264_sps {
    uint8_t profile_idc;
    uint8_t constraint_flags; /* constraint_set0..5 flags and reserved bits, as coded */
    uint8_t level_idc;
    unsigned sps_id;
    unsigned chroma_format_idc; /* 1 (4:2:0) unless a high profile says otherwise */
    bool separate_colour_plane_flag;
    unsigned bit_depth_luma, bit_depth_chroma; /* 8..14 */
    bool seq_scaling_matrix_present_flag;
    unsigned log2_max_frame_num; /* 4..16 */
    unsigned pic_order_cnt_type; /* 0..2 */
    unsigned log2_max_poc_lsb;   /* type 0: 4..16 */
    bool delta_pic_order_always_zero_flag;
    int32_t offset_for_non_ref_pic, offset_for_top_to_bottom_field;
    unsigned num_ref_frames_in_poc_cycle; /* type 1: 0..255 */
    int32_t offset_for_ref_frame[255];
    unsigned max_num_ref_frames;
    bool gaps_in_frame_num_allowed_flag;
    bool frame_mbs_only_flag, mb_adaptive_frame_field_flag, direct_8x8_inference_flag;
    unsigned mb_width, mb_height; /* coded frame size in macroblocks (both fields) */
    unsigned crop_left, crop_right, crop_top, crop_bottom; /* in pixels */
    unsigned width, height;                                /* displayed, after cropping */
    bool vui_present;
    unsigned sar_width, sar_height; /* 0 when not signalled */
    bool timing_info_present;
    uint32_t num_units_in_tick, time_scale;
    bool fixed_frame_rate_flag;
};

struct vg_h264_pps {
    unsigned pps_id, sps_id;
    bool entropy_coding_mode_flag;
    bool bottom_field_pic_order_in_frame_present_flag;
    unsigned num_slice_groups; /* always 1: more is -ENOTSUP */
    unsigned num_ref_idx_l0_default_active, num_ref_idx_l1_default_active; /* 1..32 */
    bool weighted_pred_flag;
    unsigned weighted_bipred_idc;
    int pic_init_qp, pic_init_qs, chroma_qp_index_offset;
    bool deblocking_filter_control_present_flag;
    bool constrained_intra_pred_flag;
    bool redundant_pic_cnt_present_flag;
    /* High-profile tail; defaults when absent. */
    bool transform_8x8_mode_flag;
    bool pic_scaling_matrix_present_flag;
    int second_chroma_qp_index_offset;
};

struct vg_h264_slice {
    unsigned nal_unit_type, nal_ref_idc;
    unsigned first_mb_in_slice;
    unsigned slice_type; /* 0..9 as coded; VG_H264_SLICE_* is slice_type % 5 */
    unsigned pps_id;
    unsigned colour_plane_id;
    unsigned frame_num;
    bool field_pic_flag, bottom_field_flag;
    bool idr;
    unsigned idr_pic_id;
    unsigned pic_order_cnt_lsb;
    int32_t delta_pic_order_cnt_bottom;
    int32_t delta_pic_order_cnt[2];
    unsigned redundant_pic_cnt;
    unsigned num_ref_idx_l0_active, num_ref_idx_l1_active;
    /* dec_ref_pic_marking(), present when nal_ref_idc != 0. The offset is in
     * bits from the start of the NAL unit (header byte included) after
     * emulation prevention removal, i.e. in the RBSP as vg_nal_unescape() of
     * the whole unit gives it. */
    bool has_dec_ref_pic_marking;
    size_t dec_ref_pic_marking_bit;
    bool no_output_of_prior_pics_flag, long_term_reference_flag; /* IDR */
};

/* nal_unit_type of a NAL unit, or -EINVAL for an empty one. */
int vg_h264_nal_type(const uint8_t *nal, size_t len);

/* True when the access unit (in fmt framing) holds an IDR slice. Stops at the
 * first framing error. */
bool vg_h264_is_keyframe(enum vg_nal_format fmt, const uint8_t *au, size_t len);

/* Parses an SPS NAL unit into *ret. */
int vg_h264_sps_parse(const uint8_t *nal, size_t len, struct vg_h264_sps *ret);

/* Parses a PPS NAL unit. sps is the SPS it refers to (its chroma format decides
 * how many scaling lists the tail carries); a PPS naming another sps_id is
 * -ENOENT. Use vg_h264_pps_ids() to find which SPS that is. */
int vg_h264_pps_parse(const uint8_t *nal, size_t len, const struct vg_h264_sps *sps,
                      struct vg_h264_pps *ret);
/* The ids at the start of a PPS. */
int vg_h264_pps_ids(const uint8_t *nal, size_t len, unsigned *ret_pps_id, unsigned *ret_sps_id);

/* Parses a slice header (NAL types 1 and 5) up to and including
 * dec_ref_pic_marking(). sps and pps must be the ones the slice names
 * (-ENOENT otherwise; vg_h264_slice_pps_id() tells which). A non-IDR slice
 * with adaptive_ref_pic_marking_mode_flag set is -ENOTSUP, as are slice
 * groups. */
int vg_h264_slice_parse(const uint8_t *nal, size_t len, const struct vg_h264_sps *sps,
                        const struct vg_h264_pps *pps, struct vg_h264_slice *ret);
/* The pps_id of a slice header. */
int vg_h264_slice_pps_id(const uint8_t *nal, size_t len, unsigned *ret_pps_id);

/* AVCDecoderConfigurationRecord (the avcC box payload) for one SPS and one
 * PPS, 4-byte lengths, with the chroma/bit-depth tail for profiles other than
 * 66, 77 and 88. Writes out[0..*ret_len). */
int vg_h264_avcc(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
                 uint8_t *out, size_t outcap, size_t *ret_len);

/* RFC 6381 codec string "avc1.PPCCLL" (upper-case hex), e.g. "avc1.64001F".
 * out needs 12 bytes. Returns 0 or -ENOSPC. */
int vg_h264_codec_string(const struct vg_h264_sps *sps, char *out, size_t outlen);

/* Fills t for an H.264 video track: codec, 90 kHz timescale, displayed size,
 * codec string and avcC config (copied; t owns it, freed with the stream
 * params). On error t is unchanged. Returns 0, a parse error, or -ENOMEM. */
int vg_h264_track_params(const uint8_t *sps, size_t sps_len, const uint8_t *pps, size_t pps_len,
                         struct vg_track_params *t);
