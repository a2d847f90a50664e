/* SRTP and SRTCP between two contexts keyed crosswise, as the two ends of a
 * DTLS-SRTP session are: what one protects the other recovers byte for byte,
 * for both profiles; damaged, replayed, too old and misaligned packets are
 * refused with distinct errors; a NACK resend of the same packet is allowed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "webrtc/srtp.h"

#define BUF_LEN 1500

struct pair {
    struct vg_srtp *a, *b; /* a's local key is b's remote key and back */
};

static void make_keys(enum vg_srtp_profile profile, struct vg_srtp_keys *ka,
                      struct vg_srtp_keys *kb)
{
    size_t len = VG_SRTP_KEY_LEN +
                 (profile == VG_SRTP_AEAD_AES_128_GCM ? VG_SRTP_SALT_LEN_GCM : VG_SRTP_SALT_LEN_CM);
    *ka = (struct vg_srtp_keys){.profile = profile, .len = len};
    for (size_t i = 0; i < len; i++) {
        ka->local[i] = (uint8_t)(0x11 * i + 3);
        ka->remote[i] = (uint8_t)(0x2b * i + 7);
    }
    *kb = (struct vg_srtp_keys){.profile = profile, .len = len};
    memcpy(kb->local, ka->remote, len);
    memcpy(kb->remote, ka->local, len);
}

static struct pair make_pair(enum vg_srtp_profile profile)
{
    struct vg_srtp_keys ka, kb;
    make_keys(profile, &ka, &kb);
    struct pair p;
    cr_assert_eq(vg_srtp_new(&ka, &p.a), 0);
    cr_assert_eq(vg_srtp_new(&kb, &p.b), 0);
    return p;
}

static void free_pair(struct pair *p)
{
    p->a = vg_srtp_free(p->a);
    p->b = vg_srtp_free(p->b);
}

static size_t rtp_packet(uint8_t *buf, uint16_t seq, size_t payload_len)
{
    const uint8_t hdr[12] = {0x80, 96, seq >> 8, seq & 0xff, 0, 0, 0x10, 0, 0xca, 0xfe, 0xba, 0xbe};
    memcpy(buf, hdr, sizeof(hdr));
    for (size_t i = 0; i < payload_len; i++)
        buf[12 + i] = (uint8_t)(i * 7 + seq);
    return 12 + payload_len;
}

/* A receiver report with no report blocks: V=2, PT=201, length 1 word. */
static size_t rtcp_packet(uint8_t *buf)
{
    const uint8_t rr[8] = {0x80, 201, 0, 1, 0xca, 0xfe, 0xba, 0xbe};
    memcpy(buf, rr, sizeof(rr));
    return sizeof(rr);
}

static void setup(void)
{
    cr_assert_eq(vg_srtp_init(), 0);
}

static void teardown(void)
{
    vg_srtp_done();
}

TestSuite(srtp, .init = setup, .fini = teardown);

static void check_rtp_round_trip(enum vg_srtp_profile profile, size_t tag_len)
{
    struct pair p = make_pair(profile);
    alignas(4) uint8_t pkt[BUF_LEN], orig[BUF_LEN];
    size_t len = rtp_packet(pkt, 1000, 200);
    memcpy(orig, pkt, len);
    size_t plain_len = len;

    cr_assert_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), 0);
    cr_expect_eq(len, plain_len + tag_len);
    cr_expect_eq(memcmp(pkt, orig, 12), 0, "the header stays in the clear");
    cr_expect_neq(memcmp(pkt + 12, orig + 12, plain_len - 12), 0, "the payload is encrypted");

    cr_assert_eq(vg_srtp_unprotect(p.b, pkt, &len), 0);
    cr_expect_eq(len, plain_len);
    cr_expect_eq(memcmp(pkt, orig, len), 0);

    /* and the other way */
    len = rtp_packet(pkt, 7, 50);
    memcpy(orig, pkt, len);
    cr_assert_eq(vg_srtp_protect(p.b, pkt, &len, sizeof(pkt)), 0);
    cr_assert_eq(vg_srtp_unprotect(p.a, pkt, &len), 0);
    cr_expect_eq(len, 62);
    cr_expect_eq(memcmp(pkt, orig, len), 0);
    free_pair(&p);
}

