#ifndef CHARGEBUS_CMOSQUITTO_SHIM_H
#define CHARGEBUS_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
