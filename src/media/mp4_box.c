#include "media/mp4_box.h"

#include <stdlib.h>
#include <string.h>

bool vg_mp4box_reserve(struct vg_mp4box *w, size_t n)
{
    if (w->failed)
        return false;
    if (n <= w->cap - w->len)
        return true;
    if (!w->grow || n > SIZE_MAX / 2 - w->len) {
        w->failed = true;
        return false;
    }
    size_t cap = w->cap ? w->cap : 1024;
    while (cap - w->len < n)
        cap *= 2;
    uint8_t *np = realloc(w->p, cap);
    if (!np) {
        w->failed = true;
        return false;
    }
    w->p = np;
    w->cap = cap;
    return true;
}

void vg_mp4box_put_bytes(struct vg_mp4box *w, const void *data, size_t n)
{
    if (!vg_mp4box_reserve(w, n))
        return;
    if (n)
        memcpy(w->p + w->len, data, n);
    w->len += n;
}

void vg_mp4box_put_zeros(struct vg_mp4box *w, size_t n)
{
    if (!vg_mp4box_reserve(w, n))
        return;
    if (n)
        memset(w->p + w->len, 0, n);
    w->len += n;
}

void vg_mp4box_put_u8(struct vg_mp4box *w, uint8_t v)
{
    vg_mp4box_put_bytes(w, &v, 1);
}

void vg_mp4box_put_u16(struct vg_mp4box *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    vg_mp4box_put_bytes(w, b, 2);
}

void vg_mp4box_put_u24(struct vg_mp4box *w, uint32_t v)
{
    uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    vg_mp4box_put_bytes(w, b, 3);
}

void vg_mp4box_put_u32(struct vg_mp4box *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    vg_mp4box_put_bytes(w, b, 4);
}

void vg_mp4box_put_u64(struct vg_mp4box *w, uint64_t v)
{
    vg_mp4box_put_u32(w, (uint32_t)(v >> 32));
    vg_mp4box_put_u32(w, (uint32_t)v);
}

void vg_mp4box_put_type(struct vg_mp4box *w, const char type[4])
{
    vg_mp4box_put_bytes(w, type, 4);
}

