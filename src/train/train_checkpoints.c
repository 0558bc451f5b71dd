/* train_checkpoints: names, the ring rule, listing, disk usage, pruning and sharing of a run
 * folder's per-epoch checkpoints (train_checkpoints.h). Plain file work, no locks: the
 * worker prunes its own folder after each epoch, the app only folders that are not
 * training. */
#include "train_checkpoints.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *train_checkpoints_path(const char *run_dir, int epochs_done)
{
    g_return_val_if_fail(run_dir != NULL && epochs_done >= 0, NULL);

    g_autofree char *name = g_strdup_printf("epoch-%04d.ckpt", epochs_done);
    return g_build_filename(run_dir, TRAIN_CHECKPOINTS_DIR, name, NULL);
}

gboolean train_checkpoints_keeps(int keep_last, int keep_every, int epochs_done, int last,
                                 int best)
{
    if (keep_last <= 0 || epochs_done == last || epochs_done == best)
        return TRUE;
    if (epochs_done > last - keep_last && epochs_done <= last)
        return TRUE;
    return keep_every > 0 && epochs_done % keep_every == 0;
}

/* "epoch-0020.ckpt" -> 20; -1 for any other name (temporaries, foreign files). */
static int
epochs_of_name(const char *name)
{
    if (!g_str_has_prefix(name, "epoch-") || !g_str_has_suffix(name, ".ckpt"))
        return -1;
    const char *digits = name + strlen("epoch-");
    gsize n = strlen(digits) - strlen(".ckpt");
    if (n == 0 || n > 9)
        return -1;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isdigit(digits[i]))
            return -1;
    return atoi(digits);
}

static void
checkpoint_file_clear(gpointer data)
{
    TrainCheckpointFile *f = data;
    g_free(f->path);
}

static int
compare_files(gconstpointer a, gconstpointer b)
{
    const TrainCheckpointFile *x = a, *y = b;
    return (x->epochs_done > y->epochs_done) - (x->epochs_done < y->epochs_done);
}

GArray *train_checkpoints_list(const char *run_dir)
{
    g_return_val_if_fail(run_dir != NULL, NULL);

    GArray *files = g_array_new(FALSE, TRUE, sizeof(TrainCheckpointFile));
    g_array_set_clear_func(files, checkpoint_file_clear);
    g_autofree char *dir = g_build_filename(run_dir, TRAIN_CHECKPOINTS_DIR, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return files;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        int epochs = epochs_of_name(name);
        GStatBuf st;
        if (epochs < 0)
            continue;
        TrainCheckpointFile f = { epochs, g_build_filename(dir, name, NULL), 0 };
        if (g_lstat(f.path, &st) == 0 && S_ISREG(st.st_mode)) {
            f.bytes = (guint64) st.st_size;
            g_array_append_val(files, f);
        } else {
            g_free(f.path);
        }
    }
    g_array_sort(files, compare_files);
    return files;
}

typedef struct {
    GHashTable *seen;     /* "dev:ino" of files met, so a hard link counts once */
    guint64 total, checkpoints;
} Usage;

static void
measure(Usage *u, const char *path, gboolean in_checkpoints)
{
    GStatBuf st;
    if (g_lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            measure(u, child, in_checkpoints || g_str_equal(name, TRAIN_CHECKPOINTS_DIR));
        }
        return;
    }
    char *key = g_strdup_printf("%ju:%ju", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino);
    if (!g_hash_table_add(u->seen, key))
        return;
    /* Blocks on disk, as du counts them: what pruning gives back. */
    guint64 bytes = (guint64) st.st_blocks * 512;
    u->total += bytes;
    if (in_checkpoints)
        u->checkpoints += bytes;
}

guint64 train_checkpoints_disk_usage(const char *run_dir, guint64 *checkpoint_bytes)
{
    g_return_val_if_fail(run_dir != NULL, 0);

    /* The checkpoints first: a best.ckpt linked to one of them counts as a checkpoint. */
    Usage u = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), 0, 0 };
    g_autofree char *dir = g_build_filename(run_dir, TRAIN_CHECKPOINTS_DIR, NULL);
    measure(&u, dir, TRUE);
    measure(&u, run_dir, FALSE);
    g_hash_table_unref(u.seen);
    if (checkpoint_bytes)
        *checkpoint_bytes = u.checkpoints;
    return u.total;
}

gboolean train_checkpoints_prune(const char *run_dir, int keep_last, int keep_every, int last,
                                 int best, int *n_removed, guint64 *bytes_freed,
                                 GError **error)
{
    g_return_val_if_fail(run_dir != NULL, FALSE);

    g_autoptr(GArray) files = train_checkpoints_list(run_dir);
    int removed = 0;
    guint64 freed = 0;
    gboolean ok = TRUE;
    for (guint i = 0; i < files->len && ok; i++) {
        const TrainCheckpointFile *f = &g_array_index(files, TrainCheckpointFile, i);
        if (train_checkpoints_keeps(keep_last, keep_every, f->epochs_done, last, best))
            continue;
        if (g_unlink(f->path) == 0 || errno == ENOENT) {
            removed++;
            freed += f->bytes;
        } else {
            int saved = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                        _("Cannot remove the checkpoint %s: %s"), f->path, g_strerror(saved));
            ok = FALSE;
        }
    }
    if (n_removed)
        *n_removed = removed;
    if (bytes_freed)
        *bytes_freed = freed;
    return ok;
}

static gboolean
replace_failed(GError **error, int saved, const char *path)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), _("Cannot replace %s: %s"),
                path, g_strerror(saved));
    return FALSE;
}

/* The rename into place is durable once the folder's entry is on disk. */
static void
sync_folder_of(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

gboolean train_checkpoints_share(const char *src, const char *dst, GError **error)
{
    g_return_val_if_fail(src != NULL && dst != NULL, FALSE);

    g_autofree char *tmp = g_strdup_printf("%s.tmp-link-%d", dst, (int) getpid());
    g_unlink(tmp);
    if (link(src, tmp) == 0) {
        if (rename(tmp, dst) != 0) {
            int saved = errno;
            g_unlink(tmp);
            return replace_failed(error, saved, dst);
        }
        sync_folder_of(dst);
        return TRUE;
    }
    /* No hard links here (FAT, some network file systems) or across file systems: a copy,
     * written whole beside dst and renamed (g_file_set_contents fsyncs it first). */
    g_autofree char *contents = NULL;
    gsize length = 0;
    if (!g_file_get_contents(src, &contents, &length, error))
        return FALSE;
    if (!g_file_set_contents(dst, contents, (gssize) length, error))
        return FALSE;
    sync_folder_of(dst);
    return TRUE;
}
