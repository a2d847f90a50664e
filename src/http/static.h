/* The embedded web UI. */
#pragma once

#include <event2/http.h>

#include "http/assets.h"

/* The asset at path ("/" is "/index.html"), or NULL. */
const struct vg_asset *vg_static_find(const char *path);

/* Serves GET/HEAD of an embedded file, 404 otherwise. */
void vg_static_serve(struct evhttp_request *ev, const char *path);

/* Content type from a file name's extension. */
const char *vg_static_content_type(const char *path);
