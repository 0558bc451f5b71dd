/* data_split: placeholder until implemented. */
