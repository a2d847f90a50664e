#include "media/stream.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/util.h"
#include "media/fmp4.h"

struct vg_reader {
    struct vg_stream *s;
    void (*on_data)(void *arg);
    void *arg;
    uint64_t next_seq;
    bool started;
    uint64_t skipped;
    struct vg_reader *prev, *next;
};

struct vg_stream {
    char id[VG_SLUG_MAX + 8];
    pthread_mutex_t lock;

    /* Frames with first_seq <= seq < next_seq sit at ring[seq % SLOTS]. */
    struct vg_frame *ring[VG_STREAM_SLOTS];
    uint64_t first_seq, next_seq;
    uint64_t gop_seq; /* the newest video keyframe, valid when have_key */
    bool have_key;
    size_t ring_bytes, gop_bytes;

    struct vg_stream_params *params;
    uint32_t gen;
    bool carried[2]; /* which tracks the params' fMP4 init segment has */
    int64_t last_dts[2];
    uint32_t last_duration[2];
    bool have_last[2];
    uint32_t frag_seq;
    struct vg_frame *prev_video_frame; /* to notice a frozen source */

    struct vg_stream_counters c;
    int64_t window_start_us;
    uint64_t window_frames, window_bytes;

    /* Loop side. */
    struct event *wake;
    struct vg_reader *readers;
};

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_stream *s = arg;
    /* A reader may free itself (or another) from on_data: keep the next one first. */
    for (struct vg_reader *r = s->readers, *next; r; r = next) {
        next = r->next;
        r->on_data(r->arg);
    }
}

struct vg_stream *vg_stream_new(struct event_base *base, const char *id)
{
    struct vg_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    vg_strlcpy(s->id, sizeof(s->id), id);
    s->wake = event_new(base, -1, 0, on_wake, s);
    if (!s->wake) {
        vg_stream_free(s);
        return NULL;
    }
    return s;
}

static void drop_all(struct vg_stream *s)
{
    for (uint64_t q = s->first_seq; q < s->next_seq; q++)
        vg_frame_unref(&s->ring[q % VG_STREAM_SLOTS]);
    s->first_seq = s->next_seq;
    s->have_key = false;
    s->ring_bytes = s->gop_bytes = 0;
    vg_frame_unref(&s->prev_video_frame);
    memset(s->have_last, 0, sizeof(s->have_last));
}

