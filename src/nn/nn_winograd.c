/* nn_winograd: 3x3 convolutions in Winograd's transformed domain. An output tile of
 * m x m pixels needs (m+2)^2 multiplies per (C, OC) pair there instead of 9 m^2 directly
 * (F(4x4,3x3): 36 vs 144, F(2x2,3x3): 16 vs 36); the GEMMs are the same size otherwise.
 *
 * Notation (Lavin & Gray 2016): a = m + 2 points per side, a2 = a * a transform points.
 *   forward    Y = A^T [ (G g G^T) . (B^T d B) ] A          for each tile, summed over C
 *   dweight    dg = G^T [ sum over tiles (A dY A^T) . (B^T d B) ] G
 *   dinput     a forward of dY with the kernel turned 180 degrees and C/OC swapped
 * With NHWC every pixel is a contiguous channel vector, so each transform is a few
 * vector adds of whole channel rows (the compiler vectorises the channel loop), and the
 * transformed tiles are stored (tile, point, channel): for point p the (tiles x C) matrix
 * starts at p*C with leading dimension a2*C, and one GEMM per point multiplies it by the
 * transformed weight (C x OC) of that point.
 *
 * Accuracy (tests/nn/test_winograd.c): the transforms scale terms by up to 8 (A^T's
 * points +-2) and 1/24 (G) before the GEMM sums them, so float32 rounding is larger than
 * a direct sum's: max|err|/max|out| ~1e-7 direct, up to 8e-7 for F(2x2), 5e-6 for
 * F(4x4) on the test shapes; one training step of the paper network differs from im2col
 * by <= 1e-5 per gradient tensor. Harmless for training, and each teacher-forced step
 * of test_parity matches PyTorch with it; but ten free-running Adam steps amplify it
 * chaotically, so the Adam case of the paper network there runs im2col
 * (nn_model_set_conv_algorithm). */
#include "nn_winograd.h"

#include <cblas.h>
#include <omp.h>
#include <string.h>

#include "nn_threads.h"

#define WINO_MAX_A 6

/* A chunk's transformed input and output tiles are about this many floats per thread
 * (the existing im2col path uses the same 4 MiB), but at least WINO_MIN_CHUNK_TILES
 * tiles: the GEMMs' row count, below which OpenBLAS's kernels lose efficiency. */
#define WINO_CHUNK_FLOATS ((size_t)1 << 20)
#define WINO_MIN_CHUNK_TILES ((size_t)64)

int nn_winograd_tile(int H, int W, int C, int OC, int K)
{
    /* The input transform costs ~a2 * 4 adds per input channel and tile, the output
     * transform as much per output channel; the GEMMs save (9 m^2 - a2) * C * OC
     * multiply-adds. With C = 3 (an RGB input layer) the GEMM is too thin for the
     * savings to pay for the transforms: im2col (measured, bench/RESULTS.md "Profile"). */
    if (K != 3 || C < 16 || OC < 16)
        return 0;
    (void)H, (void)W;
    return 4;
}

static size_t max_channels(int C, int OC)
{
    return (size_t)(C > OC ? C : OC);
}

size_t nn_winograd_chunk_tiles(int B, int H, int W, int C, int OC, int m)
{
    const size_t a = (size_t)m + 2;
    size_t total = (size_t)B * ((H + m - 1) / m) * ((W + m - 1) / m);
    return nn_chunk_items(total, WINO_CHUNK_FLOATS, a * a * ((size_t)C + OC),
                          WINO_MIN_CHUNK_TILES);
}

/* Per thread: the chunk's transformed inputs (tiles, a2, Cin) and outputs (tiles, a2,
 * Cout); two a2-vector temporaries of the widest channel count and a zero vector (the
 * padding); and a private weight-gradient partial (a2, OC, C). */
static size_t per_thread_floats(int C, int OC, int m, size_t chunk_tiles)
{
    const size_t a2 = (size_t)(m + 2) * (m + 2), mc = max_channels(C, OC);
    return chunk_tiles * a2 * ((size_t)C + OC) + 2 * a2 * mc + mc + a2 * C * OC;
}

/* One buffer set per core, then the transformed weight (a2, OC, C) shared by all. */
size_t nn_winograd_scratch_floats(int C, int OC, int m, size_t chunk_tiles)
{
    const size_t a2 = (size_t)(m + 2) * (m + 2);
    return (size_t)omp_get_num_procs() * per_thread_floats(C, OC, m, chunk_tiles) +
           a2 * C * OC;
}

