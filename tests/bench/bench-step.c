/* bench-step.c — times the core's training step (forward, backward, Adam)
 * on synthetic inputs, without a dataset to load: the quick loop for
 * profiling.  The end-to-end comparison with PyTorch is bench-train.sh.
 *
 * Usage: bench-step [FUSION [IMAGE_ENCODER [STEPS [THREADS [VOCAB [SIZE [CHANNELS]]]]]]]
 * THREADS is the trainer's --threads: the size of our pool; SIZE and
 * CHANNELS the images' (28 1: Fashion-MNIST; 64 3: the RGB photos). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fw-blas.h"
#include "fw-config.h"
#include "fw-kernels.h"
#include "fw-model.h"
#include "fw-optim.h"
#include "fw-parallel.h"
#include "fw-rng.h"
#include "bench-util.h"

extern void openblas_set_num_threads (int n);

int
main (int argc, char **argv)
{
  fw_blas_pick_kernels (argv);
  FwConfig c;
  fw_config_init (&c);
  g_autoptr (GError) error = NULL;
  if ((argc > 1 && !fw_config_set (&c, "fusion", argv[1], &error))
      || (argc > 2 && !fw_config_set (&c, "image-encoder", argv[2], &error)))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  int steps = argc > 3 ? atoi (argv[3]) : 500;
  int threads = argc > 4 ? atoi (argv[4]) : 1;
  int V = argc > 5 ? atoi (argv[5]) : 40;
  int S = argc > 6 ? atoi (argv[6]) : 28;
  int CH = argc > 7 ? atoi (argv[7]) : 1;
  int P = CH * S * S;   /* floats per image */
  /* as the trainer: our pool splits the step, sgemm runs single-threaded */
  openblas_set_num_threads (1);
  g_autoptr (FwPool) pool = fw_pool_new (threads);
  fw_pool_make_current (pool);
  fw_kernels_flush_denormals ();
  FwShape shape = { CH, S, V, 10 };
  int B = c.batch;
  FwModel *m = fw_model_new (&c, &shape, B, &error);
  if (!m)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  FwOptim *o = fw_optim_new (c.optimizer, fw_model_n_params (m), c.lr, c.weight_decay);
  guint64 rng = 42;
  float *img = fw_model_input_image (m), *counts = fw_model_input_counts (m);
  int *labels = fw_model_input_labels (m);
  /* a few batches drawn once, copied in per step like a batch fill */
  enum { POOL = 8 };
  g_autofree float *pool_img = g_new (float, (gsize) POOL * B * P);
  g_autofree float *pool_counts = g_new0 (float, (gsize) POOL * B * V);
  g_autofree int *pool_labels = g_new (int, (gsize) POOL * B);
  for (int b = 0; b < POOL * B; b++)
    {
      pool_labels[b] = (int) fw_rng_below (&rng, 10);
      for (int i = 0; i < P; i++)
        pool_img[(gsize) b * P + i] = i % 3 ? fw_rng_uniform (&rng) : 0.0f;
      for (int k = 0; k < 7; k++)
        pool_counts[(gsize) b * V + fw_rng_below (&rng, V)] += 1;
      pool_counts[(gsize) b * V + pool_labels[b]] += 1;
    }
  double loss = 0, cpu0 = 0;
  gint64 t0 = 0;
  for (int s = -20; s < steps; s++)
    {
      if (s == 0)
        {
          t0 = g_get_monotonic_time ();
          cpu0 = bench_cpu_seconds ();
        }
      int p = (s + 20) % POOL;
      memcpy (img, pool_img + (gsize) p * B * P, sizeof (float) * B * P);
      if (counts)
        memcpy (counts, pool_counts + (gsize) p * B * V, sizeof (float) * B * V);
      memcpy (labels, pool_labels + (gsize) p * B, sizeof (int) * B);
      loss = fw_model_forward (m, B);
      fw_model_backward (m, B);
      fw_optim_step (o, fw_model_params (m), fw_model_grads (m));
    }
  double sec = (g_get_monotonic_time () - t0) / 1e6, cpu = bench_cpu_seconds () - cpu0;
  /* CPU time is the steadier figure on a shared machine (all threads summed) */
  printf ("%s %s: %.1f us/step wall, %.1f us/step cpu, %.0f samples/s, loss %.4f\n",
          argc > 1 ? argv[1] : "intermediate", argc > 2 ? argv[2] : "mlp",
          sec / steps * 1e6, cpu / steps * 1e6, steps * (double) B / sec, loss);
  fw_optim_free (o);
  fw_model_free (m);
  return 0;
}
