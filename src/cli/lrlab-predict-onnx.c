/* lrlab-predict --export-onnx MODEL OUT: a model file (a run's best.ckpt, or the run folder)
 * as an ONNX file that other runtimes load (train_onnx.h says what the graph holds). */
#include <stdio.h>

#include "lrlab-predict-onnx.h"
#include "train_onnx.h"

int lrlab_predict_export_onnx(char **args, int n_args)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *model = NULL;

    if (n_args != 2) {
        fprintf(stderr, "lrlab-predict: --export-onnx takes MODEL and the ONNX file to write "
                        "(see --help)\n");
        return 2;
    }
    /* A run folder stands for its model file, as in the predicting mode. */
    model = g_file_test(args[0], G_FILE_TEST_IS_DIR) ? g_build_filename(args[0], "best.ckpt", NULL)
                                                     : g_strdup(args[0]);
    if (!train_onnx_export(model, args[1], &error)) {
        fprintf(stderr, "lrlab-predict: %s\n", error->message);
        return 1;
    }
    printf("Wrote %s\n", args[1]);
    return 0;
}
