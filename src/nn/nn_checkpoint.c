/* nn_checkpoint: placeholder until implemented. */
