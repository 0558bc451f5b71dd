/* nn_checkpoint: a model's weights and optimizer state in one versioned binary file.
 * Format v1 (little-endian):
 *   magic "LRLABCKP" (8) | u32 version | u32 header_bytes | header | payload | u64 checksum
 *   header: u32 spec_len, spec text (canonical, no NUL), i32 H, W, C, u32 optimizer kind,
 *           f64 lr, f64 momentum, u32 nesterov, f64 beta1, f64 beta2, f64 eps,
 *           f64 weight_decay, u32 decoupled, i64 step, u64 num_parameters, u32 has_moments
 *           (optimizer fields are zero and has_moments 0 when saved without an optimizer)
 *   payload: params (num_parameters f32), then m (and v for Adam) when has_moments
 *   checksum: FNV-1a 64 over every byte before it
 * A checkpoint loads into a model whose spec differs only in dropout rates (they do not
 * change the parameters), so "dropout off" can resume a run saved with dropout on.
 * Written atomically: a temp file in the same folder, fsync, rename, fsync the folder.
 * A training run keeps its best epoch's as best.ckpt: docs/run-folder.md. */
#pragma once
#include "nn_error.h"
#include "nn_model.h"
#include "nn_optim.h"

#define NN_CHECKPOINT_VERSION 1u

/* opt may be NULL (weights only). An existing file at path is replaced only when the
 * new one is completely on disk. */
nn_status nn_checkpoint_save(const char *path, const nn_model *model,
                             const nn_optimizer *opt, nn_error *err);

/* Loads into an existing model built from the same spec and input shape; fails with
 * NN_ERR_MISMATCH otherwise, NN_ERR_FORMAT on a truncated/corrupted file, NN_ERR_VERSION
 * on another format version. Nothing is changed unless the whole file verified.
 * opt may be NULL; when given, it must be initialised for the same optimizer kind and
 * receives the saved config, step and moments (or an error if the file has none). */
nn_status nn_checkpoint_load(const char *path, nn_model *model, nn_optimizer *opt,
                             nn_error *err);

/* Reads only the header: the spec text and input shape (for a UI listing checkpoints).
 * The payload and checksum are not read, so a file that peeks fine may still fail to load. */
nn_status nn_checkpoint_peek(const char *path, char *spec_text, size_t spec_size,
                             int *height, int *width, int *channels, nn_error *err);
