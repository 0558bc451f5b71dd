/* lab-template: what every LR Lab widget built from a template does on dispose, in one
 * place. */
#pragma once

#include <gtk/gtk.h>

/* gtk_widget_dispose_template, then the template's top child: a page's template does not
 * bind it (nothing refers to it by name), so dispose_template leaves it parented. */
void lab_template_dispose (GtkWidget *widget,
                           GType      widget_type);
