/* LabChartLayout: the chart's text measured once per width, font and text. Before it, the
 * legend was laid out with Pango again on every pointer motion (twice per event) and once
 * per layer drawn; now motion and frames read the numbers kept here. */
#include "lab-chart-layout.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>

#define LEGEND_GAP      18
#define LEGEND_ROW_GAP  4
#define LEGEND_MARGIN   12

struct _LabChartLayout
{
  /* Our own context, not the widget's: it measures with the font options of the image
   * surfaces the chart is drawn on, so what is measured is what is drawn, on screen and in
   * an export alike. It follows the widget's font description and language. */
  PangoContext *context;
  guint widget_serial;          /* of the widget's context this one copies */
  PangoFontDescription *font;   /* the chart's font at scale 1 */
  int font_size;                /* its absolute size, Pango units */

  gboolean valid;
  int width;
  guint generation;
  GArray *legend;               /* of LabLegendItem */
  double plot_top;
  PangoLayout *title;
  PangoLayout *y_title;
  GPtrArray *reference_labels;  /* of PangoLayout or NULL, one per reference line */

  guint ticks_serial;           /* the model's ranges_serial the ticks were laid out for */
  guint ticks_generation;       /* and the generation (fonts) */
  GArray *ticks[2];             /* of LabTickLabel, by GtkOrientation */
  PangoLayout *x_title;
  guint n_tick_layouts;
};

static void
legend_item_clear (gpointer data)
{
  g_clear_object (&((LabLegendItem *) data)->text);
}

static void
tick_label_clear (gpointer data)
{
  g_clear_object (&((LabTickLabel *) data)->text);
}

/* A reference line's label may be NULL, which g_object_unref does not take. */
static void
unref_text (gpointer data)
{
  if (data != NULL)
    g_object_unref (data);
}

LabChartLayout *
lab_chart_layout_new (void)
{
  LabChartLayout *self = g_new0 (LabChartLayout, 1);

  self->reference_labels = g_ptr_array_new_with_free_func (unref_text);
  self->legend = g_array_new (FALSE, FALSE, sizeof (LabLegendItem));
  g_array_set_clear_func (self->legend, legend_item_clear);
  for (guint i = 0; i < G_N_ELEMENTS (self->ticks); i++)
    {
      self->ticks[i] = g_array_new (FALSE, FALSE, sizeof (LabTickLabel));
      g_array_set_clear_func (self->ticks[i], tick_label_clear);
    }
  return self;
}

void
lab_chart_layout_free (LabChartLayout *self)
{
  g_clear_object (&self->context);
  g_clear_pointer (&self->font, pango_font_description_free);
  g_clear_pointer (&self->legend, g_array_unref);
  g_clear_object (&self->title);
  g_clear_object (&self->y_title);
  g_clear_pointer (&self->reference_labels, g_ptr_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (self->ticks); i++)
    g_clear_pointer (&self->ticks[i], g_array_unref);
  g_clear_object (&self->x_title);
  g_free (self);
}

void
lab_chart_layout_invalidate (LabChartLayout *self)
{
  self->valid = FALSE;
}

guint
lab_chart_layout_get_generation (LabChartLayout *self)
{
  return self->generation;
}

guint
lab_chart_layout_get_n_tick_layouts (LabChartLayout *self)
{
  return self->n_tick_layouts;
}

/* The widget's font at an absolute size: points to pixels at 96 dpi, Cairo's unit
 * everywhere, so the widget, the export and this layout measure the same text. */
