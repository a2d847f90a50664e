/* The disk side of recording: what runs on the writer thread. Each function
 * is one blocking file operation on a segment, reported as a negative errno,
 * so that the loop never waits for the disk and a failed write always leaves
 * a file that ends at a fragment boundary. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Makes the directories above path (mode 0750) and creates the file (0640,
 * never replacing one), writing init. Returns 0 and the descriptor in
 * *ret_fd, or a negative errno (no file left behind; directories made stay). */
int vg_segment_file_create(const char *path, const uint8_t *init, size_t init_len, int *ret_fd);

/* Appends the iov buffers (total bytes). On failure the file is cut back to
 * size so it still ends after its last whole fragment. Returns 0 or a
 * negative errno (-ENOSPC, -EIO, ...). */
int vg_segment_file_append(int fd, uint64_t size, const struct iovec *iov, size_t iovcnt,
                           uint64_t total);

/* Flushes the data to the disk and closes fd. Returns 0 or a negative errno
 * (the descriptor is closed either way). */
int vg_segment_file_close(int fd);

/* Removes path, then its directory and the one above it when they are empty
 * and below root (a day's and a camera's folders). Returns 0 or a negative
 * errno (-ENOENT counts as done). */
int vg_segment_file_remove(const char *root, const char *path);
