/* SDP offer/answer against real offers of this machine's Chromium (made by
 * data/make-offers.mjs): a WHEP viewer (recvonly video + audio, and video
 * only) and a WHIP publisher (sendonly fake camera + microphone). Each
 * answer must parse, echo the mids, pick payload types the browser offered
 * with packetization-mode=1, carry ICE-lite, fingerprint and candidates, and
 * point the right way; offers damaged by hand must be refused with a reason
 * naming what is missing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sdp.h"
#include "webrtc/sdp_answer.h"

#define DATA VG_TEST_DATA "/webrtc/data/"

static const char FP[] = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                         "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

static const struct vg_sdp_local_candidate CANDS[] = {
    {.ip = "192.0.2.10", .port = 8189, .proto = VG_SDP_CAND_UDP, .type = VG_SDP_CAND_HOST},
    {.ip = "2001:db8::10", .port = 8189, .proto = VG_SDP_CAND_UDP, .type = VG_SDP_CAND_HOST},
    {.ip = "192.0.2.10", .port = 8189, .proto = VG_SDP_CAND_TCP, .type = VG_SDP_CAND_HOST},
    {.ip = "203.0.113.7", .port = 8189, .proto = VG_SDP_CAND_UDP, .type = VG_SDP_CAND_SRFLX},
};

/* A High-profile camera with G.711 A-law, watched through WHEP. */
static struct vg_sdp_answer_params whep_params(void)
{
    return (struct vg_sdp_answer_params){
        .dir = VG_SDP_ANSWER_WHEP,
        .video = VG_CODEC_H264,
        .audio = VG_CODEC_PCMA,
        .h264_profile = {0x64, 0x00, 0x28},
        .ice_ufrag = "Vg7xQ2aB",
        .ice_pwd = "abcdefghijklmnopqrstuvwx",
        .fingerprint = FP,
        .candidates = CANDS,
        .n_candidates = sizeof(CANDS) / sizeof(CANDS[0]),
        .video_ssrc = 0x11223344,
        .audio_ssrc = 0x55667788,
        .cname = "vigil-cam1",
        .session_id = 4242424242ULL,
    };
}

static struct vg_sdp_answer_params whip_params(void)
{
    struct vg_sdp_answer_params p = whep_params();
    p.dir = VG_SDP_ANSWER_WHIP;
    p.audio = VG_CODEC_OPUS;
    memset(p.h264_profile, 0, sizeof(p.h264_profile));
    p.video_ssrc = p.audio_ssrc = 0;
    p.cname = NULL;
    return p;
}

static char *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), DATA "%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    char *buf = malloc(65536);
    cr_assert_not_null(buf);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The offer without every line that starts with prefix. */
static char *without_lines(const char *text, const char *prefix)
{
    char *out = malloc(strlen(text) + 1);
    cr_assert_not_null(out);
    size_t o = 0, plen = strlen(prefix);
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (strncmp(p, prefix, plen) != 0) {
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    out[o] = '\0';
    return out;
}

/* text with the first `from` replaced by `to`. */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "no \"%s\" to replace", from);
    size_t head = (size_t)(at - text), flen = strlen(from), tlen = strlen(to);
    char *out = malloc(strlen(text) - flen + tlen + 1);
    cr_assert_not_null(out);
    memcpy(out, text, head);
    memcpy(out + head, to, tlen);
    memcpy(out + head + tlen, at + flen, strlen(at + flen) + 1);
    return out;
}

struct result {
    int r;
    const char *error;
    char text[VG_SDP_ANSWER_CAP];
    size_t len;
    struct vg_sdp_negotiation neg;
    struct vg_sdp parsed; /* the answer, parsed back */
};

static struct result *answer(const char *offer, const struct vg_sdp_answer_params *p)
{
    struct result *res = calloc(1, sizeof(*res));
    cr_assert_not_null(res);
    res->r = vg_sdp_answer(offer, strlen(offer), p, res->text, sizeof(res->text), &res->neg,
                           &res->len, &res->error);
    if (res->r == 0) {
        const char *err = NULL;
        cr_assert_eq(strlen(res->text), res->len);
        cr_assert_eq(vg_sdp_parse(res->text, res->len, &res->parsed, &err), 0,
                     "the answer does not parse: %s (line %u)\n%s", err, res->parsed.error_line,
                     res->text);
    }
    return res;
}

static struct vg_sdp *parse_offer(const char *offer)
{
    struct vg_sdp *sdp = malloc(sizeof(*sdp));
    cr_assert_not_null(sdp);
    cr_assert_eq(vg_sdp_parse(offer, strlen(offer), sdp, NULL), 0);
    return sdp;
}

static bool has(const struct vg_sdp *sdp, const struct vg_sdp_media *m, const char *name)
{
    struct vg_span v;
    return vg_sdp_attr(sdp, m, name, &v) == 0;
}

static bool attr_is(const struct vg_sdp *sdp, const struct vg_sdp_media *m, const char *name,
                    const char *value)
{
    struct vg_span v;
    return vg_sdp_attr(sdp, m, name, &v) == 0 && vg_span_eq(v, value);
}

