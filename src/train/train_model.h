/* train_model: a trained network as a file that can be used on its own, away from the run
 * that made it: the weights (and, for resuming, the optimizer state) in an nn_checkpoint
 * v2, whose metadata is a GKeyFile text that says everything needed to apply the weights to
 * new images: the classes in order, the input size, the normalisation the network was
 * trained with, and how images of another shape are resized. A run folder's best.ckpt is
 * such a file (docs/run-folder.md), and so is anything lrlab-predict reads.
 *
 * Metadata groups: [model] belongs to this module; other modules add their own groups
 * (e.g. what resuming a run needs) through the `extra` key file, and read them back from
 * the `metadata` key file the loaders return. [model] keys:
 *   format=1, spec=<canonical spec>, input=HxWxC, classes=<name>;<name>;...,
 *   resize=center-crop|squash|letterbox, mean=<r>;<g>;<b>;, std=<r>;<g>;<b>; (0..255 units),
 *   epoch=<the epoch, from 0, whose end these weights are; -1 unknown>
 * A checkpoint of format v1 (LR Lab's first version) has no metadata: it loads, with
 * has_info FALSE, and a caller that needs the classes or the normalisation says so. */
#pragma once
#include <glib.h>
#include "data_folder.h"
#include "data_split.h"
#include "nn_model.h"
#include "nn_optim.h"

typedef struct {
    gboolean has_info;        /* the file carried [model]; FALSE for a v1 checkpoint */
    int num_classes;
    char **class_names;       /* (num_classes) NULL-terminated; NULL when !has_info */
    DataNormalization norm;   /* identity when !has_info */
    DataResizeMode resize;
    int epoch;                /* -1 unknown */
    guint32 format_version;   /* of the checkpoint file (1 or 2) */
} TrainModelInfo;

void train_model_info_init(TrainModelInfo *info);
void train_model_info_clear(TrainModelInfo *info);

/* Writes model (opt may be NULL: weights only) with info and extra's groups (may be NULL)
 * to path, atomically. A GError names the file and what failed. */
gboolean train_model_save(const char *path, const nn_model *model, const nn_optimizer *opt,
                          const TrainModelInfo *info, GKeyFile *extra, GError **error);

/* Builds the network path holds, for up to max_batch images at once, and loads its
 * weights. info (may be NULL) and metadata (may be NULL; the whole key file, empty for a
 * v1 file, unref it) receive what the file says. NULL with an error naming the file when
 * it is missing, truncated, corrupt, from another version or its metadata is malformed. */
nn_model *train_model_load(const char *path, int max_batch, TrainModelInfo *info,
                           GKeyFile **metadata, GError **error);

/* Loads path's weights (and, when opt is given, its optimizer state) into an existing
 * model of the same network (nn_checkpoint_load's rules), with info and metadata as above. */
gboolean train_model_load_into(const char *path, nn_model *model, nn_optimizer *opt,
                               TrainModelInfo *info, GKeyFile **metadata, GError **error);
