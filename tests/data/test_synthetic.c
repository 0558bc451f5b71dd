/* test_synthetic: the built-in IC-chip dataset is what a user with no data trains on, so
 * it must be reproducible to the byte, balanced, labelled as promised, show its defects
 * where it says, refuse bad parameters in words, stop when cancelled and export cleanly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include "data_folder.h"
#include "data_synthetic.h"

/* SHA-256 of the pixels of test_checksum's sets; see there. */
#define EXPECTED_CHECKSUM "83a8838ba9dd5e1015046e2bdb2aff981aca921885c422dbced3390323295c85"
#define EXPECTED_CHECKSUM_TWO_CLASS "7bad7021751a73bcd79035fc37c0b33146a739206c7c066a50891cb57072501c"

static DataSyntheticParams
small_params(int per_class, int size)
{
    DataSyntheticParams p = data_synthetic_params_default();
    p.images_per_class = per_class;
    p.size = size;
    p.seed = 1234;
    return p;
}

static DataSet *
generate_ok(const DataSyntheticParams *p)
{
    g_autoptr(GError) error = NULL;
    DataSet *set = data_synthetic_generate(p, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(set);
    return set;
}

static gsize
pixel_bytes(const DataSet *set)
{
    return (gsize) set->count * set->height * set->width * 3;
}

static void
test_defaults(void)
{
    DataSyntheticParams p = data_synthetic_params_default();
    g_assert_cmpint(p.images_per_class, ==, DATA_SYNTHETIC_DEFAULT_PER_CLASS);
    g_assert_cmpint(p.size, ==, DATA_SYNTHETIC_DEFAULT_SIZE);
    g_assert_cmpfloat(p.difficulty, ==, DATA_SYNTHETIC_DEFAULT_DIFFICULTY);
    g_assert_cmpfloat(p.label_noise, ==, 0.0);
    g_assert_false(p.multiclass);
}

/* The same parameters give the same bytes whatever the thread count: each image depends
 * on (seed, index) only. */
static void
test_deterministic_across_threads(void)
{
    DataSyntheticParams p = small_params(24, 48);
    p.threads = 1;
    g_autoptr(DataSet) a = generate_ok(&p);
    p.threads = 3;
    g_autoptr(DataSet) b = generate_ok(&p);
    p.threads = 0;
    g_autoptr(DataSet) c = generate_ok(&p);
    g_assert_cmpint(a->count, ==, 48);
    g_assert_cmpmem(a->pixels, pixel_bytes(a), b->pixels, pixel_bytes(b));
    g_assert_cmpmem(a->pixels, pixel_bytes(a), c->pixels, pixel_bytes(c));
    g_assert_cmpmem(a->labels, sizeof(int) * a->count, b->labels, sizeof(int) * b->count);
    g_assert_cmpmem(a->defect_boxes, sizeof(DataBox) * a->count, b->defect_boxes, sizeof(DataBox) * b->count);
    g_assert_cmpmem(a->defect_boxes, sizeof(DataBox) * a->count, c->defect_boxes, sizeof(DataBox) * c->count);
    for (int i = 0; i < a->count; i++)
        g_assert_cmpstr(a->sources[i], ==, b->sources[i]);

    /* ...and a different seed gives different images. */
    p.seed = 1235;
    g_autoptr(DataSet) d = generate_ok(&p);
    g_assert_true(memcmp(a->pixels, d->pixels, pixel_bytes(a)) != 0);
}

static void
assert_checksum(const DataSyntheticParams *p, const char *expected)
{
    g_autoptr(DataSet) set = generate_ok(p);
    g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, set->pixels, pixel_bytes(set));
    g_test_message("checksum %s", sum);
    g_assert_cmpstr(sum, ==, expected);
}

/* A checksum of a fixed small set, so that a change to the drawing (or a platform whose
 * arithmetic differs) is noticed. If you change the drawing on purpose, update it.
 * Assumes Cairo/pixman give the same bytes for the same calls (true for one version on
 * any x86-64 or ARM machine; a new Cairo release could in principle move an edge). The
 * same under gcc and clang, with or without the sanitizers: the generator sequences its
 * random draws (data_synthetic_private.h), which C would otherwise let a compiler order
 * as it likes, and turns off FMA contraction for both compilers. */
static void
test_checksum(void)
{
    DataSyntheticParams p = small_params(3, 32);
    p.seed = 7;
    p.multiclass = TRUE;
    assert_checksum(&p, EXPECTED_CHECKSUM);
}

