/* DTLS-SRTP over datagrams handed in and out by hand, as the WebRTC server
 * will: a full handshake between our server and a client (ours, and a plain
 * OpenSSL one to check the RFC 5764 key layout independently), the profile
 * choice, the fingerprint check, garbage on the wire, a lost flight
 * recovered by the retransmission timer, and SRTP keyed from the result. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdalign.h>
#include <string.h>
#include <time.h>

#include "webrtc/dtls.h"

static struct vg_cert server_cert, client_cert, other_cert;
static SSL_CTX *server_ctx, *client_ctx;
static char server_fp[128], client_fp[128], other_fp[128];

static void setup(void)
{
    cr_assert_eq(vg_cert_new(&server_cert), 0);
    cr_assert_eq(vg_cert_new(&client_cert), 0);
    cr_assert_eq(vg_cert_new(&other_cert), 0);
    cr_assert_eq(vg_dtls_ctx_new(&server_cert, &server_ctx), 0);
    cr_assert_eq(vg_dtls_ctx_new(&client_cert, &client_ctx), 0);
    snprintf(server_fp, sizeof(server_fp), "sha-256 %s", server_cert.fingerprint);
    snprintf(client_fp, sizeof(client_fp), "sha-256 %s", client_cert.fingerprint);
    snprintf(other_fp, sizeof(other_fp), "sha-256 %s", other_cert.fingerprint);
    /* the contexts hold their own references */
    vg_cert_done(&server_cert);
    vg_cert_done(&client_cert);
    vg_cert_done(&other_cert);
}

static void teardown(void)
{
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
}

TestSuite(dtls, .init = setup, .fini = teardown);

/* Moves every queued datagram from one endpoint to the other. Returns how
 * many moved; *err gets the first receive failure. */
static int move(struct vg_dtls *from, struct vg_dtls *to, int *err)
{
    uint8_t buf[VG_DTLS_DATAGRAM_MAX];
    int moved = 0;
    for (;;) {
        int n = vg_dtls_pending(from, buf, sizeof(buf));
        cr_assert_geq(n, 0);
        if (n == 0)
            return moved;
        cr_expect_leq(n, VG_DTLS_MTU, "no datagram above the MTU");
        moved++;
        int r = vg_dtls_receive(to, buf, (size_t)n);
        if (r < 0 && *err == 0)
            *err = r;
    }
}

/* Shuttles until both are connected or nothing moves. Returns the first
 * failure of either side, or 0. */
static int shuttle(struct vg_dtls *server, struct vg_dtls *client)
{
    int err_s = 0, err_c = 0;
    for (int round = 0; round < 20; round++) {
        int moved = move(client, server, &err_s) + move(server, client, &err_c);
        if (err_s || err_c)
            return err_s ? err_s : err_c;
        if (moved == 0)
            break;
    }
    return 0;
}

static void new_pair(struct vg_dtls **server, struct vg_dtls **client)
{
    cr_assert_eq(vg_dtls_new(server_ctx, true, client_fp, server), 0);
    cr_assert_eq(vg_dtls_new(client_ctx, false, server_fp, client), 0);
}

Test(dtls, handshake_completes_and_the_keys_match_crosswise)
{
    struct vg_dtls *s, *c;
    new_pair(&s, &c);
    cr_expect_not(vg_dtls_connected(s));
    cr_expect_eq(vg_dtls_timeout_us(s), -1, "no timer before the first flight");
    struct vg_srtp_keys ks, kc;
    cr_expect_eq(vg_dtls_srtp_keys(s, &ks), -ENOTCONN);

    cr_assert_eq(shuttle(s, c), 0);
    cr_assert(vg_dtls_connected(s));
    cr_assert(vg_dtls_connected(c));
    cr_expect_str_eq(vg_dtls_error(s), "");
    cr_expect_eq(vg_dtls_timeout_us(s), -1, "no timer once connected");
    cr_expect_eq(vg_dtls_timeout_us(c), -1);

    cr_assert_eq(vg_dtls_srtp_keys(s, &ks), 0);
    cr_assert_eq(vg_dtls_srtp_keys(c, &kc), 0);
    cr_expect_eq(ks.profile, VG_SRTP_AEAD_AES_128_GCM, "GCM preferred when both offer it");
    cr_expect_eq(kc.profile, ks.profile);
    cr_expect_eq(ks.len, 16 + 12);
    cr_expect_eq(kc.len, ks.len);
    cr_expect_eq(memcmp(ks.local, kc.remote, ks.len), 0, "server writes what the client reads");
    cr_expect_eq(memcmp(ks.remote, kc.local, ks.len), 0, "and the other way");
    cr_expect_neq(memcmp(ks.local, ks.remote, ks.len), 0);

    struct vg_dtls_stats st;
    vg_dtls_stats(s, &st);
    cr_expect_eq(st.dropped_in + st.dropped_out + st.ignored_data, 0);
    vg_dtls_free(s);
    cr_expect_null(vg_dtls_free(c));
    cr_expect_null(vg_dtls_free(NULL));
    cr_expect_eq(ERR_peek_error(), 0, "OpenSSL's error queue left empty");
}

