/* From a DESCRIBE answer and RTP packets to published frames: track choice,
 * parameter sets from the SDP or in band, fragmented pictures, timestamps
 * across the 32-bit wrap, audio after video, and refusals with a reason. */
#include <criterion/criterion.h>
#include <errno.h>
#include <event2/event.h>
#include <string.h>

#include "../media/h264_vectors.h"
#include "media/stream.h"
#include "sources/rtsp_media.h"

static struct event_base *base;
static struct vg_stream *s;
static struct vg_reader *reader;
static struct vg_rtsp_media m;

static void nothing(void *arg)
{
    (void)arg;
}

static void setup(void)
{
    base = event_base_new();
    s = vg_stream_new(base, "cam");
    reader = vg_reader_new(s, nothing, NULL);
}

static void teardown(void)
{
    vg_rtsp_media_done(&m);
    vg_reader_free(reader);
    vg_stream_free(s);
    event_base_free(base);
}

TestSuite(rtsp_media, .init = setup, .fini = teardown);

static const char sdp_sprop[] =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\na=control:*\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1;profile-level-id=42c01e;"
    "sprop-parameter-sets=Z0LAHtkAoC/5cBEAAAMAAQAAAwAyDxYuSA==,aMuDyyA=\r\n"
    "a=control:trackID=1\r\n"
    "m=audio 0 RTP/AVP 8\r\na=control:trackID=2\r\n";