/* The same for the two-class set at a middle difficulty and a size where the camera's
 * blur reaches two pixels: the kind sampling, tamer nuisances and the bigger blur are
 * covered too. (Recorded before the generator was split into files.) */
static void
test_checksum_two_class(void)
{
    DataSyntheticParams p = small_params(6, 150);
    p.seed = 11;
    p.difficulty = 0.6;
    assert_checksum(&p, EXPECTED_CHECKSUM_TWO_CLASS);
}

static void
test_class_balance_and_names(void)
{
    DataSyntheticParams p = small_params(17, 16);
    g_autoptr(DataSet) set = generate_ok(&p);
    g_assert_cmpint(set->num_classes, ==, 2);
    g_assert_cmpstr(set->class_names[0], ==, "good");
    g_assert_cmpstr(set->class_names[1], ==, "defect");
    g_assert_null(set->class_names[2]);
    g_assert_cmpint(set->count, ==, 34);
    g_assert_cmpint(set->height, ==, 16);
    g_assert_cmpint(set->width, ==, 16);
    g_assert_cmpint(set->channels, ==, 3);
    int counts[2];
    data_set_class_counts(set, counts);
    g_assert_cmpint(counts[0], ==, 17);
    g_assert_cmpint(counts[1], ==, 17);
    g_assert_cmpstr(set->sources[0], ==, "synthetic/good/000000");
    g_assert_cmpstr(set->sources[1], ==, "synthetic/defect/000001");
    g_assert_null(set->sources[set->count]);
}

static void
test_multiclass(void)
{
    DataSyntheticParams p = small_params(5, 24);
    p.multiclass = TRUE;
    g_autoptr(DataSet) set = generate_ok(&p);
    static const char *const names[] = {
        "good", "missing_pin", "bent_pin", "chipped_corner", "crack", "scratch", "particle",
        "burn_mark", "bad_marking",
    };
    g_assert_cmpint(set->num_classes, ==, 9);
    g_assert_cmpint(g_strv_length(set->class_names), ==, 9);
    for (int c = 0; c < 9; c++) {
        g_assert_cmpstr(set->class_names[c], ==, names[c]);
        if (c > 0)
            g_assert_cmpstr(data_defect_kind_name(c - 1), ==, names[c]);
    }
    int counts[9];
    data_set_class_counts(set, counts);
    for (int c = 0; c < 9; c++)
        g_assert_cmpint(counts[c], ==, 5);
    /* Each image is drawn with its class's defect: image i is what data_synthetic_draw
     * gives for (seed, i, kind). */
    g_autofree guint8 *rgb = g_malloc(24 * 24 * 3);
    for (int i = 0; i < set->count; i += 7) {
        data_synthetic_draw(rgb, 24, p.difficulty, p.seed, i, set->labels[i] - 1, NULL);
        g_assert_cmpmem(rgb, 24 * 24 * 3, data_set_image(set, i), 24 * 24 * 3);
        g_autofree char *src = g_strdup_printf("synthetic/%s/%06d", names[set->labels[i]], i);
        g_assert_cmpstr(set->sources[i], ==, src);
    }
}

/* Label noise relabels exactly the asked fraction, always the same images, and leaves
 * the pixels alone. */
static void
test_label_noise(void)
{
    DataSyntheticParams p = small_params(200, 16);
    g_autoptr(DataSet) clean = generate_ok(&p);
    p.label_noise = 0.2;
    g_autoptr(DataSet) noisy = generate_ok(&p);
    p.threads = 1;
    g_autoptr(DataSet) again = generate_ok(&p);

    g_assert_cmpmem(clean->pixels, pixel_bytes(clean), noisy->pixels, pixel_bytes(noisy));
    g_assert_cmpmem(noisy->labels, sizeof(int) * noisy->count, again->labels, sizeof(int) * again->count);
    int flipped = 0, flipped_good = 0;
    for (int i = 0; i < clean->count; i++) {
        if (clean->labels[i] != noisy->labels[i]) {
            flipped++;
            flipped_good += clean->labels[i] == 0;
            /* The source name follows the label given, as an exported folder would. */
            g_assert_true(g_str_has_prefix(noisy->sources[i],
                                           noisy->labels[i] == 0 ? "synthetic/good/" : "synthetic/defect/"));
        }
    }
    g_assert_cmpint(flipped, ==, 80);
    /* Both classes are hit, in roughly equal numbers (binomial, 40 +- 4.5 sd). */
    g_assert_cmpint(flipped_good, >, 20);
    g_assert_cmpint(flipped_good, <, 60);

    /* Multiclass: a flipped label goes to some other class, never stays. */
    p.multiclass = TRUE;
    p.images_per_class = 20;
    p.label_noise = 0.5;
    g_autoptr(DataSet) multi = generate_ok(&p);
    int changed = 0;
    for (int i = 0; i < multi->count; i++)
        changed += multi->labels[i] != i % 9;
    g_assert_cmpint(changed, ==, 90);
}

