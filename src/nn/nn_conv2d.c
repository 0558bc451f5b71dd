/* nn_conv2d: convolution as im2col + GEMM (darknet), in NHWC. With channels last, an
 * output pixel's patch is K runs of K*C contiguous input floats, so im2col is K memcpys
 * per pixel and the GEMM writes the output directly in the next layer's layout. The
 * input gradient is the same machinery run on dout with the flipped weight. */
#include "nn_conv2d.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* The im2col buffer is bounded (a 384x384 image with 64 channels would need 340 MB for
 * its patches alone). 4 MiB measured best on the seed net (bench/bench_kernels, 2-4 MiB
 * chunks vs 16 MiB: -25% time on c64 at 32x32): the patches are still in cache when the
 * GEMM packs them. At least 256 rows keep the GEMM's row dimension efficient. */
#define CONV_SCRATCH_FLOATS ((size_t)1 << 20)   /* 4 MiB */
#define CONV_MIN_CHUNK_ROWS ((size_t)256)

/* The widest patch a chunk holds: the forward and the weight gradient take patches of
 * the input (K*K*C), the input gradient patches of dout (K*K*OC). */
static size_t widest_patch(int C, int OC, int K)
{
    return (size_t)K * K * (C > OC ? C : OC);
}

size_t nn_conv2d_chunk_rows(int B, int H, int W, int C, int OC, int K)
{
    size_t total = (size_t)B * H * W;
    size_t rows = CONV_SCRATCH_FLOATS / widest_patch(C, OC, K);
    if (rows < CONV_MIN_CHUNK_ROWS)
        rows = CONV_MIN_CHUNK_ROWS;
    if (rows > total)
        rows = total;
    return rows > 0 ? rows : 1;
}

size_t nn_conv2d_chunk_scratch_floats(int C, int OC, int K, size_t chunk_rows)
{
    if (K == 1)
        return 0;
    /* the patches of one chunk, then the flipped weight of the input gradient */
    return chunk_rows * widest_patch(C, OC, K) + (size_t)OC * K * K * C;
}

size_t nn_conv2d_scratch_floats(int B, int H, int W, int C, int OC, int K)
{
    return nn_conv2d_chunk_scratch_floats(C, OC, K, nn_conv2d_chunk_rows(B, H, W, C, OC, K));
}

/* col (rows, K*K*C): row r is the patch of output pixel p0+r (pixels numbered b,y,x),
 * laid out (ky,kx,c) like a weight row, zeros where the patch leaves the image. */
static void im2col(float *col, const float *inp, size_t p0, size_t rows,
                   int H, int W, int C, int K)
{
    const int pad = K / 2;
    const size_t kc = (size_t)K * C;
    const size_t kkc = kc * K;
#pragma omp parallel for schedule(static)
    for (size_t r = 0; r < rows; r++) {
        size_t p = p0 + r;
        int x = (int)(p % W);
        int y = (int)(p / W % H);
        size_t b = p / W / H;
        const float *img = inp + b * H * W * C;
        float *dst = col + r * kkc;
        int x0 = x - pad;
        for (int ky = 0; ky < K; ky++, dst += kc) {
            int iy = y + ky - pad;
            if (iy < 0 || iy >= H) {
                memset(dst, 0, kc * sizeof(float));
                continue;
            }
            const float *src = img + (size_t)iy * W * C;
            if (x0 >= 0 && x0 + K <= W) {
                memcpy(dst, src + (size_t)x0 * C, kc * sizeof(float));
                continue;
            }
            for (int kx = 0; kx < K; kx++) {
                int ix = x0 + kx;
                if (ix < 0 || ix >= W)
                    memset(dst + (size_t)kx * C, 0, C * sizeof(float));
                else
                    memcpy(dst + (size_t)kx * C, src + (size_t)ix * C, C * sizeof(float));
            }
        }
    }
}

