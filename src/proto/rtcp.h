/* RTCP compound packets (RFC 3550 6.4-6.6), with the feedback messages a
 * WebRTC sender acts on: generic NACK (RFC 4585 6.2.1), PLI (RFC 4585
 * 6.3.1), FIR (RFC 5104 4.3.1) and REMB (draft-alvestrand-rmcat-remb).
 * Parsing decodes in place: lists stay in the packet and are read with the
 * accessors below; nothing is allocated. Builders write one packet each into
 * a caller's buffer; concatenated, they make a compound packet.
 *
 * Browsers send reduced-size RTCP (RFC 5506: a lone PLI or NACK), so a
 * compound need not start with SR or RR unless the caller asks for the
 * RFC 3550 A.2 checks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    VG_RTCP_SR = 200,
    VG_RTCP_RR = 201,
    VG_RTCP_SDES = 202,
    VG_RTCP_BYE = 203,
    VG_RTCP_APP = 204,
    VG_RTCP_RTPFB = 205, /* transport layer feedback; FMT 1 is generic NACK */
    VG_RTCP_PSFB = 206,  /* payload-specific feedback; FMT 1 PLI, 4 FIR, 15 AFB (REMB) */
};

enum vg_rtcp_kind {
    VG_RTCP_KIND_OTHER = 0, /* APP, XR, transport-cc, other FMTs: for the caller to skip */
    VG_RTCP_KIND_SR,
    VG_RTCP_KIND_RR,
    VG_RTCP_KIND_SDES, /* not decoded */
    VG_RTCP_KIND_BYE,
    VG_RTCP_KIND_NACK,
    VG_RTCP_KIND_PLI,
    VG_RTCP_KIND_FIR,
    VG_RTCP_KIND_REMB,
};

/* Largest compound accepted: one UDP datagram. */
#define VG_RTCP_COMPOUND_MAX 65535

/* Report blocks per SR or RR: the 5-bit count caps them. */
#define VG_RTCP_BLOCKS_MAX 31

/* Sizes of what the builders write. */
#define VG_RTCP_SR_LEN 28
#define VG_RTCP_RR_LEN 32 /* with its one report block; 8 without */
#define VG_RTCP_PLI_LEN 12
#define VG_RTCP_FIR_LEN 20

struct vg_rtcp_sender_info {
    uint64_t ntp;     /* NTP timestamp: seconds since 1900 << 32 | fraction */
    uint32_t rtp_ts;  /* the same instant on the RTP clock */
    uint32_t packets; /* sent since the start */
    uint32_t octets;  /* payload octets sent */
};

struct vg_rtcp_report_block {
    uint32_t ssrc;           /* the source reported on */
    uint8_t fraction_lost;   /* since the last report, in 1/256 */
    int32_t cumulative_lost; /* 24-bit signed on the wire */
    uint32_t highest_seq;    /* extended highest sequence number received */
    uint32_t jitter;         /* in RTP timestamp units */
    uint32_t lsr;            /* middle 32 bits of the last SR's NTP time, 0 if none */
    uint32_t dlsr;           /* delay since that SR, in 1/65536 s */
};

/* One decoded packet of a compound. */
struct vg_rtcp_packet {
    enum vg_rtcp_kind kind;
    uint8_t pt;                    /* packet type as on the wire */
    uint8_t count;                 /* RC, SC or FMT as on the wire */
    uint32_t ssrc;                 /* the sender: SR, RR, NACK, PLI, FIR, REMB; 0 otherwise */
    uint32_t media_ssrc;           /* NACK, PLI: the media source (0 by rule in FIR and REMB) */
    struct vg_rtcp_sender_info sr; /* SR */
    struct vg_rtcp_report_block blocks[VG_RTCP_BLOCKS_MAX]; /* SR, RR */
    size_t n_blocks;
    uint64_t remb_bps; /* REMB: mantissa << exp, UINT64_MAX if that overflows */
    /* Entries left in the packet (n_items of them): BYE and REMB SSRCs (4
     * bytes, vg_rtcp_ssrc_at()), NACK PID+BLP pairs (4 bytes,
     * vg_rtcp_nack_lost()), FIR SSRC + sequence number (8 bytes,
     * vg_rtcp_fir_at()). Points into the parsed buffer. */
    const uint8_t *items;
    size_t n_items;
};

