/* Finding where a node sits in YAML text, for the config*.c files only.
 *
 * libcyaml hands back plain C values with no trace of where they came from,
 * so a value that fails a check after loading (a bad port, an unset
 * environment variable) would have no line to point at. These functions read
 * the same text again through libyaml's event parser and follow a path of
 * keys and indexes to the node. They run only when there is an error to report.
 *
 * Events rather than yaml_parser_load(): the scan stops at the node it wants,
 * which libcyaml has already walked past. Loading the whole document would also
 * read what follows, and libyaml's scanner is quadratic in flow nesting depth
 * ("[[[[..." for a megabyte takes hours) - nesting libcyaml rejects early. */
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

/* What vg_config_locate() looks for at the end of the path. */
enum vg_config_find {
    VG_CONFIG_FIND_VALUE,        /* the node itself (first occurrence of each key) */
    VG_CONFIG_FIND_KEY,          /* the last step's key, not its value */
    VG_CONFIG_FIND_REPEATED_KEY, /* the second occurrence of the last step's key */
};

/* A YAML syntax error; the strings are static (libyaml's own). */
struct vg_config_syntax {
    const char *problem;
    const char *context; /* NULL, or what the parser was doing, e.g. "while scanning ..." */
    struct vg_config_pos pos;
    struct vg_config_pos context_pos;
};

enum vg_config_node_kind {
    VG_CONFIG_NODE_NONE, /* empty document, or a plain null ("---" alone, "~") */
    VG_CONFIG_NODE_SCALAR,
    VG_CONFIG_NODE_SEQUENCE,
    VG_CONFIG_NODE_MAPPING,
};

/* text need not be NUL-terminated and is not kept by any of these. */

/* Finds the node at path (depth steps; depth 0 is the root) in the first
 * document. Returns 0, -ENOENT when there is no such node, -EINVAL on a syntax
 * error before it, -ENOMEM. */
int vg_config_locate(const uint8_t *text, size_t len, const struct vg_config_step *path,
                     size_t depth, enum vg_config_find what, struct vg_config_pos *ret_pos);

/* Reads the whole stream. Returns 0 when it is valid YAML, or -EINVAL with the
 * first error in *ret_syntax, or -ENOMEM. */
int vg_config_syntax_check(const uint8_t *text, size_t len, struct vg_config_syntax *ret_syntax);

/* What the root of the first document is. Returns 0, -EINVAL on a syntax error
 * before it, -ENOMEM. */
int vg_config_root_kind(const uint8_t *text, size_t len, enum vg_config_node_kind *ret_kind);

/* Where a second document starts (or where the text after the first stops
 * parsing). Returns 0, or -ENOENT when there is none, -EINVAL on a syntax error
 * inside the first document, -ENOMEM. */
int vg_config_locate_extra_document(const uint8_t *text, size_t len, struct vg_config_pos *ret_pos);

/* Where the first alias (*name) is. Returns 0, -ENOENT when there is none,
 * -EINVAL on a syntax error before one, -ENOMEM. */
int vg_config_locate_alias(const uint8_t *text, size_t len, struct vg_config_pos *ret_pos);
