/* The API's handlers, one file per area (api_<area>.c); the table is routes.c. */
#pragma once

#include <jansson.h>

#include "http/router.h"

struct vg_camera;
struct vg_hub;

/* Records an audit entry for req's user and address. detail may be NULL. */
void vg_api_audit(struct vg_req *req, const char *action, const char *target, const char *detail);

void vg_api_health(struct vg_req *req);
void vg_api_openapi(struct vg_req *req);

void vg_api_login(struct vg_req *req);
void vg_api_logout(struct vg_req *req);
void vg_api_me(struct vg_req *req);

void vg_api_users_list(struct vg_req *req);
void vg_api_users_create(struct vg_req *req);
void vg_api_users_get(struct vg_req *req);
void vg_api_users_update(struct vg_req *req);
void vg_api_users_delete(struct vg_req *req);

void vg_api_tokens_list(struct vg_req *req);
void vg_api_tokens_create(struct vg_req *req);
void vg_api_tokens_delete(struct vg_req *req);

void vg_api_cameras_list(struct vg_req *req);
void vg_api_cameras_create(struct vg_req *req);
void vg_api_cameras_get(struct vg_req *req);
void vg_api_cameras_update(struct vg_req *req);
void vg_api_cameras_delete(struct vg_req *req);
void vg_api_cameras_probe(struct vg_req *req);

void vg_api_nvrs_list(struct vg_req *req);
void vg_api_nvrs_create(struct vg_req *req);
void vg_api_nvrs_get(struct vg_req *req);
void vg_api_nvrs_update(struct vg_req *req);
void vg_api_nvrs_delete(struct vg_req *req);
void vg_api_nvrs_sync(struct vg_req *req);

void vg_api_audit_list(struct vg_req *req);

void vg_api_streams_mse(struct vg_req *req);
void vg_api_streams_hls(struct vg_req *req);
void vg_api_streams_snapshot(struct vg_req *req);
void vg_api_streams_mjpeg(struct vg_req *req);
void vg_api_webrtc_config(struct vg_req *req);
void vg_api_webrtc_sessions(struct vg_req *req);
void vg_api_streams_whep(struct vg_req *req);
void vg_api_streams_whep_delete(struct vg_req *req);
void vg_api_streams_whip(struct vg_req *req);
void vg_api_streams_whip_delete(struct vg_req *req);

struct evhttp_request;
/* The SDP offer of a WHEP/WHIP POST (Content-Type application/sdp, 1 byte to
 * 64 KiB). Returns 0 and a NUL-terminated copy (caller frees), or replies
 * 4xx/500 and returns a negative errno. */
int vg_api_read_sdp_offer(struct vg_req *req, char **ret_offer, size_t *ret_len);
/* DELETE of a WHEP/WHIP Location: ends session {session} of stream_id; 200 or 404. */
void vg_api_end_webrtc_session(struct vg_req *req, const char *stream_id);
/* The reply for a failed vg_webrtc_whep()/vg_webrtc_whip() (r, and its reason). */
void vg_api_reply_webrtc_error(struct vg_req *req, int r, const char *error);
/* 201 Created with the SDP answer and Location /api/streams/{id}/{kind}/{session}. */
void vg_api_reply_sdp_answer(struct evhttp_request *ev, const char *stream_id, const char *kind,
                             const char *session, const char *sdp);
void vg_api_events(struct vg_req *req);
void vg_api_recordings_days(struct vg_req *req);
void vg_api_recordings_timeline(struct vg_req *req);
void vg_api_recordings_segments(struct vg_req *req);
void vg_api_recordings_segment_delete(struct vg_req *req);
void vg_api_recordings_play(struct vg_req *req);
void vg_api_recordings_thumbnail(struct vg_req *req);
void vg_api_storage(struct vg_req *req);

/* Status of a stream as JSON (new reference). */
json_t *vg_api_stream_status_json(struct vg_hub *hub, const char *stream_id);
/* What the recorder does for a camera, as JSON (new reference). */
struct vg_app;
json_t *vg_api_recording_status_json(struct vg_app *app, const char *camera_id);
/* Adds "status", "sub_status" and "recording" to a camera's JSON. */
void vg_api_camera_add_status(struct vg_req *req, json_t *cam_json, const struct vg_camera *c);
/* True when stream_id belongs to a camera req's user may see; else replies 404. */
bool vg_api_stream_visible(struct vg_req *req, const char *stream_id);
