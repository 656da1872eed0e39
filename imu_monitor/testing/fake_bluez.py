"""Start and steer the fake BlueZ: a private system bus with our dbusmock template on it.

Once started, ``DBUS_SYSTEM_BUS_ADDRESS`` points at the private bus, so bleak in this
process (and in subprocesses given :attr:`FakeBluez.env`) talks to the fake instead of a
real bluetoothd. Needs python-dbusmock, dbus-python and ``dbus-daemon`` (test extras).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import dbus
import dbusmock

from imu_monitor.link.families import FAMILIES
from imu_monitor.testing import bluez_template as template
from imu_monitor.testing.peripheral import Peripheral

ROOT = Path(__file__).resolve().parents[2]


class FakeSensor:
    """One simulated sensor on the fake BlueZ, and its controls."""

    def __init__(self, bus: dbus.Bus, path: str, peripheral: Peripheral, name: str,
                 address: str) -> None:
        self.path = path
        self.name = name
        self.address = address
        # A local twin with the same settings: what the sensor sends, to compare with.
        self.peripheral = peripheral
        self._obj = dbus.Interface(bus.get_object(template.BUS_NAME, path), template.FAKE_IFACE)

    def vanish(self) -> None:
        """Drop the link and stop advertising (out of range, battery pulled)."""
        self._obj.Vanish()

    def reappear(self) -> None:
        """Advertise again; the link may reconnect."""
        self._obj.Reappear()

    def set_link(self, **options: float | int | bool) -> None:
        """loss (fraction of packets), reorder_every (k), never_resolve."""
        self._obj.SetLink(dbus.Dictionary(options, signature="sv"))

    def writes(self) -> list[bytes]:
        """Every write to the control point, in order."""
        control = FAMILIES[self.peripheral.family].control_uuid
        return [w for u, w in self.all_writes() if u == control]

    def all_writes(self) -> list[tuple[str, bytes]]:
        """Every write to any characteristic: (characteristic UUID, value), in order."""
        return [(str(u), bytes(w)) for u, w in self._obj.Writes()]

    def sent(self) -> list[tuple[int, int, float]]:
        """(first index, samples, time.monotonic() when handed to D-Bus) of each packet."""
        return [(int(a), int(b), float(t)) for a, b, t in self._obj.Sent()]

    def dropped(self) -> list[tuple[int, int]]:
        """(first index, samples) of packets the fake link lost."""
        return [(int(a), int(b)) for a, b in self._obj.Dropped()]

    def late(self) -> list[tuple[int, int]]:
        """(first index, samples) of packets sent after the one that followed them."""
        return [(int(a), int(b)) for a, b in self._obj.Late()]


class FakeBluez:
    """A private system bus with a fake ``org.bluez``; use as a context manager."""

    def __init__(self, powered: bool = True) -> None:
        self.powered = powered
        self._bus_daemon: dbusmock.PrivateDBus | None = None
        self._server: dbusmock.SpawnedMock | None = None
        self._saved_address: str | None = None

    def __enter__(self) -> FakeBluez:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._saved_address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
        self._bus_daemon = dbusmock.PrivateDBus(dbusmock.BusType.SYSTEM)
        self._bus_daemon.start()  # sets DBUS_SYSTEM_BUS_ADDRESS
        self._server = dbusmock.SpawnedMock.spawn_with_template(
            template.__file__, {"root": str(ROOT), "powered": self.powered},
            dbusmock.BusType.SYSTEM, stdout=subprocess.DEVNULL, stderr=None)
        self.bus = dbusmock.BusType.SYSTEM.get_connection()

    def stop(self) -> None:
        if self._server is not None:
            self._server.terminate()
            self._server = None
        if self._bus_daemon is not None:
            self._bus_daemon.stop()
            self._bus_daemon = None
        if self._saved_address is None:
            os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = self._saved_address

    @property
    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should see the fake (e.g. ``imu-monitor``)."""
        return {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self._bus_daemon.address}

    def add_sensor(self, family: str, name: str, address: str, **options) -> FakeSensor:
        """A simulated sensor; options as in the template's ``AddSensor`` (rate_hz,
        samples_per_packet, scenario, seed, seconds, drift_ppm, clock_start_us, battery,
        never_resolve, speed)."""
        main = dbus.Interface(self.bus.get_object(template.BUS_NAME, template.MAIN_OBJ),
                              template.FAKE_BLUEZ_IFACE)
        path = main.AddSensor(family, name, address, dbus.Dictionary(options, signature="sv"))
        twin = Peripheral(family, **{k: v for k, v in options.items()
                                     if k in ("rate_hz", "samples_per_packet", "scenario",
                                              "seed", "seconds", "drift_ppm",
                                              "clock_start_us")})
        return FakeSensor(self.bus, str(path), twin, name, address)

    def set_powered(self, powered: bool) -> None:
        """Switch the adapter on or off (as the user's Bluetooth toggle does)."""
        adapter = self.bus.get_object(template.BUS_NAME, template.ADAPTER)
        adapter.UpdateProperties(template.ADAPTER_IFACE, {"Powered": dbus.Boolean(powered)},
                                 dbus_interface=dbusmock.MOCK_IFACE)
