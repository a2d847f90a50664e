/* STUN for ICE-lite: the RFC 5769 test vectors parsed and checked (short- and
 * long-term integrity, fingerprint, every attribute they carry), the builder
 * reproducing them byte for byte and round-tripping responses, its caps, and
 * damaged input of every kind a peer or an attacker can send. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include <openssl/evp.h>

#include "proto/stun.h"

/* The RFC 5769 vectors, laid out as the RFC prints them. */
// clang-format off
/* §2.1: sample request, short-term credentials. */
static const uint8_t sample_request[108] = {
    0x00, 0x01, 0x00, 0x58, /* type, length */
    0x21, 0x12, 0xa4, 0x42, /* magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* transaction id */
    0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x10, /* SOFTWARE */
    0x53, 0x54, 0x55, 0x4e, /* "STUN test client" */
    0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c,
    0x69, 0x65, 0x6e, 0x74,
    0x00, 0x24, 0x00, 0x04, /* PRIORITY */
    0x6e, 0x00, 0x01, 0xff, /* priority */
    0x80, 0x29, 0x00, 0x08, /* ICE-CONTROLLED */
    0x93, 0x2f, 0xf9, 0xb1, /* tie-breaker */
    0x51, 0x26, 0x3b, 0x36,
    0x00, 0x06, 0x00, 0x09, /* USERNAME */
    0x65, 0x76, 0x74, 0x6a, /* "evtj:h6vY", padded with blanks */
    0x3a, 0x68, 0x36, 0x76,
    0x59, 0x20, 0x20, 0x20,
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
    0x9a, 0xea, 0xa7, 0x0c, /* HMAC-SHA1 */
    0xbf, 0xd8, 0xcb, 0x56,
    0x78, 0x1e, 0xf2, 0xb5,
    0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2,
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
    0xe5, 0x7a, 0x3b, 0xcf, /* CRC-32 ^ 0x5354554e */
};

/* §2.2: sample IPv4 response. */
static const uint8_t sample_ipv4_response[80] = {
    0x01, 0x01, 0x00, 0x3c, /* type, length */
    0x21, 0x12, 0xa4, 0x42, /* magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* transaction id */
    0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x0b, /* SOFTWARE */
    0x74, 0x65, 0x73, 0x74, /* "test vector", padded with a blank */
    0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x08, /* XOR-MAPPED-ADDRESS */
    0x00, 0x01, 0xa1, 0x47, /* IPv4, port 32853 ^ 0x2112 */
    0xe1, 0x12, 0xa6, 0x43, /* 192.0.2.1 ^ cookie */
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
    0x2b, 0x91, 0xf5, 0x99, /* HMAC-SHA1 */
    0xfd, 0x9e, 0x90, 0xc3,
    0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53,
    0xf0, 0x6b, 0xe7, 0xd7,
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
    0xc0, 0x7d, 0x4c, 0x96, /* CRC-32 ^ 0x5354554e */
};

/* §2.3: sample IPv6 response. */
static const uint8_t sample_ipv6_response[92] = {
    0x01, 0x01, 0x00, 0x48, /* type, length */
    0x21, 0x12, 0xa4, 0x42, /* magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* transaction id */
    0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x0b, /* SOFTWARE */
    0x74, 0x65, 0x73, 0x74, /* "test vector" */
    0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x14, /* XOR-MAPPED-ADDRESS */
    0x00, 0x02, 0xa1, 0x47, /* IPv6, port 32853 ^ 0x2112 */
    0x01, 0x13, 0xa9, 0xfa, /* 2001:db8:1234:5678:11:2233:4455:6677 ^ (cookie, txid) */
    0xa5, 0xd3, 0xf1, 0x79,
    0xbc, 0x25, 0xf4, 0xb5,
    0xbe, 0xd2, 0xb9, 0xd9,
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
    0xa3, 0x82, 0x95, 0x4e, /* HMAC-SHA1 */
    0x4b, 0xe6, 0x7b, 0xf1,
    0x17, 0x84, 0xc9, 0x7c,
    0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41,
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
    0xc8, 0xfb, 0x0b, 0x4c, /* CRC-32 ^ 0x5354554e */
};

/* §2.4: sample request with long-term credentials (no FINGERPRINT). */
static const uint8_t sample_long_term_request[116] = {
    0x00, 0x01, 0x00, 0x60, /* type, length */
    0x21, 0x12, 0xa4, 0x42, /* magic cookie */
    0x78, 0xad, 0x34, 0x33, /* transaction id */
    0xc6, 0xad, 0x72, 0xc0,
    0x29, 0xda, 0x41, 0x2e,
    0x00, 0x06, 0x00, 0x12, /* USERNAME */
    0xe3, 0x83, 0x9e, 0xe3, /* "マトリックス" in UTF-8 */
    0x83, 0x88, 0xe3, 0x83,
    0xaa, 0xe3, 0x83, 0x83,
    0xe3, 0x82, 0xaf, 0xe3,
    0x82, 0xb9, 0x00, 0x00,
    0x00, 0x15, 0x00, 0x1c, /* NONCE */
    0x66, 0x2f, 0x2f, 0x34, /* "f//499k954d6OL34oL9FSTvy64sA" */
    0x39, 0x39, 0x6b, 0x39,
    0x35, 0x34, 0x64, 0x36,
    0x4f, 0x4c, 0x33, 0x34,
    0x6f, 0x4c, 0x39, 0x46,
    0x53, 0x54, 0x76, 0x79,
    0x36, 0x34, 0x73, 0x41,
    0x00, 0x14, 0x00, 0x0b, /* REALM */
    0x65, 0x78, 0x61, 0x6d, /* "example.org" */
    0x70, 0x6c, 0x65, 0x2e,
    0x6f, 0x72, 0x67, 0x00,
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
    0xf6, 0x70, 0x24, 0x65, /* HMAC-SHA1 */
    0x6d, 0xd6, 0x4a, 0x3e,
    0x02, 0xb8, 0xe0, 0x71,
    0x2e, 0x85, 0xc9, 0xa2,
    0x8c, 0xa8, 0x96, 0x66,
};
// clang-format on

