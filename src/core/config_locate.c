#include "core/config_locate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct vg_config_locator {
    yaml_document_t doc;
    bool extra;
    struct vg_config_pos extra_pos;
};

static struct vg_config_pos pos_from_mark(yaml_mark_t mark)
{
    return (struct vg_config_pos){.line = (unsigned)mark.line + 1,
                                  .col = (unsigned)mark.column + 1};
}

/* Reader errors (bad UTF-8) carry a byte offset instead of a mark. */
static struct vg_config_pos pos_from_offset(const uint8_t *text, size_t len, size_t offset)
{
    struct vg_config_pos pos = {.line = 1, .col = 1};
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            pos.line++;
            pos.col = 1;
        } else {
            pos.col++;
        }
    }
    return pos;
}

static void describe(const yaml_parser_t *parser, const uint8_t *text, size_t len,
                     struct vg_config_syntax *syntax)
{
    if (!syntax)
        return;
    *syntax = (struct vg_config_syntax){
        .problem = parser->problem ? parser->problem : "invalid YAML",
        .context = parser->context,
    };
    if (parser->error == YAML_READER_ERROR) {
        syntax->pos = pos_from_offset(text, len, parser->problem_offset);
    } else {
        syntax->pos = pos_from_mark(parser->problem_mark);
        syntax->context_pos = pos_from_mark(parser->context_mark);
    }
}

int vg_config_locator_new(const uint8_t *text, size_t len, struct vg_config_syntax *syntax,
                          struct vg_config_locator **ret_loc)
{
    yaml_parser_t parser;
    struct vg_config_locator *loc = NULL;
    bool have_doc = false;
    int r;

    if (!yaml_parser_initialize(&parser))
        return -ENOMEM;
    yaml_parser_set_input_string(&parser, text, len);

    loc = calloc(1, sizeof(*loc));
    if (!loc) {
        r = -ENOMEM;
        goto out;
    }
    if (!yaml_parser_load(&parser, &loc->doc)) {
        r = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
        describe(&parser, text, len, syntax);
        goto out;
    }
    have_doc = true;

    /* libyaml hands out documents one at a time; a second one (or a syntax
     * error after the first) is something the caller wants to reject. */
    yaml_document_t next;
    if (yaml_parser_load(&parser, &next)) {
        if (yaml_document_get_root_node(&next)) {
            loc->extra = true;
            loc->extra_pos = pos_from_mark(next.start_mark);
        }
        yaml_document_delete(&next);
    } else if (parser.error == YAML_MEMORY_ERROR) {
        r = -ENOMEM;
        goto out;
    } else {
        struct vg_config_syntax s;
        describe(&parser, text, len, &s);
        loc->extra = true;
        loc->extra_pos = s.pos;
    }

    *ret_loc = loc;
    loc = NULL;
    r = 0;
out:
    if (loc) {
        if (have_doc)
            yaml_document_delete(&loc->doc);
        free(loc);
    }
    yaml_parser_delete(&parser);
    return r;
}

struct vg_config_locator *vg_config_locator_free(struct vg_config_locator *loc)
{
    if (!loc)
        return NULL;
    yaml_document_delete(&loc->doc);
    free(loc);
    return NULL;
}

static bool scalar_is(const yaml_node_t *node, const char *s)
{
    size_t n = strlen(s);
    return node && node->type == YAML_SCALAR_NODE && node->data.scalar.length == n &&
           memcmp(node->data.scalar.value, s, n) == 0;
}

enum vg_config_node_kind vg_config_locator_root_kind(const struct vg_config_locator *loc)
{
    /* libyaml's accessors take a non-const document but do not modify it. */
    yaml_node_t *root = yaml_document_get_root_node((yaml_document_t *)&loc->doc);
    if (!root)
        return VG_CONFIG_NODE_NONE;
    switch (root->type) {
    case YAML_SCALAR_NODE:
        /* "---" alone, or "~", is a null document: as empty as no text at all. */
        if (root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            (root->data.scalar.length == 0 || scalar_is(root, "~") || scalar_is(root, "null") ||
             scalar_is(root, "Null") || scalar_is(root, "NULL")))
            return VG_CONFIG_NODE_NONE;
        return VG_CONFIG_NODE_SCALAR;
    case YAML_SEQUENCE_NODE:
        return VG_CONFIG_NODE_SEQUENCE;
    case YAML_MAPPING_NODE:
        return VG_CONFIG_NODE_MAPPING;
    default:
        return VG_CONFIG_NODE_NONE;
    }
}

bool vg_config_locator_extra_document(const struct vg_config_locator *loc,
                                      struct vg_config_pos *ret_pos)
{
    if (!loc->extra)
        return false;
    *ret_pos = loc->extra_pos;
    return true;
}

int vg_config_locator_find(const struct vg_config_locator *loc, const struct vg_config_step *path,
                           size_t depth, bool at_key, struct vg_config_pos *ret_pos)
{
    yaml_document_t *doc = (yaml_document_t *)&loc->doc;
    yaml_node_t *node = yaml_document_get_root_node(doc);
    if (!node)
        return -ENOENT;

    yaml_mark_t mark = node->start_mark;
    size_t found = 0;
    for (; found < depth; found++) {
        const struct vg_config_step *step = &path[found];
        yaml_node_t *next = NULL, *key_node = NULL;
        if (step->key) {
            if (node->type != YAML_MAPPING_NODE)
                break;
            for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
                 p < node->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(doc, p->key);
                if (scalar_is(k, step->key)) {
                    key_node = k;
                    next = yaml_document_get_node(doc, p->value);
                }
            }
        } else {
            if (node->type != YAML_SEQUENCE_NODE)
                break;
            size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
            if (step->index < n)
                next = yaml_document_get_node(doc, node->data.sequence.items.start[step->index]);
        }
        if (!next)
            break;
        if (at_key && key_node && found + 1 == depth) {
            mark = key_node->start_mark;
        } else {
            mark = next->start_mark;
        }
        node = next;
    }
    *ret_pos = pos_from_mark(mark);
    return (int)found;
}

int vg_config_locate(const uint8_t *text, size_t len, const struct vg_config_step *path,
                     size_t depth, bool at_key, struct vg_config_pos *ret_pos)
{
    struct vg_config_locator *loc = NULL;
    struct vg_config_pos pos;
    int r = vg_config_locator_new(text, len, NULL, &loc);
    if (r < 0)
        return r;
    r = vg_config_locator_find(loc, path, depth, at_key, &pos);
    if (r >= 0 && (size_t)r == depth) {
        *ret_pos = pos;
        r = 0;
    } else if (r >= 0) {
        r = -ENOENT;
    }
    vg_config_locator_free(loc);
    return r;
}

int vg_config_locate_alias(const uint8_t *text, size_t len, struct vg_config_pos *ret_pos)
{
    yaml_parser_t parser;
    int r = -ENOENT;

    if (!yaml_parser_initialize(&parser))
        return -ENOMEM;
    yaml_parser_set_input_string(&parser, text, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            r = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
            break;
        }
        yaml_event_type_t type = ev.type;
        yaml_mark_t mark = ev.start_mark;
        yaml_event_delete(&ev);
        if (type == YAML_ALIAS_EVENT) {
            *ret_pos = pos_from_mark(mark);
            r = 0;
            break;
        }
        if (type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    return r;
}
