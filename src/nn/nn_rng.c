/* nn_rng: splitmix64 expands a 64-bit seed into xoshiro256**'s 256-bit state (the
 * seeding Blackman & Vigna recommend), and the same splitmix64 finaliser hashes
 * (seed, a, b) counters into independent streams for draws that must not depend on
 * the order or thread in which they are made (dropout masks, per-image augmentation). */
#include "nn_rng.h"

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ULL

/* splitmix64's output function: a bijection on 64 bits with full avalanche. */
static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t splitmix64_next(uint64_t *x)
{
    *x += GOLDEN_GAMMA;
    return splitmix64_mix(*x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void nn_rng_seed(nn_rng *rng, uint64_t seed)
{
    /* splitmix64 never yields four zero words in a row, so the state is never all zero
     * (the one state xoshiro cannot leave). */
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64_next(&x);
}

uint64_t nn_rng_next(nn_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float nn_rng_uniform(nn_rng *rng)
{
    /* 24 bits: exactly the float mantissa, so every value is representable and < 1. */
    return (float)(nn_rng_next(rng) >> 40) * 0x1.0p-24f;
}

float nn_rng_uniform_range(nn_rng *rng, float lo, float hi)
{
    return lo + (hi - lo) * nn_rng_uniform(rng);
}

uint64_t nn_rng_mix(uint64_t seed, uint64_t a, uint64_t b)
{
    /* Each step is a bijection of the running hash plus the next counter, so for a fixed
     * seed distinct a (or, for fixed a, distinct b) give distinct outputs; the finaliser's
     * avalanche makes neighbouring counters look unrelated. */
    uint64_t h = splitmix64_mix(seed + GOLDEN_GAMMA);
    h = splitmix64_mix(h + a * GOLDEN_GAMMA + GOLDEN_GAMMA);
    h = splitmix64_mix(h ^ (b * 0xd1b54a32d192ed03ULL + GOLDEN_GAMMA));
    return h;
}
