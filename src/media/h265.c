#include "media/h265.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/bits.h"

/* As for H.264: a real SPS is well under 1 KiB. */
#define PARAM_MAX 4096

int vg_h265_nal_type(const uint8_t *nal, size_t len)
{
    if (!nal || len < 2)
        return -EINVAL;
    return (nal[0] >> 1) & 0x3f;
}

bool vg_h265_is_parameter_set(int nal_type)
{
    return nal_type == VG_H265_NAL_VPS || nal_type == VG_H265_NAL_SPS ||
           nal_type == VG_H265_NAL_PPS;
}

bool vg_h265_is_irap(int nal_type)
{
    return nal_type >= VG_H265_NAL_BLA_W_LP && nal_type <= VG_H265_NAL_IRAP_MAX;
}

bool vg_h265_is_keyframe(enum vg_nal_format fmt, const uint8_t *au, size_t len)
{
    size_t cursor = 0, start, n;
    while (vg_nal_next(fmt, au, len, &cursor, &start, &n) == 1) {
        if (vg_h265_is_irap(vg_h265_nal_type(au + start, n)))
            return true;
    }
    return false;
}

/* profile_tier_level(1, max_sub_layers_minus1): the general part is kept, the
 * sub-layer parts are stepped over. */
static void parse_ptl(struct vg_bitreader *br, struct vg_h265_sps *s)
{
    s->profile_space = vg_bitreader_u(br, 2);
    s->tier_flag = vg_bitreader_flag(br);
    s->profile_idc = vg_bitreader_u(br, 5);
    s->profile_compatibility_flags = vg_bitreader_u(br, 32);
    for (unsigned i = 0; i < 6; i++)
        s->constraint_flags[i] = (uint8_t)vg_bitreader_u(br, 8);
    s->level_idc = (uint8_t)vg_bitreader_u(br, 8);

    unsigned sub = s->max_sub_layers - 1;
    bool profile_present[8] = {false}, level_present[8] = {false};
    for (unsigned i = 0; i < sub; i++) {
        profile_present[i] = vg_bitreader_flag(br);
        level_present[i] = vg_bitreader_flag(br);
    }
    if (sub > 0)
        vg_bitreader_skip(br, 2 * (8 - sub)); /* reserved_zero_2bits */
    for (unsigned i = 0; i < sub; i++) {
        if (profile_present[i])
            vg_bitreader_skip(br, 88);
        if (level_present[i])
            vg_bitreader_skip(br, 8);
    }
}

static int parse_size(struct vg_bitreader *br, struct vg_h265_sps *s)
{
    uint32_t w = vg_bitreader_ue(br), h = vg_bitreader_ue(br);
    uint64_t win[4] = {0, 0, 0, 0};
    if (vg_bitreader_flag(br)) { /* conformance_window_flag */
        for (unsigned i = 0; i < 4; i++)
            win[i] = vg_bitreader_ue(br);
    }
    if (br->overrun || w == 0 || h == 0 || w > VG_H265_MAX_SIDE || h > VG_H265_MAX_SIDE)
        return -EBADMSG;
    unsigned cat = s->separate_colour_plane_flag ? 0 : s->chroma_format_idc;
    unsigned unit_x = (cat == 1 || cat == 2) ? 2 : 1;
    unsigned unit_y = cat == 1 ? 2 : 1;
    uint64_t cw = (win[0] + win[1]) * unit_x, ch = (win[2] + win[3]) * unit_y;
    if (cw >= w || ch >= h)
        return -EBADMSG;
    s->pic_width = w;
    s->pic_height = h;
    s->conf_left = (unsigned)(win[0] * unit_x);
    s->conf_right = (unsigned)(win[1] * unit_x);
    s->conf_top = (unsigned)(win[2] * unit_y);
    s->conf_bottom = (unsigned)(win[3] * unit_y);
    s->width = w - (unsigned)cw;
    s->height = h - (unsigned)ch;
    return 0;
}

