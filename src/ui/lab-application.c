/* LabApplication: one window per app, opened with the saved session. --screenshot DIR
 * hands that window to lab-screenshot instead of to the user. */
#include "config.h"

#include <glib/gi18n.h>

#include <cblas.h>

#include "lab-application.h"
#include "lab-screenshot.h"
#include "lab-window.h"
#include "nn_blas_core.h"
#include "nn_threads.h"

struct _LabApplication
{
  AdwApplication  parent_instance;

  char           *screenshot_dir;
};

G_DEFINE_FINAL_TYPE (LabApplication, lab_application, ADW_TYPE_APPLICATION)

static void
lab_application_activate (GApplication *app)
{
  LabApplication *self = LAB_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = GTK_WINDOW (lab_window_new (ADW_APPLICATION (app)));
      if (self->screenshot_dir != NULL)
        {
          /* A fixed size so the screenshots look the same on every machine. */
          gtk_window_unmaximize (window);
          /* 1000 high: a sweep's U-curve and the rate chart under loss and accuracy. */
          gtk_window_set_default_size (window, 1440, 1000);
          lab_screenshot_start (LAB_WINDOW (window), self->screenshot_dir);
        }
      else
        lab_window_load_session (LAB_WINDOW (window));
    }
  gtk_window_present (window);
}

static int
lab_application_handle_local_options (GApplication *app,
                                      GVariantDict *options)
{
  LabApplication *self = LAB_APPLICATION (app);
  const char *dir = NULL;

  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      g_print ("lrlab %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "screenshot", "^&ay", &dir))
    {
      self->screenshot_dir = g_strdup (dir);
      g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
      if (g_getenv ("LRLAB_SESSION_DIR") == NULL)
        {
          g_autofree char *session = g_dir_make_tmp ("lrlab-screenshot-XXXXXX", NULL);
          if (session)
            g_setenv ("LRLAB_SESSION_DIR", session, TRUE);
        }
      /* A scripted session must not touch the user's runs, nor meet a running instance. */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }
  return -1;
}

char *
lab_application_dup_debug_info (void)
{
  return g_strdup_printf ("LR Lab %s\nGTK %u.%u.%u, libadwaita %u.%u.%u\n%s\n"
                          "OpenBLAS kernels: %s (OPENBLAS_CORETYPE %s)\ncores: %d\n",
                          PACKAGE_VERSION, gtk_get_major_version (), gtk_get_minor_version (),
                          gtk_get_micro_version (), adw_get_major_version (),
                          adw_get_minor_version (), adw_get_micro_version (),
                          openblas_get_config (), nn_blas_core_name (),
                          g_getenv ("OPENBLAS_CORETYPE") ? g_getenv ("OPENBLAS_CORETYPE")
                                                         : "not set",
                          nn_threads_resolve (0));
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The LR Lab developers", NULL };
  g_autofree char *debug_info = lab_application_dup_debug_info ();

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("LR Lab"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Watch a convolutional network learn, and see what learning rates, "
                                       "dropout and weight decay do."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         "translator-credits", _("translator-credits"),
                         "debug-info", debug_info,
                         NULL);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *window = gtk_application_get_active_window (app);

  /* Through the window's close request, so a training run is asked about first. */
  if (window)
    gtk_window_close (window);
  else
    g_application_quit (G_APPLICATION (app));
}

static void
lab_application_startup (GApplication *app)
{
  static const GActionEntry entries[] = {
    { "about", about_action },
    { "quit", quit_action },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (lab_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  /* The icon ships in the resources too, so an uninstalled build shows it. */
  gtk_window_set_default_icon_name (APP_ID);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
lab_application_finalize (GObject *object)
{
  LabApplication *self = (LabApplication *) object;

  g_clear_pointer (&self->screenshot_dir, g_free);

  G_OBJECT_CLASS (lab_application_parent_class)->finalize (object);
}

static void
lab_application_class_init (LabApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = lab_application_finalize;
  app_class->activate = lab_application_activate;
  app_class->startup = lab_application_startup;
  app_class->handle_local_options = lab_application_handle_local_options;
}

static void
lab_application_init (LabApplication *self)
{
  static const GOptionEntry options[] = {
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Train a short scripted session and save a PNG of each page into DIR"), N_("DIR") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

LabApplication *
lab_application_new (void)
{
  return g_object_new (LAB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/lrlab/LRLab",
                       NULL);
}
