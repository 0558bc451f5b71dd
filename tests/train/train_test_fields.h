/* train_test_fields: a value for every row of the table of fields that is not its
 * default, lies inside its range and survives every place a setting goes (config.ini, a
 * widget with two decimals, the learning-rate spin's three digits), so a round trip that
 * loses or mixes up any setting fails. Header-only: the train and ui tests both use it. */
#pragma once
#include <math.h>
#include "train_fields.h"

static inline void
test_field_set_other(const TrainField *f, TrainConfig *c)
{
    switch (f->type) {
    case TRAIN_FIELD_STRING:
        g_free(*(char **) ((guint8 *) c + f->offset));
        /* The network must be valid, and a preset, for the panel's preset row. */
        *(char **) ((guint8 *) c + f->offset) =
            g_strdup(g_str_equal(f->key, "model") ? "tiny" : "/tmp/lrlab-other");
        return;
    case TRAIN_FIELD_INT:
        train_field_set_number(f, c, f->def == f->min + 1 ? f->min + 2 : f->min + 1);
        return;
    case TRAIN_FIELD_UINT64:
    case TRAIN_FIELD_BYTES:
        train_field_set_number(f, c, f->def + 6);
        return;
    case TRAIN_FIELD_DOUBLE: {
        double v = isinf(f->max) ? f->def + 1 : round((f->min + f->max) / 2 * 100) / 100;
        train_field_set_number(f, c, v == f->def ? v / 2 : v);
        return;
    }
    case TRAIN_FIELD_BOOL:
        train_field_set_number(f, c, !f->def);
        return;
    case TRAIN_FIELD_ENUM:
        train_field_set_choice(f, c, (train_field_get_choice(f, c) + 1) % train_field_n_choices(f));
        return;
    case TRAIN_FIELD_FLAGS:
        train_field_set_number(f, c, 0x55u & ((1u << f->n_words) - 1));
        return;
    case TRAIN_FIELD_FLOATS:
        for (int i = 0; i < f->n_words; i++)
            ((float *) ((guint8 *) c + f->offset))[i] = 0.25f;
        return;
    }
}

/* Every field of config set by test_field_set_other (from the defaults). */
static inline void
test_config_init_other(TrainConfig *config)
{
    guint n;
    const TrainField *fields = train_fields(&n);

    train_config_init(config);
    for (guint i = 0; i < n; i++)
        test_field_set_other(&fields[i], config);
}

/* The first field in which a and b differ, or NULL. */
static inline const TrainField *
test_config_first_difference(const TrainConfig *a, const TrainConfig *b)
{
    guint n;
    const TrainField *fields = train_fields(&n);

    for (guint i = 0; i < n; i++)
        if (!train_field_equal(&fields[i], a, b))
            return &fields[i];
    return NULL;
}
