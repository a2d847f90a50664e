#include "media/frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *vg_codec_name(enum vg_codec c)
{
    switch (c) {
    case VG_CODEC_H264:
        return "h264";
    case VG_CODEC_H265:
        return "h265";
    case VG_CODEC_AAC:
        return "aac";
    case VG_CODEC_PCMA:
        return "pcma";
    case VG_CODEC_PCMU:
        return "pcmu";
    case VG_CODEC_OPUS:
        return "opus";
    case VG_CODEC_NONE:
        break;
    }
    return "none";
}

struct vg_frame *vg_frame_new(size_t len)
{
    if (len > SIZE_MAX - sizeof(struct vg_frame) - VG_FRAME_HEADROOM)
        return NULL;
    struct vg_frame *f = malloc(sizeof(*f) + VG_FRAME_HEADROOM + len);
    if (!f)
        return NULL;
    memset(f, 0, sizeof(*f));
    atomic_init(&f->refs, 1);
    f->data = f->buf + VG_FRAME_HEADROOM;
    f->len = len;
    return f;
}

struct vg_frame *vg_frame_ref(struct vg_frame *f)
{
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    return f;
}

void vg_frame_unref(struct vg_frame **f)
{
    if (!*f)
        return;
    if (atomic_fetch_sub_explicit(&(*f)->refs, 1, memory_order_acq_rel) == 1) {
        vg_stream_params_unref(&(*f)->params);
        free(*f);
    }
    *f = NULL;
}

struct vg_stream_params *vg_stream_params_new(void)
{
    struct vg_stream_params *p = calloc(1, sizeof(*p));
    if (p)
        atomic_init(&p->refs, 1);
    return p;
}

struct vg_stream_params *vg_stream_params_ref(struct vg_stream_params *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void vg_stream_params_unref(struct vg_stream_params **p)
{
    if (!*p)
        return;
    if (atomic_fetch_sub_explicit(&(*p)->refs, 1, memory_order_acq_rel) == 1) {
        free((*p)->video.config);
        free((*p)->audio.config);
        free(*p);
    }
    *p = NULL;
}

int vg_track_params_set_config(struct vg_track_params *t, const uint8_t *data, size_t len)
{
    uint8_t *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return -ENOMEM;
        memcpy(copy, data, len);
    }
    free(t->config);
    t->config = copy;
    t->config_len = len;
    return 0;
}

bool vg_track_params_equal(const struct vg_track_params *a, const struct vg_track_params *b)
{
    return a->codec == b->codec && a->timescale == b->timescale && a->width == b->width &&
           a->height == b->height && a->sample_rate == b->sample_rate &&
           a->channels == b->channels && a->config_len == b->config_len &&
           (a->config_len == 0 || memcmp(a->config, b->config, a->config_len) == 0);
}
