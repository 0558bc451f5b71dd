/* LabSettingsPanel: the sidebar where a run is set up. This file is the widget itself:
 * which rows show for the dataset and optimizer, the live parameter count and memory
 * estimate of the typed network (so Start is blocked with the reason), and the app's
 * last setup kept in GSettings. Widgets <-> TrainConfig is lab-settings-panel-fields.c,
 * loading a folder lab-settings-panel-folder.c. */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-settings-panel-private.h"
#include "lab-template.h"
#include "nn_model.h"
#include "nn_spec.h"
#include "train_plan.h"

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

static const char *const augment_titles[DATA_AUGMENT_N_KINDS] = {
  N_("Horizontal flip"),
  N_("Vertical flip"),
  N_("Quarter turns"),
  N_("Small rotation"),
  N_("Shift"),
  N_("Brightness and contrast"),
  N_("Noise"),
};

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
  TrainPlan plan;
  g_autoptr(GError) error = NULL;
  g_autofree char *problem = NULL;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  /* The worker's own count (train_plan.h): what fits here fits when the run starts. */
  nn_error_clear (&err);
  if (nn_spec_parse (&spec, config->model, &err) != NN_OK ||
      (!train_plan_memory (config, &spec, &plan, &error) &&
       !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)))
    {
      const char *why = error != NULL ? error->message : err.message;

      problem = g_strdup (why[0] ? why : _("This network does not fit the images"));
      gtk_label_set_text (self->estimate_label, problem);
      gtk_widget_add_css_class (GTK_WIDGET (self->estimate_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->estimate_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->spec_row), "error");
    }
  else
    {
      g_autofree char *params = NULL;
      g_autofree char *bytes = g_format_size (plan.total_bytes);
      g_autofree char *text = NULL;

      if (plan.model.num_parameters >= 1000000)
        params = g_strdup_printf (_("%.2f million parameters"), plan.model.num_parameters / 1e6);
      else
        params = g_strdup_printf (_("%'zu parameters"), plan.model.num_parameters);
      if (error != NULL)   /* G_IO_ERROR_NO_SPACE: in the user's language */
        {
          g_autofree char *limit = g_format_size (plan.limit_bytes);
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

  /* The schedule's own problem shows under its rows (lab-settings-panel-lr.c) and blocks
   * Start with the same words. */
  if (problem == NULL)
    problem = lab_settings_panel_check_schedule (config);
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
  lab_settings_panel_update_lr (self, &config);
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
  /* A setup this version cannot read (edited by hand, or from a later one): the defaults,
   * which load_data leaves on failure (it starts from them, so no init before it). */
  if (text[0] == '\0')
    train_config_init (&config);
  else if (!train_config_load_data (&config, text, SETUP_KEY, &error))
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
  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));

  lab_settings_panel_reveal (self, GTK_WIDGET (self->augment_group));
}

void
lab_settings_panel_reveal (LabSettingsPanel *self,
                           GtkWidget        *group)
{
  GtkWidget *scrolled;
  GtkAdjustment *adjustment;
  graphene_point_t top;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  scrolled = gtk_widget_get_ancestor (group, GTK_TYPE_SCROLLED_WINDOW);
  if (scrolled == NULL ||
      !gtk_widget_compute_point (group, scrolled, &GRAPHENE_POINT_INIT (0, 0), &top))
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
  lab_template_dispose (GTK_WIDGET (self), LAB_TYPE_SETTINGS_PANEL);

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

  lab_settings_panel_class_init_fields (widget_class);
  lab_settings_panel_class_init_lr (widget_class);
  gtk_widget_class_install_action (widget_class, "settings.lr", "d", lr_action);
  lab_settings_panel_class_init_folder (widget_class);
}

static void
lab_settings_panel_init (LabSettingsPanel *self)
{
  TrainConfig defaults;

  self->skipped_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  build_augment_rows (self);
  lab_settings_panel_init_fields (self);
  lab_settings_panel_init_lr (self);

  train_config_init (&defaults);
  lab_settings_panel_set_config (self, &defaults);
  train_config_clear (&defaults);
}

GtkWidget *
lab_settings_panel_new (void)
{
  return g_object_new (LAB_TYPE_SETTINGS_PANEL, NULL);
}
