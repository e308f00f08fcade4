/* fw-pace.h — Classroom pace: the trainer runs at full speed and its
 * events reach the window at a rate that spreads a run over a few seconds,
 * so the curves grow in front of a class.  Only the timing of what is
 * shown changes: the trainer, its data order and its numbers are untouched. */
#pragma once

#include "fw-trainer.h"

G_BEGIN_DECLS

#define FW_PACE_SECONDS 8.0   /* how long a paced run takes to show */

typedef struct {
  gboolean enabled;
  gboolean flushing;         /* until the next run: everything at once (stopping) */
  gboolean paused;           /* training paused: the curves stop where they are */
  gboolean held;             /* event is popped but not yet shown */
  FwEvent event;
  int epochs;                /* of the run, for its number of steps */
  double budget;             /* steps that may be shown now */
  gint64 last_us;            /* when the budget was last refilled */
} FwPace;

/* A new run of epochs starts: no budget carried over, nothing held. */
void fw_pace_reset (FwPace *pace, int epochs);
void fw_pace_set_enabled (FwPace *pace, gboolean enabled);
/* The run is stopping or the window closing: the rest comes at once. */
void fw_pace_flush (FwPace *pace);
/* Paused training: while paced, nothing more shows until it resumes. */
void fw_pace_set_paused (FwPace *pace, gboolean paused);
/* Like fw_trainer_pop_event, but a step event waits while the pace has no
 * budget for it (epoch and end events follow their steps at once).  With
 * the pace off, every queued event comes at once. */
gboolean fw_pace_pop_event (FwPace *pace, FwTrainer *trainer, gint64 now_us, FwEvent *event);
/* Drops a held event (the run is gone). */
void fw_pace_clear (FwPace *pace);

G_END_DECLS
