/* lab-window-verdicts: the line under the charts that reads every shown run as the teacher
 * does ("Run 1: overfitting from epoch 18"), and the line under it that says what to try
 * next (train_advice.h), with a button that opens the fork dialog at the epoch to continue
 * from. The advice speaks of one run: the active one when its verdict earns some, else
 * the latest shown run that overfits (overfitting is the lesson, and it is rarely the
 * run still training). A rate to try is said for the active run only, and not when a
 * shown run trains at it already: in a sweep, the other rates are on the U-curve. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-window-private.h"
#include "train_advice.h"
#include "train_diagnosis.h"
#include "train_format.h"

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

/* The advice's sentence for run, or NULL. */
static char *
describe_advice (LabRun            *run,
                 const TrainAdvice *advice,
                 TrainVerdictKind   kind)
{
  const char *name = lab_run_get_name (run);
  g_autofree char *rate = advice->rate > 0 ? train_format_lr (advice->rate) : NULL;

  switch (advice->kind)
    {
    case TRAIN_ADVICE_CURES:
      {
        g_autofree char *text = NULL;
        /* A new run can change the network; a fork keeps it (its weights belong to it). */
        const char *again = (advice->cures & TRAIN_CURE_DROPOUT_LAYER)
                            ? _("a network with dropout, a smaller one or more images")
                            : _("a smaller network or more images");

        if (advice->cures & FORK_CURES)
          {
            g_autofree char *cures = list_cures (advice->cures);
            text = g_strdup_printf (_("%s: lowest validation loss at epoch %d. Continue from there with %s, "
                                      "or start again with %s."),
                                    name, advice->fork_epoch, cures, again);
          }
        else
          text = g_strdup_printf (_("%s: lowest validation loss at epoch %d. Start again with %s."),
                                  name, advice->fork_epoch, again);
        if (advice->cures & TRAIN_CURE_EARLY_STOP)
          {
            return g_strdup_printf ("%s %s", text, _("Early stopping would have kept those weights."));
          }
        return g_steal_pointer (&text);
      }
    case TRAIN_ADVICE_LOWER_RATE:
      if (kind == TRAIN_VERDICT_STUCK)
        return g_strdup_printf (_("%s is stuck at chance, which a rate too high can do: try one ten times lower, %s."),
                                name, rate);
      return g_strdup_printf (_("%s diverged: try a rate ten times lower, %s."), name, rate);
    case TRAIN_ADVICE_HIGHER_RATE:
      return g_strdup_printf (_("%s crawls: try a rate ten times higher, %s."), name, rate);
    case TRAIN_ADVICE_NONE:
    default:
      return NULL;
    }
}

/* Whether a shown run already trains at rate: then the charts answer "what would ten
 * times that do" better than a sentence. */
static gboolean
rate_is_shown (LabWindow *self,
               double     rate)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      double lr = train_run_get_config (lab_run_get_train_run (run))->lr;

      if (lab_run_get_shown (run) && fabs (log (lr / rate)) < 0.01)
        return TRUE;
    }
  return FALSE;
}

/* The advice line for run (the index-th, whose verdict is verdict; active: it is the
 * active run), or FALSE when its verdict earns none that this line says. */
static gboolean
show_advice (LabWindow          *self,
             guint               index,
             LabRun             *run,
             const TrainVerdict *verdict,
             gboolean            active)
{
  TrainAdvice advice = train_advise (verdict, train_run_get_config (lab_run_get_train_run (run)),
                                     run_classes (run));
  g_autofree char *text = NULL;
  gboolean can_fork;

  if (advice.kind != TRAIN_ADVICE_CURES && (!active || rate_is_shown (self, advice.rate)))
    advice.kind = TRAIN_ADVICE_NONE;
  text = describe_advice (run, &advice, verdict->kind);
  if (text == NULL)
    return FALSE;

  gtk_label_set_text (self->advice_label, text);
  can_fork = advice.kind == TRAIN_ADVICE_CURES && (advice.cures & FORK_CURES) != 0 &&
             train_run_get_output_dir (lab_run_get_train_run (run)) != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->advice_button), can_fork);
  if (can_fork)
    {
      g_autofree char *label = g_strdup_printf (_("Continue from Epoch %d…"), advice.fork_epoch);
      gtk_button_set_label (self->advice_button, label);
      /* The target first: win.fork-run takes (run, epoch), and GTK warns of a name
       * without one. */
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->advice_button),
                                              g_variant_new ("(uu)", index, (guint32) advice.fork_epoch));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->advice_button), "win.fork-run");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->advice_box), TRUE);
  return TRUE;
}

/* verdicts: every run's, in the runs' order (a hidden run's is empty). */
static void
update_advice (LabWindow          *self,
               const TrainVerdict *verdicts)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  guint active = G_MAXUINT;

  if (self->active_run != NULL && lab_run_get_shown (self->active_run) &&
      g_list_store_find (self->runs, self->active_run, &active) &&
      show_advice (self, active, self->active_run, &verdicts[active], TRUE))
    return;
  for (guint i = n; i-- > 0;)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      if (i != active && lab_run_get_shown (run) && show_advice (self, i, run, &verdicts[i], FALSE))
        return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->advice_box), FALSE);
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

  g_assert (LAB_IS_WINDOW (self));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      if (!lab_run_get_shown (run))
        continue;
      verdicts[i] = diagnose (run);
      if (verdicts[i].text != NULL && verdicts[i].text[0] != '\0')
        g_string_append_printf (text, "%s%s: %s", text->len ? " · " : "", lab_run_get_name (run),
                                verdicts[i].text);
      {
        g_autofree char *updates = lab_ratio_page_diagnose (run);
        if (updates != NULL)
          g_string_append_printf (text, "%s%s: %s", text->len ? " · " : "", lab_run_get_name (run), updates);
      }
    }
  /* Groups of seeds are read as one (their members are hidden from the charts). */
  _lab_window_sweep_describe (self, text);
  gtk_label_set_text (self->verdict_label, text->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->verdict_label), text->str);
  update_advice (self, verdicts);
  for (guint i = 0; i < n; i++)
    train_verdict_clear (&verdicts[i]);
}
