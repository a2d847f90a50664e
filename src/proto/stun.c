#include "proto/stun.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/bytes.h"

/* RFC 5389 §15.3, §15.7 and §15.6: limits counted in bytes of UTF-8. */
#define USERNAME_MAX 513
#define TEXT_MAX 763

#define FINGERPRINT_XOR 0x5354554eu

static const uint8_t cookie_bytes[4] = {0x21, 0x12, 0xa4, 0x42};

static size_t padded(size_t len)
{
    return (len + 3) & ~(size_t)3;
}

bool vg_stun_is_stun(const uint8_t *p, size_t len)
{
    return p && len >= VG_STUN_HEADER_LEN && p[0] <= 3 && vg_be32(p + 4) == VG_STUN_MAGIC_COOKIE;
}

int vg_stun_parse(const uint8_t *p, size_t len, struct vg_stun_msg *ret)
{
    if (!p || len < VG_STUN_HEADER_LEN || (p[0] & 0xc0) != 0 ||
        vg_be32(p + 4) != VG_STUN_MAGIC_COOKIE)
        return -EINVAL;
    size_t body = vg_be16(p + 2);
    if (body % 4 != 0 || body != len - VG_STUN_HEADER_LEN)
        return -EINVAL;
    struct vg_stun_msg m = {.type = vg_be16(p), .data = p, .len = len};
    memcpy(m.txid, p + 8, VG_STUN_TXID_LEN);
    size_t off = VG_STUN_HEADER_LEN;
    while (off < len) {
        /* off and len are multiples of 4 here, so a header always fits; the
         * value and its padding need not. */
        size_t alen = vg_be16(p + off + 2);
        if (padded(alen) > len - off - 4)
            return -EINVAL;
        if (m.n_attrs == VG_STUN_MAX_ATTRS)
            return -E2BIG;
        m.attrs[m.n_attrs++] = (struct vg_stun_attr){
            .type = vg_be16(p + off),
            .offset = off,
            .value = p + off + 4,
            .len = alen,
        };
        off += 4 + padded(alen);
    }
    *ret = m;
    return 0;
}

int vg_stun_find(const struct vg_stun_msg *m, uint16_t type, const struct vg_stun_attr **ret)
{
    for (size_t i = 0; i < m->n_attrs; i++) {
        const struct vg_stun_attr *a = &m->attrs[i];
        if (a->type == type) {
            *ret = a;
            return 0;
        }
        /* An attacker may append whatever it likes after the integrity
         * check; only FINGERPRINT, which covers the check, counts. */
        if (a->type == VG_STUN_ATTR_FINGERPRINT)
            break;
        if (a->type == VG_STUN_ATTR_MESSAGE_INTEGRITY && type != VG_STUN_ATTR_FINGERPRINT)
            break;
    }
    return -ENOENT;
}

bool vg_stun_has(const struct vg_stun_msg *m, uint16_t type)
{
    const struct vg_stun_attr *a;
    return vg_stun_find(m, type, &a) == 0;
}

static bool known_required(uint16_t type)
{
    switch (type) {
    case VG_STUN_ATTR_MAPPED_ADDRESS:
    case VG_STUN_ATTR_USERNAME:
    case VG_STUN_ATTR_MESSAGE_INTEGRITY:
    case VG_STUN_ATTR_ERROR_CODE:
    case VG_STUN_ATTR_UNKNOWN_ATTRIBUTES:
    case VG_STUN_ATTR_REALM:
    case VG_STUN_ATTR_NONCE:
    case VG_STUN_ATTR_XOR_MAPPED_ADDRESS:
    case VG_STUN_ATTR_PRIORITY:
    case VG_STUN_ATTR_USE_CANDIDATE:
        return true;
    default:
        return false;
    }
}

