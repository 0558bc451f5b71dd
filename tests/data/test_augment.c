/* test_augment: the augmentations are exact where they should be (flips and quarter
 * turns are permutations that undo themselves), deterministic per (seed, epoch, index),
 * harmless at strength 0, and the --augment parser names what it did not understand. */
#include <math.h>
#include <string.h>
#include "data_augment.h"
#include "data_test_sets.h"

#define SIDE 24
#define BYTES (SIDE * SIDE * 3)

static DataSet *
random_images(int count, int height, int width)
{
    const int counts[] = {count};
    return data_test_random_set(counts, 1, height, width, 77);
}

static DataAugmentConfig
only(DataAugmentFlags kind, float strength)
{
    DataAugmentConfig config = data_augment_config_default();
    config.flags = kind;
    config.strength[g_bit_nth_lsf(kind, -1)] = strength;
    return config;
}

static void
test_rot90_orientation(void)
{
    /* [[a b] [c d]] turned counter-clockwise is [[b d] [a c]]. */
    const guint8 src[12] = {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4};
    const guint8 expected[12] = {2, 2, 2, 4, 4, 4, 1, 1, 1, 3, 3, 3};
    guint8 dst[12];
    data_augment_rot90(dst, src, 2, 2, 1);
    g_assert_cmpmem(dst, 12, expected, 12);
    /* -1 turn = 3 turns: clockwise, [[c a] [d b]]. */
    const guint8 clockwise[12] = {3, 3, 3, 1, 1, 1, 4, 4, 4, 2, 2, 2};
    data_augment_rot90(dst, src, 2, 2, -1);
    g_assert_cmpmem(dst, 12, clockwise, 12);
    const guint8 flipped[12] = {2, 2, 2, 1, 1, 1, 4, 4, 4, 3, 3, 3};
    data_augment_hflip(dst, src, 2, 2);
    g_assert_cmpmem(dst, 12, flipped, 12);
}

static void
test_permutations_undo_themselves(void)
{
    g_autoptr(DataSet) set = random_images(1, 13, 7);
    const guint8 *src = data_set_image(set, 0);
    gsize bytes = 13 * 7 * 3;
    g_autofree guint8 *a = g_malloc(bytes), *b = g_malloc(bytes);

    data_augment_hflip(a, src, 13, 7);
    g_assert_false(memcmp(a, src, bytes) == 0);
    data_augment_hflip(b, a, 13, 7);
    g_assert_cmpmem(b, bytes, src, bytes);

    data_augment_vflip(a, src, 13, 7);
    g_assert_false(memcmp(a, src, bytes) == 0);
    data_augment_vflip(b, a, 13, 7);
    g_assert_cmpmem(b, bytes, src, bytes);

    g_autoptr(DataSet) square = random_images(1, SIDE, SIDE);
    const guint8 *s = data_set_image(square, 0);
    guint8 x[BYTES], y[BYTES];
    memcpy(x, s, BYTES);
    for (int k = 0; k < 4; k++) {
        data_augment_rot90(y, x, SIDE, SIDE, 1);
        g_assert_false(memcmp(y, x, BYTES) == 0);
        memcpy(x, y, BYTES);
    }
    g_assert_cmpmem(x, BYTES, s, BYTES);
}

/* Through data_augment_image: strength-1 flips always flip; the quarter turn is one of
 * 90/180/270 for a given (seed, epoch, index), so four applications are the identity. */
static void
test_augment_flip_and_rot90_identities(void)
{
    g_autoptr(DataSet) set = random_images(4, SIDE, SIDE);
    guint8 a[BYTES], b[BYTES], flipped[BYTES];
    DataAugmentConfig hflip = only(DATA_AUGMENT_HFLIP, 1.0f);
    DataAugmentConfig rot90 = only(DATA_AUGMENT_ROT90, 1.0f);

    for (int i = 0; i < 4; i++) {
        const guint8 *src = data_set_image(set, i);
        data_augment_image(a, src, SIDE, SIDE, &hflip, 5, 3, i);
        data_augment_hflip(flipped, src, SIDE, SIDE);
        g_assert_cmpmem(a, BYTES, flipped, BYTES);
        data_augment_image(b, a, SIDE, SIDE, &hflip, 5, 3, i);
        g_assert_cmpmem(b, BYTES, src, BYTES);

        memcpy(a, src, BYTES);
        for (int k = 0; k < 4; k++) {
            data_augment_image(b, a, SIDE, SIDE, &rot90, 5, 3, i);
            g_assert_false(memcmp(b, a, BYTES) == 0);   /* strength 1: always turns */
            memcpy(a, b, BYTES);
        }
        g_assert_cmpmem(a, BYTES, src, BYTES);
    }

    /* Strength 0: never. Non-square: no quarter turn whatever the strength. */
    DataAugmentConfig never = only(DATA_AUGMENT_HFLIP | DATA_AUGMENT_VFLIP, 0.0f);
    never.strength[1] = 0.0f;
    data_augment_image(a, data_set_image(set, 0), SIDE, SIDE, &never, 5, 3, 0);
    g_assert_cmpmem(a, BYTES, data_set_image(set, 0), BYTES);

    g_autoptr(DataSet) wide = random_images(1, 8, 12);
    guint8 w[8 * 12 * 3];
    for (int epoch = 0; epoch < 8; epoch++) {
        data_augment_image(w, data_set_image(wide, 0), 8, 12, &rot90, 5, epoch, 0);
        g_assert_cmpmem(w, sizeof w, data_set_image(wide, 0), sizeof w);
    }
}

