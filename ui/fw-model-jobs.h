/* fw-model-jobs.h — the GUI's long model work, each in a GTask worker:
 * opening a model file (and evaluating it on the current dataset), and
 * writing a model out as a model file, ONNX, a PyTorch folder or a
 * contributions JSON.  The compute is the core's; choosing files and
 * showing results are the window's. */
#pragma once

#include <gio/gio.h>

#include "fw-dataset.h"
#include "fw-model-file.h"

G_BEGIN_DECLS

typedef enum {
  FW_EXPORT_MODEL_FILE,      /* .safetensors */
  FW_EXPORT_ONNX,            /* .onnx */
  FW_EXPORT_TORCH,           /* a folder: model.py, model.safetensors, predict.py, train.py */
  FW_EXPORT_METRICS,         /* the run's metrics CSV */
  FW_EXPORT_CONTRIB,         /* contributions JSON on the dataset's test split */
  FW_EXPORT_N_FORMATS
} FwExportFormat;

/* "safetensors", "onnx", NULL (a folder), "csv", "json" */
const char *fw_export_format_extension (FwExportFormat format);
/* The format's name for people, translated. */
const char *fw_export_format_label (FwExportFormat format);

typedef struct {
  FwSavedModel *model;
  char *path;
  /* evaluation on the dataset given, when it could run */
  gboolean evaluated;
  int n;                     /* rows evaluated */
  char *split;               /* "test", or "all" when there are no test rows */
  double loss, accuracy;
  char *eval_error;          /* why it could not run, NULL otherwise */
  int overlap;               /* evaluated rows the model was trained on; -1: its file does not say */
} FwOpenedModel;

void fw_opened_model_free (FwOpenedModel *opened);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwOpenedModel, fw_opened_model_free)

/* Loads path; with ds (borrowed: it must outlive the job), evaluates the
 * model on its test split (every row when it has none). */
void fw_model_open_async (const char *path, const FwDataset *ds, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
FwOpenedModel *fw_model_open_finish (GAsyncResult *result, GError **error);

/* The same evaluation, run on the calling thread. */
gboolean fw_model_evaluate_on (FwSavedModel *saved, const FwDataset *ds, int *n, char **split,
                               double *loss, double *accuracy, GError **error);

/* Writes the model (borrowed: it must outlive the job) in format to path;
 * FW_EXPORT_CONTRIB needs ds (borrowed too).  FW_EXPORT_METRICS is the
 * run's, not the model's: the window writes it itself. */
void fw_model_export_async (FwSavedModel *saved, FwExportFormat format, const char *path,
                            const FwDataset *ds, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
gboolean fw_model_export_finish (GAsyncResult *result, GError **error);

G_END_DECLS
