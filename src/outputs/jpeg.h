/* JPEG pictures from H.264/H.265 access units, for snapshots and MJPEG:
 * libavcodec decodes (the track's avcC/hvcC is the decoder's extradata and a
 * frame's length-prefixed NAL units go in as they are), libswscale scales and
 * converts to full range, the mjpeg encoder writes the JPEG. This is CPU work
 * for worker threads and never touches the loop; a decoder or encoder is used
 * by one thread at a time. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"

struct AVFrame;

/* What ?width= may ask for. */
#define VG_JPEG_WIDTH_MIN 16
#define VG_JPEG_WIDTH_MAX 3840
/* The tallest picture encoded, so a strange aspect ratio cannot ask for a
 * huge one. */
#define VG_JPEG_HEIGHT_MAX 4320
/* mjpeg quantizer scale: 2 (best) .. 31; 4 is good for a live view. */
#define VG_JPEG_QSCALE 4

/* One encoded picture, shared read-only by every response that sends it. */
struct vg_jpeg {
    atomic_uint refs;
    unsigned width, height;
    int64_t pts; /* of the decoded picture, 90 kHz */
    size_t len;
    uint8_t data[];
};

/* Adds a reference; returns j. */
struct vg_jpeg *vg_jpeg_ref(struct vg_jpeg *j);
/* Drops a reference and sets *j to NULL; frees on the last. Accepts NULL. */
void vg_jpeg_unref(struct vg_jpeg **j);

/* The size a picture of src_w x src_h is encoded at for ?width=width (0: as
 * it is): the aspect ratio kept, the height rounded to an even number. Pure.
 * Returns 0, or -ERANGE when the height would exceed VG_JPEG_HEIGHT_MAX. */
int vg_jpeg_scaled_size(unsigned src_w, unsigned src_h, unsigned width, unsigned *ret_w,
                        unsigned *ret_h);

struct vg_jpeg_decoder;

/* A decoder for the video track t (H.264 or H.265; t->config is its
 * extradata). t is only read. Returns 0, -ENOTSUP (another codec, or no
 * decoder in libavcodec), -EINVAL (configuration refused) or -ENOMEM. */
int vg_jpeg_decoder_new(const struct vg_track_params *t, struct vg_jpeg_decoder **ret_decoder);
/* Accepts NULL; returns NULL. */
struct vg_jpeg_decoder *vg_jpeg_decoder_free(struct vg_jpeg_decoder *d);

/* Decodes one access unit: data (borrowed) holds 4-byte length-prefixed NAL
 * units as a vg_frame does; pts is in 90 kHz. With drain, the decoder then
 * gives out every picture it holds back for reordering and starts afresh (the
 * next unit must be a keyframe): what a single picture needs. Returns 1 and
 * the newest picture that came out in *ret_picture (the caller's:
 * av_frame_free()), 0 when none came out, -EINVAL when the decoder refused the
 * data or the picture is damaged, -ENOMEM. */
int vg_jpeg_decode(struct vg_jpeg_decoder *d, const uint8_t *data, size_t len, int64_t pts,
                   bool drain, struct AVFrame **ret_picture);

/* Drops reference pictures and anything held back (after a gap in the
 * frames): decoding resumes at the next keyframe. */
void vg_jpeg_decoder_reset(struct vg_jpeg_decoder *d);

struct vg_jpeg_encoder;

/* qscale: 2..31 (VG_JPEG_QSCALE). Returns 0 or -ENOMEM. */
int vg_jpeg_encoder_new(int qscale, struct vg_jpeg_encoder **ret_encoder);
/* Accepts NULL; returns NULL. */
struct vg_jpeg_encoder *vg_jpeg_encoder_free(struct vg_jpeg_encoder *e);

/* Encodes picture (borrowed) at the size vg_jpeg_scaled_size() gives for
 * width (0: its own size), full-range 4:2:0. The encoder keeps its scaler
 * and codec context while the sizes stay the same. Returns 0 and a new
 * vg_jpeg (refs = 1) in *ret_jpeg, -ERANGE (too tall), -EINVAL (a picture
 * libswscale cannot convert), -ENOMEM or -EIO (the encoder failed). */
int vg_jpeg_encode(struct vg_jpeg_encoder *e, const struct AVFrame *picture, unsigned width,
                   struct vg_jpeg **ret_jpeg);

/* A snapshot in one call: decodes the keyframe data (borrowed; a vg_frame's
 * data) with the parameters t and encodes it at width (0: its own size).
 * Returns 0 and *ret_jpeg, or an error of the functions above (-EINVAL too
 * when no picture came out). */
int vg_jpeg_from_keyframe(const struct vg_track_params *t, const uint8_t *data, size_t len,
                          int64_t pts, unsigned width, struct vg_jpeg **ret_jpeg);
