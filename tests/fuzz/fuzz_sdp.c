/* SDP parsing over arbitrary bytes, then everything a client does with a
 * parsed description: attribute and format lookup, fmtp parameters,
 * sprop-parameter-sets and AAC config decoding, depacketizer setup from each
 * format's fmtp. Checked: no crash or hang, every span lies inside the input
 * (the static PCMU/PCMA names aside), counts stay within the limits. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtp_depack.h"
#include "proto/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *text;
static size_t text_len;

static void check_span(struct vg_span s)
{
    if (s.len == 0)
        return;
    if (s.base < text || s.len > text_len || s.base > text + text_len - s.len)
        abort();
}

static void use_fmtp(struct vg_span fmtp)
{
    static const char *const keys[] = {"packetization-mode",
                                       "profile-level-id",
                                       "sizelength",
                                       "sprop-parameter-sets",
                                       "config",
                                       "mode",
                                       ""};
    struct vg_span v;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (vg_sdp_fmtp_param(fmtp, keys[i], &v) == 0)
            check_span(v);
    }
    uint8_t out[512];
    int n = vg_rtp_sprop_annexb(VG_CODEC_H264, fmtp, out, sizeof(out));
    if (n > (int)sizeof(out))
        abort();
    n = vg_rtp_sprop_annexb(VG_CODEC_H265, fmtp, out, sizeof(out));
    if (n > (int)sizeof(out))
        abort();
    n = vg_rtp_aac_config(fmtp, out, 64);
    if (n > 64)
        abort();
    const enum vg_codec codecs[] = {VG_CODEC_H264, VG_CODEC_H265, VG_CODEC_AAC, VG_CODEC_PCMA};
    for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
        struct vg_rtp_depack d;
        if (vg_rtp_depack_init(&d, codecs[i], fmtp) == 0 && d.codec != codecs[i])
            abort();
        vg_rtp_depack_done(&d);
    }
}

static void check(const struct vg_sdp *sdp)
{
    if (sdp->n_media > VG_SDP_MAX_MEDIA || sdp->n_attrs > VG_SDP_MAX_ATTRS ||
        sdp->n_session_attrs > sdp->n_attrs)
        abort();
    check_span(sdp->session_name);
    check_span(sdp->connection);
    for (size_t i = 0; i < sdp->n_attrs; i++) {
        if (sdp->attrs[i].name.len == 0)
            abort();
        check_span(sdp->attrs[i].name);
        check_span(sdp->attrs[i].value);
    }
    struct vg_span v;
    if (vg_sdp_attr(sdp, NULL, "control", &v) == 0)
        check_span(v);
    size_t next_attr = sdp->n_session_attrs;
    for (size_t m = 0; m < sdp->n_media; m++) {
        const struct vg_sdp_media *sm = &sdp->media[m];
        /* Sections' attributes follow each other without gaps. */
        if (sm->first_attr != next_attr || sm->n_attrs > sdp->n_attrs - sm->first_attr ||
            sm->n_formats > VG_SDP_MAX_FORMATS || sm->port > 65535)
            abort();
        next_attr += sm->n_attrs;
        check_span(sm->type);
        check_span(sm->proto);
        check_span(sm->connection);
        if (vg_sdp_attr(sdp, sm, "control", &v) == 0)
            check_span(v);
        for (size_t f = 0; f < sm->n_formats; f++) {
            const struct vg_sdp_format *fmt = &sm->formats[f];
            if (fmt->pt > 127 || vg_sdp_format(sm, fmt->pt) == NULL || fmt->channels == 0)
                abort();
            /* Static payload types 0 and 8 get their name from the parser. */
            bool named = (fmt->pt == 0 && vg_span_eq(fmt->encoding, "PCMU")) ||
                         (fmt->pt == 8 && vg_span_eq(fmt->encoding, "PCMA"));
            if (!named)
                check_span(fmt->encoding);
            check_span(fmt->fmtp);
            use_fmtp(fmt->fmtp);
        }
    }
    if (next_attr != sdp->n_attrs)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 262144)
        return 0;
    /* An exact-size copy, so that reading one byte past the end is caught. */
    char *copy = malloc(size ? size : 1);
    struct vg_sdp *sdp = malloc(sizeof(*sdp));
    if (!copy || !sdp)
        goto out;
    memcpy(copy, data, size);
    text = copy;
    text_len = size;
    const char *err = NULL;
    int r = vg_sdp_parse(copy, size, sdp, &err);
    if (r == 0)
        check(sdp);
    else if ((r != -EINVAL && r != -E2BIG) || !err)
        abort();
    /* The input as an fmtp value too. */
    use_fmtp((struct vg_span){copy, size});
out:
    free(sdp);
    free(copy);
    return 0;
}