static size_t count_attr(const struct vg_sdp *sdp, const struct vg_sdp_media *m, const char *name)
{
    size_t n = 0;
    for (size_t i = m->first_attr; i < m->first_attr + m->n_attrs; i++)
        n += vg_span_ieq(sdp->attrs[i].name, name);
    return n;
}

static const struct vg_sdp_media *media_by_mid(const struct vg_sdp *sdp, const char *mid)
{
    for (size_t i = 0; i < sdp->n_media; i++) {
        if (attr_is(sdp, &sdp->media[i], "mid", mid))
            return &sdp->media[i];
    }
    return NULL;
}

/* What every accepted answer section needs, whatever the direction. */
static void check_accepted_section(const struct vg_sdp *a, const struct vg_sdp_media *m,
                                   const char *direction)
{
    cr_expect_eq(m->port, 9);
    cr_expect(vg_span_eq(m->proto, "UDP/TLS/RTP/SAVPF"));
    cr_expect_eq(m->n_formats, 1, "one payload type: the chosen one");
    cr_expect(attr_is(a, m, "ice-ufrag", "Vg7xQ2aB"));
    cr_expect(attr_is(a, m, "ice-pwd", "abcdefghijklmnopqrstuvwx"));
    struct vg_span fp;
    cr_assert_eq(vg_sdp_attr(a, m, "fingerprint", &fp), 0);
    cr_expect(vg_span_eq(fp, "sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                             "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"));
    cr_expect(attr_is(a, m, "setup", "passive"));
    cr_expect(has(a, m, direction));
    cr_expect(has(a, m, "rtcp-mux"));
    cr_expect_eq(count_attr(a, m, "candidate"), 4);
    cr_expect(has(a, m, "end-of-candidates"));
    cr_expect_eq(count_attr(a, m, "extmap"), 0, "header extensions are declined");
    cr_expect(vg_sdp_format(m, m->formats[0].pt)->encoding.len > 0, "rtpmap present");
}

static void check_session(const struct vg_sdp *a, const char *bundle)
{
    cr_expect(has(a, NULL, "ice-lite"));
    struct vg_span g;
    cr_assert_eq(vg_sdp_attr(a, NULL, "group", &g), 0);
    char want[64];
    snprintf(want, sizeof(want), "BUNDLE %s", bundle);
    cr_expect(vg_span_eq(g, want), "group is %.*s", (int)g.len, g.base);
    cr_expect(has(a, NULL, "msid-semantic"));
}

/* ---- WHEP ---- */

Test(sdp_answer, whep_offer_from_chromium_gets_a_sendonly_ice_lite_answer)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    const struct vg_sdp *a = &res->parsed;
    check_session(a, "0 1");
    cr_assert_eq(a->n_media, 2);
    cr_expect(vg_span_eq(a->media[0].type, "video"));
    cr_expect(vg_span_eq(a->media[1].type, "audio"));
    cr_expect(attr_is(a, &a->media[0], "mid", "0"));
    cr_expect(attr_is(a, &a->media[1], "mid", "1"));
    for (size_t i = 0; i < 2; i++) {
        check_accepted_section(a, &a->media[i], "sendonly");
        cr_expect(!has(a, &a->media[i], "recvonly"));
        cr_expect(has(a, &a->media[i], "rtcp-rsize"), "Chromium offers it");
        cr_expect(has(a, &a->media[i], "msid"));
    }
    cr_expect(strstr(res->text, "a=ssrc:287454020 cname:vigil-cam1\r\n"), "video SSRC 0x11223344");
    cr_expect(strstr(res->text, "a=ssrc:1432778632 cname:vigil-cam1\r\n"), "audio SSRC");
    cr_expect(strncmp(res->text, "v=0\r\no=- 4242424242 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
                      50) == 0);
    cr_expect_eq(res->neg.n_media, 2);
    cr_expect_eq(res->neg.video, 0);
    cr_expect_eq(res->neg.audio, 1);
    cr_expect_str_eq(res->neg.bundle, "0 1");
    cr_expect_eq(res->neg.media[0].local_ssrc, 0x11223344);
    cr_expect_eq(res->neg.media[1].local_ssrc, 0x55667788);
    cr_expect(!res->neg.media[0].has_remote_ssrc, "a recvonly offer names no SSRC");
    free(res);
    free(offer);
}

Test(sdp_answer, whep_chosen_payload_types_are_offered_ones_with_packetization_mode_1)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp *o = parse_offer(offer);
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    const struct vg_sdp_answer_media *v = &res->neg.media[res->neg.video];
    const struct vg_sdp_format *f = vg_sdp_format(&o->media[0], v->pt);
    cr_assert_not_null(f, "PT %u is not in the offer", v->pt);
    cr_expect(vg_span_eq(f->encoding, "H264"));
    struct vg_span pm;
    cr_assert_eq(vg_sdp_fmtp_param(f->fmtp, "packetization-mode", &pm), 0);
    cr_expect(vg_span_eq(pm, "1"));
    cr_expect_eq(v->codec, VG_CODEC_H264);
    cr_expect_eq(v->clock_rate, 90000);
    /* The answer repeats the offered rtpmap and fmtp of that PT. */
    const struct vg_sdp_format *af = vg_sdp_format(&res->parsed.media[0], v->pt);
    cr_assert_not_null(af);
    cr_expect_eq(af->fmtp.len, f->fmtp.len);
    cr_expect(memcmp(af->fmtp.base, f->fmtp.base, f->fmtp.len) == 0);
    cr_expect(vg_span_eq(af->encoding, "H264"));
    /* High is not offered: constrained baseline with level asymmetry. */
    cr_expect_eq(v->pt, 108, "42e01f is PT 108 in this offer");

    const struct vg_sdp_answer_media *au = &res->neg.media[res->neg.audio];
    cr_expect_eq(au->pt, 8);
    cr_expect_eq(au->codec, VG_CODEC_PCMA);
    cr_expect_eq(au->clock_rate, 8000);
    cr_expect_not_null(vg_sdp_format(&o->media[1], 8));
    cr_expect(strstr(res->text, "a=rtpmap:8 PCMA/8000\r\n"));
    free(res);
    free(o);
    free(offer);
}

