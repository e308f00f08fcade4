/* fw-conv-winograd.h — the 3×3 convolution (stride 1, pad 1) of the layers
 * after the first, by Winograd's minimal filtering F(2×2, 3×3): forward,
 * input and weight gradients.  Used by fw_conv2d_forward_col /
 * _backward_col (fw-kernels.c) with their contracts and buffers; the col
 * buffer keeps the transformed input instead of im2col. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when this path serves C input and O output channels (five or more
 * inputs: one to four go direct, fw-conv-direct.h) */
gboolean fw_conv_winograd_fits (int C, int O);
/* floats of col one image needs (the transformed input and, during the
 * forward, one block of eight output channels' products) */
gsize fw_conv_winograd_col_floats (int C, int H, int W);
/* floats of work the backward needs (all tasks) */
gsize fw_conv_winograd_work_floats (int C, int H, int W, int O);

void fw_conv_winograd_forward (float *out, float *col, const float *inp,
                               const float *w, const float *b,
                               int B, int C, int H, int W, int O);
void fw_conv_winograd_backward (float *dinp, float *dw, float *db, float *work,
                                const float *dout, const float *col, const float *w,
                                int B, int C, int H, int W, int O);

/* the same, fused with ReLU and 2×2 max-pool as fw_relu_maxpool2_forward /
 * _backward_set run them after it (the same numbers): each output plane
 * and, backward, each block of images' output gradient stays in a scratch
 * while it is used, the batch's never goes to memory */
void fw_conv_winograd_relu_pool_forward (float *pooled, int *argmax, float *col,
                                         const float *inp, const float *w, const float *b,
                                         int B, int C, int H, int W, int O);
void fw_conv_winograd_relu_pool_backward (float *dinp, float *dw, float *db, float *work,
                                          const float *dpooled, const float *pooled,
                                          const int *argmax, const float *col, const float *w,
                                          int B, int C, int H, int W, int O);

G_END_DECLS
