/* data_augment: the training-time image changes (flips, quarter turns, small rotations,
 * shifts, brightness/contrast, noise). Each image's randomness comes from its own
 * (seed, epoch, index) stream, so batches can be built in any order on any thread and a
 * run can be replayed, and the app's preview shows the very images that were trained. */
#include "data_augment.h"
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>
#include "nn_rng.h"

static const char *const kind_names[DATA_AUGMENT_N_KINDS] = {
    "hflip", "vflip", "rot90", "rotate", "translate", "color", "noise",
};

/* rot90 0.75: with uniform turns of 1..3, all four orientations are equally likely. */
static const float default_strength[DATA_AUGMENT_N_KINDS] = {
    0.5f, 0.5f, 0.75f, 0.5f, 0.4f, 0.5f, 0.2f,
};

enum { HFLIP, VFLIP, ROT90, ROTATE, TRANSLATE, COLOR, NOISE };

DataAugmentConfig
data_augment_config_default(void)
{
    DataAugmentConfig config = { .flags = 0 };
    memcpy(config.strength, default_strength, sizeof config.strength);
    return config;
}

const char *
data_augment_kind_name(int i)
{
    return i >= 0 && i < DATA_AUGMENT_N_KINDS ? kind_names[i] : NULL;
}

static int
kind_from_name(const char *name)
{
    for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
        if (g_ascii_strcasecmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

static void
set_parse_error(GError **error, const char *text, const char *word)
{
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("Unknown augmentation '%s' in \"%s\". Known: none, hflip, vflip, flip, rot90, "
                "rotate, translate, color, noise (optionally with a strength, e.g. noise=0.2)."),
                word, text);
}

gboolean
data_augment_config_parse(DataAugmentConfig *config, const char *text, GError **error)
{
    g_return_val_if_fail(config != NULL, FALSE);
    g_return_val_if_fail(text != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    DataAugmentConfig parsed = data_augment_config_default();
    g_auto(GStrv) words = g_strsplit(text, ",", -1);
    int n_words = 0;

    for (int w = 0; words[w] != NULL; w++) {
        char *word = g_strstrip(words[w]);
        if (*word == '\0')
            continue;
        n_words++;

        char *value = strchr(word, '=');
        if (value != NULL)
            *value++ = '\0';
        g_strstrip(word);

        if (g_ascii_strcasecmp(word, "none") == 0 && value == NULL) {
            parsed.flags = 0;
            continue;
        }

        int kinds[2], n_kinds = 0;
        if (g_ascii_strcasecmp(word, "flip") == 0) {
            kinds[n_kinds++] = HFLIP;
            kinds[n_kinds++] = VFLIP;
        } else if ((kinds[0] = kind_from_name(word)) >= 0) {
            n_kinds = 1;
        } else {
            set_parse_error(error, text, word);
            return FALSE;
        }

        float strength = -1;
        if (value != NULL) {
            char *end = NULL;
            g_strstrip(value);
            double v = g_ascii_strtod(value, &end);
            if (*value == '\0' || end == NULL || *end != '\0' || !(v >= 0.0 && v <= 1.0)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            _("The strength of '%s' in \"%s\" must be a number from 0 to 1, "
                            "not '%s'."), word, text, value);
                return FALSE;
            }
            strength = (float) v;
        }
        for (int k = 0; k < n_kinds; k++) {
            parsed.flags |= 1u << kinds[k];
            if (strength >= 0)
                parsed.strength[kinds[k]] = strength;
        }
    }

    if (n_words == 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    _("No augmentation named in \"%s\": give a list such as \"flip,noise\", "
                    "or \"none\"."), text);
        return FALSE;
    }
    *config = parsed;
    return TRUE;
}

char *
data_augment_config_to_string(const DataAugmentConfig *config)
{
    g_return_val_if_fail(config != NULL, NULL);
    if ((config->flags & ((1u << DATA_AUGMENT_N_KINDS) - 1)) == 0)
        return g_strdup("none");

    GString *s = g_string_new(NULL);
    for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++) {
        if (!(config->flags & (1u << i)))
            continue;
        if (s->len > 0)
            g_string_append_c(s, ',');
        g_string_append(s, kind_names[i]);
        if (config->strength[i] != default_strength[i]) {
            char buf[G_ASCII_DTOSTR_BUF_SIZE];
            g_string_append_printf(s, "=%s",
                                   g_ascii_formatd(buf, sizeof buf, "%g", config->strength[i]));
        }
    }
    return g_string_free(s, FALSE);
}

