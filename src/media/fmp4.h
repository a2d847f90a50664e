/* Fragmented MP4 (ISO/IEC 14496-12, the CMAF subset browsers' MSE accepts):
 * an init segment per codec-parameter generation and, per frame, a fragment
 * header (moof + mdat header) that precedes the frame's own bytes. Made once
 * per stream and shared by MSE viewers, LL-HLS and the recorder. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"

/* Track ids inside the files we write. */
#define VG_FMP4_VIDEO_TRACK 1
#define VG_FMP4_AUDIO_TRACK 2

/* Largest fragment header vg_fmp4_fragment_header() writes. */
#define VG_FMP4_FRAGMENT_HEADER_MAX 256

/* Largest codec config (avcC, hvcC, AudioSpecificConfig, OpusHead) accepted. */
#define VG_FMP4_CONFIG_MAX 65535

/* ftyp (iso6; iso6, isom, mp41) + moov (mvhd, a trak per present track with
 * avc1/avcC, hvc1/hvcC, mp4a/esds or Opus/dOps, mvex/trex). Track timescales
 * are the params' timescale. Video needs an avcC/hvcC config (version 1),
 * width/height up to 65535 and a timescale; AAC needs an AudioSpecificConfig.
 * Audio that MP4 in browsers cannot carry (PCMA, PCMU; Opus with more than two
 * channels and no OpusHead mapping table in config) is left out silently: the
 * file then has video only, and the caller must not write fragments for that
 * audio. p is only read. On success *ret_data is a malloc'd buffer the caller
 * frees. Returns 0, -EINVAL (no track left, or a malformed present track) or
 * -ENOMEM. */
int vg_fmp4_init_segment(const struct vg_stream_params *p, uint8_t **ret_data, size_t *ret_len);

/* moof (mfhd seq, traf: tfhd with default-base-is-moof, tfdt v1 = f->dts,
 * trun with one sample: duration, size = f->len, flags key/non-key and, for
 * video, the signed composition offset pts - dts) followed by the 8-byte mdat
 * header for f->len bytes; the trun data offset points just past it, where the
 * caller puts f->data. Track id: VG_FMP4_VIDEO_TRACK or VG_FMP4_AUDIO_TRACK by
 * f->track. f is only read (not its data). out must hold
 * VG_FMP4_FRAGMENT_HEADER_MAX bytes. Returns the bytes written (112 for video,
 * 108 for audio), or 0 when MP4 cannot describe the frame: negative dts or
 * pts, pts - dts outside int32, f->len over UINT32_MAX - 8, unknown track. */
size_t vg_fmp4_fragment_header(uint32_t sequence, const struct vg_frame *f, uint8_t *out);

/* Bytes vg_fmp4_fragment_run() may need for count frames. */
#define VG_FMP4_RUN_HEADER_MAX(count) (256 + 16 * (size_t)(count))

/* A fragment of several frames (the recorder's fragments of about a second):
 * moof (mfhd sequence; one traf per track that has frames in the list: tfhd
 * with default-base-is-moof, tfdt v1 = the track's first frame's dts, trun
 * with the data offset and, per sample, duration, size, flags key/non-key and
 * for video the signed composition offset) then the 8-byte mdat header (a
 * 16-byte one when the data exceeds 4 GiB is never needed: at most
 * UINT32_MAX - 16 bytes of data). The mdat payload the caller writes after it
 * is every video frame's data in list order, then every audio frame's. frames
 * are in arrival order with tracks mixed; each track's dts must not decrease;
 * only their fields are read, not their data. Returns the bytes written into
 * out, or 0 when they do not fit in cap, count is 0, MP4 cannot describe a
 * frame (as vg_fmp4_fragment_header()), the data exceed that bound, or the
 * audio data would start 2 GiB or more past the moof (a trun's data offset
 * is signed 32 bits). origin (NULL: zeros) is subtracted from the video [0]
 * and audio [1] decode times written, so a segment can start at 0; a frame
 * before its track's origin is refused too. */
size_t vg_fmp4_fragment_run(uint32_t sequence, struct vg_frame *const *frames, size_t count,
                            const int64_t origin[2], uint8_t *out, size_t cap);

/* True when the init segment of p has a track for frames of this kind: an
 * audio codec MP4 cannot carry for browsers (G.711) is left out, and so must
 * its frames be. */
bool vg_fmp4_carries(const struct vg_stream_params *p, enum vg_track track);

/* The MIME type for MSE, e.g. `video/mp4; codecs="avc1.42E01E,mp4a.40.2"`
 * (`audio/mp4; ...` without video), naming the tracks vg_fmp4_init_segment()
 * writes: the video codec_string (derived from avcC/hvcC when empty), then
 * mp4a.40.<object type from the AudioSpecificConfig> or opus. Empty when
 * vg_fmp4_init_segment() would fail. Truncated to outlen - 1 characters. */
void vg_fmp4_mime(const struct vg_stream_params *p, char *out, size_t outlen);
