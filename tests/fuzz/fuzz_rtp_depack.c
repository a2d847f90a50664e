/* RTP parsing and depacketizing over arbitrary bytes. The input is a run of
 * packets, each after a 2-byte big-endian length; every packet that parses
 * is fed to an H.264, an H.265, two AAC (hbr and lbr AU headers) and a G.711
 * depacketizer. Checked: no crash or hang, payloads inside their packet,
 * return values among those documented, units within VG_RTP_UNIT_MAX, video
 * units in Annex B, the buffer never past its cap.
 *
 * Seeds (corpus/rtp_depack/) are packet runs like cameras send: H.264
 * STAP-A + FU-A + single NAL units with a gap, H.265 AP + FU, AAC with
 * several AUs and a fragmented one, G.711. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtp.h"
#include "proto/rtp_depack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
    enum vg_codec codec;
    uint64_t units, bytes;
};

static int on_unit(void *arg, const uint8_t *data, size_t len, uint32_t ts)
{
    struct sink *s = arg;
    (void)ts;
    if (len == 0 || len > VG_RTP_UNIT_MAX)
        abort();
    if ((s->codec == VG_CODEC_H264 || s->codec == VG_CODEC_H265) &&
        (len < 5 || memcmp(data, "\0\0\0\1", 4) != 0))
        abort();
    /* Touch every byte so that a bad range shows under the sanitizers. */
    for (size_t i = 0; i < len; i++)
        s->bytes += data[i];
    s->units++;
    return 0;
}

#define N_DEPACK 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fmtp[N_DEPACK] = {
        "packetization-mode=1",
        "",
        "mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3",
        "mode=AAC-lbr;sizelength=6;indexlength=2;indexdeltalength=2",
        "",
    };
    static const enum vg_codec codecs[N_DEPACK] = {VG_CODEC_H264, VG_CODEC_H265, VG_CODEC_AAC,
                                                   VG_CODEC_AAC, VG_CODEC_PCMA};
    struct vg_rtp_depack d[N_DEPACK];
    struct sink sinks[N_DEPACK];
    if (size > 1 << 20)
        return 0;
    for (size_t i = 0; i < N_DEPACK; i++) {
        struct vg_span f = {fmtp[i], strlen(fmtp[i])};
        if (vg_rtp_depack_init(&d[i], codecs[i], f) != 0)
            abort();
        sinks[i] = (struct sink){.codec = codecs[i]};
    }
    size_t pos = 0;
    while (size - pos >= 2) {
        size_t len = (size_t)(data[pos] << 8 | data[pos + 1]);
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        /* An exact-size copy, so that reading past the packet is caught. */
        uint8_t *pkt = malloc(len ? len : 1);
        if (!pkt)
            break;
        memcpy(pkt, data + pos, len);
        pos += len;
        struct vg_rtp_packet p;
        if (vg_rtp_parse(pkt, len, &p) == 0) {
            if (p.payload < pkt || p.payload_len > len || p.payload + p.payload_len > pkt + len ||
                (p.has_ext && (p.ext < pkt || p.ext + p.ext_len > p.payload)))
                abort();
            for (size_t i = 0; i < N_DEPACK; i++) {
                int r = vg_rtp_depack_push(&d[i], &p, on_unit, &sinks[i]);
                if (r != 0 && r != -EINVAL && r != -E2BIG && r != -ENOMEM)
                    abort();
                if (d[i].cap > VG_RTP_UNIT_MAX || d[i].len > d[i].cap)
                    abort();
            }
        }
        free(pkt);
    }
    for (size_t i = 0; i < N_DEPACK; i++)
        vg_rtp_depack_done(&d[i]);
    return 0;
}
