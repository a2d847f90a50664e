/* Fragmented MP4 writer. Every box is written by a bounded writer
 * (media/mp4_box.h): the init segment grows a heap buffer, fragment headers
 * fill the caller's fixed array. */
#include "media/fmp4.h"

#include "media/mp4_box.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what can be written ---- */

static bool is_video_codec(enum vg_codec c)
{
    return c == VG_CODEC_H264 || c == VG_CODEC_H265;
}

/* avcC and hvcC both start with configurationVersion = 1; the minimum sizes
 * are the fixed headers (ISO/IEC 14496-15 5.3.3.1 and 8.3.3.1). */
static bool video_config_ok(const struct vg_track_params *t)
{
    size_t min = t->codec == VG_CODEC_H264 ? 7 : 23;
    return t->config && t->config_len >= min && t->config_len <= VG_FMP4_CONFIG_MAX &&
           t->config[0] == 1;
}

static bool opus_head(const struct vg_track_params *t)
{
    return t->config && t->config_len >= 19 && memcmp(t->config, "OpusHead", 8) == 0;
}

/* Channel mapping family 0 covers mono and stereo; any other family needs the
 * table that only an OpusHead can supply. */
static bool opus_writable(const struct vg_track_params *t)
{
    if (!opus_head(t))
        return t->channels >= 1 && t->channels <= 2;
    unsigned channels = t->config[9], family = t->config[18];
    if (channels == 0)
        return false;
    return family == 0 ? channels <= 2 : t->config_len >= 21 + (size_t)channels;
}

/* Whether the audio track goes into the file. PCMA/PCMU have no MP4 mapping
 * browsers play. */
static bool audio_writable(const struct vg_track_params *t)
{
    switch (t->codec) {
    case VG_CODEC_AAC:
        return true;
    case VG_CODEC_OPUS:
        return opus_writable(t);
    default:
        return false;
    }
}

static int check_video(const struct vg_track_params *t)
{
    if (!is_video_codec(t->codec) || !video_config_ok(t) || t->timescale == 0 ||
        t->width > UINT16_MAX || t->height > UINT16_MAX)
        return -EINVAL;
    return 0;
}

static int check_audio(const struct vg_track_params *t)
{
    if (t->timescale == 0)
        return -EINVAL;
    if (t->codec == VG_CODEC_AAC &&
        (!t->config || t->config_len < 2 || t->config_len > VG_FMP4_CONFIG_MAX))
        return -EINVAL;
    if (t->codec == VG_CODEC_OPUS && t->config_len > VG_FMP4_CONFIG_MAX)
        return -EINVAL;
    return 0;
}

/* Which tracks the file gets: 0, or -EINVAL when it would have none or a
 * present track is malformed. An audio codec MP4 cannot carry is left out. */
static int plan(const struct vg_stream_params *p, bool *has_video, bool *has_audio)
{
    *has_video = p->video.codec != VG_CODEC_NONE;
    *has_audio = p->audio.codec != VG_CODEC_NONE && audio_writable(&p->audio);
    if (*has_video && check_video(&p->video) < 0)
        return -EINVAL;
    if (*has_audio && check_audio(&p->audio) < 0)
        return -EINVAL;
    if (!*has_video && !*has_audio)
        return -EINVAL;
    return 0;
}

/* ---- init segment ---- */

static void put_ftyp(struct vg_mp4box *w)
{
    size_t at = vg_mp4box_begin(w, "ftyp");
    vg_mp4box_put_type(w, "iso6");
    vg_mp4box_put_u32(w, 0);
    vg_mp4box_put_type(w, "iso6");
    vg_mp4box_put_type(w, "isom");
    vg_mp4box_put_type(w, "mp41");
    vg_mp4box_end(w, at);
}

