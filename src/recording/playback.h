/* play.mp4: one plain MP4 over every recorded segment of a camera that
 * overlaps a time range, laid over the segment files without copying them
 * (recording/mp4_flat.h). The layout is the header in memory plus runs of
 * file bytes; any byte range of the result is read from those. Files are
 * found through the index only. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* The longest range one play.mp4 may cover. */
#define VG_PLAY_MAX_MS (6 * 3600 * (int64_t)1000)

struct vg_play;

/* Lays out camera's recording over [from_ms, to_ms): from the keyframe at or
 * before from_ms up to to_ms, gaps closed up, stopping where the video's
 * sample description changes. Returns 0, -ENOENT (nothing recorded in the
 * range), -ERANGE (range too long or empty), -EIO/-ENOMEM and the like. */
int vg_play_build(struct vg_db *db, const char *dir, const char *camera_id, int64_t from_ms,
                  int64_t to_ms, struct vg_play **ret_play);

struct vg_play *vg_play_ref(struct vg_play *p);
/* Drops a reference; frees on the last. Accepts NULL. */
void vg_play_unref(struct vg_play *p);

uint64_t vg_play_size(const struct vg_play *p);
/* Wall-clock ms of the file's first and last instants. */
int64_t vg_play_start_ms(const struct vg_play *p);
int64_t vg_play_end_ms(const struct vg_play *p);

/* Copies up to len bytes at offset into buf: the header from memory, the rest
 * from the files (pread). Returns the bytes copied (0 at the end) or a
 * negative errno (a file gone or shorter than the index says). */
int64_t vg_play_read(struct vg_play *p, uint64_t offset, uint8_t *buf, size_t len);
