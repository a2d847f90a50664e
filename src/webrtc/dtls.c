#include "webrtc/dtls.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bytes.h"

/* Browsers offer both; GCM first because it is cheaper per packet and its
 * tag covers the header with the payload in one pass. */
#define SRTP_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

/* Forward-secret suites only. Our own key is ECDSA, so as the server only
 * the ECDSA ones apply; the RSA ones are for the client role against a peer
 * with an RSA certificate. */
#define CIPHERS                                                                                    \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"                                 \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"                                     \
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"

#define GROUPS "X25519:P-256:P-384"

/* RFC 6347 suggests 1 s for the first retransmission. ICE has already
 * proven the path (and on the LANs an NVR lives on its round trip is a few
 * milliseconds), so a lost flight would cost the viewer a second of black
 * picture for nothing; start lower and double up to a ceiling. OpenSSL gives
 * up after 12 retransmissions, about 40 s with these values. */
#define RETRANSMIT_FIRST_US 400000u
#define RETRANSMIT_MAX_US 4000000u

#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

struct dgram {
    uint8_t *data;
    size_t len;
};

/* A bounded FIFO of whole datagrams. OpenSSL packs the records of a flight
 * into datagrams of at most the MTU and writes each with one BIO_write (a
 * retransmission, one message per datagram); its memory BIO would
 * concatenate them and lose where one ends. This keeps each write as one
 * datagram and hands one back per BIO_read, like a UDP socket (which also
 * drops rather than blocks when full). */
struct dgram_queue {
    struct dgram items[VG_DTLS_QUEUE_MAX];
    size_t head, count;
    uint64_t dropped;
};

struct vg_dtls {
    SSL *ssl;
    BIO_METHOD *method;
    struct dgram_queue in, out;
    const EVP_MD *fp_md;
    unsigned char fp[EVP_MAX_MD_SIZE];
    unsigned fp_len;
    bool server, connected;
    int err; /* negative errno once dead */
    uint64_t ignored_data;
    char why[160];
};

static bool queue_push(struct dgram_queue *q, const void *data, size_t len)
{
    if (len == 0 || len > VG_DTLS_DATAGRAM_MAX || q->count == VG_DTLS_QUEUE_MAX)
        return false;
    uint8_t *copy = malloc(len);
    if (!copy)
        return false;
    memcpy(copy, data, len);
    q->items[(q->head + q->count) % VG_DTLS_QUEUE_MAX] = (struct dgram){copy, len};
    q->count++;
    return true;
}

static void queue_pop(struct dgram_queue *q)
{
    free(q->items[q->head].data);
    q->items[q->head] = (struct dgram){0};
    q->head = (q->head + 1) % VG_DTLS_QUEUE_MAX;
    q->count--;
}

static void queue_clear(struct dgram_queue *q)
{
    while (q->count > 0)
        queue_pop(q);
}

static int qbio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int qbio_destroy(BIO *b)
{
    /* The queue belongs to the vg_dtls, which frees it after SSL_free(). */
    BIO_set_data(b, NULL);
    return 1;
}

static int qbio_write(BIO *b, const char *buf, int len)
{
    struct dgram_queue *q = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    /* Report a refused datagram as sent, as UDP would: a write error would
     * kill the handshake, a lost datagram is only retransmitted. */
    if (!queue_push(q, buf, (size_t)len))
        q->dropped++;
    return len;
}

static int qbio_read(BIO *b, char *buf, int len)
{
    struct dgram_queue *q = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (q->count == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    if (len <= 0)
        return 0;
    const struct dgram *g = &q->items[q->head];
    /* A short buffer truncates, as recv() does; DTLS always offers a full
     * record buffer. */
    size_t n = g->len < (size_t)len ? g->len : (size_t)len;
    memcpy(buf, g->data, n);
    queue_pop(q);
    return (int)n;
}

static long qbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    struct dgram_queue *q = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return q->count > 0 ? (long)q->items[q->head].len : 0;
    case BIO_CTRL_WPENDING:
        /* DTLS subtracts the write-pending bytes from the room of its next
         * record as if they shared a datagram; ours never do. */
        return 0;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
        return VG_DTLS_MTU;
    default:
        return 0;
    }
}

