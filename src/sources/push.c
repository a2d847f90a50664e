#include "sources/push.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "sources/reporter.h"

struct vg_push_publisher {
    struct vg_push *reg;
    char *stream_id;
    void (*want_keyframe)(void *arg, bool new_stream);
    void *arg;
    struct vg_source *src; /* attached, or NULL */
    struct vg_push_publisher *next;
};

struct vg_source {
    struct vg_push *reg;
    char *stream_id;
    struct vg_stream *stream;
    struct vg_source_reporter reporter;
    struct vg_push_publisher *pub; /* attached, or NULL */
    bool online;                   /* CONNECTED reported for this attachment */
    struct vg_source *next;
};

struct vg_push {
    struct vg_push_publisher *pubs;
    struct vg_source *srcs;
};

int vg_push_new(struct vg_push **ret)
{
    struct vg_push *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    *ret = p;
    return 0;
}

struct vg_push *vg_push_free(struct vg_push *p)
{
    free(p);
    return NULL;
}

static void attach(struct vg_source *src, struct vg_push_publisher *pub)
{
    src->pub = pub;
    src->online = false;
    pub->src = src;
    /* The stream starts empty: parameters and a keyframe, please. */
    pub->want_keyframe(pub->arg, true);
}

static void detach(struct vg_source *src, const char *why)
{
    src->pub->src = NULL;
    src->pub = NULL;
    src->online = false;
    vg_source_reporter_post(&src->reporter, VG_SOURCE_WAITING, why);
}

int vg_push_publisher_new(struct vg_push *p, const char *stream_id,
                          void (*want_keyframe)(void *arg, bool new_stream), void *arg,
                          struct vg_push_publisher **ret)
{
    for (struct vg_push_publisher *q = p->pubs; q; q = q->next) {
        if (strcmp(q->stream_id, stream_id) == 0)
            return -EBUSY;
    }
    struct vg_push_publisher *pub = calloc(1, sizeof(*pub));
    if (!pub)
        return -ENOMEM;
    pub->stream_id = strdup(stream_id);
    if (!pub->stream_id) {
        free(pub);
        return -ENOMEM;
    }
    pub->reg = p;
    pub->want_keyframe = want_keyframe;
    pub->arg = arg;
    pub->next = p->pubs;
    p->pubs = pub;
    for (struct vg_source *s = p->srcs; s; s = s->next) {
        if (!s->pub && strcmp(s->stream_id, stream_id) == 0) {
            attach(s, pub);
            break;
        }
    }
    *ret = pub;
    return 0;
}

struct vg_push_publisher *vg_push_publisher_free(struct vg_push_publisher *pub, const char *why)
{
    if (!pub)
        return NULL;
    if (pub->src)
        detach(pub->src, why);
    for (struct vg_push_publisher **pp = &pub->reg->pubs; *pp; pp = &(*pp)->next) {
        if (*pp == pub) {
            *pp = pub->next;
            break;
        }
    }
    free(pub->stream_id);
    free(pub);
    return NULL;
}

struct vg_stream *vg_push_publisher_stream(struct vg_push_publisher *pub)
{
    return pub->src ? pub->src->stream : NULL;
}

void vg_push_publisher_connected(struct vg_push_publisher *pub)
{
    if (!pub->src || pub->src->online)
        return;
    pub->src->online = true;
    vg_source_reporter_post(&pub->src->reporter, VG_SOURCE_CONNECTED, NULL);
}

void vg_push_want_keyframe(struct vg_push *p, const char *stream_id)
{
    for (struct vg_push_publisher *q = p ? p->pubs : NULL; q; q = q->next) {
        if (strcmp(q->stream_id, stream_id) == 0) {
            q->want_keyframe(q->arg, false);
            return;
        }
    }
}

static void push_stop(struct vg_source *src)
{
    if (!src)
        return;
    if (src->pub)
        src->pub->src = NULL;
    for (struct vg_source **pp = &src->reg->srcs; *pp; pp = &(*pp)->next) {
        if (*pp == src) {
            *pp = src->next;
            break;
        }
    }
    vg_source_reporter_done(&src->reporter);
    free(src->stream_id);
    free(src);
}

static int push_start(struct event_base *base, const struct vg_source_config *cfg,
                      struct vg_stream *s, vg_source_report_fn *report, void *arg,
                      struct vg_source **ret_src)
{
    if (!cfg->push || !vg_url_is_webrtc(cfg->url))
        return -EINVAL;
    struct vg_source *src = calloc(1, sizeof(*src));
    if (!src)
        return -ENOMEM;
    src->reg = cfg->push;
    src->stream = s;
    src->stream_id = strdup(cfg->stream_id);
    if (!src->stream_id || vg_source_reporter_init(&src->reporter, base, report, arg) < 0) {
        free(src->stream_id);
        free(src);
        return -ENOMEM;
    }
    src->next = src->reg->srcs;
    src->reg->srcs = src;
    struct vg_push_publisher *pub = src->reg->pubs;
    while (pub && strcmp(pub->stream_id, src->stream_id) != 0)
        pub = pub->next;
    if (pub && !pub->src)
        attach(src, pub);
    else
        vg_source_reporter_post(&src->reporter, VG_SOURCE_WAITING, "waiting for a publisher");
    *ret_src = src;
    return 0;
}

const struct vg_source_ops vg_source_push = {
    .name = "push",
    .start = push_start,
    .stop = push_stop,
};
