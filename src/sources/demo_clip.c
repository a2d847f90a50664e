#include "sources/demo_clip.h"

#include <errno.h>
#include <fcntl.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/h264_pcm.h"

/* Rows 0-1 of macroblocks: row 0 carries the time slice, row 1 keeps motion
 * search and intra prediction of the picture away from it. */
#define BAND_HEIGHT 32
#define BAND_LUMA VG_TIME_BARCODE_ZERO
#define NOISE 2

/* ---- Drawing ----------------------------------------------------------- */

const struct vg_demo_clip_size vg_demo_clip_main = {
    .width = VG_DEMO_CLIP_WIDTH,
    .height = VG_DEMO_CLIP_HEIGHT,
    .bitrate = VG_DEMO_CLIP_BITRATE,
    .file = VG_DEMO_CLIP_FILE,
    .prebuilt = VG_DEMO_CLIP_PREBUILT_FILE,
};

const struct vg_demo_clip_size vg_demo_clip_sub = {
    .width = VG_DEMO_CLIP_SUB_WIDTH,
    .height = VG_DEMO_CLIP_SUB_HEIGHT,
    .bitrate = VG_DEMO_CLIP_SUB_BITRATE,
    .file = VG_DEMO_CLIP_SUB_FILE,
    .prebuilt = VG_DEMO_CLIP_SUB_PREBUILT_FILE,
};

struct planes {
    uint8_t *p[3];
    size_t stride[3];
    int w, h;
};

/* The layout is drawn for 1280x720: a horizontal or vertical length of it at
 * the picture's size (the identity at 1280x720). */
static int sx(const struct planes *pl, int v)
{
    return v * pl->w / 1280;
}

static int sy(const struct planes *pl, int v)
{
    return v * pl->h / 720;
}

/* A length made even, for what must line up with chroma. */
static int even(int v)
{
    return v & ~1;
}

/* Fills a rectangle clipped to the picture; x, y, w, h even so chroma lines up. */
static void fill(const struct planes *pl, int x, int y, int w, int h, uint8_t ly, uint8_t lu,
                 uint8_t lv)
{
    int x1 = x + w, y1 = y + h;
    x = x < 0 ? 0 : x;
    y = y < 0 ? 0 : y;
    x1 = x1 > pl->w ? pl->w : x1;
    y1 = y1 > pl->h ? pl->h : y1;
    if (x >= x1 || y >= y1)
        return;
    for (int j = y; j < y1; j++)
        memset(pl->p[0] + (size_t)j * pl->stride[0] + x, ly, (size_t)(x1 - x));
    for (int j = y / 2; j < y1 / 2; j++) {
        memset(pl->p[1] + (size_t)j * pl->stride[1] + x / 2, lu, (size_t)(x1 / 2 - x / 2));
        memset(pl->p[2] + (size_t)j * pl->stride[2] + x / 2, lv, (size_t)(x1 / 2 - x / 2));
    }
}

