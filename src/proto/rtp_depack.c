#include "proto/rtp_depack.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "proto/rtp_depack_impl.h"
#include "proto/sdp.h"

/* Packets this far behind the last one are late or duplicated (RFC 3550
 * A.1's MAX_MISORDER); further back, the sender has restarted its sequence. */
#define MAX_MISORDER 100

/* First allocation of the unit buffer: a typical camera P frame fits. */
#define BUF_INITIAL (64u << 10)

int vg_rtp_depack_uint(struct vg_span s, uint32_t max, uint32_t *ret)
{
    uint32_t v = 0;
    if (s.len == 0)
        return -EINVAL;
    for (size_t i = 0; i < s.len; i++) {
        if (s.base[i] < '0' || s.base[i] > '9')
            return -EINVAL;
        uint32_t digit = (uint32_t)(s.base[i] - '0');
        if (v > (max - digit) / 10)
            return -EINVAL;
        v = v * 10 + digit;
    }
    *ret = v;
    return 0;
}

int vg_rtp_depack_reserve(struct vg_rtp_depack *d, size_t n)
{
    if (n > VG_RTP_UNIT_MAX - d->len)
        return -E2BIG;
    size_t need = d->len + n;
    if (need <= d->cap)
        return 0;
    size_t cap = d->cap ? d->cap : BUF_INITIAL;
    while (cap < need)
        cap *= 2;
    if (cap > VG_RTP_UNIT_MAX)
        cap = VG_RTP_UNIT_MAX;
    uint8_t *buf = realloc(d->buf, cap);
    if (!buf)
        return -ENOMEM;
    d->buf = buf;
    d->cap = cap;
    return 0;
}

void vg_rtp_depack_clear(struct vg_rtp_depack *d)
{
    d->len = 0;
    d->in_unit = false;
    d->in_fu = false;
    d->key = false;
    d->picture = false;
    d->skip = false;
}

static int init_h264(struct vg_span fmtp)
{
    struct vg_span v;
    uint32_t mode;
    if (vg_sdp_fmtp_param(fmtp, "packetization-mode", &v) != 0)
        return 0; /* mode 0: single NAL units */
    if (vg_rtp_depack_uint(v, 255, &mode) != 0)
        return -EINVAL;
    /* Mode 2 interleaves (STAP-B, MTAPs, FU-B, DON): cameras do not send it. */
    return mode <= 1 ? 0 : -ENOTSUP;
}

static int init_h265(struct vg_span fmtp)
{
    struct vg_span v;
    uint32_t don_diff;
    if (vg_sdp_fmtp_param(fmtp, "sprop-max-don-diff", &v) != 0)
        return 0;
    if (vg_rtp_depack_uint(v, 32767, &don_diff) != 0)
        return -EINVAL;
    /* Non-zero means DONL fields in every AP and FU, and reordering. */
    return don_diff == 0 ? 0 : -ENOTSUP;
}

int vg_rtp_depack_init(struct vg_rtp_depack *d, enum vg_codec codec, struct vg_span fmtp)
{
    int r;
    memset(d, 0, sizeof(*d));
    switch (codec) {
    case VG_CODEC_H264:
        r = init_h264(fmtp);
        break;
    case VG_CODEC_H265:
        r = init_h265(fmtp);
        break;
    case VG_CODEC_AAC:
        r = vg_rtp_depack_aac_init(d, fmtp);
        break;
    case VG_CODEC_PCMA:
    case VG_CODEC_PCMU:
    case VG_CODEC_OPUS:
        r = 0;
        break;
    default:
        r = -ENOTSUP;
        break;
    }
    if (r < 0) {
        memset(d, 0, sizeof(*d));
        return r;
    }
    d->codec = codec;
    return 0;
}

void vg_rtp_depack_done(struct vg_rtp_depack *d)
{
    if (!d)
        return;
    free(d->buf);
    memset(d, 0, sizeof(*d));
}

/* G.711 and Opus: a packet's payload is one frame. */
static int push_whole(const struct vg_rtp_packet *p, vg_rtp_unit_fn *emit, void *arg)
{
    return emit(arg, p->payload, p->payload_len, p->ts);
}

