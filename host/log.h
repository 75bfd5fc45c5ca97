/* Log sink of one plugin state: Falco's log_fn (stored from init_input, safe to keep) or,
 * when the framework gives none, stderr. */
#ifndef DKR_LOG_H
#define DKR_LOG_H

#include "plugin_api.h"

typedef struct dkr_log {
	ss_plugin_owner_t *owner;
	ss_plugin_log_fn_t fn;
} dkr_log;

void dkr_log_msg(const dkr_log *log, ss_plugin_log_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