/* A 5x7 font for what the clip says; bit 4 is the leftmost column. */
static const struct glyph {
    char c;
    uint8_t rows[7];
} font[] = {
    {'0', {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}},
    {'1', {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'2', {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}},
    {'3', {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}},
    {'4', {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}},
    {'5', {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}},
    {'6', {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}},
    {'7', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}},
    {'9', {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}},
    {'A', {0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11}},
    {'D', {0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c}},
    {'E', {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f}},
    {'F', {0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10}},
    {'G', {0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f}},
    {'I', {0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f}},
    {'M', {0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'O', {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e}},
    {'R', {0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04}},
};

static const struct glyph *find_glyph(char c)
{
    for (size_t i = 0; i < sizeof(font) / sizeof(font[0]); i++) {
        if (font[i].c == c)
            return &font[i];
    }
    return NULL; /* a space */
}

/* Text at (x, y), each font pixel a scale x scale square (scale even). */
static void text(const struct planes *pl, int x, int y, int scale, const char *s)
{
    for (; *s; s++, x += 6 * scale) {
        const struct glyph *g = find_glyph(*s);
        for (int row = 0; g && row < 7; row++) {
            for (int col = 0; col < 5; col++) {
                if (g->rows[row] & (0x10 >> col))
                    fill(pl, x + col * scale, y + row * scale, scale, scale, 235, 128, 128);
            }
        }
    }
}

/* 0 -> 0, period/2 -> range, period -> 0: a bounce that loops with the clip. */
static int triangle(unsigned i, unsigned period, int range)
{
    unsigned t = i % period, half = period / 2;
    return (int)((long)range * (long)(t < half ? t : period - t) / (long)half);
}

void vg_demo_clip_draw(const struct vg_demo_clip_size *size, unsigned index, uint8_t *y,
                       size_t y_stride, uint8_t *u, size_t u_stride, uint8_t *v, size_t v_stride)
{
    const int W = (int)size->width, H = (int)size->height;
    const struct planes pl = {{y, u, v}, {y_stride, u_stride, v_stride}, W, H};
    index %= VG_DEMO_CLIP_FRAMES;
    /* Background: a still gradient under the dark band (which is two
     * macroblock rows at every size). */
    for (int j = 0; j < H; j++) {
        uint8_t *row = y + (size_t)j * y_stride;
        for (int i = 0; i < W; i++)
            row[i] = (uint8_t)(j < BAND_HEIGHT
                                   ? BAND_LUMA
                                   : 60 + i * 100 / W + (j - BAND_HEIGHT) * 60 / (H - BAND_HEIGHT));
    }
    /* Chroma: centred across, and vertically on what is below the band. */
    const int cu = W / 4, cv_half = (H / 2 - BAND_HEIGHT / 2) / 2, cv = BAND_HEIGHT / 2 + cv_half;
    for (int j = 0; j < H / 2; j++) {
        uint8_t *ru = u + (size_t)j * u_stride, *rv = v + (size_t)j * v_stride;
        for (int i = 0; i < W / 2; i++) {
            bool band = j < BAND_HEIGHT / 2;
            ru[i] = (uint8_t)(band ? 128 : 128 + (i - cu) * 48 / cu);
            rv[i] = (uint8_t)(band ? 128 : 128 + (j - cv) * 40 / cv_half);
        }
    }
    /* A bar sweeping left to right once per loop, and a box bouncing in 2D:
     * motion for the encoder and for the eye, all far below the band. */
    const int bar_w = even(sx(&pl, 64)), box = even(sx(&pl, 144)), margin = sx(&pl, 96);
    int bar_x = (int)index * (W + bar_w) / VG_DEMO_CLIP_FRAMES - bar_w;
    fill(&pl, bar_x & ~1, even(sy(&pl, 224)), bar_w, even(sy(&pl, 448)), 210, 16, 146);
    int box_x = margin + triangle(index, VG_DEMO_CLIP_FRAMES, W - margin * 2 - box);
    int box_y = sy(&pl, 240) + triangle(index, VG_DEMO_CLIP_FRAMES / 2, sy(&pl, 300));
    fill(&pl, box_x & ~1, box_y & ~1, box, box, 82, 90, 240);
    /* Faint sensor-like noise, new in every picture, so the clip costs
     * about what a camera's stream does. */
    uint32_t seed = 0x9e3779b9u * (index + 1);
    for (int j = BAND_HEIGHT; j < H; j++) {
        uint8_t *row = y + (size_t)j * y_stride;
        for (int i = 0; i < W; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            int val = row[i] + (int)(seed % (2 * NOISE + 1)) - NOISE;
            row[i] = (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : val);
        }
    }
    int title = even(sx(&pl, 10)), small = even(sx(&pl, 6));
    title = title < 2 ? 2 : title;
    small = small < 2 ? 2 : small;
    text(&pl, (W - (10 * 6 - 1) * title) / 2, even(sy(&pl, 80)), title, "VIGIL DEMO");
    char label[16];
    snprintf(label, sizeof(label), "FRAME %03u", index);
    text(&pl, even(sx(&pl, 48)), H - even(sy(&pl, 96)), small, label);
}

/* ---- Encoding ---------------------------------------------------------- */

/* A growing Annex B buffer. */
struct out {
    uint8_t *buf;
    size_t len, cap;
    int err;
};

static void append_nal(struct out *o, const uint8_t *nal, size_t len)
{
    if (o->err)
        return;
    if (len > VG_DEMO_CLIP_MAX_BYTES || o->len + 4 + len > VG_DEMO_CLIP_MAX_BYTES) {
        o->err = -EFBIG;
        return;
    }
    if (o->len + 4 + len > o->cap) {
        size_t cap = o->cap ? o->cap : 1 << 20;
        while (cap < o->len + 4 + len)
            cap *= 2;
        uint8_t *p = realloc(o->buf, cap);
        if (!p) {
            o->err = -ENOMEM;
            return;
        }
        o->buf = p;
        o->cap = cap;
    }
    static const uint8_t start[4] = {0, 0, 0, 1};
    memcpy(o->buf + o->len, start, 4);
    memcpy(o->buf + o->len + 4, nal, len);
    o->len += 4 + len;
}

/* What the encoder session needs. */
struct encoder {
    AVCodecContext *ctx;
    AVFrame *frame;
    AVPacket *pkt;
    struct vg_h264_sps sps;
    struct vg_h264_pps pps;
    struct out out;
};

static int av_to_errno(int r)
{
    return r == AVERROR(ENOMEM) ? -ENOMEM : -EIO;
}

static int open_encoder(struct encoder *e, const struct vg_demo_clip_size *size)
{
    if (size->width % 16 || size->width < 64 || size->height % 2 || size->height < 64)
        return -EINVAL;
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec)
        return -ENOTSUP;
    e->ctx = avcodec_alloc_context3(codec);
    e->frame = av_frame_alloc();
    e->pkt = av_packet_alloc();
    if (!e->ctx || !e->frame || !e->pkt)
        return -ENOMEM;
    AVCodecContext *c = e->ctx;
    c->width = (int)size->width;
    c->height = (int)size->height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = (AVRational){1, VG_DEMO_CLIP_FPS};
    c->framerate = (AVRational){VG_DEMO_CLIP_FPS, 1};
    c->gop_size = VG_DEMO_CLIP_GOP;
    c->keyint_min = VG_DEMO_CLIP_GOP;
    c->max_b_frames = 0;
    c->bit_rate = size->bitrate;
    /* The wrapper prints x264's settings at info level: one step quieter. */
    c->log_level_offset = AV_LOG_VERBOSE - AV_LOG_INFO;
    /* SPS and PPS once, in the extradata. */
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(c->priv_data, "preset", "veryfast", 0);
    av_opt_set(c->priv_data, "profile", "baseline", 0);
    /* One slice per macroblock row (1280 / 16 = 80) and no deblocking, so
     * row 0 can be swapped; vertical vectors within 8 pixels, so rows 2+
     * never read row 0 of a reference (32 - 8 - 3 interpolation taps > 16);
     * a fixed GOP, one reference; log=-1 keeps x264 off our stderr. A height
     * that is not a multiple of 16 is coded larger and cropped at the bottom,
     * far from row 0. */
    char params[256];
    snprintf(params, sizeof(params),
             "slice-max-mbs=%u:no-deblock=1:repeat-headers=0:annexb=1:ref=1:bframes=0:"
             "scenecut=0:keyint=%d:min-keyint=%d:mvrange=8:log=-1",
             size->width / 16, VG_DEMO_CLIP_GOP, VG_DEMO_CLIP_GOP);
    av_opt_set(c->priv_data, "x264-params", params, 0);
    int r = avcodec_open2(c, codec, NULL);
    if (r < 0)
        return av_to_errno(r);
    e->frame->format = c->pix_fmt;
    e->frame->width = c->width;
    e->frame->height = c->height;
    r = av_frame_get_buffer(e->frame, 0);
    if (r < 0)
        return av_to_errno(r);

    /* The parameter sets, checked here so a bad encoder fails early. */
    const uint8_t *x = c->extradata;
    size_t xlen = (size_t)c->extradata_size, cur = 0, start, n;
    bool have_sps = false, have_pps = false;
    while (x && vg_nal_annexb_next(x, xlen, &cur, &start, &n) == 1) {
        int t = vg_h264_nal_type(x + start, n);
        if (t == VG_H264_NAL_SPS && !have_sps) {
            r = vg_h264_sps_parse(x + start, n, &e->sps);
            have_sps = r == 0;
            append_nal(&e->out, x + start, n);
        } else if (t == VG_H264_NAL_PPS && have_sps && !have_pps) {
            r = vg_h264_pps_parse(x + start, n, &e->sps, &e->pps);
            have_pps = r == 0;
            append_nal(&e->out, x + start, n);
        }
    }
    if (!have_sps || !have_pps)
        return -EIO;
    return e->out.err;
}

