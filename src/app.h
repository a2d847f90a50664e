/* The daemon's context: everything long-lived hangs off struct vg_app, owned by
 * main(). Modules take what they need from it; there are no other globals. */
#pragma once

#include <stdbool.h>

#include "core/config.h"
#include "store/db.h"
#include "store/secretbox.h"

struct event_base;
struct event;
struct vg_http;
struct vg_lockout;
struct vg_workers;
struct vg_hub;
struct vg_events;
struct vg_hls;
struct vg_snapshots;
struct vg_mjpeg;
struct vg_webrtc;
struct vg_push;
struct vg_recorder;
struct vg_retention;
struct vg_thumbs;

struct vg_app {
    struct vg_config *cfg; /* owned */
    struct event_base *base;
    struct vg_db *db;
    struct vg_secretbox box;
    struct vg_http *http;
    struct vg_lockout *lockout;
    struct vg_workers *workers; /* CPU-heavy jobs off the loop */
    struct vg_workers *probes;  /* camera connection tests (they block on the network) */
    /* JPEG decoding and encoding, apart from logins so video never delays them */
    struct vg_workers *media_workers;
    struct vg_hub *hub;             /* every stream and its source */
    struct vg_push *push;           /* publishers of webrtc: cameras, and their sources */
    struct vg_events *events;       /* server-sent event clients */
    struct vg_hls *hls;             /* LL-HLS packagers; made on the first request */
    struct vg_snapshots *snapshots; /* JPEG snapshots and their cache */
    struct vg_mjpeg *mjpeg;         /* MJPEG producers and viewers */
    struct vg_webrtc *webrtc;       /* WebRTC sessions; NULL when its ports were taken */
    char *recordings_dir;           /* storage.recordings_dir, or <state_dir>/recordings */
    struct vg_recorder *recorder;   /* segments of every recorded camera */
    struct vg_retention *retention; /* deletes the oldest recordings past the limits */
    struct vg_thumbs *thumbs;       /* recorded keyframes as JPEG, cached */
    unsigned demo_cameras;
    unsigned demo_recorded; /* demo cameras 1..demo_recorded record their sub stream */

    struct event *sig_int, *sig_term, *watchdog, *housekeeping;
    unsigned long watchdog_usec;
};

/* Opens the store, prepares the first admin, syncs config and demo cameras and
 * starts HTTP. Takes ownership of cfg. On failure the app is left for
 * vg_app_done() to clean up. Returns 0 or a negative errno (already logged). */
int vg_app_init(struct vg_app *app, struct vg_config *cfg, unsigned demo_cameras,
                unsigned demo_recorded);

/* Cameras changed (API, NVR sync): the recorder follows their record flags. */
void vg_app_cameras_changed(struct vg_app *app);

/* Runs the loop until SIGINT/SIGTERM. Returns 0 or a negative errno. */
int vg_app_run(struct vg_app *app);

/* Stops accepting, closes sessions and flushes the store. Safe on a half-built app. */
void vg_app_done(struct vg_app *app);
