/* The API's objects in JSON, both ways: camera, NVR, user, token, audit entry.
 * Output masks every secret; input applies a body onto the current object
 * (PUT is a partial update) and validates it. Pure; used by the fuzzer. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "http/body.h"
#include "store/audit.h"
#include "store/cameras.h"
#include "store/nvrs.h"
#include "store/tokens.h"
#include "store/users.h"

#define VG_NAME_MAX 128
#define VG_CAMERAS_PER_USER_MAX 1024
/* An NVR id leaves room for "-ch256" in its cameras' ids. */
#define VG_NVR_ID_MAX (VG_SLUG_MAX - 1 - 6)

/* New references; NULL on allocation failure. */
json_t *vg_camera_to_json(const struct vg_camera *c);
json_t *vg_nvr_to_json(const struct vg_nvr *n);
json_t *vg_user_to_json(const struct vg_user *u);
json_t *vg_token_to_json(const struct vg_token *t);
json_t *vg_audit_to_json(const struct vg_audit_entry *e);

/* Applies b onto cam. create: the id may be given (else made from the name) and
 * main_url is required. Masked secrets sent back keep the stored ones. Records
 * the first problem in b. */
void vg_camera_from_body(struct vg_body *b, bool create, struct vg_camera *cam);

/* Applies b onto n; create requires id, vendor, host, channels; generic needs a
 * template. */
void vg_nvr_from_body(struct vg_body *b, bool create, struct vg_nvr *n);

/* Applies username, role, cameras and zones onto u. The password fields are left
 * to the caller (they need hashing and a current-password check). */
void vg_user_from_body(struct vg_body *b, bool create, struct vg_user *u);