Test(sdp_answer, whep_keeps_nack_pli_fir_and_declines_rtx_transport_cc_and_extensions)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    const struct vg_sdp_answer_media *v = &res->neg.media[0];
    cr_expect(v->nack);
    cr_expect(v->nack_pli);
    cr_expect(v->ccm_fir);
    cr_expect(!v->transport_cc);
    cr_expect_eq(v->rtx_pt, -1);
    cr_expect(v->rtcp_rsize);
    cr_expect(strstr(res->text, "a=rtcp-fb:108 nack\r\n"));
    cr_expect(strstr(res->text, "a=rtcp-fb:108 nack pli\r\n"));
    cr_expect(strstr(res->text, "a=rtcp-fb:108 ccm fir\r\n"));
    cr_expect_null(strstr(res->text, "transport-cc"));
    cr_expect_null(strstr(res->text, "goog-remb"));
    cr_expect_null(strstr(res->text, "rtx/"));
    cr_expect_null(strstr(res->text, "a=extmap"));
    /* Chromium offers no feedback for G.711. */
    const struct vg_sdp_answer_media *au = &res->neg.media[1];
    cr_expect(!au->nack && !au->nack_pli && !au->ccm_fir);
    free(res);
    free(offer);
}

Test(sdp_answer, whep_remembers_the_browsers_ice_credentials_fingerprint_and_role)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_str_eq(res->neg.remote_ufrag, "7ZrC");
    cr_expect_str_eq(res->neg.remote_pwd, "YaEfV4/w7W/PWdk8R9aaL9Nj");
    cr_expect_str_eq(res->neg.remote_fp_algo, "sha-256");
    cr_expect_str_eq(res->neg.remote_fp, "31:82:B6:DC:65:23:0A:8E:08:D0:DE:53:FB:1A:D0:A3:"
                                         "E4:A5:66:95:D0:D5:DD:3D:CD:32:04:C0:CC:1E:98:80");
    cr_expect_eq(res->neg.remote_setup, VG_SDP_SETUP_ACTPASS);
    cr_expect_eq(res->neg.local_setup, VG_SDP_SETUP_PASSIVE);
    free(res);
    free(offer);
}

Test(sdp_answer, whep_answers_active_when_the_offer_is_passive)
{
    char *offer = load("whep-video-audio.sdp");
    char *o1 = replaced(offer, "a=setup:actpass", "a=setup:passive");
    char *o2 = replaced(o1, "a=setup:actpass", "a=setup:passive");
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(o2, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.remote_setup, VG_SDP_SETUP_PASSIVE);
    cr_expect_eq(res->neg.local_setup, VG_SDP_SETUP_ACTIVE);
    cr_expect(attr_is(&res->parsed, &res->parsed.media[0], "setup", "active"));
    free(res);
    char *o3 = replaced(offer, "a=setup:actpass", "a=setup:active");
    res = answer(o3, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.local_setup, VG_SDP_SETUP_PASSIVE);
    free(res);
    free(o3);
    free(o2);
    free(o1);
    free(offer);
}

Test(sdp_answer, whep_h264_profile_rules_pick_the_streams_profile_first)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    static const struct {
        uint8_t sps[3];
        unsigned pt;
        const char *why;
    } cases[] = {
        {{0x4d, 0x00, 0x1f}, 116, "main: 4d001f is offered"},
        {{0x4d, 0x40, 0x29}, 116, "main with constraint_set1, another level"},
        {{0x42, 0xe0, 0x1f}, 108, "constrained baseline"},
        {{0x42, 0xc0, 0x1e}, 108, "constrained baseline written 42c0"},
        {{0x42, 0x00, 0x1f}, 102, "baseline: 42001f"},
        {{0x64, 0x00, 0x28}, 108, "high is not offered: constrained baseline"},
        {{0x00, 0x00, 0x00}, 108, "unknown: constrained baseline"},
        {{0xf4, 0x00, 0x1f}, 41, "high 4:4:4 predictive: f4001f"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(p.h264_profile, cases[i].sps, 3);
        struct result *res = answer(offer, &p);
        cr_assert_eq(res->r, 0, "%s", res->error);
        cr_expect_eq(res->neg.media[0].pt, cases[i].pt, "%s: got %u", cases[i].why,
                     res->neg.media[0].pt);
        free(res);
    }
    free(offer);
}

