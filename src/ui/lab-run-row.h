/* LabRunRow: a run in the runs table: show/hide, colour, name (rename in place), what
 * differs, the best validation loss and accuracy with their epoch, epochs, time, status. */
#pragma once

#include <gtk/gtk.h>
#include "lab-run.h"

G_BEGIN_DECLS

#define LAB_TYPE_RUN_ROW (lab_run_row_get_type ())
G_DECLARE_FINAL_TYPE (LabRunRow, lab_run_row, LAB, RUN_ROW, GtkListBoxRow)

GtkWidget *lab_run_row_new     (LabRun    *run);
LabRun    *lab_run_row_get_run (LabRunRow *self);

G_END_DECLS
