"""Files in and out, safe against hostile input.

Reading: :func:`read_document` opens regular files only (never a FIFO, a device or a socket,
which could block forever or never end), reads at most ``MAX_DOCUMENT_BYTES``, and decodes
UTF-8, or UTF-16/UTF-32 when a byte-order mark says so; NUL bytes are refused (binary files,
UTF-16 without a byte-order mark), because such text would silently yield no claims.

Writing: :func:`write_atomic` writes through a temporary file in the target's folder and a
rename, so a reader (or a run killed midway) only ever sees the old or the new complete file;
an existing file keeps its permission bits, and a symlink at the target is replaced by the new
file, never written through.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import tempfile
from pathlib import Path

#: Largest document ``derive check`` reads (bytes); a larger file is reported, not read.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
#: Permission bits of a newly created output file (an existing file keeps its own).
NEW_FILE_MODE = 0o644

_READ_CHUNK = 1 << 16
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))

#: Byte-order marks, longest first (UTF-32-LE's mark starts with UTF-16-LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


class UnreadableDocument(Exception):
    """A document that cannot be read as text; the message is one line, without the path."""


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"))
    return next((word for test, word in kinds if test(mode)), "an unknown kind of file")


def os_error_text(error: OSError) -> str:
    """``symlink loop``, ``Permission denied``, ...: why the OS refused, in a few words."""
    if error.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    return error.strerror or str(error)


def path_problem(path: str | Path) -> str:
    """Why ``path`` (given on a command line) cannot be used at all, or "" when it exists."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return "no such file or folder" if not os.path.islink(path) else \
            "a symlink to a file or folder that does not exist"
    except OSError as error:
        return os_error_text(error)
    except ValueError:  # a NUL character, e.g. from a config file
        return "not a valid path"
    return ""


def output_folder_problem(path: str | Path) -> str:
    """Why files cannot be written into the folder ``path`` (created when missing), or "".

    Checked before any work is done: the nearest existing ancestor must be a folder that
    can be written to.
    """
    folder = Path(path)
    for candidate in (folder, *folder.parents):
        if not os.path.lexists(candidate):
            continue
        if not candidate.is_dir():
            return "not a folder" if candidate == folder else f"{candidate} is not a folder"
        if candidate != folder and not os.access(candidate, os.W_OK | os.X_OK):
            return f"cannot create it: no permission to write in {candidate}"
        if candidate == folder and not os.access(candidate, os.W_OK | os.X_OK):
            return "no permission to write in it"
        return ""
    return ""


def _too_large(size: int, limit: int) -> UnreadableDocument:
    return UnreadableDocument(
        f"cannot read file: too large ({size} bytes; derive reads at most {limit} bytes)"
    )


def read_regular_file(path: str | Path, *, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path`` if it is (a symlink to) a regular file of at most ``max_bytes``
    (default ``MAX_DOCUMENT_BYTES``).

    Never opens anything else: the file is checked with ``stat`` before it is opened, opened
    non-blocking (a FIFO swapped in between cannot block), and checked again on the open
    descriptor.  Raises :class:`UnreadableDocument` with a one-line reason.
    """
    if max_bytes is None:
        max_bytes = MAX_DOCUMENT_BYTES
    try:
        before = os.stat(path)
    except OSError as error:
        raise UnreadableDocument(f"cannot read file: {os_error_text(error)}") from None
    except ValueError:  # a NUL character in the path
        raise UnreadableDocument("cannot read file: not a valid path") from None
    if not stat.S_ISREG(before.st_mode):
        raise UnreadableDocument(
            f"cannot read file: {_kind(before.st_mode)}, not a regular file")
    if before.st_size > max_bytes:
        raise _too_large(before.st_size, max_bytes)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise UnreadableDocument(f"cannot read file: {os_error_text(error)}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # replaced between stat and open
            raise UnreadableDocument(
                f"cannot read file: {_kind(opened.st_mode)}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(_READ_CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:  # grew after the stat
            raise _too_large(size, max_bytes)
        return b"".join(chunks)
    except OSError as error:
        raise UnreadableDocument(f"cannot read file: {os_error_text(error)}") from None
    finally:
        os.close(fd)


def _nul_diagnosis(data: bytes) -> str:
    """Why text with NUL bytes is refused: UTF-16 without a byte-order mark, or binary."""
    sample = data[:4096]
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if half and odd >= 0.3 * half and even <= 0.05 * half:
        return "looks like UTF-16-LE without a byte-order mark; save it as UTF-8"
    if half and even >= 0.3 * half and odd <= 0.05 * half:
        return "looks like UTF-16-BE without a byte-order mark; save it as UTF-8"
    return "contains NUL bytes (a binary file?)"


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, byte {column} (offset {offset})"


def decode_document(data: bytes) -> str:
    """Text of a document: UTF-8 (a byte-order mark is dropped), or UTF-16/UTF-32 when a
    byte-order mark says so.  Raises :class:`UnreadableDocument` for anything else."""
    for bom, codec, family in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                text = body.decode(codec)
            except UnicodeDecodeError as error:
                raise UnreadableDocument(
                    f"cannot decode as {family} (it starts with a {family} byte-order mark): "
                    f"invalid data at offset {error.start + len(bom)}"
                ) from None
            if "\x00" in text:
                raise UnreadableDocument(
                    f"cannot decode as {family}: contains NUL characters (a binary file?)")
            return text
    if b"\x00" in data:
        raise UnreadableDocument(f"cannot decode as UTF-8: {_nul_diagnosis(data)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableDocument(
            f"cannot decode as UTF-8: invalid byte 0x{data[error.start]:02x} at "
            f"{_position(data, error.start)}"
        ) from None


def read_document(path: str | Path, *, max_bytes: int | None = None) -> str:
    """The text of the document at ``path``: :func:`read_regular_file`, then
    :func:`decode_document`."""
    return decode_document(read_regular_file(path, max_bytes=max_bytes))


def _existing_mode(target: Path) -> int | None:
    """Permission bits of the regular file at ``target`` (not through a symlink), if any."""
    try:
        status = os.lstat(target)
    except OSError:
        return None
    return stat.S_IMODE(status.st_mode) & 0o777 if stat.S_ISREG(status.st_mode) else None


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; not every system lets a folder be opened, so best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never a part; a run killed midway leaves at
    most a hidden ``.NAME.*.tmp`` file next to the target.  The new file gets ``mode`` when
    given, else the permission bits of the regular file it replaces, else ``NEW_FILE_MODE``.
    A symlink at ``path`` is replaced by the file: nothing is ever written through it.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None:
        mode = _existing_mode(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), NEW_FILE_MODE if mode is None else mode)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)

