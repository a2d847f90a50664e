/* AAC to Opus (media/transcode.c): a 1 kHz sine encoded to AAC by libavcodec,
 * transcoded, and the Opus packets decoded back by libavcodec; damaged units
 * and configurations refused without harm. */
#include <criterion/criterion.h>
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <stdlib.h>
#include <string.h>

#include "media/transcode.h"

#define TONE_HZ 1000.0
#define PI 3.14159265358979323846
#define MAX_UNITS 512
#define MAX_PACKETS 1024

/* An AAC stream as a source delivers it: raw units, pts in samples. */
struct aac_clip {
    struct vg_track_params params;
    struct vg_frame *units[MAX_UNITS];
    size_t count;
    int64_t samples; /* of sine encoded */
};

/* The build links no libm: cos and sin of a small angle (|x| < 1) by their
 * series, exact to double precision there. */
static double series(double x, int first)
{
    double term = first ? x : 1, sum = term;
    for (int k = first + 1; k < 30; k += 2) {
        term *= -x * x / (double)(k * (k + 1));
        sum += term;
    }
    return sum;
}

static double cos_small(double x)
{
    return series(x, 0);
}

static double sin_small(double x)
{
    return series(x, 1);
}

static double absd(double x)
{
    return x < 0 ? -x : x;
}

static void silence_av_log(void)
{
    av_log_set_level(AV_LOG_QUIET);
}

TestSuite(transcode, .init = silence_av_log);

/* seconds of a 1 kHz sine at rate and channels, encoded by libavcodec's AAC
 * encoder; the units' pts start at first_pts. */
static void make_aac(struct aac_clip *c, int rate, int channels, double seconds, int64_t first_pts)
{
    memset(c, 0, sizeof(*c));
    const AVCodec *codec = avcodec_find_encoder_by_name("aac");
    cr_assert_not_null(codec);
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    cr_assert_not_null(enc);
    enc->sample_rate = rate;
    enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    enc->bit_rate = 64000 * channels;
    enc->time_base = (AVRational){1, rate};
    enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_channel_layout_default(&enc->ch_layout, channels);
    cr_assert_eq(avcodec_open2(enc, codec, NULL), 0);
    cr_assert_gt(enc->extradata_size, 0);

    c->params.codec = VG_CODEC_AAC;
    c->params.timescale = (uint32_t)rate;
    c->params.sample_rate = (unsigned)rate;
    c->params.channels = (unsigned)channels;
    cr_assert_eq(
        vg_track_params_set_config(&c->params, enc->extradata, (size_t)enc->extradata_size), 0);

    AVFrame *fr = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int64_t total = (int64_t)(seconds * rate), pos = 0;
    /* The tone as a rotating phasor, turned by step each sample. */
    double step = 2 * PI * TONE_HZ / rate, c_step = cos_small(step), s_step = sin_small(step);
    double re = 1, im = 0;
    for (;;) {
        if (pos < total) {
            fr->format = AV_SAMPLE_FMT_FLTP;
            fr->sample_rate = rate;
            fr->nb_samples = enc->frame_size;
            av_channel_layout_copy(&fr->ch_layout, &enc->ch_layout);
            cr_assert_eq(av_frame_get_buffer(fr, 0), 0);
            for (int i = 0; i < fr->nb_samples; i++) {
                for (int ch = 0; ch < channels; ch++)
                    ((float *)fr->data[ch])[i] = (float)(0.5 * im);
                double r = re * c_step - im * s_step;
                im = re * s_step + im * c_step;
                re = r;
            }
            fr->pts = pos;
            pos += fr->nb_samples;
            cr_assert_eq(avcodec_send_frame(enc, fr), 0);
            av_frame_unref(fr);
        } else {
            avcodec_send_frame(enc, NULL);
        }
        int r;
        while ((r = avcodec_receive_packet(enc, pkt)) == 0) {
            cr_assert_lt(c->count, MAX_UNITS);
            struct vg_frame *u = vg_frame_new((size_t)pkt->size);
            cr_assert_not_null(u);
            memcpy(u->data, pkt->data, (size_t)pkt->size);
            u->track = VG_TRACK_AUDIO;
            u->key = true;
            /* The encoder's priming (pts below 0) as a camera sends it. */
            u->pts = u->dts = first_pts + pkt->pts + enc->initial_padding;
            u->duration = (uint32_t)pkt->duration;
            c->units[c->count++] = u;
            av_packet_unref(pkt);
        }
        if (r == AVERROR_EOF)
            break;
        cr_assert_eq(r, AVERROR(EAGAIN));
    }
    c->samples = pos;
    av_packet_free(&pkt);
    av_frame_free(&fr);
    avcodec_free_context(&enc);
}

