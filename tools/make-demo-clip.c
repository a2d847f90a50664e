/* Build tool: encodes the demo clip once, so that daemons run from the build
 * tree (and every test) start their demo cameras without encoding it.
 * Usage: make-demo-clip OUTPUT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/demo_clip.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
        return 2;
    }
    uint8_t *buf;
    size_t len;
    int r = vg_demo_clip_encode(NULL, &buf, &len);
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
