/* Access units to RTP packets, the sending side of proto/rtp_depack.h, for
 * WebRTC viewers: H.264 (RFC 6184, packetization-mode=1: single NAL unit,
 * STAP-A, FU-A), H.265 (RFC 7798 without DONL: single, AP, FU), and audio
 * (PCMA, PCMU, Opus: one frame per packet, payload as is).
 *
 * Video: every NAL unit that fits the payload budget goes alone in a packet;
 * a bigger one is cut into FU-A / FU fragments, each but the last filled to
 * the budget (the way libavformat's RTP muxer cuts them). Before a keyframe
 * the parameter sets go first, together in one STAP-A / AP when they fit,
 * otherwise one packet each. The last packet of an access unit carries the
 * marker bit; all its packets carry the same timestamp.
 *
 * Packets are meant to be made once per stream and copied to each viewer:
 * the header is always the fixed 12 bytes (no CSRCs, no extension, no
 * padding), so a viewer's payload type, sequence number and SSRC are patched
 * at the fixed offsets below with vg_rtp_rewrite() before encryption. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"
#include "media/nal.h"

#define VG_RTP_PACKET_MAX 1500      /* the packet buffer; also the largest packet */
#define VG_RTP_PAYLOAD_DEFAULT 1200 /* fits any path with IPv6, UDP, SRTP and TURN */
#define VG_RTP_PAYLOAD_MIN 16
#define VG_RTP_PAYLOAD_MAX (VG_RTP_PACKET_MAX - 12)
#define VG_RTP_FRAME_MAX (8u << 20) /* largest access unit accepted, as rtp_depack.h */
#define VG_RTP_PARAM_SETS_MAX 16

/* Header fields at fixed offsets in every packet made here. */
#define VG_RTP_OFF_PT 1 /* low 7 bits; the top bit is the marker */
#define VG_RTP_OFF_SEQ 2
#define VG_RTP_OFF_TS 4
#define VG_RTP_OFF_SSRC 8

/* Parameter sets sent before a keyframe, in order (H.265: VPS, SPS, PPS;
 * H.264: SPS, PPS). Whole NAL units, header first; borrowed. */
struct vg_rtp_param_sets {
    struct vg_nal_ref nal[VG_RTP_PARAM_SETS_MAX];
    size_t count;
};

/* One packet: pkt is len bytes (header included), valid during the call
 * only. Return 0 to go on or a negative errno to stop; the packer returns
 * it. */
typedef int vg_rtp_packet_fn(void *arg, const uint8_t *pkt, size_t len, bool marker);

/* Per-stream state: plain values, no allocation, nothing to free. */
struct vg_rtp_packer {
    enum vg_codec codec;
    uint8_t pt;
    uint32_t ssrc;
    uint16_t seq;       /* of the next packet */
    size_t max_payload; /* payload bytes per packet, header excluded */
};

/* Sets up for codec (H264, H265, PCMA, PCMU, OPUS). max_payload 0 means
 * VG_RTP_PAYLOAD_DEFAULT. Returns 0, -ENOTSUP (codec) or -EINVAL (pt over
 * 127, max_payload outside VG_RTP_PAYLOAD_MIN..VG_RTP_PAYLOAD_MAX). */
int vg_rtp_packer_init(struct vg_rtp_packer *p, enum vg_codec codec, uint8_t pt, uint32_t ssrc,
                       uint16_t seq, size_t max_payload);

/* Packs one access unit with RTP timestamp ts and calls emit for each
 * packet, in order; p->seq advances by one per packet emitted.
 *
 * Video: frame is len bytes of length-prefixed NAL units (4-byte big-endian
 * lengths, as struct vg_frame holds them; empty units skipped). When key is
 * set and ps is not NULL, ps goes first. frame, ps and what ps points to are
 * only read during the call. Audio: frame is one encoded frame; key and ps
 * are ignored and the marker is never set.
 *
 * Everything is checked before the first packet goes out, so a refused unit
 * emits nothing. Returns the number of packets (0 for a frame without NAL
 * units), -EINVAL (a length prefix cut off or past the end, a NAL unit
 * shorter than its header or of a type the payload format reserves: H.264 0
 * and 24..31, H.265 48..63; an empty audio frame), -E2BIG (frame over
 * VG_RTP_FRAME_MAX, a parameter set or an audio frame over the budget), or
 * what emit returned (the unit is then cut short). */
int vg_rtp_pack_frame(struct vg_rtp_packer *p, const uint8_t *frame, size_t len, bool key,
                      const struct vg_rtp_param_sets *ps, uint32_t ts, vg_rtp_packet_fn *emit,
                      void *arg);

/* The parameter sets of an avcC (SPS, then PPS) or hvcC (VPS, SPS, then PPS,
 * whatever the order of its arrays; SEI arrays left out) record, as
 * vg_track_params.config holds it. ret points into config. Returns 0,
 * -ENOTSUP (another codec), -EINVAL (not version 1, truncated, an empty unit,
 * or no SPS or PPS, or no VPS for H.265) or -E2BIG (over
 * VG_RTP_PARAM_SETS_MAX units). */
int vg_rtp_param_sets_from_config(enum vg_codec codec, const uint8_t *config, size_t len,
                                  struct vg_rtp_param_sets *ret);

/* Gives a copy of a packet made here to one viewer: payload type, sequence
 * number and SSRC are replaced, the marker bit and everything else kept.
 * pkt must hold at least 12 bytes. */
static inline void vg_rtp_rewrite(uint8_t *pkt, uint8_t pt, uint16_t seq, uint32_t ssrc)
{
    pkt[VG_RTP_OFF_PT] = (uint8_t)((pkt[VG_RTP_OFF_PT] & 0x80) | (pt & 0x7f));
    pkt[VG_RTP_OFF_SEQ] = (uint8_t)(seq >> 8);
    pkt[VG_RTP_OFF_SEQ + 1] = (uint8_t)seq;
    pkt[VG_RTP_OFF_SSRC] = (uint8_t)(ssrc >> 24);
    pkt[VG_RTP_OFF_SSRC + 1] = (uint8_t)(ssrc >> 16);
    pkt[VG_RTP_OFF_SSRC + 2] = (uint8_t)(ssrc >> 8);
    pkt[VG_RTP_OFF_SSRC + 3] = (uint8_t)ssrc;
}
