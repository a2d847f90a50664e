/* JPEG pictures from access units (outputs/jpeg.c): the real H.264 test clip
 * decoded and encoded, scaled, read back by libavcodec; damaged data refused. */
#include <criterion/criterion.h>
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/ingest.h"
#include "media/nal.h"
#include "outputs/jpeg.h"

#define DATA VG_TEST_DATA "/media/data/"
#define CLIP_AUS_MAX 64

static uint8_t *read_all(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *ret_len = (size_t)n;
    return buf;
}

/* The clip as frames and the parameters its SPS/PPS give. */
struct clip {
    struct vg_track_params params;
    struct vg_frame *frames[CLIP_AUS_MAX];
    size_t count;
};

static bool is_vcl(uint8_t type)
{
    return type >= 1 && type <= 5;
}

/* A VCL unit that starts a picture: first_mb_in_slice, ue(v), is 0 when its
 * first bit is set. */
static bool starts_picture(const uint8_t *nal, size_t len)
{
    return len > 1 && is_vcl(nal[0] & 0x1f) && (nal[1] & 0x80);
}

/* Splits the Annex B clip into access units and converts each with the
 * ingest code, as a source does. */
static void load_clip(struct clip *c)
{
    size_t len;
    uint8_t *raw = read_all(DATA "baseline_320x240.h264", &len);
    struct vg_video_ingest in;
    vg_video_ingest_init(&in, VG_CODEC_H264);
    memset(c, 0, sizeof(*c));

    size_t cursor = 0, start, nal_len, au_start = 0;
    bool seen_vcl = false;
    for (;;) {
        size_t before = cursor;
        int more = vg_nal_annexb_next(raw, len, &cursor, &start, &nal_len);
        bool boundary =
            !more ||
            (seen_vcl && (starts_picture(raw + start, nal_len) || !is_vcl(raw[start] & 0x1f)));
        if (boundary && seen_vcl) {
            size_t au_end = more ? before : len;
            struct vg_frame *f = NULL;
            cr_assert_eq(vg_video_ingest_au(&in, raw + au_start, au_end - au_start, &f), 0);
            cr_assert_not_null(f);
            cr_assert_lt(c->count, CLIP_AUS_MAX);
            f->pts = f->dts = (int64_t)c->count * 3600;
            c->frames[c->count++] = f;
            au_start = au_end;
            seen_vcl = false;
        }
        if (!more)
            break;
        if (is_vcl(raw[start] & 0x1f))
            seen_vcl = true;
    }
    cr_assert_eq(vg_video_ingest_params(&in, &c->params), 0);
    free(raw);
}

static void free_clip(struct clip *c)
{
    for (size_t i = 0; i < c->count; i++)
        vg_frame_unref(&c->frames[i]);
    free(c->params.config);
}

/* Decodes a JPEG back with libavcodec's mjpeg decoder; returns its size. */
static void decode_jpeg(const struct vg_jpeg *j, int *ret_w, int *ret_h)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
    cr_assert_not_null(codec);
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    cr_assert_eq(avcodec_open2(ctx, codec, NULL), 0);
    AVPacket *pkt = av_packet_alloc();
    cr_assert_eq(av_new_packet(pkt, (int)j->len), 0);
    memcpy(pkt->data, j->data, j->len);
    AVFrame *pic = av_frame_alloc();
    cr_assert_eq(avcodec_send_packet(ctx, pkt), 0);
    cr_assert_eq(avcodec_receive_frame(ctx, pic), 0, "the JPEG decodes");
    cr_expect_eq(pic->decode_error_flags, 0);
    *ret_w = pic->width;
    *ret_h = pic->height;
    av_frame_free(&pic);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
}

static void expect_markers(const struct vg_jpeg *j)
{
    cr_assert_gt(j->len, 4);
    cr_expect(j->data[0] == 0xff && j->data[1] == 0xd8, "SOI first");
    cr_expect(j->data[j->len - 2] == 0xff && j->data[j->len - 1] == 0xd9, "EOI last");
}

Test(jpeg, keyframe_of_the_clip_becomes_a_320x240_jpeg)
{
    struct clip c;
    load_clip(&c);
    cr_assert_eq(c.count, 50, "2 s at 25 fps");
    cr_assert(c.frames[0]->key);
    cr_assert_eq(c.params.width, 320);

    struct vg_jpeg *j = NULL;
    cr_assert_eq(vg_jpeg_from_keyframe(&c.params, c.frames[0]->data, c.frames[0]->len, 0, 0, &j),
                 0);
    expect_markers(j);
    cr_expect_eq(j->width, 320);
    cr_expect_eq(j->height, 240);
    int w, h;
    decode_jpeg(j, &w, &h);
    cr_expect_eq(w, 320);
    cr_expect_eq(h, 240);
    vg_jpeg_unref(&j);
    cr_expect_null(j);
    free_clip(&c);
}

Test(jpeg, width_160_scales_to_160x120)
{
    struct clip c;
    load_clip(&c);
    struct vg_jpeg *j = NULL;
    cr_assert_eq(vg_jpeg_from_keyframe(&c.params, c.frames[0]->data, c.frames[0]->len, 0, 160, &j),
                 0);
    expect_markers(j);
    int w, h;
    decode_jpeg(j, &w, &h);
    cr_expect_eq(w, 160);
    cr_expect_eq(h, 120);
    vg_jpeg_unref(&j);
    free_clip(&c);
}

