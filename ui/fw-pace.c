/* fw-pace.c — releases a trainer's events at Classroom pace: a budget of
 * steps refilled at (steps of the run) / FW_PACE_SECONDS per second; one
 * event popped early waits in the pace until the budget allows it.  The
 * trainer's queue holds the rest, so nothing it computes is touched. */
#include "fw-pace.h"

void
fw_pace_clear (FwPace *pace)
{
  if (pace->held)
    fw_event_clear (&pace->event);
  pace->held = FALSE;
}

void
fw_pace_reset (FwPace *pace, int epochs)
{
  fw_pace_clear (pace);
  pace->epochs = MAX (epochs, 1);
  pace->flushing = FALSE;
  pace->paused = FALSE;
  pace->budget = 1;          /* the first step shows at once */
  pace->last_us = 0;
}

void
fw_pace_set_enabled (FwPace *pace, gboolean enabled)
{
  pace->enabled = enabled;
  pace->last_us = 0;
}

void
fw_pace_flush (FwPace *pace)
{
  pace->flushing = TRUE;
  pace->paused = FALSE;
}

void
fw_pace_set_paused (FwPace *pace, gboolean paused)
{
  pace->paused = paused;
  pace->last_us = 0;         /* no budget saved up over the pause */
}

gboolean
fw_pace_pop_event (FwPace *pace, FwTrainer *trainer, gint64 now_us, FwEvent *event)
{
  if (pace->enabled && pace->paused && !pace->flushing)
    return FALSE;
  if (!pace->held)
    {
      if (!fw_trainer_pop_event (trainer, &pace->event))
        return FALSE;
      pace->held = TRUE;
    }
  if (pace->enabled && !pace->flushing && pace->event.kind == FW_EVENT_STEP)
    {
      double rate = (double) MAX (pace->event.steps_per_epoch, 1) * pace->epochs / FW_PACE_SECONDS;

      if (pace->last_us > 0)
        /* at most a quarter second's worth saved up: no bursts after a stall */
        pace->budget = MIN (pace->budget + rate * (now_us - pace->last_us) / 1e6, MAX (rate / 4, 1));
      pace->last_us = now_us;
      if (pace->budget < 1)
        return FALSE;
      pace->budget -= 1;
    }
  *event = pace->event;      /* the caller clears it */
  pace->held = FALSE;
  return TRUE;
}