int vg_stun_first_unknown_required(const struct vg_stun_msg *m, uint16_t *ret_type)
{
    for (size_t i = 0; i < m->n_attrs; i++) {
        uint16_t t = m->attrs[i].type;
        if (t < 0x8000 && !known_required(t)) {
            *ret_type = t;
            return 0;
        }
        /* What follows is ignored (vg_stun_find), so it cannot be unknown. */
        if (t == VG_STUN_ATTR_MESSAGE_INTEGRITY || t == VG_STUN_ATTR_FINGERPRINT)
            break;
    }
    return -ENOENT;
}

/* The header as it was when the attribute at offset was appended: its length
 * field counts the attribute (of attr_size bytes, header included) as the last. */
static void header_upto(const uint8_t *msg, size_t offset, size_t attr_size,
                        uint8_t hdr[VG_STUN_HEADER_LEN])
{
    memcpy(hdr, msg, VG_STUN_HEADER_LEN);
    vg_put16(hdr + 2, (uint16_t)(offset - VG_STUN_HEADER_LEN + attr_size));
}

/* HMAC-SHA1 of hdr (20 bytes) then rest. EVP_MAC because it takes the
 * message in pieces: the header with its length adjusted, then the body in
 * place, without copying up to 64 KiB. */
static int hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *hdr, const uint8_t *rest,
                     size_t rest_len, uint8_t out[VG_STUN_INTEGRITY_LEN])
{
    /* OpenSSL reads a NULL key as "keep the previous one"; an empty password
     * is still a key. */
    static const uint8_t empty_key[1];
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC_CTX *ctx = NULL;
    size_t n = 0;
    int r = -EIO;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac)
        goto out;
    ctx = EVP_MAC_CTX_new(mac);
    if (!ctx)
        goto out;
    if (!EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, params) ||
        !EVP_MAC_update(ctx, hdr, VG_STUN_HEADER_LEN) || !EVP_MAC_update(ctx, rest, rest_len) ||
        !EVP_MAC_final(ctx, out, &n, VG_STUN_INTEGRITY_LEN) || n != VG_STUN_INTEGRITY_LEN)
        goto out;
    r = 0;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return r;
}

/* CRC-32 of IEEE 802.3 (reflected, polynomial 0xedb88320), a bit at a time:
 * STUN messages are a few hundred bytes, so a table would buy nothing
 * measurable. Start from 0xffffffff and invert the result. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return crc;
}

static uint32_t fingerprint_of(const uint8_t *hdr, const uint8_t *rest, size_t rest_len)
{
    uint32_t crc = crc32_update(0xffffffffu, hdr, VG_STUN_HEADER_LEN);
    crc = crc32_update(crc, rest, rest_len);
    return ~crc ^ FINGERPRINT_XOR;
}

int vg_stun_check_integrity(const struct vg_stun_msg *m, const uint8_t *key, size_t key_len)
{
    const struct vg_stun_attr *a;
    int r = vg_stun_find(m, VG_STUN_ATTR_MESSAGE_INTEGRITY, &a);
    if (r < 0)
        return r;
    if (a->len != VG_STUN_INTEGRITY_LEN)
        return -EACCES;
    uint8_t hdr[VG_STUN_HEADER_LEN], mac[VG_STUN_INTEGRITY_LEN];
    header_upto(m->data, a->offset, 4 + VG_STUN_INTEGRITY_LEN, hdr);
    r = hmac_sha1(key, key_len, hdr, m->data + VG_STUN_HEADER_LEN, a->offset - VG_STUN_HEADER_LEN,
                  mac);
    if (r < 0)
        return r;
    /* Constant time, so that timing does not reveal how much of a forged
     * HMAC was right. */
    if (CRYPTO_memcmp(mac, a->value, VG_STUN_INTEGRITY_LEN) != 0)
        return -EACCES;
    return 0;
}

