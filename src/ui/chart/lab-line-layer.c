/* LabLineLayer: one curve stroked with Cairo, decimated to the pixel columns it covers.
 * The chart clips to the plot area; here values far off the area are pinned just outside
 * it, so a diverged loss of 1e30 leaves the top edge instead of overflowing Cairo. */
#include "lab-line-layer.h"
#include "lab-series.h"

#include <math.h>

typedef struct {
  cairo_t *cr;
  gboolean pen_down;
  int column;              /* current pixel column, or G_MININT */
  double column_x;
  double first_y, min_y, max_y, last_y;
  guint min_index, max_index;
} Pen;

static void
pen_to (Pen    *pen,
        double  x,
        double  y)
{
  if (pen->pen_down)
    cairo_line_to (pen->cr, x, y);
  else
    cairo_move_to (pen->cr, x, y);
  pen->pen_down = TRUE;
}

/* Emits a finished column: enter at its first point, visit its extremes in the order they
 * came, leave at its last point. */
static void
flush_column (Pen *pen)
{
  if (pen->column == G_MININT)
    return;
  pen_to (pen, pen->column_x, pen->first_y);
  if (pen->min_index < pen->max_index)
    {
      pen_to (pen, pen->column_x, pen->min_y);
      pen_to (pen, pen->column_x, pen->max_y);
    }
  else
    {
      pen_to (pen, pen->column_x, pen->max_y);
      pen_to (pen, pen->column_x, pen->min_y);
    }
  pen_to (pen, pen->column_x, pen->last_y);
  pen->column = G_MININT;
}

void
lab_line_layer_draw (cairo_t                 *cr,
                     const cairo_rectangle_t *area,
                     LabAxis                 *x_axis,
                     LabAxis                 *y_axis,
                     LabChartXMode            x_mode,
                     const LabChartPoint     *points,
                     guint                    n_points,
                     const LabLineStyle      *style)
{
  gboolean decimate;
  Pen pen = { .cr = cr, .column = G_MININT };

  g_return_if_fail (cr != NULL);
  g_return_if_fail (area != NULL);
  g_return_if_fail (LAB_IS_AXIS (x_axis));
  g_return_if_fail (LAB_IS_AXIS (y_axis));
  g_return_if_fail (style != NULL);

  if (n_points == 0)
    return;

  decimate = n_points > 2 * area->width;

  cairo_save (cr);
  cairo_new_path (cr);
  for (guint i = 0; i < n_points; i++)
    {
      double ux = lab_axis_normalize (x_axis, lab_chart_point_x (&points[i], x_mode));
      double uy = lab_axis_normalize (y_axis, points[i].value);
      double x, y;

      if (!isfinite (ux) || !isfinite (uy))
        {
          flush_column (&pen);
          pen.pen_down = FALSE;
          continue;
        }

      x = area->x + ux * area->width;
      y = area->y + (1 - uy) * area->height;
      y = CLAMP (y, area->y - 4 * style->line_width, area->y + area->height + 4 * style->line_width);

      if (!decimate)
        {
          pen_to (&pen, x, y);
          continue;
        }

      if ((int) floor (x) != pen.column)
        {
          flush_column (&pen);
          pen.column = (int) floor (x);
          pen.column_x = pen.column + 0.5;
          pen.first_y = pen.min_y = pen.max_y = y;
          pen.min_index = pen.max_index = i;
        }
      if (y < pen.min_y)
        {
          pen.min_y = y;
          pen.min_index = i;
        }
      if (y > pen.max_y)
        {
          pen.max_y = y;
          pen.max_index = i;
        }
      pen.last_y = y;
    }
  flush_column (&pen);

  gdk_cairo_set_source_rgba (cr, &style->color);
  cairo_set_line_width (cr, style->line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, style->dashed ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
  if (style->dashed)
    {
      double dashes[] = { 4 * style->line_width, 2.5 * style->line_width };
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}
