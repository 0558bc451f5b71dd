/* lab-window-sweep: the window's learning-rate instruments. A sweep (several rates, or one
 * rate with several seeds, or both) runs through a TrainSweep; each member joins the runs
 * as it starts. Members that differ only in their seed form a group: the charts draw the
 * group's mean and its band (min-max, or mean ± one standard deviation) instead of each
 * member, the runs table puts the members under the group's header, and the verdict line
 * reads the group. The latest sweep's U-curve sits beside the learning-rate chart, and
 * hovering one of its rates lets that rate's curves stand out. The finder dialog opens
 * from here too. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-lr-finder-dialog.h"
#include "lab-window-private.h"
#include "train_diagnosis.h"
#include "train_group.h"
#include "train_session.h"
#include "train_sweep.h"

/* Other runs' curves while a U-curve point is hovered: still there, far behind. */
#define FADED_ALPHA 0.15

/* The keys of groups read back with a session: apart from any sweep's (n_sweeps << 10 |
 * rate), so hovering the latest sweep's U-curve never lights one. */
#define RESTORED_KEY 0x80000000u

typedef struct
{
  guint      key;                        /* LabRun's group id */
  char      *restored_id;                /* group.ini's id, for a group read back; NULL */
  int        rate_index;                 /* in its sweep; -1 when read back */
  double     lr;
  char      *label;                      /* "lr 1e-3, 3 seeds" */
  GdkRGBA    color;
  GPtrArray *members;                    /* LabRun */
  guint      chart_ids[LAB_WINDOW_N_CHARTS];
} Group;

struct _LabWindowSweeps
{
  TrainSweep *sweep;                     /* the latest, running or ended */
  guint       n_sweeps;
  guint       n_restored;                /* groups read back with the session */
  guint       n_added;                   /* of its members, those in the window */
  GPtrArray  *members;                   /* LabRun per member index (latest sweep) */
  GPtrArray  *groups;                    /* Group, of every sweep */
  GArray     *point_rates;               /* the U-curve's points' rate indices, in order */
  int         highlighted;               /* a rate index of the latest sweep, -1 */
};

/* A deleted member leaves a hole (NULL) in the latest sweep's list: its index names a rate. */
static void
unref_member (gpointer run)
{
  if (run != NULL)
    g_object_unref (run);
}

static void
group_free (gpointer data)
{
  Group *g = data;

  g_ptr_array_unref (g->members);
  g_free (g->restored_id);
  g_free (g->label);
  g_free (g);
}

static Group *
find_group (LabWindow *self,
            guint      key)
{
  for (guint i = 0; key && i < self->sweeps->groups->len; i++)
    {
      Group *g = g_ptr_array_index (self->sweeps->groups, i);
      if (g->key == key)
        return g;
    }
  return NULL;
}

/* A new group with the next colour, on every chart. */
static Group *
group_new (LabWindow *self,
           guint      key,
           int        rate_index,
           double     lr,
           int        n_seeds)
{
  Group *g = g_new0 (Group, 1);
  g_autofree char *text = train_format_lr (lr);

  g->key = key;
  g->rate_index = rate_index;
  g->lr = lr;
  g->label = g_strdup_printf (ngettext ("lr %s, %d seed", "lr %s, %d seeds", n_seeds), text, n_seeds);
  g->color = *lab_chart_palette_color (self->n_colors_used++);
  g->members = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    g->chart_ids[c] = lab_chart_add_run (self->charts[c], g->label, &g->color);
  g_ptr_array_add (self->sweeps->groups, g);
  return g;
}

/* The group of rate r of the latest sweep, made with the next colour when it is new. */
static Group *
group_for_rate (LabWindow *self,
                int        rate_index)
{
  LabWindowSweeps *sw = self->sweeps;
  guint key = (sw->n_sweeps << 10) | (guint) (rate_index + 1);
  Group *g = find_group (self, key);

  if (g != NULL)
    return g;
  return group_new (self, key, rate_index, train_sweep_get_rate (sw->sweep, rate_index),
                    train_sweep_get_n_seeds (sw->sweep));
}

/* --- A group's mean and band ------------------------------------------------------ */

