/* train_resume_state: what a checkpoint's [resume] group says beyond its tensors (the
 * schedule's state, early stopping's, the epochs done) and the hash of the data and split
 * it was trained on, which a resume checks. train_resume.h says how they are used. */
#pragma once
#include <glib.h>
#include "data_dataset.h"
#include "data_split.h"
#include "train_schedule.h"

#define TRAIN_RESUME_GROUP "resume"

/* What a checkpoint's [resume] group says. */
typedef struct {
    int epochs_done;
    guint64 data_hash;
    TrainScheduleState schedule;
    int best_epoch;                   /* from 0; -1 none */
    double best_val_loss;             /* +inf when none */
    int epochs_without_improvement;
} TrainResumeState;

void train_resume_state_save(const TrainResumeState *state, GKeyFile *kf);
/* FALSE (no error) when kf has no [resume] group; FALSE with an error when it is damaged. */
gboolean train_resume_state_load(GKeyFile *kf, TrainResumeState *state, GError **error);

/* FNV-1a 64 of the images, labels, class names and the split's indices: changes whenever a
 * pixel, a label or the split does. Not a cryptographic hash: it tells changed data from
 * the same data, nothing more. */
guint64 train_data_hash(const DataSet *set, const DataSplit *split);
