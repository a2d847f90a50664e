/* NVRs: a recorder whose channels become cameras through a URL template. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/nvr_template.h"
#include "core/util.h"
#include "store/db.h"
#include "store/secretbox.h"

#define VG_NVR_CHANNELS_MAX 256

struct vg_nvr {
    char id[VG_SLUG_MAX];
    char *name;
    enum vg_nvr_vendor vendor;
    char *host;
    unsigned port;
    char *username; /* "" when none */
    char *password; /* "" when none; stored sealed */
    unsigned channels;
    char *template_main; /* "" unless generic */
    char *template_sub;  /* "" when none */
    char *zone;          /* given to the cameras it creates; "" when none */
    int64_t created_at;
    int64_t updated_at;
};

void vg_nvr_done(struct vg_nvr *n);
int vg_nvr_copy(struct vg_nvr *dst, const struct vg_nvr *src);

/* -EEXIST when the id is taken; -EINVAL for a bad id, host, port, or channels outside
 * 1..VG_NVR_CHANNELS_MAX. Insert and update set created_at/updated_at in n. */
int vg_nvrs_insert(struct vg_db *db, const struct vg_secretbox *box, struct vg_nvr *n);
int vg_nvrs_update(struct vg_db *db, const struct vg_secretbox *box, struct vg_nvr *n);
/* Deletes the NVR and every camera it made, with their streams, in one transaction.
 * -ENOENT when absent. */
int vg_nvrs_delete(struct vg_db *db, const char *id);
int vg_nvrs_get(struct vg_db *db, const struct vg_secretbox *box, const char *id,
                struct vg_nvr *ret_nvr);
int vg_nvrs_list(struct vg_db *db, const struct vg_secretbox *box, struct vg_nvr **ret_nvrs,
                 size_t *ret_count);
void vg_nvrs_free_list(struct vg_nvr *nvrs, size_t count);
