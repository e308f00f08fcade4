/* test-attention-map.c — the attention map widget on known weights: the
 * mean over heads and single heads, a word selected by activating its chip
 * and by the keyboard, a region selected with the arrow keys and Return,
 * what each chip says to a screen reader, and the place kept when the
 * same caption comes back with new numbers.  Under Xvfb: the widget is
 * shown and drawn in a window. */
#include <math.h>
#include <string.h>

#include "fw-attention-map.h"
#include "fw-test-util.h"
#include "fw-ui.h"

#define HEADS 2
#define WORDS 3
#define GW 3
#define GH 2
#define REGIONS (GW * GH)

static const char *const words[] = { "red", "circle", "left", NULL };

/* (HEADS, WORDS, REGIONS), each row sums to 1 */
static const float t2i[HEADS * WORDS * REGIONS] = {
  /* head 1 */
  0.50f, 0.10f, 0.10f, 0.10f, 0.10f, 0.10f,
  0.05f, 0.05f, 0.10f, 0.10f, 0.20f, 0.50f,
  0.20f, 0.20f, 0.20f, 0.20f, 0.10f, 0.10f,
  /* head 2 */
  0.10f, 0.30f, 0.10f, 0.10f, 0.30f, 0.10f,
  0.05f, 0.05f, 0.10f, 0.70f, 0.05f, 0.05f,
  0.00f, 0.00f, 0.00f, 1.00f, 0.00f, 0.00f,
};

/* (HEADS, REGIONS, WORDS) */
static const float i2t[HEADS * REGIONS * WORDS] = {
  0.6f, 0.3f, 0.1f,  0.2f, 0.2f, 0.6f,  0.3f, 0.3f, 0.4f,
  0.1f, 0.8f, 0.1f,  0.5f, 0.25f, 0.25f, 0.0f, 0.0f, 1.0f,
  0.2f, 0.2f, 0.6f,  0.1f, 0.1f, 0.8f,  0.3f, 0.4f, 0.3f,
  0.9f, 0.05f, 0.05f, 0.5f, 0.25f, 0.25f, 0.2f, 0.7f, 0.1f,
};

static guint8 pixels[1 * 8 * 8];

static FwAttentionInput
input (void)
{
  FwAttentionInput in = { 1, 8, pixels, GW, GH, 2, words, HEADS, t2i, i2t };

  for (int i = 0; i < 64; i++)
    pixels[i] = (guint8) (i * 4);
  return in;
}

static GtkEventController *
key_controller (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);
      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        return GTK_EVENT_CONTROLLER (c);
    }
  return NULL;
}

/* gtk_test_accessible_assert_property would read the value's % signs as
 * a format (GTK 4.8); the check itself is fine. */
static void
assert_property (gpointer accessible, GtkAccessibleProperty property, const char *value)
{
  g_autofree char *differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (accessible), property, value);

  if (differs)
    g_error ("accessible property %d is “%s”, not “%s”", property, differs, value);
}

static gboolean
press (GtkWidget *widget, guint keyval)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (key_controller (widget), "key-pressed", keyval, 0, 0, &handled);
  return handled;
}

