#include "outputs/mjpeg.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <libavutil/frame.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "core/workers.h"
#include "http/reply.h"
#include "hub/hub.h"
#include "media/stream.h"
#include "outputs/jpeg.h"

/* Frames a producer holds while its job runs; past either limit it drops
 * them all and waits for the next keyframe. A GOP's burst at the start fits. */
#define QUEUE_FRAMES_MAX 128
#define QUEUE_BYTES_MAX (8u << 20)
/* A viewer with this much unsent skips JPEGs until it drains. */
#define OUTPUT_HIGH_WATER (1u << 20)
#define WAIT_FIRST_JPEG_S 15

/* The decoding state of a producer. It goes to the worker with each job and
 * comes back with it, so the loop and a worker never share it. */
struct pipeline {
    struct vg_jpeg_decoder *dec;
    uint32_t dec_gen; /* the params generation dec was made for */
    bool wait_key;    /* after a decode error: skip up to a keyframe */
    struct vg_jpeg_encoder *enc;
    int64_t next_pts; /* when the next JPEG is due, 90 kHz */
    bool have_next;
};

struct job {
    struct producer *p;    /* NULL once the producer is gone */
    struct pipeline *pipe; /* the job's while it exists */
    bool reset;            /* frames were dropped before these: reset first */
    unsigned fps;          /* JPEGs per second to make */
    unsigned count;
    struct vg_frame *frames[QUEUE_FRAMES_MAX]; /* references, in order */
    /* Written by the worker. */
    struct vg_jpeg *jpeg; /* the newest picture due, if any */
};

struct viewer {
    struct producer *p;
    struct viewer *next;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    unsigned fps;
    int64_t next_pts; /* when its next JPEG is due, 90 kHz */
    bool have_next;
    bool started;
    struct event *first_timeout;
    uint64_t skipped; /* JPEGs not sent because it was slow */
};

/* One per stream with MJPEG viewers. */
struct producer {
    struct vg_mjpeg *m;
    struct producer *next;
    char id[VG_SLUG_MAX + 8];
    struct vg_reader *reader;
    struct viewer *viewers;
    unsigned fps;          /* the highest of its viewers' */
    struct pipeline *pipe; /* NULL while a job has it */
    struct job *job;       /* on a worker, or NULL */
    struct vg_frame *queue[QUEUE_FRAMES_MAX];
    unsigned queued;
    size_t queued_bytes;
    bool reset;    /* the next job starts with a decoder reset */
    bool need_key; /* dropping frames up to a keyframe */
    uint64_t reader_skips;
    struct vg_jpeg *last; /* the newest JPEG, at once for a new viewer */
    uint64_t dropped;     /* frames the producer dropped */
};

struct vg_mjpeg {
    struct event_base *base;
    struct vg_hub *hub;
    struct vg_workers *workers;
    struct producer *producers;
};

/* --- the worker side ------------------------------------------------------ */

static struct pipeline *pipeline_free(struct pipeline *pp)
{
    if (!pp)
        return NULL;
    vg_jpeg_decoder_free(pp->dec);
    vg_jpeg_encoder_free(pp->enc);
    free(pp);
    return NULL;
}

/* Whether a picture at pts gets a JPEG at fps; moves the schedule on. */
static bool due(struct pipeline *pp, int64_t pts, unsigned fps)
{
    int64_t interval = VG_VIDEO_TIMESCALE / fps;
    if (pts == AV_NOPTS_VALUE)
        return true;
    bool back = pp->have_next && pts < pp->next_pts - 2 * interval; /* a new timeline */
    if (pp->have_next && !back && pts < pp->next_pts)
        return false;
    pp->next_pts = pp->have_next && !back ? pp->next_pts + interval : pts + interval;
    if (pp->next_pts <= pts)
        pp->next_pts = pts + interval; /* fell behind: no burst to catch up */
    pp->have_next = true;
    return true;
}

/* Decodes one frame in order; returns a picture due for a JPEG or NULL. */
static AVFrame *decode_one(struct pipeline *pp, const struct vg_frame *f, unsigned fps)
{
    if (pp->dec && f->params_gen != pp->dec_gen)
        pp->dec = vg_jpeg_decoder_free(pp->dec);
    if (!pp->dec || pp->wait_key) {
        if (!f->key)
            return NULL; /* nothing to predict from */
        pp->wait_key = false;
    }
    if (!pp->dec) {
        if (vg_jpeg_decoder_new(&f->params->video, &pp->dec) < 0)
            return NULL;
        pp->dec_gen = f->params_gen;
    }
    AVFrame *pic = NULL;
    int r = vg_jpeg_decode(pp->dec, f->data, f->len, f->pts, false, &pic);
    if (r < 0) {
        vg_jpeg_decoder_reset(pp->dec);
        pp->wait_key = true;
        return NULL;
    }
    if (r == 0)
        return NULL;
    int64_t pts = pic->pts != AV_NOPTS_VALUE ? pic->pts : pic->best_effort_timestamp;
    if (!due(pp, pts, fps)) {
        av_frame_free(&pic);
        return NULL;
    }
    pic->pts = pts;
    return pic;
}

