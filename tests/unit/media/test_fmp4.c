/* Fragmented MP4: box layout of init segments and fragment headers, checked
 * with a small box reader, then files read back by ffprobe and decoded by
 * ffmpeg. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/fmp4.h"
#include "media/frame.h"

#include "av_data.h"
#include "boxes.h"

#define DATA VG_TEST_DATA "/media/data/"

/* ---- fixtures ---- */

/* avcC: Constrained Baseline 3.0, one SPS, one PPS (content irrelevant here). */
static uint8_t avcc[] = {0x01, 0x42, 0xC0, 0x1E, 0xFF, 0xE1, 0x00, 0x04, 0x67,
                         0x42, 0xC0, 0x1E, 0x01, 0x00, 0x02, 0x68, 0xCE};
/* hvcC header only: Main profile, level 3.1 (93), no arrays. */
static uint8_t hvcc[] = {0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00,
                         0x5D, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x00};
/* AudioSpecificConfig: AAC-LC (2), 48 kHz (index 3), stereo. */
static uint8_t asc_lc[] = {0x11, 0x90};
/* HE-AAC, hierarchical signalling: AOT 5, 24 kHz core, mono, 48 kHz
 * extension, then AOT 2. */
static uint8_t asc_he[] = {0x2B, 0x09, 0x88};
/* OpusHead: version 1, 2 channels, pre-skip 312, 48000 Hz, gain 0, family 0. */
static uint8_t opus_head[] = {'O',  'p',  'u',  's',  'H',  'e',  'a',  'd',  1, 2,
                              0x38, 0x01, 0x80, 0xBB, 0x00, 0x00, 0x00, 0x00, 0};

static void set_h264(struct vg_stream_params *p, unsigned w, unsigned h)
{
    p->video.codec = VG_CODEC_H264;
    p->video.timescale = VG_VIDEO_TIMESCALE;
    p->video.width = w;
    p->video.height = h;
    p->video.config = avcc;
    p->video.config_len = sizeof(avcc);
    snprintf(p->video.codec_string, sizeof(p->video.codec_string), "avc1.42C01E");
}

static void set_h265(struct vg_stream_params *p)
{
    p->video.codec = VG_CODEC_H265;
    p->video.timescale = VG_VIDEO_TIMESCALE;
    p->video.width = 1920;
    p->video.height = 1080;
    p->video.config = hvcc;
    p->video.config_len = sizeof(hvcc);
}

static void set_aac(struct vg_stream_params *p, uint8_t *asc, size_t len)
{
    p->audio.codec = VG_CODEC_AAC;
    p->audio.timescale = 48000;
    p->audio.sample_rate = 48000;
    p->audio.channels = 2;
    p->audio.config = asc;
    p->audio.config_len = len;
}

static void set_audio(struct vg_stream_params *p, enum vg_codec c, unsigned rate)
{
    p->audio.codec = c;
    p->audio.timescale = rate;
    p->audio.sample_rate = rate;
    p->audio.channels = 1;
}

/* Writes the init segment, asserting success and that the boxes add up. */
static uint8_t *init_ok(const struct vg_stream_params *p, size_t *len)
{
    uint8_t *data = NULL;
    cr_assert_eq(vg_fmp4_init_segment(p, &data, len), 0);
    cr_assert_not_null(data);
    cr_assert_gt(box_walk(data, *len, 0), 0, "init segment boxes do not add up");
    return data;
}

static void expect_init_fails(const struct vg_stream_params *p, int err)
{
    uint8_t *data = (uint8_t *)"untouched";
    size_t len = 12345;
    cr_expect_eq(vg_fmp4_init_segment(p, &data, &len), err);
    cr_expect_str_eq((char *)data, "untouched", "ret_data written on failure");
    cr_expect_eq(len, 12345, "ret_len written on failure");
}

/* The trak whose tkhd has this track id. */
static bool find_trak(const uint8_t *init, size_t len, uint32_t id, struct box *out)
{
    struct box moov, trak, tkhd;
    if (!box_find(init, len, "moov", &moov))
        return false;
    for (unsigned i = 0; box_child_nth(moov.body, moov.body_len, "trak", i, &trak); i++) {
        if (box_child(trak.body, trak.body_len, "tkhd", &tkhd) && box_u32(tkhd.body + 12) == id) {
            *out = trak;
            return true;
        }
    }
    return false;
}

/* A fragment: the header followed by len payload bytes (i & 0xff). */
struct frag {
    uint8_t *buf;
    size_t header_len, len;
};

static struct frag make_fragment(enum vg_track track, bool key, int64_t dts, int64_t pts,
                                 uint32_t duration, size_t len, uint32_t seq)
{
    struct vg_frame *f = vg_frame_new(len);
    cr_assert_not_null(f);
    f->track = track;
    f->key = key;
    f->dts = dts;
    f->pts = pts;
    f->duration = duration;
    for (size_t i = 0; i < len; i++)
        f->data[i] = (uint8_t)i;
    struct frag fr = {.buf = malloc(VG_FMP4_FRAGMENT_HEADER_MAX + len), .len = len};
    cr_assert_not_null(fr.buf);
    fr.header_len = vg_fmp4_fragment_header(seq, f, fr.buf);
    cr_assert_gt(fr.header_len, 0);
    cr_assert_leq(fr.header_len, VG_FMP4_FRAGMENT_HEADER_MAX);
    memcpy(fr.buf + fr.header_len, f->data, len);
    vg_frame_unref(&f);
    cr_assert_eq(box_walk(fr.buf, fr.header_len + len, 0), 7,
                 "moof, mfhd, traf, tfhd, tfdt, trun, mdat and nothing else");
    return fr;
}

static struct box frag_box(const struct frag *fr, const char *path)
{
    struct box b;
    cr_assert(box_find(fr->buf, fr->header_len + fr->len, path, &b), "no %s", path);
    return b;
}

static size_t header_for(struct vg_frame *f)
{
    uint8_t out[VG_FMP4_FRAGMENT_HEADER_MAX];
    return vg_fmp4_fragment_header(1, f, out);
}

/* ---- init segment ---- */

Test(fmp4, init_segment_is_ftyp_then_moov_and_nothing_else)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 1280, 720);
    set_aac(&p, asc_lc, sizeof(asc_lc));
    size_t len;
    uint8_t *init = init_ok(&p, &len);

    struct box ftyp, moov;
    cr_assert(box_read(init, len, &ftyp));
    cr_expect_str_eq(ftyp.type, "ftyp");
    cr_expect_eq(memcmp(ftyp.body, "iso6", 4), 0, "major brand");
    cr_expect_eq(ftyp.body_len, 8 + 3 * 4);
    cr_expect_neq(memmem(ftyp.body + 8, 12, "isom", 4), NULL);
    cr_assert(box_read(init + ftyp.size, len - ftyp.size, &moov));
    cr_expect_str_eq(moov.type, "moov");
    cr_expect_eq(ftyp.size + moov.size, len);
    free(init);
}

Test(fmp4, init_segment_box_sizes_add_up_at_every_level)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    set_aac(&p, asc_lc, sizeof(asc_lc));
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    /* ftyp moov mvhd, 2 * (trak tkhd mdia mdhd hdlr minf vmhd/smhd dinf dref
     * url stbl stsd avc1/mp4a avcC/esds stts stsc stsz stco), mvex 2 * trex */
    cr_expect_eq(box_walk(init, len, 0), 3 + 2 * 18 + 3);
    free(init);
}

