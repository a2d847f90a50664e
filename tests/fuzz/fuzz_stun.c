/* STUN over arbitrary bytes, then everything an ICE-lite agent does with a
 * message: demultiplexing, integrity and fingerprint checks with a fixed key,
 * every attribute decoder, and building responses (a Binding success and an
 * error echoing the input's attributes) into exact-size buffers cut from the
 * input. Checked: no crash, every span inside the input, counts within their
 * caps, and whatever the builder produces parses and verifies. */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[] = "VOkJxbRl1RmTxUk/WvJxBt";
#define KEY_LEN (sizeof(key) - 1)

static const uint8_t *input;
static size_t input_len;

static void check_range(const void *base, size_t len)
{
    const uint8_t *p = base;
    if (len == 0)
        return;
    if (p < input || len > input_len || p > input + input_len - len)
        abort();
}

static void check_address(int r, const struct sockaddr_storage *ss)
{
    if (r == 0 && ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
        abort();
    if (r != 0 && r != -ENOENT && r != -EINVAL)
        abort();
}

static void decode_all(const struct vg_stun_msg *m)
{
    for (size_t i = 0; i < m->n_attrs; i++) {
        uint16_t type = m->attrs[i].type;
        const struct vg_stun_attr *a;
        if (vg_stun_find(m, type, &a) == 0) {
            if (a < m->attrs || a >= m->attrs + m->n_attrs || a->type != type || a > &m->attrs[i])
                abort();
        }
        struct vg_span s;
        if (vg_stun_get_text(m, type, &s) == 0)
            check_range(s.base, s.len);
        uint32_t u32;
        uint64_t u64;
        int r = vg_stun_get_u32(m, type, &u32);
        if (r != 0 && r != -EINVAL && r != -ENOENT)
            abort();
        r = vg_stun_get_u64(m, type, &u64);
        if (r != 0 && r != -EINVAL && r != -ENOENT)
            abort();
        (void)vg_stun_has(m, type);
    }
    struct sockaddr_storage ss;
    check_address(vg_stun_get_mapped_address(m, &ss), &ss);
    check_address(vg_stun_get_xor_mapped_address(m, &ss), &ss);
    unsigned code;
    struct vg_span reason;
    if (vg_stun_get_error_code(m, &code, &reason) == 0) {
        if (code < 300 || code > 699 || reason.len > 763)
            abort();
        check_range(reason.base, reason.len);
    }
    uint16_t unknown;
    if (vg_stun_first_unknown_required(m, &unknown) == 0 && unknown >= 0x8000)
        abort();
}

static void check_structure(const struct vg_stun_msg *m, const uint8_t *p, size_t len)
{
    if (m->data != p || m->len != len || m->n_attrs > VG_STUN_MAX_ATTRS ||
        memcmp(m->txid, p + 8, VG_STUN_TXID_LEN) != 0)
        abort();
    size_t next = VG_STUN_HEADER_LEN;
    for (size_t i = 0; i < m->n_attrs; i++) {
        const struct vg_stun_attr *a = &m->attrs[i];
        /* Attributes follow each other without gaps, each padded to 4. */
        if (a->offset != next || a->value != p + a->offset + 4)
            abort();
        check_range(a->value, a->len);
        next = a->offset + 4 + ((a->len + 3) & ~(size_t)3);
    }
    if (next != len)
        abort();
}

/* Whatever the builder returns fits its cap and verifies with its key. */
static void check_built(int n, const uint8_t *buf, size_t cap, bool with_key)
{
    if (n < 0) {
        if (n != -E2BIG && n != -EINVAL)
            abort();
        return;
    }
    if ((size_t)n > cap || n < VG_STUN_HEADER_LEN + 8)
        abort();
    struct vg_stun_msg out;
    if (vg_stun_parse(buf, (size_t)n, &out) != 0 || vg_stun_check_fingerprint(&out) != 0)
        abort();
    if (with_key && vg_stun_check_integrity(&out, key, KEY_LEN) != 0)
        abort();
}

static void respond(const struct vg_stun_msg *m, size_t cap)
{
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf)
        return;
    /* The sender's address comes from the transaction id, so both families
     * and every port get tried. */
    struct sockaddr_storage from;
    memset(&from, 0, sizeof(from));
    if (m->txid[0] & 1) {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
        memcpy(&sin6.sin6_port, m->txid + 1, 2);
        memcpy(&sin6.sin6_addr, m->txid, VG_STUN_TXID_LEN);
        memcpy(&from, &sin6, sizeof(sin6));
    } else {
        struct sockaddr_in sin = {.sin_family = AF_INET};
        memcpy(&sin.sin_port, m->txid + 1, 2);
        memcpy(&sin.sin_addr, m->txid + 3, 4);
        memcpy(&from, &sin, sizeof(sin));
    }
    int n = vg_stun_binding_response(m, (const struct sockaddr *)&from, sizeof(from), key, KEY_LEN,
                                     buf, cap);
    if (m->type != VG_STUN_BINDING_REQUEST && n != -EINVAL)
        abort();
    check_built(n, buf, cap, true);
    if (n > 0) {
        struct vg_stun_msg out;
        struct sockaddr_storage back;
        if (vg_stun_parse(buf, (size_t)n, &out) != 0 ||
            vg_stun_get_xor_mapped_address(&out, &back) != 0 || back.ss_family != from.ss_family)
            abort();
        size_t alen =
            from.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        if (memcmp(&back, &from, alen) != 0)
            abort();
    }

    /* An error response echoing every attribute of the input. */
    struct vg_stun_builder b;
    vg_stun_builder_begin(&b, buf, cap, VG_STUN_BINDING_ERROR, m->txid);
    struct vg_span s;
    if (vg_stun_get_text(m, VG_STUN_ATTR_USERNAME, &s) == 0)
        vg_stun_add_username(&b, s.base, s.len);
    if (vg_stun_get_text(m, VG_STUN_ATTR_SOFTWARE, &s) == 0)
        vg_stun_add_error_code(&b, 400, s.base, s.len);
    for (size_t i = 0; i < m->n_attrs; i++)
        vg_stun_add_bytes(&b, m->attrs[i].type, m->attrs[i].value, m->attrs[i].len);
    bool with_key = m->n_attrs % 2 == 0;
    n = vg_stun_builder_finish(&b, with_key ? key : NULL, KEY_LEN);
    /* The echoed attributes may hold MESSAGE-INTEGRITY or FINGERPRINT of
     * their own, which the builder's would then not be the first of. */
    bool echoed_checks = false;
    for (size_t i = 0; i < m->n_attrs; i++) {
        uint16_t t = m->attrs[i].type;
        if (t == VG_STUN_ATTR_MESSAGE_INTEGRITY || t == VG_STUN_ATTR_FINGERPRINT)
            echoed_checks = true;
    }
    if (!echoed_checks)
        check_built(n, buf, cap, with_key);
    else if (n > (int)cap)
        abort();
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * (VG_STUN_HEADER_LEN + VG_STUN_MAX_BODY))
        return 0;
    /* An exact-size copy, so that reading one byte past the end is caught. */
    uint8_t *copy = malloc(size ? size : 1);
    struct vg_stun_msg *m = malloc(sizeof(*m));
    if (!copy || !m)
        goto out;
    memcpy(copy, data, size);
    input = copy;
    input_len = size;

    bool is_stun = vg_stun_is_stun(copy, size);
    int r = vg_stun_parse(copy, size, m);
    if (r != 0) {
        if (r != -EINVAL && r != -E2BIG)
            abort();
        goto out;
    }
    /* Whatever parses has the cookie; with a first byte of 0..3 the quick
     * check must agree. */
    if (copy[0] <= 3 && !is_stun)
        abort();
    check_structure(m, copy, size);
    r = vg_stun_check_integrity(m, key, KEY_LEN);
    if (r != 0 && r != -ENOENT && r != -EACCES)
        abort();
    r = vg_stun_check_fingerprint(m);
    if (r != 0 && r != -ENOENT && r != -EBADMSG)
        abort();
    decode_all(m);
    /* The last byte picks how much room the responses get. */
    respond(m, size ? copy[size - 1] : 0);
    respond(m, 1024);
out:
    free(m);
    free(copy);
    return 0;
}
