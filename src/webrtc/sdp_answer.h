/* The SDP offer/answer of a WebRTC session, server side: WHEP (a viewer's
 * browser offers recvonly sections, we send) and WHIP (a publisher offers
 * sendonly sections, we receive). We are an ICE-lite agent (RFC 8445 §2.5)
 * with every candidate in the answer, the DTLS server unless the offer insists
 * on being it, one BUNDLE transport with rtcp-mux, and no RTX, no header
 * extensions, no simulcast: the smallest answer a browser accepts.
 *
 * Codec choice, per accepted section:
 * - One video and one audio section are accepted: the first usable of each
 *   kind in offer order. Usable: UDP/TLS/RTP/SAVPF, in the offer's BUNDLE
 *   group, a non-zero port (or a=bundle-only), and a direction that fits (WHEP:
 *   recvonly or sendrecv, answered sendonly; WHIP: sendonly or sendrecv,
 *   answered recvonly). Every other section (data channels, a second video,
 *   inactive ones) is rejected with port 0 and left out of the BUNDLE group.
 * - H.264 needs packetization-mode=1 (mode 0, one NAL unit per packet, cannot
 *   carry our access units in practice). Among those, in this order: a
 *   profile-level-id of the same profile as the stream (profile_idc and the
 *   constraint flags compared as libwebrtc does: 42e0 constrained baseline,
 *   4200 baseline, 4d00 main, 6400 high, ...; the level is not compared),
 *   else constrained baseline with level-asymmetry-allowed=1 (Chromium's
 *   42e01f), else any. Within a rule, the offer's order. The answer repeats
 *   the chosen payload type's rtpmap and fmtp as offered. A High-profile
 *   camera thus gets a baseline answer when the browser offers no High
 *   (Chromium here does not); its decoder plays High anyway.
 * - H.265 only when offered (Chromium here never does), first one offered.
 * - Audio: PCMA and PCMU as 8000 Hz mono (static 8 and 0, or a dynamic
 *   rtpmap), Opus as opus/48000/2. WHEP takes exactly the codec asked for
 *   (the stream's, or Opus for AAC, which webrtc/feed.c transcodes); WHIP takes the asked codec if
 * offered, else Opus, PCMA, PCMU in that order. No match: the audio section is rejected and the
 * session goes on without sound.
 * - No video match: -ENOTSUP with a reason ("the browser does not offer
 *   H.265"), so the caller can fall back to MSE.
 * - RTCP feedback kept for the chosen payload type: nack, nack pli, ccm fir,
 *   each only when offered (for that PT or "*"). transport-cc and goog-remb are
 *   declined: they need header extensions we do not echo. Lost packets are
 *   then retransmitted on the media SSRC itself (no RTX).
 * - Without a mid header extension the browser demultiplexes our bundled RTP
 *   by the a=ssrc lines of the answer (WHEP), and we demultiplex its RTP by
 *   payload type or the SSRCs of its a=ssrc lines (WHIP).
 *
 * The offer must have a=group:BUNDLE, and its BUNDLE-tagged section (or the
 * session level) a=ice-ufrag, a=ice-pwd and a=fingerprint; every accepted
 * section a=rtcp-mux. Otherwise -EINVAL with a reason naming what is missing,
 * meant for the HTTP 400 body. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"
#include "proto/sdp.h"
#include "proto/span.h"

#define VG_SDP_ANSWER_CAP 16384         /* enough for any answer this module writes */
#define VG_SDP_ANSWER_MAX_OFFER 65536   /* offers are a few KiB; more is refused */
#define VG_SDP_ANSWER_MAX_CANDIDATES 16 /* ours */
#define VG_SDP_ANSWER_MID_MAX 32        /* bytes of an a=mid value */
#define VG_SDP_ANSWER_FP_MAX 191        /* "XX:" * 64 - 1: up to sha-512 */
#define VG_SDP_ANSWER_ICE_MAX 256       /* ufrag and pwd, RFC 8839 §5.4 */
#define VG_SDP_ANSWER_CNAME_MAX 64
#define VG_SDP_ANSWER_FMTP_MAX 256 /* a format with a longer fmtp is not chosen */