Test(fmp4, init_segment_nests_sample_description_under_stbl)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box b;
    cr_expect(box_find(init, len, "moov/mvhd", &b));
    cr_expect(box_find(init, len, "moov/trak/tkhd", &b));
    cr_expect(box_find(init, len, "moov/trak/mdia/mdhd", &b));
    cr_expect(box_find(init, len, "moov/trak/mdia/hdlr", &b));
    cr_expect(box_find(init, len, "moov/trak/mdia/minf/vmhd", &b));
    cr_expect(box_find(init, len, "moov/trak/mdia/minf/dinf/dref/url ", &b));
    cr_expect_eq(box_u24(b.body + 1), 1, "url flags: self-contained");
    cr_expect(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC", &b));
    static const char *empty[] = {"stts", "stsc", "stco"};
    for (size_t i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof(path), "moov/trak/mdia/minf/stbl/%s", empty[i]);
        cr_assert(box_find(init, len, path, &b), "%s", path);
        cr_expect_eq(box_u32(b.body + 4), 0, "%s entries", empty[i]);
    }
    cr_assert(box_find(init, len, "moov/trak/mdia/minf/stbl/stsz", &b));
    cr_expect_eq(b.body_len, 12);
    cr_expect(box_find(init, len, "moov/mvex/trex", &b));
    free(init);
}

Test(fmp4, init_segment_mvhd_has_millisecond_timescale_and_next_track_id)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box mvhd;
    cr_assert(box_find(init, len, "moov/mvhd", &mvhd));
    cr_assert_eq(mvhd.size, 108);
    cr_expect_eq(box_u32(mvhd.body + 12), 1000);
    cr_expect_eq(box_u32(mvhd.body + 16), 0, "duration");
    cr_expect_eq(box_u32(mvhd.body + 96), 2, "next_track_ID after video only");
    free(init);

    set_aac(&p, asc_lc, sizeof(asc_lc));
    init = init_ok(&p, &len);
    cr_assert(box_find(init, len, "moov/mvhd", &mvhd));
    cr_expect_eq(box_u32(mvhd.body + 96), 3, "next_track_ID after video and audio");
    free(init);
}

Test(fmp4, init_segment_gives_video_track_1_and_audio_track_2)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 1280, 720);
    set_aac(&p, asc_lc, sizeof(asc_lc));
    size_t len;
    uint8_t *init = init_ok(&p, &len);

    struct box trak, b;
    cr_assert(find_trak(init, len, VG_FMP4_VIDEO_TRACK, &trak));
    cr_assert(box_find(trak.body, trak.body_len, "mdia/hdlr", &b));
    cr_expect_eq(memcmp(b.body + 8, "vide", 4), 0);
    cr_assert(find_trak(init, len, VG_FMP4_AUDIO_TRACK, &trak));
    cr_assert(box_find(trak.body, trak.body_len, "mdia/hdlr", &b));
    cr_expect_eq(memcmp(b.body + 8, "soun", 4), 0);
    cr_expect(box_find(trak.body, trak.body_len, "mdia/minf/smhd", &b));

    struct box mvex, trex;
    cr_assert(box_find(init, len, "moov/mvex", &mvex));
    for (unsigned i = 0; i < 2; i++) {
        cr_assert(box_child_nth(mvex.body, mvex.body_len, "trex", i, &trex));
        cr_expect_eq(box_u32(trex.body + 4), i + 1, "trex track id");
        cr_expect_eq(box_u32(trex.body + 8), 1, "default sample description");
    }
    free(init);
}

Test(fmp4, init_segment_tkhd_has_enabled_flags_size_and_volume)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 1280, 720);
    set_aac(&p, asc_lc, sizeof(asc_lc));
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box trak, tkhd;
    cr_assert(find_trak(init, len, VG_FMP4_VIDEO_TRACK, &trak));
    cr_assert(box_child(trak.body, trak.body_len, "tkhd", &tkhd));
    cr_assert_eq(tkhd.size, 92);
    cr_expect_eq(box_u24(tkhd.body + 1), 3);
    cr_expect_eq(box_u16(tkhd.body + 36), 0, "video volume");
    cr_expect_eq(box_u32(tkhd.body + 76), 1280u << 16);
    cr_expect_eq(box_u32(tkhd.body + 80), 720u << 16);
    cr_assert(find_trak(init, len, VG_FMP4_AUDIO_TRACK, &trak));
    cr_assert(box_child(trak.body, trak.body_len, "tkhd", &tkhd));
    cr_expect_eq(box_u16(tkhd.body + 36), 0x0100, "audio volume");
    cr_expect_eq(box_u32(tkhd.body + 76), 0);
    free(init);
}

Test(fmp4, init_segment_mdhd_uses_track_timescale_and_language_und)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 1280, 720);
    set_aac(&p, asc_lc, sizeof(asc_lc));
    p.audio.timescale = 44100;
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box trak, mdhd;
    cr_assert(find_trak(init, len, VG_FMP4_VIDEO_TRACK, &trak));
    cr_assert(box_find(trak.body, trak.body_len, "mdia/mdhd", &mdhd));
    cr_expect_eq(box_u32(mdhd.body + 12), 90000);
    cr_expect_eq(box_u16(mdhd.body + 20), 0x55C4, "'und' packed");
    cr_assert(find_trak(init, len, VG_FMP4_AUDIO_TRACK, &trak));
    cr_assert(box_find(trak.body, trak.body_len, "mdia/mdhd", &mdhd));
    cr_expect_eq(box_u32(mdhd.body + 12), 44100);
    free(init);
}

