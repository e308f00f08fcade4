/* test-tuning.c — the trainer's tuning features from the outside: the
 * learning rate of every step against the schedules' formulas (written out
 * here again, not called from the core), early stopping that keeps the best
 * epoch's weights, and checkpoints that resume bit for bit and refuse a
 * damaged or foreign file. */
#include <math.h>
#include <string.h>

#include "fw-checkpoint.h"
#include "fw-test-util.h"
#include "fw-trainer.h"

static FwDataset *
load (const char *spec)
{
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  FwDataset *ds = fw_dataset_load (spec, &options, NULL, &error);
  g_assert_no_error (error);
  return ds;
}

static FwConfig
small_config (void)
{
  FwConfig c;
  fw_config_init (&c);
  c.hidden = 32;
  c.head_hidden = 16;
  c.batch = 64;
  c.epochs = 4;
  c.threads = 1;
  return c;
}

/* the formulas of fw-schedule.h, spelled out independently */
static double
expected_lr (const FwConfig *c, double base, int S, int s)
{
  int E = c->epochs, W = c->warmup_epochs * S, T = E * S, e = s / S;
  double lr = base;
  if (W > 0 && s < W)
    lr *= (s + 1.0) / W;
  if (c->lr_schedule == FW_SCHEDULE_STEP)
    lr *= e >= E / 2.0 ? (e >= 0.75 * E ? 0.01 : 0.1) : 1.0;
  if (c->lr_schedule == FW_SCHEDULE_COSINE && s >= W)
    lr *= 0.5 * (1 + cos (G_PI * (s - W) / (double) (T - W)));
  return lr;
}

/* trains to the end (started already or not); the lr of every step into lrs */
static FwEvent
train_collecting_lr (FwTrainer *t, GArray *lrs, gboolean start)
{
  if (start)
    fw_trainer_start (t);
  FwEvent e;
  for (;;)
    {
      fw_trainer_wait_event (t, &e);
      if (e.kind == FW_EVENT_STEP)
        g_array_append_val (lrs, e.lr);
      else if (e.kind != FW_EVENT_EPOCH)
        break;
    }
  fw_trainer_join (t);
  return e;
}

static void
check_schedule (FwLrSchedule schedule, int warmup, int epochs)
{
  g_autoptr (FwDataset) ds = load ("builtin:shapes");
  FwConfig c = small_config ();
  c.lr_schedule = schedule;
  c.warmup_epochs = warmup;
  c.epochs = epochs;
  c.lr = 0.002;
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, NULL);
  g_autoptr (GArray) lrs = g_array_new (FALSE, FALSE, sizeof (double));
  FwEvent e = train_collecting_lr (t, lrs, TRUE);
  g_assert_cmpint (e.kind, ==, FW_EVENT_FINISHED);
  int S = (fw_dataset_split_count (ds, FW_SPLIT_TRAIN) + c.batch - 1) / c.batch;
  g_assert_cmpuint (lrs->len, ==, (guint) (S * epochs));
  for (guint s = 0; s < lrs->len; s++)
    g_assert_cmpfloat_with_epsilon (g_array_index (lrs, double, s),
                                    expected_lr (&c, c.lr, S, (int) s), 1e-12);
}

static void
test_schedule_constant (void)
{
  check_schedule (FW_SCHEDULE_CONSTANT, 0, 3);
}

static void
test_schedule_step (void)
{
  check_schedule (FW_SCHEDULE_STEP, 0, 4);
  check_schedule (FW_SCHEDULE_STEP, 0, 5);
}

static void
test_schedule_cosine (void)
{
  check_schedule (FW_SCHEDULE_COSINE, 0, 4);
}

static void
test_schedule_warmup (void)
{
  check_schedule (FW_SCHEDULE_CONSTANT, 2, 3);
  check_schedule (FW_SCHEDULE_COSINE, 1, 4);
  check_schedule (FW_SCHEDULE_STEP, 1, 4);
}

/* a learning rate set live scales the schedule from the next step on */
static void
test_schedule_scaled_live (void)
{
  g_autoptr (FwDataset) ds = load ("builtin:shapes");
  FwConfig c = small_config ();
  c.lr_schedule = FW_SCHEDULE_COSINE;
  c.warmup_epochs = 1;
  c.lr = 0.002;
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, NULL);
  fw_trainer_start (t);
  FwEvent e;
  fw_trainer_wait_event (t, &e);
  g_assert_cmpint (e.kind, ==, FW_EVENT_STEP);
  fw_trainer_set_lr (t, 0.01);
  g_autoptr (GArray) lrs = g_array_new (FALSE, FALSE, sizeof (double));
  g_array_append_val (lrs, e.lr);
  e = train_collecting_lr (t, lrs, FALSE);
  int S = (fw_dataset_split_count (ds, FW_SPLIT_TRAIN) + c.batch - 1) / c.batch;
  gboolean changed = FALSE;
  for (guint s = 0; s < lrs->len; s++)
    {
      double lr = g_array_index (lrs, double, s);
      double before = expected_lr (&c, 0.002, S, (int) s), after = expected_lr (&c, 0.01, S, (int) s);
      if (!changed && fabs (lr - before) > 1e-12)
        changed = TRUE;
      g_assert_cmpfloat_with_epsilon (lr, changed ? after : before, 1e-12);
    }
  g_assert_true (changed);
}

