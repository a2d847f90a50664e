/* The index of recorded segments: one row per file, written by the recorder
 * (open while it writes), read by playback, retention and storage figures.
 * Paths are relative to the recordings directory and made only by the
 * recorder; nothing here takes a path from a request. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "store/db.h"

#define VG_SEGMENT_PATH_MAX 160
/* The longest segment the recorder makes (retention.segment_seconds at most
 * 3600) with room to spare: a segment overlapping [from, to) starts after
 * from - this, which keeps range queries on the (camera, start) index. */
#define VG_SEGMENT_MAX_MS (2 * 3600 * 1000)

struct vg_segment {
    int64_t id;
    char camera_id[VG_SLUG_MAX];
    bool sub;                 /* the camera's sub stream */
    int64_t start_ms, end_ms; /* Unix ms */
    uint64_t bytes;
    char path[VG_SEGMENT_PATH_MAX];
    char codec[32]; /* RFC 6381 codec string of the video */
    unsigned width, height;
    bool open; /* being written (or cut off by a crash) */
};

struct vg_segment_day {
    char day[11]; /* YYYY-MM-DD, local */
    uint64_t segments, bytes;
    int64_t duration_ms;
};

struct vg_segment_usage {
    char camera_id[VG_SLUG_MAX];
    uint64_t segments, bytes;
    int64_t oldest_ms, newest_ms; /* start of the first, end of the last */
    uint32_t retention_days;      /* the camera's; 0 when default or the camera is gone */
};

/* Writes a new row from s (id ignored; open as given) and sets s->id.
 * -EEXIST when the path is taken. */
int vg_segments_insert(struct vg_db *db, struct vg_segment *s);
/* Sets end, size and the open flag of row id. -ENOENT. */
int vg_segments_finish(struct vg_db *db, int64_t id, int64_t end_ms, uint64_t bytes, bool open);
int vg_segments_get(struct vg_db *db, int64_t id, struct vg_segment *ret);
/* -ENOENT when absent. */
int vg_segments_delete(struct vg_db *db, int64_t id);

/* Segments of camera overlapping [from_ms, to_ms), oldest first, at most
 * limit; an open row (its end not known yet) counts as reaching to_ms. Caller
 * frees *ret. */
int vg_segments_range(struct vg_db *db, const char *camera_id, int64_t from_ms, int64_t to_ms,
                      size_t limit, struct vg_segment **ret, size_t *ret_count);
/* The newest segment of camera starting at or before at_ms (-ENOENT). */
int vg_segments_at_or_before(struct vg_db *db, const char *camera_id, int64_t at_ms,
                             struct vg_segment *ret);
/* The oldest segment of camera starting after at_ms (-ENOENT). */
int vg_segments_after(struct vg_db *db, const char *camera_id, int64_t at_ms,
                      struct vg_segment *ret);
/* Every open row (to repair after a crash). */
int vg_segments_open_rows(struct vg_db *db, struct vg_segment **ret, size_t *ret_count);
/* Days with segments of camera, oldest first. */
int vg_segments_days(struct vg_db *db, const char *camera_id, struct vg_segment_day **ret,
                     size_t *ret_count);
/* Closed segments, oldest first, at most limit: camera_id NULL for every
 * camera, before_ms to take only those that ended before it (INT64_MAX: any). */
int vg_segments_oldest(struct vg_db *db, const char *camera_id, int64_t before_ms, size_t limit,
                       struct vg_segment **ret, size_t *ret_count);
/* Per camera with segments, ordered by camera id: counts and bytes from the
 * totals the schema's triggers keep, oldest and newest through the (camera,
 * start) index, so the cost does not grow with the index. newest_ms is the
 * end of the segment that started last. */
int vg_segments_usage(struct vg_db *db, struct vg_segment_usage **ret, size_t *ret_count);

/* The local calendar day of a Unix ms time, "YYYY-MM-DD". */
void vg_segment_day_of(int64_t ms, char out[11]);
/* The Unix ms bounds of a local day "YYYY-MM-DD": [*ret_from, *ret_to).
 * -EINVAL when day is not such a date. */
int vg_segment_day_bounds(const char *day, int64_t *ret_from, int64_t *ret_to);
