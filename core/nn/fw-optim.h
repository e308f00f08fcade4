/* fw-optim.h — Adam and SGD with momentum over one flat parameter block,
 * with PyTorch's semantics (L2 weight decay added to the gradient), so the
 * same run trains the same way in both. */
#pragma once

#include "fw-config.h"

G_BEGIN_DECLS

typedef struct {
  FwOptimizer kind;
  double lr;
  double weight_decay;
  double momentum;           /* SGD: 0.9 unless set */
  gsize n;
  float *m;                  /* (n) Adam first moment, or SGD momentum buffer */
  float *v;                  /* (n) Adam second moment */
  gint64 t;                  /* steps taken */
} FwOptim;

FwOptim *fw_optim_new (FwOptimizer kind, gsize n, double lr, double weight_decay);
void fw_optim_free (FwOptim *opt);
void fw_optim_step (FwOptim *opt, float *params, const float *grads);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FwOptim, fw_optim_free)

G_END_DECLS
