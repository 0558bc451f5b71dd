/* LabLrFinderDialog: the finder's thread reports on a TrainNotifier (its points so far);
 * this dialog reads them on the main loop and redraws the curve. The finder never touches
 * a widget, and a result that arrives after the dialog was closed is dropped. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-lr-finder-dialog.h"
#include "train_format.h"
#include "train_lr_finder.h"

/* The curve, then one chart "run" per rule: a single marked point, named in the legend. */
enum { CURVE, VALLEY, STEEP, MINIMUM, N_SERIES };

struct _LabLrFinderDialog
{
  AdwWindow           parent_instance;

  LabChart           *chart;
  GtkLabel           *status_label;
  GtkProgressBar     *progress;
  GtkLabel           *result_label;
  GtkButton          *cancel_button;
  GtkButton          *use_button;

  guint               series[N_SERIES];
  TrainNotifier      *notifier;
  GCancellable       *cancellable;
  TrainLrFinderState *state;        /* the latest read: 10 kB, so on the heap */
  gboolean            running;
  double              suggestion;
};

enum {
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

enum {
  RATE_CHOSEN,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LabLrFinderDialog, lab_lr_finder_dialog, ADW_TYPE_WINDOW)

/* The rule colours: green for the suggestion, the others from the palette's far end. */
static const GdkRGBA rule_colors[N_SERIES] = {
  [CURVE]   = { 0.21, 0.52, 0.89, 1 },
  [VALLEY]  = { 0x2e / 255., 0xa3 / 255., 0x44 / 255., 1 },   /* #2ea344, as in the result's text */
  [STEEP]   = { 0xe6 / 255., 0x61 / 255., 0x00 / 255., 1 },   /* #e66100 */
  [MINIMUM] = { 0x91 / 255., 0x41 / 255., 0xac / 255., 1 },   /* #9141ac */
};

static void
show_points (LabLrFinderDialog        *self,
             const TrainLrFinderPoint *points,
             int                       n)
{
  g_autofree LabChartPoint *smoothed = g_new (LabChartPoint, MAX (n, 1));
  g_autofree LabChartPoint *raw = g_new (LabChartPoint, MAX (n, 1));

  for (int i = 0; i < n; i++)
    {
      smoothed[i] = (LabChartPoint) { .epoch = points[i].lr, .seconds = i, .value = points[i].smoothed };
      raw[i] = (LabChartPoint) { .epoch = points[i].lr, .seconds = i, .value = points[i].loss };
    }
  lab_chart_set_run_points (self->chart, self->series[CURVE], LAB_CHART_CURVE_TRAIN, smoothed, n);
  lab_chart_set_run_points (self->chart, self->series[CURVE], LAB_CHART_CURVE_BATCH, raw, n);
}

static void
on_progress (gpointer user_data)
{
  LabLrFinderDialog *self = user_data;
  TrainLrFinderState *s = self->state;
  g_autofree char *text = NULL;

  train_notifier_read (self->notifier, s);
  if (s->loading)
    {
      text = g_strdup_printf (_("Preparing images (%d of %d)"), s->load_done, s->load_total);
      gtk_progress_bar_set_fraction (self->progress, s->load_total > 0 ? (double) s->load_done / s->load_total : 0);
    }
  else if (s->n_points > 0)
    {
      g_autofree char *lr = train_format_lr (s->points[s->n_points - 1].lr);
      text = g_strdup_printf (_("Batch %d of %d · rate %s · smoothed loss %.3f"), s->n_points, s->steps, lr,
                              s->points[s->n_points - 1].smoothed);
      gtk_progress_bar_set_fraction (self->progress, (double) s->n_points / MAX (s->steps, 1));
      show_points (self, s->points, s->n_points);
    }
  if (text)
    gtk_label_set_text (self->status_label, text);
}

/* A rule's rate as a marked point on the curve, named in the legend. */
static void
mark_rule (LabLrFinderDialog        *self,
           int                       series,
           const char               *name,
           double                    lr,
           const TrainLrFinderPoint *at)
{
  g_autofree char *rate = train_format_lr (lr);
  g_autofree char *label = g_strdup_printf ("%s %s", name, rate);
  LabChartPoint point = { .epoch = lr, .seconds = 0, .value = at->smoothed };

  lab_chart_set_run_label (self->chart, self->series[series], label);
  lab_chart_set_run_points (self->chart, self->series[series], LAB_CHART_CURVE_VAL, &point, 1);
  lab_chart_set_run_best_epoch (self->chart, self->series[series], lr);
  lab_chart_set_run_visible (self->chart, self->series[series], TRUE);
}

void
lab_lr_finder_dialog_show_result (LabLrFinderDialog         *self,
                                  const TrainLrFinderResult *r)
{
  const TrainLrFinderPoint *p;
  const TrainLrSuggestion *s;
  g_autofree char *status = NULL;

  g_return_if_fail (LAB_IS_LR_FINDER_DIALOG (self));
  g_return_if_fail (r != NULL && r->points != NULL);

  p = (const TrainLrFinderPoint *) (gpointer) r->points->data;
  s = &r->suggestion;
  status = g_strdup_printf (ngettext ("%u batch in %.1f s", "%u batches in %.1f s", r->points->len),
                            r->points->len, r->seconds);

  show_points (self, p, (int) r->points->len);
  gtk_progress_bar_set_fraction (self->progress, 1);
  gtk_label_set_text (self->status_label, status);
  if (!s->found)
    {
      gtk_label_set_text (self->result_label, r->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->result_label), "error");
      gtk_widget_set_sensitive (GTK_WIDGET (self->use_button), FALSE);
      self->suggestion = NAN;
      return;
    }
  {
    g_autofree char *valley = train_format_lr (s->valley_lr);
    g_autofree char *steep = train_format_lr (s->steep_lr);
    g_autofree char *minimum = train_format_lr (s->minimum_lr);
    g_autofree char *lowest = train_format_lr (p[s->minimum].lr);
    g_autofree char *text = NULL;
    g_autofree char *button = NULL;

    /* The minimum/10 mark sits on the curve at the lowest point's rate divided by ten:
     * the nearest trained batch gives its loss. */
    const TrainLrFinderPoint *near_min = &p[0];
    for (guint i = 0; i < r->points->len; i++)
      if (fabs (log (p[i].lr / s->minimum_lr)) < fabs (log (near_min->lr / s->minimum_lr)))
        near_min = &p[i];
    mark_rule (self, VALLEY, _("suggested (valley)"), s->valley_lr, &p[s->valley]);
    mark_rule (self, STEEP, _("steepest"), s->steep_lr, &p[s->steep]);
    mark_rule (self, MINIMUM, _("minimum/10"), s->minimum_lr, near_min);
    /* The dots on the curve, in their colours: the chart's legend would only repeat them. */
    text = g_strdup_printf (_("<span foreground=\"#2ea344\">●</span> <b>Suggested: %s</b>, where the loss is "
                              "still falling steadily (a good way down its longest fall). "
                              "<span foreground=\"#e66100\">●</span> It falls fastest at %s. "
                              "<span foreground=\"#9141ac\">●</span> It is lowest at %s; a tenth of that is "
                              "%s. Much higher rates make it jump, much lower ones crawl."),
                            valley, steep, lowest, minimum);
    gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), "error");
    if (!s->clear)
      {
        /* A guess, said before the rate. */
        g_autofree char *warning = g_markup_escape_text (r->message, -1);
        g_autofree char *both = g_strdup_printf ("<b>%s</b>\n%s", warning, text);
        gtk_label_set_markup (self->result_label, both);
      }
    else
      gtk_label_set_markup (self->result_label, text);
    /* A guess stays one click away, but the button does not recommend it: it says
     * "anyway", after the warning, and loses the suggested-action colour. */
    if (s->clear)
      {
        button = g_strdup_printf (_("_Use %s"), valley);
        gtk_widget_add_css_class (GTK_WIDGET (self->use_button), "suggested-action");
      }
    else
      {
        button = g_strdup_printf (_("Use _Anyway (%s)"), valley);
        gtk_widget_remove_css_class (GTK_WIDGET (self->use_button), "suggested-action");
      }
    gtk_button_set_label (self->use_button, button);
    gtk_widget_set_sensitive (GTK_WIDGET (self->use_button), TRUE);
    self->suggestion = s->lr;
  }
}

