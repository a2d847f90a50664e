/* The disk side of recording (recording/writer.c): creating a segment file
 * with its folders, appending fragments whole or not at all, and removing a
 * file with the folders it leaves empty. Each test works in its own temporary
 * directory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recording/writer.h"

static char root[64];

static void setup(void)
{
    umask(022);
    snprintf(root, sizeof(root), "/tmp/vigil-writer-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Removes path and everything below it. */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void teardown(void)
{
    remove_tree(root);
    char sibling[80];
    snprintf(sibling, sizeof(sibling), "%s-sibling", root);
    remove_tree(sibling);
}

TestSuite(segment_writer, .init = setup, .fini = teardown);

static void in_root(char *out, size_t len, const char *rel)
{
    int n = snprintf(out, len, "%s/%s", root, rel);
    cr_assert(n > 0 && (size_t)n < len);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static bool exists_in_root(const char *rel)
{
    char p[PATH_MAX];
    in_root(p, sizeof(p), rel);
    return exists(p);
}

static off_t file_size(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return st.st_size;
}

/* Reads a whole small file into buf; returns its length. */
static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "%s", path);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        cr_assert_geq(r, 0);
        if (r == 0)
            break;
        n += (size_t)r;
        cr_assert_lt(n, cap, "file larger than expected");
    }
    close(fd);
    return n;
}

static void write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0, "%s", path);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Byte i of the test stream. */
static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 31 + 7 + (i >> 8));
}

/* ---- create ---- */

Test(segment_writer, create_makes_the_folders_and_writes_init)
{
    char path[PATH_MAX];
    in_root(path, sizeof(path), "gate/2026-11-21/100000.mp4");
    const uint8_t init[] = "ftyp-moov";
    int fd = -1;
    cr_assert_eq(vg_segment_file_create(path, init, sizeof(init), &fd), 0);
    cr_assert_geq(fd, 0);
    cr_expect_eq(vg_segment_file_close(fd), 0);

    uint8_t buf[64];
    cr_assert_eq(read_file(path, buf, sizeof(buf)), sizeof(init));
    cr_expect_arr_eq(buf, init, sizeof(init));

    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0640);
    char d[PATH_MAX];
    in_root(d, sizeof(d), "gate/2026-11-21");
    cr_assert_eq(stat(d, &st), 0);
    cr_expect(S_ISDIR(st.st_mode));
    cr_expect_eq(st.st_mode & 0777, 0750);
    in_root(d, sizeof(d), "gate");
    cr_assert_eq(stat(d, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0750);
}

Test(segment_writer, create_in_existing_folders_and_with_an_empty_init)
{
    char a[PATH_MAX], b[PATH_MAX];
    in_root(a, sizeof(a), "gate/day/a.mp4");
    in_root(b, sizeof(b), "gate/day/b.mp4");
    int fd;
    cr_assert_eq(vg_segment_file_create(a, (const uint8_t *)"x", 1, &fd), 0);
    cr_expect_eq(vg_segment_file_close(fd), 0);
    cr_assert_eq(vg_segment_file_create(b, NULL, 0, &fd), 0);
    cr_expect_eq(vg_segment_file_close(fd), 0);
    cr_expect_eq(file_size(b), 0);
    cr_expect_eq(file_size(a), 1);
}

Test(segment_writer, create_never_replaces_a_file)
{
    char path[PATH_MAX];
    in_root(path, sizeof(path), "gate/day/a.mp4");
    int fd;
    cr_assert_eq(vg_segment_file_create(path, (const uint8_t *)"first", 5, &fd), 0);
    cr_expect_eq(vg_segment_file_close(fd), 0);

    fd = -7;
    cr_expect_eq(vg_segment_file_create(path, (const uint8_t *)"second!", 7, &fd), -EEXIST);
    cr_expect_eq(fd, -7);
    uint8_t buf[16];
    cr_assert_eq(read_file(path, buf, sizeof(buf)), 5);
    cr_expect_arr_eq(buf, "first", 5);
}

Test(segment_writer, create_refuses_a_file_in_the_place_of_a_folder)
{
    char f[PATH_MAX], path[PATH_MAX];
    in_root(f, sizeof(f), "gate");
    write_text(f, "not a folder");
    in_root(path, sizeof(path), "gate/day/a.mp4");
    int fd = -7;
    cr_expect_eq(vg_segment_file_create(path, (const uint8_t *)"x", 1, &fd), -ENOTDIR);
    cr_expect_eq(fd, -7);
}

