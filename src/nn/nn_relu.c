/* nn_relu: placeholder until implemented. */
