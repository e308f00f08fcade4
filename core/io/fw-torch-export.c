/* fw-torch-export.c — writes a PyTorch folder for a model: model.py and
 * predict.py (the same text for every model, kept in core/torch/ and
 * compiled in as a GResource; they build the module from the config in
 * the model file's metadata) and model.safetensors (fw_model_save). */
#include "fw-torch-export.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

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
  /* g_file_set_contents_full writes a temporary file and renames it into place */
  if (!g_file_set_contents_full (path, data, (gssize) size, G_FILE_SET_CONTENTS_CONSISTENT,
                                 mode, &local))
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
  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      int e = errno;
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, _("%s: cannot create the folder: %s"),
                   dir, g_strerror (e));
      return FALSE;
    }
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  return fw_model_save (model, vocab, classes, weights, error)
         && write_resource ("model.py", dir, 0666, error)
         && write_resource ("predict.py", dir, 0777, error);
}