static TrainGroupSpread
band_spread (LabWindow *self)
{
  return gtk_toggle_button_get_active (self->band_toggle) ? TRAIN_GROUP_SPREAD_STD : TRAIN_GROUP_SPREAD_MIN_MAX;
}

/* Which mean goes on which chart's curves. */
static const struct
{
  LabWindowChart chart;
  LabChartCurve  curve;
  gsize          stat;                   /* offsetof a TrainGroupStat in TrainGroupEpoch */
  gboolean       band;
} group_feeds[] = {
  { LAB_WINDOW_CHART_LOSS,     LAB_CHART_CURVE_TRAIN, G_STRUCT_OFFSET (TrainGroupEpoch, loss),         TRUE },
  { LAB_WINDOW_CHART_LOSS,     LAB_CHART_CURVE_VAL,   G_STRUCT_OFFSET (TrainGroupEpoch, val_loss),     TRUE },
  { LAB_WINDOW_CHART_ACCURACY, LAB_CHART_CURVE_TRAIN, G_STRUCT_OFFSET (TrainGroupEpoch, accuracy),     TRUE },
  { LAB_WINDOW_CHART_ACCURACY, LAB_CHART_CURVE_VAL,   G_STRUCT_OFFSET (TrainGroupEpoch, val_accuracy), TRUE },
  { LAB_WINDOW_CHART_LR,       LAB_CHART_CURVE_TRAIN, G_STRUCT_OFFSET (TrainGroupEpoch, lr),           FALSE },
};

static void
draw_group (LabWindow *self,
            Group     *g)
{
  const guint n = g->members->len;
  g_autofree const TrainEpoch **runs = g_new0 (const TrainEpoch *, MAX (n, 1));
  g_autofree int *n_epochs = g_new0 (int, MAX (n, 1));
  g_autoptr(GArray) epochs = NULL;
  g_autofree LabChartPoint *points = NULL;
  g_autofree LabChartBandPoint *band = NULL;
  g_autofree double *seconds = NULL;
  int best = -1;

  for (guint i = 0; i < n; i++)
    {
      guint len;
      runs[i] = lab_run_get_epochs (g_ptr_array_index (g->members, i), &len);
      n_epochs[i] = (int) len;
    }
  epochs = train_group_epochs (runs, n_epochs, (int) n);
  points = g_new0 (LabChartPoint, MAX (epochs->len, 1));
  band = g_new0 (LabChartBandPoint, MAX (epochs->len, 1));
  /* The time axis: the members' mean time to reach each epoch. */
  seconds = g_new0 (double, MAX (epochs->len, 1));
  for (guint k = 0; k < epochs->len; k++)
    {
      int with = 0;
      double sum = 0;
      for (guint i = 0; i < n; i++)
        if ((int) k < n_epochs[i])
          {
            sum += runs[i][k].seconds;
            with++;
          }
      seconds[k] = (k > 0 ? seconds[k - 1] : 0) + (with ? sum / with : 0);
    }

  for (guint f = 0; f < G_N_ELEMENTS (group_feeds); f++)
    {
      LabChart *chart = self->charts[group_feeds[f].chart];
      guint id = g->chart_ids[group_feeds[f].chart];

      for (guint k = 0; k < epochs->len; k++)
        {
          const TrainGroupEpoch *e = &g_array_index (epochs, TrainGroupEpoch, k);
          const TrainGroupStat *s = &G_STRUCT_MEMBER (TrainGroupStat, e, group_feeds[f].stat);

          points[k] = (LabChartPoint) { k + 1, seconds[k], s->mean };
          band[k] = (LabChartBandPoint) { k + 1, seconds[k], NAN, NAN };
          train_group_stat_band (s, band_spread (self), &band[k].lower, &band[k].upper);
        }
      lab_chart_set_run_points (chart, id, group_feeds[f].curve, points, epochs->len);
      if (group_feeds[f].band)
        lab_chart_set_run_band (chart, id, group_feeds[f].curve, band, epochs->len);
    }
  for (guint k = 0; k < epochs->len; k++)
    {
      const TrainGroupEpoch *e = &g_array_index (epochs, TrainGroupEpoch, k);
      if (isfinite (e->val_loss.mean) &&
          (best < 0 || e->val_loss.mean < g_array_index (epochs, TrainGroupEpoch, best).val_loss.mean))
        best = (int) k;
    }
  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    lab_chart_set_run_best_epoch (self->charts[c], g->chart_ids[c], best >= 0 ? best + 1 : -1);
}