int vg_stun_check_fingerprint(const struct vg_stun_msg *m)
{
    const struct vg_stun_attr *a;
    int r = vg_stun_find(m, VG_STUN_ATTR_FINGERPRINT, &a);
    if (r < 0)
        return r;
    if (a->len != 4 || a != &m->attrs[m->n_attrs - 1])
        return -EBADMSG;
    uint8_t hdr[VG_STUN_HEADER_LEN];
    header_upto(m->data, a->offset, 8, hdr);
    uint32_t fp = fingerprint_of(hdr, m->data + VG_STUN_HEADER_LEN, a->offset - VG_STUN_HEADER_LEN);
    if (fp != vg_be32(a->value))
        return -EBADMSG;
    return 0;
}

int vg_stun_get_text(const struct vg_stun_msg *m, uint16_t type, struct vg_span *ret)
{
    const struct vg_stun_attr *a;
    int r = vg_stun_find(m, type, &a);
    if (r < 0)
        return r;
    size_t max = SIZE_MAX;
    if (type == VG_STUN_ATTR_USERNAME)
        max = USERNAME_MAX;
    else if (type == VG_STUN_ATTR_SOFTWARE || type == VG_STUN_ATTR_REALM ||
             type == VG_STUN_ATTR_NONCE)
        max = TEXT_MAX;
    if (a->len > max)
        return -EINVAL;
    *ret = (struct vg_span){(const char *)a->value, a->len};
    return 0;
}

/* Family byte 1 is IPv4 (8-byte value), 2 is IPv6 (20 bytes); the first byte
 * is reserved and ignored. XOR-MAPPED-ADDRESS masks the port with the top of
 * the cookie and the address with the cookie then the transaction id. */
static int get_address(const struct vg_stun_msg *m, uint16_t type, bool xored,
                       struct sockaddr_storage *ret)
{
    const struct vg_stun_attr *a;
    int r = vg_stun_find(m, type, &a);
    if (r < 0)
        return r;
    if (a->len < 4)
        return -EINVAL;
    uint8_t mask[16] = {0};
    if (xored) {
        memcpy(mask, cookie_bytes, 4);
        memcpy(mask + 4, m->txid, VG_STUN_TXID_LEN);
    }
    uint16_t port = (uint16_t)(vg_be16(a->value + 2) ^ vg_be16(mask));
    uint8_t addr[16];
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (a->value[1] == 0x01 && a->len == 8) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
        for (size_t i = 0; i < 4; i++)
            addr[i] = a->value[4 + i] ^ mask[i];
        memcpy(&sin.sin_addr, addr, 4);
        memcpy(&ss, &sin, sizeof(sin));
    } else if (a->value[1] == 0x02 && a->len == 20) {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        for (size_t i = 0; i < 16; i++)
            addr[i] = a->value[4 + i] ^ mask[i];
        memcpy(&sin6.sin6_addr, addr, 16);
        memcpy(&ss, &sin6, sizeof(sin6));
    } else {
        return -EINVAL;
    }
    *ret = ss;
    return 0;
}

int vg_stun_get_mapped_address(const struct vg_stun_msg *m, struct sockaddr_storage *ret)
{
    return get_address(m, VG_STUN_ATTR_MAPPED_ADDRESS, false, ret);
}

int vg_stun_get_xor_mapped_address(const struct vg_stun_msg *m, struct sockaddr_storage *ret)
{
    return get_address(m, VG_STUN_ATTR_XOR_MAPPED_ADDRESS, true, ret);
}

int vg_stun_get_u32(const struct vg_stun_msg *m, uint16_t type, uint32_t *ret)
{
    const struct vg_stun_attr *a;
    int r = vg_stun_find(m, type, &a);
    if (r < 0)
        return r;
    if (a->len != 4)
        return -EINVAL;
    *ret = vg_be32(a->value);
    return 0;
}

int vg_stun_get_u64(const struct vg_stun_msg *m, uint16_t type, uint64_t *ret)
{
    const struct vg_stun_attr *a;
    int r = vg_stun_find(m, type, &a);
    if (r < 0)
        return r;
    if (a->len != 8)
        return -EINVAL;
    *ret = (uint64_t)vg_be32(a->value) << 32 | vg_be32(a->value + 4);
    return 0;
}

