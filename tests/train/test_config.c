/* test_config: a run's settings survive config.ini unchanged, bad values are refused with
 * the field's name, legends name only what differs, and presets get the dataset's class
 * count. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "train_test_util.h"

static void
test_defaults_are_valid(void)
{
    TrainConfig c;
    GError *error = NULL;

    train_config_init(&c);
    g_assert_true(train_config_validate(&c, &error));
    g_assert_no_error(error);
    g_assert_cmpint(c.size, ==, 64);
    g_assert_cmpint(c.epochs, ==, 30);
    g_assert_cmpint(c.batch_size, ==, 64);
    g_assert_cmpint(c.optimizer, ==, NN_OPTIMIZER_ADAM);
    g_assert_cmpfloat(c.lr, ==, 1e-3);
    g_assert_cmpfloat(c.val_split, ==, 0.25);
    g_assert_true(c.dropout);
    g_assert_true(c.restore_best);
    g_assert_false(c.weight_decay_on);
    train_config_clear(&c);
}

static void
test_ini_round_trip(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "config.ini", NULL);
    TrainConfig a, b;
    GError *error = NULL;

    train_config_init(&a);
    a.name = g_strdup("lr 3e-4, dropout off");
    g_free(a.model);
    a.model = g_strdup("c16-p-f32-d0.3-f2");
    a.size = 32;
    a.lr = 3e-4;
    a.optimizer = NN_OPTIMIZER_SGD;
    a.momentum = 0.8;
    a.nesterov = TRUE;
    a.dropout = FALSE;
    a.weight_decay_on = TRUE;
    a.weight_decay = 5e-4;
    a.decoupled = TRUE;
    a.augment.flags = DATA_AUGMENT_HFLIP | DATA_AUGMENT_NOISE;
    a.augment.strength[6] = 0.3f;
    a.val_split = 0.2;
    a.seed = G_GUINT64_CONSTANT(12345678901234);
    a.early_stop_patience = 4;
    a.early_stop_min_delta = 0.001;
    a.synthetic.images_per_class = 77;
    a.synthetic.difficulty = 0.8;
    a.synthetic.multiclass = TRUE;
    a.threads = 2;

    g_assert_true(train_config_save(&a, path, &error));
    g_assert_no_error(error);
    g_assert_true(train_config_load(&b, path, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(b.name, ==, a.name);
    g_assert_cmpstr(b.model, ==, a.model);
    g_assert_cmpint(b.size, ==, 32);
    g_assert_cmpfloat(b.lr, ==, 3e-4);
    g_assert_cmpint(b.optimizer, ==, NN_OPTIMIZER_SGD);
    g_assert_cmpfloat(b.momentum, ==, 0.8);
    g_assert_true(b.nesterov);
    g_assert_false(b.dropout);
    g_assert_true(b.weight_decay_on && b.decoupled);
    g_assert_cmpfloat(b.weight_decay, ==, 5e-4);
    g_assert_cmpuint(b.augment.flags, ==, DATA_AUGMENT_HFLIP | DATA_AUGMENT_NOISE);
    g_assert_cmpfloat(b.augment.strength[6], ==, 0.3f);
    g_assert_cmpfloat(b.val_split, ==, 0.2);
    g_assert_cmpuint(b.seed, ==, a.seed);
    g_assert_cmpint(b.early_stop_patience, ==, 4);
    g_assert_cmpfloat(b.early_stop_min_delta, ==, 0.001);
    g_assert_cmpint(b.synthetic.images_per_class, ==, 77);
    g_assert_cmpfloat(b.synthetic.difficulty, ==, 0.8);
    g_assert_true(b.synthetic.multiclass);
    g_assert_cmpint(b.threads, ==, 2);

    /* Written for people: short numbers and words, not enum values. */
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "lr=0.0003\n"));
    g_assert_nonnull(strstr(text, "optimizer=sgd\n"));
    g_assert_nonnull(strstr(text, "momentum=0.8\n"));
    g_assert_nonnull(strstr(text, "kinds=hflip;noise;\n"));

    train_config_clear(&a);
    train_config_clear(&b);
    test_rmdir_recursive(dir);
}

