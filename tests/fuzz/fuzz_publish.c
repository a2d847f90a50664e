/* A WHIP publisher's packets over arbitrary bytes: what a browser (or anyone
 * holding a publish permission) sends after the handshake. The input is a run
 * of records, each a 1-byte kind (even: RTP, odd: RTCP) and a 2-byte
 * big-endian length; RTP goes to vg_publish_rtp(), RTCP through
 * vg_rtcp_parse() to vg_publish_rtcp(), with a tick after every record, into
 * a stream attached through the push source, whose frames are read back.
 * Checked: no crash or hang, frames within the stream's rules (video frames
 * length-prefixed, every NAL unit inside the frame), RTCP that goes out parses.
 *
 * Seeds (corpus/publish/): a browser's keyframe (STAP-A with SPS and PPS,
 * then the IDR in FU-A), a P frame, Opus, a sender report, and a gap. */
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/stream.h"
#include "proto/rtcp.h"
#include "sources/push.h"
#include "webrtc/publish.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void nothing(void *arg)
{
    (void)arg;
}

static void on_report(void *arg, enum vg_source_event ev, const char *reason)
{
    (void)arg;
    (void)ev;
    (void)reason;
}

static void on_send(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    if (vg_rtcp_parse(pkt, len, false, NULL, NULL) <= 0)
        abort();
}

static int on_rtcp(void *arg, const struct vg_rtcp_packet *p)
{
    vg_publish_rtcp(arg, p);
    return 0;
}

static void check_frame(const struct vg_frame *f)
{
    if (f->track != VG_TRACK_VIDEO)
        return;
    size_t pos = 0;
    while (pos < f->len) {
        if (f->len - pos < 4)
            abort();
        size_t n = (size_t)f->data[pos] << 24 | (size_t)f->data[pos + 1] << 16 |
                   (size_t)f->data[pos + 2] << 8 | f->data[pos + 3];
        if (n == 0 || n > f->len - pos - 4)
            abort();
        pos += 4 + n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    struct event_base *base = event_base_new();
    struct vg_push *reg = NULL;
    struct vg_stream *s = base ? vg_stream_new(base, "node") : NULL;
    struct vg_reader *reader = s ? vg_reader_new(s, nothing, NULL) : NULL;
    struct vg_source *src = NULL;
    struct vg_publish *pub = NULL;
    struct vg_sdp_negotiation neg = {.n_media = 2, .audio = 0, .video = 1};
    neg.media[0] = (struct vg_sdp_answer_media){.kind = VG_SDP_KIND_AUDIO,
                                                .accepted = true,
                                                .pt = 111,
                                                .codec = VG_CODEC_OPUS,
                                                .clock_rate = 48000,
                                                .channels = 2,
                                                .rtx_pt = -1};
    neg.media[1] = (struct vg_sdp_answer_media){.kind = VG_SDP_KIND_VIDEO,
                                                .accepted = true,
                                                .pt = 102,
                                                .codec = VG_CODEC_H264,
                                                .clock_rate = 90000,
                                                .nack_pli = true,
                                                .rtx_pt = -1,
                                                .has_remote_ssrc = true,
                                                .remote_ssrc = 0x1234};
    struct vg_source_config cfg = {.stream_id = "node", .url = "webrtc:"};
    if (!reader || vg_push_new(&reg) < 0)
        goto out;
    cfg.push = reg;
    if (vg_source_push.start(base, &cfg, s, on_report, NULL, &src) < 0 ||
        vg_publish_new(reg, "node", &neg, on_send, NULL, &pub) < 0)
        abort();
    vg_publish_ready(pub);
    size_t pos = 0;
    while (size - pos >= 3) {
        bool rtcp = data[pos] & 1;
        size_t len = (size_t)(data[pos + 1] << 8 | data[pos + 2]);
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        /* An exact-size copy, so that reading past the packet is caught. */
        uint8_t *pkt = malloc(len ? len : 1);
        if (!pkt)
            break;
        memcpy(pkt, data + pos, len);
        pos += len;
        if (rtcp)
            vg_rtcp_parse(pkt, len, false, on_rtcp, pub);
        else
            vg_publish_rtp(pub, pkt, len, 1000000);
        free(pkt);
        vg_publish_tick(pub);
        struct vg_frame *f;
        while (vg_reader_next(reader, &f) == 1) {
            check_frame(f);
            vg_frame_unref(&f);
        }
    }
out:
    vg_publish_free(pub, "done");
    vg_source_push.stop(src);
    vg_reader_free(reader);
    vg_stream_free(s);
    vg_push_free(reg);
    if (base)
        event_base_free(base);
    return 0;
}