static BIO *qbio_new(BIO_METHOD *m, struct dgram_queue *q)
{
    BIO *b = BIO_new(m);
    if (b)
        BIO_set_data(b, q);
    return b;
}

/* One method per endpoint rather than a shared one: a shared one would be
 * mutable global state, and BIO_get_new_index() hands out only ~128 type
 * numbers per process. The plain source/sink type is enough: nothing looks
 * our BIOs up by type. */
static BIO_METHOD *qbio_method_new(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "vigil datagram queue");
    if (!m)
        return NULL;
    if (!BIO_meth_set_create(m, qbio_create) || !BIO_meth_set_destroy(m, qbio_destroy) ||
        !BIO_meth_set_write(m, qbio_write) || !BIO_meth_set_read(m, qbio_read) ||
        !BIO_meth_set_ctrl(m, qbio_ctrl)) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

/* The peer's certificate is self-signed, so chain verification always fails;
 * what authenticates it is the fingerprint the signalling channel carried,
 * checked once the handshake is done. Asking for the certificate
 * (SSL_VERIFY_PEER) is still what makes a server request one. */
static int accept_self_signed(int preverify_ok, X509_STORE_CTX *x)
{
    (void)preverify_ok;
    (void)x;
    return 1;
}

static unsigned int retransmit_timer(SSL *ssl, unsigned int previous_us)
{
    (void)ssl;
    if (previous_us == 0)
        return RETRANSMIT_FIRST_US;
    return previous_us >= RETRANSMIT_MAX_US / 2 ? RETRANSMIT_MAX_US : previous_us * 2;
}

int vg_dtls_ctx_new(const struct vg_cert *cert, SSL_CTX **ret)
{
    int r = -EIO;
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
    if (!ctx) {
        r = -ENOMEM;
        goto out;
    }
    if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
        SSL_CTX_use_certificate(ctx, cert->x509) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, cert->key) != 1 || SSL_CTX_check_private_key(ctx) != 1 ||
        SSL_CTX_set_cipher_list(ctx, CIPHERS) != 1 || SSL_CTX_set1_groups_list(ctx, GROUPS) != 1)
        goto out;
    /* Unlike the rest of the API, 0 is success here. */
    if (SSL_CTX_set_tlsext_use_srtp(ctx, SRTP_PROFILES) != 0)
        goto out;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_self_signed);
    /* Every session is a new peer with a new certificate: nothing to resume.
     * The MTU is ours to set, not the (absent) socket's to report. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx,
                        SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU | SSL_OP_CIPHER_SERVER_PREFERENCE);
    r = 0;
out:
    ERR_clear_error();
    if (r < 0) {
        SSL_CTX_free(ctx);
        return r;
    }
    *ret = ctx;
    return 0;
}

/* RFC 8122 §5: [hash-func SP] 2UHEX *(":" 2UHEX). The hash name is optional
 * because the session layer may already have split it off. */
static int parse_fingerprint(const char *s, const EVP_MD **ret_md, unsigned char *ret,
                             unsigned *ret_len)
{
    static const struct {
        const char *name;
        const EVP_MD *(*md)(void);
    } hashes[] = {
        {"sha-1", EVP_sha1},     {"sha-224", EVP_sha224}, {"sha-256", EVP_sha256},
        {"sha-384", EVP_sha384}, {"sha-512", EVP_sha512},
    };
    const EVP_MD *md = EVP_sha256();
    s += strspn(s, " \t");
    size_t tok = strcspn(s, " \t");
    if (s[tok] != '\0') {
        md = NULL;
        for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
            if (strlen(hashes[i].name) == tok && strncasecmp(s, hashes[i].name, tok) == 0)
                md = hashes[i].md();
        }
        if (!md)
            return -ENOTSUP;
        s += tok;
        s += strspn(s, " \t");
    }
    unsigned want = (unsigned)EVP_MD_get_size(md);
    unsigned n = 0;
    for (;;) {
        int hi = vg_hex_digit(s[0]);
        int lo = hi < 0 ? -1 : vg_hex_digit(s[1]);
        if (lo < 0 || n == want)
            return -EINVAL;
        ret[n++] = (unsigned char)(hi << 4 | lo);
        s += 2;
        if (*s != ':')
            break;
        s++;
    }
    s += strspn(s, " \t\r\n");
    if (*s != '\0' || n != want)
        return -EINVAL;
    *ret_md = md;
    *ret_len = n;
    return 0;
}

