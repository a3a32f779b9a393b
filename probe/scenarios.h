#ifndef SW_PROBE_SCENARIOS_H
#define SW_PROBE_SCENARIOS_H

/*
 * The scenario programs sealway-probe is made of. Each runs one scenario,
 * named by argv[1], against $WAYLAND_DISPLAY on a connection of its own and
 * prints what became of the connection as its last line on stdout
 * ("ok", "protocol-error interface=NAME code=N", "disconnected" or
 * "no-answer"); libwayland prints the compositor's error message on stderr.
 * Status 0 when the scenario ran, 1 when one of its own checks failed, 2
 * when it could not be set up. The tests also build each as a program of its
 * own (shm-probe, core-probe, dmabuf-probe, keymap-probe).
 */
int shm_probe_main(int argc, char *argv[]);
int core_probe_main(int argc, char *argv[]);
int dmabuf_probe_main(int argc, char *argv[]);
int keymap_probe_main(int argc, char *argv[]);
int fuzz_probe_main(int argc, char *argv[]);

#endif