static const char password[] = "VOkJxbRl1RmTxUk/WvJxBt";
#define KEY ((const uint8_t *)password)
#define KEY_LEN (sizeof(password) - 1)

static const uint8_t sample_txid[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                        0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

static const struct {
    const uint8_t *p;
    size_t len;
} vectors[] = {
    {sample_request, sizeof(sample_request)},
    {sample_ipv4_response, sizeof(sample_ipv4_response)},
    {sample_ipv6_response, sizeof(sample_ipv6_response)},
    {sample_long_term_request, sizeof(sample_long_term_request)},
};

static struct sockaddr_storage addr4(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    cr_assert_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
    return ss;
}

static struct sockaddr_storage addr6(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    cr_assert_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
    return ss;
}

static void expect_same_address(const struct sockaddr_storage *got,
                                const struct sockaddr_storage *want)
{
    cr_assert_eq(got->ss_family, want->ss_family);
    if (want->ss_family == AF_INET) {
        const struct sockaddr_in *g = (const struct sockaddr_in *)got;
        const struct sockaddr_in *w = (const struct sockaddr_in *)want;
        cr_expect_eq(ntohs(g->sin_port), ntohs(w->sin_port));
        cr_expect_eq(g->sin_addr.s_addr, w->sin_addr.s_addr);
    } else {
        const struct sockaddr_in6 *g = (const struct sockaddr_in6 *)got;
        const struct sockaddr_in6 *w = (const struct sockaddr_in6 *)want;
        cr_expect_eq(ntohs(g->sin6_port), ntohs(w->sin6_port));
        cr_expect_eq(memcmp(&g->sin6_addr, &w->sin6_addr, 16), 0);
    }
}

static void expect_text(const struct vg_stun_msg *m, uint16_t type, const char *want)
{
    struct vg_span s;
    cr_assert_eq(vg_stun_get_text(m, type, &s), 0, "attribute 0x%04x", type);
    cr_expect(vg_span_eq(s, want), "attribute 0x%04x is \"%.*s\"", type, (int)s.len, s.base);
}

Test(stun, rfc5769_sample_request_checks_and_decodes)
{
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(sample_request, sizeof(sample_request), &m), 0);
    cr_expect_eq(m.type, VG_STUN_BINDING_REQUEST);
    cr_expect_eq(vg_stun_method(m.type), VG_STUN_METHOD_BINDING);
    cr_expect_eq(vg_stun_class(m.type), VG_STUN_CLASS_REQUEST);
    cr_expect_eq(memcmp(m.txid, sample_txid, 12), 0);
    cr_expect_eq(m.len, 108);
    cr_assert_eq(m.n_attrs, 6);
    /* Offsets are those of the attribute headers, which integrity needs. */
    cr_expect_eq(m.attrs[4].type, VG_STUN_ATTR_MESSAGE_INTEGRITY);
    cr_expect_eq(m.attrs[4].offset, 76);
    cr_expect_eq(m.attrs[4].value, sample_request + 80);
    cr_expect_eq(m.attrs[5].offset, 100);
    cr_expect_eq(m.attrs[3].len, 9);

    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), 0);
    cr_expect_eq(vg_stun_check_fingerprint(&m), 0);
    expect_text(&m, VG_STUN_ATTR_USERNAME, "evtj:h6vY");
    expect_text(&m, VG_STUN_ATTR_SOFTWARE, "STUN test client");
    uint32_t prio;
    cr_assert_eq(vg_stun_get_u32(&m, VG_STUN_ATTR_PRIORITY, &prio), 0);
    cr_expect_eq(prio, 0x6e0001ff);
    uint64_t tie;
    cr_assert_eq(vg_stun_get_u64(&m, VG_STUN_ATTR_ICE_CONTROLLED, &tie), 0);
    cr_expect_eq(tie, 0x932ff9b151263b36ull);
    cr_expect_eq(vg_stun_get_u64(&m, VG_STUN_ATTR_ICE_CONTROLLING, &tie), -ENOENT);
    cr_expect_not(vg_stun_has(&m, VG_STUN_ATTR_USE_CANDIDATE));
    uint16_t unknown;
    cr_expect_eq(vg_stun_first_unknown_required(&m, &unknown), -ENOENT);
}

Test(stun, rfc5769_sample_request_fails_integrity_with_another_password)
{
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(sample_request, sizeof(sample_request), &m), 0);
    const char other[] = "VOkJxbRl1RmTxUk/WvJxBu";
    cr_expect_eq(vg_stun_check_integrity(&m, (const uint8_t *)other, sizeof(other) - 1), -EACCES);
    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN - 1), -EACCES);
    cr_expect_eq(vg_stun_check_integrity(&m, (const uint8_t *)"", 0), -EACCES);
}

Test(stun, rfc5769_ipv4_response_gives_mapped_address)
{
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(sample_ipv4_response, sizeof(sample_ipv4_response), &m), 0);
    cr_expect_eq(m.type, VG_STUN_BINDING_SUCCESS);
    cr_expect_eq(vg_stun_class(m.type), VG_STUN_CLASS_SUCCESS);
    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), 0);
    cr_expect_eq(vg_stun_check_fingerprint(&m), 0);
    expect_text(&m, VG_STUN_ATTR_SOFTWARE, "test vector");
    struct sockaddr_storage got, want = addr4("192.0.2.1", 32853);
    cr_assert_eq(vg_stun_get_xor_mapped_address(&m, &got), 0);
    expect_same_address(&got, &want);
    cr_expect_eq(vg_stun_get_mapped_address(&m, &got), -ENOENT);
}

Test(stun, rfc5769_ipv6_response_gives_mapped_address)
{
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(sample_ipv6_response, sizeof(sample_ipv6_response), &m), 0);
    cr_expect_eq(m.type, VG_STUN_BINDING_SUCCESS);
    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), 0);
    cr_expect_eq(vg_stun_check_fingerprint(&m), 0);
    expect_text(&m, VG_STUN_ATTR_SOFTWARE, "test vector");
    struct sockaddr_storage got, want = addr6("2001:db8:1234:5678:11:2233:4455:6677", 32853);
    cr_assert_eq(vg_stun_get_xor_mapped_address(&m, &got), 0);
    expect_same_address(&got, &want);
}

