#include "sources/rtsp_media.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "media/stream.h"
#include "proto/sdp.h"

static enum vg_codec video_codec(struct vg_span enc)
{
    if (vg_span_ieq(enc, "H264"))
        return VG_CODEC_H264;
    if (vg_span_ieq(enc, "H265"))
        return VG_CODEC_H265;
    return VG_CODEC_NONE;
}

static enum vg_codec audio_codec(struct vg_span enc)
{
    if (vg_span_ieq(enc, "MPEG4-GENERIC"))
        return VG_CODEC_AAC;
    if (vg_span_ieq(enc, "PCMA"))
        return VG_CODEC_PCMA;
    if (vg_span_ieq(enc, "PCMU"))
        return VG_CODEC_PCMU;
    return VG_CODEC_NONE;
}

/* Sets up track t from media section sm's first format. */
static int take_track(struct vg_rtsp_media *m, unsigned t, const struct vg_sdp *sdp,
                      const struct vg_sdp_media *sm, enum vg_codec codec, const char *base)
{
    struct vg_rtsp_track *tr = &m->tracks[t];
    const struct vg_sdp_format *f = &sm->formats[0];
    struct vg_span control = {"", 0};
    vg_sdp_attr(sdp, sm, "control", &control);
    int r = vg_rtsp_url_control(base, control, tr->control, sizeof(tr->control));
    if (r < 0)
        return r;
    r = vg_rtp_depack_init(&tr->depack, codec, f->fmtp);
    if (r < 0)
        return r;
    tr->codec = codec;
    tr->clock_rate = f->clock_rate ? f->clock_rate : (t == VG_RTSP_VIDEO ? 90000 : 8000);
    tr->channels = f->channels ? f->channels : 1;
    if (codec == VG_CODEC_AAC) {
        r = vg_rtp_aac_config(f->fmtp, tr->config, sizeof(tr->config));
        if (r < 0)
            return r;
        tr->config_len = (size_t)r;
    }
    if (t == VG_RTSP_VIDEO) {
        uint8_t ps[3 * VG_PARAM_SET_MAX];
        vg_video_ingest_init(&m->video, codec);
        r = vg_rtp_sprop_annexb(codec, f->fmtp, ps, sizeof(ps));
        /* Bad sprop parameters are not fatal: most cameras repeat them in band. */
        if (r > 0)
            vg_video_ingest_extradata(&m->video, ps, (size_t)r);
    }
    return 0;
}

int vg_rtsp_media_init(struct vg_rtsp_media *m, struct vg_stream *stream, const char *text,
                       size_t len, const char *base, char *why, size_t whylen)
{
    *m = (struct vg_rtsp_media){.stream = stream};
    struct vg_sdp *sdp = malloc(sizeof(*sdp));
    if (!sdp)
        return -ENOMEM;
    const char *error = NULL;
    int r = vg_sdp_parse(text, len, sdp, &error);
    if (r < 0) {
        snprintf(why, whylen, "malformed SDP: line %u: %s", sdp->error_line,
                 error ? error : "too large");
        goto out;
    }
    const struct vg_sdp_media *video = NULL, *audio = NULL;
    enum vg_codec vc = VG_CODEC_NONE, ac = VG_CODEC_NONE;
    struct vg_span unsupported = {"", 0};
    for (size_t i = 0; i < sdp->n_media; i++) {
        const struct vg_sdp_media *sm = &sdp->media[i];
        if (sm->n_formats == 0)
            continue;
        struct vg_span enc = sm->formats[0].encoding;
        if (!video && vg_span_eq(sm->type, "video")) {
            vc = video_codec(enc);
            if (vc != VG_CODEC_NONE)
                video = sm;
            else if (!unsupported.len)
                unsupported = enc;
        } else if (!audio && vg_span_eq(sm->type, "audio")) {
            ac = audio_codec(enc);
            audio = ac != VG_CODEC_NONE ? sm : NULL;
        }
    }
    if (!video) {
        r = -ENOTSUP;
        if (unsupported.len)
            snprintf(why, whylen, "unsupported video codec %.*s", (int)unsupported.len,
                     unsupported.base);
        else
            snprintf(why, whylen, "no video track");
        goto out;
    }
    r = take_track(m, VG_RTSP_VIDEO, sdp, video, vc, base);
    if (r < 0) {
        snprintf(why, whylen, "video track: %s",
                 r == -ENOTSUP ? "packetization mode not supported" : "bad parameters");
        goto out;
    }
    /* Audio we cannot take is left out; video alone is still worth having. */
    if (audio && take_track(m, VG_RTSP_AUDIO, sdp, audio, ac, base) < 0)
        vg_rtsp_media_drop(m, VG_RTSP_AUDIO);
    r = 0;
out:
    free(sdp);
    if (r < 0)
        vg_rtsp_media_done(m);
    return r;
}

