/* Audit log: who logged in, failed, and changed what. Append-only from the API. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct vg_audit_entry {
    int64_t id;
    int64_t time;
    char username[65]; /* "" for anonymous */
    char ip[64];
    char action[48];
    char target[128];
    char detail[256];
};

/* Appends one entry; strings are truncated to the field sizes. Never fails the
 * request it records: returns a negative errno the caller may log. */
int vg_audit_add(struct vg_db *db, const char *username, const char *ip, const char *action,
                 const char *target, const char *detail);
/* Newest first; before_id 0: from the newest. limit 1..1000. Caller frees. */
int vg_audit_list(struct vg_db *db, int64_t before_id, unsigned limit,
                  struct vg_audit_entry **ret_entries, size_t *ret_count);
