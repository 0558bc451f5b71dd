/* LabChartCache: the chart's last drawing of each slot, reused until what it shows changes.
 * Layers that change together share a slot (lab-chart-layer.c's stack says which), so a
 * hover frame costs the hover line and box, a new batch the batch slot, not the whole chart.
 * It knows nothing of layers: it keeps nodes, drops them, and rasterises a slot on demand. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  LAB_CHART_SLOT_BATCHES,   /* grid, axes, batch traces, reference lines: with every batch */
  LAB_CHART_SLOT_EPOCHS,    /* bands, epoch curves, markers, legend: once an epoch */
  LAB_CHART_N_CACHED_SLOTS,
  /* The hover line and box: drawn at every frame, on screen in nodes of their own size. */
  LAB_CHART_SLOT_HOVER = LAB_CHART_N_CACHED_SLOTS,
  LAB_CHART_N_SLOTS
} LabChartSlot;

#define LAB_CHART_SLOT_BIT(slot) (1u << (slot))
#define LAB_CHART_CACHED_SLOTS   (LAB_CHART_SLOT_BIT (LAB_CHART_N_CACHED_SLOTS) - 1)

/* What the nodes were drawn for: when any of it differs, every node is stale. */
typedef struct {
  int     width;
  int     height;
  int     scale;              /* the screen's scale factor */
  GdkRGBA ink;
  guint   ranges_serial;      /* LabChartModel's */
  guint   layout_generation;  /* LabChartLayout's */
} LabChartCacheKey;

typedef struct {
  GskRenderNode   *nodes[LAB_CHART_N_CACHED_SLOTS];   /* NULL: drawn again when next asked */
  LabChartCacheKey key;
  guint            n_drawn[LAB_CHART_N_CACHED_SLOTS]; /* for tests: how often each was drawn */
} LabChartCache;

/* Draws slot at cr's origin; data is what lab_chart_cache_get was given. */
typedef void (*LabChartSlotDraw) (cairo_t      *cr,
                                  LabChartSlot  slot,
                                  gpointer      data);

/* slots: a mask of LAB_CHART_SLOT_BIT. */
void           lab_chart_cache_drop     (LabChartCache          *self,
                                         guint                   slots);
/* Drops every node unless they were drawn for key; remembers key. */
void           lab_chart_cache_validate (LabChartCache          *self,
                                         const LabChartCacheKey *key);
/* The node of a cached slot, drawn now through draw if it was dropped (*drawn says so). */
GskRenderNode *lab_chart_cache_get      (LabChartCache          *self,
                                         LabChartSlot            slot,
                                         LabChartSlotDraw        draw,
                                         gpointer                data,
                                         gboolean               *drawn);

G_END_DECLS
