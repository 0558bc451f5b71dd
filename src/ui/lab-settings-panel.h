/* LabSettingsPanel: the sidebar where a run is set up (dataset, model, learning rate,
 * training, the cures for overfitting, augmentation). It turns its widgets into the
 * TrainConfig a new run receives, and loads a user's folder so errors show before Start. */
#pragma once

#include <adwaita.h>
#include "train_config.h"
#include "data_dataset.h"

G_BEGIN_DECLS

#define LAB_TYPE_SETTINGS_PANEL (lab_settings_panel_get_type ())
G_DECLARE_FINAL_TYPE (LabSettingsPanel, lab_settings_panel, LAB, SETTINGS_PANEL, GtkWidget)

GtkWidget  *lab_settings_panel_new            (void);
/* Fills every setting of config (initialised by the caller with train_config_init): from
 * its widget, or, for the settings the panel shows no widget for (the data and split
 * seeds, threads, ...), as the last set_config gave them (at first, the defaults). */
void        lab_settings_panel_get_config     (LabSettingsPanel  *self,
                                               TrainConfig       *config);
void        lab_settings_panel_set_config     (LabSettingsPanel  *self,
                                               const TrainConfig *config);
/* The folder's images when the dataset is a loaded folder (a new reference), else NULL:
 * the run then generates its synthetic set itself. */
DataSet    *lab_settings_panel_dup_dataset    (LabSettingsPanel  *self);
/* TRUE when Start can make a run of these settings; else the reason for the user. */
gboolean    lab_settings_panel_get_valid      (LabSettingsPanel  *self);
const char *lab_settings_panel_get_problem    (LabSettingsPanel  *self);
void        lab_settings_panel_bind_settings  (LabSettingsPanel  *self,
                                               GSettings         *settings);
/* Starts loading a folder, as the folder chooser does. */
void        lab_settings_panel_load_folder    (LabSettingsPanel  *self,
                                               const char        *path);

/* How many seeds each run is repeated with (1: no repeat); Start and Sweep read it. */
int         lab_settings_panel_get_n_seeds    (LabSettingsPanel  *self);
void        lab_settings_panel_set_n_seeds    (LabSettingsPanel  *self,
                                               int                n_seeds);
/* The rates a sweep tries (a new GArray of double), or NULL with the reason for the user
 * (a rate that does not parse, fewer than two). */
GArray     *lab_settings_panel_dup_sweep_rates (LabSettingsPanel *self,
                                                GError          **error);
void        lab_settings_panel_set_sweep_rates (LabSettingsPanel *self,
                                                const char       *text);

/* Scrolls the panel to the augmentation switches (shown beside the augmentation page). */
void        lab_settings_panel_reveal_augmentation (LabSettingsPanel *self);
/* Scrolls the panel to the learning-rate schedule and its preview. */
void        lab_settings_panel_reveal_schedule (LabSettingsPanel *self);

G_END_DECLS
