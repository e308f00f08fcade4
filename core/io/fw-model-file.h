/* fw-model-file.h — a trained model as one safetensors file: every
 * parameter under its PyTorch-style name, and in __metadata__ the config,
 * labels, vocabulary and preprocessing, so the file alone is enough to
 * evaluate, predict, explain and export.  The container is fw-safetensors.c. */
#pragma once

#include "fw-dataset.h"
#include "fw-model.h"
#include "fw-safetensors.h"

G_BEGIN_DECLS

#define FW_MODEL_FILE_FORMAT "fusion-workbench"
#define FW_MODEL_FILE_VERSION "1"
/* Tensors whose names start with this are not the model's (a checkpoint's
 * optimizer state, fw-checkpoint.h): loaders skip them. */
#define FW_MODEL_FILE_EXTRA_PREFIX "checkpoint."

typedef struct {
  FwModel *model;
  FwVocab *vocab;
  char **classes;            /* NULL-terminated, the model's class order */
  int n_classes;
} FwSavedModel;

gboolean fw_model_save (FwModel *model, const FwVocab *vocab, const char *const *classes,
                        const char *path, GError **error);
/* The bytes fw_model_save would write (a copy of a model that could not be
 * written goes through these and fw_model_load_bytes). */
GBytes *fw_model_save_to_bytes (FwModel *model, const FwVocab *vocab, const char *const *classes);
/* The writer fw_model_save fills and saves, for files that add to it. */
FwSafetensorsWriter *fw_model_file_writer (FwModel *model, const FwVocab *vocab,
                                           const char *const *classes);
/* max_batch sizes the loaded model's buffers */
/* Validates everything (header length, JSON, dtypes, offsets, overlaps,
 * metadata, shapes against the config) before trusting a byte; errors are
 * FW_SAFETENSORS_ERROR or FW_DATA_ERROR and name path. */
FwSavedModel *fw_model_load (const char *path, int max_batch, GError **error);
/* the same on bytes in memory; path is only used in messages, so it must be
 * UTF-8: a display name (g_filename_display_name) or a description */
FwSavedModel *fw_model_load_bytes (GBytes *bytes, const char *path, int max_batch,
                                   GError **error);
void fw_saved_model_free (FwSavedModel *saved);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwSavedModel, fw_saved_model_free)

/* How many of rows[0..n) of ds the model was trained on, by the fingerprint
 * of its training rows (fw-row-set.h); -1 when it has none (older files). */
int fw_model_training_overlap (const FwModel *model, const FwDataset *ds, const int *rows, int n);

/* The preprocessing recorded in model files, as JSON text (g_free). */
char *fw_model_preprocess_json (const FwModel *model);

G_END_DECLS