Test(segment_writer, create_refuses_a_path_too_long)
{
    static char path[PATH_MAX + 16];
    memset(path, 'a', sizeof(path) - 1);
    path[0] = '/';
    int fd = -7;
    cr_expect_eq(vg_segment_file_create(path, (const uint8_t *)"x", 1, &fd), -ENAMETOOLONG);
    cr_expect_eq(fd, -7);
}

Test(segment_writer, create_refuses_an_existing_folder)
{
    char path[PATH_MAX];
    in_root(path, sizeof(path), "gate/day");
    char g[PATH_MAX];
    in_root(g, sizeof(g), "gate");
    cr_assert_eq(mkdir(g, 0750), 0);
    cr_assert_eq(mkdir(path, 0750), 0);
    int fd = -7;
    cr_expect_eq(vg_segment_file_create(path, NULL, 0, &fd), -EEXIST);
    cr_expect_eq(fd, -7);
}

/* ---- append ---- */

/* n buffers of varied sizes (some empty) over one pattern stream. */
struct bufs {
    struct iovec iov[300];
    size_t n;
    uint64_t total;
    uint8_t *data;
};

static void make_bufs(struct bufs *b, size_t n, uint64_t offset)
{
    cr_assert_leq(n, sizeof(b->iov) / sizeof(b->iov[0]));
    size_t lens[300], total = 0;
    for (size_t i = 0; i < n; i++) {
        lens[i] = i % 7 == 3 ? 0 : 1 + (i * 37) % 401;
        total += lens[i];
    }
    b->data = malloc(total ? total : 1);
    cr_assert_not_null(b->data);
    for (size_t i = 0; i < total; i++)
        b->data[i] = pattern(offset + i);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        b->iov[i] = (struct iovec){.iov_base = b->data + at, .iov_len = lens[i]};
        at += lens[i];
    }
    b->n = n;
    b->total = total;
}

static int create_with_init(const char *rel, size_t init_len, char *path, size_t path_len)
{
    in_root(path, path_len, rel);
    uint8_t *init = malloc(init_len ? init_len : 1);
    cr_assert_not_null(init);
    for (size_t i = 0; i < init_len; i++)
        init[i] = pattern(i);
    int fd = -1;
    cr_assert_eq(vg_segment_file_create(path, init, init_len, &fd), 0);
    free(init);
    return fd;
}

static void expect_pattern_file(const char *path, uint64_t len)
{
    cr_assert_eq(file_size(path), (off_t)len);
    uint8_t *buf = malloc(len + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(read_file(path, buf, len + 1), len);
    for (uint64_t i = 0; i < len; i++)
        if (buf[i] != pattern(i))
            cr_assert_fail("byte %llu of %s differs", (unsigned long long)i, path);
    free(buf);
}

Test(segment_writer, append_writes_every_buffer_in_order)
{
    char path[PATH_MAX];
    int fd = create_with_init("gate/day/a.mp4", 100, path, sizeof(path));
    struct bufs b;
    make_bufs(&b, 5, 100);
    cr_expect_eq(vg_segment_file_append(fd, 100, b.iov, b.n, b.total), 0);
    uint64_t size = 100 + b.total;
    free(b.data);
    /* More buffers than one writev takes. */
    make_bufs(&b, 300, size);
    cr_expect_eq(vg_segment_file_append(fd, size, b.iov, b.n, b.total), 0);
    size += b.total;
    free(b.data);
    cr_expect_eq(vg_segment_file_close(fd), 0);
    expect_pattern_file(path, size);
}

Test(segment_writer, append_of_exactly_64_and_65_buffers)
{
    char path[PATH_MAX];
    int fd = create_with_init("gate/day/a.mp4", 0, path, sizeof(path));
    uint64_t size = 0;
    size_t counts[] = {64, 65, 128, 129, 1};
    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        struct bufs b;
        make_bufs(&b, counts[k], size);
        cr_expect_eq(vg_segment_file_append(fd, size, b.iov, b.n, b.total), 0, "%zu", counts[k]);
        size += b.total;
        free(b.data);
    }
    cr_expect_eq(vg_segment_file_close(fd), 0);
    expect_pattern_file(path, size);
}