/* Joins run to g as a member: drawn by the group's mean and band, listed under it. */
static void
add_member (LabWindow *self,
            Group     *g,
            LabRun    *run)
{
  lab_run_set_group (run, g->key, g->label);
  lab_run_set_shown (run, FALSE);
  g_ptr_array_add (g->members, g_object_ref (run));
  draw_group (self, g);
}

static void
update_band_labels (LabWindow *self)
{
  const char *label = NULL;

  if (self->sweeps->groups->len > 0)
    label = band_spread (self) == TRAIN_GROUP_SPREAD_STD ? _("mean ± std of the seeds") : _("min–max of the seeds");
  lab_chart_set_band_label (self->charts[LAB_WINDOW_CHART_LOSS], label);
  lab_chart_set_band_label (self->charts[LAB_WINDOW_CHART_ACCURACY], label);
  gtk_widget_set_visible (GTK_WIDGET (self->band_toggle), self->sweeps->groups->len > 0);
}

static void
on_band_toggled (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < self->sweeps->groups->len; i++)
    draw_group (self, g_ptr_array_index (self->sweeps->groups, i));
  update_band_labels (self);
}

/* --- The U-curve ------------------------------------------------------------------ */

/* Every rate of the latest sweep with an ended member: its ended members' numbers. */
static void
update_u_curve (LabWindow *self)
{
  LabWindowSweeps *sw = self->sweeps;
  int n_rates = sw->sweep ? train_sweep_get_n_rates (sw->sweep) : 0;
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (LabUCurvePoint));
  g_autofree const TrainEpoch **runs = g_new0 (const TrainEpoch *, MAX (sw->members->len, 1));
  g_autofree int *n_epochs = g_new0 (int, MAX (sw->members->len, 1));
  g_autofree TrainStatus *statuses = g_new0 (TrainStatus, MAX (sw->members->len, 1));

  gtk_widget_set_visible (GTK_WIDGET (self->u_curve), n_rates > 1);
  g_array_set_size (sw->point_rates, 0);
  for (int r = 0; r < n_rates; r++)
    {
      int n = 0, classes = 2;
      LabRun *first = NULL;
      TrainSweepRow row;

      for (guint i = 0; i < sw->members->len; i++)
        {
          LabRun *run = g_ptr_array_index (sw->members, i);
          int rate_index;
          guint len;

          train_sweep_member_indices (sw->sweep, (int) i, &rate_index, NULL);
          if (run == NULL || rate_index != r || train_status_is_active (lab_run_get_progress (run).status) ||
              lab_run_get_progress (run).status == TRAIN_STATUS_READY)
            continue;
          first = first ? first : run;
          runs[n] = lab_run_get_epochs (run, &len);
          n_epochs[n] = (int) len;
          statuses[n] = lab_run_get_progress (run).status;
          classes = MAX (classes, train_run_get_num_classes (lab_run_get_train_run (run)));
          n++;
        }
      if (n == 0)
        continue;
      train_sweep_row_compute (&row, train_sweep_get_rate (sw->sweep, r), runs, n_epochs, statuses, n, classes,
                               lab_run_get_progress (first).epochs);
      {
        Group *g = find_group (self, lab_run_get_group (first));
        LabUCurvePoint p = {
          .lr = row.lr, .color = g ? g->color : *lab_run_get_color (first), .seeds = row.seeds,
          .diverged = row.diverged, .best_val_loss = row.best_val_loss, .best_val_loss_std = row.best_val_loss_std,
          .final_loss = row.final_loss, .final_loss_std = row.final_loss_std,
          .best_val_accuracy = row.best_val_accuracy, .best_val_accuracy_std = row.best_val_accuracy_std,
        };
        g_array_append_val (points, p);
      }
      train_sweep_row_clear (&row);
    }
  /* Sorted here as the U-curve sorts them, so a point's index names its rate. */
  g_array_sort (points, lab_u_curve_point_compare);
  for (guint i = 0; i < points->len; i++)
    for (int r = 0; r < n_rates; r++)
      if (train_sweep_get_rate (sw->sweep, r) == g_array_index (points, LabUCurvePoint, i).lr)
        g_array_append_val (sw->point_rates, r);
  lab_u_curve_set_points (self->u_curve, (const LabUCurvePoint *) (gpointer) points->data, points->len);
}

