/* Snapshots: a JPEG of a stream's latest keyframe. A new reader starts at the
 * keyframe of the cached GOP, so the first frame it gives is the one to
 * decode; when the stream is only starting, the request waits a few seconds
 * for it. Decoding and encoding run on the worker pool. One JPEG per (stream,
 * width) is made at a time and kept for a second: every request for the same
 * picture in that time, or while it is being made, gets those same bytes, so
 * a wall of viewers polling costs one decode. Loop thread only. */
#pragma once

#include <event2/http.h>

struct event_base;
struct vg_hub;
struct vg_workers;
struct vg_snapshots;

/* How long a request waits for the stream's first keyframe. */
#define VG_SNAPSHOT_WAIT_S 5
/* How long a JPEG is served again to later requests. */
#define VG_SNAPSHOT_CACHE_MS 1000
/* (stream, width) pairs cached or being made at once; more get 503. */
#define VG_SNAPSHOT_ENTRIES_MAX 256

/* hub and workers are borrowed and must outlive the snapshots. Returns 0 or
 * -ENOMEM. */
int vg_snapshots_new(struct event_base *base, struct vg_hub *hub, struct vg_workers *workers,
                     struct vg_snapshots **ret_snapshots);

/* Answers every request still waiting (503), releases the streams and drops
 * the cache. A job still on a worker finds its entry gone and only frees
 * itself, so this may run before the worker pool is freed. Accepts NULL;
 * returns NULL. */
struct vg_snapshots *vg_snapshots_free(struct vg_snapshots *sn);

/* Answers req (already authorized) with a JPEG of stream_id, width pixels
 * wide (0: the stream's own size; else VG_JPEG_WIDTH_MIN..MAX, checked by the
 * caller). Replies itself on every path: 404 unknown stream, 409 disabled
 * camera, 503 no keyframe in time or it could not be decoded, or too busy. */
void vg_snapshot_serve(struct vg_snapshots *sn, struct evhttp_request *req, const char *stream_id,
                       unsigned width);
