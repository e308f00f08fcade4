/* fw-explainer.c — the kept models and the workers that run them.  Every
 * kernel — contributions, predictions, integrated gradients — runs in a
 * GTask worker holding the model's lock, so the GUI thread never runs one
 * and a model never serves two workers at once; a long computation lets
 * waiting predictions have the model between two methods.  The dataset is
 * borrowed: set_dataset waits for the workers before it may go. */
#include <glib/gi18n.h>
#include <string.h>

#include "fw-explainer.h"
#include "fw-run-row.h"

/* ---- a kept model ---- */

typedef struct {
  GMutex lock;               /* held by the one worker using the model */
  gint waiting;              /* prediction jobs waiting for the lock */
  FwModel *model;            /* borrowed from owner */
  const FwVocab *vocab;      /* borrowed from owner */
  gpointer owner;            /* a joined FwTrainer, or whatever holds the model */
  GDestroyNotify free_owner;
  const FwDataset *ds;       /* borrowed: the explainer drops engines before it goes */
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

struct _FwExplainer
{
  GObject parent_instance;

  /* Owned */
  GHashTable *engines;       /* FwRun → Engine */
  FwRun *run;                /* the run the views show */
  GPtrArray *cancellables;   /* of the computations running */
  GMutex busy_lock;
  GCond busy_cond;
  int n_busy;                /* workers not yet done with their engine */

  /* Borrowed */
  const FwDataset *ds;
  GListModel *runs;
};

G_DEFINE_FINAL_TYPE (FwExplainer, fw_explainer, G_TYPE_OBJECT)

enum { PROP_0, PROP_RUN, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { MODEL_ADDED, DATASET_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
worker_begin (FwExplainer *self)
{
  g_mutex_lock (&self->busy_lock);
  self->n_busy++;
  g_mutex_unlock (&self->busy_lock);
}

/* Called by the worker once it no longer touches its engine. */
static void
worker_end (FwExplainer *self)
{
  g_mutex_lock (&self->busy_lock);
  self->n_busy--;
  g_cond_broadcast (&self->busy_cond);
  g_mutex_unlock (&self->busy_lock);
}

static void
cancel_computations (FwExplainer *self)
{
  for (guint i = 0; i < self->cancellables->len; i++)
    g_cancellable_cancel (self->cancellables->pdata[i]);
}

static void
wait_for_workers (FwExplainer *self)
{
  cancel_computations (self);
  g_mutex_lock (&self->busy_lock);
  while (self->n_busy > 0)
    g_cond_wait (&self->busy_cond, &self->busy_lock);
  g_mutex_unlock (&self->busy_lock);
}

gboolean
fw_explainer_is_busy (FwExplainer *self)
{
  gboolean busy;

  g_return_val_if_fail (FW_IS_EXPLAINER (self), FALSE);
  g_mutex_lock (&self->busy_lock);
  busy = self->n_busy > 0;
  g_mutex_unlock (&self->busy_lock);
  return busy;
}

/* ---- the run shown ---- */

static void
set_run (FwExplainer *self, FwRun *run)
{
  if (g_set_object (&self->run, run))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN]);
}

FwRun *
fw_explainer_get_run (FwExplainer *self)
{
  g_return_val_if_fail (FW_IS_EXPLAINER (self), NULL);
  return self->run;
}

static void
on_run_selected (GtkListBox *box, GtkListBoxRow *row, FwExplainer *self)
{
  if (row)
    set_run (self, fw_run_row_get_run (FW_RUN_ROW (gtk_list_box_row_get_child (row))));
}

static void
on_runs_changed (GListModel *runs, guint position, guint removed, guint added, FwExplainer *self)
{
  if (removed > 0)
    {
      /* forget the runs that went (Clear runs, Delete run) */
      g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
      GHashTableIter iter;
      gpointer key;

      for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (runs, i);
          g_hash_table_add (present, item);
        }
      if (self->run && !g_hash_table_contains (present, self->run))
        set_run (self, NULL);
      g_hash_table_iter_init (&iter, self->engines);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (present, key))
          g_hash_table_iter_remove (&iter);
    }
  if (added > 0)
    {
      /* a new run trains: its reliance grows in the view, and the model needs the cores */
      g_autoptr(FwRun) run = g_list_model_get_item (runs, position + added - 1);
      cancel_computations (self);
      set_run (self, run);
    }
}

void
fw_explainer_attach (FwExplainer *self, GtkListBox *runs_list, GListModel *runs)
{
  g_return_if_fail (FW_IS_EXPLAINER (self));

  self->runs = runs;
  g_signal_connect_object (runs_list, "row-selected", G_CALLBACK (on_run_selected), self, 0);
  g_signal_connect_object (runs, "items-changed", G_CALLBACK (on_runs_changed), self, 0);
}

/* ---- models ---- */

void
fw_explainer_set_dataset (FwExplainer *self, const FwDataset *ds)
{
  g_return_if_fail (FW_IS_EXPLAINER (self));

  wait_for_workers (self);
  g_hash_table_remove_all (self->engines);
  self->ds = ds;
  g_signal_emit (self, signals[DATASET_CHANGED], 0);
}

