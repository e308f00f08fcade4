/* fw-conv-nhwc.h — the one-channel first layer's 3×3 convolution (stride
 * 1, pad 1) with its output in pixel-major order (H, W, O), and the ReLU +
 * 2×2 max-pool between that order and channel-major results.  The fused
 * layer (fw_conv2d_relu_pool_*, fw-kernels.c) runs them image by image on
 * the padded copies fw_conv_direct_pad writes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE for C = 1 input channel and O a multiple of sixteen, on images
 * the direct path serves (fw_conv_direct_fits) */
gboolean fw_conv_nhwc_fits (int C, int H, int W, int O);

/* out (H, W, O) = w (O, 1, 3, 3) * the padded image in slot + b (may be
 * NULL): the same numbers as fw_conv_direct_forward's (O, H, W) */
void fw_conv_nhwc_forward (float *out, const float *slot, const float *w, const float *b,
                           int H, int W, int O);

/* where the pixel-major path keeps an image's winner codes in its slot,
 * past the padded copy (fw_conv_nhwc_fits checks there is room): for each
 * window, its O channels' codes, window-major */
int *fw_conv_nhwc_winners (const float *slot, int H, int W);

/* pooled, argmax (O, H/2, W/2; may be NULL) from one image's conv (H, W,
 * O), as fw_relu_pool_plane gives them from its planes: argmax = base +
 * o·H·W + the pixel of the window's first maximum; and winners (H/2 ·
 * W/2, O): that maximum's place in the order (0,0) (0,1) (1,0) (1,1), or
 * 4 where ReLU zeroed it, what the backward reads */
void fw_relu_pool_nhwc (float *pooled, int *argmax, int *winners, const float *conv,
                        gsize base, int H, int W, int O);

/* dconv (O, H, W) = ReLU + pool's backward for one image, from its
 * dpooled (O, H/2, W/2) and winners: fw_relu_pool_backward_plane's
 * numbers, for the input gradient's path */
void fw_relu_pool_nhwc_backward (float *dconv, const float *dpooled, const int *winners, int H,
                                 int W, int O);

/* dw (O, 1, 3, 3) += and db (O, may be NULL) += what ReLU + pool's
 * backward (fw_relu_pool_backward_plane) and then dw's correlation of
 * that gradient with the input (fw_conv_direct_dw) would add, from n_img
 * images' dpooled (n_img, O, H/2, W/2) and their slots (slot_stride
 * floats apart): the padded copies and the winners fw_relu_pool_nhwc
 * wrote there.  No gradient of the convolution is written or read back. */
void fw_conv_nhwc_pool_dw (float *dw, float *db, const float *dpooled, const float *slots,
                           gsize slot_stride, int n_img, int H, int W, int O);

G_END_DECLS
