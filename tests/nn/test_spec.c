/* test_spec: the network spec a user types. Presets parse to the networks they name,
 * canonical text round-trips, and every kind of bad spec is refused with a message
 * that names the offending token and its position. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn_model.h"
#include "nn_spec.h"

static void test_presets(void)
{
    nn_spec spec;
    nn_error err;
    const char *const *names = nn_preset_names();
    int n = 0;
    for (; names[n]; n++) {
        const char *text = nn_preset_spec(names[n]);
        g_assert_nonnull(text);
        g_assert_cmpint(nn_spec_parse(&spec, names[n], &err), ==, NN_OK);
        char buf[NN_SPEC_MAX_TEXT];
        nn_spec_format(&spec, buf, sizeof buf);
        g_assert_cmpstr(buf, ==, text);
        g_assert_cmpint(nn_spec_num_classes(&spec), ==, 2);
    }
    g_assert_cmpint(n, ==, 3);
    g_assert_null(nn_preset_spec("huge"));
    /* what a text entry hands over, blanks and all */
    g_assert_cmpint(nn_spec_parse(&spec, "  tiny\n", &err), ==, NN_OK);
    g_assert_cmpint(spec.n_layers, ==, 6);

    /* paper is the student's network, layer for layer */
    g_assert_cmpint(nn_spec_parse(&spec, "paper", &err), ==, NN_OK);
    g_assert_cmpint(spec.n_layers, ==, 15);
    g_assert_cmpint(spec.layers[0].kind, ==, NN_LAYER_CONV);
    g_assert_cmpint(spec.layers[0].units, ==, 64);
    g_assert_cmpint(spec.layers[0].kernel, ==, 3);
    g_assert_cmpint(spec.layers[1].kind, ==, NN_LAYER_POOL);
    g_assert_cmpint(spec.layers[11].kind, ==, NN_LAYER_POOL);
    g_assert_cmpint(spec.layers[12].kind, ==, NN_LAYER_DENSE);
    g_assert_cmpint(spec.layers[12].units, ==, 512);
    g_assert_cmpint(spec.layers[13].kind, ==, NN_LAYER_DROPOUT);
    g_assert_cmpfloat(spec.layers[13].rate, ==, 0.5f);
    g_assert_cmpint(spec.layers[14].units, ==, 2);
}

/* The presets exist to be fast: tiny must be far cheaper than small, small than paper. */
static void test_preset_costs(void)
{
    nn_memory_estimate e[3];
    const char *names[3] = { "tiny", "small", "paper" };
    for (int i = 0; i < 3; i++) {
        nn_spec spec;
        nn_error err;
        g_assert_cmpint(nn_spec_parse(&spec, names[i], &err), ==, NN_OK);
        g_assert_cmpint(nn_model_estimate(&spec, 64, 64, 3, 64, NN_OPTIMIZER_ADAM, &e[i], &err),
                        ==, NN_OK);
        g_test_message("%-6s %8zu params %8.1f MFLOP/image", names[i], e[i].num_parameters,
                       (double)e[i].flops_forward / 1e6);
    }
    g_assert_cmpint(e[0].flops_forward * 5, <, e[1].flops_forward);
    g_assert_cmpint(e[1].flops_forward * 5, <, e[2].flops_forward);
}

