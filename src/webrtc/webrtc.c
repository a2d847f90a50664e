#include "webrtc/webrtc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "hub/hub.h"
#include "media/stream.h"
#include "proto/rtcp.h"
#include "proto/rtp_pack.h"
#include "webrtc/cert.h"
#include "webrtc/dtls.h"
#include "webrtc/feed.h"
#include "webrtc/publish.h"
#include "sources/push.h"
#include "webrtc/ice.h"
#include "webrtc/sdp_answer.h"
#include "webrtc/srtp.h"

#define HISTORY 1024           /* sent packets remembered for NACKs, per session */
#define PLI_INTERVAL_US 500000 /* at most one restart at a keyframe per this */
#define MAX_CANDIDATES 7
#define SR_INTERVAL_S 1        /* sender reports: lip sync and RTT for the browser */
#define PUBLISH_TICK_US 250000 /* WHIP: receiver reports and keyframe requests due */

struct feed_ref {
    char *stream_id;
    struct vg_feed *feed;
    unsigned refs;
    struct feed_ref *next;
};

struct vg_webrtc_session {
    struct vg_webrtc *w;
    char id[33];
    char *stream_id;
    struct vg_stream *stream;   /* acquired from the hub */
    struct feed_ref *feed;      /* WHEP */
    struct vg_publish *publish; /* WHIP: the browser sends, we receive */
    struct vg_ice_peer ice;
    struct vg_dtls *dtls;
    struct vg_srtp *srtp;
    struct vg_reader *reader;
    struct event *dtls_timer, *close_ev, *sr_timer;
    uint8_t pt;
    uint32_t ssrc;
    uint16_t seq;
    /* audio (G.711 as it comes: one frame, one packet) */
    struct vg_rtp_packer audio;
    bool has_audio;
    /* per track (VG_TRACK_VIDEO, VG_TRACK_AUDIO): for sender reports, the
     * last frame sent, its RTP time and when the source got it */
    struct {
        bool sent;
        uint32_t rtp_ts, clock;
        int64_t received_us;
        uint32_t packets, octets;
    } sr[2];
    int64_t last_pli_us;
    uint64_t packets_sent, nacks, plis;
    bool closing;
    char close_reason[96];
    struct {
        uint64_t frame_seq;
        uint16_t seq;
        uint16_t idx;
        bool used;
    } history[HISTORY];
    struct vg_webrtc_session *next;
};

struct vg_webrtc {
    struct event_base *base;
    struct vg_hub *hub;
    struct vg_webrtc_config cfg;
    struct vg_cert cert;
    SSL_CTX *ssl;
    struct vg_ice *ice;
    struct vg_webrtc_session *sessions;
    unsigned n_sessions;
    struct feed_ref *feeds;
    char candidates[MAX_CANDIDATES][INET_ADDRSTRLEN];
    unsigned n_candidates;
    /* from the STUN server: our address as seen from outside */
    struct evdns_base *dns;
    char public_ip[INET_ADDRSTRLEN];
    uint16_t public_port;
};

static void session_close(struct vg_webrtc_session *s, const char *why)
{
    if (s->closing)
        return;
    s->closing = true;
    snprintf(s->close_reason, sizeof(s->close_reason), "%s", why);
    event_active(s->close_ev, EV_READ, 0);
}

static void count_sent(struct vg_webrtc_session *s, enum vg_track t, const struct vg_frame *f,
                       uint32_t rtp_ts, uint32_t packets, size_t payload)
{
    s->sr[t].sent = true;
    s->sr[t].rtp_ts = rtp_ts;
    s->sr[t].received_us = f->received_us;
    s->sr[t].packets += packets;
    s->sr[t].octets += (uint32_t)payload;
}

static void send_packet(struct vg_webrtc_session *s, const uint8_t *pkt, size_t len, uint16_t seq)
{
    _Alignas(8) uint8_t buf[VG_RTP_PACKET_MAX + VG_SRTP_MAX_TRAILER];
    memcpy(buf, pkt, len);
    vg_rtp_rewrite(buf, s->pt, seq, s->ssrc);
    size_t n = len;
    if (vg_srtp_protect(s->srtp, buf, &n, sizeof(buf)) == 0 &&
        vg_ice_send(s->w->ice, &s->ice, buf, n) == 0)
        s->packets_sent++;
}

