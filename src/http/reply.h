/* Replies and request bodies: JSON in, JSON out, errors as
 * {"error":{"code":...,"message":...}}. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/router.h"

/* Sends body (reference stolen; NULL sends "null") with the given status. */
void vg_reply_json(struct vg_req *req, int status, json_t *body);
/* Sends an error; code is the stable machine name, message says what to fix. */
void vg_reply_error(struct vg_req *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 204 or any status without a body. */
void vg_reply_empty(struct vg_req *req, int status);
/* The same for a request that no longer has its routed struct vg_req (a live
 * output, a job finishing on a worker): the code comes from the status. */
void vg_reply_error_ev(struct evhttp_request *ev, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Maps a store errno (-ENOENT 404, -EEXIST 409, others 500) to an error reply. */
void vg_reply_errno(struct vg_req *req, int err, const char *what);

/* Parses the request body as a JSON object. On failure replies (400 or 413) and
 * returns a negative errno; on success *ret_obj is a new reference. */
int vg_req_json_body(struct vg_req *req, json_t **ret_obj);

/* Query parameter value (decoded) or NULL; out holds it (outlen bytes). NULL
 * too for a value longer than that and for any query holding %00. */
const char *vg_req_query(struct vg_req *req, const char *name, char *out, size_t outlen);

/* A whole-number query parameter in [min, max]: true with *ret_value set
 * (left as it is when the parameter is absent), or replies 400 and returns
 * false (not digits only, out of range, or too long to read). */
bool vg_req_query_uint(struct vg_req *req, const char *name, unsigned min, unsigned max,
                       unsigned *ret_value);

/* Bytes a streaming response has queued on its connection but not sent yet:
 * what a live output checks before queueing more. */
struct evhttp_connection;
size_t vg_reply_unsent(struct evhttp_connection *conn);

/* From a connection's close callback: when libevent has let go of the request
 * (the client left while the reply was pending or streaming, so libevent
 * detached it and expects its owner to end it), frees it. At server shutdown
 * the request is still attached and libevent frees it itself. */
void vg_reply_abandoned(struct evhttp_request *req);

/* Adds the security headers every response carries. */
void vg_reply_security_headers(struct evhttp_request *ev);