/* Images are not blank: real variation inside each, and they differ from each other. */
static void
test_images_not_blank(void)
{
    DataSyntheticParams p = small_params(8, 32);
    g_autoptr(DataSet) set = generate_ok(&p);
    int n = 32 * 32 * 3;
    for (int i = 0; i < set->count; i++) {
        const guint8 *img = data_set_image(set, i);
        double sum = 0, sum2 = 0;
        for (int k = 0; k < n; k++) {
            sum += img[k];
            sum2 += (double) img[k] * img[k];
        }
        double mean = sum / n, var = sum2 / n - mean * mean;
        g_assert_cmpfloat(mean, >, 10);
        g_assert_cmpfloat(mean, <, 245);
        g_assert_cmpfloat(var, >, 100);      /* sd > 10 levels: a chip on a backdrop */
        if (i > 0)
            g_assert_true(memcmp(img, data_set_image(set, i - 1), n) != 0);
    }
}

/* What a defect changed: `bad` is `good` (the same scene without its defect, size x
 * size) plus the defect. The change must lie inside box, be visible, and stay a part of
 * the chip. `what` names the case in the log. */
static void
assert_change_in_box(const guint8 *good, const guint8 *bad, int size, DataSyntheticBox box,
                     const char *what)
{
    g_assert_cmpint(box.width, >, 0);
    g_assert_cmpint(box.height, >, 0);
    /* Outside the box only rounding ripples are allowed: pixman steps a gradient
     * incrementally along each span, so removing one lead can move another lead's
     * shading on the same row by a level or two. */
    long inside = 0, outside = 0;
    int outside_max = 0, changed = 0;
    for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
            const guint8 *a = good + (y * size + x) * 3, *b = bad + (y * size + x) * 3;
            int d = abs(a[0] - b[0]) + abs(a[1] - b[1]) + abs(a[2] - b[2]);
            gboolean in = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
            changed += d > 8;
            if (in) {
                inside += d;
            } else {
                outside += d;
                outside_max = MAX(outside_max, d);
            }
        }
    }
    if (outside != 0 || inside < 300)
        g_test_message("%s: inside %ld outside %ld (max %d) box %d,%d %dx%d", what, inside,
                       outside, outside_max, box.x, box.y, box.width, box.height);
    /* A part of the chip, not the picture: under 1/3 of the pixels change
     * visibly. (It was 1/6 when defects were smaller; at difficulty 0, the easy
     * default, a burn may reach 0.45 of the body's height in radius and a chipped
     * corner half its height: up to ~1/4 of a tightly framed image, measured.) */
    g_assert_cmpint(changed, <, size * size / 3);
    g_assert_cmpint(outside_max, <=, 6);
    g_assert_cmpint(outside, <, inside / 20 + 1);
    /* At least ~100 levels summed over the box: visible, not a rounding ripple. */
    g_assert_cmpint(inside, >=, 100);
}

/* Every defect kind changes pixels, only near where it says it drew, and by enough to
 * be seen. */
static void
test_defects_localized(void)
{
    const int size = 128;
    const int n = size * size * 3;
    g_autofree guint8 *good = g_malloc(n);
    g_autofree guint8 *bad = g_malloc(n);
    const double levels[] = { 0.0, 0.5 };   /* the default (largest defects) and a harder one */
    for (int kind = 0; kind < DATA_N_DEFECTS * 2; kind++) {
        double difficulty = levels[kind / DATA_N_DEFECTS];
        for (int index = 0; index < 12; index++) {
            DataSyntheticBox box, none;
            data_synthetic_draw(good, size, difficulty, 99, index, -1, &none);
            data_synthetic_draw(bad, size, difficulty, 99, index, kind % DATA_N_DEFECTS, &box);
            g_assert_cmpint(none.width, ==, 0);
            g_autofree char *what = g_strdup_printf("%s difficulty %g index %d",
                                                    data_defect_kind_name(kind % DATA_N_DEFECTS),
                                                    difficulty, index);
            assert_change_in_box(good, bad, size, box, what);
        }
    }
}

