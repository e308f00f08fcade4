/* bench-robustness.c — how long the default robustness sweep takes: every
 * perturbation at its six default levels (30 passes) over 10,000 test rows
 * (builtin:shapes' rows, repeated), for three encoder pairs.  A benchmark
 * (meson test --benchmark), not a timed test: it prints wall and CPU
 * seconds and fails only if a curve fails.  Run: build/tests/bench/bench-robustness */
#include <stdio.h>
#include <time.h>

#include "fw-robustness.h"

static double
cpu_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bench (const FwDataset *ds, const FwVocab *vocab, const int *lexmap, const char *fusion,
       const char *image_encoder, const char *text_encoder)
{
  FwConfig config;
  fw_config_init (&config);
  g_assert_true (fw_config_set (&config, "fusion", fusion, NULL));
  g_assert_true (fw_config_set (&config, "image-encoder", image_encoder, NULL));
  g_assert_true (fw_config_set (&config, "text-encoder", text_encoder, NULL));
  FwShape shape = { ds->channels, ds->size, (int) vocab->tokens->len, ds->n_classes };
  g_autoptr (GError) error = NULL;
  /* the batch size of a loaded model (fw_model_load (…, 256, …)) */
  g_autoptr (FwModel) m = fw_model_new (&config, &shape, 256, &error);
  g_assert_no_error (error);
  fw_model_init_params (m, 1);
  enum { N = 10000 };
  g_autofree int *rows = g_new (int, N);
  for (int i = 0; i < N; i++)
    rows[i] = i % ds->n;

  printf ("%-12s %-4s + %-5s", fusion, image_encoder, text_encoder);
  double wall_total = 0, cpu_total = 0;
  for (int k = 0; k < FW_PERTURB_N_KINDS; k++)
    {
      int n_levels = 0;
      const double *levels = fw_perturbation_default_levels ((FwPerturbation) k, &n_levels);
      gint64 t0 = g_get_monotonic_time ();
      double c0 = cpu_now ();
      g_autoptr (FwRobustnessCurve) c = fw_robustness_curve (m, ds, lexmap, NULL, rows, N,
                                                             (FwPerturbation) k, levels, n_levels,
                                                             1, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      double wall = (g_get_monotonic_time () - t0) / 1e6, cpu = cpu_now () - c0;
      wall_total += wall;
      cpu_total += cpu;
      printf (" | %s %.2f s", fw_perturbation_name ((FwPerturbation) k), wall);
    }
  printf (" | sweep %.2f s (cpu %.2f s)\n", wall_total, cpu_total);
  fflush (stdout);
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
  printf ("default sweep: 5 perturbations × 6 levels over 10,000 rows; hidden 256, head 128, "
          "28x28 gray, batch 256, %u cores\n", g_get_num_processors ());
  bench (ds, vocab, lexmap, "late", "mlp", "bow");
  bench (ds, vocab, lexmap, "intermediate", "mlp", "bow");
  bench (ds, vocab, lexmap, "early", "mlp", "bow");
  bench (ds, vocab, lexmap, "intermediate", "mlp", "embed");
  bench (ds, vocab, lexmap, "intermediate", "cnn", "gru");
  return 0;
}