/* Marks d dead with err, keeping OpenSSL's reason (or ours) for the log. */
static int fail(struct vg_dtls *d, int err, const char *why)
{
    unsigned long e = ERR_peek_error();
    if (why)
        snprintf(d->why, sizeof(d->why), "%s", why);
    else if (e != 0)
        ERR_error_string_n(e, d->why, sizeof(d->why));
    else
        snprintf(d->why, sizeof(d->why), "%s", strerror(-err));
    ERR_clear_error();
    d->err = err;
    d->connected = false;
    return err;
}

/* After SSL_do_handshake() or SSL_read() returned r <= 0. */
static int check(struct vg_dtls *d, int r)
{
    switch (SSL_get_error(d->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        ERR_clear_error();
        return 0;
    case SSL_ERROR_ZERO_RETURN:
        return fail(d, -ECONNRESET, "peer sent close_notify");
    default:
        return fail(d, -EPROTO, NULL);
    }
}

static int on_handshake_done(struct vg_dtls *d)
{
    X509 *peer = SSL_get0_peer_certificate(d->ssl);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!peer || !X509_digest(peer, d->fp_md, md, &len))
        return fail(d, -EACCES, "peer sent no usable certificate");
    if (len != d->fp_len || CRYPTO_memcmp(md, d->fp, len) != 0) {
        /* Tell the peer, which believes the connection is up. */
        SSL_shutdown(d->ssl);
        return fail(d, -EACCES, "peer certificate does not match its SDP fingerprint");
    }
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    if (!p || (p->id != SRTP_AES128_CM_SHA1_80 && p->id != SRTP_AEAD_AES_128_GCM))
        return fail(d, -EPROTO, "no SRTP profile agreed");
    d->connected = true;
    return 0;
}

static int advance(struct vg_dtls *d)
{
    ERR_clear_error();
    if (!SSL_is_init_finished(d->ssl)) {
        int r = SSL_do_handshake(d->ssl);
        if (r != 1)
            return check(d, r);
        r = on_handshake_done(d);
        if (r < 0)
            return r;
    }
    /* Connected: what still arrives is the peer's retransmitted last flight
     * (OpenSSL answers it with ours), alerts, or application data, which no
     * WebRTC media session sends and we drop. The queue bounds the loop. */
    for (;;) {
        unsigned char scratch[256];
        int r = SSL_read(d->ssl, scratch, sizeof(scratch));
        if (r <= 0)
            return check(d, r);
        d->ignored_data++;
    }
}

int vg_dtls_new(SSL_CTX *ctx, bool server, const char *peer_fingerprint, struct vg_dtls **ret)
{
    const EVP_MD *md = NULL;
    unsigned char fp[EVP_MAX_MD_SIZE];
    unsigned fp_len = 0;
    int r = parse_fingerprint(peer_fingerprint, &md, fp, &fp_len);
    if (r < 0)
        return r;

    struct vg_dtls *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->server = server;
    d->fp_md = md;
    memcpy(d->fp, fp, fp_len);
    d->fp_len = fp_len;

    r = -ENOMEM;
    d->method = qbio_method_new();
    d->ssl = SSL_new(ctx);
    if (!d->method || !d->ssl)
        goto out;
    BIO *rbio = qbio_new(d->method, &d->in);
    BIO *wbio = qbio_new(d->method, &d->out);
    if (!rbio || !wbio) {
        BIO_free(rbio);
        BIO_free(wbio);
        goto out;
    }
    SSL_set_bio(d->ssl, rbio, wbio); /* the SSL owns both from here */
    r = -EIO;
    if (!SSL_set_mtu(d->ssl, VG_DTLS_MTU))
        goto out;
    DTLS_set_timer_cb(d->ssl, retransmit_timer);
    if (server) {
        SSL_set_accept_state(d->ssl);
        r = 0;
    } else {
        SSL_set_connect_state(d->ssl);
        r = advance(d); /* writes the ClientHello */
    }
out:
    ERR_clear_error();
    if (r < 0) {
        vg_dtls_free(d);
        return r == -ENOMEM ? r : -EIO;
    }
    *ret = d;
    return 0;
}

