/* H.265 parameter-set handling over arbitrary bytes: the input is read as an
 * Annex B stream, as a length-prefixed one, and as a single SPS (header
 * forced). Every parameter set found goes into an hvcC record. Checked: no
 * crash or hang, outputs within their bounds, the record's header agrees
 * with the parsed SPS. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/h265.h"
#include "media/nal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SETS 16

static void check_sps(const uint8_t *nal, size_t len)
{
    struct vg_h265_sps s;
    if (vg_h265_sps_parse(nal, len, &s) != 0)
        return;
    if (s.width == 0 || s.height == 0 || s.width > s.pic_width || s.height > s.pic_height ||
        s.pic_width > VG_H265_MAX_SIDE || s.pic_height > VG_H265_MAX_SIDE || s.max_sub_layers < 1 ||
        s.max_sub_layers > 7 || s.bit_depth_luma > 16)
        abort();
    char cs[64];
    if (vg_h265_codec_string(&s, cs, sizeof(cs)) != 0 || strncmp(cs, "hvc1.", 5) != 0)
        abort();
}

static void check_hvcc(const struct vg_nal_ref *sets, size_t count)
{
    size_t cap = 23 + 5 * 3, n = 0;
    for (size_t i = 0; i < count; i++)
        cap += 2 + sets[i].len;
    uint8_t *out = malloc(cap);
    if (!out)
        return;
    if (vg_h265_hvcc(sets, count, out, cap, &n) == 0) {
        if (n > cap || out[0] != 1 || (out[21] & 3) != 3)
            abort();
        /* One byte short must be refused, not overrun. */
        if (vg_h265_hvcc(sets, count, out, n - 1, &n) != -ENOSPC)
            abort();
    }
    free(out);
    const struct vg_nal_ref *vps = NULL, *sps = NULL, *pps = NULL;
    for (size_t i = 0; i < count; i++) {
        int t = vg_h265_nal_type(sets[i].base, sets[i].len);
        if (t == VG_H265_NAL_VPS && !vps)
            vps = &sets[i];
        if (t == VG_H265_NAL_SPS && !sps)
            sps = &sets[i];
        if (t == VG_H265_NAL_PPS && !pps)
            pps = &sets[i];
    }
    if (vps && sps && pps) {
        struct vg_track_params t = {0};
        if (vg_h265_track_params(vps->base, vps->len, sps->base, sps->len, pps->base, pps->len,
                                 &t) == 0 &&
            (t.codec != VG_CODEC_H265 || !t.config))
            abort();
        free(t.config);
    }
}

static void parse_stream(enum vg_nal_format fmt, const uint8_t *data, size_t size)
{
    struct vg_nal_ref sets[MAX_SETS];
    size_t count = 0, c = 0, s, n;
    while (vg_nal_next(fmt, data, size, &c, &s, &n) == 1) {
        int t = vg_h265_nal_type(data + s, n);
        if (t == VG_H265_NAL_SPS)
            check_sps(data + s, n);
        if ((vg_h265_is_parameter_set(t) || t == VG_H265_NAL_SEI_PREFIX) && count < MAX_SETS) {
            sets[count].base = data + s;
            sets[count].len = n;
            count++;
        }
    }
    check_hvcc(sets, count);
    (void)vg_h265_is_keyframe(fmt, data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    parse_stream(VG_NAL_ANNEXB, data, size);
    parse_stream(VG_NAL_LP, data, size);
    uint8_t *nal = malloc(size + 2);
    if (nal) {
        nal[0] = VG_H265_NAL_SPS << 1;
        nal[1] = 1;
        memcpy(nal + 2, data, size);
        check_sps(nal, size + 2);
        free(nal);
    }
    return 0;
}
