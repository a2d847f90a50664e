/* The demo source: the time barcode, the hand-written time slice (decoded by
 * libavcodec's H.264 decoder: the time reads back exactly and every other
 * pixel matches the clip decoded without the substitution), the clip cache,
 * and the source itself publishing paced frames through a stream.
 *
 * The clip takes seconds to encode, so the tests of one run share a cache
 * directory named after the runner process (each test runs in a child of
 * it); the runner removes it at the end. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "media/h264.h"
#include "media/h264_pcm.h"
#include "media/nal.h"
#include "media/stream.h"
#include "sources/demo_clip.h"
#include "sources/source.h"

#define W VG_DEMO_CLIP_WIDTH
#define H VG_DEMO_CLIP_HEIGHT

/* ---- fixtures ---- */

static void cache_dir(pid_t runner, char *out, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, len, "%s/vigil-test-demo-%ld", tmp && *tmp ? tmp : "/tmp", (long)runner);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    char dir[512], path[1024];
    cache_dir(getpid(), dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/%s/%s", dir, VG_DEMO_CLIP_DIR, VG_DEMO_CLIP_FILE);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s/%s", dir, VG_DEMO_CLIP_DIR, VG_DEMO_CLIP_SUB_FILE);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s", dir, VG_DEMO_CLIP_DIR);
    rmdir(path);
    rmdir(dir);
}

static const char *state_dir(void)
{
    static char dir[512];
    cache_dir(getppid(), dir, sizeof(dir));
    mkdir(dir, 0700);
    return dir;
}

static struct vg_demo_clip *open_clip_of(const struct vg_demo_clip_size *size)
{
    struct vg_demo_clip *c = NULL;
    int r = vg_demo_clip_open(size, state_dir(), NULL, NULL, &c, NULL, NULL);
    cr_assert_eq(r, 0, "cannot make the demo clip: %d", r);
    return c;
}

static struct vg_demo_clip *open_clip(void)
{
    return open_clip_of(&vg_demo_clip_main);
}

/* Any libavcodec message at error level or worse fails the test. */
static int av_errors;

static void av_log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
    (void)avcl;
    if (level <= AV_LOG_ERROR) {
        av_errors++;
        vfprintf(stderr, fmt, vl);
    }
}

struct decoder {
    AVCodecContext *ctx;
    AVPacket *pkt;
    AVFrame *frame;
    int width, height; /* what every picture must be */
};

static void decoder_open(struct decoder *d)
{
    d->width = W;
    d->height = H;
    av_log_set_callback(av_log_cb);
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    cr_assert_not_null(codec);
    d->ctx = avcodec_alloc_context3(codec);
    d->ctx->thread_count = 1;
    d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
    d->ctx->err_recognition = AV_EF_EXPLODE | AV_EF_BITSTREAM | AV_EF_BUFFER | AV_EF_CAREFUL;
    cr_assert_eq(avcodec_open2(d->ctx, codec, NULL), 0);
    d->pkt = av_packet_alloc();
    d->frame = av_frame_alloc();
}

static void decoder_close(struct decoder *d)
{
    avcodec_free_context(&d->ctx);
    av_packet_free(&d->pkt);
    av_frame_free(&d->frame);
}

/* Decodes one Annex B access unit; the picture must come out at once. */
static const AVFrame *decode(struct decoder *d, const uint8_t *au, size_t len)
{
    cr_assert_eq(av_new_packet(d->pkt, (int)len), 0);
    memcpy(d->pkt->data, au, len);
    int r = avcodec_send_packet(d->ctx, d->pkt);
    av_packet_unref(d->pkt);
    cr_assert_eq(r, 0, "decoder refused an access unit: %d", r);
    r = avcodec_receive_frame(d->ctx, d->frame);
    cr_assert_eq(r, 0, "no picture out: %d", r);
    cr_assert_eq(d->frame->decode_error_flags, 0);
    cr_assert_eq(d->frame->width, d->width);
    cr_assert_eq(d->frame->height, d->height);
    cr_assert_eq(av_errors, 0);
    return d->frame;
}

/* An Annex B access unit being put together. */
struct au {
    uint8_t buf[1 << 20];
    size_t len;
};

static void au_add(struct au *a, const uint8_t *nal, size_t len)
{
    cr_assert_leq(a->len + 4 + len, sizeof(a->buf));
    memcpy(a->buf + a->len, "\0\0\0\1", 4);
    memcpy(a->buf + a->len + 4, nal, len);
    a->len += 4 + len;
}

