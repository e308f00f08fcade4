/* fw-contrib-panel.c — the Contributions view and the Sample inspector.
 * Models of finished runs live here (their trainers, joined); every kernel
 * they run — contributions, predictions, integrated gradients — runs in a
 * GTask worker holding the model's lock, so the GUI thread never runs one
 * and a model never serves two workers at once.  Results come back through
 * the task's one completion callback; the inspector keeps at most one
 * prediction in flight and coalesces edits made meanwhile. */
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-contrib-chart.h"
#include "fw-contrib-panel.h"
#include "fw-picture.h"
#include "fw-run-row.h"
#include "fw-sample-chart.h"

/* ---- a kept model ---- */

typedef struct {
  GMutex lock;               /* held by the one worker using the model */
  gint waiting;              /* inspector jobs waiting for the lock */
  FwModel *model;            /* borrowed from owner */
  const FwVocab *vocab;      /* borrowed from owner */
  gpointer owner;            /* a joined FwTrainer, or whatever holds the model */
  GDestroyNotify free_owner;
  const FwDataset *ds;       /* borrowed: the panel drops engines before it goes */
  int n_classes;
  char **classes;            /* (n_classes) the model's class order */
  int *labels;               /* each row's class in that order; NULL: ds->label */
  FwContrib *contrib;        /* made on first use, by a worker */
  int *lexmap;
  int *train_rows;
} Engine;

static void
engine_clear (gpointer data)
{
  Engine *e = data;

  g_clear_pointer (&e->contrib, fw_contrib_free);
  if (e->free_owner && e->owner)
    e->free_owner (e->owner);
  g_strfreev (e->classes);
  g_free (e->labels);
  g_free (e->lexmap);
  g_free (e->train_rows);
  g_mutex_clear (&e->lock);
}

static int
engine_label (const Engine *e, int row)
{
  return e->labels ? e->labels[row] : e->ds->label[row];
}

static Engine *engine_ref (Engine *e) { return g_atomic_rc_box_acquire (e); }
static void engine_unref (Engine *e) { g_atomic_rc_box_release_full (e, engine_clear); }

/* Worker side, with e->lock held. */
static FwContrib *
engine_contrib (Engine *e)
{
  if (!e->contrib)
    {
      int n_train;

      e->lexmap = fw_vocab_map_lexicon (e->vocab, e->ds);
      e->train_rows = g_new (int, MAX (e->ds->n, 1));
      n_train = fw_dataset_split_rows (e->ds, FW_SPLIT_TRAIN, e->train_rows);
      if (n_train == 0)
        {
          for (int r = 0; r < e->ds->n; r++)
            e->train_rows[r] = r;
          n_train = e->ds->n;
        }
      e->contrib = fw_contrib_new (e->model, e->ds, e->lexmap, e->labels,
                                   e->train_rows, n_train);
    }
  return e->contrib;
}

struct _FwContribPanel
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel *run_label;
  GtkDropDown *method_dropdown;
  GtkRevealer *progress_revealer;
  GtkProgressBar *progress_bar;
  FwContribChart *bars_chart;
  FwContribChart *reliance_chart;
  FwContribChart *confusion_chart;
  GtkLabel *sample_label;
  FwSampleChart *image_chart;
  FwSampleChart *tokens_chart;
  FwSampleChart *probs_chart;
  GtkEntry *caption_entry;

  /* Owned */
  GHashTable *results;       /* FwRun → FwContribResult */
  GHashTable *engines;       /* FwRun → Engine */
  FwRun *run;                /* the run shown */
  FwSample *sample;
  GCancellable *compute_cancellable;
  FwRun *compute_run;
  gint *compute_progress;    /* per mille, shared with the worker (owned by its job) */
  guint progress_id;
  guint caption_tick_id;
  GMutex busy_lock;
  GCond busy_cond;
  int n_busy;                /* workers not yet done with their engine */
  guint64 generation;        /* of the inspector's inputs */
  gboolean explain_in_flight;
  gboolean explain_dirty;
  gboolean per_class;
  gboolean hide_image;
  gboolean hide_text;
  gboolean disposed;

  /* Borrowed */
  const FwDataset *ds;
  FwDatasetView *dataset_view;
  GtkListBox *runs_list;
  GListModel *runs;
};