/* A minimal WHEP offer with the given video payload types, in Chromium's form. */
static char *small_offer(const char *video_pts, const char *video_formats)
{
    static const char fmt[] = "v=0\r\n"
                              "o=- 1 2 IN IP4 127.0.0.1\r\n"
                              "s=-\r\n"
                              "t=0 0\r\n"
                              "a=group:BUNDLE v\r\n"
                              "m=video 9 UDP/TLS/RTP/SAVPF %s\r\n"
                              "c=IN IP4 0.0.0.0\r\n"
                              "a=ice-ufrag:abcd\r\n"
                              "a=ice-pwd:abcdefghijklmnopqrstuvwxyz\r\n"
                              "a=fingerprint:sha-256 %s\r\n"
                              "a=setup:actpass\r\n"
                              "a=mid:v\r\n"
                              "a=recvonly\r\n"
                              "a=rtcp-mux\r\n"
                              "%s";
    char *out = malloc(4096);
    cr_assert_not_null(out);
    snprintf(out, 4096, fmt, video_pts, FP, video_formats);
    return out;
}

Test(sdp_answer, h264_needs_packetization_mode_1_and_falls_back_to_any_such)
{
    struct vg_sdp_answer_params p = whep_params();
    char *only_pm0 =
        small_offer("96", "a=rtpmap:96 H264/90000\r\n"
                          "a=fmtp:96 packetization-mode=0;profile-level-id=42e01f\r\n");
    struct result *res = answer(only_pm0, &p);
    cr_expect_eq(res->r, -ENOTSUP);
    cr_expect_str_eq(res->error, "the browser does not offer H.264 with packetization-mode=1");
    free(res);

    char *no_pm = small_offer("96", "a=rtpmap:96 H264/90000\r\n"
                                    "a=fmtp:96 profile-level-id=42e01f\r\n");
    res = answer(no_pm, &p);
    cr_expect_eq(res->r, -ENOTSUP, "no packetization-mode means mode 0");
    free(res);

    /* No level asymmetry on the baseline one: rule 3 takes the first mode 1. */
    char *mixed =
        small_offer("97 98", "a=rtpmap:97 H264/90000\r\n"
                             "a=fmtp:97 packetization-mode=1;profile-level-id=640032\r\n"
                             "a=rtpmap:98 H264/90000\r\n"
                             "a=fmtp:98 packetization-mode=1;profile-level-id=42e01f\r\n");
    p.h264_profile[0] = 0x4d; /* main: not offered */
    res = answer(mixed, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.media[0].pt, 97);
    cr_expect(strstr(res->text, "a=fmtp:97 packetization-mode=1;profile-level-id=640032\r\n"));
    free(res);
    p.h264_profile[0] = 0x64; /* high: offered this time */
    res = answer(mixed, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.media[0].pt, 97);
    free(res);
    free(mixed);
    free(no_pm);
    free(only_pm0);
}

Test(sdp_answer, h265_stream_against_chromium_is_not_supported_with_a_reason)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    p.video = VG_CODEC_H265;
    char buf[VG_SDP_ANSWER_CAP];
    struct vg_sdp_negotiation neg;
    memset(&neg, 0x5a, sizeof(neg));
    size_t len = 12345;
    const char *err = NULL;
    cr_expect_eq(vg_sdp_answer(offer, strlen(offer), &p, buf, sizeof(buf), &neg, &len, &err),
                 -ENOTSUP);
    cr_expect_str_eq(err, "the browser does not offer H.265");
    cr_expect_eq(len, 12345, "outputs untouched on failure");
    cr_expect_eq(neg.n_media, (size_t)0x5a5a5a5a5a5a5a5aULL);
    free(offer);
}

Test(sdp_answer, h265_is_chosen_when_offered)
{
    char *offer = small_offer("100 101", "a=rtpmap:100 H264/90000\r\n"
                                         "a=fmtp:100 packetization-mode=1\r\n"
                                         "a=rtpmap:101 H265/90000\r\n"
                                         "a=fmtp:101 level-id=93;profile-id=1;tier-flag=0\r\n"
                                         "a=rtcp-fb:101 nack pli\r\n");
    struct vg_sdp_answer_params p = whep_params();
    p.video = VG_CODEC_H265;
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.media[0].pt, 101);
    cr_expect_eq(res->neg.media[0].codec, VG_CODEC_H265);
    cr_expect(res->neg.media[0].nack_pli);
    cr_expect(!res->neg.media[0].nack);
    cr_expect(strstr(res->text, "a=rtpmap:101 H265/90000\r\n"
                                "a=fmtp:101 level-id=93;profile-id=1;tier-flag=0\r\n"));
    free(res);
    free(offer);
}

Test(sdp_answer, whep_audio_codec_follows_the_stream)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    p.audio = VG_CODEC_PCMU;
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.media[1].pt, 0);
    free(res);

    p.audio = VG_CODEC_OPUS;
    res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.media[1].pt, 111);
    cr_expect_eq(res->neg.media[1].clock_rate, 48000);
    cr_expect_eq(res->neg.media[1].channels, 2);
    cr_expect(strstr(res->text, "a=rtpmap:111 opus/48000/2\r\n"
                                "a=fmtp:111 minptime=10;useinbandfec=1\r\n"));
    free(res);
    free(offer);
}

