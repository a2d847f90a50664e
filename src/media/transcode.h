/* AAC to Opus, for WebRTC viewers of cameras that send AAC: browsers take only
 * Opus and G.711 over WebRTC. A transcoder exists only while a viewer wants the
 * audio, and is used by one thread at a time.
 *
 * Design:
 * - libavcodec decodes each access unit ("aac", the AudioSpecificConfig as
 *   extradata); libswresample converts whatever comes out (planar float, any
 *   rate, any layout: HE-AAC may double the rate, a PCE may change the layout
 *   mid-stream) to 48 kHz in the encoder's sample format, stereo when the
 *   input has two channels or more (5.1 is downmixed), else mono; an
 *   AVAudioFifo cuts the encoder's 20 ms (960-sample) frames; the encoder is
 *   "libopus" (application "lowdelay", 32 kbit/s per channel), or the native
 *   "opus" encoder, experimental, when libavcodec has no libopus.
 * - Timestamps: the FIFO's first sample carries a 48 kHz time anchored to an
 *   input frame's pts; every frame cut from it is 960 later. Each input frame
 *   is checked against the time where the samples so far end: a gap of 10 to
 *   100 ms (lost frames) is filled with silence so that packet times stay
 *   continuous and in step with the video; a jump of more than 100 either way
 *   drops what is buffered and anchors again at the frame (the packet that
 *   comes out first after it still holds the encoder's lookahead of the old
 *   timeline and keeps that time; the next ones follow the new anchor).
 * - Encoder delay: an Opus packet's pts is when its first decoded sample
 *   plays, so the encoder's lookahead (pre-skip: 120 samples for libopus in
 *   "lowdelay"; the stats tell) is already taken off: the first packet's pts is the first
 *   input's minus it. WebRTC receivers skip nothing, so this is the RTP
 *   timestamp to send and sender reports line up with the video as they are.
 * - Limits: the FIFO holds at most 1 s; samples beyond it are dropped and
 *   counted (it stays near one frame since every call encodes what it can). An
 *   access unit over 64 KiB is refused before the decoder sees it.
 * - An undecodable unit is skipped and counted; the decoder and the timeline
 *   carry on with the next one (the gap it leaves is filled with silence). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"

/* The Opus side: always 48 kHz. */
#define VG_TRANSCODE_RATE 48000

struct vg_transcode;

struct vg_transcode_stats {
    unsigned channels;        /* of the Opus stream: 1 or 2 */
    unsigned pre_skip;        /* encoder lookahead in 48 kHz samples, already off the pts */
    uint64_t packets;         /* Opus packets handed to emit */
    uint64_t bad_frames;      /* input units refused (-EINVAL) */
    uint64_t silence_samples; /* inserted into gaps of up to 100 ms */
    uint64_t dropped_samples; /* decoded samples that did not fit in the FIFO */
    uint64_t resyncs;         /* anchorings again after a jump of the input pts */
};

/* A transcoder for the AAC track in (only read; in->config is the
 * AudioSpecificConfig, in->timescale or else in->sample_rate the unit of the
 * frames' pts). Returns 0 and the transcoder (the caller's:
 * vg_transcode_free()) in *ret, -ENOTSUP (not AAC, or no AAC decoder or Opus
 * encoder in this libavcodec), -EINVAL (missing or bad configuration) or
 * -ENOMEM. */
int vg_transcode_new(const struct vg_track_params *in, struct vg_transcode **ret);
/* Accepts NULL; returns NULL. */
struct vg_transcode *vg_transcode_free(struct vg_transcode *t);

/* Called for each Opus packet: pkt (len bytes) is borrowed for the call; pts
 * is in 48 kHz units. A negative return stops vg_transcode_push(), which
 * returns it; packets not yet handed over are then dropped. */
typedef int vg_transcode_emit_fn(void *arg, const uint8_t *pkt, size_t len, int64_t pts);

/* Transcodes the audio frame f (borrowed: f->data/len is one raw AAC access
 * unit, f->pts in the input timescale) and calls emit(arg, ...) for every Opus
 * packet that is ready: 0 or more per call, their pts continuous, 960 apart,
 * and increasing as long as the input's are (media/restamp.c makes them so).
 * Returns 0; -EINVAL when the unit is undecodable (skipped: the transcoder
 * stays usable); -ENOMEM; -EIO when the encoder fails; or emit's error. */
int vg_transcode_push(struct vg_transcode *t, const struct vg_frame *f, vg_transcode_emit_fn *emit,
                      void *arg);

/* Counters since vg_transcode_new(). */
void vg_transcode_get_stats(const struct vg_transcode *t, struct vg_transcode_stats *ret_stats);