G_DEFINE_FINAL_TYPE (FwContribPanel, fw_contrib_panel, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_PER_CLASS, PROP_HIDE_IMAGE, PROP_HIDE_TEXT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const char *const method_names[] = {
  N_("Shapley"), N_("Ablation"), N_("Permutation"), N_("Integrated gradients"), N_("EMAP"),
};
G_STATIC_ASSERT (G_N_ELEMENTS (method_names) == FW_METHOD_N_KINDS);

static void update_actions (FwContribPanel *self);
static void request_explain (FwContribPanel *self);

static void
worker_begin (FwContribPanel *self)
{
  g_mutex_lock (&self->busy_lock);
  self->n_busy++;
  g_mutex_unlock (&self->busy_lock);
}

/* Called by the worker once it no longer touches its engine. */
static void
worker_end (FwContribPanel *self)
{
  g_mutex_lock (&self->busy_lock);
  self->n_busy--;
  g_cond_broadcast (&self->busy_cond);
  g_mutex_unlock (&self->busy_lock);
}

static void
wait_for_workers (FwContribPanel *self)
{
  if (self->compute_cancellable)
    g_cancellable_cancel (self->compute_cancellable);
  g_mutex_lock (&self->busy_lock);
  while (self->n_busy > 0)
    g_cond_wait (&self->busy_cond, &self->busy_lock);
  g_mutex_unlock (&self->busy_lock);
}

static Engine *
current_engine (FwContribPanel *self)
{
  return self->run ? g_hash_table_lookup (self->engines, self->run) : NULL;
}

static FwContribResult *
result_for (FwContribPanel *self, FwRun *run)
{
  FwContribResult *result = g_hash_table_lookup (self->results, run);

  if (!result)
    {
      result = fw_contrib_result_new ();
      fw_contrib_result_set_run (result, run);
      g_hash_table_insert (self->results, g_object_ref (run), result);
    }
  return result;
}

/* ---- computing contributions ---- */

typedef struct {
  FwContribPanel *self;
  Engine *engine;
  guint64 seed;
  gint progress;             /* per mille */
  double base, span;         /* of the current stage */
} ComputeJob;

static void
compute_job_free (gpointer data)
{
  ComputeJob *job = data;

  engine_unref (job->engine);
  g_free (job);
}

static void
stage_progress (double fraction, gpointer data)
{
  ComputeJob *job = data;

  g_atomic_int_set (&job->progress, (int) (1000 * (job->base + job->span * CLAMP (fraction, 0, 1))));
}

/* Between two methods the computation lets waiting inspector jobs have
 * the model first, so a sample re-predicts within one method, not after
 * the whole computation. */
static void
stage (ComputeJob *job, double base, double span)
{
  Engine *e = job->engine;

  if (g_atomic_int_get (&e->waiting) > 0)
    {
      g_mutex_unlock (&e->lock);
      while (g_atomic_int_get (&e->waiting) > 0)
        g_usleep (500);
      g_mutex_lock (&e->lock);
    }
  job->base = base;
  job->span = span;
  stage_progress (0, job);
}

/* The rows explained: the test split, else validation, else every row. */
static int *
explained_rows (const FwDataset *ds, int *n, char **split)
{
  int *rows = g_new (int, MAX (ds->n, 1));

  *n = fw_dataset_split_rows (ds, FW_SPLIT_TEST, rows);
  *split = g_strdup ("test");
  if (*n == 0)
    {
      *n = fw_dataset_split_rows (ds, FW_SPLIT_VAL, rows);
      g_free (*split);
      *split = g_strdup ("val");
    }
  if (*n == 0)
    {
      for (int r = 0; r < ds->n; r++)
        rows[r] = r;
      *n = ds->n;
      g_free (*split);
      *split = g_strdup ("all");
    }
  return rows;
}

static FwContribNumbers *
compute_numbers (ComputeJob *job, GCancellable *cancellable, GError **error)
{
  Engine *e = job->engine;
  const FwDataset *ds = e->ds;
  FwContrib *contrib = engine_contrib (e);
  FwModel *model = e->model;
  g_autoptr(FwContribNumbers) n = g_new0 (FwContribNumbers, 1);
  g_autofree FwShapleySample *samples = NULL;
  g_autofree int *rows = NULL;
  int K = e->n_classes;

  rows = explained_rows (ds, &n->n, &n->split);
  n->n_classes = K;
  n->classes = g_strdupv (e->classes);
  n->class_shapley = g_new0 (double, (gsize) K * 3);
  n->class_n = g_new0 (int, K);
  n->confusion = g_new0 (int, (gsize) K * K);

  stage (job, 0, 0.3);
  samples = g_new0 (FwShapleySample, MAX (n->n, 1));
  if (!fw_contrib_ablation_shapley (contrib, rows, n->n, &n->ablation, &n->shapley, samples,
                                    cancellable, stage_progress, job, error))
    return NULL;
  for (int i = 0; i < n->n; i++)
    {
      int k = engine_label (e, samples[i].index);
      n->class_shapley[k * 3] += samples[i].image;
      n->class_shapley[k * 3 + 1] += samples[i].text;
      n->class_shapley[k * 3 + 2] += samples[i].interaction;
      n->class_n[k]++;
    }
  for (int k = 0; k < K; k++)
    for (int j = 0; j < 3; j++)
      n->class_shapley[k * 3 + j] /= MAX (n->class_n[k], 1);
  n->n_samples = MIN (n->n, FW_CONTRIB_SAMPLES_KEPT);
  n->samples = g_memdup2 (samples, sizeof (FwShapleySample) * MAX (n->n_samples, 1));

  stage (job, 0.3, 0.1);
  if (!fw_contrib_permutation (contrib, rows, n->n, fw_model_get_config (model)->seed,
                               &n->permutation, cancellable, error))
    return NULL;

  stage (job, 0.4, 0.3);
  n->ig_n = MIN (n->n, FW_CONTRIB_SAMPLES_KEPT);
  n->ig_samples = g_new0 (FwIgSample, MAX (n->ig_n, 1));
  if (!fw_contrib_ig (contrib, rows, n->ig_n, 0, n->ig_samples, &n->ig_image, &n->ig_text,
                      cancellable, stage_progress, job, error))
    return NULL;

  stage (job, 0.7, 0.25);
  if (!fw_contrib_emap (contrib, rows, n->n, &n->emap, cancellable, stage_progress, job, error))
    return NULL;

  stage (job, 0.95, 0.05);
  n->has_late = fw_contrib_late_weights (model, &n->late_image, &n->late_text);
  n->has_gate = fw_contrib_mean_gate (contrib, rows, n->n, &n->gate_image, &n->gate_text);
  for (int start = 0; start < n->n; start += fw_model_max_batch (model))
    {
      int B = MIN (fw_model_max_batch (model), n->n - start);
      const float *probs;

      fw_model_set_rows (model, ds, e->lexmap, e->labels, rows + start, B, NULL, 0);
      fw_model_forward (model, B);
      probs = fw_model_probs (model);
      for (int b = 0; b < B; b++)
        n->confusion[engine_label (e, rows[start + b]) * K + fw_argmax (probs + (gsize) b * K, K)]++;
    }
  return g_steal_pointer (&n);
}

static void
compute_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ComputeJob *job = task_data;
  GError *error = NULL;
  FwContribNumbers *numbers;

  g_mutex_lock (&job->engine->lock);
  numbers = compute_numbers (job, cancellable, &error);
  g_mutex_unlock (&job->engine->lock);
  if (numbers)
    g_task_return_pointer (task, numbers, (GDestroyNotify) fw_contrib_numbers_free);
  else
    g_task_return_error (task, error);
  worker_end (job->self);
}