Test(stun, rfc5769_long_term_request_checks_with_md5_key)
{
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(sample_long_term_request, sizeof(sample_long_term_request), &m), 0);
    cr_expect_eq(m.type, VG_STUN_BINDING_REQUEST);
    /* The username is "マトリックス" in UTF-8; the password "The<U+00AD>M<U+00AA>tr<U+2168>"
     * is "TheMatrIX" after SASLprep. */
    const char username[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82"
                            "\xb9";
    expect_text(&m, VG_STUN_ATTR_USERNAME, username);
    expect_text(&m, VG_STUN_ATTR_REALM, "example.org");
    expect_text(&m, VG_STUN_ATTR_NONCE, "f//499k954d6OL34oL9FSTvy64sA");

    const char creds[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82"
                         "\xb9:example.org:TheMatrIX";
    uint8_t key[16];
    unsigned key_len = 0;
    cr_assert(EVP_Digest(creds, sizeof(creds) - 1, key, &key_len, EVP_md5(), NULL));
    cr_assert_eq(key_len, 16);
    cr_expect_eq(vg_stun_check_integrity(&m, key, key_len), 0);
    /* Short-term use of the password is a different key. */
    cr_expect_eq(vg_stun_check_integrity(&m, (const uint8_t *)"TheMatrIX", 9), -EACCES);
    cr_expect_eq(vg_stun_check_fingerprint(&m), -ENOENT);
}

/* The RFC pads with blanks where the builder pads with zeros: overwrite the
 * padding of the attribute just added, as the vectors' author did. */
static void pad_with_blanks(struct vg_stun_builder *b, size_t value_len)
{
    size_t value_start = b->len - ((value_len + 3) & ~(size_t)3);
    for (size_t i = value_len; i % 4 != 0; i++)
        b->buf[value_start + i] = ' ';
}

Test(stun, builder_reproduces_rfc5769_short_term_vectors)
{
    uint8_t buf[128];
    struct vg_stun_builder b;
    const uint8_t prio[] = {0x6e, 0x00, 0x01, 0xff};
    const uint8_t tie[] = {0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36};

    cr_assert_eq(vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_REQUEST, sample_txid),
                 0);
    cr_assert_eq(vg_stun_add_bytes(&b, VG_STUN_ATTR_SOFTWARE, "STUN test client", 16), 0);
    cr_assert_eq(vg_stun_add_bytes(&b, VG_STUN_ATTR_PRIORITY, prio, sizeof(prio)), 0);
    cr_assert_eq(vg_stun_add_bytes(&b, VG_STUN_ATTR_ICE_CONTROLLED, tie, sizeof(tie)), 0);
    cr_assert_eq(vg_stun_add_username(&b, "evtj:h6vY", 9), 0);
    pad_with_blanks(&b, 9);
    cr_assert_eq(vg_stun_builder_finish(&b, KEY, KEY_LEN), (int)sizeof(sample_request));
    cr_expect_eq(memcmp(buf, sample_request, sizeof(sample_request)), 0);

    struct sockaddr_storage v4 = addr4("192.0.2.1", 32853);
    cr_assert_eq(vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_SUCCESS, sample_txid),
                 0);
    cr_assert_eq(vg_stun_add_bytes(&b, VG_STUN_ATTR_SOFTWARE, "test vector", 11), 0);
    pad_with_blanks(&b, 11);
    cr_assert_eq(vg_stun_add_xor_mapped_address(&b, (const struct sockaddr *)&v4, sizeof(v4)), 0);
    cr_assert_eq(vg_stun_builder_finish(&b, KEY, KEY_LEN), (int)sizeof(sample_ipv4_response));
    cr_expect_eq(memcmp(buf, sample_ipv4_response, sizeof(sample_ipv4_response)), 0);

    struct sockaddr_storage v6 = addr6("2001:db8:1234:5678:11:2233:4455:6677", 32853);
    cr_assert_eq(vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_SUCCESS, sample_txid),
                 0);
    cr_assert_eq(vg_stun_add_bytes(&b, VG_STUN_ATTR_SOFTWARE, "test vector", 11), 0);
    pad_with_blanks(&b, 11);
    cr_assert_eq(vg_stun_add_xor_mapped_address(&b, (const struct sockaddr *)&v6,
                                                sizeof(struct sockaddr_in6)),
                 0);
    cr_assert_eq(vg_stun_builder_finish(&b, KEY, KEY_LEN), (int)sizeof(sample_ipv6_response));
    cr_expect_eq(memcmp(buf, sample_ipv6_response, sizeof(sample_ipv6_response)), 0);
}

static void check_binding_response_round_trip(const struct sockaddr_storage *from,
                                              socklen_t from_len)
{
    struct vg_stun_msg req, resp;
    cr_assert_eq(vg_stun_parse(sample_request, sizeof(sample_request), &req), 0);
    const char local_pwd[] = "local-ice-password-24chr";
    uint8_t buf[256];
    int n = vg_stun_binding_response(&req, (const struct sockaddr *)from, from_len,
                                     (const uint8_t *)local_pwd, sizeof(local_pwd) - 1, buf,
                                     sizeof(buf));
    cr_assert_gt(n, 0, "binding response: %d", n);
    cr_assert_eq(vg_stun_parse(buf, (size_t)n, &resp), 0);
    cr_expect_eq(resp.type, VG_STUN_BINDING_SUCCESS);
    cr_expect_eq(memcmp(resp.txid, req.txid, 12), 0);
    cr_expect_eq(vg_stun_check_integrity(&resp, (const uint8_t *)local_pwd, sizeof(local_pwd) - 1),
                 0);
    cr_expect_eq(vg_stun_check_integrity(&resp, KEY, KEY_LEN), -EACCES);
    cr_expect_eq(vg_stun_check_fingerprint(&resp), 0);
    /* FINGERPRINT last, MESSAGE-INTEGRITY just before it. */
    cr_assert_eq(resp.n_attrs, 3);
    cr_expect_eq(resp.attrs[0].type, VG_STUN_ATTR_XOR_MAPPED_ADDRESS);
    cr_expect_eq(resp.attrs[1].type, VG_STUN_ATTR_MESSAGE_INTEGRITY);
    cr_expect_eq(resp.attrs[2].type, VG_STUN_ATTR_FINGERPRINT);
    struct sockaddr_storage got;
    cr_assert_eq(vg_stun_get_xor_mapped_address(&resp, &got), 0);
    expect_same_address(&got, from);
}