/* Appends length-prefixed units. */
static void au_add_lp(struct au *a, const uint8_t *lp, size_t len)
{
    size_t cur = 0, start, n;
    while (vg_nal_lp_next(lp, len, &cur, &start, &n) == 1)
        au_add(a, lp + start, n);
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the barcode ---- */

static void draw_barcode(uint64_t bits, uint8_t *luma, size_t stride)
{
    for (unsigned y = 0; y < VG_TIME_BARCODE_HEIGHT; y++) {
        for (unsigned x = 0; x < VG_TIME_BARCODE_WIDTH; x++) {
            unsigned cell = y / 4 * 16 + x / 4;
            luma[y * stride + x] = (bits >> (63 - cell)) & 1 ? 235 : 16;
        }
    }
}

Test(barcode, reads_back_the_time_it_encodes)
{
    static const int64_t times[] = {0, 1, 1763700000123, VG_TIME_BARCODE_MS_MAX, 0x5555aaaa5555};
    uint8_t luma[16 * 80];
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        draw_barcode(vg_time_barcode_bits(times[i]), luma, 80);
        int64_t ms = -1;
        cr_assert_eq(vg_time_barcode_read(luma, 80, &ms), 0);
        cr_assert_eq(ms, times[i]);
    }
}

Test(barcode, lays_out_the_time_then_the_complement_of_its_low_16_bits)
{
    uint64_t bits = vg_time_barcode_bits(0x123456789abc);
    cr_assert_eq(bits >> 16, 0x123456789abcu);
    cr_assert_eq(bits & 0xffff, (uint64_t)(~0x9abcu & 0xffff));
}

Test(barcode, refuses_a_picture_whose_check_bits_disagree)
{
    uint8_t luma[16 * 64];
    uint64_t bits = vg_time_barcode_bits(1763700000123);
    for (unsigned flip = 0; flip < 64; flip++) {
        if (flip < 32)
            continue; /* the high bits have no check: a wrong year reads as a time */
        draw_barcode(bits ^ (1ull << (63 - flip)), luma, 64);
        int64_t ms = 42;
        cr_assert_eq(vg_time_barcode_read(luma, 64, &ms), -EBADMSG, "cell %u", flip);
        cr_assert_eq(ms, 42);
    }
    memset(luma, 16, sizeof(luma)); /* no barcode at all */
    int64_t ms;
    cr_assert_eq(vg_time_barcode_read(luma, 64, &ms), -EBADMSG);
}

/* ---- the clip ---- */

Test(clip, is_720p25_constrained_baseline_with_one_slice_per_row_and_an_idr_every_2_s,
     .timeout = 120)
{
    struct vg_demo_clip *c = open_clip();
    cr_assert_eq(c->sps_info.width, 1280);
    cr_assert_eq(c->sps_info.height, 720);
    cr_assert_eq(c->sps_info.profile_idc, 66);
    cr_assert(c->sps_info.constraint_flags & 0x40, "constraint_set1: Constrained Baseline");
    cr_assert_not(c->pps_info.entropy_coding_mode_flag);
    cr_assert_eq(c->nframes, VG_DEMO_CLIP_FRAMES);
    for (unsigned i = 0; i < c->nframes; i++) {
        cr_assert_eq(c->frames[i].key, i % VG_DEMO_CLIP_GOP == 0, "frame %u", i);
        /* 44 more rows, each a slice. */
        size_t cur = 0, start, n;
        unsigned slices = 0;
        while (vg_nal_lp_next(c->frames[i].rest.base, c->frames[i].rest.len, &cur, &start, &n) == 1)
            slices++;
        cr_assert_eq(slices, 44, "frame %u", i);
    }
    vg_demo_clip_unref(&c);
    cr_assert_null(c);
}

static int64_t test_time(unsigned i);