static void send_frame(struct vg_webrtc_session *s, struct vg_frame *f)
{
    struct vg_feed_packets pk;
    if (vg_feed_packets(s->feed->feed, f, &pk) < 0)
        return;
    for (unsigned i = 0; i < pk.n; i++) {
        uint32_t start = i ? pk.ends[i - 1] : 0;
        uint16_t seq = s->seq++;
        s->history[seq % HISTORY].frame_seq = pk.frame_seq;
        s->history[seq % HISTORY].seq = seq;
        s->history[seq % HISTORY].idx = (uint16_t)i;
        s->history[seq % HISTORY].used = true;
        send_packet(s, pk.data + start, pk.ends[i] - start, seq);
    }
    count_sent(s, VG_TRACK_VIDEO, f, (uint32_t)f->pts, pk.n,
               pk.n ? pk.ends[pk.n - 1] - 12 * pk.n : 0);
}

static int send_audio_packet(void *arg, const uint8_t *pkt, size_t len, bool marker)
{
    (void)marker;
    struct vg_webrtc_session *s = arg;
    _Alignas(8) uint8_t buf[VG_RTP_PACKET_MAX + VG_SRTP_MAX_TRAILER];
    memcpy(buf, pkt, len);
    size_t n = len;
    if (vg_srtp_protect(s->srtp, buf, &n, sizeof(buf)) == 0 &&
        vg_ice_send(s->w->ice, &s->ice, buf, n) == 0)
        s->packets_sent++;
    return 0;
}

struct opus_ctx {
    struct vg_webrtc_session *s;
    struct vg_frame *f;
};

static int send_opus(void *arg, const uint8_t *pkt, size_t len, int64_t pts)
{
    struct opus_ctx *c = arg;
    int n = vg_rtp_pack_frame(&c->s->audio, pkt, len, true, NULL, (uint32_t)pts, send_audio_packet,
                              c->s);
    if (n > 0)
        count_sent(c->s, VG_TRACK_AUDIO, c->f, (uint32_t)pts, (uint32_t)n, len);
    return 0;
}

static void send_audio(struct vg_webrtc_session *s, struct vg_frame *f)
{
    if (f->params && f->params->audio.codec == VG_CODEC_AAC) {
        struct opus_ctx c = {s, f};
        vg_feed_opus(s->feed->feed, f, send_opus, &c);
        return;
    }
    uint32_t ts = (uint32_t)f->pts;
    int n = vg_rtp_pack_frame(&s->audio, f->data, f->len, true, NULL, ts, send_audio_packet, s);
    if (n > 0)
        count_sent(s, VG_TRACK_AUDIO, f, ts, (uint32_t)n, f->len);
}

/* Sender reports tie each track's RTP clock to wall time, so the browser
 * can line sound up with pictures (and measure the round trip). */
static void on_sr_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_webrtc_session *s = arg;
    if (!s->srtp || s->closing)
        return;
    if (s->publish) {
        vg_publish_tick(s->publish);
        return;
    }
    int64_t now = vg_wall_us();
    for (int t = 0; t < 2; t++) {
        if (!s->sr[t].sent)
            continue;
        struct vg_rtcp_sender_info si = {
            .ntp = vg_rtcp_ntp_from_us(now),
            .rtp_ts = s->sr[t].rtp_ts +
                      (uint32_t)((now - s->sr[t].received_us) * (int64_t)s->sr[t].clock / 1000000),
            .packets = s->sr[t].packets,
            .octets = s->sr[t].octets,
        };
        _Alignas(8) uint8_t buf[VG_RTCP_SR_LEN + VG_SRTP_MAX_TRAILER];
        size_t n = 0;
        uint32_t ssrc = t == VG_TRACK_VIDEO ? s->ssrc : s->audio.ssrc;
        if (vg_rtcp_build_sr(ssrc, &si, buf, VG_RTCP_SR_LEN, &n) == 0 &&
            vg_srtp_protect_rtcp(s->srtp, buf, &n, sizeof(buf)) == 0)
            vg_ice_send(s->w->ice, &s->ice, buf, n);
    }
}

