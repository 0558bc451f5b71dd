/* LabForkDialog: widgets <-> the few settings a fork may change, through the table of
 * fields (train_fields.h) for every plain value, and whether the chosen epoch's checkpoint
 * is still kept (the "Continue" response is off, and says why, when the ring pruned it). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-fork-dialog.h"
#include "train_fields.h"
#include "train_schedule.h"

struct _LabForkDialog
{
  AdwMessageDialog  parent_instance;

  TrainConfig       config;
  GArray           *fork_points;    /* int: epochs with a kept checkpoint */
  GArray           *rates;          /* double: the rate row's choices, in order */

  AdwActionRow     *epoch_row;
  GtkSpinButton    *epoch_spin;
  AdwComboRow      *lr_row;
  AdwComboRow      *schedule_row;
  GtkSwitch        *dropout_switch;
  AdwExpanderRow   *decay_row;
  GtkSpinButton    *decay_spin;
  AdwExpanderRow   *augment_row;
  GtkFlowBox       *augment_box;
  GtkSpinButton    *epochs_spin;
  AdwActionRow     *keep_row;
  GtkSwitch        *keep_switch;
  GtkToggleButton  *augment_toggles[DATA_AUGMENT_N_KINDS];
};

G_DEFINE_FINAL_TYPE (LabForkDialog, lab_fork_dialog, ADW_TYPE_MESSAGE_DIALOG)

/* The rates people try, in decades and half-decades, with the parent's own among them. */
static const double common_rates[] = { 1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 1e-7 };

static gboolean
is_kept (LabForkDialog *self,
         int            epoch)
{
  for (guint i = 0; i < self->fork_points->len; i++)
    if (g_array_index (self->fork_points, int, i) == epoch)
      return TRUE;
  return FALSE;
}

static void
on_epoch_changed (LabForkDialog *self)
{
  int epoch = gtk_spin_button_get_value_as_int (self->epoch_spin);
  gboolean kept = is_kept (self, epoch);
  g_autofree char *subtitle = NULL;

  g_assert (LAB_IS_FORK_DIALOG (self));

  if (kept)
    subtitle = g_strdup (_("Its checkpoint is kept: the fork starts from those weights"));
  else
    {
      int below = 0, above = 0;
      for (guint i = 0; i < self->fork_points->len; i++)
        {
          int e = g_array_index (self->fork_points, int, i);
          if (e < epoch)
            below = e;
          else if (e > epoch && above == 0)
            above = e;
        }
      if (below && above)
        subtitle = g_strdup_printf (_("Its checkpoint was pruned; the nearest kept are after epochs %d and %d"), below, above);
      else
        subtitle = g_strdup_printf (_("Its checkpoint was pruned; the nearest kept is after epoch %d"), below ? below : above);
    }
  adw_action_row_set_subtitle (self->epoch_row, subtitle);
  if (kept)
    gtk_widget_remove_css_class (GTK_WIDGET (self->epoch_row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->epoch_row), "error");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "fork", kept);
  /* A fork trains at least one epoch of its own. */
  gtk_spin_button_set_range (self->epochs_spin, epoch + 1, train_field_find ("epochs")->max);
}

static void
fill_rates (LabForkDialog *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  gboolean placed = FALSE;
  guint selected = 0;

  for (guint i = 0; i <= G_N_ELEMENTS (common_rates); i++)
    {
      double rate = i < G_N_ELEMENTS (common_rates) ? common_rates[i] : 0;

      /* The parent's rate in its place among the others (once). */
      if (!placed && self->config.lr >= rate * (1 - 1e-9))
        {
          placed = TRUE;
          if (i == G_N_ELEMENTS (common_rates) || fabs (self->config.lr - rate) > 1e-9 * rate)
            {
              g_autofree char *text = train_format_lr (self->config.lr);
              selected = self->rates->len;
              g_array_append_val (self->rates, self->config.lr);
              gtk_string_list_append (names, text);
            }
          else
            selected = self->rates->len;
        }
      if (i < G_N_ELEMENTS (common_rates))
        {
          g_autofree char *text = train_format_lr (rate);
          g_array_append_val (self->rates, rate);
          gtk_string_list_append (names, text);
        }
    }
  adw_combo_row_set_model (self->lr_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->lr_row, selected);
}

static void
fill_schedules (LabForkDialog *self)
{
  const TrainField *field = train_field_find ("schedule");
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  for (int i = 0; i < train_field_n_choices (field); i++)
    gtk_string_list_append (names, field->choices[i].word);
  adw_combo_row_set_model (self->schedule_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->schedule_row, train_field_get_choice (field, &self->config));
}

static void
fill_augmentations (LabForkDialog *self)
{
  guint on = 0;

  for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
    {
      GtkWidget *toggle = gtk_toggle_button_new_with_label (data_augment_kind_name (i));

      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), (self->config.augment.flags & (1u << i)) != 0);
      on += (self->config.augment.flags & (1u << i)) != 0;
      gtk_flow_box_append (self->augment_box, toggle);
      self->augment_toggles[i] = GTK_TOGGLE_BUTTON (toggle);
    }
  adw_expander_row_set_subtitle (self->augment_row,
                                 on ? _("Changed copies of the training images") : _("None now"));
}

