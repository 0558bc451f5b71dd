/* What the window tests share: finding the dialog the window presented, as a user would
 * find it on screen. Header-only: the tests link different libraries (the chart's tests
 * only the chart), and this needs nothing but libadwaita. */
#pragma once

#include <adwaita.h>

/* The message dialog with this heading among the toplevels, or NULL (borrowed). */
static inline AdwMessageDialog *
ui_test_find_message_dialog (const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (w) &&
          g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (w)), heading) == 0)
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}