static void free_aac(struct aac_clip *c)
{
    for (size_t i = 0; i < c->count; i++)
        vg_frame_unref(&c->units[i]);
    free(c->params.config);
}

/* What emit collected. */
struct opus_out {
    uint8_t *data[MAX_PACKETS];
    size_t len[MAX_PACKETS];
    int64_t pts[MAX_PACKETS];
    size_t count;
};

static int collect(void *arg, const uint8_t *pkt, size_t len, int64_t pts)
{
    struct opus_out *o = arg;
    cr_assert_lt(o->count, MAX_PACKETS);
    cr_assert_gt(len, 0);
    o->data[o->count] = malloc(len);
    memcpy(o->data[o->count], pkt, len);
    o->len[o->count] = len;
    o->pts[o->count] = pts;
    o->count++;
    return 0;
}

static void free_out(struct opus_out *o)
{
    for (size_t i = 0; i < o->count; i++)
        free(o->data[i]);
    o->count = 0;
}

/* The packets decoded by libavcodec, every one checked to give 960 samples
 * at 48 kHz; returns the first channel's samples (the caller's: free()). */
static float *decode_opus(const struct opus_out *o, int channels, size_t *ret_n)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_OPUS);
    cr_assert_not_null(codec);
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    dec->sample_rate = VG_TRANSCODE_RATE;
    av_channel_layout_default(&dec->ch_layout, channels);
    dec->request_sample_fmt = AV_SAMPLE_FMT_FLTP;
    cr_assert_eq(avcodec_open2(dec, codec, NULL), 0);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    float *pcm = malloc(o->count * 960 * sizeof(float));
    size_t n = 0;
    for (size_t i = 0; i < o->count; i++) {
        /* The TOC byte's stereo flag (RFC 6716, 3.1). */
        cr_expect_eq((o->data[i][0] >> 2) & 1, channels == 2, "packet %zu", i);
        cr_assert_eq(av_new_packet(pkt, (int)o->len[i]), 0);
        memcpy(pkt->data, o->data[i], o->len[i]);
        cr_assert_eq(avcodec_send_packet(dec, pkt), 0);
        av_packet_unref(pkt);
        cr_assert_eq(avcodec_receive_frame(dec, fr), 0, "packet %zu", i);
        cr_assert_eq(fr->nb_samples, 960, "packet %zu", i);
        cr_assert_eq(fr->sample_rate, VG_TRANSCODE_RATE);
        cr_assert_eq(fr->ch_layout.nb_channels, channels);
        cr_assert(fr->format == AV_SAMPLE_FMT_FLTP || fr->format == AV_SAMPLE_FMT_FLT);
        for (int s = 0; s < fr->nb_samples; s++)
            pcm[n++] = fr->format == AV_SAMPLE_FMT_FLTP ? ((float *)fr->data[0])[s]
                                                        : ((float *)fr->data[0])[s * channels];
        av_frame_unref(fr);
    }
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    *ret_n = n;
    return pcm;
}

/* The share of x's power at hz (Goertzel over n samples; 1 for a pure tone
 * of a whole number of cycles). */
static double tone_share(const float *x, size_t n, double hz)
{
    double coeff = 2 * cos_small(2 * PI * hz / VG_TRANSCODE_RATE);
    double s1 = 0, s2 = 0, energy = 0;
    for (size_t i = 0; i < n; i++) {
        double s0 = x[i] + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
        energy += (double)x[i] * x[i];
    }
    double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if (energy <= 0)
        return 0;
    return 2 * power / ((double)n * energy);
}

static void push_all(struct vg_transcode *t, struct aac_clip *c, size_t from, size_t to,
                     struct opus_out *o)
{
    for (size_t i = from; i < to; i++)
        cr_assert_eq(vg_transcode_push(t, c->units[i], collect, o), 0, "unit %zu", i);
}

static void expect_continuous(const struct opus_out *o, size_t from, size_t to)
{
    for (size_t i = from + 1; i < to; i++)
        cr_assert_eq(o->pts[i] - o->pts[i - 1], 960, "packet %zu: %lld after %lld", i,
                     (long long)o->pts[i], (long long)o->pts[i - 1]);
}

