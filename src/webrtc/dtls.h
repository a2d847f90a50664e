/* DTLS-SRTP (RFC 5763, RFC 5764) for one WebRTC session, with no socket:
 * the session feeds the DTLS datagrams ICE demultiplexed for it
 * (RFC 7983) to vg_dtls_receive(), sends whatever vg_dtls_pending() gives
 * back, and runs the retransmission timer on its loop. Once connected, the
 * peer's certificate has been checked against the fingerprint of its SDP
 * (the certificates are self-signed; the signalling channel vouches for
 * them) and the SRTP master keys can be exported.
 *
 * DTLS 1.2, ECDHE, the SRTP profiles AEAD_AES_128_GCM and
 * AES128_CM_HMAC_SHA1_80, records no larger than a 1200-byte datagram (what
 * fits any path a WebRTC peer uses, tunnels included). Everything on the
 * loop thread; OpenSSL's per-thread error queue is left empty. */
#pragma once

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "webrtc/cert.h"
#include "webrtc/srtp.h"

/* The largest datagram we write (the DTLS MTU) and accept. */
#define VG_DTLS_MTU 1200
#define VG_DTLS_DATAGRAM_MAX 2048
/* Datagrams queued each way before further ones are dropped: a flight is
 * at most a handful of records, so reaching this means the caller stopped
 * draining, and DTLS retransmits what was dropped. */
#define VG_DTLS_QUEUE_MAX 32

struct vg_dtls;

struct vg_dtls_stats {
    uint64_t dropped_in;   /* datagrams refused: too large or queue full */
    uint64_t dropped_out;  /* datagrams we produced and could not queue */
    uint64_t ignored_data; /* application data after the handshake (we use none) */
};

/* Makes the context all sessions share: cert's certificate and key (the
 * context takes its own references; cert may be freed after), DTLS 1.2 or
 * later, ECDHE suites, both SRTP profiles with GCM preferred, a peer
 * certificate required but not chain-checked (vg_dtls checks the
 * fingerprint), no session resumption. Free with SSL_CTX_free(). Returns 0,
 * -ENOMEM or -EIO. */
int vg_dtls_ctx_new(const struct vg_cert *cert, SSL_CTX **ret);

/* Makes one endpoint on ctx (which must outlive it). server: we answered
 * a=setup:passive and wait for the peer's ClientHello; otherwise we are the
 * client and the ClientHello is ready in vg_dtls_pending() on return.
 * peer_fingerprint is the value of the peer's a=fingerprint, "sha-256
 * AB:CD:..." (hash name optional, sha-256 assumed; sha-1, sha-224, sha-384
 * and sha-512 also accepted; hex in either case); it is parsed now and not
 * kept. Returns 0, -EINVAL (malformed fingerprint), -ENOTSUP (unknown hash),
 * -ENOMEM or -EIO. */
int vg_dtls_new(SSL_CTX *ctx, bool server, const char *peer_fingerprint, struct vg_dtls **ret);

/* Frees d; accepts NULL; returns NULL. */
struct vg_dtls *vg_dtls_free(struct vg_dtls *d);

/* Feeds one datagram from the peer (copied) and advances the handshake;
 * what it produces waits in vg_dtls_pending(). Datagrams that are not
 * valid DTLS records are dropped as RFC 6347 §4.1.2.7 asks (and counted
 * when we refuse them ourselves). Returns 0, or once the endpoint is dead
 * (every later call returns the same): -EACCES (the peer's certificate does
 * not match its fingerprint), -EPROTO (handshake failure or fatal alert,
 * or no SRTP profile agreed), -ECONNRESET (the peer closed) or -ETIMEDOUT
 * (from vg_dtls_on_timeout()). The failure may leave an alert to send. */
int vg_dtls_receive(struct vg_dtls *d, const uint8_t *rec, size_t len);

/* Moves the next datagram to send into buf. Returns its length, 0 when
 * there is none, or -EMSGSIZE when it does not fit in cap (it stays
 * queued; VG_DTLS_DATAGRAM_MAX always fits). Call until it returns 0. */
int vg_dtls_pending(struct vg_dtls *d, uint8_t *buf, size_t cap);

/* Microseconds until vg_dtls_on_timeout() is due (0: now), or -1 when no
 * retransmission timer runs (before the first flight, once connected, or
 * dead). Ask again after every receive and on_timeout. */
int64_t vg_dtls_timeout_us(struct vg_dtls *d);

/* Retransmits the last flight if its timer expired (nothing otherwise).
 * Returns 0, or -ETIMEDOUT when the peer stayed silent through all
 * retransmissions (the endpoint is then dead). */
int vg_dtls_on_timeout(struct vg_dtls *d);

/* Queues a close_notify so the peer learns at once that the session ended
 * (rather than when ICE consent expires); send it with vg_dtls_pending().
 * The endpoint is dead afterwards (-ECONNRESET). Harmless when already dead. */
void vg_dtls_close(struct vg_dtls *d);

/* True once the handshake completed and the peer's certificate matched. */
bool vg_dtls_connected(const struct vg_dtls *d);

/* Exports the SRTP master keys (RFC 5764 §4.2) for the agreed profile:
 * local is what we protect with (the server's write key when we are the
 * server), remote what the peer protects with. Returns 0, -ENOTCONN (not
 * connected) or -EIO. */
int vg_dtls_srtp_keys(struct vg_dtls *d, struct vg_srtp_keys *ret);

/* OpenSSL's reason for the failure that killed d, for the caller's log
 * ("" while alive). Points into d. */
const char *vg_dtls_error(const struct vg_dtls *d);

void vg_dtls_stats(const struct vg_dtls *d, struct vg_dtls_stats *ret);
