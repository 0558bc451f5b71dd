/* test_screenshot: `lrlab --screenshot DIR` trains its scripted session and writes one PNG
 * per page; each must be a real picture of the window (window-sized, many colours), not
 * a blank or transparent frame. */
#include "config.h"

#include <gtk/gtk.h>
#include <glib/gstdio.h>

static const char *lrlab_path;

static void
check_not_blank (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  g_autofree guint8 *pixels = NULL;
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  int width, height;
  gsize opaque = 0;

  g_assert_no_error (error);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  g_assert_cmpint (width, >=, 800);
  g_assert_cmpint (height, >=, 500);
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      guint32 pixel = ((guint32 *) pixels)[i];
      if (pixels[i * 4 + 3] == 255)
        opaque++;
      if (g_hash_table_size (colours) < 1000)
        g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
    }
  g_assert_cmpuint (opaque, >, (gsize) width * height * 9 / 10);
  /* Text, curves and chips: hundreds of colours. A blank window has a handful. */
  g_assert_cmpuint (g_hash_table_size (colours), >=, 200);
}

static void
test_screenshots (void)
{
  g_autofree char *dir = g_dir_make_tmp ("lrlab-shots-XXXXXX", NULL);
  const char *argv[] = { lrlab_path, "--screenshot", dir, NULL };
  const char *names[] = { "screenshot-curves.png", "screenshot-augmentation.png", "screenshot-mistakes.png",
                          "screenshot-forks.png", "screenshot-update-ratio.png",
                          "screenshot-gradcam.png", "screenshot-occlusion.png", "screenshot-history.png",
                          "screenshot-lr-finder.png", "screenshot-sweep.png", "screenshot-seeds.png",
                          "screenshot-schedule.png" };
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_nonnull (lrlab_path);
  g_setenv ("LRLAB_SCREENSHOT_QUICK", "1", TRUE);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_test_message ("%s", path);
      check_not_blank (path);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* No accessibility bus under xvfb-run: GTK would warn, and warnings fail a test. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  lrlab_path = argc > 1 ? argv[1] : NULL;

  g_test_add_func ("/ui/screenshot/pages", test_screenshots);
  return g_test_run ();
}
