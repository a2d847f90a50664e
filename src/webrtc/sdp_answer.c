#include "webrtc/sdp_answer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"

/* Our msid: one stream per peer connection, so fixed names do. */
#define MSID_STREAM "vigil"

/* ---- small text helpers ---- */

/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/". */
static bool ice_chars(struct vg_span s, size_t min, size_t max)
{
    if (s.len < min || s.len > max)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/';
        if (!ok)
            return false;
    }
    return true;
}

/* A token (no blanks, no control bytes) of min..max bytes: what may be
 * written on an SDP line and read back as one token. */
static bool token_chars(struct vg_span s, size_t min, size_t max)
{
    if (s.len < min || s.len > max)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.base[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* "AB:CD:..." of n_bytes hex pairs. */
static bool fingerprint_shape(struct vg_span s, size_t n_bytes)
{
    if (n_bytes == 0 || s.len != n_bytes * 3 - 1)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        bool colon = i % 3 == 2;
        if (colon ? s.base[i] != ':' : vg_hex_digit(s.base[i]) < 0)
            return false;
    }
    return true;
}

static struct vg_span cstr(const char *s)
{
    return (struct vg_span){s, s ? strlen(s) : 0};
}

static void copy_span(char *dst, size_t cap, struct vg_span s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(dst, s.base, n);
    dst[n] = '\0';
}

/* ---- the bounded answer buffer ---- */

struct writer {
    char *buf;
    size_t cap, len;
    bool full; /* something did not fit: the answer is -E2BIG */
};

__attribute__((format(printf, 2, 3))) static void put(struct writer *w, const char *fmt, ...)
{
    if (w->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len) {
        w->full = true;
        return;
    }
    w->len += (size_t)n;
}

/* ---- reading the offer ---- */

struct work {
    struct vg_sdp sdp;
    struct vg_sdp_negotiation neg;
    const struct vg_sdp_format *chosen[VG_SDP_MAX_MEDIA];
    const char *offer; /* the text sdp's spans point into */
    size_t offer_len;
    struct vg_span bundle; /* the offer's BUNDLE mids */
    int tag;               /* the section of the offer's BUNDLE tag */
    enum vg_sdp_setup remote_setup;
};

/* A section's attribute, or the session's when the section has none. */
static int attr_or_session(const struct vg_sdp *sdp, const struct vg_sdp_media *m, const char *name,
                           struct vg_span *ret_value)
{
    if (vg_sdp_attr(sdp, m, name, ret_value) == 0)
        return 0;
    return vg_sdp_attr(sdp, NULL, name, ret_value);
}

static bool has_attr(const struct vg_sdp *sdp, const struct vg_sdp_media *m, const char *name)
{
    struct vg_span v;
    return vg_sdp_attr(sdp, m, name, &v) == 0;
}

/* The mids of the first a=group:BUNDLE (there may be other groups: LS, FID). */
static int find_bundle(const struct vg_sdp *sdp, struct vg_span *ret_mids)
{
    for (size_t i = 0; i < sdp->n_session_attrs; i++) {
        const struct vg_sdp_attr *a = &sdp->attrs[i];
        struct vg_span sem;
        size_t cur = 0;
        if (!vg_span_ieq(a->name, "group") || !vg_span_next_token(a->value, &cur, &sem) ||
            !vg_span_eq(sem, "BUNDLE"))
            continue;
        *ret_mids = (struct vg_span){a->value.base + cur, a->value.len - cur};
        return 0;
    }
    return -ENOENT;
}

static bool in_list(struct vg_span list, const char *mid)
{
    struct vg_span tok;
    size_t cur = 0;
    while (vg_span_next_token(list, &cur, &tok)) {
        if (vg_span_eq(tok, mid))
            return true;
    }
    return false;
}

enum direction { DIR_SENDRECV, DIR_SENDONLY, DIR_RECVONLY, DIR_INACTIVE };

static enum direction section_direction(const struct vg_sdp *sdp, const struct vg_sdp_media *m)
{
    static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (int level = 0; level < 2; level++) {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (has_attr(sdp, level == 0 ? m : NULL, names[i]))
                return (enum direction)i;
        }
    }
    return DIR_SENDRECV;
}

/* H.264 profiles as libwebrtc tells them apart (RFC 6184 §8.1 and its
 * h264_profile_level_id.cc): profile_idc plus a pattern of constraint flags. */
enum h264_profile {
    H264_UNKNOWN,
    H264_CONSTRAINED_BASELINE,
    H264_BASELINE,
    H264_MAIN,
    H264_HIGH,
    H264_CONSTRAINED_HIGH,
    H264_PREDICTIVE_HIGH_444,
};

