/* fw-trainer.c — the training loop on its own compute thread, the commands
 * it honours between batches, and the event queue other threads read.
 * Everything the loop needs is allocated in fw_trainer_new; the loop itself
 * allocates nothing (events go into a ring that only grows to its peak). */
#include "fw-trainer.h"

#include <cblas.h>
#undef I
#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fw-contrib.h"
#include "fw-kernels.h"
#include "fw-model-file.h"
#include "fw-row-set.h"
#include "fw-optim.h"
#include "fw-parallel.h"
#include "fw-rng.h"
#include "fw-schedule.h"

/* OpenBLAS's own entry point; not in every cblas.h */
extern void openblas_set_num_threads (int n);

struct _FwTrainer {
  FwConfig config;
  const FwDataset *ds;       /* borrowed */
  FwVocab *vocab;
  int *lexmap;               /* lexicon index -> vocab id */
  FwModel *model;
  FwOptim *optim;
  float *snapshot;           /* parameters at the end of the last good epoch */
  int *rows[FW_SPLIT_N_KINDS];
  int n_rows[FW_SPLIT_N_KINDS];
  int reliance_rows;         /* 0: no Shapley shares per epoch */
  char *epoch_model_path;    /* NULL: no model file per epoch */
  char **epoch_model_classes;
  char *checkpoint_path;     /* NULL: no checkpoint per epoch */
  char **checkpoint_classes;
  gboolean checkpoint_required;  /* a write error fails the run (else: save_error) */

  /* the state a checkpoint holds (fw-checkpoint.h) */
  double base_lr;            /* the lr option, live changes included; the schedule scales it */
  guint64 shuffle_rng, dropout_rng;
  int first_epoch;           /* 1, or the epoch after a restored checkpoint's */
  gint64 first_step;
  double seconds_before;     /* training seconds of a restored run's earlier epochs */
  GArray *history;           /* FwEpochRecord of finished epochs */
  float *best;               /* (n_params) best epoch's weights; only with patience */
  double best_val_loss;      /* INFINITY: none yet */
  int best_epoch;            /* 0: none yet */

  GThread *thread;
  GMutex lock;
  GCond cond;                /* commands and events both signal it */
  gboolean paused, stop_requested, running;
  double pending_lr;         /* NAN: none */
  GArray *events;            /* FwEvent ring: [head, len) is unread */
  guint head;
};

void
fw_event_clear (FwEvent *e)
{
  g_clear_pointer (&e->message, g_free);
  g_clear_pointer (&e->save_error, g_free);
}

