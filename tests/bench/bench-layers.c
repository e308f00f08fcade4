/* bench-layers.c — the CNN encoder's layers one by one (conv1, conv2 and
 * the linear layer after them, forward and backward at batch 64) against
 * the machine's sgemm peak: the share of peak each layer reaches.
 *
 * conv1 is timed as the model runs it: fused with its ReLU and 2x2
 * max-pool image by image (fw_conv2d_relu_pool_*), its output and
 * gradient kept in an L2-sized scratch.  Its row is the convolution alone
 * so run; two more rows time the whole fused layer, with ReLU and pool,
 * against the convolution and ReLU+pool as separate passes over the
 * batch (before the fusion; the convolution alone so run is what this
 * bench called conv1 until then).
 *
 * On a shared machine wall time mostly measures the other processes, so
 * the peak and one-thread layers are timed in CPU seconds of this process;
 * layers at more threads in wall seconds × threads (core_seconds says why):
 * FLOPs per core-second of a layer at THREADS threads against FLOPs per
 * core-second of one-thread sgemm, the best over square sizes 256-2048 (the
 * peak is the highest of them).  Each figure is the best of ROUNDS rounds,
 * interleaved so both sides see the same span of load.  The forward's
 * own best time is printed too (FLOPs: a third of a layer's, half of conv1's).
 *
 * Usage: bench-layers [THREADS [SIZE [CHANNELS [ROUNDS]]]]   [2 28 1 10] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#undef I

#include "fw-blas.h"
#include "fw-conv-direct.h"
#include "fw-conv-nhwc.h"
#include "fw-kernels.h"
#include "fw-parallel.h"
#include "fw-rng.h"
#include "bench-util.h"

extern void openblas_set_num_threads (int n);

/* Core-seconds at `threads` threads.  At one thread that is the process's
 * CPU time.  With workers it is wall time × threads: the process clock
 * leaves out what a worker still running on another core has used since
 * its last tick (our workers poll a while after each job), which made
 * layers look faster than the peak; wall × threads also charges any wait
 * at a region's end, so it needs a quiet machine and never flatters.
 * The layers and sgemm's peak at their thread count are timed alike. */
static double
seconds_at (int threads)
{
  if (threads == 1)
    return bench_cpu_seconds ();
  return g_get_monotonic_time () * 1e-6 * threads;
}

static int layer_threads = 1;

static double
core_seconds (void)
{
  return seconds_at (layer_threads);
}

/* best GFLOP per core-second of `repeats` square products at `threads`
 * OpenBLAS threads */
static double
sgemm_peak (int threads, int n, int repeats)
{
  guint64 rng = 1;
  gsize nn = (gsize) n * n;
  g_autofree float *a = bench_noise (nn, &rng), *b = bench_noise (nn, &rng);
  g_autofree float *c = g_new0 (float, nn);
  double best = 0;
  openblas_set_num_threads (threads);
  for (int r = 0; r <= repeats; r++)
    {
      double t0 = seconds_at (threads);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
      double s = seconds_at (threads) - t0;
      if (r > 0)   /* the first call warms up threads and pages */
        best = MAX (best, 2.0 * n * (double) nn / s / 1e9);
    }
  openblas_set_num_threads (1);
  return best;
}

typedef enum { CONV1, CONV2, LINEAR, CONV1_FUSED, CONV1_SEPARATE, CONV1_BATCH, N_LAYERS } Layer;
#define N_MAIN CONV1_FUSED   /* the layers of the totals */
static const char *const layer_names[N_LAYERS] = {
  "conv1", "conv2", "linear", "conv1 + ReLU + pool, fused", "conv1 + ReLU + pool, separate passes",
  "conv1 over the whole batch",
};

typedef struct {
  int B, C, S, H, W, O, I;
  float *inp, *w, *b, *out, *col, *work, *dout, *dinp, *dw, *db;
  float *pooled, *dpooled;   /* conv1: its ReLU + pool, fused as in training */
  int *argmax;
} Bufs;

