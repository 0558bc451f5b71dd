/* LabChartCache: one rasterised image per slot. Why images and not the drawing itself:
 * GSK replays a Cairo node's recording whenever it redraws the area (every frame with the
 * Cairo renderer, where the hover damages it), and replaying one image paint clipped to the
 * damage costs a blit where replaying the slot would stroke every curve again. A GdkTexture
 * instead costs a full conversion per frame with the Cairo renderer. */
#include "lab-chart-cache.h"

void
lab_chart_cache_drop (LabChartCache *self,
                      guint          slots)
{
  for (guint slot = 0; slot < LAB_CHART_N_CACHED_SLOTS; slot++)
    if (slots & LAB_CHART_SLOT_BIT (slot))
      g_clear_pointer (&self->nodes[slot], gsk_render_node_unref);
}

static gboolean
key_equal (const LabChartCacheKey *a,
           const LabChartCacheKey *b)
{
  return a->width == b->width && a->height == b->height && a->scale == b->scale &&
         gdk_rgba_equal (&a->ink, &b->ink) &&
         a->ranges_serial == b->ranges_serial && a->layout_generation == b->layout_generation;
}

void
lab_chart_cache_validate (LabChartCache          *self,
                          const LabChartCacheKey *key)
{
  if (key_equal (&self->key, key))
    return;
  lab_chart_cache_drop (self, LAB_CHART_CACHED_SLOTS);
  self->key = *key;
}

/* One slot rasterised once, at the screen's scale, into an image the node only paints. */
static GskRenderNode *
render_slot (const LabChartCacheKey *key,
             LabChartSlot            slot,
             LabChartSlotDraw        draw,
             gpointer                data)
{
  cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, key->width * key->scale,
                                                       key->height * key->scale);
  GskRenderNode *node = gsk_cairo_node_new (&GRAPHENE_RECT_INIT (0, 0, key->width, key->height));
  cairo_t *cr;

  cairo_surface_set_device_scale (image, key->scale, key->scale);
  cr = cairo_create (image);
  /* Cairo's fast antialiasing strokes curves ~3x quicker and looks the same on screen
   * (bench_chart_fps); exports keep the default, for print. */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  draw (cr, slot, data);
  cairo_destroy (cr);

  cr = gsk_cairo_node_get_draw_context (node);
  cairo_set_source_surface (cr, image, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (image);
  return node;
}

GskRenderNode *
lab_chart_cache_get (LabChartCache    *self,
                     LabChartSlot      slot,
                     LabChartSlotDraw  draw,
                     gpointer          data,
                     gboolean         *drawn)
{
  g_assert (slot < LAB_CHART_N_CACHED_SLOTS);

  *drawn = self->nodes[slot] == NULL;
  if (*drawn)
    {
      self->nodes[slot] = render_slot (&self->key, slot, draw, data);
      self->n_drawn[slot]++;
    }
  return self->nodes[slot];
}
