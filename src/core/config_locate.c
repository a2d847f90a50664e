#include "core/config_locate.h"

#include <errno.h>
#include <string.h>
#include <yaml.h>

struct reader {
    yaml_parser_t parser;
    const uint8_t *text;
    size_t len;
};

static int reader_init(struct reader *rd, const uint8_t *text, size_t len)
{
    if (!yaml_parser_initialize(&rd->parser))
        return -ENOMEM;
    rd->text = text;
    rd->len = len;
    yaml_parser_set_input_string(&rd->parser, text ? text : (const uint8_t *)"", text ? len : 0);
    return 0;
}

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

static void describe(const struct reader *rd, struct vg_config_syntax *syntax)
{
    const yaml_parser_t *p = &rd->parser;
    *syntax = (struct vg_config_syntax){
        .problem = p->problem ? p->problem : "invalid YAML",
        .context = p->context,
    };
    if (p->error == YAML_READER_ERROR) {
        syntax->pos = pos_from_offset(rd->text, rd->len, p->problem_offset);
        syntax->context = NULL;
    } else {
        syntax->pos = pos_from_mark(p->problem_mark);
        syntax->context_pos = pos_from_mark(p->context_mark);
    }
}

static int next_event(struct reader *rd, yaml_event_t *ev)
{
    if (yaml_parser_parse(&rd->parser, ev))
        return 0;
    return rd->parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
}

static bool is_start(yaml_event_type_t t)
{
    return t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT;
}

static bool is_end(yaml_event_type_t t)
{
    return t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT;
}

static bool is_node(yaml_event_type_t t)
{
    return is_start(t) || t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT;
}

static bool scalar_is(const yaml_event_t *ev, const char *s)
{
    size_t n = strlen(s);
    return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == n &&
           memcmp(ev->data.scalar.value, s, n) == 0;
}

/* An open container along the path, looking for its step of the path. */
struct level {
    bool mapping;
    bool want_key;  /* mapping: the next node is a key */
    bool key_match; /* mapping: the current key is the step's (first occurrence) */
    unsigned seen;  /* mapping: how often the step's key came up */
    unsigned index; /* sequence: index of the next item */
};

/* A node inside the container is complete. */
static void advance(struct level *l)
{
    if (l->mapping) {
        l->want_key = !l->want_key;
        if (l->want_key)
            l->key_match = false;
    } else {
        l->index++;
    }
}

/* Only containers on the path are tracked; any other subtree is skipped by
 * counting its nesting, so memory does not grow with the document. */
int vg_config_locate(const uint8_t *text, size_t len, const struct vg_config_step *path,
                     size_t depth, enum vg_config_find what, struct vg_config_pos *ret_pos)
{
    struct reader rd;
    struct level lv[VG_CONFIG_PATH_MAX];
    int top = -1; /* lv[top] is the deepest open container on the path */
    size_t skip = 0;
    int r;

    if (depth > VG_CONFIG_PATH_MAX)
        return -EINVAL;
    r = reader_init(&rd, text, len);
    if (r < 0)
        return r;
    for (;;) {
        yaml_event_t ev;
        r = next_event(&rd, &ev);
        if (r < 0)
            break;
        yaml_event_type_t t = ev.type;
        yaml_mark_t mark = ev.start_mark;
        bool found = false, missing = false;

        if (skip) {
            if (is_start(t))
                skip++;
            if (is_end(t))
                skip--;
            if (skip == 0)
                advance(&lv[top]);
        } else if (t == YAML_STREAM_END_EVENT || t == YAML_DOCUMENT_END_EVENT || is_end(t)) {
            /* The first document, or a container on the path, ended first. */
            missing = true;
        } else if (!is_node(t)) {
            /* stream or document start */
        } else if (top < 0) {
            if (depth == 0)
                found = true;
            else if (!is_start(t) || (path[0].key != NULL) != (t == YAML_MAPPING_START_EVENT))
                missing = true;
            else
                lv[++top] = (struct level){.mapping = path[0].key != NULL, .want_key = true};
        } else if (lv[top].mapping && lv[top].want_key) {
            struct level *l = &lv[top];
            bool same = scalar_is(&ev, path[top].key);
            bool last = (size_t)top + 1 == depth;
            if (same)
                l->seen++;
            if (same && last && what == VG_CONFIG_FIND_KEY && l->seen == 1)
                found = true;
            if (same && last && what == VG_CONFIG_FIND_REPEATED_KEY && l->seen == 2)
                found = true;
            /* A key lookup ends at a key, never in the value that follows. */
            l->key_match = same && l->seen == 1 && !(last && what != VG_CONFIG_FIND_VALUE);
            if (is_start(t))
                skip = 1;
            else
                advance(l);
        } else {
            struct level *l = &lv[top];
            bool match = l->mapping ? l->key_match : l->index == path[top].index;
            if (!match) {
                if (is_start(t))
                    skip = 1;
                else
                    advance(l);
            } else if ((size_t)top + 1 == depth) {
                found = true;
            } else {
                const struct vg_config_step *next = &path[top + 1];
                if (!is_start(t) || (next->key != NULL) != (t == YAML_MAPPING_START_EVENT)) {
                    missing = true;
                } else {
                    top++;
                    lv[top] = (struct level){.mapping = next->key != NULL, .want_key = true};
                }
            }
        }
        yaml_event_delete(&ev);
        if (found) {
            *ret_pos = pos_from_mark(mark);
            r = 0;
            break;
        }
        if (missing) {
            r = -ENOENT;
            break;
        }
    }
    yaml_parser_delete(&rd.parser);
    return r;
}

