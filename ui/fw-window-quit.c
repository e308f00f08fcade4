/* fw-window-quit.c — asking before Quit throws away a run in progress.
 * Closing the window itself still stops and saves the run without a
 * question (fw_window_close_request); Quit (Ctrl+Q) asks, because one key
 * press should not end minutes of training. */
#include <glib/gi18n.h>

#include "fw-window-private.h"

typedef struct {
  FwWindowQuitConfirmed confirmed;
  gpointer data;
} QuitQuestion;

static void
on_quit_response (GtkDialog *dialog, int response, gpointer user_data)
{
  QuitQuestion *q = user_data;
  FwWindow *self = FW_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));

  g_object_set_data (G_OBJECT (self), "fw-quit-dialog", NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_ACCEPT && q->confirmed)
    q->confirmed (self, q->data);
  g_free (q);
}

gboolean
fw_window_confirm_quit (FwWindow *self, FwWindowQuitConfirmed confirmed, gpointer data)
{
  GtkWidget *dialog;
  QuitQuestion *q;
  FwRun *run;

  g_return_val_if_fail (FW_IS_WINDOW (self), TRUE);

  run = fw_window_get_training_run (self);
  if (!run)
    return TRUE;
  if ((dialog = g_object_get_data (G_OBJECT (self), "fw-quit-dialog")))
    {
      gtk_window_present (GTK_WINDOW (dialog));
      return FALSE;
    }
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Stop training and quit?"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            _("%s is still training. Quitting stops it; what it has learned so far is kept."),
                                            fw_run_get_description (run));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Keep Training"), GTK_RESPONSE_CANCEL,
                          _("_Stop and Quit"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  gtk_widget_add_css_class (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT),
                            "destructive-action");
  G_GNUC_END_IGNORE_DEPRECATIONS
  q = g_new0 (QuitQuestion, 1);
  q->confirmed = confirmed;
  q->data = data;
  g_signal_connect (dialog, "response", G_CALLBACK (on_quit_response), q);
  g_object_set_data (G_OBJECT (self), "fw-quit-dialog", dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return FALSE;
}

GtkWindow *
fw_window_get_quit_dialog (FwWindow *self)
{
  return g_object_get_data (G_OBJECT (self), "fw-quit-dialog");
}
