/* fw-lesson-player.c — runs a lesson's steps headlessly: loads each
 * dataset once per set of loading options, trains through FwTrainer as the
 * window and `train` do, compares the five fusion types as the window's
 * Compare does, explains the last model with exact Shapley values. */
#include "fw-lesson-player.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fw-trainer.h"

/* the order of the window's Compare */
static const FwFusion compare_order[] = {
  FW_FUSION_EARLY, FW_FUSION_INTERMEDIATE, FW_FUSION_LATE, FW_FUSION_IMAGE, FW_FUSION_TEXT,
};
G_STATIC_ASSERT (G_N_ELEMENTS (compare_order) == FW_FUSION_N_KINDS);

struct _FwLessonPlayer
{
  const FwLesson *lesson;    /* borrowed */
  int next;                  /* the step to play */
  GHashTable *datasets;      /* "spec|size|color|seed|val" → FwDataset; kept while a trainer borrows one */
  FwTrainer *last;           /* the last model trained, for contributions */
  const FwDataset *last_ds;
};

FwLessonPlayer *
fw_lesson_player_new (const FwLesson *lesson)
{
  FwLessonPlayer *p = g_new0 (FwLessonPlayer, 1);
  p->lesson = lesson;
  p->datasets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) fw_dataset_free);
  return p;
}

void
fw_lesson_player_free (FwLessonPlayer *p)
{
  if (!p)
    return;
  g_clear_pointer (&p->last, fw_trainer_free);   /* before the data it borrows */
  g_hash_table_unref (p->datasets);
  g_free (p);
}

G_GNUC_PRINTF (3, 4) static void
fail (FwLessonPlayer *p, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *what = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *shown = g_filename_display_name (p->lesson->source);
  g_set_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_INVALID, _("%s: step %d: %s"),
               shown, p->next + 1, what);
}

static const FwDataset *
dataset_for (FwLessonPlayer *p, const FwLessonStep *step, GCancellable *cancellable, GError **error)
{
  const FwConfig *c = &step->config;
  char val[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *key = g_strdup_printf ("%s|%d|%d|%" G_GUINT64_FORMAT "|%s", step->dataset,
                                          c->image_size, c->color, c->seed,
                                          g_ascii_dtostr (val, sizeof val, c->val_fraction));
  FwDataset *ds = g_hash_table_lookup (p->datasets, key);
  if (ds)
    return ds;
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  options.image_size = c->image_size;
  options.color = c->color;
  options.seed = c->seed;
  options.val_fraction = c->val_fraction;
  options.threads = c->threads;
  g_autoptr (GError) local = NULL;
  ds = fw_dataset_load (step->dataset, &options, cancellable, &local);
  if (!ds)
    {
      fail (p, error, "%s", local->message);
      return NULL;
    }
  g_hash_table_insert (p->datasets, g_steal_pointer (&key), ds);
  return ds;
}

static gboolean
train (FwLessonPlayer *p, const FwConfig *config, const FwDataset *ds, FwLessonRun *run,
       GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (FwTrainer) trainer = fw_trainer_new (config, ds, &local);
  if (!trainer)
    {
      fail (p, error, "%s", local->message);
      return FALSE;
    }
  run->fusion = config->fusion;
  run->val_accuracy = run->final_train_loss = NAN;
  fw_trainer_start (trainer);
  FwEvent e = { 0 };
  for (;;)
    {
      if (g_cancellable_is_cancelled (cancellable))
        fw_trainer_stop (trainer);
      fw_trainer_wait_event (trainer, &e);
      if (e.kind == FW_EVENT_EPOCH)
        {
          run->val_accuracy = e.val_accuracy;
          run->final_train_loss = e.train_loss;
        }
      if (e.kind == FW_EVENT_FINISHED || e.kind == FW_EVENT_FAILED)
        break;
      fw_event_clear (&e);
    }
  fw_trainer_join (trainer);
  gboolean ok = e.kind == FW_EVENT_FINISHED && !e.stopped;
  if (e.kind == FW_EVENT_FAILED)
    fail (p, error, _("training %s failed: %s"), fw_fusion_name (config->fusion), e.message);
  else if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("cancelled"));
  run->test_accuracy = e.test_accuracy;
  run->seconds = e.seconds;
  run->parameters = fw_model_n_params (fw_trainer_get_model (trainer));
  fw_event_clear (&e);
  if (!ok)
    return FALSE;
  g_clear_pointer (&p->last, fw_trainer_free);
  p->last = g_steal_pointer (&trainer);
  p->last_ds = ds;
  return TRUE;
}

