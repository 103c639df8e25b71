"""A tiny Mapbox Vector Tile reader for the tests: layer names, feature counts and properties (no geometry).

The MVT format is protobuf (https://github.com/mapbox/vector-tile-spec/tree/master/2.1): a tile holds layers
(field 3); a layer its name (1), features (2), keys (3), values (4); a feature its tags (2, packed key/value
indexes). Values are a message with one of string (1), float (2), double (3), int64 (4), uint64 (5), sint64 (6),
bool (7). Enough to say "this tile holds roads named so and villages named so" without a dependency."""
import struct


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf):
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield field, wire, value


def _value(buf):
    for field, _wire, v in _fields(buf):
        if field == 1:
            return bytes(v).decode()
        if field == 2:
            return struct.unpack("<f", v)[0]
        if field == 3:
            return struct.unpack("<d", v)[0]
        if field in (4, 5):
            return v
        if field == 6:
            return (v >> 1) ^ -(v & 1)
        if field == 7:
            return bool(v)
    return None


def decode(data: bytes) -> dict:
    """{layer name: [feature properties, …]}."""
    layers = {}
    for field, _wire, layer in _fields(memoryview(data)):
        if field != 3:
            continue
        name, keys, values, features = None, [], [], []
        for lf, _w, v in _fields(layer):
            if lf == 1:
                name = bytes(v).decode()
            elif lf == 3:
                keys.append(bytes(v).decode())
            elif lf == 4:
                values.append(_value(v))
            elif lf == 2:
                features.append(v)
        props_list = []
        for feature in features:
            tags = []
            for ff, wire, v in _fields(feature):
                if ff == 2:
                    j = 0
                    while j < len(v):
                        t, j = _varint(v, j)
                        tags.append(t)
            props_list.append({keys[a]: values[b] for a, b in zip(tags[::2], tags[1::2])})
        layers[name] = props_list
    return layers
