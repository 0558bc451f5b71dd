/* fuzz_util: memory files, checksums and scratch folders for the fuzz targets. */
#define _GNU_SOURCE
#include "fuzz_util.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *
fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("lrlab-fuzz", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t) size)
        abort();
    return path;
}

uint8_t *
fuzz_with_checksum(const uint8_t *data, size_t size)
{
    uint8_t *copy = g_memdup2(data, MAX(size, 1));
    if (size < 8)
        return copy;
    /* FNV-1a 64, as nn_checkpoint.c and train_predictions.c write it. */
    uint64_t hash = 1469598103934665603ull;
    for (size_t i = 0; i < size - 8; i++)
        hash = (hash ^ data[i]) * 1099511628211ull;
    for (int i = 0; i < 8; i++)
        copy[size - 8 + i] = (uint8_t) (hash >> (8 * i));
    return copy;
}

void
fuzz_empty_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
            fuzz_empty_dir(path);
            g_rmdir(path);
        } else {
            g_unlink(path);
        }
    }
    if (d != NULL)
        g_dir_close(d);
}

static GPtrArray *made_dirs;

static void
remove_made_dirs(void)
{
    for (guint i = 0; made_dirs != NULL && i < made_dirs->len; i++) {
        fuzz_empty_dir(made_dirs->pdata[i]);
        g_rmdir(made_dirs->pdata[i]);
    }
}

char *
fuzz_tmpdir(void)
{
    char *dir = g_dir_make_tmp("lrlab-fuzz-XXXXXX", NULL);
    if (dir == NULL)
        abort();
    if (made_dirs == NULL) {
        made_dirs = g_ptr_array_new_with_free_func(g_free);
        atexit(remove_made_dirs);
    }
    g_ptr_array_add(made_dirs, g_strdup(dir));
    return dir;
}