Test(fmp4, init_segment_carries_avcc_verbatim_in_avc1)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 1280, 720);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box avc1, avcC;
    cr_assert(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/avc1", &avc1));
    cr_expect_eq(box_u16(avc1.body + 6), 1, "data_reference_index");
    cr_expect_eq(box_u16(avc1.body + 24), 1280);
    cr_expect_eq(box_u16(avc1.body + 26), 720);
    cr_expect_eq(box_u16(avc1.body + 74), 0x0018, "depth");
    cr_assert(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC", &avcC));
    cr_assert_eq(avcC.body_len, sizeof(avcc));
    cr_expect_eq(memcmp(avcC.body, avcc, sizeof(avcc)), 0);
    free(init);
}

Test(fmp4, init_segment_h265_uses_hvc1_and_hvcc)
{
    struct vg_stream_params p = {0};
    set_h265(&p);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box b;
    cr_assert(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/hvc1/hvcC", &b));
    cr_assert_eq(b.body_len, sizeof(hvcc));
    cr_expect_eq(memcmp(b.body, hvcc, sizeof(hvcc)), 0);
    cr_expect_not(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/avc1", &b));
    free(init);
}

Test(fmp4, init_segment_esds_lengths_fit_a_2_byte_aac_config)
{
    struct vg_stream_params p = {0};
    set_aac(&p, asc_lc, sizeof(asc_lc));
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box mp4a, esds;
    cr_assert(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/mp4a", &mp4a));
    cr_expect_eq(box_u16(mp4a.body + 16), 2, "channelcount");
    cr_expect_eq(box_u16(mp4a.body + 18), 16, "samplesize");
    cr_expect_eq(box_u32(mp4a.body + 24), 48000u << 16, "samplerate 16.16");
    cr_assert(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/mp4a/esds", &esds));
    /* 4 version/flags + ES (2 + 25): DecoderConfig (2 + 17) with its
     * DecoderSpecificInfo (2 + 2), then SLConfig (2 + 1) */
    cr_assert_eq(esds.size, 39);
    const uint8_t *d = esds.body + 4;
    size_t left = esds.body_len - 4, hdr, blen;
    uint8_t tag;

    cr_assert(box_descriptor(d, left, &tag, &hdr, &blen));
    cr_expect_eq(tag, 0x03);
    cr_expect_eq(blen, 25);
    cr_expect_eq(hdr + blen, left, "ES_Descriptor fills esds");
    d += hdr + 3; /* ES_ID, flags */
    left = blen - 3;

    cr_assert(box_descriptor(d, left, &tag, &hdr, &blen));
    cr_expect_eq(tag, 0x04);
    cr_expect_eq(blen, 17);
    cr_expect_eq(d[hdr], 0x40, "objectTypeIndication: MPEG-4 audio");
    cr_expect_eq(d[hdr + 1], 0x15, "streamType: audio");
    const uint8_t *sl = d + hdr + blen;
    size_t sl_left = left - hdr - blen;
    d += hdr + 13;
    left = blen - 13;

    cr_assert(box_descriptor(d, left, &tag, &hdr, &blen));
    cr_expect_eq(tag, 0x05);
    cr_expect_eq(blen, 2);
    cr_expect_eq(hdr + blen, left, "DecoderSpecificInfo ends DecoderConfig");
    cr_expect_eq(memcmp(d + hdr, asc_lc, 2), 0);

    cr_assert(box_descriptor(sl, sl_left, &tag, &hdr, &blen));
    cr_expect_eq(tag, 0x06);
    cr_expect_eq(blen, 1);
    cr_expect_eq(sl[hdr], 0x02);
    cr_expect_eq(hdr + blen, sl_left, "SLConfig ends ES_Descriptor");
    free(init);
}

Test(fmp4, init_segment_mp4a_falls_back_to_config_rate_and_channels)
{
    struct vg_stream_params p = {0};
    set_aac(&p, asc_he, sizeof(asc_he));
    p.audio.sample_rate = 0;
    p.audio.channels = 0;
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box mp4a;
    cr_assert(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/mp4a", &mp4a));
    cr_expect_eq(box_u16(mp4a.body + 16), 1, "mono from the config");
    cr_expect_eq(box_u32(mp4a.body + 24), 24000u << 16, "24 kHz from the config");
    free(init);
}

Test(fmp4, init_segment_without_audio_has_one_trak_and_one_trex)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box moov, mvex, b;
    cr_assert(box_find(init, len, "moov", &moov));
    cr_expect(box_child_nth(moov.body, moov.body_len, "trak", 0, &b));
    cr_expect_not(box_child_nth(moov.body, moov.body_len, "trak", 1, &b));
    cr_assert(box_find(init, len, "moov/mvex", &mvex));
    cr_expect_eq(mvex.body_len, 32, "a single trex");
    cr_expect_not(find_trak(init, len, VG_FMP4_AUDIO_TRACK, &b));
    free(init);
}

Test(fmp4, init_segment_audio_only_has_track_2)
{
    struct vg_stream_params p = {0};
    set_aac(&p, asc_lc, sizeof(asc_lc));
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box b;
    cr_expect(find_trak(init, len, VG_FMP4_AUDIO_TRACK, &b));
    cr_expect_not(find_trak(init, len, VG_FMP4_VIDEO_TRACK, &b));
    free(init);
}

Test(fmp4, init_segment_refuses_params_without_tracks)
{
    struct vg_stream_params p = {0};
    expect_init_fails(&p, -EINVAL);
}

Test(fmp4, init_segment_refuses_g711_alone)
{
    struct vg_stream_params p = {0};
    set_audio(&p, VG_CODEC_PCMA, 8000);
    expect_init_fails(&p, -EINVAL);
    set_audio(&p, VG_CODEC_PCMU, 8000);
    expect_init_fails(&p, -EINVAL);
}

Test(fmp4, init_segment_leaves_out_g711_beside_video)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    set_audio(&p, VG_CODEC_PCMU, 8000);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box b;
    cr_expect(find_trak(init, len, VG_FMP4_VIDEO_TRACK, &b));
    cr_expect_not(find_trak(init, len, VG_FMP4_AUDIO_TRACK, &b));
    free(init);
}

Test(fmp4, init_segment_refuses_video_without_a_usable_config)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    p.video.config = NULL;
    p.video.config_len = 0;
    expect_init_fails(&p, -EINVAL);

    /* Annex B parameter sets where an avcC belongs */
    static uint8_t annexb[] = {0, 0, 0, 1, 0x67, 0x42, 0xC0, 0x1E};
    p.video.config = annexb;
    p.video.config_len = sizeof(annexb);
    expect_init_fails(&p, -EINVAL);

    set_h265(&p);
    p.video.config_len = 22; /* shorter than the hvcC header */
    expect_init_fails(&p, -EINVAL);
}

Test(fmp4, init_segment_refuses_malformed_tracks)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 70000, 480);
    expect_init_fails(&p, -EINVAL); /* width does not fit the sample entry */
    set_h264(&p, 640, 480);
    p.video.timescale = 0;
    expect_init_fails(&p, -EINVAL);

    memset(&p, 0, sizeof(p));
    set_h264(&p, 640, 480);
    set_aac(&p, asc_lc, 1);
    expect_init_fails(&p, -EINVAL); /* an AudioSpecificConfig is 2 bytes at least */

    memset(&p, 0, sizeof(p));
    p.video.codec = VG_CODEC_AAC; /* an audio codec in the video slot */
    p.video.timescale = 48000;
    p.video.config = asc_lc;
    p.video.config_len = sizeof(asc_lc);
    expect_init_fails(&p, -EINVAL);
}

Test(fmp4, init_segment_writes_opus_with_dops_from_opushead)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    set_audio(&p, VG_CODEC_OPUS, 48000);
    p.audio.config = opus_head;
    p.audio.config_len = sizeof(opus_head);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box trak, opus, dops;
    cr_assert(find_trak(init, len, VG_FMP4_AUDIO_TRACK, &trak));
    cr_assert(box_find(trak.body, trak.body_len, "mdia/minf/stbl/stsd/Opus", &opus));
    cr_expect_eq(box_u16(opus.body + 16), 2, "channelcount from the OpusHead");
    cr_expect_eq(box_u32(opus.body + 24), 48000u << 16);
    cr_assert(box_find(trak.body, trak.body_len, "mdia/minf/stbl/stsd/Opus/dOps", &dops));
    cr_assert_eq(dops.body_len, 11);
    cr_expect_eq(dops.body[0], 0, "version");
    cr_expect_eq(dops.body[1], 2, "channels");
    cr_expect_eq(box_u16(dops.body + 2), 312, "pre-skip, now big-endian");
    cr_expect_eq(box_u32(dops.body + 4), 48000);
    cr_expect_eq(dops.body[10], 0, "mapping family");
    free(init);
}

Test(fmp4, init_segment_writes_mono_opus_without_config)
{
    struct vg_stream_params p = {0};
    set_audio(&p, VG_CODEC_OPUS, 48000);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box dops;
    cr_assert(box_find(init, len, "moov/trak/mdia/minf/stbl/stsd/Opus/dOps", &dops));
    cr_expect_eq(dops.body[1], 1);
    free(init);
}

Test(fmp4, init_segment_leaves_out_multichannel_opus_without_mapping_table)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    set_audio(&p, VG_CODEC_OPUS, 48000);
    p.audio.channels = 6;
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    struct box b;
    cr_expect_not(find_trak(init, len, VG_FMP4_AUDIO_TRACK, &b));
    free(init);
}

/* ---- fragments ---- */

Test(fmp4, fragment_box_sizes_add_up)
{
    struct frag fr = make_fragment(VG_TRACK_VIDEO, true, 0, 0, 3000, 1000, 1);
    cr_expect_eq(fr.header_len, 112);
    struct box moof = frag_box(&fr, "moof"), mdat = frag_box(&fr, "mdat");
    cr_expect_eq(moof.size + 8, fr.header_len);
    cr_expect_eq(mdat.size, 8 + 1000);
    cr_expect_eq(moof.size + mdat.size, fr.header_len + fr.len);
    free(fr.buf);

    fr = make_fragment(VG_TRACK_AUDIO, true, 0, 0, 1024, 300, 1);
    cr_expect_eq(fr.header_len, 108);
    free(fr.buf);
}

