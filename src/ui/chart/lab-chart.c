/* LabChart: training vs validation curves of several runs for one metric. It stacks the
 * parts Sysprof's charts are made of: two LabAxis (value -> 0..1), a LabSeries per curve
 * (the points), and line layers drawn in snapshot() by one function that the export uses too. */
#include "lab-chart.h"
#include "lab-chart-enums.h"
#include "lab-chart-private.h"
#include "lab-axis.h"
#include "lab-line-layer.h"
#include "lab-series.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* Fixed margins (px) around the plot area: wide enough for tick labels such as "0.0001"
 * at the default font, and fixed so that a value maps to the same pixel whatever the data. */
#define MARGIN_LEFT       76
#define MARGIN_RIGHT      24
#define MARGIN_TOP        20
#define MARGIN_TOP_TITLE  52
#define MARGIN_BOTTOM     58

#define TRAIN_WIDTH   2.5
#define DATA_REDRAW_INTERVAL (100 * G_TIME_SPAN_MILLISECOND)
#define BATCH_ALPHA   0.22
#define RAW_ALPHA     0.30

typedef struct {
  guint id;
  char *label;
  GdkRGBA color;
  gboolean visible;
  LabSeries *series[LAB_CHART_N_CURVES];
  double best_epoch;        /* <0: none */
  double diverged_epoch;    /* <0: none */
  double diverged_seconds;
} LabChartRun;

struct _LabChart
{
  GtkWidget parent_instance;

  GPtrArray *runs;          /* of LabChartRun, in the order they were added */
  LabAxis *x_axis;
  LabAxis *y_axis;
  char *title;
  char *y_label;
  double smoothing;
  double y_limit_min;
  double y_limit_max;
  double hover_x;           /* the x value under the pointer; NAN when outside */

  /* The last drawing of each layer, reused until what it shows changes: a hover frame
   * costs the line and the box, a new batch the batch layer, not the whole chart. */
  GskRenderNode *layer_nodes[2];
  int cache_width;
  int cache_height;
  GdkRGBA cache_ink;
  double shown_ranges[4];   /* x min, x max, y min, y max that the layers were drawn for */
  guint stale_layers;       /* bit per layer made stale by new points, not yet dropped */
  guint data_redraw_source; /* the pending throttled redraw */
  gint64 last_data_redraw;  /* monotonic us */
  LabChartXMode x_mode;
  double time_unit;         /* seconds per x label unit in time mode: 1, 60 or 3600 */
  guint next_run_id;

  gboolean log_y;           /* whole gbooleans, not bit-fields: set_data_flag takes their address */
  gboolean show_batches;
  guint ranges_dirty : 1;
};

G_DEFINE_FINAL_TYPE (LabChart, lab_chart, GTK_TYPE_WIDGET)

/* g_set_str() is GLib 2.76; Debian 12 has 2.74. */
static gboolean
set_str (char       **str,
         const char  *value)
{
  if (g_strcmp0 (*str, value) == 0)
    return FALSE;
  g_free (*str);
  *str = g_strdup (value);
  return TRUE;
}

