/* fw-robustness-view.c — the Robustness view (fw-robustness-view.h).  One
 * GTask worker at a time computes either every run's curve (reading each
 * run's model file into its own copy) or a learning curve; the GUI polls
 * its progress ten times a second and takes the results when it ends.
 * The curves and the JSON are the core's (fw-robustness.h,
 * fw-robustness-json.h, fw-learning-curve.h); drawing is fw-curve-chart.c. */
#include "fw-robustness-view.h"
#include "fw-save-chooser.h"

#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-curve-chart.h"
#include "fw-file.h"
#include "fw-model-file.h"
#include "fw-picture.h"
#include "fw-robustness-json.h"
#include "fw-run-store.h"
#include "fw-run.h"
#include "fw-window.h"

#define FW_ROBUSTNESS_SEED 1
static const double lc_fractions[] = { 0.05, 0.1, 0.25, 0.5, 1 };

/* per perturbation: the chooser's name and the x axis */
static const struct {
  const char *title;
  const char *axis;
} kinds[FW_PERTURB_N_KINDS] = {
  { N_("Missing image"), N_("share of rows without their image") },
  { N_("Missing text"), N_("share of rows without their caption") },
  { N_("Image noise"), N_("noise σ added to every pixel") },
  { N_("Text noise"), N_("share of each caption’s words replaced at random") },
  { N_("Misaligned captions"), N_("share of rows with another row’s caption") },
};
G_STATIC_ASSERT (G_N_ELEMENTS (kinds) == FW_PERTURB_N_KINDS);

/* One run's curve; path, name, colour and config are copied on the GUI
 * thread so the worker never touches the FwRun. */
typedef struct {
  char *path;
  char *name;
  GdkRGBA color;
  FwConfig config;
  FwRobustnessCurve *curve;  /* worker's result; NULL when skipped */
  char *skipped;             /* why, for the status line */
} Entry;

static void
entry_free (gpointer data)
{
  Entry *e = data;
  g_free (e->path);
  g_free (e->name);
  fw_robustness_curve_free (e->curve);
  g_free (e->skipped);
  g_free (e);
}

typedef struct {
  const FwDataset *ds;       /* borrowed: set_dataset waits for the worker */
  FwPerturbation kind;
  GPtrArray *entries;        /* Entry; robustness */
  gboolean learning;
  FwConfig config;           /* learning curve */
  FwLearningCurve *lc;
  int n_rows;
  int permille;              /* atomic progress */
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;
  g_clear_pointer (&job->entries, g_ptr_array_unref);
  fw_learning_curve_free (job->lc);
  g_free (job);
}

struct _FwRobustnessView {
  GtkWidget parent_instance;

  /* Template widgets */
  GtkDropDown *perturb_dropdown;
  GtkWidget *progress_box;
  GtkProgressBar *progress_bar;
  GtkDrawingArea *chart;
  GtkLabel *status_label;

  /* Owned */
  GPtrArray *entries;        /* Entry shown (robustness mode) */
  FwPerturbation shown_kind;
  int shown_rows;
  FwLearningCurve *lc;       /* shown (learning mode) */
  FwConfig lc_config;
  GCancellable *cancellable; /* non-NULL while the worker runs */
  Job *job;                  /* the running worker's, for its progress */
  guint progress_id;

  /* Borrowed */
  GListModel *runs;
  const FwDataset *ds;
};

G_DEFINE_FINAL_TYPE (FwRobustnessView, fw_robustness_view, GTK_TYPE_WIDGET)

static void
set_status (FwRobustnessView *self, const char *text)
{
  gtk_label_set_text (self->status_label, text);
}

static void
update_actions (FwRobustnessView *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean busy = self->cancellable != NULL;
  gtk_widget_action_set_enabled (w, "robustness.compute", !busy && self->ds && self->runs);
  gtk_widget_action_set_enabled (w, "robustness.learning-curve", !busy && self->ds);
  gtk_widget_action_set_enabled (w, "robustness.cancel", busy);
  gtk_widget_action_set_enabled (w, "robustness.export", self->entries->len > 0 || self->lc);
  gtk_widget_set_visible (self->progress_box, busy);
}

/* ---- drawing ---- */

