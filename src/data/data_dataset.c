/* data_dataset: placeholder until implemented. */
