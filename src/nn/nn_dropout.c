/* nn_dropout: placeholder until implemented. */
