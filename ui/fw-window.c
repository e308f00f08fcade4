/* fw-window.c — the main window's behaviour: actions and shortcuts,
 * dataset loading in a GTask (progress polled, cancellable), training on
 * the core's compute thread with its event queue drained at most once per
 * frame from a tick callback, the run list, exports and the comparison of
 * the five fusion types.  Kernels and threads of the model are the core's. */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>
#ifdef __linux__
#include <unistd.h>
#endif

#include "fw-a11y.h"
#include "fw-builtin.h"
#include "fw-scroll-guard.h"
#include "fw-contrib-view.h"
#include "fw-cost.h"
#include "fw-dataset-view.h"
#include "fw-explainer.h"
#include "fw-pace.h"
#include "fw-redraw-budget.h"
#include "fw-run-row.h"
#include "fw-run-store.h"
#include "fw-run-summary.h"
#include "fw-save-chooser.h"
#include "fw-sample-view.h"
#include "fw-trainer.h"
#include "fw-ui.h"
#include "fw-window.h"
#include "fw-features-dialog.h"
#include "fw-window-private.h"

#define MAX_RECENT 8

/* The order of the comparison: one run per fusion type. */
static const FwFusion compare_order[] = {
  FW_FUSION_EARLY, FW_FUSION_INTERMEDIATE, FW_FUSION_LATE, FW_FUSION_IMAGE, FW_FUSION_TEXT,
};
G_STATIC_ASSERT (G_N_ELEMENTS (compare_order) == FW_FUSION_N_KINDS);

typedef struct {
  char *spec;
  char *features[2];         /* image and text features files, or NULL (the options point here) */
  FwLoadOptions options;
  gint progress;             /* per mille, written by the worker */
  int vocab_size;            /* written by the worker before it returns */
} LoadJob;

struct _FwWindow
{
  GtkApplicationWindow parent_instance;

  /* Template widgets */
  GtkInfoBar *error_bar;
  GtkLabel *error_label;
  GtkRevealer *loading_revealer;
  GtkLabel *loading_label;
  GtkProgressBar *loading_progress;
  FwDatasetView *dataset_view;
  GtkLabel *lesson_label;
  FwModelPanel *model_panel;
  GtkLabel *status_label;
  GtkAdjustment *smoothing_adjustment;
  FwPlot *loss_plot;
  FwPlot *accuracy_plot;
  GtkListBox *runs_list;
  GtkWidget *compare_box;
  GtkGrid *compare_grid;
  GMenu *datasets_section;
  GtkMenuButton *primary_menu_button;
  GtkWidget *load_rest_button;  /* in the banner */
  FwContribView *contrib_view;
  FwSampleView *sample_view;
  FwWindowLayout layout;     /* its template widgets too */
  FwRobustnessView *robustness_view;
  GtkRevealer *lesson_revealer;
  FwLessonPanel *lesson_panel;
  GMenu *lessons_section;

  /* Owned */
  GSettings *settings;       /* NULL when the schema is not installed */
  FwExplainer *explainer;    /* the models the Contributions and Sample views explain with */
  FwDataset *dataset;
  FwPlotModel *plot_model;
  GListStore *compare_runs;
  GCancellable *load_cancellable;
  FwTrainer *trainer;
  FwRun *run;                /* the run being trained */
  char *error_message;
  char *pending_spec;        /* asked for before the first frame */
  char *load_features[2];    /* the features files of the dataset being opened, or NULL */
  char *bad_rows_spec;       /* failed on bad rows: Load the Rest offers it again */
  char *chosen_spec;         /* a dataset the user picked in the menu, loading */
  gulong after_paint_id;
  int compare_next;          /* index into compare_order; -1 when not comparing */
  guint tick_id;             /* draining every frame: Classroom pace animates */
  guint drain_id;            /* draining as the redraw budget allows: full speed */
  FwRedrawBudget redraw_budget;
  guint watchdog_id;
  guint progress_id;
  gint64 last_drain;
  gint64 last_progress;      /* when the run's row last heard of new steps */
  double trainer_lr;
  FwEvent last_step;
  FwPace pace;               /* Classroom pace: when the trainer's events show */
  FwRunStore *run_store;     /* autosave of every run trained here */
  int model_jobs;            /* opening, evaluating or exporting a model */

  /* Borrowed */
  LoadJob *load_job;         /* owned by the running GTask */
};

G_DEFINE_FINAL_TYPE (FwWindow, fw_window, GTK_TYPE_APPLICATION_WINDOW)

static void update_actions (FwWindow *self);
static void finish_training (FwWindow *self);
static gboolean start_run (FwWindow *self, const FwConfig *config);

/* ---- error banner ---- */

static void
show_error (FwWindow *self, const char *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  gtk_label_set_text (self->error_label, message);
  gtk_info_bar_set_message_type (self->error_bar, GTK_MESSAGE_ERROR);
  gtk_info_bar_set_revealed (self->error_bar, TRUE);
  if (self->load_rest_button)
    gtk_widget_set_visible (self->load_rest_button, self->bad_rows_spec != NULL);
}

static void
hide_error (FwWindow *self)
{
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->bad_rows_spec, g_free);
  gtk_info_bar_set_revealed (self->error_bar, FALSE);
}

static void
on_error_bar_response (GtkInfoBar *bar, int response, FwWindow *self)
{
  /* Load the Rest is an action of its own; the banner then shows what
   * was left out */
  if (response != GTK_RESPONSE_NONE)
    hide_error (self);
}

/* ---- status ---- */

static void
set_status (FwWindow *self, const char *text)
{
  gtk_label_set_text (self->status_label, text);
}

static void
update_status_ready (FwWindow *self)
{
  if (self->dataset)
    set_status (self, _("Ready: press Train (Ctrl+Return)"));
  else
    set_status (self, _("Open a dataset to begin"));
}

/* ---- datasets ---- */

static void
rebuild_datasets_menu (FwWindow *self)
{
  g_autoptr(GMenu) builtins = g_menu_new ();
  g_autoptr(GMenu) recent = g_menu_new ();
  g_auto(GStrv) recents = NULL;
  int n_builtins;
  const FwBuiltinInfo *builtins_info = fw_builtin_list (&n_builtins);

  for (int i = 0; i < n_builtins; i++)
    {
      g_autofree char *spec = g_strconcat ("builtin:", builtins_info[i].name, NULL);
      g_autoptr(GMenuItem) item = g_menu_item_new (builtins_info[i].name, NULL);
      g_menu_item_set_action_and_target (item, "win.load-dataset", "s", spec);
      g_menu_append_item (builtins, item);
    }
  g_menu_remove_all (self->datasets_section);
  g_menu_append_submenu (self->datasets_section, _("Built-in Datasets"), G_MENU_MODEL (builtins));
  if (self->settings)
    recents = g_settings_get_strv (self->settings, "recent-datasets");
  for (guint i = 0; recents && recents[i]; i++)
    {
      g_autofree char *base = g_path_get_basename (recents[i]);
      g_autoptr(GMenuItem) item = g_menu_item_new (g_str_has_prefix (recents[i], "builtin:") ? recents[i] : base, NULL);
      g_menu_item_set_action_and_target (item, "win.load-dataset", "s", recents[i]);
      g_menu_append_item (recent, item);
    }
  if (recents && recents[0])
    g_menu_append_submenu (self->datasets_section, _("Recent Datasets"), G_MENU_MODEL (recent));
}