static gboolean
poll_progress (gpointer user_data)
{
  FwContribPanel *self = user_data;

  if (self->compute_progress)
    gtk_progress_bar_set_fraction (self->progress_bar, g_atomic_int_get (self->compute_progress) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
update_run_label (FwContribPanel *self, const char *message)
{
  g_autofree char *text = NULL;

  if (message)
    gtk_label_set_text (self->run_label, message);
  else if (!self->run)
    gtk_label_set_text (self->run_label, _("no run yet"));
  else
    {
      const FwContribNumbers *n = fw_contrib_result_get_numbers (result_for (self, self->run));
      if (n)
        text = g_strdup_printf (_("%s · %s split, %d rows"), fw_run_get_description (self->run),
                                n->split, n->n);
      else
        text = g_strdup (fw_run_get_description (self->run));
      gtk_label_set_text (self->run_label, text);
    }
}

static void
on_computed (GObject *source, GAsyncResult *res, gpointer user_data)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (source);
  GTask *task = G_TASK (res);
  g_autoptr(GError) error = NULL;
  g_autoptr(FwRun) run = g_steal_pointer (&self->compute_run);
  FwContribNumbers *numbers = g_task_propagate_pointer (task, &error);

  if (g_task_get_cancellable (task) == self->compute_cancellable)
    {
      g_clear_object (&self->compute_cancellable);
      self->compute_progress = NULL;
      g_clear_handle_id (&self->progress_id, g_source_remove);
      if (!self->disposed)
        gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
    }
  if (self->disposed)
    {
      g_clear_pointer (&numbers, fw_contrib_numbers_free);
      return;
    }
  if (numbers && run && g_hash_table_contains (self->results, run))
    fw_contrib_result_set_numbers (result_for (self, run), numbers);
  else
    g_clear_pointer (&numbers, fw_contrib_numbers_free);
  if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("Could not compute contributions: %s"), error->message);
      update_run_label (self, text);
    }
  else
    update_run_label (self, NULL);
  update_actions (self);
}

static void
start_compute (FwContribPanel *self)
{
  Engine *engine = current_engine (self);
  g_autoptr(GTask) task = NULL;
  ComputeJob *job;

  if (!engine || self->compute_cancellable)
    return;
  job = g_new0 (ComputeJob, 1);
  job->self = self;
  job->engine = engine_ref (engine);
  self->compute_cancellable = g_cancellable_new ();
  self->compute_run = g_object_ref (self->run);
  self->compute_progress = &job->progress;
  task = g_task_new (self, self->compute_cancellable, on_computed, NULL);
  g_task_set_task_data (task, job, compute_job_free);
  g_task_set_name (task, "fw-contrib-compute");
  worker_begin (self);
  g_task_run_in_thread (task, compute_thread);

  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  if (!self->progress_id)
    self->progress_id = g_timeout_add (100, poll_progress, self);
  update_actions (self);
}