Test(stun, binding_response_round_trips_ipv4_sender)
{
    struct sockaddr_storage from = addr4("203.0.113.77", 51234);
    check_binding_response_round_trip(&from, sizeof(struct sockaddr_in));
    check_binding_response_round_trip(&from, sizeof(from));
}

Test(stun, binding_response_round_trips_ipv6_sender)
{
    struct sockaddr_storage from = addr6("2001:db8::dead:beef", 443);
    check_binding_response_round_trip(&from, sizeof(struct sockaddr_in6));
    from = addr6("fe80::1:2:3:4", 65535);
    check_binding_response_round_trip(&from, sizeof(from));
}

Test(stun, binding_response_answers_only_binding_requests)
{
    struct vg_stun_msg m;
    struct sockaddr_storage from = addr4("192.0.2.1", 1);
    uint8_t buf[128];
    cr_assert_eq(vg_stun_parse(sample_ipv4_response, sizeof(sample_ipv4_response), &m), 0);
    cr_expect_eq(vg_stun_binding_response(&m, (const struct sockaddr *)&from, sizeof(from), KEY,
                                          KEY_LEN, buf, sizeof(buf)),
                 -EINVAL);
    cr_assert_eq(vg_stun_parse(sample_request, sizeof(sample_request), &m), 0);
    cr_expect_eq(vg_stun_binding_response(&m, (const struct sockaddr *)&from, sizeof(from), NULL, 0,
                                          buf, sizeof(buf)),
                 -EINVAL);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    cr_expect_eq(vg_stun_binding_response(&m, (const struct sockaddr *)&un, sizeof(un), KEY,
                                          KEY_LEN, buf, sizeof(buf)),
                 -EAFNOSUPPORT);
}

Test(stun, builder_never_writes_past_its_cap)
{
    struct vg_stun_msg req;
    cr_assert_eq(vg_stun_parse(sample_request, sizeof(sample_request), &req), 0);
    struct sockaddr_storage from = addr6("2001:db8::1", 9);
    uint8_t buf[128];
    /* IPv6 response: header 20, XOR-MAPPED-ADDRESS 24, integrity 24, fingerprint 8. */
    const size_t full = 76;
    for (size_t cap = 0; cap <= full; cap++) {
        memset(buf, 0xaa, sizeof(buf));
        int n = vg_stun_binding_response(&req, (const struct sockaddr *)&from, sizeof(from), KEY,
                                         KEY_LEN, buf, cap);
        cr_expect_eq(n, cap == full ? (int)full : -E2BIG, "cap %zu: %d", cap, n);
        for (size_t i = cap; i < sizeof(buf); i++)
            cr_assert_eq(buf[i], 0xaa, "cap %zu: byte %zu written", cap, i);
    }
}

Test(stun, builder_stops_at_16_bit_length)
{
    static uint8_t buf[70000];
    static uint8_t value[VG_STUN_MAX_BODY];
    struct vg_stun_builder b;
    cr_assert_eq(
        vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_INDICATION, sample_txid), 0);
    cr_expect_eq(vg_stun_add_bytes(&b, 0x8030, value, sizeof(value)), -E2BIG);
    /* The error sticks: nothing else is added and finish reports it. */
    cr_expect_eq(vg_stun_add_bytes(&b, 0x8030, value, 4), -E2BIG);
    cr_expect_eq(vg_stun_builder_finish(&b, NULL, 0), -E2BIG);

    cr_assert_eq(
        vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_INDICATION, sample_txid), 0);
    cr_expect_eq(vg_stun_add_bytes(&b, 0x8030, value, VG_STUN_MAX_BODY - 4), 0);
    cr_expect_eq(b.len, VG_STUN_HEADER_LEN + VG_STUN_MAX_BODY);
    struct vg_stun_msg m;
    cr_expect_eq(vg_stun_parse(buf, b.len, &m), 0);
    cr_expect_eq(vg_stun_builder_finish(&b, NULL, 0), -E2BIG);
}

Test(stun, builder_rejects_bad_arguments)
{
    uint8_t buf[128];
    struct vg_stun_builder b;
    cr_expect_eq(vg_stun_builder_begin(&b, buf, sizeof(buf), 0x4001, sample_txid), -EINVAL);
    cr_expect_eq(vg_stun_builder_finish(&b, NULL, 0), -EINVAL);
    cr_expect_eq(vg_stun_builder_begin(&b, buf, 19, VG_STUN_BINDING_REQUEST, sample_txid), -E2BIG);
    cr_expect_eq(vg_stun_builder_finish(&b, NULL, 0), -E2BIG);

    static const unsigned bad_codes[] = {0, 299, 700, 1000};
    for (size_t i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
        vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_ERROR, sample_txid);
        cr_expect_eq(vg_stun_add_error_code(&b, bad_codes[i], "x", 1), -EINVAL, "code %u",
                     bad_codes[i]);
        cr_expect_eq(vg_stun_builder_finish(&b, KEY, KEY_LEN), -EINVAL);
    }

    static char long_name[514];
    memset(long_name, 'u', sizeof(long_name));
    vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_REQUEST, sample_txid);
    cr_expect_eq(vg_stun_add_username(&b, long_name, sizeof(long_name)), -EINVAL);

    struct sockaddr_storage v4 = addr4("192.0.2.1", 1);
    vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_SUCCESS, sample_txid);
    cr_expect_eq(vg_stun_add_xor_mapped_address(&b, (const struct sockaddr *)&v4,
                                                sizeof(struct sockaddr_in) - 1),
                 -EINVAL);
    struct sockaddr_storage v6 = addr6("::1", 1);
    vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_SUCCESS, sample_txid);
    cr_expect_eq(vg_stun_add_xor_mapped_address(&b, (const struct sockaddr *)&v6,
                                                sizeof(struct sockaddr_in)),
                 -EINVAL);
    vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_SUCCESS, sample_txid);
    cr_expect_eq(vg_stun_add_xor_mapped_address(&b, NULL, 0), -EINVAL);
}