Test(srtp, aes_cm_round_trips_rtp_both_ways)
{
    check_rtp_round_trip(VG_SRTP_AES128_CM_SHA1_80, 10);
}

Test(srtp, gcm_round_trips_rtp_both_ways)
{
    check_rtp_round_trip(VG_SRTP_AEAD_AES_128_GCM, 16);
}

static void check_damage_and_replay(enum vg_srtp_profile profile)
{
    struct pair p = make_pair(profile);
    alignas(4) uint8_t pkt[BUF_LEN], copy[BUF_LEN];

    /* a flipped bit anywhere: header, payload, tag */
    const size_t where[] = {3, 12, 100, 0};
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        size_t len = rtp_packet(pkt, (uint16_t)(10 + i), 100);
        cr_assert_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), 0);
        size_t at = where[i] ? where[i] : len - 1;
        pkt[at] ^= 0x01;
        cr_expect_eq(vg_srtp_unprotect(p.b, pkt, &len), -EBADMSG, "flip at %zu", at);
    }

    /* a replay */
    size_t len = rtp_packet(pkt, 20, 100);
    cr_assert_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), 0);
    memcpy(copy, pkt, len);
    size_t copy_len = len;
    cr_assert_eq(vg_srtp_unprotect(p.b, pkt, &len), 0);
    cr_expect_eq(vg_srtp_unprotect(p.b, copy, &copy_len), -EALREADY);

    /* keys that are not the peer's */
    struct vg_srtp_keys ka, kb;
    make_keys(profile, &ka, &kb);
    struct vg_srtp *stranger;
    cr_assert_eq(vg_srtp_new(&ka, &stranger), 0); /* same local key as a: its peer's remote */
    len = rtp_packet(pkt, 21, 100);
    cr_assert_eq(vg_srtp_protect(p.b, pkt, &len, sizeof(pkt)), 0);
    cr_expect_eq(vg_srtp_unprotect(stranger, pkt, &len), 0, "a's twin can read what b sends");
    len = rtp_packet(pkt, 22, 100);
    cr_assert_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), 0);
    cr_expect_eq(vg_srtp_unprotect(stranger, pkt, &len), -EBADMSG, "but not what a sends");
    vg_srtp_free(stranger);
    free_pair(&p);
}

Test(srtp, aes_cm_refuses_damaged_and_replayed_rtp)
{
    check_damage_and_replay(VG_SRTP_AES128_CM_SHA1_80);
}

Test(srtp, gcm_refuses_damaged_and_replayed_rtp)
{
    check_damage_and_replay(VG_SRTP_AEAD_AES_128_GCM);
}

static void check_rtcp(enum vg_srtp_profile profile, size_t trailer)
{
    struct pair p = make_pair(profile);
    alignas(4) uint8_t pkt[BUF_LEN], orig[BUF_LEN], copy[BUF_LEN];

    size_t len = rtcp_packet(pkt);
    memcpy(orig, pkt, len);
    cr_assert_eq(vg_srtp_protect_rtcp(p.a, pkt, &len, sizeof(pkt)), 0);
    cr_expect_eq(len, 8 + trailer);
    memcpy(copy, pkt, len);
    size_t copy_len = len;
    cr_assert_eq(vg_srtp_unprotect_rtcp(p.b, pkt, &len), 0);
    cr_expect_eq(len, 8);
    cr_expect_eq(memcmp(pkt, orig, len), 0);
    cr_expect_eq(vg_srtp_unprotect_rtcp(p.b, copy, &copy_len), -EALREADY);

    len = rtcp_packet(pkt);
    cr_assert_eq(vg_srtp_protect_rtcp(p.b, pkt, &len, sizeof(pkt)), 0);
    pkt[len - 1] ^= 0x80;
    cr_expect_eq(vg_srtp_unprotect_rtcp(p.a, pkt, &len), -EBADMSG);

    len = rtcp_packet(pkt);
    cr_assert_eq(vg_srtp_protect_rtcp(p.b, pkt, &len, sizeof(pkt)), 0);
    pkt[5] ^= 0x80; /* the sender SSRC, authenticated */
    cr_expect_eq(vg_srtp_unprotect_rtcp(p.a, pkt, &len), -EBADMSG);

    len = rtcp_packet(pkt);
    cr_assert_eq(vg_srtp_protect_rtcp(p.b, pkt, &len, sizeof(pkt)), 0);
    cr_expect_eq(vg_srtp_unprotect_rtcp(p.a, pkt, &len), 0, "still in sync after the damage");
    free_pair(&p);
}