Test(dtls, the_profile_is_the_one_the_client_offers)
{
    SSL_CTX *cm_only;
    cr_assert_eq(vg_dtls_ctx_new(&(struct vg_cert){0}, &cm_only), -EIO, "no cert: refused");
    struct vg_cert cert;
    cr_assert_eq(vg_cert_new(&cert), 0);
    cr_assert_eq(vg_dtls_ctx_new(&cert, &cm_only), 0);
    cr_assert_eq(SSL_CTX_set_tlsext_use_srtp(cm_only, "SRTP_AES128_CM_SHA1_80"), 0);
    char fp[128];
    snprintf(fp, sizeof(fp), "sha-256 %s", cert.fingerprint);

    struct vg_dtls *s, *c;
    cr_assert_eq(vg_dtls_new(server_ctx, true, fp, &s), 0);
    cr_assert_eq(vg_dtls_new(cm_only, false, server_fp, &c), 0);
    cr_assert_eq(shuttle(s, c), 0);
    struct vg_srtp_keys ks, kc;
    cr_assert_eq(vg_dtls_srtp_keys(s, &ks), 0);
    cr_assert_eq(vg_dtls_srtp_keys(c, &kc), 0);
    cr_expect_eq(ks.profile, VG_SRTP_AES128_CM_SHA1_80);
    cr_expect_eq(ks.len, 16 + 14);
    cr_expect_eq(memcmp(ks.local, kc.remote, ks.len), 0);
    cr_expect_eq(memcmp(ks.remote, kc.local, ks.len), 0);
    vg_dtls_free(s);
    vg_dtls_free(c);
    SSL_CTX_free(cm_only);
    vg_cert_done(&cert);
}

Test(dtls, a_client_without_srtp_is_refused)
{
    struct vg_cert cert;
    cr_assert_eq(vg_cert_new(&cert), 0);
    SSL_CTX *plain = SSL_CTX_new(DTLS_client_method());
    cr_assert_not_null(plain);
    cr_assert_eq(SSL_CTX_use_certificate(plain, cert.x509), 1);
    cr_assert_eq(SSL_CTX_use_PrivateKey(plain, cert.key), 1);
    SSL *ssl = SSL_new(plain);
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_connect_state(ssl);
    SSL_set_mtu(ssl, 1400);
    char fp[128];
    snprintf(fp, sizeof(fp), "sha-256 %s", cert.fingerprint);
    struct vg_dtls *s;
    cr_assert_eq(vg_dtls_new(server_ctx, true, fp, &s), 0);

    int err = 0;
    uint8_t buf[4096];
    for (int round = 0; round < 10 && err == 0; round++) {
        SSL_do_handshake(ssl);
        int n = BIO_read(wbio, buf, sizeof(buf));
        if (n > 0)
            err = vg_dtls_receive(s, buf, (size_t)n);
        for (;;) {
            n = vg_dtls_pending(s, buf, sizeof(buf));
            if (n <= 0)
                break;
            BIO_write(rbio, buf, n);
            SSL_do_handshake(ssl);
        }
    }
    cr_expect_eq(err, -EPROTO);
    cr_expect_not(vg_dtls_connected(s));
    cr_expect_str_eq(vg_dtls_error(s), "no SRTP profile agreed");
    vg_dtls_free(s);
    SSL_free(ssl);
    SSL_CTX_free(plain);
    vg_cert_done(&cert);
    ERR_clear_error();
}

