/* From an NVR to its cameras: one camera per channel, main and sub URL from the
 * vendor's template, ids "<nvr>-ch<N>". */
#pragma once

#include "store/cameras.h"
#include "store/nvrs.h"
#include "store/users.h"

/* Builds (does not store) the camera of channel ch. Caller owns *ret_camera. */
int vg_nvr_camera_build(const struct vg_nvr *n, unsigned ch, struct vg_camera *ret_camera);

/* Adds a camera for every channel 1..n->channels whose id does not exist yet, in
 * one transaction; the ids added go into *ret_added (caller frees with
 * vg_strlist_done). */
int vg_nvr_cameras_sync(struct vg_db *db, const struct vg_secretbox *box, const struct vg_nvr *n,
                        struct vg_strlist *ret_added);

/* Rewrites the URLs and credentials of the NVR's existing cameras after the NVR
 * changed (host, port, credentials, templates), keeping their names and flags. */
int vg_nvr_cameras_refresh(struct vg_db *db, const struct vg_secretbox *box,
                           const struct vg_nvr *n);