/* a high learning rate on a small set: the validation loss rises after the
 * first epoch, so patience 2 stops at epoch 3 with epoch 1's weights */
static void
test_early_stopping_keeps_best (void)
{
  g_autoptr (FwDataset) ds = load ("builtin:shapes-missing");
  FwConfig c = small_config ();
  c.hidden = 64;
  c.head_hidden = 32;
  c.batch = 32;
  c.lr = 0.03;
  c.epochs = 20;
  c.patience = 2;
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, NULL);
  g_autoptr (GArray) lrs = g_array_new (FALSE, FALSE, sizeof (double));
  FwEvent e = train_collecting_lr (t, lrs, TRUE);
  g_assert_cmpint (e.kind, ==, FW_EVENT_FINISHED);
  g_assert_true (e.early_stopped);
  g_assert_cmpint (e.epochs_run, <, c.epochs);
  g_assert_cmpint (e.epochs_run, ==, e.best_epoch + c.patience);
  const GArray *h = fw_trainer_get_history (t);
  g_assert_cmpuint (h->len, ==, (guint) e.epochs_run);
  const FwEpochRecord *best = &g_array_index (h, FwEpochRecord, e.best_epoch - 1);
  for (guint i = 0; i < h->len; i++)
    g_assert_cmpfloat (g_array_index (h, FwEpochRecord, i).val_loss, >=, best->val_loss);
  /* the model holds the best epoch's weights: its validation figures are that epoch's */
  int *rows = g_new (int, ds->n);
  int n = fw_dataset_split_rows (ds, FW_SPLIT_VAL, rows);
  double loss, accuracy;
  g_autofree int *lexmap = fw_vocab_map_lexicon (fw_trainer_get_vocab (t), ds);
  fw_model_evaluate (fw_trainer_get_model (t), ds, lexmap, NULL, rows, n, &loss, &accuracy);
  g_free (rows);
  g_assert_cmpfloat (loss, ==, best->val_loss);
  g_assert_cmpfloat (accuracy, ==, best->val_accuracy);
  const FwEpochRecord *last = &g_array_index (h, FwEpochRecord, h->len - 1);
  g_assert_cmpfloat (loss, <, last->val_loss);
}

/* trains c.epochs epochs, optionally from a checkpoint and writing one */
static FwTrainer *
train (const FwDataset *ds, const FwConfig *c, const char *from, const char *to)
{
  g_autoptr (GError) error = NULL;
  FwTrainer *t = fw_trainer_new (c, ds, &error);
  g_assert_no_error (error);
  if (from)
    {
      g_autoptr (FwCheckpoint) cp = fw_checkpoint_load (from, 1, &error);
      g_assert_no_error (error);
      g_assert_true (fw_trainer_restore (t, cp, &error));
      g_assert_no_error (error);
    }
  if (to)
    fw_trainer_checkpoint_to (t, to, (const char *const *) ds->classes, TRUE);
  g_autoptr (GArray) lrs = g_array_new (FALSE, FALSE, sizeof (double));
  FwEvent e = train_collecting_lr (t, lrs, TRUE);
  g_assert_cmpint (e.kind, ==, FW_EVENT_FINISHED);
  return t;
}

static void
assert_same_history (const GArray *a, const GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      /* every field but the wall time, to the bit (memcmp would see padding) */
      const FwEpochRecord *x = &g_array_index (a, FwEpochRecord, i);
      const FwEpochRecord *y = &g_array_index (b, FwEpochRecord, i);
      double xs[] = { x->train_loss, x->val_loss, x->train_accuracy, x->val_accuracy };
      double ys[] = { y->train_loss, y->val_loss, y->train_accuracy, y->val_accuracy };
      g_assert_cmpint (x->epoch, ==, y->epoch);
      g_assert_cmpmem (xs, sizeof xs, ys, sizeof ys);
    }
}

static void
check_resume_exact (FwConfig *c)
{
  g_autoptr (FwDataset) ds = load ("builtin:shapes");
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cp.safetensors", NULL);
  c->epochs = 4;
  g_autoptr (FwTrainer) straight = train (ds, c, NULL, NULL);
  c->epochs = 2;
  g_autoptr (FwTrainer) first = train (ds, c, NULL, path);
  c->epochs = 4;
  g_autoptr (FwTrainer) resumed = train (ds, c, path, NULL);
  FwModel *a = fw_trainer_get_model (straight), *b = fw_trainer_get_model (resumed);
  gsize bytes = fw_model_n_params (a) * sizeof (float);
  g_assert_cmpmem (fw_model_params (a), bytes, fw_model_params (b), bytes);
  assert_same_history (fw_trainer_get_history (straight), fw_trainer_get_history (resumed));
  /* and the two halves differ from each other: the test compares something */
  g_assert_true (memcmp (fw_model_params (a), fw_model_params (fw_trainer_get_model (first)), bytes) != 0);
  fw_test_rmtree (dir);
}

