/* A browser publishing into a webrtc camera, without the network: the push
 * source waiting for and pairing with its publisher, RTP from the browser
 * becoming frames and parameters of the stream, and the RTCP going back
 * (keyframe requests, receiver reports). */
#include <criterion/criterion.h>
#include <errno.h>
#include <event2/event.h>
#include <string.h>
#include <unistd.h>

#include "../media/h264_vectors.h"
#include "media/stream.h"
#include "proto/rtcp.h"
#include "sources/push.h"
#include "webrtc/publish.h"

#define VIDEO_PT 102
#define AUDIO_PT 111
#define BROWSER_SSRC 0x1234u

static struct event_base *base;
static struct vg_push *reg;
static struct vg_stream *s;
static struct vg_reader *reader;
static struct vg_source *src;
static struct vg_publish *pub;
static struct vg_sdp_negotiation neg;

/* What the source reported, last first. */
static enum vg_source_event last_event;
static char last_reason[160];
static int reports;

/* RTCP the publisher sent. */
static struct {
    unsigned plis, rrs;
    struct vg_rtcp_report_block rb;
    uint32_t pli_media_ssrc;
} sent;

static void on_report(void *arg, enum vg_source_event ev, const char *reason)
{
    (void)arg;
    last_event = ev;
    snprintf(last_reason, sizeof(last_reason), "%s", reason ? reason : "");
    reports++;
}

static int on_rtcp(void *arg, const struct vg_rtcp_packet *p)
{
    (void)arg;
    if (p->kind == VG_RTCP_KIND_PLI) {
        sent.plis++;
        sent.pli_media_ssrc = p->media_ssrc;
    } else if (p->kind == VG_RTCP_KIND_RR && p->n_blocks == 1) {
        sent.rrs++;
        sent.rb = p->blocks[0];
    }
    return 0;
}

static void on_send(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    cr_assert_gt(vg_rtcp_parse(pkt, len, false, on_rtcp, NULL), 0);
}

static void nothing(void *arg)
{
    (void)arg;
}

static void setup(void)
{
    base = event_base_new();
    cr_assert_eq(vg_push_new(&reg), 0);
    s = vg_stream_new(base, "node-1");
    reader = vg_reader_new(s, nothing, NULL);
    memset(&sent, 0, sizeof(sent));
    reports = 0;
    neg = (struct vg_sdp_negotiation){.n_media = 2, .audio = 0, .video = 1};
    neg.media[0] = (struct vg_sdp_answer_media){.kind = VG_SDP_KIND_AUDIO,
                                                .accepted = true,
                                                .pt = AUDIO_PT,
                                                .codec = VG_CODEC_OPUS,
                                                .clock_rate = 48000,
                                                .channels = 2,
                                                .rtx_pt = -1};
    neg.media[1] = (struct vg_sdp_answer_media){.kind = VG_SDP_KIND_VIDEO,
                                                .accepted = true,
                                                .pt = VIDEO_PT,
                                                .codec = VG_CODEC_H264,
                                                .clock_rate = 90000,
                                                .nack = true,
                                                .nack_pli = true,
                                                .rtx_pt = -1,
                                                .has_remote_ssrc = true,
                                                .remote_ssrc = BROWSER_SSRC};
}

static void teardown(void)
{
    vg_publish_free(pub, "test over");
    pub = NULL;
    vg_source_push.stop(src);
    src = NULL;
    vg_reader_free(reader);
    vg_stream_free(s);
    vg_push_free(reg);
    event_base_free(base);
}

TestSuite(publish, .init = setup, .fini = teardown);

static void start_source(void)
{
    struct vg_source_config cfg = {.stream_id = "node-1", .url = "webrtc:", .push = reg};
    cr_assert_eq(vg_source_push.start(base, &cfg, s, on_report, NULL, &src), 0);
}

static void run_loop(void)
{
    event_base_loop(base, EVLOOP_NONBLOCK);
}

