/* fw-torch-export.c — writes a PyTorch folder for a model: model.py,
 * predict.py and train.py (for torchrun) — the same text for every model,
 * kept in core/io/torch/ and compiled in as a GResource; they build the
 * module from the config in the model file's metadata —  and model.safetensors (fw_model_save).  The
 * folder is built beside its destination and moved into place only when
 * complete (fw-file.c), so a full disk never leaves half a folder. */
#include "fw-torch-export.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "fw-file.h"
#include "fw-model-file.h"
#include "fw-torch-resources.h"

static gboolean
write_resource (const char *name, const char *dir, int mode, GError **error)
{
  g_autofree char *res = g_strconcat ("/org/fusionworkbench/torch/", name, NULL);
  g_autoptr (GBytes) bytes = g_resource_lookup_data (fw_torch_get_resource (), res,
                                                     G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (!bytes)
    return FALSE;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autoptr (GError) local = NULL;
  if (!fw_file_write (path, data, size, mode, &local))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
fw_torch_export (FwModel *model, const FwVocab *vocab, const char *const *classes,
                 const char *dir, GError **error)
{
  g_return_val_if_fail (model && vocab && classes && dir, FALSE);
  g_autoptr (GError) local = NULL;
  g_autofree char *staging = fw_file_make_staging_dir (dir, &local);
  if (!staging)
    {
      g_autofree char *shown = g_filename_display_name (dir);
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, _("%s: cannot create the folder: %s"),
                   shown, local->message);
      return FALSE;
    }
  g_autofree char *weights = g_build_filename (staging, "model.safetensors", NULL);
  if (!fw_model_save (model, vocab, classes, weights, &local)
      || !write_resource ("model.py", staging, 0666, &local)
      || !write_resource ("predict.py", staging, 0777, &local)
      || !write_resource ("train.py", staging, 0777, &local))
    {
      fw_file_remove_tree (staging);
      /* the message names the staging folder: name the user's instead (both
       * as messages show them) */
      g_autofree char *staging_shown = g_filename_display_name (staging);
      g_autofree char *shown = g_filename_display_name (dir);
      g_auto (GStrv) parts = g_strsplit (local->message, staging_shown, -1);
      g_autofree char *named = g_strjoinv (shown, parts);
      g_set_error_literal (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, named);
      return FALSE;
    }
  if (!fw_file_commit_dir (staging, dir, &local))
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}
