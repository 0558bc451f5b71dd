/* nn_conv2d: convolution as im2col + GEMM (darknet), in NHWC. With channels last, an
 * output pixel's patch is K runs of K*C contiguous input floats, so im2col is K memcpys
 * per pixel and the GEMM writes the output directly in the next layer's layout. The
 * input gradient is the same machinery run on dout with the flipped weight. The _algo
 * entry points hand a 3x3 convolution to nn_winograd when the caller's algorithm says
 * so. */
#include "nn_conv2d.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn_threads.h"
#include "nn_winograd.h"

/* Threads take whole chunks of output pixels: each runs im2col into its own buffer and
 * a one-thread GEMM on it (OpenBLAS's OpenMP build does not fork inside our parallel
 * region). So a convolution is one parallel region, not two per chunk: on a busy
 * machine every fork/join waits for the slowest thread to be scheduled, and the patches
 * are consumed by the core that wrote them, from its own cache.
 *
 * A chunk's patches are bounded (a 384x384 image with 64 channels would need 340 MB for
 * its patches alone) to about 4 MiB per thread, the best of 0.5-32 MiB measured on the
 * seed net (bench/bench_kernels); at least 256 rows keep each GEMM efficient. */
#define CONV_CHUNK_FLOATS ((size_t)1 << 20)   /* 4 MiB */
#define CONV_MIN_CHUNK_ROWS ((size_t)256)

/* The widest patch a chunk holds: the forward and the weight gradient take patches of
 * the input (K*K*C), the input gradient patches of dout (K*K*OC). */
static size_t widest_patch(int C, int OC, int K)
{
    return (size_t)K * K * (C > OC ? C : OC);
}

/* Threads a convolution uses. Scratch is sized for one buffer per core, so more threads
 * than cores (nn_set_threads(16) on 2 cores) still only use that many; a tiny
 * convolution (the tests', a last layer at 2x2) runs on the calling thread. */
static int conv_threads(size_t total, int C, int OC, int K)
{
    int n = omp_get_max_threads(), cores = omp_get_num_procs();
    if (total * K * K * (size_t)C * OC < 64 * NN_PARALLEL_MIN_FLOATS)
        return 1;
    return n < cores ? n : cores;
}

size_t nn_conv2d_chunk_rows(int B, int H, int W, int C, int OC, int K)
{
    return nn_chunk_items((size_t)B * H * W, CONV_CHUNK_FLOATS, widest_patch(C, OC, K),
                          CONV_MIN_CHUNK_ROWS);
}

/* Per thread: its patches (none for K = 1: the input is its own im2col) and its partial
 * weight and bias gradients; then one flipped weight (C,K,K,OC) shared by all. */
static size_t per_thread_floats(int C, int OC, int K, size_t chunk_rows)
{
    return (K > 1 ? chunk_rows * widest_patch(C, OC, K) : 0) + (size_t)OC * K * K * C + OC;
}

size_t nn_conv2d_chunk_scratch_floats(int C, int OC, int K, size_t chunk_rows)
{
    return (size_t)omp_get_num_procs() * per_thread_floats(C, OC, K, chunk_rows) +
           (size_t)OC * K * K * C;
}

size_t nn_conv2d_scratch_floats(int B, int H, int W, int C, int OC, int K)
{
    return nn_conv2d_chunk_scratch_floats(C, OC, K, nn_conv2d_chunk_rows(B, H, W, C, OC, K));
}

nn_conv_algo nn_conv2d_algo_for(nn_conv_algo requested, int H, int W, int C, int OC, int K)
{
    if (K != 3)
        return NN_CONV_ALGO_IM2COL;
    switch (requested) {
    case NN_CONV_ALGO_WINOGRAD2:
    case NN_CONV_ALGO_WINOGRAD4:
        return requested;
    case NN_CONV_ALGO_AUTO:
        switch (nn_winograd_tile(H, W, C, OC, K)) {
        case 4: return NN_CONV_ALGO_WINOGRAD4;
        case 2: return NN_CONV_ALGO_WINOGRAD2;
        default: return NN_CONV_ALGO_IM2COL;
        }
    default:
        return NN_CONV_ALGO_IM2COL;
    }
}

