/* fw-model-build.c — how a module registers its parameters and
 * activations while the model is built (see fw-model-private.h). */
#include "fw-model-private.h"

#include <math.h>
#include <stdarg.h>

#include "fw-kernels.h"

float *
fw_param (FwModel *m, float **pp, float init_bound, const char *fmt_name, int ndim, ...)
{
  FwParam p = { 0 };
  va_list ap;
  va_start (ap, ndim);
  p.ndim = ndim;
  p.size = 1;
  for (int i = 0; i < ndim; i++)
    {
      p.shape[i] = va_arg (ap, int);
      p.size *= (gsize) p.shape[i];
    }
  va_end (ap);
  p.name = g_strdup (fmt_name);
  p.offset = m->n_params;
  m->n_params += p.size;
  g_array_append_val (m->param_list, p);
  g_array_append_val (m->param_init, init_bound);
  FloatPatch fp = { pp, p.offset };
  g_array_append_val (m->param_patches, fp);
  return NULL;
}

void
fw_act (FwModel *m, float **pp, gsize per_row)
{
  FloatPatch fp = { pp, m->n_act, per_row, GRAD_ALWAYS };
  m->n_act += per_row * (gsize) m->max_batch;
  m->n_act = (m->n_act + 15) & ~(gsize) 15;  /* 64-byte aligned views */
  g_array_append_val (m->act_patches, fp);
}

/* sets the gradient use of the activation registered last */
void
fw_act_grad (FwModel *m, GradUse use)
{
  g_array_index (m->act_patches, FloatPatch, m->act_patches->len - 1).grad = use;
}

void
fw_iact (FwModel *m, int **pp, gsize per_row)
{
  IntPatch ip = { pp, m->n_iact };
  m->n_iact += per_row * (gsize) m->max_batch;
  g_array_append_val (m->iact_patches, ip);
}

void
fw_scratch_need (FwModel *m, gsize floats)
{
  m->n_scratch = MAX (m->n_scratch, floats);
}

void
fw_linear_build (FwModel *m, Linear *l, const char *prefix, int in, int out)
{
  g_autofree char *wn = g_strdup_printf ("%s.weight", prefix);
  g_autofree char *bn = g_strdup_printf ("%s.bias", prefix);
  float bound = 1.0f / sqrtf ((float) in);
  l->in = in;
  l->out = out;
  fw_param (m, &l->w, bound, wn, 2, out, in);
  fw_param (m, &l->b, bound, bn, 1, out);
}

void
fw_linear_fw (const Linear *l, float *out, const float *in, int B)
{
  fw_linear_forward (out, in, l->w, l->b, B, l->in, l->out);
}

void
fw_linear_bw (FwModel *m, const Linear *l, float *din, const float *dout, const float *in, int B)
{
  fw_linear_backward (din, DP (m, l->w), DP (m, l->b), dout, in, l->w, B, l->in, l->out);
}

/* Input gradients cost a whole matrix product on the widest layer; only
 * attribution asks for them. */
float *
fw_input_grad (FwModel *m, float *input)
{
  return m->want_input_grads ? DA (m, input) : NULL;
}
