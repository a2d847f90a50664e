/* A stream's fan-out: one source publishes frames, any number of readers on
 * the loop read them, each at its own cursor. The ring keeps the current GOP
 * (so a new reader starts at the latest keyframe at once) plus a bounded slack
 * for readers that lag; a reader that falls out of the ring skips to the newest
 * keyframe and the skip is counted. The source never waits for a reader.
 *
 * Threads: vg_stream_publish() and vg_stream_set_params() may run on any one
 * source thread; everything else runs on the loop thread that made the stream. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "media/frame.h"

struct event_base;
struct vg_stream;
struct vg_reader;

struct vg_stream_counters {
    uint64_t frames, bytes;     /* published since the stream was made */
    int64_t last_frame_us;      /* CLOCK_MONOTONIC of the newest frame; 0 before */
    int64_t last_pts_change_us; /* CLOCK_MONOTONIC when video timestamps last advanced */
    double fps;                 /* video frames per second over the last seconds */
    double bitrate;             /* bits per second over the last seconds */
    unsigned readers;
    uint64_t skips; /* times a reader fell behind and skipped ahead */
};

/* The ring's limits. */
#define VG_STREAM_SLOTS 1024             /* frames, GOP included */
#define VG_STREAM_SLACK_BYTES (1u << 20) /* kept before the current GOP for laggards */

/* Returns NULL on allocation failure. id is copied. */
struct vg_stream *vg_stream_new(struct event_base *base, const char *id);
/* Drops every frame; readers must be freed first. Accepts NULL; returns NULL. */
struct vg_stream *vg_stream_free(struct vg_stream *s);
const char *vg_stream_id(const struct vg_stream *s);

/* Source side. Replaces the codec parameters when they differ from the current
 * ones (a new generation: readers send a new init segment). Takes p's reference. */
void vg_stream_set_params(struct vg_stream *s, struct vg_stream_params *p);
/* Publishes f (takes the caller's reference): stamps seq, params and duration,
 * packages its fMP4 fragment once, appends it and wakes the readers. Frames
 * before the first keyframe or without parameters are dropped. */
void vg_stream_publish(struct vg_stream *s, struct vg_frame *f);
/* Forgets frames and parameters (the source restarted): readers wait for the
 * next keyframe. */
void vg_stream_reset(struct vg_stream *s);

/* Current parameters with a reference, or NULL before any. */
struct vg_stream_params *vg_stream_params(struct vg_stream *s);
void vg_stream_counters(struct vg_stream *s, struct vg_stream_counters *ret);

/* Reader side (loop thread). on_data(arg) is called on the loop when frames
 * may be available; the reader then calls vg_reader_next() until it returns 0. */
struct vg_reader *vg_reader_new(struct vg_stream *s, void (*on_data)(void *arg), void *arg);
/* Returns 1 and a frame reference in *ret_frame, or 0 when caught up. Starts at
 * the latest keyframe; after falling out of the ring, resumes at the newest
 * keyframe (counted in the stream's skips and the reader's). */
int vg_reader_next(struct vg_reader *r, struct vg_frame **ret_frame);
/* How many frames this reader skipped. */
uint64_t vg_reader_skipped(const struct vg_reader *r);
/* Accepts NULL; returns NULL. */
struct vg_reader *vg_reader_free(struct vg_reader *r);