/* Appends the slices of one packet. */
static int take_packet(struct encoder *e, const AVPacket *pkt)
{
    size_t cur = 0, start, n;
    while (vg_nal_annexb_next(pkt->data, (size_t)pkt->size, &cur, &start, &n) == 1) {
        int t = vg_h264_nal_type(pkt->data + start, n);
        if (t == VG_H264_NAL_SLICE || t == VG_H264_NAL_IDR)
            append_nal(&e->out, pkt->data + start, n); /* not x264's version SEI */
    }
    return e->out.err;
}

static int drain(struct encoder *e)
{
    for (;;) {
        int r = avcodec_receive_packet(e->ctx, e->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return av_to_errno(r);
        r = take_packet(e, e->pkt);
        av_packet_unref(e->pkt);
        if (r < 0)
            return r;
    }
}

int vg_demo_clip_encode(const struct vg_demo_clip_size *size, const atomic_bool *cancel,
                        uint8_t **ret_buf, size_t *ret_len)
{
    struct encoder e = {0};
    int r = open_encoder(&e, size);
    for (unsigned i = 0; r == 0 && i < VG_DEMO_CLIP_FRAMES; i++) {
        if (cancel && atomic_load(cancel)) {
            r = -ECANCELED;
            break;
        }
        r = av_frame_make_writable(e.frame);
        if (r < 0) {
            r = av_to_errno(r);
            break;
        }
        vg_demo_clip_draw(size, i, e.frame->data[0], (size_t)e.frame->linesize[0], e.frame->data[1],
                          (size_t)e.frame->linesize[1], e.frame->data[2],
                          (size_t)e.frame->linesize[2]);
        e.frame->pts = i;
        r = avcodec_send_frame(e.ctx, e.frame);
        r = r < 0 ? av_to_errno(r) : drain(&e);
    }
    if (r == 0) {
        r = avcodec_send_frame(e.ctx, NULL);
        r = r < 0 ? av_to_errno(r) : drain(&e);
    }
    avcodec_free_context(&e.ctx);
    av_frame_free(&e.frame);
    av_packet_free(&e.pkt);
    if (r == 0 && e.out.err)
        r = e.out.err;
    if (r < 0) {
        free(e.out.buf);
        return r;
    }
    *ret_buf = e.out.buf;
    *ret_len = e.out.len;
    return 0;
}

/* ---- Parsing ----------------------------------------------------------- */

struct vg_demo_clip *vg_demo_clip_ref(struct vg_demo_clip *clip)
{
    atomic_fetch_add_explicit(&clip->refs, 1, memory_order_relaxed);
    return clip;
}

void vg_demo_clip_unref(struct vg_demo_clip **clip)
{
    if (!*clip)
        return;
    if (atomic_fetch_sub_explicit(&(*clip)->refs, 1, memory_order_acq_rel) == 1) {
        free((*clip)->frames);
        free((*clip)->bytes);
        free(*clip);
    }
    *clip = NULL;
}

/* State while a clip is put together. */
struct builder {
    struct vg_demo_clip *clip;
    size_t used, cap; /* of clip->bytes */
    size_t frames_cap;
    unsigned slices;   /* of the current frame */
    unsigned last_mb;  /* first_mb_in_slice of its last slice */
    unsigned nal_type; /* of its slices */
};

static uint8_t *take(struct builder *b, size_t n)
{
    uint8_t *p = b->clip->bytes + b->used;
    b->used += n;
    return p;
}

/* A frame is complete when row 0 is a slice of its own. */
static int check_frame(const struct builder *b)
{
    return b->clip->nframes == 0 || b->slices >= 2 ? 0 : -EINVAL;
}

static int add_slice(struct builder *b, const uint8_t *nal, size_t len)
{
    struct vg_demo_clip *c = b->clip;
    struct vg_h264_slice sh;
    int r = vg_h264_slice_parse(nal, len, &c->sps_info, &c->pps_info, &sh);
    if (r < 0)
        return r;
    if (sh.first_mb_in_slice == 0) {
        r = check_frame(b);
        if (r < 0)
            return r;
        if (c->nframes == VG_DEMO_CLIP_MAX_FRAMES)
            return -EFBIG;
        if (c->nframes == b->frames_cap) {
            size_t cap = b->frames_cap ? 2 * b->frames_cap : 256;
            struct vg_demo_clip_frame *f = realloc(c->frames, cap * sizeof(*f));
            if (!f)
                return -ENOMEM;
            c->frames = f;
            b->frames_cap = cap;
        }
        struct vg_demo_clip_frame *f = &c->frames[c->nframes++];
        f->key = sh.idr;
        f->row0.base = memcpy(take(b, len), nal, len);
        f->row0.len = len;
        f->rest.base = c->bytes + b->used;
        f->rest.len = 0;
        b->slices = 1;
        b->last_mb = 0;
        b->nal_type = sh.nal_unit_type;
        return 0;
    }
    if (c->nframes == 0 || sh.nal_unit_type != b->nal_type || sh.first_mb_in_slice <= b->last_mb)
        return -EINVAL;
    /* Row 0 must be exactly one slice: the next one starts row 1. */
    if (b->slices == 1 && sh.first_mb_in_slice != c->sps_info.mb_width)
        return -EINVAL;
    struct vg_demo_clip_frame *f = &c->frames[c->nframes - 1];
    uint8_t *p = take(b, 4 + len);
    p[0] = (uint8_t)(len >> 24);
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    memcpy(p + 4, nal, len);
    f->rest.len += 4 + len;
    b->slices++;
    b->last_mb = sh.first_mb_in_slice;
    return 0;
}

static int add_nal(struct builder *b, const uint8_t *nal, size_t len)
{
    struct vg_demo_clip *c = b->clip;
    int t = vg_h264_nal_type(nal, len);
    int r;
    switch (t) {
    case VG_H264_NAL_SPS:
        if (c->sps.base)
            return -EINVAL; /* one of each, before the slices */
        r = vg_h264_sps_parse(nal, len, &c->sps_info);
        if (r < 0)
            return r;
        c->sps.base = memcpy(take(b, len), nal, len);
        c->sps.len = len;
        return 0;
    case VG_H264_NAL_PPS:
        if (!c->sps.base || c->pps.base)
            return -EINVAL;
        r = vg_h264_pps_parse(nal, len, &c->sps_info, &c->pps_info);
        if (r < 0)
            return r;
        c->pps.base = memcpy(take(b, len), nal, len);
        c->pps.len = len;
        return 0;
    case VG_H264_NAL_SLICE:
    case VG_H264_NAL_IDR:
        if (!c->pps.base)
            return -EINVAL;
        return add_slice(b, nal, len);
    default:
        return 0; /* SEI, AUD: not needed */
    }
}

int vg_demo_clip_parse(const uint8_t *buf, size_t len, struct vg_demo_clip **ret_clip)
{
    if (!buf || len > VG_DEMO_CLIP_MAX_BYTES)
        return -EINVAL;
    /* Every NAL unit is stored at most once, with at most 4 bytes more than
     * its start code took (3-byte start codes). */
    size_t units = 0, cur = 0, start, n;
    while (vg_nal_annexb_next(buf, len, &cur, &start, &n) == 1)
        units++;
    struct builder b = {.cap = len + units + 16};
    b.clip = calloc(1, sizeof(*b.clip));
    int r = -ENOMEM;
    if (!b.clip)
        goto out;
    atomic_init(&b.clip->refs, 1);
    b.clip->bytes = malloc(b.cap);
    if (!b.clip->bytes)
        goto out;
    cur = 0;
    r = 0;
    while (r == 0 && vg_nal_annexb_next(buf, len, &cur, &start, &n) == 1)
        r = add_nal(&b, buf + start, n);
    if (r == 0)
        r = check_frame(&b);
    if (r == 0 && (b.clip->nframes == 0 || !b.clip->frames[0].key))
        r = -EINVAL; /* the loop must start on an IDR */
    /* Every frame must take a time slice, so the sources never meet one
     * that does not. */
    uint8_t slice[VG_H264_TIME_SLICE_MAX];
    for (unsigned i = 0; r == 0 && i < b.clip->nframes; i++) {
        const struct vg_demo_clip_frame *f = &b.clip->frames[i];
        r = vg_h264_pcm_time_slice(&b.clip->sps_info, &b.clip->pps_info, f->row0.base, f->row0.len,
                                   0, slice, sizeof(slice), &n);
    }
out:
    if (r < 0) {
        vg_demo_clip_unref(&b.clip);
        return r;
    }
    *ret_clip = b.clip;
    return 0;
}

/* ---- Files ------------------------------------------------------------- */

int vg_demo_clip_load(const char *path, struct vg_demo_clip **ret_clip)
{
    uint8_t *buf = NULL;
    int r = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
        r = -EINVAL;
        goto out;
    }
    if ((uint64_t)st.st_size > VG_DEMO_CLIP_MAX_BYTES) {
        r = -EFBIG;
        goto out;
    }
    size_t len = (size_t)st.st_size, got = 0;
    buf = malloc(len);
    if (!buf) {
        r = -ENOMEM;
        goto out;
    }
    while (got < len) {
        ssize_t k = read(fd, buf + got, len - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            r = k < 0 ? -errno : -EIO;
            goto out;
        }
        got += (size_t)k;
    }
    r = vg_demo_clip_parse(buf, len, ret_clip);
out:
    free(buf);
    close(fd);
    return r;
}

