/* fuzz_util: what the fuzz targets share. Most of our parsers read files, not memory, so
 * an input is handed to them as a file: an anonymous one in memory (memfd), named by its
 * /proc/self/fd path, rewritten for every input. And a checksum the fuzzer cannot guess:
 * checksummed formats (best.ckpt, predictions.bin) are fuzzed half the time with their
 * FNV-1a checksum made right, so mutations reach the parser behind it. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, and the optional set-up it calls once. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A path whose file holds exactly data (size bytes); valid until the next call. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* data with its last 8 bytes replaced by the little-endian FNV-1a 64 of the rest (the
 * checksum of the checkpoint and predictions formats); a new buffer the caller frees.
 * size < 8: a plain copy. */
uint8_t *fuzz_with_checksum(const uint8_t *data, size_t size);

/* A new empty folder under the temporary folder, removed (with everything in it, links
 * not followed) at exit. */
char *fuzz_tmpdir(void);
/* Removes everything inside dir, not dir itself; links are removed, not followed. */
void fuzz_empty_dir(const char *dir);
