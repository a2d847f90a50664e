/* Cameras. Secrets (password, URLs that embed credentials) are stored sealed
 * with the state directory's key (store/secretbox.h) and opened on read. */
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

struct vg_camera {
    char id[VG_SLUG_MAX];
    char *name;
    char *zone;     /* "" when none */
    char *main_url; /* plaintext, with any embedded credentials */
    char *sub_url;  /* "" when none */
    char *username; /* "" when none */
    char *password; /* "" when none */
    bool enabled;
    bool record;
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

/* -EEXIST when the id is taken, -ENOENT when nvr_id names no NVR, -EINVAL when id
 * is not a slug or name/main_url is NULL (other NULL strings are stored as "").
 * Sets created_at/updated_at. */
int vg_cameras_insert(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c);
/* Replaces every field of row c->id. -ENOENT. Sets updated_at. */
int vg_cameras_update(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c);
/* Inserts or replaces (used for config and demo cameras at start). */
int vg_cameras_upsert(struct vg_db *db, const struct vg_secretbox *box, struct vg_camera *c);
/* -ENOENT when absent. */
int vg_cameras_delete(struct vg_db *db, const char *id);
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