static int fsync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n == 0) {
        dir[0] = slash ? '/' : '.';
        n = 1;
    } else if (n >= sizeof(dir)) {
        return -ENAMETOOLONG;
    } else {
        memcpy(dir, path, n);
    }
    dir[n] = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return r;
}

/* mkdir -p of the directory holding path. */
static int make_parent(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    size_t n = (size_t)(slash - path);
    if (n >= sizeof(dir))
        return -ENAMETOOLONG;
    memcpy(dir, path, n);
    dir[n] = 0;
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != 0)
            continue;
        char c = *p;
        *p = 0;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = c;
        if (!c)
            return 0;
    }
}

int vg_demo_clip_save(const char *path, const uint8_t *buf, size_t len)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return -ENAMETOOLONG;
    int r = make_parent(path);
    if (r < 0)
        return r;
    unlink(tmp); /* left by a crash of a process with our pid */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fd, buf + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            r = -errno;
            goto out;
        }
        done += (size_t)k;
    }
    if (fsync(fd) < 0) {
        r = -errno;
        goto out;
    }
out:
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    return fsync_dir(path);
}

/* A clip of that size: another size under its name (a damaged or foreign file) is not usable. */
static int check_size(const struct vg_demo_clip_size *size, struct vg_demo_clip **clip)
{
    if ((*clip)->sps_info.width == size->width && (*clip)->sps_info.height == size->height)
        return 0;
    vg_demo_clip_unref(clip);
    return -EINVAL;
}

