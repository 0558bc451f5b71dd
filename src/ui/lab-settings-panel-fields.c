/* LabSettingsPanel's settings, widgets <-> TrainConfig, driven by the table of fields
 * (train_fields.c): each setting's widget is found by the setting's key (panel_fields[]),
 * and read or written by the widget's type: a GtkSpinButton as a number (its range is
 * the field's), a GtkSwitch or AdwExpanderRow as a bool, an AdwComboRow as a position in
 * the field's words. The few settings that are not one plain widget (the network, the
 * log-scale learning rate, augmentation, the folder) have their own read and write. */
#include "config.h"

#include <math.h>

#include "lab-settings-panel-private.h"
#include "nn_spec.h"
#include "train_fields.h"

/* The presets in the order of the Network row; the last row is "Custom". */
static const char *const preset_names[] = { "paper", "small", "tiny" };
#define N_PRESETS G_N_ELEMENTS (preset_names)

/* The spin's value is log10(lr) so its arrows step by ratios, as learning rates vary. */
static double
learning_rate_from_log (double log_lr)
{
  double lr = pow (10, log_lr);
  double scale = pow (10, floor (log10 (lr)) - 2);

  /* Three significant digits: 10^-3.5229 is 3e-4, not 2.9999e-4. */
  return round (lr / scale) * scale;
}

static gboolean
on_lr_output (GtkSpinButton *spin,
              gpointer       user_data)
{
  g_autofree char *text = train_format_lr (learning_rate_from_log (gtk_spin_button_get_value (spin)));

  g_assert (GTK_IS_SPIN_BUTTON (spin));

  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
on_lr_input (GtkSpinButton *spin,
             double        *new_value,
             gpointer       user_data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;
  double lr;

  g_assert (GTK_IS_SPIN_BUTTON (spin));

  lr = g_ascii_strtod (text, &end);
  if (end == text || !(lr > 0) || !isfinite (lr))
    return GTK_INPUT_ERROR;
  *new_value = log10 (lr);
  return TRUE;
}

static const char *
current_model (LabSettingsPanel *self)
{
  guint preset = adw_combo_row_get_selected (self->preset_row);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (preset < N_PRESETS)
    return preset_names[preset];
  return gtk_editable_get_text (GTK_EDITABLE (self->spec_row));
}

static void
on_preset_changed (LabSettingsPanel *self)
{
  guint preset = adw_combo_row_get_selected (self->preset_row);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (preset < N_PRESETS)
    {
      self->updating_spec = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->spec_row), nn_preset_spec (preset_names[preset]));
      self->updating_spec = FALSE;
    }
  lab_settings_panel_changed (self);
}

/* A preset name selects its row (which writes its layers); anything else is a custom spec. */
static void
set_model (LabSettingsPanel *self,
           const char       *model)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  for (guint i = 0; i < N_PRESETS; i++)
    if (g_strcmp0 (model, preset_names[i]) == 0)
      {
        adw_combo_row_set_selected (self->preset_row, i);
        on_preset_changed (self);
        return;
      }
  if (model != NULL && model[0] != '\0')
    {
      adw_combo_row_set_selected (self->preset_row, N_PRESETS);
      gtk_editable_set_text (GTK_EDITABLE (self->spec_row), model);
    }
}

static void
on_spec_changed (LabSettingsPanel *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->spec_row));
  guint preset = adw_combo_row_get_selected (self->preset_row);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  /* Typing into a preset's layers makes it a custom network. */
  if (!self->updating_spec && preset < N_PRESETS &&
      g_strcmp0 (text, nn_preset_spec (preset_names[preset])) != 0)
    {
      self->updating_spec = TRUE;
      adw_combo_row_set_selected (self->preset_row, N_PRESETS);
      self->updating_spec = FALSE;
    }
  lab_settings_panel_changed (self);
}

typedef void (*ReadFunc)  (LabSettingsPanel *self, const TrainField *field, GtkWidget *widget,
                           TrainConfig *config);
typedef void (*WriteFunc) (LabSettingsPanel *self, const TrainField *field, GtkWidget *widget,
                           const TrainConfig *config);

/* A setting shown by the panel: its key, the template id of its widget, and for the few
 * that are not one widget of a plain type, how they are read and written. A field that
 * is not listed has no widget: get_config hands back what set_config was given. */
typedef struct
{
  const char *key;
  const char *widget;
  ReadFunc    read;
  WriteFunc   write;
} PanelField;