static FwCurveSeries *
collect_series (FwRobustnessView *self, int *n, const char **title, const char **axis)
{
  FwCurveSeries *series = g_new0 (FwCurveSeries, MAX (self->entries->len, 1));
  *n = 0;
  if (self->lc)
    {
      series[0].name = _("test accuracy ± spread");
      gdk_rgba_parse (&series[0].color, "#3584e4");
      series[0].n = self->lc->n_fractions;
      series[0].x = self->lc->fractions;
      series[0].y = self->lc->test_accuracy;
      series[0].spread = self->lc->repeats > 1 ? self->lc->test_accuracy_std : NULL;
      *n = 1;
      *title = _("Learning curve");
      *axis = _("share of the training rows");
      return series;
    }
  *title = _(kinds[self->shown_kind].title);
  *axis = _(kinds[self->shown_kind].axis);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = self->entries->pdata[i];
      if (!e->curve)
        continue;
      series[*n].name = e->name;
      series[*n].color = e->color;
      series[*n].n = e->curve->n_levels;
      series[*n].x = e->curve->levels;
      series[*n].y = e->curve->accuracy;
      (*n)++;
    }
  return series;
}

static void
draw (FwRobustnessView *self, cairo_t *cr, int width, int height, const GdkRGBA *fg,
      const GdkRGBA *bg)
{
  const char *title = NULL, *axis = NULL;
  int n = 0;
  g_autofree FwCurveSeries *series = collect_series (self, &n, &title, &axis);
  fw_curve_chart_draw (cr, width, height, title, axis, series, n, fg, bg);
}

static void
draw_chart (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  FwRobustnessView *self = data;
  GdkRGBA fg, bg = { 1, 1, 1, 1 };
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  /* the legend's backing: the page colour, taken as the ink's opposite */
  bg.red = bg.green = bg.blue = fg.red + fg.green + fg.blue > 1.5 ? 0.15 : 1;
  draw (self, cr, width, height, &fg, &bg);
}

/* ---- the worker ---- */

static void
on_curve_progress (double fraction, gpointer data)
{
  Job *job = data;
  /* the runs share the bar: the worker sets the run's base before each */
  g_atomic_int_set (&job->permille, (int) (1000 * fraction));
}

typedef struct {
  Job *job;
  guint index, count;
} RunProgress;

static void
on_run_progress (double fraction, gpointer data)
{
  RunProgress *p = data;
  on_curve_progress ((p->index + fraction) / p->count, p->job);
}

/* One run's curve on the test split; NULL and *why when it cannot be. */
static FwRobustnessCurve *
run_curve (Job *job, Entry *e, RunProgress *progress, GCancellable *cancellable, char **why)
{
  g_autoptr (GError) error = NULL;
  const FwDataset *ds = job->ds;
  g_autoptr (FwSavedModel) saved = fw_model_load (e->path, 256, &error);
  if (!saved)
    {
      *why = g_strdup (error->message);
      return NULL;
    }
  const FwShape *shape = fw_model_get_shape (saved->model);
  if (!fw_model_check_dataset (saved->model, ds, &error))
    {
      *why = g_strdup (error->message);
      return NULL;
    }
  if (shape->channels != ds->channels || shape->size != ds->size)
    {
      *why = g_strdup_printf (_("it reads %d×%d images, the dataset has %d×%d"), shape->size,
                              shape->size, ds->size, ds->size);
      return NULL;
    }
  g_autofree int *labels = fw_dataset_map_labels (ds, (const char *const *) saved->classes,
                                                  saved->n_classes, &error);
  if (!labels)
    {
      *why = g_strdup (error->message);
      return NULL;
    }
  g_autofree int *lexmap = fw_vocab_map_lexicon (saved->vocab, ds);
  g_autofree int *rows = g_new (int, MAX (ds->n, 1));
  int n = fw_dataset_split_rows (ds, FW_SPLIT_TEST, rows);
  job->n_rows = n;
  if (n == 0)
    {
      *why = g_strdup (_("the dataset has no test rows"));
      return NULL;
    }
  int n_levels = 0;
  const double *levels = fw_perturbation_default_levels (job->kind, &n_levels);
  FwRobustnessCurve *c = fw_robustness_curve (saved->model, ds, lexmap, labels, rows, n, job->kind,
                                              levels, n_levels, FW_ROBUSTNESS_SEED,
                                              on_run_progress, progress, cancellable, &error);
  if (!c)
    *why = g_strdup (error->message);
  return c;
}