/* conv1's convolution as the fused layer runs it, without the ReLU+pool
 * in between: chunks of eight images (fw_conv_chunk at batch 64), each
 * image's output into its task's scratch; dw from a group of images'
 * gradient there (the scratch's noise, then the outputs, stand in for
 * it), or with one input channel (pixel-major, fw-conv-nhwc.c) from the
 * pooled gradient, as the fused layer does */
typedef struct {
  Bufs *x;
  gboolean backward;
} Conv1Job;

/* each thread's own scratch slot, as the fused layer's claims come out */
static gint next_slot;
static _Thread_local int thread_slot = -1;

static void
conv1_task (int task, int n_tasks, gpointer data)
{
  const Conv1Job *j = data;
  Bufs *x = j->x;
  gsize HW = (gsize) x->H * x->W, slot = fw_conv2d_col_floats (x->C, x->H, x->W);
  gsize group = fw_conv_direct_group (x->H, x->W, x->O), Kc = (gsize) x->C * 9;
  gsize n = (gsize) (x->H / 2) * (x->W / 2);
  gboolean nhwc = fw_conv_nhwc_fits (x->C, x->H, x->W, x->O);
  if (thread_slot < 0)
    thread_slot = g_atomic_int_add (&next_slot, 1);
  float *dw = x->work + task * (x->O * Kc + x->O), *db = dw + x->O * Kc;
  float *scratch = x->work + FW_PARALLEL_MAX_TASKS * (x->O * Kc + x->O)
                   + thread_slot * group * x->O * HW;
  int b0 = task * 8, b1 = MIN (b0 + 8, x->B);
  if (j->backward && nhwc)
    {
      /* one channel: dw straight from the pooled gradient, ReLU + pool's
       * backward folded in (a few selects a window: counted as conv1's) */
      fw_conv_nhwc_pool_dw (dw, db, x->dpooled + b0 * x->O * n, x->col + b0 * slot, slot,
                            b1 - b0, x->H, x->W, x->O);
      return;
    }
  for (int g0 = b0; g0 < b1; g0 += group)
    {
      int n_img = MIN ((int) group, b1 - g0);
      if (j->backward)
        fw_conv_direct_dw (dw, db, scratch, x->col + g0 * slot, slot, n_img, x->C, x->H, x->W, x->O);
      else
        for (int i = 0; i < n_img; i++)
          {
            float *col = x->col + (g0 + i) * slot;
            fw_conv_direct_pad (col, x->inp + (g0 + i) * x->C * HW, x->C, x->H, x->W);
            if (nhwc)
              fw_conv_nhwc_forward (scratch + i * x->O * HW, col, x->w, x->b, x->H, x->W, x->O);
            else
              fw_conv_direct_forward (scratch + i * x->O * HW, col, x->w, x->b, x->C, x->H,
                                      x->W, x->O);
          }
    }
}

