/* lab-window-charts: the window's charts and what each curve on them plots. Two tables say
 * it all: which charts there are (with their titles and axes), and for every curve which
 * double of a run's TrainEpoch or TrainBatchPoint records feeds it. Updating a run's curves
 * is one loop over the second table, so a new chart or curve is a row, not a branch. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stddef.h>

#include "lab-window-private.h"

typedef struct {
  const char *child;       /* its id in lab-window.ui */
  const char *file_suffix; /* exported beside the first chart: "curves" + "-accuracy" + ".png" */
  const char *title;       /* translated when shown */
  const char *y_label;
  double      y_min;       /* NAN: from the data */
  double      y_max;
  gboolean    log_toggle;  /* the "Log scale" button applies (to a loss, not to 0..1) */
  gboolean    rate;        /* a learning rate: always log y, never smoothed */
} ChartSpec;

static const ChartSpec chart_specs[LAB_WINDOW_N_CHARTS] = {
  [LAB_WINDOW_CHART_LOSS]     = { "loss_chart", "", N_("Loss"), N_("cross-entropy"), NAN, NAN, TRUE },
  [LAB_WINDOW_CHART_ACCURACY] = { "accuracy_chart", "-accuracy", N_("Accuracy"), N_("fraction correct"),
                                  0, 1, FALSE },
  [LAB_WINDOW_CHART_LR]       = { "lr_chart", "-lr", N_("Learning rate of each batch"), N_("rate"),
                                  NAN, NAN, FALSE, TRUE },
};

/* Where a curve's points come from: one per finished epoch, or one per trained batch. */
typedef enum {
  FROM_EPOCHS,             /* TrainEpoch; a point sits at the epoch's end (x = epoch + 1) */
  FROM_BATCHES,            /* TrainBatchPoint; at the fraction of its epoch it ends */
} CurveSource;

typedef struct {
  LabWindowChart chart;
  LabChartCurve  curve;
  CurveSource    source;
  gsize          field;    /* offsetof a double in the source's record */
} CurveFeed;

static const CurveFeed curve_feeds[] = {
  { LAB_WINDOW_CHART_LOSS,     LAB_CHART_CURVE_TRAIN, FROM_EPOCHS,  offsetof (TrainEpoch, loss) },
  { LAB_WINDOW_CHART_LOSS,     LAB_CHART_CURVE_VAL,   FROM_EPOCHS,  offsetof (TrainEpoch, val_loss) },
  { LAB_WINDOW_CHART_LOSS,     LAB_CHART_CURVE_BATCH, FROM_BATCHES, offsetof (TrainBatchPoint, loss) },
  { LAB_WINDOW_CHART_ACCURACY, LAB_CHART_CURVE_TRAIN, FROM_EPOCHS,  offsetof (TrainEpoch, accuracy) },
  { LAB_WINDOW_CHART_ACCURACY, LAB_CHART_CURVE_VAL,   FROM_EPOCHS,  offsetof (TrainEpoch, val_accuracy) },
  { LAB_WINDOW_CHART_ACCURACY, LAB_CHART_CURVE_BATCH, FROM_BATCHES, offsetof (TrainBatchPoint, accuracy) },
  /* Solid, not the faint batch trace: here the batches are the curve. */
  { LAB_WINDOW_CHART_LR,       LAB_CHART_CURVE_TRAIN, FROM_BATCHES, offsetof (TrainBatchPoint, lr) },
};

/* Epoch 3, batch 15 of 32 ends at x = 3.5. */
static double
epoch_fraction (int epoch,
                int batch,
                int batches_per_epoch)
{
  return epoch + (batch + 1.0) / MAX (batches_per_epoch, 1);
}

/* The points of one curve from record `from` on (x from the record's place in the run,
 * y from feed->field) into points; seconds is the epochs' wall time before `from`. Returns
 * how many. */
