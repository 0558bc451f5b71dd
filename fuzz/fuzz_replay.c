/* fuzz_replay: a fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput once on every
 * file named on the command line or found in a named folder (sorted, not recursive), so
 * the seed corpus and every crash kept as a regression (fuzz/regressions/<target>/) run
 * in `make test` with any compiler, and under the sanitizers in CI. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"

/* Targets that need no set-up do not define it. */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

static int
replay_file(const char *path)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &data, &len, &error)) {
        fprintf(stderr, "fuzz_replay: %s\n", error->message);
        return 1;
    }
    printf("%s (%zu bytes)\n", path, (size_t) len);
    fflush(stdout);
    LLVMFuzzerTestOneInput((const uint8_t *) data, len);
    return 0;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
main(int argc, char **argv)
{
    int failed = 0, n = 0;
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        /* A target without regressions yet has no folder of them. */
        if (!g_file_test(argv[i], G_FILE_TEST_EXISTS)) {
            printf("%s: none\n", argv[i]);
            continue;
        }
        if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            failed |= replay_file(argv[i]);
            n++;
            continue;
        }
        g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *name;
        while (dir != NULL && (name = g_dir_read_name(dir)) != NULL)
            if (name[0] != '.')
                g_ptr_array_add(names, g_build_filename(argv[i], name, NULL));
        g_ptr_array_sort(names, compare_names);
        for (guint k = 0; k < names->len; k++, n++)
            failed |= replay_file(names->pdata[k]);
    }
    printf("%d inputs replayed\n", n);
    return failed;
}