FwTrainer *
fw_trainer_new (const FwConfig *config, const FwDataset *ds, GError **error)
{
  g_return_val_if_fail (config && ds, NULL);
  if (!fw_config_validate (config, error))
    return NULL;
  int n_train = fw_dataset_split_count (ds, FW_SPLIT_TRAIN);
  if (n_train == 0)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY,
                   _("%s: there are no training rows"), ds->name);
      return NULL;
    }
  if (config->patience > 0 && fw_dataset_split_count (ds, FW_SPLIT_VAL) == 0)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("%s: --patience watches the validation loss, but there are no validation "
                     "rows; give the data val rows or a --val-fraction above 0"), ds->name);
      return NULL;
    }
  if (ds->channels != (config->color == FW_COLOR_RGB ? 3 : 1) || ds->size != config->image_size)
    {
      g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                   _("%s was loaded at %d×%d with %d channels, but the options ask for %d×%d %s"),
                   ds->name, ds->size, ds->size, ds->channels, config->image_size,
                   config->image_size, fw_color_name (config->color));
      return NULL;
    }

  g_autoptr (FwVocab) vocab = fw_vocab_build (ds);
  FwShape shape = { ds->channels, ds->size, (int) vocab->tokens->len, ds->n_classes,
                    ds->features_dim[0], ds->features_dim[1] };
  int max_batch = MIN (config->batch, MAX (n_train, 1));
  /* evaluation reuses the training buffers, so they fit at least a batch */
  g_autoptr (FwModel) model = fw_model_new (config, &shape, max_batch, error);
  if (!model)
    return NULL;
  if (ds->row_key)
    {
      /* so that evaluating it later can tell rows it has seen */
      g_autofree guint64 *keys = g_new (guint64, n_train);
      for (int r = 0, k = 0; r < ds->n; r++)
        if (ds->split[r] == FW_SPLIT_TRAIN)
          keys[k++] = ds->row_key[r];
      g_autoptr (FwRowSet) seen = fw_row_set_new (keys, n_train);
      g_autofree char *json = fw_row_set_to_json (seen);
      fw_model_set_training_rows (model, json);
    }

  FwTrainer *t = g_new0 (FwTrainer, 1);
  t->config = *config;
  t->ds = ds;
  t->vocab = g_steal_pointer (&vocab);
  t->lexmap = fw_vocab_map_lexicon (t->vocab, ds);
  t->model = g_steal_pointer (&model);
  gsize n = fw_model_n_params (t->model);
  t->optim = fw_optim_new (config->optimizer, n, config->lr, config->weight_decay);
  t->optim->momentum = config->momentum;
  t->snapshot = g_memdup2 (fw_model_params (t->model), sizeof (float) * MAX (n, 1));
  for (int s = 0; s < FW_SPLIT_N_KINDS; s++)
    {
      t->rows[s] = g_new (int, MAX (ds->n, 1));
      t->n_rows[s] = fw_dataset_split_rows (ds, (FwSplit) s, t->rows[s]);
    }
  g_mutex_init (&t->lock);
  g_cond_init (&t->cond);
  t->pending_lr = NAN;
  t->base_lr = config->lr;
  t->shuffle_rng = config->seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + 1;
  t->dropout_rng = config->seed ^ G_GUINT64_CONSTANT (0xD0D0D0D0CAFEF00D);
  t->first_epoch = 1;
  t->history = g_array_sized_new (FALSE, TRUE, sizeof (FwEpochRecord), config->epochs);
  t->best = config->patience > 0 ? g_memdup2 (t->snapshot, sizeof (float) * MAX (n, 1)) : NULL;
  t->best_val_loss = INFINITY;
  t->events = g_array_sized_new (FALSE, TRUE, sizeof (FwEvent), 1024);
  return t;
}

void
fw_trainer_free (FwTrainer *t)
{
  if (!t)
    return;
  fw_trainer_stop (t);
  fw_trainer_join (t);
  for (guint i = t->head; i < t->events->len; i++)
    fw_event_clear (&g_array_index (t->events, FwEvent, i));
  g_array_unref (t->events);
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->cond);
  for (int s = 0; s < FW_SPLIT_N_KINDS; s++)
    g_free (t->rows[s]);
  g_free (t->snapshot);
  g_free (t->best);
  g_array_unref (t->history);
  g_free (t->checkpoint_path);
  g_strfreev (t->checkpoint_classes);
  g_free (t->epoch_model_path);
  g_strfreev (t->epoch_model_classes);
  fw_optim_free (t->optim);
  fw_model_free (t->model);
  g_free (t->lexmap);
  fw_vocab_free (t->vocab);
  g_free (t);
}

