#include "recording/repair.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "recording/segment_read.h"
#include "recording/writer.h"
#include "store/segments.h"

static void drop(struct vg_db *db, const char *dir, const struct vg_segment *s, const char *path,
                 const char *why)
{
    vg_log_write(VG_LOG_WARN, "recording", s->camera_id, "removed %s after a crash: %s", s->path,
                 why);
    vg_segment_file_remove(dir, path);
    vg_segments_delete(db, s->id);
}

static void repair_one(struct vg_db *db, const char *dir, const struct vg_segment *s)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, s->path);
    struct vg_mp4_file f = {0};
    uint64_t size = 0;
    int r = vg_segment_read(path, &f, &size);
    const struct vg_mp4_track *t = r == 0 ? vg_segment_primary(&f) : NULL;
    if (r < 0 || !t || f.fragments == 0 || !t->count) {
        drop(db, dir, s, path, r < 0 ? strerror(-r) : "no whole fragment");
        vg_mp4_file_done(&f);
        return;
    }
    if (f.valid_len < size && truncate(path, (off_t)f.valid_len) < 0)
        vg_log_write(VG_LOG_WARN, "recording", s->camera_id, "cannot cut %s: %s", s->path,
                     strerror(errno));
    int64_t end = s->start_ms + vg_segment_track_ms(t);
    r = vg_segments_finish(db, s->id, end, f.valid_len, false);
    if (r < 0)
        vg_log_write(VG_LOG_ERROR, "recording", s->camera_id, "cannot index %s: %s", s->path,
                     strerror(-r));
    else
        vg_log_write(VG_LOG_INFO, "recording", s->camera_id,
                     "repaired %s: %u fragments, %.1f s kept, %llu bytes cut", s->path, f.fragments,
                     (double)(end - s->start_ms) / 1000, (unsigned long long)(size - f.valid_len));
    vg_mp4_file_done(&f);
}

int vg_recording_repair(struct vg_db *db, const char *dir)
{
    struct vg_segment *rows = NULL;
    size_t n = 0;
    int r = vg_segments_open_rows(db, &rows, &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++)
        repair_one(db, dir, &rows[i]);
    free(rows);
    return (int)n;
}