/* RFC 7845 §5.1 identification header: what an MP4 Opus track's dOps holds.
 * Pre-skip 0: RTP carries no encoder delay, so nothing is trimmed. */
static size_t opus_head(uint8_t *out, unsigned channels)
{
    static const uint8_t head[19] = {
        'O', 'p', 'u',  's',  'H', 'e', 'a', 'd', 1, 0,
        0,   0,   0x80, 0xbb, 0,   0,   0,   0,   0}; /* 48000 little-endian */
    memcpy(out, head, sizeof(head));
    out[9] = (uint8_t)channels;
    return sizeof(head);
}

int vg_rtsp_media_init_codecs(struct vg_rtsp_media *m, struct vg_stream *stream,
                              enum vg_codec video, enum vg_codec audio, unsigned audio_channels)
{
    *m = (struct vg_rtsp_media){.stream = stream};
    struct vg_span none = {"", 0};
    struct vg_rtsp_track *v = &m->tracks[VG_RTSP_VIDEO], *a = &m->tracks[VG_RTSP_AUDIO];
    if ((video != VG_CODEC_H264 && video != VG_CODEC_H265) ||
        vg_rtp_depack_init(&v->depack, video, none) < 0)
        return -ENOTSUP;
    v->codec = video;
    v->clock_rate = 90000;
    vg_video_ingest_init(&m->video, video);
    if (audio == VG_CODEC_NONE)
        return 0;
    if ((audio != VG_CODEC_PCMA && audio != VG_CODEC_PCMU && audio != VG_CODEC_OPUS) ||
        vg_rtp_depack_init(&a->depack, audio, none) < 0) {
        vg_rtsp_media_done(m);
        return -ENOTSUP;
    }
    a->codec = audio;
    a->clock_rate = audio == VG_CODEC_OPUS ? 48000 : 8000;
    a->channels = audio == VG_CODEC_OPUS && audio_channels == 2 ? 2 : 1;
    if (audio == VG_CODEC_OPUS)
        a->config_len = opus_head(a->config, a->channels);
    return 0;
}

void vg_rtsp_media_drop(struct vg_rtsp_media *m, unsigned track)
{
    struct vg_rtsp_track *tr = &m->tracks[track];
    vg_rtp_depack_done(&tr->depack);
    *tr = (struct vg_rtsp_track){0};
}

static int publish_params(struct vg_rtsp_media *m)
{
    struct vg_stream_params *p = vg_stream_params_new();
    if (!p)
        return -ENOMEM;
    int r = vg_video_ingest_params(&m->video, &p->video);
    const struct vg_rtsp_track *a = &m->tracks[VG_RTSP_AUDIO];
    if (r == 0 && a->codec != VG_CODEC_NONE) {
        p->audio.codec = a->codec;
        p->audio.sample_rate = a->clock_rate;
        p->audio.channels = a->channels;
        p->audio.timescale = a->clock_rate;
        if (a->config_len)
            r = vg_track_params_set_config(&p->audio, a->config, a->config_len);
    }
    if (r < 0) {
        vg_stream_params_unref(&p);
        return r;
    }
    vg_stream_set_params(m->stream, p);
    return 0;
}

/* The unit's time on the track's timeline: RTP timestamps unwrapped, then kept
 * moving forward across camera restarts and jumps. Each track's RTP clock
 * starts at a random value, so a track's first unit is placed at its arrival
 * time after the session's first unit: sound and pictures line up within the
 * network's jitter, whatever the sender's offsets. */