const FwDataset *
fw_explainer_get_dataset (FwExplainer *self)
{
  g_return_val_if_fail (FW_IS_EXPLAINER (self), NULL);
  return self->ds;
}

gboolean
fw_explainer_take_model (FwExplainer *self, FwRun *run, FwModel *model, const FwVocab *vocab,
                         const char *const *classes, gpointer owner, GDestroyNotify free_owner,
                         GError **error)
{
  const FwShape *shape;
  Engine *engine;
  g_autofree int *labels = NULL;
  const FwDataset *ds = self->ds;

  g_return_val_if_fail (FW_IS_EXPLAINER (self), FALSE);
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
  g_signal_emit (self, signals[MODEL_ADDED], 0, run);
  return TRUE;

fail:
  if (free_owner && owner)
    free_owner (owner);
  return FALSE;
}

void
fw_explainer_take_trainer (FwExplainer *self, FwRun *run, FwTrainer *trainer)
{
  g_return_if_fail (FW_IS_EXPLAINER (self));
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
  fw_explainer_take_model (self, run, fw_trainer_get_model (trainer), fw_trainer_get_vocab (trainer),
                           NULL, trainer, (GDestroyNotify) fw_trainer_free, NULL);
}

gboolean
fw_explainer_has_model (FwExplainer *self, FwRun *run)
{
  g_return_val_if_fail (FW_IS_EXPLAINER (self), FALSE);
  return run && g_hash_table_contains (self->engines, run);
}

FwTrainer *
fw_explainer_get_trainer (FwExplainer *self, FwRun *run)
{
  Engine *engine;

  g_return_val_if_fail (FW_IS_EXPLAINER (self), NULL);
  engine = run ? g_hash_table_lookup (self->engines, run) : NULL;
  return engine && engine->free_owner == (GDestroyNotify) fw_trainer_free ? engine->owner : NULL;
}

/* ---- computing contributions ---- */

typedef struct {
  FwExplainer *self;
  Engine *engine;
  GCancellable *cancellable;
  gint *progress;            /* per mille, the caller's */
  double base, span;         /* of the current stage */
} ComputeJob;

static void
compute_job_free (gpointer data)
{
  ComputeJob *job = data;

  engine_unref (job->engine);
  g_clear_object (&job->cancellable);
  g_free (job);
}

static void
stage_progress (double fraction, gpointer data)
{
  ComputeJob *job = data;

  g_atomic_int_set (job->progress, (int) (1000 * (job->base + job->span * CLAMP (fraction, 0, 1))));
}

/* Between two methods the computation lets waiting prediction jobs have
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
  if (!fw_model_check_dataset (e->model, ds, error))   /* features models need their vectors */
    return NULL;
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
  n->ig_steps = fw_contrib_ig_steps (contrib);
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

char *
fw_explainer_describe_other_dataset (FwExplainer *self, FwRun *run)
{
  const char *trained_on;

  g_return_val_if_fail (FW_IS_EXPLAINER (self), NULL);
  trained_on = run ? fw_run_get_dataset_name (run) : NULL;
  if (!run || !self->ds || !trained_on || !*trained_on || g_strcmp0 (trained_on, self->ds->name) == 0)
    return NULL;
  return g_strdup_printf (_("%s was trained on the dataset %s, not on the open %s: open %s to explain it."),
                          fw_run_get_description (run), trained_on, self->ds->name, trained_on);
}

/* A run of another dataset is the usual cause: name both, and the way out. */
static void
no_model_error (GTask *task, FwExplainer *self, FwRun *run)
{
  g_autofree char *other = fw_explainer_describe_other_dataset (self, run);

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                           other ? other : _("This run has no model to explain on the open dataset."));
}

void
fw_explainer_compute_async (FwExplainer *self, FwRun *run, GCancellable *cancellable,
                            gint *progress, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  Engine *engine;
  ComputeJob *job;

  g_return_if_fail (FW_IS_EXPLAINER (self));
  g_return_if_fail (progress != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fw_explainer_compute_async);
  g_task_set_name (task, "fw-contrib-compute");
  engine = run ? g_hash_table_lookup (self->engines, run) : NULL;
  if (!engine)
    {
      no_model_error (task, self, run);
      return;
    }
  job = g_new0 (ComputeJob, 1);
  job->self = self;
  job->engine = engine_ref (engine);
  job->progress = progress;
  job->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  g_ptr_array_add (self->cancellables, g_object_ref (job->cancellable));
  g_atomic_int_set (progress, 0);
  g_task_set_task_data (task, job, compute_job_free);
  worker_begin (self);
  g_task_run_in_thread (task, compute_thread);
}

