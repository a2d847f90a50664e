/* Finding where a node sits in YAML text, for config.c only.
 *
 * libcyaml hands back plain C values with no trace of where they came from,
 * so a value that fails a check after loading (a bad port, an unset
 * environment variable) would have no line to point at. This module parses
 * the same text with libyaml's document API and walks a path of keys and
 * indexes to the node. It runs only when there is an error to report. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deep enough for webrtc.ice_servers[i].urls[j] with room to spare. */
#define VG_CONFIG_PATH_MAX 8

/* One step down the tree: a mapping key, or a sequence index when key is NULL. */
struct vg_config_step {
    const char *key;
    unsigned index;
};

/* 1-based, as editors count. */
struct vg_config_pos {
    unsigned line;
    unsigned col;
};

/* A YAML syntax error: problem is a static string from libyaml (or ours). */
struct vg_config_syntax {
    const char *problem;
    const char *context; /* NULL, or what the parser was doing, e.g. "while scanning ..." */
    struct vg_config_pos pos;
    struct vg_config_pos context_pos;
};

enum vg_config_node_kind {
    VG_CONFIG_NODE_NONE, /* empty document: no root, or a plain null ("---", "~") */
    VG_CONFIG_NODE_SCALAR,
    VG_CONFIG_NODE_SEQUENCE,
    VG_CONFIG_NODE_MAPPING,
};

struct vg_config_locator;

/* Parses the first document of text (text need not be NUL-terminated and is not
 * kept). Returns 0 with a new locator the caller frees, -EINVAL on a syntax error
 * (described in *syntax when it is non-NULL) or -ENOMEM. */
int vg_config_locator_new(const uint8_t *text, size_t len, struct vg_config_syntax *syntax,
                          struct vg_config_locator **ret_loc);

/* Accepts NULL; returns NULL. */
struct vg_config_locator *vg_config_locator_free(struct vg_config_locator *loc);

enum vg_config_node_kind vg_config_locator_root_kind(const struct vg_config_locator *loc);

/* True when the text holds a second document (or garbage after the first that
 * fails to parse); *ret_pos is where it starts. */
bool vg_config_locator_extra_document(const struct vg_config_locator *loc,
                                      struct vg_config_pos *ret_pos);

/* Follows path from the root. When a key occurs twice the last one wins, which
 * is the duplicate a loader complains about. With at_key the final step must be
 * a key and the position is that of the key itself rather than its value.
 * Returns how many steps resolved (depth when the node was found) with *ret_pos
 * at the deepest node reached, or -ENOENT for an empty document. */
int vg_config_locator_find(const struct vg_config_locator *loc, const struct vg_config_step *path,
                           size_t depth, bool at_key, struct vg_config_pos *ret_pos);

/* Where the first alias (*name) is, since the document API resolves aliases and
 * keeps no trace of them. Returns 0, -ENOENT when there is none, -EINVAL on a
 * syntax error before one. */
int vg_config_locate_alias(const uint8_t *text, size_t len, struct vg_config_pos *ret_pos);

/* One-shot vg_config_locator_new() + _find() + _free(). Returns 0 only when the
 * whole path was found; -ENOENT when it was not, -EINVAL on a syntax error. */
int vg_config_locate(const uint8_t *text, size_t len, const struct vg_config_step *path,
                     size_t depth, bool at_key, struct vg_config_pos *ret_pos);
