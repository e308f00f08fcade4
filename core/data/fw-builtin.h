/* fw-builtin.h — the built-in teaching datasets (builtin:NAME): shapes drawn
 * with Cairo and short captions, generated deterministically from the seed.
 * Each one exists to show one lesson about fusion; listing them for people
 * is fw-cmd-datasets.c's job. */
#pragma once

#include "fw-dataset.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* "shapes-xor" */
  const char *lesson;        /* one line: what training on it teaches (translatable, N_) */
  const char *recommended;   /* options that make the lesson show, for
                              * fw_config_set_options ("epochs=15"); NULL: the defaults */
} FwBuiltinInfo;

/* The built-ins, in the order they are listed; *n set to their count. */
const FwBuiltinInfo *fw_builtin_list (int *n);
/* NAME without the "builtin:" prefix; NULL when there is none by that name. */
const FwBuiltinInfo *fw_builtin_find (const char *name);

/* NAME without the "builtin:" prefix; unknown names are FW_DATA_ERROR_IO
 * with the list of known ones. */
FwDataset *fw_builtin_generate (const char *name, const FwLoadOptions *options,
                                GCancellable *cancellable, GError **error);

G_END_DECLS
