/* page.c - the page and its script and style (page.html, board.js,
 * board.css), shipped inside the binary: no CDN, no build step, and no
 * inline script, so the page's CSP can forbid inline scripts.  The
 * assembler's .incbin embeds each file as it is (the path is relative to the
 * top of the tree, where make runs); a NUL ends it. */
#define EMBED(sym, file) \
	".global " sym "\n.type " sym ", @object\n" sym ":\n" \
	".incbin \"" file "\"\n.byte 0\n"
__asm__(
    ".section .rodata\n"
    EMBED("board_page", "cmd/board/page.html")
    EMBED("board_js", "cmd/board/board.js")
    EMBED("board_css", "cmd/board/board.css")
    ".previous\n");
