#include "outputs/hls.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "http/reply.h"
#include "hub/hub.h"
#include "media/fmp4.h"
#include "media/stream.h"

/* ---- The segmenter ---- */

#define SLOTS (VG_HLS_SEGMENTS_KEPT + 1)
#define PART_TARGET_NOMINAL (VG_VIDEO_TIMESCALE / 2)
#define MIN_INTERVAL (VG_VIDEO_TIMESCALE / 240) /* shorter: not a frame rate */
/* A video timestamp further than this from the previous one is a break. */
#define MAX_GAP (VG_VIDEO_TIMESCALE * 10)

struct part {
    unsigned first, count; /* frames[first .. first + count) of the segment */
    int64_t start;         /* dts of its first video frame */
    uint32_t duration;     /* set when complete */
    bool independent;
};

struct segment {
    uint64_t msn;
    struct vg_stream_params *params; /* a reference; its gen selects the map */
    bool discontinuity, complete;
    bool audio; /* the init segment has an audio track: audio frames go in */
    int64_t start, start_us;
    uint32_t duration;
    struct vg_frame **frames;
    unsigned nframes, cap;
    size_t bytes;
    struct part parts[VG_HLS_PARTS_MAX];
    unsigned nparts; /* complete ones; while open, parts[nparts] takes frames */
};

struct vg_hls_segmenter {
    struct segment segs[SLOTS]; /* msn first_msn .. next_msn - 1 at segs[msn % SLOTS] */
    uint64_t first_msn, next_msn;
    bool open;          /* the newest segment takes frames */
    bool pending_break; /* the next segment starts with a discontinuity */
    int64_t last_dts;   /* of the previous video frame, while have_last */
    uint32_t last_duration;
    bool have_last;
    uint32_t part_target;
    unsigned target_duration;
    uint64_t discontinuity_seq;
    size_t bytes;
    struct vg_stream_params *first_params;

    /* What vg_hls_segmenter_layout() hands out. */
    struct vg_hls_segment_info info[SLOTS];
    struct vg_hls_part_info part_info[SLOTS][VG_HLS_PARTS_MAX];
};

struct vg_hls_segmenter *vg_hls_segmenter_new(void)
{
    return calloc(1, sizeof(struct vg_hls_segmenter));
}

static struct segment *slot(struct vg_hls_segmenter *sg, uint64_t msn)
{
    return &sg->segs[msn % SLOTS];
}

static struct segment *find(struct vg_hls_segmenter *sg, uint64_t msn)
{
    return msn >= sg->first_msn && msn < sg->next_msn ? slot(sg, msn) : NULL;
}

static void evict_oldest(struct vg_hls_segmenter *sg)
{
    struct segment *s = slot(sg, sg->first_msn);
    for (unsigned i = 0; i < s->nframes; i++)
        vg_frame_unref(&s->frames[i]);
    free(s->frames);
    vg_stream_params_unref(&s->params);
    if (s->discontinuity)
        sg->discontinuity_seq++;
    sg->bytes -= s->bytes;
    memset(s, 0, sizeof(*s));
    sg->first_msn++;
    if (sg->first_msn == sg->next_msn)
        sg->open = false;
}

struct vg_hls_segmenter *vg_hls_segmenter_free(struct vg_hls_segmenter *sg)
{
    if (!sg)
        return NULL;
    while (sg->first_msn < sg->next_msn)
        evict_oldest(sg);
    vg_stream_params_unref(&sg->first_params);
    free(sg);
    return NULL;
}

/* A whole number of frame intervals near PART_TARGET_NOMINAL, so that parts
 * of a steady stream all come out the same length (13 frames at 25 fps). */
static uint32_t pick_part_target(int64_t interval)
{
    if (interval > VG_VIDEO_TIMESCALE)
        return PART_TARGET_NOMINAL;
    int64_t k = (PART_TARGET_NOMINAL + interval / 2) / interval;
    return (uint32_t)((k > 0 ? k : 1) * interval);
}

static bool audio_in_init(const struct vg_stream_params *p)
{
    char mime[128];
    vg_fmp4_mime(p, mime, sizeof(mime));
    return strstr(mime, "mp4a.") || strstr(mime, "opus");
}

