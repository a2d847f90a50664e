/* RTP payload formats to access units, one depacketizer per received track:
 * H.264 (RFC 6184: single NAL unit, STAP-A, FU-A), H.265 (RFC 7798: single,
 * AP, FU; no DONL), AAC (RFC 3640 mpeg4-generic, AU headers), G.711
 * (PCMA/PCMU payload as is) and Opus (RFC 7587: one packet, one frame).
 * A packet without payload (padding only) is no loss and no unit.
 *
 * Video units come out as Annex B access units (4-byte start codes), which
 * media/ingest turns into frames. A unit ends at the marker bit, or when the
 * timestamp changes without one. After a sequence gap the unit in progress is
 * dropped and so is everything up to the next keyframe (a unit holding an
 * IDR / IRAP NAL unit), so no consumer ever sees a damaged picture; the drops
 * are counted. Units without a picture (parameter sets, SEI) still pass while
 * waiting, so the keyframe's parameter sets are not lost when a camera sends
 * them as a unit of their own.
 *
 * Which unit a gap damaged cannot be known for sure: the packet after it may
 * start a new access unit or continue one whose first packets were lost. It
 * is kept only when it visibly starts a picture (access unit delimiter, SPS
 * or VPS, or the first slice of a picture) and carries a new timestamp;
 * otherwise the rest of its unit is skipped too.
 *
 * AAC: an AU larger than a packet (one AU header, AU-size past the data,
 * same timestamp on every fragment, marker on the last) is reassembled in
 * buf. Interleaving (a non-zero AU-Index), CTS/DTS deltas and auxiliary data
 * are not supported. Timestamps assume 1024 samples per AU (AAC LC, HE-AAC). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"
#include "proto/rtp.h"
#include "proto/span.h"

#define VG_RTP_UNIT_MAX (8u << 20) /* largest access unit accepted */

/* One complete unit: data (len bytes, valid during the call) with the RTP
 * timestamp it carries (for AAC: the packet's timestamp plus 1024 per earlier
 * AU in the packet). Return 0 to continue or a negative errno to stop; push
 * passes it on. */
typedef int vg_rtp_unit_fn(void *arg, const uint8_t *data, size_t len, uint32_t ts);

struct vg_rtp_depack {
    enum vg_codec codec;
    /* video: the Annex B unit being assembled; aac: a fragmented AU. Owned;
     * grows up to VG_RTP_UNIT_MAX and is kept for the next unit. */
    uint8_t *buf;
    size_t len, cap;
    uint32_t ts;
    bool in_unit;  /* buf holds (part of) a unit with timestamp ts */
    bool in_fu;    /* a fragmented NAL unit is open at the end of buf */
    bool wait_key; /* after a loss: drop until a keyframe */
    bool key;      /* buf holds an IDR / IRAP NAL unit */
    bool picture;  /* buf holds a VCL (slice) NAL unit */
    bool skip;     /* the unit with timestamp ts was dropped: ignore the rest of it */
    bool have_seq;
    uint16_t last_seq;
    /* aac: from fmtp */
    unsigned size_length, index_length, index_delta_length;
    /* counters */
    uint64_t lost_packets;  /* sequence gaps, in packets */
    uint64_t dropped_units; /* units not emitted because of a loss or damage */
};

/* Sets up for codec (H264, H265, AAC, PCMA, PCMU, OPUS). fmtp is the track's fmtp
 * parameters (may be empty); for AAC it must give sizelength (13 for hbr) and
 * indexlength (0 when absent, as RFC 3640 says). Returns 0, -ENOTSUP (codec or
 * mode we do not handle, such as H.264 packetization-mode=2 or H.265 with
 * sprop-max-don-diff > 0) or -EINVAL. Allocates nothing; the unit buffer is
 * grown on demand. */
int vg_rtp_depack_init(struct vg_rtp_depack *d, enum vg_codec codec, struct vg_span fmtp);
/* Frees the buffer. Safe on a zeroed, failed-init or already done d. */
void vg_rtp_depack_done(struct vg_rtp_depack *d);

/* Feeds one packet (packets in arrival order; TCP-interleaved RTSP never
 * reorders; a packet up to 100 behind the last one is taken for a duplicate
 * and ignored, one further back for a restarted sender). p and its payload
 * are only read during the call. Calls emit for every unit it completes.
 * Returns 0; -EINVAL for a damaged packet (dropped, counted, not fatal);
 * -E2BIG for a unit past the limit (dropped); -ENOMEM; or what emit
 * returned. */
int vg_rtp_depack_push(struct vg_rtp_depack *d, const struct vg_rtp_packet *p, vg_rtp_unit_fn *emit,
                       void *arg);

/* Parameter sets from an SDP fmtp as one Annex B buffer, for
 * vg_video_ingest_extradata(): H.264 sprop-parameter-sets, H.265 sprop-vps,
 * sprop-sps, sprop-pps (base64, comma-separated). Returns the length written,
 * 0 when there are none (or codec is not H.264/H.265), -EINVAL for bad base64
 * or -E2BIG if out is too small (out then holds garbage). */
int vg_rtp_sprop_annexb(enum vg_codec codec, struct vg_span fmtp, uint8_t *out, size_t cap);

/* AAC AudioSpecificConfig from fmtp "config=" (hex). Returns its length, or
 * -ENOENT, -EINVAL, -E2BIG. */
int vg_rtp_aac_config(struct vg_span fmtp, uint8_t *out, size_t cap);