Test(clip, sub_is_360p25_with_one_slice_per_row_and_the_time_slice_reads_back, .timeout = 120)
{
    struct vg_demo_clip *c = open_clip_of(&vg_demo_clip_sub);
    cr_assert_eq(c->sps_info.width, 640);
    cr_assert_eq(c->sps_info.height, 360);
    /* 360 is coded as 23 macroblock rows (368) and cropped at the bottom. */
    cr_assert_eq(c->sps_info.mb_width, 40);
    cr_assert_eq(c->sps_info.mb_height, 23);
    cr_assert_eq(c->sps_info.crop_top, 0);
    cr_assert_eq(c->sps_info.profile_idc, 66);
    cr_assert_not(c->pps_info.entropy_coding_mode_flag);
    cr_assert_eq(c->nframes, VG_DEMO_CLIP_FRAMES);
    for (unsigned i = 0; i < c->nframes; i++) {
        cr_assert_eq(c->frames[i].key, i % VG_DEMO_CLIP_GOP == 0, "frame %u", i);
        size_t cur = 0, start, n;
        unsigned slices = 0;
        while (vg_nal_lp_next(c->frames[i].rest.base, c->frames[i].rest.len, &cur, &start, &n) == 1)
            slices++;
        cr_assert_eq(slices, 22, "frame %u", i);
    }
    /* About 500 kbit/s over the 10 s. */
    size_t bytes = 0;
    for (unsigned i = 0; i < c->nframes; i++)
        bytes += c->frames[i].row0.len + c->frames[i].rest.len;
    cr_assert(bytes > 400000 && bytes < 800000, "%zu bytes", bytes);

    /* A GOP and a bit with the time slice in: the time reads back and the
     * rest of the picture is the clip's. */
    struct decoder with, without;
    decoder_open(&with);
    decoder_open(&without);
    with.width = without.width = 640;
    with.height = without.height = 360;
    static struct au a, b;
    for (unsigned i = 0; i < 60; i++) {
        const struct vg_demo_clip_frame *f = &c->frames[i];
        a.len = b.len = 0;
        if (i == 0) {
            au_add(&a, c->sps.base, c->sps.len);
            au_add(&a, c->pps.base, c->pps.len);
            au_add(&b, c->sps.base, c->sps.len);
            au_add(&b, c->pps.base, c->pps.len);
        }
        uint8_t slice[VG_H264_TIME_SLICE_MAX];
        size_t n;
        cr_assert_eq(vg_h264_pcm_time_slice(&c->sps_info, &c->pps_info, f->row0.base, f->row0.len,
                                            test_time(i), slice, sizeof(slice), &n),
                     0);
        cr_assert_lt(n, 1750);
        au_add(&a, slice, n);
        au_add_lp(&a, f->rest.base, f->rest.len);
        au_add(&b, f->row0.base, f->row0.len);
        au_add_lp(&b, f->rest.base, f->rest.len);
        const AVFrame *p = decode(&with, a.buf, a.len);
        const AVFrame *q = decode(&without, b.buf, b.len);
        int64_t ms;
        cr_assert_eq(vg_time_barcode_read(p->data[0], (size_t)p->linesize[0], &ms), 0, "frame %u",
                     i);
        cr_assert_eq(ms, test_time(i), "frame %u", i);
        for (unsigned y = 0; y < 16; y++) {
            for (unsigned x = VG_TIME_BARCODE_WIDTH; x < 640; x++)
                cr_assert_eq(p->data[0][y * (unsigned)p->linesize[0] + x], 16);
        }
        for (unsigned y = 16; y < 360; y++)
            cr_assert_eq(memcmp(p->data[0] + y * (size_t)p->linesize[0],
                                q->data[0] + y * (size_t)q->linesize[0], 640),
                         0, "frame %u luma line %u", i, y);
        for (int k = 1; k < 3; k++) {
            for (unsigned y = 8; y < 180; y++)
                cr_assert_eq(memcmp(p->data[k] + y * (size_t)p->linesize[k],
                                    q->data[k] + y * (size_t)q->linesize[k], 320),
                             0, "frame %u chroma line %u", i, y);
        }
    }
    decoder_close(&with);
    decoder_close(&without);
    vg_demo_clip_unref(&c);
}

Test(clip, a_cached_clip_of_another_size_is_made_again, .timeout = 120)
{
    struct vg_demo_clip *c = open_clip_of(&vg_demo_clip_sub);
    vg_demo_clip_unref(&c);
    /* The sub clip where the main one is expected, as a prebuilt file. */
    char dir[700], sub[1024];
    snprintf(dir, sizeof(dir), "%s/other-size-%ld", state_dir(), (long)getpid());
    mkdir(dir, 0700);
    snprintf(sub, sizeof(sub), "%s/%s/%s", state_dir(), VG_DEMO_CLIP_DIR, VG_DEMO_CLIP_SUB_FILE);
    bool encoded = false;
    atomic_bool cancel = true; /* refused before encoding: cancelled instead of seconds of work */
    cr_assert_eq(vg_demo_clip_open(&vg_demo_clip_main, dir, sub, &cancel, &c, &encoded, NULL),
                 -ECANCELED);
    cr_assert_null(c);
    /* The right size is taken. */
    cr_assert_eq(vg_demo_clip_open(&vg_demo_clip_sub, dir, sub, &cancel, &c, &encoded, NULL), 0);
    cr_assert_not(encoded);
    cr_assert_eq(c->sps_info.width, 640);
    vg_demo_clip_unref(&c);
    rmdir(dir);
}

Test(clip, parse_survives_damaged_clips, .timeout = 120)
{
    struct vg_demo_clip *c = open_clip();
    /* The first two pictures and parameter sets, as Annex B. */
    static struct au a;
    a.len = 0;
    au_add(&a, c->sps.base, c->sps.len);
    au_add(&a, c->pps.base, c->pps.len);
    for (unsigned i = 0; i < 2; i++) {
        au_add(&a, c->frames[i].row0.base, c->frames[i].row0.len);
        au_add_lp(&a, c->frames[i].rest.base, c->frames[i].rest.len);
    }
    struct vg_demo_clip *d = NULL;
    cr_assert_eq(vg_demo_clip_parse(a.buf, a.len, &d), 0);
    cr_assert_eq(d->nframes, 2);
    vg_demo_clip_unref(&d);
    /* Cut anywhere and flipped anywhere: an error or a clip, never a crash. */
    for (size_t len = 0; len < a.len; len += 7) {
        if (vg_demo_clip_parse(a.buf, len, &d) == 0)
            vg_demo_clip_unref(&d);
    }
    static uint8_t bad[sizeof(a.buf)];
    srand(7);
    for (int i = 0; i < 300; i++) {
        memcpy(bad, a.buf, a.len);
        for (int k = 0; k < 4; k++)
            bad[(size_t)rand() % a.len] ^= (uint8_t)(1 + rand() % 255);
        if (vg_demo_clip_parse(bad, a.len, &d) == 0)
            vg_demo_clip_unref(&d);
    }
    cr_assert_eq(vg_demo_clip_parse(NULL, 0, &d), -EINVAL);
    cr_assert_eq(vg_demo_clip_parse(a.buf, 0, &d), -EINVAL);
    vg_demo_clip_unref(&c);
}

