#include "media/transcode.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libavutil/mathematics.h>
#include <libavutil/mem.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* 20 ms: what WebRTC peers expect (ptime 20). */
#define FRAME_MS 20
#define BITRATE_PER_CHANNEL 32000
/* The most the FIFO holds; it stays near one frame unless the encoder stalls. */
#define FIFO_MAX VG_TRANSCODE_RATE
/* Input time against the samples so far, in 48 kHz units: a gap beyond
 * GAP_MIN is filled with silence, a step beyond JUMP starts a new timeline. */
#define GAP_MIN (VG_TRANSCODE_RATE / 100)
#define JUMP (VG_TRANSCODE_RATE / 10)
/* AAC carries at most 6144 bits per channel per frame; this is far above any
 * real unit and keeps a hostile one from reaching the decoder. */
#define AU_MAX (64 * 1024)
/* An AudioSpecificConfig is a few bytes; a program config element with its
 * comment stays under a few hundred. */
#define CONFIG_MAX 1024

struct vg_transcode {
    uint32_t timescale; /* of the input pts */
    AVCodecContext *dec, *enc;
    AVPacket *pkt;
    AVFrame *decoded, *chunk; /* chunk: one encoder frame, enc->frame_size samples */
    int frame_size;

    /* The converter, made for the decoder's output format as last seen. */
    struct SwrContext *swr;
    enum AVSampleFormat swr_fmt;
    int swr_rate;
    AVChannelLayout swr_layout;

    /* Converted samples on their way to the FIFO (also silence). */
    uint8_t *conv[2];
    int conv_cap;

    AVAudioFifo *fifo;
    int64_t head; /* 48 kHz time of the FIFO's first sample */
    bool anchored;

    struct vg_transcode_stats stats;
};

static int av_to_errno(int r, int otherwise)
{
    return r == AVERROR(ENOMEM) ? -ENOMEM : otherwise;
}

static const AVCodec *find_opus_encoder(bool *ret_experimental)
{
    const AVCodec *c = avcodec_find_encoder_by_name("libopus");
    *ret_experimental = false;
    if (c)
        return c;
    c = avcodec_find_encoder_by_name("opus");
    *ret_experimental = c != NULL;
    return c;
}

/* Interleaved float when the encoder takes it (libopus), else its first. */
static enum AVSampleFormat pick_sample_fmt(const AVCodec *c)
{
    if (!c->sample_fmts)
        return AV_SAMPLE_FMT_FLTP;
    for (const enum AVSampleFormat *f = c->sample_fmts; *f != AV_SAMPLE_FMT_NONE; f++)
        if (*f == AV_SAMPLE_FMT_FLT)
            return *f;
    return c->sample_fmts[0];
}

static int open_decoder(struct vg_transcode *t, const struct vg_track_params *in)
{
    const AVCodec *codec = avcodec_find_decoder_by_name("aac");
    if (!codec)
        codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
    if (!codec)
        return -ENOTSUP;
    t->dec = avcodec_alloc_context3(codec);
    if (!t->dec)
        return -ENOMEM;
    t->dec->extradata = av_mallocz(in->config_len + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!t->dec->extradata)
        return -ENOMEM;
    memcpy(t->dec->extradata, in->config, in->config_len);
    t->dec->extradata_size = (int)in->config_len;
    t->dec->pkt_timebase = (AVRational){1, (int)t->timescale};
    int r = avcodec_open2(t->dec, codec, NULL);
    if (r < 0)
        return av_to_errno(r, -EINVAL);
    return 0;
}

