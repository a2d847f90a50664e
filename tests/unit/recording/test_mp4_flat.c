/* Flat MP4 headers: boxes walked with the test box reader, every sample table
 * checked against the runs it describes, files over 4 GiB described without
 * being made, and a small real file read back by ffprobe. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/fmp4.h"
#include "media/frame.h"
#include "recording/mp4_flat.h"

#include "../media/av_data.h"
#include "../media/boxes.h"

#define DATA VG_TEST_DATA "/media/data/"

#define VIDEO_ID 1
#define AUDIO_ID 2

/* ---- fixtures ---- */

/* avcC: Constrained Baseline 3.0, one SPS, one PPS (content irrelevant here). */
static uint8_t avcc[] = {0x01, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0x00, 0x04, 0x67,
                         0x42, 0xC0, 0x1E, 0x01, 0x00, 0x02, 0x68, 0xCE};
/* AudioSpecificConfig: AAC-LC, 48 kHz, stereo. */
static uint8_t asc[] = {0x11, 0x90};

/* The trak whose tkhd has this track id. */
static bool find_trak(const uint8_t *p, size_t len, uint32_t id, struct box *out)
{
    struct box moov, trak, tkhd;
    if (!box_find(p, len, "moov", &moov))
        return false;
    for (unsigned i = 0; box_child_nth(moov.body, moov.body_len, "trak", i, &trak); i++) {
        if (!box_child(trak.body, trak.body_len, "tkhd", &tkhd))
            continue;
        uint32_t tid = box_u32(tkhd.body + (tkhd.body[0] == 1 ? 20 : 12));
        if (tid == id) {
            *out = trak;
            return true;
        }
    }
    return false;
}

/* A copy of the stsd box of track id in an init segment. */
static uint8_t *copy_stsd(const uint8_t *init, size_t len, uint32_t id, size_t *ret_len)
{
    struct box trak, stsd;
    cr_assert(find_trak(init, len, id, &trak));
    cr_assert(box_find(trak.body, trak.body_len, "mdia/minf/stbl/stsd", &stsd));
    uint8_t *copy = malloc(stsd.size);
    cr_assert_not_null(copy);
    memcpy(copy, stsd.start, stsd.size);
    *ret_len = stsd.size;
    return copy;
}

/* Both tracks of an H.264 640x480 + AAC 48 kHz recording, with the sample
 * descriptions its segments would carry. Free with tracks_free(). */
static void tracks_default(struct vg_mp4_flat_track tracks[2])
{
    struct vg_stream_params p = {0};
    p.video.codec = VG_CODEC_H264;
    p.video.timescale = VG_VIDEO_TIMESCALE;
    p.video.width = 640;
    p.video.height = 480;
    p.video.config = avcc;
    p.video.config_len = sizeof(avcc);
    p.audio.codec = VG_CODEC_AAC;
    p.audio.timescale = 48000;
    p.audio.sample_rate = 48000;
    p.audio.channels = 2;
    p.audio.config = asc;
    p.audio.config_len = sizeof(asc);
    uint8_t *init;
    size_t len;
    cr_assert_eq(vg_fmp4_init_segment(&p, &init, &len), 0);
    tracks[0] = (struct vg_mp4_flat_track){
        .present = true, .video = true, .timescale = 90000, .width = 640, .height = 480};
    tracks[0].stsd = copy_stsd(init, len, VG_FMP4_VIDEO_TRACK, &tracks[0].stsd_len);
    tracks[1] = (struct vg_mp4_flat_track){.present = true, .timescale = 48000};
    tracks[1].stsd = copy_stsd(init, len, VG_FMP4_AUDIO_TRACK, &tracks[1].stsd_len);
    free(init);
}

static void tracks_free(struct vg_mp4_flat_track tracks[2])
{
    for (size_t i = 0; i < 2; i++)
        free((void *)tracks[i].stsd);
}

static struct vg_mp4_sample smp(uint32_t size, uint32_t duration, int32_t cto, bool key)
{
    return (struct vg_mp4_sample){.size = size, .duration = duration, .cto = cto, .key = key};
}

static struct vg_mp4_run run_of(unsigned track, const struct vg_mp4_sample *samples, size_t count)
{
    return (struct vg_mp4_run){.track = track, .samples = samples, .count = count};
}

/* Video: two GOPs of three frames, B-frame-like composition offsets, sizes
 * all different. Audio: four frames of 20 bytes. Runs interleave them. */
static struct vg_mp4_sample video6[6], audio4[4];
static struct vg_mp4_run runs4[4];

static void runs_default(void)
{
    static const uint32_t sizes[6] = {1000, 200, 300, 1100, 250, 260};
    for (size_t i = 0; i < 6; i++)
        video6[i] = smp(sizes[i], 3000, i % 3 == 0 ? 0 : 6000, i % 3 == 0);
    for (size_t i = 0; i < 4; i++)
        audio4[i] = smp(20, 1024, 0, true);
    runs4[0] = run_of(0, video6, 3);
    runs4[1] = run_of(1, audio4, 2);
    runs4[2] = run_of(0, video6 + 3, 3);
    runs4[3] = run_of(1, audio4 + 2, 2);
}

/* A header made and checked: ftyp, moov whose boxes add up, mdat header. */
struct flat {
    uint8_t *hdr;
    size_t len;
    uint64_t total;
    size_t moov_end; /* where the mdat header starts */
};