enum {
  PROP_0,
  PROP_TITLE,
  PROP_Y_LABEL,
  PROP_SMOOTHING,
  PROP_LOG_Y,
  PROP_X_MODE,
  PROP_SHOW_BATCHES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GNOME's palette (blue 3, red 3, green 4, orange 3, purple 3, teal, brown 3, yellow 5):
 * mid-tones that keep their contrast on Adwaita's light and dark backgrounds. */
static const GdkRGBA palette[LAB_CHART_PALETTE_SIZE] = {
  { 0x35 / 255., 0x84 / 255., 0xe4 / 255., 1 },
  { 0xe0 / 255., 0x1b / 255., 0x24 / 255., 1 },
  { 0x2e / 255., 0xc2 / 255., 0x7e / 255., 1 },
  { 0xff / 255., 0x78 / 255., 0x00 / 255., 1 },
  { 0x91 / 255., 0x41 / 255., 0xac / 255., 1 },
  { 0x21 / 255., 0x90 / 255., 0xa4 / 255., 1 },
  { 0x98 / 255., 0x6a / 255., 0x44 / 255., 1 },
  { 0xe5 / 255., 0xa5 / 255., 0x0a / 255., 1 },
};

const GdkRGBA *
lab_chart_palette_color (guint i)
{
  return &palette[i % LAB_CHART_PALETTE_SIZE];
}

static void
lab_chart_run_free (gpointer data)
{
  LabChartRun *run = data;

  for (guint i = 0; i < LAB_CHART_N_CURVES; i++)
    g_clear_object (&run->series[i]);
  g_clear_pointer (&run->label, g_free);
  g_free (run);
}

static LabChartRun *
find_run (LabChart *self,
          guint     run_id)
{
  for (guint i = 0; i < self->runs->len; i++)
    {
      LabChartRun *run = g_ptr_array_index (self->runs, i);
      if (run->id == run_id)
        return run;
    }
  return NULL;
}

static void
drop_cache (LabChart *self,
            gboolean  all_layers)
{
  g_clear_pointer (&self->layer_nodes[0], gsk_render_node_unref);
  if (all_layers)
    g_clear_pointer (&self->layer_nodes[1], gsk_render_node_unref);
}

/* A change of what the chart shows (not of the hover): the cached drawing is stale. The
 * widget draws on the next frame, never now. */
static void
appearance_changed (LabChart *self)
{
  drop_cache (self, TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Every data or option change goes through here: ranges are recomputed lazily, at the next
 * draw or mapping query. */
static void
data_changed (LabChart *self)
{
  self->ranges_dirty = TRUE;
  appearance_changed (self);
}

/* Drops the layers that new points made stale and asks for a frame. */
static void
redraw_stale_layers (LabChart *self)
{
  if (self->stale_layers & (1 << 0))
    g_clear_pointer (&self->layer_nodes[0], gsk_render_node_unref);
  if (self->stale_layers & (1 << 1))
    g_clear_pointer (&self->layer_nodes[1], gsk_render_node_unref);
  self->stale_layers = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_data_redraw_due (gpointer data)
{
  LabChart *self = data;

  self->data_redraw_source = 0;
  redraw_stale_layers (self);
  return G_SOURCE_REMOVE;
}

/* New points: batches make only the batch layer stale (unless a range moves, which
 * ensure_ranges catches), epochs both. The data layers are redrawn at most every
 * DATA_REDRAW_INTERVAL: a trace that grows 20 times a second then costs half the CPU,
 * which the training on the same cores wants, while the hover still follows every frame. */
static void
points_arrived (LabChart      *self,
                LabChartCurve  curve)
{
  gint64 now, due;

  self->ranges_dirty = TRUE;
  self->stale_layers |= curve == LAB_CHART_CURVE_BATCH ? 1 << 0 : (1 << 0) | (1 << 1);
  if (self->data_redraw_source != 0)
    return;

  now = g_get_monotonic_time ();
  due = self->last_data_redraw + DATA_REDRAW_INTERVAL;
  if (now >= due)
    redraw_stale_layers (self);
  else
    self->data_redraw_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (due - now) / 1000 + 1,
                                                   on_data_redraw_due, self, NULL);
}

static gboolean
run_diverged_at (const LabChartRun *run,
                 LabChartXMode      x_mode,
                 double            *x)
{
  if (run->diverged_epoch < 0)
    return FALSE;
  *x = x_mode == LAB_CHART_X_TIME ? run->diverged_seconds : run->diverged_epoch;
  return isfinite (*x);
}

static void
ensure_ranges (LabChart *self)
{
  g_autoptr(GArray) values = NULL;
  g_autoptr(GArray) keep = NULL;
  gboolean have_epoch_points = FALSE;
  double x_max = self->x_mode == LAB_CHART_X_EPOCH ? 5 : 10;
  double y_min = NAN, y_max = NAN;

  g_assert (LAB_IS_CHART (self));

  if (!self->ranges_dirty)
    return;
  self->ranges_dirty = FALSE;

  values = g_array_new (FALSE, FALSE, sizeof (double));
  keep = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < self->runs->len; i++)
    {
      LabChartRun *run = g_ptr_array_index (self->runs, i);
      guint n_train = 0, n_val = 0;

      if (!run->visible)
        continue;
      lab_series_get_points (run->series[LAB_CHART_CURVE_TRAIN], &n_train);
      lab_series_get_points (run->series[LAB_CHART_CURVE_VAL], &n_val);
      if (n_train + n_val > 0)
        have_epoch_points = TRUE;
    }

  for (guint i = 0; i < self->runs->len; i++)
    {
      LabChartRun *run = g_ptr_array_index (self->runs, i);
      double x;

      if (!run->visible)
        continue;

      for (guint c = 0; c < LAB_CHART_N_CURVES; c++)
        {
          guint n;
          const LabChartPoint *p = lab_series_get_points (run->series[c], &n);
          /* The faint batch trace sets the y range only until the first epoch ends:
           * its noise would otherwise squash the curves the class is looking at. */
          gboolean for_y = c != LAB_CHART_CURVE_BATCH || !have_epoch_points;

          if (n == 0)
            continue;
          if (c != LAB_CHART_CURVE_BATCH || self->show_batches || !have_epoch_points)
            x_max = MAX (x_max, lab_chart_point_x (&p[n - 1], self->x_mode));
          if (!for_y)
            continue;
          for (guint k = 0; k < n; k++)
            g_array_append_val (values, p[k].value);
          g_array_append_val (keep, p[0].value);
        }

      if (run_diverged_at (run, self->x_mode, &x))
        x_max = MAX (x_max, x);
    }

  /* Long runs count in minutes or hours: "90 min" reads better than "5400". */
  if (self->x_mode == LAB_CHART_X_TIME)
    self->time_unit = x_max > 3 * 3600 ? 3600 : x_max > 600 ? 60 : 1;
  else
    self->time_unit = 1;
  lab_axis_set_unit (self->x_axis, self->time_unit);
  lab_axis_set_limits (self->x_axis, 0, NAN);
  lab_axis_fit (self->x_axis, 0, x_max);

  lab_axis_set_log (self->y_axis, self->log_y);
  lab_axis_set_limits (self->y_axis, self->y_limit_min, self->y_limit_max);
  lab_axis_robust_range ((const double *) (gpointer) values->data, values->len,
                         (const double *) (gpointer) keep->data, keep->len,
                         self->log_y, &y_min, &y_max);
  lab_axis_fit (self->y_axis, y_min, y_max);

  {
    double ranges[4];

    lab_axis_get_range (self->x_axis, &ranges[0], &ranges[1]);
    lab_axis_get_range (self->y_axis, &ranges[2], &ranges[3]);
    if (memcmp (ranges, self->shown_ranges, sizeof ranges) != 0)
      {
        drop_cache (self, TRUE);
        memcpy (self->shown_ranges, ranges, sizeof ranges);
      }
  }
}

/* Layout */

/* The widget's font at an absolute size: points to pixels at 96 dpi, Cairo's unit
 * everywhere, so the widget, the export and the layout below measure the same text. */
static PangoFontDescription *
chart_font (LabChart *self,
            double    scale,
            gboolean  bold)
{
  PangoContext *pango = gtk_widget_get_pango_context (GTK_WIDGET (self));
  PangoFontDescription *font = pango_font_description_copy (pango_context_get_font_description (pango));
  double size = pango_font_description_get_size (font);

  if (size <= 0)
    size = 11 * PANGO_SCALE;
  if (!pango_font_description_get_size_is_absolute (font))
    size = size * 96.0 / 72.0;
  /* A chart is read from across a room, projected: its text a third larger than the UI's. */
  pango_font_description_set_absolute_size (font, size * scale * 4 / 3);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  return font;
}

/* The legend sits in a band above the plot, never over the data: one item per visible run,
 * then the key to the line styles and markers, flowing into as many rows as the width needs. */
typedef enum {
  LEGEND_RUN,
  LEGEND_TRAIN,
  LEGEND_VAL,
  LEGEND_BEST,
  LEGEND_DIVERGED,
} LegendKind;

typedef struct {
  LegendKind kind;
  const LabChartRun *run;   /* for LEGEND_RUN */
  const char *text;
  double x, y;              /* top left, px */
  double width, height;
} LegendItem;

#define LEGEND_SWATCH      28
#define LEGEND_SWATCH_GAP  7
#define LEGEND_GAP         18
#define LEGEND_ROW_GAP     4
#define LEGEND_MARGIN      12

static double
legend_top (LabChart *self)
{
  return self->title != NULL && self->title[0] != 0 ? 50 : 12;
}

static GArray *
layout_legend (LabChart *self,
               int       width,
               double   *bottom)
{
  GArray *items = g_array_new (FALSE, FALSE, sizeof (LegendItem));
  PangoFontDescription *font = chart_font (self, 1, FALSE);
  PangoLayout *layout = pango_layout_new (gtk_widget_get_pango_context (GTK_WIDGET (self)));
  gboolean any_best = FALSE, any_diverged = FALSE;
  /* The legend spans the whole width, not only the plot's: narrow charts (two side by
   * side in the window) then keep the key on one row. */
  double x = LEGEND_MARGIN, y = legend_top (self), row_height = 0;
  double right = MAX (width - LEGEND_MARGIN, LEGEND_MARGIN + 1);

  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (self->runs, i);
      if (!run->visible)
        continue;
      g_array_append_val (items, ((LegendItem) { LEGEND_RUN, run, run->label }));
      any_best |= run->best_epoch >= 0;
      any_diverged |= run->diverged_epoch >= 0;
    }
  if (items->len > 0)
    {
      g_array_append_val (items, ((LegendItem) { LEGEND_TRAIN, NULL, _("training") }));
      g_array_append_val (items, ((LegendItem) { LEGEND_VAL, NULL, _("validation") }));
      if (any_best)
        g_array_append_val (items, ((LegendItem) { LEGEND_BEST, NULL, _("best epoch") }));
      if (any_diverged)
        g_array_append_val (items, ((LegendItem) { LEGEND_DIVERGED, NULL, _("diverged") }));
    }

  pango_layout_set_font_description (layout, font);
  for (guint i = 0; i < items->len; i++)
    {
      LegendItem *item = &g_array_index (items, LegendItem, i);
      /* A wider gap between the runs and the key. */
      double gap = item->kind == LEGEND_TRAIN ? 2 * LEGEND_GAP : LEGEND_GAP;
      int tw, th;

      pango_layout_set_text (layout, item->text, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      item->width = LEGEND_SWATCH + LEGEND_SWATCH_GAP + tw;
      item->height = th;
      if (i > 0)
        x += gap;
      if (i > 0 && x + item->width > right)
        {
          x = LEGEND_MARGIN;
          y += row_height + LEGEND_ROW_GAP;
          row_height = 0;
        }
      item->x = x;
      item->y = y;
      x += item->width;
      row_height = MAX (row_height, th);
    }

  *bottom = items->len > 0 ? y + row_height : legend_top (self);
  g_object_unref (layout);
  pango_font_description_free (font);
  return items;
}

void
lab_chart_get_plot_area (LabChart          *self,
                         int                width,
                         int                height,
                         cairo_rectangle_t *area)
{
  double top;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (area != NULL);

  top = self->title != NULL && self->title[0] != 0 ? MARGIN_TOP_TITLE : MARGIN_TOP;
  if (self->runs->len > 0)
    {
      double legend_bottom;
      g_autoptr(GArray) items = layout_legend (self, width, &legend_bottom);

      if (items->len > 0)
        top = legend_bottom + 12;
    }
  area->x = MARGIN_LEFT;
  area->y = top;
  area->width = MAX (1, width - MARGIN_LEFT - MARGIN_RIGHT);
  area->height = MAX (1, height - top - MARGIN_BOTTOM);
}

/* Converting x alone needs no height: any height that leaves a plot area gives the same
 * left edge and width. */
static void
get_x_plot_area (LabChart          *self,
                 int                width,
                 cairo_rectangle_t *area)
{
  g_assert (LAB_IS_CHART (self));

  ensure_ranges (self);
  lab_chart_get_plot_area (self, width, 2 * MARGIN_TOP_TITLE + 2 * MARGIN_BOTTOM, area);
}

double
lab_chart_value_to_pixel_x (LabChart *self,
                            double    x_value,
                            int       width)
{
  cairo_rectangle_t area;

  g_return_val_if_fail (LAB_IS_CHART (self), NAN);

  get_x_plot_area (self, width, &area);
  return area.x + lab_axis_normalize (self->x_axis, x_value) * area.width;
}

double
lab_chart_value_to_pixel_y (LabChart *self,
                            double    value,
                            int       width,
                            int       height)
{
  cairo_rectangle_t area;

  g_return_val_if_fail (LAB_IS_CHART (self), NAN);

  ensure_ranges (self);
  lab_chart_get_plot_area (self, width, height, &area);
  return area.y + (1 - lab_axis_normalize (self->y_axis, value)) * area.height;
}

double
lab_chart_pixel_to_value_x (LabChart *self,
                            double    pixel_x,
                            int       width)
{
  cairo_rectangle_t area;

  g_return_val_if_fail (LAB_IS_CHART (self), NAN);

  get_x_plot_area (self, width, &area);
  return lab_axis_denormalize (self->x_axis, (pixel_x - area.x) / area.width);
}

void
lab_chart_get_x_range (LabChart *self,
                       double   *min,
                       double   *max)
{
  g_return_if_fail (LAB_IS_CHART (self));

  ensure_ranges (self);
  lab_axis_get_range (self->x_axis, min, max);
}

void
lab_chart_get_y_range (LabChart *self,
                       double   *min,
                       double   *max)
{
  g_return_if_fail (LAB_IS_CHART (self));

  ensure_ranges (self);
  lab_axis_get_range (self->y_axis, min, max);
}

/* Hover text: the same rows feed lab_chart_describe_at and the box drawn on the chart. */

typedef struct {
  const LabChartRun *run;
  char *text;
} DescribeRow;

static void
describe_row_clear (gpointer data)
{
  g_free (((DescribeRow *) data)->text);
}

/* In epoch mode the hover snaps to whole epochs, where the per-epoch points are. */
static double
snap_x (LabChart *self,
        double    x)
{
  if (self->x_mode == LAB_CHART_X_EPOCH && isfinite (x))
    return round (x);
  return x;
}

static char *
describe_header (LabChart *self,
                 double    x)
{
  if (self->x_mode == LAB_CHART_X_EPOCH)
    return g_strdup_printf (_("Epoch %g"), x);
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

/* Values shown are the raw ones, not the smoothed: the box is where the exact numbers are. */
static GArray *
describe_rows (LabChart *self,
               double    x)
{
  static const char *names[LAB_CHART_N_CURVES] = { N_("train"), N_("val"), N_("batch") };
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (DescribeRow));

  g_assert (LAB_IS_CHART (self));

  g_array_set_clear_func (rows, describe_row_clear);

  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (self->runs, i);
      g_autoptr(GString) text = NULL;
      double diverged_x;
      gboolean any = FALSE;

      if (!run->visible)
        continue;

      text = g_string_new (run->label);
      g_string_append_c (text, ':');
      for (guint c = LAB_CHART_CURVE_TRAIN; c <= LAB_CHART_CURVE_BATCH; c++)
        {
          const LabChartPoint *p;
          guint index;

          /* The batch value only when the epoch curves have nothing to say yet. */
          if (c == LAB_CHART_CURVE_BATCH && any)
            break;
          if (!lab_series_find_nearest (run->series[c], x, self->x_mode, &index))
            continue;
          p = lab_series_get_points (run->series[c], NULL);
          g_autofree char *value = format_value (p[index].value);
          g_string_append_printf (text, "%s %s %s", any ? "," : "", _(names[c]), value);
          any = TRUE;
        }
      if (run_diverged_at (run, self->x_mode, &diverged_x) && x >= diverged_x - 0.5)
        {
          g_string_append_printf (text, "%s ", any ? "," : "");
          g_string_append_printf (text, _("diverged at epoch %g"), run->diverged_epoch);
          any = TRUE;
        }
      if (any)
        {
          DescribeRow row = { run, g_string_free (g_steal_pointer (&text), FALSE) };
          g_array_append_val (rows, row);
        }
    }
  return rows;
}

char *
lab_chart_describe_at (LabChart *self,
                       double    x_value)
{
  g_autoptr(GArray) rows = NULL;
  GString *text;

  g_return_val_if_fail (LAB_IS_CHART (self), NULL);

  x_value = snap_x (self, x_value);
  rows = describe_rows (self, x_value);
  text = g_string_new (NULL);
  {
    g_autofree char *header = describe_header (self, x_value);
    g_string_append (text, header);
  }
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (text, "\n%s", g_array_index (rows, DescribeRow, i).text);
  return g_string_free (text, FALSE);
}

/* Drawing */

typedef struct {
  LabChart *self;
  cairo_t *cr;
  cairo_rectangle_t area;
  int width;
  GdkRGBA ink;
  GdkRGBA background;
  PangoFontDescription *font;   /* the widget's font */
  int font_size;                /* in Pango units */
} DrawContext;

static PangoLayout *
make_layout (DrawContext *dc,
             const char  *text,
             double       scale,
             gboolean     bold)
{
  PangoLayout *layout = pango_cairo_create_layout (dc->cr);
  PangoFontDescription *font = pango_font_description_copy (dc->font);

  pango_font_description_set_absolute_size (font, dc->font_size * scale);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  pango_font_description_free (font);
  return layout;
}

static void
set_ink (DrawContext *dc,
         double       alpha)
{
  cairo_set_source_rgba (dc->cr, dc->ink.red, dc->ink.green, dc->ink.blue, dc->ink.alpha * alpha);
}

/* Draws text with its anchor at (x, y); xalign/yalign 0 = left/top, 0.5 centre, 1 right/bottom. */
static void
draw_text (DrawContext *dc,
           const char  *text,
           double       x,
           double       y,
           double       xalign,
           double       yalign,
           double       scale,
           gboolean     bold)
{
  g_autoptr(PangoLayout) layout = make_layout (dc, text, scale, bold);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (dc->cr, round (x - xalign * w), round (y - yalign * h));
  pango_cairo_show_layout (dc->cr, layout);
}

static void
draw_axes (DrawContext *dc)
{
  LabChart *self = dc->self;
  cairo_t *cr = dc->cr;
  const cairo_rectangle_t *a = &dc->area;
  g_autoptr(GArray) y_ticks = lab_axis_get_ticks (self->y_axis);
  g_autoptr(GArray) x_ticks = lab_axis_get_ticks (self->x_axis);

  cairo_save (cr);
  cairo_set_line_width (cr, 1);

  for (guint i = 0; i < y_ticks->len; i++)
    {
      const LabAxisTick *tick = &g_array_index (y_ticks, LabAxisTick, i);
      double y = floor (a->y + (1 - lab_axis_normalize (self->y_axis, tick->value)) * a->height) + 0.5;

      set_ink (dc, tick->major ? 0.12 : 0.05);
      cairo_move_to (cr, a->x, y);
      cairo_line_to (cr, a->x + a->width, y);
      cairo_stroke (cr);
      if (tick->label[0] != 0)
        {
          set_ink (dc, 0.8);
          draw_text (dc, tick->label, a->x - 8, y, 1, 0.5, 1, FALSE);
        }
    }

  for (guint i = 0; i < x_ticks->len; i++)
    {
      const LabAxisTick *tick = &g_array_index (x_ticks, LabAxisTick, i);
      double x = floor (a->x + lab_axis_normalize (self->x_axis, tick->value) * a->width) + 0.5;

      set_ink (dc, 0.12);
      cairo_move_to (cr, x, a->y);
      cairo_line_to (cr, x, a->y + a->height);
      cairo_stroke (cr);
      set_ink (dc, 0.8);
      draw_text (dc, tick->label, x, a->y + a->height + 6, 0.5, 0, 1, FALSE);
    }

  /* The two axis lines, over the grid. */
  set_ink (dc, 0.55);
  cairo_move_to (cr, floor (a->x) + 0.5, a->y);
  cairo_line_to (cr, floor (a->x) + 0.5, floor (a->y + a->height) + 0.5);
  cairo_line_to (cr, a->x + a->width, floor (a->y + a->height) + 0.5);
  cairo_stroke (cr);

  set_ink (dc, 0.9);
  draw_text (dc, self->x_mode == LAB_CHART_X_EPOCH ? _("Epoch") :
                 self->time_unit >= 3600 ? _("Time (h)") : self->time_unit >= 60 ? _("Time (min)") : _("Time (s)"),
             a->x + a->width / 2, a->y + a->height + 30, 0.5, 0, 1.05, FALSE);
  if (self->y_label != NULL && self->y_label[0] != 0)
    {
      cairo_save (cr);
      cairo_translate (cr, 8, a->y + a->height / 2);
      cairo_rotate (cr, -G_PI / 2);
      draw_text (dc, self->y_label, 0, 0, 0.5, 0, 1.05, FALSE);
      cairo_restore (cr);
    }
  if (self->title != NULL && self->title[0] != 0)
    draw_text (dc, self->title, a->x + a->width / 2, 14, 0.5, 0, 1.3, TRUE);

  cairo_restore (cr);
}

static GdkRGBA
with_alpha (const GdkRGBA *color,
            double         alpha)
{
  GdkRGBA c = *color;
  c.alpha *= alpha;
  return c;
}

/* Dots on the points when there are few: one epoch alone would otherwise be invisible. */
static void
draw_point_dots (DrawContext         *dc,
                 const LabChartPoint *points,
                 guint                n_points,
                 const GdkRGBA       *color)
{
  LabChart *self = dc->self;

  if (n_points == 0 || n_points * 16 > dc->area.width)
    return;
  gdk_cairo_set_source_rgba (dc->cr, color);
  for (guint i = 0; i < n_points; i++)
    {
      double ux = lab_axis_normalize (self->x_axis, lab_chart_point_x (&points[i], self->x_mode));
      double uy = lab_axis_normalize (self->y_axis, points[i].value);

      if (!isfinite (ux) || !isfinite (uy))
        continue;
      cairo_new_sub_path (dc->cr);
      cairo_arc (dc->cr, dc->area.x + ux * dc->area.width, dc->area.y + (1 - uy) * dc->area.height,
                 3, 0, 2 * G_PI);
    }
  cairo_fill (dc->cr);
}

static gboolean
point_on_curve (DrawContext         *dc,
                const LabChartPoint *point,
                double              *x,
                double              *y)
{
  double ux = lab_axis_normalize (dc->self->x_axis, lab_chart_point_x (point, dc->self->x_mode));
  double uy = lab_axis_normalize (dc->self->y_axis, point->value);

  if (!isfinite (ux) || !isfinite (uy))
    return FALSE;
  *x = dc->area.x + ux * dc->area.width;
  *y = dc->area.y + (1 - CLAMP (uy, 0, 1)) * dc->area.height;
  return TRUE;
}

/* A dot with a halo of the background, so it stands out from the line it sits on. The
 * chart and the legend's key draw the same marker. */
static void
draw_best_marker (DrawContext   *dc,
                  double         x,
                  double         y,
                  const GdkRGBA *color)
{
  cairo_t *cr = dc->cr;

  cairo_new_path (cr);
  cairo_arc (cr, x, y, 6.5, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &dc->background);
  cairo_fill (cr);
  cairo_arc (cr, x, y, 5, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_fill (cr);
}

static void
draw_diverged_marker (DrawContext   *dc,
                      double         x,
                      double         y,
                      const GdkRGBA *color)
{
  cairo_t *cr = dc->cr;

  cairo_save (cr);
  cairo_new_path (cr);
  cairo_move_to (cr, x - 6, y - 6);
  cairo_line_to (cr, x + 6, y + 6);
  cairo_move_to (cr, x + 6, y - 6);
  cairo_line_to (cr, x - 6, y + 6);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width (cr, 6);
  gdk_cairo_set_source_rgba (cr, &dc->background);
  cairo_stroke_preserve (cr);
  cairo_set_line_width (cr, 3.5);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_markers (DrawContext       *dc,
              const LabChartRun *run)
{
  LabChart *self = dc->self;
  double x, y;
  guint index, n;

  if (run->best_epoch >= 0 &&
      lab_series_find_nearest (run->series[LAB_CHART_CURVE_VAL], run->best_epoch, LAB_CHART_X_EPOCH, &index))
    {
      const LabChartPoint *p = lab_series_get_smoothed (run->series[LAB_CHART_CURVE_VAL], self->smoothing, NULL);

      if (point_on_curve (dc, &p[index], &x, &y))
        draw_best_marker (dc, x, y, &run->color);
    }

  if (run_diverged_at (run, self->x_mode, &x))
    {
      const LabChartPoint *p = lab_series_get_smoothed (run->series[LAB_CHART_CURVE_TRAIN], self->smoothing, &n);
      double value = NAN;
      double ux = lab_axis_normalize (self->x_axis, x);

      /* The X sits where the training curve was last seen, pinned inside the plot: a
       * diverged loss is usually far above the top edge. */
      for (guint i = n; i > 0 && !isfinite (value); i--)
        if (isfinite (p[i - 1].value) && (!self->log_y || p[i - 1].value > 0))
          value = p[i - 1].value;
      y = isfinite (value) ? lab_axis_normalize (self->y_axis, value) : 1;
      y = dc->area.y + (1 - CLAMP (y, 0, 1)) * dc->area.height;
      y = CLAMP (y, dc->area.y + 9, dc->area.y + dc->area.height - 9);
      x = dc->area.x + ux * dc->area.width;

      draw_diverged_marker (dc, x, y, &run->color);
    }
}

static void
clip_to_plot (DrawContext *dc)
{
  cairo_new_path (dc->cr);
  cairo_rectangle (dc->cr, dc->area.x, dc->area.y - 2, dc->area.width + 2, dc->area.height + 3);
  cairo_clip (dc->cr);
}

/* The faint batch traces, under every run's epoch curves. */
static void
draw_batches (DrawContext *dc)
{
  LabChart *self = dc->self;

  if (!self->show_batches)
    return;

  cairo_save (dc->cr);
  clip_to_plot (dc);
  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (self->runs, i);
      LabLineStyle style = { with_alpha (&run->color, BATCH_ALPHA), 1, FALSE };
      const LabChartPoint *p;
      guint n;

      if (!run->visible)
        continue;
      p = lab_series_get_points (run->series[LAB_CHART_CURVE_BATCH], &n);
      lab_line_layer_draw (dc->cr, &dc->area, self->x_axis, self->y_axis, self->x_mode, p, n, &style);
    }
  cairo_restore (dc->cr);
}

static void
draw_curves (DrawContext *dc)
{
  LabChart *self = dc->self;
  cairo_t *cr = dc->cr;

  cairo_save (cr);
  clip_to_plot (dc);

  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (self->runs, i);

      if (!run->visible)
        continue;

      for (guint c = LAB_CHART_CURVE_TRAIN; c <= LAB_CHART_CURVE_VAL; c++)
        {
          gboolean dashed = c == LAB_CHART_CURVE_VAL;
          const LabChartPoint *p;
          guint n;

          /* Smoothing hides the real values: keep them faintly visible underneath. */
          if (self->smoothing > 0)
            {
              LabLineStyle raw = { with_alpha (&run->color, RAW_ALPHA), 1.5, dashed };
              p = lab_series_get_points (run->series[c], &n);
              lab_line_layer_draw (cr, &dc->area, self->x_axis, self->y_axis, self->x_mode, p, n, &raw);
            }

          {
            LabLineStyle style = { run->color, TRAIN_WIDTH, dashed };
            p = lab_series_get_smoothed (run->series[c], self->smoothing, &n);
            lab_line_layer_draw (cr, &dc->area, self->x_axis, self->y_axis, self->x_mode, p, n, &style);
            draw_point_dots (dc, p, n, &run->color);
          }
        }
    }

  for (guint i = 0; i < self->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (self->runs, i);
      if (run->visible)
        draw_markers (dc, run);
    }

  cairo_restore (cr);
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   w,
                   double   h,
                   double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_box (DrawContext *dc,
          double       x,
          double       y,
          double       w,
          double       h)
{
  GdkRGBA bg = with_alpha (&dc->background, 0.9);

  rounded_rectangle (dc->cr, x, y, w, h, 6);
  gdk_cairo_set_source_rgba (dc->cr, &bg);
  cairo_fill_preserve (dc->cr);
  set_ink (dc, 0.18);
  cairo_set_line_width (dc->cr, 1);
  cairo_stroke (dc->cr);
}

static void
draw_swatch (DrawContext   *dc,
             double         x,
             double         y,
             double         length,
             const GdkRGBA *color,
             gboolean       dashed)
{
  LabLineStyle style = { *color, TRAIN_WIDTH, dashed };
  cairo_t *cr = dc->cr;

  cairo_save (cr);
  cairo_new_path (cr);
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + length, y);
  gdk_cairo_set_source_rgba (cr, &style.color);
  cairo_set_line_width (cr, style.line_width);
  if (dashed)
    {
      double dashes[] = { 4 * TRAIN_WIDTH, 2.5 * TRAIN_WIDTH };
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_legend (DrawContext *dc)
{
  g_autoptr(GArray) items = NULL;
  double bottom;

  items = layout_legend (dc->self, dc->width, &bottom);
  for (guint i = 0; i < items->len; i++)
    {
      const LegendItem *item = &g_array_index (items, LegendItem, i);
      g_autoptr(PangoLayout) layout = make_layout (dc, item->text, 1, FALSE);
      GdkRGBA key_ink = with_alpha (&dc->ink, 0.8);
      const GdkRGBA *color = item->run != NULL ? &item->run->color : &key_ink;
      double mid = item->y + item->height / 2.0;

      switch (item->kind)
        {
        case LEGEND_RUN:
        case LEGEND_TRAIN:
          draw_swatch (dc, item->x, mid, LEGEND_SWATCH, color, FALSE);
          break;
        case LEGEND_VAL:
          draw_swatch (dc, item->x, mid, LEGEND_SWATCH, color, TRUE);
          break;
        case LEGEND_BEST:
          draw_best_marker (dc, item->x + LEGEND_SWATCH / 2.0, mid, color);
          break;
        case LEGEND_DIVERGED:
          draw_diverged_marker (dc, item->x + LEGEND_SWATCH / 2.0, mid, color);
          break;
        default:
          g_assert_not_reached ();
        }
      set_ink (dc, item->run != NULL ? 0.95 : 0.75);
      cairo_move_to (dc->cr, item->x + LEGEND_SWATCH + LEGEND_SWATCH_GAP, item->y);
      pango_cairo_show_layout (dc->cr, layout);
    }
}

#define HOVER_PAD    8
#define HOVER_SWATCH 14
#define HOVER_GAP    6

/* The hover box's text: a bold header, then one row per visible run. */
typedef struct {
  GArray *rows;             /* of DescribeRow */
  PangoLayout *header;
  GPtrArray *layouts;       /* one per row */
} HoverText;

static void
hover_text_init (HoverText   *text,
                 DrawContext *dc,
                 double       x_value)
{
  g_autofree char *header = describe_header (dc->self, x_value);

  text->rows = describe_rows (dc->self, x_value);
  text->header = make_layout (dc, header, 1, TRUE);
  text->layouts = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < text->rows->len; i++)
    g_ptr_array_add (text->layouts, make_layout (dc, g_array_index (text->rows, DescribeRow, i).text, 0.95, FALSE));
}

static void
hover_text_clear (HoverText *text)
{
  g_clear_pointer (&text->rows, g_array_unref);
  g_clear_object (&text->header);
  g_clear_pointer (&text->layouts, g_ptr_array_unref);
}

/* Where the hover line and box go, FALSE when the pointer is off the x range. The snapshot
 * uses it to give the box a node of its own size: a full-size node redrawn every frame
 * would cost a full-size texture upload per frame. */
static gboolean
hover_geometry (DrawContext     *dc,
                double          *line_x,
                graphene_rect_t *box)
{
  LabChart *self = dc->self;
  double x_value = snap_x (self, self->hover_x);
  double ux = lab_axis_normalize (self->x_axis, x_value);
  HoverText text;
  double x, w, h;
  int tw, th;

  if (!isfinite (ux) || ux < 0 || ux > 1)
    return FALSE;
  x = floor (dc->area.x + ux * dc->area.width) + 0.5;

  hover_text_init (&text, dc, x_value);
  pango_layout_get_pixel_size (text.header, &tw, &th);
  w = tw;
  h = th;
  for (guint i = 0; i < text.layouts->len; i++)
    {
      pango_layout_get_pixel_size (g_ptr_array_index (text.layouts, i), &tw, &th);
      w = MAX (w, HOVER_SWATCH + HOVER_GAP + tw);
      h += th + 2;
    }
  hover_text_clear (&text);
  w = ceil (w + 2 * HOVER_PAD);
  h = ceil (h + 2 * HOVER_PAD);

  *line_x = x;
  /* Beside the line, on whichever side has room. */
  box->origin.x = x + 12 + w <= dc->area.x + dc->area.width ? x + 12 : x - 12 - w;
  box->origin.x = floor (MAX (box->origin.x, 0));
  box->origin.y = dc->area.y + 8;
  box->size.width = w;
  box->size.height = h;
  return TRUE;
}

static void
draw_hover_box (DrawContext           *dc,
                const graphene_rect_t *box)
{
  cairo_t *cr = dc->cr;
  double bx = box->origin.x, by = box->origin.y;
  double x_value = snap_x (dc->self, dc->self->hover_x);
  HoverText text;
  double y;
  int th;

  hover_text_init (&text, dc, x_value);
  draw_box (dc, bx + 0.5, by + 0.5, box->size.width - 1, box->size.height - 1);

  set_ink (dc, 0.95);
  cairo_move_to (cr, bx + HOVER_PAD, by + HOVER_PAD);
  pango_cairo_show_layout (cr, text.header);
  pango_layout_get_pixel_size (text.header, NULL, &th);
  y = by + HOVER_PAD + th + 2;
  for (guint i = 0; i < text.rows->len; i++)
    {
      PangoLayout *layout = g_ptr_array_index (text.layouts, i);
      const LabChartRun *run = g_array_index (text.rows, DescribeRow, i).run;

      pango_layout_get_pixel_size (layout, NULL, &th);
      cairo_new_path (cr);
      cairo_rectangle (cr, bx + HOVER_PAD, y + th / 2.0 - 4, HOVER_SWATCH - 4, 8);
      gdk_cairo_set_source_rgba (cr, &run->color);
      cairo_fill (cr);
      set_ink (dc, 0.95);
      cairo_move_to (cr, bx + HOVER_PAD + HOVER_SWATCH + HOVER_GAP - 4, y);
      pango_cairo_show_layout (cr, layout);
      y += th + 2;
    }
  hover_text_clear (&text);
}

static GdkRGBA
hover_line_color (DrawContext *dc)
{
  return with_alpha (&dc->ink, 0.45);
}

static void
draw_hover (DrawContext *dc)
{
  graphene_rect_t box;
  GdkRGBA line_color = hover_line_color (dc);
  double x;

  if (!hover_geometry (dc, &x, &box))
    return;

  gdk_cairo_set_source_rgba (dc->cr, &line_color);
  cairo_rectangle (dc->cr, x - 0.5, dc->area.y, 1, dc->area.height);
  cairo_fill (dc->cr);
  draw_hover_box (dc, &box);
}

static void
draw_context_init (DrawContext   *dc,
                   LabChart      *self,
                   cairo_t       *cr,
                   int            width,
                   int            height,
                   const GdkRGBA *ink,
                   const GdkRGBA *background)
{
  *dc = (DrawContext) { .self = self, .cr = cr, .width = width, .ink = *ink, .background = *background };

  ensure_ranges (self);
  lab_chart_get_plot_area (self, width, height, &dc->area);
  dc->font = chart_font (self, 1, FALSE);
  dc->font_size = pango_font_description_get_size (dc->font);
}

/* The chart is drawn in three layers, each cached by the snapshot in its own node: the
 * batches change at every batch, the epoch curves once an epoch, the hover every frame. */
typedef enum {
  LAYER_BATCHES,   /* axes, grid, labels, batch traces */
  LAYER_CURVES,    /* epoch curves, markers, legend */
  N_CACHED_LAYERS,
  LAYER_HOVER = N_CACHED_LAYERS   /* line and box; on screen they are nodes of their own */
} Layer;

static void
draw_layer (LabChart      *self,
            Layer          layer,
            cairo_t       *cr,
            int            width,
            int            height,
            const GdkRGBA *ink,
            const GdkRGBA *background)
{
  DrawContext dc;

  g_assert (LAB_IS_CHART (self));
  g_assert (layer <= LAYER_HOVER);

  if (layer == LAYER_HOVER && !isfinite (self->hover_x))
    return;
  draw_context_init (&dc, self, cr, width, height, ink, background);
  cairo_save (cr);
  switch (layer)
    {
    case LAYER_BATCHES:
      draw_axes (&dc);
      draw_batches (&dc);
      break;
    case LAYER_CURVES:
      draw_curves (&dc);
      draw_legend (&dc);
      break;
    case LAYER_HOVER:
      draw_hover (&dc);
      break;
    default:
      g_assert_not_reached ();
    }
  cairo_restore (cr);
  pango_font_description_free (dc.font);
}

void
lab_chart_draw_with_colors (LabChart      *self,
                            cairo_t       *cr,
                            int            width,
                            int            height,
                            const GdkRGBA *ink,
                            const GdkRGBA *background)
{
  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (cr != NULL);

  draw_layer (self, LAYER_BATCHES, cr, width, height, ink, background);
  draw_layer (self, LAYER_CURVES, cr, width, height, ink, background);
  draw_layer (self, LAYER_HOVER, cr, width, height, ink, background);
}

/* Light text on a dark style, dark text on a light one: the boxes take the opposite. */
static GdkRGBA
background_for_ink (const GdkRGBA *ink)
{
  double luminance = 0.2126 * ink->red + 0.7152 * ink->green + 0.0722 * ink->blue;
  GdkRGBA dark = { 0x24 / 255., 0x24 / 255., 0x24 / 255., 1 };
  GdkRGBA light = { 0xfa / 255., 0xfa / 255., 0xfa / 255., 1 };

  return luminance > 0.5 ? dark : light;
}

static void
get_colors (LabChart *self,
            GdkRGBA  *ink,
            GdkRGBA  *background)
{
  /* gtk_widget_get_color() is GTK 4.10; in 4.8 the style context is the way. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), ink);
  G_GNUC_END_IGNORE_DEPRECATIONS
  *background = background_for_ink (ink);
}

void
lab_chart_draw (LabChart *self,
                cairo_t  *cr,
                int       width,
                int       height)
{
  GdkRGBA ink, background;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (cr != NULL);

  get_colors (self, &ink, &background);
  lab_chart_draw_with_colors (self, cr, width, height, &ink, &background);
}

/* GtkWidget */

/* One layer rasterised once, at the screen's scale, into an image that the node's recording
 * only paints: GSK replays a Cairo node's recording whenever it redraws the area (every
 * frame with the Cairo renderer, where the hover damages it), and replaying one image paint
 * clipped to the damage costs a blit where replaying the layer would stroke every curve
 * again. A GdkTexture instead costs a full conversion per frame with the Cairo renderer. */
static GskRenderNode *
render_layer (LabChart      *self,
              Layer          layer,
              int            width,
              int            height,
              int            scale,
              const GdkRGBA *ink,
              const GdkRGBA *background)
{
  cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  GskRenderNode *node = gsk_cairo_node_new (&GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_t *cr;

  cairo_surface_set_device_scale (image, scale, scale);
  cr = cairo_create (image);
  /* Cairo's fast antialiasing strokes curves ~3x quicker and looks the same on screen
   * (bench_chart_fps); exports keep the default, for print. */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  draw_layer (self, layer, cr, width, height, ink, background);
  cairo_destroy (cr);

  cr = gsk_cairo_node_get_draw_context (node);
  cairo_set_source_surface (cr, image, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (image);
  return node;
}

/* The same draw functions as lab_chart_draw: the two data layers kept until they change,
 * the hover drawn at every frame. */
static void
lab_chart_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  LabChart *self = LAB_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA ink, background;

  if (width <= 0 || height <= 0)
    return;

  get_colors (self, &ink, &background);
  if (self->cache_width != width || self->cache_height != height ||
      !gdk_rgba_equal (&self->cache_ink, &ink))
    drop_cache (self, TRUE);
  self->cache_width = width;
  self->cache_height = height;
  self->cache_ink = ink;
  ensure_ranges (self);   /* may drop the cache when a range moved */

  for (guint layer = 0; layer < N_CACHED_LAYERS; layer++)
    {
      if (self->layer_nodes[layer] == NULL)
        {
          self->layer_nodes[layer] = render_layer (self, layer, width, height,
                                                   gtk_widget_get_scale_factor (widget),
                                                   &ink, &background);
          self->last_data_redraw = g_get_monotonic_time ();
        }
      gtk_snapshot_append_node (snapshot, self->layer_nodes[layer]);
    }

  if (isfinite (self->hover_x))
    {
      /* Measured on a scratch context, then drawn in nodes of their own size. */
      cairo_surface_t *scratch = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
      cairo_t *cr = cairo_create (scratch);
      graphene_rect_t box;
      DrawContext dc;
      double x;

      draw_context_init (&dc, self, cr, width, height, &ink, &background);
      if (hover_geometry (&dc, &x, &box))
        {
          GdkRGBA line_color = hover_line_color (&dc);
          cairo_t *box_cr;

          gtk_snapshot_append_color (snapshot, &line_color,
                                     &GRAPHENE_RECT_INIT (x - 0.5, dc.area.y, 1, dc.area.height));
          box_cr = gtk_snapshot_append_cairo (snapshot, &box);
          dc.cr = box_cr;
          draw_hover_box (&dc, &box);
          cairo_destroy (box_cr);
        }
      pango_font_description_free (dc.font);
      cairo_destroy (cr);
      cairo_surface_destroy (scratch);
    }
}

static void
lab_chart_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 640;
    }
  else
    {
      *minimum = 180;
      *natural = 400;
    }
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           LabChart                 *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  cairo_rectangle_t area;

  lab_chart_get_plot_area (self, width, height, &area);
  if (x >= area.x && x <= area.x + area.width && y >= area.y && y <= area.y + area.height)
    self->hover_x = lab_chart_pixel_to_value_x (self, x, width);
  else
    self->hover_x = NAN;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
lab_chart_set_hover (LabChart *self,
                     double    x_value)
{
  g_return_if_fail (LAB_IS_CHART (self));

  self->hover_x = x_value;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller,
          LabChart                 *self)
{
  self->hover_x = NAN;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
lab_chart_dispose (GObject *object)
{
  LabChart *self = (LabChart *) object;

  drop_cache (self, TRUE);
  g_clear_handle_id (&self->data_redraw_source, g_source_remove);
  g_clear_pointer (&self->runs, g_ptr_array_unref);
  g_clear_object (&self->x_axis);
  g_clear_object (&self->y_axis);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->y_label, g_free);

  G_OBJECT_CLASS (lab_chart_parent_class)->dispose (object);
}

static void
lab_chart_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LabChart *self = LAB_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_Y_LABEL:
      g_value_set_string (value, self->y_label);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    case PROP_LOG_Y:
      g_value_set_boolean (value, self->log_y);
      break;
    case PROP_X_MODE:
      g_value_set_enum (value, self->x_mode);
      break;
    case PROP_SHOW_BATCHES:
      g_value_set_boolean (value, self->show_batches);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_chart_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  LabChart *self = LAB_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      lab_chart_set_title (self, g_value_get_string (value));
      break;
    case PROP_Y_LABEL:
      lab_chart_set_y_label (self, g_value_get_string (value));
      break;
    case PROP_SMOOTHING:
      lab_chart_set_smoothing (self, g_value_get_double (value));
      break;
    case PROP_LOG_Y:
      lab_chart_set_log_y (self, g_value_get_boolean (value));
      break;
    case PROP_X_MODE:
      lab_chart_set_x_mode (self, g_value_get_enum (value));
      break;
    case PROP_SHOW_BATCHES:
      lab_chart_set_show_batches (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_chart_class_init (LabChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_chart_dispose;
  object_class->get_property = lab_chart_get_property;
  object_class->set_property = lab_chart_set_property;

  widget_class->snapshot = lab_chart_snapshot;
  widget_class->measure = lab_chart_measure;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_Y_LABEL] =
    g_param_spec_string ("y-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0, 0.99, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_Y] =
    g_param_spec_boolean ("log-y", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_X_MODE] =
    g_param_spec_enum ("x-mode", NULL, NULL, LAB_TYPE_CHART_X_MODE, LAB_CHART_X_EPOCH,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_BATCHES] =
    g_param_spec_boolean ("show-batches", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "labchart");
  /* A screen reader announces the chart as a picture named by its title. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lab_chart_init (LabChart *self)
{
  GtkEventController *motion;

  self->runs = g_ptr_array_new_with_free_func (lab_chart_run_free);
  self->x_axis = lab_axis_new ();
  self->y_axis = lab_axis_new ();
  self->y_limit_min = NAN;
  self->y_limit_max = NAN;
  self->hover_x = NAN;
  self->time_unit = 1;
  self->next_run_id = 1;
  self->ranges_dirty = TRUE;

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
lab_chart_new (void)
{
  return g_object_new (LAB_TYPE_CHART, NULL);
}

/* Properties */

/* The boolean properties both change what is plotted, so both recompute the ranges. */
static void
set_data_flag (LabChart *self,
               gboolean *flag,
               gboolean  value,
               guint     prop_id)
{
  g_assert (LAB_IS_CHART (self));
  g_assert (prop_id < N_PROPS);

  if (*flag == !!value)
    return;
  *flag = !!value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  data_changed (self);
}

void
lab_chart_set_title (LabChart   *self,
                     const char *title)
{
  g_return_if_fail (LAB_IS_CHART (self));

  if (set_str (&self->title, title))
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      title != NULL ? title : "", -1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
      appearance_changed (self);
    }
}

const char *
lab_chart_get_title (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), NULL);
  return self->title;
}

void
lab_chart_set_y_label (LabChart   *self,
                       const char *y_label)
{
  g_return_if_fail (LAB_IS_CHART (self));

  if (set_str (&self->y_label, y_label))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_Y_LABEL]);
      appearance_changed (self);
    }
}