Test(sdp_answer, whep_rejects_audio_the_browser_cannot_play_and_plays_video)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    p.audio = VG_CODEC_AAC;
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.audio, -1);
    cr_expect(!res->neg.media[1].accepted);
    cr_expect_str_eq(res->neg.bundle, "0");
    check_session(&res->parsed, "0");
    const struct vg_sdp_media *m = media_by_mid(&res->parsed, "1");
    cr_assert_not_null(m, "the rejected section keeps its mid");
    cr_expect_eq(m->port, 0);
    cr_expect(vg_span_eq(m->type, "audio"));
    cr_expect_eq(count_attr(&res->parsed, m, "candidate"), 0);
    cr_expect(strstr(res->text, "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n"));
    free(res);

    p.audio = VG_CODEC_NONE; /* a camera without sound */
    res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect(!res->neg.media[1].accepted);
    free(res);
    free(offer);
}

Test(sdp_answer, whep_video_only_offer_is_answered_without_audio)
{
    char *offer = load("whep-video.sdp");
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    check_session(&res->parsed, "0");
    cr_assert_eq(res->parsed.n_media, 1);
    check_accepted_section(&res->parsed, &res->parsed.media[0], "sendonly");
    cr_expect(attr_is(&res->parsed, &res->parsed.media[0], "mid", "0"));
    cr_expect_eq(res->neg.audio, -1);
    cr_expect_null(strstr(res->text, "a=ssrc:1432778632"), "no audio SSRC");
    free(res);
    free(offer);
}

Test(sdp_answer, data_channel_and_second_video_sections_are_rejected)
{
    char *offer = load("whep-video.sdp");
    char *o1 = replaced(offer, "a=group:BUNDLE 0", "a=group:BUNDLE 0 1 2");
    size_t n = strlen(o1);
    static const char extra[] = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                "c=IN IP4 0.0.0.0\r\n"
                                "a=mid:1\r\n"
                                "a=recvonly\r\n"
                                "a=rtcp-mux\r\n"
                                "a=rtpmap:96 H264/90000\r\n"
                                "a=fmtp:96 packetization-mode=1\r\n"
                                "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                "c=IN IP4 0.0.0.0\r\n"
                                "a=mid:2\r\n"
                                "a=sctp-port:5000\r\n";
    char *o2 = malloc(n + sizeof(extra));
    cr_assert_not_null(o2);
    memcpy(o2, o1, n);
    memcpy(o2 + n, extra, sizeof(extra));
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(o2, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.n_media, 3);
    cr_expect(res->neg.media[0].accepted);
    cr_expect(!res->neg.media[1].accepted);
    cr_expect(!res->neg.media[2].accepted);
    cr_expect_eq(res->neg.media[2].kind, VG_SDP_KIND_OTHER);
    cr_expect_str_eq(res->neg.bundle, "0");
    check_session(&res->parsed, "0");
    cr_expect(
        strstr(res->text, "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"));
    cr_expect(strstr(res->text, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                "c=IN IP4 0.0.0.0\r\na=mid:2\r\n"));
    free(res);
    free(o2);
    free(o1);
    free(offer);
}

