/* lab-window-verdicts: the line under the charts that reads every shown run as the teacher
 * does ("Run 1: overfitting from epoch 18"), and the line under it that says what to try
 * next (train_advice.h), with a button that opens the fork dialog at the epoch to continue
 * from. The advice speaks of one run or one group of seeds: the active run (or its group)
 * when its verdict earns some, else the latest shown run, then the latest group, that
 * overfits (overfitting is the lesson, and it is rarely the run still training). A group
 * is told to repeat with the cures, not to continue: each seed has its own weights. A
 * rate to try is said for the active run or group only, and not when a shown run or group
 * trains at it already: in a sweep, the other rates are on the U-curve. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-window-private.h"
#include "train_advice.h"
#include "train_diagnosis.h"
#include "train_format.h"
#include "train_resume.h"

static int
run_classes (LabRun *run)
{
  const TrainConfig *config = train_run_get_config (lab_run_get_train_run (run));
  DataSet *set = train_run_get_dataset (lab_run_get_train_run (run));

  return set ? set->num_classes : (config->synthetic.multiclass ? 1 + DATA_N_DEFECTS : 2);
}

static TrainVerdict
diagnose (LabRun *run)
{
  guint n_epochs;
  const TrainEpoch *epochs = lab_run_get_epochs (run, &n_epochs);

  /* A young run's verdict waits for evidence ("at chance so far, epoch 2 of 30"). */
  return train_diagnose_live (epochs, n_epochs, lab_run_get_progress (run).status, run_classes (run),
                              lab_run_get_progress (run).epochs);
}

/* The cures the fork dialog can switch on. */
#define FORK_CURES (TRAIN_CURE_DROPOUT | TRAIN_CURE_WEIGHT_DECAY | TRAIN_CURE_AUGMENT)

/* "dropout, weight decay or augmentation": the cures a fork can switch on, in the words of
 * the panel's "Against Overfitting" and "Augmentation" rows. */
static char *
list_cures (guint cures)
{
  const char *names[3];
  int n = 0;
  GString *text = g_string_new (NULL);

  if (cures & TRAIN_CURE_DROPOUT)
    names[n++] = _("dropout");
  if (cures & TRAIN_CURE_WEIGHT_DECAY)
    names[n++] = _("weight decay");
  if (cures & TRAIN_CURE_AUGMENT)
    names[n++] = _("augmentation");
  for (int i = 0; i < n; i++)
    {
      if (i > 0)
        /* Translators: the separators of a list of cures, "a, b or c". */
        g_string_append (text, i == n - 1 ? _(" or ") : _(", "));
      g_string_append (text, names[i]);
    }
  return g_string_free (text, FALSE);
}

/* What the advice line speaks of: a run, or a group of seeds read as one. */
typedef struct
{
  const char         *name;              /* "Run 1", "lr 1e-3, 3 seeds" */
  LabRun             *run;               /* the run, or a member of the group: its settings */
  guint               index;             /* the run's in the list; G_MAXUINT for a group */
  const TrainVerdict *verdict;
  int                 classes;
  gboolean            active;            /* the active run, or the group it belongs to */
  gboolean            forkable;          /* a run that kept the advice's epoch's checkpoint */
} Subject;

#define IS_GROUP(subject) ((subject)->index == G_MAXUINT)

/* The advice's sentence for subject, or NULL. A group has no weights of its own to
 * continue from (each seed has its own), so it is told to repeat, not to continue; a run
 * whose checkpoint of that epoch is gone (pruned, or an imported run that never had one)
 * is told to start again. */