/* ---- 1-D transforms of channel vectors -----------------------------------------------
 * Each maps a column of tile points (pointers to n-float channel vectors) to another;
 * the 2-D transforms apply them along rows, then along columns. */

/* The loops take their vectors as restrict parameters: GCC 12 does not vectorise a loop
 * over restrict-qualified locals (it gives up on the possible aliasing), so each 1-D
 * transform is a kernel with its pointers spelled out, called through the arrays. */

/* o = B^T d: a inputs -> a points */
static void bt2_kernel(float *restrict o0, float *restrict o1, float *restrict o2,
                       float *restrict o3, const float *restrict d0, const float *restrict d1,
                       const float *restrict d2, const float *restrict d3, int n)
{
    for (int c = 0; c < n; c++) {
        o0[c] = d0[c] - d2[c];
        o1[c] = d1[c] + d2[c];
        o2[c] = d2[c] - d1[c];
        o3[c] = d1[c] - d3[c];
    }
}

static void bt4_kernel(float *restrict o0, float *restrict o1, float *restrict o2,
                       float *restrict o3, float *restrict o4, float *restrict o5,
                       const float *restrict d0, const float *restrict d1,
                       const float *restrict d2, const float *restrict d3,
                       const float *restrict d4, const float *restrict d5, int n)
{
    for (int c = 0; c < n; c++) {
        float t1 = d4[c] - 4.0f * d2[c], t2 = d3[c] - 4.0f * d1[c];
        float t3 = d4[c] - d2[c], t4 = 2.0f * (d3[c] - d1[c]);
        o0[c] = 4.0f * d0[c] - 5.0f * d2[c] + d4[c];
        o1[c] = t1 + t2;
        o2[c] = t1 - t2;
        o3[c] = t3 + t4;
        o4[c] = t3 - t4;
        o5[c] = 4.0f * d1[c] - 5.0f * d3[c] + d5[c];
    }
}

static void bt_1d(int m, float *const o[], const float *const d[], int n)
{
    if (m == 2)
        bt2_kernel(o[0], o[1], o[2], o[3], d[0], d[1], d[2], d[3], n);
    else
        bt4_kernel(o[0], o[1], o[2], o[3], o[4], o[5], d[0], d[1], d[2], d[3], d[4], d[5], n);
}

/* y = A^T v: a points -> m outputs */
static void at2_kernel(float *restrict y0, float *restrict y1, const float *restrict v0,
                       const float *restrict v1, const float *restrict v2,
                       const float *restrict v3, int n)
{
    for (int c = 0; c < n; c++) {
        y0[c] = v0[c] + v1[c] + v2[c];
        y1[c] = v1[c] - v2[c] - v3[c];
    }
}

static void at4_kernel(float *restrict y0, float *restrict y1, float *restrict y2,
                       float *restrict y3, const float *restrict v0, const float *restrict v1,
                       const float *restrict v2, const float *restrict v3,
                       const float *restrict v4, const float *restrict v5, int n)
{
    for (int c = 0; c < n; c++) {
        float s12 = v1[c] + v2[c], d12 = v1[c] - v2[c];
        float s34 = v3[c] + v4[c], d34 = v3[c] - v4[c];
        y0[c] = v0[c] + s12 + s34;
        y1[c] = d12 + 2.0f * d34;
        y2[c] = s12 + 4.0f * s34;
        y3[c] = d12 + 8.0f * d34 + v5[c];
    }
}

static void at_1d(int m, float *const y[], const float *const v[], int n)
{
    if (m == 2)
        at2_kernel(y[0], y[1], v[0], v[1], v[2], v[3], n);
    else
        at4_kernel(y[0], y[1], y[2], y[3], v[0], v[1], v[2], v[3], v[4], v[5], n);
}

/* z = A dy (A = (A^T)^T): m output gradients -> a points */
static void a2_kernel(float *restrict z0, float *restrict z1, float *restrict z2,
                      float *restrict z3, const float *restrict y0, const float *restrict y1,
                      int n)
{
    for (int c = 0; c < n; c++) {
        z0[c] = y0[c];
        z1[c] = y0[c] + y1[c];
        z2[c] = y0[c] - y1[c];
        z3[c] = -y1[c];
    }
}