/* wt (C,K,K,OC) = weight (OC,K,K,C) with the kernel flipped and the channel axes
 * swapped: the input gradient of a "same" convolution is then itself a "same"
 * convolution of dout with wt (each input pixel gathers the output pixels whose patches
 * read it). */
static void flip_weight(float *wt, const float *weight, int C, int OC, int K)
{
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++)
                for (int oc = 0; oc < OC; oc++)
                    wt[(((size_t)c * K + ky) * K + kx) * OC + oc] =
                        weight[(((size_t)oc * K + (K - 1 - ky)) * K + (K - 1 - kx)) * C + c];
}

void nn_conv2d_forward_chunked(float *out, const float *inp, const float *weight,
                               const float *bias, float *scratch, int B, int H, int W, int C,
                               int OC, int K, size_t chunk_rows)
{
    const size_t total = (size_t)B * H * W;
    const int kkc = K * K * C;
    /* The GEMMs accumulate (beta = 1) onto the bias, so the bias costs no extra pass. */
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < total; p++) {
        if (bias)
            memcpy(out + p * OC, bias, OC * sizeof(float));
        else
            memset(out + p * OC, 0, OC * sizeof(float));
    }
    if (K == 1) {
        /* out (BHW,OC) += inp (BHW,C) x weight^T (C,OC): the input is its own im2col. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)total, OC, C,
                    1.0f, inp, C, weight, C, 1.0f, out, OC);
        return;
    }
    for (size_t p0 = 0; p0 < total; p0 += chunk_rows) {
        size_t rows = total - p0 < chunk_rows ? total - p0 : chunk_rows;
        im2col(scratch, inp, p0, rows, H, W, C, K);
        /* out chunk (rows,OC) += col (rows,KKC) x weight^T (KKC,OC) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, OC, kkc,
                    1.0f, scratch, kkc, weight, kkc, 1.0f, out + p0 * OC, OC);
    }
}

void nn_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                       float *scratch, int B, int H, int W, int C, int OC, int K)
{
    nn_conv2d_forward_chunked(out, inp, weight, bias, scratch, B, H, W, C, OC, K,
                              nn_conv2d_chunk_rows(B, H, W, C, OC, K));
}

/* dbias (OC) += column sums of dout (rows,OC), in one sequential pass over dout (it is
 * the size of the layer's output, up to 67 MB on the seed net's first layer). Each thread
 * sums a fixed block of rows into its own partial; the partials are added in thread
 * order, so the result depends on the thread count only. */
static void bias_backward(float *dbias, const float *dout, size_t rows, int OC)
{
    int nth = omp_get_max_threads();
    float *partial = calloc((size_t)nth * OC, sizeof(float));
    if (!partial)
        nth = 1;   /* too little memory for 2 KB: sum on this thread, straight into dbias */
#pragma omp parallel num_threads(nth)
    {
        int t = omp_get_thread_num(), n = omp_get_num_threads();
        float *restrict acc = partial ? partial + (size_t)t * OC : dbias;
        for (size_t p = rows * t / n; p < rows * (t + 1) / n; p++) {
            const float *restrict d = dout + p * OC;
            for (int o = 0; o < OC; o++)
                acc[o] += d[o];
        }
    }
    if (partial) {
        for (int t = 0; t < nth; t++)
            for (int o = 0; o < OC; o++)
                dbias[o] += partial[(size_t)t * OC + o];
        free(partial);
    }
}

void nn_conv2d_backward_chunked(float *dinp, float *dweight, float *dbias, const float *dout,
                                const float *inp, const float *weight, float *scratch,
                                int B, int H, int W, int C, int OC, int K, size_t chunk_rows)
{
    const size_t total = (size_t)B * H * W;
    const int kkc = K * K * C, kkoc = K * K * OC;
    if (dbias)
        bias_backward(dbias, dout, total, OC);
    if (K == 1) {
        /* dweight (OC,C) += dout^T (OC,BHW) x inp (BHW,C) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, (int)total,
                    1.0f, dout, OC, inp, C, 1.0f, dweight, C);
        /* dinp (BHW,C) += dout (BHW,OC) x weight (OC,C) */
        if (dinp)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)total, C, OC,
                        1.0f, dout, OC, weight, C, 1.0f, dinp, C);
        return;
    }
    float *col = scratch;
    for (size_t p0 = 0; p0 < total; p0 += chunk_rows) {
        size_t rows = total - p0 < chunk_rows ? total - p0 : chunk_rows;
        im2col(col, inp, p0, rows, H, W, C, K);
        /* dweight (OC,KKC) += dout^T (OC,rows) x col (rows,KKC) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, kkc, (int)rows,
                    1.0f, dout + p0 * OC, OC, col, kkc, 1.0f, dweight, kkc);
    }
    if (!dinp)
        return;
    /* The input gradient as a convolution of dout (darknet's dcol = W^T dout then col2im
     * would write a K*K*C-wide dcol with a GEMM whose inner dimension is only OC, and
     * scatter it back; this GEMM has inner dimension K*K*OC and writes dinp directly). */
    float *wt = scratch + chunk_rows * widest_patch(C, OC, K);
    flip_weight(wt, weight, C, OC, K);
    for (size_t p0 = 0; p0 < total; p0 += chunk_rows) {
        size_t rows = total - p0 < chunk_rows ? total - p0 : chunk_rows;
        im2col(col, dout, p0, rows, H, W, OC, K);
        /* dinp chunk (rows,C) += dout patches (rows,KKOC) x wt^T (KKOC,C) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, C, kkoc,
                    1.0f, col, kkoc, wt, kkoc, 1.0f, dinp + p0 * C, C);
    }
}

void nn_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, float *scratch,
                        int B, int H, int W, int C, int OC, int K)
{
    nn_conv2d_backward_chunked(dinp, dweight, dbias, dout, inp, weight, scratch,
                               B, H, W, C, OC, K, nn_conv2d_chunk_rows(B, H, W, C, OC, K));
}

/* The reference: the definition of a "same" convolution, one multiply-add at a time. */
void nn_conv2d_forward_naive(float *out, const float *inp, const float *weight,
                             const float *bias, int B, int H, int W, int C, int OC, int K)
{
    const int pad = K / 2;
    for (int b = 0; b < B; b++)
    for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
    for (int oc = 0; oc < OC; oc++) {
        float sum = bias ? bias[oc] : 0.0f;
        for (int ky = 0; ky < K; ky++)
        for (int kx = 0; kx < K; kx++) {
            int iy = y + ky - pad, ix = x + kx - pad;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                continue;
            const float *in = inp + (((size_t)b * H + iy) * W + ix) * C;
            const float *w = weight + (((size_t)oc * K + ky) * K + kx) * C;
            for (int c = 0; c < C; c++)
                sum += in[c] * w[c];
        }
        out[(((size_t)b * H + y) * W + x) * OC + oc] = sum;
    }
}

void nn_conv2d_backward_naive(float *dinp, float *dweight, float *dbias, const float *dout,
                              const float *inp, const float *weight,
                              int B, int H, int W, int C, int OC, int K)
{
    const int pad = K / 2;
    for (int b = 0; b < B; b++)
    for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
    for (int oc = 0; oc < OC; oc++) {
        float d = dout[(((size_t)b * H + y) * W + x) * OC + oc];
        if (dbias)
            dbias[oc] += d;
        for (int ky = 0; ky < K; ky++)
        for (int kx = 0; kx < K; kx++) {
            int iy = y + ky - pad, ix = x + kx - pad;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                continue;
            size_t i = (((size_t)b * H + iy) * W + ix) * C;
            size_t w = (((size_t)oc * K + ky) * K + kx) * C;
            for (int c = 0; c < C; c++) {
                dweight[w + c] += inp[i + c] * d;
                if (dinp)
                    dinp[i + c] += weight[w + c] * d;
            }
        }
    }
}
