/* A source feeds one stream. Each kind (libavformat pull, demo, WHIP) is a const
 * vtable; the hub starts and stops sources and learns their state through the
 * events they report. Sources run on their own thread when they block. */
#pragma once

#include <stdbool.h>

struct event_base;
struct vg_push;
struct evdns_base;
struct vg_stream;
struct vg_source;

enum vg_source_event {
    VG_SOURCE_CONNECTED,    /* connected; parameters known */
    VG_SOURCE_UNAUTHORIZED, /* the camera refused the credentials */
    VG_SOURCE_UNREACHABLE,  /* no answer, refused, timed out */
    VG_SOURCE_FAILED,       /* answered, but with something we cannot use */
    VG_SOURCE_ENDED,        /* the stream ended (EOF, connection closed) */
    VG_SOURCE_WAITING,      /* up, but nothing to send yet (no publisher): not retried */
};

/* Called on the loop thread (sources on other threads post it there).
 * reason is a short text for the status ("401 Unauthorized", ...). */
typedef void vg_source_report_fn(void *arg, enum vg_source_event ev, const char *reason);

struct vg_source_config {
    const char *stream_id;  /* for log lines */
    const char *url;        /* with credentials inserted */
    bool udp;               /* RTSP over UDP instead of TCP */
    unsigned timeout_ms;    /* connect and read timeout */
    const char *state_dir;  /* where generated media (demo clips) lives */
    struct evdns_base *dns; /* the loop's resolver, for sources on the loop */
    const char *media_dir;  /* where file:// URLs may point; NULL: nowhere */
    struct vg_push *push;   /* publishers of push streams (webrtc:); borrowed */
};

struct vg_source_ops {
    const char *name;
    /* Starts feeding s. cfg strings are copied. report(arg, ...) on the loop. */
    int (*start)(struct event_base *base, const struct vg_source_config *cfg, struct vg_stream *s,
                 vg_source_report_fn *report, void *arg, struct vg_source **ret_src);
    /* Stops promptly (never blocks on the network) and frees. Accepts NULL. */
    void (*stop)(struct vg_source *src);
};

extern const struct vg_source_ops vg_source_rtsp; /* rtsp over TCP, on the loop */
extern const struct vg_source_ops vg_source_lavf; /* rtsp over UDP, rtsps, rtmp, http(s), file */
extern const struct vg_source_ops vg_source_demo; /* demo:N */
extern const struct vg_source_ops vg_source_push; /* webrtc: (sources/push.h) */

/* The source kind for a URL (udp: RTSP over UDP was asked for), or NULL. */
const struct vg_source_ops *vg_source_for_url(const char *url, bool udp);