static void put_visual_entry(struct vg_mp4box *w, const struct vg_track_params *t)
{
    bool avc = t->codec == VG_CODEC_H264;
    size_t at = vg_mp4box_begin(w, avc ? "avc1" : "hvc1");
    vg_mp4box_put_zeros(w, 6);  /* reserved */
    vg_mp4box_put_u16(w, 1);    /* data_reference_index */
    vg_mp4box_put_zeros(w, 16); /* pre_defined, reserved */
    vg_mp4box_put_u16(w, (uint16_t)t->width);
    vg_mp4box_put_u16(w, (uint16_t)t->height);
    vg_mp4box_put_u32(w, 0x00480000); /* 72 dpi */
    vg_mp4box_put_u32(w, 0x00480000);
    vg_mp4box_put_u32(w, 0);    /* reserved */
    vg_mp4box_put_u16(w, 1);    /* frame_count */
    vg_mp4box_put_zeros(w, 32); /* compressorname */
    vg_mp4box_put_u16(w, 0x0018);
    vg_mp4box_put_u16(w, 0xffff); /* pre_defined = -1 */
    size_t cfg = vg_mp4box_begin(w, avc ? "avcC" : "hvcC");
    vg_mp4box_put_bytes(w, t->config, t->config_len);
    vg_mp4box_end(w, cfg);
    vg_mp4box_end(w, at);
}

/* The sample entry fields a player may read before the codec config. The
 * sample rate is 16.16, so rates above 65535 Hz are left at 0 (the config
 * carries the real one). */
static void put_audio_entry_head(struct vg_mp4box *w, unsigned channels, unsigned rate)
{
    vg_mp4box_put_zeros(w, 6);
    vg_mp4box_put_u16(w, 1); /* data_reference_index */
    vg_mp4box_put_zeros(w, 8);
    vg_mp4box_put_u16(w, (uint16_t)(channels <= UINT16_MAX ? channels : 0));
    vg_mp4box_put_u16(w, 16); /* samplesize */
    vg_mp4box_put_u32(w, 0);  /* pre_defined, reserved */
    vg_mp4box_put_u32(w, rate <= UINT16_MAX ? (uint32_t)rate << 16 : 0);
}

/* MPEG-4 descriptor length: 7 bits per byte, high bit = more follows. */
static void put_desc_len(struct vg_mp4box *w, size_t len)
{
    uint8_t b[4];
    size_t n = 0;
    do {
        b[n++] = (uint8_t)(len & 0x7f);
        len >>= 7;
    } while (len && n < 4);
    while (n > 1)
        vg_mp4box_put_u8(w, (uint8_t)(b[--n] | 0x80));
    vg_mp4box_put_u8(w, b[0]);
}

static size_t desc_len_size(size_t len)
{
    return len < 0x80 ? 1 : len < 0x4000 ? 2 : len < 0x200000 ? 3 : 4;
}

/* Sampling frequency and channel configuration from an AudioSpecificConfig,
 * for the sample entry (ISO/IEC 14496-3 1.6.2.1). 0 when not found. */
static void asc_rate_channels(const uint8_t *c, size_t len, unsigned *rate, unsigned *channels)
{
    static const unsigned rates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                       22050, 16000, 12000, 11025, 8000,  7350};
    *rate = 0;
    *channels = 0;
    if (len < 2)
        return;
    /* at most 5 + 6 + 4 + 24 + 4 = 43 bits are read: the first 8 bytes hold them */
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = (v << 8) | (i < len ? c[i] : 0);
    size_t avail = len < 8 ? len * 8 : 64;
    size_t bit = (c[0] >> 3) == 31 ? 11 : 5;
    unsigned idx = (unsigned)(v >> (64 - bit - 4)) & 0xf;
    bit += 4;
    if (idx == 15) {
        if (avail < bit + 24)
            return;
        *rate = (unsigned)(v >> (64 - bit - 24)) & 0xffffff;
        bit += 24;
    } else if (idx < 13) {
        *rate = rates[idx];
    }
    if (avail >= bit + 4) {
        unsigned ch = (unsigned)(v >> (64 - bit - 4)) & 0xf;
        *channels = ch == 7 ? 8 : ch < 7 ? ch : 0;
    }
}