LabForkDialog *
lab_fork_dialog_new (GtkWindow         *parent,
                     const char        *run_name,
                     const TrainConfig *config,
                     int                n_epochs,
                     GArray            *fork_points,
                     int                epoch,
                     gboolean           live)
{
  LabForkDialog *self;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (config != NULL && fork_points != NULL, NULL);
  g_return_val_if_fail (n_epochs >= 1, NULL);

  self = g_object_new (LAB_TYPE_FORK_DIALOG, "transient-for", parent, NULL);
  train_config_copy (&self->config, config);
  g_array_append_vals (self->fork_points, fork_points->data, fork_points->len);

  if (live)
    {
      heading = g_strdup (_("Change the Rate Now"));
      body = g_strdup_printf (_("%s branches after its last finished epoch (%d): the new settings go on in a new run, so each run keeps one rate and its own record."),
                              run_name, epoch);
    }
  else
    {
      heading = g_strdup_printf (_("Continue %s from Here"), run_name);
      body = g_strdup_printf (_("A new run starts from the weights and optimizer state of %s after the epoch below, on the same images and split. %s stays as it is."),
                              run_name, run_name);
    }
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);

  gtk_spin_button_set_range (self->epoch_spin, 1, n_epochs);
  gtk_spin_button_set_value (self->epoch_spin, CLAMP (epoch, 1, n_epochs));
  gtk_widget_set_sensitive (GTK_WIDGET (self->epoch_spin), !live);
  fill_rates (self);
  fill_schedules (self);
  gtk_switch_set_active (self->dropout_switch, config->dropout);
  adw_expander_row_set_enable_expansion (self->decay_row, config->weight_decay_on);
  gtk_spin_button_set_value (self->decay_spin, config->weight_decay);
  fill_augmentations (self);
  gtk_spin_button_set_value (self->epochs_spin, MAX (config->epochs, epoch + 1));
  gtk_widget_set_visible (GTK_WIDGET (self->keep_row), live);
  on_epoch_changed (self);
  return self;
}

void
lab_fork_dialog_get_config (LabForkDialog *self,
                            TrainConfig   *config)
{
  guint lr = adw_combo_row_get_selected (self->lr_row);

  g_return_if_fail (LAB_IS_FORK_DIALOG (self));
  g_return_if_fail (config != NULL);

  train_config_clear (config);
  train_config_copy (config, &self->config);
  if (lr < self->rates->len)
    train_field_set_number (train_field_find ("lr"), config, g_array_index (self->rates, double, lr));
  train_field_set_choice (train_field_find ("schedule"), config, (int) adw_combo_row_get_selected (self->schedule_row));
  train_field_set_number (train_field_find ("dropout"), config, gtk_switch_get_active (self->dropout_switch));
  train_field_set_number (train_field_find ("weight-decay-on"), config,
                          adw_expander_row_get_enable_expansion (self->decay_row));
  train_field_set_number (train_field_find ("weight-decay"), config, gtk_spin_button_get_value (self->decay_spin));
  train_field_set_number (train_field_find ("epochs"), config, gtk_spin_button_get_value (self->epochs_spin));
  config->augment.flags = 0;
  for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
    if (gtk_toggle_button_get_active (self->augment_toggles[i]))
      config->augment.flags |= 1u << i;
}

int
lab_fork_dialog_get_epoch (LabForkDialog *self)
{
  g_return_val_if_fail (LAB_IS_FORK_DIALOG (self), 0);

  return gtk_spin_button_get_value_as_int (self->epoch_spin);
}

gboolean
lab_fork_dialog_get_keep_parent (LabForkDialog *self)
{
  g_return_val_if_fail (LAB_IS_FORK_DIALOG (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->keep_row)) && gtk_switch_get_active (self->keep_switch);
}

static void
lab_fork_dialog_finalize (GObject *object)
{
  LabForkDialog *self = (LabForkDialog *) object;

  train_config_clear (&self->config);
  g_clear_pointer (&self->fork_points, g_array_unref);
  g_clear_pointer (&self->rates, g_array_unref);

  G_OBJECT_CLASS (lab_fork_dialog_parent_class)->finalize (object);
}

static void
lab_fork_dialog_class_init (LabForkDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lab_fork_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-fork-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LabForkDialog, name)
  BIND (epoch_row);
  BIND (epoch_spin);
  BIND (lr_row);
  BIND (schedule_row);
  BIND (dropout_switch);
  BIND (decay_row);
  BIND (decay_spin);
  BIND (augment_row);
  BIND (augment_box);
  BIND (epochs_spin);
  BIND (keep_row);
  BIND (keep_switch);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_epoch_changed);
}

static void
lab_fork_dialog_init (LabForkDialog *self)
{
  train_config_init (&self->config);
  self->fork_points = g_array_new (FALSE, FALSE, sizeof (int));
  self->rates = g_array_new (FALSE, FALSE, sizeof (double));
  gtk_widget_init_template (GTK_WIDGET (self));
}
