/* The media side of an RTSP session: which tracks of a DESCRIBE answer we take,
 * and their RTP packets turned into frames of a vg_stream. No sockets here, so
 * the path from SDP and RTP bytes to published frames is testable on its own. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/ingest.h"
#include "media/restamp.h"
#include "proto/rtp_depack.h"
#include "proto/rtsp_url.h"

struct vg_stream;

enum { VG_RTSP_VIDEO = 0, VG_RTSP_AUDIO = 1, VG_RTSP_TRACKS = 2 };

struct vg_rtsp_track {
    enum vg_codec codec;           /* VG_CODEC_NONE: not taken */
    char control[VG_RTSP_URL_MAX]; /* the URL to SETUP */
    uint32_t clock_rate;
    unsigned channels;
    uint8_t config[64]; /* AAC AudioSpecificConfig */
    size_t config_len;
    struct vg_rtp_depack depack;
    bool have_ts;
    uint32_t last_ts;
    int64_t ts; /* RTP timestamp unwrapped to 64 bits */
    struct vg_restamp restamp;
};

struct vg_rtsp_media {
    struct vg_stream *stream; /* not owned; may be changed between packets */
    struct vg_rtsp_track tracks[VG_RTSP_TRACKS];
    struct vg_video_ingest video;
    bool published; /* a first video frame went out */
    bool have_origin;
    int64_t origin_us; /* arrival of the first unit: where every track's time starts */
};

/* Picks the first H.264/H.265 video track and the first AAC (mpeg4-generic),
 * PCMA or PCMU audio track of the SDP, resolving their control URLs against
 * base. Returns 0, or a negative errno with why filled ("no video track",
 * "unsupported video codec MP4V-ES", "malformed SDP: ..."). */
int vg_rtsp_media_init(struct vg_rtsp_media *m, struct vg_stream *stream, const char *sdp,
                       size_t sdp_len, const char *base, char *why, size_t whylen);

/* Sets up tracks for RTP whose codecs were agreed elsewhere (a WHIP offer):
 * video H.264 or H.265 with parameter sets in band; audio PCMA, PCMU, Opus
 * (48 kHz, given channels) or NONE. Returns 0 or -ENOTSUP. */
int vg_rtsp_media_init_codecs(struct vg_rtsp_media *m, struct vg_stream *stream,
                              enum vg_codec video, enum vg_codec audio, unsigned audio_channels);

/* Gives up a track (the server refused its SETUP). */
void vg_rtsp_media_drop(struct vg_rtsp_media *m, unsigned track);

/* One RTP packet of a track. Damaged packets are dropped and counted. Returns 0
 * or -ENOMEM. */
int vg_rtsp_media_rtp(struct vg_rtsp_media *m, unsigned track, const uint8_t *pkt, size_t len,
                      int64_t now_wall_us);

/* The same for a packet already parsed (p and its payload read during the call). */
int vg_rtsp_media_packet(struct vg_rtsp_media *m, unsigned track, const struct vg_rtp_packet *p,
                         int64_t now_wall_us);

/* The stream was emptied (or replaced): the codec parameters go out again with
 * the next picture, and sound waits for it. */
void vg_rtsp_media_restart(struct vg_rtsp_media *m);

void vg_rtsp_media_done(struct vg_rtsp_media *m);