static void
tint (LabWindow     *self,
      const guint   *chart_ids,
      const GdkRGBA *color,
      gboolean       faded)
{
  GdkRGBA c = *color;

  if (faded)
    c.alpha = FADED_ALPHA;
  for (guint k = 0; k < LAB_WINDOW_N_CHARTS; k++)
    lab_chart_set_run_color (self->charts[k], chart_ids[k], &c);
}

/* A hovered rate: its run (or group) in full colour, every other faded; -1 restores all. */
static void
highlight_rate (LabWindow *self,
                int        rate_index)
{
  LabWindowSweeps *sw = self->sweeps;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  sw->highlighted = rate_index;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      guint ids[LAB_WINDOW_N_CHARTS];
      gboolean lit = FALSE;

      for (guint m = 0; m < sw->members->len; m++)
        {
          int member_rate;
          train_sweep_member_indices (sw->sweep, (int) m, &member_rate, NULL);
          lit = lit || (g_ptr_array_index (sw->members, m) == run && member_rate == rate_index);
        }
      for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
        ids[c] = lab_run_get_chart_id (run, c);
      tint (self, ids, lab_run_get_color (run), rate_index >= 0 && !lit);
    }
  for (guint i = 0; i < sw->groups->len; i++)
    {
      Group *g = g_ptr_array_index (sw->groups, i);
      gboolean lit = g->key == ((sw->n_sweeps << 10) | (guint) (rate_index + 1));
      tint (self, g->chart_ids, &g->color, rate_index >= 0 && !lit);
    }
}

static void
on_u_curve_hover (LabWindow *self)
{
  int point = lab_u_curve_get_hover (self->u_curve);
  LabWindowSweeps *sw = self->sweeps;

  g_assert (LAB_IS_WINDOW (self));

  highlight_rate (self, point >= 0 && point < (int) sw->point_rates->len
                        ? g_array_index (sw->point_rates, int, point) : -1);
}

/* --- Running a sweep -------------------------------------------------------------- */

/* On the sweep's thread: the session's next run folder, as Start makes one. */
static char *
member_folder (TrainRun          *run,
               const TrainConfig *member,
               int                rate_index,
               int                seed_index,
               gpointer           user_data)
{
  g_autofree char *session = train_session_dir ();
  return train_session_next_run_dir (session, NULL);
}

/* The members created since the last news join the window; the U-curve follows. */
static void
on_sweep_news (TrainSweep *sweep,
               gpointer    user_data)
{
  LabWindow *self = user_data;
  LabWindowSweeps *sw = self->sweeps;
  int n = train_sweep_get_n_created (sweep);

  g_assert (LAB_IS_WINDOW (self));

  if (sweep != sw->sweep)
    return;
  for (int i = (int) sw->n_added; i < n; i++)
    {
      int rate_index, seed_index;
      g_autoptr(TrainRun) train_run = train_sweep_dup_run (sweep, i, &rate_index, &seed_index);
      Group *g = train_sweep_get_n_seeds (sweep) > 1 ? group_for_rate (self, rate_index) : NULL;
      /* Named by what varies ("lr 1e-3", "seed 2"): the legend then says it once. */
      LabRun *run = _lab_window_add_train_run_with_color (self, train_run, g ? &g->color : NULL);

      /* The group's mean and band stand for it on the charts. */
      if (g)
        add_member (self, g, run);
      g_ptr_array_add (sw->members, g_object_ref (run));
      g_set_object (&self->active_run, run);
      lab_mistakes_page_select_run (self->mistakes_page, run);
    }
  sw->n_added = n;
  if (train_sweep_is_done (sweep))
    {
      g_autofree char *error = train_sweep_dup_error (sweep);
      if (error)
        _lab_window_toast (self, _("The sweep stopped: %s"), error);
    }
  gtk_list_box_invalidate_headers (self->runs_list);
  update_band_labels (self);
  update_u_curve (self);
  _lab_window_update_status (self);
  _lab_window_update_actions (self);
  _lab_window_close_if_stopped (self);
}