/* forward then backward; *forward_s is the forward's share of the CPU time */
static void
step (Layer l, Bufs *x, double *forward_s)
{
  double t0 = core_seconds ();
  if (l == LINEAR)
    {
      fw_linear_forward (x->out, x->inp, x->w, x->b, x->B, x->I, x->O);
      *forward_s = core_seconds () - t0;
      fw_linear_backward (x->dinp, x->dw, x->db, x->dout, x->inp, x->w, x->B, x->I, x->O);
      return;
    }
  /* conv1 is fed by the data: no input gradient, as in training */
  float *dinp = l == CONV2 ? x->dinp : NULL;
  switch (l)
    {
    case CONV1:
      {
        Conv1Job j = { x, FALSE };
        int n_tasks = (x->B + 7) / 8;
        fw_parallel_run (n_tasks, conv1_task, &j);
        *forward_s = core_seconds () - t0;
        j.backward = TRUE;
        fw_parallel_run (n_tasks, conv1_task, &j);
        return;
      }
    case CONV1_FUSED:
      fw_conv2d_relu_pool_forward (x->pooled, x->argmax, x->out, x->col, x->work, x->inp, x->w,
                                   x->b, x->B, x->C, x->H, x->W, x->O);
      *forward_s = core_seconds () - t0;
      fw_conv2d_relu_pool_backward (NULL, x->dw, x->db, x->dout, x->work, x->dpooled, x->pooled,
                                    x->argmax, x->col, x->w, x->B, x->C, x->H, x->W, x->O);
      return;
    case CONV1_SEPARATE:
      fw_conv2d_forward_col (x->out, x->col, x->inp, x->w, x->b, x->B, x->C, x->H, x->W, x->O);
      fw_relu_maxpool2_forward (x->pooled, x->argmax, x->out, x->B, x->O, x->H, x->W);
      *forward_s = core_seconds () - t0;
      fw_relu_maxpool2_backward_set (x->dout, x->dpooled, x->pooled, x->argmax, x->B, x->O, x->H,
                                     x->W);
      fw_conv2d_backward_col (NULL, x->dw, x->db, x->work, x->dout, x->col, x->w, x->B, x->C,
                              x->H, x->W, x->O);
      return;
    default:
      fw_conv2d_forward_col (x->out, x->col, x->inp, x->w, x->b, x->B, x->C, x->H, x->W, x->O);
      *forward_s = core_seconds () - t0;
      fw_conv2d_backward_col (dinp, x->dw, x->db, x->work, x->dout, x->col, x->w, x->B, x->C,
                              x->H, x->W, x->O);
    }
}

