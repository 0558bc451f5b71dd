/* lab-window-branch: runs that start where another left off (train_resume.h), in the
 * window: resume a run from its row (and offer it for runs a crash interrupted), "Continue
 * from here" from a row or a right click on the charts, "Change the rate now" while a run
 * trains, pruning a run's checkpoints, and forks drawn as branches of their parents with a
 * legend that says what differs ("lr 1e-4 from epoch 20"). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-fork-dialog.h"
#include "lab-window-private.h"
#include "train_checkpoints.h"
#include "train_resume.h"
#include "train_session.h"

/* What a dialog's answer (or an idle) needs: the window, the run it is about, and what
 * the question was about (the start to resume from, the row, the dialog's spin buttons). */
typedef struct {
  LabWindow     *window;
  LabRun        *run;
  TrainStart    *start;
  guint          index;
  GtkSpinButton *spins[2];
} Ask;

static Ask *
ask_new (LabWindow *self,
         LabRun    *run)
{
  Ask *a = g_new0 (Ask, 1);

  a->window = g_object_ref (self);
  a->run = run ? g_object_ref (run) : NULL;
  return a;
}

static void
ask_free (gpointer data)
{
  Ask *a = data;

  g_clear_pointer (&a->start, train_start_free);
  g_object_unref (a->window);
  g_clear_object (&a->run);
  g_free (a);
}

/* Hands a to the dialog's "response" handler, freed with the dialog. */
static void
connect_response (GtkWidget *dialog,
                  GCallback  callback,
                  Ask       *a)
{
  g_signal_connect_data (dialog, "response", callback, a, (GClosureNotify) (void (*) (void)) ask_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static LabRun *
run_at (LabWindow *self,
        guint      index)
{
  return g_list_model_get_item (G_LIST_MODEL (self->runs), index);
}

static gboolean
find_run (LabWindow *self,
          LabRun    *run,
          guint     *index)
{
  return g_list_store_find (self->runs, run, index);
}

/* The run of the window whose folder is dir (canonical paths compared), or NULL. */
static LabRun *
run_in_folder (LabWindow  *self,
               const char *dir)
{
  g_autofree char *want = g_canonicalize_filename (dir, NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = run_at (self, i);
      const char *out = train_run_get_output_dir (lab_run_get_train_run (run));
      g_autofree char *have = out ? g_canonicalize_filename (out, NULL) : NULL;

      if (have && g_str_equal (have, want))
        return run;
    }
  return NULL;
}

/* The parent of run when it is a fork and its parent is in the window. */
static LabRun *
parent_of (LabWindow     *self,
           LabRun        *run,
           TrainForkInfo *info)
{
  const char *dir = train_run_get_output_dir (lab_run_get_train_run (run));

  if (dir == NULL || !train_fork_info_read (dir, info))
    return NULL;
  return run_in_folder (self, info->parent);
}

char *
_lab_window_branch_describe (LabWindow *self,
                             LabRun    *run)
{
  TrainForkInfo info;
  LabRun *parent;
  char *text = NULL;

  g_assert (LAB_IS_WINDOW (self));

  if ((parent = parent_of (self, run, &info)) != NULL)
    text = train_fork_describe (train_run_get_config (lab_run_get_train_run (run)),
                                train_run_get_config (lab_run_get_train_run (parent)), info.epochs);
  train_fork_info_clear (&info);
  return text;
}

void
_lab_window_branch_link_forks (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = run_at (self, i);
      TrainForkInfo info;
      LabRun *parent = parent_of (self, run, &info);

      /* The chart's x is the count of finished epochs: a fork after 20 branches at 20. */
      for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
        lab_chart_set_run_fork (self->charts[c], lab_run_get_chart_id (run, c),
                                parent ? lab_run_get_chart_id (parent, c) : 0,
                                parent ? info.epochs : -1);
      train_fork_info_clear (&info);
    }
}

/* --- Starting ----------------------------------------------------------------------- */

/* The app trains one run at a time (two would share two cores and both crawl): the one
 * before stops, keeping its finished epochs, unless the user asked for both. */
static void
stop_active (LabWindow *self)
{
  if (self->active_run && train_status_is_active (lab_run_get_progress (self->active_run).status))
    train_run_stop (lab_run_get_train_run (self->active_run));
}

static void
resume_with (LabWindow  *self,
             guint       index,
             TrainStart *start,
             int         epochs)
{
  TrainConfig config;
  g_autoptr(TrainRun) train_run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_strdup (train_start_dir (start));
  g_autofree char *note = g_strdup (train_start_note (start));
  LabRun *run;

  train_config_copy (&config, train_start_config (start));
  config.epochs = epochs;
  stop_active (self);
  train_run = train_run_new (&config, NULL);
  train_config_clear (&config);
  train_run_set_start (train_run, start);
  run = _lab_window_replace_train_run (self, index, train_run);
  if (!train_run_start (train_run, &error))
    {
      g_autoptr(TrainRun) again = train_run_load (dir, NULL);
      _lab_window_toast (self, _("The run could not be resumed: %s"), error->message);
      if (again)
        _lab_window_replace_train_run (self, index, again);
      return;
    }
  if (note)
    _lab_window_toast (self, "%s", note);
  _lab_window_make_active (self, run);
}

static void
on_more_epochs_response (AdwMessageDialog *dialog,
                         const char       *response,
                         Ask              *a)
{
  if (g_strcmp0 (response, "resume") == 0)
    {
      int epochs = train_start_epochs_done (a->start) + gtk_spin_button_get_value_as_int (a->spins[0]);
      resume_with (a->window, a->index, g_steal_pointer (&a->start), epochs);
    }
}

/* A run that did all its epochs trains more: how many? */
static void
ask_more_epochs (LabWindow  *self,
                 guint       index,
                 const char *name,
                 TrainStart *start)
{
  GtkWidget *dialog;
  GtkWidget *spin = gtk_spin_button_new_with_range (1, 100000, 1);
  Ask *a = ask_new (self, NULL);
  int done = train_start_epochs_done (start);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 10);
  gtk_widget_set_halign (spin, GTK_ALIGN_CENTER);
  dialog = _lab_window_question_new (self, _("Train More Epochs?"), "cancel", _("_Cancel"), "resume", _("_Resume"),
                                     ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s has done all its %d epochs. Resuming trains this many more, from where it ended, as if it had been planned longer."),
                                  name, done);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), spin);
  a->index = index;
  a->start = start;
  a->spins[0] = GTK_SPIN_BUTTON (spin);
  connect_response (dialog, G_CALLBACK (on_more_epochs_response), a);
}

