/* fw-schedule.c — the learning-rate factor of one step (formulas in
 * fw-schedule.h).  Pure arithmetic: the trainer applies it. */
#include "fw-schedule.h"

#include <math.h>

double
fw_schedule_factor (FwLrSchedule schedule, int epochs, int warmup_epochs, int steps_per_epoch,
                    gint64 step)
{
  g_return_val_if_fail (epochs > 0 && warmup_epochs >= 0 && steps_per_epoch > 0 && step >= 0, 1);
  gint64 S = steps_per_epoch, T = (gint64) epochs * S, W = (gint64) warmup_epochs * S;
  double warm = W > 0 && step + 1 < W ? (double) (step + 1) / (double) W : 1.0;
  double shape = 1.0;
  switch (schedule)
    {
    case FW_SCHEDULE_CONSTANT:
      break;
    case FW_SCHEDULE_STEP:
      {
        gint64 e = step / S;
        if (2 * e >= epochs)
          shape *= 0.1;
        if (4 * e >= 3 * (gint64) epochs)
          shape *= 0.1;
        break;
      }
    case FW_SCHEDULE_COSINE:
      if (step >= W && T > W)
        shape = 0.5 * (1.0 + cos (G_PI * (double) (step - W) / (double) (T - W)));
      break;
    case FW_SCHEDULE_N_KINDS:
      g_return_val_if_reached (1);
    }
  return warm * shape;
}