struct vg_dtls *vg_dtls_free(struct vg_dtls *d)
{
    if (!d)
        return NULL;
    SSL_free(d->ssl); /* frees the BIOs, which leave the queues alone */
    BIO_meth_free(d->method);
    queue_clear(&d->in);
    queue_clear(&d->out);
    free(d);
    return NULL;
}

int vg_dtls_receive(struct vg_dtls *d, const uint8_t *rec, size_t len)
{
    if (d->err < 0)
        return d->err;
    if (!queue_push(&d->in, rec, len)) {
        d->in.dropped++;
        return 0;
    }
    return advance(d);
}

int vg_dtls_pending(struct vg_dtls *d, uint8_t *buf, size_t cap)
{
    if (d->out.count == 0)
        return 0;
    const struct dgram *g = &d->out.items[d->out.head];
    if (g->len > cap)
        return -EMSGSIZE;
    int len = (int)g->len;
    memcpy(buf, g->data, g->len);
    queue_pop(&d->out);
    return len;
}

int64_t vg_dtls_timeout_us(struct vg_dtls *d)
{
    struct timeval tv;
    if (d->err < 0 || DTLSv1_get_timeout(d->ssl, &tv) != 1)
        return -1;
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int vg_dtls_on_timeout(struct vg_dtls *d)
{
    if (d->err < 0)
        return d->err;
    ERR_clear_error();
    if (DTLSv1_handle_timeout(d->ssl) < 0)
        return fail(d, -ETIMEDOUT, "handshake timed out");
    ERR_clear_error();
    return 0;
}

void vg_dtls_close(struct vg_dtls *d)
{
    if (d->err < 0)
        return;
    ERR_clear_error();
    /* Before the handshake finished there is nothing to close politely:
     * OpenSSL sends no close_notify then, and the peer times out anyway. */
    if (SSL_is_init_finished(d->ssl))
        SSL_shutdown(d->ssl);
    fail(d, -ECONNRESET, "closed");
}

bool vg_dtls_connected(const struct vg_dtls *d)
{
    return d->connected;
}

int vg_dtls_srtp_keys(struct vg_dtls *d, struct vg_srtp_keys *ret)
{
    if (!d->connected)
        return -ENOTCONN;
    const SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(d->ssl);
    struct vg_srtp_keys k = {0};
    size_t salt;
    if (p->id == SRTP_AEAD_AES_128_GCM) {
        k.profile = VG_SRTP_AEAD_AES_128_GCM;
        salt = VG_SRTP_SALT_LEN_GCM;
    } else {
        k.profile = VG_SRTP_AES128_CM_SHA1_80;
        salt = VG_SRTP_SALT_LEN_CM;
    }
    k.len = VG_SRTP_KEY_LEN + salt;

    /* RFC 5764 §4.2: client key, server key, client salt, server salt. */
    unsigned char km[2 * VG_SRTP_MASTER_MAX];
    if (SSL_export_keying_material(d->ssl, km, 2 * k.len, EXPORTER_LABEL,
                                   sizeof(EXPORTER_LABEL) - 1, NULL, 0, 0) != 1) {
        ERR_clear_error();
        return -EIO;
    }
    const unsigned char *client_key = km, *server_key = km + VG_SRTP_KEY_LEN;
    const unsigned char *client_salt = km + 2 * VG_SRTP_KEY_LEN;
    const unsigned char *server_salt = client_salt + salt;
    uint8_t *client = d->server ? k.remote : k.local;
    uint8_t *server = d->server ? k.local : k.remote;
    memcpy(client, client_key, VG_SRTP_KEY_LEN);
    memcpy(client + VG_SRTP_KEY_LEN, client_salt, salt);
    memcpy(server, server_key, VG_SRTP_KEY_LEN);
    memcpy(server + VG_SRTP_KEY_LEN, server_salt, salt);
    *ret = k;
    OPENSSL_cleanse(km, sizeof(km));
    OPENSSL_cleanse(&k, sizeof(k));
    return 0;
}

const char *vg_dtls_error(const struct vg_dtls *d)
{
    return d->why;
}

void vg_dtls_stats(const struct vg_dtls *d, struct vg_dtls_stats *ret)
{
    *ret = (struct vg_dtls_stats){
        .dropped_in = d->in.dropped,
        .dropped_out = d->out.dropped,
        .ignored_data = d->ignored_data,
    };
}
