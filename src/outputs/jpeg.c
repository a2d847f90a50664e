#include "outputs/jpeg.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>

/* A hostile or broken stream must not make the decoder allocate without
 * bound: 8K is the most any camera sends. */
#define DECODER_MAX_PIXELS (8192 * 4320)

struct vg_jpeg_decoder {
    AVCodecContext *ctx;
    AVPacket *pkt;
    AVFrame *tmp;
};

struct vg_jpeg_encoder {
    int qscale;
    AVCodecContext *ctx; /* opened for width x height */
    unsigned width, height;
    struct SwsContext *sws;
    AVFrame *scaled; /* the scaler's output, width x height */
    AVPacket *pkt;
};

struct vg_jpeg *vg_jpeg_ref(struct vg_jpeg *j)
{
    atomic_fetch_add(&j->refs, 1);
    return j;
}

void vg_jpeg_unref(struct vg_jpeg **j)
{
    if (!*j)
        return;
    if (atomic_fetch_sub(&(*j)->refs, 1) == 1)
        free(*j);
    *j = NULL;
}

int vg_jpeg_scaled_size(unsigned src_w, unsigned src_h, unsigned width, unsigned *ret_w,
                        unsigned *ret_h)
{
    if (!src_w || !src_h)
        return -EINVAL;
    uint64_t w = src_w, h = src_h;
    if (width && width != src_w) {
        /* The nearest even height: 4:2:0 chroma then covers whole rows. */
        w = width;
        h = 2 * (((uint64_t)width * src_h + src_w) / (2 * (uint64_t)src_w));
        if (h < 2)
            h = 2;
    }
    if (h > VG_JPEG_HEIGHT_MAX)
        return -ERANGE;
    *ret_w = (unsigned)w;
    *ret_h = (unsigned)h;
    return 0;
}

/* --- decoding ------------------------------------------------------------- */

int vg_jpeg_decoder_new(const struct vg_track_params *t, struct vg_jpeg_decoder **ret_decoder)
{
    enum AVCodecID id;
    if (t->codec == VG_CODEC_H264)
        id = AV_CODEC_ID_H264;
    else if (t->codec == VG_CODEC_H265)
        id = AV_CODEC_ID_HEVC;
    else
        return -ENOTSUP;
    const AVCodec *codec = avcodec_find_decoder(id);
    if (!codec)
        return -ENOTSUP;

    int r = -ENOMEM;
    struct vg_jpeg_decoder *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->ctx = avcodec_alloc_context3(codec);
    d->pkt = av_packet_alloc();
    d->tmp = av_frame_alloc();
    if (!d->ctx || !d->pkt || !d->tmp)
        goto out;
    if (t->config_len) {
        d->ctx->extradata = av_mallocz(t->config_len + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!d->ctx->extradata)
            goto out;
        memcpy(d->ctx->extradata, t->config, t->config_len);
        d->ctx->extradata_size = (int)t->config_len;
    }
    /* The worker pool is the parallelism; frame threads would only add
     * pictures of delay and threads per stream. */
    d->ctx->thread_count = 1;
    d->ctx->max_pixels = DECODER_MAX_PIXELS;
    if (avcodec_open2(d->ctx, codec, NULL) < 0) {
        r = -EINVAL;
        goto out;
    }
    *ret_decoder = d;
    return 0;
out:
    vg_jpeg_decoder_free(d);
    return r;
}

struct vg_jpeg_decoder *vg_jpeg_decoder_free(struct vg_jpeg_decoder *d)
{
    if (!d)
        return NULL;
    avcodec_free_context(&d->ctx);
    av_packet_free(&d->pkt);
    av_frame_free(&d->tmp);
    free(d);
    return NULL;
}

void vg_jpeg_decoder_reset(struct vg_jpeg_decoder *d)
{
    avcodec_flush_buffers(d->ctx);
}

/* Moves every picture the decoder has ready into *newest, keeping the last.
 * Returns 0, or a negative AVERROR other than EAGAIN/EOF. */
static int receive_all(struct vg_jpeg_decoder *d, AVFrame **newest)
{
    for (;;) {
        int r = avcodec_receive_frame(d->ctx, d->tmp);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return r;
        bool damaged = (d->tmp->flags & AV_FRAME_FLAG_CORRUPT) || d->tmp->decode_error_flags;
        if (damaged) {
            av_frame_unref(d->tmp);
            continue;
        }
        if (!*newest) {
            *newest = av_frame_alloc();
            if (!*newest) {
                av_frame_unref(d->tmp);
                return AVERROR(ENOMEM);
            }
        }
        av_frame_unref(*newest);
        av_frame_move_ref(*newest, d->tmp);
    }
}

