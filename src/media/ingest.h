/* From what a demuxer hands over to vg_frames: H.264/H.265 access units in
 * Annex B become length-prefixed frames without parameter sets; the parameter
 * sets (from extradata or in band) become the stream's vg_track_params, and a
 * change of them mid-stream is reported so a new init segment follows. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"

#define VG_PARAM_SET_MAX 1024

struct vg_video_ingest {
    enum vg_codec codec; /* H264 or H265 */
    uint8_t vps[VG_PARAM_SET_MAX], sps[VG_PARAM_SET_MAX], pps[VG_PARAM_SET_MAX];
    size_t vps_len, sps_len, pps_len;
    bool changed; /* parameter sets changed since vg_video_ingest_params() */
};

void vg_video_ingest_init(struct vg_video_ingest *in, enum vg_codec codec);

/* Takes parameter sets from codec extradata: Annex B, or an avcC/hvcC record.
 * Returns 0, or -EINVAL for unusable data. */
int vg_video_ingest_extradata(struct vg_video_ingest *in, const uint8_t *data, size_t len);

/* Converts one Annex B access unit. Parameter sets are kept (in->changed set
 * when they differ); other NAL units go length-prefixed into a new frame with
 * key set for IDR/IRAP pictures. *ret_frame is NULL when the unit held only
 * parameter sets or nothing usable. Returns 0, -EINVAL or -ENOMEM. */
int vg_video_ingest_au(struct vg_video_ingest *in, const uint8_t *au, size_t len,
                       struct vg_frame **ret_frame);

/* True once SPS and PPS (and VPS for H.265) are known. */
bool vg_video_ingest_ready(const struct vg_video_ingest *in);

/* Fills t (codec, 90 kHz, size, codec string, avcC/hvcC) from the current
 * parameter sets and clears in->changed. Returns 0, -EAGAIN (not ready),
 * -EINVAL (unparsable parameter sets) or -ENOMEM. */
int vg_video_ingest_params(struct vg_video_ingest *in, struct vg_track_params *t);
