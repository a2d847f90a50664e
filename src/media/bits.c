#include "media/bits.h"

void vg_bitreader_init(struct vg_bitreader *br, const uint8_t *buf, size_t len)
{
    br->buf = buf;
    br->len = len;
    br->pos = 0;
    br->overrun = false;
}

size_t vg_bitreader_left(const struct vg_bitreader *br)
{
    if (br->overrun)
        return 0;
    return br->len * 8 - br->pos;
}

static void set_overrun(struct vg_bitreader *br)
{
    br->overrun = true;
    br->pos = br->len * 8;
}

/* The next 64 bits from pos, MSB first, zero past the end. */
static uint64_t peek64(const struct vg_bitreader *br)
{
    size_t byte = br->pos >> 3;
    size_t avail = br->len - byte;
    unsigned take = avail < 8 ? (unsigned)avail : 8;
    uint64_t v = 0;
    for (unsigned i = 0; i < take; i++)
        v |= (uint64_t)br->buf[byte + i] << (56 - 8 * i);
    /* At least 57 bits stay valid after the shift: more than any single
     * read (32) or an Exp-Golomb prefix (33) needs. */
    return v << (br->pos & 7);
}

uint32_t vg_bitreader_u(struct vg_bitreader *br, unsigned n)
{
    if (n == 0)
        return 0;
    if (n > 32 || n > vg_bitreader_left(br)) {
        set_overrun(br);
        return 0;
    }
    uint32_t v = (uint32_t)(peek64(br) >> (64 - n));
    br->pos += n;
    return v;
}

bool vg_bitreader_flag(struct vg_bitreader *br)
{
    return vg_bitreader_u(br, 1) != 0;
}

uint32_t vg_bitreader_ue(struct vg_bitreader *br)
{
    size_t left = vg_bitreader_left(br);
    uint64_t bits = peek64(br);
    /* peek64 holds at least 57 valid bits, enough to see 32 zeros. */
    unsigned zeros = bits ? (unsigned)__builtin_clzll(bits) : 64;
    if (zeros >= 32 || 2 * (size_t)zeros + 1 > left) {
        set_overrun(br);
        return 0;
    }
    br->pos += zeros + 1;
    uint32_t rest = vg_bitreader_u(br, zeros);
    return (uint32_t)((1ull << zeros) - 1 + rest);
}

int32_t vg_bitreader_se(struct vg_bitreader *br)
{
    uint32_t k = vg_bitreader_ue(br);
    /* k <= 2^32-2, so both halves fit an int32. */
    if (k & 1)
        return (int32_t)((k >> 1) + 1);
    return -(int32_t)(k >> 1);
}

void vg_bitreader_skip(struct vg_bitreader *br, size_t n)
{
    if (n > vg_bitreader_left(br)) {
        set_overrun(br);
        return;
    }
    br->pos += n;
}

bool vg_bitreader_more_rbsp_data(const struct vg_bitreader *br)
{
    if (br->overrun)
        return false;
    size_t last = br->len;
    while (last > 0 && br->buf[last - 1] == 0)
        last--;
    if (last == 0)
        return false;
    unsigned b = br->buf[last - 1];
    unsigned trailing = 0;
    while (!(b & (1u << trailing)))
        trailing++;
    size_t stop_bit = (last - 1) * 8 + (7 - trailing);
    return br->pos < stop_bit;
}

void vg_bitwriter_init(struct vg_bitwriter *bw, uint8_t *buf, size_t cap)
{
    bw->buf = buf;
    bw->cap = cap;
    bw->pos = 0;
    bw->overflow = false;
}

static bool fits(struct vg_bitwriter *bw, uint64_t n)
{
    if (bw->overflow || n > bw->cap * 8 - bw->pos) {
        bw->overflow = true;
        return false;
    }
    return true;
}

void vg_bitwriter_u(struct vg_bitwriter *bw, unsigned n, uint32_t v)
{
    if (n > 32) {
        bw->overflow = true;
        return;
    }
    if (!fits(bw, n))
        return;
    while (n > 0) {
        unsigned used = bw->pos & 7, room = 8 - used;
        unsigned take = n < room ? n : room;
        size_t byte = bw->pos >> 3;
        unsigned chunk = (v >> (n - take)) & ((1u << take) - 1);
        if (used == 0)
            bw->buf[byte] = 0;
        bw->buf[byte] |= (uint8_t)(chunk << (room - take));
        bw->pos += take;
        n -= take;
    }
}

void vg_bitwriter_ue(struct vg_bitwriter *bw, uint32_t v)
{
    uint64_t code = (uint64_t)v + 1;
    unsigned bits = 0;
    while ((code >> bits) > 1)
        bits++;
    /* bits zeros, then code in bits + 1 bits (33 for UINT32_MAX). */
    if (!fits(bw, 2ull * bits + 1))
        return;
    for (unsigned z = bits; z > 0;) {
        unsigned k = z < 32 ? z : 32;
        vg_bitwriter_u(bw, k, 0);
        z -= k;
    }
    if (bits == 32)
        vg_bitwriter_u(bw, 1, 1);
    vg_bitwriter_u(bw, bits < 32 ? bits + 1 : 32, (uint32_t)code);
}

void vg_bitwriter_se(struct vg_bitwriter *bw, int32_t v)
{
    if (v == INT32_MIN) {
        bw->overflow = true;
        return;
    }
    if (v > 0)
        vg_bitwriter_ue(bw, (uint32_t)v * 2 - 1);
    else
        vg_bitwriter_ue(bw, (uint32_t)(-v) * 2);
}

void vg_bitwriter_align(struct vg_bitwriter *bw)
{
    unsigned pad = (8 - (bw->pos & 7)) & 7;
    vg_bitwriter_u(bw, pad, 0);
}

void vg_bitwriter_rbsp_trailing(struct vg_bitwriter *bw)
{
    vg_bitwriter_u(bw, 1, 1);
    vg_bitwriter_align(bw);
}

size_t vg_bitwriter_len(const struct vg_bitwriter *bw)
{
    return (bw->pos + 7) / 8;
}
