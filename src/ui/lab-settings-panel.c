/* LabSettingsPanel: widgets -> TrainConfig, the live parameter count and memory estimate
 * of the typed network, and the loading of a user's folder (progress, cancel, skipped
 * files) so that a bad folder is reported before anything trains. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <unistd.h>

#include "lab-settings-panel.h"
#include "nn_model.h"
#include "nn_spec.h"
#include "data_folder.h"

struct _LabSettingsPanel
{
  GtkWidget          parent_instance;

  AdwComboRow       *data_kind_row;
  AdwActionRow      *per_class_row;
  AdwActionRow      *difficulty_row;
  AdwActionRow      *label_noise_row;
  AdwActionRow      *multiclass_row;
  AdwActionRow      *folder_row;
  AdwActionRow      *load_row;
  AdwExpanderRow    *skipped_row;
  GtkSpinButton     *per_class_spin;
  GtkSpinButton     *difficulty_spin;
  GtkSpinButton     *label_noise_spin;
  GtkSwitch         *multiclass_switch;
  GtkProgressBar    *load_progress;
  GtkSpinButton     *size_spin;
  AdwComboRow       *preset_row;
  AdwEntryRow       *spec_row;
  GtkLabel          *estimate_label;
  GtkSpinButton     *lr_spin;
  GtkSpinButton     *batch_spin;
  GtkSpinButton     *epochs_spin;
  AdwComboRow       *optimizer_row;
  AdwActionRow      *momentum_row;
  GtkSpinButton     *momentum_spin;
  GtkSpinButton     *seed_spin;
  AdwExpanderRow    *dropout_row;
  GtkSpinButton     *dropout_spin;
  AdwExpanderRow    *decay_row;
  GtkSpinButton     *decay_spin;
  GtkSwitch         *decoupled_switch;
  GtkSpinButton     *patience_spin;
  AdwPreferencesGroup *augment_group;

  GtkSwitch         *augment_switch[DATA_AUGMENT_N_KINDS];
  GtkScale          *augment_scale[DATA_AUGMENT_N_KINDS];
  GPtrArray         *skipped_rows;

  /* The loaded folder, for (folder_path, folder_size); replaced when either changes. */
  char              *folder_path;
  int                folder_size;
  DataSet           *folder_set;
  GCancellable      *load_cancellable;
  guint              load_poll_source;
  int                load_done, load_total;   /* atomics, written by the loader threads */

  char              *problem;
  gboolean           updating_spec;
};

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

char *
lab_format_learning_rate (double lr)
{
  int exponent;
  double mantissa;

  if (!(lr > 0) || !isfinite (lr))
    return g_strdup_printf ("%g", lr);

  exponent = (int) floor (log10 (lr) + 1e-9);
  mantissa = lr / pow (10, exponent);
  /* 9.9999 after rounding is 10: carry it so 1e-3 never prints as 10e-4. */
  if (round (mantissa * 100) / 100 >= 10)
    {
      exponent++;
      mantissa /= 10;
    }
  if (fabs (mantissa - 1) < 5e-3)
    return g_strdup_printf ("1e%d", exponent);
  {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd (buf, sizeof buf, "%.3g", mantissa);
    return g_strdup_printf ("%se%d", buf, exponent);
  }
}

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
  g_autofree char *text = lab_format_learning_rate (learning_rate_from_log (gtk_spin_button_get_value (spin)));

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

