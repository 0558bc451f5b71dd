/* train_export_pytorch: a run, before it is trained, as a self-contained PyTorch project, so
 * a user who outgrows one laptop takes the very same run to torchrun on CPUs or GPUs and
 * brings the results back (train.py writes an LR Lab run folder). DIR gets:
 *   train.py         plain PyTorch + NumPy (no LR Lab, no torchvision): one process, or
 *                    torchrun --nproc_per_node=N with DistributedDataParallel
 *   README.md        how to run it, what is reproduced exactly and what is not
 *   config.ini       the run's settings (train_config_save), copied into its run folder
 *   project.ini      what LR Lab derived from them: [project] spec (the network as built
 *                    for this dataset), input=HxWxC, classes, resize, mean, std (the
 *                    training split's normalisation, 0..255 units), n-train, n-val
 *   initial.ckpt     the initial weights (nn_model_create with the run's seed) as a model
 *                    file (train_model.h), so both start from the same point
 *   split/train.txt, split/val.txt   one image per line: dataset index, label, image
 *                    (a path under images/), source; in LR Lab's split order
 *   images/<class>/<index>.png       every image as LR Lab trains on it (after its resize),
 *                    for the built-in chips and a folder alike, so train.py reads the very
 *                    pixels and needs no resize code (rows unfiltered: a reshape to decode)
 * Batch order and dropout masks are LR Lab's (train.py ports its small RNG rather than
 * listing every epoch's order: that is a few lines, and any number of epochs follows). */
#pragma once
#include <glib.h>
#include "data_dataset.h"
#include "train_config.h"

/* Writes the project of config (validated) on set (config's dataset, loaded) into dir,
 * which must not exist or be empty: an export never overwrites anything. progress (may be
 * NULL) is told of the images written. FALSE with a message naming what failed. */
gboolean train_export_pytorch(const TrainConfig *config, DataSet *set, const char *dir,
                              void (*progress)(int done, int total, gpointer data),
                              gpointer progress_data, GError **error);

/* The image rows of a PNG without filtering (filter type 0), 8-bit RGB: what train.py
 * decodes with one zlib call and a reshape. pixels (height, width, 3). */
gboolean train_export_png(const char *path, const guint8 *pixels, int width, int height,
                          GError **error);
