/* test-config.c — what fw-config.c's messages quote of a bad option: the
 * value (or option name, or name=value word) as typed can be any bytes of
 * any length, from a command line or a model file's config, but the
 * message must be valid UTF-8 and short. */
#include <string.h>

#include "fw-config.h"

/* the message is valid UTF-8, names what it should, and stays short */
static void
assert_readable (const GError *error, const char *names, gsize max_len)
{
  g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_nonnull (strstr (error->message, names));
  g_assert_cmpuint (strlen (error->message), <=, max_len);
}

static void
test_bad_values_shown (void)
{
  FwConfig c;
  fw_config_init (&c);
  g_autofree char *huge = g_strnfill (5000, '9');
  struct { const char *name, *value, *names; } cases[] = {
    { "fusion", "\xff\xfe" "late", "--fusion" },         /* not UTF-8: an enum */
    { "epochs", "\xc3", "--epochs" },                    /* a truncated character */
    { "epochs", huge, "--epochs: '9999" },               /* huge: an int */
    { "lr", huge, "--lr" },                              /* a double */
    { "seed", "-\x80", "--seed" },                       /* the seed */
    { "\xff" "fusion", "late", "unknown option" },       /* the option's name */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (fw_config_set (&c, cases[i].name, cases[i].value, &error));
      assert_readable (error, cases[i].names, 300);
    }
  /* a long value is cut with an ellipsis, not at a byte inside a character */
  {
    GString *s = g_string_new (NULL);
    for (int i = 0; i < 100; i++)
      g_string_append (s, "한");
    g_autoptr (GError) error = NULL;
    g_assert_false (fw_config_set (&c, "fusion", s->str, &error));
    assert_readable (error, "…", 400);
    g_string_free (s, TRUE);
  }
  /* a model file's options string: a word without '=' */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *words = g_strconcat ("epochs=3 ", huge, "\xff", NULL);
    g_assert_false (fw_config_set_options (&c, words, &error));
    assert_readable (error, "name=value", 300);
  }
  /* nothing was changed by the refused values */
  FwConfig fresh;
  fw_config_init (&fresh);
  g_assert_cmpint (c.epochs, ==, fresh.epochs);
  g_assert_cmpint (c.fusion, ==, fresh.fusion);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/config/bad-values-shown", test_bad_values_shown);
  return g_test_run ();
}