static void
worker (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  if (job->learning)
    {
      GError *error = NULL;
      job->lc = fw_learning_curve_run (&job->config, job->ds, lc_fractions,
                                       G_N_ELEMENTS (lc_fractions), 1, on_curve_progress, job,
                                       cancellable, &error);
      if (!job->lc)
        {
          g_task_return_error (task, error);
          return;
        }
      g_task_return_boolean (task, TRUE);
      return;
    }
  for (guint i = 0; i < job->entries->len; i++)
    {
      Entry *e = job->entries->pdata[i];
      RunProgress progress = { job, i, job->entries->len };
      e->curve = run_curve (job, e, &progress, cancellable, &e->skipped);
      if (g_task_return_error_if_cancelled (task))
        return;
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
poll_progress (gpointer data)
{
  FwRobustnessView *self = data;
  if (self->job)
    gtk_progress_bar_set_fraction (self->progress_bar, g_atomic_int_get (&self->job->permille) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
on_worker_done (GObject *source, GAsyncResult *result, gpointer data)
{
  FwRobustnessView *self = data;
  GTask *task = G_TASK (result);
  Job *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (task, &error);

  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_object (&self->cancellable);
  self->job = NULL;
  if (!ok)
    set_status (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                        ? _("Cancelled.") : error->message);
  else if (job->learning)
    {
      g_clear_pointer (&self->lc, fw_learning_curve_free);
      self->lc = g_steal_pointer (&job->lc);
      self->lc_config = job->config;
      g_ptr_array_set_size (self->entries, 0);
      g_autofree char *described = fw_config_describe (&job->config);
      g_autofree char *text = g_strdup_printf (_("Learning curve of %s: test accuracy %.3f with all %d training rows."),
                                               described,
                                               self->lc->test_accuracy[self->lc->n_fractions - 1],
                                               self->lc->train_n[self->lc->n_fractions - 1]);
      set_status (self, text);
    }
  else
    {
      g_clear_pointer (&self->lc, fw_learning_curve_free);
      g_ptr_array_unref (self->entries);
      self->entries = g_steal_pointer (&job->entries);
      self->shown_kind = job->kind;
      self->shown_rows = job->n_rows;
      GString *text = g_string_new (NULL);
      int shown = 0;
      for (guint i = 0; i < self->entries->len; i++)
        {
          Entry *e = self->entries->pdata[i];
          if (e->curve)
            shown++;
          else
            g_string_append_printf (text, _("Skipped %s: %s. "), e->name, e->skipped);
        }
      g_autofree char *head = g_strdup_printf (ngettext ("%d run on %d test rows. ",
                                                         "%d runs on %d test rows. ", shown),
                                               shown, job->n_rows);
      g_string_prepend (text, head);
      set_status (self, text->str);
      g_string_free (text, TRUE);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->chart));
  update_actions (self);
  g_object_unref (self);
}

static void
start (FwRobustnessView *self, Job *job)
{
  job->ds = self->ds;
  self->cancellable = g_cancellable_new ();
  self->job = job;
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  self->progress_id = g_timeout_add (100, poll_progress, self);
  g_autoptr (GTask) task = g_task_new (NULL, self->cancellable, on_worker_done, g_object_ref (self));
  g_task_set_task_data (task, job, job_free);
  g_task_set_name (task, "fw-robustness");
  g_task_run_in_thread (task, worker);
  update_actions (self);
}

/* The model file of a run that has finished training, or NULL */
static char *
model_path (FwRun *run)
{
  FwRunState state = fw_run_get_state (run);
  if (state != FW_RUN_FINISHED && state != FW_RUN_STOPPED)
    return NULL;
  if (fw_run_get_source (run))
    return g_strdup (fw_run_get_source (run));
  if (fw_run_get_dir (run))
    return g_build_filename (fw_run_get_dir (run), FW_RUN_MODEL_FILE, NULL);
  return NULL;
}

void
fw_robustness_view_compute (FwRobustnessView *self)
{
  g_return_if_fail (FW_IS_ROBUSTNESS_VIEW (self));
  if (self->cancellable || !self->ds || !self->runs)
    return;
  Job *job = g_new0 (Job, 1);
  job->kind = fw_robustness_view_get_perturbation (self);
  job->entries = g_ptr_array_new_with_free_func (entry_free);
  for (guint i = 0; i < g_list_model_get_n_items (self->runs); i++)
    {
      g_autoptr (FwRun) run = g_list_model_get_item (self->runs, i);
      char *path = model_path (run);
      if (!path)
        continue;
      Entry *e = g_new0 (Entry, 1);
      e->path = path;
      e->name = g_strdup (fw_run_get_description (run));
      e->color = *fw_run_get_color (run);
      e->config = *fw_run_get_config (run);
      g_ptr_array_add (job->entries, e);
    }
  if (job->entries->len == 0)
    {
      job_free (job);
      set_status (self, _("No finished run to measure: train or compare models first."));
      return;
    }
  set_status (self, _("Computing…"));
  start (self, job);
}

void
fw_robustness_view_learning_curve (FwRobustnessView *self, const FwConfig *config)
{
  g_return_if_fail (FW_IS_ROBUSTNESS_VIEW (self) && config);
  if (self->cancellable || !self->ds)
    return;
  Job *job = g_new0 (Job, 1);
  job->learning = TRUE;
  job->config = *config;
  job->config.threads = 0;
  set_status (self, _("Training on growing shares of the training rows…"));
  start (self, job);
}

void
fw_robustness_view_cancel (FwRobustnessView *self)
{
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
}

gboolean
fw_robustness_view_is_busy (FwRobustnessView *self)
{
  return self->cancellable != NULL;
}

static void
wait_for_worker (FwRobustnessView *self)
{
  fw_robustness_view_cancel (self);
  while (self->cancellable)
    g_main_context_iteration (NULL, TRUE);
}

void
fw_robustness_view_attach (FwRobustnessView *self, GListModel *runs)
{
  self->runs = runs;
  update_actions (self);
}

void
fw_robustness_view_set_dataset (FwRobustnessView *self, const FwDataset *ds)
{
  wait_for_worker (self);
  self->ds = ds;
  g_ptr_array_set_size (self->entries, 0);
  g_clear_pointer (&self->lc, fw_learning_curve_free);
  gtk_widget_queue_draw (GTK_WIDGET (self->chart));
  update_actions (self);
}

void
fw_robustness_view_set_perturbation (FwRobustnessView *self, FwPerturbation kind)
{
  g_return_if_fail (kind < FW_PERTURB_N_KINDS);
  gtk_drop_down_set_selected (self->perturb_dropdown, kind);
}

FwPerturbation
fw_robustness_view_get_perturbation (FwRobustnessView *self)
{
  guint k = gtk_drop_down_get_selected (self->perturb_dropdown);
  return k < FW_PERTURB_N_KINDS ? (FwPerturbation) k : FW_PERTURB_MISSING_IMAGE;
}

guint
fw_robustness_view_get_n_curves (FwRobustnessView *self)
{
  guint n = 0;
  for (guint i = 0; i < self->entries->len; i++)
    n += ((Entry *) self->entries->pdata[i])->curve != NULL;
  return n;
}

const FwRobustnessCurve *
fw_robustness_view_get_curve (FwRobustnessView *self, guint i)
{
  for (guint k = 0; k < self->entries->len; k++)
    {
      Entry *e = self->entries->pdata[k];
      if (e->curve && i-- == 0)
        return e->curve;
    }
  return NULL;
}

const FwLearningCurve *
fw_robustness_view_get_learning_curve (FwRobustnessView *self)
{
  return self->lc;
}

const char *
fw_robustness_view_get_status (FwRobustnessView *self)
{
  return gtk_label_get_text (self->status_label);
}

/* ---- export ---- */

/* {"perturbation", "runs": [R.json of each run, with "run": its name]} */
static char *
robustness_json (FwRobustnessView *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "perturbation");
  json_builder_add_string_value (b, fw_perturbation_name (self->shown_kind));
  json_builder_set_member_name (b, "runs");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = self->entries->pdata[i];
      if (!e->curve)
        continue;
      JsonNode *node = fw_robustness_report_json ("test", self->shown_rows, FW_ROBUSTNESS_SEED,
                                                  &e->config, NULL, &e->curve, 1);
      json_object_set_string_member (json_node_get_object (node), "run", e->name);
      json_builder_add_value (b, node);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return fw_json_to_text (root);
}

gboolean
fw_robustness_view_export (FwRobustnessView *self, const char *path, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  if (self->entries->len == 0 && !self->lc)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("There are no robustness curves to export yet: compute them first."));
      return FALSE;
    }
  if (g_str_has_suffix (lower, ".json"))
    {
      g_autofree char *text = NULL;
      if (self->lc)
        {
          g_autoptr (JsonNode) root = fw_learning_curve_to_json (self->lc, self->lc_config.seed);
          text = fw_json_to_text (root);
        }
      else
        text = robustness_json (self);
      return fw_file_write (path, text, strlen (text), 0666, error);
    }
  int w = MAX (gtk_widget_get_width (GTK_WIDGET (self->chart)), 560);
  int h = MAX (gtk_widget_get_height (GTK_WIDGET (self->chart)), 360);
  cairo_surface_t *surface = fw_picture_new_for_path (path, w, h, _(".png, .svg, .pdf or .json"), error);
  if (!surface)
    return FALSE;
  /* exports read on paper and slides: always dark ink on white */
  GdkRGBA fg = { 0.1, 0.1, 0.1, 1 }, bg = { 1, 1, 1, 1 };
  cairo_t *cr = cairo_create (surface);
  draw (self, cr, w, h, &fg, &bg);
  cairo_destroy (cr);
  return fw_picture_finish (surface, path, error);
}