static int append(struct vg_hls_segmenter *sg, struct segment *s, struct vg_frame *f)
{
    struct part *p = &s->parts[s->nparts];
    if (p->count >= VG_HLS_PART_FRAMES_MAX)
        return -ENOBUFS;
    if (s->nframes == s->cap) {
        unsigned cap = s->cap ? s->cap * 2 : 64;
        struct vg_frame **frames = realloc(s->frames, cap * sizeof(*frames));
        if (!frames)
            return -ENOMEM;
        s->frames = frames;
        s->cap = cap;
    }
    s->frames[s->nframes++] = f;
    p->count++;
    s->bytes += f->frag_len + f->len;
    sg->bytes += f->frag_len + f->len;
    return 0;
}

static void open_part(struct segment *s, const struct vg_frame *f)
{
    struct part *p = &s->parts[s->nparts];
    p->first = s->nframes;
    p->count = 0;
    p->start = f->dts;
    p->independent = f->key;
}

static void close_part(struct segment *s, int64_t end)
{
    struct part *p = &s->parts[s->nparts];
    p->duration = (uint32_t)(end - p->start);
    s->duration += p->duration;
    s->nparts++;
}

static void close_segment(struct vg_hls_segmenter *sg, struct segment *s, int64_t end)
{
    if (s->parts[s->nparts].count)
        close_part(s, end);
    s->complete = true;
    sg->open = false;
    unsigned rounded = (s->duration + VG_VIDEO_TIMESCALE / 2) / VG_VIDEO_TIMESCALE;
    if (rounded > sg->target_duration)
        sg->target_duration = rounded;
    while (sg->bytes > VG_HLS_BYTES_MAX && sg->next_msn - sg->first_msn > 1)
        evict_oldest(sg);
}

static struct segment *start_segment(struct vg_hls_segmenter *sg, const struct vg_frame *f)
{
    if (sg->next_msn > VG_HLS_MSN_MAX)
        return NULL;
    if (sg->next_msn - sg->first_msn == SLOTS)
        evict_oldest(sg);
    struct segment *s = slot(sg, sg->next_msn);
    memset(s, 0, sizeof(*s));
    s->msn = sg->next_msn++;
    s->params = vg_stream_params_ref(f->params);
    s->discontinuity = sg->pending_break;
    s->audio = audio_in_init(f->params);
    s->start = f->dts;
    s->start_us = f->received_us;
    open_part(s, f);
    sg->pending_break = false;
    sg->open = true;
    if (!sg->first_params)
        sg->first_params = vg_stream_params_ref(f->params);
    return s;
}

bool vg_hls_segmenter_break(struct vg_hls_segmenter *sg)
{
    bool changed = false;
    if (sg->open) {
        close_segment(sg, slot(sg, sg->next_msn - 1), sg->last_dts + sg->last_duration);
        changed = true;
    }
    sg->pending_break = sg->next_msn > 0;
    sg->have_last = false;
    return changed;
}

bool vg_hls_segmenter_push(struct vg_hls_segmenter *sg, struct vg_frame *f)
{
    bool changed = false;
    struct segment *s = sg->open ? slot(sg, sg->next_msn - 1) : NULL;
    if (!f->frag_len || !f->params)
        goto drop;
    if (f->track == VG_TRACK_AUDIO) {
        if (!s || !s->audio || f->params_gen != s->params->gen || append(sg, s, f) < 0)
            goto drop;
        return false;
    }
    if (f->track != VG_TRACK_VIDEO)
        goto drop;

    bool broken = s && f->params_gen != s->params->gen;
    if (sg->have_last && (f->dts <= sg->last_dts || f->dts - sg->last_dts > MAX_GAP))
        broken = true;
    if (broken) {
        changed = vg_hls_segmenter_break(sg);
        s = NULL;
    }
    if (!s) {
        if (!f->key)
            goto drop; /* a segment starts with a keyframe */
        s = start_segment(sg, f);
        if (!s)
            goto drop;
    } else {
        /* Sources may bunch their first frames (RTSP: one tick apart): an
         * interval that short says nothing of the frame rate. */
        int64_t interval = f->dts - sg->last_dts;
        if (!sg->part_target && interval >= MIN_INTERVAL)
            sg->part_target = pick_part_target(interval);
        uint32_t part_target = sg->part_target ? sg->part_target : PART_TARGET_NOMINAL;
        struct part *p = &s->parts[s->nparts];
        bool cut = f->key && f->dts - s->start >= VG_HLS_SEGMENT_MIN;
        bool next_part =
            f->dts - p->start + f->duration > part_target || p->count >= VG_HLS_PART_FRAMES_MAX;
        if (cut || (next_part && s->nparts + 1 == VG_HLS_PARTS_MAX)) {
            close_segment(sg, s, f->dts);
            s = start_segment(sg, f);
            changed = true;
            if (!s)
                goto drop;
        } else if (next_part) {
            close_part(s, f->dts);
            open_part(s, f);
            changed = true;
        }
    }
    if (append(sg, s, f) < 0)
        goto drop;
    sg->last_dts = f->dts;
    sg->last_duration = f->duration;
    sg->have_last = true;
    return changed;
drop:
    vg_frame_unref(&f);
    return changed;
}

