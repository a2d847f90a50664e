/* STUN (RFC 5389) as ICE-lite (RFC 8445 §2.5) needs it for WebRTC: a pure
 * parser that records where every attribute lies, checks of MESSAGE-INTEGRITY
 * (HMAC-SHA1) and FINGERPRINT (CRC-32), decoders for the attributes ICE uses,
 * and a builder that writes into the caller's buffer and never past its cap.
 *
 * A parsed message points into the caller's bytes, which must outlive it. The
 * parser checks structure only; whether the message is authentic is a separate
 * question (vg_stun_check_integrity), asked with the key the caller chooses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/span.h"

#define VG_STUN_HEADER_LEN 20
#define VG_STUN_MAGIC_COOKIE 0x2112a442u
#define VG_STUN_TXID_LEN 12
/* Real messages carry about ten attributes; more is an attack or a bug. */
#define VG_STUN_MAX_ATTRS 32
/* The length field is 16 bits and counts 4-byte words. */
#define VG_STUN_MAX_BODY 65532

/* Classes (RFC 5389 §6) and the one method ICE uses. */
#define VG_STUN_CLASS_REQUEST 0
#define VG_STUN_CLASS_INDICATION 1
#define VG_STUN_CLASS_SUCCESS 2
#define VG_STUN_CLASS_ERROR 3
#define VG_STUN_METHOD_BINDING 0x001

/* Message types as on the wire: method and class bits interleaved. */
#define VG_STUN_BINDING_REQUEST 0x0001
#define VG_STUN_BINDING_INDICATION 0x0011
#define VG_STUN_BINDING_SUCCESS 0x0101
#define VG_STUN_BINDING_ERROR 0x0111

/* Attribute types. Below 0x8000 a receiver must understand them
 * (comprehension-required); from 0x8000 it may ignore them. */
#define VG_STUN_ATTR_MAPPED_ADDRESS 0x0001
#define VG_STUN_ATTR_USERNAME 0x0006
#define VG_STUN_ATTR_MESSAGE_INTEGRITY 0x0008
#define VG_STUN_ATTR_ERROR_CODE 0x0009
#define VG_STUN_ATTR_UNKNOWN_ATTRIBUTES 0x000a
#define VG_STUN_ATTR_REALM 0x0014
#define VG_STUN_ATTR_NONCE 0x0015
#define VG_STUN_ATTR_XOR_MAPPED_ADDRESS 0x0020
#define VG_STUN_ATTR_PRIORITY 0x0024      /* RFC 8445 §16.1 */
#define VG_STUN_ATTR_USE_CANDIDATE 0x0025 /* RFC 8445 §16.1 */
#define VG_STUN_ATTR_SOFTWARE 0x8022
#define VG_STUN_ATTR_FINGERPRINT 0x8028
#define VG_STUN_ATTR_ICE_CONTROLLED 0x8029  /* RFC 8445 §16.1 */
#define VG_STUN_ATTR_ICE_CONTROLLING 0x802a /* RFC 8445 §16.1 */

#define VG_STUN_INTEGRITY_LEN 20 /* HMAC-SHA1 */

struct vg_stun_attr {
    uint16_t type;
    size_t offset;        /* of the attribute's 4-byte header from the message start */
    const uint8_t *value; /* into the message; len bytes, padding not included */
    size_t len;
};

struct vg_stun_msg {
    uint16_t type; /* method and class as on the wire, e.g. VG_STUN_BINDING_REQUEST */
    uint8_t txid[VG_STUN_TXID_LEN];
    const uint8_t *data; /* the whole message, header included: len bytes */
    size_t len;
    size_t n_attrs;
    struct vg_stun_attr attrs[VG_STUN_MAX_ATTRS]; /* in wire order */
};

static inline unsigned vg_stun_method(uint16_t type)
{
    return (type & 0x000fu) | (type & 0x00e0u) >> 1 | (type & 0x3e00u) >> 2;
}

static inline unsigned vg_stun_class(uint16_t type)
{
    return (type >> 4 & 1u) | (type >> 7 & 2u);
}

/* True when a datagram on a port shared with DTLS and SRTP is STUN (RFC 7983
 * §7: first byte 0..3) and carries the magic cookie. Cheap; does not parse. */
bool vg_stun_is_stun(const uint8_t *p, size_t len);

/* Parses one message: exactly len bytes, as one UDP datagram carries. Fills
 * *ret (spans point into p) and returns 0; -EINVAL when the top two bits are
 * not 0, the cookie is wrong, the length field is not a multiple of 4 or does
 * not match len, or an attribute (with its padding) runs past the end; -E2BIG
 * for more than VG_STUN_MAX_ATTRS attributes. Unknown attribute types are
 * recorded like any other (see vg_stun_first_unknown_required). */
int vg_stun_parse(const uint8_t *p, size_t len, struct vg_stun_msg *ret);

/* The first attribute of a type, as a receiver must see the message: anything
 * after MESSAGE-INTEGRITY but FINGERPRINT, and anything after FINGERPRINT, is
 * ignored (RFC 5389 §15.4, §15.5). Returns 0 and a pointer into m, or -ENOENT. */
int vg_stun_find(const struct vg_stun_msg *m, uint16_t type, const struct vg_stun_attr **ret);

/* True when the attribute is present (USE-CANDIDATE is a flag). */
bool vg_stun_has(const struct vg_stun_msg *m, uint16_t type);

/* The type of the first comprehension-required attribute this codec does not
 * know, so that a server can answer 420 with UNKNOWN-ATTRIBUTES. Returns 0,
 * or -ENOENT when there is none. */
