/* The HTTP(S) listener: evhttp on the app's loop, limits, CORS, and the split
 * between /api (router) and the embedded web UI (static). */
#pragma once

struct vg_app;
struct vg_http;

/* Binds cfg->listen and starts serving. Returns 0 or a negative errno (logged). */
int vg_http_start(struct vg_app *app, struct vg_http **ret_http);

/* Closes the listener and every connection. Accepts NULL; returns NULL. */
struct vg_http *vg_http_free(struct vg_http *http);