LabRun *
_lab_window_sweep_restore_member (LabWindow  *self,
                                  TrainRun   *train_run,
                                  const char *id,
                                  int         n_seeds)
{
  LabWindowSweeps *sw = self->sweeps;
  Group *g = NULL;
  LabRun *run;

  g_assert (LAB_IS_WINDOW (self));
  g_assert (id != NULL);

  for (guint i = 0; i < sw->groups->len && g == NULL; i++)
    if (g_strcmp0 (((Group *) g_ptr_array_index (sw->groups, i))->restored_id, id) == 0)
      g = g_ptr_array_index (sw->groups, i);
  if (g == NULL)
    {
      g = group_new (self, RESTORED_KEY | ++sw->n_restored, -1, train_run_get_config (train_run)->lr, n_seeds);
      g->restored_id = g_strdup (id);
    }
  run = _lab_window_add_train_run_with_color (self, train_run, &g->color);
  add_member (self, g, run);
  gtk_list_box_invalidate_headers (self->runs_list);
  update_band_labels (self);
  return run;
}

gboolean
_lab_window_sweep_start (LabWindow         *self,
                         const TrainConfig *config,
                         DataSet           *set,
                         const double      *rates,
                         int                n_rates,
                         int                n_seeds)
{
  LabWindowSweeps *sw = self->sweeps;
  g_autoptr(GArray) seeds = train_sweep_seeds_from (config->seed, n_seeds);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrainSweep) sweep = NULL;
  g_autofree char *plan = NULL;

  g_assert (LAB_IS_WINDOW (self));

  sweep = train_sweep_new (config, set, rates, n_rates, (const guint64 *) (gpointer) seeds->data, n_seeds, &error);
  if (sweep == NULL)
    {
      _lab_window_toast (self, "%s", error->message);
      return FALSE;
    }
  _lab_window_sweep_stop (self);
  highlight_rate (self, -1);
  if (sw->sweep)
    train_sweep_set_notify (sw->sweep, NULL, NULL, NULL, NULL);
  g_clear_pointer (&sw->sweep, train_sweep_unref);
  g_ptr_array_set_size (sw->members, 0);
  sw->n_added = 0;
  sw->n_sweeps++;
  sw->sweep = train_sweep_ref (sweep);
  train_sweep_set_folder_func (sweep, member_folder, NULL);
  train_sweep_set_notify (sweep, NULL, on_sweep_news, self, NULL);
  if (!train_sweep_start (sweep, &error))
    {
      _lab_window_toast (self, _("The sweep could not start: %s"), error->message);
      return FALSE;
    }
  plan = train_sweep_describe_plan (sweep);
  _lab_window_toast (self, n_seeds > 1 ? _("%s. Only the initial weights differ between seeds.") : "%s.", plan);
  update_u_curve (self);
  return TRUE;
}

gboolean
_lab_window_sweep_active (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  return self->sweeps != NULL && self->sweeps->sweep != NULL && !train_sweep_is_done (self->sweeps->sweep);
}

gboolean
_lab_window_sweep_stop (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  if (!_lab_window_sweep_active (self))
    return FALSE;
  train_sweep_stop (self->sweeps->sweep);
  return TRUE;
}

/* --- The window's news ------------------------------------------------------------ */

void
_lab_window_sweep_run_updated (LabWindow *self,
                               LabRun    *run)
{
  Group *g;

  g_assert (LAB_IS_WINDOW (self));

  if (self->sweeps == NULL)
    return;
  g = find_group (self, lab_run_get_group (run));
  if (g != NULL)
    draw_group (self, g);
  for (guint i = 0; i < self->sweeps->members->len; i++)
    if (g_ptr_array_index (self->sweeps->members, i) == run)
      {
        update_u_curve (self);
        break;
      }
}

