/* data_folder: loads a user's image folder (ImageFolder layout, or train/val/test
 * folders) into a DataSet. Scans first so that every fatal problem (no classes, an empty
 * class, too much memory) is reported before any decoding, then decodes on every core.
 * data_folder_load is its five phases in order, each a function below with its input and
 * output spelled out: read the layout, collect the files, check the memory, decode (one
 * file at a time: data_folder_decode.c), assemble the set and its report. (Formats and
 * their headers: data_folder_formats.c; a little over 800 lines, the five phases.) */
#include <glib/gi18n.h>
#include <string.h>
#include <glib/gstdio.h>
#include "data_folder_private.h"
#include "data_image.h"

#define MAX_DEPTH 16   /* folders inside a class folder */

/* Phase 1's answer: where the classes are. */
typedef struct {
    GPtrArray *split_dirs;    /* the split folders' names in ROOT (train, val, test),
                               * sorted; NULL for the plain ROOT/<class>/ layout */
    GPtrArray *class_names;   /* sorted bytewise; the union over the splits */
} FolderLayout;

/* Phase 2's answer, one per image file; phase 4 fills in ok and reason. */
typedef struct {
    char *path;
    int label;
    DataSplitKind split;
    guint64 dev, ino;   /* the file itself, whatever links led to it */
    gboolean ok;        /* set by the decoder */
    char *reason;       /* set by the decoder when !ok */
} Candidate;

