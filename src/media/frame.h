/* Refcounted access units and codec parameters: what every source produces and
 * every consumer reads. Shared across threads; immutable once published. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vg_codec {
    VG_CODEC_NONE = 0,
    VG_CODEC_H264,
    VG_CODEC_H265,
    VG_CODEC_AAC,
    VG_CODEC_PCMA,
    VG_CODEC_PCMU,
    VG_CODEC_OPUS,
};

enum vg_track { VG_TRACK_VIDEO = 0, VG_TRACK_AUDIO = 1 };

#define VG_VIDEO_TIMESCALE 90000

const char *vg_codec_name(enum vg_codec c);

struct vg_stream_params;

/* Room kept in front of a frame's data for its fMP4 fragment header, so that
 * header and data form one contiguous moof+mdat (see media/fmp4.h). */
#define VG_FRAME_HEADROOM 256

/* One access unit. Video data is length-prefixed NAL units (4-byte big-endian
 * lengths, as in MP4), parameter sets excluded; audio data is one raw frame. */
struct vg_frame {
    atomic_uint refs;
    enum vg_track track;
    bool key;         /* video: an IDR/IRAP picture; audio: always true */
    int64_t dts, pts; /* in the track's timescale (90 kHz video, sample rate audio) */
    uint32_t duration;
    int64_t received_us;             /* CLOCK_REALTIME when the source got it */
    uint32_t params_gen;             /* the vg_stream_params generation it belongs to */
    struct vg_stream_params *params; /* set when published; a reference */
    uint64_t seq;                    /* position in its stream, set when published */
    uint16_t frag_len;               /* fragment header bytes just before data; 0 until packaged */
    uint8_t *data;                   /* len bytes, VG_FRAME_HEADROOM after buf */
    size_t len;
    uint8_t buf[];
};

/* A frame with len bytes of data, refs = 1. NULL on allocation failure. */
struct vg_frame *vg_frame_new(size_t len);
/* The packaged fragment (header + data) when frag_len is set. */
static inline const uint8_t *vg_frame_fragment(const struct vg_frame *f, size_t *ret_len)
{
    *ret_len = f->frag_len + f->len;
    return f->data - f->frag_len;
}
/* Adds a reference; returns f. */
struct vg_frame *vg_frame_ref(struct vg_frame *f);
/* Drops a reference and sets *f to NULL; frees on the last one. Accepts NULL. */
void vg_frame_unref(struct vg_frame **f);

struct vg_track_params {
    enum vg_codec codec; /* VG_CODEC_NONE: no such track */
    uint32_t timescale;
    /* video */
    unsigned width, height;
    char codec_string[32]; /* RFC 6381, e.g. "avc1.42E01E", for MSE */
    /* H.264: avcC payload; H.265: hvcC payload; AAC: AudioSpecificConfig */
    uint8_t *config;
    size_t config_len;
    /* audio */
    unsigned sample_rate, channels;
};

/* Codec parameters of a stream. A change (new resolution, codec, SPS) makes a
 * new object with the next generation; consumers send a new init segment. */
struct vg_stream_params {
    atomic_uint refs;
    uint32_t gen;
    struct vg_track_params video, audio;
};

/* refs = 1, everything empty. */
struct vg_stream_params *vg_stream_params_new(void);
struct vg_stream_params *vg_stream_params_ref(struct vg_stream_params *p);
void vg_stream_params_unref(struct vg_stream_params **p);
/* Copies config bytes into t (replacing any). Returns 0 or -ENOMEM. */
int vg_track_params_set_config(struct vg_track_params *t, const uint8_t *data, size_t len);
/* True when both describe the same codec setup (so no new init segment is needed). */
bool vg_track_params_equal(const struct vg_track_params *a, const struct vg_track_params *b);
