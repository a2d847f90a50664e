/* Streams fed from outside: a camera of type webrtc ("webrtc:") has no URL to
 * pull; a browser publishes it (WHIP). The registry pairs each stream's
 * publisher, when one is connected, with the stream's source, when the hub
 * runs one; frames flow only while both exist.
 *
 * The hub starts and stops the push source like any other. Without a
 * publisher it reports VG_SOURCE_WAITING ("waiting for a publisher"): the
 * stream shows offline but the source stays up, so a publisher that connects
 * is attached at once, with no retry delay. A publisher that leaves puts it
 * back to waiting. The source reports CONNECTED when the publisher's codec
 * parameters are known.
 *
 * Loop thread only. */
#pragma once

#include <stdbool.h>

#include "sources/source.h"

struct vg_push;
struct vg_push_publisher;

/* Returns 0 or -ENOMEM. */
int vg_push_new(struct vg_push **ret);
/* Every publisher and source must be gone. Accepts NULL; returns NULL. */
struct vg_push *vg_push_free(struct vg_push *p);

/* Publisher side. want_keyframe(arg, new_stream) is called when a consumer
 * needs a keyframe: a source attached (new_stream: the stream is empty and
 * needs the codec parameters again), or a viewer lost a picture. The
 * publisher asks its sender for one and rate-limits. Returns 0, -EBUSY (the stream already
 * has a publisher) or -ENOMEM. stream_id is copied. */
int vg_push_publisher_new(struct vg_push *p, const char *stream_id,
                          void (*want_keyframe)(void *arg, bool new_stream), void *arg,
                          struct vg_push_publisher **ret);
/* Detaches the source (it goes back to waiting with why). Accepts NULL;
 * returns NULL. */
struct vg_push_publisher *vg_push_publisher_free(struct vg_push_publisher *pub, const char *why);
/* The stream to publish into while a source is attached, else NULL (frames
 * are then dropped). Changes when the hub restarts the source: a new
 * attachment starts with an empty stream (want_keyframe says so). */
struct vg_stream *vg_push_publisher_stream(struct vg_push_publisher *pub);
/* The publisher's parameters are in the stream: the source reports online. */
void vg_push_publisher_connected(struct vg_push_publisher *pub);

/* A consumer of stream_id needs a keyframe: passed to its publisher, if any. */
void vg_push_want_keyframe(struct vg_push *p, const char *stream_id);