/* ---- the inspector ---- */

typedef struct {
  FwContribPanel *self;
  Engine *engine;
  guint64 generation;
  gboolean want_ig;
  guint8 *pixels;            /* NULL: no image */
  char *caption;             /* NULL: no text */
  int n_classes;
  float *probs;              /* (n_classes) */
  int predicted;
  FwIgSample ig;
} ExplainJob;

static void
explain_job_free (gpointer data)
{
  ExplainJob *job = data;

  engine_unref (job->engine);
  g_free (job->pixels);
  g_free (job->caption);
  g_free (job->probs);
  fw_ig_sample_clear (&job->ig);
  g_free (job);
}

static void
explain_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExplainJob *job = task_data;
  Engine *e = job->engine;

  g_atomic_int_inc (&e->waiting);
  g_mutex_lock (&e->lock);
  g_atomic_int_dec_and_test (&e->waiting);
  job->predicted = fw_contrib_explain (engine_contrib (e), e->vocab,
                                       job->pixels, job->caption, FALSE, FALSE, -1, job->probs,
                                       job->want_ig ? &job->ig : NULL);
  g_mutex_unlock (&e->lock);
  g_task_return_boolean (task, TRUE);
  worker_end (job->self);
}

static void launch_explain (FwContribPanel *self, gboolean want_ig);

static void
on_explained (GObject *source, GAsyncResult *res, gpointer user_data)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (source);
  ExplainJob *job = g_task_get_task_data (G_TASK (res));
  FwSampleData *d;

  self->explain_in_flight = FALSE;
  if (self->disposed)
    return;
  if (self->explain_dirty || job->generation != self->generation)
    {
      self->explain_dirty = FALSE;
      launch_explain (self, FALSE);
      return;
    }
  d = fw_sample_get_data (self->sample);
  if (!job->want_ig)
    {
      g_free (d->probs);
      d->probs = g_steal_pointer (&job->probs);
      d->predicted = job->predicted;
      /* in the model's class order */
      g_strfreev (d->classes);
      d->classes = g_strdupv (job->engine->classes);
      d->n_classes = job->engine->n_classes;
      d->label = engine_label (job->engine, d->row);
      fw_sample_changed (self->sample);
      launch_explain (self, TRUE);   /* the heatmap follows */
      return;
    }
  fw_sample_clear_explanation (self->sample);
  d->heat = g_steal_pointer (&job->ig.pixels);
  if (job->caption && job->ig.tokens)
    {
      d->tokens = g_strdupv (job->ig.tokens);
      d->scores = g_memdup2 (job->ig.token_scores, sizeof (float) * MAX (job->ig.n_tokens, 1));
    }
  fw_sample_changed (self->sample);
}

static void
launch_explain (FwContribPanel *self, gboolean want_ig)
{
  Engine *engine = current_engine (self);
  FwSampleData *d = fw_sample_get_data (self->sample);
  g_autoptr(GTask) task = NULL;
  ExplainJob *job;
  gsize P;

  if (d->row < 0 || !self->ds)
    return;
  if (!engine)
    {
      /* nothing to predict with yet: show the inputs alone */
      g_clear_pointer (&d->probs, g_free);
      fw_sample_clear_explanation (self->sample);
      fw_sample_changed (self->sample);
      return;
    }
  P = (gsize) self->ds->channels * self->ds->size * self->ds->size;
  job = g_new0 (ExplainJob, 1);
  job->self = self;
  job->engine = engine_ref (engine);
  job->generation = self->generation;
  job->want_ig = want_ig;
  job->pixels = d->pixels ? g_memdup2 (d->pixels, P) : NULL;
  /* hiding means missing: the same input predict sees for an empty cell */
  job->caption = self->hide_text ? NULL : g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->caption_entry)));
  job->n_classes = engine->n_classes;
  job->probs = g_new0 (float, job->n_classes);
  task = g_task_new (self, NULL, on_explained, NULL);
  g_task_set_task_data (task, job, explain_job_free);
  g_task_set_name (task, "fw-contrib-explain");
  self->explain_in_flight = TRUE;
  worker_begin (self);
  g_task_run_in_thread (task, explain_thread);
}

/* A new input: the previous prediction and map no longer apply. */
static void
request_explain (FwContribPanel *self)
{
  FwSampleData *d = fw_sample_get_data (self->sample);

  self->generation++;
  if (d->row >= 0 && self->ds)
    {
      const FwDataset *ds = self->ds;
      gsize P = (gsize) ds->channels * ds->size * ds->size;

      g_clear_pointer (&d->pixels, g_free);
      if (!self->hide_image && ds->has_image[d->row])
        d->pixels = g_memdup2 (ds->pixels + (gsize) d->row * P, P);
      d->text_hidden = self->hide_text;
      g_free (d->caption);
      d->caption = self->hide_text ? NULL : g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->caption_entry)));
      /* the old scores belong to the old words */
      fw_sample_clear_explanation (self->sample);
    }
  if (self->explain_in_flight)
    {
      self->explain_dirty = TRUE;
      return;
    }
  launch_explain (self, FALSE);
}

