/* A stream's video as RTP packets, made once and shared by every WebRTC
 * session of the stream (and its AAC sound as Opus, transcoded once): sessions only copy a packet,
 * patch SSRC, sequence number and payload type (rtp_pack.h offsets) and protect it. The last
 * frames' packets stay for NACK answers. Loop thread only. */
#pragma once

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"

#define VG_FEED_FRAMES 256 /* frames whose packets are kept */

struct vg_feed;

/* One frame's packets: n packets back to back in data, packet i ends at
 * ends[i]. Valid until the feed is freed or the slot is reused (256 frames
 * later). */
struct vg_feed_packets {
    uint64_t frame_seq;
    const uint8_t *data;
    const uint32_t *ends;
    unsigned n;
};

/* Returns NULL on allocation failure. */
struct vg_feed *vg_feed_new(void);
/* Accepts NULL; returns NULL. */
struct vg_feed *vg_feed_free(struct vg_feed *f);

/* The packets of video frame fr (packetized now if no session asked before).
 * Returns 0, -ENOTSUP (not H.264/H.265), -EINVAL (a damaged frame) or
 * -ENOMEM. */
int vg_feed_packets(struct vg_feed *f, struct vg_frame *fr, struct vg_feed_packets *ret);

/* Packet idx of the frame with this sequence number while it is kept. Returns
 * 0, or -ENOENT when it is gone. */
int vg_feed_lookup(const struct vg_feed *f, uint64_t frame_seq, unsigned idx,
                   const uint8_t **ret_pkt, size_t *ret_len);

/* Called with each Opus packet (borrowed for the call; pts in 48 kHz). */
typedef int vg_feed_opus_fn(void *arg, const uint8_t *pkt, size_t len, int64_t pts);

/* The Opus packets of AAC frame fr: transcoded (media/transcode.h) when the
 * first session asks for a frame newer than any before, then kept for the
 * last OPUS_KEPT packets so that sessions behind get the same ones; older
 * frames give none. The transcoder is made on the first call, again when the
 * parameters change, and not at all while nobody asks. Returns 0, -ENOTSUP
 * (not AAC, or no transcoder here), -ENOMEM, -EIO, or what fn returned. */
int vg_feed_opus(struct vg_feed *f, struct vg_frame *fr, vg_feed_opus_fn *fn, void *arg);