static char *
describe_advice (const Subject     *subject,
                 const TrainAdvice *advice)
{
  const char *name = subject->name;
  const gboolean group = IS_GROUP (subject);
  g_autofree char *rate = advice->rate > 0 ? train_format_lr (advice->rate) : NULL;

  switch (advice->kind)
    {
    case TRAIN_ADVICE_CURES:
      {
        g_autofree char *text = NULL;
        g_autofree char *cures = (advice->cures & FORK_CURES) ? list_cures (advice->cures) : NULL;
        /* A new run can change the network; a fork keeps it (its weights belong to it). */
        const char *again = (advice->cures & TRAIN_CURE_DROPOUT_LAYER)
                            ? _("a network with dropout, a smaller one or more images")
                            : _("a smaller network or more images");

        if (group && cures != NULL)
          text = g_strdup_printf (_("%s: lowest mean validation loss at epoch %d. Repeat them with %s, "
                                    "or with %s."),
                                  name, advice->fork_epoch, cures, again);
        else if (group)
          text = g_strdup_printf (_("%s: lowest mean validation loss at epoch %d. Repeat them with %s."),
                                  name, advice->fork_epoch, again);
        else if (cures != NULL && subject->forkable)
          text = g_strdup_printf (_("%s: lowest validation loss at epoch %d. Continue from there with %s, "
                                    "or start again with %s."),
                                  name, advice->fork_epoch, cures, again);
        else if (cures != NULL)
          text = g_strdup_printf (_("%s: lowest validation loss at epoch %d. Start again with %s, or with %s."),
                                  name, advice->fork_epoch, cures, again);
        else
          text = g_strdup_printf (_("%s: lowest validation loss at epoch %d. Start again with %s."),
                                  name, advice->fork_epoch, again);
        if (advice->cures & TRAIN_CURE_EARLY_STOP)
          return g_strdup_printf ("%s %s", text,
                                  group ? _("Early stopping would have stopped each seed near there.")
                                        : _("Early stopping would have kept those weights."));
        return g_steal_pointer (&text);
      }
    case TRAIN_ADVICE_LOWER_RATE:
      if (group)
        return g_strdup_printf (subject->verdict->kind == TRAIN_VERDICT_STUCK
                                ? _("%s: stuck at chance, which a rate too high can do. Try one ten times lower, %s.")
                                : _("%s: diverged. Try a rate ten times lower, %s."),
                                name, rate);
      if (subject->verdict->kind == TRAIN_VERDICT_STUCK)
        return g_strdup_printf (_("%s is stuck at chance, which a rate too high can do: try one ten times lower, %s."),
                                name, rate);
      return g_strdup_printf (_("%s diverged: try a rate ten times lower, %s."), name, rate);
    case TRAIN_ADVICE_HIGHER_RATE:
      if (group)
        return g_strdup_printf (_("%s: too slow. Try a rate ten times higher, %s."), name, rate);
      return g_strdup_printf (_("%s crawls: try a rate ten times higher, %s."), name, rate);
    case TRAIN_ADVICE_NONE:
    default:
      return NULL;
    }
}

/* Whether a shown run, or a group of seeds, already trains at rate: then the charts
 * answer "what would ten times that do" better than a sentence. (A group's members are
 * hidden; its mean curve is what is shown.) */
static gboolean
rate_is_shown (LabWindow *self,
               double     rate)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      double lr = train_run_get_config (lab_run_get_train_run (run))->lr;

      if ((lab_run_get_shown (run) || lab_run_get_group (run) != 0) && fabs (log (lr / rate)) < 0.01)
        return TRUE;
    }
  return FALSE;
}

/* Whether run's folder keeps the weights after epoch (1-based), to fork from. */
static gboolean
checkpoint_kept (LabRun *run,
                 int     epoch)
{
  const char *dir = train_run_get_output_dir (lab_run_get_train_run (run));

  return dir != NULL && train_start_keeps_epoch (dir, epoch);
}

/* The advice line for subject, or FALSE when its verdict earns none that this line
 * says. */
static gboolean
show_advice (LabWindow *self,
             Subject   *subject)
{
  TrainAdvice advice = train_advise (subject->verdict, train_run_get_config (lab_run_get_train_run (subject->run)),
                                     subject->classes);
  g_autofree char *text = NULL;

  if (advice.kind != TRAIN_ADVICE_CURES && (!subject->active || rate_is_shown (self, advice.rate)))
    advice.kind = TRAIN_ADVICE_NONE;
  /* Asked only for advice that would offer it: it looks at the run's folder. */
  subject->forkable = !IS_GROUP (subject) && advice.kind == TRAIN_ADVICE_CURES &&
                      (advice.cures & FORK_CURES) != 0 && checkpoint_kept (subject->run, advice.fork_epoch);
  text = describe_advice (subject, &advice);
  if (text == NULL)
    return FALSE;

  gtk_label_set_text (self->advice_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->advice_button), subject->forkable);
  if (subject->forkable)
    {
      g_autofree char *label = g_strdup_printf (_("Continue from Epoch %d…"), advice.fork_epoch);
      gtk_button_set_label (self->advice_button, label);
      /* The target first: win.fork-run takes (run, epoch), and GTK warns of a name
       * without one. */
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->advice_button),
                                              g_variant_new ("(uu)", subject->index,
                                                             (guint32) advice.fork_epoch));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->advice_button), "win.fork-run");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->advice_box), TRUE);
  return TRUE;
}

