/* fw-file.c — durable, atomic writes (temporary + fsync + rename + fsync of
 * the folder) and the clean-up of temporaries a crash left behind.  Only
 * POSIX: the program runs on Linux. */
#include "fw-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
fail (GError **error, int e, const char *fmt, const char *path)
{
  g_autofree char *display = g_filename_display_name (path);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), fmt, display, g_strerror (e));
  return FALSE;
}

static gboolean
write_all (int fd, const guint8 *data, gsize len, int *err)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, MIN (len, (gsize) G_MAXSSIZE));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *err = n < 0 ? errno : ENOSPC;
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* "DIR/.NAME.fw-tmp-XXXXXX" for path "DIR/NAME", with random X */
static char *
temp_name (const char *path)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  char suffix[7];
  for (int i = 0; i < 6; i++)
    suffix[i] = chars[g_random_int_range (0, sizeof chars - 1)];
  suffix[6] = '\0';
  g_autofree char *name = g_strconcat (".", base, FW_FILE_TEMP_TAG, suffix, NULL);
  return g_build_filename (dir, name, NULL);
}

/* A rename is only durable once the folder's entry is on disk too.  Some
 * file systems cannot fsync a folder (EINVAL): nothing more can be done. */
static gboolean
sync_folder_of (const char *path, int *err)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return TRUE;
  gboolean ok = fsync (fd) == 0 || errno == EINVAL || errno == ENOTSUP;
  if (!ok)
    *err = errno;
  close (fd);
  return ok;
}

/* pipes and devices cannot be replaced by a rename: write them in place */
static gboolean
write_in_place (const char *path, const void *data, gsize len, GError **error)
{
  int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return fail (error, errno, _("Could not write “%s”: %s"), path);
  int err = 0;
  gboolean ok = write_all (fd, data, len, &err);
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      err = errno;
    }
  return ok || fail (error, err, _("Could not write “%s”: %s"), path);
}

gboolean
fw_file_write (const char *path, const void *data, gsize len, int mode, GError **error)
{
  g_return_val_if_fail (path != NULL && (data != NULL || len == 0), FALSE);

  struct stat st;
  if (stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      if (S_ISDIR (st.st_mode))
        return fail (error, EISDIR, _("Could not write “%s”: %s"), path);
      return write_in_place (path, data, len, error);
    }

  g_autofree char *tmp = NULL;
  int fd = -1;
  for (int tries = 0; fd < 0 && tries < 100; tries++)
    {
      g_free (tmp);
      tmp = temp_name (path);
      fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
      if (fd < 0 && errno != EEXIST)
        break;
    }
  if (fd < 0)
    return fail (error, errno, _("Could not write “%s”: %s"), path);

  int err = 0;
  gboolean ok = write_all (fd, data, len, &err);
  /* the data must be on disk before the name points at it */
  if (ok && fsync (fd) != 0)
    {
      ok = FALSE;
      err = errno;
    }
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      err = errno;
    }
  if (ok && rename (tmp, path) != 0)
    {
      ok = FALSE;
      err = errno;
    }
  if (!ok)
    {
      g_unlink (tmp);
      return fail (error, err, _("Could not write “%s”: %s"), path);
    }
  if (!sync_folder_of (path, &err))
    return fail (error, err, _("Could not write “%s”: %s"), path);
  return TRUE;
}

char *
fw_file_make_staging_dir (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  if (g_mkdir_with_parents (parent, 0777) != 0)
    {
      fail (error, errno, _("Could not create the folder “%s”: %s"), parent);
      return NULL;
    }
  for (int tries = 0; tries < 100; tries++)
    {
      g_autofree char *tmp = temp_name (path);
      if (g_mkdir (tmp, 0777) == 0)
        return g_steal_pointer (&tmp);
      if (errno != EEXIST)
        break;
    }
  fail (error, errno, _("Could not create the folder “%s”: %s"), path);
  return NULL;
}

void
fw_file_remove_tree (const char *path)
{
  struct stat st;
  if (lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          fw_file_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

gboolean
fw_file_commit_dir (const char *staging, const char *path, GError **error)
{
  g_return_val_if_fail (staging != NULL && path != NULL, FALSE);
  int err = 0;
  /* absent or empty: one rename puts the whole folder in place */
  if (rename (staging, path) == 0)
    {
      if (!sync_folder_of (path, &err))
        return fail (error, err, _("Could not write “%s”: %s"), path);
      return TRUE;
    }
  if (errno != ENOTEMPTY && errno != EEXIST)
    {
      err = errno;
      fw_file_remove_tree (staging);
      return fail (error, err, _("Could not write “%s”: %s"), path);
    }
  /* a folder with files in it (an earlier export, the user's notes): each
   * staged file replaces its namesake; everything is already on disk, so a
   * rename cannot run out of space half-way */
  g_autoptr (GDir) d = g_dir_open (staging, 0, NULL);
  const char *name;
  gboolean ok = TRUE;
  while (ok && d && (name = g_dir_read_name (d)))
    {
      g_autofree char *from = g_build_filename (staging, name, NULL);
      g_autofree char *to = g_build_filename (path, name, NULL);
      if (rename (from, to) != 0)
        {
          ok = FALSE;
          err = errno;
        }
    }
  fw_file_remove_tree (staging);
  if (!ok)
    return fail (error, err, _("Could not write “%s”: %s"), path);
  g_autofree char *inside = g_build_filename (path, ".", NULL);
  if (!sync_folder_of (inside, &err))
    return fail (error, err, _("Could not write “%s”: %s"), path);
  return TRUE;
}

gboolean
fw_file_is_temp_name (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);
  const char *tag = name[0] == '.' ? strstr (name + 1, FW_FILE_TEMP_TAG) : NULL;
  if (!tag || tag == name + 1)
    return FALSE;
  /* the tag is followed by exactly the six random characters */
  const char *suffix = tag + strlen (FW_FILE_TEMP_TAG);
  if (strlen (suffix) != 6)
    return FALSE;
  for (int i = 0; i < 6; i++)
    if (!g_ascii_isalnum (suffix[i]))
      return FALSE;
  return TRUE;
}

int
fw_file_remove_stale_temps (const char *dir, int depth)
{
  g_return_val_if_fail (dir != NULL, 0);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  int removed = 0;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);
      if (fw_file_is_temp_name (name))
        {
          fw_file_remove_tree (child);
          removed++;
        }
      else if (depth > 0 && g_file_test (child, G_FILE_TEST_IS_DIR)
               && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        removed += fw_file_remove_stale_temps (child, depth - 1);
    }
  return removed;
}
