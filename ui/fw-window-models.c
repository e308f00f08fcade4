/* fw-window-models.c — the main window's model commands: Save Model,
 * Open Model (evaluated on the current dataset, again on each dataset
 * loaded), Export Model and Delete Run.  The work runs in workers
 * (fw-model-jobs.c), the autosave folders are fw-run-store.c; the window
 * itself (fw-window.c) only lends its banner, status and run list through
 * fw-window-private.h. */
#include <glib/gi18n.h>
#include <math.h>

#include "fw-export-dialog.h"
#include "fw-model-jobs.h"
#include "fw-run-row.h"
#include "fw-run-store.h"
#include "fw-window-private.h"

FwRun *
fw_window_get_selected_run (FwWindow *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (fw_window_get_runs_list (self));
  guint n = fw_plot_model_get_n_runs (fw_window_get_plot_model (self));

  if (row)
    return fw_run_row_get_run (FW_RUN_ROW (gtk_list_box_row_get_child (row)));
  return n > 0 ? fw_plot_model_get_run (fw_window_get_plot_model (self), n - 1) : NULL;
}

void
fw_window_select_run (FwWindow *self, FwRun *run)
{
  GListModel *runs = fw_plot_model_get_runs (fw_window_get_plot_model (self));

  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(FwRun) item = g_list_model_get_item (runs, i);
      if (item == run)
        gtk_list_box_select_row (fw_window_get_runs_list (self), gtk_list_box_get_row_at_index (fw_window_get_runs_list (self), i));
    }
}

/* The run whose model is wanted, or NULL with the reason in the banner. */
static FwRun *
model_run (FwWindow *self)
{
  FwRun *run = fw_window_get_selected_run (self);
  g_autofree char *message = NULL;

  if (!run)
    message = g_strdup (_("There is no run to export yet: train a model first."));
  else if (!fw_run_get_model (run) && fw_run_get_model_error (run))
    message = g_strdup_printf (_("%s has no usable model: %s"), fw_run_get_description (run),
                               fw_run_get_model_error (run));
  else if (!fw_run_get_model (run))
    message = g_strdup_printf (fw_run_get_state (run) == FW_RUN_RUNNING || fw_run_get_state (run) == FW_RUN_PAUSED
                               ? _("%s has no model yet: wait for its training to end.")
                               : _("%s has no model: its weights were not saved."),
                               fw_run_get_description (run));
  else if (fw_window_get_model_jobs (self) > 0)
    message = g_strdup (_("Wait for the current model job to finish."));
  if (message)
    {
      fw_window_show_error (self, message);
      return NULL;
    }
  return run;
}

typedef struct {
  FwWindow *self;            /* a reference */
  FwRun *run;                /* a reference: keeps the model alive */
  char *path;
} ModelJob;

static ModelJob *
model_job_new (FwWindow *self, FwRun *run, const char *path)
{
  ModelJob *job = g_new0 (ModelJob, 1);

  job->self = g_object_ref (self);
  job->run = run ? g_object_ref (run) : NULL;
  job->path = g_strdup (path);
  fw_window_model_job_begin (self);
  return job;
}

/* TRUE once the window is disposed: a job that ends later shows nothing */
static gboolean
window_gone (FwWindow *self)
{
  return fw_window_get_plot_model (self) == NULL;
}

static void
model_job_free (ModelJob *job)
{
  fw_window_model_job_end (job->self);
  g_object_unref (job->self);
  g_clear_object (&job->run);
  g_free (job->path);
  g_free (job);
}

static void
on_model_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ModelJob *job = user_data;
  g_autoptr(GError) error = NULL;

  if (window_gone (job->self))
    ;
  else if (fw_model_export_finish (result, &error))
    {
      g_autofree char *shown = g_filename_display_name (job->path);
      g_autofree char *text = g_strdup_printf (_("Saved %s"), shown);
      fw_window_hide_error (job->self);
      fw_window_set_status (job->self, text);
    }
  else
    {
      g_autofree char *shown = g_filename_display_name (job->path);
      g_autofree char *message = g_strdup_printf (_("Could not export %s: %s"), shown, error->message);
      fw_window_show_error (job->self, message);
      fw_window_update_status_ready (job->self);
    }
  model_job_free (job);
}

