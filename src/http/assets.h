/* The web UI, embedded at build time by tools/embed.c. */
#pragma once

#include <stddef.h>

struct vg_asset {
    const char *path; /* URL path, e.g. "/index.html" */
    const unsigned char *data;
    size_t len;
};

/* Terminated by an entry whose path is NULL. */
extern const struct vg_asset vg_assets[];
