/* test_predictions: predictions.bin v2 is the format its header writes down, byte for byte
 * (a Python writer made from the header alone, tests/train/predictions_v2.py, gives the
 * same file as ours), keeps every class's probability for more than 256 classes, still
 * reads LR Lab's first version (v1), and words a damaged file: a label or index out of
 * range, another version, a checksum that does not match. */
#include <gio/gio.h>
#include <string.h>

#include "train_predictions.h"
#include "train_test_util.h"

static const char *python_path = "/usr/bin/python3";
static const char *script_path;

/* The example predictions_v2.py writes. */
enum { N_CLASSES = 3, N_VAL = 5, N_EPOCHS = 2 };
static const int indices[N_VAL] = { 7, 3, 11, 0, 42 }, labels[N_VAL] = { 0, 1, 1, 0, 2 };
static const char *const sources[N_VAL + 1] = { "a.png", "b/c.png", "", "synthetic/good/000003",
                                                "\xc3\xa9.png", NULL };

static float
example_probability(int epoch, int image, int cls)
{
    return (float) (1 + (epoch * 7 + image * 3 + cls) % 11) / 16.0f;
}

static void
test_same_bytes_as_python(void)
{
    if (script_path == NULL || !g_file_test(python_path, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("no python3 here");
        return;
    }
    g_autofree char *dir = test_tmpdir();
    g_autofree char *ours = g_build_filename(dir, "ours.bin", NULL);
    g_autofree char *theirs = g_build_filename(dir, "theirs.bin", NULL);
    float probs[N_EPOCHS * N_VAL * N_CLASSES];
    for (int e = 0; e < N_EPOCHS; e++)
        for (int i = 0; i < N_VAL; i++)
            for (int c = 0; c < N_CLASSES; c++)
                probs[(e * N_VAL + i) * N_CLASSES + c] = example_probability(e, i, c);
    GError *error = NULL;
    g_assert_true(train_predictions_save(ours, N_CLASSES, N_VAL, indices, labels, sources,
                                         probs, N_EPOCHS, &error));
    const char *argv[] = { python_path, script_path, theirs, NULL };
    int status;
    g_assert_true(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               NULL, &status, &error));
    g_assert_true(g_spawn_check_wait_status(status, &error));

    g_autofree char *a = NULL, *b = NULL;
    gsize na, nb;
    g_assert_true(g_file_get_contents(ours, &a, &na, NULL));
    g_assert_true(g_file_get_contents(theirs, &b, &nb, NULL));
    g_assert_cmpmem(a, na, b, nb);

    /* and Python's file reads: the predicted class is the first of the largest */
    TrainPredictionsFile f;
    g_assert_true(train_predictions_load(theirs, &f, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(f.version, ==, 2);
    g_assert_cmpstr(f.val_sources[4], ==, "\xc3\xa9.png");
    for (int k = 0; k < N_EPOCHS * N_VAL; k++) {
        const float *p = probs + k * N_CLASSES;
        int best = 0;
        for (int c = 1; c < N_CLASSES; c++)
            best = p[c] > p[best] ? c : best;
        g_assert_cmpint(f.predictions[k].predicted, ==, best);
        g_assert_cmpfloat(f.predictions[k].confidence, ==, p[best]);
        g_assert_cmpfloat(f.predictions[k].true_probability, ==, p[labels[k % N_VAL]]);
    }
    train_predictions_file_clear(&f);
    test_rmdir_recursive(dir);
}

static void
test_many_classes(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "predictions.bin", NULL);
    enum { C = 300 };
    const int idx[2] = { 0, 1 }, lab[2] = { 299, 257 };
    g_autofree float *probs = g_new0(float, 2 * C);
    probs[0 * C + 280] = 0.9f;   /* image 0 taken for class 280, a class past 255 */
    probs[0 * C + 299] = 0.1f;
    probs[1 * C + 257] = 0.6f;
    GError *error = NULL;
    g_assert_true(train_predictions_save(path, C, 2, idx, lab, NULL, probs, 1, &error));
    TrainPredictionsFile f;
    g_assert_true(train_predictions_load(path, &f, &error));
    g_assert_cmpint(f.num_classes, ==, C);
    g_assert_cmpint(f.predictions[0].predicted, ==, 280);
    g_assert_cmpfloat(f.predictions[0].true_probability, ==, 0.1f);
    g_assert_cmpint(f.predictions[1].predicted, ==, 257);
    g_assert_cmpstr(f.val_sources[0], ==, "");
    g_assert_cmpmem(f.probabilities, 2 * C * sizeof(float), probs, 2 * C * sizeof(float));
    train_predictions_file_clear(&f);

    /* before the dataset is known: no classes, no images */
    g_assert_true(train_predictions_save(path, 0, 0, NULL, NULL, NULL, NULL, 0, &error));
    g_assert_true(train_predictions_load(path, &f, &error));
    g_assert_cmpint(f.n_val, ==, 0);
    train_predictions_file_clear(&f);
    test_rmdir_recursive(dir);
}

/* A file of the given words (u32 unless a float), with its checksum, as another program
 * might write it. */
static void
write_words(const char *path, const guint32 *words, int n, const char *tail, gsize tail_len)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *) "LRLABPRD", 8);
    for (int i = 0; i < n; i++) {
        guint32 v = GUINT32_TO_LE(words[i]);
        g_byte_array_append(b, (const guint8 *) &v, 4);
    }
    g_byte_array_append(b, (const guint8 *) tail, tail_len);
    guint64 h = 0xcbf29ce484222325ull;
    for (guint i = 0; i < b->len; i++)
        h = (h ^ b->data[i]) * 0x100000001b3ull;
    h = GUINT64_TO_LE(h);
    g_byte_array_append(b, (const guint8 *) &h, 8);
    g_assert_true(g_file_set_contents(path, (const char *) b->data, b->len, NULL));
}