static double
physical_memory_budget (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGE_SIZE);

  if (pages <= 0 || page_size <= 0)
    return 0;
  /* What a run may take: the same 75% train_config's memory_limit defaults to. */
  return 0.75 * (double) pages * (double) page_size;
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
update_estimate (LabSettingsPanel *self)
{
  nn_spec spec;
  nn_error err;
  nn_memory_estimate estimate;
  int size = gtk_spin_button_get_value_as_int (self->size_spin);
  int batch = gtk_spin_button_get_value_as_int (self->batch_spin);
  nn_optimizer_kind optimizer = adw_combo_row_get_selected (self->optimizer_row) == 1
                                ? NN_OPTIMIZER_SGD : NN_OPTIMIZER_ADAM;
  g_autofree char *problem = NULL;
  double budget;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  nn_error_clear (&err);
  if (nn_spec_parse (&spec, current_model (self), &err) != NN_OK ||
      nn_model_estimate (&spec, size, size, 3, batch, optimizer, &estimate, &err) != NN_OK)
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
      budget = physical_memory_budget ();
      if (budget > 0 && estimate.total_bytes > budget)
        {
          g_autofree char *limit = g_format_size ((guint64) budget);
          problem = g_strdup_printf (_("Too big for this computer: training needs %s at batch size %d, "
                                       "but only %s can be used. Choose a smaller batch, image size "
                                       "or network."), bytes, batch, limit);
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

  if (problem == NULL && adw_combo_row_get_selected (self->data_kind_row) == TRAIN_DATA_FOLDER)
    {
      if (self->load_cancellable != NULL)
        problem = g_strdup (_("The folder is still loading"));
      else if (self->folder_set == NULL)
        problem = g_strdup (_("Choose a folder of images first"));
    }
  set_problem (self, problem);
}

static void
emit_changed (LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  update_estimate (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
update_visibility (LabSettingsPanel *self)
{
  gboolean synthetic = adw_combo_row_get_selected (self->data_kind_row) == TRAIN_DATA_SYNTHETIC;

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  gtk_widget_set_visible (GTK_WIDGET (self->per_class_row), synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->difficulty_row), synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->label_noise_row), synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->multiclass_row), synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_row), !synthetic);
  gtk_widget_set_visible (GTK_WIDGET (self->load_row), !synthetic && self->load_cancellable != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->skipped_row),
                          !synthetic && self->skipped_rows->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->momentum_row),
                          adw_combo_row_get_selected (self->optimizer_row) == 1);
}

/* --- Folder loading ------------------------------------------------------------------ */

typedef struct
{
  char             *path;
  DataFolderOptions options;
  DataFolderReport  report;
  int              *done, *total;      /* the panel's atomics; the panel outlives the task */
} LoadJob;

static void
load_job_free (gpointer data)
{
  LoadJob *job = data;

  g_free (job->path);
  data_folder_report_clear (&job->report);
  g_free (job);
}

static void
on_load_progress (int      done,
                  int      total,
                  gpointer user_data)
{
  LoadJob *job = user_data;

  g_atomic_int_set (job->total, total);
  g_atomic_int_set (job->done, done);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  GError *error = NULL;
  DataSet *set;

  set = data_folder_load (job->path, &job->options, &job->report, on_load_progress, job,
                          cancellable, &error);
  if (set == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, set, (GDestroyNotify) data_set_unref);
}

static gboolean
poll_load_progress (gpointer user_data)
{
  LabSettingsPanel *self = user_data;
  int total = g_atomic_int_get (&self->load_total);
  int done = g_atomic_int_get (&self->load_done);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (total > 0)
    {
      g_autofree char *text = g_strdup_printf (_("%d of %d images"), done, total);
      gtk_progress_bar_set_fraction (self->load_progress, (double) done / total);
      adw_action_row_set_subtitle (self->load_row, text);
    }
  else
    gtk_progress_bar_pulse (self->load_progress);
  return G_SOURCE_CONTINUE;
}

static void
clear_skipped (LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  for (guint i = 0; i < self->skipped_rows->len; i++)
    adw_expander_row_remove (self->skipped_row, g_ptr_array_index (self->skipped_rows, i));
  g_ptr_array_set_size (self->skipped_rows, 0);
}