void
fw_window_export_model (FwWindow *self, FwExportFormat format, const char *path)
{
  FwRun *run;
  g_autofree char *text = NULL;

  g_return_if_fail (FW_IS_WINDOW (self));
  g_return_if_fail (format < FW_EXPORT_N_FORMATS);

  if (format == FW_EXPORT_METRICS)
    {
      g_autoptr(GError) error = NULL;
      if (!fw_window_export_metrics (self, path, &error))
        fw_window_show_error (self, error->message);
      else
        {
          g_autofree char *shown = g_filename_display_name (path);
          text = g_strdup_printf (_("Saved %s"), shown);
          fw_window_set_status (self, text);
        }
      return;
    }
  if (!(run = model_run (self)))
    return;
  g_autofree char *shown = g_filename_display_name (path);
  text = g_strdup_printf (_("Writing %s…"), shown);
  fw_window_set_status (self, text);
  fw_model_export_async (fw_run_get_model (run), format, path, fw_window_get_dataset (self), NULL,
                         on_model_exported, model_job_new (self, run, path));
}

static void
on_export_chosen (FwExportFormat format, const char *path, gpointer user_data)
{
  fw_window_export_model (user_data, format, path);
}

static void
action_save_model (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;

  if (model_run (self))
    fw_export_dialog_show (GTK_WINDOW (self), FW_EXPORT_MODEL_FILE, TRUE, "model.safetensors",
                           on_export_chosen, self);
}

static void
action_export_model (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;

  if (model_run (self))
    fw_export_dialog_show (GTK_WINDOW (self), FW_EXPORT_ONNX, FALSE, "model", on_export_chosen, self);
}

/* A model opened from a file is evaluated again on each dataset loaded. */
typedef struct {
  FwRun *run;
  const FwDataset *ds;
  gboolean ok;
  double loss, accuracy;
} Evaluation;

static void
evaluation_free (gpointer data)
{
  Evaluation *e = data;

  g_object_unref (e->run);
  g_free (e);
}

static void
evaluate_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GPtrArray *evals = task_data;

  for (guint i = 0; i < evals->len; i++)
    {
      Evaluation *e = evals->pdata[i];
      g_autofree char *split = NULL;
      int n;

      e->ok = fw_model_evaluate_on (fw_run_get_model (e->run), e->ds, &n, &split, &e->loss, &e->accuracy, NULL);
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_evaluated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ModelJob *job = user_data;
  GPtrArray *evals = g_task_get_task_data (G_TASK (result));

  for (guint i = 0; i < evals->len && !window_gone (job->self); i++)
    {
      Evaluation *e = evals->pdata[i];
      fw_run_finish (e->run, e->ok ? e->accuracy : NAN, e->ok ? e->loss : NAN, 0, FALSE);
    }
  model_job_free (job);
}

static void
evaluate_opened_models (FwWindow *self)
{
  GListModel *runs = fw_plot_model_get_runs (fw_window_get_plot_model (self));
  g_autoptr(GPtrArray) evals = g_ptr_array_new_with_free_func (evaluation_free);
  g_autoptr(GTask) task = NULL;

  if (!fw_window_get_dataset (self) || fw_window_get_model_jobs (self) > 0)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(FwRun) run = g_list_model_get_item (runs, i);
      if (fw_run_get_source (run) && fw_run_get_model (run))
        {
          Evaluation *e = g_new0 (Evaluation, 1);
          e->run = g_object_ref (run);
          e->ds = fw_window_get_dataset (self);
          g_ptr_array_add (evals, e);
        }
    }
  if (evals->len == 0)
    return;
  task = g_task_new (NULL, NULL, on_evaluated, model_job_new (self, NULL, NULL));
  g_task_set_task_data (task, g_steal_pointer (&evals), (GDestroyNotify) g_ptr_array_unref);
  g_task_set_name (task, "fw-evaluate-models");
  g_task_run_in_thread (task, evaluate_thread);
}

/* ---- the Contributions view explains any run with a model ----
 * It takes a trained run's trainer itself; a model opened from a file, a
 * run reopened at start, or any run after the dataset changed (the view
 * then drops its models) gets its own copy, read from the run's file in a
 * worker when the run is selected, so the view's workers and this file's
 * jobs never run the same FwModel at once. */

static guint
dataset_generation (FwWindow *self)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self), "fw-dataset-generation"));
}

typedef struct {
  FwWindow *self;            /* a reference */
  FwRun *run;                /* a reference */
  guint generation;
} PanelJob;

static void
panel_job_free (gpointer data)
{
  PanelJob *job = data;

  fw_window_model_job_end (job->self);
  g_object_unref (job->self);
  g_object_unref (job->run);
  g_free (job);
}

static void
panel_load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = g_object_get_data (G_OBJECT (task), "fw-path");
  GError *error = NULL;
  FwSavedModel *saved = fw_model_load (path, 256, &error);

  if (saved)
    g_task_return_pointer (task, saved, (GDestroyNotify) fw_saved_model_free);
  else
    g_task_return_error (task, error);
}

