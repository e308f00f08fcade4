/* bench-conv1-kernels.c — the first layer's kernels alone, on data that
 * stays in cache, as the fused layer keeps it: the direct convolution's
 * forward and weight gradient over one chunk of eight images (share of
 * a given GFLOP/s figure, e.g. bench-layers' sgemm peak), and ReLU + 2x2
 * max-pool of sixteen planes, in ns a window; with one channel also the
 * pixel-major kernels the model runs then (fw-conv-nhwc.c: forward,
 * ReLU + pool from that layout, and dw straight from the pooled
 * gradient, ReLU + pool's backward folded in).  Wall clock, best of
 * ROUNDS: on a quiet machine.  bench-layers times the layers as a batch
 * runs them; this is the quick loop for the kernels themselves.
 *
 * Usage: bench-conv1-kernels [CHANNELS [SIZE [ROUNDS [PEAK]]]]   [1 28 2000 150] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <glib.h>

#include "fw-conv-direct.h"
#include "fw-conv-nhwc.h"
#include "fw-kernels.h"
#include "fw-relu-pool.h"
#include "fw-rng.h"
#include "bench-util.h"

#define IMAGES 8     /* one chunk (fw_conv_chunk at batch 64) */
#define OUT 16       /* conv1's output channels */

int
main (int argc, char **argv)
{
  int C = argc > 1 ? atoi (argv[1]) : 1, S = argc > 2 ? atoi (argv[2]) : 28;
  int rounds = argc > 3 ? atoi (argv[3]) : 2000;
  double peak = argc > 4 ? atof (argv[4]) : 150;
  if (C < 1 || C > 4 || S < 2 || rounds < 1 || !fw_conv_direct_fits (C, S, S))
    {
      fprintf (stderr, "usage: bench-conv1-kernels [CHANNELS 1-4 [SIZE [ROUNDS [PEAK]]]]\n");
      return 2;
    }
  fw_kernels_flush_denormals ();
  guint64 rng = 3;
  gsize HW = (gsize) S * S, slot = fw_conv2d_col_floats (C, S, S), n = (gsize) (S / 2) * (S / 2);
  g_autofree float *slots = g_new (float, slot * IMAGES);
  g_autofree float *inp = bench_noise (C * HW * IMAGES, &rng);
  g_autofree float *w = bench_noise ((gsize) OUT * C * 9, &rng), *b = bench_noise (OUT, &rng);
  g_autofree float *out = bench_noise (OUT * HW * IMAGES, &rng);
  g_autofree float *dw = g_new0 (float, OUT * C * 9), *db = g_new0 (float, OUT);
  g_autofree float *pooled = g_new (float, OUT * n), *dpooled = bench_noise (OUT * n, &rng);
  g_autofree float *dplanes = g_new (float, OUT * HW);
  g_autofree int *argmax = g_new (int, OUT * n);
  for (int i = 0; i < IMAGES; i++)
    fw_conv_direct_pad (slots + i * slot, inp + i * C * HW, C, S, S);

  double best_fw = G_MAXDOUBLE, best_dw = G_MAXDOUBLE, best_pool = G_MAXDOUBLE,
         best_unpool = G_MAXDOUBLE;
  for (int r = 0; r < rounds; r++)
    {
      double t = bench_wall_seconds ();
      for (int i = 0; i < IMAGES; i++)
        fw_conv_direct_forward (out + i * OUT * HW, slots + i * slot, w, b, C, S, S, OUT);
      best_fw = MIN (best_fw, bench_wall_seconds () - t);
      t = bench_wall_seconds ();
      fw_conv_direct_dw (dw, db, out, slots, slot, IMAGES, C, S, S, OUT);
      best_dw = MIN (best_dw, bench_wall_seconds () - t);
      t = bench_wall_seconds ();
      for (int o = 0; o < OUT; o++)
        fw_relu_pool_plane (pooled + o * n, argmax + o * n, out + o * HW, o * HW, S, S);
      best_pool = MIN (best_pool, bench_wall_seconds () - t);
      t = bench_wall_seconds ();
      for (int o = 0; o < OUT; o++)
        fw_relu_pool_backward_plane (dplanes + o * HW, dpooled + o * n, pooled + o * n,
                                     argmax + o * n, o * HW, S, S);
      best_unpool = MIN (best_unpool, bench_wall_seconds () - t);
    }
  double flops = 2.0 * C * 9 * OUT * HW * IMAGES;
  double best_nfw = G_MAXDOUBLE, best_npool = G_MAXDOUBLE, best_ndw = G_MAXDOUBLE;
  gboolean nhwc = fw_conv_nhwc_fits (C, S, S, OUT);
  if (nhwc)
    {
      g_autofree float *pooled8 = g_new (float, OUT * n * IMAGES);
      g_autofree float *dpooled8 = bench_noise (OUT * n * IMAGES, &rng);
      for (int r = 0; r < rounds; r++)
        {
          double t = bench_wall_seconds ();
          for (int i = 0; i < IMAGES; i++)
            fw_conv_nhwc_forward (out + i * OUT * HW, slots + i * slot, w, b, S, S, OUT);
          best_nfw = MIN (best_nfw, bench_wall_seconds () - t);
          t = bench_wall_seconds ();
          for (int i = 0; i < IMAGES; i++)
            fw_relu_pool_nhwc (pooled8 + i * OUT * n, NULL, fw_conv_nhwc_winners (slots + i * slot, S, S), out + i * OUT * HW,
                               i * OUT * HW, S, S, OUT);
          best_npool = MIN (best_npool, bench_wall_seconds () - t);
          t = bench_wall_seconds ();
          fw_conv_nhwc_pool_dw (dw, db, dpooled8, slots, slot, IMAGES, S, S, OUT);
          best_ndw = MIN (best_ndw, bench_wall_seconds () - t);
        }
    }
  printf ("%dx%d, %d channel%s, %d images, best of %d, wall clock:\n", S, S, C, C == 1 ? "" : "s",
          IMAGES, rounds);
  printf ("direct forward: %.1f GFLOP/s, %.0f%% of %.0f\n", flops / best_fw / 1e9,
          100 * flops / best_fw / 1e9 / peak, peak);
  printf ("direct dw:      %.1f GFLOP/s, %.0f%% of %.0f\n", flops / best_dw / 1e9,
          100 * flops / best_dw / 1e9 / peak, peak);
  printf ("ReLU + pool:    forward %.2f ns a window, backward %.2f (%d planes)\n",
          best_pool / (OUT * n) * 1e9, best_unpool / (OUT * n) * 1e9, OUT);
  if (nhwc)
    {
      printf ("pixel-major forward: %.1f GFLOP/s, %.0f%% of %.0f\n", flops / best_nfw / 1e9,
              100 * flops / best_nfw / 1e9 / peak, peak);
      printf ("pixel-major ReLU + pool: %.2f ns a window (%d planes)\n",
              best_npool / (OUT * n * IMAGES) * 1e9, OUT);
      printf ("pixel-major dw from the pooled gradient: %.1f GFLOP/s, %.0f%% of %.0f\n",
              flops / best_ndw / 1e9, 100 * flops / best_ndw / 1e9 / peak, peak);
      printf ("the fused layer, all eight images: channel-major %.1f µs, pixel-major %.1f µs\n",
              (best_fw + IMAGES * (best_pool + best_unpool) + best_dw) * 1e6,
              (best_nfw + best_npool + best_ndw) * 1e6);
    }
  return 0;
}
