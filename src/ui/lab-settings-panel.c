/* LabSettingsPanel: the sidebar's settings turned into the TrainConfig a new run
 * receives, and back. The table of fields (train_fields.c) drives it: each setting's
 * widget is found by the setting's key (panel_fields[] below) and read or written by the
 * widget's type, a GtkSpinButton as a number, a GtkSwitch or AdwExpanderRow as a bool, an
 * AdwComboRow as a position in the field's words; the spin buttons take their ranges from
 * the table. Also the live parameter count and memory estimate of the typed network, and
 * the app's last setup kept in GSettings as config.ini text. Folder loading is
 * lab-settings-panel-folder.c. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-settings-panel-private.h"
#include "nn_model.h"
#include "nn_spec.h"
#include "train_fields.h"

enum {
  PROP_0,
  PROP_VALID,
  PROP_PROBLEM,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LabSettingsPanel, lab_settings_panel, GTK_TYPE_WIDGET)

/* The presets in the order of the Network row; the last row is "Custom". */
static const char *const preset_names[] = { "paper", "small", "tiny" };
#define N_PRESETS G_N_ELEMENTS (preset_names)

static const char *const augment_titles[DATA_AUGMENT_N_KINDS] = {
  N_("Horizontal flip"),
  N_("Vertical flip"),
  N_("Quarter turns"),
  N_("Small rotation"),
  N_("Shift"),
  N_("Brightness and contrast"),
  N_("Noise"),
};

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
set_problem (LabSettingsPanel *self,
             const char       *problem)
{
  gboolean was_valid;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (g_strcmp0 (problem, self->problem) == 0)
    return;
  was_valid = self->problem == NULL;
  g_free (self->problem);
  self->problem = g_strdup (problem);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
  if (was_valid != (problem == NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
}

/* Parses the spec and estimates what it costs, so a typo or an impossible config shows
 * while typing, in the engine's own words, instead of after Start. */
static void
update_estimate (LabSettingsPanel  *self,
                 const TrainConfig *config)
{
  nn_spec spec;
  nn_error err;
  nn_memory_estimate estimate;
  g_autofree char *problem = NULL;
  double budget;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  nn_error_clear (&err);
  if (nn_spec_parse (&spec, config->model, &err) != NN_OK ||
      nn_model_estimate (&spec, config->size, config->size, 3, config->batch_size, config->optimizer,
                         &estimate, &err) != NN_OK)
    {
      problem = g_strdup (err.message[0] ? err.message : _("This network does not fit the images"));
      gtk_label_set_text (self->estimate_label, problem);
      gtk_widget_add_css_class (GTK_WIDGET (self->estimate_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->estimate_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->spec_row), "error");
    }
  else
    {
      g_autofree char *params = NULL;
      g_autofree char *bytes = g_format_size (estimate.total_bytes);
      g_autofree char *text = NULL;

      if (estimate.num_parameters >= 1000000)
        params = g_strdup_printf (_("%.2f million parameters"), estimate.num_parameters / 1e6);
      else
        params = g_strdup_printf (_("%'zu parameters"), estimate.num_parameters);
      budget = train_config_memory_limit (config);
      if (budget > 0 && estimate.total_bytes > budget)
        {
          g_autofree char *limit = g_format_size ((guint64) budget);
          problem = g_strdup_printf (_("Too big for this computer: training needs %s at batch size %d, "
                                       "but only %s can be used. Choose a smaller batch, image size "
                                       "or network."), bytes, config->batch_size, limit);
          text = g_strdup_printf ("%s. %s", params, problem);
        }
      else
        text = g_strdup_printf (_("%s, about %s of memory while training"), params, bytes);
      gtk_label_set_text (self->estimate_label, text);
      gtk_widget_remove_css_class (GTK_WIDGET (self->spec_row), "error");
      if (problem)
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->estimate_label), "error");
          gtk_widget_remove_css_class (GTK_WIDGET (self->estimate_label), "dim-label");
        }
      else
        {
          gtk_widget_remove_css_class (GTK_WIDGET (self->estimate_label), "error");
          gtk_widget_add_css_class (GTK_WIDGET (self->estimate_label), "dim-label");
        }
    }

  if (problem == NULL && config->data_kind == TRAIN_DATA_FOLDER)
    {
      if (self->load_cancellable != NULL)
        problem = g_strdup (_("The folder is still loading"));
      else if (self->folder_set == NULL)
        problem = g_strdup (_("Choose a folder of images first"));
    }
  set_problem (self, problem);
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

