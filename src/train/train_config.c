/* train_config: placeholder until implemented. */
