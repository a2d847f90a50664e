/* Login lockout: after N failures for one key (a username or a client address)
 * within a window, the key is locked for a while. In memory, bounded. Pure but
 * for the clock, which the caller passes in. */
#pragma once

#include <stdint.h>

struct vg_lockout;

/* Returns NULL on allocation failure. max_keys bounds memory: when full, the
 * entry idle longest is reused. */
struct vg_lockout *vg_lockout_new(unsigned attempts, unsigned window_s, unsigned duration_s,
                                  unsigned max_keys);
struct vg_lockout *vg_lockout_free(struct vg_lockout *l);

/* Seconds the key stays locked (0: not locked). */
unsigned vg_lockout_remaining(struct vg_lockout *l, const char *key, int64_t now);
/* Records a failure; returns the seconds locked when this failure locks the key. */
unsigned vg_lockout_fail(struct vg_lockout *l, const char *key, int64_t now);
/* Forgets the key's failures (after a successful login). */
void vg_lockout_clear(struct vg_lockout *l, const char *key);
