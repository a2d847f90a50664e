#include "webrtc/cert.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <string.h>

int vg_cert_fingerprint(X509 *x509, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (cap < VG_CERT_FINGERPRINT_LEN || !X509_digest(x509, EVP_sha256(), md, &len) || len != 32)
        return -EIO;
    static const char hex[] = "0123456789ABCDEF";
    for (unsigned i = 0; i < len; i++) {
        out[i * 3] = hex[md[i] >> 4];
        out[i * 3 + 1] = hex[md[i] & 15];
        out[i * 3 + 2] = i + 1 < len ? ':' : '\0';
    }
    return 0;
}

int vg_cert_new(struct vg_cert *ret)
{
    struct vg_cert c = {0};
    int r = -EIO;
    c.key = EVP_EC_gen("P-256");
    c.x509 = X509_new();
    if (!c.key || !c.x509) {
        r = -ENOMEM;
        goto out;
    }
    /* A random serial: browsers refuse a second certificate with the same
     * issuer and serial, and every start makes a new one. */
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof(serial)) != 1)
        goto out;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.x509));
    BN_free(bn);
    if (!ok || !X509_set_version(c.x509, X509_VERSION_3) ||
        !X509_gmtime_adj(X509_getm_notBefore(c.x509), -24 * 3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(c.x509), 30L * 24 * 3600) ||
        !X509_set_pubkey(c.x509, c.key))
        goto out;
    X509_NAME *name = X509_get_subject_name(c.x509);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"vigil", -1,
                                    -1, 0) ||
        !X509_set_issuer_name(c.x509, name) || !X509_sign(c.x509, c.key, EVP_sha256()))
        goto out;
    r = vg_cert_fingerprint(c.x509, c.fingerprint, sizeof(c.fingerprint));
out:
    if (r < 0) {
        vg_cert_done(&c);
        return r;
    }
    *ret = c;
    return 0;
}

void vg_cert_done(struct vg_cert *c)
{
    EVP_PKEY_free(c->key);
    X509_free(c->x509);
    memset(c, 0, sizeof(*c));
}
