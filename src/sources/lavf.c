/* Pull sources through libavformat: RTSP/RTSPS (TCP by default, UDP on request),
 * RTMP, HTTP(S) and files. One thread per source runs one session: connect,
 * read until an error or stop, report, exit. The hub decides about retrying.
 * Files (only from streams.media_dir) play in real time and loop, like a camera.
 * The interrupt callback bounds every blocking call by the timeout and by stop,
 * so a dead camera never blocks shutdown or another stream. */
#include <errno.h>
#include <event2/event.h>
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/url.h"
#include "core/log.h"
#include "core/util.h"
#include "media/ingest.h"
#include "media/restamp.h"
#include "media/stream.h"
#include "sources/lavf_error.h"
#include "sources/reporter.h"
#include "sources/source.h"

struct vg_source {
    struct vg_stream *s;
    char *url, *id, *media_dir;
    bool udp, file;
    int64_t timeout_us;

    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    atomic_bool timed_out; /* the interrupt callback gave up waiting */
    atomic_llong last_io_us;

    struct vg_source_reporter reporter;
};

static void post(struct vg_source *src, enum vg_source_event ev, const char *reason)
{
    vg_source_reporter_post(&src->reporter, ev, reason);
}

static int interrupt_cb(void *arg)
{
    struct vg_source *src = arg;
    if (atomic_load(&src->stop))
        return 1;
    if (vg_mono_us() - atomic_load(&src->last_io_us) <= src->timeout_us)
        return 0;
    atomic_store(&src->timed_out, true);
    return 1;
}

/* What one session needs while it runs. */
struct session {
    struct vg_source *src;
    AVFormatContext *fmt;
    int video_idx, audio_idx;
    AVBSFContext *bsf; /* MP4-style H.264/H.265 (RTMP, files) to Annex B */
    struct vg_video_ingest video;
    enum vg_codec audio_codec;
    AVRational video_tb, audio_tb;
    struct vg_restamp restamp[2];
    int64_t start_wall_us;
    /* files: the monotonic time the media time pace_ts_us is due */
    bool paced;
    int64_t pace_mono_us, pace_ts_us;
};

static enum vg_codec video_codec(enum AVCodecID id)
{
    return id == AV_CODEC_ID_H264   ? VG_CODEC_H264
           : id == AV_CODEC_ID_HEVC ? VG_CODEC_H265
                                    : VG_CODEC_NONE;
}

static enum vg_codec audio_codec(enum AVCodecID id)
{
    switch (id) {
    case AV_CODEC_ID_AAC:
        return VG_CODEC_AAC;
    case AV_CODEC_ID_PCM_ALAW:
        return VG_CODEC_PCMA;
    case AV_CODEC_ID_PCM_MULAW:
        return VG_CODEC_PCMU;
    case AV_CODEC_ID_OPUS:
        return VG_CODEC_OPUS;
    default:
        return VG_CODEC_NONE;
    }
}

