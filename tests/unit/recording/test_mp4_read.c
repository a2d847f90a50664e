/* Reading fragmented MP4 segments back (recording/mp4_read.h): files made
 * by media/fmp4.c read back sample by sample; hand-built moofs for the parts
 * of ISO/IEC 14496-12 the writer does not use (base data offsets, runs
 * without data offsets, defaults from tfhd and trex, version 0 boxes, 64-bit
 * and zero box sizes); damaged input (cut at every length, garbage, counts
 * and sizes out of range); read errors from the callback. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/fmp4.h"
#include "media/frame.h"
#include "recording/mp4_read.h"

#include "../media/boxes.h"

/* ---- fixtures ---- */

/* avcC: Constrained Baseline 3.0, one SPS, one PPS. */
static uint8_t avcc[] = {0x01, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0x00, 0x04, 0x67,
                         0x42, 0xC0, 0x1E, 0x01, 0x00, 0x02, 0x68, 0xCE};
/* hvcC header only: Main profile, level 3.1, no arrays. */
static uint8_t hvcc[] = {0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00,
                         0x5D, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x00};
/* AudioSpecificConfig: AAC-LC, 48 kHz, stereo. */
static uint8_t asc_lc[] = {0x11, 0x90};

#define VIDEO 1 /* track ids in what media/fmp4.c writes */
#define AUDIO 2

/* trun and tfhd flags, sample flags */
#define DATA_OFFSET 0x000001
#define FIRST_FLAGS 0x000004
#define DURATION 0x000100
#define SIZE 0x000200
#define FLAGS 0x000400
#define CTO 0x000800
#define BASE_DATA_OFFSET 0x000001
#define DESCRIPTION_INDEX 0x000002
#define DEFAULT_DURATION 0x000008
#define DEFAULT_SIZE 0x000010
#define DEFAULT_FLAGS 0x000020
#define BASE_IS_MOOF 0x020000
#define NON_SYNC 0x01010000
#define SYNC 0x02000000

/* ---- building files ---- */

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        cr_assert_not_null(b->p);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put8(struct buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put32(struct buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 4);
}

static void put64(struct buf *b, uint64_t v)
{
    put32(b, (uint32_t)(v >> 32));
    put32(b, (uint32_t)v);
}

static void patch32(struct buf *b, size_t at, uint32_t v)
{
    b->p[at] = (uint8_t)(v >> 24);
    b->p[at + 1] = (uint8_t)(v >> 16);
    b->p[at + 2] = (uint8_t)(v >> 8);
    b->p[at + 3] = (uint8_t)v;
}

static size_t open_box(struct buf *b, const char *type)
{
    size_t at = b->len;
    put32(b, 0);
    put(b, type, 4);
    return at;
}

static void close_box(struct buf *b, size_t at)
{
    patch32(b, at, (uint32_t)(b->len - at));
}

static size_t open_full(struct buf *b, const char *type, uint8_t version, uint32_t flags)
{
    size_t at = open_box(b, type);
    put32(b, (uint32_t)version << 24 | flags);
    return at;
}

/* n payload bytes that differ from sample to sample */
static void put_payload(struct buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(b, (uint8_t)(i * 7 + b->len));
}

static void put_mdat(struct buf *b, size_t payload)
{
    put32(b, (uint32_t)(8 + payload));
    put(b, "mdat", 4);
    put_payload(b, payload);
}

static void put_mfhd(struct buf *b, uint32_t seq)
{
    size_t at = open_full(b, "mfhd", 0, 0);
    put32(b, seq);
    close_box(b, at);
}

static void params(struct vg_stream_params *p, bool video, bool audio)
{
    *p = (struct vg_stream_params){0};
    if (video) {
        p->video.codec = VG_CODEC_H264;
        p->video.timescale = VG_VIDEO_TIMESCALE;
        p->video.width = 1280;
        p->video.height = 720;
        p->video.config = avcc;
        p->video.config_len = sizeof(avcc);
    }
    if (audio) {
        p->audio.codec = VG_CODEC_AAC;
        p->audio.timescale = 48000;
        p->audio.sample_rate = 48000;
        p->audio.channels = 2;
        p->audio.config = asc_lc;
        p->audio.config_len = sizeof(asc_lc);
    }
}

static void put_init_params(struct buf *b, const struct vg_stream_params *p)
{
    uint8_t *init;
    size_t len;
    cr_assert_eq(vg_fmp4_init_segment(p, &init, &len), 0);
    put(b, init, len);
    free(init);
}

static void put_init(struct buf *b, bool video, bool audio)
{
    struct vg_stream_params p;
    params(&p, video, audio);
    put_init_params(b, &p);
}

/* A one-frame fragment as media/fmp4.c writes it; returns its payload's
 * offset in the file. */
static size_t put_frame(struct buf *b, enum vg_track track, bool key, int64_t dts, int64_t pts,
                        uint32_t duration, size_t len)
{
    static uint32_t seq;
    struct vg_frame f = {
        .track = track, .key = key, .dts = dts, .pts = pts, .duration = duration, .len = len};
    uint8_t h[VG_FMP4_FRAGMENT_HEADER_MAX];
    size_t n = vg_fmp4_fragment_header(++seq, &f, h);
    cr_assert_gt(n, 0);
    put(b, h, n);
    size_t at = b->len;
    put_payload(b, len);
    return at;
}

/* One traf with one trun, every optional field chosen by flags. */
struct traf_desc {
    uint32_t track;
    uint32_t tfhd_flags;
    uint64_t base;
    uint32_t def_duration, def_size, def_flags;
    bool tfdt;
    uint8_t tfdt_version;
    uint64_t dts;
    uint8_t trun_version;
    uint32_t trun_flags;
    uint32_t first_flags;
    uint32_t count;
    const uint32_t *durations, *sizes, *flags;
    const int32_t *ctos;
};