static void
follow_widget_fonts (LabChartLayout *self,
                     PangoContext   *widget_context)
{
  PangoFontDescription *font = pango_font_description_copy (pango_context_get_font_description (widget_context));
  double size = pango_font_description_get_size (font);

  if (self->context == NULL)
    {
      cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
      cairo_font_options_t *options = cairo_font_options_create ();

      self->context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
      cairo_surface_get_font_options (image, options);
      pango_cairo_context_set_font_options (self->context, options);
      cairo_font_options_destroy (options);
      cairo_surface_destroy (image);
    }
  pango_context_set_language (self->context, pango_context_get_language (widget_context));
  pango_context_set_base_dir (self->context, pango_context_get_base_dir (widget_context));

  if (size <= 0)
    size = 11 * PANGO_SCALE;
  if (!pango_font_description_get_size_is_absolute (font))
    size = size * 96.0 / 72.0;
  /* A chart is read from across a room, projected: its text a third larger than the UI's. */
  pango_font_description_set_absolute_size (font, size * 4 / 3);
  g_clear_pointer (&self->font, pango_font_description_free);
  self->font = font;
  self->font_size = pango_font_description_get_size (font);
  self->widget_serial = pango_context_get_serial (widget_context);
}

PangoLayout *
lab_chart_layout_new_text (LabChartLayout *self,
                           const char     *text,
                           double          scale,
                           gboolean        bold)
{
  PangoLayout *layout = pango_layout_new (self->context);
  PangoFontDescription *font = pango_font_description_copy (self->font);

  pango_font_description_set_absolute_size (font, self->font_size * scale);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  pango_font_description_free (font);
  return layout;
}

static PangoLayout *
new_text_or_null (LabChartLayout *self,
                  const char     *text,
                  double          scale,
                  gboolean        bold)
{
  return text != NULL && text[0] != 0 ? lab_chart_layout_new_text (self, text, scale, bold) : NULL;
}

static void
add_item (LabChartLayout    *self,
          LabLegendKind      kind,
          const LabChartRun *run,
          const char        *text)
{
  LabLegendItem item = { kind, run, lab_chart_layout_new_text (self, text, 1, FALSE) };

  g_array_append_val (self->legend, item);
}

static void
list_legend_items (LabChartLayout      *self,
                   const LabChartModel *model)
{
  g_array_set_size (self->legend, 0);
  if (model->hide_legend)
    return;
  for (guint i = 0; i < model->runs->len; i++)
    {
      const LabChartRun *run = g_ptr_array_index (model->runs, i);
      if (run->visible)
        add_item (self, LAB_LEGEND_RUN, run, run->label);
    }
  if (self->legend->len == 0)
    return;
  add_item (self, LAB_LEGEND_TRAIN, NULL, _("training"));
  add_item (self, LAB_LEGEND_VAL, NULL, _("validation"));
  if (model->band_label != NULL && model->band_label[0] != 0 && lab_chart_model_any_band (model))
    add_item (self, LAB_LEGEND_BAND, NULL, model->band_label);
  if (lab_chart_model_any_best (model))
    add_item (self, LAB_LEGEND_BEST, NULL, _("best epoch"));
  if (lab_chart_model_any_diverged (model))
    add_item (self, LAB_LEGEND_DIVERGED, NULL, _("diverged"));
  if (lab_chart_model_any_fork (model))
    add_item (self, LAB_LEGEND_FORK, NULL, _("fork point"));
}

