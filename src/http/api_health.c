#include <event2/buffer.h>
#include <event2/http.h>

#include "http/api.h"
#include "http/reply.h"
#include "http/static.h"

void vg_api_health(struct vg_req *req)
{
    vg_reply_json(req, 200, json_pack("{s:s,s:s}", "status", "ok", "version", VG_VERSION));
}

void vg_api_openapi(struct vg_req *req)
{
    const struct vg_asset *a = vg_static_find("/openapi.yaml");
    if (!a) {
        vg_reply_error(req, 404, "not_found", "the OpenAPI document was not built in");
        return;
    }
    vg_static_serve(req->ev, "/openapi.yaml");
}