static guint
fill_points (const CurveFeed *feed,
             LabRun          *run,
             guint            from,
             double           seconds,
             LabChartPoint   *points)
{
  TrainProgress progress = lab_run_get_progress (run);
  guint n;

  if (feed->source == FROM_EPOCHS)
    {
      const TrainEpoch *epochs = lab_run_get_epochs (run, &n);

      for (guint i = from; i < n; i++)
        {
          seconds += epochs[i].seconds;
          points[i - from].epoch = epochs[i].epoch + 1;
          points[i - from].seconds = seconds;
          points[i - from].value = G_STRUCT_MEMBER (double, &epochs[i], feed->field);
        }
    }
  else
    {
      const TrainBatchPoint *batches = lab_run_get_batches (run, &n);

      for (guint i = from; i < n; i++)
        {
          points[i - from].epoch = epoch_fraction (batches[i].epoch, batches[i].batch, progress.batches_per_epoch);
          points[i - from].seconds = batches[i].elapsed;
          points[i - from].value = G_STRUCT_MEMBER (double, &batches[i], feed->field);
        }
    }
  return n > from ? n - from : 0;
}

/* Each curve gets the records it does not have yet: a run's record only grows, so an
 * update costs what arrived since the last one (a 2000-epoch run of 50 batches an epoch
 * would otherwise copy and compare 100 000 points per curve at every notify). A curve
 * that holds more points than the run has records (never, for a run that trains) starts
 * over. */
void
_lab_window_charts_update_run (LabWindow *self,
                               LabRun    *run)
{
  guint n_epochs, n_batches;
  TrainProgress progress = lab_run_get_progress (run);

  g_assert (LAB_IS_WINDOW (self));
  g_assert (LAB_IS_RUN (run));

  lab_run_get_epochs (run, &n_epochs);
  lab_run_get_batches (run, &n_batches);
  for (guint f = 0; f < G_N_ELEMENTS (curve_feeds); f++)
    {
      const CurveFeed *feed = &curve_feeds[f];
      LabChart *chart = self->charts[feed->chart];
      guint id = lab_run_get_chart_id (run, feed->chart);
      guint n = feed->source == FROM_EPOCHS ? n_epochs : n_batches, have;
      const LabChartPoint *shown = lab_chart_get_run_points (chart, id, feed->curve, &have);
      gboolean again = have > n;
      guint from = again ? 0 : have;
      double seconds = from > 0 && feed->source == FROM_EPOCHS ? shown[from - 1].seconds : 0;
      g_autofree LabChartPoint *points = n > from ? g_new (LabChartPoint, n - from) : NULL;
      guint added = fill_points (feed, run, from, seconds, points);

      if (again)
        lab_chart_set_run_points (chart, id, feed->curve, points, added);
      else
        lab_chart_append_run_points (chart, id, feed->curve, points, added);
    }

  if (train_run_get_num_classes (lab_run_get_train_run (run)) > 0)
    _lab_window_charts_set_chance (self, train_run_get_num_classes (lab_run_get_train_run (run)));

  /* The markers belong to the run, so every chart shows them. */
  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    {
      guint id = lab_run_get_chart_id (run, c);

      /* A learning rate has no best epoch to mark. */
      if (chart_specs[c].rate)
        continue;
      lab_chart_set_run_best_epoch (self->charts[c], id,
                                    progress.best_epoch >= 0 ? progress.best_epoch + 1 : -1);
      if (progress.status == TRAIN_STATUS_DIVERGED && progress.diverged_epoch >= 0)
        lab_chart_set_run_diverged (self->charts[c], id,
                                    epoch_fraction (progress.diverged_epoch, progress.diverged_batch,
                                                    progress.batches_per_epoch),
                                    progress.elapsed);
      else
        lab_chart_set_run_diverged (self->charts[c], id, -1, 0);
    }
}

/* A network that has learnt nothing answers 1/C for each of C classes: its loss is ln C
 * and its accuracy 1/C. Drawn as labelled lines, a curve sitting on them reads as "at
 * chance" at a glance. The latest run's classes decide (runs of one session share them). */