/* Hands one unit to the decoder. Returns 0 or an AVERROR. */
static int send_unit(struct vg_jpeg_decoder *d, const uint8_t *data, size_t len, int64_t pts)
{
    /* The decoder reads past the end in bulk: the packet gives the padding a
     * frame's buffer does not have. */
    int r = av_new_packet(d->pkt, (int)len);
    if (r < 0)
        return r;
    memcpy(d->pkt->data, data, len);
    d->pkt->pts = pts;
    d->pkt->dts = AV_NOPTS_VALUE;
    r = avcodec_send_packet(d->ctx, d->pkt);
    av_packet_unref(d->pkt);
    return r;
}

int vg_jpeg_decode(struct vg_jpeg_decoder *d, const uint8_t *data, size_t len, int64_t pts,
                   bool drain, struct AVFrame **ret_picture)
{
    AVFrame *newest = NULL;
    if (len > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return -EINVAL;
    int r = send_unit(d, data, len, pts);
    if (r == AVERROR(EAGAIN)) {
        /* Pictures were left in the decoder: take them and send again. */
        r = receive_all(d, &newest);
        if (r == 0)
            r = send_unit(d, data, len, pts);
    }
    if (r == 0)
        r = receive_all(d, &newest);
    if (r == 0 && drain) {
        r = avcodec_send_packet(d->ctx, NULL);
        if (r == 0)
            r = receive_all(d, &newest);
    }
    if (drain)
        avcodec_flush_buffers(d->ctx);
    if (r < 0) {
        av_frame_free(&newest);
        return r == AVERROR(ENOMEM) ? -ENOMEM : -EINVAL;
    }
    if (!newest)
        return 0;
    *ret_picture = newest;
    return 1;
}

/* --- encoding ------------------------------------------------------------- */

int vg_jpeg_encoder_new(int qscale, struct vg_jpeg_encoder **ret_encoder)
{
    struct vg_jpeg_encoder *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->qscale = qscale < 2 ? 2 : qscale > 31 ? 31 : qscale;
    e->pkt = av_packet_alloc();
    if (!e->pkt) {
        free(e);
        return -ENOMEM;
    }
    *ret_encoder = e;
    return 0;
}

struct vg_jpeg_encoder *vg_jpeg_encoder_free(struct vg_jpeg_encoder *e)
{
    if (!e)
        return NULL;
    avcodec_free_context(&e->ctx);
    sws_freeContext(e->sws);
    av_frame_free(&e->scaled);
    av_packet_free(&e->pkt);
    free(e);
    return NULL;
}

/* (Re)opens the codec context for a new output size. */
static int open_codec(struct vg_jpeg_encoder *e, unsigned w, unsigned h)
{
    if (e->ctx && e->width == w && e->height == h)
        return 0;
    avcodec_free_context(&e->ctx);
    av_frame_free(&e->scaled);
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!codec)
        return -ENOTSUP;
    e->ctx = avcodec_alloc_context3(codec);
    e->scaled = av_frame_alloc();
    if (!e->ctx || !e->scaled)
        return -ENOMEM;
    e->ctx->width = (int)w;
    e->ctx->height = (int)h;
    /* Full-range 4:2:0, as JFIF means; plain yuv420p flagged full range is
     * what the deprecated yuvj420p stands for. */
    e->ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    e->ctx->color_range = AVCOL_RANGE_JPEG;
    e->ctx->time_base = (AVRational){1, VG_VIDEO_TIMESCALE};
    e->ctx->flags |= AV_CODEC_FLAG_QSCALE;
    e->ctx->global_quality = e->qscale * FF_QP2LAMBDA;
    e->ctx->thread_count = 1;
    if (avcodec_open2(e->ctx, codec, NULL) < 0) {
        avcodec_free_context(&e->ctx);
        return -EIO;
    }
    e->scaled->format = AV_PIX_FMT_YUV420P;
    e->scaled->width = (int)w;
    e->scaled->height = (int)h;
    e->scaled->color_range = AVCOL_RANGE_JPEG;
    if (av_frame_get_buffer(e->scaled, 0) < 0) {
        avcodec_free_context(&e->ctx);
        return -ENOMEM;
    }
    e->width = w;
    e->height = h;
    return 0;
}

