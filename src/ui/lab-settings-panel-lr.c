/* LabSettingsPanel's learning-rate instruments: the schedule's settings (only the chosen
 * kind's show), a preview of its curve and its problem in words; the rates a sweep tries
 * and how many seeds each run is repeated with. The schedule's settings are rows of the
 * table of fields like any other (panel_fields[]); this file only says which show when. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-schedule-preview.h"
#include "lab-settings-panel-private.h"
#include "train_sweep.h"

/* The settings each kind uses (train_schedule.h); the others hide. */
static const struct
{
  const char        *key;
  TrainScheduleKind  kind;
} schedule_settings[] = {
  { "step-every",         TRAIN_SCHEDULE_STEP },
  { "step-factor",        TRAIN_SCHEDULE_STEP },
  { "plateau-factor",     TRAIN_SCHEDULE_PLATEAU },
  { "plateau-patience",   TRAIN_SCHEDULE_PLATEAU },
  { "plateau-min-delta",  TRAIN_SCHEDULE_PLATEAU },
  { "plateau-cooldown",   TRAIN_SCHEDULE_PLATEAU },
  { "min-lr",             TRAIN_SCHEDULE_PLATEAU },
  { "cosine-floor",       TRAIN_SCHEDULE_COSINE },
  { "onecycle-warmup",    TRAIN_SCHEDULE_ONE_CYCLE },
  { "onecycle-div",       TRAIN_SCHEDULE_ONE_CYCLE },
  { "onecycle-final-div", TRAIN_SCHEDULE_ONE_CYCLE },
  { "cyclic-div",         TRAIN_SCHEDULE_CYCLIC },
  { "cyclic-half-epochs", TRAIN_SCHEDULE_CYCLIC },
};

#define MAX_SEEDS 20

static GtkWidget *
template_child (LabSettingsPanel *self,
                const char       *id)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), LAB_TYPE_SETTINGS_PANEL, id));
}

/* Batches per epoch of a run of config, for the preview: from the images the dataset
 * will have (a folder's once loaded), the split and the batch size. */
static int
batches_per_epoch (LabSettingsPanel  *self,
                   const TrainConfig *config)
{
  int images;

  if (config->data_kind == TRAIN_DATA_FOLDER)
    images = self->folder_set ? self->folder_set->count : 0;
  else
    images = config->synthetic.images_per_class * (config->synthetic.multiclass ? 1 + DATA_N_DEFECTS : 2);
  if (images <= 0)
    return 10;   /* unknown yet: the shape is what matters */
  return MAX (1, (int) ceil (images * (1 - config->val_split) / MAX (config->batch_size, 1)));
}

char *
lab_settings_panel_check_schedule (const TrainConfig *config)
{
  g_autoptr(GError) error = NULL;

  if (train_schedule_validate (&config->schedule, config->lr, &error))
    return NULL;
  /* "cosine schedule: the floor must be ...": the setting's own words, made a sentence. */
  return g_strdup_printf (_("The learning-rate schedule cannot run: %s."), error->message);
}

void
lab_settings_panel_update_lr (LabSettingsPanel  *self,
                              const TrainConfig *config)
{
  GtkWidget *problem_label = template_child (self, "schedule_problem");
  g_autofree char *problem = lab_settings_panel_check_schedule (config);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  for (guint i = 0; i < G_N_ELEMENTS (schedule_settings); i++)
    {
      GtkWidget *widget = lab_settings_panel_field_widget (self, schedule_settings[i].key);
      GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_ACTION_ROW);

      gtk_widget_set_visible (row, config->schedule.kind == schedule_settings[i].kind);
    }
  lab_schedule_preview_set (LAB_SCHEDULE_PREVIEW (template_child (self, "schedule_preview")),
                            &config->schedule, config->lr, config->epochs,
                            batches_per_epoch (self, config));
  gtk_label_set_text (GTK_LABEL (problem_label), problem ? problem : "");
  gtk_widget_set_visible (problem_label, problem != NULL);
}

int
lab_settings_panel_get_n_seeds (LabSettingsPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETTINGS_PANEL (self), 1);

  return gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (template_child (self, "seeds_spin")));
}

void
lab_settings_panel_set_n_seeds (LabSettingsPanel *self,
                                int               n_seeds)
{
  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (template_child (self, "seeds_spin")), n_seeds);
}

GArray *
lab_settings_panel_dup_sweep_rates (LabSettingsPanel  *self,
                                    GError           **error)
{
  const char *text;
  g_autoptr(GArray) rates = NULL;
  g_autoptr(GError) bad = NULL;

  g_return_val_if_fail (LAB_IS_SETTINGS_PANEL (self), NULL);

  text = gtk_editable_get_text (GTK_EDITABLE (template_child (self, "sweep_rates_row")));
  rates = train_sweep_parse_rates (text, &bad);
  if (rates == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The rates to sweep cannot be read: %s."), bad->message);
      return NULL;
    }
  if (rates->len < 2)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A sweep compares learning rates: list at least two, such as "
                             "“1e-2, 1e-3, 1e-4”. For one rate, press Start."));
      return NULL;
    }
  return g_steal_pointer (&rates);
}

void
lab_settings_panel_set_sweep_rates (LabSettingsPanel *self,
                                    const char       *text)
{
  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));

  gtk_editable_set_text (GTK_EDITABLE (template_child (self, "sweep_rates_row")), text);
}

void
lab_settings_panel_reveal_schedule (LabSettingsPanel *self)
{
  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));

  lab_settings_panel_reveal (self, template_child (self, "schedule_group"));
}

void
lab_settings_panel_class_init_lr (GtkWidgetClass *widget_class)
{
  static const char *const ids[] = { "schedule_preview", "schedule_problem", "seeds_spin", "sweep_rates_row",
                                     "schedule_group" };

  g_type_ensure (LAB_TYPE_SCHEDULE_PREVIEW);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    gtk_widget_class_bind_template_child_full (widget_class, ids[i], FALSE, 0);
}

void
lab_settings_panel_init_lr (LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  gtk_spin_button_set_range (GTK_SPIN_BUTTON (template_child (self, "seeds_spin")), 1, MAX_SEEDS);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (template_child (self, "seeds_spin")), 1);
}
