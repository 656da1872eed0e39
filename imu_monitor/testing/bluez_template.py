"""A python-dbusmock template that plays ``org.bluez`` with simulated sensors behind it.

It runs inside the dbusmock server process, on a private system bus, and serves what bleak's
BlueZ backend uses: ``Adapter1`` (discovery, filter, RemoveDevice), ``Device1``
(Connect/Disconnect setting Connected and ServicesResolved), the GATT tree (services,
characteristics with Read/Write/StartNotify/StopNotify/AcquireNotify/AcquireWrite, CCCD
descriptors) laid out as each family's sensor does (``peripheral.gatt_layout``). Unlike
dbusmock's stock ``bluez5`` template, advertisement properties have BlueZ's D-Bus types
and devices keep advertising (an RSSI change every 100 ms), because bleak's scanner only
reports devices whose properties change after discovery started.

Each device's data comes from a :class:`~imu_monitor.testing.peripheral.Peripheral`, paced
by a GLib timer. Tests steer it through ``org.imu_monitor.FakeSensor`` on the device object
(see :mod:`imu_monitor.testing.fake_bluez`, which is the only intended caller).
"""

from __future__ import annotations

import ctypes
import socket
import sys
import time

import dbus
import dbus.types
from dbusmock import OBJECT_MANAGER_IFACE, mockobject

BUS_NAME = "org.bluez"
MAIN_OBJ = "/"
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

ADAPTER_IFACE = "org.bluez.Adapter1"
DEVICE_IFACE = "org.bluez.Device1"
SERVICE_IFACE = "org.bluez.GattService1"
CHAR_IFACE = "org.bluez.GattCharacteristic1"
DESC_IFACE = "org.bluez.GattDescriptor1"
FAKE_IFACE = "org.imu_monitor.FakeSensor"
FAKE_BLUEZ_IFACE = "org.imu_monitor.FakeBluez"
ADAPTER = "/org/bluez/hci0"
MTU = 247
CCCD_UUID = "00002902-0000-1000-8000-00805f9b34fb"

_glib = ctypes.cdll.LoadLibrary("libglib-2.0.so.0")
_SOURCE_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_timers: list = []  # keeps the ctypes callbacks alive
_devices: dict[str, object] = {}  # device path → its mock object


def _every(ms: int, fn) -> None:
    def tick(_data) -> int:
        try:
            fn()
        except Exception as exc:  # a test sees the effect; the server must not stop
            print(f"fake bluez: {exc!r}", file=sys.stderr)
        return 1

    callback = _SOURCE_FUNC(tick)
    _timers.append(callback)
    _glib.g_timeout_add(ctypes.c_uint(ms), callback, None)


def _changed(obj, iface: str, props: dict) -> None:
    obj.props[iface].update(props)
    obj.EmitSignal(dbus.PROPERTIES_IFACE, "PropertiesChanged", "sa{sv}as",
                   [iface, dbus.Dictionary(props, signature="sv"), dbus.Array([], "s")])


def _added(path: str, interfaces: dict) -> None:
    mockobject.objects[MAIN_OBJ].EmitSignal(
        OBJECT_MANAGER_IFACE, "InterfacesAdded", "oa{sa{sv}}",
        [dbus.ObjectPath(path), dbus.Dictionary(interfaces, signature="sa{sv}")])


def load(mock, parameters) -> None:
    sys.path.insert(0, parameters["root"])  # the server imports the simulator from there
    props = {
        "Address": dbus.String("00:1A:7D:DA:71:13"), "AddressType": dbus.String("public"),
        "Name": dbus.String("fake-hci0"), "Alias": dbus.String("fake-hci0"),
        "Class": dbus.UInt32(0), "Powered": dbus.Boolean(parameters.get("powered", True)),
        "Discoverable": dbus.Boolean(False), "Pairable": dbus.Boolean(True),
        "Discovering": dbus.Boolean(False), "DiscoverableTimeout": dbus.UInt32(180),
        "PairableTimeout": dbus.UInt32(0), "UUIDs": dbus.Array([], "s"),
        "Modalias": dbus.String("usb:v1D6Bp0246d0540"),
        "Roles": dbus.Array(["central", "peripheral"], "s"),
    }
    mock.AddObject(ADAPTER, ADAPTER_IFACE, props, [
        ("StartDiscovery", "", "", _set_discovering(True)),
        ("StopDiscovery", "", "", _set_discovering(False)),
        ("SetDiscoveryFilter", "a{sv}", "", ""),
        ("RemoveDevice", "o", "", RemoveDevice),
    ])
    _added(ADAPTER, {ADAPTER_IFACE: props})
    mock.AddMethods(FAKE_BLUEZ_IFACE, [("AddSensor", "sssa{sv}", "o", AddSensor)])
    _every(2, _stream_tick)
    _every(100, _advertise_tick)


