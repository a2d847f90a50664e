#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cameras/nvr_import.h"
#include "http/api.h"
#include "http/bodies.h"
#include "http/reply.h"
#include "store/nvrs.h"

static json_t *strlist_json(const struct vg_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->count; i++)
        json_array_append_new(a, json_string(l->items[i]));
    return a;
}

void vg_api_nvrs_list(struct vg_req *req)
{
    struct vg_nvr *nvrs = NULL;
    size_t n = 0;
    int r = vg_nvrs_list(req->app->db, &req->app->box, &nvrs, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "NVRs");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, vg_nvr_to_json(&nvrs[i]));
    vg_nvrs_free_list(nvrs, n);
    vg_reply_json(req, 200, list);
}

static bool load_nvr(struct vg_req *req, struct vg_nvr *ret_nvr)
{
    const char *id = vg_req_param(req, "id");
    if (!vg_slug_valid(id) || vg_nvrs_get(req->app->db, &req->app->box, id, ret_nvr) < 0) {
        vg_reply_error(req, 404, "not_found", "NVR not found");
        return false;
    }
    return true;
}

static bool apply_body(struct vg_req *req, bool create, struct vg_nvr *n, json_t **ret_obj)
{
    if (vg_req_json_body(req, ret_obj) < 0)
        return false;
    struct vg_body b;
    vg_body_init(&b, *ret_obj);
    vg_nvr_from_body(&b, create, n);
    if (b.failed) {
        vg_reply_error(req, 400, "bad_request", "%s", b.err);
        return false;
    }
    return true;
}

void vg_api_nvrs_create(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_nvr n = {.port = 554};
    struct vg_strlist added = {0};
    if (!apply_body(req, true, &n, &obj))
        goto out;
    int r = vg_nvrs_insert(req->app->db, &req->app->box, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "NVR");
        goto out;
    }
    r = vg_nvr_cameras_sync(req->app->db, &req->app->box, &n, &added);
    if (r < 0) {
        vg_reply_errno(req, r, "NVR cameras");
        goto out;
    }
    vg_api_audit(req, "nvr.create", n.id, vg_nvr_vendor_name(n.vendor));
    json_t *o = vg_nvr_to_json(&n);
    json_object_set_new(o, "cameras_added", strlist_json(&added));
    vg_reply_json(req, 201, o);
out:
    vg_strlist_done(&added);
    vg_nvr_done(&n);
    json_decref(obj);
}

void vg_api_nvrs_get(struct vg_req *req)
{
    struct vg_nvr n;
    if (!load_nvr(req, &n))
        return;
    vg_reply_json(req, 200, vg_nvr_to_json(&n));
    vg_nvr_done(&n);
}

void vg_api_nvrs_update(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_nvr n;
    if (!load_nvr(req, &n))
        return;
    if (!apply_body(req, false, &n, &obj))
        goto out;
    int r = vg_nvrs_update(req->app->db, &req->app->box, &n);
    if (r == 0)
        r = vg_nvr_cameras_refresh(req->app->db, &req->app->box, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "NVR");
        goto out;
    }
    vg_app_cameras_changed(req->app);
    vg_api_audit(req, "nvr.update", n.id, NULL);
    vg_reply_json(req, 200, vg_nvr_to_json(&n));
out:
    vg_nvr_done(&n);
    json_decref(obj);
}

void vg_api_nvrs_delete(struct vg_req *req)
{
    struct vg_nvr n;
    if (!load_nvr(req, &n))
        return;
    int r = vg_nvrs_delete(req->app->db, n.id);
    if (r < 0) {
        vg_reply_errno(req, r, "NVR");
    } else {
        vg_app_cameras_changed(req->app);
        vg_api_audit(req, "nvr.delete", n.id, NULL);
        vg_reply_empty(req, 204);
    }
    vg_nvr_done(&n);
}

void vg_api_nvrs_sync(struct vg_req *req)
{
    struct vg_nvr n;
    struct vg_strlist added = {0};
    if (!load_nvr(req, &n))
        return;
    int r = vg_nvr_cameras_sync(req->app->db, &req->app->box, &n, &added);
    if (r < 0) {
        vg_reply_errno(req, r, "NVR cameras");
    } else {
        vg_api_audit(req, "nvr.sync", n.id, NULL);
        vg_reply_json(req, 200, json_pack("{s:o}", "added", strlist_json(&added)));
    }
    vg_strlist_done(&added);
    vg_nvr_done(&n);
}
