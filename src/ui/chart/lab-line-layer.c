/* LabLineLayer: one curve drawn with Cairo. A dense curve becomes a min/max band of one box
 * per pixel column, filled once: a translucent stroke over thousands of self-crossing
 * segments makes Cairo tessellate every crossing (about 0.1 s per trace), boxes do not. A
 * line with more points than columns (dashed, or not dense enough for a band) keeps the
 * four of each column that can be seen. Values far off the area are pinned just outside
 * it (the chart clips), so a diverged loss of 1e30 leaves the top edge instead of
 * overflowing Cairo's fixed-point coordinates. */
#include "lab-line-layer.h"
#include "lab-series.h"

#include <math.h>

typedef struct {
  double x, lo, hi;   /* pixel column centre and the extent of its points */
} Column;

static inline gboolean
point_to_pixel (const LabChartProjection *proj,
                const LabChartPoint      *point,
                double                    slack,
                double                   *x,
                double                   *y)
{
  *x = lab_chart_projection_x (proj, lab_chart_point_x (point, proj->x_mode));
  *y = lab_chart_projection_y (proj, point->value);
  if (!isfinite (*x) || !isfinite (*y))
    return FALSE;
  *y = CLAMP (*y, proj->area.y - slack, proj->area.y + proj->area.height + slack);
  return TRUE;
}

/* Marks the columns' spans in an A8 mask covering the plot area (origin at area->x,
 * area->y - MASK_PAD) and widens the mask rows in use, top..bottom. */
#define MASK_PAD 8

static void
add_band (guint8       *mask,
          int           stride,
          int           mask_width,
          int           mask_height,
          const cairo_rectangle_t *area,
          const Column *columns,
          guint         n,
          int          *used_top,
          int          *used_bottom)
{
  for (guint i = 0; i < n; i++)
    {
      int x = (int) floor (columns[i].x - area->x);
      int top = (int) floor (columns[i].hi - area->y + MASK_PAD);
      int bottom = MAX ((int) ceil (columns[i].lo - area->y + MASK_PAD), top + 1);

      if (x < 0 || x >= mask_width)
        continue;
      top = CLAMP (top, 0, mask_height);
      bottom = CLAMP (bottom, 0, mask_height);
      for (int y = top; y < bottom; y++)
        mask[y * stride + x] = 0xff;
      *used_top = MIN (*used_top, top);
      *used_bottom = MAX (*used_bottom, bottom);
    }
}

/* What one stroke draws, gathered once for the band and the line. */
typedef struct {
  cairo_t                  *cr;
  const LabChartProjection *proj;
  const LabChartPoint      *points;
  guint                     n_points;
  const LabLineStyle       *style;
} Trace;

/* The band is painted through a mask written byte by byte: as a Cairo path, its 1 000+
 * boxes or its polygon cost 5-10x more than the dozen pixels each column covers. */
static void
draw_band (const Trace *trace)
{
  cairo_t *cr = trace->cr;
  const LabChartProjection *proj = trace->proj;
  const LabChartPoint *points = trace->points;
  const LabLineStyle *style = trace->style;
  guint n_points = trace->n_points;
  const cairo_rectangle_t *area = &proj->area;
  int mask_width = (int) ceil (area->width) + 1;
  int mask_height = (int) ceil (area->height) + 2 * MASK_PAD;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, mask_width, mask_height);
  guint8 *mask = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  g_autofree Column *columns = g_new (Column, mask_width + 4);
  guint max_columns = mask_width + 4;
  guint n = 0;
  int current = G_MININT;
  int used_top = mask_height, used_bottom = 0;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return;
    }

  cairo_surface_flush (surface);
  for (guint i = 0; i < n_points; i++)
    {
      double x, y;
      int column;

      if (!point_to_pixel (proj, &points[i], MASK_PAD - 1, &x, &y))
        {
          /* A gap: close this band, start another after it. */
          add_band (mask, stride, mask_width, mask_height, area, columns, n, &used_top, &used_bottom);
          n = 0;
          current = G_MININT;
          continue;
        }
      column = (int) floor (x);
      if (column != current)
        {
          if (n == max_columns)
            {
              add_band (mask, stride, mask_width, mask_height, area, columns, n, &used_top, &used_bottom);
              n = 0;
            }
          current = column;
          /* Half a line width either side: a flat stretch still shows as a thin line. */
          columns[n++] = (Column) { column + 0.5, y + style->line_width / 2, y - style->line_width / 2 };
        }
      else
        {
          columns[n - 1].lo = MAX (columns[n - 1].lo, y + style->line_width / 2);
          columns[n - 1].hi = MIN (columns[n - 1].hi, y - style->line_width / 2);
        }
    }
  add_band (mask, stride, mask_width, mask_height, area, columns, n, &used_top, &used_bottom);
  cairo_surface_mark_dirty (surface);

  if (used_bottom > used_top)
    {
      /* Composite only the rows the band uses, not the whole plot. */
      cairo_rectangle (cr, area->x, area->y - MASK_PAD + used_top, mask_width, used_bottom - used_top);
      cairo_clip (cr);
      gdk_cairo_set_source_rgba (cr, &style->color);
      cairo_mask_surface (cr, surface, area->x, area->y - MASK_PAD);
    }
  cairo_surface_destroy (surface);
}