static const char sdp_plain[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\n"
                                "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                                "a=fmtp:96 packetization-mode=1\r\na=control:video\r\n";

static int init(const char *sdp)
{
    char why[160] = "";
    return vg_rtsp_media_init(&m, s, sdp, strlen(sdp), "rtsp://cam/live/", why, sizeof(why));
}

/* An RTP packet: header + payload. */
static size_t rtp(uint8_t *out, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
                  const uint8_t *payload, size_t len)
{
    out[0] = 0x80;
    out[1] = (uint8_t)(pt | (marker ? 0x80 : 0));
    out[2] = (uint8_t)(seq >> 8);
    out[3] = (uint8_t)seq;
    out[4] = (uint8_t)(ts >> 24);
    out[5] = (uint8_t)(ts >> 16);
    out[6] = (uint8_t)(ts >> 8);
    out[7] = (uint8_t)ts;
    memset(out + 8, 0x11, 4);
    memcpy(out + 12, payload, len);
    return 12 + len;
}

static void push(unsigned track, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
                 const uint8_t *payload, size_t len)
{
    uint8_t pkt[2048];
    size_t n = rtp(pkt, pt, marker, seq, ts, payload, len);
    cr_assert_eq(vg_rtsp_media_rtp(&m, track, pkt, n, 1000), 0);
}

static struct vg_frame *next_frame(void)
{
    struct vg_frame *f = NULL;
    cr_assert_eq(vg_reader_next(reader, &f), 1, "expected a frame");
    return f;
}

Test(rtsp_media, takes_h264_and_pcma_with_their_control_urls)
{
    cr_assert_eq(init(sdp_sprop), 0);
    cr_expect_eq(m.tracks[VG_RTSP_VIDEO].codec, VG_CODEC_H264);
    cr_expect_str_eq(m.tracks[VG_RTSP_VIDEO].control, "rtsp://cam/live/trackID=1");
    cr_expect_eq(m.tracks[VG_RTSP_AUDIO].codec, VG_CODEC_PCMA);
    cr_expect_eq(m.tracks[VG_RTSP_AUDIO].clock_rate, 8000);
    cr_expect_str_eq(m.tracks[VG_RTSP_AUDIO].control, "rtsp://cam/live/trackID=2");
}

Test(rtsp_media, publishes_frames_with_parameters_from_the_sdp)
{
    cr_assert_eq(init(sdp_sprop), 0);
    push(VG_RTSP_VIDEO, 96, true, 100, 90000, base_idr, sizeof(base_idr));
    push(VG_RTSP_VIDEO, 96, true, 101, 93600, base_p, sizeof(base_p));
    struct vg_frame *f = next_frame();
    cr_expect(f->key);
    int64_t t0 = f->dts;
    vg_frame_unref(&f);
    f = next_frame();
    cr_expect_not(f->key);
    cr_expect_eq(f->dts - t0, 3600);
    vg_frame_unref(&f);
    struct vg_stream_params *p = vg_stream_params(s);
    cr_assert_not_null(p);
    cr_expect_eq(p->video.width, 640);
    cr_expect_eq(p->video.height, 360);
    cr_expect_str_eq(p->video.codec_string, "avc1.42C01E");
    cr_expect_eq(p->audio.codec, VG_CODEC_PCMA);
    vg_stream_params_unref(&p);
}

Test(rtsp_media, takes_in_band_parameter_sets_and_fragmented_pictures)
{
    cr_assert_eq(init(sdp_plain), 0);
    /* STAP-A with SPS and PPS, then the IDR cut into three FU-A packets. */
    uint8_t stap[64] = {24};
    size_t n = 1;
    stap[n++] = 0;
    stap[n++] = sizeof(base_sps);
    memcpy(stap + n, base_sps, sizeof(base_sps));
    n += sizeof(base_sps);
    stap[n++] = 0;
    stap[n++] = sizeof(base_pps);
    memcpy(stap + n, base_pps, sizeof(base_pps));
    n += sizeof(base_pps);
    push(VG_RTSP_VIDEO, 96, false, 7, 1000, stap, n);
    uint8_t fu[32];
    uint8_t indicator = (base_idr[0] & 0xe0) | 28, type = base_idr[0] & 0x1f;
    const size_t cut[] = {1, 6, 11, sizeof(base_idr)};
    for (int i = 0; i < 3; i++) {
        fu[0] = indicator;
        fu[1] = (uint8_t)(type | (i == 0 ? 0x80 : 0) | (i == 2 ? 0x40 : 0));
        memcpy(fu + 2, base_idr + cut[i], cut[i + 1] - cut[i]);
        push(VG_RTSP_VIDEO, 96, i == 2, (uint16_t)(8 + i), 1000, fu, 2 + cut[i + 1] - cut[i]);
    }
    struct vg_frame *f = next_frame();
    cr_expect(f->key);
    /* One length-prefixed NAL unit: the IDR rebuilt byte for byte. */
    cr_assert_eq(f->len, 4 + sizeof(base_idr));
    cr_expect_eq(f->data[3], sizeof(base_idr));
    cr_expect_arr_eq(f->data + 4, base_idr, sizeof(base_idr));
    vg_frame_unref(&f);
}

Test(rtsp_media, continues_time_across_the_rtp_timestamp_wrap)
{
    cr_assert_eq(init(sdp_sprop), 0);
    push(VG_RTSP_VIDEO, 96, true, 1, 0xffffff00u, base_idr, sizeof(base_idr));
    push(VG_RTSP_VIDEO, 96, true, 2, 0xffffff00u + 3600u, base_p, sizeof(base_p));
    struct vg_frame *a = next_frame(), *b = next_frame();
    cr_expect_eq(b->dts - a->dts, 3600);
    vg_frame_unref(&a);
    vg_frame_unref(&b);
}

Test(rtsp_media, audio_waits_for_the_first_video_frame)
{
    cr_assert_eq(init(sdp_sprop), 0);
    const uint8_t alaw[160] = {0xd5};
    push(VG_RTSP_AUDIO, 8, true, 1, 0, alaw, sizeof(alaw));
    struct vg_frame *f = NULL;
    cr_expect_eq(vg_reader_next(reader, &f), 0);
    push(VG_RTSP_VIDEO, 96, true, 1, 0, base_idr, sizeof(base_idr));
    push(VG_RTSP_AUDIO, 8, true, 2, 160, alaw, sizeof(alaw));
    f = next_frame();
    cr_expect_eq(f->track, VG_TRACK_VIDEO);
    vg_frame_unref(&f);
    f = next_frame();
    cr_expect_eq(f->track, VG_TRACK_AUDIO);
    cr_expect_eq(f->len, sizeof(alaw));
    vg_frame_unref(&f);
}

Test(rtsp_media, tracks_line_up_by_arrival_whatever_their_rtp_offsets)
{
    cr_assert_eq(init(sdp_sprop), 0);
    const uint8_t alaw[160] = {0xd5};
    uint8_t pkt[2048];
    /* Video at 0 s with RTP time 3000000000, sound 0.5 s later at 123. */
    size_t n = rtp(pkt, 96, true, 1, 3000000000u, base_idr, sizeof(base_idr));
    cr_assert_eq(vg_rtsp_media_rtp(&m, VG_RTSP_VIDEO, pkt, n, 10000000), 0);
    n = rtp(pkt, 8, true, 1, 123, alaw, sizeof(alaw));
    cr_assert_eq(vg_rtsp_media_rtp(&m, VG_RTSP_AUDIO, pkt, n, 10500000), 0);
    n = rtp(pkt, 96, true, 2, 3000000000u + 90000, base_p, sizeof(base_p));
    cr_assert_eq(vg_rtsp_media_rtp(&m, VG_RTSP_VIDEO, pkt, n, 11000000), 0);
    struct vg_frame *v0 = next_frame(), *a = next_frame(), *v1 = next_frame();
    cr_assert_eq(a->track, VG_TRACK_AUDIO);
    /* In seconds, the sound sits between the two pictures, where it arrived. */
    cr_expect_eq(v0->dts, 0);
    cr_expect_eq(a->dts, 4000); /* 0.5 s at 8 kHz */
    cr_expect_eq(v1->dts, 90000);
    vg_frame_unref(&v0);
    vg_frame_unref(&a);
    vg_frame_unref(&v1);
}

Test(rtsp_media, damaged_packets_are_dropped_not_fatal)
{
    cr_assert_eq(init(sdp_sprop), 0);
    const uint8_t junk[] = {0x12, 0x34};
    cr_expect_eq(vg_rtsp_media_rtp(&m, VG_RTSP_VIDEO, junk, sizeof(junk), 0), 0);
    uint8_t fu_end[] = {28, 0x45, 1, 2, 3}; /* an FU end without its start */
    push(VG_RTSP_VIDEO, 96, true, 5, 0, fu_end, sizeof(fu_end));
    struct vg_frame *f = NULL;
    cr_expect_eq(vg_reader_next(reader, &f), 0);
}

Test(rtsp_media, says_why_it_cannot_use_a_description)
{
    char why[160] = "";
    const char *audio_only = "v=0\r\ns=x\r\nm=audio 0 RTP/AVP 0\r\n";
    cr_expect_eq(
        vg_rtsp_media_init(&m, s, audio_only, strlen(audio_only), "rtsp://c/", why, sizeof(why)),
        -ENOTSUP);
    cr_expect_str_eq(why, "no video track");
    const char *mpeg4 = "v=0\r\ns=x\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 MP4V-ES/90000\r\n";
    cr_expect_eq(vg_rtsp_media_init(&m, s, mpeg4, strlen(mpeg4), "rtsp://c/", why, sizeof(why)),
                 -ENOTSUP);
    cr_expect_str_eq(why, "unsupported video codec MP4V-ES");
    const char *garbage = "not an sdp at all";
    cr_expect_lt(vg_rtsp_media_init(&m, s, garbage, strlen(garbage), "rtsp://c/", why, sizeof(why)),
                 0);
    cr_expect(strncmp(why, "malformed SDP", 13) == 0, "%s", why);
}