/* Returns where the trun's data offset is (to patch), or 0 without one. */
static size_t put_traf(struct buf *b, const struct traf_desc *d)
{
    size_t traf = open_box(b, "traf");
    size_t tfhd = open_full(b, "tfhd", 0, d->tfhd_flags);
    put32(b, d->track);
    if (d->tfhd_flags & BASE_DATA_OFFSET)
        put64(b, d->base);
    if (d->tfhd_flags & DESCRIPTION_INDEX)
        put32(b, 1);
    if (d->tfhd_flags & DEFAULT_DURATION)
        put32(b, d->def_duration);
    if (d->tfhd_flags & DEFAULT_SIZE)
        put32(b, d->def_size);
    if (d->tfhd_flags & DEFAULT_FLAGS)
        put32(b, d->def_flags);
    close_box(b, tfhd);
    if (d->tfdt) {
        size_t tfdt = open_full(b, "tfdt", d->tfdt_version, 0);
        if (d->tfdt_version == 1)
            put64(b, d->dts);
        else
            put32(b, (uint32_t)d->dts);
        close_box(b, tfdt);
    }
    size_t trun = open_full(b, "trun", d->trun_version, d->trun_flags);
    put32(b, d->count);
    size_t offset_at = 0;
    if (d->trun_flags & DATA_OFFSET) {
        offset_at = b->len;
        put32(b, 0);
    }
    if (d->trun_flags & FIRST_FLAGS)
        put32(b, d->first_flags);
    for (uint32_t i = 0; i < d->count; i++) {
        if (d->trun_flags & DURATION)
            put32(b, d->durations[i]);
        if (d->trun_flags & SIZE)
            put32(b, d->sizes[i]);
        if (d->trun_flags & FLAGS)
            put32(b, d->flags[i]);
        if (d->trun_flags & CTO)
            put32(b, (uint32_t)d->ctos[i]);
    }
    close_box(b, trun);
    close_box(b, traf);
    return offset_at;
}

/* moof with the given trafs, then an mdat of payload bytes; each trun data
 * offset is set relative to the moof so that the trafs' data follow each
 * other from the mdat payload's start. Returns the payload's offset. */
static size_t put_fragment(struct buf *b, const struct traf_desc *trafs, size_t n, size_t payload)
{
    size_t moof = open_box(b, "moof");
    put_mfhd(b, 1);
    size_t at[4] = {0}, data_len[4] = {0};
    cr_assert_leq(n, 4);
    for (size_t i = 0; i < n; i++) {
        at[i] = put_traf(b, &trafs[i]);
        for (uint32_t s = 0; s < trafs[i].count; s++)
            data_len[i] += (trafs[i].trun_flags & SIZE) ? trafs[i].sizes[s] : trafs[i].def_size;
    }
    close_box(b, moof);
    size_t data = b->len + 8, pos = data;
    for (size_t i = 0; i < n; i++) {
        if (at[i])
            patch32(b, at[i], (uint32_t)(pos - moof));
        pos += data_len[i];
    }
    put_mdat(b, payload);
    return data;
}

static struct vg_mp4_file read_ok(const uint8_t *p, size_t len)
{
    struct vg_mp4_file f;
    int r = vg_mp4_read_buffer(p, len, &f);
    cr_assert_eq(r, 0, "vg_mp4_read_buffer: %d", r);
    return f;
}

static void expect_sample(const struct vg_mp4_track *t, size_t i, uint64_t offset, int64_t dts,
                          uint32_t size, uint32_t duration, int32_t cto, bool key)
{
    cr_assert_lt(i, t->count);
    const struct vg_mp4_sample *s = &t->samples[i];
    cr_expect_eq(s->offset, offset, "sample %zu offset %llu, not %llu", i,
                 (unsigned long long)s->offset, (unsigned long long)offset);
    cr_expect_eq(s->dts, dts, "sample %zu dts %lld, not %lld", i, (long long)s->dts,
                 (long long)dts);
    cr_expect_eq(s->size, size, "sample %zu size", i);
    cr_expect_eq(s->duration, duration, "sample %zu duration", i);
    cr_expect_eq(s->cto, cto, "sample %zu cto %d, not %d", i, s->cto, cto);
    cr_expect_eq(s->key, key, "sample %zu key", i);
}

/* The box at the path inside b (first match at each level). */
static struct box find(const struct buf *b, const char *path)
{
    struct box x;
    cr_assert(box_find(b->p, b->len, path, &x), "no %s", path);
    return x;
}

/* ---- files from media/fmp4.c ---- */

Test(mp4_read, reads_back_video_and_audio_fragments)
{
    struct buf b = {0};
    put_init(&b, true, true);
    size_t init_len = b.len;
    size_t v0 = put_frame(&b, VG_TRACK_VIDEO, true, 0, 3000, 3000, 1000);
    size_t a0 = put_frame(&b, VG_TRACK_AUDIO, true, 0, 0, 1024, 200);
    size_t v1 = put_frame(&b, VG_TRACK_VIDEO, false, 3000, 9000, 3000, 500);
    size_t a1 = put_frame(&b, VG_TRACK_AUDIO, true, 1024, 1024, 1024, 210);
    size_t v2 = put_frame(&b, VG_TRACK_VIDEO, false, 6000, 3000, 3000, 400);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.moov_end, init_len);
    cr_expect_eq(f.valid_len, b.len);
    cr_expect_eq(f.fragments, 5);

    cr_expect_eq(f.video.track_id, VIDEO);
    cr_expect_eq(f.video.timescale, 90000);
    cr_expect_eq(f.video.width, 1280);
    cr_expect_eq(f.video.height, 720);
    cr_expect_str_eq(f.video.format, "avc1");
    cr_assert_eq(f.video.count, 3);
    expect_sample(&f.video, 0, v0, 0, 1000, 3000, 3000, true);
    expect_sample(&f.video, 1, v1, 3000, 500, 3000, 6000, false);
    expect_sample(&f.video, 2, v2, 6000, 400, 3000, -3000, false);
    cr_expect_eq(vg_mp4_track_end(&f.video), 9000);

    cr_expect_eq(f.audio.track_id, AUDIO);
    cr_expect_eq(f.audio.timescale, 48000);
    cr_expect_str_eq(f.audio.format, "mp4a");
    cr_expect_null(f.audio.config);
    cr_assert_eq(f.audio.count, 2);
    expect_sample(&f.audio, 0, a0, 0, 200, 1024, 0, true);
    expect_sample(&f.audio, 1, a1, 1024, 210, 1024, 0, true);
    cr_expect_eq(vg_mp4_track_end(&f.audio), 2048);

    vg_mp4_file_done(&f);
    cr_expect_null(f.video.samples);
    cr_expect_eq(f.fragments, 0);
    free(b.p);
}