static void
build_augment_rows (LabSettingsPanel *self)
{
  DataAugmentConfig defaults = data_augment_config_default ();

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, 0.05);
      GtkWidget *toggle = gtk_switch_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(augment_titles[i]));
      gtk_widget_set_size_request (scale, 110, -1);
      gtk_widget_set_valign (scale, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (scale, _("Strength"));
      gtk_range_set_value (GTK_RANGE (scale), defaults.strength[i]);
      gtk_widget_set_sensitive (scale, FALSE);
      gtk_switch_set_active (GTK_SWITCH (toggle), (defaults.flags & (1u << i)) != 0);
      g_object_bind_property (toggle, "active", scale, "sensitive", G_BINDING_SYNC_CREATE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), scale);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      adw_preferences_group_add (self->augment_group, row);
      self->augment_switch[i] = GTK_SWITCH (toggle);
      self->augment_scale[i] = GTK_SCALE (scale);
      g_signal_connect_object (toggle, "notify::active", G_CALLBACK (lab_settings_panel_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (scale, "value-changed", G_CALLBACK (lab_settings_panel_changed), self, G_CONNECT_SWAPPED);
    }
}

/* --- The settings' widgets -------------------------------------------------------- */

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

static void
update_visibility (LabSettingsPanel  *self,
                   const TrainConfig *config)
{
  gboolean synthetic = config->data_kind == TRAIN_DATA_SYNTHETIC;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  gtk_widget_set_visible (GTK_WIDGET (self->per_class_row), synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->difficulty_row), synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->label_noise_row), synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->multiclass_row), synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_row), !synthetic);
  gtk_widget_set_visible (lab_settings_panel_field_widget (self, "resize"), !synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->load_row), !synthetic && self->load_cancellable != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->skipped_row),
                          !synthetic && self->skipped_rows->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->momentum_row), config->optimizer == NN_OPTIMIZER_SGD);
}

void
lab_settings_panel_changed (LabSettingsPanel *self)
{
  TrainConfig config;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (self->applying)
    return;
  lab_settings_panel_reload_if_stale (self);
  train_config_init (&config);
  lab_settings_panel_get_config (self, &config);
  update_visibility (self, &config);
  update_estimate (self, &config);
  train_config_clear (&config);
  g_signal_emit (self, signals[CHANGED], 0);
}

DataSet *
lab_settings_panel_dup_dataset (LabSettingsPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETTINGS_PANEL (self), NULL);

  if (lab_settings_panel_get_data_kind (self) != TRAIN_DATA_FOLDER || self->folder_set == NULL)
    return NULL;
  return data_set_ref (self->folder_set);
}

gboolean
lab_settings_panel_get_valid (LabSettingsPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETTINGS_PANEL (self), FALSE);

  return self->problem == NULL;
}

const char *
lab_settings_panel_get_problem (LabSettingsPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETTINGS_PANEL (self), NULL);

  return self->problem;
}

/* The panel reopens the way the user left it: its config, as config.ini text, in one
 * key. One key rather than a key per setting, so a new setting needs no schema change
 * and the app's memory of a setup is read and written exactly as a run folder's
 * config.ini is (same words, same checks). Augmentation is not kept: it should be
 * switched on knowingly, for a run; a folder only once it has loaded or is loading. */
#define SETUP_KEY "training-setup"

static void
save_setup (LabSettingsPanel *self,
            GSettings        *settings)
{
  TrainConfig config;
  g_autofree char *text = NULL;
  g_autofree char *saved = g_settings_get_string (settings, SETUP_KEY);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  train_config_init (&config);
  lab_settings_panel_get_config (self, &config);
  g_clear_pointer (&config.name, g_free);
  config.augment.flags = 0;
  if (config.data_kind == TRAIN_DATA_FOLDER && self->folder_set == NULL && self->load_cancellable == NULL)
    {
      config.data_kind = TRAIN_DATA_SYNTHETIC;
      g_clear_pointer (&config.folder, g_free);
    }
  text = train_config_to_data (&config);
  if (g_strcmp0 (text, saved) != 0)
    g_settings_set_string (settings, SETUP_KEY, text);
  train_config_clear (&config);
}

