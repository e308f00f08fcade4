/* fw-builtin.c — placeholder until the generators land. */
#include "fw-builtin.h"

const FwBuiltinInfo *
fw_builtin_list (int *n)
{
  *n = 0;
  return NULL;
}

FwDataset *
fw_builtin_generate (const char *name, const FwLoadOptions *options,
                     GCancellable *cancellable, GError **error)
{
  g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_IO, "builtin:%s: unknown built-in dataset", name);
  return NULL;
}
