#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void dkr_log_msg(const dkr_log *log, ss_plugin_log_severity sev, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log != NULL && log->fn != NULL) {
		log->fn(log->owner, "docker", msg, sev);
		return;
	}
	if (sev > SS_PLUGIN_LOG_SEV_WARNING && getenv("DKR_DEBUG") == NULL)
		return; /* no framework logger: only problems go to stderr */
	static const char *const names[] = {"", "fatal", "critical", "error", "warning",
	                                    "notice", "info", "debug", "trace"};
	const char *name = (sev >= 1 && sev <= 8) ? names[sev] : "info";
	fprintf(stderr, "docker [%s]: %s\n", name, msg);
}
