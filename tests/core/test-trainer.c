/* test-trainer.c — the compute thread from the outside: pause, resume,
 * stop, change the learning rate, determinism, and a diverging run that
 * fails cleanly and keeps its last good weights. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fw-model-file.h"
#include "fw-trainer.h"

static FwDataset *
shapes (void)
{
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  FwDataset *ds = fw_dataset_load ("builtin:shapes", &options, NULL, &error);
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
  c.batch = 16;
  c.epochs = 2;
  c.threads = 1;
  return c;
}

/* Waits for the next event that is not a step; returns how many steps came first. */
static int
wait_past_steps (FwTrainer *t, FwEvent *e)
{
  int steps = 0;
  for (;;)
    {
      fw_trainer_wait_event (t, e);
      if (e->kind != FW_EVENT_STEP)
        return steps;
      steps++;
    }
}

static void
test_runs_to_the_end (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  fw_trainer_start (t);
  FwEvent e;
  int steps = wait_past_steps (t, &e);
  g_assert_cmpint (e.kind, ==, FW_EVENT_EPOCH);
  g_assert_cmpint (e.epoch, ==, 1);
  g_assert_cmpint (steps, ==, e.steps_per_epoch);
  g_assert_cmpint (steps, ==, (fw_dataset_split_count (ds, FW_SPLIT_TRAIN) + 15) / 16);
  g_assert_true (isfinite (e.val_loss));
  wait_past_steps (t, &e);
  g_assert_cmpint (e.kind, ==, FW_EVENT_EPOCH);
  wait_past_steps (t, &e);
  g_assert_cmpint (e.kind, ==, FW_EVENT_FINISHED);
  g_assert_false (e.stopped);
  g_assert_cmpfloat (e.test_accuracy, >, 0.5);
  fw_trainer_join (t);
  g_assert_false (fw_trainer_is_running (t));
}

/* A model file that cannot be written is reported in the EPOCH and
 * FINISHED events (naming the path), and the weights stay in memory. */
static void
test_save_errors_reported (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fw-trainer-XXXXXX", &error);
  g_autofree char *plain = g_build_filename (dir, "plain", NULL);
  g_autofree char *bad = g_build_filename (plain, "model.safetensors", NULL);
  g_autofree char *good = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (g_file_set_contents (plain, "a file, not a folder", -1, NULL));

  for (int pass = 0; pass < 2; pass++)
    {
      const char *path = pass == 0 ? bad : good;
      g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, &error);
      g_assert_no_error (error);
      fw_trainer_save_model_to (t, path, (const char *const *) ds->classes);
      fw_trainer_start (t);
      FwEvent e = { 0 };
      for (int k = 0; k < c.epochs + 1; k++)
        {
          wait_past_steps (t, &e);
          g_assert_cmpint (e.kind, ==, k < c.epochs ? FW_EVENT_EPOCH : FW_EVENT_FINISHED);
          if (pass == 0)
            {
              g_assert_nonnull (e.save_error);
              g_assert_nonnull (strstr (e.save_error, path));
            }
          else
            g_assert_null (e.save_error);
          fw_event_clear (&e);
        }
      fw_trainer_join (t);
      g_autoptr (FwSavedModel) saved = fw_model_load (path, 1, &error);
      g_assert_true (pass == 0 ? saved == NULL : saved != NULL);
      g_clear_error (&error);
    }
  g_unlink (good);
  g_unlink (plain);
  g_rmdir (dir);
}

static void
test_pause_resume (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, NULL);
  fw_trainer_start (t);
  FwEvent e;
  fw_trainer_wait_event (t, &e);
  fw_trainer_pause (t);
  /* what is queued now was computed before the pause; after it, at most
   * the batch under way may still report */
  while (fw_trainer_pop_event (t, &e))
    ;
  g_usleep (300 * 1000);
  int late = 0;
  while (fw_trainer_pop_event (t, &e))
    late++;
  g_assert_cmpint (late, <=, 1);
  g_usleep (200 * 1000);
  g_assert_false (fw_trainer_pop_event (t, &e));
  g_assert_true (fw_trainer_is_running (t));
  fw_trainer_resume (t);
  fw_trainer_wait_event (t, &e);
  g_assert_cmpint (e.kind, ==, FW_EVENT_STEP);
  fw_trainer_stop (t);
  fw_trainer_join (t);
}

static void
test_stop_within_one_batch (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  c.epochs = 50;
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, NULL);
  fw_trainer_start (t);
  FwEvent e;
  for (int i = 0; i < 10; i++)
    fw_trainer_wait_event (t, &e);
  fw_trainer_stop (t);
  /* events already queued were computed before the stop */
  gboolean ended = FALSE;
  while (!ended && fw_trainer_pop_event (t, &e))
    ended = e.kind == FW_EVENT_FINISHED;
  int after = ended ? 0 : wait_past_steps (t, &e);
  g_assert_cmpint (after, <=, 1);
  /* an epoch may end in the same batch; then the finish follows */
  if (e.kind == FW_EVENT_EPOCH)
    wait_past_steps (t, &e);
  g_assert_cmpint (e.kind, ==, FW_EVENT_FINISHED);
  g_assert_true (e.stopped);
  fw_trainer_join (t);
}

typedef struct {
  FwTrainer *trainer;
  double lr;
} LrChange;

