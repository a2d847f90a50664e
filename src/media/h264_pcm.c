#include "media/h264_pcm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "media/bits.h"
#include "media/nal.h"

/* mb_type in I slices (Table 7-11); P slices number the same types from 5. */
#define MB_I_PCM 25
/* I_16x16: 1 + prediction mode + 4 * CodedBlockPatternChroma + 12 * (luma AC coded). */
#define MB_I16_DC 3 /* mode 2 (DC), no chroma, no luma AC */
#define MB_P_INTRA_BASE 5
#define PCM_MBS 4
/* The time slice's QP: it only scales the one DC coefficient written. */
#define SLICE_QP 26
#define HEADER_MAX 64 /* bytes of slice header, far more than any can take */
/* Header, I_PCM macroblocks, the first DC one (with its coefficient), then at
 * most 12 bits per macroblock (a P slice's mb_skip_run and longer mb_type). */
#define RBSP_MAX (HEADER_MAX + PCM_MBS * (2 + 384) + 16 + VG_H264_MAX_MBS * 12 / 8 + 8)

_Static_assert(VG_NAL_ESCAPED_MAX(RBSP_MAX) <= VG_H264_TIME_SLICE_MAX, "time slice bound");

uint64_t vg_time_barcode_bits(int64_t unix_ms)
{
    uint64_t ms = (uint64_t)unix_ms & (uint64_t)VG_TIME_BARCODE_MS_MAX;
    return ms << 16 | (~ms & 0xffff);
}

int vg_time_barcode_read(const uint8_t *luma, size_t stride, int64_t *ret_ms)
{
    uint64_t bits = 0;
    for (unsigned i = 0; i < 64; i++) {
        size_t x = (i % VG_TIME_BARCODE_COLS) * VG_TIME_BARCODE_CELL + 1;
        size_t y = (i / VG_TIME_BARCODE_COLS) * VG_TIME_BARCODE_CELL + 1;
        const uint8_t *p = luma + y * stride + x;
        unsigned sum = (unsigned)p[0] + p[1] + p[stride] + p[stride + 1];
        /* Midway between the two levels, so a re-encoded copy still reads. */
        bits = bits << 1 | (2 * sum > 4 * (VG_TIME_BARCODE_ONE + VG_TIME_BARCODE_ZERO));
    }
    uint64_t ms = bits >> 16;
    if ((bits & 0xffff) != (~ms & 0xffff))
        return -EBADMSG;
    *ret_ms = (int64_t)ms;
    return 0;
}

/* Arithmetic right shift (floor), as the standard's ">>" on negative values. */
static int asr(int x, unsigned n)
{
    return x >= 0 ? x >> n : -((-x + (1 << n) - 1) >> n);
}

/* The luma of an Intra 16x16 macroblock predicted at pred whose only
 * coefficient is a DC level: the inverse Hadamard spreads it to every 4x4
 * block (8.5.10), whose inverse transform then adds (dc + 32) >> 6 to every
 * sample (8.5.12). */
