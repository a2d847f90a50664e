#include "sources/probe.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/util.h"
#include "sources/lavf_error.h"

const char *vg_probe_outcome_name(enum vg_probe_outcome o)
{
    static const char *const names[] = {
        [VG_PROBE_OK] = "ok",
        [VG_PROBE_UNREACHABLE] = "unreachable",
        [VG_PROBE_UNAUTHORIZED] = "unauthorized",
        [VG_PROBE_NO_VIDEO] = "no_video",
        [VG_PROBE_UNSUPPORTED_CODEC] = "unsupported_codec",
        [VG_PROBE_ERROR] = "error",
    };
    return names[o];
}

static int deadline_passed(void *arg)
{
    return (vg_mono_us() / 1000) > *(const int64_t *)arg;
}

/* FFmpeg may report an interrupted wait as "invalid data" (an RTSP server that
 * accepts but never answers): past the deadline, a failure is a timeout. */
static int after_deadline(int err, int64_t deadline)
{
    return (vg_mono_us() / 1000) > deadline ? AVERROR_EXIT : err;
}

static void fail(struct vg_probe_result *ret, int err)
{
    static const enum vg_probe_outcome outcomes[] = {
        [VG_SOURCE_UNAUTHORIZED] = VG_PROBE_UNAUTHORIZED,
        [VG_SOURCE_UNREACHABLE] = VG_PROBE_UNREACHABLE,
        [VG_SOURCE_ENDED] = VG_PROBE_UNREACHABLE,
        [VG_SOURCE_FAILED] = VG_PROBE_ERROR,
    };
    char buf[128];
    enum vg_source_event ev = vg_lavf_error_event(err);
    ret->outcome = ev == VG_SOURCE_CONNECTED ? VG_PROBE_ERROR : outcomes[ev];
    vg_strlcpy(ret->message, sizeof(ret->message), vg_lavf_error_text(err, buf, sizeof(buf)));
}

static const char *audio_name(enum AVCodecID id)
{
    switch (id) {
    case AV_CODEC_ID_AAC:
        return "aac";
    case AV_CODEC_ID_PCM_ALAW:
        return "pcma";
    case AV_CODEC_ID_PCM_MULAW:
        return "pcmu";
    case AV_CODEC_ID_OPUS:
        return "opus";
    default:
        return "";
    }
}

void vg_probe_url(const char *url, unsigned timeout_ms, struct vg_probe_result *ret)
{
    memset(ret, 0, sizeof(*ret));
    int64_t deadline = (vg_mono_us() / 1000) + timeout_ms;
    AVFormatContext *fmt = avformat_alloc_context();
    AVDictionary *opts = NULL;
    if (!fmt) {
        fail(ret, AVERROR(ENOMEM));
        return;
    }
    fmt->interrupt_callback = (AVIOInterruptCB){.callback = deadline_passed, .opaque = &deadline};
    fmt->max_analyze_duration = 2000000;
    if (strncasecmp(url, "rtsp", 4) == 0)
        av_dict_set(&opts, "rtsp_transport", "tcp", 0);
    char timeout[32];
    snprintf(timeout, sizeof(timeout), "%lld", (long long)timeout_ms * 1000);
    av_dict_set(&opts, "timeout", timeout, 0);
    int r = avformat_open_input(&fmt, url, NULL, &opts);
    av_dict_free(&opts);
    if (r < 0) {
        fail(ret, after_deadline(r, deadline));
        return; /* avformat_open_input freed fmt */
    }
    r = avformat_find_stream_info(fmt, NULL);
    int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (vi < 0) {
        if (r < 0)
            fail(ret, after_deadline(r, deadline));
        else {
            ret->outcome = VG_PROBE_NO_VIDEO;
            vg_strlcpy(ret->message, sizeof(ret->message), "the stream has no video track");
        }
        goto out;
    }
    AVStream *vs = fmt->streams[vi];
    enum AVCodecID id = vs->codecpar->codec_id;
    vg_strlcpy(ret->video_codec, sizeof(ret->video_codec),
               id == AV_CODEC_ID_H264   ? "h264"
               : id == AV_CODEC_ID_HEVC ? "h265"
                                        : avcodec_get_name(id));
    const char *profile = avcodec_profile_name(id, vs->codecpar->profile);
    vg_strlcpy(ret->video_profile, sizeof(ret->video_profile), profile ? profile : "");
    ret->width = (unsigned)vs->codecpar->width;
    ret->height = (unsigned)vs->codecpar->height;
    AVRational rate = vs->avg_frame_rate.num ? vs->avg_frame_rate : vs->r_frame_rate;
    ret->fps = rate.den ? av_q2d(rate) : 0;
    if (id != AV_CODEC_ID_H264 && id != AV_CODEC_ID_HEVC) {
        ret->outcome = VG_PROBE_UNSUPPORTED_CODEC;
        snprintf(ret->message, sizeof(ret->message), "video codec %s is not supported",
                 avcodec_get_name(id));
        goto out;
    }
    int ai = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, vi, NULL, 0);
    if (ai >= 0) {
        AVCodecParameters *ap = fmt->streams[ai]->codecpar;
        vg_strlcpy(ret->audio_codec, sizeof(ret->audio_codec), audio_name(ap->codec_id));
        ret->sample_rate = (unsigned)ap->sample_rate;
        ret->channels = (unsigned)ap->ch_layout.nb_channels;
    }
    ret->outcome = VG_PROBE_OK;
out:
    avformat_close_input(&fmt);
}
