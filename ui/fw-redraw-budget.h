/* fw-redraw-budget.h — how often the window shows a training run's new
 * steps.  It measures the GUI thread's CPU time of the frames that draw
 * them and spaces them so that showing progress takes at most
 * 1/FW_REDRAW_SHARE of one core: on two cores shared with the training
 * threads every millisecond the window paints is taken from training.  A
 * window that paints in 1 ms shows 20 updates a second; one that needs
 * 5 ms (a large window, software rendering) 10. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FW_REDRAW_SHARE 20        /* at most 5% of a core */
#define FW_REDRAW_MIN_MS 50       /* 20 updates a second at most */
#define FW_REDRAW_MAX_MS 250      /* 4 at least: progress never looks stuck */

typedef struct {
  GdkFrameClock *clock;           /* NULL when not attached */
  gulong before_id, after_id;
  gboolean expecting;             /* a redraw was queued: measure the next frame */
  double started_ms;              /* the thread's CPU time at before-paint */
  double paint_ms;                /* moving average over measured frames; 0: none yet */
} FwRedrawBudget;

/* Measures the frames of clock from now on (the window's). */
void fw_redraw_budget_attach (FwRedrawBudget *budget, GdkFrameClock *clock);
void fw_redraw_budget_detach (FwRedrawBudget *budget);
/* The caller queued a redraw of new steps: the next painted frame is theirs. */
void fw_redraw_budget_expect_frame (FwRedrawBudget *budget);
/* How long to wait before showing new steps again, in ms. */
guint fw_redraw_budget_interval_ms (const FwRedrawBudget *budget);
/* The same for a frame cost of paint_ms: the rule itself. */
guint fw_redraw_interval_for (double paint_ms);

G_END_DECLS
