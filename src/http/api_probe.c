/* POST /api/cameras/probe: the camera form's connection test. The probe blocks
 * for up to the timeout, so it runs on a probe worker; the reply is made back
 * on the loop. Admins only: it makes the server connect where a user says. */
#include <event2/http.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "core/config.h"
#include "core/url.h"
#include "core/util.h"
#include "core/workers.h"
#include "http/api.h"
#include "http/body.h"
#include "http/reply.h"
#include "sources/probe.h"
#include "store/cameras.h"

#define PROBE_TIMEOUT_MS 8000

struct probe_job {
    struct evhttp_request *ev; /* NULL once the client has gone */
    struct evhttp_connection *conn;
    char *url;
    struct vg_probe_result result;
};

static void job_free(struct probe_job *j)
{
    free(j->url);
    free(j);
}

static void conn_closed(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct probe_job *j = arg;
    vg_reply_abandoned(j->ev);
    j->ev = NULL;
}

static void probe_work(void *arg)
{
    struct probe_job *j = arg;
    vg_probe_url(j->url, PROBE_TIMEOUT_MS, &j->result);
}

static json_t *result_json(const struct vg_probe_result *res)
{
    json_t *o = json_pack("{s:b,s:s,s:s}", "ok", res->outcome == VG_PROBE_OK, "reason",
                          vg_probe_outcome_name(res->outcome), "message", res->message);
    if (res->video_codec[0])
        json_object_set_new(o, "video",
                            json_pack("{s:s,s:s,s:i,s:i,s:f}", "codec", res->video_codec, "profile",
                                      res->video_profile, "width", (int)res->width, "height",
                                      (int)res->height, "fps", res->fps));
    else
        json_object_set_new(o, "video", json_null());
    if (res->audio_codec[0])
        json_object_set_new(o, "audio",
                            json_pack("{s:s,s:i,s:i}", "codec", res->audio_codec, "sample_rate",
                                      (int)res->sample_rate, "channels", (int)res->channels));
    else
        json_object_set_new(o, "audio", json_null());
    return o;
}

static void probe_done(void *arg, bool cancelled)
{
    struct probe_job *j = arg;
    if (j->ev) {
        evhttp_connection_set_closecb(j->conn, NULL, NULL);
        struct vg_req req = {.ev = j->ev};
        if (cancelled)
            vg_reply_error_ev(j->ev, 503, "shutting down");
        else
            vg_reply_json(&req, 200, result_json(&j->result));
    }
    job_free(j);
}

static const struct vg_job_ops probe_ops = {.work = probe_work, .done = probe_done};

/* The URL to probe, with credentials; a masked secret of an existing camera
 * (the edit form) is taken from the store. */
static char *probe_url(struct vg_req *req, const char *url, const char *user, const char *pass,
                       const char *camera_id)
{
    struct vg_camera cam = {0};
    bool have = camera_id && vg_slug_valid(camera_id) &&
                vg_cameras_get(req->app->db, &req->app->box, camera_id, &cam) == 0;
    char *unmasked = vg_url_unmask(url, have ? cam.main_url : NULL);
    char *sub_unmasked = NULL;
    if (unmasked && have && strstr(unmasked, VG_MASK) && cam.sub_url && cam.sub_url[0]) {
        sub_unmasked = vg_url_unmask(url, cam.sub_url);
        if (sub_unmasked) {
            free(unmasked);
            unmasked = sub_unmasked;
        }
    }
    if (pass && strcmp(pass, VG_MASK) == 0)
        pass = have ? cam.password : "";
    char *out = unmasked ? vg_url_with_credentials(unmasked, user, pass) : NULL;
    free(unmasked);
    vg_camera_done(&cam);
    return out;
}

void vg_api_cameras_probe(struct vg_req *req)
{
    json_t *obj = NULL;
    struct probe_job *j = NULL;
    if (vg_req_json_body(req, &obj) < 0)
        return;
    struct vg_body b;
    vg_body_init(&b, obj);
    static const char *const fields[] = {"url", "username", "password", "camera", NULL};
    vg_body_only_keys(&b, fields, NULL);
    const char *url = NULL, *user = "", *pass = "", *camera = NULL;
    vg_body_string(&b, "url", 2048, true, &url);
    vg_body_string(&b, "username", 128, false, &user);
    vg_body_string(&b, "password", 256, false, &pass);
    vg_body_string(&b, "camera", VG_SLUG_MAX, false, &camera);
    const char *reason;
    if (!b.failed && vg_url_validate(url, &reason) < 0)
        vg_body_fail(&b, "field 'url': %s", reason);
    if (!b.failed && vg_url_is_webrtc(url))
        vg_body_fail(&b, "field 'url': a webrtc camera has nothing to test: a browser publishes "
                         "its video to Vigil");
    if (b.failed) {
        vg_reply_error(req, 400, "bad_request", "%s", b.err);
        goto out;
    }
    if (strncmp(url, "demo:", 5) == 0) {
        struct vg_probe_result demo = {
            .outcome = VG_PROBE_OK, .width = 1280, .height = 720, .fps = 25};
        vg_strlcpy(demo.video_codec, sizeof(demo.video_codec), "h264");
        vg_strlcpy(demo.video_profile, sizeof(demo.video_profile), "Constrained Baseline");
        vg_reply_json(req, 200, result_json(&demo));
        goto out;
    }
    /* A file is tested only where a camera could read it. */
    char path[PATH_MAX + 8];
    if (strncasecmp(url, "file:", 5) == 0) {
        char real[PATH_MAX];
        if (vg_url_file_path(url, req->app->cfg->stream_media_dir, real, sizeof(real), &reason) <
            0) {
            vg_reply_error(req, 400, "bad_request", "field 'url': %s", reason);
            goto out;
        }
        snprintf(path, sizeof(path), "file:%s", real);
        url = path;
    }
    j = calloc(1, sizeof(*j));
    if (!j || !(j->url = probe_url(req, url, user, pass, camera))) {
        vg_reply_error(req, 500, "internal", "out of memory");
        goto out;
    }
    j->ev = req->ev;
    j->conn = evhttp_request_get_connection(req->ev);
    if (vg_workers_submit(req->app->probes, &probe_ops, j) < 0) {
        vg_reply_error(req, 503, "service_unavailable", "too many connection tests at once");
        goto out;
    }
    evhttp_connection_set_closecb(j->conn, conn_closed, j);
    j = NULL;
out:
    if (j)
        job_free(j);
    json_decref(obj);
}
