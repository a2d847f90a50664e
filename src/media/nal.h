/* NAL unit framing shared by H.264 and H.265: Annex B byte streams (start
 * codes, as cameras and RTSP depacketizers produce) and length-prefixed units
 * (4-byte big-endian lengths, as MP4 and struct vg_frame carry), plus
 * emulation prevention (NAL payload <-> RBSP). Pure, no allocation. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum vg_nal_format {
    VG_NAL_ANNEXB, /* 00 00 01 or 00 00 00 01 before each unit */
    VG_NAL_LP,     /* 4-byte big-endian length before each unit */
};

/* A borrowed byte range. */
struct vg_nal_ref {
    const uint8_t *base;
    size_t len;
};

/* Worst-case size of vg_nal_escape() output for an RBSP of len bytes: one
 * 0x03 per two input bytes, plus one at the end. */
#define VG_NAL_ESCAPED_MAX(len) ((len) + (len) / 2 + 1)

/* Next NAL unit of an Annex B stream buf[0..len). *cursor starts at 0 and is
 * advanced past the unit. On 1, the unit (start code excluded, trailing zero
 * bytes of the next 4-byte start code or trailing_zero_8bits excluded) is
 * buf[*ret_start .. *ret_start + *ret_len). Bytes before the first start code
 * and empty units are skipped. Returns 1, or 0 when no unit is left. */
int vg_nal_annexb_next(const uint8_t *buf, size_t len, size_t *cursor, size_t *ret_start,
                       size_t *ret_len);

/* Next unit of a length-prefixed stream, as above. Units of length 0 are
 * skipped. Returns 1, 0 at the end, or -EBADMSG when a length prefix is cut
 * off or runs past len (the cursor is then left where it was). */
int vg_nal_lp_next(const uint8_t *buf, size_t len, size_t *cursor, size_t *ret_start,
                   size_t *ret_len);

/* Either of the above. */
int vg_nal_next(enum vg_nal_format fmt, const uint8_t *buf, size_t len, size_t *cursor,
                size_t *ret_start, size_t *ret_len);

/* NAL bytes -> RBSP: drops every 0x03 that follows two zero bytes. Output is
 * never longer than the input; out may equal in (in place) but must not
 * otherwise overlap it. Returns 0 or -ENOSPC (outcap < needed). */
int vg_nal_unescape(const uint8_t *in, size_t len, uint8_t *out, size_t outcap, size_t *ret_len);

/* RBSP -> NAL bytes: a 0x03 after two zero bytes when the next byte is 0..3,
 * and after a final pair of zeros, so that vg_nal_unescape() gives the input
 * back exactly. out must not overlap in; VG_NAL_ESCAPED_MAX(len) always
 * suffices. Returns 0 or -ENOSPC. */
int vg_nal_escape(const uint8_t *in, size_t len, uint8_t *out, size_t outcap, size_t *ret_len);

/* Annex B -> length-prefixed (4-byte lengths), unit by unit as
 * vg_nal_annexb_next() finds them. out must not overlap in. Returns 0,
 * -ENOSPC, or -E2BIG for a unit over 4 GiB. */
int vg_nal_annexb_to_lp(const uint8_t *in, size_t len, uint8_t *out, size_t outcap,
                        size_t *ret_len);

/* Length-prefixed -> Annex B with 4-byte start codes (same size as the input
 * when no empty unit is dropped). out must not overlap in. Returns 0, -ENOSPC
 * or -EBADMSG (a length runs past the end). */
int vg_nal_lp_to_annexb(const uint8_t *in, size_t len, uint8_t *out, size_t outcap,
                        size_t *ret_len);