static int open_encoder(struct vg_transcode *t, int channels)
{
    bool experimental;
    const AVCodec *codec = find_opus_encoder(&experimental);
    if (!codec)
        return -ENOTSUP;
    t->enc = avcodec_alloc_context3(codec);
    if (!t->enc)
        return -ENOMEM;
    t->enc->sample_rate = VG_TRANSCODE_RATE;
    t->enc->time_base = (AVRational){1, VG_TRANSCODE_RATE};
    t->enc->sample_fmt = pick_sample_fmt(codec);
    t->enc->bit_rate = (int64_t)BITRATE_PER_CHANNEL * channels;
    av_channel_layout_default(&t->enc->ch_layout, channels);
    if (experimental)
        t->enc->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;

    /* Each encoder takes the options it knows and leaves the others in the
     * dictionary: libopus "application" and "frame_duration", the native
     * encoder "opus_delay" (its packet length). */
    AVDictionary *opts = NULL;
    int r = av_dict_set(&opts, "application", "lowdelay", 0);
    if (r >= 0)
        r = av_dict_set(&opts, "frame_duration", "20", 0);
    if (r >= 0)
        r = av_dict_set(&opts, "opus_delay", "20", 0);
    if (r >= 0)
        r = avcodec_open2(t->enc, codec, &opts);
    av_dict_free(&opts);
    if (r < 0)
        return av_to_errno(r, -ENOTSUP);

    t->frame_size =
        t->enc->frame_size > 0 ? t->enc->frame_size : VG_TRANSCODE_RATE * FRAME_MS / 1000;
    t->chunk->format = t->enc->sample_fmt;
    t->chunk->sample_rate = VG_TRANSCODE_RATE;
    t->chunk->nb_samples = t->frame_size;
    r = av_channel_layout_copy(&t->chunk->ch_layout, &t->enc->ch_layout);
    if (r >= 0)
        r = av_frame_get_buffer(t->chunk, 0);
    if (r < 0)
        return -ENOMEM;
    t->fifo = av_audio_fifo_alloc(t->enc->sample_fmt, channels, 2 * t->frame_size);
    if (!t->fifo)
        return -ENOMEM;
    t->stats.channels = (unsigned)channels;
    t->stats.pre_skip = t->enc->initial_padding > 0 ? (unsigned)t->enc->initial_padding : 0;
    return 0;
}

int vg_transcode_new(const struct vg_track_params *in, struct vg_transcode **ret)
{
    if (in->codec != VG_CODEC_AAC)
        return -ENOTSUP;
    uint32_t timescale = in->timescale ? in->timescale : in->sample_rate;
    if (!in->config || !in->config_len || in->config_len > CONFIG_MAX || !timescale ||
        timescale > INT32_MAX)
        return -EINVAL;

    struct vg_transcode *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->timescale = timescale;
    int r = -ENOMEM;
    t->pkt = av_packet_alloc();
    t->decoded = av_frame_alloc();
    t->chunk = av_frame_alloc();
    if (!t->pkt || !t->decoded || !t->chunk)
        goto out;
    r = open_decoder(t, in);
    if (r < 0)
        goto out;
    /* The configuration knows the channels unless a PCE in the stream gives
     * them; then the track's count decides. */
    int channels =
        t->dec->ch_layout.nb_channels ? t->dec->ch_layout.nb_channels : (int)in->channels;
    r = open_encoder(t, channels >= 2 ? 2 : 1);
    if (r < 0)
        goto out;
    *ret = t;
    return 0;
out:
    vg_transcode_free(t);
    return r;
}

struct vg_transcode *vg_transcode_free(struct vg_transcode *t)
{
    if (!t)
        return NULL;
    avcodec_free_context(&t->dec);
    avcodec_free_context(&t->enc);
    av_packet_free(&t->pkt);
    av_frame_free(&t->decoded);
    av_frame_free(&t->chunk);
    swr_free(&t->swr);
    av_channel_layout_uninit(&t->swr_layout);
    av_freep(&t->conv[0]);
    if (t->fifo)
        av_audio_fifo_free(t->fifo);
    free(t);
    return NULL;
}

void vg_transcode_get_stats(const struct vg_transcode *t, struct vg_transcode_stats *ret_stats)
{
    *ret_stats = t->stats;
}

