#include "webrtc/feed.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "media/transcode.h"
#include "proto/rtp_pack.h"

#define FEED_PT 96          /* placeholder: sessions write the negotiated one */
#define OPUS_KEPT 128       /* Opus packets kept for sessions behind the newest: ~2.5 s */
#define OPUS_PACKET_MAX 512 /* 20 ms at up to 200 kbit/s; larger ones are dropped */

struct opus_packet {
    uint64_t frame_seq; /* the AAC frame it came out of */
    int64_t pts;        /* 48 kHz */
    uint16_t len;
    uint8_t data[OPUS_PACKET_MAX];
};

struct slot {
    struct vg_frame *frame; /* a reference: the slot is for this frame */
    uint8_t *data;
    uint32_t *ends;
    unsigned n, cap_pkts;
    size_t cap_bytes;
};

struct vg_feed {
    struct slot slots[VG_FEED_FRAMES];
    struct vg_rtp_packer packer;
    enum vg_codec codec;
    /* parameter sets of the current parameters, sent before each keyframe */
    uint32_t params_gen;
    bool have_ps;
    struct vg_rtp_param_sets ps;
    uint8_t *ps_config; /* the avcC/hvcC the param set refs point into */
    /* AAC made Opus, once for every session (made on the first ask) */
    struct vg_transcode *opus;
    uint32_t opus_gen;             /* the parameters it was made for */
    bool opus_failed;              /* for those parameters: no transcoder */
    uint64_t opus_next;            /* the frame after the last transcoded */
    struct opus_packet *opus_kept; /* OPUS_KEPT, a ring by count */
    uint64_t opus_count;
};

struct vg_feed *vg_feed_new(void)
{
    return calloc(1, sizeof(struct vg_feed));
}

struct vg_feed *vg_feed_free(struct vg_feed *f)
{
    if (!f)
        return NULL;
    for (unsigned i = 0; i < VG_FEED_FRAMES; i++) {
        vg_frame_unref(&f->slots[i].frame);
        free(f->slots[i].data);
        free(f->slots[i].ends);
    }
    free(f->ps_config);
    vg_transcode_free(f->opus);
    free(f->opus_kept);
    free(f);
    return NULL;
}

static int add_packet(void *arg, const uint8_t *pkt, size_t len, bool marker)
{
    (void)marker;
    struct slot *s = arg;
    size_t used = s->n ? s->ends[s->n - 1] : 0;
    if (s->n == s->cap_pkts) {
        unsigned cap = s->cap_pkts ? s->cap_pkts * 2 : 16;
        uint32_t *ends = realloc(s->ends, cap * sizeof(*ends));
        if (!ends)
            return -ENOMEM;
        s->ends = ends;
        s->cap_pkts = cap;
    }
    if (used + len > s->cap_bytes) {
        size_t cap = s->cap_bytes ? s->cap_bytes * 2 : 16384;
        while (cap < used + len)
            cap *= 2;
        uint8_t *data = realloc(s->data, cap);
        if (!data)
            return -ENOMEM;
        s->data = data;
        s->cap_bytes = cap;
    }
    memcpy(s->data + used, pkt, len);
    s->ends[s->n++] = (uint32_t)(used + len);
    return 0;
}

/* Parameter sets of the frame's parameters, taken from its avcC/hvcC. */
static int update_param_sets(struct vg_feed *f, const struct vg_stream_params *p)
{
    if (f->have_ps && f->params_gen == p->gen)
        return 0;
    const struct vg_track_params *v = &p->video;
    uint8_t *copy = malloc(v->config_len ? v->config_len : 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, v->config, v->config_len);
    struct vg_rtp_param_sets ps;
    int r = vg_rtp_param_sets_from_config(v->codec, copy, v->config_len, &ps);
    if (r < 0) {
        free(copy);
        return r;
    }
    free(f->ps_config);
    f->ps_config = copy;
    f->ps = ps;
    f->have_ps = true;
    f->params_gen = p->gen;
    if (f->codec != v->codec) {
        f->codec = v->codec;
        r = vg_rtp_packer_init(&f->packer, v->codec, FEED_PT, 0, 0, VG_RTP_PAYLOAD_DEFAULT);
    }
    return r;
}

