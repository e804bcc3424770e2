"""Asking the file system to spread a folder's subfolders apart (ext4's "top directory" hint).

ext4 gives a new folder an inode near its parent's, and a new file an inode in its folder's block
group. When that group has run short of free inodes, every file created there searches other
groups first: on the VMs we measure on, creating a file in a folder made under a crowded parent
cost 120-300 µs of system time instead of 7 (docs/benchmarks.md, "Throughput"). A folder store
creates two files per report in its 256 object folders, which are unrelated to one another:
exactly what the flag ``FS_TOPDIR_FL`` (``chattr +T``) is for. With it on ``sha256/``, ext4's
Orlov allocator places each object folder in a group with room.

A hint only: on file systems without the flag (tmpfs, XFS, other systems) nothing changes.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys

# linux/fs.h; the ioctls take a long on every architecture we run on (e2fsprogs does the same)
_FS_IOC_GETFLAGS = 0x80086601
_FS_IOC_SETFLAGS = 0x40086602
FS_TOPDIR_FL = 0x00020000
_LONG = "l"


def folder_flags(folder: str | os.PathLike[str]) -> int | None:
    """The inode flags of ``folder`` (``lsattr``'s), or None where the file system keeps none."""
    if not sys.platform.startswith("linux"):
        return None
    import fcntl

    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        raw = fcntl.ioctl(fd, _FS_IOC_GETFLAGS, struct.pack(_LONG, 0))
        return int(struct.unpack(_LONG, raw)[0])
    except OSError:
        return None
    finally:
        os.close(fd)


def spread_subfolders(folder: str | os.PathLike[str]) -> bool:
    """Mark ``folder`` so that its new subfolders are placed apart; True when the mark is on."""
    flags = folder_flags(folder)
    if flags is None:
        return False
    if flags & FS_TOPDIR_FL:
        return True
    import fcntl

    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.ioctl(fd, _FS_IOC_SETFLAGS, struct.pack(_LONG, flags | FS_TOPDIR_FL))
        finally:
            os.close(fd)
    flags = folder_flags(folder)
    return flags is not None and bool(flags & FS_TOPDIR_FL)