static void
resume_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  guint index = g_variant_get_uint32 (param);
  g_autoptr(LabRun) run = run_at (self, index);
  g_autoptr(GError) error = NULL;
  const char *dir;
  TrainStart *start;

  g_assert (LAB_IS_WINDOW (self));

  if (run == NULL || train_status_is_active (lab_run_get_progress (run).status))
    return;
  dir = train_run_get_output_dir (lab_run_get_train_run (run));
  if (dir == NULL)
    {
      _lab_window_toast (self, _("%s was not saved, so it cannot be resumed."), lab_run_get_name (run));
      return;
    }
  /* Its folder as it is now, not the run in memory: a resume continues what is on disk. */
  start = train_start_new_resume (dir, &error);
  if (start == NULL)
    {
      _lab_window_toast (self, "%s", error->message);
      return;
    }
  if (train_start_epochs_done (start) >= train_start_config (start)->epochs)
    ask_more_epochs (self, index, lab_run_get_name (run), start);
  else
    resume_with (self, index, start, train_start_config (start)->epochs);
}

/* The row of a refused resume shows its folder again, as it still is. */
static gboolean
reload_run (gpointer data)
{
  Ask *r = data;
  const char *dir = train_run_get_output_dir (lab_run_get_train_run (r->run));
  g_autoptr(TrainRun) again = dir ? train_run_load (dir, NULL) : NULL;
  guint index;

  if (again && find_run (r->window, r->run, &index))
    _lab_window_replace_train_run (r->window, index, again);
  return G_SOURCE_REMOVE;
}

gboolean
_lab_window_branch_on_failed (LabWindow *self,
                              LabRun    *run)
{
  const TrainStart *start = train_run_get_start (lab_run_get_train_run (run));
  const char *dir = train_run_get_output_dir (lab_run_get_train_run (run));
  g_autofree char *message = NULL;
  AdwToast *toast;
  guint index;

  g_assert (LAB_IS_WINDOW (self));

  if (start == NULL || train_start_is_fork (start) || dir == NULL || !find_run (self, run, &index))
    return FALSE;
  /* A refused resume wrote nothing: the row shows the folder as it still is, and the
   * toast offers the fork the message speaks of. */
  message = train_run_dup_message (lab_run_get_train_run (run));
  toast = adw_toast_new_format (_("%s was not resumed: %s"), lab_run_get_name (run),
                                message ? message : _("unknown error"));
  adw_toast_set_timeout (toast, 0);
  adw_toast_set_button_label (toast, _("_Fork…"));
  adw_toast_set_action_name (toast, "win.fork-run");
  adw_toast_set_action_target (toast, "(uu)", index, (guint32) train_start_epochs_done (start));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  /* From an idle: the run is emitting the signal that brought us here. */
  g_idle_add_full (G_PRIORITY_DEFAULT, reload_run, ask_new (self, run), ask_free);
  return TRUE;
}

