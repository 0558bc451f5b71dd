/* lrlab-train-export: leaving LR Lab and coming back (README's "Beyond this machine"):
 *   --export-pytorch DIR   the run the other flags describe as a PyTorch project
 *                          (train_export_pytorch.h), the same flags as training it
 *   --export-onnx MODEL OUT   a model file (a run's best.ckpt) as ONNX (train_onnx.h)
 *   --import PATH [--import-into DIR]   TensorBoard event files or a CSV history as run
 *                          folders (train_import.h), by default into the app's session */
#include "lrlab-train-export.h"

#include <stdio.h>
#include <unistd.h>

#include "train_dataset.h"
#include "train_export_pytorch.h"
#include "train_import.h"
#include "train_onnx.h"
#include "train_session.h"

static char *export_pytorch, *export_onnx, *import_into;
static char **import_paths;

const GOptionEntry *lrlab_train_export_entries(void)
{
    static const GOptionEntry entries[] = {
        { "export-pytorch", 0, 0, G_OPTION_ARG_FILENAME, &export_pytorch,
          "write the run the other flags describe as a PyTorch project (train.py for python3 "
          "or torchrun, its initial weights, split, images) into the new folder DIR and exit",
          "DIR" },
        { "export-onnx", 0, 0, G_OPTION_ARG_FILENAME, &export_onnx,
          "write the model file MODEL (a run's best.ckpt) as the ONNX model OUT and exit",
          "MODEL OUT" },
        { "import", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &import_paths,
          "read TensorBoard event files (a log folder or a file) or a CSV history (Keras's "
          "CSVLogger or any CSV with epoch and loss columns) as runs, and exit; repeatable",
          "PATH" },
        { "import-into", 0, 0, G_OPTION_ARG_FILENAME, &import_into,
          "the session folder --import writes run folders into (default: the app's session, "
          "so they show in LR Lab at its next start)", "DIR" },
        { NULL },
    };
    return entries;
}

static int
failed(const char *what, const GError *error)
{
    fprintf(stderr, "lrlab-train: %s: %s\n", what, error->message);
    return 1;
}

static int
onnx_mode(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    if (argc != 2) {
        fprintf(stderr, "lrlab-train: --export-onnx MODEL OUT: give the ONNX file to write "
                        "after the model file\n");
        return 2;
    }
    if (!train_onnx_export(export_onnx, argv[1], &error))
        return failed("--export-onnx", error);
    printf("Wrote %s (ONNX opset 13: input \"image\" RGB 0..255 NCHW, output "
           "\"probabilities\")\n", argv[1]);
    return 0;
}

static int
import_mode(int argc, char **argv)
{
    g_autofree char *session = import_into ? g_strdup(import_into) : train_session_dir();
    int status = 0;

    if (argc > 1) {
        fprintf(stderr, "lrlab-train: unexpected argument '%s' (see --help)\n", argv[1]);
        return 2;
    }
    for (int i = 0; import_paths[i]; i++) {
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) runs = train_import_path(import_paths[i], session, &error);
        if (runs == NULL) {
            status = failed(import_paths[i], error);
            continue;
        }
        for (int r = 0; runs[r]; r++)
            printf("Imported %s as %s\n", import_paths[i], runs[r]);
    }
    return status;
}

int lrlab_train_export_file_modes(int argc, char **argv)
{
    if (export_onnx)
        return onnx_mode(argc, argv);
    if (import_paths)
        return import_mode(argc, argv);
    return -1;
}

static void
print_progress(int done, int total, gpointer data)
{
    if (isatty(STDERR_FILENO) && (done == total || done % 50 == 0))
        fprintf(stderr, "\rWriting images %d/%d%s", done, total, done == total ? "\n" : "");
}

int lrlab_train_export_run_modes(const TrainConfig *config, guint n_rates)
{
    g_autoptr(GError) error = NULL;

    if (export_pytorch == NULL)
        return -1;
    if (n_rates > 1) {
        fprintf(stderr, "lrlab-train: --export-pytorch exports one run: give one --lr\n");
        return 2;
    }
    g_autoptr(DataSet) set = train_dataset_load(config, NULL, NULL, NULL, NULL, &error);
    if (set == NULL || !train_export_pytorch(config, set, export_pytorch, print_progress, NULL,
                                             &error))
        return failed("--export-pytorch", error);
    printf("Wrote the PyTorch project %s: python3 %s/train.py, or torchrun "
           "--nproc_per_node=N %s/train.py (its README.md says more)\n", export_pytorch,
           export_pytorch, export_pytorch);
    return 0;
}