static gboolean
contributions (FwLessonPlayer *p, FwLessonResult *result, GCancellable *cancellable, GError **error)
{
  const FwDataset *ds = p->last_ds;
  g_autofree int *lexmap = fw_vocab_map_lexicon (fw_trainer_get_vocab (p->last), ds);
  g_autofree int *train_rows = g_new (int, ds->n);
  g_autofree int *test_rows = g_new (int, ds->n);
  int n_train = fw_dataset_split_rows (ds, FW_SPLIT_TRAIN, train_rows);
  int n_test = fw_dataset_split_rows (ds, FW_SPLIT_TEST, test_rows);
  if (n_test == 0)
    {
      fail (p, error, _("%s has no test rows to explain the model on"), ds->name);
      return FALSE;
    }
  /* the trainer's model learned ds's class order, so ds->label is right */
  g_autoptr (FwContrib) contrib = fw_contrib_new (fw_trainer_get_model (p->last), ds, lexmap, NULL,
                                                  train_rows, n_train);
  g_autoptr (GError) local = NULL;
  if (!fw_contrib_ablation_shapley (contrib, test_rows, n_test, NULL, &result->shapley, NULL,
                                    cancellable, NULL, NULL, &local))
    {
      fail (p, error, "%s", local->message);
      return FALSE;
    }
  result->explained = fw_trainer_get_config (p->last)->fusion;
  result->contrib_n = n_test;
  return TRUE;
}

static const FwPerturbation curve_kinds[FW_LESSON_N_CURVES] = {
  FW_PERTURB_MISSING_IMAGE, FW_PERTURB_MISSING_TEXT,
};

static gboolean
robustness (FwLessonPlayer *p, FwLessonResult *result, GError **error)
{
  const FwConfig *config = fw_trainer_get_config (p->last);
  for (int k = 0; k < FW_LESSON_N_CURVES; k++)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (FwRobustnessCurve) curve =
        fw_robustness_curve_on_split (fw_trainer_get_model (p->last), fw_trainer_get_vocab (p->last),
                                      p->last_ds, FW_SPLIT_TEST, curve_kinds[k], NULL, 0,
                                      config->seed, &local);
      if (!curve)
        {
          fail (p, error, "%s", local->message);
          return FALSE;
        }
      FwLessonCurve *c = &result->curves[k];
      c->kind = curve_kinds[k];
      c->n_levels = MIN (curve->n_levels, FW_LESSON_MAX_LEVELS);
      memcpy (c->levels, curve->levels, sizeof (double) * c->n_levels);
      memcpy (c->accuracy, curve->accuracy, sizeof (double) * c->n_levels);
      c->auc = curve->auc;
    }
  result->explained = config->fusion;
  return TRUE;
}

gboolean
fw_lesson_player_step (FwLessonPlayer *p, FwLessonResult *result, GCancellable *cancellable,
                       GError **error)
{
  g_return_val_if_fail (p->next < p->lesson->n_steps, FALSE);
  const FwLessonStep *step = &p->lesson->steps[p->next];
  memset (result, 0, sizeof *result);
  result->index = p->next;
  result->action = step->action;
  gboolean ok = TRUE;
  const FwDataset *ds = NULL;
  switch (step->action)
    {
    case FW_LESSON_ACTION_NONE:
      break;
    case FW_LESSON_ACTION_ROBUSTNESS:
      ok = robustness (p, result, error);
      break;
    case FW_LESSON_ACTION_TRAIN:
      ok = (ds = dataset_for (p, step, cancellable, error))
           && train (p, &step->config, ds, &result->run, cancellable, error);
      break;
    case FW_LESSON_ACTION_COMPARE:
      ok = (ds = dataset_for (p, step, cancellable, error)) != NULL;
      for (gsize i = 0; ok && i < G_N_ELEMENTS (compare_order); i++)
        {
          FwConfig c = step->config;
          c.fusion = compare_order[i];
          if (c.fusion == FW_FUSION_EARLY)   /* as the window's Compare */
            c.image_encoder = FW_IMAGE_MLP;
          ok = train (p, &c, ds, &result->compare[c.fusion], cancellable, error);
        }
      break;
    case FW_LESSON_ACTION_CONTRIBUTIONS:
      ok = contributions (p, result, cancellable, error);
      break;
    default:
      g_assert_not_reached ();
    }
  p->next++;
  return ok;
}

