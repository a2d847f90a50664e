/* H.265 (ITU-T H.265 / ISO/IEC 23008-2) parameter sets: recognition, the SPS
 * fields an MP4 muxer needs (profile_tier_level, chroma format, size, bit
 * depths), the hvcC record and the RFC 6381 codec string. Pure; inputs are
 * whole NAL units (2-byte header first, emulation prevention still in) and
 * are only read. Errors as in h264.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"
#include "media/nal.h"

enum {
    VG_H265_NAL_BLA_W_LP = 16, /* 16..23: IRAP pictures */
    VG_H265_NAL_IDR_W_RADL = 19,
    VG_H265_NAL_IDR_N_LP = 20,
    VG_H265_NAL_CRA = 21,
    VG_H265_NAL_IRAP_MAX = 23,
    VG_H265_NAL_VPS = 32,
    VG_H265_NAL_SPS = 33,
    VG_H265_NAL_PPS = 34,
    VG_H265_NAL_AUD = 35,
    VG_H265_NAL_SEI_PREFIX = 39,
    VG_H265_NAL_SEI_SUFFIX = 40,
};

/* Largest picture side accepted, in luma samples (level 6.2 allows 16888). */
#define VG_H265_MAX_SIDE 16888

struct vg_h265_sps {
    unsigned vps_id;
    unsigned max_sub_layers; /* 1..7 */
    bool temporal_id_nesting_flag;
    /* general profile_tier_level() */
    unsigned profile_space;               /* 0..3 */
    bool tier_flag;                       /* high tier */
    unsigned profile_idc;                 /* 0..31 */
    uint32_t profile_compatibility_flags; /* flag j is bit 31 - j */
    uint8_t constraint_flags[6];          /* progressive_source_flag first, 48 bits as coded */
    uint8_t level_idc;                    /* 30 x level, e.g. 93 for 3.1 */
    unsigned sps_id;                      /* 0..15 */
    unsigned chroma_format_idc;           /* 0..3 */
    bool separate_colour_plane_flag;
    unsigned pic_width, pic_height;                        /* coded, in luma samples */
    unsigned conf_left, conf_right, conf_top, conf_bottom; /* in luma samples */
    unsigned width, height;                                /* after the conformance window */
    unsigned bit_depth_luma, bit_depth_chroma;             /* 8..16 */
    unsigned log2_max_poc_lsb;                             /* 4..16 */
};

/* nal_unit_type (0..63) of a NAL unit, or -EINVAL when shorter than its header. */
int vg_h265_nal_type(const uint8_t *nal, size_t len);
/* True for VPS, SPS and PPS types. */
bool vg_h265_is_parameter_set(int nal_type);
/* True for IRAP types (16..23): BLA, IDR, CRA. */
bool vg_h265_is_irap(int nal_type);
/* True when the access unit (in fmt framing) holds an IRAP picture. Stops at
 * the first framing error. */
bool vg_h265_is_keyframe(enum vg_nal_format fmt, const uint8_t *au, size_t len);

/* Parses an SPS NAL unit into *ret. Reading stops after
 * log2_max_pic_order_cnt_lsb_minus4, so damage past it goes unnoticed. */
int vg_h265_sps_parse(const uint8_t *nal, size_t len, struct vg_h265_sps *ret);

/* HEVCDecoderConfigurationRecord (the hvcC box payload), 4-byte lengths, from
 * parameter sets in any order: one array each for VPS, SPS, PPS (complete)
 * and prefix/suffix SEI, in that order. At least one VPS, SPS and PPS; the
 * first SPS gives the header fields. Units are borrowed. -EINVAL for a
 * missing set, another NAL type, or a unit over 65535 bytes. */
int vg_h265_hvcc(const struct vg_nal_ref *nals, size_t count, uint8_t *out, size_t outcap,
                 size_t *ret_len);

/* RFC 6381 codec string per ISO/IEC 14496-15 Annex E, written the way MP4Box
 * does: "hvc1.<space letter><profile>.<compat flags bit-reversed, hex>.<L|H>
 * <level>.<constraint bytes, hex, trailing zero bytes dropped but the first>",
 * e.g. "hvc1.1.6.L93.B0". Returns 0 or -ENOSPC. */
int vg_h265_codec_string(const struct vg_h265_sps *sps, char *out, size_t outlen);

/* Fills t for an H.265 track: codec, 90 kHz timescale, displayed size, codec
 * string and hvcC config (copied; t owns it). On error t is unchanged.
 * Returns 0, a parse error, -ENOSPC (codec string too long) or -ENOMEM. */
int vg_h265_track_params(const uint8_t *vps, size_t vps_len, const uint8_t *sps, size_t sps_len,
                         const uint8_t *pps, size_t pps_len, struct vg_track_params *t);