enum vg_sdp_answer_dir {
    VG_SDP_ANSWER_WHEP, /* the browser receives: we send */
    VG_SDP_ANSWER_WHIP, /* the browser publishes: we receive */
};

enum vg_sdp_cand_proto { VG_SDP_CAND_UDP, VG_SDP_CAND_TCP };
enum vg_sdp_cand_type { VG_SDP_CAND_HOST, VG_SDP_CAND_SRFLX, VG_SDP_CAND_PRFLX, VG_SDP_CAND_RELAY };
enum vg_sdp_tcptype {
    VG_SDP_TCPTYPE_NONE, /* UDP */
    VG_SDP_TCPTYPE_ACTIVE,
    VG_SDP_TCPTYPE_PASSIVE,
    VG_SDP_TCPTYPE_SO,
};

/* One of our transport addresses. Only host and srflx (a configured public
 * address) make sense for ICE-lite; TCP ones are passive (RFC 6544). */
struct vg_sdp_local_candidate {
    const char *ip; /* numeric IPv4 or IPv6, borrowed for the call */
    uint16_t port;
    enum vg_sdp_cand_proto proto;
    enum vg_sdp_cand_type type;
};

struct vg_sdp_answer_params {
    enum vg_sdp_answer_dir dir;
    /* WHEP: the stream's codecs (video H.264 or H.265; audio PCMA, PCMU, Opus
     * or NONE). WHIP: what we take (video H.264, or NONE for none; audio
     * preferred codec, or NONE to refuse sound). */
    enum vg_codec video, audio;
    /* H.264: profile_idc, constraint flags and level_idc as in the SPS (bytes
     * 1..3); all zero when unknown (WHIP). */
    uint8_t h264_profile[3];
    /* Ours, borrowed for the call: ufrag 4..256 and pwd 22..256 ice-chars,
     * fingerprint the SHA-256 "AB:CD:..." of our certificate. */
    const char *ice_ufrag, *ice_pwd, *fingerprint;
    const struct vg_sdp_local_candidate *candidates;
    size_t n_candidates; /* 1..VG_SDP_ANSWER_MAX_CANDIDATES */
    /* WHEP: the SSRCs we send with and the RTCP CNAME (1..64 token chars). */
    uint32_t video_ssrc, audio_ssrc;
    const char *cname;
    uint64_t session_id; /* o= line: random, chosen by the caller */
};

enum vg_sdp_kind { VG_SDP_KIND_VIDEO, VG_SDP_KIND_AUDIO, VG_SDP_KIND_OTHER };

enum vg_sdp_setup {
    VG_SDP_SETUP_ACTPASS, /* also when the offer does not say */
    VG_SDP_SETUP_ACTIVE,  /* DTLS client */
    VG_SDP_SETUP_PASSIVE, /* DTLS server */
};

/* One media section of the offer, as answered. */
struct vg_sdp_answer_media {
    char mid[VG_SDP_ANSWER_MID_MAX + 1];
    enum vg_sdp_kind kind;
    bool accepted; /* false: answered with port 0; nothing below is set */
    unsigned pt;
    enum vg_codec codec;
    uint32_t clock_rate; /* 90000, 8000 or 48000 */
    unsigned channels;
    bool nack, nack_pli, ccm_fir;
    bool transport_cc; /* always false: needs the extension we decline */
    int rtx_pt;        /* always -1: RTX declined */
    bool rtcp_rsize;   /* reduced-size RTCP allowed (offered, so echoed) */
    /* The peer's media SSRC from a=ssrc-group:FID (its first) or the first
     * a=ssrc line; has_remote_ssrc false when the offer names none (WHEP
     * offers, or learn it from the first packet). */
    bool has_remote_ssrc;
    uint32_t remote_ssrc;
    uint32_t local_ssrc; /* WHEP: the SSRC we announced; 0 for WHIP */
};

