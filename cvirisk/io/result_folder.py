"""Result folders written as a set, one run at a time.

A command that writes several files into ``--out`` does it through a :class:`ResultFolder`:

1. :func:`check_output_folder` -- before any work: the path is not a file, it can be
   created (no file in the way, the nearest existing folder is writable), and an existing
   folder is either empty or holds a result of the same command (one of its
   ``signature`` files), so a run never mixes its files with someone else's;
2. a lock -- ``fcntl.flock`` on a hidden sibling file ``.NAME.lock``, taken without waiting:
   a second run into the same folder is refused at once, naming the first one's pid. The
   kernel drops the lock when its process dies, even by SIGKILL, so a crash never leaves
   the folder locked; the lock file is removed on release (with an inode check on
   acquisition, so removal cannot let two runs in). ``fcntl`` rather than the ``filelock``
   package: it is not installed here, and plain ``flock`` is all this needs (POSIX only);
3. the run writes into a temporary sibling folder ``.NAME.tmp-XXXX`` (so the folder's parent
   must be writable too); on success it is
   renamed into place (exchanged atomically with an existing folder where the kernel
   supports ``renameat2``, otherwise the old folder is moved aside first), so readers see
   the old set or the new set, never a mix; on failure it is removed. Temporaries that a
   killed run left behind are removed by the next run that takes the lock.

Examples
--------
>>> import tempfile, pathlib
>>> base = pathlib.Path(tempfile.mkdtemp())
>>> with ResultFolder(base / "run", signature=("a.txt",)) as tmp:
...     _ = (tmp / "a.txt").write_text("one")
>>> sorted(p.name for p in base.iterdir())
['run']
>>> (base / "run" / "a.txt").read_text()
'one'
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cvirisk.exceptions import InputError

__all__ = [
    "ResultFolder", "FolderLock", "check_output_folder", "check_output_file", "remove_stale",
    "remove_stale_tree", "install", "temporary_sibling", "abort_open",
]  # fmt: skip

_TMP = ".tmp-"
_OLD = ".old-"
_OPEN: list[ResultFolder] = []


def _probe(folder: Path, what: str) -> None:
    """Create and remove a file in ``folder``: the one reliable test of writability."""
    try:
        fd, name = tempfile.mkstemp(prefix=".cvirisk-probe-", dir=folder)
    except OSError as exc:
        raise InputError(f"{what}: cannot write in {folder} ({exc.strerror or exc.__class__.__name__})") from None
    os.close(fd)
    os.unlink(name)


def _nearest_existing(path: Path, what: str) -> Path:
    """The nearest existing ancestor of ``path``; a file on the way is an input error."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{what}: {parent} is a file, so the folder cannot be created")
            return parent
    return Path.cwd()  # pragma: no cover - a relative path always has "." as an ancestor


def check_output_folder(
    path: str | os.PathLike[str],
    what: str = "--out",
    signature: Iterable[str] = (),
    inputs: Iterable[tuple[str, str | os.PathLike[str] | None]] = (),
) -> Path:
    """Check before any work that ``path`` can receive this command's result (see the module docstring).

    ``inputs`` are ``(option, path)`` of the files the run reads: none may lie inside the
    folder, which is replaced as a whole.
    """
    out = Path(path)
    if str(path).strip() == "":
        raise InputError(f"{what}: empty path")
    real = Path(os.path.realpath(out))
    cwd = Path(os.path.realpath(os.getcwd()))
    if real == cwd or real in cwd.parents:
        raise InputError(f"{what} {path}: is the current folder or holds it; name a folder inside it")
    for option, item in inputs:
        if item is not None and real in Path(os.path.realpath(item)).parents:
            raise InputError(
                f"{option} {item}: lies inside {what} {path}, which is replaced as a whole; "
                "move it or use another output folder"
            )
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise InputError(f"{what} {path}: exists and is not a folder")
        entries = [p.name for p in out.iterdir()]
        sig = tuple(signature)
        if entries and sig and not any(s in entries for s in sig):
            raise InputError(
                f"{what} {path}: the folder holds other files (not a result of this command: none of "
                f"{', '.join(sig)}); use an empty or new folder"
            )
        _probe(out, f"{what} {path}")
        _probe(out.parent if str(out.parent) else Path("."), f"{what} {path}")
    else:
        _probe(_nearest_existing(out.absolute(), f"{what} {path}"), f"{what} {path}")
    return out


