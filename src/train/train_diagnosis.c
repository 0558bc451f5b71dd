/* train_diagnosis: placeholder until implemented. */