static void
test_deterministic(void)
{
    g_autoptr(DataSet) set = random_images(1, SIDE, SIDE);
    const guint8 *src = data_set_image(set, 0);
    DataAugmentConfig all = data_augment_config_default();
    all.flags = (1u << DATA_AUGMENT_N_KINDS) - 1;
    guint8 a[BYTES], b[BYTES];

    data_augment_image(a, src, SIDE, SIDE, &all, 11, 2, 9);
    data_augment_image(b, src, SIDE, SIDE, &all, 11, 2, 9);
    g_assert_cmpmem(a, BYTES, b, BYTES);
    data_augment_image(b, src, SIDE, SIDE, &all, 11, 3, 9);     /* another epoch */
    g_assert_false(memcmp(a, b, BYTES) == 0);
    data_augment_image(b, src, SIDE, SIDE, &all, 11, 2, 10);    /* another image index */
    g_assert_false(memcmp(a, b, BYTES) == 0);
    data_augment_image(b, src, SIDE, SIDE, &all, 12, 2, 9);     /* another seed */
    g_assert_false(memcmp(a, b, BYTES) == 0);

    /* The preview's variants are exactly epochs 0..n-1. */
    guint8 variants[3 * BYTES];
    data_augment_variants(variants, 3, src, SIDE, SIDE, &all, 11, 9);
    for (int v = 0; v < 3; v++) {
        data_augment_image(a, src, SIDE, SIDE, &all, 11, v, 9);
        g_assert_cmpmem(variants + v * BYTES, BYTES, a, BYTES);
    }
}

static void
test_noise(void)
{
    g_autoptr(DataSet) set = random_images(1, SIDE, SIDE);
    const guint8 *src = data_set_image(set, 0);
    guint8 a[BYTES], b[BYTES];

    /* Strength 0 is the identity, and toggling it on leaves the other draws alone. */
    DataAugmentConfig zero = only(DATA_AUGMENT_NOISE, 0.0f);
    data_augment_image(a, src, SIDE, SIDE, &zero, 1, 0, 0);
    g_assert_cmpmem(a, BYTES, src, BYTES);
    DataAugmentConfig flip = only(DATA_AUGMENT_HFLIP, 0.5f);
    DataAugmentConfig flip_noise0 = flip;
    flip_noise0.flags |= DATA_AUGMENT_NOISE;
    flip_noise0.strength[6] = 0.0f;
    for (int i = 0; i < 8; i++) {
        data_augment_image(a, src, SIDE, SIDE, &flip, 1, 0, i);
        data_augment_image(b, src, SIDE, SIDE, &flip_noise0, 1, 0, i);
        g_assert_cmpmem(a, BYTES, b, BYTES);
    }

    /* On mid-grey (no clipping) the added noise has mean ~0 and sigma = strength*25. */
    guint8 grey[64 * 64 * 3], noisy[64 * 64 * 3];
    memset(grey, 128, sizeof grey);
    DataAugmentConfig noise = only(DATA_AUGMENT_NOISE, 0.4f);
    data_augment_image(noisy, grey, 64, 64, &noise, 1, 0, 0);
    double sum = 0, sum_sq = 0;
    for (gsize i = 0; i < sizeof grey; i++) {
        double d = (double) noisy[i] - 128;
        sum += d;
        sum_sq += d * d;
    }
    double mean = sum / sizeof grey, sd = sqrt(sum_sq / sizeof grey - mean * mean);
    g_test_message("noise 0.4: mean %.3f sd %.3f (expected 0, 10)", mean, sd);
    g_assert_cmpfloat(fabs(mean), <, 0.5);
    g_assert_cmpfloat(fabs(sd - 10.0), <, 0.6);
}

/* A shift copies pixels exactly and replicates the border; a small rotation of a flat
 * image stays flat (no black corners). */