static struct flat flat_ok(const struct vg_mp4_flat_track tracks[2], const struct vg_mp4_run *runs,
                           size_t count)
{
    struct flat f = {0};
    cr_assert_eq(vg_mp4_flat_header(tracks, runs, count, &f.hdr, &f.len, &f.total), 0);
    cr_assert_not_null(f.hdr);
    struct box ftyp, moov;
    cr_assert(box_read(f.hdr, f.len, &ftyp));
    cr_assert_str_eq(ftyp.type, "ftyp");
    cr_assert(box_read(f.hdr + ftyp.size, f.len - ftyp.size, &moov));
    cr_assert_str_eq(moov.type, "moov");
    f.moov_end = ftyp.size + moov.size;
    cr_assert_gt(box_walk(f.hdr, f.moov_end, 0), 0, "ftyp and moov boxes do not add up");
    return f;
}

/* The payload length the mdat header gives, checking its form. */
static uint64_t mdat_payload(const struct flat *f)
{
    const uint8_t *m = f->hdr + f->moov_end;
    size_t n = f->len - f->moov_end;
    cr_assert_eq(memcmp(m + 4, "mdat", 4), 0);
    if (n == 8)
        return box_u32(m) - 8;
    cr_assert_eq(n, 16, "an mdat header is 8 or 16 bytes");
    cr_assert_eq(box_u32(m), 1, "size 1: a largesize follows");
    return box_u64(m + 8) - 16;
}

static bool has_box(const struct flat *f, uint32_t id, const char *path)
{
    struct box trak, b;
    cr_assert(find_trak(f->hdr, f->moov_end, id, &trak), "no track %u", id);
    return box_find(trak.body, trak.body_len, path, &b);
}

static struct box trak_box(const struct flat *f, uint32_t id, const char *path)
{
    struct box trak, b;
    cr_assert(find_trak(f->hdr, f->moov_end, id, &trak), "no track %u", id);
    cr_assert(box_find(trak.body, trak.body_len, path, &b), "track %u has no %s", id, path);
    return b;
}

static struct box stbl_box(const struct flat *f, uint32_t id, const char *type)
{
    char path[64];
    snprintf(path, sizeof(path), "mdia/minf/stbl/%s", type);
    return trak_box(f, id, path);
}

static bool has_stbl_box(const struct flat *f, uint32_t id, const char *type)
{
    char path[64];
    snprintf(path, sizeof(path), "mdia/minf/stbl/%s", type);
    return has_box(f, id, path);
}

/* A table's entries as 32-bit words, after version/flags and entry_count
 * (stss, stco) or the two counts of stts/ctts entries. Checks the count. */
static const uint8_t *entries(const struct box *b, uint32_t count, size_t entry_size)
{
    cr_assert_eq(box_u32(b->body + 4), count, "%s entry_count", b->type);
    cr_assert_eq(b->body_len, 8 + count * entry_size, "%s length", b->type);
    return b->body + 8;
}

static uint64_t run_len(const struct vg_mp4_run *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        n += r->samples[i].size;
    return n;
}

/* ---- layout ---- */

