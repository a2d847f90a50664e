/* A plain (non-fragmented) MP4 laid over samples that stay where they are in
 * other files: play.mp4 is ftyp + moov (every sample's size, time, offset;
 * sync samples) + one mdat whose bytes are runs copied from the recorded
 * segments. Only the header is made in memory; the caller sends the runs'
 * bytes from the files in order, so any byte range of the result maps to a
 * header slice or file ranges (HTTP Range). Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recording/mp4_read.h"

/* A track of the output. stsd is copied as it is (the segments' own sample
 * description), so every run of the track must come from segments with the
 * same stsd. */
struct vg_mp4_flat_track {
    bool present;
    bool video;
    uint32_t timescale;
    unsigned width, height; /* video */
    const uint8_t *stsd;    /* a whole stsd box, borrowed */
    size_t stsd_len;
};

/* Samples that lie back to back in one source file: its bytes are
 * [offset, offset + sum of the samples' sizes) of source `source`. */
struct vg_mp4_run {
    unsigned track;  /* 0: video, 1: audio */
    uint32_t source; /* the caller's index of the file */
    uint64_t offset;
    const struct vg_mp4_sample *samples; /* borrowed; only size, duration, cto, key are used */
    size_t count;
};

/* Lays out the file: the runs' bytes follow each other in the mdat in the
 * order given (each run one chunk). Timestamps start at 0 for each track and
 * advance by the samples' durations, so a gap between runs is closed up.
 * *ret_header (malloc'd, the caller frees) is ftyp + moov + the mdat box
 * header (64-bit size when needed); the mdat payload is the runs' bytes and
 * *ret_total_len the whole file's length. Returns 0, -EINVAL (no track
 * present, a run naming an absent track, a run without samples, a video
 * track whose first sample is not a keyframe; also a present track without
 * a timescale or whose stsd is not one stsd box, video over 65535 pixels
 * wide or high, a track of more than UINT32_MAX samples) or -ENOMEM. */
int vg_mp4_flat_header(const struct vg_mp4_flat_track tracks[2], const struct vg_mp4_run *runs,
                       size_t run_count, uint8_t **ret_header, size_t *ret_header_len,
                       uint64_t *ret_total_len);
