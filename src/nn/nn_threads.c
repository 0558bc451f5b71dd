/* nn_threads: placeholder until implemented. */