int
main (int argc, char **argv)
{
  fw_blas_pick_kernels (argv);
  int threads = argc > 1 ? atoi (argv[1]) : 2;
  layer_threads = MAX (threads, 1);
  int S = argc > 2 ? atoi (argv[2]) : 28;
  int channels = argc > 3 ? atoi (argv[3]) : 1;
  int repeats = argc > 4 ? atoi (argv[4]) : 10;
  int B = 64;
  fw_kernels_flush_denormals ();
  g_autoptr (FwPool) pool = fw_pool_new (threads);
  fw_pool_make_current (pool);
  Bufs x[N_LAYERS];
  /* peak_here: sgemm's at the layers' thread count, so a 2-thread row can
   * also be set against what sgemm itself gets from each of 2 busy cores */
  double flops[N_LAYERS], best[N_LAYERS], best_fw[N_LAYERS], peak = 0, peak_here = 0;
  for (Layer l = 0; l < N_LAYERS; l++)
    {
      guint64 rng = 5;
      Bufs *y = &x[l];
      memset (y, 0, sizeof *y);
      y->B = B;
      if (l == LINEAR)
        {
          y->I = 32 * (S / 4) * (S / 4);
          y->O = 256;
          flops[l] = 2.0 * y->I * y->O * B * 3;
        }
      else
        {
          gboolean first = l != CONV2;
          y->C = first ? channels : 16;
          y->O = first ? 16 : 32;
          y->H = y->W = first ? S : S / 2;
          y->I = y->C * y->H * y->W;
          double per = 2.0 * y->C * 9 * y->O * y->H * y->W * B;
          flops[l] = per * (first ? 2 : 3);   /* ReLU and pool's comparisons not counted */
          y->col = g_new (float, B * fw_conv2d_col_floats (y->C, y->H, y->W));
          y->work = g_new (float, fw_conv2d_relu_pool_work_floats (y->C, y->H, y->W, y->O));
          gsize npool = (gsize) B * y->O * (y->H / 2) * (y->W / 2);
          y->pooled = g_new (float, npool);
          y->argmax = g_new (int, npool);
          y->dpooled = bench_noise (npool, &rng);
        }
      gsize nout = (gsize) B * y->O * (l == LINEAR ? 1 : y->H * y->W);
      gsize nw = (gsize) y->O * (l == LINEAR ? y->I : y->C * 9);
      y->inp = bench_noise ((gsize) B * y->I, &rng);
      y->w = bench_noise (nw, &rng);
      y->b = bench_noise (y->O, &rng);
      y->out = g_new (float, nout);
      y->dout = bench_noise (nout, &rng);
      y->dinp = g_new0 (float, (gsize) B * y->I);
      y->dw = g_new0 (float, nw);
      y->db = g_new0 (float, y->O);
      best[l] = best_fw[l] = G_MAXDOUBLE;
    }
  /* conv1's backward reads a forward's positions: argmax, or with one
   * channel the winner codes it keeps in col's slots */
  fw_conv2d_relu_pool_forward (x[CONV1].pooled, x[CONV1].argmax, x[CONV1].out, x[CONV1].col,
                               x[CONV1].work, x[CONV1].inp, x[CONV1].w, x[CONV1].b, B,
                               x[CONV1].C, x[CONV1].H, x[CONV1].W, x[CONV1].O);
  /* rounds of: the peak once, every layer a few times; the load changes
   * from second to second, so both sides are sampled across the same span */
  for (int r = 0; r < repeats; r++)
    {
      for (int n = 256; n <= 2048; n *= 2)
        peak = MAX (peak, sgemm_peak (1, n, n < 2048 ? 3 : 1));
      if (threads > 1)
        peak_here = MAX (peak_here, sgemm_peak (threads, 2048, 1));
      for (Layer l = 0; l < N_LAYERS; l++)
        for (int k = 0; k < 5; k++)
          {
            double t0 = core_seconds (), fw;
            step (l, &x[l], &fw);
            best[l] = MIN (best[l], core_seconds () - t0);
            best_fw[l] = MIN (best_fw[l], fw);
          }
    }
  printf ("OpenBLAS kernels %s; sgemm peak %.1f GFLOP per CPU second (1 thread, best of "
          "256^3-2048^3, %d rounds); layers at %d threads, %s\n",
          fw_blas_kernels (), peak, repeats, threads,
          threads == 1 ? "CPU time" : "wall time x threads (quiet machine only)");
  if (threads > 1)
    printf ("sgemm at %d threads: %.1f GFLOP per core s (2048^3, wall time x threads); "
            "[brackets]: a layer's share of that\n", threads, peak_here);
  double total_flops = 0, total_s = 0;
  for (Layer l = 0; l < N_LAYERS; l++)
    {
      if (l < N_MAIN)
        {
          total_flops += flops[l];
          total_s += best[l];
        }
      printf ("%-6s forward+backward, batch %d: %.3f core ms, %.1f GFLOP per core s, %.0f%% of sgemm peak",
              layer_names[l], B, best[l] * 1e3, flops[l] / best[l] / 1e9,
              100 * flops[l] / best[l] / 1e9 / peak);
      if (threads > 1)
        printf (" [%.0f%%]", 100 * flops[l] / best[l] / 1e9 / peak_here);
      printf (" (forward alone %.3f ms)\n", best_fw[l] * 1e3);
      Bufs *y = &x[l];
      g_free (y->inp); g_free (y->w); g_free (y->b); g_free (y->out); g_free (y->dout);
      g_free (y->dinp); g_free (y->dw); g_free (y->db); g_free (y->col); g_free (y->work);
      g_free (y->pooled); g_free (y->argmax); g_free (y->dpooled);
    }
  printf ("all three: %.1f GFLOP per core s, %.0f%% of sgemm peak", total_flops / total_s / 1e9,
          100 * total_flops / total_s / 1e9 / peak);
  if (threads > 1)
    printf (" [%.0f%%]", 100 * total_flops / total_s / 1e9 / peak_here);
  printf (" (%dx%d, %d channel%s, %d threads)\n", S, S, channels, channels == 1 ? "" : "s",
          threads);
  return 0;
}
