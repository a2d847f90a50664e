/* Build tool: encodes a demo clip once, so that daemons run from the build
 * tree (and every test) start their demo cameras without encoding it.
 * Usage: make-demo-clip [--sub] OUTPUT
 * (--sub: the sub stream's 640x360 clip instead of the main 1280x720 one) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/demo_clip.h"

int main(int argc, char **argv)
{
    const struct vg_demo_clip_size *size = &vg_demo_clip_main;
    if (argc == 3 && strcmp(argv[1], "--sub") == 0) {
        size = &vg_demo_clip_sub;
        argv++;
        argc--;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: %s [--sub] OUTPUT\n", argv[0]);
        return 2;
    }
    uint8_t *buf;
    size_t len;
    int r = vg_demo_clip_encode(size, NULL, &buf, &len);
    if (r == 0) {
        r = vg_demo_clip_save(argv[1], buf, len);
        free(buf);
    }
    if (r < 0) {
        fprintf(stderr, "make-demo-clip: %s\n", strerror(-r));
        return 1;
    }
    return 0;
}
