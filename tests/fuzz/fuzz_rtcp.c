/* RTCP compound parsing over arbitrary bytes, then rebuilding. Every
 * accepted packet is checked (lists inside the input, counts within their
 * caps), and what the builders can write is written from what was parsed
 * and parsed back: the same SR, the same first report block, the same PLI
 * and FIR entries, and a NACK rebuilt from the lost sequence numbers that
 * reports the same set of numbers. Anything else abort()s.
 *
 * Seeds (corpus/rtcp/): a Chromium-like RR + REMB + NACK + PLI compound, an
 * SR with a report block + SDES + BYE, a FIR, a padded packet. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    const uint8_t *buf;
    size_t len;
    uint16_t lost[17 * 1024], again[17 * 1024];
    uint8_t seen[65536 / 8], seen_again[65536 / 8];
    uint8_t out[12 + 4 * 17 * 1024]; /* a NACK of one entry per lost number */
};

/* Field by field: the structs have padding. */
static bool same_block(const struct vg_rtcp_report_block *a, const struct vg_rtcp_report_block *b)
{
    return a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
           a->cumulative_lost == b->cumulative_lost && a->highest_seq == b->highest_seq &&
           a->jitter == b->jitter && a->lsr == b->lsr && a->dlsr == b->dlsr;
}

static bool same_sender_info(const struct vg_rtcp_sender_info *a,
                             const struct vg_rtcp_sender_info *b)
{
    return a->ntp == b->ntp && a->rtp_ts == b->rtp_ts && a->packets == b->packets &&
           a->octets == b->octets;
}

/* The one packet in buf, which must parse. */
static void parse_one(const uint8_t *buf, size_t len, struct vg_rtcp_packet *ret)
{
    size_t cur = 0;
    if (vg_rtcp_next(buf, len, &cur, ret) != 1 || cur != len)
        abort();
}

static void mark(uint8_t *set, const uint16_t *seqs, size_t n)
{
    memset(set, 0, 65536 / 8);
    for (size_t i = 0; i < n; i++)
        set[seqs[i] >> 3] |= (uint8_t)(1u << (seqs[i] & 7));
}

static void check_nack(struct ctx *c, const struct vg_rtcp_packet *p)
{
    struct vg_rtcp_packet q;
    size_t len;
    size_t n = vg_rtcp_nack_lost(p, c->lost, sizeof(c->lost) / sizeof(c->lost[0]));
    if (n < p->n_items || n > 17 * p->n_items)
        abort();
    if (n > sizeof(c->lost) / sizeof(c->lost[0]))
        return; /* too many to rebuild here; counted right is enough */
    /* One entry per lost number at most: fits in cap. */
    if (vg_rtcp_build_nack(p->ssrc, p->media_ssrc, c->lost, n, c->out, sizeof(c->out), &len) != 0)
        abort();
    parse_one(c->out, len, &q);
    if (q.kind != VG_RTCP_KIND_NACK || q.ssrc != p->ssrc || q.media_ssrc != p->media_ssrc ||
        q.n_items > p->n_items)
        abort();
    size_t m = vg_rtcp_nack_lost(&q, c->again, sizeof(c->again) / sizeof(c->again[0]));
    mark(c->seen, c->lost, n);
    mark(c->seen_again, c->again, m);
    if (memcmp(c->seen, c->seen_again, sizeof(c->seen)) != 0)
        abort();
}

static int on_packet(void *arg, const struct vg_rtcp_packet *p)
{
    struct ctx *c = arg;
    struct vg_rtcp_packet q;
    size_t len;
    uint8_t *o = c->out;
    if (p->n_blocks > VG_RTCP_BLOCKS_MAX)
        abort();
    if (p->n_items > 0 && (p->items < c->buf || p->items > c->buf + c->len))
        abort();
    switch (p->kind) {
    case VG_RTCP_KIND_SR:
        if (vg_rtcp_build_sr(p->ssrc, &p->sr, o, sizeof(c->out), &len) != 0)
            abort();
        parse_one(o, len, &q);
        if (q.kind != VG_RTCP_KIND_SR || q.ssrc != p->ssrc || !same_sender_info(&q.sr, &p->sr))
            abort();
        break;
    case VG_RTCP_KIND_RR:
        if (vg_rtcp_build_rr(p->ssrc, p->n_blocks ? &p->blocks[0] : NULL, o, sizeof(c->out),
                             &len) != 0)
            abort();
        parse_one(o, len, &q);
        if (q.kind != VG_RTCP_KIND_RR || q.ssrc != p->ssrc || q.n_blocks != (p->n_blocks > 0) ||
            (q.n_blocks && !same_block(&q.blocks[0], &p->blocks[0])))
            abort();
        break;
    case VG_RTCP_KIND_PLI:
        if (vg_rtcp_build_pli(p->ssrc, p->media_ssrc, o, sizeof(c->out), &len) != 0)
            abort();
        parse_one(o, len, &q);
        if (q.kind != VG_RTCP_KIND_PLI || q.ssrc != p->ssrc || q.media_ssrc != p->media_ssrc)
            abort();
        break;
    case VG_RTCP_KIND_FIR:
        for (size_t i = 0; i < p->n_items; i++) {
            uint32_t ssrc, ssrc2;
            uint8_t seq, seq2;
            vg_rtcp_fir_at(p, i, &ssrc, &seq);
            if (vg_rtcp_build_fir(p->ssrc, ssrc, seq, o, sizeof(c->out), &len) != 0)
                abort();
            parse_one(o, len, &q);
            vg_rtcp_fir_at(&q, 0, &ssrc2, &seq2);
            if (q.kind != VG_RTCP_KIND_FIR || q.n_items != 1 || ssrc2 != ssrc || seq2 != seq)
                abort();
        }
        break;
    case VG_RTCP_KIND_NACK:
        check_nack(c, p);
        break;
    case VG_RTCP_KIND_BYE:
    case VG_RTCP_KIND_REMB: {
        uint32_t sum = 0;
        for (size_t i = 0; i < p->n_items; i++)
            sum += vg_rtcp_ssrc_at(p, i); /* read every SSRC under the sanitizers */
        (void)sum;
        break;
    }
    default:
        break;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ctx c;
    if (size > VG_RTCP_COMPOUND_MAX)
        return 0;
    /* An exact-size copy, so that reading past the input is caught. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    c.buf = buf;
    c.len = size;
    int n = vg_rtcp_parse(buf, size, false, on_packet, &c);
    if (n < 0 && n != -EINVAL)
        abort();
    /* Strict accepts a subset of what lenient does, with the same count. */
    int strict = vg_rtcp_parse(buf, size, true, NULL, NULL);
    if (strict >= 0 && strict != n)
        abort();
    /* The walk alone always moves on and stops at the end. */
    size_t cur = 0, walked = 0;
    struct vg_rtcp_packet p;
    for (;;) {
        size_t before = cur;
        int r = vg_rtcp_next(buf, size, &cur, &p);
        if (r <= 0) {
            if (cur != before || (r == 0 && cur != size))
                abort();
            break;
        }
        if (cur <= before || cur > size)
            abort();
        walked++;
    }
    if (n >= 0 && walked != (size_t)n)
        abort();
    free(buf);
    return 0;
}
