/* dkr-harness: conformance checks of libdocker.so against the Falco plugin ABI reference,
 * and the `run` mode the end-to-end tests drive.
 *   dkr-harness conformance --lib build/libdocker.so --root . --fake-collector PATH
 *   dkr-harness run --lib build/libdocker.so [--config JSON] [--open PARAMS] ...
 *   dkr-harness info --lib build/libdocker.so     (what `falco --plugin-info` shows, as JSON) */
#include "run.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return dkr_run_main(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "conformance") == 0)
		return dkr_conformance_main(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "info") == 0)
		return dkr_info_main(argc - 2, argv + 2);
	fprintf(stderr, "usage: dkr-harness run|conformance|info ...\n");
	return 2;
}