static void a4_kernel(float *restrict z0, float *restrict z1, float *restrict z2,
                      float *restrict z3, float *restrict z4, float *restrict z5,
                      const float *restrict y0, const float *restrict y1,
                      const float *restrict y2, const float *restrict y3, int n)
{
    for (int c = 0; c < n; c++) {
        float e = y0[c] + y2[c], o = y1[c] + y3[c];
        float e4 = y0[c] + 4.0f * y2[c], o8 = 2.0f * y1[c] + 8.0f * y3[c];
        z0[c] = y0[c];
        z1[c] = e + o;
        z2[c] = e - o;
        z3[c] = e4 + o8;
        z4[c] = e4 - o8;
        z5[c] = y3[c];
    }
}

static void a_1d(int m, float *const z[], const float *const y[], int n)
{
    if (m == 2)
        a2_kernel(z[0], z[1], z[2], z[3], y[0], y[1], n);
    else
        a4_kernel(z[0], z[1], z[2], z[3], z[4], z[5], y[0], y[1], y[2], y[3], n);
}

/* G (a x 3): the kernel transform. Applied once per call, vectorised over the input
 * channels (a weight row (ky,kx,c) has its channels contiguous, and so does every
 * transformed weight below). */
static const float G2[4][3] = {
    { 1, 0, 0 }, { 0.5f, 0.5f, 0.5f }, { 0.5f, -0.5f, 0.5f }, { 0, 0, 1 },
};
static const float G4[6][3] = {
    { 1.0f / 4, 0, 0 },
    { -1.0f / 6, -1.0f / 6, -1.0f / 6 },
    { -1.0f / 6, 1.0f / 6, -1.0f / 6 },
    { 1.0f / 24, 1.0f / 12, 1.0f / 6 },
    { 1.0f / 24, -1.0f / 12, 1.0f / 6 },
    { 0, 0, 1 },
};

static const float (*g_matrix(int m))[3]
{
    return m == 2 ? G2 : G4;
}

/* Channels per block of the separable weight transforms below: their temporaries live on
 * the stack (a x 3 rows of this many floats, 18 KiB). */
#define WINO_WBLOCK 256

/* U (a2, OC, C) = G g G^T for every kernel g of weight (OC,3,3,C), or of g turned 180
 * degrees if flip (the input gradient's kernel). The forward multiplies by U_p^T (its
 * GEMM reads U_p transposed), the input gradient by U_p as it is (Cin = OC, Cout = C):
 * one layout serves both, written channel-contiguous. Separable: t = G g (a x 3) first,
 * then U = t G^T, half the multiply-adds of summing the nine terms per point. */
static void transform_weight(float *U, const float *weight, int C, int OC, int m, int flip)
{
    const int a = m + 2;
    const size_t co = (size_t)C * OC;
    const float (*G)[3] = g_matrix(m);
#pragma omp parallel for schedule(static) if (co * 9 >= NN_PARALLEL_MIN_FLOATS)
    for (int oc = 0; oc < OC; oc++) {
        const float *g[3][3];
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                int sy = flip ? 2 - ky : ky, sx = flip ? 2 - kx : kx;
                g[ky][kx] = weight + (((size_t)oc * 3 + sy) * 3 + sx) * C;
            }
        for (int c0 = 0; c0 < C; c0 += WINO_WBLOCK) {
            const int nb = C - c0 < WINO_WBLOCK ? C - c0 : WINO_WBLOCK;
            float t[WINO_MAX_A][3][WINO_WBLOCK];
            for (int i = 0; i < a; i++)
                for (int kx = 0; kx < 3; kx++) {
                    const float *g0 = g[0][kx] + c0, *g1 = g[1][kx] + c0, *g2 = g[2][kx] + c0;
                    for (int c = 0; c < nb; c++)
                        t[i][kx][c] = G[i][0] * g0[c] + G[i][1] * g1[c] + G[i][2] * g2[c];
                }
            for (int i = 0; i < a; i++)
                for (int j = 0; j < a; j++) {
                    float *u = U + (size_t)(i * a + j) * co + (size_t)oc * C + c0;
                    for (int c = 0; c < nb; c++)
                        u[c] = t[i][0][c] * G[j][0] + t[i][1][c] * G[j][1] +
                               t[i][2][c] * G[j][2];
                }
        }
    }
}

/* dweight (OC,3,3,C) += G^T dU G for dU (a2, OC, C), separably: t = G^T dU (3 x a),
 * then t G. */
