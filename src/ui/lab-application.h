/* LabApplication: the AdwApplication. App-wide actions (quit, about), keyboard shortcuts,
 * and the --screenshot mode that drives a scripted session and saves each page as PNG. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LAB_TYPE_APPLICATION (lab_application_get_type ())
G_DECLARE_FINAL_TYPE (LabApplication, lab_application, LAB, APPLICATION, AdwApplication)

LabApplication *lab_application_new (void);
/* The About window's debug information, for a bug report (a slow one above all): the
 * versions, which OpenBLAS kernels the GEMMs run on (nn_blas_core.h) and the cores. */
char           *lab_application_dup_debug_info (void);

G_END_DECLS