static void read_lr        (LabSettingsPanel *, const TrainField *, GtkWidget *, TrainConfig *);
static void write_lr       (LabSettingsPanel *, const TrainField *, GtkWidget *, const TrainConfig *);
static void read_model     (LabSettingsPanel *, const TrainField *, GtkWidget *, TrainConfig *);
static void write_model    (LabSettingsPanel *, const TrainField *, GtkWidget *, const TrainConfig *);
static void read_augment   (LabSettingsPanel *, const TrainField *, GtkWidget *, TrainConfig *);
static void write_augment  (LabSettingsPanel *, const TrainField *, GtkWidget *, const TrainConfig *);
static void read_folder    (LabSettingsPanel *, const TrainField *, GtkWidget *, TrainConfig *);
static void write_data     (LabSettingsPanel *, const TrainField *, GtkWidget *, const TrainConfig *);
static void write_nothing  (LabSettingsPanel *, const TrainField *, GtkWidget *, const TrainConfig *);

/* In the order set_config writes them. */
static const PanelField panel_fields[] = {
  { "images-per-class",    "per_class_spin" },
  { "difficulty",          "difficulty_spin" },
  { "label-noise",         "label_noise_spin" },
  { "multiclass",          "multiclass_switch" },
  { "resize",              "resize_row" },
  { "size",                "size_spin" },
  { "model",               NULL,              read_model, write_model },
  { "lr",                  "lr_spin",         read_lr, write_lr },
  { "schedule",            "schedule_row" },
  { "step-every",          "step_every_spin" },
  { "step-factor",         "step_factor_spin" },
  { "plateau-factor",      "plateau_factor_spin" },
  { "plateau-patience",    "plateau_patience_spin" },
  { "plateau-min-delta",   "plateau_min_delta_spin" },
  { "plateau-cooldown",    "plateau_cooldown_spin" },
  { "min-lr",              "min_lr_spin" },
  { "cosine-floor",        "cosine_floor_spin" },
  { "onecycle-warmup",     "onecycle_warmup_spin" },
  { "onecycle-div",        "onecycle_div_spin" },
  { "onecycle-final-div",  "onecycle_final_div_spin" },
  { "cyclic-div",          "cyclic_div_spin" },
  { "cyclic-half-epochs",  "cyclic_half_spin" },
  { "batch-size",          "batch_spin" },
  { "epochs",              "epochs_spin" },
  { "optimizer",           "optimizer_row" },
  { "momentum",            "momentum_spin" },
  { "seed",                "seed_spin" },
  { "dropout",             "dropout_row" },
  { "dropout-rate",        "dropout_spin" },
  { "weight-decay-on",     "decay_row" },
  { "weight-decay",        "decay_spin" },
  { "decoupled",           "decoupled_switch" },
  { "early-stop-patience", "patience_spin" },
  { "keep-last",           "keep_last_spin" },
  { "keep-every",          "keep_every_spin" },
  { "kinds",               NULL,              read_augment, write_augment },
  { "strengths",           NULL,              read_augment, write_nothing },
  /* Last: a folder is loaded at the size and resize mode written above. */
  { "folder",              NULL,              read_folder, write_nothing },
  { "kind",                "data_kind_row",   NULL, write_data },
};

/* By row of train_fields(): the panel's entry for it, or NULL. */
static const PanelField **panel_field_of_row;

static void
read_widget (const TrainField *field,
             GtkWidget        *widget,
             TrainConfig      *config)
{
  if (GTK_IS_SPIN_BUTTON (widget))
    train_field_set_number (field, config, gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)));
  else if (GTK_IS_SWITCH (widget))
    train_field_set_number (field, config, gtk_switch_get_active (GTK_SWITCH (widget)));
  else if (ADW_IS_EXPANDER_ROW (widget))
    train_field_set_number (field, config, adw_expander_row_get_enable_expansion (ADW_EXPANDER_ROW (widget)));
  else if (ADW_IS_COMBO_ROW (widget))
    {
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (widget));
      if (selected < (guint) train_field_n_choices (field))
        train_field_set_choice (field, config, selected);
    }
  else
    g_critical ("%s: no way to read a %s", field->key, G_OBJECT_TYPE_NAME (widget));
}

static void
write_widget (const TrainField  *field,
              GtkWidget         *widget,
              const TrainConfig *config)
{
  if (GTK_IS_SPIN_BUTTON (widget))
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), train_field_get_number (field, config));
  else if (GTK_IS_SWITCH (widget))
    gtk_switch_set_active (GTK_SWITCH (widget), train_field_get_number (field, config) != 0);
  else if (ADW_IS_EXPANDER_ROW (widget))
    adw_expander_row_set_enable_expansion (ADW_EXPANDER_ROW (widget), train_field_get_number (field, config) != 0);
  else if (ADW_IS_COMBO_ROW (widget))
    adw_combo_row_set_selected (ADW_COMBO_ROW (widget), MAX (train_field_get_choice (field, config), 0));
  else
    g_critical ("%s: no way to write a %s", field->key, G_OBJECT_TYPE_NAME (widget));
}