/* Typing re-predicts once per frame at most. */
static gboolean
on_caption_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (widget);

  self->caption_tick_id = 0;
  request_explain (self);
  return G_SOURCE_REMOVE;
}

static void
on_caption_changed (FwContribPanel *self)
{
  if (fw_sample_get_data (self->sample)->row < 0 || self->caption_tick_id)
    return;
  self->caption_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_caption_tick, NULL, NULL);
}

void
fw_contrib_panel_inspect (FwContribPanel *self, int row)
{
  FwSampleData *d;
  g_autofree char *label = NULL;
  const FwDataset *ds = self->ds;

  g_return_if_fail (FW_IS_CONTRIB_PANEL (self));
  if (!ds || row < 0 || row >= ds->n)
    return;
  d = fw_sample_get_data (self->sample);
  fw_sample_clear (self->sample);
  d->row = row;
  d->label = ds->label[row];
  d->n_classes = ds->n_classes;
  d->classes = g_strdupv (ds->classes);
  d->channels = ds->channels;
  d->size = ds->size;
  label = g_strdup_printf (_("row %d · label %s"), row + 1, ds->classes[ds->label[row]]);
  gtk_label_set_text (self->sample_label, label);
  g_signal_handlers_block_by_func (self->caption_entry, on_caption_changed, self);
  gtk_editable_set_text (GTK_EDITABLE (self->caption_entry), ds->has_text[row] ? ds->text[row] : "");
  g_signal_handlers_unblock_by_func (self->caption_entry, on_caption_changed, self);
  request_explain (self);
  fw_sample_changed (self->sample);
  update_actions (self);
}

/* ---- the run shown ---- */

static void
show_run (FwContribPanel *self, FwRun *run)
{
  FwContribResult *result = run ? result_for (self, run) : NULL;

  if (self->run == run)
    return;
  g_set_object (&self->run, run);
  fw_contrib_chart_set_result (self->bars_chart, result);
  fw_contrib_chart_set_result (self->reliance_chart, result);
  fw_contrib_chart_set_result (self->confusion_chart, result);
  update_run_label (self, NULL);
  request_explain (self);     /* the same sample through this run's model */
  /* a finished run shows its numbers as soon as it is picked */
  if (result && !fw_contrib_result_get_numbers (result) && current_engine (self))
    start_compute (self);
  update_actions (self);
}

static void
on_run_selected (GtkListBox *box, GtkListBoxRow *row, FwContribPanel *self)
{
  if (row)
    show_run (self, fw_run_row_get_run (FW_RUN_ROW (gtk_list_box_row_get_child (row))));
}

static void
on_runs_changed (GListModel *runs, guint position, guint removed, guint added, FwContribPanel *self)
{
  guint n = g_list_model_get_n_items (runs);
  GHashTableIter iter;
  gpointer key;

  if (removed > 0)
    {
      /* forget the runs that went (Clear runs) */
      g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (runs, i);
          g_hash_table_add (present, item);
        }
      if (self->run && !g_hash_table_contains (present, self->run))
        show_run (self, NULL);
      g_hash_table_iter_init (&iter, self->engines);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (present, key))
          g_hash_table_iter_remove (&iter);
      g_hash_table_iter_init (&iter, self->results);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (present, key))
          g_hash_table_iter_remove (&iter);
    }
  if (added > 0)
    {
      /* a new run trains: its reliance grows here, and the model needs the cores */
      g_autoptr(FwRun) run = g_list_model_get_item (runs, position + added - 1);
      if (self->compute_cancellable)
        g_cancellable_cancel (self->compute_cancellable);
      show_run (self, run);
    }
}