Test(sdp_answer, whep_refuses_a_sendonly_video_section)
{
    char *offer = load("whep-video.sdp");
    char *o1 = replaced(offer, "a=recvonly", "a=sendonly");
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(o1, &p);
    cr_expect_eq(res->r, -EINVAL);
    cr_expect(strstr(res->error, "direction"), "%s", res->error);
    free(res);
    /* A sendrecv offer (some WHEP players) is answered sendonly. */
    char *o2 = replaced(offer, "a=recvonly", "a=sendrecv");
    res = answer(o2, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect(has(&res->parsed, &res->parsed.media[0], "sendonly"));
    free(res);
    free(o2);
    free(o1);
    free(offer);
}

Test(sdp_answer, candidates_have_rfc_8445_priorities_and_tcp_is_passive_and_lower)
{
    char *offer = load("whep-video.sdp");
    struct vg_sdp_answer_params p = whep_params();
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    const struct vg_sdp *a = &res->parsed;
    const struct vg_sdp_media *m = &a->media[0];
    struct vg_sdp_candidate c[4];
    size_t n = 0;
    for (size_t i = m->first_attr; i < m->first_attr + m->n_attrs; i++) {
        if (!vg_span_eq(a->attrs[i].name, "candidate"))
            continue;
        cr_assert_lt(n, 4);
        cr_assert_eq(vg_sdp_candidate_parse(a->attrs[i].value, &c[n]), 0);
        n++;
    }
    cr_assert_eq(n, 4);
    /* (2^24) * 126 + (2^8) * 65535 + (256 - 1) for the first host UDP one. */
    cr_expect_eq(c[0].priority, 2130706431u);
    cr_expect(vg_span_eq(c[0].address, "192.0.2.10"));
    cr_expect_eq(c[0].port, 8189);
    cr_expect_eq(c[0].proto, VG_SDP_CAND_UDP);
    cr_expect_eq(c[0].type, VG_SDP_CAND_HOST);
    cr_expect_eq(c[0].component, 1);
    cr_expect(vg_span_eq(c[1].address, "2001:db8::10"));
    cr_expect_lt(c[1].priority, c[0].priority);
    cr_expect_eq(c[2].proto, VG_SDP_CAND_TCP);
    cr_expect_eq(c[2].tcptype, VG_SDP_TCPTYPE_PASSIVE);
    cr_expect_lt(c[2].priority, c[1].priority, "TCP below every host UDP");
    cr_expect_eq(c[2].priority >> 24, 126);
    cr_expect_eq(c[3].type, VG_SDP_CAND_SRFLX);
    cr_expect_eq(c[3].priority >> 24, 100);
    /* Same type, base and protocol: same foundation; otherwise not. */
    cr_expect(!(c[0].foundation.len == c[2].foundation.len &&
                memcmp(c[0].foundation.base, c[2].foundation.base, c[0].foundation.len) == 0));
    free(res);
    free(offer);
}

/* ---- WHIP ---- */

Test(sdp_answer, whip_offer_from_the_fake_camera_gets_a_recvonly_answer)
{
    char *offer = load("whip-video-audio.sdp");
    struct vg_sdp *o = parse_offer(offer);
    struct vg_sdp_answer_params p = whip_params();
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    const struct vg_sdp *a = &res->parsed;
    check_session(a, "0 1");
    cr_assert_eq(a->n_media, 2);
    /* Chromium put the microphone first: the answer keeps the offer's order. */
    cr_expect(vg_span_eq(a->media[0].type, "audio"));
    cr_expect(vg_span_eq(a->media[1].type, "video"));
    for (size_t i = 0; i < 2; i++) {
        check_accepted_section(a, &a->media[i], "recvonly");
        cr_expect(!has(a, &a->media[i], "ssrc"), "we send nothing");
        cr_expect(!has(a, &a->media[i], "msid"));
    }
    cr_expect_eq(res->neg.audio, 0);
    cr_expect_eq(res->neg.video, 1);
    const struct vg_sdp_answer_media *v = &res->neg.media[1], *au = &res->neg.media[0];
    cr_expect_str_eq(v->mid, "1");
    cr_expect_str_eq(au->mid, "0");
    cr_expect_eq(au->codec, VG_CODEC_OPUS);
    cr_expect_eq(au->pt, 111);
    cr_expect_eq(v->codec, VG_CODEC_H264);
    const struct vg_sdp_format *f = vg_sdp_format(&o->media[1], v->pt);
    cr_assert_not_null(f);
    struct vg_span pm;
    cr_assert_eq(vg_sdp_fmtp_param(f->fmtp, "packetization-mode", &pm), 0);
    cr_expect(vg_span_eq(pm, "1"));
    cr_expect_eq(v->local_ssrc, 0);
    /* The publisher's SSRCs: the video's from its FID group (not its RTX). */
    cr_expect(v->has_remote_ssrc);
    cr_expect_eq(v->remote_ssrc, 1319600070u);
    cr_expect(au->has_remote_ssrc);
    cr_expect_eq(au->remote_ssrc, 3753518852u);
    free(res);
    free(o);
    free(offer);
}

Test(sdp_answer, whip_takes_g711_when_asked_and_refuses_audio_when_told)
{
    char *offer = load("whip-video-audio.sdp");
    struct vg_sdp_answer_params p = whip_params();
    p.audio = VG_CODEC_PCMA;
    struct result *res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.media[0].pt, 8);
    free(res);
    /* Not offered: WHIP falls back to what the browser has, Opus first. */
    char *no_pcma = replaced(offer, " 0 8 13 110 126", " 0 13 110 126");
    char *no_pcma2 = without_lines(no_pcma, "a=rtpmap:8 ");
    res = answer(no_pcma2, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.media[0].pt, 111);
    free(res);
    p.audio = VG_CODEC_NONE;
    res = answer(offer, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect(!res->neg.media[0].accepted);
    cr_expect_str_eq(res->neg.bundle, "1", "the video becomes the BUNDLE tag");
    free(res);
    free(no_pcma2);
    free(no_pcma);
    free(offer);
}

Test(sdp_answer, whip_refuses_a_recvonly_offer)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whip_params();
    struct result *res = answer(offer, &p);
    cr_expect_eq(res->r, -EINVAL);
    free(res);
    free(offer);
}

/* ---- damaged offers ---- */

static void expect_refused(const char *offer, const struct vg_sdp_answer_params *p, int want,
                           const char *reason_part)
{
    struct result *res = answer(offer, p);
    cr_expect_eq(res->r, want, "want %d got %d (%s)", want, res->r, res->error);
    cr_assert_not_null(res->error);
    cr_expect(strstr(res->error, reason_part), "reason \"%s\" lacks \"%s\"", res->error,
              reason_part);
    free(res);
}