static void
remember_dataset (FwWindow *self, const char *spec)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) recents = NULL;
  guint n = 1;

  /* settings hold UTF-8 strings only: a path that is not cannot be kept */
  if (!self->settings || !g_utf8_validate (spec, -1, NULL))
    return;
  g_settings_set_string (self->settings, "last-dataset", spec);
  old = g_settings_get_strv (self->settings, "recent-datasets");
  g_strv_builder_add (builder, spec);
  for (guint i = 0; old[i] && n < MAX_RECENT; i++)
    if (g_strcmp0 (old[i], spec) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recents = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-datasets", (const char *const *) recents);
  rebuild_datasets_menu (self);
}

static void
load_job_free (gpointer data)
{
  LoadJob *job = data;

  g_free (job->spec);
  g_free (job->features[0]);
  g_free (job->features[1]);
  g_free (job);
}

static void
load_progress (double fraction, gpointer user_data)
{
  LoadJob *job = user_data;

  g_atomic_int_set (&job->progress, (int) (CLAMP (fraction, 0, 1) * 1000));
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LoadJob *job = task_data;
  GError *error = NULL;
  FwDataset *ds;

  job->options.progress = load_progress;
  job->options.progress_data = job;
  ds = fw_dataset_load (job->spec, &job->options, cancellable, &error);
  if (ds)
    {
      /* the vocabulary the trainer will build, for the Dataset panel */
      g_autoptr(FwVocab) vocab = fw_vocab_build (ds);
      job->vocab_size = vocab ? (int) vocab->tokens->len : -1;
    }
  if (ds)
    g_task_return_pointer (task, ds, (GDestroyNotify) fw_dataset_free);
  else
    g_task_return_error (task, error);
}

/* The worker writes the fraction; the GUI reads it ten times a second. */
static gboolean
poll_progress (gpointer user_data)
{
  FwWindow *self = user_data;

  if (self->load_job)
    gtk_progress_bar_set_fraction (self->loading_progress,
                                   g_atomic_int_get (&self->load_job->progress) / 1000.0);
  return G_SOURCE_CONTINUE;
}

/* A built-in dataset shows its lesson; chosen by the user in the menu, it
 * also brings the settings that make the lesson show (more epochs for
 * shapes-xor, say).  At start the remembered options stay, and a lesson
 * step's own settings win. */
static void
show_builtin_lesson (FwWindow *self, const char *spec, gboolean chosen)
{
  const FwBuiltinInfo *info = g_str_has_prefix (spec, "builtin:") ? fw_builtin_find (spec + 8) : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->lesson_label), info != NULL);
  if (!info)
    return;
  gtk_label_set_text (self->lesson_label, _(info->lesson));
  if (chosen && info->recommended)
    {
      FwConfig config = *fw_model_panel_get_config (self->model_panel);
      if (fw_config_set_options (&config, info->recommended, NULL) && fw_config_validate (&config, NULL))
        fw_model_panel_set_config (self->model_panel, &config);
    }
}

static void
on_dataset_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  FwWindow *self = FW_WINDOW (source);
  GTask *task = G_TASK (result);
  LoadJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  FwDataset *ds = g_task_propagate_pointer (task, &error);

  if (g_task_get_cancellable (task) != self->load_cancellable)
    {
      /* a newer load replaced this one */
      g_clear_pointer (&ds, fw_dataset_free);
      return;
    }
  g_clear_object (&self->load_cancellable);
  self->load_job = NULL;
  g_clear_handle_id (&self->progress_id, g_source_remove);
  gtk_revealer_set_reveal_child (self->loading_revealer, FALSE);

  if (ds == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, FW_DATA_ERROR, FW_DATA_ERROR_CANCELLED))
        set_status (self, _("Loading cancelled"));
      else
        {
          g_autofree char *message = NULL;
          /* bad rows: the banner offers to load the rest (the command
           * line's --skip-bad-rows), so its hint is not for here */
          if (error->domain == FW_DATA_ERROR && !job->options.skip_bad_rows &&
              (error->code == FW_DATA_ERROR_PARSE || error->code == FW_DATA_ERROR_VALUE ||
               error->code == FW_DATA_ERROR_IMAGE))
            {
              g_autofree char *hint = g_strdup_printf (_("%s (or load with --skip-bad-rows)"), "");
              if (g_str_has_suffix (error->message, hint))
                error->message[strlen (error->message) - strlen (hint)] = '\0';
              g_free (self->bad_rows_spec);
              self->bad_rows_spec = g_strdup (job->spec);
            }
          message = g_strdup_printf (_("Could not open the dataset: %s"), error->message);
          show_error (self, message);
          update_status_ready (self);
        }
      update_actions (self);
      return;
    }

  g_clear_pointer (&self->bad_rows_spec, g_free);
  fw_explainer_set_dataset (self->explainer, ds);   /* before the old one goes */
  show_builtin_lesson (self, job->spec, g_strcmp0 (self->chosen_spec, job->spec) == 0);
  g_clear_pointer (&self->chosen_spec, g_free);
  fw_robustness_view_set_dataset (self->robustness_view, ds);
  g_clear_pointer (&self->dataset, fw_dataset_free);
  self->dataset = ds;
  fw_dataset_view_set_dataset (self->dataset_view, ds, job->vocab_size);
  fw_model_panel_set_data (self->model_panel, MAX (job->vocab_size, 0), ds->n_classes);
  fw_model_panel_set_features (self->model_panel, ds->features_dim[0], ds->features_dim[1]);
  fw_plot_set_chance_level (self->accuracy_plot, ds->n_classes > 1 ? 1.0 / ds->n_classes : NAN);
  remember_dataset (self, job->spec);
  hide_error (self);
  if (ds->n_skipped > 0)
    {
      /* what was left out, in the banner: the first reasons, one a line */
      g_autoptr(GString) text = g_string_new (NULL);
      g_string_printf (text, ngettext ("Loaded %d rows; skipped %d bad row:", "Loaded %d rows; skipped %d bad rows:",
                                          ds->n_skipped), ds->n, ds->n_skipped);
      for (guint i = 0; ds->skipped && i < ds->skipped->len; i++)
        g_string_append_printf (text, "\n%s", (const char *) ds->skipped->pdata[i]);
      show_error (self, text->str);
      gtk_info_bar_set_message_type (self->error_bar, GTK_MESSAGE_WARNING);
    }
  update_status_ready (self);
  update_actions (self);
  fw_window_evaluate_opened_models (self);
  fw_window_tuning_next (self);   /* a sweep queue left by the last session goes on */
}

static void start_load (FwWindow *self, const char *spec);
static void start_load_skipping (FwWindow *self, const char *spec, gboolean skip_bad_rows);


/* The first frame goes out before loading starts: on a busy machine the
 * worker would otherwise compete with the window's first layout. */
static void
on_first_paint (GdkFrameClock *clock, FwWindow *self)
{
  g_autofree char *spec = g_steal_pointer (&self->pending_spec);

  g_clear_signal_handler (&self->after_paint_id, clock);
  if (spec)
    start_load (self, spec);
}

void
fw_window_load_dataset (FwWindow *self, const char *spec)
{
  fw_window_load_dataset_with_features (self, spec, NULL, NULL);
}

