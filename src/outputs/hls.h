/* LL-HLS (RFC 8216bis with the low-latency extensions Safari and iOS play)
 * made from the stream's shared fMP4 fragments, under /api/streams/{id}/hls/.
 *
 * One packager per stream exists while anyone asks for its playlist: it holds
 * the hub stream and reads it like any viewer, and goes away after
 * VG_HLS_IDLE_S without requests. It groups frames into parts of about half a
 * second and parts into segments that start at keyframes (about 2 s, or the
 * GOP). A part is the concatenation of its frames' moof+mdat fragments as the
 * stream made them (no remuxing); a segment is the concatenation of its parts.
 * Segments hold frame references, never copies, and go out with
 * evbuffer_add_reference; the last VG_HLS_SEGMENTS_KEPT stay.
 *
 * Part boundaries fall on video frames. A part completes when the first frame
 * of the next one arrives (its duration is then exact), so a part is
 * available one frame interval after its last frame came in. The part target
 * is a whole number of frame intervals near 0.5 s (13 frames at 25 fps),
 * chosen from the first real frame interval and kept for the packager's life;
 * a part closes before it would exceed it. A keyframe starts a new segment once the current one is
 * VG_HLS_SEGMENT_MIN long; a codec-parameter change or a timestamp break
 * starts one with #EXT-X-DISCONTINUITY (and, for new parameters, a new
 * #EXT-X-MAP). Audio frames join the open part as they come.
 *
 * Resources: index.m3u8 (blocking reload with _HLS_msn and _HLS_part),
 * init.mp4 (the packager's first parameters) and init-<gen>.mp4 (later ones),
 * seg-<msn>.mp4, part-<msn>-<part>.mp4 (the preload hint's part is held until
 * it completes). Loop thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/frame.h"

struct event_base;
struct evbuffer;
struct evhttp_request;
struct vg_hub;

#define VG_HLS_SEGMENTS_KEPT 6 /* complete segments kept besides the open one */
#define VG_HLS_PARTS_MAX 16    /* per segment; a longer GOP is cut without a keyframe */
#define VG_HLS_PART_FRAMES_MAX 512
#define VG_HLS_BYTES_MAX (64u << 20)                      /* older segments go first beyond this */
#define VG_HLS_SEGMENT_MIN (VG_VIDEO_TIMESCALE * 19 / 10) /* a keyframe cuts after 1.9 s */
#define VG_HLS_IDLE_S 30
#define VG_HLS_MSN_MAX UINT32_MAX
#define VG_HLS_PLAYLIST_MAX 32768 /* bytes; the longest playlist is well under this */

/* ---- Pure: playlist text and resource names (outputs/hls_playlist.c) ---- */

struct vg_hls_part_info {
    uint32_t duration; /* 90 kHz */
    bool independent;  /* starts with a keyframe */
};

struct vg_hls_segment_info {
    uint64_t msn;
    uint32_t gen;       /* parameters generation: selects the #EXT-X-MAP */
    bool discontinuity; /* a break before it */
    bool complete;      /* else the open segment, which can only be the last */
    int64_t start_ms;   /* Unix ms its first frame came in; 0 leaves out PROGRAM-DATE-TIME */
    uint32_t duration;  /* 90 kHz: sum of its complete parts */
    unsigned nparts;    /* complete parts, at most VG_HLS_PARTS_MAX */
    const struct vg_hls_part_info *parts;
};

struct vg_hls_layout {
    unsigned target_duration; /* seconds, at least every rounded EXTINF */
    uint32_t part_target;     /* 90 kHz, at least every part's duration */
    uint32_t first_gen;       /* its map is "init.mp4", others "init-<gen>.mp4" */
    uint64_t discontinuity_seq;
    unsigned nsegments;
    const struct vg_hls_segment_info *segments; /* oldest first */
};

/* Writes the media playlist of l into out (NUL-terminated, truncated to
 * outlen - 1). Parts are listed for segments that end within three target
 * durations of the live edge; when the last segment is open, a preload hint
 * names its next part. Returns the length of the whole text (as snprintf):
 * the text was cut when that is >= outlen. l and its arrays are only read. */
size_t vg_hls_playlist(const struct vg_hls_layout *l, char *out, size_t outlen);

enum vg_hls_kind { VG_HLS_PLAYLIST, VG_HLS_INIT, VG_HLS_SEGMENT, VG_HLS_PART };

