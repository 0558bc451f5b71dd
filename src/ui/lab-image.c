/* lab-image: nearest-neighbour enlargement done here, because GtkPicture in GTK 4.8 always
 * filters linearly and a blurred 32-pixel chip hides the very defect a user looks for. */
#include "config.h"

#include "lab-image.h"

int
lab_texture_scale_for (int side,
                       int target)
{
  return side > 0 ? MAX (1, target / side) : 1;
}

GdkTexture *
lab_texture_new_from_rgb (const guint8 *pixels,
                          int           width,
                          int           height,
                          int           scale)
{
  g_autoptr(GBytes) bytes = NULL;
  int out_w, out_h;
  guint8 *out;

  g_return_val_if_fail (pixels != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  scale = MAX (scale, 1);
  out_w = width * scale;
  out_h = height * scale;
  out = g_malloc ((gsize) out_w * out_h * 3);
  for (int y = 0; y < out_h; y++)
    {
      const guint8 *src_row = pixels + (gsize) (y / scale) * width * 3;
      guint8 *dst_row = out + (gsize) y * out_w * 3;

      for (int x = 0; x < out_w; x++)
        memcpy (dst_row + x * 3, src_row + (x / scale) * 3, 3);
    }
  bytes = g_bytes_new_take (out, (gsize) out_w * out_h * 3);
  return gdk_memory_texture_new (out_w, out_h, GDK_MEMORY_R8G8B8, bytes, (gsize) out_w * 3);
}
