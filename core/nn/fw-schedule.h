/* fw-schedule.h — the learning rate of every optimizer step: the lr option
 * (or the last value set live with fw_trainer_set_lr) times a factor that
 * depends only on the step, so a live change scales the whole schedule.
 *
 * With s the 0-based global step, S steps per epoch, E epochs, T = E·S
 * steps in all and W = warmup_epochs·S warm-up steps:
 *
 *   lr(s)     = lr · warmup(s) · shape(s)
 *   warmup(s) = min (1, (s + 1) / W)                  (1 when W = 0)
 *   constant:  shape(s) = 1
 *   step:      shape(s) = 0.1^k, k = [2e ≥ E] + [4e ≥ 3E], e = ⌊s / S⌋ the
 *              0-based epoch: ×0.1 from half the epochs on, ×0.01 from three
 *              quarters on (PyTorch's MultiStepLR with those milestones)
 *   cosine:    shape(s) = 1 for s < W, else ½ (1 + cos (π (s − W) / (T − W)))
 *              (1 when T ≤ W): from 1 towards 0 after the warm-up
 *
 * E is the run's --epochs: a resumed run whose --epochs grew stretches its
 * cosine from the resumed step on. */
#pragma once

#include "fw-config.h"

G_BEGIN_DECLS

double fw_schedule_factor (FwLrSchedule schedule, int epochs, int warmup_epochs,
                           int steps_per_epoch, gint64 step);

G_END_DECLS
