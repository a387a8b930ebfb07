"""MQTT helpers on paho-mqtt 2.x (CallbackAPIVersion.VERSION2).

`Collector` subscribes, records every message with its topic, flags and MQTT 5 properties, and
offers `wait_for(filter, predicate, timeout)` (blocking) and `await wait_for_async(...)` (for
tests that also drive an asyncio OCPP peer, whose event loop must keep running while we wait).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

_ids = itertools.count(1)


@dataclass
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: Any = None
    received_at: float = field(default_factory=time.monotonic)
    index: int = 0

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8", errors="replace")

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.payload)
        except ValueError:
            return None

    def __repr__(self) -> str:  # short, for assertion messages
        flags = ("R" if self.retain else "") + f"q{self.qos}"
        return f"<{self.index} {self.topic} {flags} {self.text[:300]}>"


Predicate = Callable[[Any], bool]


def _matches(filter_: str | None, topic: str) -> bool:
    return filter_ is None or filter_ == topic or mqtt.topic_matches_sub(filter_, topic)


class Collector:
    """A subscriber that records everything it receives.

    persistent=True: MQTT 3.1.1 clean_session=False, or MQTT 5 clean_start=False with a session
    expiry interval, so that the broker queues QoS 1 messages while we are disconnected and the
    subscription survives a broker restart (with persistence on).
    """

    def __init__(self, port: int, topics: Iterable[str] = ("ev/#",), *, host: str = "127.0.0.1",
                 client_id: str | None = None, protocol: int = 5, persistent: bool = False,
                 qos: int = 1, username: str | None = None, password: str | None = None,
                 transport: str = "tcp", session_expiry: int = 3600):
        self.host, self.port = host, port
        self.topics = list(topics)
        self.qos = qos
        self.protocol = mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311
        self.persistent = persistent
        self.session_expiry = session_expiry
        self.client_id = client_id or f"itest-collector-{next(_ids)}-{time.monotonic_ns() % 10**9}"
        kwargs = {}
        if self.protocol == mqtt.MQTTv311:
            kwargs["clean_session"] = not persistent
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                                  protocol=self.protocol, transport=transport, **kwargs)
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.max_queued_messages_set(0)
        self.client.max_inflight_messages_set(100)
        self._cond = threading.Condition()
        self.messages: list[Message] = []
        self.connects = 0
        self.disconnects = 0
        self.session_present: list[bool] = []
        self.subscribed = threading.Event()
        self.suback_codes: list[Any] = []
        self.publish_results: dict[int, Any] = {}
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_publish = self._on_publish

    # -- paho callbacks (paho's network thread) --
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        with self._cond:
            self.connects += 1
            self.last_connect_rc = reason_code
            self.session_present.append(bool(getattr(flags, "session_present", False)))
            self._cond.notify_all()
        if reason_code.is_failure:
            return
        # With a resumed session the broker still holds the subscriptions; subscribing again would
        # make it resend retained messages, which would look like duplicates.
        if self.topics and not (self.persistent and getattr(flags, "session_present", False)):
            client.subscribe([(t, self.qos) for t in self.topics])
        elif self.topics:
            self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        with self._cond:
            self.disconnects += 1
            self._cond.notify_all()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self._cond:
            self.suback_codes.extend(reason_codes)
        self.subscribed.set()

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        with self._cond:
            self.publish_results[mid] = reason_code
            self._cond.notify_all()

    def _on_message(self, client, userdata, msg):
        with self._cond:
            m = Message(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain),
                        getattr(msg, "properties", None), index=len(self.messages))
            self.messages.append(m)
            self._cond.notify_all()

    # -- lifecycle --
    def start(self, timeout: float = 10.0) -> "Collector":
        props = None
        kwargs = {}
        if self.protocol == mqtt.MQTTv5:
            kwargs["clean_start"] = not self.persistent
            if self.persistent:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = self.session_expiry
        self.client.connect(self.host, self.port, keepalive=10, properties=props, **kwargs)
        self.client.loop_start()
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.connects == 0 and time.monotonic() < deadline:
                self._cond.wait(0.05)
        if self.connects == 0:
            raise TimeoutError(f"MQTT collector {self.client_id} did not connect to {self.host}:{self.port}")
        if self.last_connect_rc.is_failure:
            raise ConnectionError(f"MQTT connect refused: {self.last_connect_rc}")
        if self.topics and not self.subscribed.wait(max(0.1, deadline - time.monotonic())):
            raise TimeoutError(f"MQTT collector {self.client_id} did not get a SUBACK")
        return self

    def stop(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def is_connected(self) -> bool:
        return self.client.is_connected()

    # -- publishing through the same client --
    def publish(self, topic: str, payload: Any, *, qos: int = 1, retain: bool = False,
                properties: Properties | None = None, timeout: float = 10.0) -> Any:
        """Publishes and waits for the PUBACK. Returns the reason code (MQTT 5: 0x87 when the ACL denies)."""
        if not isinstance(payload, (bytes, bytearray, str)):
            payload = json.dumps(payload)
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        if qos == 0:
            return None
        info.wait_for_publish(timeout)
        deadline = time.monotonic() + timeout
        with self._cond:
            while info.mid not in self.publish_results and time.monotonic() < deadline:
                self._cond.wait(0.05)
            return self.publish_results.get(info.mid)

    # -- queries --
    def mark(self) -> int:
        """An index to pass as `since=` to only consider messages received after this point."""
        with self._cond:
            return len(self.messages)

    def select(self, filter_: str | None = None, predicate: Predicate | None = None, since: int = 0) -> list[Message]:
        with self._cond:
            msgs = self.messages[since:]
        return [m for m in msgs if _matches(filter_, m.topic) and (predicate is None or _safe(predicate, m))]

    def json_payloads(self, filter_: str | None = None, since: int = 0) -> list[Any]:
        return [m.json for m in self.select(filter_, since=since)]

    def wait_for(self, filter_: str, predicate: Predicate | None = None, timeout: float = 10.0,
                 since: int = 0) -> Message:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages[since:]:
                    if _matches(filter_, m.topic) and (predicate is None or _safe(predicate, m)):
                        return m
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.1))
        raise AssertionError(self._timeout_text(filter_, timeout, since))

    async def wait_for_async(self, filter_: str, predicate: Predicate | None = None, timeout: float = 10.0,
                             since: int = 0) -> Message:
        deadline = time.monotonic() + timeout
        while True:
            found = self.select(filter_, predicate, since)
            if found:
                return found[0]
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_text(filter_, timeout, since))
            await asyncio.sleep(0.02)

    async def wait_count_async(self, filter_: str, count: int, predicate: Predicate | None = None,
                               timeout: float = 10.0, since: int = 0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.select(filter_, predicate, since)
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(0.02)

    def _timeout_text(self, filter_: str, timeout: float, since: int) -> str:
        seen = self.select(filter_, since=since)
        others = self.select(None, since=since)
        text = f"no message on {filter_!r} matched within {timeout}s; {len(seen)} on that filter:\n"
        text += "\n".join(f"  {m!r}" for m in seen[-20:])
        if not seen:
            text += f"\n  (all {len(others)} received, last 20:)\n" + "\n".join(f"  {m!r}" for m in others[-20:])
        return text


def _safe(predicate: Predicate, m: Message) -> bool:
    """Predicates receive the decoded JSON payload; a KeyError/TypeError just means 'no match'."""
    try:
        return bool(predicate(m.json))
    except (KeyError, TypeError, IndexError, AttributeError):
        return False


def response_properties(response_topic: str, correlation: bytes) -> Properties:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = response_topic
    props.CorrelationData = correlation
    return props
