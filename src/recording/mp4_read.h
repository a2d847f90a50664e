/* Reads the fragmented MP4 segments the recorder writes (ftyp, moov, then
 * moof + mdat pairs, see media/fmp4.h) back into sample tables: where every
 * sample lies in the file, its decode time, duration, composition offset and
 * whether it is a keyframe. Used to build play.mp4 over any time range, to
 * find a thumbnail's keyframe and to repair a segment cut off by a crash (its
 * last fragment incomplete). Pure: the file is read through a callback, so
 * the parser runs as well over a memory buffer (tests, fuzzing). Any input is
 * safe: sizes and counts are bounded, a malformed box ends the scan at the
 * last complete fragment before it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what is accepted. */
#define VG_MP4_MOOV_MAX (1u << 20)    /* bytes */
#define VG_MP4_MOOF_MAX (4u << 20)    /* bytes */
#define VG_MP4_SAMPLES_MAX (1u << 20) /* per track and file: an hour at 290 per second */
#define VG_MP4_STSD_MAX 65536         /* bytes of a stsd box kept */

struct vg_mp4_sample {
    uint64_t offset; /* of its first byte in the file */
    int64_t dts;     /* decode time, track timescale */
    uint32_t size;
    uint32_t duration; /* track timescale */
    int32_t cto;       /* composition offset: pts - dts */
    bool key;          /* a sync sample (always true for audio) */
};

struct vg_mp4_track {
    uint32_t track_id; /* 0: the file has no such track */
    uint32_t timescale;
    unsigned width, height; /* video: from the visual sample entry */
    char format[5];         /* first sample entry's type: "avc1", "hvc1", "mp4a", "Opus" */
    uint8_t *stsd;          /* the whole stsd box (header included), malloc'd */
    size_t stsd_len;
    uint8_t *config; /* video: the avcC/hvcC payload (decoder extradata), malloc'd */
    size_t config_len;
    struct vg_mp4_sample *samples; /* in decode order, malloc'd */
    size_t count;
};

struct vg_mp4_file {
    struct vg_mp4_track video, audio; /* the first video and first audio track */
    uint64_t moov_end;                /* offset just past the moov (the init segment's length) */
    uint64_t valid_len; /* offset just past the last complete fragment (moov_end if none) */
    unsigned fragments; /* complete moof + mdat pairs */
};

/* Reads len bytes at offset into buf. Returns 0, or a negative errno (-EIO,
 * -ENODATA when the file ends first). */
typedef int vg_mp4_read_fn(void *arg, uint64_t offset, uint8_t *buf, size_t len);

/* Parses a file of file_len bytes. Stops at the first box that is malformed,
 * truncated or not moof/mdat/free/skip/styp/sidx after the moov; everything
 * before it is kept (valid_len tells where it ends). On success *ret is
 * filled (free with vg_mp4_file_done()); a file without a usable moov or
 * without any track gives -EINVAL; a read error gives that error; -ENOMEM. */
int vg_mp4_read(vg_mp4_read_fn *read, void *arg, uint64_t file_len, struct vg_mp4_file *ret);

/* vg_mp4_read() over bytes in memory. */
int vg_mp4_read_buffer(const uint8_t *data, size_t len, struct vg_mp4_file *ret);

/* Frees what vg_mp4_read() allocated and zeroes *f. Accepts a zeroed struct. */
void vg_mp4_file_done(struct vg_mp4_file *f);

/* End of a track: the last sample's dts + duration (0 without samples). */
int64_t vg_mp4_track_end(const struct vg_mp4_track *t);