static int64_t track_time(struct vg_rtsp_media *m, struct vg_rtsp_track *tr, uint32_t ts,
                          int64_t step, int64_t now_us)
{
    if (!m->have_origin) {
        m->origin_us = now_us;
        m->have_origin = true;
    }
    if (tr->have_ts) {
        tr->ts += (int32_t)(ts - tr->last_ts);
    } else {
        int64_t since = now_us > m->origin_us ? now_us - m->origin_us : 0;
        tr->ts = since * (int64_t)tr->clock_rate / 1000000;
    }
    tr->have_ts = true;
    tr->last_ts = ts;
    return vg_restamp_map(&tr->restamp, tr->ts, step, tr->clock_rate, false);
}

struct unit_ctx {
    struct vg_rtsp_media *m;
    int64_t now;
};

static int on_video_unit(void *arg, const uint8_t *data, size_t len, uint32_t ts)
{
    struct unit_ctx *c = arg;
    struct vg_rtsp_media *m = c->m;
    struct vg_frame *f = NULL;
    int r = vg_video_ingest_au(&m->video, data, len, &f);
    if (r < 0 || !f)
        return r == -ENOMEM ? r : 0; /* a damaged unit is dropped, not fatal */
    if (m->video.changed && vg_video_ingest_ready(&m->video)) {
        r = publish_params(m);
        if (r < 0) {
            vg_frame_unref(&f);
            return r == -ENOMEM ? r : 0;
        }
    }
    if (!vg_video_ingest_ready(&m->video)) {
        vg_frame_unref(&f);
        return 0;
    }
    struct vg_rtsp_track *tr = &m->tracks[VG_RTSP_VIDEO];
    f->track = VG_TRACK_VIDEO;
    f->received_us = c->now;
    f->dts = f->pts = track_time(m, tr, ts, VG_VIDEO_TIMESCALE / 25, c->now);
    vg_stream_publish(m->stream, f);
    m->published = true;
    return 0;
}

static int on_audio_unit(void *arg, const uint8_t *data, size_t len, uint32_t ts)
{
    struct unit_ctx *c = arg;
    struct vg_rtsp_media *m = c->m;
    if (!m->published)
        return 0; /* audio joins once the video has parameters */
    struct vg_rtsp_track *tr = &m->tracks[VG_RTSP_AUDIO];
    struct vg_frame *f = vg_frame_new(len);
    if (!f)
        return -ENOMEM;
    memcpy(f->data, data, len);
    f->track = VG_TRACK_AUDIO;
    f->key = true;
    f->received_us = c->now;
    int64_t step = tr->codec == VG_CODEC_AAC    ? 1024
                   : tr->codec == VG_CODEC_OPUS ? 960 /* 20 ms, what browsers send */
                                                : (int64_t)len;
    f->dts = f->pts = track_time(m, tr, ts, step, c->now);
    vg_stream_publish(m->stream, f);
    return 0;
}

int vg_rtsp_media_packet(struct vg_rtsp_media *m, unsigned track, const struct vg_rtp_packet *p,
                         int64_t now_wall_us)
{
    struct vg_rtsp_track *tr = &m->tracks[track];
    if (tr->codec == VG_CODEC_NONE)
        return 0;
    struct unit_ctx c = {m, now_wall_us};
    int r = vg_rtp_depack_push(&tr->depack, p,
                               track == VG_RTSP_VIDEO ? on_video_unit : on_audio_unit, &c);
    return r == -ENOMEM ? r : 0;
}

int vg_rtsp_media_rtp(struct vg_rtsp_media *m, unsigned track, const uint8_t *pkt, size_t len,
                      int64_t now_wall_us)
{
    struct vg_rtp_packet p;
    if (vg_rtp_parse(pkt, len, &p) < 0)
        return 0;
    return vg_rtsp_media_packet(m, track, &p, now_wall_us);
}

void vg_rtsp_media_restart(struct vg_rtsp_media *m)
{
    if (vg_video_ingest_ready(&m->video))
        m->video.changed = true;
    m->published = false;
}

void vg_rtsp_media_done(struct vg_rtsp_media *m)
{
    for (unsigned t = 0; t < VG_RTSP_TRACKS; t++)
        vg_rtp_depack_done(&m->tracks[t].depack);
}
