/* nn_spec: placeholder until implemented. */
