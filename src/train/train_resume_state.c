/* train_resume_state: the [resume] group of a checkpoint as keys, and the data hash
 * (train_resume_state.h). */
#include "train_resume_state.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "train_format.h"

#define RESUME_FORMAT 1

static void
set_double(GKeyFile *kf, const char *key, double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_key_file_set_value(kf, TRAIN_RESUME_GROUP, key, train_format_double(buf, value));
}

void train_resume_state_save(const TrainResumeState *s, GKeyFile *kf)
{
    g_return_if_fail(s != NULL && kf != NULL);

    g_autofree char *hash = g_strdup_printf("%016" G_GINT64_MODIFIER "x", s->data_hash);
    g_key_file_set_integer(kf, TRAIN_RESUME_GROUP, "format", RESUME_FORMAT);
    g_key_file_set_integer(kf, TRAIN_RESUME_GROUP, "epochs-done", s->epochs_done);
    g_key_file_set_string(kf, TRAIN_RESUME_GROUP, "data-hash", hash);
    set_double(kf, "schedule-lr", s->schedule.lr);
    set_double(kf, "schedule-best", s->schedule.best);
    g_key_file_set_integer(kf, TRAIN_RESUME_GROUP, "schedule-bad-epochs", s->schedule.bad_epochs);
    g_key_file_set_integer(kf, TRAIN_RESUME_GROUP, "schedule-cooldown", s->schedule.cooldown_left);
    g_key_file_set_integer(kf, TRAIN_RESUME_GROUP, "best-epoch", s->best_epoch);
    set_double(kf, "best-val-loss", s->best_val_loss);
    g_key_file_set_integer(kf, TRAIN_RESUME_GROUP, "epochs-without-improvement",
                           s->epochs_without_improvement);
}

/* A number written by set_double; "inf" reads back as infinity. */
static gboolean
get_double(GKeyFile *kf, const char *key, double *out)
{
    g_autofree char *text = g_key_file_get_value(kf, TRAIN_RESUME_GROUP, key, NULL);
    char *end = NULL;
    if (text == NULL)
        return FALSE;
    *out = g_ascii_strtod(text, &end);
    return end != text && *end == '\0';
}

static gboolean
get_int(GKeyFile *kf, const char *key, int *out)
{
    GError *e = NULL;
    *out = g_key_file_get_integer(kf, TRAIN_RESUME_GROUP, key, &e);
    if (e) {
        g_error_free(e);
        return FALSE;
    }
    return TRUE;
}

gboolean train_resume_state_load(GKeyFile *kf, TrainResumeState *s, GError **error)
{
    g_return_val_if_fail(kf != NULL && s != NULL, FALSE);

    memset(s, 0, sizeof *s);
    if (!g_key_file_has_group(kf, TRAIN_RESUME_GROUP))
        return FALSE;
    g_autofree char *hash = g_key_file_get_string(kf, TRAIN_RESUME_GROUP, "data-hash", NULL);
    char *end = NULL;
    int format = 0;
    gboolean ok = get_int(kf, "format", &format) && format == RESUME_FORMAT &&
                  get_int(kf, "epochs-done", &s->epochs_done) && hash != NULL &&
                  get_double(kf, "schedule-lr", &s->schedule.lr) &&
                  get_double(kf, "schedule-best", &s->schedule.best) &&
                  get_int(kf, "schedule-bad-epochs", &s->schedule.bad_epochs) &&
                  get_int(kf, "schedule-cooldown", &s->schedule.cooldown_left) &&
                  get_int(kf, "best-epoch", &s->best_epoch) &&
                  get_double(kf, "best-val-loss", &s->best_val_loss) &&
                  get_int(kf, "epochs-without-improvement", &s->epochs_without_improvement);
    if (ok) {
        s->data_hash = g_ascii_strtoull(hash, &end, 16);
        ok = end != hash && *end == '\0';
    }
    if (!ok)
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            format > RESUME_FORMAT
                                ? _("its resume state is from a newer LR Lab")
                                : _("its resume state is damaged"));
    return ok;
}

/* ---- the data hash ---- */

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull

static guint64
fnv(guint64 h, const void *data, gsize n)
{
    const guint8 *p = data;
    /* Eight bytes per step where it matters (the pixels: gigabytes for a big folder), the
     * tail byte by byte: FNV-1a over 64-bit words, as fast as memory. */
    gsize i = 0;
    for (; i + 8 <= n; i += 8) {
        guint64 w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * FNV_PRIME;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

guint64 train_data_hash(const DataSet *set, const DataSplit *split)
{
    g_return_val_if_fail(set != NULL && split != NULL, 0);

    const int dims[] = { set->count, set->height, set->width, set->channels, set->num_classes };
    guint64 h = fnv(FNV_OFFSET, dims, sizeof dims);
    for (int c = 0; set->class_names && set->class_names[c]; c++)
        h = fnv(h, set->class_names[c], strlen(set->class_names[c]) + 1);
    h = fnv(h, set->labels, sizeof(int) * (gsize) set->count);
    h = fnv(h, set->pixels, (gsize) set->count * set->height * set->width * 3);
    h = fnv(h, &split->n_train, sizeof split->n_train);
    h = fnv(h, split->train, sizeof(int) * (gsize) split->n_train);
    h = fnv(h, &split->n_val, sizeof split->n_val);
    return fnv(h, split->val, sizeof(int) * (gsize) split->n_val);
}