static void inverse_weight_gradient(float *dweight, const float *dU, int C, int OC, int m)
{
    const int a = m + 2;
    const size_t co = (size_t)C * OC;
    const float (*G)[3] = g_matrix(m);
#pragma omp parallel for schedule(static) if (co * 9 >= NN_PARALLEL_MIN_FLOATS)
    for (int oc = 0; oc < OC; oc++)
        for (int c0 = 0; c0 < C; c0 += WINO_WBLOCK) {
            const int nb = C - c0 < WINO_WBLOCK ? C - c0 : WINO_WBLOCK;
            float t[3][WINO_MAX_A][WINO_WBLOCK];
            for (int ky = 0; ky < 3; ky++)
                for (int j = 0; j < a; j++) {
                    float *tt = t[ky][j];
                    for (int c = 0; c < nb; c++)
                        tt[c] = 0.0f;
                    for (int i = 0; i < a; i++) {
                        const float w = G[i][ky];
                        if (w == 0.0f)
                            continue;
                        const float *d = dU + (size_t)(i * a + j) * co + (size_t)oc * C + c0;
                        for (int c = 0; c < nb; c++)
                            tt[c] += w * d[c];
                    }
                }
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    float *dw = dweight + (((size_t)oc * 3 + ky) * 3 + kx) * C + c0;
                    for (int j = 0; j < a; j++) {
                        const float w = G[j][kx];
                        if (w == 0.0f)
                            continue;
                        for (int c = 0; c < nb; c++)
                            dw[c] += w * t[ky][j][c];
                    }
                }
        }
}

/* ---- tiles ----------------------------------------------------------------------------
 * Tile t = (b, ty, tx) covers output pixels (ty*m + i, tx*m + j), i, j < m, and reads
 * input pixels (ty*m - 1 + i, tx*m - 1 + j), i, j < a; pixels outside the image are the
 * zero vector (the "same" padding, and the part of an edge tile past the border). */
typedef struct {
    int m, a, H, W, tiles_y, tiles_x;
} tiling;

static tiling make_tiling(int H, int W, int m)
{
    tiling t = { m, m + 2, H, W, (H + m - 1) / m, (W + m - 1) / m };
    return t;
}

/* v (a2, n) = B^T d B of the tile at (y0, x0) (its top-left input pixel) of img (H,W,n). */
static void input_tile(float *v, const float *img, int y0, int x0, const tiling *g, int n,
                       float *tmp, const float *zero)
{
    const int a = g->a;
    const float *d[WINO_MAX_A];
    float *o[WINO_MAX_A];
    for (int i = 0; i < a; i++) {        /* rows: tmp[i][.] = d[i][.] B */
        int y = y0 + i;
        for (int j = 0; j < a; j++) {
            int x = x0 + j;
            d[j] = y >= 0 && y < g->H && x >= 0 && x < g->W
                       ? img + ((size_t)y * g->W + x) * n : zero;
            o[j] = tmp + (size_t)(i * a + j) * n;
        }
        bt_1d(g->m, o, d, n);
    }
    for (int j = 0; j < a; j++) {        /* columns: v[.][j] = B^T tmp[.][j] */
        for (int i = 0; i < a; i++) {
            d[i] = tmp + (size_t)(i * a + j) * n;
            o[i] = v + (size_t)(i * a + j) * n;
        }
        bt_1d(g->m, o, d, n);
    }
}

/* The output pixels at (y0, x0) of img (H,W,n) = A^T mt A (+ bias, then the ReLU if
 * relu), or += it (accumulate). The ReLU is applied here, while the tile is in L1, instead
 * of in a pass of its own over the whole layer output. */
static void output_tile(float *img, const float *mt, const float *bias, int accumulate,
                        int relu, int y0, int x0, const tiling *g, int n, float *tmp,
                        float *tmp2)
{
    const int a = g->a, m = g->m;
    const float *v[WINO_MAX_A];
    float *y[WINO_MAX_A];
    for (int i = 0; i < a; i++) {        /* rows: tmp[i][.] = mt[i][.] A */
        for (int j = 0; j < a; j++)
            v[j] = mt + (size_t)(i * a + j) * n;
        for (int j = 0; j < m; j++)
            y[j] = tmp + (size_t)(i * m + j) * n;
        at_1d(m, y, v, n);
    }
    for (int j = 0; j < m; j++) {        /* columns: tmp2[.][j] = A^T tmp[.][j] */
        for (int i = 0; i < a; i++)
            v[i] = tmp + (size_t)(i * m + j) * n;
        for (int i = 0; i < m; i++)
            y[i] = tmp2 + (size_t)(i * m + j) * n;
        at_1d(m, y, v, n);
    }
    for (int i = 0; i < m && y0 + i < g->H; i++)
        for (int j = 0; j < m && x0 + j < g->W; j++) {
            float *restrict o = img + ((size_t)(y0 + i) * g->W + x0 + j) * n;
            const float *restrict s = tmp2 + (size_t)(i * m + j) * n;
            if (accumulate) {
                for (int c = 0; c < n; c++)
                    o[c] += s[c];
            } else if (relu) {
                for (int c = 0; c < n; c++) {
                    float x = bias ? s[c] + bias[c] : s[c];
                    o[c] = x > 0.0f ? x : 0.0f;
                }
            } else if (bias)
                for (int c = 0; c < n; c++)
                    o[c] = s[c] + bias[c];
            else
                memcpy(o, s, (size_t)n * sizeof(float));
        }
}