bool vg_hls_segmenter_ready(const struct vg_hls_segmenter *sg)
{
    return sg->next_msn - sg->first_msn > (sg->open ? 1u : 0u);
}

int64_t vg_hls_segmenter_last_msn(const struct vg_hls_segmenter *sg)
{
    return sg->next_msn ? (int64_t)sg->next_msn - 1 : -1;
}

void vg_hls_segmenter_layout(struct vg_hls_segmenter *sg, struct vg_hls_layout *ret)
{
    unsigned n = 0;
    for (uint64_t msn = sg->first_msn; msn < sg->next_msn; msn++, n++) {
        const struct segment *s = slot(sg, msn);
        struct vg_hls_part_info *parts = sg->part_info[n];
        for (unsigned k = 0; k < s->nparts; k++) {
            parts[k].duration = s->parts[k].duration;
            parts[k].independent = s->parts[k].independent;
        }
        sg->info[n] = (struct vg_hls_segment_info){
            .msn = s->msn,
            .gen = s->params->gen,
            .discontinuity = s->discontinuity,
            .complete = s->complete,
            .start_ms = s->start_us / 1000,
            .duration = s->duration,
            .nparts = s->nparts,
            .parts = parts,
        };
    }
    *ret = (struct vg_hls_layout){
        .target_duration = sg->target_duration ? sg->target_duration : 1,
        .part_target = sg->part_target ? sg->part_target : PART_TARGET_NOMINAL,
        .first_gen = sg->first_params ? sg->first_params->gen : 0,
        .discontinuity_seq = sg->discontinuity_seq,
        .nsegments = n,
        .segments = sg->info,
    };
}

bool vg_hls_segmenter_reached(const struct vg_hls_segmenter *sg, uint64_t msn, int part)
{
    if (msn < sg->first_msn)
        return true;
    if (msn >= sg->next_msn)
        return false;
    const struct segment *s = &sg->segs[msn % SLOTS];
    return s->complete || (part >= 0 && (unsigned)part < s->nparts);
}

static void unref_frame(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    struct vg_frame *f = arg;
    vg_frame_unref(&f);
}

static int write_frames(struct segment *s, unsigned first, unsigned count, struct evbuffer *out)
{
    for (unsigned i = first; out && i < first + count; i++) {
        size_t len;
        const uint8_t *frag = vg_frame_fragment(s->frames[i], &len);
        struct vg_frame *ref = vg_frame_ref(s->frames[i]);
        if (evbuffer_add_reference(out, frag, len, unref_frame, ref) < 0) {
            vg_frame_unref(&ref);
            return -ENOMEM;
        }
    }
    return 0;
}