Test(mp4_read, keeps_h265_sample_entry_and_config)
{
    struct vg_stream_params p = {0};
    p.video.codec = VG_CODEC_H265;
    p.video.timescale = VG_VIDEO_TIMESCALE;
    p.video.width = 1920;
    p.video.height = 1080;
    p.video.config = hvcc;
    p.video.config_len = sizeof(hvcc);
    struct buf b = {0};
    put_init_params(&b, &p);
    size_t v0 = put_frame(&b, VG_TRACK_VIDEO, true, 90000, 90000, 3600, 64);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_str_eq(f.video.format, "hvc1");
    cr_expect_eq(f.video.width, 1920);
    cr_expect_eq(f.video.height, 1080);
    cr_assert_eq(f.video.config_len, sizeof(hvcc));
    cr_expect_eq(memcmp(f.video.config, hvcc, sizeof(hvcc)), 0);
    cr_expect_eq(f.audio.track_id, 0);
    expect_sample(&f.video, 0, v0, 90000, 64, 3600, 0, true);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, audio_only_file_has_no_video_track)
{
    struct buf b = {0};
    put_init(&b, false, true);
    size_t a0 = put_frame(&b, VG_TRACK_AUDIO, true, 480, 480, 960, 30);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.video.track_id, 0);
    cr_expect_eq(f.video.count, 0);
    cr_expect_null(f.video.stsd);
    cr_expect_eq(f.audio.track_id, AUDIO);
    expect_sample(&f.audio, 0, a0, 480, 30, 960, 0, true);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, copies_stsd_and_config_out_of_the_input)
{
    struct buf b = {0};
    put_init(&b, true, true);
    struct box vstsd = find(&b, "moov/trak/mdia/minf/stbl/stsd");
    struct box moov = find(&b, "moov"), trak;
    cr_assert(box_child_nth(moov.body, moov.body_len, "trak", 1, &trak));
    struct box astsd;
    cr_assert(box_find(trak.body, trak.body_len, "mdia/minf/stbl/stsd", &astsd));
    uint8_t *want_v = malloc(vstsd.size), *want_a = malloc(astsd.size);
    cr_assert(want_v && want_a);
    memcpy(want_v, vstsd.start, vstsd.size);
    memcpy(want_a, astsd.start, astsd.size);
    size_t vlen = vstsd.size, alen = astsd.size;

    struct vg_mp4_file f = read_ok(b.p, b.len);
    /* nothing may point into the input */
    memset(b.p, 0xEE, b.len);
    free(b.p);
    cr_assert_eq(f.video.stsd_len, vlen);
    cr_expect_eq(memcmp(f.video.stsd, want_v, vlen), 0);
    cr_expect_eq(memcmp(f.video.stsd + 4, "stsd", 4), 0);
    cr_assert_eq(f.audio.stsd_len, alen);
    cr_expect_eq(memcmp(f.audio.stsd, want_a, alen), 0);
    cr_assert_eq(f.video.config_len, sizeof(avcc));
    cr_expect_eq(memcmp(f.video.config, avcc, sizeof(avcc)), 0);
    cr_expect_str_eq(f.video.format, "avc1");
    cr_expect_eq(f.fragments, 0);
    cr_expect_eq(f.valid_len, f.moov_end);
    vg_mp4_file_done(&f);
    free(want_v);
    free(want_a);
}

/* ---- damaged files ---- */

Test(mp4_read, truncated_last_fragment_is_left_out_at_every_length)
{
    struct buf b = {0};
    put_init(&b, true, true);
    size_t init_len = b.len;
    put_frame(&b, VG_TRACK_VIDEO, true, 0, 0, 3000, 300);
    size_t first_end = b.len;
    put_frame(&b, VG_TRACK_AUDIO, true, 0, 0, 1024, 100);
    size_t last = b.len;
    put_frame(&b, VG_TRACK_VIDEO, false, 3000, 3000, 3000, 250);

    for (size_t len = last; len < b.len; len++) {
        struct vg_mp4_file f = read_ok(b.p, len);
        cr_assert_eq(f.fragments, 2, "at %zu bytes", len);
        cr_assert_eq(f.valid_len, last, "at %zu bytes", len);
        cr_assert_eq(f.video.count, 1, "at %zu bytes", len);
        cr_assert_eq(f.audio.count, 1, "at %zu bytes", len);
        vg_mp4_file_done(&f);
    }
    for (size_t len = init_len; len < first_end; len++) {
        struct vg_mp4_file f = read_ok(b.p, len);
        cr_assert_eq(f.fragments, 0, "at %zu bytes", len);
        cr_assert_eq(f.valid_len, init_len, "at %zu bytes", len);
        cr_assert_eq(f.video.count + f.audio.count, 0, "at %zu bytes", len);
        vg_mp4_file_done(&f);
    }
    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 3);
    cr_expect_eq(f.video.count, 2);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, file_cut_inside_the_moov_is_einval)
{
    struct buf b = {0};
    put_init(&b, true, true);
    put_frame(&b, VG_TRACK_VIDEO, true, 0, 0, 3000, 10);
    struct box moov = find(&b, "moov");
    size_t moov_end = (size_t)(moov.start - b.p) + moov.size;
    for (size_t len = 0; len < moov_end; len++) {
        struct vg_mp4_file f = {.fragments = 77};
        cr_assert_eq(vg_mp4_read_buffer(b.p, len, &f), -EINVAL, "at %zu bytes", len);
        cr_assert_eq(f.fragments, 77, "ret written on failure");
    }
    free(b.p);
}

