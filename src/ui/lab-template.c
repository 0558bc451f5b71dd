/* lab-template: the dispose a widget with an unbound top child in its template needs (see
 * lab-template.h). */
#include "config.h"

#include "lab-template.h"

void
lab_template_dispose (GtkWidget *widget,
                      GType      widget_type)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_widget_dispose_template (widget, widget_type);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (widget));)
    gtk_widget_unparent (child);
}
