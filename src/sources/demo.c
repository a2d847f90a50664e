/* The demo source, "demo:N" and its sub stream "demo:N?sub": a camera that
 * needs no camera. Every demo source loops the same clip (sources/demo_clip.h;
 * 1280x720, or 640x360 for a sub stream), made once and shared read-only,
 * at real-time pace; on every frame the slice of macroblock row 0 is replaced
 * by a time slice carrying the wall-clock time as a barcode
 * (media/h264_pcm.h), so a player's decoded pixels tell its glass-to-glass
 * latency. No per-frame encoding: a frame costs a small slice write and a
 * copy.
 *
 * One pacing thread serves every demo source of the process: it loads (or
 * encodes, on first use) each clip once a source needs it, then every 40 ms
 * publishes the next frame of each source whose clip is ready. It exists
 * while at least one demo source runs. The source vtable has no context
 * argument to hang it on, so it is a process-wide object behind one mutex:
 * the only global besides the log level.
 *
 * N picks where in the loop a camera starts, so neighbouring tiles differ.
 * The start is always an IDR (one every 2 s in the clip), so the first frame
 * goes out on the first tick instead of up to 2 s later. */
#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/util.h"
#include "media/h264_pcm.h"
#include "media/stream.h"
#include "sources/demo_clip.h"
#include "sources/reporter.h"
#include "sources/source.h"

#define TICK_US (1000000 / VG_DEMO_CLIP_FPS)
#define FRAME_DURATION (VG_VIDEO_TIMESCALE / VG_DEMO_CLIP_FPS)
/* Later than this (a suspended machine), the pace restarts from now instead
 * of catching up in a burst. */
#define RESYNC_US 1000000
#define DEMO_N_MAX 9999

/* The clips, by size. */
enum { CLIP_MAIN, CLIP_SUB, CLIP_KINDS };

static const struct vg_demo_clip_size *const clip_sizes[CLIP_KINDS] = {&vg_demo_clip_main,
                                                                       &vg_demo_clip_sub};

struct engine;

struct vg_source {
    struct engine *engine;
    struct vg_stream *s;
    unsigned n;    /* the N of demo:N */
    unsigned kind; /* CLIP_MAIN or CLIP_SUB ("demo:N?sub") */

    struct vg_source_reporter reporter;

    /* Pacing thread only (under engine_lock). */
    struct vg_source *next;
    bool started, connected, failed;
    unsigned frame;
    int64_t dts;
};

struct engine {
    pthread_t thread;
    pthread_cond_t wake; /* CLOCK_MONOTONIC */
    atomic_bool quit;    /* also cancels the clip encoding */
    char *state_dir;
    /* Under engine_lock. */
    unsigned users;
    struct vg_source *sources;
    struct vg_demo_clip *clips[CLIP_KINDS]; /* each set once ready */
    bool tried[CLIP_KINDS];                 /* loading started */
    bool failed[CLIP_KINDS];
    char why[CLIP_KINDS][160];
};

static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;
static struct engine *running; /* the engine new demo sources join; under engine_lock */

static void post(struct vg_source *src, enum vg_source_event ev, const char *reason)
{
    vg_source_reporter_post(&src->reporter, ev, reason);
}

static void fail(struct vg_source *src, const char *why)
{
    src->failed = true;
    post(src, VG_SOURCE_FAILED, why);
}

/* The first tick of a source: parameters, and where in the loop it starts. */
static int begin(struct vg_source *src, const struct vg_demo_clip *c)
{
    struct vg_stream_params *p = vg_stream_params_new();
    if (!p)
        return -ENOMEM;
    int r = vg_h264_track_params(c->sps.base, c->sps.len, c->pps.base, c->pps.len, &p->video);
    if (r < 0) {
        vg_stream_params_unref(&p);
        return r;
    }
    vg_stream_set_params(src->s, p);
    unsigned gops = VG_DEMO_CLIP_FRAMES / VG_DEMO_CLIP_GOP;
    unsigned frame = (src->n - 1) % gops * VG_DEMO_CLIP_GOP % c->nframes;
    while (frame > 0 && !c->frames[frame].key)
        frame--;
    src->frame = frame;
    src->started = true;
    return 0;
}