/* A client that is not ours, on OpenSSL's memory BIOs: each of our
 * datagrams goes in alone, and its whole flight comes out as one datagram of
 * several records (which DTLS allows and browsers do). Its exporter output,
 * split here by RFC 5764 §4.2, must be what our server reports. */
Test(dtls, keys_follow_rfc_5764_layout_against_a_plain_openssl_client)
{
    struct vg_cert cert;
    cr_assert_eq(vg_cert_new(&cert), 0);
    SSL_CTX *plain = SSL_CTX_new(DTLS_client_method());
    cr_assert_not_null(plain);
    cr_assert_eq(SSL_CTX_use_certificate(plain, cert.x509), 1);
    cr_assert_eq(SSL_CTX_use_PrivateKey(plain, cert.key), 1);
    cr_assert_eq(SSL_CTX_set_tlsext_use_srtp(plain, "SRTP_AES128_CM_SHA1_80"), 0);
    SSL *ssl = SSL_new(plain);
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_connect_state(ssl);
    SSL_set_mtu(ssl, 1400);
    char fp[128];
    snprintf(fp, sizeof(fp), "sha-256 %s", cert.fingerprint);
    struct vg_dtls *s;
    cr_assert_eq(vg_dtls_new(server_ctx, true, fp, &s), 0);

    uint8_t buf[8192];
    for (int round = 0; round < 10 && !(vg_dtls_connected(s) && SSL_is_init_finished(ssl));
         round++) {
        SSL_do_handshake(ssl);
        int n = BIO_read(wbio, buf, sizeof(buf));
        if (n > 0)
            cr_assert_eq(vg_dtls_receive(s, buf, (size_t)n), 0);
        for (;;) {
            n = vg_dtls_pending(s, buf, sizeof(buf));
            if (n <= 0)
                break;
            BIO_write(rbio, buf, n);
            SSL_do_handshake(ssl);
        }
    }
    cr_assert(vg_dtls_connected(s));
    cr_assert(SSL_is_init_finished(ssl));
    cr_assert_eq(vg_cert_fingerprint(SSL_get0_peer_certificate(ssl), fp, sizeof(fp)), 0);
    cr_expect_str_eq(fp, server_fp + strlen("sha-256 "), "the client saw our certificate");

    uint8_t km[60];
    const char label[] = "EXTRACTOR-dtls_srtp";
    cr_assert_eq(SSL_export_keying_material(ssl, km, sizeof(km), label, strlen(label), NULL, 0, 0),
                 1);
    struct vg_srtp_keys k;
    cr_assert_eq(vg_dtls_srtp_keys(s, &k), 0);
    cr_expect_eq(k.profile, VG_SRTP_AES128_CM_SHA1_80);
    cr_assert_eq(k.len, 30);
    /* client key 0..15, server key 16..31, client salt 32..45, server salt 46..59 */
    cr_expect_eq(memcmp(k.remote, km, 16), 0);
    cr_expect_eq(memcmp(k.remote + 16, km + 32, 14), 0);
    cr_expect_eq(memcmp(k.local, km + 16, 16), 0);
    cr_expect_eq(memcmp(k.local + 16, km + 46, 14), 0);

    vg_dtls_free(s);
    SSL_free(ssl);
    SSL_CTX_free(plain);
    vg_cert_done(&cert);
}