struct vg_hls_name {
    enum vg_hls_kind kind;
    bool has_gen; /* init-<gen>.mp4 rather than init.mp4 */
    uint32_t gen;
    uint64_t msn;  /* VG_HLS_SEGMENT, VG_HLS_PART */
    unsigned part; /* VG_HLS_PART, below VG_HLS_PARTS_MAX */
};

/* Parses a decimal number: digits only, no sign, no leading zero (so every
 * value has one spelling), at most max. Returns 0 and *ret, or -EINVAL. */
int vg_hls_parse_uint(const char *s, uint64_t max, uint64_t *ret);
/* Parses a resource name of the hls/ directory (index.m3u8, init.mp4,
 * init-<gen>.mp4, seg-<msn>.mp4, part-<msn>-<part>.mp4). Returns 0 and *ret,
 * or -ENOENT for anything else. */
int vg_hls_parse_name(const char *file, struct vg_hls_name *ret);

/* ---- The segmenter: frames into parts and segments (outputs/hls.c) ---- */

struct vg_hls_segmenter;

/* NULL on allocation failure. */
struct vg_hls_segmenter *vg_hls_segmenter_new(void);
/* Drops every frame reference. Accepts NULL; returns NULL. */
struct vg_hls_segmenter *vg_hls_segmenter_free(struct vg_hls_segmenter *sg);
/* Takes f's reference (kept or dropped). Returns true when a part or segment
 * completed, i.e. when waiting requests may now be answered. */
bool vg_hls_segmenter_push(struct vg_hls_segmenter *sg, struct vg_frame *f);
/* The next frames do not follow the previous ones (the reader skipped): the
 * open segment ends and the next keyframe starts one with a discontinuity.
 * Returns true when that completed a segment. */
bool vg_hls_segmenter_break(struct vg_hls_segmenter *sg);
/* True once a segment is complete (a playlist can be served). */
bool vg_hls_segmenter_ready(const struct vg_hls_segmenter *sg);
/* Fills *ret with the current layout; its arrays belong to sg and stay valid
 * until the next push or break. */
void vg_hls_segmenter_layout(struct vg_hls_segmenter *sg, struct vg_hls_layout *ret);
/* The newest segment's msn, or -1 before any. */
int64_t vg_hls_segmenter_last_msn(const struct vg_hls_segmenter *sg);
/* True once part `part` of segment msn (part < 0: the whole segment) is
 * complete, or the stream has moved past it. */
bool vg_hls_segmenter_reached(const struct vg_hls_segmenter *sg, uint64_t msn, int part);
/* A part (part >= 0) or whole segment (part < 0): 0 when complete, after
 * appending references to its fragments to out (when out is not NULL; each
 * holds a frame reference); -EAGAIN when it is still to come (the open part
 * or segment, or the one just after); -ENOENT when it is gone or will never
 * be; -ENOMEM. */
int vg_hls_segmenter_write(struct vg_hls_segmenter *sg, uint64_t msn, int part,
                           struct evbuffer *out);
/* With a reference: the parameters of generation gen while a kept segment
 * uses them (or gen is the first generation); with has_gen false, those of
 * the first generation (init.mp4). NULL otherwise. */
struct vg_stream_params *vg_hls_segmenter_params(struct vg_hls_segmenter *sg, bool has_gen,
                                                 uint32_t gen);

/* ---- Serving (outputs/hls.c) ---- */

struct vg_hls;

/* Returns 0 and *ret_hls, or -ENOMEM. */
int vg_hls_new(struct event_base *base, struct vg_hub *hub, struct vg_hls **ret_hls);
/* Answers waiting requests with 503, stops every packager and releases its
 * stream. Call before the HTTP server goes. Accepts NULL; returns NULL. */
struct vg_hls *vg_hls_free(struct vg_hls *h);

struct vg_hls_request {
    struct vg_hls_name name;
    bool has_msn, has_part; /* _HLS_msn, _HLS_part of a playlist request */
    uint64_t msn;
    unsigned part;
};

/* Answers req (already authorized) for stream_id; replies itself on every
 * path, maybe later (blocking requests): 200, 400 (a blocking reload too far
 * ahead), 404 (unknown stream or resource), 409 (camera disabled), 503 (not
 * there in time). Only a playlist request starts a packager. */
void vg_hls_serve(struct vg_hls *h, struct evhttp_request *req, const char *stream_id,
                  const struct vg_hls_request *r);
