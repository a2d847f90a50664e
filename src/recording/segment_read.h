/* Reading a recorded segment file back into sample tables (mp4_read.h), for
 * repair, playback and thumbnails. */
#pragma once

#include <stdint.h>

#include "recording/mp4_read.h"

/* Opens path (read-only), parses it and closes it. *ret_size gets the file's
 * size. Returns 0, -ENOENT and other open/read errors, or those of
 * vg_mp4_read(). */
int vg_segment_read(const char *path, struct vg_mp4_file *ret, uint64_t *ret_size);

/* The track playback and repair time a segment by: video when there is
 * video, else audio; NULL when the file has neither. */
const struct vg_mp4_track *vg_segment_primary(const struct vg_mp4_file *f);

/* Wall-clock ms of sample s of track t, in a segment that started at
 * start_ms: its decode time past the segment's first primary sample (the
 * tracks share one epoch, each in its own timescale). */
int64_t vg_segment_sample_ms(const struct vg_mp4_file *f, int64_t start_ms,
                             const struct vg_mp4_track *t, const struct vg_mp4_sample *s);

/* Index of t's last keyframe at or before at_ms, else of its first one;
 * t->count when it has none. */
size_t vg_segment_keyframe_at(const struct vg_mp4_file *f, int64_t start_ms,
                              const struct vg_mp4_track *t, int64_t at_ms);

/* Duration of t in ms: from its first sample to its end. */
int64_t vg_segment_track_ms(const struct vg_mp4_track *t);