static void rtp(uint8_t pt, bool marker, uint16_t seq, uint32_t ts, const uint8_t *payload,
                size_t len)
{
    uint8_t pkt[2048] = {0x80,
                         (uint8_t)(pt | (marker ? 0x80 : 0)),
                         (uint8_t)(seq >> 8),
                         (uint8_t)seq,
                         (uint8_t)(ts >> 24),
                         (uint8_t)(ts >> 16),
                         (uint8_t)(ts >> 8),
                         (uint8_t)ts,
                         0,
                         0,
                         0x12,
                         0x34};
    memcpy(pkt + 12, payload, len);
    vg_publish_rtp(pub, pkt, 12 + len, 1000000);
}

/* SPS and PPS in a STAP-A, then the IDR: what a browser sends for a keyframe. */
static void keyframe(uint16_t seq, uint32_t ts)
{
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
    rtp(VIDEO_PT, false, seq, ts, stap, n);
    rtp(VIDEO_PT, true, (uint16_t)(seq + 1), ts, base_idr, sizeof(base_idr));
}

static unsigned frames(enum vg_track track)
{
    unsigned n = 0;
    struct vg_frame *f;
    while (vg_reader_next(reader, &f) == 1) {
        n += f->track == track;
        vg_frame_unref(&f);
    }
    return n;
}

Test(publish, the_source_waits_for_a_publisher_then_goes_online)
{
    start_source();
    run_loop();
    cr_expect_eq(last_event, VG_SOURCE_WAITING);
    cr_expect_str_eq(last_reason, "waiting for a publisher");
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    keyframe(10, 1000);
    rtp(VIDEO_PT, true, 12, 4000, base_p, sizeof(base_p));
    run_loop();
    cr_expect_eq(last_event, VG_SOURCE_CONNECTED);
    cr_expect_eq(frames(VG_TRACK_VIDEO), 2);
    struct vg_stream_params *p = vg_stream_params(s);
    cr_assert_not_null(p);
    cr_expect_eq(p->video.codec, VG_CODEC_H264);
    cr_expect_eq(p->video.width, 640);
    cr_expect_eq(p->audio.codec, VG_CODEC_OPUS);
    cr_expect_eq(p->audio.sample_rate, 48000);
    cr_assert_eq(p->audio.config_len, 19);
    cr_expect_arr_eq(p->audio.config, "OpusHead", 8);
    vg_stream_params_unref(&p);
}

Test(publish, a_publisher_that_came_first_is_attached_when_the_source_starts)
{
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    start_source();
    keyframe(1, 0);
    run_loop();
    cr_expect_eq(last_event, VG_SOURCE_CONNECTED);
    cr_expect_eq(frames(VG_TRACK_VIDEO), 1);
}

Test(publish, a_second_publisher_is_refused)
{
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    struct vg_publish *other = NULL;
    cr_expect_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &other), -EBUSY);
    cr_expect_null(other);
    /* Another camera is another matter. */
    cr_assert_eq(vg_publish_new(reg, "node-2", &neg, on_send, NULL, &other), 0);
    vg_publish_free(other, "done");
}

Test(publish, a_publisher_that_leaves_puts_the_source_back_to_waiting)
{
    start_source();
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    keyframe(1, 0);
    run_loop();
    cr_expect_eq(last_event, VG_SOURCE_CONNECTED);
    pub = vg_publish_free(pub, "the publisher left");
    run_loop();
    cr_expect_eq(last_event, VG_SOURCE_WAITING);
    cr_expect_str_eq(last_reason, "the publisher left");
    /* And the next one is welcome. */
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
}

Test(publish, a_restarted_source_gets_the_parameters_again)
{
    start_source();
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    keyframe(1, 0);
    cr_expect_eq(frames(VG_TRACK_VIDEO), 1);
    /* What the hub does to a stalled stream: stop, forget, start again. */
    vg_source_push.stop(src);
    src = NULL;
    vg_reader_free(reader);
    vg_stream_reset(s);
    reader = vg_reader_new(s, nothing, NULL);
    start_source();
    /* The browser sends no parameter sets in band again: the keyframe alone. */
    rtp(VIDEO_PT, true, 3, 3000, base_idr, sizeof(base_idr));
    cr_expect_eq(frames(VG_TRACK_VIDEO), 1);
    struct vg_stream_params *p = vg_stream_params(s);
    cr_assert_not_null(p, "parameters published again");
    cr_expect_eq(p->video.width, 640);
    vg_stream_params_unref(&p);
}

