/* test_rng: the engine's random numbers are the published algorithms (so a seed means
 * the same thing in any reimplementation), uniform, and nn_rng_mix's streams do not
 * track each other (dropout masks and augmentations draw from them). */
#include <glib.h>
#include <math.h>

#include "nn_rng.h"

/* First outputs of xoshiro256** seeded by splitmix64, computed from the algorithms'
 * reference definitions (Vigna's splitmix64.c / xoshiro256starstar.c) in Python; the
 * same Python gives splitmix64(1234567) = 6457827717110365317, the known test vector. */
static void test_known_outputs(void)
{
    static const struct { uint64_t seed; uint64_t out[4]; } cases[] = {
        { 0, { 0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
               0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL } },
        { 42, { 0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL } },
    };
    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        nn_rng rng;
        nn_rng_seed(&rng, cases[c].seed);
        for (int i = 0; i < 4; i++)
            g_assert_cmphex(nn_rng_next(&rng), ==, cases[c].out[i]);
    }
}

static void test_same_seed_same_sequence(void)
{
    nn_rng a, b, other;
    nn_rng_seed(&a, 7);
    nn_rng_seed(&b, 7);
    nn_rng_seed(&other, 8);
    int differs = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = nn_rng_next(&a);
        g_assert_cmphex(x, ==, nn_rng_next(&b));
        differs += x != nn_rng_next(&other);
    }
    g_assert_cmpint(differs, ==, 1000);
}

/* Mean 1/2, variance 1/12, and every tenth of [0,1) gets its share: with n = 10^6 the
 * standard error of the mean is 2.9e-4 and of a bin count 300, so the bounds below are
 * more than 10 standard errors wide and a correct generator never fails them. */
static void test_uniform(void)
{
    enum { N = 1000000 };
    nn_rng rng;
    nn_rng_seed(&rng, 12345);
    double sum = 0, sum2 = 0;
    int bins[10] = { 0 };
    for (int i = 0; i < N; i++) {
        float u = nn_rng_uniform(&rng);
        g_assert_true(u >= 0.0f && u < 1.0f);
        sum += u;
        sum2 += (double)u * u;
        bins[(int)(u * 10)]++;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    g_test_message("uniform: mean %.5f, variance %.5f (1/12 = %.5f)", mean, var, 1.0 / 12);
    g_assert_cmpfloat_with_epsilon(mean, 0.5, 0.003);
    g_assert_cmpfloat_with_epsilon(var, 1.0 / 12, 0.003);
    for (int b = 0; b < 10; b++)
        g_assert_cmpint(abs(bins[b] - N / 10), <, 3000);

    for (int i = 0; i < 10000; i++) {
        float v = nn_rng_uniform_range(&rng, -2.0f, 3.0f);
        g_assert_true(v >= -2.0f && v < 3.0f);
    }
}

static double correlation(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
    mx /= n;
    my /= n;
    for (int i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

static double mix_uniform(uint64_t seed, uint64_t a, uint64_t b)
{
    return (double)(nn_rng_mix(seed, a, b) >> 11) * 0x1.0p-53;
}

/* Neighbouring counters (image i and i+1, epoch e and e+1, seed s and s+1) must give
 * unrelated draws: correlations near 0 (standard error 1/sqrt(n) = 0.0032, bound 0.02)
 * and single-bit changes of any input flip about half of the output bits. */
static void test_mix_independence(void)
{
    enum { N = 100000 };
    double *x = g_new(double, N), *next_a = g_new(double, N), *next_b = g_new(double, N),
           *next_seed = g_new(double, N);
    double mean = 0;
    for (int i = 0; i < N; i++) {
        x[i] = mix_uniform(99, i, 3);
        next_a[i] = mix_uniform(99, i + 1, 3);
        next_b[i] = mix_uniform(99, i, 4);
        next_seed[i] = mix_uniform(100, i, 3);
        mean += x[i];
    }
    mean /= N;
    double ca = correlation(x, next_a, N), cb = correlation(x, next_b, N),
           cs = correlation(x, next_seed, N);
    g_test_message("mix: mean %.4f, corr(a,a+1) %.4f, corr(b,b+1) %.4f, corr(s,s+1) %.4f",
                   mean, ca, cb, cs);
    g_assert_cmpfloat_with_epsilon(mean, 0.5, 0.005);
    g_assert_cmpfloat(fabs(ca), <, 0.02);
    g_assert_cmpfloat(fabs(cb), <, 0.02);
    g_assert_cmpfloat(fabs(cs), <, 0.02);

    /* Same inputs, same output: the mask of a replayed run is the mask of the run. */
    g_assert_cmphex(nn_rng_mix(5, 6, 7), ==, nn_rng_mix(5, 6, 7));
    g_assert_cmphex(nn_rng_mix(5, 6, 7), !=, nn_rng_mix(5, 7, 6));

    /* Avalanche: the mean number of flipped bits over all single-bit flips of a, b and
     * seed is 32 for an ideal hash; a weak mix (e.g. a plain xor of the counters) gives
     * far fewer. */
    long flipped = 0, trials = 0;
    for (uint64_t base = 0; base < 64; base++) {
        uint64_t ref = nn_rng_mix(base * 77, base, base * 3);
        for (int bit = 0; bit < 64; bit++) {
            uint64_t m = 1ULL << bit;
            flipped += __builtin_popcountll(ref ^ nn_rng_mix(base * 77 ^ m, base, base * 3));
            flipped += __builtin_popcountll(ref ^ nn_rng_mix(base * 77, base ^ m, base * 3));
            flipped += __builtin_popcountll(ref ^ nn_rng_mix(base * 77, base, base * 3 ^ m));
            trials += 3;
        }
    }
    double avg = (double)flipped / trials;
    g_test_message("mix: %.2f of 64 bits flip per input bit", avg);
    g_assert_cmpfloat(avg, >, 31.0);
    g_assert_cmpfloat(avg, <, 33.0);
    g_free(x);
    g_free(next_a);
    g_free(next_b);
    g_free(next_seed);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nn/rng/known-outputs", test_known_outputs);
    g_test_add_func("/nn/rng/same-seed-same-sequence", test_same_seed_same_sequence);
    g_test_add_func("/nn/rng/uniform", test_uniform);
    g_test_add_func("/nn/rng/mix-independence", test_mix_independence);
    return g_test_run();
}
