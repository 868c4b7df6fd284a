/* page.c - the page (page.html), shipped inside the binary: no CDN, no
 * build step.  The assembler's .incbin embeds the file as it is (the path is
 * relative to the top of the tree, where make runs); a NUL ends it. */
__asm__(
    ".section .rodata\n"
    ".global board_page\n"
    ".type board_page, @object\n"
    "board_page:\n"
    ".incbin \"cmd/board/page.html\"\n"
    ".byte 0\n"
    ".previous\n");