void vg_mp4box_patch_u32(struct vg_mp4box *w, size_t at, uint32_t v)
{
    /* a failed writer may have stopped before at */
    if (w->failed || at > w->len || w->len - at < 4)
        return;
    uint8_t *p = w->p + at;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

size_t vg_mp4box_begin(struct vg_mp4box *w, const char type[4])
{
    size_t at = w->len;
    vg_mp4box_put_u32(w, 0);
    vg_mp4box_put_type(w, type);
    return at;
}

size_t vg_mp4box_full_begin(struct vg_mp4box *w, const char type[4], uint8_t version,
                            uint32_t flags)
{
    size_t at = vg_mp4box_begin(w, type);
    vg_mp4box_put_u8(w, version);
    vg_mp4box_put_u24(w, flags);
    return at;
}

void vg_mp4box_end(struct vg_mp4box *w, size_t at)
{
    if (w->failed)
        return;
    size_t size = w->len - at;
    if (size > UINT32_MAX) {
        w->failed = true;
        return;
    }
    vg_mp4box_patch_u32(w, at, (uint32_t)size);
}

void vg_mp4box_put_matrix(struct vg_mp4box *w)
{
    static const uint32_t unity[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};
    for (size_t i = 0; i < 9; i++)
        vg_mp4box_put_u32(w, unity[i]);
}

/* Version 1 only when needed: version 0 is what every reader knows best. */
static uint8_t time_version(uint64_t duration)
{
    return duration > UINT32_MAX ? 1 : 0;
}

/* creation_time and modification_time (0: unknown), as wide as the version
 * says. */
static void put_times(struct vg_mp4box *w, uint8_t version)
{
    vg_mp4box_put_zeros(w, version == 1 ? 16 : 8);
}

static void put_duration(struct vg_mp4box *w, uint8_t version, uint64_t duration)
{
    if (version == 1)
        vg_mp4box_put_u64(w, duration);
    else
        vg_mp4box_put_u32(w, (uint32_t)duration);
}

void vg_mp4box_put_mvhd(struct vg_mp4box *w, uint32_t timescale, uint64_t duration,
                        uint32_t next_track_id)
{
    uint8_t version = time_version(duration);
    size_t at = vg_mp4box_full_begin(w, "mvhd", version, 0);
    put_times(w, version);
    vg_mp4box_put_u32(w, timescale);
    put_duration(w, version, duration);
    vg_mp4box_put_u32(w, 0x00010000); /* rate 1.0 */
    vg_mp4box_put_u16(w, 0x0100);     /* volume 1.0 */
    vg_mp4box_put_zeros(w, 2 + 8);    /* reserved */
    vg_mp4box_put_matrix(w);
    vg_mp4box_put_zeros(w, 6 * 4); /* pre_defined */
    vg_mp4box_put_u32(w, next_track_id);
    vg_mp4box_end(w, at);
}

void vg_mp4box_put_tkhd(struct vg_mp4box *w, uint32_t flags, uint32_t track_id, uint64_t duration,
                        bool video, unsigned width, unsigned height)
{
    uint8_t version = time_version(duration);
    size_t at = vg_mp4box_full_begin(w, "tkhd", version, flags);
    put_times(w, version);
    vg_mp4box_put_u32(w, track_id);
    vg_mp4box_put_u32(w, 0); /* reserved */
    put_duration(w, version, duration);
    vg_mp4box_put_zeros(w, 8);
    vg_mp4box_put_u16(w, 0);                  /* layer */
    vg_mp4box_put_u16(w, 0);                  /* alternate_group */
    vg_mp4box_put_u16(w, video ? 0 : 0x0100); /* volume */
    vg_mp4box_put_u16(w, 0);                  /* reserved */
    vg_mp4box_put_matrix(w);
    /* 16.16 fixed point: widths over 65535 are the caller's to refuse */
    vg_mp4box_put_u32(w, video ? (uint32_t)width << 16 : 0);
    vg_mp4box_put_u32(w, video ? (uint32_t)height << 16 : 0);
    vg_mp4box_end(w, at);
}

void vg_mp4box_put_mdhd(struct vg_mp4box *w, uint32_t timescale, uint64_t duration)
{
    uint8_t version = time_version(duration);
    size_t at = vg_mp4box_full_begin(w, "mdhd", version, 0);
    put_times(w, version);
    vg_mp4box_put_u32(w, timescale);
    put_duration(w, version, duration);
    /* "und" as three 5-bit letters minus 0x60 */
    vg_mp4box_put_u16(w, (uint16_t)((('u' - 0x60) << 10) | (('n' - 0x60) << 5) | ('d' - 0x60)));
    vg_mp4box_put_u16(w, 0);
    vg_mp4box_end(w, at);
}

void vg_mp4box_put_hdlr(struct vg_mp4box *w, bool video)
{
    static const char vname[] = "VideoHandler";
    static const char sname[] = "SoundHandler";
    size_t at = vg_mp4box_full_begin(w, "hdlr", 0, 0);
    vg_mp4box_put_u32(w, 0); /* pre_defined */
    vg_mp4box_put_type(w, video ? "vide" : "soun");
    vg_mp4box_put_zeros(w, 12);
    vg_mp4box_put_bytes(w, video ? vname : sname, sizeof(vname)); /* with the NUL */
    vg_mp4box_end(w, at);
}

void vg_mp4box_put_media_header(struct vg_mp4box *w, bool video)
{
    if (video) {
        size_t at = vg_mp4box_full_begin(w, "vmhd", 0, 0x000001);
        vg_mp4box_put_zeros(w, 8); /* graphicsmode, opcolor */
        vg_mp4box_end(w, at);
    } else {
        size_t at = vg_mp4box_full_begin(w, "smhd", 0, 0);
        vg_mp4box_put_u32(w, 0); /* balance, reserved */
        vg_mp4box_end(w, at);
    }
}

void vg_mp4box_put_dinf(struct vg_mp4box *w)
{
    size_t dinf = vg_mp4box_begin(w, "dinf");
    size_t dref = vg_mp4box_full_begin(w, "dref", 0, 0);
    vg_mp4box_put_u32(w, 1);
    size_t url = vg_mp4box_full_begin(w, "url ", 0, 0x000001); /* media is in this file */
    vg_mp4box_end(w, url);
    vg_mp4box_end(w, dref);
    vg_mp4box_end(w, dinf);
}