static void
on_export_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  FwRobustnessView *self = data;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = fw_save_chooser_get_path (dialog);
      g_autoptr (GError) error = NULL;
      if (!fw_robustness_view_export (self, path, &error))
        set_status (self, error->message);
      else
        {
          g_autofree char *shown = g_filename_display_name (path);
          g_autofree char *text = g_strdup_printf (_("Saved %s"), shown);
          set_status (self, text);
        }
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

/* ---- actions ---- */

static void
action_compute (GtkWidget *widget, const char *name, GVariant *param)
{
  fw_robustness_view_compute (FW_ROBUSTNESS_VIEW (widget));
}

static void
action_cancel (GtkWidget *widget, const char *name, GVariant *param)
{
  fw_robustness_view_cancel (FW_ROBUSTNESS_VIEW (widget));
}

static void
action_learning_curve (GtkWidget *widget, const char *name, GVariant *param)
{
  /* the settings the Model panel shows, as Train would use them */
  GtkWidget *window = gtk_widget_get_ancestor (widget, FW_TYPE_WINDOW);
  if (window)
    fw_robustness_view_learning_curve (
      FW_ROBUSTNESS_VIEW (widget),
      fw_model_panel_get_config (fw_window_get_model_panel (FW_WINDOW (window))));
}

static void
action_export (GtkWidget *widget, const char *name, GVariant *param)
{
  static const FwSaveFormat formats[] = {
    { N_("PNG picture"), "png" }, { N_("SVG picture"), "svg" }, { N_("JSON numbers"), "json" },
  };
  GtkFileChooserNative *chooser = fw_save_chooser_new (widget, _("Export Robustness"), "robustness.png",
                                                       formats, G_N_ELEMENTS (formats));
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), g_object_ref (widget));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_perturbation_changed (GObject *dropdown, GParamSpec *pspec, FwRobustnessView *self)
{
  /* curves of another perturbation would mislead: measure the new one */
  if (self->entries->len > 0 && !self->cancellable
      && fw_robustness_view_get_perturbation (self) != self->shown_kind)
    fw_robustness_view_compute (self);
}