int vg_stun_first_unknown_required(const struct vg_stun_msg *m, uint16_t *ret_type);

/* Checks MESSAGE-INTEGRITY: HMAC-SHA1 with key over the message up to that
 * attribute, with the length field as if the message ended right after it
 * (§15.4). For ICE the key is the peer's password as is (short-term); for
 * long-term credentials it is MD5(username ":" realm ":" password). Returns 0,
 * -ENOENT without the attribute, -EACCES when it does not match or is not 20
 * bytes, -EIO when OpenSSL fails. Constant time in the comparison. */
int vg_stun_check_integrity(const struct vg_stun_msg *m, const uint8_t *key, size_t key_len);

/* Checks FINGERPRINT: CRC-32 of the message up to it, length field adjusted,
 * XOR 0x5354554e (§15.5). Returns 0, -ENOENT without the attribute, -EBADMSG
 * when it does not match, is not 4 bytes or is not the last attribute. */
int vg_stun_check_fingerprint(const struct vg_stun_msg *m);

/* Attribute decoders. Each returns 0 and fills its ret_ outputs, -ENOENT when
 * the attribute is absent, or -EINVAL when its value is malformed. */

/* USERNAME (at most 513 bytes), SOFTWARE, REALM, NONCE (at most 763 bytes),
 * any other type unchecked: the raw UTF-8 value, a span into the message. */
int vg_stun_get_text(const struct vg_stun_msg *m, uint16_t type, struct vg_span *ret);

/* MAPPED-ADDRESS and XOR-MAPPED-ADDRESS (§15.1, §15.2) as a sockaddr_in or
 * sockaddr_in6 (port included) in *ret. Families other than IPv4 and IPv6, or
 * a length that does not fit the family, are -EINVAL. */
int vg_stun_get_mapped_address(const struct vg_stun_msg *m, struct sockaddr_storage *ret);
int vg_stun_get_xor_mapped_address(const struct vg_stun_msg *m, struct sockaddr_storage *ret);

/* A 32-bit value (PRIORITY) or 64-bit one (ICE-CONTROLLING, ICE-CONTROLLED
 * tie-breakers); the value must have exactly that size. */
int vg_stun_get_u32(const struct vg_stun_msg *m, uint16_t type, uint32_t *ret);
int vg_stun_get_u64(const struct vg_stun_msg *m, uint16_t type, uint64_t *ret);

/* ERROR-CODE (§15.6): code 300..699 and the reason phrase (a span into m, at
 * most 763 bytes). */
int vg_stun_get_error_code(const struct vg_stun_msg *m, unsigned *ret_code,
                           struct vg_span *ret_reason);

/* Builder: writes a message into buf (owned by the caller, cap bytes), always
 * leaving a well-formed message with the length field up to date. The first
 * error sticks: later calls do nothing and return it, and so does finish, so
 * a caller may check only the result of finish. */
struct vg_stun_builder {
    uint8_t *buf;
    size_t cap, len;
    int err;
};

/* Starts a message of type (top two bits 0) with transaction id txid.
 * Returns 0, -EINVAL (bad type) or -E2BIG (cap below 20 bytes). */
int vg_stun_builder_begin(struct vg_stun_builder *b, uint8_t *buf, size_t cap, uint16_t type,
                          const uint8_t txid[VG_STUN_TXID_LEN]);

/* Appends an attribute with value (len bytes, copied) and zero padding.
 * Returns 0 or -E2BIG (past cap or past the 16-bit length field). */
int vg_stun_add_bytes(struct vg_stun_builder *b, uint16_t type, const void *value, size_t len);

/* USERNAME; -EINVAL over 513 bytes. */
int vg_stun_add_username(struct vg_stun_builder *b, const char *username, size_t len);

/* XOR-MAPPED-ADDRESS of sa (AF_INET with sa_len at least sizeof(struct
 * sockaddr_in), or AF_INET6 with sizeof(struct sockaddr_in6); a
 * sockaddr_storage of either family will do). -EAFNOSUPPORT for another
 * family, -EINVAL when sa_len is too short for it. */
int vg_stun_add_xor_mapped_address(struct vg_stun_builder *b, const struct sockaddr *sa,
                                   socklen_t sa_len);

/* ERROR-CODE with code 300..699 and a reason phrase (UTF-8, at most 763
 * bytes); -EINVAL otherwise. */
int vg_stun_add_error_code(struct vg_stun_builder *b, unsigned code, const char *reason,
                           size_t reason_len);

/* Ends the message: MESSAGE-INTEGRITY with key when key is not NULL, then
 * FINGERPRINT. Returns the message length, or the first error (-E2BIG,
 * -EINVAL, -EAFNOSUPPORT, or -EIO when OpenSSL fails). */
int vg_stun_builder_finish(struct vg_stun_builder *b, const uint8_t *key, size_t key_len);

/* ICE-lite's answer to a connectivity check: a Binding success response to
 * req with its transaction id, XOR-MAPPED-ADDRESS of from (the request's
 * source address), MESSAGE-INTEGRITY with key (the local ICE password) and
 * FINGERPRINT, written into buf (cap bytes). The caller has checked req's
 * integrity with the same key. Returns the length, -EINVAL when req is not a
 * Binding request or key is NULL, or an error of the builder. */
int vg_stun_binding_response(const struct vg_stun_msg *req, const struct sockaddr *from,
                             socklen_t from_len, const uint8_t *key, size_t key_len, uint8_t *buf,
                             size_t cap);
