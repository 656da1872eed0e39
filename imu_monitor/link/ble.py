"""The Bluetooth LE link (the only module that imports bleak).

Public API (what the app calls):

* ``scan(timeout_s: float = 5.0) -> list[FoundSensor]`` — blocking, call it from a worker
  thread. Sensors of our families only (service filter), strongest signal first. Raises
  :class:`~imu_monitor.errors.BluetoothOffError` or
  :class:`~imu_monitor.errors.NoSensorFoundError`.
* ``BleSource(target: str, *, rate_hz: float | None = None, scan_timeout_s: float = 5.0,
  connect_timeout_s: float = 10.0, no_data_s: float = 0.5)`` — a
  :class:`~imu_monitor.sources.base.Source`. ``target`` is an address or a name.
  ``rate_hz``: None streams at the family's default rate, otherwise at the rate asked for
  or the nearest the sensor offers (``info.rate_hz`` says which). The constructor blocks
  until the sensor streams (construct it from a worker thread) or raises a
  :class:`~imu_monitor.errors.LinkError`. ``stream()`` yields ``SampleBatch`` and
  ``StatusEvent`` (CONNECTED, BATTERY value = %, PACKETS_LOST value = samples lost, NO_DATA
  after ``no_data_s`` of silence, LOST, CONNECTED again after a reconnect) until
  ``close()``; ``stats`` is a thread-safe :class:`~imu_monitor.link.stats.LinkStats`
  snapshot; ``close()`` stops the sensor, disconnects and joins the link thread.

Threads: bleak runs on the link's own thread with its own asyncio loop. The notification
callback only decodes, places the samples on the session timeline and puts them on a queue;
``stream()`` drains that queue; ``close()`` crosses to the loop with
``asyncio.run_coroutine_threadsafe``. Time and sequence numbers: see
:mod:`imu_monitor.link.timeline`. Reconnect: after a drop the link scans for the same
sensor and reconnects, waiting 0.25, 0.5, 1, 2, then 4 s between attempts, for as long as
the source is open; the session (and a recording fed from it) continues.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError, BleakError

from imu_monitor.errors import (
    BluetoothOffError,
    LinkError,
    NoSensorFoundError,
    SensorUnreachableError,
)
from imu_monitor.link.families import (
    BATTERY_SERVICE_UUID,
    FAMILIES,
    FIRMWARE_UUID,
    MODEL_UUID,
    Family,
    family_of,
)
from imu_monitor.link.stats import LinkState, LinkStats, StatsRecorder
from imu_monitor.link.timeline import SessionTimeline
from imu_monitor.samples import SampleBatch, StatusEvent, StatusKind
from imu_monitor.sources.base import SourceInfo

SERVICE_UUIDS = [f.service_uuid for f in FAMILIES.values()]
BACKOFF_S = (0.25, 0.5, 1.0, 2.0, 4.0)
RECONNECT_SCAN_S = 2.0
BLUETOOTH_OFF = ("Bluetooth is off: switch it on (or plug in the Bluetooth adapter) and try "
                 "again.")
NO_BLUETOOTH = ("This computer has no Bluetooth (no adapter, or no Bluetooth service running): "
                "plug in a Bluetooth adapter, or use the simulated sensor.")
BLUETOOTH_DENIED = ("This program is not allowed to use Bluetooth: allow it in the system's "
                    "privacy settings and try again.")
NOT_FOUND = "No sensor found — is it charged and within 10 m?"
LOST = "Sensor lost — reconnecting (recording continues)"
_END = object()


@dataclass(frozen=True)
class FoundSensor:
    """A sensor heard advertising during a scan."""

    name: str
    address: str
    rssi_dbm: int
    battery_percent: int | None
    family: str


def scan(timeout_s: float = 5.0) -> list[FoundSensor]:
    """Sensors of our families advertising nearby, strongest first (blocks ``timeout_s``)."""
    with _bluetooth_errors():
        found = asyncio.run(BleakScanner.discover(timeout=timeout_s, return_adv=True,
                                                  service_uuids=SERVICE_UUIDS))
    sensors = []
    for device, adv in found.values():
        family = family_of(adv.service_uuids)
        if family is not None:
            sensors.append(FoundSensor(adv.local_name or device.name or device.address,
                                       device.address, adv.rssi, _battery(adv), family.name))
    if not sensors:
        raise NoSensorFoundError(NOT_FOUND)
    return sorted(sensors, key=lambda s: -s.rssi_dbm)


def _battery(adv: AdvertisementData) -> int | None:
    value = adv.service_data.get(BATTERY_SERVICE_UUID)
    return int(value[0]) if value else None


@contextlib.contextmanager
def _bluetooth_errors():
    """bleak's and D-Bus's failures to reach the adapter, as the sentence a user needs."""
    try:
        yield
    except BleakBluetoothNotAvailableError as exc:
        raise BluetoothOffError(_not_available(exc)) from None
    except BleakDBusError as exc:
        if "NotReady" not in exc.dbus_error:
            raise
        raise BluetoothOffError(BLUETOOTH_OFF) from None
    except OSError:  # no system bus, or no BlueZ on it: no Bluetooth service at all
        raise BluetoothOffError(NO_BLUETOOTH) from None


def _not_available(exc: BleakBluetoothNotAvailableError) -> str:
    """The sentence for bleak's reason: switched off, absent, or not allowed."""
    reason = getattr(exc, "reason", None)
    name = getattr(reason, "name", "")
    if name == "POWERED_OFF":
        return BLUETOOTH_OFF
    if name.startswith("DENIED"):
        return BLUETOOTH_DENIED
    if name in ("NO_BLUETOOTH", "NO_BLE_CENTRAL_ROLE"):
        return NO_BLUETOOTH
    return BLUETOOTH_OFF