const char *
lab_chart_get_y_label (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), NULL);
  return self->y_label;
}

void
lab_chart_set_smoothing (LabChart *self,
                         double    smoothing)
{
  g_return_if_fail (LAB_IS_CHART (self));

  smoothing = isfinite (smoothing) ? CLAMP (smoothing, 0, 0.99) : 0;
  if (smoothing == self->smoothing)
    return;
  self->smoothing = smoothing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
  data_changed (self);
}

double
lab_chart_get_smoothing (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), 0);
  return self->smoothing;
}

void
lab_chart_set_log_y (LabChart *self,
                     gboolean  log_y)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_data_flag (self, &self->log_y, log_y, PROP_LOG_Y);
}

gboolean
lab_chart_get_log_y (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), FALSE);
  return self->log_y;
}

void
lab_chart_set_x_mode (LabChart      *self,
                      LabChartXMode  x_mode)
{
  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (x_mode == LAB_CHART_X_EPOCH || x_mode == LAB_CHART_X_TIME);

  if (self->x_mode == x_mode)
    return;
  self->x_mode = x_mode;
  self->hover_x = NAN;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_MODE]);
  data_changed (self);
}

LabChartXMode
lab_chart_get_x_mode (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), LAB_CHART_X_EPOCH);
  return self->x_mode;
}

