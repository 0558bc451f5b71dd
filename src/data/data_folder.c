/* data_folder: placeholder until implemented. */