/* Publishes the source's next frame, stamped with the time now. */
static void tick(struct vg_source *src, const struct vg_demo_clip *c)
{
    if (src->failed)
        return;
    if (!src->started) {
        int r = begin(src, c);
        if (r < 0) {
            fail(src, r == -ENOMEM ? "out of memory" : "unusable demo clip");
            return;
        }
    }
    const struct vg_demo_clip_frame *cf = &c->frames[src->frame];
    uint8_t slice[VG_H264_TIME_SLICE_MAX];
    size_t n;
    int64_t now = vg_wall_us();
    int r = vg_h264_pcm_time_slice(&c->sps_info, &c->pps_info, cf->row0.base, cf->row0.len,
                                   now / 1000, slice, sizeof(slice), &n);
    if (r < 0) {
        fail(src, "cannot write the time slice"); /* not reached: the clip was checked */
        return;
    }
    struct vg_frame *f = vg_frame_new(4 + n + cf->rest.len);
    if (!f)
        return; /* this frame again next time; the stream sees a gap */
    f->data[0] = (uint8_t)(n >> 24);
    f->data[1] = (uint8_t)(n >> 16);
    f->data[2] = (uint8_t)(n >> 8);
    f->data[3] = (uint8_t)n;
    memcpy(f->data + 4, slice, n);
    memcpy(f->data + 4 + n, cf->rest.base, cf->rest.len);
    f->track = VG_TRACK_VIDEO;
    f->key = cf->key;
    f->dts = f->pts = src->dts;
    f->duration = FRAME_DURATION;
    f->received_us = now;
    vg_stream_publish(src->s, f);
    src->dts += FRAME_DURATION;
    src->frame = (src->frame + 1) % c->nframes;
    if (!src->connected) {
        src->connected = true;
        post(src, VG_SOURCE_CONNECTED, NULL);
    }
}

/* Waits until the monotonic time at (µs) or a wake-up. Holds engine_lock. */
static void wait_until(struct engine *e, int64_t at)
{
    struct timespec ts = {.tv_sec = at / 1000000, .tv_nsec = at % 1000000 * 1000};
    pthread_cond_timedwait(&e->wake, &engine_lock, &ts);
}

static const char *clip_error(int r)
{
    switch (r) {
    case -ENOTSUP:
        return "cannot make the demo clip: this libavcodec has no libx264";
    case -EIO:
        return "cannot make the demo clip: the encoder failed";
    default:
        return "cannot make the demo clip";
    }
}

/* The build's copy of a clip: next to VG_DEMO_CLIP_PREBUILT, the main one. */
static const char *prebuilt_path(const struct vg_demo_clip_size *size, char *buf, size_t len)
{
#ifdef VG_DEMO_CLIP_PREBUILT
    const char *main_path = VG_DEMO_CLIP_PREBUILT;
    const char *slash = strrchr(main_path, '/');
    int dir = slash ? (int)(slash - main_path) + 1 : 0;
    int n = snprintf(buf, len, "%.*s%s", dir, main_path, size->prebuilt);
    return n > 0 && (size_t)n < len ? buf : NULL;
#else
    (void)size;
    (void)buf;
    (void)len;
    return NULL;
#endif
}

/* Loads or makes a clip. Called without engine_lock. */
static int load_clip(struct engine *e, unsigned kind, struct vg_demo_clip **ret_clip)
{
    const struct vg_demo_clip_size *size = clip_sizes[kind];
    const char *what = kind == CLIP_SUB ? "demo sub-stream clip" : "demo clip";
    char buf[4096];
    bool encoded = false;
    int save_err = 0;
    int64_t t0 = vg_mono_us();
    int r = vg_demo_clip_open(size, e->state_dir, prebuilt_path(size, buf, sizeof(buf)), &e->quit,
                              ret_clip, &encoded, &save_err);
    if (r == 0 && encoded)
        vg_log_write(VG_LOG_INFO, "demo", NULL, "made the %s in %.1f s", what,
                     (double)(vg_mono_us() - t0) / 1e6);
    if (r == 0 && save_err)
        vg_log_write(VG_LOG_WARN, "demo", NULL, "cannot cache the %s under %s/%s: %s", what,
                     e->state_dir, VG_DEMO_CLIP_DIR, strerror(-save_err));
    return r;
}

/* A clip some source needs and nobody has started loading, or -1. Holds engine_lock. */
static int clip_wanted(const struct engine *e)
{
    for (unsigned kind = 0; kind < CLIP_KINDS; kind++) {
        if (e->tried[kind])
            continue;
        for (const struct vg_source *src = e->sources; src; src = src->next) {
            if (src->kind == kind)
                return (int)kind;
        }
    }
    return -1;
}

