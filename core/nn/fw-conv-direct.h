/* fw-conv-direct.h — the first layer's 3x3 convolution (stride 1, pad 1)
 * straight from a zero-padded image: register-blocked loops, no im2col.
 * Used by fw_conv2d_forward_col / _backward_col (fw-kernels.c) for one to
 * four input channels; the caller splits the batch. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when the direct path serves C channels of H×W: the padded copy it
 * keeps fits in the im2col buffer (fw_conv2d_col_floats) */
gboolean fw_conv_direct_fits (int C, int H, int W);
/* floats of one image's padded copy */
gsize fw_conv_direct_floats (int C, int H, int W);

/* slot (fw_conv_direct_floats) = inp (C,H,W) with a zero border; forward
 * and dw read the slot so written */
void fw_conv_direct_pad (float *pad, const float *inp, int C, int H, int W);
/* the padded image in a slot so written, and its row stride in floats:
 * image pixel (c, y, x) is at pad[(c * (H + 2) + y + 1) * stride + x + 1] */
const float *fw_conv_direct_padded (const float *slot, int W, int *stride);
/* out (O,H,W) = w (O,C,3,3) * the padded image + b (b may be NULL) */
void fw_conv_direct_forward (float *out, const float *pad, const float *w, const float *b,
                             int C, int H, int W, int O);
/* images whose gradient one fw_conv_direct_dw call should read: the
 * fused layer (fw_conv2d_relu_pool_backward) keeps that many in a scratch
 * the size of L2, and the unfused path groups alike for the same numbers */
gsize fw_conv_direct_group (int H, int W, int O);
/* dw (O,C,3,3) += dout (n_img,O,H,W) correlated with the padded images
 * (n_img slots, slot_stride floats apart), and db (O) += dout's sums (db
 * may be NULL); the images' products are summed before the lanes are */
void fw_conv_direct_dw (float *dw, float *db, const float *dout, const float *slots,
                        gsize slot_stride, int n_img, int C, int H, int W, int O);

G_END_DECLS