Test(stun, error_response_round_trips_code_and_reason)
{
    uint8_t buf[128];
    struct vg_stun_builder b;
    cr_assert_eq(vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_ERROR, sample_txid),
                 0);
    cr_assert_eq(vg_stun_add_error_code(&b, 487, "Role Conflict", 13), 0);
    cr_assert_eq(vg_stun_add_username(&b, "a:b", 3), 0);
    int n = vg_stun_builder_finish(&b, NULL, 0);
    cr_assert_eq(n, 20 + 4 + 20 + 8 + 8);
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(buf, (size_t)n, &m), 0);
    cr_expect_eq(vg_stun_class(m.type), VG_STUN_CLASS_ERROR);
    cr_expect_eq(vg_stun_method(m.type), VG_STUN_METHOD_BINDING);
    unsigned code;
    struct vg_span reason;
    cr_assert_eq(vg_stun_get_error_code(&m, &code, &reason), 0);
    cr_expect_eq(code, 487);
    cr_expect(vg_span_eq(reason, "Role Conflict"));
    expect_text(&m, VG_STUN_ATTR_USERNAME, "a:b");
    cr_expect_eq(vg_stun_check_fingerprint(&m), 0);
    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), -ENOENT);
}

Test(stun, empty_key_is_still_a_key)
{
    struct vg_stun_msg req, resp;
    cr_assert_eq(vg_stun_parse(sample_request, sizeof(sample_request), &req), 0);
    struct sockaddr_storage from = addr4("192.0.2.1", 1);
    uint8_t buf[128];
    const uint8_t empty[1] = {0};
    int n = vg_stun_binding_response(&req, (const struct sockaddr *)&from, sizeof(from), empty, 0,
                                     buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert_eq(vg_stun_parse(buf, (size_t)n, &resp), 0);
    cr_expect_eq(vg_stun_check_integrity(&resp, empty, 0), 0);
    cr_expect_eq(vg_stun_check_integrity(&resp, KEY, KEY_LEN), -EACCES);
}

Test(stun, parse_rejects_every_truncation)
{
    struct vg_stun_msg m;
    for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
        cr_assert_eq(vg_stun_parse(vectors[v].p, vectors[v].len, &m), 0, "vector %zu", v);
        for (size_t n = 0; n < vectors[v].len; n++)
            cr_expect_eq(vg_stun_parse(vectors[v].p, n, &m), -EINVAL, "vector %zu at %zu", v, n);
    }
    cr_expect_eq(vg_stun_parse(NULL, 0, &m), -EINVAL);
}

Test(stun, parse_rejects_trailing_bytes)
{
    uint8_t buf[sizeof(sample_request) + 4] = {0};
    memcpy(buf, sample_request, sizeof(sample_request));
    struct vg_stun_msg m;
    cr_expect_eq(vg_stun_parse(buf, sizeof(buf), &m), -EINVAL);
}

Test(stun, parse_rejects_wrong_cookie_and_top_bits)
{
    uint8_t buf[sizeof(sample_request)];
    struct vg_stun_msg m;
    for (size_t i = 4; i < 8; i++) {
        memcpy(buf, sample_request, sizeof(buf));
        buf[i] ^= 0x10;
        cr_expect_eq(vg_stun_parse(buf, sizeof(buf), &m), -EINVAL, "cookie byte %zu", i);
        cr_expect_not(vg_stun_is_stun(buf, sizeof(buf)));
    }
    static const uint8_t top[] = {0x40, 0x80, 0xc0};
    for (size_t i = 0; i < sizeof(top); i++) {
        memcpy(buf, sample_request, sizeof(buf));
        buf[0] |= top[i];
        cr_expect_eq(vg_stun_parse(buf, sizeof(buf), &m), -EINVAL, "first byte 0x%02x", buf[0]);
    }
}

Test(stun, parse_rejects_bad_length_field)
{
    uint8_t buf[sizeof(sample_ipv4_response)];
    struct vg_stun_msg m;
    /* Not a multiple of 4, one word short, one word long. */
    static const uint16_t lengths[] = {0x3d, 0x3e, 0x3f, 0x38, 0x40, 0x00, 0xfffc};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        memcpy(buf, sample_ipv4_response, sizeof(buf));
        buf[2] = (uint8_t)(lengths[i] >> 8);
        buf[3] = (uint8_t)lengths[i];
        cr_expect_eq(vg_stun_parse(buf, sizeof(buf), &m), -EINVAL, "length 0x%x", lengths[i]);
    }
}

Test(stun, parse_rejects_attribute_past_the_end)
{
    uint8_t buf[sizeof(sample_ipv4_response)];
    struct vg_stun_msg m;
    /* FINGERPRINT claiming 5 bytes: its padding would run past the end. */
    memcpy(buf, sample_ipv4_response, sizeof(buf));
    buf[75] = 5;
    cr_expect_eq(vg_stun_parse(buf, sizeof(buf), &m), -EINVAL);
    /* SOFTWARE claiming far more than there is. */
    memcpy(buf, sample_ipv4_response, sizeof(buf));
    buf[22] = 0x01;
    cr_expect_eq(vg_stun_parse(buf, sizeof(buf), &m), -EINVAL);
    memcpy(buf, sample_ipv4_response, sizeof(buf));
    buf[22] = 0xff;
    buf[23] = 0xff;
    cr_expect_eq(vg_stun_parse(buf, sizeof(buf), &m), -EINVAL);
    /* A message whose only attribute header is cut short cannot exist: the
     * length is a multiple of 4 and so is every padded attribute. */
    const uint8_t lone[] = {0, 1, 0, 4, 0x21, 0x12, 0xa4, 0x42, 1,    2,    3,    4,
                            5, 6, 7, 8, 9,    10,   11,   12,   0x00, 0x25, 0x00, 0x01};
    cr_expect_eq(vg_stun_parse(lone, sizeof(lone), &m), -EINVAL);
}

