/* AAC in RFC 3640 mpeg4-generic (AAC-hbr / AAC-lbr): a 16-bit
 * AU-headers-length in bits, the AU headers (AU-size, then AU-Index for the
 * first and AU-Index-delta for the others), then the AUs back to back. */
#include <errno.h>
#include <string.h>

#include "media/bits.h"
#include "proto/rtp_depack_impl.h"
#include "proto/sdp.h"

/* Samples per AU, for the timestamps of the second and later AUs. */
#define AAC_FRAME_SAMPLES 1024

/* An optional fmtp length; absent is 0. Returns 0, -EINVAL or -ERANGE. */
static int fmtp_length(struct vg_span fmtp, const char *key, uint32_t max, uint32_t *ret)
{
    struct vg_span v;
    uint32_t n = 0;
    if (vg_sdp_fmtp_param(fmtp, key, &v) == 0 && vg_rtp_depack_uint(v, UINT32_MAX, &n) != 0)
        return -EINVAL;
    if (n > max)
        return -ERANGE;
    *ret = n;
    return 0;
}

int vg_rtp_depack_aac_init(struct vg_rtp_depack *d, struct vg_span fmtp)
{
    /* Fields of the AU header we do not read; their presence changes its layout. */
    static const char *const unsupported[] = {"ctsdeltalength", "dtsdeltalength",
                                              "randomaccessindication", "streamstateindication",
                                              "auxiliarydatasizelength"};
    struct vg_span mode;
    uint32_t size_len, index_len, delta_len, n;
    int r;
    /* CELP modes carry something else; "generic" AAC is laid out the same. */
    if (vg_sdp_fmtp_param(fmtp, "mode", &mode) == 0 && !vg_span_ieq(mode, "AAC-hbr") &&
        !vg_span_ieq(mode, "AAC-lbr") && !vg_span_ieq(mode, "generic"))
        return -ENOTSUP;
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        r = fmtp_length(fmtp, unsupported[i], 0, &n);
        if (r == -ERANGE)
            return -ENOTSUP;
        if (r < 0)
            return r;
    }
    /* Up to 32 bits each, so that the bit reader takes every field in one read. */
    if (fmtp_length(fmtp, "sizelength", 32, &size_len) != 0 || size_len == 0 ||
        fmtp_length(fmtp, "indexlength", 32, &index_len) != 0 ||
        fmtp_length(fmtp, "indexdeltalength", 32, &delta_len) != 0)
        return -EINVAL;
    d->size_length = size_len;
    d->index_length = index_len;
    d->index_delta_length = delta_len;
    return 0;
}

void vg_rtp_depack_aac_loss(struct vg_rtp_depack *d)
{
    if (d->in_unit) {
        d->dropped_units++; /* a fragmented AU lost a piece */
        vg_rtp_depack_clear(d);
    }
}

struct au_headers {
    struct vg_bitreader br;
    size_t bits, pos; /* AU-headers-length, bits read */
    size_t count;     /* headers read */
};

/* Starts reading p's AU headers; *ret_data is where the AUs begin. */
static int headers_begin(const uint8_t *p, size_t len, struct au_headers *h, size_t *ret_data)
{
    if (len < 2)
        return -EINVAL;
    size_t bits = (size_t)(p[0] << 8 | p[1]), bytes = (bits + 7) / 8;
    if (bits == 0 || bytes > len - 2)
        return -EINVAL;
    vg_bitreader_init(&h->br, p + 2, bytes);
    h->bits = bits;
    h->pos = 0;
    h->count = 0;
    *ret_data = 2 + bytes;
    return 0;
}

/* The next AU's size: 1 with *ret_size, 0 after the last, or -EINVAL. */
static int headers_next(const struct vg_rtp_depack *d, struct au_headers *h, size_t *ret_size)
{
    if (h->pos == h->bits)
        return 0;
    size_t index_len = h->count == 0 ? d->index_length : d->index_delta_length;
    size_t header = d->size_length + index_len;
    if (h->bits - h->pos < header)
        return -EINVAL;
    uint32_t size = vg_bitreader_u(&h->br, d->size_length);
    /* Non-zero indices mean interleaving, which needs reordering we do not do. */
    uint32_t index = vg_bitreader_u(&h->br, (unsigned)index_len);
    if (h->br.overrun || size == 0 || index != 0)
        return -EINVAL;
    h->pos += header;
    h->count++;
    *ret_size = size;
    return 1;
}

/* A piece of an AU too large for one packet; size is the whole AU's. */
static int fragment(struct vg_rtp_depack *d, const struct vg_rtp_packet *p, size_t size,
                    const uint8_t *data, size_t n, vg_rtp_unit_fn *emit, void *arg)
{
    int r;
    if (!d->in_unit && p->marker)
        return -EINVAL; /* the last piece of an AU whose start we missed */
    if (d->in_unit && (size <= d->len || n > size - d->len))
        return -EINVAL;
    if (size > VG_RTP_UNIT_MAX)
        return -E2BIG;
    r = vg_rtp_depack_reserve(d, n);
    if (r < 0)
        return r;
    if (n > 0)
        memcpy(d->buf + d->len, data, n);
    d->len += n;
    d->in_unit = true;
    d->ts = p->ts;
    if (d->len < size)
        return p->marker ? -EINVAL : 0;
    r = emit(arg, d->buf, d->len, d->ts);
    vg_rtp_depack_clear(d);
    return r;
}

static int push(struct vg_rtp_depack *d, const struct vg_rtp_packet *p, vg_rtp_unit_fn *emit,
                void *arg)
{
    struct au_headers h;
    size_t data, size, first = 0;
    uint64_t total = 0;
    int r = headers_begin(p->payload, p->payload_len, &h, &data);
    if (r < 0)
        return r;
    /* Check every header before emitting anything, so a damaged packet
     * yields no AU at all. */
    for (;;) {
        r = headers_next(d, &h, &size);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        if (h.count == 1)
            first = size;
        total += size;
    }
    size_t n = p->payload_len - data;
    if (d->in_unit || (h.count == 1 && first > n)) {
        if (h.count != 1)
            return -EINVAL;
        return fragment(d, p, first, p->payload + data, n, emit, arg);
    }
    if (total != n)
        return -EINVAL;
    r = headers_begin(p->payload, p->payload_len, &h, &data);
    while (r == 0 && headers_next(d, &h, &size) == 1) {
        r = emit(arg, p->payload + data, size, p->ts + (uint32_t)(h.count - 1) * AAC_FRAME_SAMPLES);
        data += size;
    }
    return r;
}

int vg_rtp_depack_aac_push(struct vg_rtp_depack *d, const struct vg_rtp_packet *p,
                           vg_rtp_unit_fn *emit, void *arg)
{
    if (d->in_unit && p->ts != d->ts) {
        d->dropped_units++; /* a fragmented AU that never ended */
        vg_rtp_depack_clear(d);
    }
    int r = push(d, p, emit, arg);
    if (r < 0 && d->in_unit) {
        d->dropped_units++;
        vg_rtp_depack_clear(d);
    }
    return r;
}
