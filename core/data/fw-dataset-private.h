/* fw-dataset-private.h — the shared last steps of every loader (manifest or
 * built-in): classes, labels, splits and tokens from per-row strings.  Not
 * for code outside the dataset layer. */
#pragma once

#include "fw-dataset.h"

G_BEGIN_DECLS

/* n rows of (channels, size, size) zeroed pixels, has_* zero, text NULL.
 * NULL with FW_DATA_ERROR_VALUE when the pixel buffer would not fit. */
FwDataset *fw_dataset_alloc (int n, int channels, int size, const char *what, GError **error);

/* Fills label/classes/split/tokens.  ds->text[r] may be NULL (made "").
 * labels: (n) strings; split: (n) FwSplit or -1 when the source gave none.
 * stable_split: a -1 row's split is drawn from ds->row_key[r] and the seed
 * (80/10/10, fw-row-key.h); otherwise (generated rows) all -1 rows are
 * split 80/10/10 exactly, stratified, from the seed.  Fails on no rows or
 * one class (unless options->allow_single_class). */
gboolean fw_dataset_finish (FwDataset *ds, char **labels, const gint8 *split, gboolean stable_split,
                            const FwLoadOptions *options, const char *filename, GError **error);

/* Assigns split[] for the given rows, stratified by label, deterministic
 * from seed.  fractions: (FW_SPLIT_N_KINDS) summing to 1. */
void fw_dataset_stratify (const int *label, int n_classes, const int *rows, int n_rows,
                          const double *fractions, guint64 seed, guint8 *split);

G_END_DECLS