Test(mp4_flat, header_is_ftyp_moov_then_mdat_header)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);

    struct box ftyp;
    cr_assert(box_read(f.hdr, f.len, &ftyp));
    cr_expect_eq(memcmp(ftyp.body, "isom", 4), 0, "major brand");
    cr_assert_eq(ftyp.body_len, 8 + 4 * 4);
    cr_expect_eq(memcmp(ftyp.body + 8, "isomiso2avc1mp41", 16), 0, "compatible brands");

    uint64_t payload = 0;
    for (size_t i = 0; i < 4; i++)
        payload += run_len(&runs4[i]);
    cr_expect_eq(f.len - f.moov_end, 8);
    cr_expect_eq(mdat_payload(&f), payload);
    cr_expect_eq(f.total, f.len + payload);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, boxes_add_up_and_nest)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);
    /* ftyp moov mvhd; video: trak tkhd mdia mdhd hdlr minf vmhd dinf dref url
     * stbl stsd avc1 avcC stts ctts stss stsc stsz stco; audio the same with
     * smhd, mp4a, esds and without ctts and stss */
    cr_expect_eq(box_walk(f.hdr, f.moov_end, 0), 3 + 20 + 18);
    struct box b;
    cr_expect(box_find(f.hdr, f.moov_end, "moov/mvhd", &b));
    cr_expect(box_find(f.hdr, f.moov_end, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC", &b));
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, mvhd_duration_is_the_longest_track_in_milliseconds)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);
    struct box mvhd;
    cr_assert(box_find(f.hdr, f.moov_end, "moov/mvhd", &mvhd));
    cr_expect_eq(mvhd.body[0], 0, "version 0");
    cr_expect_eq(box_u32(mvhd.body + 12), 1000);
    cr_expect_eq(box_u32(mvhd.body + 16), 200, "video: 6 * 3000 / 90 kHz");
    cr_expect_eq(box_u32(mvhd.body + 96), 3, "next_track_ID");
    free(f.hdr);

    /* now audio is longer: 40 * 1024 / 48 kHz = 853.3 ms, rounded up */
    static struct vg_mp4_sample audio[40];
    for (size_t i = 0; i < 40; i++)
        audio[i] = smp(20, 1024, 0, true);
    struct vg_mp4_run runs[2] = {runs4[0], run_of(1, audio, 40)};
    f = flat_ok(tracks, runs, 2);
    cr_assert(box_find(f.hdr, f.moov_end, "moov/mvhd", &mvhd));
    cr_expect_eq(box_u32(mvhd.body + 16), 854);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, tkhd_is_enabled_in_movie_and_preview_with_duration_size_and_volume)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);
    struct box tkhd = trak_box(&f, VIDEO_ID, "tkhd");
    cr_assert_eq(tkhd.size, 92);
    cr_expect_eq(box_u24(tkhd.body + 1), 7, "enabled | in_movie | in_preview");
    cr_expect_eq(box_u32(tkhd.body + 20), 200, "duration in ms");
    cr_expect_eq(box_u16(tkhd.body + 36), 0, "video volume");
    cr_expect_eq(box_u32(tkhd.body + 76), 640u << 16);
    cr_expect_eq(box_u32(tkhd.body + 80), 480u << 16);

    tkhd = trak_box(&f, AUDIO_ID, "tkhd");
    cr_expect_eq(box_u24(tkhd.body + 1), 7);
    cr_expect_eq(box_u32(tkhd.body + 20), 86, "4 * 1024 / 48 kHz = 85.3 ms, rounded up");
    cr_expect_eq(box_u16(tkhd.body + 36), 0x0100, "audio volume");
    cr_expect_eq(box_u32(tkhd.body + 76), 0);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, mdia_has_timescale_duration_handler_and_media_header)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);
    struct box b = trak_box(&f, VIDEO_ID, "mdia/mdhd");
    cr_expect_eq(box_u32(b.body + 12), 90000);
    cr_expect_eq(box_u32(b.body + 16), 18000);
    b = trak_box(&f, VIDEO_ID, "mdia/hdlr");
    cr_expect_eq(memcmp(b.body + 8, "vide", 4), 0);
    cr_expect(has_box(&f, VIDEO_ID, "mdia/minf/vmhd"));
    cr_expect_not(has_box(&f, VIDEO_ID, "mdia/minf/smhd"));
    b = trak_box(&f, VIDEO_ID, "mdia/minf/dinf/dref/url ");
    cr_expect_eq(box_u24(b.body + 1), 1, "media in this file");

    b = trak_box(&f, AUDIO_ID, "mdia/mdhd");
    cr_expect_eq(box_u32(b.body + 12), 48000);
    cr_expect_eq(box_u32(b.body + 16), 4096);
    b = trak_box(&f, AUDIO_ID, "mdia/hdlr");
    cr_expect_eq(memcmp(b.body + 8, "soun", 4), 0);
    cr_expect(has_box(&f, AUDIO_ID, "mdia/minf/smhd"));
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, stsd_is_copied_verbatim)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);
    for (uint32_t id = VIDEO_ID; id <= AUDIO_ID; id++) {
        struct box stsd = stbl_box(&f, id, "stsd");
        cr_assert_eq(stsd.size, tracks[id - 1].stsd_len);
        cr_expect_eq(memcmp(stsd.start, tracks[id - 1].stsd, stsd.size), 0);
    }
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, audio_only_file_has_track_2)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    tracks[0].present = false;
    runs_default();
    struct vg_mp4_run runs[2] = {runs4[1], runs4[3]};
    struct flat f = flat_ok(tracks, runs, 2);
    struct box trak, mvhd;
    cr_expect(find_trak(f.hdr, f.moov_end, AUDIO_ID, &trak));
    cr_expect_not(find_trak(f.hdr, f.moov_end, VIDEO_ID, &trak));
    cr_assert(box_find(f.hdr, f.moov_end, "moov/mvhd", &mvhd));
    cr_expect_eq(box_u32(mvhd.body + 96), 3);
    cr_expect_eq(box_u32(mvhd.body + 16), 86);
    cr_expect_eq(mdat_payload(&f), 80);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, present_track_without_runs_has_empty_tables)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct vg_mp4_run runs[2] = {runs4[0], runs4[2]};
    struct flat f = flat_ok(tracks, runs, 2);
    static const char *tables[] = {"stts", "stsc", "stco"};
    for (size_t i = 0; i < 3; i++) {
        struct box b = stbl_box(&f, AUDIO_ID, tables[i]);
        entries(&b, 0, 0);
    }
    struct box stsz = stbl_box(&f, AUDIO_ID, "stsz");
    cr_expect_eq(box_u32(stsz.body + 4), 0, "sample_size");
    cr_expect_eq(box_u32(stsz.body + 8), 0, "sample_count");
    cr_expect_eq(box_u32(trak_box(&f, AUDIO_ID, "mdia/mdhd").body + 16), 0);
    free(f.hdr);
    tracks_free(tracks);
}

/* ---- sample tables ---- */

