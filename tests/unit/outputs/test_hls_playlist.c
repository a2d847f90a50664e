/* LL-HLS (outputs/hls.h): the playlist text for given layouts, the names of
 * the hls/ resources, and the segmenter grouping frames into parts and
 * segments. */
#include <criterion/criterion.h>
#include <errno.h>
#include <event2/buffer.h>
#include <string.h>

#include "media/fmp4.h"
#include "outputs/hls.h"

#define S(x) ((uint32_t)((x)*VG_VIDEO_TIMESCALE))

static char text[VG_HLS_PLAYLIST_MAX];

static const char *playlist(const struct vg_hls_layout *l)
{
    size_t n = vg_hls_playlist(l, text, sizeof(text));
    cr_assert_lt(n, sizeof(text));
    cr_assert_eq(strlen(text), n);
    return text;
}

static const struct vg_hls_part_info four_parts[] = {
    {S(0.52), true},
    {S(0.52), false},
    {S(0.52), false},
    {S(0.44), false},
};

static const struct vg_hls_part_info two_parts[] = {
    {S(0.52), true},
    {S(0.52), false},
};

Test(hls_playlist, one_complete_segment_and_an_open_one_with_a_preload_hint)
{
    const struct vg_hls_segment_info segs[] = {
        {.msn = 0, .gen = 1, .complete = true, .duration = S(2), .nparts = 4, .parts = four_parts},
        {.msn = 1, .gen = 1, .duration = S(1.04), .nparts = 2, .parts = two_parts},
    };
    const struct vg_hls_layout l = {
        .target_duration = 2,
        .part_target = S(0.52),
        .first_gen = 1,
        .nsegments = 2,
        .segments = segs,
    };
    cr_assert_str_eq(playlist(&l),
                     "#EXTM3U\n"
                     "#EXT-X-VERSION:9\n"
                     "#EXT-X-TARGETDURATION:2\n"
                     "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,"
                     "PART-HOLD-BACK=1.560\n"
                     "#EXT-X-PART-INF:PART-TARGET=0.520\n"
                     "#EXT-X-MEDIA-SEQUENCE:0\n"
                     "#EXT-X-MAP:URI=\"init.mp4\"\n"
                     "#EXT-X-PART:DURATION=0.520,URI=\"part-0-0.mp4\",INDEPENDENT=YES\n"
                     "#EXT-X-PART:DURATION=0.520,URI=\"part-0-1.mp4\"\n"
                     "#EXT-X-PART:DURATION=0.520,URI=\"part-0-2.mp4\"\n"
                     "#EXT-X-PART:DURATION=0.440,URI=\"part-0-3.mp4\"\n"
                     "#EXTINF:2.000,\n"
                     "seg-0.mp4\n"
                     "#EXT-X-PART:DURATION=0.520,URI=\"part-1-0.mp4\",INDEPENDENT=YES\n"
                     "#EXT-X-PART:DURATION=0.520,URI=\"part-1-1.mp4\"\n"
                     "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-1-2.mp4\"\n");
}

Test(hls_playlist, old_segments_lose_their_parts_and_the_hint_can_start_a_segment)
{
    struct vg_hls_segment_info segs[7];
    for (unsigned i = 0; i < 6; i++)
        segs[i] = (struct vg_hls_segment_info){.msn = 10 + i,
                                               .gen = 1,
                                               .complete = true,
                                               .duration = S(2),
                                               .nparts = 4,
                                               .parts = four_parts};
    segs[6] = (struct vg_hls_segment_info){.msn = 16, .gen = 1};
    const struct vg_hls_layout l = {
        .target_duration = 2,
        .part_target = S(0.52),
        .first_gen = 1,
        .nsegments = 7,
        .segments = segs,
    };
    const char *t = playlist(&l);
    cr_assert(strstr(t, "#EXT-X-MEDIA-SEQUENCE:10\n"));
    /* Segments ending within 6 s of the edge keep their parts: 13, 14, 15. */
    cr_assert_null(strstr(t, "part-12-0.mp4"));
    cr_assert_not_null(strstr(t, "#EXTINF:2.000,\nseg-12.mp4\n#EXT-X-PART:DURATION=0.520,URI=\""
                                 "part-13-0.mp4\",INDEPENDENT=YES\n"));
    cr_assert_not_null(strstr(t, "part-15-3.mp4"));
    const char *end = "#EXTINF:2.000,\nseg-15.mp4\n"
                      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-16-0.mp4\"\n";
    cr_assert_str_eq(t + strlen(t) - strlen(end), end);
    cr_assert_null(strstr(t, "DISCONTINUITY"));
}

