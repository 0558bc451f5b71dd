/* The hover: a line at the x under the pointer and a box of each visible run's raw values
 * at the nearest point. The rows are built by one function for the box and for
 * lab_chart_describe_at; the box's Pango layouts are kept until the snapped x, the data
 * or the fonts change, so a frame only paints them. */
#include "lab-hover-layer.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>

#define HOVER_PAD    8
#define HOVER_SWATCH 14
#define HOVER_GAP    6

typedef struct {
  GdkRGBA color;
  char *text;
} DescribeRow;

typedef struct {
  GdkRGBA color;
  PangoLayout *text;
} BoxRow;

struct _LabChartHover
{
  double x;                 /* as set, unsnapped; NAN: none */

  /* The box's text, for text_x in layout generation text_generation. */
  gboolean text_valid;
  double text_x;
  guint text_generation;
  PangoLayout *header;
  GArray *rows;             /* of BoxRow */
  double box_width;
  double box_height;
  guint n_texts;
};

static void
describe_row_clear (gpointer data)
{
  g_free (((DescribeRow *) data)->text);
}

static void
box_row_clear (gpointer data)
{
  g_clear_object (&((BoxRow *) data)->text);
}

LabChartHover *
lab_chart_hover_new (void)
{
  LabChartHover *self = g_new0 (LabChartHover, 1);

  self->x = NAN;
  self->rows = g_array_new (FALSE, FALSE, sizeof (BoxRow));
  g_array_set_clear_func (self->rows, box_row_clear);
  return self;
}

void
lab_chart_hover_free (LabChartHover *self)
{
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_object (&self->header);
  g_free (self);
}

/* Equal, NAN included: moving from off the plot to off the plot changes nothing. */
static gboolean
same_x (double a,
        double b)
{
  return a == b || (isnan (a) && isnan (b));
}

gboolean
lab_chart_hover_set_x (LabChartHover       *self,
                       const LabChartModel *model,
                       double               x_value)
{
  gboolean moved = !same_x (lab_chart_model_snap_x (model, self->x), lab_chart_model_snap_x (model, x_value));

  self->x = x_value;
  return moved;
}

void
lab_chart_hover_invalidate (LabChartHover *self)
{
  self->text_valid = FALSE;
}

guint
lab_chart_hover_get_n_texts (LabChartHover *self)
{
  return self->n_texts;
}

static char *
describe_header (const LabChartModel *model,
                 double               x)
{
  if (model->x_mode == LAB_CHART_X_EPOCH)
    return model->x_label != NULL ? g_strdup_printf ("%s %g", model->x_label, x) : g_strdup_printf (_("Epoch %g"), x);
  if (x >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (x / 3600), (int) fmod (x / 60, 60), (int) fmod (x, 60));
  return g_strdup_printf ("%d:%02d", (int) (x / 60), (int) fmod (x, 60));
}

/* Three decimals, so a column of losses or accuracies lines up; tiny or huge values (a
 * diverging loss) in the exponent form. */
static char *
format_value (double value)
{
  if (isfinite (value) && fabs (value) >= 0.01 && fabs (value) < 1000)
    return g_strdup_printf ("%.3f", value);
  if (value == 0)
    return g_strdup ("0");
  return g_strdup_printf ("%.3g", value);
}

/* Whether a fork's values at x are its parent's (an epoch up to the fork's, while the
 * parent is shown): the parent's row says them once. */
static gboolean
shared_with_parent (const LabChartModel *model,
                    const LabChartRun   *run,
                    double               x)
{
  guint index;

  if (lab_chart_model_fork_parent (model, run) == NULL)
    return FALSE;
  for (guint c = LAB_CHART_CURVE_TRAIN; c <= LAB_CHART_CURVE_VAL; c++)
    if (lab_series_find_nearest (run->series[c], x, model->x_mode, &index))
      return lab_series_get_points (run->series[c], NULL)[index].epoch <= run->fork_epoch;
  return FALSE;
}

/* The row that speaks for run at x: its own, or (a fork at a shared epoch) the nearest
 * ancestor's that is not shared itself. */