static enum h264_profile h264_profile_of(uint8_t idc, uint8_t constraints)
{
    static const struct {
        uint8_t idc, mask, value;
        enum h264_profile profile;
    } patterns[] = {
        {0x42, 0x4f, 0x40, H264_CONSTRAINED_BASELINE}, /* x1xx0000 */
        {0x4d, 0x8f, 0x80, H264_CONSTRAINED_BASELINE}, /* 1xxx0000 */
        {0x58, 0xcf, 0xc0, H264_CONSTRAINED_BASELINE}, /* 11xx0000 */
        {0x42, 0x4f, 0x00, H264_BASELINE},             /* x0xx0000 */
        {0x58, 0xcf, 0x80, H264_BASELINE},             /* 10xx0000 */
        {0x4d, 0xaf, 0x00, H264_MAIN},                 /* 0x0x0000 */
        {0x64, 0xff, 0x00, H264_HIGH},
        {0x64, 0xff, 0x0c, H264_CONSTRAINED_HIGH},
        {0xf4, 0xff, 0x00, H264_PREDICTIVE_HIGH_444},
    };
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        if (patterns[i].idc == idc && (constraints & patterns[i].mask) == patterns[i].value)
            return patterns[i].profile;
    }
    return H264_UNKNOWN;
}

/* The profile of an fmtp's profile-level-id; RFC 6184 §8.1 makes a missing
 * one 42000A (baseline). */