Test(fmp4, fragment_data_offset_points_at_mdat_payload)
{
    struct frag fr = make_fragment(VG_TRACK_VIDEO, false, 9000, 9000, 3000, 777, 5);
    struct box moof = frag_box(&fr, "moof"), trun = frag_box(&fr, "moof/traf/trun");
    struct box mdat = frag_box(&fr, "mdat");
    cr_expect_eq(box_u24(trun.body + 1) & 0x1, 0x1, "data-offset-present");
    uint32_t offset = box_u32(trun.body + 8);
    cr_expect_eq(moof.start + offset, mdat.body, "relative to moof (default-base-is-moof)");
    cr_expect_eq(box_u32(trun.body + 16), 777, "sample size");
    cr_expect_eq(fr.buf[offset + 100], 100);
    free(fr.buf);
}

Test(fmp4, fragment_carries_sequence_and_track_ids)
{
    struct frag fr = make_fragment(VG_TRACK_VIDEO, true, 0, 0, 3000, 10, 42);
    struct box b = frag_box(&fr, "moof/mfhd");
    cr_expect_eq(box_u32(b.body + 4), 42);
    b = frag_box(&fr, "moof/traf/tfhd");
    cr_expect_eq(box_u24(b.body + 1), 0x020000, "default-base-is-moof only");
    cr_expect_eq(box_u32(b.body + 4), VG_FMP4_VIDEO_TRACK);
    free(fr.buf);

    fr = make_fragment(VG_TRACK_AUDIO, true, 0, 0, 1024, 10, 43);
    b = frag_box(&fr, "moof/traf/tfhd");
    cr_expect_eq(box_u32(b.body + 4), VG_FMP4_AUDIO_TRACK);
    free(fr.buf);
}

Test(fmp4, fragment_key_frame_is_sync_sample)
{
    struct frag fr = make_fragment(VG_TRACK_VIDEO, true, 0, 0, 3000, 10, 1);
    struct box trun = frag_box(&fr, "moof/traf/trun");
    cr_expect_eq(box_u32(trun.body + 20), 0x02000000);
    free(fr.buf);
}

Test(fmp4, fragment_non_key_frame_depends_on_others_and_is_not_sync)
{
    struct frag fr = make_fragment(VG_TRACK_VIDEO, false, 0, 0, 3000, 10, 1);
    struct box trun = frag_box(&fr, "moof/traf/trun");
    cr_expect_eq(box_u32(trun.body + 20), 0x01010000);
    free(fr.buf);
}

Test(fmp4, fragment_tfdt_is_64_bit_dts)
{
    int64_t dts = ((int64_t)1 << 33) + 12345; /* past 32 bits: a day of 90 kHz */
    struct frag fr = make_fragment(VG_TRACK_VIDEO, true, dts, dts + 3000, 3000, 10, 1);
    struct box tfdt = frag_box(&fr, "moof/traf/tfdt");
    cr_expect_eq(tfdt.body[0], 1, "version 1");
    cr_expect_eq(box_u64(tfdt.body + 4), (uint64_t)dts);
    free(fr.buf);
}

Test(fmp4, fragment_video_trun_has_duration_and_signed_composition_offset)
{
    struct frag fr = make_fragment(VG_TRACK_VIDEO, false, 6000, 3000, 3000, 10, 1);
    struct box trun = frag_box(&fr, "moof/traf/trun");
    cr_expect_eq(trun.body[0], 1, "version 1: signed offsets");
    cr_expect_eq(box_u24(trun.body + 1), 0x000F01);
    cr_expect_eq(box_u32(trun.body + 4), 1, "sample_count");
    cr_expect_eq(box_u32(trun.body + 12), 3000, "duration");
    cr_expect_eq((int32_t)box_u32(trun.body + 24), -3000, "cto");
    free(fr.buf);

    fr = make_fragment(VG_TRACK_VIDEO, false, 6000, 12000, 3000, 10, 1);
    trun = frag_box(&fr, "moof/traf/trun");
    cr_expect_eq((int32_t)box_u32(trun.body + 24), 6000);
    free(fr.buf);
}

Test(fmp4, fragment_audio_trun_has_no_composition_offset)
{
    struct frag fr = make_fragment(VG_TRACK_AUDIO, true, 48000, 48000, 1024, 10, 1);
    struct box trun = frag_box(&fr, "moof/traf/trun");
    cr_expect_eq(box_u24(trun.body + 1), 0x000701);
    cr_expect_eq(trun.body_len, 4 + 4 + 4 * 4);
    cr_expect_eq(box_u32(trun.body + 12), 1024);
    struct box tfdt = frag_box(&fr, "moof/traf/tfdt");
    cr_expect_eq(box_u64(tfdt.body + 4), 48000);
    free(fr.buf);
}

Test(fmp4, fragment_of_empty_frame_is_still_well_formed)
{
    struct frag fr = make_fragment(VG_TRACK_VIDEO, true, 0, 0, 0, 0, 1);
    cr_expect_eq(frag_box(&fr, "mdat").size, 8);
    free(fr.buf);
}

Test(fmp4, fragment_refuses_what_mp4_cannot_describe)
{
    struct vg_frame *f = vg_frame_new(4);
    cr_assert_not_null(f);
    f->track = VG_TRACK_VIDEO;
    f->dts = -1;
    cr_expect_eq(header_for(f), 0, "negative dts");
    f->dts = 0;
    f->pts = -1;
    cr_expect_eq(header_for(f), 0, "negative pts");
    f->pts = (int64_t)INT32_MAX + 1;
    cr_expect_eq(header_for(f), 0, "cto beyond int32");
    f->pts = 0;
    f->track = (enum vg_track)7;
    cr_expect_eq(header_for(f), 0, "unknown track");
    f->track = VG_TRACK_AUDIO;
    f->len = (size_t)UINT32_MAX; /* only the field is read, not the data */
    cr_expect_eq(header_for(f), 0, "mdat size beyond 32 bits");
    f->len = (size_t)UINT32_MAX - 8;
    cr_expect_eq(header_for(f), 108, "largest frame");
    f->len = 4;
    vg_frame_unref(&f);
}

/* ---- multi-frame fragments ---- */

/* A frame with only its fields set: vg_fmp4_fragment_run() reads no data,
 * so len may describe more than is there. */
static struct vg_frame *frame_fields(enum vg_track track, bool key, int64_t dts, int64_t cto,
                                     uint32_t duration, size_t len)
{
    struct vg_frame *f = vg_frame_new(0);
    cr_assert_not_null(f);
    f->track = track;
    f->key = key;
    f->dts = dts;
    f->pts = dts + cto;
    f->duration = duration;
    f->len = len;
    return f;
}

static void frames_free(struct vg_frame **frames, size_t count)
{
    for (size_t i = 0; i < count; i++)
        vg_frame_unref(&frames[i]);
}

/* A run fragment and its payload: each frame's bytes are its index in the
 * list, video frames' first, then audio frames', as the caller lays them out. */
struct run {
    uint8_t *buf;
    size_t header_len, len;
};

static struct run make_run(struct vg_frame **frames, size_t count, uint32_t seq)
{
    size_t data = 0;
    for (size_t i = 0; i < count; i++)
        data += frames[i]->len;
    struct run r = {.buf = malloc(VG_FMP4_RUN_HEADER_MAX(count) + data)};
    cr_assert_not_null(r.buf);
    r.header_len = vg_fmp4_fragment_run(seq, frames, count, NULL, r.buf, VG_FMP4_RUN_HEADER_MAX(count));
    cr_assert_gt(r.header_len, 0);
    cr_assert_leq(r.header_len, VG_FMP4_RUN_HEADER_MAX(count));
    r.len = r.header_len;
    for (int pass = 0; pass < 2; pass++) {
        enum vg_track track = pass == 0 ? VG_TRACK_VIDEO : VG_TRACK_AUDIO;
        for (size_t i = 0; i < count; i++) {
            if (frames[i]->track != track)
                continue;
            memset(r.buf + r.len, (int)i, frames[i]->len);
            r.len += frames[i]->len;
        }
    }
    return r;
}

