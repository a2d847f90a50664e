#include "proto/rtcp.h"

#include <errno.h>
#include <string.h>

#include "core/bytes.h"

#define HEADER_LEN 4
#define BLOCK_LEN 24
#define SENDER_INFO_LEN 20
#define FB_HEADER_LEN 8 /* sender and media source SSRCs after the common header */
#define NACK_ITEM_LEN 4
#define FIR_ITEM_LEN 8

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define NTP_UNIX_OFFSET 2208988800LL

static void decode_block(const uint8_t *b, struct vg_rtcp_report_block *rb)
{
    uint32_t lost = (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
    rb->ssrc = vg_be32(b);
    rb->fraction_lost = b[4];
    /* Sign-extend 24 bits without relying on how a shift treats the sign. */
    rb->cumulative_lost = (int32_t)(lost ^ 0x800000u) - 0x800000;
    rb->highest_seq = vg_be32(b + 8);
    rb->jitter = vg_be32(b + 12);
    rb->lsr = vg_be32(b + 16);
    rb->dlsr = vg_be32(b + 20);
}

/* Report blocks at b, as many as p->count says; len is what is left. */
static int decode_blocks(struct vg_rtcp_packet *p, const uint8_t *b, size_t len)
{
    if (len / BLOCK_LEN < p->count)
        return -EINVAL;
    for (size_t i = 0; i < p->count; i++)
        decode_block(b + i * BLOCK_LEN, &p->blocks[i]);
    p->n_blocks = p->count;
    return 0;
}

static int decode_sr(struct vg_rtcp_packet *p, const uint8_t *b, size_t len)
{
    if (len < 4 + SENDER_INFO_LEN)
        return -EINVAL;
    p->kind = VG_RTCP_KIND_SR;
    p->ssrc = vg_be32(b);
    p->sr.ntp = (uint64_t)vg_be32(b + 4) << 32 | vg_be32(b + 8);
    p->sr.rtp_ts = vg_be32(b + 12);
    p->sr.packets = vg_be32(b + 16);
    p->sr.octets = vg_be32(b + 20);
    /* Profile-specific extensions may follow the blocks: ignored. */
    return decode_blocks(p, b + 4 + SENDER_INFO_LEN, len - 4 - SENDER_INFO_LEN);
}

static int decode_rr(struct vg_rtcp_packet *p, const uint8_t *b, size_t len)
{
    if (len < 4)
        return -EINVAL;
    p->kind = VG_RTCP_KIND_RR;
    p->ssrc = vg_be32(b);
    return decode_blocks(p, b + 4, len - 4);
}

static int decode_bye(struct vg_rtcp_packet *p, const uint8_t *b, size_t len)
{
    /* A reason may follow the SSRCs: not needed. */
    if (len / 4 < p->count)
        return -EINVAL;
    p->kind = VG_RTCP_KIND_BYE;
    p->items = b;
    p->n_items = p->count;
    return 0;
}

/* Feedback messages (RFC 4585 6.1): sender SSRC, media source SSRC, FCI. */
static int decode_fb_header(struct vg_rtcp_packet *p, const uint8_t *b, size_t len)
{
    if (len < FB_HEADER_LEN)
        return -EINVAL;
    p->ssrc = vg_be32(b);
    p->media_ssrc = vg_be32(b + 4);
    return 0;
}

/* FCI of whole entries of item_len bytes, one at least. */
static int fci_items(struct vg_rtcp_packet *p, const uint8_t *fci, size_t len, size_t item_len)
{
    if (len == 0 || len % item_len != 0)
        return -EINVAL;
    p->items = fci;
    p->n_items = len / item_len;
    return 0;
}

static int decode_rtpfb(struct vg_rtcp_packet *p, const uint8_t *b, size_t len)
{
    if (p->count != 1)
        return 0; /* TMMBR, transport-cc...: not ours to decode */
    int r = decode_fb_header(p, b, len);
    if (r < 0)
        return r;
    p->kind = VG_RTCP_KIND_NACK;
    return fci_items(p, b + FB_HEADER_LEN, len - FB_HEADER_LEN, NACK_ITEM_LEN);
}

/* REMB: "REMB", number of SSRCs, 6-bit exponent and 18-bit mantissa, the
 * SSRCs. Anything else in an application layer FB message stays OTHER. */
static int decode_afb(struct vg_rtcp_packet *p, const uint8_t *fci, size_t len)
{
    if (len < 4 || memcmp(fci, "REMB", 4) != 0)
        return 0;
    if (len < 8 || (len - 8) / 4 < fci[4])
        return -EINVAL;
    unsigned exp = fci[5] >> 2;
    uint64_t mantissa = (uint64_t)(fci[5] & 3) << 16 | (uint64_t)fci[6] << 8 | fci[7];
    /* 18 + 63 bits do not fit: saturate rather than wrap to a low rate. */
    if (exp > 46 && (mantissa >> (64 - exp)) != 0)
        p->remb_bps = UINT64_MAX;
    else
        p->remb_bps = mantissa << exp;
    p->kind = VG_RTCP_KIND_REMB;
    p->items = fci + 8;
    p->n_items = fci[4];
    return 0;
}

static int decode_psfb(struct vg_rtcp_packet *p, const uint8_t *b, size_t len)
{
    if (p->count != 1 && p->count != 4 && p->count != 15)
        return 0; /* SLI, RPSI, TSTR...: not ours to decode */
    int r = decode_fb_header(p, b, len);
    if (r < 0)
        return r;
    const uint8_t *fci = b + FB_HEADER_LEN;
    size_t fci_len = len - FB_HEADER_LEN;
    switch (p->count) {
    case 1:
        p->kind = VG_RTCP_KIND_PLI; /* no FCI; anything there is ignored */
        return 0;
    case 4:
        p->kind = VG_RTCP_KIND_FIR;
        return fci_items(p, fci, fci_len, FIR_ITEM_LEN);
    default:
        return decode_afb(p, fci, fci_len);
    }
}

/* On error p may be half filled: the caller drops it. */
static int decode(struct vg_rtcp_packet *p, const uint8_t *body, size_t len)
{
    switch (p->pt) {
    case VG_RTCP_SR:
        return decode_sr(p, body, len);
    case VG_RTCP_RR:
        return decode_rr(p, body, len);
    case VG_RTCP_SDES:
        p->kind = VG_RTCP_KIND_SDES;
        return 0;
    case VG_RTCP_BYE:
        return decode_bye(p, body, len);
    case VG_RTCP_RTPFB:
        return decode_rtpfb(p, body, len);
    case VG_RTCP_PSFB:
        return decode_psfb(p, body, len);
    default:
        return 0;
    }
}

int vg_rtcp_next(const uint8_t *buf, size_t len, size_t *cursor, struct vg_rtcp_packet *ret)
{
    size_t pos = *cursor;
    if (pos >= len)
        return 0;
    const uint8_t *h = buf + pos;
    if (len - pos < HEADER_LEN || h[0] >> 6 != 2)
        return -EINVAL;
    /* The length counts 32-bit words after the first: never 0 bytes. */
    size_t packet_len = 4 * ((size_t)vg_be16(h + 2) + 1);
    if (packet_len > len - pos)
        return -EINVAL;
    size_t body_len = packet_len - HEADER_LEN;
    if (h[0] & 0x20) {
        /* The count includes itself, and padding sits after the header. */
        size_t pad = h[packet_len - 1];
        if (pad == 0 || pad > body_len)
            return -EINVAL;
        body_len -= pad;
    }
    struct vg_rtcp_packet p = {.pt = h[1], .count = h[0] & 0x1f};
    int r = decode(&p, h + HEADER_LEN, body_len);
    if (r < 0)
        return r;
    *cursor = pos + packet_len;
    *ret = p;
    return 1;
}

int vg_rtcp_parse(const uint8_t *buf, size_t len, bool strict, vg_rtcp_fn *fn, void *arg)
{
    struct vg_rtcp_packet p;
    size_t cur = 0;
    int n = 0, r;
    if (len == 0)
        return -EINVAL;
    if (len > VG_RTCP_COMPOUND_MAX)
        return -E2BIG;
    /* Everything is checked before fn sees anything. */
    for (;;) {
        size_t at = cur;
        r = vg_rtcp_next(buf, len, &cur, &p);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        if (strict && at == 0 && p.pt != VG_RTCP_SR && p.pt != VG_RTCP_RR)
            return -EINVAL;
        if (strict && (buf[at] & 0x20) && cur != len)
            return -EINVAL;
        n++;
    }
    if (!fn)
        return n;
    cur = 0;
    while (vg_rtcp_next(buf, len, &cur, &p) == 1) {
        r = fn(arg, &p);
        if (r < 0)
            return r;
    }
    return n;
}

uint32_t vg_rtcp_ssrc_at(const struct vg_rtcp_packet *p, size_t i)
{
    return vg_be32(p->items + 4 * i);
}

void vg_rtcp_fir_at(const struct vg_rtcp_packet *p, size_t i, uint32_t *ret_ssrc, uint8_t *ret_seq)
{
    const uint8_t *e = p->items + FIR_ITEM_LEN * i;
    *ret_ssrc = vg_be32(e);
    *ret_seq = e[4];
}

size_t vg_rtcp_nack_lost(const struct vg_rtcp_packet *p, uint16_t *out, size_t cap)
{
    size_t n = 0;
    if (p->kind != VG_RTCP_KIND_NACK)
        return 0;
    for (size_t i = 0; i < p->n_items; i++) {
        const uint8_t *e = p->items + NACK_ITEM_LEN * i;
        uint16_t pid = vg_be16(e), blp = vg_be16(e + 2);
        if (n < cap)
            out[n] = pid;
        n++;
        for (unsigned bit = 0; bit < 16; bit++) {
            if (!(blp & (1u << bit)))
                continue;
            if (n < cap)
                out[n] = (uint16_t)(pid + bit + 1);
            n++;
        }
    }
    return n;
}

/* Common header: version 2, no padding; len_bytes is a multiple of 4. */
static void put_header(uint8_t *out, unsigned count, uint8_t pt, size_t len_bytes)
{
    out[0] = (uint8_t)(0x80 | count);
    out[1] = pt;
    vg_put16(out + 2, (uint16_t)(len_bytes / 4 - 1));
}

int vg_rtcp_build_sr(uint32_t ssrc, const struct vg_rtcp_sender_info *si, uint8_t *out, size_t cap,
                     size_t *ret_len)
{
    if (cap < VG_RTCP_SR_LEN)
        return -ENOSPC;
    put_header(out, 0, VG_RTCP_SR, VG_RTCP_SR_LEN);
    vg_put32(out + 4, ssrc);
    vg_put32(out + 8, (uint32_t)(si->ntp >> 32));
    vg_put32(out + 12, (uint32_t)si->ntp);
    vg_put32(out + 16, si->rtp_ts);
    vg_put32(out + 20, si->packets);
    vg_put32(out + 24, si->octets);
    *ret_len = VG_RTCP_SR_LEN;
    return 0;
}

int vg_rtcp_build_rr(uint32_t ssrc, const struct vg_rtcp_report_block *rb, uint8_t *out, size_t cap,
                     size_t *ret_len)
{
    size_t len = rb ? VG_RTCP_RR_LEN : 8;
    if (cap < len)
        return -ENOSPC;
    put_header(out, rb ? 1 : 0, VG_RTCP_RR, len);
    vg_put32(out + 4, ssrc);
    if (rb) {
        uint8_t *b = out + 8;
        /* The field holds 24 bits: clamp rather than wrap around. */
        int32_t lost = rb->cumulative_lost;
        lost = lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : lost;
        uint32_t lost24 = (uint32_t)lost & 0xffffffu;
        vg_put32(b, rb->ssrc);
        b[4] = rb->fraction_lost;
        b[5] = (uint8_t)(lost24 >> 16);
        b[6] = (uint8_t)(lost24 >> 8);
        b[7] = (uint8_t)lost24;
        vg_put32(b + 8, rb->highest_seq);
        vg_put32(b + 12, rb->jitter);
        vg_put32(b + 16, rb->lsr);
        vg_put32(b + 20, rb->dlsr);
    }
    *ret_len = len;
    return 0;
}

int vg_rtcp_build_pli(uint32_t ssrc, uint32_t media_ssrc, uint8_t *out, size_t cap, size_t *ret_len)
{
    if (cap < VG_RTCP_PLI_LEN)
        return -ENOSPC;
    put_header(out, 1, VG_RTCP_PSFB, VG_RTCP_PLI_LEN);
    vg_put32(out + 4, ssrc);
    vg_put32(out + 8, media_ssrc);
    *ret_len = VG_RTCP_PLI_LEN;
    return 0;
}

int vg_rtcp_build_fir(uint32_t ssrc, uint32_t media_ssrc, uint8_t seq_nr, uint8_t *out, size_t cap,
                      size_t *ret_len)
{
    if (cap < VG_RTCP_FIR_LEN)
        return -ENOSPC;
    put_header(out, 4, VG_RTCP_PSFB, VG_RTCP_FIR_LEN);
    vg_put32(out + 4, ssrc);
    vg_put32(out + 8, 0); /* RFC 5104 4.3.1.2: the media source goes in the FCI */
    vg_put32(out + 12, media_ssrc);
    out[16] = seq_nr;
    out[17] = 0;
    out[18] = 0;
    out[19] = 0;
    *ret_len = VG_RTCP_FIR_LEN;
    return 0;
}

/* Packs seqs into PID+BLP entries; writes them at out when it is not NULL.
 * Returns the number of entries. */
static size_t nack_entries(const uint16_t *seqs, size_t n, uint8_t *out)
{
    size_t entries = 0;
    uint16_t pid = 0, blp = 0;
    for (size_t i = 0; i < n; i++) {
        /* Distance in sequence space, so 65535 -> 0 is 1. */
        uint16_t d = (uint16_t)(seqs[i] - pid);
        if (entries > 0 && d <= 16) {
            if (d > 0)
                blp |= (uint16_t)(1u << (d - 1));
            continue;
        }
        if (entries > 0 && out) {
            vg_put16(out + NACK_ITEM_LEN * (entries - 1), pid);
            vg_put16(out + NACK_ITEM_LEN * (entries - 1) + 2, blp);
        }
        entries++;
        pid = seqs[i];
        blp = 0;
    }
    if (entries > 0 && out) {
        vg_put16(out + NACK_ITEM_LEN * (entries - 1), pid);
        vg_put16(out + NACK_ITEM_LEN * (entries - 1) + 2, blp);
    }
    return entries;
}

int vg_rtcp_build_nack(uint32_t ssrc, uint32_t media_ssrc, const uint16_t *seqs, size_t n,
                       uint8_t *out, size_t cap, size_t *ret_len)
{
    if (n == 0)
        return -EINVAL;
    size_t entries = nack_entries(seqs, n, NULL);
    /* The length field counts words after the first: 2 + entries. */
    if (entries > 0xffff - 2)
        return -EINVAL;
    size_t len = HEADER_LEN + FB_HEADER_LEN + NACK_ITEM_LEN * entries;
    if (cap < len)
        return -ENOSPC;
    put_header(out, 1, VG_RTCP_RTPFB, len);
    vg_put32(out + 4, ssrc);
    vg_put32(out + 8, media_ssrc);
    nack_entries(seqs, n, out + HEADER_LEN + FB_HEADER_LEN);
    *ret_len = len;
    return 0;
}

uint64_t vg_rtcp_ntp_from_us(int64_t realtime_us)
{
    int64_t sec = realtime_us / 1000000, us = realtime_us % 1000000;
    if (us < 0) {
        us += 1000000;
        sec--;
    }
    /* Truncating the seconds to 32 bits is the NTP era wrap. */
    uint32_t ntp_sec = (uint32_t)(uint64_t)(sec + NTP_UNIX_OFFSET);
    uint32_t frac = (uint32_t)(((uint64_t)us << 32) / 1000000);
    return (uint64_t)ntp_sec << 32 | frac;
}

uint32_t vg_rtcp_dlsr_from_us(int64_t delay_us)
{
    if (delay_us <= 0)
        return 0;
    if (delay_us >= 65536LL * 1000000)
        return UINT32_MAX;
    return (uint32_t)((uint64_t)delay_us * 65536 / 1000000);
}
