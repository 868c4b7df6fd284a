/* board.h - private to board: the cached sections of the page. */
#include <pthread.h>

enum { SEC_CLUSTERS, SEC_ALERTS, SEC_ISSUES, SEC_INVESTIGATIONS, SEC_NOISY, NSEC };

extern const char *const sec_names[NSEC];

struct cache {
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* signalled when a section changes or on quit */
	char *json[NSEC];	/* {"items":[…],"error":…,"updated":…} */
	unsigned long seq[NSEC];	/* bumped when json changes */
	bool quit;
	long refresh_ms;
	int64_t polled_ms;
	bool db_ok;
	char db_err[256];
};

extern struct cache cache;

/* data.c */
void data_poll_once(srw_db **db);
void *data_poller(void *arg);

/* page.c */
extern const char board_page[], board_js[], board_css[];