static void job_work(void *arg)
{
    struct job *j = arg;
    struct pipeline *pp = j->pipe;
    if (j->reset && pp->dec) {
        vg_jpeg_decoder_reset(pp->dec);
        pp->wait_key = true;
    }
    /* Every frame is decoded (the next ones predict from it), but only the
     * newest picture due is encoded: a batch is frames that waited, and a
     * live view wants the latest. */
    AVFrame *newest = NULL;
    for (unsigned i = 0; i < j->count; i++) {
        AVFrame *pic = decode_one(pp, j->frames[i], j->fps);
        if (pic) {
            av_frame_free(&newest);
            newest = pic;
        }
    }
    if (newest) {
        if (vg_jpeg_encode(pp->enc, newest, 0, &j->jpeg) < 0)
            j->jpeg = NULL;
        av_frame_free(&newest);
    }
}

static void job_free(struct job *j)
{
    for (unsigned i = 0; i < j->count; i++)
        vg_frame_unref(&j->frames[i]);
    vg_jpeg_unref(&j->jpeg);
    pipeline_free(j->pipe);
    free(j);
}

/* --- viewers -------------------------------------------------------------- */

static void producer_free(struct producer *p);

/* The highest rate any viewer asked for. */
static void update_fps(struct producer *p)
{
    unsigned fps = 0;
    for (struct viewer *v = p->viewers; v; v = v->next)
        if (v->fps > fps)
            fps = v->fps;
    p->fps = fps ? fps : VG_MJPEG_FPS_DEFAULT;
}

/* Whether a JPEG of the picture at pts is due for v at its own rate, on the
 * stream's clock (so a producer that falls short of its rate does not starve
 * the slower viewers); moves v's schedule on. Half a producer interval of
 * slack lets a viewer at the producer's rate take every JPEG although they
 * land on the frame grid, not exactly on the schedule. */
static bool viewer_due(struct viewer *v, const struct producer *p, int64_t pts)
{
    int64_t interval = VG_VIDEO_TIMESCALE / v->fps;
    int64_t slack = VG_VIDEO_TIMESCALE / p->fps / 2;
    bool back = v->have_next && pts + 2 * interval < v->next_pts; /* a new timeline */
    if (v->have_next && !back && pts + slack < v->next_pts)
        return false;
    v->next_pts = v->have_next && !back ? v->next_pts + interval : pts + interval;
    if (v->next_pts <= pts)
        v->next_pts = pts + interval; /* fell behind: no burst to catch up */
    v->have_next = true;
    return true;
}

/* Unlinks and frees v; the producer goes with its last viewer. */
static void viewer_free(struct viewer *v)
{
    struct producer *p = v->p;
    for (struct viewer **pv = &p->viewers; *pv; pv = &(*pv)->next) {
        if (*pv == v) {
            *pv = v->next;
            break;
        }
    }
    if (v->skipped)
        vg_debug("mjpeg", "%s: a viewer left after skipping %llu JPEGs", p->id,
                 (unsigned long long)v->skipped);
    if (v->first_timeout)
        event_free(v->first_timeout);
    free(v);
    if (!p->viewers)
        producer_free(p);
    else
        update_fps(p);
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct viewer *v = arg;
    vg_reply_abandoned(v->req);
    viewer_free(v);
}

/* Ends v's response and frees it. */
static void finish(struct viewer *v)
{
    evhttp_connection_set_closecb(v->conn, NULL, NULL);
    if (v->started) {
        evhttp_send_reply_end(v->req);
    } else {
        vg_reply_error_ev(v->req, 503, "the stream has no picture yet");
    }
    viewer_free(v);
}

static void on_first_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    finish(arg);
}

static void unref_jpeg(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    struct vg_jpeg *j = arg;
    vg_jpeg_unref(&j);
}

