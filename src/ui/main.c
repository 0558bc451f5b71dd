/* lrlab: the LR Lab desktop app. Sets up translations and hands over to LabApplication. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "lab-application.h"
#include "lab-screenshot.h"
#include "train_process.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LabApplication) app = NULL;
  int status;

  train_process_init (argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  train_process_translate_engine ();

  app = lab_application_new ();
  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != 0 ? status : lab_screenshot_get_exit_status ();
}