int vg_h265_sps_parse(const uint8_t *nal, size_t len, struct vg_h265_sps *ret)
{
    uint8_t rbsp[PARAM_MAX];
    size_t n;
    if (vg_h265_nal_type(nal, len) != VG_H265_NAL_SPS)
        return -EINVAL;
    if (len > sizeof(rbsp))
        return -EBADMSG;
    int r = vg_nal_unescape(nal, len, rbsp, sizeof(rbsp), &n);
    if (r < 0)
        return r;
    struct vg_bitreader br;
    vg_bitreader_init(&br, rbsp + 2, n - 2);
    struct vg_h265_sps s;
    memset(&s, 0, sizeof(s));
    s.vps_id = vg_bitreader_u(&br, 4);
    s.max_sub_layers = vg_bitreader_u(&br, 3) + 1;
    s.temporal_id_nesting_flag = vg_bitreader_flag(&br);
    if (s.max_sub_layers > 7)
        return -EBADMSG;
    parse_ptl(&br, &s);
    s.sps_id = vg_bitreader_ue(&br);
    s.chroma_format_idc = vg_bitreader_ue(&br);
    if (br.overrun || s.sps_id > 15 || s.chroma_format_idc > 3)
        return -EBADMSG;
    if (s.chroma_format_idc == 3)
        s.separate_colour_plane_flag = vg_bitreader_flag(&br);
    r = parse_size(&br, &s);
    if (r < 0)
        return r;
    uint32_t bdl = vg_bitreader_ue(&br), bdc = vg_bitreader_ue(&br), poc = vg_bitreader_ue(&br);
    if (br.overrun || bdl > 8 || bdc > 8 || poc > 12)
        return -EBADMSG;
    s.bit_depth_luma = 8 + bdl;
    s.bit_depth_chroma = 8 + bdc;
    s.log2_max_poc_lsb = 4 + poc;
    *ret = s;
    return 0;
}

/* Array order in the record; parameter sets are complete (every one the
 * stream uses is here), SEI arrays are not. */
static const uint8_t array_types[] = {VG_H265_NAL_VPS, VG_H265_NAL_SPS, VG_H265_NAL_PPS,
                                      VG_H265_NAL_SEI_PREFIX, VG_H265_NAL_SEI_SUFFIX};

int vg_h265_hvcc(const struct vg_nal_ref *nals, size_t count, uint8_t *out, size_t outcap,
                 size_t *ret_len)
{
    size_t per_type[sizeof(array_types)] = {0};
    size_t need = 23;
    const struct vg_nal_ref *first_sps = NULL;
    for (size_t i = 0; i < count; i++) {
        int t = vg_h265_nal_type(nals[i].base, nals[i].len);
        size_t k = 0;
        while (k < sizeof(array_types) && array_types[k] != t)
            k++;
        if (k == sizeof(array_types) || nals[i].len > 0xffff || per_type[k] == 0xffff)
            return -EINVAL;
        if (per_type[k] == 0)
            need += 3; /* a new array */
        per_type[k]++;
        need += 2 + nals[i].len;
        if (t == VG_H265_NAL_SPS && !first_sps)
            first_sps = &nals[i];
    }
    if (per_type[0] == 0 || per_type[1] == 0 || per_type[2] == 0)
        return -EINVAL;
    struct vg_h265_sps s;
    int r = vg_h265_sps_parse(first_sps->base, first_sps->len, &s);
    if (r < 0)
        return r;
    if (need > outcap)
        return -ENOSPC;

    uint8_t *p = out;
    *p++ = 1; /* configurationVersion */
    *p++ = (uint8_t)(s.profile_space << 6 | (unsigned)s.tier_flag << 5 | s.profile_idc);
    for (int shift = 24; shift >= 0; shift -= 8)
        *p++ = (uint8_t)(s.profile_compatibility_flags >> shift);
    memcpy(p, s.constraint_flags, 6);
    p += 6;
    *p++ = s.level_idc;
    /* min_spatial_segmentation_idc 0 and parallelismType 0 (unknown) are
     * always valid; they are only hints. */
    *p++ = 0xf0;
    *p++ = 0x00;
    *p++ = 0xfc;
    *p++ = (uint8_t)(0xfc | s.chroma_format_idc);
    *p++ = (uint8_t)(0xf8 | (s.bit_depth_luma - 8));
    *p++ = (uint8_t)(0xf8 | (s.bit_depth_chroma - 8));
    *p++ = 0; /* avgFrameRate: unknown */
    *p++ = 0;
    /* constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3 */
    *p++ = (uint8_t)(s.max_sub_layers << 3 | (unsigned)s.temporal_id_nesting_flag << 2 | 3);
    uint8_t *num_arrays = p++;
    *num_arrays = 0;
    for (size_t k = 0; k < sizeof(array_types); k++) {
        if (per_type[k] == 0)
            continue;
        (*num_arrays)++;
        *p++ = (uint8_t)((k < 3 ? 0x80 : 0) | array_types[k]);
        *p++ = (uint8_t)(per_type[k] >> 8);
        *p++ = (uint8_t)per_type[k];
        for (size_t i = 0; i < count; i++) {
            if (vg_h265_nal_type(nals[i].base, nals[i].len) != array_types[k])
                continue;
            *p++ = (uint8_t)(nals[i].len >> 8);
            *p++ = (uint8_t)nals[i].len;
            memcpy(p, nals[i].base, nals[i].len);
            p += nals[i].len;
        }
    }
    *ret_len = (size_t)(p - out);
    return 0;
}