static void on_frames(void *arg)
{
    struct vg_webrtc_session *s = arg;
    struct vg_frame *f;
    while (!s->closing && vg_reader_next(s->reader, &f) == 1) {
        if (f->track == VG_TRACK_VIDEO)
            send_frame(s, f);
        else if (s->has_audio)
            send_audio(s, f);
        vg_frame_unref(&f);
    }
}

/* Starts (or restarts, after a PLI) the stream at its latest keyframe. */
static int start_reader(struct vg_webrtc_session *s)
{
    vg_reader_free(s->reader);
    s->reader = vg_reader_new(s->stream, on_frames, s);
    if (!s->reader)
        return -ENOMEM;
    on_frames(s);
    return 0;
}

static void resend(struct vg_webrtc_session *s, uint16_t seq)
{
    const uint8_t *pkt;
    size_t len;
    if (!s->history[seq % HISTORY].used || s->history[seq % HISTORY].seq != seq)
        return;
    if (vg_feed_lookup(s->feed->feed, s->history[seq % HISTORY].frame_seq,
                       s->history[seq % HISTORY].idx, &pkt, &len) == 0)
        send_packet(s, pkt, len, seq);
}

static int on_rtcp_packet(void *arg, const struct vg_rtcp_packet *p)
{
    struct vg_webrtc_session *s = arg;
    if (p->kind == VG_RTCP_KIND_BYE) {
        session_close(s, "the browser said goodbye");
    } else if (s->publish) {
        vg_publish_rtcp(s->publish, p);
    } else if (p->kind == VG_RTCP_KIND_NACK) {
        uint16_t lost[256];
        size_t n = vg_rtcp_nack_lost(p, lost, 256);
        s->nacks += n;
        for (size_t i = 0; i < n; i++)
            resend(s, lost[i]);
    } else if (p->kind == VG_RTCP_KIND_PLI || p->kind == VG_RTCP_KIND_FIR) {
        int64_t now = vg_mono_us();
        s->plis++;
        if (now - s->last_pli_us >= PLI_INTERVAL_US) {
            s->last_pli_us = now;
            start_reader(s);
            /* A browser's stream has no keyframe cache worth the name: ask it. */
            vg_push_want_keyframe(s->w->cfg.push, s->stream_id);
        }
    }
    return 0;
}

static void flush_dtls(struct vg_webrtc_session *s)
{
    uint8_t out[VG_DTLS_DATAGRAM_MAX];
    int n;
    while ((n = vg_dtls_pending(s->dtls, out, sizeof(out))) > 0)
        vg_ice_send(s->w->ice, &s->ice, out, (size_t)n);
    int64_t us = vg_dtls_timeout_us(s->dtls);
    if (us >= 0)
        event_add(s->dtls_timer,
                  &(struct timeval){.tv_sec = us / 1000000, .tv_usec = us % 1000000});
    else
        event_del(s->dtls_timer);
}

static void on_dtls_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_webrtc_session *s = arg;
    if (vg_dtls_on_timeout(s->dtls) < 0) {
        session_close(s, "the DTLS handshake timed out");
        return;
    }
    flush_dtls(s);
}