int vg_hls_segmenter_write(struct vg_hls_segmenter *sg, uint64_t msn, int part,
                           struct evbuffer *out)
{
    struct segment *s = find(sg, msn);
    if (!s) {
        /* The segment after the newest may still come (its first part). */
        bool next = msn == sg->next_msn && sg->next_msn > 0 && part <= 0;
        return next ? -EAGAIN : -ENOENT;
    }
    if (part < 0) {
        if (!s->complete)
            return -EAGAIN;
        return write_frames(s, 0, s->nframes, out);
    }
    if ((unsigned)part < s->nparts)
        return write_frames(s, s->parts[part].first, s->parts[part].count, out);
    /* The open part, or the one after it. */
    if (!s->complete && (unsigned)part <= s->nparts + 1 && part < VG_HLS_PARTS_MAX)
        return -EAGAIN;
    return -ENOENT;
}

struct vg_stream_params *vg_hls_segmenter_params(struct vg_hls_segmenter *sg, bool has_gen,
                                                 uint32_t gen)
{
    if (!sg->first_params)
        return NULL;
    if (!has_gen || gen == sg->first_params->gen)
        return vg_stream_params_ref(sg->first_params);
    for (uint64_t msn = sg->first_msn; msn < sg->next_msn; msn++) {
        struct segment *s = slot(sg, msn);
        if (s->params->gen == gen)
            return vg_stream_params_ref(s->params);
    }
    return NULL;
}

/* ---- Serving ---- */

#define WAITERS_MAX 256 /* per packager */
/* The first playlist waits for a whole segment: the stream may have to start
 * (a demo clip is encoded on first use) and then run a GOP. */
#define WAIT_FIRST_S 20

struct packager;

/* A request being answered, maybe after a wait. */
struct waiter {
    struct packager *pk;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    struct vg_hls_request r;
    struct event *timeout;
    struct waiter *prev, *next;
};

struct packager {
    struct vg_hls *h;
    char id[VG_SLUG_MAX + 8];
    struct vg_reader *reader;
    struct vg_hls_segmenter *sg;
    uint64_t skipped;
    struct event *idle;
    struct waiter *waiters;
    unsigned nwaiters;
    struct packager *next;
};

struct vg_hls {
    struct event_base *base;
    struct vg_hub *hub;
    struct packager *packagers;
};

int vg_hls_new(struct event_base *base, struct vg_hub *hub, struct vg_hls **ret_hls)
{
    struct vg_hls *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->base = base;
    h->hub = hub;
    *ret_hls = h;
    return 0;
}

static void reply_body(struct evhttp_request *req, const char *type, struct evbuffer *body)
{
    struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
    evhttp_add_header(hdr, "Content-Type", type);
    /* Names are reused by the next packager of the stream: nothing is cached. */
    evhttp_add_header(hdr, "Cache-Control", "no-store");
    vg_reply_security_headers(req);
    evhttp_send_reply(req, 200, "OK", body);
}

static void waiter_free(struct waiter *w)
{
    struct packager *pk = w->pk;
    if (w->prev)
        w->prev->next = w->next;
    else
        pk->waiters = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pk->nwaiters--;
    if (w->timeout)
        event_free(w->timeout);
    free(w);
}

/* Replies with an error and frees w. */
static void waiter_fail(struct waiter *w, int status, const char *message)
{
    evhttp_connection_set_closecb(w->conn, NULL, NULL);
    vg_reply_error_ev(w->req, status, "%s", message);
    waiter_free(w);
}

static int send_playlist(struct packager *pk, struct evhttp_request *req)
{
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(pk->sg, &l);
    char *text = malloc(VG_HLS_PLAYLIST_MAX);
    struct evbuffer *body = evbuffer_new();
    int r = -ENOMEM;
    if (!text || !body)
        goto out;
    size_t n = vg_hls_playlist(&l, text, VG_HLS_PLAYLIST_MAX);
    r = -E2BIG;
    if (n >= VG_HLS_PLAYLIST_MAX)
        goto out;
    r = -ENOMEM;
    if (evbuffer_add(body, text, n) < 0)
        goto out;
    reply_body(req, "application/vnd.apple.mpegurl", body);
    r = 0;
out:
    if (body)
        evbuffer_free(body);
    free(text);
    return r;
}