static void
push_event (FwTrainer *t, const FwEvent *e)
{
  g_mutex_lock (&t->lock);
  if (t->head == t->events->len)
    {
      /* everything was read: start the ring over without reallocating */
      g_array_set_size (t->events, 0);
      t->head = 0;
    }
  g_array_append_vals (t->events, e, 1);
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

gboolean
fw_trainer_pop_event (FwTrainer *t, FwEvent *e)
{
  gboolean got = FALSE;
  g_mutex_lock (&t->lock);
  if (t->head < t->events->len)
    {
      *e = g_array_index (t->events, FwEvent, t->head);
      t->head++;
      got = TRUE;
    }
  g_mutex_unlock (&t->lock);
  return got;
}

void
fw_trainer_wait_event (FwTrainer *t, FwEvent *e)
{
  g_mutex_lock (&t->lock);
  while (t->head == t->events->len)
    g_cond_wait (&t->cond, &t->lock);
  *e = g_array_index (t->events, FwEvent, t->head);
  t->head++;
  g_mutex_unlock (&t->lock);
}

void
fw_trainer_pause (FwTrainer *t)
{
  g_mutex_lock (&t->lock);
  t->paused = TRUE;
  g_mutex_unlock (&t->lock);
}

void
fw_trainer_resume (FwTrainer *t)
{
  g_mutex_lock (&t->lock);
  t->paused = FALSE;
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
fw_trainer_stop (FwTrainer *t)
{
  g_mutex_lock (&t->lock);
  t->stop_requested = TRUE;
  t->paused = FALSE;
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
fw_trainer_set_lr (FwTrainer *t, double lr)
{
  g_return_if_fail (lr > 0 && isfinite (lr));
  g_mutex_lock (&t->lock);
  t->pending_lr = lr;
  g_mutex_unlock (&t->lock);
}

gboolean
fw_trainer_is_running (FwTrainer *t)
{
  g_mutex_lock (&t->lock);
  gboolean r = t->running;
  g_mutex_unlock (&t->lock);
  return r;
}

/* Between batches: apply a new learning rate, wait while paused.
 * Returns FALSE when the loop must stop. */
static gboolean
check_commands (FwTrainer *t)
{
  g_mutex_lock (&t->lock);
  if (!isnan (t->pending_lr))
    {
      t->base_lr = t->pending_lr;
      t->config.lr = t->pending_lr;
      t->pending_lr = NAN;
    }
  while (t->paused && !t->stop_requested)
    g_cond_wait (&t->cond, &t->lock);
  gboolean go = !t->stop_requested;
  g_mutex_unlock (&t->lock);
  return go;
}

static void
fail (FwTrainer *t, FwEvent *e, double loss)
{
  /* keep the last good weights, not the ones that diverged */
  memcpy (fw_model_params (t->model), t->snapshot, sizeof (float) * fw_model_n_params (t->model));
  e->kind = FW_EVENT_FAILED;
  e->loss = loss;
  e->message = g_strdup_printf (_("Training stopped at epoch %d, step %d: the loss became %s. "
                                  "The weights of the last good epoch are kept. "
                                  "Try a lower learning rate (now %g)."),
                                e->epoch, e->step, isnan (loss) ? "NaN" : "infinite",
                                t->optim->lr);
  push_event (t, e);
}

void
fw_trainer_measure_reliance (FwTrainer *t, int max_rows)
{
  g_return_if_fail (t && max_rows >= 0 && !t->thread);
  t->reliance_rows = max_rows;
}

void
fw_trainer_save_model_to (FwTrainer *t, const char *path, const char *const *classes)
{
  g_return_if_fail (t && path && classes && !t->thread);
  g_free (t->epoch_model_path);
  g_strfreev (t->epoch_model_classes);
  t->epoch_model_path = g_strdup (path);
  t->epoch_model_classes = g_strdupv ((char **) classes);
}

/* Writes the model file when asked to; a failure is reported in the event
 * (which owns the message), never dropped. */
static void
save_model (FwTrainer *t, FwEvent *e)
{
  g_autoptr (GError) error = NULL;
  if (t->epoch_model_path
      && !fw_model_save (t->model, t->vocab, (const char *const *) t->epoch_model_classes,
                         t->epoch_model_path, &error))
    e->save_error = g_strdup (error->message);
}

/* Shapley shares on validation rows into an EPOCH event; the train means
 * stand for a removed modality, as in fw_contrib. */
static void
measure_reliance (FwTrainer *t, FwContrib *contrib, FwEvent *e)
{
  e->image_share = e->text_share = e->interaction = NAN;
  if (!contrib)
    return;
  FwSplit s = t->n_rows[FW_SPLIT_VAL] > 0 ? FW_SPLIT_VAL : FW_SPLIT_TRAIN;
  FwShapleySummary sum;
  if (fw_contrib_shapley_shares (contrib, t->rows[s], MIN (t->reliance_rows, t->n_rows[s]), &sum,
                                 NULL, NULL))
    {
      e->image_share = sum.image_share;
      e->text_share = sum.text_share;
      e->interaction = sum.interaction;
    }
}

void
fw_trainer_checkpoint_to (FwTrainer *t, const char *path, const char *const *classes,
                          gboolean required)
{
  g_return_if_fail (t && path && classes && !t->thread);
  g_free (t->checkpoint_path);
  g_strfreev (t->checkpoint_classes);
  t->checkpoint_path = g_strdup (path);
  t->checkpoint_classes = g_strdupv ((char **) classes);
  t->checkpoint_required = required;
}

static int
compare_ints (gconstpointer a, gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

static gboolean
refuse (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
refuse (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
               _("cannot resume from this checkpoint: %s"), what);
  return FALSE;
}

/* the checkpoint must be of this very run: same options but for the
 * epochs and threads, same classes and vocabulary, same training rows */
static gboolean
check_same_run (FwTrainer *t, const FwCheckpoint *cp, GError **error)
{
  const FwConfig *saved = fw_model_get_config (cp->saved->model);
  int n_opts = 0;
  const FwOptionInfo *opts = fw_config_options (&n_opts);
  for (int i = 0; i < n_opts; i++)
    {
      if (strcmp (opts[i].name, "epochs") == 0 || strcmp (opts[i].name, "threads") == 0
          || strcmp (opts[i].name, "lr") == 0)   /* lr: the checkpoint's live value wins */
        continue;
      g_autofree char *a = fw_config_get (saved, opts[i].name);
      g_autofree char *b = fw_config_get (&t->config, opts[i].name);
      if (strcmp (a, b) != 0)
        return refuse (error, _("it was trained with --%s %s, not %s"), opts[i].name, a, b);
    }
  const FwCheckpointState *s = &cp->state;
  if (s->epoch >= t->config.epochs)
    return refuse (error, _("it has already trained %d epochs; ask for more with --epochs"),
                   s->epoch);
  gboolean same_classes = cp->saved->n_classes == t->ds->n_classes;
  for (int k = 0; same_classes && k < t->ds->n_classes; k++)
    same_classes = strcmp (cp->saved->classes[k], t->ds->classes[k]) == 0;
  gboolean same_vocab = cp->saved->vocab->tokens->len == t->vocab->tokens->len;
  for (guint k = 0; same_vocab && k < t->vocab->tokens->len; k++)
    same_vocab = strcmp (cp->saved->vocab->tokens->pdata[k], t->vocab->tokens->pdata[k]) == 0;
  if (!same_classes || !same_vocab)
    return refuse (error, _("its classes or vocabulary differ from this data's: it was trained "
                            "on other data"));
  int n = t->n_rows[FW_SPLIT_TRAIN];
  gboolean same_rows = s->n_order == n;
  if (same_rows)
    {
      g_autofree int *a = g_memdup2 (s->order, sizeof (int) * n);
      g_autofree int *b = g_memdup2 (t->rows[FW_SPLIT_TRAIN], sizeof (int) * n);
      qsort (a, n, sizeof (int), compare_ints);
      qsort (b, n, sizeof (int), compare_ints);
      same_rows = memcmp (a, b, sizeof (int) * n) == 0;
    }
  if (!same_rows)
    return refuse (error, _("its training rows are not this data's training rows"));
  int B = fw_model_max_batch (t->model);
  if (s->step != (gint64) s->epoch * ((n + B - 1) / B))
    return refuse (error, _("its step count does not fit %d epochs of this data"), s->epoch);
  if (t->config.patience > 0 && (!s->best || s->best_epoch < 1))
    return refuse (error, _("it holds no best weights for early stopping"));
  return TRUE;
}

gboolean
fw_trainer_restore (FwTrainer *t, const FwCheckpoint *cp, GError **error)
{
  g_return_val_if_fail (t && cp && !t->thread, FALSE);
  if (!check_same_run (t, cp, error))
    return FALSE;
  const FwCheckpointState *s = &cp->state;
  gsize n = fw_model_n_params (t->model);
  memcpy (fw_model_params (t->model), fw_model_params (cp->saved->model), sizeof (float) * n);
  memcpy (t->snapshot, fw_model_params (t->model), sizeof (float) * n);
  memcpy (t->optim->m, s->moments, sizeof (float) * n);
  memcpy (t->optim->v, s->moments + n, sizeof (float) * n);
  t->optim->t = s->optim_steps;
  memcpy (t->rows[FW_SPLIT_TRAIN], s->order, sizeof (int) * s->n_order);
  t->base_lr = t->config.lr = s->lr;
  t->shuffle_rng = s->shuffle_rng;
  t->dropout_rng = s->dropout_rng;
  t->first_epoch = s->epoch + 1;
  t->first_step = s->step;
  g_array_set_size (t->history, 0);
  g_array_append_vals (t->history, s->history->data, s->history->len);
  t->seconds_before = s->history->len
    ? g_array_index (s->history, FwEpochRecord, s->history->len - 1).seconds : 0;
  if (!isfinite (t->seconds_before))
    t->seconds_before = 0;
  t->best_val_loss = s->best_val_loss;
  t->best_epoch = s->best_epoch;
  if (t->best)
    memcpy (t->best, s->best, sizeof (float) * n);
  return TRUE;
}

static gboolean
write_checkpoint (FwTrainer *t, int epoch, gint64 step, GError **error)
{
  FwCheckpointState s = {
    .epoch = epoch,
    .step = step,
    .lr = t->base_lr,
    .shuffle_rng = t->shuffle_rng,
    .dropout_rng = t->dropout_rng,
    .order = t->rows[FW_SPLIT_TRAIN],
    .n_order = t->n_rows[FW_SPLIT_TRAIN],
    .moments = t->optim->m,   /* m and v are one block: (2, n) */
    .optim_steps = t->optim->t,
    .best = t->best,
    .best_val_loss = t->best_val_loss,
    .best_epoch = t->best_epoch,
    .history = t->history,
  };
  g_assert (t->optim->v == t->optim->m + t->optim->n);
  return fw_checkpoint_save (t->checkpoint_path, t->model, t->vocab,
                             (const char *const *) t->checkpoint_classes, &s, error);
}

static gpointer
train_thread (gpointer data)
{
  FwTrainer *t = data;
  FwModel *m = t->model;
  const FwConfig *c = &t->config;
  int n = t->n_rows[FW_SPLIT_TRAIN], B = fw_model_max_batch (m), K = t->ds->n_classes;
  int steps_per_epoch = (n + B - 1) / B;
  int *order = t->rows[FW_SPLIT_TRAIN];
  gint64 t0 = g_get_monotonic_time (), eval_us = 0;
  gboolean stopped = FALSE, early_stopped = FALSE;
  FwEvent e = { 0 };
  /* the step's work is split over our own pool, each thread running
   * single-threaded sgemm (fw-parallel.h says why) */
  g_autoptr (FwPool) pool = fw_pool_new (c->threads);
  fw_pool_make_current (pool);
  fw_kernels_flush_denormals ();
  e.steps_per_epoch = steps_per_epoch;
  e.step = (int) t->first_step;
  e.image_share = e.text_share = e.interaction = NAN;
  g_autoptr (FwContrib) contrib = t->reliance_rows > 0
    ? fw_contrib_new (m, t->ds, t->lexmap, NULL, order, n) : NULL;

  for (int epoch = t->first_epoch; epoch <= c->epochs && !stopped && !early_stopped; epoch++)
    {
      fw_rng_shuffle (&t->shuffle_rng, order, n);
      double loss_sum = 0;
      int correct = 0, seen = 0;
      e.epoch = epoch;
      for (int start = 0; start < n; start += B)
        {
          if (!check_commands (t))
            {
              stopped = TRUE;
              break;
            }
          int b = MIN (B, n - start);
          /* the schedule scales the lr option, or the last value set live */
          t->optim->lr = t->base_lr * fw_schedule_factor (c->lr_schedule, c->epochs,
                                                          c->warmup_epochs, steps_per_epoch,
                                                          e.step);
          fw_model_set_read_rows (m, t->ds, t->lexmap, NULL, order + start, b,
                                  c->modality_dropout > 0 ? &t->dropout_rng : NULL,
                                  c->modality_dropout);
          double loss = fw_model_forward (m, b);
          e.step++;
          if (!isfinite (loss) || !isfinite (fw_model_objective (m, b)))
            {
              fail (t, &e, loss);
              goto done;
            }
          fw_model_backward (m, b);
          fw_optim_step (t->optim, fw_model_params (m), fw_model_grads (m));
          const float *probs = fw_model_probs (m);
          const int *labels = fw_model_input_labels (m);
          for (int i = 0; i < b; i++)
            correct += fw_argmax (probs + (gsize) i * K, K) == labels[i];
          loss_sum += loss * b;
          seen += b;
          FwEvent step = e;
          step.kind = FW_EVENT_STEP;
          step.loss = loss;
          step.lr = t->optim->lr;
          push_event (t, &step);
        }
      if (seen == 0)
        break;
      e.kind = FW_EVENT_EPOCH;
      e.train_loss = loss_sum / seen;
      e.train_accuracy = (double) correct / seen;
      e.val_loss = e.val_accuracy = NAN;
      /* seconds count training only, as DESIGN.md's train_seconds: the
       * validation pass is left out */
      gint64 eval0 = g_get_monotonic_time ();
      e.seconds = t->seconds_before + (eval0 - t0 - eval_us) / 1e6;
      if (t->n_rows[FW_SPLIT_VAL] > 0)
        fw_model_evaluate (m, t->ds, t->lexmap, NULL, t->rows[FW_SPLIT_VAL],
                           t->n_rows[FW_SPLIT_VAL], &e.val_loss, &e.val_accuracy);
      eval_us += g_get_monotonic_time () - eval0;
      if (!isfinite (e.train_loss))
        {
          fail (t, &e, e.train_loss);
          goto done;
        }
      memcpy (t->snapshot, fw_model_params (m), sizeof (float) * fw_model_n_params (m));
      /* an epoch cut short by a stop is reported, but is no epoch to resume
       * after nor to pick as the best */
      if (!stopped)
        {
          FwEpochRecord rec = { epoch, e.train_loss, e.val_loss, e.train_accuracy,
                                e.val_accuracy, e.seconds };
          g_array_append_val (t->history, rec);
        }
      if (!stopped && e.val_loss < t->best_val_loss)   /* FALSE for NaN */
        {
          t->best_val_loss = e.val_loss;
          t->best_epoch = epoch;
          if (t->best)
            memcpy (t->best, t->snapshot, sizeof (float) * fw_model_n_params (m));
        }
      early_stopped = c->patience > 0 && t->best_epoch > 0 && epoch < c->epochs
                      && epoch - t->best_epoch >= c->patience;
      gint64 r0 = g_get_monotonic_time ();
      measure_reliance (t, contrib, &e);
      save_model (t, &e);
      g_autoptr (GError) cp_error = NULL;
      if (t->checkpoint_path && !stopped && !write_checkpoint (t, epoch, e.step, &cp_error)
          && !t->checkpoint_required)
        {
          if (!e.save_error)   /* reported like the model file's */
            e.save_error = g_strdup (cp_error->message);
        }
      else if (cp_error)
        {
          e.kind = FW_EVENT_FAILED;
          e.message = g_strdup_printf (_("Training stopped after epoch %d: the checkpoint could "
                                         "not be written: %s"), epoch, cp_error->message);
          push_event (t, &e);
          goto done;
        }
      t0 += g_get_monotonic_time () - r0;   /* not training time */
      push_event (t, &e);
      e.save_error = NULL;                  /* the queue owns it now */
    }

  /* with early stopping the model ends with its best epoch's weights */
  if (t->best && t->best_epoch > 0)
    memcpy (fw_model_params (m), t->best, sizeof (float) * fw_model_n_params (m));
  e.kind = FW_EVENT_FINISHED;
  e.image_share = e.text_share = e.interaction = NAN;
  e.stopped = stopped;
  e.early_stopped = early_stopped;
  e.epochs_run = (int) t->history->len;
  e.best_epoch = t->best_epoch;
  e.seconds = t->seconds_before + (g_get_monotonic_time () - t0 - eval_us) / 1e6;
  e.test_loss = e.test_accuracy = e.inference_ms = NAN;
  if (t->n_rows[FW_SPLIT_TEST] > 0)
    {
      gint64 i0 = g_get_monotonic_time ();
      fw_model_evaluate (m, t->ds, t->lexmap, NULL, t->rows[FW_SPLIT_TEST],
                         t->n_rows[FW_SPLIT_TEST], &e.test_loss, &e.test_accuracy);
      e.inference_ms = (g_get_monotonic_time () - i0) / 1e3 / t->n_rows[FW_SPLIT_TEST];
    }
  /* the weights the test figures are of, on disk before FINISHED is seen */
  save_model (t, &e);
  push_event (t, &e);

done:
  g_mutex_lock (&t->lock);
  t->running = FALSE;
  g_mutex_unlock (&t->lock);
  return NULL;
}

void
fw_trainer_start (FwTrainer *t)
{
  g_return_if_fail (t->thread == NULL);
  openblas_set_num_threads (1);   /* our pool splits the work instead */
  t->running = TRUE;
  t->thread = g_thread_new ("fw-train", train_thread, t);
}

void
fw_trainer_join (FwTrainer *t)
{
  if (t->thread)
    g_thread_join (g_steal_pointer (&t->thread));
}

FwModel *fw_trainer_get_model (FwTrainer *t) { return t->model; }
const FwVocab *fw_trainer_get_vocab (FwTrainer *t) { return t->vocab; }
const FwConfig *fw_trainer_get_config (FwTrainer *t) { return &t->config; }
const GArray *fw_trainer_get_history (FwTrainer *t) { return t->history; }