/* dst(y,x) = src(permuted y,x): first the flips, then `turns` counter-clockwise quarter
 * turns. The inverse map is written out so that every output pixel is one 3-byte copy. */
static void
permute(guint8 *dst, const guint8 *src, int height, int width, gboolean hflip,
        gboolean vflip, int turns)
{
    g_assert(dst != src);
    turns &= 3;
    g_assert(turns % 2 == 0 || height == width);
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            int sy, sx;   /* in the flipped, unturned image */
            switch (turns) {
            case 1:  sy = x;              sx = width - 1 - y;  break;
            case 2:  sy = height - 1 - y; sx = width - 1 - x;  break;
            case 3:  sy = height - 1 - x; sx = y;              break;
            default: sy = y;              sx = x;              break;
            }
            if (vflip)
                sy = height - 1 - sy;
            if (hflip)
                sx = width - 1 - sx;
            memcpy(dst + ((gsize) y * width + x) * 3, src + ((gsize) sy * width + sx) * 3, 3);
        }
    }
}

void
data_augment_hflip(guint8 *dst, const guint8 *src, int height, int width)
{
    g_return_if_fail(dst != NULL && src != NULL && dst != src);
    permute(dst, src, height, width, TRUE, FALSE, 0);
}

void
data_augment_vflip(guint8 *dst, const guint8 *src, int height, int width)
{
    g_return_if_fail(dst != NULL && src != NULL && dst != src);
    permute(dst, src, height, width, FALSE, TRUE, 0);
}

void
data_augment_rot90(guint8 *dst, const guint8 *src, int height, int width, int quarter_turns)
{
    g_return_if_fail(dst != NULL && src != NULL && dst != src);
    quarter_turns = ((quarter_turns % 4) + 4) % 4;
    g_return_if_fail(quarter_turns % 2 == 0 || height == width);
    permute(dst, src, height, width, FALSE, FALSE, quarter_turns);
}

static inline guint8
clamp_round(float v)
{
    if (!(v > 0.0f))        /* also catches NaN */
        return 0;
    if (v >= 255.0f)
        return 255;
    return (guint8) (v + 0.5f);
}

/* dst = src rotated by `angle` radians about the centre and shifted by (dx, dy) pixels,
 * sampled bilinearly; outside the image the nearest border pixel is used (no black
 * corners for the network to learn). With angle 0 and integer shifts every weight is
 * exactly 0 or 1, so a pure shift copies pixels. */
static void
warp(guint8 *dst, const guint8 *src, int height, int width, float angle, int dx, int dy)
{
    float c = cosf(angle), s = sinf(angle);
    float cx = width * 0.5f, cy = height * 0.5f;
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            /* Inverse map of the output pixel's centre, back to pixel-index space. */
            float px = x + 0.5f - cx - dx, py = y + 0.5f - cy - dy;
            float sx = c * px + s * py + cx - 0.5f;
            float sy = -s * px + c * py + cy - 0.5f;
            sx = CLAMP(sx, 0.0f, (float) (width - 1));
            sy = CLAMP(sy, 0.0f, (float) (height - 1));
            int x0 = (int) sx, y0 = (int) sy;
            int x1 = MIN(x0 + 1, width - 1), y1 = MIN(y0 + 1, height - 1);
            float fx = sx - x0, fy = sy - y0;
            const guint8 *p00 = src + ((gsize) y0 * width + x0) * 3;
            const guint8 *p01 = src + ((gsize) y0 * width + x1) * 3;
            const guint8 *p10 = src + ((gsize) y1 * width + x0) * 3;
            const guint8 *p11 = src + ((gsize) y1 * width + x1) * 3;
            guint8 *out = dst + ((gsize) y * width + x) * 3;
            for (int ch = 0; ch < 3; ch++) {
                float top = p00[ch] + fx * (p01[ch] - p00[ch]);
                float bottom = p10[ch] + fx * (p11[ch] - p10[ch]);
                out[ch] = clamp_round(top + fy * (bottom - top));
            }
        }
    }
}