static int send_init(struct packager *pk, struct evhttp_request *req,
                     const struct vg_hls_name *name)
{
    struct vg_stream_params *p = vg_hls_segmenter_params(pk->sg, name->has_gen, name->gen);
    uint8_t *data = NULL;
    size_t len;
    struct evbuffer *body = NULL;
    int r = -ENOENT;
    if (!p)
        goto out;
    r = vg_fmp4_init_segment(p, &data, &len);
    if (r < 0)
        goto out;
    body = evbuffer_new();
    r = -ENOMEM;
    if (!body || evbuffer_add(body, data, len) < 0)
        goto out;
    reply_body(req, "video/mp4", body);
    r = 0;
out:
    if (body)
        evbuffer_free(body);
    free(data);
    vg_stream_params_unref(&p);
    return r;
}

/* 0: answered; -EAGAIN: not yet; other: an error to reply with. */
static int try_answer(struct packager *pk, struct evhttp_request *req,
                      const struct vg_hls_request *r)
{
    switch (r->name.kind) {
    case VG_HLS_PLAYLIST:
        if (!vg_hls_segmenter_ready(pk->sg))
            return -EAGAIN;
        if (r->has_msn &&
            !vg_hls_segmenter_reached(pk->sg, r->msn, r->has_part ? (int)r->part : -1))
            return -EAGAIN;
        return send_playlist(pk, req);
    case VG_HLS_INIT:
        return send_init(pk, req, &r->name);
    case VG_HLS_SEGMENT:
    case VG_HLS_PART: {
        int part = r->name.kind == VG_HLS_PART ? (int)r->name.part : -1;
        int ret = vg_hls_segmenter_write(pk->sg, r->name.msn, part, NULL);
        if (ret < 0)
            return ret;
        struct evbuffer *body = evbuffer_new();
        if (!body)
            return -ENOMEM;
        ret = vg_hls_segmenter_write(pk->sg, r->name.msn, part, body);
        if (ret == 0)
            reply_body(req, "video/mp4", body);
        evbuffer_free(body);
        return ret;
    }
    }
    return -ENOENT;
}

static void reply_errno(struct evhttp_request *req, int err)
{
    if (err == -ENOENT)
        vg_reply_error_ev(req, 404, "%s", "no such HLS resource (gone or never made)");
    else
        vg_reply_error_ev(req, 500, "%s", "could not make the HLS resource");
}

/* Answers w when it can; frees it then. */
static void waiter_check(struct waiter *w)
{
    int r = try_answer(w->pk, w->req, &w->r);
    if (r == -EAGAIN)
        return;
    evhttp_connection_set_closecb(w->conn, NULL, NULL);
    if (r < 0)
        reply_errno(w->req, r);
    waiter_free(w);
}

static void wake_waiters(struct packager *pk)
{
    for (struct waiter *w = pk->waiters, *next; w; w = next) {
        next = w->next;
        waiter_check(w);
    }
}

static void on_data(void *arg)
{
    struct packager *pk = arg;
    bool changed = false;
    struct vg_frame *f;
    while (vg_reader_next(pk->reader, &f) == 1) {
        uint64_t skipped = vg_reader_skipped(pk->reader);
        if (skipped != pk->skipped) {
            pk->skipped = skipped;
            changed |= vg_hls_segmenter_break(pk->sg);
        }
        changed |= vg_hls_segmenter_push(pk->sg, f);
    }
    if (changed)
        wake_waiters(pk);
}

static void packager_free(struct packager *pk)
{
    struct vg_hls *h = pk->h;
    for (struct packager **pp = &h->packagers; *pp; pp = &(*pp)->next) {
        if (*pp == pk) {
            *pp = pk->next;
            break;
        }
    }
    while (pk->waiters)
        waiter_fail(pk->waiters, 503, "the HLS packager stopped");
    pk->reader = vg_reader_free(pk->reader);
    pk->sg = vg_hls_segmenter_free(pk->sg);
    if (pk->idle)
        event_free(pk->idle);
    vg_hub_release(h->hub, pk->id);
    free(pk);
}

static void on_idle(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct packager *pk = arg;
    if (pk->nwaiters) {
        struct timeval tv = {.tv_sec = VG_HLS_IDLE_S};
        event_add(pk->idle, &tv);
        return;
    }
    packager_free(pk);
}

static struct packager *packager_find(struct vg_hls *h, const char *stream_id)
{
    for (struct packager *pk = h->packagers; pk; pk = pk->next) {
        if (strcmp(pk->id, stream_id) == 0)
            return pk;
    }
    return NULL;
}

