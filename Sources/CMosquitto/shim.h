#ifndef CHARGEBUS_CMOSQUITTO_SHIM_H
#define CHARGEBUS_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
/* The network thread (NetworkThread.swift) waits with poll(2) and is woken through an eventfd. */
#include <poll.h>
#include <sys/eventfd.h>
#include <stdlib.h>
#include <sys/socket.h>

/// Frees memory handed out by libmosquitto's property readers (documented as "free with free()").
static inline void chargebus_mosquitto_free(void *ptr) {
    free(ptr);
}

/// Test hook: shuts a socket down in both directions without closing the descriptor,
/// so the broker sees the connection die without a DISCONNECT (last will is published)
/// and libmosquitto notices the broken connection on its own thread.
static inline int chargebus_socket_shutdown(int fd) {
    return shutdown(fd, SHUT_RDWR);
}

#endif
