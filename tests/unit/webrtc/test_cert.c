/* The DTLS certificate: a fresh ECDSA P-256 identity per start, self-signed,
 * valid now, with the SDP fingerprint of exactly its DER bytes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <openssl/ec.h>
#include <openssl/sha.h>
#include <string.h>

#include "webrtc/cert.h"

Test(cert, makes_a_self_signed_p256_certificate_valid_now)
{
    struct vg_cert c;
    cr_assert_eq(vg_cert_new(&c), 0);
    cr_expect_eq(EVP_PKEY_get_base_id(c.key), EVP_PKEY_EC);
    char group[32];
    size_t glen = 0;
    cr_assert(EVP_PKEY_get_utf8_string_param(c.key, "group", group, sizeof(group), &glen));
    cr_expect_str_eq(group, "prime256v1");
    cr_expect_eq(X509_verify(c.x509, c.key), 1, "signed by its own key");
    cr_expect_lt(X509_cmp_current_time(X509_get0_notBefore(c.x509)), 0);
    cr_expect_gt(X509_cmp_current_time(X509_get0_notAfter(c.x509)), 0);
    vg_cert_done(&c);
    vg_cert_done(&c); /* twice is harmless */
}

Test(cert, fingerprint_is_sha256_of_the_der_in_rfc_8122_form)
{
    struct vg_cert c;
    cr_assert_eq(vg_cert_new(&c), 0);
    unsigned char *der = NULL;
    int len = i2d_X509(c.x509, &der);
    cr_assert_gt(len, 0);
    unsigned char md[32];
    SHA256(der, (size_t)len, md);
    OPENSSL_free(der);
    char want[VG_CERT_FINGERPRINT_LEN];
    for (int i = 0; i < 32; i++)
        snprintf(want + i * 3, 4, i < 31 ? "%02X:" : "%02X", md[i]);
    cr_expect_str_eq(c.fingerprint, want);
    cr_expect_eq(strlen(c.fingerprint), 95);
    char small[10];
    cr_expect_eq(vg_cert_fingerprint(c.x509, small, sizeof(small)), -EIO);
    vg_cert_done(&c);
}

Test(cert, every_start_gets_a_new_identity)
{
    struct vg_cert a, b;
    cr_assert_eq(vg_cert_new(&a), 0);
    cr_assert_eq(vg_cert_new(&b), 0);
    cr_expect_str_neq(a.fingerprint, b.fingerprint);
    cr_expect_neq(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.x509), X509_get0_serialNumber(b.x509)),
                  0);
    vg_cert_done(&a);
    vg_cert_done(&b);
}
