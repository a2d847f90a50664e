/* Source timestamps onto a timeline that only moves forward evenly: cameras
 * wrap, restart, jump their clocks or leave timestamps out, and consumers
 * (fMP4, the recorder) need each track's decode times increasing. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct vg_restamp {
    int64_t last, offset;
    bool have, guessed;
};

/* Maps ts (in the track's timescale) onto the timeline. A step back, a jump more
 * than 10 s ahead, or a switch between real and guessed timestamps continues
 * one step after the last mapped time. Returns the mapped time; pts of the
 * same unit is pts + (returned - ts). */
int64_t vg_restamp_map(struct vg_restamp *r, int64_t ts, int64_t step, uint32_t scale,
                       bool guessed);