static void *engine_main(void *arg)
{
    struct engine *e = arg;
    pthread_mutex_lock(&engine_lock);
    int64_t next = vg_mono_us();
    while (!atomic_load(&e->quit)) {
        int kind = clip_wanted(e);
        if (kind >= 0) {
            /* Sources of the other clip pause meanwhile: a cached or prebuilt
             * clip takes milliseconds, encoding one seconds (once). */
            struct vg_demo_clip *clip = NULL;
            e->tried[kind] = true;
            pthread_mutex_unlock(&engine_lock);
            int r = load_clip(e, (unsigned)kind, &clip);
            pthread_mutex_lock(&engine_lock);
            if (r == 0) {
                e->clips[kind] = clip;
            } else if (r != -ECANCELED) {
                e->failed[kind] = true;
                snprintf(e->why[kind], sizeof(e->why[kind]), "%s (%s)", clip_error(r),
                         strerror(-r));
                for (struct vg_source *src = e->sources; src; src = src->next) {
                    if (src->kind == (unsigned)kind && !src->failed)
                        fail(src, e->why[kind]);
                }
            }
            next = vg_mono_us();
            continue;
        }
        int64_t now = vg_mono_us();
        if (now < next) {
            wait_until(e, next);
            continue;
        }
        for (struct vg_source *src = e->sources; src; src = src->next) {
            if (e->clips[src->kind])
                tick(src, e->clips[src->kind]);
        }
        next += TICK_US;
        if (now - next > RESYNC_US)
            next = now + TICK_US;
    }
    pthread_mutex_unlock(&engine_lock);
    return NULL;
}

static struct engine *engine_free(struct engine *e)
{
    if (!e)
        return NULL;
    for (unsigned kind = 0; kind < CLIP_KINDS; kind++)
        vg_demo_clip_unref(&e->clips[kind]);
    pthread_cond_destroy(&e->wake);
    free(e->state_dir);
    free(e);
    return NULL;
}

/* Under engine_lock. */
static int engine_new(const char *state_dir, struct engine **ret)
{
    struct engine *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int r = pthread_cond_init(&e->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (r != 0) {
        free(e);
        return -r;
    }
    e->state_dir = strdup(state_dir ? state_dir : ".");
    if (!e->state_dir) {
        engine_free(e);
        return -ENOMEM;
    }
    r = pthread_create(&e->thread, NULL, engine_main, e);
    if (r != 0) {
        engine_free(e);
        return -r;
    }
    *ret = e;
    return 0;
}

/* "demo:N" or "demo:N?sub" with N in 1..DEMO_N_MAX, nothing else. */
static int parse_url(const char *url, unsigned *ret_n, unsigned *ret_kind)
{
    if (!url || strncmp(url, "demo:", 5) != 0)
        return -EINVAL;
    const char *p = url + 5;
    unsigned n = 0;
    unsigned kind = CLIP_MAIN;
    if (*p < '0' || *p > '9')
        return -EINVAL;
    for (; *p; p++) {
        if (strcmp(p, "?sub") == 0) {
            kind = CLIP_SUB;
            break;
        }
        if (*p < '0' || *p > '9' || n > DEMO_N_MAX)
            return -EINVAL;
        n = n * 10 + (unsigned)(*p - '0');
    }
    if (n < 1 || n > DEMO_N_MAX)
        return -EINVAL;
    *ret_n = n;
    *ret_kind = kind;
    return 0;
}

static void demo_stop(struct vg_source *src)
{
    if (!src)
        return;
    struct engine *done = NULL;
    pthread_mutex_lock(&engine_lock);
    struct engine *e = src->engine;
    if (e) {
        for (struct vg_source **pp = &e->sources; *pp; pp = &(*pp)->next) {
            if (*pp == src) {
                *pp = src->next;
                break;
            }
        }
        if (--e->users == 0) {
            /* The last one: the thread ends (an encoding in progress stops
             * at the next picture) and a new demo source starts afresh. */
            if (running == e)
                running = NULL;
            atomic_store(&e->quit, true);
            pthread_cond_signal(&e->wake);
            done = e;
        }
    }
    pthread_mutex_unlock(&engine_lock);
    if (done) {
        pthread_join(done->thread, NULL);
        engine_free(done);
    }
    vg_source_reporter_done(&src->reporter);
    free(src);
}

static int demo_start(struct event_base *base, const struct vg_source_config *cfg,
                      struct vg_stream *s, vg_source_report_fn *report, void *arg,
                      struct vg_source **ret_src)
{
    unsigned n, kind;
    int r = parse_url(cfg->url, &n, &kind);
    if (r < 0)
        return r;
    struct vg_source *src = calloc(1, sizeof(*src));
    if (!src)
        return -ENOMEM;
    src->s = s;
    src->n = n;
    src->kind = kind;
    if (vg_source_reporter_init(&src->reporter, base, report, arg) < 0) {
        demo_stop(src);
        return -ENOMEM;
    }
    pthread_mutex_lock(&engine_lock);
    if (!running)
        r = engine_new(cfg->state_dir, &running);
    if (r == 0) {
        src->engine = running;
        src->next = running->sources;
        running->sources = src;
        running->users++;
        if (running->failed[kind])
            fail(src, running->why[kind]);
        pthread_cond_signal(&running->wake); /* its clip may be wanted */
    }
    pthread_mutex_unlock(&engine_lock);
    if (r < 0) {
        demo_stop(src);
        return r;
    }
    *ret_src = src;
    return 0;
}

const struct vg_source_ops vg_source_demo = {
    .name = "demo",
    .start = demo_start,
    .stop = demo_stop,
};