static const LabChartRun *
speaking_run (const LabChartModel *model,
              const LabChartRun   *run,
              double               x)
{
  /* A chain of forks is as long as the runs at most, even a broken (cyclic) one. */
  for (guint hops = 0; hops <= model->runs->len && shared_with_parent (model, run, x); hops++)
    run = lab_chart_model_fork_parent (model, run);
  return run;
}

/* One row per visible run that has something to say at x. Values shown are the raw ones,
 * not the smoothed: the box is where the exact numbers are. A fork at an epoch it shares
 * with its parent has no row: its values are the parent's, whose row names it. */
static GArray *
describe_rows (const LabChartModel *model,
               double               x)
{
  static const char *names[LAB_CHART_N_CURVES] = { N_("train"), N_("val"), N_("batch") };
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (DescribeRow));

  g_array_set_clear_func (rows, describe_row_clear);
  for (guint i = 0; i < model->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (model->runs, i);
      g_autoptr(GString) text = NULL;
      double diverged_x;
      gboolean any = FALSE;
      guint n_forks = 0;

      if (!run->visible || speaking_run (model, run, x) != run)
        continue;

      text = g_string_new (run->label);
      for (guint k = 0; k < model->runs->len; k++)
        {
          const LabChartRun *other = g_ptr_array_index (model->runs, k);
          n_forks += other != run && other->visible && speaking_run (model, other, x) == run;
        }
      if (n_forks > 0)
        {
          g_string_append_c (text, ' ');
          g_string_append_printf (text, ngettext ("(and its fork)", "(and its %u forks)", n_forks), n_forks);
        }
      g_string_append_c (text, ':');
      for (guint c = LAB_CHART_CURVE_TRAIN; c <= LAB_CHART_CURVE_BATCH; c++)
        {
          const LabChartPoint *p;
          guint index;

          /* The batch value only when the epoch curves have nothing to say yet. */
          if (c == LAB_CHART_CURVE_BATCH && any)
            break;
          if (!lab_series_find_nearest (run->series[c], x, model->x_mode, &index))
            continue;
          p = lab_series_get_points (run->series[c], NULL);
          g_autofree char *value = format_value (p[index].value);
          g_string_append_printf (text, "%s %s %s", any ? "," : "", _(names[c]), value);
          any = TRUE;
        }
      if (lab_chart_run_diverged_at (run, model->x_mode, &diverged_x) && x >= diverged_x - 0.5)
        {
          g_string_append_printf (text, "%s ", any ? "," : "");
          g_string_append_printf (text, _("diverged at epoch %g"), run->diverged_epoch);
          any = TRUE;
        }
      if (any)
        {
          DescribeRow row = { run->color, g_string_free (g_steal_pointer (&text), FALSE) };
          g_array_append_val (rows, row);
        }
    }
  return rows;
}

char *
lab_chart_hover_describe (const LabChartModel *model,
                          double               x_value)
{
  g_autoptr(GArray) rows = NULL;
  GString *text;

  x_value = lab_chart_model_snap_x (model, x_value);
  rows = describe_rows (model, x_value);
  text = g_string_new (NULL);
  {
    g_autofree char *header = describe_header (model, x_value);
    g_string_append (text, header);
  }
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (text, "\n%s", g_array_index (rows, DescribeRow, i).text);
  return g_string_free (text, FALSE);
}

/* The box's text for x: a bold header, then one row per run, laid out and measured. */
static void
ensure_text (LabChartHover             *self,
             const LabChartDrawContext *dc,
             double                     x)
{
  guint generation = lab_chart_layout_get_generation (dc->layout);
  g_autoptr(GArray) rows = NULL;
  g_autofree char *header = NULL;
  int tw, th;

  if (self->text_valid && self->text_x == x && self->text_generation == generation)
    return;
  self->text_valid = TRUE;
  self->text_x = x;
  self->text_generation = generation;
  self->n_texts++;

  header = describe_header (dc->model, x);
  g_clear_object (&self->header);
  self->header = lab_chart_layout_new_text (dc->layout, header, 1, TRUE);
  pango_layout_get_pixel_size (self->header, &tw, &th);
  self->box_width = tw;
  self->box_height = th;

  rows = describe_rows (dc->model, x);
  g_array_set_size (self->rows, 0);
  for (guint i = 0; i < rows->len; i++)
    {
      const DescribeRow *row = &g_array_index (rows, DescribeRow, i);
      BoxRow box_row = { row->color, lab_chart_layout_new_text (dc->layout, row->text, 0.95, FALSE) };

      pango_layout_get_pixel_size (box_row.text, &tw, &th);
      self->box_width = MAX (self->box_width, HOVER_SWATCH + HOVER_GAP + tw);
      self->box_height += th + 2;
      g_array_append_val (self->rows, box_row);
    }
  self->box_width = ceil (self->box_width + 2 * HOVER_PAD);
  self->box_height = ceil (self->box_height + 2 * HOVER_PAD);
}

