/* RTP fixed header (RFC 3550 §5.1), decoded byte by byte: no bitfields, no
 * dependence on host byte order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_RTP_HEADER_MIN 12

struct vg_rtp_packet {
    uint8_t pt;
    bool marker;
    uint16_t seq;
    uint32_t ts, ssrc;
    uint8_t csrc_count;
    uint16_t ext_profile; /* when has_ext */
    bool has_ext;
    const uint8_t *ext; /* extension data (after its 4-byte header), ext_len bytes */
    size_t ext_len;
    const uint8_t *payload; /* padding removed */
    size_t payload_len;
};

/* Parses one packet. Returns 0, or -EINVAL (not version 2, too short, CSRCs,
 * extension or padding running past the end). Spans point into pkt. */
int vg_rtp_parse(const uint8_t *pkt, size_t len, struct vg_rtp_packet *ret);

/* True when a follows b in 16-bit sequence space (RFC 3550 A.1 style). */
static inline bool vg_rtp_seq_after(uint16_t a, uint16_t b)
{
    return a != b && (uint16_t)(a - b) < 0x8000;
}