static struct box run_box(const struct run *r, const char *path)
{
    struct box b;
    cr_assert(box_find(r->buf, r->len, path, &b), "no %s", path);
    return b;
}

/* The n-th traf of the run's moof. */
static struct box run_traf(const struct run *r, unsigned n)
{
    struct box moof = run_box(r, "moof"), traf;
    cr_assert(box_child_nth(moof.body, moof.body_len, "traf", n, &traf), "no traf %u", n);
    return traf;
}

static struct box traf_child(const struct box *traf, const char *type)
{
    struct box b;
    cr_assert(box_child(traf->body, traf->body_len, type, &b), "no %s", type);
    return b;
}

/* Video V, audio A in arrival order: A0 V0 A1 V1 A2 V2 (V0 key, V1 V2 not). */
static size_t mixed_list(struct vg_frame **frames)
{
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        frames[n++] = frame_fields(VG_TRACK_AUDIO, true, 480 + 1024 * i, 0, 1024, 20 + (size_t)i);
        frames[n++] = frame_fields(VG_TRACK_VIDEO, i == 0, 9000 + 3000 * i, i == 0 ? 0 : 6000, 3000,
                                   100 + 10 * (size_t)i);
    }
    return n;
}

Test(fmp4, fragment_run_gives_each_track_one_traf_video_first)
{
    struct vg_frame *frames[6];
    size_t n = mixed_list(frames);
    struct run r = make_run(frames, n, 7);
    /* moof mfhd, 2 * (traf tfhd tfdt trun), mdat */
    cr_assert_eq(box_walk(r.buf, r.len, 0), 11);
    cr_expect_eq(box_u32(run_box(&r, "moof/mfhd").body + 4), 7);

    struct box traf = run_traf(&r, 0);
    struct box tfhd = traf_child(&traf, "tfhd"), tfdt = traf_child(&traf, "tfdt");
    struct box trun = traf_child(&traf, "trun");
    cr_expect_eq(box_u24(tfhd.body + 1), 0x020000, "default-base-is-moof");
    cr_expect_eq(box_u32(tfhd.body + 4), VG_FMP4_VIDEO_TRACK);
    cr_expect_eq(tfdt.body[0], 1);
    cr_expect_eq(box_u64(tfdt.body + 4), 9000, "the first video frame's dts");
    cr_expect_eq(trun.body[0], 1, "signed composition offsets");
    cr_expect_eq(box_u24(trun.body + 1), 0x000F01);
    cr_assert_eq(box_u32(trun.body + 4), 3, "sample_count");
    cr_assert_eq(trun.body_len, 12 + 3 * 16);
    static const uint32_t vflags[3] = {0x02000000, 0x01010000, 0x01010000};
    for (size_t i = 0; i < 3; i++) {
        const uint8_t *e = trun.body + 12 + 16 * i;
        cr_expect_eq(box_u32(e), 3000, "duration of video sample %zu", i);
        cr_expect_eq(box_u32(e + 4), 100 + 10 * i, "size of video sample %zu", i);
        cr_expect_eq(box_u32(e + 8), vflags[i], "flags of video sample %zu", i);
        cr_expect_eq((int32_t)box_u32(e + 12), i == 0 ? 0 : 6000, "cto of video sample %zu", i);
    }

    traf = run_traf(&r, 1);
    tfhd = traf_child(&traf, "tfhd");
    tfdt = traf_child(&traf, "tfdt");
    trun = traf_child(&traf, "trun");
    cr_expect_eq(box_u32(tfhd.body + 4), VG_FMP4_AUDIO_TRACK);
    cr_expect_eq(box_u64(tfdt.body + 4), 480, "the first audio frame's dts");
    cr_expect_eq(trun.body[0], 0);
    cr_expect_eq(box_u24(trun.body + 1), 0x000701, "no composition offsets");
    cr_assert_eq(box_u32(trun.body + 4), 3);
    cr_assert_eq(trun.body_len, 12 + 3 * 12);
    for (size_t i = 0; i < 3; i++) {
        const uint8_t *e = trun.body + 12 + 12 * i;
        cr_expect_eq(box_u32(e), 1024);
        cr_expect_eq(box_u32(e + 4), 20 + i);
        cr_expect_eq(box_u32(e + 8), 0x02000000);
    }
    cr_expect_not(
        box_child_nth(run_box(&r, "moof").body, run_box(&r, "moof").body_len, "traf", 2, &traf));
    free(r.buf);
    frames_free(frames, n);
}

Test(fmp4, fragment_run_data_offsets_point_at_each_tracks_data)
{
    struct vg_frame *frames[6];
    size_t n = mixed_list(frames);
    struct run r = make_run(frames, n, 1);
    struct box moof = run_box(&r, "moof"), mdat = run_box(&r, "mdat");
    cr_expect_eq(mdat.body_len, 3 * 100 + 30 + 3 * 20 + 3, "every frame's bytes");

    /* video frames are list entries 1, 3, 5; audio 0, 2, 4 */
    for (unsigned t = 0; t < 2; t++) {
        struct box traf = run_traf(&r, t), trun = traf_child(&traf, "trun");
        size_t entry = t == 0 ? 16 : 12;
        const uint8_t *at = moof.start + box_u32(trun.body + 8);
        cr_expect_eq(at, t == 0 ? mdat.body : mdat.body + 330, "track %u data offset", t);
        for (size_t i = 0; i < 3; i++) {
            uint32_t size = box_u32(trun.body + 12 + entry * i + 4);
            uint8_t index = (uint8_t)(2 * i + (t == 0 ? 1 : 0));
            cr_expect_eq(at[0], index, "track %u sample %zu starts at its bytes", t, i);
            cr_expect_eq(at[size - 1], index, "track %u sample %zu ends at its bytes", t, i);
            at += size;
        }
        cr_expect_eq(at, t == 0 ? mdat.body + 330 : mdat.body + mdat.body_len);
    }
    free(r.buf);
    frames_free(frames, n);
}

Test(fmp4, fragment_run_sizes_add_up)
{
    struct vg_frame *frames[6];
    size_t n = mixed_list(frames);
    struct run r = make_run(frames, n, 1);
    struct box moof = run_box(&r, "moof"), mdat = run_box(&r, "mdat");
    cr_expect_eq(moof.size + 8, r.header_len, "moof, then the mdat header");
    /* moof 8 + mfhd 16 + traf 8 + tfhd 16 + tfdt 20 + trun 20 each, then entries */
    cr_expect_eq(moof.size, 8 + 16 + 2 * (8 + 16 + 20 + 20) + 3 * 16 + 3 * 12);
    cr_expect_eq(mdat.size, 8 + r.len - r.header_len);
    cr_expect_eq(moof.size + mdat.size, r.len);
    free(r.buf);
    frames_free(frames, n);

    /* the bound holds for long lists */
    struct vg_frame *many[300];
    for (size_t i = 0; i < 300; i++)
        many[i] = frame_fields(i % 3 ? VG_TRACK_VIDEO : VG_TRACK_AUDIO, i == 1, 3000 * (int64_t)i,
                               0, 3000, 1);
    r = make_run(many, 300, 1);
    cr_expect_eq(box_walk(r.buf, r.len, 0), 11);
    free(r.buf);
    frames_free(many, 300);
}

Test(fmp4, fragment_run_of_video_only_has_one_traf)
{
    struct vg_frame *frames[3];
    for (size_t i = 0; i < 3; i++)
        frames[i] = frame_fields(VG_TRACK_VIDEO, i == 0, 3000 * (int64_t)i, 0, 3000, 50);
    struct run r = make_run(frames, 3, 1);
    cr_expect_eq(r.header_len, 8 + 16 + 8 + 16 + 20 + 20 + 3 * 16 + 8);
    cr_expect_eq(box_walk(r.buf, r.len, 0), 7);
    struct box traf = run_traf(&r, 0);
    cr_expect_eq(box_u32(traf_child(&traf, "tfhd").body + 4), VG_FMP4_VIDEO_TRACK);
    cr_expect_eq(box_u32(traf_child(&traf, "trun").body + 4), 3);
    cr_expect_eq(run_box(&r, "moof").start + box_u32(traf_child(&traf, "trun").body + 8),
                 run_box(&r, "mdat").body);
    free(r.buf);
    frames_free(frames, 3);
}

