/* lab-text.c: see lab-text.h. */
#include "lab-text.h"

#include <math.h>

void
lab_text_show (cairo_t     *cr,
               PangoLayout *layout,
               double       x,
               double       y,
               double       xalign,
               double       yalign)
{
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - xalign * w), round (y - yalign * h));
  pango_cairo_show_layout (cr, layout);
}