static void
folder_layout_clear(FolderLayout *layout)
{
    g_clear_pointer(&layout->split_dirs, g_ptr_array_unref);
    g_clear_pointer(&layout->class_names, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FolderLayout, folder_layout_clear)

static void
candidate_clear(gpointer data)
{
    Candidate *c = data;
    g_free(c->path);
    g_free(c->reason);
}

DataFolderOptions
data_folder_options_default(void)
{
    DataFolderOptions options = {
        .size = 64, .resize = DATA_RESIZE_CENTER_CROP, .memory_limit = 0, .threads = 0,
    };
    return options;
}

static void
skipped_file_free(gpointer data)
{
    DataSkippedFile *file = data;
    g_free(file->path);
    g_free(file->reason);
    g_free(file);
}

void
data_folder_report_clear(DataFolderReport *report)
{
    g_return_if_fail(report != NULL);
    g_clear_pointer(&report->skipped, g_ptr_array_unref);
    g_clear_pointer(&report->imbalance_warning, g_free);
}

static void
report_skip(GPtrArray *skipped, const char *path, char *reason /* owned */)
{
    DataSkippedFile *file = g_new(DataSkippedFile, 1);
    file->path = g_strdup(path);
    file->reason = reason;
    g_ptr_array_add(skipped, file);
}

static int
compare_skipped(gconstpointer a, gconstpointer b)
{
    const DataSkippedFile *x = *(DataSkippedFile *const *) a;
    const DataSkippedFile *y = *(DataSkippedFile *const *) b;
    return strcmp(x->path, y->path);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Files a file manager or an OS leaves behind: never the user's data, never worth a line
 * in the skipped list. */
static gboolean
is_ignored_name(const char *name)
{
    return name[0] == '.' || g_ascii_strcasecmp(name, "Thumbs.db") == 0
           || g_ascii_strcasecmp(name, "desktop.ini") == 0;
}

gboolean
data_image_is_image_name(const char *name)
{
    return !is_ignored_name(name) && data_folder_has_image_extension(name);
}

static DataSplitKind
split_kind_from_name(const char *name)
{
    if (g_ascii_strcasecmp(name, "train") == 0)
        return DATA_SPLIT_TRAIN;
    if (g_ascii_strcasecmp(name, "val") == 0 || g_ascii_strcasecmp(name, "valid") == 0
        || g_ascii_strcasecmp(name, "validation") == 0)
        return DATA_SPLIT_VAL;
    if (g_ascii_strcasecmp(name, "test") == 0)
        return DATA_SPLIT_TEST;
    return DATA_SPLIT_NONE;
}

/* The non-hidden sub-folders of dir, sorted; counts its image files in *n_images. */
static GPtrArray *
list_subfolders(const char *dir, int *n_images, GError **error)
{
    GDir *d = g_dir_open(dir, 0, error);
    if (d == NULL)
        return NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    if (n_images != NULL)
        *n_images = 0;
    while ((name = g_dir_read_name(d)) != NULL) {
        if (is_ignored_name(name))
            continue;
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(names, g_strdup(name));
        else if (n_images != NULL && data_folder_has_image_extension(name))
            (*n_images)++;
    }
    g_dir_close(d);
    g_ptr_array_sort(names, compare_strings);
    return names;
}

/* "device:inode" of a stat: one file or folder however many links lead to it. */
static char *
identity_key(const GStatBuf *st)
{
    return g_strdup_printf("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, (guint64) st->st_dev,
                           (guint64) st->st_ino);
}

/* Appends dir's image files (recursively, sorted by path) to candidates as copies of
 * proto (its label and split); lists the rest in skipped. Links are followed, each folder
 * once per class: visited holds the folders this class has read, so a link back up the
 * tree (class/all -> class) does not load every image again at each level, while a link
 * into another class is read, and phase 2 sees its images in both. */
static void
collect_files(const char *dir, int depth, GHashTable *visited, GArray *candidates,
              const Candidate *proto, GPtrArray *skipped)
{
    GStatBuf dir_st;
    if (g_stat(dir, &dir_st) == 0 && !g_hash_table_add(visited, identity_key(&dir_st)))
        return;
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL) {
        report_skip(skipped, dir, g_strdup(_("folder could not be read")));
        return;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        if (!is_ignored_name(name))
            g_ptr_array_add(names, g_strdup(name));
    g_dir_close(d);
    g_ptr_array_sort(names, compare_strings);

    for (guint i = 0; i < names->len; i++) {
        const char *entry = names->pdata[i];
        g_autofree char *path = g_build_filename(dir, entry, NULL);
        GStatBuf st;
        if (g_stat(path, &st) != 0) {
            report_skip(skipped, path, g_strdup(_("unreadable: broken link or no permission")));
        } else if (S_ISDIR(st.st_mode)) {
            if (depth < MAX_DEPTH)
                collect_files(path, depth + 1, visited, candidates, proto, skipped);
        } else if (!data_folder_has_image_extension(entry)) {
            report_skip(skipped, path,
                        g_strdup_printf(_("not an image file: only %s files are loaded"),
                                        data_folder_extension_list()));
        } else if (st.st_size == 0) {
            report_skip(skipped, path, g_strdup(_("empty file (0 bytes)")));
        } else {
            Candidate c = *proto;
            c.path = g_steal_pointer(&path);
            c.dev = (guint64) st.st_dev;
            c.ino = (guint64) st.st_ino;
            g_array_append_val(candidates, c);
        }
    }
    g_ptr_array_unref(names);
}

/* Describes where a class's images were looked for, for error messages. */
static char *
class_folders_text(const char *root, GPtrArray *split_dirs, const char *class_name)
{
    if (split_dirs == NULL)
        return g_build_filename(root, class_name, NULL);
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < split_dirs->len; i++) {
        g_autofree char *path = g_build_filename(root, split_dirs->pdata[i], class_name, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_DIR))
            continue;
        /* Translators: between two folders of one class, "good/train and good/val". */
        g_string_append_printf(s, "%s%s", s->len > 0 ? _(" and ") : "", path);
    }
    return g_string_free(s, FALSE);
}

static char *
imbalance_warning(const DataSet *set)
{
    int *counts = g_new0(int, set->num_classes);
    data_set_class_counts(set, counts);
    int lo = 0, hi = 0;
    for (int c = 1; c < set->num_classes; c++) {
        if (counts[c] < counts[lo])
            lo = c;
        if (counts[c] > counts[hi])
            hi = c;
    }
    char *text = NULL;
    /* 3x: beyond it, always answering the big class already scores 75% on two classes. */
    if (counts[lo] > 0 && counts[hi] > 3 * counts[lo]) {
        g_autofree char *big = g_filename_display_name(set->class_names[hi]);
        g_autofree char *small = g_filename_display_name(set->class_names[lo]);
        text = g_strdup_printf(_("The classes are imbalanced: class '%s' has %d images, '%s' "
                               "only %d (%.1fx fewer). Accuracy can look good while the "
                               "model ignores '%s'; add images of it or watch its accuracy."),
                               big, counts[hi], small, counts[lo],
                               (double) counts[hi] / counts[lo], small);
    }
    g_free(counts);
    return text;
}


