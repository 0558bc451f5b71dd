/* data_synthetic: placeholder until implemented. */