static void
on_load_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LabSettingsPanel) self = user_data;
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  DataSet *set;

  set = g_task_propagate_pointer (G_TASK (result), &error);
  /* A stale load (the folder or size changed, or the panel went away): drop it. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))) &&
      g_task_get_cancellable (G_TASK (result)) != self->load_cancellable)
    {
      g_clear_pointer (&set, data_set_unref);
      return;
    }

  g_clear_object (&self->load_cancellable);
  g_clear_handle_id (&self->load_poll_source, g_source_remove);
  clear_skipped (self);

  if (set == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_action_row_set_subtitle (self->folder_row, _("Loading cancelled"));
      else
        adw_action_row_set_subtitle (self->folder_row, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->folder_row), "error");
    }
  else
    {
      g_autofree char *classes = g_strjoinv (", ", set->class_names);
      g_autofree char *base = g_path_get_basename (job->path);
      g_autofree char *subtitle = NULL;

      subtitle = g_strdup_printf (ngettext ("%s: %d image in %d classes (%s)",
                                            "%s: %d images in %d classes (%s)", set->count),
                                  base, set->count, set->num_classes, classes);
      if (job->report.imbalance_warning)
        {
          char *with_warning = g_strdup_printf ("%s. %s", subtitle, job->report.imbalance_warning);
          g_free (subtitle);
          subtitle = with_warning;
        }
      adw_action_row_set_subtitle (self->folder_row, subtitle);
      gtk_widget_remove_css_class (GTK_WIDGET (self->folder_row), "error");
      g_clear_pointer (&self->folder_set, data_set_unref);
      self->folder_set = set;

      if (job->report.skipped && job->report.skipped->len > 0)
        {
          g_autofree char *title = g_strdup_printf (ngettext ("%u file skipped", "%u files skipped",
                                                              job->report.skipped->len),
                                                    job->report.skipped->len);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->skipped_row), title);
          adw_expander_row_set_subtitle (self->skipped_row, _("Not images, or damaged"));
          /* A few hundred rows stay usable; a folder of thousands of bad files is summed up. */
          for (guint i = 0; i < MIN (job->report.skipped->len, 200u); i++)
            {
              DataSkippedFile *skipped = g_ptr_array_index (job->report.skipped, i);
              g_autofree char *name = g_path_get_basename (skipped->path);
              GtkWidget *row = adw_action_row_new ();

              adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
              adw_action_row_set_subtitle (ADW_ACTION_ROW (row), skipped->reason);
              gtk_widget_set_tooltip_text (row, skipped->path);
              adw_expander_row_add_row (self->skipped_row, row);
              g_ptr_array_add (self->skipped_rows, row);
            }
        }
    }
  update_visibility (self);
  emit_changed (self);
}

void
lab_settings_panel_load_folder (LabSettingsPanel *self,
                                const char       *path)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));
  g_return_if_fail (path != NULL);

  if (self->load_cancellable)
    {
      g_cancellable_cancel (self->load_cancellable);
      g_clear_object (&self->load_cancellable);
    }
  g_clear_pointer (&self->folder_set, data_set_unref);
  if (path != self->folder_path)
    {
      g_free (self->folder_path);
      self->folder_path = g_strdup (path);
    }
  self->folder_size = gtk_spin_button_get_value_as_int (self->size_spin);
  g_atomic_int_set (&self->load_done, 0);
  g_atomic_int_set (&self->load_total, 0);

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (path);
  job->options.size = self->folder_size;
  job->options.resize = DATA_RESIZE_CENTER_CROP;
  job->done = &self->load_done;
  job->total = &self->load_total;

  self->load_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->load_cancellable, on_load_done, g_object_ref (self));
  g_task_set_task_data (task, job, load_job_free);
  g_task_run_in_thread (task, load_thread);

  gtk_progress_bar_set_fraction (self->load_progress, 0);
  adw_action_row_set_subtitle (self->load_row, "");
  if (self->load_poll_source == 0)
    self->load_poll_source = g_timeout_add (100, poll_load_progress, self);
  adw_combo_row_set_selected (self->data_kind_row, TRAIN_DATA_FOLDER);
  adw_action_row_set_subtitle (self->folder_row, path);
  update_visibility (self);
  emit_changed (self);
}

static void
on_folder_chosen (GtkNativeDialog  *dialog,
                  int               response,
                  LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path)
        lab_settings_panel_load_folder (self, path);
    }
  g_object_unref (dialog);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  LabSettingsPanel *self = LAB_SETTINGS_PANEL (widget);
  GtkFileChooserNative *dialog;
  GtkRoot *root = gtk_widget_get_root (widget);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  dialog = gtk_file_chooser_native_new (_("Choose a Folder of Images"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_folder_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
cancel_load_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  LabSettingsPanel *self = LAB_SETTINGS_PANEL (widget);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
}

static void
lr_action (GtkWidget  *widget,
           const char *action_name,
           GVariant   *param)
{
  LabSettingsPanel *self = LAB_SETTINGS_PANEL (widget);

  g_assert (LAB_IS_SETTINGS_PANEL (self));

  gtk_spin_button_set_value (self->lr_spin, g_variant_get_double (param));
}

/* --- Reacting to edits --------------------------------------------------------------- */

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
  emit_changed (self);
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
  emit_changed (self);
}

