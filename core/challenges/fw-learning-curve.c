/* fw-learning-curve.c — trains one model per (fraction, repeat) on a view
 * of the dataset whose split column leaves out the unused train rows; the
 * pixels and words are shared, never copied. */
#include "fw-learning-curve.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-rng.h"
#include "fw-trainer.h"

guint8 *
fw_learning_curve_subset (const FwDataset *ds, double fraction, guint64 seed, int repeat)
{
  g_return_val_if_fail (ds && fraction > 0 && fraction <= 1, NULL);
  guint8 *split = g_memdup2 (ds->split, MAX (ds->n, 1));
  g_autofree int *rows = g_new (int, MAX (ds->n, 1));
  guint64 rng = seed ^ (G_GUINT64_CONSTANT (0xA0761D6478BD642F) * (guint64) (repeat + 1));
  fw_rng_next (&rng);
  for (int c = 0; c < ds->n_classes; c++)
    {
      int m = 0;
      for (int r = 0; r < ds->n; r++)
        if (ds->split[r] == FW_SPLIT_TRAIN && ds->label[r] == c)
          rows[m++] = r;
      /* shuffled whatever the fraction: a smaller subset is a prefix */
      fw_rng_shuffle (&rng, rows, m);
      if (m == 0)
        continue;
      int keep = CLAMP ((int) floor (fraction * m + 0.5), 1, m);
      for (int i = keep; i < m; i++)
        split[rows[i]] = FW_SPLIT_N_KINDS;
    }
  return split;
}

void
fw_learning_curve_free (FwLearningCurve *lc)
{
  if (!lc)
    return;
  g_free (lc->fractions);
  g_free (lc->train_n);
  g_free (lc->accuracy);
  g_free (lc->test_accuracy);
  g_free (lc->test_accuracy_std);
  g_free (lc);
}

typedef struct {
  FwProgressFunc progress;
  gpointer data;
  int run, n_runs, epochs;
} Progress;

/* Trains one model; its test accuracy, or NAN with error set. */
static double
train_once (const FwConfig *config, const FwDataset *view, Progress *p, GCancellable *cancellable,
            GError **error)
{
  g_autoptr (FwTrainer) trainer = fw_trainer_new (config, view, error);
  if (!trainer)
    return NAN;
  fw_trainer_start (trainer);
  FwEvent done = { 0 };
  for (;;)
    {
      FwEvent e;
      /* poll so that a cancel is seen within a few milliseconds */
      if (!fw_trainer_pop_event (trainer, &e))
        {
          if (g_cancellable_is_cancelled (cancellable))
            fw_trainer_stop (trainer);
          g_usleep (2000);
          continue;
        }
      if (e.kind == FW_EVENT_EPOCH && p->progress)
        p->progress ((p->run + (double) e.epoch / p->epochs) / p->n_runs, p->data);
      if (e.kind == FW_EVENT_FINISHED || e.kind == FW_EVENT_FAILED)
        {
          done = e;
          break;
        }
      fw_event_clear (&e);
    }
  fw_trainer_join (trainer);
  double accuracy = NAN;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    ;
  else if (done.kind == FW_EVENT_FAILED)
    g_set_error_literal (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID, done.message);
  else
    accuracy = done.test_accuracy;
  fw_event_clear (&done);
  return accuracy;
}

FwLearningCurve *
fw_learning_curve_run (const FwConfig *config, const FwDataset *ds, const double *fractions,
                       int n_fractions, int repeats, FwProgressFunc progress,
                       gpointer progress_data, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (config && ds && fractions && n_fractions > 0 && repeats > 0, NULL);
  for (int i = 0; i < n_fractions; i++)
    if (!(fractions[i] > 0 && fractions[i] <= 1) || (i > 0 && fractions[i] <= fractions[i - 1]))
      {
        g_set_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID,
                     _("fractions must increase and lie in (0, 1]"));
        return NULL;
      }
  if (fw_dataset_split_count (ds, FW_SPLIT_TEST) == 0)
    {
      g_set_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY,
                   _("%s has no test rows to measure the curve on"), ds->name);
      return NULL;
    }

  g_autoptr (FwLearningCurve) lc = g_new0 (FwLearningCurve, 1);
  lc->n_fractions = n_fractions;
  lc->repeats = repeats;
  lc->fractions = g_memdup2 (fractions, sizeof (double) * n_fractions);
  lc->train_n = g_new0 (int, n_fractions);
  lc->accuracy = g_new0 (double, (gsize) n_fractions * repeats);
  lc->test_accuracy = g_new0 (double, n_fractions);
  lc->test_accuracy_std = g_new0 (double, n_fractions);
  Progress p = { progress, progress_data, 0, n_fractions * repeats, MAX (config->epochs, 1) };
  for (int f = 0; f < n_fractions; f++)
    {
      double sum = 0, sq = 0;
      for (int r = 0; r < repeats; r++, p.run++)
        {
          g_autofree guint8 *split = fw_learning_curve_subset (ds, fractions[f], config->seed, r);
          FwDataset view = *ds;   /* shares every array but the split column */
          view.split = split;
          FwConfig c = *config;
          c.seed = config->seed + (guint64) r;
          lc->train_n[f] = fw_dataset_split_count (&view, FW_SPLIT_TRAIN);
          double a = train_once (&c, &view, &p, cancellable, error);
          if (isnan (a))
            return NULL;
          lc->accuracy[(gsize) f * repeats + r] = a;
          sum += a;
        }
      double mean = sum / repeats;
      for (int r = 0; r < repeats; r++)
        sq += pow (lc->accuracy[(gsize) f * repeats + r] - mean, 2);
      lc->test_accuracy[f] = mean;
      lc->test_accuracy_std[f] = repeats > 1 ? sqrt (sq / (repeats - 1)) : 0;
    }
  return g_steal_pointer (&lc);
}

static void
add_doubles (JsonBuilder *b, const char *key, const double *v, int n)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_double_value (b, v[i]);
  json_builder_end_array (b);
}

JsonNode *
fw_learning_curve_to_json (const FwLearningCurve *lc, guint64 seed)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_doubles (b, "fractions", lc->fractions, lc->n_fractions);
  json_builder_set_member_name (b, "train_n");
  json_builder_begin_array (b);
  for (int i = 0; i < lc->n_fractions; i++)
    json_builder_add_int_value (b, lc->train_n[i]);
  json_builder_end_array (b);
  add_doubles (b, "test_accuracy", lc->test_accuracy, lc->n_fractions);
  add_doubles (b, "test_accuracy_std", lc->test_accuracy_std, lc->n_fractions);
  json_builder_set_member_name (b, "repeats");
  json_builder_add_int_value (b, lc->repeats);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) seed);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