/* One multipart part: the shared JPEG bytes by reference. */
static void send_part(struct viewer *v, struct vg_jpeg *jpeg)
{
    if (vg_reply_unsent(v->conn) >= OUTPUT_HIGH_WATER) {
        v->skipped++;
        return;
    }
    struct evbuffer *out = evbuffer_new();
    if (!out)
        return;
    if (!v->started) {
        struct evkeyvalq *h = evhttp_request_get_output_headers(v->req);
        evhttp_add_header(h, "Content-Type",
                          "multipart/x-mixed-replace; boundary=" VG_MJPEG_BOUNDARY);
        evhttp_add_header(h, "Cache-Control", "no-store");
        vg_reply_security_headers(v->req);
        evhttp_send_reply_start(v->req, 200, "OK");
        v->started = true;
        event_del(v->first_timeout);
    }
    evbuffer_add_printf(out,
                        "--" VG_MJPEG_BOUNDARY "\r\nContent-Type: image/jpeg\r\n"
                        "Content-Length: %zu\r\n\r\n",
                        jpeg->len);
    vg_jpeg_ref(jpeg);
    if (evbuffer_add_reference(out, jpeg->data, jpeg->len, unref_jpeg, jpeg) < 0)
        vg_jpeg_unref(&jpeg);
    evbuffer_add(out, "\r\n", 2);
    evhttp_send_reply_chunk(v->req, out);
    evbuffer_free(out);
}

/* Hands a new JPEG to every viewer whose rate calls for it. */
static void broadcast(struct producer *p, struct vg_jpeg *jpeg)
{
    vg_jpeg_unref(&p->last);
    p->last = vg_jpeg_ref(jpeg);
    for (struct viewer *v = p->viewers; v; v = v->next) {
        if (viewer_due(v, p, jpeg->pts))
            send_part(v, jpeg);
    }
}

/* --- the producer --------------------------------------------------------- */

static void drop_queue(struct producer *p)
{
    p->dropped += p->queued;
    for (unsigned i = 0; i < p->queued; i++)
        vg_frame_unref(&p->queue[i]);
    p->queued = 0;
    p->queued_bytes = 0;
}

static const struct vg_job_ops job_ops;

/* Sends the queued frames to a worker unless one has the pipeline. */
static void kick(struct producer *p)
{
    if (p->job || !p->pipe || !p->queued)
        return;
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return;
    j->p = p;
    j->pipe = p->pipe;
    j->reset = p->reset;
    j->fps = p->fps;
    j->count = p->queued;
    memcpy(j->frames, p->queue, p->queued * sizeof(p->queue[0]));
    if (vg_workers_submit(p->m->workers, &job_ops, j) < 0) {
        free(j); /* the pool is full or stopping: try with the next frame */
        return;
    }
    p->job = j;
    p->pipe = NULL;
    p->reset = false;
    p->queued = 0;
    p->queued_bytes = 0;
}

static void job_done(void *arg, bool cancelled)
{
    struct job *j = arg;
    struct producer *p = j->p;
    if (!p) {
        job_free(j);
        return;
    }
    p->job = NULL;
    p->pipe = j->pipe;
    j->pipe = NULL;
    if (cancelled) {
        p->reset = true; /* its frames were never decoded */
        p->need_key = true;
    }
    struct vg_jpeg *jpeg = j->jpeg;
    j->jpeg = NULL;
    job_free(j);
    if (jpeg) {
        broadcast(p, jpeg);
        vg_jpeg_unref(&jpeg);
    }
    if (!cancelled)
        kick(p);
}

static const struct vg_job_ops job_ops = {.work = job_work, .done = job_done};

static bool decodable(const struct vg_frame *f)
{
    if (f->track != VG_TRACK_VIDEO || !f->params)
        return false;
    enum vg_codec c = f->params->video.codec;
    return c == VG_CODEC_H264 || c == VG_CODEC_H265;
}

/* Queues f (takes the reference) or drops it. */
static void enqueue(struct producer *p, struct vg_frame *f)
{
    bool full = p->queued == QUEUE_FRAMES_MAX || p->queued_bytes + f->len > QUEUE_BYTES_MAX;
    if (full) {
        /* The workers cannot keep up: what is queued is stale anyway. */
        drop_queue(p);
        p->need_key = true;
    }
    if (p->need_key) {
        if (!f->key) {
            p->dropped++;
            vg_frame_unref(&f);
            return;
        }
        p->need_key = false;
        p->reset = true;
    }
    p->queue[p->queued++] = f;
    p->queued_bytes += f->len;
}

