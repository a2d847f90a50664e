#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/config.h"
#include "core/url.h"
#include "http/api.h"
#include "http/auth.h"
#include "http/bodies.h"
#include "http/reply.h"
#include "hub/hub.h"
#include "store/cameras.h"

void vg_api_cameras_list(struct vg_req *req)
{
    struct vg_camera *cams = NULL;
    size_t n = 0;
    int r = vg_cameras_list(req->app->db, &req->app->box, NULL, &cams, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "cameras");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!vg_authz_camera_visible(&req->user, cams[i].id, cams[i].zone))
            continue;
        json_t *o = vg_camera_to_json(&cams[i]);
        vg_api_camera_add_status(req, o, &cams[i]);
        json_array_append_new(list, o);
    }
    vg_cameras_free_list(cams, n);
    vg_reply_json(req, 200, list);
}

/* A camera as the API shows it: masked, with the status of its streams. */
static void reply_camera(struct vg_req *req, int status, const struct vg_camera *c)
{
    json_t *o = vg_camera_to_json(c);
    vg_api_camera_add_status(req, o, c);
    vg_reply_json(req, status, o);
}

/* Loads {id}; a camera the user may not see answers like a missing one. */
static bool load_camera(struct vg_req *req, struct vg_camera *ret_cam)
{
    const char *id = vg_req_param(req, "id");
    if (!vg_slug_valid(id) || vg_cameras_get(req->app->db, &req->app->box, id, ret_cam) < 0) {
        vg_reply_error(req, 404, "not_found", "camera not found");
        return false;
    }
    if (!vg_authz_camera_visible(&req->user, ret_cam->id, ret_cam->zone)) {
        vg_camera_done(ret_cam);
        vg_reply_error(req, 404, "not_found", "camera not found");
        return false;
    }
    return true;
}

static bool writable(struct vg_req *req, const struct vg_camera *c)
{
    if (!vg_camera_readonly(c))
        return true;
    vg_reply_error(req, 409, "readonly",
                   "camera '%s' is declared by the %s and cannot be changed here", c->id,
                   c->source == VG_CAMERA_DEMO ? "--demo option" : "config file");
    return false;
}

/* Applies the body onto cam and replies 400 on a problem. */
static bool apply_body(struct vg_req *req, bool create, struct vg_camera *cam, json_t **ret_obj)
{
    if (vg_req_json_body(req, ret_obj) < 0)
        return false;
    struct vg_body b;
    vg_body_init(&b, *ret_obj);
    vg_camera_from_body(&b, create, cam);
    /* File cameras only read inside the media directory. */
    const char *urls[] = {cam->main_url, cam->sub_url}, *keys[] = {"main_url", "sub_url"};
    for (int i = 0; i < 2 && !b.failed; i++) {
        char path[PATH_MAX];
        const char *reason;
        if (urls[i] && strncasecmp(urls[i], "file:", 5) == 0 &&
            vg_url_file_path(urls[i], req->app->cfg->stream_media_dir, path, sizeof(path),
                             &reason) < 0)
            vg_body_fail(&b, "field '%s': %s", keys[i], reason);
    }
    if (b.failed) {
        vg_reply_error(req, 400, "bad_request", "%s", b.err);
        return false;
    }
    return true;
}

void vg_api_cameras_create(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_camera c = {.enabled = true, .source = VG_CAMERA_API};
    if (!apply_body(req, true, &c, &obj))
        goto out;
    int r = vg_cameras_insert(req->app->db, &req->app->box, &c);
    if (r < 0) {
        vg_reply_errno(req, r, "camera");
        goto out;
    }
    vg_api_audit(req, "camera.create", c.id, NULL);
    vg_app_cameras_changed(req->app);
    reply_camera(req, 201, &c);
out:
    vg_camera_done(&c);
    json_decref(obj);
}

void vg_api_cameras_get(struct vg_req *req)
{
    struct vg_camera c;
    if (!load_camera(req, &c))
        return;
    reply_camera(req, 200, &c);
    vg_camera_done(&c);
}

void vg_api_cameras_update(struct vg_req *req)
{
    json_t *obj = NULL;
    struct vg_camera c;
    if (!load_camera(req, &c))
        return;
    if (!writable(req, &c) || !apply_body(req, false, &c, &obj))
        goto out;
    int r = vg_cameras_update(req->app->db, &req->app->box, &c);
    if (r < 0) {
        vg_reply_errno(req, r, "camera");
        goto out;
    }
    vg_hub_forget_camera(req->app->hub, c.id);
    vg_app_cameras_changed(req->app);
    vg_api_audit(req, "camera.update", c.id, NULL);
    reply_camera(req, 200, &c);
out:
    vg_camera_done(&c);
    json_decref(obj);
}

void vg_api_cameras_delete(struct vg_req *req)
{
    struct vg_camera c;
    if (!load_camera(req, &c))
        return;
    if (writable(req, &c)) {
        int r = vg_cameras_delete(req->app->db, c.id);
        if (r < 0) {
            vg_reply_errno(req, r, "camera");
        } else {
            vg_hub_forget_camera(req->app->hub, c.id);
            vg_app_cameras_changed(req->app);
            vg_api_audit(req, "camera.delete", c.id, NULL);
            vg_reply_empty(req, 204);
        }
    }
    vg_camera_done(&c);
}