Test(clip, is_cached_and_a_damaged_cache_is_refused, .timeout = 120)
{
    struct vg_demo_clip *c = open_clip();
    vg_demo_clip_unref(&c);
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/%s", state_dir(), VG_DEMO_CLIP_DIR, VG_DEMO_CLIP_FILE);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_gt(st.st_size, 100000);
    bool encoded = true;
    int save_err = -1;
    cr_assert_eq(
        vg_demo_clip_open(&vg_demo_clip_main, state_dir(), NULL, NULL, &c, &encoded, &save_err), 0);
    cr_assert_not(encoded, "the cached clip is used");
    cr_assert_eq(save_err, 0);
    vg_demo_clip_unref(&c);

    /* What vg_demo_clip_open() encodes again instead of using. */
    char other[1024];
    snprintf(other, sizeof(other), "%s/damaged-%ld", state_dir(), (long)getpid());
    FILE *f = fopen(other, "wb");
    fputs("not a clip", f);
    fclose(f);
    cr_assert_eq(vg_demo_clip_load(other, &c), -EINVAL);
    f = fopen(other, "wb");
    fclose(f);
    cr_assert_eq(vg_demo_clip_load(other, &c), -EINVAL);
    unlink(other);
    cr_assert_eq(vg_demo_clip_load(other, &c), -ENOENT);
    cr_assert_null(c);
}

Test(clip, encoding_stops_when_cancelled)
{
    atomic_bool cancel = true;
    uint8_t *buf = NULL;
    size_t len;
    cr_assert_eq(vg_demo_clip_encode(&vg_demo_clip_main, &cancel, &buf, &len), -ECANCELED);
    cr_assert_null(buf);
}

/* ---- the time slice ---- */

static int64_t test_time(unsigned i)
{
    /* Every low bit moves; one frame crosses a 2^16 ms boundary. */
    return 1763700000000 + (int64_t)i * 40 + i % 7;
}

Test(time_slice, decodes_to_the_time_and_leaves_every_other_pixel_alone, .timeout = 300)
{
    struct vg_demo_clip *c = open_clip();
    struct decoder with, without;
    decoder_open(&with);
    decoder_open(&without);
    static struct au a, b;
    /* One loop and a bit, so the wrap back to frame 0 is covered. */
    for (unsigned i = 0; i < c->nframes + 60; i++) {
        const struct vg_demo_clip_frame *f = &c->frames[i % c->nframes];
        a.len = b.len = 0;
        if (i == 0) {
            au_add(&a, c->sps.base, c->sps.len);
            au_add(&a, c->pps.base, c->pps.len);
            au_add(&b, c->sps.base, c->sps.len);
            au_add(&b, c->pps.base, c->pps.len);
        }
        uint8_t slice[VG_H264_TIME_SLICE_MAX];
        size_t n;
        cr_assert_eq(vg_h264_pcm_time_slice(&c->sps_info, &c->pps_info, f->row0.base, f->row0.len,
                                            test_time(i), slice, sizeof(slice), &n),
                     0);
        au_add(&a, slice, n);
        au_add_lp(&a, f->rest.base, f->rest.len);
        au_add(&b, f->row0.base, f->row0.len);
        au_add_lp(&b, f->rest.base, f->rest.len);

        const AVFrame *p = decode(&with, a.buf, a.len);
        const AVFrame *q = decode(&without, b.buf, b.len);
        int64_t ms;
        cr_assert_eq(vg_time_barcode_read(p->data[0], (size_t)p->linesize[0], &ms), 0, "frame %u",
                     i);
        cr_assert_eq(ms, test_time(i), "frame %u", i);
        /* The rest of row 0 is the dark band, flat. */
        for (unsigned y = 0; y < 16; y++) {
            for (unsigned x = VG_TIME_BARCODE_WIDTH; x < W; x++)
                cr_assert_eq(p->data[0][y * (unsigned)p->linesize[0] + x], 16);
        }
        /* Rows 1+ are the clip's, bit for bit: nothing predicted from row 0. */
        for (unsigned y = 16; y < H; y++)
            cr_assert_eq(memcmp(p->data[0] + y * (size_t)p->linesize[0],
                                q->data[0] + y * (size_t)q->linesize[0], W),
                         0, "frame %u luma line %u", i, y);
        for (int k = 1; k < 3; k++) {
            for (unsigned y = 0; y < H / 2; y++) {
                const uint8_t *pl = p->data[k] + y * (size_t)p->linesize[k];
                if (y < 8) {
                    for (unsigned x = 0; x < W / 2; x++)
                        cr_assert_eq(pl[x], 128);
                } else {
                    cr_assert_eq(memcmp(pl, q->data[k] + y * (size_t)q->linesize[k], W / 2), 0,
                                 "frame %u chroma line %u", i, y);
                }
            }
        }
    }
    decoder_close(&with);
    decoder_close(&without);
    vg_demo_clip_unref(&c);
}