Test(mp4_flat, stts_codes_runs_of_equal_durations_across_runs)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    struct vg_mp4_sample a[3] = {smp(5, 3000, 0, true), smp(5, 3000, 0, false),
                                 smp(5, 3000, 0, false)};
    struct vg_mp4_sample b[4] = {smp(5, 3000, 0, false), smp(5, 3600, 0, false),
                                 smp(5, 3600, 0, false), smp(5, 3000, 0, false)};
    struct vg_mp4_run runs[2] = {run_of(0, a, 3), run_of(0, b, 4)};
    struct flat f = flat_ok(tracks, runs, 2);
    struct box stts = stbl_box(&f, VIDEO_ID, "stts");
    const uint8_t *e = entries(&stts, 3, 8);
    static const uint32_t want[3][2] = {{4, 3000}, {2, 3600}, {1, 3000}};
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq(box_u32(e + 8 * i), want[i][0], "stts entry %zu count", i);
        cr_expect_eq(box_u32(e + 8 * i + 4), want[i][1], "stts entry %zu delta", i);
    }
    cr_expect_eq(box_u32(trak_box(&f, VIDEO_ID, "mdia/mdhd").body + 16), 5 * 3000 + 2 * 3600);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, ctts_is_left_out_without_composition_offsets)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    for (size_t i = 0; i < 6; i++)
        video6[i].cto = 0;
    struct flat f = flat_ok(tracks, runs4, 4);
    cr_expect_not(has_stbl_box(&f, VIDEO_ID, "ctts"));
    cr_expect_not(has_stbl_box(&f, AUDIO_ID, "ctts"));
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, ctts_version_0_holds_positive_offsets)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);
    struct box ctts = stbl_box(&f, VIDEO_ID, "ctts");
    cr_expect_eq(ctts.body[0], 0, "version 0");
    /* 0, 6000, 6000 | 0, 6000, 6000 */
    const uint8_t *e = entries(&ctts, 4, 8);
    static const uint32_t want[4][2] = {{1, 0}, {2, 6000}, {1, 0}, {2, 6000}};
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(box_u32(e + 8 * i), want[i][0], "ctts entry %zu count", i);
        cr_expect_eq(box_u32(e + 8 * i + 4), want[i][1], "ctts entry %zu offset", i);
    }
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, ctts_version_1_when_an_offset_is_negative)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    video6[1].cto = -3000;
    struct flat f = flat_ok(tracks, runs4, 4);
    struct box ctts = stbl_box(&f, VIDEO_ID, "ctts");
    cr_expect_eq(ctts.body[0], 1, "version 1: signed");
    const uint8_t *e = entries(&ctts, 5, 8);
    static const int32_t want[5][2] = {{1, 0}, {1, -3000}, {1, 6000}, {1, 0}, {2, 6000}};
    for (size_t i = 0; i < 5; i++) {
        cr_expect_eq(box_u32(e + 8 * i), (uint32_t)want[i][0], "ctts entry %zu count", i);
        cr_expect_eq((int32_t)box_u32(e + 8 * i + 4), want[i][1], "ctts entry %zu offset", i);
    }
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, stss_numbers_video_key_samples_from_1)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    video6[5].key = true;
    struct flat f = flat_ok(tracks, runs4, 4);
    struct box stss = stbl_box(&f, VIDEO_ID, "stss");
    const uint8_t *e = entries(&stss, 3, 4);
    cr_expect_eq(box_u32(e), 1);
    cr_expect_eq(box_u32(e + 4), 4);
    cr_expect_eq(box_u32(e + 8), 6);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, stss_is_left_out_when_every_sample_is_key_and_for_audio)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    for (size_t i = 0; i < 6; i++)
        video6[i].key = true;
    audio4[1].key = false; /* audio has no stss whatever the flags say */
    struct flat f = flat_ok(tracks, runs4, 4);
    cr_expect_not(has_stbl_box(&f, VIDEO_ID, "stss"));
    cr_expect_not(has_stbl_box(&f, AUDIO_ID, "stss"));
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, stsc_has_an_entry_where_samples_per_chunk_change)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    static struct vg_mp4_sample v[13], a[10];
    for (size_t i = 0; i < 13; i++)
        v[i] = smp(10, 3000, 0, i == 0);
    for (size_t i = 0; i < 10; i++)
        a[i] = smp(10, 1024, 0, true);
    /* video chunks of 3, 3, 2, 2, 3 samples; audio of 5, 5 */
    struct vg_mp4_run runs[7] = {run_of(0, v, 3),     run_of(1, a, 5),     run_of(0, v + 3, 3),
                                 run_of(0, v + 6, 2), run_of(1, a + 5, 5), run_of(0, v + 8, 2),
                                 run_of(0, v + 10, 3)};
    struct flat f = flat_ok(tracks, runs, 7);
    struct box stsc = stbl_box(&f, VIDEO_ID, "stsc");
    const uint8_t *e = entries(&stsc, 3, 12);
    static const uint32_t want[3][2] = {{1, 3}, {3, 2}, {5, 3}};
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq(box_u32(e + 12 * i), want[i][0], "stsc entry %zu first_chunk", i);
        cr_expect_eq(box_u32(e + 12 * i + 4), want[i][1], "stsc entry %zu samples", i);
        cr_expect_eq(box_u32(e + 12 * i + 8), 1, "sample_description_index");
    }
    stsc = stbl_box(&f, AUDIO_ID, "stsc");
    e = entries(&stsc, 1, 12);
    cr_expect_eq(box_u32(e), 1);
    cr_expect_eq(box_u32(e + 4), 5);
    cr_expect_eq(box_u32(stbl_box(&f, VIDEO_ID, "stco").body + 4), 5, "one chunk per run");
    cr_expect_eq(box_u32(stbl_box(&f, AUDIO_ID, "stco").body + 4), 2);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, stsz_lists_sizes_or_gives_the_one_size_they_share)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);
    struct box stsz = stbl_box(&f, VIDEO_ID, "stsz");
    cr_expect_eq(box_u32(stsz.body + 4), 0, "sizes differ: a table");
    cr_expect_eq(box_u32(stsz.body + 8), 6);
    cr_assert_eq(stsz.body_len, 12 + 6 * 4);
    for (size_t i = 0; i < 6; i++)
        cr_expect_eq(box_u32(stsz.body + 12 + 4 * i), video6[i].size, "size of sample %zu", i);

    stsz = stbl_box(&f, AUDIO_ID, "stsz");
    cr_expect_eq(box_u32(stsz.body + 4), 20, "all 20 bytes");
    cr_expect_eq(box_u32(stsz.body + 8), 4);
    cr_expect_eq(stsz.body_len, 12, "no table");
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, chunk_offsets_follow_the_runs_in_order)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat f = flat_ok(tracks, runs4, 4);
    /* video 1500 bytes, audio 40, video 1610, audio 40 */
    struct box stco = stbl_box(&f, VIDEO_ID, "stco");
    const uint8_t *e = entries(&stco, 2, 4);
    cr_expect_eq(box_u32(e), f.len, "the first run right after the header");
    cr_expect_eq(box_u32(e + 4), f.len + 1500 + 40);
    stco = stbl_box(&f, AUDIO_ID, "stco");
    e = entries(&stco, 2, 4);
    cr_expect_eq(box_u32(e), f.len + 1500);
    cr_expect_eq(box_u32(e + 4), f.len + 1500 + 40 + 1610);
    cr_expect_eq(f.total, f.len + 1500 + 40 + 1610 + 40);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, source_and_offset_do_not_change_the_header)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct flat a = flat_ok(tracks, runs4, 4);
    for (size_t i = 0; i < 4; i++) {
        runs4[i].source = (uint32_t)(7 * i + 1);
        runs4[i].offset = 123456789 * (i + 1);
    }
    struct flat b = flat_ok(tracks, runs4, 4);
    cr_assert_eq(a.len, b.len);
    cr_expect_eq(memcmp(a.hdr, b.hdr, a.len), 0);
    free(a.hdr);
    free(b.hdr);
    tracks_free(tracks);
}