/* ---- 1. the root and its layout ---- */

/* The order ROOT/classes.txt gives the classes (sorted bytewise without it): one name a
 * line, blank lines and # comments ignored. It must name every class folder once and
 * nothing else, since a silently different numbering would make a model answer with the
 * wrong class names. */
static gboolean
class_order_read(const char *root, FolderLayout *layout, GError **error)
{
    g_autofree char *path = g_build_filename(root, DATA_FOLDER_CLASS_ORDER_FILE, NULL);
    g_autofree char *text = NULL;
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    /* Paths and folder names are bytes; a message is UTF-8 (here and below). */
    g_autofree char *shown_path = g_filename_display_name(path);
    g_autoptr(GError) local_error = NULL;
    if (!g_file_get_contents(path, &text, NULL, &local_error)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    _("%s cannot be read: %s."), shown_path, local_error->message);
        return FALSE;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; lines[i] != NULL; i++) {
        char *name = g_strstrip(lines[i]);
        if (name[0] == '\0' || name[0] == '#')
            continue;
        gboolean listed = g_ptr_array_find_with_equal_func(order, name, g_str_equal, NULL);
        gboolean folder = g_ptr_array_find_with_equal_func(layout->class_names, name,
                                                           g_str_equal, NULL);
        if (listed || !folder) {
            g_autofree char *shown_name = g_filename_display_name(name);
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        listed ? _("%s lists the class '%s' twice. List each class folder once, "
                                 "in the order the classes are numbered.")
                               : _("%s lists the class '%s', but there is no such class folder. "
                                 "List the class folders, one a line, or delete the file to "
                                 "number the classes alphabetically."), shown_path, shown_name);
            return FALSE;
        }
        g_ptr_array_add(order, g_strdup(name));
    }
    for (guint c = 0; c < layout->class_names->len; c++)
        if (!g_ptr_array_find_with_equal_func(order, layout->class_names->pdata[c],
                                              g_str_equal, NULL)) {
            g_autofree char *shown_name = g_filename_display_name(layout->class_names->pdata[c]);
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("The class folder '%s' is not listed in %s. Add it on a line of its "
                        "own where it belongs in the order, or delete the file to number the "
                        "classes alphabetically."), shown_name, shown_path);
            return FALSE;
        }
    g_ptr_array_unref(layout->class_names);
    layout->class_names = g_steal_pointer(&order);
    return TRUE;
}

/* Every class's name, from ROOT/<class>/ or from the union of ROOT/<split>/<class>/.
 * Fails (with what to fix) when root is missing, unreadable, mixes split folders with
 * other folders, or holds fewer than two classes. */