/* Generates p's set and checks every image's box against the same chip drawn again,
 * with and without its defect. */
static void
assert_boxes_hold_defects(const DataSyntheticParams *p)
{
    g_autoptr(DataSet) set = generate_ok(p);
    g_assert_nonnull(set->defect_boxes);
    gsize n = (gsize) p->size * p->size * 3;
    g_autofree guint8 *again = g_malloc(n);
    g_autofree guint8 *without = g_malloc(n);
    int n_defects = 0;
    for (int i = 0; i < set->count; i++) {
        DataSyntheticBox box = set->defect_boxes[i], drawn;
        int kind = data_synthetic_defect_of(p, i);
        g_assert_cmpint(kind, >=, -1);
        g_assert_cmpint(kind, <, DATA_N_DEFECTS);
        g_assert_cmpint(kind == -1, ==, i % set->num_classes == 0);
        if (p->multiclass)
            g_assert_cmpint(kind, ==, i % set->num_classes - 1);
        data_synthetic_draw(again, p->size, p->difficulty, p->seed, i, kind, &drawn);
        g_assert_cmpmem(again, n, data_set_image(set, i), n);
        g_assert_cmpmem(&drawn, sizeof drawn, &box, sizeof box);
        if (kind == -1) {
            g_assert_cmpint(box.width, ==, 0);
            g_assert_cmpint(box.height, ==, 0);
            continue;
        }
        n_defects++;
        data_synthetic_draw(without, p->size, p->difficulty, p->seed, i, -1, NULL);
        g_autofree char *what = g_strdup_printf("%s, image %d of the %s set", data_defect_kind_name(kind),
                                                i, p->multiclass ? "multiclass" : "two-class");
        assert_change_in_box(without, data_set_image(set, i), p->size, box, what);
    }
    g_assert_cmpint(n_defects, ==, set->count - set->count / set->num_classes);
}

/* A generated set says where each image's defect is (what a Grad-CAM check needs): the
 * box holds every pixel that differs from the same chip drawn without its defect, a good
 * chip's box is empty, and data_synthetic_defect_of names the kind that was drawn.
 * Label noise flips labels, not boxes. */
static void
test_defect_boxes(void)
{
    DataSyntheticParams p = small_params(12, 128);
    p.seed = 77;
    p.difficulty = 0.5;         /* every kind turns up in the two-class set */
    p.label_noise = 0.25;
    assert_boxes_hold_defects(&p);
    p.multiclass = TRUE;
    p.images_per_class = 3;
    assert_boxes_hold_defects(&p);

    /* A folder's images have no boxes. */
    g_autoptr(DataSet) plain = data_set_new(2, 16, 16, 2);
    g_assert_null(plain->defect_boxes);
}

/* Harder defects are smaller or fainter on the same chips. */
static void
test_difficulty(void)
{
    const int size = 96;
    const int n = size * size * 3;
    g_autofree guint8 *good = g_malloc(n);
    g_autofree guint8 *bad = g_malloc(n);
    long change[2] = { 0, 0 };
    double levels[2] = { 0.0, 1.0 };
    for (int l = 0; l < 2; l++)
        for (int kind = 0; kind < DATA_N_DEFECTS; kind++)
            for (int index = 0; index < 6; index++) {
                data_synthetic_draw(good, size, levels[l], 5, index, -1, NULL);
                data_synthetic_draw(bad, size, levels[l], 5, index, kind, NULL);
                for (int k = 0; k < n; k++)
                    change[l] += abs(good[k] - bad[k]);
            }
    g_test_message("total change: easy %ld, hard %ld", change[0], change[1]);
    g_assert_cmpint(change[1], >, 0);
    /* Sizes 20.5 vs 3.5 at the two ends, but the biggest defects are capped by the body,
     * so the ratio is ~2.7 (measured), not 6. */
    g_assert_cmpint(change[0], >, 2 * change[1]);
}

/* Which defect kind image i of a two-class set was drawn with: the one whose drawing it is. */
static int
kind_of(const DataSet *set, const DataSyntheticParams *p, int i, guint8 *rgb)
{
    int n = set->width * set->height * 3;
    for (int kind = 0; kind < DATA_N_DEFECTS; kind++) {
        data_synthetic_draw(rgb, set->width, p->difficulty, p->seed, i, kind, NULL);
        if (memcmp(rgb, data_set_image(set, i), n) == 0)
            return kind;
    }
    return -1;
}