Test(time_slice, costs_under_2_kilobytes)
{
    struct vg_demo_clip *c = open_clip();
    uint8_t slice[VG_H264_TIME_SLICE_MAX];
    size_t n;
    cr_assert_eq(vg_h264_pcm_time_slice(&c->sps_info, &c->pps_info, c->frames[1].row0.base,
                                        c->frames[1].row0.len, test_time(1), slice, sizeof(slice),
                                        &n),
                 0);
    /* 4 x 384 bytes of I_PCM, then about a byte per macroblock. */
    cr_assert_lt(n, 1750);
    cr_assert_gt(n, 4 * 384);
    vg_demo_clip_unref(&c);
}

Test(time_slice, refuses_what_it_cannot_replace)
{
    struct vg_demo_clip *c = open_clip();
    const struct vg_demo_clip_frame *f = &c->frames[3];
    uint8_t slice[VG_H264_TIME_SLICE_MAX];
    size_t n = 12345;
    const struct vg_h264_sps *sps = &c->sps_info;
    const struct vg_h264_pps *pps = &c->pps_info;
    /* Times outside 48 bits. */
    cr_assert_eq(
        vg_h264_pcm_time_slice(sps, pps, f->row0.base, f->row0.len, -1, slice, sizeof(slice), &n),
        -EINVAL);
    cr_assert_eq(vg_h264_pcm_time_slice(sps, pps, f->row0.base, f->row0.len,
                                        VG_TIME_BARCODE_MS_MAX + 1, slice, sizeof(slice), &n),
                 -EINVAL);
    /* A slice of row 1. */
    size_t cur = 0, start, len;
    cr_assert_eq(vg_nal_lp_next(f->rest.base, f->rest.len, &cur, &start, &len), 1);
    cr_assert_eq(
        vg_h264_pcm_time_slice(sps, pps, f->rest.base + start, len, 0, slice, sizeof(slice), &n),
        -EINVAL);
    /* Not a slice. */
    cr_assert_eq(
        vg_h264_pcm_time_slice(sps, pps, c->sps.base, c->sps.len, 0, slice, sizeof(slice), &n),
        -EINVAL);
    /* Too little room. */
    cr_assert_eq(vg_h264_pcm_time_slice(sps, pps, f->row0.base, f->row0.len, 0, slice, 100, &n),
                 -ENOSPC);
    /* CABAC and interlace. */
    struct vg_h264_pps cabac = *pps;
    cabac.entropy_coding_mode_flag = true;
    cr_assert_eq(
        vg_h264_pcm_time_slice(sps, &cabac, f->row0.base, f->row0.len, 0, slice, sizeof(slice), &n),
        -ENOTSUP);
    struct vg_h264_sps fields = *sps;
    fields.frame_mbs_only_flag = false;
    cr_assert_eq(vg_h264_pcm_time_slice(&fields, pps, f->row0.base, f->row0.len, 0, slice,
                                        sizeof(slice), &n),
                 -ENOTSUP);
    cr_assert_eq(n, 12345, "nothing returned on errors");
    vg_demo_clip_unref(&c);
}

Test(time_slice, survives_damaged_row0_slices)
{
    struct vg_demo_clip *c = open_clip();
    uint8_t slice[VG_H264_TIME_SLICE_MAX], bad[4096];
    size_t n;
    for (unsigned i = 0; i < c->nframes; i += 49) {
        const struct vg_demo_clip_frame *f = &c->frames[i];
        for (size_t len = 0; len <= f->row0.len; len++)
            vg_h264_pcm_time_slice(&c->sps_info, &c->pps_info, f->row0.base, len, 0, slice,
                                   sizeof(slice), &n);
        cr_assert_leq(f->row0.len, sizeof(bad));
        srand(i);
        for (int k = 0; k < 2000; k++) {
            memcpy(bad, f->row0.base, f->row0.len);
            bad[(size_t)rand() % f->row0.len] ^= (uint8_t)(1 + rand() % 255);
            if (vg_h264_pcm_time_slice(&c->sps_info, &c->pps_info, bad, f->row0.len, 0, slice,
                                       sizeof(slice), &n) == 0)
                cr_assert_leq(n, sizeof(slice));
        }
    }
    vg_demo_clip_unref(&c);
}

