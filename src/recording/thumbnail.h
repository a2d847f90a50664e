/* Thumbnails of recordings: the JPEG of a recorded keyframe, decoded on the
 * media workers and cached by (segment, keyframe, width), so scrubbing over
 * the same seconds costs one decode each. */
#pragma once

#include <stdint.h>

#include "outputs/jpeg.h"

struct vg_thumbs;

/* entries: pictures kept. Returns 0 or -ENOMEM. */
int vg_thumbs_new(unsigned entries, struct vg_thumbs **ret);
/* Accepts NULL; returns NULL. */
struct vg_thumbs *vg_thumbs_free(struct vg_thumbs *t);

/* Worker thread (blocks on the disk and the decoder): the JPEG of the
 * keyframe of the segment file at path nearest at or before at_ms (the first
 * one when at_ms is before it), the segment having started at start_ms and
 * being index row segment_id. Returns 0 and a reference in *ret_jpeg, or
 * -ENOENT (no keyframe), -ENOTSUP (a codec that cannot be decoded) and the
 * errors of reading and decoding. Thread-safe. */
int vg_thumbs_make(struct vg_thumbs *t, int64_t segment_id, const char *path, int64_t start_ms,
                   int64_t at_ms, unsigned width, struct vg_jpeg **ret_jpeg);