static gboolean
layout_read(const char *root, FolderLayout *layout, GError **error)
{
    g_autofree char *shown_root = g_filename_display_name(root);
    if (!g_file_test(root, G_FILE_TEST_EXISTS)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    _("The folder %s does not exist. Choose a folder that holds one sub-folder "
                    "of images per class."), shown_root);
        return FALSE;
    }
    if (!g_file_test(root, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                    _("%s is a file, not a folder. Choose the folder that holds one sub-folder "
                    "of images per class."), shown_root);
        return FALSE;
    }
    int loose_images = 0;
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GPtrArray) top = list_subfolders(root, &loose_images, &local_error);
    if (top == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    _("The folder %s cannot be read: %s."), shown_root, local_error->message);
        return FALSE;
    }

    int n_split_named = 0, train_dir = -1, test_dir = -1;
    for (guint i = 0; i < top->len; i++) {
        DataSplitKind kind = split_kind_from_name(top->pdata[i]);
        n_split_named += kind != DATA_SPLIT_NONE;
        if (kind == DATA_SPLIT_TRAIN)
            train_dir = (int) i;
        if (kind == DATA_SPLIT_TEST)
            test_dir = (int) i;
    }
    /* ROOT/<class>/ beside ROOT/test/<class>/: the class folders are split at random as
     * usual, the test folder is held out. As split folders: ROOT itself ("") and test. */
    gboolean beside_test = n_split_named == 1 && test_dir >= 0 && top->len > 1;
    if (beside_test) {
        g_autoptr(GPtrArray) splits = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(splits, g_strdup(""));
        g_ptr_array_add(splits, g_strdup(top->pdata[test_dir]));
        g_ptr_array_unref(top);
        top = g_steal_pointer(&splits);
    } else if (n_split_named > 0 && (n_split_named < (int) top->len || train_dir < 0)) {
        g_autofree char *joined = NULL;
        g_autofree char *listing = NULL;
        g_ptr_array_add(top, NULL);
        joined = g_strjoinv("', '", (char **) top->pdata);
        listing = g_filename_display_name(joined);
        g_ptr_array_remove_index(top, top->len - 1);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    train_dir < 0
                        ? _("%s has the folders '%s': split folders (val, test) without a train "
                          "folder. Use either %s/<class>/ or %s/train/<class>/ (with optional "
                          "val/ and test/ beside train/).")
                        : _("%s mixes split folders (train, val, test) with other folders: '%s'. "
                          "Use either %s/<class>/ or %s/train/<class>/ (with optional val/ and "
                          "test/ beside train/)."),
                    shown_root, listing, shown_root, shown_root);
        return FALSE;
    }

    if (n_split_named > 0) {
        /* Classes are the union of the class folders of every split. */
        layout->split_dirs = g_steal_pointer(&top);
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < layout->split_dirs->len; i++) {
            g_autofree char *dir = g_build_filename(root, layout->split_dirs->pdata[i], NULL);
            g_autoptr(GPtrArray) names = list_subfolders(dir, NULL, NULL);
            gboolean is_root = ((char *) layout->split_dirs->pdata[i])[0] == '\0';
            for (guint j = 0; names != NULL && j < names->len; j++)
                if (!g_hash_table_contains(seen, names->pdata[j]) &&
                    !(is_root && split_kind_from_name(names->pdata[j]) != DATA_SPLIT_NONE))
                    g_hash_table_add(seen, g_strdup(names->pdata[j]));
        }
        layout->class_names = g_ptr_array_new_with_free_func(g_free);
        GHashTableIter iter;
        gpointer key;
        g_hash_table_iter_init(&iter, seen);
        while (g_hash_table_iter_next(&iter, &key, NULL))
            g_ptr_array_add(layout->class_names, g_strdup(key));
        g_ptr_array_sort(layout->class_names, compare_strings);
    } else {
        layout->class_names = g_steal_pointer(&top);
    }

    int n_classes = (int) layout->class_names->len;
    if (n_classes == 0) {
        const char *where = layout->split_dirs != NULL ? "/train" : "";
        if (loose_images > 0)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("%s holds %d images but no class folders. Put each class's images in "
                        "its own sub-folder: %s%s/<class>/image.png."),
                        shown_root, loose_images, shown_root, where);
        else
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("No class folders in %s. Put each class's images in its own "
                        "sub-folder: %s%s/<class>/image.png."), shown_root, shown_root, where);
        return FALSE;
    }
    if (n_classes == 1) {
        g_autofree char *shown_name = g_filename_display_name(layout->class_names->pdata[0]);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("Only one class folder ('%s') in %s. A classifier needs at least two "
                    "classes: add a folder of images for each, e.g. %s/good and %s/defect."),
                    shown_name, shown_root, shown_root, shown_root);
        return FALSE;
    }
    return class_order_read(root, layout, error);
}

/* ---- 2. every candidate file ---- */

/* What a phase found of each class (n_classes each). */
typedef struct {
    int *images;         /* usable image files (phase 2), decoded images (phase 5) */
    int *training;       /* of them, in a train/ folder (a split layout only) */
    int *shared;         /* files refused because another class has them too */
    int *shared_with;    /* that other class, for the first of them */
} ClassCounts;

static void
class_counts_init(ClassCounts *counts, int n_classes)
{
    counts->images = g_new0(int, n_classes);
    counts->training = g_new0(int, n_classes);
    counts->shared = g_new0(int, n_classes);
    counts->shared_with = g_new0(int, n_classes);
}

