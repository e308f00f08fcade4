/* fw-kernels.h — the compute kernels every model is built from, forward and
 * backward, on plain float arrays.  Allocation, parameters and the order of
 * calls belong to the model (fw-model.c); kernels only compute.
 *
 * Conventions (after llm.c):
 *  - argument order: outputs, then saved inputs, then weights, then sizes;
 *  - gradients are named d…, and every backward ADDS INTO its gradient
 *    buffers (dinp included), so the caller zeroes them once per step;
 *  - a gradient pointer may be NULL when that gradient is not wanted;
 *  - weight layouts are PyTorch's, so parameters save under PyTorch names.
 *
 * Shape key: B batch, I in-features, O out-features, C channels,
 * H height, W width, L tokens per row, V vocabulary, E embedding width,
 * G GRU width, K classes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* conv2d is fixed to the design's 3x3 kernel, stride 1, padding 1. */
#define FW_CONV_K 3
#define FW_CONV_PAD 1

/* ---- linear: out (B,O) = inp (B,I) · wᵀ + b;  w (O,I), b (O) or NULL ---- */
void fw_linear_forward (float *out, const float *inp, const float *w, const float *b,
                        int B, int I, int O);
void fw_linear_backward (float *dinp, float *dw, float *db,
                         const float *dout, const float *inp, const float *w,
                         int B, int I, int O);

/* ---- linear on a mostly-zero input (bag-of-words counts): the contract of
 * fw_linear_forward / fw_linear_backward, but the products visit only the
 * nonzeros of inp, found into nz_index (fw_linear_sparse_index_ints (B,I)
 * ints) and nz_value (B·I floats), which nothing else keeps.  Above one
 * nonzero in FW_SPARSE_RATIO the dense kernels run instead.  dinp, when
 * wanted, is the dense product. ---- */
#define FW_SPARSE_RATIO 16
gsize fw_linear_sparse_index_ints (int B, int I);
void fw_linear_forward_sparse (float *out, int *nz_index, float *nz_value,
                               const float *inp, const float *w, const float *b,
                               int B, int I, int O);
void fw_linear_backward_sparse (float *dinp, float *dw, float *db,
                                int *nz_index, float *nz_value,
                                const float *dout, const float *inp, const float *w,
                                int B, int I, int O);

/* ---- conv2d 3x3 pad 1: inp (B,C,H,W) -> out (B,O,H,W); w (O,C,3,3), b (O).
 * scratch must hold fw_conv2d_scratch_floats (B,C,H,W,O) floats; forward
 * and backward may share one scratch buffer (nothing in it is kept). ---- */
gsize fw_conv2d_scratch_floats (int B, int C, int H, int W, int O);
void fw_conv2d_forward (float *out, float *scratch, const float *inp,
                        const float *w, const float *b,
                        int B, int C, int H, int W, int O);
void fw_conv2d_backward (float *dinp, float *dw, float *db, float *scratch,
                         const float *dout, const float *inp, const float *w,
                         int B, int C, int H, int W, int O);

/* ---- conv2d 3x3 pad 1 that keeps its im2col, for training: forward fills
 * col (B, Kc, H·W), Kc = C·9, which backward reads instead of rebuilding.
 * Image by image, so the output is written as (B,O,H,W) directly and the
 * images split over the current pool's threads (fw-parallel.h); with one
 * input channel (a gray first layer: Kc = 9 is too thin for sgemm) the
 * products are plain loops.  work must hold fw_conv2d_work_floats
 * (C,H,W,O) floats.  Same contracts as fw_conv2d_forward / _backward. ---- */
gsize fw_conv2d_col_floats (int C, int H, int W);   /* per image */
gsize fw_conv2d_work_floats (int C, int H, int W, int O);
void fw_conv2d_forward_col (float *out, float *col, const float *inp,
                            const float *w, const float *b,
                            int B, int C, int H, int W, int O);
void fw_conv2d_backward_col (float *dinp, float *dw, float *db, float *work,
                             const float *dout, const float *col, const float *w,
                             int B, int C, int H, int W, int O);

/* db (O) += the row sums of dout (O, HW), in a fixed order (eight running
 * sums): the bias gradient of a convolution, one image at a time */
void fw_conv2d_bias_grad (float *db, const float *dout, gsize HW, int O);

