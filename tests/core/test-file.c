/* test-file.c — durable writes: the content lands whole, a failed write
 * (a parent that is a file, a file-size limit standing in for a full disk,
 * /dev/full) names the user's path and leaves neither a temporary nor a
 * damaged old file; staged folders move into place; stale temporaries of
 * our naming are removed and nothing else is. */
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "fw-file.h"
#include "fw-test-util.h"

static int
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_write (void)
{
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "out.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fw_file_write (path, "a,b\n", 4, 0666, &error));
  g_assert_no_error (error);
  g_assert_true (fw_file_write (path, "a,b,c\n", 6, 0666, &error));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "a,b,c\n");
  g_assert_cmpint (count_entries (dir), ==, 1);   /* no temporary left */
  /* the mode goes through the umask like any new file */
  mode_t mask = umask (022);
  g_assert_true (fw_file_write (path, "x", 1, 0777, &error));
  umask (mask);
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0755);
  fw_test_rmtree (dir);
}

static void
assert_names_path_only (const GError *error, const char *path)
{
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_null (strstr (error->message, FW_FILE_TEMP_TAG));
}

static void
test_parent_is_file (void)
{
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *file = fw_test_write (dir, "plain", "x", 1);
  g_autofree char *path = g_build_filename (file, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (fw_file_write (path, "abc", 3, 0666, &error));
  assert_names_path_only (error, path);
  g_assert_cmpint (count_entries (dir), ==, 1);
  fw_test_rmtree (dir);
}

static void
test_dev_full (void)
{
  if (!g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/full");
      return;
    }
  g_autoptr (GError) error = NULL;
  /* a device is written in place (never renamed over), and its error seen */
  g_assert_false (fw_file_write ("/dev/full", "abc", 3, 0666, &error));
  assert_names_path_only (error, "/dev/full");
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  g_assert_true (g_file_test ("/dev/full", G_FILE_TEST_EXISTS));
}

/* A file-size limit makes write() fail half-way, as a full disk does (and
 * unlike permissions, it also holds for root). */
static void
test_disk_full (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_strdup (g_getenv ("FW_TEST_DIR"));
      g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
      signal (SIGXFSZ, SIG_IGN);
      struct rlimit lim = { 64 * 1024, 64 * 1024 };
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &lim), ==, 0);
      gsize n = 1 << 20;
      g_autofree char *big = g_malloc0 (n);
      g_autoptr (GError) error = NULL;
      g_assert_false (fw_file_write (path, big, n, 0666, &error));
      assert_names_path_only (error, path);
      return;
    }
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *path = fw_test_write (dir, "model.safetensors", "the old model", -1);
  g_setenv ("FW_TEST_DIR", dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* the old file is untouched and no temporary is left */
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "the old model");
  g_assert_cmpint (count_entries (dir), ==, 1);
  fw_test_rmtree (dir);
}

static void
test_staged_folder (void)
{
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "export", NULL);
  g_autoptr (GError) error = NULL;

  /* absent: the staged folder becomes it */
  g_autofree char *s1 = fw_file_make_staging_dir (out, &error);
  g_assert_no_error (error);
  g_assert_true (fw_file_is_temp_name (strrchr (s1, '/') + 1));
  g_free (fw_test_write (s1, "a.py", "1", -1));
  g_assert_true (fw_file_commit_dir (s1, out, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (s1, G_FILE_TEST_EXISTS));

  /* present with other files: ours replace theirs, the rest stays */
  g_free (fw_test_write (out, "notes.txt", "mine", -1));
  g_autofree char *s2 = fw_file_make_staging_dir (out, &error);
  g_free (fw_test_write (s2, "a.py", "2", -1));
  g_assert_true (fw_file_commit_dir (s2, out, &error));
  g_autofree char *a = g_build_filename (out, "a.py", NULL);
  g_autofree char *notes = g_build_filename (out, "notes.txt", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (a, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "2");
  g_assert_true (g_file_test (notes, G_FILE_TEST_EXISTS));
  g_assert_cmpint (count_entries (dir), ==, 1);   /* only "export" */
  fw_test_rmtree (dir);
}

static void
test_stale_temps (void)
{
  g_autofree char *dir = fw_test_tmpdir ();
  g_autofree char *sub = g_build_filename (dir, "20260101-120000", NULL);
  g_autofree char *deeper = g_build_filename (sub, "deeper", NULL);
  g_mkdir_with_parents (deeper, 0700);
  const char *stale[] = { ".run.json.fw-tmp-Ab12Cd", ".model.safetensors.fw-tmp-XXXXXX" };
  const char *kept[] = { "run.json", "notes.fw-tmp-Ab12Cd", ".hidden", ".a.fw-tmp-toolong",
                         ".fw-tmp-Ab12Cd" };
  for (gsize i = 0; i < G_N_ELEMENTS (stale); i++)
    {
      g_free (fw_test_write (dir, stale[i], "x", -1));
      g_free (fw_test_write (sub, stale[i], "x", -1));
      g_free (fw_test_write (deeper, stale[i], "x", -1));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (kept); i++)
    g_free (fw_test_write (sub, kept[i], "x", -1));
  /* a staged folder a crash left behind goes too, with its contents */
  g_autofree char *staged = g_build_filename (dir, ".export.fw-tmp-Q1w2E3", NULL);
  g_mkdir (staged, 0700);
  g_free (fw_test_write (staged, "model.py", "x", -1));

  g_assert_cmpint (fw_file_remove_stale_temps (dir, 1), ==, 5);
  g_assert_cmpint (count_entries (dir), ==, 1);                          /* the run folder */
  g_assert_cmpint (count_entries (sub), ==, 1 + G_N_ELEMENTS (kept));   /* + "deeper" */
  g_assert_cmpint (count_entries (deeper), ==, G_N_ELEMENTS (stale));   /* below depth 1 */
  fw_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/file/write", test_write);
  g_test_add_func ("/core/file/parent-is-file", test_parent_is_file);
  g_test_add_func ("/core/file/dev-full", test_dev_full);
  g_test_add_func ("/core/file/disk-full", test_disk_full);
  g_test_add_func ("/core/file/staged-folder", test_staged_folder);
  g_test_add_func ("/core/file/stale-temps", test_stale_temps);
  return g_test_run ();
}
