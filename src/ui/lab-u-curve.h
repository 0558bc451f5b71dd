/* LabUCurve: what a learning-rate sweep found, against the rate on a log axis. Two plots
 * side by side: the losses (the best validation loss, a filled dot, and the final
 * training loss, a ring) and the best validation accuracy. Each point is in its run's
 * colour (a group of seeds: its mean, with a bar of one standard deviation); a rate whose
 * runs diverged is a cross at the top edge, not left out. Too low a rate and too high a
 * rate both lose, so the validation loss draws a U: its bottom is the rate to pick.
 * Hovering a point says which (the "hover-changed" signal), and the window highlights
 * that run's curves. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  double  lr;
  GdkRGBA color;
  int     seeds;             /* runs at this rate (1: no bars) */
  int     diverged;          /* of them, how many diverged; all: the cross */
  double  best_val_loss, best_val_loss_std;
  double  final_loss, final_loss_std;
  double  best_val_accuracy, best_val_accuracy_std;
} LabUCurvePoint;

/* The curve's order of its points, by rate (a GCompareFunc): an index of the curve's
 * (lab_u_curve_get_hover) is an index into the points sorted with it. */
int lab_u_curve_point_compare (gconstpointer a,
                               gconstpointer b);

#define LAB_TYPE_U_CURVE (lab_u_curve_get_type ())
G_DECLARE_FINAL_TYPE (LabUCurve, lab_u_curve, LAB, U_CURVE, GtkWidget)

GtkWidget *lab_u_curve_new          (void);
/* Replaces the points (copied), in any order. */
void       lab_u_curve_set_points   (LabUCurve            *self,
                                     const LabUCurvePoint *points,
                                     guint                 n_points);
guint      lab_u_curve_get_n_points (LabUCurve            *self);
/* The index of the point under the pointer, -1 for none. */
int        lab_u_curve_get_hover    (LabUCurve            *self);
/* As the pointer would: for tests and the screenshot. */
void       lab_u_curve_set_hover    (LabUCurve            *self,
                                     int                   index);
/* The point nearest (x, y) in a width x height drawing within a few pixels, or -1. */
int        lab_u_curve_pick         (LabUCurve            *self,
                                     double                x,
                                     double                y,
                                     int                   width,
                                     int                   height);
/* Draws into cr (the widget and tests share it). */
void       lab_u_curve_draw         (LabUCurve            *self,
                                     cairo_t              *cr,
                                     int                   width,
                                     int                   height);

G_END_DECLS