/* Makes the converter match the decoded frame's format (the first frame, or
 * a change mid-stream: what the old one still held is dropped). */
static int setup_swr(struct vg_transcode *t, const AVFrame *fr)
{
    AVChannelLayout layout = {0};
    int r;
    if (fr->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || !av_channel_layout_check(&fr->ch_layout))
        av_channel_layout_default(&layout, fr->ch_layout.nb_channels);
    else if (av_channel_layout_copy(&layout, &fr->ch_layout) < 0)
        return -ENOMEM;
    if (!layout.nb_channels || fr->sample_rate <= 0) {
        r = -EINVAL;
        goto out;
    }
    if (t->swr && t->swr_fmt == fr->format && t->swr_rate == fr->sample_rate &&
        !av_channel_layout_compare(&t->swr_layout, &layout)) {
        r = 0;
        goto out;
    }
    swr_free(&t->swr);
    r = swr_alloc_set_opts2(&t->swr, &t->enc->ch_layout, t->enc->sample_fmt, VG_TRANSCODE_RATE,
                            &layout, fr->format, fr->sample_rate, 0, NULL);
    if (r >= 0)
        r = swr_init(t->swr);
    if (r < 0) {
        swr_free(&t->swr);
        r = av_to_errno(r, -EINVAL);
        goto out;
    }
    t->swr_fmt = fr->format;
    t->swr_rate = fr->sample_rate;
    av_channel_layout_uninit(&t->swr_layout);
    t->swr_layout = layout;
    return 0;
out:
    av_channel_layout_uninit(&layout);
    return r;
}

static int reserve_conv(struct vg_transcode *t, int samples)
{
    if (samples <= t->conv_cap)
        return 0;
    av_freep(&t->conv[0]);
    t->conv[1] = NULL;
    t->conv_cap = 0;
    if (av_samples_alloc(t->conv, NULL, (int)t->stats.channels, samples, t->enc->sample_fmt, 0) < 0)
        return -ENOMEM;
    t->conv_cap = samples;
    return 0;
}

/* Appends n samples of t->conv to the FIFO, or drops them past the cap. */
static int fifo_put(struct vg_transcode *t, int n)
{
    if (n <= 0)
        return 0;
    if (av_audio_fifo_size(t->fifo) + n > FIFO_MAX) {
        t->stats.dropped_samples += (uint64_t)n;
        return 0;
    }
    if (av_audio_fifo_write(t->fifo, (void **)t->conv, n) < n)
        return -ENOMEM;
    return 0;
}

/* Places the frame that started at in48 (48 kHz) on the timeline: anchors
 * there the first time or after a jump, fills a short gap with silence. The
 * samples still inside the resampler count as already placed. */
static int place(struct vg_transcode *t, int64_t in48)
{
    int64_t end = t->head + av_audio_fifo_size(t->fifo) + swr_get_delay(t->swr, VG_TRANSCODE_RATE);
    int64_t gap = in48 - end;
    if (!t->anchored || gap > JUMP || gap < -JUMP) {
        if (t->anchored)
            t->stats.resyncs++;
        av_audio_fifo_reset(t->fifo);
        /* Re-initializing drops the samples the resampler holds back. */
        if (swr_init(t->swr) < 0)
            return -ENOMEM;
        t->head = in48;
        t->anchored = true;
        return 0;
    }
    if (gap <= GAP_MIN)
        return 0;
    /* Lost frames: the silence goes after what the resampler still holds, a
     * few samples of misplaced audio in a gap that is audible anyway. */
    int r = reserve_conv(t, (int)gap);
    if (r < 0)
        return r;
    av_samples_set_silence(t->conv, 0, (int)gap, (int)t->stats.channels, t->enc->sample_fmt);
    t->stats.silence_samples += (uint64_t)gap;
    return fifo_put(t, (int)gap);
}

/* One decoded frame into the FIFO; in48 is its start when it is the first
 * of its unit, else INT64_MIN (it follows on). */