/* SRTCP adds the E flag and index (4 bytes) and the tag. */
Test(srtp, aes_cm_protects_rtcp)
{
    check_rtcp(VG_SRTP_AES128_CM_SHA1_80, 4 + 10);
}

Test(srtp, gcm_protects_rtcp)
{
    check_rtcp(VG_SRTP_AEAD_AES_128_GCM, 4 + 16);
}

Test(srtp, resending_a_packet_for_a_nack_is_allowed)
{
    struct pair p = make_pair(VG_SRTP_AEAD_AES_128_GCM);
    alignas(4) uint8_t first[BUF_LEN], again[BUF_LEN];
    size_t len = rtp_packet(first, 500, 300);
    cr_assert_eq(vg_srtp_protect(p.a, first, &len, sizeof(first)), 0);
    /* lost on the way; the viewer NACKs and we resend the stored packet */
    size_t again_len = rtp_packet(again, 500, 300);
    cr_assert_eq(vg_srtp_protect(p.a, again, &again_len, sizeof(again)), 0);
    cr_expect_eq(again_len, len);
    cr_expect_eq(memcmp(first, again, len), 0, "the same bytes: no new keystream use");
    cr_expect_eq(vg_srtp_unprotect(p.b, again, &again_len), 0);
    free_pair(&p);
}

Test(srtp, late_packets_within_the_window_are_accepted)
{
    struct pair p = make_pair(VG_SRTP_AES128_CM_SHA1_80);
    alignas(4) uint8_t late[BUF_LEN], pkt[BUF_LEN];
    size_t late_len = rtp_packet(late, 100, 20);
    cr_assert_eq(vg_srtp_protect(p.a, late, &late_len, sizeof(late)), 0);
    size_t old_len = 0;
    alignas(4) uint8_t old[BUF_LEN];
    for (uint16_t seq = 101; seq <= 1150; seq++) {
        size_t len = rtp_packet(pkt, seq, 20);
        cr_assert_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), 0);
        if (seq == 200) {
            memcpy(old, pkt, len);
            old_len = len;
            continue;
        }
        cr_assert_eq(vg_srtp_unprotect(p.b, pkt, &len), 0);
    }
    /* 1050 behind the newest: out of the 1024 window */
    cr_expect_eq(vg_srtp_unprotect(p.b, late, &late_len), -EALREADY);
    /* 950 behind: inside it (libsrtp's default window of 128 would refuse) */
    cr_expect_eq(vg_srtp_unprotect(p.b, old, &old_len), 0);
    free_pair(&p);
}

Test(srtp, protect_needs_room_for_the_trailer)
{
    struct pair p = make_pair(VG_SRTP_AES128_CM_SHA1_80);
    alignas(4) uint8_t pkt[BUF_LEN];
    size_t len = rtp_packet(pkt, 1, 100);
    size_t before = len;
    cr_expect_eq(vg_srtp_protect(p.a, pkt, &len, len + VG_SRTP_MAX_TRAILER - 1), -ENOBUFS);
    cr_expect_eq(len, before, "untouched on failure");
    cr_expect_eq(vg_srtp_protect_rtcp(p.a, pkt, &len, 4), -ENOBUFS);
    cr_expect_eq(vg_srtp_protect(p.a, pkt, &len, len + VG_SRTP_MAX_TRAILER), 0);
    free_pair(&p);
}

