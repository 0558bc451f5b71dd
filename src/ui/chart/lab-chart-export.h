/* Export of a LabChart to PNG, SVG or PDF at any size, through the same layers and layout
 * the widget draws with (lab-chart-draw.c), so a figure in a report is exactly what the
 * class saw on screen. */
#pragma once

#include "lab-chart.h"

G_BEGIN_DECLS

typedef enum {
  LAB_CHART_FORMAT_PNG,
  LAB_CHART_FORMAT_SVG,
  LAB_CHART_FORMAT_PDF,
} LabChartFormat;

/* Guesses the format from a file name's extension (.png .svg .pdf); FALSE if unknown. */
gboolean lab_chart_format_from_path (const char      *path,
                                     LabChartFormat  *format);

/* Writes the chart to path; width and height in pixels (points for SVG and PDF). */
gboolean lab_chart_export           (LabChart        *self,
                                     const char      *path,
                                     LabChartFormat   format,
                                     int              width,
                                     int              height,
                                     GError         **error);

G_END_DECLS
