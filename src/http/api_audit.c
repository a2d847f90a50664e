#include <stdlib.h>

#include "core/log.h"
#include "http/api.h"
#include "http/bodies.h"
#include "http/reply.h"
#include "app.h"

void vg_api_audit(struct vg_req *req, const char *action, const char *target, const char *detail)
{
    int r = vg_audit_add(req->app->db, req->user.id ? req->user.username : "", req->ip, action,
                         target ? target : "", detail ? detail : "");
    if (r < 0)
        vg_warn("audit", "could not record %s %s: error %d", action, target ? target : "", r);
}

void vg_api_audit_list(struct vg_req *req)
{
    char buf[32];
    unsigned limit = 100;
    long long before = 0;
    char *end;
    if (vg_req_query(req, "limit", buf, sizeof(buf))) {
        long v = strtol(buf, &end, 10);
        if (*end || v < 1 || v > 1000) {
            vg_reply_error(req, 400, "bad_request", "limit must be a number from 1 to 1000");
            return;
        }
        limit = (unsigned)v;
    }
    if (vg_req_query(req, "before", buf, sizeof(buf))) {
        before = strtoll(buf, &end, 10);
        if (*end || before < 1) {
            vg_reply_error(req, 400, "bad_request", "before must be an audit entry id");
            return;
        }
    }
    struct vg_audit_entry *entries = NULL;
    size_t n = 0;
    int r = vg_audit_list(req->app->db, before, limit, &entries, &n);
    if (r < 0) {
        vg_reply_errno(req, r, "audit log");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, vg_audit_to_json(&entries[i]));
    free(entries);
    vg_reply_json(req, 200, list);
}
