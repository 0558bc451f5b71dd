/* nn_softmax_xent: placeholder until implemented. */