static void
class_counts_clear(ClassCounts *counts)
{
    g_clear_pointer(&counts->images, g_free);
    g_clear_pointer(&counts->training, g_free);
    g_clear_pointer(&counts->shared, g_free);
    g_clear_pointer(&counts->shared_with, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ClassCounts, class_counts_clear)

/* Counts the candidates (those that decoded, when only_ok) into images and training. */
static void
class_counts_add(ClassCounts *counts, GArray *candidates, gboolean only_ok)
{
    for (guint i = 0; i < candidates->len; i++) {
        const Candidate *c = &g_array_index(candidates, Candidate, i);
        if (only_ok && !c->ok)
            continue;
        counts->images[c->label]++;
        /* ROOT/<class>/ beside test/ (DATA_SPLIT_NONE) is split into training and
         * validation images later: it trains too. */
        counts->training[c->label] += c->split == DATA_SPLIT_TRAIN || c->split == DATA_SPLIT_NONE;
    }
}

/* Which phase checks the classes: after collecting (are there image files) or after
 * decoding (did any of them decode). */
typedef enum {
    CHECK_FILES,
    CHECK_DECODED,
} ClassCheck;

/* Sets the error for the first class a classifier cannot learn: one without an image
 * (saying where its images were looked for, or which class has them all too), or, with
 * train/val/test folders, one without a training image, which the network would never
 * see in training and could only ever get wrong. */
static gboolean
check_classes(const char *root, const FolderLayout *layout, const ClassCounts *counts,
              ClassCheck check, GError **error)
{
    guint n_classes = layout->class_names->len;
    for (guint c = 0; c < n_classes; c++) {
        if (counts->images[c] > 0)
            continue;
        g_autofree char *name = g_filename_display_name(layout->class_names->pdata[c]);
        g_autofree char *folders = class_folders_text(root, layout->split_dirs,
                                                      layout->class_names->pdata[c]);
        g_autofree char *where = g_filename_display_name(folders);
        if (counts->shared[c] > 0) {
            g_autofree char *other =
                g_filename_display_name(layout->class_names->pdata[counts->shared_with[c]]);
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("Every image of class '%s' (%d) is also in class '%s', through a "
                        "link or a second copy, and an image can have only one label. Remove "
                        "the link or the copies in %s."), name, counts->shared[c], other, where);
        } else if (check == CHECK_FILES)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("Class folder '%s' has no images. Put %s files in %s or remove the "
                        "folder."), name, data_folder_extension_list(), where);
        else
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("No image of class '%s' could be read (see the skipped files). Replace "
                        "the broken files in %s or remove the folder."), name, where);
        return FALSE;
    }
    for (guint c = 0; layout->split_dirs != NULL && c < n_classes; c++) {
        if (counts->training[c] > 0)
            continue;
        const char *folder = layout->class_names->pdata[c];
        g_autofree char *name = g_filename_display_name(folder);
        g_autofree char *folders = class_folders_text(root, layout->split_dirs, folder);
        g_autofree char *where = g_filename_display_name(folders);
        g_autofree char *train_path = g_build_filename(root, "train", folder, NULL);
        g_autofree char *train = g_filename_display_name(train_path);
        /* Translators: the class name, its number of images, the folders they are in, and
         * the train/ folder they are missing from. */
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, check == CHECK_FILES
            ? g_dngettext(NULL, "Class '%s' has %d image in %s but none in train/: the network "
                          "would never see it in training and could only get it wrong. Add "
                          "training images of it to %s, or remove the class.",
                          "Class '%s' has %d images in %s but none in train/: the network "
                          "would never see it in training and could only get it wrong. Add "
                          "training images of it to %s, or remove the class.",
                          counts->images[c])
            : g_dngettext(NULL, "Class '%s' has %d image in %s but no readable one in train/: "
                          "the network would never see it in training and could only get it "
                          "wrong. Add training images of it to %s, or remove the class.",
                          "Class '%s' has %d images in %s but no readable one in train/: "
                          "the network would never see it in training and could only get it "
                          "wrong. Add training images of it to %s, or remove the class.",
                          counts->images[c]),
                    name, counts->images[c], where, train);
        return FALSE;
    }
    return TRUE;
}

