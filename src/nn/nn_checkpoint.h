/* nn_checkpoint: a model's weights and optimizer state in one versioned binary file.
 * Format v1 (little-endian):
 *   magic "LRLABCKP" (8) | u32 version | u32 header_bytes | header | payload | u64 checksum
 *   header: u32 spec_len, spec text, i32 H, W, C, u32 optimizer kind,
 *           the nn_optimizer_config fields, i64 step, u64 num_parameters, u32 has_moments
 *   payload: params (num_parameters f32), then m and v when present
 *   checksum: FNV-1a 64 over every byte before it
 * Written atomically: a temp file in the same folder, fsync, rename, fsync the folder. */
#pragma once
#include "nn_error.h"
#include "nn_model.h"
#include "nn_optim.h"

#define NN_CHECKPOINT_VERSION 1u

/* opt may be NULL (weights only). */
nn_status nn_checkpoint_save(const char *path, const nn_model *model,
                             const nn_optimizer *opt, nn_error *err);

/* Loads into an existing model built from the same spec and input shape; fails with
 * NN_ERR_MISMATCH otherwise, NN_ERR_FORMAT on a truncated/corrupted file, NN_ERR_VERSION
 * on another format version. Nothing is changed unless the whole file verified.
 * opt may be NULL; when given, it receives the saved state (or an error if there is none). */
nn_status nn_checkpoint_load(const char *path, nn_model *model, nn_optimizer *opt,
                             nn_error *err);

/* Reads only the header: the spec text and input shape (for a UI listing checkpoints). */
nn_status nn_checkpoint_peek(const char *path, char *spec_text, size_t spec_size,
                             int *height, int *width, int *channels, nn_error *err);