/* ---- refused ---- */

static void expect_refused(const struct vg_mp4_flat_track tracks[2], const struct vg_mp4_run *runs,
                           size_t count, const char *why)
{
    uint8_t *hdr = (uint8_t *)"untouched";
    size_t len = 12345;
    uint64_t total = 67890;
    cr_expect_eq(vg_mp4_flat_header(tracks, runs, count, &hdr, &len, &total), -EINVAL, "%s", why);
    cr_expect_str_eq((char *)hdr, "untouched", "%s: ret_header written on failure", why);
    cr_expect_eq(len, 12345, "%s: ret_header_len written on failure", why);
    cr_expect_eq(total, 67890, "%s: ret_total_len written on failure", why);
}

Test(mp4_flat, refuses_runs_it_cannot_lay_out)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();
    struct vg_mp4_run runs[4];

    memcpy(runs, runs4, sizeof(runs));
    runs[1].track = 2;
    expect_refused(tracks, runs, 4, "no track 2");

    memcpy(runs, runs4, sizeof(runs));
    runs[2].count = 0;
    expect_refused(tracks, runs, 4, "a run without samples");

    memcpy(runs, runs4, sizeof(runs));
    runs[3].samples = NULL;
    expect_refused(tracks, runs, 4, "a run with no sample array");

    video6[0].key = false;
    expect_refused(tracks, runs4, 4, "video starting on a non-key frame");
    video6[0].key = true;
    audio4[0].key = false;
    struct vg_mp4_run audio_first[2] = {runs4[1], runs4[0]};
    struct flat ok = flat_ok(tracks, audio_first, 2); /* only video needs a key frame first */
    free(ok.hdr);

    tracks[1].present = false;
    expect_refused(tracks, runs4, 4, "a run naming an absent track");
    tracks[0].present = false;
    expect_refused(tracks, NULL, 0, "no track present");
    tracks_free(tracks);
}

Test(mp4_flat, refuses_tracks_it_cannot_describe)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    runs_default();

    tracks[0].timescale = 0;
    expect_refused(tracks, runs4, 4, "no timescale");
    tracks[0].timescale = 90000;

    const uint8_t *stsd = tracks[1].stsd;
    tracks[1].stsd = NULL;
    expect_refused(tracks, runs4, 4, "no stsd");
    tracks[1].stsd = stsd;
    tracks[1].stsd_len--;
    expect_refused(tracks, runs4, 4, "stsd length not its box size");
    tracks[1].stsd_len++;
    tracks[1].stsd = tracks[0].stsd + 8; /* inside it: not a box header */
    expect_refused(tracks, runs4, 4, "not an stsd box");
    tracks[1].stsd = stsd;

    tracks[0].width = 70000;
    expect_refused(tracks, runs4, 4, "width beyond tkhd's 16.16");
    tracks_free(tracks);
}

/* ---- beyond 32 bits ---- */

#define BIG 0x7FFFFFF0u /* a sample of almost 2 GiB: only described, never made */

Test(mp4_flat, payload_over_4_gib_gets_largesize_mdat_and_co64)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    struct vg_mp4_sample v[3] = {smp(BIG, 3000, 0, true), smp(BIG, 3000, 0, false),
                                 smp(BIG, 3000, 0, false)};
    struct vg_mp4_sample a[2] = {smp(300, 1024, 0, true), smp(301, 1024, 0, true)};
    /* video | audio | video | audio | video, 2 GiB each video run */
    struct vg_mp4_run runs[5] = {run_of(0, v, 1), run_of(1, a, 1), run_of(0, v + 1, 1),
                                 run_of(1, a + 1, 1), run_of(0, v + 2, 1)};
    struct flat f = flat_ok(tracks, runs, 5);
    uint64_t payload = 3 * (uint64_t)BIG + 601;
    cr_expect_eq(f.len - f.moov_end, 16);
    cr_expect_eq(mdat_payload(&f), payload);
    cr_expect_eq(f.total, f.len + payload);
    cr_expect_gt(f.total, (uint64_t)UINT32_MAX);

    /* the runs at 2 GiB fit 32 bits, those past 4 GiB do not */
    cr_expect_not(has_stbl_box(&f, VIDEO_ID, "stco"));
    struct box co64 = stbl_box(&f, VIDEO_ID, "co64");
    const uint8_t *e = entries(&co64, 3, 8);
    cr_expect_eq(box_u64(e), f.len);
    cr_expect_eq(box_u64(e + 8), f.len + BIG + 300);
    cr_expect_eq(box_u64(e + 16), f.len + 2 * (uint64_t)BIG + 601);
    cr_expect_not(has_stbl_box(&f, AUDIO_ID, "stco"));
    co64 = stbl_box(&f, AUDIO_ID, "co64");
    e = entries(&co64, 2, 8);
    cr_expect_eq(box_u64(e), f.len + BIG);
    cr_expect_eq(box_u64(e + 8), f.len + 2 * (uint64_t)BIG + 300);
    free(f.hdr);
    tracks_free(tracks);
}

