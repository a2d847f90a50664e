/* MJPEG live view: multipart/x-mixed-replace, one JPEG per part, as an <img>
 * tag or any NVR client plays it. One producer per stream, not per viewer:
 * while a stream has MJPEG viewers its producer reads every frame, decodes
 * them in order on the worker pool with a decoder of its own, encodes a JPEG
 * at the highest rate any viewer asked for, and pushes the same bytes to
 * every viewer (each takes the share of JPEGs its own rate calls for). A
 * viewer with too much unsent skips JPEGs; a worker that falls behind makes
 * the producer drop frames up to the next keyframe. The producer stops and
 * releases the stream when its last viewer leaves. Loop thread only. */
#pragma once

#include <event2/http.h>

struct event_base;
struct vg_hub;
struct vg_workers;
struct vg_mjpeg;

#define VG_MJPEG_FPS_MIN 1
#define VG_MJPEG_FPS_MAX 30
#define VG_MJPEG_FPS_DEFAULT 5
#define VG_MJPEG_BOUNDARY "vigilframe"

/* hub and workers are borrowed and must outlive the MJPEG output. Returns 0
 * or -ENOMEM. */
int vg_mjpeg_new(struct event_base *base, struct vg_hub *hub, struct vg_workers *workers,
                 struct vg_mjpeg **ret_mjpeg);

/* Ends every response and stops every producer (releasing its stream). A job
 * still on a worker keeps what it works on and frees it when it comes back,
 * so this may run before the worker pool is freed. Accepts NULL; returns
 * NULL. */
struct vg_mjpeg *vg_mjpeg_free(struct vg_mjpeg *m);

/* Streams stream_id to req (already authorized) at fps JPEGs per second
 * (VG_MJPEG_FPS_MIN..MAX, checked by the caller). Replies itself on every
 * path: 404 unknown stream, 409 disabled camera, 503 no picture in time. */
void vg_mjpeg_serve(struct vg_mjpeg *m, struct evhttp_request *req, const char *stream_id,
                    unsigned fps);