static bool full_range(const AVFrame *f)
{
    return f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P;
}

/* Converts picture into e->scaled (size and full range). */
static int scale(struct vg_jpeg_encoder *e, const AVFrame *picture)
{
    enum AVPixelFormat src = picture->format;
    /* libswscale knows the range from the deprecated yuvj formats too; set
     * it explicitly below and hand it the plain ones. */
    if (src == AV_PIX_FMT_YUVJ420P)
        src = AV_PIX_FMT_YUV420P;
    else if (src == AV_PIX_FMT_YUVJ422P)
        src = AV_PIX_FMT_YUV422P;
    else if (src == AV_PIX_FMT_YUVJ444P)
        src = AV_PIX_FMT_YUV444P;
    e->sws =
        sws_getCachedContext(e->sws, picture->width, picture->height, src, (int)e->width,
                             (int)e->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
    if (!e->sws)
        return -EINVAL;
    const int *coefs = sws_getCoefficients(SWS_CS_DEFAULT);
    sws_setColorspaceDetails(e->sws, coefs, full_range(picture), coefs, 1, 0, 1 << 16, 1 << 16);
    int r = av_frame_make_writable(e->scaled);
    if (r < 0)
        return -ENOMEM;
    int h = sws_scale(e->sws, (const uint8_t *const *)picture->data, picture->linesize, 0,
                      picture->height, e->scaled->data, e->scaled->linesize);
    return h > 0 ? 0 : -EINVAL;
}

int vg_jpeg_encode(struct vg_jpeg_encoder *e, const struct AVFrame *picture, unsigned width,
                   struct vg_jpeg **ret_jpeg)
{
    unsigned w, h;
    int r = vg_jpeg_scaled_size((unsigned)picture->width, (unsigned)picture->height, width, &w, &h);
    if (r < 0)
        return r;
    r = open_codec(e, w, h);
    if (r < 0)
        return r;

    AVFrame *in = NULL;
    bool as_is = (unsigned)picture->width == w && (unsigned)picture->height == h &&
                 (picture->format == AV_PIX_FMT_YUVJ420P ||
                  (picture->format == AV_PIX_FMT_YUV420P && full_range(picture)));
    if (as_is) {
        in = av_frame_clone(picture); /* a reference, so quality can be set */
        if (!in)
            return -ENOMEM;
        in->format = AV_PIX_FMT_YUV420P;
        in->color_range = AVCOL_RANGE_JPEG;
    } else {
        r = scale(e, picture);
        if (r < 0)
            return r;
        in = e->scaled;
    }
    in->pts = picture->pts;
    in->quality = e->ctx->global_quality;
    in->pict_type = AV_PICTURE_TYPE_I;

    r = avcodec_send_frame(e->ctx, in);
    if (r == 0)
        r = avcodec_receive_packet(e->ctx, e->pkt);
    if (in != e->scaled)
        av_frame_free(&in);
    if (r < 0)
        return r == AVERROR(ENOMEM) ? -ENOMEM : -EIO;

    struct vg_jpeg *j = malloc(sizeof(*j) + (size_t)e->pkt->size);
    if (!j) {
        av_packet_unref(e->pkt);
        return -ENOMEM;
    }
    atomic_init(&j->refs, 1);
    j->width = w;
    j->height = h;
    j->pts = picture->pts;
    j->len = (size_t)e->pkt->size;
    memcpy(j->data, e->pkt->data, j->len);
    av_packet_unref(e->pkt);
    *ret_jpeg = j;
    return 0;
}

int vg_jpeg_from_keyframe(const struct vg_track_params *t, const uint8_t *data, size_t len,
                          int64_t pts, unsigned width, struct vg_jpeg **ret_jpeg)
{
    struct vg_jpeg_decoder *d = NULL;
    struct vg_jpeg_encoder *e = NULL;
    AVFrame *picture = NULL;
    int r = vg_jpeg_decoder_new(t, &d);
    if (r < 0)
        goto out;
    r = vg_jpeg_decode(d, data, len, pts, true, &picture);
    if (r == 0)
        r = -EINVAL; /* a keyframe alone must give a picture */
    if (r < 0)
        goto out;
    r = vg_jpeg_encoder_new(VG_JPEG_QSCALE, &e);
    if (r < 0)
        goto out;
    r = vg_jpeg_encode(e, picture, width, ret_jpeg);
out:
    av_frame_free(&picture);
    vg_jpeg_encoder_free(e);
    vg_jpeg_decoder_free(d);
    return r;
}
