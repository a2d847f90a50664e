#include "outputs/snapshot.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "core/workers.h"
#include "http/reply.h"
#include "hub/hub.h"
#include "media/stream.h"
#include "outputs/jpeg.h"

/* A request waiting for its entry's JPEG. */
struct waiter {
    struct entry *e;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    struct waiter *next;
};

enum entry_state {
    WAITING,  /* for the stream's keyframe */
    DECODING, /* a job on a worker */
    READY,    /* the JPEG, until the cache time runs out */
};

/* A decode on a worker. The entry points at it and it at the entry; whichever
 * goes first clears the other's pointer. */
struct job {
    struct entry *e;        /* NULL once the entry is gone */
    struct vg_frame *frame; /* the keyframe; a reference */
    unsigned width;
    /* Written by the worker. */
    int err;
    struct vg_jpeg *jpeg;
};

/* One (stream, width): its request waiters and its JPEG. */
struct entry {
    struct vg_snapshots *sn;
    struct entry *next;
    char id[VG_SLUG_MAX + 8];
    unsigned width;
    enum entry_state state;
    bool acquired;            /* holds the hub stream (WAITING) */
    struct vg_reader *reader; /* WAITING */
    struct event *timer;      /* WAITING: the wait for a keyframe; READY: expiry */
    struct waiter *waiters;
    struct job *job;      /* DECODING */
    struct vg_jpeg *jpeg; /* READY */
};

struct vg_snapshots {
    struct event_base *base;
    struct vg_hub *hub;
    struct vg_workers *workers;
    struct entry *entries;
    unsigned count;
};

static void job_free(struct job *j)
{
    vg_frame_unref(&j->frame);
    vg_jpeg_unref(&j->jpeg);
    free(j);
}

static void unref_jpeg(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    struct vg_jpeg *j = arg;
    vg_jpeg_unref(&j);
}

static void reply_jpeg(struct evhttp_request *req, struct vg_jpeg *jpeg)
{
    struct evbuffer *body = evbuffer_new();
    if (!body) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    vg_jpeg_ref(jpeg);
    if (evbuffer_add_reference(body, jpeg->data, jpeg->len, unref_jpeg, jpeg) < 0) {
        vg_jpeg_unref(&jpeg);
        evbuffer_free(body);
        evhttp_send_error(req, 500, NULL);
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "image/jpeg");
    evhttp_add_header(h, "Cache-Control", "no-store");
    vg_reply_security_headers(req);
    evhttp_send_reply(req, 200, "OK", body);
    evbuffer_free(body);
}

/* The client went away before its answer: forget the request. */
static void waiter_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct waiter *w = arg;
    vg_reply_abandoned(w->req);
    for (struct waiter **p = &w->e->waiters; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            break;
        }
    }
    free(w);
}

/* Answers every waiter: with e's JPEG when there is one, else with status. */
static void answer_waiters(struct entry *e, int status, const char *msg)
{
    struct waiter *w;
    while ((w = e->waiters)) {
        e->waiters = w->next;
        evhttp_connection_set_closecb(w->conn, NULL, NULL);
        if (e->jpeg)
            reply_jpeg(w->req, e->jpeg);
        else
            vg_reply_error_ev(w->req, status, "%s", msg ? msg : "no picture");
        free(w);
    }
}

/* Unlinks and frees e; answers waiters still there with 503. */
static void entry_free(struct entry *e)
{
    struct vg_snapshots *sn = e->sn;
    for (struct entry **p = &sn->entries; *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            sn->count--;
            break;
        }
    }
    answer_waiters(e, 503, "no snapshot available");
    e->reader = vg_reader_free(e->reader);
    if (e->acquired)
        vg_hub_release(sn->hub, e->id);
    if (e->timer)
        event_free(e->timer);
    if (e->job)
        e->job->e = NULL; /* the job frees itself when it comes back */
    vg_jpeg_unref(&e->jpeg);
    free(e);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct entry *e = arg;
    if (e->state == WAITING)
        vg_debug("snapshot", "%s: no keyframe within %d s", e->id, VG_SNAPSHOT_WAIT_S);
    answer_waiters(e, 503, "the stream has no picture yet; try again");
    entry_free(e);
}

static void job_work(void *arg)
{
    struct job *j = arg;
    const struct vg_track_params *t = &j->frame->params->video;
    j->err =
        vg_jpeg_from_keyframe(t, j->frame->data, j->frame->len, j->frame->pts, j->width, &j->jpeg);
}

static void job_done(void *arg, bool cancelled)
{
    struct job *j = arg;
    struct entry *e = j->e;
    if (!e) {
        job_free(j);
        return;
    }
    e->job = NULL;
    if (cancelled || j->err < 0) {
        if (!cancelled)
            vg_warn("snapshot", "%s: cannot make a JPEG of the keyframe: %s", e->id,
                    strerror(-j->err));
        answer_waiters(e, 503, cancelled ? "shutting down" : "the keyframe could not be decoded");
        job_free(j);
        entry_free(e);
        return;
    }
    e->jpeg = j->jpeg;
    j->jpeg = NULL;
    job_free(j);
    e->state = READY;
    answer_waiters(e, 200, NULL);
    struct timeval tv = {.tv_sec = VG_SNAPSHOT_CACHE_MS / 1000,
                         .tv_usec = (VG_SNAPSHOT_CACHE_MS % 1000) * 1000};
    evtimer_add(e->timer, &tv);
}