static size_t message_with_attrs(uint8_t *buf, size_t cap, size_t n)
{
    struct vg_stun_builder b;
    cr_assert_eq(vg_stun_builder_begin(&b, buf, cap, VG_STUN_BINDING_REQUEST, sample_txid), 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(vg_stun_add_bytes(&b, VG_STUN_ATTR_USE_CANDIDATE, NULL, 0), 0);
    return b.len;
}

Test(stun, parse_caps_attribute_count)
{
    uint8_t buf[512];
    struct vg_stun_msg m;
    size_t len = message_with_attrs(buf, sizeof(buf), VG_STUN_MAX_ATTRS);
    cr_expect_eq(vg_stun_parse(buf, len, &m), 0);
    cr_expect_eq(m.n_attrs, VG_STUN_MAX_ATTRS);
    cr_expect(vg_stun_has(&m, VG_STUN_ATTR_USE_CANDIDATE));
    len = message_with_attrs(buf, sizeof(buf), VG_STUN_MAX_ATTRS + 1);
    cr_expect_eq(vg_stun_parse(buf, len, &m), -E2BIG);
}

Test(stun, parse_accepts_message_without_attributes)
{
    const uint8_t bare[] = {0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                            3, 4, 5, 6, 7,    8,    9,    10,   11, 12};
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(bare, sizeof(bare), &m), 0);
    cr_expect_eq(m.n_attrs, 0);
    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), -ENOENT);
    cr_expect_eq(vg_stun_check_fingerprint(&m), -ENOENT);
}

Test(stun, integrity_fails_when_any_covered_byte_changes)
{
    uint8_t buf[sizeof(sample_request)];
    struct vg_stun_msg m;
    /* Bytes 0..99 are the prefix and the MESSAGE-INTEGRITY attribute; 100..107
     * are FINGERPRINT, which the HMAC does not cover. */
    for (size_t i = 0; i < sizeof(buf); i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            memcpy(buf, sample_request, sizeof(buf));
            buf[i] ^= (uint8_t)(1u << bit);
            if (vg_stun_parse(buf, sizeof(buf), &m) != 0)
                continue; /* length, cookie, top bits: refused outright */
            if (i < 100)
                cr_expect_neq(vg_stun_check_integrity(&m, KEY, KEY_LEN), 0, "byte %zu bit %u", i,
                              bit);
            else
                cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), 0, "byte %zu bit %u", i,
                             bit);
            /* CRC-32 catches every single-bit error. */
            cr_expect_neq(vg_stun_check_fingerprint(&m), 0, "byte %zu bit %u", i, bit);
        }
    }
}

Test(stun, fingerprint_mismatch_is_reported)
{
    uint8_t buf[sizeof(sample_ipv6_response)];
    struct vg_stun_msg m;
    memcpy(buf, sample_ipv6_response, sizeof(buf));
    buf[sizeof(buf) - 1] ^= 0x80;
    cr_assert_eq(vg_stun_parse(buf, sizeof(buf), &m), 0);
    cr_expect_eq(vg_stun_check_fingerprint(&m), -EBADMSG);
    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), 0);
    /* The plain CRC-32, without the XOR with "STUN", is not a fingerprint. */
    memcpy(buf, sample_ipv6_response, sizeof(buf));
    buf[88] ^= 0x53;
    buf[89] ^= 0x54;
    buf[90] ^= 0x55;
    buf[91] ^= 0x4e;
    cr_assert_eq(vg_stun_parse(buf, sizeof(buf), &m), 0);
    cr_expect_eq(vg_stun_check_fingerprint(&m), -EBADMSG);
}

Test(stun, fingerprint_must_be_last_and_four_bytes)
{
    uint8_t buf[sizeof(sample_ipv4_response) + 8];
    struct vg_stun_msg m;
    memcpy(buf, sample_ipv4_response, sizeof(sample_ipv4_response));
    const uint8_t extra[] = {0x80, 0x30, 0x00, 0x04, 'e', 'v', 'i', 'l'};
    memcpy(buf + sizeof(sample_ipv4_response), extra, sizeof(extra));
    buf[3] += 8;
    cr_assert_eq(vg_stun_parse(buf, sizeof(buf), &m), 0);
    cr_expect_eq(vg_stun_check_fingerprint(&m), -EBADMSG);
    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), 0);
    cr_expect_not(vg_stun_has(&m, 0x8030), "attributes after FINGERPRINT are ignored");

    /* A FINGERPRINT of 8 bytes: the first four right, but the wrong size. */
    uint8_t longer[sizeof(sample_ipv4_response) + 4];
    memcpy(longer, sample_ipv4_response, sizeof(sample_ipv4_response));
    memset(longer + sizeof(sample_ipv4_response), 0, 4);
    longer[3] += 4;
    longer[75] = 8;
    cr_assert_eq(vg_stun_parse(longer, sizeof(longer), &m), 0);
    cr_expect_eq(vg_stun_check_fingerprint(&m), -EBADMSG);
}

Test(stun, attributes_after_integrity_are_ignored)
{
    /* The IPv4 response cut after MESSAGE-INTEGRITY (72 bytes), then a
     * USERNAME and an unknown required attribute an attacker appended. */
    uint8_t buf[72 + 8 + 4];
    memcpy(buf, sample_ipv4_response, 72);
    const uint8_t tail[] = {0x00, 0x06, 0x00, 0x04, 'e', 'v', 'i', 'l', 0x00, 0x03, 0x00, 0x00};
    memcpy(buf + 72, tail, sizeof(tail));
    buf[3] = (uint8_t)(sizeof(buf) - 20);
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(buf, sizeof(buf), &m), 0);
    cr_expect_eq(m.n_attrs, 5);
    cr_expect_eq(vg_stun_check_integrity(&m, KEY, KEY_LEN), 0);
    struct vg_span s;
    cr_expect_eq(vg_stun_get_text(&m, VG_STUN_ATTR_USERNAME, &s), -ENOENT);
    uint16_t unknown;
    cr_expect_eq(vg_stun_first_unknown_required(&m, &unknown), -ENOENT);
    cr_expect_eq(vg_stun_check_fingerprint(&m), -ENOENT);
}