/* Decodes the packet at buf + *cursor and moves *cursor past it (its padding
 * included). Returns 1, 0 when *cursor == len, or -EINVAL (not version 2,
 * header or length past the end, padding count 0 or past the packet, a known
 * type too short for what its count or FMT announce: SR, RR, BYE, NACK, PLI,
 * FIR, REMB); *cursor and *ret are then left alone. A length field of 0 is a
 * 4-byte packet, so the walk always moves on. */
int vg_rtcp_next(const uint8_t *buf, size_t len, size_t *cursor, struct vg_rtcp_packet *ret);

/* Called for each packet of a compound; p and what it points to are valid
 * during the call only. Return 0 to go on or a negative errno to stop. */
typedef int vg_rtcp_fn(void *arg, const struct vg_rtcp_packet *p);

/* Checks a whole compound packet, then calls fn (when not NULL) for each of
 * its packets, so that fn never sees part of a damaged one. strict adds
 * RFC 3550 A.2: the first packet is an SR or RR, only the last one is padded.
 * Returns the number of packets, -EINVAL (as vg_rtcp_next(), an empty
 * buffer, or a strict check failed), -E2BIG (over VG_RTCP_COMPOUND_MAX) or
 * what fn returned. */
int vg_rtcp_parse(const uint8_t *buf, size_t len, bool strict, vg_rtcp_fn *fn, void *arg);

/* SSRC i of a BYE or REMB packet; i < p->n_items. */
uint32_t vg_rtcp_ssrc_at(const struct vg_rtcp_packet *p, size_t i);

/* FIR entry i (i < p->n_items): the SSRC asked for a full intra picture, and
 * the command sequence number (a repeat carries the same one). */
void vg_rtcp_fir_at(const struct vg_rtcp_packet *p, size_t i, uint32_t *ret_ssrc, uint8_t *ret_seq);

/* The sequence numbers a NACK reports lost, PID then each BLP bit from the
 * lowest, entry after entry. Writes the first cap of them to out (which may
 * be NULL when cap is 0) and returns how many there are (at most 17 per
 * entry), so a result over cap means out was cut short. */
size_t vg_rtcp_nack_lost(const struct vg_rtcp_packet *p, uint16_t *out, size_t cap);

/* Builders: one packet into out[0..cap), its length in *ret_len. They return
 * 0 or -ENOSPC (out is then untouched). */

/* Sender report without report blocks. */
int vg_rtcp_build_sr(uint32_t ssrc, const struct vg_rtcp_sender_info *si, uint8_t *out, size_t cap,
                     size_t *ret_len);
/* Receiver report with rb as its one block, or none when rb is NULL. */
int vg_rtcp_build_rr(uint32_t ssrc, const struct vg_rtcp_report_block *rb, uint8_t *out, size_t cap,
                     size_t *ret_len);
/* Picture loss indication from ssrc about media_ssrc. */
int vg_rtcp_build_pli(uint32_t ssrc, uint32_t media_ssrc, uint8_t *out, size_t cap,
                      size_t *ret_len);
/* Full intra request for media_ssrc with command sequence number seq_nr
 * (increment it for each new request, RFC 5104 4.3.1.2). */
int vg_rtcp_build_fir(uint32_t ssrc, uint32_t media_ssrc, uint8_t seq_nr, uint8_t *out, size_t cap,
                      size_t *ret_len);
/* Generic NACK for the n sequence numbers in seqs, in any order (oldest
 * first packs best: each run within 16 of its first number shares one
 * PID+BLP entry, across the 65535 -> 0 wrap too; duplicates are dropped
 * within an entry). Also -EINVAL for n == 0 or more entries than a packet
 * length can count. */
int vg_rtcp_build_nack(uint32_t ssrc, uint32_t media_ssrc, const uint16_t *seqs, size_t n,
                       uint8_t *out, size_t cap, size_t *ret_len);

/* NTP timestamp (RFC 5905: seconds since 1900 in the high 32 bits, fraction
 * in the low 32; the seconds wrap in 2036 by design) from CLOCK_REALTIME
 * microseconds since 1970. */
uint64_t vg_rtcp_ntp_from_us(int64_t realtime_us);

/* The middle 32 bits of an NTP timestamp (16.16 fixed point seconds): the
 * LSR a receiver echoes and the clock for the round trip A - LSR - DLSR. */
static inline uint32_t vg_rtcp_ntp_mid32(uint64_t ntp)
{
    return (uint32_t)(ntp >> 16);
}

/* A delay in microseconds as DLSR units (1/65536 s); negative gives 0 and
 * more than 65536 s saturates. */
uint32_t vg_rtcp_dlsr_from_us(int64_t delay_us);