/* ---- life cycle ---- */

/* Leaving the window: the dataset goes soon after */
static void
fw_robustness_view_unroot (GtkWidget *widget)
{
  FwRobustnessView *self = FW_ROBUSTNESS_VIEW (widget);
  wait_for_worker (self);
  self->ds = NULL;
  GTK_WIDGET_CLASS (fw_robustness_view_parent_class)->unroot (widget);
}

static void
fw_robustness_view_dispose (GObject *object)
{
  FwRobustnessView *self = FW_ROBUSTNESS_VIEW (object);
  wait_for_worker (self);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->lc, fw_learning_curve_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), FW_TYPE_ROBUSTNESS_VIEW);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (fw_robustness_view_parent_class)->dispose (object);
}

static void
fw_robustness_view_class_init (FwRobustnessViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_robustness_view_dispose;
  widget_class->unroot = fw_robustness_view_unroot;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-robustness-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FwRobustnessView, perturb_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FwRobustnessView, progress_box);
  gtk_widget_class_bind_template_child (widget_class, FwRobustnessView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, FwRobustnessView, chart);
  gtk_widget_class_bind_template_child (widget_class, FwRobustnessView, status_label);
  gtk_widget_class_install_action (widget_class, "robustness.compute", NULL, action_compute);
  gtk_widget_class_install_action (widget_class, "robustness.cancel", NULL, action_cancel);
  gtk_widget_class_install_action (widget_class, "robustness.learning-curve", NULL, action_learning_curve);
  gtk_widget_class_install_action (widget_class, "robustness.export", NULL, action_export);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "robustness.compute", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "robustness.learning-curve", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_ALT_MASK,
                                       "robustness.export", NULL);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
fw_robustness_view_init (FwRobustnessView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
  for (int k = 0; k < FW_PERTURB_N_KINDS; k++)
    gtk_string_list_append (names, _(kinds[k].title));
  gtk_drop_down_set_model (self->perturb_dropdown, G_LIST_MODEL (names));
  /* missing text first: the lesson of late against early fusion */
  gtk_drop_down_set_selected (self->perturb_dropdown, FW_PERTURB_MISSING_TEXT);
  g_signal_connect (self->perturb_dropdown, "notify::selected",
                    G_CALLBACK (on_perturbation_changed), self);
  gtk_drawing_area_set_draw_func (self->chart, draw_chart, self, NULL);
  update_actions (self);
}
