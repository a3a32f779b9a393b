/* One scenario program on its own: PROBE_MAIN is shm_probe_main, core_probe_main, ... */
#include "scenarios.h"

int
main(int argc, char *argv[])
{
	return PROBE_MAIN(argc, argv);
}