Test(dtls, a_wrong_client_fingerprint_fails_with_eacces)
{
    struct vg_dtls *s, *c;
    cr_assert_eq(vg_dtls_new(server_ctx, true, other_fp, &s), 0);
    cr_assert_eq(vg_dtls_new(client_ctx, false, server_fp, &c), 0);
    int err_s = 0, err_c = 0;
    move(c, s, &err_s);
    move(s, c, &err_c);
    move(c, s, &err_s); /* the client's certificate and Finished */
    cr_expect_eq(err_s, -EACCES);
    cr_expect_eq(err_c, 0);
    cr_expect_not(vg_dtls_connected(s));
    cr_expect_str_eq(vg_dtls_error(s), "peer certificate does not match its SDP fingerprint");
    struct vg_srtp_keys k;
    cr_expect_eq(vg_dtls_srtp_keys(s, &k), -ENOTCONN);
    uint8_t dgram[] = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 0};
    cr_expect_eq(vg_dtls_receive(s, dgram, sizeof(dgram)), -EACCES, "dead stays dead");
    cr_expect_eq(vg_dtls_timeout_us(s), -1);
    /* the server told the client: its last flight, then a close_notify */
    move(s, c, &err_c);
    cr_expect_eq(err_c, -ECONNRESET);
    vg_dtls_free(s);
    vg_dtls_free(c);
}

Test(dtls, a_wrong_server_fingerprint_fails_with_eacces)
{
    struct vg_dtls *s, *c;
    cr_assert_eq(vg_dtls_new(server_ctx, true, client_fp, &s), 0);
    cr_assert_eq(vg_dtls_new(client_ctx, false, other_fp, &c), 0);
    cr_expect_eq(shuttle(s, c), -EACCES);
    cr_expect_not(vg_dtls_connected(c));
    vg_dtls_free(s);
    vg_dtls_free(c);
}

/* A certificate of about 2 kB (long subject and issuer): a flight that
 * cannot fit one datagram. */
static void make_big_cert(struct vg_cert *ret)
{
    struct vg_cert c = {.key = EVP_EC_gen("P-256"), .x509 = X509_new()};
    cr_assert(c.key && c.x509);
    X509_NAME *name = X509_get_subject_name(c.x509);
    char ou[61];
    for (int i = 0; i < 16; i++) {
        snprintf(ou, sizeof(ou), "%02d-a-long-organisational-unit-to-make-the-flight-large", i);
        cr_assert(
            X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC, (unsigned char *)ou, -1, -1, 0));
    }
    ASN1_INTEGER_set(X509_get_serialNumber(c.x509), 1);
    cr_assert(X509_gmtime_adj(X509_getm_notBefore(c.x509), -3600));
    cr_assert(X509_gmtime_adj(X509_getm_notAfter(c.x509), 3600));
    cr_assert(X509_set_pubkey(c.x509, c.key));
    cr_assert(X509_set_issuer_name(c.x509, name));
    cr_assert(X509_sign(c.x509, c.key, EVP_sha256()));
    cr_assert_eq(vg_cert_fingerprint(c.x509, c.fingerprint, sizeof(c.fingerprint)), 0);
    cr_assert_gt(i2d_X509(c.x509, NULL), 1500);
    *ret = c;
}

Test(dtls, a_flight_larger_than_the_mtu_is_split_into_datagrams)
{
    struct vg_cert big;
    make_big_cert(&big);
    SSL_CTX *big_ctx;
    cr_assert_eq(vg_dtls_ctx_new(&big, &big_ctx), 0);
    char fp[128];
    snprintf(fp, sizeof(fp), "sha-256 %s", big.fingerprint);

    /* the big one serves: its first flight carries the certificate */
    struct vg_dtls *s, *c;
    cr_assert_eq(vg_dtls_new(big_ctx, true, client_fp, &s), 0);
    cr_assert_eq(vg_dtls_new(client_ctx, false, fp, &c), 0);
    int err = 0;
    move(c, s, &err);
    uint8_t buf[VG_DTLS_DATAGRAM_MAX];
    int count = 0;
    for (;;) {
        int n = vg_dtls_pending(s, buf, sizeof(buf));
        if (n <= 0)
            break;
        count++;
        cr_expect_leq(n, VG_DTLS_MTU);
        cr_assert_eq(vg_dtls_receive(c, buf, (size_t)n), 0);
    }
    cr_expect_geq(count, 2, "the flight spans datagrams");
    cr_assert_eq(shuttle(s, c), 0);
    cr_expect(vg_dtls_connected(s) && vg_dtls_connected(c));
    vg_dtls_free(s);
    vg_dtls_free(c);

    /* and as the client, whose second flight carries it */
    cr_assert_eq(vg_dtls_new(server_ctx, true, fp, &s), 0);
    cr_assert_eq(vg_dtls_new(big_ctx, false, server_fp, &c), 0);
    cr_assert_eq(shuttle(s, c), 0);
    cr_expect(vg_dtls_connected(s) && vg_dtls_connected(c));
    vg_dtls_free(s);
    vg_dtls_free(c);
    SSL_CTX_free(big_ctx);
    vg_cert_done(&big);
}