static void on_dtls(struct vg_webrtc_session *s, const uint8_t *data, size_t len)
{
    int r = vg_dtls_receive(s->dtls, data, len);
    flush_dtls(s);
    if (r < 0) {
        session_close(s, r == -EACCES       ? "the DTLS certificate does not match the offer"
                         : r == -ECONNRESET ? "the browser closed the connection"
                                            : "the DTLS handshake failed");
        return;
    }
    if (s->srtp || !vg_dtls_connected(s->dtls))
        return;
    struct vg_srtp_keys keys;
    if (vg_dtls_srtp_keys(s->dtls, &keys) < 0 || vg_srtp_new(&keys, &s->srtp) < 0 ||
        (!s->publish && start_reader(s) < 0)) {
        session_close(s, "cannot set up SRTP");
        return;
    }
    if (s->publish) {
        vg_publish_ready(s->publish);
        event_add(s->sr_timer, &(struct timeval){.tv_usec = PUBLISH_TICK_US});
    } else {
        event_add(s->sr_timer, &(struct timeval){.tv_sec = SR_INTERVAL_S});
    }
}

static void on_ice_packet(struct vg_ice_peer *p, uint8_t *data, size_t len)
{
    struct vg_webrtc_session *s =
        (struct vg_webrtc_session *)((char *)p - offsetof(struct vg_webrtc_session, ice));
    if (s->closing || len == 0)
        return;
    if (data[0] >= 20 && data[0] <= 63) {
        on_dtls(s, data, len);
    } else if (data[0] >= 128 && data[0] <= 191 && s->srtp && len >= 2 && data[1] >= 192 &&
               data[1] <= 223) {
        /* RTCP (RFC 5761 §4: payload types 192..223 on a muxed port). */
        size_t n = len;
        if (vg_srtp_unprotect_rtcp(s->srtp, data, &n) == 0)
            vg_rtcp_parse(data, n, false, on_rtcp_packet, s);
    } else if (data[0] >= 128 && data[0] <= 191 && s->srtp && s->publish) {
        size_t n = len;
        if (vg_srtp_unprotect(s->srtp, data, &n) == 0)
            vg_publish_rtp(s->publish, data, n, vg_wall_us());
    }
}

static void on_ice_gone(struct vg_ice_peer *p, const char *why)
{
    struct vg_webrtc_session *s =
        (struct vg_webrtc_session *)((char *)p - offsetof(struct vg_webrtc_session, ice));
    vg_ice_remove(s->w->ice, &s->ice);
    session_close(s, why);
}

static struct feed_ref *feed_acquire(struct vg_webrtc *w, const char *stream_id)
{
    for (struct feed_ref *f = w->feeds; f; f = f->next) {
        if (strcmp(f->stream_id, stream_id) == 0) {
            f->refs++;
            return f;
        }
    }
    struct feed_ref *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->stream_id = strdup(stream_id);
    f->feed = vg_feed_new();
    if (!f->stream_id || !f->feed) {
        vg_feed_free(f->feed);
        free(f->stream_id);
        free(f);
        return NULL;
    }
    f->refs = 1;
    f->next = w->feeds;
    w->feeds = f;
    return f;
}

static void feed_release(struct vg_webrtc *w, struct feed_ref *f)
{
    if (!f || --f->refs > 0)
        return;
    for (struct feed_ref **pp = &w->feeds; *pp; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    }
    vg_feed_free(f->feed);
    free(f->stream_id);
    free(f);
}

static void session_free(struct vg_webrtc_session *s)
{
    struct vg_webrtc *w = s->w;
    /* Tell the browser at once (close_notify) rather than by silence. */
    if (s->dtls && vg_dtls_connected(s->dtls)) {
        vg_dtls_close(s->dtls);
        uint8_t out[VG_DTLS_DATAGRAM_MAX];
        int n;
        while ((n = vg_dtls_pending(s->dtls, out, sizeof(out))) > 0)
            vg_ice_send(w->ice, &s->ice, out, (size_t)n);
    }
    for (struct vg_webrtc_session **pp = &w->sessions; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            w->n_sessions--;
            break;
        }
    }
    vg_ice_remove(w->ice, &s->ice);
    vg_publish_free(s->publish, "the publisher left");
    vg_reader_free(s->reader);
    if (s->stream)
        vg_hub_release(w->hub, s->stream_id);
    feed_release(w, s->feed);
    vg_dtls_free(s->dtls);
    vg_srtp_free(s->srtp);
    if (s->dtls_timer)
        event_free(s->dtls_timer);
    if (s->close_ev)
        event_free(s->close_ev);
    if (s->sr_timer)
        event_free(s->sr_timer);
    free(s->stream_id);
    sodium_memzero(s->ice.pwd, sizeof(s->ice.pwd));
    free(s);
}