const char *nn_conv_algo_name(nn_conv_algo algo)
{
    switch (algo) {
    case NN_CONV_ALGO_AUTO: return "auto";
    case NN_CONV_ALGO_IM2COL: return "im2col";
    case NN_CONV_ALGO_WINOGRAD2: return "Winograd F(2x2,3x3)";
    case NN_CONV_ALGO_WINOGRAD4: return "Winograd F(4x4,3x3)";
    }
    return "unknown";
}

/* The Winograd tile side of a resolved algorithm, 0 for im2col. */
static int winograd_side(nn_conv_algo algo)
{
    return algo == NN_CONV_ALGO_WINOGRAD4 ? 4 : algo == NN_CONV_ALGO_WINOGRAD2 ? 2 : 0;
}

size_t nn_conv2d_algo_scratch_floats(int B, int H, int W, int C, int OC, int K,
                                     nn_conv_algo algo)
{
    int m = winograd_side(nn_conv2d_algo_for(algo, H, W, C, OC, K));
    if (m == 0)
        return nn_conv2d_scratch_floats(B, H, W, C, OC, K);
    return nn_winograd_scratch_floats(C, OC, m, nn_winograd_chunk_tiles(B, H, W, C, OC, m));
}

/* n floats from src to dst. The runs im2col copies are short (K*C floats: 9 for the
 * RGB input layer), three per output pixel, and so are the bias rows of the forward
 * (OC floats, 262144 rows in the first layer): with a library memcpy call for each,
 * perf put a quarter of the first layer's forward in memmove. Fixed-size copies of 16
 * floats, then of 8 or 4 that may overlap (the last ends at n), compile to vector moves;
 * a plain loop would be turned back into a memmove call by the compiler. The paper
 * net's first layer (batch 64, 64 px, 2 threads, Emerald Rapids) went from 15.2 to
 * 13.3 ms; what is left is mostly writing its 67 MB output. */
static inline void copy_floats(float *restrict dst, const float *restrict src, size_t n)
{
    for (; n >= 16; n -= 16, dst += 16, src += 16)
        memcpy(dst, src, 16 * sizeof(float));
    if (n >= 8) {
        memcpy(dst, src, 8 * sizeof(float));
        memcpy(dst + n - 8, src + n - 8, 8 * sizeof(float));
    } else if (n >= 4) {
        memcpy(dst, src, 4 * sizeof(float));
        memcpy(dst + n - 4, src + n - 4, 4 * sizeof(float));
    } else {
        if (n > 0)
            dst[0] = src[0];
        if (n > 1)
            dst[1] = src[1];
        if (n > 2)
            dst[2] = src[2];
    }
}

/* col (rows, K*K*C): row r is the patch of output pixel p0+r (pixels numbered b,y,x),
 * laid out (ky,kx,c) like a weight row, zeros where the patch leaves the image. */
static void im2col(float *col, const float *inp, size_t p0, size_t rows,
                   int H, int W, int C, int K)
{
    const int pad = K / 2;
    const size_t kc = (size_t)K * C;
    const size_t kkc = kc * K;
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
                copy_floats(dst, src + (size_t)x0 * C, kc);
                continue;
            }
            for (int kx = 0; kx < K; kx++) {
                int ix = x0 + kx;
                if (ix < 0 || ix >= W)
                    memset(dst + (size_t)kx * C, 0, C * sizeof(float));
                else
                    copy_floats(dst + (size_t)kx * C, src + (size_t)ix * C, (size_t)C);
            }
        }
    }
}

/* The patches (rows, K*K*C) of chunk rows p0.. of src (B,H,W,C): built in col, or for
 * K = 1 src itself (a 1x1 convolution's input is its own im2col). */
static const float *chunk_patches(float *col, const float *src, size_t p0, size_t rows,
                                  int H, int W, int C, int K)
{
    if (K == 1)
        return src + p0 * C;
    im2col(col, src, p0, rows, H, W, C, K);
    return col;
}

/* wt (C,K,K,OC) = weight (OC,K,K,C) with the kernel flipped and the channel axes
 * swapped: the input gradient of a "same" convolution is then itself a "same"
 * convolution of dout with wt (each input pixel gathers the output pixels whose patches
 * read it). */
static void flip_weight(float *wt, const float *weight, int C, int OC, int K)
{
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++)
                for (int oc = 0; oc < OC; oc++)
                    wt[(((size_t)c * K + ky) * K + kx) * OC + oc] =
                        weight[(((size_t)oc * K + (K - 1 - ky)) * K + (K - 1 - kx)) * C + c];
}