/* The signal each kind of widget changes by: any edit is news. */
static void
connect_widget (LabSettingsPanel *self,
                GtkWidget        *widget)
{
  const char *signal = GTK_IS_SPIN_BUTTON (widget) ? "value-changed"
                       : GTK_IS_SWITCH (widget) ? "notify::active"
                       : ADW_IS_EXPANDER_ROW (widget) ? "notify::enable-expansion"
                       : "notify::selected";

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  g_signal_connect_object (widget, signal, G_CALLBACK (lab_settings_panel_changed), self, G_CONNECT_SWAPPED);
}

/* A spin button's range is its field's: open ends step in by the last digit shown, so
 * momentum stops at 0.999 and a dropout rate at 0.99. */
static void
set_spin_range (GtkSpinButton    *spin,
                const TrainField *field)
{
  double step = pow (10, -(double) gtk_spin_button_get_digits (spin));
  double lower = field->min + (field->ends & TRAIN_FIELD_MIN_OPEN ? step : 0);
  double upper = isinf (field->max) ? G_MAXDOUBLE : field->max - (field->ends & TRAIN_FIELD_MAX_OPEN ? step : 0);

  gtk_spin_button_set_range (spin, lower, upper);
}

GtkWidget *
lab_settings_panel_field_widget (LabSettingsPanel *self,
                                 const char       *key)
{
  const TrainField *fields = train_fields (NULL);
  const TrainField *field = train_field_find (key);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  return field ? self->field_widgets[field - fields] : NULL;
}

TrainDataKind
lab_settings_panel_get_data_kind (LabSettingsPanel *self)
{
  const TrainField *field = train_field_find ("kind");
  TrainConfig config = { 0 };

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  read_widget (field, lab_settings_panel_field_widget (self, "kind"), &config);
  return config.data_kind;
}

void
lab_settings_panel_set_data_kind (LabSettingsPanel *self,
                                  TrainDataKind     kind)
{
  const TrainField *field = train_field_find ("kind");
  TrainConfig config = { .data_kind = kind };

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  write_widget (field, lab_settings_panel_field_widget (self, "kind"), &config);
}

/* The spin's value is log10(lr) so its arrows step by ratios, as learning rates vary. */
static void
read_lr (LabSettingsPanel *self,
         const TrainField *field,
         GtkWidget        *widget,
         TrainConfig      *config)
{
  config->lr = learning_rate_from_log (gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)));
}

static void
write_lr (LabSettingsPanel  *self,
          const TrainField  *field,
          GtkWidget         *widget,
          const TrainConfig *config)
{
  if (config->lr > 0)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), log10 (config->lr));
}

/* The network is two widgets: a preset, or "Custom" and its layers. */
static void
read_model (LabSettingsPanel *self,
            const TrainField *field,
            GtkWidget        *widget,
            TrainConfig      *config)
{
  g_free (config->model);
  config->model = g_strdup (current_model (self));
}

static void
write_model (LabSettingsPanel  *self,
             const TrainField  *field,
             GtkWidget         *widget,
             const TrainConfig *config)
{
  set_model (self, config->model);
}

/* A switch and a strength scale per augmentation, built in code (build_augment_rows). */
static void
read_augment (LabSettingsPanel *self,
              const TrainField *field,
              GtkWidget        *widget,
              TrainConfig      *config)
{
  config->augment.flags = 0;
  for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
    {
      if (gtk_switch_get_active (self->augment_switch[i]))
        config->augment.flags |= 1u << i;
      config->augment.strength[i] = gtk_range_get_value (GTK_RANGE (self->augment_scale[i]));
    }
}

static void
write_augment (LabSettingsPanel  *self,
               const TrainField  *field,
               GtkWidget         *widget,
               const TrainConfig *config)
{
  for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
    {
      gtk_switch_set_active (self->augment_switch[i], (config->augment.flags & (1u << i)) != 0);
      gtk_range_set_value (GTK_RANGE (self->augment_scale[i]), config->augment.strength[i]);
    }
}

static void
read_folder (LabSettingsPanel *self,
             const TrainField *field,
             GtkWidget        *widget,
             TrainConfig      *config)
{
  g_free (config->folder);
  config->folder = config->data_kind == TRAIN_DATA_FOLDER ? g_strdup (self->folder_path) : NULL;
}

/* A folder counts once loaded: one the panel has not loaded (or loaded at another size
 * or mode) is loaded now; a folder run without a folder is a synthetic one. */
