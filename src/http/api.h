/* The API's handlers, one file per area (api_<area>.c); the table is routes.c. */
#pragma once

#include "http/router.h"

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

void vg_api_nvrs_list(struct vg_req *req);
void vg_api_nvrs_create(struct vg_req *req);
void vg_api_nvrs_get(struct vg_req *req);
void vg_api_nvrs_update(struct vg_req *req);
void vg_api_nvrs_delete(struct vg_req *req);
void vg_api_nvrs_sync(struct vg_req *req);

void vg_api_audit_list(struct vg_req *req);
