/* test_checkpoint: a saved run comes back exactly (weights, optimizer moments, step),
 * (format v2 also the dropout state and the caller's metadata; v1 files still load),
 * and every kind of bad file (missing, empty, truncated, corrupted, another version,
 * another network or input shape, garbage) is refused with its own code and a message
 * that says what is wrong, leaving the model and optimizer untouched. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "nn_checkpoint.h"
#include "nn_model.h"
#include "nn_optim.h"
#include "nn_rng.h"

#define SPEC "c4-p-f8-d0.5-f2"

static char *tmpdir;

static nn_model *make_model(const char *text, int side, uint64_t seed)
{
    nn_spec spec;
    nn_error err;
    g_assert_cmpint(nn_spec_parse(&spec, text, &err), ==, NN_OK);
    nn_model *m = NULL;
    g_assert_cmpint(nn_model_create(&m, &spec, side, side, 3, 4, seed, 0, NN_OPTIMIZER_ADAM, &err),
                    ==, NN_OK);
    return m;
}

static void init_opt(nn_optimizer *opt, nn_optimizer_kind kind, const nn_model *m)
{
    nn_optimizer_config c = nn_optimizer_config_default(kind);
    nn_error err;
    g_assert_cmpint(nn_optimizer_init(opt, &c, nn_model_num_parameters(m), &err), ==, NN_OK);
}

/* A few training steps, so the moments and step are not their initial values. */
static void train(nn_model *m, nn_optimizer *opt, int steps)
{
    int H, W, C;
    nn_model_input_shape(m, &H, &W, &C);
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    float *x = g_new(float, 4 * H * W * C);
    for (int i = 0; i < 4 * H * W * C; i++)
        x[i] = nn_rng_uniform(&rng);
    int labels[4] = { 0, 1, 1, 0 };
    for (int s = 0; s < steps; s++) {
        nn_model_zero_grad(m);
        nn_model_forward(m, x, labels, 4, 1);
        nn_model_backward(m);
        nn_optimizer_step(opt, nn_model_params(m), nn_model_grads(m));
    }
    g_free(x);
}

