/* nn_checkpoint: a model's weights and optimizer state in one versioned binary file.
 * Format v2 (little-endian):
 *   magic "LRLABCKP" (8) | u32 version | u32 header_bytes | header | payload | u64 checksum
 *   header: u32 spec_len, spec text (canonical, no NUL), i32 H, W, C, u32 optimizer kind,
 *           f64 lr, f64 momentum, u32 nesterov, f64 beta1, f64 beta2, f64 eps,
 *           f64 weight_decay, u32 decoupled, i64 step, u64 num_parameters, u32 has_moments
 *           (optimizer fields are zero and has_moments 0 when saved without an optimizer),
 *           then (v2 only) u64 dropout_seed, u64 dropout_counter, u32 metadata_len,
 *           metadata (the caller's UTF-8 text, no NUL; LR Lab writes GKeyFile text there:
 *           class names, normalisation, resume state; see src/train/train_model.h)
 *   payload: params (num_parameters f32), then m (and v for Adam) when has_moments
 *   checksum: FNV-1a 64 over every byte before it
 * Version 1 files (the same without the v2 fields) still load: they have no dropout state
 * and no metadata, which callers see in nn_checkpoint_info.
 * A checkpoint loads into a model whose spec differs only in dropout rates (they do not
 * change the parameters), so "dropout off" can resume a run saved with dropout on.
 * Written atomically: a temp file in the same folder, fsync, rename, fsync the folder.
 * docs/run-folder.md says which checkpoints a run folder keeps. */
#pragma once
#include <stdint.h>
#include "nn_error.h"
#include "nn_model.h"
#include "nn_optim.h"

#define NN_CHECKPOINT_VERSION 2u
/* The largest metadata a checkpoint carries: far above what a run writes (a few KiB for
 * a thousand class names), far below what would make a corrupt length dangerous. */
#define NN_CHECKPOINT_MAX_METADATA (16u << 20)

/* What a file holds besides the tensors, as read back. */
typedef struct {
    uint32_t version;          /* the file's format version (1 or 2) */
    int has_moments;           /* optimizer state is saved */
    nn_optimizer_config optimizer;  /* as saved (zero without moments) */
    int64_t step;              /* optimizer steps taken */
    int has_dropout_state;     /* v2: dropout_seed and dropout_counter are saved */
    uint64_t dropout_seed, dropout_counter;
    char *metadata;            /* v2: the caller's text (malloc'd, NUL-terminated), or NULL */
} nn_checkpoint_info;

void nn_checkpoint_info_clear(nn_checkpoint_info *info);

/* opt may be NULL (weights only), metadata may be NULL (none). The model's dropout state
 * (seed, counter) is saved too. An existing file at path is replaced only when the new
 * one is completely on disk. */
nn_status nn_checkpoint_save_with(const char *path, const nn_model *model,
                                  const nn_optimizer *opt, const char *metadata, nn_error *err);
nn_status nn_checkpoint_save(const char *path, const nn_model *model,
                             const nn_optimizer *opt, nn_error *err);

/* Loads into an existing model built from the same spec and input shape; fails with
 * NN_ERR_MISMATCH otherwise, NN_ERR_FORMAT on a truncated/corrupted file, NN_ERR_VERSION
 * on another format version. Nothing is changed unless the whole file verified.
 * opt may be NULL; when given, it must be initialised for the same optimizer kind and
 * receives the saved config, step and moments (or an error if the file has none).
 * A v2 file also restores the model's dropout state. info (may be NULL) receives what the
 * file held (free with nn_checkpoint_info_clear). */
nn_status nn_checkpoint_load_with(const char *path, nn_model *model, nn_optimizer *opt,
                                  nn_checkpoint_info *info, nn_error *err);
nn_status nn_checkpoint_load(const char *path, nn_model *model, nn_optimizer *opt,
                             nn_error *err);

/* Reads the whole file and checks it without a model: its size and checksum (NN_ERR_FORMAT
 * when truncated or corrupted, NN_ERR_VERSION for another format version). A file that
 * verifies still loads only into a model of its network. */
nn_status nn_checkpoint_verify(const char *path, nn_error *err);

/* Reads only the header: the spec text, input shape and (info, may be NULL) the rest of
 * the header with the metadata, e.g. to build the model a file loads into. The payload and
 * checksum are not read, so a file that peeks fine may still fail to load. */
nn_status nn_checkpoint_peek_info(const char *path, char *spec_text, size_t spec_size,
                                  int *height, int *width, int *channels,
                                  nn_checkpoint_info *info, nn_error *err);
nn_status nn_checkpoint_peek(const char *path, char *spec_text, size_t spec_size,
                             int *height, int *width, int *channels, nn_error *err);
