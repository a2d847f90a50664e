/* Writing ISO BMFF boxes (ISO/IEC 14496-12), shared by the fragmented writer
 * (media/fmp4.c) and the flat one (recording/mp4_flat.c). Internal to those
 * two.
 *
 * A writer either fills a caller's fixed array or grows a heap buffer. Every
 * put checks the room first; once one fails the writer is marked failed and
 * every later call does nothing, so a sequence of puts is checked once at the
 * end. Box sizes are patched when a box closes, so nesting cannot go wrong. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_mp4box {
    uint8_t *p;  /* fixed: the caller's array; growing: malloc'd, the caller frees */
    size_t len;  /* bytes written */
    size_t cap;  /* bytes of p */
    bool grow;   /* realloc on overflow, or fail */
    bool failed; /* out of room or memory, or a box over 4 GiB: the output is unusable */
};

/* Makes room for n more bytes. False (and the writer failed) when a fixed
 * writer is full or a growing one cannot grow. */
bool vg_mp4box_reserve(struct vg_mp4box *w, size_t n);

void vg_mp4box_put_bytes(struct vg_mp4box *w, const void *data, size_t n);
void vg_mp4box_put_zeros(struct vg_mp4box *w, size_t n);
/* Big-endian integers. */
void vg_mp4box_put_u8(struct vg_mp4box *w, uint8_t v);
void vg_mp4box_put_u16(struct vg_mp4box *w, uint16_t v);
void vg_mp4box_put_u24(struct vg_mp4box *w, uint32_t v);
void vg_mp4box_put_u32(struct vg_mp4box *w, uint32_t v);
void vg_mp4box_put_u64(struct vg_mp4box *w, uint64_t v);
/* A four-character code such as a box type or a brand. */
void vg_mp4box_put_type(struct vg_mp4box *w, const char type[4]);
/* Overwrites the 4 bytes at offset at, written before, with v. */
void vg_mp4box_patch_u32(struct vg_mp4box *w, size_t at, uint32_t v);

/* Opens a box; returns its offset for vg_mp4box_end(). */
size_t vg_mp4box_begin(struct vg_mp4box *w, const char type[4]);
/* Opens a full box: the header, then version and 24 bits of flags. */
size_t vg_mp4box_full_begin(struct vg_mp4box *w, const char type[4], uint8_t version,
                            uint32_t flags);
/* Closes the box opened at at: writes its size (failed if over 32 bits). */
void vg_mp4box_end(struct vg_mp4box *w, size_t at);

/* The unity transformation matrix of mvhd and tkhd. */
void vg_mp4box_put_matrix(struct vg_mp4box *w);

/* The boxes both writers put in a moov. Durations that fit 32 bits are
 * written in version 0 boxes, longer ones in version 1 (64-bit times). */

/* mvhd: rate and volume 1.0, times 0. */
void vg_mp4box_put_mvhd(struct vg_mp4box *w, uint32_t timescale, uint64_t duration,
                        uint32_t next_track_id);
/* tkhd: duration in the movie timescale; video gets width x height, audio
 * volume 1.0. */
void vg_mp4box_put_tkhd(struct vg_mp4box *w, uint32_t flags, uint32_t track_id, uint64_t duration,
                        bool video, unsigned width, unsigned height);
/* mdhd: duration in the media timescale, language "und". */
void vg_mp4box_put_mdhd(struct vg_mp4box *w, uint32_t timescale, uint64_t duration);
/* hdlr: vide or soun. */
void vg_mp4box_put_hdlr(struct vg_mp4box *w, bool video);
/* vmhd for video, smhd for audio. */
void vg_mp4box_put_media_header(struct vg_mp4box *w, bool video);
/* dinf with one dref entry: a url box saying the media is in this file. */
void vg_mp4box_put_dinf(struct vg_mp4box *w);

/* tkhd flags */
#define VG_MP4BOX_TRACK_ENABLED 0x000001
#define VG_MP4BOX_TRACK_IN_MOVIE 0x000002
#define VG_MP4BOX_TRACK_IN_PREVIEW 0x000004
