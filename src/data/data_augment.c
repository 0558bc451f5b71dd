/* data_augment: placeholder until implemented. */