Test(hls_playlist, a_parameter_change_brings_a_discontinuity_and_a_new_map)
{
    const struct vg_hls_segment_info segs[] = {
        {.msn = 4,
         .gen = 2,
         .discontinuity = true,
         .complete = true,
         .duration = S(1.04),
         .start_ms = 1700000000123,
         .nparts = 2,
         .parts = two_parts},
        {.msn = 5,
         .gen = 3,
         .discontinuity = true,
         .complete = true,
         .duration = S(2),
         .nparts = 4,
         .parts = four_parts},
        {.msn = 6, .gen = 3, .duration = S(0.52), .nparts = 1, .parts = two_parts},
    };
    const struct vg_hls_layout l = {
        .target_duration = 2,
        .part_target = S(0.52),
        .first_gen = 2,
        .discontinuity_seq = 3,
        .nsegments = 3,
        .segments = segs,
    };
    const char *t = playlist(&l);
    /* The first segment's discontinuity is counted, not written. */
    cr_assert_not_null(strstr(t, "#EXT-X-MEDIA-SEQUENCE:4\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n"
                                 "#EXT-X-MAP:URI=\"init.mp4\"\n"
                                 "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.123Z\n"
                                 "#EXT-X-PART:DURATION=0.520,URI=\"part-4-0.mp4\""));
    cr_assert_not_null(strstr(t, "seg-4.mp4\n#EXT-X-DISCONTINUITY\n"
                                 "#EXT-X-MAP:URI=\"init-3.mp4\"\n"
                                 "#EXT-X-PART:DURATION=0.520,URI=\"part-5-0.mp4\""));
    const char *second = strstr(strstr(t, "#EXT-X-DISCONTINUITY\n") + 1, "#EXT-X-DISCONTINUITY\n");
    cr_assert_null(second, "one tag: between segments 4 and 5");
    cr_assert_not_null(strstr(t, "seg-5.mp4\n#EXT-X-PART:DURATION=0.520,URI=\"part-6-0.mp4\""));
    cr_assert_not_null(strstr(t, "\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-6-1.mp4\"\n"));
}

Test(hls_playlist, durations_round_to_the_millisecond)
{
    const struct vg_hls_part_info parts[] = {{3003 * 10, true}, {44, false}};
    const struct vg_hls_segment_info segs[] = {
        {.msn = 0, .gen = 1, .complete = true, .duration = 30074, .nparts = 2, .parts = parts},
    };
    const struct vg_hls_layout l = {
        .target_duration = 1,
        .part_target = 30030,
        .first_gen = 1,
        .nsegments = 1,
        .segments = segs,
    };
    const char *t = playlist(&l);
    cr_assert_not_null(strstr(t, "PART-HOLD-BACK=1.001\n"));
    cr_assert_not_null(strstr(t, "PART-TARGET=0.334\n"));
    cr_assert_not_null(strstr(t, "DURATION=0.334,URI=\"part-0-0.mp4\""));
    cr_assert_not_null(strstr(t, "DURATION=0.000,URI=\"part-0-1.mp4\""));
    cr_assert_not_null(strstr(t, "#EXTINF:0.334,\nseg-0.mp4\n"));
    cr_assert_null(strstr(t, "PRELOAD-HINT"), "no hint when no segment is open");
}

Test(hls_playlist, a_short_buffer_gets_a_cut_text_and_the_full_length)
{
    const struct vg_hls_segment_info segs[] = {
        {.msn = 0, .gen = 1, .complete = true, .duration = S(2), .nparts = 4, .parts = four_parts},
    };
    const struct vg_hls_layout l = {.target_duration = 2,
                                    .part_target = S(0.5),
                                    .first_gen = 1,
                                    .nsegments = 1,
                                    .segments = segs};
    size_t full = vg_hls_playlist(&l, text, sizeof(text));
    char small[40];
    cr_assert_eq(vg_hls_playlist(&l, small, sizeof(small)), full);
    cr_assert_eq(strlen(small), sizeof(small) - 1);
    cr_assert_eq(memcmp(small, text, sizeof(small) - 1), 0);
    cr_assert_eq(vg_hls_playlist(&l, NULL, 0), full);
}

