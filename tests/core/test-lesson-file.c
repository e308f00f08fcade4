/* test-lesson-file.c — lesson files: every kind of malformed file gets an
 * error naming the file and the (1-based) step, texts pick the reader's
 * language, a step's dataset and options stay in force until changed, and
 * every built-in lesson parses in English and Korean. */
#include <glib/gstdio.h>
#include <string.h>

#include "fw-lesson.h"

static const char *const english[] = { "en", NULL };
static const char *const korean[] = { "ko_KR.UTF-8", "ko_KR", "ko", "C", NULL };

#define HEAD "{\"format\": \"fusion-workbench-lesson\", \"version\": 1, \"title\": \"T\", "

static FwLesson *
parse (const char *text, GError **error)
{
  return fw_lesson_parse (text, strlen (text), "my-lesson.json", g_get_tmp_dir (), english, error);
}

/* The error must name the file, the step when there is one, and say what. */
static void
assert_bad (const char *text, const char *step, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwLesson) lesson = parse (text, &error);
  g_assert_null (lesson);
  g_assert_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "my-lesson.json: "));
  if (step)
    g_assert_nonnull (strstr (error->message, step));
  else
    g_assert_null (strstr (error->message, "step "));
  g_assert_nonnull (strstr (error->message, what));
}

static void
test_malformed (void)
{
  assert_bad ("{\"format\": ", NULL, "not valid JSON");
  assert_bad ("[1, 2]", NULL, "not a lesson file");
  assert_bad ("{\"format\": \"something-else\", \"version\": 1}", NULL, "not a lesson file");
  assert_bad ("{\"format\": \"fusion-workbench-lesson\", \"version\": 2, \"title\": \"T\", \"steps\": [{\"text\": \"a\"}]}",
              NULL, "newer");
  assert_bad ("{\"format\": \"fusion-workbench-lesson\", \"version\": \"one\"}", NULL, "version");
  assert_bad (HEAD "\"steps\": []}", NULL, "no steps");
  assert_bad (HEAD "\"steps\": {}}", NULL, "no steps");
  assert_bad ("{\"format\": \"fusion-workbench-lesson\", \"version\": 1, \"steps\": [{\"text\": \"a\"}]}",
              NULL, "'title' is missing");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\"}, {\"text\": \"b\", \"action\": \"dance\"}]}",
              "step 2:", "unknown action 'dance'");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"config\": {\"fusoin\": \"late\"}}]}",
              "step 1:", "unknown option --fusoin");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"config\": {\"fusion\": \"lat\"}}]}",
              "step 1:", "'lat' is not one of");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"config\": {\"epochs\": 0}}]}",
              "step 1:", "--epochs");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"config\": {\"lr\": true}}]}",
              "step 1:", "'lr' must be a string or a number");
  /* combinations are checked too, as `train` checks them */
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"config\": {\"fusion\": \"early\", \"image_encoder\": \"cnn\"}}]}",
              "step 1:", "early fusion");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\"}, {\"text\": \"b\"}, {\"text\": \"c\", \"dataset\": \"builtin:shapez\"}]}",
              "step 3:", "unknown dataset 'builtin:shapez'");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"dataset\": \"no-such-folder/data.csv\"}]}",
              "step 1:", "unknown dataset 'no-such-folder/data.csv'");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"action\": \"train\", \"question\": {\"text\": \"q\", \"choices\": [\"x\", \"y\"], \"answer\": 2}}]}",
              "step 1:", "from 0 to 1");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"question\": {\"text\": \"q\", \"choices\": [\"x\"], \"answer\": 0}}]}",
              "step 1:", "at least two");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"question\": {\"text\": \"q\", \"choices\": [\"x\", \"y\"]}}]}",
              "step 1:", "question.answer");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"action\": \"contributions\"}]}",
              "step 1:", "no step before");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"action\": \"robustness\"}]}",
              "step 1:", "robustness looks at the last trained model");
  assert_bad (HEAD "\"steps\": [{\"text\": \"a\", \"look_at\": \"ceiling\"}]}",
              "step 1:", "unknown look_at 'ceiling'");
  assert_bad (HEAD "\"steps\": [{\"action\": \"train\"}]}", "step 1:", "'text' is missing");
  assert_bad (HEAD "\"steps\": [{\"text\": {\"en\": 3}}]}", "step 1:", "not a string");
  assert_bad (HEAD "\"steps\": [42]}", "step 1:", "must be an object");
}

