/* data_batcher: placeholder until implemented. */