static void
test_load_rejects_bad_files(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "config.ini", NULL);
    TrainConfig c;
    GError *error = NULL;

    g_assert_false(train_config_load(&c, path, &error));
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error(&error);

    g_assert_true(g_file_set_contents(path, "\x01\x02 not a key file", -1, NULL));
    g_assert_false(train_config_load(&c, path, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);

    g_assert_true(g_file_set_contents(path, "[model]\nmodel=tiny\n[training]\nlr=fast\n", -1,
                                      NULL));
    g_assert_false(train_config_load(&c, path, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "lr"));
    g_clear_error(&error);

    g_assert_true(g_file_set_contents(path, "[model]\nmodel=tiny\n[training]\nlr=50\n", -1, NULL));
    g_assert_false(train_config_load(&c, path, &error));
    g_assert_nonnull(strstr(error->message, "learning rate"));
    g_clear_error(&error);

    /* Missing keys keep their defaults: a hand-written minimal file works. */
    g_assert_true(g_file_set_contents(path, "[model]\nmodel=tiny\n[training]\nepochs=3\n", -1,
                                      NULL));
    g_assert_true(train_config_load(&c, path, &error));
    g_assert_no_error(error);
    g_assert_cmpint(c.epochs, ==, 3);
    g_assert_cmpfloat(c.lr, ==, 1e-3);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

/* Spoils one field of c; returns the word the error must contain, NULL past the end. */
static const char *
spoil(TrainConfig *c, int i)
{
    switch (i) {
    case 0: c->lr = 0; return "learning rate";
    case 1: c->lr = NAN; return "learning rate";
    case 2: c->epochs = 0; return "epochs";
    case 3: c->batch_size = 0; return "batch size";
    case 4: c->size = 8; return "size";
    case 5: c->momentum = 1; return "momentum";
    case 6: c->val_split = 0; return "validation split";
    case 7: c->val_split = 0.95; return "validation split";
    case 8: c->dropout_rate = 1; return "dropout rate";
    case 9: c->weight_decay_on = TRUE; c->weight_decay = -1; return "weight decay";
    case 10: c->early_stop_patience = -1; return "patience";
    case 11: c->threads = -2; return "threads";
    case 12: g_free(c->model); c->model = g_strdup("c16-q-f2"); return "model";
    case 13: c->synthetic.difficulty = 2; return "difficulty";
    case 14: c->data_kind = TRAIN_DATA_FOLDER; return "folder";
    default: return NULL;
    }
}

static void
test_validate_names_the_field(void)
{
    for (int i = 0;; i++) {
        TrainConfig c;
        GError *error = NULL;
        train_config_init(&c);
        const char *field = spoil(&c, i);
        if (field == NULL) {
            train_config_clear(&c);
            break;
        }
        g_assert_false(train_config_validate(&c, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
        if (!strstr(error->message, field))
            g_error("case %d: \"%s\" does not name %s", i, error->message, field);
        g_clear_error(&error);
        train_config_clear(&c);
    }
}

static void
test_describe_difference(void)
{
    TrainConfig a, b, c;
    train_config_init(&a);
    train_config_init(&b);
    train_config_init(&c);
    a.lr = 1e-4;
    b.lr = 1e-3;
    c.lr = 1e-4;
    c.dropout = FALSE;
    const TrainConfig *all[] = { &a, &b, &c };

    g_autofree char *da = train_config_describe_difference(&a, all, 3);
    g_autofree char *db = train_config_describe_difference(&b, all, 3);
    g_autofree char *dc = train_config_describe_difference(&c, all, 3);
    g_assert_cmpstr(da, ==, "lr 1e-4, dropout on");
    g_assert_cmpstr(db, ==, "lr 1e-3, dropout on");
    g_assert_cmpstr(dc, ==, "lr 1e-4, dropout off");
    /* Alone: still the learning rate. */
    g_autofree char *alone = train_config_describe_difference(&a, NULL, 0);
    g_assert_cmpstr(alone, ==, "lr 1e-4");
    train_config_clear(&a);
    train_config_clear(&b);
    train_config_clear(&c);
}

static void
test_format_numbers(void)
{
    static const struct { double lr; const char *text; } lrs[] = {
        { 1e-4, "1e-4" }, { 3e-4, "3e-4" }, { 2.5e-3, "2.5e-3" }, { 0.1, "1e-1" }, { 1, "1e0" },
        { 1e-7, "1e-7" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(lrs); i++) {
        g_autofree char *t = train_format_lr(lrs[i].lr);
        g_assert_cmpstr(t, ==, lrs[i].text);
    }
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_assert_cmpstr(train_format_double(buf, 0.9), ==, "0.9");
    g_assert_cmpstr(train_format_double(buf, 1e-3), ==, "0.001");
    double third = 1.0 / 3;
    g_assert_cmpfloat(g_ascii_strtod(train_format_double(buf, third), NULL), ==, third);
}

static void
test_build_spec(void)
{
    TrainConfig c;
    nn_spec spec;
    GError *error = NULL;

    train_config_init(&c);
    g_free(c.model);
    c.model = g_strdup("small");
    g_assert_true(train_config_build_spec(&c, 9, &spec, &error));
    g_assert_cmpint(nn_spec_num_classes(&spec), ==, 9);
    /* Dropout on keeps the preset's 0.5; off sets every rate to 0; a rate replaces it. */
    int d = -1;
    for (int i = 0; i < spec.n_layers; i++)
        if (spec.layers[i].kind == NN_LAYER_DROPOUT)
            d = i;
    g_assert_cmpint(d, >=, 0);
    g_assert_cmpfloat(spec.layers[d].rate, ==, 0.5f);
    c.dropout = FALSE;
    g_assert_true(train_config_build_spec(&c, 2, &spec, &error));
    g_assert_cmpfloat(spec.layers[d].rate, ==, 0.0f);
    c.dropout = TRUE;
    c.dropout_rate = 0.25;
    g_assert_true(train_config_build_spec(&c, 2, &spec, &error));
    g_assert_cmpfloat(spec.layers[d].rate, ==, 0.25f);

    /* A typed spec is the user's: a class mismatch is explained, not patched. */
    g_free(c.model);
    c.model = g_strdup("c8-p-f2");
    g_assert_false(train_config_build_spec(&c, 9, &spec, &error));
    g_assert_nonnull(strstr(error->message, "f9"));
    g_clear_error(&error);
    train_config_clear(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/config/defaults", test_defaults_are_valid);
    g_test_add_func("/train/config/ini-round-trip", test_ini_round_trip);
    g_test_add_func("/train/config/load-rejects-bad-files", test_load_rejects_bad_files);
    g_test_add_func("/train/config/validate-names-the-field", test_validate_names_the_field);
    g_test_add_func("/train/config/describe-difference", test_describe_difference);
    g_test_add_func("/train/config/format-numbers", test_format_numbers);
    g_test_add_func("/train/config/build-spec", test_build_spec);
    return g_test_run();
}
