/* Continuous recording: for every camera with `record` on, one more consumer
 * of its main (or sub) stream that gathers frames into fragments of about a
 * second and segments of retention.segment_seconds, starting each segment at
 * a keyframe:
 *
 *   recordings/<camera>/<YYYY-MM-DD>/<HHMMSS>.mp4  (local time of its start)
 *
 * A segment is an fMP4 init segment followed by its fragments (media/fmp4.h),
 * so a file cut short by a crash plays up to its last whole fragment. Its
 * index row (store/segments.h) is written before the file is made and closed
 * with its end and size when the file is; repair at start (recording/repair.h)
 * closes rows a crash left open. Files are written on one writer thread, never
 * on the loop; the loop only gathers frames and keeps the index.
 *
 * Time: a run of frames without a break keeps the wall-clock time it started
 * at and advances by the frames' own timestamps, so a wall-clock step inside a
 * run changes nothing and segments of a run touch exactly; a new run (after a
 * gap, a restart or timestamps that jump) starts at the wall clock, but never
 * before the end of the camera's previous segment.
 *
 * Loop thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct event_base;
struct vg_hub;
struct vg_camera;
struct vg_recorder;

enum vg_rec_state {
    VG_REC_OFF,       /* the camera does not record */
    VG_REC_WAITING,   /* it should, but no picture has come yet */
    VG_REC_RECORDING, /* fragments reach the disk */
    VG_REC_ERROR,     /* the last write failed; retried */
};

/* "off", "waiting", "recording", "recording error". */
const char *vg_rec_state_name(enum vg_rec_state s);

struct vg_recording_status {
    enum vg_rec_state state;
    char reason[160];
    int64_t segment_id;       /* the segment being written; 0 when none */
    int64_t segment_start_ms; /* its start */
    int64_t live_end_ms;      /* written up to here */
    uint64_t live_bytes;      /* its size so far */
};

struct vg_recorder_config {
    const char *dir; /* the recordings directory; must exist */
    unsigned segment_seconds;
    struct vg_db *db;
    struct vg_hub *hub;
    /* A write failed for lack of space: retention should run now. May be NULL. */
    void (*on_disk_full)(void *arg);
    /* A segment of bytes was closed (and indexed). May be NULL. */
    void (*on_closed)(void *arg, uint64_t bytes);
    void *arg;
};

int vg_recorder_new(struct event_base *base, const struct vg_recorder_config *cfg,
                    struct vg_recorder **ret_recorder);

/* Writes out what is gathered, closes every segment (index rows included) and
 * waits for the disk. Accepts NULL; returns NULL. */
struct vg_recorder *vg_recorder_free(struct vg_recorder *r);

/* Records exactly the enabled cameras of cams that have record on: starts
 * those not recorded yet, stops the others, and restarts one whose stream
 * choice changed. */
void vg_recorder_sync(struct vg_recorder *r, const struct vg_camera *cams, size_t count);

void vg_recorder_status(struct vg_recorder *r, const char *camera_id,
                        struct vg_recording_status *ret);

/* True when segment id is being written. */
bool vg_recorder_segment_live(struct vg_recorder *r, int64_t segment_id);

/* Deletes a closed segment: its index row now, its file on the writer thread
 * after anything queued before. Returns 0, -EBUSY for the segment being
 * written, or an error of the index. */
struct vg_segment;
int vg_recorder_delete_segment(struct vg_recorder *r, const struct vg_segment *s);

/* The recordings directory. */
const char *vg_recorder_dir(const struct vg_recorder *r);
