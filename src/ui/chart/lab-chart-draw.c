/* The chart's one drawing path, for the screen and for files: a draw context (ranges,
 * layout, projection, colours) built once per draw, then the layer stack slot by slot.
 * The snapshot keeps each cached slot as a node until it is stale and draws the hover in
 * nodes of its own size; lab_chart_draw (and so the export) draws every slot in order. */
#include "lab-chart-private.h"
#include "lab-hover-layer.h"

/* dc comes with its cr, size and colours; this adds the chart's parts, up to date. */
static void
complete_draw_context (LabChartDrawContext *dc,
                       LabChart            *self)
{
  cairo_rectangle_t area;

  g_assert (LAB_IS_CHART (self));

  lab_chart_ensure_layout (self, dc->width);
  lab_chart_layout_get_plot_area (self->layout, dc->height, &area);
  dc->model = &self->model;
  dc->layout = self->layout;
  dc->hover = self->hover;
  lab_chart_projection_init (&dc->proj, &area, self->model.x_axis, self->model.y_axis, self->model.x_mode);
}

void
lab_chart_draw_with_colors (LabChart      *self,
                            cairo_t       *cr,
                            int            width,
                            int            height,
                            const GdkRGBA *ink,
                            const GdkRGBA *background)
{
  LabChartDrawContext dc = { .cr = cr, .width = width, .height = height, .ink = *ink, .background = *background };

  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (cr != NULL);

  complete_draw_context (&dc, self);
  for (LabChartSlot slot = 0; slot < LAB_CHART_N_SLOTS; slot++)
    {
      cairo_save (cr);
      lab_chart_layers_draw_slot (&dc, slot);
      cairo_restore (cr);
    }
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

/* The cache's callback: the slot's layers onto the cache's image. */
static void
draw_cached_slot (cairo_t      *cr,
                  LabChartSlot  slot,
                  gpointer      data)
{
  LabChartDrawContext dc = *(const LabChartDrawContext *) data;

  dc.cr = cr;
  lab_chart_layers_draw_slot (&dc, slot);
}

void
lab_chart_snapshot_layers (LabChart    *self,
                           GtkSnapshot *snapshot,
                           int          width,
                           int          height)
{
  LabChartDrawContext dc = { .width = width, .height = height };
  LabChartCacheKey key;
  graphene_rect_t box;
  double x;

  get_colors (self, &dc.ink, &dc.background);
  complete_draw_context (&dc, self);
  key = (LabChartCacheKey) {
    .width = width,
    .height = height,
    .scale = gtk_widget_get_scale_factor (GTK_WIDGET (self)),
    .ink = dc.ink,
    .ranges_serial = self->model.ranges_serial,
    .layout_generation = lab_chart_layout_get_generation (self->layout),
  };
  lab_chart_cache_validate (&self->cache, &key);

  for (LabChartSlot slot = 0; slot < LAB_CHART_N_CACHED_SLOTS; slot++)
    {
      gboolean drawn;
      GskRenderNode *node = lab_chart_cache_get (&self->cache, slot, draw_cached_slot, &dc, &drawn);

      if (drawn)
        self->last_data_redraw = g_get_monotonic_time ();
      gtk_snapshot_append_node (snapshot, node);
    }

  /* A full-size node redrawn every frame would cost a full-size texture upload per frame:
   * the line is a colour node, the box a Cairo node of its own size. */
  if (lab_chart_hover_place (self->hover, &dc, &x, &box))
    {
      GdkRGBA line_color = lab_chart_hover_line_color (&dc);

      gtk_snapshot_append_color (snapshot, &line_color,
                                 &GRAPHENE_RECT_INIT (x - 0.5, dc.proj.area.y, 1, dc.proj.area.height));
      dc.cr = gtk_snapshot_append_cairo (snapshot, &box);
      lab_chart_hover_draw_box (self->hover, &dc, &box);
      cairo_destroy (dc.cr);
    }
}
