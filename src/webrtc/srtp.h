/* SRTP and SRTCP for one WebRTC session (RFC 3711, RFC 7714), a thin layer
 * over libsrtp2 keyed from the DTLS handshake (RFC 5764). One context
 * protects what we send (any SSRC, our write key) and unprotects what the
 * peer sends (any SSRC, its write key). Not thread-safe: one context belongs
 * to one session on the loop thread.
 *
 * vg_srtp_init() must run once per process before the first vg_srtp_new()
 * (the app calls it at start, next to its other library initialisation,
 * and vg_srtp_done() at exit); libsrtp's own init state is the only global
 * involved. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The DTLS-SRTP protection profiles we offer, by their IANA numbers
 * (RFC 5764 §4.1.2, RFC 7714 §14.2). */
enum vg_srtp_profile {
    VG_SRTP_AES128_CM_SHA1_80 = 0x0001,
    VG_SRTP_AEAD_AES_128_GCM = 0x0007,
};

#define VG_SRTP_KEY_LEN 16
#define VG_SRTP_SALT_LEN_CM 14
#define VG_SRTP_SALT_LEN_GCM 12
#define VG_SRTP_MASTER_MAX (VG_SRTP_KEY_LEN + VG_SRTP_SALT_LEN_CM)

/* Room protect needs after the packet: libsrtp may write its maximum trailer
 * (tag and MKI) there, plus the 4-byte SRTCP index for RTCP. Buffers handed
 * to the protect functions hold len + VG_SRTP_MAX_TRAILER bytes. */
#define VG_SRTP_MAX_TRAILER 148

/* The master keys of one session as the DTLS exporter gives them: for each
 * side the key followed by the salt, len bytes (30 for AES-CM, 28 for GCM).
 * local protects what we send, remote checks what the peer sends. Secret:
 * wipe it (OPENSSL_cleanse) once vg_srtp_new() has taken it. */
struct vg_srtp_keys {
    enum vg_srtp_profile profile;
    size_t len;
    uint8_t local[VG_SRTP_MASTER_MAX];
    uint8_t remote[VG_SRTP_MASTER_MAX];
};

struct vg_srtp;

/* Initialises libsrtp (and runs its self-tests); once per process, before
 * any vg_srtp_new(). libsrtp refuses a second call until vg_srtp_done().
 * Returns 0 or -EIO. */
int vg_srtp_init(void);
/* Undoes vg_srtp_init() once every context is freed. */
void vg_srtp_done(void);

/* Makes a context from k (copied; the caller keeps k). Returns 0, -EINVAL
 * (unknown profile or length), -ENOMEM or -EIO. */
int vg_srtp_new(const struct vg_srtp_keys *k, struct vg_srtp **ret);

/* Frees s; accepts NULL; returns NULL. */
struct vg_srtp *vg_srtp_free(struct vg_srtp *s);

/* libsrtp works on packets in place as 32-bit words: pkt must be 4-byte
 * aligned in all four calls below (-EINVAL otherwise). */

/* Protects the RTP (or RTCP) packet of *len bytes at pkt in place, growing
 * it by its tag; cap is the size of the buffer at pkt and must leave
 * VG_SRTP_MAX_TRAILER bytes after the packet. Resending a packet with the
 * same sequence number (a NACK answer) is allowed. On success *len is the
 * new length. Returns 0, -ENOBUFS (cap too small), -EINVAL (not an RTP or
 * RTCP packet) or -EIO. */
int vg_srtp_protect(struct vg_srtp *s, uint8_t *pkt, size_t *len, size_t cap);
int vg_srtp_protect_rtcp(struct vg_srtp *s, uint8_t *pkt, size_t *len, size_t cap);

/* Checks and decrypts the SRTP (or SRTCP) packet of *len bytes at pkt in
 * place; on success *len is the plain length, on failure the bytes at pkt
 * are unspecified (drop the packet). Returns 0, -EBADMSG (malformed, or the
 * tag does not verify: forged or damaged), -EALREADY (a replay or older than
 * the replay window), -EINVAL (misaligned) or -EIO. */
int vg_srtp_unprotect(struct vg_srtp *s, uint8_t *pkt, size_t *len);
int vg_srtp_unprotect_rtcp(struct vg_srtp *s, uint8_t *pkt, size_t *len);