void
fw_contrib_panel_attach (FwContribPanel *self, FwDatasetView *dataset_view, GtkListBox *runs_list,
                         GListModel *runs)
{
  g_return_if_fail (FW_IS_CONTRIB_PANEL (self));

  self->dataset_view = dataset_view;
  self->runs_list = runs_list;
  self->runs = runs;
  g_signal_connect_object (dataset_view, "sample-activated", G_CALLBACK (fw_contrib_panel_inspect),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (runs_list, "row-selected", G_CALLBACK (on_run_selected), self, 0);
  g_signal_connect_object (runs, "items-changed", G_CALLBACK (on_runs_changed), self, 0);
}

void
fw_contrib_panel_set_dataset (FwContribPanel *self, const FwDataset *ds)
{
  g_return_if_fail (FW_IS_CONTRIB_PANEL (self));

  wait_for_workers (self);
  g_hash_table_remove_all (self->engines);
  self->ds = ds;
  fw_sample_clear (self->sample);
  fw_sample_changed (self->sample);
  gtk_label_set_text (self->sample_label, _("click a sample in the Dataset panel"));
  g_signal_handlers_block_by_func (self->caption_entry, on_caption_changed, self);
  gtk_editable_set_text (GTK_EDITABLE (self->caption_entry), "");
  g_signal_handlers_unblock_by_func (self->caption_entry, on_caption_changed, self);
  /* the first sample, so the panel teaches something before any click */
  if (ds && ds->n > 0)
    fw_contrib_panel_inspect (self, 0);
  update_actions (self);
}

gboolean
fw_contrib_panel_take_model (FwContribPanel *self, FwRun *run, FwModel *model,
                             const FwVocab *vocab, const char *const *classes, gpointer owner,
                             GDestroyNotify free_owner, GError **error)
{
  const FwShape *shape;
  Engine *engine;
  g_autofree int *labels = NULL;
  const FwDataset *ds = self->ds;

  g_return_val_if_fail (FW_IS_CONTRIB_PANEL (self), FALSE);
  g_return_val_if_fail (FW_IS_RUN (run), FALSE);
  g_return_val_if_fail (model != NULL && vocab != NULL, FALSE);

  shape = fw_model_get_shape (model);
  if (!ds || ds->channels != shape->channels || ds->size != shape->size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("This model takes %d×%d images with %d channels; the dataset has others."),
                   shape->size, shape->size, shape->channels);
      goto fail;
    }
  if (classes && g_strv_length ((char **) classes) != (guint) shape->classes)
    {
      /* the names must be the model's outputs, one each */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("This model has %d classes but %u class names."), shape->classes,
                   g_strv_length ((char **) classes));
      goto fail;
    }
  if (classes)
    {
      labels = fw_dataset_map_labels (ds, classes, shape->classes, error);
      if (!labels)
        goto fail;
    }
  else if (ds->n_classes != shape->classes)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("This model knows %d classes; the dataset has %d."), shape->classes, ds->n_classes);
      goto fail;
    }
  engine = g_atomic_rc_box_new0 (Engine);
  g_mutex_init (&engine->lock);
  engine->model = model;
  engine->vocab = vocab;
  engine->owner = owner;
  engine->free_owner = free_owner;
  engine->ds = ds;
  engine->n_classes = shape->classes;
  engine->classes = g_strdupv ((char **) (classes ? classes : (const char *const *) ds->classes));
  engine->labels = g_steal_pointer (&labels);
  g_hash_table_replace (self->engines, g_object_ref (run), engine);
  if (run == self->run)
    {
      request_explain (self);
      start_compute (self);
    }
  update_actions (self);
  return TRUE;

fail:
  if (free_owner && owner)
    free_owner (owner);
  return FALSE;
}

void
fw_contrib_panel_take_trainer (FwContribPanel *self, FwRun *run, FwTrainer *trainer)
{
  g_return_if_fail (FW_IS_CONTRIB_PANEL (self));
  g_return_if_fail (FW_IS_RUN (run));

  if (!trainer)
    return;
  if (fw_run_get_state (run) == FW_RUN_FAILED || !self->ds)
    {
      fw_trainer_free (trainer);
      return;
    }
  fw_trainer_join (trainer);
  /* trained on this very dataset: its class order is the dataset's */
  fw_contrib_panel_take_model (self, run, fw_trainer_get_model (trainer), fw_trainer_get_vocab (trainer),
                               NULL, trainer, (GDestroyNotify) fw_trainer_free, NULL);
}

FwTrainer *
fw_contrib_panel_get_trainer (FwContribPanel *self, FwRun *run)
{
  Engine *engine = g_hash_table_lookup (self->engines, run);

  return engine && engine->free_owner == (GDestroyNotify) fw_trainer_free ? engine->owner : NULL;
}

gboolean
fw_contrib_panel_is_busy (FwContribPanel *self)
{
  return self->compute_cancellable != NULL || self->explain_in_flight || self->caption_tick_id != 0;
}

FwContribResult *
fw_contrib_panel_get_result (FwContribPanel *self)
{
  return self->run ? result_for (self, self->run) : NULL;
}

FwSample *fw_contrib_panel_get_sample (FwContribPanel *self) { return self->sample; }

/* ---- export ---- */

gboolean
fw_contrib_panel_export (FwContribPanel *self, const char *path, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  FwContribChart *charts[] = { self->bars_chart, self->reliance_chart, self->confusion_chart };
  GdkRGBA fg = { 0.12, 0.12, 0.12, 1 }, bg = { 1, 1, 1, 1 };
  int widths[G_N_ELEMENTS (charts)], w = 0, h = 380;
  cairo_surface_t *surface;
  cairo_t *cr;

  if (g_str_has_suffix (lower, ".json"))
    {
      if (!self->run)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("There are no contributions to export yet: train a model first."));
          return FALSE;
        }
      return fw_contrib_result_write_json (result_for (self, self->run), path, error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      widths[i] = MAX (gtk_widget_get_width (GTK_WIDGET (charts[i])), 420);
      w += widths[i] + 12;
    }
  if (g_str_has_suffix (lower, ".svg"))
    surface = fw_picture_new_svg (w, h);
  else if (g_str_has_suffix (lower, ".png"))
    surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w * 2, h * 2);
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s: unknown format; use .png, .svg or .json"), path);
      return FALSE;
    }
  /* exports read on paper and slides: always dark ink on white */
  cr = cairo_create (surface);
  if (cairo_surface_get_type (surface) == CAIRO_SURFACE_TYPE_IMAGE)
    cairo_scale (cr, 2, 2);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      cairo_save (cr);
      cairo_rectangle (cr, 0, 0, widths[i], h);
      cairo_clip (cr);
      fw_contrib_chart_draw (charts[i], cr, widths[i], h, &fg, &bg);
      cairo_restore (cr);
      cairo_translate (cr, widths[i] + 12, 0);
    }
  cairo_destroy (cr);
  return fw_picture_finish (surface, path, error);
}