class BleSource:
    """A live BLE sensor as a :class:`~imu_monitor.sources.base.Source` (see the module)."""

    def __init__(self, target: str, *, rate_hz: float | None = None,
                 scan_timeout_s: float = 5.0, connect_timeout_s: float = 10.0,
                 no_data_s: float = 0.5) -> None:
        self.target = target
        self._requested_rate_hz = rate_hz
        self.rate_hz = 0.0  # the family's choice, known once the sensor is found
        self.scan_timeout_s = scan_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.no_data_s = no_data_s
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stats = StatsRecorder()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._client: BleakClient | None = None
        self._family: Family | None = None
        self._timeline: SessionTimeline | None = None
        self._last_arrival = 0.0
        self._silent = False
        self._thread = threading.Thread(target=self._run, name=f"ble-link {target}",
                                        daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error
        assert self._family is not None
        self.info = SourceInfo("ble", self._name, self.rate_hz, self._model,
                               {"address": self._address, "family": self._family.name,
                                "firmware": self._firmware})

    # ------------------------------------------------------------ consumer side
    @property
    def stats(self) -> LinkStats:
        """Link health now (thread-safe snapshot)."""
        return self._stats.snapshot()

    def stream(self) -> Iterator[SampleBatch | StatusEvent]:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if not self._thread.is_alive():
                    return
                continue
            if item is _END:
                return
            yield item

    def close(self) -> None:
        """Stop the sensor, unsubscribe, disconnect; returns when the link thread is done."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop has just finished
                asyncio.run_coroutine_threadsafe(self._set(stop), loop)
        self._thread.join(timeout=10.0)
        self._stats.update(state=LinkState.CLOSED)
        self._queue.put(_END)

    @staticmethod
    async def _set(event: asyncio.Event) -> None:
        event.set()

    # ------------------------------------------------------------ link thread
    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the constructor, or ends the stream
            self._error = exc
        finally:
            self._ready.set()
            self._queue.put(_END)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._stats.update(state=LinkState.SEARCHING)
        with _bluetooth_errors():
            device, self._family = await self._find(self.scan_timeout_s)
        self._name = device.name or self.target
        self._address = device.address
        self.rate_hz = self._family.rate(self._requested_rate_hz)
        self._timeline = SessionTimeline(self.rate_hz, self._family.device_clock)
        watchdog = asyncio.create_task(self._watch_silence())
        try:
            dropped = await self._connect(device)
            self._model, self._firmware = await self._device_information()
            self._ready.set()
            while not self._stop.is_set():
                await self._until_either(dropped.wait(), self._stop.wait())
                if self._stop.is_set():
                    break
                self._stats.update(state=LinkState.LOST_RECONNECTING)
                self._event(StatusKind.LOST, LOST)
                dropped = await self._reconnect()
        finally:
            watchdog.cancel()
            await self._shutdown()

    async def _find(self, timeout_s: float) -> tuple[BLEDevice, Family]:
        wanted = self.target.lower()
        families: dict[str, Family] = {}

        def match(device: BLEDevice, adv: AdvertisementData) -> bool:
            family = family_of(adv.service_uuids)
            names = {device.address.lower(), (adv.local_name or "").lower(),
                     (device.name or "").lower()}
            if family is None or wanted not in names:
                return False
            families[device.address] = family
            return True

        device = await BleakScanner.find_device_by_filter(match, timeout=timeout_s,
                                                          service_uuids=SERVICE_UUIDS)
        if device is None:
            raise NoSensorFoundError(f"No sensor called {self.target} found — is it charged "
                                     "and within 10 m?")
        return device, families[device.address]

    async def _connect(self, device: BLEDevice) -> asyncio.Event:
        """Connect, subscribe, start streaming; the event is set when the link drops."""
        assert self._family is not None and self._timeline is not None
        family = self._family
        self._stats.update(state=LinkState.CONNECTING)
        dropped = asyncio.Event()
        client = BleakClient(device, disconnected_callback=lambda _c: dropped.set(),
                             timeout=self.connect_timeout_s)
        try:
            await client.connect()
        except (TimeoutError, BleakError) as exc:
            with contextlib.suppress(Exception):
                await client.disconnect()
            raise SensorUnreachableError(
                f"The sensor {self._name} did not complete the connection within "
                f"{self.connect_timeout_s:g} s: switch it off and on again, keep it close, "
                "and try again.") from exc
        self._client = client
        writes = family.start_commands(self.rate_hz)
        needed = {family.data_uuid, family.control_uuid} | {uuid for uuid, _ in writes}
        if any(client.services.get_characteristic(uuid) is None for uuid in needed):
            await client.disconnect()
            raise SensorUnreachableError(
                f"{self._name} does not offer the {family.title} data service: update its "
                "firmware (firmware_notes/) or choose another sensor.")
        self._decoder = family.make_decoder(self.rate_hz)
        self._timeline.new_connection()
        await client.start_notify(family.data_uuid, self._on_notify)
        for uuid, value in writes:
            char = client.services.get_characteristic(uuid)
            await client.write_gatt_char(char, value, response="write" in char.properties)
        self._last_arrival = time.monotonic()
        self._silent = False
        self._stats.update(state=LinkState.STREAMING)
        self._event(StatusKind.CONNECTED, f"Sensor {self._name} connected.")
        await self._read_battery()
        return dropped

    async def _reconnect(self) -> asyncio.Event:
        for attempt in range(1_000_000):
            delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            if self._stop.is_set():
                break
            await self._drop_client()
            try:
                device, _ = await self._find(RECONNECT_SCAN_S)
                dropped = await self._connect(device)
            except (LinkError, BleakError, OSError, TimeoutError):
                self._stats.update(state=LinkState.LOST_RECONNECTING)
                continue
            self._stats.update(reconnects=self._stats.reconnects + 1)
            return dropped
        return asyncio.Event()

    async def _read_battery(self) -> None:
        assert self._client is not None and self._family is not None
        uuid = self._family.battery_uuid
        if self._client.services.get_characteristic(uuid) is None:
            return
        with contextlib.suppress(BleakError):
            percent = self._family.battery_percent(await self._client.read_gatt_char(uuid))
            if percent is not None:
                self._stats.update(battery=percent)
                self._event(StatusKind.BATTERY, f"Sensor battery {percent} %.",
                            float(percent))

    async def _device_information(self) -> tuple[str, str]:
        assert self._client is not None and self._family is not None
        values = []
        for uuid in (MODEL_UUID, FIRMWARE_UUID):
            text = ""
            if self._client.services.get_characteristic(uuid) is not None:
                with contextlib.suppress(BleakError):
                    raw = await self._client.read_gatt_char(uuid)
                    text = bytes(raw).decode("utf-8", "replace")
            values.append(text)
        return values[0] or self._family.title, values[1]

    def _on_notify(self, _char, data: bytearray) -> None:
        """In the loop: decode, place on the timeline, enqueue. Nothing else."""
        arrival = time.monotonic()
        self._last_arrival = arrival
        self._silent = False
        batch = self._decoder.decode(data, arrival)
        if batch is None:
            self._stats.rejected_packet()
            return
        assert self._timeline is not None
        batch, missing = self._timeline.place(batch, arrival)
        self._stats.packet(len(batch), missing)
        if missing:
            self._event(StatusKind.PACKETS_LOST, f"{missing} samples lost.", float(missing))
        self._queue.put(batch)

    async def _watch_silence(self) -> None:
        while True:
            await asyncio.sleep(self.no_data_s / 5)
            if not self._silent and time.monotonic() - self._last_arrival > self.no_data_s:
                self._silent = True
                self._event(StatusKind.NO_DATA, "No data from the sensor.")

    def _event(self, kind: StatusKind, message: str, value: float | None = None) -> None:
        t0 = self._timeline.start_host_s if self._timeline else None
        now = 0.0 if t0 is None else max(0.0, time.monotonic() - t0)
        self._queue.put(StatusEvent(kind, now, message, value))

    async def _shutdown(self) -> None:
        """Stop command, stop notifications, disconnect — whatever state the link is in."""
        client, family = self._client, self._family
        if client is None or family is None:
            return
        try:
            if client.is_connected:
                if family.stop_command is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(client.write_gatt_char(
                            family.control_uuid, family.stop_command, response=True), 2.0)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.stop_notify(family.data_uuid), 2.0)
        finally:
            await self._drop_client()

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 5.0)

    @staticmethod
    async def _until_either(*aws) -> None:
        tasks = [asyncio.ensure_future(a) for a in aws]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