void
fw_window_load_dataset_with_features (FwWindow *self, const char *spec, const char *image_features,
                                      const char *text_features)
{
  g_return_if_fail (FW_IS_WINDOW (self));
  g_return_if_fail (spec != NULL);

  g_free (self->load_features[0]);
  g_free (self->load_features[1]);
  self->load_features[0] = image_features && *image_features ? g_strdup (image_features) : NULL;
  self->load_features[1] = text_features && *text_features ? g_strdup (text_features) : NULL;

  if (!gtk_widget_get_realized (GTK_WIDGET (self)) || self->after_paint_id)
    {
      g_free (self->pending_spec);
      self->pending_spec = g_strdup (spec);
      return;
    }
  start_load (self, spec);
}

static void
on_realize (GtkWidget *widget, gpointer user_data)
{
  FwWindow *self = FW_WINDOW (widget);

  self->after_paint_id = g_signal_connect (gtk_widget_get_frame_clock (widget), "after-paint",
                                           G_CALLBACK (on_first_paint), self);
}

static void
start_load (FwWindow *self, const char *spec)
{
  start_load_skipping (self, spec, FALSE);
}

static void
start_load_skipping (FwWindow *self, const char *spec, gboolean skip_bad_rows)
{
  const FwConfig *config = fw_model_panel_get_config (self->model_panel);
  g_autoptr(GTask) task = NULL;
  g_autofree char *label = NULL;
  FwLoadOptions init = FW_LOAD_OPTIONS_INIT;
  LoadJob *job;

  if (self->trainer)
    {
      show_error (self, _("Stop training before opening another dataset."));
      return;
    }
  if (self->model_jobs > 0)
    {
      show_error (self, _("Wait for the model to be evaluated or exported before opening another dataset."));
      return;
    }
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  job = g_new0 (LoadJob, 1);
  job->spec = g_strdup (spec);
  job->options = init;
  job->options.image_size = config->image_size;
  job->options.color = config->color;
  job->options.seed = config->seed;
  job->options.val_fraction = config->val_fraction;
  job->options.skip_bad_rows = skip_bad_rows;
  job->features[0] = g_strdup (self->load_features[0]);
  job->features[1] = g_strdup (self->load_features[1]);
  job->options.image_features = job->features[0];
  job->options.text_features = job->features[1];
  self->load_job = job;

  task = g_task_new (self, self->load_cancellable, on_dataset_loaded, NULL);
  g_task_set_task_data (task, job, load_job_free);
  g_task_set_name (task, "fw-load-dataset");
  g_task_run_in_thread (task, load_thread);

  g_autofree char *shown = g_filename_display_name (spec);
  label = g_strdup_printf (_("Loading %s…"), shown);
  gtk_label_set_text (self->loading_label, label);
  gtk_progress_bar_set_fraction (self->loading_progress, 0);
  gtk_revealer_set_reveal_child (self->loading_revealer, TRUE);
  set_status (self, label);
  if (!self->progress_id)
    self->progress_id = g_timeout_add (100, poll_progress, self);
  update_actions (self);
}

const FwDataset *
fw_window_get_dataset (FwWindow *self)
{
  return self->dataset;
}

/* ---- training ---- */

static void
update_step_status (FwWindow *self)
{
  g_autofree char *text = NULL;

  if (!self->run)
    return;
  text = fw_run_describe_progress (self->run, self->last_step.step, self->last_step.steps_per_epoch,
                                   self->last_step.epoch, self->last_step.loss);
  set_status (self, text);
}

/* A model file the trainer could not write: the run is marked, and
 * finish_training keeps the weights in memory.  Returns the banner's text
 * when this is news (g_free), NULL otherwise. */
static char *
note_model_saved (FwWindow *self, const char *save_error)
{
  gboolean was_failing = fw_run_get_save_error (self->run) != NULL;

  fw_run_set_save_error (self->run, save_error);
  if (!save_error || was_failing)
    return NULL;
  return g_strdup_printf (_("The model of %s could not be saved: %s. "
                            "The run keeps it: use Save Model to save it elsewhere."),
                          fw_run_get_description (self->run), save_error);
}

/* The trainer's weights as the run's model, when its file could not be
 * written: the same bytes a file would hold, read back from memory. */
static void
keep_model_in_memory (FwWindow *self)
{
  g_autoptr(GBytes) bytes = fw_model_save_to_bytes (fw_trainer_get_model (self->trainer),
                                                    fw_trainer_get_vocab (self->trainer),
                                                    (const char *const *) self->dataset->classes);
  g_autoptr(GError) error = NULL;
  FwSavedModel *saved = fw_model_load_bytes (bytes, fw_run_get_description (self->run), 256, &error);

  if (saved)
    fw_run_set_model (self->run, saved);
  else
    show_error (self, error->message);
}

/* Drains every queued event; the caller guarantees this runs at most once
 * per frame (Classroom pace) or as the redraw budget allows, so a fast
 * trainer never floods the main loop. */
static void
drain_events (FwWindow *self)
{
  FwEvent event = { 0 };
  gboolean any = FALSE, ended = FALSE, epochs = FALSE;

  self->last_drain = g_get_monotonic_time ();
  while (self->trainer && !ended && fw_pace_pop_event (&self->pace, self->trainer, self->last_drain, &event))
    {
      any = TRUE;
      switch (event.kind)
        {
        case FW_EVENT_STEP:
          if (fw_run_get_steps_per_epoch (self->run) == 0)
            fw_run_set_steps_per_epoch (self->run, event.steps_per_epoch);
          fw_run_add_step (self->run, event.step, event.loss);
          self->last_step = event;
          self->last_step.message = NULL;
          break;
        case FW_EVENT_EPOCH:
          {
            FwEpochPoint p = { event.epoch, event.step, event.train_loss, event.val_loss,
                               event.train_accuracy, event.val_accuracy, event.seconds,
                               event.image_share, event.text_share, event.interaction };
            if (fw_run_get_steps_per_epoch (self->run) == 0)
              fw_run_set_steps_per_epoch (self->run, event.steps_per_epoch);
            fw_run_add_epoch (self->run, &p);
            epochs = TRUE;
            g_autofree char *note = note_model_saved (self, event.save_error);
            if (note)
              show_error (self, note);
            fw_run_store_save_metrics (self->run_store, self->run);
          }
          break;
        case FW_EVENT_FINISHED:
          fw_run_set_cost (self->run, fw_run_get_flops_per_sample (self->run), event.inference_ms);
          fw_run_finish (self->run, event.test_accuracy, event.test_loss, event.seconds, event.stopped);
          /* the last write decides: an earlier failure is mended by it */
          {
            g_autofree char *note = note_model_saved (self, event.save_error);
            if (note)
              show_error (self, note);
          }
          ended = TRUE;
          break;
        case FW_EVENT_FAILED:
          {
            g_autofree char *message = g_strdup_printf (_("Training %s failed: %s"),
                                                        fw_run_get_description (self->run),
                                                        event.message ? event.message : "");
            /* a run that fails on a full disk may have lost its model file too */
            g_autofree char *note = event.save_error ? note_model_saved (self, event.save_error) : NULL;
            fw_run_fail (self->run, event.message);
            if (note)
              {
                g_autofree char *both = g_strdup_printf ("%s\n%s", message, note);
                show_error (self, both);
              }
            else
              show_error (self, message);
            self->compare_next = -1;
            ended = TRUE;
          }
          break;
        default:
          break;
        }
      fw_event_clear (&event);
    }
  if (any)
    {
      fw_redraw_budget_expect_frame (&self->redraw_budget);
      /* steps alone redraw the loss plot only */
      if (epochs || ended)
        fw_plot_model_changed (self->plot_model);
      else
        fw_plot_model_steps_added (self->plot_model);
      /* the status line and the run's row a few times a second: a label
       * whose text changes relayouts the window */
      if (epochs || ended || self->last_drain - self->last_progress > 250 * 1000)
        {
          update_step_status (self);
          if (!ended)
            {
              self->last_progress = self->last_drain;
              fw_run_progress (self->run);
            }
        }
    }
  if (ended)
    finish_training (self);
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  drain_events (FW_WINDOW (widget));
  return G_SOURCE_CONTINUE;
}

