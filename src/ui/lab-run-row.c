/* LabRunRow: follows its LabRun's "updated" signal and rewrites its labels; the name and
 * the show checkbox are bound both ways to the run, so the table edits the run itself. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-run-row.h"
#include "lab-settings-panel.h"
#include "train_checkpoints.h"

struct _LabRunRow
{
  GtkListBoxRow    parent_instance;

  LabRun          *run;

  GtkCheckButton  *shown_check;
  GtkDrawingArea  *swatch;
  GtkEditableLabel *name_label;
  GtkLabel        *summary_label;
  GtkLabel        *best_label;
  GtkLabel        *epochs_label;
  GtkLabel        *time_label;
  GtkLabel        *disk_label;
  GtkLabel        *status_label;
  /* What the disk label last measured for: measured again when either moves. */
  guint            disk_epochs;
  TrainStatus      disk_status;
  gint64           disk_measured_us;   /* when (monotonic): at most once a second */
};

G_DEFINE_FINAL_TYPE (LabRunRow, lab_run_row, GTK_TYPE_LIST_BOX_ROW)

static const char *const status_classes[] = {
  "running", "paused", "diverged", "failed", "stopped", "finished", "early-stopped", "loading",
};

/* "small · Adam · lr 1e-3 · batch 64 · dropout 0.5": the whole setup in one line. */
static char *
describe_config (const TrainConfig *config)
{
  GString *text = g_string_new (NULL);
  g_autofree char *lr = train_format_lr (config->lr);

  g_string_append_printf (text, "%s · %s · lr %s · ",
                          strlen (config->model ? config->model : "") > 12 ? _("custom") : config->model,
                          config->optimizer == NN_OPTIMIZER_SGD ? "SGD" : "Adam", lr);
  g_string_append_printf (text, _("batch %d"), config->batch_size);
  if (config->dropout)
    g_string_append (text, _(" · dropout"));
  if (config->weight_decay_on)
    g_string_append (text, _(" · weight decay"));
  if (config->augment.flags)
    g_string_append (text, _(" · augmented"));
  return g_string_free (text, FALSE);
}

/* What the run's folder holds on disk, measured once per epoch (or status) change, with
 * the row actions that depend on it: a run resumes or prunes only when it is not training
 * and has checkpoints. A fast run (a tiny network, thousands of short epochs) is measured
 * at most once a second while it trains: each measure lists every checkpoint, and a
 * 2000-epoch folder holds 2000 of them. */
#define DISK_MEASURE_INTERVAL_US (G_USEC_PER_SEC)

static void
update_disk (LabRunRow *self,
             guint      n_epochs,
             TrainStatus status)
{
  const char *dir = train_run_get_output_dir (lab_run_get_train_run (self->run));
  gboolean active = train_status_is_active (status);
  g_autoptr(GArray) files = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *tooltip = NULL;
  guint64 total, checkpoints = 0;

  gint64 now = g_get_monotonic_time ();

  if (self->disk_epochs == n_epochs && self->disk_status == status && self->disk_epochs != G_MAXUINT)
    return;
  if (active && status == self->disk_status && self->disk_epochs != G_MAXUINT &&
      now - self->disk_measured_us < DISK_MEASURE_INTERVAL_US)
    return;
  self->disk_measured_us = now;
  self->disk_epochs = n_epochs;
  self->disk_status = status;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.fork", dir != NULL && n_epochs > 0);
  if (dir == NULL)
    {
      gtk_label_set_text (self->disk_label, "");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.resume", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.prune", FALSE);
      return;
    }
  files = train_checkpoints_list (dir);
  total = train_checkpoints_disk_usage (dir, &checkpoints);
  total_text = g_format_size (total);
  {
    g_autofree char *checkpoint_text = g_format_size (checkpoints);
    tooltip = g_strdup_printf (ngettext ("On disk: %s, of it %s in %u checkpoint",
                                         "On disk: %s, of it %s in %u checkpoints", files->len),
                               total_text, checkpoint_text, files->len);
  }
  gtk_label_set_text (self->disk_label, total_text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->disk_label), tooltip);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.resume", !active && files->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.prune", !active && files->len > 1);
}