Test(dtls, fingerprints_are_parsed_strictly)
{
    struct vg_dtls *d = NULL;
    const char *fp = client_fp + strlen("sha-256 ");
    char buf[160];
    /* accepted: no hash name, lower case, other spacing */
    cr_expect_eq(vg_dtls_new(server_ctx, true, fp, &d), 0);
    d = vg_dtls_free(d);
    size_t n = strlen(client_fp);
    for (size_t i = 0; i <= n; i++)
        buf[i] = (char)tolower((unsigned char)client_fp[i]);
    cr_expect_eq(vg_dtls_new(server_ctx, true, buf, &d), 0);
    d = vg_dtls_free(d);
    snprintf(buf, sizeof(buf), "  SHA-256\t%s\r\n", fp);
    cr_expect_eq(vg_dtls_new(server_ctx, true, buf, &d), 0);
    d = vg_dtls_free(d);

    const char *bad[] = {
        "",
        "sha-256",
        "sha-256 ",
        "sha-256 AB:CD", /* too short */
        "sha-1 " /* right length for sha-256, not for sha-1 */,
        "sha-256 AB:CD:",
        "sha-256 ABCD",
        "sha-256 A:BC",
        "sha-256 GG:00",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_eq(vg_dtls_new(server_ctx, true, bad[i], &d), -EINVAL, "\"%s\"", bad[i]);
        cr_expect_null(d);
    }
    snprintf(buf, sizeof(buf), "sha-1 %s", fp);
    cr_expect_eq(vg_dtls_new(server_ctx, true, buf, &d), -EINVAL, "sha-256 length for sha-1");
    snprintf(buf, sizeof(buf), "%s:00", fp);
    cr_expect_eq(vg_dtls_new(server_ctx, true, buf, &d), -EINVAL, "one byte too many");
    snprintf(buf, sizeof(buf), "%s x", client_fp);
    cr_expect_eq(vg_dtls_new(server_ctx, true, buf, &d), -EINVAL, "trailing junk");
    snprintf(buf, sizeof(buf), "md5 %s", fp);
    cr_expect_eq(vg_dtls_new(server_ctx, true, buf, &d), -ENOTSUP);
    cr_expect_null(d);
}

/* A deterministic stream of bytes, so a failure replays. */
static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

Test(dtls, garbage_is_ignored_and_the_handshake_still_completes)
{
    struct vg_dtls *s, *c;
    new_pair(&s, &c);
    uint32_t seed = 1;
    uint8_t junk[VG_DTLS_DATAGRAM_MAX + 8];
    /* records with a wrong version, a wrong length or no header: all
     * dropped by the record layer without a word */
    for (int i = 0; i < 300; i++) {
        size_t len = next_random(&seed) % sizeof(junk);
        for (size_t j = 0; j < len; j++)
            junk[j] = (uint8_t)next_random(&seed);
        if (len > 0)
            junk[0] = (uint8_t)(20 + next_random(&seed) % 44); /* RFC 7983's DTLS range */
        if (len > 2)
            junk[1] = 0x01; /* no DTLS version */
        cr_assert_eq(vg_dtls_receive(s, junk, len), 0);
    }
    cr_expect_eq(vg_dtls_receive(s, NULL, 0), 0);
    memset(junk, 22, sizeof(junk));
    cr_expect_eq(vg_dtls_receive(s, junk, VG_DTLS_DATAGRAM_MAX + 1), 0, "too large: dropped");
    cr_expect_eq(vg_dtls_pending(s, junk, sizeof(junk)), 0, "nothing to answer");

    /* mid-handshake too */
    int err = 0;
    move(c, s, &err);
    cr_assert_eq(err, 0);
    for (int i = 0; i < 300; i++) {
        size_t len = 13 + next_random(&seed) % 200;
        for (size_t j = 0; j < len; j++)
            junk[j] = (uint8_t)next_random(&seed);
        junk[0] = 22;
        junk[1] = 0xfe;
        junk[2] = 0xfd;
        junk[11] = (uint8_t)((len - 13) >> 8);
        junk[12] = (uint8_t)(len - 13);
        junk[3] = 0; /* a later epoch: buffered or dropped, never parsed */
        junk[4] = 1 + (uint8_t)(next_random(&seed) % 3);
        cr_assert_eq(vg_dtls_receive(s, junk, len), 0);
    }
    struct vg_dtls_stats st;
    vg_dtls_stats(s, &st);
    cr_expect_gt(st.dropped_in, 0, "the oversized ones are counted");
    cr_expect_eq(shuttle(s, c), 0);
    cr_expect(vg_dtls_connected(s));
    cr_expect(vg_dtls_connected(c));
    vg_dtls_free(s);
    vg_dtls_free(c);
}