static void
on_size_changed (LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  /* A folder is decoded at the network's input size: a new size needs a new load. */
  if (self->folder_path != NULL &&
      adw_combo_row_get_selected (self->data_kind_row) == TRAIN_DATA_FOLDER &&
      self->folder_size != gtk_spin_button_get_value_as_int (self->size_spin))
    lab_settings_panel_load_folder (self, self->folder_path);
  emit_changed (self);
}

static void
on_layout_changed (LabSettingsPanel *self)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  update_visibility (self);
  emit_changed (self);
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
      g_signal_connect_object (toggle, "notify::active", G_CALLBACK (emit_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (scale, "value-changed", G_CALLBACK (emit_changed), self, G_CONNECT_SWAPPED);
    }
}

/* --- Config in and out --------------------------------------------------------------- */

void
lab_settings_panel_get_config (LabSettingsPanel *self,
                               TrainConfig      *config)
{
  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));
  g_return_if_fail (config != NULL);

  config->data_kind = adw_combo_row_get_selected (self->data_kind_row) == TRAIN_DATA_FOLDER
                      ? TRAIN_DATA_FOLDER : TRAIN_DATA_SYNTHETIC;
  config->size = gtk_spin_button_get_value_as_int (self->size_spin);
  config->synthetic.images_per_class = gtk_spin_button_get_value_as_int (self->per_class_spin);
  config->synthetic.size = config->size;
  config->synthetic.difficulty = gtk_spin_button_get_value (self->difficulty_spin);
  config->synthetic.label_noise = gtk_spin_button_get_value (self->label_noise_spin);
  config->synthetic.multiclass = gtk_switch_get_active (self->multiclass_switch);
  g_free (config->folder);
  config->folder = config->data_kind == TRAIN_DATA_FOLDER ? g_strdup (self->folder_path) : NULL;
  g_free (config->model);
  config->model = g_strdup (current_model (self));
  config->lr = learning_rate_from_log (gtk_spin_button_get_value (self->lr_spin));
  config->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  config->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  config->optimizer = adw_combo_row_get_selected (self->optimizer_row) == 1
                      ? NN_OPTIMIZER_SGD : NN_OPTIMIZER_ADAM;
  config->momentum = gtk_spin_button_get_value (self->momentum_spin);
  config->seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  config->synthetic.seed = config->seed;
  config->dropout = adw_expander_row_get_enable_expansion (self->dropout_row);
  config->dropout_rate = gtk_spin_button_get_value (self->dropout_spin);
  config->weight_decay_on = adw_expander_row_get_enable_expansion (self->decay_row);
  config->weight_decay = gtk_spin_button_get_value (self->decay_spin);
  config->decoupled = gtk_switch_get_active (self->decoupled_switch);
  config->early_stop_patience = gtk_spin_button_get_value_as_int (self->patience_spin);
  config->augment.flags = 0;
  for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
    {
      if (gtk_switch_get_active (self->augment_switch[i]))
        config->augment.flags |= 1u << i;
      config->augment.strength[i] = gtk_range_get_value (GTK_RANGE (self->augment_scale[i]));
    }
}

