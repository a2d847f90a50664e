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
    bool open;           /* the newest segment takes frames */
    bool pending_break;  /* the next segment starts with a discontinuity */
    int64_t last_dts;    /* of the previous video frame, while have_last */
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
    if (interval <= 0 || interval > VG_VIDEO_TIMESCALE)
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
        if (!sg->part_target)
            sg->part_target = pick_part_target(f->dts - sg->last_dts);
        struct part *p = &s->parts[s->nparts];
        bool cut = f->key && f->dts - s->start >= VG_HLS_SEGMENT_MIN;
        bool next_part = f->dts - p->start + f->duration > sg->part_target ||
                         p->count >= VG_HLS_PART_FRAMES_MAX;
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
