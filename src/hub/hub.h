/* The hub: every stream by id (a camera's id for its main stream, "<id>.sub"
 * for its sub stream), its one upstream source, and the supervisor that keeps it
 * up. A stream starts when its first consumer comes (or when recording keeps it
 * on), stops after an idle timeout without consumers, restarts when it stalls,
 * and retries failures with capped exponential backoff and jitter. State
 * changes go to listeners (server-sent events). Loop thread only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "media/stream.h"

struct event_base;
struct vg_hub;

enum vg_stream_state {
    VG_STATE_IDLE,         /* not running: nobody watches or records */
    VG_STATE_STARTING,     /* connecting */
    VG_STATE_ONLINE,       /* frames flow */
    VG_STATE_STALLED,      /* connected, but no new frames: being restarted */
    VG_STATE_OFFLINE,      /* unreachable or ended: retrying */
    VG_STATE_UNAUTHORIZED, /* credentials refused: retrying */
    VG_STATE_ERROR,        /* something we cannot use: retrying */
};

const char *vg_stream_state_name(enum vg_stream_state s);

struct vg_stream_status {
    enum vg_stream_state state;
    char reason[160];
    bool waiting;          /* offline, but the source is up waiting (for a publisher) */
    int64_t last_frame_at; /* Unix ms of the newest frame; 0 before any */
    double fps, bitrate;
    unsigned width, height;
    char codec[16];
    unsigned consumers;
    unsigned reconnects;
    uint64_t skips;
};

/* Where a stream comes from; the hub asks when it starts one. */
struct vg_stream_origin {
    char *url; /* with credentials; caller of the resolver allocates */
    bool udp;
};

struct vg_hub_config {
    unsigned idle_timeout_ms;  /* stop a stream nobody uses after this */
    unsigned stall_timeout_ms; /* no new frame for this long: stalled */
    unsigned io_timeout_ms;    /* connect/read timeout of sources */
    unsigned backoff_min_ms, backoff_max_ms;
    const char *state_dir;
    const char *media_dir; /* borrowed, outlives the hub: where file:// URLs may point */
    struct vg_push *push;  /* borrowed, outlives the hub: publishers of webrtc: streams */
    /* Returns 0 and fills origin, or -ENOENT (no such stream), -EACCES... */
    int (*resolve)(void *arg, const char *stream_id, struct vg_stream_origin *ret_origin);
    void *resolve_arg;
};

int vg_hub_new(struct event_base *base, const struct vg_hub_config *cfg, struct vg_hub **ret_hub);
/* Stops every source and frees every stream. Accepts NULL; returns NULL. */
struct vg_hub *vg_hub_free(struct vg_hub *h);

/* A consumer wants stream_id: starts it when needed. The returned stream stays
 * valid until the matching vg_hub_release(). -ENOENT for an unknown stream. */
int vg_hub_acquire(struct vg_hub *h, const char *stream_id, struct vg_stream **ret_stream);
void vg_hub_release(struct vg_hub *h, const char *stream_id);

/* Status of a stream (idle when the hub does not run it). */
void vg_hub_status(struct vg_hub *h, const char *stream_id, struct vg_stream_status *ret);

/* A camera changed or went away: its streams restart on the next use. */
void vg_hub_forget_camera(struct vg_hub *h, const char *camera_id);

/* Called on every state change. Returns a handle for vg_hub_unlisten. */
typedef void vg_hub_listener_fn(void *arg, const char *stream_id,
                                const struct vg_stream_status *st);
int vg_hub_listen(struct vg_hub *h, vg_hub_listener_fn *fn, void *arg);
void vg_hub_unlisten(struct vg_hub *h, int handle);

/* Number of streams with a running source. */
unsigned vg_hub_running(struct vg_hub *h);
