/* Check tests for lib/buf.c: JSON string escaping, whose word-at-a-time
 * fast path must give the same bytes as the plain byte loop (the writer
 * escapes every string of every Stream Load row with it). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "check_run.h"

/* The obvious escaper, byte by byte. */
static void
slow(srw_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	srw_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"')
			srw_buf_adds(b, "\\\"");
		else if (c == '\\')
			srw_buf_adds(b, "\\\\");
		else if (c == '\n')
			srw_buf_adds(b, "\\n");
		else if (c == '\r')
			srw_buf_adds(b, "\\r");
		else if (c == '\t')
			srw_buf_adds(b, "\\t");
		else if (c < 0x20) {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

			srw_buf_adds(b, u);
		} else
			srw_buf_addc(b, (char)c);
	}
	srw_buf_addc(b, '"');
}

START_TEST(jstr_examples)
{
	srw_buf b;

	srw_buf_init(&b);
	srw_buf_add_jstr(&b, "plain ascii text, long enough", 29);
	ck_assert_str_eq(b.s, "\"plain ascii text, long enough\"");
	srw_buf_reset(&b);
	srw_buf_add_jstr(&b, "a\0b\"c\\d\x1f\xc3\xa9 and more", 19);
	ck_assert_str_eq(b.s, "\"a\\u0000b\\\"c\\\\d\\u001f\xc3\xa9 and more\"");
	srw_buf_free(&b);
}
END_TEST

START_TEST(jstr_same_as_byte_loop)
{
	static const char special[] = "\"\\\n\r\t\x01\x1f\x20\x21\x22\x5b\x5c\x5d\x7f\x80\xff";
	char s[80];
	int it;

	srand(7);
	for (it = 0; it < 100000; it++) {
		size_t n = (size_t)(rand() % 80), i;
		srw_buf a, b;

		for (i = 0; i < n; i++)
			s[i] = rand() % 5 ? (char)('a' + rand() % 26) :
			    special[rand() % (int)(sizeof special)];	/* NUL included */
		srw_buf_init(&a);
		srw_buf_init(&b);
		srw_buf_add_jstr(&a, s, n);
		slow(&b, s, n);
		ck_assert_uint_eq(a.len, b.len);
		ck_assert_msg(memcmp(a.s, b.s, a.len) == 0, "differs at iteration %d", it);
		srw_buf_free(&a);
		srw_buf_free(&b);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, jstr_examples);
	tcase_add_test(tc, jstr_same_as_byte_loop);
	suite_add_tcase(s, tc);
	return check_run(s);
}