void
lab_settings_panel_set_config (LabSettingsPanel  *self,
                               const TrainConfig *config)
{
  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));
  g_return_if_fail (config != NULL);

  gtk_spin_button_set_value (self->size_spin, config->size);
  gtk_spin_button_set_value (self->per_class_spin, config->synthetic.images_per_class);
  gtk_spin_button_set_value (self->difficulty_spin, config->synthetic.difficulty);
  gtk_spin_button_set_value (self->label_noise_spin, config->synthetic.label_noise);
  gtk_switch_set_active (self->multiclass_switch, config->synthetic.multiclass);
  set_model (self, config->model);
  if (config->lr > 0)
    gtk_spin_button_set_value (self->lr_spin, log10 (config->lr));
  gtk_spin_button_set_value (self->batch_spin, config->batch_size);
  gtk_spin_button_set_value (self->epochs_spin, config->epochs);
  adw_combo_row_set_selected (self->optimizer_row, config->optimizer == NN_OPTIMIZER_SGD ? 1 : 0);
  gtk_spin_button_set_value (self->momentum_spin, config->momentum);
  gtk_spin_button_set_value (self->seed_spin, (double) config->seed);
  adw_expander_row_set_enable_expansion (self->dropout_row, config->dropout);
  if (config->dropout_rate > 0)
    gtk_spin_button_set_value (self->dropout_spin, config->dropout_rate);
  adw_expander_row_set_enable_expansion (self->decay_row, config->weight_decay_on);
  if (config->weight_decay > 0)
    gtk_spin_button_set_value (self->decay_spin, config->weight_decay);
  gtk_switch_set_active (self->decoupled_switch, config->decoupled);
  gtk_spin_button_set_value (self->patience_spin, config->early_stop_patience);
  for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
    {
      gtk_switch_set_active (self->augment_switch[i], (config->augment.flags & (1u << i)) != 0);
      gtk_range_set_value (GTK_RANGE (self->augment_scale[i]), config->augment.strength[i]);
    }
  if (config->data_kind == TRAIN_DATA_FOLDER && config->folder != NULL)
    {
      if (g_strcmp0 (config->folder, self->folder_path) != 0 || self->folder_set == NULL)
        lab_settings_panel_load_folder (self, config->folder);
    }
  else
    adw_combo_row_set_selected (self->data_kind_row, TRAIN_DATA_SYNTHETIC);
  update_visibility (self);
  emit_changed (self);
}

