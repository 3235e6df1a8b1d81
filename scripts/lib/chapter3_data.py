# SPDX-License-Identifier: Apache-2.0
"""Turns what scripts/fetch-chapter3-data downloaded into plain text files, with Python's standard library only.

  chapter3_data.py packages PACKAGES TRANSLATION OUT.tsv
      Debian's package index (a Packages file: Package, Section, Description-md5) joined with its English
      descriptions (a Translation-en file: Package, Description-md5, Description-en) into one document per package:
      `package<TAB>section<TAB>text`, the text being the one-line synopsis and the long description on one line.
      Sorted by package name; a package named twice keeps its first entry.

  chapter3_data.py boston MASS_DATA_DIR OUT.csv
      MASS::Boston from R's lazy-load database of the MASS package (data/Rdata.rdx, data/Rdata.rdb) as CSV with a
      header, read by the small reader of R's serialization format below (no R needed).
"""
import bz2
import csv
import gzip
import lzma
import struct
import sys
import zlib


# ---- the package index -------------------------------------------------------------------------------------------

def stanzas(path):
    """Debian control-file stanzas as dicts; continuation lines kept with their newlines."""
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        fields, key = {}, None
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if fields:
                    yield fields
                fields, key = {}, None
            elif line[0] in " \t" and key:
                fields[key] += "\n" + line
            else:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            yield fields


def description_text(value):
    """The synopsis and long description on one line: ' .' paragraph marks and indentation dropped."""
    words = []
    for line in value.split("\n"):
        line = line.strip()
        if line != ".":
            words.append(line)
    return " ".join(" ".join(words).split())


def packages(packages_path, translation_path, out):
    long_descriptions = {}
    for s in stanzas(translation_path):
        if "Description-en" in s:
            long_descriptions[(s["Package"], s.get("Description-md5", ""))] = s["Description-en"]
    docs = {}
    missing = 0
    for s in stanzas(packages_path):
        name, section = s.get("Package"), s.get("Section")
        if not name or not section or name in docs:
            continue
        text = long_descriptions.get((name, s.get("Description-md5", "")))
        if text is None:
            missing += 1
            text = s.get("Description", "")
        docs[name] = (section.split("/")[-1], description_text(text))
    with open(out, "w", encoding="utf-8") as f:
        for name in sorted(docs):
            section, text = docs[name]
            f.write("%s\t%s\t%s\n" % (name, section, text.replace("\t", " ")))
    print("%d documents (%d with the synopsis only: no English long description matched)" % (len(docs), missing))


# ---- R's serialization format (enough of it for a data frame) ------------------------------------------------------

class RReader:
    """R's XDR serialization (R Internals, 'Serialization Formats'), versions 2 and 3."""
    NILVALUE, REF, GLOBALENV, UNBOUND, MISSINGARG, BASENS = 254, 255, 253, 252, 251, 250
    EMPTYENV, BASEENV, ATTRLANG, ATTRLIST, ALTREP = 242, 241, 240, 239, 238

    def __init__(self, data):
        if data[:2] != b"X\n":
            raise ValueError("not R's XDR serialization (header %r)" % data[:2])
        self.data, self.pos, self.refs = data, 2, []
        version = self.int()
        self.int()
        self.int()
        if version == 3:
            skip = self.int()   # the native encoding's name
            self.pos += skip

    def int(self):
        v = struct.unpack_from(">i", self.data, self.pos)[0]
        self.pos += 4
        return v

    def length(self):
        n = self.int()
        if n == -1:
            hi, lo = self.int(), self.int()
            n = (hi << 32) + lo
        return n

    def item(self):
        flags = self.int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind == self.NILVALUE or kind in (self.GLOBALENV, self.UNBOUND, self.MISSINGARG, self.BASENS,
                                            self.EMPTYENV, self.BASEENV):
            return None
        if kind == self.REF:
            index = flags >> 8
            return self.refs[(index if index else self.int()) - 1]
        if kind == 1:   # SYMSXP
            name = self.item()
            self.refs.append(name)
            return name
        if kind in (2, 6, 3, 5, 17, self.ATTRLANG, self.ATTRLIST):   # pairlists and their kin: a dict tag -> value
            result = {}
            while True:
                attr = self.item() if has_attr else None
                tag = self.item() if has_tag else None
                result[tag] = self.item()
                flags = self.int()
                kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
                if kind == self.NILVALUE:
                    return result
                if kind not in (2, self.ATTRLIST):
                    self.pos -= 4
                    result[None] = self.item()
                    return result
        if kind == 9:   # CHARSXP
            n = self.int()
            if n == -1:
                return None
            s = self.data[self.pos:self.pos + n].decode("utf-8", "replace")
            self.pos += n
            return s
        if kind in (10, 13):   # LGLSXP, INTSXP
            n = self.length()
            values = list(struct.unpack_from(">%di" % n, self.data, self.pos))
            self.pos += 4 * n
            value = [None if v == -2147483648 else v for v in values]
        elif kind == 14:   # REALSXP
            n = self.length()
            value = list(struct.unpack_from(">%dd" % n, self.data, self.pos))
            self.pos += 8 * n
        elif kind == 16:   # STRSXP
            value = [self.item() for _ in range(self.length())]
        elif kind in (19, 20):   # VECSXP, EXPRSXP
            value = [self.item() for _ in range(self.length())]
        elif kind == 24:   # RAWSXP
            n = self.length()
            value = self.data[self.pos:self.pos + n]
            self.pos += n
        else:
            raise ValueError("R type %d is not read here (only what a data frame of numbers holds)" % kind)
        attributes = self.item() if has_attr else None
        return RObject(value, attributes or {})


class RObject:
    def __init__(self, value, attributes):
        self.value, self.attributes = value, attributes


def lazy_load(directory, name):
    """Object `name` of an R lazy-load database (Rdata.rdx index, Rdata.rdb values)."""
    with open(directory + "/Rdata.rdx", "rb") as f:
        raw = f.read()
    index = RReader(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else zlib.decompress(raw[4:])).item()
    names = index.attributes["names"].value
    variables = index.value[names.index("variables")]
    where = variables.value[variables.attributes["names"].value.index(name)].value
    offset, size = int(where[0]), int(where[1])
    with open(directory + "/Rdata.rdb", "rb") as f:
        f.seek(offset)
        blob = f.read(size)
    # 4 bytes of uncompressed length, then zlib data, or a type byte ('Z' zlib, '2' bzip2, 'X' xz, '0' none) and data.
    body = blob[4:]
    kind = body[:1]
    if kind == b"2":
        data = bz2.decompress(body[1:])
    elif kind == b"X":
        data = lzma.decompress(body[1:])
    elif kind == b"Z":
        data = zlib.decompress(body[1:])
    elif kind == b"0":
        data = body[1:]
    else:
        data = zlib.decompress(body)
    return RReader(data).item()


def boston(directory, out):
    frame = lazy_load(directory, "Boston")
    columns = frame.attributes["names"].value
    values = [c.value for c in frame.value]
    rows = len(values[0])
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in range(rows):
            w.writerow([repr(float(col[r])) if isinstance(col[r], float) else col[r] for col in values])
    print("Boston: %d rows, columns %s" % (rows, ", ".join(columns)))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "packages":
        packages(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "boston":
        boston(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