/* The whole path for one input configuration. */
static void check_sine(int rate, int channels)
{
    struct aac_clip c;
    const int64_t first_pts = 5 * (int64_t)rate;
    make_aac(&c, rate, channels, 2.0, first_pts);
    struct vg_transcode *t = NULL;
    cr_assert_eq(vg_transcode_new(&c.params, &t), 0);
    struct vg_transcode_stats st;
    vg_transcode_get_stats(t, &st);
    cr_assert_eq(st.channels, (unsigned)channels);

    struct opus_out o = {0};
    push_all(t, &c, 0, c.count, &o);

    /* Packets out, 960 apart, anchored on the first unit's pts less the
     * encoder's lookahead. */
    cr_assert_gt(o.count, 0);
    expect_continuous(&o, 0, o.count);
    int64_t first48 = first_pts * VG_TRANSCODE_RATE / rate;
    cr_expect_eq(o.pts[0], first48 - (int64_t)st.pre_skip, "first pts %lld, input %lld",
                 (long long)o.pts[0], (long long)first48);

    /* As long as the input (its units, priming included), less what stays
     * in the FIFO and the encoder. */
    double in_ms = 1000.0 * (double)(c.count * 1024) / rate;
    double out_ms = 1000.0 * (double)(o.count * 960) / VG_TRANSCODE_RATE;
    cr_expect(absd(in_ms - out_ms) <= 40, "in %.1f ms, out %.1f ms", in_ms, out_ms);

    /* The tone came through: past the first 100 ms (priming, warm-up),
     * nearly all the power is at 1 kHz, and there is plenty of it. */
    size_t n;
    float *pcm = decode_opus(&o, channels, &n);
    size_t skip = VG_TRANSCODE_RATE / 10, len = (size_t)VG_TRANSCODE_RATE;
    cr_assert_geq(n, skip + len);
    double energy = 0;
    for (size_t i = skip; i < skip + len; i++)
        energy += (double)pcm[i] * pcm[i];
    cr_expect_gt(energy / (double)len, 0.05, "mean power %f", energy / (double)len);
    double share = tone_share(pcm + skip, len, TONE_HZ);
    cr_expect_gt(share, 0.9, "1 kHz share %f", share);
    cr_expect_lt(tone_share(pcm + skip, len, 3 * TONE_HZ), 0.05);

    vg_transcode_get_stats(t, &st);
    cr_expect_eq(st.packets, o.count);
    cr_expect_eq(st.bad_frames, 0);
    cr_expect_eq(st.resyncs, 0);
    cr_expect_eq(st.silence_samples, 0);
    cr_expect_eq(st.dropped_samples, 0);

    free(pcm);
    free_out(&o);
    t = vg_transcode_free(t);
    cr_expect_null(t);
    free_aac(&c);
}

Test(transcode, mono_48k_sine_comes_out_as_opus)
{
    check_sine(48000, 1);
}

Test(transcode, stereo_44k1_sine_comes_out_as_stereo_opus)
{
    check_sine(44100, 2);
}

Test(transcode, mono_8k_sine_is_resampled)
{
    check_sine(8000, 1);
}

Test(transcode, garbage_unit_is_refused_and_later_units_transcode)
{
    struct aac_clip c;
    make_aac(&c, 48000, 1, 1.0, 0);
    struct vg_transcode *t = NULL;
    cr_assert_eq(vg_transcode_new(&c.params, &t), 0);
    struct opus_out o = {0};
    push_all(t, &c, 0, 10, &o);
    size_t before = o.count;

    /* Element id 0 (SCE) with a section layout that overruns the unit. */
    struct vg_frame *junk = vg_frame_new(64);
    memset(junk->data, 0x0f, junk->len);
    junk->pts = c.units[10]->pts;
    cr_expect_eq(vg_transcode_push(t, junk, collect, &o), -EINVAL);
    /* Empty and oversized units never reach the decoder. */
    junk->len = 0;
    cr_expect_eq(vg_transcode_push(t, junk, collect, &o), -EINVAL);
    vg_frame_unref(&junk);
    junk = vg_frame_new(100000);
    memset(junk->data, 0, junk->len);
    cr_expect_eq(vg_transcode_push(t, junk, collect, &o), -EINVAL);
    vg_frame_unref(&junk);

    push_all(t, &c, 10, c.count, &o);
    cr_expect_gt(o.count, before + 30);
    /* The unit lost to the garbage is filled with silence: still one line. */
    expect_continuous(&o, 0, o.count);
    struct vg_transcode_stats st;
    vg_transcode_get_stats(t, &st);
    cr_expect_eq(st.bad_frames, 3);
    cr_expect_eq(st.resyncs, 0);

    free_out(&o);
    vg_transcode_free(t);
    free_aac(&c);
}