/* Reads events until visit() returns true for one (0; *ret_mark is its start),
 * the stream ends (-ENOENT) or the YAML is broken (-EINVAL; the reader holds
 * the reason for describe()). The caller owns rd. */
static int scan(struct reader *rd, bool (*visit)(const yaml_event_t *ev, void *ctx), void *ctx,
                yaml_mark_t *ret_mark)
{
    for (;;) {
        yaml_event_t ev;
        int r = next_event(rd, &ev);
        if (r < 0)
            return r;
        bool found = visit(&ev, ctx);
        bool end = ev.type == YAML_STREAM_END_EVENT;
        yaml_mark_t mark = ev.start_mark;
        yaml_event_delete(&ev);
        if (found) {
            *ret_mark = mark;
            return 0;
        }
        if (end)
            return -ENOENT;
    }
}

static bool visit_nothing(const yaml_event_t *ev, void *ctx)
{
    (void)ev;
    (void)ctx;
    return false;
}

int vg_config_syntax_check(const uint8_t *text, size_t len, struct vg_config_syntax *ret_syntax)
{
    struct reader rd;
    yaml_mark_t mark;
    int r = reader_init(&rd, text, len);
    if (r < 0)
        return r;
    r = scan(&rd, visit_nothing, NULL, &mark);
    if (r == -EINVAL)
        describe(&rd, ret_syntax);
    yaml_parser_delete(&rd.parser);
    return r == -ENOENT ? 0 : r;
}

static bool plain_null(const yaml_event_t *ev)
{
    return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.plain_implicit &&
           ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (ev->data.scalar.length == 0 || scalar_is(ev, "~") || scalar_is(ev, "null") ||
            scalar_is(ev, "Null") || scalar_is(ev, "NULL"));
}

/* The root: the first node, or the end of the first document (no root). */
static bool visit_root(const yaml_event_t *ev, void *ctx)
{
    enum vg_config_node_kind *kind = ctx;
    yaml_event_type_t t = ev->type;
    if (t == YAML_STREAM_END_EVENT || t == YAML_DOCUMENT_END_EVENT || plain_null(ev)) {
        *kind = VG_CONFIG_NODE_NONE;
        return true;
    }
    if (!is_node(t))
        return false;
    *kind = t == YAML_MAPPING_START_EVENT    ? VG_CONFIG_NODE_MAPPING
            : t == YAML_SEQUENCE_START_EVENT ? VG_CONFIG_NODE_SEQUENCE
                                             : VG_CONFIG_NODE_SCALAR;
    return true;
}

int vg_config_root_kind(const uint8_t *text, size_t len, enum vg_config_node_kind *ret_kind)
{
    struct reader rd;
    yaml_mark_t mark;
    enum vg_config_node_kind kind = VG_CONFIG_NODE_NONE;
    int r = reader_init(&rd, text, len);
    if (r < 0)
        return r;
    r = scan(&rd, visit_root, &kind, &mark);
    yaml_parser_delete(&rd.parser);
    if (r < 0)
        return r;
    *ret_kind = kind;
    return 0;
}

struct documents {
    unsigned started;
    bool first_done;
};

static bool visit_second_document(const yaml_event_t *ev, void *ctx)
{
    struct documents *d = ctx;
    if (ev->type == YAML_DOCUMENT_END_EVENT)
        d->first_done = true;
    return ev->type == YAML_DOCUMENT_START_EVENT && ++d->started == 2;
}

int vg_config_locate_extra_document(const uint8_t *text, size_t len, struct vg_config_pos *ret_pos)
{
    struct reader rd;
    yaml_mark_t mark;
    struct documents d = {0};
    int r = reader_init(&rd, text, len);
    if (r < 0)
        return r;
    r = scan(&rd, visit_second_document, &d, &mark);
    if (r == 0) {
        *ret_pos = pos_from_mark(mark);
    } else if (r == -EINVAL && d.first_done) {
        /* Garbage after the first document counts as another one. */
        struct vg_config_syntax syntax;
        describe(&rd, &syntax);
        *ret_pos = syntax.pos;
        r = 0;
    }
    yaml_parser_delete(&rd.parser);
    return r;
}

static bool visit_alias(const yaml_event_t *ev, void *ctx)
{
    (void)ctx;
    return ev->type == YAML_ALIAS_EVENT;
}

int vg_config_locate_alias(const uint8_t *text, size_t len, struct vg_config_pos *ret_pos)
{
    struct reader rd;
    yaml_mark_t mark;
    int r = reader_init(&rd, text, len);
    if (r < 0)
        return r;
    r = scan(&rd, visit_alias, NULL, &mark);
    if (r == 0)
        *ret_pos = pos_from_mark(mark);
    yaml_parser_delete(&rd.parser);
    return r;
}