int vg_feed_packets(struct vg_feed *f, struct vg_frame *fr, struct vg_feed_packets *ret)
{
    struct slot *s = &f->slots[fr->seq % VG_FEED_FRAMES];
    if (s->frame != fr) {
        if (!fr->params)
            return -EINVAL;
        int r = update_param_sets(f, fr->params);
        if (r < 0)
            return r;
        vg_frame_unref(&s->frame);
        s->n = 0;
        /* The RTP clock of H.264/H.265 is the 90 kHz of the frame's times. */
        r = vg_rtp_pack_frame(&f->packer, fr->data, fr->len, fr->key, &f->ps, (uint32_t)fr->pts,
                              add_packet, s);
        if (r < 0) {
            s->n = 0;
            return r;
        }
        s->frame = vg_frame_ref(fr);
    }
    *ret = (struct vg_feed_packets){fr->seq, s->data, s->ends, s->n};
    return 0;
}

int vg_feed_lookup(const struct vg_feed *f, uint64_t frame_seq, unsigned idx,
                   const uint8_t **ret_pkt, size_t *ret_len)
{
    const struct slot *s = &f->slots[frame_seq % VG_FEED_FRAMES];
    if (!s->frame || s->frame->seq != frame_seq || idx >= s->n)
        return -ENOENT;
    uint32_t start = idx ? s->ends[idx - 1] : 0;
    *ret_pkt = s->data + start;
    *ret_len = s->ends[idx] - start;
    return 0;
}

static int keep_opus(void *arg, const uint8_t *pkt, size_t len, int64_t pts)
{
    struct vg_feed *f = arg;
    if (len > OPUS_PACKET_MAX)
        return 0;
    struct opus_packet *o = &f->opus_kept[f->opus_count++ % OPUS_KEPT];
    o->frame_seq = f->opus_next;
    o->pts = pts;
    o->len = (uint16_t)len;
    memcpy(o->data, pkt, len);
    return 0;
}

/* A transcoder for the frame's parameters; false when there cannot be one. */
static bool opus_ready(struct vg_feed *f, const struct vg_stream_params *p)
{
    if (f->opus_gen == p->gen && (f->opus || f->opus_failed))
        return f->opus != NULL;
    f->opus = vg_transcode_free(f->opus);
    f->opus_gen = p->gen;
    f->opus_failed = true;
    if (!f->opus_kept && !(f->opus_kept = calloc(OPUS_KEPT, sizeof(*f->opus_kept))))
        return false;
    if (vg_transcode_new(&p->audio, &f->opus) < 0)
        return false;
    f->opus_failed = false;
    f->opus_next = 0;
    return true;
}

int vg_feed_opus(struct vg_feed *f, struct vg_frame *fr, vg_feed_opus_fn *fn, void *arg)
{
    if (!fr->params || fr->params->audio.codec != VG_CODEC_AAC || !opus_ready(f, fr->params))
        return -ENOTSUP;
    if (fr->seq >= f->opus_next) {
        f->opus_next = fr->seq;
        int r = vg_transcode_push(f->opus, fr, keep_opus, f);
        f->opus_next = fr->seq + 1;
        if (r == -ENOMEM || r == -EIO)
            return r;
    }
    uint64_t first = f->opus_count > OPUS_KEPT ? f->opus_count - OPUS_KEPT : 0;
    for (uint64_t i = first; i < f->opus_count; i++) {
        const struct opus_packet *o = &f->opus_kept[i % OPUS_KEPT];
        if (o->frame_seq == fr->seq) {
            int r = fn(arg, o->data, o->len, o->pts);
            if (r < 0)
                return r;
        }
    }
    return 0;
}
