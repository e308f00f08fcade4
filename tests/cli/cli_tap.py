"""What the command-line test scripts share: TAP output, running the
program, and a PNG writer that needs no imaging library.

    from cli_tap import check, run, png, finish
"""
import struct
import subprocess
import sys
import zlib

EXE = sys.argv[1]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} {name}")
    if not ok and detail:
        for line in str(detail).splitlines():
            print(f"# {line}")


def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300)


def png(path, size, shade, square):
    """A gray PNG written by hand: a dark or light square or cross on white."""
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = 3 <= x < size - 3 and 3 <= y < size - 3
            if not square:
                inside = inside and (abs(x - size // 2) < 2 or abs(y - size // 2) < 2)
            row.append(shade if inside else 255)
        rows.append(bytes(row))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def finish():
    """The TAP plan, and the exit status: 0 when every check passed."""
    print(f"1..{len(results)}")
    sys.exit(0 if all(results) else 1)
