/* nn_conv2d: convolution as im2col + GEMM (darknet), in NHWC. With channels last, an
 * output pixel's patch is K runs of K*C contiguous input floats, so im2col is K memcpys
 * per pixel and the GEMM writes the output directly in the next layer's layout. */
#include "nn_conv2d.h"

#include <cblas.h>
#include <string.h>

/* The im2col buffer is bounded (a 384x384 image with 64 channels would need 340 MB for
 * its patches alone), but a chunk keeps enough rows that the GEMM stays efficient. */
#define CONV_SCRATCH_FLOATS ((size_t)4 << 20)   /* 16 MiB */
#define CONV_MIN_CHUNK_ROWS ((size_t)512)

size_t nn_conv2d_chunk_rows(int B, int H, int W, int C, int OC, int K)
{
    size_t total = (size_t)B * H * W;
    size_t kkc = (size_t)K * K * C;
    size_t rows = CONV_SCRATCH_FLOATS / kkc;
    if (rows < CONV_MIN_CHUNK_ROWS)
        rows = CONV_MIN_CHUNK_ROWS;
    if (rows > total)
        rows = total;
    return rows > 0 ? rows : 1;
}

size_t nn_conv2d_scratch_floats(int B, int H, int W, int C, int OC, int K)
{
    if (K == 1)
        return 0;
    return nn_conv2d_chunk_rows(B, H, W, C, OC, K) * K * K * C;
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

/* dinp (B,H,W,C) += the patches' gradients dcol (rows, K*K*C) of output pixels
 * [p0, p0+rows). Written as a gather over input pixels (each sums the patch entries that
 * read it) so threads never write the same float and the order of the sums is fixed. */
static void col2im(float *dinp, const float *dcol, size_t p0, size_t rows,
                   int B, int H, int W, int C, int K)
{
    const int pad = K / 2;
    const size_t kkc = (size_t)K * K * C;
    const size_t total = (size_t)B * H * W;
    const size_t reach = (size_t)pad * W + pad;   /* farthest input pixel from a patch centre */
    size_t q0 = p0 > reach ? p0 - reach : 0;
    size_t q1 = p0 + rows + reach < total ? p0 + rows + reach : total;
#pragma omp parallel for schedule(static)
    for (size_t q = q0; q < q1; q++) {
        int ix = (int)(q % W);
        int iy = (int)(q / W % H);
        size_t img = q / W / H * H * W;
        float *d = dinp + q * C;
        for (int ky = 0; ky < K; ky++) {
            int oy = iy - ky + pad;
            if (oy < 0 || oy >= H)
                continue;
            for (int kx = 0; kx < K; kx++) {
                int ox = ix - kx + pad;
                if (ox < 0 || ox >= W)
                    continue;
                size_t p = img + (size_t)oy * W + ox;
                if (p < p0 || p >= p0 + rows)
                    continue;
                const float *s = dcol + (p - p0) * kkc + ((size_t)ky * K + kx) * C;
                for (int c = 0; c < C; c++)
                    d[c] += s[c];
            }
        }
    }
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

/* dbias (OC) += column sums of dout (rows,OC). Each thread owns a 16-float block of
 * columns (one cache line), so the sums need no reduction and their order is fixed. */
static void bias_backward(float *dbias, const float *dout, size_t rows, int OC)
{
    enum { BLOCK = 16 };
#pragma omp parallel for schedule(static)
    for (int o0 = 0; o0 < OC; o0 += BLOCK) {
        int n = OC - o0 < BLOCK ? OC - o0 : BLOCK;
        float acc[BLOCK] = { 0 };
        for (size_t p = 0; p < rows; p++) {
            const float *d = dout + p * OC + o0;
            for (int j = 0; j < n; j++)
                acc[j] += d[j];
        }
        for (int j = 0; j < n; j++)
            dbias[o0 + j] += acc[j];
    }
}

void nn_conv2d_backward_chunked(float *dinp, float *dweight, float *dbias, const float *dout,
                                const float *inp, const float *weight, float *scratch,
                                int B, int H, int W, int C, int OC, int K, size_t chunk_rows)
{
    const size_t total = (size_t)B * H * W;
    const int kkc = K * K * C;
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
    for (size_t p0 = 0; p0 < total; p0 += chunk_rows) {
        size_t rows = total - p0 < chunk_rows ? total - p0 : chunk_rows;
        const float *dout_chunk = dout + p0 * OC;
        im2col(scratch, inp, p0, rows, H, W, C, K);
        /* dweight (OC,KKC) += dout^T (OC,rows) x col (rows,KKC) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, kkc, (int)rows,
                    1.0f, dout_chunk, OC, scratch, kkc, 1.0f, dweight, kkc);
        if (!dinp)
            continue;
        /* dcol (rows,KKC) = dout (rows,OC) x weight (OC,KKC), reusing the col buffer */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, kkc, OC,
                    1.0f, dout_chunk, OC, weight, kkc, 0.0f, scratch, kkc);
        col2im(dinp, scratch, p0, rows, B, H, W, C, K);
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
