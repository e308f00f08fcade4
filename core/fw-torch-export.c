#include "fw-torch-export.h"
gboolean
fw_torch_export (FwModel *model, const FwVocab *vocab, const char *const *classes,
                 const char *dir, GError **error)
{
  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, "not yet");
  return FALSE;
}
