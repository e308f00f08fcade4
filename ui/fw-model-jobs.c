/* fw-model-jobs.c — GTask workers around the core's model file, ONNX,
 * PyTorch and contributions writers.  Every writer already goes through a
 * temporary file renamed into place; this file only moves the work off the
 * GUI thread and checks that a model fits the dataset before evaluating. */
#include <glib/gi18n.h>
#include <string.h>

#include "fw-file.h"
#include "fw-contrib.h"
#include "fw-model-jobs.h"
#include "fw-onnx.h"
#include "fw-torch-export.h"

const char *
fw_export_format_extension (FwExportFormat format)
{
  static const char *const ext[] = { "safetensors", "onnx", NULL, "csv", "json" };
  G_STATIC_ASSERT (G_N_ELEMENTS (ext) == FW_EXPORT_N_FORMATS);

  g_return_val_if_fail (format < FW_EXPORT_N_FORMATS, NULL);
  return ext[format];
}

const char *
fw_export_format_label (FwExportFormat format)
{
  static const char *const labels[] = {
    N_("Model file (safetensors)"), N_("ONNX model"), N_("PyTorch training folder"),
    N_("Metrics (CSV)"), N_("Contributions (JSON)"),
  };
  G_STATIC_ASSERT (G_N_ELEMENTS (labels) == FW_EXPORT_N_FORMATS);

  g_return_val_if_fail (format < FW_EXPORT_N_FORMATS, NULL);
  return _(labels[format]);
}

void
fw_opened_model_free (FwOpenedModel *opened)
{
  if (!opened)
    return;
  g_clear_pointer (&opened->model, fw_saved_model_free);
  g_free (opened->path);
  g_free (opened->split);
  g_free (opened->eval_error);
  g_free (opened);
}

/* The rows to evaluate or explain on: test, or every row without test rows. */
static int *
eval_rows (const FwDataset *ds, int *n, char **split)
{
  int *rows = g_new (int, MAX (ds->n, 1));

  *n = fw_dataset_split_rows (ds, FW_SPLIT_TEST, rows);
  *split = g_strdup ("test");
  if (*n == 0)
    {
      for (int i = 0; i < ds->n; i++)
        rows[i] = i;
      *n = ds->n;
      g_free (*split);
      *split = g_strdup ("all");
    }
  return rows;
}

static gboolean
check_fits (FwSavedModel *saved, const FwDataset *ds, GError **error)
{
  const FwShape *shape = fw_model_get_shape (saved->model);

  if (shape->size != ds->size || shape->channels != ds->channels)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("the model reads %d×%d %s images but %s was loaded at %d×%d %s: "
                     "set the image size and colour to the model's and reload the dataset"),
                   shape->size, shape->size, shape->channels == 3 ? "rgb" : "gray", ds->name,
                   ds->size, ds->size, ds->channels == 3 ? "rgb" : "gray");
      return FALSE;
    }
  /* precomputed vectors: the open dataset must carry them, as wide */
  return fw_model_check_dataset (saved->model, ds, error);
}

gboolean
fw_model_evaluate_on (FwSavedModel *saved, const FwDataset *ds, int *n, char **split,
                      double *loss, double *accuracy, GError **error)
{
  g_autofree int *rows = NULL, *labels = NULL, *lexmap = NULL;

  if (!check_fits (saved, ds, error))
    return FALSE;
  labels = fw_dataset_map_labels (ds, (const char *const *) saved->classes, saved->n_classes, error);
  if (!labels)
    return FALSE;
  rows = eval_rows (ds, n, split);
  lexmap = fw_vocab_map_lexicon (saved->vocab, ds);
  fw_model_evaluate (saved->model, ds, lexmap, labels, rows, *n, loss, accuracy);
  return TRUE;
}

typedef struct {
  char *path;
  const FwDataset *ds;
  FwSavedModel *saved;       /* export: borrowed */
  FwExportFormat format;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->path);
  g_free (job);
}