static void put_mp4a(struct vg_mp4box *w, const struct vg_track_params *t)
{
    unsigned rate, channels;
    asc_rate_channels(t->config, t->config_len, &rate, &channels);
    if (t->sample_rate)
        rate = t->sample_rate;
    if (t->channels)
        channels = t->channels;
    if (!channels)
        channels = 2;

    size_t entry = vg_mp4box_begin(w, "mp4a");
    put_audio_entry_head(w, channels, rate);

    size_t dsi = t->config_len;
    size_t dcd = 13 + 1 + desc_len_size(dsi) + dsi;
    size_t esd = 3 + 1 + desc_len_size(dcd) + dcd + 3;
    size_t esds = vg_mp4box_full_begin(w, "esds", 0, 0);
    vg_mp4box_put_u8(w, 0x03); /* ES_Descriptor */
    put_desc_len(w, esd);
    vg_mp4box_put_u16(w, VG_FMP4_AUDIO_TRACK); /* ES_ID */
    vg_mp4box_put_u8(w, 0);                    /* no dependencies, URL, OCR */
    vg_mp4box_put_u8(w, 0x04);                 /* DecoderConfigDescriptor */
    put_desc_len(w, dcd);
    vg_mp4box_put_u8(w, 0x40); /* objectTypeIndication: MPEG-4 Audio */
    vg_mp4box_put_u8(w, 0x15); /* streamType audio (5) << 2 | reserved 1 */
    vg_mp4box_put_u24(w, 0);   /* bufferSizeDB */
    vg_mp4box_put_u32(w, 0);   /* maxBitrate */
    vg_mp4box_put_u32(w, 0);   /* avgBitrate */
    vg_mp4box_put_u8(w, 0x05); /* DecoderSpecificInfo */
    put_desc_len(w, dsi);
    vg_mp4box_put_bytes(w, t->config, dsi);
    vg_mp4box_put_u8(w, 0x06); /* SLConfigDescriptor */
    put_desc_len(w, 1);
    vg_mp4box_put_u8(w, 0x02); /* predefined: MP4 */
    vg_mp4box_end(w, esds);
    vg_mp4box_end(w, entry);
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* "Encapsulation of Opus in ISO Base Media File Format" 4.3: the dOps box is
 * OpusHead without its magic, big-endian. */
static void put_opus(struct vg_mp4box *w, const struct vg_track_params *t)
{
    const uint8_t *h = opus_head(t) ? t->config : NULL;
    unsigned channels = h ? h[9] : t->channels;

    size_t entry = vg_mp4box_begin(w, "Opus");
    put_audio_entry_head(w, channels, 48000);
    size_t dops = vg_mp4box_begin(w, "dOps");
    vg_mp4box_put_u8(w, 0); /* Version */
    vg_mp4box_put_u8(w, (uint8_t)channels);
    vg_mp4box_put_u16(w, h ? le16(h + 10) : 0); /* PreSkip */
    vg_mp4box_put_u32(w, h                ? (uint32_t)(le16(h + 12) | (uint32_t)le16(h + 14) << 16)
                         : t->sample_rate ? t->sample_rate
                                          : 48000);
    vg_mp4box_put_u16(w, h ? le16(h + 16) : 0); /* OutputGain */
    uint8_t family = h ? h[18] : 0;
    vg_mp4box_put_u8(w, family);
    if (family != 0) /* opus_writable() saw the stream counts and the table */
        vg_mp4box_put_bytes(w, h + 19, 2 + (size_t)channels);
    vg_mp4box_end(w, dops);
    vg_mp4box_end(w, entry);
}

static void put_stbl(struct vg_mp4box *w, const struct vg_track_params *t, bool video)
{
    size_t stbl = vg_mp4box_begin(w, "stbl");
    size_t stsd = vg_mp4box_full_begin(w, "stsd", 0, 0);
    vg_mp4box_put_u32(w, 1);
    if (video)
        put_visual_entry(w, t);
    else if (t->codec == VG_CODEC_AAC)
        put_mp4a(w, t);
    else
        put_opus(w, t);
    vg_mp4box_end(w, stsd);
    static const char empty[4][5] = {"stts", "stsc", "stsz", "stco"};
    for (size_t i = 0; i < 4; i++) {
        size_t at = vg_mp4box_full_begin(w, empty[i], 0, 0);
        if (i == 2)
            vg_mp4box_put_u32(w, 0); /* stsz sample_size */
        vg_mp4box_put_u32(w, 0);     /* entry_count / sample_count */
        vg_mp4box_end(w, at);
    }
    vg_mp4box_end(w, stbl);
}

static void put_trak(struct vg_mp4box *w, uint32_t track_id, const struct vg_track_params *t,
                     bool video)
{
    size_t trak = vg_mp4box_begin(w, "trak");
    /* durations are 0: the fragments carry the samples */
    vg_mp4box_put_tkhd(w, VG_MP4BOX_TRACK_ENABLED | VG_MP4BOX_TRACK_IN_MOVIE, track_id, 0, video,
                       t->width, t->height);
    size_t mdia = vg_mp4box_begin(w, "mdia");
    vg_mp4box_put_mdhd(w, t->timescale, 0);
    vg_mp4box_put_hdlr(w, video);
    size_t minf = vg_mp4box_begin(w, "minf");
    vg_mp4box_put_media_header(w, video);
    vg_mp4box_put_dinf(w);
    put_stbl(w, t, video);
    vg_mp4box_end(w, minf);
    vg_mp4box_end(w, mdia);
    vg_mp4box_end(w, trak);
}

static void put_trex(struct vg_mp4box *w, uint32_t track_id)
{
    size_t at = vg_mp4box_full_begin(w, "trex", 0, 0);
    vg_mp4box_put_u32(w, track_id);
    vg_mp4box_put_u32(w, 1); /* default_sample_description_index */
    vg_mp4box_put_u32(w, 0); /* default_sample_duration */
    vg_mp4box_put_u32(w, 0); /* default_sample_size */
    vg_mp4box_put_u32(w, 0); /* default_sample_flags */
    vg_mp4box_end(w, at);
}

int vg_fmp4_init_segment(const struct vg_stream_params *p, uint8_t **ret_data, size_t *ret_len)
{
    const struct vg_track_params *v = &p->video, *a = &p->audio;
    bool has_video, has_audio;
    int r = plan(p, &has_video, &has_audio);
    if (r < 0)
        return r;

    struct vg_mp4box w = {.grow = true};
    put_ftyp(&w);
    size_t moov = vg_mp4box_begin(&w, "moov");
    vg_mp4box_put_mvhd(&w, 1000, 0, has_audio ? VG_FMP4_AUDIO_TRACK + 1 : VG_FMP4_VIDEO_TRACK + 1);
    if (has_video)
        put_trak(&w, VG_FMP4_VIDEO_TRACK, v, true);
    if (has_audio)
        put_trak(&w, VG_FMP4_AUDIO_TRACK, a, false);
    size_t mvex = vg_mp4box_begin(&w, "mvex");
    if (has_video)
        put_trex(&w, VG_FMP4_VIDEO_TRACK);
    if (has_audio)
        put_trex(&w, VG_FMP4_AUDIO_TRACK);
    vg_mp4box_end(&w, mvex);
    vg_mp4box_end(&w, moov);

    if (w.failed) {
        free(w.p);
        return -ENOMEM;
    }
    *ret_data = w.p;
    *ret_len = w.len;
    return 0;
}

/* ---- fragments ---- */

#define TRUN_DATA_OFFSET 0x000001
#define TRUN_DURATION 0x000100
#define TRUN_SIZE 0x000200
#define TRUN_FLAGS 0x000400
#define TRUN_CTO 0x000800

#define SAMPLE_SYNC 0x02000000     /* sample_depends_on = 2 (no other) */
#define SAMPLE_NON_SYNC 0x01010000 /* sample_depends_on = 1, is_non_sync */

/* What vg_fmp4_fragment_header() and vg_fmp4_fragment_run() refuse. */
static bool describable(const struct vg_frame *f)
{
    if (f->track != VG_TRACK_VIDEO && f->track != VG_TRACK_AUDIO)
        return false;
    if (f->dts < 0 || f->pts < 0 || f->len > UINT32_MAX - 8)
        return false;
    int64_t cto = f->pts - f->dts; /* both non-negative: no overflow */
    return cto >= INT32_MIN && cto <= INT32_MAX;
}

/* A track's share of a fragment. */
struct track_share {
    size_t samples;
    uint64_t bytes;
};

/* Counts each track's frames and bytes. False when a frame cannot be
 * described or a track has more samples than a trun can count. */
static bool share_out(const struct vg_frame *const *frames, size_t count, const int64_t origin[2],
                      struct track_share share[2])
{
    for (size_t i = 0; i < count; i++) {
        const struct vg_frame *f = frames[i];
        if (!describable(f) || f->dts < origin[f->track == VG_TRACK_VIDEO ? 0 : 1])
            return false;
        struct track_share *s = &share[f->track == VG_TRACK_VIDEO ? 0 : 1];
        if (s->samples == UINT32_MAX)
            return false;
        s->samples++;
        s->bytes += f->len; /* at most 2^32 times under 2^32: no overflow */
    }
    return true;
}

static void put_sample(struct vg_mp4box *w, const struct vg_frame *f)
{
    vg_mp4box_put_u32(w, f->duration);
    vg_mp4box_put_u32(w, (uint32_t)f->len);
    vg_mp4box_put_u32(w, f->key ? SAMPLE_SYNC : SAMPLE_NON_SYNC);
    if (f->track == VG_TRACK_VIDEO)
        vg_mp4box_put_u32(w, (uint32_t)(int32_t)(f->pts - f->dts));
}

/* The traf of one track's samples (there is at least one) among frames.
 * Returns where the trun's data offset goes, patched once the moof's size is
 * known. */
static size_t put_traf(struct vg_mp4box *w, enum vg_track track,
                       const struct vg_frame *const *frames, size_t count, size_t samples,
                       int64_t origin)
{
    bool video = track == VG_TRACK_VIDEO;
    size_t first = 0;
    while (frames[first]->track != track)
        first++;

    size_t traf = vg_mp4box_begin(w, "traf");
    size_t tfhd = vg_mp4box_full_begin(w, "tfhd", 0, 0x020000); /* default-base-is-moof */
    vg_mp4box_put_u32(w, video ? VG_FMP4_VIDEO_TRACK : VG_FMP4_AUDIO_TRACK);
    vg_mp4box_end(w, tfhd);
    size_t tfdt = vg_mp4box_full_begin(w, "tfdt", 1, 0);
    vg_mp4box_put_u64(w, (uint64_t)(frames[first]->dts - origin));
    vg_mp4box_end(w, tfdt);

    uint32_t flags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS;
    if (video)
        flags |= TRUN_CTO;
    /* version 1: the composition offset is signed */
    size_t trun = vg_mp4box_full_begin(w, "trun", video ? 1 : 0, flags);
    vg_mp4box_put_u32(w, (uint32_t)samples);
    size_t data_offset_at = w->len;
    vg_mp4box_put_u32(w, 0);
    for (size_t i = first; i < count; i++)
        if (frames[i]->track == track)
            put_sample(w, frames[i]);
    vg_mp4box_end(w, trun);
    vg_mp4box_end(w, traf);
    return data_offset_at;
}

/* moof + mdat header for frames, their data at most max_data bytes. Returns
 * the bytes written into out, or 0. */
static size_t put_fragment(uint32_t sequence, const struct vg_frame *const *frames, size_t count,
                           const int64_t origin[2], uint64_t max_data, uint8_t *out, size_t cap)
{
    static const enum vg_track order[2] = {VG_TRACK_VIDEO, VG_TRACK_AUDIO};
    struct track_share share[2] = {0};
    if (count == 0 || !share_out(frames, count, origin, share))
        return 0;
    uint64_t data = share[0].bytes + share[1].bytes;
    if (data > max_data)
        return 0;

    struct vg_mp4box w = {.p = out, .cap = cap};
    size_t moof = vg_mp4box_begin(&w, "moof");
    size_t mfhd = vg_mp4box_full_begin(&w, "mfhd", 0, 0);
    vg_mp4box_put_u32(&w, sequence);
    vg_mp4box_end(&w, mfhd);
    size_t data_offset_at[2] = {0, 0};
    for (size_t t = 0; t < 2; t++)
        if (share[t].samples)
            data_offset_at[t] = put_traf(&w, order[t], frames, count, share[t].samples, origin[t]);
    vg_mp4box_end(&w, moof);

    vg_mp4box_put_u32(&w, (uint32_t)(8 + data));
    vg_mp4box_put_type(&w, "mdat");
    if (w.failed)
        return 0;

    /* default-base-is-moof: offsets count from the moof's first byte, and
     * the payload starts after the mdat header, video then audio. A trun's
     * data offset is signed 32 bits. */
    uint64_t offset = w.len - moof;
    for (size_t t = 0; t < 2; t++) {
        if (!share[t].samples)
            continue;
        if (offset > INT32_MAX)
            return 0;
        vg_mp4box_patch_u32(&w, data_offset_at[t], (uint32_t)offset);
        offset += share[t].bytes;
    }
    return w.len;
}

size_t vg_fmp4_fragment_header(uint32_t sequence, const struct vg_frame *f, uint8_t *out)
{
    static const int64_t zero[2] = {0, 0};
    return put_fragment(sequence, &f, 1, zero, UINT32_MAX - 8, out, VG_FMP4_FRAGMENT_HEADER_MAX);
}

size_t vg_fmp4_fragment_run(uint32_t sequence, struct vg_frame *const *frames, size_t count,
                            const int64_t origin[2], uint8_t *out, size_t cap)
{
    static const int64_t zero[2] = {0, 0};
    /* only read: the frames are seen through const pointers */
    return put_fragment(sequence, (const struct vg_frame *const *)frames, count,
                        origin ? origin : zero, UINT32_MAX - 16, out, cap);
}

/* ---- MIME ---- */

/* RFC 6381 strings when the source did not set one: avc1.PPCCLL from the
 * avcC, hvc1.* from the hvcC (ISO/IEC 14496-15 E.3). */
static void video_codec_string(const struct vg_track_params *t, char *out, size_t outlen)
{
    if (t->codec_string[0]) {
        snprintf(out, outlen, "%.*s", (int)sizeof(t->codec_string), t->codec_string);
        return;
    }
    const uint8_t *c = t->config;
    if (t->codec == VG_CODEC_H264) {
        snprintf(out, outlen, "avc1.%02X%02X%02X", c[1], c[2], c[3]);
        return;
    }
    static const char *space[4] = {"", "A", "B", "C"};
    uint32_t compat = (uint32_t)c[2] << 24 | (uint32_t)c[3] << 16 | (uint32_t)c[4] << 8 | c[5];
    uint32_t rev = 0;
    for (int i = 0; i < 32; i++)
        rev |= ((compat >> i) & 1u) << (31 - i);
    int n = snprintf(out, outlen, "hvc1.%s%u.%X.%c%u", space[c[1] >> 6], c[1] & 0x1fu, rev,
                     (c[1] & 0x20) ? 'H' : 'L', c[12]);
    /* constraint bytes, trailing zero bytes omitted */
    size_t last = 0;
    for (size_t i = 0; i < 6; i++)
        if (c[6 + i])
            last = i + 1;
    for (size_t i = 0; i < last && n >= 0 && (size_t)n < outlen; i++)
        n += snprintf(out + n, outlen - (size_t)n, ".%X", c[6 + i]);
}

static void audio_codec_string(const struct vg_track_params *t, char *out, size_t outlen)
{
    if (t->codec == VG_CODEC_OPUS) {
        snprintf(out, outlen, "opus");
        return;
    }
    unsigned aot = 2; /* AAC-LC when the config is missing */
    if (t->config && t->config_len >= 1) {
        aot = t->config[0] >> 3;
        if (aot == 31 && t->config_len >= 2)
            aot = 32 + (((t->config[0] & 0x07u) << 3) | (t->config[1] >> 5));
    }
    snprintf(out, outlen, "mp4a.40.%u", aot);
}

void vg_fmp4_mime(const struct vg_stream_params *p, char *out, size_t outlen)
{
    if (!outlen)
        return;
    char vs[64] = "", as[32] = "";
    bool has_video, has_audio;
    if (plan(p, &has_video, &has_audio) < 0) {
        out[0] = '\0';
        return;
    }
    if (has_video)
        video_codec_string(&p->video, vs, sizeof(vs));
    if (has_audio)
        audio_codec_string(&p->audio, as, sizeof(as));
    if (has_video && has_audio)
        snprintf(out, outlen, "video/mp4; codecs=\"%s,%s\"", vs, as);
    else if (has_video)
        snprintf(out, outlen, "video/mp4; codecs=\"%s\"", vs);
    else
        snprintf(out, outlen, "audio/mp4; codecs=\"%s\"", as);
}

bool vg_fmp4_carries(const struct vg_stream_params *p, enum vg_track track)
{
    bool has_video, has_audio;
    if (plan(p, &has_video, &has_audio) < 0)
        return false;
    return track == VG_TRACK_VIDEO ? has_video : has_audio;
}
