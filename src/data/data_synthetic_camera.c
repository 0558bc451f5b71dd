/* data_synthetic_camera: the inspection camera that records a drawn scene: exposure, a
 * light falloff, vignetting and a colour cast, optical blur and sensor noise, computed in
 * integers (levels x 16) so that every machine gets the same bytes. Also how far the
 * camera spreads a mark drawn on the scene, for the defect's box. */
#include "data_synthetic_private.h"

/* The blur's reach grows with the image, so the same optics blur alike at every size. */
static int
blur_radius(int size)
{
    return MAX(1, (size + 48) / 96);
}

/* Separable box blur of (size, size, 3) with edge replication, blended by amount/256. */
static void
box_blur(int *img, int *tmp, int size, int radius, int amount)
{
    int n = 2 * radius + 1;
    for (int y = 0; y < size; y++) {
        for (int c = 0; c < 3; c++) {
            const int *row = img + (gsize) y * size * 3 + c;
            int sum = 0;
            for (int k = -radius; k <= radius; k++)
                sum += row[CLAMP(k, 0, size - 1) * 3];
            for (int x = 0; x < size; x++) {
                tmp[((gsize) y * size + x) * 3 + c] = sum;
                sum += row[MIN(x + radius + 1, size - 1) * 3] - row[MAX(x - radius, 0) * 3];
            }
        }
    }
    for (int x = 0; x < size; x++) {
        for (int c = 0; c < 3; c++) {
            const int *col = tmp + (gsize) x * 3 + c;
            gsize stride = (gsize) size * 3;
            int sum = 0;
            for (int k = -radius; k <= radius; k++)
                sum += col[CLAMP(k, 0, size - 1) * stride];
            for (int y = 0; y < size; y++) {
                int *out = img + (y * stride) + (gsize) x * 3 + c;
                int blurred = sum / (n * n);
                *out = (*out * (256 - amount) + blurred * amount) / 256;
                sum += col[MIN(y + radius + 1, size - 1) * stride] - col[MAX(y - radius, 0) * stride];
            }
        }
    }
}

void
synthetic_camera_develop(guint8 *rgb_out, Canvas *cv, const Scene *sc, guint64 seed,
                         int index)
{
    int size = cv->size;
    cairo_surface_flush(cv->surface);
    const guint8 *data = cairo_image_surface_get_data(cv->surface);
    int stride = cairo_image_surface_get_stride(cv->surface);

    /* Exposure x a linear falloff across the frame x vignetting x a colour cast. */
    for (int y = 0; y < size; y++) {
        const guint32 *row = (const guint32 *) (data + (gsize) y * stride);
        double fy = (y + 0.5) / size - 0.5;
        for (int x = 0; x < size; x++) {
            double fx = (x + 0.5) / size - 0.5;
            double light = sc->exposure * (1 + 2 * sc->light_amount * (fx * sc->light_x + fy * sc->light_y))
                           * (1 - sc->vignette * 2 * (fx * fx + fy * fy));
            guint32 p = row[x];
            int *out = cv->work + ((gsize) y * size + x) * 3;
            int m = (int) (light * 4096);
            out[0] = (int) (((p >> 16) & 255) * (int) (m * sc->tint[0]) >> 8);
            out[1] = (int) (((p >> 8) & 255) * (int) (m * sc->tint[1]) >> 8);
            out[2] = (int) ((p & 255) * (int) (m * sc->tint[2]) >> 8);
        }
    }
    int amount = (int) (sc->blur * 256);
    if (amount > 0)
        box_blur(cv->work, cv->blurred, size, blur_radius(size), amount);

    /* Sensor noise: luminance from the sum of four uniform bytes (near Gaussian, sd
     * 147.8) and a little independent chroma noise. */
    nn_rng rng;
    rng_for(&rng, seed, (guint64) index, STREAM_NOISE);
    int lum_q = (int) (sc->noise_sigma * 16 * 256 / 147.8);
    int chroma_q = lum_q / 3;
    gsize n = (gsize) size * size;
    for (gsize i = 0; i < n; i++) {
        guint64 bits = nn_rng_next(&rng);
        int lum = (int) (bits & 255) + (int) ((bits >> 8) & 255) + (int) ((bits >> 16) & 255)
                  + (int) ((bits >> 24) & 255) - 510;
        int noise = lum * lum_q / 256;
        for (int c = 0; c < 3; c++) {
            int chroma = ((int) ((bits >> (32 + 8 * c)) & 255) - 128) * chroma_q / 128;
            int v = CLAMP(cv->work[i * 3 + c] + noise + chroma, 0, 255 * 16);
            rgb_out[i * 3 + c] = (guint8) ((v + 8) >> 4);
        }
    }
}

DataSyntheticBox
synthetic_camera_box(const Extent *ext, const Scene *sc, int size)
{
    if (!ext->any)
        return (DataSyntheticBox) { 0 };
    /* Anti-aliasing reaches one pixel out, the blur `radius` more. */
    int grow = 1 + (sc->blur > 0 ? blur_radius(size) : 0);
    int x0 = MAX(0, (int) floor(ext->x0) - grow), y0 = MAX(0, (int) floor(ext->y0) - grow);
    int x1 = MIN(size, (int) ceil(ext->x1) + grow), y1 = MIN(size, (int) ceil(ext->y1) + grow);
    if (x1 <= x0 || y1 <= y0)
        return (DataSyntheticBox) { 0 };
    return (DataSyntheticBox) { x0, y0, x1 - x0, y1 - y0 };
}