def check_output_file(path: str | os.PathLike[str], what: str = "--out") -> Path:
    """Check before any work that a single output file can be written at ``path``."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{what} {path}: is a folder, not a file")
    parent = target.absolute().parent
    if parent.exists():
        if not parent.is_dir():
            raise InputError(f"{what} {path}: {parent} is a file, so the output cannot be written")
        _probe(parent, f"{what} {path}")
    else:
        _probe(_nearest_existing(parent / "x", f"{what} {path}"), f"{what} {path}")
    return target


class FolderLock:
    """An exclusive, non-waiting lock on ``folder`` (a hidden sibling file; see the module docstring)."""

    def __init__(self, folder: str | os.PathLike[str], what: str = "--out") -> None:
        self.folder = Path(folder)
        self.what = what
        real = Path(os.path.realpath(self.folder))  # a symlinked folder and its target share one lock
        self.path = real.parent / f".{real.name}.lock"
        self._fd: int | None = None
        self._nested = False
        self._made: list[Path] = []

    #: Locks held by this process: path -> [fd, depth] (a process may take its own lock again).
    _HELD: dict[Path, list[int]] = {}

    def acquire(self) -> FolderLock:
        held = FolderLock._HELD.get(self.path)
        if held is not None:
            held[1] += 1
            self._nested = True
            return self
        self._made = [p for p in reversed(self.path.parents) if not p.exists()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise InputError(
                    f"{self.what} {self.folder}: another cvirisk run (pid {holder}) is writing to this "
                    "folder; wait for it to finish or use another folder"
                ) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous holder removed the file after we opened it: try again
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        FolderLock._HELD[self.path] = [fd, 1]
        return self

    def release(self) -> None:
        if self._nested:
            self._nested = False
            FolderLock._HELD[self.path][1] -= 1
            return
        if self._fd is None:
            return
        FolderLock._HELD.pop(self.path, None)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # while still holding the lock; see acquire's inode check
        os.close(self._fd)
        self._fd = None
        for p in reversed(self._made):  # folders made for the lock file, if the run left them empty
            with contextlib.suppress(OSError):
                p.rmdir()

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def remove_stale(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary siblings ``.NAME.tmp-*`` / ``.NAME.old-*`` of ``folder`` (call under its lock)."""
    folder = Path(os.path.abspath(folder))
    removed = []
    if not folder.parent.is_dir():
        return removed
    for p in folder.parent.glob(f".{glob_escape(folder.name)}.*"):
        rest = p.name[len(folder.name) + 1 :]
        if rest.startswith((_TMP, _OLD)):
            _remove(p)
            removed.append(p)
    return removed


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def install(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> Path:
    """Put the folder ``tmp`` in place of ``final`` (replacing an existing folder as one step where possible)."""
    tmp, final = Path(tmp), Path(final)
    if final.is_dir() and not final.is_symlink():
        if _exchange(tmp, final):
            _remove(tmp)
        else:
            aside = final.parent / f".{final.name}{_OLD}{os.getpid()}"
            os.rename(final, aside)
            os.rename(tmp, final)
            _remove(aside)
    else:
        os.rename(tmp, final)
    return final


def temporary_sibling(final: str | os.PathLike[str]) -> Path:
    """A new empty folder ``.NAME.tmp-XXXX`` beside ``final`` (permissions as a plain mkdir)."""
    final = Path(os.path.abspath(final))
    final.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{final.name}{_TMP}", dir=final.parent))
    os.chmod(path, 0o777 & ~_umask())
    return path


def remove_stale_tree(root: str | os.PathLike[str]) -> int:
    """Remove every temporary (``.X.tmp-*``, ``.X.old-*`` folders, ``.X.*.tmp`` files) under ``root``."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for d in list(dirnames):
            if d.startswith(".") and (_TMP in d or _OLD in d):
                _remove(Path(dirpath, d))
                dirnames.remove(d)
                count += 1
        for f in filenames:
            if f.startswith(".") and (f.endswith(".tmp") or _TMP in f):
                _remove(Path(dirpath, f))
                count += 1
    return count


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


class ResultFolder:
    """Write a command's result folder as a set, under a lock (see the module docstring).

    Use as a context manager (``with ResultFolder(out) as tmp: ...``), or call
    :meth:`open` and :meth:`commit` explicitly; :func:`abort_open` (called by the CLI on
    any exit) removes what an uncommitted folder left.

    Parameters
    ----------
    folder
        The final folder.
    what
        The option that named it, for messages.
    signature
        File names of which one marks a previous result of the same command (an existing
        non-empty folder without any of them is refused).
    keep
        Entries of an existing folder carried into the new set when the run did not write them
        (e.g. ``search`` beside a calibration report).
    """

    def __init__(self, folder, what: str = "--out", signature: Iterable[str] = (), keep: Iterable[str] = (),
                 inputs: Iterable[tuple[str, str | os.PathLike[str] | None]] = ()):  # fmt: skip
        self.folder = Path(folder)
        self.what = what
        self.signature = tuple(signature)
        self.keep = tuple(keep)
        self.inputs = tuple(inputs)
        self.lock = FolderLock(self.folder, what)
        self.path: Path | None = None
        self._made: list[Path] = []

    def open(self) -> Path:
        """Check the folder, take the lock, clear stale temporaries; return the temporary folder."""
        check_output_folder(self.folder, self.what, self.signature, self.inputs)
        absolute = Path(os.path.realpath(self.folder))  # through a symlink: the set replaces its target
        self._made = [p for p in reversed(absolute.parents) if not p.exists()]
        self.lock.acquire()
        try:
            check_output_folder(self.folder, self.what, self.signature, self.inputs)  # again, under the lock
            remove_stale(absolute)
            self.path = temporary_sibling(absolute)
        except BaseException:
            self.lock.release()
            raise
        _OPEN.append(self)
        return self.path

    def commit(self) -> Path:
        """Put the temporary folder in place of the final one; release the lock."""
        assert self.path is not None, "open() first"
        final = Path(os.path.realpath(self.folder))
        try:
            if final.is_dir():
                for name in self.keep:
                    if (final / name).exists() and not (self.path / name).exists():
                        os.rename(final / name, self.path / name)
            install(self.path, final)
        finally:
            self.path = None
            self._close()
        return self.folder

    def abort(self) -> None:
        """Remove the temporary folder (and folders this run created) and release the lock."""
        if self.path is not None:
            _remove(self.path)
            self.path = None
        self._close()
        for p in reversed(self._made):
            with contextlib.suppress(OSError):
                p.rmdir()

    def _close(self) -> None:
        self.lock.release()
        if self in _OPEN:
            _OPEN.remove(self)

    def __enter__(self) -> Path:
        return self.open()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def abort_open() -> None:
    """Abort every result folder opened and not committed in this process."""
    for rf in list(_OPEN):
        rf.abort()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