static int take_frame(struct vg_transcode *t, const AVFrame *fr, int64_t in48)
{
    int r = setup_swr(t, fr);
    if (r < 0)
        return r;
    if (in48 != INT64_MIN) {
        r = place(t, in48);
        if (r < 0)
            return r;
    }
    int cap = swr_get_out_samples(t->swr, fr->nb_samples);
    if (cap < 0)
        return -EINVAL;
    r = reserve_conv(t, cap);
    if (r < 0)
        return r;
    int n = swr_convert(t->swr, t->conv, cap, (const uint8_t **)fr->extended_data, fr->nb_samples);
    if (n < 0)
        return av_to_errno(n, -EINVAL);
    return fifo_put(t, n);
}

/* Hands the encoder's ready packets to emit. Returns 0, an encoder error or
 * emit's (the rest are then dropped). */
static int drain_encoder(struct vg_transcode *t, vg_transcode_emit_fn *emit, void *arg)
{
    int result = 0;
    for (;;) {
        int r = avcodec_receive_packet(t->enc, t->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return result;
        if (r < 0)
            return av_to_errno(r, -EIO);
        if (result == 0) {
            result = emit(arg, t->pkt->data, (size_t)t->pkt->size, t->pkt->pts);
            if (result > 0)
                result = 0;
            t->stats.packets++;
        }
        av_packet_unref(t->pkt);
    }
}

/* Encodes every whole frame the FIFO holds. */
static int encode_ready(struct vg_transcode *t, vg_transcode_emit_fn *emit, void *arg)
{
    while (av_audio_fifo_size(t->fifo) >= t->frame_size) {
        /* The encoder may still reference the last frame's buffer. */
        int r = av_frame_make_writable(t->chunk);
        if (r < 0)
            return -ENOMEM;
        if (av_audio_fifo_read(t->fifo, (void **)t->chunk->data, t->frame_size) < t->frame_size)
            return -EIO;
        t->chunk->pts = t->head;
        t->head += t->frame_size;
        r = avcodec_send_frame(t->enc, t->chunk);
        if (r < 0)
            return av_to_errno(r, -EIO);
        r = drain_encoder(t, emit, arg);
        if (r < 0)
            return r;
    }
    return 0;
}

int vg_transcode_push(struct vg_transcode *t, const struct vg_frame *f, vg_transcode_emit_fn *emit,
                      void *arg)
{
    if (!f->data || !f->len || f->len > AU_MAX) {
        t->stats.bad_frames++;
        return -EINVAL;
    }
    /* The decoder reads past the end in bulk: the packet has the padding. */
    int r = av_new_packet(t->pkt, (int)f->len);
    if (r < 0)
        return -ENOMEM;
    memcpy(t->pkt->data, f->data, f->len);
    t->pkt->pts = f->pts;
    r = avcodec_send_packet(t->dec, t->pkt);
    av_packet_unref(t->pkt);
    if (r < 0) {
        r = av_to_errno(r, -EINVAL);
        goto out;
    }

    int64_t in48 = av_rescale(f->pts, VG_TRANSCODE_RATE, t->timescale);
    for (;;) {
        r = avcodec_receive_frame(t->dec, t->decoded);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) {
            r = 0;
            break;
        }
        if (r < 0) {
            r = av_to_errno(r, -EINVAL);
            break;
        }
        if (t->decoded->decode_error_flags || (t->decoded->flags & AV_FRAME_FLAG_CORRUPT))
            r = -EINVAL;
        else
            r = take_frame(t, t->decoded, in48);
        av_frame_unref(t->decoded);
        if (r < 0)
            break;
        in48 = INT64_MIN;
    }
    /* Whatever did decode is encoded even when the unit then failed. */
    int e = encode_ready(t, emit, arg);
    if (r == 0)
        r = e;
out:
    if (r == -EINVAL)
        t->stats.bad_frames++;
    return r;
}