Test(mp4_read, garbage_after_a_fragment_ends_the_scan)
{
    struct buf b = {0};
    put_init(&b, true, false);
    put_frame(&b, VG_TRACK_VIDEO, true, 0, 0, 3000, 100);
    size_t end = b.len;
    for (int i = 0; i < 40; i++)
        put8(&b, 0xAB);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.valid_len, end);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, unknown_box_ends_the_scan_before_later_fragments)
{
    struct buf b = {0};
    put_init(&b, true, false);
    put_frame(&b, VG_TRACK_VIDEO, true, 0, 0, 3000, 100);
    size_t end = b.len;
    size_t junk = open_box(&b, "junk");
    put32(&b, 0);
    close_box(&b, junk);
    put_frame(&b, VG_TRACK_VIDEO, false, 3000, 3000, 3000, 100);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.valid_len, end);
    cr_expect_eq(f.video.count, 1);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, free_skip_styp_sidx_and_stray_mdat_between_fragments_are_skipped)
{
    static const char *types[] = {"free", "skip", "styp", "sidx", "mdat"};
    struct buf b = {0};
    put_init(&b, true, false);
    for (size_t i = 0; i < 5; i++) {
        size_t at = open_box(&b, types[i]);
        put_payload(&b, 12);
        close_box(&b, at);
        put_frame(&b, VG_TRACK_VIDEO, i == 0, 3000 * (int64_t)i, 3000 * (int64_t)i, 3000, 20);
    }
    size_t end = b.len;
    size_t tail = open_box(&b, "free");
    close_box(&b, tail);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 5);
    cr_expect_eq(f.video.count, 5);
    cr_expect_eq(f.valid_len, end, "a trailing free box is not part of a fragment");
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, boxes_before_the_moov_other_than_ftyp_styp_free_skip_are_einval)
{
    struct buf b = {0};
    put_mdat(&b, 16);
    put_init(&b, true, false);
    struct vg_mp4_file f;
    cr_expect_eq(vg_mp4_read_buffer(b.p, b.len, &f), -EINVAL);
    free(b.p);

    b = (struct buf){0};
    size_t at = open_box(&b, "free");
    put_payload(&b, 5);
    close_box(&b, at);
    put_init(&b, true, false);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.video.track_id, VIDEO);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, missing_moov_or_tracks_is_einval)
{
    struct vg_mp4_file f;
    cr_expect_eq(vg_mp4_read_buffer(NULL, 0, &f), -EINVAL);

    struct buf init = {0};
    put_init(&init, true, false);
    struct box ftyp = find(&init, "ftyp");

    struct buf b = {0};
    put(&b, ftyp.start, ftyp.size);
    cr_expect_eq(vg_mp4_read_buffer(b.p, b.len, &f), -EINVAL, "ftyp only");
    put_frame(&b, VG_TRACK_VIDEO, true, 0, 0, 3000, 10);
    cr_expect_eq(vg_mp4_read_buffer(b.p, b.len, &f), -EINVAL, "ftyp, moof, mdat");
    free(b.p);

    /* a moov with mvhd and mvex but no trak */
    b = (struct buf){0};
    put(&b, ftyp.start, ftyp.size);
    size_t moov = open_box(&b, "moov");
    struct box mvhd = find(&init, "moov/mvhd"), mvex = find(&init, "moov/mvex");
    put(&b, mvhd.start, mvhd.size);
    put(&b, mvex.start, mvex.size);
    close_box(&b, moov);
    cr_expect_eq(vg_mp4_read_buffer(b.p, b.len, &f), -EINVAL, "no trak");
    free(b.p);

    /* the only trak has a handler that is neither vide nor soun */
    struct box hdlr = find(&init, "moov/trak/mdia/hdlr");
    memcpy((uint8_t *)hdlr.body + 8, "text", 4);
    cr_expect_eq(vg_mp4_read_buffer(init.p, init.len, &f), -EINVAL, "text track");
    memcpy((uint8_t *)hdlr.body + 8, "vide", 4);

    /* a timescale of 0 makes the track unusable */
    struct box mdhd = find(&init, "moov/trak/mdia/mdhd");
    patch32(&init, (size_t)(mdhd.body - init.p) + 12, 0);
    cr_expect_eq(vg_mp4_read_buffer(init.p, init.len, &f), -EINVAL, "timescale 0");
    free(init.p);
}

/* tkhd and mdhd version 1 (64-bit times before the fields we read), a
 * track id other than 1 or 2, no mvex: a moov written by another muxer. */
Test(mp4_read, reads_version_1_tkhd_and_mdhd_without_mvex)
{
    struct buf init = {0};
    put_init(&init, false, true);
    struct box ftyp = find(&init, "ftyp"), mvhd = find(&init, "moov/mvhd");
    struct box hdlr = find(&init, "moov/trak/mdia/hdlr");
    struct box stsd = find(&init, "moov/trak/mdia/minf/stbl/stsd");
    struct buf b = {0};
    put(&b, ftyp.start, ftyp.size);
    size_t moov = open_box(&b, "moov");
    put(&b, mvhd.start, mvhd.size);
    size_t trak = open_box(&b, "trak");
    size_t tkhd = open_full(&b, "tkhd", 1, 3);
    put64(&b, 0);
    put64(&b, 0);
    put32(&b, 7); /* track_id */
    put32(&b, 0);
    put64(&b, 0); /* duration */
    for (int i = 0; i < 15; i++)
        put32(&b, 0); /* reserved, layer, ..., matrix, width, height */
    close_box(&b, tkhd);
    size_t mdia = open_box(&b, "mdia");
    size_t mdhd = open_full(&b, "mdhd", 1, 0);
    put64(&b, 0);
    put64(&b, 0);
    put32(&b, 44100);
    put64(&b, 0);
    put32(&b, 0x55c40000); /* "und", pre_defined */
    close_box(&b, mdhd);
    put(&b, hdlr.start, hdlr.size);
    size_t minf = open_box(&b, "minf");
    size_t stbl = open_box(&b, "stbl");
    put(&b, stsd.start, stsd.size);
    close_box(&b, stbl);
    close_box(&b, minf);
    close_box(&b, mdia);
    close_box(&b, trak);
    close_box(&b, moov);

    uint32_t sizes[] = {5, 6}, durations[] = {1024, 1024};
    struct traf_desc d = {.track = 7,
                          .tfhd_flags = BASE_IS_MOOF,
                          .tfdt = true,
                          .tfdt_version = 1,
                          .dts = 2048,
                          .trun_flags = DATA_OFFSET | DURATION | SIZE,
                          .count = 2,
                          .durations = durations,
                          .sizes = sizes};
    size_t data = put_fragment(&b, &d, 1, 11);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.audio.track_id, 7);
    cr_expect_eq(f.audio.timescale, 44100);
    cr_expect_str_eq(f.audio.format, "mp4a");
    cr_expect_eq(f.video.track_id, 0);
    cr_assert_eq(f.audio.count, 2);
    expect_sample(&f.audio, 1, data + 5, 3072, 6, 1024, 0, true);
    vg_mp4_file_done(&f);
    free(b.p);
    free(init.p);
}

Test(mp4_read, moov_over_the_limit_is_einval)
{
    struct buf init = {0};
    put_init(&init, true, false);
    struct box ftyp = find(&init, "ftyp"), moov = find(&init, "moov");
    struct buf b = {0};
    put(&b, ftyp.start, ftyp.size);
    size_t at = open_box(&b, "moov");
    put(&b, moov.body, moov.body_len);
    size_t pad = open_box(&b, "free");
    while (b.len - at <= VG_MP4_MOOV_MAX)
        put_payload(&b, 4096);
    close_box(&b, pad);
    close_box(&b, at);
    struct vg_mp4_file f;
    cr_expect_eq(vg_mp4_read_buffer(b.p, b.len, &f), -EINVAL);
    free(b.p);
    free(init.p);
}

