/* bench-contrib.c — speed of the contribution methods against the issue's
 * targets: ablation + exact Shapley over 10,000 samples in at most 1 s with
 * MLP encoders, integrated gradients for one sample in at most 50 ms.  A
 * benchmark (meson test --benchmark), not a timed test: it prints figures
 * and fails only if a method fails.  Run: build/tests/bench/bench-contrib */
#include <stdio.h>
#include <time.h>

#include "fw-contrib.h"
#include "fw-model-file.h"

/* CPU seconds of the whole process: on a machine shared with other jobs,
 * the figure that does not depend on their load (run with
 * OPENBLAS_NUM_THREADS=1 to compare it with one core's wall time). */
static double
cpu_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static FwModel *
model_for (const FwDataset *ds, const FwVocab *vocab, const char *image_encoder,
           const char *text_encoder)
{
  FwConfig config;
  fw_config_init (&config);
  g_assert_true (fw_config_set (&config, "image-encoder", image_encoder, NULL));
  g_assert_true (fw_config_set (&config, "text-encoder", text_encoder, NULL));
  FwShape shape = { ds->channels, ds->size, (int) vocab->tokens->len, ds->n_classes };
  g_autoptr (GError) error = NULL;
  FwModel *m = fw_model_new (&config, &shape, 256, &error);
  g_assert_no_error (error);
  return m;
}

static void
bench (const FwDataset *ds, const FwVocab *vocab, const int *lexmap, const int *train,
       int n_train, const char *ienc, const char *tenc)
{
  g_autoptr (FwModel) m = model_for (ds, vocab, ienc, tenc);
  g_autoptr (FwContrib) c = fw_contrib_new (m, ds, lexmap, NULL, train, n_train);
  enum { N = 10000 };
  g_autofree int *rows = g_new (int, N);
  for (int i = 0; i < N; i++)
    rows[i] = i % ds->n;
  FwAblation ab;
  FwShapleySummary sum;
  g_autofree FwShapleySample *s = g_new (FwShapleySample, N);
  gint64 t0 = g_get_monotonic_time ();
  double c0 = cpu_now ();
  g_assert_true (fw_contrib_ablation_shapley (c, rows, N, &ab, &sum, s, NULL, NULL, NULL, NULL));
  double t_shap = (g_get_monotonic_time () - t0) / 1e6, c_shap = cpu_now () - c0;

  enum { REPS = 20 };
  FwIgSample ig = { 0 };
  t0 = g_get_monotonic_time ();
  c0 = cpu_now ();
  for (int i = 0; i < REPS; i++)
    {
      g_assert_true (fw_contrib_ig (c, &rows[i], 1, 1, &ig, NULL, NULL, NULL, NULL, NULL, NULL));
      fw_ig_sample_clear (&ig);
    }
  double t_ig = (g_get_monotonic_time () - t0) / 1e6 / REPS, c_ig = (cpu_now () - c0) / REPS;

  float probs[64];
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < REPS; i++)
    fw_contrib_explain (c, vocab, ds->pixels + (gsize) i * ds->channels * ds->size * ds->size,
                        ds->text[i], FALSE, i % 2, -1, probs, NULL);
  double t_pred = (g_get_monotonic_time () - t0) / 1e6 / REPS;

  FwEmap e;
  t0 = g_get_monotonic_time ();
  g_assert_true (fw_contrib_emap (c, rows, FW_CONTRIB_EMAP_MAX, &e, NULL, NULL, NULL, NULL));
  double t_emap = (g_get_monotonic_time () - t0) / 1e6;

  printf ("%-4s + %-5s ablation+shapley %d rows %6.3f s (cpu %6.3f s) | ig one sample %6.1f ms "
          "(cpu %6.1f ms) | predict one %5.2f ms | emap %d² pairs %6.2f s\n",
          ienc, tenc, N, t_shap, c_shap, 1e3 * t_ig, 1e3 * c_ig, 1e3 * t_pred, e.n, t_emap);
}

int
main (int argc, char **argv)
{
  FwLoadOptions lo = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwDataset) ds = fw_dataset_load ("builtin:shapes", &lo, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FwVocab) vocab = fw_vocab_build (ds);
  g_autofree int *lexmap = fw_vocab_map_lexicon (vocab, ds);
  g_autofree int *train = g_new (int, ds->n);
  int n_train = fw_dataset_split_rows (ds, FW_SPLIT_TRAIN, train);
  printf ("intermediate concat, hidden 256, head 128, 28x28 gray, batch 256, %u cores\n",
          g_get_num_processors ());
  bench (ds, vocab, lexmap, train, n_train, "mlp", "bow");
  bench (ds, vocab, lexmap, train, n_train, "mlp", "embed");
  bench (ds, vocab, lexmap, train, n_train, "cnn", "gru");
  return 0;
}
