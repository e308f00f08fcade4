/* test-csv.c — the RFC 4180 reader: every format feature it promises and
 * every structural mistake it must name by line. */
#include <string.h>

#include "fw-csv.h"
#include "fw-dataset.h"

static FwCsv *
parse (const char *s, GError **error)
{
  return fw_csv_parse (s, strlen (s), "t.csv", error);
}

static const char *
field (FwCsv *csv, int row, int col)
{
  FwCsvRow *r = g_ptr_array_index (csv->rows, row);
  g_assert_cmpint (col, <, r->n_fields);
  return r->fields[col];
}

static void
test_simple (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("image,text,label\na.png,a cat,cat\nb.png,a dog,dog\n", &error);
  g_assert_no_error (error);
  g_assert_cmpint (csv->n_columns, ==, 3);
  g_assert_cmpstr (csv->header[2], ==, "label");
  g_assert_cmpint (csv->rows->len, ==, 2);
  g_assert_cmpstr (field (csv, 1, 1), ==, "a dog");
  g_assert_cmpint (((FwCsvRow *) g_ptr_array_index (csv->rows, 1))->line, ==, 3);
  g_assert_cmpint (fw_csv_column (csv, "LABEL"), ==, 2);
  g_assert_cmpint (fw_csv_column (csv, "split"), ==, -1);
}

static void
test_quoted (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("a,b,c\n"
                                 "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
                                 "\"\",plain,\"\"\"\"\n"
                                 "p,q,r\n", &error);
  g_assert_no_error (error);
  g_assert_cmpint (csv->rows->len, ==, 3);
  g_assert_cmpstr (field (csv, 0, 0), ==, "x, y");
  g_assert_cmpstr (field (csv, 0, 1), ==, "say \"hi\"");
  g_assert_cmpstr (field (csv, 0, 2), ==, "two\nlines");
  g_assert_cmpstr (field (csv, 1, 0), ==, "");
  g_assert_cmpstr (field (csv, 1, 2), ==, "\"");
  /* the embedded newline moves later rows down a line */
  g_assert_cmpint (((FwCsvRow *) g_ptr_array_index (csv->rows, 2))->line, ==, 5);
  for (int r = 0; r < 3; r++)
    g_assert_null (((FwCsvRow *) g_ptr_array_index (csv->rows, r))->problem);
}

static void
test_crlf_bom (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("\xEF\xBB\xBFimage,text,label\r\na,\"b\r\nc\",d\r\ne,f,g", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (csv->header[0], ==, "image");   /* BOM gone */
  g_assert_cmpint (csv->rows->len, ==, 2);
  g_assert_cmpstr (field (csv, 0, 1), ==, "b\r\nc");  /* kept inside quotes */
  g_assert_cmpstr (field (csv, 0, 2), ==, "d");       /* CR not part of the field */
  g_assert_cmpstr (field (csv, 1, 2), ==, "g");       /* no final newline */
}

static void
test_blank_lines_and_empty_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("a,b\n\n1,\n\r\n,2\n  \t\n\n", &error);
  g_assert_no_error (error);
  g_assert_cmpint (csv->rows->len, ==, 2);
  g_assert_cmpstr (field (csv, 0, 1), ==, "");
  g_assert_cmpstr (field (csv, 1, 0), ==, "");
  g_assert_cmpint (((FwCsvRow *) g_ptr_array_index (csv->rows, 1))->line, ==, 5);
}

static void
test_lone_cr_and_literal_quotes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("a,b\r5\" screen,x\r", &error);
  g_assert_no_error (error);
  g_assert_cmpint (csv->rows->len, ==, 1);
  g_assert_cmpstr (field (csv, 0, 0), ==, "5\" screen");
}

static void
test_unterminated_quote (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("a,b\n1,2\n3,\"open\nstill open\n", &error);
  g_assert_null (csv);
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "t.csv: line 3"));
  g_assert_nonnull (strstr (error->message, "unterminated quote"));
}

static void
test_after_closing_quote (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("a,b\n\"x\"y,2\n", &error);
  g_assert_null (csv);
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "line 2"));
}

static void
test_field_counts (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("a,b\n1,2,3\n4\n5,6\n", &error);
  g_assert_no_error (error);
  g_assert_cmpint (csv->rows->len, ==, 3);
  FwCsvRow *r0 = g_ptr_array_index (csv->rows, 0), *r1 = g_ptr_array_index (csv->rows, 1),
           *r2 = g_ptr_array_index (csv->rows, 2);
  g_assert_nonnull (strstr (r0->problem, "too many fields"));
  g_assert_nonnull (strstr (r1->problem, "too few fields"));
  g_assert_null (r2->problem);
}

static void
test_bad_text (void)
{
  static const char data[] = "a,text\n1,caf\xC3\n2,ok\n3,nu\0l\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = fw_csv_parse (data, sizeof data - 1, "t.csv", &error);
  g_assert_no_error (error);
  g_assert_cmpint (csv->rows->len, ==, 3);
  FwCsvRow *r0 = g_ptr_array_index (csv->rows, 0), *r2 = g_ptr_array_index (csv->rows, 2);
  g_assert_cmpstr (r0->problem, ==, "column 'text' is not valid UTF-8");
  g_assert_cmpstr (r2->problem, ==, "column 'text' contains a NUL byte");
}

static void
test_binary_and_empty (void)
{
  static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0";
  g_autoptr (GError) error = NULL;
  FwCsv *csv = fw_csv_parse (png, sizeof png - 1, "t.csv", &error);
  g_assert_null (csv);
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "not UTF-8"));
  g_clear_error (&error);

  csv = parse ("\xEF\xBB\xBF\n\n", &error);
  g_assert_null (csv);
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY);
  g_clear_error (&error);

  csv = fw_csv_parse ("", 0, "t.csv", &error);
  g_assert_null (csv);
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_EMPTY);
}

static void
test_duplicate_column (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FwCsv) csv = parse ("label,text,Label\n", &error);
  g_assert_null (csv);
  g_assert_error (error, FW_DATA_ERROR, FW_DATA_ERROR_COLUMN);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/csv/simple", test_simple);
  g_test_add_func ("/core/csv/quoted", test_quoted);
  g_test_add_func ("/core/csv/crlf-bom", test_crlf_bom);
  g_test_add_func ("/core/csv/blank-lines", test_blank_lines_and_empty_fields);
  g_test_add_func ("/core/csv/lone-cr", test_lone_cr_and_literal_quotes);
  g_test_add_func ("/core/csv/unterminated-quote", test_unterminated_quote);
  g_test_add_func ("/core/csv/after-closing-quote", test_after_closing_quote);
  g_test_add_func ("/core/csv/field-counts", test_field_counts);
  g_test_add_func ("/core/csv/bad-text", test_bad_text);
  g_test_add_func ("/core/csv/binary-and-empty", test_binary_and_empty);
  g_test_add_func ("/core/csv/duplicate-column", test_duplicate_column);
  return g_test_run ();
}
