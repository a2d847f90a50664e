/* H.264 parsing and NAL framing over arbitrary bytes. The input is read as
 * an Annex B stream, as a length-prefixed one, and as single NAL units of
 * each parsed type (header byte forced), so the parsers see any payload.
 * Checked: no crash or hang, escape/unescape round trip is the identity, the
 * two framings agree after conversion, and outputs respect their bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/bits.h"
#include "media/h264.h"
#include "media/nal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_bits(const uint8_t *data, size_t size)
{
    struct vg_bitreader br;
    vg_bitreader_init(&br, data, size);
    while (!br.overrun) {
        (void)vg_bitreader_more_rbsp_data(&br);
        (void)vg_bitreader_ue(&br);
        (void)vg_bitreader_se(&br);
        (void)vg_bitreader_u(&br, 5);
    }
    /* Values taken from the input survive a write and a read. */
    size_t count = size / 4 > 64 ? 64 : size / 4;
    uint8_t buf[64 * 17];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, buf, sizeof(buf));
    for (size_t i = 0; i < count; i++) {
        uint32_t v;
        memcpy(&v, data + 4 * i, 4);
        vg_bitwriter_ue(&bw, v == UINT32_MAX ? 0 : v);
        vg_bitwriter_se(&bw, (int32_t)v == INT32_MIN ? 0 : (int32_t)v);
    }
    vg_bitwriter_rbsp_trailing(&bw);
    if (bw.overflow)
        abort();
    vg_bitreader_init(&br, buf, vg_bitwriter_len(&bw));
    for (size_t i = 0; i < count; i++) {
        uint32_t v;
        memcpy(&v, data + 4 * i, 4);
        if (vg_bitreader_ue(&br) != (v == UINT32_MAX ? 0 : v))
            abort();
        if (vg_bitreader_se(&br) != ((int32_t)v == INT32_MIN ? 0 : (int32_t)v))
            abort();
    }
    if (br.overrun || vg_bitreader_more_rbsp_data(&br))
        abort();
}

static void check_escape(const uint8_t *data, size_t size)
{
    size_t cap = VG_NAL_ESCAPED_MAX(size);
    uint8_t *esc = malloc(cap), *back = malloc(size + 1);
    size_t n = 0, m = 0;
    if (!esc || !back)
        goto out;
    if (vg_nal_escape(data, size, esc, cap, &n) != 0 || n > cap)
        abort();
    for (size_t i = 2; i < n; i++) {
        if (esc[i - 2] == 0 && esc[i - 1] == 0 && esc[i] <= 2)
            abort(); /* a start code (or 00 00 00) inside a NAL */
    }
    if (n >= 2 && esc[n - 1] == 0 && esc[n - 2] == 0)
        abort();
    if (vg_nal_unescape(esc, n, back, size + 1, &m) != 0 || m != size ||
        memcmp(back, data, size) != 0)
        abort();
    /* In place gives the same as out of place. */
    if (vg_nal_unescape(data, size, back, size + 1, &m) != 0)
        abort();
    memcpy(esc, data, size);
    if (vg_nal_unescape(esc, size, esc, size, &n) != 0 || n != m || memcmp(esc, back, m) != 0)
        abort();
out:
    free(esc);
    free(back);
}

/* Annex B units == units after conversion to lengths == units after
 * converting those back to start codes. */
static void check_framing(const uint8_t *data, size_t size)
{
    size_t cap = size + size / 3 + 8;
    uint8_t *lp = malloc(cap), *annexb = malloc(cap);
    size_t lp_len = 0, ab_len = 0;
    if (!lp || !annexb)
        goto out;
    if (vg_nal_annexb_to_lp(data, size, lp, cap, &lp_len) != 0)
        abort();
    if (vg_nal_lp_to_annexb(lp, lp_len, annexb, cap, &ab_len) != 0 || ab_len != lp_len)
        abort();
    size_t c0 = 0, c1 = 0, c2 = 0, s0, s1, s2, n0, n1, n2;
    for (;;) {
        int r0 = vg_nal_annexb_next(data, size, &c0, &s0, &n0);
        int r1 = vg_nal_lp_next(lp, lp_len, &c1, &s1, &n1);
        int r2 = vg_nal_annexb_next(annexb, ab_len, &c2, &s2, &n2);
        if (r0 != r1 || r0 != r2)
            abort();
        if (r0 != 1)
            break;
        if (n0 != n1 || n0 != n2 || memcmp(data + s0, lp + s1, n0) != 0 ||
            memcmp(data + s0, annexb + s2, n0) != 0)
            abort();
    }
    /* The raw input as lengths: bounded, terminates. */
    size_t c = 0, s, n;
    while (vg_nal_lp_next(data, size, &c, &s, &n) == 1) {
        if (s + n > size || n == 0)
            abort();
    }
out:
    free(lp);
    free(annexb);
}