int vg_h265_codec_string(const struct vg_h265_sps *sps, char *out, size_t outlen)
{
    static const char *const space[4] = {"", "A", "B", "C"};
    uint32_t compat = sps->profile_compatibility_flags, reversed = 0;
    for (unsigned i = 0; i < 32; i++)
        reversed |= ((compat >> i) & 1u) << (31 - i);
    int n = snprintf(out, outlen, "hvc1.%s%u.%X.%c%u", space[sps->profile_space & 3],
                     sps->profile_idc, reversed, sps->tier_flag ? 'H' : 'L', sps->level_idc);
    if (n < 0 || (size_t)n >= outlen)
        return -ENOSPC;
    size_t used = (size_t)n;
    unsigned last = 0;
    for (unsigned i = 0; i < 6; i++) {
        if (sps->constraint_flags[i])
            last = i;
    }
    for (unsigned i = 0; i <= last; i++) {
        n = snprintf(out + used, outlen - used, ".%X", sps->constraint_flags[i]);
        if (n < 0 || (size_t)n >= outlen - used)
            return -ENOSPC;
        used += (size_t)n;
    }
    return 0;
}

int vg_h265_track_params(const uint8_t *vps, size_t vps_len, const uint8_t *sps, size_t sps_len,
                         const uint8_t *pps, size_t pps_len, struct vg_track_params *t)
{
    struct vg_h265_sps s;
    char codec[sizeof(t->codec_string)];
    const struct vg_nal_ref nals[3] = {{vps, vps_len}, {sps, sps_len}, {pps, pps_len}};
    uint8_t *cfg = NULL;
    size_t cfg_len;
    int r = vg_h265_sps_parse(sps, sps_len, &s);
    if (r < 0)
        goto out;
    r = vg_h265_codec_string(&s, codec, sizeof(codec));
    if (r < 0)
        goto out;
    size_t cap = 23 + 3 * (3 + 2) + vps_len + sps_len + pps_len; /* 3 arrays of 1 */
    cfg = malloc(cap);
    if (!cfg) {
        r = -ENOMEM;
        goto out;
    }
    r = vg_h265_hvcc(nals, 3, cfg, cap, &cfg_len);
    if (r < 0)
        goto out;
    r = vg_track_params_set_config(t, cfg, cfg_len);
    if (r < 0)
        goto out;
    t->codec = VG_CODEC_H265;
    t->timescale = VG_VIDEO_TIMESCALE;
    t->width = s.width;
    t->height = s.height;
    memcpy(t->codec_string, codec, sizeof(codec));
out:
    free(cfg);
    return r;
}