static gboolean
on_drain_timeout (gpointer user_data)
{
  FwWindow *self = user_data;

  self->drain_id = 0;
  drain_events (self);
  /* the next one as far off as the last frames' cost asks, unless the run
   * ended (or ended and the next of a comparison began: it has its own) */
  if (self->trainer && !self->pace.enabled && !self->drain_id && !self->tick_id)
    self->drain_id = g_timeout_add (fw_redraw_budget_interval_ms (&self->redraw_budget),
                                    on_drain_timeout, self);
  return G_SOURCE_REMOVE;
}

static void
stop_draining (FwWindow *self)
{
  if (self->tick_id)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  g_clear_handle_id (&self->drain_id, g_source_remove);
  fw_redraw_budget_detach (&self->redraw_budget);
}

/* Classroom pace releases steps frame by frame, so it drains on every
 * frame.  At full speed the curves grow as often as the redraw budget
 * allows instead (20 times a second at most): a tick callback would keep
 * the window drawing 60 frames a second, each taking its CPU from the
 * training threads on a machine without spare cores, for steps the eye
 * does not follow one by one. */
static void
schedule_draining (FwWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  stop_draining (self);
  if (!self->trainer)
    return;
  if (self->pace.enabled)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
  else
    {
      if (clock)
        fw_redraw_budget_attach (&self->redraw_budget, clock);
      self->drain_id = g_timeout_add (fw_redraw_budget_interval_ms (&self->redraw_budget),
                                      on_drain_timeout, self);
    }
}

/* Frames stop while the window is hidden or minimized; the queue is still
 * drained, slowly, so a comparison goes on (the full-speed timer needs no
 * frames: only the per-frame drain of Classroom pace can stall). */
static gboolean
on_watchdog (gpointer user_data)
{
  FwWindow *self = user_data;

  if (self->tick_id && g_get_monotonic_time () - self->last_drain > 200 * 1000)
    drain_events (self);
  return G_SOURCE_CONTINUE;
}

/* 1234567 → "1.23 M": FLOP counts span k to G */
static const char *
format_flops (double v, char buf[64])
{
  static const char *const units[] = { "", " k", " M", " G", " T" };
  int u = 0;
  while (fabs (v) >= 1000 && u < (int) G_N_ELEMENTS (units) - 1)
    {
      v /= 1000;
      u++;
    }
  g_snprintf (buf, 64, u == 0 ? "%.0f%s" : "%.3g%s", v, units[u]);
  return buf;
}

static void
rebuild_compare_table (FwWindow *self)
{
  GtkWidget *child;
  static const char *const headers[] = {
    N_("Fusion"), N_("Test acc."), N_("Val. loss"), N_("Params"), N_("FLOPs"), N_("Time"),
    N_("Inference"),
  };
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->compare_runs));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->compare_grid))))
    gtk_grid_remove (self->compare_grid, child);
  gtk_widget_set_visible (self->compare_box, n > 0);
  for (guint c = 0; c < G_N_ELEMENTS (headers); c++)
    {
      GtkWidget *label = gtk_label_new (_(headers[c]));
      gtk_label_set_xalign (GTK_LABEL (label), c == 0 ? 0 : 1);
      gtk_widget_add_css_class (label, "fw-table-header");
      gtk_grid_attach (self->compare_grid, label, c, 0, 1, 1);
    }
  for (guint r = 0; r < n; r++)
    {
      g_autoptr(FwRun) run = g_list_model_get_item (G_LIST_MODEL (self->compare_runs), r);
      gboolean done = fw_run_get_state (run) == FW_RUN_FINISHED || fw_run_get_state (run) == FW_RUN_STOPPED;
      const GdkRGBA *col = fw_run_get_color (run);
      g_autofree char *name = g_markup_printf_escaped ("<span foreground=\"#%02x%02x%02x\">●</span> %s",
                                                       (int) (col->red * 255), (int) (col->green * 255),
                                                       (int) (col->blue * 255), fw_run_get_description (run));
      char cells[6][64];
      GtkWidget *label;

      if (done && isfinite (fw_run_get_test_accuracy (run)))
        g_snprintf (cells[0], 64, "%.3f", fw_run_get_test_accuracy (run));
      else if (fw_run_get_state (run) == FW_RUN_FAILED)
        g_snprintf (cells[0], 64, "%s", _("failed"));
      else
        g_snprintf (cells[0], 64, "%s", done ? "—" : "…");
      if (isfinite (fw_run_get_final_val_loss (run)))
        g_snprintf (cells[1], 64, "%.4f", fw_run_get_final_val_loss (run));
      else
        g_snprintf (cells[1], 64, "—");
      g_snprintf (cells[2], 64, "%'" G_GSIZE_FORMAT, fw_run_get_n_params (run));
      if (isfinite (fw_run_get_flops_per_sample (run)))
        format_flops (fw_run_get_flops_per_sample (run), cells[3]);
      else
        g_snprintf (cells[3], 64, "—");
      g_snprintf (cells[4], 64, _("%.1f s"), fw_run_get_seconds (run));
      if (isfinite (fw_run_get_inference_ms (run)))
        /* per sample, in microseconds: the numbers are small */
        g_snprintf (cells[5], 64, _("%.1f µs"), 1000 * fw_run_get_inference_ms (run));
      else
        g_snprintf (cells[5], 64, "—");

      label = gtk_label_new (NULL);
      gtk_label_set_markup (GTK_LABEL (label), name);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_grid_attach (self->compare_grid, label, 0, r + 1, 1, 1);
      for (int c = 0; c < 6; c++)
        {
          label = gtk_label_new (cells[c]);
          gtk_label_set_xalign (GTK_LABEL (label), 1);
          gtk_widget_add_css_class (label, "numeric");
          gtk_grid_attach (self->compare_grid, label, c + 1, r + 1, 1, 1);
        }
    }
}

/* A new run from config, or (existing and from) a finished run that
 * continues from its checkpoint to config's epochs. */