static void
update (LabRunRow *self)
{
  TrainProgress progress = lab_run_get_progress (self->run);
  const TrainConfig *config = train_run_get_config (lab_run_get_train_run (self->run));
  const char *status = train_status_to_string (progress.status);
  guint n_epochs;
  const TrainEpoch *epochs = lab_run_get_epochs (self->run, &n_epochs);
  g_autofree char *best = NULL;
  g_autofree char *count = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *settings = describe_config (config);
  double seconds = progress.elapsed;

  g_assert (LAB_IS_RUN_ROW (self));

  if (progress.best_epoch >= 0)
    best = g_strdup_printf (_("%.3f · %.1f%% (epoch %d)"), progress.best_val_loss,
                            100 * progress.best_val_accuracy, progress.best_epoch + 1);
  else
    best = g_strdup ("—");
  if (progress.test.images > 0)
    {
      /* Translators: the best validation figures, then the test split's accuracy */
      g_autofree char *with_test = g_strdup_printf (_("%s · test %.1f%%"), best, 100 * progress.test.accuracy);
      g_autofree char *tip = g_strdup_printf (_("Test split: %d images, scored once with the best weights "
                                                "(epoch %d): loss %.3f, accuracy %.1f%%"),
                                              progress.test.images, progress.test.epoch + 1,
                                              progress.test.loss, 100 * progress.test.accuracy);
      g_free (best);
      best = g_steal_pointer (&with_test);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->best_label), tip);
    }
  count = g_strdup_printf ("%u/%d", n_epochs, config->epochs);
  if (seconds <= 0)
    {
      seconds = 0;
      for (guint i = 0; i < n_epochs; i++)
        seconds += epochs[i].seconds;
    }
  duration = train_format_duration (seconds);
  summary = g_strdup (settings);

  gtk_label_set_text (self->summary_label, summary);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->summary_label), summary);
  gtk_label_set_text (self->best_label, best);
  gtk_label_set_text (self->epochs_label, count);
  gtk_label_set_text (self->time_label, duration);
  gtk_label_set_text (self->status_label, lab_run_get_status_text (self->run));
  update_disk (self, n_epochs, progress.status);
  for (guint i = 0; i < G_N_ELEMENTS (status_classes); i++)
    if (g_strcmp0 (status, status_classes[i]) != 0)
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), status_classes[i]);
  if (status)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), status);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  LabRunRow *self = LAB_RUN_ROW (widget);

  g_assert (LAB_IS_RUN_ROW (self));

  /* The window owns the list of runs: the row only asks. */
  gtk_widget_activate_action (widget, "win.delete-run", "u",
                              (guint32) gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (self)));
}

/* The row's actions are the window's, for this row's run. */
static void
forward_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  LabRunRow *self = LAB_RUN_ROW (widget);
  guint32 index = (guint32) gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (self));

  g_assert (LAB_IS_RUN_ROW (self));

  if (g_str_equal (action_name, "row.fork"))
    gtk_widget_activate_action (widget, "win.fork-run", "(uu)", index, (guint32) 0);
  else if (g_str_equal (action_name, "row.resume"))
    gtk_widget_activate_action (widget, "win.resume-run", "u", index);
  else
    gtk_widget_activate_action (widget, "win.prune-run", "u", index);
}

static void
lab_run_row_dispose (GObject *object)
{
  LabRunRow *self = (LabRunRow *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), LAB_TYPE_RUN_ROW);
  g_clear_object (&self->run);

  G_OBJECT_CLASS (lab_run_row_parent_class)->dispose (object);
}

static void
lab_run_row_class_init (LabRunRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_run_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-run-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, shown_check);
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, swatch);
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, best_label);
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, epochs_label);
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, disk_label);
  gtk_widget_class_bind_template_child (widget_class, LabRunRow, status_label);
  gtk_widget_class_install_action (widget_class, "row.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "row.resume", NULL, forward_action);
  gtk_widget_class_install_action (widget_class, "row.fork", NULL, forward_action);
  gtk_widget_class_install_action (widget_class, "row.prune", NULL, forward_action);
}

static void
lab_run_row_init (LabRunRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->disk_epochs = G_MAXUINT;
}

GtkWidget *
lab_run_row_new (LabRun *run)
{
  LabRunRow *self;

  g_return_val_if_fail (LAB_IS_RUN (run), NULL);

  self = g_object_new (LAB_TYPE_RUN_ROW, NULL);
  self->run = g_object_ref (run);
  g_object_bind_property (run, "shown", self->shown_check, "active",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_object_bind_property (run, "name", self->name_label, "text",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  lab_run_show_swatch (run, self->swatch);
  g_signal_connect_object (run, "updated", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "notify::label", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

LabRun *
lab_run_row_get_run (LabRunRow *self)
{
  g_return_val_if_fail (LAB_IS_RUN_ROW (self), NULL);

  return self->run;
}
