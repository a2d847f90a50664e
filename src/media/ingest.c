#include "media/ingest.h"

#include <errno.h>
#include <string.h>

#include "media/h264.h"
#include "media/h265.h"
#include "media/nal.h"

enum ps_kind { PS_NONE, PS_VPS, PS_SPS, PS_PPS };

void vg_video_ingest_init(struct vg_video_ingest *in, enum vg_codec codec)
{
    memset(in, 0, sizeof(*in));
    in->codec = codec;
}

static int nal_type(const struct vg_video_ingest *in, const uint8_t *nal, size_t len)
{
    if (len < (in->codec == VG_CODEC_H265 ? 2u : 1u))
        return -1;
    return in->codec == VG_CODEC_H265 ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
}

static enum ps_kind ps_kind(const struct vg_video_ingest *in, int type)
{
    if (in->codec == VG_CODEC_H265)
        return type == 32 ? PS_VPS : type == 33 ? PS_SPS : type == 34 ? PS_PPS : PS_NONE;
    return type == 7 ? PS_SPS : type == 8 ? PS_PPS : PS_NONE;
}

static bool is_key(const struct vg_video_ingest *in, int type)
{
    if (in->codec == VG_CODEC_H265)
        return type >= 16 && type <= 23; /* IRAP */
    return type == 5;                    /* IDR */
}

static bool is_delimiter(const struct vg_video_ingest *in, int type)
{
    return in->codec == VG_CODEC_H265 ? type == 35 : type == 9;
}

/* Keeps a parameter set; the first one of each kind wins within a unit. */
static void keep(struct vg_video_ingest *in, enum ps_kind kind, const uint8_t *nal, size_t len)
{
    uint8_t *dst = kind == PS_VPS ? in->vps : kind == PS_SPS ? in->sps : in->pps;
    size_t *dst_len = kind == PS_VPS ? &in->vps_len : kind == PS_SPS ? &in->sps_len : &in->pps_len;
    if (len > VG_PARAM_SET_MAX || (*dst_len == len && memcmp(dst, nal, len) == 0))
        return;
    memcpy(dst, nal, len);
    *dst_len = len;
    in->changed = true;
}

static int take(struct vg_video_ingest *in, const uint8_t *nal, size_t len)
{
    enum ps_kind k = ps_kind(in, nal_type(in, nal, len));
    if (k != PS_NONE)
        keep(in, k, nal, len);
    return k != PS_NONE;
}

/* avcC: version, profile, compat, level, 0xfc|len-1, 0xe0|numSPS, {u16 len, sps}*,
 * numPPS, {u16 len, pps}*. hvcC: 22 bytes of header, numArrays, then arrays of
 * {type, u16 count, {u16 len, nal}*}. */
static int load_record(struct vg_video_ingest *in, const uint8_t *d, size_t len)
{
    size_t pos;
    unsigned groups;
    if (in->codec == VG_CODEC_H265) {
        if (len < 23)
            return -EINVAL;
        groups = d[22];
        pos = 23;
    } else {
        if (len < 7)
            return -EINVAL;
        groups = 2; /* SPS list, then PPS list */
        pos = 5;
    }
    for (unsigned g = 0; g < groups; g++) {
        unsigned count;
        if (in->codec == VG_CODEC_H265) {
            if (pos + 3 > len)
                return -EINVAL;
            count = (unsigned)d[pos + 1] << 8 | d[pos + 2];
            pos += 3;
        } else {
            if (pos + 1 > len)
                return -EINVAL;
            count = g == 0 ? d[pos] & 0x1f : d[pos];
            pos += 1;
        }
        for (unsigned i = 0; i < count; i++) {
            if (pos + 2 > len)
                return -EINVAL;
            size_t n = (size_t)d[pos] << 8 | d[pos + 1];
            pos += 2;
            if (n > len - pos)
                return -EINVAL;
            take(in, d + pos, n);
            pos += n;
        }
    }
    return 0;
}

int vg_video_ingest_extradata(struct vg_video_ingest *in, const uint8_t *data, size_t len)
{
    if (len == 0)
        return -EINVAL;
    if (data[0] == 1)
        return load_record(in, data, len);
    size_t cur = 0, start, n;
    while (vg_nal_annexb_next(data, len, &cur, &start, &n) == 1)
        take(in, data + start, n);
    return 0;
}

int vg_video_ingest_au(struct vg_video_ingest *in, const uint8_t *au, size_t len,
                       struct vg_frame **ret_frame)
{
    size_t cur = 0, start, n, out_len = 0;
    bool key = false;
    /* First pass: keep parameter sets, size the frame. */
    while (vg_nal_annexb_next(au, len, &cur, &start, &n) == 1) {
        int type = nal_type(in, au + start, n);
        if (type < 0 || take(in, au + start, n) || is_delimiter(in, type))
            continue;
        key = key || is_key(in, type);
        out_len += 4 + n;
    }
    if (out_len == 0) {
        *ret_frame = NULL;
        return 0;
    }
    struct vg_frame *f = vg_frame_new(out_len);
    if (!f)
        return -ENOMEM;
    uint8_t *o = f->data;
    cur = 0;
    while (vg_nal_annexb_next(au, len, &cur, &start, &n) == 1) {
        int type = nal_type(in, au + start, n);
        if (type < 0 || ps_kind(in, type) != PS_NONE || is_delimiter(in, type))
            continue;
        o[0] = (uint8_t)(n >> 24);
        o[1] = (uint8_t)(n >> 16);
        o[2] = (uint8_t)(n >> 8);
        o[3] = (uint8_t)n;
        memcpy(o + 4, au + start, n);
        o += 4 + n;
    }
    f->key = key;
    *ret_frame = f;
    return 0;
}

bool vg_video_ingest_ready(const struct vg_video_ingest *in)
{
    return in->sps_len && in->pps_len && (in->codec != VG_CODEC_H265 || in->vps_len);
}

int vg_video_ingest_params(struct vg_video_ingest *in, struct vg_track_params *t)
{
    if (!vg_video_ingest_ready(in))
        return -EAGAIN;
    int r = in->codec == VG_CODEC_H265
                ? vg_h265_track_params(in->vps, in->vps_len, in->sps, in->sps_len, in->pps,
                                       in->pps_len, t)
                : vg_h264_track_params(in->sps, in->sps_len, in->pps, in->pps_len, t);
    if (r == 0)
        in->changed = false;
    return r;
}