Test(sdp_answer, offers_without_what_webrtc_needs_are_refused_with_the_missing_thing_named)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    static const struct {
        const char *drop, *reason;
    } cases[] = {
        {"a=fingerprint:", "a=fingerprint"}, {"a=ice-ufrag:", "a=ice-ufrag"},
        {"a=ice-pwd:", "a=ice-pwd"},         {"a=group:BUNDLE", "a=group:BUNDLE"},
        {"a=rtcp-mux", "a=rtcp-mux"},        {"a=mid:", "a=mid"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *damaged = without_lines(offer, cases[i].drop);
        expect_refused(damaged, &p, -EINVAL, cases[i].reason);
        free(damaged);
    }
    free(offer);
}

Test(sdp_answer, damaged_values_are_refused)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    static const struct {
        const char *from, *to, *reason;
    } cases[] = {
        {"a=ice-ufrag:7ZrC", "a=ice-ufrag:7Z", "a=ice-ufrag"},
        {"a=ice-pwd:YaEfV4/w7W/PWdk8R9aaL9Nj", "a=ice-pwd:short", "a=ice-pwd"},
        {"a=fingerprint:sha-256 31:82", "a=fingerprint:sha-256 31-82", "a=fingerprint"},
        {"a=fingerprint:sha-256", "a=fingerprint:md5", "a=fingerprint"},
        {"a=setup:actpass", "a=setup:holdconn", "a=setup"},
        {"a=group:BUNDLE 0 1", "a=group:BUNDLE", "BUNDLE"},
        {"a=group:BUNDLE 0 1", "a=group:BUNDLE 7", "BUNDLE"},
        {"a=mid:1", "a=mid:0", "same a=mid"},
        {"a=extmap-allow-mixed", "a=ice-lite", "ICE-lite"},
        {"v=0", "v=1", "v=0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *damaged = replaced(offer, cases[i].from, cases[i].to);
        expect_refused(damaged, &p, -EINVAL, cases[i].reason);
        free(damaged);
    }
    free(offer);
}

Test(sdp_answer, garbage_is_refused_with_a_reason)
{
    struct vg_sdp_answer_params p = whep_params();
    expect_refused("", &p, -EINVAL, "empty");
    expect_refused("hello world", &p, -EINVAL, "line");
    expect_refused("v=0\r\ns=-\r\n", &p, -EINVAL, "BUNDLE");
    expect_refused("v=0\r\na=group:BUNDLE 0\r\n", &p, -EINVAL, "BUNDLE group names no");
    static const char nul[] = "v=0\r\na=group:BUNDLE 0\0\r\n";
    struct result *res = calloc(1, sizeof(*res));
    cr_assert_not_null(res);
    cr_expect_eq(vg_sdp_answer(nul, sizeof(nul) - 1, &p, res->text, sizeof(res->text), &res->neg,
                               &res->len, &res->error),
                 -EINVAL);
    cr_expect_not_null(res->error);
    free(res);
}

Test(sdp_answer, an_offer_without_video_is_not_supported)
{
    char *offer = load("whip-video-audio.sdp");
    /* Cut before the video section, and its mid out of the group. */
    char *cut = strstr(offer, "m=video");
    cr_assert_not_null(cut);
    *cut = '\0';
    char *o1 = replaced(offer, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0");
    struct vg_sdp_answer_params p = whip_params();
    expect_refused(o1, &p, -ENOTSUP, "no video");
    /* Audio only is fine when video is not wanted. */
    p.video = VG_CODEC_NONE;
    struct result *res = answer(o1, &p);
    cr_assert_eq(res->r, 0, "%s", res->error);
    cr_expect_eq(res->neg.video, -1);
    cr_expect_eq(res->neg.audio, 0);
    free(res);
    free(o1);
    free(offer);
}

Test(sdp_answer, an_answer_buffer_too_small_is_e2big_and_touches_no_output)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp_answer_params p = whep_params();
    struct result *full = answer(offer, &p);
    cr_assert_eq(full->r, 0, "%s", full->error);
    char *buf = malloc(full->len + 1);
    cr_assert_not_null(buf);
    for (size_t cap = 0; cap <= full->len; cap++) {
        struct vg_sdp_negotiation neg = {.n_media = 77};
        size_t len = 77;
        const char *err = NULL;
        int r = vg_sdp_answer(offer, strlen(offer), &p, buf, cap, &neg, &len, &err);
        cr_assert_eq(r, -E2BIG, "cap %zu", cap);
        cr_assert_not_null(err);
        cr_assert_eq(len, 77);
        cr_assert_eq(neg.n_media, 77);
    }
    struct vg_sdp_negotiation neg;
    size_t len = 0;
    cr_expect_eq(vg_sdp_answer(offer, strlen(offer), &p, buf, full->len + 1, &neg, &len, NULL), 0);
    cr_expect_eq(len, full->len);
    cr_expect_str_eq(buf, full->text);
    free(buf);
    free(full);
    free(offer);
}

