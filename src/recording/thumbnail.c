#include "recording/thumbnail.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recording/segment_read.h"

struct entry {
    int64_t segment_id;
    size_t sample;
    unsigned width;
    uint64_t used; /* the cache's clock when last used: the oldest goes first */
    struct vg_jpeg *jpeg;
};

struct vg_thumbs {
    pthread_mutex_t lock;
    struct entry *entries;
    unsigned count;
    uint64_t clock;
};

int vg_thumbs_new(unsigned entries, struct vg_thumbs **ret)
{
    struct vg_thumbs *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->entries = calloc(entries ? entries : 1, sizeof(*t->entries));
    if (!t->entries) {
        free(t);
        return -ENOMEM;
    }
    t->count = entries ? entries : 1;
    pthread_mutex_init(&t->lock, NULL);
    *ret = t;
    return 0;
}

struct vg_thumbs *vg_thumbs_free(struct vg_thumbs *t)
{
    if (!t)
        return NULL;
    for (unsigned i = 0; i < t->count; i++)
        vg_jpeg_unref(&t->entries[i].jpeg);
    free(t->entries);
    pthread_mutex_destroy(&t->lock);
    free(t);
    return NULL;
}

static struct vg_jpeg *lookup(struct vg_thumbs *t, int64_t id, size_t sample, unsigned width)
{
    struct vg_jpeg *j = NULL;
    pthread_mutex_lock(&t->lock);
    for (unsigned i = 0; i < t->count; i++) {
        struct entry *e = &t->entries[i];
        if (e->jpeg && e->segment_id == id && e->sample == sample && e->width == width) {
            e->used = ++t->clock;
            j = vg_jpeg_ref(e->jpeg);
            break;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return j;
}

static void store(struct vg_thumbs *t, int64_t id, size_t sample, unsigned width,
                  struct vg_jpeg *jpeg)
{
    pthread_mutex_lock(&t->lock);
    struct entry *victim = &t->entries[0];
    for (unsigned i = 0; i < t->count; i++) {
        if (!t->entries[i].jpeg) {
            victim = &t->entries[i];
            break;
        }
        if (t->entries[i].used < victim->used)
            victim = &t->entries[i];
    }
    vg_jpeg_unref(&victim->jpeg);
    *victim = (struct entry){.segment_id = id,
                             .sample = sample,
                             .width = width,
                             .used = ++t->clock,
                             .jpeg = vg_jpeg_ref(jpeg)};
    pthread_mutex_unlock(&t->lock);
}

static int track_params(const struct vg_mp4_track *v, struct vg_track_params *p)
{
    if (strcmp(v->format, "avc1") == 0 || strcmp(v->format, "avc3") == 0)
        p->codec = VG_CODEC_H264;
    else if (strcmp(v->format, "hvc1") == 0 || strcmp(v->format, "hev1") == 0)
        p->codec = VG_CODEC_H265;
    else
        return -ENOTSUP;
    p->timescale = v->timescale;
    p->width = v->width;
    p->height = v->height;
    p->config = v->config;
    p->config_len = v->config_len;
    return 0;
}

static int read_sample(const char *path, const struct vg_mp4_sample *s, uint8_t **ret)
{
    uint8_t *buf = malloc(s->size ? s->size : 1);
    if (!buf)
        return -ENOMEM;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int r = fd < 0 ? -errno : 0;
    if (r == 0) {
        ssize_t n = pread(fd, buf, s->size, (off_t)s->offset);
        r = n < 0 ? -errno : (size_t)n != s->size ? -ENODATA : 0;
        close(fd);
    }
    if (r < 0) {
        free(buf);
        return r;
    }
    *ret = buf;
    return 0;
}

int vg_thumbs_make(struct vg_thumbs *t, int64_t segment_id, const char *path, int64_t start_ms,
                   int64_t at_ms, unsigned width, struct vg_jpeg **ret_jpeg)
{
    struct vg_mp4_file f = {0};
    uint64_t size;
    uint8_t *data = NULL;
    struct vg_track_params tp = {0};
    int r = vg_segment_read(path, &f, &size);
    if (r == 0 && (!f.video.track_id || !f.video.count))
        r = -ENOENT;
    size_t k = r == 0 ? vg_segment_keyframe_at(&f, start_ms, &f.video, at_ms) : 0;
    if (r == 0 && k == f.video.count)
        r = -ENOENT;
    if (r == 0) {
        struct vg_jpeg *hit = lookup(t, segment_id, k, width);
        if (hit) {
            *ret_jpeg = hit;
            goto out;
        }
    }
    r = r ? r : track_params(&f.video, &tp);
    r = r ? r : read_sample(path, &f.video.samples[k], &data);
    if (r == 0) {
        const struct vg_mp4_sample *s = &f.video.samples[k];
        int64_t pts90k = (s->dts + s->cto) * 90000 / f.video.timescale;
        r = vg_jpeg_from_keyframe(&tp, data, s->size, pts90k, width, ret_jpeg);
    }
    if (r == 0)
        store(t, segment_id, k, width, *ret_jpeg);
out:
    free(data);
    vg_mp4_file_done(&f);
    return r;
}
