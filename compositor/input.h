#ifndef SW_INPUT_H
#define SW_INPUT_H

struct sw_server;
struct sw_session;

/*
 * Keyboards and pointers of the seat through libinput's path backend (no
 * udev daemon needed to find them): every /dev/input/event* node, opened
 * through the session. Feeds server->seat; handles the compositor's own keys
 * (through the window manager, whose keys they are).
 */
struct sw_input *sw_input_create(struct sw_server *server, struct sw_session *session);
void sw_input_destroy(struct sw_input *input);

#endif
