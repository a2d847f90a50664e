#include "http/lockout.h"

#include "core/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 96

struct entry {
    char key[KEY_MAX];
    int64_t window_start;
    int64_t locked_until;
    int64_t last_touch;
    unsigned failures;
};

struct vg_lockout {
    unsigned attempts, window_s, duration_s;
    unsigned max_keys, used;
    struct entry *entries;
};

struct vg_lockout *vg_lockout_new(unsigned attempts, unsigned window_s, unsigned duration_s,
                                  unsigned max_keys)
{
    struct vg_lockout *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->entries = calloc(max_keys ? max_keys : 1, sizeof(*l->entries));
    if (!l->entries) {
        free(l);
        return NULL;
    }
    l->attempts = attempts ? attempts : 1;
    l->window_s = window_s;
    l->duration_s = duration_s;
    l->max_keys = max_keys ? max_keys : 1;
    return l;
}

struct vg_lockout *vg_lockout_free(struct vg_lockout *l)
{
    if (l) {
        free(l->entries);
        free(l);
    }
    return NULL;
}

/* Linear scan: the table is small (bounded by max_keys) and only logins touch it. */
static struct entry *find(struct vg_lockout *l, const char *key)
{
    for (unsigned i = 0; i < l->used; i++) {
        if (strncmp(l->entries[i].key, key, KEY_MAX - 1) == 0)
            return &l->entries[i];
    }
    return NULL;
}

static struct entry *find_or_add(struct vg_lockout *l, const char *key, int64_t now)
{
    struct entry *e = find(l, key);
    if (e)
        return e;
    if (l->used < l->max_keys) {
        e = &l->entries[l->used++];
    } else {
        /* Reuse an entry that is not locked, oldest first; if all are locked the
         * oldest lock goes, which an attacker cannot use to unlock a key he
         * chose without first filling the table. */
        e = &l->entries[0];
        for (unsigned i = 1; i < l->used; i++) {
            struct entry *c = &l->entries[i];
            bool c_free = c->locked_until <= now, e_free = e->locked_until <= now;
            if ((c_free && !e_free) || (c_free == e_free && c->last_touch < e->last_touch))
                e = c;
        }
    }
    memset(e, 0, sizeof(*e));
    vg_strlcpy(e->key, sizeof(e->key), key);
    return e;
}

unsigned vg_lockout_remaining(struct vg_lockout *l, const char *key, int64_t now)
{
    struct entry *e = find(l, key);
    if (!e || e->locked_until <= now)
        return 0;
    return (unsigned)(e->locked_until - now);
}

unsigned vg_lockout_fail(struct vg_lockout *l, const char *key, int64_t now)
{
    struct entry *e = find_or_add(l, key, now);
    e->last_touch = now;
    if (e->locked_until > now)
        return (unsigned)(e->locked_until - now);
    if (e->failures == 0 || now - e->window_start >= (int64_t)l->window_s) {
        e->window_start = now;
        e->failures = 0;
    }
    if (++e->failures < l->attempts)
        return 0;
    e->locked_until = now + l->duration_s;
    e->failures = 0;
    return l->duration_s;
}

void vg_lockout_clear(struct vg_lockout *l, const char *key)
{
    struct entry *e = find(l, key);
    if (e) {
        e->failures = 0;
        e->locked_until = 0;
    }
}
