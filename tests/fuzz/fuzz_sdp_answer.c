/* The WebRTC answer over arbitrary offers, as a viewer (H.264 + PCMA, and
 * H.265 + Opus) and as a publisher, with the longest local parameters the API
 * takes. Checked: no crash or hang; a refusal comes with a reason and one of
 * the documented errors; VG_SDP_ANSWER_CAP is always enough; a successful
 * answer parses, carries a candidate line we can read back for each local
 * candidate, and its description agrees with it. The input is also tried as
 * a trickle ICE fragment. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sdp.h"
#include "webrtc/sdp_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define UFRAG_256 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"
#define CNAME_64 "cname-0123456789-0123456789-0123456789-0123456789-0123456789-012"

/* The first is the usual one; the rest the longest a candidate line gets. */
static void fill_candidates(struct vg_sdp_local_candidate *c)
{
    for (size_t i = 0; i < VG_SDP_ANSWER_MAX_CANDIDATES; i++) {
        c[i] = (struct vg_sdp_local_candidate){
            .ip = i == 0 ? "192.0.2.1" : "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
            .port = i == 0 ? 8189 : 65535,
            .proto = i == 0 ? VG_SDP_CAND_UDP : VG_SDP_CAND_TCP,
            .type = i == 0 ? VG_SDP_CAND_HOST : VG_SDP_CAND_SRFLX,
        };
    }
}

static void check_answer(const char *text, size_t len, const struct vg_sdp_negotiation *neg,
                         const struct vg_sdp_answer_params *p)
{
    struct vg_sdp *a = malloc(sizeof(*a));
    if (!a)
        return;
    if (strlen(text) != len || vg_sdp_parse(text, len, a, NULL) != 0)
        abort();
    if (a->n_media != neg->n_media || (neg->video < 0 && neg->audio < 0))
        abort();
    size_t accepted = 0;
    for (size_t i = 0; i < a->n_media; i++) {
        const struct vg_sdp_media *m = &a->media[i];
        const struct vg_sdp_answer_media *nm = &neg->media[i];
        struct vg_span v;
        if (vg_sdp_attr(a, m, "mid", &v) != 0 || !vg_span_eq(v, nm->mid))
            abort();
        if (!nm->accepted) {
            if (m->port != 0)
                abort();
            continue;
        }
        accepted++;
        if (m->port != 9 || m->n_formats != 1 || m->formats[0].pt != nm->pt)
            abort();
        size_t n_cand = 0;
        for (size_t k = m->first_attr; k < m->first_attr + m->n_attrs; k++) {
            struct vg_sdp_candidate c;
            if (!vg_span_eq(a->attrs[k].name, "candidate"))
                continue;
            if (vg_sdp_candidate_parse(a->attrs[k].value, &c) != 0)
                abort();
            n_cand++;
        }
        if (n_cand != p->n_candidates)
            abort();
    }
    if (accepted == 0 || (neg->video >= 0 && !neg->media[neg->video].accepted) ||
        (neg->audio >= 0 && !neg->media[neg->audio].accepted))
        abort();
    free(a);
}

static void try_answer(const char *offer, size_t size, const struct vg_sdp_answer_params *p,
                       char *out)
{
    struct vg_sdp_negotiation neg;
    size_t len = 0;
    const char *err = NULL;
    int r = vg_sdp_answer(offer, size, p, out, VG_SDP_ANSWER_CAP, &neg, &len, &err);
    if (r == 0) {
        check_answer(out, len, &neg, p);
        /* One byte short of the answer must be -E2BIG, never a cut answer. */
        if (vg_sdp_answer(offer, size, p, out, len, &neg, &len, &err) != -E2BIG)
            abort();
        return;
    }
    if (!err || (r != -EINVAL && r != -ENOTSUP && r != -ENOMEM))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > VG_SDP_ANSWER_MAX_OFFER + 16)
        return 0;
    /* An exact-size copy, so that reading one byte past the end is caught. */
    char *copy = malloc(size ? size : 1);
    char *out = malloc(VG_SDP_ANSWER_CAP);
    struct vg_sdp_trickle *t = malloc(sizeof(*t));
    if (!copy || !out || !t)
        goto out;
    memcpy(copy, data, size);

    struct vg_sdp_local_candidate cands[VG_SDP_ANSWER_MAX_CANDIDATES];
    fill_candidates(cands);
    struct vg_sdp_answer_params p = {
        .dir = VG_SDP_ANSWER_WHEP,
        .video = VG_CODEC_H264,
        .audio = VG_CODEC_PCMA,
        .h264_profile = {0x4d, 0x00, 0x1f},
        .ice_ufrag = UFRAG_256 UFRAG_256 UFRAG_256 UFRAG_256,
        .ice_pwd = UFRAG_256 UFRAG_256 UFRAG_256 UFRAG_256,
        .fingerprint = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                       "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
        .candidates = cands,
        .n_candidates = VG_SDP_ANSWER_MAX_CANDIDATES,
        .video_ssrc = UINT32_MAX,
        .audio_ssrc = UINT32_MAX - 1,
        .cname = CNAME_64,
        .session_id = UINT64_MAX,
    };
    try_answer(copy, size, &p, out);
    p.video = VG_CODEC_H265;
    p.audio = VG_CODEC_OPUS;
    try_answer(copy, size, &p, out);
    p.dir = VG_SDP_ANSWER_WHIP;
    p.video = VG_CODEC_H264;
    p.n_candidates = 1;
    try_answer(copy, size, &p, out);
    p.video = VG_CODEC_NONE;
    try_answer(copy, size, &p, out);

    const char *err = NULL;
    int r = vg_sdp_trickle_parse(copy, size, t, &err);
    if (r == 0) {
        if (t->n_candidates > VG_SDP_TRICKLE_MAX_CANDIDATES)
            abort();
    } else if ((r != -EINVAL && r != -E2BIG) || !err) {
        abort();
    }
out:
    free(t);
    free(out);
    free(copy);
    return 0;
}