/* ---- JSON text, written by hand: json-glib prints doubles with 17 digits */
static void
number (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (s, isfinite (v) ? g_ascii_formatd (buf, sizeof buf, "%.6g", v) : "null");
}

static void
string (GString *s, const char *text)
{
  g_autoptr (JsonNode) node = json_node_init_string (json_node_alloc (), text);
  g_autofree char *quoted = json_to_string (node, FALSE);
  g_string_append (s, quoted);
}

static void
run_members (GString *s, const FwLessonRun *r)
{
  g_string_append (s, "\"test_accuracy\": ");
  number (s, r->test_accuracy);
  g_string_append (s, ", \"val_accuracy\": ");
  number (s, r->val_accuracy);
  g_string_append (s, ", \"final_train_loss\": ");
  number (s, r->final_train_loss);
  g_string_append_printf (s, ", \"parameters\": %" G_GSIZE_FORMAT, r->parameters);
}

char *
fw_lesson_results_json (const FwLesson *lesson, const FwLessonResult *results, int n)
{
  GString *s = g_string_new ("{\"title\": ");
  string (s, lesson->title);
  g_string_append (s, ", \"steps\": [");
  for (int i = 0; i < n; i++)
    {
      const FwLessonResult *r = &results[i];
      g_string_append_printf (s, "%s{\"index\": %d, \"action\": \"%s\"", i ? ", " : "", r->index,
                              fw_lesson_action_name (r->action));
      switch (r->action)
        {
        case FW_LESSON_ACTION_TRAIN:
          g_string_append_printf (s, ", \"fusion\": \"%s\", ", fw_fusion_name (r->run.fusion));
          run_members (s, &r->run);
          break;
        case FW_LESSON_ACTION_COMPARE:
          g_string_append (s, ", \"results\": {");
          for (gsize k = 0; k < G_N_ELEMENTS (compare_order); k++)
            {
              g_string_append_printf (s, "%s\"%s\": {", k ? ", " : "", fw_fusion_name (compare_order[k]));
              run_members (s, &r->compare[compare_order[k]]);
              g_string_append_c (s, '}');
            }
          g_string_append_c (s, '}');
          break;
        case FW_LESSON_ACTION_CONTRIBUTIONS:
          g_string_append_printf (s, ", \"fusion\": \"%s\", \"n\": %d, \"shapley\": {\"image\": ",
                                  fw_fusion_name (r->explained), r->contrib_n);
          number (s, r->shapley.image);
          g_string_append (s, ", \"text\": ");
          number (s, r->shapley.text);
          g_string_append (s, ", \"interaction\": ");
          number (s, r->shapley.interaction);
          g_string_append (s, ", \"image_share\": ");
          number (s, r->shapley.image_share);
          g_string_append (s, ", \"text_share\": ");
          number (s, r->shapley.text_share);
          g_string_append_c (s, '}');
          break;
        case FW_LESSON_ACTION_ROBUSTNESS:
          g_string_append_printf (s, ", \"fusion\": \"%s\", \"curves\": {",
                                  fw_fusion_name (r->explained));
          for (int k = 0; k < FW_LESSON_N_CURVES; k++)
            {
              const FwLessonCurve *c = &r->curves[k];
              g_string_append_printf (s, "%s\"%s\": {\"levels\": [", k ? ", " : "",
                                      fw_perturbation_name (c->kind));
              for (int l = 0; l < c->n_levels; l++)
                {
                  g_string_append (s, l ? ", " : "");
                  number (s, c->levels[l]);
                }
              g_string_append (s, "], \"accuracy\": [");
              for (int l = 0; l < c->n_levels; l++)
                {
                  g_string_append (s, l ? ", " : "");
                  number (s, c->accuracy[l]);
                }
              g_string_append (s, "], \"auc\": ");
              number (s, c->auc);
              g_string_append_c (s, '}');
            }
          g_string_append_c (s, '}');
          break;
        default:
          break;
        }
      g_string_append_c (s, '}');
    }
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}
