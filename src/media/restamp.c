#include "media/restamp.h"

int64_t vg_restamp_map(struct vg_restamp *r, int64_t ts, int64_t step, uint32_t scale, bool guessed)
{
    if (r->have) {
        int64_t next = ts + r->offset;
        if (next <= r->last || next - r->last > (int64_t)scale * 10 || guessed != r->guessed)
            r->offset = r->last + step - ts;
    }
    r->last = ts + r->offset;
    r->have = true;
    r->guessed = guessed;
    return r->last;
}