def _set_discovering(value: bool):
    def method(adapter) -> None:
        if not adapter.props[ADAPTER_IFACE]["Powered"]:
            raise dbus.exceptions.DBusException("Not Ready", name="org.bluez.Error.NotReady")
        _changed(adapter, ADAPTER_IFACE, {"Discovering": dbus.Boolean(value)})

    return method


def RemoveDevice(adapter, path) -> None:
    _disconnect(mockobject.objects[path])


# ------------------------------------------------------------------ sensors
def AddSensor(main, family: str, name: str, address: str, options) -> str:
    """A simulated sensor of ``family`` advertising as ``name`` at ``address``; options:
    rate_hz, samples_per_packet, scenario, seed, seconds, drift_ppm, clock_start_us, battery,
    never_resolve, speed (the sensor's time runs that many times faster than the host's:
    long sessions in short tests)."""
    from imu_monitor.link.families import FAMILIES
    from imu_monitor.testing.peripheral import (
        Peripheral,
        advertised_service_data,
        gatt_layout,
    )

    fam = FAMILIES[str(family)]
    opts = {str(k): v for k, v in options.items()}
    peripheral = Peripheral(
        str(family), rate_hz=float(opts.get("rate_hz", 0.0)) or None,
        samples_per_packet=int(opts.get("samples_per_packet", 0)) or None,
        scenario=str(opts.get("scenario", "trendelenburg-right")),
        seed=int(opts.get("seed", 1)), seconds=float(opts.get("seconds", 0.0)) or None,
        drift_ppm=float(opts.get("drift_ppm", 0.0)),
        clock_start_us=int(opts.get("clock_start_us", 0)))
    battery = int(opts.get("battery", 87))
    path = f"{ADAPTER}/dev_{address.upper().replace(':', '_')}"
    props = {
        "Address": dbus.String(address.upper()), "AddressType": dbus.String("random"),
        "Name": dbus.String(name), "Alias": dbus.String(name),
        "Appearance": dbus.UInt16(0x0540), "Paired": dbus.Boolean(False),
        "Bonded": dbus.Boolean(False), "Trusted": dbus.Boolean(False),
        "Blocked": dbus.Boolean(False), "LegacyPairing": dbus.Boolean(False),
        "Connected": dbus.Boolean(False), "ServicesResolved": dbus.Boolean(False),
        "Adapter": dbus.ObjectPath(ADAPTER), "RSSI": dbus.Int16(-60),
        "TxPower": dbus.Int16(0),
        "UUIDs": dbus.Array([fam.service_uuid], "s"),
        "ManufacturerData": dbus.Dictionary({}, signature="qv"),
        "ServiceData": dbus.Dictionary(
            {uuid: dbus.Array([dbus.Byte(b) for b in value], "y")
             for uuid, value in advertised_service_data(fam.name, battery).items()},
            signature="sv"),
    }
    main.AddObject(path, DEVICE_IFACE, props, [
        ("Connect", "", "", Connect),
        ("Disconnect", "", "", Disconnect),
        ("Pair", "", "", ""),
        ("CancelPairing", "", "", ""),
    ])
    device = mockobject.objects[path]
    device.AddMethods(FAKE_IFACE, [
        ("Vanish", "", "", Vanish),
        ("Reappear", "", "", Reappear),
        ("SetLink", "a{sv}", "", SetLink),
        ("Writes", "", "a(say)",
         lambda d: [(u, dbus.ByteArray(w)) for u, w in d.peripheral.writes]),
        ("Sent", "", "a(uud)", lambda d: d.sent),
        ("Dropped", "", "a(uu)", lambda d: d.peripheral.dropped),
        ("Late", "", "a(uu)", lambda d: d.peripheral.late),
    ])
    device.peripheral = peripheral
    device.family = fam
    device.vanished = False
    device.never_resolve = bool(opts.get("never_resolve", False))
    device.speed = float(opts.get("speed", 1.0))
    device.sent = []  # (first index, n, monotonic time just before it was handed to D-Bus)
    device.sockets = {}  # char path → our end of an AcquireNotify socket
    device.data_char = ""
    device.rssi = -60
    _added(path, {DEVICE_IFACE: props})

    handle = 0x0010
    for service_uuid, chars in gatt_layout(fam.name, battery):
        service_path = f"{path}/service{handle:04x}"
        sprops = {"UUID": dbus.String(service_uuid), "Primary": dbus.Boolean(True),
                  "Device": dbus.ObjectPath(path), "Includes": dbus.Array([], "o"),
                  "Handle": dbus.UInt16(handle)}
        main.AddObject(service_path, SERVICE_IFACE, sprops, [])
        _added(service_path, {SERVICE_IFACE: sprops})
        for char_uuid, flags, value in chars:
            handle += 2
            char_path = f"{service_path}/char{handle:04x}"
            cprops = {"UUID": dbus.String(char_uuid), "Service": dbus.ObjectPath(service_path),
                      "Value": dbus.ByteArray(value), "Flags": dbus.Array(flags, "s"),
                      "Handle": dbus.UInt16(handle), "MTU": dbus.UInt16(MTU)}
            methods = [("ReadValue", "a{sv}", "ay", ReadValue),
                       ("WriteValue", "aya{sv}", "", WriteValue),
                       ("AcquireWrite", "a{sv}", "hq", AcquireWrite)]
            if "notify" in flags:
                cprops["Notifying"] = dbus.Boolean(False)
                cprops["NotifyAcquired"] = dbus.Boolean(False)
                methods += [("StartNotify", "", "", StartNotify),
                            ("StopNotify", "", "", StopNotify),
                            ("AcquireNotify", "a{sv}", "hq", AcquireNotify)]
            main.AddObject(char_path, CHAR_IFACE, cprops, methods)
            char = mockobject.objects[char_path]
            char.device = device
            if char_uuid == fam.data_uuid:
                device.data_char = char_path
            _added(char_path, {CHAR_IFACE: cprops})
            if "notify" in flags:
                handle += 1
                desc_path = f"{char_path}/desc{handle:04x}"
                dprops = {"UUID": dbus.String(CCCD_UUID),
                          "Characteristic": dbus.ObjectPath(char_path),
                          "Value": dbus.ByteArray(b"\x00\x00"), "Flags": dbus.Array([], "s"),
                          "Handle": dbus.UInt16(handle)}
                main.AddObject(desc_path, DESC_IFACE, dprops, [
                    ("ReadValue", "a{sv}", "ay", lambda d, _o: d.props[DESC_IFACE]["Value"]),
                ])
                _added(desc_path, {DESC_IFACE: dprops})
        handle = (handle + 0x10) & ~0x0F
    _devices[path] = device
    return path