void
_lab_window_charts_set_chance (LabWindow *self,
                               int        num_classes)
{
  g_autofree char *loss = NULL;
  g_autofree char *accuracy = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if (num_classes < 2 || num_classes == self->chance_classes)
    return;
  if (self->chance_classes > 0)
    {
      lab_chart_remove_reference_line (self->charts[LAB_WINDOW_CHART_LOSS], self->chance_lines[0]);
      lab_chart_remove_reference_line (self->charts[LAB_WINDOW_CHART_ACCURACY], self->chance_lines[1]);
    }
  self->chance_classes = num_classes;
  loss = g_strdup_printf (_("chance: ln %d = %.3f"), num_classes, log (num_classes));
  accuracy = g_strdup_printf (_("chance: 1/%d"), num_classes);
  self->chance_lines[0] = lab_chart_add_reference_line (self->charts[LAB_WINDOW_CHART_LOSS], log (num_classes), loss);
  self->chance_lines[1] = lab_chart_add_reference_line (self->charts[LAB_WINDOW_CHART_ACCURACY], 1.0 / num_classes,
                                                        accuracy);
}

void
_lab_window_charts_add_run (LabWindow *self,
                            LabRun    *run)
{
  g_assert (LAB_IS_WINDOW (self));
  g_assert (LAB_IS_RUN (run));

  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    lab_run_set_chart_id (run, c, lab_chart_add_run (self->charts[c], lab_run_get_name (run),
                                                     lab_run_get_color (run)));
}

void
_lab_window_charts_remove_run (LabWindow *self,
                               LabRun    *run)
{
  g_assert (LAB_IS_WINDOW (self));
  g_assert (LAB_IS_RUN (run));

  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    lab_chart_remove_run (self->charts[c], lab_run_get_chart_id (run, c));
}

void
_lab_window_charts_show_run (LabWindow *self,
                             LabRun    *run)
{
  g_assert (LAB_IS_WINDOW (self));
  g_assert (LAB_IS_RUN (run));

  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    lab_chart_set_run_visible (self->charts[c], lab_run_get_chart_id (run, c), lab_run_get_shown (run));
}

void
_lab_window_charts_set_legend (LabWindow  *self,
                               LabRun     *run,
                               const char *legend)
{
  g_assert (LAB_IS_WINDOW (self));
  g_assert (LAB_IS_RUN (run));

  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    lab_chart_set_run_label (self->charts[c], lab_run_get_chart_id (run, c), legend);
}

const char *
_lab_window_chart_file_suffix (LabWindowChart chart)
{
  g_assert (chart < LAB_WINDOW_N_CHARTS);

  return chart_specs[chart].file_suffix;
}

static void
on_time_toggled (LabWindow       *self,
                 GtkToggleButton *toggle)
{
  LabChartXMode mode = gtk_toggle_button_get_active (toggle) ? LAB_CHART_X_TIME : LAB_CHART_X_EPOCH;

  g_assert (LAB_IS_WINDOW (self));

  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    lab_chart_set_x_mode (self->charts[c], mode);
}

void
_lab_window_charts_init (LabWindow *self)
{
  GtkAdjustment *smoothing = gtk_range_get_adjustment (GTK_RANGE (self->smoothing_scale));

  g_assert (LAB_IS_WINDOW (self));

  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    {
      const ChartSpec *spec = &chart_specs[c];
      LabChart *chart = self->charts[c];

      lab_chart_set_title (chart, _(spec->title));
      lab_chart_set_y_label (chart, _(spec->y_label));
      if (!isnan (spec->y_min) || !isnan (spec->y_max))
        lab_chart_set_y_limits (chart, spec->y_min, spec->y_max);
      if (spec->rate)
        {
          /* Small, under the two that name the runs: no legend of its own. */
          lab_chart_set_log_y (chart, TRUE);
          lab_chart_set_legend_visible (chart, FALSE);
        }
      else
        g_object_bind_property (smoothing, "value", chart, "smoothing", G_BINDING_SYNC_CREATE);
      g_object_bind_property (self->batches_toggle, "active", chart, "show-batches", G_BINDING_SYNC_CREATE);
      if (spec->log_toggle)
        g_object_bind_property (self->log_toggle, "active", chart, "log-y", G_BINDING_SYNC_CREATE);
    }
}

void
_lab_window_class_charts_init (LabWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    gtk_widget_class_bind_template_child_full (widget_class, chart_specs[c].child, FALSE,
                                               G_STRUCT_OFFSET (LabWindow, charts) + c * sizeof (LabChart *));
  gtk_widget_class_bind_template_callback (widget_class, on_time_toggled);
}