/* The same file reached from two classes (a link from one class into another, a hard
 * link, a class folder that is a link to another) would train under two labels at once:
 * every copy of it is refused and listed, naming both. The same file twice in one class
 * and split (a hard link) is kept once. candidates keeps the rest, in order. */
static void
refuse_shared_files(GArray *candidates, const FolderLayout *layout, ClassCounts *counts,
                    GPtrArray *skipped)
{
    g_autoptr(GHashTable) first = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree int *other = g_new(int, MAX(candidates->len, 1));   /* -1: keep; -2: drop */
    for (guint i = 0; i < candidates->len; i++) {
        Candidate *c = &g_array_index(candidates, Candidate, i);
        GStatBuf st = { .st_dev = (dev_t) c->dev, .st_ino = (ino_t) c->ino };
        char *key = identity_key(&st);
        gpointer found;
        other[i] = -1;
        if (!g_hash_table_lookup_extended(first, key, NULL, &found)) {
            g_hash_table_insert(first, key, GINT_TO_POINTER(i));
            continue;
        }
        g_free(key);
        int j = GPOINTER_TO_INT(found);
        Candidate *d = &g_array_index(candidates, Candidate, j);
        if (d->label == c->label && d->split == c->split) {
            other[i] = -2;
        } else if (d->label != c->label) {
            other[i] = j;
            if (other[j] == -1)
                other[j] = (int) i;
        }
    }
    /* Every refusal is worded before any candidate moves: it names the other copy. */
    for (guint i = 0; i < candidates->len; i++) {
        if (other[i] < 0)
            continue;
        const Candidate *c = &g_array_index(candidates, Candidate, i);
        const Candidate *d = &g_array_index(candidates, Candidate, other[i]);
        g_autofree char *shown_path = g_filename_display_name(d->path);
        g_autofree char *shown_class = g_filename_display_name(layout->class_names->pdata[d->label]);
        report_skip(skipped, c->path,
                    g_strdup_printf(_("in two classes: it is also %s, in class '%s', and an "
                                    "image can have only one label (a link between the "
                                    "classes?)"), shown_path, shown_class));
        if (counts->shared[c->label]++ == 0)
            counts->shared_with[c->label] = d->label;
    }
    guint kept = 0;
    for (guint i = 0; i < candidates->len; i++) {
        Candidate *c = &g_array_index(candidates, Candidate, i);
        if (other[i] == -1)
            g_array_index(candidates, Candidate, kept++) = *c;
        else
            candidate_clear(c);
    }
    /* The refused ones' paths are freed: the array must not clear them again. */
    g_array_set_clear_func(candidates, NULL);
    g_array_set_size(candidates, kept);
    g_array_set_clear_func(candidates, candidate_clear);
}

/* The image files of every class folder, ordered by split, class, then path (a GArray of
 * Candidate that owns them); the other files go to skipped with the reason. Fails when
 * a class has no usable image file or no training one (check_classes), or when
 * cancelled. */
static GArray *
candidates_collect(const char *root, const FolderLayout *layout, GPtrArray *skipped,
                   GCancellable *cancellable, GError **error)
{
    g_autoptr(GArray) candidates = g_array_new(FALSE, TRUE, sizeof(Candidate));
    g_array_set_clear_func(candidates, candidate_clear);
    int n_classes = (int) layout->class_names->len;
    g_auto(ClassCounts) counts = { 0 };
    class_counts_init(&counts, n_classes);
    GPtrArray *split_dirs = layout->split_dirs;
    int n_splits = split_dirs != NULL ? (int) split_dirs->len : 1;
    for (int s = 0; s < n_splits; s++) {
        DataSplitKind kind = split_dirs != NULL ? split_kind_from_name(split_dirs->pdata[s])
                                                : DATA_SPLIT_NONE;
        for (int c = 0; c < n_classes; c++) {
            const char *class_name = layout->class_names->pdata[c];
            g_autofree char *dir =
                split_dirs != NULL
                    ? g_build_filename(root, split_dirs->pdata[s], class_name, NULL)
                    : g_build_filename(root, class_name, NULL);
            if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
                continue;
            /* Folders this class read already, see collect_files(). */
            g_autoptr(GHashTable) visited =
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
            Candidate proto = { .label = c, .split = kind };
            collect_files(dir, 0, visited, candidates, &proto, skipped);
        }
        if (g_cancellable_set_error_if_cancelled(cancellable, error))
            return NULL;
    }
    refuse_shared_files(candidates, layout, &counts, skipped);
    class_counts_add(&counts, candidates, FALSE);
    if (!check_classes(root, layout, &counts, CHECK_FILES, error))
        return NULL;
    return g_steal_pointer(&candidates);
}