static int open_input(struct session *ss, char *why, size_t whylen)
{
    struct vg_source *src = ss->src;
    /* A file is opened by its resolved path, only inside the media directory. */
    char path[PATH_MAX + 8];
    const char *target = src->url;
    if (src->file) {
        char real[PATH_MAX];
        const char *reason = NULL;
        if (vg_url_file_path(src->url, src->media_dir, real, sizeof(real), &reason) < 0) {
            vg_strlcpy(why, whylen, reason);
            return AVERROR(EINVAL);
        }
        snprintf(path, sizeof(path), "file:%s", real);
        target = path;
    }
    AVDictionary *opts = NULL;
    bool rtsp = strncasecmp(src->url, "rtsp", 4) == 0;
    if (rtsp) {
        av_dict_set(&opts, "rtsp_transport", src->udp ? "udp" : "tcp", 0);
        av_dict_set(&opts, "allowed_media_types", "video+audio", 0);
    }
    char timeout[32];
    snprintf(timeout, sizeof(timeout), "%lld", (long long)src->timeout_us);
    av_dict_set(&opts, "timeout", timeout, 0);
    av_dict_set(&opts, "rw_timeout", timeout, 0);
    ss->fmt = avformat_alloc_context();
    if (!ss->fmt) {
        av_dict_free(&opts);
        return AVERROR(ENOMEM);
    }
    ss->fmt->interrupt_callback = (AVIOInterruptCB){.callback = interrupt_cb, .opaque = src};
    ss->fmt->max_analyze_duration = 1000000;
    ss->fmt->probesize = 1 << 20;
    atomic_store(&src->last_io_us, vg_mono_us());
    int r = avformat_open_input(&ss->fmt, target, NULL, &opts);
    av_dict_free(&opts);
    if (r < 0)
        return r;
    /* RTSP describes its tracks in the SDP; probing frames would only delay the
     * first one. Other containers may need a look. */
    if (!rtsp) {
        r = avformat_find_stream_info(ss->fmt, NULL);
        if (r < 0)
            return r;
    }
    ss->video_idx = av_find_best_stream(ss->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (ss->video_idx < 0) {
        snprintf(why, whylen, "no video track");
        return AVERROR_STREAM_NOT_FOUND;
    }
    AVStream *vs = ss->fmt->streams[ss->video_idx];
    enum vg_codec vc = video_codec(vs->codecpar->codec_id);
    if (vc == VG_CODEC_NONE) {
        snprintf(why, whylen, "unsupported video codec %s",
                 avcodec_get_name(vs->codecpar->codec_id));
        return AVERROR_DECODER_NOT_FOUND;
    }
    vg_video_ingest_init(&ss->video, vc);
    const uint8_t *extra = vs->codecpar->extradata;
    size_t extra_len = (size_t)vs->codecpar->extradata_size;
    if (extra_len)
        vg_video_ingest_extradata(&ss->video, extra, extra_len);
    if (extra_len && extra[0] == 1) {
        /* avcC/hvcC: packets are length-prefixed; make them Annex B first. */
        const AVBitStreamFilter *f =
            av_bsf_get_by_name(vc == VG_CODEC_H264 ? "h264_mp4toannexb" : "hevc_mp4toannexb");
        if (!f || av_bsf_alloc(f, &ss->bsf) < 0)
            return AVERROR(ENOMEM);
        avcodec_parameters_copy(ss->bsf->par_in, vs->codecpar);
        ss->bsf->time_base_in = vs->time_base;
        r = av_bsf_init(ss->bsf);
        if (r < 0)
            return r;
    }
    ss->video_tb = vs->time_base;
    ss->audio_idx = av_find_best_stream(ss->fmt, AVMEDIA_TYPE_AUDIO, -1, ss->video_idx, NULL, 0);
    if (ss->audio_idx >= 0) {
        AVStream *as = ss->fmt->streams[ss->audio_idx];
        ss->audio_codec = audio_codec(as->codecpar->codec_id);
        ss->audio_tb = as->time_base;
        if (ss->audio_codec == VG_CODEC_NONE)
            ss->audio_idx = -1;
    }
    return 0;
}

/* Builds the stream's parameters from the current parameter sets and audio. */
static int publish_params(struct session *ss)
{
    struct vg_stream_params *p = vg_stream_params_new();
    if (!p)
        return -ENOMEM;
    int r = vg_video_ingest_params(&ss->video, &p->video);
    if (r == 0 && ss->audio_idx >= 0) {
        AVCodecParameters *ap = ss->fmt->streams[ss->audio_idx]->codecpar;
        p->audio.codec = ss->audio_codec;
        p->audio.sample_rate = (unsigned)ap->sample_rate;
        p->audio.channels = (unsigned)ap->ch_layout.nb_channels;
        p->audio.timescale = (uint32_t)ap->sample_rate;
        if (ap->extradata_size > 0)
            r = vg_track_params_set_config(&p->audio, ap->extradata, (size_t)ap->extradata_size);
    }
    if (r < 0) {
        vg_stream_params_unref(&p);
        return r;
    }
    vg_stream_set_params(ss->src->s, p);
    return 0;
}

/* Timestamps in the track's timescale, kept increasing across source jumps. */
static void stamp(struct session *ss, int t, const AVPacket *pkt, AVRational tb, uint32_t scale,
                  struct vg_frame *f)
{
    AVRational to = {1, (int)scale};
    int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : dts;
    bool guessed = dts == AV_NOPTS_VALUE;
    if (guessed) {
        /* No timestamps (some servers leave the first packet unset): the
         * arrival time is the best there is. */
        dts = av_rescale_q(vg_wall_us() - ss->start_wall_us, (AVRational){1, 1000000}, tb);
        pts = dts;
    }
    int64_t d = av_rescale_q(dts, tb, to), p = av_rescale_q(pts, tb, to);
    int64_t step = pkt->duration > 0     ? av_rescale_q(pkt->duration, tb, to)
                   : t == VG_TRACK_VIDEO ? scale / 25
                                         : 1024;
    f->dts = vg_restamp_map(&ss->restamp[t], d, step, scale, guessed);
    f->pts = p + (f->dts - d);
    if (f->pts < f->dts)
        f->pts = f->dts;
}

static int on_video(struct session *ss, AVPacket *pkt)
{
    struct vg_frame *f = NULL;
    int r = vg_video_ingest_au(&ss->video, pkt->data, (size_t)pkt->size, &f);
    if (r < 0 || !f)
        return r == -ENOMEM ? r : 0; /* a damaged unit is dropped, not fatal */
    if (ss->video.changed && vg_video_ingest_ready(&ss->video)) {
        r = publish_params(ss);
        if (r < 0) {
            vg_frame_unref(&f);
            return r == -ENOMEM ? r : 0;
        }
    }
    f->track = VG_TRACK_VIDEO;
    f->received_us = vg_wall_us();
    stamp(ss, VG_TRACK_VIDEO, pkt, ss->video_tb, VG_VIDEO_TIMESCALE, f);
    vg_stream_publish(ss->src->s, f);
    return 0;
}

static int on_audio(struct session *ss, AVPacket *pkt)
{
    struct vg_frame *f = vg_frame_new((size_t)pkt->size);
    if (!f)
        return -ENOMEM;
    memcpy(f->data, pkt->data, (size_t)pkt->size);
    f->track = VG_TRACK_AUDIO;
    f->key = true;
    f->received_us = vg_wall_us();
    AVCodecParameters *ap = ss->fmt->streams[ss->audio_idx]->codecpar;
    stamp(ss, VG_TRACK_AUDIO, pkt, ss->audio_tb, (uint32_t)ap->sample_rate, f);
    vg_stream_publish(ss->src->s, f);
    return 0;
}

/* Files play in real time: waits until the packet is due, in short sleeps so
 * that stop is noticed. A gap of more than 5 s in the file is not waited out. */
static void pace(struct session *ss, const AVPacket *pkt)
{
    int64_t ts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (ts == AV_NOPTS_VALUE)
        return;
    int64_t us = av_rescale_q(ts, ss->fmt->streams[pkt->stream_index]->time_base, AV_TIME_BASE_Q);
    int64_t now = vg_mono_us();
    int64_t due = ss->pace_mono_us + (us - ss->pace_ts_us);
    if (!ss->paced || due > now + 5000000 || due < now - 5000000) {
        ss->paced = true;
        ss->pace_mono_us = now;
        ss->pace_ts_us = us;
        return;
    }
    while (now < due && !atomic_load(&ss->src->stop)) {
        int64_t wait = due - now < 50000 ? due - now : 50000;
        nanosleep(&(struct timespec){.tv_nsec = (long)wait * 1000}, NULL);
        now = vg_mono_us();
    }
}

/* At the end of a file: back to its start. The timestamps jump back, which
 * restamping turns into time moving on. */
static int rewind_file(struct session *ss)
{
    ss->paced = false;
    if (ss->bsf)
        av_bsf_flush(ss->bsf);
    return av_seek_frame(ss->fmt, -1, 0, AVSEEK_FLAG_BACKWARD);
}

static int read_loop(struct session *ss)
{
    AVPacket *pkt = av_packet_alloc();
    if (!pkt)
        return AVERROR(ENOMEM);
    bool connected = false;
    int r = 0;
    while (!atomic_load(&ss->src->stop)) {
        atomic_store(&ss->src->last_io_us, vg_mono_us());
        r = av_read_frame(ss->fmt, pkt);
        if (r == AVERROR_EOF && ss->src->file && connected) {
            r = rewind_file(ss);
            if (r < 0)
                break;
            continue;
        }
        if (r < 0)
            break;
        if (ss->src->file)
            pace(ss, pkt);
        if (pkt->stream_index == ss->video_idx && ss->bsf) {
            r = av_bsf_send_packet(ss->bsf, pkt);
            while (r >= 0 && (r = av_bsf_receive_packet(ss->bsf, pkt)) == 0) {
                r = on_video(ss, pkt);
                av_packet_unref(pkt);
            }
            r = r == AVERROR(EAGAIN) ? 0 : r;
        } else if (pkt->stream_index == ss->video_idx) {
            r = on_video(ss, pkt);
        } else if (pkt->stream_index == ss->audio_idx && connected) {
            r = on_audio(ss, pkt);
        } else {
            r = 0;
        }
        av_packet_unref(pkt);
        if (r < 0)
            break;
        if (!connected && vg_video_ingest_ready(&ss->video)) {
            connected = true;
            post(ss->src, VG_SOURCE_CONNECTED, NULL);
        }
    }
    av_packet_free(&pkt);
    return atomic_load(&ss->src->stop) ? 0 : r;
}

static void *source_main(void *arg)
{
    struct vg_source *src = arg;
    struct session ss = {.src = src, .video_idx = -1, .audio_idx = -1};
    ss.start_wall_us = vg_wall_us();
    char why[160] = "", buf[128];
    int r = open_input(&ss, why, sizeof(why));
    if (r == 0)
        r = read_loop(&ss);
    if (!atomic_load(&src->stop)) {
        enum vg_source_event ev =
            r == 0 || r == AVERROR_EOF ? VG_SOURCE_ENDED : vg_lavf_error_event(r);
        /* FFmpeg may turn an interrupted wait into "invalid data" (an RTSP
         * server that accepts but never answers): a timeout is what it was. */
        if (atomic_load(&src->timed_out)) {
            ev = VG_SOURCE_UNREACHABLE;
            vg_strlcpy(why, sizeof(why), "timed out: the camera stopped answering");
        }
        if (!why[0])
            vg_strlcpy(why, sizeof(why),
                       r == 0 ? "stream ended" : vg_lavf_error_text(r, buf, sizeof(buf)));
        post(src, ev, why);
    }
    av_bsf_free(&ss.bsf);
    avformat_close_input(&ss.fmt);
    return NULL;
}

static void lavf_stop(struct vg_source *src)
{
    if (!src)
        return;
    atomic_store(&src->stop, true);
    if (src->thread_started)
        pthread_join(src->thread, NULL);
    vg_source_reporter_done(&src->reporter);
    free(src->url);
    free(src->id);
    free(src->media_dir);
    free(src);
}

static int lavf_start(struct event_base *base, const struct vg_source_config *cfg,
                      struct vg_stream *s, vg_source_report_fn *report, void *arg,
                      struct vg_source **ret_src)
{
    struct vg_source *src = calloc(1, sizeof(*src));
    if (!src)
        return -ENOMEM;
    src->s = s;
    src->url = strdup(cfg->url);
    src->id = strdup(cfg->stream_id);
    src->udp = cfg->udp;
    src->file = strncasecmp(cfg->url, "file:", 5) == 0;
    src->media_dir = cfg->media_dir ? strdup(cfg->media_dir) : NULL;
    src->timeout_us = (int64_t)(cfg->timeout_ms ? cfg->timeout_ms : 5000) * 1000;
    int r = vg_source_reporter_init(&src->reporter, base, report, arg);
    if (r < 0 || !src->url || !src->id || (cfg->media_dir && !src->media_dir)) {
        lavf_stop(src);
        return -ENOMEM;
    }
    r = pthread_create(&src->thread, NULL, source_main, src);
    if (r != 0) {
        lavf_stop(src);
        return -r;
    }
    src->thread_started = true;
    *ret_src = src;
    return 0;
}

const struct vg_source_ops vg_source_lavf = {
    .name = "lavf",
    .start = lavf_start,
    .stop = lavf_stop,
};
