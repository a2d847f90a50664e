#include "sources/reporter.h"

#include <errno.h>
#include <event2/event.h>
#include <string.h>

#include "core/util.h"

static void deliver(evutil_socket_t fd, short events, void *arg)
{
    (void)fd;
    (void)events;
    struct vg_source_reporter *r = arg;
    pthread_mutex_lock(&r->lock);
    bool pending = r->pending;
    enum vg_source_event what = r->what;
    char reason[sizeof(r->reason)];
    memcpy(reason, r->reason, sizeof(reason));
    r->pending = false;
    pthread_mutex_unlock(&r->lock);
    if (pending)
        r->fn(r->arg, what, reason);
}

int vg_source_reporter_init(struct vg_source_reporter *r, struct event_base *base,
                            vg_source_report_fn *fn, void *arg)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->lock, NULL);
    r->fn = fn;
    r->arg = arg;
    r->ev = event_new(base, -1, 0, deliver, r);
    return r->ev ? 0 : -ENOMEM;
}

void vg_source_reporter_done(struct vg_source_reporter *r)
{
    if (!r->fn)
        return; /* never initialised */
    if (r->ev)
        event_free(r->ev);
    pthread_mutex_destroy(&r->lock);
    memset(r, 0, sizeof(*r));
}

void vg_source_reporter_post(struct vg_source_reporter *r, enum vg_source_event what,
                             const char *reason)
{
    pthread_mutex_lock(&r->lock);
    r->what = what;
    r->pending = true;
    vg_strlcpy(r->reason, sizeof(r->reason), reason ? reason : "");
    pthread_mutex_unlock(&r->lock);
    event_active(r->ev, EV_READ, 0);
}