Test(mp4_read, moof_over_the_limit_ends_the_scan)
{
    struct buf b = {0};
    put_init(&b, true, false);
    put_frame(&b, VG_TRACK_VIDEO, true, 0, 0, 3000, 10);
    size_t end = b.len;
    size_t moof = open_box(&b, "moof");
    put_mfhd(&b, 2);
    size_t pad = open_box(&b, "free");
    while (b.len - moof <= VG_MP4_MOOF_MAX)
        put_payload(&b, 65536);
    close_box(&b, pad);
    close_box(&b, moof);
    put_mdat(&b, 4);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.valid_len, end);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, sample_outside_its_mdat_rejects_the_fragment)
{
    struct buf b = {0};
    put_init(&b, true, false);
    put_frame(&b, VG_TRACK_VIDEO, true, 0, 0, 3000, 10);
    size_t end = b.len;
    /* the size says one byte more than the mdat holds */
    uint32_t sizes[] = {11}, durations[] = {3000}, flags[] = {SYNC};
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_IS_MOOF,
                          .tfdt = true,
                          .tfdt_version = 1,
                          .dts = 3000,
                          .trun_flags = DATA_OFFSET | DURATION | SIZE | FLAGS,
                          .count = 1,
                          .durations = durations,
                          .sizes = sizes,
                          .flags = flags};
    put_fragment(&b, &d, 1, 10);
    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.valid_len, end);
    cr_expect_eq(f.video.count, 1);
    vg_mp4_file_done(&f);

    /* a data offset before the mdat's payload (into the moof) */
    b.len = end;
    sizes[0] = 10;
    put_fragment(&b, &d, 1, 10);
    struct box trun;
    cr_assert(box_find(b.p + end, b.len - end, "moof/traf/trun", &trun));
    size_t off_at = (size_t)(trun.body - b.p) + 8;
    patch32(&b, off_at, box_u32(b.p + off_at) - 1);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.video.count, 1);
    vg_mp4_file_done(&f);

    /* a fragment whose second traf is bad keeps nothing of its first */
    b.len = end;
    uint32_t vsizes[] = {4}, asizes[] = {4}; /* 8 bytes in an mdat of 7 */
    struct traf_desc two[2] = {
        {.track = VIDEO,
         .tfhd_flags = BASE_IS_MOOF,
         .trun_flags = DATA_OFFSET | SIZE,
         .count = 1,
         .sizes = vsizes},
        {.track = VIDEO,
         .tfhd_flags = BASE_IS_MOOF,
         .trun_flags = DATA_OFFSET | SIZE,
         .count = 1,
         .sizes = asizes},
    };
    put_fragment(&b, two, 2, 7);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.video.count, 1);
    cr_expect_eq(vg_mp4_track_end(&f.video), 3000);
    vg_mp4_file_done(&f);

    /* the same fragment with a right offset is read */
    b.len = end;
    put_fragment(&b, &d, 1, 10);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 2);
    cr_expect_eq(f.video.count, 2);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, huge_sample_counts_are_refused)
{
    struct buf b = {0};
    put_init(&b, true, false);
    size_t end = b.len;
    uint32_t one[] = {1};

    /* more samples than the trun has bytes for */
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_IS_MOOF,
                          .trun_flags = DATA_OFFSET | SIZE,
                          .count = 1,
                          .sizes = one};
    put_fragment(&b, &d, 1, 1);
    struct box trun = find(&b, "moof/traf/trun");
    patch32(&b, (size_t)(trun.body - b.p) + 4, 0xFFFFFFFF);
    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 0);
    cr_expect_eq(f.valid_len, end);
    vg_mp4_file_done(&f);

    /* default-size samples: more than the mdat holds */
    b.len = end;
    put_fragment(&b,
                 &(struct traf_desc){.track = VIDEO,
                                     .tfhd_flags = BASE_IS_MOOF | DEFAULT_SIZE,
                                     .def_size = 1,
                                     .trun_flags = DATA_OFFSET},
                 1, 16);
    trun = find(&b, "moof/traf/trun");
    patch32(&b, (size_t)(trun.body - b.p) + 4, 17);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 0);
    cr_expect_eq(f.video.count, 0);
    vg_mp4_file_done(&f);
    /* 16 fit */
    patch32(&b, (size_t)(trun.body - b.p) + 4, 16);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.video.count, 16);
    cr_expect_eq(f.video.samples[15].offset, f.valid_len - 1);
    vg_mp4_file_done(&f);

    /* empty samples: the per-track limit */
    b.len = end;
    put_fragment(&b,
                 &(struct traf_desc){.track = VIDEO,
                                     .tfhd_flags = BASE_IS_MOOF | DEFAULT_SIZE,
                                     .def_size = 0,
                                     .trun_flags = DATA_OFFSET},
                 1, 0);
    trun = find(&b, "moof/traf/trun");
    patch32(&b, (size_t)(trun.body - b.p) + 4, VG_MP4_SAMPLES_MAX + 1);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 0);
    cr_expect_eq(f.video.count, 0);
    vg_mp4_file_done(&f);
    free(b.p);
}

/* ---- box sizes ---- */

Test(mp4_read, reads_64bit_box_sizes)
{
    struct buf init = {0};
    put_init(&init, true, false);
    struct box ftyp = find(&init, "ftyp"), moov = find(&init, "moov");
    struct buf b = {0};
    put(&b, ftyp.start, ftyp.size);
    put32(&b, 1);
    put(&b, "moov", 4);
    put64(&b, 16 + moov.body_len);
    put(&b, moov.body, moov.body_len);
    size_t moov_end = b.len;

    /* moof and mdat with largesize headers */
    size_t moof = b.len;
    put32(&b, 1);
    put(&b, "moof", 4);
    put64(&b, 0);
    put_mfhd(&b, 1);
    uint32_t sizes[] = {40, 24}, durations[] = {3000, 3003}, flags[] = {SYNC, NON_SYNC};
    int32_t ctos[] = {0, -3000};
    size_t off_at =
        put_traf(&b, &(struct traf_desc){.track = VIDEO,
                                         .tfhd_flags = BASE_IS_MOOF,
                                         .tfdt = true,
                                         .tfdt_version = 1,
                                         .dts = 5000000000ull,
                                         .trun_version = 1,
                                         .trun_flags = DATA_OFFSET | DURATION | SIZE | FLAGS | CTO,
                                         .count = 2,
                                         .durations = durations,
                                         .sizes = sizes,
                                         .flags = flags,
                                         .ctos = ctos});
    uint64_t moof_size = b.len - moof;
    patch32(&b, moof + 8, (uint32_t)(moof_size >> 32));
    patch32(&b, moof + 12, (uint32_t)moof_size);
    patch32(&b, off_at, (uint32_t)(moof_size + 16));
    put32(&b, 1);
    put(&b, "mdat", 4);
    put64(&b, 16 + 64);
    size_t data = b.len;
    put_payload(&b, 64);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.moov_end, moov_end);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.valid_len, b.len);
    cr_assert_eq(f.video.count, 2);
    expect_sample(&f.video, 0, data, 5000000000, 40, 3000, 0, true);
    expect_sample(&f.video, 1, data + 40, 5000003000, 24, 3003, -3000, false);
    vg_mp4_file_done(&f);
    free(b.p);
    free(init.p);
}

