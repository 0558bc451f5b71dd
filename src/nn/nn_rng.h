/* nn_rng: the engine's only source of randomness, so a seed fixes everything.
 * splitmix64 to expand the seed, then xoshiro256** (Blackman & Vigna 2018).
 * Floats are the top 24 bits / 2^24, uniform in [0,1). */
#pragma once
#include <stdint.h>

typedef struct { uint64_t s[4]; } nn_rng;

void nn_rng_seed(nn_rng *rng, uint64_t seed);
uint64_t nn_rng_next(nn_rng *rng);
float nn_rng_uniform(nn_rng *rng);                 /* [0,1) */
float nn_rng_uniform_range(nn_rng *rng, float lo, float hi);
/* An independent stream for (seed, a, b): used for per-(epoch,image) draws. */
uint64_t nn_rng_mix(uint64_t seed, uint64_t a, uint64_t b);