static void
test_resume_exact (void)
{
  FwConfig c = small_config ();
  check_resume_exact (&c);
}

/* every generator and the optimizer's own state must travel in the file */
static void
test_resume_exact_dropout_sgd_patience (void)
{
  FwConfig c = small_config ();
  c.modality_dropout = 0.3;
  c.optimizer = FW_OPTIM_SGD;
  c.lr = 0.05;
  c.patience = 10;
  check_resume_exact (&c);
  c = small_config ();
  c.fusion = FW_FUSION_LATE;
  c.text_encoder = FW_TEXT_GRU;
  c.modality_dropout = 0.2;
  check_resume_exact (&c);
}

static void
test_checkpoint_is_a_model_file (void)
{
  g_autoptr (FwDataset) ds = load ("builtin:shapes");
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cp.safetensors", NULL);
  FwConfig c = small_config ();
  c.epochs = 1;
  g_autoptr (FwTrainer) t = train (ds, &c, NULL, path);
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) saved = fw_model_load (path, 8, &error);
  g_assert_no_error (error);
  gsize bytes = fw_model_n_params (saved->model) * sizeof (float);
  g_assert_cmpmem (fw_model_params (saved->model), bytes,
                   fw_model_params (fw_trainer_get_model (t)), bytes);
  fw_test_rmtree (dir);
}

static void
test_checkpoint_refuses_damage (void)
{
  g_autoptr (FwDataset) ds = load ("builtin:shapes");
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cp.safetensors", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.safetensors", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.safetensors", NULL);
  FwConfig c = small_config ();
  c.epochs = 1;
  g_autoptr (FwTrainer) t = train (ds, &c, NULL, path);
  g_assert_true (fw_model_save (fw_trainer_get_model (t), fw_trainer_get_vocab (t),
                                (const char *const *) ds->classes, plain, NULL));
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));

  /* one flipped bit in the weights, in the moments, then a cut file */
  gsize at[] = { len - 8, len / 2 };
  for (gsize i = 0; i < G_N_ELEMENTS (at); i++)
    {
      bytes[at[i]] ^= 1;
      g_assert_true (g_file_set_contents (bad, bytes, (gssize) len, NULL));
      bytes[at[i]] ^= 1;
      g_autoptr (GError) error = NULL;
      g_autoptr (FwCheckpoint) cp = fw_checkpoint_load (bad, 1, &error);
      g_assert_null (cp);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, bad));
      g_test_message ("%s", error->message);
    }
  g_assert_true (g_file_set_contents (bad, bytes, (gssize) (len - 100), NULL));
  g_autoptr (GError) cut = NULL;
  g_assert_null (fw_checkpoint_load (bad, 1, &cut));
  g_assert_nonnull (cut);
  g_autoptr (GError) not_cp = NULL;
  g_assert_null (fw_checkpoint_load (plain, 1, &not_cp));
  g_assert_error (not_cp, FW_DATA_ERROR, FW_DATA_ERROR_VALUE);
  g_assert_nonnull (strstr (not_cp->message, "train --checkpoint"));

  /* a sound checkpoint of another run, or one already at the epochs asked */
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCheckpoint) cp = fw_checkpoint_load (path, 1, &error);
  g_assert_no_error (error);
  FwConfig other = c;
  other.epochs = 3;
  other.hidden = 16;
  g_autoptr (FwTrainer) t2 = fw_trainer_new (&other, ds, NULL);
  g_assert_false (fw_trainer_restore (t2, cp, &error));
  g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "--hidden"));
  g_clear_error (&error);
  g_autoptr (FwTrainer) t3 = fw_trainer_new (&c, ds, NULL);
  g_assert_false (fw_trainer_restore (t3, cp, &error));
  g_assert_nonnull (strstr (error->message, "--epochs"));
  g_clear_error (&error);
  g_autoptr (FwDataset) xor = load ("builtin:shapes-xor");
  other = c;
  other.epochs = 3;
  g_autoptr (FwTrainer) t4 = fw_trainer_new (&other, xor, NULL);
  g_assert_false (fw_trainer_restore (t4, cp, &error));
  g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
  fw_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/tuning/schedule/constant", test_schedule_constant);
  g_test_add_func ("/core/tuning/schedule/step", test_schedule_step);
  g_test_add_func ("/core/tuning/schedule/cosine", test_schedule_cosine);
  g_test_add_func ("/core/tuning/schedule/warmup", test_schedule_warmup);
  g_test_add_func ("/core/tuning/schedule/scaled-live", test_schedule_scaled_live);
  g_test_add_func ("/core/tuning/early-stopping/keeps-best", test_early_stopping_keeps_best);
  g_test_add_func ("/core/tuning/checkpoint/resume-exact", test_resume_exact);
  g_test_add_func ("/core/tuning/checkpoint/resume-exact-all-state", test_resume_exact_dropout_sgd_patience);
  g_test_add_func ("/core/tuning/checkpoint/is-a-model-file", test_checkpoint_is_a_model_file);
  g_test_add_func ("/core/tuning/checkpoint/refuses-damage", test_checkpoint_refuses_damage);
  return g_test_run ();
}
