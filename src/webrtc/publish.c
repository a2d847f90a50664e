#include "webrtc/publish.h"

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/clock.h"
#include "proto/rtcp.h"
#include "proto/rtp.h"
#include "sources/push.h"
#include "sources/rtsp_media.h"

#define KEYFRAME_MIN_GAP_US 300000 /* between two keyframe requests */
#define KEYFRAME_PERIOD_US 2000000 /* asked for this often anyway */
#define REPORT_PERIOD_US 1000000   /* receiver reports */

/* What RFC 3550 A.3 keeps per source to fill a report block. */
struct rx {
    bool have;
    uint32_t ssrc;
    uint16_t max_seq;
    uint32_t cycles; /* wraps of the sequence number, << 16 */
    uint32_t base_seq;
    uint32_t received;
    uint32_t expected_prior, received_prior;
    uint32_t lsr;      /* middle 32 bits of the sender's last SR */
    int64_t lsr_at_us; /* when it came */
};

struct vg_publish {
    struct vg_push_publisher *pub;
    struct vg_rtsp_media media;
    int pt[VG_RTSP_TRACKS]; /* payload type per track, -1: none */
    struct rx rx[VG_RTSP_TRACKS];
    uint32_t ssrc; /* ours, in reports and requests */
    vg_publish_send_fn *send;
    void *arg;
    bool ready; /* RTCP may go */
    bool keyframe_due;
    uint8_t fir_seq;
    bool use_fir; /* the browser takes FIR but not PLI */
    int64_t last_keyframe_req_us, last_report_us;
    uint64_t lost_seen; /* the depacketizer's count when last looked at */
    struct vg_publish_stats stats;
};

static void request_keyframe(struct vg_publish *p)
{
    int64_t now = vg_mono_us();
    struct rx *v = &p->rx[VG_RTSP_VIDEO];
    if (!p->ready || !v->have || now - p->last_keyframe_req_us < KEYFRAME_MIN_GAP_US) {
        p->keyframe_due = true;
        return;
    }
    uint8_t buf[VG_RTCP_FIR_LEN];
    size_t n = 0;
    int r = p->use_fir ? vg_rtcp_build_fir(p->ssrc, v->ssrc, p->fir_seq++, buf, sizeof(buf), &n)
                       : vg_rtcp_build_pli(p->ssrc, v->ssrc, buf, sizeof(buf), &n);
    if (r < 0)
        return;
    p->send(p->arg, buf, n);
    p->keyframe_due = false;
    p->last_keyframe_req_us = now;
    p->stats.keyframe_requests++;
}

static void on_want_keyframe(void *arg, bool new_stream)
{
    struct vg_publish *p = arg;
    if (new_stream)
        vg_rtsp_media_restart(&p->media);
    request_keyframe(p);
}

int vg_publish_new(struct vg_push *push, const char *stream_id,
                   const struct vg_sdp_negotiation *neg, vg_publish_send_fn *send, void *arg,
                   struct vg_publish **ret)
{
    if (neg->video < 0)
        return -ENOTSUP;
    const struct vg_sdp_answer_media *vm = &neg->media[neg->video];
    const struct vg_sdp_answer_media *am = neg->audio >= 0 ? &neg->media[neg->audio] : NULL;
    struct vg_publish *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->send = send;
    p->arg = arg;
    p->ssrc = randombytes_random() | 1;
    p->pt[VG_RTSP_VIDEO] = (int)vm->pt;
    p->pt[VG_RTSP_AUDIO] = am ? (int)am->pt : -1;
    p->use_fir = !vm->nack_pli && vm->ccm_fir;
    int r = vg_rtsp_media_init_codecs(&p->media, NULL, vm->codec, am ? am->codec : VG_CODEC_NONE,
                                      am ? am->channels : 0);
    if (r < 0) {
        free(p);
        return r;
    }
    if (vm->has_remote_ssrc) {
        p->rx[VG_RTSP_VIDEO].ssrc = vm->remote_ssrc;
        p->rx[VG_RTSP_VIDEO].have = true;
        p->rx[VG_RTSP_VIDEO].received = 0;
        p->rx[VG_RTSP_VIDEO].base_seq = UINT32_MAX; /* the first packet sets it */
    }
    r = vg_push_publisher_new(push, stream_id, on_want_keyframe, p, &p->pub);
    if (r < 0) {
        vg_rtsp_media_done(&p->media);
        free(p);
        return r;
    }
    *ret = p;
    return 0;
}

struct vg_publish *vg_publish_free(struct vg_publish *p, const char *why)
{
    if (!p)
        return NULL;
    vg_push_publisher_free(p->pub, why);
    vg_rtsp_media_done(&p->media);
    free(p);
    return NULL;
}

