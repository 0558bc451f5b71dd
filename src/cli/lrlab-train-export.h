/* lrlab-train-export: lrlab-train's modes that take a run or a model elsewhere, or bring
 * one back (lrlab-train-export.c): --export-pytorch, --export-onnx, --import. main() adds
 * the entries to its options and calls the two dispatchers; each returns the exit status
 * of the mode it ran, or -1 when none of its flags was given. */
#pragma once
#include <glib.h>
#include "train_config.h"

/* The flags, for g_option_context_add_main_entries. */
const GOptionEntry *lrlab_train_export_entries(void);

/* The modes that need no run settings (--export-onnx MODEL OUT, --import PATH), called
 * right after the options are parsed: argv's leftover arguments are theirs. */
int lrlab_train_export_file_modes(int argc, char **argv);

/* The modes that export the run the other flags describe (--export-pytorch DIR), called
 * once config is complete and valid; n_rates > 1 (a sweep) is refused. */
int lrlab_train_export_run_modes(const TrainConfig *config, guint n_rates);