static void
test_languages (void)
{
  const char *text = "{\"format\": \"fusion-workbench-lesson\", \"version\": 1, "
                     "\"title\": {\"en\": \"Hello\", \"ko\": \"안녕\"}, \"extra\": [1], "
                     "\"steps\": [{\"text\": {\"de\": \"Hallo\", \"en\": \"Hi\"}, \"ignored\": true, "
                     "\"question\": {\"text\": \"Q?\", \"choices\": [{\"en\": \"yes\", \"ko\": \"예\"}, \"no\"], \"answer\": 0}}, "
                     "{\"text\": {\"fr\": \"Salut\"}}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (FwLesson) ko = fw_lesson_parse (text, strlen (text), "l.json", NULL, korean, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ko->title, ==, "안녕");
  g_assert_cmpstr (ko->steps[0].text, ==, "Hi");          /* no Korean: English */
  g_assert_cmpstr (ko->steps[0].choices[0], ==, "예");
  g_assert_cmpstr (ko->steps[0].choices[1], ==, "no");
  g_assert_cmpstr (ko->steps[1].text, ==, "Salut");      /* neither: the first given */
  g_autoptr (FwLesson) en = fw_lesson_parse (text, strlen (text), "l.json", NULL, english, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (en->title, ==, "Hello");
  g_assert_cmpint (en->steps[0].answer, ==, 0);
  g_assert_cmpint (en->steps[1].answer, ==, -1);
  g_assert_null (en->steps[1].question);
}

static void
test_set_up_carries_over (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fw-lesson-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "data.csv", NULL);
  g_assert_true (g_file_set_contents (csv, "image,text,label\n", -1, NULL));
  g_autofree char *path = g_build_filename (dir, "lesson.json", NULL);
  const char *text = HEAD "\"steps\": ["
    "{\"text\": \"a\", \"dataset\": \"builtin:shapes-xor\", \"config\": {\"fusion\": \"late\", \"epochs\": 8, \"fusion_op\": \"sum\"}, \"action\": \"train\"},"
    "{\"text\": \"b\", \"config\": {\"fusion-op\": \"gated\", \"lr\": 0.01}},"
    "{\"text\": \"c\", \"dataset\": \"data.csv\", \"action\": \"contributions\", \"look_at\": \"accuracy\"}]}";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (FwLesson) l = fw_lesson_load (path, english, &error);
  g_assert_no_error (error);
  g_assert_cmpint (l->n_steps, ==, 3);
  g_assert_cmpstr (l->source, ==, path);
  g_assert_true (l->steps[0].sets_up);
  g_assert_true (l->steps[1].sets_up);
  g_assert_cmpstr (l->steps[1].dataset, ==, "builtin:shapes-xor");
  g_assert_cmpint (l->steps[1].config.fusion, ==, FW_FUSION_LATE);
  g_assert_cmpint (l->steps[1].config.epochs, ==, 8);
  g_assert_cmpint (l->steps[1].config.fusion_op, ==, FW_OP_GATED);
  g_assert_cmpfloat (l->steps[1].config.lr, ==, 0.01);
  g_assert_cmpint (l->steps[0].config.threads, ==, 1);   /* same numbers on every machine */
  g_assert_cmpstr (l->steps[2].dataset, ==, csv);        /* relative to the lesson's folder */
  g_assert_cmpint (l->steps[2].config.epochs, ==, 8);
  g_assert_cmpint (l->steps[2].action, ==, FW_LESSON_ACTION_CONTRIBUTIONS);
  g_assert_cmpint (l->steps[2].look_at, ==, FW_LESSON_LOOK_ACCURACY);
  g_assert_cmpint (l->steps[0].look_at, ==, FW_LESSON_LOOK_NONE);
  g_remove (csv);
  g_remove (path);
  g_rmdir (dir);
}

static void
test_not_found (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwLesson) l = fw_lesson_load ("no-such-lesson", english, &error);
  g_assert_null (l);
  g_assert_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "late-fusion-xor"));   /* lists the built-ins */
  g_clear_error (&error);
  l = fw_lesson_load ("/nonexistent/lesson.json", english, &error);
  g_assert_null (l);
  g_assert_error (error, FW_LESSON_ERROR, FW_LESSON_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/nonexistent/lesson.json"));
}

/* Every built-in parses in both languages, with its own text in each. */
static void
test_builtins (void)
{
  int n = 0;
  for (const char *const *name = fw_lesson_builtin_names (); *name; name++, n++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FwLesson) en = fw_lesson_load_builtin (*name, english, &error);
      g_assert_no_error (error);
      g_autoptr (FwLesson) ko = fw_lesson_load_builtin (*name, korean, &error);
      g_assert_no_error (error);
      g_assert_cmpint (en->n_steps, >=, 3);
      g_assert_cmpint (en->n_steps, ==, ko->n_steps);
      g_assert_cmpstr (en->title, !=, ko->title);
      for (int i = 0; i < en->n_steps; i++)
        {
          g_assert_cmpstr (en->steps[i].text, !=, ko->steps[i].text);
          g_assert_cmpint (en->steps[i].answer, ==, ko->steps[i].answer);
        }
    }
  g_assert_cmpint (n, ==, 9);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lesson/file/malformed", test_malformed);
  g_test_add_func ("/lesson/file/languages", test_languages);
  g_test_add_func ("/lesson/file/set-up-carries-over", test_set_up_carries_over);
  g_test_add_func ("/lesson/file/not-found", test_not_found);
  g_test_add_func ("/lesson/file/builtins", test_builtins);
  return g_test_run ();
}
