/* fw-cost.h — what a model costs, counted from its architecture: floating
 * point operations of one forward pass for one sample.
 *
 * Convention: 2 × the multiply-adds of every Linear layer (in·out), every
 * 3×3 convolution (out_channels · in_channels · 9 per output pixel) and
 * every GRU matrix product (3H·E + 3H·H per step, over FW_MAX_TOKENS steps:
 * the longest caption the architecture reads).  Biases, activations,
 * pooling, embedding look-ups and averages, element-wise fusion (sum,
 * product, the outer product of tensor fusion, the GMU's mix, the low-rank
 * factors' product), the late combination's averaging and the softmax are
 * not counted: they are linear in the widths, the products above are not.
 * For bow the Linear counts the whole vocabulary, as a dense layer would
 * (the kernel skips zero counts, so it runs faster than this). */
#pragma once

#include "fw-config.h"
#include "fw-model.h"

G_BEGIN_DECLS

/* Multiply-adds of one forward pass of one sample. */
gint64 fw_cost_macs (const FwConfig *config, const FwShape *shape);
/* 2 × fw_cost_macs */
gint64 fw_cost_flops_per_sample (const FwConfig *config, const FwShape *shape);

G_END_DECLS