static const struct vg_job_ops job_ops = {.work = job_work, .done = job_done};

static bool decodable(const struct vg_frame *f)
{
    if (f->track != VG_TRACK_VIDEO || !f->key || !f->params)
        return false;
    enum vg_codec c = f->params->video.codec;
    return c == VG_CODEC_H264 || c == VG_CODEC_H265;
}

/* The reader has frames: the first video keyframe is the one. */
static void on_data(void *arg)
{
    struct entry *e = arg;
    struct vg_frame *f, *key = NULL;
    while (!key && vg_reader_next(e->reader, &f) == 1) {
        if (decodable(f))
            key = f;
        else
            vg_frame_unref(&f);
    }
    if (!key)
        return;
    /* The keyframe holds what the job needs; the stream may idle out. */
    e->reader = vg_reader_free(e->reader);
    vg_hub_release(e->sn->hub, e->id);
    e->acquired = false;
    event_del(e->timer);

    struct job *j = calloc(1, sizeof(*j));
    if (!j) {
        vg_frame_unref(&key);
        entry_free(e);
        return;
    }
    j->e = e;
    j->frame = key;
    j->width = e->width;
    if (vg_workers_submit(e->sn->workers, &job_ops, j) < 0) {
        job_free(j);
        answer_waiters(e, 503, "too busy; try again");
        entry_free(e);
        return;
    }
    e->job = j;
    e->state = DECODING;
}

static struct entry *find(struct vg_snapshots *sn, const char *id, unsigned width)
{
    for (struct entry *e = sn->entries; e; e = e->next)
        if (e->width == width && strcmp(e->id, id) == 0)
            return e;
    return NULL;
}

/* A new entry waiting for the stream's keyframe. Replies on failure. */
static struct entry *entry_start(struct vg_snapshots *sn, struct evhttp_request *req,
                                 const char *id, unsigned width)
{
    if (sn->count >= VG_SNAPSHOT_ENTRIES_MAX) {
        vg_reply_error_ev(req, 503, "%s", "too many snapshots at once; try again");
        return NULL;
    }
    struct entry *e = calloc(1, sizeof(*e));
    if (!e) {
        evhttp_send_error(req, 500, NULL);
        return NULL;
    }
    e->sn = sn;
    vg_strlcpy(e->id, sizeof(e->id), id);
    e->width = width;
    e->state = WAITING;
    e->next = sn->entries;
    sn->entries = e;
    sn->count++;

    struct vg_stream *s;
    int r = vg_hub_acquire(sn->hub, id, &s);
    if (r < 0) {
        entry_free(e);
        if (r == -ENOENT)
            vg_reply_error_ev(req, 404, "%s", "no such stream");
        else
            vg_reply_error_ev(req, 409, "%s", "the camera is disabled");
        return NULL;
    }
    e->acquired = true;
    e->timer = evtimer_new(sn->base, on_timer, e);
    e->reader = e->timer ? vg_reader_new(s, on_data, e) : NULL;
    if (!e->reader) {
        entry_free(e);
        evhttp_send_error(req, 500, NULL);
        return NULL;
    }
    struct timeval tv = {.tv_sec = VG_SNAPSHOT_WAIT_S};
    evtimer_add(e->timer, &tv);
    return e;
}

void vg_snapshot_serve(struct vg_snapshots *sn, struct evhttp_request *req, const char *stream_id,
                       unsigned width)
{
    struct entry *e = find(sn, stream_id, width);
    if (e && e->state == READY) {
        reply_jpeg(req, e->jpeg);
        return;
    }
    if (!e) {
        e = entry_start(sn, req, stream_id, width);
        if (!e)
            return;
    }
    struct waiter *w = calloc(1, sizeof(*w));
    if (!w) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    w->e = e;
    w->req = req;
    w->conn = evhttp_request_get_connection(req);
    w->next = e->waiters;
    e->waiters = w;
    evhttp_connection_set_closecb(w->conn, waiter_closed, w);
}

int vg_snapshots_new(struct event_base *base, struct vg_hub *hub, struct vg_workers *workers,
                     struct vg_snapshots **ret_snapshots)
{
    struct vg_snapshots *sn = calloc(1, sizeof(*sn));
    if (!sn)
        return -ENOMEM;
    sn->base = base;
    sn->hub = hub;
    sn->workers = workers;
    *ret_snapshots = sn;
    return 0;
}

struct vg_snapshots *vg_snapshots_free(struct vg_snapshots *sn)
{
    if (!sn)
        return NULL;
    while (sn->entries)
        entry_free(sn->entries);
    free(sn);
    return NULL;
}