static gboolean
start_run_from (FwWindow *self, const FwConfig *config, FwRun *existing, const FwCheckpoint *from)
{
  g_autoptr(GError) error = NULL;
  FwConfig c = *config;
  GdkRGBA color;

  g_return_val_if_fail (self->trainer == NULL, FALSE);

  if (!self->dataset)
    return FALSE;
  c.threads = 0;             /* every core: the GUI thread only draws */
  if (!fw_config_validate (&c, &error) ||
      !(self->trainer = fw_trainer_new (&c, self->dataset, &error)) ||
      (from && !fw_trainer_restore (self->trainer, from, &error)))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot train this model: %s"), error->message);
      g_clear_pointer (&self->trainer, fw_trainer_free);
      show_error (self, message);
      return FALSE;
    }
  fw_trainer_measure_reliance (self->trainer, FW_CONTRIB_RELIANCE_ROWS);
  fw_pace_reset (&self->pace, c.epochs);
  hide_error (self);
  if (existing)
    {
      self->run = g_object_ref (existing);
      fw_run_continue (self->run, c.epochs);
    }
  else
    {
      fw_plot_model_next_color (self->plot_model, &color);
      self->run = fw_run_new (&c, self->dataset->name, &color);
      fw_run_set_dataset_source (self->run, self->dataset->source);
      fw_run_set_n_params (self->run, fw_model_n_params (fw_trainer_get_model (self->trainer)));
      fw_run_set_cost (self->run,
                       fw_cost_flops_per_sample (&c, fw_model_get_shape (fw_trainer_get_model (self->trainer))),
                       NAN);
      fw_run_set_state (self->run, FW_RUN_RUNNING);
      if (!fw_run_store_add (self->run_store, self->run, &error))
        {
          g_autofree char *message = g_strdup_printf (_("This run will not be saved: %s"), error->message);
          show_error (self, message);
        }
      fw_plot_model_add_run (self->plot_model, self->run);
    }
  fw_run_set_cost (self->run,
                   fw_cost_flops_per_sample (&c, fw_model_get_shape (fw_trainer_get_model (self->trainer))),
                   NAN);
  self->trainer_lr = c.lr;
  memset (&self->last_step, 0, sizeof self->last_step);

  if (fw_run_get_dir (self->run))
    {
      g_autofree char *model_path = g_build_filename (fw_run_get_dir (self->run), FW_RUN_MODEL_FILE, NULL);
      g_autofree char *checkpoint = g_build_filename (fw_run_get_dir (self->run), FW_RUN_CHECKPOINT_FILE, NULL);
      fw_trainer_save_model_to (self->trainer, model_path, (const char *const *) self->dataset->classes);
      /* what Continue training resumes from */
      fw_trainer_checkpoint_to (self->trainer, checkpoint, (const char *const *) self->dataset->classes, FALSE);
    }
  /* the compute threads keep the normal priority: they block instead of
   * spinning (fw-parallel.h), and a lowered one let every other process on
   * a busy machine starve training; the window's frames stay cheap */
  fw_trainer_start (self->trainer);
  self->last_drain = g_get_monotonic_time ();
  schedule_draining (self);
  self->watchdog_id = g_timeout_add (250, on_watchdog, self);
  fw_model_panel_set_training (self->model_panel, TRUE);
  update_step_status (self);
  update_actions (self);
  return TRUE;
}

static gboolean
start_run (FwWindow *self, const FwConfig *config)
{
  return start_run_from (self, config, NULL, NULL);
}

gboolean
fw_window_start_run (FwWindow *self, const FwConfig *config, FwRun *existing,
                     const FwCheckpoint *from)
{
  g_return_val_if_fail (FW_IS_WINDOW (self) && config, FALSE);
  if (self->trainer || self->compare_next >= 0)
    return FALSE;
  return start_run_from (self, config, existing, from);
}

static void
start_next_compare (FwWindow *self)
{
  FwConfig config = *fw_model_panel_get_config (self->model_panel);

  if (self->compare_next < 0 || self->compare_next >= (int) G_N_ELEMENTS (compare_order))
    {
      self->compare_next = -1;
      return;
    }
  config.fusion = compare_order[self->compare_next++];
  if (config.fusion == FW_FUSION_EARLY)
    config.image_encoder = FW_IMAGE_MLP;
  /* the fusion operation is intermediate fusion's; attention would make
   * the other fusion types refuse to train */
  if (config.fusion != FW_FUSION_INTERMEDIATE && config.fusion_op == FW_OP_ATTENTION)
    config.fusion_op = FW_OP_CONCAT;
  if (start_run (self, &config))
    {
      g_list_store_append (self->compare_runs, self->run);
      g_signal_connect_object (self->run, "changed", G_CALLBACK (rebuild_compare_table), self,
                               G_CONNECT_SWAPPED);
      rebuild_compare_table (self);
    }
  else
    self->compare_next = -1;
}

static void
finish_training (FwWindow *self)
{
  g_autofree char *text = NULL;

  /* a model that is not on disk (a full disk) is kept from memory (a failed
   * run's weights are its last good epoch's: fw-trainer.h) */
  if (fw_run_get_save_error (self->run))
    keep_model_in_memory (self);
  /* FINISHED and FAILED are the last events: joining is immediate; the
   * Contributions view keeps the model */
  fw_explainer_take_trainer (self->explainer, self->run, g_steal_pointer (&self->trainer));
  stop_draining (self);
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  fw_model_panel_set_training (self->model_panel, FALSE);
  /* the compute thread wrote the model file; the run gets it read back */
  fw_run_store_save_metrics (self->run_store, self->run);
  if (!fw_run_is_model_loaded (self->run))
    fw_run_store_load_model (self->run_store, self->run);

  text = fw_run_describe_end (self->run);
  set_status (self, text);
  g_clear_object (&self->run);
  fw_plot_model_changed (self->plot_model);

  if (self->compare_next >= 0)
    {
      start_next_compare (self);
      /* the last of the five: the line names the winner, not the last model */
      if (self->compare_next < 0 && !self->trainer)
        {
          g_autofree char *summary = fw_compare_summary (G_LIST_MODEL (self->compare_runs));
          if (summary)
            set_status (self, summary);
        }
    }
  else
    fw_window_tuning_next (self);   /* the sweep queue, if any */
  update_actions (self);
}

static void
on_model_changed (FwWindow *self)
{
  const FwConfig *config = fw_model_panel_get_config (self->model_panel);

  /* the one option that may change while a model trains */
  if (self->trainer && config->lr != self->trainer_lr)
    {
      fw_trainer_set_lr (self->trainer, config->lr);
      self->trainer_lr = config->lr;
    }
  if (self->settings)
    {
      GVariantBuilder b;
      int n;
      const FwOptionInfo *infos = fw_config_options (&n);

      g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
      for (int i = 0; i < n; i++)
        {
          g_autofree char *value = fw_config_get (config, infos[i].name);
          if (value && g_strcmp0 (infos[i].name, "threads") != 0)
            g_variant_builder_add (&b, "{ss}", infos[i].name, value);
        }
      g_settings_set_value (self->settings, "last-options", g_variant_builder_end (&b));
    }
}

gboolean
fw_window_is_busy (FwWindow *self)
{
  return self->trainer != NULL || self->load_cancellable != NULL || self->compare_next >= 0 ||
         self->pending_spec != NULL || self->model_jobs > 0 ||
         (self->run_store && fw_run_store_is_busy (self->run_store));
}

/* ---- actions ---- */