/* ---- 2x2 max-pool, stride 2, floor: inp (B,C,H,W) -> out (B,C,H/2,W/2);
 * argmax (B,C,H/2,W/2) keeps the flat index into inp of each maximum. ---- */
void fw_maxpool2_forward (float *out, int *argmax, const float *inp, int B, int C, int H, int W);
void fw_maxpool2_backward (float *dinp, const float *dout, const int *argmax, int B, int C, int H, int W);

/* ---- ReLU and 2x2 max-pool in one pass: out = maxpool(relu(inp)), which
 * is relu(maxpool(inp)); argmax as fw_maxpool2_forward's (the first maximum
 * in the order (0,0) (0,1) (1,0) (1,1), as PyTorch) where out > 0, and some
 * index of the window where out is 0 (no gradient flows there).  Backward SETS all of
 * dinp (B,C,H,W): dout at each window's argmax where out > 0, zero
 * elsewhere, so its buffer needs no zeroing.  Planes split over the
 * current pool's threads. ---- */
void fw_relu_maxpool2_forward (float *out, int *argmax, const float *inp, int B, int C, int H, int W);
void fw_relu_maxpool2_backward_set (float *dinp, const float *dout, const float *out,
                                    const int *argmax, int B, int C, int H, int W);

/* ---- a convolution (as fw_conv2d_forward_col) followed by ReLU and 2x2
 * max-pool (as fw_relu_maxpool2_forward), in one pass over each image
 * where the first layer's direct path serves (1-4 channels), and a plane
 * (backward: a block of images) at a time on the Winograd path (5 or
 * more): the output and its gradient then stay in work
 * (fw_conv2d_relu_pool_work_floats) and conv / dconv (B,O,H,W) are not
 * touched; elsewhere, and on the direct path backward with dinp, they
 * hold the convolution's output and its gradient.  The same numbers
 * either way.  With one input channel (fw_conv_nhwc_fits) argmax is not
 * written: the positions stay in col's slots, as winner codes the
 * backward reads. ---- */
gsize fw_conv2d_relu_pool_work_floats (int C, int H, int W, int O);
void fw_conv2d_relu_pool_forward (float *pooled, int *argmax, float *conv, float *col, float *work,
                                  const float *inp, const float *w, const float *b,
                                  int B, int C, int H, int W, int O);
void fw_conv2d_relu_pool_backward (float *dinp, float *dw, float *db, float *dconv, float *work,
                                   const float *dpooled, const float *pooled, const int *argmax,
                                   const float *col, const float *w,
                                   int B, int C, int H, int W, int O);

/* ---- element-wise activations over n values; backward reads the saved
 * OUTPUT (out), which is all each derivative needs. ---- */
void fw_relu_forward (float *out, const float *inp, gsize n);
void fw_relu_backward (float *dinp, const float *dout, const float *out, gsize n);
/* the one exception to "backward adds": dinp = (not +=) the gradient, for a
 * buffer that has no other contribution, so nobody has to zero it first */
void fw_relu_backward_set (float *dinp, const float *dout, const float *out, gsize n);
void fw_tanh_forward (float *out, const float *inp, gsize n);
void fw_tanh_backward (float *dinp, const float *dout, const float *out, gsize n);
void fw_sigmoid_forward (float *out, const float *inp, gsize n);
void fw_sigmoid_backward (float *dinp, const float *dout, const float *out, gsize n);

/* ---- inverted dropout: mask (n) holds 0 or 1/(1-p), drawn from *rng_state
 * (see fw-rng.h); p = 0 copies. ---- */
void fw_dropout_forward (float *out, float *mask, const float *inp, float p, gsize n,
                         guint64 *rng_state);
void fw_dropout_backward (float *dinp, const float *dout, const float *mask, gsize n);

/* ---- softmax cross-entropy: logits (B,K), targets (B) in [0,K);
 * losses (B) per row, probs (B,K).  backward: dlogits += scale·(probs − onehot),
 * scale is usually 1/B for a mean loss. ---- */
void fw_softmax_xent_forward (float *losses, float *probs, const float *logits,
                              const int *targets, int B, int K);
void fw_softmax_xent_backward (float *dlogits, const float *probs, const int *targets,
                               float scale, int B, int K);