Test(sdp_answer, bad_local_parameters_are_refused)
{
    char *offer = load("whep-video.sdp");
    struct vg_sdp_answer_params p = whep_params();
    p.ice_ufrag = "abc";
    expect_refused(offer, &p, -EINVAL, "bad params");
    p = whep_params();
    p.fingerprint = "AB:CD";
    expect_refused(offer, &p, -EINVAL, "fingerprint");
    p = whep_params();
    p.n_candidates = 0;
    expect_refused(offer, &p, -EINVAL, "candidates");
    struct vg_sdp_local_candidate bad = {.ip = "192.0.2.1 typ", .port = 1};
    p.candidates = &bad;
    p.n_candidates = 1;
    expect_refused(offer, &p, -EINVAL, "candidate");
    p = whep_params();
    p.cname = "two words";
    expect_refused(offer, &p, -EINVAL, "cname");
    p = whep_params();
    p.video = VG_CODEC_AAC;
    expect_refused(offer, &p, -EINVAL, "video");
    free(offer);
}

/* ---- trickle ICE ---- */

Test(sdp_answer, trickle_fragment_of_rfc_8840_gives_credentials_and_candidates)
{
    static const char frag[] =
        "a=ice-ufrag:EsAw\r\n"
        "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
        "a=group:BUNDLE 0 1\r\n"
        "m=audio 9 RTP/AVP 0\r\n"
        "a=mid:0\r\n"
        "a=candidate:1 1 UDP 2130706431 198.51.100.1 49170 typ host\r\n"
        "a=candidate:2 1 UDP 1694498815 192.0.2.3 51372 typ srflx raddr 10.0.1.1 rport 8998\r\n"
        "a=candidate:4029596849 1 tcp 1518214911 127.0.0.1 9 typ host tcptype active "
        "generation 0 network-id 3 network-cost 50\r\n"
        "a=end-of-candidates\r\n";
    struct vg_sdp_trickle t;
    const char *err = NULL;
    cr_assert_eq(vg_sdp_trickle_parse(frag, sizeof(frag) - 1, &t, &err), 0, "%s", err);
    cr_expect(vg_span_eq(t.ufrag, "EsAw"));
    cr_expect(vg_span_eq(t.pwd, "P2uYro0UCOQ4zxjKXaWCBui1"));
    cr_assert_eq(t.n_candidates, 3);
    cr_expect(t.end_of_candidates);
    cr_expect(vg_span_eq(t.candidates[0].foundation, "1"));
    cr_expect_eq(t.candidates[0].priority, 2130706431u);
    cr_expect(vg_span_eq(t.candidates[0].address, "198.51.100.1"));
    cr_expect_eq(t.candidates[0].port, 49170);
    cr_expect_eq(t.candidates[1].type, VG_SDP_CAND_SRFLX);
    cr_expect_eq(t.candidates[2].proto, VG_SDP_CAND_TCP);
    cr_expect_eq(t.candidates[2].tcptype, VG_SDP_TCPTYPE_ACTIVE);
}

Test(sdp_answer, chromium_offer_candidates_parse)
{
    char *offer = load("whep-video-audio.sdp");
    struct vg_sdp *o = parse_offer(offer);
    size_t n = 0;
    for (size_t i = 0; i < o->n_attrs; i++) {
        struct vg_sdp_candidate c;
        if (!vg_span_eq(o->attrs[i].name, "candidate"))
            continue;
        cr_expect_eq(vg_sdp_candidate_parse(o->attrs[i].value, &c), 0, "%.*s",
                     (int)o->attrs[i].value.len, o->attrs[i].value.base);
        n++;
    }
    cr_expect_eq(n, 16);
    free(o);
    free(offer);
}

Test(sdp_answer, damaged_trickle_fragments_are_refused)
{
    struct vg_sdp_trickle t = {.n_candidates = 99};
    const char *err = NULL;
    static const char *const bad[] = {
        "a=candidate:1 1 UDP 2130706431 198.51.100.1 49170 typ\r\n",
        "a=candidate:1 1 SCTP 2130706431 198.51.100.1 49170 typ host\r\n",
        "a=candidate:1 1 UDP 2130706431 198.51.100.1 70000 typ host\r\n",
        "a=candidate:1 0 UDP 1 198.51.100.1 1 typ host\r\n",
        "a=candidate:1 1 UDP 1 198.51.100.1 1 typ host tcptype passive\r\n",
        "a=candidate:1 1 UDP 1 198.51.100.1 1 typ host generation\r\n",
        "not a line\r\n",
        "a=ice-ufrag:ab\x01"
        "cd\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        cr_expect_eq(vg_sdp_trickle_parse(bad[i], strlen(bad[i]), &t, &err), -EINVAL, "%s", bad[i]);
        cr_expect_not_null(err);
        cr_expect_eq(t.n_candidates, 99, "untouched on failure");
    }
    char many[64 * 40];
    size_t len = 0;
    for (int i = 0; i < VG_SDP_TRICKLE_MAX_CANDIDATES + 1; i++)
        len += (size_t)snprintf(many + len, sizeof(many) - len,
                                "a=candidate:%d 1 udp 1 192.0.2.1 %d typ host\n", i, 1000 + i);
    cr_expect_eq(vg_sdp_trickle_parse(many, len, &t, &err), -E2BIG);
    cr_expect_eq(vg_sdp_trickle_parse("", 0, &t, &err), 0, "an empty fragment is no error");
    cr_expect_eq(t.n_candidates, 0);
}
