/* fw-features.h — precomputed embeddings, one vector per manifest row
 * ("bring your own embeddings"): reading a features file (safetensors with
 * one float32 tensor `features` of shape (rows, D), or a NumPy .npy of
 * the same), checking it against the dataset and attaching it.  What the
 * model does with the vectors is fw-model.c's business. */
#pragma once

#include "fw-dataset.h"

G_BEGIN_DECLS

/* A features file is refused above this size before it is read. */
#define FW_FEATURES_MAX_BYTES (G_GUINT64_CONSTANT (4) << 30)
/* and a vector wider than this (what would a 10⁶-wide embedding be?) */
#define FW_FEATURES_MAX_DIM (1 << 20)

typedef enum { FW_MODALITY_IMAGE, FW_MODALITY_TEXT, FW_MODALITY_N_KINDS } FwModality;

typedef struct {
  int rows;
  int dim;                   /* D */
  float *values;             /* (rows, D), row-major; NaN rows are missing */
} FwFeatures;

/* Reads path (safetensors or .npy, told apart by their first bytes).
 * expected_rows (≥ 0) is the manifest's row count, checked before the
 * values are read; -1 skips that check.  Errors are FW_DATA_ERROR naming
 * the file (and the row for a NaN or infinite value outside a row that is
 * NaN throughout). */
FwFeatures *fw_features_load (const char *path, int expected_rows, GError **error);
void fw_features_free (FwFeatures *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwFeatures, fw_features_free)

/* Loads path and attaches it to ds as that modality's vectors: dataset row
 * r gets the file's row ds->row[r] (the manifest's row, whatever rows were
 * skipped as bad), and its has_image / has_text becomes "the row is not
 * all NaN".  The file must have one row per manifest row. */
gboolean fw_dataset_attach_features (FwDataset *ds, FwModality modality, const char *path,
                                     GError **error);

/* The width of ds's vectors of that modality; 0 when none are attached. */
int fw_dataset_features_dim (const FwDataset *ds, FwModality modality);

G_END_DECLS