struct state {
    bool have_sps, have_pps;
    struct vg_h264_sps sps;
    struct vg_h264_pps pps;
    const uint8_t *sps_nal, *pps_nal;
    size_t sps_len, pps_len;
};

static void on_sps(struct state *st, const uint8_t *nal, size_t len)
{
    if (vg_h264_sps_parse(nal, len, &st->sps) != 0)
        return;
    const struct vg_h264_sps *s = &st->sps;
    if (s->width == 0 || s->height == 0 || s->width > s->mb_width * 16 ||
        s->height > s->mb_height * 16 || s->mb_width > VG_H264_MAX_MBS ||
        s->mb_height > VG_H264_MAX_MBS)
        abort();
    char cs[12];
    if (vg_h264_codec_string(s, cs, sizeof(cs)) != 0 || strlen(cs) != 11)
        abort();
    st->have_sps = true;
    st->sps_nal = nal;
    st->sps_len = len;
}

static void on_pps(struct state *st, const uint8_t *nal, size_t len)
{
    unsigned pps_id, sps_id;
    (void)vg_h264_pps_ids(nal, len, &pps_id, &sps_id);
    if (!st->have_sps || vg_h264_pps_parse(nal, len, &st->sps, &st->pps) != 0)
        return;
    st->have_pps = true;
    st->pps_nal = nal;
    st->pps_len = len;
    size_t cap = st->sps_len + len + 16, n = 0;
    uint8_t *cfg = malloc(cap);
    if (!cfg)
        return;
    if (vg_h264_avcc(st->sps_nal, st->sps_len, nal, len, cfg, cap, &n) != 0 || n > cap ||
        cfg[1] != st->sps.profile_idc || cfg[3] != st->sps.level_idc)
        abort();
    free(cfg);
    struct vg_track_params t = {0};
    if (vg_h264_track_params(st->sps_nal, st->sps_len, nal, len, &t) != 0 || t.config_len != n)
        abort();
    free(t.config);
}

static void on_slice(struct state *st, const uint8_t *nal, size_t len)
{
    unsigned pps_id;
    (void)vg_h264_slice_pps_id(nal, len, &pps_id);
    struct vg_h264_slice sl;
    if (!st->have_sps || !st->have_pps)
        return;
    if (vg_h264_slice_parse(nal, len, &st->sps, &st->pps, &sl) != 0)
        return;
    if (sl.has_dec_ref_pic_marking && sl.dec_ref_pic_marking_bit > len * 8)
        abort();
}

static void on_unit(struct state *st, const uint8_t *nal, size_t len)
{
    switch (vg_h264_nal_type(nal, len)) {
    case VG_H264_NAL_SPS:
        on_sps(st, nal, len);
        break;
    case VG_H264_NAL_PPS:
        on_pps(st, nal, len);
        break;
    case VG_H264_NAL_SLICE:
    case VG_H264_NAL_IDR:
        on_slice(st, nal, len);
        break;
    default:
        break;
    }
}

static void parse_stream(enum vg_nal_format fmt, const uint8_t *data, size_t size)
{
    struct state st = {0};
    size_t c = 0, s, n;
    while (vg_nal_next(fmt, data, size, &c, &s, &n) == 1)
        on_unit(&st, data + s, n);
    (void)vg_h264_is_keyframe(fmt, data, size);
}

/* The whole input as one unit of each type, after an SPS from the input or,
 * failing that, a fixed 320x240 High one. */
static void parse_forced(const uint8_t *data, size_t size)
{
    static const uint8_t sps320[] = {0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41, 0x41, 0xfb,
                                     0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00,
                                     0x03, 0x03, 0xc0, 0xf1, 0x42, 0x99, 0x60};
    static const uint8_t pps320[] = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
    const uint8_t types[] = {VG_H264_NAL_SPS, VG_H264_NAL_PPS, VG_H264_NAL_IDR, VG_H264_NAL_SLICE};
    /* One copy per type: the state keeps pointing at the SPS and PPS. */
    uint8_t *copies = malloc(sizeof(types) * (size + 1));
    if (!copies)
        return;
    struct state st = {0};
    on_sps(&st, sps320, sizeof(sps320));
    on_pps(&st, pps320, sizeof(pps320));
    uint8_t ref_idc = size > 0 ? data[0] & 0x60 : 0x60;
    for (size_t i = 0; i < sizeof(types); i++) {
        uint8_t *nal = copies + i * (size + 1);
        nal[0] = (uint8_t)(ref_idc | types[i]);
        memcpy(nal + 1, data, size);
        on_unit(&st, nal, size + 1);
    }
    free(copies);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    check_bits(data, size);
    check_escape(data, size);
    check_framing(data, size);
    parse_stream(VG_NAL_ANNEXB, data, size);
    parse_stream(VG_NAL_LP, data, size);
    parse_forced(data, size);
    return 0;
}
