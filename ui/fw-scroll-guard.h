/* fw-scroll-guard.h — the mouse wheel scrolls the panel under it, never a
 * value it happens to pass over: spin buttons, sliders and drop-downs take
 * the wheel only once they have the keyboard focus. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Guards every such control inside root (a window), now and later. */
void fw_scroll_guard_attach (GtkWidget *root);

G_END_DECLS