/* ---- 3. memory, before decoding anything ---- */

static gboolean
memory_check(const char *root, int n, const DataFolderOptions *options, GError **error)
{
    gsize image_bytes = (gsize) options->size * options->size * 3;
    guint64 need = (guint64) n * image_bytes;
    if (options->memory_limit == 0 || need <= options->memory_limit)
        return TRUE;
    g_autofree char *need_text = g_format_size(need);
    g_autofree char *limit_text = g_format_size(options->memory_limit);
    g_autofree char *shown_root = g_filename_display_name(root);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                /* Translators: the folder, its image count, the image size twice, then
                 * the memory needed and the limit, each in words and in bytes. */
                _("%s has %d images: at %dx%d they need %s (%llu bytes) of memory, more than "
                  "the limit of %s (%llu bytes). Choose a smaller image size or use fewer "
                  "images."), shown_root, n, options->size, options->size, need_text,
                (unsigned long long) need, limit_text,
                (unsigned long long) options->memory_limit);
    return FALSE;
}

/* ---- 4. decoding on every core ---- */

typedef struct {
    const DataFolderOptions *options;
    Candidate *candidates;
    int n;
    DataSet *staging;                 /* (n) images, decoded in place */
    int next;                         /* atomic: next candidate to decode */
    GMutex progress_mutex;            /* one report at a time, done never going back */
    int done;                         /* under progress_mutex */
    DataProgressFunc progress;
    gpointer progress_data;
    GCancellable *cancellable;
} DecodeJob;

static gpointer
decode_worker(gpointer data)
{
    DecodeJob *job = data;
    for (;;) {
        if (g_cancellable_is_cancelled(job->cancellable))
            break;
        int i = g_atomic_int_add(&job->next, 1);
        if (i >= job->n)
            break;
        Candidate *c = &job->candidates[i];
        c->reason = data_folder_decode_image(c->path, job->options, data_set_image(job->staging, i));
        c->ok = c->reason == NULL;
        g_mutex_lock(&job->progress_mutex);
        job->done++;
        if (job->progress != NULL)
            job->progress(job->done, job->n, job->progress_data);
        g_mutex_unlock(&job->progress_mutex);
    }
    return NULL;
}

/* Decodes every candidate straight into its slot of a staging set (candidates->len
 * images), setting each one's ok and reason. Returns the staging set; stops early when
 * cancelled (the caller checks). */
static DataSet *
decode_all(GArray *candidates, int n_classes, const DataFolderOptions *options,
           DataProgressFunc progress, gpointer progress_data, GCancellable *cancellable)
{
    int n = (int) candidates->len;
    DataSet *staging = data_set_new(n, options->size, options->size, n_classes);
    DecodeJob job = {
        .options = options, .candidates = (Candidate *) candidates->data, .n = n,
        .staging = staging, .progress = progress, .progress_data = progress_data,
        .cancellable = cancellable,
    };
    int threads = options->threads > 0 ? options->threads : (int) g_get_num_processors();
    threads = CLAMP(threads, 1, MAX(n, 1));
    g_mutex_init(&job.progress_mutex);
    GThread **workers = g_new(GThread *, threads);
    for (int t = 0; t < threads; t++)
        workers[t] = g_thread_new("data-folder", decode_worker, &job);
    for (int t = 0; t < threads; t++)
        g_thread_join(workers[t]);
    g_free(workers);
    g_mutex_clear(&job.progress_mutex);
    return staging;
}

/* ---- 5. the result and its report ---- */