/* Damaged handshake records in the current epoch may kill the endpoint;
 * what matters is that nothing crashes or reads out of bounds (ASan run). */
Test(dtls, damaged_handshake_records_do_not_crash)
{
    uint32_t seed = 7;
    for (int round = 0; round < 50; round++) {
        struct vg_dtls *s, *c;
        new_pair(&s, &c);
        uint8_t hello[VG_DTLS_DATAGRAM_MAX];
        int n = vg_dtls_pending(c, hello, sizeof(hello));
        cr_assert_gt(n, 13);
        for (int flips = 0; flips < 1 + round % 4; flips++) {
            size_t at = 13 + next_random(&seed) % ((size_t)n - 13);
            hello[at] ^= (uint8_t)(1 + next_random(&seed) % 255);
        }
        int r = vg_dtls_receive(s, hello, (size_t)n);
        cr_expect(r == 0 || r == -EPROTO, "round %d: %d", round, r);
        uint8_t out[VG_DTLS_DATAGRAM_MAX];
        while (vg_dtls_pending(s, out, sizeof(out)) > 0)
            ;
        vg_dtls_free(s);
        vg_dtls_free(c);
    }
    cr_expect_eq(ERR_peek_error(), 0);
}

static void sleep_us(int64_t us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

Test(dtls, a_lost_flight_is_retransmitted_on_timeout)
{
    struct vg_dtls *s, *c;
    new_pair(&s, &c);
    int err = 0;
    cr_assert_eq(move(c, s, &err), 1, "the ClientHello");
    cr_assert_eq(err, 0);

    /* the server's first flight is lost */
    uint8_t buf[VG_DTLS_DATAGRAM_MAX];
    int lost = 0;
    while (vg_dtls_pending(s, buf, sizeof(buf)) > 0)
        lost++;
    cr_assert_geq(lost, 1);

    int64_t t = vg_dtls_timeout_us(s);
    cr_assert_gt(t, 0);
    cr_expect_leq(t, 400000, "the first retransmission comes sooner than RFC 6347's 1 s");
    cr_expect_eq(vg_dtls_on_timeout(s), 0);
    cr_expect_eq(vg_dtls_pending(s, buf, sizeof(buf)), 0, "not due yet: nothing resent");

    sleep_us(vg_dtls_timeout_us(s) + 1000);
    cr_expect_eq(vg_dtls_timeout_us(s), 0, "due");
    cr_assert_eq(vg_dtls_on_timeout(s), 0);
    int64_t next = vg_dtls_timeout_us(s);
    cr_expect_gt(next, t, "the timer backs off");
    /* OpenSSL resends each message of the flight in a datagram of its own */
    cr_expect_geq(move(s, c, &err), lost, "the flight again");
    cr_assert_eq(err, 0);

    cr_assert_eq(shuttle(s, c), 0);
    cr_expect(vg_dtls_connected(s));
    cr_expect(vg_dtls_connected(c));
    cr_expect_eq(vg_dtls_timeout_us(c), -1, "no timer once connected");
    vg_dtls_free(s);
    vg_dtls_free(c);
}

Test(dtls, a_lost_last_flight_is_resent_when_the_client_retransmits)
{
    struct vg_dtls *s, *c;
    new_pair(&s, &c);
    int err = 0;
    move(c, s, &err); /* ClientHello */
    move(s, c, &err); /* ServerHello ... ServerHelloDone */
    move(c, s, &err); /* Certificate ... Finished */
    cr_assert_eq(err, 0);
    cr_assert(vg_dtls_connected(s));
    uint8_t buf[VG_DTLS_DATAGRAM_MAX];
    while (vg_dtls_pending(s, buf, sizeof(buf)) > 0)
        ; /* the server's Finished is lost */
    cr_assert_not(vg_dtls_connected(c));

    sleep_us(vg_dtls_timeout_us(c) + 1000);
    cr_assert_eq(vg_dtls_on_timeout(c), 0);
    cr_assert_eq(shuttle(s, c), 0);
    cr_expect(vg_dtls_connected(c));
    struct vg_srtp_keys ks, kc;
    cr_assert_eq(vg_dtls_srtp_keys(s, &ks), 0);
    cr_assert_eq(vg_dtls_srtp_keys(c, &kc), 0);
    cr_expect_eq(memcmp(ks.local, kc.remote, ks.len), 0);
    vg_dtls_free(s);
    vg_dtls_free(c);
}

Test(dtls, close_tells_the_peer)
{
    struct vg_dtls *s, *c;
    new_pair(&s, &c);
    cr_assert_eq(shuttle(s, c), 0);
    vg_dtls_close(c);
    cr_expect_not(vg_dtls_connected(c));
    int err = 0;
    cr_expect_eq(move(c, s, &err), 1);
    cr_expect_eq(err, -ECONNRESET);
    cr_expect_not(vg_dtls_connected(s));
    vg_dtls_close(s); /* already dead: nothing more to send */
    cr_expect_eq(vg_dtls_pending(s, (uint8_t[64]){0}, 64), 0);
    vg_dtls_free(s);
    vg_dtls_free(c);
}

Test(dtls, pending_keeps_a_datagram_that_does_not_fit)
{
    struct vg_dtls *c;
    cr_assert_eq(vg_dtls_new(client_ctx, false, server_fp, &c), 0);
    uint8_t small[16], buf[VG_DTLS_DATAGRAM_MAX];
    cr_expect_eq(vg_dtls_pending(c, small, sizeof(small)), -EMSGSIZE);
    int n = vg_dtls_pending(c, buf, sizeof(buf));
    cr_expect_gt(n, 16, "the ClientHello is still there");
    cr_expect_eq(buf[0], 22, "a handshake record");
    vg_dtls_free(c);
}

Test(dtls, srtp_keyed_from_the_handshake_carries_media)
{
    struct vg_dtls *s, *c;
    new_pair(&s, &c);
    cr_assert_eq(shuttle(s, c), 0);
    struct vg_srtp_keys ks, kc;
    cr_assert_eq(vg_dtls_srtp_keys(s, &ks), 0);
    cr_assert_eq(vg_dtls_srtp_keys(c, &kc), 0);
    cr_assert_eq(vg_srtp_init(), 0);
    struct vg_srtp *ss, *sc;
    cr_assert_eq(vg_srtp_new(&ks, &ss), 0);
    cr_assert_eq(vg_srtp_new(&kc, &sc), 0);

    alignas(4) uint8_t pkt[256 + VG_SRTP_MAX_TRAILER];
    const uint8_t rtp[] = {0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 1, 2, 3, 4, 0x65, 0x88, 0x84, 0x00};
    memcpy(pkt, rtp, sizeof(rtp));
    size_t len = sizeof(rtp);
    cr_assert_eq(vg_srtp_protect(ss, pkt, &len, sizeof(pkt)), 0);
    cr_assert_eq(vg_srtp_unprotect(sc, pkt, &len), 0);
    cr_expect_eq(len, sizeof(rtp));
    cr_expect_eq(memcmp(pkt, rtp, len), 0);
    vg_srtp_free(ss);
    vg_srtp_free(sc);
    vg_srtp_done();
    vg_dtls_free(s);
    vg_dtls_free(c);
}