/* RFC 3550 A.1, without the probation: the browser's sequence is trusted. */
static void count_rx(struct rx *x, const struct vg_rtp_packet *rp)
{
    if (!x->have || x->base_seq == UINT32_MAX || x->ssrc != rp->ssrc) {
        *x = (struct rx){.have = true, .ssrc = rp->ssrc, .max_seq = rp->seq, .base_seq = rp->seq};
        x->received = 1;
        return;
    }
    x->received++;
    if (vg_rtp_seq_after(rp->seq, x->max_seq)) {
        if (rp->seq < x->max_seq)
            x->cycles += 1u << 16;
        x->max_seq = rp->seq;
    }
}

void vg_publish_rtp(struct vg_publish *p, const uint8_t *pkt, size_t len, int64_t now_wall_us)
{
    struct vg_rtp_packet rp;
    if (vg_rtp_parse(pkt, len, &rp) < 0)
        return;
    unsigned t;
    if (rp.pt == p->pt[VG_RTSP_VIDEO])
        t = VG_RTSP_VIDEO;
    else if (rp.pt == p->pt[VG_RTSP_AUDIO])
        t = VG_RTSP_AUDIO;
    else
        return; /* a payload type we did not agree to */
    p->stats.packets++;
    p->stats.bytes += len;
    count_rx(&p->rx[t], &rp);
    /* Without an attached stream the frames have nowhere to go; the gap this
     * leaves is a loss to the depacketizer, which then waits for the keyframe
     * the attachment asks for. */
    p->media.stream = vg_push_publisher_stream(p->pub);
    if (!p->media.stream)
        return;
    vg_rtsp_media_packet(&p->media, t, &rp, now_wall_us);
    const struct vg_rtp_depack *d = &p->media.tracks[VG_RTSP_VIDEO].depack;
    if (d->lost_packets != p->lost_seen) {
        p->stats.lost += d->lost_packets - p->lost_seen;
        p->lost_seen = d->lost_packets;
        request_keyframe(p);
    }
    if (p->media.published)
        vg_push_publisher_connected(p->pub);
}

void vg_publish_rtcp(struct vg_publish *p, const struct vg_rtcp_packet *pkt)
{
    if (pkt->kind != VG_RTCP_KIND_SR)
        return;
    for (unsigned t = 0; t < VG_RTSP_TRACKS; t++) {
        if (p->rx[t].have && p->rx[t].ssrc == pkt->ssrc) {
            p->rx[t].lsr = vg_rtcp_ntp_mid32(pkt->sr.ntp);
            p->rx[t].lsr_at_us = vg_mono_us();
        }
    }
}

void vg_publish_ready(struct vg_publish *p)
{
    p->ready = true;
    request_keyframe(p);
}

static void report(struct vg_publish *p, struct rx *x, int64_t now)
{
    if (!x->have || x->base_seq == UINT32_MAX)
        return;
    uint32_t ext_max = x->cycles + x->max_seq;
    uint32_t expected = ext_max - x->base_seq + 1;
    int64_t lost = (int64_t)expected - x->received;
    uint32_t exp_int = expected - x->expected_prior, rec_int = x->received - x->received_prior;
    x->expected_prior = expected;
    x->received_prior = x->received;
    int64_t lost_int = (int64_t)exp_int - rec_int;
    struct vg_rtcp_report_block rb = {
        .ssrc = x->ssrc,
        .fraction_lost = exp_int && lost_int > 0 ? (uint8_t)((lost_int << 8) / exp_int) : 0,
        .cumulative_lost = lost > 0x7fffff    ? 0x7fffff
                           : lost < -0x800000 ? -0x800000
                                              : (int32_t)lost,
        .highest_seq = ext_max,
        .lsr = x->lsr,
        .dlsr = x->lsr ? vg_rtcp_dlsr_from_us(now - x->lsr_at_us) : 0,
    };
    uint8_t buf[VG_RTCP_RR_LEN];
    size_t n = 0;
    if (vg_rtcp_build_rr(p->ssrc, &rb, buf, sizeof(buf), &n) == 0)
        p->send(p->arg, buf, n);
}

void vg_publish_tick(struct vg_publish *p)
{
    if (!p->ready)
        return;
    int64_t now = vg_mono_us();
    if (p->keyframe_due || now - p->last_keyframe_req_us >= KEYFRAME_PERIOD_US)
        request_keyframe(p);
    if (now - p->last_report_us >= REPORT_PERIOD_US) {
        p->last_report_us = now;
        for (unsigned t = 0; t < VG_RTSP_TRACKS; t++)
            report(p, &p->rx[t], now);
    }
}

void vg_publish_stats(const struct vg_publish *p, struct vg_publish_stats *ret)
{
    *ret = p->stats;
}