static gboolean
show_run_advice (LabWindow          *self,
                 guint               index,
                 const TrainVerdict *verdict,
                 gboolean            active)
{
  g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), index);
  Subject subject = { lab_run_get_name (run), run, index, verdict, run_classes (run), active };

  return lab_run_get_shown (run) && show_advice (self, &subject);
}

static gboolean
show_group_advice (LabWindow                   *self,
                   const LabWindowGroupVerdict *group)
{
  Subject subject = { group->label, group->member, G_MAXUINT, &group->verdict, group->classes, group->active };

  return show_advice (self, &subject);
}

/* verdicts: every run's, in the runs' order (a hidden run's is empty); groups: every
 * group's (LabWindowGroupVerdict). The active run first, or the group it is a member of;
 * then the latest shown run, then the latest group. */
static void
update_advice (LabWindow          *self,
               const TrainVerdict *verdicts,
               GArray             *groups)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  guint active = G_MAXUINT;

  if (self->active_run != NULL && g_list_store_find (self->runs, self->active_run, &active) &&
      show_run_advice (self, active, &verdicts[active], TRUE))
    return;
  for (guint i = 0; i < groups->len; i++)
    if (g_array_index (groups, LabWindowGroupVerdict, i).active &&
        show_group_advice (self, &g_array_index (groups, LabWindowGroupVerdict, i)))
      return;
  for (guint i = n; i-- > 0;)
    if (i != active && show_run_advice (self, i, &verdicts[i], FALSE))
      return;
  for (guint i = groups->len; i-- > 0;)
    if (!g_array_index (groups, LabWindowGroupVerdict, i).active &&
        show_group_advice (self, &g_array_index (groups, LabWindowGroupVerdict, i)))
      return;
  gtk_widget_set_visible (GTK_WIDGET (self->advice_box), FALSE);
}

/* Appends "name: text" to the verdict line. */
static void
append_verdict (GString    *line,
                const char *name,
                const char *text)
{
  if (text != NULL && text[0] != '\0')
    g_string_append_printf (line, "%s%s: %s", line->len ? " · " : "", name, text);
}

/* The teacher's reading of every shown run ("Run 1: overfitting from epoch 3"), so the
 * lesson is on screen next to the curves that show it, then what to try next. */
void
_lab_window_update_verdicts (LabWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  g_autoptr(GString) text = g_string_new (NULL);
  /* Read once here, for the verdict line and for the advice under it. */
  g_autofree TrainVerdict *verdicts = g_new0 (TrainVerdict, MAX (n, 1));
  /* Groups of seeds are read as one (their members are hidden from the charts). */
  g_autoptr(GArray) groups = _lab_window_sweep_read_groups (self);

  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      g_autofree char *updates = NULL;

      if (!lab_run_get_shown (run))
        continue;
      verdicts[i] = diagnose (run);
      append_verdict (text, lab_run_get_name (run), verdicts[i].text);
      updates = lab_ratio_page_diagnose (run);
      append_verdict (text, lab_run_get_name (run), updates);
    }
  for (guint i = 0; i < groups->len; i++)
    {
      const LabWindowGroupVerdict *g = &g_array_index (groups, LabWindowGroupVerdict, i);
      append_verdict (text, g->label, g->verdict.text);
    }
  gtk_label_set_text (self->verdict_label, text->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->verdict_label), text->str);
  update_advice (self, verdicts, groups);
  for (guint i = 0; i < n; i++)
    train_verdict_clear (&verdicts[i]);
}