/* The DataSet of the images that decoded: the staging set itself, or a compact copy when
 * files failed (the one case where memory peaks above the check of phase 3). The failed
 * files join report->skipped, which is then sorted; the imbalance warning is set. Fails
 * when every file of some class failed. */
static DataSet *
assemble(const char *root, const FolderLayout *layout, GArray *candidates, DataSet *staging,
         DataFolderReport *report, GError **error)
{
    int n = (int) candidates->len, n_classes = (int) layout->class_names->len;
    int n_ok = 0;
    g_auto(ClassCounts) counts = { 0 };
    class_counts_init(&counts, n_classes);
    for (int i = 0; i < n; i++) {
        Candidate *c = &g_array_index(candidates, Candidate, i);
        if (c->ok)
            n_ok++;
        else
            report_skip(report->skipped, c->path, g_steal_pointer(&c->reason));
    }
    g_ptr_array_sort(report->skipped, compare_skipped);
    class_counts_add(&counts, candidates, TRUE);
    if (!check_classes(root, layout, &counts, CHECK_DECODED, error))
        return NULL;

    gsize image_bytes = (gsize) staging->height * staging->width * 3;
    DataSet *set = n_ok == n ? data_set_ref(staging)
                             : data_set_new(n_ok, staging->height, staging->width, n_classes);
    if (layout->split_dirs != NULL)
        set->given_split = g_new(DataSplitKind, MAX(n_ok, 1));
    for (int i = 0, j = 0; i < n; i++) {
        Candidate *c = &g_array_index(candidates, Candidate, i);
        if (!c->ok)
            continue;
        if (set != staging)
            memcpy(data_set_image(set, j), data_set_image(staging, i), image_bytes);
        set->labels[j] = c->label;
        set->sources[j] = g_strdup(c->path);
        if (set->given_split != NULL)
            set->given_split[j] = c->split;
        j++;
    }
    for (int c = 0; c < n_classes; c++)
        set->class_names[c] = g_strdup(layout->class_names->pdata[c]);
    report->imbalance_warning = imbalance_warning(set);
    return set;
}

/* ---- the load ---- */

/* The five phases in order; the first that fails stops the load. */
static DataSet *
load_phases(const char *root, const DataFolderOptions *options, DataFolderReport *report,
            DataProgressFunc progress, gpointer progress_data, GCancellable *cancellable,
            GError **error)
{
    g_auto(FolderLayout) layout = { 0 };
    if (!layout_read(root, &layout, error))
        return NULL;
    g_autoptr(GArray) candidates = candidates_collect(root, &layout, report->skipped,
                                                      cancellable, error);
    if (candidates == NULL)
        return NULL;
    if (!memory_check(root, (int) candidates->len, options, error))
        return NULL;
    g_autoptr(DataSet) staging = decode_all(candidates, (int) layout.class_names->len, options,
                                            progress, progress_data, cancellable);
    if (g_cancellable_set_error_if_cancelled(cancellable, error))
        return NULL;
    return assemble(root, &layout, candidates, staging, report, error);
}

DataSet *
data_folder_load(const char *root, const DataFolderOptions *options, DataFolderReport *report,
                 DataProgressFunc progress, gpointer progress_data, GCancellable *cancellable,
                 GError **error)
{
    g_return_val_if_fail(root != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    DataFolderOptions defaults = data_folder_options_default();
    if (options == NULL)
        options = &defaults;
    if (options->size < 8 || options->size > 2048) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("Image size %d is out of range: choose a size from 8 to 2048 pixels."),
                    options->size);
        return NULL;
    }

    /* The report is filled even when the load fails (skipped files explain a class left
     * without images); a caller that passed none gets nothing to free. */
    DataFolderReport local_report = {0};
    if (report == NULL)
        report = &local_report;
    data_folder_report_clear(report);
    report->skipped = g_ptr_array_new_with_free_func(skipped_file_free);

    DataSet *set = load_phases(root, options, report, progress, progress_data, cancellable,
                               error);

    if (report->skipped->len == 0)
        g_clear_pointer(&report->skipped, g_ptr_array_unref);
    if (report == &local_report)
        data_folder_report_clear(&local_report);
    return set;
}
