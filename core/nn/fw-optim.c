/* fw-optim.c — one flat loop per optimizer step. */
#include "fw-optim.h"
#include "fw-clones.h"

#include <math.h>

#include "fw-parallel.h"

/* Adam's loop is a square root and a division per parameter: 8-wide AVX
 * halves it.  Without FMA in the clone, both clones round alike, so the
 * numbers do not depend on the machine. */
FW_CLONE_AVX2 static void
adam_loop (float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
           gsize n, float step, float c2, float wd)
{
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  for (gsize i = 0; i < n; i++)
    {
      float gi = g[i] + wd * p[i];
      m[i] = b1 * m[i] + (1.0f - b1) * gi;
      v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
      p[i] -= step * m[i] / (sqrtf (v[i]) / c2 + eps);
    }
}

typedef struct {
  float *p, *m, *v;
  const float *g;
  gsize n;
  float step, c2, wd;
} AdamJob;

/* element-wise, so any split gives the same numbers */
static void
adam_task (int task, int n_tasks, gpointer data)
{
  const AdamJob *j = data;
  gsize i0, i1;
  fw_parallel_range (task, n_tasks, j->n, 16, &i0, &i1);
  adam_loop (j->p + i0, j->g + i0, j->m + i0, j->v + i0, i1 - i0, j->step, j->c2, j->wd);
}

FwOptim *
fw_optim_new (FwOptimizer kind, gsize n, double lr, double weight_decay)
{
  FwOptim *o = g_new0 (FwOptim, 1);
  o->kind = kind;
  o->n = n;
  o->lr = lr;
  o->weight_decay = weight_decay;
  o->momentum = 0.9;
  /* one allocation for both moments */
  o->m = g_new0 (float, 2 * MAX (n, 1));
  o->v = o->m + n;
  return o;
}

void
fw_optim_free (FwOptim *o)
{
  if (!o)
    return;
  g_free (o->m);
  g_free (o);
}

void
fw_optim_step (FwOptim *o, float *p, const float *g)
{
  const float lr = (float) o->lr, wd = (float) o->weight_decay;
  float *m = o->m, *v = o->v;
  o->t++;
  if (o->kind == FW_OPTIM_SGD)
    {
      const float mu = (float) o->momentum;
      for (gsize i = 0; i < o->n; i++)
        {
          float gi = g[i] + wd * p[i];
          m[i] = o->t == 1 ? gi : mu * m[i] + gi;   /* PyTorch: the first step seeds the buffer */
          p[i] -= lr * m[i];
        }
      return;
    }
  const float b1 = 0.9f, b2 = 0.999f;
  const float c1 = 1.0f - (float) pow (b1, (double) o->t);
  const float c2 = sqrtf (1.0f - (float) pow (b2, (double) o->t));
  AdamJob j = { p, m, v, g, o->n, lr / c1, c2, wd };
  /* a worker's wake-up only pays on some hundred thousand parameters */
  fw_parallel_run (fw_parallel_tasks ((int) MIN (o->n / 65536 + 1, G_MAXINT)), adam_task, &j);
}