/* Each track's offsets are as wide as its own need. */
Test(mp4_flat, only_the_track_with_a_chunk_past_4_gib_gets_co64)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    struct vg_mp4_sample v[3] = {smp(BIG, 3000, 0, true), smp(BIG, 3000, 0, false),
                                 smp(BIG, 3000, 0, false)};
    struct vg_mp4_sample a[2] = {smp(300, 1024, 0, true), smp(301, 1024, 0, true)};
    /* audio | video | audio | video | video, 2 GiB each video run */
    struct vg_mp4_run runs[5] = {run_of(1, a, 1), run_of(0, v, 1), run_of(1, a + 1, 1),
                                 run_of(0, v + 1, 1), run_of(0, v + 2, 1)};
    struct flat f = flat_ok(tracks, runs, 5);
    struct box stco = stbl_box(&f, AUDIO_ID, "stco");
    const uint8_t *e = entries(&stco, 2, 4);
    cr_expect_eq(box_u32(e), f.len);
    cr_expect_eq(box_u32(e + 4), f.len + 300 + BIG);
    struct box co64 = stbl_box(&f, VIDEO_ID, "co64");
    e = entries(&co64, 3, 8);
    cr_expect_eq(box_u64(e), f.len + 300);
    cr_expect_eq(box_u64(e + 8), f.len + 300 + BIG + 301);
    cr_expect_eq(box_u64(e + 16), f.len + 601 + 2 * (uint64_t)BIG);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, payload_over_4_gib_keeps_stco_while_every_chunk_starts_below)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    struct vg_mp4_sample v[3] = {smp(BIG, 3000, 0, true), smp(BIG, 3000, 0, false),
                                 smp(BIG, 3000, 0, false)};
    struct vg_mp4_run runs[1] = {run_of(0, v, 3)};
    tracks[1].present = false;
    struct flat f = flat_ok(tracks, runs, 1);
    cr_expect_eq(f.len - f.moov_end, 16);
    cr_expect_eq(mdat_payload(&f), 3 * (uint64_t)BIG);
    struct box stco = stbl_box(&f, VIDEO_ID, "stco");
    cr_expect_eq(box_u32(entries(&stco, 1, 4)), f.len);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, mdat_header_grows_only_past_32_bits)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    tracks[1].present = false;
    struct vg_mp4_sample v[2] = {smp(BIG, 3000, 0, true), smp(0, 3000, 0, false)};
    struct vg_mp4_run runs[1] = {run_of(0, v, 2)};

    v[1].size = UINT32_MAX - 8 - BIG; /* the largest 8-byte mdat header */
    struct flat f = flat_ok(tracks, runs, 1);
    cr_expect_eq(f.len - f.moov_end, 8);
    cr_expect_eq(box_u32(f.hdr + f.moov_end), UINT32_MAX);
    free(f.hdr);

    v[1].size++;
    f = flat_ok(tracks, runs, 1);
    cr_expect_eq(f.len - f.moov_end, 16);
    cr_expect_eq(mdat_payload(&f), (uint64_t)UINT32_MAX - 7);
    free(f.hdr);
    tracks_free(tracks);
}

/* Video's last chunk is past 4 GiB, audio's last one just below: giving video
 * 64-bit offsets lengthens the header and pushes audio over as well. */
Test(mp4_flat, wider_offsets_that_push_another_track_over_4_gib_widen_it_too)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    struct vg_mp4_sample v[3] = {smp(1, 3000, 0, true), smp(2, 3000, 0, false),
                                 smp(3, 3000, 0, false)};
    struct vg_mp4_sample a[2] = {smp(10, 1024, 0, true), smp(11, 1024, 0, true)};
    /* video (2 samples) | audio | audio | video: same table forms whatever the sizes */
    struct vg_mp4_run runs[4] = {run_of(0, v, 2), run_of(1, a, 1), run_of(1, a + 1, 1),
                                 run_of(0, v + 2, 1)};
    struct flat small = flat_ok(tracks, runs, 4);
    uint64_t h32 = small.len; /* the header with 32-bit offsets */
    free(small.hdr);

    /* the second audio run starts 2 bytes below 4 GiB with that header */
    uint64_t before = (uint64_t)UINT32_MAX - 2 - h32;
    v[0].size = BIG;
    v[1].size = (uint32_t)(before - 10 - BIG);
    struct flat f = flat_ok(tracks, runs, 4);
    cr_expect_eq(f.len, h32 + 2 * 4 + 2 * 4, "both tracks' two offsets widened");
    struct box co64 = stbl_box(&f, AUDIO_ID, "co64");
    const uint8_t *e = entries(&co64, 2, 8);
    cr_expect_eq(box_u64(e), f.len + before - 10);
    cr_expect_eq(box_u64(e + 8), f.len + before);
    cr_expect_gt(box_u64(e + 8), (uint64_t)UINT32_MAX);
    co64 = stbl_box(&f, VIDEO_ID, "co64");
    e = entries(&co64, 2, 8);
    cr_expect_eq(box_u64(e), f.len);
    cr_expect_eq(box_u64(e + 8), f.len + before + 11);
    free(f.hdr);
    tracks_free(tracks);
}

