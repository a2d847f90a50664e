/* Reading request bodies field by field. Each reader returns true when the field
 * is present and valid; on a wrong type or value it records the first error in
 * the body and returns false, so a handler reads every field and then checks
 * b->failed once. Pure over jansson objects; used by the fuzzer too. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/users.h"

struct vg_body {
    json_t *obj; /* borrowed */
    bool failed;
    char err[256];
};

void vg_body_init(struct vg_body *b, json_t *obj);
/* Records an error (first one wins). */
void vg_body_fail(struct vg_body *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fails on keys in neither allowed nor ignored (both NULL-terminated; ignored may
 * be NULL). Ignored keys are output-only fields a client may send back. */
void vg_body_only_keys(struct vg_body *b, const char *const *allowed, const char *const *ignored);

/* String of 0..maxlen bytes without control characters. required: absent fails. */
bool vg_body_string(struct vg_body *b, const char *key, size_t maxlen, bool required,
                    const char **ret);
bool vg_body_bool(struct vg_body *b, const char *key, bool *ret);
bool vg_body_uint(struct vg_body *b, const char *key, unsigned min, unsigned max, unsigned *ret);
/* A row id: a whole number from 1 to INT64_MAX. */
bool vg_body_id(struct vg_body *b, const char *key, int64_t *ret);
/* Array of at most max_items strings of 1..maxlen bytes; *ret replaced (old list freed). */
bool vg_body_strlist(struct vg_body *b, const char *key, size_t max_items, size_t maxlen,
                     struct vg_strlist *ret);

/* Replaces *field with a copy of value; records an allocation failure. */
void vg_body_set_string(struct vg_body *b, char **field, const char *value);
