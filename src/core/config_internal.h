/* Shared by the config*.c files only: how loading is split between them.
 *
 *   config.c         public functions; the y_root -> vg_config apply step
 *   config_schema.c  the libcyaml schema and the y_* structs it fills
 *   config_errors.c  libcyaml's log captured, and every "file:line:col: message"
 *   config_values.c  ${VAR} expansion, numbers, booleans, scalar rule tables
 *   config_checks.c  checks on whole values (addresses, origins, URLs, cameras)
 *   config_locate.c  where a path sits in the YAML text, for messages
 *
 * Positions come from libcyaml's backtrace for shape errors and from
 * config_locate.c for value errors; the locator only runs when there is an
 * error to report. */
#pragma once

#include <cyaml/cyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/config_locate.h"

/* ---- where a value sits ----------------------------------------------------------------- */

/* A value named by its keys and indexes from the root, e.g. cameras[2].main_url. */
struct path {
    struct vg_config_step step[VG_CONFIG_PATH_MAX];
    unsigned depth;
};

/* base with one more step; steps past VG_CONFIG_PATH_MAX are dropped. key is
 * borrowed and must outlive the result. */
static inline struct path path_key(const struct path *base, const char *key)
{
    struct path p = *base;
    if (p.depth < VG_CONFIG_PATH_MAX)
        p.step[p.depth++] = (struct vg_config_step){.key = key};
    return p;
}

static inline struct path path_index(const struct path *base, unsigned index)
{
    struct path p = *base;
    if (p.depth < VG_CONFIG_PATH_MAX)
        p.step[p.depth++] = (struct vg_config_step){.index = index};
    return p;
}

/* One load in progress. Borrows name, text and err from the caller. */
struct loader {
    const char *name;
    const uint8_t *text;
    size_t len;
    char *err;
    size_t errlen;
    bool have_fallback; /* where to point when a path cannot be found */
    struct vg_config_pos fallback;
};

/* ---- config_errors.c: libcyaml's log, turned back into data ----------------------------- */

enum frame_kind { FRAME_MAPPING, FRAME_FIELD, FRAME_ENTRY };

struct frame {
    enum frame_kind kind;
    char key[48];
    unsigned index;
    bool has_pos;
    struct vg_config_pos pos;
};

#define FRAMES_MAX 16

/* On an error libcyaml logs one message, then "Backtrace:" and one line per
 * nesting level, innermost first, e.g. "  in mapping field 'server' (line: 3,
 * column: 5)". */
struct capture {
    char msg[1280]; /* room for any implicit key: YAML caps those at 1024 characters */
    bool have_msg;
    bool in_backtrace;
    bool extra_document;
    struct frame frames[FRAMES_MAX];
    unsigned nframes;
};

/* A cyaml_log_fn_t; ctx is a zeroed struct capture. */
void vg_config_capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args);

/* Turns what libcyaml said about failure e into one message in ld->err.
 * Returns -ENOMEM for e == CYAML_ERR_OOM (and when checking the syntax runs
 * out of memory), otherwise -EINVAL. */
int vg_config_cyaml_failure(struct loader *ld, struct capture *cap, cyaml_err_t e);

/* Writes "name:line:col: msg" (or "name: msg" when pos is NULL) into ld->err
 * and returns -EINVAL. */
int vg_config_report(struct loader *ld, const struct vg_config_pos *pos, const char *msg);

/* Reports a message positioned at what p leads to. Returns -EINVAL. */
__attribute__((format(printf, 4, 5))) int vg_config_fail_at(struct loader *ld, const struct path *p,
                                                            enum vg_config_find what,
                                                            const char *fmt, ...);

/* "<where> <problem>", positioned at the value. Returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int
vg_config_fail_value(struct loader *ld, const struct path *p, const char *fmt, ...);

/* s, or its start followed by "..." written into buf when it does not fit.
 * Values quoted in messages are cut short; secrets are never quoted at all. */
const char *vg_config_shorten(const char *s, char *buf, size_t buflen);

/* ---- config_values.c: strings into typed values ----------------------------------------- */

/* Expands ${VAR} in *s (replacing it), then checks it is a sane one-line string.
 * Returns 0, -EINVAL (reported) or -ENOMEM. */
int vg_config_take_text(struct loader *ld, const struct path *p, char **s);

/* vg_config_take_text() for a string that stays where libcyaml put it: NULL is
 * left alone and empty becomes NULL. */
int vg_config_take_optional_in_place(struct loader *ld, const struct path *p, char **s);

/* Checks each entry of the list, then moves it from *src into *dst (which must
 * be empty), leaving *src NULL. */
int vg_config_take_list(struct loader *ld, const struct path *p, char ***src, unsigned *src_count,
                        char ***dst, unsigned *dst_count);

/* K_GB: a decimal number of gigabytes ("0.5"), stored as bytes (uint64_t). */
enum kind { K_STR, K_OPT_STR, K_UINT, K_BOOL, K_GB };

/* One scalar key: where libcyaml put it and where it goes. */
struct rule {
    const char *key;
    enum kind kind;
    size_t from;    /* char * in the y_ struct */
    size_t to;      /* field in the destination struct */
    size_t to_size; /* K_UINT: 2 or 4 */
    uint32_t min, max;
};

#define RULE(k, kd, ys, ym, ds, dm, lo, hi)                                                        \
    {                                                                                              \
        .key = k, .kind = kd, .from = offsetof(ys, ym), .to = offsetof(ds, dm),                    \
        .to_size = sizeof(((ds *)0)->dm), .min = lo, .max = hi                                     \
    }

/* Applies n rules from the y_ struct ysec (whose strings are moved out) to dst,
 * naming keys under base in messages. Returns 0, -EINVAL (reported) or -ENOMEM. */
int vg_config_apply_rules(struct loader *ld, const struct path *base, void *ysec, void *dst,
                          const struct rule *rules, size_t n);

/* ---- config_checks.c -------------------------------------------------------------------- */

/* Checks what only makes sense on the whole config (after every value is in
 * place). Returns 0 or -EINVAL (reported). */
int vg_config_check(struct loader *ld, const struct vg_config *cfg);