static void
set_running (LabLrFinderDialog *self,
             gboolean           running)
{
  self->running = running;
  gtk_button_set_label (self->cancel_button, running ? _("_Cancel") : _("_Close"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
on_found (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  g_autoptr(LabLrFinderDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  TrainLrFinderResult result;

  train_lr_finder_result_init (&result);
  /* Closed meanwhile: the window is gone, the result with it. */
  if (self->notifier == NULL)
    {
      train_lr_finder_run_finish (res, NULL, NULL);
      train_lr_finder_result_clear (&result);
      return;
    }
  /* The last news, then no more: a pending one would overwrite the result's status. */
  on_progress (self);
  train_notifier_set_func (self->notifier, NULL, NULL, NULL);
  if (train_lr_finder_run_finish (res, &result, &error))
    lab_lr_finder_dialog_show_result (self, &result);
  else
    {
      gtk_label_set_text (self->status_label,
                          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                          ? _("Cancelled: nothing was changed.") : error->message);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
    }
  train_lr_finder_result_clear (&result);
  set_running (self, FALSE);
}

static void
on_cancel_clicked (LabLrFinderDialog *self)
{
  g_assert (LAB_IS_LR_FINDER_DIALOG (self));

  if (self->running)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_use_clicked (LabLrFinderDialog *self)
{
  g_assert (LAB_IS_LR_FINDER_DIALOG (self));

  if (!isfinite (self->suggestion))
    return;
  g_signal_emit (self, signals[RATE_CHOSEN], 0, self->suggestion);
  gtk_window_close (GTK_WINDOW (self));
}

LabLrFinderDialog *
lab_lr_finder_dialog_new (GtkWindow         *parent,
                          const TrainConfig *config,
                          DataSet           *set)
{
  LabLrFinderDialog *self;
  TrainLrFinderOptions options = train_lr_finder_options_default ();

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (LAB_TYPE_LR_FINDER_DIALOG, "transient-for", parent, NULL);
  set_running (self, TRUE);
  gtk_label_set_text (self->status_label, _("Starting…"));
  train_lr_finder_run_async (config, set, &options, self->notifier, self->cancellable, on_found,
                             g_object_ref (self));
  return self;
}

gboolean
lab_lr_finder_dialog_get_running (LabLrFinderDialog *self)
{
  g_return_val_if_fail (LAB_IS_LR_FINDER_DIALOG (self), FALSE);
  return self->running;
}

double
lab_lr_finder_dialog_get_suggestion (LabLrFinderDialog *self)
{
  g_return_val_if_fail (LAB_IS_LR_FINDER_DIALOG (self), NAN);
  return self->suggestion;
}

LabChart *
lab_lr_finder_dialog_get_chart (LabLrFinderDialog *self)
{
  g_return_val_if_fail (LAB_IS_LR_FINDER_DIALOG (self), NULL);
  return self->chart;
}

static void
lab_lr_finder_dialog_dispose (GObject *object)
{
  LabLrFinderDialog *self = (LabLrFinderDialog *) object;

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->notifier)
    train_notifier_set_func (self->notifier, NULL, NULL, NULL);
  g_clear_pointer (&self->notifier, train_notifier_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), LAB_TYPE_LR_FINDER_DIALOG);

  G_OBJECT_CLASS (lab_lr_finder_dialog_parent_class)->dispose (object);
}

static void
lab_lr_finder_dialog_finalize (GObject *object)
{
  LabLrFinderDialog *self = (LabLrFinderDialog *) object;

  g_free (self->state);

  G_OBJECT_CLASS (lab_lr_finder_dialog_parent_class)->finalize (object);
}

static void
lab_lr_finder_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  LabLrFinderDialog *self = LAB_LR_FINDER_DIALOG (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_lr_finder_dialog_class_init (LabLrFinderDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_lr_finder_dialog_dispose;
  object_class->finalize = lab_lr_finder_dialog_finalize;
  object_class->get_property = lab_lr_finder_dialog_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The user took the suggestion: its rate, a double. */
  signals[RATE_CHOSEN] = g_signal_new ("rate-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_DOUBLE);

  g_type_ensure (LAB_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-lr-finder-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LabLrFinderDialog, chart);
  gtk_widget_class_bind_template_child (widget_class, LabLrFinderDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, LabLrFinderDialog, progress);
  gtk_widget_class_bind_template_child (widget_class, LabLrFinderDialog, result_label);
  gtk_widget_class_bind_template_child (widget_class, LabLrFinderDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LabLrFinderDialog, use_button);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_use_clicked);
}

static void
lab_lr_finder_dialog_init (LabLrFinderDialog *self)
{
  static const char *const names[N_SERIES] = { N_("smoothed loss"), "", "", "" };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->suggestion = NAN;
  self->state = g_new0 (TrainLrFinderState, 1);
  self->cancellable = g_cancellable_new ();
  self->notifier = train_notifier_new (NULL, sizeof (TrainLrFinderState));
  train_notifier_set_func (self->notifier, on_progress, self, NULL);

  lab_chart_set_title (self->chart, _("Loss against the learning rate"));
  lab_chart_set_x_label (self->chart, _("Learning rate"));
  lab_chart_set_y_label (self->chart, _("training loss"));
  lab_chart_set_log_x (self->chart, TRUE);
  lab_chart_set_show_batches (self->chart, TRUE);
  lab_chart_set_legend_visible (self->chart, FALSE);
  for (int i = 0; i < N_SERIES; i++)
    {
      self->series[i] = lab_chart_add_run (self->chart, names[i][0] ? _(names[i]) : "", &rule_colors[i]);
      /* The rules show once the test has found them. */
      lab_chart_set_run_visible (self->chart, self->series[i], i == CURVE);
    }
}
