#include "recording/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_parents(const char *path)
{
    char dir[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof(dir))
        return -ENAMETOOLONG;
    memcpy(dir, path, n + 1);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0750) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        if (w == 0)
            return -EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int vg_segment_file_create(const char *path, const uint8_t *init, size_t init_len, int *ret_fd)
{
    int r = make_parents(path);
    if (r < 0)
        return r;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    r = write_all(fd, init, init_len);
    if (r < 0) {
        close(fd);
        unlink(path);
        return r;
    }
    *ret_fd = fd;
    return 0;
}

int vg_segment_file_append(int fd, uint64_t size, const struct iovec *iov, size_t iovcnt,
                           uint64_t total)
{
    struct iovec local[64];
    size_t i = 0, skip = 0; /* bytes of iov[i] already written */
    uint64_t done = 0;
    int r = 0;
    while (done < total && i < iovcnt) {
        size_t n = 0;
        for (size_t j = i; j < iovcnt && n < 64; j++, n++)
            local[n] = iov[j];
        local[0].iov_base = (uint8_t *)local[0].iov_base + skip;
        local[0].iov_len -= skip;
        ssize_t w = writev(fd, local, (int)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            r = w < 0 ? -errno : -EIO;
            break;
        }
        done += (uint64_t)w;
        size_t left = (size_t)w;
        while (left && i < iovcnt) {
            size_t avail = iov[i].iov_len - skip;
            if (left < avail) {
                skip += left;
                left = 0;
            } else {
                left -= avail;
                skip = 0;
                i++;
            }
        }
    }
    if (r == 0 && done != total)
        r = -EIO;
    /* A half-written fragment would end the file in the middle of a box: cut it
     * off so the file stays whole (repair would do it too, but not until the
     * next start). */
    if (r < 0 && ftruncate(fd, (off_t)size) < 0)
        return r;
    if (r < 0)
        lseek(fd, (off_t)size, SEEK_SET);
    return r;
}

int vg_segment_file_close(int fd)
{
    int r = fdatasync(fd) < 0 ? -errno : 0;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    return r;
}

int vg_segment_file_remove(const char *root, const char *path)
{
    if (unlink(path) < 0 && errno != ENOENT)
        return -errno;
    char dir[PATH_MAX];
    size_t rootlen = strlen(root), n = strlen(path);
    /* Below root: "/rec" is not above "/rec2/cam/day/f.mp4". */
    if (n >= sizeof(dir) || strncmp(path, root, rootlen) != 0 ||
        (rootlen && root[rootlen - 1] != '/' && path[rootlen] != '/'))
        return 0;
    memcpy(dir, path, n + 1);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) <= rootlen)
            break;
        *slash = '\0';
        if (rmdir(dir) < 0)
            break; /* not empty, or gone: either way done */
    }
    return 0;
}
