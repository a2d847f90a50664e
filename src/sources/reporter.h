/* How a source thread tells the loop what happened: the report waits under a
 * lock and an event carries it to the loop, where the hub's callback runs. A
 * newer report replaces one not yet delivered (CONNECTED then ENDED shows
 * ENDED). Freeing the reporter cancels a report in flight. */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "sources/source.h"

struct event;

struct vg_source_reporter {
    pthread_mutex_t lock;
    struct event *ev;
    vg_source_report_fn *fn;
    void *arg;
    bool pending;
    enum vg_source_event what;
    char reason[160];
};

/* Returns 0 or -ENOMEM. fn(arg, ...) runs on base's loop. */
int vg_source_reporter_init(struct vg_source_reporter *r, struct event_base *base,
                            vg_source_report_fn *fn, void *arg);
/* Safe on a zeroed or half-made reporter. Loop thread. */
void vg_source_reporter_done(struct vg_source_reporter *r);
/* From any thread. */
void vg_source_reporter_post(struct vg_source_reporter *r, enum vg_source_event what,
                             const char *reason);
