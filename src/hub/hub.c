#include "hub/hub.h"

#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/log.h"
#include "core/clock.h"
#include "core/util.h"
#include "sources/source.h"

#define LISTENERS_MAX 64
#define SUPERVISE_MS 1000
#define STREAM_ID_MAX (VG_SLUG_MAX + 8)

struct entry {
    struct vg_hub *hub;
    char id[STREAM_ID_MAX];
    struct vg_stream *stream;
    const struct vg_source_ops *ops;
    struct vg_source *source;
    enum vg_stream_state state;
    char reason[160];
    bool waiting; /* the source is up and waits (VG_SOURCE_WAITING) */
    unsigned users;
    unsigned reconnects, attempts;
    struct event *retry, *idle;
    struct entry *next;
};

struct listener {
    vg_hub_listener_fn *fn;
    void *arg;
};

struct vg_hub {
    struct event_base *base;
    struct vg_hub_config cfg;
    char *state_dir;
    struct entry *entries;
    struct event *supervise;
    struct evdns_base *dns;
    struct listener listeners[LISTENERS_MAX];
};

const char *vg_stream_state_name(enum vg_stream_state s)
{
    static const char *const names[] = {
        [VG_STATE_IDLE] = "idle",       [VG_STATE_STARTING] = "starting",
        [VG_STATE_ONLINE] = "online",   [VG_STATE_STALLED] = "stalled",
        [VG_STATE_OFFLINE] = "offline", [VG_STATE_UNAUTHORIZED] = "unauthorized",
        [VG_STATE_ERROR] = "error",
    };
    return names[s];
}

static struct entry *find(struct vg_hub *h, const char *id)
{
    for (struct entry *e = h->entries; e; e = e->next) {
        if (strcmp(e->id, id) == 0)
            return e;
    }
    return NULL;
}

static void fill_status(struct entry *e, struct vg_stream_status *st)
{
    memset(st, 0, sizeof(*st));
    st->state = e ? e->state : VG_STATE_IDLE;
    if (!e)
        return;
    vg_strlcpy(st->reason, sizeof(st->reason), e->reason);
    st->waiting = e->waiting;
    st->reconnects = e->reconnects;
    st->consumers = e->users;
    if (!e->stream)
        return;
    struct vg_stream_counters c;
    vg_stream_counters(e->stream, &c);
    if (c.last_frame_us) {
        /* The ring counts in monotonic time; users read wall-clock time. */
        st->last_frame_at = (vg_wall_us() - (vg_mono_us() - c.last_frame_us)) / 1000;
    }
    st->fps = c.fps;
    st->bitrate = c.bitrate;
    st->skips = c.skips;
    struct vg_stream_params *p = vg_stream_params(e->stream);
    if (p) {
        st->width = p->video.width;
        st->height = p->video.height;
        vg_strlcpy(st->codec, sizeof(st->codec), vg_codec_name(p->video.codec));
        vg_stream_params_unref(&p);
    }
}

static void set_state(struct entry *e, enum vg_stream_state state, const char *reason)
{
    bool same = e->state == state && strcmp(e->reason, reason ? reason : "") == 0;
    e->state = state;
    vg_strlcpy(e->reason, sizeof(e->reason), reason ? reason : "");
    if (same)
        return;
    if (state == VG_STATE_ONLINE || state == VG_STATE_IDLE || state == VG_STATE_STARTING)
        vg_log_write(VG_LOG_INFO, "hub", e->id, "%s", vg_stream_state_name(state));
    else
        vg_log_write(VG_LOG_WARN, "hub", e->id, "%s: %s", vg_stream_state_name(state), e->reason);
    struct vg_stream_status st;
    fill_status(e, &st);
    for (int i = 0; i < LISTENERS_MAX; i++) {
        if (e->hub->listeners[i].fn)
            e->hub->listeners[i].fn(e->hub->listeners[i].arg, e->id, &st);
    }
}

static void stop_source(struct entry *e)
{
    e->waiting = false;
    if (e->source) {
        e->ops->stop(e->source);
        e->source = NULL;
        vg_stream_reset(e->stream);
    }
}

static void on_report(void *arg, enum vg_source_event ev, const char *reason);

