"""Writes a nested dict as TOML text (the subset mdrun configs use: tables, arrays of tables, strings,
numbers, booleans, arrays, inline tables). Python's tomllib reads TOML but has no writer."""
import math


def _key(k):
    k = str(k)
    if k and all(c.isalnum() or c in "_-" for c in k):
        return k
    return _string(k)


def _string(s):
    out = ['"']
    for c in s:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _value(v, where):
    import numpy as np  # numpy scalars and arrays are accepted as values

    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v) or math.isinf(v):
            raise ValueError(f"config key {where}: {v} is not allowed")
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if hasattr(v, "__fspath__"):
        return _string(str(v))
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x, f'{where}.{k}')}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_value(x, f"{where}[]") for x in v) + "]"
    raise TypeError(f"config key {where}: cannot write a {type(v).__name__} to TOML")


def _is_table_array(v):
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, dict) for x in v)


def dumps(d):
    """TOML text for the nested dict `d`."""
    lines = []

    def emit(table, prefix):
        scalars = [(k, v) for k, v in table.items() if not isinstance(v, dict) and not _is_table_array(v)]
        for k, v in scalars:
            if v is None:
                continue
            lines.append(f"{_key(k)} = {_value(v, prefix + str(k))}")
        for k, v in table.items():
            name = prefix + _key(k)
            if isinstance(v, dict):
                lines.append("")
                lines.append(f"[{name}]")
                emit(v, name + ".")
            elif _is_table_array(v):
                for item in v:
                    lines.append("")
                    lines.append(f"[[{name}]]")
                    emit(item, name + ".")

    emit(d, "")
    return "\n".join(lines).lstrip("\n") + "\n"
