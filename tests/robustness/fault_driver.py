"""Run ``cvirisk ARGS`` with one fault planted at an exact point (used by the fault tests).

Usage: ``python fault_driver.py MODE cvirisk-arguments...``; MODE is one of

* ``plain`` -- no fault;
* ``pause`` -- touch ``$CVIRISK_READY`` once the run holds its output folder, then wait
  until ``$CVIRISK_GO`` exists before simulating (the concurrency test);
* ``kill-before-manifest`` -- SIGKILL this process after the event log and persons table
  of a plain run are written, before its manifest (a kill between the files of a result);
* ``kill-in-second-unit`` -- SIGKILL this process after the first file of the second unit
  of a chunked run (``--workers 1``) is written;
* ``sleeping-workers`` -- no cvirisk command: two local workers (:func:`run_local`) each
  busy with a task that sleeps for an hour, as a long unit would keep them busy.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> int:
    mode, argv = sys.argv[1], sys.argv[2:]
    if mode == "pause":
        import cvirisk.sim as sim

        real = sim.simulate

        def paused(*args, **kwargs):
            Path(os.environ["CVIRISK_READY"]).touch()
            while not Path(os.environ["CVIRISK_GO"]).exists():
                time.sleep(0.02)
            return real(*args, **kwargs)

        sim.simulate = paused
        import cvirisk.sim.runner as runner

        real_units = runner.run_units

        def paused_units(*args, **kwargs):
            Path(os.environ["CVIRISK_READY"]).touch()
            while not Path(os.environ["CVIRISK_GO"]).exists():
                time.sleep(0.02)
            return real_units(*args, **kwargs)

        runner.run_units = paused_units
    elif mode == "kill-before-manifest":
        import cvirisk.sim.eventlog as eventlog

        def kill(*args, **kwargs):
            _kill_self()

        eventlog.write_json_atomic = kill
    elif mode == "kill-in-second-unit":
        from pathlib import Path as _P

        import cvirisk.sim.scale.units as units

        written = []
        real_write = _P.write_bytes

        def write_bytes(self, data):
            n = real_write(self, data)
            if ".tmp-" in str(self):
                written.append(str(self))
                if len(written) == 3:  # the first file of the second unit (two files a unit)
                    _kill_self()
            return n

        _P.write_bytes = write_bytes
        assert units  # the unit writer uses Path.write_bytes
    elif mode == "sleeping-workers":
        from cvirisk.sim.scale.pool import run_local

        list(run_local(time.sleep, [3600, 3601], lambda t: (t,), workers=2))
        return 0
    elif mode != "plain":
        raise SystemExit(f"unknown mode {mode}")
    from cvirisk.cli import main as cli

    return cli(argv)


if __name__ == "__main__":
    raise SystemExit(main())