/* old's places as a member (the latest sweep's list, its group) go to run; with run NULL
 * the latest sweep keeps a hole (the index names the member's rate) and the group loses
 * a member. Returns old's group, or NULL. */
static Group *
move_member (LabWindow *self,
             LabRun    *old,
             LabRun    *run)
{
  LabWindowSweeps *sw = self->sweeps;
  Group *g = find_group (self, lab_run_get_group (old));
  guint index;

  for (guint i = 0; i < sw->members->len; i++)
    if (g_ptr_array_index (sw->members, i) == old)
      {
        g_object_unref (old);
        sw->members->pdata[i] = run ? g_object_ref (run) : NULL;
      }
  if (g == NULL || !g_ptr_array_find (g->members, old, &index))
    return g;
  if (run == NULL)
    g_ptr_array_remove_index (g->members, index);
  else
    {
      g_object_unref (old);
      g->members->pdata[index] = g_object_ref (run);
    }
  return g;
}

void
_lab_window_sweep_run_replaced (LabWindow *self,
                                LabRun    *old,
                                LabRun    *run)
{
  Group *g;

  g_assert (LAB_IS_WINDOW (self));

  if (self->sweeps == NULL)
    return;
  /* A resumed member goes on as one of its seeds: drawn by the group's mean, not alone. */
  g = move_member (self, old, run);
  if (g != NULL)
    {
      lab_run_set_group (run, g->key, g->label);
      lab_run_set_shown (run, FALSE);
      draw_group (self, g);
    }
  update_u_curve (self);
}

void
_lab_window_sweep_run_removed (LabWindow *self,
                               LabRun    *run)
{
  LabWindowSweeps *sw = self->sweeps;
  Group *g;

  g_assert (LAB_IS_WINDOW (self));

  if (sw == NULL)
    return;
  g = move_member (self, run, NULL);
  if (g != NULL)
    {
      if (g->members->len == 0)
        {
          for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
            lab_chart_remove_run (self->charts[c], g->chart_ids[c]);
          g_ptr_array_remove (sw->groups, g);
        }
      else
        draw_group (self, g);
    }
  update_band_labels (self);
  update_u_curve (self);
}

GArray *
_lab_window_sweep_read_groups (LabWindow *self)
{
  GArray *verdicts = g_array_new (FALSE, TRUE, sizeof (LabWindowGroupVerdict));

  g_assert (LAB_IS_WINDOW (self));

  g_array_set_clear_func (verdicts, (GDestroyNotify) _lab_window_group_verdict_clear);
  for (guint i = 0; self->sweeps && i < self->sweeps->groups->len; i++)
    {
      Group *g = g_ptr_array_index (self->sweeps->groups, i);
      const guint n = g->members->len;
      g_autofree const TrainEpoch **runs = g_new0 (const TrainEpoch *, MAX (n, 1));
      g_autofree int *n_epochs = g_new0 (int, MAX (n, 1));
      g_autofree TrainStatus *statuses = g_new0 (TrainStatus, MAX (n, 1));
      LabWindowGroupVerdict v = { .label = g->label, .classes = 2 };
      int planned = 0;

      if (n == 0)
        continue;
      v.member = g_ptr_array_index (g->members, 0);
      for (guint m = 0; m < n; m++)
        {
          LabRun *run = g_ptr_array_index (g->members, m);
          guint len;
          runs[m] = lab_run_get_epochs (run, &len);
          n_epochs[m] = (int) len;
          statuses[m] = lab_run_get_progress (run).status;
          planned = lab_run_get_progress (run).epochs;
          v.classes = MAX (v.classes, train_run_get_num_classes (lab_run_get_train_run (run)));
          v.active = v.active || run == self->active_run;
        }
      v.verdict = train_diagnose_group (runs, n_epochs, statuses, (int) n, v.classes, planned);
      g_array_append_val (verdicts, v);
    }
  return verdicts;
}

void
_lab_window_group_verdict_clear (LabWindowGroupVerdict *verdict)
{
  train_verdict_clear (&verdict->verdict);
}