/* The im2col forward of every entry point; relu = 1 applies max(x, 0) to each chunk's
 * output rows while they are still in cache, saving the ReLU a pass over the whole
 * output. */
static void conv_forward(float *out, const float *inp, const float *weight, const float *bias,
                         float *scratch, int B, int H, int W, int C, int OC, int K,
                         size_t chunk_rows, int relu)
{
    const int kkc = K * K * C, threads = conv_threads((size_t)B * H * W, C, OC, K);
    const nn_chunks ch = nn_split_chunks((size_t)B * H * W, chunk_rows, threads);
    const size_t stride = per_thread_floats(C, OC, K, chunk_rows);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long i = 0; i < ch.count; i++) {
        size_t p0, rows = nn_chunk_at(&ch, i, &p0);
        float *o = out + p0 * OC;
        /* The GEMM accumulates (beta = 1) onto the bias, written while the chunk's
         * output rows are about to be used anyway. */
        for (size_t r = 0; r < rows; r++) {
            if (bias)
                copy_floats(o + r * OC, bias, (size_t)OC);
            else
                memset(o + r * OC, 0, OC * sizeof(float));
        }
        const float *col = chunk_patches(scratch + (size_t)omp_get_thread_num() * stride,
                                         inp, p0, rows, H, W, C, K);
        /* out chunk (rows,OC) += col (rows,KKC) x weight^T (KKC,OC) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, OC, kkc,
                    1.0f, col, kkc, weight, kkc, 1.0f, o, OC);
        if (relu)
            for (size_t j = 0; j < rows * OC; j++)
                o[j] = o[j] > 0.0f ? o[j] : 0.0f;
    }
}

void nn_conv2d_forward_chunked(float *out, const float *inp, const float *weight,
                               const float *bias, float *scratch, int B, int H, int W, int C,
                               int OC, int K, size_t chunk_rows)
{
    conv_forward(out, inp, weight, bias, scratch, B, H, W, C, OC, K, chunk_rows, 0);
}

void nn_conv2d_forward(float *out, const float *inp, const float *weight, const float *bias,
                       float *scratch, int B, int H, int W, int C, int OC, int K)
{
    conv_forward(out, inp, weight, bias, scratch, B, H, W, C, OC, K,
                 nn_conv2d_chunk_rows(B, H, W, C, OC, K), 0);
}

void nn_conv2d_forward_algo(float *out, const float *inp, const float *weight,
                            const float *bias, float *scratch, int B, int H, int W, int C,
                            int OC, int K, nn_conv_algo algo, int relu)
{
    int m = winograd_side(nn_conv2d_algo_for(algo, H, W, C, OC, K));
    if (m > 0)
        nn_winograd_forward(out, inp, weight, bias, scratch, B, H, W, C, OC, m,
                            nn_winograd_chunk_tiles(B, H, W, C, OC, m), relu);
    else
        conv_forward(out, inp, weight, bias, scratch, B, H, W, C, OC, K,
                     nn_conv2d_chunk_rows(B, H, W, C, OC, K), relu);
}

/* acc (OC) += column sums of d (rows,OC). Restrict parameters, so gcc vectorises it (see
 * nn_maxpool's window_backward). */
static void add_column_sums(float *restrict acc, const float *restrict d, size_t rows, int OC)
{
    for (size_t p = 0; p < rows; p++)
        for (int o = 0; o < OC; o++)
            acc[o] += d[p * OC + o];
}

/* dbias (OC) += column sums of dout (rows,OC), in one sequential pass over dout (it is
 * the size of the layer's output; the Winograd path's, whose chunks are tiles, not rows
 * of dout). Each thread sums a fixed block of rows into its own partial; the partials
 * are added in thread order, so the result depends on the thread count only. */
static void bias_backward(float *dbias, const float *dout, size_t rows, int OC)
{
    int nth = rows * OC >= NN_PARALLEL_MIN_FLOATS ? omp_get_max_threads() : 1;
    float *partial = calloc((size_t)nth * OC, sizeof(float));
    if (!partial)
        nth = 1;   /* too little memory for 2 KB: sum on this thread, straight into dbias */
#pragma omp parallel num_threads(nth)
    {
        int t = omp_get_thread_num(), n = omp_get_num_threads();
        size_t lo = rows * t / n, hi = rows * (t + 1) / n;
        add_column_sums(partial ? partial + (size_t)t * OC : dbias, dout + lo * OC, hi - lo,
                        OC);
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
    const int kkc = K * K * C, kkoc = K * K * OC;
    const int threads = conv_threads((size_t)B * H * W, C, OC, K);
    const nn_chunks ch = nn_split_chunks((size_t)B * H * W, chunk_rows, threads);
    const size_t stride = per_thread_floats(C, OC, K, chunk_rows);
    const size_t n_weight = (size_t)OC * kkc;
    const size_t dw_offset = K > 1 ? chunk_rows * widest_patch(C, OC, K) : 0;
    float *wt = scratch + (size_t)omp_get_num_procs() * stride;
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *col = scratch + (size_t)t * stride;
        float *dw = col + dw_offset, *db = dw + n_weight;
        memset(dw, 0, (n_weight + OC) * sizeof(float));

        /* Each thread sums its chunks' weight gradients in its own dw (OC,KKC), and their
         * bias gradients in its db (OC) while the GEMM has just brought the chunk's dout
         * into cache: a pass of its own over dout (67 MB on the seed net's first layer)
         * cost the first layer's backward 2-4 ms a step at 64x64. */
#pragma omp for schedule(static)
        for (long i = 0; i < ch.count; i++) {
            size_t p0, rows = nn_chunk_at(&ch, i, &p0);
            const float *patches = chunk_patches(col, inp, p0, rows, H, W, C, K);
            /* dw (OC,KKC) += dout^T (OC,rows) x col (rows,KKC) */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, kkc, (int)rows,
                        1.0f, dout + p0 * OC, OC, patches, kkc, 1.0f, dw, kkc);
            if (dbias)
                add_column_sums(db, dout + p0 * OC, rows, OC);
        }

        /* The input gradient as a convolution of dout (darknet's dcol = W^T dout then
         * col2im would write a K*K*C-wide dcol with a GEMM whose inner dimension is only
         * OC, and scatter it back; this GEMM's inner dimension is K*K*OC and it writes
         * dinp directly, each chunk's rows by one thread). */
        if (dinp) {
#pragma omp single
            flip_weight(wt, weight, C, OC, K);
#pragma omp for schedule(static)
            for (long i = 0; i < ch.count; i++) {
                size_t p0, rows = nn_chunk_at(&ch, i, &p0);
                const float *patches = chunk_patches(col, dout, p0, rows, H, W, OC, K);
                /* dinp chunk (rows,C) += dout patches (rows,KKOC) x wt^T (KKOC,C) */
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, C, kkoc,
                            1.0f, patches, kkoc, wt, kkoc, 1.0f, dinp + p0 * C, C);
            }
        }

        /* dweight and dbias += the threads' partials, added in thread order (the loop
         * above ends in a barrier, so every partial is complete); static schedules, so
         * the result depends on the thread count and the chunk size only. */
#pragma omp for schedule(static)
        for (size_t j = 0; j < n_weight + (dbias ? OC : 0); j++) {
            float sum = 0.0f;
            for (int u = 0; u < nt; u++)
                sum += scratch[(size_t)u * stride + dw_offset + j];
            if (j < n_weight)
                dweight[j] += sum;
            else
                dbias[j - n_weight] += sum;
        }
    }
}

void nn_conv2d_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                        const float *inp, const float *weight, float *scratch,
                        int B, int H, int W, int C, int OC, int K)
{
    nn_conv2d_backward_chunked(dinp, dweight, dbias, dout, inp, weight, scratch,
                               B, H, W, C, OC, K, nn_conv2d_chunk_rows(B, H, W, C, OC, K));
}

void nn_conv2d_backward_algo(float *dinp, float *dweight, float *dbias, const float *dout,
                             const float *inp, const float *weight, float *scratch,
                             int B, int H, int W, int C, int OC, int K, nn_conv_algo algo)
{
    int m = winograd_side(nn_conv2d_algo_for(algo, H, W, C, OC, K));
    if (m == 0) {
        nn_conv2d_backward(dinp, dweight, dbias, dout, inp, weight, scratch,
                           B, H, W, C, OC, K);
        return;
    }
    if (dbias)
        bias_backward(dbias, dout, (size_t)B * H * W, OC);
    nn_winograd_backward(dinp, dweight, dout, inp, weight, scratch, B, H, W, C, OC, m,
                         nn_winograd_chunk_tiles(B, H, W, C, OC, m));
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