/* --- Forks -------------------------------------------------------------------------- */

static void
start_fork (LabWindow         *self,
            LabRun            *parent,
            int                epoch,
            const TrainConfig *settings,
            gboolean           keep_parent)
{
  const char *parent_dir = train_run_get_output_dir (lab_run_get_train_run (parent));
  g_autoptr(GError) error = NULL;
  g_autofree char *session = train_session_dir ();
  g_autofree char *dir = NULL;
  g_autoptr(TrainRun) train_run = NULL;
  TrainStart *start;
  TrainConfig config;
  LabRun *run;

  start = train_start_new_fork (parent_dir, epoch, &error);
  if (start == NULL)
    {
      _lab_window_toast (self, "%s", error->message);
      return;
    }
  dir = train_session_next_run_dir (session, &error);
  if (dir == NULL)
    {
      _lab_window_toast (self, _("The fork needs a folder of its own: %s"), error->message);
      train_start_free (start);
      return;
    }
  train_config_copy (&config, settings);
  g_free (config.name);
  config.name = g_strdup_printf (_("Run %u"), g_list_model_get_n_items (G_LIST_MODEL (self->runs)) + 1);
  train_run = train_run_new (&config, NULL);
  train_config_clear (&config);
  train_run_set_output_dir (train_run, dir);
  train_run_set_start (train_run, start);
  if (!keep_parent)
    stop_active (self);
  /* Started before it joins the window: its folder says it is a fork (fork.ini) by the
   * time the legends and the branches are drawn. */
  if (!train_run_start (train_run, &error))
    {
      _lab_window_toast (self, _("The fork could not start: %s"), error->message);
      return;
    }
  run = _lab_window_add_train_run (self, train_run);
  _lab_window_make_active (self, run);
}

static void
on_fork_response (LabForkDialog *dialog,
                  const char    *response,
                  Ask           *a)
{
  TrainConfig config;

  if (g_strcmp0 (response, "fork") != 0)
    return;
  train_config_init (&config);
  lab_fork_dialog_get_config (dialog, &config);
  start_fork (a->window, a->run, lab_fork_dialog_get_epoch (dialog), &config,
              lab_fork_dialog_get_keep_parent (dialog));
  train_config_clear (&config);
}

static void
ask_fork (LabWindow *self,
          LabRun    *parent,
          int        epoch,
          gboolean   live)
{
  TrainRun *train_run = lab_run_get_train_run (parent);
  const char *dir = train_run_get_output_dir (train_run);
  g_autoptr(GArray) points = NULL;
  LabForkDialog *dialog;
  guint n_epochs;

  lab_run_get_epochs (parent, &n_epochs);
  if (dir == NULL || n_epochs == 0)
    {
      _lab_window_toast (self, _("%s has no finished epoch to continue from."), lab_run_get_name (parent));
      return;
    }
  points = train_start_fork_points (dir);
  if (epoch <= 0)
    {
      /* Where the validation loss turned, when that checkpoint is kept; else the last. */
      int best = lab_run_get_progress (parent).best_epoch + 1;
      epoch = (int) n_epochs;
      for (guint i = 0; i < points->len; i++)
        if (g_array_index (points, int, i) == best)
          epoch = best;
    }
  dialog = lab_fork_dialog_new (GTK_WINDOW (self), lab_run_get_name (parent), train_run_get_config (train_run),
                                (int) n_epochs, points, MIN (epoch, (int) n_epochs), live);
  connect_response (GTK_WIDGET (dialog), G_CALLBACK (on_fork_response), ask_new (self, parent));
}

static void
fork_run_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  guint index, epoch;
  g_autoptr(LabRun) run = NULL;

  g_assert (LAB_IS_WINDOW (self));

  g_variant_get (param, "(uu)", &index, &epoch);
  if ((run = run_at (self, index)) != NULL)
    ask_fork (self, run, (int) epoch, FALSE);
}

static void
change_rate_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  guint n_epochs = 0;

  g_assert (LAB_IS_WINDOW (self));

  if (self->active_run == NULL)
    return;
  lab_run_get_epochs (self->active_run, &n_epochs);
  ask_fork (self, self->active_run, (int) n_epochs, TRUE);
}