static char *path_of(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void test_round_trip(void)
{
    const nn_optimizer_kind kinds[2] = { NN_OPTIMIZER_ADAM, NN_OPTIMIZER_SGD };
    for (int k = 0; k < 2; k++) {
        nn_model *a = make_model(SPEC, 8, 1), *b = make_model(SPEC, 8, 2);
        nn_optimizer oa, ob;
        init_opt(&oa, kinds[k], a);
        oa.config.lr = 0.0123;
        oa.config.weight_decay = 1e-4;
        oa.config.decoupled = 1;
        train(a, &oa, 3);
        init_opt(&ob, kinds[k], b);
        size_t n = nn_model_num_parameters(a);
        g_assert_false(memcmp(nn_model_params(a), nn_model_params(b), n * sizeof(float)) == 0);

        char *path = path_of("run.ckpt");
        nn_error err;
        g_assert_cmpint(nn_checkpoint_save(path, a, &oa, &err), ==, NN_OK);
        g_assert_cmpint(nn_checkpoint_load(path, b, &ob, &err), ==, NN_OK);
        g_assert_true(memcmp(nn_model_params(a), nn_model_params(b), n * sizeof(float)) == 0);
        g_assert_true(memcmp(oa.m, ob.m, n * sizeof(float)) == 0);
        if (kinds[k] == NN_OPTIMIZER_ADAM)
            g_assert_true(memcmp(oa.v, ob.v, n * sizeof(float)) == 0);
        g_assert_cmpint(ob.step, ==, 3);
        g_assert_true(memcmp(&oa.config, &ob.config, sizeof oa.config) == 0);

        /* resuming gives exactly the run that never stopped */
        nn_model_set_dropout_seed(a, 5);
        nn_model_set_dropout_seed(b, 5);
        train(a, &oa, 2);
        train(b, &ob, 2);
        g_assert_true(memcmp(nn_model_params(a), nn_model_params(b), n * sizeof(float)) == 0);

        char spec_text[256];
        int H, W, C;
        g_assert_cmpint(nn_checkpoint_peek(path, spec_text, sizeof spec_text, &H, &W, &C, &err),
                        ==, NN_OK);
        g_assert_cmpstr(spec_text, ==, SPEC);
        g_assert_cmpint(H * 100 + W * 10 + C, ==, 8 * 100 + 8 * 10 + 3);

        nn_optimizer_free(&oa), nn_optimizer_free(&ob);
        nn_model_free(a), nn_model_free(b);
        g_free(path);
    }
}

static void test_weights_only_and_dropout_off(void)
{
    nn_model *a = make_model(SPEC, 8, 1);
    nn_optimizer oa;
    init_opt(&oa, NN_OPTIMIZER_ADAM, a);
    train(a, &oa, 1);
    char *path = path_of("weights.ckpt");
    nn_error err;
    g_assert_cmpint(nn_checkpoint_save(path, a, NULL, &err), ==, NN_OK);

    /* dropout rates do not change the parameters: "dropout off" loads it */
    nn_model *b = make_model("c4-p-f8-d0-f2", 8, 2);
    g_assert_cmpint(nn_checkpoint_load(path, b, NULL, &err), ==, NN_OK);
    size_t n = nn_model_num_parameters(a);
    g_assert_true(memcmp(nn_model_params(a), nn_model_params(b), n * sizeof(float)) == 0);

    /* but asking for optimizer state from a weights-only file is an error, and changes
     * nothing (not even the weights) */
    nn_model *c = make_model(SPEC, 8, 3);
    nn_optimizer oc;
    init_opt(&oc, NN_OPTIMIZER_ADAM, c);
    float *before = g_memdup2(nn_model_params(c), n * sizeof(float));
    g_assert_cmpint(nn_checkpoint_load(path, c, &oc, &err), ==, NN_ERR_MISMATCH);
    g_assert_nonnull(strstr(err.message, "weights only"));
    g_assert_true(memcmp(nn_model_params(c), before, n * sizeof(float)) == 0);
    g_assert_cmpint(oc.step, ==, 0);

    /* Adam state into an SGD optimizer: refused, naming both */
    g_assert_cmpint(nn_checkpoint_save(path, a, &oa, &err), ==, NN_OK);
    nn_optimizer sgd;
    init_opt(&sgd, NN_OPTIMIZER_SGD, c);
    g_assert_cmpint(nn_checkpoint_load(path, c, &sgd, &err), ==, NN_ERR_MISMATCH);
    g_assert_nonnull(strstr(err.message, "Adam"));
    g_assert_nonnull(strstr(err.message, "SGD"));
    g_assert_true(memcmp(nn_model_params(c), before, n * sizeof(float)) == 0);

    g_free(before), g_free(path);
    nn_optimizer_free(&oa), nn_optimizer_free(&oc), nn_optimizer_free(&sgd);
    nn_model_free(a), nn_model_free(b), nn_model_free(c);
}

/* ---- bad files ------------------------------------------------------------------------ */

static guint8 *good_file(gsize *len)
{
    nn_model *a = make_model(SPEC, 8, 1);
    nn_optimizer oa;
    init_opt(&oa, NN_OPTIMIZER_ADAM, a);
    train(a, &oa, 2);
    char *path = path_of("good.ckpt");
    nn_error err;
    g_assert_cmpint(nn_checkpoint_save(path, a, &oa, &err), ==, NN_OK);
    guint8 *data;
    g_assert_true(g_file_get_contents(path, (char **)&data, len, NULL));
    nn_optimizer_free(&oa);
    nn_model_free(a);
    g_free(path);
    return data;
}

/* Writes bytes to a file, loads it into a fresh model + optimizer, and checks the code,
 * that the message contains `what`, and that neither model nor optimizer changed. */
static void expect_load_fails(const guint8 *bytes, gsize len, nn_status code, const char *what,
                              const char *label)
{
    char *path = path_of("bad.ckpt");
    g_assert_true(g_file_set_contents(path, (const char *)bytes, (gssize)len, NULL));
    nn_model *m = make_model(SPEC, 8, 9);
    nn_optimizer opt;
    init_opt(&opt, NN_OPTIMIZER_ADAM, m);
    size_t n = nn_model_num_parameters(m);
    float *before = g_memdup2(nn_model_params(m), n * sizeof(float));
    nn_error err;
    nn_status st = nn_checkpoint_load(path, m, &opt, &err);
    g_test_message("%s: %s", label, err.message);
    g_assert_cmpint(st, ==, code);
    g_assert_cmpint(err.code, ==, code);
    if (what && !strstr(err.message, what))
        g_error("%s: message '%s' does not say '%s'", label, err.message, what);
    g_assert_true(memcmp(nn_model_params(m), before, n * sizeof(float)) == 0);
    g_assert_cmpint(opt.step, ==, 0);
    for (size_t i = 0; i < n; i++)
        g_assert_true(opt.m[i] == 0.0f && opt.v[i] == 0.0f);
    g_free(before);
    nn_optimizer_free(&opt);
    nn_model_free(m);
    g_free(path);
}

static void test_truncated(void)
{
    gsize len;
    guint8 *data = good_file(&len);
    /* inside the magic, at the version, inside the header, at its end, in the payload,
     * and one byte short of the checksum's end */
    gsize cuts[] = { 3, 8, 14, 40, 100, len / 2, len - 9, len - 1 };
    for (size_t i = 0; i < G_N_ELEMENTS(cuts); i++) {
        char label[32];
        g_snprintf(label, sizeof label, "cut at %zu", (size_t)cuts[i]);
        expect_load_fails(data, cuts[i], NN_ERR_FORMAT, "truncated", label);
    }
    g_free(data);
}

static void test_corrupted(void)
{
    gsize len;
    guint8 *data = good_file(&len);
    /* a flipped bit in the payload, in the spec text, and in the checksum itself */
    gsize where[] = { len / 2, 16 + 5, len - 3 };
    for (size_t i = 0; i < G_N_ELEMENTS(where); i++) {
        guint8 *bad = g_memdup2(data, len);
        bad[where[i]] ^= 0x10;
        char label[32];
        g_snprintf(label, sizeof label, "flip at %zu", (size_t)where[i]);
        expect_load_fails(bad, len, NN_ERR_FORMAT, "corrupted", label);
        g_free(bad);
    }
    /* extra bytes after the end are not a checkpoint this code wrote either */
    guint8 *longer = g_malloc0(len + 7);
    memcpy(longer, data, len);
    expect_load_fails(longer, len + 7, NN_ERR_FORMAT, "corrupted", "7 bytes appended");
    g_free(longer);
    g_free(data);
}

static void test_wrong_version(void)
{
    gsize len;
    guint8 *data = good_file(&len);
    data[8] = 3; /* u32 version, little-endian, right after the magic: a future one */
    expect_load_fails(data, len, NN_ERR_VERSION, "version 3", "version 3");
    g_free(data);
}

/* FNV-1a 64, as the format defines its checksum: the test recomputes it independently. */
static guint64 fnv1a(const guint8 *p, gsize n)
{
    guint64 h = 14695981039346656037ULL;
    for (gsize i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* The bytes a version-1 writer made of the same checkpoint: version 1, and the header
 * without v2's dropout state and (empty) metadata, checksum recomputed. */
static guint8 *as_version_1(const guint8 *v2, gsize len, gsize *len_out)
{
    guint32 hbytes;
    memcpy(&hbytes, v2 + 12, 4);
    guint32 meta_len;
    memcpy(&meta_len, v2 + 16 + hbytes - 4, 4);
    g_assert_cmpuint(meta_len, ==, 0);
    gsize cut = 20, at = 16 + hbytes - cut;
    guint8 *v1 = g_malloc(len - cut);
    memcpy(v1, v2, at);
    memcpy(v1 + at, v2 + at + cut, len - at - cut);
    *len_out = len - cut;
    guint32 version = 1, hb = hbytes - (guint32)cut;
    memcpy(v1 + 8, &version, 4);
    memcpy(v1 + 12, &hb, 4);
    guint64 sum = fnv1a(v1, *len_out - 8);
    memcpy(v1 + *len_out - 8, &sum, 8);
    return v1;
}

/* Version 2 keeps the caller's metadata and the dropout state, so a resumed run draws the
 * very masks the uninterrupted one would, without the caller setting anything. */
static void test_v2_metadata_and_dropout(void)
{
    nn_model *a = make_model(SPEC, 8, 1), *b = make_model(SPEC, 8, 2);
    nn_optimizer oa, ob;
    init_opt(&oa, NN_OPTIMIZER_ADAM, a);
    init_opt(&ob, NN_OPTIMIZER_ADAM, b);
    nn_model_set_dropout_seed(a, 77);
    train(a, &oa, 3);
    g_assert_cmpuint(nn_model_dropout_counter(a), ==, 3);

    const char *meta = "[model]\nclasses=good;defect;\n";
    char *path = path_of("v2.ckpt");
    nn_error err;
    g_assert_cmpint(nn_checkpoint_save_with(path, a, &oa, meta, &err), ==, NN_OK);
    nn_checkpoint_info info;
    g_assert_cmpint(nn_checkpoint_load_with(path, b, &ob, &info, &err), ==, NN_OK);
    g_assert_cmpuint(info.version, ==, 2);
    g_assert_true(info.has_moments && info.has_dropout_state);
    g_assert_cmpint(info.step, ==, 3);
    g_assert_cmpuint(info.dropout_seed, ==, 77);
    g_assert_cmpuint(info.dropout_counter, ==, 3);
    g_assert_cmpstr(info.metadata, ==, meta);
    nn_checkpoint_info_clear(&info);
    g_assert_cmpuint(nn_model_dropout_seed(b), ==, 77);
    g_assert_cmpuint(nn_model_dropout_counter(b), ==, 3);

    train(a, &oa, 2);
    train(b, &ob, 2);
    size_t n = nn_model_num_parameters(a);
    g_assert_true(memcmp(nn_model_params(a), nn_model_params(b), n * sizeof(float)) == 0);

    char spec_text[256];
    int H, W, C;
    g_assert_cmpint(nn_checkpoint_peek_info(path, spec_text, sizeof spec_text, &H, &W, &C, &info,
                                            &err), ==, NN_OK);
    g_assert_cmpstr(spec_text, ==, SPEC);
    g_assert_cmpstr(info.metadata, ==, meta);
    g_assert_cmpint(info.step, ==, 3);
    nn_checkpoint_info_clear(&info);

    /* metadata beyond the bound is the caller's mistake, said before anything is written */
    gsize huge = NN_CHECKPOINT_MAX_METADATA + 1;
    char *big = g_malloc(huge + 1);
    memset(big, 'x', huge);
    big[huge] = '\0';
    g_assert_cmpint(nn_checkpoint_save_with(path, a, &oa, big, &err), ==, NN_ERR_ARG);
    g_assert_nonnull(strstr(err.message, "metadata"));
    g_free(big);

    nn_optimizer_free(&oa), nn_optimizer_free(&ob);
    nn_model_free(a), nn_model_free(b);
    g_free(path);
}

/* A file from LR Lab's first version loads: weights, moments and step as before, and info
 * says it has neither dropout state nor metadata, so a caller knows it cannot resume
 * exactly from it. */
static void test_v1_still_loads(void)
{
    nn_model *a = make_model(SPEC, 8, 1), *b = make_model(SPEC, 8, 2);
    nn_optimizer oa, ob;
    init_opt(&oa, NN_OPTIMIZER_ADAM, a);
    init_opt(&ob, NN_OPTIMIZER_ADAM, b);
    train(a, &oa, 2);
    char *path = path_of("v1.ckpt");
    nn_error err;
    g_assert_cmpint(nn_checkpoint_save(path, a, &oa, &err), ==, NN_OK);
    gchar *v2;
    gsize len, len1;
    g_assert_true(g_file_get_contents(path, &v2, &len, NULL));
    guint8 *v1 = as_version_1((guint8 *)v2, len, &len1);
    g_assert_true(g_file_set_contents(path, (const char *)v1, (gssize)len1, NULL));

    nn_model_set_dropout_state(b, 9, 9);
    nn_checkpoint_info info;
    g_assert_cmpint(nn_checkpoint_load_with(path, b, &ob, &info, &err), ==, NN_OK);
    g_assert_cmpuint(info.version, ==, 1);
    g_assert_false(info.has_dropout_state);
    g_assert_null(info.metadata);
    g_assert_true(info.has_moments);
    g_assert_cmpint(ob.step, ==, 2);
    size_t n = nn_model_num_parameters(a);
    g_assert_true(memcmp(nn_model_params(a), nn_model_params(b), n * sizeof(float)) == 0);
    g_assert_true(memcmp(oa.v, ob.v, n * sizeof(float)) == 0);
    /* the model's own dropout state is left alone: the file has none to give */
    g_assert_cmpuint(nn_model_dropout_counter(b), ==, 9);
    nn_checkpoint_info_clear(&info);

    g_free(v1), g_free(v2), g_free(path);
    nn_optimizer_free(&oa), nn_optimizer_free(&ob);
    nn_model_free(a), nn_model_free(b);
}

static void test_not_a_checkpoint(void)
{
    expect_load_fails((const guint8 *)"", 0, NN_ERR_FORMAT, "empty", "zero bytes");
    const char *text = "c64-p-f2,0.93\nthis is a CSV file, not a checkpoint\n";
    expect_load_fails((const guint8 *)text, strlen(text), NN_ERR_FORMAT, "not an LR Lab checkpoint",
                      "text");
    guint8 noise[4096];
    nn_rng rng;
    nn_rng_seed(&rng, 99);
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (guint8)nn_rng_next(&rng);
    expect_load_fails(noise, sizeof noise, NN_ERR_FORMAT, "not an LR Lab checkpoint", "noise");

    /* a valid magic and version followed by noise: never a crash, always an error */
    gsize len;
    guint8 *good = good_file(&len);
    for (int trial = 0; trial < 200; trial++) {
        guint8 *bad = g_memdup2(good, len);
        gsize cut = 16 + nn_rng_next(&rng) % (len - 16);
        int flips = 1 + (int)(nn_rng_next(&rng) % 4);
        for (int f = 0; f < flips; f++)
            bad[nn_rng_next(&rng) % cut] = (guint8)nn_rng_next(&rng);
        /* keep magic and version so the parser goes past them */
        memcpy(bad, good, 12);
        if (trial % 2 == 0) {
            /* cut short (and maybe damaged): always "not a sound file" */
            expect_load_fails(bad, cut, NN_ERR_FORMAT, NULL, "fuzz (cut)");
        } else if (memcmp(bad, good, len) != 0) {
            /* full length, damaged: some error, whichever field it hit */
            char *path = path_of("fuzz.ckpt");
            g_assert_true(g_file_set_contents(path, (const char *)bad, (gssize)len, NULL));
            nn_model *m = make_model(SPEC, 8, 9);
            nn_error err;
            g_assert_cmpint(nn_checkpoint_load(path, m, NULL, &err), !=, NN_OK);
            nn_model_free(m);
            g_free(path);
        }
        g_free(bad);
    }
    g_free(good);
}

static void test_wrong_network(void)
{
    gsize len;
    guint8 *data = good_file(&len);
    char *path = path_of("other.ckpt");
    g_assert_true(g_file_set_contents(path, (const char *)data, (gssize)len, NULL));
    nn_error err;

    /* another spec: the message names both networks */
    nn_model *m = make_model("c4-p-f16-f2", 8, 1);
    size_t n = nn_model_num_parameters(m);
    float *before = g_memdup2(nn_model_params(m), n * sizeof(float));
    g_assert_cmpint(nn_checkpoint_load(path, m, NULL, &err), ==, NN_ERR_MISMATCH);
    g_test_message("%s", err.message);
    g_assert_nonnull(strstr(err.message, "'" SPEC "'"));
    g_assert_nonnull(strstr(err.message, "'c4-p-f16-f2'"));
    g_assert_true(memcmp(nn_model_params(m), before, n * sizeof(float)) == 0);
    g_free(before);
    nn_model_free(m);

    /* the same spec for another input size */
    m = make_model(SPEC, 16, 1);
    n = nn_model_num_parameters(m);
    before = g_memdup2(nn_model_params(m), n * sizeof(float));
    g_assert_cmpint(nn_checkpoint_load(path, m, NULL, &err), ==, NN_ERR_MISMATCH);
    g_test_message("%s", err.message);
    g_assert_nonnull(strstr(err.message, "8x8x3"));
    g_assert_nonnull(strstr(err.message, "16x16x3"));
    g_assert_true(memcmp(nn_model_params(m), before, n * sizeof(float)) == 0);
    g_free(before);
    nn_model_free(m);
    g_free(path);
    g_free(data);
}

static void test_missing_and_io(void)
{
    nn_model *m = make_model(SPEC, 8, 1);
    nn_error err;
    char *path = path_of("does-not-exist.ckpt");
    g_assert_cmpint(nn_checkpoint_load(path, m, NULL, &err), ==, NN_ERR_IO);
    g_assert_nonnull(strstr(err.message, "does-not-exist.ckpt"));
    g_assert_nonnull(strstr(err.message, "No such file"));
    char spec[64];
    g_assert_cmpint(nn_checkpoint_peek(path, spec, sizeof spec, NULL, NULL, NULL, &err), ==,
                    NN_ERR_IO);
    /* a folder is not a checkpoint */
    g_assert_cmpint(nn_checkpoint_load(tmpdir, m, NULL, &err), !=, NN_OK);
    /* saving into a folder that does not exist fails cleanly */
    char *nowhere = g_build_filename(tmpdir, "no", "such", "dir", "x.ckpt", NULL);
    g_assert_cmpint(nn_checkpoint_save(nowhere, m, NULL, &err), ==, NN_ERR_IO);
    g_assert_nonnull(strstr(err.message, "No such file"));
    g_free(nowhere);
    g_free(path);
    nn_model_free(m);
}

/* Saving over a file replaces it whole and leaves no temporary file behind. */
static void test_atomic_replace(void)
{
    char *path = path_of("replace.ckpt");
    nn_error err;
    nn_model *a = make_model(SPEC, 8, 1), *b = make_model(SPEC, 8, 2), *c = make_model(SPEC, 8, 3);
    g_assert_cmpint(nn_checkpoint_save(path, a, NULL, &err), ==, NN_OK);
    g_assert_cmpint(nn_checkpoint_save(path, b, NULL, &err), ==, NN_OK);
    g_assert_cmpint(nn_checkpoint_load(path, c, NULL, &err), ==, NN_OK);
    size_t n = nn_model_num_parameters(b);
    g_assert_true(memcmp(nn_model_params(b), nn_model_params(c), n * sizeof(float)) == 0);
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(dir)))
        g_assert_null(strstr(name, ".tmp"));
    g_dir_close(dir);
    nn_model_free(a), nn_model_free(b), nn_model_free(c);
    g_free(path);
}

/* A network whose dropout rate is below 1e-4 (written "d1e-05") saves a checkpoint that
 * loads back: its spec text once split at the exponent's '-' and named no network. */
static void test_tiny_dropout_rate(void)
{
    char *path = path_of("tiny-rate.ckpt");
    nn_error err;
    nn_model *a = make_model("c4-p-f8-d0.00001-f2", 8, 1);
    nn_model *b = make_model("c4-p-f8-d1e-5-f2", 8, 2);
    g_assert_cmpint(nn_checkpoint_save(path, a, NULL, &err), ==, NN_OK);
    char text[NN_SPEC_MAX_TEXT];
    int H, W, C;
    g_assert_cmpint(nn_checkpoint_peek(path, text, sizeof text, &H, &W, &C, &err), ==, NN_OK);
    g_assert_cmpstr(text, ==, "c4-p-f8-d1e-05-f2");
    g_assert_cmpint(nn_checkpoint_load(path, b, NULL, &err), ==, NN_OK);
    size_t n = nn_model_num_parameters(a);
    g_assert_true(memcmp(nn_model_params(a), nn_model_params(b), n * sizeof(float)) == 0);
    nn_model_free(a), nn_model_free(b);
    g_unlink(path);
    g_free(path);
}

static void remove_tmpdir(void)
{
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        char *p = g_build_filename(tmpdir, name, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (dir)
        g_dir_close(dir);
    g_rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("lrlab-ckpt-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    g_test_add_func("/nn/checkpoint/round-trip", test_round_trip);
    g_test_add_func("/nn/checkpoint/weights-only", test_weights_only_and_dropout_off);
    g_test_add_func("/nn/checkpoint/truncated", test_truncated);
    g_test_add_func("/nn/checkpoint/corrupted", test_corrupted);
    g_test_add_func("/nn/checkpoint/wrong-version", test_wrong_version);
    g_test_add_func("/nn/checkpoint/v2-metadata-and-dropout", test_v2_metadata_and_dropout);
    g_test_add_func("/nn/checkpoint/v1-still-loads", test_v1_still_loads);
    g_test_add_func("/nn/checkpoint/not-a-checkpoint", test_not_a_checkpoint);
    g_test_add_func("/nn/checkpoint/wrong-network", test_wrong_network);
    g_test_add_func("/nn/checkpoint/missing", test_missing_and_io);
    g_test_add_func("/nn/checkpoint/atomic-replace", test_atomic_replace);
    g_test_add_func("/nn/checkpoint/tiny-dropout-rate", test_tiny_dropout_rate);
    int rc = g_test_run();
    remove_tmpdir();
    g_free(tmpdir);
    return rc;
}
