/* fMP4 writer over arbitrary parameters: the input picks codecs, configs,
 * sizes and timestamps; whatever is written must be boxes that add up, and a
 * fragment's data offset must land on its mdat payload.
 *
 * Input layout: byte 0 video codec, byte 1 audio codec, byte 2 flags (bit 0
 * key, bit 1 audio frame, bit 2 video codec_string set), then u16 width,
 * u16 height, u32 video timescale, u32 audio timescale, u32 sample rate,
 * u8 channels, u16 video config length, u16 audio config length, u32
 * sequence, i64 dts, i64 pts, u32 duration, then the two configs, and the
 * rest is the frame. Missing bytes read as zero. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/fmp4.h"

#include "../unit/media/boxes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *p;
    size_t len, at;
};

static uint64_t take(struct input *in, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | (in->at < in->len ? in->p[in->at++] : 0);
    return v;
}

static const uint8_t *take_bytes(struct input *in, size_t *n)
{
    if (*n > in->len - in->at)
        *n = in->len - in->at;
    const uint8_t *p = in->p + in->at;
    in->at += *n;
    return p;
}

static void check_init(const uint8_t *init, size_t len)
{
    if (box_walk(init, len, 0) < 0)
        abort();
    struct box ftyp, moov;
    if (!box_read(init, len, &ftyp) || strcmp(ftyp.type, "ftyp") != 0)
        abort();
    if (!box_read(init + ftyp.size, len - ftyp.size, &moov) || strcmp(moov.type, "moov") != 0)
        abort();
    if (ftyp.size + moov.size != len)
        abort();
}

static void check_fragment(const struct vg_frame *f, uint32_t seq)
{
    uint8_t *buf = malloc(VG_FMP4_FRAGMENT_HEADER_MAX + f->len);
    if (!buf)
        return;
    size_t n = vg_fmp4_fragment_header(seq, f, buf);
    if (n > VG_FMP4_FRAGMENT_HEADER_MAX)
        abort();
    if (n == 0) {
        /* only what MP4 cannot describe is refused */
        if (f->dts >= 0 && f->pts >= 0 && f->pts - f->dts >= INT32_MIN &&
            f->pts - f->dts <= INT32_MAX)
            abort();
        free(buf);
        return;
    }
    memcpy(buf + n, f->data, f->len);
    size_t total = n + f->len;
    if (box_walk(buf, total, 0) != 7) /* moof mfhd traf tfhd tfdt trun mdat */
        abort();
    struct box moof, mdat, trun, tfdt, mfhd;
    if (!box_find(buf, total, "moof", &moof) || !box_find(buf, total, "mdat", &mdat) ||
        !box_find(buf, total, "moof/traf/trun", &trun) ||
        !box_find(buf, total, "moof/traf/tfdt", &tfdt) || !box_find(buf, total, "moof/mfhd", &mfhd))
        abort();
    if (moof.size + mdat.size != total || mdat.body_len != f->len)
        abort();
    if (moof.start + box_u32(trun.body + 8) != mdat.body)
        abort();
    if (box_u32(trun.body + 16) != f->len || box_u64(tfdt.body + 4) != (uint64_t)f->dts ||
        box_u32(mfhd.body + 4) != seq)
        abort();
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    struct input in = {.p = data, .len = size};
    struct vg_stream_params p = {0};
    p.video.codec = (enum vg_codec)(take(&in, 1) % 7);
    p.audio.codec = (enum vg_codec)(take(&in, 1) % 7);
    unsigned flags = (unsigned)take(&in, 1);
    p.video.width = (unsigned)take(&in, 2);
    p.video.height = (unsigned)take(&in, 2);
    p.video.timescale = (uint32_t)take(&in, 4);
    p.audio.timescale = (uint32_t)take(&in, 4);
    p.audio.sample_rate = (unsigned)take(&in, 4);
    p.audio.channels = (unsigned)take(&in, 1);
    size_t vlen = (size_t)take(&in, 2), alen = (size_t)take(&in, 2);
    uint32_t seq = (uint32_t)take(&in, 4);
    int64_t dts = (int64_t)take(&in, 8), pts = (int64_t)take(&in, 8);
    uint32_t duration = (uint32_t)take(&in, 4);
    if (flags & 4)
        memcpy(p.video.codec_string, "avc1.640028", 12);

    /* configs are copied so that reading past them is caught by ASan */
    const uint8_t *vc = take_bytes(&in, &vlen);
    const uint8_t *ac = take_bytes(&in, &alen);
    p.video.config = vlen ? malloc(vlen) : NULL;
    p.audio.config = alen ? malloc(alen) : NULL;
    if ((vlen && !p.video.config) || (alen && !p.audio.config))
        goto out;
    if (vlen)
        memcpy(p.video.config, vc, vlen);
    if (alen)
        memcpy(p.audio.config, ac, alen);
    p.video.config_len = vlen;
    p.audio.config_len = alen;

    uint8_t *init = NULL;
    size_t init_len = 0;
    int r = vg_fmp4_init_segment(&p, &init, &init_len);
    char mime[96];
    vg_fmp4_mime(&p, mime, sizeof(mime));
    if (strlen(mime) >= sizeof(mime))
        abort();
    if (r == 0) {
        check_init(init, init_len);
        if (!mime[0])
            abort(); /* a playable init segment has a MIME type */
        free(init);
    } else if (mime[0]) {
        abort();
    }

    size_t flen = in.len - in.at;
    struct vg_frame *f = vg_frame_new(flen);
    if (!f)
        goto out;
    memcpy(f->data, in.p + in.at, flen);
    f->track = (flags & 2) ? VG_TRACK_AUDIO : VG_TRACK_VIDEO;
    f->key = flags & 1;
    f->dts = dts;
    f->pts = pts;
    f->duration = duration;
    check_fragment(f, seq);
    vg_frame_unref(&f);
out:
    free(p.video.config);
    free(p.audio.config);
    return 0;
}
