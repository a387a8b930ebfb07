#!/usr/bin/env python3
"""A Python stand-in for the `chargebus` binary, written from the bus contract (topics.md) so the
integration suite could be developed and checked before the Swift bridge existed.

NOT the product and not a reference implementation: it only has to be good enough for the suite
to exercise its own fixtures and helpers. Use it with
    CHARGEBUS_BIN=Tests/integration/tools/fake-chargebus .venv/bin/pytest Tests/integration
A suite that passes against the fake and fails against the real bridge points at the bridge (or
at a place where the fake reads the contract differently: check topics.md).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

# ------------------------------------------------------------------ store


class Store:
    def __init__(self, data: str):
        self.path = Path(data) / "fake-chargebus.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def load(self) -> dict:
        if self.path.exists():
            return json.loads(self.path.read_text())
        return {"chargers": {}, "idtags": {}, "lastTx": 0, "openTx": {}}

    def save(self, db: dict) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(db))
        os.replace(tmp, self.path)


def pw_hash(pw: str) -> str:
    salt = os.urandom(8).hex()
    return salt + "$" + hashlib.sha256((salt + pw).encode()).hexdigest()


def pw_check(pw: str, stored: str) -> bool:
    salt, digest = stored.split("$", 1)
    return hashlib.sha256((salt + pw).encode()).hexdigest() == digest


def now_iso(t: float | None = None) -> str:
    t = time.time() if t is None else t
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


# ------------------------------------------------------------------ CLI


class UsageParser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"Error: {message}", file=sys.stderr)
        sys.exit(64)


def positive_int(v):
    n = int(v)
    if n < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return n


def password(v):
    if not 16 <= len(v) <= 40:
        raise argparse.ArgumentTypeError("the password must be 16 to 40 characters")
    return v


def cli(argv: list[str]) -> int:
    p = UsageParser(prog="chargebus")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=UsageParser)
    ch = sub.add_parser("chargers").add_subparsers(dest="sub", required=True, parser_class=UsageParser)
    a = ch.add_parser("add")
    a.add_argument("id")
    a.add_argument("--site", required=True)
    a.add_argument("--class", dest="klass", required=True, choices=["L2", "L3"])
    a.add_argument("--connectors", type=positive_int, default=1)
    a.add_argument("--max-power-kw", type=float, required=True)
    a.add_argument("--password", type=password, required=True)
    a.add_argument("--lenient", action="store_true")
    a.add_argument("--data", default="./data")
    ls = ch.add_parser("list")
    ls.add_argument("--json", action="store_true")
    ls.add_argument("--data", default="./data")
    rm = ch.add_parser("remove")
    rm.add_argument("id")
    rm.add_argument("--data", default="./data")
    st = ch.add_parser("set")
    st.add_argument("id")
    st.add_argument("--site")
    st.add_argument("--password", type=password)
    st.add_argument("--lenient", choices=["true", "false"])
    st.add_argument("--data", default="./data")
    it = sub.add_parser("idtags").add_subparsers(dest="sub", required=True, parser_class=UsageParser)
    ia = it.add_parser("add")
    ia.add_argument("tag")
    ia.add_argument("--status", default="Accepted", choices=["Accepted", "Blocked", "Expired", "Invalid"])
    ia.add_argument("--expiry")
    ia.add_argument("--data", default="./data")
    il = it.add_parser("list")
    il.add_argument("--json", action="store_true")
    il.add_argument("--data", default="./data")
    ir = it.add_parser("remove")
    ir.add_argument("tag")
    ir.add_argument("--data", default="./data")
    br = sub.add_parser("bridge")
    br.add_argument("--mqtt", default=os.environ.get("CHARGEBUS_MQTT", "mqtt://127.0.0.1:1883"))
    br.add_argument("--listen", default="0.0.0.0:8180")
    br.add_argument("--data", default="./data")
    br.add_argument("--auto-register", action="store_true")
    br.add_argument("--bridge-id", default="bridge-fake")
    br.add_argument("--topic-root", default="ev")
    br.add_argument("--heartbeat-interval", type=int, default=300)
    br.add_argument("--offline-grace", type=float, default=2.0)
    br.add_argument("--call-timeout", type=float, default=30.0)
    br.add_argument("--metrics")
    br.add_argument("--log-level", default="info")
    args = p.parse_args(argv)
    store = Store(args.data)
    db = store.load()
    if args.cmd == "chargers":
        if args.sub == "add":
            if args.id in db["chargers"]:
                print(f"charger {args.id} already exists", file=sys.stderr)
                return 1
            db["chargers"][args.id] = {"id": args.id, "site": args.site, "class": args.klass,
                                       "connectors": args.connectors, "maxPowerW": args.max_power_kw * 1000,
                                       "lenient": args.lenient, "pw": pw_hash(args.password)}
        elif args.sub == "list":
            items = [{k: v for k, v in c.items() if k != "pw"} | {"hasPassword": "pw" in c}
                     for c in db["chargers"].values()]
            print(json.dumps(items) if args.json else "\n".join(f"{c['id']} {c['site']}" for c in items))
            return 0
        elif args.sub == "remove":
            if db["chargers"].pop(args.id, None) is None:
                print("no such charger", file=sys.stderr)
                return 1
        elif args.sub == "set":
            c = db["chargers"][args.id]
            if args.site:
                c["site"] = args.site
            if args.password:
                c["pw"] = pw_hash(args.password)
            if args.lenient:
                c["lenient"] = args.lenient == "true"
        store.save(db)
        return 0
    if args.cmd == "idtags":
        if args.sub == "add":
            db["idtags"][args.tag] = {"tag": args.tag, "status": args.status, "expiry": args.expiry}
        elif args.sub == "list":
            tags = list(db["idtags"].values())
            print(json.dumps(tags) if args.json else "\n".join(f"{t['tag']} {t['status']}" for t in tags))
            return 0
        elif args.sub == "remove":
            db["idtags"].pop(args.tag, None)
        store.save(db)
        return 0
    return asyncio.run(Bridge(args, store).run())


# ------------------------------------------------------------------ validation

SCHEMAS = None
CHARGER_ACTIONS = {"Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
                   "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
                   "StatusNotification", "StopTransaction"}
CSMS_ACTIONS = {"ChangeAvailability", "ChangeConfiguration", "ClearCache", "DataTransfer", "GetConfiguration",
                "GetDiagnostics", "RemoteStartTransaction", "RemoteStopTransaction", "Reset", "TriggerMessage",
                "UnlockConnector", "UpdateFirmware"}


class CallError(Exception):
    def __init__(self, code, description):
        super().__init__(description)
        self.code, self.description = code, description


def validate(action: str, payload) -> None:
    import jsonschema
    import ocpp.v16
    path = Path(ocpp.v16.__file__).parent / "schemas" / f"{action}.json"
    schema = json.loads(path.read_text())
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(payload))
    if not errors:
        return
    e = errors[0]
    code = {"required": "OccurenceConstraintViolation", "type": "TypeConstraintViolation"}.get(
        e.validator, "PropertyConstraintViolation")
    raise CallError(code, e.message)


# ------------------------------------------------------------------ bridge

UNITS = {"Wh": 1, "kWh": 1000, "W": 1, "kW": 1000, "A": 1, "V": 1, "Percent": 1, "Celsius": 1}
FIELDS = {"Energy.Active.Import.Register": "energyWh", "Power.Active.Import": "powerW", "Current.Import": "currentA",
          "Voltage": "voltageV", "SoC": "soc", "Temperature": "temperatureC"}


class Session:
    def __init__(self, cp, ws, record):
        self.cp, self.ws, self.record = cp, ws, record
        self.last_seen = time.monotonic()
        self.closed_reason = None
        self.pending: dict[str, asyncio.Future] = {}
        self.call_lock = asyncio.Lock()
        self.tx: dict[int, dict] = {}


class Bridge:
    def __init__(self, args, store: Store):
        self.args, self.store = args, store
        self.root = args.topic_root
        self.sessions: dict[str, Session] = {}
        self.loop = None
        url = args.mqtt.removeprefix("mqtt://")
        creds, _, hostport = url.rpartition("@")
        host, _, port = hostport.partition(":")
        self.mqtt = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"chargebus-{args.bridge_id}",
                                protocol=mqtt.MQTTv5)
        if creds:
            u, _, pw = creds.partition(":")
            self.mqtt.username_pw_set(u, pw)
        self.mqtt.will_set(f"{self.root}/bridges/{args.bridge_id}",
                           json.dumps({"online": False, "bridge": args.bridge_id, "reason": "connection-lost"}),
                           qos=1, retain=True)
        self.mqtt.reconnect_delay_set(1, 2)
        self.mqtt.max_queued_messages_set(0)
        self.mqtt.on_connect = self.on_connect
        self.mqtt.on_message = self.on_message
        self.mqtt_host, self.mqtt_port = host, int(port or 1883)

    def log(self, *a):
        print(now_iso(), *a, file=sys.stderr, flush=True)

    # -- mqtt --
    def on_connect(self, client, userdata, flags, rc, props):
        self.log("mqtt connected", rc)
        client.subscribe(f"{self.root}/calls/+/request", qos=1)
        self.publish(f"{self.root}/bridges/{self.args.bridge_id}",
                     {"online": True, "bridge": self.args.bridge_id, "at": now_iso(), "listen": self.args.listen},
                     retain=True)

    def publish(self, topic, payload, qos=1, retain=False, properties=None):
        data = payload if isinstance(payload, str) else json.dumps(payload, sort_keys=True)
        return self.mqtt.publish(topic, data, qos=qos, retain=retain, properties=properties)

    def on_message(self, client, userdata, msg):
        asyncio.run_coroutine_threadsafe(self.handle_request(msg), self.loop)

    async def handle_request(self, msg):
        cp = msg.topic.split("/")[-2]
        props = getattr(msg, "properties", None)
        try:
            req = json.loads(msg.payload)
        except ValueError:
            return
        rid, action = req.get("id"), req.get("action")
        out = {"id": rid, "action": action}
        s = self.sessions.get(cp)
        if action not in CSMS_ACTIONS:
            out |= {"status": "invalid", "message": f"{action} is not a CSMS-initiated action"}
        elif s is None:
            out |= {"status": "offline", "message": f"{cp} is not connected"}
        else:
            timeout = req.get("timeoutS") or self.args.call_timeout
            async with s.call_lock:
                mid = uuid.uuid4().hex
                fut = self.loop.create_future()
                s.pending[mid] = fut
                await self.send(s, [2, mid, action, req.get("payload", {})])
                try:
                    frame = await asyncio.wait_for(fut, timeout)
                    if frame[0] == 3:
                        out |= {"status": "ok", "response": frame[2]}
                    else:
                        out |= {"status": "error", "error": {"code": frame[2], "description": frame[3]},
                                "message": "charger error"}
                except asyncio.TimeoutError:
                    out |= {"status": "timeout", "message": f"no answer within {timeout} s"}
                finally:
                    s.pending.pop(mid, None)
        out["at"] = now_iso()
        self.publish(f"{self.root}/calls/{cp}/response", out)
        if props is not None and getattr(props, "ResponseTopic", None):
            p = Properties(PacketTypes.PUBLISH)
            if getattr(props, "CorrelationData", None) is not None:
                p.CorrelationData = props.CorrelationData
            self.publish(props.ResponseTopic, out, properties=p)

    # -- websocket --
    async def send(self, s: Session, frame):
        text = json.dumps(frame)
        try:
            await s.ws.send(text)
        except Exception:
            return
        self.publish(f"{self.root}/chargers/{s.cp}/ocpp", f'{{"at":"{now_iso()}","dir":"out","frame":{text}}}', qos=0)

    def process_request(self, connection, request):
        path = request.path
        if not path.startswith("/ocpp/"):
            return connection.respond(404, "not found\n")
        cp = path[len("/ocpp/"):]
        db = self.store.load()
        rec = db["chargers"].get(cp)
        if rec is None:
            if not self.args.auto_register:
                return connection.respond(404, "unknown charger\n")
            return None
        auth = request.headers.get("Authorization", "")
        try:
            user, _, pw = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":")
        except Exception:
            user = pw = None
        if user != cp or not pw_check(pw or "", rec["pw"]):
            r = connection.respond(401, "bad credentials\n")
            r.headers["WWW-Authenticate"] = 'Basic realm="ocpp"'
            return r
        return None

    async def handler(self, ws):
        cp = ws.request.path[len("/ocpp/"):]
        if ws.subprotocol != "ocpp1.6":
            await ws.close(1002, "no common subprotocol")
            return
        db = self.store.load()
        rec = db["chargers"].get(cp) or {"id": cp, "maxPowerW": 0}
        old = self.sessions.get(cp)
        s = Session(cp, ws, rec)
        if old is not None:
            old.closed_reason = "replaced"
            self.publish_state(cp, False, "replaced")
            asyncio.ensure_future(old.ws.close())
        self.sessions[cp] = s
        addr = ws.remote_address
        self.publish(f"{self.root}/chargers/{cp}/state", {"online": True, "at": now_iso(), "bridge": self.args.bridge_id,
                                                          "protocol": "ocpp1.6", "remote": f"{addr[0]}:{addr[1]}"},
                     retain=True)
        try:
            async for text in ws:
                s.last_seen = time.monotonic()
                await self.handle_text(s, text)
        except Exception as e:
            self.log("socket ended", cp, repr(e))
        finally:
            if self.sessions.get(cp) is s:
                del self.sessions[cp]
            if s.closed_reason is None:
                s.closed_reason = "closed"
            if s.closed_reason not in ("replaced", "bridge-shutdown"):
                self.publish_state(cp, False, s.closed_reason)

    def publish_state(self, cp, online, reason):
        self.publish(f"{self.root}/chargers/{cp}/state", {"online": online, "at": now_iso(),
                                                          "bridge": self.args.bridge_id, "reason": reason}, retain=True)

    async def handle_text(self, s: Session, text: str):
        received = time.time()
        try:
            frame = json.loads(text)
            valid_json = True
        except ValueError:
            frame, valid_json = None, False
        self.publish(f"{self.root}/chargers/{s.cp}/ocpp",
                     f'{{"at":"{now_iso()}","dir":"in","frame":{text}}}' if valid_json else
                     {"at": now_iso(), "dir": "in", "frame": text, "malformed": True}, qos=0)
        if not valid_json:
            return await self.send(s, [4, "-1", "FormationViolation", "not JSON", {}])
        if not isinstance(frame, list) or len(frame) < 3 or frame[0] not in (2, 3, 4):
            mid = frame[1] if isinstance(frame, list) and len(frame) > 1 and isinstance(frame[1], str) else "-1"
            return await self.send(s, [4, mid, "FormationViolation", "not an OCPP-J frame", {}])
        if frame[0] in (3, 4):
            fut = s.pending.get(frame[1])
            if fut and not fut.done():
                fut.set_result(frame)
            return
        if len(frame) != 4:
            return await self.send(s, [4, frame[1], "FormationViolation", "CALL needs 4 elements", {}])
        _, mid, action, payload = frame
        try:
            if action not in CHARGER_ACTIONS:
                raise CallError("NotImplemented", f"unknown action {action}")
            validate(action, payload)
            result = getattr(self, "on_" + action)(s, payload, received)
        except CallError as e:
            return await self.send(s, [4, mid, e.code, e.description, {}])
        await self.send(s, [3, mid, result])

    # -- handlers --
    def topic(self, s, rest):
        return f"{self.root}/chargers/{s.cp}/{rest}"

    def on_BootNotification(self, s, p, t):
        self.publish(self.topic(s, "boot"), {"at": now_iso(t), "vendor": p["chargePointVendor"],
                                             "model": p["chargePointModel"],
                                             "serial": p.get("chargePointSerialNumber"),
                                             "firmware": p.get("firmwareVersion"), "registration": "Accepted",
                                             "intervalS": self.args.heartbeat_interval}, retain=True)
        return {"status": "Accepted", "currentTime": now_iso(), "interval": self.args.heartbeat_interval}

    def on_Heartbeat(self, s, p, t):
        self.publish(self.topic(s, "heartbeat"), {"at": now_iso(t)}, qos=0)
        return {"currentTime": now_iso()}

    def on_StatusNotification(self, s, p, t):
        out = {"at": now_iso(t), "status": p["status"], "errorCode": p["errorCode"]}
        for k in ("info", "vendorId", "vendorErrorCode"):
            if k in p:
                out[k] = p[k]
        self.publish(self.topic(s, f"connectors/{p['connectorId']}/status"), out, retain=True)
        return {}

    def tag_status(self, tag):
        return self.store.load()["idtags"].get(tag, {}).get("status", "Invalid")

    def on_Authorize(self, s, p, t):
        return {"idTagInfo": {"status": self.tag_status(p["idTag"])}}

    def on_StartTransaction(self, s, p, t):
        db = self.store.load()
        db["lastTx"] += 1
        tx = db["lastTx"]
        self.store.save(db)
        status = self.tag_status(p["idTag"])
        s.tx[tx] = {"connector": p["connectorId"], "start": p["meterStart"]}
        self.publish(self.topic(s, "transactions"), {"at": now_iso(t), "event": "started", "transactionId": tx,
                                                     "connector": p["connectorId"], "idTag": p["idTag"],
                                                     "idTagStatus": status, "meterStartWh": p["meterStart"]})
        return {"transactionId": tx, "idTagInfo": {"status": status}}

    def on_StopTransaction(self, s, p, t):
        tx = s.tx.pop(p["transactionId"], {"connector": 0, "start": None})
        out = {"at": now_iso(t), "event": "stopped", "transactionId": p["transactionId"], "connector": tx["connector"],
               "meterStopWh": p["meterStop"], "reason": p.get("reason", "Local")}
        if tx["start"] is not None:
            out["energyWh"] = p["meterStop"] - tx["start"]
        self.publish(self.topic(s, "transactions"), out)
        return {"idTagInfo": {"status": "Accepted"}} if "idTag" in p else {}

    def on_MeterValues(self, s, p, t):
        txid = p.get("transactionId")
        for mv in p["meterValue"]:
            out = {"at": mv["timestamp"], "receivedAt": now_iso(t), "valid": True}
            if txid is not None:
                out["transactionId"] = txid
            for sv in mv["sampledValue"]:
                field = FIELDS.get(sv.get("measurand", "Energy.Active.Import.Register"))
                if not field:
                    continue
                value = float(sv["value"]) * UNITS.get(sv.get("unit", "Wh"), 1)
                out["context"] = sv.get("context", "Sample.Periodic")
                if "phase" in sv:
                    out.setdefault("phases", {}).setdefault(sv["phase"], {})[field] = value
                else:
                    out[field] = value
            if txid in s.tx and "energyWh" in out:
                out["sessionEnergyWh"] = out["energyWh"] - s.tx[txid]["start"]
                out["register"] = "absolute"
            self.publish(self.topic(s, f"connectors/{p['connectorId']}/meter"), out)
        return {}

    # -- lifecycle --
    async def sweep(self):
        limit = self.args.heartbeat_interval * self.args.offline_grace
        while True:
            await asyncio.sleep(0.25)
            for s in list(self.sessions.values()):
                silence = time.monotonic() - s.last_seen
                if silence > limit:
                    s.closed_reason = "timeout"
                    self.sessions.pop(s.cp, None)
                    self.publish_state(s.cp, False, "timeout")
                    s.ws.transport.abort()
                elif silence > min(self.args.heartbeat_interval / 2, 60):
                    asyncio.ensure_future(self.ping(s))

    async def ping(self, s):
        try:
            waiter = await s.ws.ping()
            await asyncio.wait_for(waiter, 5)
            s.last_seen = time.monotonic()
        except Exception:
            pass

    async def run(self) -> int:
        import websockets.asyncio.server as wss
        self.loop = asyncio.get_running_loop()
        self.mqtt.connect_async(self.mqtt_host, self.mqtt_port, keepalive=10)
        self.mqtt.loop_start()
        host, _, port = self.args.listen.rpartition(":")
        stop = self.loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
        server = await wss.serve(self.handler, host, int(port), subprotocols=["ocpp1.6"],
                                 process_request=self.process_request, ping_interval=None)
        sweeper = asyncio.create_task(self.sweep())
        self.log("listening on", self.args.listen)
        await stop
        sweeper.cancel()
        infos = []
        for s in list(self.sessions.values()):
            s.closed_reason = "bridge-shutdown"
            infos.append(self.publish(f"{self.root}/chargers/{s.cp}/state",
                                      {"online": False, "at": now_iso(), "bridge": self.args.bridge_id,
                                       "reason": "bridge-shutdown"}, retain=True))
        infos.append(self.publish(f"{self.root}/bridges/{self.args.bridge_id}",
                                  {"online": False, "bridge": self.args.bridge_id, "at": now_iso(),
                                   "reason": "shutdown"}, retain=True))
        server.close()
        await server.wait_closed()
        for info in infos:
            await asyncio.to_thread(info.wait_for_publish, 5)
        self.mqtt.disconnect()
        self.mqtt.loop_stop()
        return 0


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
