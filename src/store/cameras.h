/* Cameras and their streams. A camera has a main stream and may have a sub stream,
 * one row each in the streams table; struct vg_camera carries both URLs, so its
 * callers never see the split. Secrets (password, URLs that embed credentials) are
 * stored sealed with the state directory's key (store/secretbox.h) and opened on
 * read. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "store/db.h"
#include "store/secretbox.h"

enum vg_camera_source {
    VG_CAMERA_API,    /* made through the API; editable */
    VG_CAMERA_CONFIG, /* declared in the config file; read-only */
    VG_CAMERA_DEMO,   /* made by --demo; read-only */
    VG_CAMERA_NVR,    /* made by an NVR import; editable */
};

/* How the RTSP client carries media: interleaved on the RTSP connection, or RTP over
 * UDP. */
enum vg_stream_transport {
    VG_TRANSPORT_TCP,
    VG_TRANSPORT_UDP,
};

struct vg_camera {
    char id[VG_SLUG_MAX];
    char *name;
    char *zone;     /* "" when none */
    char *main_url; /* plaintext, with any embedded credentials */
    char *sub_url;  /* "" when none: the camera then has no sub stream */
    char *username; /* "" when none */
    char *password; /* "" when none */
    bool enabled;
    bool record;
    bool record_sub;         /* records the sub stream (when there is one) */
    uint32_t retention_days; /* 0: the configured max_age_days */
    enum vg_stream_transport transport; /* for both streams; 0 is TCP */
    enum vg_camera_source source;
    char nvr_id[VG_SLUG_MAX]; /* "" when not from an NVR */
    int nvr_channel;          /* 0 when not from an NVR */
    int64_t created_at;
    int64_t updated_at;
};

const char *vg_camera_source_name(enum vg_camera_source s);
bool vg_camera_readonly(const struct vg_camera *c);

/* Frees the strings inside; accepts NULL. */
void vg_camera_done(struct vg_camera *c);
/* Deep copy; dst uninitialised. Returns 0 or -ENOMEM. */
int vg_camera_copy(struct vg_camera *dst, const struct vg_camera *src);

/* Writes the camera row and its stream rows in one transaction (nested in the
 * caller's, if any). c is borrowed; only its times are written.
 * -EEXIST when the id is taken, -ENOENT when nvr_id names no NVR, -EINVAL when id
 * is not a slug, name/main_url is NULL or transport is out of range (other NULL
 * strings are stored as ""). Sets created_at/updated_at. */
int vg_cameras_insert(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c);
/* Replaces every field of row c->id, and its streams: an empty sub_url deletes the
 * sub stream. -ENOENT. Sets updated_at. */
int vg_cameras_update(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c);
/* Inserts or replaces (used for config and demo cameras at start). */
int vg_cameras_upsert(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c);
/* Deletes the camera and its streams. -ENOENT when absent. */
int vg_cameras_delete(struct vg_db *db, const char *id);
/* *ret_camera is owned by the caller: vg_camera_done(). */
int vg_cameras_get(struct vg_db *db, const struct vg_secretbox *box, const char *id,
                   struct vg_camera *ret_camera);
/* Ordered by id. nvr_id NULL: all cameras; else only that NVR's. Free with
 * vg_cameras_free_list(). */
int vg_cameras_list(struct vg_db *db, const struct vg_secretbox *box, const char *nvr_id,
                    struct vg_camera **ret_cameras, size_t *ret_count);
void vg_cameras_free_list(struct vg_camera *cams, size_t count);
/* Deletes cameras of the given source whose id is not in keep (for config and demo
 * cameras removed since the last start). */
int vg_cameras_delete_source_except(struct vg_db *db, enum vg_camera_source source,
                                    const char *const *keep, size_t keep_count);

/* One stream of a camera, as the media layer runs it. */
struct vg_stream_row {
    char id[VG_SLUG_MAX + 4]; /* camera id, or "<camera id>.sub" */
    char camera_id[VG_SLUG_MAX];
    bool sub;  /* false for the main stream */
    char *url; /* plaintext, with any embedded credentials; owned */
    enum vg_stream_transport transport;
};

/* Frees the URL inside (wiped); accepts NULL. */
void vg_stream_row_done(struct vg_stream_row *s);
/* -ENOENT when no stream has that id. *ret is owned by the caller: vg_stream_row_done(). */
int vg_streams_get(struct vg_db *db, const struct vg_secretbox *box, const char *stream_id,
                   struct vg_stream_row *ret);
/* Every stream of every camera (enabled or not), ordered by id. Free with
 * vg_streams_free_list(). */
int vg_streams_list(struct vg_db *db, const struct vg_secretbox *box, struct vg_stream_row **ret,
                    size_t *ret_count);
/* Accepts NULL. */
void vg_streams_free_list(struct vg_stream_row *s, size_t n);
