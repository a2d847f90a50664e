/* After a crash: every index row left open names a segment whose writing was
 * cut off. Its file is cut back to its last whole fragment (so it plays) and
 * the row gets the true end and size; a file without a whole fragment, or
 * gone, loses its row. Runs at start, before the recorder. */
#pragma once

#include "store/db.h"

/* Returns the number of segments repaired or removed, or a negative errno
 * when the index cannot be read. */
int vg_recording_repair(struct vg_db *db, const char *dir);