void
lab_chart_set_show_batches (LabChart *self,
                            gboolean  show_batches)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_data_flag (self, &self->show_batches, show_batches, PROP_SHOW_BATCHES);
}

gboolean
lab_chart_get_show_batches (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), FALSE);
  return self->show_batches;
}

void
lab_chart_set_y_limits (LabChart *self,
                        double    min,
                        double    max)
{
  g_return_if_fail (LAB_IS_CHART (self));

  self->y_limit_min = min;
  self->y_limit_max = max;
  data_changed (self);
}

/* Runs */

guint
lab_chart_add_run (LabChart      *self,
                   const char    *label,
                   const GdkRGBA *color)
{
  LabChartRun *run;

  g_return_val_if_fail (LAB_IS_CHART (self), 0);

  run = g_new0 (LabChartRun, 1);
  run->id = self->next_run_id++;
  run->label = g_strdup (label != NULL ? label : "");
  run->color = color != NULL ? *color : *lab_chart_palette_color (run->id - 1);
  run->visible = TRUE;
  run->best_epoch = -1;
  run->diverged_epoch = -1;
  for (guint i = 0; i < LAB_CHART_N_CURVES; i++)
    run->series[i] = lab_series_new ();
  g_ptr_array_add (self->runs, run);

  data_changed (self);
  return run->id;
}

