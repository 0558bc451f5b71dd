/* data_synthetic_export: writes a dataset to disk in the image-folder layout that
 * data_folder_load reads back (lrlab-train --export-synthetic), with its class order, so a
 * user can look at the built-in images or train another tool on exactly the same files. */
#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "data_folder.h"
#include "data_synthetic.h"

gboolean
data_synthetic_export(const DataSet *set, const char *dir, GError **error)
{
    g_return_val_if_fail(set != NULL, FALSE);
    g_return_val_if_fail(dir != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    for (int c = 0; c < set->num_classes; c++) {
        g_autofree char *class_dir = g_build_filename(dir, set->class_names[c], NULL);
        if (g_mkdir_with_parents(class_dir, 0755) != 0) {
            int saved = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                        _("Cannot create folder %s: %s"), class_dir, g_strerror(saved));
            return FALSE;
        }
    }
    /* The class order the network numbers them in (good = 0): data_folder_load reads it
     * back instead of sorting the names, so the same chips from a folder train the same
     * network as the built-in ones. */
    g_autofree char *order = g_build_filename(dir, DATA_FOLDER_CLASS_ORDER_FILE, NULL);
    g_autofree char *names = g_strjoinv("\n", set->class_names);
    g_autofree char *text = g_strconcat(names, "\n", NULL);
    if (!g_file_set_contents(order, text, -1, error)) {
        g_prefix_error(error, _("Cannot write %s: "), order);
        return FALSE;
    }
    for (int i = 0; i < set->count; i++) {
        /* Keep the number the source name carries, so exported files trace back. */
        const char *src = set->sources[i];
        const char *slash = src != NULL ? strrchr(src, '/') : NULL;
        g_autofree char *base = g_str_has_prefix(src ? src : "", "synthetic/") && slash != NULL
                                ? g_strdup_printf("%s.png", slash + 1)
                                : g_strdup_printf("%06d.png", i);
        g_autofree char *path = g_build_filename(dir, set->class_names[set->labels[i]], base, NULL);
        /* The pixbuf only reads the pixels; the cast drops const for its constructor. */
        g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data(
            (guint8 *) data_set_image(set, i), GDK_COLORSPACE_RGB, FALSE, 8, set->width,
            set->height, set->width * 3, NULL, NULL);
        if (!gdk_pixbuf_save(pixbuf, path, "png", error, NULL)) {
            g_prefix_error(error, _("Cannot write %s: "), path);
            return FALSE;
        }
    }
    return TRUE;
}
