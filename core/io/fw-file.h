/* fw-file.h — how every output file of the program is written: into a
 * temporary file beside it, flushed to disk (fsync), renamed into place and
 * the folder flushed too, so a crash or a full disk leaves either the old
 * file or the new one, never half of one.  Temporary names carry one tag
 * (FW_FILE_TEMP_TAG) so stale ones can be told from the user's files and
 * removed.  Errors name the path the caller gave, never the temporary. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ".NAME.fw-tmp-XXXXXX": hidden, beside NAME, in the same file system */
#define FW_FILE_TEMP_TAG ".fw-tmp-"

/* Writes len bytes durably to path (mode before the umask, e.g. 0666).
 * A path that exists and is not a regular file (a pipe, /dev/stdout) is
 * written in place.  Errors are G_FILE_ERROR and name path. */
gboolean fw_file_write (const char *path, const void *data, gsize len, int mode, GError **error);

/* For outputs that are folders: a new empty folder beside path, to fill
 * and then hand to fw_file_commit_dir (or fw_file_remove_tree on failure). */
char *fw_file_make_staging_dir (const char *path, GError **error);
/* Moves the staged folder's contents into place: path becomes the staged
 * folder when it is absent or empty, otherwise each staged file replaces
 * its namesake in path (renames: nothing is left half-written).  The
 * staging folder is gone afterwards either way. */
gboolean fw_file_commit_dir (const char *staging, const char *path, GError **error);
/* rm -r, without following symbolic links */
void fw_file_remove_tree (const char *path);

/* Whether name (a file name, no folder) is one of our temporaries. */
gboolean fw_file_is_temp_name (const char *name);
/* Removes our stale temporaries in dir and, when depth > 0, in its
 * subfolders down to depth levels; the user's files are not touched.
 * Returns how many were removed. */
int fw_file_remove_stale_temps (const char *dir, int depth);

G_END_DECLS