/* ---- names and numbers ---- */

Test(hls_names, every_resource_name_parses)
{
    struct vg_hls_name n;
    cr_assert_eq(vg_hls_parse_name("index.m3u8", &n), 0);
    cr_assert_eq(n.kind, VG_HLS_PLAYLIST);
    cr_assert_eq(vg_hls_parse_name("init.mp4", &n), 0);
    cr_assert_eq(n.kind, VG_HLS_INIT);
    cr_assert_not(n.has_gen);
    cr_assert_eq(vg_hls_parse_name("init-7.mp4", &n), 0);
    cr_assert(n.kind == VG_HLS_INIT && n.has_gen && n.gen == 7);
    cr_assert_eq(vg_hls_parse_name("seg-0.mp4", &n), 0);
    cr_assert(n.kind == VG_HLS_SEGMENT && n.msn == 0);
    cr_assert_eq(vg_hls_parse_name("seg-4294967295.mp4", &n), 0);
    cr_assert_eq(n.msn, 4294967295u);
    cr_assert_eq(vg_hls_parse_name("part-12-3.mp4", &n), 0);
    cr_assert(n.kind == VG_HLS_PART && n.msn == 12 && n.part == 3);
    cr_assert_eq(vg_hls_parse_name("part-0-15.mp4", &n), 0);
}

Test(hls_names, anything_else_is_not_found)
{
    static const char *const bad[] = {
        "",
        "index.m3u",
        "index.m3u8x",
        "../index.m3u8",
        "INDEX.M3U8",
        "init-.mp4",
        "init-1.mp4.mp4",
        "init--1.mp4",
        "init-4294967296.mp4",
        "seg.mp4",
        "seg-.mp4",
        "seg--1.mp4",
        "seg-+1.mp4",
        "seg- 1.mp4",
        "seg-01.mp4",
        "seg-1.m4s",
        "seg-1.mp4/",
        "seg-1",
        "seg-0x10.mp4",
        "seg-4294967296.mp4",
        "seg-99999999999999999999999.mp4",
        "part-1.mp4",
        "part-1-.mp4",
        "part--1.mp4",
        "part-1-16.mp4",
        "part-1-2-3.mp4",
        "part-1-02.mp4",
        "part-1-1.mp4\n",
        "seg-1.mp4%00",
        "stream.m3u8",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vg_hls_name n = {.kind = VG_HLS_PART, .msn = 99};
        cr_assert_eq(vg_hls_parse_name(bad[i], &n), -ENOENT, "%s", bad[i]);
        cr_assert_eq(n.msn, 99, "untouched on failure: %s", bad[i]);
    }
}