Test(mp4_read, size_zero_mdat_runs_to_the_end_of_the_file)
{
    struct buf b = {0};
    put_init(&b, true, false);
    put_frame(&b, VG_TRACK_VIDEO, true, 0, 0, 3000, 100);
    size_t last = b.len;
    size_t data = put_frame(&b, VG_TRACK_VIDEO, false, 3000, 3000, 3000, 50);
    patch32(&b, data - 8, 0);
    put_payload(&b, 30); /* the writer stopped before patching the size */

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 2);
    cr_expect_eq(f.valid_len, b.len);
    cr_assert_eq(f.video.count, 2);
    expect_sample(&f.video, 1, data, 3000, 50, 3000, 0, false);
    vg_mp4_file_done(&f);

    /* a zero-size moof swallows the rest: no mdat follows it */
    patch32(&b, last, 0);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_expect_eq(f.valid_len, last);
    vg_mp4_file_done(&f);
    free(b.p);
}

/* ---- base data offsets and runs (8.8.7, 8.8.8) ---- */

Test(mp4_read, tfhd_base_data_offset_is_an_absolute_file_offset)
{
    struct buf b = {0};
    put_init(&b, true, false);
    size_t moof = b.len;
    uint32_t sizes[] = {10, 20};
    /* the base is patched to the mdat payload; runs without data offset */
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_DATA_OFFSET | DEFAULT_DURATION,
                          .def_duration = 1500,
                          .tfdt = true,
                          .tfdt_version = 1,
                          .dts = 0,
                          .trun_flags = SIZE,
                          .count = 2,
                          .sizes = sizes};
    size_t data = put_fragment(&b, &d, 1, 30);
    struct box tfhd = find(&b, "moof/traf/tfhd");
    size_t base_at = (size_t)(tfhd.body - b.p) + 8;
    patch32(&b, base_at + 4, (uint32_t)data);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_assert_eq(f.video.count, 2);
    expect_sample(&f.video, 0, data, 0, 10, 1500, 0, true);
    expect_sample(&f.video, 1, data + 10, 1500, 20, 1500, 0, true);
    vg_mp4_file_done(&f);

    /* a base with a data offset on top of it */
    patch32(&b, base_at + 4, (uint32_t)moof);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 0, "base at the moof puts the run inside it");
    vg_mp4_file_done(&f);
    free(b.p);

    b = (struct buf){0};
    put_init(&b, true, false);
    moof = b.len;
    d.trun_flags |= DATA_OFFSET;
    d.base = 0;
    data = put_fragment(&b, &d, 1, 30);
    /* put_fragment() made the offset relative to the moof: base = moof */
    tfhd = find(&b, "moof/traf/tfhd");
    patch32(&b, (size_t)(tfhd.body - b.p) + 12, (uint32_t)moof);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    expect_sample(&f.video, 1, data + 10, 1500, 20, 1500, 0, true);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, tfhd_with_every_optional_field)
{
    struct buf b = {0};
    put_init(&b, true, false);
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_DATA_OFFSET | DESCRIPTION_INDEX | DEFAULT_DURATION |
                                        DEFAULT_SIZE | DEFAULT_FLAGS,
                          .def_duration = 3600,
                          .def_size = 12,
                          .def_flags = NON_SYNC,
                          .tfdt = true,
                          .tfdt_version = 1,
                          .dts = 7200,
                          .count = 3};
    size_t data = put_fragment(&b, &d, 1, 36);
    struct box tfhd = find(&b, "moof/traf/tfhd");
    patch32(&b, (size_t)(tfhd.body - b.p) + 12, (uint32_t)data);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_assert_eq(f.video.count, 3);
    expect_sample(&f.video, 0, data, 7200, 12, 3600, 0, false);
    expect_sample(&f.video, 2, data + 24, 14400, 12, 3600, 0, false);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, negative_data_offset_counts_back_from_the_base)
{
    struct buf b = {0};
    put_init(&b, true, false);
    uint32_t sizes[] = {9}, durations[] = {3000};
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_DATA_OFFSET,
                          .tfdt = true,
                          .tfdt_version = 1,
                          .trun_flags = DATA_OFFSET | DURATION | SIZE,
                          .count = 1,
                          .durations = durations,
                          .sizes = sizes};
    size_t data = put_fragment(&b, &d, 1, 9);
    /* base at the end of the file, offset back to the payload */
    struct box tfhd = find(&b, "moof/traf/tfhd"), trun = find(&b, "moof/traf/trun");
    patch32(&b, (size_t)(tfhd.body - b.p) + 12, (uint32_t)b.len);
    patch32(&b, (size_t)(trun.body - b.p) + 8, (uint32_t) - (int32_t)(b.len - data));

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    expect_sample(&f.video, 0, data, 0, 9, 3000, 0, true);
    vg_mp4_file_done(&f);

    /* back past the start of the file */
    patch32(&b, (size_t)(tfhd.body - b.p) + 12, 4);
    f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 0);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, run_without_data_offset_follows_the_previous_run)
{
    struct buf b = {0};
    put_init(&b, true, false);
    size_t moof = open_box(&b, "moof");
    put_mfhd(&b, 1);
    size_t traf = open_box(&b, "traf");
    size_t tfhd = open_full(&b, "tfhd", 0, BASE_IS_MOOF | DEFAULT_DURATION | DEFAULT_FLAGS);
    put32(&b, VIDEO);
    put32(&b, 3000);
    put32(&b, NON_SYNC);
    close_box(&b, tfhd);
    size_t tfdt = open_full(&b, "tfdt", 1, 0);
    put64(&b, 9000);
    close_box(&b, tfdt);
    size_t trun1 = open_full(&b, "trun", 0, DATA_OFFSET | FIRST_FLAGS | SIZE);
    put32(&b, 2);
    size_t off_at = b.len;
    put32(&b, 0);
    put32(&b, SYNC);
    put32(&b, 7);
    put32(&b, 9);
    close_box(&b, trun1);
    size_t trun2 = open_full(&b, "trun", 0, SIZE | DURATION);
    put32(&b, 1);
    put32(&b, 1000);
    put32(&b, 4);
    close_box(&b, trun2);
    close_box(&b, traf);
    close_box(&b, moof);
    size_t data = b.len + 8;
    patch32(&b, off_at, (uint32_t)(data - moof));
    put_mdat(&b, 20);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    cr_assert_eq(f.video.count, 3);
    expect_sample(&f.video, 0, data, 9000, 7, 3000, 0, true);
    expect_sample(&f.video, 1, data + 7, 12000, 9, 3000, 0, false);
    expect_sample(&f.video, 2, data + 16, 15000, 4, 1000, 0, false);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, traf_without_base_follows_the_previous_trafs_data)
{
    struct buf b = {0};
    put_init(&b, true, true);
    uint32_t vs[] = {100, 50}, as[] = {30}, vd[] = {3000, 3000}, ad[] = {1024};
    uint32_t vf[] = {SYNC, NON_SYNC};
    struct traf_desc d[2] = {
        {.track = VIDEO,
         .tfdt = true,
         .tfdt_version = 1,
         .dts = 0,
         .trun_flags = DATA_OFFSET | DURATION | SIZE | FLAGS,
         .count = 2,
         .durations = vd,
         .sizes = vs,
         .flags = vf},
        /* no base flags, no data offset: right after the video data */
        {.track = AUDIO,
         .tfdt = true,
         .tfdt_version = 0,
         .dts = 0,
         .trun_flags = DURATION | SIZE,
         .count = 1,
         .durations = ad,
         .sizes = as},
    };
    size_t data = put_fragment(&b, d, 2, 180);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 1);
    expect_sample(&f.video, 0, data, 0, 100, 3000, 0, true);
    expect_sample(&f.video, 1, data + 100, 3000, 50, 3000, 0, false);
    expect_sample(&f.audio, 0, data + 150, 0, 30, 1024, 0, true);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, first_traf_without_any_offset_points_into_the_moof)
{
    struct buf b = {0};
    put_init(&b, true, false);
    size_t end = b.len;
    uint32_t sizes[] = {8};
    struct traf_desc d = {.track = VIDEO, .trun_flags = SIZE, .count = 1, .sizes = sizes};
    put_fragment(&b, &d, 1, 8);
    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 0);
    cr_expect_eq(f.valid_len, end);
    cr_expect_eq(f.video.count, 0);
    vg_mp4_file_done(&f);
    free(b.p);
}