static gpointer
change_lr (gpointer data)
{
  LrChange *change = data;
  fw_trainer_set_lr (change->trainer, change->lr);
  return NULL;
}

static void
test_set_lr_from_another_thread (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, NULL);
  fw_trainer_start (t);
  FwEvent e;
  fw_trainer_wait_event (t, &e);
  LrChange change = { t, 0.0042 };
  g_thread_join (g_thread_new ("lr", change_lr, &change));
  do
    {
      fw_trainer_wait_event (t, &e);
      fw_event_clear (&e);
    }
  while (e.kind != FW_EVENT_FINISHED);
  fw_trainer_join (t);
  g_assert_cmpfloat (fw_trainer_get_config (t)->lr, ==, 0.0042);
}

/* every epoch's numbers, seconds excepted, as text */
static char *
run_metrics (const FwDataset *ds, FwConfig *c)
{
  g_autoptr (FwTrainer) t = fw_trainer_new (c, ds, NULL);
  GString *s = g_string_new (NULL);
  fw_trainer_start (t);
  FwEvent e;
  do
    {
      fw_trainer_wait_event (t, &e);
      if (e.kind == FW_EVENT_STEP || e.kind == FW_EVENT_EPOCH)
        g_string_append_printf (s, "%a %a %a %a %a\n", e.loss, e.train_loss, e.val_loss,
                                e.train_accuracy, e.val_accuracy);
    }
  while (e.kind == FW_EVENT_STEP || e.kind == FW_EVENT_EPOCH);
  g_string_append_printf (s, "%a %a\n", e.test_loss, e.test_accuracy);
  return g_string_free (s, FALSE);
}

static void
test_deterministic (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  c.modality_dropout = 0.3;  /* the dropout stream must be seeded too */
  g_autofree char *a = run_metrics (ds, &c);
  g_autofree char *b = run_metrics (ds, &c);
  g_assert_cmpstr (a, ==, b);
  c.seed = 2;
  g_autofree char *other = run_metrics (ds, &c);
  g_assert_cmpstr (a, !=, other);
}

/* The CNN splits its batch over the trainer's own threads in chunks whose
 * size depends on the shapes alone and adds the chunks' weight gradients in
 * a fixed order: the same seed gives the same numbers run after run and for
 * any thread count, however the threads are scheduled (3 threads on this
 * 2-core machine, so chunks migrate between them). */
static void
test_deterministic_batch_split (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  c.image_encoder = FW_IMAGE_CNN;
  c.epochs = 1;
  c.threads = 1;
  g_autofree char *one = run_metrics (ds, &c);
  c.threads = 3;
  g_autofree char *a = run_metrics (ds, &c);
  g_autofree char *b = run_metrics (ds, &c);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, ==, one);

  /* linear layers in column chunks and the GRU in row chunks: wide enough
   * (batch 64, width 128) that both are split */
  FwConfig g = small_config ();
  g.text_encoder = FW_TEXT_GRU;
  g.hidden = 128;
  g.batch = 64;
  g.epochs = 1;
  g.threads = 1;
  g_autofree char *g1 = run_metrics (ds, &g);
  g.threads = 3;
  g_autofree char *g3 = run_metrics (ds, &g);
  g_assert_cmpstr (g1, ==, g3);
}

static void
test_divergence_fails_cleanly (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  c.epochs = 3;
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, NULL);
  FwModel *m = fw_trainer_get_model (t);
  g_autofree float *initial = g_memdup2 (fw_model_params (m), sizeof (float) * fw_model_n_params (m));
  /* far past what the option parser allows: this run must blow up */
  fw_trainer_set_lr (t, 1e30);
  fw_trainer_start (t);
  FwEvent e;
  wait_past_steps (t, &e);
  g_assert_cmpint (e.kind, ==, FW_EVENT_FAILED);
  g_assert_nonnull (strstr (e.message, "learning rate"));
  g_test_message ("%s", e.message);
  fw_event_clear (&e);
  fw_trainer_join (t);
  /* it failed in the first epoch, so the last good weights are the initial ones */
  g_assert_cmpmem (fw_model_params (m), fw_model_n_params (m) * sizeof (float), initial,
                   fw_model_n_params (m) * sizeof (float));
}

static void
test_rejects_wrong_image_geometry (void)
{
  g_autoptr (FwDataset) ds = shapes ();
  FwConfig c = small_config ();
  c.image_size = 32;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, &error);
  g_assert_null (t);
  g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/trainer/runs-to-the-end", test_runs_to_the_end);
  g_test_add_func ("/core/trainer/save-errors-reported", test_save_errors_reported);
  g_test_add_func ("/core/trainer/pause-resume", test_pause_resume);
  g_test_add_func ("/core/trainer/stop-within-one-batch", test_stop_within_one_batch);
  g_test_add_func ("/core/trainer/set-lr-from-another-thread", test_set_lr_from_another_thread);
  g_test_add_func ("/core/trainer/deterministic", test_deterministic);
  g_test_add_func ("/core/trainer/deterministic-batch-split", test_deterministic_batch_split);
  g_test_add_func ("/core/trainer/divergence-fails-cleanly", test_divergence_fails_cleanly);
  g_test_add_func ("/core/trainer/rejects-wrong-image-geometry", test_rejects_wrong_image_geometry);
  return g_test_run ();
}
