#include "cameras/nvr_import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int expand(const struct vg_nvr *n, unsigned ch, bool sub, char **ret_url)
{
    const char *tmpl = sub ? n->template_sub : n->template_main;
    if (!tmpl || !tmpl[0])
        tmpl = vg_nvr_vendor_template(n->vendor, sub);
    if (!tmpl) {
        *ret_url = strdup("");
        return *ret_url ? 0 : -ENOMEM;
    }
    struct vg_nvr_vars vars = {
        .user = n->username, .pass = n->password, .host = n->host, .port = n->port, .channel = ch};
    return vg_nvr_template_expand(tmpl, &vars, ret_url);
}

/* Sets the fields that follow from the NVR: URLs and credentials. */
static int apply_nvr(const struct vg_nvr *n, unsigned ch, struct vg_camera *c)
{
    char *main_url = NULL, *sub_url = NULL, *user = NULL, *pass = NULL;
    int r = expand(n, ch, false, &main_url);
    if (r == 0)
        r = expand(n, ch, true, &sub_url);
    if (r == 0) {
        user = strdup(n->username ? n->username : "");
        pass = strdup(n->password ? n->password : "");
        if (!user || !pass)
            r = -ENOMEM;
    }
    if (r < 0) {
        free(main_url);
        free(sub_url);
        free(user);
        free(pass);
        return r;
    }
    free(c->main_url);
    free(c->sub_url);
    free(c->username);
    free(c->password);
    c->main_url = main_url;
    c->sub_url = sub_url;
    c->username = user;
    c->password = pass;
    return 0;
}

int vg_nvr_camera_build(const struct vg_nvr *n, unsigned ch, struct vg_camera *ret_camera)
{
    struct vg_camera c = {.enabled = true, .source = VG_CAMERA_NVR, .nvr_channel = (int)ch};
    char name[256];
    int r = -ENOMEM;
    if (snprintf(c.id, sizeof(c.id), "%s-ch%u", n->id, ch) >= (int)sizeof(c.id))
        return -ENAMETOOLONG;
    vg_strlcpy(c.nvr_id, sizeof(c.nvr_id), n->id);
    snprintf(name, sizeof(name), "%s channel %u", n->name && n->name[0] ? n->name : n->id, ch);
    c.name = strdup(name);
    c.zone = strdup(n->zone ? n->zone : "");
    if (!c.name || !c.zone)
        goto out;
    r = apply_nvr(n, ch, &c);
    if (r < 0)
        goto out;
    *ret_camera = c;
    return 0;
out:
    vg_camera_done(&c);
    return r;
}

static int strlist_add(struct vg_strlist *l, const char *s)
{
    char **items = realloc(l->items, (l->count + 1) * sizeof(*items));
    if (!items)
        return -ENOMEM;
    l->items = items;
    l->items[l->count] = strdup(s);
    if (!l->items[l->count])
        return -ENOMEM;
    l->count++;
    return 0;
}

int vg_nvr_cameras_sync(struct vg_db *db, const struct vg_secretbox *box, const struct vg_nvr *n,
                        struct vg_strlist *ret_added)
{
    struct vg_strlist added = {0};
    int r = vg_db_begin(db);
    if (r < 0)
        return r;
    for (unsigned ch = 1; ch <= n->channels && r == 0; ch++) {
        struct vg_camera c;
        r = vg_nvr_camera_build(n, ch, &c);
        if (r < 0)
            break;
        struct vg_camera existing;
        if (vg_cameras_get(db, box, c.id, &existing) == 0) {
            vg_camera_done(&existing);
        } else {
            r = vg_cameras_insert(db, box, &c);
            if (r == 0)
                r = strlist_add(&added, c.id);
        }
        vg_camera_done(&c);
    }
    if (r == 0)
        r = vg_db_commit(db);
    if (r < 0) {
        vg_db_rollback(db);
        vg_strlist_done(&added);
        return r;
    }
    *ret_added = added;
    return 0;
}

int vg_nvr_cameras_refresh(struct vg_db *db, const struct vg_secretbox *box, const struct vg_nvr *n)
{
    struct vg_camera *cams = NULL;
    size_t count = 0;
    int r = vg_cameras_list(db, box, n->id, &cams, &count);
    if (r < 0)
        return r;
    r = vg_db_begin(db);
    for (size_t i = 0; i < count && r == 0; i++) {
        r = apply_nvr(n, (unsigned)cams[i].nvr_channel, &cams[i]);
        if (r == 0)
            r = vg_cameras_update(db, box, &cams[i]);
    }
    if (r == 0)
        r = vg_db_commit(db);
    else
        vg_db_rollback(db);
    vg_cameras_free_list(cams, count);
    return r;
}