static void on_data(void *arg)
{
    struct producer *p = arg;
    struct vg_frame *f;
    while (vg_reader_next(p->reader, &f) == 1) {
        if (!decodable(f)) {
            vg_frame_unref(&f);
            continue;
        }
        uint64_t skips = vg_reader_skipped(p->reader);
        if (skips != p->reader_skips) {
            /* The ring left us behind and resumed at a keyframe: a gap. */
            p->reader_skips = skips;
            drop_queue(p);
            p->need_key = true;
        }
        enqueue(p, f);
    }
    kick(p);
}

static void producer_free(struct producer *p)
{
    struct vg_mjpeg *m = p->m;
    for (struct producer **pp = &m->producers; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    if (p->dropped)
        vg_debug("mjpeg", "%s: producer stops after dropping %llu frames", p->id,
                 (unsigned long long)p->dropped);
    p->reader = vg_reader_free(p->reader);
    vg_hub_release(m->hub, p->id);
    drop_queue(p);
    if (p->job)
        p->job->p = NULL; /* it frees the pipeline when it comes back */
    pipeline_free(p->pipe);
    vg_jpeg_unref(&p->last);
    free(p);
}

/* A producer for stream_id holding the stream. Replies on failure. */
static struct producer *producer_new(struct vg_mjpeg *m, struct evhttp_request *req,
                                     const char *stream_id)
{
    struct producer *p = calloc(1, sizeof(*p));
    struct pipeline *pp = calloc(1, sizeof(*pp));
    if (!p || !pp || vg_jpeg_encoder_new(VG_JPEG_QSCALE, &pp->enc) < 0) {
        free(p);
        pipeline_free(pp);
        evhttp_send_error(req, 500, NULL);
        return NULL;
    }
    struct vg_stream *s;
    int r = vg_hub_acquire(m->hub, stream_id, &s);
    if (r < 0) {
        free(p);
        pipeline_free(pp);
        if (r == -ENOENT)
            vg_reply_error_ev(req, 404, "no such stream");
        else
            vg_reply_error_ev(req, 409, "the camera is disabled");
        return NULL;
    }
    p->m = m;
    p->pipe = pp;
    p->fps = VG_MJPEG_FPS_DEFAULT;
    vg_strlcpy(p->id, sizeof(p->id), stream_id);
    p->next = m->producers;
    m->producers = p;
    p->reader = vg_reader_new(s, on_data, p);
    if (!p->reader) {
        producer_free(p);
        evhttp_send_error(req, 500, NULL);
        return NULL;
    }
    return p;
}

static struct producer *find(struct vg_mjpeg *m, const char *stream_id)
{
    for (struct producer *p = m->producers; p; p = p->next)
        if (strcmp(p->id, stream_id) == 0)
            return p;
    return NULL;
}

void vg_mjpeg_serve(struct vg_mjpeg *m, struct evhttp_request *req, const char *stream_id,
                    unsigned fps)
{
    struct producer *p = find(m, stream_id);
    if (!p) {
        p = producer_new(m, req, stream_id);
        if (!p)
            return;
    }
    struct viewer *v = calloc(1, sizeof(*v));
    if (v)
        v->first_timeout = evtimer_new(m->base, on_first_timeout, v);
    if (!v || !v->first_timeout) {
        free(v);
        if (!p->viewers)
            producer_free(p);
        evhttp_send_error(req, 500, NULL);
        return;
    }
    v->p = p;
    v->req = req;
    v->conn = evhttp_request_get_connection(req);
    v->fps = fps;
    v->next = p->viewers;
    p->viewers = v;
    update_fps(p);
    struct timeval tv = {.tv_sec = WAIT_FIRST_JPEG_S};
    evtimer_add(v->first_timeout, &tv);
    /* A live response has no end: no idle timeout while JPEGs flow. */
    evhttp_connection_set_timeout(v->conn, 60);
    evhttp_connection_set_closecb(v->conn, on_close, v);
    if (p->last && viewer_due(v, p, p->last->pts))
        send_part(v, p->last); /* a picture at once */
}

int vg_mjpeg_new(struct event_base *base, struct vg_hub *hub, struct vg_workers *workers,
                 struct vg_mjpeg **ret_mjpeg)
{
    struct vg_mjpeg *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->base = base;
    m->hub = hub;
    m->workers = workers;
    *ret_mjpeg = m;
    return 0;
}

struct vg_mjpeg *vg_mjpeg_free(struct vg_mjpeg *m)
{
    if (!m)
        return NULL;
    /* Each producer goes with its last viewer. */
    while (m->producers)
        finish(m->producers->viewers);
    free(m);
    return NULL;
}
