"""Reads and rewrites mdrun checkpoint files (format 2, engine/run/checkpoint_format.hpp) for tests that damage
them on purpose: sections can be edited and re-encoded with correct CRC32s, so a test reaches the range checks
behind the checksums (a count that lies in a file whose CRCs are right)."""
import struct
import zlib

MAGIC = b"MDRUN-CHECKPOINT"


def split(data):
    """(header bytes, [(name, payload)]) of a checkpoint; the 'end' section is not included."""
    assert struct.unpack_from("<Q", data, 0)[0] == len(MAGIC) and data[8:24] == MAGIC
    at = 32
    out = []
    while True:
        (nlen,) = struct.unpack_from("<I", data, at)
        name = data[at + 4:at + 4 + nlen].decode()
        plen, _crc = struct.unpack_from("<QI", data, at + 4 + nlen)
        at += 4 + nlen + 12
        payload = data[at:at + plen]
        at += plen
        if name == "end":
            return data[:32], out
        out.append((name, payload))


def join(header, sections):
    out = bytearray(header)
    for name, payload in sections + [("end", b"")]:
        frame = struct.pack("<I", len(name)) + name.encode() + struct.pack("<Q", len(payload))
        out += frame + struct.pack("<I", zlib.crc32(payload, zlib.crc32(frame))) + payload
    return bytes(out)


class Fields:
    """Offsets of the fields of a 'replica' section payload and of the dynamics blob inside it."""

    def __init__(self, payload):
        self.p = payload
        at = 0
        (n,) = struct.unpack_from("<Q", payload, at)
        self.name = payload[8:8 + n].decode()
        at += 8 + n
        self.atoms_at = at
        (self.atoms,) = struct.unpack_from("<Q", payload, at)
        at += 8
        (blen,) = struct.unpack_from("<Q", payload, at)
        self.blob_at = at + 8
        self.blob_len = blen
        at += 8 + blen
        at += 8 + 8 + 8  # ReplicaCounters: two longs and a double
        self.has_analysis_at = at
        b = self.blob_at
        (slen,) = struct.unpack_from("<Q", payload, b)  # "§dynamics"
        b += 8 + slen + 8  # + atom count
        b += 8 + 8 + 8 + 8  # step, rebuilds, dof, t_now
        b += 1  # nvt
        self.chain_at = b  # NhcState.chain (int), then tloop
        b += 2 * 4 + 4 * 8 + (16 + 17 + 16 + 16) * 8  # NhcState
        b += 8 + 4  # max_disp, max_disp_atom
        self.pos_at = b + 8  # after the position count: x of atom 0


def patch(payload, offset, fmt, value):
    b = bytearray(payload)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)