Test(time_slice, keeps_the_picture_type_so_parsers_flag_only_idr_pictures_as_keyframes)
{
    struct vg_demo_clip *c = open_clip();
    AVCodecParserContext *parser = av_parser_init(AV_CODEC_ID_H264);
    AVCodecContext *ctx = avcodec_alloc_context3(NULL);
    cr_assert_not_null(parser);
    static struct au a;
    for (unsigned i = 0; i < 120; i++) {
        const struct vg_demo_clip_frame *f = &c->frames[i];
        a.len = 0;
        if (i == 0) {
            au_add(&a, c->sps.base, c->sps.len);
            au_add(&a, c->pps.base, c->pps.len);
        }
        uint8_t slice[VG_H264_TIME_SLICE_MAX];
        size_t n;
        cr_assert_eq(vg_h264_pcm_time_slice(&c->sps_info, &c->pps_info, f->row0.base, f->row0.len,
                                            test_time(i), slice, sizeof(slice), &n),
                     0);
        struct vg_h264_slice mine, theirs;
        cr_assert_eq(vg_h264_slice_parse(slice, n, &c->sps_info, &c->pps_info, &mine), 0);
        cr_assert_eq(
            vg_h264_slice_parse(f->row0.base, f->row0.len, &c->sps_info, &c->pps_info, &theirs), 0);
        cr_assert_eq(mine.slice_type, theirs.slice_type, "frame %u", i);
        cr_assert_eq(mine.nal_unit_type, theirs.nal_unit_type);
        cr_assert_eq(mine.nal_ref_idc, theirs.nal_ref_idc);
        cr_assert_eq(mine.frame_num, theirs.frame_num);
        cr_assert_eq(mine.idr_pic_id, theirs.idr_pic_id);
        au_add(&a, slice, n);
        au_add_lp(&a, f->rest.base, f->rest.len);
        /* The parser flags a picture on the next one's start: feed this
         * picture, then a start code. */
        uint8_t *out;
        int out_len;
        memcpy(a.buf + a.len, "\0\0\0\1\x09\xf0", 6);
        av_parser_parse2(parser, ctx, &out, &out_len, a.buf, (int)a.len + 6, AV_NOPTS_VALUE,
                         AV_NOPTS_VALUE, 0);
        cr_assert_eq(parser->key_frame == 1, f->key, "frame %u: key_frame %d", i,
                     parser->key_frame);
        cr_assert_eq(parser->pict_type, f->key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_P, "frame %u",
                     i);
    }
    av_parser_close(parser);
    avcodec_free_context(&ctx);
    vg_demo_clip_unref(&c);
}

/* ---- the source ---- */

struct run {
    struct event_base *base;
    struct vg_stream *s;
    struct vg_reader *reader;
    int connected, failed;
    struct vg_frame *frames[64];
    int64_t got_us[64]; /* CLOCK_REALTIME when the reader had it */
    unsigned nframes, want;
};

static void on_report(void *arg, enum vg_source_event ev, const char *reason)
{
    struct run *r = arg;
    if (ev == VG_SOURCE_CONNECTED)
        r->connected++;
    else
        r->failed++;
    if (ev != VG_SOURCE_CONNECTED)
        fprintf(stderr, "report %d: %s\n", ev, reason);
}

static void on_data(void *arg)
{
    struct run *r = arg;
    struct vg_frame *f;
    while (vg_reader_next(r->reader, &f) == 1) {
        if (r->nframes < r->want) {
            r->got_us[r->nframes] = wall_us();
            r->frames[r->nframes++] = f;
        } else {
            vg_frame_unref(&f);
        }
    }
    if (r->nframes >= r->want)
        event_base_loopbreak(r->base);
}

static void run_open(struct run *r, unsigned want)
{
    memset(r, 0, sizeof(*r));
    evthread_use_pthreads();
    r->base = event_base_new();
    r->s = vg_stream_new(r->base, "demo-1");
    r->reader = vg_reader_new(r->s, on_data, r);
    r->want = want;
}

static void run_close(struct run *r)
{
    for (unsigned i = 0; i < r->nframes; i++)
        vg_frame_unref(&r->frames[i]);
    vg_reader_free(r->reader);
    vg_stream_free(r->s);
    event_base_free(r->base);
}

