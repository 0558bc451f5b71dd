/* Export of a LabChart as PNG, SVG or PDF. It paints white paper and draws with dark ink
 * through the chart's own draw function: a figure pasted into a report reads the same
 * whether the app ran in a light or a dark style. */
#include "lab-chart-export.h"
#include "lab-chart-private.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>

gboolean
lab_chart_format_from_path (const char     *path,
                            LabChartFormat *format)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".png"))
    *format = LAB_CHART_FORMAT_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    *format = LAB_CHART_FORMAT_SVG;
  else if (g_str_has_suffix (lower, ".pdf"))
    *format = LAB_CHART_FORMAT_PDF;
  else
    return FALSE;
  return TRUE;
}

static gboolean
check_status (cairo_status_t   status,
              const char      *path,
              GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "Could not write the chart to “%s”: %s", path, cairo_status_to_string (status));
  return FALSE;
}

gboolean
lab_chart_export (LabChart        *self,
                  const char      *path,
                  LabChartFormat   format,
                  int              width,
                  int              height,
                  GError         **error)
{
  static const GdkRGBA paper = { 1, 1, 1, 1 };
  static const GdkRGBA ink = { 0x24 / 255., 0x1f / 255., 0x31 / 255., 1 };
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;

  g_return_val_if_fail (LAB_IS_CHART (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (format)
    {
    case LAB_CHART_FORMAT_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      break;
    case LAB_CHART_FORMAT_SVG:
      surface = cairo_svg_surface_create (path, width, height);
      break;
    case LAB_CHART_FORMAT_PDF:
      surface = cairo_pdf_surface_create (path, width, height);
      break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Unknown chart format %d", format);
      return FALSE;
    }
  if (!check_status (cairo_surface_status (surface), path, error))
    {
      cairo_surface_destroy (surface);
      return FALSE;
    }

  cr = cairo_create (surface);
  gdk_cairo_set_source_rgba (cr, &paper);
  cairo_paint (cr);
  lab_chart_draw_with_colors (self, cr, width, height, &ink, &paper);
  status = cairo_status (cr);
  cairo_destroy (cr);

  if (status == CAIRO_STATUS_SUCCESS && format == LAB_CHART_FORMAT_PNG)
    status = cairo_surface_write_to_png (surface, path);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  return check_status (status, path, error);
}