/* Flows the items into as many rows as the width needs; returns the last row's bottom. */
static double
flow_legend (LabChartLayout *self,
             double          top)
{
  /* The legend spans the whole width, not only the plot's: narrow charts (two side by
   * side in the window) then keep the key on one row. */
  double x = LEGEND_MARGIN, y = top, row_height = 0;
  double right = MAX (self->width - LEGEND_MARGIN, LEGEND_MARGIN + 1);

  for (guint i = 0; i < self->legend->len; i++)
    {
      LabLegendItem *item = &g_array_index (self->legend, LabLegendItem, i);
      /* A wider gap between the runs and the key. */
      double gap = item->kind == LAB_LEGEND_TRAIN ? 2 * LEGEND_GAP : LEGEND_GAP;
      int tw, th;

      pango_layout_get_pixel_size (item->text, &tw, &th);
      item->width = LAB_LEGEND_SWATCH + LAB_LEGEND_SWATCH_GAP + tw;
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
  return y + row_height;
}

void
lab_chart_layout_ensure (LabChartLayout      *self,
                         const LabChartModel *model,
                         PangoContext        *widget_context,
                         int                  width)
{
  gboolean has_title = model->title != NULL && model->title[0] != 0;

  if (self->context == NULL || pango_context_get_serial (widget_context) != self->widget_serial)
    {
      follow_widget_fonts (self, widget_context);
      self->valid = FALSE;
    }
  if (self->valid && self->width == width)
    return;

  self->valid = TRUE;
  self->width = width;
  self->generation++;

  g_clear_object (&self->title);
  g_clear_object (&self->y_title);
  self->title = new_text_or_null (self, model->title, 1.3, TRUE);
  self->y_title = new_text_or_null (self, model->y_label, 1.05, FALSE);
  g_ptr_array_set_size (self->reference_labels, 0);
  for (guint i = 0; i < model->references->len; i++)
    g_ptr_array_add (self->reference_labels,
                     new_text_or_null (self, g_array_index (model->references, LabChartReference, i).label, 0.9, FALSE));

  list_legend_items (self, model);
  self->plot_top = has_title ? LAB_CHART_MARGIN_TOP_TITLE : LAB_CHART_MARGIN_TOP;
  if (self->legend->len > 0)
    self->plot_top = flow_legend (self, has_title ? 50 : 12) + 12;
}

void
lab_chart_layout_get_plot_area (LabChartLayout    *self,
                                int                height,
                                cairo_rectangle_t *area)
{
  g_assert (self->valid);

  lab_chart_plot_columns (self->width, &area->x, &area->width);
  area->y = self->plot_top;
  area->height = MAX (1, height - self->plot_top - LAB_CHART_MARGIN_BOTTOM);
}

const LabLegendItem *
lab_chart_layout_get_legend (LabChartLayout *self,
                             guint          *n_items)
{
  g_assert (self->valid);

  *n_items = self->legend->len;
  return (const LabLegendItem *) (gpointer) self->legend->data;
}

PangoLayout *
lab_chart_layout_get_title (LabChartLayout *self)
{
  return self->title;
}

PangoLayout *
lab_chart_layout_get_y_title (LabChartLayout *self)
{
  return self->y_title;
}

PangoLayout *
lab_chart_layout_get_reference_label (LabChartLayout *self,
                                      guint           i)
{
  return i < self->reference_labels->len ? g_ptr_array_index (self->reference_labels, i) : NULL;
}

static void
ensure_ticks (LabChartLayout      *self,
              const LabChartModel *model)
{
  LabAxis *axes[2] = { model->x_axis, model->y_axis };

  g_assert (self->valid);
  g_assert (!model->ranges_dirty);

  if (self->ticks_serial == model->ranges_serial && self->ticks_generation == self->generation &&
      self->x_title != NULL)
    return;
  self->ticks_serial = model->ranges_serial;
  self->ticks_generation = self->generation;
  self->n_tick_layouts++;

  for (guint a = 0; a < G_N_ELEMENTS (axes); a++)
    {
      g_autoptr(GArray) ticks = lab_axis_get_ticks (axes[a]);

      g_array_set_size (self->ticks[a], 0);
      for (guint i = 0; i < ticks->len; i++)
        {
          LabTickLabel label = { g_array_index (ticks, LabAxisTick, i) };
          label.text = new_text_or_null (self, label.tick.label, 1, FALSE);
          g_array_append_val (self->ticks[a], label);
        }
    }
  g_clear_object (&self->x_title);
  self->x_title = lab_chart_layout_new_text (self, lab_chart_model_x_title (model), 1.05, FALSE);
}

PangoLayout *
lab_chart_layout_get_x_title (LabChartLayout      *self,
                              const LabChartModel *model)
{
  ensure_ticks (self, model);
  return self->x_title;
}

const LabTickLabel *
lab_chart_layout_get_ticks (LabChartLayout      *self,
                            const LabChartModel *model,
                            GtkOrientation       axis,
                            guint               *n_ticks)
{
  GArray *ticks;

  ensure_ticks (self, model);
  ticks = self->ticks[axis == GTK_ORIENTATION_HORIZONTAL ? 0 : 1];
  *n_ticks = ticks->len;
  return (const LabTickLabel *) (gpointer) ticks->data;
}