void
lab_chart_remove_run (LabChart *self,
                      guint     run_id)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));

  if ((run = find_run (self, run_id)) == NULL)
    return;
  g_ptr_array_remove (self->runs, run);
  data_changed (self);
}

void
lab_chart_clear_runs (LabChart *self)
{
  g_return_if_fail (LAB_IS_CHART (self));

  g_ptr_array_set_size (self->runs, 0);
  data_changed (self);
}

guint
lab_chart_get_n_runs (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), 0);
  return self->runs->len;
}

void
lab_chart_set_run_label (LabChart   *self,
                         guint       run_id,
                         const char *label)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail ((run = find_run (self, run_id)) != NULL);

  if (set_str (&run->label, label != NULL ? label : ""))
    data_changed (self);   /* the legend's rows, hence the plot area, may change */
}

void
lab_chart_set_run_color (LabChart      *self,
                         guint          run_id,
                         const GdkRGBA *color)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (color != NULL);
  g_return_if_fail ((run = find_run (self, run_id)) != NULL);

  run->color = *color;
  appearance_changed (self);
}

void
lab_chart_set_run_visible (LabChart *self,
                           guint     run_id,
                           gboolean  visible)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail ((run = find_run (self, run_id)) != NULL);

  if (run->visible == !!visible)
    return;
  run->visible = !!visible;
  data_changed (self);
}