static void
open_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(FwOpenedModel) opened = g_new0 (FwOpenedModel, 1);
  g_autoptr(GError) error = NULL;

  opened->path = g_strdup (job->path);
  opened->overlap = -1;
  opened->model = fw_model_load (job->path, 256, &error);
  if (!opened->model)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (job->ds)
    {
      opened->evaluated = fw_model_evaluate_on (opened->model, job->ds, &opened->n, &opened->split,
                                                &opened->loss, &opened->accuracy, &error);
      if (!opened->evaluated)
        opened->eval_error = g_strdup (error->message);
      else
        {
          g_autofree char *split = NULL;
          int n = 0;
          g_autofree int *rows = eval_rows (job->ds, &n, &split);
          opened->overlap = fw_model_training_overlap (opened->model->model, job->ds, rows, n);
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&opened), (GDestroyNotify) fw_opened_model_free);
}

void
fw_model_open_async (const char *path, const FwDataset *ds, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  job->path = g_strdup (path);
  job->ds = ds;
  g_task_set_task_data (task, job, job_free);
  g_task_set_name (task, "fw-open-model");
  g_task_run_in_thread (task, open_thread);
}

FwOpenedModel *
fw_model_open_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
export_contrib (FwSavedModel *saved, const FwDataset *ds, const char *path, GError **error)
{
  g_autofree int *rows = NULL, *labels = NULL, *lexmap = NULL, *train = NULL;
  g_autofree char *split = NULL, *json = NULL;
  g_autoptr(FwContrib) contrib = NULL;
  int n, n_train;

  if (!ds)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Contributions are measured on a dataset: open one first."));
      return FALSE;
    }
  if (!check_fits (saved, ds, error))
    return FALSE;
  labels = fw_dataset_map_labels (ds, (const char *const *) saved->classes, saved->n_classes, error);
  if (!labels)
    return FALSE;
  rows = eval_rows (ds, &n, &split);
  lexmap = fw_vocab_map_lexicon (saved->vocab, ds);
  train = g_new (int, MAX (ds->n, 1));
  n_train = fw_dataset_split_rows (ds, FW_SPLIT_TRAIN, train);
  if (n_train == 0)
    {
      memcpy (train, rows, sizeof (int) * n);
      n_train = n;
    }
  contrib = fw_contrib_new (saved->model, ds, lexmap, labels, train, n_train);
  json = fw_contrib_report_json (contrib, rows, n, split, NULL, NULL, NULL, error);
  if (!json)
    return FALSE;
  return fw_file_write (path, json, strlen (json), 0666, error);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  const char *const *classes = (const char *const *) job->saved->classes;
  GError *error = NULL;
  gboolean ok = FALSE;

  switch (job->format)
    {
    case FW_EXPORT_MODEL_FILE:
      ok = fw_model_save (job->saved->model, job->saved->vocab, classes, job->path, &error);
      break;
    case FW_EXPORT_ONNX:
      ok = fw_onnx_export (job->saved->model, job->saved->vocab, classes, job->path, &error);
      break;
    case FW_EXPORT_TORCH:
      ok = fw_torch_export (job->saved->model, job->saved->vocab, classes, job->path, &error);
      break;
    case FW_EXPORT_CONTRIB:
      ok = export_contrib (job->saved, job->ds, job->path, &error);
      break;
    case FW_EXPORT_METRICS:
    default:
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "metrics are the run's");
      break;
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
fw_model_export_async (FwSavedModel *saved, FwExportFormat format, const char *path,
                       const FwDataset *ds, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  job->path = g_strdup (path);
  job->saved = saved;
  job->ds = ds;
  job->format = format;
  g_task_set_task_data (task, job, job_free);
  g_task_set_name (task, "fw-export-model");
  g_task_run_in_thread (task, export_thread);
}

gboolean
fw_model_export_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