Test(stun, finds_first_of_repeated_attributes)
{
    uint8_t buf[128];
    struct vg_stun_builder b;
    vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_REQUEST, sample_txid);
    vg_stun_add_username(&b, "first", 5);
    vg_stun_add_username(&b, "second", 6);
    int n = vg_stun_builder_finish(&b, KEY, KEY_LEN);
    cr_assert_gt(n, 0);
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(buf, (size_t)n, &m), 0);
    expect_text(&m, VG_STUN_ATTR_USERNAME, "first");
}

Test(stun, reports_unknown_comprehension_required_attributes)
{
    uint8_t buf[128];
    struct vg_stun_builder b;
    vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_REQUEST, sample_txid);
    vg_stun_add_bytes(&b, 0x8030, "opt", 3); /* optional: ignored */
    vg_stun_add_username(&b, "a:b", 3);
    int n = vg_stun_builder_finish(&b, KEY, KEY_LEN);
    struct vg_stun_msg m;
    cr_assert_eq(vg_stun_parse(buf, (size_t)n, &m), 0);
    uint16_t unknown = 0;
    cr_expect_eq(vg_stun_first_unknown_required(&m, &unknown), -ENOENT);

    vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_REQUEST, sample_txid);
    vg_stun_add_username(&b, "a:b", 3);
    vg_stun_add_bytes(&b, 0x0003, "\0\0\0\0", 4); /* CHANGE-REQUEST (RFC 5780) */
    vg_stun_add_bytes(&b, 0x7fff, NULL, 0);
    n = vg_stun_builder_finish(&b, KEY, KEY_LEN);
    cr_assert_eq(vg_stun_parse(buf, (size_t)n, &m), 0);
    cr_expect_eq(vg_stun_first_unknown_required(&m, &unknown), 0);
    cr_expect_eq(unknown, 0x0003);
    /* UNKNOWN-ATTRIBUTES itself is known and kept as opaque bytes. */
    vg_stun_builder_begin(&b, buf, sizeof(buf), VG_STUN_BINDING_ERROR, sample_txid);
    vg_stun_add_error_code(&b, 420, "Unknown Attribute", 17);
    vg_stun_add_bytes(&b, VG_STUN_ATTR_UNKNOWN_ATTRIBUTES, "\x00\x03", 2);
    n = vg_stun_builder_finish(&b, NULL, 0);
    cr_assert_eq(vg_stun_parse(buf, (size_t)n, &m), 0);
    cr_expect_eq(vg_stun_first_unknown_required(&m, &unknown), -ENOENT);
    cr_expect(vg_stun_has(&m, VG_STUN_ATTR_UNKNOWN_ATTRIBUTES));
}

static int parse_one_attr(uint8_t *buf, size_t cap, uint16_t type, const void *value, size_t len,
                          struct vg_stun_msg *m)
{
    struct vg_stun_builder b;
    vg_stun_builder_begin(&b, buf, cap, VG_STUN_BINDING_SUCCESS, sample_txid);
    vg_stun_add_bytes(&b, type, value, len);
    cr_assert_eq(b.err, 0);
    return vg_stun_parse(buf, b.len, m);
}

Test(stun, decodes_plain_mapped_address)
{
    uint8_t buf[64];
    struct vg_stun_msg m;
    const uint8_t v4[] = {0x00, 0x01, 0x1f, 0x90, 192, 0, 2, 1};
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_MAPPED_ADDRESS, v4, sizeof(v4), &m),
                 0);
    struct sockaddr_storage got, want = addr4("192.0.2.1", 8080);
    cr_assert_eq(vg_stun_get_mapped_address(&m, &got), 0);
    expect_same_address(&got, &want);

    const uint8_t v6[] = {0xff, 0x02, 0x00, 0x50, 0x20, 0x01, 0x0d, 0xb8, 0, 0,
                          0,    0,    0,    0,    0,    0,    0,    0,    0, 1};
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_MAPPED_ADDRESS, v6, sizeof(v6), &m),
                 0);
    want = addr6("2001:db8::1", 80);
    cr_assert_eq(vg_stun_get_mapped_address(&m, &got), 0);
    expect_same_address(&got, &want);
}

Test(stun, rejects_malformed_addresses)
{
    uint8_t buf[64];
    struct vg_stun_msg m;
    struct sockaddr_storage got;
    static const struct {
        uint8_t value[20];
        size_t len;
    } bad[] = {
        {{0, 3, 0, 1, 1, 2, 3, 4}, 8},    /* unknown family */
        {{0, 1, 0, 1, 1, 2, 3, 4}, 20},   /* IPv4 with IPv6 length */
        {{0, 2, 0, 1, 1, 2, 3, 4}, 8},    /* IPv6 with IPv4 length */
        {{0, 1, 0, 1, 1, 2, 3, 4}, 7},    /* IPv4 one byte short */
        {{0, 1}, 2},                      /* no port */
        {{0}, 0},                         /* empty */
        {{0, 1, 0, 1, 1, 2, 3, 4, 5}, 9}, /* IPv4 one byte long */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_XOR_MAPPED_ADDRESS, bad[i].value,
                                    bad[i].len, &m),
                     0);
        cr_expect_eq(vg_stun_get_xor_mapped_address(&m, &got), -EINVAL, "case %zu", i);
        cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_MAPPED_ADDRESS, bad[i].value,
                                    bad[i].len, &m),
                     0);
        cr_expect_eq(vg_stun_get_mapped_address(&m, &got), -EINVAL, "case %zu", i);
    }
}

