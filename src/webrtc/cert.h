/* The DTLS identity of the WebRTC endpoint: an ECDSA P-256 key and a
 * self-signed certificate made at start (browsers pin it through the SDP
 * fingerprint, so no CA is involved), and its SHA-256 fingerprint in the
 * "AB:CD:..." form of RFC 8122 §5. */
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>

#define VG_CERT_FINGERPRINT_LEN (32 * 3) /* "XX:" * 32, the last ':' is the NUL */

struct vg_cert {
    EVP_PKEY *key;
    X509 *x509;
    char fingerprint[VG_CERT_FINGERPRINT_LEN]; /* sha-256, upper-case hex pairs */
};

/* Makes a new key and certificate (valid from a day ago for 30 days: the
 * process renews it on restart). Returns 0, -ENOMEM or -EIO. */
int vg_cert_new(struct vg_cert *ret);

/* Frees what vg_cert_new() made; accepts a zeroed struct. */
void vg_cert_done(struct vg_cert *c);

/* Writes the SHA-256 fingerprint of x509 as "AB:CD:...". out holds at least
 * VG_CERT_FINGERPRINT_LEN bytes. Returns 0 or -EIO. */
int vg_cert_fingerprint(X509 *x509, char *out, size_t cap);
