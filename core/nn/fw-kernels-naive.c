/* fw-kernels-naive.c — plain-loop reference twins of the BLAS-backed kernels,
 * written straight from the equations in fw-kernels.h so the tests have
 * something obviously right to compare against.  Never used for speed. */
#include "fw-kernels.h"

#include <math.h>
#include <string.h>

void
fw_linear_forward_naive (float *out, const float *inp, const float *w, const float *b,
                         int B, int I, int O)
{
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      {
        float s = b != NULL ? b[o] : 0.0f;
        for (int i = 0; i < I; i++)
          s += inp[n * I + i] * w[o * I + i];
        out[n * O + o] = s;
      }
}

void
fw_linear_backward_naive (float *dinp, float *dw, float *db,
                          const float *dout, const float *inp, const float *w,
                          int B, int I, int O)
{
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      {
        float d = dout[n * O + o];
        for (int i = 0; i < I; i++)
          {
            if (dinp != NULL)
              dinp[n * I + i] += d * w[o * I + i];
            if (dw != NULL)
              dw[o * I + i] += d * inp[n * I + i];
          }
        if (db != NULL)
          db[o] += d;
      }
}

void
fw_conv2d_forward_naive (float *out, const float *inp, const float *w, const float *b,
                         int B, int C, int H, int W, int O)
{
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            float s = b != NULL ? b[o] : 0.0f;
            for (int c = 0; c < C; c++)
              for (int ky = 0; ky < FW_CONV_K; ky++)
                for (int kx = 0; kx < FW_CONV_K; kx++)
                  {
                    int iy = y + ky - FW_CONV_PAD, ix = x + kx - FW_CONV_PAD;
                    if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                      continue;
                    s += inp[((n * C + c) * H + iy) * W + ix]
                         * w[((o * C + c) * FW_CONV_K + ky) * FW_CONV_K + kx];
                  }
            out[((n * O + o) * H + y) * W + x] = s;
          }
}

void
fw_conv2d_backward_naive (float *dinp, float *dw, float *db,
                          const float *dout, const float *inp, const float *w,
                          int B, int C, int H, int W, int O)
{
  for (int n = 0; n < B; n++)
    for (int o = 0; o < O; o++)
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          {
            float d = dout[((n * O + o) * H + y) * W + x];
            if (db != NULL)
              db[o] += d;
            for (int c = 0; c < C; c++)
              for (int ky = 0; ky < FW_CONV_K; ky++)
                for (int kx = 0; kx < FW_CONV_K; kx++)
                  {
                    int iy = y + ky - FW_CONV_PAD, ix = x + kx - FW_CONV_PAD;
                    if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                      continue;
                    int ii = ((n * C + c) * H + iy) * W + ix;
                    int wi = ((o * C + c) * FW_CONV_K + ky) * FW_CONV_K + kx;
                    if (dinp != NULL)
                      dinp[ii] += d * w[wi];
                    if (dw != NULL)
                      dw[wi] += d * inp[ii];
                  }
          }
}

void
fw_relu_maxpool2_forward_naive (float *out, int *argmax, const float *inp,
                                int B, int C, int H, int W)
{
  int Ho = H / 2, Wo = W / 2;
  for (int p = 0; p < B * C; p++)
    for (int y = 0; y < Ho; y++)
      for (int x = 0; x < Wo; x++)
        {
          int best = -1;
          float m = 0.0f;
          for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
              {
                int i = (p * H + 2 * y + dy) * W + 2 * x + dx;
                float v = inp[i] > 0.0f ? inp[i] : 0.0f;   /* ReLU first */
                if (best < 0 || v > m)
                  {
                    best = i;
                    m = v;
                  }
              }
          out[(p * Ho + y) * Wo + x] = m;
          argmax[(p * Ho + y) * Wo + x] = best;
        }
}

void
fw_relu_maxpool2_backward_set_naive (float *dinp, const float *dout, const float *out,
                                     const int *argmax, int B, int C, int H, int W)
{
  int n = B * C * (H / 2) * (W / 2);
  for (int i = 0; i < B * C * H * W; i++)
    dinp[i] = 0.0f;
  for (int i = 0; i < n; i++)   /* ReLU's derivative is 0 where its output is 0 */
    if (out[i] > 0.0f)
      dinp[argmax[i]] += dout[i];
}

static float
fw_sigmoid_naive (float v)
{
  return 1.0f / (1.0f + expf (-v));
}

void
fw_gru_forward_naive (float *h_all, const float *x, const int *lens,
                      const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                      int B, int L, int E, int G)
{
  memset (h_all, 0, (gsize) B * G * sizeof (float));
  for (int t = 0; t < L; t++)
    for (int n = 0; n < B; n++)
      {
        const float *xt = x + (t * B + n) * E;
        const float *h = h_all + (t * B + n) * G;
        float *hnext = h_all + ((t + 1) * B + n) * G;
        if (lens != NULL && t >= lens[n])
          {
            memcpy (hnext, h, (gsize) G * sizeof (float));
            continue;
          }
        for (int g = 0; g < G; g++)
          {
            /* gi[k], gh[k]: input and hidden pre-activations of gate k (r, z, n) */
            float gi[3], gh[3];
            for (int k = 0; k < 3; k++)
              {
                int row = k * G + g;
                gi[k] = b_ih != NULL ? b_ih[row] : 0.0f;
                gh[k] = b_hh != NULL ? b_hh[row] : 0.0f;
                for (int e = 0; e < E; e++)
                  gi[k] += w_ih[row * E + e] * xt[e];
                for (int j = 0; j < G; j++)
                  gh[k] += w_hh[row * G + j] * h[j];
              }
            float r = fw_sigmoid_naive (gi[0] + gh[0]);
            float z = fw_sigmoid_naive (gi[1] + gh[1]);
            float nn = tanhf (gi[2] + r * gh[2]);
            hnext[g] = (1.0f - z) * nn + z * h[g];
          }
      }
}