Test(fmp4, fragment_run_of_audio_only_has_one_traf)
{
    struct vg_frame *frames[4];
    for (size_t i = 0; i < 4; i++)
        frames[i] = frame_fields(VG_TRACK_AUDIO, true, 1024 * (int64_t)i, 0, 1024, 9);
    struct run r = make_run(frames, 4, 1);
    cr_expect_eq(r.header_len, 8 + 16 + 8 + 16 + 20 + 20 + 4 * 12 + 8);
    cr_expect_eq(box_walk(r.buf, r.len, 0), 7);
    struct box traf = run_traf(&r, 0);
    cr_expect_eq(box_u32(traf_child(&traf, "tfhd").body + 4), VG_FMP4_AUDIO_TRACK);
    cr_expect_eq(box_u64(traf_child(&traf, "tfdt").body + 4), 0);
    cr_expect_eq(box_u32(traf_child(&traf, "trun").body + 4), 4);
    free(r.buf);
    frames_free(frames, 4);
}

Test(fmp4, fragment_run_of_one_frame_is_the_fragment_header)
{
    for (int t = 0; t < 2; t++) {
        struct vg_frame *f = frame_fields(t ? VG_TRACK_AUDIO : VG_TRACK_VIDEO, t == 1, 90000,
                                          t ? 0 : -3000, 3000, 1234);
        uint8_t one[VG_FMP4_FRAGMENT_HEADER_MAX], run[VG_FMP4_RUN_HEADER_MAX(1)];
        size_t n = vg_fmp4_fragment_header(9, f, one);
        cr_assert_gt(n, 0);
        cr_assert_eq(vg_fmp4_fragment_run(9, &f, 1, NULL, run, sizeof(run)), n);
        cr_expect_eq(memcmp(one, run, n), 0);
        vg_frame_unref(&f);
    }
}

Test(fmp4, fragment_run_refuses_a_buffer_too_small_and_an_empty_list)
{
    struct vg_frame *frames[6];
    size_t n = mixed_list(frames);
    uint8_t out[VG_FMP4_RUN_HEADER_MAX(6)];
    size_t need = vg_fmp4_fragment_run(1, frames, n, NULL, out, sizeof(out));
    cr_assert_gt(need, 0);
    cr_expect_eq(vg_fmp4_fragment_run(1, frames, n, NULL, out, need), need, "exactly enough");
    cr_expect_eq(vg_fmp4_fragment_run(1, frames, n, NULL, out, need - 1), 0, "one byte short");
    cr_expect_eq(vg_fmp4_fragment_run(1, frames, n, NULL, out, 8), 0);
    cr_expect_eq(vg_fmp4_fragment_run(1, frames, n, NULL, out, 0), 0);
    cr_expect_eq(vg_fmp4_fragment_run(1, frames, 0, NULL, out, sizeof(out)), 0, "no frames");
    frames_free(frames, n);
}

static size_t run_for(struct vg_frame **frames, size_t count)
{
    static uint8_t out[VG_FMP4_RUN_HEADER_MAX(8)];
    cr_assert_leq(count, 8);
    return vg_fmp4_fragment_run(1, frames, count, NULL, out, sizeof(out));
}

Test(fmp4, fragment_run_refuses_what_mp4_cannot_describe)
{
    struct vg_frame *frames[6];
    size_t n = mixed_list(frames);
    struct vg_frame *v = frames[3];
    cr_assert_gt(run_for(frames, n), 0);

    v->dts = -1;
    cr_expect_eq(run_for(frames, n), 0, "negative dts");
    v->dts = 12000;
    v->pts = -1;
    cr_expect_eq(run_for(frames, n), 0, "negative pts");
    v->pts = v->dts + (int64_t)INT32_MAX + 1;
    cr_expect_eq(run_for(frames, n), 0, "cto beyond int32");
    v->pts = v->dts;
    v->track = (enum vg_track)7;
    cr_expect_eq(run_for(frames, n), 0, "unknown track");
    v->track = VG_TRACK_VIDEO;
    v->len = (size_t)UINT32_MAX - 7;
    cr_expect_eq(run_for(frames, n), 0, "one frame beyond 32 bits of mdat");
    v->len = (size_t)UINT32_MAX / 2;
    frames[1]->len = (size_t)UINT32_MAX / 2;
    cr_expect_eq(run_for(frames, n), 0, "all frames beyond 32 bits of mdat");
    frames[1]->len = 100;
    cr_expect_eq(run_for(frames, n), 0, "audio data beyond a signed 32-bit offset");
    cr_expect_gt(run_for(&frames[3], 1), 0, "the same video frame alone is fine");
    frames_free(frames, n);
}

/* ---- MIME ---- */

static void expect_mime(const struct vg_stream_params *p, const char *want)
{
    char out[128];
    memset(out, 'x', sizeof(out));
    vg_fmp4_mime(p, out, sizeof(out));
    cr_expect_str_eq(out, want);
}

Test(fmp4, mime_names_video_and_aac_object_type)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    expect_mime(&p, "video/mp4; codecs=\"avc1.42C01E\"");
    set_aac(&p, asc_lc, sizeof(asc_lc));
    expect_mime(&p, "video/mp4; codecs=\"avc1.42C01E,mp4a.40.2\"");
    set_aac(&p, asc_he, sizeof(asc_he));
    expect_mime(&p, "video/mp4; codecs=\"avc1.42C01E,mp4a.40.5\"");
    static uint8_t escaped[] = {0xF8, 0x20, 0x00}; /* escape 31, then 6 bits 000001 */
    set_aac(&p, escaped, sizeof(escaped));
    expect_mime(&p, "video/mp4; codecs=\"avc1.42C01E,mp4a.40.33\"");
}

Test(fmp4, mime_is_audio_mp4_without_video)
{
    struct vg_stream_params p = {0};
    set_aac(&p, asc_lc, sizeof(asc_lc));
    expect_mime(&p, "audio/mp4; codecs=\"mp4a.40.2\"");
    set_audio(&p, VG_CODEC_OPUS, 48000);
    expect_mime(&p, "audio/mp4; codecs=\"opus\"");
}

Test(fmp4, mime_leaves_out_audio_the_init_segment_leaves_out)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    set_audio(&p, VG_CODEC_PCMA, 8000);
    expect_mime(&p, "video/mp4; codecs=\"avc1.42C01E\"");
}

Test(fmp4, mime_derives_codec_strings_from_config_when_missing)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    p.video.codec_string[0] = '\0';
    expect_mime(&p, "video/mp4; codecs=\"avc1.42C01E\"");
    set_h265(&p);
    expect_mime(&p, "video/mp4; codecs=\"hvc1.1.6.L93.90\"");
}

Test(fmp4, mime_is_empty_when_there_is_nothing_to_play)
{
    struct vg_stream_params p = {0};
    expect_mime(&p, "");
    set_audio(&p, VG_CODEC_PCMU, 8000);
    expect_mime(&p, "");
}

Test(fmp4, mime_truncates_to_the_buffer)
{
    struct vg_stream_params p = {0};
    set_h264(&p, 640, 480);
    char out[10];
    vg_fmp4_mime(&p, out, sizeof(out));
    cr_expect_str_eq(out, "video/mp4");
}

/* ---- read back by ffprobe and ffmpeg ---- */