static void
set_enabled (FwWindow *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_actions (FwWindow *self)
{
  gboolean training = self->trainer != NULL;
  gboolean loading = self->load_cancellable != NULL;
  gboolean idle = !training && !loading && self->compare_next < 0;
  guint n_runs = fw_plot_model_get_n_runs (self->plot_model);

  set_enabled (self, "train", idle && self->dataset != NULL);
  set_enabled (self, "compare", idle && self->dataset != NULL);
  set_enabled (self, "pause", training);
  set_enabled (self, "stop", training || loading);
  set_enabled (self, "open", !training);
  set_enabled (self, "open-folder", !training);
  set_enabled (self, "load-dataset", !training);
  set_enabled (self, "export-metrics", n_runs > 0);
  set_enabled (self, "clear-runs", n_runs > 0 && idle);
  set_enabled (self, "save-model", n_runs > 0);
  set_enabled (self, "export-model", n_runs > 0);
  set_enabled (self, "delete-run", n_runs > 0);
  fw_window_lessons_update (self, !idle);
  if (!training)
    {
      GAction *pause = g_action_map_lookup_action (G_ACTION_MAP (self), "pause");
      if (pause)
        g_simple_action_set_state (G_SIMPLE_ACTION (pause), g_variant_new_boolean (FALSE));
    }
}

static void
action_train (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;

  if (self->trainer || !self->dataset)
    return;
  self->compare_next = -1;
  start_run (self, fw_model_panel_get_config (self->model_panel));
}

static void
action_compare (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  guint n = fw_plot_model_get_n_runs (self->plot_model);

  if (self->trainer || !self->dataset)
    return;
  /* the comparison's five curves overlay on their own */
  for (guint i = 0; i < n; i++)
    fw_run_set_visible (fw_plot_model_get_run (self->plot_model, i), FALSE);
  g_list_store_remove_all (self->compare_runs);
  self->compare_next = 0;
  start_next_compare (self);
}

static void
action_pause (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  FwWindow *self = user_data;
  gboolean paused = g_variant_get_boolean (state);

  if (!self->trainer)
    return;
  g_simple_action_set_state (action, state);
  fw_pace_set_paused (&self->pace, paused);
  if (paused)
    {
      fw_trainer_pause (self->trainer);
      fw_run_set_state (self->run, FW_RUN_PAUSED);
      /* the steps still in the queue keep it saying so (drain_events) */
      update_step_status (self);
    }
  else
    {
      fw_trainer_resume (self->trainer);
      fw_run_set_state (self->run, FW_RUN_RUNNING);
      update_step_status (self);
    }
}

static void
action_stop (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  if (self->trainer)
    {
      self->compare_next = -1;
      fw_pace_flush (&self->pace);
      fw_trainer_resume (self->trainer);
      fw_trainer_stop (self->trainer);
      set_status (self, _("Stopping…"));
    }
}

static void
on_open_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  FwWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      if (path)
        fw_window_load_dataset (self, path);
    }
  g_object_unref (dialog);
}

static void
open_chooser (FwWindow *self, gboolean folder)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (folder ? _("Open a Dataset Folder") : _("Open a Dataset Manifest"),
                                         GTK_WINDOW (self),
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                : GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  if (!folder)
    {
      g_autoptr(GtkFileFilter) manifests = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (manifests, _("Manifests (CSV, JSON Lines)"));
      gtk_file_filter_add_suffix (manifests, "csv");
      gtk_file_filter_add_suffix (manifests, "jsonl");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), manifests);
      gtk_file_filter_set_name (all, _("All files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
    }
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_open (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  open_chooser (user_data, FALSE);
}

static void
action_open_folder (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  open_chooser (user_data, TRUE);
}

static void
on_features_chosen (const char *manifest, const char *image, const char *text, gpointer user_data)
{
  fw_window_load_dataset_with_features (FW_WINDOW (user_data), manifest, image, text);
}

static void
action_open_with_features (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  fw_features_dialog_show (GTK_WINDOW (user_data), on_features_chosen, user_data);
}

/* (manifest, image features, text features); "" for none */
static void
action_load_dataset_with_features (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  const char *spec, *image, *text;

  g_variant_get (param, "(&s&s&s)", &spec, &image, &text);
  fw_window_load_dataset_with_features (FW_WINDOW (user_data), spec, image, text);
}

static void
action_load_dataset (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;

  g_free (self->chosen_spec);
  self->chosen_spec = g_strdup (g_variant_get_string (param, NULL));
  fw_window_load_dataset (self, self->chosen_spec);
}

/* A command chosen from a submenu leaves the window's focus on a widget of
 * the closed menu, where key presses go nowhere: the focus goes back to
 * the menu button, as after any menu. */
static void
on_primary_menu_closed (GtkPopover *popover, FwWindow *self)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));

  if (!focus || focus == GTK_WIDGET (popover) || gtk_widget_is_ancestor (focus, GTK_WIDGET (popover)))
    gtk_widget_grab_focus (GTK_WIDGET (self->primary_menu_button));
}

typedef struct {
  FwWindow *self;
  FwPlotKind kind;
  gboolean metrics;
} ExportJob;

static void
on_export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  ExportJob *job = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = fw_save_chooser_get_path (dialog);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (job->metrics)
        ok = fw_window_export_metrics (job->self, path, &error);
      else
        ok = fw_window_export_plot (job->self, job->kind, path, &error);
      if (!ok)
        show_error (job->self, error->message);
      else
        {
          g_autofree char *shown = g_filename_display_name (path);
          g_autofree char *text = g_strdup_printf (_("Saved %s"), shown);
          set_status (job->self, text);
        }
    }
  g_object_unref (dialog);
  g_free (job);
}

static void
export_chooser (FwWindow *self, gboolean metrics, FwPlotKind kind)
{
  GtkFileChooserNative *chooser;
  ExportJob *job = g_new0 (ExportJob, 1);

  job->self = self;
  job->kind = kind;
  job->metrics = metrics;
  if (metrics)
    chooser = fw_save_chooser_new (GTK_WIDGET (self), _("Export Metrics"), "metrics.csv", NULL, 0);
  else
    {
      static const FwSaveFormat formats[] = {
        { N_("SVG picture"), "svg" }, { N_("PNG picture"), "png" }, { N_("PDF document"), "pdf" },
      };
      chooser = fw_save_chooser_new (GTK_WIDGET (self), _("Export Plot"),
                                     kind == FW_PLOT_LOSS ? "loss.svg" : "accuracy.svg",
                                     formats, G_N_ELEMENTS (formats));
    }
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), job);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_export_plot (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  const char *which = param ? g_variant_get_string (param, NULL) : "loss";

  export_chooser (user_data, FALSE, g_strcmp0 (which, "accuracy") == 0 ? FW_PLOT_ACCURACY : FW_PLOT_LOSS);
}

static void
action_export_metrics (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  export_chooser (user_data, TRUE, FW_PLOT_LOSS);
}

static void
action_load_rest (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  g_autofree char *spec = g_strdup (self->bad_rows_spec);

  if (spec && !self->trainer)
    start_load_skipping (self, spec, TRUE);
}

static void
action_show_table (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  const char *which = param ? g_variant_get_string (param, NULL) : "loss";
  FwPlot *plot = g_strcmp0 (which, "accuracy") == 0 ? self->accuracy_plot : self->loss_plot;

  fw_chart_table_show (GTK_WINDOW (self), fw_plot_get_table (plot));
}

static void
action_clear_runs (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;

  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *text = NULL;
  guint n = fw_plot_model_get_n_runs (self->plot_model);

  if (fw_window_is_busy (self) || n == 0)
    return;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (runs, g_object_ref (fw_plot_model_get_run (self->plot_model, i)));
  text = g_strdup_printf (g_dngettext (NULL, "Cleared %u run", "Cleared %u runs", n), n);
  fw_window_remove_runs (self, (FwRun *const *) runs->pdata, n, text);
  fw_window_set_status (self, text);
}

static void
action_log_scale (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  FwWindow *self = user_data;

  g_simple_action_set_state (action, state);
  fw_plot_set_log_scale (self->loss_plot, g_variant_get_boolean (state));
}

static void
action_set_fusion (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  int fusion = g_variant_get_int32 (param);

  if (!self->trainer && fusion >= 0 && fusion < FW_FUSION_N_KINDS)
    fw_model_panel_set_fusion (self->model_panel, fusion);
}

static void
action_show_shortcuts (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FwWindow *self = user_data;
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/org/fusionworkbench/FusionWorkbench/fw-shortcuts-window.ui");
  GtkWindow *shortcuts = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));

  gtk_window_set_transient_for (shortcuts, GTK_WINDOW (self));
  gtk_window_present (shortcuts);
}