Test(mp4_flat, durations_past_32_bits_use_version_1_times)
{
    struct vg_mp4_flat_track tracks[2];
    tracks_default(tracks);
    tracks[0].present = false;
    tracks[1].timescale = 1;
    struct vg_mp4_sample a[2] = {smp(1, UINT32_MAX, 0, true), smp(1, UINT32_MAX, 0, true)};
    struct vg_mp4_run runs[1] = {run_of(1, a, 2)};
    struct flat f = flat_ok(tracks, runs, 1);
    uint64_t media = 2 * (uint64_t)UINT32_MAX;

    struct box b = trak_box(&f, AUDIO_ID, "mdia/mdhd");
    cr_expect_eq(b.body[0], 1);
    cr_expect_eq(box_u32(b.body + 20), 1, "timescale");
    cr_expect_eq(box_u64(b.body + 24), media);
    b = trak_box(&f, AUDIO_ID, "tkhd");
    cr_expect_eq(b.body[0], 1);
    cr_expect_eq(box_u32(b.body + 20), AUDIO_ID);
    cr_expect_eq(box_u64(b.body + 28), media * 1000);
    cr_assert(box_find(f.hdr, f.moov_end, "moov/mvhd", &b));
    cr_expect_eq(b.body[0], 1);
    cr_expect_eq(box_u32(b.body + 20), 1000);
    cr_expect_eq(box_u64(b.body + 24), media * 1000);
    free(f.hdr);
    tracks_free(tracks);
}

/* ---- a real file ---- */

/* A growing byte buffer. */
struct bytes {
    uint8_t *p;
    size_t len, cap;
};

static void bytes_put(struct bytes *b, const void *data, size_t n)
{
    if (b->cap - b->len < n) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        cr_assert_not_null(b->p);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* A recorded segment in memory, and the sample tables of what it holds,
 * worked out from the frames as they were written. */
struct segment {
    struct bytes file;
    uint8_t avcc[512];
    size_t avcc_len;
    struct vg_mp4_sample video[128], audio[128];
    size_t video_count, audio_count;
    struct vg_mp4_run runs[16];
    size_t run_count;
};

static struct vg_frame *frame_with(enum vg_track track, bool key, int64_t dts, uint32_t duration,
                                   const uint8_t *data, size_t len)
{
    struct vg_frame *f = vg_frame_new(len);
    cr_assert_not_null(f);
    f->track = track;
    f->key = key;
    f->dts = f->pts = dts;
    f->duration = duration;
    memcpy(f->data, data, len);
    return f;
}

/* Appends one fragment's payload for one track, noting each sample and the
 * run they make. */
static void put_track_data(struct segment *s, struct vg_frame **list, size_t n, enum vg_track t)
{
    struct vg_mp4_sample *table = t == VG_TRACK_VIDEO ? s->video : s->audio;
    size_t *count = t == VG_TRACK_VIDEO ? &s->video_count : &s->audio_count;
    size_t first = *count;
    for (size_t i = 0; i < n; i++) {
        struct vg_frame *f = list[i];
        if (f->track != t)
            continue;
        table[(*count)++] = (struct vg_mp4_sample){.offset = s->file.len,
                                                   .dts = f->dts,
                                                   .size = (uint32_t)f->len,
                                                   .duration = f->duration,
                                                   .key = f->key};
        bytes_put(&s->file, f->data, f->len);
    }
    if (*count == first)
        return;
    cr_assert_lt(s->run_count, 16);
    s->runs[s->run_count++] = (struct vg_mp4_run){.track = t == VG_TRACK_VIDEO ? 0 : 1,
                                                  .offset = table[first].offset,
                                                  .samples = table + first,
                                                  .count = *count - first};
}

/* An fMP4 segment as the recorder writes it: init segment, then fragments
 * of a second each made by vg_fmp4_fragment_run(). */
static void segment_make(struct segment *s, const struct h264_stream *v, const struct aac_stream *a)
{
    memset(s, 0, sizeof(*s));
    s->avcc_len = make_avcc(v, s->avcc, sizeof(s->avcc));
    struct vg_stream_params p = {0};
    p.video.codec = VG_CODEC_H264;
    p.video.timescale = VG_VIDEO_TIMESCALE;
    p.video.width = 320;
    p.video.height = 240;
    p.video.config = s->avcc;
    p.video.config_len = s->avcc_len;
    p.audio.codec = VG_CODEC_AAC;
    p.audio.timescale = a->rate;
    p.audio.sample_rate = a->rate;
    p.audio.channels = a->channels;
    p.audio.config = (uint8_t *)a->asc;
    p.audio.config_len = sizeof(a->asc);
    uint8_t *init;
    size_t len;
    cr_assert_eq(vg_fmp4_init_segment(&p, &init, &len), 0);
    bytes_put(&s->file, init, len);
    free(init);

    static struct vg_frame *list[256];
    static uint8_t hdr[VG_FMP4_RUN_HEADER_MAX(256)];
    size_t vi = 0, ai = 0;
    for (uint32_t seq = 1; vi < v->count || ai < a->count; seq++) {
        size_t n = 0;
        for (; vi < v->count && vi < seq * 25; vi++) {
            const struct access_unit *u = &v->au[vi];
            list[n++] = frame_with(VG_TRACK_VIDEO, u->key, (int64_t)vi * 3600, 3600,
                                   v->data + u->off, u->len);
        }
        for (; ai < a->count && (uint64_t)ai * 1024 < (uint64_t)seq * a->rate; ai++)
            list[n++] = frame_with(VG_TRACK_AUDIO, true, (int64_t)ai * 1024, 1024, a->frame[ai],
                                   a->frame_len[ai]);
        size_t h = vg_fmp4_fragment_run(seq, list, n, NULL, hdr, sizeof(hdr));
        cr_assert_gt(h, 0);
        bytes_put(&s->file, hdr, h);
        put_track_data(s, list, n, VG_TRACK_VIDEO);
        put_track_data(s, list, n, VG_TRACK_AUDIO);
        for (size_t i = 0; i < n; i++)
            vg_frame_unref(&list[i]);
    }
}

static bool have_tool(const char *name)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

struct probed {
    char codec[2][16];
    long frames[2];
    double duration[2];
    size_t streams;
};

static void probe_streams(const char *path, struct probed *pr)
{
    memset(pr, 0, sizeof(*pr));
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "ffprobe -v error -show_entries stream=codec_name,nb_frames,duration "
             "-of default=noprint_wrappers=1 '%s' 2>&1",
             path);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        cr_assert_not_null(eq, "ffprobe complained: %s", line);
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(line, "codec_name") == 0) {
            cr_assert_lt(pr->streams, 2);
            snprintf(pr->codec[pr->streams++], sizeof(pr->codec[0]), "%s", v);
            continue;
        }
        cr_assert_gt(pr->streams, 0, "%s before codec_name", line);
        if (strcmp(line, "nb_frames") == 0)
            pr->frames[pr->streams - 1] = strtol(v, NULL, 10);
        else if (strcmp(line, "duration") == 0)
            pr->duration[pr->streams - 1] = strtod(v, NULL);
    }
    cr_assert_eq(pclose(f), 0, "ffprobe failed");
}

