/* fuzz_run_folder: a run folder and a session of it, read back as the app does at start
 * (train_session_load -> train_run_load -> train_record_read, and the removal of stale
 * temporaries). The input is the folder: its parts, split at lines "%%", are config.ini,
 * status.ini, history.csv, predictions.bin (checksum made right when the input's first
 * byte is odd), then the names of extra files to create beside them, one a line (what a
 * killed writer leaves, or anything else). Seeds: fuzz/corpus/fuzz_run_folder/. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "train_session.h"

static char *session, *run_dir;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    session = fuzz_tmpdir();
    run_dir = g_build_filename(session, "run-001", NULL);
    return 0;
}

static void
write_part(const char *name, const char *data, gsize size, gboolean fix_checksum)
{
    g_autofree char *path = g_build_filename(run_dir, name, NULL);
    g_autofree uint8_t *fixed = fix_checksum ? fuzz_with_checksum((const uint8_t *) data, size)
                                             : NULL;
    if (!g_file_set_contents(path, fixed ? (const char *) fixed : data, (gssize) size, NULL))
        abort();
}

/* The extra files: each line a name in the run folder, nothing that leaves it. */
static void
write_extra_files(const char *data, gsize size)
{
    g_autofree char *text = g_strndup(data, size);
    g_auto(GStrv) names = g_strsplit(text, "\n", 32);
    for (int i = 0; names[i] != NULL; i++) {
        const char *name = names[i];
        if (name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0 || strlen(name) > 64)
            continue;
        g_autofree char *path = g_build_filename(run_dir, name, NULL);
        g_file_set_contents(path, "partial", -1, NULL);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const files[] = { "config.ini", "status.ini", "history.csv",
                                         "predictions.bin" };
    const char *text = (const char *) data, *end = text + size;

    fuzz_empty_dir(session);
    if (g_mkdir(run_dir, 0755) != 0)
        abort();
    for (guint part = 0; text <= end; part++) {
        const char *cut = g_strstr_len(text, end - text, "\n%%\n");
        gsize length = (gsize) ((cut ? cut : end) - text);
        if (part < G_N_ELEMENTS(files))
            write_part(files[part], text, length, part == 3 && size > 0 && data[0] & 1);
        else
            write_extra_files(text, length);
        if (cut == NULL)
            break;
        text = cut + 4;
    }

    GError *error = NULL;
    TrainRun *run = train_run_load(run_dir, &error);
    g_clear_error(&error);
    if (run != NULL)
        train_run_unref(run);
    TrainSession *s = train_session_load(session, NULL);
    if (s == NULL || s->runs->len + s->problems->len != 1)
        abort();   /* one subfolder: it reads as a run or is listed as a problem */
    train_session_free(s);
    return 0;
}