static void
iterate (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static float
expected_t2i (int head, int word, int region)
{
  if (head > 0)
    return t2i[((head - 1) * WORDS + word) * REGIONS + region];
  return (t2i[(0 * WORDS + word) * REGIONS + region] + t2i[(1 * WORDS + word) * REGIONS + region]) / 2;
}

static float
expected_i2t (int head, int region, int word)
{
  if (head > 0)
    return i2t[((head - 1) * REGIONS + region) * WORDS + word];
  return (i2t[(0 * REGIONS + region) * WORDS + word] + i2t[(1 * REGIONS + region) * WORDS + word]) / 2;
}

static void
assert_heatmap (FwAttentionMap *map, int head, int word)
{
  float got[REGIONS];

  g_assert_true (fw_attention_map_get_heatmap (map, got));
  for (int r = 0; r < REGIONS; r++)
    g_assert_cmpfloat_with_epsilon (got[r], expected_t2i (head, word, r), 1e-7);
}

static void
test_words_and_heads (void)
{
  GtkWidget *window = gtk_window_new ();
  FwAttentionMap *map = FW_ATTENTION_MAP (fw_attention_map_new ());
  FwAttentionInput in = input ();
  GtkFlowBox *box;
  GtkDropDown *heads;
  float w[REGIONS], shade[WORDS];
  g_autofree char *name = NULL;

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (map));
  gtk_window_set_default_size (GTK_WINDOW (window), 500, 300);
  fw_attention_map_set_input (map, &in);
  gtk_window_present (GTK_WINDOW (window));
  iterate (200);

  g_assert_cmpint (fw_attention_map_get_n_words (map), ==, WORDS);
  g_assert_cmpint (fw_attention_map_get_n_regions (map), ==, REGIONS);
  g_assert_cmpint (fw_attention_map_get_heads (map), ==, HEADS);
  /* nothing chosen yet: the image shows no word's attention */
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, -1);
  g_assert_false (fw_attention_map_get_heatmap (map, w));

  /* every head and the mean, for every word */
  for (int head = 0; head <= HEADS; head++)
    for (int word = 0; word < WORDS; word++)
      {
        g_assert_true (fw_attention_map_get_region_weights (map, word, head, w));
        for (int r = 0; r < REGIONS; r++)
          g_assert_cmpfloat_with_epsilon (w[r], expected_t2i (head, word, r), 1e-7);
      }
  g_assert_false (fw_attention_map_get_region_weights (map, WORDS, 0, w));
  g_assert_false (fw_attention_map_get_region_weights (map, 0, HEADS + 1, w));

  /* clicking (activating) the second chip selects "circle" */
  box = GTK_FLOW_BOX (fw_test_find_widget (GTK_WIDGET (map), GTK_TYPE_FLOW_BOX));
  g_assert_nonnull (box);
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (gtk_flow_box_get_child_at_index (box, 1))));
  g_signal_emit_by_name (gtk_flow_box_get_child_at_index (box, 1), "activate");
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, 1);
  assert_heatmap (map, 0, 1);
  /* average: circle looks most at region 3 = (1, 2) with (0.10+0.70)/2 = 40%,
   * not at head 1's favourite, region 5 = (3, 2) with (0.5+0.05)/2 */
  name = fw_attention_map_describe_word (map, 1);
  g_assert_cmpstr (name, ==, "word ‘circle’ attends most to region (1, 2), 40%");
  g_clear_pointer (&name, g_free);

  /* head 1 through the head selector */
  heads = GTK_DROP_DOWN (fw_test_find_widget (GTK_WIDGET (map), GTK_TYPE_DROP_DOWN));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (heads)), ==, HEADS + 1);
  gtk_drop_down_set_selected (heads, 1);
  g_assert_cmpint (fw_attention_map_get_head (map), ==, 1);
  assert_heatmap (map, 1, 1);
  name = fw_attention_map_describe_word (map, 1);
  g_assert_cmpstr (name, ==, "word ‘circle’ attends most to region (3, 2), 50%");
  /* what a screen reader reads for the chip, and that it is the selected one */
  assert_property (gtk_flow_box_get_child_at_index (box, 1), GTK_ACCESSIBLE_PROPERTY_LABEL, name);
  gtk_test_accessible_assert_state (gtk_flow_box_get_child_at_index (box, 1),
                                    GTK_ACCESSIBLE_STATE_SELECTED, TRUE);
  gtk_test_accessible_assert_state (gtk_flow_box_get_child_at_index (box, 0),
                                    GTK_ACCESSIBLE_STATE_SELECTED, FALSE);
  g_clear_pointer (&name, g_free);
  fw_attention_map_set_head (map, 2);
  g_assert_cmpuint (gtk_drop_down_get_selected (heads), ==, 2);
  assert_heatmap (map, 2, 1);

  /* activating the selected chip again unselects it; Escape does too */
  g_signal_emit_by_name (gtk_flow_box_get_child_at_index (box, 1), "activate");
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, -1);
  g_signal_emit_by_name (gtk_flow_box_get_child_at_index (box, 2), "activate");
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, 2);
  g_assert_true (press (GTK_WIDGET (box), GDK_KEY_Escape));
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, -1);

  /* a selected word leaves the chips unshaded (no region chosen) */
  fw_attention_map_select_word (map, 0);
  g_assert_false (fw_attention_map_get_word_shading (map, shade));

  /* the same caption with new numbers keeps the word and the head */
  fw_attention_map_set_input (map, &in);
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, 0);
  g_assert_cmpint (fw_attention_map_get_head (map), ==, 2);
  assert_heatmap (map, 2, 0);
  iterate (100);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_regions_by_keyboard (void)
{
  GtkWidget *window = gtk_window_new ();
  FwAttentionMap *map = FW_ATTENTION_MAP (fw_attention_map_new ());
  FwAttentionInput in = input ();
  GtkWidget *image;
  float shade[WORDS], w[WORDS];
  g_autofree char *name = NULL;

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (map));
  fw_attention_map_set_input (map, &in);
  gtk_window_present (GTK_WINDOW (window));
  iterate (200);

  image = fw_test_find_widget (GTK_WIDGET (map), GTK_TYPE_DRAWING_AREA);
  g_assert_nonnull (image);
  g_assert_true (gtk_widget_get_focusable (image));
  g_assert_true (gtk_widget_grab_focus (image));
  iterate (50);
  /* focus puts the cursor on region (1, 1); Right, Down, Right: (3, 2) */
  g_assert_true (press (image, GDK_KEY_Right));
  g_assert_true (press (image, GDK_KEY_Down));
  g_assert_true (press (image, GDK_KEY_Right));
  g_assert_true (press (image, GDK_KEY_Right));    /* stays at the edge */
  g_assert_cmpint (fw_attention_map_get_selected_region (map), ==, -1);
  g_assert_true (press (image, GDK_KEY_Return));
  g_assert_cmpint (fw_attention_map_get_selected_region (map), ==, 5);
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, -1);

  /* the chips show how region 5 attends to the words */
  g_assert_true (fw_attention_map_get_word_shading (map, shade));
  for (int k = 0; k < WORDS; k++)
    g_assert_cmpfloat_with_epsilon (shade[k], expected_i2t (0, 5, k), 1e-7);
  fw_attention_map_set_head (map, 2);
  g_assert_true (fw_attention_map_get_word_shading (map, shade));
  for (int k = 0; k < WORDS; k++)
    g_assert_cmpfloat_with_epsilon (shade[k], expected_i2t (2, 5, k), 1e-7);
  /* the chips' shading: above an even spread (1/3), relative to the strongest */
  {
    GtkFlowBox *box = GTK_FLOW_BOX (fw_test_find_widget (GTK_WIDGET (map), GTK_TYPE_FLOW_BOX));
    GtkWidget *c0 = GTK_WIDGET (gtk_flow_box_get_child_at_index (box, 0));
    GtkWidget *c1 = GTK_WIDGET (gtk_flow_box_get_child_at_index (box, 1));
    g_assert_true (gtk_widget_has_css_class (c1, "fw-attention-10"));
    g_assert_true (gtk_widget_has_css_class (c0, "fw-attention-0"));
    g_assert_false (gtk_widget_has_css_class (c0, "fw-attention-10"));
  }
  g_assert_true (fw_attention_map_get_word_weights (map, 5, 1, w));
  for (int k = 0; k < WORDS; k++)
    g_assert_cmpfloat_with_epsilon (w[k], expected_i2t (1, 5, k), 1e-7);
  name = fw_attention_map_describe_region (map, 5);
  g_assert_cmpstr (name, ==, "region (3, 2) attends most to word ‘circle’, 70%");
  /* the image reads out the region under its cursor */
  assert_property (image, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, name);
  {
    /* and each chip its share of that region's attention */
    GtkFlowBox *box = GTK_FLOW_BOX (fw_test_find_widget (GTK_WIDGET (map), GTK_TYPE_FLOW_BOX));
    assert_property (gtk_flow_box_get_child_at_index (box, 1), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                     "70% of the region’s attention");
  }

  /* with a word selected, moving the focused image's cursor still reads the regions */
  fw_attention_map_select_word (map, 0);
  g_assert_true (press (image, GDK_KEY_Left));
  g_clear_pointer (&name, g_free);
  name = fw_attention_map_describe_region (map, 4);
  assert_property (image, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, name);

  /* selecting a word drops the region; a region drops the word */
  fw_attention_map_select_word (map, 1);
  g_assert_cmpint (fw_attention_map_get_selected_region (map), ==, -1);
  fw_attention_map_select_region (map, 0);
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, -1);
  g_assert_true (press (image, GDK_KEY_Escape));
  g_assert_cmpint (fw_attention_map_get_selected_region (map), ==, -1);
  iterate (50);

  /* without image→text weights a region shades nothing, but still says where it is */
  in.image_to_text = NULL;
  fw_attention_map_set_input (map, &in);
  fw_attention_map_select_region (map, 2);
  g_assert_false (fw_attention_map_get_word_shading (map, shade));
  g_clear_pointer (&name, g_free);
  name = fw_attention_map_describe_region (map, 2);
  g_assert_cmpstr (name, ==, "region (3, 1)");

  /* a new, shorter caption: the chips follow, a word past its end goes */
  fw_attention_map_select_word (map, 2);
  {
    static const char *const two[] = { "blue", "square", NULL };
    FwAttentionInput in2 = in;
    in2.words = two;
    in2.heads = 1;
    fw_attention_map_set_input (map, &in2);
  }
  g_assert_cmpint (fw_attention_map_get_n_words (map), ==, 2);
  g_assert_cmpint (fw_attention_map_get_selected_word (map), ==, -1);
  g_assert_cmpint (fw_attention_map_get_heads (map), ==, 1);
  g_assert_cmpint (fw_attention_map_get_head (map), ==, 1);   /* head 2 no longer exists */
  iterate (50);

  fw_attention_map_clear (map);
  g_assert_false (fw_attention_map_has_input (map));
  g_assert_cmpint (fw_attention_map_get_n_words (map), ==, 0);
  iterate (50);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("GTK_A11Y", "test", TRUE);   /* accessible properties kept, to be read back */
  gtk_test_init (&argc, &argv, NULL);
  fw_ui_init ();

  g_test_add_func ("/ui/attention-map/words-and-heads", test_words_and_heads);
  g_test_add_func ("/ui/attention-map/regions-by-keyboard", test_regions_by_keyboard);
  return g_test_run ();
}