void
lab_window_fork_run (LabWindow         *self,
                     LabRun            *parent,
                     int                epoch,
                     const TrainConfig *config)
{
  g_return_if_fail (LAB_IS_WINDOW (self));
  g_return_if_fail (LAB_IS_RUN (parent));
  g_return_if_fail (config != NULL);

  start_fork (self, parent, epoch, config, FALSE);
}

/* --- Pruning ------------------------------------------------------------------------ */

static void
on_prune_response (AdwMessageDialog *dialog,
                   const char       *response,
                   Ask              *a)
{
  const char *dir = train_run_get_output_dir (lab_run_get_train_run (a->run));
  TrainProgress p = lab_run_get_progress (a->run);
  g_autoptr(GError) error = NULL;
  g_autofree char *freed_text = NULL;
  guint n_epochs;
  guint64 freed = 0;
  int removed = 0;

  if (g_strcmp0 (response, "prune") != 0 || dir == NULL || train_status_is_active (p.status))
    return;
  lab_run_get_epochs (a->run, &n_epochs);
  if (!train_checkpoints_prune (dir, gtk_spin_button_get_value_as_int (a->spins[0]),
                                gtk_spin_button_get_value_as_int (a->spins[1]), (int) n_epochs,
                                p.best_epoch + 1, &removed, &freed, &error))
    _lab_window_toast (a->window, _("Pruning stopped: %s"), error->message);
  freed_text = g_format_size (freed);
  _lab_window_toast (a->window, ngettext ("%d checkpoint removed, %s freed", "%d checkpoints removed, %s freed", removed),
                     removed, freed_text);
  lab_run_refresh (a->run);
}

static GtkWidget *
spin_row (const char     *title,
          const char     *subtitle,
          double          value,
          GtkSpinButton **spin)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_spin_button_new_with_range (0, 100000, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (button), value);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  *spin = GTK_SPIN_BUTTON (button);
  return row;
}

static void
prune_run_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  LabWindow *self = LAB_WINDOW (widget);
  g_autoptr(LabRun) run = run_at (self, g_variant_get_uint32 (param));
  g_autoptr(GArray) files = NULL;
  g_autofree char *size = NULL;
  GtkWidget *dialog, *list;
  const TrainConfig *config;
  const char *dir;
  guint64 checkpoint_bytes = 0;
  Ask *a;

  g_assert (LAB_IS_WINDOW (self));

  if (run == NULL || (dir = train_run_get_output_dir (lab_run_get_train_run (run))) == NULL)
    return;
  if (train_status_is_active (lab_run_get_progress (run).status))
    {
      _lab_window_toast (self, _("%s is training: prune its checkpoints once it has stopped."), lab_run_get_name (run));
      return;
    }
  config = train_run_get_config (lab_run_get_train_run (run));
  files = train_checkpoints_list (dir);
  train_checkpoints_disk_usage (dir, &checkpoint_bytes);
  size = g_format_size (checkpoint_bytes);
  dialog = _lab_window_question_new (self, _("Prune Checkpoints?"), "cancel", _("_Cancel"), "prune", _("_Prune"),
                                     ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  ngettext ("%s keeps %u checkpoint (%s). Pruning keeps those below, and always the last and the best epoch's; forks can start only from kept ones.",
                                            "%s keeps %u checkpoints (%s). Pruning keeps those below, and always the last and the best epoch's; forks can start only from kept ones.",
                                            files->len),
                                  lab_run_get_name (run), files->len, size);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  a = ask_new (self, run);
  gtk_list_box_append (GTK_LIST_BOX (list), spin_row (_("Keep the last"), _("epochs' checkpoints"),
                                                      config->keep_last > 0 ? config->keep_last : 3, &a->spins[0]));
  gtk_list_box_append (GTK_LIST_BOX (list), spin_row (_("And every"), _("th epoch's (0: none)"),
                                                      config->keep_every, &a->spins[1]));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  connect_response (dialog, G_CALLBACK (on_prune_response), a);
}

/* --- A session a crash interrupted -------------------------------------------------- */

static void
on_offer_response (AdwMessageDialog *dialog,
                   const char       *response,
                   LabWindow        *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "index"));

  if (g_strcmp0 (response, "resume") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.resume-run", "u", index);
}