Test(transcode, lost_units_are_filled_and_a_jump_anchors_again)
{
    struct aac_clip c;
    make_aac(&c, 48000, 1, 2.0, 0);
    struct vg_transcode *t = NULL;
    cr_assert_eq(vg_transcode_new(&c.params, &t), 0);
    struct opus_out o = {0};

    /* Two units (43 ms) lost: silence keeps the packets continuous. */
    push_all(t, &c, 0, 20, &o);
    push_all(t, &c, 22, 40, &o);
    expect_continuous(&o, 0, o.count);
    struct vg_transcode_stats st;
    vg_transcode_get_stats(t, &st);
    cr_expect_eq(st.silence_samples, 2 * 1024);

    /* Ten seconds ahead: a new timeline from that unit's pts. */
    size_t before = o.count;
    int64_t jump = 10 * 48000;
    for (size_t i = 40; i < c.count; i++)
        c.units[i]->pts += jump;
    push_all(t, &c, 40, c.count, &o);
    cr_assert_gt(o.count, before + 10);
    /* The first packet after it still holds the encoder's lookahead of the
     * old timeline and keeps its time; the next is on the new one (libopus:
     * the anchor's second frame). */
    expect_continuous(&o, 0, before + 1);
    expect_continuous(&o, before + 1, o.count);
    int64_t anchor = c.units[40]->pts - (int64_t)st.pre_skip;
    cr_expect(o.pts[before + 1] >= anchor && o.pts[before + 1] <= anchor + 960,
              "pts %lld, anchor %lld", (long long)o.pts[before + 1], (long long)anchor);
    for (size_t i = before + 1; i < o.count; i++)
        cr_expect_gt(o.pts[i], o.pts[i - 1]);
    vg_transcode_get_stats(t, &st);
    cr_expect_eq(st.resyncs, 1);

    free_out(&o);
    vg_transcode_free(t);
    free_aac(&c);
}

Test(transcode, bad_configurations_are_refused)
{
    struct vg_track_params p = {
        .codec = VG_CODEC_AAC, .timescale = 48000, .sample_rate = 48000, .channels = 1};
    struct vg_transcode *t = NULL;

    /* No AudioSpecificConfig at all. */
    cr_expect_eq(vg_transcode_new(&p, &t), -EINVAL);

    /* Object type 0 (null), and the reserved sampling frequency index 13. */
    static const uint8_t null_object[] = {0x00, 0x08};
    static const uint8_t reserved_rate[] = {0x16, 0x88};
    p.config = (uint8_t *)null_object;
    p.config_len = sizeof(null_object);
    cr_expect_eq(vg_transcode_new(&p, &t), -EINVAL);
    p.config = (uint8_t *)reserved_rate;
    p.config_len = sizeof(reserved_rate);
    cr_expect_eq(vg_transcode_new(&p, &t), -EINVAL);

    /* No timescale to read the pts in. */
    static const uint8_t lc_48k_mono[] = {0x11, 0x88};
    p.config = (uint8_t *)lc_48k_mono;
    p.config_len = sizeof(lc_48k_mono);
    p.timescale = p.sample_rate = 0;
    cr_expect_eq(vg_transcode_new(&p, &t), -EINVAL);
    p.timescale = p.sample_rate = 48000;

    /* Not AAC. */
    p.codec = VG_CODEC_PCMA;
    cr_expect_eq(vg_transcode_new(&p, &t), -ENOTSUP);
    cr_expect_null(t);

    /* The same config as AAC is fine. */
    p.codec = VG_CODEC_AAC;
    cr_assert_eq(vg_transcode_new(&p, &t), 0);
    t = vg_transcode_free(t);
    cr_expect_null(vg_transcode_free(NULL));
}

static int refuse(void *arg, const uint8_t *pkt, size_t len, int64_t pts)
{
    (void)pkt;
    (void)len;
    (void)pts;
    (*(int *)arg)++;
    return -EPIPE;
}

Test(transcode, an_emit_error_stops_the_push_and_is_returned)
{
    struct aac_clip c;
    make_aac(&c, 48000, 1, 0.5, 0);
    struct vg_transcode *t = NULL;
    cr_assert_eq(vg_transcode_new(&c.params, &t), 0);
    int calls = 0, r = 0;
    size_t i;
    for (i = 0; i < c.count && r == 0; i++)
        r = vg_transcode_push(t, c.units[i], refuse, &calls);
    cr_expect_eq(r, -EPIPE);
    cr_expect_eq(calls, 1);
    /* Still usable. */
    struct opus_out o = {0};
    push_all(t, &c, i, c.count, &o);
    cr_expect_gt(o.count, 0);
    free_out(&o);
    vg_transcode_free(t);
    free_aac(&c);
}
