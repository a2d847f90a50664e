/* Retention: keeps the recordings within their limits by deleting the oldest
 * closed segments first (the one being written never goes):
 * - per camera, segments older than its retention_days (or max_age_days);
 * - all together, at most max_storage_gb;
 * - on the disk, at least min_free_percent free.
 * Runs every retention.interval_s, and at once when a write finds the disk
 * full. Loop thread. */
#pragma once

#include <stdint.h>

#include "store/db.h"

struct event_base;
struct vg_recorder;
struct vg_retention;

struct vg_retention_config {
    uint64_t max_bytes;        /* 0: no limit */
    uint32_t max_age_days;     /* 0: no limit */
    uint32_t min_free_percent; /* 0: none */
    uint32_t interval_s;
    const char *dir;
};

int vg_retention_new(struct event_base *base, struct vg_db *db, struct vg_recorder *recorder,
                     const struct vg_retention_config *cfg, struct vg_retention **ret);
/* Accepts NULL; returns NULL. */
struct vg_retention *vg_retention_free(struct vg_retention *r);
/* Runs a pass soon (several requests make one pass). */
void vg_retention_poke(struct vg_retention *r);
/* A segment of bytes was closed: runs a pass soon when the total or the free
 * space crossed its limit since the last pass. */
void vg_retention_note(struct vg_retention *r, uint64_t bytes);
/* Runs a pass now; returns the number of segments deleted or a negative errno. */
int vg_retention_pass(struct vg_retention *r);