static void
on_panel_model_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PanelJob *job = g_task_get_task_data (G_TASK (result));
  FwWindow *self = job->self;
  g_autoptr(GError) error = NULL;
  FwSavedModel *saved = g_task_propagate_pointer (G_TASK (result), &error);
  FwExplainer *explainer;

  if (!saved)
    return;
  if (fw_window_get_plot_model (self) == NULL || job->generation != dataset_generation (self) ||
      !fw_window_get_dataset (self) ||
      fw_explainer_get_trainer ((explainer = fw_window_get_explainer (self)), job->run))
    {
      fw_saved_model_free (saved);
      return;
    }
  /* the view owns the copy from here, and frees it on failure */
  if (!fw_explainer_take_model (explainer, job->run, saved->model, saved->vocab,
                                (const char *const *) saved->classes, saved,
                                (GDestroyNotify) fw_saved_model_free, &error))
    {
      g_autofree char *text = g_strdup_printf (_("%s cannot be explained on this dataset: %s"),
                                               fw_run_get_description (job->run), error->message);
      fw_window_set_status (self, text);
    }
}

static void
give_model_to_view (FwWindow *self, FwRun *run)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  PanelJob *job;
  guint generation = dataset_generation (self);

  if (!run || !fw_run_has_model (run) || !fw_window_get_dataset (self) ||
      GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (run), "fw-view-generation")) == generation ||
      fw_explainer_get_trainer (fw_window_get_explainer (self), run))
    return;
  if (fw_run_get_source (run))
    path = g_strdup (fw_run_get_source (run));
  else if (fw_run_get_dir (run))
    path = g_build_filename (fw_run_get_dir (run), FW_RUN_MODEL_FILE, NULL);
  if (!path || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return;
  g_object_set_data (G_OBJECT (run), "fw-view-generation", GUINT_TO_POINTER (generation));
  job = g_new0 (PanelJob, 1);
  job->self = g_object_ref (self);
  job->run = g_object_ref (run);
  job->generation = generation;
  fw_window_model_job_begin (self);
  task = g_task_new (NULL, NULL, on_panel_model_loaded, NULL);
  g_task_set_task_data (task, job, panel_job_free);
  g_object_set_data_full (G_OBJECT (task), "fw-path", g_steal_pointer (&path), g_free);
  g_task_set_name (task, "fw-view-model");
  g_task_run_in_thread (task, panel_load_thread);
}

static void
on_run_selected (GtkListBox *box, GtkListBoxRow *row, FwWindow *self)
{
  if (row && fw_window_get_plot_model (self))
    give_model_to_view (self, fw_run_row_get_run (FW_RUN_ROW (gtk_list_box_row_get_child (row))));
}

void
fw_window_evaluate_opened_models (FwWindow *self)
{
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (fw_window_get_runs_list (self));

  evaluate_opened_models (self);
  /* a new dataset: the Contributions view dropped its models */
  g_object_set_data (G_OBJECT (self), "fw-dataset-generation", GUINT_TO_POINTER (dataset_generation (self) + 1));
  if (selected)
    on_run_selected (NULL, selected, self);
}

static void
on_model_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ModelJob *job = user_data;
  FwWindow *self = job->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(FwOpenedModel) opened = fw_model_open_finish (result, &error);
  g_autoptr(FwRun) run = NULL;
  /* the run's name and every message: UTF-8, whatever the file's name */
  g_autofree char *base = g_filename_display_basename (job->path);
  g_autofree char *text = NULL;
  GdkRGBA color;

  if (window_gone (self))
    {
      model_job_free (job);
      return;
    }
  if (!opened)
    {
      g_autofree char *shown = g_filename_display_name (job->path);
      g_autofree char *message = g_strdup_printf (_("Could not open the model %s: %s"), shown, error->message);
      fw_window_show_error (self, message);
      model_job_free (job);
      return;
    }
  fw_plot_model_next_color (fw_window_get_plot_model (self), &color);
  run = fw_run_new (fw_model_get_config (opened->model->model), base, &color);
  fw_run_set_source (run, job->path);
  fw_run_set_n_params (run, fw_model_n_params (opened->model->model));
  fw_run_set_model (run, g_steal_pointer (&opened->model));
  if (opened->evaluated)
    {
      fw_run_finish (run, opened->accuracy, opened->loss, 0, FALSE);
      text = g_strdup_printf (_("Opened %s: accuracy %.3f, loss %.4f on %d %s rows of %s"), base,
                              opened->accuracy, opened->loss, opened->n, opened->split, fw_window_get_dataset (self)->name);
      if (opened->overlap > 0)
        {
          /* the same warning as eval's: these figures are not about new data */
          g_autofree char *warning = g_strdup_printf (ngettext ("%s: %d of the %d rows it was evaluated on is a row it was "
                                                                "trained on, so its accuracy overstates how well it does on new data",
                                                                "%s: %d of the %d rows it was evaluated on are rows it was "
                                                                "trained on, so its accuracy overstates how well it does on new data",
                                                                opened->overlap),
                                                      base, opened->overlap, opened->n);
          fw_window_show_error (self, warning);
        }
      else
        fw_window_hide_error (self);
    }
  else
    {
      fw_run_finish (run, NAN, NAN, 0, FALSE);
      text = g_strdup_printf (_("Opened %s"), base);
      if (opened->eval_error)
        {
          g_autofree char *message = g_strdup_printf (_("Opened %s, but could not evaluate it: %s"),
                                                      base, opened->eval_error);
          fw_window_show_error (self, message);
        }
    }
  fw_plot_model_add_run (fw_window_get_plot_model (self), run);
  fw_window_select_run (self, run);
  fw_window_set_status (self, text);
  model_job_free (job);
}