Test(srtp, refuses_what_is_not_a_packet)
{
    struct pair p = make_pair(VG_SRTP_AEAD_AES_128_GCM);
    alignas(4) uint8_t pkt[BUF_LEN] = {0x80, 96};
    size_t len = 11;
    cr_expect_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), -EINVAL, "shorter than a header");
    len = 7;
    cr_expect_eq(vg_srtp_protect_rtcp(p.a, pkt, &len, sizeof(pkt)), -EINVAL);
    len = rtp_packet(pkt, 3, 10);
    pkt[0] = 0x40; /* version 1 */
    cr_expect_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), -EINVAL);
    len = rtp_packet(pkt, 3, 10);
    pkt[0] = 0x8f; /* 15 CSRCs that are not there */
    cr_expect_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), -EINVAL);

    for (size_t n = 0; n < 12; n++) {
        len = n;
        cr_expect_eq(vg_srtp_unprotect(p.b, pkt, &len), -EBADMSG, "%zu bytes", n);
    }
    for (size_t n = 0; n < 8; n++) {
        len = n;
        cr_expect_eq(vg_srtp_unprotect_rtcp(p.b, pkt, &len), -EBADMSG, "%zu bytes", n);
    }
    /* a header and less than a tag */
    for (size_t payload = 0; payload < 16; payload++) {
        len = rtp_packet(pkt, 4, payload);
        cr_expect_eq(vg_srtp_unprotect(p.b, pkt, &len), -EBADMSG, "%zu bytes", len);
        len = rtcp_packet(pkt) + 4 + payload;
        cr_expect_eq(vg_srtp_unprotect_rtcp(p.b, pkt, &len), -EBADMSG, "%zu bytes", len);
    }
    len = rtp_packet(pkt, 5, 40);
    pkt[0] = 0x8f;
    cr_expect_eq(vg_srtp_unprotect(p.b, pkt, &len), -EBADMSG);

    len = rtp_packet(pkt + 1, 3, 10);
    cr_expect_eq(vg_srtp_protect(p.a, pkt + 1, &len, sizeof(pkt) - 1), -EINVAL, "misaligned");
    cr_expect_eq(vg_srtp_unprotect(p.b, pkt + 1, &len), -EINVAL);
    free_pair(&p);
}

Test(srtp, refuses_keys_that_do_not_fit_the_profile)
{
    struct vg_srtp_keys ka, kb;
    make_keys(VG_SRTP_AES128_CM_SHA1_80, &ka, &kb);
    struct vg_srtp *s = NULL;
    ka.len = 28;
    cr_expect_eq(vg_srtp_new(&ka, &s), -EINVAL);
    ka.len = 30;
    ka.profile = 2; /* AES128_CM_HMAC_SHA1_32: not offered */
    cr_expect_eq(vg_srtp_new(&ka, &s), -EINVAL);
    make_keys(VG_SRTP_AEAD_AES_128_GCM, &ka, &kb);
    ka.len = 30;
    cr_expect_eq(vg_srtp_new(&ka, &s), -EINVAL);
    cr_expect_null(s, "ret untouched on failure");
    cr_expect_null(vg_srtp_free(NULL));
}

/* A deterministic stream of bytes, so a failure replays. */
static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

Test(srtp, random_bytes_are_refused_without_harm)
{
    enum vg_srtp_profile profiles[] = {VG_SRTP_AES128_CM_SHA1_80, VG_SRTP_AEAD_AES_128_GCM};
    uint32_t seed = 3;
    for (size_t i = 0; i < 2; i++) {
        struct pair p = make_pair(profiles[i]);
        alignas(4) uint8_t pkt[BUF_LEN];
        for (int round = 0; round < 2000; round++) {
            size_t len = next_random(&seed) % 300;
            for (size_t j = 0; j < len; j++)
                pkt[j] = (uint8_t)next_random(&seed);
            if (len > 0 && round % 2)
                pkt[0] = (uint8_t)(0x80 | (pkt[0] & 0x3f)); /* version 2 */
            size_t n = len;
            int r =
                round % 3 ? vg_srtp_unprotect(p.b, pkt, &n) : vg_srtp_unprotect_rtcp(p.b, pkt, &n);
            cr_assert(r == -EBADMSG || r == -EALREADY, "round %d: %d", round, r);
            cr_assert_eq(n, len, "length untouched on failure");
        }
        /* and the context still works */
        size_t len = rtp_packet(pkt, 9, 40);
        cr_assert_eq(vg_srtp_protect(p.a, pkt, &len, sizeof(pkt)), 0);
        cr_assert_eq(vg_srtp_unprotect(p.b, pkt, &len), 0);
        free_pair(&p);
    }
}