static void
write_data (LabSettingsPanel  *self,
            const TrainField  *field,
            GtkWidget         *widget,
            const TrainConfig *config)
{
  if (config->data_kind == TRAIN_DATA_FOLDER && config->folder != NULL)
    {
      if (g_strcmp0 (config->folder, self->folder_path) != 0 || self->folder_set == NULL ||
          self->folder_size != config->size || self->folder_resize != config->resize)
        lab_settings_panel_load_folder (self, config->folder);
      lab_settings_panel_set_data_kind (self, TRAIN_DATA_FOLDER);
    }
  else
    lab_settings_panel_set_data_kind (self, TRAIN_DATA_SYNTHETIC);
}

static void
write_nothing (LabSettingsPanel  *self,
               const TrainField  *field,
               GtkWidget         *widget,
               const TrainConfig *config)
{
}

/* --- Config in and out --------------------------------------------------------------- */

void
lab_settings_panel_get_config (LabSettingsPanel *self,
                               TrainConfig      *config)
{
  guint n;
  const TrainField *fields = train_fields (&n);

  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));
  g_return_if_fail (config != NULL);

  /* In table order: the folder is read after the kind it depends on. */
  for (guint i = 0; i < n; i++)
    {
      const PanelField *shown = panel_field_of_row[i];

      if (shown == NULL)
        train_field_copy (&fields[i], config, &self->config);
      else if (shown->read)
        shown->read (self, &fields[i], self->field_widgets[i], config);
      else
        read_widget (&fields[i], self->field_widgets[i], config);
    }
  config->synthetic.size = config->size;
}

void
lab_settings_panel_set_config (LabSettingsPanel  *self,
                               const TrainConfig *config)
{
  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));
  g_return_if_fail (config != NULL);

  if (config != &self->config)
    {
      train_config_clear (&self->config);
      train_config_copy (&self->config, config);
    }
  /* One reaction at the end, not one per widget (each would redo the estimate, and a
   * folder would start loading at a size about to change). */
  self->applying = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (panel_fields); i++)
    {
      const PanelField *shown = &panel_fields[i];
      const TrainField *field = train_field_find (shown->key);
      GtkWidget *widget = lab_settings_panel_field_widget (self, shown->key);

      if (shown->write)
        shown->write (self, field, widget, config);
      else
        write_widget (field, widget, config);
    }
  self->applying = FALSE;
  lab_settings_panel_changed (self);
}

void
lab_settings_panel_class_init_fields (GtkWidgetClass *widget_class)
{
  guint n;
  const TrainField *fields = train_fields (&n);

  /* The settings' widgets, found by id (no struct member: the table is the list). */
  panel_field_of_row = g_new0 (const PanelField *, n);
  for (guint i = 0; i < G_N_ELEMENTS (panel_fields); i++)
    {
      const TrainField *field = train_field_find (panel_fields[i].key);

      g_assert (field != NULL);
      panel_field_of_row[field - fields] = &panel_fields[i];
      if (panel_fields[i].widget)
        gtk_widget_class_bind_template_child_full (widget_class, panel_fields[i].widget, FALSE, 0);
    }
}

void
lab_settings_panel_init_fields (LabSettingsPanel *self)
{
  guint n;
  const TrainField *fields = train_fields (&n);

  self->field_widgets = g_new0 (GtkWidget *, n);
  for (guint i = 0; i < G_N_ELEMENTS (panel_fields); i++)
    {
      const TrainField *field = train_field_find (panel_fields[i].key);
      GtkWidget *widget;

      if (panel_fields[i].widget == NULL)
        continue;
      widget = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), LAB_TYPE_SETTINGS_PANEL,
                                                          panel_fields[i].widget));
      self->field_widgets[field - fields] = widget;
      if (GTK_IS_SPIN_BUTTON (widget) && panel_fields[i].read == NULL)
        set_spin_range (GTK_SPIN_BUTTON (widget), field);
      /* A combo's items are the field's words, in order. */
      if (ADW_IS_COMBO_ROW (widget))
        g_warn_if_fail (g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (widget)))
                        == (guint) train_field_n_choices (field));
      connect_widget (self, widget);
    }

  {
    GtkSpinButton *lr_spin = GTK_SPIN_BUTTON (lab_settings_panel_field_widget (self, "lr"));

    /* 1e-7, the panel's smallest button, up to the field's largest rate. */
    gtk_spin_button_set_range (lr_spin, -7, log10 (train_field_find ("lr")->max));
    g_signal_connect (lr_spin, "output", G_CALLBACK (on_lr_output), NULL);
    g_signal_connect (lr_spin, "input", G_CALLBACK (on_lr_input), NULL);
  }
  g_signal_connect_object (self->preset_row, "notify::selected", G_CALLBACK (on_preset_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->spec_row, "changed", G_CALLBACK (on_spec_changed), self, G_CONNECT_SWAPPED);
}