void
fw_window_open_model (FwWindow *self, const char *path)
{
  g_autofree char *text = NULL;

  g_return_if_fail (FW_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  if (fw_window_get_model_jobs (self) > 0 || fw_window_is_loading (self))
    {
      fw_window_show_error (self, _("Wait for the current model job to finish."));
      return;
    }
  g_autofree char *shown = g_filename_display_name (path);
  text = g_strdup_printf (_("Opening %s…"), shown);
  fw_window_set_status (self, text);
  /* the dataset is borrowed by the job: another one cannot load meanwhile */
  fw_model_open_async (path, fw_window_get_dataset (self), NULL, on_model_opened, model_job_new (self, NULL, path));
}

static void
on_open_model_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      if (path)
        fw_window_open_model (user_data, path);
    }
  g_object_unref (dialog);
}

static void
action_open_model (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) models = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Open a Model"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (models, _("Model files (safetensors)"));
  gtk_file_filter_add_suffix (models, "safetensors");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), models);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_model_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

gboolean
fw_window_delete_run (FwWindow *self, FwRun *run, GError **error)
{
  g_return_val_if_fail (FW_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (FW_IS_RUN (run), FALSE);

  if (run == fw_window_get_training_run (self) || fw_window_get_model_jobs (self) > 0 ||
      fw_run_store_is_busy (fw_window_get_run_store (self)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("%s cannot be deleted while it trains or is being saved."), fw_run_get_description (run));
      return FALSE;
    }
  if (!fw_run_store_delete (fw_window_get_run_store (self), run, error))
    return FALSE;
  fw_window_forget_compare_run (self, run);
  fw_plot_model_remove_run (fw_window_get_plot_model (self), run);
  fw_window_update_actions (self);
  return TRUE;
}

static void
action_delete_run (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  GtkListBoxRow *row = gtk_list_box_get_selected_row (fw_window_get_runs_list (self));
  g_autofree char *text = NULL;
  g_autoptr(FwRun) run = NULL;

  if (!row)
    {
      fw_window_show_error (self, _("Select the run to delete in the run list."));
      return;
    }
  run = g_object_ref (fw_run_row_get_run (FW_RUN_ROW (gtk_list_box_row_get_child (row))));
  if (run == fw_window_get_training_run (self))
    {
      fw_window_show_error (self, _("Stop training before deleting the run."));
      return;
    }
  /* out of the list now, off the disk when the chance to undo passes */
  text = g_strdup_printf (_("Deleted %s"), fw_run_get_description (run));
  fw_window_remove_runs (self, &run, 1, text);
  fw_window_set_status (self, text);
}

static const GActionEntry model_entries[] = {
  { "save-model", action_save_model },
  { "open-model", action_open_model },
  { "export-model", action_export_model },
  { "delete-run", action_delete_run },
};

/* Runs come and go outside the window's own commands too (reopened at
 * start by the run store): the actions follow the list. */
static void
on_runs_changed (FwWindow *self)
{
  if (fw_window_get_plot_model (self))   /* not disposed */
    fw_window_update_actions (self);
}

void
fw_window_models_init (FwWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), model_entries, G_N_ELEMENTS (model_entries), self);
  g_signal_connect_object (fw_plot_model_get_runs (fw_window_get_plot_model (self)),
                           "items-changed", G_CALLBACK (on_runs_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (fw_window_get_runs_list (self), "row-selected",
                           G_CALLBACK (on_run_selected), self, 0);
}

void
fw_window_models_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, GDK_CONTROL_MASK, "win.delete-run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.export-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.open-model", NULL);
}
