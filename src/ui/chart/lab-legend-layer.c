/* The legend layer: draws the items LabChartLayout placed above the plot, a swatch or a
 * marker then the text: one per visible run in its colour, then the key to the line
 * styles, the band and the markers in the ink. It measures nothing. */
#include "lab-chart-layer.h"

#include <pango/pangocairo.h>

static void
draw_key (const LabChartDrawContext *dc,
          const LabLegendItem       *item,
          const GdkRGBA             *color)
{
  double mid = item->y + item->height / 2.0;
  double centre = item->x + LAB_LEGEND_SWATCH / 2.0;
  GdkRGBA fill;

  switch (item->kind)
    {
    case LAB_LEGEND_RUN:
    case LAB_LEGEND_TRAIN:
      lab_chart_draw_swatch (dc, item->x, mid, LAB_LEGEND_SWATCH, color, FALSE);
      break;
    case LAB_LEGEND_VAL:
      lab_chart_draw_swatch (dc, item->x, mid, LAB_LEGEND_SWATCH, color, TRUE);
      break;
    case LAB_LEGEND_BAND:
      /* The key's ink already carries 0.8: the swatch ends at the bands' own alpha. */
      fill = lab_chart_with_alpha (color, LAB_CHART_BAND_ALPHA / 0.8);
      gdk_cairo_set_source_rgba (dc->cr, &fill);
      cairo_rectangle (dc->cr, item->x, mid - 6, LAB_LEGEND_SWATCH, 12);
      cairo_fill (dc->cr);
      break;
    case LAB_LEGEND_BEST:
      lab_marker_draw (dc, LAB_MARKER_BEST, centre, mid, color);
      break;
    case LAB_LEGEND_DIVERGED:
      lab_marker_draw (dc, LAB_MARKER_DIVERGED, centre, mid, color);
      break;
    case LAB_LEGEND_FORK:
      lab_marker_draw (dc, LAB_MARKER_FORK, centre, mid, color);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
legend_layer_draw (const LabChartDrawContext *dc)
{
  GdkRGBA key_ink = lab_chart_with_alpha (&dc->ink, 0.8);
  guint n;
  const LabLegendItem *items = lab_chart_layout_get_legend (dc->layout, &n);

  for (guint i = 0; i < n; i++)
    {
      const LabLegendItem *item = &items[i];

      draw_key (dc, item, item->run != NULL ? &item->run->color : &key_ink);
      lab_chart_set_ink (dc, item->run != NULL ? 0.95 : 0.75);
      cairo_move_to (dc->cr, item->x + LAB_LEGEND_SWATCH + LAB_LEGEND_SWATCH_GAP, item->y);
      pango_cairo_show_layout (dc->cr, item->text);
    }
}

const LabChartLayerClass lab_legend_layer = {
  .name = "legend", .slot = LAB_CHART_SLOT_EPOCHS, .draw = legend_layer_draw,
};
