/* What the payload formats of the depacketizer share (rtp_depack.c,
 * rtp_depack_h26x.c, rtp_depack_aac.c). Internal to proto/: other modules use
 * proto/rtp_depack.h. */
#pragma once

#include "proto/rtp_depack.h"

/* Room for n more bytes at d->buf + d->len. Returns 0, -E2BIG when the unit
 * would pass VG_RTP_UNIT_MAX (nothing allocated), or -ENOMEM. */
int vg_rtp_depack_reserve(struct vg_rtp_depack *d, size_t n);

/* Forgets the unit in progress (in_unit, in_fu, key, picture, skip, len);
 * keeps the buffer, wait_key, the sequence state and the counters. */
void vg_rtp_depack_clear(struct vg_rtp_depack *d);

/* H.264 / H.265 payloads (rtp_depack_h26x.c). loss is called before p is
 * pushed when a sequence gap precedes it. */
int vg_rtp_depack_h26x_push(struct vg_rtp_depack *d, const struct vg_rtp_packet *p,
                            vg_rtp_unit_fn *emit, void *arg);
void vg_rtp_depack_h26x_loss(struct vg_rtp_depack *d, const struct vg_rtp_packet *p);

/* AAC payloads (rtp_depack_aac.c). */
int vg_rtp_depack_aac_init(struct vg_rtp_depack *d, struct vg_span fmtp);
int vg_rtp_depack_aac_push(struct vg_rtp_depack *d, const struct vg_rtp_packet *p,
                           vg_rtp_unit_fn *emit, void *arg);
void vg_rtp_depack_aac_loss(struct vg_rtp_depack *d);

/* Decimal digits only, at most max. Returns 0 or -EINVAL. */
int vg_rtp_depack_uint(struct vg_span s, uint32_t max, uint32_t *ret);
