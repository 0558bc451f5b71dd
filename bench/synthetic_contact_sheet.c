/* synthetic-contact-sheet: draws docs/synthetic-contact-sheet.png, a grid of synthetic IC
 * chips with one row per class (good, then each defect kind), so people can judge the
 * built-in dataset by eye. Usage: synthetic-contact-sheet OUT.png [--size 128] [--boxes] */
#include <stdlib.h>
#include <cairo.h>
#include "data_synthetic.h"

#define LABEL_WIDTH 150

int
main(int argc, char **argv)
{
    int size = 128, cols = 8;
    double difficulty = DATA_SYNTHETIC_DEFAULT_DIFFICULTY;
    gint64 seed = 42;
    gboolean boxes = FALSE;
    int first = 0, rows = 1 + DATA_N_DEFECTS;
    GOptionEntry entries[] = {
        { "size", 's', 0, G_OPTION_ARG_INT, &size, "Tile side in pixels (16..384)", "N" },
        { "cols", 'c', 0, G_OPTION_ARG_INT, &cols, "Images per row", "N" },
        { "difficulty", 'd', 0, G_OPTION_ARG_DOUBLE, &difficulty, "Defect difficulty 0..1", "D" },
        { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed", "S" },
        { "boxes", 'b', 0, G_OPTION_ARG_NONE, &boxes, "Outline where each defect was drawn", NULL },
        { "first", 0, 0, G_OPTION_ARG_INT, &first, "First row (0 good, 1.. defect kinds)", "N" },
        { "rows", 0, 0, G_OPTION_ARG_INT, &rows, "Number of rows", "N" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("OUT.png");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2 ||
        size < DATA_SYNTHETIC_MIN_SIZE || size > DATA_SYNTHETIC_MAX_SIZE || cols < 1 ||
        first < 0 || rows < 1 || first + rows > 1 + DATA_N_DEFECTS) {
        g_printerr("%s\n", error ? error->message : "usage: synthetic-contact-sheet OUT.png [--size 16..384]");
        return 2;
    }

    int gap = 4;
    int width = LABEL_WIDTH + cols * (size + gap), height = rows * (size + gap) + gap;
    cairo_surface_t *sheet = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t *cr = cairo_create(sheet);
    cairo_set_source_rgb(cr, 0.96, 0.96, 0.95);
    cairo_paint(cr);

    guint8 *rgb = g_malloc((gsize) size * size * 3);
    cairo_surface_t *tile = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size, size);
    for (int r = 0; r < rows; r++) {
        int defect = first + r - 1;
        double y = gap + r * (size + gap);
        /* Labels use Cairo's toy text: fine for a figure, never in the dataset itself. */
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        cairo_set_font_size(cr, 15);
        cairo_move_to(cr, 10, y + size / 2.0 + 5);
        cairo_show_text(cr, defect < 0 ? "good" : data_defect_kind_name(defect));
        for (int c = 0; c < cols; c++) {
            DataSyntheticBox box;
            /* Different chips in every cell; the same chip index never repeats. */
            data_synthetic_draw(rgb, size, difficulty, (guint64) seed, (first + r) * cols + c, defect, &box);
            cairo_surface_flush(tile);
            guint8 *data = cairo_image_surface_get_data(tile);
            int stride = cairo_image_surface_get_stride(tile);
            for (int yy = 0; yy < size; yy++)
                for (int xx = 0; xx < size; xx++) {
                    const guint8 *p = rgb + ((gsize) yy * size + xx) * 3;
                    ((guint32 *) (data + (gsize) yy * stride))[xx] = (guint32) p[0] << 16 | (guint32) p[1] << 8 | p[2];
                }
            cairo_surface_mark_dirty(tile);
            double x = LABEL_WIDTH + c * (size + gap);
            cairo_set_source_surface(cr, tile, x, y);
            cairo_paint(cr);
            if (boxes && box.width > 0) {
                cairo_rectangle(cr, x + box.x + 0.5, y + box.y + 0.5, box.width - 1, box.height - 1);
                cairo_set_source_rgb(cr, 1, 0.2, 0.2);
                cairo_set_line_width(cr, 1);
                cairo_stroke(cr);
            }
        }
    }
    cairo_status_t status = cairo_surface_write_to_png(sheet, argv[1]);
    cairo_surface_destroy(tile);
    cairo_destroy(cr);
    cairo_surface_destroy(sheet);
    g_free(rgb);
    if (status != CAIRO_STATUS_SUCCESS) {
        g_printerr("Cannot write %s: %s\n", argv[1], cairo_status_to_string(status));
        return 1;
    }
    return 0;
}