static void write_fragment(FILE *out, uint32_t seq, enum vg_track track, bool key, int64_t ts,
                           int64_t cto, uint32_t duration, const uint8_t *data, size_t len)
{
    struct vg_frame *f = vg_frame_new(len);
    cr_assert_not_null(f);
    f->track = track;
    f->key = key;
    f->dts = ts;
    f->pts = ts + cto;
    f->duration = duration;
    memcpy(f->data, data, len);
    uint8_t hdr[VG_FMP4_FRAGMENT_HEADER_MAX];
    size_t n = vg_fmp4_fragment_header(seq, f, hdr);
    cr_assert_gt(n, 0);
    cr_assert_eq(fwrite(hdr, 1, n, out), n);
    cr_assert_eq(fwrite(f->data, 1, f->len, out), f->len);
    vg_frame_unref(&f);
}

/* Writes an init segment and interleaved fragments (by time) to path; video
 * pts = dts + video_cto. */
static void write_file(const char *path, const struct h264_stream *v, size_t vcount,
                       int64_t video_cto, const struct aac_stream *a, size_t acount)
{
    struct vg_stream_params p = {0};
    uint8_t avc[512];
    if (vcount) {
        p.video.codec = VG_CODEC_H264;
        p.video.timescale = VG_VIDEO_TIMESCALE;
        p.video.width = 320;
        p.video.height = 240;
        p.video.config = avc;
        p.video.config_len = make_avcc(v, avc, sizeof(avc));
    }
    if (acount) {
        p.audio.codec = VG_CODEC_AAC;
        p.audio.timescale = a->rate;
        p.audio.sample_rate = a->rate;
        p.audio.channels = a->channels;
        p.audio.config = (uint8_t *)a->asc;
        p.audio.config_len = sizeof(a->asc);
    }
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    FILE *out = fopen(path, "wb");
    cr_assert_not_null(out, "%s", path);
    cr_assert_eq(fwrite(init, 1, len, out), len);
    free(init);

    uint32_t seq = 1;
    size_t vi = 0, ai = 0;
    while (vi < vcount || ai < acount) {
        /* compare vi / 25 s with ai * 1024 / rate s */
        bool video_next =
            ai >= acount || (vi < vcount && (uint64_t)vi * a->rate < (uint64_t)ai * 1024 * 25);
        if (video_next) {
            const struct access_unit *u = &v->au[vi];
            write_fragment(out, seq++, VG_TRACK_VIDEO, u->key, (int64_t)vi * 3600, video_cto, 3600,
                           v->data + u->off, u->len);
            vi++;
        } else {
            write_fragment(out, seq++, VG_TRACK_AUDIO, true, (int64_t)ai * 1024, 0, 1024,
                           a->frame[ai], a->frame_len[ai]);
            ai++;
        }
    }
    cr_assert_eq(fclose(out), 0);
}

struct probe_stream {
    char codec_type[16], codec_name[16];
    long width, height, sample_rate, channels;
    size_t packets;
    long long dts[128], pts[128];
    bool key[128];
};

struct probe {
    struct probe_stream s[2];
    size_t streams;
};

static void value(const char *line, const char *key, char *out, size_t outlen)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) == 0 && line[k] == '=')
        snprintf(out, outlen, "%.*s", (int)strcspn(line + k + 1, "\n"), line + k + 1);
}

static long num(const char *s)
{
    return strtol(s, NULL, 10);
}

static bool have_tool(const char *name)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

/* ffprobe -show_streams -show_packets, folded per stream index. */
static void probe(const char *path, struct probe *pr)
{
    memset(pr, 0, sizeof(*pr));
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ffprobe -v error -show_streams -show_packets '%s' 2>&1", path);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char line[512], section[16] = "";
    char index[16] = "", dts[32] = "", pts[32] = "", flags[16] = "";
    char type[16] = "", name[16] = "", w[16] = "", h[16] = "", rate[16] = "", ch[16] = "";
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '[') {
            if (strncmp(line, "[/", 2) != 0) {
                snprintf(section, sizeof(section), "%.*s", (int)strcspn(line, "]\n"), line);
                index[0] = dts[0] = pts[0] = flags[0] = type[0] = name[0] = '\0';
                w[0] = h[0] = rate[0] = ch[0] = '\0';
                continue;
            }
            long i = num(index);
            cr_assert(i >= 0 && i < 2, "stream index %ld", i);
            struct probe_stream *s = &pr->s[i];
            if (strcmp(section, "[STREAM") == 0) {
                snprintf(s->codec_type, sizeof(s->codec_type), "%s", type);
                snprintf(s->codec_name, sizeof(s->codec_name), "%s", name);
                s->width = num(w);
                s->height = num(h);
                s->sample_rate = num(rate);
                s->channels = num(ch);
                if ((size_t)i + 1 > pr->streams)
                    pr->streams = (size_t)i + 1;
            } else if (strcmp(section, "[PACKET") == 0) {
                cr_assert_lt(s->packets, 128);
                s->dts[s->packets] = strtoll(dts, NULL, 10);
                s->pts[s->packets] = strtoll(pts, NULL, 10);
                s->key[s->packets] = flags[0] == 'K';
                s->packets++;
            }
            continue;
        }
        cr_assert(strchr(line, '='), "ffprobe complained: %s", line);
        value(line, "index", index, sizeof(index));
        value(line, "stream_index", index, sizeof(index));
        value(line, "dts", dts, sizeof(dts));
        value(line, "pts", pts, sizeof(pts));
        value(line, "flags", flags, sizeof(flags));
        value(line, "codec_type", type, sizeof(type));
        value(line, "codec_name", name, sizeof(name));
        value(line, "width", w, sizeof(w));
        value(line, "height", h, sizeof(h));
        value(line, "sample_rate", rate, sizeof(rate));
        value(line, "channels", ch, sizeof(ch));
    }
    cr_assert_eq(pclose(f), 0, "ffprobe failed");
}

/* ffmpeg decodes every frame without a word on stderr. */
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

struct tmpfile {
    char dir[64], path[128];
};

static void tmpfile_make(struct tmpfile *t, const char *name)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/vg_fmp4_XXXXXX");
    cr_assert_not_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
}

static void tmpfile_remove(struct tmpfile *t)
{
    unlink(t->path);
    rmdir(t->dir);
}

static void expect_video_stream(const struct probe_stream *s, const struct h264_stream *v,
                                size_t frames, long long cto)
{
    cr_expect_str_eq(s->codec_type, "video");
    cr_expect_str_eq(s->codec_name, "h264");
    cr_expect_eq(s->width, 320);
    cr_expect_eq(s->height, 240);
    cr_assert_eq(s->packets, frames);
    size_t keys = 0;
    for (size_t i = 0; i < s->packets; i++) {
        cr_expect_eq(s->dts[i], (long long)i * 3600, "video dts of packet %zu", i);
        cr_expect_eq(s->pts[i], (long long)i * 3600 + cto, "video pts of packet %zu", i);
        if (i > 0)
            cr_expect_gt(s->dts[i], s->dts[i - 1], "dts not monotonic at %zu", i);
        cr_expect_eq(s->key[i], v->au[i].key, "key flag of packet %zu", i);
        keys += s->key[i];
    }
    cr_expect_eq(keys, 2, "-g 25 over 50 frames: two IDR pictures");
    cr_expect(s->key[0] && s->key[25]);
}

Test(fmp4, h264_stream_reads_back_through_ffprobe)
{
    if (!have_tool("ffprobe") || !have_tool("ffmpeg"))
        cr_skip_test("ffprobe/ffmpeg not installed");
    size_t len;
    uint8_t *raw = read_all(DATA "baseline_320x240.h264", &len);
    static struct h264_stream v;
    h264_split(raw, len, &v);
    cr_assert_eq(v.count, 50, "2 s at 25 fps");

    struct tmpfile t;
    tmpfile_make(&t, "video.mp4");
    write_file(t.path, &v, v.count, 0, NULL, 0);
    struct probe pr;
    probe(t.path, &pr);
    cr_assert_eq(pr.streams, 1);
    expect_video_stream(&pr.s[0], &v, v.count, 0);
    expect_decodes_cleanly(t.path);

    tmpfile_remove(&t);
    free(v.data);
    free(raw);
}

