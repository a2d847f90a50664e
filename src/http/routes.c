/* Every /api route. docs/openapi.yaml must list exactly these (a test checks). */
#include "http/api.h"

#define R(m, p, a, h)                                                                              \
    {                                                                                              \
        .method = EVHTTP_REQ_##m, .pattern = p, .access = VG_ACCESS_##a, .handler = h              \
    }

/* clang-format off */
const struct vg_route vg_routes[] = {
    R(GET, "/api/health", PUBLIC, vg_api_health),
    R(GET, "/api/openapi.yaml", PUBLIC, vg_api_openapi),

    R(POST, "/api/auth/login", PUBLIC, vg_api_login),
    R(POST, "/api/auth/logout", USER, vg_api_logout),
    R(GET, "/api/auth/me", USER, vg_api_me),

    R(GET, "/api/users", ADMIN, vg_api_users_list),
    R(POST, "/api/users", ADMIN, vg_api_users_create),
    R(GET, "/api/users/{id}", USER, vg_api_users_get),
    R(PUT, "/api/users/{id}", USER, vg_api_users_update),
    R(DELETE, "/api/users/{id}", ADMIN, vg_api_users_delete),

    R(GET, "/api/tokens", USER, vg_api_tokens_list),
    R(POST, "/api/tokens", USER, vg_api_tokens_create),
    R(DELETE, "/api/tokens/{id}", USER, vg_api_tokens_delete),

    R(GET, "/api/cameras", USER, vg_api_cameras_list),
    R(POST, "/api/cameras", ADMIN, vg_api_cameras_create),
    R(POST, "/api/cameras/probe", ADMIN, vg_api_cameras_probe),
    R(GET, "/api/cameras/{id}", USER, vg_api_cameras_get),
    R(PUT, "/api/cameras/{id}", ADMIN, vg_api_cameras_update),
    R(DELETE, "/api/cameras/{id}", ADMIN, vg_api_cameras_delete),

    R(GET, "/api/nvrs", ADMIN, vg_api_nvrs_list),
    R(POST, "/api/nvrs", ADMIN, vg_api_nvrs_create),
    R(GET, "/api/nvrs/{id}", ADMIN, vg_api_nvrs_get),
    R(PUT, "/api/nvrs/{id}", ADMIN, vg_api_nvrs_update),
    R(DELETE, "/api/nvrs/{id}", ADMIN, vg_api_nvrs_delete),
    R(POST, "/api/nvrs/{id}/sync", ADMIN, vg_api_nvrs_sync),

    R(GET, "/api/audit", ADMIN, vg_api_audit_list),

    R(GET, "/api/streams/{id}/mse", USER, vg_api_streams_mse),
    R(GET, "/api/streams/{id}/hls/{file}", USER, vg_api_streams_hls),
    R(GET, "/api/streams/{id}/snapshot.jpg", USER, vg_api_streams_snapshot),
    R(GET, "/api/streams/{id}/mjpeg", USER, vg_api_streams_mjpeg),
    R(POST, "/api/streams/{id}/whep", USER, vg_api_streams_whep),
    R(DELETE, "/api/streams/{id}/whep/{session}", USER, vg_api_streams_whep_delete),
    R(POST, "/api/streams/{id}/whip", USER, vg_api_streams_whip),
    R(DELETE, "/api/streams/{id}/whip/{session}", USER, vg_api_streams_whip_delete),
    R(GET, "/api/webrtc/config", USER, vg_api_webrtc_config),
    R(GET, "/api/webrtc/sessions", ADMIN, vg_api_webrtc_sessions),
    R(GET, "/api/events", USER, vg_api_events),

    R(GET, "/api/recordings/days", USER, vg_api_recordings_days),
    R(GET, "/api/recordings/timeline", USER, vg_api_recordings_timeline),
    R(GET, "/api/recordings/segments", USER, vg_api_recordings_segments),
    R(DELETE, "/api/recordings/segments/{id}", ADMIN, vg_api_recordings_segment_delete),
    R(GET, "/api/recordings/play.mp4", USER, vg_api_recordings_play),
    R(GET, "/api/recordings/thumbnail.jpg", USER, vg_api_recordings_thumbnail),
    R(GET, "/api/storage", USER, vg_api_storage),

    {.pattern = NULL},
};
/* clang-format on */