DataSet *
lab_settings_panel_dup_dataset (LabSettingsPanel *self)
{
  g_return_val_if_fail (LAB_IS_SETTINGS_PANEL (self), NULL);

  if (adw_combo_row_get_selected (self->data_kind_row) != TRAIN_DATA_FOLDER || self->folder_set == NULL)
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

static gboolean
lr_get_mapping (GValue   *value,
                GVariant *variant,
                gpointer  user_data)
{
  double lr = g_variant_get_double (variant);

  g_value_set_double (value, lr > 0 ? log10 (lr) : -3);
  return TRUE;
}

static GVariant *
lr_set_mapping (const GValue       *value,
                const GVariantType *expected_type,
                gpointer            user_data)
{
  return g_variant_new_double (learning_rate_from_log (g_value_get_double (value)));
}

static void
save_folder_choice (LabSettingsPanel *self,
                    GSettings        *settings)
{
  g_assert (LAB_IS_SETTINGS_PANEL (self));

  g_settings_set_uint (settings, "data-kind", adw_combo_row_get_selected (self->data_kind_row));
  g_settings_set_string (settings, "model", current_model (self));
  if (self->folder_set != NULL)
    g_settings_set_string (settings, "folder", self->folder_path);
}

/* The panel reopens the way the user left it. Augmentation is not kept: it should be
 * switched on knowingly, for a run. */
void
lab_settings_panel_bind_settings (LabSettingsPanel *self,
                                  GSettings        *settings)
{
  g_autofree char *folder = NULL;
  g_autofree char *model = NULL;

  g_return_if_fail (LAB_IS_SETTINGS_PANEL (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_settings_bind (settings, "images-per-class", self->per_class_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "difficulty", self->difficulty_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "label-noise", self->label_noise_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "multiclass", self->multiclass_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "image-size", self->size_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "learning-rate", self->lr_spin, "value", G_SETTINGS_BIND_DEFAULT,
                                lr_get_mapping, lr_set_mapping, NULL, NULL);
  g_settings_bind (settings, "batch-size", self->batch_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "epochs", self->epochs_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "optimizer", self->optimizer_row, "selected", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "momentum", self->momentum_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "seed", self->seed_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "dropout", self->dropout_row, "enable-expansion", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "dropout-rate", self->dropout_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "weight-decay", self->decay_row, "enable-expansion", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "weight-decay-value", self->decay_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "decoupled", self->decoupled_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "early-stopping", self->patience_spin, "value", G_SETTINGS_BIND_DEFAULT);

  /* Not bound: the network is two widgets (preset, layers) that must change together. */
  model = g_settings_get_string (settings, "model");
  set_model (self, model);
  folder = g_settings_get_string (settings, "folder");
  if (g_settings_get_uint (settings, "data-kind") == TRAIN_DATA_FOLDER && folder[0] &&
      g_file_test (folder, G_FILE_TEST_IS_DIR))
    lab_settings_panel_load_folder (self, folder);
  /* Written, not bound: a folder only counts once it has been chosen, and the network
   * is read from two widgets. */
  g_signal_connect_object (self, "changed", G_CALLBACK (save_folder_choice), settings, 0);
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

  if (self->load_cancellable)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_handle_id (&self->load_poll_source, g_source_remove);
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
  BIND (data_kind_row);
  BIND (per_class_row);
  BIND (difficulty_row);
  BIND (label_noise_row);
  BIND (multiclass_row);
  BIND (folder_row);
  BIND (load_row);
  BIND (skipped_row);
  BIND (per_class_spin);
  BIND (difficulty_spin);
  BIND (label_noise_spin);
  BIND (multiclass_switch);
  BIND (load_progress);
  BIND (size_spin);
  BIND (preset_row);
  BIND (spec_row);
  BIND (estimate_label);
  BIND (lr_spin);
  BIND (batch_spin);
  BIND (epochs_spin);
  BIND (optimizer_row);
  BIND (momentum_row);
  BIND (momentum_spin);
  BIND (seed_spin);
  BIND (dropout_row);
  BIND (dropout_spin);
  BIND (decay_row);
  BIND (decay_spin);
  BIND (decoupled_switch);
  BIND (patience_spin);
  BIND (augment_group);
#undef BIND

  gtk_widget_class_install_action (widget_class, "settings.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "settings.cancel-load", NULL, cancel_load_action);
  gtk_widget_class_install_action (widget_class, "settings.lr", "d", lr_action);
}

static void
lab_settings_panel_init (LabSettingsPanel *self)
{
  GtkSpinButton *spins[11];

  self->skipped_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  spins[0] = self->per_class_spin;
  spins[1] = self->difficulty_spin;
  spins[2] = self->label_noise_spin;
  spins[3] = self->lr_spin;
  spins[4] = self->batch_spin;
  spins[5] = self->epochs_spin;
  spins[6] = self->momentum_spin;
  spins[7] = self->seed_spin;
  spins[8] = self->dropout_spin;
  spins[9] = self->decay_spin;
  spins[10] = self->patience_spin;

  build_augment_rows (self);
  gtk_editable_set_text (GTK_EDITABLE (self->spec_row), nn_preset_spec ("small") ? nn_preset_spec ("small") : "small");
  adw_combo_row_set_selected (self->preset_row, 1);

  g_signal_connect (self->lr_spin, "output", G_CALLBACK (on_lr_output), NULL);
  g_signal_connect (self->lr_spin, "input", G_CALLBACK (on_lr_input), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    g_signal_connect_object (spins[i], "value-changed", G_CALLBACK (emit_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->size_spin, "value-changed", G_CALLBACK (on_size_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->multiclass_switch, "notify::active", G_CALLBACK (emit_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->decoupled_switch, "notify::active", G_CALLBACK (emit_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->dropout_row, "notify::enable-expansion", G_CALLBACK (emit_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->decay_row, "notify::enable-expansion", G_CALLBACK (emit_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->data_kind_row, "notify::selected", G_CALLBACK (on_layout_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->optimizer_row, "notify::selected", G_CALLBACK (on_layout_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->preset_row, "notify::selected", G_CALLBACK (on_preset_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->spec_row, "changed", G_CALLBACK (on_spec_changed), self, G_CONNECT_SWAPPED);

  adw_expander_row_set_enable_expansion (self->dropout_row, TRUE);
  adw_expander_row_set_enable_expansion (self->decay_row, FALSE);
  update_visibility (self);
  update_estimate (self);
}

GtkWidget *
lab_settings_panel_new (void)
{
  return g_object_new (LAB_TYPE_SETTINGS_PANEL, NULL);
}
