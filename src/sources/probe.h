/* Connection test for a camera URL: connect, read what the camera offers, and
 * say what was found or why it failed. Blocks up to the timeout: run it on a
 * worker thread. */
#pragma once

#include <stdbool.h>

enum vg_probe_outcome {
    VG_PROBE_OK,
    VG_PROBE_UNREACHABLE,
    VG_PROBE_UNAUTHORIZED,
    VG_PROBE_NO_VIDEO,
    VG_PROBE_UNSUPPORTED_CODEC,
    VG_PROBE_ERROR,
};

struct vg_probe_result {
    enum vg_probe_outcome outcome;
    char message[160];
    char video_codec[16]; /* "h264", "h265" */
    char video_profile[32];
    unsigned width, height;
    double fps;
    char audio_codec[16]; /* "aac", "pcma", "pcmu", "opus", "" when none or unsupported */
    unsigned sample_rate, channels;
};

const char *vg_probe_outcome_name(enum vg_probe_outcome o);

/* url carries the credentials already. Always fills *ret. */
void vg_probe_url(const char *url, unsigned timeout_ms, struct vg_probe_result *ret);