static void expect_decodes_cleanly(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -i '%s' -f null - 2>&1", path);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char line[512];
    size_t complaints = 0;
    while (fgets(line, sizeof(line), f)) {
        cr_log_error("ffmpeg: %s", line);
        complaints++;
    }
    cr_expect_eq(pclose(f), 0, "ffmpeg failed");
    cr_expect_eq(complaints, 0, "ffmpeg reported errors decoding %s", path);
}

Test(mp4_flat, file_over_a_recorded_segment_reads_back_through_ffprobe)
{
    size_t vlen, alen;
    uint8_t *vraw = read_all(DATA "baseline_320x240.h264", &vlen);
    uint8_t *araw = read_all(DATA "sine_48k_mono.aac", &alen);
    static struct h264_stream v;
    static struct aac_stream a;
    static struct segment s;
    h264_split(vraw, vlen, &v);
    adts_split(araw, alen, &a);
    segment_make(&s, &v, &a);
    cr_assert_eq(s.video_count, v.count);
    cr_assert_eq(s.audio_count, a.count);

    struct vg_mp4_flat_track tracks[2] = {
        {.present = true, .video = true, .timescale = 90000, .width = 320, .height = 240},
        {.present = true, .timescale = a.rate},
    };
    tracks[0].stsd = copy_stsd(s.file.p, s.file.len, VG_FMP4_VIDEO_TRACK, &tracks[0].stsd_len);
    tracks[1].stsd = copy_stsd(s.file.p, s.file.len, VG_FMP4_AUDIO_TRACK, &tracks[1].stsd_len);
    struct flat f = flat_ok(tracks, s.runs, s.run_count);

    /* the file as it would be sent: the header, then each run's bytes */
    struct bytes out = {0};
    bytes_put(&out, f.hdr, f.len);
    for (size_t i = 0; i < s.run_count; i++)
        bytes_put(&out, s.file.p + s.runs[i].offset, run_len(&s.runs[i]));
    cr_assert_eq(out.len, f.total);
    struct box stco = stbl_box(&f, VIDEO_ID, "stco");
    uint32_t second = box_u32(entries(&stco, 2, 4) + 4);
    cr_expect_eq(memcmp(out.p + second, s.file.p + s.video[25].offset, s.video[25].size), 0,
                 "the second video chunk holds the second second's first frame");

    if (!have_tool("ffprobe")) {
        cr_log_warn("ffprobe not installed: the file is not read back");
    } else {
        char dir[] = "/tmp/vg_mp4_flat_XXXXXX", path[64];
        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/play.mp4", dir);
        FILE *file = fopen(path, "wb");
        cr_assert_not_null(file);
        cr_assert_eq(fwrite(out.p, 1, out.len, file), out.len);
        cr_assert_eq(fclose(file), 0);

        struct probed pr;
        probe_streams(path, &pr);
        cr_assert_eq(pr.streams, 2);
        cr_expect_str_eq(pr.codec[0], "h264");
        cr_expect_eq(pr.frames[0], (long)v.count);
        cr_expect_float_eq(pr.duration[0], v.count * 3600 / 90000.0, 1e-6);
        cr_expect_str_eq(pr.codec[1], "aac");
        cr_expect_eq(pr.frames[1], (long)a.count);
        cr_expect_float_eq(pr.duration[1], a.count * 1024.0 / a.rate, 1e-3);
        if (have_tool("ffmpeg"))
            expect_decodes_cleanly(path);
        unlink(path);
        rmdir(dir);
    }

    free(out.p);
    free(f.hdr);
    tracks_free(tracks);
    free(s.file.p);
    free(v.data);
    free(vraw);
    free(araw);
}
