/* nn_winograd: placeholder until implemented. */
