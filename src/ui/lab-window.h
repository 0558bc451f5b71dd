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
/* "curves", "augmentation", "mistakes", "updates". */
void              lab_window_set_page           (LabWindow      *self,
                                                 const char     *name);
/* Shows run's mistakes on the mistakes page. */
void              lab_window_show_mistakes      (LabWindow      *self,
                                                 LabRun         *run);
/* Starts a fork of parent after epoch `epoch` (its checkpoint must be kept) with config's
 * settings (the parent's with the changes a fork may make), as "Continue from here" does;
 * a failure is a toast. The fork becomes the active run. */
void              lab_window_fork_run           (LabWindow         *self,
                                                 LabRun            *parent,
                                                 int                epoch,
                                                 const TrainConfig *config);
/* Shows run's update ratios on the updates page. */
void              lab_window_show_update_ratios (LabWindow      *self,
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
/* Starts writing the run the settings describe (what Start would train) as a PyTorch
 * project into dir (new or empty; train_export_pytorch.h), in a thread; callback (NULL:
 * a toast says how it went) gets a GTask whose boolean is the result. FALSE at once when
 * the settings are not valid. */
gboolean          lab_window_export_pytorch     (LabWindow      *self,
                                                 const char     *dir,
                                                 GAsyncReadyCallback callback,
                                                 gpointer        user_data,
                                                 GError        **error);
/* The model file of the run training now, else of the newest run that has one, as ONNX
 * (train_onnx.h). */
gboolean          lab_window_export_onnx        (LabWindow      *self,
                                                 const char     *path,
                                                 GError        **error);
/* Other tools' logs at path (TensorBoard event files, a CSV history: train_import.h) as
 * new runs of the session, shown at once; n_imported (may be NULL) receives how many. */
gboolean          lab_window_import             (LabWindow      *self,
                                                 const char     *path,
                                                 guint          *n_imported,
                                                 GError        **error);

G_END_DECLS