int vg_demo_clip_open(const struct vg_demo_clip_size *size, const char *state_dir,
                      const char *prebuilt, const atomic_bool *cancel,
                      struct vg_demo_clip **ret_clip, bool *ret_encoded, int *ret_save_err)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s/%s", state_dir ? state_dir : ".", VG_DEMO_CLIP_DIR,
                     size->file);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -ENAMETOOLONG;
    struct vg_demo_clip *clip = NULL;
    int r = vg_demo_clip_load(path, &clip);
    if (r == 0)
        r = check_size(size, &clip);
    /* The build made one already (tools/make-demo-clip.c): every state
     * directory of a build tree, tests included, shares it. */
    if (r < 0 && r != -ENOMEM && prebuilt) {
        r = vg_demo_clip_load(prebuilt, &clip);
        if (r == 0)
            r = check_size(size, &clip);
    }
    if (r == 0) {
        if (ret_encoded)
            *ret_encoded = false;
        if (ret_save_err)
            *ret_save_err = 0;
        *ret_clip = clip;
        return 0;
    }
    if (r == -ENOMEM)
        return r;
    /* Missing, damaged or from another version: make it again. */
    uint8_t *buf;
    size_t len;
    r = vg_demo_clip_encode(size, cancel, &buf, &len);
    if (r < 0)
        return r;
    r = vg_demo_clip_parse(buf, len, &clip);
    if (r == 0)
        r = check_size(size, &clip);
    int save = r == 0 ? vg_demo_clip_save(path, buf, len) : 0;
    free(buf);
    if (r < 0)
        return r;
    if (ret_encoded)
        *ret_encoded = true;
    if (ret_save_err)
        *ret_save_err = save;
    *ret_clip = clip;
    return 0;
}