# ------------------------------------------------------------------ Device1
def Connect(device) -> None:
    if device.vanished:
        # What BlueZ does when the peer does not answer: a short connect, then a drop.
        _changed(device, DEVICE_IFACE, {"Connected": dbus.Boolean(True)})
        _changed(device, DEVICE_IFACE, {"Connected": dbus.Boolean(False)})
        raise dbus.exceptions.DBusException("Page Timeout", name="org.bluez.Error.Failed")
    if device.props[DEVICE_IFACE]["Connected"]:
        return
    _changed(device, DEVICE_IFACE, {"Connected": dbus.Boolean(True)})
    if not device.never_resolve:
        _changed(device, DEVICE_IFACE, {"ServicesResolved": dbus.Boolean(True)})


def Disconnect(device) -> None:
    _disconnect(device)


def _disconnect(device) -> None:
    device.peripheral.streaming = False
    for char_path in list(device.sockets):
        _release_notify(mockobject.objects[char_path])
    if device.data_char and mockobject.objects[device.data_char].props[CHAR_IFACE]["Notifying"]:
        _changed(mockobject.objects[device.data_char], CHAR_IFACE,
                 {"Notifying": dbus.Boolean(False)})
    if device.props[DEVICE_IFACE]["Connected"]:
        _changed(device, DEVICE_IFACE, {"ServicesResolved": dbus.Boolean(False),
                                        "Connected": dbus.Boolean(False)})


