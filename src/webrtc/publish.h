/* The receiving half of a WHIP session: a browser's RTP (already decrypted)
 * turned into frames of the camera's stream (sources/push.h attaches the
 * stream), and the RTCP a sender needs back.
 *
 * - RTP is told apart by payload type (the answer's video and audio ones);
 *   H.264 goes through the same depacketizer as RTSP cameras, Opus and G.711
 *   frame by frame. There is no jitter buffer: a lost or late packet drops
 *   the picture and everything up to the next keyframe, and a keyframe is
 *   asked for at once (PLI), so a loss costs about one round trip of video.
 * - Keyframes are asked for (PLI, at most one per KEYFRAME_MIN_GAP) when the
 *   stream attaches, after a loss, when a viewer of the stream asks, and
 *   every 2 s anyway: browsers send none unless asked, and viewers, the GOP
 *   cache and recordings want a camera's regular keyframes.
 * - Receiver reports every second per track (loss fraction, cumulative
 *   loss, highest sequence, LSR/DLSR of the sender's last report): they are
 *   what the browser's loss-based rate control reads to raise its bitrate.
 *
 * Loop thread only. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "webrtc/sdp_answer.h"

struct vg_push;
struct vg_publish;
struct vg_rtcp_packet;

/* Where RTCP goes: one plaintext packet (len bytes, valid during the call). */
typedef void vg_publish_send_fn(void *arg, const uint8_t *pkt, size_t len);

struct vg_publish_stats {
    uint64_t packets, bytes; /* RTP received */
    uint64_t lost;           /* sequence gaps, in packets */
    uint64_t keyframe_requests;
};

/* Publishes stream_id as negotiated (neg: video H.264/H.265 required; audio
 * optional). Returns 0, -EBUSY (someone already publishes it), -ENOTSUP (a
 * codec it cannot take) or -ENOMEM. */
int vg_publish_new(struct vg_push *push, const char *stream_id,
                   const struct vg_sdp_negotiation *neg, vg_publish_send_fn *send, void *arg,
                   struct vg_publish **ret);
/* Detaches from the stream (its source goes back to waiting with why).
 * Accepts NULL; returns NULL. */
struct vg_publish *vg_publish_free(struct vg_publish *p, const char *why);

/* One decrypted RTP packet, received at now_wall_us (CLOCK_REALTIME). */
void vg_publish_rtp(struct vg_publish *p, const uint8_t *pkt, size_t len, int64_t now_wall_us);
/* One packet of a decrypted RTCP compound from the browser. */
void vg_publish_rtcp(struct vg_publish *p, const struct vg_rtcp_packet *pkt);
/* The transport is ready (SRTP keyed): RTCP may go from now on. */
void vg_publish_ready(struct vg_publish *p);
/* Several times a second: receiver reports, keyframe requests due. */
void vg_publish_tick(struct vg_publish *p);

void vg_publish_stats(const struct vg_publish *p, struct vg_publish_stats *ret);
