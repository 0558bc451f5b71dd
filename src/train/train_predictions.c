/* train_predictions: writes and reads predictions.bin (the layout is in the header). A
 * checksum guards the whole file because a half-copied run folder must be reported, never
 * shown as wrong answers; every label and index is checked too, since another program
 * (the exported train.py) writes the same format. */
#include "train_predictions.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

static const char magic[8] = { 'L', 'R', 'L', 'A', 'B', 'P', 'R', 'D' };
enum { V1_RECORD_BYTES = 9 };

static guint64
fnv1a(const guint8 *bytes, gsize n)
{
    guint64 h = 0xcbf29ce484222325ull;
    for (gsize i = 0; i < n; i++) {
        h ^= bytes[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void
put_u32(GByteArray *b, guint32 v)
{
    v = GUINT32_TO_LE(v);
    g_byte_array_append(b, (const guint8 *) &v, 4);
}

static void
put_f32(GByteArray *b, float f)
{
    guint32 v;
    memcpy(&v, &f, 4);
    put_u32(b, v);
}

void train_predictions_file_clear(TrainPredictionsFile *file)
{
    g_clear_pointer(&file->val_indices, g_free);
    g_clear_pointer(&file->val_labels, g_free);
    g_clear_pointer(&file->val_sources, g_strfreev);
    g_clear_pointer(&file->probabilities, g_free);
    g_clear_pointer(&file->predictions, g_free);
    memset(file, 0, sizeof *file);
}

gboolean train_predictions_save(const char *path, int num_classes, int n_val,
                                const int *val_indices, const int *val_labels,
                                const char *const *sources, const float *probabilities,
                                int n_epochs, GError **error)
{
    g_return_val_if_fail(path != NULL && n_val >= 0 && n_epochs >= 0, FALSE);
    g_return_val_if_fail(num_classes >= 0 && num_classes <= TRAIN_PREDICTIONS_MAX_CLASSES,
                         FALSE);

    g_autoptr(GByteArray) b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *) magic, sizeof magic);
    put_u32(b, TRAIN_PREDICTIONS_VERSION);
    put_u32(b, (guint32) num_classes);
    put_u32(b, (guint32) n_val);
    put_u32(b, (guint32) n_epochs);
    for (int i = 0; i < n_val; i++)
        put_u32(b, (guint32) val_indices[i]);
    for (int i = 0; i < n_val; i++)
        put_u32(b, (guint32) val_labels[i]);
    for (int i = 0; i < n_val; i++) {
        const char *s = sources && sources[i] ? sources[i] : "";
        guint32 len = (guint32) strlen(s);
        put_u32(b, len);
        g_byte_array_append(b, (const guint8 *) s, len);
    }
    for (gsize i = 0; i < (gsize) n_epochs * n_val * num_classes; i++)
        put_f32(b, probabilities[i]);
    guint64 sum = GUINT64_TO_LE(fnv1a(b->data, b->len));
    g_byte_array_append(b, (const guint8 *) &sum, 8);
    return g_file_set_contents(path, (const char *) b->data, b->len, error);
}

/* A cursor over the file's bytes that refuses to read past the end. */
typedef struct {
    const guint8 *p, *end;
} Reader;

static gboolean
get_u32(Reader *r, guint32 *v)
{
    if (r->end - r->p < 4)
        return FALSE;
    memcpy(v, r->p, 4);
    *v = GUINT32_FROM_LE(*v);
    r->p += 4;
    return TRUE;
}

static gboolean
get_f32(Reader *r, float *f)
{
    guint32 v;
    if (!get_u32(r, &v))
        return FALSE;
    memcpy(f, &v, 4);
    return TRUE;
}

static guint64
remaining(const Reader *r)
{
    return (guint64) (r->end - r->p);
}

/* Every image's index and label; what is out of range is worded into *what. */
static gboolean
read_images(Reader *r, TrainPredictionsFile *file, char **what)
{
    const int n_val = file->n_val;
    for (int i = 0; i < n_val; i++) {
        guint32 v = 0;
        get_u32(r, &v);
        file->val_indices[i] = (int) v;
        if (file->val_indices[i] < 0) {
            *what = g_strdup_printf(_("corrupted (validation image %d has the negative index %d)"),
                                    i + 1, file->val_indices[i]);
            return FALSE;
        }
    }
    for (int i = 0; i < n_val; i++) {
        guint32 v = 0;
        get_u32(r, &v);
        file->val_labels[i] = (int) v;
        if (v >= (guint32) file->num_classes) {
            *what = g_strdup_printf(_("corrupted (validation image %d is of class %d but there "
                                    "are %d classes)"), i + 1, (int) v, file->num_classes);
            return FALSE;
        }
    }
    for (int i = 0; i < n_val; i++) {
        guint32 len;
        if (!get_u32(r, &len) || remaining(r) < len) {
            *what = g_strdup(_("truncated"));
            return FALSE;
        }
        file->val_sources[i] = g_strndup((const char *) r->p, len);
        r->p += len;
    }
    return TRUE;
}

/* The n_epochs x n_val answers: version 2's probabilities (the predictions derived from
 * them), or version 1's kept predictions. */
static gboolean
read_answers(Reader *r, TrainPredictionsFile *file, char **what)
{
    const gsize n = (gsize) file->n_epochs * file->n_val, C = (gsize) file->num_classes;
    file->predictions = g_new0(TrainPrediction, MAX(n, 1));
    if (file->version == 1) {
        for (gsize i = 0; i < n; i++) {
            TrainPrediction *p = &file->predictions[i];
            p->predicted = *r->p++;
            get_f32(r, &p->confidence);
            get_f32(r, &p->true_probability);
            if (p->predicted >= file->num_classes) {
                *what = g_strdup_printf(_("corrupted (a predicted class %d but there are %d "
                                        "classes)"), p->predicted, file->num_classes);
                return FALSE;
            }
        }
        return TRUE;
    }
    file->probabilities = g_new(float, MAX(n * C, 1));
    for (gsize i = 0; i < n * C; i++)
        get_f32(r, &file->probabilities[i]);
    for (gsize i = 0; i < n; i++)
        file->predictions[i] = train_prediction_of(file->probabilities + i * C, (int) C,
                                                   file->val_labels[i % file->n_val]);
    return TRUE;
}

gboolean train_predictions_load(const char *path, TrainPredictionsFile *file, GError **error)
{
    g_return_val_if_fail(path != NULL && file != NULL, FALSE);

    memset(file, 0, sizeof *file);
    g_autofree char *base = g_filename_display_basename(path);   /* for messages */
    g_autofree char *data = NULL;
    g_autofree char *what = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path, &data, &length, error))
        return FALSE;

    if (length < sizeof magic + 16 + 8 || memcmp(data, magic, sizeof magic) != 0) {
        what = g_strdup(length < sizeof magic || memcmp(data, magic, MIN(length, sizeof magic)) != 0
                            ? _("not an LR Lab predictions file")
                            : _("truncated"));
        goto bad;
    }
    guint64 stored;
    memcpy(&stored, data + length - 8, 8);
    if (GUINT64_FROM_LE(stored) != fnv1a((const guint8 *) data, length - 8)) {
        what = g_strdup(_("truncated or corrupted (checksum mismatch)"));
        goto bad;
    }

    Reader r = { (const guint8 *) data + sizeof magic, (const guint8 *) data + length - 8 };
    guint32 version = 0, num_classes = 0, n_val = 0, n_epochs = 0;
    get_u32(&r, &version);
    get_u32(&r, &num_classes);
    get_u32(&r, &n_val);
    get_u32(&r, &n_epochs);
    if (version != 1 && version != TRAIN_PREDICTIONS_VERSION) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    _("%s: format version %u, this LR Lab reads versions 1 to %u"), base, version,
                    TRAIN_PREDICTIONS_VERSION);
        return FALSE;
    }
    /* Sizes are checked against the bytes present before anything is allocated. */
    /* A file naming no images holds no answers whatever its epoch count: a run not yet
     * loaded (0 epochs), or one imported without predictions (train_import.h). */
    const gboolean empty = n_val == 0;
    const guint32 max_classes = version == 1 ? 256 : TRAIN_PREDICTIONS_MAX_CLASSES;
    if (num_classes > max_classes || (!empty && num_classes < 2) || n_epochs > G_MAXINT / 2) {
        what = g_strdup_printf(_("corrupted (%u classes, %u epochs)"), num_classes, n_epochs);
        goto bad;
    }
    const guint64 per_answer = version == 1 ? V1_RECORD_BYTES : 4ull * num_classes;
    if (n_val > remaining(&r) / 12 ||
        (n_val > 0 && n_epochs > (remaining(&r) - 12ull * n_val) / (per_answer * n_val))) {
        what = g_strdup(_("truncated"));
        goto bad;
    }
    file->version = version;
    file->num_classes = (int) num_classes;
    file->n_val = (int) n_val;
    file->n_epochs = (int) n_epochs;
    file->val_indices = g_new(int, MAX(n_val, 1));
    file->val_labels = g_new(int, MAX(n_val, 1));
    file->val_sources = g_new0(char *, n_val + 1);
    if (!read_images(&r, file, &what))
        goto bad;
    if (remaining(&r) != (guint64) n_epochs * n_val * per_answer) {
        what = g_strdup(_("truncated"));
        goto bad;
    }
    if (!read_answers(&r, file, &what))
        goto bad;
    return TRUE;

bad:
    train_predictions_file_clear(file);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", base, what);
    return FALSE;
}