Test(segment_writer, append_of_nothing_is_done)
{
    char path[PATH_MAX];
    int fd = create_with_init("gate/day/a.mp4", 10, path, sizeof(path));
    cr_expect_eq(vg_segment_file_append(fd, 10, NULL, 0, 0), 0);
    struct iovec empty[3] = {{.iov_base = NULL, .iov_len = 0}};
    cr_expect_eq(vg_segment_file_append(fd, 10, empty, 3, 0), 0);
    cr_expect_eq(vg_segment_file_close(fd), 0);
    expect_pattern_file(path, 10);
}

Test(segment_writer, append_short_of_its_total_is_an_error_and_cut_back)
{
    char path[PATH_MAX];
    int fd = create_with_init("gate/day/a.mp4", 10, path, sizeof(path));
    struct bufs b;
    make_bufs(&b, 3, 10);
    /* The buffers hold less than total claims. */
    cr_expect_eq(vg_segment_file_append(fd, 10, b.iov, b.n, b.total + 5), -EIO);
    free(b.data);
    cr_expect_eq(file_size(path), 10);
    cr_expect_eq(lseek(fd, 0, SEEK_CUR), 10);
    cr_expect_eq(vg_segment_file_close(fd), 0);
}

Test(segment_writer, append_to_a_full_device_is_enospc)
{
    int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    struct bufs b;
    make_bufs(&b, 70, 0);
    cr_expect_eq(vg_segment_file_append(fd, 1000, b.iov, b.n, b.total), -ENOSPC);
    free(b.data);
    close(fd);
}

Test(segment_writer, append_to_a_closed_pipe_is_epipe)
{
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    close(p[0]);
    struct bufs b;
    make_bufs(&b, 10, 0);
    cr_expect_eq(vg_segment_file_append(p[1], 0, b.iov, b.n, b.total), -EPIPE);
    free(b.data);
    close(p[1]);
}

Test(segment_writer, append_to_a_bad_descriptor_is_ebadf)
{
    struct bufs b;
    make_bufs(&b, 2, 0);
    cr_expect_eq(vg_segment_file_append(-1, 0, b.iov, b.n, b.total), -EBADF);
    free(b.data);
}

/* What the child of the size-limit test reports: 0 or the failing step. */
static int limited_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    if (lseek(fd, 0, SEEK_END) != 100)
        return 2;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    if (getrlimit(RLIMIT_FSIZE, &old) < 0)
        return 3;
    lim = old;
    lim.rlim_cur = 2500;
    if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
        return 4;

    /* ~22 kB over 100 buffers: the first writev stops at the limit part way
     * through a buffer, the next fails with EFBIG. */
    struct bufs b;
    make_bufs(&b, 100, 100);
    if (b.total <= 2500)
        return 5;
    int r = vg_segment_file_append(fd, 100, b.iov, b.n, b.total);
    free(b.data);
    if (r != -EFBIG)
        return 6;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size != 100)
        return 7;
    if (lseek(fd, 0, SEEK_CUR) != 100)
        return 8;

    /* Under the limit the next fragment lands right after the last whole one. */
    make_bufs(&b, 10, 100);
    if (b.total > 2400)
        return 9;
    r = vg_segment_file_append(fd, 100, b.iov, b.n, b.total);
    uint64_t total = b.total;
    free(b.data);
    if (r != 0)
        return 10;
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != 100 + total)
        return 11;
    if (setrlimit(RLIMIT_FSIZE, &old) < 0)
        return 12;
    return vg_segment_file_close(fd) == 0 ? 0 : 13;
}

Test(segment_writer, append_failing_part_way_cuts_the_file_back_to_size)
{
    char path[PATH_MAX];
    int fd = create_with_init("gate/day/a.mp4", 100, path, sizeof(path));
    cr_assert_eq(vg_segment_file_close(fd), 0);

    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(limited_append(path));
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "child killed by signal %d", WTERMSIG(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "child failed at step %d", WEXITSTATUS(status));

    /* The init, then the one fragment that fitted, and nothing of the failed one. */
    struct bufs b;
    make_bufs(&b, 10, 100);
    uint64_t total = b.total;
    free(b.data);
    expect_pattern_file(path, 100 + total);
}

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
    (void)sig;
    ticks++;
}

