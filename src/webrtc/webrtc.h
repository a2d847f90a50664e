/* WebRTC viewers (WHEP): the endpoint that owns the ICE ports, the DTLS
 * identity and every session, and the per-stream RTP feeds the sessions
 * share. A session is one browser watching one stream: ICE-lite path, DTLS
 * handshake, SRTP, then the stream's RTP packets (made once per stream in the
 * feed) with the session's own SSRC and sequence numbers, NACKs answered from
 * the feed, PLI/FIR answered by restarting at the cached keyframe. Loop
 * thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct vg_hub;
struct vg_push;
struct vg_webrtc;
struct vg_webrtc_session;

struct vg_webrtc_config {
    const char *bind_address; /* NULL: every IPv4 address */
    uint16_t udp_port, tcp_port;
    /* Addresses announced as host candidates; none: the host's own (up,
     * IPv4, loopback last). Borrowed, must outlive the endpoint. */
    char **addresses;
    unsigned n_addresses;
    const char *stun_server; /* "host:port" asked for our public address; NULL: none */
    unsigned max_sessions;   /* 0: 100 */
    unsigned consent_timeout_ms; /* 0: 30000 */
    struct vg_push *push;        /* where WHIP publishers go (sources/push.h); borrowed */
};

/* Makes the certificate and binds the ports. Returns 0 or a negative errno. */
int vg_webrtc_new(struct event_base *base, struct vg_hub *hub, const struct vg_webrtc_config *cfg,
                  struct vg_webrtc **ret);
/* Ends every session. Accepts NULL. */
void vg_webrtc_free(struct vg_webrtc *w);

/* A new WHEP session for stream_id from the browser's offer. The stream must
 * be running with known parameters (the caller waits for that). On success
 * *ret_answer is the SDP answer (caller frees) and *ret_id the session id for
 * the Location. Returns 0; -EINVAL or -ENOTSUP with *ret_error (a bad offer,
 * or a codec the browser does not take: the tile falls back to MSE); -EBUSY
 * (too many sessions); -ENOMEM. */
int vg_webrtc_whep(struct vg_webrtc *w, const char *stream_id, const char *offer, size_t offer_len,
                   char **ret_answer, char ret_id[33], const char **ret_error);

/* A new WHIP session: the browser publishes stream_id (a push stream, see
 * sources/push.h) from its offer (H.264 video; Opus or G.711 sound). Same
 * answers as vg_webrtc_whep(), and -EEXIST when the stream already has a
 * publisher. The session keeps the stream running while it lasts. */
int vg_webrtc_whip(struct vg_webrtc *w, const char *stream_id, const char *offer, size_t offer_len,
                   char **ret_answer, char ret_id[33], const char **ret_error);

/* Ends the session with this id for stream_id. Returns 0 or -ENOENT. */
int vg_webrtc_end(struct vg_webrtc *w, const char *stream_id, const char *id);

/* Sessions open now. */
unsigned vg_webrtc_sessions(const struct vg_webrtc *w);

struct vg_webrtc_session_info {
    const char *id, *stream_id;
    const char *transport; /* "udp", "tcp", or "none" before the first check */
    bool connected;        /* DTLS done, media flowing */
    uint64_t packets_sent, nacks, plis;
    const char *direction; /* "whep" (we send) or "whip" (the browser publishes) */
    uint64_t packets_received, keyframe_requests; /* WHIP */
};

/* Calls fn for every session (not ending). */
void vg_webrtc_each(const struct vg_webrtc *w,
                    void (*fn)(void *arg, const struct vg_webrtc_session_info *info), void *arg);
