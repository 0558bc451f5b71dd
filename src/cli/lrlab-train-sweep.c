/* lrlab-train's sweep report (see lrlab-train-sweep.h): the rows of the U-curve from the
 * runs' records (train_sweep_row_compute), the table of mean ± std per rate, sweep.csv. */
#include "lrlab-train-sweep.h"

#include <math.h>
#include <stdio.h>

#include "lrlab-train-advice.h"
#include "train_diagnosis.h"
#include "train_format.h"
#include "train_sweep.h"

/* The members of rate r: their curves and statuses, as train_diagnose_group reads them. */
typedef struct {
    const TrainEpoch **runs;
    int *n_epochs;
    TrainStatus *statuses;
    int members, classes;
    double lr;
} RateMembers;

static void
rate_members(const RunResult *results, int n, int r, RateMembers *m)
{
    *m = (RateMembers) { .runs = g_new0(const TrainEpoch *, MAX(n, 1)),
                         .n_epochs = g_new0(int, MAX(n, 1)),
                         .statuses = g_new0(TrainStatus, MAX(n, 1)), .classes = 2, .lr = NAN };
    for (int i = 0; i < n; i++) {
        if (results[i].rate_index != r)
            continue;
        m->lr = results[i].lr;
        m->classes = MAX(m->classes, results[i].num_classes);
        m->runs[m->members] = (const TrainEpoch *) results[i].epochs->data;
        m->n_epochs[m->members] = (int) results[i].epochs->len;
        m->statuses[m->members] = results[i].status;
        m->members++;
    }
}

static void
rate_members_clear(RateMembers *m)
{
    g_free(m->runs);
    g_free(m->n_epochs);
    g_free(m->statuses);
}

/* The members of rate r, as the row's inputs. */
static void
rate_row(const RunResult *results, int n, int r, int epochs_planned, TrainSweepRow *row)
{
    RateMembers m;

    rate_members(results, n, r, &m);
    train_sweep_row_compute(row, m.lr, m.runs, m.n_epochs, m.statuses, m.members, m.classes,
                            epochs_planned);
    rate_members_clear(&m);
}

void lrlab_train_print_group_advice(const RunResult *results, int n, int n_rates,
                                    const TrainConfig *config)
{
    for (int r = 0; r < n_rates; r++) {
        RateMembers m;

        rate_members(results, n, r, &m);
        if (m.members > 0) {
            /* The members share every setting but the seed, and this rate. */
            TrainConfig rate_config = *config;
            rate_config.lr = m.lr;
            TrainVerdict v = train_diagnose_group(m.runs, m.n_epochs, m.statuses, m.members,
                                                  m.classes, config->epochs);
            TrainAdvice advice = train_advise(&v, &rate_config, m.classes);
            const gboolean is_rate = advice.kind == TRAIN_ADVICE_LOWER_RATE ||
                                     advice.kind == TRAIN_ADVICE_HIGHER_RATE;
            /* No --fork: each seed has its own best weights. */
            g_autofree char *text = n_rates == 1 || !is_rate
                                        ? lrlab_train_phrase_advice(&advice, &v, NULL, FALSE)
                                        : NULL;
            g_autofree char *lr = train_format_lr(m.lr);
            if (text != NULL)
                printf("lr %s, %d seeds: %s\n", lr, m.members, text);
            train_verdict_clear(&v);
        }
        rate_members_clear(&m);
    }
}

/* With seeds: one row per rate, each number the mean and standard deviation over them. */
static void
print_group_table(const TrainSweepRow *rows, int n_rows)
{
    printf("\n%-8s  %5s  %17s  %17s  %17s  %s\n", "lr", "seeds", "best val loss",
           "best val acc", "final train loss", "verdict");
    for (int r = 0; r < n_rows; r++) {
        const TrainSweepRow *row = &rows[r];
        g_autofree char *lr = train_format_lr(row->lr);
        char cells[3][32];
        const double mean[] = { row->best_val_loss, row->best_val_accuracy, row->final_loss };
        const double std[] = { row->best_val_loss_std, row->best_val_accuracy_std,
                               row->final_loss_std };
        for (int k = 0; k < 3; k++) {
            if (isfinite(mean[k]))
                g_snprintf(cells[k], sizeof cells[k], "%.4f \u00b1 %.4f", mean[k], std[k]);
            else
                g_strlcpy(cells[k], "-", sizeof cells[k]);
        }
        /* "±" is two bytes: one more of width keeps the columns under the header. */
        printf("%-8s  %5d  %18s  %18s  %18s  %s\n", lr, row->seeds, cells[0], cells[1],
               cells[2], row->verdict ? row->verdict : "");
    }
}

/* The U-curve of a sweep (every rate, mean and std over seeds) as sweep.csv; the table
 * with seeds. */
gboolean
lrlab_train_report_sweep(const RunResult *results, int n, int n_rates, int n_seeds, int epochs_planned,
             const char *out)
{
    g_autofree TrainSweepRow *rows = g_new0(TrainSweepRow, MAX(n_rates, 1));
    int n_rows = 0;
    gboolean ok = TRUE;

    for (int r = 0; r < n_rates; r++) {
        gboolean ran = FALSE;
        for (int i = 0; i < n; i++)
            ran = ran || results[i].rate_index == r;
        if (ran)
            rate_row(results, n, r, epochs_planned, &rows[n_rows++]);
    }
    if (n_seeds > 1)
        print_group_table(rows, n_rows);
    if (out && (n_rates > 1 || n_seeds > 1)) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = g_build_filename(out, "sweep.csv", NULL);
        if (train_sweep_save_csv(rows, n_rows, path, &error)) {
            printf("The U-curve (best validation loss and accuracy, final training loss per "
                   "rate) is in %s\n", path);
        } else {
            fprintf(stderr, "lrlab-train: %s\n", error->message);
            ok = FALSE;
        }
    }
    for (int r = 0; r < n_rows; r++)
        train_sweep_row_clear(&rows[r]);
    return ok;
}