/* The points of one pixel column a polyline passes through: only the first, the highest,
 * the lowest and the last can be seen (M4 aggregation), the rest are inside the strokes
 * between them. */
typedef struct {
  int    column;
  guint  n;              /* points met in the column */
  double first[2], last[2], top[2], bottom[2];
  guint  top_at, bottom_at;   /* which came first, top or bottom */
} ColumnPath;

/* Adds the column's visible points to the path, in the order the curve met them. */
static void
column_flush (cairo_t    *cr,
              ColumnPath *c,
              gboolean   *pen_down)
{
  const double *order[4];
  guint n = 0;

  if (c->n == 0)
    return;
  order[n++] = c->first;
  if (c->n > 2)
    {
      gboolean top_first = c->top_at <= c->bottom_at;
      order[n++] = top_first ? c->top : c->bottom;
      order[n++] = top_first ? c->bottom : c->top;
    }
  if (c->n > 1)
    order[n++] = c->last;
  for (guint i = 0; i < n; i++)
    {
      if (*pen_down)
        cairo_line_to (cr, order[i][0], order[i][1]);
      else
        cairo_move_to (cr, order[i][0], order[i][1]);
      *pen_down = TRUE;
    }
  c->n = 0;
}

/* Strokes the polyline. A curve with more points than the plot has pixel columns (a
 * 2000-epoch validation curve, dashed so not a band) keeps four points a column, so the
 * stroke costs the chart's width, not the run's length; the picture is the same, since
 * the dropped points lie inside the strokes between the kept ones. */
static void
draw_line (const Trace *trace)
{
  cairo_t *cr = trace->cr;
  const LabLineStyle *style = trace->style;
  gboolean pen_down = FALSE;
  gboolean decimate = trace->n_points > trace->proj->area.width;
  ColumnPath c = { .column = G_MININT };

  cairo_new_path (cr);
  for (guint i = 0; i < trace->n_points; i++)
    {
      double x, y;
      int column;

      if (!point_to_pixel (trace->proj, &trace->points[i], 4 * style->line_width, &x, &y))
        {
          column_flush (cr, &c, &pen_down);
          pen_down = FALSE;
          continue;
        }
      if (!decimate)
        {
          if (pen_down)
            cairo_line_to (cr, x, y);
          else
            cairo_move_to (cr, x, y);
          pen_down = TRUE;
          continue;
        }
      column = (int) floor (x);
      if (column != c.column || c.n == 0)
        {
          column_flush (cr, &c, &pen_down);
          c = (ColumnPath) { column, 1, { x, y }, { x, y }, { x, y }, { x, y }, 0, 0 };
          continue;
        }
      c.last[0] = x, c.last[1] = y;
      if (y < c.top[1])
        c.top[0] = x, c.top[1] = y, c.top_at = c.n;
      if (y > c.bottom[1])
        c.bottom[0] = x, c.bottom[1] = y, c.bottom_at = c.n;
      c.n++;
    }
  column_flush (cr, &c, &pen_down);

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
}

void
lab_line_layer_draw (cairo_t                  *cr,
                     const LabChartProjection *proj,
                     const LabChartPoint      *points,
                     guint                     n_points,
                     const LabLineStyle       *style)
{
  g_return_if_fail (cr != NULL);
  g_return_if_fail (proj != NULL);
  g_return_if_fail (style != NULL);

  if (n_points == 0)
    return;

  cairo_save (cr);
  if (n_points > 2 * proj->area.width && !style->dashed)
    draw_band (&(Trace) { cr, proj, points, n_points, style });
  else
    draw_line (&(Trace) { cr, proj, points, n_points, style });
  cairo_restore (cr);
}
