/* The demo source's clips: 10 s of synthetic 25 fps H.264 (a gradient, a
 * sweeping bar, a circling box, "VIGIL DEMO" and the frame number), encoded
 * once with libx264 through libavcodec and cached under the state directory,
 * then looped by every demo camera. Two sizes of the same content: the main
 * stream's 1280x720 and the sub stream's 640x360 (coded as 640x368, cropped). It is encoded so that
 * macroblock row 0 can be swapped for a time slice (media/h264_pcm.h) on every frame without
 * re-encoding: Constrained Baseline (CAVLC, no B-frames), one slice per
 * macroblock row, no deblocking, rows 0-1 a flat dark band, vertical motion
 * vectors within 8 pixels so rows 2+ never reach row 0, and an IDR every 50
 * frames so the loop starts on one. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/h264.h"
#include "media/nal.h"

#define VG_DEMO_CLIP_WIDTH 1280
#define VG_DEMO_CLIP_HEIGHT 720
#define VG_DEMO_CLIP_FPS 25
#define VG_DEMO_CLIP_FRAMES 250
#define VG_DEMO_CLIP_GOP 50
#define VG_DEMO_CLIP_BITRATE 2000000
#define VG_DEMO_CLIP_SUB_WIDTH 640
#define VG_DEMO_CLIP_SUB_HEIGHT 360
#define VG_DEMO_CLIP_SUB_BITRATE 500000
/* Where the clips are cached, under the state directory. A change to the
 * content or the encoding must change the names. */
#define VG_DEMO_CLIP_DIR "demo"
#define VG_DEMO_CLIP_FILE "clip-v1.h264"
#define VG_DEMO_CLIP_SUB_FILE "clip-sub-v1.h264"
/* What the build makes (tools/make-demo-clip.c), in the build directory. */
#define VG_DEMO_CLIP_PREBUILT_FILE "demo-clip-v1.h264"
#define VG_DEMO_CLIP_SUB_PREBUILT_FILE "demo-clip-sub-v1.h264"
/* Limits on what a cached file may hold before it is refused. */
#define VG_DEMO_CLIP_MAX_BYTES (64u << 20)
#define VG_DEMO_CLIP_MAX_FRAMES 10000

/* One size of the clip. */
struct vg_demo_clip_size {
    unsigned width, height; /* a multiple of 16 wide (slices are rows), even high, at least 64 */
    unsigned bitrate;       /* bits per second */
    const char *file;       /* the cache's name under VG_DEMO_CLIP_DIR */
    const char *prebuilt;   /* the build's name in the build directory */
};

/* 1280x720 at 2 Mbit/s, and 640x360 at 500 kbit/s. */
extern const struct vg_demo_clip_size vg_demo_clip_main, vg_demo_clip_sub;

struct vg_demo_clip_frame {
    bool key;               /* an IDR picture */
    struct vg_nal_ref row0; /* the slice of macroblock row 0, a NAL unit (no start code) */
    struct vg_nal_ref rest; /* the other slices, 4-byte length-prefixed, as a vg_frame holds */
};

/* Read-only once made; shared by every demo source through references. */
struct vg_demo_clip {
    atomic_uint refs;
    struct vg_nal_ref sps, pps; /* NAL units without start codes */
    struct vg_h264_sps sps_info;
    struct vg_h264_pps pps_info;
    unsigned nframes;
    struct vg_demo_clip_frame *frames;
    uint8_t *bytes; /* owns every range above */
};

/* Draws picture index (0..VG_DEMO_CLIP_FRAMES-1) of the clip into YUV 4:2:0
 * planes of size->width x size->height (borrowed; strides in bytes). Pure. */
void vg_demo_clip_draw(const struct vg_demo_clip_size *size, unsigned index, uint8_t *y,
                       size_t y_stride, uint8_t *u, size_t u_stride, uint8_t *v, size_t v_stride);

/* Encodes the clip with libx264 and returns it as an Annex B stream: SPS, PPS,
 * then the slices of every picture. *ret_buf is the caller's (free()).
 * Checks *cancel between pictures (NULL: never).
 * Returns 0, -ENOTSUP (no libx264 in libavcodec), -ECANCELED, -ENOMEM or -EIO
 * (the encoder failed). Takes a few seconds of CPU. */
int vg_demo_clip_encode(const struct vg_demo_clip_size *size, const atomic_bool *cancel,
                        uint8_t **ret_buf, size_t *ret_len);

/* Builds a clip from an Annex B stream as vg_demo_clip_encode() makes it,
 * checking everything the time slice relies on. buf is only read (the clip
 * copies what it needs). Returns 0, -EINVAL (not such a stream), -ENOTSUP, a
 * parse error, or -ENOMEM. */
int vg_demo_clip_parse(const uint8_t *buf, size_t len, struct vg_demo_clip **ret_clip);

/* Reads and parses a cached clip. Returns 0, a negative errno from reading
 * (-ENOENT: not cached yet), -EFBIG over VG_DEMO_CLIP_MAX_BYTES, or a
 * vg_demo_clip_parse() error. */
int vg_demo_clip_load(const char *path, struct vg_demo_clip **ret_clip);

/* Writes buf to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory. Creates missing directories.
 * Returns 0 or a negative errno. */
int vg_demo_clip_save(const char *path, const uint8_t *buf, size_t len);

/* The cached clip of that size under state_dir, or the one at prebuilt (the
 * build's; NULL: none), encoded and saved under state_dir first when neither
 * is usable (a clip of another size is not). *ret_encoded (when not
 * NULL) tells whether it had to be encoded, and *ret_save_err (when not NULL) why saving it failed
 * (0: it did not): a clip that could not be saved is still returned. Returns 0 or an error of the
 * functions above. */
int vg_demo_clip_open(const struct vg_demo_clip_size *size, const char *state_dir,
                      const char *prebuilt, const atomic_bool *cancel,
                      struct vg_demo_clip **ret_clip, bool *ret_encoded, int *ret_save_err);

/* Adds a reference; returns clip. */
struct vg_demo_clip *vg_demo_clip_ref(struct vg_demo_clip *clip);
/* Drops a reference and sets *clip to NULL; frees on the last. Accepts NULL. */
void vg_demo_clip_unref(struct vg_demo_clip **clip);
