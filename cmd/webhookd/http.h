/* http.h - webhookd's HTTP server (http.c). */
struct MHD_Daemon;

/* Serves on listen_fd (a listening socket), or on the one connection
 * conn_fd (inetd, Accept=yes) when conn_fd >= 0.  NULL on failure. */
struct MHD_Daemon *http_start(int listen_fd, int conn_fd);
/* True once a connection closed: with conn_fd, the work is done. */
bool http_conn_closed(void);
/* Shuts down connections whose headers took longer than --timeout since
 * they connected (or since their last request): call every ~100 ms. */
void http_sweep(void);