int vg_stun_get_error_code(const struct vg_stun_msg *m, unsigned *ret_code,
                           struct vg_span *ret_reason)
{
    const struct vg_stun_attr *a;
    int r = vg_stun_find(m, VG_STUN_ATTR_ERROR_CODE, &a);
    if (r < 0)
        return r;
    if (a->len < 4 || a->len - 4 > TEXT_MAX)
        return -EINVAL;
    /* 21 reserved bits, then the hundreds in 3 bits and the rest in a byte. */
    unsigned cls = a->value[2] & 0x07u, number = a->value[3];
    if (cls < 3 || cls > 6 || number > 99)
        return -EINVAL;
    *ret_code = cls * 100 + number;
    *ret_reason = (struct vg_span){(const char *)a->value + 4, a->len - 4};
    return 0;
}

static int fail(struct vg_stun_builder *b, int err)
{
    b->err = err;
    return err;
}

int vg_stun_builder_begin(struct vg_stun_builder *b, uint8_t *buf, size_t cap, uint16_t type,
                          const uint8_t txid[VG_STUN_TXID_LEN])
{
    *b = (struct vg_stun_builder){.buf = buf, .cap = cap};
    if (!buf || !txid || (type & 0xc000) != 0)
        return fail(b, -EINVAL);
    if (cap < VG_STUN_HEADER_LEN)
        return fail(b, -E2BIG);
    vg_put16(buf, type);
    vg_put16(buf + 2, 0);
    vg_put32(buf + 4, VG_STUN_MAGIC_COOKIE);
    memcpy(buf + 8, txid, VG_STUN_TXID_LEN);
    b->len = VG_STUN_HEADER_LEN;
    return 0;
}

/* Appends an attribute header for len bytes of value, zeroes value and
 * padding, and updates the length field. Returns 0 with *ret_value pointing
 * at the value to fill in, or -E2BIG. */
static int reserve(struct vg_stun_builder *b, uint16_t type, size_t len, uint8_t **ret_value)
{
    if (b->err)
        return b->err;
    /* Checked one step at a time so that nothing can overflow. */
    size_t body = b->len - VG_STUN_HEADER_LEN;
    if (len > VG_STUN_MAX_BODY || 4 + padded(len) > VG_STUN_MAX_BODY - body ||
        4 + padded(len) > b->cap - b->len)
        return fail(b, -E2BIG);
    uint8_t *p = b->buf + b->len;
    vg_put16(p, type);
    vg_put16(p + 2, (uint16_t)len);
    memset(p + 4, 0, padded(len));
    b->len += 4 + padded(len);
    vg_put16(b->buf + 2, (uint16_t)(b->len - VG_STUN_HEADER_LEN));
    *ret_value = p + 4;
    return 0;
}

int vg_stun_add_bytes(struct vg_stun_builder *b, uint16_t type, const void *value, size_t len)
{
    if (b->err)
        return b->err;
    if (len > 0 && !value)
        return fail(b, -EINVAL);
    uint8_t *v;
    int r = reserve(b, type, len, &v);
    if (r < 0)
        return r;
    if (len > 0)
        memcpy(v, value, len);
    return 0;
}

int vg_stun_add_username(struct vg_stun_builder *b, const char *username, size_t len)
{
    if (b->err)
        return b->err;
    if (len > USERNAME_MAX)
        return fail(b, -EINVAL);
    return vg_stun_add_bytes(b, VG_STUN_ATTR_USERNAME, username, len);
}

