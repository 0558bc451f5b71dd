/* train_heatmap: a map over an image (Grad-CAM's, occlusion's: 0 where the network does
 * not look, 1 where it looks most) as a picture: viridis, the perceptually uniform colour
 * map (dark blue, green, yellow; lightness rises evenly, readable in grey and by most
 * colour-blind people), blended over the image. The app's overlays and lrlab-predict's
 * PNGs are drawn by this one function. */
#pragma once
#include <glib.h>

/* viridis at t (clamped to [0, 1]) as 8-bit RGB. */
void train_heatmap_color(float t, guint8 rgb[3]);

/* out (width, height, 3) = (1 - opacity) * image + opacity * viridis(map), per pixel;
 * image (width, height, 3) RGB, map (width, height) in [0, 1], opacity in [0, 1]. out may
 * be image. */
void train_heatmap_overlay(guint8 *out, const guint8 *image, const float *map, int width,
                           int height, double opacity);