void
_lab_window_branch_offer_resume (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  g_autoptr(GString) names = g_string_new (NULL);
  guint n_interrupted = 0, latest = 0;
  g_autoptr(LabRun) last = NULL;
  GtkWidget *dialog;

  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = run_at (self, i);
      const char *dir = train_run_get_output_dir (lab_run_get_train_run (run));

      if (dir && train_resume_was_interrupted (dir))
        {
          g_string_append_printf (names, "%s%s", n_interrupted ? ", " : "", lab_run_get_name (run));
          n_interrupted++;
          latest = i;
        }
    }
  if (n_interrupted == 0)
    return;
  last = run_at (self, latest);
  dialog = _lab_window_question_new (self, _("Resume Interrupted Training?"), "later", _("_Not Now"), "resume",
                                     _("_Resume"), ADW_RESPONSE_SUGGESTED);
  if (n_interrupted == 1)
    {
      guint done;
      lab_run_get_epochs (last, &done);
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      _("LR Lab ended while %s was training, after %u of its %d epochs. Resume it where it stopped? It ends as it would have without the interruption."),
                                      lab_run_get_name (last), done,
                                      train_run_get_config (lab_run_get_train_run (last))->epochs);
    }
  else
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    _("LR Lab ended while these runs were training: %s. Resume %s, the latest, now? The others can be resumed from their rows."),
                                    names->str, lab_run_get_name (last));
  g_object_set_data (G_OBJECT (dialog), "index", GUINT_TO_POINTER (latest));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_offer_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- The charts: right click, "Continue <run> from epoch K" ------------------------- */

static void
on_popover_closed (GtkWidget *popover)
{
  /* After the item's action ran: unparenting inside "closed" would cancel it. */
  g_idle_add_once ((GSourceOnceFunc) gtk_widget_unparent, popover);
}

static void
on_chart_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  LabWindow       *self)
{
  GtkWidget *chart = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *popover;
  int epoch;

  if (lab_chart_get_x_mode (LAB_CHART (chart)) != LAB_CHART_X_EPOCH)
    return;
  epoch = (int) round (lab_chart_pixel_to_value_x (LAB_CHART (chart), x, gtk_widget_get_width (chart)));
  for (guint i = 0; i < n && epoch >= 1; i++)
    {
      g_autoptr(LabRun) run = run_at (self, i);
      g_autofree char *label = NULL;
      g_autoptr(GMenuItem) item = NULL;
      guint n_epochs;

      lab_run_get_epochs (run, &n_epochs);
      if (!lab_run_get_shown (run) || (int) n_epochs < epoch ||
          train_run_get_output_dir (lab_run_get_train_run (run)) == NULL)
        continue;
      label = g_strdup_printf (_("Continue %s from Epoch %d…"), lab_run_get_name (run), epoch);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target (item, "win.fork-run", "(uu)", i, (guint32) epoch);
      g_menu_append_item (menu, item);
    }
  if (g_menu_model_get_n_items (G_MENU_MODEL (menu)) == 0)
    return;
  popover = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_widget_set_parent (popover, chart);
  gtk_popover_set_pointing_to (GTK_POPOVER (popover), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  g_signal_connect (popover, "closed", G_CALLBACK (on_popover_closed), NULL);
  gtk_popover_popup (GTK_POPOVER (popover));
}

void
_lab_window_branch_init (LabWindow *self)
{
  g_assert (LAB_IS_WINDOW (self));

  for (guint c = 0; c < LAB_WINDOW_N_CHARTS; c++)
    {
      GtkGesture *click = gtk_gesture_click_new ();

      gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
      g_signal_connect_object (click, "pressed", G_CALLBACK (on_chart_pressed), self, 0);
      gtk_widget_add_controller (GTK_WIDGET (self->charts[c]), GTK_EVENT_CONTROLLER (click));
    }
}

void
_lab_window_branch_update_actions (LabWindow *self)
{
  gboolean running = FALSE;
  guint n_epochs = 0;

  g_assert (LAB_IS_WINDOW (self));

  if (self->active_run)
    {
      running = lab_run_get_progress (self->active_run).status == TRAIN_STATUS_RUNNING;
      lab_run_get_epochs (self->active_run, &n_epochs);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.change-rate",
                                 !self->stopping && running && n_epochs > 0 &&
                                 train_run_get_output_dir (lab_run_get_train_run (self->active_run)) != NULL);
}

void
_lab_window_class_branch_init (LabWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.resume-run", "u", resume_run_action);
  gtk_widget_class_install_action (widget_class, "win.fork-run", "(uu)", fork_run_action);
  gtk_widget_class_install_action (widget_class, "win.prune-run", "u", prune_run_action);
  gtk_widget_class_install_action (widget_class, "win.change-rate", NULL, change_rate_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.change-rate", NULL);
}
