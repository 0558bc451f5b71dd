/* LabApplication: the AdwApplication. App-wide actions (quit, about), keyboard shortcuts,
 * and the --screenshot mode that drives a scripted session and saves each page as PNG. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LAB_TYPE_APPLICATION (lab_application_get_type ())
G_DECLARE_FINAL_TYPE (LabApplication, lab_application, LAB, APPLICATION, AdwApplication)

LabApplication *lab_application_new (void);

G_END_DECLS