gboolean
lab_chart_hover_place (LabChartHover             *self,
                       const LabChartDrawContext *dc,
                       double                    *line_x,
                       graphene_rect_t           *box)
{
  const cairo_rectangle_t *a = &dc->proj.area;
  double x_value = lab_chart_model_snap_x (dc->model, self->x);
  double ux = lab_axis_map_normalize (&dc->proj.x_map, x_value);
  double x, w;

  if (!isfinite (ux) || ux < 0 || ux > 1)
    return FALSE;
  x = floor (a->x + ux * a->width) + 0.5;

  ensure_text (self, dc, x_value);
  w = self->box_width;
  *line_x = x;
  /* Beside the line, on whichever side has room. */
  box->origin.x = x + 12 + w <= a->x + a->width ? x + 12 : x - 12 - w;
  box->origin.x = floor (MAX (box->origin.x, 0));
  box->origin.y = a->y + 8;
  box->size.width = w;
  box->size.height = self->box_height;
  return TRUE;
}

GdkRGBA
lab_chart_hover_line_color (const LabChartDrawContext *dc)
{
  return lab_chart_with_alpha (&dc->ink, 0.45);
}

void
lab_chart_hover_draw_box (LabChartHover             *self,
                          const LabChartDrawContext *dc,
                          const graphene_rect_t     *box)
{
  cairo_t *cr = dc->cr;
  double bx = box->origin.x, by = box->origin.y;
  double y;
  int th;

  g_assert (self->text_valid);

  lab_chart_draw_box (dc, bx + 0.5, by + 0.5, box->size.width - 1, box->size.height - 1);
  lab_chart_set_ink (dc, 0.95);
  cairo_move_to (cr, bx + HOVER_PAD, by + HOVER_PAD);
  pango_cairo_show_layout (cr, self->header);
  pango_layout_get_pixel_size (self->header, NULL, &th);
  y = by + HOVER_PAD + th + 2;
  for (guint i = 0; i < self->rows->len; i++)
    {
      const BoxRow *row = &g_array_index (self->rows, BoxRow, i);

      pango_layout_get_pixel_size (row->text, NULL, &th);
      cairo_new_path (cr);
      cairo_rectangle (cr, bx + HOVER_PAD, y + th / 2.0 - 4, HOVER_SWATCH - 4, 8);
      gdk_cairo_set_source_rgba (cr, &row->color);
      cairo_fill (cr);
      lab_chart_set_ink (dc, 0.95);
      cairo_move_to (cr, bx + HOVER_PAD + HOVER_SWATCH + HOVER_GAP - 4, y);
      pango_cairo_show_layout (cr, row->text);
      y += th + 2;
    }
}

/* The export's and lab_chart_draw's hover: the same line and box the snapshot makes nodes of. */
static void
hover_layer_draw (const LabChartDrawContext *dc)
{
  GdkRGBA line_color = lab_chart_hover_line_color (dc);
  graphene_rect_t box;
  double x;

  if (!lab_chart_hover_place (dc->hover, dc, &x, &box))
    return;
  gdk_cairo_set_source_rgba (dc->cr, &line_color);
  cairo_rectangle (dc->cr, x - 0.5, dc->proj.area.y, 1, dc->proj.area.height);
  cairo_fill (dc->cr);
  lab_chart_hover_draw_box (dc->hover, dc, &box);
}

const LabChartLayerClass lab_hover_layer = {
  .name = "hover", .slot = LAB_CHART_SLOT_HOVER, .redraw_on = LAB_CHART_CHANGE_HOVER,
  .draw = hover_layer_draw,
};