static struct vg_source *start(struct run *r, const char *url)
{
    struct vg_source_config cfg = {.stream_id = "demo-1", .url = url, .state_dir = state_dir()};
    struct vg_source *src = NULL;
    cr_assert_eq(vg_source_for_url(url, false), &vg_source_demo);
    cr_assert_eq(vg_source_demo.start(r->base, &cfg, r->s, on_report, r, &src), 0);
    return src;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Test(source, publishes_paced_frames_stamped_with_the_time_they_were_sent, .timeout = 120)
{
    struct vg_demo_clip *c = open_clip(); /* cached before the clock starts */
    static struct run r;
    run_open(&r, 30);
    struct vg_source *src = start(&r, "demo:1");
    int64_t t0 = mono_ms();
    struct timeval limit = {.tv_sec = 10};
    event_base_loopexit(r.base, &limit);
    event_base_dispatch(r.base);
    int64_t took = mono_ms() - t0;
    cr_assert_eq(r.nframes, 30);
    cr_assert_eq(r.connected, 1);
    cr_assert_eq(r.failed, 0);
    /* 30 frames at 25 per second: 29 intervals of 40 ms (after loading the clip). */
    cr_assert_geq(took, 29 * 40 - 20, "took %lld ms", (long long)took);
    for (unsigned i = 1; i < r.nframes; i++) {
        int64_t late = r.frames[i]->received_us - r.frames[0]->received_us - (int64_t)i * 40000;
        /* Never early (the deadlines are absolute); late only by what a busy
         * machine's scheduler adds. */
        cr_assert(late > -5000 && late < 150000, "frame %u sent %lld us off the pace", i,
                  (long long)late);
    }

    struct decoder d;
    decoder_open(&d);
    static struct au a;
    for (unsigned i = 0; i < r.nframes; i++) {
        const struct vg_frame *f = r.frames[i];
        cr_assert_eq(f->track, VG_TRACK_VIDEO);
        cr_assert_eq(f->key, i % VG_DEMO_CLIP_GOP == 0, "frame %u", i);
        cr_assert_eq(f->dts, (int64_t)i * 3600);
        cr_assert_eq(f->pts, f->dts);
        cr_assert_eq(f->duration, 3600);
        cr_assert_not_null(f->params);
        cr_assert_eq(f->params->video.width, 1280);
        cr_assert_str_eq(f->params->video.codec_string, "avc1.42C01F");
        a.len = 0;
        if (i == 0) {
            au_add(&a, c->sps.base, c->sps.len);
            au_add(&a, c->pps.base, c->pps.len);
        }
        au_add_lp(&a, f->data, f->len);
        const AVFrame *p = decode(&d, a.buf, a.len);
        int64_t ms;
        cr_assert_eq(vg_time_barcode_read(p->data[0], (size_t)p->linesize[0], &ms), 0);
        cr_assert_eq(ms, f->received_us / 1000, "the barcode is the time the frame was sent");
        cr_assert_leq(f->received_us, r.got_us[i]);
        cr_assert_lt(r.got_us[i] - f->received_us, 200000);
    }
    decoder_close(&d);

    t0 = mono_ms();
    vg_source_demo.stop(src);
    cr_assert_lt(mono_ms() - t0, 500, "stop is prompt");
    run_close(&r);
    vg_demo_clip_unref(&c);
}

Test(source, the_sub_stream_sends_the_640x360_clip_stamped_with_the_time, .timeout = 120)
{
    struct vg_demo_clip *c = open_clip_of(&vg_demo_clip_sub);
    static struct run r;
    run_open(&r, 10);
    struct vg_source *src = start(&r, "demo:3?sub");
    struct timeval limit = {.tv_sec = 10};
    event_base_loopexit(r.base, &limit);
    event_base_dispatch(r.base);
    cr_assert_eq(r.nframes, 10);
    cr_assert_eq(r.connected, 1);
    cr_assert_eq(r.failed, 0);
    struct decoder d;
    decoder_open(&d);
    d.width = 640;
    d.height = 360;
    static struct au a;
    for (unsigned i = 0; i < r.nframes; i++) {
        const struct vg_frame *f = r.frames[i];
        cr_assert_eq(f->key, i % VG_DEMO_CLIP_GOP == 0, "frame %u", i);
        cr_assert_eq(f->params->video.width, 640);
        cr_assert_eq(f->params->video.height, 360);
        a.len = 0;
        if (i == 0) {
            au_add(&a, c->sps.base, c->sps.len);
            au_add(&a, c->pps.base, c->pps.len);
        }
        au_add_lp(&a, f->data, f->len);
        const AVFrame *p = decode(&d, a.buf, a.len);
        int64_t ms;
        cr_assert_eq(vg_time_barcode_read(p->data[0], (size_t)p->linesize[0], &ms), 0);
        cr_assert_eq(ms, f->received_us / 1000);
    }
    decoder_close(&d);
    vg_source_demo.stop(src);
    run_close(&r);
    vg_demo_clip_unref(&c);
}

/* The first frame a source sends after start. */
static struct vg_frame *first_frame(const char *url)
{
    static struct run r;
    run_open(&r, 1);
    struct vg_source *src = start(&r, url);
    struct timeval limit = {.tv_sec = 10};
    event_base_loopexit(r.base, &limit);
    event_base_dispatch(r.base);
    vg_source_demo.stop(src);
    cr_assert_eq(r.nframes, 1);
    struct vg_frame *f = vg_frame_ref(r.frames[0]);
    run_close(&r);
    return f;
}

Test(source, cameras_start_on_a_keyframe_at_different_places_in_the_loop, .timeout = 120)
{
    struct vg_demo_clip *c = open_clip();
    struct vg_frame *f1 = first_frame("demo:1"), *f2 = first_frame("demo:2");
    struct vg_frame *f6 = first_frame("demo:6");
    cr_assert(f1->key);
    cr_assert(f2->key);
    /* Compare past the time slice: the pictures themselves. */
    size_t s1 = 4 + ((size_t)f1->data[2] << 8 | f1->data[3]);
    size_t s2 = 4 + ((size_t)f2->data[2] << 8 | f2->data[3]);
    size_t s6 = 4 + ((size_t)f6->data[2] << 8 | f6->data[3]);
    cr_assert(f1->len - s1 != f2->len - s2 || memcmp(f1->data + s1, f2->data + s2, f1->len - s1),
              "demo:1 and demo:2 differ");
    cr_assert_eq(f1->len - s1, f6->len - s6, "five phases: demo:6 starts like demo:1");
    vg_frame_unref(&f1);
    vg_frame_unref(&f2);
    vg_frame_unref(&f6);
    vg_demo_clip_unref(&c);
}

Test(source, sixteen_cameras_share_one_clip_and_all_connect, .timeout = 120)
{
    struct vg_demo_clip *c = open_clip();
    static struct run r;
    run_open(&r, 10);
    struct vg_stream *streams[16];
    struct vg_source *srcs[16];
    for (int i = 0; i < 16; i++) {
        char url[16];
        snprintf(url, sizeof(url), "demo:%d", i + 1);
        streams[i] = i == 0 ? r.s : vg_stream_new(r.base, url);
        struct vg_source_config cfg = {.stream_id = url, .url = url, .state_dir = state_dir()};
        cr_assert_eq(vg_source_demo.start(r.base, &cfg, streams[i], on_report, &r, &srcs[i]), 0);
    }
    struct timeval limit = {.tv_sec = 10};
    event_base_loopexit(r.base, &limit);
    event_base_dispatch(r.base);
    cr_assert_eq(r.nframes, 10);
    /* Give the reports posted with the tenth frame a turn of the loop. */
    struct timeval short_wait = {.tv_usec = 100000};
    event_base_loopexit(r.base, &short_wait);
    event_base_dispatch(r.base);
    cr_assert_eq(r.connected, 16);
    for (int i = 0; i < 16; i++) {
        struct vg_stream_counters k;
        vg_stream_counters(streams[i], &k);
        cr_assert_geq(k.frames, 9, "camera %d", i + 1);
    }
    int64_t t0 = mono_ms();
    for (int i = 0; i < 16; i++)
        vg_source_demo.stop(srcs[i]);
    cr_assert_lt(mono_ms() - t0, 500, "stop is prompt");
    for (int i = 1; i < 16; i++)
        vg_stream_free(streams[i]);
    run_close(&r);
    vg_demo_clip_unref(&c);
}

Test(source, stops_promptly_while_the_clip_is_still_being_made, .timeout = 60)
{
    char dir[700];
    snprintf(dir, sizeof(dir), "%s/fresh-%ld", state_dir(), (long)getpid());
    mkdir(dir, 0700);
    static struct run r;
    run_open(&r, 1);
    struct vg_source_config cfg = {.stream_id = "demo-1", .url = "demo:1", .state_dir = dir};
    struct vg_source *src = NULL;
    cr_assert_eq(vg_source_demo.start(r.base, &cfg, r.s, on_report, &r, &src), 0);
    usleep(300000);
    int64_t t0 = mono_ms();
    vg_source_demo.stop(src);
    cr_assert_lt(mono_ms() - t0, 1000, "stop is prompt");
    run_close(&r);
    char sub[800];
    snprintf(sub, sizeof(sub), "%s/%s", dir, VG_DEMO_CLIP_DIR);
    rmdir(sub);
    rmdir(dir);
}

Test(source, refuses_urls_that_name_no_camera_number)
{
    static struct run r;
    run_open(&r, 1);
    static const char *const bad[] = {"demo:",
                                      "demo:0",
                                      "demo:x",
                                      "demo:1x",
                                      "demo:-1",
                                      "demo:100000",
                                      "demo:99999999999999999999",
                                      "demo:?sub",
                                      "demo:0?sub",
                                      "demo:1?",
                                      "demo:1?su",
                                      "demo:1?subs",
                                      "demo:1?SUB",
                                      "demo:1/sub",
                                      "demo:1?sub?sub",
                                      "demo:1?sub1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vg_source_config cfg = {.stream_id = "x", .url = bad[i], .state_dir = state_dir()};
        struct vg_source *src = NULL;
        cr_assert_eq(vg_source_demo.start(r.base, &cfg, r.s, on_report, &r, &src), -EINVAL, "%s",
                     bad[i]);
        cr_assert_null(src);
    }
    run_close(&r);
}
