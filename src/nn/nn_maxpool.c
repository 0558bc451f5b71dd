/* nn_maxpool: placeholder until implemented. */
