/* Bit-level reading and writing for H.264/H.265 syntax (ITU-T H.264 7.2):
 * u(n), ue(v), se(v), more_rbsp_data and trailing bits. Pure, no allocation.
 *
 * Neither side can crash on bad input: a read past the end (or an Exp-Golomb
 * code too long to be valid) returns 0 and sets `overrun`; a write past the
 * capacity is dropped and sets `overflow`. Parsers read a run of fields and
 * check the flag once, instead of testing every call. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_bitreader {
    const uint8_t *buf; /* borrowed; must outlive the reader */
    size_t len;         /* bytes */
    size_t pos;         /* bits consumed */
    bool overrun;       /* a read went past the end or met an invalid code */
};

/* Reads buf[0..len) from its first bit. buf is borrowed. */
void vg_bitreader_init(struct vg_bitreader *br, const uint8_t *buf, size_t len);
/* u(n) for n in 0..32 (0 reads nothing). More than 32, or past the end: 0 and overrun. */
uint32_t vg_bitreader_u(struct vg_bitreader *br, unsigned n);
/* u(1) as a bool. */
bool vg_bitreader_flag(struct vg_bitreader *br);
/* ue(v), 0..2^32-2. A code with 32 or more leading zeros cannot be a valid
 * value: 0 and overrun, so "absurd" lengths stop the parser like truncation. */
uint32_t vg_bitreader_ue(struct vg_bitreader *br);
/* se(v), -(2^31-1)..2^31-1. */
int32_t vg_bitreader_se(struct vg_bitreader *br);
/* Skips n bits (overrun if fewer are left). */
void vg_bitreader_skip(struct vg_bitreader *br, size_t n);
/* Bits left before the end of the buffer (0 after an overrun). */
size_t vg_bitreader_left(const struct vg_bitreader *br);
/* more_rbsp_data(): true while something other than the rbsp_stop_one_bit and
 * the zero bits after it remains. */
bool vg_bitreader_more_rbsp_data(const struct vg_bitreader *br);

struct vg_bitwriter {
    uint8_t *buf;  /* borrowed; must outlive the writer */
    size_t cap;    /* bytes */
    size_t pos;    /* bits written */
    bool overflow; /* a write did not fit; what was written before it is intact */
};

/* Writes into buf[0..cap). Bytes are zeroed as they are first touched. */
void vg_bitwriter_init(struct vg_bitwriter *bw, uint8_t *buf, size_t cap);
/* u(n) of the low n bits of v, n in 0..32 (more: overflow). */
void vg_bitwriter_u(struct vg_bitwriter *bw, unsigned n, uint32_t v);
/* ue(v) for any 32-bit v (UINT32_MAX takes 65 bits, as the syntax allows). */
void vg_bitwriter_ue(struct vg_bitwriter *bw, uint32_t v);
/* se(v) for v > INT32_MIN (INT32_MIN: overflow, it has no code). */
void vg_bitwriter_se(struct vg_bitwriter *bw, int32_t v);
/* Zero bits up to the next byte boundary. */
void vg_bitwriter_align(struct vg_bitwriter *bw);
/* rbsp_trailing_bits(): a one bit, then zero bits to the byte boundary. */
void vg_bitwriter_rbsp_trailing(struct vg_bitwriter *bw);
/* Bytes touched so far (a partial last byte counts). */
size_t vg_bitwriter_len(const struct vg_bitwriter *bw);