/* An easy two-class set is learnable from what is visible: at difficulty 0 no defective
 * chip is a missing or bent pin or a bad marking (a dozen pixels at 64x64, or text that
 * could be short); at difficulty 1 every kind turns up. */
static void
test_kinds_follow_difficulty(void)
{
    const int size = 24;
    g_autofree guint8 *rgb = g_malloc(size * size * 3);
    for (int l = 0; l < 2; l++) {
        DataSyntheticParams p = small_params(120, size);
        p.difficulty = l;
        g_autoptr(DataSet) set = generate_ok(&p);
        int seen[DATA_N_DEFECTS] = { 0 };
        for (int i = 1; i < set->count; i += 2) {
            int kind = kind_of(set, &p, i, rgb);
            g_assert_cmpint(kind, >=, 0);
            seen[kind]++;
        }
        for (int kind = 0; kind < DATA_N_DEFECTS; kind++) {
            gboolean subtle = kind == DATA_DEFECT_MISSING_PIN || kind == DATA_DEFECT_BENT_PIN
                              || kind == DATA_DEFECT_BAD_MARKING;
            if (l == 0 && subtle)
                g_assert_cmpint(seen[kind], ==, 0);
            else
                g_assert_cmpint(seen[kind], >, 0);
        }
    }
}

static void
assert_invalid(DataSyntheticParams p, const char *name)
{
    g_autoptr(GError) error = NULL;
    DataSet *set = data_synthetic_generate(&p, NULL, NULL, NULL, &error);
    g_assert_null(set);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(error->message, name));
}

static void
test_invalid_params(void)
{
    DataSyntheticParams p = small_params(4, 16);
    DataSyntheticParams q;
    q = p, q.size = 15;                 assert_invalid(q, "size");
    q = p, q.size = 385;                assert_invalid(q, "size");
    q = p, q.images_per_class = 0;      assert_invalid(q, "images_per_class");
    q = p, q.images_per_class = -3;     assert_invalid(q, "images_per_class");
    q = p, q.difficulty = 1.5;          assert_invalid(q, "difficulty");
    q = p, q.difficulty = NAN;          assert_invalid(q, "difficulty");
    q = p, q.label_noise = 0.6;         assert_invalid(q, "label_noise");
    q = p, q.label_noise = -0.1;        assert_invalid(q, "label_noise");
    q = p, q.threads = -1;              assert_invalid(q, "threads");
    /* 100000 x 9 images of 384 x 384 would be 398 GB: refused, not attempted. */
    q = p, q.images_per_class = DATA_SYNTHETIC_MAX_PER_CLASS, q.size = 384, q.multiclass = TRUE;
    assert_invalid(q, "images_per_class");
    /* The message gives the range. */
    g_autoptr(GError) error = NULL;
    q = p, q.size = 8;
    g_assert_null(data_synthetic_generate(&q, NULL, NULL, NULL, &error));
    g_assert_nonnull(strstr(error->message, "16..384"));
}

typedef struct {
    GCancellable *cancellable;
    gint calls;
    gint max_done;
    gint total;
    int cancel_at;
} Progress;

static void
on_progress(int done, int total, gpointer data)
{
    Progress *pr = data;
    g_atomic_int_inc(&pr->calls);
    int old;
    do {
        old = g_atomic_int_get(&pr->max_done);
    } while (done > old && !g_atomic_int_compare_and_exchange(&pr->max_done, old, done));
    g_atomic_int_set(&pr->total, total);
    if (pr->cancellable != NULL && done >= pr->cancel_at)
        g_cancellable_cancel(pr->cancellable);
}