static void
test_translate_and_rotate(void)
{
    g_autoptr(DataSet) set = random_images(1, SIDE, SIDE);
    const guint8 *src = data_set_image(set, 0);
    guint8 a[BYTES];
    DataAugmentConfig shift = only(DATA_AUGMENT_TRANSLATE, 1.0f);   /* +-6 pixels */
    int n_shifted = 0;
    for (int epoch = 0; epoch < 6; epoch++) {
        data_augment_image(a, src, SIDE, SIDE, &shift, 3, epoch, 0);
        gboolean found = FALSE;
        for (int dy = -6; dy <= 6 && !found; dy++)
            for (int dx = -6; dx <= 6 && !found; dx++) {
                gboolean match = TRUE;
                for (int y = 0; y < SIDE && match; y++)
                    for (int x = 0; x < SIDE && match; x++) {
                        int sx = CLAMP(x - dx, 0, SIDE - 1), sy = CLAMP(y - dy, 0, SIDE - 1);
                        match = memcmp(a + (y * SIDE + x) * 3, src + (sy * SIDE + sx) * 3, 3) == 0;
                    }
                if (match) {
                    found = TRUE;
                    n_shifted += dx != 0 || dy != 0;
                }
            }
        g_assert_true(found);
    }
    g_assert_cmpint(n_shifted, >=, 4);

    guint8 flat[BYTES], out[BYTES];
    memset(flat, 77, BYTES);
    DataAugmentConfig rotate = only(DATA_AUGMENT_ROTATE, 1.0f);
    rotate.flags |= DATA_AUGMENT_TRANSLATE;
    data_augment_image(out, flat, SIDE, SIDE, &rotate, 3, 1, 0);
    g_assert_cmpmem(out, BYTES, flat, BYTES);
    data_augment_image(out, src, SIDE, SIDE, &rotate, 3, 1, 0);
    g_assert_false(memcmp(out, src, BYTES) == 0);

    /* Brightness/contrast keep a flat image flat and within +-20% at strength 0.5. */
    DataAugmentConfig color = only(DATA_AUGMENT_COLOR, 0.5f);
    for (int epoch = 0; epoch < 4; epoch++) {
        data_augment_image(out, flat, SIDE, SIDE, &color, 3, epoch, 0);
        for (int i = 1; i < BYTES; i++)
            g_assert_cmpint(out[i], ==, out[0]);
        g_assert_cmpint(out[0], >=, 61);
        g_assert_cmpint(out[0], <=, 93);
    }
}

static void
test_parse(void)
{
    DataAugmentConfig config;
    g_autoptr(GError) error = NULL;

    g_assert_true(data_augment_config_parse(&config, "flip,rot90,noise", &error));
    g_assert_no_error(error);
    g_assert_cmpuint(config.flags, ==, DATA_AUGMENT_HFLIP | DATA_AUGMENT_VFLIP
                                           | DATA_AUGMENT_ROT90 | DATA_AUGMENT_NOISE);
    g_assert_true(data_augment_config_parse(&config, "none", &error));
    g_assert_cmpuint(config.flags, ==, 0);
    g_assert_true(data_augment_config_parse(&config, " Hflip , noise=0.1 ", &error));
    g_assert_cmpuint(config.flags, ==, DATA_AUGMENT_HFLIP | DATA_AUGMENT_NOISE);
    g_assert_cmpfloat(config.strength[6], ==, 0.1f);
    g_autofree char *text = data_augment_config_to_string(&config);
    g_assert_cmpstr(text, ==, "hflip,noise=0.1");

    /* Every kind's name parses back to its own bit. */
    for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++) {
        g_assert_true(data_augment_config_parse(&config, data_augment_kind_name(i), &error));
        g_assert_cmpuint(config.flags, ==, 1u << i);
    }
    g_assert_null(data_augment_kind_name(DATA_AUGMENT_N_KINDS));
    g_assert_null(data_augment_kind_name(-1));

    /* Errors name the bad word and leave the config alone. */
    DataAugmentConfig before = config;
    g_assert_false(data_augment_config_parse(&config, "flip,rot45", &error));
    g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    g_assert_nonnull(strstr(error->message, "'rot45'"));
    g_assert_cmpmem(&config, sizeof config, &before, sizeof before);
    g_clear_error(&error);
    g_assert_false(data_augment_config_parse(&config, "noise=2", &error));
    g_assert_nonnull(strstr(error->message, "'noise'"));
    g_assert_nonnull(strstr(error->message, "'2'"));
    g_clear_error(&error);
    g_assert_false(data_augment_config_parse(&config, " , ", &error));
    g_assert_nonnull(strstr(error->message, "none"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data/augment/rot90-orientation", test_rot90_orientation);
    g_test_add_func("/data/augment/permutations-undo-themselves", test_permutations_undo_themselves);
    g_test_add_func("/data/augment/flip-rot90-identities", test_augment_flip_and_rot90_identities);
    g_test_add_func("/data/augment/deterministic", test_deterministic);
    g_test_add_func("/data/augment/noise", test_noise);
    g_test_add_func("/data/augment/translate-rotate-color", test_translate_and_rotate);
    g_test_add_func("/data/augment/parse", test_parse);
    return g_test_run();
}