Test(hls_names, numbers_are_digits_only_and_bounded)
{
    uint64_t v = 42;
    cr_assert_eq(vg_hls_parse_uint("0", 10, &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(vg_hls_parse_uint("10", 10, &v), 0);
    cr_assert_eq(v, 10);
    cr_assert_eq(vg_hls_parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    v = 42;
    static const char *const bad[] = {"",    "11",  "-1", "+1",
                                      " 1",  "1 ",  "01", "1e3",
                                      "0x1", "1.0", "１", "99999999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(vg_hls_parse_uint(bad[i], 10, &v), -EINVAL, "%s", bad[i]);
    cr_assert_eq(vg_hls_parse_uint("18446744073709551616", UINT64_MAX, &v), -EINVAL);
    cr_assert_eq(v, 42);
}

/* ---- the segmenter ---- */

static struct vg_stream_params *params(uint32_t gen)
{
    struct vg_stream_params *p = vg_stream_params_new();
    p->gen = gen;
    p->video.codec = VG_CODEC_H264;
    p->video.timescale = VG_VIDEO_TIMESCALE;
    p->video.width = 640;
    p->video.height = 360;
    static const uint8_t avcc[] = {1, 0x42, 0xc0, 0x1f, 0xff, 0xe0, 0};
    vg_track_params_set_config(&p->video, avcc, sizeof(avcc));
    return p;
}

static struct vg_stream_params *params_with_audio(uint32_t gen, enum vg_codec codec)
{
    struct vg_stream_params *p = params(gen);
    p->audio.codec = codec;
    p->audio.timescale = p->audio.sample_rate = 48000;
    p->audio.channels = codec == VG_CODEC_AAC ? 2 : 1;
    static const uint8_t asc[] = {0x11, 0x90}; /* AAC-LC, 48 kHz, stereo */
    if (codec == VG_CODEC_AAC)
        vg_track_params_set_config(&p->audio, asc, sizeof(asc));
    return p;
}

/* A packaged frame at dts, as the stream publishes it. */
static struct vg_frame *frame(struct vg_stream_params *p, enum vg_track track, int64_t dts,
                              bool key)
{
    struct vg_frame *f = vg_frame_new(100);
    memset(f->data, key ? 0x65 : 0x41, f->len);
    f->track = track;
    f->key = key;
    f->dts = f->pts = dts;
    f->duration = track == VG_TRACK_VIDEO ? 3600 : 1024;
    f->params = vg_stream_params_ref(p);
    f->params_gen = p->gen;
    uint8_t hdr[VG_FMP4_FRAGMENT_HEADER_MAX];
    size_t n = vg_fmp4_fragment_header(1, f, hdr);
    memcpy(f->data - n, hdr, n);
    f->frag_len = (uint16_t)n;
    return f;
}

static struct vg_frame *video(struct vg_stream_params *p, int64_t dts, bool key)
{
    return frame(p, VG_TRACK_VIDEO, dts, key);
}

/* 25 fps with a keyframe every 50 frames (2 s), from frame `from` to `to`. */
static void feed(struct vg_hls_segmenter *sg, struct vg_stream_params *p, unsigned from,
                 unsigned to)
{
    for (unsigned i = from; i < to; i++)
        vg_hls_segmenter_push(sg, video(p, (int64_t)i * 3600, i % 50 == 0));
}

Test(hls_segmenter, parts_of_13_frames_and_segments_of_one_gop_at_25_fps)
{
    struct vg_hls_segmenter *sg = vg_hls_segmenter_new();
    struct vg_stream_params *p = params(1);
    feed(sg, p, 0, 50);
    cr_assert_not(vg_hls_segmenter_ready(sg), "the first GOP is still open");
    feed(sg, p, 50, 51);
    cr_assert(vg_hls_segmenter_ready(sg));
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(sg, &l);
    cr_assert_eq(l.part_target, 13 * 3600);
    cr_assert_eq(l.target_duration, 2);
    cr_assert_eq(l.nsegments, 2);
    cr_assert(l.segments[0].complete);
    cr_assert_eq(l.segments[0].duration, 50 * 3600);
    cr_assert_eq(l.segments[0].nparts, 4);
    const uint32_t want[] = {13 * 3600, 13 * 3600, 13 * 3600, 11 * 3600};
    for (unsigned k = 0; k < 4; k++) {
        cr_assert_eq(l.segments[0].parts[k].duration, want[k], "part %u", k);
        cr_assert_eq(l.segments[0].parts[k].independent, k == 0);
    }
    cr_assert_not(l.segments[1].complete);
    cr_assert_eq(l.segments[1].nparts, 0);

    /* A part's bytes are its frames' fragments, in order; the segment is its parts. */
    struct evbuffer *part = evbuffer_new(), *seg = evbuffer_new(), *all = evbuffer_new();
    cr_assert_eq(vg_hls_segmenter_write(sg, 0, 1, part), 0);
    cr_assert_eq(evbuffer_get_length(part), 13 * (112 + 100));
    for (int k = 0; k < 4; k++)
        cr_assert_eq(vg_hls_segmenter_write(sg, 0, k, all), 0);
    cr_assert_eq(vg_hls_segmenter_write(sg, 0, -1, seg), 0);
    cr_assert_eq(evbuffer_get_length(seg), 50 * (112 + 100));
    cr_assert_eq(memcmp(evbuffer_pullup(seg, -1), evbuffer_pullup(all, -1), 50 * 212), 0);
    cr_assert_eq(memcmp(evbuffer_pullup(seg, -1) + 4, "moof", 4), 0);

    /* The open part and the next are to come; further ones are not. */
    cr_assert_eq(vg_hls_segmenter_write(sg, 1, 0, NULL), -EAGAIN);
    cr_assert_eq(vg_hls_segmenter_write(sg, 1, 1, NULL), -EAGAIN);
    cr_assert_eq(vg_hls_segmenter_write(sg, 1, 3, NULL), -ENOENT);
    cr_assert_eq(vg_hls_segmenter_write(sg, 1, -1, NULL), -EAGAIN);
    cr_assert_eq(vg_hls_segmenter_write(sg, 0, 4, NULL), -ENOENT);
    cr_assert_eq(vg_hls_segmenter_write(sg, 2, -1, NULL), -EAGAIN);
    cr_assert_eq(vg_hls_segmenter_write(sg, 3, 0, NULL), -ENOENT);
    cr_assert(vg_hls_segmenter_reached(sg, 0, 9));
    cr_assert_not(vg_hls_segmenter_reached(sg, 1, 0));
    feed(sg, p, 51, 63);
    cr_assert_not(vg_hls_segmenter_reached(sg, 1, 0));
    feed(sg, p, 63, 64);
    cr_assert(vg_hls_segmenter_reached(sg, 1, 0), "the 14th frame completes part 0");

    evbuffer_free(part);
    evbuffer_free(seg);
    evbuffer_free(all);
    vg_stream_params_unref(&p);
    vg_hls_segmenter_free(sg);
}

Test(hls_segmenter, keeps_six_segments_and_bounds_memory)
{
    struct vg_hls_segmenter *sg = vg_hls_segmenter_new();
    struct vg_stream_params *p = params(1);
    feed(sg, p, 0, 50 * 20 + 1);
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(sg, &l);
    cr_assert_eq(l.nsegments, VG_HLS_SEGMENTS_KEPT + 1);
    cr_assert_eq(l.segments[0].msn, 20 - VG_HLS_SEGMENTS_KEPT);
    cr_assert_eq(vg_hls_segmenter_write(sg, 13, -1, NULL), -ENOENT);
    cr_assert(vg_hls_segmenter_reached(sg, 13, 0), "gone is past");
    vg_stream_params_unref(&p);
    vg_hls_segmenter_free(sg);
}

Test(hls_segmenter, a_parameter_change_starts_a_discontinuity_at_the_next_keyframe)
{
    struct vg_hls_segmenter *sg = vg_hls_segmenter_new();
    struct vg_stream_params *p1 = params(1), *p2 = params(2);
    feed(sg, p1, 0, 70);
    /* New parameters: frames before their first keyframe cannot be decoded. */
    vg_hls_segmenter_push(sg, video(p2, 70 * 3600, false));
    vg_hls_segmenter_push(sg, video(p2, 71 * 3600, true));
    feed(sg, p2, 72, 80);
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(sg, &l);
    cr_assert_eq(l.nsegments, 3);
    cr_assert_eq(l.first_gen, 1);
    cr_assert_eq(l.segments[1].duration, 20 * 3600, "ends after its last frame");
    cr_assert(l.segments[1].complete);
    cr_assert(l.segments[2].discontinuity);
    cr_assert_eq(l.segments[2].gen, 2);
    const char *t = playlist(&l);
    cr_assert_not_null(
        strstr(t, "seg-1.mp4\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-2.mp4\"\n"));

    struct vg_stream_params *got = vg_hls_segmenter_params(sg, false, 0);
    cr_assert_eq(got, p1, "init.mp4 is the first generation");
    vg_stream_params_unref(&got);
    got = vg_hls_segmenter_params(sg, true, 2);
    cr_assert_eq(got, p2);
    vg_stream_params_unref(&got);
    cr_assert_null(vg_hls_segmenter_params(sg, true, 3));

    vg_stream_params_unref(&p1);
    vg_stream_params_unref(&p2);
    vg_hls_segmenter_free(sg);
}

Test(hls_segmenter, a_long_gop_is_cut_at_the_part_limit)
{
    struct vg_hls_segmenter *sg = vg_hls_segmenter_new();
    struct vg_stream_params *p = params(1);
    vg_hls_segmenter_push(sg, video(p, 0, true));
    for (unsigned i = 1; i < 25 * 20; i++)
        vg_hls_segmenter_push(sg, video(p, (int64_t)i * 3600, false));
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(sg, &l);
    cr_assert_eq(l.segments[0].nparts, VG_HLS_PARTS_MAX);
    cr_assert_not(l.segments[1].parts[0].independent);
    cr_assert_not(l.segments[1].discontinuity);
    cr_assert_geq(l.target_duration, 8);
    vg_stream_params_unref(&p);
    vg_hls_segmenter_free(sg);
}

Test(hls_segmenter, timestamps_going_back_break_the_segment)
{
    struct vg_hls_segmenter *sg = vg_hls_segmenter_new();
    struct vg_stream_params *p = params(1);
    feed(sg, p, 0, 60);
    /* The source restarted: timestamps from 0 again. */
    feed(sg, p, 0, 10);
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(sg, &l);
    cr_assert_eq(l.nsegments, 3);
    cr_assert(l.segments[1].complete);
    cr_assert(l.segments[2].discontinuity);
    cr_assert_eq(l.segments[2].nparts, 0);
    vg_stream_params_unref(&p);
    vg_hls_segmenter_free(sg);
}

/* Video at 25 fps with AAC frames (1024 samples at 48 kHz) in between, as a
 * camera sends them; returns how many bytes the first segment should hold. */
static size_t feed_av(struct vg_hls_segmenter *sg, struct vg_stream_params *p, unsigned frames)
{
    size_t first_segment = 0;
    int64_t audio_dts = 0;
    for (unsigned i = 0; i < frames; i++) {
        int64_t dts = (int64_t)i * 3600;
        vg_hls_segmenter_push(sg, video(p, dts, i % 50 == 0));
        if (i < 50)
            first_segment += 112 + 100;
        /* Audio up to this video frame's time. */
        while (audio_dts * VG_VIDEO_TIMESCALE / 48000 < dts + 3600) {
            if (audio_dts * VG_VIDEO_TIMESCALE / 48000 < 50 * 3600)
                first_segment += 108 + 100;
            vg_hls_segmenter_push(sg, frame(p, VG_TRACK_AUDIO, audio_dts, true));
            audio_dts += 1024;
        }
    }
    return first_segment;
}

Test(hls_segmenter, aac_frames_join_the_open_part)
{
    struct vg_hls_segmenter *sg = vg_hls_segmenter_new();
    struct vg_stream_params *p = params_with_audio(1, VG_CODEC_AAC);
    size_t want = feed_av(sg, p, 51);
    struct evbuffer *seg = evbuffer_new();
    cr_assert_eq(vg_hls_segmenter_write(sg, 0, -1, seg), 0);
    cr_assert_eq(evbuffer_get_length(seg), want, "every video and audio fragment of the GOP");
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(sg, &l);
    cr_assert_eq(l.segments[0].nparts, 4, "parts are cut on video only");
    cr_assert_eq(l.segments[0].duration, 50 * 3600);
    evbuffer_free(seg);
    vg_stream_params_unref(&p);
    vg_hls_segmenter_free(sg);
}

Test(hls_segmenter, audio_the_init_segment_leaves_out_is_dropped)
{
    struct vg_hls_segmenter *sg = vg_hls_segmenter_new();
    struct vg_stream_params *p = params_with_audio(1, VG_CODEC_PCMA);
    feed_av(sg, p, 51);
    struct evbuffer *seg = evbuffer_new();
    cr_assert_eq(vg_hls_segmenter_write(sg, 0, -1, seg), 0);
    cr_assert_eq(evbuffer_get_length(seg), 50 * (112 + 100), "video only");
    evbuffer_free(seg);
    vg_stream_params_unref(&p);
    vg_hls_segmenter_free(sg);
}

Test(hls_segmenter, the_part_target_ignores_bunched_first_frames)
{
    struct vg_hls_segmenter *sg = vg_hls_segmenter_new();
    struct vg_stream_params *p = params(1);
    /* As an RTSP source may start: the second frame one tick after the first. */
    vg_hls_segmenter_push(sg, video(p, 6528, true));
    for (unsigned i = 1; i < 51; i++)
        vg_hls_segmenter_push(sg, video(p, 6529 + (int64_t)(i - 1) * 3600, i == 50));
    struct vg_hls_layout l;
    vg_hls_segmenter_layout(sg, &l);
    cr_assert_eq(l.part_target, 13 * 3600);
    vg_stream_params_unref(&p);
    vg_hls_segmenter_free(sg);
}
