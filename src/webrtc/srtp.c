#include "webrtc/srtp.h"

#include <errno.h>
#include <limits.h>
#include <srtp2/srtp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(VG_SRTP_MAX_TRAILER >= SRTP_MAX_TRAILER_LEN + 4,
               "protect must leave what libsrtp may write after an SRTCP packet");
_Static_assert(VG_SRTP_KEY_LEN + VG_SRTP_SALT_LEN_CM == SRTP_AES_ICM_128_KEY_LEN_WSALT, "");
_Static_assert(VG_SRTP_KEY_LEN + VG_SRTP_SALT_LEN_GCM == SRTP_AES_GCM_128_KEY_LEN_WSALT, "");

/* Large enough for the reordering a jittery path and NACK-driven resends
 * cause at video bitrates (a keyframe alone can be a few hundred packets);
 * libsrtp's default of 128 drops late packets as replays. */
#define REPLAY_WINDOW 1024

#define RTP_HEADER_MIN 12
#define RTCP_HEADER_MIN 8
#define SRTCP_INDEX_LEN 4 /* E flag and SRTCP index, RFC 3711 §3.4 */

/* Two libsrtp sessions because one holds a single wildcard-SSRC template:
 * it cannot match any outbound and any inbound SSRC at once. */
struct vg_srtp {
    srtp_t out, in;
    size_t tag_len;
};

int vg_srtp_init(void)
{
    return srtp_init() == srtp_err_status_ok ? 0 : -EIO;
}

void vg_srtp_done(void)
{
    srtp_shutdown();
}

static int set_crypto(enum vg_srtp_profile profile, size_t len, srtp_policy_t *p)
{
    switch (profile) {
    case VG_SRTP_AES128_CM_SHA1_80:
        if (len != SRTP_AES_ICM_128_KEY_LEN_WSALT)
            return -EINVAL;
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
        return 0;
    case VG_SRTP_AEAD_AES_128_GCM:
        if (len != SRTP_AES_GCM_128_KEY_LEN_WSALT)
            return -EINVAL;
        /* RFC 7714 §14.2: the 16-octet tag for both RTP and RTCP. */
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
        return 0;
    }
    return -EINVAL;
}

int vg_srtp_new(const struct vg_srtp_keys *k, struct vg_srtp **ret)
{
    /* libsrtp takes non-const keys but only reads them while deriving the
     * session keys in srtp_create(); local copies keep k const and are wiped. */
    uint8_t local[VG_SRTP_MASTER_MAX], remote[VG_SRTP_MASTER_MAX];
    srtp_policy_t out = {0}, in = {0};
    struct vg_srtp *s = NULL;
    int r = set_crypto(k->profile, k->len, &out);
    if (r < 0)
        goto out;
    r = set_crypto(k->profile, k->len, &in);
    if (r < 0)
        goto out;
    memcpy(local, k->local, k->len);
    memcpy(remote, k->remote, k->len);

    out.ssrc.type = ssrc_any_outbound;
    out.key = local;
    out.window_size = REPLAY_WINDOW;
    /* A NACK answer resends the very packet (same sequence number, same
     * payload), which is the one case where a repeat is safe. */
    out.allow_repeat_tx = 1;

    in.ssrc.type = ssrc_any_inbound;
    in.key = remote;
    in.window_size = REPLAY_WINDOW;

    s = calloc(1, sizeof(*s));
    if (!s) {
        r = -ENOMEM;
        goto out;
    }
    s->tag_len = (size_t)out.rtp.auth_tag_len;
    srtp_err_status_t st = srtp_create(&s->out, &out);
    if (st != srtp_err_status_ok) {
        s->out = NULL;
        r = st == srtp_err_status_alloc_fail ? -ENOMEM : -EIO;
        goto out;
    }
    st = srtp_create(&s->in, &in);
    if (st != srtp_err_status_ok) {
        s->in = NULL;
        r = st == srtp_err_status_alloc_fail ? -ENOMEM : -EIO;
        goto out;
    }
    r = 0;
out:
    explicit_bzero(local, sizeof(local));
    explicit_bzero(remote, sizeof(remote));
    if (r < 0) {
        vg_srtp_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

struct vg_srtp *vg_srtp_free(struct vg_srtp *s)
{
    if (!s)
        return NULL;
    if (s->out)
        srtp_dealloc(s->out);
    if (s->in)
        srtp_dealloc(s->in);
    free(s);
    return NULL;
}

static int unprotect_error(srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_auth_fail:
        return -EBADMSG;
    /* Malformed input from the network, not a failure of ours: the caller
     * drops it like a forged packet. */
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
    case srtp_err_status_cant_check: /* SRTCP without the E flag we require */
        return -EBADMSG;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        return -EALREADY;
    default:
        return -EIO;
    }
}

static int protect(struct vg_srtp *s, bool rtcp, uint8_t *pkt, size_t *len, size_t cap)
{
    size_t n = *len;
    if (n < (rtcp ? RTCP_HEADER_MIN : RTP_HEADER_MIN) || (pkt[0] >> 6) != 2)
        return -EINVAL;
    /* libsrtp reads and writes the packet as 32-bit words. */
    if ((uintptr_t)pkt % 4 != 0)
        return -EINVAL;
    if (cap < n || cap - n < VG_SRTP_MAX_TRAILER || n > INT_MAX - VG_SRTP_MAX_TRAILER)
        return -ENOBUFS;
    int plen = (int)n;
    srtp_err_status_t st =
        rtcp ? srtp_protect_rtcp(s->out, pkt, &plen) : srtp_protect(s->out, pkt, &plen);
    if (st == srtp_err_status_bad_param || st == srtp_err_status_parse_err)
        return -EINVAL;
    if (st != srtp_err_status_ok)
        return -EIO;
    *len = (size_t)plen;
    return 0;
}

static int unprotect(struct vg_srtp *s, bool rtcp, uint8_t *pkt, size_t *len)
{
    if ((uintptr_t)pkt % 4 != 0)
        return -EINVAL;
    size_t n = *len;
    /* libsrtp reports a packet too short for its tag as a cipher failure
     * with GCM, which would read as ours; it is the sender's. */
    size_t min = rtcp ? RTCP_HEADER_MIN + SRTCP_INDEX_LEN : RTP_HEADER_MIN;
    if (n < min + s->tag_len || n > INT_MAX)
        return -EBADMSG;
    int plen = (int)n;
    srtp_err_status_t st =
        rtcp ? srtp_unprotect_rtcp(s->in, pkt, &plen) : srtp_unprotect(s->in, pkt, &plen);
    if (st != srtp_err_status_ok)
        return unprotect_error(st);
    *len = (size_t)plen;
    return 0;
}

int vg_srtp_protect(struct vg_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
    return protect(s, false, pkt, len, cap);
}

int vg_srtp_protect_rtcp(struct vg_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
    return protect(s, true, pkt, len, cap);
}

int vg_srtp_unprotect(struct vg_srtp *s, uint8_t *pkt, size_t *len)
{
    return unprotect(s, false, pkt, len);
}

int vg_srtp_unprotect_rtcp(struct vg_srtp *s, uint8_t *pkt, size_t *len)
{
    return unprotect(s, true, pkt, len);
}