void
lab_settings_panel_bind_settings (LabSettingsPanel *self,
                                  GSettings        *settings)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  TrainConfig config;

  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  text = g_settings_get_string (settings, SETUP_KEY);
  train_config_init (&config);
  /* A setup this version cannot read (edited by hand, or from a later one): the defaults. */
  if (text[0] != '\0' && !train_config_load_data (&config, text, SETUP_KEY, &error))
    g_debug ("%s", error->message);
  config.augment.flags = 0;
  if (config.data_kind == TRAIN_DATA_FOLDER &&
      (config.folder == NULL || !g_file_test (config.folder, G_FILE_TEST_IS_DIR)))
    config.data_kind = TRAIN_DATA_SYNTHETIC;
  lab_settings_panel_set_config (self, &config);
  train_config_clear (&config);
  g_signal_connect_object (self, "changed", G_CALLBACK (save_setup), settings, 0);
}

static void
lr_action (GtkWidget  *widget,
           const char *action_name,
           GVariant   *param)
{
  LabSettingsPanel *self = LAB_SETTINGS_PANEL (widget);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (lab_settings_panel_field_widget (self, "lr")),
                             g_variant_get_double (param));
}

void
lab_settings_panel_reveal_augmentation (LabSettingsPanel *self)
{
  GtkWidget *scrolled;
  GtkAdjustment *adjustment;
  graphene_point_t top;

  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));

  scrolled = gtk_widget_get_ancestor (GTK_WIDGET (self->augment_group), GTK_TYPE_SCROLLED_WINDOW);
  if (scrolled == NULL ||
      !gtk_widget_compute_point (GTK_WIDGET (self->augment_group), scrolled,
                                 &GRAPHENE_POINT_INIT (0, 0), &top))
    return;
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  /* The group's title a little below the top edge, as if the user had scrolled there. */
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + top.y - 12);
}

static void
lab_settings_panel_dispose (GObject *object)
{
  LabSettingsPanel *self = (LabSettingsPanel *) object;

  lab_settings_panel_stop_loading (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), LAB_TYPE_SETTINGS_PANEL);
  /* The template's top child is not bound, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (lab_settings_panel_parent_class)->dispose (object);
}

static void
lab_settings_panel_finalize (GObject *object)
{
  LabSettingsPanel *self = (LabSettingsPanel *) object;

  g_clear_pointer (&self->folder_set, data_set_unref);
  g_clear_pointer (&self->folder_path, g_free);
  g_clear_pointer (&self->problem, g_free);
  g_clear_pointer (&self->skipped_rows, g_ptr_array_unref);
  g_clear_pointer (&self->field_widgets, g_free);
  train_config_clear (&self->config);

  G_OBJECT_CLASS (lab_settings_panel_parent_class)->finalize (object);
}

static void
lab_settings_panel_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  LabSettingsPanel *self = LAB_SETTINGS_PANEL (object);

  switch (prop_id)
    {
    case PROP_VALID:
      g_value_set_boolean (value, lab_settings_panel_get_valid (self));
      break;

    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_settings_panel_class_init (LabSettingsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  guint n;
  const TrainField *fields = train_fields (&n);

  object_class->dispose = lab_settings_panel_dispose;
  object_class->finalize = lab_settings_panel_finalize;
  object_class->get_property = lab_settings_panel_get_property;

  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* One signal for every edit: the augmentation preview and the window redo their work. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-settings-panel.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, LabSettingsPanel, name)
  BIND (per_class_row);
  BIND (difficulty_row);
  BIND (label_noise_row);
  BIND (multiclass_row);
  BIND (folder_row);
  BIND (load_row);
  BIND (skipped_row);
  BIND (load_progress);
  BIND (preset_row);
  BIND (spec_row);
  BIND (estimate_label);
  BIND (momentum_row);
  BIND (augment_group);
#undef BIND

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

  gtk_widget_class_install_action (widget_class, "settings.lr", "d", lr_action);
  lab_settings_panel_class_init_folder (widget_class);
}

static void
lab_settings_panel_init (LabSettingsPanel *self)
{
  guint n;
  const TrainField *fields = train_fields (&n);
  TrainConfig defaults;

  self->skipped_rows = g_ptr_array_new ();
  self->field_widgets = g_new0 (GtkWidget *, n);
  gtk_widget_init_template (GTK_WIDGET (self));
  build_augment_rows (self);

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

  train_config_init (&defaults);
  lab_settings_panel_set_config (self, &defaults);
  train_config_clear (&defaults);
}

GtkWidget *
lab_settings_panel_new (void)
{
  return g_object_new (LAB_TYPE_SETTINGS_PANEL, NULL);
}
