/* lab-settings-panel-private: the LabSettingsPanel struct, shared by the panel itself
 * (lab-settings-panel.c: visibility, the estimate, GSettings), its settings' widgets
 * (lab-settings-panel-fields.c: widgets <-> TrainConfig through the table of fields) and
 * its folder loading (lab-settings-panel-folder.c). */
#pragma once

#include "lab-settings-panel.h"
#include "train_notifier.h"

G_BEGIN_DECLS

struct _LabSettingsPanel
{
  GtkWidget          parent_instance;

  /* Rows the panel shows or hides, and the widgets no single field owns. The widget of
   * each setting is found by its key (panel_fields[] in lab-settings-panel.c). */
  AdwActionRow      *per_class_row;
  AdwActionRow      *difficulty_row;
  AdwActionRow      *label_noise_row;
  AdwActionRow      *multiclass_row;
  AdwActionRow      *folder_row;
  AdwActionRow      *load_row;
  AdwExpanderRow    *skipped_row;
  GtkProgressBar    *load_progress;
  AdwComboRow       *preset_row;
  AdwEntryRow       *spec_row;
  GtkLabel          *estimate_label;
  AdwActionRow      *momentum_row;
  AdwPreferencesGroup *augment_group;

  GtkSwitch         *augment_switch[DATA_AUGMENT_N_KINDS];
  GtkScale          *augment_scale[DATA_AUGMENT_N_KINDS];
  GPtrArray         *skipped_rows;

  GtkWidget        **field_widgets;   /* by row of train_fields(); NULL: no widget */
  TrainConfig        config;          /* the last set_config: the fields without a widget */
  gboolean           applying;        /* set_config is writing widgets: no reactions yet */

  /* The loaded folder, for (folder_path, folder_size, folder_resize); replaced when
   * any of them changes. */
  char              *folder_path;
  int                folder_size;
  DataResizeMode     folder_resize;
  DataSet           *folder_set;
  GCancellable      *load_cancellable;
  TrainNotifier     *load_notifier;   /* the loading's TrainLoadProgress */

  char              *problem;
  gboolean           updating_spec;
};

/* lab-settings-panel-fields.c */
/* Registers the settings' widgets with the template; finds, ranges and connects them. */
void          lab_settings_panel_class_init_fields (GtkWidgetClass *widget_class);
void          lab_settings_panel_init_fields   (LabSettingsPanel *self);
/* A setting's widget by its config.ini key, NULL when it has none. */
GtkWidget    *lab_settings_panel_field_widget (LabSettingsPanel *self,
                                               const char       *key);
TrainDataKind lab_settings_panel_get_data_kind (LabSettingsPanel *self);
void          lab_settings_panel_set_data_kind (LabSettingsPanel *self,
                                                TrainDataKind     kind);

/* lab-settings-panel.c */
/* Scrolls the panel so that group's title is a little below the top. */
void          lab_settings_panel_reveal        (LabSettingsPanel *self,
                                                GtkWidget        *group);
/* After any edit: rows shown for the dataset kind and optimizer, the estimate and the
 * problem, then the "changed" signal. Nothing while set_config writes its widgets. */
void          lab_settings_panel_changed       (LabSettingsPanel *self);

/* lab-settings-panel-lr.c */
/* The schedule's rows for its kind, its preview and its problem. */
void          lab_settings_panel_update_lr     (LabSettingsPanel  *self,
                                                const TrainConfig *config);
/* Why config's schedule cannot run, a sentence (newly allocated), or NULL. */
char         *lab_settings_panel_check_schedule (const TrainConfig *config);
void          lab_settings_panel_class_init_lr (GtkWidgetClass   *widget_class);
void          lab_settings_panel_init_lr       (LabSettingsPanel *self);

/* lab-settings-panel-folder.c */
/* A folder is decoded at the input size and resize mode: a new one needs a new load. */
void          lab_settings_panel_reload_if_stale (LabSettingsPanel *self);
/* Cancels a loading and forgets it (dispose). */
void          lab_settings_panel_stop_loading  (LabSettingsPanel *self);
/* The folder actions (choose, cancel). */
void          lab_settings_panel_class_init_folder (GtkWidgetClass *widget_class);

G_END_DECLS