static void
on_export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  FwContribPanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autofree char *lower = g_ascii_strdown (path, -1);
      g_autoptr(GError) error = NULL;
      GtkFileFilter *filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
      const char *ext = filter ? g_object_get_data (G_OBJECT (filter), "fw-ext") : NULL;

      /* a name typed without an extension takes the chosen format's */
      if (ext && !g_str_has_suffix (lower, ".png") && !g_str_has_suffix (lower, ".svg") &&
          !g_str_has_suffix (lower, ".json"))
        {
          char *with_ext = g_strconcat (path, ".", ext, NULL);
          g_free (path);
          path = with_ext;
        }
      if (!fw_contrib_panel_export (self, path, &error))
        update_run_label (self, error->message);
      else
        {
          g_autofree char *text = g_strdup_printf (_("Saved %s"), path);
          update_run_label (self, text);
        }
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

/* ---- actions ---- */

static void
update_actions (FwContribPanel *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean have_engine = current_engine (self) != NULL;

  gtk_widget_action_set_enabled (w, "contrib.compute", have_engine && !self->compute_cancellable);
  gtk_widget_action_set_enabled (w, "contrib.cancel", self->compute_cancellable != NULL);
  gtk_widget_action_set_enabled (w, "contrib.inspect", self->ds != NULL);
  gtk_widget_action_set_enabled (w, "contrib.export", self->run != NULL);
}

static void
action_compute (GtkWidget *widget, const char *name, GVariant *param)
{
  start_compute (FW_CONTRIB_PANEL (widget));
}

static void
action_cancel (GtkWidget *widget, const char *name, GVariant *param)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (widget);

  if (self->compute_cancellable)
    g_cancellable_cancel (self->compute_cancellable);
}

static void
action_inspect (GtkWidget *widget, const char *name, GVariant *param)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (widget);
  int row = self->dataset_view ? fw_dataset_view_get_selected_sample (self->dataset_view) : -1;

  fw_contrib_panel_inspect (self, row >= 0 ? row : 0);
  gtk_widget_grab_focus (GTK_WIDGET (self->caption_entry));
}

static void
action_export (GtkWidget *widget, const char *name, GVariant *param)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (widget);
  static const char *const patterns[][2] = {
    { N_("PNG picture"), "png" }, { N_("SVG picture"), "svg" }, { N_("JSON numbers"), "json" },
  };
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Export Contributions"), GTK_WINDOW (gtk_widget_get_root (widget)),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "contributions.png");
  for (gsize i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      gtk_file_filter_set_name (filter, _(patterns[i][0]));
      gtk_file_filter_add_suffix (filter, patterns[i][1]);
      g_object_set_data (G_OBJECT (filter), "fw-ext", (gpointer) patterns[i][1]);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_method_selected (FwContribPanel *self)
{
  guint method = gtk_drop_down_get_selected (self->method_dropdown);

  if (method < FW_METHOD_N_KINDS)
    fw_contrib_chart_set_method (self->bars_chart, method);
}

/* ---- life cycle ---- */

static void
fw_contrib_panel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (object);

  switch (prop_id)
    {
    case PROP_PER_CLASS: g_value_set_boolean (value, self->per_class); break;
    case PROP_HIDE_IMAGE: g_value_set_boolean (value, self->hide_image); break;
    case PROP_HIDE_TEXT: g_value_set_boolean (value, self->hide_text); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_contrib_panel_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (object);
  gboolean v = g_value_get_boolean (value);

  switch (prop_id)
    {
    case PROP_PER_CLASS:
      self->per_class = v;
      fw_contrib_chart_set_per_class (self->bars_chart, v);
      break;
    case PROP_HIDE_IMAGE:
      if (self->hide_image == v)
        return;
      self->hide_image = v;
      request_explain (self);
      break;
    case PROP_HIDE_TEXT:
      if (self->hide_text == v)
        return;
      self->hide_text = v;
      request_explain (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

/* Leaving the window: the window frees the dataset soon after, and a
 * running task keeps this panel alive past that, so the workers end and the
 * models go here rather than in dispose. */
static void
fw_contrib_panel_unroot (GtkWidget *widget)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (widget);

  wait_for_workers (self);
  g_hash_table_remove_all (self->engines);
  self->ds = NULL;
  GTK_WIDGET_CLASS (fw_contrib_panel_parent_class)->unroot (widget);
}

static void
fw_contrib_panel_dispose (GObject *object)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (object);

  self->disposed = TRUE;
  wait_for_workers (self);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  if (self->caption_tick_id)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->caption_tick_id);
  self->caption_tick_id = 0;
  self->compute_progress = NULL;
  g_clear_pointer (&self->engines, g_hash_table_unref);
  g_clear_pointer (&self->results, g_hash_table_unref);
  g_clear_object (&self->run);
  g_clear_object (&self->compute_run);
  g_clear_object (&self->compute_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), FW_TYPE_CONTRIB_PANEL);
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->sample);
  G_OBJECT_CLASS (fw_contrib_panel_parent_class)->dispose (object);
}

