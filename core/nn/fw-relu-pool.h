/* fw-relu-pool.h — ReLU and 2x2 max-pool (stride 2, floor) of one plane,
 * forward and backward, eight windows at a time.  The batch kernels
 * fw_relu_maxpool2_forward / _backward_set (fw-kernels.h, whose contract
 * these follow) and the fused first layer call them plane by plane. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* out, argmax (H/2 × W/2) from plane (H × W): out = relu(the window's
 * maximum), argmax = base + the flat index in the plane of the window's
 * first maximum in the order (0,0) (0,1) (1,0) (1,1), as PyTorch */
void fw_relu_pool_plane (float *out, int *argmax, const float *plane, gsize base, int H, int W);

/* dplane (H × W) SET: dout at each window's argmax where out > 0, zero
 * everywhere else (rows and columns no window covers too) */
void fw_relu_pool_backward_plane (float *dplane, const float *dout, const float *out,
                                  const int *argmax, gsize base, int H, int W);

G_END_DECLS