static void test_round_trip(void)
{
    const char *cases[][2] = {
        { "c64-p-f512-d0.5-f2", "c64-p-f512-d0.5-f2" },
        { " C32k5-P-c16k3-F10 ", "c32k5-p-c16-f10" },
        { "c8k1-d0.1-p-d0-f4-d.25-f3", "c8k1-d0.1-p-d0-f4-d0.25-f3" },
        { "f2", "f2" },
        { "d0.3333-c4-f2", "d0.3333-c4-f2" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        nn_spec a, b;
        nn_error err;
        char text[NN_SPEC_MAX_TEXT], again[NN_SPEC_MAX_TEXT];
        g_assert_cmpint(nn_spec_parse(&a, cases[i][0], &err), ==, NN_OK);
        nn_spec_format(&a, text, sizeof text);
        g_assert_cmpstr(text, ==, cases[i][1]);
        g_assert_cmpint(nn_spec_parse(&b, text, &err), ==, NN_OK);
        nn_spec_format(&b, again, sizeof again);
        g_assert_cmpstr(again, ==, text);
        g_assert_true(memcmp(&a.layers, &b.layers, sizeof(nn_spec_layer) * (size_t)a.n_layers) == 0);
    }
}

static void expect_bad(const char *text, const char *frag1, const char *frag2);

/* Compares two specs layer by layer, field by field (a memcmp would also compare the
 * padding after each layer's fields). */
static void assert_same_layers(const nn_spec *a, const nn_spec *b, const char *text)
{
    if (a->n_layers != b->n_layers)
        g_error("'%s': %d layers, read back as %d", text, a->n_layers, b->n_layers);
    for (int i = 0; i < a->n_layers; i++) {
        const nn_spec_layer *x = &a->layers[i], *y = &b->layers[i];
        if (x->kind != y->kind || x->units != y->units || x->kernel != y->kernel ||
            memcmp(&x->rate, &y->rate, sizeof x->rate) != 0)
            g_error("'%s': layer %d (kind %d units %d kernel %d rate %a) read back as "
                    "(kind %d units %d kernel %d rate %a)", text, i + 1, x->kind, x->units,
                    x->kernel, (double)x->rate, y->kind, y->units, y->kernel, (double)y->rate);
    }
}

/* A dropout rate of the whole float range [0, 1): uniform, any decade down to the
 * subnormals, the raw bits of a subnormal, the ends. */
static float random_rate(GRand *rand)
{
    switch (g_rand_int_range(rand, 0, 6)) {
    case 0: return (float)g_rand_double(rand);
    case 1: return (float)pow(10.0, -g_rand_double_range(rand, 0, 45));
    case 2: {
        guint32 bits = g_rand_int(rand) & 0x007fffffu;   /* exponent 0: subnormal */
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    case 3: return nextafterf(1.0f, 0.0f);
    case 4: return 0.0f;
    default: return (float)g_rand_int_range(rand, 1, 100) / 100.0f;
    }
}

/* Any spec the engine can hold (convolutions and pooling, then dense and dropout, ending
 * in a dense layer of at least 2 units) is written as a text that parses back to the same
 * layers: what a run's config, best.ckpt and --help show is what it trained. */
static void test_random_round_trip(void)
{
    GRand *rand = g_rand_new_with_seed(16);
    for (int trial = 0; trial < 20000; trial++) {
        nn_spec a;
        memset(&a, 0, sizeof a);
        a.n_layers = g_rand_int_range(rand, 1, NN_SPEC_MAX_LAYERS + 1);
        int first_dense = g_rand_int_range(rand, 0, a.n_layers);
        for (int i = 0; i < a.n_layers; i++) {
            nn_spec_layer *l = &a.layers[i];
            gboolean last = i == a.n_layers - 1;
            if (last) {
                l->kind = NN_LAYER_DENSE;
                l->units = g_rand_int_range(rand, 2, 65537);
            } else if (i < first_dense) {
                l->kind = g_rand_boolean(rand) ? NN_LAYER_CONV : NN_LAYER_POOL;
                if (g_rand_int_range(rand, 0, 4) == 0)
                    l->kind = NN_LAYER_DROPOUT;
            } else {
                l->kind = g_rand_boolean(rand) ? NN_LAYER_DENSE : NN_LAYER_DROPOUT;
            }
            if (l->kind == NN_LAYER_CONV) {
                l->units = g_rand_int_range(rand, 1, 65537);
                l->kernel = 2 * g_rand_int_range(rand, 0, 16) + 1;
            } else if (l->kind == NN_LAYER_DENSE && !last) {
                l->units = g_rand_int_range(rand, 1, 65537);
            } else if (l->kind == NN_LAYER_DROPOUT) {
                l->rate = random_rate(rand);
            }
        }
        char text[NN_SPEC_MAX_TEXT], again[NN_SPEC_MAX_TEXT];
        nn_spec_format(&a, text, sizeof text);
        g_assert_cmpuint(strlen(text), <, sizeof text);   /* never truncated */
        nn_spec b;
        nn_error err;
        if (nn_spec_parse(&b, text, &err) != NN_OK)
            g_error("the engine wrote '%s', which does not parse: %s", text, err.message);
        assert_same_layers(&a, &b, text);
        nn_spec_format(&b, again, sizeof again);
        g_assert_cmpstr(again, ==, text);
    }
    g_rand_free(rand);
}

/* A rate below 1e-4 is written with an exponent ("d1e-05"), whose '-' is not a layer
 * separator: --dropout-rate 1e-5 once made a best.ckpt that could not be read back. */
static void test_tiny_dropout_rates(void)
{
    nn_spec spec;
    nn_error err;
    char buf[NN_SPEC_MAX_TEXT];
    g_assert_cmpint(nn_spec_parse(&spec, "c8-d0.5-f16-d0.5-f2", &err), ==, NN_OK);
    nn_spec_set_dropout(&spec, 1e-5f);
    nn_spec_format(&spec, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, "c8-d1e-05-f16-d1e-05-f2");
    g_assert_cmpint(nn_spec_parse(&spec, buf, &err), ==, NN_OK);
    g_assert_cmpint(spec.n_layers, ==, 5);
    g_assert_cmpfloat(spec.layers[1].rate, ==, 1e-5f);
    g_assert_cmpfloat(spec.layers[3].rate, ==, 1e-5f);
    /* What a person may type for it, and the exponent's other spellings. */
    const char *same[] = { "c8-d0.00001-f2", "c8-D1E-5-f2", "c8-d1e-05-f2", "c8-d.1e-4-f2" };
    for (size_t i = 0; i < G_N_ELEMENTS(same); i++) {
        g_assert_cmpint(nn_spec_parse(&spec, same[i], &err), ==, NN_OK);
        g_assert_cmpint(spec.n_layers, ==, 3);
        g_assert_cmpfloat(spec.layers[1].rate, ==, 1e-5f);
    }
    /* -0 is 0, without a '-' that would split the token. */
    nn_spec_set_dropout(&spec, -0.0f);
    nn_spec_format(&spec, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, "c8-d0-f2");
    expect_bad("c8-d1e-f2", "token 2 'd1e'", "rate");
    expect_bad("c8-de-5-f2", "token 2 'de'", "rate");
    expect_bad("c8-d1e5-f2", "token 2 'd1e5'", "out of range");
}

static void test_set_dropout(void)
{
    nn_spec spec;
    nn_error err;
    g_assert_cmpint(nn_spec_parse(&spec, "c4-d0.2-f8-d0.5-f2", &err), ==, NN_OK);
    nn_spec_set_dropout(&spec, 0.0f);
    char buf[NN_SPEC_MAX_TEXT];
    nn_spec_format(&spec, buf, sizeof buf);
    /* the layers stay (same parameter layout), only the rates change */
    g_assert_cmpstr(buf, ==, "c4-d0-f8-d0-f2");
    nn_spec_set_dropout(&spec, 0.3f);
    nn_spec_format(&spec, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, "c4-d0.3-f8-d0.3-f2");
}

/* A bad spec: the call fails with NN_ERR_SPEC, leaves the output alone, and the message
 * contains every one of the fragments (the token with its position, and the reason). */
static void expect_bad(const char *text, const char *frag1, const char *frag2)
{
    nn_spec spec;
    memset(&spec, 0x5a, sizeof spec);
    nn_spec before = spec;
    nn_error err;
    nn_status st = nn_spec_parse(&spec, text, &err);
    g_test_message("'%s' -> %s", text, err.message);
    g_assert_cmpint(st, ==, NN_ERR_SPEC);
    g_assert_cmpint(err.code, ==, NN_ERR_SPEC);
    g_assert_nonnull(strstr(err.message, frag1));
    if (frag2)
        g_assert_nonnull(strstr(err.message, frag2));
    g_assert_true(memcmp(&spec, &before, sizeof spec) == 0);
}

static void test_bad_specs(void)
{
    expect_bad("c64-p-c64-x3-f2", "token 4 'x3'", "unknown layer");
    expect_bad("c64-p-q12-f2", "token 3 'q12'", "unknown layer");
    expect_bad("", "empty", NULL);
    expect_bad("   ", "empty", NULL);
    expect_bad("c8--f2", "token 2 ''", "empty token");
    expect_bad("c8-f2-", "token 3 ''", "empty token");
    expect_bad("c-f2", "token 1 'c'", "filter count");
    expect_bad("c0-f2", "token 1 'c0'", "filter count");
    expect_bad("c8x-f2", "token 1 'c8x'", "filter count");
    expect_bad("c8-c16k4-f2", "token 2 'c16k4'", "even");
    expect_bad("c8-c16k-f2", "token 2 'c16k'", "kernel size");
    expect_bad("c8-p2-f2", "token 2 'p2'", "pooling");
    expect_bad("c8-f-f2", "token 2 'f'", "unit count");
    expect_bad("c8-f99999999999-f2", "token 2 'f99999999999'", "unit count");
    expect_bad("c8-d1.5-f2", "token 2 'd1.5'", "out of range");
    expect_bad("c8-d1-f2", "token 2 'd1'", "out of range");
    expect_bad("c8-d-f2", "token 2 'd'", "rate");
    expect_bad("c8-dinf-f2", "token 2 'dinf'", "rate");
    expect_bad("c8-d0.5x-f2", "token 2 'd0.5x'", "rate");
    expect_bad("c8-p", "token 2 'p'", "last layer");
    expect_bad("c8-f16-d0.5", "token 3 'd0.5'", "last layer");
    expect_bad("c8-f1", "token 2 'f1'", "at least 2");
    expect_bad("f16-c8-f2", "token 2 'c8'", "cannot follow a dense layer");
    expect_bad("c8-f16-p-f2", "token 3 'p'", "cannot follow a dense layer");

    GString *many = g_string_new("");
    for (int i = 0; i < NN_SPEC_MAX_LAYERS; i++)
        g_string_append(many, "c2-");
    g_string_append(many, "f2");
    expect_bad(many->str, "token 65 'f2'", "too many layers");
    g_string_free(many, TRUE);

    nn_error err;
    g_assert_cmpint(nn_spec_parse(NULL, "tiny", &err), ==, NN_ERR_ARG);
}

/* Semantic errors that need the input size: at which token the map shrinks below 1x1. */
static void test_too_many_pools(void)
{
    nn_spec spec;
    nn_error err;
    nn_memory_estimate e;
    g_assert_cmpint(nn_spec_parse(&spec, "c4-p-p-c4-p-p-f2", &err), ==, NN_OK);
    g_assert_cmpint(nn_model_estimate(&spec, 8, 8, 3, 4, NN_OPTIMIZER_SGD, &e, &err), ==,
                    NN_ERR_SPEC);
    g_test_message("%s", err.message);
    g_assert_nonnull(strstr(err.message, "token 6 'p'"));
    g_assert_nonnull(strstr(err.message, "1x1 -> 0x0"));
    g_assert_nonnull(strstr(err.message, "8x8 input"));
    /* one size up it fits */
    g_assert_cmpint(nn_model_estimate(&spec, 16, 16, 3, 4, NN_OPTIMIZER_SGD, &e, &err), ==,
                    NN_OK);
    /* the paper net at 16x16: its 5th pooling (token 12) gets a 1x1 map */
    g_assert_cmpint(nn_spec_parse(&spec, "paper", &err), ==, NN_OK);
    nn_model *m = NULL;
    g_assert_cmpint(nn_model_create(&m, &spec, 16, 16, 3, 2, 1, 0, NN_OPTIMIZER_ADAM, &err), ==,
                    NN_ERR_SPEC);
    g_assert_null(m);
    g_assert_nonnull(strstr(err.message, "token 12 'p'"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nn/spec/presets", test_presets);
    g_test_add_func("/nn/spec/preset-costs", test_preset_costs);
    g_test_add_func("/nn/spec/round-trip", test_round_trip);
    g_test_add_func("/nn/spec/set-dropout", test_set_dropout);
    g_test_add_func("/nn/spec/random-round-trip", test_random_round_trip);
    g_test_add_func("/nn/spec/tiny-dropout-rates", test_tiny_dropout_rates);
    g_test_add_func("/nn/spec/bad", test_bad_specs);
    g_test_add_func("/nn/spec/too-many-pools", test_too_many_pools);
    return g_test_run();
}
