/* nn_dense: placeholder until implemented. */