static int dc_reconstruct(int pred, int level, int qp)
{
    static const int norm[6] = {10, 11, 13, 14, 16, 18}; /* normAdjust4x4(m, 0, 0) */
    int scale = 16 * norm[qp % 6];                       /* flat weightScale4x4 */
    int dc;
    if (qp >= 36)
        dc = level * scale * (1 << (qp / 6 - 6));
    else
        dc = asr(level * scale + (1 << (5 - qp / 6)), (unsigned)(6 - qp / 6));
    int v = pred + asr(dc + 32, 6);
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* The DC level (|level| small enough for Baseline's level_prefix <= 15) that
 * brings a prediction of pred closest to target. */
static int dc_level(int pred, int target)
{
    /* At QP 26 one level step adds 52/64 of a luma step. */
    int guess = (target - pred) * 64 / 52;
    int best = 0, best_err = abs(dc_reconstruct(pred, 0, SLICE_QP) - target);
    for (int l = guess - 3; l <= guess + 3; l++) {
        int err = abs(dc_reconstruct(pred, l, SLICE_QP) - target);
        if (err < best_err || (err == best_err && abs(l) < abs(best))) {
            best = l;
            best_err = err;
        }
    }
    return best;
}

/* Intra16x16DCLevel with at most one coefficient, in position 0 (9.2). nC is
 * the neighbours' coefficient count: 16 beside an I_PCM macroblock. */
static void write_dc_block(struct vg_bitwriter *bw, int nc, int level)
{
    int total = level != 0, ones = level == 1 || level == -1;
    if (nc >= 8) {
        /* 6-bit fixed-length coeff_token; "no coefficients" is 000011. */
        vg_bitwriter_u(bw, 6, total ? (uint32_t)((total - 1) << 2 | ones) : 3);
    } else if (nc < 2) {
        /* Table 9-5, 0 <= nC < 2: (0,0) "1", (0,1) "000101", (1,1) "01". */
        if (!total)
            vg_bitwriter_u(bw, 1, 1);
        else if (ones)
            vg_bitwriter_u(bw, 2, 1);
        else
            vg_bitwriter_u(bw, 6, 5);
    } else {
        /* Not reached: the slice only has nC 0 and nC 16. */
        bw->overflow = true;
        return;
    }
    if (!total)
        return;
    if (ones) {
        vg_bitwriter_u(bw, 1, level < 0); /* trailing_ones_sign_flag */
    } else {
        /* levelCode, less 2 as the first level after fewer than 3 trailing
         * ones cannot be +-1; suffixLength 0. */
        uint32_t code = level > 0 ? (uint32_t)(2 * level - 2) : (uint32_t)(-2 * level - 1);
        code -= 2;
        if (code < 14) {
            vg_bitwriter_u(bw, code + 1, 1); /* level_prefix = code */
        } else if (code < 30) {
            vg_bitwriter_u(bw, 15, 1); /* level_prefix 14 */
            vg_bitwriter_u(bw, 4, code - 14);
        } else if (code < 30 + 4096) {
            vg_bitwriter_u(bw, 16, 1); /* level_prefix 15 */
            vg_bitwriter_u(bw, 12, code - 30);
        } else {
            bw->overflow = true; /* cannot happen: dc_level() stays small */
            return;
        }
    }
    vg_bitwriter_u(bw, 1, 1); /* total_zeros 0 for one coefficient (Table 9-7) */
}

/* Whole bytes at a byte-aligned position. */
static void write_bytes(struct vg_bitwriter *bw, const uint8_t *p, size_t n)
{
    if (bw->overflow || (bw->pos & 7) || n > bw->cap - bw->pos / 8) {
        bw->overflow = true;
        return;
    }
    memcpy(bw->buf + bw->pos / 8, p, n);
    bw->pos += 8 * n;
}

/* I_PCM macroblock mb (0..3) of the barcode of bits; base is 0 in I slices,
 * MB_P_INTRA_BASE in P slices. */
static void write_pcm_mb(struct vg_bitwriter *bw, unsigned mb, uint64_t bits, unsigned base)
{
    uint8_t samples[256 + 2 * 64];
    for (unsigned y = 0; y < 16; y++) {
        for (unsigned x = 0; x < 16; x++) {
            unsigned col = (mb * 16 + x) / VG_TIME_BARCODE_CELL, row = y / VG_TIME_BARCODE_CELL;
            unsigned cell = row * VG_TIME_BARCODE_COLS + col;
            bool one = (bits >> (63 - cell)) & 1;
            samples[y * 16 + x] = one ? VG_TIME_BARCODE_ONE : VG_TIME_BARCODE_ZERO;
        }
    }
    memset(samples + 256, 128, 2 * 64);
    if (base)
        vg_bitwriter_ue(bw, 0); /* mb_skip_run */
    vg_bitwriter_ue(bw, base + MB_I_PCM);
    vg_bitwriter_align(bw); /* pcm_alignment_zero_bit */
    write_bytes(bw, samples, sizeof(samples));
}

static int check_support(const struct vg_h264_sps *sps, const struct vg_h264_pps *pps)
{
    if (pps->entropy_coding_mode_flag || !sps->frame_mbs_only_flag || sps->chroma_format_idc != 1 ||
        sps->bit_depth_luma != 8 || sps->bit_depth_chroma != 8 || sps->mb_width < PCM_MBS ||
        sps->mb_width > VG_H264_MAX_MBS || pps->redundant_pic_cnt_present_flag)
        return -ENOTSUP;
    return 0;
}

static void write_header(struct vg_bitwriter *bw, const struct vg_h264_sps *sps,
                         const struct vg_h264_pps *pps, const struct vg_h264_slice *sh)
{
    vg_bitwriter_u(bw, 8, sh->nal_ref_idc << 5 | sh->nal_unit_type);
    vg_bitwriter_ue(bw, 0); /* first_mb_in_slice */
    vg_bitwriter_ue(bw, sh->slice_type);
    vg_bitwriter_ue(bw, pps->pps_id);
    vg_bitwriter_u(bw, sps->log2_max_frame_num, sh->frame_num);
    if (sh->idr)
        vg_bitwriter_ue(bw, sh->idr_pic_id);
    if (sps->pic_order_cnt_type == 0) {
        vg_bitwriter_u(bw, sps->log2_max_poc_lsb, sh->pic_order_cnt_lsb);
        if (pps->bottom_field_pic_order_in_frame_present_flag)
            vg_bitwriter_se(bw, sh->delta_pic_order_cnt_bottom);
    }
    if (sps->pic_order_cnt_type == 1 && !sps->delta_pic_order_always_zero_flag) {
        vg_bitwriter_se(bw, sh->delta_pic_order_cnt[0]);
        if (pps->bottom_field_pic_order_in_frame_present_flag)
            vg_bitwriter_se(bw, sh->delta_pic_order_cnt[1]);
    }
    if (sh->slice_type % 5 == VG_H264_SLICE_P) {
        vg_bitwriter_u(bw, 1, 0); /* num_ref_idx_active_override_flag */
        vg_bitwriter_u(bw, 1, 0); /* ref_pic_list_modification_flag_l0 */
        /* No pred_weight_table(): weighted prediction was refused. */
    }
    /* dec_ref_pic_marking() must match the picture's other slices; the
     * parser refused adaptive marking, so a non-IDR picture uses the sliding
     * window. */
    if (sh->nal_ref_idc != 0) {
        if (sh->idr) {
            vg_bitwriter_u(bw, 1, sh->no_output_of_prior_pics_flag);
            vg_bitwriter_u(bw, 1, sh->long_term_reference_flag);
        } else {
            vg_bitwriter_u(bw, 1, 0); /* adaptive_ref_pic_marking_mode_flag */
        }
    }
    vg_bitwriter_se(bw, SLICE_QP - pps->pic_init_qp); /* slice_qp_delta */
    if (pps->deblocking_filter_control_present_flag)
        vg_bitwriter_ue(bw, 1); /* disable_deblocking_filter_idc: off */
}

int vg_h264_pcm_time_slice(const struct vg_h264_sps *sps, const struct vg_h264_pps *pps,
                           const uint8_t *row0, size_t len, int64_t unix_ms, uint8_t *out,
                           size_t outcap, size_t *ret_len)
{
    if (!sps || !pps || !row0 || !out || !ret_len || unix_ms < 0 ||
        unix_ms > VG_TIME_BARCODE_MS_MAX)
        return -EINVAL;
    int r = check_support(sps, pps);
    if (r < 0)
        return r;
    struct vg_h264_slice sh;
    r = vg_h264_slice_parse(row0, len, sps, pps, &sh);
    if (r < 0)
        return r;
    if (sh.first_mb_in_slice != 0)
        return -EINVAL;
    unsigned kind = sh.slice_type % 5;
    if (kind != VG_H264_SLICE_I && kind != VG_H264_SLICE_P)
        return -ENOTSUP;
    unsigned base = kind == VG_H264_SLICE_P ? MB_P_INTRA_BASE : 0;

    uint8_t rbsp[RBSP_MAX];
    struct vg_bitwriter bw;
    vg_bitwriter_init(&bw, rbsp, sizeof(rbsp));
    write_header(&bw, sps, pps, &sh);
    uint64_t bits = vg_time_barcode_bits(unix_ms);
    for (unsigned mb = 0; mb < PCM_MBS; mb++)
        write_pcm_mb(&bw, mb, bits, base);

    /* The first DC macroblock predicts from the barcode's last pixel column;
     * one DC coefficient brings it to the dark band, so the rest of the row,
     * predicted from it with no residual, is dark and does not flicker. */
    int left = 0;
    for (unsigned cell_row = 0; cell_row < VG_TIME_BARCODE_ROWS; cell_row++) {
        unsigned cell = cell_row * VG_TIME_BARCODE_COLS + VG_TIME_BARCODE_COLS - 1;
        left += VG_TIME_BARCODE_CELL *
                (((bits >> (63 - cell)) & 1) ? VG_TIME_BARCODE_ONE : VG_TIME_BARCODE_ZERO);
    }
    int pred = (left + 8) >> 4;
    for (unsigned mb = PCM_MBS; mb < sps->mb_width; mb++) {
        bool first = mb == PCM_MBS;
        if (base)
            vg_bitwriter_ue(&bw, 0); /* mb_skip_run */
        vg_bitwriter_ue(&bw, base + MB_I16_DC);
        vg_bitwriter_ue(&bw, 0); /* intra_chroma_pred_mode: DC, 128 from the left */
        vg_bitwriter_se(&bw, 0); /* mb_qp_delta */
        /* nC: only the left neighbour is in this slice; I_PCM counts 16, an
         * I_16x16 macroblock without AC coefficients 0. */
        write_dc_block(&bw, first ? 16 : 0, first ? dc_level(pred, VG_TIME_BARCODE_ZERO) : 0);
    }
    vg_bitwriter_rbsp_trailing(&bw);
    if (bw.overflow)
        return -ENOSPC; /* not reached: RBSP_MAX covers the widest picture */
    size_t n;
    r = vg_nal_escape(rbsp, vg_bitwriter_len(&bw), out, outcap, &n);
    if (r < 0)
        return r;
    *ret_len = n;
    return 0;
}
