/* LabWindow: the main window. Settings on the left; the curves with the runs table, the
 * augmentation preview and the mistakes gallery on the right. It owns the list of runs,
 * which autosave into the session folder (train_session_dir()). */
#pragma once

#include <adwaita.h>
#include "lab-chart.h"
#include "lab-run.h"
#include "lab-settings-panel.h"

G_BEGIN_DECLS

#define LAB_TYPE_WINDOW (lab_window_get_type ())
G_DECLARE_FINAL_TYPE (LabWindow, lab_window, LAB, WINDOW, AdwApplicationWindow)

LabWindow        *lab_window_new                (AdwApplication *app);
LabSettingsPanel *lab_window_get_settings_panel (LabWindow      *self);
/* The runs, oldest first (a GListModel of LabRun). */
GListModel       *lab_window_get_runs           (LabWindow      *self);
/* The run Pause and Stop act on (the newest one still training), or NULL. */
LabRun           *lab_window_get_active_run     (LabWindow      *self);
LabChart         *lab_window_get_loss_chart     (LabWindow      *self);
LabChart         *lab_window_get_accuracy_chart (LabWindow      *self);
/* The learning rate of every batch, under the other two. */
LabChart         *lab_window_get_lr_chart       (LabWindow      *self);
/* The latest sweep's best losses and accuracy against the rate (hidden without one). */
struct _LabUCurve *lab_window_get_u_curve       (LabWindow      *self);
/* "curves", "augmentation", "mistakes". */
void              lab_window_set_page           (LabWindow      *self,
                                                 const char     *name);
/* Shows run's mistakes on the mistakes page. */
void              lab_window_show_mistakes      (LabWindow      *self,
                                                 LabRun         *run);
/* Reads the runs saved in the session folder (done once when the window opens). */
void              lab_window_load_session       (LabWindow      *self);
/* Writes the loss chart to path and every other chart beside it ("x.png" and
 * "x-accuracy.png"; the format from the extension, PNG when there is none);
 * accuracy_path (may be NULL) receives the accuracy chart's path. */
gboolean          lab_window_export_charts      (LabWindow      *self,
                                                 const char     *path,
                                                 char          **accuracy_path,
                                                 GError        **error);
/* Every run's epochs as CSV: history.csv's lines (Keras CSVLogger columns plus seconds)
 * behind the run's name and label (train_export). */
gboolean          lab_window_export_csv         (LabWindow      *self,
                                                 const char     *path,
                                                 GError        **error);
/* Copies every run's folder into dir (the layout lrlab-train --out writes). */
gboolean          lab_window_save_session_to    (LabWindow      *self,
                                                 const char     *dir,
                                                 GError        **error);

G_END_DECLS
