/* nn_conv2d: placeholder until implemented. */
