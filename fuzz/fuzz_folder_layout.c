/* fuzz_folder_layout: a training folder's layout through data_folder_load: class folders
 * and split folders, nesting, links between classes, into splits, back up the tree, to
 * nowhere, files that are images or not. The input describes the tree, one entry a line:
 *   d PATH          a folder
 *   f PATH [KIND]   a file: KIND p (a 4x4 PNG, the default), g (a GIF), e (empty), or
 *                   any other text, which becomes its contents
 *   l PATH TARGET   a symbolic link to ROOT/TARGET
 * PATH and TARGET are names of [A-Za-z0-9._-] joined by '/', at most 6 deep, never '..',
 * so nothing leaves the scratch folder. Seeds: fuzz/corpus/fuzz_folder_layout/. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_folder.h"
#include "fuzz_util.h"

static const guint8 tiny_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26,
    0x93, 0x09, 0x29, 0x00, 0x00, 0x00, 0x03, 0x73, 0x42, 0x49, 0x54, 0x08, 0x08, 0x08, 0xdb,
    0xe1, 0x4f, 0xe0, 0x00, 0x00, 0x00, 0x14, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0x3c,
    0x60, 0xa0, 0xc0, 0x00, 0x03, 0x4c, 0x0c, 0x48, 0x00, 0x37, 0x07, 0x00, 0x36, 0xc4, 0x01,
    0x18, 0xc1, 0x03, 0x91, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42,
    0x60, 0x82,
};

static const guint8 tiny_gif[] = {
    'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0, 0x21, 0xf9,
    4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
};

static char *root;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    root = fuzz_tmpdir();
    return 0;
}

/* ROOT/path for a path made of safe names, or NULL. */
static char *
safe_path(const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", 8);
    guint n = g_strv_length(parts);
    if (n == 0 || n > 6)
        return NULL;
    for (guint i = 0; i < n; i++) {
        if (parts[i][0] == '\0' || strcmp(parts[i], ".") == 0 || strcmp(parts[i], "..") == 0)
            return NULL;
        for (const char *c = parts[i]; *c; c++)
            if (!g_ascii_isalnum(*c) && *c != '.' && *c != '_' && *c != '-')
                return NULL;
    }
    g_autofree char *joined = g_strjoinv("/", parts);
    return g_build_filename(root, joined, NULL);
}

static void
make_entry(const char *line)
{
    if (strlen(line) < 3 || line[1] != ' ')
        return;
    g_auto(GStrv) words = g_strsplit(line + 2, " ", 2);
    g_autofree char *path = words[0] ? safe_path(words[0]) : NULL;
    if (path == NULL)
        return;
    g_autofree char *parent = g_path_get_dirname(path);
    g_mkdir_with_parents(parent, 0755);
    const char *rest = words[1] ? words[1] : "p";
    switch (line[0]) {
    case 'd':
        g_mkdir_with_parents(path, 0755);
        break;
    case 'f':
        if (strcmp(rest, "p") == 0)
            g_file_set_contents(path, (const char *) tiny_png, sizeof tiny_png, NULL);
        else if (strcmp(rest, "g") == 0)
            g_file_set_contents(path, (const char *) tiny_gif, sizeof tiny_gif, NULL);
        else if (strcmp(rest, "e") == 0)
            g_file_set_contents(path, "", 0, NULL);
        else
            g_file_set_contents(path, rest, -1, NULL);
        break;
    case 'l': {
        g_autofree char *target = words[1] ? safe_path(words[1]) : NULL;
        if (target != NULL && symlink(target, path) != 0)
            return;
        break;
    }
    default:
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    fuzz_empty_dir(root);
    g_autofree char *text = g_strndup((const char *) data, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", 64);
    for (int i = 0; lines[i] != NULL; i++)
        make_entry(lines[i]);

    DataFolderOptions options = data_folder_options_default();
    options.size = 8;
    options.threads = 1;
    options.memory_limit = 64 << 20;
    DataFolderReport report = { 0 };
    GError *error = NULL;
    DataSet *set = data_folder_load(root, &options, &report, NULL, NULL, NULL, &error);
    /* Loaded, or refused in words; never both, never neither. */
    if ((set == NULL) == (error == NULL))
        abort();
    if (set != NULL) {
        for (int i = 0; i < set->count; i++)
            if (set->labels[i] < 0 || set->labels[i] >= set->num_classes ||
                set->sources[i] == NULL)
                abort();
        data_set_unref(set);
    }
    g_clear_error(&error);
    data_folder_report_clear(&report);
    return 0;
}
