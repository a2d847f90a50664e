/* The schema as migration steps. Included by db.c only: a header so that the SQL
 * reads as one document, apart from the code that applies it. */
#pragma once

/* Entry i takes the schema from user_version i to i + 1. An entry that has shipped is
 * never edited: a change to the schema is a new entry at the end.
 *
 * Conventions: "none" is an empty string rather than NULL, except cameras.nvr_id,
 * which must be NULL for the foreign key to allow a camera without an NVR. Columns
 * ending in _sealed hold store/secretbox.h output, never plaintext. Times are Unix
 * seconds. */
static const char *const migrations[] = {
    /* 1 */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    /* NOCASE so that "Admin" cannot be created beside "admin" to fool a reader of
     * the audit log; usernames are ASCII, which is all NOCASE folds. */
    "  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  role INTEGER NOT NULL CHECK (role IN (0, 1)),"
    "  password_hash TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE user_scopes ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('camera', 'zone')),"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY (user_id, kind, value)"
    ");"
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  secret_digest TEXT NOT NULL UNIQUE,"
    "  csrf_token TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  last_seen_at INTEGER NOT NULL,"
    "  ip TEXT NOT NULL DEFAULT ''"
    ");"
    /* The per-user cap reads a user's sessions newest first; purge scans by expiry. */
    "CREATE INDEX sessions_by_user ON sessions(user_id, created_at);"
    "CREATE INDEX sessions_by_expiry ON sessions(expires_at);"
    "CREATE TABLE tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  secret_digest TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL DEFAULT 0,"
    "  last_used_at INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX tokens_by_user ON tokens(user_id);"
    "CREATE TABLE nvrs ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  vendor INTEGER NOT NULL,"
    "  host TEXT NOT NULL,"
    "  port INTEGER NOT NULL,"
    "  username TEXT NOT NULL DEFAULT '',"
    "  password_sealed TEXT NOT NULL DEFAULT '',"
    "  channels INTEGER NOT NULL,"
    "  template_main TEXT NOT NULL DEFAULT '',"
    "  template_sub TEXT NOT NULL DEFAULT '',"
    "  zone TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE cameras ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  zone TEXT NOT NULL DEFAULT '',"
    "  username TEXT NOT NULL DEFAULT '',"
    "  password_sealed TEXT NOT NULL DEFAULT '',"
    "  enabled INTEGER NOT NULL DEFAULT 1,"
    "  record INTEGER NOT NULL DEFAULT 0,"
    "  source INTEGER NOT NULL,"
    "  nvr_id TEXT REFERENCES nvrs(id) ON DELETE CASCADE,"
    "  nvr_channel INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    /* Needed by the NVR listing and by the cascade when an NVR is deleted. */
    "CREATE INDEX cameras_by_nvr ON cameras(nvr_id);"
    /* A camera's streams: always a main one, a sub one when the camera has it. The id
     * is the camera id for main and "<camera id>.sub" for sub; slugs have no '.', so
     * no stream id can be another camera's. UNIQUE(camera_id, role) also serves as
     * the index for the cascade and for reading a camera's streams. */
    "CREATE TABLE streams ("
    "  id TEXT PRIMARY KEY,"
    "  camera_id TEXT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL CHECK (role IN ('main', 'sub')),"
    "  url_sealed TEXT NOT NULL,"
    "  transport TEXT NOT NULL DEFAULT 'tcp' CHECK (transport IN ('tcp', 'udp')),"
    "  UNIQUE (camera_id, role)"
    ");"
    "CREATE TABLE settings ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ");"
    /* AUTOINCREMENT: ids are never reused, so pruning by id keeps the newest rows and
     * a client paging with before_id never sees an entry twice. */
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  time INTEGER NOT NULL,"
    "  username TEXT NOT NULL DEFAULT '',"
    "  ip TEXT NOT NULL DEFAULT '',"
    "  action TEXT NOT NULL,"
    "  target TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT ''"
    ");",
    /* 2 */
    /* The cameras a token may publish to (WHIP), as camera ids joined by ','; ids
     * are slugs, which hold no ','. A deleted camera leaves every list, however it
     * goes (API, NVR cascade, config), so a new camera made later under the same
     * id is not published to by tokens made for the old one. */
    "ALTER TABLE tokens ADD COLUMN publish TEXT NOT NULL DEFAULT '';"
    "CREATE TRIGGER cameras_leave_token_publish AFTER DELETE ON cameras BEGIN"
    "  UPDATE tokens"
    "  SET publish = trim(replace(',' || publish || ',', ',' || OLD.id || ',', ','), ',')"
    "  WHERE instr(',' || publish || ',', ',' || OLD.id || ',') > 0;"
    "END;",
    /* 3 */
    /* Recording: which stream a camera records and for how long it keeps it (0:
     * the configured max_age_days), and the index of recorded segments. A segment
     * row is written (open = 1) before its file is made and closed when the file
     * is, so after a crash every file has a row and every open row names the file
     * to repair. No foreign key to cameras: a deleted camera's recordings stay
     * until retention removes them. path is relative to the recordings directory
     * and is only ever made by the recorder. day is the local date of start_ms,
     * for the day list. */
    "ALTER TABLE cameras ADD COLUMN record_sub INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE cameras ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE segments ("
    "  id INTEGER PRIMARY KEY,"
    "  camera_id TEXT NOT NULL,"
    "  stream TEXT NOT NULL CHECK (stream IN ('main', 'sub')),"
    "  start_ms INTEGER NOT NULL,"
    "  end_ms INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL DEFAULT 0,"
    "  path TEXT NOT NULL UNIQUE,"
    "  codec TEXT NOT NULL DEFAULT '',"
    "  width INTEGER NOT NULL DEFAULT 0,"
    "  height INTEGER NOT NULL DEFAULT 0,"
    "  open INTEGER NOT NULL DEFAULT 1,"
    "  day TEXT NOT NULL,"
    "  CHECK (end_ms >= start_ms)"
    ");"
    "CREATE INDEX segments_by_camera_time ON segments(camera_id, start_ms);"
    "CREATE INDEX segments_by_camera_day ON segments(camera_id, day);"
    "CREATE INDEX segments_by_start ON segments(start_ms);"
    "CREATE INDEX segments_open ON segments(open) WHERE open = 1;"
    /* Per camera, the count and bytes of its segments, kept by triggers, so the
     * storage figures and retention never sum the whole index (a month of 32
     * cameras is over a million rows). */
    "CREATE TABLE segment_totals ("
    "  camera_id TEXT PRIMARY KEY,"
    "  segments INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TRIGGER segments_count_insert AFTER INSERT ON segments BEGIN"
    "  INSERT INTO segment_totals (camera_id, segments, bytes) VALUES (NEW.camera_id, 1, NEW.bytes)"
    "  ON CONFLICT (camera_id) DO UPDATE SET segments = segments + 1, bytes = bytes + NEW.bytes;"
    "END;"
    "CREATE TRIGGER segments_count_update AFTER UPDATE OF bytes ON segments BEGIN"
    "  UPDATE segment_totals SET bytes = bytes - OLD.bytes + NEW.bytes"
    "  WHERE camera_id = NEW.camera_id;"
    "END;"
    "CREATE TRIGGER segments_count_delete AFTER DELETE ON segments BEGIN"
    "  UPDATE segment_totals SET segments = segments - 1, bytes = bytes - OLD.bytes"
    "  WHERE camera_id = OLD.camera_id;"
    "  DELETE FROM segment_totals WHERE camera_id = OLD.camera_id AND segments <= 0;"
    "END;",
};