static void on_close(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct vg_webrtc_session *s = arg;
    vg_log_write(VG_LOG_INFO, "webrtc", s->stream_id, "session %.8s ended: %s", s->id,
                 s->close_reason);
    session_free(s);
}

/* Host candidates: the configured addresses, else every IPv4 address that
 * is up (loopback last, so a browser on this host still finds one). */
static void find_candidates(struct vg_webrtc *w)
{
    for (unsigned i = 0; i < w->cfg.n_addresses && w->n_candidates < MAX_CANDIDATES; i++)
        snprintf(w->candidates[w->n_candidates++], INET_ADDRSTRLEN, "%s", w->cfg.addresses[i]);
    if (w->n_candidates)
        return;
    if (w->cfg.bind_address && strcmp(w->cfg.bind_address, "0.0.0.0") != 0) {
        snprintf(w->candidates[w->n_candidates++], INET_ADDRSTRLEN, "%s", w->cfg.bind_address);
        return;
    }
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) < 0)
        return;
    for (int loopback = 0; loopback <= 1; loopback++) {
        for (struct ifaddrs *i = ifs; i && w->n_candidates < MAX_CANDIDATES; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
                !!(i->ifa_flags & IFF_LOOPBACK) != loopback)
                continue;
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
                      w->candidates[w->n_candidates++], INET_ADDRSTRLEN);
        }
    }
    freeifaddrs(ifs);
}

static void on_public(void *arg, const struct sockaddr_in *addr)
{
    struct vg_webrtc *w = arg;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr->sin_addr, ip, sizeof(ip));
    uint16_t port = ntohs(addr->sin_port);
    if (strcmp(ip, w->public_ip) == 0 && port == w->public_port)
        return;
    memcpy(w->public_ip, ip, sizeof(ip));
    w->public_port = port;
    vg_info("webrtc", "public address %s:%u (from the STUN server)", ip, port);
}

/* Our public address, when a STUN server is configured: offered to browsers
 * as a server-reflexive candidate next to the host ones. */