int vg_rtp_depack_push(struct vg_rtp_depack *d, const struct vg_rtp_packet *p, vg_rtp_unit_fn *emit,
                       void *arg)
{
    if (d->have_seq && p->seq != (uint16_t)(d->last_seq + 1)) {
        uint16_t behind = (uint16_t)(d->last_seq - p->seq);
        if (behind < MAX_MISORDER)
            return 0;
        /* A restart (far behind) loses an unknown number; count only gaps. */
        if (vg_rtp_seq_after(p->seq, d->last_seq))
            d->lost_packets += (uint16_t)(p->seq - d->last_seq - 1);
        if (d->codec == VG_CODEC_H264 || d->codec == VG_CODEC_H265)
            vg_rtp_depack_h26x_loss(d, p);
        else if (d->codec == VG_CODEC_AAC)
            vg_rtp_depack_aac_loss(d);
    }
    d->have_seq = true;
    d->last_seq = p->seq;
    /* Padding alone (a sender probing bandwidth) takes a sequence number
     * but carries nothing: no loss, no unit. */
    if (p->payload_len == 0)
        return 0;
    switch (d->codec) {
    case VG_CODEC_H264:
    case VG_CODEC_H265:
        return vg_rtp_depack_h26x_push(d, p, emit, arg);
    case VG_CODEC_AAC:
        return vg_rtp_depack_aac_push(d, p, emit, arg);
    case VG_CODEC_PCMA:
    case VG_CODEC_PCMU:
    case VG_CODEC_OPUS:
        return push_whole(p, emit, arg);
    default:
        return -EINVAL;
    }
}

/* One base64 parameter set, written after a 4-byte start code at out. */
static int sprop_one(struct vg_span b64, uint8_t *out, size_t cap, size_t *ret_len)
{
    size_t data = b64.len;
    while (data > 0 && b64.base[data - 1] == '=')
        data--;
    if (data == 0 || data % 4 == 1)
        return -EINVAL;
    size_t need = data / 4 * 3 + (data % 4 ? data % 4 - 1 : 0);
    if (cap < 4 || cap - 4 < need)
        return -E2BIG;
    /* Some cameras leave out the '=' padding: without it the length is not a
     * multiple of 4, and the no-padding variant must be asked for. */
    int variant = b64.len % 4 == 0 ? sodium_base64_VARIANT_ORIGINAL
                                   : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_base642bin(out + 4, need, b64.base, b64.len, NULL, &bin_len, &end, variant) != 0 ||
        end != b64.base + b64.len || bin_len != need)
        return -EINVAL;
    memcpy(out, "\0\0\0\1", 4);
    *ret_len = 4 + need;
    return 0;
}

/* A comma-separated list of parameter sets, appended at out + *pos. */
static int sprop_list(struct vg_span fmtp, const char *key, uint8_t *out, size_t cap, size_t *pos)
{
    struct vg_span rest;
    if (vg_sdp_fmtp_param(fmtp, key, &rest) != 0)
        return 0;
    while (rest.len > 0) {
        const char *comma = memchr(rest.base, ',', rest.len);
        size_t n = comma ? (size_t)(comma - rest.base) : rest.len;
        struct vg_span item = {rest.base, n};
        rest.base += comma ? n + 1 : n;
        rest.len -= comma ? n + 1 : n;
        if (n == 0)
            continue;
        size_t written;
        int r = sprop_one(item, out + *pos, cap - *pos, &written);
        if (r < 0)
            return r;
        *pos += written;
    }
    return 0;
}

int vg_rtp_sprop_annexb(enum vg_codec codec, struct vg_span fmtp, uint8_t *out, size_t cap)
{
    static const char *const h264[] = {"sprop-parameter-sets"};
    static const char *const h265[] = {"sprop-vps", "sprop-sps", "sprop-pps"};
    const char *const *keys;
    size_t n_keys, pos = 0;
    if (codec == VG_CODEC_H264) {
        keys = h264;
        n_keys = 1;
    } else if (codec == VG_CODEC_H265) {
        keys = h265;
        n_keys = 3;
    } else {
        return 0;
    }
    if (cap > INT_MAX)
        cap = INT_MAX; /* the length is returned as an int */
    for (size_t i = 0; i < n_keys; i++) {
        int r = sprop_list(fmtp, keys[i], out, cap, &pos);
        if (r < 0)
            return r;
    }
    return (int)pos;
}

int vg_rtp_aac_config(struct vg_span fmtp, uint8_t *out, size_t cap)
{
    struct vg_span hex;
    if (vg_sdp_fmtp_param(fmtp, "config", &hex) != 0)
        return -ENOENT;
    if (hex.len == 0 || hex.len % 2 != 0)
        return -EINVAL;
    size_t n = hex.len / 2;
    if (n > cap || n > INT_MAX)
        return -E2BIG;
    for (size_t i = 0; i < hex.len; i++) {
        if (vg_hex_digit(hex.base[i]) < 0)
            return -EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(vg_hex_digit(hex.base[2 * i]) << 4 | vg_hex_digit(hex.base[2 * i + 1]));
    return (int)n;
}