static guint32
float_word(float f)
{
    guint32 v;
    memcpy(&v, &f, 4);
    return v;
}

/* LR Lab's first version: per image and epoch (u8 predicted, f32 confidence, f32
 * true_probability). What the version 1 test of test_records asserted still holds. */
static void
test_reads_version_1(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "predictions.bin", NULL);
    const int n_val = 5, n_epochs = 3;
    const int idx[5] = { 7, 3, 11, 0, 42 }, lab[5] = { 0, 1, 1, 0, 2 };
    const char *src[5] = { "a.png", "b/c.png", "", "synthetic/good/000003", "é.png" };
    g_autoptr(GByteArray) tail = g_byte_array_new();
    for (int i = 0; i < n_val; i++) {
        guint32 len = GUINT32_TO_LE((guint32) strlen(src[i]));
        g_byte_array_append(tail, (const guint8 *) &len, 4);
        g_byte_array_append(tail, (const guint8 *) src[i], strlen(src[i]));
    }
    TrainPrediction preds[15];
    for (int i = 0; i < n_val * n_epochs; i++) {
        preds[i] = (TrainPrediction) { .predicted = i % 3, .confidence = 0.4f + 0.01f * i,
                                       .true_probability = 0.001f * i };
        guint8 predicted = (guint8) preds[i].predicted;
        guint32 words[2] = { GUINT32_TO_LE(float_word(preds[i].confidence)),
                             GUINT32_TO_LE(float_word(preds[i].true_probability)) };
        g_byte_array_append(tail, &predicted, 1);
        g_byte_array_append(tail, (const guint8 *) words, 8);
    }
    guint32 words[4 + 10] = { 1, 3, (guint32) n_val, (guint32) n_epochs };
    for (int i = 0; i < n_val; i++) {
        words[4 + i] = (guint32) idx[i];
        words[4 + n_val + i] = (guint32) lab[i];
    }
    write_words(path, words, 14, (const char *) tail->data, tail->len);

    TrainPredictionsFile f;
    GError *error = NULL;
    g_assert_true(train_predictions_load(path, &f, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(f.version, ==, 1);
    g_assert_cmpint(f.num_classes, ==, 3);
    g_assert_cmpint(f.n_val, ==, n_val);
    g_assert_cmpint(f.n_epochs, ==, n_epochs);
    g_assert_null(f.probabilities);
    for (int i = 0; i < n_val; i++) {
        g_assert_cmpint(f.val_indices[i], ==, idx[i]);
        g_assert_cmpint(f.val_labels[i], ==, lab[i]);
        g_assert_cmpstr(f.val_sources[i], ==, src[i]);
    }
    for (int i = 0; i < n_val * n_epochs; i++) {
        g_assert_cmpint(f.predictions[i].predicted, ==, preds[i].predicted);
        g_assert_cmpfloat(f.predictions[i].confidence, ==, preds[i].confidence);
        g_assert_cmpfloat(f.predictions[i].true_probability, ==, preds[i].true_probability);
    }
    train_predictions_file_clear(&f);
    test_rmdir_recursive(dir);
}

static void
assert_damaged(const char *path, int code, const char *words)
{
    TrainPredictionsFile f;
    GError *error = NULL;
    g_assert_false(train_predictions_load(path, &f, &error));
    g_assert_error(error, G_IO_ERROR, code);
    g_test_message("%s", error->message);
    if (strstr(error->message, words) == NULL)
        g_error("\"%s\" lacks \"%s\"", error->message, words);
    g_assert_true(g_str_has_prefix(error->message, "predictions.bin: "));
    g_assert_null(f.predictions);
    g_error_free(error);
}

static void
test_range_checks(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "predictions.bin", NULL);
    /* one image, one epoch, two classes; an empty source */
    char tail[4 + 8] = { 0 };
    guint32 half = GUINT32_TO_LE(float_word(0.5f));
    memcpy(tail + 4, &half, 4);
    memcpy(tail + 8, &half, 4);

    guint32 good[] = { 2, 2, 1, 1, 5, 1 };
    write_words(path, good, 6, tail, sizeof tail);
    TrainPredictionsFile f;
    g_assert_true(train_predictions_load(path, &f, NULL));
    g_assert_cmpint(f.predictions[0].predicted, ==, 0);   /* the first of equal maxima */
    train_predictions_file_clear(&f);

    /* the header (version, classes, images, epochs) and the image's index and label */
    const struct {
        guint32 words[6];
        int code;
        const char *said;
    } damaged[] = {
        { { 2, 2, 1, 1, 5, 2 }, G_IO_ERROR_INVALID_DATA,
          "validation image 1 is of class 2 but there are 2 classes" },
        { { 2, 2, 1, 1, (guint32) -3, 1 }, G_IO_ERROR_INVALID_DATA, "negative index -3" },
        { { 2, 1, 1, 1, 5, 0 }, G_IO_ERROR_INVALID_DATA, "corrupted (1 classes" },
        { { 2, 70000, 1, 1, 5, 1 }, G_IO_ERROR_INVALID_DATA, "corrupted (70000 classes" },
        { { 2, 2, 1, 4000000, 5, 1 }, G_IO_ERROR_INVALID_DATA, "truncated" },
        { { 3, 2, 1, 1, 5, 1 }, G_IO_ERROR_NOT_SUPPORTED, "format version 3" },
    };
    for (gsize k = 0; k < G_N_ELEMENTS(damaged); k++) {
        write_words(path, damaged[k].words, 6, tail, sizeof tail);
        assert_damaged(path, damaged[k].code, damaged[k].said);
    }

    /* a flipped bit anywhere is caught by the checksum */
    write_words(path, good, 6, tail, sizeof tail);
    g_autofree char *data = NULL;
    gsize length;
    g_assert_true(g_file_get_contents(path, &data, &length, NULL));
    for (gsize i = 0; i < length; i += 5) {
        data[i] ^= 0x04;
        g_assert_true(g_file_set_contents(path, data, length, NULL));
        assert_damaged(path, G_IO_ERROR_INVALID_DATA, i < 8 ? "not an LR Lab" : "checksum");
        data[i] ^= 0x04;
    }
    test_rmdir_recursive(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--python="))
            python_path = argv[i] + strlen("--python=");
        else if (g_str_has_prefix(argv[i], "--script="))
            script_path = argv[i] + strlen("--script=");
    }
    g_test_add_func("/train/predictions/same-bytes-as-python", test_same_bytes_as_python);
    g_test_add_func("/train/predictions/many-classes", test_many_classes);
    g_test_add_func("/train/predictions/reads-version-1", test_reads_version_1);
    g_test_add_func("/train/predictions/range-checks", test_range_checks);
    return g_test_run();
}
