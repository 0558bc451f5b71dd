/* lab-screenshot: `lrlab --screenshot DIR`. Trains two tiny runs in the real window, then
 * saves one PNG per page (curves, augmentation, mistakes) rendered from the window itself,
 * for docs/ and for the test that checks they are not blank. */
#pragma once

#include "lab-window.h"

G_BEGIN_DECLS

void lab_screenshot_start           (LabWindow  *window,
                                     const char *dir);
/* 0 when every page was saved; else 1 (the reason was printed). */
int  lab_screenshot_get_exit_status (void);
/* Renders window as it is now into a PNG at path. */
gboolean lab_screenshot_save_window (GtkWidget  *window,
                                     const char *path,
                                     GError    **error);

G_END_DECLS
