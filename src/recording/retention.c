#include "recording/retention.h"

#include <errno.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/util.h"
#include "recording/recorder.h"
#include "store/segments.h"

#define BATCH 256
#define DAY_MS (86400 * (int64_t)1000)

struct vg_retention {
    struct vg_db *db;
    struct vg_recorder *recorder;
    struct vg_retention_config cfg;
    struct event *timer, *soon;
    uint64_t total; /* bytes indexed after the last pass */
    uint64_t added; /* bytes of segments closed since */
};

struct pass {
    unsigned deleted;
    uint64_t bytes;
};

/* Deletes up to `limit` of the oldest closed segments (of camera_id, or all
 * when NULL) that ended before before_ms, until `bytes` are freed (0: no byte
 * target). Returns the bytes freed or a negative errno. */
static int64_t delete_oldest(struct vg_retention *r, const char *camera_id, int64_t before_ms,
                             uint64_t bytes, struct pass *p)
{
    uint64_t freed = 0;
    for (;;) {
        struct vg_segment *rows = NULL;
        size_t n = 0;
        int e = vg_segments_oldest(r->db, camera_id, before_ms, BATCH, &rows, &n);
        if (e < 0)
            return e;
        size_t i = 0;
        vg_db_begin(r->db);
        for (; i < n && (bytes == 0 || freed < bytes); i++) {
            if (vg_recorder_delete_segment(r->recorder, &rows[i]) < 0)
                continue;
            freed += rows[i].bytes;
            p->deleted++;
            p->bytes += rows[i].bytes;
        }
        vg_db_commit(r->db);
        free(rows);
        if (n < BATCH || (bytes && freed >= bytes))
            break;
    }
    return (int64_t)freed;
}

static void by_age(struct vg_retention *r, const struct vg_segment_usage *u, size_t n,
                   struct pass *p)
{
    int64_t now = vg_wall_us() / 1000;
    for (size_t i = 0; i < n; i++) {
        uint32_t days = u[i].retention_days ? u[i].retention_days : r->cfg.max_age_days;
        if (days && u[i].oldest_ms < now - days * DAY_MS)
            delete_oldest(r, u[i].camera_id, now - days * DAY_MS, 0, p);
    }
}

/* a - b, or 0 */
static uint64_t minus(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

static void by_size(struct vg_retention *r, const struct vg_segment_usage *u, size_t n,
                    struct pass *p)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += u[i].bytes;
    total = minus(total, p->bytes); /* what the age rule freed */
    if (r->cfg.max_bytes && total > r->cfg.max_bytes) {
        uint64_t before = p->bytes;
        delete_oldest(r, NULL, INT64_MAX, total - r->cfg.max_bytes, p);
        total = minus(total, p->bytes - before);
    }
    r->total = total;
}

/* Bytes to delete to have min_free_percent free, counting `pending` bytes
 * already deleted whose files the writer has not removed yet; 0 when there
 * is enough (or no rule, or the disk cannot be asked). */
static uint64_t free_shortfall(const struct vg_retention *r, uint64_t pending)
{
    uint64_t total, avail;
    if (!r->cfg.min_free_percent || vg_disk_space(r->cfg.dir, &total, &avail) < 0)
        return 0;
    uint64_t want = total / 100 * r->cfg.min_free_percent;
    return avail + pending < want ? want - avail - pending : 0;
}

void vg_retention_note(struct vg_retention *r, uint64_t bytes)
{
    if (!r)
        return;
    r->added += bytes;
    if ((r->cfg.max_bytes && r->total + r->added > r->cfg.max_bytes) || free_shortfall(r, 0))
        vg_retention_poke(r);
}

static void by_free_space(struct vg_retention *r, struct pass *p)
{
    uint64_t need = free_shortfall(r, p->bytes);
    if (need) {
        uint64_t before = p->bytes;
        delete_oldest(r, NULL, INT64_MAX, need, p);
        r->total = minus(r->total, p->bytes - before);
    }
}

int vg_retention_pass(struct vg_retention *r)
{
    struct vg_segment_usage *u = NULL;
    size_t n = 0;
    struct pass p = {0};
    int e = vg_segments_usage(r->db, &u, &n);
    if (e < 0)
        return e;
    by_age(r, u, n, &p);
    by_size(r, u, n, &p);
    by_free_space(r, &p);
    r->added = 0;
    free(u);
    if (p.deleted)
        vg_info("retention", "deleted %u segments (%.1f MB)", p.deleted, (double)p.bytes / 1e6);
    return (int)p.deleted;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    vg_retention_pass(arg);
}

void vg_retention_poke(struct vg_retention *r)
{
    if (r && !event_pending(r->soon, EV_TIMEOUT, NULL)) {
        struct timeval tv = {.tv_usec = 100000};
        event_add(r->soon, &tv);
    }
}

int vg_retention_new(struct event_base *base, struct vg_db *db, struct vg_recorder *recorder,
                     const struct vg_retention_config *cfg, struct vg_retention **ret)
{
    struct vg_retention *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    *r = (struct vg_retention){.db = db, .recorder = recorder, .cfg = *cfg};
    r->timer = event_new(base, -1, EV_PERSIST, on_timer, r);
    r->soon = evtimer_new(base, on_timer, r);
    struct timeval tv = {.tv_sec = cfg->interval_s ? cfg->interval_s : 60};
    if (!r->timer || !r->soon || event_add(r->timer, &tv) < 0) {
        vg_retention_free(r);
        return -ENOMEM;
    }
    *ret = r;
    return 0;
}

struct vg_retention *vg_retention_free(struct vg_retention *r)
{
    if (!r)
        return NULL;
    if (r->timer)
        event_free(r->timer);
    if (r->soon)
        event_free(r->soon);
    free(r);
    return NULL;
}
