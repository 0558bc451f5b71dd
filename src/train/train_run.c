/* train_run: placeholder until implemented. */