/* plain row softmax, used where no loss is attached */
void fw_softmax_forward (float *probs, const float *logits, int B, int K);

/* ---- embedding gather, time-major: tokens (B,L) row-major ids in [0,V);
 * out (L,B,E) = table[tokens[b,t]]; table (V,E). ---- */
void fw_embedding_forward (float *out, const int *tokens, const float *table,
                           int B, int L, int E);
void fw_embedding_backward (float *dtable, const float *dout, const int *tokens,
                            int B, int L, int E);

/* ---- embedding bag, mean over the first lens[b] tokens of each row:
 * out (B,E); a row with lens[b] == 0 gives zeros. ---- */
void fw_embedding_bag_mean_forward (float *out, const int *tokens, const int *lens,
                                    const float *table, int B, int L, int E);
void fw_embedding_bag_mean_backward (float *dtable, const float *dout, const int *tokens,
                                     const int *lens, int B, int L, int E);

/* ---- GRU, one layer, PyTorch equations and gate order (r, z, n):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))     h' = (1 − z) ⊙ n + z ⊙ h
 * x (L,B,E) time-major; lens (B): steps t >= lens[b] leave h unchanged, so
 * h_all[L] is each row's state after its last real token (zeros when empty).
 * w_ih (3G,E), w_hh (3G,G), b_ih (3G), b_hh (3G).
 * Saved for backward: h_all (L+1,B,G) with h_all[0] = 0, and gates (L,B,4G)
 * holding r, z, n and (W_hn h + b_hn) of every step.
 * scratch must hold fw_gru_scratch_floats (B,L,G) floats. ---- */
gsize fw_gru_scratch_floats (int B, int L, int G);
void fw_gru_forward (float *h_all, float *gates, float *scratch,
                     const float *x, const int *lens,
                     const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                     int B, int L, int E, int G);
/* dh_last (B,G) is the gradient of the final state h_all[L]. */
void fw_gru_backward (float *dx, float *dw_ih, float *dw_hh, float *db_ih, float *db_hh,
                      float *scratch,
                      const float *dh_last, const float *h_all, const float *gates,
                      const float *x, const int *lens,
                      const float *w_ih, const float *w_hh,
                      int B, int L, int E, int G);
/* The same with dh_steps (L+1, B, G) (or NULL), the gradients of every
 * state h_all[t], as when each step's state is read (attention fusion);
 * dh_steps[0], the zero initial state's, is ignored. */
void fw_gru_backward_steps (float *dx, float *dw_ih, float *dw_hh, float *db_ih, float *db_hh,
                            float *scratch,
                            const float *dh_last, const float *dh_steps,
                            const float *h_all, const float *gates,
                            const float *x, const int *lens,
                            const float *w_ih, const float *w_hh,
                            int B, int L, int E, int G);

/* ---- flush-to-zero and denormals-are-zero for the calling thread (x86;
 * a no-op elsewhere).  Adam's moments of weights that never see a gradient
 * (always-blank pixels) decay into denormals, which are 50-100x slower. ---- */
void fw_kernels_flush_denormals (void);

/* ---- plain reference twins (fw-kernels-naive.c): straightforward loops, no
 * BLAS, same contracts; tests check the fast kernels against them. ---- */
void fw_linear_forward_naive (float *out, const float *inp, const float *w, const float *b,
                              int B, int I, int O);
void fw_linear_backward_naive (float *dinp, float *dw, float *db,
                               const float *dout, const float *inp, const float *w,
                               int B, int I, int O);
void fw_conv2d_forward_naive (float *out, const float *inp, const float *w, const float *b,
                              int B, int C, int H, int W, int O);
void fw_conv2d_backward_naive (float *dinp, float *dw, float *db,
                               const float *dout, const float *inp, const float *w,
                               int B, int C, int H, int W, int O);
void fw_relu_maxpool2_forward_naive (float *out, int *argmax, const float *inp,
                                     int B, int C, int H, int W);
void fw_relu_maxpool2_backward_set_naive (float *dinp, const float *dout, const float *out,
                                          const int *argmax, int B, int C, int H, int W);
void fw_gru_forward_naive (float *h_all, const float *x, const int *lens,
                           const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                           int B, int L, int E, int G);

G_END_DECLS
