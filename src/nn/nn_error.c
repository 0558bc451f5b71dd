/* nn_error: placeholder until implemented. */