/* A moov whose second trak is a copy of the video one with another track id:
 * a second video track, not kept; its trafs are skipped but their data
 * still moves the implicit base of the traf after them. */
Test(mp4_read, trafs_of_tracks_not_kept_are_skipped)
{
    struct buf init = {0};
    put_init(&init, true, false);
    struct box ftyp = find(&init, "ftyp"), mvhd = find(&init, "moov/mvhd");
    struct box trak = find(&init, "moov/trak"), trex1 = find(&init, "moov/mvex/trex");
    struct buf b = {0};
    put(&b, ftyp.start, ftyp.size);
    size_t moov = open_box(&b, "moov");
    put(&b, mvhd.start, mvhd.size);
    put(&b, trak.start, trak.size);
    size_t second = b.len;
    put(&b, trak.start, trak.size);
    /* mvex: track 1 as written, track 5 with a default sample size of 11 */
    size_t mvex = open_box(&b, "mvex");
    put(&b, trex1.start, trex1.size);
    size_t trex = open_full(&b, "trex", 0, 0);
    put32(&b, 5);
    put32(&b, 1);
    put32(&b, 0);
    put32(&b, 11);
    put32(&b, 0);
    close_box(&b, trex);
    close_box(&b, mvex);
    close_box(&b, moov);
    /* the copy's tkhd (version 0) gets track id 5 */
    struct box tkhd;
    cr_assert(box_find(b.p + second, trak.size, "trak/tkhd", &tkhd));
    patch32(&b, (size_t)(tkhd.body - b.p) + 12, 5);

    uint32_t ds[] = {3000}, vs[] = {6};
    struct traf_desc d[2] = {
        /* two samples of track 5's default size, from the start of the mdat */
        {.track = 5, .trun_flags = DATA_OFFSET, .count = 2},
        /* no base, no data offset: after track 5's 22 bytes */
        {.track = VIDEO,
         .tfdt = true,
         .tfdt_version = 1,
         .dts = 0,
         .trun_flags = DURATION | SIZE,
         .count = 1,
         .durations = ds,
         .sizes = vs},
    };
    size_t data = put_fragment(&b, d, 2, 28);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.video.track_id, VIDEO);
    cr_expect_eq(f.audio.track_id, 0, "a second video track is not audio");
    cr_expect_eq(f.fragments, 1);
    cr_assert_eq(f.video.count, 1);
    expect_sample(&f.video, 0, data + 22, 0, 6, 3000, 0, true);
    vg_mp4_file_done(&f);
    free(b.p);
    free(init.p);
}

/* ---- decode times, flags and defaults ---- */