static void start_source(struct entry *e)
{
    struct vg_hub *h = e->hub;
    struct vg_stream_origin origin = {0};
    int r = h->cfg.resolve(h->cfg.resolve_arg, e->id, &origin);
    if (r < 0) {
        set_state(e, VG_STATE_ERROR, r == -ENOENT ? "no such stream" : "cannot read its URL");
        return;
    }
    e->ops = vg_source_for_url(origin.url, origin.udp);
    if (!e->ops) {
        free(origin.url);
        set_state(e, VG_STATE_ERROR, "unsupported URL scheme");
        return;
    }
    struct vg_source_config sc = {
        .stream_id = e->id,
        .url = origin.url,
        .udp = origin.udp,
        .timeout_ms = h->cfg.io_timeout_ms,
        .state_dir = h->state_dir,
        .dns = h->dns,
        .media_dir = h->cfg.media_dir,
        .push = h->cfg.push,
    };
    set_state(e, VG_STATE_STARTING, NULL);
    r = e->ops->start(h->base, &sc, e->stream, on_report, e, &e->source);
    free(origin.url);
    if (r < 0)
        set_state(e, VG_STATE_ERROR, "cannot start the source");
}

static unsigned backoff_ms(struct entry *e)
{
    const struct vg_hub_config *c = &e->hub->cfg;
    unsigned ms = c->backoff_min_ms;
    for (unsigned i = 1; i < e->attempts && ms < c->backoff_max_ms; i++)
        ms *= 2;
    if (ms > c->backoff_max_ms)
        ms = c->backoff_max_ms;
    /* ±20 % jitter, so cameras behind one dead switch do not retry in lockstep. */
    uint16_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
        rnd = (uint16_t)vg_mono_us();
    return ms - ms / 5 + (unsigned)((uint64_t)ms * 2 / 5 * rnd / 65535);
}

static void schedule_retry(struct entry *e)
{
    e->attempts++;
    unsigned ms = backoff_ms(e);
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    event_add(e->retry, &tv);
}

static void on_report(void *arg, enum vg_source_event ev, const char *reason)
{
    struct entry *e = arg;
    e->waiting = ev == VG_SOURCE_WAITING;
    switch (ev) {
    case VG_SOURCE_CONNECTED:
        e->attempts = 0;
        set_state(e, VG_STATE_ONLINE, NULL);
        return;
    case VG_SOURCE_WAITING:
        /* The source stays up: what it waits for may come any moment. */
        e->attempts = 0;
        set_state(e, VG_STATE_OFFLINE, reason);
        return;
    case VG_SOURCE_UNAUTHORIZED:
        set_state(e, VG_STATE_UNAUTHORIZED, reason);
        break;
    case VG_SOURCE_UNREACHABLE:
    case VG_SOURCE_ENDED:
        set_state(e, VG_STATE_OFFLINE, reason);
        break;
    case VG_SOURCE_FAILED:
        set_state(e, VG_STATE_ERROR, reason);
        break;
    }
    stop_source(e);
    schedule_retry(e);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct entry *e = arg;
    if (e->source)
        return;
    if (e->users == 0) {
        /* Nobody is waiting for it any more. */
        e->attempts = 0;
        set_state(e, VG_STATE_IDLE, NULL);
        return;
    }
    e->reconnects++;
    start_source(e);
}

static void on_idle(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct entry *e = arg;
    if (e->users > 0)
        return;
    event_del(e->retry);
    stop_source(e);
    e->attempts = 0;
    set_state(e, VG_STATE_IDLE, NULL);
}

/* Every second: a running stream whose frames stopped, or whose pictures no
 * longer change, is stalled and restarted. */
static void on_supervise(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_hub *h = arg;
    int64_t now = vg_mono_us(), limit = (int64_t)h->cfg.stall_timeout_ms * 1000;
    for (struct entry *e = h->entries; e; e = e->next) {
        if (!e->source || e->state != VG_STATE_ONLINE)
            continue;
        struct vg_stream_counters c;
        vg_stream_counters(e->stream, &c);
        bool silent = c.last_frame_us && now - c.last_frame_us > limit;
        bool frozen = c.last_pts_change_us && now - c.last_pts_change_us > limit;
        if (!silent && !frozen)
            continue;
        set_state(e, VG_STATE_STALLED, silent ? "no frames" : "picture frozen");
        stop_source(e);
        e->reconnects++;
        start_source(e);
    }
}