# ------------------------------------------------------------------ GATT
def _require_connected(char) -> None:
    if not char.device.props[DEVICE_IFACE]["Connected"]:
        raise dbus.exceptions.DBusException("Not connected", name="org.bluez.Error.NotConnected")


def ReadValue(char, _options):
    _require_connected(char)
    return dbus.ByteArray(bytes(char.props[CHAR_IFACE]["Value"]))


def WriteValue(char, value, _options) -> None:
    _require_connected(char)
    char.device.peripheral.command(str(char.props[CHAR_IFACE]["UUID"]), bytes(value),
                                   _now(char.device))


def AcquireWrite(char, _options):
    _require_connected(char)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ours.close()  # writes through the socket are not used by the link: only the MTU is
    fd = dbus.types.UnixFd(theirs)
    theirs.close()
    return fd, dbus.UInt16(MTU)


def StartNotify(char) -> None:
    _require_connected(char)
    _changed(char, CHAR_IFACE, {"Notifying": dbus.Boolean(True)})
    char.device.peripheral.subscribed(_now(char.device))


def StopNotify(char) -> None:
    _changed(char, CHAR_IFACE, {"Notifying": dbus.Boolean(False)})


def AcquireNotify(char, _options):
    _require_connected(char)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    char.device.sockets[char.path] = (ours, theirs)
    _changed(char, CHAR_IFACE, {"NotifyAcquired": dbus.Boolean(True)})
    char.device.peripheral.subscribed(_now(char.device))
    return dbus.types.UnixFd(theirs), dbus.UInt16(MTU)


def _release_notify(char) -> None:
    for s in char.device.sockets.pop(char.path, ()):
        s.close()
    _changed(char, CHAR_IFACE, {"NotifyAcquired": dbus.Boolean(False)})


# ------------------------------------------------------------------ test controls
def Vanish(device) -> None:
    """Out of range: the link drops and the sensor is no longer heard advertising."""
    device.vanished = True
    _disconnect(device)


def Reappear(device) -> None:
    device.vanished = False


def SetLink(device, options) -> None:
    """loss (fraction of packets), reorder_every (k), never_resolve, battery (percent)."""
    opts = {str(k): v for k, v in options.items()}
    if "loss" in opts:
        device.peripheral.loss = float(opts["loss"])
    if "reorder_every" in opts:
        device.peripheral.reorder_every = int(opts["reorder_every"])
    if "never_resolve" in opts:
        device.never_resolve = bool(opts["never_resolve"])


# ------------------------------------------------------------------ timers
def _now(device) -> float:
    """The sensor's time: the host's, ``speed`` times faster."""
    return time.monotonic() * device.speed


def _stream_tick() -> None:
    for device in _devices.values():
        if not device.props[DEVICE_IFACE]["Connected"] or not device.data_char:
            continue
        char = mockobject.objects[device.data_char]
        notifying = bool(char.props[CHAR_IFACE]["Notifying"])
        acquired = device.sockets.get(device.data_char)
        for first, n, packet in device.peripheral.due(_now(device)):
            if not (notifying or acquired):
                continue  # streaming but nobody subscribed: the radio drops it
            device.sent.append((dbus.UInt32(first), dbus.UInt32(n),
                                dbus.Double(time.monotonic())))
            if acquired:
                acquired[0].send(packet)
            else:
                _changed(char, CHAR_IFACE, {"Value": dbus.ByteArray(packet)})


def _advertise_tick() -> None:
    for device in _devices.values():
        if device.vanished or device.props[DEVICE_IFACE]["Connected"]:
            continue
        adapter = mockobject.objects[ADAPTER]
        if not adapter.props[ADAPTER_IFACE]["Discovering"]:
            continue
        device.rssi = -55 if device.rssi != -55 else -58
        _changed(device, DEVICE_IFACE, {"RSSI": dbus.Int16(device.rssi)})