struct vg_stream *vg_stream_free(struct vg_stream *s)
{
    if (!s)
        return NULL;
    drop_all(s);
    vg_stream_params_unref(&s->params);
    if (s->wake)
        event_free(s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return NULL;
}

const char *vg_stream_id(const struct vg_stream *s)
{
    return s->id;
}

void vg_stream_set_params(struct vg_stream *s, struct vg_stream_params *p)
{
    pthread_mutex_lock(&s->lock);
    bool same = s->params && vg_track_params_equal(&s->params->video, &p->video) &&
                vg_track_params_equal(&s->params->audio, &p->audio);
    if (same) {
        vg_stream_params_unref(&p);
    } else {
        p->gen = ++s->gen;
        vg_stream_params_unref(&s->params);
        s->params = p;
        s->carried[VG_TRACK_VIDEO] = vg_fmp4_carries(p, VG_TRACK_VIDEO);
        s->carried[VG_TRACK_AUDIO] = vg_fmp4_carries(p, VG_TRACK_AUDIO);
        /* New codec setup: the old GOP cannot start a reader any more. */
        s->have_key = false;
    }
    pthread_mutex_unlock(&s->lock);
}

static void evict_oldest(struct vg_stream *s)
{
    struct vg_frame **slot = &s->ring[s->first_seq % VG_STREAM_SLOTS];
    s->ring_bytes -= (*slot)->len;
    if (s->have_key && s->first_seq >= s->gop_seq) {
        /* The GOP is longer than the ring: nobody can start here any more. */
        s->gop_bytes -= (*slot)->len;
        s->have_key = false;
    }
    vg_frame_unref(slot);
    s->first_seq++;
}

/* Duration of f estimated from the previous frame of its track (live: the
 * next one is not there yet). */
static void stamp_duration(struct vg_stream *s, struct vg_frame *f)
{
    int t = f->track;
    uint32_t d = f->track == VG_TRACK_VIDEO ? VG_VIDEO_TIMESCALE / 25 : 1024;
    if (s->have_last[t] && f->dts > s->last_dts[t] && f->dts - s->last_dts[t] < (1 << 30))
        d = (uint32_t)(f->dts - s->last_dts[t]);
    else if (s->have_last[t])
        d = s->last_duration[t];
    if (!f->duration)
        f->duration = d;
    s->last_dts[t] = f->dts;
    s->last_duration[t] = d;
    s->have_last[t] = true;
}

static void count(struct vg_stream *s, const struct vg_frame *f, int64_t now)
{
    s->c.frames++;
    s->c.bytes += f->len;
    s->c.last_frame_us = now;
    if (f->track == VG_TRACK_VIDEO) {
        const struct vg_frame *prev = s->prev_video_frame;
        bool advanced = !prev || f->dts > prev->dts;
        bool same_picture = prev && prev->len == f->len && memcmp(prev->data, f->data, f->len) == 0;
        if (advanced && !same_picture)
            s->c.last_pts_change_us = now;
        s->window_frames++;
    }
    s->window_bytes += f->len;
    if (!s->window_start_us)
        s->window_start_us = now;
    int64_t span = now - s->window_start_us;
    if (span >= 2000000) {
        s->c.fps = (double)s->window_frames * 1e6 / (double)span;
        s->c.bitrate = (double)s->window_bytes * 8e6 / (double)span;
        s->window_start_us = now;
        s->window_frames = s->window_bytes = 0;
    }
}

void vg_stream_publish(struct vg_stream *s, struct vg_frame *f)
{
    int64_t now = vg_mono_us();
    pthread_mutex_lock(&s->lock);
    bool video_key = f->track == VG_TRACK_VIDEO && f->key;
    if (!s->params || (!s->have_key && !video_key)) {
        pthread_mutex_unlock(&s->lock);
        vg_frame_unref(&f);
        return;
    }
    f->params = vg_stream_params_ref(s->params);
    f->params_gen = s->gen;
    f->seq = s->next_seq;
    stamp_duration(s, f);
    /* Frames of a track the fMP4 files leave out (G.711 audio) stay unpackaged:
     * fMP4 consumers skip them, others (recorder, WebRTC) still get them. */
    uint8_t hdr[VG_FMP4_FRAGMENT_HEADER_MAX];
    size_t n = 0;
    if (s->carried[f->track])
        n = vg_fmp4_fragment_header(s->frag_seq++, f, hdr);
    if (n && n <= VG_FRAME_HEADROOM) {
        memcpy(f->data - n, hdr, n);
        f->frag_len = (uint16_t)n;
    }
    count(s, f, now);

    if (s->next_seq - s->first_seq == VG_STREAM_SLOTS)
        evict_oldest(s);
    s->ring[s->next_seq % VG_STREAM_SLOTS] = f;
    s->next_seq++;
    s->ring_bytes += f->len;
    if (video_key) {
        s->gop_seq = f->seq;
        s->gop_bytes = 0;
        s->have_key = true;
    }
    s->gop_bytes += f->len;
    while (s->first_seq < s->gop_seq && s->ring_bytes - s->gop_bytes > VG_STREAM_SLACK_BYTES)
        evict_oldest(s);
    if (f->track == VG_TRACK_VIDEO) {
        vg_frame_unref(&s->prev_video_frame);
        s->prev_video_frame = vg_frame_ref(f);
    }
    pthread_mutex_unlock(&s->lock);
    event_active(s->wake, EV_READ, 0);
}

void vg_stream_reset(struct vg_stream *s)
{
    pthread_mutex_lock(&s->lock);
    drop_all(s);
    vg_stream_params_unref(&s->params);
    pthread_mutex_unlock(&s->lock);
}

struct vg_stream_params *vg_stream_params(struct vg_stream *s)
{
    pthread_mutex_lock(&s->lock);
    struct vg_stream_params *p = s->params ? vg_stream_params_ref(s->params) : NULL;
    pthread_mutex_unlock(&s->lock);
    return p;
}

void vg_stream_counters(struct vg_stream *s, struct vg_stream_counters *ret)
{
    pthread_mutex_lock(&s->lock);
    *ret = s->c;
    pthread_mutex_unlock(&s->lock);
    ret->readers = 0;
    for (struct vg_reader *r = s->readers; r; r = r->next)
        ret->readers++;
}

struct vg_reader *vg_reader_new(struct vg_stream *s, void (*on_data)(void *arg), void *arg)
{
    struct vg_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->s = s;
    r->on_data = on_data;
    r->arg = arg;
    r->next = s->readers;
    if (s->readers)
        s->readers->prev = r;
    s->readers = r;
    /* Whatever is cached is there now: let the reader start at once. */
    event_active(s->wake, EV_READ, 0);
    return r;
}

int vg_reader_next(struct vg_reader *r, struct vg_frame **ret_frame)
{
    struct vg_stream *s = r->s;
    int found = 0;
    pthread_mutex_lock(&s->lock);
    if (!r->started || r->next_seq < s->first_seq) {
        if (!s->have_key)
            goto out; /* wait for the next keyframe */
        if (r->started) {
            r->skipped++;
            s->c.skips++;
        }
        r->next_seq = s->gop_seq;
        r->started = true;
    }
    if (r->next_seq < s->next_seq) {
        *ret_frame = vg_frame_ref(s->ring[r->next_seq % VG_STREAM_SLOTS]);
        r->next_seq++;
        found = 1;
    }
out:
    pthread_mutex_unlock(&s->lock);
    return found;
}

uint64_t vg_reader_skipped(const struct vg_reader *r)
{
    return r->skipped;
}

struct vg_reader *vg_reader_free(struct vg_reader *r)
{
    if (!r)
        return NULL;
    if (r->prev)
        r->prev->next = r->next;
    else
        r->s->readers = r->next;
    if (r->next)
        r->next->prev = r->prev;
    free(r);
    return NULL;
}