FwContribNumbers *
fw_explainer_compute_finish (FwExplainer *self, GAsyncResult *result, GError **error)
{
  ComputeJob *job;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  job = g_task_get_task_data (G_TASK (result));
  if (job)
    g_ptr_array_remove (self->cancellables, job->cancellable);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- one prediction ---- */

typedef struct {
  FwExplainer *self;
  Engine *engine;
  int row;
  gboolean want_ig;
  guint8 *pixels;            /* NULL: no image */
  char *caption;             /* NULL: no text */
} PredictJob;

static void
predict_job_free (gpointer data)
{
  PredictJob *job = data;

  engine_unref (job->engine);
  g_free (job->pixels);
  g_free (job->caption);
  g_free (job);
}

void
fw_prediction_free (FwPrediction *p)
{
  if (!p)
    return;
  g_strfreev (p->classes);
  g_free (p->probs);
  fw_ig_sample_clear (&p->ig);
  fw_attention_weights_free (p->attention);
  g_free (p);
}

static void
predict_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PredictJob *job = task_data;
  Engine *e = job->engine;
  FwPrediction *p = g_new0 (FwPrediction, 1);

  p->n_classes = e->n_classes;
  p->classes = g_strdupv (e->classes);
  p->label = engine_label (e, job->row);
  p->probs = g_new0 (float, p->n_classes);
  p->has_ig = job->want_ig;
  g_atomic_int_inc (&e->waiting);
  g_mutex_lock (&e->lock);
  g_atomic_int_dec_and_test (&e->waiting);
  p->predicted = fw_contrib_explain (engine_contrib (e), e->vocab, job->pixels, job->caption,
                                     FALSE, FALSE, -1, p->probs, job->want_ig ? &p->ig : NULL);
  /* the weights of this input's forward (IG's forwards would overwrite them) */
  if (!job->want_ig)
    p->attention = fw_attention_weights_from_model (e->model, job->caption);
  g_mutex_unlock (&e->lock);
  g_task_return_pointer (task, p, (GDestroyNotify) fw_prediction_free);
  worker_end (job->self);
}

void
fw_explainer_predict_async (FwExplainer *self, FwRun *run, int row, const guint8 *pixels,
                            const char *caption, gboolean want_ig,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  Engine *engine;
  PredictJob *job;

  g_return_if_fail (FW_IS_EXPLAINER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, fw_explainer_predict_async);
  g_task_set_name (task, "fw-sample-predict");
  engine = run ? g_hash_table_lookup (self->engines, run) : NULL;
  if (!engine || !self->ds || row < 0 || row >= self->ds->n)
    {
      no_model_error (task, self, run);
      return;
    }
  /* the inspector edits pixels and words, which a features model never reads:
   * the sample shows its inputs alone (the Contributions view explains it) */
  if (fw_model_image_is_features (engine->model) || fw_model_text_is_features (engine->model))
    {
      g_task_return_new_error (task, FW_DATA_ERROR, FW_DATA_ERROR_VALUE,
                               _("This model reads precomputed vectors, not the sample's pixels and words."));
      return;
    }
  job = g_new0 (PredictJob, 1);
  job->self = self;
  job->engine = engine_ref (engine);
  job->row = row;
  job->want_ig = want_ig;
  job->pixels = pixels ? g_memdup2 (pixels, (gsize) self->ds->channels * self->ds->size * self->ds->size) : NULL;
  job->caption = g_strdup (caption);
  g_task_set_task_data (task, job, predict_job_free);
  worker_begin (self);
  g_task_run_in_thread (task, predict_thread);
}

FwPrediction *
fw_explainer_predict_finish (FwExplainer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- life cycle ---- */

static void
fw_explainer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FwExplainer *self = FW_EXPLAINER (object);

  switch (prop_id)
    {
    case PROP_RUN: g_value_set_object (value, self->run); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fw_explainer_dispose (GObject *object)
{
  FwExplainer *self = FW_EXPLAINER (object);

  wait_for_workers (self);
  g_hash_table_remove_all (self->engines);
  self->ds = NULL;
  g_clear_object (&self->run);
  G_OBJECT_CLASS (fw_explainer_parent_class)->dispose (object);
}

static void
fw_explainer_finalize (GObject *object)
{
  FwExplainer *self = FW_EXPLAINER (object);

  g_hash_table_unref (self->engines);
  g_ptr_array_unref (self->cancellables);
  g_mutex_clear (&self->busy_lock);
  g_cond_clear (&self->busy_cond);
  G_OBJECT_CLASS (fw_explainer_parent_class)->finalize (object);
}

static void
fw_explainer_class_init (FwExplainerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = fw_explainer_dispose;
  object_class->finalize = fw_explainer_finalize;
  object_class->get_property = fw_explainer_get_property;

  properties[PROP_RUN] = g_param_spec_object ("run", NULL, NULL, FW_TYPE_RUN,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MODEL_ADDED] = g_signal_new ("model-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, FW_TYPE_RUN);
  signals[DATASET_CHANGED] = g_signal_new ("dataset-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
fw_explainer_init (FwExplainer *self)
{
  g_mutex_init (&self->busy_lock);
  g_cond_init (&self->busy_cond);
  self->engines = g_hash_table_new_full (NULL, NULL, g_object_unref, (GDestroyNotify) engine_unref);
  self->cancellables = g_ptr_array_new_with_free_func (g_object_unref);
}

FwExplainer *
fw_explainer_new (void)
{
  return g_object_new (FW_TYPE_EXPLAINER, NULL);
}
