/* fw-redraw-budget.h — how often the window shows a training run's new
 * steps.  It measures the GUI thread's CPU time of the frames that draw
 * them and spaces them so that showing progress takes at most
 * 1/FW_REDRAW_SHARE of one core: on two cores shared with the training
 * threads every millisecond the window paints is taken from training, and
 * more than that when the painting holds up a training thread that the
 * other then waits for at the end of the step.  A window that paints in
 * 2 ms or less shows 10 updates a second; one that needs 3.5 ms (GTK 4.8's
 * Cairo renderer, 1600×1000 under Xvfb) about 6.  The X server's own work
 * per update, which this cannot see (a tenth of ours there), shrinks with
 * the updates. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FW_REDRAW_SHARE 50        /* at most 2% of a core */
#define FW_REDRAW_MIN_MS 100      /* 10 updates a second at most: enough
                                   * for a growing curve to look live */
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