/* z (a2, n) = A dy A^T of the output-gradient tile at (y0, x0) of img (H,W,n). */
static void output_gradient_tile(float *z, const float *img, int y0, int x0, const tiling *g,
                                 int n, float *tmp, const float *zero)
{
    const int a = g->a, m = g->m;
    const float *d[WINO_MAX_A];
    float *o[WINO_MAX_A];
    for (int i = 0; i < m; i++) {        /* rows: tmp[i][.] = dy[i][.] A^T */
        int y = y0 + i;
        for (int j = 0; j < m; j++) {
            int x = x0 + j;
            d[j] = y < g->H && x < g->W ? img + ((size_t)y * g->W + x) * n : zero;
        }
        for (int j = 0; j < a; j++)
            o[j] = tmp + (size_t)(i * a + j) * n;
        a_1d(m, o, d, n);
    }
    for (int j = 0; j < a; j++) {        /* columns: z[.][j] = A tmp[.][j] */
        for (int i = 0; i < m; i++)
            d[i] = tmp + (size_t)(i * a + j) * n;
        for (int i = 0; i < a; i++)
            o[i] = z + (size_t)(i * a + j) * n;
        a_1d(m, o, d, n);
    }
}

/* Threads for a convolution of this size: as nn_conv2d, a tiny one stays on the calling
 * thread, and never more than the cores the scratch was sized for. */
static int wino_threads(size_t pixels, int C, int OC)
{
    int n = omp_get_max_threads(), cores = omp_get_num_procs();
    if (pixels * 9 * (size_t)C * OC < 64 * NN_PARALLEL_MIN_FLOATS)
        return 1;
    return n < cores ? n : cores;
}

/* out (B,H,W,Cout) = (or +=) the "same" 3x3 convolution of inp (B,H,W,Cin) whose kernel
 * is already transformed into U: (a2, Cout, Cin) if u_transposed, else (a2, Cin, Cout). ws: per-thread buffers, `stride` apart. */
static void wino_convolve(float *out, const float *inp, const float *U, const float *bias,
                          int accumulate, int relu, int u_transposed, float *ws,
                          size_t stride, int B, int H, int W, int Cin, int Cout, int m,
                          size_t chunk_tiles)
{
    const tiling g = make_tiling(H, W, m);
    const size_t a2 = (size_t)g.a * g.a, per_image = (size_t)g.tiles_y * g.tiles_x;
    const size_t mc = max_channels(Cin, Cout);
    const int threads = wino_threads((size_t)B * H * W, Cin, Cout);
    const nn_chunks ch = nn_split_chunks((size_t)B * per_image, chunk_tiles, threads);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long k = 0; k < ch.count; k++) {
        float *V = ws + (size_t)omp_get_thread_num() * stride;
        float *M = V + chunk_tiles * a2 * Cin;
        float *tmp = M + chunk_tiles * a2 * Cout, *tmp2 = tmp + a2 * mc, *zero = tmp2 + a2 * mc;
        size_t t0, n = nn_chunk_at(&ch, k, &t0);
        memset(zero, 0, mc * sizeof(float));
        for (size_t r = 0; r < n; r++) {
            size_t t = t0 + r, b = t / per_image, yx = t % per_image;
            int y0 = (int)(yx / g.tiles_x) * m, x0 = (int)(yx % g.tiles_x) * m;
            input_tile(V + r * a2 * Cin, inp + b * H * W * Cin, y0 - 1, x0 - 1, &g, Cin,
                       tmp, zero);
        }
        /* per point p: M_p (n, Cout) = V_p (n, Cin) x U_p (Cin, Cout), U_p stored as
         * (Cout, Cin) when u_transposed */
        for (size_t p = 0; p < a2; p++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, u_transposed ? CblasTrans : CblasNoTrans,
                        (int)n, Cout, Cin, 1.0f, V + p * Cin, (int)(a2 * Cin),
                        U + p * Cin * Cout, u_transposed ? Cin : Cout, 0.0f, M + p * Cout,
                        (int)(a2 * Cout));
        for (size_t r = 0; r < n; r++) {
            size_t t = t0 + r, b = t / per_image, yx = t % per_image;
            int y0 = (int)(yx / g.tiles_x) * m, x0 = (int)(yx % g.tiles_x) * m;
            output_tile(out + b * H * W * Cout, M + r * a2 * Cout, bias, accumulate, relu,
                        y0, x0, &g, Cout, tmp, tmp2);
        }
    }
}

