/* nn_optim: placeholder until implemented. */
