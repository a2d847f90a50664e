/* A wall-clock time strip written into an H.264 picture without encoding it:
 * the slice that covers macroblock row 0 of a coded picture is replaced by a
 * hand-written CAVLC slice whose first four macroblocks are I_PCM (raw pixels:
 * a barcode of the time) and whose other macroblocks are Intra 16x16
 * DC-predicted with no residual (about a byte each). Every macroblock is
 * intra, so row 0 decodes right even when the references are missing; the
 * slice keeps the replaced one's type (P in a P picture, I in an IDR one), so
 * parsers that take a picture's type from its first slice (FFmpeg's, to flag
 * keyframes) still see a P picture. A browser or a test reads the time back
 * from the decoded pixels, so glass-to-glass latency can be measured on any
 * player.
 *
 * The replacement is only valid when nothing else in the picture depends on
 * row 0: every macroblock row must be its own slice (intra prediction and
 * CAVLC contexts stop at slice boundaries), deblocking must be off, and the
 * pictures must not predict rows 1+ from row 0 of a reference picture (see
 * sources/demo_clip.h for how the demo clip ensures it). Pure, no allocation.
 *
 * The barcode: 64 x 16 pixels in the top-left corner, 16 columns x 4 rows of
 * 4x4-pixel cells, one bit each, row-major, most significant first. Bits 0..47
 * are the Unix time in milliseconds, bits 48..63 the complement of bits 32..47
 * (a check). Luma 235 is a one, 16 a zero; chroma is 128. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "media/h264.h"

#define VG_TIME_BARCODE_CELL 4
#define VG_TIME_BARCODE_COLS 16
#define VG_TIME_BARCODE_ROWS 4
#define VG_TIME_BARCODE_WIDTH (VG_TIME_BARCODE_CELL * VG_TIME_BARCODE_COLS)  /* 64 */
#define VG_TIME_BARCODE_HEIGHT (VG_TIME_BARCODE_CELL * VG_TIME_BARCODE_ROWS) /* 16 */
#define VG_TIME_BARCODE_ONE 235
#define VG_TIME_BARCODE_ZERO 16
/* The largest time the barcode holds (48 bits: the year 10889). */
#define VG_TIME_BARCODE_MS_MAX ((INT64_C(1) << 48) - 1)

/* The 64 cells for a time in [0, VG_TIME_BARCODE_MS_MAX], cell 0 in bit 63. */
uint64_t vg_time_barcode_bits(int64_t unix_ms);

/* Reads the barcode from an 8-bit luma plane (at least 64 x 16 pixels, stride
 * bytes per row; luma is borrowed). Each cell is read at its 2x2 centre.
 * Returns 0 and the time, or -EBADMSG when the check bits disagree. */
int vg_time_barcode_read(const uint8_t *luma, size_t stride, int64_t *ret_ms);

/* Worst-case size of a time slice NAL unit for pictures up to VG_H264_MAX_MBS
 * macroblocks wide. */
#define VG_H264_TIME_SLICE_MAX 5120

/* Writes the time slice that replaces row0, the slice covering macroblock
 * row 0 of a picture (a whole NAL unit, emulation prevention in, borrowed).
 * The new slice takes nal_ref_idc, nal_unit_type, slice_type, frame_num,
 * idr_pic_id, the picture order count fields and the reference marking from
 * row0, so it belongs to the same picture; slice QP 26, deblocking off. sps
 * and pps are the picture's parameter sets. Writes the escaped NAL unit (no
 * start code) to out[0..*ret_len).
 * Returns 0; -EINVAL for a bad argument, a time out of range, or a row0 that
 * does not start at macroblock 0; -ENOTSUP for CABAC, interlace, a chroma
 * format other than 4:2:0, bit depths above 8, pictures under 4 macroblocks
 * wide, weighted prediction, redundant pictures, or B, SP and SI slices; a
 * vg_h264_slice_parse() error for row0; -ENOSPC when out is too small
 * (VG_H264_TIME_SLICE_MAX always suffices). */
int vg_h264_pcm_time_slice(const struct vg_h264_sps *sps, const struct vg_h264_pps *pps,
                           const uint8_t *row0, size_t len, int64_t unix_ms, uint8_t *out,
                           size_t outcap, size_t *ret_len);
