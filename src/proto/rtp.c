#include "proto/rtp.h"

#include <errno.h>

#include "core/bytes.h"

int vg_rtp_parse(const uint8_t *pkt, size_t len, struct vg_rtp_packet *ret)
{
    if (!pkt || len < VG_RTP_HEADER_MIN || pkt[0] >> 6 != 2)
        return -EINVAL;
    struct vg_rtp_packet p = {
        .pt = pkt[1] & 0x7f,
        .marker = (pkt[1] & 0x80) != 0,
        .seq = vg_be16(pkt + 2),
        .ts = vg_be32(pkt + 4),
        .ssrc = vg_be32(pkt + 8),
        .csrc_count = pkt[0] & 0x0f,
    };
    bool padding = (pkt[0] & 0x20) != 0;
    size_t off = VG_RTP_HEADER_MIN + 4 * (size_t)p.csrc_count;
    if (off > len)
        return -EINVAL;
    if (pkt[0] & 0x10) {
        if (len - off < 4)
            return -EINVAL;
        size_t ext_len = 4 * (size_t)vg_be16(pkt + off + 2);
        if (len - off - 4 < ext_len)
            return -EINVAL;
        p.has_ext = true;
        p.ext_profile = vg_be16(pkt + off);
        p.ext = pkt + off + 4;
        p.ext_len = ext_len;
        off += 4 + ext_len;
    }
    size_t end = len;
    if (padding) {
        /* The count includes itself, so 0 cannot be right; it may eat the
         * whole payload (a packet of padding only). */
        size_t pad = pkt[len - 1];
        if (pad == 0 || pad > len - off)
            return -EINVAL;
        end = len - pad;
    }
    p.payload = pkt + off;
    p.payload_len = end - off;
    *ret = p;
    return 0;
}