Test(publish, without_an_attached_stream_nothing_is_published)
{
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    keyframe(1, 0);
    cr_expect_eq(frames(VG_TRACK_VIDEO), 0);
    struct vg_publish_stats st;
    vg_publish_stats(pub, &st);
    cr_expect_eq(st.packets, 2);
}

Test(publish, opus_follows_the_first_picture)
{
    start_source();
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    const uint8_t opus[] = {0xfc, 0xff, 0xfe};
    rtp(AUDIO_PT, true, 500, 960, opus, sizeof(opus)); /* before any picture: dropped */
    keyframe(1, 0);
    rtp(AUDIO_PT, true, 501, 1920, opus, sizeof(opus));
    rtp(AUDIO_PT, true, 502, 2880, opus, sizeof(opus));
    struct vg_frame *f;
    unsigned audio = 0;
    int64_t first = -1;
    while (vg_reader_next(reader, &f) == 1) {
        if (f->track == VG_TRACK_AUDIO) {
            cr_expect_eq(f->len, sizeof(opus));
            if (first < 0)
                first = f->pts;
            else
                cr_expect_eq(f->pts - first, 960);
            audio++;
        }
        vg_frame_unref(&f);
    }
    cr_expect_eq(audio, 2);
}

Test(publish, packets_of_other_payload_types_are_ignored)
{
    start_source();
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    rtp(45, true, 1, 0, base_idr, sizeof(base_idr));
    struct vg_publish_stats st;
    vg_publish_stats(pub, &st);
    cr_expect_eq(st.packets, 0);
}

Test(publish, asks_for_a_keyframe_when_ready_and_after_a_loss_but_not_too_often)
{
    start_source();
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    cr_expect_eq(sent.plis, 0, "nothing goes before the transport is up");
    vg_publish_ready(pub);
    cr_expect_eq(sent.plis, 1);
    cr_expect_eq(sent.pli_media_ssrc, BROWSER_SSRC);
    keyframe(1, 0);
    rtp(VIDEO_PT, true, 5, 6000, base_p, sizeof(base_p)); /* 3 and 4 lost */
    cr_expect_eq(sent.plis, 1, "rate-limited");
    usleep(320000);
    vg_publish_tick(pub);
    cr_expect_eq(sent.plis, 2);
    struct vg_publish_stats st;
    vg_publish_stats(pub, &st);
    cr_expect_eq(st.lost, 2);
    cr_expect_eq(st.keyframe_requests, 2);
}

Test(publish, a_viewer_asking_for_a_keyframe_reaches_the_publisher)
{
    start_source();
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    vg_publish_ready(pub);
    cr_expect_eq(sent.plis, 1);
    usleep(320000);
    vg_push_want_keyframe(reg, "node-1");
    cr_expect_eq(sent.plis, 2);
    vg_push_want_keyframe(reg, "other"); /* nobody publishes it: nothing happens */
    cr_expect_eq(sent.plis, 2);
}

Test(publish, receiver_reports_count_what_was_lost)
{
    start_source();
    cr_assert_eq(vg_publish_new(reg, "node-1", &neg, on_send, NULL, &pub), 0);
    vg_publish_ready(pub);
    keyframe(65534, 0); /* across the sequence wrap: 65534, 65535 */
    rtp(VIDEO_PT, true, 0, 3000, base_p, sizeof(base_p));
    rtp(VIDEO_PT, true, 3, 6000, base_p, sizeof(base_p)); /* 1 and 2 lost */
    vg_publish_tick(pub);
    cr_assert_eq(sent.rrs, 1);
    cr_expect_eq(sent.rb.ssrc, BROWSER_SSRC);
    cr_expect_eq(sent.rb.highest_seq, 65536u + 3u);
    cr_expect_eq(sent.rb.cumulative_lost, 2);
    cr_expect_eq(sent.rb.fraction_lost, 2 * 256 / 6);
    cr_expect_eq(sent.rb.lsr, 0, "no sender report yet");
}