static void
test_progress(void)
{
    DataSyntheticParams p = small_params(30, 16);
    p.threads = 2;
    Progress pr = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = data_synthetic_generate(&p, on_progress, &pr, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(pr.calls, ==, 60);
    g_assert_cmpint(pr.max_done, ==, 60);
    g_assert_cmpint(pr.total, ==, 60);
}

static void
test_cancel(void)
{
    DataSyntheticParams p = small_params(500, 32);
    p.threads = 2;

    /* Cancelled before it starts. */
    g_autoptr(GCancellable) before = g_cancellable_new();
    g_cancellable_cancel(before);
    g_autoptr(GError) error = NULL;
    g_assert_null(data_synthetic_generate(&p, NULL, NULL, before, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error(&error);

    /* Cancelled from the progress callback after 10 images: stops within an image per
     * thread, not after the remaining 990. */
    g_autoptr(GCancellable) during = g_cancellable_new();
    Progress pr = { .cancellable = during, .cancel_at = 10 };
    g_assert_null(data_synthetic_generate(&p, on_progress, &pr, during, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpint(pr.calls, >=, 10);
    g_assert_cmpint(pr.calls, <=, 10 + p.threads);
}

/* Export writes dir/<class>/<nnnnnn>.png that read back as the same pixels. */
static void
test_export(void)
{
    DataSyntheticParams p = small_params(3, 40);
    p.multiclass = TRUE;
    g_autoptr(DataSet) set = generate_ok(&p);
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("lrlab-synthetic-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *out = g_build_filename(dir, "nested", "export", NULL);
    g_assert_true(data_synthetic_export(set, out, &error));
    g_assert_no_error(error);

    for (int i = 0; i < set->count; i++) {
        g_autofree char *name = g_strdup_printf("%06d.png", i);
        g_autofree char *path = g_build_filename(out, set->class_names[set->labels[i]], name, NULL);
        g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(path, &error);
        g_assert_no_error(error);
        g_assert_cmpint(gdk_pixbuf_get_width(pb), ==, 40);
        g_assert_cmpint(gdk_pixbuf_get_height(pb), ==, 40);
        g_assert_cmpint(gdk_pixbuf_get_n_channels(pb), ==, 3);
        const guint8 *px = gdk_pixbuf_read_pixels(pb);
        int stride = gdk_pixbuf_get_rowstride(pb);
        for (int y = 0; y < 40; y++)
            g_assert_cmpmem(px + y * stride, 40 * 3, data_set_image(set, i) + y * 40 * 3, 40 * 3);
        g_assert_cmpint(g_unlink(path), ==, 0);
    }
    for (int c = 0; c < set->num_classes; c++) {
        g_autofree char *class_dir = g_build_filename(out, set->class_names[c], NULL);
        g_assert_cmpint(g_rmdir(class_dir), ==, 0);   /* fails if anything else was written */
    }
    /* and the class order, one name a line, so a folder load numbers them the same */
    g_autofree char *order = g_build_filename(out, DATA_FOLDER_CLASS_ORDER_FILE, NULL);
    g_autofree char *order_text = NULL;
    g_assert_true(g_file_get_contents(order, &order_text, NULL, NULL));
    g_autofree char *names = g_strjoinv("\n", set->class_names);
    g_autofree char *expected = g_strconcat(names, "\n", NULL);
    g_assert_cmpstr(order_text, ==, expected);
    g_assert_true(g_str_has_prefix(order_text, "good\n"));
    g_assert_cmpint(g_unlink(order), ==, 0);

    /* A folder that cannot be created (its parent is a file): an error, not a crash. */
    g_autofree char *file = g_build_filename(dir, "a-file", NULL);
    g_assert_true(g_file_set_contents(file, "x", 1, NULL));
    g_autofree char *bad = g_build_filename(file, "export", NULL);
    g_assert_false(data_synthetic_export(set, bad, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "a-file"));
    g_clear_error(&error);

    g_unlink(file);
    g_autofree char *nested = g_build_filename(dir, "nested", NULL);
    g_rmdir(out);
    g_rmdir(nested);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/data/synthetic/defaults", test_defaults);
    g_test_add_func("/data/synthetic/deterministic-across-threads", test_deterministic_across_threads);
    g_test_add_func("/data/synthetic/checksum", test_checksum);
    g_test_add_func("/data/synthetic/checksum-two-class", test_checksum_two_class);
    g_test_add_func("/data/synthetic/class-balance", test_class_balance_and_names);
    g_test_add_func("/data/synthetic/multiclass", test_multiclass);
    g_test_add_func("/data/synthetic/label-noise", test_label_noise);
    g_test_add_func("/data/synthetic/not-blank", test_images_not_blank);
    g_test_add_func("/data/synthetic/defects-localized", test_defects_localized);
    g_test_add_func("/data/synthetic/defect-boxes", test_defect_boxes);
    g_test_add_func("/data/synthetic/difficulty", test_difficulty);
    g_test_add_func("/data/synthetic/kinds-follow-difficulty", test_kinds_follow_difficulty);
    g_test_add_func("/data/synthetic/invalid-params", test_invalid_params);
    g_test_add_func("/data/synthetic/progress", test_progress);
    g_test_add_func("/data/synthetic/cancel", test_cancel);
    g_test_add_func("/data/synthetic/export", test_export);
    return g_test_run();
}