int vg_hub_new(struct event_base *base, const struct vg_hub_config *cfg, struct vg_hub **ret_hub)
{
    struct vg_hub *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->base = base;
    h->cfg = *cfg;
    h->state_dir = strdup(cfg->state_dir ? cfg->state_dir : ".");
    h->supervise = event_new(base, -1, EV_PERSIST, on_supervise, h);
    /* The resolver for sources on the loop; it reads resolv.conf and hosts once. */
    h->dns =
        evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    struct timeval tv = {.tv_sec = SUPERVISE_MS / 1000, .tv_usec = SUPERVISE_MS % 1000 * 1000};
    if (!h->state_dir || !h->supervise || !h->dns || event_add(h->supervise, &tv) < 0) {
        vg_hub_free(h);
        return -ENOMEM;
    }
    h->cfg.state_dir = h->state_dir;
    *ret_hub = h;
    return 0;
}

struct vg_hub *vg_hub_free(struct vg_hub *h)
{
    if (!h)
        return NULL;
    while (h->entries) {
        struct entry *e = h->entries;
        h->entries = e->next;
        stop_source(e);
        if (e->retry)
            event_free(e->retry);
        if (e->idle)
            event_free(e->idle);
        vg_stream_free(e->stream);
        free(e);
    }
    if (h->supervise)
        event_free(h->supervise);
    if (h->dns)
        evdns_base_free(h->dns, 1);
    free(h->state_dir);
    free(h);
    return NULL;
}

static struct entry *add_entry(struct vg_hub *h, const char *id)
{
    struct entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->hub = h;
    vg_strlcpy(e->id, sizeof(e->id), id);
    e->stream = vg_stream_new(h->base, id);
    e->retry = evtimer_new(h->base, on_retry, e);
    e->idle = evtimer_new(h->base, on_idle, e);
    if (!e->stream || !e->retry || !e->idle) {
        vg_stream_free(e->stream);
        if (e->retry)
            event_free(e->retry);
        if (e->idle)
            event_free(e->idle);
        free(e);
        return NULL;
    }
    e->next = h->entries;
    h->entries = e;
    return e;
}

int vg_hub_acquire(struct vg_hub *h, const char *stream_id, struct vg_stream **ret_stream)
{
    struct entry *e = find(h, stream_id);
    if (!e) {
        struct vg_stream_origin probe = {0};
        int r = h->cfg.resolve(h->cfg.resolve_arg, stream_id, &probe);
        free(probe.url);
        if (r < 0)
            return r;
        e = add_entry(h, stream_id);
        if (!e)
            return -ENOMEM;
    }
    e->users++;
    event_del(e->idle);
    if (!e->source && !event_pending(e->retry, EV_TIMEOUT, NULL))
        start_source(e);
    *ret_stream = e->stream;
    return 0;
}

void vg_hub_release(struct vg_hub *h, const char *stream_id)
{
    struct entry *e = find(h, stream_id);
    if (!e || e->users == 0)
        return;
    if (--e->users == 0) {
        unsigned ms = h->cfg.idle_timeout_ms;
        struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
        event_add(e->idle, &tv);
    }
}

void vg_hub_status(struct vg_hub *h, const char *stream_id, struct vg_stream_status *ret)
{
    fill_status(find(h, stream_id), ret);
}

void vg_hub_forget_camera(struct vg_hub *h, const char *camera_id)
{
    size_t n = strlen(camera_id);
    for (struct entry *e = h->entries; e; e = e->next) {
        bool mine =
            strncmp(e->id, camera_id, n) == 0 && (!e->id[n] || strcmp(e->id + n, ".sub") == 0);
        if (!mine || !e->source)
            continue;
        /* Restart with the new URL; consumers keep their place in the stream. */
        stop_source(e);
        event_del(e->retry);
        e->attempts = 0;
        if (e->users)
            start_source(e);
        else
            set_state(e, VG_STATE_IDLE, NULL);
    }
}

int vg_hub_listen(struct vg_hub *h, vg_hub_listener_fn *fn, void *arg)
{
    for (int i = 0; i < LISTENERS_MAX; i++) {
        if (!h->listeners[i].fn) {
            h->listeners[i] = (struct listener){.fn = fn, .arg = arg};
            return i;
        }
    }
    return -ENOSPC;
}

void vg_hub_unlisten(struct vg_hub *h, int handle)
{
    if (handle >= 0 && handle < LISTENERS_MAX)
        h->listeners[handle] = (struct listener){0};
}

unsigned vg_hub_running(struct vg_hub *h)
{
    unsigned n = 0;
    for (struct entry *e = h->entries; e; e = e->next)
        n += e->source != NULL;
    return n;
}
