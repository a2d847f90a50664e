#include "recording/segment_read.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_at(void *arg, uint64_t offset, uint8_t *buf, size_t len)
{
    int fd = *(int *)arg;
    while (len) {
        ssize_t n = pread(fd, buf, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ENODATA;
        buf += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int vg_segment_read(const char *path, struct vg_mp4_file *ret, uint64_t *ret_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    int r = fstat(fd, &st) < 0 ? -errno : 0;
    if (r == 0)
        r = vg_mp4_read(read_at, &fd, (uint64_t)st.st_size, ret);
    if (r == 0)
        *ret_size = (uint64_t)st.st_size;
    close(fd);
    return r;
}

const struct vg_mp4_track *vg_segment_primary(const struct vg_mp4_file *f)
{
    if (f->video.track_id)
        return &f->video;
    if (f->audio.track_id)
        return &f->audio;
    return NULL;
}

int64_t vg_segment_track_ms(const struct vg_mp4_track *t)
{
    if (!t->count || !t->timescale)
        return 0;
    return (vg_mp4_track_end(t) - t->samples[0].dts) * 1000 / t->timescale;
}

int64_t vg_segment_sample_ms(const struct vg_mp4_file *f, int64_t start_ms,
                             const struct vg_mp4_track *t, const struct vg_mp4_sample *s)
{
    const struct vg_mp4_track *p = vg_segment_primary(f);
    int64_t origin = p->samples[0].dts;
    if (t != p) /* the primary's origin in this track's timescale */
        origin = origin * (int64_t)t->timescale / (int64_t)p->timescale;
    return start_ms + (s->dts - origin) * 1000 / (int64_t)t->timescale;
}

size_t vg_segment_keyframe_at(const struct vg_mp4_file *f, int64_t start_ms,
                              const struct vg_mp4_track *t, int64_t at_ms)
{
    size_t pick = t->count;
    for (size_t i = 0; i < t->count; i++) {
        if (!t->samples[i].key)
            continue;
        int64_t ms = vg_segment_sample_ms(f, start_ms, t, &t->samples[i]);
        if (pick < t->count && ms > at_ms)
            break;
        pick = i;
        if (ms > at_ms)
            break;
    }
    return pick;
}