static enum h264_profile fmtp_h264_profile(struct vg_span fmtp)
{
    struct vg_span v;
    if (vg_sdp_fmtp_param(fmtp, "profile-level-id", &v) < 0)
        return H264_BASELINE;
    if (v.len != 6)
        return H264_UNKNOWN;
    uint8_t b[3];
    for (size_t i = 0; i < 3; i++) {
        int hi = vg_hex_digit(v.base[2 * i]), lo = vg_hex_digit(v.base[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return H264_UNKNOWN;
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    return h264_profile_of(b[0], b[1]);
}

static bool fmtp_is(struct vg_span fmtp, const char *key, const char *value)
{
    struct vg_span v;
    return vg_sdp_fmtp_param(fmtp, key, &v) == 0 && vg_span_eq(v, value);
}

/* The answer repeats the fmtp: a longer one than any browser writes would
 * only make the answer's size unbounded. */
static bool fmtp_fits(const struct vg_sdp_format *f)
{
    return f->fmtp.len <= VG_SDP_ANSWER_FMTP_MAX;
}

static bool is_h264_pm1(const struct vg_sdp_format *f)
{
    return vg_span_ieq(f->encoding, "H264") && f->clock_rate == 90000 && fmtp_fits(f) &&
           fmtp_is(f->fmtp, "packetization-mode", "1");
}

static const struct vg_sdp_format *choose_h264(const struct vg_sdp_media *m, const uint8_t sps[3])
{
    enum h264_profile stream = h264_profile_of(sps[0], sps[1]);
    /* Rule 1: the stream's own profile; rule 2: constrained baseline that
     * lets us send a higher level; rule 3: any that takes FU-A. */
    for (int rule = 1; rule <= 3; rule++) {
        for (size_t i = 0; i < m->n_formats; i++) {
            const struct vg_sdp_format *f = &m->formats[i];
            if (!is_h264_pm1(f))
                continue;
            enum h264_profile offered = fmtp_h264_profile(f->fmtp);
            bool ok = rule == 3 || (rule == 1 && stream != H264_UNKNOWN && offered == stream) ||
                      (rule == 2 && offered == H264_CONSTRAINED_BASELINE &&
                       fmtp_is(f->fmtp, "level-asymmetry-allowed", "1"));
            if (ok)
                return f;
        }
    }
    return NULL;
}

static const struct vg_sdp_format *choose_video(const struct vg_sdp_media *m,
                                                const struct vg_sdp_answer_params *p)
{
    if (p->video == VG_CODEC_H264)
        return choose_h264(m, p->h264_profile);
    for (size_t i = 0; i < m->n_formats; i++) {
        const struct vg_sdp_format *f = &m->formats[i];
        if (vg_span_ieq(f->encoding, "H265") && f->clock_rate == 90000 && fmtp_fits(f))
            return f;
    }
    return NULL;
}

static bool audio_matches(const struct vg_sdp_format *f, enum vg_codec c)
{
    if (!fmtp_fits(f))
        return false;
    switch (c) {
    case VG_CODEC_PCMA:
        return vg_span_ieq(f->encoding, "PCMA") && f->clock_rate == 8000 && f->channels == 1;
    case VG_CODEC_PCMU:
        return vg_span_ieq(f->encoding, "PCMU") && f->clock_rate == 8000 && f->channels == 1;
    case VG_CODEC_OPUS:
        /* RFC 7587: always opus/48000/2, whatever the stream's channels. */
        return vg_span_ieq(f->encoding, "opus") && f->clock_rate == 48000 && f->channels == 2;
    default:
        return false;
    }
}

static const struct vg_sdp_format *choose_audio(const struct vg_sdp_media *m,
                                                const struct vg_sdp_answer_params *p,
                                                enum vg_codec *ret_codec)
{
    /* WHEP sends the stream as it is; a WHIP publisher may use any we record. */
    enum vg_codec order[4] = {p->audio, VG_CODEC_NONE, VG_CODEC_NONE, VG_CODEC_NONE};
    if (p->dir == VG_SDP_ANSWER_WHIP) {
        order[1] = VG_CODEC_OPUS;
        order[2] = VG_CODEC_PCMA;
        order[3] = VG_CODEC_PCMU;
    }
    for (size_t c = 0; c < 4; c++) {
        for (size_t i = 0; i < m->n_formats; i++) {
            if (audio_matches(&m->formats[i], order[c])) {
                *ret_codec = order[c];
                return &m->formats[i];
            }
        }
    }
    return NULL;
}

/* nack, nack pli and ccm fir for pt (or "*"); the rest is declined. */
static void read_feedback(const struct vg_sdp *sdp, const struct vg_sdp_media *m, unsigned pt,
                          struct vg_sdp_answer_media *a)
{
    for (size_t i = m->first_attr; i < m->first_attr + m->n_attrs; i++) {
        const struct vg_sdp_attr *at = &sdp->attrs[i];
        struct vg_span tpt, type, param = {0};
        size_t cur = 0;
        uint32_t num;
        if (!vg_span_ieq(at->name, "rtcp-fb") || !vg_span_next_token(at->value, &cur, &tpt) ||
            !vg_span_next_token(at->value, &cur, &type))
            continue;
        if (!vg_span_eq(tpt, "*") && !(vg_span_uint(tpt, 127, &num) && num == pt))
            continue;
        bool has_param = vg_span_next_token(at->value, &cur, &param);
        if (vg_span_ieq(type, "nack") && !has_param)
            a->nack = true;
        else if (vg_span_ieq(type, "nack") && vg_span_ieq(param, "pli"))
            a->nack_pli = true;
        else if (vg_span_ieq(type, "ccm") && vg_span_ieq(param, "fir"))
            a->ccm_fir = true;
    }
}

/* The media SSRC of the sender: the first of an FID group (the second is
 * its RTX), else the first a=ssrc line. */
static void read_remote_ssrc(const struct vg_sdp *sdp, const struct vg_sdp_media *m,
                             struct vg_sdp_answer_media *a)
{
    struct vg_span v, tok;
    size_t cur = 0;
    uint32_t ssrc;
    for (size_t i = m->first_attr; i < m->first_attr + m->n_attrs; i++) {
        const struct vg_sdp_attr *at = &sdp->attrs[i];
        cur = 0;
        if (!vg_span_ieq(at->name, "ssrc-group") || !vg_span_next_token(at->value, &cur, &tok) ||
            !vg_span_eq(tok, "FID"))
            continue;
        if (vg_span_next_token(at->value, &cur, &tok) && vg_span_uint(tok, UINT32_MAX, &ssrc)) {
            a->has_remote_ssrc = true;
            a->remote_ssrc = ssrc;
            return;
        }
    }
    cur = 0;
    if (vg_sdp_attr(sdp, m, "ssrc", &v) == 0 && vg_span_next_token(v, &cur, &tok) &&
        vg_span_uint(tok, UINT32_MAX, &ssrc)) {
        a->has_remote_ssrc = true;
        a->remote_ssrc = ssrc;
    }
}

static const struct {
    const char *name;
    size_t bytes;
} fp_algos[] = {
    {"sha-256", 32}, /* first: the one every browser sends, preferred */
    {"sha-1", 20},   {"sha-224", 28}, {"sha-384", 48}, {"sha-512", 64},
};

/* Checks one a=fingerprint value; returns its index in fp_algos or -1. */
static int check_fingerprint(struct vg_span v, struct vg_span *ret_hash)
{
    struct vg_span algo, hash;
    size_t cur = 0;
    if (!vg_span_next_token(v, &cur, &algo) || !vg_span_next_token(v, &cur, &hash))
        return -1;
    for (size_t i = 0; i < sizeof(fp_algos) / sizeof(fp_algos[0]); i++) {
        if (vg_span_ieq(algo, fp_algos[i].name) && fingerprint_shape(hash, fp_algos[i].bytes)) {
            *ret_hash = hash;
            return (int)i;
        }
    }
    return -1;
}

/* The fingerprint of the tag section, else of the session: sha-256 when
 * there are several, else the first we know. */
static int read_fingerprint(struct work *w, const char **ret_error)
{
    const struct vg_sdp *sdp = &w->sdp;
    const struct vg_sdp_media *m = &sdp->media[w->tag];
    struct vg_span best_hash = {0};
    int best = -1;
    bool any = false;
    for (int level = 0; level < 2 && !any; level++) {
        size_t first = level == 0 ? m->first_attr : 0;
        size_t n = level == 0 ? m->n_attrs : sdp->n_session_attrs;
        for (size_t i = first; i < first + n; i++) {
            struct vg_span hash;
            if (!vg_span_ieq(sdp->attrs[i].name, "fingerprint"))
                continue;
            any = true;
            int algo = check_fingerprint(sdp->attrs[i].value, &hash);
            if (algo >= 0 && (best < 0 || algo < best)) {
                best = algo;
                best_hash = hash;
            }
        }
    }
    if (!any) {
        *ret_error = "the offer has no a=fingerprint";
        return -EINVAL;
    }
    if (best < 0) {
        *ret_error = "the offer's a=fingerprint is not a sha-1/224/256/384/512 hash";
        return -EINVAL;
    }
    snprintf(w->neg.remote_fp_algo, sizeof(w->neg.remote_fp_algo), "%s", fp_algos[best].name);
    copy_span(w->neg.remote_fp, sizeof(w->neg.remote_fp), best_hash);
    return 0;
}

/* What every section shares through BUNDLE: ICE credentials, DTLS
 * fingerprint and role, rtcp-mux. */
static int read_transport(struct work *w, const char **ret_error)
{
    const struct vg_sdp *sdp = &w->sdp;
    const struct vg_sdp_media *m = &sdp->media[w->tag];
    struct vg_span v;
    if (attr_or_session(sdp, m, "ice-ufrag", &v) < 0) {
        *ret_error = "the offer has no a=ice-ufrag";
        return -EINVAL;
    }
    if (!ice_chars(v, 4, VG_SDP_ANSWER_ICE_MAX)) {
        *ret_error = "the offer's a=ice-ufrag is not 4 to 256 ice-chars";
        return -EINVAL;
    }
    copy_span(w->neg.remote_ufrag, sizeof(w->neg.remote_ufrag), v);
    if (attr_or_session(sdp, m, "ice-pwd", &v) < 0) {
        *ret_error = "the offer has no a=ice-pwd";
        return -EINVAL;
    }
    if (!ice_chars(v, 22, VG_SDP_ANSWER_ICE_MAX)) {
        *ret_error = "the offer's a=ice-pwd is not 22 to 256 ice-chars";
        return -EINVAL;
    }
    copy_span(w->neg.remote_pwd, sizeof(w->neg.remote_pwd), v);
    int r = read_fingerprint(w, ret_error);
    if (r < 0)
        return r;
    w->neg.remote_setup = VG_SDP_SETUP_ACTPASS;
    if (attr_or_session(sdp, m, "setup", &v) == 0) {
        if (vg_span_ieq(v, "active"))
            w->neg.remote_setup = VG_SDP_SETUP_ACTIVE;
        else if (vg_span_ieq(v, "passive"))
            w->neg.remote_setup = VG_SDP_SETUP_PASSIVE;
        else if (!vg_span_ieq(v, "actpass")) {
            *ret_error = "the offer's a=setup is not actpass, active or passive";
            return -EINVAL;
        }
    }
    /* RFC 5763 §5: the answerer may pick either role for actpass; being the
     * DTLS server saves the browser's ClientHello a round trip to wait. */
    w->neg.local_setup =
        w->neg.remote_setup == VG_SDP_SETUP_PASSIVE ? VG_SDP_SETUP_ACTIVE : VG_SDP_SETUP_PASSIVE;
    if (has_attr(sdp, NULL, "ice-lite") || has_attr(sdp, m, "ice-lite")) {
        *ret_error = "the offer is ICE-lite: one side must be a full ICE agent";
        return -EINVAL;
    }
    if (!has_attr(sdp, m, "rtcp-mux")) {
        *ret_error = "the offer has no a=rtcp-mux";
        return -EINVAL;
    }
    return 0;
}

/* The first format of an m= line, as written: a payload type, or for
 * non-RTP sections (not kept by the parser) the first token after the
 * protocol, still in the offer text ("webrtc-datachannel"). */
static struct vg_span first_format(const struct work *w, const struct vg_sdp_media *m,
                                   char pt_buf[static 4])
{
    if (m->n_formats > 0) {
        int n = snprintf(pt_buf, 4, "%u", m->formats[0].pt % 128);
        return (struct vg_span){pt_buf, (size_t)n};
    }
    const char *s = m->proto.base + m->proto.len, *end = w->offer + w->offer_len;
    while (s < end && vg_span_blank(*s))
        s++;
    size_t n = 0;
    while (s + n < end && !vg_span_blank(s[n]) && s[n] != '\r' && s[n] != '\n')
        n++;
    return (struct vg_span){s, n};
}

/* Copies every section's mid, refusing missing, malformed or repeated ones
 * (they name sections in the BUNDLE group and in RTP), and finds the tag. */
static int read_mids(struct work *w, const char **ret_error)
{
    const struct vg_sdp *sdp = &w->sdp;
    struct vg_span first = {0};
    size_t cur = 0;
    if (!vg_span_next_token(w->bundle, &cur, &first)) {
        *ret_error = "the offer's a=group:BUNDLE is empty";
        return -EINVAL;
    }
    w->tag = -1;
    w->neg.n_media = sdp->n_media;
    for (size_t i = 0; i < sdp->n_media; i++) {
        struct vg_sdp_answer_media *a = &w->neg.media[i];
        struct vg_span mid;
        if (vg_sdp_attr(sdp, &sdp->media[i], "mid", &mid) < 0) {
            *ret_error = "a media section of the offer has no a=mid";
            return -EINVAL;
        }
        if (!token_chars(mid, 1, VG_SDP_ANSWER_MID_MAX)) {
            *ret_error = "an a=mid of the offer is not 1 to 32 token characters";
            return -EINVAL;
        }
        copy_span(a->mid, sizeof(a->mid), mid);
        /* Echoed in a rejected section's m= line: bounded like the mid. */
        char pt_buf[4];
        if (sdp->media[i].type.len > VG_SDP_ANSWER_MID_MAX ||
            sdp->media[i].proto.len > VG_SDP_ANSWER_MID_MAX ||
            first_format(w, &sdp->media[i], pt_buf).len > VG_SDP_ANSWER_MID_MAX) {
            *ret_error = "an m= line of the offer has an overlong media type, protocol or format";
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(w->neg.media[j].mid, a->mid) == 0) {
                *ret_error = "two media sections of the offer have the same a=mid";
                return -EINVAL;
            }
        }
        if (w->tag < 0 && vg_span_eq(first, a->mid))
            w->tag = (int)i;
    }
    if (w->tag < 0) {
        *ret_error = "the offer's BUNDLE group names no media section of the offer";
        return -EINVAL;
    }
    return 0;
}

static bool usable(const struct work *w, const struct vg_sdp_media *m, const char *mid,
                   enum vg_sdp_answer_dir dir)
{
    const struct vg_sdp *sdp = &w->sdp;
    enum direction d = section_direction(sdp, m);
    bool dir_ok =
        d == DIR_SENDRECV || d == (dir == VG_SDP_ANSWER_WHEP ? DIR_RECVONLY : DIR_SENDONLY);
    return vg_span_ieq(m->proto, "UDP/TLS/RTP/SAVPF") && in_list(w->bundle, mid) &&
           (m->port != 0 || has_attr(sdp, m, "bundle-only")) && dir_ok;
}

static const char *missing_video_reason(enum vg_codec c)
{
    return c == VG_CODEC_H265 ? "the browser does not offer H.265"
                              : "the browser does not offer H.264 with packetization-mode=1";
}

static const char *missing_audio_reason(enum vg_codec c)
{
    switch (c) {
    case VG_CODEC_PCMA:
        return "the browser does not offer PCMA";
    case VG_CODEC_PCMU:
        return "the browser does not offer PCMU";
    case VG_CODEC_OPUS:
        return "the browser does not offer Opus";
    default:
        return "the browser does not offer the stream's audio codec";
    }
}

/* Picks the video and the audio section and their payload types. */
static int choose_sections(struct work *w, const struct vg_sdp_answer_params *p,
                           const char **ret_error)
{
    const struct vg_sdp *sdp = &w->sdp;
    bool any_video = false, usable_video = false, usable_audio = false;
    w->neg.video = -1;
    w->neg.audio = -1;
    for (size_t i = 0; i < sdp->n_media; i++) {
        const struct vg_sdp_media *m = &sdp->media[i];
        struct vg_sdp_answer_media *a = &w->neg.media[i];
        const struct vg_sdp_format *f = NULL;
        enum vg_codec codec = VG_CODEC_NONE;
        a->kind = vg_span_eq(m->type, "video")   ? VG_SDP_KIND_VIDEO
                  : vg_span_eq(m->type, "audio") ? VG_SDP_KIND_AUDIO
                                                 : VG_SDP_KIND_OTHER;
        bool ok = usable(w, m, a->mid, p->dir);
        if (a->kind == VG_SDP_KIND_VIDEO) {
            any_video = true;
            if (!ok || w->neg.video >= 0 || p->video == VG_CODEC_NONE)
                continue;
            usable_video = true;
            f = choose_video(m, p);
            codec = p->video;
        } else if (a->kind == VG_SDP_KIND_AUDIO) {
            if (!ok || w->neg.audio >= 0 || p->audio == VG_CODEC_NONE)
                continue;
            usable_audio = true;
            f = choose_audio(m, p, &codec);
        }
        if (!f)
            continue;
        if (!has_attr(sdp, m, "rtcp-mux")) {
            *ret_error = "the offer has no a=rtcp-mux";
            return -EINVAL;
        }
        a->accepted = true;
        a->pt = f->pt;
        a->codec = codec;
        a->clock_rate = f->clock_rate;
        a->channels = f->channels;
        a->rtx_pt = -1;
        a->rtcp_rsize = has_attr(sdp, m, "rtcp-rsize");
        read_feedback(sdp, m, f->pt, a);
        read_remote_ssrc(sdp, m, a);
        if (p->dir == VG_SDP_ANSWER_WHEP)
            a->local_ssrc = a->kind == VG_SDP_KIND_VIDEO ? p->video_ssrc : p->audio_ssrc;
        w->chosen[i] = f;
        if (a->kind == VG_SDP_KIND_VIDEO)
            w->neg.video = (int)i;
        else
            w->neg.audio = (int)i;
    }
    if (p->video != VG_CODEC_NONE && w->neg.video < 0) {
        /* No video at all is a codec question (fall back to MSE); video the
         * offer makes unusable is a broken client. */
        if (!any_video)
            *ret_error = "the offer has no video";
        else if (!usable_video)
            *ret_error = "no video section of the offer is usable (protocol, direction, BUNDLE)";
        else
            *ret_error = missing_video_reason(p->video);
        return any_video && !usable_video ? -EINVAL : -ENOTSUP;
    }
    if (w->neg.video < 0 && w->neg.audio < 0) {
        *ret_error =
            usable_audio ? missing_audio_reason(p->audio) : "the offer has no usable audio";
        return -ENOTSUP;
    }
    return 0;
}

/* The answer's BUNDLE group: accepted mids in the offer's order. */
static void make_bundle(struct work *w)
{
    struct vg_span tok;
    size_t cur = 0, len = 0;
    bool used[VG_SDP_MAX_MEDIA] = {false};
    char *out = w->neg.bundle;
    out[0] = '\0';
    while (vg_span_next_token(w->bundle, &cur, &tok)) {
        for (size_t i = 0; i < w->neg.n_media; i++) {
            const struct vg_sdp_answer_media *a = &w->neg.media[i];
            if (!a->accepted || used[i] || !vg_span_eq(tok, a->mid))
                continue;
            used[i] = true;
            /* Fits: at most VG_SDP_MAX_MEDIA mids of at most MID_MAX + a blank. */
            int n =
                snprintf(out + len, sizeof(w->neg.bundle) - len, "%s%s", len ? " " : "", a->mid);
            len += (size_t)n;
        }
    }
}

/* ---- writing the answer ---- */

static bool valid_ip(const char *ip)
{
    unsigned char buf[16];
    return ip && strlen(ip) < 64 &&
           (inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1);
}

static int check_params(const struct vg_sdp_answer_params *p, const char **ret_error)
{
    if (!p || (p->dir != VG_SDP_ANSWER_WHEP && p->dir != VG_SDP_ANSWER_WHIP)) {
        *ret_error = "bad params: direction";
        return -EINVAL;
    }
    if (p->video != VG_CODEC_NONE && p->video != VG_CODEC_H264 && p->video != VG_CODEC_H265) {
        *ret_error = "bad params: video codec";
        return -EINVAL;
    }
    if (p->video == VG_CODEC_NONE && p->audio == VG_CODEC_NONE) {
        *ret_error = "bad params: neither video nor audio";
        return -EINVAL;
    }
    if (!ice_chars(cstr(p->ice_ufrag), 4, VG_SDP_ANSWER_ICE_MAX) ||
        !ice_chars(cstr(p->ice_pwd), 22, VG_SDP_ANSWER_ICE_MAX)) {
        *ret_error = "bad params: ICE ufrag or pwd";
        return -EINVAL;
    }
    if (!fingerprint_shape(cstr(p->fingerprint), 32)) {
        *ret_error = "bad params: fingerprint (sha-256 \"AB:CD:...\")";
        return -EINVAL;
    }
    if (p->n_candidates == 0 || p->n_candidates > VG_SDP_ANSWER_MAX_CANDIDATES || !p->candidates) {
        *ret_error = "bad params: 1 to 16 candidates";
        return -EINVAL;
    }
    for (size_t i = 0; i < p->n_candidates; i++) {
        const struct vg_sdp_local_candidate *c = &p->candidates[i];
        if (!valid_ip(c->ip) || c->port == 0 ||
            (c->proto != VG_SDP_CAND_UDP && c->proto != VG_SDP_CAND_TCP) ||
            (c->type != VG_SDP_CAND_HOST && c->type != VG_SDP_CAND_SRFLX)) {
            *ret_error = "bad params: a candidate";
            return -EINVAL;
        }
    }
    if (p->dir == VG_SDP_ANSWER_WHEP && !token_chars(cstr(p->cname), 1, VG_SDP_ANSWER_CNAME_MAX)) {
        *ret_error = "bad params: cname";
        return -EINVAL;
    }
    return 0;
}

/* RFC 8445 §5.1.1.3: same type, base address and protocol, same foundation.
 * FNV-1a keeps it stable across sessions and short. */
static uint32_t foundation(const struct vg_sdp_local_candidate *c)
{
    uint32_t h = 2166136261u;
    const unsigned char key[2] = {(unsigned char)c->type, (unsigned char)c->proto};
    for (size_t i = 0; i < sizeof(key); i++)
        h = (h ^ key[i]) * 16777619u;
    for (const char *s = c->ip; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* RFC 8445 §5.1.2.1 with component 1: type preference host 126, srflx 100;
 * local preference in the given order, UDP above TCP: RFC 6544 §4.2 gives
 * TCP 2^13 * direction-pref (passive: 4) + other-pref, below 65535 - i. */
static uint32_t priority(const struct vg_sdp_local_candidate *c, size_t i)
{
    uint32_t type_pref = c->type == VG_SDP_CAND_HOST ? 126 : 100;
    uint32_t local_pref =
        c->proto == VG_SDP_CAND_UDP ? 65535 - (uint32_t)i : (4u << 13) + 8191 - (uint32_t)i;
    return (type_pref << 24) + (local_pref << 8) + (256 - 1);
}

static void write_candidates(struct writer *o, const struct vg_sdp_answer_params *p)
{
    for (size_t i = 0; i < p->n_candidates; i++) {
        const struct vg_sdp_local_candidate *c = &p->candidates[i];
        bool tcp = c->proto == VG_SDP_CAND_TCP;
        /* srflx: the related address is not told (RFC 8839 allows 0.0.0.0 0,
         * as browsers do), an ICE-lite server needs no pairing by base. */
        put(o, "a=candidate:%u 1 %s %u %s %u typ %s%s%s\r\n", foundation(c), tcp ? "tcp" : "udp",
            priority(c, i), c->ip, c->port, c->type == VG_SDP_CAND_HOST ? "host" : "srflx",
            c->type == VG_SDP_CAND_HOST ? "" : " raddr 0.0.0.0 rport 0",
            tcp ? " tcptype passive" : "");
    }
    put(o, "a=end-of-candidates\r\n");
}

static void write_accepted(struct writer *o, const struct work *w, size_t i,
                           const struct vg_sdp_answer_params *p)
{
    const struct vg_sdp_answer_media *a = &w->neg.media[i];
    const struct vg_sdp_format *f = w->chosen[i];
    const char *kind = a->kind == VG_SDP_KIND_VIDEO ? "video" : "audio";
    bool whep = p->dir == VG_SDP_ANSWER_WHEP;
    put(o, "m=%s 9 UDP/TLS/RTP/SAVPF %u\r\n", kind, a->pt);
    put(o, "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n");
    put(o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", p->ice_ufrag, p->ice_pwd);
    put(o, "a=fingerprint:sha-256 %s\r\n", p->fingerprint);
    put(o, "a=setup:%s\r\n", w->neg.local_setup == VG_SDP_SETUP_ACTIVE ? "active" : "passive");
    put(o, "a=mid:%s\r\n", a->mid);
    put(o, "a=%s\r\n", whep ? "sendonly" : "recvonly");
    if (whep)
        put(o, "a=msid:" MSID_STREAM " " MSID_STREAM "-%s\r\n", kind);
    put(o, "a=rtcp-mux\r\n");
    if (a->rtcp_rsize)
        put(o, "a=rtcp-rsize\r\n");
    put(o, "a=rtpmap:%u %.*s/%u", a->pt, (int)f->encoding.len, f->encoding.base, f->clock_rate);
    if (f->channels > 1)
        put(o, "/%u", f->channels);
    put(o, "\r\n");
    if (f->fmtp.len > 0)
        put(o, "a=fmtp:%u %.*s\r\n", a->pt, (int)f->fmtp.len, f->fmtp.base);
    if (a->nack)
        put(o, "a=rtcp-fb:%u nack\r\n", a->pt);
    if (a->nack_pli)
        put(o, "a=rtcp-fb:%u nack pli\r\n", a->pt);
    if (a->ccm_fir)
        put(o, "a=rtcp-fb:%u ccm fir\r\n", a->pt);
    if (whep) {
        put(o, "a=ssrc:%u cname:%s\r\n", a->local_ssrc, p->cname);
        put(o, "a=ssrc:%u msid:" MSID_STREAM " " MSID_STREAM "-%s\r\n", a->local_ssrc, kind);
    }
    write_candidates(o, p);
}

/* RFC 8843 §7.3.3 / JSEP §5.3.1: port 0, the offered protocol and one of its
 * formats, and the mid so the browser can match it. */
static void write_rejected(struct writer *o, const struct work *w, size_t i)
{
    const struct vg_sdp_media *m = &w->sdp.media[i];
    char pt_buf[4];
    struct vg_span fmt = first_format(w, m, pt_buf);
    put(o, "m=%.*s 0 %.*s %.*s\r\n", (int)m->type.len, m->type.base, (int)m->proto.len,
        m->proto.base, (int)fmt.len, fmt.base);
    put(o, "c=IN IP4 0.0.0.0\r\na=mid:%s\r\n", w->neg.media[i].mid);
}

static void write_answer(struct writer *o, const struct work *w,
                         const struct vg_sdp_answer_params *p)
{
    bool whep = p->dir == VG_SDP_ANSWER_WHEP;
    put(o, "v=0\r\no=- %llu 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
        (unsigned long long)p->session_id);
    put(o, "a=ice-lite\r\n");
    put(o, "a=group:BUNDLE %s\r\n", w->neg.bundle);
    put(o, "a=msid-semantic: WMS%s\r\n", whep ? " " MSID_STREAM : "");
    for (size_t i = 0; i < w->neg.n_media; i++) {
        if (w->neg.media[i].accepted)
            write_accepted(o, w, i, p);
        else
            write_rejected(o, w, i);
    }
}

int vg_sdp_answer(const char *offer, size_t offer_len, const struct vg_sdp_answer_params *p,
                  char *out, size_t cap, struct vg_sdp_negotiation *ret, size_t *ret_len,
                  const char **ret_error)
{
    const char *err = NULL;
    struct work *w = NULL;
    int r = check_params(p, &err);
    if (r < 0)
        goto out;
    if (offer_len > VG_SDP_ANSWER_MAX_OFFER) {
        err = "the offer is larger than 64 KiB";
        r = -EINVAL;
        goto out;
    }
    w = calloc(1, sizeof(*w));
    if (!w) {
        err = "out of memory";
        r = -ENOMEM;
        goto out;
    }
    w->offer = offer;
    w->offer_len = offer_len;
    r = vg_sdp_parse(offer, offer_len, &w->sdp, &err);
    if (r < 0) {
        /* Past the parser's limits is a bad offer too; -E2BIG means our buffer. */
        r = -EINVAL;
        goto out;
    }
    if (find_bundle(&w->sdp, &w->bundle) < 0) {
        err = "the offer has no a=group:BUNDLE";
        r = -EINVAL;
        goto out;
    }
    r = read_mids(w, &err);
    if (r < 0)
        goto out;
    r = read_transport(w, &err);
    if (r < 0)
        goto out;
    r = choose_sections(w, p, &err);
    if (r < 0)
        goto out;
    make_bundle(w);
    struct writer o = {.buf = out, .cap = cap};
    if (cap > 0) {
        out[0] = '\0';
        write_answer(&o, w, p);
    }
    if (cap == 0 || o.full) {
        err = "the answer does not fit its buffer";
        r = -E2BIG;
        goto out;
    }
    *ret = w->neg;
    *ret_len = o.len;
    r = 0;
out:
    free(w);
    if (r < 0 && ret_error)
        *ret_error = err;
    return r;
}

/* ---- trickle ICE ---- */

int vg_sdp_candidate_parse(struct vg_span value, struct vg_sdp_candidate *ret)
{
    struct vg_sdp_candidate c = {0};
    struct vg_span tok, key, val;
    size_t cur = 0;
    uint32_t num;
    if (!vg_span_next_token(value, &cur, &c.foundation) || !ice_chars(c.foundation, 1, 32))
        return -EINVAL;
    if (!vg_span_next_token(value, &cur, &tok) || !vg_span_uint(tok, 256, &num) || num == 0)
        return -EINVAL;
    c.component = num;
    if (!vg_span_next_token(value, &cur, &tok))
        return -EINVAL;
    if (vg_span_ieq(tok, "udp"))
        c.proto = VG_SDP_CAND_UDP;
    else if (vg_span_ieq(tok, "tcp"))
        c.proto = VG_SDP_CAND_TCP;
    else
        return -EINVAL;
    if (!vg_span_next_token(value, &cur, &tok) || !vg_span_uint(tok, UINT32_MAX, &c.priority))
        return -EINVAL;
    if (!vg_span_next_token(value, &cur, &c.address))
        return -EINVAL;
    if (!vg_span_next_token(value, &cur, &tok) || !vg_span_uint(tok, 65535, &num))
        return -EINVAL;
    c.port = (uint16_t)num;
    if (!vg_span_next_token(value, &cur, &tok) || !vg_span_eq(tok, "typ") ||
        !vg_span_next_token(value, &cur, &tok))
        return -EINVAL;
    if (vg_span_eq(tok, "host"))
        c.type = VG_SDP_CAND_HOST;
    else if (vg_span_eq(tok, "srflx"))
        c.type = VG_SDP_CAND_SRFLX;
    else if (vg_span_eq(tok, "prflx"))
        c.type = VG_SDP_CAND_PRFLX;
    else if (vg_span_eq(tok, "relay"))
        c.type = VG_SDP_CAND_RELAY;
    else
        return -EINVAL;
    /* Then name/value pairs: raddr, rport, tcptype, and extensions
     * (generation, network-id, ufrag, ...) we do not need. */
    while (vg_span_next_token(value, &cur, &key)) {
        if (!vg_span_next_token(value, &cur, &val))
            return -EINVAL;
        if (!vg_span_eq(key, "tcptype"))
            continue;
        if (vg_span_eq(val, "active"))
            c.tcptype = VG_SDP_TCPTYPE_ACTIVE;
        else if (vg_span_eq(val, "passive"))
            c.tcptype = VG_SDP_TCPTYPE_PASSIVE;
        else if (vg_span_eq(val, "so"))
            c.tcptype = VG_SDP_TCPTYPE_SO;
        else
            return -EINVAL;
    }
    if (c.proto == VG_SDP_CAND_UDP && c.tcptype != VG_SDP_TCPTYPE_NONE)
        return -EINVAL;
    *ret = c;
    return 0;
}

/* One "a=" line of a fragment into t. */
static int trickle_attr(struct vg_sdp_trickle *t, struct vg_span v, const char **ret_error)
{
    struct vg_span name = v, value = {v.base + v.len, 0};
    const char *colon = memchr(v.base, ':', v.len);
    if (colon) {
        name.len = (size_t)(colon - v.base);
        value = vg_span_trim((struct vg_span){colon + 1, v.len - name.len - 1});
    }
    if (vg_span_ieq(name, "ice-ufrag")) {
        t->ufrag = value;
    } else if (vg_span_ieq(name, "ice-pwd")) {
        t->pwd = value;
    } else if (vg_span_ieq(name, "end-of-candidates")) {
        t->end_of_candidates = true;
    } else if (vg_span_ieq(name, "candidate")) {
        if (t->n_candidates == VG_SDP_TRICKLE_MAX_CANDIDATES) {
            *ret_error = "too many candidates in the fragment";
            return -E2BIG;
        }
        if (vg_sdp_candidate_parse(value, &t->candidates[t->n_candidates]) < 0) {
            *ret_error = "bad a=candidate";
            return -EINVAL;
        }
        t->n_candidates++;
    }
    return 0;
}

int vg_sdp_trickle_parse(const char *text, size_t len, struct vg_sdp_trickle *ret,
                         const char **ret_error)
{
    struct vg_sdp_trickle t = {0};
    const char *err = NULL;
    int r = 0;
    size_t pos = 0;
    for (;;) {
        char type;
        struct vg_span v;
        r = text ? vg_sdp_next_line(text, len, &pos, &type, &v, &err) : 0;
        if (r <= 0)
            break;
        /* m=, c=: which section a candidate is for does not matter with BUNDLE */
        r = type == 'a' ? trickle_attr(&t, v, &err) : 0;
        if (r < 0)
            break;
    }
    if (r < 0)
        goto out;
    *ret = t;
out:
    if (r < 0 && ret_error)
        *ret_error = err;
    return r;
}