Test(mp4_read, traf_without_tfdt_continues_from_the_previous_fragment)
{
    struct buf b = {0};
    put_init(&b, true, false);
    put_frame(&b, VG_TRACK_VIDEO, true, 90000, 90000, 3000, 10);
    uint32_t sizes[] = {5, 5}, durations[] = {3003, 2997};
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_IS_MOOF,
                          .trun_flags = DATA_OFFSET | DURATION | SIZE,
                          .count = 2,
                          .durations = durations,
                          .sizes = sizes};
    size_t data = put_fragment(&b, &d, 1, 10);
    size_t data2 = put_fragment(&b, &d, 1, 10);

    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_expect_eq(f.fragments, 3);
    cr_assert_eq(f.video.count, 5);
    expect_sample(&f.video, 1, data, 93000, 5, 3003, 0, true);
    expect_sample(&f.video, 2, data + 5, 96003, 5, 2997, 0, true);
    expect_sample(&f.video, 3, data2, 99000, 5, 3003, 0, true);
    cr_expect_eq(vg_mp4_track_end(&f.video), 99000 + 6000);
    vg_mp4_file_done(&f);

    /* without any tfdt a track starts at 0 */
    b.len = 0;
    put_init(&b, true, false);
    data = put_fragment(&b, &d, 1, 10);
    f = read_ok(b.p, b.len);
    expect_sample(&f.video, 0, data, 0, 5, 3003, 0, true);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, tfdt_and_trun_version_0)
{
    struct buf b = {0};
    put_init(&b, true, false);
    uint32_t sizes[] = {3}, durations[] = {3000}, flags[] = {SYNC};
    int32_t ctos[] = {6000};
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_IS_MOOF,
                          .tfdt = true,
                          .tfdt_version = 0,
                          .dts = 0xFFFFFFF0u,
                          .trun_version = 0,
                          .trun_flags = DATA_OFFSET | DURATION | SIZE | FLAGS | CTO,
                          .count = 1,
                          .durations = durations,
                          .sizes = sizes,
                          .flags = flags,
                          .ctos = ctos};
    size_t data = put_fragment(&b, &d, 1, 3);
    struct vg_mp4_file f = read_ok(b.p, b.len);
    expect_sample(&f.video, 0, data, 0xFFFFFFF0, 3, 3000, 6000, true);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, first_sample_flags_override_the_defaults)
{
    struct buf b = {0};
    put_init(&b, true, true);
    uint32_t sizes[] = {1, 2, 3};
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_IS_MOOF | DEFAULT_FLAGS | DEFAULT_DURATION,
                          .def_flags = NON_SYNC,
                          .def_duration = 3000,
                          .tfdt = true,
                          .tfdt_version = 1,
                          .trun_flags = DATA_OFFSET | FIRST_FLAGS | SIZE,
                          .first_flags = SYNC,
                          .count = 3,
                          .sizes = sizes};
    put_fragment(&b, &d, 1, 6);
    /* audio samples are key whatever their flags say */
    d.track = AUDIO;
    put_fragment(&b, &d, 1, 6);
    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_assert_eq(f.video.count, 3);
    cr_expect(f.video.samples[0].key);
    cr_expect_not(f.video.samples[1].key);
    cr_expect_not(f.video.samples[2].key);
    cr_assert_eq(f.audio.count, 3);
    for (size_t i = 0; i < 3; i++)
        cr_expect(f.audio.samples[i].key);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, trex_defaults_apply_when_tfhd_has_none)
{
    struct buf b = {0};
    put_init(&b, true, false);
    struct box trex = find(&b, "moov/mvex/trex");
    size_t at = (size_t)(trex.body - b.p);
    patch32(&b, at + 12, 1800); /* duration */
    patch32(&b, at + 16, 4);    /* size */
    patch32(&b, at + 20, NON_SYNC);
    struct traf_desc d = {.track = VIDEO,
                          .tfhd_flags = BASE_IS_MOOF,
                          .tfdt = true,
                          .tfdt_version = 1,
                          .dts = 100,
                          .trun_flags = DATA_OFFSET,
                          .count = 2};
    size_t data = put_fragment(&b, &d, 1, 8);
    struct vg_mp4_file f = read_ok(b.p, b.len);
    cr_assert_eq(f.video.count, 2);
    expect_sample(&f.video, 0, data, 100, 4, 1800, 0, false);
    expect_sample(&f.video, 1, data + 4, 1900, 4, 1800, 0, false);
    vg_mp4_file_done(&f);
    free(b.p);
}

/* ---- the callback ---- */

struct file {
    const uint8_t *data;
    size_t len;
    unsigned reads;
    uint64_t fail_at; /* a read covering this byte fails */
    int err;
};

static int read_file(void *arg, uint64_t offset, uint8_t *buf, size_t len)
{
    struct file *f = arg;
    f->reads++;
    cr_assert_leq(offset, f->len, "read past the end");
    cr_assert_leq(len, f->len - offset, "read past the end");
    if (f->err && f->fail_at >= offset && f->fail_at - offset < len)
        return f->err;
    memcpy(buf, f->data + offset, len);
    return 0;
}

Test(mp4_read, read_errors_are_passed_back)
{
    struct buf b = {0};
    put_init(&b, true, true);
    size_t init_len = b.len;
    for (int i = 0; i < 8; i++)
        put_frame(&b, i % 2 ? VG_TRACK_AUDIO : VG_TRACK_VIDEO, true, i * 1000, i * 1000, 1000,
                  20000);
    size_t points[] = {0, 40, init_len - 1, init_len, init_len + 200, b.len - 20001, b.len - 1};
    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
        struct file file = {.data = b.p, .len = b.len, .fail_at = points[i], .err = -EIO};
        struct vg_mp4_file f = {.fragments = 77};
        int r = vg_mp4_read(read_file, &file, b.len, &f);
        /* the last fragment's payload is never read */
        if (points[i] == b.len - 1) {
            cr_expect_eq(r, 0);
            vg_mp4_file_done(&f);
            continue;
        }
        cr_expect_eq(r, -EIO, "failing at %zu gave %d", points[i], r);
        cr_expect_eq(f.fragments, 77, "ret written on failure");
    }
    /* -ENODATA goes through like any other error */
    struct file file = {.data = b.p, .len = b.len, .fail_at = b.len - 20001, .err = -ENODATA};
    struct vg_mp4_file f;
    cr_expect_eq(vg_mp4_read(read_file, &file, b.len, &f), -ENODATA);
    free(b.p);
}

Test(mp4_read, a_fragment_costs_about_one_read)
{
    struct buf b = {0};
    put_init(&b, true, true);
    for (int i = 0; i < 20; i++)
        put_frame(&b, i % 2 ? VG_TRACK_AUDIO : VG_TRACK_VIDEO, true, i * 1000, i * 1000, 1000,
                  40000);
    /* small fragments share reads */
    for (int i = 20; i < 60; i++)
        put_frame(&b, VG_TRACK_AUDIO, true, i * 1000, i * 1000, 1000, 100);
    struct file file = {.data = b.p, .len = b.len};
    struct vg_mp4_file f;
    cr_assert_eq(vg_mp4_read(read_file, &file, b.len, &f), 0);
    cr_expect_eq(f.fragments, 60);
    cr_expect_leq(file.reads, 20 + 3, "%u reads", file.reads);
    vg_mp4_file_done(&f);
    free(b.p);
}

Test(mp4_read, done_accepts_a_zeroed_file_and_end_of_an_empty_track_is_0)
{
    struct vg_mp4_file f = {0};
    vg_mp4_file_done(&f);
    vg_mp4_file_done(&f);
    cr_expect_eq(vg_mp4_track_end(&f.video), 0);
}