static void
fw_contrib_panel_finalize (GObject *object)
{
  FwContribPanel *self = FW_CONTRIB_PANEL (object);

  g_mutex_clear (&self->busy_lock);
  g_cond_clear (&self->busy_cond);
  G_OBJECT_CLASS (fw_contrib_panel_parent_class)->finalize (object);
}

static void
fw_contrib_panel_class_init (FwContribPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fw_contrib_panel_dispose;
  object_class->finalize = fw_contrib_panel_finalize;
  object_class->get_property = fw_contrib_panel_get_property;
  object_class->set_property = fw_contrib_panel_set_property;
  widget_class->unroot = fw_contrib_panel_unroot;

  properties[PROP_PER_CLASS] = g_param_spec_boolean ("per-class", NULL, NULL, FALSE,
                                                     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HIDE_IMAGE] = g_param_spec_boolean ("hide-image", NULL, NULL, FALSE,
                                                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HIDE_TEXT] = g_param_spec_boolean ("hide-text", NULL, NULL, FALSE,
                                                     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (FW_TYPE_CONTRIB_CHART);
  g_type_ensure (FW_TYPE_SAMPLE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fusionworkbench/FusionWorkbench/fw-contrib-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, run_label);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, bars_chart);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, reliance_chart);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, confusion_chart);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, sample_label);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, image_chart);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, tokens_chart);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, probs_chart);
  gtk_widget_class_bind_template_child (widget_class, FwContribPanel, caption_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_caption_changed);

  gtk_widget_class_install_action (widget_class, "contrib.compute", NULL, action_compute);
  gtk_widget_class_install_action (widget_class, "contrib.cancel", NULL, action_cancel);
  gtk_widget_class_install_action (widget_class, "contrib.inspect", NULL, action_inspect);
  gtk_widget_class_install_action (widget_class, "contrib.export", NULL, action_export);
  gtk_widget_class_install_property_action (widget_class, "contrib.per-class", "per-class");
  gtk_widget_class_install_property_action (widget_class, "contrib.hide-image", "hide-image");
  gtk_widget_class_install_property_action (widget_class, "contrib.hide-text", "hide-text");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fwcontribpanel");
}

static void
fw_contrib_panel_init (FwContribPanel *self)
{
  static const char *const shortcuts[][2] = {
    { "<Control><Shift>Return", "contrib.compute" },
    { "<Control><Shift>KP_Enter", "contrib.compute" },
    { "<Control>i", "contrib.inspect" },
    { "<Control><Shift>x", "contrib.export" },
    { "<Control><Shift>b", "contrib.per-class" },
    { "<Control><Alt>1", "contrib.hide-image" },
    { "<Control><Alt>2", "contrib.hide-text" },
  };
  g_autoptr(GtkStringList) methods = gtk_string_list_new (NULL);
  GtkEventController *controller;

  gtk_widget_init_template (GTK_WIDGET (self));
  g_mutex_init (&self->busy_lock);
  g_cond_init (&self->busy_cond);
  self->results = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  self->engines = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) engine_unref);
  self->sample = fw_sample_new ();
  fw_sample_chart_set_sample (self->image_chart, self->sample);
  fw_sample_chart_set_sample (self->tokens_chart, self->sample);
  fw_sample_chart_set_sample (self->probs_chart, self->sample);

  for (int i = 0; i < FW_METHOD_N_KINDS; i++)
    gtk_string_list_append (methods, _(method_names[i]));
  gtk_drop_down_set_model (self->method_dropdown, G_LIST_MODEL (methods));
  g_signal_connect_swapped (self->method_dropdown, "notify::selected", G_CALLBACK (on_method_selected), self);

  /* window-wide shortcuts, kept with the actions they name */
  controller = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  for (gsize i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_shortcut_trigger_parse_string (shortcuts[i][0]),
                                                            gtk_named_action_new (shortcuts[i][1])));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  fw_contrib_chart_set_result (self->bars_chart, NULL);
  gtk_label_set_text (self->sample_label, _("click a sample in the Dataset panel"));
  update_run_label (self, NULL);
  update_actions (self);
}