void nn_winograd_forward(float *out, const float *inp, const float *weight,
                         const float *bias, float *scratch, int B, int H, int W, int C,
                         int OC, int m, size_t chunk_tiles, int relu)
{
    const size_t stride = per_thread_floats(C, OC, m, chunk_tiles);
    float *U = scratch + (size_t)omp_get_num_procs() * stride;
    transform_weight(U, weight, C, OC, m, 0);
    wino_convolve(out, inp, U, bias, 0, relu, 1, scratch, stride, B, H, W, C, OC, m,
                  chunk_tiles);
}

void nn_winograd_backward(float *dinp, float *dweight, const float *dout, const float *inp,
                          const float *weight, float *scratch, int B, int H, int W, int C,
                          int OC, int m, size_t chunk_tiles)
{
    const tiling g = make_tiling(H, W, m);
    const size_t a2 = (size_t)g.a * g.a, per_image = (size_t)g.tiles_y * g.tiles_x;
    const size_t mc = max_channels(C, OC), co = (size_t)C * OC;
    const size_t stride = per_thread_floats(C, OC, m, chunk_tiles);
    const int threads = wino_threads((size_t)B * H * W, C, OC);
    const nn_chunks ch = nn_split_chunks((size_t)B * per_image, chunk_tiles, threads);
    float *shared = scratch + (size_t)omp_get_num_procs() * stride;
    /* each thread's weight-gradient partial, at the end of its buffer set */
    const size_t partial_off = stride - a2 * co;

#pragma omp parallel num_threads(threads)
    {
        float *V = scratch + (size_t)omp_get_thread_num() * stride;
        float *Z = V + chunk_tiles * a2 * C;
        float *tmp = Z + chunk_tiles * a2 * OC, *zero = tmp + 2 * a2 * mc;
        float *dU = V + partial_off;
        memset(zero, 0, mc * sizeof(float));
        memset(dU, 0, a2 * co * sizeof(float));
#pragma omp for schedule(static)
        for (long k = 0; k < ch.count; k++) {
            size_t t0, n = nn_chunk_at(&ch, k, &t0);
            for (size_t r = 0; r < n; r++) {
                size_t t = t0 + r, b = t / per_image, yx = t % per_image;
                int y0 = (int)(yx / g.tiles_x) * m, x0 = (int)(yx % g.tiles_x) * m;
                input_tile(V + r * a2 * C, inp + b * H * W * C, y0 - 1, x0 - 1, &g, C, tmp,
                           zero);
                output_gradient_tile(Z + r * a2 * OC, dout + b * H * W * OC, y0, x0, &g, OC,
                                     tmp, zero);
            }
            /* per point p: dU_p (OC, C) += Z_p^T (OC, n) x V_p (n, C) */
            for (size_t p = 0; p < a2; p++)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, (int)n, 1.0f,
                            Z + p * OC, (int)(a2 * OC), V + p * C, (int)(a2 * C), 1.0f,
                            dU + p * co, C);
        }
        /* the shared dU = the partials added in thread order (the loop ended in a barrier) */
        int nt = omp_get_num_threads();
#pragma omp for schedule(static)
        for (size_t j = 0; j < a2 * co; j++) {
            float s = 0.0f;
            for (int u = 0; u < nt; u++)
                s += scratch[(size_t)u * stride + partial_off + j];
            shared[j] = s;
        }
    }
    inverse_weight_gradient(dweight, shared, C, OC, m);

    if (dinp) {
        /* the input gradient: dout (Cin = OC) through the turned kernel (Cout = C) */
        transform_weight(shared, weight, C, OC, m, 1);
        wino_convolve(dinp, dout, shared, NULL, 1, 0, 0, scratch, stride, B, H, W, OC, C, m,
                      chunk_tiles);
    }
}
