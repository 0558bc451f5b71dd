/* test_config: a run's settings survive config.ini unchanged (every row of the table of
 * fields, and files written before the table existed), bad values are refused with the
 * field's name, legends name only what differs, numbers, rates and durations are written
 * one way, and presets get the dataset's class count. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "train_fields.h"
#include "train_test_fields.h"
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
    /* load writes a whole config without freeing the old one: a failed load leaves the
     * defaults, which are cleared before the next load (LeakSanitizer found these). */
    train_config_clear(&c);

    g_assert_true(g_file_set_contents(path, "\x01\x02 not a key file", -1, NULL));
    g_assert_false(train_config_load(&c, path, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    train_config_clear(&c);

    g_assert_true(g_file_set_contents(path, "[model]\nmodel=tiny\n[training]\nlr=fast\n", -1,
                                      NULL));
    g_assert_false(train_config_load(&c, path, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "lr"));
    g_clear_error(&error);
    train_config_clear(&c);

    g_assert_true(g_file_set_contents(path, "[model]\nmodel=tiny\n[training]\nlr=50\n", -1, NULL));
    g_assert_false(train_config_load(&c, path, &error));
    g_assert_nonnull(strstr(error->message, "learning rate"));
    g_clear_error(&error);
    train_config_clear(&c);

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
    static const struct { double lr; const char *text, *padded; } lrs[] = {
        { 1e-4, "1e-4", "1e-04" }, { 3e-4, "3e-4", "3e-04" }, { 2.5e-3, "2.5e-3", "2.5e-03" },
        { 0.1, "1e-1", "1e-01" }, { 1, "1e0", "1e+00" }, { 1e-7, "1e-7", "1e-07" },
        /* The settings panel's cases: rounding carries into the exponent. */
        { 1e-3, "1e-3", "1e-03" }, { 2.5e-4, "2.5e-4", "2.5e-04" }, { 0.99999e-3, "1e-3", "1e-03" },
        { 9.9996e-4, "1e-3", "1e-03" }, { 9.996e-4, "1e-3", "1e-03" }, { 3.78e-4, "3.78e-4", "3.78e-04" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(lrs); i++) {
        g_autofree char *t = train_format_lr(lrs[i].lr);
        g_autofree char *padded = train_format_lr_padded(lrs[i].lr);
        g_assert_cmpstr(t, ==, lrs[i].text);
        g_assert_cmpstr(padded, ==, lrs[i].padded);
    }
    static const struct { double ratio; const char *text; } ratios[] = {
        { 3.27e-3, "3.3e-3" }, { 1.5e-2, "1.5e-2" }, { 1e-3, "1e-3" }, { 9.96e-4, "1e-3" }, { 0.25, "2.5e-1" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(ratios); i++) {
        g_autofree char *t = train_format_ratio(ratios[i].ratio);
        g_assert_cmpstr(t, ==, ratios[i].text);
    }
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_assert_cmpstr(train_format_double(buf, 0.9), ==, "0.9");
    g_assert_cmpstr(train_format_double(buf, 1e-3), ==, "0.001");
    double third = 1.0 / 3;
    g_assert_cmpfloat(g_ascii_strtod(train_format_double(buf, third), NULL), ==, third);
    g_assert_cmpstr(train_format_float(buf, 0.3f), ==, "0.3");

    static const struct { double seconds; const char *text; } durations[] = {
        { 0, "0:00" }, { 59, "0:59" }, { 59.4, "0:59" }, { 185, "3:05" }, { 3723, "1:02:03" },
        { -1, "?" }, { NAN, "?" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(durations); i++) {
        g_autofree char *t = train_format_duration(durations[i].seconds);
        g_assert_cmpstr(t, ==, durations[i].text);
    }
}

/* Written by lrlab-train before the table of fields (and before split-seed existed):
 * --model c8-p-f9 --size 16 --data synthetic:6 --epochs 1 --batch 4 --threads 1
 * --optimizer sgd --momentum 0.8 --nesterov --weight-decay 5e-4 --decoupled
 * --augment hflip,noise=0.3 --seed 7 --early-stop 3 --min-delta 0.001 --difficulty 0.3
 * --label-noise 0.1 --multiclass --val-split 0.2 --dropout off --lr 2.5e-3 */
static const char old_config_ini[] =
    "# LR Lab training run: the settings it was started with.\n"
    "\n"
    "[run]\n"
    "name=lr 2.5e-3\n"
    "\n"
    "[data]\n"
    "kind=synthetic\n"
    "resize=center-crop\n"
    "images-per-class=6\n"
    "difficulty=0.3\n"
    "label-noise=0.1\n"
    "multiclass=true\n"
    "data-seed=42\n"
    "val-split=0.2\n"
    "\n"
    "[model]\n"
    "model=c8-p-f9\n"
    "size=16\n"
    "dropout=false\n"
    "dropout-rate=0\n"
    "\n"
    "[training]\n"
    "epochs=1\n"
    "batch-size=4\n"
    "optimizer=sgd\n"
    "lr=0.0025\n"
    "momentum=0.8\n"
    "nesterov=true\n"
    "weight-decay-on=true\n"
    "weight-decay=0.0005\n"
    "decoupled=true\n"
    "seed=7\n"
    "early-stop-patience=3\n"
    "early-stop-min-delta=0.001\n"
    "restore-best=true\n"
    "threads=1\n"
    "memory-limit=0\n"
    "\n"
    "[augment]\n"
    "kinds=hflip;noise;\n"
    "strengths=0.5;0.5;0.75;0.5;0.4;0.5;0.3;\n";

static void
test_old_config_loads(void)
{
    TrainConfig c;
    GError *error = NULL;

    g_assert_true(train_config_load_data(&c, old_config_ini, "old config.ini", &error));
    g_assert_no_error(error);
    g_assert_cmpstr(c.name, ==, "lr 2.5e-3");
    g_assert_cmpint(c.data_kind, ==, TRAIN_DATA_SYNTHETIC);
    g_assert_cmpint(c.resize, ==, DATA_RESIZE_CENTER_CROP);
    g_assert_cmpint(c.synthetic.images_per_class, ==, 6);
    g_assert_cmpfloat(c.synthetic.difficulty, ==, 0.3);
    g_assert_cmpfloat(c.synthetic.label_noise, ==, 0.1);
    g_assert_true(c.synthetic.multiclass);
    g_assert_cmpuint(c.synthetic.seed, ==, 42);
    /* No split-seed: the run split with its training seed, and a rerun must too. */
    g_assert_cmpuint(c.split_seed, ==, 7);
    g_assert_cmpfloat(c.val_split, ==, 0.2);
    g_assert_cmpstr(c.model, ==, "c8-p-f9");
    g_assert_cmpint(c.size, ==, 16);
    g_assert_false(c.dropout);
    g_assert_cmpfloat(c.dropout_rate, ==, 0);
    g_assert_cmpint(c.epochs, ==, 1);
    g_assert_cmpint(c.batch_size, ==, 4);
    g_assert_cmpint(c.optimizer, ==, NN_OPTIMIZER_SGD);
    g_assert_cmpfloat(c.lr, ==, 2.5e-3);
    g_assert_cmpfloat(c.momentum, ==, 0.8);
    g_assert_true(c.nesterov && c.weight_decay_on && c.decoupled && c.restore_best);
    g_assert_cmpfloat(c.weight_decay, ==, 5e-4);
    g_assert_cmpuint(c.seed, ==, 7);
    g_assert_cmpint(c.early_stop_patience, ==, 3);
    g_assert_cmpfloat(c.early_stop_min_delta, ==, 0.001);
    g_assert_cmpint(c.threads, ==, 1);
    g_assert_cmpuint(c.memory_limit, ==, 0);
    g_assert_cmpuint(c.augment.flags, ==, DATA_AUGMENT_HFLIP | DATA_AUGMENT_NOISE);
    g_assert_cmpfloat(c.augment.strength[6], ==, 0.3f);
    g_assert_cmpfloat(c.augment.strength[2], ==, 0.75f);

    /* Written again, byte for byte the same file, plus the keys it lacked: split-seed and
     * the [schedule] group (a constant rate, as every run of that version had), and the
     * comment above threads (the determinism caveat), from the table. */
    g_autofree char *again = train_config_to_data(&c);
    g_autoptr(GString) expected = g_string_new(old_config_ini);
    g_string_replace(expected, "data-seed=42\n", "data-seed=42\nsplit-seed=7\n", 1);
    g_autoptr(GString) caveat = g_string_new(train_field_find("threads")->comment);
    g_string_replace(caveat, "\n", "\n#", 0);   /* GKeyFile's "#" before each line */
    g_string_prepend(caveat, "\n#");
    g_string_append(caveat, "\nthreads=1\n");
    g_string_replace(expected, "\nthreads=1\n", caveat->str, 1);
    g_string_replace(expected, "\n[augment]\n",
                     "\n[schedule]\nschedule=constant\nstep-every=10\nstep-factor=0.1\n"
                     "plateau-factor=0.1\nplateau-patience=10\nplateau-min-delta=0.0001\n"
                     "plateau-cooldown=0\nmin-lr=0\ncosine-floor=0\nonecycle-warmup=0.3\n"
                     "onecycle-div=25\nonecycle-final-div=10000\ncyclic-div=10\n"
                     "cyclic-half-epochs=2\n\n[augment]\n", 1);
    /* and the [checkpoints] ring: every epoch's kept, as that version kept (its best). */
    g_string_replace(expected, "\n[augment]\n",
                     "\n[checkpoints]\nkeep-last=0\nkeep-every=0\n\n[augment]\n", 1);
    g_assert_cmpstr(again, ==, expected->str);
    train_config_clear(&c);
}

/* Every row of the table, set to something else than its default, comes back. */
static void
test_every_field_round_trips(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autofree char *path = g_build_filename(dir, "config.ini", NULL);
    TrainConfig a, b, defaults;
    GError *error = NULL;
    guint n;
    const TrainField *fields = train_fields(&n);

    test_config_init_other(&a);
    train_config_init(&defaults);
    for (guint i = 0; i < n; i++)
        if (train_field_equal(&fields[i], &a, &defaults))
            g_error("%s: the test's other value is the default", fields[i].key);
    g_assert_true(train_config_validate(&a, &error));
    g_assert_no_error(error);

    g_assert_true(train_config_save(&a, path, &error));
    g_assert_no_error(error);
    g_assert_true(train_config_load(&b, path, &error));
    g_assert_no_error(error);
    const TrainField *lost = test_config_first_difference(&a, &b);
    if (lost)
        g_error("[%s] %s did not survive config.ini", lost->group, lost->key);

    /* A copy is a deep copy: clearing one leaves the other whole. */
    TrainConfig c;
    train_config_copy(&c, &a);
    train_config_clear(&a);
    g_assert_null(test_config_first_difference(&c, &b));
    train_config_clear(&b);
    train_config_clear(&c);
    train_config_clear(&defaults);
    test_rmdir_recursive(dir);
}

/* The table's own promises: keys unique, defaults in range, every value a row can hold
 * parses back from its text, and a value just out of range is refused in the row's words. */
static void
test_table_is_consistent(void)
{
    guint n;
    const TrainField *fields = train_fields(&n);
    TrainConfig c;

    train_config_init(&c);
    for (guint i = 0; i < n; i++) {
        const TrainField *f = &fields[i];
        GError *error = NULL;
        g_assert_true(train_field_find(f->key) == f);
        if (!train_field_check(f, &c, &error))
            g_error("%s: the default is refused: %s", f->key, error->message);
        g_autofree char *text = train_field_format(f, &c);
        if (text && !train_field_parse(f, &c, text, &error))
            g_error("%s: its own text '%s' is refused: %s", f->key, text, error->message);
        if (f->type == TRAIN_FIELD_INT || f->type == TRAIN_FIELD_DOUBLE) {
            char below[G_ASCII_DTOSTR_BUF_SIZE];
            g_ascii_formatd(below, sizeof below, f->type == TRAIN_FIELD_INT ? "%.0f" : "%.17g",
                            f->type == TRAIN_FIELD_INT || (f->ends & TRAIN_FIELD_MIN_OPEN)
                                ? f->min - (f->type == TRAIN_FIELD_INT) : f->min - 1e-9);
            g_assert_false(train_field_parse(f, &c, below, &error));
            g_assert_nonnull(strstr(error->message, f->noun));
            g_clear_error(&error);
        }
        if (f->flag) {
            /* --help names the default the table holds. */
            g_autofree char *help = train_field_describe_help(f);
            g_autofree char *def = train_field_describe_default(f);
            g_autofree char *said = g_strdup_printf("default %s)", def);
            g_assert_true(g_str_has_suffix(help, said));
        }
    }
    /* The panel's combo rows show an enum's words in order; old files wrote the words. */
    g_assert_cmpint(train_field_n_choices(train_field_find("resize")), ==, 3);
    g_autofree char *sizes = train_field_describe_help(train_field_find("size"));
    g_assert_cmpstr(sizes, ==, "input side (16..384 px, default 64)");
    train_config_clear(&c);
}

/* Three seeds, each its own setting: the images, the split, and the training. */
static void
test_seeds(void)
{
    TrainConfig c;
    GError *error = NULL;

    train_config_init(&c);
    g_assert_cmpuint(c.synthetic.seed, ==, 1);
    g_assert_cmpuint(c.split_seed, ==, 1);
    g_assert_cmpuint(c.seed, ==, 1);
    train_config_clear(&c);

    g_assert_true(train_config_load_data(&c, "[model]\n[training]\nseed=5\n[data]\nsplit-seed=3\n",
                                         "seeds", &error));
    g_assert_no_error(error);
    g_assert_cmpuint(c.seed, ==, 5);
    g_assert_cmpuint(c.split_seed, ==, 3);
    g_assert_cmpuint(c.synthetic.seed, ==, 1);
    train_config_clear(&c);

    /* A word this version does not know is an error, not a silent default. */
    g_assert_false(train_config_load_data(&c, "[model]\n[training]\noptimizer=rmsprop\n", "x",
                                          &error));
    g_assert_nonnull(strstr(error->message, "optimizer"));
    g_assert_nonnull(strstr(error->message, "adam or sgd"));
    g_clear_error(&error);
    train_config_clear(&c);
}

static void
test_memory_limit(void)
{
    TrainConfig c;

    train_config_init(&c);
    g_assert_cmpuint(train_config_memory_limit(&c), ==, train_default_memory_limit());
    g_assert_cmpuint(train_default_memory_limit(), >, 0);
    c.memory_limit = 12345;
    g_assert_cmpuint(train_config_memory_limit(&c), ==, 12345);
    train_config_clear(&c);
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
    g_test_add_func("/train/config/old-config-loads", test_old_config_loads);
    g_test_add_func("/train/config/every-field-round-trips", test_every_field_round_trips);
    g_test_add_func("/train/config/table-is-consistent", test_table_is_consistent);
    g_test_add_func("/train/config/seeds", test_seeds);
    g_test_add_func("/train/config/memory-limit", test_memory_limit);
    g_test_add_func("/train/config/build-spec", test_build_spec);
    return g_test_run();
}