/* v -> ((v - mean) * contrast + mean) * brightness, with mean the image's mean level,
 * so contrast changes keep the overall brightness (as torchvision's ColorJitter). */
static void
adjust_color(guint8 *img, gsize n_values, float brightness, float contrast)
{
    guint64 sum = 0;
    for (gsize i = 0; i < n_values; i++)
        sum += img[i];
    float mean = n_values > 0 ? (float) sum / n_values : 0;
    for (gsize i = 0; i < n_values; i++)
        img[i] = clamp_round(((img[i] - mean) * contrast + mean) * brightness);
}

/* Adds N(0, sigma^2) to every value; Box-Muller gives two normals per pair of draws. */
static void
add_noise(guint8 *img, gsize n_values, float sigma, nn_rng *rng)
{
    for (gsize i = 0; i < n_values; i += 2) {
        float u1 = 1.0f - nn_rng_uniform(rng);   /* (0, 1]: log is finite */
        float u2 = nn_rng_uniform(rng);
        float r = sigma * sqrtf(-2.0f * logf(u1));
        float a = 2.0f * (float) G_PI * u2;
        img[i] = clamp_round(img[i] + r * cosf(a));
        if (i + 1 < n_values)
            img[i + 1] = clamp_round(img[i + 1] + r * sinf(a));
    }
}

void
data_augment_image(guint8 *dst, const guint8 *src, int height, int width,
                   const DataAugmentConfig *config, guint64 seed, int epoch, int index)
{
    g_return_if_fail(dst != NULL && src != NULL && dst != src);
    g_return_if_fail(config != NULL);
    g_return_if_fail(height > 0 && width > 0);

    nn_rng rng;
    nn_rng_seed(&rng, nn_rng_mix(seed, (guint64) epoch, (guint64) index));

    /* Every scalar is drawn whether or not its kind is on (see the header). */
    float u[9];
    for (int i = 0; i < 9; i++)
        u[i] = nn_rng_uniform(&rng);

    guint flags = config->flags;
    const float *s = config->strength;
    gboolean hflip = (flags & DATA_AUGMENT_HFLIP) && u[0] < s[HFLIP];
    gboolean vflip = (flags & DATA_AUGMENT_VFLIP) && u[1] < s[VFLIP];
    int turns = 0;
    if ((flags & DATA_AUGMENT_ROT90) && height == width && u[2] < s[ROT90])
        turns = 1 + MIN((int) (u[3] * 3), 2);
    float angle = 0;
    if (flags & DATA_AUGMENT_ROTATE)
        angle = (2 * u[4] - 1) * s[ROTATE] * (float) (G_PI / 6);   /* +-30 degrees at 1 */
    int dx = 0, dy = 0;
    if (flags & DATA_AUGMENT_TRANSLATE) {
        dx = (int) lrintf((2 * u[5] - 1) * s[TRANSLATE] * 0.25f * width);
        dy = (int) lrintf((2 * u[6] - 1) * s[TRANSLATE] * 0.25f * height);
    }

    gsize n_values = (gsize) height * width * 3;
    if (angle != 0 || dx != 0 || dy != 0) {
        guint8 *tmp = g_malloc(n_values);
        permute(tmp, src, height, width, hflip, vflip, turns);
        warp(dst, tmp, height, width, angle, dx, dy);
        g_free(tmp);
    } else {
        permute(dst, src, height, width, hflip, vflip, turns);
    }

    if (flags & DATA_AUGMENT_COLOR) {
        float brightness = 1 + (2 * u[7] - 1) * s[COLOR] * 0.4f;
        float contrast = 1 + (2 * u[8] - 1) * s[COLOR] * 0.4f;
        if (brightness != 1 || contrast != 1)
            adjust_color(dst, n_values, brightness, contrast);
    }

    if ((flags & DATA_AUGMENT_NOISE) && s[NOISE] > 0)
        add_noise(dst, n_values, s[NOISE] * 25.0f, &rng);
}

void
data_augment_variants(guint8 *dst, int n_variants, const guint8 *src, int height, int width,
                      const DataAugmentConfig *config, guint64 seed, int index)
{
    g_return_if_fail(dst != NULL && src != NULL && config != NULL);
    gsize bytes = (gsize) height * width * 3;
    for (int v = 0; v < n_variants; v++)
        data_augment_image(dst + v * bytes, src, height, width, config, seed, v, index);
}
