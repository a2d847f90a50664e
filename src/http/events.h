/* Server-sent events (GET /api/events): stream status changes pushed to the
 * browser, each client seeing only the cameras it may see. */
#pragma once

struct vg_app;
struct vg_events;

int vg_events_new(struct vg_app *app, struct vg_events **ret_events);
/* Ends every client's response. Accepts NULL; returns NULL. */
struct vg_events *vg_events_free(struct vg_events *ev);
