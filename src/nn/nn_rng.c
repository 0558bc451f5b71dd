/* nn_rng: placeholder until implemented. */