/* ---- for fw-window-models.c (fw-window-private.h) ---- */

void fw_window_show_error (FwWindow *self, const char *message) { show_error (self, message); }
void fw_window_hide_error (FwWindow *self) { hide_error (self); }
void fw_window_set_status (FwWindow *self, const char *text) { set_status (self, text); }
void fw_window_update_status_ready (FwWindow *self) { update_status_ready (self); }
void fw_window_update_actions (FwWindow *self) { update_actions (self); }
GtkListBox *fw_window_get_runs_list (FwWindow *self) { return self->runs_list; }
FwRunStore *fw_window_get_run_store (FwWindow *self) { return self->run_store; }
FwRun *fw_window_get_training_run (FwWindow *self) { return self->run; }
gboolean fw_window_is_loading (FwWindow *self) { return self->load_cancellable != NULL; }
int fw_window_get_model_jobs (FwWindow *self) { return self->model_jobs; }
FwWindowLayout *fw_window_get_layout (FwWindow *self) { return &self->layout; }
void
fw_window_set_pace (FwWindow *self, gboolean on)
{
  fw_pace_set_enabled (&self->pace, on);
  if (self->trainer)
    schedule_draining (self);
}

GSettings *fw_window_get_settings (FwWindow *self) { return self->settings; }

void
fw_window_model_job_begin (FwWindow *self)
{
  self->model_jobs++;
  update_actions (self);
}

void
fw_window_model_job_end (FwWindow *self)
{
  self->model_jobs--;
  if (self->plot_model)      /* not disposed */
    update_actions (self);
}

void
fw_window_forget_compare_run (FwWindow *self, FwRun *run)
{
  guint pos;

  if (g_list_store_find (self->compare_runs, run, &pos))
    {
      g_list_store_remove (self->compare_runs, pos);
      rebuild_compare_table (self);
    }
}

static const GActionEntry win_entries[] = {
  { "open", action_open },
  { "open-with-features", action_open_with_features },
  { "load-dataset-with-features", action_load_dataset_with_features, "(sss)" },
  { "open-folder", action_open_folder },
  { "load-dataset", action_load_dataset, "s" },
  { "train", action_train },
  { "pause", NULL, NULL, "false", action_pause },
  { "stop", action_stop },
  { "compare", action_compare },
  { "export-plot", action_export_plot, "s" },
  { "export-metrics", action_export_metrics },
  { "show-table", action_show_table, "s" },
  { "load-rest", action_load_rest },
  { "clear-runs", action_clear_runs },
  { "log-scale", NULL, NULL, "false", action_log_scale },
  { "set-fusion", action_set_fusion, "i" },
  { "show-shortcuts", action_show_shortcuts },
};

/* ---- exports ---- */

gboolean
fw_window_export_plot (FwWindow *self, FwPlotKind kind, const char *path, GError **error)
{
  return fw_plot_export (kind == FW_PLOT_LOSS ? self->loss_plot : self->accuracy_plot, path, error);
}

gboolean
fw_window_export_metrics (FwWindow *self, const char *path, GError **error)
{
  FwRun *run = fw_window_get_selected_run (self);

  if (!run)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no run to export yet: train a model first."));
      return FALSE;
    }
  return fw_run_write_csv (run, path, error);
}

/* ---- life cycle ---- */

static GtkWidget *
create_run_row (gpointer item, gpointer user_data)
{
  GtkWidget *row = fw_run_row_new (FW_RUN (item));

  fw_a11y_name_internals (row);
  return row;
}

static void
restore_options (FwWindow *self)
{
  g_autoptr(GVariant) options = NULL;
  GVariantIter iter;
  const char *name, *value;
  FwConfig config;

  if (!self->settings)
    return;
  fw_config_init (&config);
  options = g_settings_get_value (self->settings, "last-options");
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
    {
      g_autoptr(GError) error = NULL;
      FwConfig trial = config;
      /* an option a newer or older version does not know is skipped */
      if (fw_config_set (&trial, name, value, &error))
        config = trial;
    }
  if (fw_config_validate (&config, NULL))
    fw_model_panel_set_config (self->model_panel, &config);
}

static gboolean
fw_window_close_request (GtkWindow *window)
{
  FwWindow *self = FW_WINDOW (window);

  /* a run still training ends here, stopped, and is saved like any other */
  if (self->trainer)
    {
      self->compare_next = -1;
      fw_pace_flush (&self->pace);
      fw_trainer_resume (self->trainer);
      fw_trainer_stop (self->trainer);
      fw_trainer_join (self->trainer);
      drain_events (self);
    }
  fw_run_store_flush (self->run_store);
  /* a model being written is finished, not left half-done */
  while (self->model_jobs > 0)
    g_main_context_iteration (NULL, TRUE);
  fw_window_removal_commit (self);

  if (self->settings)
    {
      int w, h;
      gtk_window_get_default_size (window, &w, &h);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window))
        {
          g_settings_set_int (self->settings, "window-width", w);
          g_settings_set_int (self->settings, "window-height", h);
        }
    }
  return GTK_WINDOW_CLASS (fw_window_parent_class)->close_request (window);
}

static void
fw_window_dispose (GObject *object)
{
  FwWindow *self = FW_WINDOW (object);

  /* runs removed and not undone leave the disk before the store goes */
  if (self->run_store)
    fw_window_removal_commit (self);
  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_job = NULL;
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  stop_draining (self);
  if (self->after_paint_id && gtk_widget_get_frame_clock (GTK_WIDGET (self)))
    g_clear_signal_handler (&self->after_paint_id, gtk_widget_get_frame_clock (GTK_WIDGET (self)));
  self->after_paint_id = 0;
  g_clear_pointer (&self->pending_spec, g_free);
  /* stops and joins the compute thread before the dataset goes */
  fw_pace_clear (&self->pace);
  g_clear_pointer (&self->trainer, fw_trainer_free);
  /* the explainer's workers end and its models go before the dataset does */
  if (self->explainer)
    fw_explainer_set_dataset (self->explainer, NULL);
  g_clear_object (&self->run);
  g_clear_object (&self->settings);
  g_clear_object (&self->compare_runs);
  if (self->run_store)
    g_signal_handlers_disconnect_by_data (self->run_store, self);
  g_clear_object (&self->run_store);
  fw_window_layout_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), FW_TYPE_WINDOW);
  g_clear_object (&self->explainer);
  g_clear_object (&self->plot_model);
  G_OBJECT_CLASS (fw_window_parent_class)->dispose (object);
}

static void
fw_window_finalize (GObject *object)
{
  FwWindow *self = FW_WINDOW (object);

  g_clear_pointer (&self->dataset, fw_dataset_free);
  g_free (self->error_message);
  g_free (self->pending_spec);
  g_free (self->load_features[0]);
  g_free (self->load_features[1]);
  g_free (self->bad_rows_spec);
  g_free (self->chosen_spec);
  G_OBJECT_CLASS (fw_window_parent_class)->finalize (object);
}