/* The runs table: a group's members under one header saying what they are. */
static void
runs_header (GtkListBoxRow *row,
             GtkListBoxRow *before,
             gpointer       user_data)
{
  LabWindow *self = user_data;
  g_autoptr(LabRun) run = NULL;
  g_autoptr(LabRun) previous = NULL;
  guint group;
  g_autofree char *text = NULL;
  GtkWidget *label;

  /* While the window goes, the list goes before the rows. */
  if (self->runs == NULL)
    return;
  run = g_list_model_get_item (G_LIST_MODEL (self->runs), gtk_list_box_row_get_index (row));
  previous = before ? g_list_model_get_item (G_LIST_MODEL (self->runs), gtk_list_box_row_get_index (before)) : NULL;
  group = run ? lab_run_get_group (run) : 0;
  if (group == 0 || (previous && lab_run_get_group (previous) == group))
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }
  text = g_strdup_printf (_("%s: the same settings, only the initial weights differ (the curves show their "
                            "mean and spread)"), lab_run_get_group_label (run));
  label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 2);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_list_box_row_set_header (row, label);
}

/* --- The finder ------------------------------------------------------------------- */

static void
on_rate_chosen (LabWindow         *self,
                double             lr,
                LabLrFinderDialog *dialog)
{
  TrainConfig config;
  g_autofree char *text = train_format_lr (lr);

  g_assert (LAB_IS_WINDOW (self));

  train_config_init (&config);
  lab_settings_panel_get_config (self->settings_panel, &config);
  config.lr = lr;
  lab_settings_panel_set_config (self->settings_panel, &config);
  train_config_clear (&config);
  _lab_window_toast (self, _("The learning rate is now %s. Press Start to train with it."), text);
}

LabLrFinderDialog *
_lab_window_find_lr (LabWindow *self)
{
  TrainConfig config;
  g_autoptr(DataSet) set = NULL;
  g_autoptr(GError) error = NULL;
  LabLrFinderDialog *dialog;

  g_assert (LAB_IS_WINDOW (self));

  if (!_lab_window_settings_ready (self))
    return NULL;
  train_config_init (&config);
  lab_settings_panel_get_config (self->settings_panel, &config);
  set = lab_settings_panel_dup_dataset (self->settings_panel);
  dialog = lab_lr_finder_dialog_new (GTK_WINDOW (self), &config, set);
  train_config_clear (&config);
  g_signal_connect_object (dialog, "rate-chosen", G_CALLBACK (on_rate_chosen), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

/* --- Life cycle ------------------------------------------------------------------- */

void
_lab_window_sweep_init (LabWindow *self)
{
  LabWindowSweeps *sw = g_new0 (LabWindowSweeps, 1);

  sw->members = g_ptr_array_new_with_free_func (unref_member);
  sw->groups = g_ptr_array_new_with_free_func (group_free);
  sw->point_rates = g_array_new (FALSE, FALSE, sizeof (int));
  sw->highlighted = -1;
  self->sweeps = sw;
  gtk_list_box_set_header_func (self->runs_list, runs_header, self, NULL);
  update_band_labels (self);
  update_u_curve (self);
}

void
_lab_window_sweep_dispose (LabWindow *self)
{
  LabWindowSweeps *sw = self->sweeps;

  if (sw == NULL)
    return;
  /* The sweep's thread stops after the current batch; no news reaches this window. */
  if (sw->sweep)
    {
      train_sweep_stop (sw->sweep);
      train_sweep_set_notify (sw->sweep, NULL, NULL, NULL, NULL);
    }
  g_clear_pointer (&sw->sweep, train_sweep_unref);
  g_ptr_array_unref (sw->members);
  g_ptr_array_unref (sw->groups);
  g_array_unref (sw->point_rates);
  g_free (sw);
  self->sweeps = NULL;
}

LabUCurve *
lab_window_get_u_curve (LabWindow *self)
{
  g_return_val_if_fail (LAB_IS_WINDOW (self), NULL);

  return self->u_curve;
}

void
_lab_window_class_sweep_init (LabWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (LAB_TYPE_U_CURVE);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, u_curve);
  gtk_widget_class_bind_template_child (widget_class, LabWindow, band_toggle);
  gtk_widget_class_bind_template_callback (widget_class, on_band_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_u_curve_hover);
}