Test(jpeg, scaled_size_keeps_aspect_ratio_with_an_even_height)
{
    unsigned w, h;
    cr_assert_eq(vg_jpeg_scaled_size(1280, 720, 320, &w, &h), 0);
    cr_expect(w == 320 && h == 180);
    cr_assert_eq(vg_jpeg_scaled_size(1280, 720, 0, &w, &h), 0);
    cr_expect(w == 1280 && h == 720);
    cr_assert_eq(vg_jpeg_scaled_size(1920, 1080, 100, &w, &h), 0);
    cr_expect(w == 100 && h == 56, "56.25 rounds to the nearest even height, got %u", h);
    cr_assert_eq(vg_jpeg_scaled_size(1280, 720, 16, &w, &h), 0);
    cr_expect(w == 16 && h == 10, "9 rounds to 10 (nearest even), got %u", h);
    cr_assert_eq(vg_jpeg_scaled_size(1000, 1, 16, &w, &h), 0);
    cr_expect_eq(h, 2, "never below 2");
    cr_expect_eq(vg_jpeg_scaled_size(16, 4000, 3840, &w, &h), -ERANGE, "too tall");
    cr_expect_eq(vg_jpeg_scaled_size(0, 720, 320, &w, &h), -EINVAL);
}

Test(jpeg, persistent_decoder_follows_the_whole_clip)
{
    struct clip c;
    load_clip(&c);
    struct vg_jpeg_decoder *d;
    struct vg_jpeg_encoder *e;
    cr_assert_eq(vg_jpeg_decoder_new(&c.params, &d), 0);
    cr_assert_eq(vg_jpeg_encoder_new(VG_JPEG_QSCALE, &e), 0);
    unsigned pictures = 0, jpegs = 0;
    for (size_t i = 0; i < c.count; i++) {
        AVFrame *pic = NULL;
        int r =
            vg_jpeg_decode(d, c.frames[i]->data, c.frames[i]->len, c.frames[i]->pts, false, &pic);
        cr_assert_geq(r, 0, "frame %zu: %d", i, r);
        if (r == 0)
            continue;
        cr_expect_eq(pic->pts, c.frames[i]->pts, "baseline: no reordering delay");
        pictures++;
        if (i % 5 == 0) {
            struct vg_jpeg *j = NULL;
            cr_assert_eq(vg_jpeg_encode(e, pic, i % 10 ? 0 : 80, &j), 0);
            expect_markers(j);
            cr_expect_eq(j->width, i % 10 ? 320u : 80u);
            cr_expect_eq(j->pts, c.frames[i]->pts);
            vg_jpeg_unref(&j);
            jpegs++;
        }
        av_frame_free(&pic);
    }
    cr_expect_eq(pictures, 50);
    cr_expect_eq(jpegs, 10);

    /* After a reset it resumes at the next keyframe (frame 25). */
    vg_jpeg_decoder_reset(d);
    AVFrame *pic = NULL;
    cr_assert_eq(vg_jpeg_decode(d, c.frames[25]->data, c.frames[25]->len, 0, false, &pic), 1);
    av_frame_free(&pic);
    vg_jpeg_encoder_free(e);
    vg_jpeg_decoder_free(d);
    free_clip(&c);
}

static int snapshot_of(const struct vg_track_params *t, const uint8_t *data, size_t len)
{
    struct vg_jpeg *j = NULL;
    int r = vg_jpeg_from_keyframe(t, data, len, 0, 0, &j);
    if (r == 0)
        vg_jpeg_unref(&j);
    return r;
}

Test(jpeg, damaged_frame_data_is_an_error_not_a_crash)
{
    struct clip c;
    load_clip(&c);
    const struct vg_frame *key = c.frames[0];
    uint8_t *bad = malloc(key->len);
    cr_assert_not_null(bad);

    /* A length prefix that runs past the end. */
    memcpy(bad, key->data, key->len);
    bad[0] = 0x7f;
    cr_expect_lt(snapshot_of(&c.params, bad, key->len), 0, "length past the end");

    /* Noise. */
    srand(7);
    for (size_t i = 0; i < key->len; i++)
        bad[i] = (uint8_t)rand();
    cr_expect_lt(snapshot_of(&c.params, bad, key->len), 0, "noise");

    /* Nothing at all. */
    cr_expect_lt(snapshot_of(&c.params, bad, 0), 0, "empty");

    /* A P-frame alone: no keyframe to predict from. */
    cr_expect_lt(snapshot_of(&c.params, c.frames[1]->data, c.frames[1]->len), 0, "P-frame alone");

    /* Every cut of the keyframe and flipped bytes: an answer either way, and
     * ASan watches the reads. */
    for (size_t cut = 0; cut < key->len; cut += key->len / 16 + 1)
        snapshot_of(&c.params, key->data, cut);
    for (size_t i = 4; i < key->len; i += key->len / 16 + 1) {
        memcpy(bad, key->data, key->len);
        bad[i] ^= 0xff;
        snapshot_of(&c.params, bad, key->len);
    }

    /* A configuration the decoder cannot use. */
    struct vg_track_params junk = c.params;
    uint8_t cfg[8] = {1, 0xff, 0xff, 0xff, 0xff, 0xe1, 0xff, 0xff};
    junk.config = cfg;
    junk.config_len = sizeof(cfg);
    cr_expect_lt(snapshot_of(&junk, key->data, key->len), 0, "junk avcC");

    struct vg_track_params aac = {.codec = VG_CODEC_AAC};
    struct vg_jpeg_decoder *d = NULL;
    cr_expect_eq(vg_jpeg_decoder_new(&aac, &d), -ENOTSUP);
    free(bad);
    free_clip(&c);
}