/* Acquires the stream; -ENOENT unknown, -EACCES... from the hub, -ENOMEM. */
static int packager_new(struct vg_hls *h, const char *stream_id, struct packager **ret_pk)
{
    if (strlen(stream_id) >= sizeof(((struct packager *)0)->id))
        return -ENOENT;
    struct packager *pk = calloc(1, sizeof(*pk));
    if (!pk)
        return -ENOMEM;
    struct vg_stream *s;
    int r = vg_hub_acquire(h->hub, stream_id, &s);
    if (r < 0) {
        free(pk);
        return r;
    }
    pk->h = h;
    vg_strlcpy(pk->id, sizeof(pk->id), stream_id);
    pk->next = h->packagers;
    h->packagers = pk;
    pk->sg = vg_hls_segmenter_new();
    pk->idle = evtimer_new(h->base, on_idle, pk);
    pk->reader = pk->sg && pk->idle ? vg_reader_new(s, on_data, pk) : NULL;
    if (!pk->reader) {
        packager_free(pk);
        return -ENOMEM;
    }
    *ret_pk = pk;
    return 0;
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct waiter *w = arg;
    vg_reply_abandoned(w->req);
    waiter_free(w);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    waiter_fail(arg, 503, "not available in time; ask again");
}

/* How long a request may wait: three target durations once they are known. */
static unsigned wait_seconds(struct packager *pk)
{
    if (!vg_hls_segmenter_ready(pk->sg))
        return WAIT_FIRST_S;
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(pk->sg, &l);
    return 3 * l.target_duration;
}

void vg_hls_serve(struct vg_hls *h, struct evhttp_request *req, const char *stream_id,
                  const struct vg_hls_request *r)
{
    struct packager *pk = packager_find(h, stream_id);
    if (!pk && r->name.kind != VG_HLS_PLAYLIST) {
        reply_errno(req, -ENOENT);
        return;
    }
    if (!pk) {
        int err = packager_new(h, stream_id, &pk);
        if (err == -ENOENT)
            vg_reply_error_ev(req, 404, "%s", "no such stream");
        else if (err == -ENOMEM)
            vg_reply_error_ev(req, 500, "%s", "out of memory");
        else if (err < 0)
            vg_reply_error_ev(req, 409, "%s", "the camera is disabled");
        if (err < 0)
            return;
    }
    struct timeval idle = {.tv_sec = VG_HLS_IDLE_S};
    event_add(pk->idle, &idle);

    /* A blocking reload may ask at most two segments ahead (RFC 8216bis 6.2.5.2). */
    if (r->has_msn && (int64_t)r->msn > vg_hls_segmenter_last_msn(pk->sg) + 2) {
        vg_reply_error_ev(req, 400, "%s", "_HLS_msn is more than two segments ahead");
        return;
    }
    int err = try_answer(pk, req, r);
    if (err != -EAGAIN) {
        if (err < 0)
            reply_errno(req, err);
        return;
    }
    if (pk->nwaiters >= WAITERS_MAX) {
        vg_reply_error_ev(req, 503, "%s", "too many waiting HLS requests");
        return;
    }
    struct waiter *w = calloc(1, sizeof(*w));
    if (w)
        w->timeout = evtimer_new(h->base, on_timeout, w);
    if (!w || !w->timeout) {
        free(w);
        vg_reply_error_ev(req, 500, "%s", "out of memory");
        return;
    }
    w->pk = pk;
    w->req = req;
    w->conn = evhttp_request_get_connection(req);
    w->r = *r;
    w->next = pk->waiters;
    if (pk->waiters)
        pk->waiters->prev = w;
    pk->waiters = w;
    pk->nwaiters++;
    struct timeval tv = {.tv_sec = wait_seconds(pk)};
    event_add(w->timeout, &tv);
    evhttp_connection_set_closecb(w->conn, on_close, w);
}

struct vg_hls *vg_hls_free(struct vg_hls *h)
{
    if (!h)
        return NULL;
    while (h->packagers)
        packager_free(h->packagers);
    free(h);
    return NULL;
}