Test(fmp4, composition_offset_reads_back_as_pts_through_ffprobe)
{
    if (!have_tool("ffprobe") || !have_tool("ffmpeg"))
        cr_skip_test("ffprobe/ffmpeg not installed");
    size_t len;
    uint8_t *raw = read_all(DATA "baseline_320x240.h264", &len);
    static struct h264_stream v;
    h264_split(raw, len, &v);

    struct tmpfile t;
    tmpfile_make(&t, "delayed.mp4");
    write_file(t.path, &v, v.count, 7200, NULL, 0); /* what two B-frames of delay give */
    struct probe pr;
    probe(t.path, &pr);
    cr_assert_eq(pr.streams, 1);
    expect_video_stream(&pr.s[0], &v, v.count, 7200);

    tmpfile_remove(&t);
    free(v.data);
    free(raw);
}

Test(fmp4, h264_with_aac_reads_back_through_ffprobe)
{
    if (!have_tool("ffprobe") || !have_tool("ffmpeg"))
        cr_skip_test("ffprobe/ffmpeg not installed");
    size_t vlen, alen;
    uint8_t *vraw = read_all(DATA "baseline_320x240.h264", &vlen);
    uint8_t *araw = read_all(DATA "sine_48k_mono.aac", &alen);
    static struct h264_stream v;
    static struct aac_stream a;
    h264_split(vraw, vlen, &v);
    adts_split(araw, alen, &a);
    cr_assert_gt(a.count, 40);
    cr_assert_eq(a.rate, 48000);

    struct tmpfile t;
    tmpfile_make(&t, "av.mp4");
    write_file(t.path, &v, v.count, 0, &a, a.count);
    struct probe pr;
    probe(t.path, &pr);
    cr_assert_eq(pr.streams, 2);
    expect_video_stream(&pr.s[0], &v, v.count, 0);

    const struct probe_stream *s = &pr.s[1];
    cr_expect_str_eq(s->codec_type, "audio");
    cr_expect_str_eq(s->codec_name, "aac");
    cr_expect_eq(s->sample_rate, 48000);
    cr_expect_eq(s->channels, 1);
    cr_assert_eq(s->packets, a.count);
    for (size_t i = 0; i < s->packets; i++) {
        cr_expect_eq(s->dts[i], (long long)i * 1024, "audio dts of packet %zu", i);
        cr_expect(s->key[i]);
    }
    expect_decodes_cleanly(t.path);

    tmpfile_remove(&t);
    free(v.data);
    free(vraw);
    free(araw);
}

Test(fmp4, aac_only_stream_reads_back_through_ffprobe)
{
    if (!have_tool("ffprobe") || !have_tool("ffmpeg"))
        cr_skip_test("ffprobe/ffmpeg not installed");
    size_t alen;
    uint8_t *araw = read_all(DATA "sine_48k_mono.aac", &alen);
    static struct aac_stream a;
    adts_split(araw, alen, &a);

    struct tmpfile t;
    tmpfile_make(&t, "audio.mp4");
    write_file(t.path, NULL, 0, 0, &a, a.count);
    struct probe pr;
    probe(t.path, &pr);
    cr_assert_eq(pr.streams, 1);
    cr_expect_str_eq(pr.s[0].codec_name, "aac");
    cr_expect_eq(pr.s[0].packets, a.count);
    expect_decodes_cleanly(t.path);

    tmpfile_remove(&t);
    free(araw);
}

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

/* One-second fragments of vg_fmp4_fragment_run(), frames interleaved by time
 * in each list as a recorder collects them. */
static void write_run_file(const char *path, const struct h264_stream *v,
                           const struct aac_stream *a)
{
    struct vg_stream_params p = {0};
    uint8_t avc[512];
    p.video.codec = VG_CODEC_H264;
    p.video.timescale = VG_VIDEO_TIMESCALE;
    p.video.width = 320;
    p.video.height = 240;
    p.video.config = avc;
    p.video.config_len = make_avcc(v, avc, sizeof(avc));
    p.audio.codec = VG_CODEC_AAC;
    p.audio.timescale = a->rate;
    p.audio.sample_rate = a->rate;
    p.audio.channels = a->channels;
    p.audio.config = (uint8_t *)a->asc;
    p.audio.config_len = sizeof(a->asc);
    size_t len;
    uint8_t *init = init_ok(&p, &len);
    FILE *out = fopen(path, "wb");
    cr_assert_not_null(out, "%s", path);
    cr_assert_eq(fwrite(init, 1, len, out), len);
    free(init);

    static struct vg_frame *list[256];
    static uint8_t hdr[VG_FMP4_RUN_HEADER_MAX(256)];
    size_t vi = 0, ai = 0;
    for (uint32_t seq = 1; vi < v->count || ai < a->count; seq++) {
        size_t n = 0;
        uint64_t end_s = seq; /* this fragment ends at seq seconds */
        while ((vi < v->count && vi < end_s * 25) ||
               (ai < a->count && (uint64_t)ai * 1024 < end_s * a->rate)) {
            bool video_next = ai >= a->count || (vi < v->count && vi < end_s * 25 &&
                                                 (uint64_t)vi * a->rate < (uint64_t)ai * 1024 * 25);
            struct vg_frame *f;
            if (video_next) {
                const struct access_unit *u = &v->au[vi];
                f = frame_with(VG_TRACK_VIDEO, u->key, (int64_t)vi * 3600, 3600, v->data + u->off,
                               u->len);
                vi++;
            } else {
                f = frame_with(VG_TRACK_AUDIO, true, (int64_t)ai * 1024, 1024, a->frame[ai],
                               a->frame_len[ai]);
                ai++;
            }
            cr_assert_lt(n, 256);
            list[n++] = f;
        }
        size_t h = vg_fmp4_fragment_run(seq, list, n, NULL, hdr, sizeof(hdr));
        cr_assert_gt(h, 0);
        cr_assert_eq(fwrite(hdr, 1, h, out), h);
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n; i++)
                if (list[i]->track == (pass == 0 ? VG_TRACK_VIDEO : VG_TRACK_AUDIO))
                    cr_assert_eq(fwrite(list[i]->data, 1, list[i]->len, out), list[i]->len);
        frames_free(list, n);
    }
    cr_assert_eq(fclose(out), 0);
}

Test(fmp4, run_fragments_read_back_through_ffprobe)
{
    if (!have_tool("ffprobe") || !have_tool("ffmpeg"))
        cr_skip_test("ffprobe/ffmpeg not installed");
    size_t vlen, alen;
    uint8_t *vraw = read_all(DATA "baseline_320x240.h264", &vlen);
    uint8_t *araw = read_all(DATA "sine_48k_mono.aac", &alen);
    static struct h264_stream v;
    static struct aac_stream a;
    h264_split(vraw, vlen, &v);
    adts_split(araw, alen, &a);

    struct tmpfile t;
    tmpfile_make(&t, "runs.mp4");
    write_run_file(t.path, &v, &a);
    struct probe pr;
    probe(t.path, &pr);
    cr_assert_eq(pr.streams, 2);
    expect_video_stream(&pr.s[0], &v, v.count, 0);
    const struct probe_stream *s = &pr.s[1];
    cr_expect_str_eq(s->codec_name, "aac");
    cr_assert_eq(s->packets, a.count);
    for (size_t i = 0; i < s->packets; i++)
        cr_expect_eq(s->dts[i], (long long)i * 1024, "audio dts of packet %zu", i);
    expect_decodes_cleanly(t.path);

    tmpfile_remove(&t);
    free(v.data);
    free(vraw);
    free(araw);
}