Test(stun, ice_values_must_have_their_size)
{
    uint8_t buf[64];
    struct vg_stun_msg m;
    uint32_t u32;
    uint64_t u64;
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_PRIORITY, "\1\2\3", 3, &m), 0);
    cr_expect_eq(vg_stun_get_u32(&m, VG_STUN_ATTR_PRIORITY, &u32), -EINVAL);
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_ICE_CONTROLLING, "\1\2\3\4", 4, &m),
                 0);
    cr_expect_eq(vg_stun_get_u64(&m, VG_STUN_ATTR_ICE_CONTROLLING, &u64), -EINVAL);
    const uint8_t tie[] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
    cr_assert_eq(
        parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_ICE_CONTROLLING, tie, sizeof(tie), &m), 0);
    cr_assert_eq(vg_stun_get_u64(&m, VG_STUN_ATTR_ICE_CONTROLLING, &u64), 0);
    cr_expect_eq(u64, 0xfedcba9876543210ull);
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_USE_CANDIDATE, NULL, 0, &m), 0);
    cr_expect(vg_stun_has(&m, VG_STUN_ATTR_USE_CANDIDATE));
}

Test(stun, rejects_malformed_error_codes)
{
    uint8_t buf[64];
    struct vg_stun_msg m;
    unsigned code = 12345;
    struct vg_span reason;
    static const struct {
        uint8_t value[6];
        size_t len;
    } bad[] = {
        {{0, 0, 2, 0}, 4},   /* class 2 */
        {{0, 0, 7, 0}, 4},   /* class 7 */
        {{0, 0, 4, 100}, 4}, /* number over 99 */
        {{0, 0, 4}, 3},      /* too short */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(
            parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_ERROR_CODE, bad[i].value, bad[i].len, &m),
            0);
        cr_expect_eq(vg_stun_get_error_code(&m, &code, &reason), -EINVAL, "case %zu", i);
        cr_expect_eq(code, 12345, "outputs untouched on failure");
    }
    /* Reserved bits are ignored. */
    const uint8_t ok[] = {0xff, 0xff, 0xf4, 1, 'U', 'n', 'a', 'u'};
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_ERROR_CODE, ok, sizeof(ok), &m), 0);
    cr_assert_eq(vg_stun_get_error_code(&m, &code, &reason), 0);
    cr_expect_eq(code, 401);
    cr_expect(vg_span_eq(reason, "Unau"));
}

Test(stun, text_attributes_have_length_caps)
{
    static uint8_t buf[1024];
    static char text[764];
    memset(text, 'x', sizeof(text));
    struct vg_stun_msg m;
    struct vg_span s;
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_USERNAME, text, 514, &m), 0);
    cr_expect_eq(vg_stun_get_text(&m, VG_STUN_ATTR_USERNAME, &s), -EINVAL);
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_USERNAME, text, 513, &m), 0);
    cr_expect_eq(vg_stun_get_text(&m, VG_STUN_ATTR_USERNAME, &s), 0);
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_SOFTWARE, text, 764, &m), 0);
    cr_expect_eq(vg_stun_get_text(&m, VG_STUN_ATTR_SOFTWARE, &s), -EINVAL);
    cr_assert_eq(parse_one_attr(buf, sizeof(buf), VG_STUN_ATTR_REALM, text, 763, &m), 0);
    cr_expect_eq(vg_stun_get_text(&m, VG_STUN_ATTR_REALM, &s), 0);
    cr_expect_eq(s.len, 763);
}

Test(stun, method_and_class_are_deinterleaved)
{
    cr_expect_eq(vg_stun_method(VG_STUN_BINDING_ERROR), VG_STUN_METHOD_BINDING);
    cr_expect_eq(vg_stun_class(VG_STUN_BINDING_ERROR), VG_STUN_CLASS_ERROR);
    cr_expect_eq(vg_stun_class(VG_STUN_BINDING_INDICATION), VG_STUN_CLASS_INDICATION);
    cr_expect_eq(vg_stun_class(VG_STUN_BINDING_SUCCESS), VG_STUN_CLASS_SUCCESS);
    cr_expect_eq(vg_stun_method(0x3eef), 0xfff);
    cr_expect_eq(vg_stun_class(0x3eef), 0);
    cr_expect_eq(vg_stun_method(0x0003), 0x003); /* TURN Allocate request */
    cr_expect_eq(vg_stun_method(0x0113), 0x003);
}

Test(stun, demultiplexes_stun_from_dtls_and_rtp)
{
    for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++)
        cr_expect(vg_stun_is_stun(vectors[v].p, vectors[v].len), "vector %zu", v);
    /* A DTLS 1.2 handshake record: content type 22. */
    const uint8_t dtls[] = {22,   0xfe, 0xfd, 0,    0,    0,    0,    0,    0,    0,   0,
                            0x00, 0x3d, 0x01, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00};
    cr_expect_not(vg_stun_is_stun(dtls, sizeof(dtls)));
    /* RTP version 2, and an RTCP sender report. */
    const uint8_t rtp[] = {0x80, 0x60, 0, 1, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0,
                           1,    0,    0, 0, 0,    0,    0,    0,    0, 0, 0};
    cr_expect_not(vg_stun_is_stun(rtp, sizeof(rtp)));
    const uint8_t rtcp[] = {0x80, 200, 0, 6, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0,
                            0,    0,   0, 0, 0,    0,    0,    0,    0, 0, 0};
    cr_expect_not(vg_stun_is_stun(rtcp, sizeof(rtcp)));
    /* First byte 0..3 with the cookie is STUN, even a method we do not speak. */
    uint8_t three[20] = {3, 0, 0, 0, 0x21, 0x12, 0xa4, 0x42};
    cr_expect(vg_stun_is_stun(three, sizeof(three)));
    three[0] = 4;
    cr_expect_not(vg_stun_is_stun(three, sizeof(three)));
    cr_expect_not(vg_stun_is_stun(sample_request, 19));
    cr_expect_not(vg_stun_is_stun(NULL, 0));
}