static void start_discovery(struct vg_webrtc *w)
{
    char host[256];
    uint16_t port;
    if (!w->cfg.stun_server || !w->cfg.stun_server[0] ||
        vg_config_parse_listen(w->cfg.stun_server, host, sizeof(host), &port) < 0)
        return;
    w->dns = evdns_base_new(w->base,
                            EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (!w->dns || vg_ice_discover(w->ice, w->dns, host, port, on_public, w) < 0)
        vg_log_write(VG_LOG_WARN, "webrtc", NULL, "cannot ask %s for the public address",
                     w->cfg.stun_server);
}

int vg_webrtc_new(struct event_base *base, struct vg_hub *hub, const struct vg_webrtc_config *cfg,
                  struct vg_webrtc **ret)
{
    struct vg_webrtc *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->base = base;
    w->hub = hub;
    w->cfg = *cfg;
    if (!w->cfg.max_sessions)
        w->cfg.max_sessions = 100;
    int r = vg_srtp_init();
    if (r == 0)
        r = vg_cert_new(&w->cert);
    if (r == 0)
        r = vg_dtls_ctx_new(&w->cert, &w->ssl);
    if (r == 0) {
        struct vg_ice_config ic = {
            .bind_address = cfg->bind_address,
            .udp_port = cfg->udp_port,
            .tcp_port = cfg->tcp_port,
            .consent_timeout_ms = cfg->consent_timeout_ms,
        };
        r = vg_ice_new(base, &ic, &w->ice);
    }
    if (r < 0) {
        vg_webrtc_free(w);
        return r;
    }
    find_candidates(w);
    start_discovery(w);
    *ret = w;
    return 0;
}

void vg_webrtc_free(struct vg_webrtc *w)
{
    if (!w)
        return;
    while (w->sessions)
        session_free(w->sessions);
    vg_ice_free(w->ice);
    if (w->dns)
        evdns_base_free(w->dns, 1);
    SSL_CTX_free(w->ssl);
    vg_cert_done(&w->cert);
    if (w->ice || w->ssl)
        vg_srtp_done();
    free(w);
}

unsigned vg_webrtc_sessions(const struct vg_webrtc *w)
{
    return w ? w->n_sessions : 0;
}

int vg_webrtc_end(struct vg_webrtc *w, const char *stream_id, const char *id)
{
    for (struct vg_webrtc_session *s = w->sessions; s; s = s->next) {
        if (!s->closing && strcmp(s->id, id) == 0 && strcmp(s->stream_id, stream_id) == 0) {
            session_close(s, "DELETE by the client");
            return 0;
        }
    }
    return -ENOENT;
}

/* A session with its events, not yet listed, in *ret. Returns 0, -EBUSY (as
 * many sessions as allowed, *ret_error says so) or -ENOMEM. */
static int session_new(struct vg_webrtc *w, const char *stream_id, struct vg_webrtc_session **ret,
                       const char **ret_error)
{
    *ret_error = NULL;
    if (w->n_sessions >= w->cfg.max_sessions) {
        *ret_error = "too many WebRTC sessions";
        return -EBUSY;
    }
    struct vg_webrtc_session *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->w = w;
    s->stream_id = strdup(stream_id);
    s->close_ev = event_new(w->base, -1, 0, on_close, s);
    s->dtls_timer = event_new(w->base, -1, 0, on_dtls_timer, s);
    s->sr_timer = event_new(w->base, -1, EV_PERSIST, on_sr_timer, s);
    if (!s->stream_id || !s->close_ev || !s->dtls_timer || !s->sr_timer) {
        session_free(s);
        return -ENOMEM;
    }
    unsigned char raw[16];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(s->id, sizeof(s->id), raw, sizeof(raw));
    s->ice.on_packet = on_ice_packet;
    s->ice.on_gone = on_ice_gone;
    vg_ice_add(w->ice, &s->ice);
    *ret = s;
    return 0;
}

/* Answers the offer with our ICE credentials, candidates and fingerprint
 * (ap has the rest) and sets up the DTLS side the answer chose. */
static int negotiate(struct vg_webrtc_session *s, struct vg_sdp_answer_params *ap,
                     const char *offer, size_t offer_len, char *answer,
                     struct vg_sdp_negotiation *neg, const char **ret_error)
{
    struct vg_webrtc *w = s->w;
    struct vg_sdp_local_candidate cands[2 * MAX_CANDIDATES + 1];
    size_t nc = 0;
    for (unsigned i = 0; i < w->n_candidates; i++) {
        cands[nc++] = (struct vg_sdp_local_candidate){w->candidates[i], vg_ice_udp_port(w->ice),
                                                      VG_SDP_CAND_UDP, VG_SDP_CAND_HOST};
        cands[nc++] = (struct vg_sdp_local_candidate){w->candidates[i], vg_ice_tcp_port(w->ice),
                                                      VG_SDP_CAND_TCP, VG_SDP_CAND_HOST};
    }
    if (w->public_ip[0] && nc < VG_SDP_ANSWER_MAX_CANDIDATES)
        cands[nc++] = (struct vg_sdp_local_candidate){w->public_ip, w->public_port, VG_SDP_CAND_UDP,
                                                      VG_SDP_CAND_SRFLX};
    ap->ice_ufrag = s->ice.ufrag;
    ap->ice_pwd = s->ice.pwd;
    ap->fingerprint = w->cert.fingerprint;
    ap->candidates = cands;
    ap->n_candidates = nc;
    ap->cname = "vigil";
    ap->session_id = randombytes_random();
    size_t alen = 0;
    int r = vg_sdp_answer(offer, offer_len, ap, answer, VG_SDP_ANSWER_CAP, neg, &alen, ret_error);
    if (r < 0)
        return r;
    if (neg->video < 0) {
        *ret_error = ap->dir == VG_SDP_ANSWER_WHEP ? "the offer has no video the stream can send"
                                                   : "the offer has no H.264 video to publish";
        return -ENOTSUP;
    }
    snprintf(s->ice.remote_ufrag, sizeof(s->ice.remote_ufrag), "%s", neg->remote_ufrag);
    char fp[sizeof(neg->remote_fp_algo) + sizeof(neg->remote_fp) + 1];
    snprintf(fp, sizeof(fp), "%s %s", neg->remote_fp_algo, neg->remote_fp);
    r = vg_dtls_new(w->ssl, neg->local_setup == VG_SDP_SETUP_PASSIVE, fp, &s->dtls);
    if (r < 0) {
        *ret_error = "the offer's DTLS fingerprint is not usable";
        return r;
    }
    return 0;
}

/* Lists a negotiated session; the DTLS client speaks first. */
static void session_open(struct vg_webrtc_session *s, const struct vg_sdp_negotiation *neg)
{
    struct vg_webrtc *w = s->w;
    if (neg->local_setup != VG_SDP_SETUP_PASSIVE)
        flush_dtls(s); /* we are the DTLS client: the ClientHello waits for a path */
    s->next = w->sessions;
    w->sessions = s;
    w->n_sessions++;
}

int vg_webrtc_whep(struct vg_webrtc *w, const char *stream_id, const char *offer, size_t offer_len,
                   char **ret_answer, char ret_id[33], const char **ret_error)
{
    struct vg_webrtc_session *s = NULL;
    int r = session_new(w, stream_id, &s, ret_error);
    if (r < 0)
        return r;
    char *answer = malloc(VG_SDP_ANSWER_CAP);
    struct vg_sdp_negotiation *neg = malloc(sizeof(*neg));
    struct vg_stream_params *params = NULL;
    r = -ENOMEM;
    if (!answer || !neg)
        goto fail;
    r = vg_hub_acquire(w->hub, stream_id, &s->stream);
    if (r < 0) {
        s->stream = NULL;
        *ret_error = "no such stream";
        goto fail;
    }
    params = vg_stream_params(s->stream);
    if (!params) {
        r = -EAGAIN;
        *ret_error = "the stream has not started";
        goto fail;
    }
    s->ssrc = randombytes_random() | 1;
    s->seq = (uint16_t)randombytes_random();
    struct vg_sdp_answer_params ap = {
        .dir = VG_SDP_ANSWER_WHEP,
        .video = params->video.codec,
        /* G.711 and Opus go as they come; AAC as Opus, transcoded once per stream. */
        .audio = params->audio.codec == VG_CODEC_AAC ? VG_CODEC_OPUS : params->audio.codec,
        .audio_ssrc = randombytes_random() | 1,
        .video_ssrc = s->ssrc,
    };
    if (params->video.codec == VG_CODEC_H264 && params->video.config_len >= 4)
        memcpy(ap.h264_profile, params->video.config + 1, 3); /* avcC profile, compat, level */
    r = negotiate(s, &ap, offer, offer_len, answer, neg, ret_error);
    if (r < 0)
        goto fail;
    s->pt = (uint8_t)neg->media[neg->video].pt;
    s->sr[VG_TRACK_VIDEO].clock = 90000;
    if (neg->audio >= 0) {
        const struct vg_sdp_answer_media *am = &neg->media[neg->audio];
        s->has_audio =
            vg_rtp_packer_init(&s->audio, am->codec, (uint8_t)am->pt, ap.audio_ssrc,
                               (uint16_t)randombytes_random(), VG_RTP_PAYLOAD_DEFAULT) == 0;
        s->sr[VG_TRACK_AUDIO].clock = am->clock_rate;
    }
    s->feed = feed_acquire(w, stream_id);
    if (!s->feed) {
        r = -ENOMEM;
        goto fail;
    }
    session_open(s, neg);
    memcpy(ret_id, s->id, sizeof(s->id));
    *ret_answer = answer;
    vg_stream_params_unref(&params);
    free(neg);
    vg_log_write(VG_LOG_INFO, "webrtc", stream_id, "session %.8s: WHEP, payload type %u", s->id,
                 s->pt);
    return 0;
fail:
    vg_stream_params_unref(&params);
    free(neg);
    free(answer);
    session_free(s);
    return r;
}

static void send_rtcp(void *arg, const uint8_t *pkt, size_t len)
{
    struct vg_webrtc_session *s = arg;
    _Alignas(8) uint8_t buf[VG_RTP_PACKET_MAX + VG_SRTP_MAX_TRAILER];
    if (!s->srtp || len > VG_RTP_PACKET_MAX)
        return;
    memcpy(buf, pkt, len);
    size_t n = len;
    if (vg_srtp_protect_rtcp(s->srtp, buf, &n, sizeof(buf)) == 0)
        vg_ice_send(s->w->ice, &s->ice, buf, n);
}

int vg_webrtc_whip(struct vg_webrtc *w, const char *stream_id, const char *offer, size_t offer_len,
                   char **ret_answer, char ret_id[33], const char **ret_error)
{
    struct vg_webrtc_session *s = NULL;
    int r = session_new(w, stream_id, &s, ret_error);
    if (r < 0)
        return r;
    char *answer = malloc(VG_SDP_ANSWER_CAP);
    struct vg_sdp_negotiation *neg = malloc(sizeof(*neg));
    r = -ENOMEM;
    if (!answer || !neg)
        goto fail;
    struct vg_sdp_answer_params ap = {
        .dir = VG_SDP_ANSWER_WHIP,
        .video = VG_CODEC_H264,
        .audio = VG_CODEC_OPUS,
    };
    r = negotiate(s, &ap, offer, offer_len, answer, neg, ret_error);
    if (r < 0)
        goto fail;
    r = vg_publish_new(w->cfg.push, stream_id, neg, send_rtcp, s, &s->publish);
    if (r < 0) {
        *ret_error = r == -EBUSY ? "the camera already has a publisher" : "cannot take this media";
        r = r == -EBUSY ? -EEXIST : r;
        goto fail;
    }
    /* The publisher keeps its stream running, as a viewer would. */
    r = vg_hub_acquire(w->hub, stream_id, &s->stream);
    if (r < 0) {
        s->stream = NULL;
        *ret_error = "no such stream";
        goto fail;
    }
    session_open(s, neg);
    memcpy(ret_id, s->id, sizeof(s->id));
    *ret_answer = answer;
    vg_log_write(VG_LOG_INFO, "webrtc", stream_id, "session %.8s: WHIP, video payload type %u%s",
                 s->id, neg->media[neg->video].pt,
                 neg->audio >= 0
                     ? (neg->media[neg->audio].codec == VG_CODEC_OPUS ? ", Opus" : ", G.711")
                     : ", no sound");
    free(neg);
    return 0;
fail:
    free(neg);
    free(answer);
    session_free(s);
    return r;
}

void vg_webrtc_each(const struct vg_webrtc *w,
                    void (*fn)(void *arg, const struct vg_webrtc_session_info *info), void *arg)
{
    for (const struct vg_webrtc_session *s = w ? w->sessions : NULL; s; s = s->next) {
        if (s->closing)
            continue;
        struct vg_webrtc_session_info info = {
            .id = s->id,
            .stream_id = s->stream_id,
            .transport = !s->ice.has_path  ? "none"
                         : s->ice.tcp_path ? "tcp"
                                           : "udp",
            .connected = s->srtp != NULL,
            .packets_sent = s->packets_sent,
            .nacks = s->nacks,
            .plis = s->plis,
            .direction = s->publish ? "whip" : "whep",
        };
        if (s->publish) {
            struct vg_publish_stats ps;
            vg_publish_stats(s->publish, &ps);
            info.packets_received = ps.packets;
            info.keyframe_requests = ps.keyframe_requests;
        }
        fn(arg, &info);
    }
}