gboolean
lab_chart_get_run_visible (LabChart *self,
                           guint     run_id)
{
  LabChartRun *run;

  g_return_val_if_fail (LAB_IS_CHART (self), FALSE);
  g_return_val_if_fail ((run = find_run (self, run_id)) != NULL, FALSE);

  return run->visible;
}

void
lab_chart_set_run_points (LabChart            *self,
                          guint                run_id,
                          LabChartCurve        curve,
                          const LabChartPoint *points,
                          guint                n_points)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (curve < LAB_CHART_N_CURVES);
  g_return_if_fail (points != NULL || n_points == 0);
  g_return_if_fail ((run = find_run (self, run_id)) != NULL);

  if (lab_series_update_points (run->series[curve], points, n_points) == LAB_SERIES_UNCHANGED)
    return;
  points_arrived (self, curve);
}

void
lab_chart_append_run_points (LabChart            *self,
                             guint                run_id,
                             LabChartCurve        curve,
                             const LabChartPoint *points,
                             guint                n_points)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (curve < LAB_CHART_N_CURVES);
  g_return_if_fail (points != NULL || n_points == 0);
  g_return_if_fail ((run = find_run (self, run_id)) != NULL);

  if (n_points == 0)
    return;
  lab_series_append_points (run->series[curve], points, n_points);
  points_arrived (self, curve);
}

void
lab_chart_set_run_best_epoch (LabChart *self,
                              guint     run_id,
                              double    epoch)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail ((run = find_run (self, run_id)) != NULL);

  epoch = isfinite (epoch) && epoch >= 0 ? epoch : -1;
  if (run->best_epoch == epoch)
    return;
  run->best_epoch = epoch;
  appearance_changed (self);
}

void
lab_chart_set_run_diverged (LabChart *self,
                            guint     run_id,
                            double    epoch,
                            double    seconds)
{
  LabChartRun *run;

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail ((run = find_run (self, run_id)) != NULL);

  epoch = isfinite (epoch) && epoch >= 0 ? epoch : -1;
  if (epoch < 0)
    seconds = 0;
  if (run->diverged_epoch == epoch && run->diverged_seconds == seconds)
    return;
  run->diverged_epoch = epoch;
  run->diverged_seconds = seconds;
  data_changed (self);
}