/* What was agreed. Strings are copies: the offer may be freed. */
struct vg_sdp_negotiation {
    size_t n_media; /* as many as the offer has, in its order */
    struct vg_sdp_answer_media media[VG_SDP_MAX_MEDIA];
    int video, audio; /* index of the accepted section in media[], -1 none */
    char remote_ufrag[VG_SDP_ANSWER_ICE_MAX + 1], remote_pwd[VG_SDP_ANSWER_ICE_MAX + 1];
    char remote_fp_algo[16];                     /* lower case: "sha-256" */
    char remote_fp[VG_SDP_ANSWER_FP_MAX + 1];    /* as offered: "AB:CD:..." */
    enum vg_sdp_setup remote_setup, local_setup; /* local: PASSIVE unless the offer is */
    /* The answer's a=group:BUNDLE mids, space-separated; the first is the tag. */
    char bundle[VG_SDP_MAX_MEDIA * (VG_SDP_ANSWER_MID_MAX + 1)];
    /* No header extension (a=extmap) is kept: none is echoed. */
};

/* Answers offer (offer_len bytes, not necessarily NUL-terminated; borrowed).
 * Writes the answer, NUL-terminated and CRLF-separated, into out (cap bytes,
 * VG_SDP_ANSWER_CAP is always enough), *ret its description and *ret_len its
 * length without the NUL, and returns 0. Otherwise out holds nothing useful,
 * *ret and *ret_len are untouched, *ret_error (when not NULL) is set to a
 * static reason and the return is
 *   -EINVAL   a bad offer (unparsable, missing what WebRTC needs) or bad params,
 *   -ENOTSUP  the offer has no section or codec for our video,
 *   -E2BIG    out is too small,
 *   -ENOMEM. */
int vg_sdp_answer(const char *offer, size_t offer_len, const struct vg_sdp_answer_params *p,
                  char *out, size_t cap, struct vg_sdp_negotiation *ret, size_t *ret_len,
                  const char **ret_error);

/* An a=candidate value ("<foundation> <component> <transport> <priority>
 * <address> <port> typ <type> [raddr <a> rport <p>] [tcptype <t>] ..."),
 * RFC 8839 §5.1; spans point into value. Unknown extensions are skipped. */
struct vg_sdp_candidate {
    struct vg_span foundation, address; /* address: IP or an mDNS ".local" name */
    unsigned component;
    enum vg_sdp_cand_proto proto;
    uint32_t priority;
    uint16_t port;
    enum vg_sdp_cand_type type;
    enum vg_sdp_tcptype tcptype;
};

/* Parses one a=candidate value (after "candidate:"). Returns 0, or -EINVAL
 * (*ret untouched). */
int vg_sdp_candidate_parse(struct vg_span value, struct vg_sdp_candidate *ret);

#define VG_SDP_TRICKLE_MAX_CANDIDATES 32

/* A trickle ICE fragment (RFC 8840 application/trickle-ice-sdpfrag, the
 * body of a WHEP/WHIP PATCH). Spans point into the body. */
struct vg_sdp_trickle {
    struct vg_span ufrag, pwd; /* empty when absent; a new ufrag means an ICE restart */
    size_t n_candidates;
    struct vg_sdp_candidate candidates[VG_SDP_TRICKLE_MAX_CANDIDATES];
    bool end_of_candidates;
};

/* Parses a fragment of text (len bytes, CRLF or LF; borrowed, must outlive
 * *ret). Lines other than a=ice-ufrag, a=ice-pwd, a=candidate and
 * a=end-of-candidates (m=, a=mid, a=group, ...) are skipped. Returns 0, or
 * -EINVAL (control bytes, a line that is not <letter>=<value>, a bad
 * candidate) or -E2BIG (more candidates than the cap), with *ret_error set
 * and *ret unspecified. */
int vg_sdp_trickle_parse(const char *text, size_t len, struct vg_sdp_trickle *ret,
                         const char **ret_error);
