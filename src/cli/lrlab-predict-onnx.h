/* lrlab-predict's --export-onnx mode (lrlab-predict-onnx.c). */
#pragma once
#include <glib.h>

/* args: MODEL OUT. Returns the exit status (0, 1 on failure, 2 on a bad command line). */
int lrlab_predict_export_onnx(char **args, int n_args);