static void
fw_window_class_init (FwWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = fw_window_dispose;
  object_class->finalize = fw_window_finalize;
  window_class->close_request = fw_window_close_request;

  g_type_ensure (FW_TYPE_DATASET_VIEW);
  g_type_ensure (FW_TYPE_MODEL_PANEL);
  g_type_ensure (FW_TYPE_PLOT);
  g_type_ensure (FW_TYPE_CONTRIB_VIEW);
  g_type_ensure (FW_TYPE_SAMPLE_VIEW);
  g_type_ensure (FW_TYPE_ROBUSTNESS_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FwWindow, error_bar);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, loading_revealer);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, loading_progress);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, dataset_view);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, lesson_label);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, model_panel);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, smoothing_adjustment);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, loss_plot);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, accuracy_plot);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, runs_list);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, compare_box);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, compare_grid);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, datasets_section);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, contrib_view);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, sample_view);
  gtk_widget_class_bind_template_child_full (widget_class, "paned", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.paned));
  gtk_widget_class_bind_template_child_full (widget_class, "sidebar", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.sidebar));
  gtk_widget_class_bind_template_child_full (widget_class, "main_scroller", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.main_scroller));
  gtk_widget_class_bind_template_child_full (widget_class, "plots_box", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.plots_box));
  gtk_widget_class_bind_template_child_full (widget_class, "runs_box", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.runs_box));
  gtk_widget_class_bind_template_child_full (widget_class, "bottom_stack", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.bottom_stack));
  gtk_widget_class_bind_template_child_full (widget_class, "bottom_wide", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.bottom_wide));
  gtk_widget_class_bind_template_child_full (widget_class, "bottom_separator", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.bottom_separator));
  gtk_widget_class_bind_template_child_full (widget_class, "sheet_revealer", FALSE,
                                             G_STRUCT_OFFSET (FwWindow, layout.sheet_revealer));
  gtk_widget_class_bind_template_child (widget_class, FwWindow, robustness_view);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, lesson_revealer);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, lesson_panel);
  gtk_widget_class_bind_template_child (widget_class, FwWindow, lessons_section);
  gtk_widget_class_bind_template_callback (widget_class, on_error_bar_response);
  gtk_widget_class_bind_template_callback (widget_class, on_model_changed);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.open-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_ALT_MASK, "win.open-with-features", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.train", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "win.train", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "win.pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK, "win.compare", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export-plot", "s", "loss");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.export-plot", "s", "accuracy");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_ALT_MASK, "win.export-metrics", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.log-scale", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK, "win.show-table", "s", "loss");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.show-table", "s", "accuracy");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK, "win.show-shortcuts", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_question, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.show-shortcuts", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.clear-runs", NULL);
  fw_window_models_class_init (widget_class);
  fw_window_runs_class_init (widget_class);
  fw_window_removal_class_init (widget_class);
  fw_window_layout_class_init (widget_class);
  fw_window_tuning_class_init (widget_class);
  fw_window_lessons_class_init (widget_class);
  for (int i = 0; i < FW_FUSION_N_KINDS; i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK, "win.set-fusion", "i", i);
}

static void
fw_window_init (FwWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->compare_next = -1;
  self->plot_model = fw_plot_model_new ();
  self->compare_runs = g_list_store_new (FW_TYPE_RUN);
  self->settings = fw_ui_settings_new ();
  fw_plot_set_model (self->loss_plot, self->plot_model);
  fw_plot_set_model (self->accuracy_plot, self->plot_model);
  g_object_bind_property (self->smoothing_adjustment, "value", self->loss_plot, "smoothing",
                          G_BINDING_SYNC_CREATE);
  gtk_list_box_bind_model (self->runs_list, fw_plot_model_get_runs (self->plot_model),
                           create_run_row, NULL, NULL);
  {
    GtkWidget *placeholder = gtk_label_new (_("No runs yet: press Train, or Compare fusion types"));
    gtk_widget_add_css_class (placeholder, "dim-label");
    gtk_widget_set_margin_top (placeholder, 18);
    gtk_widget_set_margin_bottom (placeholder, 18);
    gtk_list_box_set_placeholder (self->runs_list, placeholder);
  }
  self->explainer = fw_explainer_new ();
  fw_explainer_attach (self->explainer, self->runs_list, fw_plot_model_get_runs (self->plot_model));
  fw_contrib_view_attach (self->contrib_view, self->explainer, fw_plot_model_get_runs (self->plot_model));
  fw_sample_view_attach (self->sample_view, self->explainer, self->dataset_view);
  g_signal_connect (self, "realize", G_CALLBACK (on_realize), NULL);
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  fw_window_models_init (self);
  fw_window_runs_init (self);
  fw_window_removal_init (self);
  fw_robustness_view_attach (self->robustness_view, fw_plot_model_get_runs (self->plot_model));
  fw_window_tuning_init (self);
  fw_window_lessons_init (self);
  fw_window_layout_init (self);

  if (self->settings)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }
  else
    gtk_window_set_default_size (GTK_WINDOW (self), 1500, 950);
  restore_options (self);
  self->run_store = fw_run_store_new (NULL);
  g_signal_connect_swapped (self->run_store, "error", G_CALLBACK (show_error), self);
  fw_run_store_load_all (self->run_store, self->plot_model);
  rebuild_datasets_menu (self);
  fw_dataset_view_set_dataset (self->dataset_view, NULL, -1);
  update_status_ready (self);
  update_actions (self);
  self->load_rest_button = gtk_info_bar_add_button (self->error_bar, _("_Load the Rest"), GTK_RESPONSE_NONE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->load_rest_button), "win.load-rest");
  gtk_widget_set_tooltip_text (self->load_rest_button, _("Leave out the bad rows and load the others; the banner lists what was left out"));
  gtk_widget_set_visible (self->load_rest_button, FALSE);
  g_signal_connect_object (gtk_menu_button_get_popover (self->primary_menu_button), "closed",
                           G_CALLBACK (on_primary_menu_closed), self, G_CONNECT_AFTER);
  fw_a11y_name_internals (GTK_WIDGET (self));
  fw_scroll_guard_attach (GTK_WIDGET (self));
}

FwWindow *
fw_window_new (GtkApplication *app)
{
  return g_object_new (FW_TYPE_WINDOW, "application", app, NULL);
}

FwModelPanel *fw_window_get_model_panel (FwWindow *self) { return self->model_panel; }
FwContribView *fw_window_get_contrib_view (FwWindow *self) { return self->contrib_view; }
FwSampleView *fw_window_get_sample_view (FwWindow *self) { return self->sample_view; }
FwExplainer *fw_window_get_explainer (FwWindow *self) { return self->explainer; }
FwLessonPanel *fw_window_get_lesson_panel (FwWindow *self) { return self->lesson_panel; }
GtkRevealer *fw_window_get_lesson_revealer (FwWindow *self) { return self->lesson_revealer; }
GMenu *fw_window_get_lessons_section (FwWindow *self) { return self->lessons_section; }
GtkWidget *fw_window_get_compare_box (FwWindow *self) { return self->compare_box; }
FwDatasetView *fw_window_get_dataset_view (FwWindow *self) { return self->dataset_view; }
FwRobustnessView *fw_window_get_robustness_view (FwWindow *self) { return self->robustness_view; }
FwPlotModel *fw_window_get_plot_model (FwWindow *self) { return self->plot_model; }
GListModel *fw_window_get_compare_runs (FwWindow *self) { return G_LIST_MODEL (self->compare_runs); }
const char *fw_window_get_error (FwWindow *self) { return self->error_message; }
const char *fw_window_get_status (FwWindow *self) { return gtk_label_get_text (self->status_label); }

FwPlot *
fw_window_get_plot (FwWindow *self, FwPlotKind kind)
{
  return kind == FW_PLOT_LOSS ? self->loss_plot : self->accuracy_plot;
}
