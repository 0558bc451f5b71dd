/* train_heatmap: viridis by its published polynomial fit and the overlay blend. */
#include "train_heatmap.h"

/* Viridis (van der Walt and Smith, matplotlib 2.0's default; data CC0 from
 * github.com/BIDS/colormap colormaps.py) as the degree-6 polynomial fit by "mattz",
 * Shadertoy WlfXRN ("fitting polynomials to matplotlib colormaps", CC0), minimax error
 * about 1/256: coefficient k of red, green and blue, evaluated by Horner's rule. */
static const double viridis[7][3] = {
    { 0.2777273272234177, 0.005407344544966578, 0.3340998053353061 },
    { 0.1050930431085774, 1.404613529898575, 1.384590162594685 },
    { -0.3308618287255563, 0.214847559468213, 0.09509516302823659 },
    { -4.634230498983486, -5.799100973351585, -19.33244095627987 },
    { 6.228269936347081, 14.17993336680509, 56.69055260068105 },
    { 4.776384997670288, -13.74514537774601, -65.35303263337234 },
    { -5.435455855934631, 4.645852612178535, 26.3124352495832 },
};

void train_heatmap_color(float t, guint8 rgb[3])
{
    const double x = CLAMP(t, 0.0f, 1.0f);
    for (int c = 0; c < 3; c++) {
        double v = viridis[6][c];
        for (int k = 5; k >= 0; k--)
            v = v * x + viridis[k][c];
        rgb[c] = (guint8) CLAMP(v * 255.0 + 0.5, 0.0, 255.0);
    }
}

void train_heatmap_overlay(guint8 *out, const guint8 *image, const float *map, int width,
                           int height, double opacity)
{
    const double a = CLAMP(opacity, 0.0, 1.0);
    for (gsize i = 0; i < (gsize) width * height; i++) {
        guint8 rgb[3];
        train_heatmap_color(map[i], rgb);
        for (int c = 0; c < 3; c++)
            out[i * 3 + c] = (guint8) ((1.0 - a) * image[i * 3 + c] + a * rgb[c] + 0.5);
    }
}