int vg_stun_add_xor_mapped_address(struct vg_stun_builder *b, const struct sockaddr *sa,
                                   socklen_t sa_len)
{
    if (b->err)
        return b->err;
    if (!sa || sa_len < (socklen_t)(offsetof(struct sockaddr, sa_family) + sizeof(sa_family_t)))
        return fail(b, -EINVAL);
    uint8_t mask[16];
    memcpy(mask, b->buf + 4, 16); /* cookie, then transaction id */
    uint8_t addr[16], family;
    size_t addr_len;
    uint16_t port;
    if (sa->sa_family == AF_INET) {
        if (sa_len < (socklen_t)sizeof(struct sockaddr_in))
            return fail(b, -EINVAL);
        struct sockaddr_in sin;
        memcpy(&sin, sa, sizeof(sin));
        family = 0x01;
        addr_len = 4;
        port = ntohs(sin.sin_port);
        memcpy(addr, &sin.sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        if (sa_len < (socklen_t)sizeof(struct sockaddr_in6))
            return fail(b, -EINVAL);
        struct sockaddr_in6 sin6;
        memcpy(&sin6, sa, sizeof(sin6));
        family = 0x02;
        addr_len = 16;
        port = ntohs(sin6.sin6_port);
        memcpy(addr, &sin6.sin6_addr, 16);
    } else {
        return fail(b, -EAFNOSUPPORT);
    }
    uint8_t *v;
    int r = reserve(b, VG_STUN_ATTR_XOR_MAPPED_ADDRESS, 4 + addr_len, &v);
    if (r < 0)
        return r;
    v[1] = family;
    vg_put16(v + 2, (uint16_t)(port ^ vg_be16(mask)));
    for (size_t i = 0; i < addr_len; i++)
        v[4 + i] = addr[i] ^ mask[i];
    return 0;
}

int vg_stun_add_error_code(struct vg_stun_builder *b, unsigned code, const char *reason,
                           size_t reason_len)
{
    if (b->err)
        return b->err;
    if (code < 300 || code > 699 || reason_len > TEXT_MAX || (reason_len > 0 && !reason))
        return fail(b, -EINVAL);
    uint8_t *v;
    int r = reserve(b, VG_STUN_ATTR_ERROR_CODE, 4 + reason_len, &v);
    if (r < 0)
        return r;
    v[2] = (uint8_t)(code / 100);
    v[3] = (uint8_t)(code % 100);
    if (reason_len > 0)
        memcpy(v + 4, reason, reason_len);
    return 0;
}

int vg_stun_builder_finish(struct vg_stun_builder *b, const uint8_t *key, size_t key_len)
{
    uint8_t *v;
    int r;
    if (b->err)
        return b->err;
    if (key) {
        /* reserve() has already counted the attribute in the length field,
         * which is what §15.4 wants the HMAC to see. */
        size_t mi_offset = b->len;
        r = reserve(b, VG_STUN_ATTR_MESSAGE_INTEGRITY, VG_STUN_INTEGRITY_LEN, &v);
        if (r < 0)
            return r;
        r = hmac_sha1(key, key_len, b->buf, b->buf + VG_STUN_HEADER_LEN,
                      mi_offset - VG_STUN_HEADER_LEN, v);
        if (r < 0)
            return fail(b, r);
    }
    size_t fp_offset = b->len;
    r = reserve(b, VG_STUN_ATTR_FINGERPRINT, 4, &v);
    if (r < 0)
        return r;
    vg_put32(v,
             fingerprint_of(b->buf, b->buf + VG_STUN_HEADER_LEN, fp_offset - VG_STUN_HEADER_LEN));
    return (int)b->len;
}

int vg_stun_binding_response(const struct vg_stun_msg *req, const struct sockaddr *from,
                             socklen_t from_len, const uint8_t *key, size_t key_len, uint8_t *buf,
                             size_t cap)
{
    if (!req || req->type != VG_STUN_BINDING_REQUEST || !key)
        return -EINVAL;
    struct vg_stun_builder b;
    vg_stun_builder_begin(&b, buf, cap, VG_STUN_BINDING_SUCCESS, req->txid);
    vg_stun_add_xor_mapped_address(&b, from, from_len);
    /* Errors stick, so finish reports the first one. */
    return vg_stun_builder_finish(&b, key, key_len);
}