/* Reads len bytes slowly from fd and checks them against the pattern from
 * offset 0. Returns 0 or the failing step. */
static int slow_reader(int fd, uint64_t len)
{
    uint8_t buf[1500];
    uint64_t at = 0;
    while (at < len) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 1;
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != pattern(at + (uint64_t)i))
                return 2;
        at += (uint64_t)r;
        usleep(200);
    }
    return read(fd, buf, 1) == 0 ? 0 : 3;
}

Test(segment_writer, append_goes_on_after_partial_writes)
{
    /* A stream socket with a small buffer, drained slowly, and a timer that
     * interrupts writev: it then returns part of what it was given (or EINTR
     * when nothing went), and append must carry on from the right byte. */
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));

    struct bufs b;
    make_bufs(&b, 300, 0);
    uint64_t total = b.total;
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(sv[0]);
        _exit(slow_reader(sv[1], total * 2));
    }
    close(sv[1]);

    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval it = {.it_interval = {.tv_usec = 700}, .it_value = {.tv_usec = 700}};
    cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);

    int r1 = vg_segment_file_append(sv[0], 0, b.iov, b.n, b.total);
    free(b.data);
    make_bufs(&b, 300, total);
    int r2 = vg_segment_file_append(sv[0], 0, b.iov, b.n, b.total);
    free(b.data);

    struct itimerval off = {0};
    setitimer(ITIMER_REAL, &off, NULL);
    close(sv[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        cr_assert_eq(errno, EINTR);
    cr_expect_eq(r1, 0);
    cr_expect_eq(r2, 0);
    cr_expect_gt(ticks, 0, "the timer never fired");
    cr_assert(WIFEXITED(status));
    cr_expect_eq(WEXITSTATUS(status), 0, "reader failed at step %d", WEXITSTATUS(status));
}

/* ---- close ---- */

Test(segment_writer, close_of_a_bad_descriptor_is_an_error)
{
    cr_expect_eq(vg_segment_file_close(-1), -EBADF);
}

/* ---- remove ---- */

static void make_file(const char *rel)
{
    char path[PATH_MAX];
    in_root(path, sizeof(path), rel);
    int fd;
    cr_assert_eq(vg_segment_file_create(path, (const uint8_t *)"x", 1, &fd), 0, "%s", rel);
    cr_assert_eq(vg_segment_file_close(fd), 0);
}

static int remove_rel(const char *rel)
{
    char path[PATH_MAX];
    in_root(path, sizeof(path), rel);
    return vg_segment_file_remove(root, path);
}

Test(segment_writer, remove_deletes_the_file_and_its_empty_folders)
{
    make_file("gate/2026-11-21/100000.mp4");
    cr_expect_eq(remove_rel("gate/2026-11-21/100000.mp4"), 0);
    cr_expect_not(exists_in_root("gate/2026-11-21/100000.mp4"));
    cr_expect_not(exists_in_root("gate/2026-11-21"));
    cr_expect_not(exists_in_root("gate"));
    cr_expect(exists(root), "the root is never removed");
}

Test(segment_writer, remove_keeps_a_day_with_other_files)
{
    make_file("gate/day/a.mp4");
    make_file("gate/day/b.mp4");
    cr_expect_eq(remove_rel("gate/day/a.mp4"), 0);
    cr_expect_not(exists_in_root("gate/day/a.mp4"));
    cr_expect(exists_in_root("gate/day/b.mp4"));
    cr_expect(exists_in_root("gate/day"));
    cr_expect_eq(remove_rel("gate/day/b.mp4"), 0);
    cr_expect_not(exists_in_root("gate"));
}

Test(segment_writer, remove_keeps_a_camera_with_other_days)
{
    make_file("gate/day1/a.mp4");
    make_file("gate/day2/a.mp4");
    cr_expect_eq(remove_rel("gate/day1/a.mp4"), 0);
    cr_expect_not(exists_in_root("gate/day1"));
    cr_expect(exists_in_root("gate/day2/a.mp4"));
    cr_expect(exists_in_root("gate"));
}

Test(segment_writer, remove_never_goes_above_the_camera_folder)
{
    make_file("a/b/c/d.mp4");
    cr_expect_eq(remove_rel("a/b/c/d.mp4"), 0);
    cr_expect_not(exists_in_root("a/b/c"));
    cr_expect_not(exists_in_root("a/b"));
    cr_expect(exists_in_root("a"), "only two folders up");
}

Test(segment_writer, remove_of_a_file_in_the_root_keeps_the_root)
{
    make_file("a.mp4");
    cr_expect_eq(remove_rel("a.mp4"), 0);
    cr_expect_not(exists_in_root("a.mp4"));
    cr_expect(exists(root));
    make_file("gate/a.mp4");
    cr_expect_eq(remove_rel("gate/a.mp4"), 0);
    cr_expect_not(exists_in_root("gate"));
    cr_expect(exists(root));
}

Test(segment_writer, remove_with_a_root_ending_in_a_slash)
{
    make_file("gate/day/a.mp4");
    char slashed[80], path[PATH_MAX];
    snprintf(slashed, sizeof(slashed), "%s/", root);
    in_root(path, sizeof(path), "gate/day/a.mp4");
    cr_expect_eq(vg_segment_file_remove(slashed, path), 0);
    cr_expect_not(exists_in_root("gate"));
    cr_expect(exists(root));
    make_file("a.mp4");
    in_root(path, sizeof(path), "a.mp4");
    cr_expect_eq(vg_segment_file_remove(slashed, path), 0);
    cr_expect(exists(root));
}

Test(segment_writer, remove_of_a_missing_file_is_done_and_tidies_up)
{
    make_file("gate/day/a.mp4");
    cr_expect_eq(remove_rel("gate/day/a.mp4"), 0);
    cr_expect_eq(remove_rel("gate/day/a.mp4"), 0);
    cr_expect_eq(remove_rel("nobody/day/a.mp4"), 0);
    /* A crash between unlink and rmdir left the folders behind. */
    char d[PATH_MAX];
    in_root(d, sizeof(d), "door");
    cr_assert_eq(mkdir(d, 0750), 0);
    in_root(d, sizeof(d), "door/day");
    cr_assert_eq(mkdir(d, 0750), 0);
    cr_expect_eq(remove_rel("door/day/gone.mp4"), 0);
    cr_expect_not(exists_in_root("door"));
    cr_expect(exists(root));
}

Test(segment_writer, remove_of_a_folder_is_an_error)
{
    make_file("gate/day/a.mp4");
    char d[PATH_MAX];
    in_root(d, sizeof(d), "gate/day");
    cr_expect_lt(vg_segment_file_remove(root, d), 0);
    cr_expect(exists_in_root("gate/day/a.mp4"));
}

Test(segment_writer, remove_outside_the_root_leaves_the_folders)
{
    /* A folder whose name only starts like the root's is not below it. */
    char sibling[80], path[PATH_MAX];
    snprintf(sibling, sizeof(sibling), "%s-sibling", root);
    snprintf(path, sizeof(path), "%s/gate/day/a.mp4", sibling);
    int fd;
    cr_assert_eq(vg_segment_file_create(path, (const uint8_t *)"x", 1, &fd), 0);
    cr_assert_eq(vg_segment_file_close(fd), 0);
    cr_expect_eq(vg_segment_file_remove(root, path), 0);
    cr_expect_not(exists(path));
    char d[PATH_MAX];
    snprintf(d, sizeof(d), "%s/gate/day", sibling);
    cr_expect(exists(d), "a folder outside the root was removed");
    snprintf(d, sizeof(d), "%s/gate", sibling);
    cr_expect(exists(d), "a folder outside the root was removed");

    /* Another tree altogether: only the file goes. */
    make_file("x/y/z.mp4");
    in_root(path, sizeof(path), "x/y/z.mp4");
    cr_expect_eq(vg_segment_file_remove("/nonexistent-root", path), 0);
    cr_expect_not(exists(path));
    cr_expect(exists_in_root("x/y"));
}

Test(segment_writer, remove_leaves_a_folder_with_hidden_files)
{
    make_file("gate/day/a.mp4");
    make_file("gate/.keep");
    cr_expect_eq(remove_rel("gate/day/a.mp4"), 0);
    cr_expect_not(exists_in_root("gate/day"));
    cr_expect(exists_in_root("gate/.keep"));
}
