/* nn_model: placeholder until implemented. */
