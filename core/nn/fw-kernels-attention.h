/* fw-kernels-attention.h — the kernels of Transformer blocks and attention
 * fusion: layer norm, exact GELU and masked multi-head scaled dot-product
 * attention, forward and backward.  The conventions of fw-kernels.h hold
 * (outputs first; every backward ADDS into its gradients; NULL for an
 * unwanted gradient; PyTorch's layouts and equations).  The projections
 * around attention (q, k, v in, out) are ordinary fw_linear_* calls made
 * by the model, so these kernels see q, k and v already projected.
 *
 * Shape key: N rows, D features, B batch, Lq query tokens, Lk key tokens,
 * nh heads, D = nh · hd with head h owning features [h·hd, (h+1)·hd) (as
 * nn.MultiheadAttention).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- layer norm over the last D features of N rows, PyTorch's
 * nn.LayerNorm (biased variance, eps inside the square root):
 *   out = (inp − mean) / sqrt(var + eps) · gamma + beta
 * Saved for backward: mean (N) and rstd (N) = 1 / sqrt(var + eps). ---- */
#define FW_LAYERNORM_EPS 1e-5f
void fw_layernorm_forward (float *out, float *mean, float *rstd,
                           const float *inp, const float *gamma, const float *beta,
                           int N, int D);
void fw_layernorm_backward (float *dinp, float *dgamma, float *dbeta,
                            const float *dout, const float *inp,
                            const float *mean, const float *rstd, const float *gamma,
                            int N, int D);

/* ---- exact GELU, out = x · Φ(x) = 0.5 x (1 + erf(x / √2)), as
 * nn.GELU() (approximate="none"), to float precision (value and
 * derivative within 2e-6 everywhere); backward reads the saved INPUT. ---- */
void fw_gelu_forward (float *out, const float *inp, gsize n);
void fw_gelu_backward (float *dinp, const float *dout, const float *inp, gsize n);

/* ---- masked multi-head scaled dot-product attention, batch-first:
 *   att[b,h,i,j] = softmax_j (q[b,i,h] · k[b,j,h] / sqrt(hd))  over j < key_lens[b]
 *   out[b,i,h]   = Σ_j att[b,h,i,j] · v[b,j,h]
 * q (B,Lq,D), k and v (B,Lk,D), out (B,Lq,D); att (B,nh,Lq,Lk) is saved
 * for backward and is what the attention maps show.  key_lens (B) masks
 * keys j >= key_lens[b] (their att is exactly 0); NULL means every key is
 * real.  A row with key_lens[b] == 0 has nothing to attend to: its att
 * and out are all zeros (PyTorch would give NaN; the model never lets
 * that reach its outputs).  Query rows are never masked: padded queries
 * get outputs too, which the model's masked mean then ignores.
 * scratch holds fw_attention_scratch_floats (B, Lq, Lk, nh) floats. ---- */
gsize fw_attention_scratch_floats (int B, int Lq, int Lk, int nh);
void fw_attention_forward (float *out, float *att,
                           const float *q, const float *k, const float *v, const int *key_lens,
                           int B, int Lq, int Lk, int nh, int D);
void fw_attention_backward (float *dq, float *dk, float *dv, float *scratch,
                            const float *dout, const float *att,
                            const float *q, const float *k, const float *v, const int *key_lens,
                            int B, int Lq, int Lk, int nh, int D);

/* ---- masked mean over tokens: out[b] = mean of inp[b, t] for t < lens[b]
 * (lens NULL: all L); a row with lens[b] == 0 gives zeros.
 * inp (B,L,D) -> out (B,D). ---- */
void fw_masked_mean_forward (float *out, const float *inp, const int *lens, int B, int L, int D);
void fw_masked_mean_backward (float *dinp, const float *dout, const int *lens, int B, int L, int D);

/* ---- plain twins (fw-kernels-attention-naive.c), for the tests ---- */
void fw_layernorm_forward_naive (float *out, float *mean, float *rstd,
                                 const float *inp, const float *gamma, const float *beta,
                                 int N, int D);
void fw_attention_forward_naive (float *out, float *att,
                                 const float *q, const float *k, const float *v, const int *key_lens,
                                 int B, int Lq, int Lk, int nh, int D);
void fw_attention_backward_naive (float *dq, float *dk, float *dv,
                                  const float *dout, const float *att,
                                  const float *q, const float *k, const float *v, const int *key_lens,
                                  int B, int Lq, int Lk, int nh, int D);

G_END_DECLS
