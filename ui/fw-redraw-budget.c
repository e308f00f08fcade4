/* fw-redraw-budget.c — frame CPU measured between the frame clock's
 * before-paint and after-paint (layout and drawing: what a redraw of new
 * steps costs the GUI thread), turned into a redraw interval. */
#include "fw-redraw-budget.h"

#include <math.h>
#include <time.h>

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
on_before_paint (GdkFrameClock *clock, FwRedrawBudget *budget)
{
  budget->started_ms = budget->expecting ? thread_cpu_ms () : -1;
}

static void
on_after_paint (GdkFrameClock *clock, FwRedrawBudget *budget)
{
  double ms;

  if (budget->started_ms < 0)
    return;
  ms = thread_cpu_ms () - budget->started_ms;
  budget->started_ms = -1;
  budget->expecting = FALSE;
  /* a quarter of each new frame: one slow frame (a font cache filling)
   * does not slow the updates down for long */
  budget->paint_ms = budget->paint_ms > 0 ? 0.75 * budget->paint_ms + 0.25 * ms : ms;
}

void
fw_redraw_budget_attach (FwRedrawBudget *budget, GdkFrameClock *clock)
{
  fw_redraw_budget_detach (budget);
  budget->clock = g_object_ref (clock);   /* the window may unrealize first */
  budget->started_ms = -1;
  budget->expecting = FALSE;
  budget->before_id = g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), budget);
  budget->after_id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), budget);
}

void
fw_redraw_budget_detach (FwRedrawBudget *budget)
{
  /* a window destroyed while training disposes its clock first, which
   * drops the handlers: only those still there are disconnected */
  if (budget->clock && budget->before_id && g_signal_handler_is_connected (budget->clock, budget->before_id))
    g_signal_handler_disconnect (budget->clock, budget->before_id);
  if (budget->clock && budget->after_id && g_signal_handler_is_connected (budget->clock, budget->after_id))
    g_signal_handler_disconnect (budget->clock, budget->after_id);
  budget->before_id = budget->after_id = 0;
  g_clear_object (&budget->clock);
}

void
fw_redraw_budget_expect_frame (FwRedrawBudget *budget)
{
  budget->expecting = TRUE;
}

guint
fw_redraw_interval_for (double paint_ms)
{
  double ms = paint_ms * FW_REDRAW_SHARE;

  if (!isfinite (ms))
    return FW_REDRAW_MAX_MS;
  return (guint) CLAMP (ceil (ms), FW_REDRAW_MIN_MS, FW_REDRAW_MAX_MS);
}

guint
fw_redraw_budget_interval_ms (const FwRedrawBudget *budget)
{
  return fw_redraw_interval_for (budget->paint_ms);
}
