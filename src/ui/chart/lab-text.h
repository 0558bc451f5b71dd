/* Text placed by an anchor: the one way the chart's layers and the small custom-drawn
 * charts beside it (U-curve, schedule preview, update ratios) put a label on a plot. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Draws layout so that its point (xalign, yalign) of its box (0 left/top .. 1 right/bottom)
 * lands on (x, y), rounded to whole pixels so the glyphs stay crisp. */
void lab_text_show (cairo_t     *cr,
                    PangoLayout *layout,
                    double       x,
                    double       y,
                    double       xalign,
                    double       yalign);

G_END_DECLS
